//! Mailboxes: the MBX rules on `testdata/mail` (every case and its near-misses, snapshots), the
//! sizes the model computes, big sparse mailboxes, hostile mail trees (symlinked messages and
//! mailboxes, FIFOs, 100,000 entries, floods of symlinks), account backups, the progress bar, and
//! proof that a run without a mailbox rule does not walk mailboxes.
//!
//! Big sizes come from `,S=` names in the committed tree and from sparse files (`File::set_len`)
//! made in temporary directories; nothing here writes gigabytes.

mod common;

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use common::{findings, testdata_dir};
use maillint::model::mail::{Format, Listing, Progress, ProgressHook, Scan};
use maillint::model::{Needs, Options, Server};
use rustix::fs::{CWD, FileType, Mode};
use serde_json::Value;
use tempfile::TempDir;

const MANIFEST: &str = env!("CARGO_MANIFEST_DIR");
/// Long enough for a debug build on a loaded machine, short enough to catch a hang.
const TIMEOUT: Duration = Duration::from_secs(60);
/// Content of files outside the root. It must never be printed or counted.
const MARKER: &str = "OUTSIDE-THE-MAILBOX-5c1e";

// ---------------------------------------------------------------------------------------------
// Helpers

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs maillint with a timeout; fails on a hang, a crash or exit code 2.
fn run(root: &Path, args: &[&str]) -> Run {
    let start = Instant::now();
    let out = Command::cargo_bin("maillint")
        .unwrap()
        .current_dir(MANIFEST)
        .env("NO_COLOR", "1")
        .env("MAILLINT_NOW", "1795392000")
        .env_remove("CLICOLOR_FORCE")
        .arg(root)
        .args(args)
        .timeout(TIMEOUT)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let Some(code) = out.status.code() else {
        panic!(
            "maillint {args:?} did not finish within {TIMEOUT:?} ({:?}); stderr:\n{stderr}",
            start.elapsed()
        );
    };
    assert!(code == 0 || code == 1, "exit {code}; stderr:\n{stderr}");
    assert!(!stdout.contains(MARKER) && !stderr.contains(MARKER));
    Run {
        code,
        stdout,
        stderr,
    }
}

fn json(root: &Path, args: &[&str]) -> Value {
    let mut a = vec!["--format", "json"];
    a.extend_from_slice(args);
    let r = run(root, &a);
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", r.stdout))
}

fn list(doc: &Value) -> Vec<(String, String, String)> {
    findings(doc.to_string().as_bytes())
}

fn expected(list: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    list.iter()
        .map(|(c, d, l)| (c.to_string(), d.to_string(), l.to_string()))
        .collect()
}

/// The findings of one code, as `(file, message)`.
fn of(doc: &Value, code: &str) -> Vec<(String, String)> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == code)
        .map(|f| {
            (
                f["location"]["file"].as_str().unwrap_or("-").to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn mail_tree() -> PathBuf {
    testdata_dir().join("mail")
}

/// A copy of testdata/mail in a temporary directory, and a directory outside it.
struct Fixture {
    _tmp: TempDir,
    root: PathBuf,
    outside: PathBuf,
}

fn fixture_in(tmp: TempDir) -> Fixture {
    let root = tmp.path().join("server");
    common::copy_tree(&mail_tree(), &root);
    let outside = tmp.path().join("outside");
    fs::create_dir(&outside).unwrap();
    Fixture {
        _tmp: tmp,
        root,
        outside,
    }
}

fn fixture() -> Fixture {
    fixture_in(TempDir::new().unwrap())
}

/// On tmpfs when there is one: creating 100,000 entries on disk is what would be slow.
fn fixture_on_shm() -> Fixture {
    let shm = Path::new("/dev/shm");
    fixture_in(if shm.is_dir() {
        TempDir::new_in(shm).unwrap()
    } else {
        TempDir::new().unwrap()
    })
}

/// A sparse file of `size` bytes.
fn sparse(path: &Path, size: u64) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    let f = fs::File::create(path).unwrap();
    f.set_len(size).unwrap();
}

fn mkfifo(path: &Path) {
    rustix::fs::mkfifoat(CWD, path, Mode::from_raw_mode(0o644)).unwrap();
}

fn load(root: &Path, scan: Scan, progress: Option<ProgressHook>) -> Server {
    let mut opts = Options::default();
    let without = Needs::ALL.without(Needs::MAILBOXES);
    opts.needs = match scan {
        Scan::Usage => Needs::ALL,
        Scan::Layout => without.with(Needs::MAILBOX_LAYOUT),
        Scan::Off => without,
    };
    opts.progress = progress;
    maillint::model::load(Some(root), &opts, &maillint::fix::Overlay::default()).unwrap()
}

const DANA_COM: &str = "home/dana/mail/example.com";

// ---------------------------------------------------------------------------------------------
// testdata/mail

#[test]
fn mail_tree_has_every_mbx_case_and_no_near_miss() {
    // Relative to the manifest directory (the working directory of `run`), so that the root in
    // the JSON snapshot does not depend on where the repository is checked out.
    let out = run(Path::new("testdata/mail"), &["--format", "json"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr, "",
        "nothing on stderr when it is not a terminal"
    );
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        list(&doc),
        expected(&[
            (
                "MBX002",
                "example.com",
                "home/dana/etc/example.com/quota:2:6"
            ),
            (
                "MBX001",
                "example.com",
                "home/dana/etc/example.com/quota:3:1"
            ),
            (
                "MBX002",
                "example.com",
                "home/dana/etc/example.com/quota:4:8"
            ),
            (
                "MBX003",
                "example.com",
                "home/dana/etc/example.com/shadow:5:1"
            ),
            (
                "MBX004",
                "example.net",
                "home/dana/etc/example.net/quota:1:1"
            ),
            ("MBX001", "-", "home/dana/mail:1:1"),
            (
                "MBX003",
                "example.com",
                "home/dana/mail/example.com/ghost:1:1"
            ),
            (
                "MBX002",
                "example.com",
                "home/dana/mail/example.com/press/maildirsize:1:1"
            ),
        ])
    );
    let sev = |code: &str, file: &str| {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == code && f["location"]["file"] == file)
            .map(|f| f["severity"].as_str().unwrap().to_string())
            .unwrap()
    };
    // MBX002: error at 101 %, warning at 92 % and 95 %; MBX001 a warning for maildir.
    assert_eq!(sev("MBX002", "home/dana/etc/example.com/quota"), "error");
    assert_eq!(
        sev("MBX002", "home/dana/mail/example.com/press/maildirsize"),
        "warning"
    );
    assert_eq!(sev("MBX001", "home/dana/mail"), "warning");
    assert_eq!(sev("MBX004", "home/dana/etc/example.net/quota"), "info");
    let msgs: Vec<String> = of(&doc, "MBX002").into_iter().map(|(_, m)| m).collect();
    assert!(
        msgs[0].contains("full@example.com is over its quota: 505.4 MiB used of 500 MiB (101 %)")
    );
    assert!(msgs[1].contains("nearly@example.com is at 92 %"));
    assert!(msgs[2].contains("press@example.com is at 95 %"));
    // The default mailbox counts its own cur/ and new/, not the domain directories below it.
    let mbx001 = of(&doc, "MBX001");
    assert!(
        mbx001[1]
            .1
            .contains("default mailbox of account dana holds 114.4 MiB in 1 message"),
        "{mbx001:?}"
    );
    // Near-misses: a 5 GB .Archive folder with a small inbox (archive), 89 % of the quota
    // (sales), an unlimited quota over 100 MiB (info: MBX001 only), a remote domain without mail
    // accounts (gone.example), small mbox and mdbox mailboxes (legacy.example), and a
    // maildirsize limit below the quota file's (archive: the quota file wins).
    let text = out.stdout.as_str();
    for quiet in [
        "archive@example.com",
        "sales@example.com",
        "gone.example",
        "legacy.example",
    ] {
        assert!(!text.contains(quiet), "{quiet} must not be reported");
    }
    assert!(of(&doc, "MBX002").iter().all(|(_, m)| !m.contains("info@")));
    // The shadow file's text is never shown.
    let full = run(Path::new("testdata/mail"), &[]).stdout;
    assert!(!full.contains("notarealhash"), "shadow text shown:\n{full}");
    assert!(full.contains(
        "at home/dana/etc/example.com/shadow:5:1 (contents not shown: the file holds password hashes)"
    ));
    snapshot!("tree.mail.json", out.stdout);
    snapshot!("tree.mail.full", full);
}

#[test]
fn sizes_follow_the_format_of_each_mailbox() {
    let s = load(&mail_tree(), Scan::Usage, None);
    let dana = &s.accounts["dana"];
    let default = dana.default_mailbox.as_ref().unwrap();
    assert_eq!(default.path, "home/dana/mail");
    assert_eq!(default.format, Some(Format::Maildir));
    let u = default.usage.unwrap();
    assert_eq!((u.inbox.bytes, u.inbox.messages), (120_000_000, 1));
    assert_eq!(
        (u.total.bytes, u.total.messages, u.folders),
        (120_004_000, 2, 1)
    );
    let com = &dana.mail["example.com"];
    assert_eq!(com.mailbox_listing, Listing::Read);
    let archive = com.mailboxes["archive"].usage.unwrap();
    assert_eq!(archive.inbox.bytes, 2000);
    assert_eq!(archive.total.bytes, 5_000_002_000);
    let info = &com.mailboxes["info"];
    // cur/ + new/, .gitkeep files are not messages; the maildirsize is read and kept.
    assert_eq!(info.usage.unwrap().inbox.messages, 2);
    assert_eq!(info.usage.unwrap().inbox.bytes, 110_000_000);
    assert_eq!(info.maildirsize.as_ref().unwrap().doc.byte_limit(), None);
    assert!(
        s.files
            .get("home/dana/mail/example.com/info/maildirsize")
            .is_some()
    );
    let legacy = &s.accounts["erin"].mail["legacy.example"];
    let old = &legacy.mailboxes["old"];
    assert_eq!(old.format, Some(Format::Mbox));
    let inbox_len = fs::metadata(mail_tree().join("home/erin/mail/legacy.example/old/inbox"))
        .unwrap()
        .len();
    assert_eq!(old.usage.unwrap().inbox.bytes, inbox_len);
    let bx = &legacy.mailboxes["box"];
    assert_eq!(bx.format, Some(Format::Mdbox));
    assert_eq!(bx.usage.unwrap().inbox.bytes, 4096);
    assert_eq!(bx.usage.unwrap().total.bytes, 4096);
    // erin's default mailbox has none of cur/, storage/ or inbox.
    let erin = s.accounts["erin"].default_mailbox.as_ref().unwrap();
    assert_eq!(erin.format, Some(Format::Unrecognised));
    assert_eq!(erin.usage.unwrap().total.bytes, 0);
    assert!(s.skipped.is_empty(), "{:?}", s.skipped);
}

#[test]
fn scan_reads_only_what_is_asked() {
    let off = load(&mail_tree(), Scan::Off, None);
    for a in off.accounts.values() {
        assert!(a.default_mailbox.is_none());
        for m in a.mail.values() {
            assert!(m.mailboxes.is_empty());
            assert_eq!(m.mailbox_listing, Listing::NotRead);
        }
    }
    assert!(off.files.iter().all(|f| !f.path().ends_with("maildirsize")));
    let layout = load(&mail_tree(), Scan::Layout, None);
    let com = &layout.accounts["dana"].mail["example.com"];
    assert_eq!(
        com.mailboxes.keys().map(String::as_str).collect::<Vec<_>>(),
        [
            "archive", "full", "ghost", "info", "nearly", "press", "sales"
        ]
    );
    assert!(
        com.mailboxes
            .values()
            .all(|m| m.usage.is_none() && m.format.is_none())
    );
    assert!(layout.accounts["dana"].default_mailbox.is_none());
}

#[derive(Default)]
struct Counting {
    started: Mutex<Vec<u64>>,
    advanced: AtomicU64,
    finished: AtomicU64,
}

impl Progress for Counting {
    fn start(&self, mailboxes: u64) {
        self.started.lock().unwrap().push(mailboxes);
    }
    fn advance(&self, n: u64) {
        self.advanced.fetch_add(n, Ordering::SeqCst);
    }
    fn finish(&self) {
        self.finished.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn progress_counts_every_mailbox_once() {
    let c = std::sync::Arc::new(Counting::default());
    load(&mail_tree(), Scan::Usage, Some(ProgressHook(c.clone())));
    // 7 + 2 mailboxes of dana, 2 of erin, and the two default mailboxes.
    assert_eq!(*c.started.lock().unwrap(), [13]);
    assert_eq!(c.advanced.load(Ordering::SeqCst), 13);
    assert_eq!(c.finished.load(Ordering::SeqCst), 1);
    // No walk, no progress.
    let c = std::sync::Arc::new(Counting::default());
    load(&mail_tree(), Scan::Layout, Some(ProgressHook(c.clone())));
    assert!(c.started.lock().unwrap().is_empty());
}

/// The progress bar appears on a terminal (a pseudo-terminal made by `script`), never with
/// `--no-progress`, and never on a pipe (every other test here checks stderr on a pipe).
#[test]
fn progress_bar_only_on_a_terminal() {
    let bin = assert_cmd::cargo::cargo_bin("maillint");
    let on_tty = |extra: &str| {
        let cmd = format!(
            "NO_COLOR=1 {} {} --format concise {extra} >/dev/null",
            bin.display(),
            mail_tree().display()
        );
        // `timeout`: a run that deadlocks on its terminal fails here instead of hanging.
        let out = std::process::Command::new("timeout")
            .args(["60", "script", "-qec", &cmd, "/dev/null"])
            .stdin(std::process::Stdio::null())
            .output()
            .expect("`script` (util-linux) runs a command on a pseudo-terminal");
        // 1: the tree has findings; anything else (124: timed out) is a failure.
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{cmd}: {:?}",
            out.status
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let shown = on_tty("");
    assert!(shown.contains("sizing mailboxes"), "{shown:?}");
    let hidden = on_tty("--no-progress");
    assert!(!hidden.contains("sizing mailboxes"), "{hidden:?}");
    let no_mbx = on_tty("--select RT,CP");
    assert!(!no_mbx.contains("sizing mailboxes"), "{no_mbx:?}");
}

/// The examples of the rule pages are what maillint prints for testdata/mail.
#[test]
fn rule_pages_show_real_output() {
    let full = run(&mail_tree(), &[]).stdout;
    let printed: Vec<&str> = full.lines().map(str::trim).collect();
    for code in ["MBX001", "MBX002", "MBX003", "MBX004"] {
        let page =
            fs::read_to_string(Path::new(MANIFEST).join(format!("rules/{code}.md"))).unwrap();
        let mut checked = 0;
        for line in page.lines() {
            let t = line.trim();
            let is_output = ["error[", "warning[", "info[", "--> ", "= note:"]
                .iter()
                .any(|p| t.starts_with(p));
            if is_output {
                assert!(
                    printed.contains(&t),
                    "rules/{code}.md: `{t}` is not printed"
                );
                checked += 1;
            }
        }
        assert!(checked >= 2, "rules/{code}.md shows no output");
    }
}

// ---------------------------------------------------------------------------------------------
// Big mailboxes (sparse files)

#[test]
fn big_mbox_is_an_error_and_big_mdbox_a_warning() {
    let fx = fixture();
    let legacy = fx.root.join("home/erin/mail/legacy.example");
    sparse(&legacy.join("old/inbox"), 150 << 20);
    sparse(&legacy.join("box/storage/m.2"), 120 << 20);
    let doc = json(&fx.root, &["--domain", "legacy.example"]);
    assert_eq!(
        list(&doc),
        expected(&[
            (
                "MBX001",
                "legacy.example",
                "home/erin/etc/legacy.example/quota:1:1"
            ),
            (
                "MBX001",
                "legacy.example",
                "home/erin/etc/legacy.example/quota:2:1"
            ),
        ])
    );
    let f = &doc["findings"];
    assert_eq!(f[0]["severity"], "warning");
    assert!(
        f[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("the mdbox storage of box@legacy.example holds 120 MiB")
    );
    assert_eq!(f[1]["severity"], "error");
    assert!(
        f[1]["message"]
            .as_str()
            .unwrap()
            .starts_with("old@legacy.example keeps its inbox in a single mbox file of 150 MiB")
    );
    assert_eq!(f[1]["fix"]["applicability"], "display-only");
    assert!(f[1]["fix"]["edits"].as_array().unwrap().is_empty());
    let full = run(&fx.root, &["--domain", "legacy.example"]).stdout;
    snapshot!("tree.mail_big_mbox.full", full);
}

#[test]
fn pop_max_bytes_comes_from_maillint_toml() {
    let fx = fixture();
    fs::write(
        fx.root.join("etc/maillint.toml"),
        "[mailbox]\npop_max_bytes = 2000000000\n",
    )
    .unwrap();
    let doc = json(&fx.root, &["--select", "MBX001"]);
    assert!(list(&doc).is_empty(), "{doc}");
    fs::write(
        fx.root.join("etc/maillint.toml"),
        "[mailbox]\npop_max_bytes = 100\n",
    )
    .unwrap();
    let doc = json(
        &fx.root,
        &["--select", "MBX001", "--domain", "legacy.example"],
    );
    let msgs = of(&doc, "MBX001");
    assert_eq!(msgs.len(), 2, "{msgs:?}");
    assert!(
        msgs[1]
            .1
            .contains("more than the 100 bytes a POP3 mailbox should hold")
    );
}

// ---------------------------------------------------------------------------------------------
// Hostile mail trees

#[test]
fn nothing_behind_a_symlink_is_counted_and_each_is_reported() {
    let fx = fixture();
    let huge = fx.outside.join("huge");
    sparse(&huge, 50 << 30);
    let secret = fx.outside.join("secret");
    fs::write(&secret, format!("1S,0C\n{MARKER}\n")).unwrap();
    let info = fx.root.join(DANA_COM).join("info");
    // A message that is a symlink to a 50 GiB file, named to claim a size too.
    symlink(
        &huge,
        info.join("cur/1763000099.M99P99.host.example.net,S=53687091200:2,S"),
    )
    .unwrap();
    // A FIFO named like a message (a reader that opened it would block forever).
    mkfifo(&info.join("new/1763000098.M98P98.host.example.net,S=10"));
    // A symlinked maildirsize claiming a 1-byte quota.
    let sales = fx.root.join(DANA_COM).join("sales");
    fs::remove_file(sales.join("cur/.gitkeep")).unwrap();
    symlink(&secret, sales.join("maildirsize")).unwrap();
    // A folder that is a symlink to a directory full of big messages.
    let big_dir = fx.outside.join("folder");
    fs::create_dir_all(big_dir.join("cur")).unwrap();
    sparse(&big_dir.join("cur/1.M1P1.host,S=1"), 40 << 30);
    symlink(&big_dir, sales.join(".Stolen")).unwrap();
    // A mailbox directory that is a symlink (its shadow line exists: not MBX003).
    let press = fx.root.join(DANA_COM).join("press");
    fs::rename(&press, fx.outside.join("press")).unwrap();
    symlink(fx.outside.join("press"), &press).unwrap();
    // The cur/ of a mailbox is a symlink.
    let nearly = fx.root.join(DANA_COM).join("nearly");
    fs::remove_dir_all(nearly.join(".Sent/cur")).unwrap();
    symlink(big_dir.join("cur"), nearly.join(".Sent/cur")).unwrap();

    let doc = json(&fx.root, &[]);
    let cp006: Vec<String> = of(&doc, "CP006").into_iter().map(|(f, _)| f).collect();
    assert_eq!(
        cp006,
        [
            format!("{DANA_COM}/info/cur/1763000099.M99P99.host.example.net,S=53687091200:2,S"),
            format!("{DANA_COM}/info/new/1763000098.M98P98.host.example.net,S=10"),
            format!("{DANA_COM}/nearly/.Sent/cur"),
            format!("{DANA_COM}/press"),
            format!("{DANA_COM}/sales/.Stolen"),
            format!("{DANA_COM}/sales/maildirsize"),
        ]
    );
    // Sizes are what they were: info's inbox still has its two messages.
    let mbx001 = of(&doc, "MBX001");
    assert!(
        mbx001
            .iter()
            .any(|(_, m)| m.contains("info@example.com holds 104.9 MiB in 2 messages")),
        "{mbx001:?}"
    );
    // Neither the 1-byte quota of the symlinked maildirsize nor the symlinked folders count:
    // sales stays at 89 %, nearly drops to its inbox; press is not judged.
    let mbx002: Vec<String> = of(&doc, "MBX002").into_iter().map(|(_, m)| m).collect();
    assert_eq!(mbx002.len(), 1, "{mbx002:?}");
    assert!(mbx002[0].starts_with("full@example.com"));
    assert!(of(&doc, "MBX003").iter().all(|(f, _)| !f.contains("press")));
    let messages: Vec<String> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "CP006")
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect();
    assert!(
        messages[0].ends_with(
            "is a symbolic link where a message belongs; maillint does not follow it, and does not count it in the mailbox's size"
        ),
        "{messages:?}"
    );
    assert!(messages[1].contains("is a FIFO (named pipe) where a message belongs"));
    assert!(messages[3].contains("is a symbolic link where a mailbox directory belongs"));
    assert!(
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["code"] == "CP006")
            .all(|f| f["user"] == "dana" && f["domain"] == "example.com")
    );
}

#[test]
fn a_directory_full_of_symlinks_gives_five_findings_and_a_count() {
    let fx = fixture_on_shm();
    let cur = fx.root.join(DANA_COM).join("ghost/cur");
    for i in 0..10_000 {
        symlink("/etc/passwd", cur.join(format!("{i:05}.M1P1.host,S=1000"))).unwrap();
    }
    let doc = json(&fx.root, &[]);
    let cp006 = of(&doc, "CP006");
    assert_eq!(cp006.len(), 6, "{cp006:?}");
    // Findings are sorted by file: the count, located at the mailbox, comes first.
    assert_eq!(cp006[0].0, format!("{DANA_COM}/ghost"));
    for (i, (file, _)) in cp006[1..].iter().enumerate() {
        assert_eq!(
            file,
            &format!("{DANA_COM}/ghost/cur/{i:05}.M1P1.host,S=1000")
        );
    }
    assert_eq!(
        cp006[0].1,
        format!(
            "{DANA_COM}/ghost has 9995 more symbolic links or special files where messages or folders belong (only the first 5 are listed); none is followed or counted"
        )
    );
    // Without a mailbox rule, mailboxes are not walked at all: none of these is seen.
    let doc = json(&fx.root, &["--select", "CP,RT"]);
    assert!(of(&doc, "CP006").is_empty(), "{doc}");
    // MBX003 alone needs the layout, not the walk.
    let doc = json(&fx.root, &["--select", "MBX003,CP"]);
    assert!(of(&doc, "CP006").is_empty(), "{doc}");
    assert_eq!(of(&doc, "MBX003").len(), 2);
}

#[test]
fn a_mailbox_with_100000_messages_is_sized_without_hanging() {
    let fx = fixture_on_shm();
    let cur = fx.root.join(DANA_COM).join("ghost/cur");
    let dfd = fs::File::open(&cur).unwrap();
    let start = Instant::now();
    for i in 0..100_000u32 {
        let name = format!("{i:06}.M{i}P1.host.example.net,S=2000:2,S");
        rustix::fs::mknodat(
            &dfd,
            name.as_str(),
            FileType::RegularFile,
            Mode::from_raw_mode(0o640),
            0,
        )
        .unwrap();
    }
    eprintln!("created 100000 messages in {:?}", start.elapsed());
    let start = Instant::now();
    let doc = json(&fx.root, &["--select", "MBX001"]);
    let with_mbx = start.elapsed();
    let msgs = of(&doc, "MBX001");
    assert!(
        msgs.iter().any(|(f, m)| f == &format!("{DANA_COM}/ghost")
            && m.contains("ghost@example.com holds 190.7 MiB in 100001 messages")),
        "{msgs:?}"
    );
    let start = Instant::now();
    let doc = json(&fx.root, &["--select", "RT,CP"]);
    let without = start.elapsed();
    assert!(list(&doc).is_empty(), "{doc}");
    eprintln!("with MBX001: {with_mbx:?}; without mailbox rules: {without:?}");
}

#[test]
fn a_symlinked_mail_directory_hides_the_accounts_from_mbx003() {
    let fx = fixture();
    let dir = fx.root.join("home/dana/mail/example.net");
    fs::rename(&dir, fx.outside.join("example.net")).unwrap();
    symlink(fx.outside.join("example.net"), &dir).unwrap();
    let doc = json(&fx.root, &["--domain", "example.net"]);
    // MBX004 still lists the accounts (from shadow); no MBX003 guesses about the directories.
    assert_eq!(
        list(&doc),
        expected(&[
            (
                "MBX004",
                "example.net",
                "home/dana/etc/example.net/quota:1:1"
            ),
            ("CP006", "example.net", "home/dana/mail/example.net:1:1"),
        ])
    );
}

// ---------------------------------------------------------------------------------------------
// Account backups

/// testdata/mail's account dana as a cpmove directory.
fn dana_backup(dest: &Path) {
    let src = mail_tree();
    common::copy_tree(&src.join("home/dana"), &dest.join("homedir"));
    fs::create_dir_all(dest.join("cp")).unwrap();
    fs::copy(src.join("var/cpanel/users/dana"), dest.join("cp/dana")).unwrap();
    common::copy_tree(
        &src.join("var/cpanel/userdata/dana"),
        &dest.join("userdata"),
    );
    common::copy_tree(&src.join("etc/valiases"), &dest.join("va"));
}

#[test]
fn account_backups_are_sized_too() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("cpmove-dana");
    dana_backup(&dir);
    let from_dir = list(&json(&dir, &[]));
    let want = expected(&[
        ("MBX002", "example.com", "homedir/etc/example.com/quota:2:6"),
        ("MBX001", "example.com", "homedir/etc/example.com/quota:3:1"),
        ("MBX002", "example.com", "homedir/etc/example.com/quota:4:8"),
        (
            "MBX003",
            "example.com",
            "homedir/etc/example.com/shadow:5:1",
        ),
        ("MBX001", "-", "homedir/mail:1:1"),
        (
            "MBX003",
            "example.com",
            "homedir/mail/example.com/ghost:1:1",
        ),
        (
            "MBX002",
            "example.com",
            "homedir/mail/example.com/press/maildirsize:1:1",
        ),
    ]);
    // No routing lists in a backup: no MBX004.
    assert_eq!(from_dir, want);
    // The same backup as a cpmove archive, read in place.
    let archive = tmp.path().join("cpmove-dana.tar.gz");
    let gz = flate2::write::GzEncoder::new(
        fs::File::create(&archive).unwrap(),
        flate2::Compression::fast(),
    );
    let mut tar = tar::Builder::new(gz);
    tar.append_dir_all("cpmove-dana", &dir).unwrap();
    tar.into_inner().unwrap().finish().unwrap();
    let from_archive = list(&json(&archive, &[]));
    // The archive keeps names and sizes of mail, not contents: maildirsize cannot be read, so
    // press has no limit there.
    let mut want_archive = want.clone();
    want_archive.retain(|(c, _, l)| !(c == "MBX002" && l.contains("press")));
    assert_eq!(from_archive, want_archive);
}

/// `--select MBX` reads only what the mailbox rules need (no zones, Exim configuration, DKIM
/// keys or filters), and finds exactly the mailbox findings of a full run.
#[test]
fn select_mbx_finds_what_a_full_run_finds() {
    let full = json(&mail_tree(), &[]);
    let mbx_of_full: Vec<_> = list(&full)
        .into_iter()
        .filter(|f| f.0.starts_with("MBX"))
        .collect();
    assert!(!mbx_of_full.is_empty());
    let only = json(&mail_tree(), &["--select", "MBX"]);
    assert_eq!(list(&only), mbx_of_full);
    // On a tree with zones and an Exim configuration, fewer files are read.
    let exchange = testdata_dir().join("exchange");
    let files = |doc: &Value| doc["summary"]["files"].as_u64().unwrap();
    let (all, mbx) = (json(&exchange, &[]), json(&exchange, &["--select", "MBX"]));
    assert!(
        files(&mbx) + 2 < files(&all),
        "the zones are not read: {} vs {} files",
        files(&mbx),
        files(&all)
    );
}
