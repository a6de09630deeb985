//! CP002: `etc/userdomains` names another owner than the account data, or lacks a domain.

use crate::finding::{Edit, Finding, Fix, Loc};
use crate::model::Server;

use super::FAMILY;

rule!(
    CP002,
    "ownership-mismatch",
    Error,
    None,
    Unsafe,
    [OWNERSHIP],
    "etc/userdomains names another owner than the account, or lacks an account domain."
);

const UD: &str = "etc/userdomains";

/// CP002: `etc/userdomains` must name every account domain with its owner.
pub(super) fn check(server: &Server, out: &mut Vec<Finding>) {
    if server.is_account_backup() {
        return;
    }
    let update = "cPanel rebuilds the file with /usr/local/cpanel/scripts/updateuserdomains";
    let Some(ud) = &server.userdomains else {
        missing(server, update, out);
        return;
    };
    for d in server.domains.values() {
        match ud.doc.get(&d.name) {
            Some(e) if e.value == d.user => {}
            Some(e) => {
                let mut f = Finding::new(
                    &CP002,
                    format!(
                        "etc/userdomains says {} belongs to {}, but it is a {} of account {}",
                        d.name,
                        e.value,
                        d.kind.describe(),
                        d.user
                    ),
                )
                .domain(&d.name)
                .user(&d.user)
                .at(ud.loc(e.value_span))
                .label("owner here")
                .note(format!(
                    "Exim finds a domain's owner in this file: mail for {} is looked up in {}'s home directory and forwarders, so it goes to the wrong account or is refused",
                    d.name, e.value
                ));
                if let Some(decl) = &d.decl {
                    f = f.related(decl.clone(), format!("{} declares {} here", d.user, d.name));
                }
                out.push(
                    f.fix(
                        Fix::unsafe_(format!(
                            "make {} the owner of {} in etc/userdomains",
                            d.user, d.name
                        ))
                        .edit(Edit::replace(ud.path(), e.value_span, d.user.clone()))
                        .command(update),
                    ),
                );
            }
            None => {
                let mut f = Finding::new(
                    &CP002,
                    format!("etc/userdomains lacks {}, a {} of account {}", d.name, d.kind.describe(), d.user),
                )
                .domain(&d.name)
                .user(&d.user)
                .at(Loc::file_start(ud.path()))
                .note(format!(
                    "Exim finds a domain's owner in this file: without a line, mail for {} matches the `*: nobody` default and is refused",
                    d.name
                ));
                if let Some(decl) = &d.decl {
                    f = f.related(decl.clone(), format!("{} declares {} here", d.user, d.name));
                }
                out.push(
                    f.fix(
                        Fix::unsafe_(format!("add `{}: {}` to etc/userdomains", d.name, d.user))
                            .edit(crate::rules::edit::append_line(
                                Some((ud.path(), ud.src.bytes())),
                                ud.path(),
                                &format!("{}: {}", d.name, d.user),
                            ))
                            .command(update),
                    ),
                );
            }
        }
    }
}

/// A server whose account domains have no `etc/userdomains` at all: one finding for the file,
/// not one per domain. A file the tree refused to read (a symlink, a file too large) is reported
/// as such (CP006, CP001), not as missing.
fn missing(server: &Server, update: &str, out: &mut Vec<Finding>) {
    if server.domains.is_empty() || server.skipped.iter().any(|s| s.path == UD) {
        return;
    }
    let n = server.domains.len();
    let mut text = String::from("*: nobody\n");
    for d in server.domains.values() {
        text.push_str(&format!("{}: {}\n", d.name, d.user));
    }
    let (first_user, first_domain) = server
        .domains
        .values()
        .next()
        .map(|d| (d.user.clone(), d.name.clone()))
        .unwrap_or_default();
    let mut f = Finding::new(
        &CP002,
        format!(
            "etc/userdomains does not exist: Exim finds the owner of none of the {n} account domain{}",
            if n == 1 { "" } else { "s" }
        ),
    )
    .at(Loc::file_start(UD))
    .note(
        "cPanel's Exim configuration looks every local domain's owner up in this file (`domainlist user_domains`, and the routers that find forwarders, mailboxes and the default address): without it those lookups fail, and mail for the accounts' addresses is not delivered (Exim defers it, then bounces it)",
    )
    .note(format!(
        "cPanel writes it from the account data: `*: nobody`, then one `domain: user` line per account domain (such as `{first_domain}: {first_user}`)"
    ));
    f = f.fix(
        Fix::unsafe_(format!(
            "create etc/userdomains with the {n} account domain{} and their owners",
            if n == 1 { "" } else { "s" }
        ))
        .edit(Edit::insert(UD, 0, text))
        .command(update),
    );
    out.push(f);
}
