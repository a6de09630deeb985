//! Building edits the way cPanel writes its files, so a fixed file looks as if cPanel had
//! written it:
//!
//! - domain lists (`etc/localdomains`, …) and `name: value` files: remove exactly the line; append
//!   new lines at the end (creating the file when it does not exist, adding the missing newline
//!   of a last line first);
//! - cpuser files: keep the two header lines and the blank line, keep `KEY=value` sorted by key
//!   (byte order), replace a value in place, remove a key's whole line; the JSON cache
//!   `var/cpanel/users.cache/USER` is removed with every edit (cPanel would otherwise serve it);
//! - zone files: new records after the domain's apex records, owners written as the zone already
//!   writes them, TTL 14400, `IN`, and the SOA serial bumped in the same fix.

use crate::clock::Utc;
use crate::finding::{Edit, Fix};
use crate::model::{Account, Parsed, RoutingList};
use crate::parse::colonmap::{ColonLineKind, ColonMap};
use crate::parse::domainlist::DomainList;
use crate::parse::keyvalue::{KeyValueFile, KvLineKind};
use crate::parse::zone::{DirectiveKind, ItemKind, Record, Zone};

use crate::source::Span;

/// Edits that remove every line of a domain list that lists `domain` for Exim (membership is
/// the model's: [`crate::model::lists`]). Lines that name the domain in a way Exim does not read
/// are CP003's.
pub fn list_remove(list: &RoutingList, domain: &str) -> Vec<Edit> {
    list.lines_listing(domain)
        .map(|l| Edit::delete(list.path(), l.span))
        .collect()
}

/// An edit that appends a line at the end of a file (`path` when it does not exist yet).
pub fn append_line(file: Option<(&str, &[u8])>, path: &str, line: &str) -> Edit {
    match file {
        Some((p, bytes)) => {
            let mut content = String::new();
            if bytes.last().is_some_and(|&b| b != b'\n') {
                content.push('\n');
            }
            content.push_str(line);
            content.push('\n');
            Edit::insert(p, bytes.len(), content)
        }
        None => Edit::insert(path, 0, format!("{line}\n")),
    }
}

/// Appends `domain` to a domain list (`path` when the list does not exist).
pub fn list_append(list: Option<&Parsed<DomainList>>, path: &str, domain: &str) -> Edit {
    append_line(list.map(|l| (l.path(), l.src.bytes())), path, domain)
}

/// Edits that remove every line of a `name: value` file whose name is `key`.
pub fn colon_remove(map: &Parsed<ColonMap>, key: &str) -> Vec<Edit> {
    map.doc
        .lines
        .iter()
        .filter(|l| matches!(&l.kind, ColonLineKind::Entry(e) if e.key == key))
        .map(|l| Edit::delete(map.path(), l.span))
        .collect()
}

/// Sets (`Some`) or removes (`None`) a key of a cpuser file, keeping cPanel's layout.
pub fn cpuser_set(cpuser: &Parsed<KeyValueFile>, key: &str, value: Option<&str>) -> Vec<Edit> {
    let path = cpuser.path();
    let mut edits = Vec::new();
    let mut found = false;
    for line in &cpuser.doc.lines {
        let KvLineKind::Entry(e) = &line.kind else {
            continue;
        };
        // cPanel's reader keeps white space before a key in the key: an indented line is not
        // this key's line.
        if e.key != key || e.indented {
            continue;
        }
        match value {
            Some(v) if !found => {
                found = true;
                // cPanel's reader keeps a final `\r` in the value (Perl's `chomp` removes only
                // the `\n`): the value written replaces it too.
                let text = cpuser.src.text();
                let mut content_end = line.span.end as usize;
                if text.as_bytes().get(content_end.wrapping_sub(1)) == Some(&b'\n') {
                    content_end -= 1;
                }
                match &e.value {
                    Some((_, old)) if old == v && !e.has_cr => {}
                    Some((span, _)) if e.has_cr => edits.push(Edit::replace(
                        path,
                        Span::new(span.start as usize, content_end),
                        v,
                    )),
                    Some((span, _)) => edits.push(Edit::replace(path, *span, v)),
                    None if e.has_cr => edits.push(Edit::replace(
                        path,
                        Span::new(content_end - 1, content_end),
                        format!("={v}"),
                    )),
                    None => {
                        edits.push(Edit::insert(path, e.key_span.end as usize, format!("={v}")))
                    }
                }
            }
            // A second line with the same key, or removal.
            _ => edits.push(Edit::delete(path, line.span)),
        }
    }
    if let (Some(v), false) = (value, found) {
        let (at, newline_first) = cpuser.doc.insertion_point(key);
        let mut text = String::new();
        if newline_first {
            text.push('\n');
        }
        text.push_str(&format!("{key}={v}\n"));
        edits.push(Edit::insert(path, at, text));
    }
    edits
}

/// Adds the cpuser cache removal (and nothing else) that every cpuser edit needs.
pub fn with_cpuser_cache(fix: Fix, account: &Account) -> Fix {
    match &account.cpuser_cache {
        Some(cache) => fix.remove(cache.path()),
        None => fix,
    }
}

/// The owner text for `name` in `zone`, in the zone's style: the apex as `example.com.`; other
/// names relative (`mail`) when the zone writes any non-apex owner relative, as cPanel does,
/// else absolute.
pub fn owner_text(zone: &Parsed<Zone>, name: &str) -> String {
    let origin = &zone.doc.origin;
    if name == origin {
        return format!("{origin}.");
    }
    let relative_style = zone.doc.records().any(|r| match r.owner.span {
        Some(span) if *r.owner.name != **origin => {
            let text = zone.src.slice(span);
            !text.ends_with('.') && text != "@"
        }
        _ => false,
    });
    match name
        .strip_suffix(origin.as_str())
        .and_then(|p| p.strip_suffix('.'))
    {
        Some(rel) if relative_style => rel.to_string(),
        _ => format!("{name}."),
    }
}

/// A record line as cPanel writes it: tab-separated, TTL 14400, class `IN`.
pub fn record_line(zone: &Parsed<Zone>, name: &str, rtype: &str, data: &str) -> String {
    format!("{}\t14400\tIN\t{rtype}\t{data}\n", owner_text(zone, name))
}

/// Where new records go: after the last apex record (else at the end of the file).
pub fn zone_insertion_point(zone: &Parsed<Zone>) -> usize {
    let origin = &zone.doc.origin;
    zone.doc
        .items
        .iter()
        .filter(|i| matches!(&i.kind, ItemKind::Record(r) if *r.owner.name == **origin))
        .map(|i| i.span.end as usize)
        .max()
        .unwrap_or(zone.src.len())
}

/// Whether serial `a` follows serial `b` in RFC 1982 serial arithmetic: the serial space is
/// 32 bits, and a serial is greater than the 2^31 - 1 serials before it (modulo 2^32).
pub fn serial_follows(a: u32, b: u32) -> bool {
    a != b && a.wrapping_sub(b) < 1 << 31
}

/// The next SOA serial, always a 32-bit number that secondaries see as an increase (RFC 1982,
/// [`serial_follows`]):
/// - `YYYYMMDDnn` with a date before today: today's date with counter 01;
/// - otherwise +1, modulo 2^32, skipping 0: 4294967295 is followed by 1, as BIND's own
///   `serial-update-method increment` does (0 is left out because some software treats a zero
///   serial as "unset"). BIND loads any serial from 0 to 4294967295, and 1 follows 4294967295.
///
/// `None` when `serial` is not a 32-bit number (BIND refuses such a zone; no serial can be said
/// to follow it): no bump is made.
pub fn next_serial(serial: u64, today: Utc) -> Option<u64> {
    let current = u32::try_from(serial).ok()?;
    let date = serial / 100;
    let plausible = (19_900_101..=21_001_231).contains(&date)
        && (1..=12).contains(&(date / 100 % 100))
        && (1..=31).contains(&(date % 100));
    let today = today.yyyymmdd();
    if plausible
        && date < today
        && let Ok(dated) = u32::try_from(today * 100 + 1)
        && serial_follows(dated, current)
    {
        return Some(u64::from(dated));
    }
    Some(u64::from(match current.wrapping_add(1) {
        0 => 1,
        n => n,
    }))
}

/// The edit that bumps a zone's SOA serial (`None` without an SOA, or when its serial is not a
/// 32-bit number).
pub fn serial_bump(zone: &Parsed<Zone>, today: Utc) -> Option<Edit> {
    let soa = zone.doc.soa()?;
    let (serial, span) = soa.serial;
    Some(Edit::replace(
        zone.path(),
        span,
        next_serial(serial, today)?.to_string(),
    ))
}

/// The span of a whole item (record with all its lines) of a zone that contains `span`.
pub fn zone_item_span(zone: &Parsed<Zone>, span: Span) -> Option<Span> {
    zone.doc
        .items
        .iter()
        .find(|i| i.span.start <= span.start && span.end <= i.span.end)
        .map(|i| i.span)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_always_grow() {
        let today = Utc::from_unix(1_795_392_000); // 2026-11-23
        let next = |s| next_serial(s, today).unwrap();
        assert_eq!(next(2026110101), 2026112301);
        assert_eq!(next(2026112301), 2026112302);
        assert_eq!(next(2026112399), 2026112400);
        assert_eq!(next(2030010101), 2030010102);
        assert_eq!(next(42), 43);
        assert_eq!(next(1734349634), 1734349635);
        for s in [
            0u64, 1, 42, 2026110101, 2147483647, 2147483648, 4294967294, 4294967295,
        ] {
            let n = next(s);
            assert!(n <= u64::from(u32::MAX), "{s} -> {n}");
            assert!(
                serial_follows(n as u32, s as u32),
                "{s} -> {n} is no increase"
            );
        }
    }

    #[test]
    fn serials_wrap_as_rfc_1982_says_and_never_to_zero() {
        let today = Utc::from_unix(1_795_392_000);
        assert_eq!(next_serial(4294967295, today), Some(1));
        assert_eq!(next_serial(4294967294, today), Some(4294967295));
        assert_eq!(
            next_serial(4294967296, today),
            None,
            "not a serial BIND loads"
        );
        assert!(serial_follows(1, 4294967295));
        assert!(!serial_follows(0, 0));
        assert!(
            !serial_follows(2147483648, 0),
            "2^31 apart is undefined, not an increase"
        );
    }

    fn cpuser(text: &str) -> Parsed<KeyValueFile> {
        let src = crate::source::SourceFile::from_str("var/cpanel/users/bob", text);
        let doc = crate::parse::keyvalue::parse(&src, crate::parse::keyvalue::Dialect::Equals);
        Parsed {
            src: std::sync::Arc::new(src),
            doc,
        }
    }

    fn applied(file: &Parsed<KeyValueFile>, edits: &[Edit]) -> String {
        let refs: Vec<&Edit> = edits.iter().collect();
        String::from_utf8(crate::fix::apply_edits(file.src.bytes(), &refs)).unwrap()
    }

    #[test]
    fn cpuser_values_replace_a_final_cr_and_skip_indented_keys() {
        // cPanel reads `0\r` as a value it does not understand: the new value replaces the `\r`.
        let f = cpuser("A=1\nMXCHECK-example.com=0\r\nZ=1\n");
        let e = cpuser_set(&f, "MXCHECK-example.com", Some("0"));
        assert_eq!(applied(&f, &e), "A=1\nMXCHECK-example.com=0\nZ=1\n");
        let e = cpuser_set(&f, "MXCHECK-example.com", Some("remote"));
        assert_eq!(applied(&f, &e), "A=1\nMXCHECK-example.com=remote\nZ=1\n");
        let f = cpuser("MXCHECK-example.com\r");
        let e = cpuser_set(&f, "MXCHECK-example.com", Some("remote"));
        assert_eq!(applied(&f, &e), "MXCHECK-example.com=remote");
        // An indented line is another key to cPanel: the value goes on a line of its own.
        let f = cpuser("A=1\n  MXCHECK-example.com=remote\nZ=1\n");
        let e = cpuser_set(&f, "MXCHECK-example.com", Some("0"));
        assert_eq!(
            applied(&f, &e),
            "A=1\n  MXCHECK-example.com=remote\nMXCHECK-example.com=0\nZ=1\n"
        );
        assert!(cpuser_set(&f, "MXCHECK-example.com", None).is_empty());
    }

    #[test]
    fn list_removal_takes_the_lines_exim_reads() {
        let list = RoutingList::from_source(crate::source::SourceFile::from_str(
            "etc/localdomains",
            "Example.com\n example.com\nexample.com.\nexample.com: x\nother.example\n",
        ));
        let e = list_remove(&list, "example.com");
        let refs: Vec<&Edit> = e.iter().collect();
        assert_eq!(
            String::from_utf8(crate::fix::apply_edits(list.src.bytes(), &refs)).unwrap(),
            " example.com\nexample.com.\nother.example\n"
        );
    }
}

/// TXT record data as cPanel writes it: the value split into quoted character strings of at most
/// 255 bytes (RFC 1035 §3.3.14), separated by a space, with `"`, `\` and `;` escaped (`\;`, as
/// cPanel writes DKIM and DMARC records). A split never cuts an escape in two.
pub fn txt_rdata(value: &str) -> String {
    let mut out = String::new();
    let mut chunk_len = 0;
    out.push('"');
    for c in value.chars() {
        let n = c.len_utf8();
        if chunk_len + n > 255 {
            out.push_str("\" \"");
            chunk_len = 0;
        }
        match c {
            '"' | '\\' | ';' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
        chunk_len += n;
    }
    out.push('"');
    out
}

#[cfg(test)]
mod txt_tests {
    use super::*;

    #[test]
    fn txt_values_are_escaped_and_split_at_255_bytes() {
        assert_eq!(txt_rdata("v=DMARC1; p=none;"), "\"v=DMARC1\\; p=none\\;\"");
        assert_eq!(txt_rdata("a\"b\\c"), "\"a\\\"b\\\\c\"");
        let long = "x".repeat(300);
        let r = txt_rdata(&long);
        assert_eq!(r, format!("\"{}\" \"{}\"", "x".repeat(255), "x".repeat(45)));
        let semis = ";".repeat(256);
        assert_eq!(
            txt_rdata(&semis),
            format!("\"{}\" \"\\;\"", "\\;".repeat(255))
        );
    }
}

/// Edits that add a record to a zone in cPanel's style (after the apex records) and bump the
/// serial, as one fix must.
pub fn zone_add_record(
    zone: &Parsed<Zone>,
    name: &str,
    rtype: &str,
    rdata: &str,
    today: Utc,
) -> Vec<Edit> {
    let mut edits = vec![Edit::insert(
        zone.path(),
        zone_insertion_point(zone),
        record_line(zone, name, rtype, rdata),
    )];
    edits.extend(serial_bump(zone, today));
    edits
}

/// Edits that replace a record's data (everything after its type) and bump the serial.
pub fn zone_replace_rdata(
    zone: &Parsed<Zone>,
    record: &Record,
    rdata: &str,
    today: Utc,
) -> Vec<Edit> {
    let mut edits = vec![Edit::replace(zone.path(), record.rdata_span, rdata)];
    edits.extend(serial_bump(zone, today));
    edits
}

/// Edits that remove a record (all its lines) and bump the serial.
pub fn zone_delete_record(zone: &Parsed<Zone>, record: &Record, today: Utc) -> Vec<Edit> {
    let mut edits = zone_delete_records(zone, &[record]);
    edits.extend(serial_bump(zone, today));
    edits
}

/// Edits that delete records (all their lines), without the serial bump. BIND gives a record
/// written without an owner the owner of the record before it: a record that keeps relying on a
/// deleted record's owner gets its owner written out.
pub fn zone_delete_records(zone: &Parsed<Zone>, records: &[&Record]) -> Vec<Edit> {
    let deleted = |r: &Record| records.iter().any(|d| std::ptr::eq(*d, r));
    let has_origin = zone
        .doc
        .directives()
        .any(|d| matches!(d.kind, DirectiveKind::Origin(_)));
    let mut edits = Vec::new();
    let mut previous_deleted = false;
    for item in &zone.doc.items {
        let ItemKind::Record(r) = &item.kind else {
            continue;
        };
        if deleted(r) {
            edits.push(Edit::delete(zone.path(), item.span));
            previous_deleted = true;
            continue;
        }
        if previous_deleted && r.owner.span.is_none() {
            let owner = if has_origin {
                format!("{}.", r.owner.name)
            } else {
                owner_text(zone, &r.owner.name)
            };
            // Right after the deleted lines, one edit replaces them and the first line of this
            // record by that line with its owner written out: the preview then shows the line
            // as it will read.
            let text = zone.src.text();
            let start = item.span.start as usize;
            let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
            match edits.last_mut() {
                Some(last) if last.span.end == item.span.start && last.content.is_empty() => {
                    last.span = Span::new(last.span.start as usize, line_end);
                    last.content = format!("{owner}{}", &text[start..line_end]);
                }
                _ => edits.push(Edit::insert(zone.path(), start, owner)),
            }
        }
        previous_deleted = false;
    }
    edits
}
