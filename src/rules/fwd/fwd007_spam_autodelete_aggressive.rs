//! FWD007: a filter that deletes mail by spam score at 5 or less.

use std::collections::{BTreeMap, BTreeSet};

use crate::finding::{Edit, Finding, Fix};
use crate::model::Parsed;
use crate::parse::filter::{DiscardKind, Filter, SpamKind, SpamTest, Threshold};

use super::{FAMILY, World};

/// The deletion threshold FWD007's fix writes, in points of spam score.
const RAISED_SCORE: u32 = 10;

rule!(
    FWD007,
    "spam-autodelete-aggressive",
    Warning,
    None,
    Unsafe,
    [LISTS, FILTERS, MAIL_ACCOUNTS],
    "A filter that deletes mail from a spam score of 5 or less."
);

/// Whose filter a file is.
enum Scope<'a> {
    /// `etc/vfilters/D`: every address of the domain.
    Domain(&'a str),
    /// `HOME/etc/D/L/filter`.
    Mailbox(&'a str, &'a str),
    /// `HOME/etc/filter`.
    Account(&'a str),
}

fn score_text(tenths: u32) -> String {
    if tenths.is_multiple_of(10) {
        (tenths / 10).to_string()
    } else {
        format!("{}.{}", tenths / 10, tenths % 10)
    }
}

/// The edit that raises one spam test to [`RAISED_SCORE`].
fn raise(path: &str, t: &SpamTest) -> Edit {
    let quote = |s: String| {
        if t.value.quoted {
            format!("\"{s}\"")
        } else {
            s
        }
    };
    match t.kind {
        SpamKind::Bar => {
            Edit::replace(path, t.value.span, quote("+".repeat(RAISED_SCORE as usize)))
        }
        SpamKind::ScoreInt => {
            Edit::replace(path, t.value.span, quote((RAISED_SCORE * 10).to_string()))
        }
        SpamKind::Status => Edit::replace(
            path,
            t.span,
            format!(
                "$header_X-Spam-Bar: contains \"{}\"",
                "+".repeat(RAISED_SCORE as usize)
            ),
        ),
    }
}

pub(super) fn check(w: &World<'_>, out: &mut Vec<Finding>) {
    let s = w.s;
    let mut files: Vec<(Scope<'_>, &Parsed<Filter>, Option<String>)> = Vec::new();
    for (d, f) in &s.vfilters {
        if w.is_local(d) {
            files.push((Scope::Domain(d), f, w.user_of(d)));
        }
    }
    for a in s.accounts.values() {
        if let Some(f) = &a.filter {
            files.push((Scope::Account(&a.user), f, Some(a.user.clone())));
        }
        for (d, mail) in &a.mail {
            if !w.is_local(d) {
                continue;
            }
            for (l, f) in &mail.filters {
                files.push((Scope::Mailbox(d, l), f, Some(a.user.clone())));
            }
        }
    }
    let mut reported: BTreeSet<(String, u32)> = BTreeSet::new();
    for (scope, file, user) in files {
        let discards: BTreeMap<_, _> = file
            .doc
            .discards()
            .into_iter()
            .filter_map(|x| x.spam().map(|sp| (x.span, (x, sp))))
            .collect();
        for (discard, spam) in discards.into_values() {
            if spam.threshold.tenths() > 50 {
                continue;
            }
            let low: Vec<&SpamTest> = spam
                .tests
                .iter()
                .filter(|t| t.threshold.tenths() <= 50)
                .collect();
            let Some(first) = low.first() else { continue };
            if !reported.insert((file.path().to_string(), first.span.start)) {
                continue;
            }
            let (whose, domain) = match scope {
                Scope::Domain(d) => (format!("every address of {d}"), Some(d.to_string())),
                Scope::Mailbox(d, l) => (format!("{l}@{d}"), Some(d.to_string())),
                Scope::Account(u) => (
                    format!("{u}'s main account"),
                    s.accounts.get(u).and_then(|a| a.main_domain.clone()),
                ),
            };
            let t = spam.threshold.tenths();
            let strict = spam
                .tests
                .iter()
                .filter(|x| x.threshold == spam.threshold)
                .all(|x| x.strict);
            let what = match spam.threshold {
                Threshold::SpamThreshold => "that SpamAssassin marks as spam (the account's Spam Threshold Score, 5 unless it was changed)".to_string(),
                _ if strict => format!("with a spam score above {}", score_text(t)),
                _ => format!("with a spam score of {} or more", score_text(t)),
            };
            let label = match first.threshold {
                Threshold::SpamThreshold => "true for every message marked as spam".to_string(),
                x if first.strict => {
                    format!("true for a spam score above {}", score_text(x.tenths()))
                }
                x => format!(
                    "true for a spam score of {} or more",
                    score_text(x.tenths())
                ),
            };
            let mut f = Finding::new(
                &FWD007,
                format!("{} deletes mail {what}, for {whose}", file.path()),
            )
            .maybe_domain(domain.clone())
            .maybe_user(user.clone())
            .at(file.loc(first.span))
            .label(label);
            for t in &low[1..] {
                f = f.related(file.loc(t.span), "also decides the deletion");
            }
            f = f.related(
                file.loc(discard.span),
                match discard.kind {
                    DiscardKind::DevNull => "saves the message to /dev/null: it is deleted",
                    DiscardKind::SeenFinish => {
                        "`seen finish` with no delivery before it: the message is deleted"
                    }
                },
            );
            let rule_name = file.doc.rule_name(discard.span);
            if let Some(name) = rule_name {
                f = f.related(file.loc(name), "the rule's name in cPanel");
            }
            let at = match spam.threshold {
                Threshold::SpamThreshold => "at the spam threshold".to_string(),
                _ => format!("at a score of {}", score_text(t)),
            };
            f = f.note(format!(
                "SpamAssassin scores are estimates, and cPanel marks mail as spam from 5 by default: {at}, legitimate mail such as newsletters, invoices and first messages from new correspondents is regularly caught (cPanel's API documentation calls an auto-delete score of 5 aggressive). Deleted mail is gone: neither the sender nor the recipient is told"
            ));
            f = f.note(match scope {
                Scope::Domain(_) => "cPanel writes this file from the account's filter settings (HOME/.cpanel/filter.yaml): make the same change in cPanel, or its next filter change writes the old rule back",
                _ => "cPanel writes this file from the filter settings next to it (filter.yaml): make the same change in cPanel, or its next filter change writes the old rule back",
            });
            let generated = rule_name.is_some_and(|n| {
                let t = file.src.slice(n);
                t.contains("SpamAssassin") && t.contains("Discard")
            });
            let command = match (&scope, &user) {
                (Scope::Mailbox(d, l), Some(u)) if generated => Some(format!(
                    "cPanel does the same with: uapi --user={u} Email add_spam_filter account={l}@{d} required_score={RAISED_SCORE}"
                )),
                (_, Some(u)) if generated => Some(format!(
                    "cPanel does the same with: uapi --user={u} Email add_spam_filter required_score={RAISED_SCORE}"
                )),
                _ => None,
            };
            let message = format!(
                "raise the deletion threshold to a spam score of {RAISED_SCORE}, which cPanel's documentation suggests as a lenient value: mail between the spam threshold and {RAISED_SCORE} is then kept (marked as spam) instead of deleted"
            );
            let mut fix = match scope {
                Scope::Domain(_) => {
                    Fix::unsafe_(message).edits(low.iter().map(|t| raise(file.path(), t)))
                }
                // maillint never writes into an account's home.
                _ => Fix::display_only(format!(
                    "{message}; change it in cPanel (Spam Filters, or Email Filters for this rule)"
                )),
            };
            if let Some(c) = command {
                fix = fix.command(c);
            }
            out.push(f.fix(fix));
        }
    }
}
