//! MX004: a mail domain with mail accounts or forwarders but no MX and no address.

use crate::finding::Finding;
use crate::model::dns::Resolution;

use super::{Dom, FAMILY};

rule!(
    MX004,
    "no-mail-exchanger",
    Warning,
    None,
    None,
    [ZONES, MAIL_DOMAINS],
    "A mail domain with mailboxes or forwarders but no MX and no address."
);

/// MX004: no MX and no address for a mail domain with mailboxes or forwarders.
pub(super) fn check(dom: &Dom<'_>, out: &mut Vec<Finding>) {
    let (s, d) = (dom.s, dom.name.as_str());
    let accounts = s.mail_files(d).is_some_and(|m| m.has_accounts());
    let forwarders = s.has_forwarders(d);
    if !accounts && !forwarders {
        return;
    }
    if matches!(
        s.resolve(d),
        Resolution::Addresses { .. } | Resolution::Server(_)
    ) {
        return;
    }
    let zone = s.zone_of(d).expect("checked by the caller");
    let what = match (accounts, forwarders) {
        (true, true) => "mail accounts and forwarders",
        (true, false) => "mail accounts",
        _ => "forwarders",
    };
    let f = dom
        .finding(
            &MX004,
            format!(
                "{d} has {what} here but no MX and no address record: no one can deliver mail to it"
            ),
        )
        .at(crate::finding::Loc::file_start(zone.path()))
        .note("RFC 5321 §5.1: without an MX, senders fall back to the domain's own address; with neither, mail to the domain bounces");
    out.push(f.help(format!(
        "add an MX record for {d} (cPanel's default: `{d}. IN MX 0 {d}.` with an A record)"
    )));
}
