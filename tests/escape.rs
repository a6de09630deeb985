//! Text from the tree never reaches the output raw (PRODUCT.md "Output"): file names under
//! account homes, domain-list lines and zone records written by account owners are printed with
//! their control characters escaped in every format, so that nobody can forge a finding line or
//! send escape sequences to root's terminal.
//!
//! The end-to-end cases plant hostile text in a copy of `testdata/exchange` and run the real
//! binary in every format; the library cases render findings carrying arbitrary text in every
//! field through every format.

mod common;

use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use assert_cmd::Command;
use maillint::finding::{Edit, Files, Finding, Fix, Loc};
use maillint::report::escape::is_unsafe;
use maillint::report::{self, Format, Report, Summary};
use maillint::source::{SourceFile, Span};
use proptest::prelude::*;
use serde_json::Value;
use tempfile::TempDir;

const MANIFEST: &str = env!("CARGO_MANIFEST_DIR");

/// Every way the findings are printed, and where (`stdout` or `stderr`) the text goes.
const MODES: &[(&[&str], &str)] = &[
    (&["--format", "full"], "stdout"),
    (&["--format", "concise"], "stdout"),
    (&["--format", "github"], "stdout"),
    (&["--format", "json"], "stdout"),
    (&["--format", "json-lines"], "stdout"),
    (&["--format", "sarif"], "stdout"),
    (&["--statistics"], "stdout"),
    (&["--statistics", "--format", "json"], "stdout"),
    // The diff on stdout holds the files' bytes for `patch` (escaped only on a terminal,
    // tested below); the findings and messages go to stderr.
    (&["--fix", "--unsafe-fixes", "--dry-run"], "stderr"),
    (
        &[
            "--fix",
            "--unsafe-fixes",
            "--dry-run",
            "--format",
            "concise",
        ],
        "stderr",
    ),
];

struct Run {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

impl Run {
    fn text(&self, stream: &str) -> String {
        let bytes = if stream == "stdout" {
            &self.stdout
        } else {
            &self.stderr
        };
        String::from_utf8(bytes.clone()).expect("the report is UTF-8")
    }
}

fn run_env(root: &Path, args: &[&str], color: bool) -> Run {
    let mut cmd = Command::cargo_bin("maillint").unwrap();
    cmd.current_dir(MANIFEST)
        .env("MAILLINT_NOW", "1795392000")
        .timeout(Duration::from_secs(60))
        .arg(root)
        .args(args);
    if color {
        cmd.env_remove("NO_COLOR").env("CLICOLOR_FORCE", "1");
    } else {
        cmd.env("NO_COLOR", "1").env_remove("CLICOLOR_FORCE");
    }
    let out = cmd.output().unwrap();
    let code = out.status.code().expect("maillint exits");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        code == 0 || code == 1,
        "maillint {args:?} exited {code}:\n{stderr}"
    );
    Run {
        stdout: out.stdout,
        stderr: out.stderr,
    }
}

fn run(root: &Path, args: &[&str]) -> Run {
    run_env(root, args, false)
}

/// The control and bidi characters of `text` (see `report::escape`), except the line breaks
/// maillint writes (and the tabs between the columns of the statistics table).
fn raw_controls(text: &str, tabs_allowed: bool) -> Vec<char> {
    text.chars()
        .filter(|&c| is_unsafe(c) && c != '\n' && !(tabs_allowed && c == '\t'))
        .collect()
}

/// `text` without the SGR colour sequences (`ESC [ digits ; … m`) maillint writes itself.
fn strip_sgr(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("\x1b[") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let len = after
            .find(|c: char| !(c.is_ascii_digit() || c == ';'))
            .unwrap_or(after.len());
        if after[len..].starts_with('m') {
            rest = &after[len + 1..];
        } else {
            // Not a colour: keep the ESC so that the check sees it.
            out.push('\x1b');
            rest = &rest[i + 1..];
        }
    }
    out.push_str(rest);
    out
}

/// Runs every mode and asserts that no raw control character is printed.
fn assert_no_raw_controls(root: &Path) {
    for (args, stream) in MODES {
        let r = run(root, args);
        let text = r.text(stream);
        let tabs = args.contains(&"--statistics") && !args.contains(&"json");
        let bad = raw_controls(&text, tabs);
        assert!(
            bad.is_empty(),
            "maillint {args:?} printed raw {bad:?} on {stream}:\n{text}"
        );
        // Messages on the other stream too (summaries, notes).
        let other = if *stream == "stdout" {
            "stderr"
        } else {
            "stdout"
        };
        if other == "stderr" || !args.contains(&"--dry-run") {
            let text = r.text(other);
            let bad = raw_controls(&text, false);
            assert!(
                bad.is_empty(),
                "maillint {args:?} printed raw {bad:?} on {other}:\n{text}"
            );
        }
    }
    // With colour forced, the only escapes are maillint's own colours.
    for args in [&["--format", "full"][..], &["--format", "concise"]] {
        let r = run_env(root, args, true);
        let text = strip_sgr(&r.text("stdout"));
        let bad = raw_controls(&text, false);
        assert!(
            bad.is_empty(),
            "maillint {args:?} with colour printed raw {bad:?}:\n{text}"
        );
    }
}

/// A copy of testdata/exchange.
fn exchange() -> (TempDir, std::path::PathBuf) {
    let tmp = TempDir::new().unwrap();
    let root = tmp.path().join("exchange");
    common::copy_tree(&Path::new(MANIFEST).join("testdata/exchange"), &root);
    (tmp, root)
}

/// A maildir named `name` (raw bytes) under bob's example.com mail directory: it has no mail
/// account, so MBX003 names it; a symlink of the same name in alice's `cur/` is CP006.
fn plant_maildir(root: &Path, name: &[u8]) {
    let dir = root
        .join("home/bob/mail/example.com")
        .join(std::ffi::OsStr::from_bytes(name));
    fs::create_dir_all(dir.join("cur")).unwrap();
    fs::create_dir_all(dir.join("new")).unwrap();
    let cur = root.join("home/bob/mail/example.com/alice/cur");
    fs::create_dir_all(&cur).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", cur.join(std::ffi::OsStr::from_bytes(name))).unwrap();
}

/// Appends a raw line to etc/localdomains.
fn plant_list_line(root: &Path, line: &[u8]) {
    let path = root.join("etc/localdomains");
    let mut bytes = fs::read(&path).unwrap();
    bytes.extend_from_slice(line);
    bytes.push(b'\n');
    fs::write(path, bytes).unwrap();
}

/// Text as a zone-file character-string: `\DDD` for everything but printable ASCII.
fn zone_string(bytes: &[u8]) -> String {
    let mut s = String::from("\"");
    for &b in bytes {
        if (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\' && b != b';' {
            s.push(b as char);
        } else {
            s.push_str(&format!("\\{b:03}"));
        }
    }
    s.push('"');
    s
}

/// Replaces the apex SPF record and the DMARC record of example.com with ones that carry
/// `payload` where the parsers quote it back (an SPF term, a DMARC `p=` value).
fn plant_records(root: &Path, payload: &[u8]) {
    let path = root.join("var/named/example.com.db");
    let zone = fs::read_to_string(&path).unwrap();
    let mut spf = b"v=spf1 +a +mx ".to_vec();
    spf.extend_from_slice(payload);
    spf.extend_from_slice(b" ~all");
    let mut dmarc = b"v=DMARC1; p=".to_vec();
    dmarc.extend_from_slice(payload);
    let zone = zone
        .replace("\"v=spf1 +a +mx +ip4:192.0.2.10 ~all\"", &zone_string(&spf))
        .replace("\"v=DMARC1\\; p=quarantine\\;\"", &zone_string(&dmarc));
    fs::write(path, zone).unwrap();
}

// ---------------------------------------------------------------------------------------------
// Concrete cases

/// A newline in a maildir name cannot start a line of its own. (A file name cannot hold `/`, so
/// the forged line names a path without one; the DMARC case below forges the full one.)
#[test]
fn a_newline_in_a_maildir_name_forges_no_finding_line() {
    let (_tmp, root) = exchange();
    let forged = "\nlocaldomains:1:1: RT001 [error] forged";
    plant_maildir(&root, format!("x{forged}").as_bytes());
    let r = run(&root, &["--format", "concise"]);
    let out = r.text("stdout");
    assert!(
        out.lines().all(|l| !l.starts_with("localdomains:1:1:")),
        "a forged finding line:\n{out}"
    );
    assert!(
        out.contains(
            "home/bob/mail/example.com/x\\nlocaldomains:1:1: RT001 [error] forged:1:1: MBX003 [warning] x\\nlocaldomains:1:1: RT001 [error] forged@example.com has a mailbox directory but no mail account"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "home/bob/mail/example.com/alice/cur/x\\nlocaldomains:1:1: RT001 [error] forged:1:1: CP006 [warning]"
        ),
        "{out}"
    );
    let full = run(&root, &[]).text("stdout");
    assert!(
        full.lines().all(|l| !l.starts_with("localdomains:1:1:")),
        "{full}"
    );
    assert!(
        full.contains("warning[MBX003]: x\\nlocaldomains:1:1: RT001 [error] forged@example.com"),
        "{full}"
    );
    let github = run(&root, &["--format", "github"]).text("stdout");
    assert!(
        github.lines().all(|l| l.starts_with("::")),
        "a line that is no workflow command:\n{github}"
    );
    assert_no_raw_controls(&root);
}

/// An OSC sequence in a maildir name (it would set the terminal's title, and worse) is shown as
/// text.
#[test]
fn an_escape_sequence_in_a_maildir_name_never_reaches_the_terminal() {
    let (_tmp, root) = exchange();
    plant_maildir(&root, b"\x1b]0;pwned\x07");
    for args in [&["--format", "concise"][..], &["--format", "full"]] {
        let r = run(&root, args);
        assert!(!r.stdout.contains(&0x1b), "{args:?}");
        assert!(!r.stdout.contains(&0x07), "{args:?}");
        let out = r.text("stdout");
        assert!(
            out.contains("\\x1b]0;pwned\\x07@example.com has a mailbox directory"),
            "{out}"
        );
    }
    // JSON keeps the name (escaped by JSON itself), so programs see the real bytes.
    let r = run(&root, &["--format", "json"]);
    assert!(!r.stdout.contains(&0x1b) && !r.stdout.contains(&0x07));
    let doc: Value = serde_json::from_slice(&r.stdout).unwrap();
    assert!(
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "MBX003"
                && f["message"]
                    .as_str()
                    .unwrap()
                    .starts_with("\x1b]0;pwned\x07@example.com")),
        "{doc}"
    );
    assert_no_raw_controls(&root);
}

/// The exact forged line, in a DMARC record (`\010` is a newline in a zone file): DMARC002
/// quotes the bad `p=` value.
#[test]
fn a_forged_line_in_a_dmarc_record_stays_on_its_line() {
    let (_tmp, root) = exchange();
    plant_records(&root, b"x\n/etc/localdomains:1:1: RT001 [error] forged");
    for args in [
        &["--format", "concise"][..],
        &["--format", "full"],
        &["--format", "github"],
    ] {
        let out = run(&root, args).text("stdout");
        assert!(
            out.lines()
                .all(|l| !l.starts_with("/etc/localdomains:1:1:")),
            "maillint {args:?} printed a forged line:\n{out}"
        );
        assert!(out.contains("x\\n/etc/localdomains:1:1: RT001"), "{out}");
    }
    assert_no_raw_controls(&root);
}

/// A domain-list line with an escape sequence and a CR: the snippet shows both as escapes, and
/// the underline still points at the offending character.
#[test]
fn a_snippet_line_with_escapes_is_shown_escaped_and_underlined_right() {
    let (_tmp, root) = exchange();
    plant_list_line(&root, b"ex\x1b[31mample.net\r");
    let full = run(&root, &["--format", "full"]).text("stdout");
    let at = full
        .find("error[CP001]: cannot parse etc/localdomains")
        .unwrap_or_else(|| panic!("{full}"));
    let block: Vec<&str> = full[at..].lines().take(5).collect();
    assert_eq!(
        block[1..5],
        [
            " --> etc/localdomains:6:3",
            "  |",
            "6 | ex\\x1b[31mample.net\\r",
            "  |   ^^^^",
        ],
        "{full}"
    );
    assert_no_raw_controls(&root);
}

/// Bidi overrides (the "Trojan Source" trick) and C1 controls are escaped too.
#[test]
fn bidi_overrides_and_c1_controls_are_escaped() {
    let (_tmp, root) = exchange();
    plant_maildir(&root, "abc\u{202e}lmx.\u{2066}\u{9b}31m".as_bytes());
    let out = run(&root, &["--format", "concise"]).text("stdout");
    assert!(
        out.contains("abc\\u{202e}lmx.\\u{2066}\\u{9b}31m@example.com"),
        "{out}"
    );
    assert_no_raw_controls(&root);
}

/// On a terminal, the `--dry-run` diff shows the tree's control characters as escapes (piped,
/// it holds the exact bytes `patch` needs: see the other tests).
#[test]
fn the_dry_run_diff_is_escaped_on_a_terminal_only() {
    let (_tmp, root) = exchange();
    // CP003 rewrites a list line with a trailing space; the diff shows the line's bytes.
    plant_list_line(&root, b"Example.NET \x1b[2J");
    let piped = run(&root, &["--fix", "--dry-run"]);
    assert!(
        piped.stdout.windows(4).any(|w| w == b"\x1b[2J"),
        "the piped diff must hold the bytes as they are:\n{}",
        String::from_utf8_lossy(&piped.stdout)
    );
    let bin = assert_cmd::cargo::cargo_bin("maillint");
    let cmd = format!(
        "NO_COLOR=1 MAILLINT_NOW=1795392000 {} {} --fix --dry-run 2>/dev/null",
        bin.display(),
        root.display()
    );
    let out = std::process::Command::new("timeout")
        .args(["60", "script", "-qec", &cmd, "/dev/null"])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("`script` (util-linux) runs a command on a pseudo-terminal");
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("--- a/etc/localdomains"), "{shown}");
    assert!(shown.contains("Example.NET \\x1b[2J"), "{shown}");
    assert!(!shown.contains('\x1b'), "{shown:?}");
}

// ---------------------------------------------------------------------------------------------
// Property tests

/// Bytes of a file name: anything but `/` and NUL, with control bytes, bytes of invalid UTF-8
/// and the UTF-8 of C1 and bidi controls well represented.
fn name_bytes() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        3 => (1u8..=0x7f).prop_filter("no slash", |b| *b != b'/').prop_map(|b| vec![b]),
        2 => (1u8..0x20).prop_map(|b| vec![b]),
        1 => (0x80u8..=0xff).prop_map(|b| vec![b]),
        1 => prop::sample::select(vec![
            "\u{9b}", "\u{85}", "\u{202e}", "\u{2066}", "\u{2069}", "\u{200f}", "\u{2028}",
            "\u{feff}", "\u{61c}", "\u{7f}",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
    ];
    prop::collection::vec(piece, 1..12)
        .prop_map(|v| v.concat())
        .prop_filter("a real name", |n| {
            n != b"." && n != b".." && n.first() != Some(&b'.') && n.len() < 200
        })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(12),
        ..ProptestConfig::default()
    })]

    /// Any bytes in a maildir name, a domain-list line and a zone TXT record: no format prints a
    /// raw control character.
    #[test]
    fn hostile_bytes_in_the_tree_never_print_raw_controls(
        name in name_bytes(),
        line in name_bytes(),
        txt in name_bytes(),
    ) {
        let (_tmp, root) = exchange();
        plant_maildir(&root, &name);
        plant_list_line(&root, &line);
        plant_records(&root, &txt);
        assert_no_raw_controls(&root);
        // The planted mailbox is reported (the test would otherwise check nothing).
        let doc: Value = serde_json::from_slice(&run(&root, &["--format", "json"]).stdout).unwrap();
        let codes: Vec<&str> = doc["findings"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap()).collect();
        prop_assert!(codes.contains(&"CP006"), "{codes:?}");
    }
}

/// Any text, in every field of a finding and in the file it points at.
fn any_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            3 => any::<char>(),
            2 => (0u32..0x20).prop_map(|c| char::from_u32(c).unwrap()),
            1 => (0x7fu32..0xa0).prop_map(|c| char::from_u32(c).unwrap()),
            1 => prop::sample::select(vec!['\u{202a}', '\u{202e}', '\u{2066}', '\u{2069}', '\u{200e}', '\u{2029}', '\u{feff}']),
        ],
        0..30,
    )
    .prop_map(|v| v.into_iter().collect())
}

fn render(format: Format, finding: &Finding, files: &Files, color: bool) -> String {
    let findings = std::slice::from_ref(finding);
    let mut out = Vec::new();
    let report = Report {
        root: "/srv/tree",
        findings,
        files,
        summary: Summary::new(findings, 1, 1, files.len()),
        color,
        unsafe_fixes: false,
        baseline: None,
    };
    report::write(format, &report, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// A span of `text` between two character boundaries near `a` and `b`.
fn span_in(text: &str, a: usize, b: usize) -> Span {
    let fix = |mut i: usize| {
        i = i.min(text.len());
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let (a, b) = (fix(a), fix(b));
    Span::new(a.min(b), a.max(b))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn findings_with_any_text_render_without_raw_controls(
        path in any_text(),
        content in prop::collection::vec(any::<u8>(), 0..120),
        message in any_text(),
        label in any_text(),
        note in any_text(),
        related in any_text(),
        fix_message in any_text(),
        edit in any_text(),
        command in any_text(),
        (a, b, c, d) in (0usize..130, 0usize..130, 0usize..130, 0usize..130),
        color in any::<bool>(),
    ) {
        let path = if path.is_empty() { "f".to_string() } else { path };
        let src = SourceFile::new(path.clone(), content);
        let text = src.text().to_string();
        let mut files = Files::new();
        files.insert(Arc::new(src));
        let finding = Finding::new(&maillint::rules::routing::RT001, message.clone())
            .at(Loc::new(path.clone(), span_in(&text, a, b)))
            .domain("example.com")
            .label(label)
            .note(note)
            .help(related.clone())
            .related(Loc::new(path.clone(), span_in(&text, c, d)), related.clone())
            .related(Loc::new(format!("{path}.other"), Span::at(0)), related)
            .fix(
                Fix::unsafe_(fix_message)
                    .edit(Edit::replace(path.clone(), span_in(&text, c, d), edit.clone()))
                    .edit(Edit::insert(format!("{path}.new"), 0, edit))
                    .remove(path.clone())
                    .command(command),
            );
        for format in [Format::Full, Format::Concise, Format::Github] {
            let out = render(format, &finding, &files, color);
            let out = if color { strip_sgr(&out) } else { out };
            let bad = raw_controls(&out, false);
            prop_assert!(bad.is_empty(), "{format:?} printed raw {bad:?}:\n{out}");
        }
        for format in [Format::Json, Format::JsonLines, Format::Sarif] {
            let out = render(format, &finding, &files, false);
            let bad = raw_controls(&out, false);
            prop_assert!(bad.is_empty(), "{format:?} printed raw {bad:?}:\n{out}");
            // The value is the same text: JSON escapes are decoded by every reader.
            let first = out.lines().next().unwrap_or("");
            let doc: Value = serde_json::from_str(if format == Format::JsonLines { first } else { &out }).unwrap();
            let got = match format {
                Format::Json => &doc["findings"][0]["message"],
                Format::JsonLines => &doc["message"],
                _ => &doc["runs"][0]["results"][0]["message"]["text"],
            };
            prop_assert_eq!(got.as_str().unwrap(), message.as_str());
        }
    }
}
