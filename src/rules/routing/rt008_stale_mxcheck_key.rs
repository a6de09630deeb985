//! RT008: an `MXCHECK-` line for a domain the account does not own.

use crate::finding::{Finding, Fix};
use crate::model::Server;
use crate::rules::edit;

use super::{FAMILY, UPDATE};

rule!(
    RT008,
    "stale-mxcheck-key",
    Info,
    None,
    Safe,
    [],
    "An MXCHECK- line for a domain the account does not own."
);

pub(super) fn check(s: &Server, out: &mut Vec<Finding>) {
    for a in s.accounts.values() {
        for m in a.mxcheck.values() {
            let owned = s.domains.get(&m.domain).is_some_and(|i| i.user == a.user);
            if owned {
                continue;
            }
            let key = format!("MXCHECK-{}", m.domain);
            let mut fix = Fix::safe(format!("remove the line {key}"));
            if let Some(cp) = &a.cpuser {
                fix = edit::with_cpuser_cache(fix.edits(edit::cpuser_set(cp, &key, None)), a);
            }
            // cPanel looks the key up with the domain in lower case.
            let not_lower = m.domain.bytes().any(|b| b.is_ascii_uppercase());
            let (message, note) = if not_lower {
                (
                    format!(
                        "{}'s cPanel user file has a routing setting for {} written with upper-case letters: cPanel never reads it",
                        a.user, m.domain
                    ),
                    "cPanel looks routing settings up with the domain in lower case, so this line has no effect and the domain is on Automatically Detect",
                )
            } else {
                (
                    format!(
                        "{}'s cPanel user file has a routing setting for {}, which the account does not own",
                        a.user, m.domain
                    ),
                    "a leftover of a removed or moved domain; if the domain is added again, it silently gets this old setting",
                )
            };
            out.push(
                Finding::new(&RT008, message)
                    .domain(m.domain.to_ascii_lowercase())
                    .user(&a.user)
                    .at(m.key.clone())
                    .note(note)
                    .fix(fix.command(UPDATE)),
            );
        }
    }
}
