//! RT004: an account domain in none of the routing lists: Exim treats it as foreign.

use crate::finding::{Finding, Fix, Severity};
use crate::model::Manual;
use crate::model::dns::Routing;

use super::{Ctx, FAMILY, ManualWrite, routing_fix};

rule!(
    RT004,
    "unrouted-domain",
    Error,
    Some("warning unless detection says local"),
    Unsafe,
    [LISTS, ZONES],
    "An account domain in none of the routing lists: Exim treats it as foreign."
);

pub(super) fn check(c: &Ctx<'_>, out: &mut Vec<Finding>) {
    let d = c.domain;
    if c.configured().is_some() || c.s.lists.in_secondary(d) {
        return;
    }
    let detected = c.det.outcome.as_ref().ok().copied();
    let severity = if detected == Some(Routing::Local) {
        Severity::Error
    } else {
        Severity::Warning
    };
    let (target, why) = match c.manual() {
        Manual::Local => (
            Routing::Local,
            "its manual setting (Local Mail Exchanger)".to_string(),
        ),
        Manual::Remote => (
            Routing::Remote,
            "its manual setting (Remote Mail Exchanger)".to_string(),
        ),
        Manual::Secondary => (
            Routing::Secondary,
            "its manual setting (Backup Mail Exchanger)".to_string(),
        ),
        _ => match detected {
            Some(r) => (r, format!("its MX records ({})", r.as_str())),
            None => (
                Routing::Local,
                "cPanel's default when detection fails (local)".to_string(),
            ),
        },
    };
    let kind = c.s.domains.get(d).map_or("domain", |i| i.kind.describe());
    let mut f = c.finding(
        &RT004,
        format!("{d} ({kind} of {}) is in none of the routing lists: Exim treats it as a foreign domain", c.account.user),
    )
    .severity(severity);
    if let Some(loc) = c.s.domains.get(d).and_then(|i| i.decl.clone()) {
        f = f.at(loc).label("account domain declared here");
    }
    f = f.note(format!(
        "mail for {d} that arrives here is refused as relaying, and its forwarders and mailboxes here receive nothing"
    ));
    if detected.is_some() {
        f = c.with_mx(f);
    }
    let fix = routing_fix(
        c.s,
        c.account,
        d,
        target,
        ManualWrite::Keep,
        // For a remote domain only etc/remotedomains changes, which Exim never reads.
        if target == Routing::Remote {
            Fix::safe(format!(
                "record {d} as remote in etc/remotedomains, following {why} (Exim does not read that file: no mail changes path)"
            ))
        } else {
            Fix::unsafe_(format!("route {d} as {}, following {why}", target.as_str()))
        },
    );
    out.push(f.fix(fix));
}
