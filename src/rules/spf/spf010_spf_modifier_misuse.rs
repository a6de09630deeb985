//! SPF010: `redirect=` next to `all`, repeated `redirect=`/`exp=`, terms after `all`.

use crate::finding::Finding;
use crate::model::spf::SpfAt;
use crate::parse::spf::{Modifier, SpfTerm, TermKind};

use super::*;

rule!(
    SPF010,
    "spf-modifier-misuse",
    Warning,
    None,
    None,
    [ZONES, MAIL_DOMAINS],
    "`redirect=` next to `all`, a repeated `redirect=` or `exp=`, or terms after `all`."
);

/// SPF010: `redirect=` next to `all`, repeated `redirect=`/`exp=`, mechanisms after `all`.
/// Returns whether a modifier is repeated (the record is then a permanent error).
pub(super) fn check(dom: &Dom<'_>, rec: &SpfAt<'_>, out: &mut Vec<Finding>) -> bool {
    let d = dom.d;
    let spf = &rec.spf;
    let mut repeated = false;
    if let (Some(all), Some((redirect, _))) = (spf.all(), spf.redirect()) {
        out.push(
            dom.finding(
                &SPF010,
                format!(
                    "the SPF record of {d} has both `{}` and `{}`: the redirect is ignored",
                    spf.slice(all.span),
                    spf.slice(redirect.span)
                ),
            )
            .at(rec.loc(redirect.span))
            .label("never followed")
            .related(rec.loc(all.span), "`all` ends every evaluation")
            .note(
                "RFC 7208 §6.1: `redirect=` is used only when the record has no `all`; the \
                 record named there is never read",
            )
            .help(format!(
                "remove `{}`, or remove `{}` if the other record should decide",
                spf.slice(redirect.span),
                spf.slice(all.span)
            )),
        );
    }
    for (name, kind) in [("redirect", "redirect="), ("exp", "exp=")] {
        let terms: Vec<&SpfTerm> = spf
            .modifiers()
            .filter(|(_, m)| m.name() == name && !matches!(m, Modifier::Unknown { .. }))
            .map(|(t, _)| t)
            .collect();
        if terms.len() < 2 {
            continue;
        }
        repeated = true;
        let mut f = dom
            .finding(
                &SPF010,
                format!(
                    "the SPF record of {d} has `{kind}` {} times: receivers treat it as a permanent error",
                    terms.len()
                ),
            )
            .at(rec.loc(terms[1].span))
            .label(format!("`{kind}` again"))
            .related(rec.loc(terms[0].span), format!("first `{kind}`"))
            .note(format!(
                "RFC 7208 §6: `redirect=` and `exp=` may each appear once; with more, \
                 check_host() returns permerror and no mail from {d} passes SPF"
            ));
        f = f.help(format!("keep one `{kind}` and remove the others"));
        out.push(f);
    }
    let after: Vec<&SpfTerm> = spf
        .terms_after_all()
        .iter()
        .filter(|t| matches!(t.kind, TermKind::Mechanism(_)))
        .collect();
    if let (Some(first), Some(last), Some(all)) = (after.first(), after.last(), spf.all()) {
        let n = after.len();
        out.push(
            dom.finding(
                &SPF010,
                format!(
                    "the SPF record of {d} has {n} {} after `{}`, never evaluated",
                    if n == 1 { "mechanism" } else { "mechanisms" },
                    spf.slice(all.span)
                ),
            )
            .at(rec.loc(first.span.join(last.span)))
            .label("after `all`: never evaluated")
            .related(rec.loc(all.span), "evaluation ends here")
            .note(
                "RFC 7208 §5.1: `all` always matches, so mechanisms after it are never tested; \
                 the hosts they name are not authorised",
            )
            .help(format!(
                "move them before `{}`, or remove them",
                spf.slice(all.span)
            )),
        );
    }
    repeated
}
