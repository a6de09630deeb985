//! Integration tests of cPanel's small line formats: `domainlist`, `colonmap`, `keyvalue`,
//! `iplist`, `valiases`, `mailacct`. Real files come from the corpus (`common::corpus_dir()`);
//! everything else is synthetic (example.com names, RFC 5737 / RFC 3849 addresses).

mod common;

use maillint::parse::colonmap::{self, Separator};
use maillint::parse::domainlist;
use maillint::parse::iplist::{self, IpList};
use maillint::parse::keyvalue::{self, Dialect, KeyValueFile, KvEntry};
use maillint::parse::mailacct::{self, AcctEntry};
use maillint::parse::valiases::{self, Aliases, DestKind, Flavor};
use maillint::parse::{Lossless, SyntaxError, check_tiling, cross, render};
use maillint::source::{SourceFile, Span};
use proptest::prelude::*;
use std::net::IpAddr;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------------
// Helpers

/// Every parser of this family, with every dialect, on one file: each must tile the file and
/// give it back byte for byte, and every error must point inside the file and say what to do.
/// Returns, per parser, its name, its number of errors and how long parsing and checking took.
fn parse_with_all(src: &SourceFile) -> Vec<(&'static str, usize, Duration)> {
    fn check<'d, D: Lossless>(
        name: &str,
        src: &SourceFile,
        doc: &D,
        errors: impl Iterator<Item = &'d SyntaxError>,
    ) -> usize {
        check_tiling(doc, src).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            render(doc, src) == src.bytes(),
            "{name}: round trip differs"
        );
        let mut n = 0;
        for e in errors {
            assert!(
                e.span.end as usize <= src.len() && e.span.start <= e.span.end,
                "{name}: error span {:?} outside the file",
                e.span
            );
            assert!(!e.message.is_empty() && e.help.is_some(), "{name}: {e:?}");
            assert!(e.message.len() < 400, "{name}: message too long");
            n += 1;
        }
        n
    }
    type Run = fn(&SourceFile) -> usize;
    let runs: [(&'static str, Run); 13] = [
        ("domainlist", |s| {
            let d = domainlist::parse(s);
            check("domainlist", s, &d, d.errors())
        }),
        ("colonmap", |s| {
            let d = colonmap::parse(s);
            check("colonmap", s, &d, d.errors())
        }),
        ("colonmap=", |s| {
            let d = colonmap::parse_with(s, Separator::Equals);
            check("colonmap=", s, &d, d.errors())
        }),
        ("keyvalue=", |s| {
            let d = keyvalue::parse(s, Dialect::Equals);
            check("keyvalue=", s, &d, d.errors())
        }),
        ("keyvalue-space", |s| {
            let d = keyvalue::parse(s, Dialect::Space);
            check("keyvalue-space", s, &d, d.errors())
        }),
        ("iplist", |s| {
            let d = iplist::parse(s, iplist::Dialect::List);
            check("iplist", s, &d, d.errors())
        }),
        ("iplist-ips", |s| {
            let d = iplist::parse(s, iplist::Dialect::Ips);
            check("iplist-ips", s, &d, d.errors())
        }),
        ("iplist-cpnat", |s| {
            let d = iplist::parse(s, iplist::Dialect::Cpnat);
            check("iplist-cpnat", s, &d, d.errors())
        }),
        ("valiases", |s| {
            let d = valiases::parse(s, Flavor::Valiases);
            check("valiases", s, &d, d.errors())
        }),
        ("vdomainaliases", |s| {
            let d = valiases::parse(s, Flavor::VdomainAliases);
            check("vdomainaliases", s, &d, d.errors())
        }),
        ("passwd", |s| {
            let d = mailacct::parse_passwd(s);
            check("passwd", s, &d, d.errors())
        }),
        ("shadow", |s| {
            let d = mailacct::parse_shadow(s);
            check("shadow", s, &d, d.errors())
        }),
        ("quota", |s| {
            let d = mailacct::parse_quota(s);
            check("quota", s, &d, d.errors())
        }),
    ];
    runs.iter()
        .map(|&(name, run)| {
            let (errors, took) = measure(|| run(src));
            (name, errors, took)
        })
        .collect()
}

/// The entries of a key file whose key starts with `prefix`, in file order.
fn with_prefix<'a>(doc: &'a KeyValueFile, prefix: &'a str) -> impl Iterator<Item = &'a KvEntry> {
    doc.entries().filter(move |e| e.key.starts_with(prefix))
}

fn corpus_src(rel: &str) -> SourceFile {
    SourceFile::new(rel, common::corpus_file(rel))
}

fn corpus_files(dir: &str, prefix: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(common::corpus_dir().join(dir))
        .unwrap_or_else(|e| panic!("cannot list corpus {dir}: {e}"))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(prefix))
        .map(|n| format!("{dir}/{n}"))
        .collect();
    names.sort();
    names
}

/// The files of `cpanel/` whose name starts with `prefix` that `cpanel/SOURCES.md` gives a
/// provenance for, as corpus paths.
fn listed(prefix: &str) -> Vec<String> {
    common::corpus_sources("cpanel")
        .into_iter()
        .filter(|n| n.starts_with(prefix))
        .map(|n| format!("cpanel/{n}"))
        .collect()
}

fn cpuser(rel: &str) -> (SourceFile, KeyValueFile) {
    let src = corpus_src(rel);
    let doc = keyvalue::parse(&src, Dialect::Equals);
    check_tiling(&doc, &src).unwrap();
    assert_eq!(render(&doc, &src), src.bytes());
    assert_eq!(doc.errors().count(), 0, "{rel}: {:?}", doc.errors().next());
    (src, doc)
}

fn aliases(rel: &str) -> (SourceFile, Aliases) {
    let src = corpus_src(rel);
    let doc = valiases::parse(&src, Flavor::Valiases);
    check_tiling(&doc, &src).unwrap();
    assert_eq!(render(&doc, &src), src.bytes());
    assert_eq!(doc.errors().count(), 0, "{rel}: {:?}", doc.errors().next());
    (src, doc)
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

// ---------------------------------------------------------------------------------------------
// Real files

#[test]
fn corpus_cpuser_files_round_trip_in_cpanel_layout() {
    let files = corpus_files("cpanel", "cpuser-");
    assert_eq!(files, listed("cpuser-"));
    for rel in &files {
        let (_, doc) = cpuser(rel);
        let layout = doc.layout();
        assert!(layout.is_cpuser_canonical(), "{rel}: {layout:?}");
        assert!(
            doc.header()[0..1].len() == 1,
            "{rel}: the cPanel header comment is there"
        );
        assert!(doc.value("USER").is_some(), "{rel}");
        assert!(doc.value("DNS").is_some(), "{rel}");
    }
}

#[test]
fn corpus_cpuser_oport628_routing_keys() {
    let (src, doc) = cpuser("cpanel/cpuser-oport628.txt");
    assert_eq!(doc.value("DNS"), Some("oportunidadesonline.online"));
    assert_eq!(
        doc.value("DNS1"),
        Some("onlineopportunitiesservices.oportunidadesonline.online")
    );
    assert_eq!(doc.value("DNS2"), Some("onlineopportunitiesservices.com"));
    let mx: Vec<_> = with_prefix(&doc, "MXCHECK-")
        .map(|e| (e.key.as_str(), e.value_str()))
        .collect();
    assert_eq!(mx, [("MXCHECK-oportunidadesonline.online", Some("0"))]);
    let e = doc.get("MXCHECK-oportunidadesonline.online").unwrap();
    assert_eq!(src.line_col(e.key_span.start as usize).line, 33);
    assert_eq!(src.slice(e.value_span().unwrap()), "0");
    assert_eq!(doc.value("CHILD_WORKLOADS"), Some(""));
    assert_eq!(doc.value("USER"), Some("oport628"));
    let header = doc.header();
    assert_eq!(header.len(), 2);
    assert!(
        src.slice(header[1].span)
            .ends_with("scripts/updateuserdomains'\n")
    );
    // A new MXCHECK line for the addon sorts before the existing one (`onl…` < `opo…`); one for
    // the main domain's sibling after it.
    let (at, nl) = doc.insertion_point("MXCHECK-onlineopportunitiesservices.com");
    assert!(!nl);
    assert_eq!(src.line_col(at).line, 33);
    assert!(src.text()[at..].starts_with("MXCHECK-oportunidadesonline.online=0\n"));
    let (at, _) = doc.insertion_point("MXCHECK-zz.oportunidadesonline.online");
    assert!(src.text()[at..].starts_with("OWNER=root\n"));
}

#[test]
fn corpus_cpuser_school_has_no_mxcheck_and_a_dead_domain() {
    let (_, doc) = cpuser("cpanel/cpuser-school-no-mxcheck-xdns.txt");
    assert_eq!(with_prefix(&doc, "MXCHECK-").count(), 0);
    assert_eq!(doc.value("XDNS1"), Some("chat.schooloffreelancing.com"));
    assert_eq!(doc.value("DNS"), Some("schooloffreelancing.com"));
    assert_eq!(doc.value("LANG"), Some("english-utf8"));
    let dns: Vec<_> = with_prefix(&doc, "DNS").map(|e| e.key.as_str()).collect();
    assert_eq!(dns, ["DNS"]);
}

#[test]
fn corpus_cpuser_highscor_and_mixmarke() {
    let (_, doc) = cpuser("cpanel/cpuser-highscor.txt");
    assert_eq!(doc.value("MXCHECK-highscore.a2hosted.com"), Some("0"));
    assert_eq!(doc.value("lve_pmem"), Some("1.0G"));
    assert_eq!(doc.value("_PACKAGE_EXTENSIONS"), Some("lve wp-toolkit"));
    let (_, doc) = cpuser("cpanel/cpuser-mixmarke.txt");
    assert_eq!(doc.value("MXCHECK-mixmarketingmedia.com"), Some("0"));
    assert_eq!(doc.value("SUSPENDTIME"), Some("1733805019"));
}

#[test]
fn corpus_valiases_forwarder_autoresponder() {
    let (src, doc) = aliases("cpanel/valiases-forwarder-autoresponder.txt");
    let e = doc.get("office@schooloffreelancing.com").unwrap();
    assert_eq!(e.key_domain(), Some("schooloffreelancing.com"));
    assert_eq!(e.destinations.len(), 2);
    assert_eq!(
        e.destinations[0].kind,
        DestKind::Pipe(
            "/usr/local/cpanel/bin/autorespond office@schooloffreelancing.com /home/school/.autorespond"
                .into()
        )
    );
    assert!(e.destinations[0].quoted);
    assert_eq!(
        e.destinations[1].kind,
        DestKind::Address {
            local: "schooloffreelancing".into(),
            domain: "gmail.com".into()
        }
    );
    assert_eq!(
        src.slice(e.destinations[1].span),
        "schooloffreelancing@gmail.com"
    );
    let lc = src.line_col(e.destinations[1].span.start as usize);
    assert_eq!((lc.line, lc.column), (1, 127));
    let all = doc.catch_all().unwrap();
    assert_eq!(
        all.destinations[0].kind,
        DestKind::LocalUser("school".into())
    );
    assert_eq!(src.line_col(all.key_span.start as usize).line, 2);
}

#[test]
fn corpus_valiases_fail_catchall_and_default_user() {
    let (src, doc) = aliases("cpanel/valiases-fail-catchall.txt");
    let all = doc.catch_all().unwrap();
    assert!(all.is_catch_all());
    assert_eq!(
        all.destinations[0].kind,
        DestKind::Fail("No Such User Here".into())
    );
    assert_eq!(
        src.slice(all.destinations[0].span),
        ":fail: No Such User Here"
    );
    let (_, doc) = aliases("cpanel/valiases-default-to-user.txt");
    assert_eq!(
        doc.catch_all().unwrap().destinations[0].kind,
        DestKind::LocalUser("mixmarke".into())
    );
    assert_eq!(corpus_files("cpanel", "valiases-"), listed("valiases-"));
}

#[test]
fn corpus_cpmove_maps() {
    let src = corpus_src("cpanel/cpmove-addons.txt");
    let doc = colonmap::parse_with(&src, Separator::Equals);
    assert_eq!(render(&doc, &src), src.bytes());
    assert_eq!(
        doc.get("onlineopportunitiesservices.com").unwrap().value,
        "onlineopportunitiesservices_oportunidadesonline.online"
    );
    let src = corpus_src("cpanel/cpmove-sds2.txt");
    let doc = colonmap::parse_with(&src, Separator::Equals);
    assert_eq!(
        doc.get("onlineopportunitiesservices_oportunidadesonline.online")
            .unwrap()
            .value,
        "onlineopportunitiesservices.com"
    );
    let src = corpus_src("cpanel/cpmove-version.txt");
    let doc = colonmap::parse(&src);
    assert_eq!(doc.errors().count(), 0);
    assert_eq!(doc.get("pkgacct version").unwrap().value, "10");
    assert_eq!(doc.get("archive version").unwrap().value, "4");
}

#[test]
fn corpus_exim_localopts() {
    let rel = "exim/cpanel/moko879_exim_forwarding__exim.conf.localopts";
    let src = corpus_src(rel);
    let doc = keyvalue::parse(&src, Dialect::Equals);
    check_tiling(&doc, &src).unwrap();
    assert_eq!(render(&doc, &src), src.bytes());
    assert_eq!(doc.errors().count(), 0);
    assert_eq!(doc.value("acl_spamhaus_rbl"), Some("0"));
    assert_eq!(doc.value("smarthost_routelist"), Some(""));
    let bare = doc.get("dsn_advertise_hosts").unwrap();
    assert!(bare.eq_span.is_none() && bare.value.is_none());
    assert_eq!(doc.value("openssl_options"), Some(" +no_sslv2 +no_sslv3"));
    assert_eq!(doc.value("spam_header"), Some("***SPAM***"));
    assert!(doc.value("tls_require_ciphers").unwrap().contains(':'));
    assert_eq!(with_prefix(&doc, "acl_").count(), 39);
    assert!(doc.header().is_empty());
    assert!(doc.is_sorted());
}

#[test]
fn corpus_cpanel_files_survive_every_parser() {
    let mut files = corpus_files("cpanel", "");
    let missing: Vec<String> = listed("")
        .into_iter()
        .filter(|f| !files.contains(f))
        .collect();
    assert!(
        missing.is_empty(),
        "listed in SOURCES.md, not found: {missing:?}"
    );
    files.extend(corpus_files("exim/cpanel", ""));
    for rel in files {
        parse_with_all(&corpus_src(&rel));
    }
}

// ---------------------------------------------------------------------------------------------
// Synthetic server files

#[test]
fn synthetic_userdomains_and_mailips_with_ipv6() {
    let text = "*: nobody\n*.example.net: carol\nexample.com: bob\nshop.example.com: bob\n";
    let src = SourceFile::from_str("etc/userdomains", text);
    let doc = colonmap::parse(&src);
    assert_eq!(doc.entries().count(), 4);
    assert_eq!(doc.default_entry().unwrap().value, "nobody");
    assert!(doc.get("*.example.net").unwrap().key.starts_with("*."));
    assert_eq!(doc.get("SHOP.example.com").unwrap().value, "bob");

    let text = "*: 192.0.2.1\nexample.com: 2001:db8::25\nexample.net: 198.51.100.7 \r\n";
    let src = SourceFile::from_str("etc/mailips", text);
    let doc = colonmap::parse(&src);
    assert_eq!(render(&doc, &src), text.as_bytes());
    let v6 = doc.get("example.com").unwrap();
    assert_eq!(v6.value.parse::<IpAddr>().unwrap(), ip("2001:db8::25"));
    assert_eq!(src.slice(v6.value_span), "2001:db8::25");
    let e = doc.get("example.net").unwrap();
    assert_eq!(e.value, "198.51.100.7");
    assert!(e.has_cr);

    let text = "example.com: mail.example.com\nexample.org\n";
    let src = SourceFile::from_str("etc/mailhelo", text);
    let doc = colonmap::parse(&src);
    let err = doc.errors().next().unwrap();
    assert_eq!(
        err.message,
        "expected `:` after the name, found end of line"
    );
    assert_eq!(src.line_col(err.span.start as usize).line, 2);
    assert_eq!(src.line_col(err.span.start as usize).column, 12);
}

#[test]
fn synthetic_trueuserdomains_domainusers_manualmx() {
    let src = SourceFile::from_str(
        "etc/trueuserdomains",
        "example.com: bob\nexample.net: carol\n",
    );
    let doc = colonmap::parse(&src);
    assert_eq!(doc.get("example.net").unwrap().value, "carol");
    let src = SourceFile::from_str("etc/domainusers", "bob: example.com\n");
    assert_eq!(
        colonmap::parse(&src).get("bob").unwrap().value,
        "example.com"
    );
    let src = SourceFile::from_str("etc/manualmx", "example.com: new.example.net\n");
    assert_eq!(
        colonmap::parse(&src).get("example.com").unwrap().value,
        "new.example.net"
    );
}

#[test]
fn synthetic_wwwacct_conf() {
    let text = "ADDR 192.0.2.1\nADDR6 2001:db8::1\nCONTACTEMAIL admin@example.com\nDEFMOD jupiter\nETHDEV \nHOMEDIR /home\nHOMEMATCH home\nHOST server.example.com\nLOGSTYLE combined\nNS ns1.example.com\nNS2 ns2.example.com\nNS3\nNS4\nNSTTL 86400\nSCRIPTALIAS y\nTTL 14400\n";
    let src = SourceFile::from_str("etc/wwwacct.conf", text);
    let doc = keyvalue::parse(&src, Dialect::Space);
    assert_eq!(render(&doc, &src), text.as_bytes());
    assert_eq!(doc.errors().count(), 0);
    assert_eq!(doc.value("HOST"), Some("server.example.com"));
    assert_eq!(
        doc.value("ADDR6").unwrap().parse::<IpAddr>().unwrap(),
        ip("2001:db8::1")
    );
    let ns: Vec<_> = with_prefix(&doc, "NS")
        .filter(|e| e.key != "NSTTL")
        .map(|e| (e.key.as_str(), e.value_str()))
        .collect();
    assert_eq!(
        ns,
        [
            ("NS", Some("ns1.example.com")),
            ("NS2", Some("ns2.example.com")),
            ("NS3", None),
            ("NS4", None)
        ]
    );
    assert_eq!(doc.value("ETHDEV"), Some(""));
}

#[test]
fn synthetic_cpanel_config() {
    let text = "allowremotedomains=0\nmaxemailsperhour=200\nemailsperdaynotify\nskipboxtrapper=1\n";
    let src = SourceFile::from_str("var/cpanel/cpanel.config", text);
    let doc = keyvalue::parse(&src, Dialect::Equals);
    assert_eq!(doc.value("maxemailsperhour"), Some("200"));
    assert!(doc.get("emailsperdaynotify").unwrap().value.is_none());
}

#[test]
fn synthetic_address_files() {
    let src = SourceFile::from_str("var/cpanel/mainip", "192.0.2.1");
    let doc = iplist::parse(&src, iplist::Dialect::List);
    assert_eq!(doc.first(), Some(ip("192.0.2.1")));
    assert_eq!(render(&doc, &src), b"192.0.2.1");

    let src = SourceFile::from_str("var/cpanel/mainip", "2001:db8::1\n");
    assert_eq!(
        iplist::parse(&src, iplist::Dialect::List).first(),
        Some(ip("2001:db8::1"))
    );

    let text = "192.0.2.10:255.255.255.0:192.0.2.255\n192.0.2.11:255.255.255.0:192.0.2.255\n";
    let src = SourceFile::from_str("etc/ips", text);
    let doc = iplist::parse(&src, iplist::Dialect::Ips);
    let all: Vec<_> = doc.addresses().collect();
    assert_eq!(all, [ip("192.0.2.10"), ip("192.0.2.11")]);

    let text = "198.51.100.7\n2001:db8::25\n";
    let src = SourceFile::from_str("etc/ips.remotemail", text);
    let doc: IpList = iplist::parse(&src, iplist::Dialect::List);
    assert!(doc.contains(ip("2001:db8::25")));

    let text = "10.0.0.5 203.0.113.5\n10.0.0.6 203.0.113.6\n";
    let src = SourceFile::from_str("var/cpanel/cpnat", text);
    let doc = iplist::parse(&src, iplist::Dialect::Cpnat);
    let pairs: Vec<_> = doc
        .entries()
        .map(|e| (e.ip, e.second.map(|(p, _)| p)))
        .collect();
    assert_eq!(
        pairs,
        [
            (ip("10.0.0.5"), Some(ip("203.0.113.5"))),
            (ip("10.0.0.6"), Some(ip("203.0.113.6")))
        ]
    );

    let src = SourceFile::from_str("etc/ips.remotemail", "198.51.100.7\n300.1.2.3\n");
    let doc = iplist::parse(&src, iplist::Dialect::List);
    let err = doc.errors().next().unwrap();
    assert_eq!(
        err.message,
        "expected an IPv4 or IPv6 address, found `300.1.2.3`"
    );
    assert_eq!(err.span, Span::new(13, 22));
    assert_eq!(src.line_col(err.span.start as usize).line, 2);
}

#[test]
fn synthetic_mail_account_files() {
    let passwd = "info:x:1001:1001::/home/bob/mail/example.com/info:/bin/bash\nsales:x:1001:1001::/home/bob/mail/example.com/sales:/bin/bash\n";
    let src = SourceFile::from_str("home/bob/etc/example.com/passwd", passwd);
    let doc = mailacct::parse_passwd(&src);
    assert_eq!(render(&doc, &src), passwd.as_bytes());
    let homes: Vec<_> = doc.entries().map(|e| e.home.as_str()).collect();
    assert_eq!(
        homes,
        [
            "/home/bob/mail/example.com/info",
            "/home/bob/mail/example.com/sales"
        ]
    );

    let shadow =
        "info:$6$c2FsdA$abcdefghSECRET:19876::::::\nsales:!$6$c2FsdA$ijklmnopSECRET:19877::::::\n";
    let src = SourceFile::from_str("home/bob/etc/example.com/shadow", shadow);
    let doc = mailacct::parse_shadow(&src);
    assert_eq!(render(&doc, &src), shadow.as_bytes());
    let flags: Vec<_> = doc
        .entries()
        .map(|e| (e.local_part(), e.suspended, e.days))
        .collect();
    assert_eq!(
        flags,
        [("info", false, Some(19876)), ("sales", true, Some(19877))]
    );
    assert!(!format!("{doc:?}").contains("SECRET"));

    let quota = "info:524288000\nsales:0\n";
    let src = SourceFile::from_str("home/bob/etc/example.com/quota", quota);
    let doc = mailacct::parse_quota(&src);
    assert_eq!(doc.get("info").unwrap().bytes, 524_288_000);
    assert!(doc.get("sales").unwrap().is_unlimited());
}

#[test]
fn synthetic_valiases_and_vdomainaliases() {
    let text = "info@example.com: bob@example.net,\"|/usr/local/cpanel/bin/autorespond info@example.com /home/bob/.autorespond\"\nold@example.com: :fail: Gone, try new@example.com\nnull@example.com: :blackhole:\n*: :fail: No Such User Here\n";
    let src = SourceFile::from_str("etc/valiases/example.com", text);
    let doc = valiases::parse(&src, Flavor::Valiases);
    assert_eq!(doc.errors().count(), 0);
    assert_eq!(
        doc.get("old@example.com").unwrap().destinations[0].kind,
        DestKind::Fail("Gone, try new@example.com".into())
    );
    assert_eq!(
        doc.get("null@example.com").unwrap().destinations[0].kind,
        DestKind::Blackhole
    );
    let src = SourceFile::from_str(
        "etc/vdomainaliases/alias.example",
        "alias.example: example.com\n",
    );
    let doc = valiases::parse(&src, Flavor::VdomainAliases);
    assert_eq!(
        doc.get("alias.example").unwrap().destinations[0].kind,
        DestKind::Domain("example.com".into())
    );
}

// ---------------------------------------------------------------------------------------------
// Hostile input

/// Runs `f` and returns its result and the time it took: the thread's CPU time where Linux tells
/// it (`/proc/thread-self/schedstat`), so that other work on a busy machine does not count;
/// wall-clock time elsewhere.
fn measure<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    fn cpu() -> Option<Duration> {
        let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
        let ns: u64 = stat.split_whitespace().next()?.parse().ok()?;
        Some(Duration::from_nanos(ns))
    }
    let (cpu_start, wall_start) = (cpu(), Instant::now());
    let out = f();
    let took = match (cpu_start, cpu()) {
        // A kernel that does not keep the figure reports no progress: use the wall clock.
        (Some(a), Some(b)) if b > a => b - a,
        _ => wall_start.elapsed(),
    };
    (out, took)
}

/// A deterministic pseudo-random byte string (no dependency, same bytes every run).
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// The size of the huge-line cases and a hang guard (not a speed measurement: BENCHMARKS.md
/// has those). Debug builds of pest are 20 to 40 times slower, so they use a smaller line; the
/// limit is far above what a linear parser needs on a loaded machine and far below what a
/// quadratic one takes. `LINEFORMATS_TIMES=1` prints the times.
fn huge() -> (usize, Duration) {
    if cfg!(debug_assertions) {
        (256 << 10, Duration::from_secs(60))
    } else {
        (4 << 20, Duration::from_secs(60))
    }
}

fn timed(name: &str, bytes: Vec<u8>) {
    let src = SourceFile::new("hostile", bytes);
    let (_, budget) = huge();
    for (parser, _, took) in parse_with_all(&src) {
        if std::env::var_os("LINEFORMATS_TIMES").is_some() {
            eprintln!("{name} / {parser}: {took:?}");
        }
        assert!(
            took < budget,
            "{parser} took {took:?} on {name} ({} bytes)",
            src.len()
        );
    }
}

#[test]
fn binary_and_nul_input() {
    let src = SourceFile::new("hostile", noise(64 * 1024, 7));
    let errors = parse_with_all(&src);
    assert!(errors.iter().all(|&(_, n, _)| n > 0), "{errors:?}");
    let src = SourceFile::new("hostile", vec![0u8; 4096]);
    parse_with_all(&src);
    let mut mixed = b"example.com: bob\n".to_vec();
    mixed.extend_from_slice(b"\0\0\0\xff\xfe: \x00\n");
    mixed.extend_from_slice(b"info@example.com: a@example.net\n");
    let src = SourceFile::new("hostile", mixed);
    let doc = colonmap::parse(&src);
    assert_eq!(
        doc.entries().count(),
        2,
        "good lines around a bad one still parse"
    );
    assert_eq!(doc.errors().count(), 1);
}

#[test]
fn huge_lines() {
    let (size, _) = huge();
    let patterns: [(&str, &[u8]); 10] = [
        ("letters", b"a"),
        ("spaces", b" "),
        ("colons", b":"),
        ("equals", b"="),
        ("commas", b","),
        ("quotes", b"\""),
        ("destinations", b"a@example.com,"),
        ("pairs", b"k: v "),
        ("escapes", b"\"\\"),
        ("crs", b"\r"),
    ];
    for (name, unit) in patterns {
        let mut bytes = unit.repeat(size / unit.len());
        bytes.truncate(size);
        timed(name, bytes.clone());
        // The same after a key, as a value.
        let mut kv = b"key: ".to_vec();
        kv.extend_from_slice(&bytes);
        timed(&format!("key: {name}"), kv);
    }
    timed("binary", noise(size, 11));
}

#[test]
fn big_files() {
    // 16 MiB of `etc/userdomains` lines in release builds, 2 MiB in debug builds. Parsing is one
    // pest call per line, whose fixed cost dominates for short lines: about 0.8 s of CPU for
    // these 466,000 lines on a busy two-core machine (the product's target is well under a
    // second). The budget is a hang guard only; BENCHMARKS.md measures the speed.
    let (size, budget) = if cfg!(debug_assertions) {
        (2 << 20, Duration::from_secs(60))
    } else {
        (16 << 20, Duration::from_secs(60))
    };
    let line = b"shop.example-company.com: exampleco\n";
    let bytes = line.repeat(size / line.len());
    let src = SourceFile::new("etc/userdomains", bytes);
    let (doc, took) = measure(|| colonmap::parse(&src));
    if std::env::var_os("LINEFORMATS_TIMES").is_some() {
        eprintln!("{} lines: {took:?}", src.line_count());
    }
    assert_eq!(doc.entries().count(), src.line_count());
    assert!(took < budget, "{} lines took {took:?}", src.line_count());
}

// ---------------------------------------------------------------------------------------------
// Properties

/// Real and synthetic lines of every format, mutated by the property tests.
const SAMPLES: &[&str] = &[
    "example.com: bob\n",
    "*: nobody\n",
    "example.com: 2001:db8::25\n",
    "onlineopportunitiesservices.com=onlineopportunitiesservices_oportunidadesonline.online\n",
    "MXCHECK-example.com=0\n",
    "openssl_options= +no_sslv2 +no_sslv3\n",
    "dsn_advertise_hosts\n",
    "# cPanel -- If you edit this file directly you must run …\n",
    "HOST server.example.com\n",
    "192.0.2.10:255.255.255.0:192.0.2.255\n",
    "10.0.0.5 203.0.113.5\n",
    "2001:db8::1",
    "office@example.com: \"|/usr/local/cpanel/bin/autorespond office@example.com /home/school/.autorespond\",someone@example.net\n",
    "*: :fail: No Such User Here\n",
    "info:x:1001:1001::/home/bob/mail/example.com/info:/bin/bash\n",
    "info:!$6$salt$hash:19000::::::\n",
    "info:524288000\r\n",
];

#[derive(Clone, Debug)]
enum Edit {
    Insert(usize, u8),
    Delete(usize),
    Replace(usize, u8),
}

fn edit() -> impl Strategy<Value = Edit> {
    let byte = prop_oneof![
        any::<u8>(),
        Just(b':'),
        Just(b'='),
        Just(b','),
        Just(b'"'),
        Just(b' '),
        Just(b'\n'),
        Just(b'\r'),
        Just(b'#'),
        Just(b'!'),
        Just(0u8),
    ];
    prop_oneof![
        (any::<usize>(), byte.clone()).prop_map(|(i, b)| Edit::Insert(i, b)),
        any::<usize>().prop_map(Edit::Delete),
        (any::<usize>(), byte).prop_map(|(i, b)| Edit::Replace(i, b)),
    ]
}

fn mutate(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        match *e {
            Edit::Insert(i, b) => {
                let at = i % (bytes.len() + 1);
                bytes.insert(at, b);
            }
            Edit::Delete(i) if !bytes.is_empty() => {
                let at = i % bytes.len();
                bytes.remove(at);
            }
            Edit::Replace(i, b) if !bytes.is_empty() => {
                let at = i % bytes.len();
                bytes[at] = b;
            }
            _ => {}
        }
    }
    bytes
}

/// Typed spans of entries lie inside their line.
fn spans_inside_lines(src: &SourceFile) {
    let c = colonmap::parse(src);
    for l in &c.lines {
        if let colonmap::ColonLineKind::Entry(e) = &l.kind {
            for s in [e.key_span, e.sep_span, e.value_span] {
                assert!(l.span.start <= s.start && s.end <= l.span.end);
            }
            assert_eq!(src.slice(e.value_span), e.value);
        }
    }
    let v = valiases::parse(src, Flavor::Valiases);
    for l in &v.lines {
        match &l.kind {
            valiases::AliasLineKind::Entry(e) => {
                for d in &e.destinations {
                    assert!(l.span.start <= d.span.start && d.span.end <= l.span.end);
                }
            }
            valiases::AliasLineKind::Invalid(err) => {
                assert!(l.span.start <= err.span.start && err.span.end <= l.span.end);
            }
            _ => {}
        }
    }
    let i = iplist::parse(src, iplist::Dialect::Cpnat);
    for e in i.entries() {
        assert_eq!(src.slice(e.ip_span).parse::<IpAddr>().unwrap(), e.ip);
        if let Some((ip, span)) = e.second {
            assert_eq!(src.slice(span).parse::<IpAddr>().unwrap(), ip);
        }
    }
    let q = mailacct::parse_quota(src);
    for e in q.entries() {
        assert_eq!(src.slice(e.local_span()), e.local_part());
        assert_eq!(src.slice(e.bytes_span).parse::<u64>().unwrap(), e.bytes);
    }
    let k = keyvalue::parse(src, Dialect::Equals);
    for l in &k.lines {
        if let keyvalue::KvLineKind::Entry(e) = &l.kind {
            assert_eq!(src.slice(e.key_span), e.key);
            if let Some((s, v)) = &e.value {
                assert_eq!(src.slice(*s), v);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let src = SourceFile::new("arbitrary", bytes);
        for (name, _, took) in parse_with_all(&src) {
            // A hang guard, not a speed measurement.
            prop_assert!(took < Duration::from_secs(60), "{}: {:?}", name, took);
        }
        spans_inside_lines(&src);
    }

    #[test]
    fn mutated_real_lines_round_trip(
        picks in proptest::collection::vec(0..SAMPLES.len(), 1..6),
        edits in proptest::collection::vec(edit(), 0..8),
    ) {
        let text: String = picks.iter().map(|&i| SAMPLES[i]).collect();
        let src = SourceFile::new("mutated", mutate(text.into_bytes(), &edits));
        let ((), took) = measure(|| {
            parse_with_all(&src);
            spans_inside_lines(&src);
        });
        prop_assert!(took < Duration::from_secs(60));
    }

    #[test]
    fn shadow_errors_never_quote_the_line(
        hash in "[!]?[$][0-9][$][A-Za-z0-9./]{4,12}[$][A-Za-z0-9./:]{8,40}",
        edits in proptest::collection::vec(edit(), 0..4),
    ) {
        let line = format!("info:{hash}:19000::::::\n");
        let bytes = mutate(line.into_bytes(), &edits);
        let src = SourceFile::new("shadow", bytes);
        let doc = mailacct::parse_shadow(&src);
        prop_assert_eq!(render(&doc, &src), src.bytes());
        let secret = hash.trim_start_matches('!');
        let tail = &secret[secret.len() - 8..];
        for e in doc.errors() {
            prop_assert!(!e.message.contains(tail), "{}", e.message);
        }
        let debug = format!("{doc:?}");
        prop_assert!(!debug.contains(tail), "{}", debug);
    }

    /// Lines near the `KEY=value` shortcut of key files: every line the shortcut reads is also
    /// read by the grammar ([`cross::checked`]), so a disagreement fails here.
    #[test]
    fn key_file_lines_near_the_shortcut(
        key in "[A-Za-z0-9_.@-]{0,10}[ \t#:=\x00\x1a]?[A-Za-z0-9_.@-]{0,4}",
        value in "[ -~\t\r=]{0,16}",
        cr in any::<bool>(),
    ) {
        let text = format!("{key}={value}{}\n", if cr { "\r" } else { "" });
        let src = SourceFile::new("var/cpanel/users/bob", text.clone().into_bytes());
        let (doc, checked) = cross::checked(|| keyvalue::parse(&src, Dialect::Equals));
        check_tiling(&doc, &src).unwrap();
        prop_assert_eq!(render(&doc, &src), src.bytes());
        let simple = !key.is_empty()
            && key.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.@-".contains(&b));
        // The shortcut read the line exactly when the key before its first `=` is simple, and the
        // grammar agreed.
        let first = key.split('=').next().unwrap_or_default();
        let shortcut = !first.is_empty()
            && first.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.@-".contains(&b));
        prop_assert_eq!(checked, usize::from(shortcut));
        if simple {
            let e = doc.entries().next().expect("a simple key is an entry");
            prop_assert_eq!(&e.key, &key);
            // Only the `\r` just before the `\n` is not part of the value.
            let expected = if cr { &value[..] } else { value.strip_suffix('\r').unwrap_or(&value) };
            prop_assert_eq!(e.value_str(), Some(expected));
            prop_assert_eq!(e.has_cr, cr || value.ends_with('\r'));
        }
    }
}
