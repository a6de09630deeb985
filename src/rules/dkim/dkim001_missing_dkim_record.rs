//! DKIM001: Exim signs a domain's mail with a key that its zone does not publish.

use crate::finding::{Finding, Fix, Loc};
use crate::model::dkim::{Local, SELECTOR, key_file_loc};
use crate::rules::edit;

use super::{Dom, FAMILY, RELOAD};

rule!(
    DKIM001,
    "missing-dkim-record",
    Warning,
    None,
    Safe,
    [ZONES, DKIM_KEYS, MAIL_DOMAINS],
    "Exim signs a domain's mail with a key that its zone does not publish."
);

pub(super) fn check(dom: &Dom<'_>, out: &mut Vec<Finding>) {
    let st = &dom.st;
    let (Some(zone), []) = (st.zone, st.records.as_slice()) else {
        return;
    };
    let Local::Usable(local) = &st.local else {
        return;
    };
    let d = &st.domain;
    let edits = edit::zone_add_record(
        zone,
        &st.name,
        "TXT",
        &edit::txt_rdata(&local.record_value()),
        dom.today,
    );
    out.push(
        dom.finding(
            &DKIM001,
            format!(
                "Exim signs {d}'s mail with the key in {}, but the zone publishes no DKIM record at {}",
                local.file.file.path(),
                st.name
            ),
        )
        .at(key_file_loc(local.file))
        .label(format!("the {} Exim signs with", local.describe()))
        .related(
            Loc::file_start(zone.path()),
            format!("the zone of {d}: no TXT record at {SELECTOR}"),
        )
        .note(
            "receivers look the key up at the selector named in each signature; with no record \
             there, every signature fails (RFC 6376 §6.1.2), so DMARC can rely on SPF alone",
        )
        .fix(
            Fix::safe(format!(
                "publish the server's key: add the {SELECTOR} TXT record as cPanel writes it"
            ))
            .edits(edits)
            .command(RELOAD),
        ),
    );
}
