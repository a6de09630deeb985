//! Fixes that can be trusted on a live server: every form of PATH, all-or-nothing transactions
//! (injected failures, a full disk, an immutable file, a file changed between read and write),
//! cPanel's locks, extended attributes and ACLs, SOA serials at the end of their range, lists
//! without a final newline, and restore into the tree a backup lies in.
//!
//! Most tests work on a copy of `testdata/exchange` (one unsafe RT001 fix touching
//! etc/localdomains, etc/remotedomains and var/cpanel/users/bob and removing
//! var/cpanel/users.cache/bob). Tests that need root (a tmpfs mount, `chattr +i`) say loudly
//! that they checked nothing when run by another user, and fail when root cannot do it.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

const NOW: &str = "1795392000";

// ---------------------------------------------------------------------------------------------
// Helpers

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

fn cmd(cwd: &Path) -> Command {
    let mut c = Command::new(assert_cmd::cargo::cargo_bin("maillint"));
    c.current_dir(cwd)
        .env("NO_COLOR", "1")
        .env("MAILLINT_NOW", NOW)
        .env_remove("CLICOLOR_FORCE")
        .env_remove("MAILLINT_TEST_FAIL")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

fn finish(child: std::process::Child, t0: Instant) -> Run {
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let code = out
        .status
        .code()
        .unwrap_or_else(|| panic!("maillint was killed: {stderr}"));
    assert_ne!(code, 101, "maillint panicked:\n{stderr}");
    Run {
        code,
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr,
        elapsed: t0.elapsed(),
    }
}

/// Runs maillint to the end (killed after 60 s).
fn run(mut c: Command) -> Run {
    let t0 = Instant::now();
    let child = c.spawn().unwrap();
    let id = child.id();
    let watchdog = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(60));
        let _ = Command::new("kill").arg(id.to_string()).status();
    });
    drop(watchdog);
    finish(child, t0)
}

fn maillint(cwd: &Path, args: &[&str]) -> Run {
    let mut c = cmd(cwd);
    c.args(args);
    run(c)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A copy of testdata/exchange at TMP/exchange.
fn exchange() -> (TempDir, PathBuf) {
    let tmp = TempDir::new().unwrap();
    let root = tmp.path().join("exchange");
    common::copy_tree(&common::testdata_dir().join("exchange"), &root);
    (tmp, root)
}

/// testdata/exchange without example.com's DMARC record: besides RT001 it has an independent
/// safe fix, DMARC001, which adds the record to var/named/example.com.db.
fn exchange_with_dmarc001() -> (TempDir, PathBuf) {
    let (tmp, root) = exchange();
    let zone = root.join("var/named/example.com.db");
    let text = fs::read_to_string(&zone).unwrap();
    let without: String = text
        .lines()
        .filter(|l| !l.starts_with("_dmarc"))
        .map(|l| format!("{l}\n"))
        .collect();
    fs::write(&zone, without).unwrap();
    (tmp, root)
}

const DMARC_LINE: &str = "_dmarc\t14400\tIN\tTXT\t\"v=DMARC1\\; p=none\\;\"\n";

/// Every file and symlink below `dir`: contents and modes.
fn state(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir).follow_links(false) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(dir).unwrap().to_path_buf();
        let meta = fs::symlink_metadata(entry.path()).unwrap();
        if meta.is_dir() {
            continue;
        }
        let what = if meta.file_type().is_symlink() {
            format!("-> {}", fs::read_link(entry.path()).unwrap().display())
        } else {
            format!(
                "{:o} {}",
                meta.permissions().mode() & 0o7777,
                String::from_utf8_lossy(&fs::read(entry.path()).unwrap())
            )
        };
        out.insert(rel, what);
    }
    out
}

fn assert_same(got: &BTreeMap<PathBuf, String>, want: &BTreeMap<PathBuf, String>, what: &str) {
    let mut diffs = Vec::new();
    for k in got
        .keys()
        .chain(want.keys())
        .collect::<std::collections::BTreeSet<_>>()
    {
        if got.get(k) != want.get(k) {
            diffs.push(format!(
                "{}:\n  got:  {:?}\n  want: {:?}",
                k.display(),
                got.get(k),
                want.get(k)
            ));
        }
    }
    assert!(diffs.is_empty(), "{what}:\n{}", diffs.join("\n"));
}

fn read(root: &Path, rel: &str) -> String {
    fs::read_to_string(root.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

const LOCAL_BEFORE: &str =
    "server.example.net\nexample.com\nexample.org\nshop.example.com\norg.example.com\n";

/// RT001's fix is on disk, whole.
fn assert_rt001_applied(root: &Path) {
    assert_eq!(
        read(root, "etc/localdomains"),
        "server.example.net\nexample.com\nshop.example.com\norg.example.com\n"
    );
    assert_eq!(read(root, "etc/remotedomains"), "example.org\n");
    assert!(
        read(root, "var/cpanel/users/bob").contains("\nMXCHECK-example.org=remote\n"),
        "{}",
        read(root, "var/cpanel/users/bob")
    );
    assert!(!root.join("var/cpanel/users.cache/bob").exists());
}

/// None of RT001's files changed.
fn assert_rt001_not_applied(root: &Path) {
    let orig = common::testdata_dir().join("exchange");
    for rel in [
        "etc/localdomains",
        "etc/remotedomains",
        "var/cpanel/users/bob",
        "var/cpanel/users.cache/bob",
    ] {
        assert_eq!(
            fs::read(root.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}")),
            fs::read(orig.join(rel)).unwrap(),
            "{rel} was written"
        );
    }
}

fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

fn skipped(what: &str) {
    eprintln!(
        "\n******** SKIPPED: {what} needs root (this test checked nothing when run as another \
         user) ********\n"
    );
}

/// The name of the directory entry holding maillint's backup (the one below `dir`).
fn only_entry(dir: &Path) -> PathBuf {
    let entries: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    entries.into_iter().next().unwrap()
}

fn no_leftovers(root: &Path) {
    for entry in walkdir::WalkDir::new(root) {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy();
        assert!(
            !name.contains(".maillint-") && !name.contains(".lock"),
            "left behind: {}",
            entry.path().display()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 1. Every form of PATH

/// `--fix --unsafe-fixes` run from `cwd` with PATH `path` fixes the tree at `root`, and keeps
/// the originals in `root`/var/lib/maillint/backup.
fn fixes_from(cwd: &Path, path: &str, root: &Path) {
    let r = maillint(
        cwd,
        &[path, "--fix", "--unsafe-fixes", "--ignore", "MBX004"],
    );
    assert_eq!(r.code, 0, "{path}:\n{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr
            .contains("fixed: etc/localdomains:3:1: RT001 example.org is delivered locally"),
        "{path}: {}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("Applied 1 fix (4 files written, 0 not applied)."),
        "{path}: {}",
        r.stderr
    );
    assert_rt001_applied(root);
    let backup = only_entry(&root.join("var/lib/maillint/backup"));
    assert!(
        backup.join("files/etc/localdomains").is_file(),
        "{}",
        backup.display()
    );
    assert!(!root.join("var/cpanel/var").exists());
    no_leftovers(&root.join("etc"));
    no_leftovers(&root.join("var/cpanel"));
}

#[test]
fn fix_from_the_server_root() {
    let (tmp, root) = exchange();
    fixes_from(tmp.path(), s(&root), &root);
}

#[test]
fn fix_from_var_cpanel() {
    let (tmp, root) = exchange();
    // The diff is the same as from the root, with paths relative to the root.
    let from_root = maillint(
        tmp.path(),
        &[s(&root), "--fix", "--unsafe-fixes", "--dry-run"],
    );
    let vc = root.join("var/cpanel");
    let from_vc = maillint(
        tmp.path(),
        &[s(&vc), "--fix", "--unsafe-fixes", "--dry-run"],
    );
    assert_eq!(from_vc.code, 1, "{}", from_vc.stderr);
    assert!(from_vc.stdout.starts_with("--- a/etc/localdomains\n"));
    assert_eq!(from_vc.stdout, from_root.stdout);
    fixes_from(tmp.path(), s(&vc), &root);
}

#[test]
fn fix_from_var_cpanel_with_a_trailing_slash() {
    let (tmp, root) = exchange();
    fixes_from(tmp.path(), &format!("{}/var/cpanel/", s(&root)), &root);
}

#[test]
fn fix_from_a_relative_path() {
    let (tmp, root) = exchange();
    fixes_from(tmp.path(), "exchange", &root);
}

#[test]
fn fix_from_a_relative_var_cpanel() {
    let (tmp, root) = exchange();
    fixes_from(tmp.path(), "exchange/var/cpanel", &root);
}

#[test]
fn fix_from_the_root_with_a_trailing_slash() {
    let (tmp, root) = exchange();
    fixes_from(tmp.path(), &format!("{}/", s(&root)), &root);
}

/// The root's own path may go through a symlink (it is the user's choice); only the paths
/// below it are checked.
#[test]
fn fix_from_a_symlink_to_the_root() {
    let (tmp, root) = exchange();
    std::os::unix::fs::symlink(&root, tmp.path().join("link")).unwrap();
    fixes_from(tmp.path(), "link", &root);
}

#[test]
fn fix_from_dot_inside_the_root() {
    let (_tmp, root) = exchange();
    fixes_from(&root, ".", &root);
}

#[test]
fn fix_from_var_cpanel_as_dot_inside_it() {
    let (_tmp, root) = exchange();
    fixes_from(&root.join("var/cpanel"), ".", &root);
}

/// testdata/exchange's account bob as an unpacked account backup, without example.com's DMARC
/// record.
fn account_backup(dest: &Path) {
    let src = common::testdata_dir().join("exchange");
    fs::create_dir_all(dest.join("cp")).unwrap();
    fs::copy(src.join("var/cpanel/users/bob"), dest.join("cp/bob")).unwrap();
    common::copy_tree(&src.join("var/cpanel/userdata/bob"), &dest.join("userdata"));
    common::copy_tree(&src.join("var/named"), &dest.join("dnszones"));
    common::copy_tree(&src.join("etc/valiases"), &dest.join("va"));
    let zone = dest.join("dnszones/example.com.db");
    let text = fs::read_to_string(&zone).unwrap();
    let without: String = text
        .lines()
        .filter(|l| !l.starts_with("_dmarc"))
        .map(|l| format!("{l}\n"))
        .collect();
    fs::write(&zone, without).unwrap();
}

/// An account backup directory is fixed in place (its own files: cp/USER, dnszones/, va/…,
/// never homedir/); its originals must be kept outside it (`--backup-dir`), since a backup
/// directory inside would change the account backup. Restoring such a backup names the tree.
#[test]
fn fix_of_an_account_backup_directory() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("cpmove-bob");
    account_backup(&dir);
    let before = state(&dir);
    let r = maillint(tmp.path(), &["cpmove-bob", "--fix"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("is inside the account backup")
            && r.stderr.contains("pass --backup-dir DIR"),
        "{}",
        r.stderr
    );
    assert_same(&state(&dir), &before, "a refused --fix changed the backup");

    // The dry-run diff, applied with patch, gives what --fix writes.
    let patched = tmp.path().join("patched");
    common::copy_tree(&dir, &patched);
    let diff = maillint(tmp.path(), &["cpmove-bob", "--fix", "--dry-run"]);
    assert_eq!(diff.code, 1, "{}", diff.stderr);
    assert!(diff.stdout.starts_with("--- a/dnszones/example.com.db\n"));
    let p = common::apply_patch(Path::new("patch"), &patched, diff.stdout.as_bytes());
    assert!(p.status.success(), "{p:?}");

    let backups = tmp.path().join("backups");
    let r = maillint(
        tmp.path(),
        &["cpmove-bob", "--fix", "--backup-dir", s(&backups)],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr
            .contains("fixed: dnszones/example.com.db:1:1: DMARC001"),
        "{}",
        r.stderr
    );
    let zone = read(&dir, "dnszones/example.com.db");
    assert!(zone.contains(DMARC_LINE), "{zone}");
    assert!(zone.contains("\t2026112301 ;Serial Number"), "{zone}");
    assert_same(&state(&patched), &state(&dir), "patch and --fix differ");

    // Restore: the backup lies outside the tree, so the tree must be named.
    let b = only_entry(&backups);
    let r = maillint(tmp.path(), &["restore", s(&b)]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("cannot tell which tree") && r.stderr.contains("--root"),
        "{}",
        r.stderr
    );
    let r = maillint(tmp.path(), &["restore", s(&b), "--root", "cpmove-bob"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_same(
        &state(&dir),
        &before,
        "restore did not give the backup back",
    );
}

/// An archive is read in place: the diff is shown, nothing is written.
#[test]
fn an_archive_is_diff_only() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("src/cpmove-bob");
    account_backup(&dir);
    let archive = tmp.path().join("cpmove-bob.tar.gz");
    let gz = flate2::write::GzEncoder::new(
        fs::File::create(&archive).unwrap(),
        flate2::Compression::fast(),
    );
    let mut tar = tar::Builder::new(gz);
    tar.append_dir_all("cpmove-bob", &dir).unwrap();
    tar.into_inner().unwrap().finish().unwrap();
    let bytes = fs::read(&archive).unwrap();
    let r = maillint(tmp.path(), &["cpmove-bob.tar.gz", "--fix", "--dry-run"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.starts_with("--- a/dnszones/example.com.db\n"));
    let r = maillint(tmp.path(), &["cpmove-bob.tar.gz", "--fix"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("cannot apply fixes inside an archive"),
        "{}",
        r.stderr
    );
    assert_eq!(fs::read(&archive).unwrap(), bytes);
}

// ---------------------------------------------------------------------------------------------
// 2. All or nothing

/// A rename that fails half-way: the files already replaced are put back, nothing is reported
/// fixed, the run fails (exit 2), no scratch file or lock is left and no backup claims a write.
#[test]
fn a_rename_failing_half_way_puts_every_file_back() {
    let (tmp, root) = exchange();
    let backups = TempDir::new().unwrap();
    let before = state(tmp.path());
    for step in ["1", "2", "3", "4"] {
        let mut c = cmd(tmp.path());
        c.env("MAILLINT_TEST_FAIL", format!("commit:{step}")).args([
            s(&root),
            "--fix",
            "--unsafe-fixes",
            "--backup-dir",
            s(backups.path()),
        ]);
        let r = run(c);
        assert_eq!(r.code, 2, "commit:{step}: {}{}", r.stdout, r.stderr);
        assert!(!r.stderr.contains("fixed:"), "{}", r.stderr);
        assert!(
            r.stderr
                .contains("not applied: etc/localdomains:3:1: RT001 example.org is delivered"),
            "{}",
            r.stderr
        );
        assert!(
            r.stderr
                .contains("every file already replaced was put back as it was"),
            "{}",
            r.stderr
        );
        assert_same(
            &state(tmp.path()),
            &before,
            "a failed commit changed the tree",
        );
        assert_eq!(fs::read_dir(backups.path()).unwrap().count(), 0);
    }
}

/// A file whose new content cannot be written: the fix touching it is left out whole; an
/// independent fix still applies.
#[test]
fn a_write_failure_leaves_its_fix_out_whole_and_others_apply() {
    let (tmp, root) = exchange_with_dmarc001();
    let backups = TempDir::new().unwrap();
    let mut c = cmd(tmp.path());
    c.env("MAILLINT_TEST_FAIL", "write:var/cpanel/users/bob")
        .args([
            s(&root),
            "--fix",
            "--unsafe-fixes",
            "--backup-dir",
            s(backups.path()),
        ]);
    let r = run(c);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr
            .contains("fixed: var/named/example.com.db:1:1: DMARC001"),
        "{}",
        r.stderr
    );
    assert!(
        !r.stderr.contains("fixed: etc/localdomains"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains(
            "RT001 example.org is delivered locally, but its MX points to \
             example-org.mail.protection.outlook.com: mail sent from this server to example.org \
             never leaves it: var/cpanel/users/bob: cannot write its new content: No space left \
             on device"
        ),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("not applied: etc/localdomains:3:1: RT001")
    );
    assert!(
        r.stderr
            .contains("Applied 1 fix (1 file written, 1 not applied)."),
        "{}",
        r.stderr
    );
    assert_rt001_not_applied(&root);
    assert!(read(&root, "var/named/example.com.db").contains(DMARC_LINE));
    no_leftovers(&root.join("etc"));
    no_leftovers(&root.join("var"));
}

struct Mount(PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// A real full disk: var/cpanel/users on a tiny tmpfs filled to the last page.
#[test]
fn a_full_disk_leaves_its_fix_out_whole_and_others_apply() {
    if !is_root() {
        return skipped("mounting a tmpfs");
    }
    let (tmp, root) = exchange_with_dmarc001();
    let users = root.join("var/cpanel/users");
    let bob = fs::read(users.join("bob")).unwrap();
    fs::remove_file(users.join("bob")).unwrap();
    let status = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs"])
        .arg(&users)
        .status()
        .unwrap();
    assert!(status.success(), "root cannot mount a tmpfs here");
    let _mount = Mount(users.clone());
    fs::write(users.join("bob"), &bob).unwrap();
    let mut filler = fs::File::create(root.join("var/cpanel/users/.filler")).unwrap();
    while filler.write_all(&[0u8; 4096]).is_ok() {}
    let _ = filler.sync_all();
    let backups = TempDir::new().unwrap();
    let r = maillint(
        tmp.path(),
        &[
            s(&root),
            "--fix",
            "--unsafe-fixes",
            "--backup-dir",
            s(backups.path()),
        ],
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr
            .contains("fixed: var/named/example.com.db:1:1: DMARC001"),
        "{}",
        r.stderr
    );
    let line = r
        .stderr
        .lines()
        .find(|l| l.starts_with("not applied: etc/localdomains:3:1: RT001"))
        .unwrap_or_else(|| panic!("{}", r.stderr));
    assert!(
        line.contains("var/cpanel/users/bob: ") && line.contains("No space left on device"),
        "{line}"
    );
    assert_rt001_not_applied(&root);
    assert!(read(&root, "var/named/example.com.db").contains(DMARC_LINE));
    let names: Vec<String> = fs::read_dir(&users)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(
        names.len(),
        2,
        "left behind in the full directory: {names:?}"
    );
}

struct Immutable(PathBuf);

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = Command::new("chattr").arg("-i").arg(&self.0).status();
    }
}

#[test]
fn an_immutable_file_leaves_its_fix_out_whole_and_others_apply() {
    if !is_root() {
        return skipped("chattr +i");
    }
    let (tmp, root) = exchange_with_dmarc001();
    let bob = root.join("var/cpanel/users/bob");
    let status = Command::new("chattr").arg("+i").arg(&bob).status().unwrap();
    assert!(status.success(), "root cannot chattr +i here");
    let _guard = Immutable(bob);
    let want = "not applied: etc/localdomains:3:1: RT001 example.org is delivered locally, but \
                its MX points to example-org.mail.protection.outlook.com: mail sent from this \
                server to example.org never leaves it: var/cpanel/users/bob: it is immutable \
                (chattr +i)";
    // The dry run leaves it out too, and says so.
    let r = maillint(
        tmp.path(),
        &[s(&root), "--fix", "--unsafe-fixes", "--dry-run"],
    );
    assert!(
        r.stdout.starts_with("--- a/var/named/example.com.db\n"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("localdomains"), "{}", r.stdout);
    assert!(r.stderr.contains(want), "{}", r.stderr);
    let backups = TempDir::new().unwrap();
    let r = maillint(
        tmp.path(),
        &[
            s(&root),
            "--fix",
            "--unsafe-fixes",
            "--backup-dir",
            s(backups.path()),
        ],
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains(want), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("fixed: var/named/example.com.db:1:1: DMARC001"),
        "{}",
        r.stderr
    );
    assert_rt001_not_applied(&root);
    assert!(read(&root, "var/named/example.com.db").contains(DMARC_LINE));
}

// ---------------------------------------------------------------------------------------------
// 3. cPanel's locks

fn hold_dotlock(file: &Path, pid: u32) -> PathBuf {
    let mut name = file.file_name().unwrap().to_os_string();
    name.push(".lock");
    let lock = file.with_file_name(name);
    fs::write(&lock, format!("{pid}\ncpsrvd - test\n")).unwrap();
    lock
}

/// Waits until maillint is waiting for the lock of `file` (its uniquely named lock file appears
/// next to it).
fn wait_for_waiter(file: &Path) {
    let prefix = format!("{}.lock-", file.file_name().unwrap().to_string_lossy());
    let dir = file.parent().unwrap();
    let t0 = Instant::now();
    loop {
        let waiting = fs::read_dir(dir).unwrap().any(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with(&prefix)
        });
        if waiting {
            return;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "maillint never waited for the lock of {}",
            file.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn spawn_fix(
    tmp: &Path,
    root: &Path,
    backups: &Path,
    timeout: &str,
) -> (std::process::Child, Instant) {
    let mut c = cmd(tmp);
    c.args([
        s(root),
        "--fix",
        "--unsafe-fixes",
        "--backup-dir",
        s(backups),
        "--lock-timeout",
        timeout,
    ]);
    (c.spawn().unwrap(), Instant::now())
}

/// cPanel (here: this test process, alive) holds etc/localdomains.lock and the flock: maillint
/// waits its bound, never breaks the lock, leaves RT001 out and applies the independent fix.
#[test]
fn a_lock_held_by_a_live_process_is_waited_for_then_its_fix_is_not_applied() {
    let (tmp, root) = exchange_with_dmarc001();
    let local = root.join("etc/localdomains");
    let lock = hold_dotlock(&local, std::process::id());
    let held = fs::File::open(&local).unwrap();
    rustix::fs::flock(&held, rustix::fs::FlockOperation::LockExclusive).unwrap();
    let backups = TempDir::new().unwrap();
    let r = maillint(
        tmp.path(),
        &[
            s(&root),
            "--fix",
            "--unsafe-fixes",
            "--backup-dir",
            s(backups.path()),
            "--lock-timeout",
            "1",
        ],
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.elapsed >= Duration::from_secs(1), "{:?}", r.elapsed);
    assert!(r.elapsed < Duration::from_secs(20), "{:?}", r.elapsed);
    assert!(
        r.stderr.contains(&format!(
            "never leaves it: etc/localdomains: cPanel holds the lock etc/localdomains.lock (pid {})",
            std::process::id()
        )),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("fixed: var/named/example.com.db:1:1: DMARC001")
    );
    assert_rt001_not_applied(&root);
    assert_eq!(
        fs::read_to_string(&lock).unwrap(),
        format!("{}\ncpsrvd - test\n", std::process::id()),
        "the lock was broken"
    );
    fs::remove_file(&lock).unwrap();
    no_leftovers(&root.join("etc"));
}

/// A file the fix creates is locked too: cPanel creating etc/remotedomains at the same moment
/// holds its lock.
#[test]
fn the_lock_of_a_file_the_fix_creates_is_respected() {
    let (tmp, root) = exchange();
    let remote = root.join("etc/remotedomains");
    fs::remove_file(&remote).unwrap();
    let lock = hold_dotlock(&remote, std::process::id());
    let backups = TempDir::new().unwrap();
    let r = maillint(
        tmp.path(),
        &[
            s(&root),
            "--fix",
            "--unsafe-fixes",
            "--backup-dir",
            s(backups.path()),
            "--lock-timeout",
            "0.3",
        ],
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "never leaves it: etc/remotedomains: cPanel holds the lock etc/remotedomains.lock (pid {})",
            std::process::id()
        )),
        "{}",
        r.stderr
    );
    assert!(!remote.exists());
    assert_eq!(read(&root, "etc/localdomains"), LOCAL_BEFORE);
    fs::remove_file(&lock).unwrap();
    no_leftovers(&root.join("etc"));
}

/// A writer that takes only the flock (as unprivileged writers of etc/valiases do).
#[test]
fn a_flock_held_without_the_dotlock_is_waited_for_too() {
    let (tmp, root) = exchange();
    let bob = root.join("var/cpanel/users/bob");
    let held = fs::File::open(&bob).unwrap();
    rustix::fs::flock(&held, rustix::fs::FlockOperation::LockExclusive).unwrap();
    let backups = TempDir::new().unwrap();
    let r = maillint(
        tmp.path(),
        &[
            s(&root),
            "--fix",
            "--unsafe-fixes",
            "--backup-dir",
            s(backups.path()),
            "--lock-timeout",
            "0.5",
        ],
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr
            .contains("var/cpanel/users/bob: another process holds a lock (flock) on it"),
        "{}",
        r.stderr
    );
    assert_rt001_not_applied(&root);
    no_leftovers(&root.join("etc"));
    no_leftovers(&root.join("var"));
}

#[test]
fn a_lock_released_during_the_wait_lets_the_fix_apply() {
    let (tmp, root) = exchange();
    let local = root.join("etc/localdomains");
    let lock = hold_dotlock(&local, std::process::id());
    let backups = TempDir::new().unwrap();
    let (child, t0) = spawn_fix(tmp.path(), &root, backups.path(), "30");
    wait_for_waiter(&local);
    std::thread::sleep(Duration::from_millis(300));
    fs::remove_file(&lock).unwrap();
    let r = finish(child, t0);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("fixed: etc/localdomains:3:1: RT001"),
        "{}",
        r.stderr
    );
    assert_rt001_applied(&root);
    no_leftovers(&root.join("etc"));
    no_leftovers(&root.join("var/cpanel"));
}

#[test]
fn a_stale_lock_of_a_dead_process_is_replaced() {
    let (tmp, root) = exchange();
    let mut child = Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    hold_dotlock(&root.join("etc/localdomains"), dead);
    hold_dotlock(&root.join("var/cpanel/users/bob"), dead);
    let backups = TempDir::new().unwrap();
    let r = maillint(
        tmp.path(),
        &[
            s(&root),
            "--fix",
            "--unsafe-fixes",
            "--backup-dir",
            s(backups.path()),
            "--lock-timeout",
            "1",
        ],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("fixed: etc/localdomains:3:1: RT001"),
        "{}",
        r.stderr
    );
    assert_rt001_applied(&root);
    no_leftovers(&root.join("etc"));
    no_leftovers(&root.join("var/cpanel"));
}

/// cPanel appends a domain to etc/localdomains under its lock while maillint waits for it
/// (after maillint linted the file): the line is kept, RT001 is not applied.
#[test]
fn an_append_made_under_cpanels_lock_during_the_run_is_not_clobbered() {
    let (tmp, root) = exchange();
    let local = root.join("etc/localdomains");
    let lock = hold_dotlock(&local, std::process::id());
    let backups = TempDir::new().unwrap();
    let (child, t0) = spawn_fix(tmp.path(), &root, backups.path(), "30");
    wait_for_waiter(&local);
    fs::OpenOptions::new()
        .append(true)
        .open(&local)
        .unwrap()
        .write_all(b"new.example\n")
        .unwrap();
    fs::remove_file(&lock).unwrap();
    let r = finish(child, t0);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr
            .contains("never leaves it: etc/localdomains: it changed since maillint read it"),
        "{}",
        r.stderr
    );
    assert_eq!(
        read(&root, "etc/localdomains"),
        format!("{LOCAL_BEFORE}new.example\n")
    );
    assert_eq!(read(&root, "etc/remotedomains"), "");
    assert!(root.join("var/cpanel/users.cache/bob").exists());
    no_leftovers(&root.join("etc"));
}

/// A writer that takes no lock appends to etc/localdomains after maillint locked and checked
/// it (maillint is still waiting for etc/remotedomains): the check made under the locks
/// immediately before the renames sees it.
#[test]
fn an_append_without_the_lock_between_check_and_rename_is_not_clobbered() {
    let (tmp, root) = exchange();
    let remote = root.join("etc/remotedomains");
    let lock = hold_dotlock(&remote, std::process::id());
    let backups = TempDir::new().unwrap();
    let (child, t0) = spawn_fix(tmp.path(), &root, backups.path(), "30");
    wait_for_waiter(&remote);
    // maillint holds etc/localdomains (sorted before etc/remotedomains) by now.
    assert!(root.join("etc/localdomains.lock").exists());
    fs::OpenOptions::new()
        .append(true)
        .open(root.join("etc/localdomains"))
        .unwrap()
        .write_all(b"new.example\n")
        .unwrap();
    fs::remove_file(&lock).unwrap();
    let r = finish(child, t0);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr
            .contains("never leaves it: etc/localdomains: it changed since maillint read it"),
        "{}",
        r.stderr
    );
    assert_eq!(
        read(&root, "etc/localdomains"),
        format!("{LOCAL_BEFORE}new.example\n")
    );
    assert_eq!(read(&root, "etc/remotedomains"), "");
    no_leftovers(&root.join("etc"));
}

// ---------------------------------------------------------------------------------------------
// 4. Extended attributes and ACLs

fn tool_output(tool: &Path, args: &[&str], file: &Path) -> String {
    let out = Command::new(tool).args(args).arg(file).output().unwrap();
    assert!(out.status.success(), "{tool:?} {args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn extended_attributes_and_acls_survive_a_fix_and_a_restore() {
    let (Some(setfattr), Some(getfattr), Some(setfacl), Some(getfacl)) = (
        common::tool("setfattr", "attr"),
        common::tool("getfattr", "attr"),
        common::tool("setfacl", "acl"),
        common::tool("getfacl", "acl"),
    ) else {
        return;
    };
    let (tmp, root) = exchange();
    let files = ["etc/localdomains", "var/cpanel/users/bob"];
    for rel in files {
        let p = root.join(rel);
        let ok = |c: &mut Command| assert!(c.status().unwrap().success(), "{c:?}");
        ok(Command::new(&setfattr)
            .args(["-n", "user.maillint.test", "-v", &format!("kept {rel}")])
            .arg(&p));
        if is_root() {
            ok(Command::new(&setfattr)
                .args(["-n", "trusted.maillint", "-v", "0x00ff10"])
                .arg(&p));
        }
        ok(Command::new(&setfacl)
            .args(["-m", "u:65534:r,g:8:rw"])
            .arg(&p));
    }
    let snapshot = |root: &Path| -> Vec<(String, String)> {
        files
            .iter()
            .map(|rel| {
                let p = root.join(rel);
                (
                    tool_output(&getfattr, &["-d", "-m", "-", "--absolute-names"], &p),
                    tool_output(&getfacl, &["-n", "--absolute-names"], &p),
                )
            })
            .collect()
    };
    let before = snapshot(&root);
    assert!(
        before[0]
            .0
            .contains("user.maillint.test=\"kept etc/localdomains\"")
    );
    assert!(before[0].0.contains("system.posix_acl_access"));
    assert!(before[0].1.contains("user:65534:r--"));
    let r = maillint(tmp.path(), &[s(&root), "--fix", "--unsafe-fixes"]);
    assert!(
        r.stderr.contains("fixed: etc/localdomains:3:1: RT001"),
        "{}",
        r.stderr
    );
    assert_rt001_applied(&root);
    let after = snapshot(&root);
    assert_eq!(after, before, "attributes or ACLs lost by --fix");

    let backup = only_entry(&root.join("var/lib/maillint/backup"));
    let r = maillint(tmp.path(), &["restore", s(&backup)]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_rt001_not_applied(&root);
    assert_eq!(
        snapshot(&root),
        before,
        "attributes or ACLs lost by restore"
    );
}

// ---------------------------------------------------------------------------------------------
// 5. SOA serial at the end of the range

#[test]
fn a_zone_at_serial_4294967295_is_bumped_to_1_which_bind_loads() {
    let Some(checkzone) = common::tool("named-checkzone", "bind9-utils") else {
        return;
    };
    let (tmp, root) = exchange_with_dmarc001();
    let zone = root.join("var/named/example.com.db");
    let text = read(&root, "var/named/example.com.db").replace("2026110101", "4294967295");
    fs::write(&zone, text).unwrap();
    let check = |p: &Path| {
        Command::new(&checkzone)
            .args(["-q", "example.com"])
            .arg(p)
            .status()
            .unwrap()
            .success()
    };
    assert!(check(&zone), "the test zone does not load");
    let r = maillint(tmp.path(), &[s(&root), "--fix", "--select", "DMARC001"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let fixed = read(&root, "var/named/example.com.db");
    assert!(fixed.contains("\t\t\t\t\t\t1 ;Serial Number\n"), "{fixed}");
    assert!(fixed.contains(DMARC_LINE));
    assert!(
        check(&zone),
        "named-checkzone refuses the fixed zone:\n{fixed}"
    );
}

// ---------------------------------------------------------------------------------------------
// 6. Lists without a final newline

/// The dry-run diff applied with patch gives what --fix writes, and both end with one line per
/// entry.
fn patch_equals_fix(prepare: impl Fn(&Path), extra: &[&str], want: &[(&str, String)]) {
    let (tmp_a, a) = exchange();
    let (tmp_b, b) = exchange();
    prepare(&a);
    prepare(&b);
    let mut args = vec![s(&a), "--fix", "--unsafe-fixes", "--dry-run"];
    args.extend(extra);
    let diff = maillint(tmp_a.path(), &args);
    assert_eq!(diff.code, 1, "{}", diff.stderr);
    let p = common::apply_patch(Path::new("patch"), &a, diff.stdout.as_bytes());
    assert!(p.status.success(), "{p:?}\n{}", diff.stdout);
    let backups = TempDir::new().unwrap();
    let mut args = vec![
        s(&b),
        "--fix",
        "--unsafe-fixes",
        "--backup-dir",
        s(backups.path()),
    ];
    args.extend(extra);
    let r = maillint(tmp_b.path(), &args);
    assert!(r.code <= 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("fixed:"), "{}", r.stderr);
    for (rel, text) in want {
        assert_eq!(read(&b, rel), *text, "{rel}\n{}", diff.stdout);
    }
    assert_same(&state(&a), &state(&b), "patch and --fix differ");
}

#[test]
fn remotedomains_without_a_final_newline_gets_one_line_per_entry() {
    patch_equals_fix(
        |root| fs::write(root.join("etc/remotedomains"), "org.example.com").unwrap(),
        &["--select", "RT001"],
        &[(
            "etc/remotedomains",
            "org.example.com\nexample.org\n".to_string(),
        )],
    );
}

/// etc/localdomains lacking both the host name and a final newline after example.org: RT001
/// deletes that last line while RT009 appends the host name, in the same pass.
#[test]
fn localdomains_without_a_final_newline_gets_one_line_per_entry() {
    patch_equals_fix(
        |root| {
            fs::write(
                root.join("etc/localdomains"),
                "example.com\nshop.example.com\norg.example.com\nexample.org",
            )
            .unwrap()
        },
        &[],
        &[
            (
                "etc/localdomains",
                "example.com\nshop.example.com\norg.example.com\nserver.example.net\n".into(),
            ),
            ("etc/remotedomains", "example.org\n".into()),
        ],
    );
}

/// A zone whose last line (an apex record) has no newline: the new record goes on a line of
/// its own.
#[test]
fn a_zone_without_a_final_newline_gets_its_record_on_a_new_line() {
    let text = fs::read_to_string(common::testdata_dir().join("exchange/var/named/example.com.db"))
        .unwrap();
    let kept: Vec<&str> = text.lines().filter(|l| !l.starts_with("_dmarc")).collect();
    let unterminated = kept.join("\n");
    let want = format!(
        "{}\n{DMARC_LINE}",
        unterminated.replace("2026110101", "2026112301")
    );
    patch_equals_fix(
        |root| fs::write(root.join("var/named/example.com.db"), &unterminated).unwrap(),
        &["--select", "DMARC001"],
        &[("var/named/example.com.db", want.clone())],
    );
}

// ---------------------------------------------------------------------------------------------
// 7. Restore and backup directories

/// A tree fixed, then copied: restoring the copy's backup restores the copy, never the tree
/// the backup was made in.
#[test]
fn restore_restores_into_the_tree_the_backup_lies_in() {
    let (tmp, a) = exchange();
    let r = maillint(tmp.path(), &[s(&a), "--fix", "--unsafe-fixes"]);
    assert!(
        r.stderr.contains("fixed: etc/localdomains:3:1: RT001"),
        "{}",
        r.stderr
    );
    let b = tmp.path().join("copy");
    common::copy_tree(&a, &b);
    let fixed_a = state(&a);
    let backup = only_entry(&b.join("var/lib/maillint/backup"));

    // First what it will do; --dry-run stops there.
    let r = maillint(tmp.path(), &["restore", s(&backup), "--dry-run"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let canonical_b = fs::canonicalize(&b).unwrap();
    assert_eq!(
        r.stdout,
        format!(
            "Restoring {} into {}:\n  (the backup was made for {}; it is restored into {})\n  \
             put back: etc/localdomains\n  put back: etc/remotedomains\n  put back (maillint \
             removed it): var/cpanel/users.cache/bob\n  put back: var/cpanel/users/bob\n\
             Nothing changed (--dry-run).\n",
            backup.display(),
            canonical_b.display(),
            fs::canonicalize(&a).unwrap().display(),
            canonical_b.display(),
        )
    );
    assert_rt001_applied(&b);

    let r = maillint(tmp.path(), &["restore", s(&backup)]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let plan_end = r
        .stdout
        .find("\nrestored ")
        .expect("results after the plan");
    assert!(r.stdout[..plan_end].contains("  put back: etc/localdomains\n"));
    assert!(r.stdout.contains("restored etc/localdomains\n"));
    assert!(r.stdout.contains("restored etc/remotedomains\n"));
    assert_rt001_not_applied(&b);
    assert_eq!(read(&b, "etc/remotedomains"), "", "an emptied list stays");
    assert_same(
        &state(&a),
        &fixed_a,
        "restoring the copy changed the original tree",
    );

    // --root naming another tree than the one the backup lies in is refused.
    let r = maillint(tmp.path(), &["restore", s(&backup), "--root", s(&a)]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("but --root names"), "{}", r.stderr);
}

/// A file the fix created is removed by restore.
#[test]
fn restore_removes_a_file_the_fix_created() {
    let (tmp, root) = exchange();
    fs::remove_file(root.join("etc/remotedomains")).unwrap();
    let r = maillint(tmp.path(), &[s(&root), "--fix", "--unsafe-fixes"]);
    assert!(
        r.stderr.contains("fixed: etc/localdomains:3:1: RT001"),
        "{}",
        r.stderr
    );
    assert_eq!(read(&root, "etc/remotedomains"), "example.org\n");
    let backup = only_entry(&root.join("var/lib/maillint/backup"));
    let r = maillint(tmp.path(), &["restore", s(&backup)]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("  remove (maillint created it): etc/remotedomains\n"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("removed etc/remotedomains (maillint had created it)\n")
    );
    assert!(!root.join("etc/remotedomains").exists());
}

/// One file changed after the fix: nothing is restored (a backup is restored whole), and the
/// plan says which file and why.
#[test]
fn restore_is_all_or_nothing() {
    let (tmp, root) = exchange();
    let r = maillint(tmp.path(), &[s(&root), "--fix", "--unsafe-fixes"]);
    assert!(r.stderr.contains("fixed:"), "{}", r.stderr);
    fs::write(root.join("etc/remotedomains"), "example.org\nnew.example\n").unwrap();
    let fixed = state(&root);
    let backup = only_entry(&root.join("var/lib/maillint/backup"));
    let r = maillint(tmp.path(), &["restore", s(&backup)]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("  put back: etc/remotedomains: cannot: it changed after maillint wrote it"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("Nothing restored"), "{}", r.stdout);
    assert_same(&state(&root), &fixed, "a refused restore changed the tree");
}

#[test]
fn a_backup_outside_every_tree_needs_root_to_restore() {
    let (tmp, root) = exchange();
    let backups = tmp.path().join("elsewhere");
    let r = maillint(
        tmp.path(),
        &[
            s(&root),
            "--fix",
            "--unsafe-fixes",
            "--backup-dir",
            s(&backups),
        ],
    );
    assert!(r.stderr.contains("fixed:"), "{}", r.stderr);
    let backup = only_entry(&backups);
    let r = maillint(tmp.path(), &["restore", s(&backup)]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "cannot tell which tree {} belongs to",
            backup.display()
        )),
        "{}",
        r.stderr
    );
    assert_rt001_applied(&root);
    let r = maillint(tmp.path(), &["restore", s(&backup), "--root", s(&root)]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_rt001_not_applied(&root);
}

/// `--backup-dir` inside an account home, a directory cPanel or Exim reads, an account backup,
/// or through a symlink: refused before anything is written.
#[test]
fn backup_dirs_where_cpanel_or_exim_look_are_refused() {
    let (tmp, root) = exchange();
    let elsewhere = tmp.path().join("cpmove-alice");
    fs::create_dir_all(elsewhere.join("cp")).unwrap();
    fs::create_dir_all(elsewhere.join("userdata")).unwrap();
    fs::create_dir_all(tmp.path().join("real")).unwrap();
    std::os::unix::fs::symlink(tmp.path().join("real"), tmp.path().join("link")).unwrap();
    let before = state(tmp.path());
    let cases: [(PathBuf, &str); 9] = [
        (
            root.join("home/bob/backups"),
            "inside the account home home/bob",
        ),
        (root.join("etc/valiases/bk"), "inside etc,"),
        (root.join("etc/vdomainaliases"), "inside etc,"),
        (root.join("var/named/bk"), "inside var/named,"),
        (root.join("var/cpanel/users/bk"), "inside var/cpanel,"),
        (root.join("var/cpanel/userdata/bk"), "inside var/cpanel,"),
        (root.join("var/cpanel/domain_keys"), "inside var/cpanel,"),
        (elsewhere.join("bk"), "inside the account backup"),
        (tmp.path().join("link/bk"), "is a symlink"),
    ];
    for (dir, want) in cases {
        let r = maillint(
            tmp.path(),
            &[s(&root), "--fix", "--unsafe-fixes", "--backup-dir", s(&dir)],
        );
        assert_eq!(r.code, 2, "{}: {}{}", dir.display(), r.stdout, r.stderr);
        assert!(
            r.stderr.contains(want) && r.stderr.contains("--backup-dir"),
            "{}: {}",
            dir.display(),
            r.stderr
        );
        assert!(!r.stderr.contains("fixed:"));
        assert_same(&state(tmp.path()), &before, "a refused --backup-dir wrote");
    }
    // Outside all of them it works.
    let r = maillint(
        tmp.path(),
        &[
            s(&root),
            "--fix",
            "--unsafe-fixes",
            "--backup-dir",
            s(&tmp.path().join("real/bk")),
        ],
    );
    assert!(r.stderr.contains("fixed:"), "{}", r.stderr);
}

/// A list the fix creates is written as cPanel writes it: root:mail (the tree's own `mail`
/// group), 0644 for etc/remotedomains, so Exim in the mail group can read the lists.
#[test]
fn a_created_list_is_owned_by_the_mail_group() {
    if !is_root() {
        skipped("chown to the mail group needs root");
        return;
    }
    let (_tmp, root) = exchange();
    fs::remove_file(root.join("etc/remotedomains")).unwrap();
    fs::write(root.join("etc/group"), "root:x:0:\nmail:x:4242:\n").unwrap();
    let r = maillint(&root, &[".", "--fix", "--unsafe-fixes"]);
    assert!(matches!(r.code, 0 | 1), "{}", r.stderr);
    let meta = fs::metadata(root.join("etc/remotedomains")).unwrap();
    use std::os::unix::fs::MetadataExt;
    assert_eq!(meta.gid(), 4242, "{}", r.stderr);
    assert_eq!(meta.mode() & 0o7777, 0o644);
    assert_eq!(read(&root, "etc/remotedomains"), "example.org\n");
}
