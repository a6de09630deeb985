//! The Exim configuration parser on synthetic input: every continuation rule of
//! `shared/reference/exim.md` §1, macros, conditionals, includes, the typed view, every error
//! Exim's reader would report (message text and line), and robustness (proptest, long lines).

mod common;

use maillint::parse::exim::{
    self, AclVerb, Builtins, Config, IncludeOutcome, IncludeRequest, IncludeStatus, LineKind,
    ListKind, LoadOptions, Quirk,
};
use maillint::parse::{check_tiling, render};
use maillint::source::SourceFile;
use proptest::prelude::*;
use std::time::{Duration, Instant};

fn conf_with(text: &str, opts: &LoadOptions) -> Config {
    let mut resolve = |_: &IncludeRequest| IncludeOutcome::NotFound;
    exim::load_with(
        SourceFile::from_str("etc/exim.conf", text),
        &mut resolve,
        opts,
    )
}

fn conf(text: &str) -> Config {
    conf_with(text, &LoadOptions::default())
}

/// Line (1-based) and message of every error.
fn errs(text: &str) -> Vec<(usize, String)> {
    let cfg = conf(text);
    cfg.errors()
        .map(|e| (cfg.position(e.loc).1.line, e.message.clone()))
        .collect()
}

/// The one error of a configuration.
fn one_error(text: &str) -> (usize, String) {
    let e = errs(text);
    assert_eq!(e.len(), 1, "expected exactly one error, got {e:#?}");
    e.into_iter().next().unwrap()
}

fn no_errors(text: &str) -> Config {
    let cfg = conf(text);
    let e: Vec<_> = cfg.errors().map(|e| e.message.clone()).collect();
    assert!(e.is_empty(), "{e:#?}");
    cfg
}

fn main_value(text: &str, name: &str) -> String {
    let cfg = no_errors(text);
    cfg.main_option(name)
        .unwrap_or_else(|| panic!("no option {name}"))
        .value
        .clone()
        .unwrap()
}

fn roundtrip(text: &[u8]) {
    let src = SourceFile::new("etc/exim.conf", text.to_vec());
    let f = exim::parse(&src);
    check_tiling(&f, &src).unwrap();
    assert_eq!(render(&f, &src), text);
}

// ---------------------------------------------------------------------------------------------
// exim.md §1: physical lines → logical lines

#[test]
fn hash_is_a_comment_only_at_line_start() {
    assert_eq!(
        main_value("gecos_name = $1   # not a comment\n", "gecos_name"),
        "$1   # not a comment"
    );
    assert_eq!(
        main_value("local_part_suffix = +* : #*\n", "local_part_suffix"),
        "+* : #*"
    );
    let cfg = no_errors("  # indented comment\nqualify_domain = a.example\n");
    assert_eq!(cfg.options.len(), 1);
}

#[test]
fn leading_and_trailing_white_space_and_blank_lines_are_ignored() {
    assert_eq!(
        main_value(
            "\n\n   qualify_domain   =   a.example  \t \n\n",
            "qualify_domain"
        ),
        "a.example"
    );
}

#[test]
fn white_space_after_the_backslash_is_ignored() {
    assert_eq!(
        main_value(
            "primary_hostname = host\\  \nname.example\n",
            "primary_hostname"
        ),
        "hostname.example"
    );
}

#[test]
fn white_space_before_the_backslash_is_kept_leading_of_continuation_dropped() {
    assert_eq!(
        main_value("gecos_name = b \\\n     c\n", "gecos_name"),
        "b c"
    );
    assert_eq!(main_value("gecos_name = b\\\n     c\n", "gecos_name"), "bc");
}

#[test]
fn comment_lines_inside_a_continuation_are_skipped() {
    assert_eq!(
        main_value(
            "qualify_domain = a.example\\\n# comment\n.b.example\n",
            "qualify_domain"
        ),
        "a.example.b.example"
    );
}

#[test]
fn a_blank_line_ends_a_continuation() {
    let cfg = no_errors("gecos_name = y \\\n\nqualify_domain = q\n");
    assert_eq!(
        cfg.main_option("gecos_name").unwrap().value.as_deref(),
        Some("y")
    );
    assert_eq!(
        cfg.main_option("qualify_domain").unwrap().value.as_deref(),
        Some("q")
    );
}

#[test]
fn eof_after_a_backslash_ends_the_line() {
    // Exim keeps the white space that was before the removed backslash.
    assert_eq!(main_value("gecos_name = y \\", "gecos_name"), "y ");
    assert_eq!(main_value("gecos_name = y\\\n", "gecos_name"), "y");
}

#[test]
fn a_value_never_ends_in_a_backslash() {
    // `\\` at the end is a continuation too: the first backslash is data, the second continues,
    // and after the blank line the remaining one continues again.
    assert_eq!(main_value("gecos_name = a\\\\\n\nb\n", "gecos_name"), "ab");
}

#[test]
fn directives_and_includes_work_inside_a_continuation() {
    let text = "hosts_treat_as_local = a.example : \\\n.include /etc/exim/more\n  c.example\n";
    let mut resolve = |req: &IncludeRequest| {
        assert_eq!(req.path, "/etc/exim/more");
        IncludeOutcome::Found(SourceFile::from_str("etc/exim/more", "b.example : \\\n"))
    };
    let cfg = exim::load(SourceFile::from_str("etc/exim.conf", text), &mut resolve);
    assert!(cfg.errors.is_empty(), "{:?}", cfg.errors);
    let o = cfg.main_option("hosts_treat_as_local").unwrap();
    assert_eq!(
        o.value.as_deref(),
        Some("a.example : b.example : c.example")
    );
    // The value's location is cut at the end of its part in the first file.
    assert_eq!(cfg.position(o.value_loc.unwrap()).0, "etc/exim.conf");

    let cfg = no_errors("qualify_domain = a\\\n.ifdef NOPE\nx\n.else\nb\n.endif\n");
    assert_eq!(
        cfg.main_option("qualify_domain").unwrap().value.as_deref(),
        Some("ab")
    );
}

#[test]
fn crlf_files_work() {
    let cfg = no_errors("qualify_domain = a.example\r\ngecos_name = x \\\r\n  y\r\n");
    assert_eq!(
        cfg.main_option("qualify_domain").unwrap().value.as_deref(),
        Some("a.example")
    );
    assert_eq!(
        cfg.main_option("gecos_name").unwrap().value.as_deref(),
        Some("x y")
    );
    roundtrip(b"a = b\r\nc = d \\\r\n e\r\n");
}

#[test]
fn a_bom_on_line_1_is_an_error() {
    assert_eq!(
        one_error("\u{FEFF}# comment\nqualify_domain = a\n"),
        (
            1,
            "unexpected byte order mark (BOM) at the start of the file".to_string()
        )
    );
}

#[test]
fn line_length_is_unlimited() {
    let long = "a".repeat(100_000);
    assert_eq!(
        main_value(&format!("gecos_name = {long}\n"), "gecos_name"),
        long
    );
}

#[test]
fn layer_one_tags_lines_and_keeps_pieces() {
    let text = "# c\n\nx = 1 \\\n  2\n.ifdef A\n.include \"/etc/f\"\n.endif\n";
    let src = SourceFile::from_str("etc/exim.conf", text);
    let f = exim::parse(&src);
    let kinds: Vec<&LineKind> = f.lines.iter().map(|l| &l.kind).collect();
    assert_eq!(kinds[0], &LineKind::Comment);
    assert_eq!(kinds[1], &LineKind::Blank);
    assert_eq!(kinds[2], &LineKind::Content);
    assert_eq!(kinds[3], &LineKind::Continuation);
    assert!(matches!(kinds[4], LineKind::Directive(d) if src.slice(d.arg) == "A"));
    assert!(matches!(kinds[5], LineKind::Include(i) if src.slice(i.path) == "/etc/f" && i.quoted));
    assert_eq!(f.statements.len(), 1);
    assert_eq!(f.statements[0].text(&src), "x = 1 2");
}

// ---------------------------------------------------------------------------------------------
// Quoted values

#[test]
fn quoted_values_are_dequoted_with_exim_escapes() {
    let cfg = no_errors(
        "smtp_banner = \"banner \\\n  \\#ESMTP \\x41\\101 \\\"q\\\" \\\\ \\t|\\n|\\z\"\n",
    );
    let o = cfg.main_option("smtp_banner").unwrap();
    assert!(o.quoted);
    assert_eq!(
        o.value.as_deref(),
        Some("banner #ESMTP AA \"q\" \\ \t|\n|z")
    );
    assert!(
        o.raw_value
            .as_deref()
            .unwrap()
            .starts_with("\"banner \\#ESMTP")
    );
    // The raw value span covers both physical lines.
    let span_text = cfg.text(o.value_loc.unwrap());
    assert!(
        span_text.starts_with("\"banner \\\n  \\#ESMTP"),
        "{span_text:?}"
    );
    // Unquoted values are verbatim.
    assert_eq!(
        main_value("gecos_name = a \"b\" \\n c\n", "gecos_name"),
        "a \"b\" \\n c"
    );
}

#[test]
fn missing_closing_quote_is_reported_on_the_last_line() {
    let text = "domainlist local_domains = @\nhold_domains = \"a\\x65b :\\\n                c.d\n";
    assert_eq!(
        one_error(text),
        (
            3,
            "missing closing quote at the end of the value of `hold_domains`".to_string()
        )
    );
}

#[test]
fn characters_after_a_quoted_value() {
    assert_eq!(
        one_error("\nhostlist relay_hosts = \"XXXX\" and junk\n"),
        (
            2,
            "extra characters after the quoted value of `relay_hosts`".to_string()
        )
    );
    let cfg = conf("gecos_name = \"a\" # comment\n");
    assert!(
        cfg.errors[0]
            .help
            .as_deref()
            .unwrap()
            .contains("`#` starts a comment")
    );
}

// ---------------------------------------------------------------------------------------------
// Options

#[test]
fn option_forms() {
    let cfg = no_errors(
        "queue_only\nno_message_logs\nnot_split_spool_directory\nprint_topbitchars = yes\n\
         hide pgsql_servers = x/y/z\nchunking_advertise_hosts=\"\"\ndaemon_smtp_port =\n",
    );
    assert_eq!(cfg.main_option("queue_only").unwrap().as_bool(), Some(true));
    let ml = cfg.main_option("message_logs").unwrap();
    assert!(ml.negated);
    assert_eq!(ml.as_bool(), Some(false));
    assert_eq!(
        cfg.main_option("split_spool_directory").unwrap().as_bool(),
        Some(false)
    );
    assert_eq!(
        cfg.main_option("print_topbitchars").unwrap().as_bool(),
        Some(true)
    );
    let h = cfg.main_option("pgsql_servers").unwrap();
    assert!(h.hide);
    assert_eq!(cfg.text(h.name_loc), "pgsql_servers");
    assert_eq!(
        cfg.main_option("chunking_advertise_hosts")
            .unwrap()
            .value
            .as_deref(),
        Some("")
    );
    assert_eq!(
        cfg.main_option("daemon_smtp_port")
            .unwrap()
            .value
            .as_deref(),
        Some("")
    );
    // Unknown option names are not errors (they depend on the Exim version).
    no_errors("some_future_option = 1\nanother_future_flag\n");
}

#[test]
fn option_set_twice() {
    assert_eq!(
        one_error("keep_environment =\nqualify_domain = a\nkeep_environment = PATH\n"),
        (
            3,
            "option `keep_environment` is set a second time (first set at line 1)".to_string()
        )
    );
    // A first setting in an included file is named with its path.
    let mut resolve = |_: &IncludeRequest| {
        IncludeOutcome::Found(SourceFile::from_str("etc/prefix.conf", "# p\nqueue_only\n"))
    };
    let cfg = exim::load(
        SourceFile::from_str(
            "etc/exim.conf",
            ".include /etc/prefix.conf\nqueue_only = no\n",
        ),
        &mut resolve,
    );
    assert_eq!(
        cfg.errors[0].message,
        "option `queue_only` is set a second time (first set at etc/prefix.conf:2)"
    );
    assert_eq!(cfg.position(cfg.errors[0].loc).0, "etc/exim.conf");
    // `x` and `no_x` are the same option.
    assert_eq!(
        one_error("queue_only\nno_queue_only\n"),
        (
            2,
            "option `no_queue_only` is set a second time (first set at line 1)".to_string()
        )
    );
}

#[test]
fn negation_problems() {
    assert_eq!(
        one_error("no_queue_only = true\n"),
        (1, "`no_queue_only` cannot take a value".to_string())
    );
    assert_eq!(
        one_error("no_some_unknown_option = 1\n"),
        (
            1,
            "`no_some_unknown_option` cannot take a value".to_string()
        )
    );
    assert_eq!(
        one_error("no_qualify_domain\n"),
        (
            1,
            "`qualify_domain` is not a boolean option, so it cannot be negated with `no_`"
                .to_string()
        )
    );
}

#[test]
fn boolean_and_value_problems() {
    assert_eq!(
        one_error("queue_only = maybe\n"),
        (
            1,
            "`maybe` is not a valid value for boolean option `queue_only`".to_string()
        )
    );
    assert_eq!(
        one_error("queue_only = yes please\n"),
        (
            1,
            "unexpected text after `yes` in boolean option `queue_only`".to_string()
        )
    );
    assert_eq!(
        one_error("qualify_domain\n"),
        (
            1,
            "option `qualify_domain` needs a value: expected `=` after it".to_string()
        )
    );
    assert_eq!(
        one_error("qualify_domain a.example\n"),
        (
            1,
            "expected `=` after option `qualify_domain`, found `a.example`".to_string()
        )
    );
    assert_eq!(
        one_error("queue_only # comment\n"),
        (
            1,
            "unexpected text `# comment` after boolean option `queue_only`".to_string()
        )
    );
    assert_eq!(
        one_error("some_option value\n"),
        (
            1,
            "expected `=` after option name `some_option`, found `value`".to_string()
        )
    );
    assert_eq!(
        one_error("qualify_domain = a\n1abc = 2\n"),
        (
            2,
            "expected an option setting, found `1abc = 2`".to_string()
        )
    );
    assert_eq!(
        one_error("hide = 3\n"),
        (1, "expected an option name after `hide`".to_string())
    );
}

// ---------------------------------------------------------------------------------------------
// Named lists

#[test]
fn named_lists() {
    let cfg = no_errors(
        "domainlist local_domains = lsearch;/etc/localdomains\n\
         hide hostlist_cache relay = \"<; 127.0.0.1 ; ::1\"\n\
         addresslist ok = a@example.com\nlocalpartlist lp = \\N^x$\\N\n",
    );
    let d = cfg.named_list(ListKind::Domain, "local_domains").unwrap();
    assert_eq!(d.value, "lsearch;/etc/localdomains");
    assert_eq!(cfg.text(d.value_loc), "lsearch;/etc/localdomains");
    let h = cfg.named_list(ListKind::Host, "relay").unwrap();
    assert!(h.hide && h.cache);
    assert_eq!(h.value, "<; 127.0.0.1 ; ::1");
    assert_eq!(h.raw_value, "\"<; 127.0.0.1 ; ::1\"");
    assert!(cfg.named_list(ListKind::Address, "ok").is_some());
    assert_eq!(
        cfg.named_list(ListKind::LocalPart, "lp").unwrap().value,
        "\\N^x$\\N"
    );
    assert!(cfg.named_list(ListKind::Domain, "relay").is_none());
}

#[test]
fn named_list_errors() {
    assert_eq!(
        one_error("domainlist a = x\ndomainlist a = y\n"),
        (
            2,
            "domainlist `a` is defined a second time (first at line 1)".to_string()
        )
    );
    assert_eq!(
        one_error("hostlist relay x\n"),
        (
            1,
            "expected `=` after the name of hostlist `relay`, found `x`".to_string()
        )
    );
    assert_eq!(
        one_error("domainlists x = y\n"),
        (
            1,
            "expected white space and a list name after `domainlist`".to_string()
        )
    );
}

// ---------------------------------------------------------------------------------------------
// Macros

#[test]
fn macros_are_substring_substituted_in_definition_order() {
    let cfg = no_errors("FOO = foo_value\nAXL = xx\ngecos_name = FOOBAR_AXLS\n");
    assert_eq!(
        cfg.main_option("gecos_name").unwrap().value.as_deref(),
        Some("foo_valueBAR_xxS")
    );
    assert_eq!(cfg.macros.len(), 2);
    assert_eq!(cfg.macro_def("AXL").unwrap().value, "xx");
    // An empty macro: `acl_ACL` becomes `acl_`.
    let cfg = no_errors("ACL=\nacl_ACL = x\n");
    assert!(cfg.main_option("acl_").is_some());
}

#[test]
fn replacement_is_not_rescanned_for_the_same_macro_but_for_later_ones() {
    assert_eq!(
        main_value("AB = ABAB\ngecos_name = AB\n", "gecos_name"),
        "ABAB"
    );
    assert_eq!(
        main_value("AA = BB\nBB = cc\ngecos_name = AA\n", "gecos_name"),
        "cc"
    );
}

#[test]
fn redefinition_keeps_position_and_can_accumulate() {
    assert_eq!(
        main_value(
            "MAC = one\nMAC == MAC and two\ngecos_name = MAC\n",
            "gecos_name"
        ),
        "one and two"
    );
}

#[test]
fn macros_apply_everywhere() {
    // A line consisting only of an empty macro is ignored.
    no_errors("EMPTY =\nEMPTY\nqualify_domain = a\n");
    // A macro can make a whole setting.
    let cfg = no_errors("RECIPIENT=acl_smtp_rcpt=accept\nRECIPIENT\n");
    assert_eq!(
        cfg.main_option("acl_smtp_rcpt").unwrap().value.as_deref(),
        Some("accept")
    );
    // In `begin` lines, include names and directive lines.
    let cfg = no_errors("SECTION = routers\nbegin SECTION\nr1:\n  driver = accept\n");
    assert_eq!(cfg.routers().len(), 1);
    let mut seen = String::new();
    let mut resolve = |req: &IncludeRequest| {
        seen = req.path.clone();
        IncludeOutcome::NotFound
    };
    exim::load(
        SourceFile::from_str("etc/exim.conf", "DIR = /etc/exim\n.include DIR/x.conf\n"),
        &mut resolve,
    );
    assert_eq!(seen, "/etc/exim/x.conf");
    // A value from a macro maps back to the macro's name.
    let cfg = no_errors("HOST = mail.example\nprimary_hostname = HOST\n");
    assert_eq!(
        cfg.text(
            cfg.main_option("primary_hostname")
                .unwrap()
                .value_loc
                .unwrap()
        ),
        "HOST"
    );
}

#[test]
fn macro_errors() {
    let long = "A_MACRO_WHOSE_NAME_IS_LONGER_THAN_63_CHARACTERS_IS_DEFINED_HERE_FOR_TESTING";
    assert_eq!(
        one_error(&format!("qualify_domain = a\n{long} = v\n")),
        (
            2,
            "macro name too long: 75 characters, the maximum is 63".to_string()
        )
    );
    assert_eq!(
        one_error("X == 1\n"),
        (
            1,
            "`==` redefines a macro, but `X` is not defined yet".to_string()
        )
    );
    assert_eq!(
        one_error("X = 1\nX = 2\n"),
        (2, "macro `X` is already defined".to_string())
    );
    assert_eq!(
        one_error("AB = 1\nXABY = 2\n"),
        (
            2,
            "macro `XABY` cannot be defined: the earlier macro `AB` is part of its name"
                .to_string()
        )
    );
    // The reverse order is allowed.
    no_errors("XABY = 2\nAB = 1\n");
    assert_eq!(
        one_error("Qualify_domain a\n"),
        (
            1,
            "expected `=` after macro name `Qualify_domain`, found `a`: a line starting with an \
             upper-case letter defines a macro"
                .to_string()
        )
    );
}

#[test]
fn command_line_macros_win() {
    let opts = LoadOptions {
        command_line_macros: vec![("SERVER".into(), "server".into())],
        ..LoadOptions::default()
    };
    let cfg = conf_with(
        "SERVER = client\n.ifdef SERVER\ngecos_name = SERVER\n.endif\n",
        &opts,
    );
    assert!(cfg.errors.is_empty(), "{:?}", cfg.errors);
    assert_eq!(
        cfg.main_option("gecos_name").unwrap().value.as_deref(),
        Some("server")
    );
    // Without -D the branch is skipped.
    assert!(
        no_errors(".ifdef SERVER\ngecos_name = x\n.endif\n")
            .options
            .is_empty()
    );
}

#[test]
fn a_macro_definition_ends_a_driver() {
    assert_eq!(
        one_error("begin routers\nr1:\n  driver = accept\nX = 1\n  transport = t\n"),
        (
            5,
            "`transport = t` is not inside any router: router name missing".to_string()
        )
    );
    let cfg = no_errors("begin routers\nr1:\n  driver = accept\nX = y\nr2:\n  driver = X\n");
    assert_eq!(cfg.routers()[1].driver.as_deref(), Some("y"));
}

// ---------------------------------------------------------------------------------------------
// Conditionals

#[test]
fn ifdef_is_any_substitution_on_the_line() {
    let cfg = no_errors(
        "A = 1\n.ifdef NOPE A\ngecos_name = or\n.endif\n\
         .ifdef AAA\nqualify_domain = substring\n.endif\n\
         .ifndef A\nprimary_hostname = no\n.elifdef A\nprimary_hostname = elif\n.else\n\
         primary_hostname = else\n.endif\n",
    );
    assert_eq!(
        cfg.main_option("gecos_name").unwrap().value.as_deref(),
        Some("or")
    );
    assert_eq!(
        cfg.main_option("qualify_domain").unwrap().value.as_deref(),
        Some("substring")
    );
    assert_eq!(
        cfg.main_option("primary_hostname")
            .unwrap()
            .value
            .as_deref(),
        Some("elif")
    );
    // Nested: a skipped branch skips its inner conditionals too.
    let cfg = no_errors(
        ".ifdef NOPE\n.ifndef NOPE\ngecos_name = x\n.endif\n.else\nqualify_domain = y\n.endif\n",
    );
    assert!(cfg.main_option("gecos_name").is_none());
    assert!(cfg.main_option("qualify_domain").is_some());
}

#[test]
fn builtin_macros_policy() {
    let text = ".ifdef _HAVE_TLS\ngecos_name = tls\n.endif\n.ifdef _HAVE_DMARC\nqualify_domain = dmarc\n.endif\n\
                .ifdef _OPT_MAIN_TLS_CERTIFICATE\nprimary_hostname = opt\n.endif\n";
    let cfg = no_errors(text);
    assert!(cfg.main_option("gecos_name").is_some());
    assert!(
        cfg.main_option("qualify_domain").is_none(),
        "Debian 4.96 has no DMARC"
    );
    assert!(cfg.main_option("primary_hostname").is_some());
    let none = conf_with(
        text,
        &LoadOptions {
            builtins: Builtins::None,
            ..LoadOptions::default()
        },
    );
    assert!(none.options.is_empty());
    let custom = conf_with(
        text,
        &LoadOptions {
            builtins: Builtins::Custom(vec!["_HAVE_DMARC".into()]),
            ..LoadOptions::default()
        },
    );
    assert_eq!(custom.options.len(), 1);
    assert!(custom.main_option("qualify_domain").is_some());
}

#[test]
fn unbalanced_conditionals() {
    assert_eq!(
        one_error("qualify_domain = a\n.endif\n"),
        (2, "`.endif` without a matching `.ifdef`".to_string())
    );
    assert_eq!(
        one_error(".else\n"),
        (1, "`.else` without a matching `.ifdef`".to_string())
    );
    assert_eq!(
        one_error("qualify_domain = a\n.ifdef X\ngecos_name = b\n"),
        (2, "`.ifdef` is never closed: `.endif` missing".to_string())
    );
    let cfg = conf(".ifdef X\n.else\n.else\n.endif\n");
    assert_eq!(cfg.errors.len(), 1);
    assert_eq!(
        cfg.errors[0].message,
        "`.else` after `.else`: the lines it introduces can never be used"
    );
    assert!(
        !cfg.errors[0].exim_rejects,
        "Exim itself accepts a second .else"
    );
    let deep = ".ifdef X\n".repeat(11) + &".endif\n".repeat(11);
    assert_eq!(
        one_error(&deep),
        (
            11,
            "`.ifdef` nested too deeply: Exim allows at most 10 levels".to_string()
        )
    );
    no_errors(&(".ifdef X\n".repeat(10) + &".endif\n".repeat(10)));
}

#[test]
fn a_tab_after_a_directive_makes_exim_drop_it() {
    let text = ".ifdef\tX\ngecos_name = a\n.endif\n";
    let cfg = conf(text);
    assert_eq!(
        cfg.quirks,
        vec![Quirk::DroppedDirective {
            loc: cfg
                .quirks
                .first()
                .map(|q| match q {
                    Quirk::DroppedDirective { loc, .. } => *loc,
                })
                .unwrap(),
            directive: ".ifdef".into(),
            next: '\t',
        }]
    );
    // The branch is read, and the `.endif` has no `.ifdef`.
    assert!(cfg.main_option("gecos_name").is_some());
    assert_eq!(
        one_error(text),
        (3, "`.endif` without a matching `.ifdef`".to_string())
    );
    // Layer 1 shows it too.
    let src = SourceFile::from_str("etc/exim.conf", text);
    assert_eq!(exim::parse(&src).dropped_directives().count(), 1);
    // So is `.endif` at the end of a CRLF line: the CR follows the directive.
    let cfg = conf(".ifdef X\r\ngecos_name = a\r\n.endif\r\n");
    assert_eq!(cfg.quirks.len(), 1);
    assert_eq!(cfg.errors.len(), 1);
    assert_eq!(
        cfg.errors[0].message,
        "`.ifdef` is never closed: `.endif` missing"
    );
    // The letter `t` is accepted (a typo in Exim's reader).
    assert!(
        no_errors(".ifdeftX\ngecos_name = a\n.endif\n")
            .options
            .is_empty()
    );
}

// ---------------------------------------------------------------------------------------------
// Includes

#[test]
fn includes_are_resolved_and_recorded() {
    let mut asked = Vec::new();
    let mut resolve = |req: &IncludeRequest| {
        asked.push((
            req.path.clone(),
            req.resolved_path.clone(),
            req.including_file.clone(),
        ));
        match req.resolved_path.as_str() {
            "/etc/exim/sub/a.conf" => IncludeOutcome::Found(SourceFile::from_str(
                "etc/exim/sub/a.conf",
                "qualify_domain = a\n.include b.conf\n",
            )),
            "/etc/exim/sub/b.conf" => IncludeOutcome::Found(SourceFile::from_str(
                "etc/exim/sub/b.conf",
                "gecos_name = b\n",
            )),
            "/etc/secret" => IncludeOutcome::Refused("outside the server tree".into()),
            _ => IncludeOutcome::NotFound,
        }
    };
    let cfg = exim::load(
        SourceFile::from_str(
            "etc/exim/configure",
            ".include sub/a.conf\n.include \"/etc/secret\"\n.include /nope\n\
             .include_if_exists /also/nope\nprimary_hostname = p\n",
        ),
        &mut resolve,
    );
    assert!(cfg.errors.is_empty(), "{:?}", cfg.errors);
    assert_eq!(
        asked[0],
        (
            "sub/a.conf".into(),
            "/etc/exim/sub/a.conf".into(),
            "etc/exim/configure".into()
        )
    );
    assert_eq!(asked[1].2, "etc/exim/sub/a.conf");
    assert_eq!(cfg.files.len(), 3);
    assert_eq!(cfg.includes.len(), 5);
    assert_eq!(cfg.includes[0].status, IncludeStatus::Loaded(1));
    assert!(matches!(cfg.includes[2].status, IncludeStatus::Refused(_)));
    let missing: Vec<&str> = cfg.missing_includes().map(|i| i.path.as_str()).collect();
    assert_eq!(missing, vec!["/nope"]);
    let q = cfg.main_option("qualify_domain").unwrap();
    assert_eq!(cfg.position(q.loc).0, "etc/exim/sub/a.conf");
    assert_eq!(cfg.main_option("gecos_name").unwrap().loc.file, 2);
}

#[test]
fn include_errors() {
    assert_eq!(
        one_error(".include_if_exists relative.conf\n"),
        (
            1,
            "`.include_if_exists` needs an absolute path, found `relative.conf`".to_string()
        )
    );
    // A loop.
    let mut resolve = |_: &IncludeRequest| {
        IncludeOutcome::Found(SourceFile::from_str(
            "etc/loop.conf",
            ".include /etc/loop.conf\n",
        ))
    };
    let cfg = exim::load(
        SourceFile::from_str("etc/exim.conf", ".include /etc/loop.conf\n"),
        &mut resolve,
    );
    assert_eq!(cfg.errors.len(), 1);
    assert_eq!(
        cfg.errors[0].message,
        "include loop: `etc/loop.conf` includes itself"
    );
    // Too deep: each file includes the next.
    let mut n = 0;
    let mut resolve = |_: &IncludeRequest| {
        n += 1;
        IncludeOutcome::Found(SourceFile::from_str(
            format!("etc/d{n}"),
            ".include /next\n",
        ))
    };
    let cfg = exim::load(
        SourceFile::from_str("etc/exim.conf", ".include /next\n"),
        &mut resolve,
    );
    assert_eq!(cfg.errors.len(), 1, "{:?}", cfg.errors);
    assert_eq!(
        cfg.errors[0].message,
        "`/next` not read: includes nested more than 32 deep"
    );
    // Not read in a skipped branch.
    let mut called = false;
    let mut resolve = |_: &IncludeRequest| {
        called = true;
        IncludeOutcome::NotFound
    };
    exim::load(
        SourceFile::from_str("etc/exim.conf", ".ifdef X\n.include /x\n.endif\n"),
        &mut resolve,
    );
    assert!(!called);
}

// ---------------------------------------------------------------------------------------------
// Sections

#[test]
fn begin_lines() {
    let cfg = no_errors(
        "begin ACL\nbegin Router\nbegin transport\nbegin authenticator\nbegin retrys\n\
         begin rewrites\n",
    );
    let kinds: Vec<String> = cfg.sections.iter().map(|s| s.name.clone()).collect();
    assert_eq!(
        kinds,
        vec![
            "ACL",
            "Router",
            "transport",
            "authenticator",
            "retrys",
            "rewrites"
        ]
    );
    assert_eq!(
        one_error("begin\trouters\n"),
        (
            1,
            "a TAB after `begin`: Exim only recognises `begin` followed by a space".to_string()
        )
    );
    assert_eq!(
        one_error("begin acl # c\n"),
        (
            1,
            "`acl # c` is not a known configuration section name".to_string()
        )
    );
    assert_eq!(
        one_error("begin retries\n"),
        (
            1,
            "`retries` is not a known configuration section name".to_string()
        )
    );
    assert_eq!(
        one_error("qualify_domain = a\nbegin\n"),
        (2, "`begin` without a section name".to_string())
    );
    assert_eq!(
        one_error("begin acl\nbegin acls\n"),
        (2, "section `acls` appears a second time".to_string())
    );
    // Lines of an unknown section are not read.
    assert_eq!(errs("begin nonsense\nthis is ignored\n").len(), 1);
}

// ---------------------------------------------------------------------------------------------
// Drivers

const ROUTERS: &str = "begin routers\n\
    dnslookup:\n  driver = dnslookup\n  domains = ! +local_domains\n  transport = remote_smtp\n  \
    ignore_target_hosts = 0.0.0.0\n  no_more\n\n\
    check:\n  domains = a.example\n  condition = ${if true}\n  condition = ${if true}\n  driver= redirect\n  \
    data = :blackhole:\n  set = r_x=1\n  set = r_y=2\n\
    begin transports\n\
    remote_smtp:\n  driver = smtp\n  headers_add = X-A: 1\n  headers_add = X-B: 2\n  hide dkim_private_key = k\n\
    begin authenticators\n\
    plain:\n  driver = plaintext\n  public_name = PLAIN\n  server_condition = ${if eq{$auth2}{x}}\n";

#[test]
fn drivers_and_their_options() {
    let cfg = no_errors(ROUTERS);
    let r = cfg.routers();
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].name, "dnslookup");
    assert_eq!(cfg.text(r[0].name_loc), "dnslookup");
    assert_eq!(r[0].driver.as_deref(), Some("dnslookup"));
    assert_eq!(r[0].option("more").unwrap().as_bool(), Some(false));
    assert_eq!(
        r[0].option("domains").unwrap().value.as_deref(),
        Some("! +local_domains")
    );
    assert_eq!(r[1].options_named("condition").count(), 2);
    assert_eq!(r[1].options_named("set").count(), 2);
    assert_eq!(r[1].driver.as_deref(), Some("redirect"));
    let t = &cfg.transports()[0];
    assert_eq!(t.options_named("headers_add").count(), 2);
    assert!(t.option("dkim_private_key").unwrap().hide);
    assert_eq!(
        cfg.authenticators()[0]
            .option("public_name")
            .unwrap()
            .value
            .as_deref(),
        Some("PLAIN")
    );
    assert!(cfg.router("check").is_some() && cfg.transport("remote_smtp").is_some());
}

#[test]
fn driver_errors() {
    assert_eq!(
        one_error("begin routers\nr1:\n  data = x\n  driver = redirect\n"),
        (
            3,
            "option `data` of router `r1` comes before `driver =`: it is not a generic router \
             option, so Exim cannot know it yet"
                .to_string()
        )
    );
    assert_eq!(
        one_error("begin routers\nr1: # the first\n  driver = accept\n"),
        (
            2,
            "unexpected text `# the first` after router name `r1:`".to_string()
        )
    );
    assert_eq!(
        one_error("begin transports\nt.1:\n  driver = smtp\n"),
        (
            2,
            "malformed transport name `t.1` (`.` is not allowed)".to_string()
        )
    );
    assert_eq!(
        one_error("begin routers\n  driver = accept\n"),
        (
            2,
            "`driver = accept` is not inside any router: router name missing".to_string()
        )
    );
    assert_eq!(
        one_error("begin routers\nr1:\n  domains = a\n"),
        (2, "router `r1` has no `driver` option".to_string())
    );
    assert_eq!(
        one_error("begin routers\nr1:\n  driver = accept\nr1:\n  driver = accept\n"),
        (
            4,
            "there is already a router called `r1` (line 2)".to_string()
        )
    );
    assert_eq!(
        one_error("begin routers\nr1:\n  driver = redirect\n  data = a\n  data = b\n"),
        (
            5,
            "option `data` is set a second time in this router (first set at line 4)".to_string()
        )
    );
    assert_eq!(
        one_error("begin transports\nt1:\n  driver = smtp\n  no_delivery_date_add\n  delivery_date_add\n"),
        (
            5,
            "option `delivery_date_add` is set a second time in this transport (first set at line 4)"
                .to_string()
        )
    );
    assert_eq!(
        one_error(
            "begin transports\nt1:\n  driver = pipe\n  headers_remove = a\n  headers_remove = b\n  condition = x\n  condition = y\n"
        ),
        (
            7,
            "option `condition` is set a second time in this transport (first set at line 6)"
                .to_string()
        )
    );
    assert_eq!(
        one_error(
            "begin routers\nr1:\n  driver = redirect\n  data = x\n  unseen = $h\n  one_time\n"
        ),
        (
            5,
            "`unseen` cannot be used with `one_time` in redirect router `r1`".to_string()
        )
    );
    no_errors("begin routers\nr1:\n  driver = redirect\n  data = x\n  no_unseen\n  one_time\n");
    assert_eq!(
        one_error("begin routers\nr1:\n  driver = accept\n  no_verify = true\n"),
        (4, "`no_verify` cannot take a value".to_string())
    );
    assert_eq!(
        one_error("begin authenticators\na1:\n  driver = plaintext\n  no_public_name\n"),
        (
            4,
            "`public_name` is not a boolean option, so it cannot be negated with `no_`".to_string()
        )
    );
}

#[test]
fn the_tail_of_a_broken_value_is_not_reported_twice() {
    let text = "begin routers\nr1:\n  driver = redirect\n  data = \\\n    \"a \"b\" c\n  }\"\n  \
                file_transport = address_file\n";
    let e = errs(text);
    assert_eq!(
        e,
        vec![(
            5,
            "extra characters after the quoted value of `data`".to_string()
        )]
    );
    let cfg = conf(text);
    let help = cfg.errors[0].help.as_deref().unwrap();
    assert!(help.contains("ends at line 5, column 8"), "{help}");
    assert!(help.contains("a `\\` may be missing"), "{help}");
}

// ---------------------------------------------------------------------------------------------
// ACLs

const ACLS: &str = "begin acl\n\
    acl_check_rcpt:  anything after the colon is ignored\n\
    \x20 accept  hosts = :\n\
    \x20 deny    message = \"Restricted characters in address\"\n\
    \x20         domains = +local_domains\n\
    \x20         local_parts = ^[.] : ^.*[@%!/|]\n\
    \x20 warn\n\
    \x20   ! verify = sender\n\
    \x20   set acl_m_flag = 1\n\
    \x20   set acl_c9=x\n\
    \x20 accept  endpass\n\
    \x20 require !authenticated = *\n\
    empty:\n";

#[test]
fn acl_statements() {
    let cfg = no_errors(ACLS);
    let a = cfg.acl("acl_check_rcpt").unwrap();
    assert_eq!(cfg.acls().len(), 2);
    assert!(cfg.acl("empty").unwrap().statements.is_empty());
    let verbs: Vec<AclVerb> = a.statements.iter().map(|s| s.verb).collect();
    assert_eq!(
        verbs,
        vec![
            AclVerb::Accept,
            AclVerb::Deny,
            AclVerb::Warn,
            AclVerb::Accept,
            AclVerb::Require
        ]
    );
    let deny = &a.statements[1];
    assert_eq!(deny.items.len(), 3);
    assert_eq!(deny.items[0].name, "message");
    assert!(deny.items[0].is_modifier);
    // ACL values are not dequoted.
    assert_eq!(
        deny.items[0].value.as_deref(),
        Some("\"Restricted characters in address\"")
    );
    let warn = &a.statements[2];
    assert!(warn.items[0].negated);
    assert_eq!(warn.items[0].name, "verify");
    assert_eq!(warn.items[1].variable.as_deref(), Some("acl_m_flag"));
    assert_eq!(warn.items[1].value.as_deref(), Some("1"));
    assert_eq!(warn.items[2].variable.as_deref(), Some("acl_c9"));
    assert_eq!(warn.items[2].value.as_deref(), Some("x"));
    assert_eq!(a.statements[3].items[0].name, "endpass");
    assert_eq!(a.statements[3].items[0].value, None);
    assert!(a.statements[4].items[0].negated);
    assert_eq!(cfg.text(deny.items[1].value_loc.unwrap()), "+local_domains");
}

#[test]
fn acl_errors() {
    assert_eq!(
        one_error("begin acl\n\nacl_10.0.0:\n  accept\n"),
        (
            3,
            "malformed ACL name `acl_10.0.0` (`.` is not allowed)".to_string()
        )
    );
    // Inside an ACL, Exim reads such a line as a condition: still reported as a bad name.
    assert_eq!(
        one_error("begin acl\na1:\n  accept hosts = x\nacl_10._0_0:\n  accept\n"),
        (
            4,
            "malformed ACL name `acl_10._0_0` (`.` is not allowed)".to_string()
        )
    );
    assert_eq!(
        one_error("begin acl\n  accept\n"),
        (
            2,
            "expected an ACL name followed by `:`, found `accept`".to_string()
        )
    );
    assert_eq!(
        one_error("begin acl\na1:\n  allow hosts = x\n"),
        (
            3,
            "expected an ACL verb (accept, defer, deny, discard, drop, require, warn), found \
             `allow hosts = x`"
                .to_string()
        )
    );
    // The conditions of a statement whose verb is wrong are not reported again.
    assert_eq!(
        errs("begin acl\na1:\n  allow hosts = x\n        domains = y\n  accept\n").len(),
        1
    );
    assert_eq!(
        one_error("begin acl\na1:\n  accept\n    host = x\n"),
        (
            4,
            "unknown ACL condition or modifier in `host = x`".to_string()
        )
    );
    assert_eq!(
        one_error("begin acl\na1:\n  deny hosts\n"),
        (3, "expected `=` after ACL condition `hosts`".to_string())
    );
    assert_eq!(
        one_error("begin acl\na1:\n  deny !message = x\n"),
        (3, "`!` cannot negate the modifier `message`".to_string())
    );
    assert_eq!(
        one_error("begin acl\na1:\n  !deny\n"),
        (3, "`!` cannot negate the verb `deny`".to_string())
    );
    assert_eq!(
        one_error("begin acl\na1:\n  deny endpass\n"),
        (3, "`endpass` is not allowed with `deny`".to_string())
    );
    assert_eq!(
        one_error("begin acl\na1:\n  warn set acl_mx = 1\n"),
        (
            3,
            "invalid variable name `acl_mx` after `set`: `acl_c` or `acl_m` must be followed by \
             a digit or `_`"
                .to_string()
        )
    );
    assert_eq!(
        one_error("begin acl\na1:\n  warn set acl_x = 1\n"),
        (
            3,
            "invalid variable name `acl_x` after `set`: the variable name must start with \
             `acl_c` or `acl_m`"
                .to_string()
        )
    );
    assert_eq!(
        one_error("begin acl\na1:\n  accept\na1:\n  accept\n"),
        (
            4,
            "there is already an ACL called `a1` (line 2)".to_string()
        )
    );
}

// ---------------------------------------------------------------------------------------------
// Retry and rewrite

#[test]
fn retry_rules() {
    let cfg = no_errors(
        "begin retry\n+secondarymx  *  F,4h,5m; G,16h,1h,1.5; F,4d,8h\n\
         \"* @ x.example\" rcpt_4xx senders = \"a b\" F, 2h, 15m\n\
         *.example quota_7d\n",
    );
    let r = &cfg.retry_rules;
    assert_eq!(r.len(), 3);
    assert_eq!(r[0].pattern, "+secondarymx");
    assert_eq!(r[0].params.len(), 3);
    assert_eq!(r[0].params[1].letter, 'G');
    assert_eq!(r[0].params[1].cutoff, Some(16 * 3600));
    assert_eq!(r[0].params[1].interval, Some(3600));
    assert_eq!(r[0].params[1].factor, Some(1.5));
    assert_eq!(r[1].pattern, "* @ x.example");
    assert_eq!(r[1].senders.as_deref(), Some("a b"));
    assert_eq!(r[1].params[0].cutoff, Some(7200));
    assert_eq!(r[2].error, "quota_7d");
    assert!(r[2].params.is_empty());
}

#[test]
fn retry_errors() {
    let e = |rule: &str| one_error(&format!("begin retry\n{rule}\n"));
    assert_eq!(
        e("*  *  G,1,20m,1.5"),
        (2, "bad parameters `G,1,20m,1.5` in retry rule".to_string())
    );
    assert_eq!(
        e("* * F,0s,5m"),
        (2, "bad parameters `F,0s,5m` in retry rule".to_string())
    );
    assert_eq!(
        e("* * G,16h,1h,0.5"),
        (2, "bad parameters `G,16h,1h,0.5` in retry rule".to_string())
    );
    assert_eq!(
        e("* * X,2h,15m"),
        (2, "unknown retry rule letter `X`".to_string())
    );
    assert_eq!(
        e("* * F ,2h,15m"),
        (
            2,
            "expected `,` in retry parameters, found white space (no space is allowed before a \
             comma)"
                .to_string()
        )
    );
    assert_eq!(
        e("* * F,2h,15m G,1h,1h,2"),
        (2, "expected `;` between retry parameter sets".to_string())
    );
    assert_eq!(
        e("*.example"),
        (2, "missing error type in retry rule".to_string())
    );
    assert_eq!(
        e("* timeout_B F,1h,1m"),
        (
            2,
            "unknown or malformed retry error `timeout_B`: `A`, `MX` or `connect` expected \
             after `timeout_`"
                .to_string()
        )
    );
    // A macro in the rule: the location is the macro's name.
    let cfg = conf("RETRY=G,1,20m,1.5\nbegin retry\n*   *  RETRY\n");
    assert_eq!(cfg.text(cfg.errors[0].loc), "RETRY");
    assert_eq!(cfg.position(cfg.errors[0].loc).1.line, 3);
}

#[test]
fn rewrite_rules() {
    let cfg = no_errors(
        "begin rewrite\n*@example.net  $1@example.com  F T\n\
         ^(x)@y  \"${lookup{$1}lsearch{/etc/a}}\" Sw\n",
    );
    let r = &cfg.rewrite_rules;
    assert_eq!(r[0].replacement, "$1@example.com");
    assert_eq!(r[0].flags, "FT");
    assert_eq!(r[1].replacement, "${lookup{$1}lsearch{/etc/a}}");
    assert_eq!(r[1].flags, "Sw");
    assert_eq!(
        one_error("begin rewrite\n*@a.example ${lookup{$1} lsearch{/x}}\n"),
        (2, "unknown rewrite flag `l`".to_string())
    );
    assert_eq!(
        one_error("begin rewrite\n*@a.example b@c S\n"),
        (
            2,
            "rewrite flag `S` needs a regular expression pattern".to_string()
        )
    );
    assert_eq!(
        one_error("begin rewrite\n*@a.example\n"),
        (2, "missing replacement in rewrite rule".to_string())
    );
}

// ---------------------------------------------------------------------------------------------
// Robustness

fn token() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "begin ",
        "routers",
        "acl",
        "retry",
        "rewrite",
        "transports",
        "authenticators",
        "\n",
        "\n",
        "\n",
        " ",
        "\t",
        "\\",
        "\\\n",
        "\r\n",
        "#",
        ".ifdef ",
        ".ifndef ",
        ".else",
        ".endif",
        ".elifdef ",
        ".include ",
        ".include_if_exists ",
        "A",
        "A = x",
        "B == y",
        "_HAVE_TLS",
        ":",
        "=",
        "\"",
        "\"q\"",
        "x",
        "no_",
        "hide ",
        "driver",
        "accept",
        "deny",
        "!",
        "set ",
        "acl_m_",
        "domainlist",
        "hostlist ",
        "r1:",
        "F,2h,15m",
        ";",
        "*",
        "$",
        "{",
        "}",
        "\u{FEFF}",
        "\u{e9}",
        "\u{0}",
        "endpass",
        "condition = ",
        "warn",
        "senders",
    ])
}

fn check_everything(bytes: &[u8]) {
    // A hang guard, not a speed measurement (BENCHMARKS.md has those).
    check_within(bytes, Duration::from_secs(60));
}

fn check_within(bytes: &[u8], limit: Duration) {
    let start = Instant::now();
    roundtrip(bytes);
    let mut resolve = |_: &IncludeRequest| {
        IncludeOutcome::Found(SourceFile::from_str("etc/inc", "qualify_domain = i\n"))
    };
    let cfg = exim::load(
        SourceFile::new("etc/exim.conf", bytes.to_vec()),
        &mut resolve,
    );
    for e in cfg.errors() {
        let _ = cfg.position(e.loc);
        assert!(e.loc.span.end as usize <= cfg.files[e.loc.file].source.len());
    }
    for l in &cfg.lines {
        let loc = l.loc(0..l.text.len());
        assert!(loc.span.start <= loc.span.end);
    }
    let t = start.elapsed();
    let shown = String::from_utf8_lossy(&bytes[..bytes.len().min(60)]);
    assert!(
        t < limit,
        "{t:?} on {} bytes starting {shown:?}",
        bytes.len()
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        check_everything(&bytes);
    }

    #[test]
    fn exim_like_token_soup(tokens in prop::collection::vec(token(), 0..120)) {
        check_everything(tokens.concat().as_bytes());
    }

    #[test]
    fn mutated_real_lines(
        start in 0usize..3200,
        len in 1usize..60,
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, any::<u8>()), 1..6),
    ) {
        let all = common::corpus_file("exim/cpanel/moko879_exim_forwarding__exim.conf");
        let lines: Vec<&[u8]> = all.split_inclusive(|&b| b == b'\n').collect();
        let s = start.min(lines.len() - 1);
        let e = (s + len).min(lines.len());
        let mut bytes: Vec<u8> = lines[s..e].concat();
        for (at, op, b) in edits {
            if bytes.is_empty() {
                bytes.push(b);
                continue;
            }
            let i = at.index(bytes.len());
            match op {
                0 => bytes.insert(i, b),
                1 => { bytes.remove(i); }
                _ => bytes[i] = b,
            }
        }
        check_everything(&bytes);
    }
}

#[test]
fn a_4_mib_line_is_fast() {
    let big = 4 * 1024 * 1024;
    // A hang guard, not a speed measurement (BENCHMARKS.md has those): far above what a linear
    // parser needs on a loaded machine, far below what a quadratic one takes on 4 MiB.
    let limit = Duration::from_secs(60);
    for text in [
        format!("gecos_name = {}\n", "a".repeat(big)),
        format!("gecos_name = \"{}\" x\n", "a\\\"".repeat(big / 3)),
        "A".repeat(big),
        format!("X = y\ngecos_name = {}", "XAb ".repeat(big / 4)),
        format!("begin retry\n* * F,{}", "1".repeat(big)),
        format!("hostlist {} = x\n", "a".repeat(big)),
        format!("begin acl\na:\n accept hosts = {}", "$".repeat(big)),
    ] {
        let start = Instant::now();
        check_within(text.as_bytes(), limit);
        println!("{:?} for {:?}…", start.elapsed(), &text[..20]);
    }
}
