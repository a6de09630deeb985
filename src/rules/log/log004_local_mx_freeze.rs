//! LOG004: Exim froze mail for a domain whose MX is this server, because the domain is not
//! local (not in `etc/localdomains`, or sent elsewhere by `etc/manualmx`).

use crate::finding::{Finding, Fix};
use crate::model::Server;
use crate::model::logs::Logs;

use super::{FAMILY, count, span, tally_evidence};

rule!(
    LOG004,
    "local-mx-freeze",
    Error,
    None,
    Unsafe,
    [LOGS, LISTS],
    "Mail frozen because the domain's MX points to this server but the domain is not local."
);

pub(super) fn check(s: &Server, logs: &Logs, out: &mut Vec<Finding>) {
    for (d, t) in &logs.local_mx {
        let in_manualmx = s
            .manualmx
            .as_ref()
            .is_some_and(|mm| mm.doc.entries().any(|e| e.key.eq_ignore_ascii_case(d)));
        let local = s.lists.in_local(d);
        // Once the domain is local (and no manualmx line overrides it), the configuration has
        // been repaired since: nothing to report about it.
        if local && !in_manualmx {
            continue;
        }
        let why = if in_manualmx {
            "etc/manualmx sends its mail to a host that is this server"
        } else if s.lists.local.is_none() {
            "the tree has no etc/localdomains"
        } else {
            "it is not in etc/localdomains"
        };
        let summary = format!(
            "{} since {} {}",
            count(t.count, "line", "lines"),
            super::day(logs.since),
            span(t)
        );
        let mut f = Finding::new(
            &LOG004,
            format!("Exim freezes mail for {d}: its MX points to this server, but {why}"),
        )
        .domain(d.clone())
        .maybe_user(s.domains.get(d.as_str()).map(|i| i.user.clone()))
        .note("Exim looks up the MX of a domain it does not treat as local, finds itself (\"lowest numbered MX record points to local host\") and freezes the message rather than send it to itself: the mail waits in the queue, undelivered, until it times out and bounces")
        .note("after the fix, deliver the frozen messages: exim -qff (or thaw them one by one with exim -Mt ID)")
        .evidence(tally_evidence(t, summary, Vec::new()));
        let message = if in_manualmx {
            format!("route {d} locally: remove its etc/manualmx line, add it to etc/localdomains")
        } else {
            format!("route {d} locally: add it to etc/localdomains")
        };
        match crate::rules::routing::local_fix(s, d, message) {
            Some(fix) => f = f.fix(fix),
            None => {
                f = f.fix(Fix::display_only(format!(
                    "{d} belongs to no account here: if this server hosts its mail, add it to an account (cPanel then puts it in etc/localdomains); if not, change its MX records to the server that does"
                )))
            }
        }
        out.push(f);
    }
}
