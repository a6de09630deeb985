//! DKIM005: a DKIM record with an empty `p=` on a domain this server does not sign for.
//!
//! When the server does sign the domain's mail, a revoked key is a mismatch (DKIM002), not
//! advice.

use crate::finding::Finding;
use crate::model::dkim::{KEYS_DIR, Local};

use super::{Dom, FAMILY};

rule!(
    DKIM005,
    "dkim-key-revoked",
    Info,
    None,
    None,
    [ZONES, DKIM_KEYS, MAIL_DOMAINS],
    "A DKIM record with an empty p=: the key is revoked."
);

pub(super) fn check(dom: &Dom<'_>, out: &mut Vec<Finding>) {
    let st = &dom.st;
    let [r] = st.records.as_slice() else {
        return;
    };
    if r.is_malformed() || matches!(st.local, Local::Usable(_)) || !r.key.is_revoked() {
        return;
    }
    let d = &st.domain;
    let mut f = dom
        .finding(
            &DKIM005,
            format!("the DKIM record of {d} revokes its key (empty `p=`)"),
        )
        .at(r.p_loc())
        .label("revoked")
        .note(
            "RFC 6376 §3.6.1: an empty `p=` means the key was revoked; verifiers fail every \
             signature made with this selector",
        );
    f = f.note(match &st.local {
        Local::Unreadable(k, _) => format!(
            "the key file {} cannot be read, so whether Exim signs with this selector is unknown",
            k.file.path()
        ),
        _ => format!(
            "this server holds no key for {d} (nothing in {KEYS_DIR}/), so mail sent \
             from here is not signed and not affected"
        ),
    });
    out.push(f.help(
        "remove the record once no sender uses the selector; to sign here, generate a \
         key in cPanel » Email Deliverability and publish it",
    ));
}
