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
            // A scoped run has read the accounts of its domains only.
            if s.domains.contains_key(d)
                || !s.in_scope(d)
                || s.identity.states_hostname(d)
                || is_localhost(d)
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
            let mut f = Finding::new(
                &RT005,
                format!(
                    "{d} in {} belongs to no account and is not the host name",
                    list.path()
                ),
            )
            .domain(d)
            .at(list.loc(e.key))
            .note(consequence);
            // Without the host name, any entry of etc/localdomains may be it: never offer to
            // remove the line Exim needs for the server's own mail.
            if s.identity.hostname.is_none() && list.path() == LOCAL {
                f = f.note(format!(
                    "maillint does not know this server's host name (etc/wwwacct.conf has no HOST, and neither Exim's primary_hostname in etc/exim.conf, the default line of etc/mailhelo nor etc/hostname states one): if {d} is the host name, keep the line; tell maillint the host name with --hostname or [server] hostname in maillint.toml"
                ));
            } else {
                f = f.fix(fix.edits(edit::list_remove(list, d)));
            }
            out.push(f);
        }
    }
}

/// Names of the local host that systems put in their host tables (`localhost`,
/// `localhost.localdomain`, Red Hat's `localhost4`/`localhost6` with `.localdomain4`/`6`,
/// Debian's `ip6-localhost`, `ip6-loopback`): never an account's domain, never an orphan.
fn is_localhost(d: &str) -> bool {
    let first = d.split('.').next().unwrap_or(d);
    matches!(
        first,
        "localhost" | "localhost4" | "localhost6" | "ip6-localhost" | "ip6-loopback"
    )
}
