//! SPF004: more than 10 DNS-querying terms, counted through includes and redirects.

use crate::finding::Finding;
use crate::model::spf::{LookupCount, MAX_LOOKUPS, SpfAt};

use super::*;

rule!(
    SPF004,
    "spf-too-many-lookups",
    Error,
    None,
    None,
    [ZONES, MAIL_DOMAINS],
    "An SPF record that needs more than 10 DNS lookups, counted through its includes."
);

/// SPF004: more than 10 DNS lookups. Returns whether it was reported.
pub(super) fn check(
    c: &Ctx<'_>,
    dom: &Dom<'_>,
    rec: &SpfAt<'_>,
    count: &LookupCount,
    out: &mut Vec<Finding>,
) -> bool {
    if count.lookups <= MAX_LOOKUPS && count.loops.is_empty() {
        return false;
    }
    let d = dom.d;
    if !count.loops.is_empty() {
        out.push(
            dom.finding(
                &SPF004,
                format!(
                    "the SPF record of {d} never ends: {} includes itself again, so receivers run past {MAX_LOOKUPS} DNS lookups and fail it",
                    count.loops.join(", ")
                ),
            )
            .at(rec.loc(whole(&rec.spf)))
            .label("the includes from here loop")
            .note(format!(
                "RFC 7208 §4.6.4: each `include:` and `redirect=` costs a DNS lookup; a loop \
                 reaches the limit of {MAX_LOOKUPS}, and check_host() returns permerror: no \
                 mail from {d} passes SPF"
            ))
            .help("remove the `include:` or `redirect=` that leads back to a record already on the way"),
        );
        return true;
    }
    let at_least = if count.external.is_empty() {
        ""
    } else {
        "at least "
    };
    let mut f = dom
        .finding(
            &SPF004,
            format!(
                "the SPF record of {d} needs {at_least}{} DNS lookups; receivers stop at {MAX_LOOKUPS} and fail it",
                count.lookups
            ),
        )
        .at(rec.loc(whole(&rec.spf)))
        .label(format!(
            "{} lookups in this record",
            own_lookups(&rec.spf)
        ))
        .note(format!(
            "RFC 7208 §4.6.4: `include`, `a`, `mx`, `ptr`, `exists` and `redirect` each cost a \
             DNS lookup, counted through every include; past {MAX_LOOKUPS}, check_host() \
             returns permerror and no mail from {d} passes SPF"
        ));
    for (name, n, loc) in c.included_records(d) {
        f = f.related(loc, format!("{name}: {n} more lookups"));
    }
    if !count.external.is_empty() {
        f = f.note(format!(
            "outside this server's zones, counted as one lookup each though their own \
             records add more: {}",
            unique(&count.external).join(", ")
        ));
    }
    if !count.public.is_empty() {
        f = f.note(format!(
            "counted through public DNS (--resolve) for the names outside this server's zones: {}",
            unique(&count.public).join(", ")
        ));
    }
    out.push(f.help(
        "make the record cheaper: remove the mechanisms that no longer name a sender, and \
         write this server's own addresses as `ip4:`/`ip6:` instead of `a`/`mx`",
    ));
    true
}
