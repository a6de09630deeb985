//! Commands and `if` blocks.

use super::MAX_DEPTH;
use super::lex::{Lexer, Tok, Token, unquote};
use super::syntax::{
    Arg, Branch, Command, Else, IfBlock, Param, Prefix, PrefixKind, Stmt, StmtKind, Verb,
};
use crate::parse::{SyntaxError, lines};
use crate::source::{SourceFile, Span};

/// Words that start a statement or end a block: an unknown statement stops before them.
fn is_statement_word(w: &str) -> bool {
    matches!(
        w,
        "if" | "elif" | "else" | "endif" | "then" | "seen" | "unseen" | "noerror"
    ) || Verb::from_word(w).is_some()
}

const MAIL_OPTIONS: &[&str] = &[
    "to",
    "cc",
    "bcc",
    "from",
    "reply_to",
    "subject",
    "extra_headers",
    "text",
    "file",
    "log",
    "once",
    "once_repeat",
];

pub(super) struct P<'a> {
    pub src: &'a SourceFile,
    pub lx: Lexer<'a>,
    pub errors: Vec<SyntaxError>,
    pub depth: usize,
    /// Set when nesting went past [`MAX_DEPTH`]: the rest of the file is one opaque statement.
    pub gave_up: bool,
}

enum Terminator {
    Elif(Span),
    Else(Span),
    Endif(Span),
    Eof,
}

impl<'a> P<'a> {
    pub(super) fn new(src: &'a SourceFile, lx: Lexer<'a>) -> P<'a> {
        P {
            src,
            lx,
            errors: Vec::new(),
            depth: 0,
            gave_up: false,
        }
    }

    pub(super) fn text(&self, t: Token) -> &'a str {
        self.src.slice(t.span)
    }

    pub(super) fn is_word(&self, t: Option<Token>, w: &str) -> bool {
        t.is_some_and(|t| t.kind == Tok::Word && self.text(t) == w)
    }

    pub(super) fn peek_word(&mut self, n: usize) -> Option<&'a str> {
        self.lx
            .peek(n)
            .filter(|t| t.kind == Tok::Word)
            .map(|t| self.text(t))
    }

    /// What a user sees at a token: "`endif`", "end of file".
    pub(super) fn found(&self, t: Option<Token>) -> String {
        match t {
            None => "end of file".to_string(),
            Some(t) => lines::token(self.text(t)),
        }
    }

    pub(super) fn arg(&self, span: Span, quoted: bool) -> Arg {
        let text = self.src.slice(span);
        Arg {
            span,
            quoted,
            value: if quoted {
                unquote(text)
            } else {
                text.to_string()
            },
        }
    }

    /// A data value of a command: a string, or a run of words and parentheses without white
    /// space between them.
    fn command_item(&mut self) -> Option<Arg> {
        let t = self.lx.next()?;
        if t.kind == Tok::Str {
            return Some(self.arg(t.span, true));
        }
        let mut span = t.span;
        while let Some(n) = self.lx.peek(0) {
            if n.kind != Tok::Str && n.span.start == span.end {
                self.lx.next();
                span = span.join(n.span);
            } else {
                break;
            }
        }
        Some(self.arg(span, false))
    }

    fn require_item(&mut self, verb: Span, what: &str) -> Option<Arg> {
        let item = self.command_item();
        if item.is_none() {
            self.errors.push(
                SyntaxError::new(
                    Span::at(self.src.text().len()),
                    format!(
                        "expected {what} after `{}`, found end of file",
                        self.src.slice(verb)
                    ),
                )
                .with_help("a filter command and its arguments must be complete"),
            );
        }
        item
    }

    /// Statements up to a block keyword or the end of the file.
    fn block(&mut self) -> (Vec<Stmt>, Terminator) {
        let mut out = Vec::new();
        loop {
            if self.gave_up {
                return (out, Terminator::Eof);
            }
            let Some(t) = self.lx.peek(0) else {
                return (out, Terminator::Eof);
            };
            if t.kind == Tok::Word {
                match self.text(t) {
                    "elif" => return (out, Terminator::Elif(t.span)),
                    "else" => return (out, Terminator::Else(t.span)),
                    "endif" => return (out, Terminator::Endif(t.span)),
                    _ => {}
                }
            }
            out.push(self.statement());
        }
    }

    /// The top level: stray block keywords are errors, and parsing goes on after them.
    pub(super) fn top(&mut self) -> Vec<Stmt> {
        let mut out = Vec::new();
        loop {
            let (mut stmts, term) = self.block();
            out.append(&mut stmts);
            let span = match term {
                Terminator::Eof => return out,
                Terminator::Elif(s) | Terminator::Else(s) | Terminator::Endif(s) => s,
            };
            self.lx.next();
            self.errors.push(
                SyntaxError::new(
                    span,
                    format!(
                        "expected a command, found `{}` without an open `if`",
                        self.src.slice(span)
                    ),
                )
                .with_help("every `elif`, `else` and `endif` belongs to an `if … then` before it"),
            );
            out.push(Stmt {
                span,
                kind: StmtKind::Opaque,
            });
        }
    }

    fn statement(&mut self) -> Stmt {
        let Some(first) = self.lx.peek(0) else {
            // Not reached: callers peek first.
            return Stmt {
                span: Span::at(self.lx.last_end),
                kind: StmtKind::Opaque,
            };
        };
        let word = (first.kind == Tok::Word).then(|| self.text(first));
        match word {
            Some("if") => {
                self.lx.next();
                self.if_block(first.span)
            }
            Some("then") => {
                self.lx.next();
                self.errors.push(
                    SyntaxError::new(
                        first.span,
                        "expected a command, found `then` outside an `if` condition",
                    )
                    .with_help("`then` follows the condition of an `if` or `elif`"),
                );
                Stmt {
                    span: first.span,
                    kind: StmtKind::Opaque,
                }
            }
            Some(w)
                if matches!(w, "seen" | "unseen" | "noerror") || Verb::from_word(w).is_some() =>
            {
                self.command()
            }
            _ => self.opaque(),
        }
    }

    /// Tokens up to the next statement keyword (at least one).
    fn opaque(&mut self) -> Stmt {
        let first = self
            .lx
            .next()
            .map_or(Span::at(self.lx.last_end), |t| t.span);
        let mut span = first;
        while let Some(t) = self.lx.peek(0) {
            if t.kind == Tok::Word && is_statement_word(self.text(t)) {
                break;
            }
            self.lx.next();
            span = span.join(t.span);
        }
        Stmt {
            span,
            kind: StmtKind::Opaque,
        }
    }

    fn command(&mut self) -> Stmt {
        let mut prefixes = Vec::new();
        let mut start: Option<Span> = None;
        let verb_tok = loop {
            let Some(t) = self.lx.peek(0) else {
                break None;
            };
            let w = (t.kind == Tok::Word).then(|| self.text(t));
            let kind = match w {
                Some("seen") => PrefixKind::Seen,
                Some("unseen") => PrefixKind::Unseen,
                Some("noerror") => PrefixKind::Noerror,
                Some(w) if Verb::from_word(w).is_some() => break Some(t),
                _ => break None,
            };
            self.lx.next();
            start.get_or_insert(t.span);
            prefixes.push(Prefix { kind, span: t.span });
        };
        let Some(vt) = verb_tok else {
            // A prefix without a command after it.
            let next = self.lx.peek(0);
            let last = prefixes.last().map_or(Span::default(), |p| p.span);
            let span = start.unwrap_or(last).join(last);
            let opens_statement = next
                .filter(|t| t.kind == Tok::Word)
                .is_some_and(|t| is_statement_word(self.text(t)));
            if next.is_none() || opens_statement {
                self.errors.push(
                    SyntaxError::new(
                        last,
                        format!(
                            "expected a command after `{}`, found {}",
                            self.src.slice(last),
                            self.found(next)
                        ),
                    )
                    .with_help("`seen`, `unseen` and `noerror` go before a command such as `deliver` or `finish`"),
                );
                return Stmt {
                    span,
                    kind: StmtKind::Opaque,
                };
            }
            let rest = self.opaque();
            return Stmt {
                span: span.join(rest.span),
                kind: StmtKind::Opaque,
            };
        };
        self.lx.next();
        let verb = Verb::from_word(self.text(vt)).unwrap_or(Verb::Finish);
        let mut cmd = Command {
            prefixes,
            verb,
            verb_span: vt.span,
            arg: None,
            params: Vec::new(),
        };
        self.arguments(&mut cmd);
        let end = self.lx.last_end.max(vt.span.end as usize);
        Stmt {
            span: Span::new(start.unwrap_or(vt.span).start as usize, end),
            kind: StmtKind::Command(cmd),
        }
    }

    fn named(&mut self, cmd: &mut Command, name_tok: Token, what: &str) {
        self.lx.next();
        let value = self.require_item(name_tok.span, what);
        cmd.params.push(Param {
            name: self.text(name_tok).to_string(),
            name_span: Some(name_tok.span),
            value,
        });
    }

    /// An optional octal mode after a file name.
    fn mode(&mut self, cmd: &mut Command) {
        if let Some(t) = self.lx.peek(0)
            && t.kind == Tok::Word
            && self.text(t).bytes().all(|b| b.is_ascii_digit())
        {
            self.lx.next();
            cmd.params.push(Param {
                name: "mode".into(),
                name_span: None,
                value: Some(self.arg(t.span, false)),
            });
        }
    }

    fn arguments(&mut self, cmd: &mut Command) {
        let v = cmd.verb_span;
        match cmd.verb {
            Verb::Deliver => {
                cmd.arg = self.require_item(v, "an address");
                if let Some(t) = self.lx.peek(0)
                    && self.is_word(Some(t), "errors_to")
                {
                    self.named(cmd, t, "an address");
                }
            }
            Verb::Save | Verb::Logfile => {
                cmd.arg = self.require_item(v, "a file name");
                self.mode(cmd);
            }
            Verb::Pipe => cmd.arg = self.require_item(v, "a command"),
            Verb::Logwrite | Verb::Testprint => cmd.arg = self.require_item(v, "a text"),
            Verb::Finish => {}
            Verb::Fail | Verb::Freeze => {
                if let Some(t) = self.lx.peek(0)
                    && self.is_word(Some(t), "text")
                {
                    self.named(cmd, t, "a text");
                }
            }
            Verb::Headers => {
                if let Some(t) = self.lx.peek(0)
                    && t.kind == Tok::Word
                    && matches!(self.text(t), "charset" | "add" | "remove")
                {
                    self.named(cmd, t, "a value");
                }
            }
            Verb::Add => {
                cmd.arg = self.require_item(v, "a number");
                if let Some(t) = self.lx.peek(0)
                    && self.is_word(Some(t), "to")
                {
                    self.named(cmd, t, "a variable name");
                }
            }
            Verb::Mail | Verb::Vacation => {
                while let Some(t) = self.lx.peek(0) {
                    if t.kind != Tok::Word {
                        break;
                    }
                    match self.text(t) {
                        w if MAIL_OPTIONS.contains(&w) => self.named(cmd, t, "a value"),
                        "expand" => {
                            self.lx.next();
                            cmd.params.push(Param {
                                name: "expand".into(),
                                name_span: Some(t.span),
                                value: None,
                            });
                        }
                        "return" if self.peek_word(1) == Some("message") => {
                            self.lx.next();
                            let m = self.lx.next();
                            cmd.params.push(Param {
                                name: "return message".into(),
                                name_span: Some(m.map_or(t.span, |m| t.span.join(m.span))),
                                value: None,
                            });
                        }
                        _ => break,
                    }
                }
            }
        }
    }

    fn if_block(&mut self, if_span: Span) -> Stmt {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            self.errors.push(
                SyntaxError::new(
                    if_span,
                    format!("expected at most {MAX_DEPTH} nested `if` blocks, found more; the rest of the file is not read"),
                )
                .with_help("flatten the conditions with `and`, `or` and `elif`"),
            );
            self.gave_up = true;
            let mut span = if_span;
            while let Some(t) = self.lx.next() {
                span = span.join(t.span);
            }
            self.depth -= 1;
            return Stmt {
                span,
                kind: StmtKind::Opaque,
            };
        }
        let mut block = IfBlock {
            branches: Vec::new(),
            otherwise: None,
            endif: None,
        };
        let mut keyword = if_span;
        let mut reported = false;
        let end = loop {
            let (cond, then) = self.condition(keyword);
            reported |= then.is_none();
            let (body, term) = self.block();
            block.branches.push(Branch {
                keyword,
                cond,
                then,
                body,
            });
            match term {
                Terminator::Elif(s) => {
                    self.lx.next();
                    keyword = s;
                }
                Terminator::Else(s) => {
                    self.lx.next();
                    let (body, term) = self.block();
                    block.otherwise = Some(Else { keyword: s, body });
                    match term {
                        Terminator::Endif(e) => {
                            self.lx.next();
                            block.endif = Some(e);
                            break e.end as usize;
                        }
                        Terminator::Eof => break self.unterminated(if_span, reported),
                        Terminator::Elif(x) | Terminator::Else(x) => {
                            self.lx.next();
                            self.errors.push(
                                SyntaxError::new(
                                    x,
                                    format!(
                                        "expected `endif` after the `else` block, found `{}`",
                                        self.src.slice(x)
                                    ),
                                )
                                .with_help("an `if` has at most one `else`, after every `elif`"),
                            );
                            // Read on as if the `else` had ended there.
                            let (mut more, term) = self.block();
                            if let Some(e) = &mut block.otherwise {
                                e.body.append(&mut more);
                            }
                            match term {
                                Terminator::Endif(e) => {
                                    self.lx.next();
                                    block.endif = Some(e);
                                    break e.end as usize;
                                }
                                _ => break self.unterminated(if_span, true),
                            }
                        }
                    }
                }
                Terminator::Endif(e) => {
                    self.lx.next();
                    block.endif = Some(e);
                    break e.end as usize;
                }
                Terminator::Eof => break self.unterminated(if_span, reported),
            }
        };
        self.depth -= 1;
        Stmt {
            span: Span::new(if_span.start as usize, end.max(if_span.end as usize)),
            kind: StmtKind::If(Box::new(block)),
        }
    }

    /// Reports an `if` without `endif` (unless its `then` was already missing) and returns where
    /// the block ends.
    fn unterminated(&mut self, if_span: Span, reported: bool) -> usize {
        if !reported && !self.gave_up {
            self.errors.push(
                SyntaxError::new(
                    if_span,
                    "expected `endif` to close this `if`, found end of file",
                )
                .with_help("every `if … then` block ends with `endif`"),
            );
        }
        self.lx.last_end
    }
}
