//! MX002: an MX target written as an IP address (RFC 1035 §3.3.9).

use std::net::IpAddr;

use crate::finding::{Edit, Finding, Fix};
use crate::model::dns::ZoneRecord;
use crate::rules::edit;

use super::{Dom, FAMILY};

rule!(
    MX002,
    "mx-target-ip-literal",
    Error,
    None,
    Unsafe,
    [ZONES, MAIL_DOMAINS],
    "An MX target written as an IP address (RFC 1035 §3.3.9)."
);

pub(super) fn check(dom: &Dom<'_>, out: &mut Vec<Finding>) {
    for (r, exchange) in dom.exchanges() {
        let raw = exchange.raw.trim_end_matches('.');
        if let Ok(ip) = raw.parse::<IpAddr>() {
            out.push(ip_literal(dom, r, exchange.span, ip));
        }
    }
}

/// MX002: an IP address as MX target; the fix writes cPanel's `mx-a-b-c-d` record.
fn ip_literal(
    dom: &Dom<'_>,
    r: &ZoneRecord<'_>,
    target_span: crate::source::Span,
    ip: IpAddr,
) -> Finding {
    let d = &dom.name;
    let f = dom.finding(
        &MX002,
        format!("the MX target of {d} is the IP address {ip}, not a host name"),
    )
    .at(r.zone.loc(target_span))
    .label("an MX target must be a domain name")
    .note(format!(
        "RFC 1035 §3.3.9: the target of an MX is a domain name; written as here, DNS serves the name `{}`, which has no address record, so senders cannot deliver to {d}",
        served_name(r, target_span, ip)
    ));
    let IpAddr::V4(v4) = ip else {
        return f.fix(Fix::display_only(format!(
            "add an AAAA record for a host name such as mail.{d} and point the MX at that name"
        )));
    };
    let name_label = format!("mx-{}", v4.to_string().replace('.', "-"));
    let host = format!("{name_label}.{}", r.zone.doc.origin);
    let mut fix = Fix::unsafe_(format!(
        "add cPanel's `{name_label}` A record for {ip} and point the MX at it"
    ))
    .edit(Edit::replace(
        r.zone.path(),
        target_span,
        format!("{host}."),
    ));
    if r.zone.doc.records_at(&host).next().is_none() {
        let at = edit::zone_insertion_point(r.zone);
        fix = fix.edit(Edit::insert(
            r.zone.path(),
            at,
            edit::record_line(r.zone, &host, "A", &v4.to_string()),
        ));
    }
    if let Some(bump) = edit::serial_bump(r.zone, dom.s.options.today) {
        fix = fix.edit(bump);
    }
    f.fix(fix.command("then reload the zone: rndc reload (cPanel: /scripts/restartsrv_named)"))
}

/// The name DNS serves for an IP address written as MX target: the address itself with a final
/// dot, else the address followed by the origin.
fn served_name(r: &ZoneRecord<'_>, target_span: crate::source::Span, ip: IpAddr) -> String {
    if r.zone.src.slice(target_span).ends_with('.') {
        ip.to_string()
    } else {
        format!("{ip}.{}", r.zone.doc.origin_at(target_span.start as usize))
    }
}
