//! MX001: an MX target that is a CNAME (RFC 2181 §10.3).

use std::net::IpAddr;

use crate::finding::Finding;
use crate::parse::zone::RType;

use super::{Dom, FAMILY};

rule!(
    MX001,
    "mx-target-cname",
    Warning,
    None,
    None,
    [ZONES, MAIL_DOMAINS],
    "An MX target that is a CNAME (RFC 2181 §10.3)."
);

pub(super) fn check(dom: &Dom<'_>, out: &mut Vec<Finding>) {
    let d = &dom.name;
    for (r, exchange) in dom.exchanges() {
        if exchange.raw.trim_end_matches('.').parse::<IpAddr>().is_ok() {
            continue;
        }
        let cname = dom.s.records_of(&exchange.name, RType::Cname);
        if let Some(c) = cname.first() {
            out.push(
                dom.finding(
                    &MX001,
                    format!("the MX target {} of {d} is an alias (CNAME)", exchange.name),
                )
                .at(r.zone.loc(exchange.span))
                .label("an MX must name a host, not an alias")
                .related(c.loc(), "the alias is defined here")
                .note("RFC 2181 §10.3 forbids an alias as MX target; some senders refuse it or add a lookup, and cPanel's own records write an A record (mail.DOMAIN) for that reason")
                .help(format!("point the MX at the host the alias names, or replace the CNAME of {} by A/AAAA records", exchange.name)),
            );
        }
    }
}
