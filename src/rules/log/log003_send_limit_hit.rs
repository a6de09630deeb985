//! LOG003: cPanel deferred or discarded a domain's outgoing mail for exceeding its hourly limit.

use crate::finding::Finding;
use crate::model::Server;
use crate::model::logs::Logs;

use super::{FAMILY, count, hour, span, tally_evidence};

rule!(
    LOG003,
    "send-limit-hit",
    Warning,
    None,
    None,
    [LOGS],
    "cPanel held back a domain's outgoing mail for exceeding its hourly send limit."
);

pub(super) fn check(s: &Server, logs: &Logs, out: &mut Vec<Finding>) {
    for (d, l) in &logs.limits {
        let (worst, n) = l
            .hours
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map_or((0, 0), |(h, n)| (*h, *n));
        let mut summary = format!(
            "{} held back since {} {}",
            count(l.tally.count, "message", "messages"),
            super::day(logs.since),
            span(&l.tally)
        );
        summary.push_str(&format!(
            ": {} deferred, {} discarded; most in {} ({n}), in {} of the period",
            l.deferred,
            l.discarded,
            hour(worst),
            count(l.hours.len() as u64, "hour", "hours"),
        ));
        let what = if l.discarded > 0 {
            "deferred or discarded"
        } else {
            "deferred"
        };
        let f = Finding::new(
            &LOG003,
            format!("cPanel {what} {d}'s outgoing mail for exceeding its hourly send limit"),
        )
        .domain(d.clone())
        .maybe_user(s.domains.get(d.as_str()).map(|i| i.user.clone()))
        .note("cPanel counts each domain's outgoing messages per hour (MAX_EMAIL_PER_HOUR); over the limit it defers them (\"Message will be reattempted later\"), and once the domain also passes the limit of failed deliveries it discards them")
        .note("a sudden burst usually means a compromised password or script (see LOG002); a steady need means the limit is too low for the account: raise it in WHM (Modify an Account, Maximum Hourly Email by Domain Relayed) rather than removing it")
        .evidence(tally_evidence(
            &l.tally,
            summary,
            vec![("deferred", l.deferred), ("discarded", l.discarded)],
        ));
        out.push(f);
    }
}
