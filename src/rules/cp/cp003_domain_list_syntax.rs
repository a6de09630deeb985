//! CP003: routing-list lines that Exim's `lsearch` or cPanel's tools will not match as meant.

use std::collections::HashMap;

use crate::finding::{Edit, Finding, Fix, Loc};
use crate::model::lists::Reading;
use crate::model::{RoutingList, Server};
use crate::parse::domainlist::{DomainEntry, DomainLineKind, EntryIssue};
use crate::source::Span;

use super::FAMILY;

rule!(
    CP003,
    "domain-list-syntax",
    Warning,
    None,
    Safe,
    [LISTS],
    "A routing-list line that Exim's lsearch or cPanel's tools will not match as meant."
);

fn issue_name(issue: EntryIssue) -> &'static str {
    match issue {
        EntryIssue::ByteOrderMark => "a byte-order mark (U+FEFF) before the domain",
        EntryIssue::LeadingWhitespace => "white space before the domain",
        EntryIssue::Quoted => "double quotes around the domain",
        EntryIssue::TrailingWhitespace => "white space after the domain",
        EntryIssue::UpperCase => "upper-case letters",
        EntryIssue::TrailingDot => "a trailing dot",
        EntryIssue::CarriageReturn => "a carriage return (Windows line end)",
        EntryIssue::TrailingData => "text after the domain",
        EntryIssue::NoFinalNewline => "no final newline",
    }
}

/// CP003: lines of the three routing lists that are not `domain\n`, comments and duplicates.
///
/// A line Exim reads as the domain it names (upper case, white space or text after the domain, a
/// carriage return, quotes, no final newline) is rewritten as `domain`: only cPanel's view
/// changes. A line Exim does not read as that domain (white space before it, a trailing dot, a
/// byte-order mark, a wildcard) does not list the domain for any rule (see
/// [`crate::model::lists`]); its fix removes the line, which changes nothing for Exim, and the
/// routing rules (RT004, RT009…) say where the domain belongs. A line holding a NUL byte hides
/// the line after it from Exim, so no fix touches it or the hidden line.
pub(super) fn check(server: &Server, out: &mut Vec<Finding>) {
    for list in server.lists.iter() {
        let path = list.path();
        let src = &list.src;
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for (i, line) in list.doc.lines.iter().enumerate() {
            let content = trim_newline(src.text(), line.span);
            // Removing or rewriting a line with a NUL byte would let Exim read the line after it.
            let holds_nul = src.slice_bytes(line.span).contains(&0);
            let fix = |f: Fix| (!holds_nul).then_some(f);
            match &line.kind {
                DomainLineKind::Comment => out.push(
                    Finding::new(
                        &CP003,
                        format!("comment line in {path}"),
                    )
                    .at_span(path, content)
                    .label("cPanel never writes comments here")
                    .note("Exim skips the line, but a commented-out domain is easily taken for a routing decision that is not in effect")
                    .maybe_fix(fix(Fix::safe("remove the comment line").edit(Edit::delete(path, line.span)))),
                ),
                // A scoped run reports no other domain: their lines are not looked at.
                DomainLineKind::Entry(e) if !server.in_scope(&e.domain) => {}
                DomainLineKind::Entry(e) => {
                    let reading = list.reading(i, e);
                    if reading != Reading::AsMeant {
                        out.push(not_read_as_meant(list, i, e, &reading, content, holds_nul));
                        continue;
                    }
                    if let Some(first) = seen.get(e.domain.as_str()) {
                        let first_line = src.line_col(first.start as usize).line;
                        out.push(
                            Finding::new(
                                &CP003,
                                format!("{} is listed twice in {path} (first on line {first_line})", e.domain),
                            )
                            .domain(&e.domain)
                            .at_span(path, e.key)
                            .label("duplicate")
                            .related(Loc::new(path, *first), "first listed here")
                            .note("cPanel adds and removes whole lines; a second copy can survive a routing change and keep the old routing")
                            .maybe_fix(fix(Fix::safe("remove the duplicate line").edit(Edit::delete(path, line.span)))),
                        );
                        continue;
                    }
                    seen.insert(&e.domain, e.key);
                    if e.issues.is_empty() {
                        continue;
                    }
                    let names: Vec<&str> = e.issues.iter().map(|i| issue_name(*i)).collect();
                    let mut notes = Vec::new();
                    if e.issues.contains(&EntryIssue::NoFinalNewline) {
                        notes.push("the next domain cPanel appends to the file would be glued to this line".to_string());
                    }
                    if e.issues.iter().any(|i| !matches!(i, EntryIssue::NoFinalNewline)) {
                        notes.push(format!("Exim reads the line as {}, but cPanel adds and removes routing entries by exact line, so it will not find this one when the routing of the domain changes", e.domain));
                    }
                    if holds_nul {
                        notes.push(NUL_NOTE.to_string());
                    }
                    let mut canonical = e.domain.clone();
                    let span = if e.issues.contains(&EntryIssue::NoFinalNewline) {
                        canonical.push('\n');
                        line.span
                    } else {
                        content
                    };
                    let mut f = Finding::new(
                        &CP003,
                        format!("{} in {path} is written with {}", e.domain, join(&names)),
                    )
                    .domain(&e.domain)
                    .at_span(path, content);
                    for n in notes {
                        f = f.note(n);
                    }
                    out.push(f.maybe_fix(fix(
                        Fix::safe(format!("rewrite the line as `{}`", e.domain))
                            .edit(Edit::replace(path, span, canonical)),
                    )));
                }
                _ => {}
            }
        }
    }
}

const NUL_NOTE: &str = "the line holds a NUL byte, which ends it early for Exim: Exim then skips the line after it as if it were the rest of this one; remove the NUL byte by hand (no fix touches such a line)";

/// CP003 for an entry Exim does not read as the domain it names: the domain is not listed there.
fn not_read_as_meant(
    list: &RoutingList,
    i: usize,
    e: &DomainEntry,
    reading: &Reading<'_>,
    content: Span,
    holds_nul: bool,
) -> Finding {
    let path = list.path();
    let d = e.domain.as_str();
    let names: Vec<&str> = e.issues.iter().map(|i| issue_name(*i)).collect();
    let message = match reading {
        Reading::Hidden => {
            format!("{d} in {path} is never read by Exim: the line above holds a NUL byte")
        }
        Reading::Wildcard => {
            format!("{d} in {path} is a wildcard, which Exim's lsearch does not expand")
        }
        _ if names.is_empty() => format!("{d} in {path} is not read by Exim as {d}"),
        _ => format!("{d} in {path} is written with {}", join(&names)),
    };
    let why = match reading {
        Reading::Continuation => "Exim reads a line that starts with white space as the continuation of the previous line: this domain is not in the list for Exim".to_string(),
        Reading::Hidden => "a NUL byte ends a line early for Exim, which then skips the next line as if it were the rest of an over-long one: this domain is not in the list for Exim".to_string(),
        Reading::Wildcard => format!("lsearch compares names literally: the line lists the name `{d}` itself, which no address has, and no subdomain"),
        Reading::OtherKey(_) if e.issues.contains(&EntryIssue::ByteOrderMark) => format!("Exim reads the byte-order mark as part of the name and never matches it with {d}: this domain is not in the list for Exim"),
        Reading::OtherKey(_) if e.issues.contains(&EntryIssue::TrailingDot) => format!("Exim compares `{d}.` with the domain of each address and never matches it: this domain is not in the list for Exim"),
        Reading::OtherKey(key) => format!("Exim reads the name as `{}` and never matches it with {d}: this domain is not in the list for Exim", key.escape_ascii()),
        Reading::AsMeant => unreachable!("only lines Exim does not read as meant"),
    };
    let mut f = Finding::new(&CP003, message)
        .domain(d)
        .at_span(path, content)
        .label(format!("Exim does not list {d} here"))
        .note(why);
    let consequence = match list.key_span(d) {
        _ if *reading == Reading::Wildcard => {
            "for subdomains to be listed, write each one on its own line".to_string()
        }
        Some(span) => format!(
            "{d} is listed for Exim on line {}: this line adds nothing",
            list.src.line_col(span.start as usize).line
        ),
        None => format!("maillint's routing rules judge {d} as not in {path}, as Exim does"),
    };
    f = f.note(consequence);
    if holds_nul {
        f = f.note(NUL_NOTE);
    }
    match reading {
        Reading::Hidden => {
            let above = list
                .src
                .line_col(list.doc.lines[i - 1].span.start as usize)
                .line;
            f.help(format!(
                "remove the NUL byte from line {above}; Exim then reads this line again"
            ))
        }
        _ if holds_nul => f,
        _ => f.fix(
            Fix::safe("remove the line, which Exim ignores (nothing changes for mail)")
                .edit(Edit::delete(path, list.doc.lines[i].span)),
        ),
    }
}

fn trim_newline(text: &str, span: Span) -> Span {
    let mut end = span.end as usize;
    if end > span.start as usize && text.as_bytes()[end - 1] == b'\n' {
        end -= 1;
    }
    Span::new(span.start as usize, end)
}

fn join(parts: &[&str]) -> String {
    match parts {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
