//! DKIM003: a DKIM key shorter than 2048 bits (RFC 8301): the key Exim signs with, or, when
//! the server holds no key, the key in DNS.

use crate::finding::{Finding, Fix, Severity};
use crate::model::dkim::{Local, key_file_loc};

use super::{Dom, FAMILY};

rule!(
    DKIM003,
    "dkim-weak-key",
    Warning,
    Some("error below 1024 bits"),
    DisplayOnly,
    [ZONES, DKIM_KEYS, MAIL_DOMAINS],
    "A DKIM key shorter than 2048 bits (RFC 8301)."
);

/// DKIM003: the key Exim signs with, or else the key in DNS, is under 2048 bits.
pub(super) fn check(dom: &Dom<'_>, out: &mut Vec<Finding>) {
    let st = &dom.st;
    let d = &st.domain;
    let (bits, loc, local) = match &st.local {
        Local::Usable(l) => match l.bits {
            Some(bits) => (bits, key_file_loc(l.file), true),
            None => return,
        },
        Local::Unreadable(..) => return,
        Local::None => {
            if st.zone.is_none() {
                return;
            }
            let [r] = st.records.as_slice() else {
                return;
            };
            match r.key.rsa_key_bits() {
                Some(bits) => (bits, r.p_loc(), false),
                None => return,
            }
        }
    };
    if bits >= 2048 {
        return;
    }
    let (severity, why) = if bits < 1024 {
        (
            Severity::Error,
            "RFC 8301 §3.1: verifiers must not accept signatures made with RSA keys under 1024 \
             bits, so they count this domain's signatures as failed",
        )
    } else {
        (
            Severity::Warning,
            "RFC 8301 §3.1: signers must use RSA keys of at least 1024 bits and should use at \
             least 2048",
        )
    };
    out.push(
        dom.finding(
            &DKIM003,
            if local {
                format!("Exim signs {d}'s mail with a DKIM key of only {bits} bits")
            } else {
                format!("the DKIM key published for {d} has only {bits} bits")
            },
        )
        .severity(severity)
        .at(loc)
        .label(format!("a {bits}-bit RSA key"))
        .note(why)
        .fix(Fix::display_only(format!(
            "generate a 2048-bit key for {d} in cPanel » Email Deliverability (Manage), then \
             publish its record in the zone"
        ))),
    );
}
