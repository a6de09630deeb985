//! `maillint hook`: cPanel's event on standard input, the answer on standard output, the log
//! under the root, `--describe`, `install`/`uninstall`, `[hook] fix` and `[hook] block`, and
//! input that must never fail or hang the hook.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};

const NOW: &str = "1795392000";

fn copy_tree(name: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("tree");
    common::copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata")
            .join(name),
        &root,
    );
    (tmp, root)
}

struct Answer {
    stdout: String,
    stderr: String,
    code: Option<i32>,
}

fn hook(root: &Path, stdin: Vec<u8>, extra: &[&str]) -> Answer {
    let out = assert_cmd::Command::cargo_bin("maillint")
        .unwrap()
        .arg("hook")
        .arg("--root")
        .arg(root)
        .args(extra)
        .env("MAILLINT_NOW", NOW)
        .write_stdin(stdin)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    Answer {
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code(),
    }
}

/// An event shaped like the real sample (testdata/corpus/cpanel/hook-stdin-*.json).
fn event(category: &str, name: &str, stage: &str, data: Value) -> Vec<u8> {
    json!({
        "hook": {"hook": "/usr/local/bin/maillint hook", "id": "x", "exectype": "script",
                 "escalateprivs": 0, "stage": stage, "weight": 100},
        "context": {"category": category, "point": "main", "event": name, "stage": stage},
        "data": data,
    })
    .to_string()
    .into_bytes()
}

/// The findings of `maillint check ROOT --domain D…`.
fn check(root: &Path, domains: &[&str]) -> Vec<Value> {
    let mut cmd = assert_cmd::Command::cargo_bin("maillint").unwrap();
    cmd.arg(root)
        .args(["--format", "json", "--no-progress", "--exit-zero"])
        .env("MAILLINT_NOW", NOW);
    for d in domains {
        cmd.args(["--domain", d]);
    }
    let out = cmd.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["findings"].as_array().unwrap().clone()
}

fn log_lines(root: &Path) -> Vec<Value> {
    std::fs::read_to_string(root.join("var/log/maillint/hook.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The answer cPanel reads: one line, `1 maillint: …` (or `0 maillint: …`).
fn assert_passes(a: &Answer) {
    assert_eq!(a.code, Some(0), "{}", a.stderr);
    assert!(a.stdout.starts_with("1 maillint: "), "{:?}", a.stdout);
    assert_eq!(a.stdout.lines().count(), 1, "{:?}", a.stdout);
}

#[test]
fn every_event_of_the_table_lints_the_domains_it_touched() {
    // (category, event, data, the domains it touched) on testdata/exchange (account bob).
    let bob_all = [
        "example.com",
        "example.org",
        "org.example.com",
        "shop.example.com",
    ];
    let cases: Vec<(&str, &str, Value, Vec<&str>)> = vec![
        (
            "Whostmgr",
            "Accounts::Create",
            json!({"user": "bob", "domain": "example.com", "mxcheck": "local", "homedir": "/home/bob", "is_restore": 0}),
            vec!["example.com"],
        ),
        (
            "Whostmgr",
            "Accounts::Modify",
            json!({"user": "bob"}),
            bob_all.to_vec(),
        ),
        (
            "PkgAcct",
            "Restore",
            json!({"user": "bob", "extract_dir": "/home/cpmove-bob"}),
            bob_all.to_vec(),
        ),
        (
            "Whostmgr",
            "Transfers::Session",
            json!({"user": "bob"}),
            bob_all.to_vec(),
        ),
        (
            "Whostmgr",
            "Domain::park",
            json!({"user": "bob", "target_domain": "example.com", "new_domain": "example.org"}),
            vec!["example.org"],
        ),
        (
            "Whostmgr",
            "Domain::addsubdomain",
            json!({"user": "bob", "subdomain": "shop", "rootdomain": "example.com"}),
            vec!["shop.example.com"],
        ),
        (
            "Cpanel",
            "UAPI::Email::set_always_accept",
            json!({"user": "bob", "args": {"domain": "example.org", "mxcheck": "local"}, "result": {}}),
            vec!["example.org"],
        ),
        (
            "Cpanel",
            "Api2::Email::setmxcheck",
            json!({"user": "bob", "args": {"domain": "example.org", "mxcheck": "remote"}, "output": []}),
            vec!["example.org"],
        ),
        (
            "Cpanel",
            "Api2::Email::setalwaysaccept",
            json!({"user": "bob", "args": {"domain": "example.org"}, "output": []}),
            vec!["example.org"],
        ),
        (
            "Cpanel",
            "UAPI::Email::add_mx",
            json!({"user": "bob", "args": {"domain": "example.com", "exchanger": "mx.example.net", "priority": 10}}),
            vec!["example.com"],
        ),
        (
            "Cpanel",
            "UAPI::Email::change_mx",
            json!({"user": "bob", "args": {"domain": "example.com"}}),
            vec!["example.com"],
        ),
        (
            "Cpanel",
            "UAPI::Email::delete_mx",
            json!({"user": "bob", "args": {"domain": "example.org"}}),
            vec!["example.org"],
        ),
        (
            "Cpanel",
            "UAPI::DNS::mass_edit_zone",
            json!({"user": "bob", "args": {"zone": "example.org", "serial": 1}}),
            vec!["example.org"],
        ),
        (
            "Cpanel",
            "Api2::ZoneEdit::add_zone_record",
            json!({"user": "bob", "args": {"domain": "example.com", "type": "TXT"}}),
            vec!["example.com"],
        ),
        (
            "Cpanel",
            "Api2::ZoneEdit::edit_zone_record",
            json!({"user": "bob", "args": {"domain": "example.com", "line": 3}}),
            vec!["example.com"],
        ),
        (
            "Cpanel",
            "Api2::ZoneEdit::remove_zone_record",
            json!({"user": "bob", "args": {"domain": "example.org", "line": 3}}),
            vec!["example.org"],
        ),
    ];
    // Every post-stage entry of --describe has its case here.
    let described = describe();
    let posts: Vec<(String, String)> = described
        .iter()
        .filter(|e| e["stage"] == "post")
        .map(|e| {
            (
                e["category"].as_str().unwrap().to_string(),
                e["event"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let covered: Vec<(String, String)> = cases
        .iter()
        .map(|(c, e, _, _)| (c.to_string(), e.to_string()))
        .collect();
    assert_eq!(posts, covered);

    for (category, name, data, domains) in cases {
        let (_tmp, root) = copy_tree("exchange");
        let expected = check(&root, &domains);
        let a = hook(&root, event(category, name, "post", data), &[]);
        assert_passes(&a);
        let label = format!("{category} {name} post");
        let for_ = domains.join(", ");
        if expected.is_empty() {
            assert_eq!(a.stdout, format!("1 maillint: no findings for {for_}\n"));
        } else {
            let n = expected.len();
            let plural = if n == 1 { "finding" } else { "findings" };
            assert!(
                a.stdout
                    .starts_with(&format!("1 maillint: {n} {plural} for {for_} (")),
                "{label}: {:?}",
                a.stdout
            );
            assert!(
                a.stdout.trim_end().ends_with(&format!(
                    "; see {}",
                    root.join("var/log/maillint/hook.jsonl").display()
                )),
                "{}",
                a.stdout
            );
        }
        // One log line per finding, with the event, the user and the time.
        let log = log_lines(&root);
        assert_eq!(log.len(), expected.len(), "{label}");
        for (line, f) in log.iter().zip(&expected) {
            assert_eq!(line["event"], label);
            assert_eq!(line["user"], "bob");
            assert!(line["time"].as_str().is_some_and(|t| t.ends_with('Z')));
            assert_eq!(&line["finding"], f);
        }
        // The summary on stderr names the event.
        assert!(
            a.stderr.contains(&format!("maillint hook {label}: ")),
            "{}",
            a.stderr
        );
    }
}

#[test]
fn the_real_sample_for_an_account_the_tree_does_not_have_passes_with_the_reason() {
    let (_tmp, root) = copy_tree("exchange");
    let sample = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/corpus/cpanel/hook-stdin-Whostmgr-Accounts-Create-post.json"),
    )
    .unwrap();
    let a = hook(&root, sample, &[]);
    assert_eq!(
        a.stdout,
        "1 maillint: no account sdagsd on this server (var/cpanel/users/sdagsd); nothing checked\n"
    );
    // An event maillint does not handle (the real Accounts::Remove sample).
    let sample = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/corpus/cpanel/hook-stdin-Whostmgr-Accounts-Remove-post.json"),
    )
    .unwrap();
    let a = hook(&root, sample, &[]);
    assert_eq!(
        a.stdout,
        "1 maillint: Whostmgr Accounts::Remove post is not an event maillint handles; nothing checked\n"
    );
    assert!(!root.join("var/log/maillint/hook.jsonl").exists());
}

fn describe() -> Vec<Value> {
    let out = assert_cmd::Command::cargo_bin("maillint")
        .unwrap()
        .args(["hook", "--describe"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v.as_array().unwrap().clone()
}

#[test]
fn describe_prints_what_manage_hooks_requires() {
    let exe = std::fs::canonicalize(assert_cmd::cargo::cargo_bin("maillint")).unwrap();
    let entries = describe();
    assert_eq!(entries.len(), 17);
    for e in &entries {
        let o = e.as_object().unwrap();
        for key in ["category", "event", "stage", "hook", "exectype"] {
            assert!(o.get(key).is_some_and(Value::is_string), "{key} in {e}");
        }
        for key in ["category", "event"] {
            let s = o[key].as_str().unwrap();
            assert!(
                !s.is_empty()
                    && s.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b':' || b == b'_'),
                "{s}"
            );
        }
        assert_eq!(o["exectype"], "script");
        assert_eq!(o["hook"], format!("{} hook", exe.display()));
        assert!(["pre", "post"].contains(&o["stage"].as_str().unwrap()));
        // Cpanel events run as the user: the hook asks to run as root.
        assert_eq!(o.get("escalateprivs").is_some(), o["category"] == "Cpanel");
        // Only the pre stage of the routing call blocks.
        assert_eq!(o.get("blocking").is_some(), o["stage"] == "pre", "{e}");
    }
    let pre: Vec<&Value> = entries.iter().filter(|e| e["stage"] == "pre").collect();
    assert_eq!(pre.len(), 1);
    assert_eq!(pre[0]["event"], "UAPI::Email::set_always_accept");
    // `maillint --describe` (what `manage_hooks add script maillint` runs) prints the same.
    let out = assert_cmd::Command::cargo_bin("maillint")
        .unwrap()
        .arg("--describe")
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.as_array().unwrap(), &entries);
}

/// A stand-in `manage_hooks` on PATH: records its arguments, and keeps a registry (a directory,
/// one file per script) of what `SCRIPT --describe` described.
fn stand_in(dir: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let script = bin.join("manage_hooks");
    std::fs::write(
        &script,
        r#"#!/bin/sh
echo "$*" >> "$MH_DIR/args"
key=$(printf '%s' "$3" | tr / _)
case "$1 $2" in
  "add script") "$3" --describe > "$MH_DIR/registry/$key" || exit 1 ;;
  "delete script") "$3" --describe > /dev/null && rm "$MH_DIR/registry/$key" || exit 1 ;;
  *) exit 2 ;;
esac
"#,
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::create_dir_all(dir.join("registry")).unwrap();
    std::fs::write(
        dir.join("registry/other-hook"),
        "[{\"category\":\"Whostmgr\"}]",
    )
    .unwrap();
    bin
}

fn registry(dir: &Path) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = std::fs::read_dir(dir.join("registry"))
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read_to_string(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

fn manage(dir: &Path, bin: &Path, args: &[&str]) -> std::process::Output {
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    assert_cmd::Command::cargo_bin("maillint")
        .unwrap()
        .arg("hook")
        .args(args)
        .env("PATH", path)
        .env("MH_DIR", dir)
        .output()
        .unwrap()
}

#[test]
fn install_registers_with_manage_hooks_and_uninstall_removes_exactly_that() {
    if Path::new("/usr/local/cpanel/bin/manage_hooks").exists() {
        // A real cPanel server: the stand-in would not be used.
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let bin = stand_in(dir);
    let exe = std::fs::canonicalize(assert_cmd::cargo::cargo_bin("maillint")).unwrap();
    let before = registry(dir);

    // --dry-run prints the command and runs nothing.
    let out = manage(dir, &bin, &["install", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.starts_with(&format!(
            "{} add script {}\n",
            bin.join("manage_hooks").display(),
            exe.display()
        )),
        "{stdout}"
    );
    assert!(!dir.join("args").exists());

    let out = manage(dir, &bin, &["install"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let args = std::fs::read_to_string(dir.join("args")).unwrap();
    assert_eq!(args, format!("add script {}\n", exe.display()));
    let after = registry(dir);
    assert_eq!(after.len(), 2);
    let added = &after.iter().find(|(k, _)| k != "other-hook").unwrap().1;
    let added: Value = serde_json::from_str(added).unwrap();
    assert_eq!(added.as_array().unwrap(), &describe());

    let out = manage(dir, &bin, &["uninstall", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(registry(dir), after);
    let out = manage(dir, &bin, &["uninstall"]);
    assert_eq!(out.status.code(), Some(0));
    let args = std::fs::read_to_string(dir.join("args")).unwrap();
    assert_eq!(
        args,
        format!(
            "add script {}\ndelete script {}\n",
            exe.display(),
            exe.display()
        )
    );
    assert_eq!(registry(dir), before);
}

#[test]
fn install_without_manage_hooks_is_an_error() {
    if Path::new("/usr/local/cpanel/bin/manage_hooks").exists() {
        return;
    }
    let out = assert_cmd::Command::cargo_bin("maillint")
        .unwrap()
        .args(["hook", "install"])
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("manage_hooks not found"));
}

#[test]
fn hostile_input_never_fails_or_hangs_the_hook() {
    let (_tmp, root) = copy_tree("exchange");
    let mut big = b"{\"context\":{\"category\":\"Whostmgr\",\"event\":\"Accounts::Create\",\"stage\":\"post\"},\"data\":{\"user\":\"".to_vec();
    big.resize(100 * 1024 * 1024, b'a');
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty", Vec::new(), "the event is not JSON"),
        (
            "binary",
            (0..=255u8).cycle().take(70_000).collect(),
            "the event is not JSON",
        ),
        ("100 MB", big, "the event is larger than 1024 KiB; not read"),
        (
            "truncated",
            br#"{"context":{"category":"Whostmgr","event":"Accou"#.to_vec(),
            "the event is not JSON",
        ),
        (
            "no context",
            br#"[1,2,3]"#.to_vec(),
            "the event has no context.category",
        ),
        (
            "wrong types",
            br#"{"context":{"category":1,"event":[],"stage":{}},"data":"x"}"#.to_vec(),
            "the event has no context.category",
        ),
        (
            "data of the wrong type",
            event(
                "Whostmgr",
                "Accounts::Create",
                "post",
                json!({"user": 5, "domain": ["x"]}),
            ),
            "the event names no user and no domain",
        ),
        (
            "a path as user",
            event(
                "Whostmgr",
                "Accounts::Create",
                "post",
                json!({"user": "../../etc", "domain": "example.com"}),
            ),
            "which is no cPanel user name",
        ),
        (
            "a domain that is no name",
            event(
                "Cpanel",
                "UAPI::Email::add_mx",
                "post",
                json!({"user": "bob", "args": {"domain": "a/../b"}}),
            ),
            "which is no domain name",
        ),
        (
            "a domain the tree does not have",
            event(
                "Cpanel",
                "UAPI::Email::add_mx",
                "post",
                json!({"user": "bob", "args": {"domain": "nowhere.example.net"}}),
            ),
            "names no domain of this tree",
        ),
        (
            "an unknown user",
            event(
                "Whostmgr",
                "Accounts::Create",
                "post",
                json!({"user": "nobodyhere", "domain": "example.com"}),
            ),
            "no account nobodyhere on this server",
        ),
    ];
    for (what, input, why) in cases {
        let started = std::time::Instant::now();
        let a = hook(&root, input, &[]);
        assert_passes(&a);
        assert!(a.stdout.contains(why), "{what}: {:?}", a.stdout);
        assert!(started.elapsed() < Duration::from_secs(30), "{what}");
    }
    // A bad configuration does not fail the hook either.
    std::fs::write(root.join("etc/maillint.toml"), "[hook]\nfix = \"always\"\n").unwrap();
    let a = hook(
        &root,
        event(
            "Whostmgr",
            "Accounts::Create",
            "post",
            json!({"user": "bob", "domain": "example.com"}),
        ),
        &[],
    );
    assert_passes(&a);
    assert!(
        a.stdout.contains("invalid configuration file"),
        "{}",
        a.stdout
    );
}

#[test]
fn block_refuses_local_while_the_primary_mx_is_elsewhere_only_when_configured() {
    let (_tmp, root) = copy_tree("exchange");
    let call = |domain: &str, mxcheck: &str| {
        event(
            "Cpanel",
            "UAPI::Email::set_always_accept",
            "pre",
            json!({"user": "bob", "args": {"domain": domain, "mxcheck": mxcheck}}),
        )
    };
    // Default: no block.
    let a = hook(&root, call("example.org", "local"), &[]);
    assert_eq!(
        a.stdout,
        "1 maillint: blocking is off ([hook] block); nothing checked\n"
    );
    std::fs::write(root.join("etc/maillint.toml"), "[hook]\nblock = true\n").unwrap();
    // example.org's MX is Microsoft's: Local is refused.
    let a = hook(&root, call("example.org", "local"), &[]);
    assert_eq!(a.code, Some(0));
    assert!(
        a.stdout.starts_with(
            "0 maillint: refused: example.org's primary MX is example-org.mail.protection.outlook.com, another host;"
        ),
        "{}",
        a.stdout
    );
    // Remote is what it should be; example.com's MX is this server.
    for (d, m) in [("example.org", "remote"), ("example.com", "local")] {
        let a = hook(&root, call(d, m), &[]);
        assert_passes(&a);
    }
    // The post stage never blocks.
    let a = hook(
        &root,
        event(
            "Cpanel",
            "UAPI::Email::set_always_accept",
            "post",
            json!({"user": "bob", "args": {"domain": "example.org", "mxcheck": "local"}}),
        ),
        &[],
    );
    assert_passes(&a);
}

#[test]
fn fix_safe_applies_the_safe_fixes_of_the_events_domains_only() {
    let (_tmp, root) = copy_tree("lists");
    let before = std::fs::read_to_string(root.join("etc/localdomains")).unwrap();
    assert!(before.contains("dot.example.\n"), "{before}");
    let user = std::fs::read_to_string(root.join("etc/userdomains"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("dot.example: ").map(str::to_string))
        .unwrap();
    let ev = event(
        "Whostmgr",
        "Domain::park",
        "post",
        json!({"user": user, "target_domain": "x.example", "new_domain": "dot.example"}),
    );
    // Without [hook] fix, nothing changes.
    let a = hook(&root, ev.clone(), &[]);
    assert_passes(&a);
    assert_eq!(
        std::fs::read_to_string(root.join("etc/localdomains")).unwrap(),
        before
    );
    std::fs::write(root.join("etc/maillint.toml"), "[hook]\nfix = \"safe\"\n").unwrap();
    let a = hook(&root, ev, &[]);
    assert_passes(&a);
    assert!(
        a.stdout.starts_with("1 maillint: 1 fixed; "),
        "{}",
        a.stdout
    );
    let after = std::fs::read_to_string(root.join("etc/localdomains")).unwrap();
    // CP003's safe fix: the line Exim does not read as dot.example goes.
    assert!(!after.contains("dot.example.\n"), "{after}");
    // Other lines CP003 would fix stay as they were.
    let others = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| !l.trim_end_matches('.').eq_ignore_ascii_case("dot.example"))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(others(&after), others(&before));
}

#[test]
fn the_log_is_rotated_before_it_grows_past_1_mib() {
    let (_tmp, root) = copy_tree("exchange");
    let dir = root.join("var/log/maillint");
    std::fs::create_dir_all(&dir).unwrap();
    let old = "x".repeat(1024 * 1024 - 10) + "\n";
    std::fs::write(dir.join("hook.jsonl"), &old).unwrap();
    let ev = event(
        "Cpanel",
        "UAPI::Email::delete_mx",
        "post",
        json!({"user": "bob", "args": {"domain": "example.org"}}),
    );
    let a = hook(&root, ev.clone(), &[]);
    assert_passes(&a);
    assert!(!check(&root, &["example.org"]).is_empty());
    assert_eq!(
        std::fs::read_to_string(dir.join("hook.jsonl.1")).unwrap(),
        old
    );
    let n = log_lines(&root).len();
    assert_eq!(n, check(&root, &["example.org"]).len());
    // Again and again: two files at most, each under the cap.
    for _ in 0..3 {
        assert_passes(&hook(&root, ev.clone(), &[]));
    }
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    for n in names {
        assert!(std::fs::metadata(dir.join(n)).unwrap().len() <= 1024 * 1024);
    }
}
