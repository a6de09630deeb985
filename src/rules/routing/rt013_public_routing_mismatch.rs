//! RT013 (with `--resolve`): the routing lists disagree with the routing detected from public
//! DNS: configured local while the public primary MX is another host (the seed story when the
//! domain's DNS is hosted elsewhere and the zone here is a stale copy), or configured remote
//! while the public MX is this server. Reported only where the local zone does not already say
//! the same (then RT001 or RT002 reports it); the fix is RT001's or RT002's.

use crate::finding::{Finding, Fix};
use crate::model::Manual;
use crate::model::dns::Routing;
use crate::model::public::{PublicDetection, PublicMx};

use super::{Ctx, FAMILY, ManualWrite, join_and, route_away, routing_fix};

rule!(
    RT013,
    "public-routing-mismatch",
    Error,
    None,
    Unsafe,
    [LISTS, ZONES, FORWARDERS, MAIL_DOMAINS],
    "The routing lists disagree with the MX records public DNS serves (--resolve)."
);

pub(super) fn check(c: &Ctx<'_>, out: &mut Vec<Finding>) {
    if c.s.public.is_none() || !c.s.is_mail_domain(c.domain) {
        return;
    }
    let configured = c.configured();
    let public = c.s.detect_public_routing(c.domain);
    let Ok(detected) = public.outcome else {
        return;
    };
    let local_zone = c.det.outcome.as_ref().ok().copied();
    match (configured, detected) {
        (Some(Routing::Local), Routing::Remote | Routing::Secondary) => {
            // RT001 already reports it from the local zone.
            if matches!(local_zone, Some(Routing::Remote | Routing::Secondary)) {
                return;
            }
            // A filtering gateway in front of this server is RT001's case, not a loss.
            if public
                .mx
                .iter()
                .filter(|m| m.preference == public.mx[0].preference)
                .any(|m| crate::providers::gateway_by_mx(&m.target).is_some())
            {
                return;
            }
            out.push(local_but_public_elsewhere(c, &public, detected));
        }
        (Some(Routing::Remote), Routing::Local) => {
            if local_zone == Some(Routing::Local) {
                return;
            }
            out.push(remote_but_public_here(c, &public));
        }
        _ => {}
    }
}

fn describe(m: &PublicMx) -> String {
    let whose = match m.local {
        Some(true) => "this server",
        Some(false) => "not this server",
        None => "not verified",
    };
    let addrs: Vec<String> = m.addrs.iter().map(|a| a.to_string()).collect();
    if addrs.is_empty() {
        format!("MX {} {} ({whose})", m.preference, m.target)
    } else {
        format!(
            "MX {} {} → {} ({whose})",
            m.preference,
            m.target,
            addrs.join(", ")
        )
    }
}

/// Notes: both views, the public records and the local zone's.
fn both_views(c: &Ctx<'_>, public: &PublicDetection, mut f: Finding) -> Finding {
    let source = c.s.public.as_ref().map_or("", |v| v.source.as_str());
    let records: Vec<String> = public.mx.iter().map(describe).collect();
    f = f.note(format!(
        "public DNS (asked through {source}): {}{}",
        records.join("; "),
        if public.implicit {
            " (no MX record: the domain's own address)"
        } else {
            ""
        }
    ));
    let local: Vec<String> = c
        .det
        .mx
        .iter()
        .map(|m| {
            format!(
                "MX {} {} ({})",
                m.preference,
                m.target,
                if m.local {
                    "this server"
                } else {
                    "not this server"
                }
            )
        })
        .collect();
    if local.is_empty() {
        f = f.note(
            "local zone: no zone or no MX record here, so cPanel cannot detect the routing from it"
                .to_string(),
        );
    } else {
        f = f.note(format!(
            "local zone (what cPanel's Automatically Detect reads): {}: the Internet does not see it (see RT014)",
            local.join("; ")
        ));
    }
    c.with_mx(f)
}

fn local_but_public_elsewhere(c: &Ctx<'_>, public: &PublicDetection, detected: Routing) -> Finding {
    let d = c.domain;
    let mx = join_and(&public.primary());
    let manual = c.manual();
    let mut f = c
        .finding(
            &RT013,
            format!("{d} is delivered locally, but public DNS sends its mail to {mx}: mail sent from this server to {d} never leaves it"),
        )
        .label("listed here as local");
    if let Some(loc) = c.list_loc(c.s.lists.local.as_ref()) {
        f = f.at(loc);
    }
    f = f.note(format!(
        "judged from public DNS: the Internet delivers {d}'s mail to {mx}, while Exim delivers every message sent from this server to {d} (webmail, scripts, forwarders) into local mailboxes nobody reads; the zone on this server is a copy the Internet does not use, so cPanel's detection, which reads it, keeps the domain local"
    ));
    f = both_views(c, public, f);
    f = c.senders(f);
    f.fix(route_away(c, detected, manual))
}

fn remote_but_public_here(c: &Ctx<'_>, public: &PublicDetection) -> Finding {
    let d = c.domain;
    let mut f = c
        .finding(
            &RT013,
            format!("{d} is routed remotely, but public DNS sends its mail to this server: Exim refuses its incoming mail"),
        )
        .label("listed here as remote");
    if let Some(loc) = c.list_loc(c.s.lists.remote.as_ref()) {
        f = f.at(loc);
    }
    f = f.note(format!(
        "judged from public DNS: senders on the Internet deliver {d}'s mail here; since {d} is not in etc/localdomains, Exim rejects it as relaying"
    ));
    f = both_views(c, public, f);
    // Pinned local: Automatically Detect would read the stale local zone again.
    let write = match c.manual() {
        Manual::Local => ManualWrite::Keep,
        _ => ManualWrite::Value("0"),
    };
    let fix = routing_fix(
        c.s,
        c.account,
        d,
        Routing::Local,
        write,
        Fix::unsafe_(format!(
            "route {d} locally: MXCHECK-{d}=0 (Local Mail Exchanger), add it to etc/localdomains, remove it from etc/remotedomains{}",
            if c.s.lists.in_secondary(d) {
                " and etc/secondarymx"
            } else {
                ""
            }
        )),
    );
    f.fix(fix)
}
