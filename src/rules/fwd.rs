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

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::finding::{Edit, Finding, Fix, Loc, Severity};
use crate::model::dns::Routing;
use crate::model::{Parsed, Server};
use crate::parse::filter::{DiscardKind, Filter, SpamKind, SpamTest, Threshold};
use crate::parse::valiases::{AliasEntry, Aliases, DestKind};
use crate::rules::RuleInfo;

/// The family of these rules in `maillint rules` (used by `rule!`).
const FAMILY: &str = "forwarders";

pub const RULES: &[RuleInfo] = &[
    rule!(
        "FWD001",
        "forwarder-loop",
        Error,
        None,
        "Forwarders of local domains that lead back to themselves."
    ),
    rule!(
        "FWD002",
        "forward-to-missing-address",
        Error,
        None,
        "A forwarder to a local address with no mailbox, no forwarder and a failing catch-all."
    ),
    rule!(
        "FWD003",
        "catchall-blackhole",
        Warning,
        Unsafe,
        "The default address (`*: :blackhole:`) silently discards mail to unknown addresses."
    ),
    rule!(
        "FWD004",
        "catchall-forwards-offsite",
        Warning,
        None,
        "The default address forwards mail for unknown addresses to an external address."
    ),
    rule!(
        "FWD005",
        "forwarders-on-remote-domain",
        Warning,
        None,
        "Forwarders on a domain routed to a remote mail server: inbound mail never reaches them."
    ),
    rule!(
        "FWD006",
        "forwarder-and-mailbox",
        Info,
        None,
        "An address that is both forwarded and a mailbox: cPanel delivers to both."
    ),
    rule!(
        "FWD007",
        "spam-autodelete-aggressive",
        Warning,
        Unsafe,
        "A filter that deletes mail from a spam score of 5 or less."
    ),
];

/// The deletion threshold FWD007's fix writes, in points of spam score.
const RAISED_SCORE: u32 = 10;
const FAIL_TEXT: &str = ":fail: No Such User Here";

pub fn check(s: &Server, out: &mut Vec<Finding>) {
    let w = World::new(s);
    loops(&w, out);
    missing_targets(&w, out);
    catch_alls(&w, out);
    remote_domains(&w, out);
    forward_and_mailbox(&w, out);
    spam_filters(&w, out);
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

    /// Whether `local@d` has a mailbox; `None` when the account's home is not in the tree.
    fn mailbox(&self, local: &str, d: &str) -> Option<bool> {
        let account = self.s.account_of(d)?;
        if account.mail.is_empty() {
            return None;
        }
        Some(account.mail.get(d).is_some_and(|m| m.mailbox_exists(local)))
    }

    /// The mailbox directory of an address, for messages.
    fn mailbox_path(&self, local: &str, d: &str) -> String {
        let home = self
            .s
            .account_of(d)
            .and_then(|a| a.home.clone())
            .unwrap_or_else(|| "HOME".into());
        format!("{home}/mail/{d}/{local}")
    }

    /// The forwarder line Exim finds for `local@d` (a full-address key; an indented line is a
    /// continuation for Exim, never a key).
    fn entry(&self, local: &str, d: &str) -> Option<Entry<'a>> {
        let file = self.s.valiases.get(d)?;
        let e = self.keys.get(d)?.get(format!("{local}@{d}").as_str())?;
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

fn join_and(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

// ---------------------------------------------------------------------------------------------
// FWD001: loops

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Node {
    /// A particular address.
    Addr(String, String),
    /// Any address of a domain that has no forwarder and no mailbox.
    Any(String),
    /// The default address of a domain (only where a search starts).
    Catch(String),
}

impl Node {
    fn name(&self) -> String {
        match self {
            Node::Addr(l, d) => format!("{l}@{d}"),
            Node::Any(d) => format!("every address of {d}"),
            Node::Catch(d) => format!("the default address of {d}"),
        }
    }

    fn domain(&self) -> &str {
        match self {
            Node::Addr(_, d) | Node::Any(d) | Node::Catch(d) => d,
        }
    }
}

#[derive(Clone, Debug)]
struct Hop {
    from: Node,
    to: Node,
    loc: Loc,
    what: String,
    /// A forwarder line (not domain forwarding or a catch-all).
    forwarder: bool,
}

impl World<'_> {
    fn catch_all_hops(&self, from: &Node, d: &str, out: &mut Vec<Hop>) {
        let Some((file, e)) = self.catch_all(d) else {
            return;
        };
        for dest in &e.destinations {
            if let DestKind::Address { local, domain } = &dest.kind
                && self.is_local(domain)
            {
                let to = Node::Addr(local.to_ascii_lowercase(), domain.clone());
                out.push(Hop {
                    from: from.clone(),
                    what: format!(
                        "the default address of {d} forwards {} to {}",
                        match from {
                            Node::Addr(..) => from.name(),
                            _ => "unknown addresses".into(),
                        },
                        to.name()
                    ),
                    to,
                    loc: dest_loc(file, e, dest.span),
                    forwarder: false,
                });
            }
        }
    }

    fn alias_hop(&self, from: &Node, entry: Entry<'_>, to: Node) -> Hop {
        let (file, e) = entry;
        Hop {
            what: format!(
                "{} forwards every address to {}: {} goes to {}",
                from.domain(),
                to.domain(),
                from.name(),
                to.name()
            ),
            from: from.clone(),
            to,
            loc: entry_loc(file, e),
            forwarder: false,
        }
    }

    fn hops(&self, node: &Node) -> Vec<Hop> {
        let mut out = Vec::new();
        if !self.is_local(node.domain()) {
            return out;
        }
        match node {
            Node::Addr(l, d) => {
                let route = self.route(l, d);
                let fall = match &route {
                    Route::Forward {
                        entry: (file, e),
                        continues,
                        ..
                    } => {
                        for dest in &e.destinations {
                            if let DestKind::Address { local, domain } = &dest.kind
                                && self.is_local(domain)
                            {
                                let to = Node::Addr(local.to_ascii_lowercase(), domain.clone());
                                out.push(Hop {
                                    from: node.clone(),
                                    what: format!("forwards {} to {}", node.name(), to.name()),
                                    to,
                                    loc: dest_loc(file, e, dest.span),
                                    forwarder: true,
                                });
                            }
                        }
                        continues.then(|| self.fall_through(Some(false), d))
                    }
                    _ => Some(route),
                };
                match fall {
                    Some(Route::Alias { entry, target }) => {
                        out.push(self.alias_hop(node, entry, Node::Addr(l.clone(), target.into())))
                    }
                    Some(Route::CatchAll(_)) => self.catch_all_hops(node, d, &mut out),
                    _ => {}
                }
            }
            Node::Any(d) => {
                if let Some((entry, target)) = self.domain_alias(d) {
                    out.push(self.alias_hop(node, entry, Node::Any(target.into())));
                } else {
                    self.catch_all_hops(node, d, &mut out);
                }
            }
            Node::Catch(d) => self.catch_all_hops(node, d, &mut out),
        }
        out
    }

    /// Where the search for loops starts: every forwarder, catch-all and domain forwarding of
    /// a local domain.
    fn starts(&self) -> Vec<Node> {
        let mut v = Vec::new();
        // Domain forwarding first: a loop of domains is then reported for every address of the
        // domain, not for the first address that happens to reach it.
        for d in self.s.vdomainaliases.keys() {
            if self.is_local(d) && self.domain_alias(d).is_some() {
                v.push(Node::Any(d.clone()));
            }
        }
        for (d, file) in self.local_valiases() {
            for e in World::forwarders(file, d) {
                if let Some(l) = e.key_local_part() {
                    v.push(Node::Addr(l.to_string(), d.to_string()));
                }
            }
            if self.catch_all(d).is_some() {
                v.push(Node::Catch(d.to_string()));
            }
        }
        v
    }
}

/// Cycles of the forwarding graph, each as its hops (an iterative depth-first search, so a long
/// chain cannot overflow the stack).
fn find_cycles(w: &World<'_>) -> Vec<Vec<Hop>> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        OnPath,
        Done,
    }
    let mut state: HashMap<Node, State> = HashMap::new();
    let mut cycles = Vec::new();
    // A loop is its set of lines: reached from different addresses, it is still one loop.
    let mut seen: BTreeSet<Vec<(String, u32)>> = BTreeSet::new();
    for start in w.starts() {
        if state.contains_key(&start) {
            continue;
        }
        // (node, its hops, next hop to try); path[i] leads from stack[i] to stack[i + 1].
        let mut stack: Vec<(Node, Vec<Hop>, usize)> = Vec::new();
        let mut path: Vec<Hop> = Vec::new();
        state.insert(start.clone(), State::OnPath);
        let hops = w.hops(&start);
        stack.push((start, hops, 0));
        while let Some((_, hops, next)) = stack.last_mut() {
            if *next >= hops.len() {
                let (node, _, _) = stack.pop().unwrap_or_else(|| unreachable!());
                state.insert(node, State::Done);
                path.pop();
                continue;
            }
            let hop = hops[*next].clone();
            *next += 1;
            match state.get(&hop.to) {
                Some(State::Done) => {}
                Some(State::OnPath) => {
                    let k = stack.iter().position(|(n, _, _)| *n == hop.to).unwrap_or(0);
                    let mut cycle: Vec<Hop> = path[k..].to_vec();
                    cycle.push(hop);
                    let mut key: Vec<(String, u32)> = cycle
                        .iter()
                        .map(|h| (h.loc.file.clone(), h.loc.span.start))
                        .collect();
                    key.sort();
                    key.dedup();
                    if seen.insert(key) {
                        cycles.push(cycle);
                    }
                }
                None => {
                    state.insert(hop.to.clone(), State::OnPath);
                    let next_hops = w.hops(&hop.to);
                    stack.push((hop.to.clone(), next_hops, 0));
                    path.push(hop);
                }
            }
        }
    }
    cycles
}

fn loops(w: &World<'_>, out: &mut Vec<Finding>) {
    for mut cycle in find_cycles(w) {
        // Start the loop at the line that comes first.
        let first = (0..cycle.len())
            .min_by(|&a, &b| {
                (&cycle[a].loc.file, cycle[a].loc.span.start)
                    .cmp(&(&cycle[b].loc.file, cycle[b].loc.span.start))
            })
            .unwrap_or(0);
        cycle.rotate_left(first);
        let mut names: Vec<String> = cycle.iter().map(|h| h.from.name()).collect();
        names.push(cycle[0].from.name());
        let d = cycle[0].from.domain().to_string();
        let mut f = Finding::new(
            "FWD001",
            Severity::Error,
            format!(
                "mail to {} goes round a loop of forwarders: {}",
                cycle[0].from.name(),
                names.join(" → ")
            ),
        )
        .domain(&d)
        .maybe_user(w.user_of(&d))
        .at(cycle[0].loc.clone())
        .label(cycle[0].what.clone());
        for h in &cycle[1..] {
            f = f.related(h.loc.clone(), h.what.clone());
        }
        f = f.note(
            "Exim notices when an address comes back to a router that already handled it and stops following the loop there: the message reaches only the mailboxes along the way, and the forwarders beyond do not do what they were meant to",
        );
        let mut with_box = Vec::new();
        let mut unknown = BTreeSet::new();
        for h in &cycle {
            if let Node::Addr(l, d) = &h.from {
                match w.mailbox(l, d) {
                    Some(true) => with_box.push(h.from.name()),
                    Some(false) => {}
                    None => {
                        unknown.insert(d.clone());
                    }
                }
            }
        }
        if !with_box.is_empty() {
            f = f.note(format!(
                "copies end in the mailbox{} of {}",
                if with_box.len() == 1 { "" } else { "es" },
                join_and(&with_box)
            ));
        } else if unknown.is_empty() {
            let how = if cycle.iter().all(|h| h.forwarder) {
                "discarded without a bounce"
            } else {
                "lost (discarded, or bounced as unrouteable)"
            };
            f = f.note(format!(
                "no address on this loop has a mailbox, so the message is {how}"
            ));
        } else {
            let list: Vec<String> = unknown.into_iter().collect();
            f = f.note(format!(
                "maillint cannot see the mailboxes of {} (the account's home is not in the tree)",
                join_and(&list)
            ));
        }
        out.push(f.help(
            "remove or change one forwarder of the loop so that the chain ends in a mailbox or an outside address",
        ));
    }
}

// ---------------------------------------------------------------------------------------------
// FWD002: forwarders to addresses that bounce

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

fn missing_targets(w: &World<'_>, out: &mut Vec<Finding>) {
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
                    "FWD002",
                    Severity::Error,
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
                f = f.note(format!(
                    "{target} has no mailbox ({} does not exist) and no line in etc/valiases/{final_d}; the sender gets a bounce, and a sender who forwarded nothing never learns why",
                    w.mailbox_path(&local, &final_d)
                ));
                out.push(f.help(format!(
                    "create the mailbox or a forwarder for {target}, or point {source} at an address that exists"
                )));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// FWD003, FWD004: the default address

fn catch_alls(w: &World<'_>, out: &mut Vec<Finding>) {
    for (d, file) in w.local_valiases() {
        let Some((_, e)) = w.catch_all(d) else {
            continue;
        };
        let user = w.user_of(d);
        if let [only] = e.destinations.as_slice()
            && only.kind == DestKind::Blackhole
        {
            let mut fix = Fix::unsafe_(format!(
                "make the default address of {d} fail unknown addresses: `*: {FAIL_TEXT}`"
            ))
            .edit(Edit::replace(file.path(), only.span, FAIL_TEXT));
            if let Some(u) = &user {
                fix = fix.command(format!(
                    "cPanel does the same with: uapi --user={u} Email set_default_address domain={d} fwdopt=fail failmsgs=\"No Such User Here\""
                ));
            }
            out.push(
                Finding::new(
                    "FWD003",
                    Severity::Warning,
                    format!(
                        "the default address of {d} discards mail (`:blackhole:`): mail to addresses of {d} that do not exist vanishes without a bounce"
                    ),
                )
                .domain(d)
                .maybe_user(user.clone())
                .at(entry_loc(file, e))
                .label("discards mail to unknown addresses")
                .note(format!(
                    "a sender who mistypes an address at {d}, or writes to a mailbox that was deleted, gets no bounce: the message vanishes and nobody knows it was lost. RFC 5321 expects a server that accepts a message to deliver it or to report the failure"
                ))
                .note("cPanel's default for new domains delivers such mail to the account's main mailbox; its documentation of that Tweak Setting notes that Blackhole violates RFC 5321")
                .fix(fix),
            );
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
                    "FWD004",
                    Severity::Warning,
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

// ---------------------------------------------------------------------------------------------
// FWD005: forwarders of remote domains

fn remote_domains(w: &World<'_>, out: &mut Vec<Finding>) {
    if w.s.lists.local.is_none() {
        return;
    }
    for (d, file) in &w.s.valiases {
        let routing = w.s.lists.configured(d);
        if !matches!(routing, Some(Routing::Remote | Routing::Secondary)) {
            continue;
        }
        let fwd: Vec<&AliasEntry> = World::forwarders(file, d).collect();
        let Some(first) = fwd.first() else {
            continue;
        };
        let n = fwd.len();
        let (what, list) = match routing {
            Some(Routing::Secondary) => ("as a backup MX", w.s.lists.secondary.as_ref()),
            _ => ("to a remote mail server", w.s.lists.remote.as_ref()),
        };
        let mut f = Finding::new(
            "FWD005",
            Severity::Warning,
            format!(
                "{d} is routed {what}, but {} still has {n} forwarder{}: mail for {d} from the Internet never reaches {}",
                file.path(),
                if n == 1 { "" } else { "s" },
                if n == 1 { "it" } else { "them" }
            ),
        )
        .domain(d.as_str())
        .maybe_user(w.user_of(d))
        .at(entry_loc(file, first))
        .label(if n == 1 {
            "forwarder never used".to_string()
        } else {
            format!("first of {n} forwarders never used")
        });
        if let Some((l, span)) = crate::model::RoutingLists::entry(list, d) {
            f = f.related(l.loc(span), format!("{d} is routed {what} here"));
        }
        out.push(
            f.note(format!(
                "Exim applies forwarders only to domains in etc/localdomains: {d}'s mail is delivered to its MX elsewhere, and mail sent from this server to these addresses goes there too"
            ))
            .help(format!(
                "recreate these forwarders at the service that receives {d}'s mail, then remove them here"
            )),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// FWD006: forwarder and mailbox

fn forward_and_mailbox(w: &World<'_>, out: &mut Vec<Finding>) {
    for (d, file) in w.local_valiases() {
        for e in World::forwarders(file, d) {
            let Some(local) = e.key_local_part() else {
                continue;
            };
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
                    "FWD006",
                    Severity::Info,
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

// ---------------------------------------------------------------------------------------------
// FWD007: filters that delete mail on a low spam score

/// Whose filter a file is.
enum Scope<'a> {
    /// `etc/vfilters/D`: every address of the domain.
    Domain(&'a str),
    /// `HOME/etc/D/L/filter`.
    Mailbox(&'a str, &'a str),
    /// `HOME/etc/filter`.
    Account(&'a str),
}

fn score_text(tenths: u32) -> String {
    if tenths.is_multiple_of(10) {
        (tenths / 10).to_string()
    } else {
        format!("{}.{}", tenths / 10, tenths % 10)
    }
}

/// The edit that raises one spam test to [`RAISED_SCORE`].
fn raise(path: &str, t: &SpamTest) -> Edit {
    let quote = |s: String| {
        if t.value.quoted {
            format!("\"{s}\"")
        } else {
            s
        }
    };
    match t.kind {
        SpamKind::Bar => {
            Edit::replace(path, t.value.span, quote("+".repeat(RAISED_SCORE as usize)))
        }
        SpamKind::ScoreInt => {
            Edit::replace(path, t.value.span, quote((RAISED_SCORE * 10).to_string()))
        }
        SpamKind::Status => Edit::replace(
            path,
            t.span,
            format!(
                "$header_X-Spam-Bar: contains \"{}\"",
                "+".repeat(RAISED_SCORE as usize)
            ),
        ),
    }
}

fn spam_filters(w: &World<'_>, out: &mut Vec<Finding>) {
    let s = w.s;
    let mut files: Vec<(Scope<'_>, &Parsed<Filter>, Option<String>)> = Vec::new();
    for (d, f) in &s.vfilters {
        if w.is_local(d) {
            files.push((Scope::Domain(d), f, w.user_of(d)));
        }
    }
    for a in s.accounts.values() {
        if let Some(f) = &a.filter {
            files.push((Scope::Account(&a.user), f, Some(a.user.clone())));
        }
        for (d, mail) in &a.mail {
            if !w.is_local(d) {
                continue;
            }
            for (l, f) in &mail.filters {
                files.push((Scope::Mailbox(d, l), f, Some(a.user.clone())));
            }
        }
    }
    let mut reported: BTreeSet<(String, u32)> = BTreeSet::new();
    for (scope, file, user) in files {
        let discards: BTreeMap<_, _> = file
            .doc
            .discards()
            .into_iter()
            .filter_map(|x| x.spam().map(|sp| (x.span, (x, sp))))
            .collect();
        for (discard, spam) in discards.into_values() {
            if spam.threshold.tenths() > 50 {
                continue;
            }
            let low: Vec<&SpamTest> = spam
                .tests
                .iter()
                .filter(|t| t.threshold.tenths() <= 50)
                .collect();
            let Some(first) = low.first() else { continue };
            if !reported.insert((file.path().to_string(), first.span.start)) {
                continue;
            }
            let (whose, domain) = match scope {
                Scope::Domain(d) => (format!("every address of {d}"), Some(d.to_string())),
                Scope::Mailbox(d, l) => (format!("{l}@{d}"), Some(d.to_string())),
                Scope::Account(u) => (
                    format!("{u}'s main account"),
                    s.accounts.get(u).and_then(|a| a.main_domain.clone()),
                ),
            };
            let t = spam.threshold.tenths();
            let strict = spam
                .tests
                .iter()
                .filter(|x| x.threshold == spam.threshold)
                .all(|x| x.strict);
            let what = match spam.threshold {
                Threshold::SpamThreshold => "that SpamAssassin marks as spam (the account's Spam Threshold Score, 5 unless it was changed)".to_string(),
                _ if strict => format!("with a spam score above {}", score_text(t)),
                _ => format!("with a spam score of {} or more", score_text(t)),
            };
            let label = match first.threshold {
                Threshold::SpamThreshold => "true for every message marked as spam".to_string(),
                x if first.strict => {
                    format!("true for a spam score above {}", score_text(x.tenths()))
                }
                x => format!(
                    "true for a spam score of {} or more",
                    score_text(x.tenths())
                ),
            };
            let mut f = Finding::new(
                "FWD007",
                Severity::Warning,
                format!("{} deletes mail {what}, for {whose}", file.path()),
            )
            .maybe_domain(domain.clone())
            .maybe_user(user.clone())
            .at(file.loc(first.span))
            .label(label);
            for t in &low[1..] {
                f = f.related(file.loc(t.span), "also decides the deletion");
            }
            f = f.related(
                file.loc(discard.span),
                match discard.kind {
                    DiscardKind::DevNull => "saves the message to /dev/null: it is deleted",
                    DiscardKind::SeenFinish => {
                        "`seen finish` with no delivery before it: the message is deleted"
                    }
                },
            );
            let rule_name = file.doc.rule_name(discard.span);
            if let Some(name) = rule_name {
                f = f.related(file.loc(name), "the rule's name in cPanel");
            }
            let at = match spam.threshold {
                Threshold::SpamThreshold => "at the spam threshold".to_string(),
                _ => format!("at a score of {}", score_text(t)),
            };
            f = f.note(format!(
                "SpamAssassin scores are estimates, and cPanel marks mail as spam from 5 by default: {at}, legitimate mail such as newsletters, invoices and first messages from new correspondents is regularly caught (cPanel's API documentation calls an auto-delete score of 5 aggressive). Deleted mail is gone: neither the sender nor the recipient is told"
            ));
            f = f.note(match scope {
                Scope::Domain(_) => "cPanel writes this file from the account's filter settings (HOME/.cpanel/filter.yaml): make the same change in cPanel, or its next filter change writes the old rule back",
                _ => "cPanel writes this file from the filter settings next to it (filter.yaml): make the same change in cPanel, or its next filter change writes the old rule back",
            });
            let generated = rule_name.is_some_and(|n| {
                let t = file.src.slice(n);
                t.contains("SpamAssassin") && t.contains("Discard")
            });
            let command = match (&scope, &user) {
                (Scope::Mailbox(d, l), Some(u)) if generated => Some(format!(
                    "cPanel does the same with: uapi --user={u} Email add_spam_filter account={l}@{d} required_score={RAISED_SCORE}"
                )),
                (_, Some(u)) if generated => Some(format!(
                    "cPanel does the same with: uapi --user={u} Email add_spam_filter required_score={RAISED_SCORE}"
                )),
                _ => None,
            };
            let message = format!(
                "raise the deletion threshold to a spam score of {RAISED_SCORE}, which cPanel's documentation suggests as a lenient value: mail between the spam threshold and {RAISED_SCORE} is then kept (marked as spam) instead of deleted"
            );
            let mut fix = match scope {
                Scope::Domain(_) => {
                    Fix::unsafe_(message).edits(low.iter().map(|t| raise(file.path(), t)))
                }
                // maillint never writes into an account's home.
                _ => Fix::display_only(format!(
                    "{message}; change it in cPanel (Spam Filters, or Email Filters for this rule)"
                )),
            };
            if let Some(c) = command {
                fix = fix.command(c);
            }
            out.push(f.fix(fix));
        }
    }
}
