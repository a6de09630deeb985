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
        // With --resolve, the public NS records decide where they were answered.
        if let Some(public) = public_ns(s, name) {
            if !public.iter().any(|n| s.identity.is_own_nameserver(n)) {
                out.push(public_finding(s, name, zone, &public));
            }
            continue;
        }
        if s.zone_served_here(zone) != Some(false) {
            continue;
        }
        let ns = s.apex_ns(zone);
        let names: Vec<&str> = ns.iter().map(|(_, n)| n.as_str()).collect();
        let ours = s.identity.nameserver_names();
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

/// The public NS names of a zone, when `--resolve` got them and this server's name servers are
/// known.
fn public_ns(s: &Server, name: &str) -> Option<Vec<String>> {
    if s.identity.nameservers.is_empty() {
        return None;
    }
    match s.public_answer(name, crate::dns::QType::Ns)? {
        crate::dns::Answer::Records(rs) => {
            let names: Vec<String> = rs
                .iter()
                .filter_map(|r| match r {
                    crate::dns::Rdata::Ns(n) => Some(n.clone()),
                    _ => None,
                })
                .collect();
            (!names.is_empty()).then_some(names)
        }
        _ => None,
    }
}

/// RT011 judged from public DNS: the name servers the Internet asks are none of this server's.
fn public_finding(
    s: &Server,
    name: &str,
    zone: &crate::model::Parsed<crate::parse::zone::Zone>,
    public: &[String],
) -> Finding {
    let ours = s.identity.nameserver_names();
    let local: Vec<String> = s.apex_ns(zone).into_iter().map(|(_, n)| n).collect();
    let span = s
        .apex_ns(zone)
        .first()
        .map(|(r, _)| r.owner.span.unwrap_or(r.rtype_span).join(r.rdata_span))
        .or_else(|| {
            zone.doc
                .records()
                .next()
                .map(|r| r.owner.span.unwrap_or(r.rtype_span).join(r.rdata_span))
        })
        .unwrap_or_default();
    let source = s.public.as_ref().map_or("", |v| v.source.as_str());
    let mut f = Finding::new(
        &RT011,
        format!(
            "public DNS names {} as the name servers of {name}, none of this server's ({})",
            join_and(&public.iter().map(String::as_str).collect::<Vec<_>>()),
            join_and(&ours)
        ),
    )
    .domain(name)
    .maybe_user(s.domains.get(name).map(|i| i.user.clone()))
    .at(zone.loc(span))
    .note(format!(
        "judged from public DNS (asked through {source}); the local zone names {}",
        if local.is_empty() {
            "no name server".to_string()
        } else {
            join_and(&local.iter().map(String::as_str).collect::<Vec<_>>())
        }
    ))
    .note("cPanel's routing detection and maillint's offline rules read this zone file, but the Internet asks those name servers: the zone here is a copy nobody else reads (RT014 lists what differs)")
    .help("compare the live MX, SPF and DKIM records with this file and bring it in line, or remove the stale zone from this server");
    if let Some(n) = s.identity.nameservers.iter().find_map(|n| n.loc.clone()) {
        f = f.related(n, "this server's name servers are set here");
    }
    f
}
