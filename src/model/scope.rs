//! Scoped runs (`--domain D`, the WHM hook): the model of the part of the server that concerns a
//! few domains, read without reading the whole server.
//!
//! A scoped run reads the server-wide files whole (the routing lists, `etc/userdomains`,
//! `etc/trueuserdomains`, `etc/domainusers`, the server's identity, the Exim configuration), and
//! of the per-account and per-domain files only those of its [`Scope`]: the cpuser, userdata,
//! mail account and filter files of its accounts, and the zone, forwarder, filter and DKIM key
//! files of its domains, each looked up by name (a directory of thousands of entries is never
//! listed).
//!
//! The scope starts from the wanted domains (and the hook event's user) and grows to a fixed
//! point ([`load_scoped`]), so that every rule sees, for the wanted domains, what the whole run
//! sees:
//!
//! - every domain's parent domains (a subdomain's records live in its parent's zone);
//! - the owners of every domain of the scope, as `etc/userdomains`, `etc/trueuserdomains` and
//!   `etc/domainusers` name them, and every domain of those accounts;
//! - every name the scope's zones, forwarders and filters mention (MX, NS, CNAME and SPF targets,
//!   forwarding addresses): a forwarder to `bob@example.org` loads example.org's account, so
//!   FWD002 sees bob's mailbox, and a loop through other domains is followed to its end.
//!
//! When the scope cannot be trusted to hold what the whole run would see, the run reads the
//! whole server instead ([`load_scoped`] says when): a scoped run may be slower, never wrong.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use crate::model::{Needs, Options, Server, load};
use crate::tree::Overlay;

/// The accounts and domains a scoped run reads.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    /// Accounts: `var/cpanel/users/USER`, their userdata and home files.
    pub users: BTreeSet<String>,
    /// Domains: `var/named/D.db`, `etc/valiases/D`, `etc/vdomainaliases/D`, `etc/vfilters/D`,
    /// `var/cpanel/domain_keys/public/D`.
    pub domains: BTreeSet<String>,
}

/// More than this many accounts or domains in the scope: the whole server is read instead (a
/// scope that large costs about as much, and each round of growing it re-reads it).
const MAX_USERS: usize = 64;
const MAX_DOMAINS: usize = 2048;
/// Rounds of growing the scope before giving up and reading the whole server.
const MAX_ROUNDS: usize = 8;

/// Why a scoped run read the whole server (for the hook's log and tests).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Widened {
    /// The scope held: only it was read.
    No,
    /// The whole server was read, for this reason.
    Whole(String),
}

/// Loads the model for a run scoped to `domains` (lower case, no final dot), with `users` (the
/// hook event's account) added to the scope. See the module documentation; also returns whether
/// the whole server had to be read.
///
/// The whole server is read when the scope grows past [`MAX_USERS`] or [`MAX_DOMAINS`] or does
/// not settle in [`MAX_ROUNDS`] rounds; when no account of the scope owns a wanted domain (a
/// domain of no account, such as the host name or a zone left behind, or one whose owner the
/// ownership files do not name: only the whole run can tell, and find the `MXCHECK-` keys other
/// accounts keep for it); and when the domain of an address a forwarder or filter of the scope
/// sends to is in a routing list or an ownership file but no account of the scope owns it (its
/// owner may be an account a stale `etc/userdomains` does not name: FWD002 must not call its
/// mailboxes missing).
pub fn load_scoped(
    path: Option<&Path>,
    opts: &Options,
    overlay: &Overlay,
    domains: &[String],
    users: &[String],
) -> Result<(Server, Widened), String> {
    let mut scope = Scope {
        users: users.iter().cloned().collect(),
        domains: BTreeSet::new(),
    };
    for d in domains {
        add_with_parents(&mut scope.domains, d);
    }
    let wanted: BTreeSet<String> = domains.iter().cloned().collect();
    let owners = Owners::read(path, overlay);
    // The rounds that grow the scope read only what growing it needs (no routing list, no Exim
    // configuration); the last reads everything the rules need, once.
    let growing = opts.needs.without(
        Needs::ALL
            .without(Needs::ZONES | Needs::FORWARDERS | Needs::FILTERS | Needs::MAIL_ACCOUNTS),
    );
    let load_with = |scope: &Scope, needs: Needs| {
        let mut o = opts.clone();
        o.scope = Some(Arc::new(scope.clone()));
        o.needs = needs;
        load(path, &o, overlay)
    };
    let why = 'grow: {
        let mut full = false;
        for _ in 0..MAX_ROUNDS {
            let s = load_with(&scope, if full { opts.needs } else { growing })?;
            if s.is_account_backup() {
                return Ok((load(path, opts, overlay)?, Widened::No));
            }
            let (next, addressed) = grow(&s, &scope, &owners);
            if next == scope {
                if !full {
                    full = true;
                    continue;
                }
                if let Some(d) = wanted.iter().find(|d| !s.domains.contains_key(*d)) {
                    break 'grow format!("no account the ownership files name owns {d}");
                }
                if let Some(d) = addressed.iter().find(|d| unowned_but_known(&s, d)) {
                    break 'grow format!(
                        "{d} is named in the routing lists or ownership files, and no account \
                         they name owns it"
                    );
                }
                return Ok((s, Widened::No));
            }
            if next.users.len() > MAX_USERS || next.domains.len() > MAX_DOMAINS {
                break 'grow format!(
                    "the domains concern {} accounts and {} domains",
                    next.users.len(),
                    next.domains.len()
                );
            }
            scope = next;
        }
        format!("the scope did not settle in {MAX_ROUNDS} rounds")
    };
    let mut o = opts.clone();
    o.scope = None;
    Ok((load(path, &o, overlay)?, Widened::Whole(why)))
}

/// The ownership files (`etc/userdomains`, `etc/trueuserdomains`: `domain: user`;
/// `etc/domainusers`: `user: domain`), as text: the scope looks up a few domains in files of a
/// line per domain of the server, which costs less read as text than parsed whole, and less
/// memory than an index (4 MiB at 20,000 domains, measured). A file of the overlay (fixed in
/// memory) is read in place of the file on disk.
struct Owners {
    by_domain: Vec<String>,
    by_user: Vec<String>,
}

impl Owners {
    fn read(path: Option<&Path>, overlay: &Overlay) -> Owners {
        let Ok(root) = crate::tree::detect(path) else {
            return Owners {
                by_domain: Vec::new(),
                by_user: Vec::new(),
            };
        };
        let read = |logical: &str| -> Option<String> {
            if let Some(display) = root.tree.display_path(logical)
                && let Some(content) = overlay.get(&display)
            {
                return content
                    .as_ref()
                    .map(|b| String::from_utf8_lossy(b).into_owned());
            }
            root.tree
                .read(logical)
                .found()
                .map(|d| d.source.text().to_string())
        };
        Owners {
            by_domain: ["etc/userdomains", "etc/trueuserdomains"]
                .into_iter()
                .filter_map(read)
                .collect(),
            by_user: read("etc/domainusers").into_iter().collect(),
        }
    }

    /// The users these files name as owners of the domains (more than the parsed files would
    /// give is harmless: an account too many is read for nothing).
    fn of(&self, domains: &BTreeSet<String>, out: &mut BTreeSet<String>) {
        let known = |name: &str| {
            let name = name.trim().trim_end_matches('.');
            if name.bytes().any(|b| b.is_ascii_uppercase()) {
                domains.contains(&name.to_ascii_lowercase())
            } else {
                domains.contains(name)
            }
        };
        for text in &self.by_domain {
            for (domain, user) in text.lines().filter_map(|l| l.split_once(':')) {
                let user = user.trim();
                if !user.is_empty() && known(domain) {
                    out.insert(user.to_string());
                }
            }
        }
        for text in &self.by_user {
            for (user, domain) in text.lines().filter_map(|l| l.split_once(':')) {
                let user = user.trim();
                if !user.is_empty() && user != "*" && known(domain) {
                    out.insert(user.to_string());
                }
            }
        }
    }
}

/// Whether a domain is known to the server-wide files (a routing list, an ownership file) while
/// no loaded account owns it.
fn unowned_but_known(s: &Server, d: &str) -> bool {
    if s.domains.contains_key(d) {
        return false;
    }
    let in_map = [&s.userdomains, &s.trueuserdomains]
        .into_iter()
        .flatten()
        .any(|m| m.doc.get(d).is_some_and(|e| !e.is_default()))
        || s.domainusers
            .iter()
            .any(|m| m.doc.entries().any(|e| e.value.eq_ignore_ascii_case(d)));
    in_map
        || s.lists
            .iter()
            .any(|l| l.doc.entries().any(|e| e.domain == d))
}

/// The scope after one more round: owners, account domains and the names the scope's files
/// mention; and the domains of the addresses they mention.
fn grow(s: &Server, scope: &Scope, owners: &Owners) -> (Scope, BTreeSet<String>) {
    let mut next = scope.clone();
    // Owners of the scope's domains.
    owners.of(&scope.domains, &mut next.users);
    // Every domain of the loaded accounts.
    for info in s.domains.values() {
        add_with_parents(&mut next.domains, &info.name);
    }
    for a in s.accounts.values() {
        for m in a.mxcheck.keys() {
            add_with_parents(&mut next.domains, &m.to_ascii_lowercase());
        }
    }
    // Names the scope's files mention.
    let mut addressed = BTreeSet::new();
    let mut texts: Vec<&str> = Vec::new();
    texts.extend(s.zones.values().map(|z| z.src.text()));
    texts.extend(s.unusable_zones.values().map(|z| z.src.text()));
    texts.extend(s.valiases.values().map(|z| z.src.text()));
    texts.extend(s.vdomainaliases.values().map(|z| z.src.text()));
    texts.extend(s.vfilters.values().map(|z| z.src.text()));
    for a in s.accounts.values() {
        texts.extend(a.filter.iter().map(|f| f.src.text()));
        for files in a.mail.values() {
            texts.extend(files.filters.values().map(|f| f.src.text()));
        }
    }
    for text in texts {
        for (name, address) in names(text) {
            add_with_parents(&mut next.domains, &name);
            if address {
                addressed.insert(name);
            }
        }
    }
    (next, addressed)
}

/// The domain names a text mentions (words of letters, digits, `-`, `_` and `.` with a dot in
/// them, lower-cased, without a final dot), each with whether it is the domain of an address
/// (`local@domain`). Over-reading is harmless: a name with no files loads nothing.
fn names(text: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let is_word = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@');
    for word in text.split(|c: char| !is_word(c)) {
        let (name, address) = match word.rsplit_once('@') {
            Some((_, d)) => (d, true),
            None => (word, false),
        };
        let name = name.trim_matches('.');
        // A host name's last label is no number (`192.0.2.1` names no domain).
        let tld_ok = name
            .rsplit('.')
            .next()
            .is_some_and(|l| l.bytes().any(|b| b.is_ascii_alphabetic()));
        if name.contains('.') && name.len() <= 253 && tld_ok {
            out.push((name.to_ascii_lowercase(), address));
        }
    }
    out
}

/// Adds a domain and its parents of two labels or more (`a.b.example.com`, `b.example.com`,
/// `example.com`).
fn add_with_parents(set: &mut BTreeSet<String>, domain: &str) {
    let mut d = domain.trim_end_matches('.');
    while d.contains('.') {
        if !set.contains(d) {
            set.insert(d.to_string());
        }
        match d.split_once('.') {
            Some((_, rest)) => d = rest,
            None => break,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_finds_hosts_and_address_domains() {
        let got = names("@ IN MX 0 Mail.Example.NET.\ninfo: bob@example.org, \"|/bin/x\"\n");
        assert_eq!(
            got,
            vec![
                ("mail.example.net".to_string(), false),
                ("example.org".to_string(), true),
            ]
        );
    }

    #[test]
    fn parents_stop_at_two_labels() {
        let mut s = BTreeSet::new();
        add_with_parents(&mut s, "a.b.example.com.");
        let v: Vec<&str> = s.iter().map(String::as_str).collect();
        assert_eq!(v, ["a.b.example.com", "b.example.com", "example.com"]);
    }
}
