//! RT004: an account domain in none of the routing lists: Exim treats it as foreign.

use crate::finding::{Finding, Fix, Severity};
use crate::model::dns::Routing;

use super::{
    Ctx, FAMILY, ManualWrite, manual_follows, manual_name, manual_routing, misread_lines,
    routing_fix,
};

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
    // What the MX records say, when they decide; else the manual setting, which cPanel applies;
    // else cPanel's default when detection fails.
    let manual = c.manual();
    let (target, why) = match (detected, manual_routing(manual)) {
        (Some(r), _) => (r, format!("its MX records ({})", r.as_str())),
        (None, Some(r)) => (r, format!("its manual setting ({})", manual_name(manual))),
        (None, None) => (
            Routing::Local,
            "cPanel's default when detection fails (local)".to_string(),
        ),
    };
    let write = manual_follows(manual, target);
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
    f = misread_lines(c.s, d, f);
    if detected.is_some() {
        f = c.with_mx(f);
    }
    if let ManualWrite::Value(v) = write {
        f = f.note(format!(
            "{d} is set to {} by hand, but its MX records say {}: the fix sets MXCHECK-{d}={v} too, or cPanel's next routing rebuild would route it against its MX records",
            manual_name(manual),
            target.as_str()
        ));
        f = c.with_manual(f, "it disagrees with the MX records");
    }
    let fix = routing_fix(
        c.s,
        c.account,
        d,
        target,
        write,
        // For a remote domain only etc/remotedomains changes, which Exim never reads.
        if target == Routing::Remote && write == ManualWrite::Keep {
            Fix::safe(format!(
                "record {d} as remote in etc/remotedomains, following {why} (Exim does not read that file: no mail changes path)"
            ))
        } else {
            Fix::unsafe_(format!("route {d} as {}, following {why}", target.as_str()))
        },
    );
    out.push(f.fix(fix));
}
