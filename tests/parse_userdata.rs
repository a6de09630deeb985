//! cPanel userdata parser: corpus round trips and typed views, a cross-check against yaml-rust2,
//! hostile inputs and property tests.

mod common;

use maillint::parse::userdata::{self, Node, NodeKind, UserdataDomain, UserdataMain, YamlDoc};
use maillint::parse::{check_tiling, cross, render};
use maillint::source::SourceFile;
use proptest::prelude::*;
use std::time::{Duration, Instant};
use yaml_rust2::parser::{Event, EventReceiver, Parser};
use yaml_rust2::scanner::TScalarStyle;

// ---------------------------------------------------------------------------------------------
// Helpers

fn parse_bytes(name: &str, bytes: &[u8]) -> (SourceFile, YamlDoc) {
    let src = SourceFile::new(name, bytes.to_vec());
    let doc = userdata::parse(&src);
    check_tiling(&doc, &src).unwrap();
    assert_eq!(render(&doc, &src), bytes, "{name}: round trip");
    (src, doc)
}

fn corpus_userdata() -> Vec<(String, Vec<u8>)> {
    let dir = common::corpus_dir().join("cpanel");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("userdata-") && n.ends_with(".yaml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|n| {
            let bytes = common::corpus_file(&format!("cpanel/{n}"));
            (n, bytes)
        })
        .collect()
}

fn corpus_doc(name: &str) -> (SourceFile, YamlDoc) {
    let bytes = common::corpus_file(&format!("cpanel/{name}"));
    let (src, doc) = parse_bytes(name, &bytes);
    let errors: Vec<_> = doc.errors().collect();
    assert!(errors.is_empty(), "{name}: {errors:?}");
    (src, doc)
}

/// A tree both parsers can be compared on: scalars as text, `~` and absent values as null.
#[derive(Clone, Debug, PartialEq)]
enum Tree {
    Null,
    Str(String),
    Seq(Vec<Tree>),
    Map(Vec<(String, Tree)>),
}

fn ours(node: &Node) -> Tree {
    match &node.kind {
        NodeKind::Null => Tree::Null,
        NodeKind::Scalar(s) => Tree::Str(s.value.clone()),
        NodeKind::Seq(items) => Tree::Seq(items.iter().map(ours).collect()),
        NodeKind::Map(entries) => Tree::Map(
            entries
                .iter()
                .map(|e| (e.key.value.clone(), ours(&e.value)))
                .collect(),
        ),
    }
}

/// Builds a [`Tree`] from yaml-rust2's events (its raw scalars, before any typing).
#[derive(Default)]
struct Sink {
    stack: Vec<(Tree, Option<String>)>,
    docs: Vec<Option<Tree>>,
    failed: bool,
}

impl Sink {
    fn push_value(&mut self, value: Tree) {
        match self.stack.last_mut() {
            None => {
                if let Some(slot) = self.docs.last_mut() {
                    *slot = Some(value);
                }
            }
            Some((Tree::Seq(items), _)) => items.push(value),
            Some((Tree::Map(entries), key)) => match key.take() {
                Some(k) => entries.push((k, value)),
                None => match value {
                    Tree::Str(k) => *key = Some(k),
                    Tree::Null => *key = Some("~".into()),
                    _ => self.failed = true, // complex key: not comparable
                },
            },
            Some(_) => self.failed = true,
        }
    }
}

impl EventReceiver for Sink {
    fn on_event(&mut self, ev: Event) {
        match ev {
            Event::DocumentStart => self.docs.push(None),
            Event::Scalar(v, style, _, _) => {
                let plain = style == TScalarStyle::Plain;
                if plain && (v == "~" || v.is_empty()) {
                    self.push_value(Tree::Null)
                } else {
                    self.push_value(Tree::Str(v))
                }
            }
            Event::SequenceStart(..) => self.stack.push((Tree::Seq(Vec::new()), None)),
            Event::MappingStart(..) => self.stack.push((Tree::Map(Vec::new()), None)),
            Event::SequenceEnd | Event::MappingEnd => {
                let (t, _) = self.stack.pop().unwrap();
                self.push_value(t);
            }
            Event::Alias(_) => self.failed = true,
            _ => {}
        }
    }
}

fn theirs(text: &str) -> Result<Option<Tree>, String> {
    let mut sink = Sink::default();
    Parser::new_from_str(text)
        .load(&mut sink, true)
        .map_err(|e| e.to_string())?;
    assert!(!sink.failed, "unexpected construct for the comparison");
    assert!(sink.docs.len() <= 1, "more than one document");
    Ok(sink.docs.into_iter().next().flatten())
}

/// Parses `text` with both parsers and asserts the same tree and no error on our side.
fn cross_check(text: &str) {
    let (_, doc) = parse_bytes("x", text.as_bytes());
    let errors: Vec<_> = doc.errors().collect();
    assert!(errors.is_empty(), "{text:?}: {errors:?}");
    let mine = doc.root.as_ref().map(ours);
    let reference = theirs(text).unwrap_or_else(|e| panic!("yaml-rust2 rejects {text:?}: {e}"));
    assert_eq!(mine, reference, "{text:?}");
}

fn domains(v: &[userdata::Spanned<String>]) -> Vec<&str> {
    v.iter().map(|d| d.value.as_str()).collect()
}

// ---------------------------------------------------------------------------------------------
// Corpus

#[test]
fn every_corpus_file_round_trips_without_errors() {
    let files = corpus_userdata();
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    let listed: Vec<String> = common::corpus_sources("cpanel")
        .into_iter()
        .filter(|n| n.starts_with("userdata-") && n.ends_with(".yaml"))
        .collect();
    assert_eq!(names, listed, "the userdata samples SOURCES.md lists");
    let (mut lines, mut shortcut) = (0, 0);
    for (name, bytes) in &files {
        let ((_, doc), checked) = cross::checked(|| parse_bytes(name, bytes));
        lines += bytes.split(|&b| b == b'\n').count();
        shortcut += checked;
        let errors: Vec<_> = doc.errors().collect();
        assert!(errors.is_empty(), "{name}: {errors:?}");
        assert!(doc.header.is_some(), "{name}: `--- ` header");
        assert!(doc.root.as_ref().unwrap().as_map().is_some(), "{name}");
    }
    // Most lines of real files take the scanner's shortcut, each checked by the grammar.
    assert!(shortcut * 2 > lines, "{shortcut} of {lines} lines");
}

#[test]
fn every_corpus_file_matches_yaml_rust2() {
    for (name, bytes) in corpus_userdata() {
        let text = String::from_utf8(bytes).unwrap();
        let (_, doc) = parse_bytes(&name, text.as_bytes());
        let reference = theirs(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(doc.root.as_ref().map(ours), reference, "{name}");
    }
}

#[test]
fn main_with_addon_domain() {
    let (src, doc) = corpus_doc("userdata-main-with-addon.yaml");
    let v = UserdataMain::from_doc(&doc);
    let main = v.main_domain.as_ref().unwrap();
    assert_eq!(main.value, "oportunidadesonline.online");
    assert_eq!(src.slice(main.span), "oportunidadesonline.online");
    assert_eq!(src.line_col(main.span.start as usize).line, 4);
    assert_eq!(v.addon_domains.len(), 1);
    let addon = &v.addon_domains[0];
    assert_eq!(addon.domain.value, "onlineopportunitiesservices.com");
    assert_eq!(
        addon.subdomain.value,
        "onlineopportunitiesservices.oportunidadesonline.online"
    );
    let lc = src.line_col(addon.domain.span.start as usize);
    assert_eq!((lc.line, lc.column), (3, 3));
    assert!(v.parked_domains.is_empty());
    assert_eq!(
        domains(&v.sub_domains),
        ["onlineopportunitiesservices.oportunidadesonline.online"]
    );
    assert!(v.unexpected.is_empty());
}

#[test]
fn main_with_parked_domain() {
    let (src, doc) = corpus_doc("userdata-main-with-parked.yaml");
    let v = UserdataMain::from_doc(&doc);
    assert_eq!(v.main_domain.as_ref().unwrap().value, "shiptech.in");
    assert!(v.addon_domains.is_empty());
    assert_eq!(
        domains(&v.parked_domains),
        ["shiptech.in.cp-in-11.webhostbox.net"]
    );
    assert_eq!(
        src.line_col(v.parked_domains[0].span.start as usize).line,
        6
    );
    assert!(v.sub_domains.is_empty());
    assert!(v.unexpected.is_empty());
}

#[test]
fn main_with_empty_collections() {
    let (_, doc) = corpus_doc("userdata-main-empty.yaml");
    let v = UserdataMain::from_doc(&doc);
    assert_eq!(v.main_domain.as_ref().unwrap().value, "alednow.com");
    assert!(v.addon_domains.is_empty() && v.parked_domains.is_empty() && v.sub_domains.is_empty());
    assert!(v.unexpected.is_empty());
    assert_eq!(doc.get("addon_domains").unwrap().as_map(), Some(&[][..]));
    assert_eq!(doc.get("sub_domains").unwrap().as_seq(), Some(&[][..]));
}

#[test]
fn main_domain_vhost() {
    let (src, doc) = corpus_doc("userdata-maindomain.yaml");
    let v = UserdataDomain::from_doc(&doc);
    let homedir = v.homedir.as_ref().unwrap();
    assert_eq!(homedir.value, "/home1/oport628");
    assert_eq!(src.line_col(homedir.span.start as usize).line, 12);
    assert_eq!(v.ip.as_ref().unwrap().value, "108.179.192.163");
    assert_eq!(v.ip_addr(), Some("108.179.192.163".parse().unwrap()));
    assert!(v.unexpected.is_empty());
    // The rest of the vhost is in the tree.
    let str_of = |key: &str| doc.get(key).and_then(|n| n.as_str());
    assert_eq!(str_of("servername"), Some("oportunidadesonline.online"));
    assert_eq!(str_of("documentroot"), Some("/home1/oport628/public_html"));
    assert_eq!(doc.get("port").unwrap().as_int(), Some(80));
    assert_eq!(
        str_of("serveralias"),
        Some("mail.oportunidadesonline.online www.oportunidadesonline.online")
    );
    assert_eq!(str_of("owner"), Some("root"));
    assert!(doc.get("ipv6").is_none());
    // The double-quoted log format, escapes decoded.
    let customlog = doc.get("customlog").unwrap().as_seq().unwrap();
    assert_eq!(customlog.len(), 2);
    assert_eq!(
        customlog[1].get("format").unwrap().as_str(),
        Some("\"%{%s}t %I .\\n%{%s}t %O .\"")
    );
    assert_eq!(doc.get("hascgi").unwrap().as_int(), Some(0));
    assert_eq!(doc.get("usecanonicalname").unwrap().as_str(), Some("Off"));
}

#[test]
fn ssl_vhosts() {
    for name in [
        "userdata-maindomain_SSL.yaml",
        "userdata-maindomain_SSL-mixmarke.yaml",
    ] {
        let (_, doc) = corpus_doc(name);
        assert_eq!(doc.get("ssl").unwrap().as_int(), Some(1), "{name}");
        assert_eq!(doc.get("port").unwrap().as_int(), Some(443), "{name}");
        assert!(doc.get("ipv6").unwrap().is_null(), "{name}");
        assert_eq!(
            doc.get("userdirprotect").unwrap().as_str(),
            Some(""),
            "{name}"
        );
    }
    let (_, doc) = corpus_doc("userdata-maindomain_SSL-mixmarke.yaml");
    let v = UserdataDomain::from_doc(&doc);
    assert_eq!(v.homedir.as_ref().unwrap().value, "/home/mixmarke");
    assert_eq!(doc.get("owner").unwrap().as_str(), Some("shivayhost"));
    assert_eq!(v.ip_addr(), Some("65.108.232.153".parse().unwrap()));
}

#[test]
fn addon_backing_subdomain_vhost() {
    let (_, doc) = corpus_doc("userdata-addon-subdomain.yaml");
    let v = UserdataDomain::from_doc(&doc);
    assert_eq!(
        doc.get("servername").unwrap().as_str(),
        Some("onlineopportunitiesservices.oportunidadesonline.online")
    );
    assert_eq!(
        doc.get("documentroot").unwrap().as_str(),
        Some("/home1/oport628/onlineopportunitiesservices.com")
    );
    assert_eq!(v.homedir.as_ref().unwrap().value, "/home1/oport628");
    assert!(doc.get("port").is_none());
}

#[test]
fn alednow_vhost_on_home4() {
    let (_, doc) = corpus_doc("userdata-maindomain-alednow.yaml");
    let v = UserdataDomain::from_doc(&doc);
    assert_eq!(v.homedir.as_ref().unwrap().value, "/home4/owner");
    assert_eq!(v.ip.as_ref().unwrap().value, "192.232.216.164");
}

#[test]
fn corpus_files_survive_crlf_and_missing_header() {
    for (name, bytes) in corpus_userdata() {
        let text = String::from_utf8(bytes).unwrap();
        let (_, original) = parse_bytes(&name, text.as_bytes());
        let crlf = text.replace('\n', "\r\n");
        let (_, doc) = parse_bytes(&name, crlf.as_bytes());
        assert_eq!(doc.errors().count(), 0, "{name} with CRLF");
        assert_eq!(
            doc.root.as_ref().map(ours),
            original.root.as_ref().map(ours)
        );
        let headless = text.strip_prefix("--- \n").unwrap();
        let (_, doc) = parse_bytes(&name, headless.as_bytes());
        assert_eq!(doc.errors().count(), 0, "{name} without header");
        assert!(doc.header.is_none());
        assert_eq!(
            doc.root.as_ref().map(ours),
            original.root.as_ref().map(ours)
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Cross-check with yaml-rust2 on synthetic documents

#[test]
fn synthetic_documents_match_yaml_rust2() {
    let docs = [
        // cPanel's own shapes
        "--- \naddon_domains: \n  a.example.com: a.example.net\nmain_domain: example.net\nparked_domains: []\n\nsub_domains: \n  - a.example.net\n",
        "--- \naddon_domains: {}\n\nmain_domain: example.com\nparked_domains: \n  - example.org\nsub_domains: []\n\n",
        "--- \ncustomlog: \n  - \n    format: combined\n    target: /etc/apache2/logs/domlogs/example.com\n  - \n    format: \"\\\"%{%s}t %I .\\\\n%{%s}t %O .\\\"\"\n    target: /x-bytes_log\nipv6: ~\nuserdirprotect: ''\nusecanonicalname: 'Off'\nport: 80\n",
        // tolerated variations
        "---\na: 1\n",
        "a: 1\nb: two words\n",
        "a:\n- 1\n- 2\nb:\n  c:\n  - x\n  d: y\n",
        "- a: 1\n  b: 2\n- - x\n  - y\n- z\n- \n- ~\n",
        "a:\n    b:\n        c: 1\n    d: [ ]\n",
        "\"quoted key\": 'v'\n'single': \"d\\t\\u00e9\\x41\"\n",
        "a: b#c\nd: e # comment\n# full line\n  # indented comment\nf: 'g' # c\n",
        "url: http://example.com:8080/\nip6: ::1\n2001:db8::1: x\nneg: -1\nq: ?x\n",
        "a: 1   \nb:   \n  - x   \n",
        "--- \r\na: 1\r\nb: \r\n  - x\r\n",
        "a: 'it''s'\nb: \"say \\\"hi\\\"\"\nc: ''\nd: \"\"\n",
        "key : value\nempty:\nlast: x",
        "--- ~\n",
        "--- text\n",
        "--- {}\n",
        "a:\n  text on the next line\nb: 1\n",
        "a: caf\u{e9} \u{1F600}\nb: x]\nc: x}y\n",
    ];
    for text in docs {
        cross_check(text);
    }
}

/// Serializes a tree the way YAML::Syck lays it out, with some of the variations the parser
/// accepts (list items at the key's indentation, compact `- key: value` and `- - x` items).
struct Emitter {
    out: String,
    /// Choices, consumed in turn, so the same tree can be written several ways.
    choices: Vec<bool>,
    next: usize,
}

impl Emitter {
    fn choose(&mut self) -> bool {
        let c = self
            .choices
            .get(self.next % self.choices.len().max(1))
            .copied()
            .unwrap_or(false);
        self.next += 1;
        c
    }

    fn scalar(&mut self, s: &str) -> String {
        let plain_ok = !s.is_empty()
            && s.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '/')
            && !s.ends_with(' ')
            && !s.contains(": ")
            && !s.ends_with(':')
            && !s.contains(" #")
            && !s.contains('\t')
            && s.chars().all(|c| !c.is_control());
        if plain_ok && self.choose() {
            return s.to_string();
        }
        if !s.chars().any(|c| c.is_control() || c == '\t') && self.choose() {
            return format!("'{}'", s.replace('\'', "''"));
        }
        let mut q = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => q.push_str("\\\""),
                '\\' => q.push_str("\\\\"),
                '\t' => q.push_str("\\t"),
                c if (c as u32) > 0xffff && self.choose() => {
                    q.push_str(&format!("\\U{:08x}", c as u32))
                }
                c if !c.is_ascii() && (c as u32) <= 0xffff && self.choose() => {
                    q.push_str(&format!("\\u{:04x}", c as u32))
                }
                c => q.push(c),
            }
        }
        q.push('"');
        q
    }

    /// Writes `node` as the value after `key:` or `-` (`inline` is where the value would start).
    fn value(&mut self, node: &Tree, indent: usize, after_key: bool) {
        match node {
            Tree::Null => {
                if self.choose() {
                    self.out.push_str(" ~\n");
                } else {
                    self.out.push_str(" \n");
                }
            }
            Tree::Str(s) => {
                let v = self.scalar(s);
                self.out.push(' ');
                self.out.push_str(&v);
                self.out.push('\n');
            }
            Tree::Map(m) if m.is_empty() => self.out.push_str(" {}\n\n"),
            Tree::Seq(s) if s.is_empty() => self.out.push_str(" []\n\n"),
            Tree::Map(m) => {
                if !after_key && self.choose() {
                    // compact: `- key: value`
                    self.out.push(' ');
                    self.map_entries(m, indent + 2, true);
                } else {
                    self.out.push_str(" \n");
                    self.map_entries(m, indent + 2, false);
                }
            }
            Tree::Seq(items) => {
                if !after_key && self.choose() {
                    // compact: `- - x`
                    self.out.push(' ');
                    self.seq_items(items, indent + 2, true);
                } else {
                    self.out.push_str(" \n");
                    let at_key = after_key && self.choose();
                    self.seq_items(items, if at_key { indent } else { indent + 2 }, false);
                }
            }
        }
    }

    fn map_entries(&mut self, m: &[(String, Tree)], indent: usize, first_inline: bool) {
        for (i, (k, v)) in m.iter().enumerate() {
            if i > 0 || !first_inline {
                self.out.push_str(&" ".repeat(indent));
            }
            let key = self.scalar(k);
            self.out.push_str(&key);
            self.out.push(':');
            self.value(v, indent, true);
        }
    }

    fn seq_items(&mut self, items: &[Tree], indent: usize, first_inline: bool) {
        for (i, v) in items.iter().enumerate() {
            if i > 0 || !first_inline {
                self.out.push_str(&" ".repeat(indent));
            }
            self.out.push('-');
            self.value(v, indent, false);
        }
    }
}

fn emit(root: &[(String, Tree)], choices: Vec<bool>) -> String {
    let mut e = Emitter {
        out: "--- \n".into(),
        choices,
        next: 0,
    };
    e.map_entries(root, 0, false);
    e.out
}

fn text_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9.-]{0,12}",
        "[ -~]{0,16}",
        "[a-zA-Z0-9 :#'\"\\\\/\\t-]{0,12}",
        "(caf\u{e9}|\u{1F600}|x) [a-z]{0,4}",
    ]
}

fn tree_strategy() -> impl Strategy<Value = Tree> {
    let leaf = prop_oneof![
        1 => Just(Tree::Null),
        6 => text_strategy().prop_map(Tree::Str),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Tree::Seq),
            prop::collection::btree_map("[a-z][a-z0-9_.-]{0,8}", inner, 0..4)
                .prop_map(|m| Tree::Map(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any tree written in cPanel's layout (and its tolerated variations) reads back as the
    /// same tree, and yaml-rust2 agrees.
    #[test]
    fn generated_documents_read_back_and_match_yaml_rust2(
        root in prop::collection::btree_map("[a-z][a-z0-9_.-]{0,8}", tree_strategy(), 1..5),
        choices in prop::collection::vec(any::<bool>(), 1..16),
    ) {
        let root: Vec<(String, Tree)> = root.into_iter().collect();
        let text = emit(&root, choices);
        let ((_, doc), _) = cross::checked(|| parse_bytes("gen", text.as_bytes()));
        let errors: Vec<_> = doc.errors().collect();
        prop_assert!(errors.is_empty(), "{text}\n{errors:?}");
        let expected = Some(Tree::Map(root));
        prop_assert_eq!(&doc.root.as_ref().map(ours), &expected, "{}", text);
        prop_assert_eq!(&theirs(&text).unwrap(), &expected, "{}", text);
    }
}

// ---------------------------------------------------------------------------------------------
// Hostile input: no panic, no hang, no stack overflow

fn timed<T>(what: &str, limit: Duration, f: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let r = f();
    let took = t.elapsed();
    eprintln!("{what}: {took:?}");
    assert!(took < limit, "{what} took {took:?}");
    r
}

/// Limits leave room for unoptimized test builds on a shared machine (about 40 times slower
/// than release builds, where the slowest of these cases takes under half a second).
const SLOW: Duration = Duration::from_secs(30);

fn xorshift_bytes(n: usize) -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

#[test]
fn binary_and_nul_files() {
    let random = xorshift_bytes(256 << 10);
    let (_, doc) = timed("256 KiB of random bytes", SLOW, || {
        parse_bytes("bin", &random)
    });
    assert!(doc.errors().count() > 0);
    let nul = vec![0u8; 256 << 10];
    let (src, doc) = timed("256 KiB of NUL", SLOW, || parse_bytes("nul", &nul));
    let errors: Vec<_> = doc.errors().collect();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].message, "unexpected control character U+0000");
    assert_eq!(src.line_col(errors[0].span.start as usize).line, 1);
}

#[test]
fn a_four_mib_line() {
    const N: usize = 4 << 20;
    let text = format!("--- \nserveralias: {}\nip: 192.0.2.1\n", "x".repeat(N));
    let (_, doc) = timed("a 4 MiB value", SLOW, || {
        parse_bytes("long", text.as_bytes())
    });
    assert_eq!(doc.errors().count(), 0);
    assert_eq!(doc.get("serveralias").unwrap().as_str().unwrap().len(), N);
    assert_eq!(doc.get("ip").unwrap().as_str(), Some("192.0.2.1"));
}

#[test]
fn long_lines_of_every_shape_parse_in_linear_time() {
    // 1 MiB each: a rule that backtracks over its input would take minutes.
    const N: usize = 1 << 20;
    let cases = [
        format!("a: {}\n", "x ".repeat(N / 2)),
        format!("a: \"{}\"\n", "\\\\".repeat(N / 2)),
        format!("a: '{}'\n", "''".repeat(N / 2)),
        format!("{}: v\n", "k".repeat(N)),
        format!("a: {}x #\n", " ".repeat(N)),
        format!("{}x\n", "- ".repeat(N / 2)),
        format!("a: {}\n", ":".repeat(N)),
        format!("a: [{}\n", "[".repeat(N)),
        format!("a: \"{}\n", "x".repeat(N)),
        format!("a: {}\n", "é".repeat(N / 2)),
        " ".repeat(N),
    ];
    for text in &cases {
        let what: String = text.chars().take(12).collect();
        let (_, doc) = timed(&what, SLOW, || parse_bytes("long", text.as_bytes()));
        assert_eq!(doc.lines.len(), 1);
    }
}

#[test]
fn ten_thousand_levels_of_indentation() {
    // Each line one space deeper than the one before (50 MB in all).
    let mut text = String::new();
    for i in 0..10_000 {
        text.push_str(&" ".repeat(i));
        text.push_str("k:\n");
    }
    let (src, doc) = timed("10,000 nested keys", SLOW, || {
        parse_bytes("deep", text.as_bytes())
    });
    let errors: Vec<_> = doc.errors().collect();
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].message,
        format!(
            "nesting deeper than {} levels is not supported",
            userdata::MAX_DEPTH
        )
    );
    assert_eq!(
        src.line_col(errors[0].span.start as usize).line,
        userdata::MAX_DEPTH + 1
    );
    // The levels above the cap are all there.
    let mut node = doc.root.as_ref().unwrap();
    for _ in 0..userdata::MAX_DEPTH - 1 {
        node = node.get("k").unwrap();
    }
    assert!(node.get("k").unwrap().is_null());
    // 10,000 levels on one line.
    let one_line = format!("{}x\n", "- ".repeat(10_000));
    let (_, doc) = parse_bytes("deep", one_line.as_bytes());
    assert_eq!(doc.errors().count(), 1);
}

#[test]
fn huge_flat_map() {
    let mut text = String::from("--- \n");
    for i in 0..20_000 {
        text.push_str(&format!("key{i:05}: value{i}\n"));
    }
    let (_, doc) = timed("20,000 keys", SLOW, || parse_bytes("flat", text.as_bytes()));
    assert_eq!(doc.errors().count(), 0);
    let root = doc.root.as_ref().unwrap();
    assert_eq!(root.as_map().unwrap().len(), 20_000);
    assert_eq!(root.get("key19999").unwrap().as_str(), Some("value19999"));
}

// ---------------------------------------------------------------------------------------------
// Fuzzing

fn mutate(line: &[u8], ops: &[(u8, usize, u8)]) -> Vec<u8> {
    let mut out = line.to_vec();
    for &(op, at, byte) in ops {
        let at = if out.is_empty() {
            0
        } else {
            at % (out.len() + 1)
        };
        match op % 3 {
            0 => out.insert(at, byte),
            1 if at < out.len() => {
                out.remove(at);
            }
            _ if at < out.len() => out[at] = byte,
            _ => out.push(byte),
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let t = Instant::now();
        let src = SourceFile::new("fuzz", bytes.clone());
        let (doc, _) = cross::checked(|| userdata::parse(&src));
        prop_assert!(check_tiling(&doc, &src).is_ok());
        prop_assert_eq!(render(&doc, &src), bytes);
        prop_assert!(t.elapsed() < Duration::from_secs(60));
    }

    #[test]
    fn mutated_corpus_lines_never_panic(
        file in 0usize..8,
        line in 0usize..40,
        ops in prop::collection::vec((any::<u8>(), any::<usize>(), prop_oneof![
            Just(b' '), Just(b'\t'), Just(b'-'), Just(b':'), Just(b'#'), Just(b'\''), Just(b'"'),
            Just(b'\\'), Just(b'{'), Just(b'['), Just(b'&'), Just(b'|'), Just(b'~'), Just(b'\r'),
            Just(0u8), Just(0xff), any::<u8>(),
        ]), 1..6),
    ) {
        let files = corpus_userdata();
        let (_, bytes) = &files[file % files.len()];
        let mut lines: Vec<Vec<u8>> = bytes.split_inclusive(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
        let i = line % lines.len();
        lines[i] = mutate(&lines[i], &ops);
        let input = lines.concat();
        let t = Instant::now();
        let src = SourceFile::new("mutated", input.clone());
        let (doc, _) = cross::checked(|| userdata::parse(&src));
        prop_assert!(check_tiling(&doc, &src).is_ok());
        prop_assert_eq!(render(&doc, &src), input);
        // The views never panic either.
        let _ = UserdataMain::from_doc(&doc);
        let _ = UserdataDomain::from_doc(&doc);
        prop_assert!(t.elapsed() < Duration::from_secs(60));
    }
}
