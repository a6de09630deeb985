//! The tokens of a filter file, read one physical line at a time (grammar:
//! `grammar/filter.pest`), and the value of quoted strings.

use std::collections::VecDeque;

use pest::Parser;

use crate::parse::SyntaxError;
use crate::parse::cross::cross_check_into;
use crate::source::{SourceFile, Span};

#[derive(pest_derive::Parser)]
#[grammar = "grammar/filter.pest"]
struct LineParser;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Tok {
    Word,
    Str,
    LParen,
    RParen,
}

#[derive(Clone, Copy, Debug)]
pub(super) struct Token {
    pub span: Span,
    pub kind: Tok,
}

const UNCLOSED_HELP: &str = "end the string with `\"` on the same line, or end the line with `\\` \
                             to continue it on the next one";

/// A piece of a line, as the grammar's rules name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Piece {
    Comment,
    LParen,
    RParen,
    Word,
    /// `string`: a quoted string closed on the line.
    Str,
    /// `open`: a string that goes on on the next line.
    Open,
    /// `unclosed`: a string the line ends in.
    Unclosed,
    /// The end of a string begun on an earlier line (`rest`, `rest_open`, `rest_unclosed`).
    Rest,
    RestOpen,
    RestUnclosed,
}

/// The pieces of a line (`cont`: the line goes on with a string the line before left open),
/// with the pest grammar: the definition, which [`pieces_fast`] follows (checked against it in
/// debug builds).
fn pieces_grammar(text: &str, cont: bool, out: &mut Vec<(Piece, usize, usize)>) {
    let rule = if cont { Rule::cont } else { Rule::line };
    let Ok(mut pairs) = LineParser::parse(rule, text) else {
        // Not reached: every rule of a line can match any character.
        return;
    };
    let Some(line) = pairs.next() else { return };
    for p in line.into_inner() {
        let piece = match p.as_rule() {
            Rule::comment => Piece::Comment,
            Rule::lparen => Piece::LParen,
            Rule::rparen => Piece::RParen,
            Rule::word => Piece::Word,
            Rule::string => Piece::Str,
            Rule::open => Piece::Open,
            Rule::unclosed => Piece::Unclosed,
            Rule::rest => Piece::Rest,
            Rule::rest_open => Piece::RestOpen,
            Rule::rest_unclosed => Piece::RestUnclosed,
            _ => continue,
        };
        out.push((piece, p.as_span().start(), p.as_span().end()));
    }
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | 0x0B | 0x0C)
}

/// How the characters of a string end: at its closing quote (the offset after it), at a `\` that
/// ends the line, or at the end of the line.
enum StrEnd {
    Closed(usize),
    Open,
    Unclosed,
}

fn string_end(b: &[u8], mut i: usize) -> StrEnd {
    while i < b.len() {
        match b[i] {
            b'"' => return StrEnd::Closed(i + 1),
            // `\` and the character after it (whose other bytes, if any, are never `"` or `\`).
            b'\\' if i + 1 < b.len() => i += 2,
            b'\\' => return StrEnd::Open,
            _ => i += 1,
        }
    }
    StrEnd::Unclosed
}

/// The pieces of a line, as [`pieces_grammar`] finds them, with a plain loop: pest spends about a
/// microsecond per token, which a big filter file would turn into seconds.
fn pieces_fast(text: &str, cont: bool, out: &mut Vec<(Piece, usize, usize)>) {
    let b = text.as_bytes();
    let n = b.len();
    let mut i = 0;
    let skip_ws = |mut i: usize| {
        while i < n && is_ws(b[i]) {
            i += 1;
        }
        i
    };
    if cont {
        i = skip_ws(i);
        match string_end(b, i) {
            StrEnd::Closed(end) => {
                out.push((Piece::Rest, i, end));
                i = end;
            }
            StrEnd::Open => {
                out.push((Piece::RestOpen, i, n));
                return;
            }
            StrEnd::Unclosed => {
                out.push((Piece::RestUnclosed, i, n));
                return;
            }
        }
    }
    loop {
        i = skip_ws(i);
        if i >= n {
            return;
        }
        match b[i] {
            b'#' => {
                out.push((Piece::Comment, i, n));
                return;
            }
            b'(' => {
                out.push((Piece::LParen, i, i + 1));
                i += 1;
            }
            b')' => {
                out.push((Piece::RParen, i, i + 1));
                i += 1;
            }
            b'"' => match string_end(b, i + 1) {
                StrEnd::Closed(end) => {
                    out.push((Piece::Str, i, end));
                    i = end;
                }
                StrEnd::Open => {
                    out.push((Piece::Open, i, n));
                    return;
                }
                StrEnd::Unclosed => {
                    out.push((Piece::Unclosed, i, n));
                    return;
                }
            },
            _ => {
                let start = i;
                while i < n && !is_ws(b[i]) && b[i] != b'(' && b[i] != b')' {
                    i += 1;
                }
                out.push((Piece::Word, start, i));
            }
        }
    }
}

/// Reads tokens one physical line at a time.
pub(super) struct Lexer<'a> {
    src: &'a SourceFile,
    /// Where the next line starts.
    pos: usize,
    buf: VecDeque<Token>,
    /// Where a string left open by a line ending in `\` starts.
    open: Option<usize>,
    pub comments: Vec<Span>,
    pub errors: Vec<SyntaxError>,
    /// The end of the last token taken.
    pub last_end: usize,
    /// The pieces of the current line (kept to reuse its allocation).
    pieces: Vec<(Piece, usize, usize)>,
}

impl<'a> Lexer<'a> {
    pub fn new(src: &'a SourceFile) -> Lexer<'a> {
        Lexer {
            src,
            pos: 0,
            buf: VecDeque::new(),
            open: None,
            comments: Vec::new(),
            errors: Vec::new(),
            last_end: 0,
            pieces: Vec::new(),
        }
    }

    fn unclosed(&mut self, quote: usize, end: usize, found: &str) {
        self.errors.push(
            SyntaxError::new(
                Span::new(quote, quote + 1),
                format!("expected a closing `\"` for this string, found {found}"),
            )
            .with_help(UNCLOSED_HELP),
        );
        self.buf.push_back(Token {
            span: Span::new(quote, end),
            kind: Tok::Str,
        });
    }

    /// Reads the next line into the buffer; `false` at the end of the file.
    fn fill(&mut self) -> bool {
        let all = self.src.text();
        if self.pos >= all.len() {
            if let Some(quote) = self.open.take() {
                let end = all.trim_end_matches(['\n', '\r']).len().max(quote);
                self.unclosed(quote, end, "end of file");
                return true;
            }
            return false;
        }
        // The line without its `\n` and without a `\r` before it.
        let off = self.pos;
        let mut end = all[off..].find('\n').map_or(all.len(), |i| off + i);
        self.pos = (end + 1).min(all.len());
        if end > off && all.as_bytes()[end - 1] == b'\r' {
            end -= 1;
        }
        let text = &self.src.text()[off..end];
        let cont = self.open.is_some();
        let mut pieces = std::mem::take(&mut self.pieces);
        pieces.clear();
        // The grammar defines the pieces; the scanner reads every line alike.
        cross_check_into(
            "filter",
            text,
            &mut pieces,
            |out| {
                pieces_fast(text, cont, out);
                Some(())
            },
            |out| pieces_grammar(text, cont, out),
        );
        for &(piece, start, stop) in &pieces {
            let span = Span::new(off + start, off + stop);
            let kind = match piece {
                Piece::Comment => {
                    self.comments.push(span);
                    continue;
                }
                Piece::LParen => Tok::LParen,
                Piece::RParen => Tok::RParen,
                Piece::Word => Tok::Word,
                Piece::Str => Tok::Str,
                Piece::Open => {
                    self.open = Some(span.start as usize);
                    continue;
                }
                Piece::Unclosed => {
                    self.unclosed(span.start as usize, span.end as usize, "end of line");
                    continue;
                }
                Piece::Rest => {
                    let quote = self.open.take().unwrap_or(span.start as usize);
                    self.buf.push_back(Token {
                        span: Span::new(quote, span.end as usize),
                        kind: Tok::Str,
                    });
                    continue;
                }
                Piece::RestOpen => continue,
                Piece::RestUnclosed => {
                    let quote = self.open.take().unwrap_or(span.start as usize);
                    self.unclosed(quote, span.end as usize, "end of line");
                    continue;
                }
            };
            self.buf.push_back(Token { span, kind });
        }
        self.pieces = pieces;
        true
    }

    pub fn peek(&mut self, n: usize) -> Option<Token> {
        while self.buf.len() <= n {
            if !self.fill() {
                return None;
            }
        }
        self.buf.get(n).copied()
    }

    pub fn next(&mut self) -> Option<Token> {
        self.peek(0)?;
        let t = self.buf.pop_front()?;
        self.last_end = t.span.end as usize;
        Some(t)
    }
}

/// The value of a quoted string as written (opening quote included; the closing one, if any,
/// ends it): escapes applied, a `\` at the end of a line joins the next line without its
/// leading white space.
pub fn unquote(text: &str) -> String {
    let body = text.strip_prefix('"').unwrap_or(text);
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => break,
            '\\' => match chars.next() {
                None => break,
                Some('\n') => {
                    while chars.peek().is_some_and(|c| matches!(c, ' ' | '\t')) {
                        chars.next();
                    }
                }
                Some('\r') if chars.peek() == Some(&'\n') => {
                    chars.next();
                    while chars.peek().is_some_and(|c| matches!(c, ' ' | '\t')) {
                        chars.next();
                    }
                }
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some('t') => out.push('\t'),
                Some(d @ '0'..='7') => {
                    let mut v = d.to_digit(8).unwrap_or(0);
                    for _ in 0..2 {
                        match chars.peek().and_then(|c| c.to_digit(8)) {
                            Some(x) => {
                                v = v * 8 + x;
                                chars.next();
                            }
                            None => break,
                        }
                    }
                    out.push(char::from((v & 0xff) as u8));
                }
                Some('x') => {
                    let mut v = 0u32;
                    let mut n = 0;
                    while n < 2 {
                        match chars.peek().and_then(|c| c.to_digit(16)) {
                            Some(x) => {
                                v = v * 16 + x;
                                chars.next();
                                n += 1;
                            }
                            None => break,
                        }
                    }
                    if n == 0 {
                        out.push('x');
                    } else {
                        out.push(char::from(v as u8));
                    }
                }
                Some(other) => out.push(other),
            },
            c => out.push(c),
        }
    }
    out
}
