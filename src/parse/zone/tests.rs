use super::*;
use crate::parse::{check_tiling, render};

fn zone(text: &str) -> (SourceFile, Zone) {
    let src = SourceFile::from_str("var/named/example.com.db", text);
    let z = parse(&src, "Example.COM.");
    check_tiling(&z, &src).unwrap();
    assert_eq!(render(&z, &src), text.as_bytes());
    (src, z)
}

fn only_record(z: &Zone) -> &Record {
    let recs: Vec<&Record> = z.records().collect();
    assert_eq!(recs.len(), 1, "{:#?}", z.items);
    recs[0]
}

fn errors(src: &SourceFile, z: &Zone) -> Vec<(usize, String)> {
    z.errors()
        .map(|e| (src.line_col(e.span.start as usize).line, e.message.clone()))
        .collect()
}

fn txt(r: &Record) -> &Txt {
    match &r.data {
        RData::Txt(t) | RData::Spf(t) => t,
        d => panic!("not TXT: {d:?}"),
    }
}

fn bad(r: &Record) -> &SyntaxError {
    match &r.data {
        RData::Bad(e) => e,
        d => panic!("not bad: {d:?}"),
    }
}

const CPANEL_SOA: &str = "example.com.\t86400\tIN\tSOA\tns1.example.net.\thostmaster.example.com.\t(\n\
\t\t\t\t\t\t2024121601 ;Serial Number\n\
\t\t\t\t\t\t3600 ;refresh\n\
\t\t\t\t\t\t1800 ;retry\n\
\t\t\t\t\t\t1209600 ;expire\n\
\t\t\t\t\t\t86400\t)\n";

#[test]
fn cpanel_soa_spans_six_lines_with_comments() {
    let text = format!("$TTL 14400\n{CPANEL_SOA}example.com.\t86400\tIN\tNS\tns1.example.net.\n");
    let (src, z) = zone(&text);
    assert_eq!(z.items.len(), 3);
    let item = &z.items[1];
    assert_eq!(src.slice(item.span), CPANEL_SOA);
    let ItemKind::Record(r) = &item.kind else {
        panic!("{:?}", item.kind)
    };
    assert_eq!(r.rtype, RType::Soa);
    assert_eq!(r.ttl.map(|t| t.0), Some(86400));
    assert_eq!(&*r.owner.name, "example.com");
    let soa = z.soa().unwrap();
    assert_eq!(soa.mname.name, "ns1.example.net");
    assert_eq!(soa.rname.name, "hostmaster.example.com");
    assert_eq!(soa.serial.0, 2024121601);
    assert_eq!(src.slice(soa.serial.1), "2024121601");
    assert_eq!(src.line_col(soa.serial.1.start as usize).line, 3);
    assert_eq!(
        [soa.refresh.0, soa.retry.0, soa.expire.0, soa.minimum.0],
        [3600, 1800, 1209600, 86400]
    );
    assert_eq!(src.slice(soa.minimum.1), "86400");
    assert!(r.errors.is_empty());
    assert_eq!(z.errors().count(), 0);
    assert_eq!(z.default_ttl(), Some(14400));
}

#[test]
fn ttl_and_class_in_either_order_with_units() {
    let (src, z) = zone(
        "$TTL 1h\na 300 IN A 192.0.2.1\nb IN 1d A 192.0.2.2\nc in a 192.0.2.3\nd 1W2d A 192.0.2.4\n",
    );
    let recs: Vec<&Record> = z.records().collect();
    let ttls: Vec<Option<u32>> = recs.iter().map(|r| r.ttl.map(|t| t.0)).collect();
    assert_eq!(ttls, vec![Some(300), Some(86400), None, Some(777600)]);
    let eff: Vec<Option<u32>> = recs.iter().map(|r| r.effective_ttl).collect();
    assert_eq!(eff, vec![Some(300), Some(86400), Some(3600), Some(777600)]);
    assert_eq!(src.slice(recs[1].class.unwrap().1), "IN");
    assert_eq!(recs[2].class.unwrap().0, Class::In);
    assert!(recs[3].class.is_none());
    assert_eq!(src.slice(recs[2].rtype_span), "a");
    assert_eq!(z.errors().count(), 0);
}

#[test]
fn without_ttl_directive_the_previous_ttl_or_soa_minimum_applies() {
    let (_, z) =
        zone("@ IN SOA ns h 1 2 3 4 5\nns A 192.0.2.1\nmx 60 A 192.0.2.2\nw A 192.0.2.3\n");
    let eff: Vec<Option<u32>> = z.records().map(|r| r.effective_ttl).collect();
    assert_eq!(eff, vec![Some(5), Some(5), Some(60), Some(60)]);
    let (_, z) = zone("ns A 192.0.2.1\n");
    assert_eq!(only_record(&z).effective_ttl, None);
    assert_eq!(z.default_ttl(), None);
}

#[test]
fn owners_relative_absolute_at_and_omitted() {
    let (src, z) = zone(
        "@ A 192.0.2.1\n\tA 192.0.2.2\nMail A 192.0.2.3\n  \t MX 10 mail\nwww.example.net. A 192.0.2.4\n",
    );
    let owners: Vec<(&str, Option<&str>)> = z
        .records()
        .map(|r| (&*r.owner.name, r.owner.span.map(|s| src.slice(s))))
        .collect();
    assert_eq!(
        owners,
        vec![
            ("example.com", Some("@")),
            ("example.com", None),
            ("mail.example.com", Some("Mail")),
            ("mail.example.com", None),
            ("www.example.net", Some("www.example.net.")),
        ]
    );
    assert_eq!(z.apex().count(), 2);
}

#[test]
fn origin_directive_changes_following_relative_names() {
    let text = "$ORIGIN sub\nhost A 192.0.2.1\n@ MX 5 host\n$ORIGIN Example.NET.\nx CNAME y\n";
    let (src, z) = zone(text);
    let recs: Vec<&Record> = z.records().collect();
    assert_eq!(&*recs[0].owner.name, "host.sub.example.com");
    assert_eq!(&*recs[1].owner.name, "sub.example.com");
    let RData::Mx { exchange, .. } = &recs[1].data else {
        panic!()
    };
    assert_eq!(exchange.name, "host.sub.example.com");
    assert_eq!(&*recs[2].owner.name, "x.example.net");
    let RData::Cname(t) = &recs[2].data else {
        panic!()
    };
    assert_eq!(t.name, "y.example.net");
    assert_eq!(z.origin, "example.com");
    assert_eq!(z.origin_at(0), "example.com");
    assert_eq!(z.origin_at(text.find("host").unwrap()), "sub.example.com");
    assert_eq!(z.origin_at(text.len()), "example.net");
    let origins: Vec<&str> = z
        .directives()
        .map(|d| match &d.kind {
            DirectiveKind::Origin(t) => src.slice(t.span),
            k => panic!("{k:?}"),
        })
        .collect();
    assert_eq!(origins, vec!["sub", "Example.NET."]);
}

#[test]
fn include_and_generate_are_recorded_not_followed() {
    let (src, z) = zone(
        "$INCLUDE \"/var/named/keys/example.com.keys\" sub ; dnssec\n$generate 1-3 host$ A 192.0.2.$\n",
    );
    let ds: Vec<&Directive> = z.directives().collect();
    assert_eq!(ds.len(), 2);
    match &ds[0].kind {
        DirectiveKind::Include {
            file,
            file_span,
            origin,
        } => {
            assert_eq!(file, "/var/named/keys/example.com.keys");
            assert_eq!(
                src.slice(*file_span),
                "\"/var/named/keys/example.com.keys\""
            );
            assert_eq!(origin.as_ref().unwrap().name, "sub.example.com");
        }
        k => panic!("{k:?}"),
    }
    match &ds[1].kind {
        DirectiveKind::Generate { args } => {
            assert_eq!(src.slice(*args), "1-3 host$ A 192.0.2.$")
        }
        k => panic!("{k:?}"),
    }
    assert_eq!(src.slice(ds[1].name_span), "$generate");
    assert_eq!(z.records().count(), 0);
    assert_eq!(z.errors().count(), 0);
}

#[test]
fn directive_errors() {
    let (src, z) = zone("$TTL\n$TTL 1h30\n$TTL 300 600\n$ORIGIN a..b\n$FOO bar\n$INCLUDE\n");
    assert_eq!(
        errors(&src, &z),
        vec![
            (
                1,
                "expected a TTL after `$TTL`, found end of line".to_string()
            ),
            (
                2,
                "expected a TTL after `$TTL` (seconds, or a duration such as `1h`), found `1h30`"
                    .to_string()
            ),
            (
                3,
                "expected end of line after the TTL, found `600`".to_string()
            ),
            (
                4,
                "expected a domain name after `$ORIGIN`, found `a..b`: it has an empty label \
                 (two dots in a row, or a leading dot)"
                    .to_string()
            ),
            (
                5,
                "expected `$TTL`, `$ORIGIN`, `$INCLUDE` or `$GENERATE`, found `$FOO`".to_string()
            ),
            (
                6,
                "expected a file name after `$INCLUDE`, found end of line".to_string()
            ),
        ]
    );
    assert_eq!(z.default_ttl(), None);
}

#[test]
fn blank_and_comment_lines() {
    let (_, z) = zone("\n  \t\n; cPanel first:122.0.18\n   ; indented\n\r\n");
    let kinds: Vec<&str> = z
        .items
        .iter()
        .map(|i| match i.kind {
            ItemKind::Blank => "blank",
            ItemKind::Comment => "comment",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, vec!["blank", "blank", "comment", "comment", "blank"]);
}

#[test]
fn crlf_lines_read_like_lf_lines() {
    let text = format!(
        "$TTL 300\r\n{}www\tIN\tA\t192.0.2.1\r\n",
        CPANEL_SOA.replace('\n', "\r\n")
    );
    let (src, z) = zone(&text);
    assert_eq!(z.errors().count(), 0);
    assert_eq!(z.soa().unwrap().serial.0, 2024121601);
    let a = z.records_of("www.example.com", RType::A).next().unwrap();
    assert!(matches!(a.data, RData::A(ip) if ip == Ipv4Addr::new(192, 0, 2, 1)));
    assert_eq!(src.slice(a.rdata_span), "192.0.2.1");
}

#[test]
fn no_final_newline() {
    let (src, z) = zone("www A 192.0.2.1");
    assert_eq!(src.slice(z.items[0].span), "www A 192.0.2.1");
    assert_eq!(z.records().count(), 1);
}

#[test]
fn txt_strings_escapes_and_joining() {
    let (src, z) = zone(
        "default._domainkey\tIN\tTXT\t\"v=DKIM1\\; k=rsa\\; p=MIIB\" \"QAB\\;\" ; key\n\
         e TXT \"a\\\"b\\\\c\\065\\000\" word\\;x\n",
    );
    let recs: Vec<&Record> = z.records().collect();
    let t = txt(recs[0]);
    assert_eq!(t.strings.len(), 2);
    assert!(t.strings.iter().all(|s| s.quoted));
    assert_eq!(t.joined(), b"v=DKIM1; k=rsa; p=MIIBQAB;");
    assert!(!t.malformed());
    assert_eq!(t.unquoted_tail(), None);
    assert_eq!(src.slice(t.strings[1].span), "\"QAB\\;\"");
    assert_eq!(
        src.slice(recs[0].rdata_span),
        "\"v=DKIM1\\; k=rsa\\; p=MIIB\" \"QAB\\;\""
    );
    let t = txt(recs[1]);
    assert_eq!(t.strings[0].bytes, b"a\"b\\cA\0");
    assert_eq!(t.strings[1].bytes, b"word;x");
    assert!(!t.strings[1].quoted);
    assert_eq!(z.errors().count(), 0);
}

#[test]
fn txt_in_parentheses_and_quoted_line_continuation() {
    let (_, z) = zone("k TXT ( \"v=DKIM1; \" ; part one\n        \"p=AB\" )\nc TXT \"x\\\ny\"\n");
    let recs: Vec<&Record> = z.records().collect();
    assert_eq!(txt(recs[0]).joined(), b"v=DKIM1; p=AB");
    assert_eq!(txt(recs[1]).joined(), b"x\ny");
    assert_eq!(z.items.len(), 2);
    assert_eq!(z.errors().count(), 0);
}

#[test]
fn unquoted_txt_words_and_the_split_dkim_record() {
    let text = "_caldav._tcp\t14400\tIN\tTXT\tpath=/\n\
        default._domainkey\t14400\tIN\tTXT\t\"v=DKIM1; k=rsa; p=MIIBIjAN\" OQccEpxTiPag+jM\\;\n\
        spf TXT v=spf1 a mx ~all\n";
    let (src, z) = zone(text);
    let recs: Vec<&Record> = z.records().collect();
    let path = txt(recs[0]);
    assert!(!path.malformed());
    assert_eq!(path.joined(), b"path=/");
    let dkim = txt(recs[1]);
    assert!(dkim.malformed());
    assert_eq!(
        dkim.strings.iter().map(|s| s.quoted).collect::<Vec<_>>(),
        vec![true, false]
    );
    assert_eq!(dkim.strings[1].bytes, b"OQccEpxTiPag+jM;");
    assert_eq!(
        src.slice(dkim.unquoted_tail().unwrap()),
        "OQccEpxTiPag+jM\\;"
    );
    let spf = txt(recs[2]);
    assert!(spf.malformed());
    assert_eq!(spf.joined(), b"v=spf1amx~all");
    assert_eq!(src.slice(spf.unquoted_tail().unwrap()), "a mx ~all");
    // BIND reads all three; the problem is for the rules to report.
    assert_eq!(z.errors().count(), 0);
}

#[test]
fn spf_type_keeps_its_strings() {
    let (_, z) = zone("@ IN SPF \"v=spf1 -all\"\n");
    let r = only_record(&z);
    assert_eq!(r.rtype, RType::Spf);
    assert!(matches!(&r.data, RData::Spf(t) if t.joined() == b"v=spf1 -all"));
}

#[test]
fn mx_keeps_preference_span_and_raw_target() {
    let (src, z) = zone(
        "@ MX 10 mail\n@ MX 20 mail.example.net.\n@ MX 30 192.0.2.1\n@ MX 40 192.0.2.2.\n@ MX 0 .\n",
    );
    let mx: Vec<(u16, &str, &str, String, bool)> = z
        .records_of("example.com", RType::Mx)
        .map(|r| match &r.data {
            RData::Mx {
                preference,
                pref_span,
                exchange,
            } => (
                *preference,
                src.slice(*pref_span),
                exchange.raw.as_str(),
                exchange.name.clone(),
                exchange.is_absolute(),
            ),
            d => panic!("{d:?}"),
        })
        .collect();
    assert_eq!(
        mx,
        vec![
            (10, "10", "mail", "mail.example.com".into(), false),
            (
                20,
                "20",
                "mail.example.net.",
                "mail.example.net".into(),
                true
            ),
            (30, "30", "192.0.2.1", "192.0.2.1.example.com".into(), false),
            (40, "40", "192.0.2.2.", "192.0.2.2".into(), true),
            (0, "0", ".", "".into(), true),
        ]
    );
    let null = z.records().last().unwrap();
    assert!(matches!(&null.data, RData::Mx { exchange, .. } if exchange.is_root()));
}

#[test]
fn bad_rdata_keeps_owner_and_type() {
    let (src, z) = zone(
        "www A 300.1.2.3\n@ MX ten mail\n@ MX 65536 mail\nv6 AAAA 2001:db8::g\nm MX 10\nc CNAME a..b\n",
    );
    let recs: Vec<&Record> = z.records().collect();
    assert_eq!(recs.len(), 6);
    assert_eq!(&*recs[0].owner.name, "www.example.com");
    assert_eq!(recs[0].rtype, RType::A);
    let e = bad(recs[0]);
    assert_eq!(
        e.message,
        "expected an IPv4 address in the A record, found `300.1.2.3`"
    );
    assert_eq!(src.slice(e.span), "300.1.2.3");
    assert_eq!(
        e.help.as_deref(),
        Some("an A record holds one IPv4 address, such as `192.0.2.1`")
    );
    assert_eq!(
        bad(recs[1]).message,
        "expected the preference of the MX record (a number from 0 to 65535), found `ten`"
    );
    assert_eq!(
        bad(recs[2]).message,
        "expected the preference of the MX record (a number from 0 to 65535), found `65536`"
    );
    assert_eq!(
        bad(recs[3]).message,
        "expected an IPv6 address in the AAAA record, found `2001:db8::g`"
    );
    let e = bad(recs[4]);
    assert_eq!(
        e.message,
        "expected the mail exchanger's name in the MX record, found end of line"
    );
    assert_eq!(e.span, Span::at(src.text().find("10\n").unwrap() + 2));
    assert!(bad(recs[5]).message.starts_with(
        "expected a domain name in the CNAME record, found `a..b`: it has an empty label"
    ));
    let lines: Vec<usize> = errors(&src, &z).iter().map(|e| e.0).collect();
    assert_eq!(lines, vec![1, 2, 3, 4, 5, 6]);
}

#[test]
fn extra_fields_and_class_are_record_errors() {
    let (src, z) = zone("x IN A 192.0.2.1 extra more\ny CH A 192.0.2.2\n");
    let recs: Vec<&Record> = z.records().collect();
    assert!(matches!(recs[0].data, RData::A(_)));
    assert_eq!(
        recs[0].errors[0].message,
        "expected end of line after the A record's data, found `extra`"
    );
    assert_eq!(src.slice(recs[0].errors[0].span), "extra more");
    assert_eq!(recs[1].errors[0].message, "expected class `IN`, found `CH`");
    assert_eq!(z.errors().count(), 2);
}

#[test]
fn not_a_record_is_invalid() {
    let (src, z) =
        zone("www IN CNAM host\nwww 1h30 A 192.0.2.1\nlonely\n) A 192.0.2.1\nx IN \"A\" 1\n");
    assert_eq!(z.records().count(), 0);
    assert_eq!(
        errors(&src, &z),
        vec![
            (
                1,
                "expected a record type (such as A, MX, TXT), found `CNAM`".to_string()
            ),
            (
                2,
                "expected a record type (such as A, MX, TXT), found `1h30`".to_string()
            ),
            (3, "expected a record type, found end of line".to_string()),
            (4, "found `)` without a `(` before it".to_string()),
            (
                5,
                "expected a record type, found a quoted string `\"A\"`".to_string()
            ),
        ]
    );
    let ItemKind::Invalid(e) = &z.items[0].kind else {
        panic!()
    };
    assert_eq!(src.slice(e.span), "CNAM");
    assert!(
        e.help
            .as_deref()
            .unwrap()
            .contains("owner [TTL] [class] type data")
    );
}

#[test]
fn quoted_owner_names_are_read_like_bind() {
    let (src, z) =
        zone("\"Q\" A 192.0.2.1\n\t A 192.0.2.2\n\"open A 192.0.2.3\n\"\" A 192.0.2.4\n");
    let recs: Vec<&Record> = z.records().collect();
    assert_eq!(recs.len(), 2);
    assert_eq!(&*recs[0].owner.name, "q.example.com");
    assert_eq!(src.slice(recs[0].owner.span.unwrap()), "\"Q\"");
    assert_eq!(&*recs[1].owner.name, "q.example.com");
    assert_eq!(
        errors(&src, &z),
        vec![
            (
                3,
                "expected `\"` to close the quoted owner name, found end of line".to_string()
            ),
            (
                4,
                "expected an owner name, found `\"\"`: it is empty".to_string()
            ),
        ]
    );
}

#[test]
fn omitted_owner_without_previous_record() {
    let (src, z) = zone("  IN A 192.0.2.1\n");
    let errs = errors(&src, &z);
    assert_eq!(errs.len(), 1);
    assert!(
        errs[0]
            .1
            .starts_with("expected an owner name in the first column, found white space")
    );
}

#[test]
fn bad_owner_names() {
    let (src, z) = zone("a..b A 192.0.2.1\nx\\300 A 192.0.2.1\n");
    let errs = errors(&src, &z);
    assert_eq!(
        errs[0].1,
        "expected an owner name, found `a..b`: it has an empty label (two dots in a row, or a \
         leading dot)"
    );
    assert_eq!(
        errs[1].1,
        "expected an owner name, found `x\\300`: expected a byte value from `\\000` to `\\255`, \
         found `\\300` (`\\DDD` is decimal)"
    );
}

#[test]
fn unterminated_quote_and_bad_escapes() {
    let (src, z) =
        zone("a TXT \"open\nb A 192.0.2.1\nc TXT \"x\\256\"\nd TXT \"x\\25\"\ne TXT x\\\n");
    let recs: Vec<&Record> = z.records().collect();
    assert_eq!(recs.len(), 5);
    assert_eq!(
        bad(recs[0]).message,
        "expected `\"` to close this quoted string, found end of line"
    );
    assert_eq!(src.slice(bad(recs[0]).span), "\"open");
    assert!(matches!(recs[1].data, RData::A(_)));
    let e = bad(recs[2]);
    assert_eq!(src.slice(e.span), "\\256");
    assert_eq!(
        e.message,
        "expected a byte value from `\\000` to `\\255`, found `\\256` (`\\DDD` is decimal)"
    );
    assert_eq!(src.slice(bad(recs[3]).span), "\\25");
    assert_eq!(
        bad(recs[4]).message,
        "expected a character after `\\`, found end of line"
    );
}

#[test]
fn unclosed_parenthesis_stops_at_the_next_record_and_is_reported() {
    let text = "$TTL 300\n@ IN SOA ns h ( 2024010101 3600\n   1800 1209600 300\nwww IN A 192.0.2.1\nmail IN A 192.0.2.2\n";
    let (src, z) = zone(text);
    let (soa_rec, soa) = z.soa_record().unwrap();
    assert_eq!(soa.serial.0, 2024010101);
    assert_eq!(
        soa_rec.errors[0].message,
        "expected `)` to close the `(` on line 2, found the start of another record on line 4"
    );
    assert_eq!(src.slice(soa_rec.errors[0].span), "(");
    assert_eq!(z.records().count(), 3);
    assert_eq!(z.records_of("mail.example.com", RType::A).count(), 1);
    assert_eq!(errors(&src, &z).len(), 1);
}

#[test]
fn unclosed_parenthesis_at_end_of_file() {
    let (src, z) = zone("www TXT ( \"a\"\n  \"b\"\n");
    let r = only_record(&z);
    assert_eq!(txt(r).joined(), b"ab");
    assert_eq!(
        errors(&src, &z),
        vec![(
            1,
            "expected `)` to close the `(` on line 1, found end of file".to_string()
        )]
    );
}

#[test]
fn nested_and_unmatched_parentheses() {
    let (src, z) = zone("x TXT ( a ( b ) c )\ny A 192.0.2.1 )\n) z\n");
    let recs: Vec<&Record> = z.records().collect();
    assert_eq!(txt(recs[0]).joined(), b"abc");
    assert!(recs[0].errors.is_empty());
    assert!(matches!(recs[1].data, RData::A(_)));
    assert_eq!(
        errors(&src, &z),
        vec![
            (2, "found `)` without a `(` before it".to_string()),
            (3, "found `)` without a `(` before it".to_string()),
        ]
    );
}

#[test]
fn parentheses_in_the_first_column() {
    // As in BIND: the owner is the first field after the `(`; an empty group is nothing.
    let (src, z) = zone("( www A 192.0.2.1 )\n(\"q\" A 192.0.2.2 )\n  ( ; nothing\n  )\n()\n");
    let owners: Vec<(&str, &str)> = z
        .records()
        .map(|r| (&*r.owner.name, src.slice(r.owner.span.unwrap())))
        .collect();
    assert_eq!(
        owners,
        vec![("www.example.com", "www"), ("q.example.com", "\"q\"")]
    );
    assert!(matches!(z.items[2].kind, ItemKind::Comment));
    assert!(matches!(z.items[3].kind, ItemKind::Blank));
    assert_eq!(z.errors().count(), 0);
}

#[test]
fn srv_caa_ptr_ns_cname_and_other_types() {
    let (src, z) = zone(
        "_autodiscover._tcp\t14400\tIN\tSRV\t0\t0\t443\tcpanelemaildiscovery.example.net.\n\
         @ CAA 0 issue \"letsencrypt.org\"\n\
         @ CAA 128 iodef mailto:security@example.com\n\
         1.2.0.192.in-addr.arpa. PTR host.example.com.\n\
         @ NS ns1\n\
         ftp CNAME @\n\
         _25._tcp.mail TLSA 3 1 1 ( 0123456789ABCDEF )\n\
         gen TYPE65534 \\# 2 abcd\n\
         raw A \\# 4 c0000201\n",
    );
    assert_eq!(z.errors().count(), 0, "{:?}", errors(&src, &z));
    let recs: Vec<&Record> = z.records().collect();
    match &recs[0].data {
        RData::Srv(s) => {
            assert_eq!((s.priority.0, s.weight.0, s.port.0), (0, 0, 443));
            assert_eq!(s.target.name, "cpanelemaildiscovery.example.net");
            assert_eq!(src.slice(s.port.1), "443");
        }
        d => panic!("{d:?}"),
    }
    match &recs[1].data {
        RData::Caa(c) => {
            assert_eq!((c.flags.0, c.tag.0.as_str()), (0, "issue"));
            assert_eq!(c.value.bytes, b"letsencrypt.org");
            assert!(c.value.quoted);
        }
        d => panic!("{d:?}"),
    }
    assert!(matches!(&recs[2].data, RData::Caa(c) if c.flags.0 == 128 && !c.value.quoted));
    assert!(matches!(&recs[3].data, RData::Ptr(t) if t.name == "host.example.com"));
    assert!(matches!(&recs[4].data, RData::Ns(t) if t.name == "ns1.example.com"));
    assert!(matches!(&recs[5].data, RData::Cname(t) if t.name == "example.com" && t.raw == "@"));
    assert_eq!(recs[6].rtype, RType::Other(52));
    assert!(matches!(recs[6].data, RData::Other));
    assert_eq!(src.slice(recs[6].rdata_span), "3 1 1 ( 0123456789ABCDEF");
    assert_eq!(recs[7].rtype, RType::Other(65534));
    assert_eq!(recs[8].rtype, RType::A);
    assert!(matches!(recs[8].data, RData::Other));
}

#[test]
fn soa_errors() {
    let (src, z) =
        zone("@ SOA ns h 4294967296 1h 15m 1w 1d\n@ SOA ns h x 1 2 3 4\n@ SOA ns h 1 2 3 4\n");
    let recs: Vec<&Record> = z.records().collect();
    let RData::Soa(soa) = &recs[0].data else {
        panic!()
    };
    assert_eq!(soa.serial.0, 4294967296);
    assert_eq!(
        [soa.refresh.0, soa.retry.0, soa.expire.0, soa.minimum.0],
        [3600, 900, 604800, 86400]
    );
    assert_eq!(
        errors(&src, &z),
        vec![
            (
                1,
                "expected a serial number from 0 to 4294967295, found `4294967296`".to_string()
            ),
            (
                2,
                "expected the serial number of the SOA record (a number from 0 to 4294967295), \
                 found `x`"
                    .to_string()
            ),
            (
                3,
                "expected the minimum TTL of the SOA record (seconds, or a duration such as \
                 `1h`), found end of line"
                    .to_string()
            ),
        ]
    );
}

#[test]
fn multi_line_records_say_end_of_record() {
    let (_, z) = zone("@ SOA ns h (\n 1 2 3\n 4 )\n");
    let r = only_record(&z);
    assert!(bad(r).message.ends_with("found end of record"));
}

#[test]
fn nul_bytes_make_an_invalid_entry() {
    let (src, z) = zone("ok A 192.0.2.1\nbad\0 A 192.0.2.2\nnext A 192.0.2.3\n");
    assert_eq!(z.records().count(), 2);
    let errs = errors(&src, &z);
    assert_eq!(
        errs,
        vec![(
            2,
            "expected a field, a quoted string or a comment, found a NUL byte".to_string()
        )]
    );
}

#[test]
fn an_entry_too_long_to_be_a_record_is_reported() {
    let big = format!("x TXT \"{}\"\nok A 192.0.2.1\n", "a".repeat(MAX_ENTRY));
    let (src, z) = zone(&big);
    let errs = errors(&src, &z);
    assert_eq!(errs.len(), 1);
    assert!(
        errs[0]
            .1
            .starts_with("expected a record of at most 1048576 bytes, found one of")
    );
    assert_eq!(z.records().count(), 1);
    let comment = format!("; {}\n", "c".repeat(MAX_ENTRY));
    let (_, z) = zone(&comment);
    assert!(matches!(z.items[0].kind, ItemKind::Comment));
}

#[test]
fn after_too_many_errors_the_rest_is_one_item() {
    let mut text = String::from("ok A 192.0.2.1\n");
    for _ in 0..MAX_ERRORS + 5 {
        text.push_str("x\n");
    }
    let (src, z) = zone(&text);
    assert_eq!(z.items.len(), MAX_ERRORS + 2);
    let errs = errors(&src, &z);
    assert_eq!(errs.len(), MAX_ERRORS + 1);
    let last = z.items.last().unwrap();
    assert_eq!(last.span.end as usize, text.len());
    assert_eq!(
        errs[MAX_ERRORS].1,
        format!(
            "expected a zone file, found {MAX_ERRORS} errors before line {}; the rest of the \
             file is not read",
            MAX_ERRORS + 2
        )
    );
    // Errors that leave records readable do not count.
    let text = "x IN A 192.0.2.1 extra\n".repeat(MAX_ERRORS + 5);
    let (_, z) = zone(&text);
    assert_eq!(z.records().count(), MAX_ERRORS + 5);
}

#[test]
fn error_spans_fall_on_character_boundaries() {
    let text = format!("é{}\n", "a".repeat(MAX_ENTRY));
    let (src, z) = zone(&text);
    for e in z.errors() {
        assert_eq!(src.slice(e.span), "é");
    }
}

#[test]
fn invalid_utf8_in_txt_keeps_the_original_bytes() {
    let mut bytes = b"t TXT \"caf".to_vec();
    bytes.extend_from_slice(&[0xe9, b'"', b'\n']);
    let src = SourceFile::new("var/named/example.com.db", bytes.clone());
    let z = parse(&src, "example.com");
    assert_eq!(render(&z, &src), bytes);
    let r = only_record(&z);
    assert_eq!(txt(r).joined(), b"caf\xe9");
}

#[test]
fn query_helpers() {
    let (_, z) =
        zone("$TTL 300\n@ SOA ns h 7 1 2 3 4\n@ NS ns1.example.net.\n@ MX 0 @\nMAIL A 192.0.2.1\n");
    assert_eq!(z.records_at("mail.EXAMPLE.com.").count(), 1);
    assert_eq!(z.records_of("example.com", RType::Mx).count(), 1);
    assert_eq!(z.records_of("example.com", RType::A).count(), 0);
    assert_eq!(z.apex().count(), 3);
    assert_eq!(z.soa().unwrap().serial.0, 7);
    assert_eq!(z.default_ttl(), Some(300));
    assert_eq!(z.record_items().count(), 4);
    assert!(z.contains("example.com"));
    assert!(z.contains("a.b.example.com"));
    assert!(!z.contains("badexample.com"));
    assert!(!z.contains("example.net"));
}

#[test]
fn zone_types_stay_small() {
    // One Item per line: keep them compact for large zones.
    assert!(
        std::mem::size_of::<Item>() <= 256,
        "{}",
        std::mem::size_of::<Item>()
    );
    assert!(
        std::mem::size_of::<RData>() <= 96,
        "{}",
        std::mem::size_of::<RData>()
    );
}
