//! CP003: routing-list lines that Exim's `lsearch` or cPanel's tools will not match as meant.

use std::collections::HashMap;

use crate::finding::{Edit, Finding, Fix, Loc};
use crate::model::Server;
use crate::parse::domainlist::{DomainLineKind, EntryIssue};
use crate::source::Span;

use super::FAMILY;

rule!(
    CP003,
    "domain-list-syntax",
    Warning,
    None,
    SafeOrUnsafe,
    [LISTS],
    "A routing-list line that Exim's lsearch or cPanel's tools will not match as meant."
);

fn issue_name(issue: EntryIssue) -> &'static str {
    match issue {
        EntryIssue::LeadingWhitespace => "white space before the domain",
        EntryIssue::TrailingWhitespace => "white space after the domain",
        EntryIssue::UpperCase => "upper-case letters",
        EntryIssue::TrailingDot => "a trailing dot",
        EntryIssue::CarriageReturn => "a carriage return (Windows line end)",
        EntryIssue::TrailingData => "text after the domain",
        EntryIssue::NoFinalNewline => "no final newline",
    }
}

/// CP003: lines of the three routing lists that are not `domain\n`, comments and duplicates.
pub(super) fn check(server: &Server, out: &mut Vec<Finding>) {
    for list in server.lists.iter() {
        let path = list.path();
        let src = &list.src;
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for line in &list.doc.lines {
            let content = trim_newline(src.text(), line.span);
            match &line.kind {
                DomainLineKind::Comment => out.push(
                    Finding::new(
                        &CP003,
                        format!("comment line in {path}"),
                    )
                    .at_span(path, content)
                    .label("cPanel never writes comments here")
                    .note("Exim skips the line, but a commented-out domain is easily taken for a routing decision that is not in effect")
                    .fix(Fix::safe("remove the comment line").edit(Edit::delete(path, line.span))),
                ),
                DomainLineKind::Entry(e) => {
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
                            .fix(Fix::safe("remove the duplicate line").edit(Edit::delete(path, line.span))),
                        );
                        continue;
                    }
                    seen.insert(&e.domain, e.key);
                    if e.issues.is_empty() {
                        continue;
                    }
                    let names: Vec<&str> = e.issues.iter().map(|i| issue_name(*i)).collect();
                    // Normalising a line that Exim does not match today changes routing.
                    let changes_routing = e
                        .issues
                        .iter()
                        .any(|i| matches!(i, EntryIssue::LeadingWhitespace | EntryIssue::TrailingDot));
                    let mut notes = Vec::new();
                    if e.issues.contains(&EntryIssue::LeadingWhitespace) {
                        notes.push("Exim reads a line that starts with white space as the continuation of the previous line: this domain is not in the list for Exim".to_string());
                    } else if e.issues.contains(&EntryIssue::TrailingDot) {
                        notes.push(format!("Exim compares `{}.` with the domain of each address and never matches it: this domain is not in the list for Exim", e.domain));
                    }
                    if e.issues.contains(&EntryIssue::NoFinalNewline) {
                        notes.push("the next domain cPanel appends to the file would be glued to this line".to_string());
                    }
                    if e.issues.iter().any(|i| !matches!(i, EntryIssue::NoFinalNewline)) {
                        notes.push("cPanel adds and removes routing entries by exact line, so it will not find this one when the routing of the domain changes".to_string());
                    }
                    let mut canonical = e.domain.clone();
                    let span = if e.issues.contains(&EntryIssue::NoFinalNewline) {
                        canonical.push('\n');
                        line.span
                    } else {
                        content
                    };
                    let fix = if changes_routing {
                        Fix::unsafe_(format!(
                            "rewrite the line as `{}`; Exim will then match {} (today it does not)",
                            e.domain, e.domain
                        ))
                    } else {
                        Fix::safe(format!("rewrite the line as `{}`", e.domain))
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
                    out.push(
                        f
                        .fix(fix.edit(Edit::replace(path, span, canonical))),
                    );
                }
                _ => {}
            }
        }
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
