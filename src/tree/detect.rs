//! What PATH on the command line stands for (PRODUCT.md, "The server tree").

use std::fmt;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use super::{Backend, Layout, Tree, TreeOptions, account_mounts, archive, disk};

/// What kind of tree is being linted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum RootKind {
    /// A directory standing for `/` of a server (or `/` itself).
    Server,
    /// An unpacked account backup (`cpmove-USER/`): that account alone.
    AccountDir,
    /// An account backup archive (`cpmove-USER.tar.gz`), read in place.
    AccountArchive,
}

/// The tree maillint lints, as detected from the command line.
///
/// In account mode, logical server paths are mapped onto the backup layout, so the rest of
/// maillint reads the same paths in every mode: `var/cpanel/users/USER` ← `cp/USER`,
/// `var/cpanel/userdata/USER/*` ← `userdata/*`, `var/named/D.db` ← `dnszones/D.db`,
/// `etc/valiases/D` ← `va/D`, `etc/vdomainaliases/D` ← `vad/D`, `etc/vfilters/D` ← `vf/D`,
/// `var/cpanel/domain_keys/public/D` ← `domainkeys/public/D`, and any account home ←
/// `homedir/`. Every other logical path (`etc/localdomains`, …) is missing. Private DKIM keys are
/// never mapped. USER is the single file in `cp/`.
pub struct Root {
    pub kind: RootKind,
    /// The account, in account mode.
    pub user: Option<String>,
    /// The root as given on the command line (`/` when omitted).
    pub display: String,
    /// The directory on disk that display paths are relative to: the server root (two levels
    /// above a `…/var/cpanel` argument), the account backup directory, or the archive file.
    /// Fixes are written relative to it.
    pub dir: PathBuf,
    pub tree: Tree,
}

impl fmt::Debug for Root {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Root")
            .field("kind", &self.kind)
            .field("user", &self.user)
            .field("display", &self.display)
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

/// PATH is not something maillint can lint (a usage error, exit code 2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RootError {
    pub path: PathBuf,
    /// A complete sentence naming the path, what was found and what was expected.
    pub message: String,
}

impl fmt::Display for RootError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RootError {}

const EXPECTED: &str = "pass the root of a server tree (e.g. / or a copy of it), a var/cpanel \
                        directory, or an account backup (cpmove-USER directory or .tar.gz)";

/// Detects the tree for PATH with the default limits.
pub fn detect(path: Option<&Path>) -> Result<Root, RootError> {
    detect_with(path, TreeOptions::default())
}

/// Detects the tree for PATH (`None`: the live server, `/`).
pub fn detect_with(path: Option<&Path>, opts: TreeOptions) -> Result<Root, RootError> {
    let Some(path) = path else {
        return detect_omitted(Path::new("/"), opts);
    };
    let shown = path.display().to_string();
    let err = |message: String| RootError {
        path: path.to_path_buf(),
        message,
    };
    let md = match std::fs::metadata(path) {
        Ok(md) => md,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(err(format!("{shown} does not exist; {EXPECTED}")));
        }
        Err(e) => return Err(err(format!("cannot examine {shown}: {e}; {EXPECTED}"))),
    };
    if md.is_dir() {
        if path.join("var/cpanel").exists() || path.join("etc/localdomains").exists() {
            return server(path, shown, opts);
        }
        if let Some(root) = var_cpanel_root(path) {
            return server(&root, shown, opts);
        }
        let has_dir = |name: &str| path.join(name).is_dir();
        if has_dir("cp") {
            if !(has_dir("userdata") || has_dir("dnszones") || has_dir("va")) {
                return Err(err(format!(
                    "{shown} has a cp/ directory but none of userdata/, dnszones/, va/, so it is \
                     neither a server tree nor a complete account backup; {EXPECTED}"
                )));
            }
            let user = single_cp_user(&path.join("cp"), &shown).map_err(err)?;
            let disk =
                disk::Disk::open(path).map_err(|e| err(format!("cannot open {shown}: {e}")))?;
            let tree = Tree::new(
                Backend::Disk(disk),
                Layout::Account {
                    mounts: account_mounts(&user),
                },
                opts,
            );
            return Ok(Root {
                kind: RootKind::AccountDir,
                user: Some(user),
                display: shown,
                dir: path.to_path_buf(),
                tree,
            });
        }
        return Err(err(format!(
            "{shown} is a directory but holds neither var/cpanel nor etc/localdomains; {EXPECTED}"
        )));
    }
    if md.is_file() {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if archive_user(&name).is_none() {
            return Err(err(format!(
                "{shown} is a file, but not an account backup archive (expected a name like \
                 cpmove-USER.tar.gz, backup-DATE_USER.tar.gz, .tgz or .tar); {EXPECTED}"
            )));
        }
        return open_archive(path, shown, opts).map_err(err);
    }
    Err(err(format!(
        "{shown} is neither a directory nor a regular file (a FIFO, socket or device); {EXPECTED}"
    )))
}

/// PATH omitted: the live server at `root` (`/`; another directory only in tests), which must
/// look like a cPanel server, as `maillint /` requires (PRODUCT.md "The server tree"): a host
/// that is no cPanel server is a usage error, never an empty run that passes.
pub fn detect_omitted(root: &Path, opts: TreeOptions) -> Result<Root, RootError> {
    if root.join("var/cpanel").exists() || root.join("etc/localdomains").exists() {
        return server(root, "/".to_owned(), opts);
    }
    Err(RootError {
        path: root.to_path_buf(),
        message: format!(
            "no PATH was given, so maillint read this host's / as a cPanel server, but / holds \
             neither var/cpanel nor etc/localdomains: this host is no cPanel server; {EXPECTED}"
        ),
    })
}

fn server(root: &Path, shown: String, opts: TreeOptions) -> Result<Root, RootError> {
    let tree = Tree::open_server(root, opts).map_err(|e| RootError {
        path: root.to_path_buf(),
        message: format!("cannot open {}: {e}", root.display()),
    })?;
    Ok(Root {
        kind: RootKind::Server,
        user: None,
        display: shown,
        dir: root.to_path_buf(),
        tree,
    })
}

/// For a directory whose path ends in `var/cpanel`, the server root two levels up.
fn var_cpanel_root(path: &Path) -> Option<PathBuf> {
    let up2 = |p: &Path| -> PathBuf {
        match p.parent().and_then(Path::parent) {
            Some(r) if r.as_os_str().is_empty() => PathBuf::from("."),
            Some(r) => r.to_path_buf(),
            None => PathBuf::from("/"),
        }
    };
    if path.ends_with("var/cpanel") {
        return Some(up2(path));
    }
    let canonical = std::fs::canonicalize(path).ok()?;
    canonical.ends_with("var/cpanel").then(|| up2(&canonical))
}

/// USER of an archive name: `cpmove-USER.tar.gz`, `backup-DATE_USER.tar.gz` (or `.tgz`, `.tar`).
pub(super) fn archive_user(name: &str) -> Option<&str> {
    let stem = name
        .strip_suffix(".tar.gz")
        .or_else(|| name.strip_suffix(".tgz"))
        .or_else(|| name.strip_suffix(".tar"))?;
    let user = if let Some(user) = stem.strip_prefix("cpmove-") {
        user
    } else {
        stem.strip_prefix("backup-")?.rsplit_once('_')?.1
    };
    (!user.is_empty()).then_some(user)
}

/// The account of a backup directory: the one regular file in `cp/`.
fn single_cp_user(cp: &Path, shown: &str) -> Result<String, String> {
    let mut users = Vec::new();
    let entries = std::fs::read_dir(cp).map_err(|e| format!("cannot list {shown}/cp: {e}"))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot list {shown}/cp: {e}"))?;
        if entry.file_type().is_ok_and(|t| t.is_file()) {
            users.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    users.sort();
    one_user(users, shown)
}

fn one_user(mut users: Vec<String>, shown: &str) -> Result<String, String> {
    match users.len() {
        1 => Ok(users.pop().unwrap()),
        0 => Err(format!(
            "{shown} looks like an account backup but cp/ holds no file; expected exactly one, \
             the account's cpuser file cp/USER"
        )),
        n => Err(format!(
            "{shown} looks like an account backup but cp/ holds {n} files ({}); expected \
             exactly one, the account's cpuser file cp/USER",
            users.join(", ")
        )),
    }
}

fn open_archive(path: &Path, shown: String, opts: TreeOptions) -> Result<Root, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot open {shown}: {e}"))?;
    let mut reader = BufReader::with_capacity(256 * 1024, file);
    let gzip = reader
        .fill_buf()
        .map_err(|e| format!("cannot read {shown}: {e}"))?
        .starts_with(&[0x1f, 0x8b]);
    let limits = archive::Limits {
        max_file_size: opts.max_file_size,
        max_memory: opts.archive_max_memory,
        max_entries: opts.archive_max_entries,
    };
    let built = if gzip {
        archive::build(
            flate2::bufread::MultiGzDecoder::new(reader),
            &shown,
            &limits,
        )
    } else {
        archive::build(reader, &shown, &limits)
    };
    let (index, skips) =
        built.map_err(|e| format!("{shown} is not a readable tar archive ({e}); {EXPECTED}"))?;
    let user = one_user(index.files_in(b"cp"), &shown)?;
    let tree = Tree::new(
        Backend::Archive(index),
        Layout::Account {
            mounts: account_mounts(&user),
        },
        opts,
    );
    tree.skips.lock().extend(skips);
    Ok(Root {
        kind: RootKind::AccountArchive,
        user: Some(user),
        display: shown,
        dir: path.to_path_buf(),
        tree,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_names() {
        assert_eq!(archive_user("cpmove-bob.tar.gz"), Some("bob"));
        assert_eq!(archive_user("cpmove-bob.tgz"), Some("bob"));
        assert_eq!(archive_user("cpmove-bob.tar"), Some("bob"));
        assert_eq!(
            archive_user("backup-3.14.2024_02-00-01_bob.tar.gz"),
            Some("bob")
        );
        assert_eq!(archive_user("cpmove-.tar.gz"), None);
        assert_eq!(archive_user("backup-3.14.2024.tar.gz"), None);
        assert_eq!(archive_user("cpmove-bob.zip"), None);
        assert_eq!(archive_user("bob.tar.gz"), None);
    }

    #[test]
    fn omitted_path_needs_a_cpanel_server() {
        let tmp = std::env::temp_dir().join(format!("maillint-detect-{}", std::process::id()));
        std::fs::create_dir_all(tmp.join("etc")).unwrap();
        let err = detect_omitted(&tmp, TreeOptions::default()).unwrap_err();
        assert!(
            err.message.contains("no PATH was given")
                && err.message.contains("this host is no cPanel server")
                && err.message.contains("pass the root of a server tree"),
            "{err}"
        );
        std::fs::write(tmp.join("etc/localdomains"), "example.com\n").unwrap();
        let root = detect_omitted(&tmp, TreeOptions::default()).unwrap();
        assert_eq!(root.kind, RootKind::Server);
        assert_eq!(root.display, "/");
        std::fs::remove_dir_all(&tmp).unwrap();
    }

    #[test]
    fn var_cpanel_paths() {
        assert_eq!(
            var_cpanel_root(Path::new("/srv/copy/var/cpanel")),
            Some(PathBuf::from("/srv/copy"))
        );
        assert_eq!(
            var_cpanel_root(Path::new("/var/cpanel/")),
            Some(PathBuf::from("/"))
        );
        assert_eq!(
            var_cpanel_root(Path::new("var/cpanel")),
            Some(PathBuf::from("."))
        );
    }
}
