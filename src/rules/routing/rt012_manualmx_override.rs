//! RT012: `etc/manualmx` sends a local or account domain's mail to another host.

use crate::finding::{Finding, Fix};
use crate::model::Server;
use crate::rules::edit;

use super::FAMILY;

rule!(
    RT012,
    "manualmx-override",
    Warning,
    None,
    Unsafe,
    [LISTS],
    "etc/manualmx sends a local or account domain's mail to another host."
);

/// RT012: `etc/manualmx` entries for local or account domains.
pub(super) fn check(s: &Server, out: &mut Vec<Finding>) {
    let Some(mm) = &s.manualmx else {
        return;
    };
    for e in mm.doc.entries() {
        let d = e.key.as_str();
        let local = s.lists.in_local(d);
        let account = s.domains.get(d);
        if !local && account.is_none() {
            continue;
        }
        let what = match (local, account) {
            (true, _) => "a local domain",
            (false, Some(_)) => "an account domain of this server",
            _ => continue,
        };
        out.push(
            Finding::new(
                &RT012,
                format!("etc/manualmx sends all mail for {d} to {}, although {d} is {what}", e.value),
            )
            .domain(d)
            .maybe_user(account.map(|i| i.user.clone()))
            .at(mm.loc(e.key_span.join(e.value_span)))
            .note("Exim's manualmx router sends the domain's mail to that host without looking at its MX; a live transfer writes these lines on the source server and they are easily left behind")
            .fix(Fix::unsafe_(format!("remove the etc/manualmx line for {d}")).edits(edit::colon_remove(mm, d))),
        );
    }
}
