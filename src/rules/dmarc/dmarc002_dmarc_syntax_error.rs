//! DMARC002: a DMARC record receivers cannot read as written, or several records.

use crate::finding::Finding;
use crate::parse::dmarc::DmarcRecord;

use super::{DmarcAt, Dom, FAMILY};

rule!(
    DMARC002,
    "dmarc-syntax-error",
    Error,
    None,
    None,
    [ZONES, MAIL_DOMAINS],
    "A DMARC record receivers cannot read as written, or several records."
);

/// DMARC002 for the syntax errors of one record; `alone`: no other record at `_dmarc` starts
/// with `v=DMARC1`.
pub(super) fn check(dom: &Dom<'_>, r: &DmarcAt<'_>, alone: bool, out: &mut Vec<Finding>) {
    let d = &dom.name;
    let errors = r.rec.errors();
    let Some((first, rest)) = errors.split_first() else {
        return;
    };
    let mut f = dom
        .finding(
            &DMARC002,
            format!("the DMARC record of {d} is invalid: {}", first.message),
        )
        .at(r.loc(first.span))
        .label("here");
    for e in rest {
        f = f.related(r.loc(e.span), e.message.clone());
    }
    f = f.note(consequence(r.rec, alone));
    for n in r.tag_notes() {
        f = f.note(n);
    }
    if let Some(h) = &first.help {
        f = f.help(h.clone());
    }
    out.push(f);
}

/// Several records start with `v=DMARC1`: receivers apply none of them.
pub(super) fn several(dom: &Dom<'_>, recs: &[DmarcAt<'_>], out: &mut Vec<Finding>) {
    let d = &dom.name;
    let [first, rest @ ..] = recs else {
        return;
    };
    {
        let n = recs.len();
        let mut f = dom
            .finding(
                &DMARC002,
                format!("{n} DMARC records at _dmarc.{d}: receivers apply none of them"),
            )
            .at(first.owner_loc())
            .label(format!("first of {n} DMARC records"));
        for r in rest {
            f = f.related(r.owner_loc(), "another DMARC record");
        }
        out.push(
            f.note(
                "RFC 7489 §6.6.3: when the query returns several DMARC records, the \
                         receiver applies no DMARC policy to the domain's mail",
            )
            .help("merge them into one record and remove the others"),
        );
    }
}

/// What an invalid record means for receivers.
fn consequence(rec: &DmarcRecord, alone: bool) -> String {
    if !rec.is_dmarc() {
        format!(
            "receivers ignore a TXT record at _dmarc that does not start with `v=DMARC1` (RFC \
             7489 §6.6.3){}",
            if alone {
                ": the domain has no DMARC policy"
            } else {
                ""
            }
        )
    } else if rec.p().is_none() {
        "without a valid `p`, RFC 7489 receivers ignore the record (or read it as p=none when \
         rua= is valid), and RFC 9989 reads it as p=none"
            .into()
    } else {
        "receivers ignore the invalid tags and use their defaults (RFC 7489 §6.3); the policy \
         itself still applies"
            .into()
    }
}
