//! MX005: an MX target inside a local zone with no address record.

use std::net::IpAddr;

use crate::finding::Finding;
use crate::model::dns::Resolution;

use super::{Dom, FAMILY};

rule!(
    MX005,
    "mx-target-dangling",
    Error,
    None,
    None,
    [ZONES, MAIL_DOMAINS],
    "An MX target inside a local zone with no address record."
);

pub(super) fn check(dom: &Dom<'_>, out: &mut Vec<Finding>) {
    let d = &dom.name;
    for (r, exchange) in dom.exchanges() {
        if exchange.raw.trim_end_matches('.').parse::<IpAddr>().is_ok() {
            continue;
        }
        if let Resolution::Dangling { name, cnames } = dom.s.resolve(&exchange.name) {
            let via = if cnames.is_empty() {
                String::new()
            } else {
                format!(" (it is an alias of {name}, which has none)")
            };
            let mut f = dom
                .finding(
                    &MX005,
                    format!("the MX target {} of {d} has no address in its zone{via}", exchange.name),
                )
                .at(r.zone.loc(exchange.span))
                .label("no A or AAAA record for this name")
                .note(format!(
                    "senders cannot deliver through this MX; and cPanel's routing detection stops at it, keeping {d}'s last known routing"
                ))
                .help(format!("add an A record for {name}, or point the MX at a host that has one"));
            for c in cnames {
                f = f.related(c.loc(), "alias followed here");
            }
            out.push(f);
        }
    }
}
