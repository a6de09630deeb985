//! cPanel's file locks, taken by maillint for every file it writes.
//!
//! # The convention cPanel follows (its `SafeFile` module)
//!
//! This describes observed behaviour, in our own words; no cPanel code is used.
//!
//! **The dotlock.** The lock for `DIR/FILE` is a separate file `DIR/FILE.lock` in the same
//! directory. To take it, a process first creates a uniquely named file next to it,
//! `FILE.lock-<random hex>-<hex>-<hex>`, with `O_WRONLY|O_CREAT|O_EXCL|O_NONBLOCK` and mode
//! 0644, and writes two lines into it: its process id and its process name
//! (`"<pid>\n<name>\n"`). It then makes a hard link from that file to `FILE.lock`. The kernel
//! creates a link only when the name is free, so a successful `link()` means the lock is now
//! held, and `EEXIST` means another process holds it. The uniquely named file is unlinked
//! afterwards either way.
//!
//! **Waiting and stale locks.** While the lock is held by someone else, the waiter reads the pid
//! from `FILE.lock`. If no process has that pid (`kill(pid, 0)` fails with `ESRCH`), the lock
//! is stale: its holder died without removing it. The waiter then replaces it, by renaming its
//! own uniquely named file over `FILE.lock`, but only after checking that `FILE.lock` is still
//! the file it examined (same inode, same modification time), so that it never replaces a lock
//! that someone else has just taken. A lock file that is empty when examined twice in a row is
//! replaced in the same way (a holder writes its pid before linking, so an empty lock file that
//! stays empty was left behind). cPanel polls about every 0.3 seconds (and watches the lock
//! file with inotify); only after a long wait (between about 196 and 400 seconds, growing with
//! the file's size) does it break a lock whose holder is alive, and then only if `FILE` itself
//! is not `flock()`ed.
//!
//! **The flock.** With the dotlock held, the process opens `FILE` and takes `flock()` on it:
//! `LOCK_EX|LOCK_NB` to write, `LOCK_SH` to read, retrying every 0.05 seconds for up to 60
//! seconds. Some writers take only this flock without the dotlock (for example unprivileged
//! users' processes writing their domain's `/etc/valiases` file, who cannot create files in
//! `/etc/valiases`).
//!
//! **Release.** `flock(LOCK_UN)`, close `FILE`, then unlink `FILE.lock`, but only if it is
//! still the lock file this process created (same inode and modification time).
//!
//! # What maillint does
//!
//! [`lock`] takes `FILE.lock` exactly this way, with the content `"<pid>\nmaillint\n"`, then
//! opens `FILE` (when it exists; a file a fix creates is protected by its dotlock alone) and takes
//! `flock(LOCK_EX|LOCK_NB)` on it. It polls every [`POLL`] until a deadline (the `--lock-timeout`
//! of the command line, 10 seconds by default) and never breaks a lock whose holder is alive: it
//! gives up and the fix is reported as not applied ([`LockError::Held`], [`LockError::Flocked`]).
//! A stale lock (dead pid, or empty twice) is replaced as described above. A lock file that is
//! not a regular file, or whose first line is not a pid, is left alone and treated as held.
//! `kill(pid, 0)` failing with `EPERM` means the process exists (we may not signal it): held.
//!
//! The caller takes the locks of a transaction in sorted path order, so two maillint processes
//! (or maillint and a cPanel process that locks several files in the same order) cannot deadlock;
//! it re-reads the file's bytes through the flocked descriptor immediately before the rename,
//! and releases the locks ([`FileLock`]'s `Drop`) after it.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rustix::fs::{FlockOperation, OFlags};

/// How often a held lock is examined again.
pub const POLL: Duration = Duration::from_millis(100);
/// How often a flock() held by another process is tried again.
pub const FLOCK_POLL: Duration = Duration::from_millis(50);
/// The default bound on the wait for a lock (`--lock-timeout`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a lock was not taken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LockError {
    /// `FILE.lock` is held by a live process (pid when it names one).
    Held { lock: PathBuf, pid: u32 },
    /// `FILE.lock` exists but names no process maillint can check (not a pid, not a regular
    /// file): left alone.
    Unknown { lock: PathBuf, why: String },
    /// `FILE` is `flock()`ed by another process.
    Flocked,
    /// The lock could not be taken at all (no permission, read-only or full file system…).
    Io(String),
}

impl LockError {
    /// The reason, as printed after the file's path. `lock_shown` is the lock's display path.
    pub fn reason(&self, lock_shown: &str) -> String {
        match self {
            LockError::Held { pid, .. } => {
                format!("cPanel holds the lock {lock_shown} (pid {pid})")
            }
            LockError::Unknown { why, .. } => format!(
                "the lock {lock_shown} is held ({why}); remove it if no cPanel process is \
                 writing the file"
            ),
            LockError::Flocked => "another process holds a lock (flock) on it".to_string(),
            LockError::Io(e) => format!("cannot take the lock {lock_shown}: {e}"),
        }
    }
}

/// A held lock: the dotlock `FILE.lock` and, when `FILE` exists, its flock. Released on drop.
#[derive(Debug)]
pub struct FileLock {
    lock_path: PathBuf,
    /// Identity of the lock file maillint created (device, inode, mtime seconds and nanoseconds).
    id: (u64, u64, i64, i64),
    /// `FILE`, opened and flock()ed (None when it does not exist).
    file: Option<File>,
}

impl FileLock {
    /// The locked file (None when it did not exist when the lock was taken).
    pub fn file(&self) -> Option<&File> {
        self.file.as_ref()
    }

    /// The path of the dotlock.
    pub fn lock_path(&self) -> &Path {
        &self.lock_path
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        if let Some(f) = self.file.take() {
            let _ = rustix::fs::flock(&f, FlockOperation::Unlock);
            drop(f);
        }
        // Remove the lock only if it is still ours.
        if let Ok(m) = fs::symlink_metadata(&self.lock_path)
            && identity(&m) == self.id
        {
            let _ = fs::remove_file(&self.lock_path);
        }
    }
}

fn identity(m: &fs::Metadata) -> (u64, u64, i64, i64) {
    (m.dev(), m.ino(), m.mtime(), m.mtime_nsec())
}

/// The dotlock of a file: `FILE.lock` in the same directory.
pub fn lock_path_of(target: &Path) -> PathBuf {
    let mut name = target.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    target.with_file_name(name)
}

fn random_u64() -> u64 {
    let mut buf = [0u8; 8];
    if File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .is_ok()
    {
        return u64::from_ne_bytes(buf);
    }
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    t.as_nanos() as u64 ^ u64::from(std::process::id()).rotate_left(32)
}

/// The uniquely named file that becomes the lock, removed when dropped (if it still exists).
struct TempLock {
    path: PathBuf,
}

impl Drop for TempLock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

fn create_temp(lock_path: &Path) -> io::Result<TempLock> {
    let pid = std::process::id();
    for attempt in 0u32..100 {
        let mut name = lock_path.file_name().unwrap_or_default().to_os_string();
        name.push(format!(
            "-{:016x}-{pid:x}-{:x}",
            random_u64(),
            attempt ^ (random_u64() as u32)
        ));
        let path = lock_path.with_file_name(name);
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o644)
            .custom_flags((OFlags::NONBLOCK | OFlags::NOFOLLOW).bits() as i32)
            .open(&path)
        {
            Ok(mut f) => {
                let temp = TempLock { path };
                f.write_all(format!("{pid}\nmaillint\n").as_bytes())?;
                return Ok(temp);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other("cannot find a free name for the lock"))
}

/// Whether a process with this pid exists (`kill(pid, 0)`; `EPERM` means it exists).
pub fn process_alive(pid: u32) -> bool {
    let Some(p) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    else {
        return false;
    };
    match rustix::process::test_kill_process(p) {
        Ok(()) => true,
        Err(rustix::io::Errno::SRCH) => false,
        // EPERM: it exists but we may not signal it. Anything else: do not guess.
        Err(_) => true,
    }
}

/// What a lock file says: `Ok(Some(pid))`, `Ok(None)` when empty, `Err(why)` when it names no
/// process.
fn read_lock(lock_path: &Path) -> io::Result<Result<Option<u32>, String>> {
    let f = OpenOptions::new()
        .read(true)
        .custom_flags((OFlags::NOFOLLOW | OFlags::NONBLOCK).bits() as i32)
        .open(lock_path)?;
    let mut buf = Vec::new();
    f.take(4096).read_to_end(&mut buf)?;
    if buf.is_empty() {
        return Ok(Ok(None));
    }
    let first = buf.split(|&b| b == b'\n').next().unwrap_or_default();
    let pid = std::str::from_utf8(first)
        .ok()
        .map(str::trim)
        .and_then(|s| s.parse::<u32>().ok())
        .filter(|&p| p > 0);
    Ok(match pid {
        Some(p) => Ok(Some(p)),
        None => Err("its first line is not a process id".into()),
    })
}

/// Takes cPanel's lock for `target` (see the module documentation), waiting until `deadline`.
pub fn lock(target: &Path, deadline: Instant) -> Result<FileLock, LockError> {
    let lock_path = lock_path_of(target);
    let io_err = |e: io::Error| LockError::Io(e.to_string());
    let temp = create_temp(&lock_path).map_err(io_err)?;
    let temp_id = fs::symlink_metadata(&temp.path).map_err(io_err)?.ino();
    let mut empty_seen: Option<(u64, u64, i64, i64)> = None;
    let id = loop {
        match fs::hard_link(&temp.path, &lock_path) {
            Ok(()) => {
                let m = fs::symlink_metadata(&lock_path).map_err(io_err)?;
                break identity(&m);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(io_err(e)),
        }
        // Held: examine it.
        let m = match fs::symlink_metadata(&lock_path) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(io_err(e)),
        };
        let examined = identity(&m);
        let held = if !m.file_type().is_file() {
            LockError::Unknown {
                lock: lock_path.clone(),
                why: "it is not a regular file".into(),
            }
        } else {
            let stale = match read_lock(&lock_path) {
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(io_err(e)),
                Ok(Ok(Some(pid))) if !process_alive(pid) => Ok(()),
                Ok(Ok(Some(pid))) => Err(LockError::Held {
                    lock: lock_path.clone(),
                    pid,
                }),
                Ok(Ok(None)) if empty_seen == Some(examined) => Ok(()),
                Ok(Ok(None)) => {
                    empty_seen = Some(examined);
                    Err(LockError::Unknown {
                        lock: lock_path.clone(),
                        why: "it is empty".into(),
                    })
                }
                Ok(Err(why)) => Err(LockError::Unknown {
                    lock: lock_path.clone(),
                    why,
                }),
            };
            match stale {
                Ok(()) => {
                    // Replace it, if it is still the file examined.
                    let still = fs::symlink_metadata(&lock_path)
                        .map(|m| identity(&m) == examined)
                        .unwrap_or(false);
                    if still {
                        fs::rename(&temp.path, &lock_path).map_err(io_err)?;
                        let m = fs::symlink_metadata(&lock_path).map_err(io_err)?;
                        if m.ino() == temp_id {
                            break identity(&m);
                        }
                        // Someone else replaced it at the same moment: ours is gone; start again
                        // with a new temporary file.
                        drop(temp);
                        return lock(target, deadline);
                    }
                    continue;
                }
                Err(held) => held,
            }
        };
        let now = Instant::now();
        if now >= deadline {
            return Err(held);
        }
        std::thread::sleep(POLL.min(deadline - now));
    };
    drop(temp);
    let mut held = FileLock {
        lock_path,
        id,
        file: None,
    };
    // The flock on FILE itself.
    let file = match OpenOptions::new()
        .read(true)
        .custom_flags((OFlags::NOFOLLOW | OFlags::NONBLOCK).bits() as i32)
        .open(target)
    {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(held),
        Err(e) => return Err(io_err(e)),
    };
    loop {
        match rustix::fs::flock(&file, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => {
                held.file = Some(file);
                return Ok(held);
            }
            Err(rustix::io::Errno::WOULDBLOCK) | Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(LockError::Io(io::Error::from(e).to_string())),
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(LockError::Flocked);
        }
        std::thread::sleep(FLOCK_POLL.min(deadline - now));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn soon(ms: u64) -> Instant {
        Instant::now() + Duration::from_millis(ms)
    }

    #[test]
    fn a_free_lock_is_taken_with_our_pid_and_released() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("localdomains");
        fs::write(&target, b"a.example\n").unwrap();
        let l = lock(&target, soon(0)).unwrap();
        let lp = tmp.path().join("localdomains.lock");
        assert_eq!(
            fs::read_to_string(&lp).unwrap(),
            format!("{}\nmaillint\n", std::process::id())
        );
        assert!(l.file().is_some());
        // Only the lock is left: the temporary file is gone.
        let names: Vec<_> = fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
        drop(l);
        assert!(!lp.exists());
    }

    #[test]
    fn a_live_holder_is_never_broken() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("f");
        let lp = tmp.path().join("f.lock");
        // Our own (live) pid, as another process would write it.
        fs::write(&lp, format!("{}\ncpsrvd\n", std::process::id())).unwrap();
        let t0 = Instant::now();
        let e = lock(&target, soon(300)).unwrap_err();
        assert!(t0.elapsed() >= Duration::from_millis(300));
        assert_eq!(
            e,
            LockError::Held {
                lock: lp.clone(),
                pid: std::process::id()
            }
        );
        assert_eq!(
            fs::read_to_string(&lp).unwrap(),
            format!("{}\ncpsrvd\n", std::process::id())
        );
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_lock_released_by_someone_else_is_not_removed_by_us() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("f");
        let l = lock(&target, soon(0)).unwrap();
        let lp = tmp.path().join("f.lock");
        // Someone removed our lock and took it (a new file).
        fs::remove_file(&lp).unwrap();
        fs::write(&lp, b"1\nother\n").unwrap();
        drop(l);
        assert_eq!(fs::read(&lp).unwrap(), b"1\nother\n");
    }

    #[test]
    fn stale_and_empty_locks_are_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("f");
        let lp = tmp.path().join("f.lock");
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        fs::write(&lp, format!("{dead}\ncpsrvd\n")).unwrap();
        let l = lock(&target, soon(0)).unwrap();
        assert!(fs::read_to_string(&lp).unwrap().ends_with("\nmaillint\n"));
        drop(l);
        assert!(!lp.exists());
        fs::write(&lp, b"").unwrap();
        let l = lock(&target, soon(1000)).unwrap();
        assert!(fs::read_to_string(&lp).unwrap().ends_with("\nmaillint\n"));
        drop(l);
        // Not a pid: left alone.
        fs::write(&lp, b"garbage\n").unwrap();
        let e = lock(&target, soon(200)).unwrap_err();
        assert!(matches!(e, LockError::Unknown { .. }), "{e:?}");
        assert_eq!(fs::read(&lp).unwrap(), b"garbage\n");
    }

    #[test]
    fn a_flocked_file_is_waited_for() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("f");
        fs::write(&target, b"x\n").unwrap();
        let other = File::open(&target).unwrap();
        rustix::fs::flock(&other, FlockOperation::LockExclusive).unwrap();
        let e = lock(&target, soon(200)).unwrap_err();
        assert_eq!(e, LockError::Flocked);
        assert!(
            !tmp.path().join("f.lock").exists(),
            "the dotlock is given back"
        );
        drop(other);
        assert!(lock(&target, soon(200)).is_ok());
    }
}
