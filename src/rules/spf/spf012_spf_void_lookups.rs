//! SPF012: more than 2 terms whose targets are known, from local zones, not to exist.

use crate::finding::Finding;
use crate::model::spf::{LookupCount, MAX_VOID_LOOKUPS, SpfAt};
use crate::parse::spf::{Mechanism, SpfTerm};

use super::*;

rule!(
    SPF012,
    "spf-void-lookups",
    Warning,
    None,
    None,
    [ZONES, MAIL_DOMAINS],
    "An SPF record with more than 2 terms naming hosts that do not exist."
);

/// SPF012: more than 2 terms whose targets do not exist. Returns whether it was reported.
pub(super) fn check(
    dom: &Dom<'_>,
    rec: &SpfAt<'_>,
    count: &LookupCount,
    out: &mut Vec<Finding>,
) -> bool {
    let n = count.voids.len();
    if n <= MAX_VOID_LOOKUPS {
        return false;
    }
    let d = dom.d;
    // The terms of this record that find nothing, with what they look for.
    let own: Vec<(&SpfTerm, &'static str)> = rec
        .spf
        .mechanisms()
        .filter_map(|(term, m)| {
            let name = match m.domain() {
                Some(spec) => spec.domain()?,
                None => d.to_string(),
            };
            let what = match m {
                Mechanism::A { .. } | Mechanism::Exists(_) => "no address record for this name",
                Mechanism::Mx { .. } => "no MX record for this name",
                _ => return None,
            };
            count.voids.contains(&name).then_some((term, what))
        })
        .collect();
    let mut f = dom
        .finding(
            &SPF012,
            format!(
                "{n} lookups of the SPF record of {d} find nothing ({}); receivers allow {MAX_VOID_LOOKUPS}",
                unique(&count.voids).join(", ")
            ),
        )
        .note(format!(
            "RFC 7208 §4.6.4: lookups that find nothing (void lookups) are limited, by default to \
             {MAX_VOID_LOOKUPS}; past that, receivers that apply the limit return permerror and \
             mail from {d} fails SPF"
        ));
    if !count.public.is_empty() {
        f = f.note(format!(
            "includes outside this server's zones were read from public DNS (--resolve): {}",
            unique(&count.public).join(", ")
        ));
    }
    f = match own.split_first() {
        Some(((term, what), rest)) => {
            let mut f = f.at(rec.loc(term.span)).label(*what);
            for (t, what) in rest {
                f = f.related(rec.loc(t.span), *what);
            }
            f
        }
        None => f
            .at(rec.loc(whole(&rec.spf)))
            .label(format!("{n} void lookups through its includes")),
    };
    out.push(f.help("remove the terms that name hosts which no longer exist"));
    true
}
