//! Parsers: one module per file format, each a pest grammar in `grammar/` plus a thin typed layer.
//!
//! Every parser takes a [`SourceFile`] and returns a lossless document: the spans of its
//! top-level nodes tile the file, so [`render`] gives the input back byte for byte, and every node
//! knows its line and column through its [`Span`]. Parsers never fail as a whole: a line (or
//! record) that does not match its format becomes an invalid node carrying a [`SyntaxError`], and
//! the rest of the file is still available. Parsers know nothing about rules.
//!
//! The line formats share one document type, [`lines::LineDoc`]. Where pest is too slow for the
//! common case, a format reads it with a scanner checked against its grammar ([`cross`]);
//! `grammar/README.md` says which parser runs in release builds for each format.

use crate::source::{SourceFile, Span};

pub mod colonmap;
pub mod cross;
pub mod dkim;
pub mod dmarc;
pub mod domainlist;
pub mod exim;
pub mod eximlog;
pub mod filter;
pub mod iplist;
pub mod keyvalue;
pub mod lines;
pub mod mailacct;
pub mod maildirsize;
pub mod pem;
pub mod spf;
pub mod txt;
pub mod userdata;
pub mod valiases;
pub mod zone;

/// A syntax error found while parsing, in words a system administrator can act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// Where the problem is (may be empty, at the position where something was expected).
    pub span: Span,
    /// What is wrong, in the form "expected …, found …" where that helps:
    /// "expected `:` after the domain name, found end of line".
    pub message: String,
    /// What to do about it: "each line must be `domain: user`".
    pub help: Option<String>,
}

impl SyntaxError {
    pub fn new(span: Span, message: impl Into<String>) -> SyntaxError {
        SyntaxError {
            span,
            message: message.into(),
            help: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> SyntaxError {
        self.help = Some(help.into());
        self
    }
}

/// A parsed document whose top-level nodes tile its source file.
pub trait Lossless {
    /// Spans of the top-level nodes, in file order. They are contiguous, start at 0 and end at the
    /// end of the file.
    fn pieces(&self) -> Vec<Span>;
}

/// A parsed document that lists its syntax errors (the model reports them as parse problems).
pub trait Document {
    /// The syntax errors, in file order.
    fn syntax_errors(&self) -> Vec<SyntaxError>;
}

/// Prints a document back: the original bytes of its pieces, concatenated.
pub fn render(doc: &dyn Lossless, src: &SourceFile) -> Vec<u8> {
    let mut out = Vec::with_capacity(src.len());
    for span in doc.pieces() {
        out.extend_from_slice(src.slice_bytes(span));
    }
    out
}

/// Checks that the pieces of a document tile the file; returns a description of the first gap or
/// overlap. Used by tests of every parser.
pub fn check_tiling(doc: &dyn Lossless, src: &SourceFile) -> Result<(), String> {
    let mut pos = 0u32;
    for span in doc.pieces() {
        if span.start != pos {
            return Err(format!(
                "{}: piece {:?} does not start where the previous one ended ({pos})",
                src.path(),
                span
            ));
        }
        pos = span.end;
    }
    if pos as usize != src.len() {
        return Err(format!(
            "{}: pieces end at {pos}, file has {} bytes",
            src.path(),
            src.len()
        ));
    }
    Ok(())
}

/// Splits a text into lines including their terminators (`\n`; a `\r` before it stays in the
/// line). Shared by the line-oriented parsers.
pub fn line_spans(text: &str) -> impl Iterator<Item = Span> + '_ {
    let bytes = text.as_bytes();
    let mut start = 0usize;
    std::iter::from_fn(move || {
        if start >= bytes.len() {
            return None;
        }
        let end = match bytes[start..].iter().position(|&b| b == b'\n') {
            Some(i) => start + i + 1,
            None => bytes.len(),
        };
        let span = Span::new(start, end);
        start = end;
        Some(span)
    })
}

/// Turns a pest error into a [`SyntaxError`] with the position pest reports. The `describe`
/// function names the grammar rules in plain words.
pub fn from_pest_error<R: pest::RuleType>(
    err: &pest::error::Error<R>,
    describe: impl Fn(&R) -> String,
) -> SyntaxError {
    use pest::error::{ErrorVariant, InputLocation};
    let span = match err.location {
        InputLocation::Pos(p) => Span::at(p),
        InputLocation::Span((s, e)) => Span::new(s, e),
    };
    let message = match &err.variant {
        ErrorVariant::ParsingError { positives, .. } if !positives.is_empty() => {
            let names: Vec<String> = positives.iter().map(&describe).collect();
            format!("expected {}", names.join(" or "))
        }
        ErrorVariant::ParsingError { .. } => "unexpected input".to_string(),
        ErrorVariant::CustomError { message } => message.clone(),
    };
    SyntaxError::new(span, message)
}

/// A piece of user text for a message: in backticks, control characters escaped, cut after
/// `max` characters (with `…`).
pub(crate) fn quote_text(s: &str, max: usize) -> String {
    let mut out = String::from("`");
    for (i, c) in s.chars().enumerate() {
        if i == max {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out.push('`');
    out
}

/// Describes a character for an error message: printable ones quoted (`'x'`), others by code
/// point, and the stand-in for bytes that are not UTF-8 as such.
pub fn describe_char(c: char) -> String {
    match c {
        '\u{1a}' => "a byte that is not UTF-8 text".to_string(),
        '\0' => "a NUL byte".to_string(),
        '\t' => "a tab".to_string(),
        '\r' => "a carriage return".to_string(),
        c if c.is_control() => format!("the control character U+{:04X}", c as u32),
        c => format!("`{c}`"),
    }
}
