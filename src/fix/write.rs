//! Writing fixes to disk as one transaction, and `maillint restore`.
//!
//! A run of `--fix` writes its changed files all together or not at all:
//!
//! 1. **Prepare** every file, in sorted path order ([`prepare`]):
//!    - the path is plain, below the root, with no symlink on the way, not inside an account
//!      home, and neither the file nor its directory is immutable or append-only (`chattr +i`,
//!      `+a`, read with `FS_IOC_GETFLAGS`);
//!    - cPanel's lock for it is taken (`FILE.lock` and `flock()`, see [`super::lock`]), waiting
//!      at most the lock timeout for a holder that is alive;
//!    - under the lock, its bytes are read again through the locked descriptor and must be
//!      byte for byte what maillint linted (or the file must still be absent, for a file the fix
//!      creates);
//!    - the new content is written to a temporary file in the same directory (so the rename is
//!      atomic), which gets the original's owner, group, mode and every extended attribute
//!      (POSIX ACLs, `user.*`, `trusted.*`, and `security.*` where the kernel lets us set them),
//!      and is fsynced;
//!    - a hard link to the original is made next to it: the undo, should a later rename fail.
//!
//!    Every failure names its file and its reason. If any file fails, nothing is written: all
//!    temporary files and links are removed and the locks released. The caller (`--fix`) then
//!    leaves out the fixes that touch the failing files (a fix is applied whole or not at all)
//!    and prepares the remaining ones again.
//! 2. **Commit** ([`Transaction::commit`]): with every lock still held, every file's bytes are
//!    checked once more (immediately before the renames); the originals are copied into the
//!    backup directory with a `manifest.json` (path, action, mode, owner, group, extended
//!    attributes, hash of the new content); then each temporary file is renamed over its target
//!    (and removed files are unlinked), the directories are fsynced, the undo links removed and
//!    the locks released. If a rename or unlink fails half-way, the files already replaced are
//!    put back by renaming the undo links over them (the original inodes, with all their
//!    metadata), files created are removed, and the whole transaction is reported as not applied.
//!
//! `restore` puts the originals of a backup back into the tree the backup lies in (or `--root`),
//! through the same transaction: every file or none, each one only if it still holds exactly
//! what maillint wrote.
//!
//! # Fault injection for tests
//!
//! `MAILLINT_TEST_FAIL` makes one step fail, so that the tests can reach the failure paths
//! without a broken disk: `commit:N` makes the Nth rename or unlink of the commit fail (the
//! files already renamed are then put back), `write:PATH` makes writing the temporary file for
//! the display path PATH fail with "no space left on device". It can only make maillint write
//! less (refuse or undo a fix), never write anything else.

use std::collections::BTreeSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::os::unix::io::AsFd;
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, Instant};

use rustix::fs::{IFlags, OFlags, XattrFlags};
use serde::{Deserialize, Serialize};

use crate::clock::Utc;
use crate::fix::Change;
use crate::fix::lock::{self, FileLock};

/// Largest file maillint will re-read to check it did not change (same cap as the tree).
const MAX_CHECK_BYTES: u64 = 64 * 1024 * 1024;

/// A failure injected by a test (see the module documentation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The Nth rename or unlink of a commit (1-based) fails.
    Commit(usize),
    /// Writing the temporary file for this display path fails (no space left on device).
    Write(String),
}

impl Fault {
    pub const ENV: &'static str = "MAILLINT_TEST_FAIL";

    pub fn parse(s: &str) -> Option<Fault> {
        let (kind, arg) = s.split_once(':')?;
        match kind {
            "commit" => arg.parse().ok().map(Fault::Commit),
            "write" => Some(Fault::Write(arg.to_string())),
            _ => None,
        }
    }

    /// The fault `MAILLINT_TEST_FAIL` asks for, if any.
    pub fn from_env() -> Option<Fault> {
        std::env::var(Fault::ENV)
            .ok()
            .and_then(|v| Fault::parse(&v))
    }
}

#[derive(Clone, Debug)]
pub struct WriteOptions {
    /// The server root on disk.
    pub root: PathBuf,
    /// `--backup-dir`; default `var/lib/maillint/backup/<UTC time>/` under the root.
    pub backup_dir: Option<PathBuf>,
    /// Display-path prefixes never written (account homes, `home1/bob/`).
    pub protected: Vec<String>,
    pub now: Utc,
    /// How long to wait for a lock held by a live process (all the locks of one preparation).
    pub lock_timeout: Duration,
    pub fault: Option<Fault>,
}

impl WriteOptions {
    pub fn new(root: impl Into<PathBuf>, now: Utc) -> WriteOptions {
        WriteOptions {
            root: root.into(),
            backup_dir: None,
            protected: Vec::new(),
            now,
            lock_timeout: lock::DEFAULT_TIMEOUT,
            fault: None,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WriteReport {
    pub modified: Vec<String>,
    pub created: Vec<String>,
    pub removed: Vec<String>,
    /// Files that stopped the transaction, with the reason (nothing was written then).
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

/// An extended attribute, its value in hexadecimal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Xattr {
    pub name: String,
    pub value: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ManifestEntry {
    pub path: String,
    pub action: Action,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    /// Extended attributes of the original (ACLs included).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub xattrs: Vec<Xattr>,
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
    /// The server root (absolute) the paths were relative to when the backup was made. Restore
    /// does not use it (it restores into the tree the backup lies in, or `--root`).
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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
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

fn nofollow_flags() -> i32 {
    (OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY).bits() as i32
}

fn open_nofollow(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .custom_flags(nofollow_flags())
        .open(path)
}

/// Reads a whole file (at most the cap) from the start, through an open descriptor.
fn read_all_at(f: &File) -> io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    let mut pos = 0u64;
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = rustix::io::pread(f, &mut chunk[..], pos)?;
        if n == 0 {
            return Ok(buf);
        }
        buf.extend_from_slice(&chunk[..n]);
        pos += n as u64;
        if pos > MAX_CHECK_BYTES {
            return Err(io::Error::other("it is too large to check"));
        }
    }
}

fn read_capped(path: &Path) -> io::Result<Vec<u8>> {
    let f = open_nofollow(path)?;
    let meta = f.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::other("not a regular file"));
    }
    read_all_at(&f)
}

/// Why the inode flags of a file or directory forbid replacing it, if they do.
fn flags_problem(fd: impl AsFd, what: &str) -> Option<String> {
    match rustix::fs::ioctl_getflags(fd) {
        Ok(flags) if flags.contains(IFlags::IMMUTABLE) => {
            Some(format!("{what} immutable (chattr +i)"))
        }
        Ok(flags) if flags.contains(IFlags::APPEND) => {
            Some(format!("{what} append-only (chattr +a)"))
        }
        // The file system has no such flags (ENOTTY, EOPNOTSUPP…): nothing forbids it.
        _ => None,
    }
}

fn dir_flags_problem(dir: &Path, shown: &str) -> Option<String> {
    let d = OpenOptions::new()
        .read(true)
        .custom_flags((OFlags::NOFOLLOW | OFlags::DIRECTORY).bits() as i32)
        .open(dir)
        .ok()?;
    flags_problem(&d, &format!("its directory {shown} is"))
}

/// Whether maillint may write `path` (relative to `root`) at all: a plain path below the root,
/// outside every account home, with no symlink on the way, a regular file if it exists, and
/// neither it nor its directory immutable or append-only. The fix loop asks this before
/// applying a fix (so `--dry-run` leaves out the same fixes), and [`prepare`] again under the
/// lock.
pub fn writable(root: &Path, path: &str, protected: &[String]) -> Result<(), String> {
    let rel = safe_relative(path)?;
    if protected.iter().any(|home| is_below(path, home)) {
        return Err("it is inside an account's home directory, which maillint never writes".into());
    }
    let meta = check_components(root, rel)?;
    let target = root.join(rel);
    let shown_dir = rel
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| ".".to_string(), |p| p.display().to_string());
    if let Some(why) = dir_flags_problem(target.parent().unwrap_or(root), &shown_dir) {
        return Err(why);
    }
    match meta {
        Some(meta) if !meta.is_file() => Err("it is not a regular file".into()),
        Some(_) => match open_nofollow(&target) {
            Ok(f) => flags_problem(&f, "it is").map_or(Ok(()), Err),
            Err(e) => Err(format!("cannot open it: {e}")),
        },
        None => Ok(()),
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

/// Owner, group, mode and extended attributes of a file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileMeta {
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    /// `None`: leave the attributes a new file gets (a directory's default ACL).
    pub xattrs: Option<Vec<(Vec<u8>, Vec<u8>)>>,
}

fn list_xattrs(fd: impl AsFd) -> io::Result<Vec<Vec<u8>>> {
    let fd = fd.as_fd();
    let mut buf = vec![0u8; 1024];
    loop {
        match rustix::fs::flistxattr(fd, &mut buf[..]) {
            Ok(n) => {
                buf.truncate(n);
                break;
            }
            Err(rustix::io::Errno::RANGE) => {
                let need = rustix::fs::flistxattr_query(fd)?;
                buf.resize(need.max(buf.len() * 2), 0);
            }
            Err(rustix::io::Errno::NOTSUP) => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(buf
        .split(|&b| b == 0)
        .filter(|n| !n.is_empty())
        .map(<[u8]>::to_vec)
        .collect())
}

fn read_xattrs(fd: impl AsFd) -> io::Result<Vec<(Vec<u8>, Vec<u8>)>> {
    let fd = fd.as_fd();
    let mut out = Vec::new();
    for name in list_xattrs(fd)? {
        let mut value = vec![0u8; 256];
        loop {
            match rustix::fs::fgetxattr(fd, &name[..], &mut value[..]) {
                Ok(n) => {
                    value.truncate(n);
                    break;
                }
                Err(rustix::io::Errno::RANGE) => {
                    let need = rustix::fs::fgetxattr_query(fd, &name[..])?;
                    value.resize(need.max(value.len() * 2), 0);
                }
                Err(e) => return Err(e.into()),
            }
        }
        out.push((name, value));
    }
    out.sort();
    Ok(out)
}

fn file_meta(f: &File) -> io::Result<FileMeta> {
    let m = f.metadata()?;
    Ok(FileMeta {
        mode: m.mode() & 0o7777,
        uid: m.uid(),
        gid: m.gid(),
        xattrs: Some(read_xattrs(f)?),
    })
}

/// Applies owner, group, mode and extended attributes to an open file: the attributes last, since
/// setting the mode rewrites an ACL's mask and setting an ACL rewrites the mode's group bits.
fn apply_meta(f: &File, meta: &FileMeta) -> Result<(), String> {
    std::os::unix::fs::fchown(f, Some(meta.uid), Some(meta.gid)).map_err(|e| {
        format!(
            "cannot give it owner {} and group {}: {e}",
            meta.uid, meta.gid
        )
    })?;
    rustix::fs::fchmod(f, rustix::fs::Mode::from_raw_mode(meta.mode))
        .map_err(|e| format!("cannot give it mode {:o}: {e}", meta.mode))?;
    let Some(wanted) = &meta.xattrs else {
        return Ok(());
    };
    let security = |name: &[u8]| name.starts_with(b"security.");
    // Attributes the new file got by itself (a directory's default ACL) but the original lacks.
    let present = list_xattrs(f).map_err(|e| format!("cannot list its attributes: {e}"))?;
    for name in present {
        if !wanted.iter().any(|(n, _)| *n == name) {
            match rustix::fs::fremovexattr(f, &name[..]) {
                Ok(()) => {}
                Err(_) if security(&name) => {}
                Err(e) => {
                    return Err(format!(
                        "cannot remove the extended attribute {}: {}",
                        String::from_utf8_lossy(&name),
                        io::Error::from(e)
                    ));
                }
            }
        }
    }
    for (name, value) in wanted {
        match rustix::fs::fsetxattr(f, &name[..], value, XattrFlags::empty()) {
            Ok(()) => {}
            // security.* (SELinux labels, capabilities) only where the kernel permits.
            Err(
                rustix::io::Errno::PERM
                | rustix::io::Errno::ACCESS
                | rustix::io::Errno::NOTSUP
                | rustix::io::Errno::INVAL,
            ) if security(name) => {}
            Err(e) => {
                return Err(format!(
                    "cannot copy the extended attribute {}: {}",
                    String::from_utf8_lossy(name),
                    io::Error::from(e)
                ));
            }
        }
    }
    Ok(())
}

/// A scratch file (temporary content or undo link) removed on drop unless taken.
#[derive(Debug)]
struct Scratch(Option<PathBuf>);

impl Scratch {
    fn path(&self) -> &Path {
        self.0.as_deref().expect("scratch path")
    }

    /// The path, no longer removed on drop (it was renamed away).
    fn take(&mut self) -> Option<PathBuf> {
        self.0.take()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = fs::remove_file(p);
        }
    }
}

/// A fresh name next to `target`: `.NAME.maillint-<what>-PID-N`, created by `create`.
fn scratch_name(target: &Path, what: &str, n: u32) -> PathBuf {
    let name = target
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    target.with_file_name(format!(
        ".{name}.maillint-{what}-{}-{n}",
        std::process::id()
    ))
}

/// Writes `bytes` into a new temporary file next to `target` with `meta`, fsynced.
fn write_temp(target: &Path, bytes: &[u8], meta: &FileMeta, fail: bool) -> Result<Scratch, String> {
    let mut n = 0u32;
    let (scratch, mut file) = loop {
        let tmp = scratch_name(target, "new", n);
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(OFlags::NOFOLLOW.bits() as i32)
            .open(&tmp)
        {
            Ok(f) => break (Scratch(Some(tmp)), f),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && n < 1000 => n += 1,
            Err(e) => return Err(format!("cannot create a temporary file next to it: {e}")),
        }
    };
    let written = if fail {
        Err(io::Error::from_raw_os_error(28))
    } else {
        file.write_all(bytes)
    };
    written.map_err(|e| format!("cannot write its new content: {e}"))?;
    apply_meta(&file, meta)?;
    file.sync_all()
        .map_err(|e| format!("cannot write its new content: {e}"))?;
    Ok(scratch)
}

/// A hard link to the original next to it: the undo, should the commit fail half-way.
fn keep_link(target: &Path) -> Result<Scratch, String> {
    for n in 0..1000 {
        let keep = scratch_name(target, "old", n);
        match fs::hard_link(target, &keep) {
            Ok(()) => return Ok(Scratch(Some(keep))),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(format!("cannot link the original for an undo: {e}")),
        }
    }
    Err("cannot link the original for an undo: no free name".into())
}

/// Writes `bytes` to `target` atomically with the given mode and owner (no lock, no undo: for
/// maillint's own files, such as the backup manifest).
pub fn atomic_write(target: &Path, bytes: &[u8], mode: u32, uid: u32, gid: u32) -> io::Result<()> {
    let meta = FileMeta {
        mode,
        uid,
        gid,
        xattrs: None,
    };
    let mut tmp = write_temp(target, bytes, &meta, false).map_err(io::Error::other)?;
    fs::rename(tmp.path(), target)?;
    tmp.take();
    sync_dir(target.parent().unwrap_or(Path::new(".")))
}

/// One file to write: what maillint read (`old`) and what it writes (`new`), and optionally the
/// metadata to give it (restore); otherwise the original's, or for a new file its directory's
/// owner and group.
struct Item<'a> {
    path: &'a str,
    old: Option<&'a [u8]>,
    new: Option<&'a [u8]>,
    meta: Option<FileMeta>,
    /// New permission bits (and owner) for the written file (a fix of CP004); the backup keeps
    /// the original's.
    mode: Option<crate::tree::ModeSpec>,
}

/// A file ready to be committed: locked, checked, its new content in a temporary file.
#[derive(Debug)]
struct Prepared<'a> {
    path: &'a str,
    old: Option<&'a [u8]>,
    new: Option<&'a [u8]>,
    target: PathBuf,
    action: Action,
    meta: FileMeta,
    temp: Option<Scratch>,
    keep: Option<Scratch>,
    lock: FileLock,
}

/// Files prepared together, committed together ([`prepare`]).
#[derive(Debug)]
pub struct Transaction<'a> {
    files: Vec<Prepared<'a>>,
    opts: WriteOptions,
    backup: bool,
}

/// Why a commit did not happen.
#[derive(Debug)]
pub enum CommitError {
    /// Files that changed under their lock between the preparation and the commit; nothing was
    /// written.
    Blocked(Vec<(String, String)>),
    /// The originals could not be saved; nothing was written.
    Fatal(String),
    /// A rename failed half-way; what was already renamed was put back, except `unrestored`.
    RolledBack {
        path: String,
        error: String,
        unrestored: Vec<(String, String)>,
        backup: Option<PathBuf>,
    },
}

impl std::fmt::Display for CommitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CommitError::Blocked(v) => {
                let parts: Vec<String> = v.iter().map(|(p, w)| format!("{p}: {w}")).collect();
                write!(f, "{}", parts.join("; "))
            }
            CommitError::Fatal(m) => f.write_str(m),
            CommitError::RolledBack {
                path,
                error,
                unrestored,
                backup,
            } => {
                write!(f, "replacing {path} failed ({error}); ")?;
                if unrestored.is_empty() {
                    write!(f, "every file already replaced was put back as it was")
                } else {
                    let parts: Vec<String> = unrestored
                        .iter()
                        .map(|(p, w)| format!("{p} ({w})"))
                        .collect();
                    write!(f, "these files could not be put back: {}", parts.join(", "))?;
                    if let Some(b) = backup {
                        write!(f, "; their originals are in {}", b.display())?;
                    }
                    Ok(())
                }
            }
        }
    }
}

/// Prepares the changes (see the module documentation). On failure, nothing was written and
/// every failing file is returned with its reason.
pub fn prepare<'a>(
    changes: &'a [Change<'a>],
    opts: &WriteOptions,
) -> Result<Transaction<'a>, Vec<(String, String)>> {
    let items = changes
        .iter()
        .map(|c| Item {
            path: c.path,
            old: c.old,
            new: c.new,
            meta: None,
            mode: c.mode.map(|(_, spec)| spec),
        })
        .collect();
    prepare_items(items, opts, true)
}

fn prepare_items<'a>(
    mut items: Vec<Item<'a>>,
    opts: &WriteOptions,
    backup: bool,
) -> Result<Transaction<'a>, Vec<(String, String)>> {
    // Locks in sorted path order: no deadlock with another process that does the same.
    items.sort_by(|a, b| a.path.cmp(b.path));
    let deadline = Instant::now() + opts.lock_timeout;
    let mut files = Vec::new();
    let mut failures = Vec::new();
    for item in items {
        let path = item.path;
        match prepare_one(item, opts, deadline) {
            Ok(p) => files.push(p),
            Err(why) => failures.push((path.to_string(), why)),
        }
    }
    if !failures.is_empty() {
        return Err(failures);
    }
    Ok(Transaction {
        files,
        opts: opts.clone(),
        backup,
    })
}

/// The state of a locked target: its bytes (None when it does not exist).
fn locked_state(lock: &FileLock, target: &Path) -> Result<Option<Vec<u8>>, String> {
    let on_path = match fs::symlink_metadata(target) {
        Ok(m) => Some(m),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(format!("cannot inspect it: {e}")),
    };
    match (lock.file(), on_path) {
        (None, None) => Ok(None),
        (None, Some(_)) => {
            Err("it appeared since maillint looked for it; run maillint again".into())
        }
        (Some(_), None) => Err("it was removed since maillint read it".into()),
        (Some(f), Some(m)) => {
            let fm = f
                .metadata()
                .map_err(|e| format!("cannot inspect it: {e}"))?;
            if !fm.is_file() || !m.is_file() {
                return Err("it is no longer a regular file".into());
            }
            if (fm.dev(), fm.ino()) != (m.dev(), m.ino()) {
                return Err("it was replaced since maillint read it; run maillint again".into());
            }
            read_all_at(f)
                .map(Some)
                .map_err(|e| format!("cannot read it again: {e}"))
        }
    }
}

fn compare(old: Option<&[u8]>, now: Option<&[u8]>) -> Result<(), String> {
    match (old, now) {
        (Some(old), Some(now)) if old == now => Ok(()),
        (Some(_), Some(_)) => Err("it changed since maillint read it; run maillint again".into()),
        (Some(_), None) => Err("it was removed since maillint read it".into()),
        (None, Some(_)) => {
            Err("it appeared since maillint looked for it; run maillint again".into())
        }
        (None, None) => Ok(()),
    }
}

fn prepare_one<'a>(
    item: Item<'a>,
    opts: &WriteOptions,
    deadline: Instant,
) -> Result<Prepared<'a>, String> {
    let path = item.path;
    writable(&opts.root, path, &opts.protected)?;
    let target = opts.root.join(safe_relative(path)?);
    let lock = lock::lock(&target, deadline).map_err(|e| e.reason(&format!("{path}.lock")))?;
    // Under the lock: the bytes, the flags, the metadata.
    let now = locked_state(&lock, &target)?;
    compare(item.old, now.as_deref())?;
    let meta = match (lock.file(), item.meta) {
        (Some(f), over) => {
            if let Some(why) = flags_problem(f, "it is") {
                return Err(why);
            }
            match over {
                Some(m) => m,
                None => file_meta(f).map_err(|e| format!("cannot read its attributes: {e}"))?,
            }
        }
        (None, Some(m)) => m,
        (None, None) => {
            // A new file takes the owner and group of its directory, except cPanel's mail
            // databases in etc/, which cPanel writes root:mail (cpanel.md §3.1): Exim, running
            // in the mail group, must read them. Mode 0640, world-readable only for
            // etc/remotedomains, as cPanel writes them.
            let parent = target.parent().unwrap_or(&opts.root);
            let pm = fs::symlink_metadata(parent)
                .map_err(|e| format!("cannot inspect {}: {e}", parent.display()))?;
            let gid = if MAIL_DATABASES.contains(&path) {
                mail_gid(&opts.root).unwrap_or(pm.gid())
            } else {
                pm.gid()
            };
            FileMeta {
                mode: if path == "etc/remotedomains" {
                    0o644
                } else {
                    0o640
                },
                uid: pm.uid(),
                gid,
                xattrs: None,
            }
        }
    };
    let fail = matches!(&opts.fault, Some(Fault::Write(p)) if p == path);
    // The new file gets the original's metadata, or the mode (and owner) a fix gives it.
    let written = match item.mode {
        Some(spec) => FileMeta {
            mode: spec.mode,
            uid: spec.uid.unwrap_or(meta.uid),
            gid: spec.gid.unwrap_or(meta.gid),
            xattrs: meta.xattrs.clone(),
        },
        None => meta.clone(),
    };
    let temp = match item.new {
        Some(bytes) => Some(write_temp(&target, bytes, &written, fail)?),
        None => None,
    };
    let keep = match item.old {
        Some(_) => Some(keep_link(&target)?),
        None => None,
    };
    let action = match (item.old, item.new) {
        (None, _) => Action::Created,
        (Some(_), Some(_)) => Action::Modified,
        (Some(_), None) => Action::Removed,
    };
    Ok(Prepared {
        path,
        old: item.old,
        new: item.new,
        target,
        action,
        meta,
        temp,
        keep,
        lock,
    })
}

impl Transaction<'_> {
    /// The display paths of the files, in commit order.
    pub fn paths(&self) -> Vec<&str> {
        self.files.iter().map(|p| p.path).collect()
    }

    /// Commits the transaction (see the module documentation).
    pub fn commit(mut self) -> Result<WriteReport, CommitError> {
        // 1. Once more, under the locks, immediately before the renames.
        let mut changed = Vec::new();
        for p in &self.files {
            if let Err(why) =
                locked_state(&p.lock, &p.target).and_then(|now| compare(p.old, now.as_deref()))
            {
                changed.push((p.path.to_string(), why));
            }
        }
        if !changed.is_empty() {
            return Err(CommitError::Blocked(changed));
        }
        // 2. The originals.
        let backup = if self.backup {
            Some(write_backup(&self.files, &self.opts).map_err(CommitError::Fatal)?)
        } else {
            None
        };
        // 3. The renames and unlinks.
        for i in 0..self.files.len() {
            let injected = self.opts.fault == Some(Fault::Commit(i + 1));
            let p = &mut self.files[i];
            let result = if injected {
                Err(io::Error::other(format!(
                    "failure injected by {}",
                    Fault::ENV
                )))
            } else {
                match &p.temp {
                    Some(t) => fs::rename(t.path(), &p.target),
                    None => fs::remove_file(&p.target),
                }
            };
            match result {
                Ok(()) => {
                    if let Some(t) = p.temp.as_mut() {
                        t.take();
                    }
                }
                Err(e) => {
                    let path = p.path.to_string();
                    let unrestored = rollback(&mut self.files[..i]);
                    let backup = match backup {
                        Some(b) if unrestored.is_empty() => {
                            let _ = fs::remove_dir_all(&b);
                            None
                        }
                        b => b,
                    };
                    return Err(CommitError::RolledBack {
                        path,
                        error: e.to_string(),
                        unrestored,
                        backup,
                    });
                }
            }
        }
        // 4. Durable, then the undo links and locks go.
        let dirs: BTreeSet<&Path> = self
            .files
            .iter()
            .filter_map(|p| p.target.parent())
            .collect();
        for d in dirs {
            let _ = sync_dir(d);
        }
        let mut report = WriteReport {
            backup,
            ..WriteReport::default()
        };
        for p in &self.files {
            let list = match p.action {
                Action::Modified => &mut report.modified,
                Action::Created => &mut report.created,
                Action::Removed => &mut report.removed,
            };
            list.push(p.path.to_string());
        }
        Ok(report)
    }
}

/// Puts back the files already replaced (in reverse order); returns those it could not.
fn rollback(done: &mut [Prepared<'_>]) -> Vec<(String, String)> {
    let mut failed = Vec::new();
    for p in done.iter_mut().rev() {
        let result = match p.keep.as_mut() {
            Some(keep) => {
                let r = fs::rename(keep.path(), &p.target);
                if r.is_ok() {
                    keep.take();
                }
                r
            }
            None => fs::remove_file(&p.target),
        };
        if let Err(e) = result {
            failed.push((p.path.to_string(), e.to_string()));
        }
        if let Some(d) = p.target.parent() {
            let _ = sync_dir(d);
        }
    }
    failed
}

/// Creates `dir` and its missing parents below `trusted` (which must exist), refusing to go
/// through a symlink; new directories get mode 0700.
fn create_dirs_nofollow(trusted: &Path, dir: &Path) -> io::Result<()> {
    let rel = dir.strip_prefix(trusted).map_err(|_| {
        io::Error::other(format!(
            "{} is not below {}",
            dir.display(),
            trusted.display()
        ))
    })?;
    let mut cur = trusted.to_path_buf();
    for c in rel.components() {
        match c {
            Component::Normal(n) => cur.push(n),
            Component::CurDir => continue,
            _ => {
                return Err(io::Error::other(format!(
                    "{} is not a plain path",
                    dir.display()
                )));
            }
        }
        match fs::symlink_metadata(&cur) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(io::Error::other(format!(
                    "{} is a symlink; the backup directory's path must not go through one",
                    cur.display()
                )));
            }
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(io::Error::other(format!(
                    "{} is not a directory",
                    cur.display()
                )));
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                match fs::DirBuilder::new().mode(0o700).create(&cur) {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                        // Someone made it meanwhile: examine it again.
                        let m = fs::symlink_metadata(&cur)?;
                        if !m.is_dir() {
                            return Err(io::Error::other(format!(
                                "{} is not a directory",
                                cur.display()
                            )));
                        }
                    }
                    Err(e) => return Err(e),
                }
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn create_backup_dir(opts: &WriteOptions) -> io::Result<PathBuf> {
    let base = match &opts.backup_dir {
        Some(d) => {
            let abs = if d.is_absolute() {
                d.clone()
            } else {
                std::env::current_dir()?.join(d)
            };
            create_dirs_nofollow(Path::new("/"), &abs)?;
            abs
        }
        None => {
            let base = opts.root.join(DEFAULT_BACKUP_DIR);
            create_dirs_nofollow(&opts.root, &base)?;
            base
        }
    };
    let stamp = opts.now.stamp();
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

/// Copies the originals and writes the manifest; removes what it made if it fails.
fn write_backup(files: &[Prepared<'_>], opts: &WriteOptions) -> Result<PathBuf, String> {
    let backup = create_backup_dir(opts).map_err(|e| {
        format!(
            "cannot create the backup directory under {}: {e}",
            opts.backup_dir
                .as_deref()
                .unwrap_or(&opts.root.join(DEFAULT_BACKUP_DIR))
                .display()
        )
    })?;
    let result = (|| -> io::Result<()> {
        let mut entries = Vec::new();
        for p in files {
            let backup_rel = match p.old {
                Some(old) => {
                    let rel = format!("files/{}", p.path);
                    let dest = backup.join(&rel);
                    if let Some(parent) = dest.parent() {
                        create_dirs_nofollow(&backup, parent)?;
                    }
                    let mut f = OpenOptions::new()
                        .write(true)
                        .create_new(true)
                        .mode(0o600)
                        .custom_flags(OFlags::NOFOLLOW.bits() as i32)
                        .open(&dest)?;
                    f.write_all(old)?;
                    f.sync_all()?;
                    Some(rel)
                }
                None => None,
            };
            entries.push(ManifestEntry {
                path: p.path.to_string(),
                action: p.action,
                mode: p.meta.mode,
                uid: p.meta.uid,
                gid: p.meta.gid,
                xattrs: p
                    .meta
                    .xattrs
                    .iter()
                    .flatten()
                    .filter_map(|(n, v)| {
                        Some(Xattr {
                            name: String::from_utf8(n.clone()).ok()?,
                            value: hex(v),
                        })
                    })
                    .collect(),
                backup: backup_rel,
                written_hash: p.new.map(fnv64),
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
        let (uid, gid) = own_ids(&backup)?;
        atomic_write(&backup.join("manifest.json"), &json, 0o600, uid, gid)
    })();
    match result {
        Ok(()) => Ok(backup),
        Err(e) => {
            let _ = fs::remove_dir_all(&backup);
            Err(format!(
                "cannot save the originals in {}: {e}",
                backup.display()
            ))
        }
    }
}

fn own_ids(p: &Path) -> io::Result<(u32, u32)> {
    let m = fs::metadata(p)?;
    Ok((m.uid(), m.gid()))
}

/// Writes the changes in one transaction: all of them, or none when a file cannot be written
/// (the failing files are in [`WriteReport::skipped`]). `--fix` uses [`prepare`] and
/// [`Transaction::commit`] itself, to leave out only the fixes that touch a failing file.
pub fn write_changes(changes: &[Change<'_>], opts: &WriteOptions) -> io::Result<WriteReport> {
    let tx = match prepare(changes, opts) {
        Ok(tx) => tx,
        Err(skipped) => {
            return Ok(WriteReport {
                skipped,
                ..WriteReport::default()
            });
        }
    };
    match tx.commit() {
        Ok(r) => Ok(r),
        Err(CommitError::Blocked(skipped)) => Ok(WriteReport {
            skipped,
            ..WriteReport::default()
        }),
        Err(e) => Err(io::Error::other(e.to_string())),
    }
}

// ---------------------------------------------------------------------------------------------
// Backup directories

/// Directories (relative to the root) that cPanel, Exim, BIND or the system read or list, where
/// a backup must never go: a copy of a forwarder file in `etc/valiases`, of a zone in
/// `var/named` or of a cpuser file in `var/cpanel/users` would be taken for the real thing.
/// `etc` as a whole (it also holds Exim's configuration and the `*.d` directories the system
/// reads), `var/cpanel` as a whole (users, userdata, domain_keys, users.cache and cPanel's other
/// data), zones, Exim's spool and mail spools, cPanel's own tree, and every `home*` directory
/// (account homes; account homes elsewhere are refused too).
pub const SCANNED_DIRS: &[&str] = &[
    "etc",
    "var/cpanel",
    "var/named",
    "var/lib/named",
    "var/spool",
    "var/mail",
    "usr/local/cpanel",
];

/// Whether `dir` holds an account backup (`cp/` and one of `userdata/`, `dnszones/`, `va/`).
fn is_account_backup(dir: &Path) -> bool {
    let has = |n: &str| fs::symlink_metadata(dir.join(n)).is_ok_and(|m| m.is_dir());
    has("cp") && (has("userdata") || has("dnszones") || has("va"))
}

/// The default backup directory, under the root.
pub const DEFAULT_BACKUP_DIR: &str = "var/lib/maillint/backup";

/// Why `dir` (`--backup-dir`, or `None` for [`DEFAULT_BACKUP_DIR`] under the root) cannot hold
/// maillint's backups for the tree at `root` (`homes`: display paths of the account homes), if it
/// cannot: it goes through a symlink (any component of `--backup-dir`; below the root for the
/// default), or lies inside an account home, a directory listed in [`SCANNED_DIRS`] or an
/// account backup. The directory need not exist yet.
pub fn backup_dir_problem(dir: Option<&Path>, root: &Path, homes: &[String]) -> Option<String> {
    let root = fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let (abs, trusted) = match dir {
        Some(d) if d.is_absolute() => (d.to_path_buf(), PathBuf::from("/")),
        Some(d) => match std::env::current_dir() {
            Ok(cwd) => (cwd.join(d), PathBuf::from("/")),
            Err(e) => return Some(format!("cannot tell where it is: {e}")),
        },
        None => (root.join(DEFAULT_BACKUP_DIR), root.clone()),
    };
    // Walk it from /, never through a symlink (above the root, the root's own path is the
    // user's choice); `..` is plain after that.
    let mut norm = PathBuf::from("/");
    let mut exists = true;
    for c in abs.components() {
        match c {
            Component::RootDir | Component::CurDir | Component::Prefix(_) => continue,
            Component::ParentDir => {
                norm.pop();
                continue;
            }
            Component::Normal(n) => norm.push(n),
        }
        if !exists || trusted.starts_with(&norm) {
            continue;
        }
        match fs::symlink_metadata(&norm) {
            Ok(m) if m.file_type().is_symlink() => {
                return Some(format!(
                    "{} is a symlink; maillint does not follow symlinks on the way to its backups",
                    norm.display()
                ));
            }
            Ok(m) if !m.is_dir() => {
                return Some(format!("{} is not a directory", norm.display()));
            }
            Ok(_) => {}
            Err(_) => exists = false,
        }
    }
    let in_backup = norm
        .ancestors()
        .find(|a| is_account_backup(a))
        .map(Path::to_path_buf)
        .or_else(|| (is_account_backup(&root) && norm.starts_with(&root)).then(|| root.clone()));
    if let Some(a) = in_backup {
        return Some(format!(
            "it is inside the account backup {}; keep maillint's backups outside it",
            a.display()
        ));
    }
    let Ok(rel) = norm.strip_prefix(&root) else {
        return None;
    };
    let rel = rel.to_string_lossy();
    let inside = |d: &str| rel.as_ref() == d || is_below(&rel, d);
    if let Some(home) = homes.iter().find(|h| inside(h)) {
        return Some(format!(
            "it is inside the account home {home}; maillint never writes into an account's home"
        ));
    }
    let first = rel.split('/').next().unwrap_or_default();
    if first.starts_with("home") {
        return Some(format!(
            "it is inside {first}, where cPanel keeps account homes; choose a directory outside \
             it (default: var/lib/maillint/backup under the root)"
        ));
    }
    if let Some(d) = SCANNED_DIRS.iter().find(|d| inside(d)) {
        return Some(format!(
            "it is inside {d}, which cPanel, Exim or the system reads: copies of its files there \
             could be taken for real ones (default: var/lib/maillint/backup under the root)"
        ));
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Restore

/// What restoring one manifest entry does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RestoreAction {
    /// Writes the original back over what maillint wrote.
    PutBack,
    /// Removes a file maillint created.
    Remove,
    /// Writes back a file maillint removed.
    Recreate,
}

#[derive(Clone, Debug)]
pub struct RestoreItem {
    pub path: String,
    pub action: RestoreAction,
    /// Why it cannot be restored (then nothing is).
    pub problem: Option<String>,
    current: Option<Vec<u8>>,
    original: Option<Vec<u8>>,
    meta: FileMeta,
}

/// What a restore will do, shown before it does it.
#[derive(Clone, Debug)]
pub struct RestorePlan {
    pub backup: PathBuf,
    /// The tree it restores into.
    pub root: PathBuf,
    /// The root recorded in the manifest (where the backup was made).
    pub recorded_root: String,
    pub items: Vec<RestoreItem>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RestoreReport {
    pub restored: Vec<String>,
    pub removed: Vec<String>,
    pub skipped: Vec<(String, String)>,
    pub root: String,
}

/// The tree a backup lies in: `ROOT/var/lib/maillint/backup/<time>` gives ROOT.
pub fn backup_root(backup: &Path) -> Option<PathBuf> {
    let canonical = fs::canonicalize(backup).ok()?;
    let base = canonical.parent()?;
    if !base.ends_with("var/lib/maillint/backup") {
        return None;
    }
    base.ancestors().nth(4).map(Path::to_path_buf)
}

/// Reads a backup and works out what restoring it into its tree (or `root`) does.
pub fn plan_restore(backup: &Path, root: Option<&Path>) -> Result<RestorePlan, String> {
    let manifest_path = backup.join("manifest.json");
    let text = read_capped(&manifest_path).map_err(|e| {
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
    let derived = backup_root(backup);
    let root = match (root, derived) {
        (Some(r), Some(d)) => {
            let rc = fs::canonicalize(r).map_err(|e| format!("--root {}: {e}", r.display()))?;
            if rc != d {
                return Err(format!(
                    "{} lies in the tree {}, but --root names {}; a backup restores into the \
                     tree it lies in (leave out --root)",
                    backup.display(),
                    d.display(),
                    r.display()
                ));
            }
            d
        }
        (Some(r), None) => r.to_path_buf(),
        (None, Some(d)) => d,
        (None, None) => {
            return Err(format!(
                "cannot tell which tree {} belongs to: it is not in ROOT/var/lib/maillint/backup/ \
                 (it was made for {}); pass --root DIR to name the tree to restore into",
                backup.display(),
                manifest.root
            ));
        }
    };
    if !fs::metadata(&root).is_ok_and(|m| m.is_dir()) {
        return Err(format!("{} is not a directory", root.display()));
    }
    let items = manifest
        .entries
        .iter()
        .map(|e| plan_item(&root, backup, e))
        .collect();
    Ok(RestorePlan {
        backup: backup.to_path_buf(),
        root,
        recorded_root: manifest.root,
        items,
    })
}

/// A file's bytes, or `None` when there is no file.
type MaybeBytes = Option<Vec<u8>>;

fn plan_item(root: &Path, backup: &Path, e: &ManifestEntry) -> RestoreItem {
    let action = match e.action {
        Action::Modified => RestoreAction::PutBack,
        Action::Created => RestoreAction::Remove,
        Action::Removed => RestoreAction::Recreate,
    };
    let meta = FileMeta {
        mode: e.mode,
        uid: e.uid,
        gid: e.gid,
        xattrs: Some(
            e.xattrs
                .iter()
                .filter_map(|x| Some((x.name.as_bytes().to_vec(), unhex(&x.value)?)))
                .collect(),
        ),
    };
    let mut item = RestoreItem {
        path: e.path.clone(),
        action,
        problem: None,
        current: None,
        original: None,
        meta,
    };
    let checked = (|| -> Result<(MaybeBytes, MaybeBytes), String> {
        let rel = safe_relative(&e.path)?;
        let exists = check_components(root, rel)?.is_some();
        let target = root.join(rel);
        let current = match (&e.written_hash, exists) {
            (Some(hash), true) => {
                let now = read_capped(&target).map_err(|err| format!("cannot read it: {err}"))?;
                if fnv64(&now) != *hash {
                    return Err(
                        "it changed after maillint wrote it; restore it by hand from the backup"
                            .into(),
                    );
                }
                Some(now)
            }
            (Some(_), false) => return Err("it was removed after maillint wrote it".into()),
            (None, true) => return Err("it exists again after maillint removed it".into()),
            (None, false) => None,
        };
        let original =
            match &e.backup {
                Some(rel_backup) => {
                    let p = backup.join(safe_relative(rel_backup)?);
                    Some(read_capped(&p).map_err(|err| {
                        format!("cannot read the backup copy {rel_backup}: {err}")
                    })?)
                }
                None => None,
            };
        Ok((current, original))
    })();
    match checked {
        Ok((current, original)) => {
            item.current = current;
            item.original = original;
        }
        Err(why) => item.problem = Some(why),
    }
    item
}

/// Restores a plan: every file or, when one cannot be restored, none.
pub fn apply_restore(plan: &RestorePlan, lock_timeout: Duration) -> Result<RestoreReport, String> {
    let mut report = RestoreReport {
        root: plan.root.display().to_string(),
        ..RestoreReport::default()
    };
    report.skipped = plan
        .items
        .iter()
        .filter_map(|i| i.problem.clone().map(|p| (i.path.clone(), p)))
        .collect();
    if !report.skipped.is_empty() {
        return Ok(report);
    }
    let items = plan
        .items
        .iter()
        .map(|i| Item {
            path: &i.path,
            old: i.current.as_deref(),
            new: i.original.as_deref(),
            meta: Some(i.meta.clone()),
            mode: None,
        })
        .collect();
    let mut opts = WriteOptions::new(&plan.root, Utc::now());
    opts.lock_timeout = lock_timeout;
    let tx = match prepare_items(items, &opts, false) {
        Ok(tx) => tx,
        Err(failures) => {
            report.skipped = failures;
            return Ok(report);
        }
    };
    match tx.commit() {
        Ok(_) => {}
        Err(CommitError::Blocked(failures)) => {
            report.skipped = failures;
            return Ok(report);
        }
        Err(e) => return Err(format!("restoring failed: {e}")),
    }
    for i in &plan.items {
        match i.action {
            RestoreAction::Remove => report.removed.push(i.path.clone()),
            RestoreAction::PutBack | RestoreAction::Recreate => {
                report.restored.push(i.path.clone())
            }
        }
    }
    Ok(report)
}

/// Puts back the originals recorded in a backup directory, into the tree it lies in (or `root`).
pub fn restore(backup: &Path, root: Option<&Path>) -> Result<RestoreReport, String> {
    let plan = plan_restore(backup, root)?;
    apply_restore(&plan, lock::DEFAULT_TIMEOUT)
}

/// cPanel's mail databases in etc/, written root:mail (cpanel.md §3.1).
const MAIL_DATABASES: &[&str] = &[
    "etc/localdomains",
    "etc/remotedomains",
    "etc/secondarymx",
    "etc/userdomains",
    "etc/trueuserdomains",
    "etc/domainusers",
    "etc/mailips",
    "etc/mailhelo",
    "etc/manualmx",
];

/// The group id of `mail` in the tree's `etc/group` (the server's own group database: on a
/// copy of a server, its ids are the server's). `None` when the file or the group is missing.
fn mail_gid(root: &Path) -> Option<u32> {
    let rel = safe_relative("etc/group").ok()?;
    check_components(root, rel).ok()??;
    let text = read_capped(&root.join(rel)).ok()?;
    String::from_utf8_lossy(&text).lines().find_map(|line| {
        let mut fields = line.split(':');
        (fields.next()? == "mail").then(|| fields.nth(1)?.parse().ok())?
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_parse() {
        assert_eq!(Fault::parse("commit:2"), Some(Fault::Commit(2)));
        assert_eq!(
            Fault::parse("write:etc/localdomains"),
            Some(Fault::Write("etc/localdomains".into()))
        );
        assert_eq!(Fault::parse("nonsense"), None);
    }

    #[test]
    fn hex_round_trips() {
        assert_eq!(
            unhex(&hex(b"\x00\x01ab\xff")),
            Some(b"\x00\x01ab\xff".to_vec())
        );
        assert_eq!(unhex("0"), None);
    }

    #[test]
    fn backup_dirs_below_the_root() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        fs::create_dir_all(root.join("etc/valiases")).unwrap();
        let homes = vec!["home/bob".to_string()];
        let p = |rel: &str| backup_dir_problem(Some(&root.join(rel)), root, &homes);
        assert_eq!(backup_dir_problem(None, root, &homes), None);
        assert_eq!(p("var/lib/maillint/backup"), None);
        assert_eq!(p("srv/backups"), None);
        assert!(p("etc/valiases/x").unwrap().contains("inside etc"));
        assert!(p("var/named").unwrap().contains("inside var/named"));
        assert!(p("var/cpanel/users/x").unwrap().contains("var/cpanel"));
        assert!(p("home/bob/b").unwrap().contains("account home home/bob"));
        assert!(p("home2/x").unwrap().contains("home2"));
        assert!(
            p("etcetera").is_none(),
            "a prefix of a name is not its directory"
        );
    }
}
