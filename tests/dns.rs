//! `--resolve` against a real authoritative server: BIND's `named` on 127.0.0.1 and a free port
//! (tests/common `Bind`), serving testdata/dns/public/var/named as "public DNS" for the tree
//! testdata/dns/tree, whose zones (var/named) are stale copies. No test asks anything but
//! loopback. Without `named` (Debian `bind9`) the tests skip loudly, or fail with
//! MAILLINT_REQUIRE_TOOLS=1 (scripts/test sets it).

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{Bind, findings, maillint};

fn tree() -> PathBuf {
    common::testdata_dir().join("dns/tree")
}

/// The zones BIND serves as public DNS (laid out as a server's var/named, so that the tests
/// that read every bundled zone check them too).
fn public() -> PathBuf {
    common::testdata_dir().join("dns/public/var/named")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs maillint on `root` with `--resolve --resolver ADDR` and `args`; the resolver's port is
/// replaced with `PORT` in both outputs.
fn live(root: &Path, addr: &str, args: &[&str]) -> (i32, String, String) {
    let mut all: Vec<&str> = vec![root.to_str().unwrap(), "--resolve", "--resolver", addr];
    all.extend(args);
    all.push("--no-progress");
    let out = maillint(&all);
    let port_free = |s: String| s.replace(addr, "127.0.0.1:PORT");
    (
        out.status.code().unwrap_or(-1),
        port_free(text(&out.stdout)),
        port_free(text(&out.stderr)),
    )
}

/// The full output of each live rule on the stale-zone tree, pinned.
#[test]
fn live_rules_say_which_view_they_judged_and_show_both_records() {
    let Some(bind) = Bind::start(&public()) else {
        return;
    };
    let root = tree();
    for code in ["RT013", "RT014", "DNS001"] {
        let (rc, out, err) = live(&root, &bind.addr(), &["--select", code]);
        assert!(matches!(rc, 0 | 1), "{code}: exit {rc}: {err}");
        let out = out.replace(&root.display().to_string(), "testdata/dns/tree");
        snapshot!(format!("rule.{code}.live"), out);
    }
    // The seed story: the message says public DNS was judged; the notes show both views.
    let (_, out, _) = live(
        &root,
        &bind.addr(),
        &[
            "--select",
            "RT013",
            "--domain",
            "seed.example",
            "--format",
            "json",
        ],
    );
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let f = &doc["findings"][0];
    assert_eq!(f["code"], "RT013");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["location"]["file"], "etc/localdomains");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("public DNS sends its mail to seed-example.mail.exchange.example.net")
    );
    let (_, full, _) = live(
        &root,
        &bind.addr(),
        &["--select", "RT013", "--domain", "seed.example"],
    );
    assert!(full.contains("public DNS (asked through the resolvers 127.0.0.1:PORT): MX 0 seed-example.mail.exchange.example.net → 203.0.113.25 (not this server)"), "{full}");
    assert!(
        full.contains(
            "local zone (what cPanel's Automatically Detect reads): MX 0 seed.example (this server)"
        ),
        "{full}"
    );
}

/// Offline, the stale zone hides the problem: no RT013, RT014 or DNS001, and RT001 is silent
/// too (the zone says "MX = this server"). With --resolve, RT013 finds it; its fix (as RT001's)
/// moves the domain to etc/remotedomains and pins the routing, and applying it leaves no RT013.
#[test]
fn seed_story_found_only_with_resolve_and_fixed_by_the_unsafe_fix() {
    let Some(bind) = Bind::start(&public()) else {
        return;
    };
    let offline = maillint(&[
        tree().to_str().unwrap(),
        "--select",
        "RT001,RT013,RT014,DNS001",
        "--format",
        "json",
        "--no-progress",
    ]);
    assert_eq!(
        findings(&offline.stdout),
        vec![],
        "{}",
        text(&offline.stderr)
    );

    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("tree");
    common::copy_tree(&tree(), &root);
    let (rc, diff, err) = live(
        &root,
        &bind.addr(),
        &[
            "--select",
            "RT013",
            "--domain",
            "seed.example",
            "--fix",
            "--unsafe-fixes",
            "--dry-run",
        ],
    );
    assert_eq!(rc, 1, "{err}");
    snapshot!("cli.resolve.rt013.diff", diff);
    let (rc, _, err) = live(
        &root,
        &bind.addr(),
        &[
            "--select",
            "RT013",
            "--domain",
            "seed.example",
            "--fix",
            "--unsafe-fixes",
        ],
    );
    assert!(matches!(rc, 0 | 1), "{err}");
    let read = |p: &str| std::fs::read_to_string(root.join(p)).unwrap();
    assert!(
        !read("etc/localdomains")
            .lines()
            .any(|l| l == "seed.example")
    );
    assert!(
        read("etc/remotedomains")
            .lines()
            .any(|l| l == "seed.example")
    );
    assert!(read("var/cpanel/users/bob").contains("MXCHECK-seed.example=remote\n"));
    let (_, out, err) = live(
        &root,
        &bind.addr(),
        &["--select", "RT013", "--format", "json"],
    );
    let left: Vec<String> = findings(out.as_bytes()).into_iter().map(|f| f.1).collect();
    assert_eq!(left, vec!["moved.example".to_string()], "{err}");
}

/// A resolver that never answers: every domain is DNS001 "timed out" (never a wrong verdict:
/// no RT013 or RT014), and the run ends within its deadline.
#[test]
fn a_silent_resolver_makes_every_domain_unverified_within_the_deadline() {
    let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap().to_string();
    let start = Instant::now();
    let (rc, out, err) = live(
        &tree(),
        &addr,
        &[
            "--select",
            "RT013,RT014,DNS001",
            "--dns-timeout",
            "1",
            "--format",
            "json",
        ],
    );
    let took = start.elapsed();
    assert!(matches!(rc, 0 | 1), "exit {rc}: {err}");
    // The deadline is max(4 × timeout, 5 s); allow for the start of the process.
    assert!(took < Duration::from_secs(9), "took {took:?}");
    let got = findings(out.as_bytes());
    assert!(got.iter().all(|f| f.0 == "DNS001"), "{got:?}");
    let domains: Vec<&str> = got.iter().map(|f| f.1.as_str()).collect();
    for d in [
        "seed.example",
        "moved.example",
        "refused.example",
        "same.example",
    ] {
        assert!(domains.contains(&d), "{d} not reported: {domains:?}");
    }
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let first = doc["findings"][0]["message"].as_str().unwrap().to_string();
    assert!(
        first.contains("timed out") || first.contains("deadline"),
        "{first}"
    );
    drop(silent);
}

/// Without --resolve no socket is opened: strace sees no network system call. The same probe
/// sees them with --resolve, so it can fail.
#[test]
fn offline_opens_no_socket() {
    let Some(strace) = common::tool("strace", "strace") else {
        return;
    };
    let bin = assert_cmd::cargo::cargo_bin("maillint");
    let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap().to_string();
    let run = |extra: &[&str]| -> String {
        let tmp = tempfile::tempdir().unwrap();
        let log = tmp.path().join("strace.log");
        let out = std::process::Command::new(&strace)
            .args(["-f", "-qq", "-e", "trace=network", "-o"])
            .arg(&log)
            .arg(&bin)
            .arg(tree())
            .args(["--no-progress", "--format", "concise"])
            .args(extra)
            .env("MAILLINT_NOW", "1795392000")
            .output()
            .unwrap();
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{}",
            text(&out.stderr)
        );
        // The network system calls strace saw. A thread that exits while strace attaches to it
        // leaves a line `PID ???( <detached ...>` naming no call: not a network call.
        std::fs::read_to_string(&log)
            .unwrap()
            .lines()
            .filter(|l| !l.contains("???(") && !l.contains("<detached"))
            .map(|l| format!("{l}\n"))
            .collect::<String>()
    };
    let offline = run(&[]);
    assert_eq!(
        offline.trim(),
        "",
        "network system calls without --resolve:\n{offline}"
    );
    // With --resolve, DNS is asked only when a selected rule reads it.
    let unneeded = run(&["--resolve", "--resolver", &addr, "--select", "CP003,DMARC"]);
    assert_eq!(
        unneeded.trim(),
        "",
        "network system calls with --resolve and no rule that reads public DNS:\n{unneeded}"
    );
    let online = run(&["--resolve", "--resolver", &addr, "--dns-timeout", "1"]);
    assert!(
        online.contains("socket(")
            && online.contains(&addr.split(':').next_back().unwrap().to_string()),
        "strace saw no DNS query with --resolve:\n{online}"
    );
}

/// `--no-default-features` leaves hickory-resolver and tokio out of the build.
#[test]
fn the_offline_build_has_no_network_dependencies() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let tree = |features: &[&str]| -> String {
        let out = std::process::Command::new(&cargo)
            .args([
                "tree",
                "--offline",
                "--locked",
                "-e",
                "normal",
                "--prefix",
                "none",
            ])
            .args(features)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    let offline = tree(&["--no-default-features"]);
    for dep in ["hickory", "tokio "] {
        assert!(
            !offline.contains(dep),
            "{dep} in the offline build:\n{offline}"
        );
    }
    let default = tree(&[]);
    assert!(default.contains("hickory-resolver v0.26"), "{default}");
}

/// `--resolver` and `--dns-timeout` need `--resolve`; bad values are usage errors.
#[test]
fn resolve_options_are_checked() {
    let t = tree();
    let t = t.to_str().unwrap();
    for args in [
        vec![t, "--resolver", "127.0.0.1:53"],
        vec![t, "--resolve", "--resolver", "ns1.example.net"],
        vec![t, "--resolve", "--dns-timeout", "0"],
    ] {
        let out = maillint(&args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}

/// The rules `--resolve` extends: what each finds offline and with public DNS, exactly, and the
/// live output pinned.
#[test]
fn online_extensions_judge_what_lies_outside_the_tree() {
    let Some(bind) = Bind::start(&public()) else {
        return;
    };
    let root = tree();
    let pairs = |out: &[u8]| -> Vec<String> {
        let mut v: Vec<String> = findings(out)
            .into_iter()
            .map(|(code, domain, _)| format!("{code} {domain}"))
            .collect();
        v.sort();
        v
    };
    let select = "SPF004,SPF006,SPF012,DKIM001,DKIM002,MX005,RT011";
    let offline = maillint(&[
        root.to_str().unwrap(),
        "--select",
        select,
        "--format",
        "json",
        "--no-progress",
    ]);
    // Offline: spf.exchange.example.net is outside the tree, so SPF006 can only say "may not".
    assert_eq!(pairs(&offline.stdout), vec!["SPF006 nsaway.example"]);
    let (_, out, err) = live(
        &root,
        &bind.addr(),
        &["--select", select, "--format", "json"],
    );
    assert_eq!(
        pairs(out.as_bytes()),
        vec![
            "DKIM001 seed.example",     // the public selector has no record
            "DKIM002 dkimdiff.example", // the public selector holds another key
            "MX005 deadmx.example",     // backup.gone.example.net: NXDOMAIN
            "RT011 nsaway.example",     // public NS elsewhere
            "RT011 seed.example",
            "SPF004 spfchain.example", // 20 lookups through the chain outside the tree
            "SPF006 nsaway.example",   // now certain: the include does not list the server
            "SPF012 deadmx.example",   // three includes that do not exist
        ],
        "{err}"
    );
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let spf006 = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "SPF006")
        .unwrap();
    assert_eq!(spf006["severity"], "error", "certain with public DNS");
    for code in [
        "SPF004", "SPF006", "SPF012", "DKIM001", "DKIM002", "MX005", "RT011",
    ] {
        let (_, out, _) = live(&root, &bind.addr(), &["--select", code]);
        let out = out.replace(&root.display().to_string(), "testdata/dns/tree");
        snapshot!(format!("rule.{code}.live"), out);
    }
}
