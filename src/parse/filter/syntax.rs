//! The tree of a filter file: statements, commands and conditions, with their spans.

use super::discard::{Discard, walk};
use crate::parse::{Document, Lossless, SyntaxError};
use crate::source::Span;

/// What kind of file this is, from its first text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilterKind {
    /// No text but white space (cPanel's routers skip an empty file).
    Empty,
    /// Starts with `# Exim filter`.
    Exim,
    /// Starts with `# Sieve filter` (not parsed further).
    Sieve,
    /// Anything else: Exim reads it as a list of forwarding addresses.
    Forward,
}

/// A parsed filter file.
#[derive(Clone, Debug)]
pub struct Filter {
    pub kind: FilterKind,
    /// The `# Exim filter` (or `# Sieve filter`) comment.
    pub header: Option<Span>,
    /// The length of the file.
    pub len: usize,
    /// Every comment (`#` to the end of the line), the header included.
    pub comments: Vec<Span>,
    /// The top-level commands and blocks.
    pub body: Vec<Stmt>,
    pub(super) errors: Vec<SyntaxError>,
}

/// A command, an `if` block, or something maillint does not know.
#[derive(Clone, Debug)]
pub struct Stmt {
    /// From the first token to the last.
    pub span: Span,
    pub kind: StmtKind,
}

#[derive(Clone, Debug)]
pub enum StmtKind {
    If(Box<IfBlock>),
    Command(Command),
    /// Tokens that are no command maillint knows, up to the next keyword.
    Opaque,
}

#[derive(Clone, Debug)]
pub struct IfBlock {
    /// The `if` branch, then each `elif`.
    pub branches: Vec<Branch>,
    pub otherwise: Option<Else>,
    /// `None` when the file ends first (an error).
    pub endif: Option<Span>,
}

#[derive(Clone, Debug)]
pub struct Branch {
    /// `if` or `elif`.
    pub keyword: Span,
    pub cond: Cond,
    /// `None` when `then` is missing (an error).
    pub then: Option<Span>,
    pub body: Vec<Stmt>,
}

#[derive(Clone, Debug)]
pub struct Else {
    pub keyword: Span,
    pub body: Vec<Stmt>,
}

/// A data value: a word or a quoted string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arg {
    /// As written (quotes included).
    pub span: Span,
    pub quoted: bool,
    /// The value: a word as written, a string without its quotes and with its escapes applied
    /// (no string expansion: `$h_subject:` stays as it is).
    pub value: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verb {
    Deliver,
    Save,
    Pipe,
    Finish,
    Fail,
    Freeze,
    Headers,
    Logfile,
    Logwrite,
    Mail,
    Vacation,
    Add,
    Testprint,
}

impl Verb {
    pub(super) fn from_word(w: &str) -> Option<Verb> {
        Some(match w {
            "deliver" => Verb::Deliver,
            "save" => Verb::Save,
            "pipe" => Verb::Pipe,
            "finish" => Verb::Finish,
            "fail" => Verb::Fail,
            "freeze" => Verb::Freeze,
            "headers" => Verb::Headers,
            "logfile" => Verb::Logfile,
            "logwrite" => Verb::Logwrite,
            "mail" => Verb::Mail,
            "vacation" => Verb::Vacation,
            "add" => Verb::Add,
            "testprint" => Verb::Testprint,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Deliver => "deliver",
            Verb::Save => "save",
            Verb::Pipe => "pipe",
            Verb::Finish => "finish",
            Verb::Fail => "fail",
            Verb::Freeze => "freeze",
            Verb::Headers => "headers",
            Verb::Logfile => "logfile",
            Verb::Logwrite => "logwrite",
            Verb::Mail => "mail",
            Verb::Vacation => "vacation",
            Verb::Add => "add",
            Verb::Testprint => "testprint",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrefixKind {
    Seen,
    Unseen,
    Noerror,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Prefix {
    pub kind: PrefixKind,
    pub span: Span,
}

/// A named parameter of a command (`errors_to X`, a `save` mode, `text X`, `charset X`,
/// `to VAR` of `add`, the options of `mail`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Param {
    /// The keyword (`mode` for the bare mode of `save` and `logfile`).
    pub name: String,
    /// The keyword as written (`None` for a bare mode).
    pub name_span: Option<Span>,
    pub value: Option<Arg>,
}

#[derive(Clone, Debug)]
pub struct Command {
    pub prefixes: Vec<Prefix>,
    pub verb: Verb,
    pub verb_span: Span,
    /// The main argument (address, file, command, text, number), when the command has one.
    pub arg: Option<Arg>,
    pub params: Vec<Param>,
}

impl Command {
    pub fn has_prefix(&self, kind: PrefixKind) -> bool {
        self.prefixes.iter().any(|p| p.kind == kind)
    }

    /// `save "/dev/null"`: the message is written nowhere.
    pub fn saves_to_dev_null(&self) -> bool {
        self.verb == Verb::Save && self.arg.as_ref().is_some_and(|a| a.value == "/dev/null")
    }

    /// Whether the command sets up a delivery (a forward, a file or folder, a pipe).
    pub fn delivers(&self) -> bool {
        matches!(self.verb, Verb::Deliver | Verb::Save | Verb::Pipe)
    }

    /// Whether a delivery it sets up is significant (ends the address's routing): `deliver`,
    /// `save` and `pipe` unless `unseen`; `mail`, `vacation` and `finish` only when `seen`.
    pub fn is_significant(&self) -> bool {
        if self.delivers() {
            !self.has_prefix(PrefixKind::Unseen)
        } else {
            self.has_prefix(PrefixKind::Seen)
        }
    }

    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.name == name)
    }
}

/// A condition of `if` or `elif`.
#[derive(Clone, Debug)]
pub struct Cond {
    pub span: Span,
    pub kind: CondKind,
}

#[derive(Clone, Debug)]
pub enum CondKind {
    Or(Vec<Cond>),
    And(Vec<Cond>),
    Not(Box<Cond>),
    /// `( … )`.
    Group(Box<Cond>),
    Test(Box<Test>),
    /// `delivered`, `error_message`, `first_delivery`, `manually_thawed`, `personal …`.
    Word(String),
    ForAnyAddress {
        list: Arg,
        cond: Box<Cond>,
    },
    /// Not understood by maillint (skipped up to `then`).
    Opaque,
}

/// `LEFT [does not|is not] OP RIGHT`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Test {
    pub left: Arg,
    pub op: Op,
    /// The operator words (`does not contain`).
    pub op_span: Span,
    pub negated: bool,
    /// Written in upper case (`CONTAINS`): letters compare with their case.
    pub case_sensitive: bool,
    pub right: Arg,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Is,
    Contains,
    Begins,
    Ends,
    Matches,
    /// `is above` (numeric).
    Above,
    /// `is below` (numeric).
    Below,
}

impl Filter {
    pub fn errors(&self) -> impl Iterator<Item = &SyntaxError> {
        self.errors.iter()
    }

    /// The comment cPanel writes before a rule (`#My rule`) for the top-level statement that
    /// contains `span`: the last comment between the previous top-level statement and it (the
    /// file header excluded).
    pub fn rule_name(&self, span: Span) -> Option<Span> {
        let i = self
            .body
            .iter()
            .position(|s| s.span.start <= span.start && span.end <= s.span.end)?;
        let from = if i == 0 { 0 } else { self.body[i - 1].span.end };
        let to = self.body[i].span.start;
        self.comments
            .iter()
            .rev()
            .find(|c| c.start >= from && c.end <= to && Some(**c) != self.header)
            .copied()
    }

    /// Every command that throws the message away, with the conditions on its path.
    pub fn discards(&self) -> Vec<Discard<'_>> {
        let mut out = Vec::new();
        if self.kind == FilterKind::Exim {
            walk(&self.body, &mut Vec::new(), false, &mut out);
        }
        out
    }
}

impl Document for Filter {
    fn syntax_errors(&self) -> Vec<SyntaxError> {
        self.errors().cloned().collect()
    }
}

impl Lossless for Filter {
    /// The top-level statements and the text between them (white space and comments).
    fn pieces(&self) -> Vec<Span> {
        let mut out = Vec::with_capacity(self.body.len() * 2 + 1);
        let mut pos = 0usize;
        for s in &self.body {
            let (start, end) = (s.span.start as usize, s.span.end as usize);
            if start > pos {
                out.push(Span::new(pos, start));
            }
            out.push(s.span);
            pos = pos.max(end);
        }
        if pos < self.len || out.is_empty() {
            out.push(Span::new(pos, self.len.max(pos)));
        }
        out
    }
}
