//! `testdata/clean`: a correctly configured small cPanel server, written the way cPanel writes
//! every file, lints with exit 0 and no warning or error. Each variation below adds one thing to
//! a copy of it and asserts what maillint then says (and, where it is a false positive of older
//! versions, that it stays silent).
//!
//! The tree (host server.example.net, 192.0.2.10, name servers ns1/ns2.example.net):
//!
//! - `examplec`: main example.com (mailboxes alice, bob; forwarders, among them
//!   `orders@example.com: team+orders@example.org`, a `+` suffix), subdomain blog.example.com
//!   with only the lines cPanel writes for a new domain (`*: examplec`, empty
//!   vdomainaliases/vfilters: not a mail domain), addon example.org (mailbox team, default
//!   address `:fail:`) backed by exampleorg.example.com, parked examplecorp.example.
//! - `harbor`: harbor.example with a dedicated IPv6 address (userdata `ipv6` mapping, AAAA
//!   records next to the A records, `+ip6:` in SPF), subdomain shop.harbor.example with a
//!   mailbox (a mail domain: SPF and DKIM at its name in the parent zone).
//! - `meadow`: meadow.example on a dedicated IPv4 address (`etc/ips`, `etc/mailips`), DMARC
//!   `p=quarantine`; addon meadowfarm.example whose mail is hosted elsewhere (MXCHECK remote, in
//!   `etc/remotedomains`, SPF includes the provider).
//! - `orchard`: orchard.example, DMARC `p=reject`, default address `:fail:`.
//!
//! Every zone has cPanel's records: NS naming the server's name servers, `MX 0` to the domain,
//! `mail` CNAME, SPF `v=spf1 +a +mx +ip4:… ~all`, a 2048-bit DKIM key at `default._domainkey`
//! (in the 255-byte split form with `\;`) matching `var/cpanel/domain_keys/public/DOMAIN`, and
//! DMARC (cPanel's default `v=DMARC1; p=none;` unless said above). DKIM private keys and
//! cPanel's caches (`users.cache`, `userdata/*.cache`) are left out: maillint never reads the
//! private keys, and caches in a repository get arbitrary modification times.
//!
//! The only findings are DMARC003 (info) for the five domains whose policy is cPanel's default
//! `p=none`: true advice (p=none protects nobody), so they stay.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{findings, maillint};
use tempfile::TempDir;

fn run(tree: &str, args: &[&str]) -> (i32, String) {
    let mut all = vec![tree];
    all.extend_from_slice(args);
    let out = maillint(&all);
    assert!(
        out.stderr.is_empty(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
    )
}

fn expected(list: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    list.iter()
        .map(|(c, d, l)| (c.to_string(), d.to_string(), l.to_string()))
        .collect()
}

/// The DMARC003 findings of the tree as it is (`p=none`, cPanel's default policy).
const ADVICE: &[(&str, &str, &str)] = &[
    ("DMARC003", "example.com", "var/named/example.com.db:37:35"),
    ("DMARC003", "example.org", "var/named/example.org.db:37:35"),
    (
        "DMARC003",
        "examplecorp.example",
        "var/named/examplecorp.example.db:37:35",
    ),
    (
        "DMARC003",
        "harbor.example",
        "var/named/harbor.example.db:37:35",
    ),
    (
        "DMARC003",
        "meadowfarm.example",
        "var/named/meadowfarm.example.db:38:35",
    ),
];

#[test]
fn the_clean_server_has_no_warning_and_exits_0() {
    let (code, json) = run("testdata/clean", &["--format", "json"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(findings(json.as_bytes()), expected(ADVICE));
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    for f in doc["findings"].as_array().unwrap() {
        assert_eq!(f["severity"], "info", "{f}");
    }
    // The advice is true: each of these zones says `p=none`, and the other mail domains enforce
    // a policy (meadow.example, orchard.example) or inherit harbor.example's
    // (shop.harbor.example).
    let root = common::testdata_dir().join("clean");
    for (_, d, _) in ADVICE {
        let zone = fs::read_to_string(root.join(format!("var/named/{d}.db"))).unwrap();
        assert!(
            zone.contains("_dmarc\t14400\tIN\tTXT\t\"v=DMARC1\\; p=none\\;\""),
            "{d}"
        );
    }
    for d in ["meadow.example", "orchard.example"] {
        let zone = fs::read_to_string(root.join(format!("var/named/{d}.db"))).unwrap();
        assert!(!zone.contains("p=none"), "{d}");
    }
    snapshot!("tree.clean.full", run("testdata/clean", &[]).1);
    // Nothing to fix.
    let (code, _) = run(
        "testdata/clean",
        &["--ignore", "DMARC003", "--format", "json"],
    );
    assert_eq!(code, 0);
}

/// A copy of testdata/clean in a temporary directory.
fn copy() -> (TempDir, PathBuf) {
    let tmp = TempDir::new().unwrap();
    let root = tmp.path().join("clean");
    common::copy_tree(&common::testdata_dir().join("clean"), &root);
    (tmp, root)
}

fn write(root: &Path, rel: &str, text: impl AsRef<[u8]>) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

fn append(root: &Path, rel: &str, text: &str) {
    let mut old = fs::read_to_string(root.join(rel)).unwrap();
    old.push_str(text);
    write(root, rel, old);
}

fn replace(root: &Path, rel: &str, from: &str, to: &str) {
    let old = fs::read_to_string(root.join(rel)).unwrap();
    assert!(old.contains(from), "{rel} has no {from:?}");
    write(root, rel, old.replacen(from, to, 1));
}

/// The findings of a tree, DMARC003 left out (the clean tree's advice).
fn lint(root: &Path) -> (i32, Vec<(String, String, String)>) {
    let out = maillint(&[
        root.to_str().unwrap(),
        "--format",
        "json",
        "--ignore",
        "DMARC003",
    ]);
    let code = out.status.code().unwrap();
    assert!(code <= 1, "{}", String::from_utf8_lossy(&out.stderr));
    (code, findings(&out.stdout))
}

// ---------------------------------------------------------------------------------------------
// Mail domains: the lines cPanel writes for every new domain.

#[test]
fn a_subdomain_with_only_cpanels_default_lines_is_no_mail_domain() {
    // blog.example.com has `*: examplec`, an empty vdomainaliases and an empty vfilters file,
    // its A record and no SPF: nothing to say. (maillint 0.1 reported SPF001 for it.)
    let (code, f) = lint(&common::testdata_dir().join("clean"));
    assert_eq!((code, f), (0, vec![]));

    // The other defaults cPanel can write (Tweak Setting defaultmailaction) are no forwarders
    // either.
    let (_tmp, root) = copy();
    write(
        &root,
        "etc/valiases/blog.example.com",
        "*: :fail: No Such User Here\n",
    );
    assert_eq!(lint(&root), (0, vec![]));

    // A forwarder makes it a mail domain: then it needs SPF.
    for va in [
        "news@blog.example.com: alice@example.com\n*: examplec\n",
        // A default address the user chose.
        "*: alice@example.com\n",
    ] {
        write(&root, "etc/valiases/blog.example.com", va);
        let (code, f) = lint(&root);
        assert_eq!(code, 1, "{va}: {f:?}");
        assert_eq!(
            f,
            expected(&[(
                "SPF001",
                "blog.example.com",
                "var/named/example.com.db:39:1"
            )]),
            "{va}"
        );
    }
    // So does domain forwarding.
    write(&root, "etc/valiases/blog.example.com", "*: examplec\n");
    write(
        &root,
        "etc/vdomainaliases/blog.example.com",
        "blog.example.com: example.com\n",
    );
    assert_eq!(
        lint(&root).1,
        expected(&[(
            "SPF001",
            "blog.example.com",
            "var/named/example.com.db:39:1"
        )])
    );
}

// ---------------------------------------------------------------------------------------------
// Addresses as cPanel's Exim routers take them.

#[test]
fn forwarders_to_suffixed_and_upper_case_addresses_reach_the_mailbox() {
    // `orders@example.com: team+orders@example.org` is in the tree already: the routers drop the
    // `+orders` suffix, team@example.org has a mailbox. Upper case is lowered.
    let (_tmp, root) = copy();
    replace(
        &root,
        "etc/valiases/example.com",
        "info@example.com: alice@example.com\n",
        "info@example.com: Team+Info@Example.ORG\n",
    );
    assert_eq!(lint(&root), (0, vec![]));
    // A suffix on an address whose base has a forwarder follows the forwarder.
    replace(
        &root,
        "etc/valiases/example.com",
        "info@example.com: Team+Info@Example.ORG\n",
        "info@example.com: hello+web@example.org\n",
    );
    assert_eq!(lint(&root), (0, vec![]));
    // The near miss: the base has no mailbox and no forwarder, and example.org fails unknown
    // addresses.
    replace(
        &root,
        "etc/valiases/example.com",
        "info@example.com: hello+web@example.org\n",
        "info@example.com: nobody+web@example.org\n",
    );
    let (code, f) = lint(&root);
    assert_eq!(code, 1);
    assert_eq!(
        f,
        expected(&[("FWD002", "example.com", "etc/valiases/example.com:1:1")])
    );
    let (_, full) = run(root.to_str().unwrap(), &["--select", "FWD002"]);
    assert!(
        full.contains(
            "nobody+web@example.org is delivered as nobody@example.org (cPanel's routers drop the `+` suffix), which has no mailbox"
        ),
        "{full}"
    );
}

#[test]
fn domain_forwarding_keeps_the_suffix() {
    // examplecorp.example forwards every address to example.org: `team+x@examplecorp.example`
    // becomes `team+x@example.org`, which reaches team's mailbox.
    let (_tmp, root) = copy();
    write(
        &root,
        "etc/vdomainaliases/examplecorp.example",
        "examplecorp.example: example.org\n",
    );
    replace(
        &root,
        "etc/valiases/example.com",
        "info@example.com: alice@example.com\n",
        "info@example.com: team+x@examplecorp.example\n",
    );
    assert_eq!(lint(&root), (0, vec![]));
    replace(
        &root,
        "etc/valiases/example.com",
        "info@example.com: team+x@examplecorp.example\n",
        "info@example.com: ghost+x@examplecorp.example\n",
    );
    let (_, f) = lint(&root);
    assert_eq!(
        f,
        expected(&[("FWD002", "example.com", "etc/valiases/example.com:1:1")])
    );
}

// ---------------------------------------------------------------------------------------------
// IPv6 addresses the tree states are server addresses.

#[test]
fn an_mx_host_with_only_the_accounts_ipv6_address_is_this_server() {
    // harbor.example's mail host answers on the account's IPv6 address only.
    let (_tmp, root) = copy();
    replace(
        &root,
        "var/named/harbor.example.db",
        "harbor.example.\t14400\tIN\tMX\t0\tharbor.example.\n",
        "harbor.example.\t14400\tIN\tMX\t0\tmx6.harbor.example.\nmx6\t14400\tIN\tAAAA\t2001:db8::20\n",
    );
    assert_eq!(lint(&root), (0, vec![]));
    // Without the userdata `ipv6` address, the tree no longer says that 2001:db8::20 is this
    // server: the MX points elsewhere while the domain is delivered locally.
    for f in [
        "harbor.example",
        "harbor.example_SSL",
        "shop.harbor.example",
        "shop.harbor.example_SSL",
    ] {
        replace(
            &root,
            &format!("var/cpanel/userdata/harbor/{f}"),
            "ipv6: \n  2001:0db8:0000:0000:0000:0000:0000:0020: \n    dedicated: 1\n",
            "ipv6: ~\n",
        );
    }
    let (code, f) = lint(&root);
    assert_eq!(code, 1);
    assert!(
        f.contains(&(
            "RT001".to_string(),
            "harbor.example".to_string(),
            "etc/localdomains:7:1".to_string()
        )),
        "{f:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// CP002: a missing etc/userdomains.

#[test]
fn a_missing_userdomains_is_one_cp002_with_a_fix_that_writes_it() {
    let (_tmp, root) = copy();
    let original = fs::read(root.join("etc/userdomains")).unwrap();
    fs::remove_file(root.join("etc/userdomains")).unwrap();
    let (code, f) = lint(&root);
    assert_eq!(code, 1);
    assert_eq!(f, expected(&[("CP002", "-", "etc/userdomains:1:1")]));
    let (_, full) = run(root.to_str().unwrap(), &["--select", "CP002"]);
    assert!(
        full.contains(
            "etc/userdomains does not exist: Exim finds the owner of none of the 11 account domains"
        ),
        "{full}"
    );
    // The fix writes what cPanel's updateuserdomains writes.
    let out = maillint(&[
        root.to_str().unwrap(),
        "--fix",
        "--unsafe-fixes",
        "--select",
        "CP002",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(fs::read(root.join("etc/userdomains")).unwrap(), original);
    assert_eq!(lint(&root), (0, vec![]));
}

// ---------------------------------------------------------------------------------------------
// Zones maillint cannot parse.

/// Every regular file below `root` with its bytes (the backups of --fix left out).
fn files(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .filter(|e| !e.path().starts_with(root.join("var/lib/maillint")))
        .map(|e| {
            (
                e.path().strip_prefix(root).unwrap().to_path_buf(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

#[test]
fn a_binary_zone_gets_cp001_only_and_no_fix() {
    let (_tmp, root) = copy();
    let mut binary = vec![0u8, 159, 146, 150, 0xff, 0xfe, b'\n', 0x1b, 0x7f];
    binary.extend((0u16..600).map(|i| (i * 37 % 256) as u8));
    write(&root, "var/named/example.org.db", &binary);
    let (code, f) = lint(&root);
    assert_eq!(code, 1);
    let codes: Vec<&str> = f.iter().map(|x| x.0.as_str()).collect();
    assert!(
        !codes.is_empty() && codes.iter().all(|c| *c == "CP001"),
        "{f:?}"
    );
    assert!(
        f.iter()
            .all(|x| x.2.starts_with("var/named/example.org.db:")),
        "{f:?}"
    );
    let (_, full) = run(root.to_str().unwrap(), &["--select", "CP001"]);
    assert!(
        full.contains("maillint judges none of its records"),
        "{full}"
    );
    // No fix writes anything, into the zone or elsewhere.
    let before = files(&root);
    let out = maillint(&[root.to_str().unwrap(), "--fix", "--unsafe-fixes"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(files(&root), before);
}

#[test]
fn a_zone_with_one_bad_record_is_judged_by_no_dns_rule() {
    // meadow.example's zone loses its DMARC record (DMARC001, a safe fix, when the zone parses)
    // and gains a record without data: BIND refuses the whole zone.
    let (_tmp, root) = copy();
    let zone = "var/named/meadow.example.db";
    let text = fs::read_to_string(root.join(zone)).unwrap();
    let text: String = text
        .lines()
        .filter(|l| !l.starts_with("_dmarc\t"))
        .map(|l| format!("{l}\n"))
        .collect();
    write(&root, zone, &text);
    let out = maillint(&[
        root.to_str().unwrap(),
        "--format",
        "json",
        "--select",
        "DMARC001",
    ]);
    assert_eq!(
        findings(&out.stdout),
        expected(&[(
            "DMARC001",
            "meadow.example",
            "var/named/meadow.example.db:1:1"
        )])
    );
    append(&root, zone, "old-shop\t14400\tIN\tCNAME\n");
    let lines = text.lines().count() + 1;
    let (code, f) = lint(&root);
    assert_eq!(code, 1);
    assert_eq!(
        f,
        expected(&[("CP001", "-", &format!("{zone}:{lines}:24"))])
    );
    let before = files(&root);
    maillint(&[root.to_str().unwrap(), "--fix", "--unsafe-fixes"]);
    assert_eq!(files(&root), before);
}

// ---------------------------------------------------------------------------------------------
// SPF: terms that match every address, and `mx` through CNAMEs.

/// `file:line:col` of the first occurrence of `needle` in a file of the tree.
fn at(root: &Path, rel: &str, needle: &str) -> String {
    let text = fs::read_to_string(root.join(rel)).unwrap();
    let i = text
        .find(needle)
        .unwrap_or_else(|| panic!("{rel} has no {needle:?}"));
    let line = text[..i].matches('\n').count() + 1;
    let col = i - text[..i].rfind('\n').map_or(0, |n| n + 1) + 1;
    format!("{rel}:{line}:{col}")
}

/// The findings of the selected rules, with their severity.
fn select(root: &Path, rules: &str) -> Vec<(String, String, String, String)> {
    let out = maillint(&[
        root.to_str().unwrap(),
        "--format",
        "json",
        "--select",
        rules,
    ]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let sev: Vec<String> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["severity"].as_str().unwrap().to_string())
        .collect();
    findings(&out.stdout)
        .into_iter()
        .zip(sev)
        .map(|((c, d, l), s)| (c, d, l, s))
        .collect()
}

const MEADOW_SPF: &str = "\"v=spf1 +a +mx +ip4:192.0.2.20 ~all\"";
const MEADOW_ZONE: &str = "var/named/meadow.example.db";

#[test]
fn spf005_prefix_length_zero_authorises_every_address() {
    let (_tmp, root) = copy();
    for (term, severity) in [
        ("ip4:0.0.0.0/0", Some("error")),
        ("+ip4:0.0.0.0/0", Some("error")),
        ("ip4:198.51.100.7/0", Some("error")),
        ("ip6:::/0", Some("error")),
        ("+ip6:2001:db8::/0", Some("error")),
        ("?ip4:0.0.0.0/0", Some("warning")),
        // Refusing or marking every address is `-all`/`~all`: not permissive.
        ("-ip4:0.0.0.0/0", None),
        ("~ip6:::/0", None),
        // A short prefix that is not 0 is a network, however large.
        ("ip4:0.0.0.0/1", None),
    ] {
        let record = format!("\"v=spf1 +a +mx {term} ~all\"");
        let text = fs::read_to_string(root.join(MEADOW_ZONE))
            .unwrap()
            .replace(MEADOW_SPF, &record);
        write(&root, "z", &text);
        fs::rename(root.join("z"), root.join(MEADOW_ZONE)).unwrap();
        let got = select(&root, "SPF005");
        let want: Vec<(String, String, String, String)> = severity
            .into_iter()
            .map(|s| {
                (
                    "SPF005".to_string(),
                    "meadow.example".to_string(),
                    at(&root, MEADOW_ZONE, term),
                    s.to_string(),
                )
            })
            .collect();
        assert_eq!(got, want, "{term}");
        // Put the record back for the next term.
        let text = fs::read_to_string(root.join(MEADOW_ZONE))
            .unwrap()
            .replace(&record, MEADOW_SPF);
        write(&root, MEADOW_ZONE, text);
    }
    // The fix removes the term; nothing is left to say.
    replace(
        &root,
        MEADOW_ZONE,
        MEADOW_SPF,
        "\"v=spf1 +a +mx ip4:0.0.0.0/0 ~all\"",
    );
    let out = maillint(&[
        root.to_str().unwrap(),
        "--fix",
        "--unsafe-fixes",
        "--select",
        "SPF005",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let zone = fs::read_to_string(root.join(MEADOW_ZONE)).unwrap();
    assert!(zone.contains("IN\tTXT\t\"v=spf1 +a +mx ~all\"\n"), "{zone}");
    assert_eq!(lint(&root), (0, vec![]));
}

const ORCHARD_SPF: &str = "\"v=spf1 +a +mx +ip4:192.0.2.10 ~all\"";
const ORCHARD_ZONE: &str = "var/named/orchard.example.db";

#[test]
fn spf006_follows_cnames_for_mx_as_resolvers_do() {
    // `mx:NAME` where NAME is a CNAME: the MX query answers with the MX records of the name it
    // points to (orchard.example, this server). maillint 0.1 found no MX at NAME and reported
    // SPF006.
    let (_tmp, root) = copy();
    replace(
        &root,
        ORCHARD_ZONE,
        ORCHARD_SPF,
        "\"v=spf1 mx:mailhost.orchard.example -all\"",
    );
    append(
        &root,
        ORCHARD_ZONE,
        "mailhost\t14400\tIN\tCNAME\torchard.example.\n",
    );
    assert_eq!(lint(&root), (0, vec![]));

    // The near miss: the CNAME leads to meadow.example, whose MX is another address of the
    // server (192.0.2.20), not the one orchard.example's mail leaves from.
    replace(
        &root,
        ORCHARD_ZONE,
        "mailhost\t14400\tIN\tCNAME\torchard.example.\n",
        "mailhost\t14400\tIN\tCNAME\tmeadow.example.\n",
    );
    assert_eq!(
        select(&root, "SPF006"),
        vec![(
            "SPF006".to_string(),
            "orchard.example".to_string(),
            at(&root, ORCHARD_ZONE, "-all"),
            "error".to_string()
        )]
    );

    // `mx` whose MX host is a CNAME: the address lookup follows it (MX001 says the MX should
    // not point at a CNAME, SPF006 has nothing to say).
    let (_tmp, root) = copy();
    replace(&root, ORCHARD_ZONE, ORCHARD_SPF, "\"v=spf1 mx -all\"");
    replace(
        &root,
        ORCHARD_ZONE,
        "orchard.example.\t14400\tIN\tMX\t0\torchard.example.\n",
        "orchard.example.\t14400\tIN\tMX\t0\tmail.orchard.example.\n",
    );
    let (_, f) = lint(&root);
    let codes: Vec<&str> = f.iter().map(|x| x.0.as_str()).collect();
    assert_eq!(codes, ["MX001"], "{f:?}");
}

#[test]
fn an_mx_term_with_more_than_ten_mx_hosts_is_a_permanent_error() {
    use maillint::fix::Overlay;
    use maillint::model::Options;
    use maillint::model::spf::Outcome;

    let (_tmp, root) = copy();
    replace(
        &root,
        ORCHARD_ZONE,
        ORCHARD_SPF,
        "\"v=spf1 mx:pool.orchard.example -all\"",
    );
    let load = |root: &Path| {
        maillint::model::load(Some(root), &Options::default(), &Overlay::default()).unwrap()
    };
    let ip: std::net::IpAddr = "192.0.2.10".parse().unwrap();
    for n in 1..=11 {
        let pref = if n == 11 { 20 } else { 10 };
        let host = if n == 11 {
            "orchard.example."
        } else {
            "backup.example.net."
        };
        append(
            &root,
            ORCHARD_ZONE,
            &format!("pool\t14400\tIN\tMX\t{pref}\t{host}\n"),
        );
        let verdict = load(&root).check_spf("orchard.example", ip);
        if n <= 10 {
            // backup.example.net is outside the local zones: unknown, then `-all`.
            assert_eq!(verdict.outcome, Outcome::Fail, "{n} hosts");
        } else {
            // RFC 7208 §4.6.4: the 11th host is one address lookup too many.
            assert_eq!(
                verdict.outcome,
                Outcome::PermError(
                    "pool.orchard.example has 11 MX hosts, more than the 10 an `mx` term may look up"
                        .into()
                ),
            );
        }
    }
}
