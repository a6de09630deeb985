//! Every rule, alone, on the tree its case names: `testdata/rules/<CODE>/case.toml`.
//!
//! One table-driven test over the registry: each registered rule must have its case directory,
//! report exactly the domains (and domainless files) the case lists, stay silent on the case's
//! near misses, and its output is pinned by the snapshot `rule.<CODE>`. Adding a rule means
//! adding its case directory; a case directory for a code that is not registered is an error.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    /// A directory of testdata/ (a shared tree), or "." for the case directory itself.
    tree: String,
    /// The domains the rule reports: exactly these.
    report: Vec<String>,
    /// Files of the findings that concern no domain: exactly these.
    #[serde(default)]
    report_files: Vec<String>,
    /// Domains of the tree where the rule must stay silent.
    quiet: Vec<String>,
    /// File metadata git does not keep (modes, modification times), applied to a copy of the
    /// tree before the run.
    #[serde(default)]
    setup: Setup,
    /// For the live DNS rules: a directory of testdata/ with zone files (`NAME.db`) that a real
    /// BIND serves on loopback as "public DNS"; the case then runs with `--resolve --resolver`
    /// naming it (and is skipped, loudly, when `named` is not installed and
    /// MAILLINT_REQUIRE_TOOLS is not set).
    #[serde(default)]
    resolve: Option<String>,
}

/// The BIND servers of the live DNS cases, one per zone directory, started on first use and
/// stopped when the test ends.
#[derive(Default)]
struct Servers(std::collections::BTreeMap<String, Option<common::Bind>>);

impl Servers {
    /// The `--resolve` arguments of a case; `Err(())` when its server cannot run here.
    fn args(&mut self, case: &Case) -> Result<Vec<String>, ()> {
        let Some(dir) = &case.resolve else {
            return Ok(Vec::new());
        };
        let bind = self.0.entry(dir.clone()).or_insert_with(|| {
            common::Bind::start(
                &Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("testdata")
                    .join(dir),
            )
        });
        match bind {
            Some(b) => Ok(vec!["--resolve".into(), "--resolver".into(), b.addr()]),
            None => Err(()),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Setup {
    /// Path in the tree → octal mode, e.g. `"etc/localdomains" = "0666"`.
    #[serde(default)]
    modes: std::collections::BTreeMap<String, String>,
    /// Path in the tree → modification time in seconds since the epoch.
    #[serde(default)]
    mtimes: std::collections::BTreeMap<String, u64>,
}

impl Setup {
    fn is_empty(&self) -> bool {
        self.modes.is_empty() && self.mtimes.is_empty()
    }
}

/// The tree a case runs on: the tree itself, or a copy with the case's setup applied.
struct Prepared {
    path: PathBuf,
    _tmp: Option<tempfile::TempDir>,
}

fn prepare(case: &Case, tree: &Path) -> Prepared {
    use std::os::unix::fs::PermissionsExt;
    if case.setup.is_empty() {
        return Prepared {
            path: tree.to_path_buf(),
            _tmp: None,
        };
    }
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("tree");
    copy_tree(tree, &root);
    // The root directory as cPanel has it (tempdir creates 0700 directories).
    std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
    for (rel, mode) in &case.setup.modes {
        let mode = u32::from_str_radix(mode, 8).unwrap_or_else(|e| panic!("mode {mode}: {e}"));
        std::fs::set_permissions(root.join(rel), std::fs::Permissions::from_mode(mode))
            .unwrap_or_else(|e| panic!("setup: chmod {rel}: {e}"));
    }
    for (rel, secs) in &case.setup.mtimes {
        let f = std::fs::File::options()
            .write(true)
            .open(root.join(rel))
            .unwrap_or_else(|e| panic!("setup: {rel}: {e}"));
        f.set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(*secs))
            .unwrap();
    }
    Prepared {
        path: root,
        _tmp: Some(tmp),
    }
}

fn copy_tree(from: &Path, to: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(to).unwrap();
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o755)).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let (src, dst) = (e.path(), to.join(e.file_name()));
        if e.file_type().unwrap().is_dir() {
            copy_tree(&src, &dst);
        } else if e.file_name() != "case.toml" {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/rules")
}

fn case(code: &str) -> (Case, PathBuf) {
    let dir = cases_dir().join(code);
    let path = dir.join("case.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{code} is registered but has no case ({}: {e}): add testdata/rules/{code}/case.toml",
            path.display()
        )
    });
    let case: Case = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let tree = match case.tree.as_str() {
        "." => dir,
        shared => Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata")
            .join(shared),
    };
    assert!(tree.is_dir(), "{code}: no tree at {}", tree.display());
    (case, tree)
}

/// The account domains and zones a tree holds (for near misses that name something real).
fn tree_domains(tree: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    if let Ok(text) = std::fs::read_to_string(tree.join("etc/userdomains")) {
        for line in text.lines() {
            if let Some((d, _)) = line.split_once(':')
                && d.trim() != "*"
            {
                out.insert(d.trim().to_ascii_lowercase());
            }
        }
    }
    if let Ok(dir) = std::fs::read_dir(tree.join("var/named")) {
        for e in dir.flatten() {
            if let Some(zone) = e.file_name().to_str().and_then(|n| n.strip_suffix(".db")) {
                out.insert(zone.to_ascii_lowercase());
            }
        }
    }
    out
}

fn run(tree: &Path, code: &str, format: &str, extra: &[String]) -> String {
    let out = assert_cmd::Command::cargo_bin("maillint")
        .unwrap()
        .arg(tree)
        .args(["--select", code, "--format", format, "--no-progress"])
        .args(extra)
        .env("MAILLINT_NOW", "1795392000")
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{code}: exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn every_rule_reports_exactly_its_case() {
    let registered: BTreeSet<&str> = maillint::rules::all().map(|r| r.code).collect();
    let dirs: BTreeSet<String> = std::fs::read_dir(cases_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for d in &dirs {
        assert!(
            registered.contains(d.as_str()),
            "testdata/rules/{d} is the case of no registered rule"
        );
    }
    let mut failures = Vec::new();
    let mut servers = Servers::default();
    for code in &registered {
        let (case, tree) = case(code);
        let Ok(extra) = servers.args(&case) else {
            continue;
        };
        let prepared = prepare(&case, &tree);
        let doc: serde_json::Value =
            serde_json::from_str(&run(&prepared.path, code, "json", &extra)).unwrap();
        let findings = doc["findings"].as_array().unwrap();
        let mut domains = BTreeSet::new();
        let mut files = BTreeSet::new();
        for f in findings {
            assert_eq!(f["code"], *code, "--select {code} reported another rule");
            match f["domain"].as_str() {
                Some(d) => domains.insert(d.to_string()),
                None => files.insert(f["location"]["file"].as_str().unwrap_or("-").to_string()),
            };
        }
        let want: BTreeSet<String> = case.report.iter().cloned().collect();
        let want_files: BTreeSet<String> = case.report_files.iter().cloned().collect();
        if want.is_empty() && want_files.is_empty() {
            failures.push(format!("{code}: the case lists no positive"));
        }
        if domains != want {
            failures.push(format!(
                "{code} on {}: reports {domains:?}, the case says {want:?}",
                case.tree
            ));
        }
        if files != want_files {
            failures.push(format!(
                "{code} on {}: domainless findings in {files:?}, the case says {want_files:?}",
                case.tree
            ));
        }
        let known = tree_domains(&tree);
        for q in &case.quiet {
            if !known.contains(q) {
                failures.push(format!("{code}: near miss {q} is no domain of the tree"));
            }
            if domains.contains(q) {
                failures.push(format!("{code}: reports its near miss {q}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The outputs, once every case holds.
    for code in &registered {
        let (case, tree) = case(code);
        let Ok(extra) = servers.args(&case) else {
            continue;
        };
        let prepared = prepare(&case, &tree);
        let out = run(&prepared.path, code, "concise", &extra);
        // A prepared copy lives in a temporary directory: name it as the case's tree.
        let out = out.replace(
            &prepared.path.display().to_string(),
            &match case.tree.as_str() {
                "." => format!("testdata/rules/{code}"),
                t => format!("testdata/{t}"),
            },
        );
        snapshot!(format!("rule.{code}"), out);
    }
}

/// The rule table of the README lists exactly the registered rules, with their names.
#[test]
fn the_readme_table_lists_the_registered_rules() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let section = readme
        .split("\n## Rules\n")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("README has a ## Rules section");
    let mut listed = BTreeSet::new();
    for row in section.lines().filter(|l| l.starts_with('|')) {
        let Some(cells) = row.split('|').nth(2) else {
            continue;
        };
        for item in cells.split(',') {
            let mut words = item.split_whitespace();
            if let (Some(code), Some(name)) = (words.next(), words.next())
                && code.bytes().last().is_some_and(|b| b.is_ascii_digit())
            {
                listed.insert(format!("{code} {name}"));
            }
        }
    }
    let registered: BTreeSet<String> = maillint::rules::all()
        .map(|r| format!("{} {}", r.code, r.name))
        .collect();
    assert_eq!(
        listed, registered,
        "README's rule table must list every registered rule (code and name), and only those"
    );
}
