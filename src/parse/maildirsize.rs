//! The Maildir++ quota file `maildirsize`, kept at the top of a maildir mailbox by Dovecot (and
//! written by cPanel when it sets a quota, cpanel.md §5.1).
//!
//! - The first line is the quota definition: a comma-separated list of limits, each a number
//!   followed by `S` (bytes) or `C` (messages), such as `524288000S,0C`. A limit of 0, or no `S`
//!   limit at all, means no byte limit. cPanel writes `<bytes>S,0C`.
//! - Every other line is a usage record `<bytes> <messages>`: each delivery appends one, a
//!   removal appends negative numbers, and a recalculation rewrites the file with one record.
//!   The usage is the sum of the records.
//!
//! Decisions where the format is silent: the limits may come in any order, but each unit at most
//! once; an empty first line is a definition without limits; a usage record may carry a `+` sign
//! and leading or trailing blanks (writers pad the numbers); blank lines after the first are kept
//! as blank; a final `\r` is tolerated everywhere. A number too large for 64 bits is an error, as
//! is anything else on a line. Parsed one line at a time with `grammar/maildirsize.pest`; a file
//! grows by one record per delivery, so the usage lines of the usual shapes are read by a small
//! scanner first, and the grammar reads (and reports) the rest. The grammar is the reference:
//! debug builds check that both read every line alike ([`crate::parse::cross`]).

use crate::parse::cross::cross_check;
use crate::parse::lines::{Line, LineDoc, LineKind};
use crate::parse::{SyntaxError, describe_char, from_pest_error};
use crate::source::{SourceFile, Span};
use pest::Parser;

/// A parsed `maildirsize` file.
pub type MaildirSize = LineDoc<SizeEntry>;
/// A line of a `maildirsize` file.
pub type SizeLine = Line<SizeEntry>;
/// A line: an entry (the definition on the first line, a usage record after it), blank (empty
/// or blanks only, after the first line) or invalid. No line is a comment.
pub type SizeLineKind = LineKind<SizeEntry>;

/// What a line of `maildirsize` holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SizeEntry {
    /// The first line.
    Definition(Definition),
    /// A usage record (any line after the first).
    Usage(UsageRecord),
}

/// The quota definition (first line).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Definition {
    /// The `…S` limit, when given.
    pub bytes: Option<Limit>,
    /// The `…C` limit, when given.
    pub messages: Option<Limit>,
    pub has_cr: bool,
}

/// One limit of the definition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    /// 0 means no limit.
    pub value: u64,
    /// The number and its unit letter (`524288000S`).
    pub span: Span,
}

/// A usage record: `<bytes> <messages>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UsageRecord {
    pub bytes: i64,
    pub bytes_span: Span,
    pub messages: i64,
    pub messages_span: Span,
    pub has_cr: bool,
}

/// The usage of a mailbox as the records add up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    pub bytes: i64,
    pub messages: i64,
}

impl MaildirSize {
    /// The quota definition, when the first line is one.
    pub fn definition(&self) -> Option<&Definition> {
        match self.lines.first().map(|l| &l.kind) {
            Some(LineKind::Entry(SizeEntry::Definition(d))) => Some(d),
            _ => None,
        }
    }

    /// The byte limit, when there is one (`None` for `0S`, no `S`, or no definition).
    pub fn byte_limit(&self) -> Option<Limit> {
        self.definition()
            .and_then(|d| d.bytes)
            .filter(|l| l.value > 0)
    }

    /// The sum of the usage records (saturating).
    pub fn usage(&self) -> Usage {
        let mut u = Usage::default();
        for r in self.records() {
            u.bytes = u.bytes.saturating_add(r.bytes);
            u.messages = u.messages.saturating_add(r.messages);
        }
        u
    }

    /// The usage records in file order.
    pub fn records(&self) -> impl Iterator<Item = &UsageRecord> {
        self.entries().filter_map(|e| match e {
            SizeEntry::Usage(r) => Some(r),
            SizeEntry::Definition(_) => None,
        })
    }
}

#[derive(pest_derive::Parser)]
#[grammar = "grammar/maildirsize.pest"]
struct LineParser;

const DEFINITION_HELP: &str = "the first line of maildirsize is the quota: bytes followed by `S` \
     and messages followed by `C`, such as `524288000S,0C` (0 means no limit); cPanel rewrites it \
     when the quota is set again";
const USAGE_HELP: &str = "after the first line, each line is `<bytes> <messages>`; Dovecot \
     recalculates the file when it is removed";

/// Parses a `maildirsize` file. Never fails; see [`LineKind::Invalid`].
pub fn parse(src: &SourceFile) -> MaildirSize {
    let text = src.text();
    let mut first = true;
    LineDoc::read(src, |line| {
        let (body, off) = (line.body(text), line.start());
        if std::mem::take(&mut first) {
            definition(body, off)
        } else {
            usage(body, off)
        }
    })
}

/// The error for a line that the grammar rejects, at the position pest reports.
fn mismatch<R: pest::RuleType>(
    err: &pest::error::Error<R>,
    body: &str,
    off: usize,
    expected: &str,
    help: &str,
) -> SyntaxError {
    let mut e = from_pest_error(err, |_| String::new());
    let at = (e.span.start as usize).min(body.len());
    let next = body[at..].chars().next();
    let found = match next {
        None => "end of line".to_string(),
        Some('\r') if at + 1 == body.len() => "end of line".to_string(),
        Some(c) => describe_char(c),
    };
    e.span = Span::new(at, at + next.map_or(0, char::len_utf8)).offset(off);
    e.message = format!("expected {expected}, found {found}");
    e.with_help(help)
}

fn too_large(span: Span, what: &str) -> SyntaxError {
    SyntaxError::new(
        span,
        format!(
            "expected {what} that fits in 64 bits, found a {}-digit number",
            span.len()
        ),
    )
}

fn definition(body: &str, off: usize) -> SizeLineKind {
    let pairs = match LineParser::parse(Rule::definition, body) {
        Ok(p) => p,
        Err(e) => {
            return LineKind::Invalid(mismatch(
                &e,
                body,
                off,
                "a quota such as `524288000S,0C` (a number, then `S` for bytes or `C` for messages, \
                 separated by `,`)",
                DEFINITION_HELP,
            ));
        }
    };
    let mut d = Definition::default();
    for p in pairs.into_iter().next().expect("definition").into_inner() {
        match p.as_rule() {
            Rule::cr => d.has_cr = true,
            Rule::limit => {
                let span = Span::from_pest(p.as_span()).offset(off);
                let mut inner = p.into_inner();
                let digits = inner.next().expect("digits");
                let unit = inner.next().expect("unit").as_str();
                let digits_span = Span::from_pest(digits.as_span()).offset(off);
                let (slot, what) = if unit == "S" {
                    (&mut d.bytes, "bytes")
                } else {
                    (&mut d.messages, "messages")
                };
                let Ok(value) = digits.as_str().parse::<u64>() else {
                    return LineKind::Invalid(
                        too_large(digits_span, &format!("a limit of {what}"))
                            .with_help(DEFINITION_HELP),
                    );
                };
                if slot.is_some() {
                    return LineKind::Invalid(
                        SyntaxError::new(
                            span,
                            format!("the limit of {what} (`{unit}`) is given twice"),
                        )
                        .with_help(DEFINITION_HELP),
                    );
                }
                *slot = Some(Limit { value, span });
            }
            _ => {}
        }
    }
    LineKind::Entry(SizeEntry::Definition(d))
}

/// A usage line or a blank line, through the scanner when it recognises the line (the common
/// case), else through the grammar.
fn usage(body: &str, off: usize) -> SizeLineKind {
    cross_check(
        "maildirsize",
        body,
        || scan_usage(body, off),
        || usage_by_grammar(body, off),
    )
}

/// The common shapes (`1843 1`, padded numbers, blank lines) read without pest; `None` for
/// anything else, which the grammar then reads (and reports).
fn scan_usage(body: &str, off: usize) -> Option<SizeLineKind> {
    let b = body.as_bytes();
    let (b, has_cr) = match b.split_last() {
        Some((b'\r', rest)) => (rest, true),
        _ => (b, false),
    };
    let blank = |c: &u8| *c == b' ' || *c == b'\t';
    let mut i = b.iter().take_while(|c| blank(c)).count();
    if i == b.len() {
        return Some(LineKind::Blank);
    }
    let number = |i: &mut usize| -> Option<(i64, Span)> {
        let start = *i;
        if matches!(b.get(*i), Some(b'-' | b'+')) {
            *i += 1;
        }
        let digits = b[*i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        *i += digits;
        let text = &body[start..*i];
        let n = text.trim_start_matches('+').parse::<i64>().ok()?;
        Some((n, Span::new(off + start, off + *i)))
    };
    let (bytes, bytes_span) = number(&mut i)?;
    let gap = b[i..].iter().take_while(|c| blank(c)).count();
    if gap == 0 {
        return None;
    }
    i += gap;
    let (messages, messages_span) = number(&mut i)?;
    i += b[i..].iter().take_while(|c| blank(c)).count();
    (i == b.len()).then_some(LineKind::Entry(SizeEntry::Usage(UsageRecord {
        bytes,
        bytes_span,
        messages,
        messages_span,
        has_cr,
    })))
}

fn usage_by_grammar(body: &str, off: usize) -> SizeLineKind {
    let pairs = match LineParser::parse(Rule::record, body) {
        Ok(p) => p,
        Err(e) => {
            return LineKind::Invalid(mismatch(
                &e,
                body,
                off,
                "a usage line `<bytes> <messages>` (two whole numbers separated by a space)",
                USAGE_HELP,
            ));
        }
    };
    let mut nums: Vec<(i64, Span)> = Vec::with_capacity(2);
    let mut has_cr = false;
    let mut record = false;
    for p in pairs.into_iter().next().expect("record").into_inner() {
        match p.as_rule() {
            Rule::cr => has_cr = true,
            Rule::usage => {
                record = true;
                for n in p.into_inner().filter(|n| n.as_rule() == Rule::signed) {
                    let span = Span::from_pest(n.as_span()).offset(off);
                    let what = if nums.is_empty() {
                        "a number of bytes"
                    } else {
                        "a number of messages"
                    };
                    match n.as_str().trim_start_matches('+').parse::<i64>() {
                        Ok(v) => nums.push((v, span)),
                        Err(_) => {
                            return LineKind::Invalid(too_large(span, what).with_help(USAGE_HELP));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    if !record {
        return LineKind::Blank;
    }
    let [(bytes, bytes_span), (messages, messages_span)] = nums[..] else {
        unreachable!("a usage record has two numbers");
    };
    LineKind::Entry(SizeEntry::Usage(UsageRecord {
        bytes,
        bytes_span,
        messages,
        messages_span,
        has_cr,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{check_tiling, render};

    fn doc(text: &str) -> (SourceFile, MaildirSize) {
        let src = SourceFile::from_str("home/bob/mail/example.com/info/maildirsize", text);
        let d = parse(&src);
        check_tiling(&d, &src).unwrap();
        assert_eq!(render(&d, &src), text.as_bytes());
        (src, d)
    }

    #[test]
    fn cpanel_file_has_a_limit_and_usage() {
        let (src, d) = doc("524288000S,0C\n 1843 1\n2210 1\n-1843 -1\n");
        let def = d.definition().unwrap();
        assert_eq!(def.bytes.unwrap().value, 524_288_000);
        assert_eq!(src.slice(def.bytes.unwrap().span), "524288000S");
        assert_eq!(def.messages.unwrap().value, 0);
        assert_eq!(d.byte_limit().unwrap().value, 524_288_000);
        assert_eq!(
            d.usage(),
            Usage {
                bytes: 2210,
                messages: 1
            }
        );
        let r = d.records().next().unwrap();
        assert_eq!(src.slice(r.bytes_span), "1843");
        assert_eq!(src.line_col(r.messages_span.start as usize).line, 2);
        assert_eq!(d.errors().count(), 0);
    }

    #[test]
    fn zero_or_missing_byte_limit_is_unlimited() {
        for text in ["0S\n", "0S,0C\n", "1000C\n", "\n", ""] {
            let (_, d) = doc(text);
            assert_eq!(d.byte_limit(), None, "{text:?}");
            assert_eq!(d.errors().count(), 0, "{text:?}");
        }
        let (_, d) = doc("1000C,2048S\r\n10 1\r\n");
        assert_eq!(d.byte_limit().unwrap().value, 2048);
        assert!(d.definition().unwrap().has_cr);
        assert!(d.records().next().unwrap().has_cr);
    }

    #[test]
    fn bad_definition_says_what_was_expected() {
        let (src, d) = doc("500MB\n");
        let e = d.errors().next().unwrap();
        assert!(
            e.message
                .starts_with("expected a quota such as `524288000S,0C`"),
            "{}",
            e.message
        );
        assert!(e.message.ends_with("found `M`"), "{}", e.message);
        assert_eq!(src.slice(e.span), "M");
        assert!(e.help.as_deref().unwrap().contains("cPanel rewrites it"));
        assert!(d.definition().is_none());
        assert_eq!(d.byte_limit(), None);

        let (_, d) = doc("100S,200S\n");
        assert_eq!(
            d.errors().next().unwrap().message,
            "the limit of bytes (`S`) is given twice"
        );
        let (src, d) = doc("99999999999999999999999S\n");
        let e = d.errors().next().unwrap();
        assert_eq!(
            e.message,
            "expected a limit of bytes that fits in 64 bits, found a 23-digit number"
        );
        assert_eq!(src.line_col(e.span.start as usize).column, 1);
        let (_, d) = doc("100S,\n");
        assert!(
            d.errors()
                .next()
                .unwrap()
                .message
                .ends_with("found end of line")
        );
    }

    #[test]
    fn bad_usage_line_is_local() {
        let (src, d) = doc("0S\n12 1\nabc\n13\n\n\x00\n14 1\n");
        let errs: Vec<_> = d.errors().collect();
        assert_eq!(errs.len(), 3);
        assert_eq!(src.line_col(errs[0].span.start as usize).line, 3);
        assert!(
            errs[0]
                .message
                .starts_with("expected a usage line `<bytes> <messages>`")
        );
        assert!(errs[0].message.ends_with("found `a`"));
        assert!(
            errs[1].message.ends_with("found end of line"),
            "{}",
            errs[1].message
        );
        assert!(errs[2].message.ends_with("found a NUL byte"));
        assert_eq!(d.lines[4].kind, LineKind::Blank);
        assert_eq!(d.usage().bytes, 26);
        let (_, d) = doc("0S\n99999999999999999999 1\n");
        assert_eq!(
            d.errors().next().unwrap().message,
            "expected a number of bytes that fits in 64 bits, found a 20-digit number"
        );
    }

    #[test]
    fn usage_saturates() {
        let (_, d) = doc("0S\n9223372036854775807 1\n9223372036854775807 1\n");
        assert_eq!(d.usage().bytes, i64::MAX);
    }
}
