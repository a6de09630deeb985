//! MBX003: a mailbox directory without a mail account, or a mail account without its
//! directory.

use std::collections::BTreeSet;

use crate::finding::Finding;
use crate::model::mail::Listing;
use crate::model::{Account, MailFiles, Server};
use crate::parse::valiases::DestKind;

use super::FAMILY;
use super::{anchor, mailbox_path};

rule!(
    MBX003,
    "mailbox-account-mismatch",
    Warning,
    None,
    None,
    [MAIL_ACCOUNTS, MAILBOX_LAYOUT, FORWARDERS],
    "A mailbox directory without a mail account, or a mail account without its directory."
);

/// MBX003: mailbox directories and shadow entries of one domain that do not match.
pub(super) fn check(
    a: &Account,
    domain: &str,
    files: &MailFiles,
    s: &Server,
    out: &mut Vec<Finding>,
) {
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
                &MBX003,
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
            &MBX003,
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
