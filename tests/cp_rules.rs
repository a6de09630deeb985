//! The cPanel policy rules CP004 (file modes), CP005 (hourly send limits) and CP007 (stale
//! caches): the bundled trees, end-to-end truth tables, and the fixes.

mod common;

use std::path::Path;

use common::{findings, maillint, testdata_dir};
use maillint::finding::Finding;
use maillint::model::{self, Options};
use maillint::rules::{self, Selector};
use maillint::tree::Overlay;

/// Lints a tree in process with the given rules.
fn lint(root: &Path, codes: &str) -> Vec<Finding> {
    let sel = Selector::parse_list(codes).unwrap();
    let selection = rules::selection(&sel, &[], &[]);
    let opts = Options {
        needs: rules::needs(&selection),
        ..Options::default()
    };
    let server = model::load(Some(root), &opts, &Overlay::default()).unwrap();
    let mut f = rules::run(&server, &selection);
    maillint::finding::sort(&mut f);
    f
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

const CPUSER_HEADER: &str = "# cPanel -- If you edit this file directly you must run /usr/local/cpanel/scripts/updateuserdomains afterwards to rebuild the system caches.\n# If you edit MAX_EMAIL_PER_HOUR or MAX_EMAIL_PER_HOUR-[domain] you must run /usr/local/cpanel/scripts/updateuserdomains'\n\n";

// ---------------------------------------------------------------------------------------------
// CP005
// ---------------------------------------------------------------------------------------------

fn run(root: &str, format: &str, extra: &[&str]) -> (i32, String) {
    let mut args = vec![root, "--format", format];
    args.extend_from_slice(extra);
    let out = maillint(&args);
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
    )
}

/// testdata/cp005: no server default (cpanel.config has an empty `maxemailsperhour`); anna is
/// `unlimited`, cara's shop.example.org is `unlimited` on its own key; ben (`0`), dan
/// (`default`) and gil (no key) fall back to the missing default; eve (500) and fay (400, its
/// domain key `0` falls back to the account's) have limits.
#[test]
fn cp005_tree_reports_each_unlimited_source_once() {
    let (code, json) = run("testdata/cp005", "json", &[]);
    assert_eq!(code, 1);
    let got: Vec<(String, String, String)> = findings(json.as_bytes());
    let want = [
        ("CP005", "-", "var/cpanel/cpanel.config:3:1"),
        ("CP005", "-", "var/cpanel/users/anna:6:1"),
        ("CP005", "shop.example.org", "var/cpanel/users/cara:7:1"),
    ];
    let want: Vec<(String, String, String)> = want
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    assert_eq!(got, want);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let server = &doc["findings"][0];
    assert!(
        server["message"].as_str().unwrap().contains(
            "3 accounts without a limit of their own may send unlimited mail (ben, dan, gil)"
        ),
        "{server}"
    );
    snapshot!("cp005.json", json);
    snapshot!("cp005.full", run("testdata/cp005", "full", &[]).1);

    // With a server default of 300 (var/cpanel/maxemailsperhour), only `unlimited` stays
    // unlimited, and says that it beats the default.
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("server");
    common::copy_tree(&testdata_dir().join("cp005"), &root);
    write(&root, "var/cpanel/maxemailsperhour", "300");
    let f = lint(&root, "CP005");
    let places: Vec<String> = f
        .iter()
        .map(|f| f.location.as_ref().unwrap().file.clone())
        .collect();
    assert_eq!(places, ["var/cpanel/users/anna", "var/cpanel/users/cara"]);
    assert!(f.iter().all(|f| {
        f.notes
            .iter()
            .any(|n| n.contains("overrides the server's default of 300"))
    }));
    // A file holding 0 is no default: reported at the file.
    write(&root, "var/cpanel/maxemailsperhour", "0\n");
    let f = lint(&root, "CP005");
    assert_eq!(
        f[0].location.as_ref().unwrap().file,
        "var/cpanel/maxemailsperhour"
    );
    assert!(f[0].message.contains("no default hourly send limit"));
}

/// The truth table of cpanel.md §9.1, end to end: every server default (unset, 0, N) with every
/// value (absent, `0`, `default`, N, `unlimited`) on the account key and on the domain key.
#[test]
fn cp005_truth_table_end_to_end() {
    // How the server default is given.
    let defaults: &[(&str, Option<&str>, Option<&str>)] = &[
        // (name, cpanel.config maxemailsperhour, var/cpanel/maxemailsperhour)
        ("unset", None, None),
        ("0", Some("0"), Some("0")),
        ("N", Some("300"), Some("300")),
    ];
    let values: &[Option<&str>] = &[
        None,
        Some("0"),
        Some("default"),
        Some("120"),
        Some("unlimited"),
    ];
    for &(dname, config, file) in defaults {
        for key in ["MAX_EMAIL_PER_HOUR", "MAX_EMAIL_PER_HOUR-example.com"] {
            for &value in values {
                let tmp = tempfile::tempdir().unwrap();
                let root = tmp.path();
                let mut cpuser = format!("{CPUSER_HEADER}DNS=example.com\n");
                if let Some(v) = value {
                    cpuser.push_str(&format!("{key}={v}\n"));
                }
                cpuser.push_str("USER=bob\n");
                write(root, "var/cpanel/users/bob", &cpuser);
                write(root, "etc/localdomains", "example.com\n");
                let mut conf = "allowremotedomains=0\n".to_string();
                if let Some(c) = config {
                    conf.push_str(&format!("maxemailsperhour={c}\n"));
                }
                write(root, "var/cpanel/cpanel.config", &conf);
                if let Some(f) = file {
                    write(root, "var/cpanel/maxemailsperhour", f);
                }
                let got: Vec<String> = lint(root, "CP005")
                    .iter()
                    .map(|f| f.location.as_ref().map_or("-".into(), |l| l.file.clone()))
                    .collect();
                // §9.1: `unlimited` always wins; a number is the limit; absent, 0 and
                // `default` take the server default, which is no limit when unset or 0.
                let expected: Vec<&str> = match value {
                    Some("unlimited") => vec!["var/cpanel/users/bob"],
                    Some("120") => vec![],
                    _ if dname == "N" => vec![],
                    _ if dname == "unset" => vec!["var/cpanel/cpanel.config"],
                    _ => vec!["var/cpanel/maxemailsperhour"],
                };
                assert_eq!(got, expected, "default {dname}, {key}={value:?}");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// CP007
// ---------------------------------------------------------------------------------------------

/// The clock of the tests (2026-11-23T00:00:00Z), as `MAILLINT_NOW` sets it for the binary.
const NOW: i64 = 1_795_392_000;

fn lint_at(root: &Path, codes: &str) -> Vec<Finding> {
    let sel = Selector::parse_list(codes).unwrap();
    let selection = rules::selection(&sel, &[], &[]);
    let opts = Options {
        needs: rules::needs(&selection),
        today: maillint::clock::Utc::from_unix(NOW),
        ..Options::default()
    };
    let server = model::load(Some(root), &opts, &Overlay::default()).unwrap();
    let mut f = rules::run(&server, &selection);
    maillint::finding::sort(&mut f);
    f
}

fn set_mtime(path: &Path, secs: i64) {
    let f = std::fs::File::options().write(true).open(path).unwrap();
    f.set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs as u64))
        .unwrap();
}

const BOB: &str = "DNS=example.com\nDNS1=example.org\nMAX_EMAIL_PER_HOUR=250\nMXCHECK-example.org=remote\nOWNER=root\nUSER=bob\n";

/// users.cache/bob as cPanel writes it for [`BOB`], with `mxcheck` as the cached MXCHECK value
/// and `version` as its cache version.
fn bob_cache(mxcheck: &str, version: &str) -> String {
    format!(
        r#"{{"BWLIMIT":"unlimited","CHILD_WORKLOADS":"","DBOWNER":"bob","DEADDOMAINS":[],"DEMO":0,"DOMAIN":"example.com","DOMAINS":["example.org"],"FEATURELIST":"default","HASCGI":0,"HASDKIM":0,"HASSPF":0,"HOMEDIRLINKS":[],"IP":"127.0.0.1","LOCALE":"en","MAILBOX_FORMAT":"maildir","MAXADDON":0,"MAXFTP":"unlimited","MAXLST":"unlimited","MAXPARK":0,"MAXPASSENGERAPPS":4,"MAXPOP":"unlimited","MAXSQL":"unlimited","MAXSUB":"unlimited","MAX_EMAILACCT_QUOTA":"unlimited","MAX_EMAIL_PER_HOUR":"250","MXCHECK-example.org":"{mxcheck}","OWNER":"root","PLAN":"undefined","RS":"jupiter","SSL_DEFAULT_KEY_TYPE":"system","STARTDATE":"0000000000","USER":"bob","__CACHE_DATA_VERSION":{version},"__LOCALE_MISSING":1}}"#
    )
}

/// A server with bob's cpuser file, its cache and userdata `main` with its cache, each with
/// the given modification time.
fn cache_tree(root: &Path, cache: &str, cpuser_time: i64, cache_time: i64) {
    write(root, "etc/localdomains", "example.com\nexample.org\n");
    write(
        root,
        "var/cpanel/users/bob",
        &format!("{CPUSER_HEADER}{BOB}"),
    );
    write(root, "var/cpanel/users.cache/bob", cache);
    set_mtime(&root.join("var/cpanel/users/bob"), cpuser_time);
    set_mtime(&root.join("var/cpanel/users.cache/bob"), cache_time);
}

#[test]
fn cp007_reports_a_cache_cpanel_uses_that_disagrees_with_its_file() {
    let t = NOW - 3600;
    // (cache, cpuser time, cache time, expected findings)
    let cases: &[(&str, String, i64, i64, usize)] = &[
        (
            "same data, same second",
            bob_cache("remote", "0.82"),
            t,
            t,
            0,
        ),
        ("stale, same second", bob_cache("local", "0.82"), t, t, 1),
        ("stale, newer", bob_cache("local", "0.82"), t, t + 10, 1),
        // cPanel does not use these: no finding.
        (
            "stale, older than the file",
            bob_cache("local", "0.82"),
            t,
            t - 1,
            0,
        ),
        (
            "stale, in the future",
            bob_cache("local", "0.82"),
            t,
            NOW + 60,
            0,
        ),
        ("stale, other version", bob_cache("local", "0.81"), t, t, 0),
        ("not JSON", "{not json".to_string(), t, t, 0),
    ];
    for (what, cache, cpuser_time, cache_time, n) in cases {
        let tmp = tempfile::tempdir().unwrap();
        cache_tree(tmp.path(), cache, *cpuser_time, *cache_time);
        let f = lint_at(tmp.path(), "CP007");
        assert_eq!(f.len(), *n, "{what}: {f:#?}");
        if *n == 1 {
            assert!(
                f[0].message
                    .contains("MXCHECK-example.org: cached `local`, file `remote`"),
                "{}",
                f[0].message
            );
            assert_eq!(
                f[0].location.as_ref().unwrap().file,
                "var/cpanel/users.cache/bob"
            );
            let fix = f[0].fix.as_ref().unwrap();
            assert_eq!(fix.removals, ["var/cpanel/users.cache/bob"]);
            assert!(fix.edits.is_empty());
        }
    }
}

/// A key removed from the file but still in the cache, and a domain added to the file, are
/// differences too; the safe fix removes the cache and nothing else.
#[test]
fn cp007_fix_removes_the_stale_cache_only() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("server");
    let t = NOW - 3600;
    let cache = bob_cache("remote", "0.82").replace(
        r#""DOMAINS":["example.org"]"#,
        r#""DOMAINS":[],"MXCHECK-example.net":"0""#,
    );
    cache_tree(&root, &cache, t, t);
    let f = lint_at(&root, "CP007");
    assert_eq!(f.len(), 1);
    assert!(
        f[0].message
            .contains("DOMAINS: cached [], file [example.org]"),
        "{}",
        f[0].message
    );
    assert!(
        f[0].message
            .contains("MXCHECK-example.net: cached `0`, file `(absent)`"),
        "{}",
        f[0].message
    );
    let (_, diff) = run(
        root.to_str().unwrap(),
        "full",
        &["--select", "CP007", "--fix", "--dry-run"],
    );
    assert!(
        diff.starts_with("--- a/var/cpanel/users.cache/bob\n+++ /dev/null\n"),
        "{diff}"
    );
    assert_eq!(diff.matches("--- ").count(), 1, "{diff}");
    let (code, _) = run(
        root.to_str().unwrap(),
        "full",
        &["--select", "CP007", "--fix"],
    );
    assert_eq!(code, 0);
    assert!(!root.join("var/cpanel/users.cache/bob").exists());
    assert!(root.join("var/cpanel/users/bob").exists());
}

/// A userdata cache (`main.cache`) that disagrees with `main`.
#[test]
fn cp007_compares_userdata_caches_as_data() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let t = NOW - 3600;
    cache_tree(root, &bob_cache("remote", "0.82"), t, t);
    let main = "---\naddon_domains:\n  example.org: org.example.com\ncp_php_magic_include_path.conf: 0\nmain_domain: example.com\nparked_domains: []\nsub_domains:\n  - org.example.com\n";
    write(root, "var/cpanel/userdata/bob/main", main);
    let same = r#"{"addon_domains":{"example.org":"org.example.com"},"cp_php_magic_include_path.conf":"0","main_domain":"example.com","parked_domains":[],"sub_domains":["org.example.com"]}"#;
    write(root, "var/cpanel/userdata/bob/main.cache", same);
    for p in ["main", "main.cache"] {
        set_mtime(&root.join("var/cpanel/userdata/bob").join(p), t);
    }
    assert_eq!(lint_at(root, "CP007").len(), 0, "same data");
    let stale = same.replace(r#"{"example.org":"org.example.com"}"#, "{}");
    write(root, "var/cpanel/userdata/bob/main.cache", &stale);
    set_mtime(&root.join("var/cpanel/userdata/bob/main.cache"), t + 5);
    let f = lint_at(root, "CP007");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(
        f[0].location.as_ref().unwrap().file,
        "var/cpanel/userdata/bob/main.cache"
    );
    assert!(
        f[0].message.contains("addon_domains.example.org"),
        "{}",
        f[0].message
    );
    // Older than main: ignored by cPanel.
    set_mtime(&root.join("var/cpanel/userdata/bob/main.cache"), t - 5);
    assert_eq!(lint_at(root, "CP007").len(), 0);
}

// ---------------------------------------------------------------------------------------------
// CP004
// ---------------------------------------------------------------------------------------------

use std::os::unix::fs::{MetadataExt, PermissionsExt};

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn chown(path: &Path, uid: u32, gid: u32) {
    std::os::unix::fs::lchown(path, Some(uid), Some(gid)).unwrap();
}

fn mode_of(path: &Path) -> (u32, u32, u32) {
    let m = std::fs::symlink_metadata(path).unwrap();
    (m.mode() & 0o7777, m.uid(), m.gid())
}

/// Whether the tests run as root (needed to give files other owners).
fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// A server whose mail files have the modes and owners of the cases below. bob (uid 1001)
/// owns example.com and example.org, alice (uid 1002) alice.example.net.
fn modes_tree(root: &Path) {
    write(
        root,
        "etc/passwd",
        "root:x:0:0:root:/root:/bin/bash\nbob:x:1001:1001::/home/bob:/bin/bash\nalice:x:1002:1002::/home/alice:/bin/bash\n",
    );
    write(
        root,
        "var/cpanel/users/bob",
        &format!(
            "{CPUSER_HEADER}DNS=example.com\nDNS1=example.org\nMAX_EMAIL_PER_HOUR=250\nUSER=bob\n"
        ),
    );
    write(
        root,
        "var/cpanel/users/alice",
        &format!("{CPUSER_HEADER}DNS=alice.example.net\nMAX_EMAIL_PER_HOUR=250\nUSER=alice\n"),
    );
    write(
        root,
        "etc/localdomains",
        "example.com\nexample.org\nalice.example.net\n",
    );
    write(root, "etc/remotedomains", "");
    write(root, "etc/secondarymx", "");
    write(
        root,
        "etc/userdomains",
        "example.com: bob\nexample.org: bob\nalice.example.net: alice\n",
    );
    write(
        root,
        "etc/valiases/example.com",
        "info@example.com: bob@example.net\n",
    );
    write(root, "etc/valiases/example.org", "*: bob\n");
    write(root, "etc/vfilters/example.com", "# Exim filter\n");
    let p = |rel: &str| root.join(rel);
    for d in [
        "etc",
        "etc/valiases",
        "etc/vfilters",
        "var",
        "var/cpanel",
        "var/cpanel/users",
    ] {
        chmod(&p(d), 0o755);
    }
    // Reported.
    chmod(&p("etc/localdomains"), 0o666);
    chmod(&p("etc/userdomains"), 0o660);
    chown(&p("etc/userdomains"), 0, 12);
    chmod(&p("etc/valiases/example.org"), 0o640);
    chown(&p("etc/valiases/example.org"), 1002, 12);
    chmod(&p("etc/vfilters/example.com"), 0o664);
    chown(&p("etc/vfilters/example.com"), 1001, 12);
    chmod(&p("var/cpanel/users/bob"), 0o660);
    chown(&p("var/cpanel/users/bob"), 0, 1001);
    chmod(&p("etc/valiases"), 0o777);
    // Not reported: cPanel's own modes, stricter ones, the domain's account as owner.
    chmod(&p("etc/remotedomains"), 0o644);
    chmod(&p("etc/secondarymx"), 0o600);
    chmod(&p("etc/valiases/example.com"), 0o640);
    chown(&p("etc/valiases/example.com"), 1001, 12);
    chmod(&p("var/cpanel/users/alice"), 0o640);
    chown(&p("var/cpanel/users/alice"), 0, 1002);
    chmod(&p("etc/passwd"), 0o644);
}

#[test]
fn cp004_reports_who_else_can_write_and_restores_cpanels_modes() {
    if !is_root() {
        // `cp004_world_writable_files_for_any_user` covers what a user can set up.
        eprintln!(
            "\n******** SKIPPED: CP004's owner cases need root (to give files other owners) ********\n"
        );
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("server");
    std::fs::create_dir_all(&root).unwrap();
    chmod(&root, 0o755);
    modes_tree(&root);
    let (code, json) = run(root.to_str().unwrap(), "json", &["--select", "CP004"]);
    assert_eq!(code, 1);
    let got: Vec<(String, String, String)> = findings(json.as_bytes());
    let want = [
        ("CP004", "-", "etc/localdomains:1:1"),
        ("CP004", "-", "etc/userdomains:1:1"),
        ("CP004", "-", "etc/valiases:1:1"),
        ("CP004", "example.org", "etc/valiases/example.org:1:1"),
        ("CP004", "example.com", "etc/vfilters/example.com:1:1"),
        ("CP004", "-", "var/cpanel/users/bob:1:1"),
    ];
    let want: Vec<(String, String, String)> = want
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    assert_eq!(got, want);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let msg = |i: usize| doc["findings"][i]["message"].as_str().unwrap().to_string();
    assert!(msg(0).contains("every local user (mode 0666"), "{}", msg(0));
    assert!(msg(1).contains("group mail (gid 12)"), "{}", msg(1));
    assert!(
        msg(3).contains("its owner, user alice (uid 1002)"),
        "{}",
        msg(3)
    );
    assert!(msg(3).contains("cPanel sets 0640 bob:mail"), "{}", msg(3));
    assert!(
        msg(5).contains("group of the file (gid 1001)"),
        "{}",
        msg(5)
    );
    // The directory gets advice, the files a fix.
    assert_eq!(doc["findings"][2]["fix"]["applicability"], "display-only");

    // The diff shows the new modes as git does, for GNU patch.
    let (_, diff) = run(
        root.to_str().unwrap(),
        "full",
        &["--select", "CP004", "--fix", "--unsafe-fixes", "--dry-run"],
    );
    assert!(
        diff.contains(
            "diff --git a/etc/localdomains b/etc/localdomains\nold mode 100666\nnew mode 100640\n"
        ),
        "{diff}"
    );
    assert!(!diff.contains("+++"), "no content changes: {diff}");

    let before: Vec<(String, Vec<u8>)> = [
        "etc/localdomains",
        "etc/userdomains",
        "etc/valiases/example.org",
        "etc/vfilters/example.com",
        "var/cpanel/users/bob",
    ]
    .iter()
    .map(|p| (p.to_string(), std::fs::read(root.join(p)).unwrap()))
    .collect();
    let (code, _) = run(
        root.to_str().unwrap(),
        "full",
        &["--select", "CP004", "--fix", "--unsafe-fixes"],
    );
    assert_eq!(code, 1, "the directory remains");
    assert_eq!(mode_of(&root.join("etc/localdomains")).0, 0o640);
    assert_eq!(mode_of(&root.join("etc/userdomains")), (0o640, 0, 12));
    // The forwarders go back to their domain's account.
    assert_eq!(
        mode_of(&root.join("etc/valiases/example.org")),
        (0o640, 1001, 12)
    );
    assert_eq!(
        mode_of(&root.join("etc/vfilters/example.com")),
        (0o640, 1001, 12)
    );
    assert_eq!(
        mode_of(&root.join("var/cpanel/users/bob")),
        (0o640, 0, 1001)
    );
    for (p, bytes) in &before {
        assert_eq!(
            &std::fs::read(root.join(p)).unwrap(),
            bytes,
            "{p}: bytes unchanged"
        );
    }
    let f = lint(&root, "CP004");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].location.as_ref().unwrap().file, "etc/valiases");

    // `maillint restore` puts the old modes and owners back.
    let backups = root.join("var/lib/maillint/backup");
    let backup = std::fs::read_dir(&backups)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let out = maillint(&["restore", backup.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(mode_of(&root.join("etc/localdomains")).0, 0o666);
    assert_eq!(
        mode_of(&root.join("etc/valiases/example.org")),
        (0o640, 1002, 12)
    );
    assert_eq!(
        mode_of(&root.join("var/cpanel/users/bob")),
        (0o660, 0, 1001)
    );
}

/// GNU patch applies the `--dry-run` diff's mode changes as `--fix` does.
#[test]
fn cp004_diff_applies_with_gnu_patch() {
    let Some(patch) = common::tool("patch", "patch") else {
        return;
    };
    if !is_root() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("server");
    std::fs::create_dir_all(&root).unwrap();
    chmod(&root, 0o755);
    modes_tree(&root);
    let (_, diff) = run(
        root.to_str().unwrap(),
        "full",
        &["--select", "CP004", "--fix", "--unsafe-fixes", "--dry-run"],
    );
    let mut child = std::process::Command::new(patch)
        .args(["-p1", "--batch"])
        .current_dir(&root)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(diff.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for (p, mode) in [
        ("etc/localdomains", 0o640),
        ("etc/userdomains", 0o640),
        ("etc/vfilters/example.com", 0o640),
        ("var/cpanel/users/bob", 0o640),
    ] {
        assert_eq!(mode_of(&root.join(p)).0, mode, "{p}");
    }
}

/// What any user can set up: world-writable files in a tree the user owns (its owner counts as
/// root) are reported and fixed; group-writable ones of the user's own group are not.
#[test]
fn cp004_world_writable_files_for_any_user() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("server");
    std::fs::create_dir_all(&root).unwrap();
    write(
        &root,
        "var/cpanel/users/bob",
        &format!("{CPUSER_HEADER}DNS=example.com\nMAX_EMAIL_PER_HOUR=250\nUSER=bob\n"),
    );
    write(&root, "etc/localdomains", "example.com\n");
    write(&root, "etc/valiases/example.com", "*: bob\n");
    for d in [
        "",
        "etc",
        "etc/valiases",
        "var",
        "var/cpanel",
        "var/cpanel/users",
    ] {
        chmod(&root.join(d), 0o755);
    }
    chmod(&root.join("etc/localdomains"), 0o646);
    chmod(&root.join("etc/valiases/example.com"), 0o664);
    chmod(&root.join("var/cpanel/users/bob"), 0o640);
    let f = lint(&root, "CP004");
    let places: Vec<&str> = f
        .iter()
        .map(|f| f.location.as_ref().unwrap().file.as_str())
        .collect();
    assert_eq!(places, ["etc/localdomains"], "{f:#?}");
    let (code, _) = run(
        root.to_str().unwrap(),
        "full",
        &["--select", "CP004", "--fix", "--unsafe-fixes"],
    );
    assert_eq!(code, 0);
    assert_eq!(mode_of(&root.join("etc/localdomains")).0, 0o640);
    assert_eq!(
        std::fs::read(root.join("etc/localdomains")).unwrap(),
        b"example.com\n"
    );
}
