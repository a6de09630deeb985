//! FWD001: forwarders among local domains that lead back to themselves.

use std::collections::{BTreeSet, HashMap};

use crate::finding::{Finding, Loc};
use crate::parse::valiases::DestKind;

use super::{Entry, FAMILY, Route, World, dest_loc, entry_loc, join_and};

rule!(
    FWD001,
    "forwarder-loop",
    Error,
    None,
    None,
    [LISTS, FORWARDERS, MAIL_ACCOUNTS],
    "Forwarders of local domains that lead back to themselves."
);

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

pub(super) fn check(w: &World<'_>, out: &mut Vec<Finding>) {
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
            &FWD001,
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
