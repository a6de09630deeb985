//! RT011: a zone whose apex NS records name none of this server's name servers.

use crate::finding::Finding;
use crate::model::Server;

use super::{FAMILY, join_and};

rule!(
    RT011,
    "zone-served-elsewhere",
    Warning,
    None,
    None,
    [LISTS, ZONES],
    "The zone names none of this server's name servers: the Internet may see other records."
);

/// RT011: zones that name other name servers.
pub(super) fn check(s: &Server, out: &mut Vec<Finding>) {
    for (name, zone) in &s.zones {
        if !s.domains.contains_key(name) && !s.identity.is_hostname(name) {
            continue;
        }
        if s.zone_served_here(zone) != Some(false) {
            continue;
        }
        let ns = s.apex_ns(zone);
        let names: Vec<&str> = ns.iter().map(|(_, n)| n.as_str()).collect();
        let ours: Vec<&str> = s
            .identity
            .nameservers
            .iter()
            .map(|n| n.value.as_str())
            .collect();
        let first = ns[0].0;
        let span = first
            .owner
            .span
            .unwrap_or(first.rtype_span)
            .join(first.rdata_span);
        let mut f = Finding::new(
            &RT011,
            format!(
                "the zone of {name} names {} as its name servers, none of this server's ({})",
                join_and(&names),
                join_and(&ours)
            ),
        )
        .domain(name)
        .maybe_user(s.domains.get(name).map(|i| i.user.clone()))
        .at(zone.loc(span))
        .note("cPanel's routing detection and maillint read this zone file, but the Internet asks those name servers, whose records may differ: findings that depend on this zone are only as good as the zone")
        .help("if the domain's DNS is hosted elsewhere, compare its live MX, SPF and DKIM records with this file, or remove the stale zone from this server");
        for n in s
            .identity
            .nameservers
            .iter()
            .filter_map(|n| n.loc.clone())
            .take(1)
        {
            f = f.related(n, "this server's name servers are set here");
        }
        out.push(f);
    }
}
