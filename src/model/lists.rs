//! Routing-list membership, decided exactly as Exim decides it.
//!
//! cPanel's Exim configuration reads `etc/localdomains` and `etc/secondarymx` with `lsearch`
//! (`domainlist local_domains = lsearch;/etc/localdomains`); maillint reads
//! `etc/remotedomains`, which Exim never reads and cPanel uses for its own bookkeeping, the same
//! way, so that the three lists have one meaning (RULES.md, Terms: "List membership").
//!
//! How `lsearch` reads a file, verified with Exim 4.96 (`exim -C … -bt`, tests/exim_membership.rs
//! holds the whole table):
//!
//! - The file is read in pieces of at most 4095 bytes, each ending at a `\n` or where the piece
//!   is full. Only a piece that starts a line is looked at; the rest of an over-long line is
//!   skipped. A piece that holds a NUL byte ends, for Exim, at that byte, so it does not end with
//!   `\n`: Exim then takes the *next line* for the rest of an over-long line and skips it too
//!   (`example.net\0` lists example.net and hides the line after it).
//! - White space at the end of a line is ignored (white space is space, tab, `\n`, vertical tab,
//!   form feed and `\r`, so a CRLF line end is harmless). A line that is then empty, starts with
//!   `#` or starts with white space (a continuation of the line above) has no key.
//! - The key is the text up to the first colon or white space (`example.org: data`,
//!   `example.org # note` and `example.org other.example` all list example.org and nothing
//!   else), or, when the line starts with `"`, the quoted text up to the next `"` (or the end of
//!   the line), with backslash escapes (`\\`, `\"`, `\n`, `\x6d`, `\155`…) interpreted.
//! - A domain is listed when a key equals it, compared **without regard to case** (ASCII):
//!   `Example.ORG` lists example.org. (RULES.md said that upper case does not list: Exim says it
//!   does.) There is no other normalisation: `example.org.` lists only the name with the dot,
//!   which no address has; a UTF-8 byte-order mark before the first line becomes part of the
//!   first key; `*.example.org` is a literal name (plain `lsearch` does not expand wildcards);
//!   a name in UTF-8 does not list its punycode form.
//!
//! [`RoutingList`] keeps, next to the parsed file, how Exim reads each line and an index of the
//! keys, so that a membership question costs one hash lookup (routing questions are asked for
//! every domain of the server).

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::Arc;

use crate::model::Parsed;
use crate::parse::domainlist::{self, DomainEntry, DomainLine, DomainLineKind, DomainList};
use crate::source::{SourceFile, Span};

/// Exim reads a file with `fgets` into a 4096-byte buffer: at most 4095 bytes at a time.
const PIECE: usize = 4095;

/// How Exim's `lsearch` reads one line of a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LineRead {
    /// The line has a key: the bytes Exim compares (quotes removed and escapes interpreted, case
    /// as written), and where it is written (a quoted key with its quotes).
    Key { key: Box<[u8]>, span: Span },
    /// Empty, white space only, or starting with a NUL byte.
    Blank,
    /// Starting with `#`.
    Comment,
    /// Starting with white space: part of the data of the line above, never a key.
    Continuation,
    /// Never read as the start of a line: the line above holds a NUL byte (see the module
    /// documentation).
    Hidden,
}

/// Whether Exim reads a domain-list entry as the domain cPanel means by it (see
/// [`RoutingList::reading`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reading<'a> {
    /// Exim's key is the entry's domain (perhaps in another case).
    AsMeant,
    /// The line starts with white space: the continuation of the line above.
    Continuation,
    /// The line above holds a NUL byte: Exim never reads this line.
    Hidden,
    /// The entry is a wildcard (`*.example.org`), which `lsearch` compares literally.
    Wildcard,
    /// Exim reads another key: `example.org.` with its dot, or a name behind a byte-order mark.
    OtherKey(&'a [u8]),
}

/// A routing list with Exim's reading of it.
#[derive(Clone, Debug)]
pub struct RoutingList {
    pub file: Parsed<DomainList>,
    /// How Exim reads each line of `file.doc.lines` (same indices).
    reads: Vec<LineRead>,
    /// The first line of each key, lower-cased.
    index: HashMap<Box<[u8]>, u32>,
}

impl Deref for RoutingList {
    type Target = Parsed<DomainList>;

    fn deref(&self) -> &Parsed<DomainList> {
        &self.file
    }
}

impl RoutingList {
    pub fn new(file: Parsed<DomainList>) -> RoutingList {
        let spans: Vec<Span> = file.doc.lines.iter().map(|l| l.span).collect();
        let reads = read_lines(file.src.bytes(), &spans);
        let mut index = HashMap::with_capacity(reads.len());
        for (i, r) in reads.iter().enumerate() {
            if let LineRead::Key { key, .. } = r {
                index
                    .entry(key.to_ascii_lowercase().into_boxed_slice())
                    .or_insert(i as u32);
            }
        }
        RoutingList { file, reads, index }
    }

    /// Parses a list file (for tests and tools; the model loads lists through the tree).
    pub fn from_source(src: SourceFile) -> RoutingList {
        let doc = domainlist::parse(&src);
        RoutingList::new(Parsed {
            src: Arc::new(src),
            doc,
        })
    }

    /// Whether Exim lists `domain`.
    pub fn contains(&self, domain: &str) -> bool {
        self.first_line(domain).is_some()
    }

    /// The first line whose key is `domain`.
    fn first_line(&self, domain: &str) -> Option<usize> {
        let i = if domain.bytes().any(|b| b.is_ascii_uppercase()) {
            self.index.get(domain.to_ascii_lowercase().as_bytes())
        } else {
            self.index.get(domain.as_bytes())
        };
        i.map(|&i| i as usize)
    }

    /// Where the first key that lists `domain` is written.
    pub fn key_span(&self, domain: &str) -> Option<Span> {
        match &self.reads[self.first_line(domain)?] {
            LineRead::Key { span, .. } => Some(*span),
            _ => None,
        }
    }

    /// How Exim reads line `i` of the file.
    pub fn read(&self, i: usize) -> &LineRead {
        &self.reads[i]
    }

    /// Every line whose key lists `domain`.
    pub fn lines_listing<'a>(&'a self, domain: &'a str) -> impl Iterator<Item = &'a DomainLine> {
        self.file
            .doc
            .lines
            .iter()
            .zip(&self.reads)
            .filter(move |(_, r)| {
                matches!(r, LineRead::Key { key, .. } if key.eq_ignore_ascii_case(domain.as_bytes()))
            })
            .map(|(l, _)| l)
    }

    /// Whether Exim reads line `i`, an entry naming `entry.domain`, as that domain.
    pub fn reading(&self, i: usize, entry: &DomainEntry) -> Reading<'_> {
        match &self.reads[i] {
            LineRead::Key { key, .. } => {
                if !key.eq_ignore_ascii_case(entry.domain.as_bytes()) {
                    Reading::OtherKey(key)
                } else if entry.domain.contains('*') {
                    Reading::Wildcard
                } else {
                    Reading::AsMeant
                }
            }
            LineRead::Hidden => Reading::Hidden,
            // An entry never starts with `#` or is blank; white space before it is the only way.
            LineRead::Continuation | LineRead::Blank | LineRead::Comment => Reading::Continuation,
        }
    }

    /// The entries naming `domain` that Exim does not read as `domain` (CP003 reports them).
    pub fn misread<'a>(&'a self, domain: &'a str) -> impl Iterator<Item = &'a DomainEntry> {
        self.file
            .doc
            .lines
            .iter()
            .enumerate()
            .filter_map(move |(i, l)| match &l.kind {
                DomainLineKind::Entry(e)
                    if e.domain == domain && self.reading(i, e) != Reading::AsMeant =>
                {
                    Some(e)
                }
                _ => None,
            })
    }

    /// The entries Exim reads as the domain they name, in file order, with their line index.
    pub fn entries(&self) -> impl Iterator<Item = (usize, &DomainLine, &DomainEntry)> {
        self.file
            .doc
            .lines
            .iter()
            .enumerate()
            .filter_map(|(i, l)| match &l.kind {
                DomainLineKind::Entry(e) if self.reading(i, e) == Reading::AsMeant => {
                    Some((i, l, e))
                }
                _ => None,
            })
    }
}

/// Whether a list lists `domain` (`false` when the list does not exist).
pub fn list_contains(list: Option<&RoutingList>, domain: &str) -> bool {
    list.is_some_and(|l| l.contains(domain))
}

/// White space to Exim (C's `isspace` in the C locale).
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// How Exim reads each line of `bytes`; `lines` are the spans of the lines, each ending after
/// its `\n` (the last one may have none).
fn read_lines(bytes: &[u8], lines: &[Span]) -> Vec<LineRead> {
    let mut reads = Vec::with_capacity(lines.len());
    // Whether the piece before ended a line for Exim.
    let mut after_eol = true;
    for span in lines {
        let line = &bytes[span.range()];
        let first = &line[..line.len().min(PIECE)];
        reads.push(if after_eol {
            read_piece(first, span.start as usize)
        } else {
            LineRead::Hidden
        });
        // Every piece of the line is skipped after the first; what counts for the next line is
        // whether the last piece ends with `\n` before any NUL.
        let last = &line[(line.len().saturating_sub(1) / PIECE) * PIECE..];
        after_eol = !last.contains(&0) && last.last() == Some(&b'\n');
    }
    reads
}

/// Exim's reading of the first piece of a line that starts at `offset`.
fn read_piece(piece: &[u8], offset: usize) -> LineRead {
    let mut text = match piece.iter().position(|&b| b == 0) {
        Some(nul) => &piece[..nul],
        None => piece,
    };
    let eol = text.last() == Some(&b'\n');
    if eol {
        while let [rest @ .., last] = text
            && is_space(*last)
        {
            text = rest;
        }
    }
    match text.first() {
        None => return LineRead::Blank,
        Some(b'#') => return LineRead::Comment,
        Some(&b) if is_space(b) => {
            return if text.iter().all(|&b| is_space(b)) {
                LineRead::Blank
            } else {
                LineRead::Continuation
            };
        }
        _ => {}
    }
    let (key, len) = if text[0] == b'"' {
        dequote(text)
    } else {
        let end = text
            .iter()
            .position(|&b| b == b':' || is_space(b))
            .unwrap_or(text.len());
        (text[..end].to_vec(), end)
    };
    LineRead::Key {
        key: key.into_boxed_slice(),
        span: Span::new(offset, offset + len),
    }
}

/// A quoted key: the bytes up to the next `"` (or the end), with Exim's backslash escapes; and
/// how many bytes of `text` it takes, quotes included.
fn dequote(text: &[u8]) -> (Vec<u8>, usize) {
    let mut key = Vec::new();
    let mut i = 1;
    while i < text.len() && text[i] != b'"' {
        if text[i] == b'\\' {
            let (b, next) = escape(text, i);
            key.push(b);
            i = next;
        } else {
            key.push(text[i]);
            i += 1;
        }
    }
    if i < text.len() {
        i += 1;
    }
    (key, i)
}

/// The byte an escape starting with the backslash at `text[at]` stands for, and the index after
/// it. A backslash at the very end stands for a NUL byte (Exim reads the string's terminator),
/// which no domain holds.
fn escape(text: &[u8], at: usize) -> (u8, usize) {
    let octal = |b: u8| (b'0'..=b'7').contains(&b);
    let Some(&c) = text.get(at + 1) else {
        return (0, text.len());
    };
    let mut i = at + 2;
    let b = match c {
        _ if octal(c) => {
            let mut v = u32::from(c - b'0');
            for _ in 0..2 {
                match text.get(i) {
                    Some(&d) if octal(d) => {
                        v = v * 8 + u32::from(d - b'0');
                        i += 1;
                    }
                    _ => break,
                }
            }
            // Exim stores the value in a byte.
            (v & 0xff) as u8
        }
        b'b' => 0x08,
        b'f' => 0x0c,
        b'n' => b'\n',
        b'r' => b'\r',
        b't' => b'\t',
        b'v' => 0x0b,
        b'x' => {
            let mut v = 0u8;
            for _ in 0..2 {
                match text.get(i).and_then(|&d| (d as char).to_digit(16)) {
                    Some(d) => {
                        v = v.wrapping_mul(16).wrapping_add(d as u8);
                        i += 1;
                    }
                    None => break,
                }
            }
            v
        }
        other => other,
    };
    (b, i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(text: &[u8]) -> RoutingList {
        RoutingList::from_source(SourceFile::new("etc/localdomains", text.to_vec()))
    }

    fn key(text: &[u8]) -> Option<Vec<u8>> {
        match read_piece(text, 0) {
            LineRead::Key { key, .. } => Some(key.into_vec()),
            _ => None,
        }
    }

    #[test]
    fn keys_end_at_colon_or_white_space() {
        assert_eq!(key(b"example.org\n").unwrap(), b"example.org");
        assert_eq!(key(b"example.org: x\n").unwrap(), b"example.org");
        assert_eq!(key(b"example.org\x0b\n").unwrap(), b"example.org");
        assert_eq!(key(b"example.org.\r\n").unwrap(), b"example.org.");
        assert_eq!(key(b"example.org\0junk\n").unwrap(), b"example.org");
        assert_eq!(key(b":x\n").unwrap(), b"");
        assert_eq!(read_piece(b" example.org\n", 0), LineRead::Continuation);
        assert_eq!(read_piece(b" \t\r\n", 0), LineRead::Blank);
        assert_eq!(read_piece(b"\0x\n", 0), LineRead::Blank);
        assert_eq!(read_piece(b"#x\n", 0), LineRead::Comment);
    }

    #[test]
    fn quoted_keys_and_escapes() {
        assert_eq!(key(b"\"example.org\" x\n").unwrap(), b"example.org");
        assert_eq!(key(b"\"a b:c\n").unwrap(), b"a b:c");
        assert_eq!(key(b"\"\\x6d\\155\\\\\\\"\\q\"\n").unwrap(), b"mm\\\"q");
        assert_eq!(key(b"\"\\x\\0\\777\\t\"\n").unwrap(), b"\0\0\xff\t");
        // A backslash at the end stands for NUL: the key matches no domain.
        assert_eq!(key(b"\"example.org\\\n").unwrap(), b"example.org\0");
        // The span covers the quotes.
        assert_eq!(
            read_piece(b"\"example.org\" x\n", 7),
            LineRead::Key {
                key: b"example.org".to_vec().into_boxed_slice(),
                span: Span::new(7, 20)
            }
        );
    }

    #[test]
    fn membership_is_case_insensitive_and_exact() {
        let l = list(b"Example.ORG\nexample.net.\n \nsub.example.com: x\n");
        assert!(l.contains("example.org"));
        assert!(l.contains("EXAMPLE.org"));
        assert!(!l.contains("example.net"));
        assert!(l.contains("sub.example.com"));
        assert!(!l.contains("example.com"));
        assert_eq!(l.key_span("example.org"), Some(Span::new(0, 11)));
        assert_eq!(l.lines_listing("example.org").count(), 1);
    }

    #[test]
    fn a_nul_hides_the_next_line_and_long_lines_are_skipped_in_pieces() {
        let l = list(b"a\0\nb\0\nexample.org\nexample.net\n");
        assert_eq!(l.read(1), &LineRead::Hidden);
        assert_eq!(l.read(2), &LineRead::Hidden);
        assert!(l.contains("a") && !l.contains("b"));
        assert!(!l.contains("example.org") && l.contains("example.net"));

        // A line of exactly 4095 bytes plus `\n` is two pieces; the next line is read.
        let mut text = vec![b'a'; PIECE];
        text.extend_from_slice(b"\nexample.org\n");
        assert!(list(&text).contains("example.org"));
        // A NUL in the last piece of a long line hides the next line.
        let mut text = vec![b'a'; PIECE + 10];
        text.extend_from_slice(b"\0\nexample.org\n");
        assert!(!list(&text).contains("example.org"));
        // A key in a later piece of a line is never read.
        let mut text = vec![b' '; PIECE];
        text.extend_from_slice(b"example.org\n");
        assert!(!list(&text).contains("example.org"));
    }

    #[test]
    fn readings_of_entries() {
        let l = list(
            b"example.org\n example.net\nexample.com.\n\xef\xbb\xbfbom.example\n*.example.org\nEXAMPLE.info\nx\0\nhidden.example\n",
        );
        let readings: Vec<(String, Reading)> = l
            .doc
            .lines
            .iter()
            .enumerate()
            .filter_map(|(i, line)| match &line.kind {
                DomainLineKind::Entry(e) => Some((e.domain.clone(), l.reading(i, e))),
                _ => None,
            })
            .collect();
        assert_eq!(
            readings,
            [
                ("example.org".to_string(), Reading::AsMeant),
                ("example.net".to_string(), Reading::Continuation),
                (
                    "example.com".to_string(),
                    Reading::OtherKey(b"example.com.")
                ),
                (
                    "bom.example".to_string(),
                    Reading::OtherKey("\u{feff}bom.example".as_bytes())
                ),
                ("*.example.org".to_string(), Reading::Wildcard),
                ("example.info".to_string(), Reading::AsMeant),
                ("hidden.example".to_string(), Reading::Hidden),
            ]
        );
        let meant: Vec<&str> = l.entries().map(|(_, _, e)| e.domain.as_str()).collect();
        assert_eq!(meant, ["example.org", "example.info"]);
    }
}
