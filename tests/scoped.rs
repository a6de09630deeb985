//! Scoped runs (`--domain D`, the hook) report exactly what the whole run reports for D.
//!
//! For every tree of testdata/ (the shared trees and the rule cases that are their own tree)
//! and every domain the tree names, the findings of `--domain D` must equal the whole run's
//! findings whose domain is D, fixes included: a scoped run reads less, so a finding it gives and
//! the whole run does not is a false one (FWD002 on a forwarder to another account's mailbox,
//! when that account was not read), and one it misses is one the hook would not log.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

fn trees() -> Vec<PathBuf> {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let mut out = Vec::new();
    for e in std::fs::read_dir(&data).unwrap() {
        let p = e.unwrap().path();
        if p.join("etc").is_dir() || p.join("var").is_dir() {
            out.push(p);
        }
    }
    for e in std::fs::read_dir(data.join("rules")).unwrap() {
        let p = e.unwrap().path();
        let case = std::fs::read_to_string(p.join("case.toml")).unwrap_or_default();
        // Cases whose setup changes modes or times run on a prepared copy (tests/rules.rs);
        // their files as git keeps them are linted here all the same.
        if case.contains("tree = \".\"") {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// Runs maillint in this process; returns the JSON findings.
fn run(tree: &Path, extra: &[&str]) -> Vec<Value> {
    try_run(tree, extra).unwrap_or_else(|e| panic!("{} {extra:?}: {e}", tree.display()))
}

fn try_run(tree: &Path, extra: &[&str]) -> Result<Vec<Value>, String> {
    let mut argv: Vec<std::ffi::OsString> = vec!["maillint".into(), "check".into()];
    argv.push(tree.into());
    for a in ["--format", "json", "--no-progress", "--exit-zero"] {
        argv.push(a.into());
    }
    argv.extend(extra.iter().map(|a| a.into()));
    let cli = <maillint::cli::Cli as clap::Parser>::try_parse_from(argv).unwrap();
    let Some(maillint::cli::Command::Check(args)) = cli.command else {
        panic!("not a check")
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = maillint::cli::check(&args, &mut out, &mut err).map_err(|e| e.to_string())?;
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    let v: Value = serde_json::from_slice(&out).unwrap();
    Ok(v["findings"].as_array().unwrap().clone())
}

/// Every domain a tree names: findings, `etc/userdomains`, the routing lists and zones.
fn domains(tree: &Path, findings: &[Value]) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = findings
        .iter()
        .filter_map(|f| f["domain"].as_str().map(str::to_string))
        .collect();
    for f in ["etc/userdomains", "etc/trueuserdomains"] {
        for line in std::fs::read_to_string(tree.join(f))
            .unwrap_or_default()
            .lines()
        {
            if let Some((d, _)) = line.split_once(':') {
                out.insert(d.trim().to_ascii_lowercase());
            }
        }
    }
    for f in ["etc/localdomains", "etc/remotedomains", "etc/secondarymx"] {
        for line in std::fs::read_to_string(tree.join(f))
            .unwrap_or_default()
            .lines()
        {
            out.insert(line.trim().trim_end_matches('.').to_ascii_lowercase());
        }
    }
    if let Ok(dir) = std::fs::read_dir(tree.join("var/named")) {
        for e in dir.flatten() {
            if let Some(z) = e.file_name().to_str().and_then(|n| n.strip_suffix(".db")) {
                out.insert(z.to_ascii_lowercase());
            }
        }
    }
    out.retain(|d| {
        !d.is_empty()
            && d != "*"
            && d.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b))
    });
    out
}

#[test]
fn a_scoped_run_reports_what_the_whole_run_reports_for_its_domains() {
    // SAFETY of the test: one test in this binary; the clock is fixed for the rules of dates.
    unsafe { std::env::set_var("MAILLINT_NOW", "1795392000") };
    let mut checked = 0;
    let mut failures = Vec::new();
    for tree in trees() {
        let whole = run(&tree, &[]);
        for d in domains(&tree, &whole) {
            let expected: Vec<&Value> = whole
                .iter()
                .filter(|f| f["domain"].as_str() == Some(d.as_str()))
                .collect();
            let got = match try_run(&tree, &["--domain", &d]) {
                Ok(v) => v,
                Err(e) => {
                    failures.push(format!("{} --domain {d}: {e}", tree.display()));
                    continue;
                }
            };
            let got: Vec<&Value> = got.iter().collect();
            if got != expected {
                let codes = |v: &[&Value]| -> Vec<String> {
                    v.iter()
                        .map(|f| format!("{} {}", f["code"], f["message"]))
                        .collect()
                };
                failures.push(format!(
                    "{} --domain {d}:\n  whole: {:#?}\n  scoped: {:#?}",
                    tree.display(),
                    codes(&expected),
                    codes(&got)
                ));
            }
            checked += 1;
        }
        // Two domains at once: the union of both.
        let ds: Vec<String> = domains(&tree, &whole).into_iter().take(2).collect();
        if ds.len() == 2 {
            let expected: Vec<&Value> = whole
                .iter()
                .filter(|f| {
                    f["domain"]
                        .as_str()
                        .is_some_and(|d| ds.iter().any(|w| w == d))
                })
                .collect();
            let got = run(&tree, &["--domain", &ds[0], "--domain", &ds[1]]);
            assert_eq!(
                got.iter().collect::<Vec<_>>(),
                expected,
                "{} --domain {} --domain {}",
                tree.display(),
                ds[0],
                ds[1]
            );
        }
    }
    assert!(checked > 100, "only {checked} scoped runs");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn fwd() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/fwd")
}

fn scoped(
    tree: &Path,
    domains: &[&str],
) -> (maillint::model::Server, maillint::model::scope::Widened) {
    let domains: Vec<String> = domains.iter().map(|d| d.to_string()).collect();
    maillint::model::load_scoped(
        Some(tree),
        &maillint::model::Options::default(),
        &maillint::tree::Overlay::default(),
        &domains,
        &[],
    )
    .unwrap()
}

#[test]
fn a_scoped_run_reads_the_accounts_its_domains_concern_and_no_other() {
    use maillint::model::scope::Widened;
    // example.com forwards help@ to support@widgets.example.com, bob's: bob is read too.
    let (s, w) = scoped(&fwd(), &["example.com"]);
    assert_eq!(w, Widened::No);
    assert_eq!(s.accounts.keys().collect::<Vec<_>>(), ["alice", "bob"]);
    assert!(s.valiases.contains_key("widgets.example.com"));
    // Of four accounts, harbor's domains concern harbor alone; the routing lists are read whole.
    let clean = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/clean");
    let (s, w) = scoped(&clean, &["harbor.example"]);
    assert_eq!(w, Widened::No);
    assert_eq!(s.accounts.keys().collect::<Vec<_>>(), ["harbor"]);
    assert_eq!(
        s.zones.keys().collect::<Vec<_>>(),
        ["harbor.example", "shop.harbor.example"]
            .iter()
            .filter(|z| clean.join(format!("var/named/{z}.db")).exists())
            .collect::<Vec<_>>()
    );
    assert!(s.lists.in_local("meadow.example"));
}

#[test]
fn a_domain_the_ownership_files_do_not_name_makes_the_run_read_the_whole_server() {
    use maillint::model::scope::Widened;
    // etc/userdomains forgets bob's widgets.example.com: a scoped run of example.com cannot
    // find the account that holds support@widgets.example.com, and must not call it missing.
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    copy(&fwd(), &tree);
    for f in ["etc/userdomains", "etc/trueuserdomains", "etc/domainusers"] {
        if let Ok(text) = std::fs::read_to_string(tree.join(f)) {
            let kept: String = text
                .lines()
                .filter(|l| !l.contains("widgets.example.com") && !l.starts_with("bob"))
                .map(|l| format!("{l}\n"))
                .collect();
            std::fs::write(tree.join(f), kept).unwrap();
        }
    }
    let (s, w) = scoped(&tree, &["example.com"]);
    assert!(
        matches!(w, Widened::Whole(ref why) if why.contains("widgets.example.com")),
        "{w:?}"
    );
    assert!(s.accounts.contains_key("bob"));
    unsafe { std::env::set_var("MAILLINT_NOW", "1795392000") };
    let whole: Vec<Value> = run(&tree, &[])
        .into_iter()
        .filter(|f| f["domain"] == "example.com")
        .collect();
    let got = run(&tree, &["--domain", "example.com"]);
    assert_eq!(got, whole);
    assert!(
        !got.iter()
            .any(|f| f["code"] == "FWD002" && f["message"].as_str().unwrap().contains("widgets")),
        "{got:#?}"
    );
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let (src, dst) = (e.path(), to.join(e.file_name()));
        if e.file_type().unwrap().is_dir() {
            copy(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}
