//! LOG002: one script directory, local user or authenticated mailbox sent more mail in one hour
//! than the account's hourly limit (500 when it has none).

use crate::finding::Finding;
use crate::model::logs::{Logs, Submitter, SubmitterKey};
use crate::model::{Account, Server};

use super::{FAMILY, count, hour, span, tally_evidence};

rule!(
    LOG002,
    "script-mail-burst",
    Warning,
    None,
    None,
    [LOGS, POLICY],
    "One script or mailbox sent more mail in an hour than its account's limit (or 500)."
);

/// The threshold when the domain has no hourly limit.
pub const UNLIMITED_THRESHOLD: u64 = 500;

/// The account whose home holds a directory (`/home/bob/public_html/x` → bob).
fn account_of_dir<'a>(s: &'a Server, dir: &str) -> Option<&'a Account> {
    let rel = dir.trim_start_matches('/');
    s.accounts.values().find(|a| {
        a.home.as_deref().is_some_and(|h| {
            rel.strip_prefix(h)
                .is_some_and(|r| r.is_empty() || r.starts_with('/'))
        })
    })
}

/// The sender domain used most.
fn main_domain(sub: &Submitter) -> Option<&str> {
    sub.domains
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(d, _)| d.as_str())
}

pub(super) fn check(s: &Server, logs: &Logs, out: &mut Vec<Finding>) {
    for (key, sub) in &logs.submitters {
        let Some((busiest, n)) = sub.busiest() else {
            continue;
        };
        let (who, account, domain) = match key {
            SubmitterKey::Login(addr) => {
                let d = crate::parse::eximlog::domain_of(addr).map(str::to_owned);
                let account = d.as_deref().and_then(|d| s.account_of(d));
                (
                    format!("the mailbox {addr} (authenticated SMTP)"),
                    account,
                    d,
                )
            }
            SubmitterKey::Dir(dir) => {
                let account = account_of_dir(s, dir);
                (
                    format!("a script in {dir}"),
                    account,
                    main_domain(sub).map(str::to_owned),
                )
            }
            SubmitterKey::User(u) => (
                format!("the local user {u}"),
                s.accounts.get(u),
                main_domain(sub).map(str::to_owned),
            ),
        };
        let limit = match (account, &domain) {
            (Some(a), Some(d)) => crate::rules::cp::domain_limit(s, a, d),
            (Some(a), None) => a
                .main_domain
                .as_deref()
                .and_then(|d| crate::rules::cp::domain_limit(s, a, d)),
            _ => None,
        };
        let threshold = limit.unwrap_or(UNLIMITED_THRESHOLD);
        if n <= threshold {
            continue;
        }
        let over = match (limit, &domain) {
            (Some(l), Some(d)) => format!("more mail in one hour than {d}'s hourly limit of {l}"),
            (Some(l), None) => {
                format!("more mail in one hour than its account's hourly limit of {l}")
            }
            (None, _) => format!(
                "more than {UNLIMITED_THRESHOLD} messages in one hour, and its domain has no hourly limit"
            ),
        };
        let summary = format!(
            "{} submitted since {} {}; {n} in {}",
            count(sub.tally.count, "message", "messages"),
            super::day(logs.since),
            span(&sub.tally),
            hour(busiest)
        );
        let mut f = Finding::new(&LOG002, format!("{who} sent {over}"))
            .maybe_domain(domain.clone())
            .maybe_user(account.map(|a| a.user.clone()))
            .note("a burst far above what the account normally sends is the signature of a compromised password or an abused web form or script: it gets the server's addresses on blocklists (LOG001) and every account's mail refused")
            .evidence(tally_evidence(
                &sub.tally,
                summary,
                vec![("busiest_hour", n), ("threshold", threshold)],
            ));
        f = match key {
            SubmitterKey::Login(addr) => f.help(format!(
                "if {addr} did not send this mail itself, change its password (cPanel: Email Accounts) and look for a forwarding rule or filter added to it"
            )),
            SubmitterKey::Dir(dir) => f.help(format!(
                "look at the scripts in {dir} (a contact form without a CAPTCHA, an outdated plugin, an uploaded mailer) and at the account's web access log for the hour"
            )),
            SubmitterKey::User(_) => f.help(
                "look for the account's cron jobs and scripts that call sendmail or PHP's mail()",
            ),
        };
        out.push(f);
    }
}
