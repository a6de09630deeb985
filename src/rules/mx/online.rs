//! MX005 with `--resolve`: an MX target of a local zone that lies outside every local zone
//! (offline it cannot be judged) and has no address in public DNS.

use std::net::IpAddr;

use crate::dns::{Answer, QType};
use crate::finding::Finding;
use crate::model::dns::Resolution;

use super::{Dom, MX005};

pub(super) fn check(dom: &Dom<'_>, out: &mut Vec<Finding>) {
    let s = dom.s;
    let Some(view) = &s.public else { return };
    let d = &dom.name;
    for (r, exchange) in dom.exchanges() {
        let name = &exchange.name;
        if name.is_empty() || exchange.raw.trim_end_matches('.').parse::<IpAddr>().is_ok() {
            continue;
        }
        if !matches!(s.resolve(name), Resolution::External { ref cnames } if cnames.is_empty()) {
            continue;
        }
        let (Some(a), Some(aaaa)) = (view.get(name, QType::A), view.get(name, QType::Aaaa)) else {
            continue;
        };
        let why = match (a, aaaa) {
            (Answer::NxDomain, _) | (_, Answer::NxDomain) => {
                "does not exist in public DNS (NXDOMAIN)"
            }
            (Answer::NoData, Answer::NoData) => "has no A or AAAA record in public DNS",
            _ => continue,
        };
        out.push(
            dom.finding(&MX005, format!("the MX target {name} of {d} {why}"))
                .at(r.zone.loc(exchange.span))
                .label("no address for this name in public DNS")
                .note(format!(
                    "judged from public DNS (asked through {}): {name} lies outside this server's zones, and senders that pick this MX cannot deliver through it",
                    view.source
                ))
                .help("point the MX at a host that exists, or remove the record"),
        );
    }
}
