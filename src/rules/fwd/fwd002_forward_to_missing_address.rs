//! FWD002: a forwarder to a local-domain address with no mailbox, no forwarder and a failing
//! catch-all.

use std::collections::BTreeSet;

use crate::finding::Finding;
use crate::parse::valiases::DestKind;

use super::{Entry, FAMILY, Route, World, base_local_part, dest_loc, entry_loc};

rule!(
    FWD002,
    "forward-to-missing-address",
    Error,
    None,
    None,
    [LISTS, FORWARDERS, MAIL_ACCOUNTS],
    "A forwarder to a local address with no mailbox, no forwarder and a failing catch-all."
);

/// Where the address finally is, why it bounces, and the domain forwarding on the way.
type BounceWay<'a> = (String, Bounce<'a>, Vec<(Entry<'a>, String)>);

/// Why mail to an address bounces.
enum Bounce<'a> {
    /// The default address fails (`:fail: text`).
    Fails(Entry<'a>, String),
    /// No default address.
    NoRoute,
}

impl<'a> World<'a> {
    /// Whether mail to `local@d` bounces because the address does not exist, with the domain
    /// forwarding lines on the way.
    fn bounces(&self, local: &str, d: &str) -> Option<BounceWay<'a>> {
        let mut via = Vec::new();
        let mut seen = BTreeSet::new();
        let mut d = d.to_string();
        loop {
            if !self.is_local(&d) || !seen.insert(d.clone()) {
                return None;
            }
            match self.route(local, &d) {
                Route::Alias { entry, target } => {
                    via.push((entry, target.to_string()));
                    d = target.to_string();
                }
                Route::CatchAll((file, e)) => {
                    let only_fail = match e.destinations.as_slice() {
                        [x] => match &x.kind {
                            DestKind::Fail(text) => Some(text.clone()),
                            _ => None,
                        },
                        _ => None,
                    };
                    return only_fail.map(|t| (d, Bounce::Fails((file, e), t), via));
                }
                Route::Unrouteable => return Some((d, Bounce::NoRoute, via)),
                _ => return None,
            }
        }
    }
}

pub(super) fn check(w: &World<'_>, out: &mut Vec<Finding>) {
    for (d, file) in w.local_valiases() {
        let sources = World::forwarders(file, d).chain(
            file.doc
                .entries()
                .filter(|e| !e.indented && e.is_catch_all())
                .take(1),
        );
        for e in sources {
            for dest in &e.destinations {
                let DestKind::Address { local, domain } = &dest.kind else {
                    continue;
                };
                let local = local.to_ascii_lowercase();
                if e.key == format!("{local}@{domain}") {
                    continue; // a loop: FWD001
                }
                let Some((final_d, why, via)) = w.bounces(&local, domain) else {
                    continue;
                };
                let target = format!("{local}@{final_d}");
                let written = format!("{local}@{domain}");
                let source = if e.is_catch_all() {
                    format!("the default address of {d}")
                } else {
                    e.key.clone()
                };
                let consequence = if e.is_catch_all() {
                    format!("mail to every unknown address of {d} bounces")
                } else if e.destinations.len() > 1 {
                    "the copy sent there bounces".to_string()
                } else {
                    format!("mail to {} bounces", e.key)
                };
                let reason = match &why {
                    Bounce::Fails(..) => format!("the default address of {final_d} fails it"),
                    Bounce::NoRoute => {
                        format!("{final_d} has no default address, so Exim finds no route")
                    }
                };
                let to = if target == written {
                    written.clone()
                } else {
                    format!("{written} (domain-forwarded to {target})")
                };
                let mut f = Finding::new(
                    &FWD002,
                    format!(
                        "{source} forwards to {to}, which has no mailbox and no forwarder: {reason}, and {consequence}"
                    ),
                )
                .domain(d)
                .maybe_user(w.user_of(d))
                .at(dest_loc(file, e, dest.span))
                .label(format!("forwards to {written}"));
                for ((af, ae), t) in &via {
                    f = f.related(
                        entry_loc(af, ae),
                        format!("{} forwards every address to {t}", ae.key),
                    );
                }
                match &why {
                    Bounce::Fails((cf, ce), text) => {
                        f = f.related(
                            entry_loc(cf, ce),
                            format!(
                                "the default address of {final_d} fails unknown addresses (\"{text}\")"
                            ),
                        );
                    }
                    Bounce::NoRoute => {}
                }
                let base = base_local_part(&local);
                let looked_up = if base == local {
                    target.clone()
                } else {
                    format!(
                        "{target} is delivered as {base}@{final_d} (cPanel's routers drop the `+` suffix), which"
                    )
                };
                f = f.note(format!(
                    "{looked_up} has no mailbox ({} does not exist) and no line in etc/valiases/{final_d}; the sender gets a bounce, and a sender who forwarded nothing never learns why",
                    w.mailbox_path(&local, &final_d)
                ));
                out.push(f.help(format!(
                    "create the mailbox or a forwarder for {target}, or point {source} at an address that exists"
                )));
            }
        }
    }
}
