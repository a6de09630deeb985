//! The on-disk backend: component-by-component resolution from a descriptor of the root.
//!
//! Directories are entered with `openat(O_PATH|O_NOFOLLOW|O_DIRECTORY)`, which succeeds only
//! for a real directory; anything else (`ENOTDIR`) is then examined with an `O_PATH|O_NOFOLLOW`
//! descriptor and `fstat` to decide whether it is a symlink to follow by policy. Resolved
//! directories are kept in a small cache of descriptors (the descriptor is the directory itself,
//! so a later rename or symlink swap cannot redirect a cached lookup), which makes reading many
//! files of one directory cheap.

use std::collections::{HashMap, VecDeque};
use std::ffi::CStr;
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;

use rustix::fs::{AtFlags, CWD, Mode, OFlags, RawDir};
use rustix::io::Errno;

use crate::sync::Mutex;

use super::{
    DirEntry, Fail, Kind, MAX_SYMLINK_HOPS, Meta, SkipKind, Stat, Timestamp, bytes_display,
};

/// Directory descriptors kept open for reuse (the cache is emptied when full).
const CACHE_CAPACITY: usize = 256;

pub(super) struct Disk {
    root: OwnedFd,
    /// (components asked for, how many of them were outside a home) → resolved directory.
    cache: Mutex<HashMap<CacheKey, Resolved>>,
}

type CacheKey = (Vec<Vec<u8>>, usize);

#[derive(Clone)]
struct Resolved {
    names: Vec<Vec<u8>>,
    fd: Arc<OwnedFd>,
}

/// Problems with single entries of a listing: (name, kind, detail).
pub(super) type EntryProblems = Vec<(String, SkipKind, String)>;

/// The directory reached so far: its canonical path (for messages, `..` and the home check)
/// and a descriptor per level when one is held (levels above a cached directory have none and
/// are re-opened from the root if a `..` needs them).
struct Cursor {
    names: Vec<Vec<u8>>,
    fds: Vec<Option<Arc<OwnedFd>>>,
}

/// One component still to resolve.
struct Step {
    name: Vec<u8>,
    /// Inside an account home: a symlink here is never followed.
    strict: bool,
    /// For components of a symlink target: "`var/named` is a symlink to `../x`"; `None` for
    /// the components asked for, whose index it then gives.
    via: Option<Rc<str>>,
    index: usize,
}

const PATH_FLAGS: OFlags = OFlags::PATH.union(OFlags::NOFOLLOW).union(OFlags::CLOEXEC);
const DIR_FLAGS: OFlags = PATH_FLAGS.union(OFlags::DIRECTORY);

// The field types of `struct stat` differ between architectures; the casts are for the others.
#[allow(clippy::unnecessary_cast)]
pub(super) fn meta_of(st: &rustix::fs::Stat) -> Meta {
    Meta {
        mode: st.st_mode as u32 & 0o7777,
        uid: st.st_uid as u32,
        gid: st.st_gid as u32,
        size: u64::try_from(st.st_size).unwrap_or(0),
        mtime: Timestamp {
            secs: st.st_mtime as i64,
            nanos: st.st_mtime_nsec as u32,
        },
        dev: st.st_dev as u64,
        ino: st.st_ino as u64,
    }
}

#[allow(clippy::unnecessary_cast)]
fn kind_of(st: &rustix::fs::Stat) -> Kind {
    Kind::from_mode(st.st_mode as u32)
}

fn errno_text(e: Errno) -> String {
    std::io::Error::from(e).to_string()
}

fn link_text(target: &[u8]) -> String {
    String::from_utf8_lossy(target).into_owned()
}

impl Cursor {
    fn at_root() -> Cursor {
        Cursor {
            names: Vec::new(),
            fds: Vec::new(),
        }
    }

    /// Display of the canonical path of `name` inside the current directory.
    fn display_child(&self, name: &[u8]) -> String {
        let mut s = bytes_display(&self.names);
        if !s.is_empty() {
            s.push('/');
        }
        s.push_str(&String::from_utf8_lossy(name));
        s
    }

    fn inside_home(&self, homes: &[Vec<Vec<u8>>]) -> bool {
        homes
            .iter()
            .any(|h| self.names.len() >= h.len() && self.names[..h.len()] == h[..])
    }

    fn push(&mut self, name: Vec<u8>, fd: OwnedFd) {
        self.names.push(name);
        self.fds.push(Some(Arc::new(fd)));
    }
}

impl Disk {
    pub(super) fn open(root: &Path) -> std::io::Result<Disk> {
        // The root itself is the administrator's choice: following a symlink to it is fine.
        let root = rustix::fs::openat(
            CWD,
            root,
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        Ok(Disk {
            root,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// Forgets every cached directory (when the set of homes changes).
    pub(super) fn clear_cache(&self) {
        self.cache.lock().clear();
    }

    /// Makes sure the cursor holds a descriptor of its directory, re-opening it from the root
    /// when a `..` went above a cached directory.
    fn ensure_fd(&self, cur: &mut Cursor) -> Result<(), Fail> {
        if cur.fds.last().is_some_and(Option::is_none) {
            // Walk down the canonical path again: every level was a real directory, so no
            // symlink may appear now.
            let mut fd: Option<OwnedFd> = None;
            for (i, name) in cur.names.iter().enumerate() {
                let parent = fd.as_ref().map_or(self.root.as_fd(), |f| f.as_fd());
                fd = Some(
                    match rustix::fs::openat(parent, &name[..], DIR_FLAGS, Mode::empty()) {
                        Ok(f) => f,
                        Err(Errno::NOENT) => return Err(Fail::Missing),
                        Err(_) => {
                            return Err(Fail::Skip(
                                SkipKind::Changed,
                                format!(
                                    "`{}` changed while the path was being resolved; not read",
                                    bytes_display(&cur.names[..=i])
                                ),
                            ));
                        }
                    },
                );
            }
            *cur.fds.last_mut().unwrap() = fd.map(Arc::new);
        }
        Ok(())
    }

    /// The descriptor of the cursor's directory (after [`Disk::ensure_fd`]).
    fn fd_of<'a>(&'a self, cur: &'a Cursor) -> BorrowedFd<'a> {
        match cur.fds.last() {
            Some(Some(fd)) => fd.as_fd(),
            _ => self.root.as_fd(),
        }
    }

    /// Resolves `comps` as directories from the root (using and filling the cache).
    fn walk(
        &self,
        comps: &[Vec<u8>],
        strict_from: usize,
        homes: &[Vec<Vec<u8>>],
    ) -> Result<Cursor, Fail> {
        let key = |len: usize| (comps[..len].to_vec(), strict_from.min(len));
        // The longest cached prefix.
        let mut start = 0;
        let mut cur = Cursor::at_root();
        {
            let cache = self.cache.lock();
            for len in (1..=comps.len()).rev() {
                if let Some(r) = cache.get(&key(len)) {
                    cur.fds = vec![None; r.names.len()];
                    *cur.fds.last_mut().unwrap() = Some(r.fd.clone());
                    cur.names = r.names.clone();
                    start = len;
                    break;
                }
            }
        }
        if start == comps.len() {
            return Ok(cur);
        }
        let mut queue: VecDeque<Step> = comps[start..]
            .iter()
            .enumerate()
            .map(|(i, c)| Step {
                name: c.clone(),
                strict: start + i >= strict_from,
                via: None,
                index: start + i,
            })
            .collect();
        let mut resolved: Vec<(usize, Resolved)> = Vec::new();
        let mut hops = 0u32;
        while let Some(step) = queue.pop_front() {
            self.step(&mut cur, step, &mut queue, &mut hops, homes)?;
            // When the next step is one asked for, the cursor is where the prefix leads.
            if queue.front().is_none_or(|s| s.via.is_none())
                && let Some(Some(fd)) = cur.fds.last()
            {
                let done = queue.front().map_or(comps.len(), |s| s.index);
                resolved.push((
                    done,
                    Resolved {
                        names: cur.names.clone(),
                        fd: fd.clone(),
                    },
                ));
            }
        }
        let mut cache = self.cache.lock();
        if cache.len() + resolved.len() > CACHE_CAPACITY {
            cache.clear();
        }
        for (len, r) in resolved {
            cache.insert(key(len), r);
        }
        Ok(cur)
    }

    /// Enters one component as a directory.
    fn step(
        &self,
        cur: &mut Cursor,
        step: Step,
        queue: &mut VecDeque<Step>,
        hops: &mut u32,
        homes: &[Vec<Vec<u8>>],
    ) -> Result<(), Fail> {
        match &step.name[..] {
            b"" | b"." => return Ok(()),
            b".." => {
                // Only symlink targets produce `..` steps (logical paths refuse them).
                if cur.names.pop().is_none() {
                    let via = step.via.as_deref().unwrap_or("a symlink");
                    return Err(Fail::Skip(
                        SkipKind::SymlinkEscapesRoot,
                        format!("{via}, which leads above the root of the tree; not followed"),
                    ));
                }
                cur.fds.pop();
                return Ok(());
            }
            _ => {}
        }
        self.ensure_fd(cur)?;
        let parent = self.fd_of(cur);
        // The common case: a real directory.
        let err = match rustix::fs::openat(parent, &step.name[..], DIR_FLAGS, Mode::empty()) {
            Ok(fd) => {
                cur.push(step.name, fd);
                return Ok(());
            }
            Err(Errno::NOENT) => return Err(Fail::Missing),
            Err(e) => e,
        };
        let at = cur.display_child(&step.name);
        if err != Errno::NOTDIR {
            return Err(Fail::Skip(
                SkipKind::Io,
                format!("cannot open `{at}`: {}", errno_text(err)),
            ));
        }
        // Not a directory: find out what it is without following it.
        let fd = match rustix::fs::openat(parent, &step.name[..], PATH_FLAGS, Mode::empty()) {
            Ok(fd) => fd,
            Err(Errno::NOENT) => return Err(Fail::Missing),
            Err(e) => {
                return Err(Fail::Skip(
                    SkipKind::Io,
                    format!("cannot open `{at}`: {}", errno_text(e)),
                ));
            }
        };
        let st = rustix::fs::fstat(&fd).map_err(|e| {
            Fail::Skip(
                SkipKind::Io,
                format!("cannot stat `{at}`: {}", errno_text(e)),
            )
        })?;
        match kind_of(&st) {
            // Replaced by a directory in the meantime: the descriptor is that directory.
            Kind::Dir => {
                cur.push(step.name, fd);
                Ok(())
            }
            Kind::Symlink => {
                let target = rustix::fs::readlinkat(&fd, c"", Vec::new())
                    .map_err(|e| {
                        Fail::Skip(
                            SkipKind::Io,
                            format!("cannot read the symlink `{at}`: {}", errno_text(e)),
                        )
                    })?
                    .into_bytes();
                let shown = link_text(&target);
                if step.strict || cur.inside_home(homes) {
                    return Err(Fail::SkipAt(
                        SkipKind::SymlinkInUserTree,
                        format!(
                            "is a symlink (to `{shown}`) inside an account's home; \
                             maillint never follows symlinks in user-controlled trees"
                        ),
                        at,
                    ));
                }
                *hops += 1;
                if *hops > MAX_SYMLINK_HOPS {
                    return Err(Fail::Skip(
                        SkipKind::SymlinkLoop,
                        format!(
                            "more than {MAX_SYMLINK_HOPS} symlinks while resolving the path \
                             (last: `{at}` to `{shown}`); probably a symlink loop"
                        ),
                    ));
                }
                if target.is_empty() {
                    return Err(Fail::Missing);
                }
                let via: Rc<str> = Rc::from(format!("`{at}` is a symlink to `{shown}`"));
                if target.starts_with(b"/") {
                    // Absolute targets mean the server's `/`: the root of the tree.
                    cur.names.clear();
                    cur.fds.clear();
                }
                let new_steps: Vec<Step> = target
                    .split(|&b| b == b'/')
                    .filter(|c| !c.is_empty() && *c != b".")
                    .map(|c| Step {
                        name: c.to_vec(),
                        strict: false,
                        via: Some(via.clone()),
                        index: step.index,
                    })
                    .collect();
                for s in new_steps.into_iter().rev() {
                    queue.push_front(s);
                }
                Ok(())
            }
            other => Err(Fail::Skip(
                SkipKind::NotADirectory,
                format!("`{at}` is a {}, not a directory", other.describe()),
            )),
        }
    }

    /// The canonical components of a directory (for registering homes).
    pub(super) fn canonical(
        &self,
        comps: &[Vec<u8>],
        homes: &[Vec<Vec<u8>>],
    ) -> Result<Vec<Vec<u8>>, Fail> {
        Ok(self.walk(comps, usize::MAX, homes)?.names)
    }

    pub(super) fn read_file(
        &self,
        comps: &[Vec<u8>],
        strict_from: usize,
        homes: &[Vec<Vec<u8>>],
        cap: u64,
    ) -> Result<(Vec<u8>, Meta), Fail> {
        let (fd, meta2, shown) = self.open_file(comps, strict_from, homes, cap)?;
        let bytes =
            read_all(&fd, meta2.size, cap).map_err(|e| Fail::io(&format!("`{shown}`"), e))?;
        if bytes.len() as u64 > cap {
            return Err(too_large(meta2.size.max(bytes.len() as u64), cap));
        }
        Ok((bytes, meta2))
    }

    /// Opens a regular file under the policy of [`Disk::read_file`] (no symlink, no FIFO, the
    /// same file as the one examined, no larger than `cap`), for a caller that streams it.
    pub(super) fn open_file(
        &self,
        comps: &[Vec<u8>],
        strict_from: usize,
        homes: &[Vec<Vec<u8>>],
        cap: u64,
    ) -> Result<(OwnedFd, Meta, String), Fail> {
        let Some((name, dirs)) = comps.split_last() else {
            return Err(Fail::Skip(
                SkipKind::Directory,
                "is the root directory, not a regular file; not read".to_owned(),
            ));
        };
        let mut cur = self.walk(dirs, strict_from, homes)?;
        let shown = cur.display_child(name);
        self.ensure_fd(&mut cur)?;
        let dir = self.fd_of(&cur);
        // Look at what is there without opening it.
        let st = match rustix::fs::statat(dir, &name[..], AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) => st,
            Err(Errno::NOENT) => return Err(Fail::Missing),
            Err(e) => return Err(Fail::io(&format!("`{shown}`"), e)),
        };
        match kind_of(&st) {
            Kind::File => {}
            Kind::Symlink => {
                let target = rustix::fs::readlinkat(dir, &name[..], Vec::new())
                    .map(|t| link_text(t.as_bytes()))
                    .unwrap_or_else(|e| format!("? ({})", errno_text(e)));
                let detail = format!("is a symlink to `{target}`; symlinks are never followed");
                return Err(Fail::Skip(SkipKind::Symlink { target }, detail));
            }
            other => {
                return Err(Fail::Skip(
                    SkipKind::for_kind(other),
                    format!("is a {}, not a regular file; not read", other.describe()),
                ));
            }
        }
        let meta = meta_of(&st);
        if meta.size > cap {
            return Err(too_large(meta.size, cap));
        }
        // If it was swapped since: a symlink fails (O_NOFOLLOW), a FIFO does not block
        // (O_NONBLOCK), and the type and identity are checked again on the descriptor.
        let fd = match rustix::fs::openat(
            dir,
            &name[..],
            OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC,
            Mode::empty(),
        ) {
            Ok(fd) => fd,
            Err(Errno::NOENT) => return Err(Fail::Missing),
            Err(Errno::LOOP) => return Err(changed()),
            Err(e) => return Err(Fail::io(&format!("`{shown}`"), e)),
        };
        let st2 = rustix::fs::fstat(&fd).map_err(|e| Fail::io(&format!("`{shown}`"), e))?;
        let meta2 = meta_of(&st2);
        if kind_of(&st2) != Kind::File || meta2.dev != meta.dev || meta2.ino != meta.ino {
            return Err(changed());
        }
        if meta2.size > cap {
            return Err(too_large(meta2.size, cap));
        }
        Ok((fd, meta2, shown))
    }

    pub(super) fn stat(
        &self,
        comps: &[Vec<u8>],
        strict_from: usize,
        homes: &[Vec<Vec<u8>>],
    ) -> Result<Stat, Fail> {
        let st = match comps.split_last() {
            None => rustix::fs::fstat(&self.root),
            Some((name, dirs)) => {
                let mut cur = self.walk(dirs, strict_from, homes)?;
                self.ensure_fd(&mut cur)?;
                rustix::fs::statat(self.fd_of(&cur), &name[..], AtFlags::SYMLINK_NOFOLLOW)
            }
        };
        match st {
            Ok(st) => Ok(Stat {
                kind: kind_of(&st),
                meta: meta_of(&st),
            }),
            Err(Errno::NOENT) => Err(Fail::Missing),
            Err(e) => Err(Fail::io("it", e)),
        }
    }

    pub(super) fn read_dir(
        &self,
        comps: &[Vec<u8>],
        strict_from: usize,
        homes: &[Vec<Vec<u8>>],
    ) -> Result<(Vec<DirEntry>, EntryProblems), Fail> {
        let mut cur = self.walk(comps, strict_from, homes)?;
        self.ensure_fd(&mut cur)?;
        // Re-open the directory we hold (not its name) for listing.
        let dfd = rustix::fs::openat(
            self.fd_of(&cur),
            c".",
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| Fail::io("the directory", e))?;
        list(&dfd)
    }
}

/// Reads a regular file of `size` bytes (as `fstat` said) to its end, or to one byte past `cap`.
/// It asks for one byte more than the size, so a file that grew shows it; a read that returns
/// fewer bytes than asked once the whole size is in is the end of the file, which saves the
/// usual extra `read` that returns 0 (one system call of six per file).
fn read_all(fd: &OwnedFd, size: u64, cap: u64) -> Result<Vec<u8>, Errno> {
    let limit = cap.saturating_add(1) as usize;
    let mut bytes: Vec<u8> = Vec::with_capacity((size as usize).saturating_add(1).min(limit));
    loop {
        if bytes.len() >= limit {
            return Ok(bytes);
        }
        if bytes.len() == bytes.capacity() {
            bytes.reserve_exact(bytes.len().max(4096).min(limit - bytes.len()));
        }
        let asked = bytes.capacity() - bytes.len();
        let n = match rustix::io::read(fd, rustix::buffer::spare_capacity(&mut bytes)) {
            Ok(n) => n,
            Err(Errno::INTR) => continue,
            Err(e) => return Err(e),
        };
        if n == 0 || (n < asked && bytes.len() as u64 >= size) {
            return Ok(bytes);
        }
    }
}

fn too_large(size: u64, limit: u64) -> Fail {
    Fail::Skip(
        SkipKind::TooLarge { size, limit },
        format!("is {size} bytes, more than the {limit}-byte limit per file; not read"),
    )
}

fn changed() -> Fail {
    Fail::Skip(
        SkipKind::Changed,
        "changed while it was being opened (replaced by another file); not read".to_owned(),
    )
}

/// Streams a directory with `getdents` and `fstatat`s each entry without following it.
fn list(dfd: &OwnedFd) -> Result<(Vec<DirEntry>, EntryProblems), Fail> {
    let mut buf = vec![MaybeUninit::<u8>::uninit(); 64 * 1024];
    let mut raw = RawDir::new(dfd, &mut buf);
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    while let Some(item) = raw.next() {
        let entry = item.map_err(|e| Fail::io("the directory", e))?;
        let name: &CStr = entry.file_name();
        let bytes = name.to_bytes();
        if bytes == b"." || bytes == b".." {
            continue;
        }
        match rustix::fs::statat(dfd, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) => entries.push(DirEntry {
                name: bytes.to_vec(),
                kind: kind_of(&st),
                meta: meta_of(&st),
            }),
            // Removed since it was listed.
            Err(Errno::NOENT) => {}
            Err(e) => problems.push((
                String::from_utf8_lossy(bytes).into_owned(),
                SkipKind::Io,
                format!("cannot stat it: {}", errno_text(e)),
            )),
        }
    }
    entries.sort_unstable_by(|a, b| a.name.cmp(&b.name));
    Ok((entries, problems))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file_with(bytes: &[u8]) -> (tempfile::NamedTempFile, OwnedFd) {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(bytes).unwrap();
        let fd = OwnedFd::from(std::fs::File::open(f.path()).unwrap());
        (f, fd)
    }

    #[test]
    fn read_all_reads_a_file_of_the_stated_size() {
        let (_f, fd) = file_with(b"abc\n");
        assert_eq!(read_all(&fd, 4, 100).unwrap(), b"abc\n");
    }

    #[test]
    fn read_all_reads_past_a_stale_size() {
        // The file is larger than `fstat` said (it grew): everything is read, in several reads.
        let data = vec![b'x'; 10_000];
        let (_f, fd) = file_with(&data);
        assert_eq!(read_all(&fd, 3, 1 << 20).unwrap(), data);
        // The file is smaller than `fstat` said (it shrank): what is there.
        let (_f, fd) = file_with(b"ab");
        assert_eq!(read_all(&fd, 5, 100).unwrap(), b"ab");
    }

    #[test]
    fn read_all_stops_one_byte_past_the_cap() {
        let data = vec![b'x'; 10_000];
        let (_f, fd) = file_with(&data);
        let got = read_all(&fd, 3, 100).unwrap();
        assert!(got.len() > 100 && got.len() < 10_000, "{}", got.len());
    }
}
