//! The DKIM and DMARC rules on `testdata/dkim`: the exact findings (every rule's positive cases
//! and the near-misses that must stay quiet), the facts the fixture keys are built on, snapshots
//! of the JSON and `full` outputs, the fixes end to end (dry run, `patch -p1 -E`, `--fix`,
//! `named-checkzone`, re-lint, second `--fix`), and arbitrary TXT values through the rules.
//!
//! The fixture keys are synthetic: DER SubjectPublicKeyInfo (or PKCS#1) of random moduli with the
//! top bit set and exponent 65537; no cryptography is needed to compare or size them.
//!
//! Runs select the DKIM and DMARC families, so findings of other families (SPF above all, whose
//! rules read the same zones) do not change what is checked here.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use common::{findings, maillint, testdata_dir, tool};
use maillint::der::{self, PublicKey};
use maillint::parse::cross;
use maillint::source::SourceFile;
use proptest::prelude::*;

const SELECT: &[&str] = &["--select", "DKIM,DMARC"];

fn run(root: &str, extra: &[&str]) -> Output {
    let mut args = vec![root];
    args.extend_from_slice(SELECT);
    args.extend_from_slice(extra);
    maillint(&args)
}

fn json_of(root: &str) -> serde_json::Value {
    let out = run(root, &["--format", "json"]);
    assert!(
        out.stderr.is_empty(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn expected(list: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    list.iter()
        .map(|(c, d, l)| (c.to_string(), d.to_string(), l.to_string()))
        .collect()
}

/// The findings of testdata/dkim, in report order.
const FINDINGS: &[(&str, &str, &str)] = &[
    (
        "DKIM001",
        "nodkim.example",
        "var/cpanel/domain_keys/public/nodkim.example:1:1",
    ),
    (
        "DKIM003",
        "weak1024.example",
        "var/cpanel/domain_keys/public/weak1024.example:1:1",
    ),
    (
        "DKIM003",
        "weak768.example",
        "var/cpanel/domain_keys/public/weak768.example:1:1",
    ),
    (
        "DKIM004",
        "badkey.example",
        "var/named/badkey.example.db:16:154",
    ),
    (
        "DKIM003",
        "dnsweak.example",
        "var/named/dnsweak.example.db:16:54",
    ),
    ("DMARC002", "dup.example", "var/named/dup.example.db:16:44"),
    (
        "DKIM002",
        "mismatch.example",
        "var/named/mismatch.example.db:16:54",
    ),
    (
        "DMARC004",
        "mismatch.example",
        "var/named/mismatch.example.db:17:35",
    ),
    (
        "DMARC001",
        "nokey.example",
        "var/named/nokey.example.db:1:1",
    ),
    (
        "DMARC004",
        "nosign.example",
        "var/named/nosign.example.db:17:35",
    ),
    (
        "DMARC003",
        "removed.example",
        "var/named/removed.example.db:16:35",
    ),
    (
        "DKIM005",
        "revoked.example",
        "var/named/revoked.example.db:16:52",
    ),
    (
        "DKIM002",
        "revokedlocal.example",
        "var/named/revokedlocal.example.db:16:52",
    ),
    (
        "DMARC001",
        "spfdmarc.example",
        "var/named/spfdmarc.example.db:1:1",
    ),
    (
        "DKIM004",
        "split.example",
        "var/named/split.example.db:16:286",
    ),
    (
        "DMARC002",
        "stray.example",
        "var/named/stray.example.db:17:22",
    ),
    (
        "DMARC002",
        "syntax.example",
        "var/named/syntax.example.db:16:35",
    ),
    (
        "DMARC002",
        "twodmarc.example",
        "var/named/twodmarc.example.db:16:1",
    ),
    (
        "DKIM004",
        "twokeys.example",
        "var/named/twokeys.example.db:16:1",
    ),
    (
        "DMARC002",
        "vfirst.example",
        "var/named/vfirst.example.db:16:22",
    ),
    (
        "DMARC003",
        "weak768.example",
        "var/named/weak768.example.db:17:35",
    ),
];

fn finding<'a>(doc: &'a serde_json::Value, code: &str, domain: &str) -> &'a serde_json::Value {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == code && f["domain"] == domain)
        .unwrap_or_else(|| panic!("no {code} for {domain}"))
}

fn related(f: &serde_json::Value) -> Vec<String> {
    f["related"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| format!("{}:{}", r["file"].as_str().unwrap(), r["line"]))
        .collect()
}

fn edits(f: &serde_json::Value) -> Vec<(String, String)> {
    f["fix"]["edits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                format!(
                    "{}:{}:{}-{}:{}",
                    e["file"].as_str().unwrap(),
                    e["start"]["line"],
                    e["start"]["column"],
                    e["end"]["line"],
                    e["end"]["column"]
                ),
                e["content"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn dkim_tree_has_every_problem_and_no_near_miss() {
    let out = run("testdata/dkim", &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let got = findings(&out.stdout);
    assert_eq!(got, expected(FINDINGS));
    // Near-misses: a right key and policy (good), its subdomain covered by its DMARC record
    // (sub.good) and a subdomain with no mail (blog.good), p=quarantine with SPF passing
    // (nodkim), p=reject with DKIM passing (weak1024), SPF unknown through an external include
    // (dnsweak), a PKCS#1 local key and a folded p= (folded), DNS hosted elsewhere (elsewhere),
    // no key and no record (nokey), a valid record with removed and unknown tags (removed).
    for (domain, quiet) in [
        ("good.example", "any"),
        ("sub.good.example", "any"),
        ("blog.good.example", "any"),
        ("folded.example", "any"),
        ("elsewhere.example", "any"),
        ("nodkim.example", "DMARC"),
        ("weak1024.example", "DMARC"),
        ("dnsweak.example", "DMARC"),
        ("nokey.example", "DKIM"),
        ("removed.example", "DMARC002"),
        ("split.example", "DMARC"),
        ("twokeys.example", "DMARC"),
        ("badkey.example", "DMARC"),
        ("dup.example", "DMARC004"),
        ("stray.example", "DMARC003"),
        ("stray.example", "DMARC004"),
    ] {
        let hits: Vec<_> = got
            .iter()
            .filter(|(c, d, _)| d == domain && (quiet == "any" || c.starts_with(quiet)))
            .collect();
        assert!(hits.is_empty(), "{domain} must have no {quiet}: {hits:?}");
    }

    let sev = |code: &str, domain: &str| finding(&doc, code, domain)["severity"].clone();
    assert_eq!(sev("DKIM003", "weak768.example"), "error");
    assert_eq!(sev("DKIM003", "weak1024.example"), "warning");
    assert_eq!(sev("DKIM003", "dnsweak.example"), "warning");
    assert_eq!(sev("DKIM005", "revoked.example"), "info");
    assert_eq!(sev("DMARC004", "mismatch.example"), "warning");
    let applicability = |code: &str, domain: &str| {
        finding(&doc, code, domain)["fix"]["applicability"]
            .as_str()
            .map(str::to_string)
    };
    for (code, domain, want) in [
        ("DKIM001", "nodkim.example", Some("safe")),
        ("DKIM002", "mismatch.example", Some("unsafe")),
        ("DKIM002", "revokedlocal.example", Some("unsafe")),
        ("DKIM003", "weak768.example", Some("display-only")),
        ("DKIM004", "split.example", Some("unsafe")),
        ("DKIM004", "twokeys.example", Some("unsafe")),
        ("DKIM004", "badkey.example", Some("unsafe")),
        ("DKIM005", "revoked.example", None),
        ("DMARC001", "nokey.example", Some("safe")),
        ("DMARC002", "syntax.example", None),
        ("DMARC003", "weak768.example", None),
        ("DMARC004", "mismatch.example", None),
    ] {
        assert_eq!(
            applicability(code, domain).as_deref(),
            want,
            "{code} {domain}"
        );
    }

    // DKIM001 adds cPanel's record, in the zone's (absolute) owner style, with `\;` and
    // 255-byte strings, after the apex records, and bumps the serial in the same fix.
    let f = finding(&doc, "DKIM001", "nodkim.example");
    let pem = fs::read_to_string(
        testdata_dir().join("dkim/var/cpanel/domain_keys/public/nodkim.example"),
    )
    .unwrap();
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    // A string holds 255 value bytes: the 18 of `v=DKIM1; k=rsa; p=` and 237 of the key.
    let rdata = format!(
        "\"v=DKIM1\\; k=rsa\\; p={}\" \"{}\\;\"",
        &b64[..237],
        &b64[237..]
    );
    assert_eq!(
        edits(f),
        [
            (
                "var/named/nodkim.example.db:15:1-15:1".to_string(),
                format!("default._domainkey.nodkim.example.\t14400\tIN\tTXT\t{rdata}\n")
            ),
            (
                "var/named/nodkim.example.db:5:7-5:17".to_string(),
                "2026112301".to_string()
            )
        ]
    );
    assert_eq!(
        related(f),
        ["var/named/nodkim.example.db:1"],
        "the zone where the record belongs"
    );
    // DMARC001 adds cPanel's default, relative owner, `\;`-escaped.
    let f = finding(&doc, "DMARC001", "nokey.example");
    assert_eq!(
        edits(f)[0],
        (
            "var/named/nokey.example.db:15:1-15:1".to_string(),
            "_dmarc\t14400\tIN\tTXT\t\"v=DMARC1\\; p=none\\;\"\n".to_string()
        )
    );
    // A TXT record at _dmarc that is not DMARC is named, not taken for a DMARC record.
    assert_eq!(
        related(finding(&doc, "DMARC001", "spfdmarc.example")),
        ["var/named/spfdmarc.example.db:16"]
    );
    // DMARC004 points at the SPF record and the DKIM record that fail.
    let f = finding(&doc, "DMARC004", "mismatch.example");
    assert_eq!(
        related(f),
        [
            "var/named/mismatch.example.db:14",
            "var/named/mismatch.example.db:16"
        ]
    );
    assert_eq!(
        f["related"][0]["message"],
        "SPF record: fail for 192.0.2.40"
    );
    assert_eq!(
        related(finding(&doc, "DMARC004", "nosign.example")),
        ["var/named/nosign.example.db:14"],
        "no DKIM record to point at: the server holds no key"
    );
    // Several records: the fix keeps the one with the server's key (line 17), removes line 16.
    let f = finding(&doc, "DKIM004", "twokeys.example");
    assert_eq!(related(f), ["var/named/twokeys.example.db:17"]);
    assert_eq!(
        edits(f)[0],
        (
            "var/named/twokeys.example.db:16:1-17:1".to_string(),
            String::new()
        )
    );
    // A malformed record is not also a mismatch; a record with DMARC002 errors gets no DMARC003;
    // a record receivers discard does not make stray.example's records several.
    assert!(
        !got.iter()
            .any(|(c, d, _)| c == "DKIM002" && d == "split.example")
    );
    assert!(
        !got.iter()
            .any(|(c, d, _)| c == "DMARC003" && d == "twodmarc.example")
    );
    // Notes (in the `full` output): why DMARC004 fails, and unknown and removed tags, which are
    // mentioned, not errors.
    let full = text(&run("testdata/dkim", &[]).stdout);
    for note in [
        "= note: SPF: its SPF record gives fail for 192.0.2.40 (decided by `-all` of mismatch.example)",
        "= note: DKIM: the DKIM record at default._domainkey.mismatch.example does not hold the key Exim signs with",
        "= note: DKIM: this server holds no DKIM key for nosign.example",
        "= note: unknown tag `foo`: receivers ignore it (RFC 9989), so it is no error",
        "= note: `pct`, `rf`, `ri` valid in RFC 7489 but removed by RFC 9989",
        // vfirst.example's only record is discarded; stray.example keeps its valid one.
        "does not start with `v=DMARC1` (RFC 7489 §6.6.3): the domain has no DMARC policy\n",
        "does not start with `v=DMARC1` (RFC 7489 §6.6.3)\n",
    ] {
        assert!(full.contains(note), "{note}");
    }
    snapshot!("tree.dkim.json", String::from_utf8(out.stdout).unwrap());
    snapshot!("tree.dkim.full", full);
}

/// The keys of the fixture are what the cases say: sizes, and which records hold which key.
#[test]
fn fixture_keys_are_what_the_cases_say() {
    let root = testdata_dir().join("dkim");
    let local = |domain: &str| -> (String, Vec<u8>) {
        let path = format!("var/cpanel/domain_keys/public/{domain}");
        let src = SourceFile::new(path.clone(), fs::read(root.join(&path)).unwrap());
        let pem = maillint::parse::pem::parse(&src).unwrap();
        (pem.label, pem.der)
    };
    let bits = |der: &[u8]| match der::public_key(der) {
        Ok(PublicKey::Rsa { bits }) => bits,
        other => panic!("not RSA: {other:?}"),
    };
    for (domain, want) in [
        ("weak768.example", 768),
        ("weak1024.example", 1024),
        ("good.example", 2048),
        ("folded.example", 2048),
    ] {
        assert_eq!(bits(&local(domain).1), want, "{domain}");
    }
    // folded.example: a PKCS#1 local key, published as SPKI in folded base64.
    let (label, pkcs1) = local("folded.example");
    assert_eq!(label, "RSA PUBLIC KEY");
    assert!(der::subject_public_key_info(&pkcs1).is_err());
    assert!(der::rsa_public_key(&pkcs1).is_ok());

    // The key in DNS, decoded by the DKIM parser.
    let dns = |domain: &str, nth: usize| -> Option<Vec<u8>> {
        let path = format!("var/named/{domain}.db");
        let src = SourceFile::new(path.clone(), fs::read(root.join(&path)).unwrap());
        let zone = maillint::parse::zone::parse(&src, domain);
        let r = zone
            .records_of(
                &format!("default._domainkey.{domain}"),
                maillint::parse::zone::RType::Txt,
            )
            .nth(nth)?;
        let maillint::parse::zone::RData::Txt(txt) = &r.data else {
            panic!("TXT")
        };
        let text = maillint::parse::txt::TxtText::from_txt(txt, &src);
        maillint::parse::dkim::parse(text.text()).public_key
    };
    for domain in ["good.example", "weak768.example", "weak1024.example"] {
        assert_eq!(dns(domain, 0).unwrap(), local(domain).1, "{domain}");
    }
    assert_ne!(
        dns("mismatch.example", 0).unwrap(),
        local("mismatch.example").1
    );
    assert_eq!(bits(&dns("mismatch.example", 0).unwrap()), 2048);
    assert_eq!(bits(&dns("dnsweak.example", 0).unwrap()), 1024);
    let folded = dns("folded.example", 0).unwrap();
    assert!(
        folded.ends_with(&pkcs1),
        "the SPKI wraps the same PKCS#1 key"
    );
    assert_eq!(dns("revoked.example", 0), Some(Vec::new()));
    assert_eq!(dns("badkey.example", 0), None, "bad base64");
    assert_ne!(
        dns("twokeys.example", 0).unwrap(),
        local("twokeys.example").1
    );
    assert_eq!(
        dns("twokeys.example", 1).unwrap(),
        local("twokeys.example").1
    );
    // The split record's joined value is the local key: only its quoting is wrong.
    assert_eq!(dns("split.example", 0).unwrap(), local("split.example").1);
    assert!(!root.join("var/named/elsewhere.example.db").exists());
}

// ---------------------------------------------------------------------------------------------
// Fixes end to end
// ---------------------------------------------------------------------------------------------

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Every regular file under `root` by relative path, except those below `skip`.
fn files(root: &Path, skip: Option<&str>) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| {
            let rel = e
                .path()
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (!skip.is_some_and(|s| rel.starts_with(s))).then(|| (rel, fs::read(e.path()).unwrap()))
        })
        .collect()
}

fn changed(before: &BTreeMap<String, Vec<u8>>, after: &BTreeMap<String, Vec<u8>>) -> Vec<String> {
    after
        .iter()
        .filter(|(p, b)| before.get(*p) != Some(b))
        .map(|(p, _)| p.clone())
        .collect()
}

/// `named-checkzone -i local ZONE FILE`: whether BIND loads it, and the serial it loaded.
fn checkzone(bin: &Path, zone: &str, file: &Path) -> (bool, Option<u64>, String) {
    let out = Command::new(bin)
        .args(["-i", "local", zone])
        .arg(file)
        .output()
        .expect("named-checkzone runs");
    let output = text(&out.stdout) + &text(&out.stderr);
    let serial = output.lines().find_map(|l| {
        l.split_once("loaded serial ")
            .and_then(|(_, s)| s.trim().parse().ok())
    });
    (out.status.success(), serial, output)
}

fn keys(doc: &serde_json::Value) -> Vec<(String, String)> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["domain"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn fixes_apply_as_diffed_give_valid_zones_and_settle() {
    let (Some(patch), Some(checkzone_bin)) = (
        tool("patch", "patch"),
        tool("named-checkzone", "bind9-utils"),
    ) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for root in [&a, &b] {
        common::copy_tree(&testdata_dir().join("dkim"), root);
    }
    let (a_s, b_s) = (a.to_str().unwrap(), b.to_str().unwrap());
    let original = files(&a, None);
    let before = json_of(a_s);

    // The dry run writes nothing, prints the diff alone, and the diff is the fix.
    let out = run(a_s, &["--fix", "--unsafe-fixes", "--dry-run"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(files(&a, None), original, "--dry-run wrote to the tree");
    assert!(out.stdout.starts_with(b"--- "), "{}", text(&out.stdout));
    let p = common::apply_patch(&patch, &a, &out.stdout);
    assert!(
        p.status.success(),
        "patch: {}{}",
        text(&p.stdout),
        text(&p.stderr)
    );
    assert!(
        text(&p.stdout)
            .lines()
            .all(|l| l.starts_with("patching file ")),
        "the diff did not apply exactly: {}",
        text(&p.stdout)
    );

    let out = run(b_s, &["--fix", "--unsafe-fixes"]);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("Applied 8 fixes (8 files written"),
        "{stderr}"
    );
    let fixed = files(&b, Some("var/lib/maillint/"));
    assert_eq!(files(&a, None), fixed, "patch -p1 -E of the diff vs --fix");

    // Every changed file is a zone that BIND loads, with a higher serial.
    let zones = changed(&original, &fixed);
    assert_eq!(
        zones,
        [
            "var/named/badkey.example.db",
            "var/named/mismatch.example.db",
            "var/named/nodkim.example.db",
            "var/named/nokey.example.db",
            "var/named/revokedlocal.example.db",
            "var/named/spfdmarc.example.db",
            "var/named/split.example.db",
            "var/named/twokeys.example.db",
        ]
    );
    for path in &zones {
        let zone = path
            .strip_prefix("var/named/")
            .and_then(|p| p.strip_suffix(".db"))
            .unwrap();
        let (ok, serial, output) = checkzone(&checkzone_bin, zone, &b.join(path));
        assert!(ok, "named-checkzone rejects the fixed {path}:\n{output}");
        let (ok0, serial0, output0) = checkzone(
            &checkzone_bin,
            zone,
            &testdata_dir().join("dkim").join(path),
        );
        assert!(ok0, "{output0}");
        assert!(
            serial > serial0,
            "{path}: {serial:?} is not above {serial0:?}"
        );
        assert_eq!(serial, Some(2026112301), "{path}");
    }
    // The fixed records are cPanel's: one record at the selector, quoted, `\;`-escaped.
    let twokeys = text(&fixed["var/named/twokeys.example.db"]);
    assert_eq!(twokeys.matches("default._domainkey\t").count(), 1);
    let split = text(&fixed["var/named/split.example.db"]);
    let line = split
        .lines()
        .find(|l| l.starts_with("default._domainkey"))
        .unwrap();
    assert!(
        line.ends_with("IDAQAB\\;\"") && line.contains("\"v=DKIM1\\; k=rsa\\; p=MIIB"),
        "{line}"
    );

    // Re-lint: every finding that had a fix is gone; what is new is DMARC003 on the domains
    // that got cPanel's default `p=none` record.
    let after = json_of(b_s);
    let had_fix: Vec<(String, String)> = before["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| matches!(f["fix"]["applicability"].as_str(), Some("safe" | "unsafe")))
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["domain"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(had_fix.len(), 8);
    let remaining = keys(&after);
    for k in &had_fix {
        assert!(!remaining.contains(k), "{k:?} survived --fix");
    }
    let earlier = keys(&before);
    let new: Vec<_> = remaining.iter().filter(|k| !earlier.contains(k)).collect();
    assert_eq!(
        new,
        [
            &("DMARC003".to_string(), "nokey.example".to_string()),
            &("DMARC003".to_string(), "spfdmarc.example".to_string())
        ]
    );
    // With the server's key published, mismatch.example's mail passes DKIM: no more DMARC004.
    assert!(!remaining.contains(&("DMARC004".to_string(), "mismatch.example".to_string())));
    assert!(remaining.contains(&("DMARC004".to_string(), "nosign.example".to_string())));

    // A second --fix changes nothing.
    let all = files(&b, None);
    let out = run(b_s, &["--fix", "--unsafe-fixes"]);
    assert!(
        text(&out.stderr).contains("No fixes to apply."),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(files(&b, None), all, "the second --fix wrote");
}

/// Safe fixes alone: DKIM001 and DMARC001, and nothing unsafe.
#[test]
fn fix_without_unsafe_applies_only_the_safe_records() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("t");
    common::copy_tree(&testdata_dir().join("dkim"), &root);
    let original = files(&root, None);
    let out = run(root.to_str().unwrap(), &["--fix"]);
    assert!(
        text(&out.stderr).contains("Applied 3 fixes"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        changed(&original, &files(&root, Some("var/lib/maillint/"))),
        [
            "var/named/nodkim.example.db",
            "var/named/nokey.example.db",
            "var/named/spfdmarc.example.db",
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Arbitrary TXT values through the rules
// ---------------------------------------------------------------------------------------------

/// A zone of testdata/dkim with `dkim` and `dmarc` as the TXT data at the selector and at
/// `_dmarc`, linted in memory (the overlay replaces the file).
fn lint_with(domain: &str, dkim: &str, dmarc: &str) -> Vec<maillint::finding::Finding> {
    let root = testdata_dir().join("dkim");
    let path = format!("var/named/{domain}.db");
    let zone = fs::read_to_string(root.join(&path)).unwrap();
    let mut text: String = zone
        .lines()
        .filter(|l| !l.starts_with("default._domainkey") && !l.starts_with("_dmarc"))
        .map(|l| format!("{l}\n"))
        .collect();
    text.push_str(&format!("default._domainkey\t14400\tIN\tTXT\t{dkim}\n"));
    text.push_str(&format!("_dmarc\t14400\tIN\tTXT\t{dmarc}\n"));
    let mut overlay = maillint::fix::Overlay::default();
    overlay.set(&path, Some(text.clone().into_bytes()));
    let server =
        maillint::model::load(Some(&root), &maillint::model::Options::default(), &overlay).unwrap();
    let found = maillint::rules::run(&server, &maillint::rules::select_all());
    for f in &found {
        for loc in f.location.iter().chain(f.related.iter().map(|r| &r.loc)) {
            let len = server.files.get(&loc.file).map_or(0, |s| s.len());
            assert!(
                loc.span.end as usize <= len,
                "{} out of {}",
                f.code(),
                loc.file
            );
        }
        for e in f.fix.iter().flat_map(|x| x.edits.iter()) {
            if e.file == path {
                assert!(e.span.end as usize <= text.len() && e.span.start <= e.span.end);
            }
        }
    }
    found
}

/// Writes arbitrary bytes as one quoted TXT string (`\DDD` escapes), or as cPanel's strings.
fn as_txt(value: &[u8], cpanel: bool) -> String {
    match std::str::from_utf8(value) {
        Ok(v) if cpanel => maillint::rules::edit::txt_rdata(v),
        _ => format!(
            "\"{}\"",
            value
                .iter()
                .map(|b| format!("\\{b:03}"))
                .collect::<String>()
        ),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_txt_values_never_panic_the_rules(
        dkim in prop::collection::vec(any::<u8>(), 0..400),
        dmarc in "[vVpP=DMARCdmarc1;: ,!a-z@.0-9-]{0,80}",
        raw in prop::collection::vec(any::<u8>(), 0..120),
        cpanel in any::<bool>(),
        signed in any::<bool>(),
    ) {
        // good.example has a local key, nokey.example has none.
        let domain = if signed { "good.example" } else { "nokey.example" };
        lint_with(domain, &as_txt(&dkim, cpanel), &as_txt(dmarc.as_bytes(), cpanel));
        lint_with(domain, &format!("\"v=DKIM1; k=rsa; p=MIIB\" {}", as_txt(&raw, false)), &as_txt(&raw, false));
    }

    #[test]
    fn generated_key_records_never_panic_the_rules(
        tags in prop::collection::vec("(v=DKIM1|k=(rsa|ed25519|dsa)|h=(sha1|sha256)|s=(email|\\*|x)|t=y|p=[A-Za-z0-9+/ ]{0,60}={0,2}|p=|n=[a-z ]{0,8}|[a-z]{1,3}=[a-z]{0,3})", 0..6),
        sep in "; ?|;;| ",
    ) {
        let value = tags.join(&sep);
        let found = lint_with("good.example", &maillint::rules::edit::txt_rdata(&value), "\"v=DMARC1\\; p=reject\\;\"");
        // good.example signs: its record is judged once, by exactly one of DKIM002/004/005.
        let n = found
            .iter()
            .filter(|f| f.domain.as_deref() == Some("good.example") && matches!(f.code(), "DKIM002" | "DKIM004" | "DKIM005"))
            .count();
        prop_assert!(n <= 1, "{value}: {n} findings");
    }

    /// Tag lists near the scanner's shortcut (`name=value` parts, base64 keys): every part and
    /// key the scanner reads is also read by the grammar ([`cross::checked`]).
    #[test]
    fn tag_lists_near_the_shortcut(
        parts in prop::collection::vec("[ \t\r\n]{0,2}[A-Za-z_0-9]{0,4}[ \t]?=?[ \t]?[!-~ ]{0,8}[ \t\n]{0,2}", 0..5),
        key in "[A-Za-z0-9+/]{0,12}[= \t-]{0,3}",
    ) {
        let text = format!("{}; p={key}", parts.join(";"));
        let (list, _) = cross::checked(|| maillint::parse::dkim::tag_list(&text, false));
        prop_assert!(list.parts.iter().all(|p| p.span.end as usize <= text.len()));
        let (_, checked) = cross::checked(|| maillint::parse::dkim::parse(&text));
        // A plain `p=` key is read by the shortcuts (the tag, then the base64), each checked.
        if !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/') {
            prop_assert!(checked >= 2, "{}: {} checks", text, checked);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The real zone whose DKIM record lost its quoting (shared corpus)
// ---------------------------------------------------------------------------------------------

#[test]
fn the_split_dkim_records_of_real_zones_are_dkim004() {
    // The column is where the second string starts: the break that lost its quoting.
    for (domain, corpus, at) in [
        (
            "onlineopportunitiesservices.com",
            "zone-onlineopportunitiesservices.com.db",
            "44:291",
        ),
        (
            "oportunidadesonline.online",
            "zone-oportunidadesonline.online.db",
            "44:291",
        ),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("server");
        common::corpus_server(&root, domain, corpus);
        let out = maillint(&[
            root.to_str().unwrap(),
            "--select",
            "DKIM",
            "--format",
            "json",
        ]);
        let got = findings(&out.stdout);
        assert_eq!(
            got,
            expected(&[("DKIM004", domain, &format!("var/named/{domain}.db:{at}"))]),
            "{corpus}: the key was split into two strings, the second outside the quotes"
        );
    }
}
