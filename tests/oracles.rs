//! Oracle tests: what maillint finds and fixes, checked by the real programs a server runs.
//!
//! - **Exim 4.96** (`exim4`, Debian's exim4-daemon-heavy) is asked where it routes an address
//!   (`exim4 -C CONF -bt ADDRESS`) before and after a fix, and whether it accepts a configuration
//!   (`exim4 -C CONF -bV`).
//! - **BIND's `named-checkzone`** loads every zone a fix edits, and every bundled zone.
//! - **GNU patch** applies the diff of `--fix --dry-run`, which must give what `--fix` writes.
//!
//! How Exim is run: directly, as whoever runs the tests, with `-C` naming an absolute path in a
//! temporary directory. As root, Exim keeps its privileges for `-C` and then insists that the
//! file is owned by root and not group- or world-writable, so every configuration written here
//! is set to mode 0644 (the test process owns it). As any other user, Exim drops its privileges
//! for `-C` ("exim user lost privilege for using -C option" on stderr) and makes no owner or
//! mode check. Both were tried: `-bV` and `-bt` give the same answers either way. The
//! configurations written here set `keep_environment` (no "purging the environment" warning),
//! `spool_directory` and `log_file_path` inside the temporary directory, and numeric
//! `exim_user`/`exim_group` (65534), so nothing outside it is needed or written, and routing
//! uses `manualroute` to an IP literal so no DNS lookup is made.
//!
//! `named-checkzone` runs with `-i local`: it checks the MX and SRV targets inside the zone but
//! never looks up names outside it, so the result does not depend on the network.
//!
//! A missing tool fails the test when `MAILLINT_REQUIRE_TOOLS=1` (set by `scripts/test`, as in
//! CI); otherwise the test prints a loud notice and passes without checking anything.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{testdata_dir, tool, tool_in};
use tempfile::TempDir;

/// 2026-11-23T00:00:00Z: fixed so serial bumps and backup names are reproducible.
const NOW: &str = "1795392000";

// ---------------------------------------------------------------------------------------------
// Tools
// ---------------------------------------------------------------------------------------------

#[test]
fn a_missing_tool_skips_only_when_tools_are_not_required() {
    assert_eq!(tool_in("maillint-no-such-tool", "none", false), None);
    assert!(tool_in("sh", "dash", true).is_some());
}

#[test]
#[should_panic(
    expected = "`maillint-no-such-tool` is not installed, and MAILLINT_REQUIRE_TOOLS is set"
)]
fn a_missing_tool_fails_when_tools_are_required() {
    tool_in("maillint-no-such-tool", "none", true);
}

fn exim_bin() -> Option<PathBuf> {
    tool("exim4", "exim4-daemon-heavy")
}

fn checkzone_bin() -> Option<PathBuf> {
    tool("named-checkzone", "bind9-utils")
}

fn patch_bin() -> Option<PathBuf> {
    tool("patch", "patch")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn describe(what: &str, out: &Output) -> String {
    format!(
        "{what}: {}\n--- stdout ---\n{}--- stderr ---\n{}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    )
}

/// `exim4 -C CONF ARGS…`, run as described in the module documentation.
fn exim(bin: &Path, conf: &Path, args: &[&str]) -> Output {
    assert!(conf.is_absolute(), "exim -C needs an absolute path");
    Command::new(bin)
        .arg("-C")
        .arg(conf)
        .args(args)
        .output()
        .expect("exim4 runs")
}

/// `exim4 -C CONF -bV` must accept the configuration.
fn assert_exim_accepts(bin: &Path, conf: &Path) {
    let out = exim(bin, conf, &["-bV"]);
    let what = format!("exim4 -C {} -bV", conf.display());
    assert!(out.status.success(), "{}", describe(&what, &out));
    assert!(
        text(&out.stdout).contains(&format!("Configuration file is {}", conf.display())),
        "{}",
        describe(&what, &out)
    );
}

/// The router, transport and hosts `exim4 -bt` prints for one address, as lines without their
/// indentation (`router = local, transport = local_delivery`, `host 192.0.2.99 [192.0.2.99]`).
fn exim_route(bin: &Path, conf: &Path, address: &str) -> Vec<String> {
    let out = exim(bin, conf, &["-bt", address]);
    let what = format!("exim4 -C {} -bt {address}", conf.display());
    assert!(out.status.success(), "{}", describe(&what, &out));
    let stdout = text(&out.stdout);
    let mut lines = stdout.lines();
    assert_eq!(lines.next(), Some(address), "{}", describe(&what, &out));
    lines.map(|l| l.trim().to_string()).collect()
}

/// What `named-checkzone -i local [EXTRA…] ZONE FILE` says: success, the serial it loaded, and
/// its whole output.
struct Checkzone {
    ok: bool,
    serial: Option<u64>,
    output: String,
}

fn checkzone(bin: &Path, extra: &[&str], zone: &str, file: &Path) -> Checkzone {
    let out = Command::new(bin)
        .args(["-i", "local"])
        .args(extra)
        .arg(zone)
        .arg(file)
        .output()
        .expect("named-checkzone runs");
    let output = format!("{}{}", text(&out.stdout), text(&out.stderr));
    let serial = output.lines().find_map(|l| {
        l.split_once("loaded serial ")
            .and_then(|(_, s)| s.trim().parse().ok())
    });
    Checkzone {
        ok: out.status.success(),
        serial,
        output,
    }
}

/// `maillint` with a fixed clock, no colour, run in `cwd` (so no `maillint.toml` of the
/// developer's working directory is read).
fn maillint(cwd: &Path) -> assert_cmd::Command {
    let mut c = assert_cmd::Command::new(env!("CARGO_BIN_EXE_maillint"));
    c.current_dir(cwd)
        .env("NO_COLOR", "1")
        .env("MAILLINT_NOW", NOW)
        .env_remove("CLICOLOR_FORCE")
        .env_remove("MAILLINT_CORPUS");
    c
}

/// The findings of `maillint ROOT --format json --exit-zero ARGS…` as (code, domain, file, line).
fn findings(cwd: &Path, root: &Path, args: &[&str]) -> Vec<(String, Option<String>, String, u64)> {
    let out = maillint(cwd)
        .arg(root)
        .args(["--format", "json", "--exit-zero"])
        .args(args)
        .assert()
        .code(0)
        .get_output()
        .clone();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    doc["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["domain"].as_str().map(str::to_string),
                f["location"]["file"].as_str().unwrap_or("").to_string(),
                f["location"]["line"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Trees on disk
// ---------------------------------------------------------------------------------------------

/// Copies a bundled tree (directories and regular files only), with modes normalised to 0755 for
/// directories and 0644 for files: git does not keep modes, and a checkout's umask must not
/// change what the tests see.
fn copy_tree(src: &Path, dst: &Path) {
    for entry in walkdir::WalkDir::new(src) {
        let entry = entry.unwrap();
        let to = dst.join(entry.path().strip_prefix(src).unwrap());
        let ft = entry.file_type();
        if ft.is_dir() {
            fs::create_dir_all(&to).unwrap();
            fs::set_permissions(&to, fs::Permissions::from_mode(0o755)).unwrap();
        } else if ft.is_file() {
            fs::copy(entry.path(), &to).unwrap();
            fs::set_permissions(&to, fs::Permissions::from_mode(0o644)).unwrap();
        } else {
            panic!(
                "unexpected file type in testdata: {}",
                entry.path().display()
            );
        }
    }
}

fn testdata(name: &str) -> PathBuf {
    testdata_dir().join(name)
}

fn set_mode(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("chmod {}: {e}", path.display()));
}

fn mode_of(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

/// One regular file: its bytes and permission bits.
#[derive(Clone, PartialEq, Eq)]
struct FileState {
    bytes: Vec<u8>,
    mode: u32,
}

type Snapshot = BTreeMap<String, FileState>;

/// Every regular file under `root` by relative path, leaving out those below `skip`.
fn snapshot(root: &Path, skip: Option<&str>) -> Snapshot {
    let mut snap = Snapshot::new();
    for entry in walkdir::WalkDir::new(root) {
        let entry = entry.unwrap();
        let rel = entry
            .path()
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if skip.is_some_and(|s| rel.starts_with(s)) {
            continue;
        }
        let ft = entry.file_type();
        assert!(
            ft.is_dir() || ft.is_file(),
            "unexpected file type: {}",
            entry.path().display()
        );
        if ft.is_file() {
            snap.insert(
                rel,
                FileState {
                    bytes: fs::read(entry.path()).unwrap(),
                    mode: mode_of(entry.path()),
                },
            );
        }
    }
    snap
}

/// Every directory under `root`, by relative path.
fn directories(root: &Path) -> BTreeSet<String> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_dir())
        .map(|e| {
            e.path()
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

/// Asserts two snapshots hold the same files with the same bytes (and modes, when
/// `modes` is true), listing every difference by path.
fn assert_same_files(left: &Snapshot, right: &Snapshot, modes: bool, what: &str) {
    let mut diffs = Vec::new();
    for (path, l) in left {
        match right.get(path) {
            None => diffs.push(format!("{path}: only on the left")),
            Some(r) if r.bytes != l.bytes => diffs.push(format!(
                "{path}: bytes differ\n  left:  {:?}\n  right: {:?}",
                text(&l.bytes),
                text(&r.bytes)
            )),
            Some(r) if modes && r.mode != l.mode => diffs.push(format!(
                "{path}: mode {:o} on the left, {:o} on the right",
                l.mode, r.mode
            )),
            Some(_) => {}
        }
    }
    for path in right.keys().filter(|p| !left.contains_key(*p)) {
        diffs.push(format!("{path}: only on the right"));
    }
    assert!(diffs.is_empty(), "{what}:\n{}", diffs.join("\n"));
}

/// The backup directory named in "Originals saved in DIR; undo with …".
fn backup_dir(stderr: &str) -> PathBuf {
    let rest = stderr
        .split_once("Originals saved in ")
        .unwrap_or_else(|| panic!("no backup directory in:\n{stderr}"))
        .1;
    PathBuf::from(rest.split_once("; undo with").expect("backup line").0)
}

// ---------------------------------------------------------------------------------------------
// 1. Exim routes the Exchange domain locally before the fix and remotely after it
// ---------------------------------------------------------------------------------------------

/// A minimal Exim configuration that routes like cPanel's, from the lists of the tree at `root`:
/// domains in etc/localdomains go to the `local` router, every other one to `remote`, which
/// sends to 192.0.2.99 without a DNS lookup.
fn routing_conf(tmp: &Path, root: &Path) -> String {
    let (t, r) = (tmp.display(), root.display());
    format!(
        "# Written by tests/oracles.rs: routes like cPanel's exim.conf, from the lists of {r}.
domainlist local_domains = lsearch;{r}/etc/localdomains
domainlist relay_domains = +local_domains : lsearch;{r}/etc/secondarymx
primary_hostname = server.example.net
spool_directory = {t}/spool
log_file_path = {t}/log/%slog
exim_user = 65534
exim_group = 65534
keep_environment =

begin routers

remote:
  driver = manualroute
  domains = ! +local_domains
  route_list = * 192.0.2.99
  transport = remote_smtp

local:
  driver = accept
  domains = +local_domains
  transport = local_delivery

begin transports

remote_smtp:
  driver = smtp

local_delivery:
  driver = appendfile
  file = {t}/delivered
"
    )
}

#[test]
fn exim_routes_the_exchange_domain_locally_before_the_fix_and_remotely_after() {
    let Some(exim4) = exim_bin() else { return };
    let tmp = TempDir::new().unwrap();
    let root = tmp.path().join("server");
    copy_tree(&testdata("exchange"), &root);
    let conf = tmp.path().join("exim-routing.conf");
    fs::write(&conf, routing_conf(tmp.path(), &root)).unwrap();
    set_mode(&conf, 0o644);
    assert_exim_accepts(&exim4, &conf);

    let local = ["router = local, transport = local_delivery"];
    let remote = [
        "router = remote, transport = remote_smtp",
        "host 192.0.2.99 [192.0.2.99]",
    ];
    // The bug: Exim keeps team@example.org on this server although its MX is Microsoft's.
    assert_eq!(exim_route(&exim4, &conf, "team@example.org"), local);
    assert_eq!(exim_route(&exim4, &conf, "alice@example.com"), local);

    let out = maillint(tmp.path())
        .arg(&root)
        .args(["--fix", "--unsafe-fixes"])
        .assert()
        .code(0)
        .get_output()
        .clone();
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("fixed: etc/localdomains:3:1: RT001 example.org is delivered locally"),
        "{stderr}"
    );

    assert_exim_accepts(&exim4, &conf);
    assert_eq!(
        exim_route(&exim4, &conf, "team@example.org"),
        remote,
        "after the fix Exim must send example.org to its MX"
    );
    // The account's own domain still stays here.
    assert_eq!(exim_route(&exim4, &conf, "alice@example.com"), local);
}

// ---------------------------------------------------------------------------------------------
// 2. Exim accepts the bundled configurations, and maillint agrees
// ---------------------------------------------------------------------------------------------

/// A configuration as this host's Exim can check it (`shared/reference/exim.md` §10): Debian
/// builds Exim with GnuTLS, which does not know `openssl_options` (the line becomes a comment,
/// so line numbers stay), and the users and group cPanel's configuration names
/// (`cpaneleximfilter`, `mailnull`, `nobody`) do not exist here (they become uid/gid 65534).
fn neutralise_host_differences(text: &str) -> String {
    text.lines()
        .map(|l| {
            if l.starts_with("openssl_options") {
                format!("# {l}")
            } else {
                l.replace("= cpaneleximfilter", "= 65534")
                    .replace("= mailnull", "= 65534")
                    .replace("group = nobody", "group = 65534")
            }
        })
        .map(|l| l + "\n")
        .collect()
}

/// Every bundled tree with an etc/exim.conf.
fn trees_with_exim_conf() -> Vec<PathBuf> {
    let mut trees: Vec<PathBuf> = fs::read_dir(testdata_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("etc/exim.conf").is_file())
        .collect();
    trees.sort();
    assert!(
        trees.iter().any(|t| t.ends_with("exchange")),
        "testdata/exchange/etc/exim.conf is missing"
    );
    trees
}

#[test]
fn exim_accepts_the_bundled_configs_and_maillint_reports_no_exim_error() {
    let Some(exim4) = exim_bin() else { return };
    for tree in trees_with_exim_conf() {
        let tmp = TempDir::new().unwrap();
        let conf = tmp.path().join("exim.conf");
        let written = fs::read_to_string(tree.join("etc/exim.conf")).unwrap();
        fs::write(&conf, neutralise_host_differences(&written)).unwrap();
        set_mode(&conf, 0o644);
        if tree.ends_with("cp") {
            // testdata/cp is broken on purpose: Exim stops at its first error, the missing
            // `.include` of line 4, and maillint reports it there (and the quoting error after).
            let out = exim(&exim4, &conf, &["-bV"]);
            assert!(!out.status.success());
            assert!(
                text(&out.stderr).contains("in line 4 of"),
                "{}",
                text(&out.stderr)
            );
            let got: Vec<_> = findings(tmp.path(), &tree, &["--select", "EXIM"])
                .into_iter()
                .map(|(code, _, file, line)| (code, file, line))
                .collect();
            assert_eq!(
                got,
                [
                    ("EXIM007".to_string(), "etc/exim.conf".to_string(), 4),
                    ("EXIM001".to_string(), "etc/exim.conf".to_string(), 5)
                ]
            );
            continue;
        }
        assert_exim_accepts(&exim4, &conf);

        let exim_findings: Vec<_> = findings(tmp.path(), &tree, &[])
            .into_iter()
            .filter(|(code, ..)| code == "EXIM001" || code == "EXIM007")
            .collect();
        assert!(
            exim_findings.is_empty(),
            "Exim accepts {}/etc/exim.conf, but maillint reports {exim_findings:?}",
            tree.display()
        );
    }
}

/// Exim and maillint name the same line for each syntax error EXIM001 describes, planted in the
/// bundled configuration.
#[test]
fn exim_and_maillint_agree_on_the_line_of_a_syntax_error() {
    let Some(exim4) = exim_bin() else { return };
    let cases: &[(&str, &str, &str)] = &[
        (
            "characters after a quoted value",
            "hostlist relay_hosts = 127.0.0.1 : ::1",
            "hostlist relay_hosts = \"127.0.0.1\" : ::1",
        ),
        (
            "main option set twice",
            "tls_on_connect_ports = 465\n",
            "tls_on_connect_ports = 465\ntls_on_connect_ports = 465\n",
        ),
        (
            "transport option set twice",
            "  directory = /home/bob/mail/$domain/$local_part\n",
            "  directory = /home/bob/mail/$domain/$local_part\n  directory = /tmp\n",
        ),
        (
            "private option before driver",
            "virtual_delivery:\n  driver = appendfile\n",
            "virtual_delivery:\n  maildir_format\n  driver = appendfile\n",
        ),
        ("unknown section", "begin retry", "begin retries"),
        (
            "repeated section",
            "begin rewrite\n",
            "begin rewrite\nbegin rewrite\n",
        ),
        ("unknown ACL verb", "  deny    message", "  refuse  message"),
    ];
    let original = fs::read_to_string(testdata("exchange/etc/exim.conf")).unwrap();
    let tmp = TempDir::new().unwrap();
    let root = tmp.path().join("server");
    copy_tree(&testdata("exchange"), &root);
    let conf = root.join("etc/exim.conf");
    for (what, from, to) in cases {
        assert_eq!(original.matches(from).count(), 1, "{what}: `{from}`");
        fs::write(&conf, original.replacen(from, to, 1)).unwrap();
        set_mode(&conf, 0o644);

        let out = exim(&exim4, &conf, &["-bV"]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{what}: {}",
            describe("exim -bV", &out)
        );
        let stderr = text(&out.stderr);
        let exim_line: u64 = stderr
            .split_once("error in line ")
            .and_then(|(_, rest)| rest.split_once(' '))
            .and_then(|(n, _)| n.parse().ok())
            .unwrap_or_else(|| panic!("{what}: no line in Exim's message:\n{stderr}"));

        let lines: Vec<u64> = findings(tmp.path(), &root, &["--select", "EXIM001"])
            .into_iter()
            .filter(|(code, _, file, _)| code == "EXIM001" && file == "etc/exim.conf")
            .map(|(.., line)| line)
            .collect();
        assert_eq!(
            lines,
            [exim_line],
            "{what}: Exim says line {exim_line}:\n{stderr}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Zones a fix edits stay valid BIND zones, with a higher serial
// ---------------------------------------------------------------------------------------------

/// The zone files of a tree: (zone name, path), the zone name being the file name without `.db`.
fn zones(root: &Path) -> Vec<(String, PathBuf)> {
    let mut zones: Vec<(String, PathBuf)> = fs::read_dir(root.join("var/named"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?.strip_suffix(".db")?.to_string();
            Some((name, p))
        })
        .collect();
    zones.sort();
    zones
}

#[test]
fn every_bundled_zone_is_a_valid_bind_zone() {
    let Some(named_checkzone) = checkzone_bin() else {
        return;
    };
    let mut checked = 0;
    for tree in ["exchange", "routing", "mx"] {
        for (zone, file) in zones(&testdata(tree)) {
            let r = checkzone(&named_checkzone, &[], &zone, &file);
            assert!(
                r.ok && r.serial.is_some(),
                "named-checkzone rejects testdata/{tree}/var/named/{zone}.db:\n{}",
                r.output
            );
            checked += 1;
        }
    }
    assert!(checked >= 30, "only {checked} zones found");
}

#[test]
fn mx002_fix_gives_valid_zones_with_higher_serials_and_is_idempotent() {
    let Some(named_checkzone) = checkzone_bin() else {
        return;
    };
    let tmp = TempDir::new().unwrap();
    let root = tmp.path().join("server");
    copy_tree(&testdata("mx"), &root);
    let before = snapshot(&root, None);
    // named-checkzone's strict mode sees the bug too: an IP address as MX target.
    for zone in ["literal.example", "literaldot.example"] {
        let file = root.join(format!("var/named/{zone}.db"));
        let r = checkzone(&named_checkzone, &["-m", "fail"], zone, &file);
        assert!(
            !r.ok && r.output.contains("MX is an address"),
            "{zone}: {}",
            r.output
        );
    }
    let serials_before: BTreeMap<String, u64> = zones(&root)
        .into_iter()
        .map(|(zone, file)| {
            let r = checkzone(&named_checkzone, &[], &zone, &file);
            assert!(r.ok, "{zone}: {}", r.output);
            (zone, r.serial.unwrap())
        })
        .collect();

    let fix = || {
        maillint(tmp.path())
            .arg(&root)
            .args(["--fix", "--unsafe-fixes", "--select", "MX002"])
            .assert()
            .code(1) // literal6.example keeps its advice-only MX002
            .get_output()
            .clone()
    };
    let out = fix();
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("Applied 2 fixes (2 files written"),
        "{stderr}"
    );

    let after = snapshot(&root, Some("var/lib/maillint/"));
    let changed: Vec<&str> = before
        .keys()
        .filter(|p| after.get(*p) != before.get(*p))
        .map(String::as_str)
        .collect();
    assert_eq!(
        changed,
        [
            "var/named/literal.example.db",
            "var/named/literaldot.example.db"
        ]
    );
    for path in changed {
        let zone = path
            .strip_prefix("var/named/")
            .and_then(|p| p.strip_suffix(".db"))
            .unwrap();
        let file = root.join(path);
        let r = checkzone(&named_checkzone, &[], zone, &file);
        assert!(
            r.ok,
            "named-checkzone rejects the fixed {path}:\n{}",
            r.output
        );
        let serial = r.serial.unwrap();
        assert!(
            serial > serials_before[zone],
            "{zone}: serial {serial} is not above {}",
            serials_before[zone]
        );
        assert_eq!(serial, 2026112301, "{zone}: YYYYMMDDnn of MAILLINT_NOW");
        // Strict mode now accepts it too, and the MX target has its address in the zone.
        let strict = checkzone(&named_checkzone, &["-m", "fail", "-M", "fail"], zone, &file);
        assert!(
            strict.ok && !strict.output.contains("has no address records"),
            "{zone}: {}",
            strict.output
        );
        let text = String::from_utf8(fs::read(&file).unwrap()).unwrap();
        assert!(
            text.contains(&format!("MX\t10\tmx-192-0-2-30.{zone}.")),
            "{zone}: the MX must point at mx-192-0-2-30:\n{text}"
        );
    }

    let left: Vec<(String, Option<String>)> = findings(tmp.path(), &root, &["--select", "MX002"])
        .into_iter()
        .map(|(code, domain, ..)| (code, domain))
        .collect();
    assert_eq!(
        left,
        [("MX002".to_string(), Some("literal6.example".to_string()))],
        "only the IPv6 literal, which has no automatic fix, may remain"
    );

    let all_before = snapshot(&root, None);
    let dirs_before = directories(&root);
    let out = fix();
    let stderr = text(&out.stderr);
    assert!(stderr.contains("No fixes to apply."), "{stderr}");
    assert_same_files(
        &all_before,
        &snapshot(&root, None),
        true,
        "a second --fix must change nothing",
    );
    assert_eq!(
        dirs_before,
        directories(&root),
        "a second --fix made a backup"
    );
}

// ---------------------------------------------------------------------------------------------
// 4. The dry-run diff is the fix; modes kept; second run idle; restore undoes it
// ---------------------------------------------------------------------------------------------

/// The modes a real server has on these files (git keeps none of them).
fn set_server_modes(root: &Path) {
    set_mode(&root.join("etc/localdomains"), 0o640);
    if root.join("etc/remotedomains").exists() {
        set_mode(&root.join("etc/remotedomains"), 0o644);
    }
    for user in fs::read_dir(root.join("var/cpanel/users")).unwrap() {
        set_mode(&user.unwrap().path(), 0o640);
    }
}

/// Runs `patch -p1 [-E] -i DIFF` in `root`; asserts every hunk applied exactly (no fuzz, no
/// offset, no rejects).
fn apply_patch(patch: &Path, root: &Path, diff: &Path, remove_empty: bool) {
    let mut cmd = Command::new(patch);
    cmd.current_dir(root)
        .args(["-p1", "--batch", "--no-backup-if-mismatch"]);
    if remove_empty {
        cmd.arg("-E");
    }
    let out = cmd.arg("-i").arg(diff).output().expect("patch runs");
    assert!(out.status.success(), "{}", describe("patch", &out));
    let stdout = text(&out.stdout);
    assert!(
        stdout.lines().all(|l| l.starts_with("patching file ")),
        "the diff did not apply exactly:\n{stdout}"
    );
}

/// The whole round: dry run, patch, fix, compare, fix again, restore. `prepare` edits both
/// copies before anything runs. Returns the paths the fix created.
fn dry_run_patch_fix_restore(tree: &str, prepare: impl Fn(&Path)) -> Vec<String> {
    let Some(patch) = patch_bin() else {
        return Vec::new();
    };
    let tmp = TempDir::new().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for root in [&a, &b] {
        copy_tree(&testdata(tree), root);
        set_server_modes(root);
        prepare(root);
    }
    let original = snapshot(&b, None);
    assert_same_files(&original, &snapshot(&a, None), true, "the two copies");

    // Copy A: the dry run writes nothing and prints the diff alone.
    let out = maillint(tmp.path())
        .arg(&a)
        .args(["--fix", "--unsafe-fixes", "--dry-run"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    assert_same_files(
        &original,
        &snapshot(&a, None),
        true,
        &format!("{tree}: --dry-run wrote to the tree"),
    );
    assert_eq!(
        directories(&a),
        directories(&b),
        "{tree}: --dry-run made a directory"
    );
    assert!(
        out.stdout.starts_with(b"--- "),
        "{tree}: stdout must be the diff alone:\n{}",
        text(&out.stdout)
    );
    assert!(
        text(&out.stderr).contains("Would fix"),
        "{}",
        text(&out.stderr)
    );
    let diff = tmp.path().join("fix.diff");
    fs::write(&diff, &out.stdout).unwrap();
    apply_patch(&patch, &a, &diff, true);

    // Copy B: the real fix.
    let out = maillint(tmp.path())
        .arg(&b)
        .args(["--fix", "--unsafe-fixes"])
        .assert()
        .get_output()
        .clone();
    let stderr = text(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(0 | 1)) && stderr.contains("Applied "),
        "{tree}: {}",
        describe("maillint --fix", &out)
    );
    let backup = backup_dir(&stderr);
    assert!(
        backup.starts_with(b.join("var/lib/maillint/backup")),
        "{}",
        backup.display()
    );

    let fixed = snapshot(&b, Some("var/lib/maillint/"));
    assert_same_files(
        &snapshot(&a, None),
        &fixed,
        false,
        &format!("{tree}: `patch -p1 -E` of the dry-run diff (left) vs --fix (right)"),
    );
    // Modes are kept on every file the fix rewrote.
    for (path, state) in &original {
        if let Some(now) = fixed.get(path) {
            assert_eq!(
                format!("{:o}", now.mode),
                format!("{:o}", state.mode),
                "{tree}: --fix changed the mode of {path}"
            );
        }
    }
    let created: Vec<String> = fixed
        .keys()
        .filter(|p| !original.contains_key(*p))
        .cloned()
        .collect();
    assert!(
        original.iter().any(|(p, s)| fixed.get(p) != Some(s)),
        "{tree}: the fix changed nothing"
    );

    // A second fix writes nothing at all.
    let all_before = snapshot(&b, None);
    let dirs_before = directories(&b);
    let out = maillint(tmp.path())
        .arg(&b)
        .args(["--fix", "--unsafe-fixes"])
        .assert()
        .get_output()
        .clone();
    assert!(
        text(&out.stderr).contains("No fixes to apply."),
        "{tree}: {}",
        describe("second --fix", &out)
    );
    assert_same_files(
        &all_before,
        &snapshot(&b, None),
        true,
        &format!("{tree}: the second --fix wrote"),
    );
    assert_eq!(
        dirs_before,
        directories(&b),
        "{tree}: the second --fix made a backup"
    );

    // Restore brings back every original byte and mode, and removes what the fix created.
    let out = maillint(tmp.path())
        .arg("restore")
        .arg(&backup)
        .assert()
        .code(0)
        .get_output()
        .clone();
    let stdout = text(&out.stdout);
    for path in original
        .keys()
        .filter(|p| fixed.get(*p) != original.get(*p))
    {
        assert!(
            stdout.contains(&format!("restored {path}")),
            "{tree}: restore does not name {path}:\n{stdout}"
        );
    }
    assert_same_files(
        &original,
        &snapshot(&b, Some("var/lib/maillint/")),
        true,
        &format!("{tree}: the tree after `maillint restore` (right) vs the original (left)"),
    );
    created
}

#[test]
fn dry_run_diff_is_the_fix_for_routing() {
    dry_run_patch_fix_restore("routing", |_| {});
}

#[test]
fn dry_run_diff_is_the_fix_for_mx() {
    dry_run_patch_fix_restore("mx", |_| {});
}

#[test]
fn dry_run_diff_is_the_fix_for_exchange() {
    dry_run_patch_fix_restore("exchange", |_| {});
}

/// Without etc/remotedomains the fix creates it (mode 0644, as cPanel does), the diff creates it
/// from /dev/null, and restore removes it again.
#[test]
fn dry_run_diff_is_the_fix_when_the_fix_creates_a_file() {
    if patch_bin().is_none() {
        return;
    }
    let created = dry_run_patch_fix_restore("exchange", |root| {
        fs::remove_file(root.join("etc/remotedomains")).unwrap();
    });
    assert_eq!(created, ["etc/remotedomains"]);
}

/// A fix that empties a file: routing's etc/manualmx holding only the stale alpha.example line.
fn only_the_stale_manualmx_line(root: &Path) {
    let path = root.join("etc/manualmx");
    let text = fs::read_to_string(&path).unwrap();
    let kept: String = text
        .lines()
        .filter(|l| l.starts_with("alpha.example:"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(kept.lines().count(), 1);
    fs::write(&path, kept).unwrap();
}

/// PRODUCT.md promises that `patch -p1 -E` of the dry-run diff gives byte for byte what `--fix`
/// writes, also when a fix empties a file: `--fix` then removes it, as `-E` does (etc/manualmx
/// here; an empty list and a missing one mean the same to Exim and cPanel).
#[test]
fn dry_run_diff_is_the_fix_when_the_fix_empties_a_file() {
    dry_run_patch_fix_restore("routing", only_the_stale_manualmx_line);
}

/// Plain `patch -p1` (no `-E`) reproduces `--fix` exactly too: GNU patch removes a file whose
/// diff ends in `+++ /dev/null`.
#[test]
fn plain_patch_reproduces_a_fix_that_empties_a_file() {
    let Some(patch) = patch_bin() else { return };
    let tmp = TempDir::new().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for root in [&a, &b] {
        copy_tree(&testdata("routing"), root);
        only_the_stale_manualmx_line(root);
    }
    let out = maillint(tmp.path())
        .arg(&a)
        .args(["--fix", "--unsafe-fixes", "--dry-run"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let diff = tmp.path().join("fix.diff");
    fs::write(&diff, &out.stdout).unwrap();
    apply_patch(&patch, &a, &diff, false);
    maillint(tmp.path())
        .arg(&b)
        .args(["--fix", "--unsafe-fixes"])
        .assert()
        .code(1);
    let fixed = snapshot(&b, Some("var/lib/maillint/"));
    assert!(
        !fixed.contains_key("etc/manualmx"),
        "--fix removes etc/manualmx once its only line is gone"
    );
    assert!(!fixed.contains_key("var/cpanel/users.cache/alice"));
    assert_same_files(
        &snapshot(&a, None),
        &fixed,
        true,
        "`patch -p1` of the dry-run diff (left) vs --fix (right)",
    );
}
