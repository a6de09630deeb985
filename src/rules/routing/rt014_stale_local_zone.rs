//! RT014 (with `--resolve`): the zone on this server is not what the Internet sees: the public
//! MX, SPF, DKIM (`default._domainkey`) or DMARC records differ from the local zone's, or the
//! public NS records name none of this server's name servers. cPanel detects routing (and
//! maillint's offline rules judge) from a zone nobody else reads. Lookups that failed are left to
//! DNS001 and not compared.

use std::collections::BTreeSet;

use crate::dns::{Answer, QType, Rdata};
use crate::finding::{Finding, Loc};
use crate::model::Server;
use crate::parse::zone::{RData, RType};

use super::{Ctx, FAMILY, join_and};

rule!(
    RT014,
    "stale-local-zone",
    Warning,
    None,
    None,
    [LISTS, ZONES, MAIL_DOMAINS],
    "Public DNS serves other MX, SPF, DKIM or DMARC records than the zone here (--resolve)."
);

/// One record set that differs: what it is, the local and the public values, and where the
/// local records are.
struct Diff {
    what: String,
    local: Vec<String>,
    public: Vec<String>,
    locs: Vec<Loc>,
}

pub(super) fn check(c: &Ctx<'_>, out: &mut Vec<Finding>) {
    let s = c.s;
    let d = c.domain;
    let Some(view) = &s.public else { return };
    if !view.covers(d) || !s.is_mail_domain(d) {
        return;
    }
    let Some(zone) = s.zone_of(d) else { return };
    let mut diffs: Vec<Diff> = Vec::new();
    // The domain does not exist publicly at all.
    if s.public_answer(d, QType::Mx) == Some(&Answer::NxDomain) {
        let mut f = c
            .finding(
                &RT014,
                format!("public DNS says {d} does not exist (NXDOMAIN), but this server has a zone for it"),
            )
            .at(zone.loc(zone_anchor(zone)))
            .note(format!("judged from public DNS (asked through {}): the domain is not delegated, or its registration lapsed; cPanel still routes and signs for it from this zone", view.source));
        f = f.help("renew or delegate the domain, or remove the account domain and its zone from this server");
        out.push(f);
        return;
    }
    // MX.
    if let Some(Answer::Records(_) | Answer::NoData) = s.public_answer(d, QType::Mx) {
        let local_recs = s.records_of(d, RType::Mx);
        let local: BTreeSet<String> = local_recs
            .iter()
            .filter_map(|r| match &r.record.data {
                RData::Mx {
                    preference,
                    exchange,
                    ..
                } => Some(format!("{preference} {}", norm_name(&exchange.name))),
                _ => None,
            })
            .collect();
        let public: BTreeSet<String> = s
            .public_answer(d, QType::Mx)
            .map(|a| {
                a.records()
                    .iter()
                    .filter_map(|r| match r {
                        Rdata::Mx {
                            preference,
                            exchange,
                        } => Some(format!("{preference} {exchange}")),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        if local != public {
            diffs.push(Diff {
                what: "MX".into(),
                local: local.into_iter().collect(),
                public: public.into_iter().collect(),
                locs: local_recs.iter().map(|r| r.loc()).collect(),
            });
        }
    }
    // SPF, DKIM, DMARC.
    let dkim = format!("{}._domainkey.{d}", crate::dns::DKIM_SELECTOR);
    let dmarc = format!("_dmarc.{d}");
    for (what, name, spf_only) in [
        ("SPF", d.to_string(), true),
        ("DKIM (selector default)", dkim, false),
        ("DMARC", dmarc, false),
    ] {
        let Some(answer @ (Answer::Records(_) | Answer::NoData | Answer::NxDomain)) =
            s.public_answer(&name, QType::Txt)
        else {
            continue;
        };
        let keep = |t: &str| !spf_only || crate::parse::spf::is_spf(t);
        let public: BTreeSet<String> = answer
            .txts()
            .iter()
            .filter(|t| keep(t))
            .map(|t| norm_txt(t))
            .collect();
        let (local, locs) = local_txt(s, &name, &keep);
        if local.iter().map(|t| norm_txt(t)).collect::<BTreeSet<_>>() != public {
            diffs.push(Diff {
                what: what.to_string(),
                local,
                public: answer.txts().into_iter().filter(|t| keep(t)).collect(),
                locs,
            });
        }
    }
    // NS: none of this server's name servers.
    let ours = s.identity.nameserver_names();
    let mut ns_elsewhere = None;
    if !ours.is_empty()
        && let Some(Answer::Records(rs)) = s.public_answer(d, QType::Ns)
    {
        let names: Vec<String> = rs
            .iter()
            .filter_map(|r| match r {
                Rdata::Ns(n) => Some(n.clone()),
                _ => None,
            })
            .collect();
        if !names.is_empty() && !names.iter().any(|n| ours.contains(&n.as_str())) {
            ns_elsewhere = Some(names);
        }
    }
    if diffs.is_empty() && ns_elsewhere.is_none() {
        return;
    }
    let mut parts: Vec<String> = diffs.iter().map(|x| x.what.clone()).collect();
    if ns_elsewhere.is_some() {
        parts.push("NS".into());
    }
    let loc = diffs
        .iter()
        .find_map(|x| x.locs.first().cloned())
        .unwrap_or_else(|| zone.loc(zone_anchor(zone)));
    let mut f = c
        .finding(
            &RT014,
            format!(
                "the zone of {d} here is not what the Internet sees: public DNS differs in {}",
                join_and(&parts.iter().map(String::as_str).collect::<Vec<_>>())
            ),
        )
        .at(loc.clone())
        .label("local zone");
    f = f.note(format!(
        "judged by comparing the local zone {} with public DNS (asked through {})",
        zone.path(),
        view.source
    ));
    if let Some(names) = &ns_elsewhere {
        f = f.note(format!(
            "public NS: {}, none of this server's name servers ({}): the Internet asks those servers, not this zone",
            join_and(&names.iter().map(String::as_str).collect::<Vec<_>>()),
            join_and(&ours)
        ));
    }
    for x in &diffs {
        let show = |v: &[String]| {
            if v.is_empty() {
                "none".to_string()
            } else {
                v.iter()
                    .map(|t| format!("\"{t}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        f = f.note(format!(
            "{}: local zone {}; public DNS {}",
            x.what,
            show(&x.local),
            show(&x.public)
        ));
        for l in x.locs.iter().filter(|l| **l != loc).take(3) {
            f = f.related(l.clone(), format!("{} record of the local zone", x.what));
        }
    }
    f = f.help(format!(
        "cPanel's Automatically Detect, its Email Deliverability checks and maillint's offline rules read this zone file: bring it in line with the records of the real DNS host, or remove the stale zone; set {d}'s routing by hand meanwhile"
    ));
    out.push(f);
}

/// The first record of a zone (its SOA, usually), for findings about the whole zone.
fn zone_anchor(zone: &crate::model::Parsed<crate::parse::zone::Zone>) -> crate::source::Span {
    zone.doc
        .records()
        .next()
        .map(|r| r.owner.span.unwrap_or(r.rtype_span).join(r.rdata_span))
        .unwrap_or_default()
}

fn norm_name(n: &str) -> String {
    crate::dns::normalize(n)
}

/// TXT values compared without white space differences (DKIM keys are split anywhere) and
/// without case.
fn norm_txt(t: &str) -> String {
    t.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase()
}

/// The TXT values of a name in the local zone that `keep` accepts, with their records.
fn local_txt(s: &Server, name: &str, keep: &dyn Fn(&str) -> bool) -> (Vec<String>, Vec<Loc>) {
    let mut values = Vec::new();
    let mut locs = Vec::new();
    for r in s.records_of(name, RType::Txt) {
        if let Some(reading) = s.txt.get(r.record) {
            let t = reading.text.text().to_string();
            if keep(&t) {
                values.push(t);
                locs.push(r.loc());
            }
        }
    }
    (values, locs)
}
