//! DKIM002: the DKIM record holds another key than the one Exim signs with (or revokes it).

use crate::finding::{Finding, Fix};
use crate::model::dkim::{Local, key_file_loc, local_key_path};
use crate::rules::edit;

use super::{Dom, FAMILY, RELOAD};

rule!(
    DKIM002,
    "dkim-key-mismatch",
    Error,
    None,
    Unsafe,
    [ZONES, DKIM_KEYS, MAIL_DOMAINS],
    "The DKIM record holds another key than the one Exim signs with: every signature fails."
);

pub(super) fn check(dom: &Dom<'_>, out: &mut Vec<Finding>) {
    let st = &dom.st;
    // A malformed record is DKIM004 (which says when its key is not the server's either).
    let [r] = st.records.as_slice() else {
        return;
    };
    let Local::Usable(l) = &st.local else {
        return;
    };
    // A well-formed record that revokes the key, or holds another key.
    let mismatch = r.key.is_revoked() || !r.matches(l);
    if r.is_malformed() || !mismatch {
        return;
    }
    let d = &st.domain;
    let zone = r.at.zone;
    let message = if r.key.is_revoked() {
        format!(
            "the DKIM record of {d} revokes its key (empty `p=`), but Exim signs {d}'s \
             mail with the key in {}: every signature fails",
            local_key_path(l)
        )
    } else {
        format!(
            "the DKIM record of {d} holds another key than the one Exim signs with: \
             every signature fails"
        )
    };
    let dns_key = match r.key.rsa_key_bits() {
        Some(bits) => format!("a {bits}-bit RSA key"),
        None if r.key.is_revoked() => "no key".to_string(),
        None => "another key".to_string(),
    };
    out.push(
        dom.finding(&DKIM002, message)
            .at(r.p_loc())
            .label(format!("{dns_key}, not the server's"))
            .related(
                key_file_loc(l.file),
                format!("the {} Exim signs with", l.describe()),
            )
            .note(
                "receivers verify each signature with the key published at the \
                 selector; with another key there, DKIM fails for all of the domain's \
                 mail sent from this server (the keys are compared as DER, not as text)",
            )
            .fix(
                Fix::unsafe_(format!(
                    "publish the server's key: replace the record's data with {}",
                    local_key_path(l)
                ))
                .edits(edit::zone_replace_rdata(
                    zone,
                    r.at.record,
                    &edit::txt_rdata(&l.record_value()),
                    dom.today,
                ))
                .command(RELOAD),
            ),
    );
}
