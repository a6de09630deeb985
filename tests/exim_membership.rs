//! Routing-list membership, decided by the real Exim.
//!
//! cPanel's Exim configuration reads `etc/localdomains` with `domainlist local_domains =
//! lsearch;/etc/localdomains`. For every way a line of that file can be written, this test writes
//! the list, asks Exim 4.96 (`exim4 -C CONF -bt user@DOMAIN`) whether it routes the domain with
//! the router for `+local_domains` or with the one for everything else, and asserts that maillint
//! agrees:
//!
//! - the model's membership (`maillint::model::lists::RoutingList::contains`), and
//! - what a user sees: RT004 ("in none of the routing lists") for an account domain whose only
//!   list is that file fires exactly when Exim does not list the domain.
//!
//! Each variant also states the answer Exim gave when the table was written (`exim`), so that the
//! table documents the verified behaviour and a different Exim build that answers otherwise is
//! noticed. How Exim is run is described in tests/oracles.rs: root keeps its privileges for `-C`
//! and then wants a root-owned configuration that is not group- or world-writable (0644); the
//! spool and log live in the temporary directory; the non-local router sends to an IP literal, so
//! no DNS lookup is made. A missing `exim4` fails the test when `MAILLINT_REQUIRE_TOOLS=1`.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use common::{findings, tool};
use maillint::model::lists::RoutingList;
use maillint::source::SourceFile;
use tempfile::TempDir;

/// One way of writing the list.
struct Variant {
    name: &'static str,
    /// The whole content of `etc/localdomains`.
    list: Vec<u8>,
    /// The domain of the address Exim is asked about (maillint is asked about it in lower case,
    /// as cPanel names domains).
    domain: &'static str,
    /// Whether Exim 4.96 lists the domain (what it answered when this table was written).
    exim: bool,
}

fn v(name: &'static str, list: impl Into<Vec<u8>>, domain: &'static str, exim: bool) -> Variant {
    Variant {
        name,
        list: list.into(),
        domain,
        exim,
    }
}

fn variants() -> Vec<Variant> {
    let long = "a".repeat(5000);
    vec![
        v("exact", "example.org\n", "example.org", true),
        v(
            "upper case in the file",
            "EXAMPLE.ORG\n",
            "example.org",
            true,
        ),
        v(
            "mixed case in the file",
            "Example.Org\n",
            "example.org",
            true,
        ),
        v(
            "upper case in the address",
            "example.org\n",
            "EXAMPLE.ORG",
            true,
        ),
        v("trailing dot", "example.org.\n", "example.org", false),
        v(
            "trailing dot, then the exact line",
            "example.org.\nexample.org\n",
            "example.org",
            true,
        ),
        v("leading space", " example.org\n", "example.org", false),
        v("leading tab", "\texample.org\n", "example.org", false),
        v(
            "leading vertical tab",
            "\x0bexample.org\n",
            "example.org",
            false,
        ),
        v(
            "leading form feed",
            "\x0cexample.org\n",
            "example.org",
            false,
        ),
        v(
            "leading no-break space (not white space to Exim)",
            "\u{a0}example.org\n",
            "example.org",
            false,
        ),
        v("trailing space", "example.org \n", "example.org", true),
        v("trailing tab", "example.org\t\n", "example.org", true),
        v(
            "trailing vertical tab",
            "example.org\x0b\n",
            "example.org",
            true,
        ),
        v("CRLF line end", "example.org\r\n", "example.org", true),
        v(
            "CR at the end of the file",
            "example.org\r",
            "example.org",
            true,
        ),
        v("two CRs", "example.org\r\r\n", "example.org", true),
        v(
            "UTF-8 BOM before the first line",
            "\u{feff}example.org\n",
            "example.org",
            false,
        ),
        v(
            "UTF-8 BOM, the domain on the second line",
            "\u{feff}example.net\nexample.org\n",
            "example.org",
            true,
        ),
        v("comment line", "# example.org\n", "example.org", false),
        v(
            "comment on the same line",
            "example.org # comment\n",
            "example.org",
            true,
        ),
        v(
            "`domain: value`",
            "example.org: value\n",
            "example.org",
            true,
        ),
        v("`domain:value`", "example.org:value\n", "example.org", true),
        v("`domain:`", "example.org:\n", "example.org", true),
        v("`:domain`", ":example.org\n", "example.org", false),
        v("quoted domain", "\"example.org\"\n", "example.org", true),
        v(
            "quoted, upper case, data after it",
            "\"Example.ORG\" data\n",
            "example.org",
            true,
        ),
        v(
            "quoted with an unterminated quote",
            "\"example.org\n",
            "example.org",
            true,
        ),
        v(
            "quoted with a hex escape",
            "\"exa\\x6dple.org\"\n",
            "example.org",
            true,
        ),
        v(
            "quoted with an octal escape",
            "\"\\145xample.org\"\n",
            "example.org",
            true,
        ),
        v(
            "quoted with an escaped final quote",
            "\"example.org\\\"\n",
            "example.org",
            false,
        ),
        v(
            "quoted with a colon inside",
            "\"example.org:x\"\n",
            "example.org",
            false,
        ),
        v(
            "continuation line (space)",
            "a.example\n example.org\n",
            "example.org",
            false,
        ),
        v(
            "continuation line (tab)",
            "a.example:\n\texample.org\n",
            "example.org",
            false,
        ),
        v(
            "continuation after a comment",
            "# note\n example.org\n",
            "example.org",
            false,
        ),
        v("blank line before", "\nexample.org\n", "example.org", true),
        v(
            "white-space-only line before",
            " \t\nexample.org\n",
            "example.org",
            true,
        ),
        v(
            "duplicate lines",
            "example.org\nexample.org\n",
            "example.org",
            true,
        ),
        v(
            "two domains on a line, the first",
            "example.org example.net\n",
            "example.org",
            true,
        ),
        v(
            "two domains on a line, the second",
            "example.net example.org\n",
            "example.org",
            false,
        ),
        v("no final newline", "example.org", "example.org", true),
        v(
            "no final newline after another line",
            "example.net\nexample.org",
            "example.org",
            true,
        ),
        v(
            "wildcard line, a subdomain asked",
            "*.example.org\n",
            "a.example.org",
            false,
        ),
        v(
            "wildcard line, the parent asked",
            "*.example.org\n",
            "example.org",
            false,
        ),
        v(
            "IDN in punycode",
            "xn--bcher-kva.example\n",
            "xn--bcher-kva.example",
            true,
        ),
        v(
            "IDN in punycode, upper case",
            "XN--BCHER-KVA.example\n",
            "xn--bcher-kva.example",
            true,
        ),
        v(
            "IDN in UTF-8, the punycode name asked",
            "b\u{fc}cher.example\n",
            "xn--bcher-kva.example",
            false,
        ),
        v(
            "NUL after the domain",
            "example.org\0\n",
            "example.org",
            true,
        ),
        v(
            "NUL inside the domain",
            "exam\0ple.org\n",
            "example.org",
            false,
        ),
        v(
            "line after a line with a NUL",
            "example.net\0\nexample.org\n",
            "example.org",
            false,
        ),
        v(
            "line after a line that starts with a NUL",
            "\0\nexample.org\n",
            "example.org",
            false,
        ),
        v(
            "two lines after two NUL lines",
            "a\0\nb\0\nexample.org\n",
            "example.org",
            false,
        ),
        v(
            "second line after a NUL line",
            "a\0\nb\nexample.org\n",
            "example.org",
            true,
        ),
        v(
            "line after a line longer than Exim's 4096-byte buffer",
            format!("{long}\nexample.org\n"),
            "example.org",
            true,
        ),
        v(
            "domain followed by 5000 spaces",
            format!("example.org{}\n", " ".repeat(5000)),
            "example.org",
            true,
        ),
        v(
            "domain after 5000 spaces",
            format!("{}example.org\n", " ".repeat(5000)),
            "example.org",
            false,
        ),
    ]
}

/// A minimal configuration: `+local_domains` from the list goes to `local`, every other domain
/// to `remote` (an IP literal: no DNS).
fn conf(tmp: &Path, list: &Path) -> String {
    let t = tmp.display();
    format!(
        "# Written by tests/exim_membership.rs.
domainlist local_domains = lsearch;{list}
primary_hostname = server.example.net
spool_directory = {t}/spool
log_file_path = {t}/log/%slog
exim_user = 65534
exim_group = 65534
keep_environment =

begin routers

local:
  driver = accept
  domains = +local_domains
  transport = local_delivery

remote:
  driver = manualroute
  route_list = * 192.0.2.99
  transport = remote_smtp

begin transports

remote_smtp:
  driver = smtp

local_delivery:
  driver = appendfile
  file = {t}/delivered
",
        list = list.display()
    )
}

/// Whether Exim routes `user@domain` with the `local` router.
fn exim_lists(exim: &Path, conf: &Path, domain: &str) -> bool {
    let out = Command::new(exim)
        .arg("-C")
        .arg(conf)
        .args(["-bt", &format!("user@{domain}")])
        .output()
        .expect("exim4 runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let what = format!(
        "exim4 -bt user@{domain}: {}\n--- stdout ---\n{stdout}--- stderr ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{what}");
    if stdout.contains("router = local,") {
        true
    } else {
        assert!(stdout.contains("router = remote,"), "{what}");
        false
    }
}

/// Whether maillint's RT004 says the account domain `domain` is in no routing list, on a server
/// whose only list is `list`.
fn rt004_fires(tmp: &Path, list: &[u8], domain: &str) -> bool {
    let root = tmp.join("server");
    let _ = fs::remove_dir_all(&root);
    fs::create_dir_all(root.join("etc")).unwrap();
    fs::create_dir_all(root.join("var/cpanel/users")).unwrap();
    fs::write(root.join("etc/localdomains"), list).unwrap();
    fs::write(
        root.join("var/cpanel/users/bob"),
        format!("DNS={domain}\nUSER=bob\n"),
    )
    .unwrap();
    let out = common::maillint(&[
        root.to_str().unwrap(),
        "--format",
        "json",
        "--select",
        "RT004",
    ]);
    findings(&out.stdout)
        .iter()
        .any(|(code, d, _)| code == "RT004" && d == domain)
}

#[test]
fn maillint_lists_a_domain_exactly_when_exim_does() {
    let Some(exim) = tool("exim4", "exim4-daemon-heavy") else {
        return;
    };
    let tmp = TempDir::new().unwrap();
    let list = tmp.path().join("localdomains");
    let conf_path = tmp.path().join("exim.conf");
    fs::write(&conf_path, conf(tmp.path(), &list)).unwrap();
    fs::set_permissions(&conf_path, fs::Permissions::from_mode(0o644)).unwrap();

    let mut table = Vec::new();
    let mut wrong = Vec::new();
    for var in variants() {
        fs::write(&list, &var.list).unwrap();
        let exim_says = exim_lists(&exim, &conf_path, var.domain);
        let domain = var.domain.to_ascii_lowercase();
        let model = RoutingList::from_source(SourceFile::new("etc/localdomains", var.list.clone()))
            .contains(&domain);
        let unrouted = rt004_fires(tmp.path(), &var.list, &domain);
        table.push(format!(
            "{:<55} {:<24} exim: {:<10} maillint: {}",
            var.name,
            var.domain,
            if exim_says { "listed" } else { "not listed" },
            if model { "listed" } else { "not listed" },
        ));
        if exim_says != var.exim {
            wrong.push(format!(
                "{}: Exim now says {exim_says}, the table says {}",
                var.name, var.exim
            ));
        }
        if model != exim_says {
            wrong.push(format!(
                "{}: the model says {model}, Exim says {exim_says}",
                var.name
            ));
        }
        if unrouted == exim_says {
            wrong.push(format!(
                "{}: RT004 {}, but Exim {} the domain",
                var.name,
                if unrouted { "fires" } else { "is silent" },
                if exim_says { "lists" } else { "does not list" }
            ));
        }
    }
    eprintln!("{}", table.join("\n"));
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
