//! Zone-file parser: the real cPanel zones of the corpus, a synthetic cPanel-style zone with every
//! record type, hostile input, properties, and agreement with BIND's `named-checkzone`.

mod common;

use maillint::parse::zone::{self, ItemKind, RData, RType, Record, Txt, Zone};
use maillint::parse::{Lossless, check_tiling, cross, render};
use maillint::source::SourceFile;
use proptest::prelude::*;
use std::time::{Duration, Instant};

/// The four real zones: file, zone name, SOA serial, record count, MX target.
const CORPUS: &[(&str, &str, u64, usize, &str)] = &[
    (
        "zone-highscore.a2hosted.com-automerge.db",
        "highscore.a2hosted.com",
        2026031801,
        30,
        "highscore.a2hosted.com",
    ),
    (
        "zone-mixmarketingmedia.com-v122.db",
        "mixmarketingmedia.com",
        2024121601,
        18,
        "mixmarketingmedia.com",
    ),
    (
        "zone-onlineopportunitiesservices.com.db",
        "onlineopportunitiesservices.com",
        2021120501,
        30,
        "mail.onlineopportunitiesservices.com",
    ),
    (
        "zone-oportunidadesonline.online.db",
        "oportunidadesonline.online",
        2022031401,
        51,
        "mail.oportunidadesonline.online",
    ),
];

fn corpus_zone(file: &str, origin: &str) -> (SourceFile, Zone) {
    let bytes = common::corpus_file(&format!("cpanel/{file}"));
    let src = SourceFile::new(format!("var/named/{origin}.db"), bytes);
    let z = zone::parse(&src, origin);
    (src, z)
}

/// Parses, checks the round trip and the tiling, and that every item is whole lines.
fn parse_checked(src: &SourceFile, origin: &str) -> Zone {
    let z = zone::parse(src, origin);
    check_tiling(&z, src).unwrap();
    assert_eq!(render(&z, src), src.bytes());
    let text = src.text().as_bytes();
    for span in z.pieces() {
        let (s, e) = (span.start as usize, span.end as usize);
        assert!(
            s == 0 || text[s - 1] == b'\n',
            "item at {s} does not start a line"
        );
        assert!(
            e == text.len() || text[e - 1] == b'\n',
            "item ending at {e} splits a line"
        );
    }
    z
}

fn txt(r: &Record) -> &Txt {
    match &r.data {
        RData::Txt(t) => t,
        d => panic!("{}: not TXT: {d:?}", r.owner.name),
    }
}

#[test]
fn corpus_zones_round_trip_without_errors() {
    for &(file, origin, _, count, _) in CORPUS {
        let (src, _) = corpus_zone(file, origin);
        let z = parse_checked(&src, origin);
        let errors: Vec<String> = z.errors().map(|e| e.message.clone()).collect();
        assert!(errors.is_empty(), "{file}: {errors:?}");
        assert_eq!(z.records().count(), count, "{file}");
        assert_eq!(z.default_ttl(), Some(14400), "{file}");
        assert!(
            z.records()
                .all(|r| r.ttl.is_some() && r.effective_ttl == r.ttl.map(|t| t.0))
        );
    }
}

#[test]
fn corpus_soa_serials_and_their_spans() {
    for &(file, origin, serial, _, _) in CORPUS {
        let (src, z) = corpus_zone(file, origin);
        let (rec, soa) = z.soa_record().unwrap();
        assert_eq!(&*rec.owner.name, origin);
        assert_eq!(soa.serial.0, serial, "{file}");
        assert_eq!(src.slice(soa.serial.1), serial.to_string());
        // cPanel writes the serial on the line after `SOA … (`.
        assert_eq!(src.line_col(soa.serial.1.start as usize).line, 5, "{file}");
        assert_eq!(soa.minimum.0, 86400);
        assert_eq!(z.records_of(origin, RType::Soa).count(), 1);
    }
}

#[test]
fn corpus_mx_targets() {
    for &(file, origin, _, _, target) in CORPUS {
        let (src, z) = corpus_zone(file, origin);
        let mx: Vec<&Record> = z.records_of(origin, RType::Mx).collect();
        assert_eq!(mx.len(), 1, "{file}");
        match &mx[0].data {
            RData::Mx {
                preference,
                pref_span,
                exchange,
            } => {
                assert_eq!(*preference, 0);
                assert_eq!(src.slice(*pref_span), "0");
                assert_eq!(exchange.name, target);
                assert_eq!(exchange.raw, format!("{target}."));
                assert!(exchange.is_absolute());
            }
            d => panic!("{d:?}"),
        }
    }
}

#[test]
fn corpus_split_dkim_records_are_malformed() {
    let cases = [
        (
            "zone-oportunidadesonline.online.db",
            "oportunidadesonline.online",
            "default._domainkey.oportunidadesonline.online",
            "Eb1/U5mQLroYT3Ez7",
        ),
        (
            "zone-oportunidadesonline.online.db",
            "oportunidadesonline.online",
            // The addon domain's records inside the main domain's zone.
            "default._domainkey.onlineopportunitiesservices.oportunidadesonline.online",
            "FTbTsJvvwrSuSYubj",
        ),
        (
            "zone-onlineopportunitiesservices.com.db",
            "onlineopportunitiesservices.com",
            "default._domainkey.onlineopportunitiesservices.com",
            "OQccEpxTiPag+jMQ7",
        ),
    ];
    for (file, origin, owner, tail_start) in cases {
        let (src, z) = corpus_zone(file, origin);
        let recs: Vec<&Record> = z.records_of(owner, RType::Txt).collect();
        assert_eq!(recs.len(), 1, "{owner}");
        let t = txt(recs[0]);
        assert!(t.malformed(), "{owner}");
        assert_eq!(t.strings.len(), 2);
        assert!(t.strings[0].quoted && !t.strings[1].quoted);
        assert!(t.strings[0].bytes.starts_with(b"v=DKIM1; k=rsa; p=MIIB"));
        let tail = src.slice(t.unquoted_tail().unwrap());
        assert!(tail.starts_with(tail_start), "{tail}");
        assert!(tail.ends_with("IDAQAB\\;"), "{tail}");
        assert!(t.strings[1].bytes.ends_with(b"IDAQAB;"));
    }
}

#[test]
fn corpus_two_string_dkim_joins_to_one_key() {
    let (src, z) = corpus_zone(
        "zone-mixmarketingmedia.com-v122.db",
        "mixmarketingmedia.com",
    );
    let r = z
        .records_of("default._domainkey.mixmarketingmedia.com", RType::Txt)
        .next()
        .unwrap();
    assert_eq!(src.line_col(r.rtype_span.start as usize).line, 24);
    let t = txt(r);
    assert!(!t.malformed());
    assert_eq!(t.unquoted_tail(), None);
    assert_eq!(t.strings.len(), 2);
    assert!(t.strings.iter().all(|s| s.quoted));
    let joined = String::from_utf8(t.joined()).unwrap();
    let key = joined.strip_prefix("v=DKIM1; k=rsa; p=").unwrap();
    let key = key.strip_suffix(';').unwrap();
    assert!(key.starts_with("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"));
    assert!(key.ends_with("IDAQAB"));
    assert!(
        key.contains("tp5kf96aFDB2"),
        "the two strings meet without a space"
    );
    assert!(
        key.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
    );
    assert_eq!(key.len(), 392);
}

#[test]
fn corpus_automerge_comments_and_polluted_caldav_txt() {
    let origin = "highscore.a2hosted.com";
    let (src, z) = corpus_zone("zone-highscore.a2hosted.com-automerge.db", origin);
    let merged: Vec<usize> = z
        .items
        .iter()
        .filter(|i| src.slice(i.span).contains("cPanel transfer auto-merge"))
        .map(|i| {
            assert!(matches!(i.kind, ItemKind::Comment), "{:?}", i.kind);
            src.line_col(i.span.start as usize).line
        })
        .collect();
    assert_eq!(merged, (10..=16).collect::<Vec<_>>());
    // The commented-out previous SOA is not a record.
    assert_eq!(z.records().filter(|r| r.rtype == RType::Soa).count(), 1);
    assert_eq!(z.soa().unwrap().mname.name, "ns1.a2hosting.com");
    let caldav: Vec<&Record> = z
        .records_at("_caldav._tcp.highscore.a2hosted.com")
        .collect();
    assert_eq!(caldav.len(), 2);
    assert_eq!(caldav[0].rtype, RType::Srv);
    assert_eq!(txt(caldav[1]).joined(), b"path=/ +ip4:75.98.175.71");
    assert_eq!(z.records_of(origin, RType::Ns).count(), 4);
}

#[test]
fn corpus_addon_records_inside_the_main_zone() {
    let origin = "oportunidadesonline.online";
    let (_, z) = corpus_zone("zone-oportunidadesonline.online.db", origin);
    let addon = "onlineopportunitiesservices.oportunidadesonline.online";
    let under: Vec<&str> = z
        .records()
        .filter(|r| r.owner.name.ends_with(addon))
        .map(|r| &*r.owner.name)
        .collect();
    assert_eq!(under.len(), 20);
    assert!(matches!(
        z.records_of(addon, RType::A).next().unwrap().data,
        RData::A(ip) if ip.to_string() == "108.179.192.163"
    ));
    // Unquoted TXT words are single strings, not malformed.
    let fb = z
        .records_of(origin, RType::Txt)
        .map(txt)
        .find(|t| t.joined().starts_with(b"facebook-domain-verification="))
        .unwrap();
    assert!(!fb.strings[0].quoted && !fb.malformed());
}

/// A zone in cPanel's style (tabs, TTL and class on every record, relative owners, the SOA over
/// six lines) holding every record type the parser knows.
const SYNTHETIC: &str = "; cPanel first:124.0.1 (update_time):1735000000 Cpanel::ZoneFile::VERSION:1.3 hostname:host.example.net latest:124.0.1
; Zone file for example.com
$TTL 14400
example.com.\t86400\tIN\tSOA\tns1.example.net.\thostmaster.example.com.\t(
\t\t\t\t\t\t2025010203 ;Serial Number
\t\t\t\t\t\t3600 ;refresh
\t\t\t\t\t\t1800 ;retry
\t\t\t\t\t\t1209600 ;expire
\t\t\t\t\t\t86400\t)

example.com.\t86400\tIN\tNS\tns1.example.net.
example.com.\t86400\tIN\tNS\tns2.example.net.
example.com.\t14400\tIN\tA\t192.0.2.10
example.com.\t14400\tIN\tAAAA\t2001:db8::10
example.com.\t14400\tIN\tMX\t0\texample.com.
mail\t14400\tIN\tCNAME\texample.com.
example.com.\t14400\tIN\tTXT\t\"v=spf1 +a +mx +ip4:192.0.2.10 ~all\"
example.com.\t14400\tIN\tSPF\t\"v=spf1 +a +mx ~all\"
default._domainkey\t14400\tIN\tTXT\t\"v=DKIM1\\; k=rsa\\; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A\" \"MIIBCgKCAQEAwIDAQAB\\;\"
_dmarc\t14400\tIN\tTXT\t\"v=DMARC1\\; p=none\\;\"
_autodiscover._tcp\t14400\tIN\tSRV\t0\t0\t443\tcpanelemaildiscovery.example.net.
example.com.\t14400\tIN\tCAA\t0\tissue\t\"letsencrypt.org\"
10.2.0.192.in-addr.arpa.\t14400\tIN\tPTR\texample.com.
_25._tcp.mail\t14400\tIN\tTLSA\t3 1 1 0123456789abcdef
";

#[test]
fn synthetic_cpanel_zone_with_every_type() {
    let src = SourceFile::from_str("var/named/example.com.db", SYNTHETIC);
    let (z, checked) = cross::checked(|| parse_checked(&src, "example.com"));
    // The scanner split every entry (`$TTL` and each record), and the grammar agreed.
    assert_eq!(checked, 1 + z.records().count());
    assert_eq!(
        z.errors().count(),
        0,
        "{:?}",
        z.errors().collect::<Vec<_>>()
    );
    let types: Vec<String> = z.records().map(|r| r.rtype.to_string()).collect();
    assert_eq!(
        types,
        [
            "SOA", "NS", "NS", "A", "AAAA", "MX", "CNAME", "TXT", "SPF", "TXT", "TXT", "SRV",
            "CAA", "PTR", "TLSA"
        ]
    );
    let data_ok = z.records().all(|r| !matches!(r.data, RData::Bad(_)));
    assert!(data_ok);
    let dkim = z
        .records_of("default._domainkey.example.com", RType::Txt)
        .next()
        .unwrap();
    assert_eq!(
        txt(dkim).joined(),
        b"v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwIDAQAB;"
    );
    let dmarc = z
        .records_of("_dmarc.example.com", RType::Txt)
        .next()
        .unwrap();
    assert_eq!(txt(dmarc).joined(), b"v=DMARC1; p=none;");
    assert!(matches!(
        &z.records_of("example.com", RType::Spf).next().unwrap().data,
        RData::Spf(t) if t.joined() == b"v=spf1 +a +mx ~all"
    ));
    assert_eq!(z.records_at("mail.example.com").count(), 1);
    assert_eq!(z.apex().count(), 9);
    assert_eq!(z.soa().unwrap().serial.0, 2025010203);
}

// ---- hostile input -----------------------------------------------------------------------------

/// Debug builds are much slower than release (and split every small entry twice, to check the
/// fast path against the grammar): they run smaller inputs.
const DEBUG: bool = cfg!(debug_assertions);

fn scaled(n: usize) -> usize {
    if DEBUG { n / 64 } else { n }
}

/// A hang guard, not a speed measurement (BENCHMARKS.md has those).
const SLOW: Duration = Duration::from_secs(60);

/// CPU time of this thread (user + system), so that a loaded machine does not fail the timing
/// tests; wall-clock time where /proc is not there.
fn thread_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the command name in parentheses: state is field 3, utime 14, stime 15.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // USER_HZ is 100 on Linux.
    Some(Duration::from_millis(ticks * 10))
}

fn timed(what: &str, limit: Duration, f: impl FnOnce()) {
    let (wall, cpu) = (Instant::now(), thread_cpu());
    f();
    let took = match (cpu, thread_cpu()) {
        (Some(a), Some(b)) => b.saturating_sub(a),
        _ => wall.elapsed(),
    };
    eprintln!("{what}: {took:?} CPU ({:?} wall)", wall.elapsed());
    assert!(took < limit, "{what} took {took:?}");
}

#[test]
fn hostile_nul_bytes_and_binary_garbage() {
    let mut bytes = b"\0\0\0\nwww A 192.0.2.1\n\0 A 192.0.2.2\nx TXT \"a\0b\"\n".to_vec();
    bytes.extend_from_slice(&[0xff, 0xfe, b'(', 0, b'\n', b'"', 0x80]);
    let src = SourceFile::new("var/named/example.com.db", bytes);
    let z = parse_checked(&src, "example.com");
    assert_eq!(z.records_of("www.example.com", RType::A).count(), 1);
    assert!(z.errors().count() >= 2);

    // 1 MiB of pseudo-random bytes.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let garbage: Vec<u8> = (0..1 << 20)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 32) as u8
        })
        .collect();
    let src = SourceFile::new("var/named/example.com.db", garbage);
    timed("1 MiB of garbage", SLOW, || {
        parse_checked(&src, "example.com");
    });
}

#[test]
fn hostile_four_mib_single_line() {
    for line in [
        format!("x TXT \"{}\"", "a".repeat(4 << 20)),
        format!("x TXT {}", "a ".repeat(2 << 20)),
        format!("; {}", "c".repeat(4 << 20)),
        "(".repeat(4 << 20),
        "\"".repeat(4 << 20),
        "\\".repeat(4 << 20),
    ] {
        let text = format!("{line}\nok A 192.0.2.1\n");
        let src = SourceFile::from_str("var/named/example.com.db", &text);
        timed("a 4 MiB line", SLOW, || {
            let z = parse_checked(&src, "example.com");
            assert_eq!(
                z.records_of("ok.example.com", RType::A).count(),
                1,
                "{}",
                &line[..10]
            );
        });
    }
}

#[test]
fn hostile_long_line_under_the_entry_limit() {
    // Just under the limit: read by the grammar, half a million words.
    let text = format!("x TXT {}\n", "a ".repeat((zone::MAX_ENTRY - 16) / 2));
    let src = SourceFile::from_str("var/named/example.com.db", &text);
    timed("a 1 MiB record", SLOW, || {
        let z = parse_checked(&src, "example.com");
        let r = z.records().next().unwrap();
        assert!(matches!(&r.data, RData::Txt(t) if t.malformed()));
    });
}

#[test]
fn hostile_unbalanced_parenthesis_does_not_swallow_the_file() {
    let mut text =
        String::from("$TTL 300\n@ IN SOA ns1.example.net. h.example.com. (\n 1 2 3 4 5\n");
    for i in 0..1000 {
        text.push_str(&format!("host{i}\tIN\tA\t192.0.2.{}\n", i % 250));
    }
    let src = SourceFile::from_str("var/named/example.com.db", &text);
    let z = parse_checked(&src, "example.com");
    assert_eq!(z.records().count(), 1001);
    let errors: Vec<_> = z.errors().collect();
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].message,
        "expected `)` to close the `(` on line 2, found the start of another record on line 4"
    );
    assert_eq!(z.soa().unwrap().serial.0, 1);
}

#[test]
fn hostile_many_unclosed_parentheses_stay_linear() {
    let n = scaled(200_000);
    let text = "a TXT ( x\n".repeat(n);
    let src = SourceFile::from_str("var/named/example.com.db", &text);
    timed("unclosed records", SLOW, || {
        let z = parse_checked(&src, "example.com");
        assert_eq!(z.records().count(), n);
        assert_eq!(z.errors().count(), n);
    });
    // Each record over two lines: the grammar splits them.
    let text = "a TXT ( x\n )\n".repeat(n / 4);
    let src = SourceFile::from_str("var/named/example.com.db", &text);
    timed("two-line records", SLOW, || {
        let z = parse_checked(&src, "example.com");
        assert_eq!(z.records().count(), n / 4);
        assert_eq!(z.errors().count(), 0);
    });
}

#[test]
fn hostile_deep_nesting() {
    let n = 200_000;
    let closed = format!("x TXT {}a{}\ny A 192.0.2.1\n", "(".repeat(n), ")".repeat(n));
    let src = SourceFile::from_str("var/named/example.com.db", &closed);
    let z = parse_checked(&src, "example.com");
    assert_eq!(z.errors().count(), 0);
    assert_eq!(z.records().count(), 2);
    let open = format!(
        "x TXT {}a\n{}y A 192.0.2.1\n",
        "(".repeat(n),
        "(\n".repeat(n)
    );
    let src = SourceFile::from_str("var/named/example.com.db", &open);
    timed("deep nesting", SLOW, || {
        let z = parse_checked(&src, "example.com");
        assert_eq!(z.records_of("y.example.com", RType::A).count(), 1);
    });
}

#[test]
fn hostile_sixteen_mib_of_tiny_lines() {
    let lines = [
        ("\n", false),
        (";\n", false),
        ("(\n)\n", false),
        ("x TXT (\n1 )\n", false),
        ("x\n", true),
        ("x A y\n", true),
    ];
    for (line, garbage) in lines {
        let text = line.repeat(scaled(16 << 20) / line.len());
        let src = SourceFile::from_str("var/named/example.com.db", &text);
        // Tiny records are the most work per byte: allow a little more.
        timed(&format!("16 MiB of {line:?}"), SLOW * 3, || {
            let z = zone::parse(&src, "example.com");
            let items = if garbage {
                // Garbage: the rest of the file after the first errors is one item.
                zone::MAX_ERRORS + 1
            } else {
                src.line_count() / line.matches('\n').count()
            };
            assert_eq!(z.items.len(), items);
        });
    }
}

#[test]
fn hostile_tiny_continued_strings_finish() {
    // The one shape pest splits in release builds (a quoted string continued past a line end,
    // which cPanel never writes): a file of nothing else is slower, but still linear.
    let line = "x TXT \"\\\n\"\n";
    let text = line.repeat(scaled(16 << 20) / line.len());
    let src = SourceFile::from_str("var/named/example.com.db", &text);
    timed("16 MiB of continued strings", SLOW * 20, || {
        let z = zone::parse(&src, "example.com");
        assert_eq!(z.records().count(), src.line_count() / 2);
    });
}

#[test]
fn large_realistic_zone_parses_quickly() {
    let mut text = String::from(SYNTHETIC);
    let mut i = 0u32;
    while text.len() < scaled(16 << 20) {
        text.push_str(&format!(
            "host{i}\t14400\tIN\tA\t198.51.100.{}\nhost{i}\t14400\tIN\tTXT\t\"v=spf1 +a ~all\" \"x\\;y\"\n",
            i % 250
        ));
        i += 1;
    }
    let src = SourceFile::from_str("var/named/example.com.db", &text);
    let mut z = None;
    timed(&format!("{} MiB zone", text.len() >> 20), SLOW, || {
        z = Some(zone::parse(&src, "example.com"));
    });
    let z = z.unwrap();
    assert_eq!(z.records().count(), 15 + 2 * i as usize);
    assert_eq!(z.errors().count(), 0);
}

// ---- properties --------------------------------------------------------------------------------

fn corpus_texts() -> Vec<(&'static str, Vec<u8>)> {
    CORPUS
        .iter()
        .map(|&(file, origin, ..)| (origin, common::corpus_file(&format!("cpanel/{file}"))))
        .collect()
}

#[derive(Clone, Debug)]
enum Edit {
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    Replace(usize, u8),
}

fn edit() -> impl Strategy<Value = Edit> {
    let special = prop::sample::select(b"()\";\\ \t\n\r\0\x7fa1.@$".to_vec());
    let byte = prop_oneof![special, any::<u8>()];
    prop_oneof![
        (any::<usize>(), prop::collection::vec(byte.clone(), 1..4))
            .prop_map(|(at, b)| Edit::Insert(at, b)),
        (any::<usize>(), 1usize..6).prop_map(|(at, n)| Edit::Delete(at, n)),
        (any::<usize>(), byte).prop_map(|(at, b)| Edit::Replace(at, b)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_round_trip(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let src = SourceFile::new("var/named/example.com.db", bytes);
        let start = Instant::now();
        cross::checked(|| parse_checked(&src, "example.com"));
        prop_assert!(start.elapsed() < Duration::from_secs(60));
    }

    #[test]
    fn zone_like_text_round_trips(
        lines in prop::collection::vec(
            "[ \\t]{0,2}[@a-z0-9.\\\\$]{0,8}[ \\t]{1,2}(IN|300|1h|)[ \\t]?(A|MX|TXT|SOA|CNAME|SRV|CAA|X)[ \\t]([0-9. a-z\"()\\\\;]{0,24})\r?",
            0..40,
        )
    ) {
        let text = lines.join("\n");
        let src = SourceFile::from_str("var/named/example.com.db", &text);
        let (z, _) = cross::checked(|| parse_checked(&src, "example.com"));
        // Every record knows its type span, inside its item.
        for (item, r) in z.record_items() {
            prop_assert!(item.span.start <= r.rtype_span.start && r.rtype_span.end <= item.span.end);
        }
    }

    #[test]
    fn mutated_corpus_lines_round_trip(
        which in 0usize..4,
        line in any::<prop::sample::Index>(),
        edits in prop::collection::vec(edit(), 1..4),
    ) {
        let texts = corpus_texts();
        let (origin, bytes) = &texts[which];
        let lines: Vec<&[u8]> = bytes.split_inclusive(|&b| b == b'\n').collect();
        let n = line.index(lines.len());
        let mut target = lines[n].to_vec();
        for e in edits {
            match e {
                Edit::Insert(at, b) => {
                    let at = at % (target.len() + 1);
                    target.splice(at..at, b);
                }
                Edit::Delete(at, k) if !target.is_empty() => {
                    let at = at % target.len();
                    let end = (at + k).min(target.len());
                    target.drain(at..end);
                }
                Edit::Replace(at, b) if !target.is_empty() => {
                    let at = at % target.len();
                    target[at] = b;
                }
                _ => {}
            }
        }
        let mut out = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            out.extend_from_slice(if i == n { &target } else { l });
        }
        let src = SourceFile::new("var/named/zone.db", out);
        let start = Instant::now();
        let (z, _) = cross::checked(|| parse_checked(&src, origin));
        prop_assert!(start.elapsed() < Duration::from_secs(60));
        // One damaged line costs at most a few records (a `(` may join it with the SOA's lines).
        let whole = zone::parse(&SourceFile::new("z", bytes.clone()), origin).records().count();
        prop_assert!(z.records().count() + 8 >= whole, "{} of {}", z.records().count(), whole);
    }
}

// ---- agreement with BIND -----------------------------------------------------------------------

const HEADER: &str = "$TTL 300\n@ IN SOA ns.example.com. hostmaster.example.com. 1 3600 900 604800 300\n@ IN NS ns.example.com.\nns IN A 192.0.2.53\n";

/// Zone bodies (after [`HEADER`]) and whether they are valid. Every case is checked against this
/// parser; when `named-checkzone` is installed, against BIND too.
const BIND_CASES: &[(&str, bool)] = &[
    ("www IN A 192.0.2.1\n", true),
    ("www 1h IN A 192.0.2.1\n", true),
    ("www IN 1h30m A 192.0.2.1\n", true),
    ("www 1h30 IN A 192.0.2.1\n", false),
    ("www 4294967296 IN A 192.0.2.1\n", false),
    ("www IN A 300.1.2.3\n", false),
    ("www IN A 192.0.2\n", false),
    ("www IN A 192.0.2.01\n", false),
    ("www IN A 192.0.2.1 extra\n", false),
    ("www IN A\n", false),
    ("www IN CNAM host\n", false),
    ("www CH A 192.0.2.1\n", false),
    ("www CLASS1 A 192.0.2.1\n", true),
    ("www IN AAAA 2001:db8::1\n", true),
    ("www IN AAAA ::ffff:192.0.2.1\n", true),
    ("www IN AAAA 2001:db8::g\n", false),
    ("@ IN MX 10 mail\n", true),
    ("@ IN MX 10 192.0.2.1\n", true),
    ("@ IN MX 0 .\n", true),
    ("@ IN MX ten mail\n", false),
    ("@ IN MX 65536 mail\n", false),
    ("@ IN MX 10\n", false),
    ("@ IN MX 10 a..b\n", false),
    ("@ IN TXT \"v=spf1 +a +mx ~all\"\n", true),
    ("@ IN TXT \"a\" \"b\" c\n", true),
    ("@ IN TXT path=/\n", true),
    ("@ IN TXT\n", false),
    ("@ IN TXT \"open\n", false),
    ("@ IN TXT \"x\\256\"\n", false),
    ("@ IN TXT \"x\\25\"\n", false),
    ("@ IN TXT \"v=DKIM1\\; k=rsa\\; p=AB\" CD\\;\n", true),
    ("@ IN TXT ( \"a\" ; one\n  \"b\" )\n", true),
    ("@ IN TXT ( a ( b ) c )\n", true),
    ("@ IN TXT \"a\\\nb\"\n", true),
    ("@ IN TXT abc;def\n", true),
    ("@ IN TXT a\"b\"\n", true),
    ("@ IN SPF \"v=spf1 -all\"\n", true),
    ("x IN TXT ( a\n", false),
    ("x IN A 192.0.2.1 )\n", false),
    ("x IN SOA ns h 1 2 3 4\n", false),
    ("x IN SOA ns h 4294967296 2 3 4 5\n", false),
    ("sub IN NS ns1.sub\nns1.sub IN A 192.0.2.9\n", true),
    ("_sip._tcp IN SRV 0 5 5060 sip.example.com.\n", true),
    ("_sip._tcp IN SRV 0 5 70000 sip.example.com.\n", false),
    ("@ IN CAA 0 issue \"letsencrypt.org\"\n", true),
    ("@ IN CAA 0 tbs-x \"a\"\n", false),
    ("@ IN CAA 256 issue \"a\"\n", false),
    ("1.2.0.192.in-addr.arpa. IN PTR host.example.com.\n", true),
    ("www IN CNAME @\n", true),
    ("x IN TLSA 3 1 1 0123456789abcdef\n", true),
    ("x IN TYPE65534 \\# 2 abcd\n", true),
    ("  IN A 192.0.2.7\n", true),
    ("$ORIGIN sub\n@ IN A 192.0.2.1\n", true),
    ("$ORIGIN a..b\n", false),
    ("$TTL 1h\nx A 192.0.2.1\n", true),
    ("$TTL\n", false),
    ("$FOO bar\n", false),
    ("$GENERATE 1-3 host$ A 192.0.2.$\n", true),
    ("a..b IN A 192.0.2.1\n", false),
    ("x\\065 IN A 192.0.2.1\n", true),
    ("\"q\" IN A 192.0.2.1\n", true),
    ("x IN MX 1 \"mail\"\n", false),
    ("x IN \"A\" 192.0.2.1\n", false),
    ("x \"300\" IN A 192.0.2.1\n", false),
    ("x IN A \"192.0.2.1\"\n", false),
    ("x IN A 192.0.2.1\r\ny IN A 192.0.2.2\r\n", true),
    ("; only a comment\n\n   \n", true),
    ("x IN TXT x\0y\n", false),
    ("x 300 600 IN A 192.0.2.1\n", false),
    ("x IN IN A 192.0.2.1\n", false),
    (
        "Www.Sub IN A 192.0.2.1 ; comment\nout.example.net. IN A 192.0.2.1\n",
        true,
    ),
    ("( x IN A 192.0.2.1 )\n", true),
    ("(\nx A 192.0.2.1 )\n", true),
    ("( ; nothing\n )\n", true),
    (") x A 192.0.2.1\n", false),
    ("x ( IN A\n 192.0.2.1 )\n", true),
    ("x IN TXT \"x\0y\"\n", true),
];

/// Where this parser differs from BIND on purpose (see the module documentation): zone bodies
/// this parser accepts and BIND refuses.
const DIVERGENT: &[&str] = &[
    // Kept for a rule to report (and fix by splitting); BIND refuses strings over 255 bytes.
    concat!(
        "@ IN TXT \"v=spf1 ",
        "include:a.example.net include:b.example.net include:c.example.net ",
        "include:d.example.net include:e.example.net include:f.example.net ",
        "include:g.example.net include:h.example.net include:i.example.net ",
        "include:j.example.net include:k.example.net include:l.example.net ",
        "ip4:192.0.2.1 ip4:192.0.2.2 ip4:192.0.2.3 ~all\"\n"
    ),
    // A lone CR is white space here; BIND ends the line.
    "x IN TXT a\rb\n",
];

fn named_checkzone() -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("named-checkzone"))
        .find(|p| p.is_file())
}

/// What BIND loads: `-D` prints every record, one per line, `owner TTL class type data`.
struct BindVerdict {
    ok: bool,
    log: String,
    /// (owner without final dot, lower case; TTL; type), sorted.
    records: Vec<(String, u32, String)>,
}

/// The same triples from this parser, for the records BIND keeps (inside the zone). Owner names
/// keep their escapes here (`x\065`) where BIND prints the character (`xA`): decode them.
fn our_records(z: &Zone) -> Vec<(String, u32, String)> {
    let decode = |name: &str| {
        let mut out = String::new();
        let mut chars = name.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            let digits: String = chars.clone().take(3).collect();
            match digits.parse::<u8>() {
                Ok(n) if digits.len() == 3 => {
                    out.push(char::from(n));
                    chars.nth(2);
                }
                _ => out.extend(chars.next()),
            }
        }
        out.to_ascii_lowercase()
    };
    let mut v: Vec<(String, u32, String)> = z
        .records()
        .filter(|r| z.contains(&r.owner.name))
        .map(|r| {
            let ttl = r.effective_ttl.unwrap();
            (decode(&r.owner.name), ttl, r.rtype.to_string())
        })
        .collect();
    v.sort();
    v
}

fn bind_check(bin: &std::path::Path, origin: &str, text: &[u8]) -> BindVerdict {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("zone.db");
    std::fs::write(&file, text).unwrap();
    // Only syntax: no name-policy, MX/NS, SRV or integrity checks.
    let out = std::process::Command::new(bin)
        .args([
            "-k", "ignore", "-n", "ignore", "-m", "ignore", "-M", "ignore", "-S", "ignore", "-r",
            "ignore", "-i", "none", "-W", "ignore", "-D", "-o", "-",
        ])
        .arg(origin)
        .arg(&file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut records: Vec<(String, u32, String)> = stdout
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let ttl = f.get(1)?.parse().ok()?;
            let owner = f[0].strip_suffix('.')?.to_ascii_lowercase();
            (f.get(2) == Some(&"IN")).then(|| (owner, ttl, f[3].to_string()))
        })
        .collect();
    records.sort();
    BindVerdict {
        ok: out.status.success(),
        log: stdout.into_owned() + &String::from_utf8_lossy(&out.stderr),
        records,
    }
}

#[test]
fn parser_verdicts_on_synthetic_zones() {
    let mut wrong = Vec::new();
    let divergent = DIVERGENT.iter().map(|body| (*body, true));
    for (body, valid) in BIND_CASES.iter().copied().chain(divergent) {
        let text = format!("{HEADER}{body}");
        let src = SourceFile::from_str("var/named/example.com.db", &text);
        let z = parse_checked(&src, "example.com");
        let errors: Vec<String> = z.errors().map(|e| e.message.clone()).collect();
        if errors.is_empty() != valid {
            wrong.push(format!(
                "{body:?}: expected valid={valid}, errors {errors:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn bind_agrees_with_the_parser() {
    let Some(bin) = named_checkzone() else {
        eprintln!();
        eprintln!(
            "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
        );
        eprintln!(
            "!!! SKIPPED bind_agrees_with_the_parser: `named-checkzone` is not on PATH.       !!!"
        );
        eprintln!(
            "!!! Install it (`apt-get install -y bind9-utils`) to compare with BIND.        !!!"
        );
        eprintln!(
            "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
        );
        return;
    };
    let mut wrong = Vec::new();
    let mut compare = |what: &str, origin: &str, text: &[u8], valid: bool| {
        let bind = bind_check(&bin, origin, text);
        if bind.ok != valid {
            wrong.push(format!(
                "{what}: BIND says valid={}:\n{}",
                bind.ok, bind.log
            ));
        } else if bind.ok && !what.contains("$GENERATE") {
            // Same records: owners, TTLs and types.
            let src = SourceFile::new("zone.db", text.to_vec());
            let ours = our_records(&zone::parse(&src, origin));
            if ours != bind.records {
                wrong.push(format!(
                    "{what}: records differ\n  BIND: {:?}\n  ours: {ours:?}",
                    bind.records
                ));
            }
        }
    };
    for (body, valid) in BIND_CASES {
        let text = format!("{HEADER}{body}");
        compare(&format!("{body:?}"), "example.com", text.as_bytes(), *valid);
    }
    for body in DIVERGENT {
        let text = format!("{HEADER}{body}");
        compare(&format!("{body:?}"), "example.com", text.as_bytes(), false);
    }
    for &(file, origin, ..) in CORPUS {
        compare(
            file,
            origin,
            &common::corpus_file(&format!("cpanel/{file}")),
            true,
        );
    }
    compare("synthetic zone", "example.com", SYNTHETIC.as_bytes(), true);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
