//! SPF008: a character string of an SPF TXT record over 255 bytes.

use crate::finding::{Finding, Fix};
use crate::model::spf::SpfAt;
use crate::parse::zone::Txt;
use crate::rules::edit;

use super::*;

rule!(
    SPF008,
    "spf-string-too-long",
    Error,
    None,
    Safe,
    [ZONES, MAIL_DOMAINS],
    "A character string of an SPF TXT record over 255 bytes."
);

/// SPF008: a character string of an SPF TXT record over 255 bytes.
pub(super) fn check(
    c: &Ctx<'_>,
    dom: &Dom<'_>,
    rec: &SpfAt<'_>,
    txt: &Txt,
    out: &mut Vec<Finding>,
) {
    let long: Vec<usize> = txt
        .strings
        .iter()
        .enumerate()
        .filter(|(_, s)| s.bytes.len() > MAX_STRING_BYTES)
        .map(|(i, _)| i)
        .collect();
    let Some(&first) = long.first() else {
        return;
    };
    let owner = &rec.record.owner.name;
    let len = txt.strings[first].bytes.len();
    let message = if long.len() == 1 {
        format!(
            "the SPF record of {owner} is one string of {len} bytes; a DNS character string holds at most {MAX_STRING_BYTES}"
        )
    } else {
        format!(
            "the SPF record of {owner} has {} strings over {MAX_STRING_BYTES} bytes, the first of {len}",
            long.len()
        )
    };
    let mut f = dom
        .finding(&SPF008, message)
        .at(rec.zone.loc(txt.strings[first].span))
        .label(format!("{len} bytes in one string"))
        .note(format!(
            "BIND refuses to load a zone file with such a string (named-checkzone: syntax \
             error), so the whole zone {} keeps its last loaded version, or is not served at \
             all after a restart",
            rec.zone.doc.origin
        ))
        .note(
            "RFC 7208 §3.3: a longer record is written as several strings, which receivers \
             join without spaces",
        );
    if let Ok(value) = std::str::from_utf8(rec.text.bytes()) {
        f = f.fix(
            Fix::safe(format!(
                "split the value into strings of at most {MAX_STRING_BYTES} bytes, as cPanel writes them (receivers read the same record)"
            ))
            .edits(edit::zone_replace_rdata(
                rec.zone,
                rec.record,
                &edit::txt_rdata(value),
                c.today,
            ))
            .command(RELOAD),
        );
    }
    out.push(f);
}
