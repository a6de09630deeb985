//! `name: value` maps: `etc/userdomains`, `etc/trueuserdomains`, `etc/domainusers`,
//! `etc/manualmx`, `etc/mailips`, `etc/mailhelo` (and `name=value` maps: the cpmove `addons` and
//! `sds2` files, through [`Separator::Equals`]).
//!
//! cPanel writes one `name: value` line per entry (`example.com: bob`, `*: nobody`,
//! `*.example.com: bob`, `example.com: 2001:db8::25`); Exim reads the files with `lsearch`, whose
//! key match is case-insensitive. Semantics kept here:
//!
//! - a line is split at its **first** separator, so values may hold more (IPv6 addresses in
//!   `etc/mailips` contain colons); the name and the value are trimmed of spaces and tabs;
//! - the typed name is lower-cased (ASCII, like Exim); its span points at the text as written;
//! - `*` (the default entry) and wildcard names (`*.example.com`) are ordinary names;
//! - a line whose first non-blank character is `#` is a comment; empty and white-space lines are
//!   blank; a `\r` before the `\n` is not part of the value (see [`ColonEntry::has_cr`]).
//!
//! Decisions where cPanel and Exim are silent or disagree: a name may hold inner spaces (the
//! cpmove `version` file has `pkgacct version: 10`; Exim would cut the key at the space, cPanel's
//! readers split at `": "`), control characters are never part of a name, an empty value is
//! valid syntax (rules judge it), and an indented line is still an entry but is flagged
//! ([`ColonEntry::indented`]) because Exim reads it as a continuation of the previous line.
//! Grammar: `grammar/colonmap.pest`.

use std::collections::HashMap;

use crate::parse::SyntaxError;
use crate::parse::lines::{self, Line, LineDoc, LineKind, RawLine};
use crate::source::{SourceFile, Span};
use pest::Parser;

/// The character between name and value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Separator {
    /// `name: value` (the `/etc` maps).
    Colon,
    /// `name=value` (cpmove `addons`, `sds2`).
    Equals,
}

impl Separator {
    fn char(self) -> char {
        match self {
            Separator::Colon => ':',
            Separator::Equals => '=',
        }
    }
}

/// A parsed `name: value` map, with the line of the first entry of each (lower-cased) name:
/// `etc/userdomains` is asked about every domain of the server.
pub type ColonMap = LineDoc<ColonEntry, HashMap<String, usize>>;
/// A line of a `name: value` map.
pub type ColonLine = Line<ColonEntry>;
/// A line: blank (empty or white space only), a comment (first non-blank character `#`), an
/// entry, or invalid (no separator, an empty name, or control characters in the name).
pub type ColonLineKind = LineKind<ColonEntry>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColonEntry {
    /// The name as written, without surrounding white space.
    pub key_span: Span,
    /// The name lower-cased (ASCII), as Exim's case-insensitive lookup sees it.
    pub key: String,
    /// The separator (`:` or `=`).
    pub sep_span: Span,
    /// The value without surrounding white space or a final `\r` (empty span when empty).
    pub value_span: Span,
    pub value: String,
    /// White space before the name: Exim's `lsearch` reads such a line as a continuation of the
    /// previous one, never as a key.
    pub indented: bool,
    /// A `\r` before the `\n` (file edited on Windows).
    pub has_cr: bool,
}

impl ColonEntry {
    /// Whether this is the default entry `*`.
    pub fn is_default(&self) -> bool {
        self.key == "*"
    }
}

impl ColonMap {
    /// The first entry whose name is `key` (compared without regard to ASCII case), as Exim's
    /// `lsearch` finds it. No wildcard or default matching: see [`ColonMap::default_entry`].
    pub fn get(&self, key: &str) -> Option<&ColonEntry> {
        let line = match self.extra.get(key) {
            Some(&i) => i,
            None => *self.extra.get(&key.to_ascii_lowercase())?,
        };
        match &self.lines.get(line)?.kind {
            LineKind::Entry(e) => Some(e),
            _ => None,
        }
    }

    /// The default entry `*`, if any.
    pub fn default_entry(&self) -> Option<&ColonEntry> {
        self.get("*")
    }
}

#[derive(pest_derive::Parser)]
#[grammar = "grammar/colonmap.pest"]
struct LineParser;

/// Parses a `name: value` map. Never fails; see [`LineKind::Invalid`].
pub fn parse(src: &SourceFile) -> ColonMap {
    parse_with(src, Separator::Colon)
}

/// Parses a map with the given separator. Never fails; see [`LineKind::Invalid`].
pub fn parse_with(src: &SourceFile, separator: Separator) -> ColonMap {
    let doc = LineDoc::read(src, |l| parse_line(src, l, separator));
    let mut first = HashMap::with_capacity(doc.lines.len());
    for (i, l) in doc.lines.iter().enumerate() {
        if let LineKind::Entry(e) = &l.kind {
            first.entry(e.key.clone()).or_insert(i);
        }
    }
    doc.with_extra(first)
}

fn parse_line(src: &SourceFile, line: &RawLine, separator: Separator) -> ColonLineKind {
    let rule = match separator {
        Separator::Colon => Rule::colon_line,
        Separator::Equals => Rule::equals_line,
    };
    let help = match separator {
        Separator::Colon => "each line is `name: value`",
        Separator::Equals => "each line is `name=value`",
    };
    let text = line.text(src.text());
    let sep = separator.char();
    // A line that is no comment and holds the separator is an entry: its name is what precedes
    // the first separator, its value the rest (what the grammar's rules match), read without
    // the grammar, which costs more than the rest on maps of 20,000 lines.
    if let Some(i) = text.find(sep)
        && !text.trim_start_matches([' ', '\t']).starts_with('#')
    {
        let off = line.start();
        return entry(
            src,
            line,
            separator,
            help,
            Span::new(off, off + i),
            Span::new(off + i, off + i + 1),
            Span::new(off + i + 1, off + text.len()),
        );
    }
    let pairs = match LineParser::parse(rule, text) {
        Ok(pairs) => pairs,
        // Only a line without the separator fails; a bad character in it is the better report.
        Err(_) => {
            let whole = Span::new(line.start(), line.end());
            let err = match check_name(src, line, whole, separator) {
                Err(e) => e,
                Ok(_) => {
                    let (span, found) = lines::found_at(src, line.end(), line.end());
                    let sep = separator.char();
                    SyntaxError::new(
                        span,
                        format!("expected `{sep}` after the name, found {found}"),
                    )
                }
            };
            return LineKind::Invalid(err.with_help(help));
        }
    };
    let Some(inner) = pairs.into_iter().next().and_then(|p| p.into_inner().next()) else {
        return LineKind::Blank;
    };
    match inner.as_rule() {
        Rule::comment => LineKind::Comment,
        Rule::centry | Rule::eentry => {
            let off = line.start();
            let (mut raw_name, mut sep_span, mut value) = Default::default();
            for p in inner.into_inner() {
                let span = Span::from_pest(p.as_span()).offset(off);
                match p.as_rule() {
                    Rule::cname | Rule::ename => raw_name = span,
                    Rule::colon | Rule::equals => sep_span = span,
                    Rule::value => value = span,
                    _ => {}
                }
            }
            entry(src, line, separator, help, raw_name, sep_span, value)
        }
        _ => LineKind::Blank,
    }
}

/// An entry line from the spans of its name (as written, before the separator), separator and
/// value (the rest of the line).
fn entry(
    src: &SourceFile,
    line: &RawLine,
    separator: Separator,
    help: &'static str,
    raw_name: Span,
    sep_span: Span,
    value: Span,
) -> ColonLineKind {
    let value_span = lines::trim_ws(src.text(), value);
    let mut entry = ColonEntry {
        key_span: Span::default(),
        key: String::new(),
        sep_span,
        value_span,
        value: src.slice(value_span).to_string(),
        indented: false,
        has_cr: line.has_cr(),
    };
    match check_name(src, line, raw_name, separator) {
        Ok(key_span) => {
            entry.indented = key_span.start > raw_name.start;
            entry.key_span = key_span;
            entry.key = src.slice(key_span).to_ascii_lowercase();
            LineKind::Entry(entry)
        }
        Err(e) => LineKind::Invalid(e.with_help(help)),
    }
}

/// The name without surrounding white space; it must not be empty nor hold control characters.
fn check_name(
    src: &SourceFile,
    line: &RawLine,
    raw: Span,
    separator: Separator,
) -> Result<Span, SyntaxError> {
    lines::check_key(src.text(), raw, true, &[]).map_err(|bad| {
        let sep = separator.char();
        let (span, found) = lines::found_at(src, bad.at, line.end());
        let message = if bad.at_start {
            format!("expected a name before `{sep}`, found {found}")
        } else {
            format!("expected `{sep}` after the name, found {found}")
        };
        SyntaxError::new(span, message)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{check_tiling, render};

    fn doc(text: &str) -> (SourceFile, ColonMap) {
        doc_with(text, Separator::Colon)
    }

    fn doc_with(text: &str, sep: Separator) -> (SourceFile, ColonMap) {
        let src = SourceFile::from_str("etc/userdomains", text);
        let d = parse_with(&src, sep);
        check_tiling(&d, &src).unwrap();
        assert_eq!(render(&d, &src), text.as_bytes());
        (src, d)
    }

    #[test]
    fn entries_split_at_the_first_colon_and_are_trimmed() {
        let (src, d) = doc("*: nobody\nExample.COM: bob\nmail.example.net:  2001:db8::25  \n");
        let e: Vec<_> = d.entries().collect();
        assert_eq!(e.len(), 3);
        assert!(e[0].is_default());
        assert_eq!(e[0].value, "nobody");
        assert_eq!(e[1].key, "example.com");
        assert_eq!(src.slice(e[1].key_span), "Example.COM");
        assert_eq!(e[2].value, "2001:db8::25");
        assert_eq!(src.slice(e[2].value_span), "2001:db8::25");
        assert_eq!(src.line_col(e[2].value_span.start as usize).column, 20);
        assert_eq!(src.slice(e[2].sep_span), ":");
        assert!(e.iter().all(|e| !e.indented && !e.has_cr));
    }

    #[test]
    fn lookups_ignore_case_and_return_the_first_match() {
        let (_, d) = doc("example.com: bob\nEXAMPLE.com: alice\n*.example.net: carol\n*: nobody\n");
        assert_eq!(d.get("Example.Com").unwrap().value, "bob");
        assert!(d.get("www.example.net").is_none());
        assert_eq!(d.get("*.example.net").unwrap().value, "carol");
        assert_eq!(d.default_entry().unwrap().value, "nobody");
    }

    #[test]
    fn comments_blanks_cr_and_indentation() {
        let (src, d) = doc("# generated\n\n  \t\r\n  example.com: bob\r\nlast.example: x");
        assert!(matches!(d.lines[0].kind, LineKind::Comment));
        assert!(matches!(d.lines[1].kind, LineKind::Blank));
        assert!(matches!(d.lines[2].kind, LineKind::Blank));
        let e: Vec<_> = d.entries().collect();
        assert!(e[0].indented && e[0].has_cr);
        assert_eq!(e[0].value, "bob");
        assert_eq!(src.slice(e[0].value_span), "bob");
        assert_eq!(e[1].value, "x");
        assert_eq!(d.errors().count(), 0);
    }

    #[test]
    fn empty_value_and_spaced_name() {
        let (src, d) = doc("example.com:\npkgacct version: 10\n");
        let e: Vec<_> = d.entries().collect();
        assert_eq!(e[0].value, "");
        assert_eq!(e[0].value_span, Span::at(12));
        assert_eq!(e[1].key, "pkgacct version");
        assert_eq!(src.slice(e[1].value_span), "10");
    }

    #[test]
    fn missing_colon_is_an_error_at_the_end_of_the_line() {
        let (src, d) = doc("ok.example: bob\nexample.com\n");
        let errs: Vec<_> = d.errors().collect();
        assert_eq!(errs.len(), 1);
        assert_eq!(
            errs[0].message,
            "expected `:` after the name, found end of line"
        );
        assert_eq!(errs[0].help.as_deref(), Some("each line is `name: value`"));
        assert_eq!(errs[0].span, Span::at(27));
        let lc = src.line_col(errs[0].span.start as usize);
        assert_eq!((lc.line, lc.column), (2, 12));
    }

    #[test]
    fn missing_name_and_control_characters_are_errors() {
        let (_, d) = doc(": bob\nexa\0mple.com: bob\n\u{1a}\n");
        let errs: Vec<_> = d.errors().collect();
        assert_eq!(errs.len(), 3);
        assert_eq!(errs[0].message, "expected a name before `:`, found `:`");
        assert_eq!(errs[0].span, Span::new(0, 1));
        assert_eq!(
            errs[1].message,
            "expected `:` after the name, found a control character (U+0000)"
        );
        assert_eq!(errs[1].span, Span::new(9, 10));
        assert_eq!(
            errs[2].message,
            "expected a name before `:`, found a control character (U+001A)"
        );
    }

    #[test]
    fn invalid_utf8_is_named_as_such() {
        let src = SourceFile::new("etc/userdomains", b"ex\xc4mple.com: bob\n".to_vec());
        let d = parse(&src);
        let errs: Vec<_> = d.errors().collect();
        assert_eq!(
            errs[0].message,
            "expected `:` after the name, found a byte that is not valid UTF-8 (0xC4)"
        );
        assert_eq!(errs[0].span, Span::new(2, 3));
        assert_eq!(render(&d, &src), src.bytes());
    }

    #[test]
    fn equals_dialect_for_cpmove_addons() {
        let (src, d) = doc_with(
            "addon.example=addon_main.example.com\nbroken.example\n",
            Separator::Equals,
        );
        let e = d.get("addon.example").unwrap();
        assert_eq!(e.value, "addon_main.example.com");
        assert_eq!(src.slice(e.sep_span), "=");
        let err = d.errors().next().unwrap();
        assert_eq!(
            err.message,
            "expected `=` after the name, found end of line"
        );
        assert_eq!(err.help.as_deref(), Some("each line is `name=value`"));
    }
}
