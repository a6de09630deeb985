//! The Exim parser against real configurations: Exim's own test suite (with Exim 4.96's verdict
//! on each file), Debian's template, Exim's default configuration and a real cPanel exim.conf.

mod common;

use common::corpus_dir;
use maillint::parse::exim::{self, Config, IncludeOutcome, IncludeRequest, LineKind};
use maillint::parse::{check_tiling, render};
use maillint::source::SourceFile;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn exim_dir() -> PathBuf {
    corpus_dir().join("exim")
}

/// Every regular file under `dir`, recursively, sorted. Symbolic links are followed on purpose:
/// Exim's test suite keeps some configurations as links to sibling configurations, and each is a
/// configuration of its own name (the harness reads it by that name).
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.is_file() && !common::is_corpus_document(&p) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn source(path: &Path, rel: &str) -> SourceFile {
    SourceFile::new(rel, std::fs::read(path).unwrap())
}

/// The sibling a configuration stands for when Exim's repository keeps it as a symbolic link:
/// read from the link, or, in a copy made without symlink support (git's `core.symlinks=false`),
/// from the small regular file that holds only the target's name. `None` for a configuration of
/// its own.
fn link_target(path: &Path) -> Option<String> {
    if let Ok(target) = std::fs::read_link(path) {
        return Some(target.to_string_lossy().into_owned());
    }
    let bytes = std::fs::read(path).ok()?;
    let name = std::str::from_utf8(&bytes).ok()?;
    let sibling =
        !name.is_empty() && !name.contains(['/', '\n', ' ']) && path.with_file_name(name).is_file();
    sibling.then(|| name.to_string())
}

#[test]
fn every_corpus_file_round_trips() {
    let ex = exim_dir();
    let mut files = files_under(&ex.join("testsuite/confs"));
    let confs = files.len();
    // Every configuration Exim's verdicts are about is here (the oracle names each one that is
    // not a link).
    for name in oracle().keys() {
        let p = ex.join("testsuite/confs").join(name);
        assert!(
            files.contains(&p),
            "{name} of the oracle is not under confs/"
        );
    }
    files.push(ex.join("testsuite/configure.default"));
    files.extend(files_under(&ex.join("testsuite/aux")));
    files.push(ex.join("debian/exim4.conf.template"));
    files.extend(files_under(&ex.join("cpanel")));
    let mut statements = 0;
    for p in &files {
        let src = source(p, &p.display().to_string());
        let doc = exim::parse(&src);
        check_tiling(&doc, &src).unwrap();
        assert_eq!(render(&doc, &src), src.bytes(), "{}", p.display());
        // Each statement starts at one content line (its further lines are continuations).
        let starts = doc
            .lines
            .iter()
            .filter(|l| l.kind == LineKind::Content)
            .count();
        assert_eq!(doc.statements.len(), starts, "{}", p.display());
        statements += doc.statements.len();
    }
    // Nearly every file holds options; a few only `.include` others.
    assert!(statements > files.len(), "{statements} statements");
    println!(
        "{} files round-trip ({confs} under confs/), {statements} statements",
        files.len()
    );
}

/// The substitution of the test harness that matters for syntax: the oracle replaced the
/// placeholder `V4NET` (which occurs in ACL names of 0023 and 0308) with a dotted dummy value.
fn runtest_substitute(bytes: Vec<u8>) -> Vec<u8> {
    let text = String::from_utf8_lossy(&bytes);
    if !text.contains("V4NET") {
        return bytes;
    }
    text.replace("V4NET", "10.").into_bytes()
}

/// Loads a test-suite configuration: `DIR/aux-var/X` and `DIR/aux-fixed/X` are read from
/// `testsuite/aux/X`, `DIR/confs/X` from `testsuite/confs/X`; anything else is not found.
fn load_testsuite(name: &str) -> Config {
    let ts = exim_dir().join("testsuite");
    let main = SourceFile::new(
        format!("testsuite/confs/{name}"),
        runtest_substitute(std::fs::read(ts.join("confs").join(name)).unwrap()),
    );
    let mut resolve = |req: &IncludeRequest| {
        let p = req.path.as_str();
        let target = if let Some(x) = p
            .strip_prefix("DIR/aux-var/")
            .or_else(|| p.strip_prefix("DIR/aux-fixed/"))
        {
            ("aux", x)
        } else if let Some(x) = p.strip_prefix("DIR/confs/") {
            ("confs", x)
        } else {
            return IncludeOutcome::NotFound;
        };
        let path = ts.join(target.0).join(target.1);
        match std::fs::read(&path) {
            Ok(b) => IncludeOutcome::Found(SourceFile::new(
                format!("testsuite/{}/{}", target.0, target.1),
                runtest_substitute(b),
            )),
            Err(_) => IncludeOutcome::NotFound,
        }
    };
    exim::load(main, &mut resolve)
}

struct Verdict {
    ok: bool,
    line: Option<usize>,
    message: String,
}

fn oracle() -> BTreeMap<String, Verdict> {
    let text =
        std::fs::read_to_string(exim_dir().join("testsuite/ORACLE-debian-exim4-4.96.tsv")).unwrap();
    let mut out = BTreeMap::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let mut f = line.splitn(3, '\t');
        let (name, result, message) =
            (f.next().unwrap(), f.next().unwrap(), f.next().unwrap_or(""));
        let line = message
            .split_once("in line ")
            .and_then(|(_, r)| r.split(':').next())
            .and_then(|n| n.trim().parse().ok());
        out.insert(
            name.to_string(),
            Verdict {
                ok: result == "OK",
                line,
                message: message.trim().to_string(),
            },
        );
    }
    out
}

fn describe(cfg: &Config) -> Vec<String> {
    cfg.errors()
        .map(|e| {
            let (path, lc) = cfg.position(e.loc);
            format!("{path}:{lc}: {}", e.message)
        })
        .collect()
}

/// Whether an error of `cfg` is at 1-based line `line` of some file, or in a logical statement
/// that ends on that line (Exim reports the last line of a logical line).
fn has_error_at(cfg: &Config, line: usize) -> bool {
    cfg.errors().any(|e| {
        let f = &cfg.files[e.loc.file];
        let l = f.source.line_index(e.loc.span.start as usize);
        if l + 1 == line {
            return true;
        }
        match f.parsed.statement_of_line(l) {
            Some(s) => s.lines.last().is_some_and(|&last| last + 1 == line),
            None => false,
        }
    })
}

#[test]
fn oracle_verdicts() {
    let oracle = oracle();
    // The oracle judged every configuration of confs/ but the links, which it judged through
    // their targets; and nothing else.
    let confs = exim_dir().join("testsuite/confs");
    for name in oracle.keys() {
        let p = confs.join(name);
        assert!(
            p.is_file() && link_target(&p).is_none(),
            "{name}: the oracle judges it, but it is not a configuration of confs/"
        );
    }
    for e in std::fs::read_dir(&confs).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_str().unwrap().to_string();
        if p.is_dir() || oracle.contains_key(&name) {
            continue;
        }
        // A link may name another link (4504 -> 4503 -> 4500): follow it to a configuration.
        let mut target = link_target(&p);
        for _ in 0..8 {
            match target.as_deref().and_then(|t| link_target(&confs.join(t))) {
                Some(next) => target = Some(next),
                None => break,
            }
        }
        assert!(
            target.as_ref().is_some_and(|t| oracle.contains_key(t)),
            "{name}: no verdict in the oracle, and not a link to a configuration with one \
             ({target:?})"
        );
    }
    let mut false_errors = Vec::new();
    let mut accepted = 0;
    let mut detected = Vec::new();
    let mut missed = Vec::new();
    for (name, v) in &oracle {
        let cfg = load_testsuite(name);
        let errors = describe(&cfg);
        if v.ok {
            if errors.is_empty() {
                accepted += 1;
            } else {
                false_errors.push(format!("{name}: {}", errors.join(" | ")));
            }
            continue;
        }
        let hit = match v.line {
            Some(l) => has_error_at(&cfg, l),
            None => !errors.is_empty(),
        };
        let missing: Vec<String> = cfg.missing_includes().map(|i| i.path.clone()).collect();
        if hit {
            detected.push(format!("{name}  {}  <- {}", v.message, errors.join(" | ")));
        } else if !missing.is_empty() {
            detected.push(format!(
                "{name}  {}  <- missing include {missing:?}",
                v.message
            ));
        } else {
            missed.push(format!("{name}  {}  (ours: {errors:?})", v.message));
        }
    }
    println!("OK confs with zero errors: {accepted}");
    println!("FAIL confs detected: {}", detected.len());
    for d in &detected {
        println!("  detected {d}");
    }
    println!("FAIL confs not detected: {}", missed.len());
    for m in &missed {
        println!("  missed   {m}");
    }
    assert!(
        false_errors.is_empty(),
        "{} configurations Exim 4.96 accepts have errors:\n{}",
        false_errors.len(),
        false_errors.join("\n")
    );
    // The deliberately broken configurations, at Exim's line.
    for name in [
        "0013", "0148", "0236", "0308", "0023", "0348", "0951", "0952", "4028", "4029", "9000",
        "9350",
    ] {
        assert!(
            detected.iter().any(|d| d.starts_with(name)),
            "{name} not detected"
        );
    }
}

fn load_plain(path: &Path, rel: &str) -> Config {
    let mut resolve = |_: &IncludeRequest| IncludeOutcome::NotFound;
    exim::load(source(path, rel), &mut resolve)
}

#[test]
fn debian_template_and_default_configuration_have_no_errors() {
    let ex = exim_dir();
    for (p, rel) in [
        (
            ex.join("debian/exim4.conf.template"),
            "etc/exim4/exim4.conf.template",
        ),
        (ex.join("testsuite/configure.default"), "etc/exim/configure"),
    ] {
        let cfg = load_plain(&p, rel);
        assert!(cfg.errors.is_empty(), "{rel}: {:?}", describe(&cfg));
        assert!(
            !cfg.routers().is_empty() && !cfg.transports().is_empty(),
            "{rel}"
        );
    }
}

fn cpanel() -> Config {
    let p = exim_dir().join("cpanel/moko879_exim_forwarding__exim.conf");
    let mut resolve = |req: &IncludeRequest| {
        assert_eq!(req.path, "/var/cpanel/exim_hidden/srs_config");
        assert!(req.if_exists);
        IncludeOutcome::NotFound
    };
    exim::load(source(&p, "etc/exim.conf"), &mut resolve)
}

#[test]
fn cpanel_exim_conf_has_exactly_its_one_error() {
    let cfg = cpanel();
    let errors = describe(&cfg);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let e = &cfg.errors[0];
    let (path, lc) = cfg.position(e.loc);
    assert_eq!(path, "etc/exim.conf");
    assert_eq!(lc.line, 2240);
    assert_eq!(
        e.message,
        "extra characters after the quoted value of `address_data`"
    );
    let help = e.help.as_deref().unwrap();
    assert!(help.contains("ends at line 2238"), "{help}");
    assert!(help.contains("a `\\` may be missing"), "{help}");
    // The error is in router expiring_aliases.
    let r = cfg
        .routers()
        .iter()
        .find(|r| r.name == "expiring_aliases")
        .unwrap();
    assert!(r.loc.span.start < e.loc.span.start);
}

#[test]
fn cpanel_exim_conf_typed_content() {
    let cfg = cpanel();
    // 3294 newlines; the last line has none.
    assert_eq!(cfg.files[0].source.line_count(), 3295);
    // Main options.
    let o = cfg.main_option("daemon_smtp_ports").unwrap();
    assert_eq!(o.value.as_deref(), Some("25 : 465 : 587"));
    let banner = cfg.main_option("smtp_banner").unwrap();
    assert!(banner.quoted);
    assert!(
        !banner.value.as_deref().unwrap().contains('\\'),
        "{banner:?}"
    );
    assert_eq!(
        cfg.main_option("chunking_advertise_hosts")
            .unwrap()
            .value
            .as_deref(),
        Some("")
    );
    assert_eq!(
        cfg.main_option("acl_smtp_rcpt").unwrap().value.as_deref(),
        Some("acl_smtp_rcpt")
    );
    // Named lists.
    let ld = cfg
        .named_list(exim::ListKind::Domain, "local_domains")
        .unwrap();
    assert_eq!(ld.value, "lsearch;/etc/localdomains");
    assert_eq!(cfg.text(ld.value_loc), "lsearch;/etc/localdomains");
    assert!(cfg.named_list(exim::ListKind::Host, "loopback").is_some());
    // Sections and drivers.
    let names: Vec<&str> = cfg.routers().iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names.first(), Some(&"blackhole_dovenull"));
    assert_eq!(names.last(), Some(&"localuser"));
    assert!(!names.contains(&"srs_router"), "inside .ifdef SRSENABLED");
    let cmp = cfg
        .routers()
        .iter()
        .find(|r| r.name == "check_mail_permissions")
        .unwrap();
    assert!(cmp.options_named("condition").count() >= 1);
    assert!(cmp.driver.is_some());
    let t: Vec<&str> = cfg.transports().iter().map(|r| r.name.as_str()).collect();
    assert!(
        t.contains(&"remote_smtp") && t.contains(&"dovecot_virtual_delivery"),
        "{t:?}"
    );
    let a: Vec<&str> = cfg
        .authenticators()
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(a, vec!["dovecot_plain", "dovecot_login"]);
    // ACLs: values are not dequoted.
    let rcpt = cfg.acl("acl_smtp_rcpt").unwrap();
    assert!(!rcpt.statements.is_empty());
    assert!(cfg.acls().len() >= 17);
    let quoted_log = cfg
        .acls()
        .iter()
        .flat_map(|a| a.statements.iter())
        .flat_map(|s| s.items.iter())
        .any(|i| i.name == "log_message" && i.value.as_deref().is_some_and(|v| v.starts_with('"')));
    assert!(quoted_log);
    // Retry rules.
    assert_eq!(cfg.retry_rules.len(), 2);
    assert_eq!(cfg.retry_rules[0].pattern, "+secondarymx");
    assert_eq!(cfg.retry_rules[0].params.len(), 3);
    assert_eq!(cfg.retry_rules[0].params[1].factor, Some(1.5));
    // The SRS include is optional and absent.
    assert_eq!(cfg.includes.len(), 1);
    assert_eq!(cfg.missing_includes().count(), 0);
    // Comments inside statements and `.ifdef` around options.
    let lines = &cfg.files[0].parsed.lines;
    assert!(lines.iter().any(|l| l.kind == LineKind::Continuation));
}

#[test]
fn cpanel_parse_and_load_are_fast() {
    let p = exim_dir().join("cpanel/moko879_exim_forwarding__exim.conf");
    let bytes = std::fs::read(&p).unwrap();
    let start = std::time::Instant::now();
    let n = 20;
    for _ in 0..n {
        let mut resolve = |_: &IncludeRequest| IncludeOutcome::NotFound;
        let cfg = exim::load(
            SourceFile::new("etc/exim.conf", bytes.clone()),
            &mut resolve,
        );
        assert_eq!(cfg.errors.len(), 1);
    }
    let per = start.elapsed() / n;
    println!("parse + load of the cPanel exim.conf: {per:?} per run");
    // A hang guard only: BENCHMARKS.md measures the speed.
    assert!(per < std::time::Duration::from_secs(60), "{per:?}");
}
