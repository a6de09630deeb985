//! MBX — mailboxes: inbox size for POP3, quota usage, mailbox directories against the accounts
//! cPanel knows, and mailboxes left on domains routed elsewhere (RULES.md, cpanel.md §5).
//!
//! MBX001 and MBX002 need the mailboxes walked ([`crate::model::mail::Scan::Usage`]); MBX003 and
//! MBX004 need only the layout. A finding about a mailbox points at its line in
//! `HOME/etc/DOMAIN/quota` when there is one, else at its line in `shadow` (whose text is never
//! shown), else at the mailbox directory. Mailboxes that are symlinks or special files are CP006
//! and are not judged here.

use std::collections::BTreeSet;

use crate::config::DEFAULT_POP_MAX_BYTES;
use crate::finding::{Finding, Fix, Loc, Severity};
use crate::model::dns::Routing;
use crate::model::mail::{Format, Listing, Mailbox, Usage, human};
use crate::model::{Account, MailFiles, RoutingLists, Server};
use crate::parse::mailacct::AcctEntry;
use crate::parse::valiases::DestKind;
use crate::rules::RuleInfo;

/// The family of these rules in `maillint rules` (used by `rule!`).
const FAMILY: &str = "mailboxes";

pub const RULES: &[RuleInfo] = &[
    rule!(
        "MBX001",
        "oversize-pop-mailbox",
        Warning,
        Some("error for a single-file mbox inbox"),
        DisplayOnly,
        "An inbox larger than POP3 copes with (100 MiB by default): a legacy-mbox/POP heuristic."
    ),
    rule!(
        "MBX002",
        "mailbox-over-quota",
        Error,
        Some("warning from 90 % of the quota, error from 100 %"),
        None,
        "A mailbox at or near its quota: new mail for it is deferred, then bounced."
    ),
    rule!(
        "MBX003",
        "mailbox-account-mismatch",
        Warning,
        None,
        None,
        "A mailbox directory without a mail account, or a mail account without its directory."
    ),
    rule!(
        "MBX004",
        "mailbox-on-remote-domain",
        Info,
        None,
        None,
        "Mail accounts on a domain routed to another server: they never receive mail again."
    ),
];

/// Names listed in one message before "and N more".
const MAX_NAMES: usize = 8;

pub fn check(s: &Server, out: &mut Vec<Finding>) {
    for a in s.accounts.values() {
        if let Some(mb) = &a.default_mailbox {
            let m = Subject {
                account: a,
                domain: None,
                files: None,
                mailbox: mb,
            };
            m.oversize(s, out);
            m.quota(out);
        }
        for (domain, files) in &a.mail {
            for mb in files.mailboxes.values().filter(|m| m.is_dir()) {
                let m = Subject {
                    account: a,
                    domain: Some(domain),
                    files: Some(files),
                    mailbox: mb,
                };
                m.oversize(s, out);
                m.quota(out);
            }
            mismatch(a, domain, files, s, out);
            remote(a, domain, files, s, out);
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

    fn finding(&self, code: &'static str, severity: Severity, message: String) -> Finding {
        Finding::new(code, severity, message)
            .maybe_domain(self.domain)
            .user(&self.account.user)
    }

    /// The quota line, else the shadow line, else the mailbox directory.
    fn anchor(&self) -> Loc {
        anchor(self.files, &self.mailbox.local_part, &self.mailbox.path)
    }

    /// MBX001.
    fn oversize(&self, s: &Server, out: &mut Vec<Finding>) {
        let (Some(usage), Some(format)) = (&self.mailbox.usage, self.mailbox.format) else {
            return;
        };
        let max = s.options.pop_max_bytes;
        if usage.inbox.bytes <= max {
            return;
        }
        let name = self.name();
        let size = human(usage.inbox.bytes);
        let limit = human(max);
        let (severity, message, how) = match format {
            Format::Mbox => (
                Severity::Error,
                format!(
                    "{name} keeps its inbox in a single mbox file of {size}, more than the {limit} a POP3 mailbox should hold"
                ),
                "an mbox inbox is one file: every delivery appends to it, and every POP3 session locks it and rewrites it whole; a session cut off half-way or a full disk can corrupt the whole file, and a large one makes sessions slow enough for clients to time out",
            ),
            Format::Mdbox => (
                Severity::Warning,
                format!(
                    "the mdbox storage of {name} holds {size}, more than the {limit} a POP3 mailbox should hold"
                ),
                "a POP3 client lists and checks the whole inbox at every connection; one that leaves mail on the server (the usual setting) never makes the list shorter, and a new device downloads all of it. mdbox keeps every folder in storage/, so this is the size of all folders",
            ),
            Format::Maildir | Format::Unrecognised => (
                Severity::Warning,
                format!(
                    "the inbox of {name} holds {size} in {} {}, more than the {limit} a POP3 mailbox should hold",
                    usage.inbox.messages,
                    plural(usage.inbox.messages, "message", "messages")
                ),
                "a POP3 client lists and checks the whole inbox at every connection; one that leaves mail on the server (the usual setting) never makes the list shorter, and a new device downloads all of it. Mail filed into folders does not count: POP3 sees only the inbox",
            ),
        };
        let threshold = if max == DEFAULT_POP_MAX_BYTES {
            "the 100 MiB threshold".to_string()
        } else {
            format!("the threshold ({limit}, `[mailbox] pop_max_bytes` in maillint.toml)")
        };
        let mut f = self
            .finding("MBX001", severity, message)
            .at(self.anchor())
            .label(format!("mailbox {name}"))
            .note(how)
            .note(format!(
                "a legacy-mbox/POP3 heuristic, not a cPanel or Dovecot limit: {threshold} comes from hosting advice about single-file mbox mailboxes (the \"POP lock\"); set `[mailbox] pop_max_bytes` in maillint.toml to change it"
            ));
        let advice = match format {
            Format::Mbox => {
                f = f.note("cPanel delivers to maildir (or mdbox) since version 11; an mbox inbox is left over from its old POP3 server and is not converted automatically");
                "read it over IMAP rather than POP3, and convert it to maildir: cPanel's mbox migration (/scripts/convert2maildir before cPanel 11.50, /scripts/setupmailserver in 11.50 to 56); later versions only convert between maildir and mdbox, so there copy the mail into a maildir account over IMAP"
            }
            Format::Mdbox => {
                "read this mailbox over IMAP rather than POP3, or move old mail out of it (into the mail client, or an archive account)"
            }
            Format::Maildir | Format::Unrecognised => {
                "read this mailbox over IMAP rather than POP3, or move old mail out of the inbox into a folder such as Archive (POP3 does not see folders); for very large mailboxes cPanel's /scripts/convert_maildir_to_mdbox stores mail in fewer, larger files"
            }
        };
        out.push(f.fix(Fix::display_only(advice)));
    }

    /// MBX002.
    fn quota(&self, out: &mut Vec<Finding>) {
        let Some(usage) = &self.mailbox.usage else {
            return;
        };
        let Some(limit) = self.limit() else { return };
        let used = usage.total.bytes;
        let pct = (u128::from(used) * 100 / u128::from(limit.bytes)) as u64;
        let name = self.name();
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
        let mut f = self
            .finding("MBX002", severity, message)
            .at(limit.loc.clone())
            .label(format!("quota: {}", human(limit.bytes)))
            .note(consequence)
            .note(usage_note(usage, self.mailbox.format));
        if let Some(other) = &limit.source_note {
            f = f.note(other.clone());
        }
        let cmd = match self.domain {
            Some(d) => format!(
                " (uapi --user={} Email edit_pop_quota email={} domain={d} quota=<megabytes>)",
                self.account.user, self.mailbox.local_part
            ),
            None => String::new(),
        };
        let raise = match self.domain {
            Some(_) => format!("raise the quota in cPanel » Email Accounts{cmd}"),
            None => "raise the limit in the mailbox's maildirsize (cPanel writes it when the account's quota changes)".to_string(),
        };
        out.push(f.help(format!(
            "free space (empty Trash and Spam, delete or archive old mail), or {raise}"
        )));
    }

    /// The byte limit of the mailbox and where it is written; `None` when unlimited.
    fn limit(&self) -> Option<QuotaLimit> {
        let md = self.mailbox.maildirsize.as_ref();
        let md_limit = md.and_then(|m| m.doc.byte_limit().map(|l| (m, l)));
        let entry = self.files.and_then(|f| {
            let q = f.quota.as_ref()?;
            q.doc.get(&self.mailbox.local_part).map(|e| (q, e))
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
                source_note: self.files.map(|f| {
                    let quota = f.quota.as_ref().map_or_else(
                        || "the domain has no quota file".to_string(),
                        |q| format!("{} has no line for {}", q.path(), self.mailbox.local_part),
                    );
                    format!("the limit is the first line of {}: {quota}", m.path())
                }),
            }),
        }
    }
}

struct QuotaLimit {
    bytes: u64,
    loc: Loc,
    source_note: Option<String>,
}

fn plural<'a>(n: u64, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
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

/// What Exim does with mail to `local@domain` when it has no mailbox directory: the domain's
/// default address (the `*:` line of `etc/valiases/DOMAIN`) decides.
fn fallthrough(s: &Server, domain: &str) -> String {
    let Some(ca) = s.valiases.get(domain).and_then(|v| v.doc.catch_all()) else {
        return format!(
            "{domain} has no default address (no `*:` line in etc/valiases/{domain}), so Exim rejects its mail as an unknown user"
        );
    };
    let text = |d: &crate::parse::valiases::Destination| match &d.kind {
        DestKind::Fail(m) => format!("rejected (`:fail: {}`)", m.trim()),
        DestKind::Defer(_) => "deferred (`:defer:`)".to_string(),
        DestKind::Blackhole => "silently discarded (`:blackhole:`)".to_string(),
        DestKind::LocalUser(u) => format!("delivered to the default mailbox of {u}"),
        DestKind::Address { local, domain } => format!("forwarded to {local}@{domain}"),
        DestKind::Pipe(_) => "piped to a program".to_string(),
        _ => "handled by the default address".to_string(),
    };
    let what: Vec<String> = ca.destinations.iter().map(text).collect();
    if what.is_empty() {
        return format!("{domain}'s default address is empty, so Exim rejects its mail");
    }
    format!(
        "its mail goes to {domain}'s default address (etc/valiases/{domain}): {}",
        what.join(", ")
    )
}

/// MBX003: mailbox directories and shadow entries of one domain that do not match.
fn mismatch(a: &Account, domain: &str, files: &MailFiles, s: &Server, out: &mut Vec<Finding>) {
    let in_shadow: BTreeSet<&str> = files.accounts().collect();
    for local in &files.mailbox_dirs {
        if in_shadow.contains(local.as_str()) {
            continue;
        }
        let path = mailbox_path(a, files, domain, local);
        let at = anchor(Some(files), local, &path);
        let shadow = files.shadow.as_ref().map_or_else(
            || format!("HOME/etc/{domain}/shadow (missing)"),
            |p| p.path().to_string(),
        );
        out.push(
            Finding::new(
                "MBX003",
                Severity::Warning,
                format!(
                    "{local}@{domain} has a mailbox directory but no mail account: Exim delivers to it, and nobody can log in to read it"
                ),
            )
            .domain(domain)
            .user(&a.user)
            .at(at)
            .label(format!("mailbox {path}"))
            .note(format!(
                "Exim delivers to a local part whose directory exists in {}/mail/{domain}/; cPanel lists and authenticates mail accounts from {shadow}, which has no line for {local}, so its mail piles up unread",
                a.home.as_deref().unwrap_or("HOME")
            ))
            .help(format!(
                "if {local}@{domain} should exist, create it again in cPanel » Email Accounts with the same name (the mail in the directory stays); if it was removed on purpose, move {path} out of {}/mail/{domain}/ so that Exim stops accepting mail for it",
                a.home.as_deref().unwrap_or("HOME")
            )),
        );
    }
    let Some(shadow) = &files.shadow else { return };
    // Without a listing (a symlinked mail directory, CP006), which directories exist is unknown.
    if !matches!(files.mailbox_listing, Listing::Read | Listing::Missing) {
        return;
    }
    for e in shadow.doc.entries() {
        let local = e.local_part.as_str();
        // A mailbox that is a symlink or special file is CP006, not "missing".
        if files.mailbox_dirs.contains(local) || files.mailboxes.contains_key(local) {
            continue;
        }
        let path = mailbox_path(a, files, domain, local);
        let mut f = Finding::new(
            "MBX003",
            Severity::Warning,
            format!(
                "mail account {local}@{domain} has no mailbox directory: cPanel lists it, but Exim does not deliver to it"
            ),
        )
        .domain(domain)
        .user(&a.user)
        .at(shadow.loc(e.local_span))
        .note(format!(
            "Exim delivers to a mail account only when its directory {path} exists; {}",
            fallthrough(s, domain)
        ));
        if let Some(v) = s.valiases.get(domain)
            && v.doc.get(&format!("{local}@{domain}")).is_some()
        {
            f = f.note(format!(
                "{local}@{domain} also has a forwarder in etc/valiases/{domain}: mail to it is forwarded, and no copy is kept here"
            ));
        }
        out.push(f.help(format!(
            "create the directory {path} (owned by {}, mode 0751, as cPanel's /scripts/mailperm sets it), or remove the account in cPanel » Email Accounts if it is no longer used",
            a.user
        )));
    }
}

/// MBX004: mail accounts on a domain configured remote.
fn remote(a: &Account, domain: &str, files: &MailFiles, s: &Server, out: &mut Vec<Finding>) {
    if s.lists.configured(domain) != Some(Routing::Remote) {
        return;
    }
    let mut locals: BTreeSet<&str> = files.accounts().collect();
    locals.extend(files.mailbox_dirs.iter().map(String::as_str));
    if locals.is_empty() {
        return;
    }
    let list: Vec<&str> = locals.iter().copied().collect();
    let first = list[0];
    let path = mailbox_path(a, files, domain, first);
    let n = list.len() as u64;
    let mut f = Finding::new(
        "MBX004",
        Severity::Info,
        format!(
            "{domain} is routed to another mail server, but {n} mail {} {} here ({})",
            plural(n, "account", "accounts"),
            plural(n, "remains", "remain"),
            names(&list)
        ),
    )
    .domain(domain)
    .user(&a.user)
    .at(anchor(Some(files), first, &path))
    .label(format!("mail account {first}@{domain}"));
    if let Some((list_file, span)) = RoutingLists::entry(s.lists.remote.as_ref(), domain) {
        f = f.related(
            list_file.loc(span),
            format!("{domain} is routed remotely here"),
        );
    }
    f = f.note(format!(
        "Exim sends {domain}'s mail to its MX hosts, including mail sent from this server: these mailboxes never receive mail again; what is already in them stays readable over IMAP and webmail until the accounts are removed"
    ));
    let sizes: Vec<String> = list
        .iter()
        .filter_map(|l| {
            let u = files.mailboxes.get(*l)?.usage?;
            Some(format!("{l} {}", human(u.total.bytes)))
        })
        .collect();
    if !sizes.is_empty() {
        let more = sizes.len().saturating_sub(MAX_NAMES);
        let mut text = sizes
            .into_iter()
            .take(MAX_NAMES)
            .collect::<Vec<_>>()
            .join(", ");
        if more > 0 {
            text.push_str(&format!(" and {more} more"));
        }
        f = f.note(format!("mail left behind: {text}"));
    }
    out.push(f.help(format!(
        "copy what is still needed to the mail server that now receives {domain}'s mail (over IMAP), then remove the accounts in cPanel » Email Accounts"
    )));
}
