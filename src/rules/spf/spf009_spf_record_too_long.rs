//! SPF009: the record is over 450 bytes (RFC 7208 §3.4).

use crate::finding::Finding;
use crate::model::spf::SpfAt;

use super::*;

rule!(
    SPF009,
    "spf-record-too-long",
    Warning,
    None,
    None,
    [ZONES, MAIL_DOMAINS],
    "An SPF record over 450 bytes (RFC 7208 §3.4)."
);

/// SPF009: the record is over 450 bytes.
pub(super) fn check(dom: &Dom<'_>, rec: &SpfAt<'_>, out: &mut Vec<Finding>) {
    let len = rec.spf.text.len();
    if len <= MAX_RECORD_BYTES {
        return;
    }
    let d = dom.d;
    out.push(
        dom.finding(
            &SPF009,
            format!(
                "the SPF record of {d} is {len} bytes; RFC 7208 advises staying under {MAX_RECORD_BYTES}"
            ),
        )
        .at(rec.loc(whole(&rec.spf)))
        .label(format!("{len} bytes"))
        .note(
            "RFC 7208 §3.4: with the rest of the answer, a longer record may not fit a 512-byte \
             DNS reply; receivers then need TCP or EDNS, and some give up with a temporary \
             error",
        )
        .help(
            "shorten it: merge neighbouring `ip4:` addresses into CIDR ranges, drop hosts that no \
             longer send, or move part of the list to a record of its own reached with \
             `include:`",
        ),
    );
}
