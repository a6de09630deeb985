//! The bundled example servers: the exact findings of every tree (each rule's positive cases and
//! the near-misses that must not fire), and snapshots of the JSON and `full` outputs.

mod common;

use common::{findings, maillint};

fn run(tree: &str, format: &str) -> (i32, String) {
    let out = maillint(&[tree, "--format", format]);
    assert!(
        out.stderr.is_empty(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
    )
}

fn expected(list: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    list.iter()
        .map(|(c, d, l)| (c.to_string(), d.to_string(), l.to_string()))
        .collect()
}

#[test]
fn exchange_story_is_one_rt001_with_its_evidence() {
    let (code, json) = run("testdata/exchange", "json");
    assert_eq!(code, 1);
    assert_eq!(
        findings(json.as_bytes()),
        expected(&[("RT001", "example.org", "etc/localdomains:3:1")])
    );
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let f = &doc["findings"][0];
    assert_eq!(f["severity"], "error");
    assert_eq!(f["user"], "bob");
    let related: Vec<String> = f["related"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| format!("{}:{}", r["file"].as_str().unwrap(), r["line"]))
        .collect();
    assert_eq!(
        related,
        [
            "var/named/example.org.db:13",
            "etc/valiases/example.com:1",
            "var/cpanel/users/bob:8"
        ]
    );
    assert_eq!(f["fix"]["applicability"], "unsafe");
    let files: Vec<&str> = f["fix"]["edits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        files,
        [
            "etc/localdomains",
            "etc/remotedomains",
            "var/cpanel/users/bob"
        ]
    );
    assert_eq!(f["fix"]["removals"][0], "var/cpanel/users.cache/bob");
    assert!(
        f["fix"]["commands"][0]
            .as_str()
            .unwrap()
            .contains("uapi --user=bob Email set_always_accept domain=example.org mxcheck=remote")
    );
    snapshot!("tree.exchange.json", json);
    snapshot!("tree.exchange.full", run("testdata/exchange", "full").1);
}

#[test]
fn routing_tree_has_every_rt_problem_and_no_near_miss() {
    let (code, json) = run("testdata/routing", "json");
    assert_eq!(code, 1);
    let got = findings(json.as_bytes());
    assert_eq!(
        got,
        expected(&[
            ("RT009", "host.example.net", "etc/localdomains:1:1"),
            ("RT001", "beta.example", "etc/localdomains:2:1"),
            ("RT001", "gamma.example", "etc/localdomains:3:1"),
            ("RT001", "kappa.example", "etc/localdomains:6:1"),
            ("RT005", "orphan.example", "etc/localdomains:9:1"),
            ("RT001", "phi.example", "etc/localdomains:14:1"),
            ("RT012", "alpha.example", "etc/manualmx:1:1"),
            ("RT002", "epsilon.example", "etc/remotedomains:1:1"),
            ("RT003", "eta.example", "etc/remotedomains:3:1"),
            ("RT010", "psi.example", "etc/remotedomains:8:1"),
            ("RT003", "theta.example", "etc/secondarymx:1:1"),
            ("RT010", "nu.example", "etc/secondarymx:2:1"),
            ("RT010", "xi.example", "etc/secondarymx:3:1"),
            ("CP002", "rho.example", "etc/userdomains:1:1"),
            ("CP002", "beta.example", "etc/userdomains:3:15"),
            ("RT004", "rho.example", "var/cpanel/users/alice:16:7"),
            ("RT004", "iota.example", "var/cpanel/users/alice:25:6"),
            ("RT008", "gone.example", "var/cpanel/users/alice:41:1"),
            ("RT007", "lambda.example", "var/cpanel/users/alice:43:24"),
            ("RT007", "mu.example", "var/cpanel/users/alice:44:20"),
            ("RT006", "upsilon.example", "var/cpanel/users/carol:24:25"),
            ("RT011", "pi.example", "var/named/pi.example.db:10:1"),
            ("MX005", "sigma.example", "var/named/sigma.example.db:13:30"),
        ])
    );
    // Near-misses: correctly routed remote (zeta, manual remote), a gateway MX declared in
    // etc/maillint.toml (delta), a right backup MX (omicron), DNS hosted elsewhere (tau), a
    // manualmx entry for a domain that left (moved), a second account (bravo).
    for quiet in [
        "zeta.example",
        "delta.example",
        "omicron.example",
        "tau.example",
        "moved.example",
        "bravo.example",
    ] {
        assert!(
            !got.iter().any(|(_, d, _)| d == quiet),
            "{quiet} must not be reported"
        );
    }
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let sev = |code: &str, domain: &str| {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == code && f["domain"] == domain)
            .map(|f| f["severity"].as_str().unwrap().to_string())
            .unwrap()
    };
    // RT001 is an error on Automatically Detect, a warning when set to local by hand or when
    // the MX is a known filtering gateway (phi.example, Proofpoint Essentials).
    assert_eq!(sev("RT001", "beta.example"), "error");
    assert_eq!(sev("RT001", "gamma.example"), "warning");
    assert_eq!(sev("RT001", "phi.example"), "warning");
    // kappa.example is set to Remote by hand but listed local with its MX elsewhere: mail is lost
    // now, so it is RT001 (error), which names the manual setting, not an RT006 warning.
    assert_eq!(sev("RT001", "kappa.example"), "error");
    let find = |code: &str, domain: &str| {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == code && f["domain"] == domain)
            .unwrap()
            .clone()
    };
    let kappa = find("RT001", "kappa.example");
    assert!(
        kappa["related"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["file"] == "var/cpanel/users/alice"
                && r["line"] == 42
                && r["message"]
                    .as_str()
                    .unwrap()
                    .starts_with("set to Remote Mail Exchanger by hand")),
        "{}",
        kappa["related"]
    );
    // phi.example is already pinned local (MXCHECK=0): nothing left to fix, only to confirm.
    assert!(find("RT001", "phi.example")["fix"].is_null());
    // psi.example is only in etc/remotedomains while this server is its backup MX: Exim refuses
    // the backup deliveries (error); the fix adds it to etc/secondarymx and keeps remotedomains.
    assert_eq!(sev("RT010", "psi.example"), "error");
    let psi = find("RT010", "psi.example");
    let files: Vec<&str> = psi["fix"]["edits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["etc/secondarymx"]);
    // upsilon.example: the lists and the MX agree (remote), the manual setting (Local) is the odd
    // one out: RT006, whose fix corrects the setting, not the lists.
    let upsilon = find("RT006", "upsilon.example");
    assert_eq!(upsilon["fix"]["edits"][0]["file"], "var/cpanel/users/carol");
    assert_eq!(upsilon["fix"]["edits"][0]["content"], "remote");
    // RT007: legacy values warn, others are errors.
    assert_eq!(sev("RT007", "lambda.example"), "warning");
    assert_eq!(sev("RT007", "mu.example"), "error");
    snapshot!("tree.routing.json", json);
    snapshot!("tree.routing.full", run("testdata/routing", "full").1);
}

#[test]
fn mx_tree_has_every_mx_problem_and_no_near_miss() {
    let (code, json) = run("testdata/mx", "json");
    assert_eq!(code, 1);
    let got = findings(json.as_bytes());
    assert_eq!(
        got,
        expected(&[
            ("MX001", "cname.example", "var/named/cname.example.db:13:30"),
            (
                "MX005",
                "dangling.example",
                "var/named/dangling.example.db:13:33"
            ),
            (
                "MX001",
                "dangling.example",
                "var/named/dangling.example.db:14:34"
            ),
            (
                "MX005",
                "dangling.example",
                "var/named/dangling.example.db:14:34"
            ),
            (
                "MX002",
                "literal.example",
                "var/named/literal.example.db:13:33"
            ),
            (
                "MX002",
                "literal6.example",
                "var/named/literal6.example.db:13:34"
            ),
            (
                "MX002",
                "literaldot.example",
                "var/named/literaldot.example.db:13:36"
            ),
            ("MX004", "nomx.example", "var/named/nomx.example.db:1:1"),
            (
                "MX003",
                "nulllocal.example",
                "var/named/nulllocal.example.db:13:1"
            ),
            (
                "MX003",
                "nullmix.example",
                "var/named/nullmix.example.db:13:1"
            ),
        ])
    );
    // Near-misses: an implicit MX (A record only) and a correct MX.
    assert!(
        !got.iter()
            .any(|(_, d, _)| d == "implicit.example" || d == "good.example")
    );
    snapshot!("tree.mx.json", json);
    snapshot!("tree.mx.full", run("testdata/mx", "full").1);
}

/// The cPanel-data and Exim tree: unparseable files (CP001), routing-list lines Exim will not
/// match as meant (CP003), a symlink in an account tree (CP006), an Exim syntax error
/// (EXIM001) and a missing include (EXIM007), each in every output the snapshots pin.
#[test]
fn cp_tree_has_every_cp_and_exim_problem() {
    let (code, json) = run("testdata/cp", "json");
    assert_eq!(code, 1);
    let codes: std::collections::BTreeSet<String> =
        findings(json.as_bytes()).into_iter().map(|f| f.0).collect();
    for c in ["CP001", "CP003", "CP006", "EXIM001", "EXIM007"] {
        assert!(codes.contains(c), "{c} missing: {codes:?}");
    }
    snapshot!("tree.cp.json", json);
    snapshot!("tree.cp.full", run("testdata/cp", "full").1);
}

/// Routing-list lines as Exim reads them (tests/exim_membership.rs holds the verified table): a
/// line Exim does not read as the domain it names (BOM, leading white space, trailing dot,
/// wildcard, a line hidden by a NUL byte) is CP003 with a fix that removes it, and the domain is
/// unlisted for the RT rules; lines Exim reads as meant (case, CR, quotes, data after the key)
/// are CP003 with a rewrite and keep the domain listed.
#[test]
fn lists_tree_judges_membership_as_exim_does() {
    let (code, json) = run("testdata/lists", "json");
    assert_eq!(code, 1);
    let got = findings(json.as_bytes());
    assert_eq!(
        got,
        expected(&[
            ("CP003", "bom.example", "etc/localdomains:1:1"),
            ("CP003", "space.example", "etc/localdomains:4:1"),
            ("CP003", "dot.example", "etc/localdomains:5:1"),
            ("CP003", "upper.example", "etc/localdomains:6:1"),
            ("CP003", "crlf.example", "etc/localdomains:7:1"),
            ("CP003", "quoted.example", "etc/localdomains:8:1"),
            ("CP003", "data.example", "etc/localdomains:9:1"),
            ("CP003", "twice.example", "etc/localdomains:10:1"),
            ("CP003", "tab.example", "etc/localdomains:12:1"),
            ("CP003", "case.example", "etc/localdomains:13:1"),
            ("RT001", "case.example", "etc/localdomains:13:1"),
            ("CP003", "*.main.example", "etc/localdomains:14:1"),
            ("CP001", "-", "etc/localdomains:15:12"),
            ("CP003", "after.example", "etc/localdomains:16:1"),
            ("RT004", "after.example", "var/cpanel/users/carol:9:7"),
            ("RT004", "tab.example", "var/cpanel/users/carol:10:7"),
            ("RT004", "bom.example", "var/cpanel/users/carol:12:6"),
            ("RT004", "space.example", "var/cpanel/users/carol:13:6"),
            ("RT004", "dot.example", "var/cpanel/users/carol:14:6"),
        ])
    );
    // Near misses: listed for Exim although written oddly (no RT finding), including the line
    // with the NUL byte itself (`nul.example\0` lists nul.example) and twice.example, whose
    // dotted line is followed by a good one.
    for listed in [
        "upper.example",
        "crlf.example",
        "quoted.example",
        "data.example",
        "twice.example",
        "nul.example",
        "main.example",
    ] {
        assert!(
            !got.iter()
                .any(|(c, d, _)| c.starts_with("RT") && d == listed),
            "{listed} is listed for Exim: no RT finding"
        );
    }
    // tab.example's only line does not list it for Exim: its MX elsewhere is no RT001 (mail is
    // not kept here), only RT004; Case.Example does list case.example: RT001.
    assert!(
        !got.iter()
            .any(|(c, d, _)| c == "RT001" && d == "tab.example")
    );
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let find = |code: &str, domain: &str| {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == code && f["domain"] == domain)
            .unwrap()
            .clone()
    };
    // Detection says local: the unlisted domain's mail is refused, an error.
    assert_eq!(find("RT004", "dot.example")["severity"], "error");
    assert_eq!(find("RT004", "tab.example")["severity"], "warning");
    // RT004 points at the line Exim does not read.
    assert_eq!(
        find("RT004", "dot.example")["related"][0]["file"],
        "etc/localdomains"
    );
    assert_eq!(find("RT004", "dot.example")["related"][0]["line"], 5);
    // Every CP003 fix is safe: removing a line Exim ignores, or rewriting one it reads as meant.
    for (domain, content) in [
        ("dot.example", ""),
        ("space.example", ""),
        ("bom.example", ""),
        ("*.main.example", ""),
        ("upper.example", "upper.example"),
        ("quoted.example", "quoted.example"),
    ] {
        let f = find("CP003", domain);
        assert_eq!(f["fix"]["applicability"], "safe", "{domain}");
        assert_eq!(f["fix"]["edits"][0]["content"], content, "{domain}");
    }
    // No fix touches the line hidden by the NUL byte (removing it would unhide the next one).
    assert!(find("CP003", "after.example")["fix"].is_null());
    snapshot!("tree.lists.json", json);
    snapshot!("tree.lists.full", run("testdata/lists", "full").1);
}

/// `MXCHECK-` lines read as cPanel's cpuser reader reads them: split at the first `=`, white space
/// before it dropped, white space after it kept, white space before the key kept (so an indented
/// line is no `MXCHECK-` key), a final `\r` kept in the value. Values are compared exactly.
#[test]
fn mxcheck_tree_reads_values_as_cpanel_does() {
    let (code, json) = run("testdata/mxcheck", "json");
    assert_eq!(code, 1);
    let got = findings(json.as_bytes());
    assert_eq!(
        got,
        expected(&[
            ("RT001", "crlf.example", "etc/localdomains:11:1"),
            ("RT007", "crlf.example", "var/cpanel/users/erin:31:22"),
            ("RT007", "empty.example", "var/cpanel/users/erin:32:23"),
            ("RT007", "indent.example", "var/cpanel/users/erin:33:3"),
            ("RT007", "lead.example", "var/cpanel/users/erin:34:22"),
            ("RT007", "legacy.example", "var/cpanel/users/erin:35:24"),
            ("RT007", "tab.example", "var/cpanel/users/erin:39:21"),
            ("RT007", "trail.example", "var/cpanel/users/erin:40:23"),
        ])
    );
    // Near misses: a valid value (ok.example) with an indented comment that would contradict
    // it, white space before `=` (spaced.example, remote as listed), a bare key (no `=`: no
    // setting). Values with white space are not the value without it: no RT006 drift for
    // lead/trail/tab/indent (cPanel reads them as Automatically Detect, as the lists are).
    for quiet in ["ok.example", "spaced.example", "bare.example"] {
        assert!(
            !got.iter().any(|(_, d, _)| d == quiet),
            "{quiet} must not be reported"
        );
    }
    assert!(!got.iter().any(|(c, _, _)| c == "RT006"));
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let find = |code: &str, domain: &str| {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == code && f["domain"] == domain)
            .unwrap()
            .clone()
    };
    // The messages show the exact bytes of the value.
    for (domain, shown) in [
        ("lead.example", "MXCHECK-lead.example=\" remote\""),
        ("trail.example", "MXCHECK-trail.example=\"remote \""),
        ("tab.example", "MXCHECK-tab.example=\"\\tsecondary\""),
        ("crlf.example", "MXCHECK-crlf.example=\"0\\r\""),
        ("empty.example", "MXCHECK-empty.example=\"\""),
        ("legacy.example", "MXCHECK-legacy.example=\"1 \""),
        ("indent.example", "\"  MXCHECK-indent.example\""),
    ] {
        let f = find("RT007", domain);
        let message = f["message"].as_str().unwrap();
        assert!(message.contains(shown), "{domain}: {message}");
        // `1 ` is not the legacy `1`: an error like every value cPanel does not understand.
        assert_eq!(f["severity"], "error", "{domain}");
    }
    // `0\r` is not Local to cPanel: crlf.example is on Automatically Detect, so RT001 is an
    // error (a warning when set to Local by hand).
    assert_eq!(find("RT001", "crlf.example")["severity"], "error");
    // RT001's fix writes `remote` over the whole value, its `\r` included.
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("mxcheck");
    common::copy_tree(&common::testdata_dir().join("mxcheck"), &root);
    let root_s = root.to_str().unwrap();
    maillint(&[root_s, "--fix", "--unsafe-fixes", "--select", "RT001"]);
    let cpuser = std::fs::read_to_string(root.join("var/cpanel/users/erin")).unwrap();
    assert!(
        cpuser.contains("\nMXCHECK-crlf.example=remote\nMXCHECK-empty.example=\n"),
        "{cpuser}"
    );
    let after = findings(&maillint(&[root_s, "--format", "json"]).stdout);
    assert!(
        !after.iter().any(|(_, d, _)| d == "crlf.example"),
        "{after:?}"
    );
    snapshot!("tree.mxcheck.json", json);
    snapshot!("tree.mxcheck.full", run("testdata/mxcheck", "full").1);
}

#[test]
fn every_registered_rule_fires_in_some_tree() {
    let mut seen = std::collections::BTreeSet::new();
    for tree in [
        "testdata/exchange",
        "testdata/routing",
        "testdata/mx",
        "testdata/cp",
        "testdata/lists",
        "testdata/mxcheck",
        "testdata/spf",
        "testdata/dkim",
        "testdata/mail",
        "testdata/fwd",
        "testdata/exim/cpanel",
        "testdata/exim/cpanel-ports",
        "testdata/exim/plain-relay",
        "testdata/exim/plain-refs",
        "testdata/cp005",
        "testdata/logs",
    ] {
        let out = maillint(&[tree, "--format", "json"]);
        for (code, _, _) in findings(&out.stdout) {
            seen.insert(code);
        }
    }
    let rules: serde_json::Value =
        serde_json::from_slice(&maillint(&["rules", "--format", "json"]).stdout).unwrap();
    // Rules whose positive cases depend on file metadata git does not keep (modes, owners,
    // modification times) have them built by tests/cp_rules.rs instead.
    let metadata_only = ["CP004", "CP007"];
    // The live DNS rules report only with --resolve: tests/dns.rs and their cases in
    // tests/rules.rs run them against BIND serving testdata/dns/public.
    let live_only = ["RT013", "RT014", "DNS001"];
    let missing: Vec<&str> = rules
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .filter(|c| !seen.contains(*c) && !metadata_only.contains(c) && !live_only.contains(c))
        .collect();
    assert!(
        missing.is_empty(),
        "rules without a positive case in testdata/: {missing:?}"
    );
}

/// After `--fix --unsafe-fixes`, every finding that had a fix is gone, and nothing new appears.
#[test]
fn fixed_findings_are_gone_after_fix() {
    for tree in ["exchange", "routing", "mx", "lists", "mxcheck"] {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join(tree);
        common::copy_tree(&common::testdata_dir().join(tree), &root);
        let root_s = root.to_str().unwrap();
        let before: serde_json::Value =
            serde_json::from_slice(&maillint(&[root_s, "--format", "json"]).stdout).unwrap();
        let fixed = maillint(&[root_s, "--fix", "--unsafe-fixes", "--format", "json"]);
        assert!(fixed.status.code().unwrap() <= 1);
        let after: serde_json::Value =
            serde_json::from_slice(&maillint(&[root_s, "--format", "json"]).stdout).unwrap();
        let key = |f: &serde_json::Value| (f["code"].to_string(), f["domain"].to_string());
        let had_fix = |f: &serde_json::Value| {
            matches!(f["fix"]["applicability"].as_str(), Some("safe" | "unsafe"))
                && !f["fix"]["edits"].as_array().unwrap().is_empty()
        };
        let remaining: Vec<_> = after["findings"]
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
            assert!(
                !remaining.contains(&key(f)),
                "{tree}: {:?} survived --fix",
                key(f)
            );
        }
        let earlier: Vec<_> = before["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(key)
            .collect();
        // Routing a domain remotely leaves its local mailboxes behind: MBX004 (info) says so.
        let moved = |r: &(String, String)| r.0 == "\"MBX004\"";
        for r in remaining.iter().filter(|r| !moved(r)) {
            assert!(earlier.contains(r), "{tree}: --fix introduced {r:?}");
        }
        if tree == "exchange" {
            assert_eq!(
                remaining,
                [("\"MBX004\"".to_string(), "\"example.org\"".to_string())],
                "the Exchange story is fully fixed, and team@example.org's mailbox is left to copy"
            );
        }
    }
}
