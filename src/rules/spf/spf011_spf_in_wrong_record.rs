//! SPF011: SPF terms in a TXT record that is not SPF, or an SPF-type (99) record.

use std::ops::Range;

use crate::finding::{Edit, Finding, Fix};
use crate::model::Parsed;
use crate::model::spf::SpfAt;
use crate::parse::spf::SpfTerm;
use crate::parse::zone::{Record, Zone};
use crate::rules::edit;
use crate::source::Span;

use super::*;

rule!(
    SPF011,
    "spf-in-wrong-record",
    Warning,
    None,
    Unsafe,
    [ZONES, MAIL_DOMAINS],
    "SPF terms in a TXT record that is not SPF, or an SPF-type (99) record."
);

/// SPF011: SPF terms in a TXT record that is not SPF.
pub(super) fn stray_terms(c: &Ctx<'_>, dom: &Dom<'_>, rec: &SpfAt<'_>, out: &mut Vec<Finding>) {
    let stray: Vec<&SpfTerm> = rec.spf.terms.iter().filter(|t| is_spf_term(t)).collect();
    let (Some(first), Some(last)) = (stray.first(), stray.last()) else {
        return;
    };
    let owner = &rec.record.owner.name;
    let words: Vec<String> = stray
        .iter()
        .map(|t| format!("`{}`", rec.spf.slice(t.span)))
        .collect();
    let mut f = dom
        .finding(
            &SPF011,
            format!(
                "the TXT record of {owner} holds SPF terms ({}), but it is not an SPF record",
                words.join(", ")
            ),
        )
        .at(rec.loc(first.span.join(last.span)))
        .label("SPF terms in a non-SPF record")
        .note(format!(
            "receivers read SPF only from the TXT record at the sender's domain that starts \
             with `v=spf1`: these terms authorise nothing, and whatever reads this record \
             ({owner}) finds text it does not expect; a tool that edits SPF records probably \
             matched the wrong record"
        ));
    if meant_as_spf(rec.spf.text.as_str(), &rec.spf) {
        // Nothing but SPF terms: an SPF record that lost its `v=spf1`, or a stray copy.
        out.push(f.help(format!(
            "if an `include:` or `redirect=` names {owner}, start the record with `v=spf1 `; otherwise delete it"
        )));
        return;
    }
    let spans: Vec<Span> = stray.iter().map(|t| t.span).collect();
    let changes: Vec<(Range<usize>, String)> = removal_ranges(rec.spf.text.as_bytes(), &spans)
        .into_iter()
        .map(|r| (r, String::new()))
        .collect();
    let fix = if remains_blank(&rec.spf.text, &changes) {
        let mut edits = edit::zone_delete_records(rec.zone, &[rec.record]);
        edits.extend(edit::serial_bump(rec.zone, c.today));
        Some(
            Fix::unsafe_(format!(
                "delete the record: it holds nothing but {}",
                words.join(", ")
            ))
            .edits(edits),
        )
    } else {
        txt_edits(rec, &changes, c.today).map(|edits| {
            Fix::unsafe_(format!(
                "remove {} from the record (senders of {} belong in its SPF record)",
                words.join(", "),
                dom.d
            ))
            .edits(edits)
        })
    };
    if let Some(fix) = fix {
        f = f.fix(fix.command(RELOAD));
    }
    out.push(f);
}

/// SPF011: an SPF-type (99) record.
pub(super) fn type99(
    c: &Ctx<'_>,
    dom: &Dom<'_>,
    zone: &Parsed<Zone>,
    record: &Record,
    out: &mut Vec<Finding>,
) {
    let s = c.s;
    let owner = &record.owner.name;
    let has_txt = s.spf_records(owner).is_some_and(|r| !r.is_empty());
    let convert = !has_txt
        && type99_at(s, owner)
            .first()
            .is_some_and(|r| std::ptr::eq(*r, record));
    let mut f = dom
        .finding(
            &SPF011,
            format!("{owner} has an SPF-type (99) record, which receivers do not read"),
        )
        .at(zone.loc(record.rtype_span))
        .label("record type SPF")
        .note(
            "RFC 7208 §3.1 and §14.1: SPF is published in TXT records only; the SPF record \
             type is obsolete and receivers ignore it",
        );
    let fix = if convert {
        f = f.note(format!(
            "{owner} has no TXT record starting with `v=spf1`, so receivers see no SPF policy at all"
        ));
        let mut edits = vec![Edit::replace(zone.path(), record.rtype_span, "TXT")];
        edits.extend(edit::serial_bump(zone, c.today));
        Fix::unsafe_("publish it as a TXT record: change its type from SPF to TXT").edits(edits)
    } else {
        let mut edits = edit::zone_delete_records(zone, &[record]);
        edits.extend(edit::serial_bump(zone, c.today));
        let why = if has_txt {
            "the TXT record is the one receivers read"
        } else {
            "another SPF-type record at this name is converted to TXT"
        };
        Fix::unsafe_(format!("delete the SPF-type record: {why}")).edits(edits)
    };
    out.push(f.fix(fix.command(RELOAD)));
}
