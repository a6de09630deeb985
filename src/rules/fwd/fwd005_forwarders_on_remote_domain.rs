//! FWD005: forwarders on a domain routed to a remote mail server.

use crate::finding::Finding;
use crate::model::dns::Routing;
use crate::parse::valiases::AliasEntry;

use super::{FAMILY, World, entry_loc};

rule!(
    FWD005,
    "forwarders-on-remote-domain",
    Warning,
    None,
    None,
    [LISTS, FORWARDERS],
    "Forwarders on a domain routed to a remote mail server: inbound mail never reaches them."
);

pub(super) fn check(w: &World<'_>, out: &mut Vec<Finding>) {
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
            &FWD005,
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
