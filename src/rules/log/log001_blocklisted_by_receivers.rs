//! LOG001: remote servers refused this server's mail citing a blocklist.

use crate::finding::{Finding, Fix};
use crate::model::Server;
use crate::model::logs::Logs;
use crate::text::join_and;

use super::{FAMILY, count, span, tally_evidence};

rule!(
    LOG001,
    "blocklisted-by-receivers",
    Error,
    None,
    DisplayOnly,
    [LOGS],
    "Remote servers refused mail from this server citing a blocklist (Spamhaus, SpamCop, …)."
);

/// Where each list takes delisting requests.
fn delisting(list: &str) -> Option<&'static str> {
    Some(match list {
        "Spamhaus" => "Spamhaus: https://check.spamhaus.org/",
        "SpamCop" => {
            "SpamCop: https://www.spamcop.net/bl.shtml (entries expire by themselves 24 hours after the last report)"
        }
        "Barracuda" => "Barracuda: https://www.barracudacentral.org/rbl/removal-request",
        "Microsoft" => "Microsoft (S3140/S3150): https://sender.office.com/",
        "SORBS" => "SORBS: https://www.sorbs.net/",
        "UCEPROTECT" => "UCEPROTECT: https://www.uceprotect.net/en/rblcheck.php",
        _ => return None,
    })
}

pub(super) fn check(_s: &Server, logs: &Logs, out: &mut Vec<Finding>) {
    for (ip, b) in &logs.blocked {
        let lists: Vec<&str> = b.lists.iter().map(String::as_str).collect();
        let lists_text = join_and(&lists);
        let who = if ip == "unknown" {
            "this server (the refusals name no address)".to_string()
        } else {
            ip.clone()
        };
        let domains: Vec<&str> = b.domains.iter().map(String::as_str).collect();
        let summary = format!(
            "{} refused since {} {}, by servers of {}",
            count(b.tally.count, "message", "messages"),
            super::day(logs.since),
            span(&b.tally),
            join_and(&domains)
        );
        let mut pages: Vec<&str> = lists.iter().filter_map(|l| delisting(l)).collect();
        pages.dedup();
        let mut advice = String::from(
            "find and stop what sent the mail that got the address listed first (a compromised mailbox password, web form or script: see LOG002 and the arrivals in the log), then ask each list to delist the address",
        );
        if !pages.is_empty() {
            advice.push_str(": ");
            advice.push_str(&pages.join("; "));
        }
        let f = Finding::new(
            &LOG001,
            format!("remote mail servers refuse mail from {who}, citing {lists_text}"),
        )
        .note("while the address is listed, every account's mail to the servers that consult the list bounces, not only the mail of the account that caused it")
        .note("lists other than those named may list the address too; the refusals show only the lists of the servers written to")
        .evidence(tally_evidence(
            &b.tally,
            summary,
            vec![("domains", b.domains.len() as u64)],
        ))
        .fix(Fix::display_only(advice));
        out.push(f);
    }
}
