//! RT005: a routing-list entry that is no account domain and not the host name.

use std::collections::BTreeSet;

use crate::finding::{Finding, Fix};
use crate::model::Server;
use crate::rules::edit;

use super::{FAMILY, LOCAL, REMOTE, SECONDARY};

rule!(
    RT005,
    "orphan-routing-entry",
    Warning,
    None,
    Unsafe,
    [LISTS],
    "A routing-list entry that is no account domain and not the host name."
);

/// RT005: list entries that belong to nobody.
pub(super) fn check(s: &Server, out: &mut Vec<Finding>) {
    if s.accounts.is_empty() {
        return;
    }
    for list in s.lists.iter() {
        let mut seen = BTreeSet::new();
        // Lines Exim does not read as the domain they name are CP003's.
        for (_, _, e) in list.entries() {
            let d = e.domain.as_str();
            if s.domains.contains_key(d)
                || s.identity.is_hostname(d)
                || matches!(d, "localhost" | "localhost.localdomain")
                || !seen.insert(d)
            {
                continue;
            }
            let consequence = match list.path() {
                LOCAL => format!(
                    "Exim accepts mail for {d} and delivers it here, though no account owns it: a leftover of a removed or moved account"
                ),
                SECONDARY => format!(
                    "Exim accepts mail for {d} and relays it as a backup MX, though no account owns it: a leftover of a removed or moved account"
                ),
                _ => "a leftover of a removed or moved account (Exim does not read etc/remotedomains; cPanel's tools do)".to_string(),
            };
            // Exim never reads etc/remotedomains: removing a line there changes no mail.
            let fix = if list.path() == REMOTE {
                Fix::safe(format!("remove {d} from {}", list.path()))
            } else {
                Fix::unsafe_(format!("remove {d} from {}", list.path()))
            };
            out.push(
                Finding::new(
                    &RT005,
                    format!(
                        "{d} in {} belongs to no account and is not the host name",
                        list.path()
                    ),
                )
                .domain(d)
                .at(list.loc(e.key))
                .note(consequence)
                .fix(fix.edits(edit::list_remove(list, d))),
            );
        }
    }
}
