//! Hostile server trees, tried the way a new user would run maillint on them: binary and huge
//! files, FIFOs and devices where files belong, symlinks that point out of the root or into
//! `/etc/shadow`, symlinks in account homes, and `--fix` over symlinked targets.
//!
//! Every case starts from a copy of `testdata/exchange` in a temporary directory and runs the
//! real binary in every output format (plus `--statistics` and `--fix --dry-run`). Each run must
//! finish within [`TIMEOUT`] (a FIFO that maillint opened would block it forever; the run is then
//! killed and the test fails), exit 0 or 1 (never 2, never 101), and report the right codes at the
//! right paths. Files outside the root carry a marker string that must never appear in any output:
//! if it does, maillint read outside the tree.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use rustix::fs::{CWD, FileType, Mode};
use serde_json::Value;
use tempfile::TempDir;

const MANIFEST: &str = env!("CARGO_MANIFEST_DIR");
const NOW: &str = "1795392000";
/// Long enough for a debug build on a loaded machine, short enough to catch a hang.
const TIMEOUT: Duration = Duration::from_secs(20);
/// Content of files outside the root. It must never be printed.
const MARKER: &str = "OUTSIDE-THE-ROOT-7f3a9c";

/// Every way a user may run maillint over a tree.
const MODES: &[&[&str]] = &[
    &["--format", "full"],
    &["--format", "concise"],
    &["--format", "json"],
    &["--format", "json-lines"],
    &["--format", "sarif"],
    &["--format", "github"],
    &["--statistics"],
    &["--fix", "--unsafe-fixes", "--dry-run"],
];

// ---------------------------------------------------------------------------------------------
// Helpers

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs maillint on `root` with a timeout; fails the test on a hang, a panic or exit code 2.
fn run_on(root: &Path, args: &[&str]) -> Run {
    let start = Instant::now();
    let out = Command::cargo_bin("maillint")
        .unwrap()
        .current_dir(MANIFEST)
        .env("NO_COLOR", "1")
        .env("MAILLINT_NOW", NOW)
        .env_remove("CLICOLOR_FORCE")
        .arg(root)
        .args(args)
        .timeout(TIMEOUT)
        .output()
        .expect("cannot start maillint");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let Some(code) = out.status.code() else {
        panic!(
            "maillint {args:?} did not finish within {TIMEOUT:?} (killed after {:?}); stderr:\n{stderr}",
            start.elapsed()
        );
    };
    assert!(
        code == 0 || code == 1,
        "maillint {args:?} exited {code}; stderr:\n{stderr}"
    );
    assert!(
        !stderr.contains("internal error"),
        "maillint {args:?} hit an internal error:\n{stderr}"
    );
    Run {
        code,
        stdout,
        stderr,
    }
}

/// Runs every mode; each must finish, exit 0 or 1, and print neither the marker nor a terminal
/// escape (except in a diff). Returns the JSON findings.
fn run_all(root: &Path) -> Vec<Value> {
    for mode in MODES {
        let r = run_on(root, mode);
        for (name, text) in [("stdout", &r.stdout), ("stderr", &r.stderr)] {
            assert!(
                !text.contains(MARKER),
                "maillint {mode:?} printed the content of a file outside the root on {name}:\n{text}"
            );
            // The diff of --dry-run is the exception: it must hold the file's bytes as they are
            // for `patch` to apply it.
            let is_diff = name == "stdout" && mode.contains(&"--dry-run");
            assert!(
                is_diff || !text.contains('\x1b'),
                "maillint {mode:?} printed a terminal escape on {name}"
            );
        }
    }
    findings(root)
}

fn findings(root: &Path) -> Vec<Value> {
    let r = run_on(root, &["--format", "json"]);
    let v: Value =
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", r.stdout));
    v["findings"].as_array().unwrap().clone()
}

fn file_of(f: &Value) -> &str {
    f["location"]["file"].as_str().unwrap_or("-")
}

/// The findings of `code` at `file`.
fn at<'a>(found: &'a [Value], code: &str, file: &str) -> Vec<&'a Value> {
    found
        .iter()
        .filter(|f| f["code"] == code && file_of(f) == file)
        .collect()
}

fn listing(found: &[Value]) -> String {
    found
        .iter()
        .map(|f| {
            format!(
                "{}:{}:{}: {} {}",
                file_of(f),
                f["location"]["line"],
                f["location"]["column"],
                f["code"].as_str().unwrap(),
                f["message"].as_str().unwrap()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Asserts exactly one finding of `code` at `file` (line 1, column 1) and returns it.
fn one<'a>(found: &'a [Value], code: &str, file: &str) -> &'a Value {
    let hits = at(found, code, file);
    assert_eq!(
        hits.len(),
        1,
        "expected one {code} at {file}; findings:\n{}",
        listing(found)
    );
    hits[0]
}

/// The RT001 of testdata/exchange: still reported, so the rest of the server was linted.
fn assert_rest_linted(found: &[Value]) {
    let f = one(found, "RT001", "etc/localdomains");
    assert_eq!(f["domain"], "example.org", "{f}");
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let ty = entry.file_type().unwrap();
        let dest = to.join(entry.file_name());
        if ty.is_dir() {
            copy_tree(&entry.path(), &dest);
        } else if ty.is_file() {
            fs::copy(entry.path(), &dest).unwrap();
        } else {
            panic!(
                "unexpected entry in a test tree: {}",
                entry.path().display()
            );
        }
    }
}

/// A temporary directory holding a copy of testdata/exchange (`root`) and a directory beside it
/// (`outside`) whose files hold the marker.
struct Fixture {
    _tmp: TempDir,
    root: PathBuf,
    outside: PathBuf,
}

fn exchange() -> Fixture {
    let tmp = TempDir::new().unwrap();
    let root = tmp.path().join("server");
    copy_tree(&Path::new(MANIFEST).join("testdata/exchange"), &root);
    let outside = tmp.path().join("outside");
    fs::create_dir(&outside).unwrap();
    fs::write(outside.join("secret"), format!("{MARKER}\n")).unwrap();
    // A FIFO with no writer: opening it for reading blocks forever.
    mkfifo(&outside.join("fifo"));
    Fixture {
        _tmp: tmp,
        root,
        outside,
    }
}

fn mkfifo(path: &Path) {
    rustix::fs::mkfifoat(CWD, path, Mode::from_raw_mode(0o644)).unwrap();
}

/// Replaces whatever is at `path` (a file or a directory) with a symlink to `target`.
fn replace_with_symlink(path: &Path, target: &Path) {
    remove(path);
    symlink(target, path).unwrap();
}

fn remove(path: &Path) {
    match fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => fs::remove_dir_all(path).unwrap(),
        Ok(_) => fs::remove_file(path).unwrap(),
        Err(_) => {}
    }
}

/// Deterministic pseudo-random bytes (xorshift), with a NUL every 61 bytes.
fn binary(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|i| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            if i % 61 == 0 { 0 } else { (seed >> 24) as u8 }
        })
        .collect()
}

/// Every file and symlink below `dir`: contents or link targets.
fn tree_state(dir: &Path) -> BTreeMap<PathBuf, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, String>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = fs::symlink_metadata(&path).unwrap();
            let rel = path.strip_prefix(root).unwrap().to_path_buf();
            if meta.file_type().is_symlink() {
                let t = fs::read_link(&path).unwrap();
                out.insert(rel, format!("symlink -> {}", t.display()));
            } else if meta.is_dir() {
                walk(root, &path, out);
            } else if meta.is_file() {
                let text = String::from_utf8_lossy(&fs::read(&path).unwrap()).into_owned();
                out.insert(rel, format!("file {text}"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

// ---------------------------------------------------------------------------------------------
// Binary, NUL-ridden and huge files

#[test]
fn binary_userdata_file_is_a_parse_error_on_that_file() {
    let fx = exchange();
    fs::write(
        fx.root.join("var/cpanel/userdata/bob/main"),
        binary(8192, 0x9e37_79b9_7f4a_7c15),
    )
    .unwrap();
    let found = run_all(&fx.root);
    let hits = at(&found, "CP001", "var/cpanel/userdata/bob/main");
    assert!(
        !hits.is_empty(),
        "no CP001 on the binary file:\n{}",
        listing(&found)
    );
    for f in &hits {
        let msg = f["message"].as_str().unwrap();
        assert!(
            msg.starts_with(
                "cannot parse var/cpanel/userdata/bob/main as a cPanel userdata file: "
            ),
            "{msg}"
        );
        assert_eq!(f["severity"], "error");
    }
    // Only that file is blamed, and the routing problem is still found from the cpuser file.
    assert!(
        found
            .iter()
            .filter(|f| f["code"] == "CP001")
            .all(|f| file_of(f) == "var/cpanel/userdata/bob/main"),
        "{}",
        listing(&found)
    );
    assert_rest_linted(&found);
}

#[test]
fn binary_file_is_reported_once_not_per_line() {
    let fx = exchange();
    fs::write(
        fx.root.join("var/cpanel/userdata/bob/main"),
        binary(64 * 1024, 0x2545_f491_4f6c_dd1d),
    )
    .unwrap();
    let found = findings(&fx.root);
    let n = at(&found, "CP001", "var/cpanel/userdata/bob/main").len();
    assert!(
        (1..=5).contains(&n),
        "{n} CP001 findings for one binary file"
    );
}

#[test]
fn zone_with_nul_bytes_and_a_4_mib_line() {
    let fx = exchange();
    let path = fx.root.join("var/named/example.com.db");
    let text = fs::read_to_string(&path).unwrap();
    let mut lines: Vec<Vec<u8>> = text.lines().map(|l| l.as_bytes().to_vec()).collect();
    assert_eq!(lines[13], b"mail\t14400\tIN\tCNAME\texample.com.");
    // Line 14: NUL bytes after the owner name.
    lines[13] = b"mail\0\0\0\t14400\tIN\tCNAME\texample.com.".to_vec();
    // Line 17: one TXT record of 4 MiB on a single line.
    let mut huge = b"big\t14400\tIN\tTXT\t\"".to_vec();
    huge.extend(std::iter::repeat_n(b'a', 4 * 1024 * 1024));
    huge.push(b'"');
    lines.insert(16, huge);
    // Line 18: a record after the huge one, with a problem of its own (an IP literal as MX
    // target): it must still be parsed and linted.
    lines.insert(17, b"example.com.\t14400\tIN\tMX\t10\t192.0.2.99.".to_vec());
    let mut bytes = lines.join(&b"\n"[..]);
    bytes.push(b'\n');
    fs::write(&path, bytes).unwrap();

    let found = run_all(&fx.root);
    let zone = "var/named/example.com.db";
    let cp001 = at(&found, "CP001", zone);
    let pos: Vec<(u64, u64)> = cp001
        .iter()
        .map(|f| {
            (
                f["location"]["line"].as_u64().unwrap(),
                f["location"]["column"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(pos, [(14, 5), (17, 1)], "{}", listing(&found));
    assert!(
        cp001[0]["message"].as_str().unwrap().contains("NUL"),
        "{}",
        cp001[0]
    );
    assert!(
        cp001[1]["message"]
            .as_str()
            .unwrap()
            .contains("at most 1048576 bytes"),
        "{}",
        cp001[1]
    );
    // A zone with a syntax error is unusable (BIND refuses to load it; see
    // `Server::unusable_zones`): no rule judges its records, so the IP-literal MX after the huge
    // line is not reported until the zone parses. The other zone is linted.
    assert!(at(&found, "MX002", zone).is_empty(), "{}", listing(&found));
    assert_rest_linted(&found);
}

#[test]
fn full_output_never_echoes_a_huge_line() {
    let fx = exchange();
    let path = fx.root.join("var/named/example.com.db");
    let text = fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines.insert(
        16,
        format!("big\t14400\tIN\tTXT\t\"{}\"", "a".repeat(4 * 1024 * 1024)),
    );
    lines.insert(
        17,
        "example.com.\t14400\tIN\tMX\t10\t192.0.2.99.".to_string(),
    );
    fs::write(&path, lines.join("\n") + "\n").unwrap();
    let full = run_on(&fx.root, &[]).stdout;
    let longest = full.lines().map(str::len).max().unwrap_or(0);
    assert!(longest < 1000, "an output line of {longest} bytes");
    assert!(
        full.len() < 64 * 1024,
        "full output of {} bytes",
        full.len()
    );
}

#[test]
fn oversized_zone_is_reported_and_not_read() {
    let fx = exchange();
    let path = fx.root.join("var/named/example.com.db");
    // 17 MiB: a marker first (it would show in a CP001 snippet if the file were parsed), then
    // comment lines.
    let mut bytes = format!("{MARKER} this is no zone\n").into_bytes();
    while bytes.len() < 17 * 1024 * 1024 {
        bytes.extend_from_slice(b"; padding padding padding padding padding padding padding\n");
    }
    let size = bytes.len();
    fs::write(&path, bytes).unwrap();
    let found = run_all(&fx.root);
    let f = one(&found, "CP001", "var/named/example.com.db");
    let msg = f["message"].as_str().unwrap();
    assert!(
        msg.contains(&size.to_string()) && msg.contains("16777216-byte limit"),
        "{msg}"
    );
    assert_eq!(f["location"]["line"], 1);
    assert_rest_linted(&found);
}

#[test]
fn directory_in_place_of_a_file() {
    let fx = exchange();
    let p = fx.root.join("etc/secondarymx");
    remove(&p);
    fs::create_dir(&p).unwrap();
    fs::write(p.join("example.org"), "").unwrap();
    let found = run_all(&fx.root);
    let f = one(&found, "CP001", "etc/secondarymx");
    assert!(
        f["message"].as_str().unwrap().contains("is a directory"),
        "{f}"
    );
    assert_rest_linted(&found);
}

// ---------------------------------------------------------------------------------------------
// FIFOs and devices

#[test]
fn fifo_in_place_of_secondarymx_is_reported_without_blocking() {
    let fx = exchange();
    let p = fx.root.join("etc/secondarymx");
    remove(&p);
    mkfifo(&p);
    let found = run_all(&fx.root);
    let f = one(&found, "CP006", "etc/secondarymx");
    assert!(f["message"].as_str().unwrap().contains("FIFO"), "{f}");
    assert_eq!(f["severity"], "warning");
    assert_rest_linted(&found);
}

#[test]
fn fifo_in_place_of_a_zone_and_a_forwarder_file() {
    let fx = exchange();
    for rel in ["var/named/example.net.db", "etc/valiases/example.net"] {
        mkfifo(&fx.root.join(rel));
    }
    let found = run_all(&fx.root);
    one(&found, "CP006", "var/named/example.net.db");
    one(&found, "CP006", "etc/valiases/example.net");
    assert_rest_linted(&found);
}

#[test]
fn device_node_in_place_of_remotedomains() {
    let fx = exchange();
    let p = fx.root.join("etc/remotedomains");
    remove(&p);
    // Like /dev/zero: reading it never ends.
    rustix::fs::mknodat(
        CWD,
        &p,
        FileType::CharacterDevice,
        Mode::from_raw_mode(0o644),
        rustix::fs::makedev(1, 5),
    )
    .expect("mknod needs CAP_MKNOD (these tests run as root)");
    let found = run_all(&fx.root);
    let f = one(&found, "CP006", "etc/remotedomains");
    assert!(f["message"].as_str().unwrap().contains("device"), "{f}");
}

// ---------------------------------------------------------------------------------------------
// Symlinks out of the root

#[test]
fn symlinks_out_of_the_root_are_reported_and_never_read() {
    let fx = exchange();
    let va = fx.root.join("etc/valiases");
    symlink("/etc/shadow", va.join("x")).unwrap();
    // Would block forever if opened.
    symlink(fx.outside.join("fifo"), va.join("y")).unwrap();
    // Would print the marker if read (a forwarder file is parsed and shown).
    symlink(fx.outside.join("secret"), va.join("z")).unwrap();
    // The same through a relative link, and as a zone file.
    symlink("../../../outside/secret", va.join("w")).unwrap();
    symlink(
        fx.outside.join("secret"),
        fx.root.join("var/named/example.net.db"),
    )
    .unwrap();
    let found = run_all(&fx.root);
    for name in ["x", "y", "z", "w"] {
        let f = one(&found, "CP006", &format!("etc/valiases/{name}"));
        assert!(f["message"].as_str().unwrap().contains("symlink"), "{f}");
    }
    let f = one(&found, "CP006", "etc/valiases/x");
    assert!(
        f["message"].as_str().unwrap().contains("/etc/shadow"),
        "{f}"
    );
    one(&found, "CP006", "var/named/example.net.db");
    assert_rest_linted(&found);
}

#[test]
fn directory_symlinks_out_of_the_root_are_not_followed() {
    let fx = exchange();
    let out_dir = fx.outside.join("aliases");
    fs::create_dir(&out_dir).unwrap();
    fs::write(
        out_dir.join("example.com"),
        format!("a@example.com: {MARKER}\n"),
    )
    .unwrap();
    mkfifo(&out_dir.join("example.org"));
    // A relative link that climbs above the root: refused and reported.
    replace_with_symlink(
        &fx.root.join("etc/valiases"),
        Path::new("../../outside/aliases"),
    );
    // An absolute link means the server's `/`, i.e. the root of the tree, where it leads
    // nowhere: nothing outside is read.
    replace_with_symlink(&fx.root.join("etc/vdomainaliases"), &out_dir);
    // An Exim include of a file outside the root is looked up under the root.
    let conf = fx.root.join("etc/exim.conf");
    let mut text = fs::read_to_string(&conf).unwrap();
    text.push_str(&format!(
        ".include {}\n",
        out_dir.join("example.com").display()
    ));
    fs::write(&conf, text).unwrap();
    let found = run_all(&fx.root);
    let f = one(&found, "CP006", "etc/valiases");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("leads above the root of the tree"),
        "{f}"
    );
    one(&found, "EXIM007", "etc/exim.conf");
    assert_rest_linted(&found);
}

#[test]
fn symlink_loop_is_reported_without_hanging() {
    let fx = exchange();
    symlink("loop2", fx.root.join("etc/loop1")).unwrap();
    symlink("loop1", fx.root.join("etc/loop2")).unwrap();
    replace_with_symlink(&fx.root.join("etc/valiases"), Path::new("loop1"));
    let found = run_all(&fx.root);
    let f = one(&found, "CP006", "etc/valiases");
    assert!(f["message"].as_str().unwrap().contains("loop"), "{f}");
}

// ---------------------------------------------------------------------------------------------
// Symlinks in account homes

#[test]
fn symlinked_shadow_file_in_a_home_is_reported_for_its_user() {
    let fx = exchange();
    replace_with_symlink(
        &fx.root.join("home/bob/etc/example.com/shadow"),
        Path::new("/etc/shadow"),
    );
    let found = run_all(&fx.root);
    let f = one(&found, "CP006", "home/bob/etc/example.com/shadow");
    assert_eq!(f["user"], "bob", "{f}");
    assert_eq!(f["domain"], "example.com", "{f}");
    assert!(
        f["message"].as_str().unwrap().contains("/etc/shadow"),
        "{f}"
    );
    assert_rest_linted(&found);
}

#[test]
fn symlinked_directory_in_a_home_is_not_followed() {
    let fx = exchange();
    let out_dir = fx.outside.join("etc");
    fs::create_dir(&out_dir).unwrap();
    fs::write(
        out_dir.join("passwd"),
        format!("{MARKER}:x:1:1::/:/bin/sh\n"),
    )
    .unwrap();
    fs::write(out_dir.join("quota"), format!("{MARKER}\n")).unwrap();
    mkfifo(&out_dir.join("shadow"));
    replace_with_symlink(&fx.root.join("home/bob/etc/example.org"), &out_dir);
    let found = run_all(&fx.root);
    let ours: Vec<&Value> = found
        .iter()
        .filter(|f| f["code"] == "CP006" && file_of(f).starts_with("home/bob/etc/example.org"))
        .collect();
    assert!(!ours.is_empty(), "{}", listing(&found));
    for f in &ours {
        assert_eq!(f["user"], "bob", "{f}");
        assert!(
            f["message"]
                .as_str()
                .unwrap()
                .contains("inside an account's home"),
            "{f}"
        );
    }
    assert_rest_linted(&found);
}

#[test]
fn symlinked_directory_in_a_home_is_reported_once_at_its_path() {
    let fx = exchange();
    replace_with_symlink(&fx.root.join("home/bob/etc/example.org"), &fx.outside);
    let found = findings(&fx.root);
    let cp006: Vec<&Value> = found.iter().filter(|f| f["code"] == "CP006").collect();
    assert_eq!(cp006.len(), 1, "{}", listing(&found));
    assert_eq!(file_of(cp006[0]), "home/bob/etc/example.org");
}

#[test]
fn symlinked_mail_directory_in_a_home_is_reported() {
    let fx = exchange();
    let elsewhere = fx.outside.join("elsewhere");
    fs::create_dir(&elsewhere).unwrap();
    replace_with_symlink(&fx.root.join("home/bob/mail"), &elsewhere);
    let found = run_all(&fx.root);
    let f = one(&found, "CP006", "home/bob/mail");
    assert_eq!(f["user"], "bob", "{f}");
}

#[test]
fn messages_about_unread_files_name_the_file() {
    let fx = exchange();
    symlink("/etc/shadow", fx.root.join("etc/valiases/x")).unwrap();
    let p = fx.root.join("etc/secondarymx");
    remove(&p);
    mkfifo(&p);
    fs::write(
        fx.root.join("var/named/example.net.db"),
        vec![b';'; 17 * 1024 * 1024],
    )
    .unwrap();
    let found = findings(&fx.root);
    let unread = [
        ("CP006", "etc/valiases/x"),
        ("CP006", "etc/secondarymx"),
        ("CP001", "var/named/example.net.db"),
    ];
    for (code, file) in unread {
        let f = one(&found, code, file);
        let msg = f["message"].as_str().unwrap();
        assert!(
            msg.contains(file),
            "{code} message without its file: {msg:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Terminal escapes in data

#[test]
fn terminal_escapes_in_files_never_reach_the_output() {
    let fx = exchange();
    // An OSC title change and a screen clear, in a list and in a forwarder file.
    fs::write(
        fx.root.join("etc/remotedomains"),
        "\x1b]0;pwned\x07\x1b[2Jexample.net\n",
    )
    .unwrap();
    fs::write(
        fx.root.join("etc/valiases/example.org"),
        "*: bob\n\x1b[31mred@example.org: bob\n",
    )
    .unwrap();
    // run_all fails on any ESC byte in any output.
    let found = run_all(&fx.root);
    one(&found, "CP001", "etc/remotedomains");
    assert_rest_linted(&found);
}

// ---------------------------------------------------------------------------------------------
// --fix over symlinks

#[test]
fn fix_never_writes_through_a_symlinked_list() {
    let fx = exchange();
    // etc/localdomains is a symlink to a file elsewhere inside the root.
    let lists = fx.root.join("var/lib/lists");
    fs::create_dir_all(&lists).unwrap();
    fs::rename(fx.root.join("etc/localdomains"), lists.join("localdomains")).unwrap();
    symlink(
        "../var/lib/lists/localdomains",
        fx.root.join("etc/localdomains"),
    )
    .unwrap();
    let before = tree_state(&fx.root);
    let backups = TempDir::new().unwrap();
    let r = run_on(
        &fx.root,
        &[
            "--fix",
            "--unsafe-fixes",
            "--backup-dir",
            backups.path().to_str().unwrap(),
        ],
    );
    // The list is not read through the symlink, so no fix touches it; the symlink is reported
    // and keeps the exit code at 1.
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("No fixes to apply."), "{}", r.stderr);
    let found = findings(&fx.root);
    let f = one(&found, "CP006", "etc/localdomains");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("symlink to `../var/lib/lists/localdomains`"),
        "{f}"
    );
    assert_eq!(tree_state(&fx.root), before, "--fix changed the tree");
    assert_eq!(
        fs::read_link(fx.root.join("etc/localdomains")).unwrap(),
        Path::new("../var/lib/lists/localdomains")
    );
}

/// testdata/exchange with `var/cpanel/users` a symlink to `users.real` (inside the root): the
/// cpuser file is read through it, so the RT001 fix targets `var/cpanel/users/bob`.
fn exchange_with_symlinked_users_dir() -> Fixture {
    let fx = exchange();
    fs::rename(
        fx.root.join("var/cpanel/users"),
        fx.root.join("var/cpanel/users.real"),
    )
    .unwrap();
    symlink("users.real", fx.root.join("var/cpanel/users")).unwrap();
    fx
}

fn fix_unsafe(fx: &Fixture, backups: &TempDir) -> Run {
    run_on(
        &fx.root,
        &[
            "--fix",
            "--unsafe-fixes",
            "--backup-dir",
            backups.path().to_str().unwrap(),
        ],
    )
}

#[test]
fn fix_does_not_write_through_a_symlinked_directory_and_says_why() {
    let fx = exchange_with_symlinked_users_dir();
    let cpuser = fs::read(fx.root.join("var/cpanel/users.real/bob")).unwrap();
    let backups = TempDir::new().unwrap();
    let r = fix_unsafe(&fx, &backups);
    assert!(
        r.stderr
            .contains("not applied: etc/localdomains:3:1: RT001")
            && r.stderr.contains(
                "var/cpanel/users/bob: var/cpanel/users is a symlink; \
                 maillint does not write through symlinks"
            ),
        "{}",
        r.stderr
    );
    assert_eq!(
        fs::read_link(fx.root.join("var/cpanel/users")).unwrap(),
        Path::new("users.real")
    );
    assert_eq!(
        fs::read(fx.root.join("var/cpanel/users.real/bob")).unwrap(),
        cpuser
    );
    let names: Vec<_> = fs::read_dir(fx.root.join("var/cpanel/users.real"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["bob"], "something was left beside the cpuser file");
}

#[test]
fn a_fix_with_an_unwritable_file_is_skipped_whole() {
    let fx = exchange_with_symlinked_users_dir();
    let before = tree_state(&fx.root);
    let backups = TempDir::new().unwrap();
    let r = fix_unsafe(&fx, &backups);
    assert!(
        !r.stderr.contains("fixed: etc/localdomains:3:1: RT001"),
        "{}",
        r.stderr
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(tree_state(&fx.root), before, "part of the fix was written");
}

#[test]
fn fix_never_writes_into_an_account_home() {
    // The home holds a symlink to /etc/shadow; --fix must neither follow nor replace it.
    let fx = exchange();
    replace_with_symlink(
        &fx.root.join("home/bob/etc/example.com/shadow"),
        Path::new("/etc/shadow"),
    );
    let home_before = tree_state(&fx.root.join("home"));
    let backups = TempDir::new().unwrap();
    let r = fix_unsafe(&fx, &backups);
    assert!(r.stderr.contains("Applied 1 fix"), "{}", r.stderr);
    assert_eq!(tree_state(&fx.root.join("home")), home_before);
    let f = findings(&fx.root);
    one(&f, "CP006", "home/bob/etc/example.com/shadow");
}
