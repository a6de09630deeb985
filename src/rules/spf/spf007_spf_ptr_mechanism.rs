//! SPF007: `ptr` mechanisms (RFC 7208 §5.5); each fix removes one.

use std::ops::Range;

use crate::finding::{Finding, Fix};
use crate::model::spf::SpfAt;
use crate::parse::spf::Mechanism;

use super::*;

rule!(
    SPF007,
    "spf-ptr-mechanism",
    Warning,
    None,
    Unsafe,
    [ZONES, MAIL_DOMAINS],
    "An SPF record that uses the `ptr` mechanism (RFC 7208 §5.5)."
);

/// SPF007: `ptr` mechanisms; each fix removes one.
pub(super) fn check(c: &Ctx<'_>, dom: &Dom<'_>, rec: &SpfAt<'_>, out: &mut Vec<Finding>) {
    let d = dom.d;
    for (term, _) in rec
        .spf
        .mechanisms()
        .filter(|(_, m)| matches!(m, Mechanism::Ptr(_)))
    {
        let written = rec.spf.slice(term.span);
        let mut f = dom
            .finding(
                &SPF007,
                format!(
                    "the SPF record of {d} uses `{written}`, which RFC 7208 says not to publish"
                ),
            )
            .at(rec.loc(term.span))
            .label("ptr mechanism")
            .note(
                "RFC 7208 §5.5: `ptr` is slow and unreliable (a reverse lookup, then a \
                 forward lookup per name, each counted); many receivers skip it, so the \
                 hosts it was meant to cover may fail SPF",
            );
        let ranges = removal_ranges(rec.spf.text.as_bytes(), &[term.span]);
        let changes: Vec<(Range<usize>, String)> =
            ranges.into_iter().map(|r| (r, String::new())).collect();
        if let Some(edits) = txt_edits(rec, &changes, c.today) {
            f = f.fix(
                Fix::unsafe_(format!(
                    "remove `{written}`; list the hosts it covered with `a:`, `ip4:` or `ip6:` if they still send mail"
                ))
                .edits(edits)
                .command(RELOAD),
            );
        }
        out.push(f);
    }
}
