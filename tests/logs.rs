//! Evidence from the mail logs (RULES.md "LOG"): the logs of `testdata/logs` (written by
//! `testdata/logs-src/generate.py`: a rotated gzipped main log with Exim's old 16-character ids,
//! the current one with 23-character ids, pids, milliseconds and a time zone, and Dovecot's
//! syslog lines) turned into evidence on RT001, MBX001 and CP005, and the options that choose
//! the logs. The LOG rules themselves are pinned by tests/rules.rs (`rule.LOG00N`).

mod common;

use std::fs;
use std::path::Path;

use common::{maillint, testdata_dir, tool};
use serde_json::Value;

fn json(args: &[&str]) -> Value {
    let out = maillint(args);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn finding<'a>(doc: &'a Value, code: &str) -> &'a Value {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {doc}"))
}

#[test]
fn the_rotated_gzip_file_is_the_committed_plain_one() {
    // The .gz is generated deterministically (gzip, no name, mtime 0) from the plain file.
    let gz = fs::read(testdata_dir().join("logs/var/log/exim_mainlog-20261116.gz")).unwrap();
    let mut plain = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut plain).unwrap();
    let src = fs::read(testdata_dir().join("logs-src/exim_mainlog-20261116")).unwrap();
    assert!(
        plain == src,
        "regenerate with testdata/logs-src/generate.py"
    );
}

#[test]
fn rt001_says_how_many_messages_from_here_were_delivered_locally() {
    let doc = json(&[
        "testdata/logs",
        "--select",
        "RT001",
        "--format",
        "json",
        "--no-progress",
    ]);
    let f = finding(&doc, "RT001");
    assert_eq!(f["domain"], "example.org");
    let e = &f["evidence"];
    // In the period (9 to 23 Nov): webmail on 12, 17, 20 and 22 Nov, the forwarder
    // sales@example.com on 12 Nov and the contact form on 13 Nov, across the rotated .gz (old ids)
    // and the current file (new ids). Not counted: 8 Nov (before the period), 23 Nov 10:00
    // (after "now").
    assert_eq!(e["count"], 6, "{e}");
    assert_eq!(e["first"], "2026-11-12T09:14:03Z");
    assert_eq!(e["last"], "2026-11-22T17:02:41Z");
    assert_eq!(e["contradicts"], false);
    assert_eq!(e["counts"]["remote"], 0);
    assert_eq!(e["sample"]["file"], "var/log/exim_mainlog-20261116.gz");
    assert_eq!(e["sample"]["line"], 5);
    assert!(
        e["sample"]["text"]
            .as_str()
            .unwrap()
            .contains("=> team <team@example.org> R=virtual_user")
    );
    // Shorter period: only the 20 and 22 Nov messages.
    let doc = json(&[
        "testdata/logs",
        "--select",
        "RT001",
        "--format",
        "json",
        "--since",
        "3",
    ]);
    assert_eq!(finding(&doc, "RT001")["evidence"]["count"], 2);
    // --no-logs: no evidence at all.
    let doc = json(&[
        "testdata/logs",
        "--select",
        "RT001",
        "--format",
        "json",
        "--no-logs",
    ]);
    assert!(finding(&doc, "RT001").get("evidence").is_none());
}

#[test]
fn evidence_in_the_full_format() {
    let out = maillint(&[
        "testdata/logs",
        "--select",
        "RT001,MBX001,CP005",
        "--no-progress",
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    snapshot!("cli.logs-evidence-full", text);
}

#[test]
fn evidence_in_json_and_sarif() {
    let doc = json(&[
        "testdata/logs",
        "--select",
        "RT001,MBX001,CP005",
        "--format",
        "json",
    ]);
    let evidence: Vec<Value> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| serde_json::json!({"code": f["code"], "evidence": f["evidence"]}))
        .collect();
    snapshot!(
        "cli.logs-evidence-json",
        serde_json::to_string_pretty(&evidence).unwrap()
    );
    let mbx = finding(&doc, "MBX001");
    assert_eq!(mbx["evidence"]["counts"]["retrieved"], 12);
    assert_eq!(mbx["evidence"]["counts"]["deleted"], 0);
    assert_eq!(mbx["evidence"]["count"], 3, "three POP3 sessions");
    let cp = finding(&doc, "CP005");
    assert_eq!(cp["domain"], "shop.example.com");
    assert_eq!(cp["evidence"]["counts"]["busiest_hour"], 10);
    // SARIF carries the same object in the result's properties.
    let sarif = json(&["testdata/logs", "--select", "RT001", "--format", "sarif"]);
    let props = &sarif["runs"][0]["results"][0]["properties"];
    assert_eq!(props["evidence"]["count"], 6, "{props}");
}

#[test]
fn logs_without_a_local_delivery_contradict_rt001() {
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("exim_mainlog");
    fs::write(
        &log,
        "2026-11-20 10:00:00 1x6aaa-0000000aaaa-aaaa <= alice@example.com H=localhost [127.0.0.1]:4000 P=esmtpa A=dovecot_login:alice@example.com S=100 for friend@example.net\n\
         2026-11-20 10:00:01 1x6aaa-0000000aaaa-aaaa => friend@example.net R=dkim_lookuphost T=dkim_remote_smtp H=mail.example.net [198.51.100.20] C=\"250 ok\"\n",
    )
    .unwrap();
    let doc = json(&[
        "testdata/logs",
        "--select",
        "RT001",
        "--format",
        "json",
        "--logs",
        log.to_str().unwrap(),
    ]);
    let e = &finding(&doc, "RT001")["evidence"];
    assert_eq!(e["contradicts"], true, "{e}");
    assert_eq!(e["count"], 0);
    assert!(
        e["summary"]
            .as_str()
            .unwrap()
            .contains("show no message sent from this server to example.org")
    );
    // A directory given to --logs: its log files are read (the .gz and the plain one).
    let doc = json(&[
        "testdata/logs",
        "--select",
        "RT001",
        "--format",
        "json",
        "--logs",
        "testdata/logs/var/log",
    ]);
    let e = &finding(&doc, "RT001")["evidence"];
    assert_eq!(e["count"], 6);
    assert_eq!(
        e["sample"]["file"],
        "testdata/logs/var/log/exim_mainlog-20261116.gz"
    );
    // A path that does not exist is a usage error.
    let out = maillint(&["testdata/logs", "--logs", "testdata/logs/var/log/nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--logs testdata/logs/var/log/nope"));
}

#[test]
fn a_symlinked_log_under_the_root_is_not_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("tree");
    copy(&testdata_dir().join("logs"), &root);
    fs::remove_file(root.join("var/log/exim_mainlog-20261116.gz")).unwrap();
    let outside = tmp.path().join("secret_log");
    fs::rename(root.join("var/log/exim_mainlog"), &outside).unwrap();
    std::os::unix::fs::symlink(&outside, root.join("var/log/exim_mainlog")).unwrap();
    let out = maillint(&[
        root.to_str().unwrap(),
        "--select",
        "RT001",
        "--format",
        "json",
    ]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = finding(&doc, "RT001");
    // Only the syslog mail log is read: no Exim line, so no evidence about deliveries.
    assert!(f.get("evidence").is_none(), "{f}");
}

fn copy(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy(&e.path(), &dst);
        } else {
            fs::copy(e.path(), &dst).unwrap();
        }
    }
}

/// Exim's own `exigrep` selects the messages of one recipient; maillint's count of the local
/// deliveries to its domain (all submitted by webmail in this file) must match.
#[test]
fn exigrep_selects_the_same_messages() {
    let Some(exigrep) = tool("exigrep", "exim4-base") else {
        return;
    };
    let log = testdata_dir().join("logs/var/log/exim_mainlog");
    let out = std::process::Command::new(exigrep)
        .arg("@example.org>")
        .arg(&log)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    // Distinct messages with a delivery line (exigrep prints each message's lines together).
    let mut ids: Vec<&str> = text
        .lines()
        .filter(|l| l.contains(" => "))
        .filter_map(|l| {
            l.split_whitespace()
                .find(|w| w.len() == 23 && w.matches('-').count() == 2)
        })
        .collect();
    ids.sort();
    ids.dedup();
    assert!(!ids.is_empty());
    // The whole file, whatever its dates: a clock after its last line and a long period.
    let out = assert_cmd::Command::cargo_bin("maillint")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("MAILLINT_NOW", "1796000000")
        .args([
            "testdata/logs",
            "--select",
            "RT001",
            "--format",
            "json",
            "--since",
            "365",
        ])
        .arg("--logs")
        .arg(&log)
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let e = &finding(&doc, "RT001")["evidence"];
    assert_eq!(
        e["count"],
        ids.len() as u64,
        "exigrep: {ids:?}; maillint: {e}"
    );
    assert_eq!(e["counts"]["local"], ids.len() as u64);
}
