//! MX003: a null MX (RFC 7505) together with other MX records, or on a domain that receives
//! mail here.

use crate::finding::Finding;
use crate::parse::zone::RData;

use super::{Dom, FAMILY};

rule!(
    MX003,
    "null-mx-conflict",
    Error,
    None,
    None,
    [ZONES, MAIL_DOMAINS, LISTS],
    "A null MX together with other MX records, or on a domain that receives mail here."
);

/// MX003: a null MX with other MX records, or on a domain that receives mail here.
pub(super) fn check(dom: &Dom<'_>, out: &mut Vec<Finding>) {
    let (s, d, mx) = (dom.s, dom.name.as_str(), &dom.mx);
    let Some(null) = mx
        .iter()
        .find(|r| matches!(&r.record.data, RData::Mx { exchange, .. } if exchange.is_root()))
    else {
        return;
    };
    let others = mx.len() - 1;
    let local = s.lists.in_local(d);
    let accounts = s.mail_files(d).is_some_and(|m| m.has_accounts());
    let why = if others > 0 {
        format!(
            "{others} other MX {} with it",
            if others == 1 {
                "record stands"
            } else {
                "records stand"
            }
        )
    } else if local {
        format!("{d} is in etc/localdomains, so this server accepts its mail")
    } else if accounts {
        format!("{d} has mail accounts on this server")
    } else {
        return;
    };
    let mut f = dom.finding(
        &MX003,
        format!("{d} publishes a null MX (it receives no mail), but {why}"),
    )
    .at(null.loc())
    .label("null MX: `MX 0 .`")
    .note("RFC 7505: a domain that publishes a null MX must publish no other MX; senders bounce mail to it at once (556 5.1.10), and some refuse mail from it");
    for r in mx.iter().filter(|r| !std::ptr::eq(r.record, null.record)) {
        f = f.related(r.loc(), "another MX record");
    }
    out.push(f.help(format!(
        "decide whether {d} receives mail: remove the null MX, or remove the other MX records and its mail setup here"
    )));
}
