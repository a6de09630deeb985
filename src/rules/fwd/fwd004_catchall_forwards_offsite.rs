//! FWD004: the default address forwards mail for unknown addresses to an external address.

use crate::finding::Finding;
use crate::parse::valiases::DestKind;

use super::{FAIL_TEXT, FAMILY, World, entry_loc, join_and};

rule!(
    FWD004,
    "catchall-forwards-offsite",
    Warning,
    None,
    None,
    [LISTS, FORWARDERS],
    "The default address forwards mail for unknown addresses to an external address."
);

pub(super) fn check(w: &World<'_>, out: &mut Vec<Finding>) {
    for (d, file) in w.local_valiases() {
        let Some((_, e)) = w.catch_all(d) else {
            continue;
        };
        let user = w.user_of(d);
        // A catch-all that only discards is FWD003.
        if let [only] = e.destinations.as_slice()
            && only.kind == DestKind::Blackhole
        {
            continue;
        }
        let external: Vec<String> = e
            .destinations
            .iter()
            .filter_map(|x| match &x.kind {
                DestKind::Address { local, domain } if !w.is_local(domain) => {
                    Some(format!("{local}@{domain}"))
                }
                _ => None,
            })
            .collect();
        if !external.is_empty() {
            out.push(
                Finding::new(
                    &FWD004,
                    format!(
                        "the default address of {d} forwards mail for every unknown address of {d} to {}",
                        join_and(&external)
                    ),
                )
                .domain(d)
                .maybe_user(user)
                .at(entry_loc(file, e))
                .label("catch-all forwarded off this server")
                .note(format!(
                    "spammers write to made-up addresses at {d}; the catch-all accepts all of them and this server passes the spam on. The receiving provider sees this server as its source: the forwarded mail is filtered or refused, and the server's IP address ends up on blocklists that hurt all mail it sends"
                ))
                .help(format!(
                    "set the default address of {d} to `{FAIL_TEXT}` (or to a local mailbox) and create forwarders for the addresses that need them"
                )),
            );
        }
    }
}
