//! CP — cPanel data: files maillint cannot parse, malformed domain lists, symlinks and other
//! oddities in account trees.

use crate::finding::{Finding, Loc, Severity};
use crate::model::Server;
use crate::rules::{Rule, Selection};
use crate::tree::SkipKind;

/// The family of these rules in `maillint rules` (used by `rule!`).
const FAMILY: &str = "cpanel data";

mod cp001_parse_error;
mod cp002_ownership_mismatch;
mod cp003_domain_list_syntax;
mod cp004_unsafe_permissions;
mod cp005_unlimited_outbound_mail;
mod cp006_symlink_in_user_tree;
mod cp007_stale_cache;

pub use cp001_parse_error::CP001;
pub use cp002_ownership_mismatch::CP002;
pub use cp003_domain_list_syntax::CP003;
pub use cp004_unsafe_permissions::CP004;
pub use cp005_unlimited_outbound_mail::{CP005, domain_limit};
pub use cp006_symlink_in_user_tree::CP006;
pub use cp007_stale_cache::CP007;

pub static RULES: &[&Rule] = &[&CP001, &CP002, &CP003, &CP004, &CP005, &CP006, &CP007];

pub fn check(server: &Server, sel: &Selection, out: &mut Vec<Finding>) {
    if sel.on(&CP001) {
        cp001_parse_error::check(server, out);
    }
    if sel.on(&CP001) || sel.on(&CP006) {
        skipped(server, sel, out);
    }
    if sel.on(&CP003) {
        cp003_domain_list_syntax::check(server, out);
    }
    if sel.on(&CP002) {
        cp002_ownership_mismatch::check(server, out);
    }
    if sel.on(&CP004) {
        cp004_unsafe_permissions::check(server, out);
    }
    if sel.on(&CP005) {
        cp005_unlimited_outbound_mail::check(server, out);
    }
    if sel.on(&CP007) {
        cp007_stale_cache::check(server, out);
    }
}

/// The account and domain a path of the tree concerns, when its place says so.
fn owner_of(server: &Server, path: &str) -> (Option<String>, Option<String>) {
    let mut user = None;
    let mut rest = path;
    for a in server.accounts.values() {
        if let Some(h) = &a.home
            && let Some(r) = path
                .strip_prefix(h.as_str())
                .and_then(|r| r.strip_prefix('/'))
        {
            user = Some(a.user.clone());
            rest = r;
        }
    }
    let parts: Vec<&str> = rest.split('/').collect();
    let domain = match parts.as_slice() {
        ["etc", "valiases" | "vdomainaliases" | "vfilters", d, ..] => Some(d.to_string()),
        ["var", "named", z, ..] => z.strip_suffix(".db").map(str::to_string),
        ["etc" | "mail", d, ..] if user.is_some() && server.domains.contains_key(*d) => {
            Some(d.to_string())
        }
        _ => None,
    };
    let user = user.or_else(|| {
        domain
            .as_ref()
            .and_then(|d| server.domains.get(d))
            .map(|d| d.user.clone())
    });
    (user, domain)
}

/// CP006 for symlinks and special files, CP001 for files that could not be read; one finding per
/// path (a symlinked directory met on several ways is one problem).
fn skipped(server: &Server, sel: &Selection, out: &mut Vec<Finding>) {
    let mut seen = std::collections::BTreeSet::new();
    for skip in &server.skipped {
        if !seen.insert(skip.path.as_str()) {
            continue;
        }
        let (code, severity) = match skip.kind {
            SkipKind::Symlink { .. }
            | SkipKind::SymlinkEscapesRoot
            | SkipKind::SymlinkInUserTree
            | SkipKind::SymlinkLoop
            | SkipKind::Fifo
            | SkipKind::Device
            | SkipKind::Socket
            | SkipKind::OtherType
            | SkipKind::UnsafePath
            | SkipKind::ArchiveEntry => (&CP006, Severity::Warning),
            SkipKind::TooLarge { .. }
            | SkipKind::Io
            | SkipKind::Changed
            | SkipKind::Directory
            | SkipKind::NotADirectory
            | SkipKind::ArchiveLimit => (&CP001, Severity::Error),
            // Mail contents of an archive are deliberately not kept.
            SkipKind::NotKept => continue,
        };
        if !sel.on(code) {
            continue;
        }
        let (user, domain) = owner_of(server, &skip.path);
        // The tree's details read as a predicate of the path ("is a symlink to …").
        let message = if skip.detail.starts_with("is ") || skip.detail.starts_with("has ") {
            format!("{} {}", skip.path, skip.detail)
        } else {
            skip.detail.clone()
        };
        let note = if code == &CP006 {
            cp006_symlink_in_user_tree::NOTE
        } else {
            cp001_parse_error::UNREADABLE_NOTE
        };
        let f = Finding::new(code, message)
            .severity(severity)
            .at(Loc::file_start(&skip.path))
            .maybe_user(user)
            .maybe_domain(domain)
            .note(note);
        out.push(f);
    }
}
