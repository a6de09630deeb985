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
