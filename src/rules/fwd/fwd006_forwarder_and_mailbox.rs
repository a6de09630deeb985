//! FWD006: an address that is both forwarded and a mailbox: cPanel delivers to both.

use crate::finding::Finding;
use crate::parse::valiases::DestKind;

use super::{FAMILY, World, base_local_part, entry_loc, is_autoresponder};

rule!(
    FWD006,
    "forwarder-and-mailbox",
    Info,
    None,
    None,
    [LISTS, FORWARDERS, MAIL_ACCOUNTS],
    "An address that is both forwarded and a mailbox: cPanel delivers to both."
);

pub(super) fn check(w: &World<'_>, out: &mut Vec<Finding>) {
    for (d, file) in w.local_valiases() {
        for e in World::forwarders(file, d) {
            let Some(local) = e.key_local_part() else {
                continue;
            };
            // Exim looks forwarders up without the `+` suffix: a line for `box+tag@D` is
            // never used, whatever the mailboxes.
            if base_local_part(local) != local {
                continue;
            }
            if w.mailbox(local, d) != Some(true) {
                continue;
            }
            let delivers = |k: &DestKind| match k {
                DestKind::Address { local: l, domain } => {
                    format!("{}@{domain}", l.to_ascii_lowercase()) != e.key
                }
                DestKind::LocalUser(_) | DestKind::File(_) => true,
                DestKind::Pipe(_) => !is_autoresponder(k),
                _ => false,
            };
            let forwards = e.destinations.iter().any(|x| delivers(&x.kind));
            let special = e.destinations.iter().any(|x| {
                matches!(
                    x.kind,
                    DestKind::Fail(_) | DestKind::Defer(_) | DestKind::Blackhole
                )
            });
            if !forwards || special {
                continue;
            }
            out.push(
                Finding::new(
                    &FWD006,
                    format!(
                        "{} is both a forwarder and a mailbox: cPanel delivers each message to both",
                        e.key
                    ),
                )
                .domain(d)
                .maybe_user(w.user_of(d))
                .at(entry_loc(file, e))
                .label("forwarded, and also kept in the mailbox")
                .note(format!(
                    "cPanel's forwarder router is `unseen`: it sends the copies on and the message still goes into the mailbox {}. That is right when the mailbox is read or meant as an archive; otherwise the mailbox grows until it reaches its quota",
                    w.mailbox_path(local, d)
                ))
                .help("if only the forward is wanted, delete the mail account (its mail first) and keep the forwarder"),
            );
        }
    }
}
