//! MBX002: a mailbox at or near its quota.

use crate::finding::{Finding, Loc, Severity};
use crate::model::mail::{Format, Usage, human};

use super::FAMILY;
use super::{Subject, plural};

rule!(
    MBX002,
    "mailbox-over-quota",
    Error,
    Some("warning from 90 % of the quota, error from 100 %"),
    None,
    [MAIL_ACCOUNTS, MAILBOXES],
    "A mailbox at or near its quota: new mail for it is deferred, then bounced."
);

pub(super) fn check(sub: &Subject<'_>, out: &mut Vec<Finding>) {
    let Some(usage) = &sub.mailbox.usage else {
        return;
    };
    let Some(limit) = limit(sub) else { return };
    let used = usage.total.bytes;
    let pct = (u128::from(used) * 100 / u128::from(limit.bytes)) as u64;
    let name = sub.name();
    let (severity, message, consequence) = if pct >= 100 {
        (
            Severity::Error,
            format!(
                "{name} is over its quota: {} used of {} ({pct} %): new mail for it is deferred, then bounced",
                human(used),
                human(limit.bytes)
            ),
            "Dovecot refuses new mail for a mailbox over its quota: Exim defers each message (keeps it in its queue and retries), then bounces it to its sender when the retry time runs out; the owner sees nothing until senders complain",
        )
    } else if pct >= 90 {
        (
            Severity::Warning,
            format!(
                "{name} is at {pct} % of its quota: {} used of {}",
                human(used),
                human(limit.bytes)
            ),
            "once the mailbox reaches its quota, new mail for it is deferred, then bounced to its senders",
        )
    } else {
        return;
    };
    let mut f = sub
        .finding(&MBX002, message)
        .severity(severity)
        .at(limit.loc.clone())
        .label(format!("quota: {}", human(limit.bytes)))
        .note(consequence)
        .note(usage_note(usage, sub.mailbox.format));
    if let Some(other) = &limit.source_note {
        f = f.note(other.clone());
    }
    let cmd = match sub.domain {
        Some(d) => format!(
            " (uapi --user={} Email edit_pop_quota email={} domain={d} quota=<megabytes>)",
            sub.account.user, sub.mailbox.local_part
        ),
        None => String::new(),
    };
    let raise = match sub.domain {
        Some(_) => format!("raise the quota in cPanel » Email Accounts{cmd}"),
        None => "raise the limit in the mailbox's maildirsize (cPanel writes it when the account's quota changes)".to_string(),
    };
    out.push(f.help(format!(
        "free space (empty Trash and Spam, delete or archive old mail), or {raise}"
    )));
}

/// The byte limit of the mailbox and where it is written; `None` when unlimited.
fn limit(sub: &Subject<'_>) -> Option<QuotaLimit> {
    let md = sub.mailbox.maildirsize.as_ref();
    let md_limit = md.and_then(|m| m.doc.byte_limit().map(|l| (m, l)));
    let entry = sub.files.and_then(|f| {
        let q = f.quota.as_ref()?;
        q.doc.get(&sub.mailbox.local_part).map(|e| (q, e))
    });
    match entry {
        Some((q, e)) => {
            if e.is_unlimited() {
                return None;
            }
            let source_note = match md {
                Some(m) => {
                    let says = m.doc.byte_limit().map_or(0, |l| l.value);
                    (says != e.bytes).then(|| {
                        format!(
                            "{} says {} (its first line), not the {} of {}; cPanel writes both when the quota is set, and /scripts/generate_maildirsize rebuilds maildirsize",
                            m.path(),
                            if says == 0 {
                                "no limit".to_string()
                            } else {
                                human(says)
                            },
                            human(e.bytes),
                            q.path()
                        )
                    })
                }
                None => None,
            };
            Some(QuotaLimit {
                bytes: e.bytes,
                loc: q.loc(e.bytes_span),
                source_note,
            })
        }
        None => md_limit.map(|(m, l)| QuotaLimit {
            bytes: l.value,
            loc: m.loc(l.span),
            source_note: sub.files.map(|f| {
                let quota = f.quota.as_ref().map_or_else(
                    || "the domain has no quota file".to_string(),
                    |q| format!("{} has no line for {}", q.path(), sub.mailbox.local_part),
                );
                format!("the limit is the first line of {}: {quota}", m.path())
            }),
        }),
    }
}

struct QuotaLimit {
    bytes: u64,
    loc: Loc,
    source_note: Option<String>,
}

/// How the usage splits between the inbox and the folders.
fn usage_note(u: &Usage, format: Option<Format>) -> String {
    let total = format!(
        "{} {}",
        u.total.messages,
        plural(u.total.messages, "message", "messages")
    );
    match format {
        Some(Format::Maildir) if u.folders == 0 => {
            format!("the usage counts every folder; this mailbox has only its inbox ({total})")
        }
        Some(Format::Maildir) => {
            let other = u.total.bytes.saturating_sub(u.inbox.bytes);
            format!(
                "the usage counts every folder: {} in the inbox, {} in {} other {} ({total} in all)",
                human(u.inbox.bytes),
                human(other),
                u.folders,
                plural(u.folders, "folder", "folders")
            )
        }
        Some(Format::Mdbox) => {
            format!("the usage is every file of the mdbox storage/ directory ({total} files)")
        }
        Some(Format::Mbox) => format!(
            "the usage counts the inbox file ({}) and the other mbox folders",
            human(u.inbox.bytes)
        ),
        _ => format!("the usage counts every folder ({total})"),
    }
}
