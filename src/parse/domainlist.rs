//! Domain lists: `etc/localdomains`, `etc/remotedomains`, `etc/secondarymx`.
//!
//! Exim reads these with `lsearch`: a line's key runs up to the first colon or white space; the
//! match is case-insensitive; empty lines and lines starting with `#` are skipped; a line that
//! starts with white space continues the previous line's data and is never a key. cPanel's own
//! scripts add and remove whole lines by exact comparison. Grammar: `grammar/domainlist.pest`.

use crate::parse::{Lossless, SyntaxError};
use crate::source::{SourceFile, Span};

/// A parsed domain list.
#[derive(Clone, Debug)]
pub struct DomainList {
    pub lines: Vec<DomainLine>,
}

#[derive(Clone, Debug)]
pub struct DomainLine {
    /// The whole line including its `\n` (the pieces of the document).
    pub span: Span,
    pub kind: DomainLineKind,
}

#[derive(Clone, Debug)]
pub enum DomainLineKind {
    /// Empty or white space only.
    Blank,
    /// First character `#`.
    Comment,
    Entry(DomainEntry),
    /// Not a domain name (binary data, characters no domain can contain).
    Invalid(SyntaxError),
}

#[derive(Clone, Debug)]
pub struct DomainEntry {
    /// The key as written, without surrounding white space, trailing `\r` or data after it.
    pub key: Span,
    /// What cPanel means by the line: lower case, without a trailing dot.
    pub domain: String,
    /// Ways the line differs from the canonical `domain\n` (for CP003).
    pub issues: Vec<EntryIssue>,
}

/// A deviation from the canonical form of a domain-list line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EntryIssue {
    /// White space before the key: Exim reads the line as a continuation, never as a key.
    LeadingWhitespace,
    /// White space after the key.
    TrailingWhitespace,
    /// Upper-case letters: Exim matches, cPanel's exact-line tools do not.
    UpperCase,
    /// A trailing dot: Exim compares `example.com.` with `example.com` and does not match.
    TrailingDot,
    /// A `\r` before the `\n` (file edited on Windows).
    CarriageReturn,
    /// Text after the key (`example.com: x`); lsearch ignores it as data.
    TrailingData,
    /// The last line has no `\n`; appending with `>>` would glue the next domain to it.
    NoFinalNewline,
}

impl DomainList {
    /// Entries in file order.
    pub fn entries(&self) -> impl Iterator<Item = (&DomainLine, &DomainEntry)> {
        self.lines.iter().filter_map(|l| match &l.kind {
            DomainLineKind::Entry(e) => Some((l, e)),
            _ => None,
        })
    }

    /// Syntax errors of invalid lines.
    pub fn errors(&self) -> impl Iterator<Item = &SyntaxError> {
        self.lines.iter().filter_map(|l| match &l.kind {
            DomainLineKind::Invalid(e) => Some(e),
            _ => None,
        })
    }
}

impl Lossless for DomainList {
    fn pieces(&self) -> Vec<Span> {
        self.lines.iter().map(|l| l.span).collect()
    }
}

/// Parses a domain list. Never fails; see [`DomainLineKind::Invalid`].
pub fn parse(src: &SourceFile) -> DomainList {
    let _ = src;
    todo!("domain list parser")
}
