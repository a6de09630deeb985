//! SPF001: a mail domain without an SPF record; the fix adds cPanel's default record.

use std::net::IpAddr;

use crate::finding::{Finding, Fix, Loc};
use crate::rules::edit;

use super::*;

rule!(
    SPF001,
    "missing-spf",
    Warning,
    None,
    Unsafe,
    [ZONES, MAIL_DOMAINS],
    "A mail domain without an SPF record."
);

/// SPF001: no SPF record; the fix adds cPanel's default record.
pub(super) fn check(c: &Ctx<'_>, dom: &Dom<'_>, out: &mut Vec<Finding>) {
    let s = c.s;
    let d = dom.d;
    let Some(zone) = s.zone_of(d) else {
        return;
    };
    let provider = lowest_mx_provider(s, d);
    let ip = s.mail_ip(d);
    let mut value = "v=spf1 +a +mx".to_string();
    match ip {
        Some(IpAddr::V4(a)) => value.push_str(&format!(" +ip4:{a}")),
        Some(IpAddr::V6(a)) => value.push_str(&format!(" +ip6:{a}")),
        None => {}
    }
    if let Some((p, _)) = &provider {
        value.push_str(&format!(" include:{}", p.spf_include));
    }
    value.push_str(" ~all");
    let message = match &provider {
        Some((p, _)) => format!(
            "{d} has no SPF record, and its mailboxes are at {}: receivers cannot check who may send as {d}",
            p.name
        ),
        None => format!("{d} has no SPF record: receivers cannot check who may send as {d}"),
    };
    let first = s.records_at(d).into_iter().next();
    let loc = match first {
        Some(r) => r
            .zone
            .loc(r.record.owner.span.unwrap_or(r.record.rtype_span)),
        None => Loc::file_start(zone.path()),
    };
    let mut f = dom
        .finding(&SPF001, message)
        .at(loc)
        .label(format!("no TXT record of {d} starts with `v=spf1`"))
        .note(format!(
            "without SPF, a receiver cannot tell {d}'s real mail from forgeries: large \
             mailbox providers junk or refuse unauthenticated mail, and DMARC cannot pass \
             through SPF"
        ));
    if let Some((p, host)) = &provider {
        f = f.note(format!(
            "the MX of {d} is {host}, at {}: mail its users send leaves through {}'s \
             servers, which the record must list with `include:{}`",
            p.name, p.name, p.spf_include
        ));
    }
    match ip {
        Some(ip) => {
            f = f.note(format!(
                "this server sends {d}'s mail (web forms, scripts, forwarders) from {ip} ({})",
                mail_ip_source(s, d)
            ));
        }
        None => {
            f = f.note(format!(
                "the address this server sends {d}'s mail from is unknown (no etc/mailips \
                 entry and no main address): the record lists it through `+a` and `+mx` \
                 only; add `+ip4:` with the address by hand if those do not name it"
            ));
        }
    }
    let fix = Fix::unsafe_(format!(
        "add cPanel's default SPF record for {d}: `{value}`"
    ))
    .edits(edit::zone_add_record(
        zone,
        d,
        "TXT",
        &edit::txt_rdata(&value),
        c.today,
    ))
    .command(
        "cPanel's Email Deliverability page (UAPI EmailAuth install_spf_records) installs its \
         suggested record the same way",
    )
    .command(RELOAD);
    out.push(f.fix(fix));
}
