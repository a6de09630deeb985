//! LOG — evidence from the mail logs (RULES.md "LOG", `shared/reference/logs.md`): what Exim's
//! main log and Dovecot's lines say happened, read by the model ([`crate::model::logs`]) for
//! the period `--since` gives. The four rules report what only the logs show (blocklisted
//! sending addresses, bursts of script mail, cPanel's send limit at work, frozen mail for a
//! domain whose MX points here); [`evidence`] attaches what the logs prove to findings of other
//! rules (RT001, RT013, MBX001, CP005) instead of reporting it twice.

use crate::finding::Finding;
use crate::model::Server;
use crate::model::logs::Tally;
use crate::rules::{Rule, Selection};

/// The family of these rules in `maillint rules` (used by `rule!`).
const FAMILY: &str = "mail logs";

mod log001_blocklisted_by_receivers;
mod log002_script_mail_burst;
mod log003_send_limit_hit;
mod log004_local_mx_freeze;

pub mod evidence;

pub use log001_blocklisted_by_receivers::LOG001;
pub use log002_script_mail_burst::LOG002;
pub use log003_send_limit_hit::LOG003;
pub use log004_local_mx_freeze::LOG004;

pub static RULES: &[&Rule] = &[&LOG001, &LOG002, &LOG003, &LOG004];

pub fn check(s: &Server, sel: &Selection, out: &mut Vec<Finding>) {
    let Some(logs) = &s.logs else {
        return;
    };
    if sel.on(&LOG001) {
        log001_blocklisted_by_receivers::check(s, logs, out);
    }
    if sel.on(&LOG002) {
        log002_script_mail_burst::check(s, logs, out);
    }
    if sel.on(&LOG003) {
        log003_send_limit_hit::check(s, logs, out);
    }
    if sel.on(&LOG004) {
        log004_local_mx_freeze::check(s, logs, out);
    }
}

/// `2026-11-12 09:14` (UTC, or the time zone the log was written in when it states none).
pub fn when(secs: i64) -> String {
    let t = crate::clock::Utc::from_unix(secs);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        t.year, t.month, t.day, t.hour, t.minute
    )
}

/// `2026-11-12`.
pub fn day(secs: i64) -> String {
    let t = crate::clock::Utc::from_unix(secs);
    format!("{:04}-{:02}-{:02}", t.year, t.month, t.day)
}

/// `2026-11-14 10:00-11:00` for a Unix hour.
pub fn hour(h: i64) -> String {
    let t = crate::clock::Utc::from_unix(h * 3600);
    format!(
        "{:04}-{:02}-{:02} {:02}:00-{:02}:00",
        t.year,
        t.month,
        t.day,
        t.hour,
        (t.hour + 1) % 24
    )
}

/// `(first 2026-11-12 09:14, last 2026-12-03 17:02)`, or `(at …)` for one line.
pub fn span(t: &Tally) -> String {
    if t.count <= 1 || t.first == t.last {
        format!("(at {})", when(t.first))
    } else {
        format!("(first {}, last {})", when(t.first), when(t.last))
    }
}

/// `1 message`, `3 messages`.
pub fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The evidence of a tally: its count, times and sample.
pub fn tally_evidence(
    t: &Tally,
    summary: String,
    counts: Vec<(&'static str, u64)>,
) -> crate::finding::Evidence {
    crate::finding::Evidence {
        summary,
        count: t.count,
        counts,
        first: (t.count > 0).then_some(t.first),
        last: (t.count > 0).then_some(t.last),
        sample: t
            .sample
            .as_ref()
            .map(|s| (s.file.clone(), s.line, s.text.clone())),
        contradicts: false,
    }
}
