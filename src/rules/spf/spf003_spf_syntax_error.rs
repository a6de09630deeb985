//! SPF003: every syntax error of a record, at its place in the zone file.

use crate::finding::Finding;
use crate::model::spf::SpfAt;
use crate::parse::zone::RData;

use super::*;

rule!(
    SPF003,
    "spf-syntax-error",
    Error,
    None,
    None,
    [ZONES, MAIL_DOMAINS],
    "An SPF record that does not parse: a bad term, address, prefix, macro or version."
);

/// SPF003: every syntax error of a record, at its place in the zone file.
pub(super) fn check(dom: &Dom<'_>, rec: &SpfAt<'_>, out: &mut Vec<Finding>) {
    let d = dom.d;
    let is_spf = rec.spf.is_spf();
    for e in rec.spf.errors() {
        let mut f = dom
            .finding(
                &SPF003,
                format!("invalid SPF record for {d}: {}", e.message),
            )
            .at(rec.loc(e.span))
            .label("not valid SPF")
            .note(if is_spf {
                format!(
                    "RFC 7208 §4.6: a receiver that meets a syntax error rejects the whole \
                     record (permerror): no mail from {d} passes SPF, and DMARC cannot pass \
                     through SPF"
                )
            } else {
                format!(
                    "as written this TXT record is not an SPF record at all (RFC 7208 §4.5): \
                     receivers skip it and find no SPF policy for {d}"
                )
            });
        if let RData::Txt(txt) = &rec.record.data
            && txt.malformed()
        {
            f = f.note(format!(
                "the record is written as {} strings, some unquoted: DNS keeps them apart and \
                 SPF joins them without spaces; write the whole value as one quoted string",
                txt.strings.len()
            ));
        }
        if let Some(help) = &e.help {
            f = f.help(help.clone());
        }
        out.push(f);
    }
}
