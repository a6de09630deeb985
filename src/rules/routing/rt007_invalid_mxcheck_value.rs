//! RT007: an `MXCHECK-` value cPanel does not understand.

use crate::finding::{Finding, Fix, Severity};
use crate::model::{Account, Manual, Server};

use super::FAMILY;

rule!(
    RT007,
    "invalid-mxcheck-value",
    Error,
    Some("warning for the legacy values 1 and 2"),
    DisplayOnly,
    [],
    "An MXCHECK- value cPanel does not understand."
);

pub(super) fn check(s: &Server, out: &mut Vec<Finding>) {
    for a in s.accounts.values() {
        for m in a.mxcheck.values() {
            let owned = s.domains.get(&m.domain).is_some_and(|i| i.user == a.user);
            if !owned {
                continue;
            }
            let (severity, what) = match m.setting {
                Manual::Invalid => (Severity::Error, "a value cPanel does not understand"),
                Manual::Legacy => (
                    Severity::Warning,
                    "a legacy value that cPanel's account restore and its live routing code read differently (as Local or as Automatically Detect)",
                ),
                _ => continue,
            };
            let mut f = Finding::new(
                &RT007,
                format!("MXCHECK-{}={} is {what}", m.domain, shown_value(&m.value)),
            )
            .severity(severity)
            .domain(&m.domain)
            .user(&a.user)
            .at(m.value_loc.clone());
            if let Some(note) = exactness_note(&m.domain, &m.value) {
                f = f.note(note);
            }
            out.push(
                f.note("cPanel writes 0 (local), remote or secondary, or no line at all (Automatically Detect)")
                    .fix(choose_routing(a, &m.domain)),
            );
        }
        for m in &a.indented_mxcheck {
            let key = match &a.cpuser {
                // The key as cPanel reads it: from the start of the line.
                Some(cp) => cp
                    .src
                    .slice(crate::source::Span::new(
                        m.line.span.start as usize,
                        m.key.span.end as usize,
                    ))
                    .to_string(),
                None => format!("MXCHECK-{}", m.domain),
            };
            out.push(
                Finding::new(
                    &RT007,
                    format!(
                        "{key:?} starts with white space, so cPanel does not read it as MXCHECK-{}: the line sets nothing",
                        m.domain
                    ),
                )
                .domain(m.domain.to_ascii_lowercase())
                .user(&a.user)
                .at(m.key.clone())
                .note(format!(
                    "cPanel's user-file reader keeps white space before a key in the key; {}",
                    match a.mxcheck.get(&m.domain) {
                        Some(_) => format!("{}'s setting is the other MXCHECK-{} line", m.domain, m.domain),
                        None => format!("whatever the line says, {} is on Automatically Detect", m.domain),
                    }
                ))
                .fix(choose_routing(a, &m.domain)),
            );
        }
    }
}

/// RT007's advice: let cPanel write the setting.
fn choose_routing(a: &Account, domain: &str) -> Fix {
    Fix::display_only(format!(
        "choose the routing: uapi --user={} Email set_always_accept domain={domain} mxcheck=local|remote|secondary|auto",
        a.user
    ))
}

/// An `MXCHECK-` value as the message shows it: as written when it is a plain word, else quoted
/// with its white space and control characters visible (`" remote"`, `"0\r"`, `""`).
fn shown_value(v: &str) -> String {
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_graphic()) {
        v.to_string()
    } else {
        format!("{v:?}")
    }
}

/// Why a value that looks valid is not, when white space or a `\r` is all that is wrong.
fn exactness_note(domain: &str, v: &str) -> Option<String> {
    if v.is_empty() {
        return Some(
            "an empty value is none of 0, local, remote, secondary or auto: cPanel reads the domain as Automatically Detect, and its account restore ignores the value".into(),
        );
    }
    let trimmed = v.trim_matches(|c: char| c.is_ascii_whitespace() || c == '\x0b');
    if trimmed == v || Manual::from_value(trimmed) == Manual::Invalid {
        return None;
    }
    let cr = if v.ends_with('\r') {
        " (the line ends with a carriage return, a Windows line end: cPanel's reader removes only the `\\n`)"
    } else {
        ""
    };
    Some(format!(
        "cPanel compares the value exactly, white space included{cr}: {v:?} is not {trimmed:?}, so cPanel reads {domain} as Automatically Detect"
    ))
}
