//! The FWD family on `testdata/fwd`: every rule's positive cases and the near-misses that must
//! stay silent, snapshots of the JSON and `full` outputs, variations of the tree (no homes, no
//! default address, loops through mailboxes, an account filter), and `--fix`: the dry-run diff
//! applies with `patch -p1 -E`, gives what `--fix` writes, and a second `--fix` changes nothing.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use common::{findings, maillint};
use serde_json::Value;
use tempfile::TempDir;

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

fn json(tree: &str) -> Value {
    serde_json::from_str(&run(tree, "json").1).unwrap()
}

/// The finding with this code at this location (`file:line:col`).
fn finding<'a>(doc: &'a Value, code: &str, at: &str) -> &'a Value {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            let l = &f["location"];
            f["code"] == code
                && format!(
                    "{}:{}:{}",
                    l["file"].as_str().unwrap(),
                    l["line"],
                    l["column"]
                ) == at
        })
        .unwrap_or_else(|| panic!("no {code} at {at}"))
}

fn related(f: &Value) -> Vec<String> {
    f["related"]
        .as_array()
        .map_or(&[][..], Vec::as_slice)
        .iter()
        .map(|r| {
            format!(
                "{}:{}: {}",
                r["file"].as_str().unwrap(),
                r["line"],
                r["message"].as_str().unwrap()
            )
        })
        .collect()
}

/// The `full` report of a tree (notes are not part of the JSON output).
fn full(tree: &str) -> String {
    run(tree, "full").1
}

/// A copy of testdata/fwd in a temporary directory.
fn copy() -> (TempDir, PathBuf) {
    let tmp = TempDir::new().unwrap();
    let root = tmp.path().join("fwd");
    common::copy_tree(&common::testdata_dir().join("fwd"), &root);
    (tmp, root)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Every regular file below `root`, with its bytes.
fn files(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .filter(|e| !e.path().starts_with(root.join("var/lib/maillint")))
        .map(|e| {
            (
                e.path().strip_prefix(root).unwrap().to_path_buf(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

const ALL: &[(&str, &str, &str)] = &[
    (
        "FWD003",
        "blackhole.example.com",
        "etc/valiases/blackhole.example.com:1:1",
    ),
    (
        "FWD004",
        "catchall.example.com",
        "etc/valiases/catchall.example.com:1:1",
    ),
    ("FWD002", "example.com", "etc/valiases/example.com:2:1"),
    ("FWD001", "example.com", "etc/valiases/example.com:4:1"),
    ("FWD006", "example.com", "etc/valiases/example.com:7:1"),
    ("FWD002", "example.com", "etc/valiases/example.com:8:1"),
    ("FWD001", "example.com", "etc/valiases/example.com:9:1"),
    (
        "FWD005",
        "moved.example.com",
        "etc/valiases/moved.example.com:1:1",
    ),
    ("FWD007", "example.com", "etc/vfilters/example.com:13:2"),
    ("CP001", "-", "etc/vfilters/old.example.com:12:1"),
    (
        "FWD007",
        "widgets.example.com",
        "etc/vfilters/widgets.example.com:13:2",
    ),
    (
        "FWD007",
        "example.com",
        "home/alice/etc/example.com/office/filter:13:2",
    ),
];

#[test]
fn fwd_tree_has_every_fwd_problem_and_no_near_miss() {
    let (code, out) = run("testdata/fwd", "json");
    assert_eq!(code, 1);
    let got = findings(out.as_bytes());
    assert_eq!(got, expected(ALL));
    let doc: Value = serde_json::from_str(&out).unwrap();

    // Near-misses: a chain that ends in a mailbox (info → team → desk), a forwarder to a mailbox
    // of a domain whose default address fails (billing), a forwarder to an address the catch-all
    // delivers to the account (webmaster), forwarders to outside addresses (news), an
    // autoresponder on a mailbox (contact), a remote domain with only its default address (old),
    // a filter that moves spam to a folder, and one that deletes only above 12 (example.org).
    for quiet in [":1:1", ":3:1", ":5:1", ":6:1"] {
        let at = format!("etc/valiases/example.com{quiet}");
        assert!(!got.iter().any(|(_, _, l)| *l == at), "{at} must be quiet");
    }
    for quiet in [
        "etc/valiases/example.org",
        "etc/valiases/old.example.com",
        "etc/vfilters/example.org",
    ] {
        assert!(
            !got.iter().any(|(_, _, l)| l.starts_with(quiet)),
            "{quiet} must be quiet"
        );
    }

    let sev = |code: &str, at: &str| {
        finding(&doc, code, at)["severity"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(sev("FWD001", "etc/valiases/example.com:9:1"), "error");
    assert_eq!(sev("FWD002", "etc/valiases/example.com:2:1"), "error");
    assert_eq!(
        sev("FWD003", "etc/valiases/blackhole.example.com:1:1"),
        "warning"
    );
    assert_eq!(sev("FWD006", "etc/valiases/example.com:7:1"), "info");

    // FWD001: once per loop, at its first line, each other hop related, and what happens.
    let l = finding(&doc, "FWD001", "etc/valiases/example.com:9:1");
    assert_eq!(
        l["message"],
        "mail to sales@example.com goes round a loop of forwarders: sales@example.com → orders@example.org → sales@example.com"
    );
    assert_eq!(
        related(l),
        ["etc/valiases/example.org:1: forwards orders@example.org to sales@example.com"]
    );
    let text = full("testdata/fwd");
    assert!(text.contains(
        "= note: no address on this loop has a mailbox, so the message is discarded without a bounce"
    ));
    assert!(text.contains(
        "= note: no address on this loop has a mailbox, so the message is lost (discarded, or bounced as unrouteable)"
    ));
    assert_eq!(l["user"], "alice");
    let c = finding(&doc, "FWD001", "etc/valiases/example.com:4:1");
    assert_eq!(
        related(c),
        [
            "etc/valiases/widgets.example.com:1: the default address of widgets.example.com forwards support@widgets.example.com to help@example.com"
        ]
    );

    // FWD002 follows domain forwarding and shows the failing default address.
    let p = finding(&doc, "FWD002", "etc/valiases/example.com:8:1");
    assert!(
        p["message"]
            .as_str()
            .unwrap()
            .contains("press@brand.example.org (domain-forwarded to press@example.org)")
    );
    assert_eq!(
        related(p),
        [
            "etc/vdomainaliases/brand.example.org:1: brand.example.org forwards every address to example.org",
            "etc/valiases/example.org:4: the default address of example.org fails unknown addresses (\"No Such User Here\")"
        ]
    );
    assert!(text.contains(
        "press@example.org has no mailbox (home/alice/mail/example.org/press does not exist)"
    ));

    // FWD003: the only rule here with a fix on a valiases file.
    let b = finding(&doc, "FWD003", "etc/valiases/blackhole.example.com:1:1");
    assert_eq!(b["fix"]["applicability"], "unsafe");
    assert_eq!(b["fix"]["edits"][0]["content"], ":fail: No Such User Here");
    assert!(b["fix"]["commands"][0].as_str().unwrap().contains(
        "uapi --user=alice Email set_default_address domain=blackhole.example.com fwdopt=fail"
    ));

    // FWD005 points at the routing list too.
    let m = finding(&doc, "FWD005", "etc/valiases/moved.example.com:1:1");
    assert_eq!(
        related(m),
        ["etc/remotedomains:1: moved.example.com is routed to a remote mail server here"]
    );

    // FWD007: vfilters get an unsafe edit; a mailbox's filter (in the home) only advice.
    let v = finding(&doc, "FWD007", "etc/vfilters/example.com:13:2");
    assert_eq!(
        v["message"],
        "etc/vfilters/example.com deletes mail with a spam score of 5 or more, for every address of example.com"
    );
    assert_eq!(v["fix"]["applicability"], "unsafe");
    assert_eq!(v["fix"]["edits"][0]["content"], "\"++++++++++\"");
    assert!(
        v["fix"]["commands"][0]
            .as_str()
            .unwrap()
            .contains("Email add_spam_filter required_score=10")
    );
    assert_eq!(
        related(v),
        [
            "etc/vfilters/example.com:15: saves the message to /dev/null: it is deleted",
            "etc/vfilters/example.com:11: the rule's name in cPanel"
        ]
    );
    let w = finding(&doc, "FWD007", "etc/vfilters/widgets.example.com:13:2");
    assert_eq!(
        w["fix"]["edits"][0]["content"],
        "$header_X-Spam-Bar: contains \"++++++++++\""
    );
    assert!(w["fix"]["commands"].as_array().unwrap().is_empty());
    let o = finding(
        &doc,
        "FWD007",
        "home/alice/etc/example.com/office/filter:13:2",
    );
    assert_eq!(o["fix"]["applicability"], "display-only");
    assert!(o["fix"]["edits"].as_array().unwrap().is_empty());
    assert!(
        o["message"]
            .as_str()
            .unwrap()
            .ends_with("with a spam score above 4, for office@example.com")
    );

    // The filter that cannot be parsed is a CP001 with the position of its `if`.
    let e = finding(&doc, "CP001", "etc/vfilters/old.example.com:12:1");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("expected `endif` to close this `if`, found end of file")
    );

    snapshot!("tree.fwd.json", out);
    snapshot!("tree.fwd.full", text);
}

#[test]
fn only_the_fwd_family_fires_on_the_fwd_tree() {
    let (_, out) = run("testdata/fwd", "json");
    for (code, _, at) in findings(out.as_bytes()) {
        assert!(
            code.starts_with("FWD") || (code == "CP001" && at.starts_with("etc/vfilters/")),
            "{code} at {at}: the tree must be clean apart from the FWD cases"
        );
    }
}

#[test]
fn without_homes_mailboxes_are_unknown_and_rules_that_need_them_stay_silent() {
    let (_tmp, root) = copy();
    fs::remove_dir_all(root.join("home")).unwrap();
    let doc = json(s(&root));
    let got: Vec<(String, String)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let l = &f["location"];
            (
                f["code"].as_str().unwrap().to_string(),
                format!("{}:{}", l["file"].as_str().unwrap(), l["line"]),
            )
        })
        .collect();
    let codes: Vec<&str> = got.iter().map(|(c, _)| c.as_str()).collect();
    // The forwarder-only loop is still certain; the one through a catch-all needs to know that
    // support@widgets.example.com has no mailbox, FWD002 and FWD006 need the mailboxes too.
    assert!(got.contains(&("FWD001".into(), "etc/valiases/example.com:9".into())));
    assert!(!got.contains(&("FWD001".into(), "etc/valiases/example.com:4".into())));
    assert!(!codes.contains(&"FWD002") && !codes.contains(&"FWD006"));
    assert!(codes.contains(&"FWD003") && codes.contains(&"FWD005"));
    assert!(full(s(&root)).contains(
        "= note: maillint cannot see the mailboxes of example.com and example.org (the account's home is not in the tree)"
    ));
}

#[test]
fn a_domain_without_default_address_bounces_as_unrouteable() {
    let (_tmp, root) = copy();
    fs::write(
        root.join("etc/valiases/example.org"),
        "orders@example.org: sales@example.com\nteam@example.org: desk@widgets.example.com\n",
    )
    .unwrap();
    let doc = json(s(&root));
    let f = finding(&doc, "FWD002", "etc/valiases/example.com:2:1");
    assert_eq!(
        f["message"],
        "careers@example.com forwards to jobs@example.org, which has no mailbox and no forwarder: example.org has no default address, so Exim finds no route, and mail to careers@example.com bounces"
    );
    assert!(related(f).is_empty());
}

#[test]
fn loops_through_mailboxes_say_where_copies_end() {
    let (_tmp, root) = copy();
    for l in ["cur", "new", "tmp"] {
        fs::create_dir_all(root.join(format!("home/alice/mail/example.org/orders/{l}"))).unwrap();
    }
    let doc = json(s(&root));
    finding(&doc, "FWD001", "etc/valiases/example.com:9:1");
    assert!(full(s(&root)).contains("= note: copies end in the mailbox of orders@example.org\n"));
}

#[test]
fn a_self_forward_and_a_domain_forwarding_loop() {
    let (_tmp, root) = copy();
    let mut v = fs::read_to_string(root.join("etc/valiases/example.com")).unwrap();
    v = v.replace(
        "news@example.com: editor@example.net\n",
        "news@example.com: news@example.com\n",
    );
    fs::write(root.join("etc/valiases/example.com"), v).unwrap();
    // example.org forwards back to brand.example.org: every unknown address goes round.
    fs::write(
        root.join("etc/vdomainaliases/example.org"),
        "example.org: brand.example.org\n",
    )
    .unwrap();
    let doc = json(s(&root));
    let news = finding(&doc, "FWD001", "etc/valiases/example.com:6:1");
    assert_eq!(
        news["message"],
        "mail to news@example.com goes round a loop of forwarders: news@example.com → news@example.com"
    );
    let alias = finding(&doc, "FWD001", "etc/vdomainaliases/brand.example.org:1:1");
    assert_eq!(
        alias["message"],
        "mail to every address of brand.example.org goes round a loop of forwarders: every address of brand.example.org → every address of example.org → every address of brand.example.org"
    );
    // With example.org forwarded away, its default address no longer decides: no FWD002 there.
    assert!(
        findings(serde_json::to_string(&doc).unwrap().as_bytes())
            .iter()
            .all(|(c, _, at)| c != "FWD002" || !at.ends_with(":2:1"))
    );
}

#[test]
fn the_main_account_filter_is_read_from_the_home() {
    let (_tmp, root) = copy();
    fs::write(
        root.join("home/bob/etc/filter"),
        "# Exim filter\nif $h_X-Spam-Bar: contains \"+++\" or $h_subject: contains \"[SPAM]\" then seen finish endif\n",
    )
    .unwrap();
    let doc = json(s(&root));
    let f = finding(&doc, "FWD007", "home/bob/etc/filter:2:4");
    assert_eq!(
        f["message"],
        "home/bob/etc/filter deletes mail with a spam score of 3 or more, for bob's main account"
    );
    assert_eq!(f["domain"], "widgets.example.com");
    assert_eq!(f["fix"]["applicability"], "display-only");
    assert_eq!(
        related(f),
        ["home/bob/etc/filter:2: `seen finish` with no delivery before it: the message is deleted"]
    );
}

#[test]
fn dry_run_diff_applies_with_patch_and_a_second_fix_changes_nothing() {
    let (_a, patched) = copy();
    let (_b, fixed) = copy();
    let backups = TempDir::new().unwrap();

    // The FWD003 fix alone, as a user would preview it.
    let only = maillint(&[
        s(&patched),
        "--select",
        "FWD003",
        "--fix",
        "--unsafe-fixes",
        "--dry-run",
    ]);
    let diff3 = String::from_utf8(only.stdout).unwrap();
    let diff3 = diff3.replace(s(&patched), "ROOT");
    snapshot!("cli.fwd003_dry_run_diff", diff3);

    let out = maillint(&[s(&patched), "--fix", "--unsafe-fixes", "--dry-run"]);
    assert_eq!(out.status.code(), Some(1));
    let diff = out.stdout;
    assert!(!diff.is_empty());
    let patch = common::apply_patch(Path::new("patch"), &patched, &diff);
    assert!(
        patch.status.success(),
        "patch failed: {}{}",
        String::from_utf8_lossy(&patch.stdout),
        String::from_utf8_lossy(&patch.stderr)
    );

    let before = files(&fixed);
    let r = maillint(&[
        s(&fixed),
        "--fix",
        "--unsafe-fixes",
        "--backup-dir",
        s(backups.path()),
    ]);
    assert_eq!(r.status.code(), Some(1), "findings without a fix remain");
    let after = files(&fixed);
    assert_eq!(files(&patched), after, "patch and --fix disagree");
    let changed: Vec<&PathBuf> = after
        .iter()
        .filter(|(p, b)| before.get(*p) != Some(*b))
        .map(|(p, _)| p)
        .collect();
    assert_eq!(
        changed,
        [
            Path::new("etc/valiases/blackhole.example.com"),
            Path::new("etc/vfilters/example.com"),
            Path::new("etc/vfilters/widgets.example.com"),
        ]
    );
    assert_eq!(
        fs::read_to_string(fixed.join("etc/valiases/blackhole.example.com")).unwrap(),
        "*: :fail: No Such User Here\n"
    );

    // What is left: the fixed findings are gone, nothing new appeared.
    let left = findings(&maillint(&[s(&fixed), "--format", "json"]).stdout);
    let want: Vec<_> = expected(ALL)
        .into_iter()
        .filter(|(c, _, at)| !(c == "FWD003" || (c == "FWD007" && at.starts_with("etc/vfilters/"))))
        .collect();
    assert_eq!(left, want);

    let again = maillint(&[
        s(&fixed),
        "--fix",
        "--unsafe-fixes",
        "--backup-dir",
        s(backups.path()),
    ]);
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(files(&fixed), after, "a second --fix changed the tree");
}
