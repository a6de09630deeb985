//! The SPF rules over `testdata/spf`, a synthetic server whose zones hold every SPF problem and
//! the near-misses that must stay quiet; the offline SPF evaluation (`check_spf`,
//! `count_spf_lookups`) through that tree; and the fixes end to end, checked by BIND's
//! `named-checkzone` and GNU `patch`.
//!
//! The tree (one account, `dave`, main domain good.example with the others parked; the server
//! sends from 192.0.2.40, v6.example from 2001:db8::40 by `etc/mailips`): each zone is named for
//! its case. `relay.example` is a zone with no account, as a provider's zone on the same server
//! would be: it holds the records that the domains include (`_spf1`…`_spf3` chain, `_spf` for
//! redirects, `_spf6`, a loop, a broken record).
//!
//! A missing `named-checkzone` or `patch` fails the tests that need them when
//! `MAILLINT_REQUIRE_TOOLS=1` (as `scripts/test` and CI set it); otherwise they print a loud
//! notice and check nothing more.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::net::IpAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{findings, maillint, testdata_dir, tool};
use maillint::fix::Overlay;
use maillint::model::spf::{Outcome, Verdict};
use maillint::model::{Options, Server};

const TREE: &str = "testdata/spf";

fn expected(list: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    list.iter()
        .map(|(c, d, l)| (c.to_string(), d.to_string(), l.to_string()))
        .collect()
}

fn json(args: &[&str]) -> serde_json::Value {
    let out = maillint(args);
    assert!(
        out.stderr.is_empty(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON output")
}

fn finding<'a>(doc: &'a serde_json::Value, code: &str, domain: &str) -> &'a serde_json::Value {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == code && f["domain"] == domain)
        .unwrap_or_else(|| panic!("no {code} for {domain}"))
}

// ---------------------------------------------------------------------------------------------
// Findings
// ---------------------------------------------------------------------------------------------

#[test]
fn spf_tree_has_every_spf_problem_and_no_near_miss() {
    let out = maillint(&[TREE, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let all = findings(&out.stdout);
    // Only SPF findings: the tree is consistent for the routing, MX and cPanel rules.
    let others: Vec<_> = all
        .iter()
        .filter(|(c, _, _)| ["RT", "MX", "CP", "EXIM"].iter().any(|p| c.starts_with(p)))
        .collect();
    assert!(others.is_empty(), "unexpected findings: {others:?}");
    let got: Vec<_> = all
        .into_iter()
        .filter(|(c, _, _)| c.starts_with("SPF"))
        .collect();
    assert_eq!(
        got,
        expected(&[
            (
                "SPF006",
                "brokeninc.example",
                "var/named/brokeninc.example.db:16:41"
            ),
            (
                "SPF011",
                "caldav.example",
                "var/named/caldav.example.db:17:35"
            ),
            (
                "SPF011",
                "caldav.example",
                "var/named/caldav.example.db:22:26"
            ),
            (
                "SPF006",
                "external.example",
                "var/named/external.example.db:16:75"
            ),
            ("SPF009", "huge.example", "var/named/huge.example.db:16:29"),
            ("SPF008", "long.example", "var/named/long.example.db:16:28"),
            (
                "SPF004",
                "lookups.example",
                "var/named/lookups.example.db:16:32"
            ),
            ("SPF004", "loop.example", "var/named/loop.example.db:16:29"),
            ("SPF001", "m365.example", "var/named/m365.example.db:4:1"),
            (
                "SPF010",
                "modifiers.example",
                "var/named/modifiers.example.db:16:53"
            ),
            (
                "SPF010",
                "modifiers.example",
                "var/named/modifiers.example.db:16:98"
            ),
            (
                "SPF002",
                "multi.example",
                "var/named/multi.example.db:17:30"
            ),
            (
                "SPF005",
                "neutral.example",
                "var/named/neutral.example.db:16:62"
            ),
            (
                "SPF005",
                "noall.example",
                "var/named/noall.example.db:16:30"
            ),
            ("SPF001", "nospf.example", "var/named/nospf.example.db:4:1"),
            ("SPF005", "open.example", "var/named/open.example.db:16:43"),
            ("SPF007", "ptr.example", "var/named/ptr.example.db:16:42"),
            (
                "SPF010",
                "redirect.example",
                "var/named/redirect.example.db:16:47"
            ),
            (
                "SPF003",
                "syntax.example",
                "var/named/syntax.example.db:16:50"
            ),
            (
                "SPF003",
                "syntax.example",
                "var/named/syntax.example.db:16:85"
            ),
            (
                "SPF004",
                "twice.example",
                "var/named/twice.example.db:16:30"
            ),
            (
                "SPF011",
                "type99.example",
                "var/named/type99.example.db:16:26"
            ),
            ("SPF003", "typo.example", "var/named/typo.example.db:16:35"),
            (
                "SPF006",
                "unauth.example",
                "var/named/unauth.example.db:16:56"
            ),
            ("SPF001", "v6.example", "var/named/v6.example.db:4:1"),
            (
                "SPF012",
                "voids.example",
                "var/named/voids.example.db:16:44"
            ),
        ])
    );
    // Near-misses: a correct cPanel record (good), exactly 10 lookups through a local include
    // chain (ten), two void lookups (twovoids), a redirect with no `all` (redir), a subdomain
    // without mail (blog.good.example), a domain whose DNS is elsewhere (elsewhere), and a zone
    // with no mail domain (relay.example, whose records are read only through includes).
    for quiet in [
        "good.example",
        "ten.example",
        "twovoids.example",
        "redir.example",
        "blog.good.example",
        "elsewhere.example",
        "relay.example",
    ] {
        assert!(
            !got.iter().any(|(_, d, _)| d == quiet),
            "{quiet} must not be reported"
        );
    }
    // Each problem once: the syntax errors of syntax.example hide its missing `all` and its
    // evaluation; the second record of multi.example holds a `ptr` that waits for the merge;
    // the 14 lookups of lookups.example, the loop, the repeated `exp=` and the void lookups keep
    // SPF006 quiet although the server's address fails there; the type-99 record of
    // type99.example is SPF011, not also SPF001; typo.example's unquoted record is SPF003, not
    // SPF001.
    let codes_of = |d: &str| -> Vec<&str> {
        got.iter()
            .filter(|(_, dd, _)| dd == d)
            .map(|(c, _, _)| c.as_str())
            .collect()
    };
    assert_eq!(codes_of("syntax.example"), ["SPF003", "SPF003"]);
    assert_eq!(codes_of("multi.example"), ["SPF002"]);
    assert_eq!(codes_of("lookups.example"), ["SPF004"]);
    assert_eq!(codes_of("loop.example"), ["SPF004"]);
    assert_eq!(codes_of("modifiers.example"), ["SPF010", "SPF010"]);
    assert_eq!(codes_of("voids.example"), ["SPF012"]);
    assert_eq!(codes_of("type99.example"), ["SPF011"]);
    assert_eq!(codes_of("typo.example"), ["SPF003"]);
}

#[test]
fn every_spf_rule_fires_in_the_spf_tree() {
    let out = maillint(&[TREE, "--format", "json"]);
    let seen: BTreeSet<String> = findings(&out.stdout).into_iter().map(|f| f.0).collect();
    let rules = json(&["rules", "--format", "json"]);
    let spf: Vec<&str> = rules
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .filter(|c| c.starts_with("SPF"))
        .collect();
    assert_eq!(spf.len(), 12, "SPF001 to SPF012 are registered: {spf:?}");
    for code in spf {
        assert!(seen.contains(code), "{code} has no positive case");
    }
}

#[test]
fn severities_messages_and_fixes_say_what_the_catalog_says() {
    let doc = json(&[TREE, "--format", "json"]);
    let sev = |code: &str, d: &str| {
        finding(&doc, code, d)["severity"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let msg = |code: &str, d: &str| {
        finding(&doc, code, d)["message"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let fix = |code: &str, d: &str| finding(&doc, code, d)["fix"].clone();
    // SPF005: `+all` is an error, `?all` and a missing `all` are warnings.
    assert_eq!(sev("SPF005", "open.example"), "error");
    assert_eq!(sev("SPF005", "neutral.example"), "warning");
    assert_eq!(sev("SPF005", "noall.example"), "warning");
    // SPF006: certain → error; an external include might authorise → warning naming it.
    assert_eq!(sev("SPF006", "unauth.example"), "error");
    assert_eq!(sev("SPF006", "external.example"), "warning");
    assert!(msg("SPF006", "external.example").contains("spf.protection.outlook.com"));
    assert!(msg("SPF006", "unauth.example").contains("192.0.2.40"));
    assert!(
        fix("SPF006", "brokeninc.example").is_null(),
        "a permerror has no fix"
    );
    // SPF004: "at least" only when an include is outside the local zones.
    assert!(msg("SPF004", "lookups.example").contains("needs at least 14 DNS lookups"));
    assert!(msg("SPF004", "twice.example").contains("needs 11 DNS lookups"));
    let related: Vec<String> = finding(&doc, "SPF004", "lookups.example")["related"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["message"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        related,
        [
            "_spf1.relay.example: 4 more lookups",
            "_spf2.relay.example: 3 more lookups",
            "_spf3.relay.example: 2 more lookups"
        ]
    );
    // SPF001 names the provider and adds its include before `~all`.
    assert!(msg("SPF001", "m365.example").contains("Microsoft 365"));
    let m365 = fix("SPF001", "m365.example");
    assert_eq!(m365["applicability"], "unsafe");
    let added = m365["edits"][0]["content"].as_str().unwrap();
    assert_eq!(
        added,
        "m365.example.\t14400\tIN\tTXT\t\"v=spf1 +a +mx +ip4:192.0.2.40 include:spf.protection.outlook.com ~all\"\n"
    );
    // The serial bump is part of the same fix.
    assert_eq!(m365["edits"][1]["content"], "2026112301");
    let v6 = fix("SPF001", "v6.example");
    assert!(
        v6["edits"][0]["content"]
            .as_str()
            .unwrap()
            .contains("\"v=spf1 +a +mx +ip6:2001:db8::40 ~all\""),
        "{v6}"
    );
    assert!(!msg("SPF001", "nospf.example").contains(" at "));
    // SPF008 is the only safe fix; SPF003, SPF004, SPF009, SPF010, SPF012 have none.
    assert_eq!(fix("SPF008", "long.example")["applicability"], "safe");
    for (code, d) in [
        ("SPF003", "syntax.example"),
        ("SPF004", "lookups.example"),
        ("SPF009", "huge.example"),
        ("SPF010", "redirect.example"),
        ("SPF012", "voids.example"),
    ] {
        assert!(fix(code, d).is_null(), "{code} {d}");
    }
    // SPF003 gives the parser's message and help, at the exact place of the bad term.
    let syntax = finding(&doc, "SPF003", "syntax.example");
    assert_eq!(
        syntax["message"],
        "invalid SPF record for syntax.example: expected an IPv4 address after `ip4:`, found `192.0.2.400`"
    );
    assert_eq!(syntax["location"]["end_column"], 61);
    // SPF002's fix merges into the first record and deletes the second.
    let merge = fix("SPF002", "multi.example");
    let m = merge["message"].as_str().unwrap();
    assert!(
        m.starts_with(
            "merge them into one record: `v=spf1 +a +mx +ip4:192.0.2.40 include:_spf.google.com ptr ~all`"
        ),
        "{m}"
    );
    assert!(m.contains("`-all` of the other record is dropped"), "{m}");
    // The SPF009 and SPF012 counts.
    assert!(msg("SPF009", "huge.example").contains("529 bytes"));
    assert!(msg("SPF012", "voids.example").starts_with("3 lookups"));
}

#[test]
fn snapshots_of_the_spf_tree() {
    let out = maillint(&[TREE, "--select", "SPF", "--format", "json"]);
    snapshot!("tree.spf.json", String::from_utf8(out.stdout).unwrap());
    let out = maillint(&[TREE, "--select", "SPF"]);
    snapshot!("tree.spf.full", String::from_utf8(out.stdout).unwrap());
}

/// Copies the bundled tree, files 0644 and directories 0755.
fn copy_tree(dst: &Path) {
    let src = testdata_dir().join("spf");
    for entry in walkdir::WalkDir::new(&src) {
        let entry = entry.unwrap();
        let to = dst.join(entry.path().strip_prefix(&src).unwrap());
        if entry.file_type().is_dir() {
            fs::create_dir_all(&to).unwrap();
            fs::set_permissions(&to, fs::Permissions::from_mode(0o755)).unwrap();
        } else {
            fs::copy(entry.path(), &to).unwrap();
            fs::set_permissions(&to, fs::Permissions::from_mode(0o644)).unwrap();
        }
    }
}

#[test]
fn a_smart_host_silences_spf006_only() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("server");
    copy_tree(&root);
    let root_s = root.to_str().unwrap();
    let before = findings(&maillint(&[root_s, "--format", "json"]).stdout);
    fs::write(
        root.join("etc/exim.conf.localopts"),
        "acl_spamhaus_rbl=0\nsmarthost_routelist=* smarthost.example.net\nsenderverify=1\n",
    )
    .unwrap();
    let after = findings(&maillint(&[root_s, "--format", "json"]).stdout);
    let without_spf006: Vec<_> = before
        .iter()
        .filter(|(c, _, _)| c != "SPF006")
        .cloned()
        .collect();
    assert_ne!(before, without_spf006, "the tree has SPF006 findings");
    assert_eq!(after, without_spf006);
}

// ---------------------------------------------------------------------------------------------
// The offline evaluation through the tree
// ---------------------------------------------------------------------------------------------

fn server() -> Server {
    maillint::model::load(
        Some(&testdata_dir().join("spf")),
        &Options::default(),
        &Overlay::default(),
    )
    .expect("the tree loads")
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn decided(v: &Verdict) -> Option<(&str, &str)> {
    v.decided_by.as_ref().map(|(d, t)| (d.as_str(), t.as_str()))
}

#[test]
fn check_spf_evaluates_through_the_local_zones() {
    let s = server();
    // ip4 with a prefix length.
    let v = s.check_spf("_spf.relay.example", ip("192.0.2.77"));
    assert_eq!(v.outcome, Outcome::Pass);
    assert_eq!(
        decided(&v),
        Some(("_spf.relay.example", "ip4:192.0.2.0/24"))
    );
    assert!(v.is_certain());
    let v = s.check_spf("_spf.relay.example", ip("192.0.3.1"));
    assert_eq!(v.outcome, Outcome::Fail);
    assert_eq!(decided(&v), Some(("_spf.relay.example", "-all")));
    // ip6 with a prefix length; an IPv4 address never matches it.
    assert_eq!(
        s.check_spf("_spf6.relay.example", ip("2001:db8::40"))
            .outcome,
        Outcome::Pass
    );
    assert_eq!(
        s.check_spf("_spf6.relay.example", ip("2001:db9::1"))
            .outcome,
        Outcome::Fail
    );
    assert_eq!(
        s.check_spf("_spf6.relay.example", ip("192.0.2.40")).outcome,
        Outcome::Fail
    );
    // `a` of the domain itself.
    let v = s.check_spf("ten.example", ip("192.0.2.40"));
    assert_eq!(v.outcome, Outcome::Pass);
    assert_eq!(decided(&v), Some(("ten.example", "+a")));
    // `mx:` of another name: its MX host's address.
    let v = s.check_spf("_spf2.relay.example", ip("198.51.100.10"));
    assert_eq!(v.outcome, Outcome::Pass);
    assert_eq!(
        decided(&v),
        Some(("_spf2.relay.example", "mx:relay.example"))
    );
    // An include that passes, and one that does not match (its `-all` is a no-match for the
    // including record, which goes on to its own `~all`).
    let v = s.check_spf("ten.example", ip("198.51.100.3"));
    assert_eq!(v.outcome, Outcome::Pass);
    assert_eq!(
        decided(&v),
        Some(("ten.example", "include:_spf1.relay.example"))
    );
    let v = s.check_spf("ten.example", ip("203.0.113.9"));
    assert_eq!(v.outcome, Outcome::SoftFail);
    assert_eq!(decided(&v), Some(("ten.example", "~all")));
    assert!(v.is_certain());
    // `exists:` with the `%{i}` macro.
    let v = s.check_spf("_spf3.relay.example", ip("203.0.113.50"));
    assert_eq!(v.outcome, Outcome::Pass);
    assert_eq!(
        decided(&v),
        Some(("_spf3.relay.example", "exists:%{i}._ip.relay.example"))
    );
    assert_eq!(
        s.check_spf("_spf3.relay.example", ip("203.0.113.51"))
            .outcome,
        Outcome::Fail
    );
    // `redirect=`: the target record decides.
    let v = s.check_spf("redir.example", ip("192.0.2.40"));
    assert_eq!(v.outcome, Outcome::Pass);
    assert_eq!(
        decided(&v),
        Some(("_spf.relay.example", "ip4:192.0.2.0/24"))
    );
    let v = s.check_spf("redir.example", ip("203.0.113.1"));
    assert_eq!(v.outcome, Outcome::Fail);
    // `redirect=` next to `all` is ignored (RFC 7208 §6.1): `~all` decides.
    let v = s.check_spf("redirect.example", ip("203.0.113.1"));
    assert_eq!(v.outcome, Outcome::SoftFail);
    assert_eq!(decided(&v), Some(("redirect.example", "~all")));
    // An include outside the local zones: unknown, named.
    let v = s.check_spf("external.example", ip("192.0.2.40"));
    assert_eq!(v.outcome, Outcome::Fail);
    assert_eq!(v.unknown, ["spf.protection.outlook.com"]);
    assert!(!v.is_certain());
    // `ptr` needs reverse DNS: unknown.
    let v = s.check_spf("ptr.example", ip("203.0.113.9"));
    assert_eq!(v.outcome, Outcome::SoftFail);
    assert_eq!(v.unknown, ["reverse DNS (ptr)"]);
    // No record.
    let v = s.check_spf("nospf.example", ip("192.0.2.40"));
    assert_eq!(v.outcome, Outcome::None);
    assert!(v.is_certain());
}

fn permerror(v: &Verdict) -> String {
    match &v.outcome {
        Outcome::PermError(why) => why.clone(),
        other => panic!("expected permerror, got {other:?}"),
    }
}

#[test]
fn check_spf_gives_permerror_where_rfc_7208_does() {
    let s = server();
    // More than 10 lookups through the include chain.
    let v = s.check_spf("lookups.example", ip("203.0.113.200"));
    assert_eq!(permerror(&v), "more than 10 DNS lookups");
    // The same include twice counts twice.
    let v = s.check_spf("twice.example", ip("203.0.113.200"));
    assert_eq!(permerror(&v), "more than 10 DNS lookups");
    // …but a match before the limit decides first.
    assert_eq!(
        s.check_spf("twice.example", ip("192.0.2.40")).outcome,
        Outcome::Pass
    );
    // An include loop runs into the limit.
    let v = s.check_spf("loop.example", ip("203.0.113.200"));
    assert_eq!(permerror(&v), "more than 10 DNS lookups");
    // A syntax error, in the record or in a record it includes.
    assert!(permerror(&s.check_spf("syntax.example", ip("192.0.2.40"))).contains("syntax error"));
    assert_eq!(
        permerror(&s.check_spf("brokeninc.example", ip("192.0.2.40"))),
        "the SPF record of _broken.relay.example has a syntax error"
    );
    // Two SPF records.
    assert_eq!(
        permerror(&s.check_spf("multi.example", ip("192.0.2.40"))),
        "multi.example has several SPF records"
    );
    // `exp=` twice (RFC 7208 §6), even though `+a` would match.
    assert_eq!(
        permerror(&s.check_spf("modifiers.example", ip("192.0.2.40"))),
        "the SPF record of modifiers.example has `exp=` 2 times"
    );
    // Three void lookups (RFC 7208 §4.6.4) before anything matches.
    let v = s.check_spf("voids.example", ip("203.0.113.9"));
    assert_eq!(permerror(&v), "more than 2 void lookups");
}

#[test]
fn lookups_are_counted_through_local_includes() {
    let s = server();
    let c = s.count_spf_lookups("lookups.example");
    assert_eq!(c.lookups, 14);
    assert_eq!(c.external, ["_spf.google.com"]);
    assert!(c.voids.is_empty() && c.loops.is_empty());
    let c = s.count_spf_lookups("ten.example");
    assert_eq!((c.lookups, c.external.len()), (10, 0));
    // Each include is counted each time it is met, as receivers evaluate it.
    assert_eq!(s.count_spf_lookups("twice.example").lookups, 11);
    let c = s.count_spf_lookups("loop.example");
    assert_eq!(c.loops, ["_loop1.relay.example"]);
    let c = s.count_spf_lookups("voids.example");
    assert_eq!(
        c.voids,
        [
            "gone1.voids.example",
            "gone2.voids.example",
            "nomail.voids.example"
        ]
    );
    assert_eq!(s.count_spf_lookups("twovoids.example").voids.len(), 2);
    // `redirect=` counts once, and the target's terms after it; with `all` it is not followed.
    assert_eq!(s.count_spf_lookups("redir.example").lookups, 1);
    assert_eq!(s.count_spf_lookups("redirect.example").lookups, 2);
}

#[test]
fn mail_addresses_and_helo_come_from_the_tree() {
    let s = server();
    assert_eq!(s.mail_ip("v6.example"), Some(ip("2001:db8::40")));
    assert_eq!(s.mail_ip("good.example"), Some(ip("192.0.2.40")));
    assert_eq!(s.mail_helo("good.example"), "host.example.net");
    let recs = s.spf_records("good.example").unwrap();
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].spf.text, "v=spf1 +a +mx +ip4:192.0.2.40 ~all");
    assert!(
        s.spf_records("elsewhere.example").is_none(),
        "no local zone"
    );
    assert_eq!(s.spf_records("typo.example").unwrap().len(), 0);
}

// ---------------------------------------------------------------------------------------------
// Fixes end to end
// ---------------------------------------------------------------------------------------------

/// `named-checkzone -i local ZONE FILE`: whether it loads, and the serial it loaded.
fn checkzone(bin: &Path, zone: &str, file: &Path) -> (bool, Option<u64>, String) {
    let out = Command::new(bin)
        .args(["-i", "local", zone])
        .arg(file)
        .output()
        .expect("named-checkzone runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let serial = text.lines().find_map(|l| {
        l.split_once("loaded serial ")
            .and_then(|(_, s)| s.trim().parse().ok())
    });
    (out.status.success(), serial, text)
}

fn zones(root: &Path) -> Vec<(String, PathBuf)> {
    let mut v: Vec<(String, PathBuf)> = fs::read_dir(root.join("var/named"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter_map(|p| {
            let zone = p.file_name()?.to_str()?.strip_suffix(".db")?.to_string();
            Some((zone, p))
        })
        .collect();
    v.sort();
    v
}

/// Every regular file under `root` (leaving out the backups), by relative path.
fn files(root: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (rel, fs::read(e.path()).unwrap())
        })
        .filter(|(rel, _)| !rel.starts_with("var/lib/maillint/"))
        .collect()
}

fn run_in(cwd: &Path, args: &[&str]) -> std::process::Output {
    assert_cmd::Command::new(env!("CARGO_BIN_EXE_maillint"))
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env("MAILLINT_NOW", "1795392000")
        .env_remove("CLICOLOR_FORCE")
        .args(args)
        .output()
        .expect("maillint runs")
}

#[test]
fn every_zone_but_the_over_long_string_loads_in_bind() {
    let Some(bin) = tool("named-checkzone", "bind9-utils") else {
        return;
    };
    for (zone, file) in zones(&testdata_dir().join("spf")) {
        let (ok, _, text) = checkzone(&bin, &zone, &file);
        // SPF008's point: BIND refuses a zone with a character string over 255 bytes.
        assert_eq!(ok, zone != "long.example", "{zone}:\n{text}");
    }
}

#[test]
fn fixes_give_valid_zones_the_dry_run_diff_and_nothing_more_on_a_second_run() {
    // SPF rules only: the zones of this tree publish no DMARC record on purpose.
    let Some(checkzone_bin) = tool("named-checkzone", "bind9-utils") else {
        return;
    };
    let Some(patch) = tool("patch", "patch") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    copy_tree(&a);
    copy_tree(&b);
    let original = files(&b);
    let serials: BTreeMap<String, Option<u64>> = zones(&b)
        .into_iter()
        .map(|(z, f)| {
            let serial = checkzone(&checkzone_bin, &z, &f).1;
            (z, serial)
        })
        .collect();
    let (a_s, b_s) = (a.to_str().unwrap(), b.to_str().unwrap());
    let before = json(&[b_s, "--format", "json", "--select", "SPF"]);

    // The dry run writes nothing and prints the diff alone.
    let out = run_in(
        tmp.path(),
        &[
            a_s,
            "--fix",
            "--unsafe-fixes",
            "--dry-run",
            "--select",
            "SPF",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(files(&a), original, "--dry-run wrote to the tree");
    assert!(
        !a.join("var/lib/maillint").exists(),
        "--dry-run made a backup"
    );
    assert!(out.stdout.starts_with(b"--- "), "stdout is the diff alone");
    let p = common::apply_patch(&patch, &a, &out.stdout);
    assert!(
        p.status.success()
            && String::from_utf8_lossy(&p.stdout)
                .lines()
                .all(|l| l.starts_with("patching file ")),
        "patch: {}{}",
        String::from_utf8_lossy(&p.stdout),
        String::from_utf8_lossy(&p.stderr)
    );

    // The real fix writes the same bytes.
    let out = run_in(
        tmp.path(),
        &[b_s, "--fix", "--unsafe-fixes", "--select", "SPF"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Applied "), "{stderr}");
    let fixed = files(&b);
    assert_eq!(
        files(&a),
        fixed,
        "patch -p1 -E of the dry-run diff vs --fix"
    );
    let changed: Vec<&String> = original
        .keys()
        .filter(|p| fixed.get(*p) != original.get(*p))
        .collect();
    assert!(
        changed.iter().all(|p| p.starts_with("var/named/")),
        "only zones change: {changed:?}"
    );
    assert_eq!(changed.len(), 13, "{changed:?}");

    // Every changed zone loads, with a higher serial.
    for path in &changed {
        let zone = path
            .strip_prefix("var/named/")
            .and_then(|p| p.strip_suffix(".db"))
            .unwrap();
        let (ok, serial, text) = checkzone(&checkzone_bin, zone, &b.join(path));
        assert!(ok, "named-checkzone rejects the fixed {path}:\n{text}");
        let serial = serial.unwrap();
        if let Some(old) = serials[zone] {
            assert!(serial > old, "{zone}: serial {serial} is not above {old}");
        }
        assert!(
            [2026112301, 2026112302, 2026112303, 1734349635].contains(&serial),
            "{zone}: {serial}"
        );
    }
    let zone_text =
        |name: &str| String::from_utf8(fixed[&format!("var/named/{name}.db")].clone()).unwrap();
    // The over-long string is split at 255 bytes; the record reads the same.
    assert!(zone_text("long.example").contains("ip4:198.51.10\" \"0.13 "));
    // The stray term is gone from the CalDAV record, the SPF-type record is deleted and the
    // record after it keeps its owner.
    let caldav = zone_text("caldav.example");
    assert!(
        caldav.contains("_caldav._tcp\t14400\tIN\tTXT\t\"path=/\"\n"),
        "{caldav}"
    );
    assert!(!caldav.contains("\tSPF\t"), "{caldav}");
    assert!(
        caldav.contains(
            "caldav.example.\t14400\tIN\tTXT\t\"google-site-verification=synthetic-token\"\n"
        ),
        "{caldav}"
    );
    // The type-99 record is now TXT, with its policy; its serial was not a date.
    assert!(
        zone_text("type99.example")
            .contains("type99.example.\t14400\tIN\tTXT\t\"v=spf1 +a +mx +ip4:192.0.2.40 ~all\"\n")
    );
    // The two records of multi.example are one, and its `ptr` is gone in a later pass.
    let multi = zone_text("multi.example");
    assert_eq!(multi.matches("v=spf1").count(), 1, "{multi}");
    assert!(multi.contains("\"v=spf1 +a +mx +ip4:192.0.2.40 include:_spf.google.com ~all\""));
    // The server is authorised before the deciding `-all`.
    assert!(
        zone_text("unauth.example").contains("\"v=spf1 ip4:198.51.100.20 +ip4:192.0.2.40 -all\"")
    );

    // Re-lint: every finding that had a fix is gone, and the fixes introduced nothing.
    let after = json(&[b_s, "--format", "json", "--select", "SPF"]);
    let key = |f: &serde_json::Value| (f["code"].to_string(), f["domain"].to_string());
    let had_fix = |f: &serde_json::Value| {
        matches!(f["fix"]["applicability"].as_str(), Some("safe" | "unsafe"))
    };
    let remaining: Vec<_> = after["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(key)
        .collect();
    let earlier: Vec<_> = before["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(key)
        .collect();
    for f in before["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| had_fix(f))
    {
        assert!(!remaining.contains(&key(f)), "{:?} survived --fix", key(f));
    }
    for r in &remaining {
        assert!(earlier.contains(r), "--fix introduced {r:?}");
    }
    let unfixable: Vec<_> = before["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| !had_fix(f))
        .map(key)
        .collect();
    assert_eq!(
        remaining, unfixable,
        "exactly the findings without a fix remain"
    );

    // A second --fix changes nothing.
    let out = run_in(
        tmp.path(),
        &[b_s, "--fix", "--unsafe-fixes", "--select", "SPF"],
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("No fixes to apply."),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(files(&b), fixed, "the second --fix wrote");
}

// ---------------------------------------------------------------------------------------------
// The real zone whose CalDAV records an SPF tool polluted (shared corpus)
// ---------------------------------------------------------------------------------------------

#[test]
fn the_polluted_caldav_records_of_a_real_zone_are_found_and_cleaned() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("server");
    common::corpus_server(
        &root,
        "highscore.a2hosted.com",
        "zone-highscore.a2hosted.com-automerge.db",
    );
    let root_s = root.to_str().unwrap();
    let got = findings(&maillint(&[root_s, "--select", "SPF", "--format", "json"]).stdout);
    let zone = "var/named/highscore.a2hosted.com.db";
    assert_eq!(
        got,
        expected(&[
            ("SPF001", "highscore.a2hosted.com", &format!("{zone}:4:1")),
            ("SPF011", "highscore.a2hosted.com", &format!("{zone}:39:35")),
            ("SPF011", "highscore.a2hosted.com", &format!("{zone}:40:36")),
            ("SPF011", "highscore.a2hosted.com", &format!("{zone}:41:36")),
            ("SPF011", "highscore.a2hosted.com", &format!("{zone}:42:37")),
        ]),
        "the address meant for the SPF record went into the four CalDAV/CardDAV records"
    );
    let out = maillint(&[root_s, "--select", "SPF", "--fix", "--unsafe-fixes"]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Applied "),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(fs::read(root.join(zone)).unwrap()).unwrap();
    for name in [
        "_caldav._tcp",
        "_caldavs._tcp",
        "_carddav._tcp",
        "_carddavs._tcp",
    ] {
        assert!(
            text.contains(&format!("{name}\t14400\tIN\tTXT\t\"path=/\"\n")),
            "{name}:\n{text}"
        );
    }
    assert!(text.contains(
        "highscore.a2hosted.com.\t14400\tIN\tTXT\t\"v=spf1 +a +mx +ip4:192.0.2.10 ~all\"\n"
    ));
    assert!(
        findings(&maillint(&[root_s, "--select", "SPF", "--format", "json"]).stdout).is_empty()
    );
    if let Some(bin) = tool("named-checkzone", "bind9-utils") {
        let (ok, _, out) = checkzone(&bin, "highscore.a2hosted.com", &root.join(zone));
        assert!(ok, "{out}");
    }
}
