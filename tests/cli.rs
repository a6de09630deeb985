//! The command line as a user sees it: exit codes and error messages, `rules`/`rule`, every
//! output format (JSON schema of PRODUCT.md "Output"), deterministic ordering, rule selection
//! from the command line and the configuration file, `--statistics`, and `--fix --dry-run`.
//!
//! Every run starts from the manifest directory with a relative tree path (so `root` and paths in
//! the output are stable), `NO_COLOR=1` and the fixed clock `MAILLINT_NOW`. Runs that could write
//! work on a copy of a tree in a temporary directory.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

const MANIFEST: &str = env!("CARGO_MANIFEST_DIR");
/// 2026-11-23T00:00:00Z.
const NOW: &str = "1795392000";

// ---------------------------------------------------------------------------------------------
// Helpers

fn maillint() -> Command {
    let mut cmd = Command::cargo_bin("maillint").unwrap();
    cmd.current_dir(MANIFEST)
        .env("NO_COLOR", "1")
        .env("MAILLINT_NOW", NOW)
        .env_remove("CLICOLOR_FORCE")
        .timeout(Duration::from_secs(60));
    cmd
}

/// What a run printed, and how it ended.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run_cmd(cmd: &mut Command) -> Run {
    let out = cmd.output().expect("cannot start maillint");
    let stderr = String::from_utf8(out.stderr).expect("stderr is UTF-8");
    let code = out.status.code().unwrap_or_else(|| {
        panic!(
            "maillint did not exit normally ({:?}: killed after the timeout?); stderr:\n{stderr}",
            out.status
        )
    });
    assert_ne!(code, 101, "maillint panicked:\n{stderr}");
    assert!(
        !stderr.contains("internal error"),
        "maillint reported an internal error:\n{stderr}"
    );
    Run {
        code,
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr,
    }
}

fn run(args: &[&str]) -> Run {
    run_cmd(maillint().args(args))
}

/// Runs and parses standard output as one JSON document.
fn json(args: &[&str]) -> Value {
    let r = run(args);
    assert!(r.code == 0 || r.code == 1, "exit {}: {}", r.code, r.stderr);
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", r.stdout))
}

fn findings(report: &Value) -> &Vec<Value> {
    report["findings"].as_array().expect("findings is an array")
}

/// The codes of a JSON report's findings, in order.
fn codes(report: &Value) -> Vec<String> {
    findings(report)
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

fn code_set(report: &Value) -> BTreeSet<String> {
    codes(report).into_iter().collect()
}

/// A usage error: exit 2, nothing on standard output, and a message with every needle.
fn assert_usage_error(args: &[&str], needles: &[&str]) {
    assert_usage_error_of(run(args), args, needles);
}

fn assert_usage_error_of(r: Run, args: &[&str], needles: &[&str]) {
    assert_eq!(
        r.code, 2,
        "maillint {args:?}: stdout:\n{}\nstderr:\n{}",
        r.stdout, r.stderr
    );
    assert!(
        r.stdout.is_empty(),
        "maillint {args:?} printed on stdout:\n{}",
        r.stdout
    );
    for n in needles {
        assert!(
            r.stderr.contains(n),
            "maillint {args:?}: the message lacks {n:?}:\n{}",
            r.stderr
        );
    }
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let ty = entry.file_type().unwrap();
        let dest = to.join(entry.file_name());
        if ty.is_dir() {
            copy_tree(&entry.path(), &dest);
        } else if ty.is_file() {
            fs::copy(entry.path(), &dest).unwrap();
        } else {
            panic!(
                "unexpected entry in a test tree: {}",
                entry.path().display()
            );
        }
    }
}

/// A copy of `testdata/NAME` in a new temporary directory; returns (guard, root).
fn copy_of(name: &str) -> (TempDir, PathBuf) {
    let tmp = TempDir::new().unwrap();
    let root = tmp.path().join(name);
    copy_tree(&Path::new(MANIFEST).join("testdata").join(name), &root);
    (tmp, root)
}

/// Every file and symlink below `root` (not following symlinks): contents, link targets and
/// modes. Directories are left out (`patch -E` removes the ones it empties).
fn tree_state(root: &Path) -> BTreeMap<PathBuf, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, String>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = fs::symlink_metadata(&path).unwrap();
            let rel = path.strip_prefix(root).unwrap().to_path_buf();
            let mode = meta.permissions().mode();
            if meta.is_dir() {
                walk(root, &path, out);
            } else if meta.file_type().is_symlink() {
                let target = fs::read_link(&path).unwrap();
                out.insert(rel, format!("symlink -> {}", target.display()));
            } else if meta.is_file() {
                let bytes = fs::read(&path).unwrap();
                out.insert(
                    rel,
                    format!("file {mode:o} {}", String::from_utf8_lossy(&bytes)),
                );
            } else {
                out.insert(rel, format!("other {mode:o}"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// Asserts two tree states are equal, naming only the entries that differ.
fn assert_same_tree(got: &BTreeMap<PathBuf, String>, want: &BTreeMap<PathBuf, String>, what: &str) {
    let mut diffs = Vec::new();
    for path in got.keys().chain(want.keys()).collect::<BTreeSet<_>>() {
        let (g, w) = (got.get(path), want.get(path));
        if g != w {
            diffs.push(format!(
                "{}:
  got:  {g:?}
  want: {w:?}",
                path.display()
            ));
        }
    }
    assert!(diffs.is_empty(), "{what}:\n{}", diffs.join("\n"));
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

/// testdata/exchange with its one problem fixed by hand (example.org routed remotely, as its MX
/// says, and its mail accounts moved away with it): a consistent server with nothing to report.
fn clean_exchange() -> (TempDir, PathBuf) {
    let (tmp, root) = copy_of("exchange");
    fs::remove_dir_all(root.join("home/bob/etc/example.org")).unwrap();
    fs::remove_dir_all(root.join("home/bob/mail/example.org")).unwrap();
    let local = fs::read_to_string(root.join("etc/localdomains")).unwrap();
    let local = local.replace("example.org\n", "");
    write(&root, "etc/localdomains", &local);
    write(&root, "etc/remotedomains", "example.org\n");
    let cpuser = fs::read_to_string(root.join("var/cpanel/users/bob")).unwrap();
    let cpuser = cpuser.replace(
        "MXCHECK-example.com=0\n",
        "MXCHECK-example.com=0\nMXCHECK-example.org=remote\n",
    );
    write(&root, "var/cpanel/users/bob", &cpuser);
    (tmp, root)
}

/// The totals line of a clean run of testdata/exchange (the file count grows with what maillint
/// reads, so it is not pinned here; the snapshots pin it).
fn assert_all_passed(stdout: &str) {
    assert!(
        stdout.starts_with("All checks passed (")
            && stdout.ends_with(" files, 1 account, 4 domains).\n")
            && stdout.lines().count() == 1,
        "{stdout}"
    );
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn registered_codes() -> Vec<&'static str> {
    maillint::rules::all().map(|r| r.code).collect()
}

// ---------------------------------------------------------------------------------------------
// Exit codes

#[test]
fn a_clean_tree_exits_0() {
    let (_tmp, root) = clean_exchange();
    let r = run(&[s(&root)]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_all_passed(&r.stdout);
    assert_eq!(r.stderr, "");
    let r = run(&[s(&root), "--format", "concise"]);
    assert_eq!(r.code, 0);
}

#[test]
fn findings_exit_1() {
    let r = run(&["testdata/exchange"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.starts_with("error[RT001]: "), "{}", r.stdout);
    // `check` is the default command; naming it changes nothing.
    let named = run(&["check", "testdata/exchange"]);
    assert_eq!(named.code, 1);
    assert_eq!(named.stdout, r.stdout);
}

#[test]
fn exit_zero_exits_0_despite_findings() {
    let r = run(&["testdata/exchange", "--exit-zero", "--format", "concise"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.starts_with("etc/localdomains:3:1: RT001 [error] "));
}

#[test]
fn infos_alone_exit_0() {
    // RT008 is an info: nothing at warning level or above remains.
    let r = run(&[
        "testdata/routing",
        "--select",
        "RT008",
        "--format",
        "concise",
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .starts_with("var/cpanel/users/alice:41:1: RT008 [info] "),
        "{}",
        r.stdout
    );
}

#[test]
fn dry_run_with_a_diff_exits_1_even_when_nothing_would_remain() {
    let (_tmp, root) = copy_of("exchange");
    // MBX004 (info) would remain for the mailbox left on example.org (see tests/mail.rs).
    let r = run(&[
        s(&root),
        "--fix",
        "--unsafe-fixes",
        "--dry-run",
        "--ignore",
        "MBX004",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.starts_with("--- a/"), "{}", r.stdout);
    assert!(
        r.stderr
            .contains("Would fix 1 finding in 4 files; 0 findings would remain."),
        "{}",
        r.stderr
    );
    // `--diff` is the documented alias.
    let alias = run(&[
        s(&root),
        "--fix",
        "--unsafe-fixes",
        "--diff",
        "--ignore",
        "MBX004",
    ]);
    assert_eq!(alias.code, 1);
    assert_eq!(alias.stdout, r.stdout);
}

#[test]
fn dry_run_on_a_clean_tree_prints_no_diff_and_exits_0() {
    let (_tmp, root) = clean_exchange();
    let r = run(&[s(&root), "--fix", "--unsafe-fixes", "--dry-run"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "");
    assert!(
        r.stderr
            .ends_with("No diff: nothing to fix, and no finding remains.\n"),
        "{}",
        r.stderr
    );
}

/// With nothing to fix, --dry-run prints no diff but still says, on stderr, what remains: the
/// findings in the chosen format, then a line saying there is nothing to fix.
#[test]
fn dry_run_with_nothing_to_fix_says_what_remains() {
    // exchange's only finding (RT001) has an unsafe fix, which --fix alone does not apply.
    for extra in [
        &[][..],
        &["--format", "concise"],
        &["--format", "github"],
        &["--statistics"],
    ] {
        let mut args = vec!["testdata/exchange", "--dry-run"];
        args.extend_from_slice(extra);
        let r = run(&args);
        assert_eq!(r.code, 1, "{args:?}: {}", r.stderr);
        assert_eq!(r.stdout, "", "{args:?}");
        assert!(r.stderr.contains("RT001"), "{args:?}: {}", r.stderr);
        assert!(
            r.stderr.ends_with(
                "No diff: nothing to fix (1 finding has only an unsafe fix: add --unsafe-fixes); 1 finding remains (above).\n"
            ),
            "{args:?}: {}",
            r.stderr
        );
    }
    // --exit-zero: exit 0, same messages.
    let r = run(&["testdata/exchange", "--dry-run", "--exit-zero"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.ends_with("1 finding remains (above).\n"),
        "{}",
        r.stderr
    );
}

/// `--dry-run` with a machine format: stdout holds the diff alone, stderr the document alone
/// (no summary, notes or warnings), in every machine format and with --statistics.
#[test]
fn dry_run_with_a_machine_format_puts_only_the_document_on_stderr() {
    let (_tmp, root) = copy_of("exchange");
    let diff = run(&[s(&root), "--fix", "--unsafe-fixes", "--dry-run"]).stdout;
    assert!(diff.starts_with("--- a/"), "{diff}");
    for extra in [
        &["--format", "json"][..],
        &["--format", "sarif"],
        &["--format", "json", "--statistics"],
        // A selector warning is not printed either.
        &["--format", "json", "--select", "RT,DNS001"],
    ] {
        let mut args = vec![s(&root), "--fix", "--unsafe-fixes", "--dry-run"];
        args.extend_from_slice(extra);
        let r = run(&args);
        assert_eq!(r.code, 1, "{args:?}: {}", r.stderr);
        assert_eq!(r.stdout, diff, "{args:?}: the diff alone goes to stdout");
        let doc: Value = serde_json::from_str(&r.stderr).unwrap_or_else(|e| {
            panic!(
                "{args:?}: stderr is not one JSON document ({e}):\n{}",
                r.stderr
            )
        });
        assert!(doc.is_object(), "{args:?}");
    }
    let r = run(&[
        s(&root),
        "--fix",
        "--unsafe-fixes",
        "--dry-run",
        "--format",
        "json-lines",
    ]);
    assert_eq!(r.stdout, diff);
    assert!(!r.stderr.is_empty());
    for line in r.stderr.lines() {
        let v: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
        assert!(v["code"].is_string(), "{line}");
    }
    // The document is the one --format json prints without --dry-run, fixes included.
    let r = run(&[
        s(&root),
        "--fix",
        "--unsafe-fixes",
        "--dry-run",
        "--format",
        "json",
    ]);
    let on_stderr: Value = serde_json::from_str(&r.stderr).unwrap();
    let plain = json(&[s(&root), "--format", "json", "--unsafe-fixes"]);
    assert_eq!(on_stderr, plain);
    assert!(!on_stderr["findings"][0]["fix"].is_null());
}

/// `--exit-zero` holds for `--dry-run` too: exit 0 even with a non-empty diff.
#[test]
fn exit_zero_holds_for_dry_run() {
    let r = run(&[
        "testdata/exchange",
        "--dry-run",
        "--unsafe-fixes",
        "--exit-zero",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.starts_with("--- a/"), "{}", r.stdout);
    assert!(
        r.stderr.contains("Would fix 1 finding in 4 files"),
        "{}",
        r.stderr
    );
}

#[test]
fn unknown_option_is_a_usage_error() {
    assert_usage_error(
        &["testdata/exchange", "--no-such-option"],
        &["--no-such-option"],
    );
}

#[test]
fn unknown_format_is_a_usage_error() {
    assert_usage_error(
        &["testdata/exchange", "--format", "bogus"],
        &["'bogus'", "--format", "json-lines"],
    );
    assert_usage_error(&["rules", "--format", "bogus"], &["'bogus'", "--format"]);
}

#[test]
fn bad_option_values_are_usage_errors() {
    assert_usage_error(
        &["testdata/exchange", "--server-ip", "192.0.2.300"],
        &["192.0.2.300", "--server-ip"],
    );
    assert_usage_error(&["rule"], &["CODE"]);
}

#[test]
fn nonexistent_path_is_a_usage_error_naming_it() {
    assert_usage_error(
        &["testdata/no-such-tree"],
        &[
            "testdata/no-such-tree does not exist",
            "the root of a server tree",
        ],
    );
}

#[test]
fn plain_file_as_path_is_a_usage_error() {
    assert_usage_error(
        &["Cargo.toml"],
        &[
            "Cargo.toml is a file, but not an account backup archive",
            "cpmove-USER.tar.gz",
        ],
    );
}

#[test]
fn directory_that_is_no_server_tree_is_a_usage_error() {
    assert_usage_error(
        &["src"],
        &[
            "src is a directory but holds neither var/cpanel nor etc/localdomains",
            "the root of a server tree",
        ],
    );
}

/// PATH omitted is `/`, with the same checks as `maillint /`: on a host that is no cPanel
/// server (this test machine, unless it is one) both are the same usage error, never "All checks
/// passed". (`tree::detect_omitted` is tested with a fake root in src/tree/detect.rs.)
#[test]
fn omitted_path_is_checked_like_slash() {
    let cwd = TempDir::new().unwrap();
    let in_cwd = |args: &[&str]| run_cmd(maillint().current_dir(cwd.path()).args(args));
    let slash = in_cwd(&["/", "--format", "concise"]);
    let none = in_cwd(&["--format", "concise"]);
    assert_eq!(none.code, slash.code, "{}\n{}", none.stderr, slash.stderr);
    assert!(
        !none.stdout.contains("All checks passed"),
        "{}",
        none.stdout
    );
    let cpanel_host = Path::new("/var/cpanel").exists() || Path::new("/etc/localdomains").exists();
    if !cpanel_host {
        assert_eq!(none.code, 2, "{}", none.stderr);
        assert_eq!(none.stdout, "");
        assert!(
            none.stderr.contains("no PATH was given")
                && none.stderr.contains("this host is no cPanel server")
                && none.stderr.contains("pass the root of a server tree"),
            "{}",
            none.stderr
        );
        assert!(
            slash
                .stderr
                .contains("/ is a directory but holds neither var/cpanel nor etc/localdomains"),
            "{}",
            slash.stderr
        );
    }
}

/// A tree that holds nothing maillint checks never passes: exit 2, saying what it lacks, in
/// every format and with --fix --dry-run.
#[test]
fn a_tree_with_nothing_to_check_is_an_error_not_a_pass() {
    let tmp = TempDir::new().unwrap();
    let root = tmp.path().join("empty");
    fs::create_dir_all(root.join("var/cpanel")).unwrap();
    let needles = [
        "nothing to check in ",
        "no cPanel account (var/cpanel/users/)",
        "no Exim configuration (etc/exim.conf)",
    ];
    assert_usage_error(&[s(&root)], &needles);
    assert_usage_error(&[s(&root), "--format", "json"], &needles);
    assert_usage_error(&[s(&root), "--fix", "--dry-run"], &needles);
    // An empty domain list (and a wwwacct.conf) is still nothing to check.
    write(&root, "etc/localdomains", "");
    write(&root, "etc/userdomains", "*: nobody\n");
    assert_usage_error(&[s(&root), "--select", "RT"], &needles);
    // One list entry is something to check (its syntax, at least).
    write(&root, "etc/localdomains", "example.com\n");
    let r = run(&[s(&root), "--format", "concise"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.starts_with("All checks passed ("), "{}", r.stdout);
    write(&root, "etc/localdomains", "Example.com\n");
    let r = run(&[s(&root), "--format", "concise"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains(" CP003 [warning] "), "{}", r.stdout);
}

#[test]
fn unknown_selector_is_a_usage_error_naming_it() {
    for opt in ["--select", "--ignore", "--extend-select"] {
        assert_usage_error(
            &["testdata/exchange", opt, "RT001,NOPE9"],
            &["unknown rule selector `NOPE9`", "maillint rules"],
        );
    }
}

/// A selector that names nothing of the catalog, or nothing at all, is a usage error whose hint
/// names the closest codes.
#[test]
fn selectors_naming_no_rule_are_usage_errors_with_a_hint() {
    for opt in ["--select", "--ignore", "--extend-select"] {
        assert_usage_error(
            &["testdata/exchange", opt, "XYZ"],
            &[
                &format!("{opt}: unknown rule selector `XYZ`: no rule has this code or prefix."),
                "`maillint rules` lists every rule",
            ],
        );
        assert_usage_error(
            &["testdata/exchange", opt, "RT999"],
            &[
                "unknown rule selector `RT999`",
                "did you mean RT009 (hostname-not-local)?",
            ],
        );
        assert_usage_error(
            &["testdata/exchange", opt, "RT001,SFP001"],
            &[
                "unknown rule selector `SFP001`",
                "did you mean SPF001 (missing-spf)?",
            ],
        );
        for empty in ["", " ", ",", " , "] {
            assert_usage_error(
                &["testdata/exchange", opt, empty],
                &[&format!("{opt}: an empty rule selector selects nothing")],
            );
        }
    }
    assert_usage_error(
        &["testdata/exchange", "--select", "DKM"],
        &["did you mean DKIM?"],
    );
    // The same in maillint.toml, with the line.
    let tmp = TempDir::new().unwrap();
    let cfg = tmp.path().join("maillint.toml");
    fs::write(&cfg, "ignore = [\"DMARC003\"]\nselect = [\"RT999\"]\n").unwrap();
    assert_usage_error(
        &["testdata/exchange", "--config", s(&cfg)],
        &[
            s(&cfg),
            "line 2",
            "unknown rule selector `RT999`",
            "did you mean RT009",
        ],
    );
    fs::write(&cfg, "select = []\n").unwrap();
    assert_usage_error(
        &["testdata/exchange", "--config", s(&cfg)],
        &[s(&cfg), "line 1", "an empty `select` selects no rule"],
    );
    // A selection that enables nothing runs nothing: an error, not a pass.
    assert_usage_error(
        &["testdata/exchange", "--select", "RT", "--ignore", "RT"],
        &["the selection enables no rule", "nothing to run"],
    );
}

const UNREGISTER: &str = "MAILLINT_TEST_UNREGISTER";

/// A code of the catalog that this version does not implement: an error when nothing else is
/// selected, a warning (and the run goes on) when something is.
#[test]
fn selecting_a_catalog_rule_not_implemented_says_so() {
    // Every rule of the catalog is implemented today: the test-only MAILLINT_TEST_UNREGISTER
    // makes this run treat the LOG family and RT014 as not implemented.
    let unregistered = |args: &[&str]| run_cmd(maillint().env(UNREGISTER, "LOG,RT014").args(args));
    let assert_usage_error =
        |args: &[&str], needles: &[&str]| assert_usage_error_of(unregistered(args), args, needles);
    let run = unregistered;
    assert_usage_error(
        &["testdata/exchange", "--select", "LOG002"],
        &[
            "--select: LOG002 (script-mail-burst) is in the catalog but not implemented in this version, and nothing else is selected",
        ],
    );
    assert_usage_error(
        &["testdata/exchange", "--select", "LOG"],
        &[
            "--select: LOG (LOG001 blocklisted-by-receivers, LOG002 script-mail-burst, LOG003 send-limit-hit, LOG004 local-mx-freeze) is in the catalog but not implemented in this version",
        ],
    );
    let r = run(&[
        "testdata/exchange",
        "--select",
        "RT001,LOG003",
        "--format",
        "concise",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        "warning: --select: LOG003 (send-limit-hit) is in the catalog but not implemented in this version; the other selected rules run\n"
    );
    assert!(
        r.stdout.starts_with("etc/localdomains:3:1: RT001 "),
        "{}",
        r.stdout
    );
    let r = run(&[
        "testdata/exchange",
        "--ignore",
        "RT014",
        "--format",
        "concise",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        "warning: --ignore: RT014 (stale-local-zone) is in the catalog but not implemented in this version; ignoring it changes nothing\n"
    );
    // In maillint.toml, named with the file.
    let tmp = TempDir::new().unwrap();
    let cfg = tmp.path().join("maillint.toml");
    fs::write(&cfg, "select = [\"LOG004\"]\n").unwrap();
    assert_usage_error(
        &["testdata/exchange", "--config", s(&cfg)],
        &[&format!(
            "select in {}, line 1: LOG004 (local-mx-freeze) is in the catalog but not implemented in this version, and nothing else is selected",
            s(&cfg)
        )],
    );
}

/// rules/CATALOG.md, which maillint embeds, is the catalog of RULES.md (codes and names, in
/// order); the unit tests of `rules::catalog` check it against the registry.
#[test]
fn the_embedded_catalog_is_the_one_of_rules_md() {
    let spec = match std::env::var_os("MAILLINT_SPEC") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("spec"),
    };
    let rules_md = fs::read_to_string(spec.join("RULES.md")).unwrap_or_else(|e| {
        panic!(
            "cannot read {}/RULES.md ({e}); set MAILLINT_SPEC to the spec directory",
            spec.display()
        )
    });
    let want = maillint::rules::catalog::parse_table(&rules_md);
    assert!(want.len() >= 70, "{} rules in RULES.md?", want.len());
    assert_eq!(maillint::rules::catalog::entries(), want.as_slice());
}

#[test]
fn unknown_configuration_key_is_an_error_naming_key_and_line() {
    let tmp = TempDir::new().unwrap();
    let cfg = tmp.path().join("bad.toml");
    fs::write(&cfg, "select = [\"RT\"]\n[server]\nbogus_key = 1\n").unwrap();
    assert_usage_error(
        &["testdata/exchange", "--config", s(&cfg)],
        &[s(&cfg), "line 3", "unknown field `bogus_key`"],
    );
    // A bad selector in the file names the selector.
    fs::write(&cfg, "ignore = [\"NOPE9\"]\n").unwrap();
    assert_usage_error(
        &["testdata/exchange", "--config", s(&cfg)],
        &["unknown rule selector `NOPE9`", "line 1"],
    );
    // A configuration file that is not there.
    let missing = tmp.path().join("missing.toml");
    assert_usage_error(
        &["testdata/exchange", "--config", s(&missing)],
        &[s(&missing)],
    );
}

#[test]
fn unknown_key_in_the_tree_configuration_is_an_error() {
    let (_tmp, root) = copy_of("exchange");
    write(&root, "etc/maillint.toml", "[mailbox]\npop_max = 1\n");
    assert_usage_error(
        &[s(&root)],
        &["etc/maillint.toml", "line 2", "unknown field `pop_max`"],
    );
}

#[test]
fn unknown_rule_is_a_usage_error() {
    assert_usage_error(
        &["rule", "NOPE"],
        &["unknown rule `NOPE`", "maillint rules"],
    );
    assert_usage_error(
        &["rule", "RT999"],
        &["unknown rule `RT999`; did you mean RT009?"],
    );
    assert_usage_error_of(
        run_cmd(maillint().env(UNREGISTER, "LOG").args(["rule", "log001"])),
        &["rule", "log001"],
        &[
            "LOG001 (blocklisted-by-receivers) is in the catalog but not implemented in this version",
        ],
    );
}

#[test]
fn help_and_version_exit_0() {
    let r = run(&["--help"]);
    assert_eq!(r.code, 0);
    for opt in [
        "--fix",
        "--unsafe-fixes",
        "--dry-run",
        "--select",
        "--format",
        "--exit-zero",
    ] {
        assert!(r.stdout.contains(opt), "--help lacks {opt}");
    }
    let r = run(&["--version"]);
    assert_eq!(r.code, 0);
    assert_eq!(
        r.stdout,
        format!("maillint {}\n", env!("CARGO_PKG_VERSION"))
    );
}

// ---------------------------------------------------------------------------------------------
// `rules` and `rule`

#[test]
fn rules_lists_every_registered_rule() {
    let r = run(&["rules"]);
    assert_eq!(r.code, 0);
    let listed: Vec<&str> = r
        .stdout
        .lines()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(listed, registered_codes());
    for rule in maillint::rules::all() {
        let line = r
            .stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(rule.code))
            .unwrap();
        assert!(line.contains(rule.name), "{line}");
        assert!(line.contains(rule.summary), "{line}");
    }
    assert!(r.stdout.contains("RT001    external-mx-local-delivery"));
}

#[test]
fn rules_json_has_every_field() {
    let r = run(&["rules", "--format", "json"]);
    assert_eq!(r.code, 0);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let entries = v.as_array().unwrap();
    let listed: Vec<&str> = entries
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(listed, registered_codes());
    for e in entries {
        for key in ["code", "name", "family", "severity", "fix", "summary"] {
            assert!(
                e[key].as_str().is_some_and(|s| !s.is_empty()),
                "{key} missing in {e}"
            );
        }
        assert!(
            ["error", "warning", "info"].contains(&e["severity"].as_str().unwrap()),
            "{e}"
        );
        assert!(
            ["none", "safe", "unsafe", "safe-or-unsafe", "display-only"]
                .contains(&e["fix"].as_str().unwrap()),
            "{e}"
        );
    }
    let rt001 = &entries[0];
    assert_eq!(rt001["code"], "RT001");
    assert_eq!(rt001["name"], "external-mx-local-delivery");
    assert_eq!(rt001["family"], "routing");
    assert_eq!(rt001["severity"], "error");
    assert_eq!(rt001["fix"], "unsafe");
}

const SECTIONS: [&str; 5] = [
    "## What it finds",
    "## Why it matters",
    "## Example",
    "## Fix",
    "## References",
];

#[test]
fn rule_page_of_rt001() {
    let r = run(&["rule", "RT001"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .starts_with("# external-mx-local-delivery (RT001)\n"),
        "{}",
        r.stdout
    );
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(
        lines.iter().any(|l| l.starts_with("Severity: error")),
        "{}",
        r.stdout
    );
    assert!(
        lines.contains(&"Fix: unsafe fix (applied by --fix --unsafe-fixes)"),
        "{}",
        r.stdout
    );
    let mut at = 0;
    for section in SECTIONS {
        let pos = r.stdout[at..]
            .find(&format!("{section}\n"))
            .unwrap_or_else(|| panic!("`{section}` missing or out of order:\n{}", r.stdout));
        at += pos + section.len();
    }
    // Codes are case-insensitive.
    assert_eq!(run(&["rule", "rt001"]).stdout, r.stdout);
}

#[test]
fn every_rule_page_is_written() {
    let mut stubs = Vec::new();
    for code in registered_codes() {
        let page = run(&["rule", code]).stdout;
        let empty: Vec<&str> = SECTIONS
            .iter()
            .filter(|sec| {
                let body = page
                    .split_once(&format!("{sec}\n"))
                    .map_or("", |(_, rest)| rest.split("\n## ").next().unwrap_or(""));
                body.trim().is_empty() || body.trim() == "TODO"
            })
            .copied()
            .collect();
        if !empty.is_empty() || page.contains("TODO") {
            stubs.push(format!("{code}: {empty:?}"));
        }
    }
    assert!(
        stubs.is_empty(),
        "rule pages with empty sections:\n{}",
        stubs.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// JSON and the other machine formats

fn keys(v: &Value) -> BTreeSet<&str> {
    v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .map(String::as_str)
        .collect()
}

fn set<'a>(k: &[&'a str]) -> BTreeSet<&'a str> {
    k.iter().copied().collect()
}

fn assert_position(v: &Value, what: &str) {
    for k in ["line", "column"] {
        assert!(
            v[k].as_u64().is_some_and(|n| n >= 1),
            "{what}: bad {k} in {v}"
        );
    }
}

fn assert_relative_path(p: &Value) {
    let p = p
        .as_str()
        .unwrap_or_else(|| panic!("path is not a string: {p}"));
    assert!(
        !p.is_empty()
            && !p.starts_with('/')
            && !p.contains('\\')
            && !p.split('/').any(|c| c == ".."),
        "not a path relative to the root: {p}"
    );
}

/// PRODUCT.md "Output": the fields of one finding, their types and nullability.
fn assert_finding_schema(f: &Value) {
    assert_eq!(
        keys(f),
        set(&[
            "code", "name", "severity", "message", "domain", "user", "location", "related", "fix"
        ]),
        "{f}"
    );
    let code = f["code"].as_str().unwrap();
    let rule = maillint::rules::get(code).unwrap_or_else(|| panic!("unregistered code {code}"));
    assert_eq!(f["name"], rule.name);
    assert!(
        ["error", "warning", "info"].contains(&f["severity"].as_str().unwrap()),
        "{f}"
    );
    assert!(f["message"].as_str().is_some_and(|m| !m.is_empty()), "{f}");
    for k in ["domain", "user"] {
        assert!(
            f[k].is_null() || f[k].as_str().is_some_and(|s| !s.is_empty()),
            "{f}"
        );
    }
    let loc = &f["location"];
    if !loc.is_null() {
        assert_eq!(
            keys(loc),
            set(&["file", "line", "column", "end_line", "end_column"])
        );
        assert_relative_path(&loc["file"]);
        assert_position(loc, "location");
        let start = (
            loc["line"].as_u64().unwrap(),
            loc["column"].as_u64().unwrap(),
        );
        let end = (
            loc["end_line"].as_u64().unwrap(),
            loc["end_column"].as_u64().unwrap(),
        );
        assert!(end >= start, "location ends before it starts: {loc}");
    }
    let related = &f["related"];
    if !related.is_null() {
        let related = related.as_array().unwrap();
        assert!(!related.is_empty(), "empty related should be null: {f}");
        for r in related {
            assert_eq!(keys(r), set(&["file", "line", "column", "message"]), "{r}");
            assert_relative_path(&r["file"]);
            assert_position(r, "related");
            assert!(r["message"].as_str().is_some_and(|m| !m.is_empty()));
        }
    }
    let fix = &f["fix"];
    if !fix.is_null() {
        let k = keys(fix);
        assert!(
            k.is_superset(&set(&["applicability", "message", "edits"])),
            "{fix}"
        );
        assert!(
            ["safe", "unsafe", "display-only"].contains(&fix["applicability"].as_str().unwrap()),
            "{fix}"
        );
        assert!(fix["message"].as_str().is_some_and(|m| !m.is_empty()));
        for e in fix["edits"].as_array().unwrap() {
            assert_eq!(keys(e), set(&["file", "start", "end", "content"]), "{e}");
            assert_relative_path(&e["file"]);
            assert_eq!(keys(&e["start"]), set(&["line", "column"]));
            assert_eq!(keys(&e["end"]), set(&["line", "column"]));
            assert_position(&e["start"], "edit start");
            assert_position(&e["end"], "edit end");
            assert!(e["content"].is_string());
        }
        if fix["applicability"] != "display-only" {
            assert!(!fix["edits"].as_array().unwrap().is_empty(), "{fix}");
        }
    }
}

fn assert_report_schema(v: &Value, root: &str) {
    assert_eq!(keys(v), set(&["version", "root", "findings", "summary"]));
    assert_eq!(v["version"], 1);
    assert_eq!(v["root"], root);
    for f in findings(v) {
        assert_finding_schema(f);
    }
    let summary = &v["summary"];
    assert_eq!(
        keys(summary),
        set(&[
            "errors", "warnings", "infos", "fixable", "accounts", "domains", "files"
        ])
    );
    let count = |sev: &str| findings(v).iter().filter(|f| f["severity"] == sev).count() as u64;
    assert_eq!(summary["errors"], count("error"));
    assert_eq!(summary["warnings"], count("warning"));
    assert_eq!(summary["infos"], count("info"));
}

#[test]
fn json_report_of_exchange() {
    let v = json(&["testdata/exchange", "--format", "json"]);
    assert_report_schema(&v, "testdata/exchange");
    assert_eq!(codes(&v), ["RT001"]);
    let f = &findings(&v)[0];
    assert_eq!(f["name"], "external-mx-local-delivery");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["domain"], "example.org");
    assert_eq!(f["user"], "bob");
    let msg = f["message"].as_str().unwrap();
    assert!(
        msg.starts_with("example.org is delivered locally")
            && msg.contains("example-org.mail.protection.outlook.com"),
        "{msg}"
    );
    assert_eq!(
        f["location"],
        serde_json::json!({"file": "etc/localdomains", "line": 3, "column": 1, "end_line": 3, "end_column": 12})
    );
    // The related locations: the MX record that points away, and the forwarder that sends mail
    // to the domain from this server.
    let related: Vec<(String, u64, u64)> = f["related"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["file"].as_str().unwrap().to_string(),
                r["line"].as_u64().unwrap(),
                r["column"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(
        related.contains(&("var/named/example.org.db".into(), 13, 1)),
        "{related:?}"
    );
    assert!(
        related.contains(&("etc/valiases/example.com".into(), 1, 1)),
        "{related:?}"
    );
    let mx = f["related"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["file"] == "var/named/example.org.db")
        .unwrap();
    assert!(
        mx["message"]
            .as_str()
            .unwrap()
            .contains("example-org.mail.protection.outlook.com"),
        "{mx}"
    );
    // One unsafe fix across the three routing files.
    let fix = &f["fix"];
    assert_eq!(fix["applicability"], "unsafe");
    let edits = fix["edits"].as_array().unwrap();
    let files: BTreeSet<&str> = edits.iter().map(|e| e["file"].as_str().unwrap()).collect();
    assert_eq!(
        files,
        set(&[
            "etc/localdomains",
            "etc/remotedomains",
            "var/cpanel/users/bob"
        ])
    );
    let edit = |file: &str| edits.iter().find(|e| e["file"] == file).unwrap();
    assert_eq!(
        edit("etc/localdomains"),
        &serde_json::json!({"file": "etc/localdomains", "start": {"line": 3, "column": 1}, "end": {"line": 4, "column": 1}, "content": ""})
    );
    assert_eq!(edit("etc/remotedomains")["content"], "example.org\n");
    assert_eq!(
        edit("var/cpanel/users/bob")["content"],
        "MXCHECK-example.org=remote\n"
    );
    let mut summary = v["summary"].clone();
    let files = summary["files"].take();
    assert_eq!(
        summary,
        serde_json::json!({"errors": 1, "warnings": 0, "infos": 0, "fixable": 1, "accounts": 1, "domains": 4, "files": null})
    );
    // The same count as the totals line of the human formats.
    let concise = run(&["testdata/exchange", "--format", "concise"]).stdout;
    assert!(
        concise.contains(&format!(
            "Found 1 error ({files} files, 1 account, 4 domains)."
        )),
        "{files} files in JSON; concise says:\n{concise}"
    );
}

/// `summary.fixable` counts the findings `--fix` can fix, safe or unsafe (PRODUCT.md's sample:
/// one RT001 with an unsafe fix counts 1), with or without `--unsafe-fixes`; advice does not count.
#[test]
fn json_fixable_counts_safe_and_unsafe_fixes() {
    for args in [&[][..], &["--unsafe-fixes"][..]] {
        let mut a = vec!["testdata/exchange", "--format", "json"];
        a.extend_from_slice(args);
        assert_eq!(json(&a)["summary"]["fixable"], 1);
    }
    let v = json(&["testdata/routing", "--format", "json"]);
    let with_fix = findings(&v)
        .iter()
        .filter(|f| {
            matches!(f["fix"]["applicability"].as_str(), Some("safe" | "unsafe"))
                && (!f["fix"]["edits"].as_array().unwrap().is_empty()
                    || !f["fix"]["removals"].as_array().unwrap().is_empty())
        })
        .count();
    assert!(with_fix > 0);
    assert_eq!(v["summary"]["fixable"], with_fix as u64);
}

#[test]
fn json_schema_holds_for_every_finding_of_every_example_tree() {
    for tree in ["testdata/routing", "testdata/mx", "testdata/exchange"] {
        let v = json(&[tree, "--format", "json"]);
        assert_report_schema(&v, tree);
        assert!(!findings(&v).is_empty(), "{tree}");
    }
    // Nullable fields are really null somewhere: RT009's host name belongs to no account, RT011
    // has no fix.
    let v = json(&["testdata/routing", "--format", "json"]);
    let f = |code: &str| {
        findings(&v)
            .iter()
            .find(|f| f["code"] == code)
            .unwrap()
            .clone()
    };
    assert!(f("RT009")["user"].is_null());
    assert!(f("RT011")["fix"].is_null());
}

#[test]
fn json_lines_holds_one_finding_per_line() {
    let doc = json(&["testdata/routing", "--format", "json"]);
    let r = run(&["testdata/routing", "--format", "json-lines"]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.ends_with('\n'));
    let lines: Vec<Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(&lines, findings(&doc));
    for l in &lines {
        assert_finding_schema(l);
    }
}

#[test]
fn sarif_is_sarif_2_1_0() {
    let doc = json(&["testdata/routing", "--format", "json"]);
    let r = run(&["testdata/routing", "--format", "sarif"]);
    assert_eq!(r.code, 1);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let run0 = &v["runs"][0];
    assert_eq!(run0["tool"]["driver"]["name"], "maillint");
    let ids: Vec<&str> = run0["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, registered_codes());
    let results = run0["results"].as_array().unwrap();
    assert_eq!(results.len(), findings(&doc).len());
    for (res, f) in results.iter().zip(findings(&doc)) {
        assert_eq!(res["ruleId"], f["code"]);
        let level = match f["severity"].as_str().unwrap() {
            "error" => "error",
            "warning" => "warning",
            _ => "note",
        };
        assert_eq!(res["level"], level, "{res}");
        assert_eq!(res["message"]["text"], f["message"]);
        let idx = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(ids[idx], f["code"]);
        let phys = &res["locations"][0]["physicalLocation"];
        assert_eq!(phys["artifactLocation"]["uri"], f["location"]["file"]);
        assert_eq!(phys["region"]["startLine"], f["location"]["line"]);
        assert_eq!(phys["region"]["startColumn"], f["location"]["column"]);
    }
    // Fixes with edits become SARIF fixes.
    let with_fix = results.iter().find(|r| r["ruleId"] == "RT009").unwrap();
    assert_eq!(
        with_fix["fixes"][0]["artifactChanges"][0]["artifactLocation"]["uri"],
        "etc/localdomains"
    );
}

#[test]
fn github_annotations() {
    let r = run(&["testdata/exchange", "--format", "github"]);
    assert_eq!(r.code, 1);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{}", r.stdout);
    assert!(
        lines[0].starts_with(
            "::error file=etc/localdomains,line=3,col=1,endLine=3,endColumn=12,\
             title=RT001 external-mx-local-delivery::example.org is delivered locally"
        ),
        "{}",
        lines[0]
    );
    let doc = json(&["testdata/routing", "--format", "json"]);
    let r = run(&["testdata/routing", "--format", "github"]);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), findings(&doc).len());
    for (line, f) in lines.iter().zip(findings(&doc)) {
        let cmd = match f["severity"].as_str().unwrap() {
            "error" => "::error",
            "warning" => "::warning",
            _ => "::notice",
        };
        let head = format!(
            "{cmd} file={},line={},col={},",
            f["location"]["file"].as_str().unwrap(),
            f["location"]["line"],
            f["location"]["column"]
        );
        assert!(line.starts_with(&head), "{line} does not start with {head}");
        assert!(line.contains(&format!("title={} ", f["code"].as_str().unwrap())));
    }
}

// ---------------------------------------------------------------------------------------------
// Ordering

#[test]
fn two_runs_give_byte_identical_output() {
    for tree in ["testdata/routing", "testdata/mx"] {
        for format in ["full", "concise", "json", "json-lines", "sarif", "github"] {
            let a = run(&[tree, "--format", format]);
            let b = run(&[tree, "--format", format]);
            assert_eq!(a.stdout, b.stdout, "{tree} --format {format}");
            assert_eq!(a.stderr, b.stderr, "{tree} --format {format}");
        }
    }
}

/// `path:line:col: CODE [severity] message` → (path, line, col, code).
fn concise_key(line: &str) -> (String, u64, u64, String) {
    let (head, rest) = line
        .split_once(": ")
        .unwrap_or_else(|| panic!("not a concise line: {line}"));
    let mut parts = head.rsplitn(3, ':');
    let col = parts.next().unwrap().parse().unwrap();
    let ln = parts.next().unwrap().parse().unwrap();
    let path = parts.next().unwrap().to_string();
    let code = rest.split_whitespace().next().unwrap().to_string();
    (path, ln, col, code)
}

#[test]
fn findings_are_sorted_by_file_line_column_code() {
    for tree in ["testdata/routing", "testdata/mx"] {
        let r = run(&[tree, "--format", "concise"]);
        let keys: Vec<_> = r
            .stdout
            .lines()
            .take_while(|l| !l.is_empty())
            .map(concise_key)
            .collect();
        assert!(keys.len() >= 10, "{tree}: {}", r.stdout);
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted, "{tree}: findings not sorted");
    }
    // Ties on the position are broken by the code.
    let r = run(&["testdata/mx", "--format", "concise"]);
    let tie: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.starts_with("var/named/dangling.example.db:14:34: "))
        .collect();
    assert_eq!(tie.len(), 2, "{}", r.stdout);
    assert!(
        tie[0].contains(" MX001 ") && tie[1].contains(" MX005 "),
        "{tie:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Rule selection

fn routing_codes(extra: &[&str]) -> BTreeSet<String> {
    let mut args = vec!["testdata/routing", "--format", "json"];
    args.extend_from_slice(extra);
    code_set(&json(&args))
}

fn strs(v: &[&str]) -> BTreeSet<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn select_one_code() {
    let v = json(&["testdata/routing", "--format", "json", "--select", "RT001"]);
    assert_eq!(codes(&v), ["RT001", "RT001", "RT001", "RT001"]);
}

#[test]
fn ignore_a_code_within_a_selected_family() {
    let got = routing_codes(&["--select", "RT", "--ignore", "RT001"]);
    assert!(!got.contains("RT001"), "{got:?}");
    assert!(got.contains("RT002") && got.contains("RT009"), "{got:?}");
    assert!(got.iter().all(|c| c.starts_with("RT")), "{got:?}");
}

#[test]
fn more_specific_selector_wins() {
    assert_eq!(
        routing_codes(&["--select", "RT001", "--ignore", "RT"]),
        strs(&["RT001"])
    );
    // A code prefix is more specific than a family.
    assert_eq!(
        routing_codes(&["--select", "RT00", "--ignore", "RT"]),
        strs(&[
            "RT001", "RT002", "RT003", "RT004", "RT005", "RT006", "RT007", "RT008", "RT009"
        ])
    );
    // Selectors are case-insensitive and comma-separated.
    assert_eq!(
        routing_codes(&["--select", "rt001, cp002"]),
        strs(&["RT001", "CP002"])
    );
}

#[test]
fn extend_select_adds_to_the_selection() {
    assert_eq!(
        routing_codes(&["--select", "RT001", "--extend-select", "CP002,MX"]),
        strs(&["RT001", "CP002", "MX005"])
    );
}

#[test]
fn configuration_select_and_ignore() {
    let tmp = TempDir::new().unwrap();
    let cfg = tmp.path().join("maillint.toml");
    fs::write(&cfg, "select = [\"RT\"]\nignore = [\"RT001\", \"RT01\"]\n").unwrap();
    let got = routing_codes(&["--config", s(&cfg)]);
    assert_eq!(
        got,
        strs(&[
            "RT002", "RT003", "RT004", "RT005", "RT006", "RT007", "RT008", "RT009"
        ])
    );
    // The command line's --select replaces the file's select; the file's ignore still applies.
    let got = routing_codes(&["--config", s(&cfg), "--select", "RT001,RT002,CP"]);
    assert_eq!(got, strs(&["RT002", "CP002"]));
    // --ignore adds to the file's ignore.
    let got = routing_codes(&["--config", s(&cfg), "--ignore", "RT002"]);
    assert!(!got.contains("RT002") && got.contains("RT003"), "{got:?}");
    // extend-select in the file adds to its select.
    fs::write(&cfg, "select = [\"RT001\"]\nextend-select = [\"MX\"]\n").unwrap();
    assert_eq!(
        routing_codes(&["--config", s(&cfg)]),
        strs(&["RT001", "MX005"])
    );
}

#[test]
fn configuration_under_the_root_is_read_by_default() {
    let (_tmp, root) = copy_of("exchange");
    write(&root, "etc/maillint.toml", "ignore = [\"RT001\"]\n");
    let r = run(&[s(&root)]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.starts_with("All checks passed"), "{}", r.stdout);
}

#[test]
fn configuration_in_the_working_directory_comes_first() {
    let (_tmp, root) = copy_of("exchange");
    // Never read: ./maillint.toml takes precedence.
    write(&root, "etc/maillint.toml", "no_such_key = 1\n");
    let cwd = TempDir::new().unwrap();
    fs::write(cwd.path().join("maillint.toml"), "ignore = [\"RT\"]\n").unwrap();
    let r = run_cmd(maillint().current_dir(cwd.path()).arg(&root));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

#[test]
fn ignore_domain_suppresses_the_codes_of_one_domain() {
    let tmp = TempDir::new().unwrap();
    let cfg = tmp.path().join("maillint.toml");
    fs::write(
        &cfg,
        "[[ignore_domain]]\ndomain = \"beta.example\"\ncodes = [\"RT\"]\n",
    )
    .unwrap();
    // --config replaces the tree's etc/maillint.toml: compare with an empty configuration.
    let empty = tmp.path().join("empty.toml");
    fs::write(&empty, "").unwrap();
    let before = json(&[
        "testdata/routing",
        "--format",
        "json",
        "--config",
        s(&empty),
    ]);
    let after = json(&["testdata/routing", "--format", "json", "--config", s(&cfg)]);
    let of = |v: &Value, domain: &str| -> Vec<String> {
        findings(v)
            .iter()
            .filter(|f| f["domain"] == domain)
            .map(|f| f["code"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(of(&before, "beta.example"), ["RT001", "CP002"]);
    // Only the RT codes of beta.example go; its CP002 and other domains' RT001 stay.
    assert_eq!(of(&after, "beta.example"), ["CP002"]);
    assert_eq!(of(&after, "gamma.example"), ["RT001"]);
    assert_eq!(findings(&after).len(), findings(&before).len() - 1);
}

#[test]
fn domain_option_keeps_only_that_domain() {
    let v = json(&[
        "testdata/routing",
        "--format",
        "json",
        "--domain",
        "beta.example",
    ]);
    assert_eq!(codes(&v), ["RT001", "CP002"]);
    assert!(findings(&v).iter().all(|f| f["domain"] == "beta.example"));
    // Repeatable, case-insensitive, trailing dot ignored.
    let v = json(&[
        "testdata/routing",
        "--format",
        "json",
        "--domain",
        "Beta.Example.",
        "--domain",
        "sigma.example",
    ]);
    assert_eq!(codes(&v), ["RT001", "CP002", "MX005"]);
    // exchange's only finding concerns example.org: linting example.com alone is clean.
    let r = run(&["testdata/exchange", "--domain", "example.com"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let r = run(&[
        "testdata/exchange",
        "--domain",
        "example.org",
        "--format",
        "concise",
    ]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.starts_with("etc/localdomains:3:1: RT001"));
}

/// A `--domain` the tree does not name is a usage error (a typo would otherwise report nothing
/// and pass), with the closest domains as a hint; every domain the tree names is accepted, even
/// one without findings or one only a routing list names.
#[test]
fn domain_naming_no_domain_of_the_tree_is_a_usage_error() {
    assert_usage_error(
        &["testdata/exchange", "--domain", "examp1e.com"],
        &[
            "--domain `examp1e.com` names no domain of this tree",
            "did you mean example.com?",
        ],
    );
    assert_usage_error(
        &[
            "testdata/exchange",
            "--domain",
            "example.org",
            "--domain",
            "nothere.invalid",
        ],
        &[
            "--domain `nothere.invalid` names no domain of this tree",
            "it names 5 domains, such as ",
            "example.com",
        ],
    );
    assert_usage_error(
        &["testdata/exchange", "--domain", ""],
        &["an empty --domain names no domain"],
    );
    assert_usage_error(
        &[
            "testdata/exchange",
            "--domain",
            "nothere.invalid",
            "--format",
            "json",
        ],
        &["names no domain of this tree"],
    );
    assert_usage_error(
        &[
            "testdata/exchange",
            "--domain",
            "nothere.invalid",
            "--fix",
            "--dry-run",
        ],
        &["names no domain of this tree"],
    );
    // Names the tree has: the host name (etc/localdomains) and a subdomain.
    for d in [
        "server.example.net",
        "shop.example.com",
        "SHOP.example.com.",
    ] {
        let r = run(&["testdata/exchange", "--domain", d]);
        assert_eq!(r.code, 0, "{d}: {}{}", r.stdout, r.stderr);
    }
    // A domain only a routing list names (an orphan entry, RT005) is one too.
    let (_tmp, root) = copy_of("exchange");
    let list = fs::read_to_string(root.join("etc/localdomains")).unwrap();
    write(&root, "etc/localdomains", &format!("{list}gone.example\n"));
    let r = run(&[s(&root), "--domain", "gone.example", "--format", "concise"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.contains(" RT005 "), "{}", r.stdout);
}

/// The server's identity values must be host names, on the command line and in maillint.toml:
/// `--hostname ''` used to make the RT009 fix append a blank line to etc/localdomains on every
/// pass. A bad one is a usage error, and nothing is written.
#[test]
fn identity_values_must_be_host_names() {
    let (tmp, root) = copy_of("exchange");
    let before = tree_state(tmp.path());
    let backups = TempDir::new().unwrap();
    for (bad, why) in [
        ("", "it is empty"),
        (".", "it is empty"),
        ("server1.example.net\n", "it holds a newline"),
        ("server1.example.net\nexample.org", "it holds a newline"),
        ("server1 example.net", "it holds a space"),
        ("server1.example.net;", "it holds `;`"),
        ("-server1.example.net", "starts or ends with a hyphen"),
        ("server1..example.net", "empty label"),
        ("192.0.2.10", "IP address"),
    ] {
        for extra in [
            &[][..],
            &["--fix", "--unsafe-fixes"],
            &["--fix", "--dry-run"],
        ] {
            // `--hostname=VALUE`: a value starting with `-` is not taken for an option.
            let opt = format!("--hostname={bad}");
            let mut args = vec![s(&root), "--backup-dir", s(backups.path()), &opt];
            args.extend_from_slice(extra);
            assert_usage_error(
                &args,
                &[
                    "--hostname: `",
                    "is not a valid host name",
                    why,
                    "such as server1.example.net",
                ],
            );
        }
    }
    assert_same_tree(
        &tree_state(tmp.path()),
        &before,
        "a refused --hostname wrote",
    );
    assert_eq!(fs::read_dir(backups.path()).unwrap().count(), 0);
    // A final dot and upper case are fine: the name is normalised.
    let r = run(&[
        s(&root),
        "--hostname",
        "Other.Example.NET.",
        "--select",
        "RT009",
        "--format",
        "concise",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout.starts_with("etc/localdomains:1:1: RT009 [error] the host name other.example.net is not in etc/localdomains"),
        "{}",
        r.stdout
    );
    // maillint.toml: hostname, nameservers and gateway_mx, with the line.
    let cfg = tmp.path().join("maillint.toml");
    for (text, line) in [
        ("[server]\nhostname = \"\"\n", "line 2"),
        (
            "[server]\nhostname = \"server1.example.net\\n\"\n",
            "line 2",
        ),
        (
            "[server]\nnameservers = [\"ns1.example.net\", \"ns 2.example.net\"]\n",
            "line 2",
        ),
        (
            "[server]\ngateway_mx = [\"*.filter_host.example\"]\n",
            "line 2",
        ),
    ] {
        fs::write(&cfg, text).unwrap();
        assert_usage_error(
            &[
                s(&root),
                "--config",
                s(&cfg),
                "--fix",
                "--unsafe-fixes",
                "--backup-dir",
                s(backups.path()),
            ],
            &[s(&cfg), line, "is not a valid host name"],
        );
    }
    fs::remove_file(&cfg).unwrap();
    assert_same_tree(
        &tree_state(tmp.path()),
        &before,
        "a refused configuration wrote",
    );
}

// ---------------------------------------------------------------------------------------------
// --statistics

fn tally(report: &Value) -> BTreeMap<String, u64> {
    let mut t = BTreeMap::new();
    for c in codes(report) {
        *t.entry(c).or_default() += 1;
    }
    t
}

#[test]
fn statistics_table_counts_per_code() {
    let doc = json(&["testdata/routing", "--format", "json"]);
    let r = run(&["testdata/routing", "--statistics"]);
    assert_eq!(r.code, 1);
    // The table, a blank line, the totals of the human formats.
    let (table, totals) = r
        .stdout
        .split_once("\n\n")
        .expect("a blank line after the table");
    assert_eq!(
        totals,
        "Found 13 errors, 9 warnings and 1 info (54 files, 3 accounts, 23 domains).\n\
         [*] 4 fixable with --fix (14 more with --unsafe-fixes).\n"
    );
    let mut got = BTreeMap::new();
    let mut order = Vec::new();
    for line in table.lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 3, "{line}");
        let count: u64 = cols[0].trim().parse().unwrap();
        let code = cols[1].to_string();
        let name = maillint::rules::get(&code).unwrap().name;
        assert!(cols[2].ends_with(name), "{line}");
        order.push((std::cmp::Reverse(count), code.clone()));
        got.insert(code, count);
    }
    assert_eq!(got, tally(&doc));
    // Most frequent first, then by code.
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted);
    // [*] marks codes with a fix that --fix applies.
    assert!(
        r.stdout.contains("\tRT009\t[*] hostname-not-local"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("\tRT001\t    external-mx-local-delivery"),
        "{}",
        r.stdout
    );
}

#[test]
fn statistics_json() {
    let doc = json(&["testdata/routing", "--format", "json"]);
    let v = json(&["testdata/routing", "--statistics", "--format", "json"]);
    // The document of --format json, with the counts instead of the findings.
    assert_eq!(keys(&v), set(&["version", "root", "statistics", "summary"]));
    assert_eq!(v["version"], 1);
    assert_eq!(v["root"], "testdata/routing");
    assert_eq!(v["summary"], doc["summary"]);
    let rows = v["statistics"].as_array().unwrap();
    let mut got = BTreeMap::new();
    for row in rows {
        assert_eq!(keys(row), set(&["code", "name", "count", "fixable"]));
        let code = row["code"].as_str().unwrap();
        assert_eq!(row["name"], maillint::rules::get(code).unwrap().name);
        assert!(row["fixable"].as_u64().unwrap() <= row["count"].as_u64().unwrap());
        got.insert(code.to_string(), row["count"].as_u64().unwrap());
    }
    assert_eq!(got, tally(&doc));
    let rt003 = rows.iter().find(|r| r["code"] == "RT003").unwrap();
    assert_eq!(rt003["fixable"], 2);
    // json-lines: the same rows, one a line.
    let r = run(&["testdata/routing", "--statistics", "--format", "json-lines"]);
    let lines: Vec<Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(&lines, rows);
    // SARIF has no place for counts.
    assert_usage_error(
        &["testdata/routing", "--statistics", "--format", "sarif"],
        &["--statistics", "SARIF", "--format json"],
    );
    // A clean tree: no table, the totals alone.
    let (_tmp, root) = clean_exchange();
    let r = run(&[s(&root), "--statistics"]);
    assert_eq!(r.code, 0);
    assert_all_passed(&r.stdout);
}

// ---------------------------------------------------------------------------------------------
// Snapshots of the human formats

#[test]
fn full_output_of_exchange() {
    let r = run(&["testdata/exchange"]);
    assert_eq!(r.code, 1);
    assert_eq!(r.stderr, "");
    snapshot!("cli.exchange_full", r.stdout);
}

#[test]
fn concise_output_of_exchange() {
    let r = run(&["testdata/exchange", "--format", "concise"]);
    assert_eq!(r.code, 1);
    assert_eq!(r.stderr, "");
    snapshot!("cli.exchange_concise", r.stdout);
}

#[test]
fn concise_output_of_routing() {
    let r = run(&["testdata/routing", "--format", "concise"]);
    snapshot!("cli.routing_concise", r.stdout);
}

// ---------------------------------------------------------------------------------------------
// --fix and --fix --dry-run

#[test]
fn dry_run_prints_only_the_diff_and_writes_nothing() {
    let (tmp, root) = copy_of("exchange");
    let before = tree_state(tmp.path());
    let r = run(&[s(&root), "--fix", "--unsafe-fixes", "--dry-run"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.starts_with("--- "), "{}", r.stdout);
    for line in r.stdout.lines() {
        assert!(
            ["--- ", "+++ ", "@@ ", " ", "+", "-", "\\ No newline"]
                .iter()
                .any(|p| line.starts_with(p)),
            "not a unified diff line on stdout: {line:?}"
        );
    }
    // The findings and the summary go to stderr.
    assert!(r.stderr.starts_with("error[RT001]: "), "{}", r.stderr);
    assert!(!r.stdout.contains("RT001"));
    assert_same_tree(
        &tree_state(tmp.path()),
        &before,
        "--dry-run changed the tree",
    );
    snapshot!("cli.exchange_dry_run_diff", r.stdout);
}

#[test]
fn dry_run_diff_applies_with_patch_to_give_what_fix_writes() {
    let (tmp_a, patched) = copy_of("exchange");
    let (tmp_b, fixed) = copy_of("exchange");
    let backups = TempDir::new().unwrap();
    let diff = run(&[s(&patched), "--fix", "--unsafe-fixes", "--dry-run"]).stdout;
    assert!(!diff.is_empty());
    let out = common::apply_patch(Path::new("patch"), &patched, diff.as_bytes());
    assert!(
        out.status.success(),
        "patch failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let r = run(&[
        s(&fixed),
        "--fix",
        "--unsafe-fixes",
        "--backup-dir",
        s(backups.path()),
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_same_tree(
        &tree_state(tmp_a.path()),
        &tree_state(tmp_b.path()),
        "patch -p1 -E with the --dry-run diff (got) and --fix (want) differ",
    );
}

#[test]
fn fix_applies_unsafe_fixes_and_a_second_run_changes_nothing() {
    let (tmp, root) = copy_of("exchange");
    let backups = TempDir::new().unwrap();
    // MBX004 (info) remains for the mailbox left on example.org (see tests/mail.rs).
    let r = run(&[
        s(&root),
        "--fix",
        "--unsafe-fixes",
        "--backup-dir",
        s(backups.path()),
        "--ignore",
        "MBX004",
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_all_passed(&r.stdout);
    assert!(
        r.stderr
            .starts_with("fixed: etc/localdomains:3:1: RT001 example.org is delivered locally"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("Applied 1 fix (4 files written, 0 not applied)."),
        "{}",
        r.stderr
    );
    assert_eq!(
        fs::read_to_string(root.join("etc/remotedomains")).unwrap(),
        "example.org\n"
    );
    assert!(!root.join("var/cpanel/users.cache/bob").exists());
    let after = tree_state(tmp.path());
    let r = run(&[
        s(&root),
        "--fix",
        "--unsafe-fixes",
        "--backup-dir",
        s(backups.path()),
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("No fixes to apply."), "{}", r.stderr);
    assert_eq!(
        tree_state(tmp.path()),
        after,
        "the second --fix changed the tree"
    );
}

#[test]
fn fix_without_unsafe_fixes_leaves_an_unsafe_fix_alone() {
    let (tmp, root) = copy_of("exchange");
    let before = tree_state(tmp.path());
    let r = run(&[s(&root), "--fix"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.starts_with("error[RT001]: "), "{}", r.stdout);
    assert!(r.stderr.contains("No fixes to apply."), "{}", r.stderr);
    assert_same_tree(
        &tree_state(tmp.path()),
        &before,
        "--fix without --unsafe-fixes",
    );
}
