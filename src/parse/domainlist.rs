//! Domain lists: `etc/localdomains`, `etc/remotedomains`, `etc/secondarymx`.
//!
//! This parser reads each line as cPanel means it: the domain the line names, and how the line
//! differs from the `domain\n` cPanel writes (cPanel's scripts add and remove whole lines by exact
//! comparison). Whether Exim lists a domain is another question, answered by
//! [`crate::model::lists`] with Exim's own reading of the file (`lsearch`: a key up to the first
//! colon or white space, compared without regard to case; a line starting with white space
//! continues the line above; `#` lines are comments). Grammar: `grammar/domainlist.pest`.

use crate::parse::lines::{Line, LineDoc, LineKind};
use crate::parse::{describe_char, from_pest_error};
use crate::source::{SourceFile, Span};
use pest::Parser;

/// A parsed domain list.
pub type DomainList = LineDoc<DomainEntry>;
/// A line of a domain list.
pub type DomainLine = Line<DomainEntry>;
/// A line: blank (empty or white space only), a comment (first character `#`), an entry, or
/// invalid (not a domain name: binary data, characters no domain can contain).
pub type DomainLineKind = LineKind<DomainEntry>;

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

#[derive(pest_derive::Parser)]
#[grammar = "grammar/domainlist.pest"]
struct LineParser;

/// Parses a domain list. Never fails; see [`LineKind::Invalid`].
pub fn parse(src: &SourceFile) -> DomainList {
    let text = src.text();
    LineDoc::read(src, |line| {
        let kind = parse_line(line.body(text), line.start());
        match kind {
            LineKind::Entry(mut e) if !line.has_newline() => {
                e.issues.push(EntryIssue::NoFinalNewline);
                LineKind::Entry(e)
            }
            k => k,
        }
    })
}

fn parse_line(body: &str, offset: usize) -> DomainLineKind {
    // The line as cPanel writes it, `example.com`, read without the grammar: what it would
    // read (an entry with no issue), at a fraction of the cost on lists of 20,000 lines.
    if !body.is_empty()
        && !body.ends_with('.')
        && body.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'_')
        })
    {
        return LineKind::Entry(DomainEntry {
            key: Span::new(offset, offset + body.len()),
            domain: body.to_string(),
            issues: Vec::new(),
        });
    }
    parse_line_grammar(body, offset)
}

fn parse_line_grammar(body: &str, offset: usize) -> DomainLineKind {
    let pairs = match LineParser::parse(Rule::line, body) {
        Ok(pairs) => pairs,
        Err(e) => {
            let mut err = from_pest_error(&e, describe);
            let at = err.span.start as usize;
            let next = body[at..].chars().next();
            let found = next.map_or_else(|| "end of line".to_string(), describe_char);
            err.span = Span::new(at, at + next.map_or(0, char::len_utf8)).offset(offset);
            err.message = format!("expected a domain name, found {found}");
            return LineKind::Invalid(
                err.with_help("each line must hold one domain name, such as `example.com`"),
            );
        }
    };
    let line = pairs.into_iter().next().expect("line rule");
    let Some(inner) = line.into_inner().next() else {
        return LineKind::Blank;
    };
    match inner.as_rule() {
        Rule::comment => LineKind::Comment,
        Rule::blank => LineKind::Blank,
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
            LineKind::Entry(DomainEntry {
                key,
                domain,
                issues,
            })
        }
        _ => LineKind::Blank,
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

    #[test]
    fn the_plain_line_reads_as_the_grammar_reads_it() {
        for body in [
            "example.com",
            "a-b_c.example.net",
            "x1.example",
            "a.b.c.d.example.org",
        ] {
            let fast = parse_line(body, 7);
            let slow = parse_line_grammar(body, 7);
            assert_eq!(format!("{fast:?}"), format!("{slow:?}"), "{body}");
        }
        // Anything else goes to the grammar.
        for body in [
            "Example.com",
            "example.com.",
            "*.example.com",
            "example.com\r",
            " x.example",
            "",
        ] {
            assert_eq!(
                format!("{:?}", parse_line(body, 0)),
                format!("{:?}", parse_line_grammar(body, 0)),
                "{body}"
            );
        }
    }
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
        let entries: Vec<_> = d.entries().cloned().collect();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].domain, "example.com");
        assert_eq!(src.slice(entries[1].key), "mail.example.net");
        assert!(entries.iter().all(|e| e.issues.is_empty()));
    }

    #[test]
    fn deviations_are_named() {
        let (_, d) = doc(" Example.COM. \r\nexample.org: x\n# note\n\nlast.example");
        let issues: Vec<Vec<EntryIssue>> = d.entries().map(|e| e.issues.clone()).collect();
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
        assert_eq!(d.entries().next().unwrap().domain, "example.com");
        assert!(matches!(d.lines[2].kind, LineKind::Comment));
        assert!(matches!(d.lines[3].kind, LineKind::Blank));
    }

    #[test]
    fn bom_quotes_and_exim_white_space_are_named() {
        let (src, d) =
            doc("\u{feff}example.com\n\"Example.net\" x\nexample.org\x0b\n\x0cexample.info\n");
        let entries: Vec<DomainEntry> = d.entries().cloned().collect();
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
