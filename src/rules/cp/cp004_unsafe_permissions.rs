//! CP004: a file that decides where mail goes, or its directory, that someone other than root
//! (or, for a domain's forwarders and filters, the domain's own account) can write: a local user
//! can redirect mail.

use crate::finding::{Finding, Fix, Loc, ModeChange};
use crate::model::Server;
use crate::model::modes::{FileMode, Modes, Role};
use crate::tree::Kind;

use super::FAMILY;

rule!(
    CP004,
    "unsafe-permissions",
    Error,
    None,
    Unsafe,
    [PERMISSIONS],
    "Routing lists, valiases, vfilters or cpuser files writable by others than root: mail can be redirected."
);

/// Who besides root can write a file, in words; empty when nobody.
fn writers(m: &Modes, f: &FileMode) -> (Vec<String>, bool) {
    let meta = &f.meta;
    let mut who = Vec::new();
    let mut wrong_owner = false;
    let allowed_owner = match &f.role {
        Role::DomainFile {
            user: Some(user), ..
        } => m.uids.get(user).copied(),
        _ => None,
    };
    let name = |uid: u32| match m.user_of(uid) {
        Some(u) => format!("user {u} (uid {uid})"),
        None => format!("uid {uid}"),
    };
    if !m.is_root_uid(meta.uid) && Some(meta.uid) != allowed_owner {
        // A domain's file owned by someone: wrong only when etc/passwd says it is not the
        // domain's account.
        let unknown_owner = matches!(f.role, Role::DomainFile { .. }) && allowed_owner.is_none();
        if !unknown_owner {
            who.push(format!("its owner, {}", name(meta.uid)));
            wrong_owner = true;
        }
    }
    if meta.mode & 0o020 != 0 && !m.is_root_gid(meta.gid) {
        who.push(format!("group {} (gid {})", group_name(meta.gid), meta.gid));
    }
    if meta.mode & 0o002 != 0 {
        who.push("every local user".to_string());
    }
    (who, wrong_owner)
}

/// A group's name where it is well known.
fn group_name(gid: u32) -> String {
    match gid {
        12 => "mail".to_string(),
        _ => "of the file".to_string(),
    }
}

/// What the file is, for messages.
fn what(f: &FileMode) -> String {
    match &f.role {
        Role::RoutingList => format!("{} (a routing list Exim reads)", f.path),
        Role::OwnerMap => format!("{} (Exim looks each domain's owner up there)", f.path),
        Role::DomainFile { domain, .. } if f.path.starts_with("etc/vfilters/") => {
            format!("{} (the mail filter of {domain})", f.path)
        }
        Role::DomainFile { domain, .. } => format!("{} (the forwarders of {domain})", f.path),
        Role::Cpuser { user } if f.path.starts_with("var/cpanel/users.cache/") => {
            format!("{} (the cache of account {user}'s cpuser file)", f.path)
        }
        Role::Cpuser { user } => format!("{} (account {user}'s cpuser file)", f.path),
        Role::Directory => format!("the directory {}", f.path),
    }
}

fn consequence(f: &FileMode) -> &'static str {
    match &f.role {
        Role::RoutingList => {
            "whoever can write it decides which domains this server delivers locally, so they can take in another account's mail or send it away"
        }
        Role::OwnerMap => {
            "whoever can write it can make a domain belong to their account, and Exim delivers that domain's mail there"
        }
        Role::DomainFile { .. } => {
            "whoever can write it can forward or filter the domain's mail to any address, silently"
        }
        Role::Cpuser { .. } => {
            "whoever can write it can add domains to the account, change its mail routing (MXCHECK) and its send limit"
        }
        Role::Directory => {
            "whoever can write in it can replace or create the files in it, and with them redirect mail"
        }
    }
}

pub(super) fn check(s: &Server, out: &mut Vec<Finding>) {
    let Some(m) = s.modes() else {
        return;
    };
    for f in &m.files {
        let (who, wrong_owner) = writers(m, f);
        if who.is_empty() {
            continue;
        }
        let cpanel = f.cpanel_mode();
        let owner = match &f.role {
            Role::DomainFile { user: Some(u), .. } => format!("{u}:mail"),
            Role::DomainFile { .. } => "USER:mail".to_string(),
            Role::Cpuser { user } => format!("root:{user}"),
            Role::Directory if cpanel.is_some() => "root:mail".to_string(),
            Role::Directory => "root".to_string(),
            _ => "root:mail".to_string(),
        };
        let expected = match cpanel {
            Some(mode) => format!("cPanel sets {mode:04o} {owner}"),
            None => format!("cPanel keeps it owned by {owner}, writable by root only"),
        };
        let mut finding = Finding::new(
            &CP004,
            format!(
                "{} can be written by {} (mode {:04o}, owner uid {}, group gid {}); {expected}",
                what(f),
                who.join(" and "),
                f.meta.mode,
                f.meta.uid,
                f.meta.gid
            ),
        )
        .at(Loc::file_start(&f.path))
        .label("writable by others than root")
        .note(consequence(f))
        .note("modes are read without following symlinks; a copy of a server made without its owners counts the owner of its root directory as root");
        match &f.role {
            Role::DomainFile { domain, user } => {
                finding = finding.domain(domain.clone()).maybe_user(user.clone());
            }
            Role::Cpuser { user } => finding = finding.user(user.clone()),
            _ => {}
        }
        let new_mode = cpanel.unwrap_or(f.meta.mode & !0o022);
        let root_uid = m.root.map_or(0, |(u, _)| u);
        let new_owner = wrong_owner.then(|| match &f.role {
            Role::DomainFile { user: Some(u), .. } => m.uids.get(u).copied().unwrap_or(root_uid),
            _ => root_uid,
        });
        let mut command = format!("chmod {new_mode:04o} /{}", f.path);
        if let Some(uid) = new_owner {
            command = format!("chown {uid} /{} && {command}", f.path);
        }
        let fix = if f.kind == Kind::File && s.files.get(&f.path).is_some() {
            let mut msg = format!("give {} mode {new_mode:04o}", f.path);
            if let Some(uid) = new_owner {
                msg.push_str(&format!(" and owner uid {uid}"));
            }
            msg.push_str(", as cPanel sets it");
            Fix::unsafe_(msg)
                .chmod(ModeChange {
                    file: f.path.clone(),
                    from: f.meta.mode,
                    mode: new_mode,
                    uid: new_owner,
                    gid: None,
                })
                .command(format!("the same by hand: {command}"))
        } else {
            Fix::display_only(format!("make it writable by root only: {command}"))
        };
        out.push(finding.fix(fix));
    }
}
