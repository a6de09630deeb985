//! `--write-baseline FILE` and `--baseline FILE` as a user sees them: what is recorded, what is
//! hidden after lines move, what is new, what is fixed, in every format's summary; exit codes;
//! corrupt files; a baseline recorded for another root; `--select`, `--domain`, `--fix`,
//! `--dry-run` and `--statistics` with a baseline.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

const MANIFEST: &str = env!("CARGO_MANIFEST_DIR");

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str]) -> Run {
    let out = Command::cargo_bin("maillint")
        .unwrap()
        .current_dir(MANIFEST)
        .env("NO_COLOR", "1")
        .env("MAILLINT_NOW", "1795392000")
        .env_remove("CLICOLOR_FORCE")
        .timeout(Duration::from_secs(60))
        .args(args)
        .output()
        .unwrap();
    let r = Run {
        code: out.status.code().expect("maillint exits"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    };
    assert_ne!(r.code, 101, "maillint panicked: {}", r.stderr);
    r
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A copy of `testdata/baseline` (20 findings; a frozen copy of an early `testdata/routing`, so
/// that changes to the routing cases do not move these numbers) and the path of a baseline file beside it.
fn routing() -> (TempDir, PathBuf, PathBuf) {
    let tmp = TempDir::new().unwrap();
    let root = tmp.path().join("routing");
    common::copy_tree(&Path::new(MANIFEST).join("testdata/baseline"), &root);
    let base = tmp.path().join("baseline.json");
    (tmp, root, base)
}

fn record(root: &Path, base: &Path) -> Run {
    let r = run(&[s(root), "--write-baseline", s(base)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    r
}

fn json(args: &[&str]) -> (i32, Value) {
    let r = run(args);
    assert!(r.code == 0 || r.code == 1, "exit {}: {}", r.code, r.stderr);
    let v =
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", r.stdout));
    (r.code, v)
}

/// The findings of a JSON report as `CODE domain file:line`.
fn shown(doc: &Value) -> Vec<String> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {} {}:{}",
                f["code"].as_str().unwrap(),
                f["domain"].as_str().unwrap_or("-"),
                f["location"]["file"].as_str().unwrap_or("-"),
                f["location"]["line"]
            )
        })
        .collect()
}

fn edit(root: &Path, rel: &str, f: impl FnOnce(String) -> String) {
    let p = root.join(rel);
    let text = fs::read_to_string(&p).unwrap();
    fs::write(&p, f(text)).unwrap();
}

#[test]
fn write_baseline_records_every_finding_and_reports_nothing() {
    let (_tmp, root, base) = routing();
    let (code, all) = json(&[s(&root), "--format", "json"]);
    assert_eq!(code, 1);
    let n = all["findings"].as_array().unwrap().len();
    assert_eq!(n, 20);

    let r = record(&root, &base);
    assert_eq!(r.stdout, "", "--write-baseline prints no report");
    assert_eq!(
        r.stderr,
        format!(
            "Recorded 20 findings in {b} (12 errors, 7 warnings, 1 info); report only new ones \
             with --baseline {b}.\n",
            b = base.display()
        )
    );
    let doc: Value = serde_json::from_str(&fs::read_to_string(&base).unwrap()).unwrap();
    assert_eq!(doc["version"], 1);
    assert_eq!(
        doc["root"].as_str().unwrap(),
        fs::canonicalize(&root).unwrap().to_str().unwrap()
    );
    let entries = doc["findings"].as_array().unwrap();
    assert_eq!(entries.len(), n);
    // In report order, each with the finding's code, domain, user, file, line and message.
    for (e, f) in entries.iter().zip(all["findings"].as_array().unwrap()) {
        assert_eq!(e["code"], f["code"]);
        assert_eq!(e["domain"], f["domain"]);
        assert_eq!(e["user"], f["user"]);
        assert_eq!(e["file"], f["location"]["file"]);
        assert_eq!(e["line"], f["location"]["line"]);
        assert_eq!(e["message"], f["message"]);
        let fp = e["fingerprint"].as_str().unwrap();
        assert!(
            fp.len() == 16 && fp.bytes().all(|b| b.is_ascii_hexdigit()),
            "{fp}"
        );
    }
    let keys: BTreeSet<&str> = entries[0]
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    assert_eq!(
        keys,
        BTreeSet::from([
            "code",
            "domain",
            "user",
            "file",
            "fingerprint",
            "line",
            "message"
        ])
    );

    // The same tree against its baseline: nothing new, exit 0, the summary says what was hidden.
    let r = run(&[s(&root), "--baseline", s(&base), "--format", "concise"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let scope = "(48 files, 2 accounts, 20 domains)";
    assert_eq!(
        r.stdout,
        format!(
            "No findings beyond the baseline {scope}.\nBaseline {}: 20 findings hidden, 0 fixed \
             since it was recorded.\n",
            base.display()
        )
    );
    // Recording twice gives the same bytes.
    let first = fs::read(&base).unwrap();
    record(&root, &base);
    assert_eq!(fs::read(&base).unwrap(), first);
}

#[test]
fn moved_lines_do_not_bring_findings_back() {
    let (_tmp, root, base) = routing();
    record(&root, &base);
    let (_, before) = json(&[s(&root), "--format", "json"]);
    // Unrelated edits that move lines: three comment lines at the top of alice's cpuser file,
    // and etc/localdomains in reverse order.
    edit(&root, "var/cpanel/users/alice", |t| {
        let (head, rest) = t.split_at(t.find("\n\n").unwrap() + 1);
        format!("{head}# moved\n# down\n# three lines\n{rest}")
    });
    edit(&root, "etc/localdomains", |t| {
        let mut lines: Vec<&str> = t.lines().collect();
        lines.reverse();
        lines.join("\n") + "\n"
    });
    let (code, after) = json(&[s(&root), "--format", "json"]);
    assert_eq!(code, 1);
    // The same findings, at other lines: matching by line would report them again.
    let what = |doc: &Value| -> Vec<String> {
        let mut v: Vec<String> = shown(doc)
            .iter()
            .map(|x| x.rsplit_once(':').unwrap().0.to_string())
            .collect();
        v.sort();
        v
    };
    assert_eq!(what(&before), what(&after));
    let moved = shown(&before)
        .iter()
        .zip(shown(&after).iter())
        .filter(|(a, b)| a != b)
        .count();
    assert!(moved >= 9, "{moved} findings moved:\n{:?}", shown(&after));
    assert!(shown(&before).contains(&"RT001 beta.example etc/localdomains:2".to_string()));
    assert!(shown(&after).contains(&"RT001 beta.example etc/localdomains:12".to_string()));

    let (code, doc) = json(&[s(&root), "--baseline", s(&base), "--format", "json"]);
    assert_eq!(code, 0);
    assert_eq!(shown(&doc), Vec::<String>::new());
    let b = &doc["summary"]["baseline"];
    assert_eq!(b["hidden"], 20);
    assert_eq!(b["fixed"], 0);
    assert_eq!(b["file"], s(&base));
}

/// orphan.example leaves etc/localdomains (its RT005 is fixed); stray.example arrives (a new
/// RT005). Every format reports the new one alone and says one entry is fixed.
fn fixed_and_new() -> (TempDir, PathBuf, PathBuf) {
    let (tmp, root, base) = routing();
    record(&root, &base);
    edit(&root, "etc/localdomains", |t| {
        t.replace("orphan.example\n", "") + "stray.example\n"
    });
    (tmp, root, base)
}

#[test]
fn a_fixed_finding_and_a_new_one_in_json() {
    let (_tmp, root, base) = fixed_and_new();
    let (code, doc) = json(&[s(&root), "--baseline", s(&base), "--format", "json"]);
    // The new finding is a warning: the exit code counts it, and it alone.
    assert_eq!(code, 1);
    assert_eq!(shown(&doc), ["RT005 stray.example etc/localdomains:13"]);
    let summary = &doc["summary"];
    assert_eq!(summary["warnings"], 1);
    assert_eq!(summary["errors"], 0);
    let b = &summary["baseline"];
    assert_eq!(b["hidden"], 19);
    assert_eq!(b["fixed"], 1);
    let fixed = b["fixed_findings"].as_array().unwrap();
    assert_eq!(fixed.len(), 1);
    assert_eq!(fixed[0]["code"], "RT005");
    assert_eq!(fixed[0]["domain"], "orphan.example");
    assert_eq!(fixed[0]["file"], "etc/localdomains");
    assert_eq!(fixed[0]["line"], 9);

    // Without --baseline the summary has no baseline field (PRODUCT.md's schema unchanged).
    let (_, plain) = json(&[s(&root), "--format", "json"]);
    assert!(plain["summary"].get("baseline").is_none());
}

#[test]
fn a_fixed_finding_and_a_new_one_in_the_text_formats() {
    let (_tmp, root, base) = fixed_and_new();
    let line = format!(
        "Baseline {}: 19 findings hidden, 1 fixed since it was recorded.\n",
        base.display()
    );
    let r = run(&[s(&root), "--baseline", s(&base), "--format", "concise"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stdout,
        format!(
            "etc/localdomains:13:1: RT005 [warning] stray.example in etc/localdomains belongs to \
             no account and is not the host name\n\nFound 1 warning (48 files, 2 accounts, 20 \
             domains).\nNo fixes available with --fix (1 with --fix --unsafe-fixes).\n{line}"
        )
    );
    let r = run(&[s(&root), "--baseline", s(&base)]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.starts_with("warning[RT005]: stray.example"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.ends_with(&line), "{}", r.stdout);
    assert_eq!(r.stdout.matches("[RT").count(), 1, "{}", r.stdout);

    let r = run(&[s(&root), "--baseline", s(&base), "--format", "github"]);
    assert_eq!(r.code, 1);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", r.stdout);
    assert!(lines[0].starts_with("::warning file=etc/localdomains,line=13,"));
    assert_eq!(
        lines[1],
        format!(
            "::notice title=maillint baseline::baseline {}: 19 findings hidden, 1 fixed since it \
             was recorded",
            base.display()
        )
    );

    // json-lines has no summary: the new finding alone.
    let r = run(&[s(&root), "--baseline", s(&base), "--format", "json-lines"]);
    assert_eq!(r.code, 1);
    assert_eq!(r.stdout.lines().count(), 1);
    let f: Value = serde_json::from_str(r.stdout.trim()).unwrap();
    assert_eq!(f["domain"], "stray.example");
}

#[test]
fn a_fixed_finding_and_a_new_one_in_sarif() {
    let (_tmp, root, base) = fixed_and_new();
    let (code, doc) = json(&[s(&root), "--baseline", s(&base), "--format", "sarif"]);
    assert_eq!(code, 1);
    let run0 = &doc["runs"][0];
    let results = run0["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["ruleId"], "RT005");
    assert_eq!(results[0]["baselineState"], "new");
    let b = &run0["properties"]["baseline"];
    assert_eq!(b["hidden"], 19);
    assert_eq!(b["fixed"], 1);
    assert_eq!(b["fixed_findings"][0]["domain"], "orphan.example");
}

#[test]
fn statistics_count_only_new_findings() {
    let (_tmp, root, base) = fixed_and_new();
    let r = run(&[s(&root), "--baseline", s(&base), "--statistics"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stdout,
        format!(
            "1\tRT005\t    orphan-routing-entry\n\nFound 1 warning (48 files, 2 accounts, 20 \
             domains).\nNo fixes available with --fix (1 with --fix --unsafe-fixes).\nBaseline {}: 19 findings hidden, 1 fixed since it was recorded.\n",
            base.display()
        )
    );
    let (_, doc) = json(&[
        s(&root),
        "--baseline",
        s(&base),
        "--statistics",
        "--format",
        "json",
    ]);
    assert_eq!(doc["statistics"].as_array().unwrap().len(), 1);
    assert_eq!(doc["summary"]["baseline"]["fixed"], 1);
}

#[test]
fn identical_findings_are_counted() {
    // Two comment lines with the same text are two CP003 findings with the same fingerprint: a
    // baseline holding one hides one.
    let (_tmp, root, base) = routing();
    edit(&root, "etc/localdomains", |t| format!("# old\n{t}"));
    let sel = ["--select", "CP003", "--format", "json"];
    record(&root, &base);
    edit(&root, "etc/localdomains", |t| format!("{t}# old\n"));
    let mut args = vec![s(&root), "--baseline", s(&base)];
    args.extend(sel);
    let (code, doc) = json(&args);
    assert_eq!(code, 1);
    assert_eq!(shown(&doc), ["CP003 - etc/localdomains:15"]);
    assert_eq!(doc["summary"]["baseline"]["hidden"], 1);
}

#[test]
fn entries_outside_the_run_are_neither_hidden_nor_fixed() {
    let (_tmp, root, base) = routing();
    record(&root, &base);
    // Three RT001 findings (beta, gamma, kappa): the other 17 entries' rules do not run.
    let (code, doc) = json(&[
        s(&root),
        "--baseline",
        s(&base),
        "--select",
        "RT001",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    assert_eq!(doc["summary"]["baseline"]["hidden"], 3);
    assert_eq!(doc["summary"]["baseline"]["fixed"], 0);
    let (_, doc) = json(&[
        s(&root),
        "--baseline",
        s(&base),
        "--domain",
        "beta.example",
        "--format",
        "json",
    ]);
    let hidden = doc["summary"]["baseline"]["hidden"].as_u64().unwrap();
    assert!(hidden >= 2, "{doc}");
    assert_eq!(doc["summary"]["baseline"]["fixed"], 0);
    assert_eq!(shown(&doc), Vec::<String>::new());
}

#[test]
fn a_baseline_from_another_root_matches_by_relative_paths_and_says_so() {
    let (_tmp, root, base) = routing();
    record(&root, &base);
    let other = TempDir::new().unwrap();
    let copy = other.path().join("copy");
    common::copy_tree(&root, &copy);
    let r = run(&[s(&copy), "--baseline", s(&base), "--format", "concise"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("20 findings hidden, 0 fixed"),
        "{}",
        r.stdout
    );
    assert_eq!(
        r.stderr,
        format!(
            "warning: the baseline {} was recorded for {}, and this run lints {}: its entries \
             match the files of the same relative paths here\n",
            base.display(),
            fs::canonicalize(&root).unwrap().display(),
            fs::canonicalize(&copy).unwrap().display()
        )
    );
    // A baseline of another server hides nothing of this one and calls its own entries fixed.
    let exchange = other.path().join("exchange");
    common::copy_tree(&Path::new(MANIFEST).join("testdata/exchange"), &exchange);
    let (code, doc) = json(&[s(&exchange), "--baseline", s(&base), "--format", "json"]);
    assert_eq!(code, 1);
    assert_eq!(doc["findings"].as_array().unwrap().len(), 1);
    assert_eq!(doc["summary"]["baseline"]["hidden"], 0);
    assert_eq!(doc["summary"]["baseline"]["fixed"], 20);
}

#[test]
fn corrupt_or_missing_baselines_stop_the_run() {
    let (tmp, root, base) = routing();
    record(&root, &base);
    let good = fs::read_to_string(&base).unwrap();
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "truncated",
            good[..good.len() / 2].to_string(),
            "not a maillint baseline: invalid JSON: EOF while parsing",
        ),
        (
            "not an object",
            "[1, 2]".into(),
            "not a maillint baseline: expected a JSON object",
        ),
        (
            "another version",
            good.replacen("\"version\": 1", "\"version\": 7", 1),
            "baseline version 7 is not supported: this maillint reads version 1",
        ),
        (
            "a missing key",
            good.replacen("\"fingerprint\"", "\"fingerprlnt\"", 1),
            "not a maillint baseline: unknown field `fingerprlnt`",
        ),
        (
            "a bad fingerprint",
            {
                let mut v: Value = serde_json::from_str(&good).unwrap();
                v["findings"][3]["fingerprint"] = "zz".into();
                v.to_string()
            },
            "not a maillint baseline: findings[3] (RT001): the fingerprint `zz` is not 16 hex digits",
        ),
    ];
    for (what, text, needle) in cases {
        let bad = tmp.path().join("bad.json");
        fs::write(&bad, text).unwrap();
        let r = run(&[s(&root), "--baseline", s(&bad)]);
        assert_eq!(r.code, 2, "{what}: {}", r.stderr);
        assert_eq!(r.stdout, "", "{what}");
        let want = format!("maillint: error: --baseline {}: {needle}", bad.display());
        assert!(
            r.stderr.starts_with(&want),
            "{what}: want {want}\n got {}",
            r.stderr
        );
    }
    let missing = tmp.path().join("nope.json");
    let r = run(&[s(&root), "--baseline", s(&missing)]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        format!(
            "maillint: error: --baseline {}: cannot read it: No such file or directory (os error \
             2)\n",
            missing.display()
        )
    );
    // A baseline that cannot be written: exit 2, nothing left behind.
    let r = run(&[
        s(&root),
        "--write-baseline",
        s(&tmp.path().join("no/such/dir/b.json")),
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.starts_with("maillint: error: --write-baseline "),
        "{}",
        r.stderr
    );
}

#[test]
fn write_baseline_refuses_the_options_it_cannot_honour() {
    let (_tmp, root, base) = routing();
    for other in [
        &["--fix"][..],
        &["--dry-run"],
        &["--statistics"],
        &["--baseline", "x.json"],
    ] {
        let mut args = vec![s(&root), "--write-baseline", s(&base)];
        args.extend(other);
        let r = run(&args);
        assert_eq!(r.code, 2, "{other:?}");
        assert!(r.stderr.contains("cannot be used with"), "{}", r.stderr);
        assert!(!base.exists());
    }
}

#[test]
fn fix_with_a_baseline_still_fixes_baselined_findings() {
    // The baseline filters what is reported, not what --fix does (README "Baseline").
    let (_tmp, root, base) = routing();
    record(&root, &base);
    let before = fs::read_to_string(root.join("etc/localdomains")).unwrap();

    // --dry-run: the diff is the one without a baseline; the findings (stderr) are only new ones.
    let plain = run(&[s(&root), "--fix", "--dry-run"]);
    let r = run(&[
        s(&root),
        "--fix",
        "--dry-run",
        "--baseline",
        s(&base),
        "--format",
        "concise",
    ]);
    assert_eq!(r.code, 1, "a non-empty diff exits 1");
    assert!(!r.stdout.is_empty());
    assert_eq!(r.stdout, plain.stdout);
    assert!(
        r.stderr
            .starts_with("No findings beyond the baseline (48 files, 2 accounts, 20 domains).\n"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("Would fix 4 findings"), "{}", r.stderr);

    let r = run(&[
        s(&root),
        "--fix",
        "--baseline",
        s(&base),
        "--format",
        "concise",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stderr.matches("fixed: ").count(), 4, "{}", r.stderr);
    assert_ne!(
        fs::read_to_string(root.join("etc/localdomains")).unwrap(),
        before
    );
    // (47 files: the fixes removed var/cpanel/users.cache/alice.)
    assert_eq!(
        r.stdout,
        format!(
            "No findings beyond the baseline (47 files, 2 accounts, 20 domains).\nBaseline {}: \
             16 findings hidden, 4 fixed since it was recorded.\n",
            base.display()
        )
    );
}
