//! RT003: a domain in routing lists that contradict each other.

use crate::finding::{Finding, Fix};
use crate::model::Server;
use crate::rules::edit;

use super::{FAMILY, REMOTE};

rule!(
    RT003,
    "routing-list-conflict",
    Error,
    None,
    SafeOrUnsafe,
    [LISTS],
    "A domain in lists that contradict each other."
);

/// RT003: contradictory lists.
pub(super) fn check(s: &Server, out: &mut Vec<Finding>) {
    let l = &s.lists;
    let owner = |d: &str| s.domains.get(d).map(|i| i.user.clone());
    if let Some(remote) = &l.remote {
        for (_, _, e) in remote.entries() {
            if l.in_local(&e.domain) {
                out.push(
                    Finding::new(
                        &RT003,
                        format!("{} is in both etc/localdomains and etc/remotedomains", e.domain),
                    )
                    .domain(&e.domain)
                    .maybe_user(owner(&e.domain))
                    .at(remote.loc(e.key))
                    .note("Exim reads only etc/localdomains and delivers locally; cPanel's tools read the pair as contradictory and may undo either on their next change")
                    .fix(Fix::safe("remove it from etc/remotedomains (Exim does not read that file, so delivery does not change)").edits(edit::list_remove(remote, &e.domain))),
                );
            }
        }
    }
    if let Some(sec) = &l.secondary {
        for (_, _, e) in sec.entries() {
            if l.in_local(&e.domain) {
                out.push(
                    Finding::new(
                        &RT003,
                        format!("{} is in both etc/localdomains and etc/secondarymx", e.domain),
                    )
                    .domain(&e.domain)
                    .maybe_user(owner(&e.domain))
                    .at(sec.loc(e.key))
                    .note("local delivery wins, but Exim also applies the backup-MX retry rules of etc/secondarymx to it")
                    .fix(Fix::unsafe_("remove it from etc/secondarymx").edits(edit::list_remove(sec, &e.domain))),
                );
            } else if !l.in_remote(&e.domain) {
                out.push(
                    Finding::new(
                        &RT003,
                        format!("{} is in etc/secondarymx but not in etc/remotedomains", e.domain),
                    )
                    .domain(&e.domain)
                    .maybe_user(owner(&e.domain))
                    .at(sec.loc(e.key))
                    .note("Exim relays it as a backup MX, but cPanel does not count it as one: its routing page and tools show no routing for it")
                    .fix(Fix::safe("add it to etc/remotedomains, as cPanel records a backup MX (Exim does not read that file)").edit(edit::list_append(l.remote.as_deref(), REMOTE, &e.domain))),
                );
            }
        }
    }
}
