//! FWD — forwarders (`etc/valiases`, `etc/vdomainaliases`) and filters (`etc/vfilters`,
//! per-mailbox and account filters), judged the way cPanel's Exim routers use them
//! (cpanel.md §3.2–3.4, §5.1).
//!
//! What happens to mail for `local@D`, D a local domain, follows the router order of cPanel's
//! Exim configuration:
//! 1. `virtual_aliases_nostar` looks the full address up in `etc/valiases/D` (keys without `@`,
//!    or with another domain, never match). It is `unseen`: the forwarded copies go out and the
//!    address goes on to the next routers.
//! 2. `virtual_user` delivers into the mailbox when `HOME/mail/D/local` exists.
//! 3. `has_alias_but_no_mailbox_discarded_to_prevent_loop` drops the address when it has a
//!    forwarder and no mailbox (unless every destination is an autoresponder and the default
//!    address is not `:fail:`): the catch-all never sees a forwarded address.
//! 4. `valias_domain_file` sends it on to `local@T` when `etc/vdomainaliases/D` says `D: T`.
//! 5. `virtual_aliases` applies the default address `*:` (the catch-all): forward, `:fail:`,
//!    `:blackhole:` or a local user (the account's main mailbox).
//! 6. Nothing else routes a virtual domain: without a catch-all the mail bounces as unrouteable.
//!
//! Local parts are taken as those routers take them (the options of cPanel's generated
//! configuration, `testdata/corpus/exim/cpanel/`): in lower case (no `caseful_local_part`), and
//! with `local_part_suffix = +*` and `local_part_suffix_optional` on `virtual_aliases_nostar`,
//! `virtual_user` and `has_alias_but_no_mailbox_discarded_to_prevent_loop`: everything from the
//! first `+` on is a suffix those routers drop, so mail for `box+tag@D` goes to the forwarder or
//! the mailbox of `box@D` ([`base_local_part`]; a forwarder line for `box+tag@D` itself is never
//! matched). `valias_domain_file` has no suffix option: domain forwarding keeps the whole local
//! part (`box+tag@T`), and the default address applies to any local part.
//!
//! Exim cuts a forwarding loop when an address comes back to a router that already handled it,
//! so a loop does not run forever: the message reaches the mailboxes along it, once each.
//!
//! Decisions where the specification is silent: a domain is *local* when it is in
//! `etc/localdomains` (when the tree has no routing lists, as an account backup, every account
//! domain counts as local); whether a mailbox exists is known only when the account's home is in
//! the tree (it has at least one directory under `HOME/mail` or `HOME/etc`); rules that depend on
//! a mailbox being absent stay silent otherwise. FWD001 follows forwarders, domain forwarding and
//! catch-alls (not `:include:` files or pipes) and reports at least one loop per group of
//! addresses that lead to each other. FWD007's fix raises the deletion threshold to a score of 10,
//! the lenient value cPanel's documentation suggests; it edits `etc/vfilters` only, since
//! maillint never writes into an account's home.

use std::collections::HashMap;

use crate::finding::{Finding, Loc};
use crate::model::{Parsed, Server};
use crate::parse::valiases::{AliasEntry, Aliases, DestKind};
use crate::rules::{Rule, Selection};
use crate::text::join_and;

/// The family of these rules in `maillint rules` (used by `rule!`).
const FAMILY: &str = "forwarders";

mod fwd001_forwarder_loop;
mod fwd002_forward_to_missing_address;
mod fwd003_catchall_blackhole;
mod fwd004_catchall_forwards_offsite;
mod fwd005_forwarders_on_remote_domain;
mod fwd006_forwarder_and_mailbox;
mod fwd007_spam_autodelete_aggressive;

pub use fwd001_forwarder_loop::FWD001;
pub use fwd002_forward_to_missing_address::FWD002;
pub use fwd003_catchall_blackhole::FWD003;
pub use fwd004_catchall_forwards_offsite::FWD004;
pub use fwd005_forwarders_on_remote_domain::FWD005;
pub use fwd006_forwarder_and_mailbox::FWD006;
pub use fwd007_spam_autodelete_aggressive::FWD007;

pub static RULES: &[&Rule] = &[
    &FWD001, &FWD002, &FWD003, &FWD004, &FWD005, &FWD006, &FWD007,
];

const FAIL_TEXT: &str = ":fail: No Such User Here";

/// A rule's check over the forwarding world.
type Check = fn(&World<'_>, &mut Vec<Finding>);

pub fn check(s: &Server, sel: &Selection, out: &mut Vec<Finding>) {
    let w = World::new(s);
    let rules: [(&Rule, Check); 7] = [
        (&FWD001, fwd001_forwarder_loop::check),
        (&FWD002, fwd002_forward_to_missing_address::check),
        (&FWD003, fwd003_catchall_blackhole::check),
        (&FWD004, fwd004_catchall_forwards_offsite::check),
        (&FWD005, fwd005_forwarders_on_remote_domain::check),
        (&FWD006, fwd006_forwarder_and_mailbox::check),
        (&FWD007, fwd007_spam_autodelete_aggressive::check),
    ];
    for (rule, check) in rules {
        if sel.on(rule) {
            check(&w, out);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Where mail for an address goes

struct World<'a> {
    s: &'a Server,
    /// The line Exim finds for each key of each valiases file (the first that is not indented).
    keys: HashMap<&'a str, HashMap<&'a str, &'a AliasEntry>>,
}

type Entry<'a> = (&'a Parsed<Aliases>, &'a AliasEntry);

/// The first router that takes `local@D` (see the module documentation).
enum Route<'a> {
    /// A forwarder. `continues`: every destination is an autoresponder and the default address
    /// does not fail, so the address also goes on to domain forwarding and the catch-all.
    Forward {
        entry: Entry<'a>,
        continues: bool,
    },
    Mailbox,
    /// `etc/vdomainaliases/D`: `D: T`.
    Alias {
        entry: Entry<'a>,
        target: &'a str,
    },
    CatchAll(Entry<'a>),
    /// No catch-all: unrouteable.
    Unrouteable,
    /// Whether a mailbox exists is unknown (the account's home is not in the tree).
    Unknown,
}

/// The local part cPanel's forwarder and mailbox routers look up for `local`: without the
/// optional suffix `+*` (from the first `+` on, as Exim's wildcard suffix matching finds it).
pub(super) fn base_local_part(local: &str) -> &str {
    local.split_once('+').map_or(local, |(base, _)| base)
}

fn is_autoresponder(kind: &DestKind) -> bool {
    matches!(kind, DestKind::Pipe(cmd) if cmd.contains("/autorespond"))
}

impl<'a> World<'a> {
    fn new(s: &'a Server) -> World<'a> {
        let mut keys: HashMap<&str, HashMap<&str, &AliasEntry>> = HashMap::new();
        for (d, file) in &s.valiases {
            let map = keys.entry(d.as_str()).or_default();
            for e in file.doc.entries().filter(|e| !e.indented) {
                map.entry(e.key.as_str()).or_insert(e);
            }
        }
        World { s, keys }
    }

    /// Whether Exim delivers the domain here.
    fn is_local(&self, d: &str) -> bool {
        match &self.s.lists.local {
            Some(_) => self.s.lists.in_local(d),
            None => self.s.domains.contains_key(d),
        }
    }

    fn user_of(&self, d: &str) -> Option<String> {
        self.s.domains.get(d).map(|i| i.user.clone())
    }

    /// Whether mail for `local@d` goes into a mailbox (the one of its [`base_local_part`], in
    /// lower case); `None` when the account's home is not in the tree.
    fn mailbox(&self, local: &str, d: &str) -> Option<bool> {
        let account = self.s.account_of(d)?;
        if account.mail.is_empty() {
            return None;
        }
        let base = base_local_part(local).to_ascii_lowercase();
        Some(account.mail.get(d).is_some_and(|m| m.mailbox_exists(&base)))
    }

    /// The mailbox directory of an address, for messages (that of its [`base_local_part`]).
    fn mailbox_path(&self, local: &str, d: &str) -> String {
        let local = base_local_part(local).to_ascii_lowercase();
        let home = self
            .s
            .account_of(d)
            .and_then(|a| a.home.clone())
            .unwrap_or_else(|| "HOME".into());
        format!("{home}/mail/{d}/{local}")
    }

    /// The forwarder line Exim finds for `local@d`: the full-address key of its
    /// [`base_local_part`], in lower case (an indented line is a continuation for Exim, never a
    /// key).
    fn entry(&self, local: &str, d: &str) -> Option<Entry<'a>> {
        let file = self.s.valiases.get(d)?;
        let base = base_local_part(local).to_ascii_lowercase();
        let e = self.keys.get(d)?.get(format!("{base}@{d}").as_str())?;
        Some((file, *e))
    }

    fn catch_all(&self, d: &str) -> Option<Entry<'a>> {
        let file = self.s.valiases.get(d)?;
        let e = self.keys.get(d)?.get("*")?;
        Some((file, *e))
    }

    fn domain_alias(&self, d: &str) -> Option<(Entry<'a>, &'a str)> {
        let file = self.s.vdomainaliases.get(d)?;
        file.doc
            .entries()
            .filter(|e| !e.indented && e.key == d)
            .find_map(|e| match e.destinations.first().map(|x| &x.kind) {
                Some(DestKind::Domain(t)) => Some(((file, e), t.as_str())),
                _ => None,
            })
    }

    fn catch_all_fails(&self, d: &str) -> bool {
        self.catch_all(d).is_some_and(|(_, e)| {
            e.destinations
                .iter()
                .any(|x| matches!(x.kind, DestKind::Fail(_)))
        })
    }

    fn route(&self, local: &str, d: &str) -> Route<'a> {
        let mailbox = self.mailbox(local, d);
        if let Some(entry) = self.entry(local, d) {
            let continues = mailbox == Some(false)
                && !entry.1.destinations.is_empty()
                && entry
                    .1
                    .destinations
                    .iter()
                    .all(|x| is_autoresponder(&x.kind))
                && !self.catch_all_fails(d);
            return Route::Forward { entry, continues };
        }
        self.fall_through(mailbox, d)
    }

    /// What happens to an address without forwarder, given whether it has a mailbox.
    fn fall_through(&self, mailbox: Option<bool>, d: &str) -> Route<'a> {
        match mailbox {
            Some(true) => Route::Mailbox,
            None => Route::Unknown,
            Some(false) => {
                if let Some((entry, target)) = self.domain_alias(d) {
                    Route::Alias { entry, target }
                } else if let Some(entry) = self.catch_all(d) {
                    Route::CatchAll(entry)
                } else {
                    Route::Unrouteable
                }
            }
        }
    }

    /// The valiases files of local domains, with their domain.
    fn local_valiases(&self) -> impl Iterator<Item = (&'a str, &'a Parsed<Aliases>)> + '_ {
        self.s
            .valiases
            .iter()
            .filter(|(d, _)| self.is_local(d))
            .map(|(d, f)| (d.as_str(), f))
    }

    /// Forwarders Exim can match in the file of `d`: full-address keys of `d`.
    fn forwarders(file: &'a Parsed<Aliases>, d: &str) -> impl Iterator<Item = &'a AliasEntry> {
        let d = d.to_string();
        file.doc
            .entries()
            .filter(move |e| !e.indented && !e.is_catch_all() && e.key_domain() == Some(&d))
    }
}

fn entry_loc(file: &Parsed<Aliases>, e: &AliasEntry) -> Loc {
    let end = e.destinations.last().map_or(e.colon_span, |x| x.span);
    file.loc(e.key_span.join(end))
}

fn dest_loc(file: &Parsed<Aliases>, e: &AliasEntry, dest: crate::source::Span) -> Loc {
    file.loc(e.key_span.join(dest))
}
