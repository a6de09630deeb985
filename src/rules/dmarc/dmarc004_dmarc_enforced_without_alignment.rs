//! DMARC004: `p=quarantine` or `reject` while this server's mail passes neither SPF nor DKIM.

use crate::finding::Finding;
use crate::model::dkim::Verdict;
use crate::model::spf::Outcome;
use crate::parse::dmarc::Policy;

use super::{DmarcAt, Dom, FAMILY};

rule!(
    DMARC004,
    "dmarc-enforced-without-alignment",
    Warning,
    None,
    None,
    [ZONES, MAIL_DOMAINS, DKIM_KEYS],
    "p=quarantine or reject while this server's mail passes neither SPF nor DKIM."
);

/// DMARC004: the policy is enforced, and this server's mail passes neither SPF nor DKIM.
pub(super) fn check(
    dom: &Dom<'_>,
    r: &DmarcAt<'_>,
    policy: Policy,
    tag: &str,
    parent: Option<&str>,
    out: &mut Vec<Finding>,
) {
    let (s, d) = (dom.s, dom.name.as_str());
    let (verb, done) = match policy {
        Policy::None => return,
        Policy::Quarantine => ("quarantine", "quarantined"),
        Policy::Reject => ("reject", "rejected"),
    };
    let Some(ip) = s.mail_ip(d) else {
        return;
    };
    let spf = s.check_spf(d, ip);
    if !spf.is_certain() || spf.outcome == Outcome::Pass {
        return;
    }
    let dkim = s.dkim(d);
    let Verdict::Fail(dkim_why, dkim_loc) = dkim.verdict() else {
        return;
    };
    let whose = match parent {
        Some(p) => format!("the DMARC record of {p}, which covers {d},"),
        None => format!("the DMARC record of {d}"),
    };
    let spf_why = match &spf.outcome {
        Outcome::None => format!("{d} has no SPF record"),
        Outcome::PermError(e) => format!("its SPF record gives permerror ({e})"),
        o => match &spf.decided_by {
            Some((at, term)) => format!(
                "its SPF record gives {} for {ip} (decided by `{term}` of {at})",
                o.name()
            ),
            None => format!("its SPF record gives {} for {ip}", o.name()),
        },
    };
    let mut f = dom.finding(
        &DMARC004,
        format!(
            "{whose} asks receivers to {verb} mail that fails DMARC, and mail this server sends \
             for {d} passes neither SPF nor DKIM"
        ),
    )
    .at(r.tag_loc(tag))
    .label(format!("{tag}={verb}"))
    .note(format!(
        "SPF: {spf_why}; {ip} is the address this server sends {d}'s mail from"
    ))
    .note(format!("DKIM: {dkim_why}"))
    .note(format!(
        "so legitimate mail from here (webmail, scripts and contact forms, forwarders) is \
         {done} by receivers that apply DMARC"
    ));
    if let Some(spf_rec) = s.spf_records(d).and_then(|v| v.into_iter().next()) {
        f = f.related(
            spf_rec.record_loc(),
            format!("SPF record: {} for {ip}", spf.outcome.name()),
        );
    }
    if let Some(loc) = dkim_loc {
        f = f.related(loc, "DKIM: fails for this server's mail");
    }
    if r.rec.pct() < 100 {
        f = f.note(format!(
            "pct={}: RFC 7489 receivers apply the policy to that share of failing mail",
            r.rec.pct()
        ));
    }
    for n in r.tag_notes() {
        f = f.note(n);
    }
    out.push(f.help(format!(
        "authorise {ip} in the SPF record of {d} (SPF006) or publish the server's DKIM key \
         (DKIM001, DKIM002) before enforcing; until then, p=none keeps the reports without \
         losing mail"
    )));
}
