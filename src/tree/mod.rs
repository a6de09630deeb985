//! Safe, read-only access to the server tree: the only module that touches the file system while
//! linting.
//!
//! maillint runs as root over directories that account owners control, so every read goes
//! through a [`Tree`] that enforces one policy, records what it refused to read ([`Skip`]), and
//! hands back the file's bytes together with the `fstat` of the descriptor they were read from
//! ([`Meta`]).
//!
//! # Logical paths
//!
//! Callers name files by *logical* path: relative to the server root, `/`-separated
//! (`etc/localdomains`, `var/cpanel/users/bob`). Empty and `.` components are ignored; a `..`
//! component, an absolute path or a NUL byte is refused and recorded as
//! [`SkipKind::UnsafePath`] (such paths usually come from data, e.g. a `homedir` in userdata). The
//! same logical paths work in every mode: in account mode they are mapped onto the backup layout
//! (see [`Root`]); the path shown to the user (the *display path*, also
//! [`SourceFile::path`]) is the logical path for a server tree and the backup-relative path
//! (`cp/bob`, `dnszones/example.com.db`) for an account backup.
//!
//! # Resolution policy
//!
//! Paths are resolved one component at a time from a descriptor of the root: each directory is
//! entered with `openat(O_PATH|O_NOFOLLOW|O_DIRECTORY)`, and anything that is not a directory is
//! examined through an `O_PATH|O_NOFOLLOW` descriptor and `fstat`, so the kernel never follows a
//! symlink on maillint's behalf and the policy below decides every hop.
//!
//! * A symlink as the **final** component of a file read is never followed: [`SkipKind::Symlink`]
//!   with the link text. [`Tree::stat`] reports it as [`Kind::Symlink`] (like `lstat`).
//! * A symlink as an **intermediate directory** (or as the directory given to
//!   [`Tree::read_dir`]) is followed only if it is not inside an account home and its target,
//!   resolved the way the server itself would see it (an absolute target starts again at the
//!   root of the tree), stays inside the root. A `..` that would climb above the root is refused
//!   ([`SkipKind::SymlinkEscapesRoot`]) rather than clamped: in a copy of a server such a link was
//!   written for another layout, and guessing would read the wrong file. More than 16 hops gives
//!   [`SkipKind::SymlinkLoop`].
//! * **Account homes** are user-controlled. [`Tree::read_in_home`] and friends take the logical
//!   home (`home1/bob`): its own components follow the system policy (a server may have
//!   `home -> home2`), but no symlink at all is followed below it
//!   ([`SkipKind::SymlinkInUserTree`]). Homes registered with [`Tree::add_home`] are also
//!   protected when they are reached through [`Tree::read`] or through a system symlink: a
//!   symlink whose directory lies inside a registered home is never followed. The model should
//!   register every home it learns from userdata before reading anything else.
//! * Only regular files are read. The type is checked first with `fstatat(AT_SYMLINK_NOFOLLOW)`,
//!   so a FIFO, device or socket is never opened ([`SkipKind::Fifo`], [`SkipKind::Device`],
//!   [`SkipKind::Socket`]). A regular file is then opened with
//!   `O_RDONLY|O_NOFOLLOW|O_NONBLOCK|O_NOCTTY`, so even if something is swapped in meanwhile a
//!   symlink fails and a FIFO cannot block; the descriptor is `fstat`ed again and refused
//!   ([`SkipKind::Changed`]) unless it is the same regular file (same device and inode).
//! * Files larger than the size cap (default 16 MiB, [`TreeOptions::max_file_size`]) are not read
//!   ([`SkipKind::TooLarge`]); at most cap + 1 bytes are ever read, whatever `fstat` said.
//! * A missing file is not a skip: it is [`Lookup::Missing`], which means "nothing there".
//!   Permission and I/O errors are skips ([`SkipKind::Io`]) with the OS error text.
//!
//! Resolved directories are cached as descriptors (a few hundred at most), so reading every file
//! of a directory resolves the directory once. A cached descriptor is the directory itself: a
//! rename or a symlink swapped in later cannot redirect a lookup outside what was checked, though
//! a lookup may then still see the directory it resolved first.
//!
//! Every skip is recorded in the tree (thread-safe; a [`Tree`] is `Send + Sync` and is read from
//! rayon threads) and returned by [`Tree::skipped`], sorted by path and de-duplicated.
//!
//! # Archives
//!
//! A `cpmove-USER.tar.gz` (or `.tgz`, `.tar`) is streamed once, in place, into an in-memory
//! index; nothing is unpacked to disk. The top directory (`cpmove-USER/`, `backup-…_USER/`) is
//! stripped. Only the backup directories that logical paths map to (see [`Root`]) and `homedir/`
//! are indexed. Contents are kept for the mapped directories and, in the home, for
//! `homedir/etc/`, `homedir/.cpanel/` and dot-files directly in `homedir/`; the rest of the home
//! (mail, web sites) keeps names, types and sizes only, and reading such a file is
//! [`SkipKind::NotKept`]. Private DKIM keys, databases, logs and certificates are not indexed.
//! Tar symlinks and hard links are recorded as [`Kind::Symlink`] and never followed (an
//! intermediate link is [`SkipKind::SymlinkInUserTree`]); entries with `..`, absolute paths or
//! outside the top directory are ignored and reported ([`SkipKind::ArchiveEntry`]); the per-file
//! cap applies, and the total memory and the entry count are capped
//! ([`TreeOptions::archive_max_memory`], [`TreeOptions::archive_max_entries`];
//! [`SkipKind::ArchiveLimit`]). Header fields give the [`Meta`] (`dev` 0, `ino` the entry's
//! position).
//!
//! In an account backup *directory*, the system policy applies with the backup directory as the
//! root, and `homedir/` is the account home (no symlink followed below it).

mod archive;
mod detect;
mod disk;

use crate::source::SourceFile;
use crate::sync::{Mutex, RwLock};
use std::borrow::Cow;
use std::fmt;
use std::path::Path;

pub use detect::{Root, RootError, RootKind, detect, detect_omitted, detect_with};

/// Default size cap per file: 16 MiB.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 16 << 20;
/// Default cap on the bytes an archive index keeps in memory (contents, names and bookkeeping).
pub const DEFAULT_ARCHIVE_MAX_MEMORY: u64 = 512 << 20;
/// Default cap on the number of entries an archive index keeps.
pub const DEFAULT_ARCHIVE_MAX_ENTRIES: usize = 2_000_000;
/// How many symlinks one resolution may follow before it is reported as a loop.
pub const MAX_SYMLINK_HOPS: u32 = 16;

/// Limits applied by a [`Tree`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeOptions {
    /// Files larger than this are not read ([`SkipKind::TooLarge`]).
    pub max_file_size: u64,
    /// Archive mode: total bytes kept in memory; contents beyond it are dropped and reported.
    pub archive_max_memory: u64,
    /// Archive mode: entries beyond this count are not indexed, and this is reported.
    pub archive_max_entries: usize,
}

impl Default for TreeOptions {
    fn default() -> TreeOptions {
        TreeOptions {
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            archive_max_memory: DEFAULT_ARCHIVE_MAX_MEMORY,
            archive_max_entries: DEFAULT_ARCHIVE_MAX_ENTRIES,
        }
    }
}

/// The type of a directory entry, as `lstat` sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum Kind {
    File,
    Dir,
    Symlink,
    Fifo,
    /// A character or block device.
    Device,
    Socket,
    Other,
}

impl Kind {
    /// From the file-type bits of `st_mode`.
    pub fn from_mode(st_mode: u32) -> Kind {
        match st_mode & 0o170000 {
            0o100000 => Kind::File,
            0o040000 => Kind::Dir,
            0o120000 => Kind::Symlink,
            0o010000 => Kind::Fifo,
            0o020000 | 0o060000 => Kind::Device,
            0o140000 => Kind::Socket,
            _ => Kind::Other,
        }
    }

    /// "regular file", "directory", "symbolic link", … (for messages).
    pub fn describe(self) -> &'static str {
        match self {
            Kind::File => "regular file",
            Kind::Dir => "directory",
            Kind::Symlink => "symbolic link",
            Kind::Fifo => "FIFO (named pipe)",
            Kind::Device => "device node",
            Kind::Socket => "socket",
            Kind::Other => "file of unknown type",
        }
    }
}

/// A modification time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct Timestamp {
    /// Seconds since the Unix epoch.
    pub secs: i64,
    pub nanos: u32,
}

/// What `fstat` said about a file (for an archive: what its tar header said).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Meta {
    /// Permission bits, including set-id and sticky bits (`st_mode & 0o7777`).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub size: u64,
    pub mtime: Timestamp,
    /// Device and inode (0 and the entry's position in an archive).
    pub dev: u64,
    pub ino: u64,
}

/// A regular file read from the tree.
#[derive(Clone, Debug)]
pub struct FileData {
    /// Its contents; `source.path()` is the display path.
    pub source: SourceFile,
    /// The `fstat` of the descriptor the bytes were read from.
    pub meta: Meta,
}

/// Result of [`Tree::stat`]: the entry itself, not what a final symlink points to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stat {
    pub kind: Kind,
    pub meta: Meta,
}

/// One entry of a directory listing (symlinks are listed, never followed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntry {
    /// The name as stored on disk (file names need not be UTF-8).
    pub name: Vec<u8>,
    pub kind: Kind,
    /// `fstatat(AT_SYMLINK_NOFOLLOW)` of the entry.
    pub meta: Meta,
}

impl DirEntry {
    /// The name, if it is UTF-8.
    pub fn name_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.name).ok()
    }

    /// The name with invalid UTF-8 replaced (for display).
    pub fn name_lossy(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.name)
    }

    /// Size in bytes (meaningful for regular files).
    pub fn size(&self) -> u64 {
        self.meta.size
    }
}

/// Why something was not read.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum SkipKind {
    /// The file itself is a symlink; never followed. `target` is the link text.
    Symlink {
        target: String,
    },
    /// A directory symlink whose target climbs above the root of the tree.
    SymlinkEscapesRoot,
    /// A symlink inside an account home (or inside an account backup archive).
    SymlinkInUserTree,
    /// More than [`MAX_SYMLINK_HOPS`] symlinks while resolving one path.
    SymlinkLoop,
    Fifo,
    Device,
    Socket,
    /// A directory where a file was expected.
    Directory,
    /// A file (or other non-directory) where a directory was expected.
    NotADirectory,
    /// A file of unknown type.
    OtherType,
    /// Larger than the size cap.
    TooLarge {
        size: u64,
        limit: u64,
    },
    /// A logical path with `..`, an absolute path or a NUL byte.
    UnsafePath,
    /// The file changed between the type check and the open.
    Changed,
    /// Permission or I/O error; the detail has the OS error text.
    Io,
    /// Archive mode: only names and sizes were kept for this part of the backup.
    NotKept,
    /// Archive mode: a memory or entry limit was reached.
    ArchiveLimit,
    /// Archive mode: an entry with `..` or an absolute path, or an unreadable entry.
    ArchiveEntry,
}

impl SkipKind {
    /// A short stable name (`symlink`, `too-large`, …).
    pub fn name(&self) -> &'static str {
        match self {
            SkipKind::Symlink { .. } => "symlink",
            SkipKind::SymlinkEscapesRoot => "symlink-escapes-root",
            SkipKind::SymlinkInUserTree => "symlink-in-user-tree",
            SkipKind::SymlinkLoop => "symlink-loop",
            SkipKind::Fifo => "fifo",
            SkipKind::Device => "device",
            SkipKind::Socket => "socket",
            SkipKind::Directory => "directory",
            SkipKind::NotADirectory => "not-a-directory",
            SkipKind::OtherType => "other-type",
            SkipKind::TooLarge { .. } => "too-large",
            SkipKind::UnsafePath => "unsafe-path",
            SkipKind::Changed => "changed",
            SkipKind::Io => "io-error",
            SkipKind::NotKept => "not-kept",
            SkipKind::ArchiveLimit => "archive-limit",
            SkipKind::ArchiveEntry => "archive-entry",
        }
    }

    fn for_kind(kind: Kind) -> SkipKind {
        match kind {
            Kind::Dir => SkipKind::Directory,
            Kind::Fifo => SkipKind::Fifo,
            Kind::Device => SkipKind::Device,
            Kind::Socket => SkipKind::Socket,
            Kind::File | Kind::Symlink | Kind::Other => SkipKind::OtherType,
        }
    }
}

/// Something the tree refused or failed to read.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct Skip {
    /// Display path of what was asked for.
    pub path: String,
    pub kind: SkipKind,
    /// A sentence for the user: what was found and what maillint did.
    pub detail: String,
}

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.detail)
    }
}

/// The outcome of one lookup.
#[derive(Clone, Debug)]
pub enum Lookup<T> {
    Found(T),
    /// Nothing there (normal, not recorded).
    Missing,
    /// Refused or failed; also recorded in [`Tree::skipped`].
    Skipped(Skip),
}

impl<T> Lookup<T> {
    pub fn found(self) -> Option<T> {
        match self {
            Lookup::Found(t) => Some(t),
            _ => None,
        }
    }

    pub fn as_found(&self) -> Option<&T> {
        match self {
            Lookup::Found(t) => Some(t),
            _ => None,
        }
    }

    pub fn is_missing(&self) -> bool {
        matches!(self, Lookup::Missing)
    }

    pub fn skip(&self) -> Option<&Skip> {
        match self {
            Lookup::Skipped(s) => Some(s),
            _ => None,
        }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Lookup<U> {
        match self {
            Lookup::Found(t) => Lookup::Found(f(t)),
            Lookup::Missing => Lookup::Missing,
            Lookup::Skipped(s) => Lookup::Skipped(s),
        }
    }
}

/// Why a resolution did not produce its object (internal to the backends).
#[derive(Debug)]
pub(crate) enum Fail {
    Missing,
    Skip(SkipKind, String),
    /// A skip caused by an intermediate component (a symlinked directory): reported once at that
    /// component's display path, not at every file asked for below it.
    SkipAt(SkipKind, String, String),
}

impl Fail {
    fn io(what: &str, err: impl Into<std::io::Error>) -> Fail {
        Fail::Skip(SkipKind::Io, format!("cannot read {what}: {}", err.into()))
    }
}

/// Where a logical request lands.
enum Target {
    /// Components relative to the backend's root; symlinks at index `strict_from` and beyond are
    /// inside an account home and never followed.
    Phys {
        comps: Vec<Vec<u8>>,
        strict_from: usize,
    },
    /// Account mode: a directory that exists only as an ancestor of mapped paths (`var/cpanel`).
    Virtual(Vec<String>),
    /// Account mode: a logical path with no counterpart in a backup.
    Unmapped,
}

enum Backend {
    Disk(disk::Disk),
    Archive(archive::Index),
}

enum Layout {
    Server,
    /// `mounts`: (logical prefix, backup prefix), in account mode.
    Account {
        mounts: Vec<(Vec<String>, Vec<String>)>,
    },
}

/// The server tree (or account backup) being linted. See the module documentation for the
/// policy.
pub struct Tree {
    backend: Backend,
    layout: Layout,
    opts: TreeOptions,
    skips: Mutex<Vec<Skip>>,
    /// Canonical component lists of the registered account homes.
    homes: RwLock<Vec<Vec<Vec<u8>>>>,
    /// The same, to tell a new home from a known one without a scan of thousands.
    home_set: Mutex<std::collections::HashSet<Vec<Vec<u8>>>>,
}

/// The logical → backup mapping of an account backup (cpanel.md §7).
fn account_mounts(user: &str) -> Vec<(Vec<String>, Vec<String>)> {
    let split = |s: &str| s.split('/').map(str::to_owned).collect::<Vec<_>>();
    [
        ("var/cpanel/users".to_owned(), "cp"),
        (format!("var/cpanel/userdata/{user}"), "userdata"),
        ("var/named".to_owned(), "dnszones"),
        ("etc/valiases".to_owned(), "va"),
        ("etc/vdomainaliases".to_owned(), "vad"),
        ("etc/vfilters".to_owned(), "vf"),
        (
            "var/cpanel/domain_keys/public".to_owned(),
            "domainkeys/public",
        ),
    ]
    .iter()
    .map(|(l, b)| (split(l), split(b)))
    .collect()
}

/// The backup directory that holds the account home.
const BACKUP_HOME: &str = "homedir";

/// Splits a logical path into components; `Err` names why it is refused.
fn split_logical(path: &str) -> Result<Vec<&str>, &'static str> {
    if path.starts_with('/') {
        return Err("is an absolute path; paths in the tree are relative to its root");
    }
    if path.contains('\0') {
        return Err("contains a NUL byte");
    }
    let mut out = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => return Err("contains a `..` component"),
            c => out.push(c),
        }
    }
    Ok(out)
}

fn join_display(parts: &[&str]) -> String {
    parts.join("/")
}

fn bytes_display(comps: &[Vec<u8>]) -> String {
    let mut s = String::new();
    for (i, c) in comps.iter().enumerate() {
        if i > 0 {
            s.push('/');
        }
        s.push_str(&String::from_utf8_lossy(c));
    }
    s
}

impl Tree {
    /// A server tree rooted at `root` (a directory standing for `/`).
    pub fn open_server(root: &Path, opts: TreeOptions) -> std::io::Result<Tree> {
        Ok(Tree::new(
            Backend::Disk(disk::Disk::open(root)?),
            Layout::Server,
            opts,
        ))
    }

    fn new(backend: Backend, layout: Layout, opts: TreeOptions) -> Tree {
        let tree = Tree {
            backend,
            layout,
            opts,
            skips: Mutex::new(Vec::new()),
            homes: RwLock::new(Vec::new()),
            home_set: Mutex::new(Default::default()),
        };
        if matches!(tree.layout, Layout::Account { .. }) {
            let home = vec![BACKUP_HOME.as_bytes().to_vec()];
            tree.home_set.lock().insert(home.clone());
            tree.homes.write().push(home);
        }
        tree
    }

    /// The limits in force.
    pub fn options(&self) -> &TreeOptions {
        &self.opts
    }

    /// Reads a regular file at a logical path.
    pub fn read(&self, logical: &str) -> Lookup<FileData> {
        match self.target(None, logical) {
            Ok((target, display)) => self.read_target(target, display),
            Err(skip) => self.skipped_lookup(skip),
        }
    }

    /// Opens a regular file at a logical path for streaming (mail logs of any size), under the
    /// same policy as [`Tree::read`] but without its size cap: the caller reads it in bounded
    /// pieces. A file of an archive is not streamed (archives keep no logs): `Missing`.
    pub fn open(&self, logical: &str) -> Lookup<(std::fs::File, Meta, String)> {
        match self.target(None, logical) {
            Ok((Target::Phys { comps, strict_from }, display)) => match &self.backend {
                Backend::Disk(d) => {
                    let homes = self.homes.read();
                    match d.open_file(&comps, strict_from, &homes, u64::MAX) {
                        Ok((fd, meta, _)) => {
                            Lookup::Found((std::fs::File::from(fd), meta, display))
                        }
                        Err(f) => self.fail(f, display),
                    }
                }
                Backend::Archive(_) => Lookup::Missing,
            },
            Ok(_) => Lookup::Missing,
            Err(skip) => self.skipped_lookup(skip),
        }
    }

    /// Reads a regular file below an account home (`home` is logical, e.g. `home1/bob`; `rel`
    /// is relative to it). No symlink is followed below the home.
    pub fn read_in_home(&self, home: &str, rel: &str) -> Lookup<FileData> {
        match self.target(Some(home), rel) {
            Ok((target, display)) => self.read_target(target, display),
            Err(skip) => self.skipped_lookup(skip),
        }
    }

    /// Lists a directory at a logical path, sorted by name; entries are never followed.
    pub fn read_dir(&self, logical: &str) -> Lookup<Vec<DirEntry>> {
        match self.target(None, logical) {
            Ok((target, display)) => self.read_dir_target(target, display),
            Err(skip) => self.skipped_lookup(skip),
        }
    }

    /// Lists a directory below an account home.
    pub fn read_dir_in_home(&self, home: &str, rel: &str) -> Lookup<Vec<DirEntry>> {
        match self.target(Some(home), rel) {
            Ok((target, display)) => self.read_dir_target(target, display),
            Err(skip) => self.skipped_lookup(skip),
        }
    }

    /// `lstat` of a logical path: a final symlink is reported as [`Kind::Symlink`].
    pub fn stat(&self, logical: &str) -> Lookup<Stat> {
        match self.target(None, logical) {
            Ok((target, display)) => self.stat_target(target, display),
            Err(skip) => self.skipped_lookup(skip),
        }
    }

    /// `lstat` of a path below an account home.
    pub fn stat_in_home(&self, home: &str, rel: &str) -> Lookup<Stat> {
        match self.target(Some(home), rel) {
            Ok((target, display)) => self.stat_target(target, display),
            Err(skip) => self.skipped_lookup(skip),
        }
    }

    /// The display path of a logical path (`None` if it is refused or has no counterpart in an
    /// account backup).
    pub fn display_path(&self, logical: &str) -> Option<String> {
        match self.target(None, logical) {
            Ok((Target::Phys { .. } | Target::Virtual(_), display)) => Some(display),
            _ => None,
        }
    }

    /// The display path of a path below an account home.
    pub fn display_path_in_home(&self, home: &str, rel: &str) -> Option<String> {
        match self.target(Some(home), rel) {
            Ok((Target::Phys { .. }, display)) => Some(display),
            _ => None,
        }
    }

    /// Registers an account home (logical, e.g. `home1/bob`): from now on no symlink inside it is
    /// followed, however it is reached. The home is resolved with the system policy first, so
    /// `home -> home2` registers `home2/bob`. Unsafe paths are ignored (and reported when used).
    pub fn add_home(&self, home: &str) {
        let Ok((Target::Phys { comps, .. }, _)) = self.target(Some(home), "") else {
            return;
        };
        let canonical = match &self.backend {
            Backend::Disk(d) => {
                let homes = self.homes.read();
                d.canonical(&comps, &homes)
                    .unwrap_or_else(|_| comps.clone())
            }
            Backend::Archive(_) => comps,
        };
        // Reads hold the read lock for their whole resolution, so once the write lock is held
        // no resolution made with the old set of homes can reach the cache any more.
        let mut homes = self.homes.write();
        if self.home_set.lock().insert(canonical.clone()) {
            homes.push(canonical);
            if let Backend::Disk(d) = &self.backend {
                d.clear_cache();
            }
        }
    }

    /// Everything that was skipped so far, sorted by path, without duplicates.
    pub fn skipped(&self) -> Vec<Skip> {
        let mut v = self.skips.lock().clone();
        v.sort();
        v.dedup();
        v
    }

    fn record(&self, skip: Skip) {
        self.skips.lock().push(skip);
    }

    fn skipped_lookup<T>(&self, skip: Skip) -> Lookup<T> {
        self.record(skip.clone());
        Lookup::Skipped(skip)
    }

    fn fail<T>(&self, fail: Fail, display: String) -> Lookup<T> {
        match fail {
            Fail::Missing => Lookup::Missing,
            Fail::Skip(kind, detail) => self.skipped_lookup(Skip {
                path: display,
                kind,
                detail,
            }),
            Fail::SkipAt(kind, detail, at) => self.skipped_lookup(Skip {
                path: at,
                kind,
                detail,
            }),
        }
    }

    /// Maps a request to its target and display path.
    fn target(&self, home: Option<&str>, rel: &str) -> Result<(Target, String), Skip> {
        let unsafe_path = |p: &str, why: &str| Skip {
            path: p.to_owned(),
            kind: SkipKind::UnsafePath,
            detail: format!("the path `{p}` {why}; refused"),
        };
        let home_parts = match home {
            Some(h) => {
                let parts = split_logical(h).map_err(|why| unsafe_path(h, why))?;
                if parts.is_empty() {
                    return Err(unsafe_path(h, "is empty, not an account home"));
                }
                Some(parts)
            }
            None => None,
        };
        let rel_parts = split_logical(rel).map_err(|why| {
            let shown = match home {
                Some(h) => format!("{h}/{rel}"),
                None => rel.to_owned(),
            };
            unsafe_path(&shown, why)
        })?;
        let to_bytes = |v: &[&str]| v.iter().map(|s| s.as_bytes().to_vec()).collect::<Vec<_>>();
        match &self.layout {
            Layout::Server => {
                let mut all = home_parts.clone().unwrap_or_default();
                let strict_from = home_parts.as_ref().map_or(usize::MAX, Vec::len);
                all.extend_from_slice(&rel_parts);
                Ok((
                    Target::Phys {
                        comps: to_bytes(&all),
                        strict_from,
                    },
                    join_display(&all),
                ))
            }
            Layout::Account { mounts } => {
                if home_parts.is_some() {
                    let mut all = vec![BACKUP_HOME];
                    all.extend_from_slice(&rel_parts);
                    return Ok((
                        Target::Phys {
                            comps: to_bytes(&all),
                            strict_from: 1,
                        },
                        join_display(&all),
                    ));
                }
                for (logical, backup) in mounts {
                    if rel_parts.len() >= logical.len()
                        && rel_parts[..logical.len()]
                            .iter()
                            .zip(logical)
                            .all(|(a, b)| a == b)
                    {
                        let mut all: Vec<&str> = backup.iter().map(String::as_str).collect();
                        all.extend_from_slice(&rel_parts[logical.len()..]);
                        return Ok((
                            Target::Phys {
                                comps: to_bytes(&all),
                                strict_from: usize::MAX,
                            },
                            join_display(&all),
                        ));
                    }
                }
                let mut children: Vec<String> = mounts
                    .iter()
                    .filter(|(logical, _)| {
                        logical.len() > rel_parts.len()
                            && logical.iter().zip(&rel_parts).all(|(a, b)| a == b)
                    })
                    .map(|(logical, _)| logical[rel_parts.len()].clone())
                    .collect();
                if children.is_empty() {
                    return Ok((Target::Unmapped, join_display(&rel_parts)));
                }
                children.sort();
                children.dedup();
                Ok((Target::Virtual(children), join_display(&rel_parts)))
            }
        }
    }

    fn read_target(&self, target: Target, display: String) -> Lookup<FileData> {
        let (comps, strict_from) = match target {
            Target::Phys { comps, strict_from } => (comps, strict_from),
            Target::Virtual(_) => {
                return self.fail(
                    Fail::Skip(
                        SkipKind::Directory,
                        "is a directory, not a regular file; not read".to_owned(),
                    ),
                    display,
                );
            }
            Target::Unmapped => return Lookup::Missing,
        };
        let cap = self.opts.max_file_size;
        let result = match &self.backend {
            Backend::Disk(d) => {
                let homes = self.homes.read();
                d.read_file(&comps, strict_from, &homes, cap)
            }
            Backend::Archive(a) => a.read_file(&comps, cap),
        };
        match result {
            Ok((bytes, meta)) => Lookup::Found(FileData {
                source: SourceFile::new(display, bytes),
                meta,
            }),
            Err(f) => self.fail(f, display),
        }
    }

    fn read_dir_target(&self, target: Target, display: String) -> Lookup<Vec<DirEntry>> {
        let (comps, strict_from) = match target {
            Target::Phys { comps, strict_from } => (comps, strict_from),
            Target::Virtual(children) => {
                return Lookup::Found(self.virtual_listing(&display, children));
            }
            Target::Unmapped => return Lookup::Missing,
        };
        let result = match &self.backend {
            Backend::Disk(d) => {
                let homes = self.homes.read();
                d.read_dir(&comps, strict_from, &homes)
            }
            Backend::Archive(a) => a.read_dir(&comps).map(|v| (v, Vec::new())),
        };
        match result {
            Ok((entries, problems)) => {
                for (name, kind, detail) in problems {
                    let path = if display.is_empty() {
                        name
                    } else {
                        format!("{display}/{name}")
                    };
                    self.record(Skip { path, kind, detail });
                }
                Lookup::Found(entries)
            }
            Err(f) => self.fail(f, display),
        }
    }

    /// Lists a virtual directory of an account backup: the children that exist.
    fn virtual_listing(&self, display: &str, children: Vec<String>) -> Vec<DirEntry> {
        let mut out = Vec::new();
        for name in children {
            let logical = if display.is_empty() {
                name.clone()
            } else {
                format!("{display}/{name}")
            };
            let Ok((target, child_display)) = self.target(None, &logical) else {
                continue;
            };
            let meta = match target {
                Target::Phys { .. } => match self.stat_target(target, child_display) {
                    Lookup::Found(Stat {
                        kind: Kind::Dir,
                        meta,
                    }) => meta,
                    _ => continue,
                },
                Target::Virtual(grand) => {
                    if self.virtual_listing(&logical, grand).is_empty() {
                        continue;
                    }
                    Meta::default()
                }
                Target::Unmapped => continue,
            };
            out.push(DirEntry {
                name: name.into_bytes(),
                kind: Kind::Dir,
                meta,
            });
        }
        out
    }

    fn stat_target(&self, target: Target, display: String) -> Lookup<Stat> {
        let (comps, strict_from) = match target {
            Target::Phys { comps, strict_from } => (comps, strict_from),
            Target::Virtual(children) => {
                if self.virtual_listing(&display, children).is_empty() {
                    return Lookup::Missing;
                }
                return Lookup::Found(Stat {
                    kind: Kind::Dir,
                    meta: Meta::default(),
                });
            }
            Target::Unmapped => return Lookup::Missing,
        };
        let result = match &self.backend {
            Backend::Disk(d) => {
                let homes = self.homes.read();
                d.stat(&comps, strict_from, &homes)
            }
            Backend::Archive(a) => a.stat(&comps),
        };
        match result {
            Ok(st) => Lookup::Found(st),
            Err(f) => self.fail(f, display),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logical_paths_are_normalised_or_refused() {
        assert_eq!(
            split_logical("etc//localdomains/"),
            Ok(vec!["etc", "localdomains"])
        );
        assert_eq!(split_logical("./etc/./x"), Ok(vec!["etc", "x"]));
        assert_eq!(split_logical(""), Ok(vec![]));
        assert!(split_logical("/etc/x").is_err());
        assert!(split_logical("etc/../x").is_err());
        assert!(split_logical("..").is_err());
        assert!(split_logical("etc/a\0b").is_err());
        // `...` and names with dots are ordinary names.
        assert_eq!(split_logical(".../a..b"), Ok(vec!["...", "a..b"]));
    }

    #[test]
    fn kinds_from_mode() {
        assert_eq!(Kind::from_mode(0o100644), Kind::File);
        assert_eq!(Kind::from_mode(0o040755), Kind::Dir);
        assert_eq!(Kind::from_mode(0o120777), Kind::Symlink);
        assert_eq!(Kind::from_mode(0o010600), Kind::Fifo);
        assert_eq!(Kind::from_mode(0o020600), Kind::Device);
        assert_eq!(Kind::from_mode(0o060600), Kind::Device);
        assert_eq!(Kind::from_mode(0o140600), Kind::Socket);
    }

    #[test]
    fn account_mounts_cover_the_backup_layout() {
        let m = account_mounts("bob");
        let find = |l: &str| {
            m.iter()
                .find(|(logical, _)| logical.join("/") == l)
                .map(|(_, b)| b.join("/"))
        };
        assert_eq!(find("var/cpanel/users").as_deref(), Some("cp"));
        assert_eq!(find("var/cpanel/userdata/bob").as_deref(), Some("userdata"));
        assert_eq!(find("var/named").as_deref(), Some("dnszones"));
        assert_eq!(find("etc/valiases").as_deref(), Some("va"));
        assert_eq!(find("etc/vdomainaliases").as_deref(), Some("vad"));
        assert_eq!(find("etc/vfilters").as_deref(), Some("vf"));
        assert_eq!(
            find("var/cpanel/domain_keys/public").as_deref(),
            Some("domainkeys/public")
        );
        assert!(
            m.iter()
                .all(|(_, b)| b[0] != "domainkeys" || b[1] == "public")
        );
    }
}

/// New contents of files, by display path: `Some(bytes)` written, `None` removed. The fix
/// loop lints again over an overlay of the fixes it applied in memory; the model reads through
/// it, so nothing is written before the loop ends.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Overlay {
    files: std::collections::BTreeMap<String, Option<Vec<u8>>>,
    /// New permission bits, owner and group of files, by display path (a fix of CP004), with
    /// the permission bits the file had.
    modes: std::collections::BTreeMap<String, (u32, ModeSpec)>,
}

/// A file's permission bits and owner as a fix sets them (`None`: unchanged).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ModeSpec {
    pub mode: u32,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
}

impl ModeSpec {
    /// The metadata a file has once this is applied.
    pub fn apply(&self, meta: &Meta) -> Meta {
        Meta {
            mode: self.mode,
            uid: self.uid.unwrap_or(meta.uid),
            gid: self.gid.unwrap_or(meta.gid),
            ..*meta
        }
    }
}

impl Overlay {
    pub fn get(&self, path: &str) -> Option<&Option<Vec<u8>>> {
        self.files.get(path)
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty() && self.modes.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &Option<Vec<u8>>)> {
        self.files.iter()
    }

    pub fn set(&mut self, path: &str, content: Option<Vec<u8>>) {
        self.files.insert(path.to_string(), content);
    }

    /// The mode a fix gave a file, if any.
    pub fn mode(&self, path: &str) -> Option<&ModeSpec> {
        self.modes.get(path).map(|(_, m)| m)
    }

    /// Gives a file new permission bits (and owner); `from` is the mode it had (kept from the
    /// first change of the file).
    pub fn set_mode(&mut self, path: &str, from: u32, spec: ModeSpec) {
        let from = self.modes.get(path).map_or(from, |(f, _)| *f);
        self.modes.insert(path.to_string(), (from, spec));
    }

    /// Every mode change: (path, mode it had, what it gets).
    pub fn modes(&self) -> impl Iterator<Item = (&String, u32, &ModeSpec)> {
        self.modes.iter().map(|(p, (from, m))| (p, *from, m))
    }
}
