//! MBX — mailboxes: inbox size for POP3, quota usage, mailbox directories against the accounts
//! cPanel knows, and mailboxes left on domains routed elsewhere (RULES.md, cpanel.md §5).
//!
//! MBX001 and MBX002 need the mailboxes walked ([`crate::model::mail::Scan::Usage`]); MBX003 and
//! MBX004 need only the layout. A finding about a mailbox points at its line in
//! `HOME/etc/DOMAIN/quota` when there is one, else at its line in `shadow` (whose text is never
//! shown), else at the mailbox directory. Mailboxes that are symlinks or special files are CP006
//! and are not judged here.

use crate::finding::{Finding, Loc};
use crate::model::mail::Mailbox;
use crate::model::{Account, MailFiles, Server};
use crate::parse::mailacct::AcctEntry;
use crate::rules::{Rule, Selection};
use crate::text::plural;

/// The family of these rules in `maillint rules` (used by `rule!`).
const FAMILY: &str = "mailboxes";

mod mbx001_oversize_pop_mailbox;
mod mbx002_mailbox_over_quota;
mod mbx003_mailbox_account_mismatch;
mod mbx004_mailbox_on_remote_domain;

pub use mbx001_oversize_pop_mailbox::MBX001;
pub use mbx002_mailbox_over_quota::MBX002;
pub use mbx003_mailbox_account_mismatch::MBX003;
pub use mbx004_mailbox_on_remote_domain::MBX004;

pub static RULES: &[&Rule] = &[&MBX001, &MBX002, &MBX003, &MBX004];

/// Names listed in one message before "and N more".
const MAX_NAMES: usize = 8;

pub fn check(s: &Server, sel: &Selection, out: &mut Vec<Finding>) {
    let each_mailbox = |m: &Subject<'_>, out: &mut Vec<Finding>| {
        if sel.on(&MBX001) {
            mbx001_oversize_pop_mailbox::check(m, s, out);
        }
        if sel.on(&MBX002) {
            mbx002_mailbox_over_quota::check(m, out);
        }
    };
    for a in s.accounts.values() {
        if let Some(mb) = &a.default_mailbox {
            let m = Subject {
                account: a,
                domain: None,
                files: None,
                mailbox: mb,
            };
            each_mailbox(&m, out);
        }
        for (domain, files) in &a.mail {
            for mb in files.mailboxes.values().filter(|m| m.is_dir()) {
                let m = Subject {
                    account: a,
                    domain: Some(domain),
                    files: Some(files),
                    mailbox: mb,
                };
                each_mailbox(&m, out);
            }
            if sel.on(&MBX003) {
                mbx003_mailbox_account_mismatch::check(a, domain, files, s, out);
            }
            if sel.on(&MBX004) {
                mbx004_mailbox_on_remote_domain::check(a, domain, files, s, out);
            }
        }
    }
}

/// One mailbox and what it belongs to.
struct Subject<'a> {
    account: &'a Account,
    /// `None` for the account's default mailbox.
    domain: Option<&'a str>,
    files: Option<&'a MailFiles>,
    mailbox: &'a Mailbox,
}

impl Subject<'_> {
    /// `info@example.com`, or "the default mailbox of bob".
    fn name(&self) -> String {
        match self.domain {
            Some(d) => format!("{}@{d}", self.mailbox.local_part),
            None => format!("the default mailbox of account {}", self.account.user),
        }
    }

    fn finding(&self, rule: &'static Rule, message: String) -> Finding {
        Finding::new(rule, message)
            .maybe_domain(self.domain)
            .user(&self.account.user)
    }

    /// The quota line, else the shadow line, else the mailbox directory.
    fn anchor(&self) -> Loc {
        anchor(self.files, &self.mailbox.local_part, &self.mailbox.path)
    }
}

/// The quota line, else the shadow line, else the mailbox directory.
fn anchor(files: Option<&MailFiles>, local: &str, dir: &str) -> Loc {
    if let Some(f) = files {
        if let Some(q) = &f.quota
            && let Some(e) = q.doc.get(local)
        {
            return q.loc(e.local_span());
        }
        if let Some(sh) = &f.shadow
            && let Some(e) = sh.doc.get(local)
        {
            return sh.loc(e.local_span());
        }
    }
    Loc::file_start(dir)
}

/// The display path of a mailbox directory.
fn mailbox_path(a: &Account, files: &MailFiles, domain: &str, local: &str) -> String {
    match files.mailboxes.get(local) {
        Some(m) => m.path.clone(),
        None => format!(
            "{}/mail/{domain}/{local}",
            a.home.as_deref().unwrap_or("home")
        ),
    }
}

/// "a, b, c and 4 more".
fn names(list: &[&str]) -> String {
    let shown: Vec<&str> = list.iter().take(MAX_NAMES).copied().collect();
    let more = list.len().saturating_sub(MAX_NAMES);
    let mut s = shown.join(", ");
    if more > 0 {
        s.push_str(&format!(" and {more} more"));
    }
    s
}
