//! Owners and modes of the files that decide where mail goes, read without following symlinks
//! (`lstat`), for CP004 ([`crate::model::Needs::PERMISSIONS`]), with what cPanel sets
//! (`shared/reference/cpanel.md` §3.1, §3.2, §9.2).
//!
//! **Who is root.** On a live server the tree's root is `/`, owned by uid 0. A copy of a server
//! made without keeping owners belongs to whoever made it; so the owner and group of the tree's
//! root directory count as root's too (both are 0 on a live server).

use std::collections::BTreeMap;

use crate::model::Server;
use crate::tree::{Kind, Meta};

/// What a file is to cPanel, and so who may write it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Role {
    /// `etc/localdomains`, `remotedomains`, `secondarymx`, `manualmx`.
    RoutingList,
    /// `etc/userdomains`, `etc/domainusers`: Exim looks a domain's owner up there.
    OwnerMap,
    /// `etc/valiases/DOMAIN`, `etc/vdomainaliases/DOMAIN`, `etc/vfilters/DOMAIN`: the domain's
    /// account may own it.
    DomainFile {
        domain: String,
        user: Option<String>,
    },
    /// `var/cpanel/users/USER` and `var/cpanel/users.cache/USER`.
    Cpuser { user: String },
    /// `etc/valiases`, `etc/vdomainaliases`, `etc/vfilters`, `var/cpanel/users`,
    /// `var/cpanel/users.cache`: whoever may write in them may replace their files.
    Directory,
}

/// A file or directory and its metadata (with any mode a fix gave it in memory).
#[derive(Clone, Debug)]
pub struct FileMode {
    pub path: String,
    pub kind: Kind,
    pub meta: Meta,
    pub role: Role,
}

impl FileMode {
    /// The mode and owner cPanel gives it: (mode, owner is root), `None` where cPanel's mode
    /// is not known (`var/cpanel/users`).
    pub fn cpanel_mode(&self) -> Option<u32> {
        match &self.role {
            Role::RoutingList if self.path == "etc/remotedomains" => Some(0o644),
            Role::RoutingList | Role::OwnerMap | Role::DomainFile { .. } | Role::Cpuser { .. } => {
                Some(0o640)
            }
            Role::Directory => matches!(
                self.path.as_str(),
                "etc/valiases" | "etc/vdomainaliases" | "etc/vfilters"
            )
            .then_some(0o751),
        }
    }
}

/// What the permissions pass found.
#[derive(Clone, Debug, Default)]
pub struct Modes {
    pub files: Vec<FileMode>,
    /// Owner and group of the tree's root directory.
    pub root: Option<(u32, u32)>,
    /// Account users' uids, from `etc/passwd` when the tree has it.
    pub uids: BTreeMap<String, u32>,
}

impl Modes {
    /// Whether a uid is root's (0, or the owner of the tree's root).
    pub fn is_root_uid(&self, uid: u32) -> bool {
        uid == 0 || self.root.is_some_and(|(u, _)| u == uid)
    }

    pub fn is_root_gid(&self, gid: u32) -> bool {
        gid == 0 || self.root.is_some_and(|(_, g)| g == gid)
    }

    /// The user a uid belongs to (from `etc/passwd`).
    pub fn user_of(&self, uid: u32) -> Option<&str> {
        self.uids
            .iter()
            .find(|(_, u)| **u == uid)
            .map(|(n, _)| n.as_str())
    }
}

/// Reads `name:password:uid:…` lines of `etc/passwd`.
pub fn passwd_uids(text: &str) -> BTreeMap<String, u32> {
    text.lines()
        .filter_map(|l| {
            let mut f = l.split(':');
            let name = f.next()?;
            let uid = f.nth(1)?.parse().ok()?;
            (!name.is_empty() && !name.starts_with('#')).then(|| (name.to_string(), uid))
        })
        .collect()
}

/// Whether someone besides root could write a file with this metadata (a superset of what
/// CP004 reports: the model reads the contents of such files, so that a fix can rewrite them).
pub fn suspicious(meta: &Meta, root: Option<(u32, u32)>) -> bool {
    let root_uid = |u: u32| u == 0 || root.is_some_and(|(r, _)| r == u);
    meta.mode & 0o022 != 0 || !root_uid(meta.uid)
}

impl Server {
    /// The permissions pass, if it ran.
    pub fn modes(&self) -> Option<&Modes> {
        self.modes.as_ref()
    }
}
