//! Domain lists: `etc/localdomains`, `etc/remotedomains`, `etc/secondarymx`.
//!
//! This parser reads each line as cPanel means it: the domain the line names, and how the line
//! differs from the `domain\n` cPanel writes (cPanel's scripts add and remove whole lines by exact
//! comparison). Whether Exim lists a domain is another question, answered by
//! [`crate::model::lists`] with Exim's own reading of the file (`lsearch`: a key up to the first
//! colon or white space, compared without regard to case; a line starting with white space
//! continues the line above; `#` lines are comments). Grammar: `grammar/domainlist.pest`.

use crate::parse::{Lossless, SyntaxError, describe_char, from_pest_error, line_spans};
use crate::source::{SourceFile, Span};
use pest::Parser;

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
    /// What the line means to a reader: lower case, without a trailing dot (whether Exim reads
    /// the line that way is [`crate::model::lists::RoutingList::reading`]).
    pub domain: String,
    /// Ways the line differs from the canonical `domain\n` (for CP003).
    pub issues: Vec<EntryIssue>,
}

/// A deviation from the canonical form of a domain-list line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EntryIssue {
    /// A UTF-8 byte-order mark (U+FEFF) before the key: Exim reads it as part of the key.
    ByteOrderMark,
    /// White space before the key: Exim reads the line as a continuation, never as a key.
    LeadingWhitespace,
    /// The key in double quotes: Exim removes them, cPanel's exact-line tools do not.
    Quoted,
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

#[derive(pest_derive::Parser)]
#[grammar = "grammar/domainlist.pest"]
struct LineParser;

/// Parses a domain list. Never fails; see [`DomainLineKind::Invalid`].
pub fn parse(src: &SourceFile) -> DomainList {
    let text = src.text();
    let mut lines = Vec::new();
    for span in line_spans(text) {
        let body_end = if text.as_bytes()[span.end as usize - 1] == b'\n' {
            span.end as usize - 1
        } else {
            span.end as usize
        };
        let body = &text[span.start as usize..body_end];
        let kind = parse_line(body, span.start as usize);
        let kind = match kind {
            DomainLineKind::Entry(mut e) if body_end == span.end as usize => {
                e.issues.push(EntryIssue::NoFinalNewline);
                DomainLineKind::Entry(e)
            }
            k => k,
        };
        lines.push(DomainLine { span, kind });
    }
    DomainList { lines }
}

fn parse_line(body: &str, offset: usize) -> DomainLineKind {
    let pairs = match LineParser::parse(Rule::line, body) {
        Ok(pairs) => pairs,
        Err(e) => {
            let mut err = from_pest_error(&e, describe);
            let at = err.span.start as usize;
            let next = body[at..].chars().next();
            let found = next.map_or_else(|| "end of line".to_string(), describe_char);
            err.span = Span::new(at, at + next.map_or(0, char::len_utf8)).offset(offset);
            err.message = format!("expected a domain name, found {found}");
            return DomainLineKind::Invalid(
                err.with_help("each line must hold one domain name, such as `example.com`"),
            );
        }
    };
    let line = pairs.into_iter().next().expect("line rule");
    let Some(inner) = line.into_inner().next() else {
        return DomainLineKind::Blank;
    };
    match inner.as_rule() {
        Rule::comment => DomainLineKind::Comment,
        Rule::blank => DomainLineKind::Blank,
        Rule::entry => {
            let mut issues = Vec::new();
            let mut key = Span::default();
            let mut domain = String::new();
            for p in inner.into_inner() {
                match p.as_rule() {
                    Rule::bom => issues.push(EntryIssue::ByteOrderMark),
                    Rule::lead => issues.push(EntryIssue::LeadingWhitespace),
                    Rule::quote if !issues.contains(&EntryIssue::Quoted) => {
                        issues.push(EntryIssue::Quoted)
                    }
                    Rule::key => {
                        key = Span::from_pest(p.as_span()).offset(offset);
                        let k = p.as_str();
                        if k.bytes().any(|b| b.is_ascii_uppercase()) {
                            issues.push(EntryIssue::UpperCase);
                        }
                        let k = k.to_ascii_lowercase();
                        match k.strip_suffix('.') {
                            Some(stripped) => {
                                issues.push(EntryIssue::TrailingDot);
                                domain = stripped.to_string();
                            }
                            None => domain = k,
                        }
                    }
                    Rule::tail => {
                        let t = p.as_str();
                        if !t.is_empty() {
                            if t.trim_matches([' ', '\t', '\x0b', '\x0c']).is_empty() {
                                issues.push(EntryIssue::TrailingWhitespace);
                            } else {
                                issues.push(EntryIssue::TrailingData);
                            }
                        }
                    }
                    Rule::cr => issues.push(EntryIssue::CarriageReturn),
                    _ => {}
                }
            }
            DomainLineKind::Entry(DomainEntry {
                key,
                domain,
                issues,
            })
        }
        _ => DomainLineKind::Blank,
    }
}

fn describe(rule: &Rule) -> String {
    match rule {
        Rule::key => "a domain name".into(),
        Rule::comment => "a comment".into(),
        Rule::cr | Rule::blank => "end of line".into(),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{check_tiling, render};

    fn doc(text: &str) -> (SourceFile, DomainList) {
        let src = SourceFile::from_str("etc/localdomains", text);
        let d = parse(&src);
        check_tiling(&d, &src).unwrap();
        assert_eq!(render(&d, &src), text.as_bytes());
        (src, d)
    }

    #[test]
    fn canonical_lines_have_no_issues() {
        let (src, d) = doc("example.com\nmail.example.net\n");
        let entries: Vec<_> = d.entries().map(|(_, e)| e.clone()).collect();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].domain, "example.com");
        assert_eq!(src.slice(entries[1].key), "mail.example.net");
        assert!(entries.iter().all(|e| e.issues.is_empty()));
    }

    #[test]
    fn deviations_are_named() {
        let (_, d) = doc(" Example.COM. \r\nexample.org: x\n# note\n\nlast.example");
        let issues: Vec<Vec<EntryIssue>> = d.entries().map(|(_, e)| e.issues.clone()).collect();
        assert_eq!(
            issues,
            vec![
                vec![
                    EntryIssue::LeadingWhitespace,
                    EntryIssue::UpperCase,
                    EntryIssue::TrailingDot,
                    EntryIssue::TrailingWhitespace,
                    EntryIssue::CarriageReturn
                ],
                vec![EntryIssue::TrailingData],
                vec![EntryIssue::NoFinalNewline],
            ]
        );
        assert_eq!(d.entries().next().unwrap().1.domain, "example.com");
        assert!(matches!(d.lines[2].kind, DomainLineKind::Comment));
        assert!(matches!(d.lines[3].kind, DomainLineKind::Blank));
    }

    #[test]
    fn bom_quotes_and_exim_white_space_are_named() {
        let (src, d) =
            doc("\u{feff}example.com\n\"Example.net\" x\nexample.org\x0b\n\x0cexample.info\n");
        let entries: Vec<DomainEntry> = d.entries().map(|(_, e)| e.clone()).collect();
        let issues: Vec<&[EntryIssue]> = entries.iter().map(|e| e.issues.as_slice()).collect();
        assert_eq!(
            issues,
            [
                &[EntryIssue::ByteOrderMark][..],
                &[
                    EntryIssue::Quoted,
                    EntryIssue::UpperCase,
                    EntryIssue::TrailingData
                ],
                &[EntryIssue::TrailingWhitespace],
                &[EntryIssue::LeadingWhitespace],
            ]
        );
        let domains: Vec<&str> = entries.iter().map(|e| e.domain.as_str()).collect();
        assert_eq!(
            domains,
            ["example.com", "example.net", "example.org", "example.info"]
        );
        // The key of a quoted entry is inside the quotes.
        assert_eq!(src.slice(entries[1].key), "Example.net");
    }

    #[test]
    fn binary_line_is_an_error_with_position() {
        let (src, d) = doc("ok.example\n\u{1a}\u{1a}bad\n");
        let errs: Vec<_> = d.errors().collect();
        assert_eq!(errs.len(), 1);
        assert_eq!(src.line_col(errs[0].span.start as usize).line, 2);
        assert!(errs[0].message.contains("expected a domain name"));
    }
}
