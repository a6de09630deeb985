//! The on-disk backend: component-by-component resolution from a descriptor of the root.

use std::collections::VecDeque;
use std::ffi::CStr;
use std::io::Read;
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::Path;
use std::rc::Rc;

use rustix::fs::{AtFlags, CWD, Mode, OFlags, RawDir};
use rustix::io::Errno;

use super::{
    DirEntry, Fail, Kind, MAX_SYMLINK_HOPS, Meta, SkipKind, Stat, Timestamp, bytes_display,
};

pub(super) struct Disk {
    root: OwnedFd,
}

/// Problems with single entries of a listing: (name, kind, detail).
pub(super) type EntryProblems = Vec<(String, SkipKind, String)>;

/// The directory reached so far: the descriptors of every directory below the root (for `..`)
/// and their names (the canonical path, for messages and for the home check).
struct Cursor {
    fds: Vec<OwnedFd>,
    names: Vec<Vec<u8>>,
}

/// One component still to resolve.
struct Step {
    name: Vec<u8>,
    /// Inside an account home: a symlink here is never followed.
    strict: bool,
    /// For components of a symlink target: "`var/named` is a symlink to `../x`".
    via: Option<Rc<str>>,
}

const PATH_FLAGS: OFlags = OFlags::PATH.union(OFlags::NOFOLLOW).union(OFlags::CLOEXEC);

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
    fn new() -> Cursor {
        Cursor {
            fds: Vec::new(),
            names: Vec::new(),
        }
    }

    fn fd<'a>(&'a self, root: &'a OwnedFd) -> BorrowedFd<'a> {
        self.fds.last().unwrap_or(root).as_fd()
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
        Ok(Disk { root })
    }

    /// Enters every step as a directory, following system symlinks by policy.
    fn walk(
        &self,
        cur: &mut Cursor,
        steps: impl IntoIterator<Item = Step>,
        homes: &[Vec<Vec<u8>>],
    ) -> Result<(), Fail> {
        let mut queue: VecDeque<Step> = steps.into_iter().collect();
        let mut hops = 0u32;
        while let Some(step) = queue.pop_front() {
            match &step.name[..] {
                b"" | b"." => continue,
                b".." => {
                    // Only symlink targets produce `..` steps (logical paths refuse them).
                    if cur.fds.pop().is_none() {
                        let via = step.via.as_deref().unwrap_or("a symlink");
                        return Err(Fail::Skip(
                            SkipKind::SymlinkEscapesRoot,
                            format!("{via}, which leads above the root of the tree; not followed"),
                        ));
                    }
                    cur.names.pop();
                    continue;
                }
                _ => {}
            }
            let parent = cur.fd(&self.root);
            let fd = match rustix::fs::openat(parent, &step.name[..], PATH_FLAGS, Mode::empty()) {
                Ok(fd) => fd,
                Err(Errno::NOENT) => return Err(Fail::Missing),
                Err(e) => {
                    return Err(Fail::Skip(
                        SkipKind::Io,
                        format!(
                            "cannot open `{}`: {}",
                            cur.display_child(&step.name),
                            errno_text(e)
                        ),
                    ));
                }
            };
            let st = rustix::fs::fstat(&fd).map_err(|e| {
                Fail::Skip(
                    SkipKind::Io,
                    format!(
                        "cannot stat `{}`: {}",
                        cur.display_child(&step.name),
                        errno_text(e)
                    ),
                )
            })?;
            match kind_of(&st) {
                Kind::Dir => {
                    cur.fds.push(fd);
                    cur.names.push(step.name);
                }
                Kind::Symlink => {
                    let at = cur.display_child(&step.name);
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
                        return Err(Fail::Skip(
                            SkipKind::SymlinkInUserTree,
                            format!(
                                "`{at}` is a symlink (to `{shown}`) inside an account's home; \
                                 maillint never follows symlinks in user-controlled trees"
                            ),
                        ));
                    }
                    hops += 1;
                    if hops > MAX_SYMLINK_HOPS {
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
                        cur.fds.clear();
                        cur.names.clear();
                    }
                    let new_steps: Vec<Step> = target
                        .split(|&b| b == b'/')
                        .filter(|c| !c.is_empty() && *c != b".")
                        .map(|c| Step {
                            name: c.to_vec(),
                            strict: false,
                            via: Some(via.clone()),
                        })
                        .collect();
                    for s in new_steps.into_iter().rev() {
                        queue.push_front(s);
                    }
                }
                other => {
                    return Err(Fail::Skip(
                        SkipKind::NotADirectory,
                        format!(
                            "`{}` is a {}, not a directory",
                            cur.display_child(&step.name),
                            other.describe()
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    fn steps(comps: &[Vec<u8>], strict_from: usize) -> impl Iterator<Item = Step> + '_ {
        comps.iter().enumerate().map(move |(i, c)| Step {
            name: c.clone(),
            strict: i >= strict_from,
            via: None,
        })
    }

    /// The canonical components of a directory (for registering homes).
    pub(super) fn canonical(
        &self,
        comps: &[Vec<u8>],
        homes: &[Vec<Vec<u8>>],
    ) -> Result<Vec<Vec<u8>>, Fail> {
        let mut cur = Cursor::new();
        self.walk(&mut cur, Self::steps(comps, usize::MAX), homes)?;
        Ok(cur.names)
    }

    /// Resolves the parent directory of the last component; returns the cursor and the name.
    fn parent<'c>(
        &self,
        comps: &'c [Vec<u8>],
        strict_from: usize,
        homes: &[Vec<Vec<u8>>],
    ) -> Result<(Cursor, Option<&'c [u8]>), Fail> {
        let mut cur = Cursor::new();
        match comps.split_last() {
            None => Ok((cur, None)),
            Some((last, dirs)) => {
                self.walk(&mut cur, Self::steps(dirs, strict_from), homes)?;
                Ok((cur, Some(&last[..])))
            }
        }
    }

    pub(super) fn read_file(
        &self,
        comps: &[Vec<u8>],
        strict_from: usize,
        homes: &[Vec<Vec<u8>>],
        cap: u64,
    ) -> Result<(Vec<u8>, Meta), Fail> {
        let (cur, name) = self.parent(comps, strict_from, homes)?;
        let Some(name) = name else {
            return Err(Fail::Skip(
                SkipKind::Directory,
                "is the root directory, not a regular file; not read".to_owned(),
            ));
        };
        let dir = cur.fd(&self.root);
        let shown = cur.display_child(name);
        // First look at what is there without opening it for reading.
        let pfd = match rustix::fs::openat(dir, name, PATH_FLAGS, Mode::empty()) {
            Ok(fd) => fd,
            Err(Errno::NOENT) => return Err(Fail::Missing),
            Err(e) => return Err(Fail::io(&format!("`{shown}`"), e)),
        };
        let st = rustix::fs::fstat(&pfd).map_err(|e| Fail::io(&format!("`{shown}`"), e))?;
        match kind_of(&st) {
            Kind::File => {}
            Kind::Symlink => {
                let target = rustix::fs::readlinkat(&pfd, c"", Vec::new())
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
        drop(pfd);
        let fd = match rustix::fs::openat(
            dir,
            name,
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
        let mut bytes = Vec::with_capacity(meta2.size as usize + 1);
        std::fs::File::from(fd)
            .take(cap + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Fail::io(&format!("`{shown}`"), e))?;
        if bytes.len() as u64 > cap {
            return Err(too_large(meta2.size.max(bytes.len() as u64), cap));
        }
        Ok((bytes, meta2))
    }

    pub(super) fn stat(
        &self,
        comps: &[Vec<u8>],
        strict_from: usize,
        homes: &[Vec<Vec<u8>>],
    ) -> Result<Stat, Fail> {
        let (cur, name) = self.parent(comps, strict_from, homes)?;
        let st = match name {
            None => rustix::fs::fstat(&self.root),
            Some(name) => rustix::fs::statat(cur.fd(&self.root), name, AtFlags::SYMLINK_NOFOLLOW),
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
        let mut cur = Cursor::new();
        self.walk(&mut cur, Self::steps(comps, strict_from), homes)?;
        // Re-open the directory we hold (not its name) for listing.
        let dfd = rustix::fs::openat(
            cur.fd(&self.root),
            c".",
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| Fail::io("the directory", e))?;
        list(&dfd)
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
