//! SPF006: the record, evaluated offline, does not pass for the address this server sends from.

use std::net::IpAddr;

use crate::finding::{Finding, Fix, Severity};
use crate::model::spf::{Outcome, SpfAt};
use crate::source::Span;

use super::*;

rule!(
    SPF006,
    "spf-server-not-authorized",
    Error,
    Some("warning when a name outside the local zones might authorise the server"),
    Unsafe,
    [ZONES, MAIL_DOMAINS, EXIM],
    "The domain's SPF record does not authorise the address this server sends its mail from."
);

/// SPF006: the evaluated record does not pass for the address this server sends from.
pub(super) fn check(c: &Ctx<'_>, dom: &Dom<'_>, rec: &SpfAt<'_>, out: &mut Vec<Finding>) {
    let s = c.s;
    let d = dom.d;
    let Some(ip) = s.mail_ip(d) else {
        return;
    };
    let verdict = s.check_spf(d, ip);
    if verdict.outcome == Outcome::Pass {
        return;
    }
    let source = mail_ip_source(s, d);
    let spf = &rec.spf;
    // The term that decided, when it is in this record.
    let deciding = verdict
        .decided_by
        .as_ref()
        .filter(|(name, _)| name == d)
        .and_then(|(_, text)| {
            spf.mechanisms()
                .map(|(t, _)| t)
                .find(|t| spf.slice(t.span) == text)
        });
    let result = verdict.outcome.name();
    if let Outcome::PermError(why) = &verdict.outcome {
        let mut f = dom
            .finding(
                &SPF006,
                format!(
                    "this server sends {d}'s mail from {ip}, and the SPF record of {d} gives a permanent error for it: {why}"
                ),
            )
            .at(rec.loc(deciding.map_or(whole(spf), |t| t.span)))
            .label("evaluation stops here with permerror")
            .note(format!(
                "mail for {d} leaves this server from {ip} ({source}); with permerror it \
                 fails SPF, and DMARC cannot pass through SPF"
            ))
            .help("fix the record named in the message; then check again");
        // Syntax errors of the records reached through local includes (SPF003 covers only
        // the records of mail domains).
        for (name, _, _) in c.included_records(d) {
            if let Some(recs) = s.spf_records(&name)
                && let [r] = recs.as_slice()
                && let Some(e) = r.spf.errors().next()
            {
                f = f.related(r.loc(e.span), format!("{name}: {}", e.message));
            }
        }
        out.push(f);
        return;
    }
    let (severity, message) = if verdict.is_certain() {
        (
            Severity::Error,
            format!(
                "this server sends {d}'s mail from {ip}, which the SPF record of {d} does not authorise (result: {result})"
            ),
        )
    } else {
        (
            Severity::Warning,
            format!(
                "this server sends {d}'s mail from {ip}, which the SPF record of {d} may not authorise (result: {result} unless {} authorises it)",
                verdict.unknown.join(", ")
            ),
        )
    };
    let label = match deciding {
        Some(t) => format!("`{}` decides: {result}", spf.slice(t.span)),
        None => format!("no term matches {ip}: {result}"),
    };
    let mut f = dom
        .finding(&SPF006, message)
        .severity(severity)
        .at(rec.loc(deciding.map_or(whole(spf), |t| t.span)))
        .label(label)
        .note(format!(
            "mail for {d} leaves this server from {ip} ({source}): receivers that check SPF \
             junk or refuse it, and DMARC cannot pass through SPF"
        ));
    if !verdict.is_certain() {
        f = f.note(format!(
            "{} {} outside this server's zones and cannot be read offline: check that it \
             lists {ip}, or authorise {ip} here",
            verdict.unknown.join(", "),
            if verdict.unknown.len() == 1 {
                "is"
            } else {
                "are"
            }
        ));
    }
    if !verdict.public.is_empty() {
        f = f.note(format!(
            "judged with public DNS (--resolve, asked through {}) for the records outside this server's zones: {}",
            s.public.as_ref().map_or("", |v| v.source.as_str()),
            verdict.public.join(", ")
        ));
    }
    if let Some((name, text)) = &verdict.decided_by
        && name != d
    {
        f = f.note(format!(
            "the result comes from `{text}` in the SPF record of {name}"
        ));
    }
    // Insert before the deciding term, else before `all`, else before `redirect=`, else at
    // the end.
    let at = deciding
        .or_else(|| spf.all())
        .or_else(|| spf.redirect().map(|(t, _)| t))
        .map(|t| t.span.start as usize);
    let mech = match ip {
        IpAddr::V4(a) => format!("+ip4:{a}"),
        IpAddr::V6(a) => format!("+ip6:{a}"),
    };
    let (change, where_) = match at {
        Some(at) => (
            (at..at, format!("{mech} ")),
            format!(
                "before `{}`",
                spf.slice(term_at(spf, at).map_or(Span::at(at), |t| t.span))
            ),
        ),
        None => {
            let len = spf.text.len();
            let text = if spf.text.ends_with(' ') {
                mech.clone()
            } else {
                format!(" {mech}")
            };
            ((len..len, text), "at the end".to_string())
        }
    };
    if let Some(edits) = txt_edits(rec, &[change], c.today) {
        f = f.fix(
            Fix::unsafe_(format!("authorise this server: add `{mech}` {where_}"))
                .edits(edits)
                .command(RELOAD),
        );
    }
    out.push(f);
}
