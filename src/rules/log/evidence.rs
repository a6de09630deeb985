//! Evidence from the mail logs attached to findings of other rules, rather than reported twice
//! (RULES.md "LOG"):
//!
//! - RT001, RT013 (any rule in [`BY_DOMAIN`]): how many messages sent from this server (a local
//!   script or user, an authenticated user, a local host) to the finding's domain were
//!   delivered here (a local mailbox, pipe or file), first and last, one line; or, when the logs
//!   of the period have Exim lines but no such delivery, that they contradict the finding.
//! - MBX001: whether the mailbox is read over POP3 ([`pop`]), and whether its client deletes.
//! - CP005: the busiest hour of the domain's outgoing mail (for an account-wide finding, the
//!   busiest hour of its busiest domain: hours are not summed across domains).
//!
//! The hook is generic by code and domain: a rule listed here gets its evidence however it
//! builds its findings. Rules whose findings get evidence need the logs (see [`needs`]).

use crate::finding::{Evidence, Finding};
use crate::model::Server;
use crate::model::logs::Logs;
use crate::rules::Needs;

use super::{count, day, hour, span, tally_evidence};

/// Rules whose findings about a domain get the count of local deliveries to it.
pub const BY_DOMAIN: &[&str] = &["RT001", "RT013"];

/// Every rule whose findings get evidence.
pub const FOR: &[&str] = &["RT001", "RT013", "MBX001", "CP005"];

/// What the selected rules need for evidence: the logs when one of [`FOR`] is selected.
pub fn needs(code: &str) -> Needs {
    if FOR.contains(&code) {
        Needs::LOGS
    } else {
        Needs::NONE
    }
}

/// Attaches evidence to the findings it concerns (those of [`BY_DOMAIN`] and CP005).
pub fn attach(s: &Server, findings: &mut [Finding]) {
    let Some(logs) = &s.logs else {
        return;
    };
    if logs.files.is_empty() {
        return;
    }
    for f in findings.iter_mut() {
        if f.evidence.is_some() {
            continue;
        }
        let e = if BY_DOMAIN.contains(&f.code()) {
            f.domain.as_deref().and_then(|d| local_deliveries(logs, d))
        } else if f.code() == "CP005" {
            busiest(s, logs, f.user.as_deref(), f.domain.as_deref())
        } else {
            None
        };
        if let Some(e) = e {
            f.evidence = Some(Box::new(e));
        }
    }
}

/// Local deliveries of mail sent from this server to `domain`.
pub fn local_deliveries(logs: &Logs, domain: &str) -> Option<Evidence> {
    let d = domain.to_ascii_lowercase();
    let mail = logs.domains.get(&d);
    let here = mail.map(|m| &m.local_from_here);
    match here {
        Some(t) if t.count > 0 => {
            let m = mail.expect("present");
            let mut summary = format!(
                "{} sent from this server to {domain} since {} were delivered into local mailboxes here {}",
                count(t.count, "message", "messages"),
                day(logs.since),
                span(t)
            );
            if m.remote > 0 {
                summary.push_str(&format!(
                    "; {} left for another server",
                    count(m.remote, "delivery", "deliveries")
                ));
            }
            Some(tally_evidence(
                t,
                summary,
                vec![("local", m.local), ("remote", m.remote)],
            ))
        }
        _ if logs.has_exim() => {
            let (local, remote) = mail.map_or((0, 0), |m| (m.local, m.remote));
            let mut summary = format!(
                "the logs since {} show no message sent from this server to {domain} and delivered here ({} read)",
                day(logs.since),
                count(logs.files.len() as u64, "file", "files")
            );
            if local > 0 {
                summary.push_str(&format!(
                    "; {} from elsewhere or of unknown origin",
                    count(local, "local delivery", "local deliveries")
                ));
            }
            Some(Evidence {
                summary,
                count: 0,
                counts: vec![("local", local), ("remote", remote)],
                first: None,
                last: None,
                sample: None,
                contradicts: true,
            })
        }
        _ => None,
    }
}

/// POP3 use of a mailbox (`user@domain`): sessions, retrievals, deletions.
pub fn pop(s: &Server, mailbox: &str) -> Option<Evidence> {
    let logs = s.logs.as_ref()?;
    let p = logs.pop.get(&mailbox.to_ascii_lowercase());
    match p {
        Some(p) => {
            let how = if p.deleted == 0 {
                "its client leaves the mail on the server (nothing deleted), so the inbox only grows"
                    .to_string()
            } else if p.deleted >= p.retrieved {
                "its client deletes what it downloads".to_string()
            } else {
                format!(
                    "its client deletes some of what it downloads ({} of {})",
                    p.deleted, p.retrieved
                )
            };
            let summary = format!(
                "read over POP3 since {}: {} {}, {} retrieved, {} deleted; {how}",
                day(logs.since),
                count(p.sessions.count, "session", "sessions"),
                span(&p.sessions),
                count(p.retrieved, "message", "messages"),
                p.deleted
            );
            Some(tally_evidence(
                &p.sessions,
                summary,
                vec![
                    ("retrieved", p.retrieved),
                    ("deleted", p.deleted),
                    ("messages", p.messages_last),
                ],
            ))
        }
        None if !logs.files.is_empty() && logs.in_period > 0 && logs.lines > logs.exim_lines => {
            Some(Evidence {
                summary: format!(
                    "no POP3 session of {mailbox} in the mail log since {}: it is not read over POP3 (or not in this period)",
                    day(logs.since)
                ),
                count: 0,
                counts: Vec::new(),
                first: None,
                last: None,
                sample: None,
                contradicts: true,
            })
        }
        None => None,
    }
}

/// The busiest hour of a domain's outgoing mail, or of all the domains of an account.
fn busiest(s: &Server, logs: &Logs, user: Option<&str>, domain: Option<&str>) -> Option<Evidence> {
    let domains: Vec<String> = match (domain, user) {
        (Some(d), _) => vec![d.to_ascii_lowercase()],
        (None, Some(u)) => s
            .domains
            .values()
            .filter(|d| d.user == u)
            .map(|d| d.name.to_ascii_lowercase())
            .collect(),
        (None, None) => logs.sent.keys().cloned().collect(),
    };
    // The busiest hour of any of the domains (each domain's own peak: hours are not summed
    // across domains, which would need every hour kept).
    let mut best: Option<(i64, u64)> = None;
    let mut total = crate::model::logs::Tally::default();
    for d in &domains {
        if let Some(sub) = logs.sent.get(d) {
            if let Some(b) = sub.busiest()
                && best.is_none_or(|(h, n)| b.1 > n || (b.1 == n && b.0 < h))
            {
                best = Some(b);
            }
            total.merge_from(sub.tally.clone());
        }
    }
    let (h, n) = best?;
    let whose = match (domain, user) {
        (Some(d), _) => d.to_string(),
        (None, Some(u)) => format!("account {u}"),
        (None, None) => "this server".to_string(),
    };
    Some(tally_evidence(
        &total,
        format!(
            "busiest hour of {whose}'s outgoing mail since {}: {} ({}); {} in all {}",
            day(logs.since),
            hour(h),
            count(n, "message", "messages"),
            count(total.count, "message", "messages"),
            span(&total)
        ),
        vec![("busiest_hour", n)],
    ))
}
