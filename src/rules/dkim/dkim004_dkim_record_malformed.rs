//! DKIM004: a DKIM record verifiers cannot read, or several records at the selector.

use crate::finding::{Edit, Finding, Fix};
use crate::model::Parsed;
use crate::model::dkim::{KeyRecord, Local, local_key_path};
use crate::parse::zone::Zone;
use crate::rules::edit;

use super::{Dom, FAMILY, RELOAD};

rule!(
    DKIM004,
    "dkim-record-malformed",
    Error,
    None,
    Unsafe,
    [ZONES, DKIM_KEYS, MAIL_DOMAINS],
    "A DKIM record verifiers cannot read, or several records at the selector."
);

pub(super) fn check(dom: &Dom<'_>, out: &mut Vec<Finding>) {
    let st = &dom.st;
    let Some(zone) = st.zone else {
        return;
    };
    match st.records.as_slice() {
        [] => {}
        [r] => malformed(dom, r, out),
        _ => several(dom, zone, out),
    }
}

/// The one record at the selector is malformed.
fn malformed(dom: &Dom<'_>, r: &KeyRecord<'_>, out: &mut Vec<Finding>) {
    let st = &dom.st;
    let d = &st.domain;
    let zone = r.at.zone;
    let local = match &st.local {
        Local::Usable(l) => Some(l),
        _ => None,
    };
    if let Some((first, rest)) = r.problems.split_first() {
        let mut f = dom
            .finding(
                &DKIM004,
                format!("the DKIM record of {d} is malformed: {}", first.message),
            )
            .at(zone.loc(first.span))
            .label(first.label.clone());
        for p in rest {
            f = f.related(zone.loc(p.span), p.message.clone());
        }
        let only_split = r.txt.malformed() && r.problems.len() == 1;
        if !only_split {
            f = f.note(match local {
                Some(_) => format!(
                    "verifiers that cannot read the record treat every signature Exim adds to \
                     {d}'s mail as failed (RFC 6376 §3.6.1)"
                ),
                None => "verifiers that cannot read the record fail every signature made with \
                         this selector (RFC 6376 §3.6.1)"
                    .to_string(),
            });
        }
        if r.txt.malformed() {
            f = f.note(
                "BIND joins the unquoted word to the quoted string, so the key may still verify \
                 today; but a bare word ends at the first space or `;`, and tools that read or \
                 rewrite the zone (the Zone Editor, DNS cluster synchronisation, migrations) \
                 need not read it the same way",
            );
        }
        if let Some(l) = local
            && r.key.public_key.as_deref().is_some_and(|p| !p.is_empty())
            && !r.matches(l)
        {
            f = f.note(format!(
                "its key is not the one Exim signs with either ({})",
                local_key_path(l)
            ));
        }
        if let Some(help) = &first.help {
            f = f.help(help.clone());
        }
        let fix = match local {
            Some(l) => Some(
                Fix::unsafe_(format!(
                    "rewrite the record from the server's key ({}), as cPanel writes it",
                    local_key_path(l)
                ))
                .edits(edit::zone_replace_rdata(
                    zone,
                    r.at.record,
                    &edit::txt_rdata(&l.record_value()),
                    dom.today,
                )),
            ),
            // Only the quoting is wrong: quote the same value again.
            None if only_split && std::str::from_utf8(r.text.bytes()).is_ok() => Some(
                Fix::unsafe_("quote the record's value again, in 255-byte strings").edits(
                    edit::zone_replace_rdata(
                        zone,
                        r.at.record,
                        &edit::txt_rdata(r.text.text()),
                        dom.today,
                    ),
                ),
            ),
            None => None,
        };
        if let Some(fix) = fix {
            f = f.fix(fix.command(RELOAD));
        }
        out.push(f);
    }
}

/// DKIM004: several records at the selector.
fn several(dom: &Dom<'_>, zone: &Parsed<Zone>, out: &mut Vec<Finding>) {
    let st = &dom.st;
    let d = &st.domain;
    let local = match &st.local {
        Local::Usable(l) => Some(l),
        _ => None,
    };
    let describe = |r: &KeyRecord<'_>| -> &'static str {
        match local {
            Some(l) if r.matches(l) => "holds the key Exim signs with",
            _ if r.is_malformed() => "malformed",
            _ if r.key.is_revoked() => "revoked key",
            Some(_) => "holds another key",
            None => "another key record",
        }
    };
    let n = st.records.len();
    let first = &st.records[0];
    let mut f = dom
        .finding(
            &DKIM004,
            format!(
                "{n} TXT records at {}: verifiers cannot tell which key is {d}'s",
                st.name
            ),
        )
        .at(first.owner_loc())
        .label(format!("first of {n} key records ({})", describe(first)));
    for r in &st.records[1..] {
        f = f.related(
            r.owner_loc(),
            format!("another key record ({})", describe(r)),
        );
    }
    f = f.note(
        "RFC 6376 §3.6.2.2: the key records at a selector must be unique; with several, the \
         result is undefined, and many verifiers fail the signature",
    );
    if let Some(l) = local {
        let keep = st.records.iter().position(|r| r.matches(l));
        let mut edits = Vec::new();
        for (i, r) in st.records.iter().enumerate() {
            match keep {
                Some(k) if k == i => {}
                None if i == 0 => edits.push(Edit::replace(
                    zone.path(),
                    r.at.record.rdata_span,
                    edit::txt_rdata(&l.record_value()),
                )),
                _ => edits.extend(record_removal(zone, r)),
            }
        }
        edits.extend(edit::serial_bump(zone, dom.today));
        let message = match keep {
            Some(_) => "keep the record that holds the server's key and remove the others",
            None => "keep one record, rewritten from the server's key, and remove the others",
        };
        f = f.fix(Fix::unsafe_(message).edits(edits).command(RELOAD));
    } else {
        f = f.help(format!(
            "keep the record of the key your sender uses and remove the others; this server \
             holds no key for {d}"
        ));
    }
    out.push(f);
}

/// The edit that removes a record with all its lines.
fn record_removal(zone: &Parsed<Zone>, r: &KeyRecord<'_>) -> Option<Edit> {
    let rec = r.at.record;
    edit::zone_item_span(zone, rec.owner.span.unwrap_or(rec.rtype_span))
        .map(|item| Edit::delete(zone.path(), item))
}
