//! MBX004: mail accounts on a domain routed to another server.

use std::collections::BTreeSet;

use crate::finding::Finding;
use crate::model::dns::Routing;
use crate::model::mail::human;
use crate::model::{Account, MailFiles, RoutingLists, Server};

use super::FAMILY;
use super::{MAX_NAMES, anchor, mailbox_path, names, plural};

rule!(
    MBX004,
    "mailbox-on-remote-domain",
    Info,
    None,
    None,
    [MAIL_ACCOUNTS, MAILBOX_LAYOUT, LISTS],
    "Mail accounts on a domain routed to another server: they never receive mail again."
);

/// MBX004: mail accounts on a domain configured remote.
pub(super) fn check(
    a: &Account,
    domain: &str,
    files: &MailFiles,
    s: &Server,
    out: &mut Vec<Finding>,
) {
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
        &MBX004,
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
