//! SPF005: `+all`, `?all`, or neither `all` nor `redirect=`; and `ip4:`/`ip6:` mechanisms with
//! prefix length 0 (`ip4:0.0.0.0/0`, `ip6:::/0`), which match every address of their family
//! like `all` does: with the pass qualifier (written or not) an error, neutral (`?`) a warning.

use std::ops::Range;

use crate::finding::{Finding, Fix, Severity};
use crate::model::spf::SpfAt;
use crate::parse::spf::{Mechanism, Qualifier};
use crate::source::Span;

use super::*;

rule!(
    SPF005,
    "spf-permissive-all",
    Warning,
    Some("error for `+all` and for `ip4:`/`ip6:` with prefix 0"),
    Unsafe,
    [ZONES, MAIL_DOMAINS],
    "An SPF record that authorises every host (`+all`) or ends neutral (`?all`, no `all`)."
);

/// SPF005: `+all`, `?all`, or neither `all` nor `redirect`; `ip4:`/`ip6:` with prefix 0.
pub(super) fn check(c: &Ctx<'_>, dom: &Dom<'_>, rec: &SpfAt<'_>, out: &mut Vec<Finding>) {
    every_address(c, dom, rec, out);
    let d = dom.d;
    let spf = &rec.spf;
    let (severity, message, label, note, change, fix_msg, at) = match spf.all() {
        Some(term) => {
            let q = term.qualifier.map_or(Qualifier::Pass, |(q, _)| q);
            let written = spf.slice(term.span);
            let range = term.span.range();
            match q {
                Qualifier::Pass => (
                    Severity::Error,
                    format!(
                        "the SPF record of {d} ends with `{written}`: every host on the Internet may send mail as {d}"
                    ),
                    "authorises every address",
                    format!(
                        "`{written}` makes SPF pass for any sender, so forged mail from {d} passes SPF, and DMARC with it"
                    ),
                    (range, "~all".to_string()),
                    format!(
                        "replace `{written}` by `~all` (softfail for hosts the record does not list)"
                    ),
                    term.span,
                ),
                Qualifier::Neutral => (
                    Severity::Warning,
                    format!(
                        "the SPF record of {d} ends with `{written}`: it does not say that other hosts may not send as {d}"
                    ),
                    "neutral: no verdict on other hosts",
                    format!(
                        "a neutral result is treated like no SPF at all (RFC 7208 §8.2): forged mail from {d} is not marked, and DMARC cannot use SPF against it"
                    ),
                    (range, "~all".to_string()),
                    format!(
                        "replace `{written}` by `~all` (softfail for hosts the record does not list)"
                    ),
                    term.span,
                ),
                _ => return,
            }
        }
        // A syntax error may hide the `all` (`include:example.com~all`): SPF003 says so.
        None if spf.redirect().is_none() && spf.errors().next().is_none() => {
            let len = spf.text.len();
            let insert = if spf.text.ends_with(' ') {
                "~all"
            } else {
                " ~all"
            };
            (
                Severity::Warning,
                format!(
                    "the SPF record of {d} has no `all` and no `redirect=`: hosts it does not list get a neutral result"
                ),
                "ends without `all`",
                format!(
                    "when no term matches, the result is neutral (RFC 7208 §4.7), which receivers treat like no SPF at all: forged mail from {d} is not marked"
                ),
                (len..len, insert.to_string()),
                "append `~all` (softfail for hosts the record does not list)".to_string(),
                Span::new(0, len),
            )
        }
        None => return,
    };
    let mut f = dom
        .finding(&SPF005, message)
        .severity(severity)
        .at(rec.loc(at))
        .label(label)
        .note(note)
        .note(
            "`~all` marks mail from unlisted hosts as suspicious without refusing it, as \
             cPanel's default record does; use `-all` once every sender is listed",
        );
    if let Some(edits) = txt_edits(rec, &[change], c.today) {
        f = f.fix(Fix::unsafe_(fix_msg).edits(edits).command(RELOAD));
    }
    out.push(f);
}

/// `ip4:`/`ip6:` with prefix length 0: every address of the family matches (RFC 7208 §5.6), so
/// the term is an `all` for that family, whatever address is written before the `/0`.
fn every_address(c: &Ctx<'_>, dom: &Dom<'_>, rec: &SpfAt<'_>, out: &mut Vec<Finding>) {
    let d = dom.d;
    let spf = &rec.spf;
    for (term, mech) in spf.mechanisms() {
        let family = match mech {
            Mechanism::Ip4 {
                prefix: Some(p), ..
            } if p.len == 0 => "IPv4",
            Mechanism::Ip6 {
                prefix: Some(p), ..
            } if p.len == 0 => "IPv6",
            _ => continue,
        };
        let q = term.qualifier.map_or(Qualifier::Pass, |(q, _)| q);
        let written = spf.slice(term.span);
        let (severity, message, label, note) = match q {
            Qualifier::Pass => (
                Severity::Error,
                format!(
                    "the SPF record of {d} has `{written}`: every {family} host on the Internet may send mail as {d}"
                ),
                "matches every address, like `+all`",
                format!(
                    "a prefix length of 0 leaves no bit of the address to compare: `{written}` matches any {family} sender, so forged mail from {d} passes SPF, and DMARC with it"
                ),
            ),
            Qualifier::Neutral => (
                Severity::Warning,
                format!(
                    "the SPF record of {d} has `{written}`: it gives every {family} host a neutral result"
                ),
                "matches every address, like `?all`",
                format!(
                    "a prefix length of 0 matches any {family} sender, and a neutral result is treated like no SPF at all (RFC 7208 §8.2): the terms after it never apply to {family} senders"
                ),
            ),
            // `-ip4:0.0.0.0/0` and `~ip4:0.0.0.0/0` refuse or mark every sender of the family,
            // as `-all` and `~all` do.
            _ => continue,
        };
        let mut f = dom
            .finding(&SPF005, message)
            .severity(severity)
            .at(rec.loc(term.span))
            .label(label)
            .note(note);
        let ranges = removal_ranges(spf.text.as_bytes(), &[term.span]);
        let changes: Vec<(Range<usize>, String)> =
            ranges.into_iter().map(|r| (r, String::new())).collect();
        if let Some(edits) = txt_edits(rec, &changes, c.today) {
            f = f.fix(
                Fix::unsafe_(format!(
                    "remove `{written}`; list the networks that really send mail for {d} with `ip4:` or `ip6:`"
                ))
                .edits(edits)
                .command(RELOAD),
            );
        }
        out.push(f);
    }
}
