//! SPF002: more than one SPF record at a domain; the fix merges them into the first.

use crate::finding::{Edit, Finding, Fix};
use crate::model::spf::SpfAt;
use crate::parse::spf::{Mechanism, Modifier, TermKind};
use crate::parse::zone::Record;
use crate::rules::edit;

use super::*;

rule!(
    SPF002,
    "multiple-spf-records",
    Error,
    None,
    Unsafe,
    [ZONES, MAIL_DOMAINS],
    "More than one SPF record at a domain: receivers treat its SPF as broken."
);

/// SPF002: several SPF records; the fix merges them into the first.
pub(super) fn check(c: &Ctx<'_>, dom: &Dom<'_>, records: &[SpfAt<'_>], out: &mut Vec<Finding>) {
    let d = dom.d;
    let n = records.len();
    let first = &records[0];
    let mut f = dom
        .finding(
            &SPF002,
            format!(
                "{d} has {n} SPF records: receivers treat that as a permanent error, so no \
                 mail from {d} passes SPF"
            ),
        )
        .at(records[1].loc(whole(&records[1].spf)))
        .label("another `v=spf1` record")
        .related(first.loc(whole(&first.spf)), "first SPF record")
        .note(
            "RFC 7208 §3.2 and §4.5: a domain publishes one SPF record; with several, \
             check_host() returns permerror whatever they say",
        );
    for r in &records[2..] {
        f = f.related(r.loc(whole(&r.spf)), "another SPF record");
    }
    let merged = merge(records);
    let zone = first.zone;
    let mut edits = Vec::new();
    if merged.text != first.spf.text {
        edits.push(Edit::replace(
            zone.path(),
            first.record.rdata_span,
            edit::txt_rdata(&merged.text),
        ));
    }
    let others: Vec<&Record> = records[1..].iter().map(|r| r.record).collect();
    edits.extend(edit::zone_delete_records(zone, &others));
    edits.extend(edit::serial_bump(zone, c.today));
    let mut message = format!("merge them into one record: `{}`", merged.text);
    if merged.added.is_empty() {
        message.push_str(" (the first record already holds every term of the others)");
    } else {
        message.push_str(&format!(
            "; the first record's terms stay in order and {} {} added before its `all`",
            merged
                .added
                .iter()
                .map(|t| format!("`{t}`"))
                .collect::<Vec<_>>()
                .join(", "),
            if merged.added.len() == 1 { "is" } else { "are" }
        ));
    }
    if !merged.dropped.is_empty() {
        message.push_str(&format!(
            "; {} of the other record{} {} dropped",
            merged
                .dropped
                .iter()
                .map(|t| format!("`{t}`"))
                .collect::<Vec<_>>()
                .join(", "),
            if n > 2 { "s" } else { "" },
            if merged.dropped.len() == 1 {
                "is"
            } else {
                "are"
            }
        ));
    }
    message.push_str(&format!(
        "; {} deleted",
        if n == 2 {
            "the other record is".to_string()
        } else {
            format!("the {} other records are", n - 1)
        }
    ));
    out.push(f.fix(Fix::unsafe_(message).edits(edits).command(RELOAD)));
}

/// The result of merging several SPF records.
pub(super) struct Merged {
    pub(super) text: String,
    /// Terms of the other records added to the first.
    pub(super) added: Vec<String>,
    /// Terms of the other records left out (`all`, modifiers already present).
    pub(super) dropped: Vec<String>,
}

/// Merges SPF records into the first: its terms in order; the other records' terms that it
/// lacks (compared without case and without a `+` qualifier) before its `all` (else before its
/// first `redirect=`/`exp=`, else at the end); the first `all` of all records; a `redirect=` or
/// `exp=` only if the first record has none (and a `redirect=` only without `all`).
pub(super) fn merge(records: &[SpfAt<'_>]) -> Merged {
    let key = |t: &str| t.trim_start_matches('+').to_ascii_lowercase();
    let first = &records[0].spf;
    let version = first
        .version
        .map_or("v=spf1".to_string(), |v| first.slice(v).to_string());
    let mut terms: Vec<String> = first
        .terms
        .iter()
        .map(|t| first.slice(t.span).to_string())
        .collect();
    let mut keys: Vec<String> = terms.iter().map(|t| key(t)).collect();
    let mut has_all = first.all().is_some();
    let mut has_redirect = first.redirect().is_some();
    let mut has_exp = first.exp().is_some();
    let insert_at = first
        .terms
        .iter()
        .position(|t| {
            matches!(
                t.kind,
                TermKind::Mechanism(Mechanism::All)
                    | TermKind::Modifier(Modifier::Redirect(_) | Modifier::Exp(_))
            )
        })
        .unwrap_or(terms.len());
    let mut added = Vec::new();
    let mut dropped = Vec::new();
    let mut new_all = None;
    let mut new_modifiers = Vec::new();
    for r in &records[1..] {
        for t in &r.spf.terms {
            let text = r.spf.slice(t.span).to_string();
            let k = key(&text);
            match &t.kind {
                TermKind::Mechanism(Mechanism::All) => {
                    if has_all || has_redirect {
                        if !keys.contains(&k) {
                            dropped.push(text);
                        }
                    } else {
                        has_all = true;
                        new_all = Some(text);
                    }
                    continue;
                }
                TermKind::Modifier(Modifier::Redirect(_)) => {
                    if has_redirect || has_all {
                        if !keys.contains(&k) {
                            dropped.push(text);
                        }
                    } else {
                        has_redirect = true;
                        keys.push(k);
                        new_modifiers.push(text);
                    }
                    continue;
                }
                TermKind::Modifier(Modifier::Exp(_)) => {
                    if has_exp {
                        if !keys.contains(&k) {
                            dropped.push(text);
                        }
                    } else {
                        has_exp = true;
                        keys.push(k);
                        new_modifiers.push(text);
                    }
                    continue;
                }
                _ => {}
            }
            if keys.contains(&k) {
                continue;
            }
            keys.push(k);
            added.push(text);
        }
    }
    let mut tail = terms.split_off(insert_at);
    terms.extend(added.iter().cloned());
    if let Some(all) = &new_all {
        terms.push(all.clone());
        added.push(all.clone());
    }
    terms.append(&mut tail);
    added.extend(new_modifiers.iter().cloned());
    terms.extend(new_modifiers);
    let mut text = version;
    for t in &terms {
        text.push(' ');
        text.push_str(t);
    }
    Merged {
        text,
        added,
        dropped,
    }
}
