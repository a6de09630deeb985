//! SPF, DKIM and DMARC parsers and the TXT offset map: every TXT record of the real cPanel zones
//! of the corpus, spans mapped back to zone files, synthetic cPanel-style zones, and properties
//! (no panic on any input, lossless rendering, valid generated records parse without errors).

mod common;

use maillint::parse::dkim::{self, DkimKey};
use maillint::parse::dmarc::{self, Policy};
use maillint::parse::spf::{self, Mechanism, Qualifier, SpfRecord, TermKind};
use maillint::parse::txt::TxtText;
use maillint::parse::zone::{self, RData, Record, Txt, Zone};
use maillint::parse::{Lossless, check_tiling};
use maillint::source::{SourceFile, Span};
use proptest::prelude::*;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant};

fn corpus_zone(file: &str, origin: &str) -> (SourceFile, Zone) {
    let bytes = common::corpus_file(&format!("cpanel/{file}"));
    let src = SourceFile::new(format!("var/named/{origin}.db"), bytes);
    let z = zone::parse(&src, origin);
    (src, z)
}

fn txt_of(r: &Record) -> Option<&Txt> {
    match &r.data {
        RData::Txt(t) => Some(t),
        _ => None,
    }
}

/// `line:col` of the start of a span of the file, and the text of the span.
fn at(src: &SourceFile, span: Span) -> (String, &str) {
    (
        src.line_col(span.start as usize).to_string(),
        src.slice(span),
    )
}

/// Parses and checks that the record renders back and its pieces tile it.
fn spf_checked(text: &str) -> SpfRecord {
    let r = spf::parse(text);
    assert_eq!(r.render(), text);
    check_tiling(&r, &SourceFile::from_str("spf", text)).unwrap();
    r
}

fn dkim_checked(text: &str) -> DkimKey {
    let k = dkim::parse(text);
    assert_eq!(k.render(), text);
    check_tiling(&k, &SourceFile::from_str("dkim", text)).unwrap();
    k
}

/// What each TXT record of a corpus zone is, as a line per record: owner and verdict.
fn classify(file: &str, origin: &str) -> Vec<String> {
    let (src, z) = corpus_zone(file, origin);
    let mut out = Vec::new();
    for r in z.records() {
        let Some(txt) = txt_of(r) else { continue };
        let t = TxtText::from_txt(txt, &src);
        let text = t.text();
        let owner = match r.owner.name.strip_suffix(origin) {
            Some("") => "@",
            Some(head) => head,
            None => &r.owner.name,
        };
        let verdict = if spf::is_spf(text) {
            let s = spf_checked(text);
            let errors: Vec<_> = s.errors().map(|e| e.message.clone()).collect();
            format!("spf {} terms, errors {errors:?}", s.terms.len())
        } else if r.owner.name.contains("._domainkey") {
            let k = dkim_checked(text);
            let errors: Vec<_> = k.errors().iter().map(|e| e.message.clone()).collect();
            format!(
                "dkim {:?} bits {:?} malformed {} errors {errors:?}",
                k.key_type(),
                k.rsa_key_bits(),
                txt.malformed()
            )
        } else if dmarc::is_dmarc(text) {
            "dmarc".to_string()
        } else {
            let s = spf_checked(text);
            format!("other, {} SPF mechanisms", s.mechanisms().count())
        };
        out.push(format!("{owner} {verdict}"));
    }
    out
}

#[test]
fn every_corpus_txt_record_parses_or_says_why() {
    let spf_ok = "spf 4 terms, errors []";
    let dkim_ok = "dkim Rsa bits Some(2048) malformed false errors []";
    // The split records that lost their quoting read as a valid key: the joined strings give
    // back the whole key (the zone's `Txt::malformed` is what DKIM004 reports).
    let dkim_split = "dkim Rsa bits Some(2048) malformed true errors []";
    assert_eq!(
        classify(
            "zone-mixmarketingmedia.com-v122.db",
            "mixmarketingmedia.com"
        ),
        [
            format!("@ {spf_ok}"),
            format!("default._domainkey. {dkim_ok}"),
            "_cpanel-dcv-test-record. other, 0 SPF mechanisms".to_string(),
            "_acme-challenge. other, 0 SPF mechanisms".to_string(),
        ]
    );
    let path = "other, 0 SPF mechanisms";
    assert_eq!(
        classify(
            "zone-onlineopportunitiesservices.com.db",
            "onlineopportunitiesservices.com"
        ),
        [
            format!("@ {spf_ok}"),
            format!("_caldav._tcp. {path}"),
            format!("_caldavs._tcp. {path}"),
            format!("_carddav._tcp. {path}"),
            format!("_carddavs._tcp. {path}"),
            format!("default._domainkey. {dkim_split}"),
            format!("_cpanel-dcv-test-record. {path}"),
            format!("_acme-challenge. {path}"),
        ]
    );
    let got = classify(
        "zone-oportunidadesonline.online.db",
        "oportunidadesonline.online",
    );
    assert_eq!(got.len(), 14);
    assert_eq!(got[0], format!("@ {spf_ok}"));
    assert_eq!(
        got.iter().filter(|v| v.ends_with(dkim_split)).count(),
        2,
        "{got:#?}"
    );
    assert_eq!(
        got.iter().filter(|v| v.contains(" other, 0 SPF")).count(),
        11
    );
    // The `_caldav` records of the transferred zone carry `+ip4:`: not SPF, but the mechanism is
    // there for a rule to see.
    let got = classify(
        "zone-highscore.a2hosted.com-automerge.db",
        "highscore.a2hosted.com",
    );
    assert_eq!(got.len(), 6);
    for v in &got[..4] {
        assert!(v.ends_with("other, 1 SPF mechanisms"), "{v}");
    }
}

#[test]
fn caldav_path_record_is_not_spf() {
    let (src, z) = corpus_zone(
        "zone-highscore.a2hosted.com-automerge.db",
        "highscore.a2hosted.com",
    );
    let r = z
        .records_of("_caldav._tcp.highscore.a2hosted.com", zone::RType::Txt)
        .next()
        .unwrap();
    let t = TxtText::from_txt(txt_of(r).unwrap(), &src);
    assert_eq!(t.text(), "path=/ +ip4:75.98.175.71");
    assert!(!spf::is_spf(t.text()));
    let s = spf_checked(t.text());
    let e = s.version_error.as_ref().unwrap();
    assert_eq!(
        e.message,
        "expected `v=spf1` at the start of the record, found `path=/`"
    );
    let (term, m) = s.mechanisms().next().unwrap();
    assert!(matches!(m, Mechanism::Ip4 { addr, .. } if *addr == Ipv4Addr::new(75, 98, 175, 71)));
    assert_eq!(
        at(&src, t.file_span_of(term.span)),
        ("39:35".to_string(), "+ip4:75.98.175.71")
    );
}

#[test]
fn cpanel_spf_terms_map_to_the_zone_file() {
    let (src, z) = corpus_zone(
        "zone-mixmarketingmedia.com-v122.db",
        "mixmarketingmedia.com",
    );
    let r = z
        .apex()
        .find(|r| txt_of(r).is_some())
        .expect("the SPF record");
    let t = TxtText::from_txt(txt_of(r).unwrap(), &src);
    let s = spf_checked(t.text());
    assert_eq!(s.errors().count(), 0);
    let all = s.all().unwrap();
    assert_eq!(all.qualifier.map(|q| q.0), Some(Qualifier::SoftFail));
    assert_eq!(
        at(&src, t.file_span_of(all.span)),
        ("17:72".to_string(), "~all")
    );
    let names: Vec<_> = s.mechanisms().map(|(_, m)| m.name()).collect();
    assert_eq!(names, ["a", "mx", "ip4", "all"]);
    let (term, ip) = s.mechanisms().nth(2).unwrap();
    let Mechanism::Ip4 {
        addr, addr_span, ..
    } = ip
    else {
        panic!("{ip:?}")
    };
    assert_eq!(*addr, Ipv4Addr::new(65, 108, 232, 153));
    assert_eq!(src.slice(t.file_span_of(*addr_span)), "65.108.232.153");
    assert_eq!(src.slice(t.file_span_of(term.span)), "+ip4:65.108.232.153");
}

#[test]
fn two_string_cpanel_dkim_key_decodes_to_spki() {
    let (src, z) = corpus_zone(
        "zone-mixmarketingmedia.com-v122.db",
        "mixmarketingmedia.com",
    );
    let r = z
        .records_of("default._domainkey.mixmarketingmedia.com", zone::RType::Txt)
        .next()
        .unwrap();
    let txt = txt_of(r).unwrap();
    assert_eq!(txt.strings.len(), 2);
    assert!(!txt.malformed());
    let t = TxtText::from_txt(txt, &src);
    let k = dkim_checked(t.text());
    assert!(k.errors().is_empty());
    assert_eq!(k.key_type(), dkim::KeyType::Rsa);
    let der = k.public_key.as_ref().unwrap();
    assert_eq!(der[0], 0x30, "a DER SEQUENCE");
    assert_eq!(der.len(), 294);
    assert_eq!(k.rsa_key_bits(), Some(2048));
    // The key's span runs across the two strings, from `MIIB` to `AQAB` before `\;"`.
    let p = t.file_span_of(k.public_key_span.unwrap());
    let (lc, text) = at(&src, p);
    assert_eq!(lc, "24:54");
    assert!(text.starts_with("MIIBIjAN"));
    assert!(text.ends_with("ctwIDAQAB"));
    assert!(text.contains("5k\" \"f96a"), "{text}");
    assert_eq!(src.line_col(p.end as usize).column, 449);
    // `k=rsa` sits after `v=DKIM1\; `.
    let k_tag = k.list.get("k").unwrap();
    assert_eq!(
        at(&src, t.file_span_of(k_tag.span())),
        ("24:44".to_string(), "k=rsa")
    );
    // Each `;` maps to its `\;`.
    let semi = k.list.semicolons[0];
    assert_eq!(src.slice(t.file_span_of(semi)), "\\;");
}

#[test]
fn split_dkim_records_that_lost_their_quoting() {
    for (file, origin, line) in [
        (
            "zone-oportunidadesonline.online.db",
            "oportunidadesonline.online",
            44,
        ),
        (
            "zone-onlineopportunitiesservices.com.db",
            "onlineopportunitiesservices.com",
            44,
        ),
    ] {
        let (src, z) = corpus_zone(file, origin);
        let r = z
            .records_of(&format!("default._domainkey.{origin}"), zone::RType::Txt)
            .next()
            .unwrap();
        let txt = txt_of(r).unwrap();
        assert!(txt.malformed());
        assert_eq!(
            txt.strings.iter().map(|s| s.quoted).collect::<Vec<_>>(),
            [true, false]
        );
        let t = TxtText::from_txt(txt, &src);
        let k = dkim_checked(t.text());
        // What the DKIM parser says about the joined value: a valid tag list whose key is whole.
        assert!(k.errors().is_empty(), "{file}: {:?}", k.errors());
        assert_eq!(k.rsa_key_bits(), Some(2048));
        let names: Vec<_> = k.list.tags().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["v", "k", "p"]);
        // The key starts inside the quoted string and ends in the unquoted tail, before `\;`.
        let p = t.file_span_of(k.public_key_span.unwrap());
        let (lc, text) = at(&src, p);
        assert_eq!(lc, format!("{line}:52"), "{file}");
        assert!(text.contains("\" "), "{text}");
        assert!(text.ends_with("IDAQAB"), "{text}");
        assert_eq!(&src.text()[p.end as usize..p.end as usize + 2], "\\;");
        // The tail's `\;` is the record's last `;`.
        let last = *k.list.semicolons.last().unwrap();
        assert_eq!(src.slice(t.file_span_of(last)), "\\;");
        assert!(txt.unquoted_tail().unwrap().start > p.start);
    }
}

/// A synthetic cPanel-style zone: SPF, DKIM and DMARC with escapes, and errors whose spans map
/// to line and column.
#[test]
fn synthetic_zone_errors_map_to_line_and_column() {
    let text = "; cPanel first:11.122.0.7 (update_time):1731321000 Cpanel::ZoneFile::VERSION:1.3\n\
$TTL 14400\n\
example.com.\t14400\tIN\tTXT\t\"v=spf1 +a +mx +ip4:192.0.2.1 ip4:203.0.113.300 ~all\"\n\
_dmarc\t14400\tIN\tTXT\t\"v=DMARC1\\; p=rejected\\; rua=mailto:dmarc@example.com\\;\"\n\
default._domainkey\t14400\tIN\tTXT\t\"v=DKIM1\\; k=rsa\\; p=MIGf$MA0\" \"AQAB\\;\"\n\
spf2\t14400\tIN\tTXT\t\"v=spf1 include:_spf.example.net\" \" -all\"\n\
spf3\t14400\tIN\tTXT\t\"v=spf1 include:_spf.example.net\" \"-all\"\n";
    let src = SourceFile::from_str("var/named/example.com.db", text);
    let z = zone::parse(&src, "example.com");
    assert_eq!(z.errors().count(), 0);
    let txts: Vec<_> = z
        .records()
        .filter_map(|r| Some((r, TxtText::from_txt(txt_of(r)?, &src))))
        .collect();
    assert_eq!(txts.len(), 5);

    let s = spf_checked(txts[0].1.text());
    let e: Vec<_> = s.errors().collect();
    assert_eq!(e.len(), 1);
    assert_eq!(
        e[0].message,
        "expected an IPv4 address after `ip4:`, found `203.0.113.300`"
    );
    assert_eq!(
        at(&src, txts[0].1.file_span_of(e[0].span)),
        ("3:61".to_string(), "203.0.113.300")
    );

    let d = dmarc::parse(txts[1].1.text());
    assert_eq!(d.render(), txts[1].1.text());
    let e = d.errors();
    assert_eq!(e.len(), 1);
    assert_eq!(
        at(&src, txts[1].1.file_span_of(e[0].span)),
        ("4:35".to_string(), "rejected")
    );
    assert_eq!(d.rua()[0].address.as_deref(), Some("dmarc@example.com"));

    let k = dkim_checked(txts[2].1.text());
    let e = k.errors();
    assert_eq!(e.len(), 1);
    assert_eq!(
        at(&src, txts[2].1.file_span_of(e[0].span)),
        ("5:58".to_string(), "$")
    );

    // An SPF record split into two strings: `-all` is in the second.
    let s = spf_checked(txts[3].1.text());
    assert_eq!(s.errors().count(), 0);
    let all = s.all().unwrap();
    assert_eq!(
        at(&src, txts[3].1.file_span_of(all.span)),
        ("6:55".to_string(), "-all")
    );
    assert_eq!(txts[3].1.string_index(all.span.start as usize), Some(1));
    // Without the space, the strings join into `include:_spf.example.net-all`: a valid domain,
    // and no `all` (SPF is read from the joined strings, RFC 7208 §3.3).
    let s = spf_checked(txts[4].1.text());
    assert_eq!(s.errors().count(), 0);
    assert!(s.all().is_none());
    let (term, m) = s.mechanisms().next().unwrap();
    assert_eq!(m.domain().unwrap().raw, "_spf.example.net-all");
    assert_eq!(
        at(&src, txts[4].1.file_span_of(term.span)),
        ("7:27".to_string(), "include:_spf.example.net\" \"-all")
    );
}

/// RFC 6376 Appendix C writes its example key as several strings; joined, they are the key.
#[test]
fn rfc_6376_appendix_c_record_in_a_zone() {
    let text = "brisbane._domainkey IN TXT (\"v=DKIM1; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQ\"\n\
        \t\"KBgQDwIRP/UC3SBsEmGqZ9ZJW3/DkMoGeLnQg1fWn7/zYt\"\n\
        \t\"IxN2SnFCjxOCKG9v3b4jYfcTNh5ijSsq631uBItLa7od+v\"\n\
        \t\"/RtdC2UzJ1lWT947qR+Rcac2gbto/NMqJ0fzfVjH4OuKhi\"\n\
        \t\"tdY9tf6mcwGjaNBcWToIMmPSPDdQPNUYckcQ2QIDAQAB\")\n";
    let src = SourceFile::from_str("var/named/example.com.db", text);
    let z = zone::parse(&src, "example.com");
    let r = z.records().next().unwrap();
    let t = TxtText::from_txt(txt_of(r).unwrap(), &src);
    let k = dkim_checked(t.text());
    assert!(k.errors().is_empty());
    assert_eq!(k.rsa_key_bits(), Some(1024));
    let p = t.file_span_of(k.public_key_span.unwrap());
    assert_eq!(src.line_col(p.start as usize).to_string(), "1:41");
    assert_eq!(src.line_col(p.end as usize).to_string(), "5:47");
}

// ---------------------------------------------------------------------------------------------
// Properties.

/// Standard base64 with padding (for generated keys).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | (u32::from(b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A domain without macros, or with the macros of RFC 7208's examples.
fn domain() -> impl Strategy<Value = String> {
    prop_oneof![
        "([a-z0-9_]{1,10}\\.){1,3}[a-z]{2,6}\\.?",
        "([a-z0-9-]{1,8}\\.){1,2}[a-z0-9]{1,5}-[a-z0-9]{1,5}",
        Just("%{ir}.%{v}._spf.%{d2}".to_string()),
        Just("%{l1r-}.%{D}".to_string()),
        Just("%{i}._spf.example.com".to_string()),
    ]
}

/// A valid SPF term and its mechanism or modifier name.
fn spf_term() -> impl Strategy<Value = (String, &'static str)> {
    let q = "[-+~?]?";
    prop_oneof![
        q.prop_map(|q| (format!("{q}all"), "all")),
        (q, domain()).prop_map(|(q, d)| (format!("{q}include:{d}"), "include")),
        (q, domain()).prop_map(|(q, d)| (format!("{q}exists:{d}"), "exists")),
        (
            q,
            prop::option::of(domain()),
            prop::option::of(0u8..=32),
            prop::option::of(0u8..=128)
        )
            .prop_map(|(q, d, c4, c6)| {
                let d = d.map_or(String::new(), |d| format!(":{d}"));
                let c4 = c4.map_or(String::new(), |c| format!("/{c}"));
                let c6 = c6.map_or(String::new(), |c| format!("//{c}"));
                (format!("{q}a{d}{c4}{c6}"), "a")
            }),
        (q, prop::option::of(domain()), prop::option::of(0u8..=32)).prop_map(|(q, d, c)| {
            let d = d.map_or(String::new(), |d| format!(":{d}"));
            let c = c.map_or(String::new(), |c| format!("/{c}"));
            (format!("{q}MX{d}{c}"), "mx")
        }),
        (q, prop::option::of(domain())).prop_map(|(q, d)| (
            format!("{q}ptr{}", d.map_or(String::new(), |d| format!(":{d}"))),
            "ptr"
        )),
        (q, any::<[u8; 4]>(), prop::option::of(0u8..=32)).prop_map(|(q, a, c)| {
            let c = c.map_or(String::new(), |c| format!("/{c}"));
            (format!("{q}ip4:{}{c}", Ipv4Addr::from(a)), "ip4")
        }),
        (q, any::<[u16; 8]>(), prop::option::of(0u8..=128)).prop_map(|(q, a, c)| {
            let c = c.map_or(String::new(), |c| format!("/{c}"));
            (format!("{q}ip6:{}{c}", Ipv6Addr::from(a)), "ip6")
        }),
        domain().prop_map(|d| (format!("redirect={d}"), "redirect")),
        domain().prop_map(|d| (format!("exp={d}"), "exp")),
        ("[a-z][a-z0-9._-]{0,8}", "[!-$&-~]{0,12}")
            .prop_filter("not a known modifier", |(n, _)| n != "redirect"
                && n != "exp")
            .prop_map(|(n, v)| (format!("{n}={v}"), "unknown")),
    ]
}

/// A valid DKIM key record, and the key bytes.
fn dkim_record() -> impl Strategy<Value = (String, Vec<u8>)> {
    let ws = "[ \t]{0,2}";
    (
        any::<bool>(),
        prop::collection::vec(any::<u8>(), 0..300),
        prop::sample::subsequence(
            vec![
                "k=rsa",
                "k=ed25519",
                "h=sha256",
                "h=sha1:sha256",
                "t=y",
                "t=s:y",
                "s=email",
                "s=*",
                "n=a note",
                "x=unknown",
            ],
            0..4,
        ),
        ws,
        ws,
        any::<bool>(),
    )
        .prop_map(|(v, key, others, w1, w2, trailing)| {
            let mut tags = Vec::new();
            if v {
                tags.push("v=DKIM1".to_string());
            }
            let mut names = Vec::new();
            for t in others {
                let name = t.split('=').next().unwrap();
                if !names.contains(&name) {
                    names.push(name);
                    tags.push(t.replace('=', &format!("{w1}={w2}")));
                }
            }
            tags.push(format!("p={}", base64(&key)));
            let mut text = tags.join(&format!("{w1};{w2}"));
            if trailing {
                text.push(';');
            }
            (text, key)
        })
}

/// A valid DMARC record.
fn dmarc_record() -> impl Strategy<Value = (String, Policy)> {
    (
        prop::sample::select(vec![
            ("none", Policy::None),
            ("quarantine", Policy::Quarantine),
            ("reject", Policy::Reject),
        ]),
        prop::sample::subsequence(
            vec![
                "sp=reject",
                "np=quarantine",
                "adkim=s",
                "aspf=r",
                "fo=0:1:d:s",
                "pct=50",
                "rf=afrf",
                "ri=86400",
                "rua=mailto:dmarc@example.com,mailto:r@example.net!10m",
                "ruf=mailto:forensic@example.com",
                "psd=u",
                "t=y",
                "future=tag",
            ],
            0..6,
        ),
        "[ ]{0,2}",
    )
        .prop_map(|((p, policy), others, ws)| {
            let mut tags = vec!["v=DMARC1".to_string(), format!("p={p}")];
            tags.extend(others.into_iter().map(String::from));
            (tags.join(&format!(";{ws}")), policy)
        })
}

/// One piece of a TXT string: a plain character, `\X`, or `\DDD`.
fn txt_piece(quoted: bool) -> impl Strategy<Value = (String, u8)> {
    let plain = if quoted {
        "[a-zA-Z0-9 =;:+/.()-]"
    } else {
        "[a-zA-Z0-9=:+/.-]"
    };
    prop_oneof![
        4 => plain.prop_map(|c| { let b = c.as_bytes()[0]; (c, b) }),
        1 => prop::sample::select(vec![b'"', b'\\', b';', b' ', b'(', b'a'])
            .prop_map(|b| (format!("\\{}", b as char), b)),
        1 => any::<u8>().prop_map(|b| (format!("\\{b:03}"), b)),
    ]
}

/// A TXT string as written in a zone file and the bytes it stands for.
fn txt_string() -> impl Strategy<Value = (String, Vec<u8>)> {
    any::<bool>().prop_flat_map(|quoted| {
        prop::collection::vec(txt_piece(quoted), usize::from(!quoted)..12).prop_map(move |pieces| {
            let written: String = pieces.iter().map(|(w, _)| w.as_str()).collect();
            let bytes = pieces.iter().map(|(_, b)| *b).collect();
            if quoted {
                (format!("\"{written}\""), bytes)
            } else {
                (written, bytes)
            }
        })
    })
}

/// Decodes the source of one value byte: a character, `\X` or `\DDD`.
fn decode_one(source: &[u8]) -> Option<u8> {
    match source {
        [b] if *b != b'\\' => Some(*b),
        [b'\\', x] if !x.is_ascii_digit() => Some(*x),
        [b'\\', d @ ..] if d.len() == 3 => std::str::from_utf8(d).ok()?.parse().ok(),
        _ => None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_text_never_panics_and_renders_back(text in "\\PC{0,200}|[ -~]{0,200}|[v=spf1DKIMARC;:%{}/+~?.a-z0-9 ]{0,200}") {
        let start = Instant::now();
        let s = spf::parse(&text);
        prop_assert_eq!(s.render(), text.clone());
        check_tiling(&s, &SourceFile::from_str("x", &text)).unwrap();
        let k = dkim::parse(&text);
        prop_assert_eq!(k.render(), text.clone());
        check_tiling(&k, &SourceFile::from_str("x", &text)).unwrap();
        let d = dmarc::parse(&text);
        prop_assert_eq!(d.render(), text.clone());
        check_tiling(&d, &SourceFile::from_str("x", &text)).unwrap();
        let _ = spf::explanation(&text);
        // Every error span is inside the text.
        for e in s.errors().chain(k.errors()).chain(d.errors()) {
            prop_assert!(e.span.end as usize <= text.len());
            prop_assert!(text.is_char_boundary(e.span.start as usize));
            prop_assert!(text.is_char_boundary(e.span.end as usize));
        }
        // A hang guard, not a speed measurement (BENCHMARKS.md has those).
        prop_assert!(start.elapsed() < Duration::from_secs(60));
    }

    #[test]
    fn arbitrary_bytes_through_a_txt_record(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        // Any value, written with `\DDD` escapes in a zone file.
        let written: String = bytes.iter().map(|b| format!("\\{b:03}")).collect();
        let zone_text = format!("@ IN TXT \"{written}\"\n");
        let src = SourceFile::from_str("var/named/example.com.db", &zone_text);
        let z = zone::parse(&src, "example.com");
        let t = TxtText::from_txt(txt_of(z.records().next().unwrap()).unwrap(), &src);
        prop_assert_eq!(t.bytes(), &bytes[..]);
        prop_assert_eq!(t.text().len(), bytes.len());
        let text = t.text();
        prop_assert_eq!(spf::parse(text).render(), text);
        prop_assert_eq!(dkim::parse(text).render(), text);
        prop_assert_eq!(dmarc::parse(text).render(), text);
    }

    #[test]
    fn mutated_records_never_panic(
        which in 0usize..3,
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, any::<char>()), 1..6),
    ) {
        let base = [
            "v=spf1 +a +mx +ip4:192.0.2.1 include:_spf.example.com exists:%{ir}.%{v}._spf.%{d2} ~all",
            "v=DKIM1; k=rsa; h=sha256; t=y:s; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDwIRP/UC3SBsEmGqZ9",
            "v=DMARC1; p=quarantine; rua=mailto:dmarc@example.com!10m; fo=1; pct=25; adkim=s",
        ][which];
        let mut chars: Vec<char> = base.chars().collect();
        for (i, op, c) in edits {
            let at = i.index(chars.len() + 1);
            match op {
                0 => chars.insert(at, c),
                1 if at < chars.len() => { chars.remove(at); }
                _ if at < chars.len() => chars[at] = c,
                _ => {}
            }
        }
        let text: String = chars.into_iter().collect();
        prop_assert_eq!(spf::parse(&text).render(), text.clone());
        prop_assert_eq!(dkim::parse(&text).render(), text.clone());
        prop_assert_eq!(dmarc::parse(&text).render(), text.clone());
    }

    #[test]
    fn generated_spf_records_parse_without_errors(terms in prop::collection::vec(spf_term(), 0..12), sep in " {1,3}") {
        let mut text = "v=spf1".to_string();
        for (t, _) in &terms {
            text.push_str(&sep);
            text.push_str(t);
        }
        let r = spf_checked(&text);
        prop_assert!(r.is_spf());
        let errors: Vec<_> = r.errors().collect();
        prop_assert!(errors.is_empty(), "{}: {:?}", text, errors);
        prop_assert_eq!(r.terms.len(), terms.len());
        for (term, (written, name)) in r.terms.iter().zip(&terms) {
            prop_assert_eq!(r.slice(term.span), written.as_str());
            let got = match &term.kind {
                TermKind::Mechanism(m) => m.name(),
                TermKind::Modifier(spf::Modifier::Unknown { .. }) => "unknown",
                TermKind::Modifier(m) => m.name(),
                TermKind::Invalid(_) => "invalid",
            };
            prop_assert_eq!(got, *name);
        }
    }

    #[test]
    fn generated_dkim_records_parse_without_errors((text, key) in dkim_record()) {
        let k = dkim_checked(&text);
        prop_assert!(k.errors().is_empty(), "{}: {:?}", text, k.errors());
        prop_assert_eq!(k.public_key.as_ref(), Some(&key));
        prop_assert_eq!(k.is_revoked(), key.is_empty());
    }

    #[test]
    fn generated_dmarc_records_parse_without_errors((text, policy) in dmarc_record()) {
        let d = dmarc::parse(&text);
        prop_assert_eq!(d.render(), text.clone());
        prop_assert!(d.errors().is_empty(), "{}: {:?}", text, d.errors());
        prop_assert!(d.is_dmarc());
        prop_assert_eq!(d.p(), Some(policy));
    }

    #[test]
    fn txt_map_points_at_the_source_of_every_byte(strings in prop::collection::vec(txt_string(), 1..5)) {
        let written: Vec<&str> = strings.iter().map(|(w, _)| w.as_str()).collect();
        let zone_text = format!("host\t14400\tIN\tTXT\t{}\n", written.join(" "));
        let src = SourceFile::from_str("var/named/example.com.db", &zone_text);
        let z = zone::parse(&src, "example.com");
        prop_assert_eq!(z.errors().count(), 0, "{}", zone_text);
        let txt = txt_of(z.records().next().unwrap()).unwrap();
        let t = TxtText::from_txt(txt, &src);
        let value: Vec<u8> = strings.iter().flat_map(|(_, b)| b.iter().copied()).collect();
        prop_assert_eq!(t.bytes(), &value[..]);
        prop_assert_eq!(t.bytes().to_vec(), txt.joined());
        for (i, &byte) in value.iter().enumerate() {
            let span = t.file_span(i..i + 1);
            prop_assert_eq!(decode_one(src.slice_bytes(span)), Some(byte), "byte {} of {}", i, zone_text);
        }
        // A range maps to the span from its first byte's source to its last byte's source.
        for i in 0..value.len() {
            for j in i + 1..=value.len() {
                let span = t.file_span(i..j);
                prop_assert_eq!(span, t.file_span(i..i + 1).join(t.file_span(j - 1..j)));
            }
        }
        // The ranges of the strings are the strings.
        let lens: Vec<usize> = t.string_ranges().iter().map(|r| r.len()).collect();
        let want: Vec<usize> = strings.iter().map(|(_, b)| b.len()).collect();
        prop_assert_eq!(lens, want);
    }
}

/// Records as long as a TXT record can be (its data is at most 65535 bytes) parse quickly,
/// whatever they hold: many terms, a huge key, many tags, pathological macros and CIDRs.
#[test]
fn records_of_the_largest_size_parse_quickly() {
    const MAX: usize = 65_535;
    let fill = |unit: &str| unit.repeat(MAX / unit.len());
    let start = Instant::now();
    let terms = fill("ip4:192.0.2.1 include:_spf.example.com a:%{d}.example.net ");
    let r = spf::parse(&format!("v=spf1 {terms}-all"));
    assert_eq!(r.terms.len(), terms.split_whitespace().count() + 1);
    assert_eq!(r.errors().count(), 0);
    assert_eq!(
        spf::parse(&format!("v=spf1{}", fill(" a"))).terms.len(),
        MAX / 2
    );
    assert_eq!(
        spf::parse(&format!("v=spf1 a:{}", fill("%")))
            .errors()
            .count(),
        1
    );
    assert_eq!(
        spf::parse(&format!("v=spf1 a:{}", fill("/1")))
            .errors()
            .count(),
        1
    );
    assert_eq!(
        spf::parse(&format!("v=spf1 {}", fill("a~all")))
            .errors()
            .count(),
        1
    );
    let key = format!("v=DKIM1; k=rsa; p={}", "A".repeat(MAX - MAX % 4));
    let k = dkim::parse(&key);
    assert_eq!(
        k.public_key.as_ref().unwrap().len(),
        (MAX - MAX % 4) / 4 * 3
    );
    // Many tags: each repeated one is found once.
    let many: String = (0..MAX / 8).map(|i| format!("t{i}=x;")).collect();
    assert_eq!(dkim::parse(&many).errors().len(), 1, "only `p` is missing");
    let many = format!("v=DMARC1; p=none; {}", fill("fo=1;"));
    assert_eq!(dmarc::parse(&many).errors().len(), MAX / 5 - 1);
    let d = dmarc::parse(&format!(
        "v=DMARC1; p=none; rua={}",
        fill("mailto:a@example.com,")
    ));
    assert_eq!(d.errors().len(), 1, "the list ends with `,`");
    assert!(
        // A hang guard, not a speed measurement (BENCHMARKS.md has those).
        start.elapsed() < Duration::from_secs(60),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn lossless_pieces_are_exposed() {
    let r = spf::parse("v=spf1  a ~all ");
    let pieces = r.pieces();
    assert_eq!(pieces.len(), 6);
    let k = dkim::parse("v=DKIM1; p=");
    assert_eq!(k.pieces().len(), 3);
}
