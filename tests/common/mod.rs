//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// The corpus of real files: `testdata/corpus` (vendored in the repository), or the directory
/// `$MAILLINT_CORPUS` names when it is set and not empty.
///
/// Tests that need the corpus fail, never skip, when it is not there.
pub fn corpus_dir() -> PathBuf {
    let dir = match std::env::var_os("MAILLINT_CORPUS") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => testdata_dir().join("corpus"),
    };
    assert!(
        dir.join("cpanel").is_dir() && dir.join("exim").is_dir(),
        "the corpus is not at {} (it must hold cpanel/ and exim/): the repository carries it in \
         testdata/corpus; MAILLINT_CORPUS, when set, must name a directory of that layout",
        dir.display()
    );
    dir
}

/// Whether a corpus file documents the corpus rather than being test input: its `SOURCES.md`,
/// the licence notices and texts (`LICENSE`, `COPYING`) and the Exim oracle (`.tsv`).
pub fn is_corpus_document(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    matches!(name, "SOURCES.md" | "LICENSE" | "COPYING")
        || path.extension().is_some_and(|e| e == "tsv")
}

/// The files of corpus directory `dir` (`cpanel`, `exim/cpanel`) that its `SOURCES.md` gives a
/// provenance for: the `` `names` `` in the first column of its tables, sorted. Tests take the
/// number of files of a kind from here, never from a constant.
pub fn corpus_sources(dir: &str) -> Vec<String> {
    let text = String::from_utf8(corpus_file(&format!("{dir}/SOURCES.md"))).unwrap();
    let mut names: Vec<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .flat_map(|row| {
            let first = row.split('|').next().unwrap_or("");
            format!("`{first}")
                .split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect();
    names.sort();
    names.dedup();
    assert!(!names.is_empty(), "{dir}/SOURCES.md lists no file");
    names
}

/// A file of the corpus, read whole.
pub fn corpus_file(rel: &str) -> Vec<u8> {
    let path = corpus_dir().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The bundled example trees under `testdata/`.
pub fn testdata_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

/// Runs the maillint binary from the crate directory with a fixed clock and no colour.
pub fn maillint(args: &[&str]) -> std::process::Output {
    assert_cmd::Command::cargo_bin("maillint")
        .expect("the maillint binary")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env("MAILLINT_NOW", "1795392000")
        .env_remove("CLICOLOR_FORCE")
        .args(args)
        .output()
        .expect("maillint runs")
}

/// The findings of a JSON report as `(code, domain, "file:line:col")`, in report order.
pub fn findings(json: &[u8]) -> Vec<(String, String, String)> {
    let doc: serde_json::Value = serde_json::from_slice(json).expect("maillint prints JSON");
    doc["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| {
            let loc = &f["location"];
            let at = if loc.is_null() {
                "-".to_string()
            } else {
                format!(
                    "{}:{}:{}",
                    loc["file"].as_str().unwrap(),
                    loc["line"],
                    loc["column"]
                )
            };
            (
                f["code"].as_str().unwrap().to_string(),
                f["domain"].as_str().unwrap_or("-").to_string(),
                at,
            )
        })
        .collect()
}

/// Runs insta assertions with snapshots in the top-level `snapshots/` directory. The one naming
/// scheme: `tree.<tree>.<format>` for a whole testdata tree, `rule.<CODE>` for one rule alone
/// (tests/rules.rs), `cli.<case>` for command-line behaviour.
#[macro_export]
macro_rules! snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"), prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!($name, $value);
        })
    };
}

/// Copies a tree (regular files and directories; symlinks as symlinks) into `dest`.
pub fn copy_tree(src: &Path, dest: &Path) {
    for entry in walkdir::WalkDir::new(src).follow_links(false) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(src).unwrap();
        let to = dest.join(rel);
        let ft = entry.file_type();
        if ft.is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else if ft.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(entry.path()).unwrap(), &to).unwrap();
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
}

/// Where an external program is, or `None` (with a loud notice) when it is missing and the tools
/// are not required. Looks in `PATH` and in the sbin directories, where Debian puts `exim4` and
/// which a non-root `PATH` often lacks.
pub fn tool(name: &str, package: &str) -> Option<PathBuf> {
    let required = std::env::var("MAILLINT_REQUIRE_TOOLS").is_ok_and(|v| !v.is_empty() && v != "0");
    tool_in(name, package, required)
}

pub fn tool_in(name: &str, package: &str, required: bool) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    dirs.extend(["/usr/sbin", "/sbin", "/usr/bin", "/bin"].map(PathBuf::from));
    let found = dirs.iter().map(|d| d.join(name)).find(|p| {
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    });
    if found.is_none() {
        assert!(
            !required,
            "`{name}` is not installed, and MAILLINT_REQUIRE_TOOLS is set: install the Debian \
             package `{package}` (scripts/test does it)"
        );
        eprintln!(
            "\n******** SKIPPED: `{name}` is not installed (Debian package `{package}`); this \
             test checked nothing. Set MAILLINT_REQUIRE_TOOLS=1 to make it fail instead. \
             ********\n"
        );
    }
    found
}

/// A one-account server (bob, 192.0.2.10) around one zone of the corpus, `cpanel/CORPUS`, for
/// `domain`: read from the corpus at run time, never copied into the other bundled trees.
pub fn corpus_server(root: &Path, domain: &str, corpus: &str) {
    let w = |rel: &str, text: &[u8]| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    w(
        &format!("var/named/{domain}.db"),
        &corpus_file(&format!("cpanel/{corpus}")),
    );
    w(
        "etc/localdomains",
        format!("server1.example.org\n{domain}\n").as_bytes(),
    );
    w(
        "etc/userdomains",
        format!("*: nobody\n{domain}: bob\n").as_bytes(),
    );
    w(
        "etc/wwwacct.conf",
        b"ADDR 192.0.2.10\nHOST server1.example.org\n",
    );
    w("var/cpanel/mainip", b"192.0.2.10");
    w(
        "var/cpanel/users/bob",
        format!(
            "# cPanel -- If you edit this file directly you must run /usr/local/cpanel/scripts/updateuserdomains afterwards to rebuild the system caches.\n\
             # If you edit MAX_EMAIL_PER_HOUR or MAX_EMAIL_PER_HOUR-[domain] you must run /usr/local/cpanel/scripts/updateuserdomains'\n\n\
             DNS={domain}\nIP=192.0.2.10\nUSER=bob\n"
        )
        .as_bytes(),
    );
    w(
        "var/cpanel/userdata/bob/main",
        format!("--- \naddon_domains: {{}}\n\nmain_domain: {domain}\nparked_domains: []\n\nsub_domains: []\n\n")
            .as_bytes(),
    );
}

/// Applies a unified diff in `dir` with GNU patch as an administrator would
/// (`patch -p1 -E --batch --no-backup-if-mismatch`, the diff on standard input). `patch` is the
/// program (a path from [`tool`], or `patch` from `PATH`).
pub fn apply_patch(patch: &Path, dir: &Path, diff: &[u8]) -> std::process::Output {
    use std::io::Write;
    use std::process::{Command, Stdio};
    Command::new(patch)
        .args(["-p1", "-E", "--batch", "--no-backup-if-mismatch", "-i", "-"])
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            child.stdin.take().unwrap().write_all(diff)?;
            child.wait_with_output()
        })
        .expect("GNU patch is needed for this test (apt-get install patch)")
}
