//! Writing fixes to disk, and `maillint restore`.
//!
//! For every changed file, in order:
//! 1. checks: the path has no `..`, no component is a symlink, it is not inside an account home
//!    (maillint never writes into a user-controlled tree), and the file is byte for byte what
//!    maillint read (or still absent, for a file the fix creates); a file that fails a check is
//!    skipped with the reason, never clobbered;
//! 2. the originals of the files that pass are copied into the backup directory
//!    (`var/lib/maillint/backup/<UTC time>/` under the root, or `--backup-dir`) with a
//!    `manifest.json` that records path, action, mode, owner, group and a hash of the new content;
//! 3. each file is written atomically: temporary file in the same directory, mode, owner and group
//!    of the original, fsync, rename, fsync of the directory. Removed files are unlinked.
//!
//! `restore` puts the originals back, but only for files still exactly as maillint left them.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::clock::Utc;
use crate::fix::Change;

/// Largest file maillint will re-read to check it did not change (same cap as the tree).
const MAX_CHECK_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Clone, Debug)]
pub struct WriteOptions {
    /// The server root on disk.
    pub root: PathBuf,
    /// `--backup-dir`; default `var/lib/maillint/backup/<UTC time>/` under the root.
    pub backup_dir: Option<PathBuf>,
    /// Display-path prefixes never written (account homes, `home1/bob/`).
    pub protected: Vec<String>,
    pub now: Utc,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WriteReport {
    pub modified: Vec<String>,
    pub created: Vec<String>,
    pub removed: Vec<String>,
    /// Files not written, with the reason.
    pub skipped: Vec<(String, String)>,
    /// Where the originals are, when anything was written.
    pub backup: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Modified,
    Created,
    Removed,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ManifestEntry {
    pub path: String,
    pub action: Action,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    /// The backup copy of the original, relative to the backup directory (None when created).
    pub backup: Option<String>,
    /// FNV-1a hash of what maillint wrote (None when removed): restore only touches files that
    /// still hold exactly that.
    pub written_hash: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub version: u32,
    pub tool: String,
    /// The server root (absolute) the paths are relative to.
    pub root: String,
    pub time: String,
    pub entries: Vec<ManifestEntry>,
}

pub fn fnv64(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// Rejects paths that could leave the root.
fn safe_relative(path: &str) -> Result<&Path, String> {
    let p = Path::new(path);
    if path.is_empty() || !p.components().all(|c| matches!(c, Component::Normal(_))) {
        return Err("the path is not a plain path below the root".into());
    }
    Ok(p)
}

/// Checks that no component of `rel` below `root` is a symlink. Returns the target's lstat
/// metadata when it exists.
fn check_components(root: &Path, rel: &Path) -> Result<Option<fs::Metadata>, String> {
    let mut cur = root.to_path_buf();
    let n = rel.components().count();
    for (i, c) in rel.components().enumerate() {
        cur.push(c);
        match fs::symlink_metadata(&cur) {
            Ok(m) if m.file_type().is_symlink() => {
                let shown = rel.components().take(i + 1).collect::<PathBuf>();
                return Err(format!(
                    "{} is a symlink; maillint does not write through symlinks",
                    shown.display()
                ));
            }
            Ok(m) if i + 1 == n => return Ok(Some(m)),
            Ok(m) if !m.is_dir() => return Err(format!("{} is not a directory", cur.display())),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                if i + 1 == n {
                    return Ok(None);
                }
                return Err(format!(
                    "the directory {} does not exist",
                    rel.components().take(i + 1).collect::<PathBuf>().display()
                ));
            }
            Err(e) => return Err(format!("cannot inspect {}: {e}", cur.display())),
        }
    }
    Ok(None)
}

fn open_nofollow(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .custom_flags((rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK).bits() as i32)
        .open(path)
}

fn read_capped(path: &Path) -> io::Result<Vec<u8>> {
    let f = open_nofollow(path)?;
    let meta = f.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::other("not a regular file"));
    }
    let mut buf = Vec::with_capacity(meta.len().min(MAX_CHECK_BYTES) as usize);
    f.take(MAX_CHECK_BYTES + 1).read_to_end(&mut buf)?;
    Ok(buf)
}

/// A change that passed its checks, with what is needed to write it.
struct Planned<'a> {
    change: &'a Change<'a>,
    action: Action,
    mode: u32,
    uid: u32,
    gid: u32,
}

/// Whether maillint may write `path` (relative to `root`) at all: a plain path below the root,
/// outside every account home, with no symlink on the way, and a regular file if it exists.
/// The fix loop asks this before applying a fix, so that a fix is applied whole or not at all.
pub fn writable(root: &Path, path: &str, protected: &[String]) -> Result<(), String> {
    let rel = safe_relative(path)?;
    if protected.iter().any(|home| is_below(path, home)) {
        return Err("it is inside an account's home directory, which maillint never writes".into());
    }
    match check_components(root, rel)? {
        Some(meta) if !meta.is_file() => Err("it is not a regular file".into()),
        _ => Ok(()),
    }
}

fn plan<'a>(change: &'a Change<'a>, opts: &WriteOptions) -> Result<Planned<'a>, String> {
    writable(&opts.root, change.path, &opts.protected)?;
    let rel = safe_relative(change.path)?;
    let meta = check_components(&opts.root, rel)?;
    let target = opts.root.join(rel);
    match (change.old, meta) {
        (Some(old), Some(meta)) => {
            if !meta.is_file() {
                return Err("it is no longer a regular file".into());
            }
            let now = read_capped(&target).map_err(|e| format!("cannot read it again: {e}"))?;
            if now != old {
                return Err("it changed since maillint read it; run maillint again".into());
            }
            Ok(Planned {
                change,
                action: if change.new.is_some() {
                    Action::Modified
                } else {
                    Action::Removed
                },
                mode: meta.mode() & 0o7777,
                uid: meta.uid(),
                gid: meta.gid(),
            })
        }
        (Some(_), None) => Err("it was removed since maillint read it".into()),
        (None, Some(_)) => {
            Err("it appeared since maillint looked for it; run maillint again".into())
        }
        (None, None) => {
            // A new file takes the owner and group of its directory; world-readable only for
            // etc/remotedomains, as cPanel writes it (cpanel.md §3.1).
            let parent = target.parent().unwrap_or(&opts.root);
            let pm = fs::symlink_metadata(parent)
                .map_err(|e| format!("cannot inspect {}: {e}", parent.display()))?;
            let mode = if change.path == "etc/remotedomains" {
                0o644
            } else {
                0o640
            };
            Ok(Planned {
                change,
                action: Action::Created,
                mode,
                uid: pm.uid(),
                gid: pm.gid(),
            })
        }
    }
}

/// Whether `path` lies below the directory `dir` (both display paths).
fn is_below(path: &str, dir: &str) -> bool {
    let dir = dir.trim_end_matches('/');
    path.strip_prefix(dir)
        .is_some_and(|rest| rest.starts_with('/'))
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Writes `bytes` to `target` atomically with the given mode and owner.
pub fn atomic_write(target: &Path, bytes: &[u8], mode: u32, uid: u32, gid: u32) -> io::Result<()> {
    let dir = target
        .parent()
        .ok_or_else(|| io::Error::other("no parent directory"))?;
    let name = target
        .file_name()
        .ok_or_else(|| io::Error::other("no file name"))?
        .to_string_lossy()
        .into_owned();
    let mut n = 0u32;
    let (tmp, mut file) = loop {
        let tmp = dir.join(format!(".{name}.maillint-{}-{n}", std::process::id()));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
            .open(&tmp)
        {
            Ok(f) => break (tmp, f),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && n < 100 => n += 1,
            Err(e) => return Err(e),
        }
    };
    let result = (|| {
        file.write_all(bytes)?;
        std::os::unix::fs::fchown(&file, Some(uid), Some(gid))?;
        file.set_permissions(fs::Permissions::from_mode(mode))?;
        file.sync_all()?;
        fs::rename(&tmp, target)?;
        sync_dir(dir)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

fn create_backup_dir(opts: &WriteOptions) -> io::Result<PathBuf> {
    let base = match &opts.backup_dir {
        Some(d) => d.clone(),
        None => opts.root.join("var/lib/maillint/backup"),
    };
    let stamp = opts.now.stamp();
    fs::create_dir_all(&base)?;
    for i in 0..1000 {
        let dir = if i == 0 {
            base.join(&stamp)
        } else {
            base.join(format!("{stamp}-{i}"))
        };
        match fs::DirBuilder::new().mode(0o700).create(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other(
        "too many backups with the same time stamp",
    ))
}

/// Writes the changes (see the module documentation).
pub fn write_changes(changes: &[Change<'_>], opts: &WriteOptions) -> io::Result<WriteReport> {
    let mut report = WriteReport::default();
    let mut planned = Vec::new();
    for c in changes {
        match plan(c, opts) {
            Ok(p) => planned.push(p),
            Err(reason) => report.skipped.push((c.path.to_string(), reason)),
        }
    }
    if planned.is_empty() {
        return Ok(report);
    }
    let backup = create_backup_dir(opts)?;
    let mut entries = Vec::new();
    for p in &planned {
        let backup_rel = match p.change.old {
            Some(old) => {
                let rel = format!("files/{}", p.change.path);
                let dest = backup.join(&rel);
                if let Some(parent) = dest.parent() {
                    fs::DirBuilder::new()
                        .recursive(true)
                        .mode(0o700)
                        .create(parent)?;
                }
                let mut f = OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(&dest)?;
                f.write_all(old)?;
                f.sync_all()?;
                Some(rel)
            }
            None => None,
        };
        entries.push(ManifestEntry {
            path: p.change.path.to_string(),
            action: p.action,
            mode: p.mode,
            uid: p.uid,
            gid: p.gid,
            backup: backup_rel,
            written_hash: p.change.new.map(fnv64),
        });
    }
    let manifest = Manifest {
        version: 1,
        tool: format!("maillint {}", env!("CARGO_PKG_VERSION")),
        root: fs::canonicalize(&opts.root)?.to_string_lossy().into_owned(),
        time: opts.now.stamp(),
        entries,
    };
    let json = serde_json::to_vec_pretty(&manifest).map_err(io::Error::other)?;
    atomic_write(&backup.join("manifest.json"), &json, 0o600, 0, 0).or_else(|_| {
        // Not root (tests, a copy of a tree): keep our own owner.
        let (uid, gid) = own_ids(&backup)?;
        atomic_write(&backup.join("manifest.json"), &json, 0o600, uid, gid)
    })?;
    report.backup = Some(backup);

    for p in planned {
        let target = opts.root.join(p.change.path);
        let result = match p.change.new {
            Some(bytes) => atomic_write(&target, bytes, p.mode, p.uid, p.gid),
            None => fs::remove_file(&target)
                .and_then(|_| sync_dir(target.parent().unwrap_or(&opts.root))),
        };
        match result {
            Ok(()) => match p.action {
                Action::Modified => report.modified.push(p.change.path.to_string()),
                Action::Created => report.created.push(p.change.path.to_string()),
                Action::Removed => report.removed.push(p.change.path.to_string()),
            },
            Err(e) => report
                .skipped
                .push((p.change.path.to_string(), format!("writing failed: {e}"))),
        }
    }
    Ok(report)
}

fn own_ids(p: &Path) -> io::Result<(u32, u32)> {
    let m = fs::metadata(p)?;
    Ok((m.uid(), m.gid()))
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RestoreReport {
    pub restored: Vec<String>,
    pub removed: Vec<String>,
    pub skipped: Vec<(String, String)>,
    pub root: String,
}

/// Puts back the originals recorded in a backup directory.
pub fn restore(backup: &Path) -> Result<RestoreReport, String> {
    let manifest_path = backup.join("manifest.json");
    let text = fs::read(&manifest_path).map_err(|e| {
        format!(
            "cannot read {}: {e}; pass the directory of one backup (var/lib/maillint/backup/<time>/ under the root)",
            manifest_path.display()
        )
    })?;
    let manifest: Manifest = serde_json::from_slice(&text).map_err(|e| {
        format!(
            "{} is not a maillint backup manifest: {e}",
            manifest_path.display()
        )
    })?;
    let root = PathBuf::from(&manifest.root);
    let mut report = RestoreReport {
        root: manifest.root.clone(),
        ..RestoreReport::default()
    };
    for e in manifest.entries.iter().rev() {
        let outcome = restore_one(&root, backup, e);
        match outcome {
            Ok(true) => report.restored.push(e.path.clone()),
            Ok(false) => report.removed.push(e.path.clone()),
            Err(reason) => report.skipped.push((e.path.clone(), reason)),
        }
    }
    Ok(report)
}

/// Restores one entry; `Ok(true)` when the original was written back, `Ok(false)` when a file
/// maillint had created was removed.
fn restore_one(root: &Path, backup: &Path, e: &ManifestEntry) -> Result<bool, String> {
    let rel = safe_relative(&e.path)?;
    let meta = check_components(root, rel)?;
    let target = root.join(rel);
    match (&e.written_hash, meta) {
        (Some(hash), Some(_)) => {
            let now = read_capped(&target).map_err(|err| format!("cannot read it: {err}"))?;
            if &fnv64(&now) != hash {
                return Err(
                    "it changed after maillint wrote it; restore it by hand from the backup".into(),
                );
            }
        }
        (Some(_), None) => return Err("it was removed after maillint wrote it".into()),
        (None, Some(_)) => return Err("it exists again after maillint removed it".into()),
        (None, None) => {}
    }
    match &e.backup {
        Some(rel_backup) => {
            let original = fs::read(backup.join(rel_backup))
                .map_err(|err| format!("cannot read the backup copy {rel_backup}: {err}"))?;
            atomic_write(&target, &original, e.mode, e.uid, e.gid)
                .map_err(|err| format!("writing failed: {err}"))?;
            Ok(true)
        }
        None => {
            fs::remove_file(&target).map_err(|err| format!("removing failed: {err}"))?;
            Ok(false)
        }
    }
}
