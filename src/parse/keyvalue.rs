//! cPanel key files in two dialects.
//!
//! [`Dialect::Equals`], `KEY=value`: cpuser files (`var/cpanel/users/USER`, cpmove `cp/USER`),
//! `etc/exim.conf.localopts`, `var/cpanel/cpanel.config`. As cPanel's cpuser reader does: a line
//! whose first non-blank character is `#` is a comment; a line is split at its **first** `=`;
//! white space before the `=` is dropped and white space after it is kept in the value; a line
//! without `=` is a bare key whose value is undefined (cPanel writes undefined values that way,
//! and the localopts file holds such lines), which is valid.
//!
//! [`Dialect::Space`], `KEY value`: `etc/wwwacct.conf` (`HOST server.example.com`,
//! `NS ns1.example.com`, `ADDR 192.0.2.1`). The key is the first run of non-blank characters, the
//! value everything after the next run of white space; `#` comments and blank lines as above.
//!
//! Values are kept exactly as written except a final `\r` ([`KvEntry::has_cr`]): cPanel's
//! cpuser reader keeps such a `\r` in the value (so `MXCHECK-example.com=0\r` is not `0` to
//! it), and the localopts reader trims values; rules decide what that means. Keys are
//! case-sensitive (`DNS` and `lve_cpu` both occur). Where cPanel is silent: a key never holds
//! white space or control characters, so `KEY value` in an `=` file is an error rather than a
//! silently ignored line; an indented line is an entry but flagged ([`KvEntry::indented`]),
//! because cPanel's reader keeps the white space in the key. Grammar: `grammar/keyvalue.pest`.
//!
//! For cpuser files, the facts a fix needs to write a line the way cPanel would are exposed:
//! [`KeyValueFile::header`], [`KeyValueFile::layout`], [`KeyValueFile::is_sorted`] and
//! [`KeyValueFile::insertion_point`] (cPanel writes two header comment lines, one empty line, then
//! the `KEY=value` lines sorted by key in byte order).

use crate::parse::SyntaxError;
use crate::parse::cross::cross_check;
use crate::parse::lines::{self, Line, LineDoc, LineKind, RawLine};
use crate::source::{SourceFile, Span};
use pest::Parser;

/// Which of the two line formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// `KEY=value` (cpuser files, `exim.conf.localopts`, `cpanel.config`).
    Equals,
    /// `KEY value` (`wwwacct.conf`).
    Space,
}

/// A parsed key file.
pub type KeyValueFile = LineDoc<KvEntry>;
/// A line of a key file.
pub type KvLine = Line<KvEntry>;
/// A line: blank (empty or white space only), a comment (first non-blank character `#`), an
/// entry, or invalid (a key with white space or control characters in it, or an empty key).
pub type KvLineKind = LineKind<KvEntry>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KvEntry {
    /// The key as written.
    pub key_span: Span,
    pub key: String,
    /// The `=` (Equals dialect) or the run of white space between key and value (Space
    /// dialect); `None` for a bare key.
    pub eq_span: Option<Span>,
    /// Everything after the separator up to the end of the line (a final `\r` excepted); `None`
    /// for a bare key. May be empty.
    pub value: Option<(Span, String)>,
    /// White space before the key.
    pub indented: bool,
    /// A `\r` before the `\n`.
    pub has_cr: bool,
}

impl KvEntry {
    /// The value as written, if the line has one.
    pub fn value_str(&self) -> Option<&str> {
        self.value.as_ref().map(|(_, v)| v.as_str())
    }

    pub fn value_span(&self) -> Option<Span> {
        self.value.as_ref().map(|(s, _)| *s)
    }
}

/// How a key file is laid out, compared with what cPanel writes for a cpuser file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Comment lines at the top of the file.
    pub header_lines: usize,
    /// Blank lines right after them.
    pub blank_lines_after_header: usize,
    /// Whether, after those, every line is an entry (no blank, comment or invalid line).
    pub entries_only: bool,
    /// Whether the entries are sorted by key in byte order ([`KeyValueFile::is_sorted`]).
    pub sorted: bool,
    /// Whether the file is empty or ends with `\n`.
    pub final_newline: bool,
}

impl Layout {
    /// The layout cPanel writes for a cpuser file: two header comment lines, one blank line,
    /// sorted entries only, final newline.
    pub fn is_cpuser_canonical(&self) -> bool {
        self.header_lines == 2
            && self.blank_lines_after_header == 1
            && self.entries_only
            && self.sorted
            && self.final_newline
    }
}

impl KeyValueFile {
    /// The entry for `key` (case-sensitive). When a key occurs more than once, the **last**
    /// occurrence, which is the one cPanel's readers keep.
    pub fn get(&self, key: &str) -> Option<&KvEntry> {
        self.entries().filter(|e| e.key == key).last()
    }

    /// The value of `key`: `None` when the key is absent or bare.
    pub fn value(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(KvEntry::value_str)
    }

    /// The comment lines at the top of the file (cPanel's cpuser header).
    pub fn header(&self) -> &[KvLine] {
        let n = self
            .lines
            .iter()
            .take_while(|l| matches!(l.kind, LineKind::Comment))
            .count();
        &self.lines[..n]
    }

    /// Whether the entries are in byte order of their keys (equal keys allowed), as cPanel
    /// writes cpuser files.
    pub fn is_sorted(&self) -> bool {
        self.first_out_of_order().is_none()
    }

    /// The first entry whose key sorts before the key of the entry above it.
    pub fn first_out_of_order(&self) -> Option<&KvEntry> {
        let mut prev: Option<&KvEntry> = None;
        for e in self.entries() {
            if let Some(p) = prev
                && e.key.as_bytes() < p.key.as_bytes()
            {
                return Some(e);
            }
            prev = Some(e);
        }
        None
    }

    /// Where a new line for `key` belongs to keep the entries sorted: the byte offset at which to
    /// insert `KEY=value\n`, and whether a `\n` must be written first (the last line has none).
    /// An existing key is not looked for: callers edit that line instead.
    pub fn insertion_point(&self, key: &str) -> (usize, bool) {
        let mut after: Option<&KvLine> = None;
        for line in &self.lines {
            if let LineKind::Entry(e) = &line.kind {
                if e.key.as_bytes() > key.as_bytes() {
                    return (line.span.start as usize, false);
                }
                after = Some(line);
            }
        }
        let last = match after {
            Some(line) => line,
            None => match self.lines.last() {
                Some(line) => line,
                None => return (0, false),
            },
        };
        let end = last.span.end as usize;
        (end, end > 0 && !self.line_has_newline(last))
    }

    /// The facts of the file's layout (see [`Layout::is_cpuser_canonical`]).
    pub fn layout(&self) -> Layout {
        let header_lines = self.header().len();
        let blank_lines_after_header = self.lines[header_lines..]
            .iter()
            .take_while(|l| matches!(l.kind, LineKind::Blank))
            .count();
        let entries_only = self.lines[header_lines + blank_lines_after_header..]
            .iter()
            .all(|l| matches!(l.kind, LineKind::Entry(_)));
        Layout {
            header_lines,
            blank_lines_after_header,
            entries_only,
            sorted: self.is_sorted(),
            final_newline: self.ends_with_newline(),
        }
    }
}

#[derive(pest_derive::Parser)]
#[grammar = "grammar/keyvalue.pest"]
struct LineParser;

/// Parses a key file. Never fails; see [`LineKind::Invalid`].
pub fn parse(src: &SourceFile, dialect: Dialect) -> KeyValueFile {
    LineDoc::read(src, |l| parse_line(src, l, dialect))
}

fn parse_line(src: &SourceFile, line: &RawLine, dialect: Dialect) -> KvLineKind {
    cross_check(
        "key file",
        line.text(src.text()),
        || parse_simple(src, line, dialect),
        || parse_with_grammar(src, line, dialect),
    )
}

/// The common line of an `=` file, read without the grammar: `KEY=value` with a key of letters,
/// digits and `- _ . @` (every key cPanel writes: `DNS1`, `MXCHECK-example.com`, `lve_cpu`).
/// `None` for anything else (the grammar reads it).
fn parse_simple(src: &SourceFile, line: &RawLine, dialect: Dialect) -> Option<KvLineKind> {
    if dialect != Dialect::Equals {
        return None;
    }
    let text = line.text(src.text());
    let eq = text.bytes().position(|b| b == b'=')?;
    let key = &text[..eq];
    let simple = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'@');
    if key.is_empty() || !key.bytes().all(simple) {
        return None;
    }
    let off = line.start();
    Some(LineKind::Entry(KvEntry {
        key_span: Span::new(off, off + eq),
        key: key.to_string(),
        eq_span: Some(Span::new(off + eq, off + eq + 1)),
        value: Some((
            Span::new(off + eq + 1, off + text.len()),
            text[eq + 1..].to_string(),
        )),
        indented: false,
        has_cr: line.has_cr(),
    }))
}

fn parse_with_grammar(src: &SourceFile, line: &RawLine, dialect: Dialect) -> KvLineKind {
    let rule = match dialect {
        Dialect::Equals => Rule::equals_line,
        Dialect::Space => Rule::space_line,
    };
    let help = match dialect {
        Dialect::Equals => "each line is `KEY=value`, or a bare `KEY`; a key has no spaces",
        Dialect::Space => "each line is `KEY value`",
    };
    // Both grammars accept every line: the key takes whatever comes first.
    let Ok(pairs) = LineParser::parse(rule, line.text(src.text())) else {
        let (span, found) = lines::found_at(src, line.start(), line.end());
        return LineKind::Invalid(
            SyntaxError::new(span, format!("expected a key, found {found}")).with_help(help),
        );
    };
    let Some(inner) = pairs.into_iter().next().and_then(|p| p.into_inner().next()) else {
        return LineKind::Blank;
    };
    match inner.as_rule() {
        Rule::comment => LineKind::Comment,
        Rule::eentry | Rule::sentry => {
            let off = line.start();
            let mut raw_key = Span::default();
            let mut entry = KvEntry {
                key_span: Span::default(),
                key: String::new(),
                eq_span: None,
                value: None,
                indented: false,
                has_cr: line.has_cr(),
            };
            for p in inner.into_inner() {
                let span = Span::from_pest(p.as_span()).offset(off);
                match p.as_rule() {
                    Rule::ekey | Rule::skey => raw_key = span,
                    Rule::lead => entry.indented = true,
                    Rule::equals | Rule::gap => entry.eq_span = Some(span),
                    Rule::value => entry.value = Some((span, p.as_str().to_string())),
                    _ => {}
                }
            }
            match check_key(src, line, raw_key, dialect) {
                Ok(key_span) => {
                    entry.indented |= key_span.start > raw_key.start;
                    entry.key_span = key_span;
                    entry.key = src.slice(key_span).to_string();
                    LineKind::Entry(entry)
                }
                Err(e) => LineKind::Invalid(e.with_help(help)),
            }
        }
        _ => LineKind::Blank,
    }
}

/// The key without surrounding white space (cPanel drops the white space before `=`); it must
/// not be empty nor hold white space or control characters.
fn check_key(
    src: &SourceFile,
    line: &RawLine,
    raw: Span,
    dialect: Dialect,
) -> Result<Span, SyntaxError> {
    lines::check_key(src.text(), raw, false, &[]).map_err(|bad| {
        let (span, found) = lines::found_at(src, bad.at, line.end());
        let message = match (dialect, bad.at_start) {
            (Dialect::Equals, true) => format!("expected a key before `=`, found {found}"),
            (Dialect::Equals, false) => format!("expected `=` after the key, found {found}"),
            (Dialect::Space, true) => format!("expected a key, found {found}"),
            (Dialect::Space, false) => {
                format!("expected white space after the key, found {found}")
            }
        };
        SyntaxError::new(span, message)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{check_tiling, render};

    fn doc(text: &str, dialect: Dialect) -> (SourceFile, KeyValueFile) {
        let src = SourceFile::from_str("var/cpanel/users/bob", text);
        let d = parse(&src, dialect);
        check_tiling(&d, &src).unwrap();
        assert_eq!(render(&d, &src), text.as_bytes());
        (src, d)
    }

    const CPUSER: &str = "# cPanel -- header one\n# header two'\n\nDNS=example.com\nDNS1=shop.example.com\nMXCHECK-example.com=0\nMXCHECK-shop.example.com=remote\nPLAN=default\nUSER=bob\n_PACKAGE_EXTENSIONS=\nlve_cpu=DEFAULT\n";

    #[test]
    fn cpuser_entries_and_lookups() {
        let (src, d) = doc(CPUSER, Dialect::Equals);
        assert_eq!(d.value("DNS"), Some("example.com"));
        assert_eq!(d.value("dns"), None, "keys are case-sensitive");
        assert_eq!(d.value("_PACKAGE_EXTENSIONS"), Some(""));
        let mx: Vec<_> = d
            .entries()
            .filter(|e| e.key.starts_with("MXCHECK-"))
            .map(|e| (e.key.as_str(), e.value_str().unwrap()))
            .collect();
        assert_eq!(
            mx,
            [
                ("MXCHECK-example.com", "0"),
                ("MXCHECK-shop.example.com", "remote")
            ]
        );
        let e = d.get("USER").unwrap();
        assert_eq!(src.slice(e.key_span), "USER");
        assert_eq!(src.slice(e.eq_span.unwrap()), "=");
        assert_eq!(src.slice(e.value_span().unwrap()), "bob");
        assert_eq!(src.line_col(e.key_span.start as usize).line, 9);
        assert_eq!(d.header().len(), 2);
        assert!(d.is_sorted());
        assert!(d.layout().is_cpuser_canonical());
        assert_eq!(d.errors().count(), 0);
    }

    #[test]
    fn split_at_first_equals_keeps_space_after_it() {
        let (src, d) = doc(
            "openssl_options= +no_sslv2 +no_sslv3\nKEY =a=b\nBARE\n  dsn_advertise_hosts  \r\n",
            Dialect::Equals,
        );
        assert_eq!(d.value("openssl_options"), Some(" +no_sslv2 +no_sslv3"));
        assert_eq!(d.value("KEY"), Some("a=b"));
        let bare = d.get("BARE").unwrap();
        assert!(bare.value.is_none() && bare.eq_span.is_none());
        let indented = d.get("dsn_advertise_hosts").unwrap();
        assert!(indented.indented && indented.has_cr && indented.value.is_none());
        assert_eq!(src.slice(indented.key_span), "dsn_advertise_hosts");
    }

    #[test]
    fn cr_is_not_part_of_the_value_but_is_recorded() {
        let (src, d) = doc("MXCHECK-example.com=0\r\n", Dialect::Equals);
        let e = d.get("MXCHECK-example.com").unwrap();
        assert_eq!(e.value_str(), Some("0"));
        assert!(e.has_cr);
        assert_eq!(src.slice(e.value_span().unwrap()), "0");
    }

    #[test]
    fn cr_without_final_newline() {
        let (src, d) = doc("A=1\nB=2\r", Dialect::Equals);
        let b = d.get("B").unwrap();
        assert!(b.has_cr);
        assert_eq!(b.value_str(), Some("2"));
        assert!(!d.ends_with_newline());
        assert_eq!(d.insertion_point("C"), (src.len(), true));
        let (_, d) = doc("A=1\r\n", Dialect::Equals);
        assert!(d.ends_with_newline());
    }

    #[test]
    fn last_occurrence_wins() {
        let (_, d) = doc("A=1\nA=2\n", Dialect::Equals);
        assert_eq!(d.value("A"), Some("2"));
        assert!(d.is_sorted(), "equal keys are in order");
    }

    #[test]
    fn order_and_insertion_point() {
        let (_, d) = doc(CPUSER, Dialect::Equals);
        // `MAXPOP` belongs after `DNS1` and before `MXCHECK-example.com`.
        let (at, nl) = d.insertion_point("MAXPOP");
        assert_eq!(&CPUSER[at..at + 8], "MXCHECK-");
        assert!(!nl);
        // Upper case sorts before `_`, which sorts before lower case.
        let (at, _) = d.insertion_point("ZZZ");
        assert_eq!(&CPUSER[at..at + 4], "_PAC");
        let (at, nl) = d.insertion_point("zzz");
        assert_eq!((at, nl), (CPUSER.len(), false));

        let (_, d) = doc("# h\n\nB=1\nA=2\nC=3", Dialect::Equals);
        assert!(!d.is_sorted());
        assert_eq!(d.first_out_of_order().unwrap().key, "A");
        assert_eq!(d.insertion_point("D"), (16, true));
        let layout = d.layout();
        assert_eq!(layout.header_lines, 1);
        assert_eq!(layout.blank_lines_after_header, 1);
        assert!(layout.entries_only && !layout.sorted && !layout.final_newline);
        assert!(!layout.is_cpuser_canonical());

        let (_, d) = doc("", Dialect::Equals);
        assert_eq!(d.insertion_point("A"), (0, false));
        assert!(d.layout().final_newline);
        let (_, d) = doc("# only a comment", Dialect::Equals);
        assert_eq!(d.insertion_point("A"), (16, true));
    }

    #[test]
    fn equals_errors() {
        let (src, d) = doc(
            "HOST server.example.com\n=value\nA\u{7}B=1\n",
            Dialect::Equals,
        );
        let errs: Vec<_> = d.errors().collect();
        assert_eq!(errs.len(), 3);
        assert_eq!(errs[0].message, "expected `=` after the key, found `s`");
        assert_eq!(src.slice(errs[0].span), "s");
        assert_eq!(src.line_col(errs[0].span.start as usize).column, 6);
        assert_eq!(errs[1].message, "expected a key before `=`, found `=`");
        assert_eq!(src.line_col(errs[1].span.start as usize).line, 2);
        assert_eq!(
            errs[2].message,
            "expected `=` after the key, found a control character (U+0007)"
        );
        assert_eq!(
            errs[2].help.as_deref(),
            Some("each line is `KEY=value`, or a bare `KEY`; a key has no spaces")
        );
    }

    #[test]
    fn wwwacct_space_dialect() {
        let text = "ADDR 192.0.2.1\nHOMEDIR /home\nHOST server.example.com\nNS ns1.example.com\nNS2\tns2.example.com\nNS3\n# comment\nNS4 \n";
        let (src, d) = doc(text, Dialect::Space);
        assert_eq!(d.value("HOST"), Some("server.example.com"));
        assert_eq!(d.value("NS2"), Some("ns2.example.com"));
        assert!(d.get("NS3").unwrap().value.is_none());
        assert_eq!(d.value("NS4"), Some(""));
        let ns: Vec<_> = d
            .entries()
            .filter(|e| e.key.starts_with("NS"))
            .map(|e| e.key.as_str())
            .collect();
        assert_eq!(ns, ["NS", "NS2", "NS3", "NS4"]);
        let e = d.get("NS2").unwrap();
        assert_eq!(src.slice(e.eq_span.unwrap()), "\t");
        assert_eq!(d.errors().count(), 0);
    }

    #[test]
    fn space_errors() {
        let (src, d) = doc("HO\0ST x\n", Dialect::Space);
        let err = d.errors().next().unwrap();
        assert_eq!(
            err.message,
            "expected white space after the key, found a control character (U+0000)"
        );
        assert_eq!(err.span, Span::new(2, 3));
        assert_eq!(err.help.as_deref(), Some("each line is `KEY value`"));
        let _ = src;
        let (_, d) = doc("\u{1}HOST x\n", Dialect::Space);
        assert_eq!(
            d.errors().next().unwrap().message,
            "expected a key, found a control character (U+0001)"
        );
    }
}
