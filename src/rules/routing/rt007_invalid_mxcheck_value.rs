//! RT007: an `MXCHECK-` value cPanel does not understand.

use crate::finding::{Finding, Fix, Severity};
use crate::model::{Manual, Server};

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
            out.push(
                Finding::new(
                    &RT007,
                    format!("MXCHECK-{}={} is {what}", m.domain, m.value),
                )
                .severity(severity)
                .domain(&m.domain)
                .user(&a.user)
                .at(m.value_loc.clone())
                .note("cPanel writes 0 (local), remote or secondary, or no line at all (Automatically Detect)")
                .fix(Fix::display_only(format!(
                    "choose the routing: uapi --user={} Email set_always_accept domain={} mxcheck=local|remote|secondary|auto",
                    a.user, m.domain
                ))),
            );
        }
    }
}
