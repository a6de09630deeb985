//! Every parser is lossless: printing the parsed document gives the input back byte for byte,
//! for every file of the example trees of `testdata/` (each read with the parser the model uses
//! for its path) and for every file of the corpus of real files (`testdata/corpus`).

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use maillint::parse::{
    self, Lossless, colonmap, domainlist, exim, filter, iplist, keyvalue, mailacct, maildirsize,
    render, userdata, valiases, zone,
};
use maillint::source::SourceFile;

/// Parses a file with the parser for its path (relative to a server root) and renders it back;
/// `None` for files no parser reads (mail messages, caches, maillint.toml).
fn render_by_path(path: &str, src: &SourceFile) -> Option<Vec<u8>> {
    fn out(doc: &dyn Lossless, src: &SourceFile) -> Vec<u8> {
        parse::check_tiling(doc, src).unwrap();
        parse::render(doc, src)
    }
    let parts: Vec<&str> = path.split('/').collect();
    let name = *parts.last().unwrap();
    Some(match parts.as_slice() {
        ["etc", "localdomains" | "remotedomains" | "secondarymx"] => {
            out(&domainlist::parse(src), src)
        }
        [
            "etc",
            "userdomains" | "trueuserdomains" | "domainusers" | "manualmx" | "mailips" | "mailhelo"
            | "trueuserowners" | "eximrejects",
        ] => out(&colonmap::parse(src), src),
        ["var", "cpanel", "users", _]
        | ["var", "cpanel", "cpanel.config"]
        | ["etc", "exim.conf.localopts" | "exim.conf.localopts.shadow"] => {
            out(&keyvalue::parse(src, keyvalue::Dialect::Equals), src)
        }
        ["etc", "wwwacct.conf"] => out(&keyvalue::parse(src, keyvalue::Dialect::Space), src),
        ["var", "cpanel", "mainip"] | ["etc", "ips.remotemail"] => {
            out(&iplist::parse(src, iplist::Dialect::List), src)
        }
        ["etc", "ips"] => out(&iplist::parse(src, iplist::Dialect::Ips), src),
        ["var", "cpanel", "cpnat"] => out(&iplist::parse(src, iplist::Dialect::Cpnat), src),
        ["var", "cpanel", "userdata", _, _] => out(&userdata::parse(src), src),
        ["etc", "vfilters", _] | [.., "etc", "filter"] | [.., "etc", _, _, "filter"] => {
            out(&filter::parse(src), src)
        }
        ["etc", "valiases", _] => out(&valiases::parse(src, valiases::Flavor::Valiases), src),
        ["etc", "vdomainaliases", _] => {
            out(&valiases::parse(src, valiases::Flavor::VdomainAliases), src)
        }
        [.., "etc", _, "passwd"] => out(&mailacct::parse_passwd(src), src),
        [.., "etc", _, "shadow"] => out(&mailacct::parse_shadow(src), src),
        [.., "etc", _, "quota"] => out(&mailacct::parse_quota(src), src),
        ["var", "named", zone] => out(&zone::parse(src, zone.trim_end_matches(".db")), src),
        ["etc", "exim.conf"] => out(&exim::parse(src), src),
        ["etc", "exim.conf.local"] => out(&exim::local::parse(src), src),
        // Only the names of these mean something (cPanel's "Exim on another port").
        ["etc", "chkserv.d", _] => return None,
        ["etc", "maillint.toml"] | ["var", "cpanel", "users.cache", _] => return None,
        // Mail logs are streamed for evidence, never edited (tests/logs.rs, tests/parse_eximlog.rs).
        ["var", "log", _] => return None,
        // DKIM public keys are decoded, never edited: the PEM parser keeps spans, not a document.
        ["var", "cpanel", "domain_keys", "public" | "private", _] => return None,
        [.., "mail", _, _, "cur" | "new" | "tmp", _] => return None,
        [.., "maildirsize"] => out(&maildirsize::parse(src), src),
        // Other mail contents: messages of folders and of the default mailbox, mbox and mdbox.
        _ if parts.contains(&"mail") => return None,
        _ if name == ".gitkeep" => return None,
        _ => panic!("{path}: no parser reads this file; map it in render_by_path"),
    })
}

fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out: Vec<_> = walkdir::WalkDir::new(dir)
        .follow_links(false)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect();
    out.sort();
    out
}

#[test]
fn every_testdata_file_round_trips() {
    let base = common::testdata_dir();
    let mut parsed = 0;
    // The trees, and the trees grouped in a directory (testdata/exim/*).
    let mut trees = Vec::new();
    for tree in std::fs::read_dir(&base).unwrap() {
        let tree = tree.unwrap().path();
        // The corpus is not a server tree: `every_corpus_file_round_trips` reads it.
        if !tree.is_dir() || tree.ends_with("corpus") {
            continue;
        }
        if tree.join("etc").is_dir() || tree.join("var").is_dir() {
            trees.push(tree);
        } else {
            // Files beside the grouped trees (testdata/logs-src: the generator of testdata/logs'
            // logs) are no trees.
            for sub in std::fs::read_dir(&tree).unwrap() {
                let sub = sub.unwrap().path();
                if sub.is_dir() {
                    trees.push(sub);
                }
            }
        }
    }
    trees.sort();
    for tree in trees {
        // The rule cases' case.toml files describe a case; the trees beside them are read.
        for file in files_under(&tree)
            .into_iter()
            .filter(|f| !f.ends_with("case.toml"))
        {
            let rel = file
                .strip_prefix(&tree)
                .unwrap()
                .to_str()
                .unwrap()
                .to_string();
            let bytes = std::fs::read(&file).unwrap();
            let src = SourceFile::new(rel.clone(), bytes.clone());
            if let Some(rendered) = render_by_path(&rel, &src) {
                assert!(
                    rendered == bytes,
                    "{}: not reproduced byte for byte",
                    file.display()
                );
                parsed += 1;
            }
        }
    }
    assert!(parsed > 100, "only {parsed} testdata files parsed");
}

/// The regular files and the symbolic links under `dir` (links not followed), each sorted.
fn files_and_links_under(dir: &Path) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let (mut files, mut links) = (Vec::new(), Vec::new());
    for e in walkdir::WalkDir::new(dir).follow_links(false) {
        let e = e.unwrap();
        if e.file_type().is_symlink() {
            links.push(e.into_path());
        } else if e.file_type().is_file() {
            files.push(e.into_path());
        }
    }
    files.sort();
    links.sort();
    (files, links)
}

/// The configurations of Exim's test suite that Exim 4.96 judged (the first column of the
/// oracle), as corpus paths `exim/testsuite/confs/NAME`.
fn oracle_confs(corpus: &Path) -> Vec<String> {
    let tsv = corpus.join("exim/testsuite/ORACLE-debian-exim4-4.96.tsv");
    let text = std::fs::read_to_string(&tsv)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", tsv.display()));
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| format!("exim/testsuite/confs/{}", l.split('\t').next().unwrap()))
        .collect()
}

/// Every file of the corpus is parsed and printed back, except its documents (SOURCES.md, licence
/// texts, the oracle) and the JSON samples, which no parser of maillint reads. Symbolic links are
/// skipped deliberately: Exim's repository keeps 89 test configurations as links to sibling
/// configurations, and a link's bytes are its target's, which is round-tripped under its own
/// name. A copy without symlink support (git's `core.symlinks=false`) holds each link as a small
/// file naming its target; such a file is a regular file here and is round-tripped too.
#[test]
fn every_corpus_file_round_trips() {
    let corpus = common::corpus_dir();
    let (files, links) = files_and_links_under(&corpus);
    let mut parsed = BTreeSet::new();
    let mut skipped = 0;
    for file in &files {
        let rel = file.strip_prefix(&corpus).unwrap().to_str().unwrap();
        let name = file.file_name().unwrap().to_str().unwrap();
        if common::is_corpus_document(file) || name.ends_with(".json") {
            skipped += 1;
            continue;
        }
        let bytes = std::fs::read(file).unwrap();
        let src = SourceFile::new(rel, bytes.clone());
        let rendered = if rel.starts_with("exim/") {
            if name == "moko879_exim_forwarding__exim.conf.localopts" {
                render(&keyvalue::parse(&src, keyvalue::Dialect::Equals), &src)
            } else {
                render(&exim::parse(&src), &src)
            }
        } else if name.starts_with("cpuser-") {
            render(&keyvalue::parse(&src, keyvalue::Dialect::Equals), &src)
        } else if name.starts_with("userdata-") && name.ends_with(".yaml") {
            render(&userdata::parse(&src), &src)
        } else if let Some(zone) = name.strip_prefix("zone-") {
            let origin = zone
                .trim_end_matches(".db")
                .trim_end_matches("-automerge")
                .trim_end_matches("-v122");
            render(&zone::parse(&src, origin), &src)
        } else if name.starts_with("valiases-") {
            render(&valiases::parse(&src, valiases::Flavor::Valiases), &src)
        } else if name.starts_with("cpmove-") {
            render(&colonmap::parse(&src), &src)
        } else {
            panic!("{rel}: no parser reads this corpus file; map it here");
        };
        assert!(rendered == bytes, "{rel}: not reproduced byte for byte");
        parsed.insert(rel.to_string());
    }
    // A link is skipped only when its target is a regular file of the corpus (round-tripped
    // above, or a document).
    let root = corpus.canonicalize().unwrap();
    for link in &links {
        let target = link
            .canonicalize()
            .unwrap_or_else(|e| panic!("{}: dangling link: {e}", link.display()));
        assert!(
            target.starts_with(&root) && target.is_file(),
            "{} -> {}: not a file of the corpus",
            link.display(),
            target.display()
        );
    }
    // What must have been read comes from the corpus itself: every configuration of the oracle,
    // every cPanel sample SOURCES.md lists (but the JSON ones).
    let mut expected = oracle_confs(&corpus);
    expected.extend(
        common::corpus_sources("cpanel")
            .into_iter()
            .filter(|n| !n.ends_with(".json"))
            .map(|n| format!("cpanel/{n}")),
    );
    let missing: Vec<&String> = expected.iter().filter(|e| !parsed.contains(*e)).collect();
    assert!(missing.is_empty(), "not round-tripped: {missing:?}");
    println!(
        "{} corpus files round-trip ({skipped} documents and JSON samples and {} links skipped)",
        parsed.len(),
        links.len()
    );
}
