//! DMARC003: a DMARC policy of `p=none`: receivers report, but do not act.

use crate::finding::Finding;

use super::{DmarcAt, Dom, FAMILY};

rule!(
    DMARC003,
    "dmarc-policy-none",
    Info,
    None,
    None,
    [ZONES, MAIL_DOMAINS],
    "A DMARC policy of p=none: receivers report, but do not act."
);

pub(super) fn check(dom: &Dom<'_>, r: &DmarcAt<'_>, out: &mut Vec<Finding>) {
    let d = &dom.name;
    let mut f = dom
        .finding(
            &DMARC003,
            format!(
                "the DMARC policy of {d} is p=none: receivers send reports but let \
                             mail that fails DMARC through"
            ),
        )
        .at(r.tag_loc("p"))
        .label("monitoring only")
        .note(
            "p=none protects nobody from mail forged in the domain's name; it is \
                         the first step, to read the reports (rua=) and check that every \
                         legitimate sender passes SPF or DKIM",
        );
    for n in r.tag_notes() {
        f = f.note(n);
    }
    out.push(f.help(
        "once the reports show the domain's own mail passing, move to \
                         p=quarantine, then p=reject",
    ));
}
