use super::*;
use crate::parse::{check_tiling, render};

fn doc(text: &str) -> (SourceFile, YamlDoc) {
    doc_bytes(text.as_bytes())
}

fn doc_bytes(bytes: &[u8]) -> (SourceFile, YamlDoc) {
    let src = SourceFile::new("var/cpanel/userdata/u/main", bytes.to_vec());
    let d = parse(&src);
    check_tiling(&d, &src).unwrap();
    assert_eq!(render(&d, &src), bytes);
    (src, d)
}

/// A compact dump of a tree: `{a: x, b: [~, 'y']}`; quoted scalars keep their quote style.
fn dump(node: &Node) -> String {
    match &node.kind {
        NodeKind::Null => "~".into(),
        NodeKind::Scalar(s) => match s.style {
            ScalarStyle::Plain => s.value.clone(),
            ScalarStyle::SingleQuoted => format!("'{}'", s.value),
            ScalarStyle::DoubleQuoted => format!("{:?}", s.value),
        },
        NodeKind::Seq(items) => {
            let items: Vec<String> = items.iter().map(dump).collect();
            format!("[{}]", items.join(", "))
        }
        NodeKind::Map(entries) => {
            let entries: Vec<String> = entries
                .iter()
                .map(|e| format!("{}: {}", e.key.value, dump(&e.value)))
                .collect();
            format!("{{{}}}", entries.join(", "))
        }
    }
}

/// Parses a valid document and dumps its tree.
fn tree(text: &str) -> String {
    let (_, d) = doc(text);
    let errors: Vec<_> = d.errors().collect();
    assert!(errors.is_empty(), "{text:?}: {errors:?}");
    d.root.as_ref().map_or_else(|| "(none)".into(), dump)
}

/// Dumps the tree of a document that has errors.
fn tree_with_errors(text: &str) -> String {
    doc(text)
        .1
        .root
        .as_ref()
        .map_or_else(|| "(none)".into(), dump)
}

/// The errors of a document as `line:column message`.
fn errors(text: &str) -> Vec<String> {
    errors_bytes(text.as_bytes())
}

fn errors_bytes(bytes: &[u8]) -> Vec<String> {
    let (src, d) = doc_bytes(bytes);
    d.errors()
        .map(|e| format!("{} {}", src.line_col(e.span.start as usize), e.message))
        .collect()
}

/// The only error of a document, with the text of its span and its help.
fn only_error(text: &str) -> (String, String, String) {
    let (src, d) = doc(text);
    let errs: Vec<_> = d.errors().collect();
    assert_eq!(errs.len(), 1, "{text:?}: {errs:?}");
    let e = errs[0];
    (
        format!("{} {}", src.line_col(e.span.start as usize), e.message),
        src.slice(e.span).to_string(),
        e.help.clone().unwrap_or_default(),
    )
}

fn kinds(text: &str) -> Vec<LineKind> {
    doc(text).1.lines.iter().map(|l| l.kind).collect()
}

// ---- Header

#[test]
fn header_with_and_without_trailing_space_or_missing() {
    let (src, d) = doc("--- \na: 1\n");
    assert_eq!(src.slice(d.header.unwrap()), "---");
    assert_eq!(dump(d.root.as_ref().unwrap()), "{a: 1}");
    assert_eq!(tree("---\na: 1\n"), "{a: 1}");
    let (_, d) = doc("a: 1\n");
    assert!(d.header.is_none());
    assert_eq!(dump(d.root.as_ref().unwrap()), "{a: 1}");
    assert_eq!(tree("# written by hand\n\n--- \na: 1\n"), "{a: 1}");
    assert_eq!(
        kinds("# c\n--- \na: 1\n"),
        [LineKind::Comment, LineKind::Header, LineKind::Content]
    );
}

#[test]
fn byte_order_mark_before_the_header() {
    let (_, d) = doc("\u{feff}--- \na: 1\n");
    assert!(d.header.is_some());
    assert_eq!(d.errors().count(), 0);
    assert_eq!(tree("\u{feff}a: 1\nb: 2\n"), "{a: 1, b: 2}");
}

#[test]
fn value_on_the_header_line() {
    assert_eq!(tree("--- ~\n"), "~");
    assert_eq!(tree("--- {}\n"), "{}");
    assert_eq!(tree("--- text # comment\n"), "text");
    assert_eq!(tree("--- \n"), "(none)");
    assert_eq!(tree(""), "(none)");
    assert_eq!(tree("# only a comment\n\n"), "(none)");
}

// ---- Block collections

#[test]
fn nested_mappings_and_syck_lists() {
    let text = "--- \ncustomlog: \n  - \n    format: combined\n    target: /var/log/a\n  - \n    format: x\nhomedir: /home1/u\n";
    assert_eq!(
        tree(text),
        "{customlog: [{format: combined, target: /var/log/a}, {format: x}], homedir: /home1/u}"
    );
    assert_eq!(
        tree("addon_domains: \n  a.example.com: a.example.net\nsub_domains: \n  - a.example.net\n"),
        "{addon_domains: {a.example.com: a.example.net}, sub_domains: [a.example.net]}"
    );
}

#[test]
fn compact_and_nested_list_items() {
    assert_eq!(tree("- a: 1\n  b: 2\n- c: 3\n"), "[{a: 1, b: 2}, {c: 3}]");
    assert_eq!(tree("- - a\n  - b\n- - c\n"), "[[a, b], [c]]");
    assert_eq!(tree("k:\n  - - x\n    - y\n"), "{k: [[x, y]]}");
    assert_eq!(tree("- a: \n    - 1\n  b: 2\n"), "[{a: [1], b: 2}]");
}

#[test]
fn list_at_the_indentation_of_its_key() {
    assert_eq!(tree("a:\n- 1\n- 2\nb: 3\n"), "{a: [1, 2], b: 3}");
    assert_eq!(tree("x:\n  a:\n  - 1\n  b: 2\n"), "{x: {a: [1], b: 2}}");
}

#[test]
fn other_consistent_indentation() {
    assert_eq!(
        tree("a:\n    b:\n        - 1\n    c: 2\n"),
        "{a: {b: [1], c: 2}}"
    );
    assert_eq!(tree("a:\n b:\n  c: 1\n d: 2\n"), "{a: {b: {c: 1}, d: 2}}");
    assert_eq!(
        tree("a:\n   -   x: 1\n       y: 2\n"),
        "{a: [{x: 1, y: 2}]}"
    );
}

#[test]
fn value_on_the_line_after_its_key() {
    assert_eq!(tree("a:\n  text\nb: 1\n"), "{a: text, b: 1}");
    assert_eq!(tree("-\n  text\n"), "[text]");
}

#[test]
fn empty_flow_collections_then_blank_line() {
    let text = "--- \naddon_domains: {}\n\nmain_domain: example.com\nparked_domains: []\n\nsub_domains: [ ]\n\n";
    assert_eq!(
        tree(text),
        "{addon_domains: {}, main_domain: example.com, parked_domains: [], sub_domains: []}"
    );
    assert_eq!(tree("a: {}\nb: []"), "{a: {}, b: []}");
    assert_eq!(tree("- {}\n- []\n"), "[{}, []]");
}

#[test]
fn null_values() {
    let (src, d) = doc("ipv6: ~\nempty:\ntrailing: \n");
    let root = d.root.as_ref().unwrap();
    assert!(root.get("ipv6").unwrap().is_null());
    assert_eq!(src.slice(root.get("ipv6").unwrap().span), "~");
    let empty = root.get("empty").unwrap();
    assert!(empty.is_null());
    assert_eq!(empty.span, Span::at(14));
    assert!(root.get("trailing").unwrap().is_null());
    assert_eq!(tree("- \n- ~\n-\n"), "[~, ~, ~]");
    assert_eq!(tree("a:\nb: 1\n"), "{a: ~, b: 1}");
    // Only `~` is null: YAML::Syck reads `null` as text.
    assert_eq!(tree("a: null\nb: ~x\n"), "{a: null, b: ~x}");
}

// ---- Scalars

#[test]
fn single_quoted() {
    assert_eq!(tree("userdirprotect: ''\n"), "{userdirprotect: ''}");
    assert_eq!(tree("a: 'Off'\nb: 'it''s'\n"), "{a: 'Off', b: 'it's'}");
    assert_eq!(
        tree("a: '# not a comment: really'\n"),
        "{a: '# not a comment: really'}"
    );
}

#[test]
fn double_quoted_escapes() {
    let (_, d) = doc("format: \"\\\"%{%s}t %I .\\\\n%{%s}t %O .\\\"\"\n");
    assert_eq!(
        d.get("format").unwrap().as_str(),
        Some("\"%{%s}t %I .\\n%{%s}t %O .\"")
    );
    let (_, d) = doc(
        "a: \"\\t\\n\\r\\0\\a\\b\\v\\f\\e\\ \\/\\\\\\\"\"\nb: \"\\x41\\u00e9\\U0001F600\\N\\_\\L\\P\"\n",
    );
    assert_eq!(
        d.get("a").unwrap().as_str(),
        Some("\t\n\r\0\x07\x08\x0b\x0c\x1b /\\\"")
    );
    assert_eq!(
        d.get("b").unwrap().as_str(),
        Some("A\u{e9}\u{1F600}\u{85}\u{a0}\u{2028}\u{2029}")
    );
}

#[test]
fn syck_byte_escapes_decode_as_utf8() {
    // YAML::Syck escapes each byte of a UTF-8 character.
    let (_, d) = doc("a: \"caf\\xC3\\xA9\"\nb: \"\\xE9t\\xE9\"\n");
    assert_eq!(d.get("a").unwrap().as_str(), Some("café"));
    // Not UTF-8: the bytes are read as code points, as YAML defines `\xHH`.
    assert_eq!(d.get("b").unwrap().as_str(), Some("été"));
}

#[test]
fn plain_scalars() {
    assert_eq!(tree("a: b#c\n"), "{a: b#c}");
    assert_eq!(tree("a: b # comment\n"), "{a: b}");
    assert_eq!(
        tree("url: http://example.com:8080/x?y=z\n"),
        "{url: http://example.com:8080/x?y=z}"
    );
    assert_eq!(
        tree("ipv6: ::1\n2001:db8::1: x\n"),
        "{ipv6: ::1, 2001:db8::1: x}"
    );
    assert_eq!(
        tree("a: -1\nb: -x\nc: ?x\nd: :x\n"),
        "{a: -1, b: -x, c: ?x, d: :x}"
    );
    assert_eq!(tree("a:   spaced   out   \n"), "{a: spaced   out}");
    assert_eq!(tree("a: x\ty\n"), "{a: x\ty}");
    assert_eq!(tree("key : value\n"), "{key: value}");
    assert_eq!(
        tree("a: x]\nb: x}y\nc: x[y{z\n"),
        "{a: x], b: x}y, c: x[y{z}"
    );
}

#[test]
fn quoted_keys() {
    assert_eq!(tree("\"a b\": 1\n'c: d': 2\n"), "{a b: 1, c: d: 2}");
    let (_, d) = doc("\"x\\ty\": 1\n");
    assert_eq!(
        d.root.as_ref().unwrap().as_map().unwrap()[0].key.value,
        "x\ty"
    );
}

#[test]
fn integers_stay_strings_with_an_int_helper() {
    let (_, d) = doc(
        "a: 80\nb: -5\nc: '443'\nd: 007\ne: 1.5\nf: 0x1F\ng: 99999999999999999999\nh: ''\ni: +7\n",
    );
    let get = |k: &str| d.get(k).unwrap();
    assert_eq!(get("a").as_str(), Some("80"));
    assert_eq!(get("a").as_int(), Some(80));
    assert_eq!(get("b").as_int(), Some(-5));
    assert_eq!(get("c").as_int(), Some(443));
    assert_eq!(get("d").as_int(), Some(7));
    assert_eq!(get("d").as_str(), Some("007"));
    assert_eq!(get("e").as_int(), None);
    assert_eq!(get("f").as_int(), None);
    assert_eq!(get("g").as_int(), None);
    assert_eq!(get("h").as_int(), None);
    assert_eq!(get("i").as_int(), Some(7));
}

#[test]
fn spans_of_nodes_and_entries() {
    let text = "--- \nroot: \n  - \n    k: 'v'\n  - x\nn: 1\n";
    let (src, d) = doc(text);
    let root = d.root.as_ref().unwrap();
    assert_eq!(src.slice(root.span), &text[5..text.len() - 1]);
    let list = root.get("root").unwrap();
    assert_eq!(src.slice(list.span), "- \n    k: 'v'\n  - x");
    let item = &list.as_seq().unwrap()[0];
    assert_eq!(src.slice(item.span), "k: 'v'");
    let k = item.get("k").unwrap();
    assert_eq!(src.slice(k.span), "'v'");
    assert_eq!(
        src.line_col(k.span.start as usize),
        crate::source::LineCol { line: 4, column: 8 }
    );
    let entry = &root.as_map().unwrap()[1];
    assert_eq!(src.slice(entry.span()), "n: 1");
    assert_eq!(src.slice(entry.key.span), "n");
}

#[test]
fn duplicate_keys_keep_both_and_get_returns_the_last() {
    let (_, d) = doc("ip: 192.0.2.1\nip: 192.0.2.2\n");
    assert_eq!(d.root.as_ref().unwrap().as_map().unwrap().len(), 2);
    assert_eq!(d.get("ip").unwrap().as_str(), Some("192.0.2.2"));
}

#[test]
fn comments_and_line_kinds() {
    let text = "# top\n--- \n  # indented\na: 1 # trailing\n\n  \t\nb:\n  - x # c\n";
    assert_eq!(tree(text), "{a: 1, b: [x]}");
    assert_eq!(
        kinds(text),
        [
            LineKind::Comment,
            LineKind::Header,
            LineKind::Comment,
            LineKind::Content,
            LineKind::Blank,
            LineKind::Blank,
            LineKind::Content,
            LineKind::Content,
        ]
    );
    assert_eq!(tree("- # empty item\n- x\n"), "[~, x]");
    assert_eq!(tree("a: # no value\nb: 1\n"), "{a: ~, b: 1}");
    assert_eq!(tree("a: 1\n\t# tab-indented comment\n"), "{a: 1}");
}

#[test]
fn crlf_and_trailing_white_space() {
    let (src, d) = doc("--- \r\na: 1 \r\nb: \r\n  - x\t\r\nc: 'q'  \r\n");
    assert_eq!(dump(d.root.as_ref().unwrap()), "{a: 1, b: [x], c: 'q'}");
    assert_eq!(d.errors().count(), 0);
    assert_eq!(src.slice(d.get("a").unwrap().span), "1");
    assert_eq!(tree("a: 1\r"), "{a: 1}");
}

#[test]
fn no_final_newline() {
    assert_eq!(tree("a: 1\nb: x"), "{a: 1, b: x}");
    assert_eq!(tree("a:"), "{a: ~}");
}

// ---- Errors: constructs outside the subset

#[test]
fn anchors_and_aliases() {
    let (msg, span, help) = only_error("a: &x 1\nb: 2\n");
    assert_eq!(
        msg,
        "1:4 anchors (`&name`) are not part of cPanel's userdata format"
    );
    assert_eq!(span, "&x");
    assert!(help.contains("cPanel writes every value in full"));
    let (msg, span, _) = only_error("a: 1\nb: *x\n");
    assert_eq!(
        msg,
        "2:4 aliases (`*name`) are not part of cPanel's userdata format"
    );
    assert_eq!(span, "*x");
}

#[test]
fn tags() {
    let (msg, span, help) = only_error("--- \nport: !!int 80\n");
    assert_eq!(
        msg,
        "2:7 type tags (`!tag`, `!!str`) are not part of cPanel's userdata format"
    );
    assert_eq!(span, "!!int");
    assert!(help.contains("quote it"));
}

#[test]
fn block_scalars_and_their_text_are_one_error() {
    let text = "a: |\n  line one\n\n  line two\nb: >-\n  folded\nc: 3\n";
    let (src, d) = doc(text);
    let errs: Vec<_> = d.errors().collect();
    assert_eq!(errs.len(), 2);
    assert_eq!(
        errs[0].message,
        "block scalars (`|`, `>`) are not part of cPanel's userdata format"
    );
    assert_eq!(src.slice(errs[0].span), "|");
    assert_eq!(src.slice(errs[1].span), ">-");
    assert!(errs[0].help.as_ref().unwrap().contains("double-quoted"));
    // The rest of the document is still there.
    assert_eq!(dump(d.root.as_ref().unwrap()), "{c: 3}");
    assert_eq!(
        d.lines.iter().map(|l| l.kind).collect::<Vec<_>>(),
        [
            LineKind::Invalid,
            LineKind::Ignored,
            LineKind::Blank,
            LineKind::Ignored,
            LineKind::Invalid,
            LineKind::Ignored,
            LineKind::Content,
        ]
    );
}

#[test]
fn flow_collections_with_content() {
    let (msg, span, help) = only_error("parked_domains: [a.example.com, b.example.com]\n");
    assert_eq!(
        msg,
        "1:17 flow collections with content (`[a, b]`, `{a: b}`) are not part of cPanel's userdata format"
    );
    assert_eq!(span, "[");
    assert!(help.contains("one `- item` or `key: value` per line"));
    assert_eq!(errors("a: {b: 1}\n- {x: y}\n").len(), 2);
}

#[test]
fn complex_keys() {
    let (msg, span, _) = only_error("? a\n: b\nc: 1\n");
    assert_eq!(
        msg,
        "1:1 complex keys (`? `) are not part of cPanel's userdata format"
    );
    assert_eq!(span, "?");
    // The `: value` line belongs to the complex key.
    assert_eq!(kinds("? a\n: b\nc: 1\n")[1], LineKind::Ignored);
    assert_eq!(tree_with_errors("? a\n: b\nc: 1\n"), "{c: 1}");
}

#[test]
fn directives() {
    let (msg, span, help) = only_error("%YAML 1.1\n--- \na: 1\n");
    assert_eq!(
        msg,
        "1:1 directives (`%YAML`, `%TAG`) are not part of cPanel's userdata format"
    );
    assert_eq!(span, "%YAML");
    assert!(help.contains("start directly with `--- `"));
}

#[test]
fn second_document_stops_the_parse() {
    let text = "--- \na: 1\n--- \nb: 2\n  c: &bad\n";
    let (msg, span, help) = only_error(text);
    assert_eq!(
        msg,
        "3:1 a second document (`---`) is not part of cPanel's userdata format; the rest of the file is ignored"
    );
    assert_eq!(span, "---");
    assert!(help.contains("one document per file"));
    assert_eq!(doc(text).1.root.as_ref().map(dump).unwrap(), "{a: 1}");
    assert_eq!(
        kinds(text),
        [
            LineKind::Header,
            LineKind::Content,
            LineKind::Invalid,
            LineKind::Ignored,
            LineKind::Ignored
        ]
    );
}

#[test]
fn document_end_marker() {
    let (msg, _, help) = only_error("a: 1\n...\n");
    assert!(msg.starts_with("2:1 the document end marker (`...`) is not part of"));
    assert!(help.contains("remove the line"));
}

#[test]
fn broken_value_on_the_header_line() {
    let text = "--- |\n  text\na: 1\n";
    let (msg, _, _) = only_error(text);
    assert_eq!(
        msg,
        "1:5 block scalars (`|`, `>`) are not part of cPanel's userdata format"
    );
    assert_eq!(
        kinds(text),
        [LineKind::Header, LineKind::Ignored, LineKind::Content]
    );
    assert_eq!(tree_with_errors("--- !!map\na: 1\n"), "{a: 1}");
}

#[test]
fn mapping_on_the_header_line() {
    let (msg, _, help) = only_error("--- a: 1\n");
    assert_eq!(
        msg,
        "1:5 expected a value or end of line after `---`, found the start of a mapping or list"
    );
    assert_eq!(help, "start the entries on the line after `--- `");
    assert_eq!(kinds("--- a: 1\n  b: 2\nc: 3\n")[1], LineKind::Ignored);
    assert_eq!(tree_with_errors("--- a: 1\n  b: 2\nc: 3\n"), "{c: 3}");
}

// ---- Errors: scalars

#[test]
fn unterminated_quotes() {
    let (msg, span, help) = only_error("a: 'abc\n");
    assert_eq!(msg, "1:4 expected a closing `'`, found end of line");
    assert_eq!(span, "'");
    assert!(help.contains("`''`"));
    let (msg, _, help) = only_error("b: \"abc\\\"\n");
    assert_eq!(msg, "1:4 expected a closing `\"`, found end of line");
    assert!(help.contains("`\\\"`"));
    // A quoted value continued on the next line is not read either.
    assert_eq!(
        errors("a: \"one\n  two\"\nb: 1\n"),
        ["1:4 expected a closing `\"`, found end of line"]
    );
}

#[test]
fn bad_escapes() {
    let (msg, span, help) = only_error("a: \"x\\qy\"\n");
    assert_eq!(msg, "1:6 unknown escape `\\q` in a double-quoted value");
    assert_eq!(span, "\\q");
    assert!(help.contains("`\\\\`"));
    let (msg, span, _) = only_error("a: \"\\x4G\"\n");
    assert_eq!(msg, "1:5 expected 2 hexadecimal digits after `\\x`");
    assert_eq!(span, "\\x4");
    let (msg, span, _) = only_error("a: \"\\uD800\"\n");
    assert_eq!(msg, "1:5 escape `\\uD800` is not a Unicode character");
    assert_eq!(span, "\\uD800");
}

#[test]
fn second_colon_in_a_plain_value() {
    let (msg, span, help) = only_error("a: b: c\n");
    assert_eq!(
        msg,
        "1:5 expected end of line after the value, found a second `:`"
    );
    assert_eq!(span, ":");
    assert!(help.contains("must be quoted"));
}

#[test]
fn text_after_a_quoted_value() {
    let (msg, span, _) = only_error("a: 'b' c\n");
    assert_eq!(msg, "1:8 expected end of line after the value, found `c`");
    assert_eq!(span, "c");
    let (msg, _, _) = only_error("a: 'b'# c\n");
    assert_eq!(
        msg,
        "1:7 expected a space before the comment, found `#` right after the value"
    );
}

#[test]
fn reserved_first_characters() {
    let (msg, span, help) = only_error("a: @home\n");
    assert_eq!(msg, "1:4 a plain value cannot start with `@`");
    assert_eq!(span, "@");
    assert!(help.contains("quote the value"));
    assert_eq!(errors("a: `x`\nb: ,x\n").len(), 2);
}

#[test]
fn list_on_the_key_line() {
    let (msg, span, help) = only_error("sub_domains: - a.example.com\n");
    assert_eq!(
        msg,
        "1:14 expected a value after `sub_domains:`, found a `- ` list item"
    );
    assert_eq!(span, "-");
    assert!(help.contains("one `- item` per line"));
}

#[test]
fn stray_colon() {
    let (msg, _, _) = only_error(": x\n");
    assert_eq!(
        msg,
        "1:1 expected `key: value`, `- item` or a comment, found `:`"
    );
    let (msg, _, _) = only_error("- : x\n");
    assert_eq!(
        msg,
        "1:3 expected a value or `key: value` after `- `, found `:`"
    );
}

#[test]
fn control_characters_and_invalid_utf8() {
    let (msg, span, help) = only_error("a: x\u{7}y\n");
    assert_eq!(msg, "1:5 unexpected control character U+0007");
    assert_eq!(span, "\u{7}");
    assert!(help.contains("double-quoted"));
    assert_eq!(
        errors("a: b\rc\n"),
        ["1:5 unexpected control character U+000D"]
    );
    assert_eq!(
        errors_bytes(b"a: caf\xe9\nb: 1\n"),
        ["1:7 invalid UTF-8 byte 0xE9"]
    );
    assert_eq!(
        errors_bytes(b"\x00\x01: x\n"),
        ["1:1 unexpected control character U+0000"]
    );
    // Comments may hold anything.
    let (_, d) = doc_bytes(b"# caf\xe9 \x07\na: 1 # \xff\n");
    assert_eq!(d.errors().count(), 0);
    assert_eq!(d.get("a").unwrap().as_str(), Some("1"));
}

// ---- Errors: structure

#[test]
fn tab_in_indentation() {
    let (msg, span, help) = only_error("a:\n\tb: 1\nc: 2\n");
    assert_eq!(msg, "2:1 expected spaces for indentation, found a tab");
    assert_eq!(span, "\t");
    assert!(help.contains("two spaces"));
    assert_eq!(
        doc("a:\n\tb: 1\nc: 2\n").1.root.as_ref().map(dump).unwrap(),
        "{a: ~, c: 2}"
    );
}

#[test]
fn misaligned_lines() {
    let (msg, span, help) = only_error("a:\n    b: 1\n  c: 2\nd: 3\n");
    assert_eq!(
        msg,
        "3:3 expected this line at column 1 or 5 (where the entries above start), found column 3"
    );
    assert_eq!(span, "c");
    assert!(help.contains("start at the same column"));
    let (msg, _, _) = only_error("a: 1\n  b: 2\n");
    assert_eq!(
        msg,
        "2:3 expected this line at column 1 (where the entries above start), found column 3"
    );
    let (msg, _, _) = only_error("  a: 1\nb: 2\n");
    assert_eq!(
        msg,
        "2:1 expected this line at column 3 (where the entries above start), found column 1"
    );
    let (msg, _, _) = only_error("a:\n  - \n    b: 1\n   c: 2\n");
    assert_eq!(
        msg,
        "4:4 expected this line at column 1, 3 or 5 (where the entries above start), found column 4"
    );
    // The rest is still read.
    let (_, d) = doc("a:\n    b: 1\n  c: 2\nd: 3\n");
    assert_eq!(dump(d.root.as_ref().unwrap()), "{a: {b: 1}, d: 3}");
}

#[test]
fn list_item_among_keys_and_key_among_items() {
    let (msg, span, help) = only_error("a: 1\n- x\n");
    assert_eq!(
        msg,
        "2:1 expected `key: value` at this indentation, found a `- ` list item"
    );
    assert_eq!(span, "-");
    assert!(help.contains("`key:` then `  - item`"));
    let (msg, span, _) = only_error("a:\n  - x\n  b: 1\n");
    assert_eq!(
        msg,
        "3:3 expected a `- ` list item at this indentation, found `b:`"
    );
    assert_eq!(span, "b");
    let (msg, _, _) = only_error("- x\ny\n");
    assert_eq!(
        msg,
        "2:1 expected a `- ` list item at this indentation, found a value without a key"
    );
    let (msg, span, help) = only_error("a: 1\nb:2\n");
    assert_eq!(
        msg,
        "2:1 expected `key: value` at this indentation, found a value without a key"
    );
    assert_eq!(span, "b:2");
    assert_eq!(
        help,
        "put a space after the `:`: without it, `key:value` is read as one value"
    );
    let (msg, _, help) = only_error("a: 1\nvalue\n");
    assert_eq!(
        msg,
        "2:1 expected `key: value` at this indentation, found a value without a key"
    );
    assert_eq!(help, "write the key and `: ` before the value");
}

#[test]
fn continued_plain_value() {
    let (msg, span, help) =
        only_error("serveralias: a.example.com\n  b.example.com\nip: 192.0.2.1\n");
    assert_eq!(
        msg,
        "2:3 expected a new entry, found an indented value continuing the line above"
    );
    assert_eq!(span, "b.example.com");
    assert!(help.contains("write it on one line"));
}

#[test]
fn content_after_a_top_level_value() {
    let (msg, _, help) = only_error("--- text\na: 1\n");
    assert_eq!(
        msg,
        "2:1 expected end of document after its top-level value, found `a:`"
    );
    assert!(help.contains("one mapping"));
}

#[test]
fn nesting_is_capped() {
    let mut text = String::new();
    for i in 0..100 {
        text.push_str(&" ".repeat(i));
        text.push_str("k:\n");
    }
    let errs = errors(&text);
    assert_eq!(
        errs,
        [format!(
            "{}:{} nesting deeper than {MAX_DEPTH} levels is not supported",
            MAX_DEPTH + 1,
            MAX_DEPTH + 1
        )]
    );
    let errs = errors(&format!("{}x\n", "- ".repeat(200)));
    assert_eq!(
        errs,
        [format!(
            "1:{} nesting deeper than {MAX_DEPTH} levels is not supported",
            2 * MAX_DEPTH + 1
        )]
    );
    // Exactly at the cap is fine.
    let (_, d) = doc(&format!("{}x\n", "- ".repeat(MAX_DEPTH)));
    assert_eq!(d.errors().count(), 0);
}

#[test]
fn errors_are_reported_once_per_broken_line_and_in_order() {
    let text = "a: &x 1\nb: !t 2\nc:\n  - ok\n  - [1]\nd: 4\n";
    let errs = errors(text);
    assert_eq!(errs.len(), 3);
    assert!(errs[0].starts_with("1:4 anchors"));
    assert!(errs[1].starts_with("2:4 type tags"));
    assert!(errs[2].starts_with("5:5 flow collections"));
    assert_eq!(
        doc(text).1.root.as_ref().map(dump).unwrap(),
        "{c: [ok], d: 4}"
    );
}
