//! The server tree: safe reading (symlinks, FIFOs, devices, size caps), listings, account
//! backups (directories and archives) and root detection.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use maillint::tree::{
    Kind, Lookup, Root, RootKind, SkipKind, Tree, TreeOptions, detect, detect_with,
};
use rustix::fs::{CWD, Mode};
use tempfile::TempDir;

// ---------------------------------------------------------------------------------------------
// Helpers

fn write(root: &Path, rel: &str, bytes: &[u8]) -> PathBuf {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(&p, bytes).unwrap();
    p
}

fn mkdir(root: &Path, rel: &str) -> PathBuf {
    let p = root.join(rel);
    fs::create_dir_all(&p).unwrap();
    p
}

fn link(root: &Path, rel: &str, target: impl AsRef<Path>) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    symlink(target, &p).unwrap();
}

fn mkfifo(path: &Path) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    rustix::fs::mkfifoat(CWD, path, Mode::from_raw_mode(0o644)).unwrap();
}

fn server(root: &Path) -> Tree {
    Tree::open_server(root, TreeOptions::default()).unwrap()
}

/// Runs `f` on another thread and fails the test if it does not return within `secs`.
fn within<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(secs))
        .unwrap_or_else(|_| panic!("did not return within {secs} s: something blocked"))
}

fn skip_kind<T: std::fmt::Debug>(l: &Lookup<T>) -> SkipKind {
    match l {
        Lookup::Skipped(s) => s.kind.clone(),
        other => panic!("expected a skip, got {other:?}"),
    }
}

fn text(l: Lookup<maillint::tree::FileData>) -> String {
    match l {
        Lookup::Found(f) => f.source.text().to_owned(),
        other => panic!("expected a file, got {other:?}"),
    }
}

/// Bytes this thread has read with read(2) and friends so far.
fn thread_rchar() -> u64 {
    let io = fs::read_to_string("/proc/thread-self/io").unwrap();
    io.lines()
        .find_map(|l| l.strip_prefix("rchar: "))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

// ---------------------------------------------------------------------------------------------
// Regular files, missing files, unsafe paths

#[test]
fn reads_a_regular_file_with_its_meta() {
    let dir = TempDir::new().unwrap();
    let p = write(
        dir.path(),
        "etc/localdomains",
        b"example.com\nexample.net\n",
    );
    fs::set_permissions(&p, fs::Permissions::from_mode(0o640)).unwrap();
    std::os::unix::fs::chown(&p, Some(1234), Some(12)).unwrap();
    let tree = server(dir.path());

    let file = tree.read("etc/localdomains").found().unwrap();
    assert_eq!(file.source.path(), "etc/localdomains");
    assert_eq!(file.source.text(), "example.com\nexample.net\n");
    let md = fs::metadata(&p).unwrap();
    assert_eq!(file.meta.mode, 0o640);
    assert_eq!((file.meta.uid, file.meta.gid), (1234, 12));
    assert_eq!(file.meta.size, 24);
    assert_eq!(file.meta.mtime.secs, md.mtime());
    assert_eq!(i64::from(file.meta.mtime.nanos), md.mtime_nsec());
    assert_eq!((file.meta.dev, file.meta.ino), (md.dev(), md.ino()));

    // Redundant separators and `.` are ignored; the display path is normalised.
    let again = tree.read("./etc//localdomains").found().unwrap();
    assert_eq!(again.source.path(), "etc/localdomains");

    // Invalid UTF-8 is kept byte for byte.
    write(dir.path(), "etc/mailhelo", b"caf\xe9\n");
    let f = tree.read("etc/mailhelo").found().unwrap();
    assert_eq!(f.source.bytes(), b"caf\xe9\n");
    assert!(tree.skipped().is_empty());
}

#[test]
fn missing_files_are_not_skips() {
    let dir = TempDir::new().unwrap();
    mkdir(dir.path(), "etc");
    let tree = server(dir.path());
    assert!(tree.read("etc/remotedomains").is_missing());
    assert!(tree.read("var/named/example.com.db").is_missing());
    assert!(tree.read_dir("var/named").is_missing());
    assert!(tree.stat("etc/manualmx").is_missing());
    assert!(
        tree.read_in_home("home/bob", "etc/example.com/shadow")
            .is_missing()
    );
    // A dangling symlink as an intermediate directory is also just missing.
    link(dir.path(), "var/named", "../srv/nowhere");
    assert!(tree.read("var/named/example.com.db").is_missing());
    assert!(tree.skipped().is_empty());
}

#[test]
fn refuses_dotdot_and_absolute_paths() {
    let outer = TempDir::new().unwrap();
    let root = mkdir(outer.path(), "root");
    write(outer.path(), "secret", b"outside the root\n");
    write(&root, "etc/x", b"inside\n");
    let tree = server(&root);

    for p in [
        "../secret",
        "etc/../../secret",
        "/etc/x",
        "etc/x/..",
        "etc/\0x",
    ] {
        let got = tree.read(p);
        assert_eq!(skip_kind(&got), SkipKind::UnsafePath, "{p}");
    }
    assert_eq!(
        skip_kind(&tree.read_in_home("/home/bob", "etc/x")),
        SkipKind::UnsafePath
    );
    assert_eq!(
        skip_kind(&tree.read_in_home("home/bob", "../../secret")),
        SkipKind::UnsafePath
    );
    assert_eq!(
        skip_kind(&tree.read_in_home("home/../..", "secret")),
        SkipKind::UnsafePath
    );
    assert_eq!(skip_kind(&tree.read_dir("..")), SkipKind::UnsafePath);
    assert_eq!(skip_kind(&tree.stat("/etc")), SkipKind::UnsafePath);
    let skips = tree.skipped();
    let s = skips.iter().find(|s| s.path == "../secret").unwrap();
    assert_eq!(
        s.detail,
        "the path `../secret` contains a `..` component; refused"
    );
    assert!(skips.iter().any(|s| {
        s.path == "/etc/x"
            && s.detail
                .contains("absolute path; paths in the tree are relative to its root")
    }));
}

// ---------------------------------------------------------------------------------------------
// Symlinks as the final component

#[test]
fn a_final_symlink_is_never_followed() {
    let outer = TempDir::new().unwrap();
    let root = mkdir(outer.path(), "root");
    // What the link points at exists both on the host-like outside and inside the root: if the
    // link were followed in any way, the read would return one of these.
    let outside = write(outer.path(), "shadow", b"root:SECRET-OUTSIDE:19000::::::\n");
    write(&root, "etc/shadow", b"root:SECRET-INSIDE:19000::::::\n");
    link(&root, "etc/valiases/example.com", "/etc/shadow");
    link(&root, "etc/valiases/example.net", &outside);
    link(&root, "etc/valiases/example.org", "../shadow");
    let tree = server(&root);

    let got = tree.read("etc/valiases/example.com");
    assert_eq!(
        skip_kind(&got),
        SkipKind::Symlink {
            target: "/etc/shadow".into()
        }
    );
    assert_eq!(
        got.skip().unwrap().detail,
        "is a symlink to `/etc/shadow`; symlinks are never followed"
    );
    let got = tree.read("etc/valiases/example.net");
    assert_eq!(
        skip_kind(&got),
        SkipKind::Symlink {
            target: outside.display().to_string()
        }
    );
    assert!(matches!(
        skip_kind(&tree.read("etc/valiases/example.org")),
        SkipKind::Symlink { .. }
    ));
    // stat is lstat-like: it reports the link itself.
    assert_eq!(
        tree.stat("etc/valiases/example.com").found().unwrap().kind,
        Kind::Symlink
    );
    let paths: Vec<_> = tree.skipped().into_iter().map(|s| s.path).collect();
    assert_eq!(
        paths,
        [
            "etc/valiases/example.com",
            "etc/valiases/example.net",
            "etc/valiases/example.org"
        ]
    );
}

#[test]
fn a_final_symlink_to_a_fifo_does_not_block() {
    let outer = TempDir::new().unwrap();
    let root = mkdir(outer.path(), "root");
    let fifo = outer.path().join("fifo");
    mkfifo(&fifo);
    link(&root, "etc/valiases/example.com", &fifo);
    let tree = Arc::new(server(&root));
    let t = tree.clone();
    let got = within(5, move || t.read("etc/valiases/example.com"));
    assert!(matches!(skip_kind(&got), SkipKind::Symlink { .. }));
}

// ---------------------------------------------------------------------------------------------
// FIFOs, devices, sockets

#[test]
fn a_fifo_is_skipped_without_blocking() {
    let dir = TempDir::new().unwrap();
    mkfifo(&dir.path().join("etc/secondarymx"));
    mkfifo(&dir.path().join("home/bob/etc/example.com/shadow"));
    let tree = Arc::new(server(dir.path()));
    let t = tree.clone();
    let (a, b) = within(5, move || {
        (
            t.read("etc/secondarymx"),
            t.read_in_home("home/bob", "etc/example.com/shadow"),
        )
    });
    assert_eq!(skip_kind(&a), SkipKind::Fifo);
    assert_eq!(
        a.skip().unwrap().detail,
        "is a FIFO (named pipe), not a regular file; not read"
    );
    assert_eq!(skip_kind(&b), SkipKind::Fifo);
    assert_eq!(
        tree.stat("etc/secondarymx").found().unwrap().kind,
        Kind::Fifo
    );
    let listing = tree.read_dir("etc").found().unwrap();
    assert_eq!(listing[0].kind, Kind::Fifo);
}

#[test]
fn devices_and_sockets_are_skipped() {
    // A real character device: the system's /dev/null, through a tree rooted at /dev.
    let dev = server(Path::new("/dev"));
    let got = within(5, move || dev.read("null"));
    assert_eq!(skip_kind(&got), SkipKind::Device);

    let dir = TempDir::new().unwrap();
    mkdir(dir.path(), "etc");
    let _listener = std::os::unix::net::UnixListener::bind(dir.path().join("etc/mailips")).unwrap();
    let tree = server(dir.path());
    assert_eq!(skip_kind(&tree.read("etc/mailips")), SkipKind::Socket);
    assert_eq!(tree.stat("etc/mailips").found().unwrap().kind, Kind::Socket);
    // A directory where a file is expected.
    mkdir(dir.path(), "etc/exim.conf");
    assert_eq!(skip_kind(&tree.read("etc/exim.conf")), SkipKind::Directory);
}

// ---------------------------------------------------------------------------------------------
// Size cap

#[test]
fn a_file_over_the_cap_is_not_read() {
    let dir = TempDir::new().unwrap();
    let big = write(dir.path(), "etc/exim.conf", b"");
    fs::File::options()
        .write(true)
        .open(&big)
        .unwrap()
        .set_len(17 << 20)
        .unwrap();
    let tree = server(dir.path());
    let before = thread_rchar();
    let got = tree.read("etc/exim.conf");
    let read = thread_rchar() - before;
    assert_eq!(
        skip_kind(&got),
        SkipKind::TooLarge {
            size: 17 << 20,
            limit: 16 << 20
        }
    );
    assert!(read < 1 << 20, "{read} bytes were read for a skipped file");
    assert_eq!(
        got.skip().unwrap().detail,
        "is 17825792 bytes, more than the 16777216-byte limit per file; not read"
    );

    let four = vec![b'x'; 4 << 20];
    write(dir.path(), "etc/exim.conf.local", &four);
    let f = tree.read("etc/exim.conf.local").found().unwrap();
    assert_eq!(f.source.len(), 4 << 20);
    assert_eq!(f.meta.size, 4 << 20);
}

#[test]
fn the_cap_is_configurable_and_exact() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "a", b"0123456789");
    write(dir.path(), "b", b"0123456789X");
    let tree = Tree::open_server(
        dir.path(),
        TreeOptions {
            max_file_size: 10,
            ..TreeOptions::default()
        },
    )
    .unwrap();
    assert_eq!(text(tree.read("a")), "0123456789");
    assert_eq!(
        skip_kind(&tree.read("b")),
        SkipKind::TooLarge {
            size: 11,
            limit: 10
        }
    );
}

#[test]
fn at_most_cap_plus_one_bytes_are_read_when_fstat_lies() {
    // Files in /proc report a size of 0 but have content.
    let tree = Tree::open_server(
        Path::new("/proc/self"),
        TreeOptions {
            max_file_size: 100,
            ..TreeOptions::default()
        },
    )
    .unwrap();
    let got = tree.read("status");
    assert_eq!(
        skip_kind(&got),
        SkipKind::TooLarge {
            size: 101,
            limit: 100
        }
    );
}

#[test]
fn io_errors_are_skips_with_the_os_error() {
    // Reading /proc/self/mem at offset 0 fails with EIO (nothing is mapped there).
    let tree = Tree::open_server(Path::new("/proc/self"), TreeOptions::default()).unwrap();
    let got = tree.read("mem");
    assert_eq!(skip_kind(&got), SkipKind::Io);
    let skip = got.skip().unwrap();
    assert_eq!(skip.path, "mem");
    assert!(
        skip.detail
            .starts_with("cannot read `mem`: Input/output error"),
        "{}",
        skip.detail
    );
    assert_eq!(tree.skipped(), std::slice::from_ref(skip));
}

#[test]
fn stat_reports_directories_and_their_permissions() {
    let dir = TempDir::new().unwrap();
    let d = mkdir(dir.path(), "etc/valiases");
    fs::set_permissions(&d, fs::Permissions::from_mode(0o1777)).unwrap();
    let tree = server(dir.path());
    let st = tree.stat("etc/valiases").found().unwrap();
    assert_eq!(st.kind, Kind::Dir);
    assert_eq!(st.meta.mode, 0o1777);
    assert_eq!(tree.stat("").found().unwrap().kind, Kind::Dir);
    assert_eq!(
        tree.display_path("etc//valiases/").as_deref(),
        Some("etc/valiases")
    );
    assert_eq!(tree.display_path("../x"), None);
}

// ---------------------------------------------------------------------------------------------
// Symlinks as intermediate directories (system policy)

#[test]
fn a_directory_symlink_inside_the_root_is_followed() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "srv/zones/example.com.db", b"$TTL 300\n");
    link(dir.path(), "var/named", "../srv/zones");
    let tree = server(dir.path());
    let f = tree.read("var/named/example.com.db").found().unwrap();
    assert_eq!(f.source.path(), "var/named/example.com.db");
    assert_eq!(f.source.text(), "$TTL 300\n");
    let names: Vec<_> = tree
        .read_dir("var/named")
        .found()
        .unwrap()
        .into_iter()
        .map(|e| e.name_lossy().into_owned())
        .collect();
    assert_eq!(names, ["example.com.db"]);
    // A chain of links, each inside the root.
    link(dir.path(), "etc/namedb", "/var/named");
    assert_eq!(text(tree.read("etc/namedb/example.com.db")), "$TTL 300\n");
    assert!(tree.skipped().is_empty());
}

#[test]
fn an_absolute_directory_symlink_stays_inside_the_root() {
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        "etc/valiases/example.com",
        b"*: inside@example.com\n",
    );
    // `/etc` means the server's /etc: the root's etc, never the host's.
    link(dir.path(), "var/aliases", "/etc/valiases");
    let tree = server(dir.path());
    assert_eq!(
        text(tree.read("var/aliases/example.com")),
        "*: inside@example.com\n"
    );
    // The host's /etc/passwd is not reachable through `/etc`.
    link(dir.path(), "var/hostetc", "/etc");
    assert!(tree.read("var/hostetc/passwd").is_missing());
}

#[test]
fn a_directory_symlink_leaving_the_root_is_refused() {
    let outer = TempDir::new().unwrap();
    let root = mkdir(outer.path(), "root");
    write(outer.path(), "zones/example.com.db", b"outside\n");
    write(outer.path(), "root/srv/example.com.db", b"inside\n");
    link(&root, "var/named", "../../..");
    link(&root, "var/zones", "../../zones");
    // Climbs out and back in: still refused, `..` never goes above the root.
    link(&root, "var/back", "../../root/srv");
    let tree = server(&root);
    for p in [
        "var/named/example.com.db",
        "var/zones/example.com.db",
        "var/back/example.com.db",
    ] {
        let got = tree.read(p);
        assert_eq!(skip_kind(&got), SkipKind::SymlinkEscapesRoot, "{p}");
    }
    let s = tree.read_dir("var/zones");
    assert_eq!(
        s.skip().unwrap().detail,
        "`var/zones` is a symlink to `../../zones`, which leads above the root of the tree; \
         not followed"
    );
    // Nested: a link to `/` (the root) followed by `..` is refused too.
    link(&root, "var/top", "/");
    link(&root, "var/up", "top/..");
    assert_eq!(
        skip_kind(&tree.read("var/up/x")),
        SkipKind::SymlinkEscapesRoot
    );
}

#[test]
fn dotdot_in_a_link_below_a_cached_directory() {
    let dir = TempDir::new().unwrap();
    let r = dir.path();
    write(r, "a/b/c/f", b"f\n");
    write(r, "a/d/g", b"g\n");
    link(r, "a/b/c/up", "../../d");
    let tree = server(r);
    // The first read leaves `a/b/c` resolved; the second starts there and climbs above it.
    assert_eq!(text(tree.read("a/b/c/f")), "f\n");
    assert_eq!(text(tree.read("a/b/c/up/g")), "g\n");
    assert_eq!(text(tree.read("a/b/c/up/g")), "g\n");
    // Swapping the directory for a symlink later does not redirect the cached resolution, and
    // a fresh tree follows the new (system) link.
    fs::rename(r.join("a/d"), r.join("a/e")).unwrap();
    link(r, "a/d", "/a/e");
    assert_eq!(text(tree.read("a/b/c/up/g")), "g\n");
    assert_eq!(text(server(r).read("a/b/c/up/g")), "g\n");
    link(r, "a/f", "../..");
    assert_eq!(skip_kind(&tree.read("a/f/x")), SkipKind::SymlinkEscapesRoot);
}

#[test]
fn symlink_loops_are_reported() {
    let dir = TempDir::new().unwrap();
    link(dir.path(), "etc/a", "b");
    link(dir.path(), "etc/b", "a");
    link(dir.path(), "var/named", "named");
    let tree = server(dir.path());
    assert_eq!(skip_kind(&tree.read("etc/a/x")), SkipKind::SymlinkLoop);
    assert_eq!(
        skip_kind(&tree.read_dir("var/named")),
        SkipKind::SymlinkLoop
    );
    // 16 hops are fine, 17 are not.
    write(dir.path(), "chain/l0/f", b"end\n");
    for i in 1..=17 {
        link(dir.path(), &format!("chain/l{i}"), format!("l{}", i - 1));
    }
    assert_eq!(text(tree.read("chain/l16/f")), "end\n");
    assert_eq!(skip_kind(&tree.read("chain/l17/f")), SkipKind::SymlinkLoop);
}

#[test]
fn a_file_where_a_directory_is_expected() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "etc/valiases", b"not a directory\n");
    link(dir.path(), "var/named", "../etc/valiases");
    let tree = server(dir.path());
    let got = tree.read("etc/valiases/example.com");
    assert_eq!(skip_kind(&got), SkipKind::NotADirectory);
    assert_eq!(
        got.skip().unwrap().detail,
        "`etc/valiases` is a regular file, not a directory"
    );
    assert_eq!(
        skip_kind(&tree.read_dir("var/named")),
        SkipKind::NotADirectory
    );
}

// ---------------------------------------------------------------------------------------------
// Account homes (user policy)

/// `home -> home2` (a system link), bob's home in home2 with some hostile links.
fn homes_tree() -> TempDir {
    let dir = TempDir::new().unwrap();
    let r = dir.path();
    link(r, "home", "home2");
    write(
        r,
        "home2/bob/etc/example.com/shadow",
        b"info:$6$x:19000::::::\n",
    );
    write(
        r,
        "home2/bob/etc/example.com/passwd",
        b"info:x:1000:1000::/x:/bin/false\n",
    );
    write(
        r,
        "home2/bob/etc2/shadow",
        b"info:$6$inside-but-linked::::::\n",
    );
    write(r, "srv/mail/secret", b"not bob's\n");
    link(r, "home2/bob/mail", "../../srv/mail");
    link(r, "home2/bob/etc/example.net/shadow", "/etc/shadow");
    link(r, "home2/bob/etc/example.org", "../etc2");
    dir
}

#[test]
fn inside_a_home_no_symlink_is_followed() {
    let dir = homes_tree();
    let tree = server(dir.path());

    // The home itself is reached through the system link `home -> home2`.
    let f = tree
        .read_in_home("home/bob", "etc/example.com/shadow")
        .found()
        .unwrap();
    assert_eq!(f.source.path(), "home/bob/etc/example.com/shadow");
    let names: Vec<_> = tree
        .read_dir_in_home("home/bob", "etc/example.com")
        .found()
        .unwrap()
        .into_iter()
        .map(|e| e.name_lossy().into_owned())
        .collect();
    assert_eq!(names, ["passwd", "shadow"]);

    // A symlinked mail directory.
    let got = tree.read_dir_in_home("home/bob", "mail");
    assert_eq!(skip_kind(&got), SkipKind::SymlinkInUserTree);
    // Reported once, at the symlink itself, whatever was asked for below it.
    assert_eq!(got.skip().unwrap().path, "home2/bob/mail");
    assert_eq!(
        got.skip().unwrap().detail,
        "is a symlink (to `../../srv/mail`) inside an account's home; \
         maillint never follows symlinks in user-controlled trees"
    );
    assert_eq!(
        skip_kind(&tree.read_in_home("home/bob", "mail/secret")),
        SkipKind::SymlinkInUserTree
    );
    assert_eq!(
        tree.stat_in_home("home/bob", "mail").found().unwrap().kind,
        Kind::Symlink
    );
    // A symlinked shadow file.
    assert_eq!(
        skip_kind(&tree.read_in_home("home/bob", "etc/example.net/shadow")),
        SkipKind::Symlink {
            target: "/etc/shadow".into()
        }
    );
    // A symlinked domain directory, even though its target stays inside the home.
    assert_eq!(
        skip_kind(&tree.read_in_home("home/bob", "etc/example.org/shadow")),
        SkipKind::SymlinkInUserTree
    );
    // `mail` and `mail/secret` were refused for the same symlink: it is recorded once.
    let kinds: Vec<_> = tree.skipped().into_iter().map(|s| s.kind).collect();
    assert_eq!(kinds.len(), 3);
}

#[test]
fn registered_homes_are_protected_on_every_path() {
    let dir = homes_tree();
    let r = dir.path();
    link(r, "var/named", "../home/bob/zones");
    link(r, "home2/bob/zones", "../../srv/mail");
    let tree = server(r);
    // Before bob's home is known, a plain read follows system policy.
    assert_eq!(
        text(tree.read("home/bob/etc/example.org/shadow")),
        "info:$6$inside-but-linked::::::\n"
    );
    tree.add_home("home/bob");
    assert_eq!(
        skip_kind(&tree.read("home/bob/etc/example.org/shadow")),
        SkipKind::SymlinkInUserTree
    );
    // Registered by its canonical path, so `home2/bob` is protected as well.
    assert_eq!(
        skip_kind(&tree.read("home2/bob/mail/secret")),
        SkipKind::SymlinkInUserTree
    );
    // A system link into a home does not make the home's own links trusted.
    assert_eq!(
        skip_kind(&tree.read("var/named/secret")),
        SkipKind::SymlinkInUserTree
    );
    // Real files in the home are still read.
    assert!(
        tree.read("home/bob/etc/example.com/shadow")
            .found()
            .is_some()
    );
}

// ---------------------------------------------------------------------------------------------
// Directory listings

#[test]
fn read_dir_lists_without_following() {
    let dir = TempDir::new().unwrap();
    let r = dir.path();
    write(r, "d/b-file", b"12345");
    mkdir(r, "d/a-dir");
    link(r, "d/c-link", "/etc/passwd");
    mkfifo(&r.join("d/d-fifo"));
    {
        use std::os::unix::ffi::OsStrExt;
        fs::write(r.join(std::ffi::OsStr::from_bytes(b"d/\xff-raw")), b"").unwrap();
    }
    let tree = server(r);
    let entries = tree.read_dir("d").found().unwrap();
    let got: Vec<_> = entries
        .iter()
        .map(|e| (e.name_lossy().into_owned(), e.kind, e.size()))
        .collect();
    assert_eq!(
        got,
        [
            ("a-dir".to_owned(), Kind::Dir, got[0].2),
            ("b-file".to_owned(), Kind::File, 5),
            ("c-link".to_owned(), Kind::Symlink, 11),
            ("d-fifo".to_owned(), Kind::Fifo, 0),
            ("\u{fffd}-raw".to_owned(), Kind::File, 0),
        ]
    );
    assert_eq!(entries[4].name, b"\xff-raw");
    assert_eq!(entries[4].name_str(), None);
    let md = fs::symlink_metadata(r.join("d/b-file")).unwrap();
    assert_eq!(entries[1].meta.mtime.secs, md.mtime());
    // The root itself can be listed.
    assert_eq!(tree.read_dir("").found().unwrap().len(), 1);
}

#[test]
fn read_dir_handles_100000_entries() {
    // On tmpfs when there is one: creating 100,000 entries on a disk file system is what would
    // make this test slow, not listing them.
    let shm = Path::new("/dev/shm");
    let dir = if shm.is_dir() {
        TempDir::new_in(shm).unwrap()
    } else {
        TempDir::new().unwrap()
    };
    let d = mkdir(dir.path(), "home/bob/mail/example.com/info/cur");
    let start = Instant::now();
    // mknodat relative to the directory: one cheap syscall per entry keeps the setup quick.
    let dfd = fs::File::open(&d).unwrap();
    for i in 0..100_000u32 {
        let name = format!("{i:06}.M1P1.host,S=10");
        let mode = Mode::from_raw_mode(0o640);
        rustix::fs::mknodat(
            &dfd,
            name.as_str(),
            rustix::fs::FileType::RegularFile,
            mode,
            0,
        )
        .unwrap();
    }
    eprintln!("created 100000 entries in {:?}", start.elapsed());
    let tree = server(dir.path());
    let start = Instant::now();
    let entries = tree
        .read_dir_in_home("home/bob", "mail/example.com/info/cur")
        .found()
        .unwrap();
    let took = start.elapsed();
    assert_eq!(entries.len(), 100_000);
    assert!(entries.windows(2).all(|w| w[0].name < w[1].name));
    assert_eq!(entries[0].name, b"000000.M1P1.host,S=10");
    assert!(
        entries
            .iter()
            .all(|e| e.kind == Kind::File && e.meta.mode == 0o640)
    );
    eprintln!("listed them in {took:?}");
    assert!(took < Duration::from_secs(20), "listing took {took:?}");
}

// ---------------------------------------------------------------------------------------------
// Concurrency

#[test]
fn reads_from_several_rayon_threads() {
    use rayon::prelude::*;
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Tree>();
    send_sync::<Root>();

    let dir = TempDir::new().unwrap();
    for i in 0..400 {
        write(
            dir.path(),
            &format!("var/cpanel/userdata/u{i}/main"),
            format!("main_domain: d{i}.example.com\n").as_bytes(),
        );
        if i % 10 == 0 {
            mkfifo(&dir.path().join(format!("etc/valiases/d{i}.example.com")));
        }
    }
    let tree = server(dir.path());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .unwrap();
    let texts: Vec<String> = pool.install(|| {
        (0..400)
            .into_par_iter()
            .map(|i| {
                let _ = tree.read(&format!("etc/valiases/d{i}.example.com"));
                text(tree.read(&format!("var/cpanel/userdata/u{i}/main")))
            })
            .collect()
    });
    for (i, t) in texts.iter().enumerate() {
        assert_eq!(t, &format!("main_domain: d{i}.example.com\n"));
    }
    let skips = tree.skipped();
    assert_eq!(skips.len(), 40);
    assert!(skips.windows(2).all(|w| w[0].path < w[1].path));
    assert!(skips.iter().all(|s| s.kind == SkipKind::Fifo));
}

// ---------------------------------------------------------------------------------------------
// Root detection

const EXPECTED: &str = "pass the root of a server tree (e.g. / or a copy of it), a var/cpanel \
                        directory, or an account backup (cpmove-USER directory or .tar.gz)";

fn detect_err(path: &Path) -> String {
    match detect(Some(path)) {
        Ok(root) => panic!("{} was accepted as {root:?}", path.display()),
        Err(e) => {
            assert_eq!(e.path, path);
            e.to_string()
        }
    }
}

#[test]
fn detect_a_server_tree() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "etc/localdomains", b"example.com\n");
    let root = detect(Some(dir.path())).unwrap();
    assert_eq!(root.kind, RootKind::Server);
    assert_eq!(root.user, None);
    assert_eq!(root.display, dir.path().display().to_string());
    assert_eq!(text(root.tree.read("etc/localdomains")), "example.com\n");

    let dir2 = TempDir::new().unwrap();
    mkdir(dir2.path(), "var/cpanel/users");
    assert_eq!(detect(Some(dir2.path())).unwrap().kind, RootKind::Server);
}

#[test]
fn detect_a_var_cpanel_directory() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "srv/copy/var/cpanel/users/bob", b"USER=bob\n");
    write(dir.path(), "srv/copy/etc/localdomains", b"example.com\n");
    let arg = dir.path().join("srv/copy/var/cpanel/");
    let root = detect(Some(&arg)).unwrap();
    assert_eq!(root.kind, RootKind::Server);
    assert_eq!(root.display, arg.display().to_string());
    // The root is two levels up.
    assert_eq!(text(root.tree.read("etc/localdomains")), "example.com\n");
    assert_eq!(text(root.tree.read("var/cpanel/users/bob")), "USER=bob\n");
    // Also through a link whose own name is not var/cpanel.
    symlink(
        dir.path().join("srv/copy/var/cpanel"),
        dir.path().join("cp-link"),
    )
    .unwrap();
    let root = detect(Some(&dir.path().join("cp-link"))).unwrap();
    assert_eq!(text(root.tree.read("etc/localdomains")), "example.com\n");
}

#[test]
fn detect_the_live_server_when_no_path_is_given() {
    // PATH omitted is `/`, which must look like a cPanel server, as for `maillint /`.
    let cpanel_host = Path::new("/var/cpanel").exists() || Path::new("/etc/localdomains").exists();
    match detect(None) {
        Ok(root) => {
            assert!(cpanel_host, "/ is no cPanel server, yet it was accepted");
            assert_eq!(root.kind, RootKind::Server);
            assert_eq!(root.display, "/");
        }
        Err(e) => {
            assert!(!cpanel_host, "{e}");
            assert!(e.message.contains("this host is no cPanel server"), "{e}");
        }
    }
    // The same with a directory standing for `/`.
    let dir = TempDir::new().unwrap();
    assert!(maillint::tree::detect_omitted(dir.path(), Default::default()).is_err());
    mkdir(dir.path(), "var/cpanel");
    let root = maillint::tree::detect_omitted(dir.path(), Default::default()).unwrap();
    assert_eq!(root.kind, RootKind::Server);
    assert_eq!(root.display, "/");
    assert_eq!(root.tree.stat("").found().unwrap().kind, Kind::Dir);
}

#[test]
fn detect_errors_name_the_path_and_what_was_expected() {
    let dir = TempDir::new().unwrap();
    let p = dir.path();

    let empty = mkdir(p, "empty");
    assert_eq!(
        detect_err(&empty),
        format!(
            "{} is a directory but holds neither var/cpanel nor etc/localdomains; {EXPECTED}",
            empty.display()
        )
    );
    let missing = p.join("nope");
    assert_eq!(
        detect_err(&missing),
        format!("{} does not exist; {EXPECTED}", missing.display())
    );
    let random = write(p, "notes.txt", b"hello\n");
    assert_eq!(
        detect_err(&random),
        format!(
            "{} is a file, but not an account backup archive (expected a name like \
             cpmove-USER.tar.gz, backup-DATE_USER.tar.gz, .tgz or .tar); {EXPECTED}",
            random.display()
        )
    );
    let fifo = p.join("fifo");
    mkfifo(&fifo);
    let msg = within(5, move || detect_err(&fifo));
    assert!(
        msg.contains("is neither a directory nor a regular file"),
        "{msg}"
    );

    let half = mkdir(p, "half");
    write(&half, "cp/bob", b"USER=bob\n");
    assert_eq!(
        detect_err(&half),
        format!(
            "{} has a cp/ directory but none of userdata/, dnszones/, va/, so it is neither a \
             server tree nor a complete account backup; {EXPECTED}",
            half.display()
        )
    );
    let two = mkdir(p, "cpmove-two");
    write(&two, "cp/bob", b"USER=bob\n");
    write(&two, "cp/alice", b"USER=alice\n");
    mkdir(&two, "userdata");
    assert_eq!(
        detect_err(&two),
        format!(
            "{} looks like an account backup but cp/ holds 2 files (alice, bob); expected \
             exactly one, the account's cpuser file cp/USER",
            two.display()
        )
    );
    let garbage = write(
        p,
        "cpmove-bob.tar.gz",
        &[0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7],
    );
    let msg = detect_err(&garbage);
    assert!(
        msg.starts_with(&format!(
            "{} is not a readable tar archive (",
            garbage.display()
        )),
        "{msg}"
    );
    let junk = write(p, "cpmove-bob.tar", &[b'x'; 2048]);
    let msg = detect_err(&junk);
    assert!(msg.contains("is not a readable tar archive"), "{msg}");
}

// ---------------------------------------------------------------------------------------------
// Account backups

/// The files of a small account backup, as (backup path, contents).
const BACKUP: &[(&str, &str)] = &[
    ("cp/bob", "USER=bob\nMXCHECK-example.com=0\n"),
    ("userdata/main", "main_domain: example.com\n"),
    (
        "userdata/example.com",
        "documentroot: /home/bob/public_html\n",
    ),
    (
        "dnszones/example.com.db",
        "example.com. 300 IN MX 0 mail.example.com.\n",
    ),
    ("va/example.com", "info@example.com: bob\n"),
    ("vad/example.net", "example.net: example.com\n"),
    ("vf/example.com", "# Exim filter\n"),
    (
        "domainkeys/public/example.com",
        "-----BEGIN PUBLIC KEY-----\n",
    ),
    (
        "domainkeys/private/example.com",
        "-----BEGIN RSA PRIVATE KEY-----\n",
    ),
    ("homedir/etc/example.com/shadow", "info:$6$x:19000::::::\n"),
    ("homedir/.cpanel/email_accounts.json", "{}\n"),
    ("homedir/mail/example.com/info/cur/1.M1P1.host,S=5", "hello"),
    ("homedir/public_html/index.html", "<html>\n"),
    ("mysql/bob_wp.sql", "-- dump\n"),
];

/// Reads an account backup through logical paths; identical for a directory and an archive.
fn check_account(root: &Root) {
    let t = &root.tree;
    assert_eq!(root.user.as_deref(), Some("bob"));
    let read = |logical: &str, display: &str| {
        let f = t
            .read(logical)
            .found()
            .unwrap_or_else(|| panic!("{logical}"));
        assert_eq!(f.source.path(), display);
        let expected = BACKUP.iter().find(|(p, _)| *p == display).unwrap().1;
        assert_eq!(f.source.text(), expected);
    };
    read("var/cpanel/users/bob", "cp/bob");
    read("var/cpanel/userdata/bob/main", "userdata/main");
    read(
        "var/cpanel/userdata/bob/example.com",
        "userdata/example.com",
    );
    read("var/named/example.com.db", "dnszones/example.com.db");
    read("etc/valiases/example.com", "va/example.com");
    read("etc/vdomainaliases/example.net", "vad/example.net");
    read("etc/vfilters/example.com", "vf/example.com");
    read(
        "var/cpanel/domain_keys/public/example.com",
        "domainkeys/public/example.com",
    );
    let f = t
        .read_in_home("home/bob", "etc/example.com/shadow")
        .found()
        .unwrap();
    assert_eq!(f.source.path(), "homedir/etc/example.com/shadow");
    assert_eq!(f.source.text(), "info:$6$x:19000::::::\n");
    assert_eq!(
        t.display_path("var/named/example.com.db").as_deref(),
        Some("dnszones/example.com.db")
    );
    // Not in a backup, or never exposed.
    for missing in [
        "etc/localdomains",
        "var/cpanel/domain_keys/private/example.com",
        "var/cpanel/userdata/alice/main",
        "var/cpanel/users/alice",
        "mysql/bob_wp.sql",
        "cp/bob",
    ] {
        assert!(t.read(missing).is_missing(), "{missing}");
    }
    // Listings of mapped and virtual directories.
    let names = |l: Lookup<Vec<maillint::tree::DirEntry>>| -> Vec<String> {
        l.found()
            .unwrap()
            .into_iter()
            .map(|e| e.name_lossy().into_owned())
            .collect()
    };
    assert_eq!(names(t.read_dir("var/cpanel/users")), ["bob"]);
    assert_eq!(names(t.read_dir("var/cpanel/userdata")), ["bob"]);
    assert_eq!(
        names(t.read_dir("var/cpanel/userdata/bob")),
        ["example.com", "main"]
    );
    assert_eq!(names(t.read_dir("var/named")), ["example.com.db"]);
    assert_eq!(names(t.read_dir("var")), ["cpanel", "named"]);
    assert_eq!(
        names(t.read_dir("etc")),
        ["valiases", "vdomainaliases", "vfilters"]
    );
    assert_eq!(names(t.read_dir("var/cpanel/domain_keys")), ["public"]);
    assert_eq!(t.stat("var/cpanel").found().unwrap().kind, Kind::Dir);
    assert!(t.read_dir("etc/exim").is_missing());
    // Mail: names and sizes.
    let cur = t
        .read_dir_in_home("home/bob", "mail/example.com/info/cur")
        .found()
        .unwrap();
    assert_eq!(cur.len(), 1);
    assert_eq!(cur[0].name, b"1.M1P1.host,S=5");
    assert_eq!((cur[0].kind, cur[0].size()), (Kind::File, 5));
}

fn write_backup(dir: &Path) {
    for (p, content) in BACKUP {
        write(dir, p, content.as_bytes());
    }
}

#[test]
fn account_backup_directory() {
    let dir = TempDir::new().unwrap();
    let backup = mkdir(dir.path(), "cpmove-bob");
    write_backup(&backup);
    let root = detect(Some(&backup)).unwrap();
    assert_eq!(root.kind, RootKind::AccountDir);
    assert_eq!(root.display, backup.display().to_string());
    check_account(&root);
    // In a directory the whole home is readable (it is on disk).
    assert_eq!(
        text(root.tree.read_in_home("home/bob", "public_html/index.html")),
        "<html>\n"
    );
    // homedir/ is the account home: no symlink is followed below it.
    link(&backup, "homedir/etc/example.net", "example.com");
    let got = root.tree.read_in_home("home/bob", "etc/example.net/shadow");
    assert_eq!(skip_kind(&got), SkipKind::SymlinkInUserTree);
    // Reported at the symlinked directory, not at the file asked for below it.
    assert_eq!(got.skip().unwrap().path, "homedir/etc/example.net");
    // Skips carry backup display paths.
    mkfifo(&backup.join("va/example.org"));
    let got = root.tree.read("etc/valiases/example.org");
    assert_eq!(skip_kind(&got), SkipKind::Fifo);
    assert_eq!(got.skip().unwrap().path, "va/example.org");
}

/// Appends an entry with raw name bytes, bypassing the tar crate's path checks.
fn append_raw(
    b: &mut tar::Builder<impl std::io::Write>,
    name: &[u8],
    kind: tar::EntryType,
    link: Option<&str>,
    data: &[u8],
) {
    let mut h = tar::Header::new_gnu();
    h.as_old_mut().name[..name.len()].copy_from_slice(name);
    h.set_entry_type(kind);
    h.set_mode(0o640);
    h.set_uid(1000);
    h.set_gid(12);
    h.set_mtime(1_700_000_000);
    h.set_size(data.len() as u64);
    if let Some(l) = link {
        h.set_link_name(l).unwrap();
    }
    h.set_cksum();
    b.append(&h, data).unwrap();
}

/// Builds an account archive: BACKUP under `top/`, plus links and hostile entries.
fn backup_archive(path: &Path, top: &str, gzip: bool) {
    let file = fs::File::create(path).unwrap();
    let w: Box<dyn std::io::Write> = if gzip {
        Box::new(flate2::write::GzEncoder::new(
            file,
            flate2::Compression::fast(),
        ))
    } else {
        Box::new(file)
    };
    let mut b = tar::Builder::new(w);
    append_raw(
        &mut b,
        format!("{top}/").as_bytes(),
        tar::EntryType::Directory,
        None,
        b"",
    );
    for (p, content) in BACKUP {
        let name = format!("{top}/{p}");
        append_raw(
            &mut b,
            name.as_bytes(),
            tar::EntryType::Regular,
            None,
            content.as_bytes(),
        );
    }
    let sym = format!("{top}/va/example.net");
    append_raw(
        &mut b,
        sym.as_bytes(),
        tar::EntryType::Symlink,
        Some("/etc/shadow"),
        b"",
    );
    let hard = format!("{top}/vf/example.net");
    let hard_target = format!("{top}/homedir/etc/example.com/shadow");
    append_raw(
        &mut b,
        hard.as_bytes(),
        tar::EntryType::Link,
        Some(&hard_target),
        b"",
    );
    let dirlink = format!("{top}/homedir/etc/example.org");
    append_raw(
        &mut b,
        dirlink.as_bytes(),
        tar::EntryType::Symlink,
        Some("example.com"),
        b"",
    );
    append_raw(&mut b, b"../evil", tar::EntryType::Regular, None, b"evil\n");
    append_raw(
        &mut b,
        b"/etc/evil",
        tar::EntryType::Regular,
        None,
        b"evil\n",
    );
    let sneaky = format!("{top}/cp/../../evil2");
    append_raw(
        &mut b,
        sneaky.as_bytes(),
        tar::EntryType::Regular,
        None,
        b"evil\n",
    );
    append_raw(
        &mut b,
        b"other/cp/alice",
        tar::EntryType::Regular,
        None,
        b"USER=alice\n",
    );
    let fifo = format!("{top}/va/example.org");
    append_raw(&mut b, fifo.as_bytes(), tar::EntryType::Fifo, None, b"");
    b.into_inner().unwrap().flush().unwrap();
}

#[test]
fn account_backup_archive_is_read_in_place() {
    let dir = TempDir::new().unwrap();
    let archive = dir.path().join("cpmove-bob.tar.gz");
    backup_archive(&archive, "cpmove-bob", true);
    let root = detect(Some(&archive)).unwrap();
    assert_eq!(root.kind, RootKind::AccountArchive);
    assert_eq!(root.display, archive.display().to_string());
    check_account(&root);
    let t = &root.tree;
    // Nothing was unpacked next to the archive.
    let listing: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(listing, ["cpmove-bob.tar.gz"]);
    // Meta comes from the tar header.
    let f = t.read("var/cpanel/users/bob").found().unwrap();
    assert_eq!((f.meta.mode, f.meta.uid, f.meta.gid), (0o640, 1000, 12));
    assert_eq!(f.meta.mtime.secs, 1_700_000_000);
    // Links are recorded, never followed.
    assert_eq!(
        skip_kind(&t.read("etc/valiases/example.net")),
        SkipKind::Symlink {
            target: "/etc/shadow".into()
        }
    );
    let hard = t.read("etc/vfilters/example.net");
    assert!(matches!(skip_kind(&hard), SkipKind::Symlink { .. }));
    assert!(hard.skip().unwrap().detail.starts_with("is a hard link to"));
    assert_eq!(
        skip_kind(&t.read_in_home("home/bob", "etc/example.org/shadow")),
        SkipKind::SymlinkInUserTree
    );
    assert_eq!(
        skip_kind(&t.read("etc/valiases/example.org")),
        SkipKind::Fifo
    );
    // Mail and web contents are not kept; only names and sizes.
    let got = t.read_in_home("home/bob", "mail/example.com/info/cur/1.M1P1.host,S=5");
    assert_eq!(skip_kind(&got), SkipKind::NotKept);
    assert_eq!(
        skip_kind(&t.read_in_home("home/bob", "public_html/index.html")),
        SkipKind::NotKept
    );
    assert_eq!(
        text(t.read_in_home("home/bob", ".cpanel/email_accounts.json")),
        "{}\n"
    );
    // Hostile entries were reported when the archive was indexed.
    let skips = t.skipped();
    let entry = |p: &str| {
        skips
            .iter()
            .find(|s| s.path == p)
            .unwrap_or_else(|| panic!("no skip for {p}: {skips:#?}"))
    };
    assert_eq!(entry("../evil").kind, SkipKind::ArchiveEntry);
    assert_eq!(
        entry("../evil").detail,
        "this archive entry has a `..` component; ignored (it would land outside the backup)"
    );
    assert_eq!(entry("/etc/evil").kind, SkipKind::ArchiveEntry);
    assert_eq!(
        entry("cpmove-bob/cp/../../evil2").kind,
        SkipKind::ArchiveEntry
    );
    assert_eq!(
        entry("other/cp/alice").detail,
        "this archive entry is outside the backup's top directory `cpmove-bob/`; ignored"
    );
    assert!(t.read("var/cpanel/users/alice").is_missing());
}

#[test]
fn archive_name_variants() {
    let dir = TempDir::new().unwrap();
    let tar = dir.path().join("cpmove-bob.tar");
    backup_archive(&tar, "cpmove-bob", false);
    let root = detect(Some(&tar)).unwrap();
    assert_eq!(root.kind, RootKind::AccountArchive);
    check_account(&root);

    let tgz = dir.path().join("backup-3.14.2024_02-00-01_bob.tgz");
    backup_archive(&tgz, "backup-3.14.2024_02-00-01_bob", true);
    let root = detect(Some(&tgz)).unwrap();
    check_account(&root);
}

#[test]
fn archive_limits_are_enforced_and_reported() {
    let dir = TempDir::new().unwrap();
    let archive = dir.path().join("cpmove-bob.tar.gz");
    backup_archive(&archive, "cpmove-bob", true);

    // Per-file cap.
    let small = TreeOptions {
        max_file_size: 30,
        ..TreeOptions::default()
    };
    let root = detect_with(Some(&archive), small).unwrap();
    assert_eq!(
        text(root.tree.read("etc/valiases/example.com")),
        "info@example.com: bob\n"
    );
    assert_eq!(
        skip_kind(&root.tree.read("var/cpanel/userdata/bob/example.com")),
        SkipKind::TooLarge {
            size: 36,
            limit: 30
        }
    );

    // Memory cap: contents beyond it are dropped, later small ones are still kept.
    let capped = dir.path().join("cpmove-carol.tar");
    {
        let mut b = tar::Builder::new(fs::File::create(&capped).unwrap());
        let r = tar::EntryType::Regular;
        append_raw(&mut b, b"cpmove-carol/cp/carol", r, None, b"USER=carol\n");
        append_raw(
            &mut b,
            b"cpmove-carol/va/big.example",
            r,
            None,
            &[b'x'; 2000],
        );
        append_raw(&mut b, b"cpmove-carol/va/small.example", r, None, b"a: b\n");
        b.finish().unwrap();
    }
    let tight = TreeOptions {
        archive_max_memory: 1_500,
        ..TreeOptions::default()
    };
    let root = detect_with(Some(&capped), tight).unwrap();
    assert_eq!(root.user.as_deref(), Some("carol"));
    let got = root.tree.read("etc/valiases/big.example");
    assert_eq!(skip_kind(&got), SkipKind::ArchiveLimit);
    assert_eq!(text(root.tree.read("etc/valiases/small.example")), "a: b\n");
    let limit = root
        .tree
        .skipped()
        .into_iter()
        .find(|s| s.path == capped.display().to_string())
        .expect("the memory limit is reported");
    assert_eq!(limit.kind, SkipKind::ArchiveLimit);
    assert_eq!(
        limit.detail,
        "the archive holds more than the 1500 bytes maillint keeps in memory; files from \
         `va/big.example` on were not kept"
    );

    // Entry cap: the archive's cp/ comes first, so the account is still found.
    let few = TreeOptions {
        archive_max_entries: 3,
        ..TreeOptions::default()
    };
    let root = detect_with(Some(&archive), few).unwrap();
    assert_eq!(root.user.as_deref(), Some("bob"));
    assert!(
        root.tree
            .skipped()
            .iter()
            .any(|s| s.kind == SkipKind::ArchiveLimit && s.detail.contains("3 entries"))
    );
}
