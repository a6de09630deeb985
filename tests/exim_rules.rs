//! The Exim rules (EXIM002–EXIM010): the bundled trees under `testdata/exim/` (each rule's
//! positive cases and near misses), the real cPanel server of the corpus, Exim's own test suite
//! (no finding that a reading of the configuration does not justify), and Exim 4.96 itself as
//! the oracle: it must accept every configuration the rules are tested on (and the plain ones
//! maillint fixes), and where Exim can show the problem (`exim -bh` for relaying and AUTH,
//! `exim -bP` for names and options), it must agree with maillint.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{corpus_dir, findings, maillint};
use maillint::finding::Finding;
use maillint::model::{self, Needs, Options};
use maillint::rules::{self, Selector};
use maillint::tree::Overlay;

/// The codes of the rules of this issue.
const CODES: &[&str] = &[
    "EXIM002", "EXIM003", "EXIM004", "EXIM005", "EXIM006", "EXIM008", "EXIM009", "EXIM010",
];

/// Lints a tree in process with the rules of this issue.
fn lint(root: &Path) -> Vec<Finding> {
    let sel: Vec<Selector> = CODES.iter().map(|c| Selector::parse(c).unwrap()).collect();
    let selection = rules::selection(&sel, &[], &[]);
    let opts = Options {
        needs: rules::needs(&selection).with(Needs::EXIM),
        ..Options::default()
    };
    let server = model::load(Some(root), &opts, &Overlay::default()).unwrap();
    let mut f = rules::run(&server, &selection);
    maillint::finding::sort(&mut f);
    f
}

/// Replaces every `from` by `to` in bytes (the test suite has files that are not UTF-8).
fn replace(text: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        if text[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(text[i]);
            i += 1;
        }
    }
    out
}

/// Exim's test suite: the configurations Exim 4.96 accepts give no EXIM002–EXIM010 finding
/// that a reading of the configuration does not justify. Every finding is listed in a snapshot
/// (reviewed one by one: see the comments of `testsuite_findings.snap`), so that a change in
/// what the rules find there is seen.
#[test]
fn testsuite_corpus_findings_are_justified() {
    let ts = corpus_dir().join("exim/testsuite");
    let oracle = std::fs::read_to_string(ts.join("ORACLE-debian-exim4-4.96.tsv")).unwrap();
    let accepted: Vec<&str> = oracle
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let mut f = l.split('\t');
            let name = f.next()?;
            (f.next()? == "OK").then_some(name)
        })
        .collect();
    assert!(accepted.len() > 900, "{}", accepted.len());
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(root.join("etc/localdomains"), "").unwrap();
    // As the test harness runs them: `DIR` is the test directory (here `/DIR`, whose aux-var
    // and aux-fixed files are the corpus's aux files), `V4NET` a dummy network.
    for sub in ["aux-var", "aux-fixed"] {
        let dir = root.join("DIR").join(sub);
        std::fs::create_dir_all(&dir).unwrap();
        for e in std::fs::read_dir(ts.join("aux")).unwrap() {
            let p = e.unwrap().path();
            if p.is_file() {
                let text = replace(&std::fs::read(&p).unwrap(), b"DIR/", b"/DIR/");
                std::fs::write(dir.join(p.file_name().unwrap()), text).unwrap();
            }
        }
    }
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut lines = Vec::new();
    for name in &accepted {
        let text = std::fs::read(ts.join("confs").join(name)).unwrap();
        let text = replace(&replace(&text, b"DIR/", b"/DIR/"), b"V4NET", b"10.");
        std::fs::write(root.join("etc/exim.conf"), text).unwrap();
        for f in lint(root) {
            *counts.entry(f.code()).or_default() += 1;
            let at = f.location.as_ref().map_or(String::new(), |l| {
                let src = std::fs::read_to_string(root.join(&l.file)).unwrap_or_default();
                let line = src[..(l.span.start as usize).min(src.len())]
                    .matches('\n')
                    .count()
                    + 1;
                format!("{}:{line}", l.file)
            });
            lines.push(format!("{name} {at} {}: {}", f.code(), f.message));
        }
    }
    let summary: Vec<String> = counts.iter().map(|(c, n)| format!("{c}: {n}")).collect();
    let summary = format!(
        "{} accepted configurations; {}",
        accepted.len(),
        summary.join(", ")
    );
    println!("{summary}");
    // Not one of them is cPanel's: the rules about cPanel's sources say nothing.
    for code in ["EXIM002", "EXIM004", "EXIM008", "EXIM010"] {
        assert_eq!(counts.get(code), None, "{code} on a plain configuration");
    }
    // Reviewed one by one: EXIM003 is `acl_smtp_rcpt = accept` or an ACL whose first decisive
    // statement accepts every client (the harness's own open relays); EXIM005 are plaintext
    // test authenticators with no TLS condition; EXIM006 are ACLs, lists and transports the
    // test files never define (or `-D` placeholders such as `transport = OPTION`); EXIM009 is
    // 5665's `+VERS-TLS1.0`.
    snapshot!(
        "exim_testsuite_findings",
        format!("{summary}\n{}\n", lines.join("\n"))
    );
}

// ---------------------------------------------------------------------------------------------
// The bundled trees
// ---------------------------------------------------------------------------------------------

/// Each tree of `testdata/exim/` with its exact findings (code, place), in report order. The
/// near misses of each rule are in the same trees (see the comments of their configurations):
/// every other line gives nothing.
const TREES: &[(&str, &[(&str, &str)])] = &[
    (
        // cPanel: WHM's require_secure_auth off, TLS 1.0/1.1 from localopts, weak ciphers from
        // .local over localopts, three keys cPanel does not read; the stock-like ACL relays for
        // nobody, known keys and `acl_…`/`filter_…` switches are fine.
        "cpanel",
        &[
            ("EXIM009", "etc/exim.conf.local:7:1"),
            ("EXIM010", "etc/exim.conf.local:7:1"),
            ("EXIM009", "etc/exim.conf.localopts:8:1"),
            ("EXIM008", "etc/exim.conf.localopts:9:1"),
            ("EXIM005", "etc/exim.conf.localopts:10:1"),
            ("EXIM008", "etc/exim.conf.localopts:11:1"),
            ("EXIM008", "etc/exim.conf.localopts:15:1"),
        ],
    ),
    (
        // cPanel: .local replaces the ports and local_domains, adds an authenticator without a
        // TLS condition; allowweakciphers=1. cPanel's own authenticator has its condition.
        "cpanel-ports",
        &[
            ("EXIM005", "etc/exim.conf.local:2:1"),
            ("EXIM004", "etc/exim.conf.local:10:1"),
            ("EXIM002", "etc/exim.conf.local:11:1"),
            ("EXIM009", "etc/exim.conf.localopts:1:1"),
        ],
    ),
    (
        // cPanel: sources at their defaults, etc/exim.conf edited by hand.
        "cpanel-handedit",
        &[
            ("EXIM004", "etc/exim.conf:9:1"),
            ("EXIM009", "etc/exim.conf:11:1"),
            ("EXIM005", "etc/exim.conf:26:1"),
        ],
    ),
    ("plain-relay", &[("EXIM003", "etc/exim.conf:6:52")]),
    ("plain-accept-first", &[("EXIM003", "etc/exim.conf:13:3")]),
    ("plain-closed", &[]),
    (
        "plain-auth",
        &[
            ("EXIM009", "etc/exim.conf:6:1"),
            ("EXIM005", "etc/exim.conf:17:1"),
            ("EXIM005", "etc/exim.conf:24:1"),
        ],
    ),
    (
        "plain-refs",
        &[
            ("EXIM006", "etc/exim.conf:8:17"),
            ("EXIM006", "etc/exim.conf:11:24"),
            ("EXIM006", "etc/exim.conf:20:32"),
            ("EXIM006", "etc/exim.conf:21:21"),
            ("EXIM006", "etc/exim.conf:31:15"),
        ],
    ),
];

/// Relative to the crate directory (where `maillint` runs), so reports name no machine path.
fn tree(name: &str) -> std::path::PathBuf {
    Path::new("testdata/exim").join(name)
}

/// `maillint TREE --format F ARGS…` (every rule selected): exit code and standard output.
fn run(root: &Path, format: &str, args: &[&str]) -> (i32, String) {
    let root = root.to_str().unwrap();
    let mut all = vec![root, "--format", format];
    all.extend_from_slice(args);
    let out = maillint(&all);
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
    )
}

fn codes_and_places(json: &str) -> Vec<(String, String)> {
    findings(json.as_bytes())
        .into_iter()
        .map(|(c, _, at)| (c, at))
        .collect()
}

#[test]
fn each_exim_tree_has_exactly_its_findings() {
    for (name, expected) in TREES {
        let (code, json) = run(&tree(name), "json", &[]);
        let want: Vec<(String, String)> = expected
            .iter()
            .map(|(c, at)| (c.to_string(), at.to_string()))
            .collect();
        assert_eq!(codes_and_places(&json), want, "testdata/exim/{name}");
        assert_eq!(code, i32::from(!expected.is_empty()), "{name}");
        let slug = name.replace('-', "_");
        snapshot!(format!("exim_{slug}.json"), json);
        snapshot!(format!("exim_{slug}.full"), run(&tree(name), "full", &[]).1);
    }
}

/// The diff `--fix --unsafe-fixes --dry-run` shows, and the files it touches.
fn dry_run(root: &Path) -> (String, Vec<String>) {
    let (_, diff) = run(root, "full", &["--fix", "--unsafe-fixes", "--dry-run"]);
    let files = diff
        .lines()
        .filter_map(|l| l.strip_prefix("+++ b/"))
        .map(str::to_string)
        .collect();
    (diff, files)
}

/// On cPanel, fixes edit the sources an administrator edits (etc/exim.conf.localopts and
/// etc/exim.conf.local), never the generated etc/exim.conf; their commands name the rebuild.
#[test]
fn cpanel_fixes_edit_the_sources_never_the_generated_file() {
    for name in ["cpanel", "cpanel-ports"] {
        let (diff, files) = dry_run(&tree(name));
        assert!(!files.is_empty(), "{name}: no fix");
        for f in &files {
            assert!(
                f == "etc/exim.conf.local" || f == "etc/exim.conf.localopts",
                "{name}: a fix edits {f}"
            );
        }
        snapshot!(
            format!("exim_{}_dry_run.diff", name.replace('-', "_")),
            diff
        );
        let (_, json) = run(&tree(name), "json", &[]);
        let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
        for f in doc["findings"].as_array().unwrap() {
            if f["fix"].is_null() {
                continue;
            }
            assert_eq!(f["fix"]["applicability"], "unsafe", "{f}");
            let text = format!("{} {}", f["fix"]["message"], f["fix"]["commands"]);
            assert!(
                text.contains("/usr/local/cpanel/scripts/buildeximconf")
                    && text.contains("Exim Configuration Manager"),
                "{name}: {text}"
            );
        }
    }
    // A hand edit of the generated file gets no fix: only the rebuild undoes it.
    let (_, files) = dry_run(&tree("cpanel-handedit"));
    assert!(files.is_empty(), "{files:?}");
}

// ---------------------------------------------------------------------------------------------
// The real cPanel server of the corpus
// ---------------------------------------------------------------------------------------------

/// A server tree with the real cPanel `exim.conf`, `.local` and `.localopts` of the corpus
/// (read from the corpus at run time, not copied into testdata/).
fn real_cpanel(root: &Path) {
    std::fs::create_dir_all(root.join("etc")).unwrap();
    for (from, to) in [
        ("exim.conf", "etc/exim.conf"),
        ("exim.conf.local", "etc/exim.conf.local"),
        ("exim.conf.localopts", "etc/exim.conf.localopts"),
    ] {
        std::fs::write(
            root.join(to),
            common::corpus_file(&format!("exim/cpanel/moko879_exim_forwarding__{from}")),
        )
        .unwrap();
    }
    std::fs::write(root.join("etc/localdomains"), "").unwrap();
}

/// The real server holds three problems at once, and maillint reports each where an
/// administrator fixes it: plaintext AUTH (localopts `require_secure_auth=0`), weak ciphers
/// (`.local` `tls_require_ciphers` with RC4), TLS 1.0/1.1 (localopts `openssl_options`), and
/// the `.local` line that silently overrides the localopts cipher list. Besides, two localopts
/// keys of older cPanel versions, and the real server's one syntax error (EXIM001).
#[test]
fn the_real_cpanel_server_shows_its_three_problems_at_their_sources() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("server");
    real_cpanel(&root);
    let (code, json) = run(&root, "json", &[]);
    assert_eq!(code, 1);
    let got: Vec<(String, String)> = codes_and_places(&json);
    let want = [
        ("EXIM001", "etc/exim.conf:2240:13"),
        ("EXIM009", "etc/exim.conf.local:10:1"),
        ("EXIM010", "etc/exim.conf.local:10:1"),
        ("EXIM008", "etc/exim.conf.localopts:54:1"),
        ("EXIM009", "etc/exim.conf.localopts:60:1"),
        ("EXIM005", "etc/exim.conf.localopts:67:1"),
        ("EXIM008", "etc/exim.conf.localopts:87:1"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(c, a)| (c.to_string(), a.to_string()))
        .collect();
    assert_eq!(got, want);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let by = |code: &str, line: u64| {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == code && f["location"]["line"] == line)
            .unwrap()
            .clone()
    };
    // The generated lines are shown beside the sources.
    let related = |f: &serde_json::Value| -> Vec<String> {
        f["related"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| format!("{}:{}", r["file"].as_str().unwrap(), r["line"]))
            .collect()
    };
    let auth = by("EXIM005", 67);
    assert_eq!(related(&auth), ["etc/exim.conf:1310", "etc/exim.conf:1319"]);
    assert!(
        auth["message"]
            .as_str()
            .unwrap()
            .contains("AUTH PLAIN and LOGIN")
    );
    let ciphers = by("EXIM009", 10);
    assert!(
        ciphers["message"].as_str().unwrap().contains("RC4"),
        "{ciphers}"
    );
    assert_eq!(related(&ciphers), ["etc/exim.conf:7"]);
    let tls = by("EXIM009", 60);
    assert!(
        tls["message"]
            .as_str()
            .unwrap()
            .contains("TLS 1.0 and TLS 1.1"),
        "{tls}"
    );
    let over = by("EXIM010", 10);
    assert_eq!(
        related(&over),
        [
            "etc/exim.conf.localopts:40",
            "etc/exim.conf.localopts:84",
            "etc/exim.conf:7"
        ]
    );
    let (diff, files) = dry_run(&root);
    assert_eq!(files, ["etc/exim.conf.local", "etc/exim.conf.localopts"]);
    snapshot!("exim_real_cpanel_dry_run.diff", diff);
}

// ---------------------------------------------------------------------------------------------
// Exim 4.96 as the oracle
// ---------------------------------------------------------------------------------------------
//
// Exim runs as the tests do (root in CI), with `-C` naming a copy of the configuration in a
// temporary directory (mode 0644: as root, Exim keeps its privileges for `-C` and checks the
// file's owner and mode). The copy is what a host without cPanel needs to run it, and nothing
// that changes what the rules judge:
// - a prefix with numeric `exim_user`/`exim_group`, `spool_directory` and `log_file_path` in
//   the temporary directory, and `keep_environment`;
// - every absolute `/etc/` path (lookup files, certificates) read from the tree's copy in the
//   temporary directory, and created empty when the tree has no such file;
// - `openssl_options` commented out: Debian's Exim is built with GnuTLS and refuses the option
//   (cPanel's is built with OpenSSL); EXIM009 on it is tested on maillint's side only.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn exim_bin() -> Option<PathBuf> {
    common::tool("exim4", "exim4-daemon-heavy")
}

/// A runnable copy of `root/etc/exim.conf` (see above); returns its path.
fn exim_copy(root: &Path, tmp: &Path) -> PathBuf {
    let etc = tmp.join("etc");
    std::fs::create_dir_all(&etc).unwrap();
    // Exim writes its spool and logs as exim_user (65534).
    let mode = |p: &Path, m: u32| {
        std::fs::set_permissions(p, std::os::unix::fs::PermissionsExt::from_mode(m)).unwrap()
    };
    mode(tmp, 0o755);
    for d in ["spool", "log"] {
        std::fs::create_dir_all(tmp.join(d)).unwrap();
        mode(&tmp.join(d), 0o777);
    }
    for e in std::fs::read_dir(root.join("etc")).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, etc.join(p.file_name().unwrap())).unwrap();
        }
    }
    let text = std::fs::read_to_string(root.join("etc/exim.conf")).unwrap();
    let local_etc = format!("{}/etc/", tmp.display());
    let sets = |name: &str| {
        text.lines().any(|l| {
            l.strip_prefix(name)
                .is_some_and(|r| r.trim_start().starts_with('='))
        })
    };
    let mut out = String::new();
    for (name, value) in [
        ("exim_user", "65534".to_string()),
        ("exim_group", "65534".to_string()),
        ("spool_directory", format!("{}/spool", tmp.display())),
        ("log_file_path", format!("{}/log/%slog", tmp.display())),
        ("keep_environment", String::new()),
    ] {
        if !sets(name) {
            out.push_str(&format!("{name} = {value}\n"));
        }
    }
    for line in text.lines() {
        let line = if line.trim_start().starts_with("openssl_options") {
            format!("# {line}")
        } else {
            line.replace("/etc/", &local_etc)
        };
        // Files the configuration names under /etc exist (empty) in the copy.
        for (i, _) in line.match_indices(&local_etc) {
            let name: String = line[i + local_etc.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
                .collect();
            if !name.is_empty() && !name.contains('$') && !etc.join(&name).exists() {
                std::fs::write(etc.join(&name), "").unwrap();
            }
        }
        out.push_str(&line);
        out.push('\n');
    }
    let conf = tmp.join("exim.conf");
    std::fs::write(&conf, out).unwrap();
    std::fs::set_permissions(&conf, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    conf
}

/// `exim4 -C CONF ARGS…`, with `input` on standard input.
fn exim(bin: &Path, conf: &Path, args: &[&str], input: &str) -> Output {
    let mut child = Command::new(bin)
        .arg("-C")
        .arg(conf)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("exim4 runs");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn assert_accepts(bin: &Path, conf: &Path, what: &str) {
    let out = exim(bin, conf, &["-bV"], "");
    assert!(
        out.status.success(),
        "{what}: exim -bV refuses it:\n{}",
        text(&out)
    );
}

/// The findings of a tree as JSON values.
fn json_findings(root: &Path) -> Vec<serde_json::Value> {
    let (_, json) = run(root, "json", &[]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    doc["findings"].as_array().unwrap().clone()
}

/// An SMTP session with `exim -bh 203.0.113.5`, a host of no list: its answers.
fn smtp(bin: &Path, conf: &Path, commands: &[&str]) -> String {
    let mut input: String = commands.iter().map(|c| format!("{c}\r\n")).collect();
    input.push_str("QUIT\r\n");
    text(&exim(bin, conf, &["-bh", "203.0.113.5"], &input))
}

/// Exim accepts every configuration the rules are tested on.
#[test]
fn exim_accepts_every_fixture_configuration() {
    let Some(bin) = exim_bin() else { return };
    for (name, _) in TREES {
        let tmp = tempfile::tempdir().unwrap();
        let conf = exim_copy(&tree(name), tmp.path());
        assert_accepts(&bin, &conf, name);
    }
}

/// Exim relays for an unknown, unauthenticated host exactly in the trees where maillint reports
/// EXIM003: `RCPT TO` a domain of no list is answered `250 Accepted`.
#[test]
fn exim_relays_exactly_where_exim003_says() {
    let Some(bin) = exim_bin() else { return };
    let mut open = 0;
    for (name, _) in TREES {
        let tmp = tempfile::tempdir().unwrap();
        let conf = exim_copy(&tree(name), tmp.path());
        let answer = smtp(
            &bin,
            &conf,
            &[
                "EHLO client.example.net",
                "MAIL FROM:<someone@example.net>",
                "RCPT TO:<anyone@example.org>",
            ],
        );
        let relays = answer.lines().any(|l| l.starts_with("250 Accepted"));
        let reported = json_findings(&tree(name))
            .iter()
            .any(|f| f["code"] == "EXIM003");
        assert_eq!(reported, relays, "{name}: Exim says\n{answer}");
        open += usize::from(relays);
    }
    assert!(open >= 2, "the trees must have open relays to compare");
}

/// The mechanisms that send the password as it is.
const PLAINTEXT: &[&str] = &["PLAIN", "LOGIN"];

/// What Exim offers in its EHLO answer before STARTTLS, of [`PLAINTEXT`].
fn advertised(bin: &Path, conf: &Path) -> Vec<String> {
    let answer = smtp(bin, conf, &["EHLO client.example.net"]);
    let mut mechs: Vec<String> = answer
        .lines()
        .filter_map(|l| l.strip_prefix("250-AUTH ").or(l.strip_prefix("250 AUTH ")))
        .flat_map(|l| l.split_whitespace().map(str::to_string))
        .filter(|m| PLAINTEXT.contains(&m.as_str()))
        .collect();
    mechs.sort();
    mechs
}

/// The mechanisms maillint's EXIM005 findings say Exim offers without TLS *now* (the generated
/// configuration): named in the message of a finding on the configuration, or in the related
/// lines of one on cPanel's sources.
fn reported_mechanisms(findings: &[serde_json::Value]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for f in findings.iter().filter(|f| f["code"] == "EXIM005") {
        let mut texts = vec![f["message"].as_str().unwrap().to_string()];
        let related = f["related"].as_array().cloned().unwrap_or_default();
        for r in &related {
            texts.push(r["message"].as_str().unwrap().to_string());
        }
        let on_generated = f["location"]["file"] == "etc/exim.conf"
            || related.iter().any(|r| r["file"] == "etc/exim.conf");
        if !on_generated {
            continue;
        }
        for t in texts {
            for w in t.split(|c: char| !c.is_ascii_alphanumeric()) {
                if PLAINTEXT.contains(&w) && !out.iter().any(|m| m == w) {
                    out.push(w.to_string());
                }
            }
        }
    }
    out.sort();
    out
}

/// Exim offers AUTH PLAIN or LOGIN before STARTTLS exactly where maillint's EXIM005 says so,
/// mechanism by mechanism.
#[test]
fn exim_offers_plaintext_auth_exactly_where_exim005_says() {
    let Some(bin) = exim_bin() else { return };
    let mut seen = 0;
    for (name, _) in TREES {
        let tmp = tempfile::tempdir().unwrap();
        let conf = exim_copy(&tree(name), tmp.path());
        let exim_says = advertised(&bin, &conf);
        assert_eq!(
            reported_mechanisms(&json_findings(&tree(name))),
            exim_says,
            "{name}"
        );
        seen += usize::from(!exim_says.is_empty());
    }
    assert!(seen >= 3, "the trees must offer plaintext AUTH to compare");
}

/// What maillint's EXIM006 reports as undefined, Exim does not know either (`-bP` for
/// transports and named lists, the ACL's own error in an SMTP session), and what it does not
/// report in the same configuration Exim knows.
#[test]
fn exim_knows_nothing_exim006_reports_undefined() {
    let Some(bin) = exim_bin() else { return };
    let name = "plain-refs";
    let tmp = tempfile::tempdir().unwrap();
    let conf = exim_copy(&tree(name), tmp.path());
    let bp = |args: &[&str]| {
        text(&exim(
            &bin,
            &conf,
            &["-bP"].iter().chain(args).copied().collect::<Vec<_>>(),
            "",
        ))
    };
    let quoted = |m: &str, after: &str| -> String {
        let rest = &m[m.find(after).unwrap() + after.len()..];
        rest.split('`').nth(1).unwrap().to_string()
    };
    let findings = json_findings(&tree(name));
    let mut checked = 0;
    for f in findings.iter().filter(|f| f["code"] == "EXIM006") {
        let m = f["message"].as_str().unwrap();
        if m.contains("names the transport") {
            let t = quoted(m, "names the transport");
            assert!(bp(&["transport", &t]).contains("not found"), "{m}");
        } else if let Some((_, kind)) = m.split_once("but no ") {
            let list = quoted(m, "refers to").trim_start_matches('+').to_string();
            let keyword = match kind.split(" list").next().unwrap() {
                "domain" => "domainlist",
                "host" => "hostlist",
                "address" => "addresslist",
                _ => "localpartlist",
            };
            let shown = bp(&[&format!("+{list}")]);
            assert!(
                !shown
                    .lines()
                    .any(|l| l.starts_with(&format!("{keyword} {list} "))),
                "{m}: Exim has {shown}"
            );
        } else {
            let acl = quoted(m, "names the ACL");
            let answer = smtp(
                &bin,
                &conf,
                &[
                    "EHLO client.example.net",
                    "MAIL FROM:<someone@example.net>",
                    "RCPT TO:<postmaster@example.com>",
                    "DATA",
                    "Subject: probe\r\n\r\nprobe\r\n.",
                ],
            );
            assert!(
                answer.contains(&format!("unknown ACL verb \"{acl}\"")),
                "{m}: Exim says\n{answer}"
            );
        }
        checked += 1;
    }
    assert_eq!(checked, 5);
    // The near misses: names maillint does not report, Exim finds.
    for t in ["remote_smtp", "address_file", "local_delivery"] {
        assert!(!bp(&["transport", t]).contains("not found"), "{t}");
    }
    assert!(bp(&["+hosted_domains"]).starts_with("domainlist hosted_domains"));
}

/// A plain configuration maillint fixes is one Exim accepts, and Exim then offers no plaintext
/// AUTH before TLS; a second lint finds nothing.
#[test]
fn exim_accepts_the_fixed_plain_configuration() {
    let Some(bin) = exim_bin() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("server");
    common::copy_tree(&tree("plain-auth"), &root);
    let (code, _) = run(&root, "full", &["--fix", "--unsafe-fixes"]);
    assert_eq!(code, 0);
    let scratch = tmp.path().join("exim");
    let conf = exim_copy(&root, &scratch);
    assert_accepts(&bin, &conf, "fixed plain-auth");
    assert_eq!(advertised(&bin, &conf), Vec::<String>::new());
    let out = exim(&bin, &conf, &["-bP", "tls_require_ciphers"], "");
    assert_eq!(text(&out).trim(), "tls_require_ciphers =", "{}", text(&out));
    assert!(json_findings(&root).is_empty());
}

/// The options maillint judges on the generated file are the values Exim runs with (`-bP`).
#[test]
fn exim_runs_with_the_values_maillint_judges() {
    let Some(bin) = exim_bin() else { return };
    for (name, option, value) in [
        ("cpanel-handedit", "daemon_smtp_ports", "25"),
        ("cpanel-handedit", "tls_require_ciphers", "ALL:RC4-SHA"),
        (
            "cpanel",
            "tls_require_ciphers",
            "ALL:!aNULL:!eNULL:!LOW:!EXP:RC4+RSA:+HIGH:+MEDIUM",
        ),
        ("cpanel-ports", "daemon_smtp_ports", "25"),
        ("cpanel-ports", "tls_require_ciphers", ""),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let conf = exim_copy(&tree(name), tmp.path());
        let out = text(&exim(&bin, &conf, &["-bP", option], ""));
        let shown = out
            .trim()
            .strip_prefix(&format!("{option} ="))
            .unwrap_or("?")
            .trim();
        assert_eq!(shown, value, "{name}: {out}");
    }
}

/// Exim refuses the real cPanel configuration at the line EXIM001 names, and for nothing else
/// (once the host differences are neutralised: cPanel's users and `openssl_options`).
#[test]
fn exim_refuses_the_real_cpanel_configuration_where_exim001_says() {
    let Some(bin) = exim_bin() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("server");
    real_cpanel(&root);
    let conf_text = std::fs::read_to_string(root.join("etc/exim.conf"))
        .unwrap()
        .replace("cpaneleximfilter", "65534")
        .replace("= mailnull", "= 65534");
    std::fs::write(root.join("etc/exim.conf"), conf_text).unwrap();
    let conf = exim_copy(&root, &tmp.path().join("exim"));
    let out = exim(&bin, &conf, &["-bV"], "");
    assert!(!out.status.success());
    // Line 2240 of the original, after the lines the copy puts in front.
    let copy = std::fs::read_to_string(&conf).unwrap();
    let prefix = copy
        .lines()
        .position(|l| l == "#!!# cPanel Exim 4 Config")
        .unwrap();
    assert!(
        text(&out).contains(&format!("error in line {} of", 2240 + prefix)),
        "{}",
        text(&out)
    );
    assert!(text(&out).contains("extra characters follow string value for address_data"));
}
