//! SPF — the sender policy (RFC 7208) of mail domains whose zone is in the tree.
//!
//! A domain is judged only when its zone is a local zone (RULES.md "Terms"): its SPF records are
//! the TXT records at its name that start with `v=spf1` ([`Server::spf_records`]). SPF008 and
//! SPF011 also read every other TXT record, and the SPF-type (99) records, of the zones that hold
//! a mail domain.
//!
//! Each problem is reported once:
//! - A TXT record at the domain's name that was meant as SPF but is not one as written (it starts
//!   with `v=spf1` glued to what follows, with a space before it, or it is made of SPF terms only
//!   with no `v=spf1`) is SPF003, not also SPF001 ("no record") or SPF011 ("stray terms").
//! - Several SPF records (SPF002) make the domain's policy a permanent error: the rules that judge
//!   one record's policy (SPF004–SPF007, SPF009, SPF010, SPF012) wait until they are merged.
//!   Syntax errors (SPF003) and over-long strings (SPF008) are still reported.
//! - A syntax error (SPF003) makes the record a permanent error: its lookups (SPF004, SPF012) and
//!   whether it authorises this server (SPF006) are not judged; the term-level rules (SPF005,
//!   SPF007, SPF009, SPF010) still are, except a missing `all`, which the bad term may hide
//!   (`include:example.net~all`).
//! - SPF006 needs a record that is otherwise evaluable: none of SPF002, SPF003, SPF004, SPF012
//!   and no repeated `redirect=`/`exp=` (SPF010) for the domain. When the evaluation still ends in
//!   a permanent error (a broken record reached through a local `include:`), SPF006 says so, with
//!   no fix. SPF006 is skipped on a server that sends through a smart host
//!   (`smarthost_routelist` in `etc/exim.conf.localopts`).
//! - An SPF-type record at a name with no TXT SPF record is converted into a TXT record by
//!   SPF011 (its policy is kept), and SPF001 is not reported for that name; with a TXT SPF record
//!   next to it, the SPF-type record is deleted.
//! - A TXT record elsewhere made only of SPF terms (an included record that lost its `v=spf1`?)
//!   is SPF011 with advice, not an automatic deletion.
//!
//! Every fix edits the zone file in place when it can (a term inserted, replaced or removed
//! inside one quoted string that stays within 255 bytes) and otherwise rewrites the record data
//! the way cPanel writes TXT records ([`edit::txt_rdata`]); each bumps the SOA serial.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::ops::Range;

use crate::clock::Utc;
use crate::finding::{Edit, Finding, Loc};
use crate::model::spf::SpfAt;
use crate::model::{Parsed, Server};
use crate::parse::spf::{Mechanism, Modifier, SpfRecord, SpfTerm, TermKind};
use crate::parse::zone::{RData, RType, Record, Zone};
use crate::providers;
use crate::rules::edit;
use crate::rules::{Rule, Selection};
use crate::source::Span;

/// The family of these rules in `maillint rules` (used by `rule!`).
const FAMILY: &str = "spf";

mod spf001_missing_spf;
mod spf002_multiple_spf_records;
mod spf003_spf_syntax_error;
mod spf004_spf_too_many_lookups;
mod spf005_spf_permissive_all;
mod spf006_spf_server_not_authorized;
mod spf007_spf_ptr_mechanism;
mod spf008_spf_string_too_long;
mod spf009_spf_record_too_long;
mod spf010_spf_modifier_misuse;
mod spf011_spf_in_wrong_record;
mod spf012_spf_void_lookups;

pub use spf001_missing_spf::SPF001;
pub use spf002_multiple_spf_records::SPF002;
pub use spf003_spf_syntax_error::SPF003;
pub use spf004_spf_too_many_lookups::SPF004;
pub use spf005_spf_permissive_all::SPF005;
pub use spf006_spf_server_not_authorized::SPF006;
pub use spf007_spf_ptr_mechanism::SPF007;
pub use spf008_spf_string_too_long::SPF008;
pub use spf009_spf_record_too_long::SPF009;
pub use spf010_spf_modifier_misuse::SPF010;
pub use spf011_spf_in_wrong_record::SPF011;
pub use spf012_spf_void_lookups::SPF012;

pub static RULES: &[&Rule] = &[
    &SPF001, &SPF002, &SPF003, &SPF004, &SPF005, &SPF006, &SPF007, &SPF008, &SPF009, &SPF010,
    &SPF011, &SPF012,
];

/// RFC 7208 §3.4: keep the record under about 450 bytes so the answer fits 512.
const MAX_RECORD_BYTES: usize = 450;
/// RFC 1035 §3.3: a character string is at most 255 bytes.
const MAX_STRING_BYTES: usize = 255;
const RELOAD: &str = "then reload the zone: rndc reload (cPanel: /scripts/restartsrv_named)";

pub fn check(s: &Server, sel: &Selection, out: &mut Vec<Finding>) {
    let ctx = Ctx {
        s,
        sel,
        today: s.options.today,
        smarthost: smarthost(s),
    };
    // The zones that hold mail domains, each with its mail domains.
    let mut zones: BTreeMap<&str, (&Parsed<Zone>, Vec<String>)> = BTreeMap::new();
    for d in s.mail_domains() {
        let Some(zone) = s.zone_of(&d) else {
            continue;
        };
        ctx.domain(&d, out);
        zones
            .entry(zone.path())
            .or_insert_with(|| (zone, Vec::new()))
            .1
            .push(d);
    }
    if sel.on(&SPF008) || sel.on(&SPF011) {
        for (zone, domains) in zones.values() {
            ctx.zone_records(zone, domains, out);
        }
    }
}

/// The smart host of `etc/exim.conf.localopts` (`smarthost_routelist`), when one is set: mail
/// then leaves through that host, not from this server's addresses.
fn smarthost(s: &Server) -> Option<String> {
    let value = s
        .exim_localopts
        .as_ref()?
        .doc
        .value("smarthost_routelist")?
        .trim();
    (!value.is_empty()).then(|| value.to_string())
}

struct Ctx<'a> {
    s: &'a Server,
    sel: &'a Selection,
    today: Utc,
    smarthost: Option<String>,
}

/// One domain's findings under construction.
struct Dom<'a> {
    d: &'a str,
    user: Option<String>,
}

impl Dom<'_> {
    fn finding(&self, rule: &'static Rule, message: String) -> Finding {
        Finding::new(rule, message)
            .domain(self.d)
            .maybe_user(self.user.clone())
    }
}

/// The SPF-type (99) records at a name.
fn type99_at<'a>(s: &'a Server, name: &str) -> Vec<&'a Record> {
    s.records_of(name, RType::Spf)
        .into_iter()
        .map(|r| r.record)
        .collect()
}

impl Ctx<'_> {
    fn dom<'d>(&self, d: &'d str) -> Dom<'d> {
        Dom {
            d,
            user: self.s.domains.get(d).map(|i| i.user.clone()),
        }
    }

    /// Every rule about one domain's SPF records.
    fn domain(&self, d: &str, out: &mut Vec<Finding>) {
        let s = self.s;
        let Some(records) = s.spf_records(d) else {
            return;
        };
        let dom = self.dom(d);
        let meant = self.meant_records(d);
        if self.sel.on(&SPF003) {
            for r in meant.iter().chain(&records) {
                spf003_spf_syntax_error::check(&dom, r, out);
            }
        }
        match records.as_slice() {
            [] => {
                if self.sel.on(&SPF001) && meant.is_empty() && type99_at(s, d).is_empty() {
                    spf001_missing_spf::check(self, &dom, out);
                }
            }
            [rec] => self.one_record(&dom, rec, out),
            several => {
                if self.sel.on(&SPF002) {
                    spf002_multiple_spf_records::check(self, &dom, several, out);
                }
            }
        }
    }

    /// TXT records at the domain's name that were meant as its SPF record but are not one.
    fn meant_records(&self, d: &str) -> Vec<SpfAt<'_>> {
        self.s
            .records_of(d, RType::Txt)
            .into_iter()
            .filter_map(|r| {
                let reading = self.s.txt.get(r.record).filter(|t| !t.is_spf)?;
                let spf = reading.spf.as_ref()?;
                meant_as_spf(reading.text.text(), spf).then(|| SpfAt {
                    zone: r.zone,
                    record: r.record,
                    text: reading.text.clone(),
                    spf: spf.clone(),
                })
            })
            .collect()
    }

    /// The rules that judge the domain's one SPF record.
    ///
    /// SPF006 judges only a record that evaluates cleanly: when SPF004, SPF012 or a repeated
    /// modifier (SPF010) makes the record a permanent error, that rule is the finding. Those
    /// three are therefore computed whenever SPF006 is enabled, and their findings kept only
    /// when they are enabled themselves.
    fn one_record(&self, dom: &Dom<'_>, rec: &SpfAt<'_>, out: &mut Vec<Finding>) {
        let sel = self.sel;
        let syntax = rec.spf.errors().next().is_some();
        if sel.on(&SPF005) {
            spf005_spf_permissive_all::check(self, dom, rec, out);
        }
        if sel.on(&SPF007) {
            spf007_spf_ptr_mechanism::check(self, dom, rec, out);
        }
        if sel.on(&SPF009) {
            spf009_spf_record_too_long::check(dom, rec, out);
        }
        let verdicts = sel.on(&SPF006);
        // Findings of rules computed only for SPF006's sake.
        let mut unused = Vec::new();
        let repeated = (verdicts || sel.on(&SPF010))
            && spf010_spf_modifier_misuse::check(
                dom,
                rec,
                if sel.on(&SPF010) {
                    &mut *out
                } else {
                    &mut unused
                },
            );
        if syntax || !(verdicts || sel.on(&SPF004) || sel.on(&SPF012)) {
            return;
        }
        let count = self.s.count_spf_lookups(dom.d);
        let too_many = (verdicts || sel.on(&SPF004))
            && spf004_spf_too_many_lookups::check(
                self,
                dom,
                rec,
                &count,
                if sel.on(&SPF004) {
                    &mut *out
                } else {
                    &mut unused
                },
            );
        let voids = (verdicts || sel.on(&SPF012))
            && spf012_spf_void_lookups::check(
                dom,
                rec,
                &count,
                if sel.on(&SPF012) {
                    &mut *out
                } else {
                    &mut unused
                },
            );
        if !verdicts || too_many || voids || repeated || self.smarthost.is_some() {
            return;
        }
        spf006_spf_server_not_authorized::check(self, dom, rec, out);
    }

    /// The records reached through local includes and redirects, with their own lookups.
    fn included_records(&self, d: &str) -> Vec<(String, usize, Loc)> {
        let mut seen = vec![d.to_string()];
        let mut found = Vec::new();
        let mut queue = vec![d.to_string()];
        while let Some(name) = queue.pop() {
            let Some(records) = self.s.spf_records(&name) else {
                continue;
            };
            let [rec] = records.as_slice() else {
                continue;
            };
            let mut targets: Vec<String> = rec
                .spf
                .mechanisms()
                .filter_map(|(_, m)| match m {
                    Mechanism::Include(spec) => spec.domain(),
                    _ => None,
                })
                .collect();
            if rec.spf.all().is_none()
                && let Some((_, spec)) = rec.spf.redirect()
            {
                targets.extend(spec.domain());
            }
            for t in targets {
                if seen.contains(&t) || self.s.zone_of(&t).is_none() {
                    continue;
                }
                seen.push(t.clone());
                if let Some(recs) = self.s.spf_records(&t)
                    && let [r] = recs.as_slice()
                {
                    found.push((t.clone(), own_lookups(&r.spf), r.loc(whole(&r.spf))));
                    queue.push(t);
                }
            }
        }
        found
    }

    /// SPF008 and SPF011 over every TXT and SPF-type record of a zone that holds mail domains.
    fn zone_records(&self, zone: &Parsed<Zone>, domains: &[String], out: &mut Vec<Finding>) {
        for record in zone.doc.records() {
            let owner = &record.owner.name;
            let d = domain_of(owner, domains).unwrap_or(&zone.doc.origin);
            let dom = self.dom(d);
            match &record.data {
                RData::Txt(txt) => {
                    // A record without SPF terms is neither SPF (SPF008) nor SPF in the wrong
                    // place (SPF011).
                    let Some((reading, spf)) = self
                        .s
                        .txt
                        .get(record)
                        .and_then(|r| Some((r, r.spf.clone()?)))
                    else {
                        continue;
                    };
                    let rec = SpfAt {
                        zone,
                        record,
                        text: reading.text.clone(),
                        spf,
                    };
                    if reading.is_spf || starts_with_version(rec.text.text()) {
                        if self.sel.on(&SPF008) {
                            spf008_spf_string_too_long::check(self, &dom, &rec, txt, out);
                        }
                    } else if !(domains.iter().any(|d| d.as_str() == &**owner)
                        && meant_as_spf(rec.text.text(), &rec.spf))
                        && self.sel.on(&SPF011)
                    {
                        spf011_spf_in_wrong_record::stray_terms(self, &dom, &rec, out);
                    }
                }
                RData::Spf(_) if self.sel.on(&SPF011) => {
                    spf011_spf_in_wrong_record::type99(self, &dom, zone, record, out);
                }
                _ => {}
            }
        }
    }
}

/// The names of a list once each, in order (an include met twice is counted twice, but named
/// once).
fn unique(names: &[String]) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for n in names {
        if !out.contains(&n.as_str()) {
            out.push(n);
        }
    }
    out
}

/// The span of a whole record value.
fn whole(spf: &SpfRecord) -> Span {
    Span::new(0, spf.text.len())
}

/// The term of a record that starts at `at`.
fn term_at(spf: &SpfRecord, at: usize) -> Option<&SpfTerm> {
    spf.terms.iter().find(|t| t.span.start as usize == at)
}

/// The DNS lookups of one record alone (`redirect=` counts only without `all`).
fn own_lookups(spf: &SpfRecord) -> usize {
    let mechanisms = spf.mechanisms().filter(|(_, m)| m.needs_dns()).count();
    mechanisms + usize::from(spf.all().is_none() && spf.redirect().is_some())
}

/// Whether the text starts with `v=spf1` (any case), perhaps after spaces.
fn starts_with_version(text: &str) -> bool {
    let t = text.trim_start_matches([' ', '\t']).as_bytes();
    t.len() >= 6 && t[..6].eq_ignore_ascii_case(b"v=spf1")
}

/// Whether a TXT value that is not an SPF record was meant as one: it starts with `v=spf1` (glued
/// to what follows, or after spaces), or it is made only of SPF mechanisms and modifiers, at least
/// one unmistakable ([`is_spf_term`]).
fn meant_as_spf(text: &str, spf: &SpfRecord) -> bool {
    if starts_with_version(text) {
        return true;
    }
    spf.terms.iter().any(is_spf_term)
        && spf.terms.iter().all(|t| {
            matches!(
                t.kind,
                TermKind::Mechanism(_)
                    | TermKind::Modifier(Modifier::Redirect(_) | Modifier::Exp(_))
            )
        })
}

/// An unmistakable SPF term in any TXT text: a mechanism with a qualifier (`+a`, `~all`),
/// `ip4:`, `ip6:`, `include:`, `exists:`, `redirect=`, or a `v=spf1` word. Bare `a`, `mx`, `all`
/// and `ptr` are left alone: they are also ordinary words.
fn is_spf_term(t: &SpfTerm) -> bool {
    match &t.kind {
        TermKind::Mechanism(m) => {
            t.qualifier.is_some()
                || matches!(
                    m,
                    Mechanism::Ip4 { .. }
                        | Mechanism::Ip6 { .. }
                        | Mechanism::Include(_)
                        | Mechanism::Exists(_)
                )
        }
        TermKind::Modifier(Modifier::Redirect(_)) => true,
        TermKind::Modifier(Modifier::Unknown { name, value }) => {
            name == "v" && value.raw.eq_ignore_ascii_case("spf1")
        }
        _ => false,
    }
}

/// Whether a text is empty or only spaces once the changes are applied.
fn remains_blank(text: &str, changes: &[(Range<usize>, String)]) -> bool {
    let mut pos = 0;
    let mut blank = true;
    for (r, new) in changes {
        blank &= text
            .get(pos..r.start)
            .is_some_and(|t| t.trim_matches(' ').is_empty());
        blank &= new.trim_matches(' ').is_empty();
        pos = r.end;
    }
    blank
        && text
            .get(pos..)
            .is_some_and(|t| t.trim_matches(' ').is_empty())
}

/// The mail domain a record's owner belongs to: the longest one that is the owner or a parent.
fn domain_of<'a>(owner: &str, domains: &'a [String]) -> Option<&'a String> {
    domains
        .iter()
        .filter(|d| {
            owner == d.as_str()
                || owner
                    .strip_suffix(d.as_str())
                    .is_some_and(|head| head.ends_with('.'))
        })
        .max_by_key(|d| d.len())
}

/// The hosted provider of the domain's lowest-preference MX, with that MX host.
fn lowest_mx_provider(s: &Server, d: &str) -> Option<(providers::Provider, String)> {
    let mx: Vec<(u16, String)> = s
        .records_of(d, RType::Mx)
        .into_iter()
        .filter_map(|r| match &r.record.data {
            RData::Mx {
                preference,
                exchange,
                ..
            } if !exchange.is_root() => Some((*preference, exchange.name.clone())),
            _ => None,
        })
        .collect();
    let lowest = mx.iter().map(|(p, _)| *p).min()?;
    mx.into_iter()
        .filter(|(p, _)| *p == lowest)
        .find_map(|(_, host)| providers::by_mx(&host).map(|p| (p, host)))
}

/// Where the address this server sends a domain's mail from comes from, for messages.
fn mail_ip_source(s: &Server, d: &str) -> String {
    if let Some(m) = &s.mailips {
        let parses =
            |e: &crate::parse::colonmap::ColonEntry| e.value.trim().parse::<IpAddr>().is_ok();
        if m.doc.get(d).is_some_and(parses) {
            return format!("its entry in {}", m.path());
        }
        if m.doc.default_entry().is_some_and(parses) {
            return format!("the `*` entry of {}", m.path());
        }
    }
    "the server's main address".to_string()
}

/// The value ranges that remove terms (spans of the value) with the spaces after each; a removal
/// that reaches the end of the value takes the spaces before it instead.
fn removal_ranges(value: &[u8], spans: &[Span]) -> Vec<Range<usize>> {
    let mut ranges: Vec<Range<usize>> = spans
        .iter()
        .map(|s| {
            let mut end = s.end as usize;
            while end < value.len() && value[end] == b' ' {
                end += 1;
            }
            s.start as usize..end
        })
        .collect();
    ranges.sort_by_key(|r| r.start);
    let mut merged: Vec<Range<usize>> = Vec::new();
    for r in ranges {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    if let Some(last) = merged.last_mut()
        && last.end == value.len()
    {
        while last.start > 0 && value[last.start - 1] == b' ' {
            last.start -= 1;
        }
    }
    merged
}

/// Edits that change the value of an SPF or TXT record by `changes` (value ranges and their new
/// text, in order, not overlapping), and bump the serial. In place when every change stays inside
/// one quoted string, touches no escape, adds nothing that needs one, and no string grows past
/// 255 bytes; otherwise the record data is written again as cPanel writes TXT data. `None` when
/// the value is not UTF-8 text.
fn txt_edits(rec: &SpfAt<'_>, changes: &[(Range<usize>, String)], today: Utc) -> Option<Vec<Edit>> {
    let zone = rec.zone;
    let text = &rec.text;
    let strings = match &rec.record.data {
        RData::Txt(t) | RData::Spf(t) => &t.strings,
        _ => return None,
    };
    let ranges = text.string_ranges();
    let src = zone.src.bytes();
    let mut grow = vec![0i64; ranges.len()];
    let mut in_place = Vec::new();
    let plain = changes.iter().all(|(r, new)| {
        if new
            .bytes()
            .any(|b| !(b == b' ' || b.is_ascii_graphic()) || b"\"\\;".contains(&b))
        {
            return false;
        }
        let idx = if r.is_empty() {
            text.string_index(r.start)
                .or_else(|| ranges.len().checked_sub(1))
        } else {
            let a = text.string_index(r.start);
            if a != text.string_index(r.end - 1) {
                return false;
            }
            a
        };
        let Some(idx) = idx else {
            return false;
        };
        if !strings.get(idx).is_some_and(|s| s.quoted) {
            return false;
        }
        let span = text.file_span(r.clone());
        if src.get(span.range()) != text.bytes().get(r.clone()) {
            return false;
        }
        grow[idx] += new.len() as i64 - r.len() as i64;
        in_place.push(Edit::replace(zone.path(), span, new.clone()));
        true
    });
    let fits = ranges
        .iter()
        .zip(&grow)
        .all(|(r, g)| r.len() as i64 + g <= MAX_STRING_BYTES as i64);
    if plain && fits && !in_place.is_empty() {
        in_place.extend(edit::serial_bump(zone, today));
        return Some(in_place);
    }
    let mut bytes = Vec::with_capacity(text.len() + 32);
    let mut pos = 0;
    for (r, new) in changes {
        bytes.extend_from_slice(text.bytes().get(pos..r.start)?);
        bytes.extend_from_slice(new.as_bytes());
        pos = r.end;
    }
    bytes.extend_from_slice(text.bytes().get(pos..)?);
    let value = String::from_utf8(bytes).ok()?;
    Some(edit::zone_replace_rdata(
        zone,
        rec.record,
        &edit::txt_rdata(&value),
        today,
    ))
}

#[cfg(test)]
mod tests {
    use super::spf002_multiple_spf_records::merge;
    use super::*;
    use crate::parse::spf as spfp;
    use crate::parse::txt::TxtText;
    use crate::source::SourceFile;
    use std::sync::Arc;

    fn zone(text: &str) -> Parsed<Zone> {
        let src = SourceFile::from_str("var/named/example.com.db", text);
        let doc = crate::parse::zone::parse(&src, "example.com");
        Parsed {
            src: Arc::new(src),
            doc,
        }
    }

    fn txt_at<'a>(z: &'a Parsed<Zone>, n: usize) -> SpfAt<'a> {
        let record = z
            .doc
            .records()
            .filter(|r| matches!(r.data, RData::Txt(_)))
            .nth(n)
            .unwrap();
        let RData::Txt(txt) = &record.data else {
            unreachable!()
        };
        let text = TxtText::from_txt(txt, &z.src);
        let spf = spfp::parse(text.text());
        SpfAt {
            zone: z,
            record,
            text: text.into(),
            spf: spf.into(),
        }
    }

    fn apply(z: &Parsed<Zone>, edits: &[Edit]) -> String {
        let refs: Vec<&Edit> = edits.iter().collect();
        String::from_utf8(crate::fix::apply_edits(z.src.bytes(), &refs)).unwrap()
    }

    const HEAD: &str = "example.com. 86400 IN SOA ns1.example.org. h.example.org. 2026110101 3600 1800 1209600 86400\n";
    const NOW: i64 = 1_795_392_000;

    #[test]
    fn removals_take_the_separating_spaces() {
        let rr = |v: &[u8], spans: &[Span]| -> Vec<(usize, usize)> {
            removal_ranges(v, spans)
                .into_iter()
                .map(|r| (r.start, r.end))
                .collect()
        };
        let v = b"v=spf1 a ptr mx ~all";
        assert_eq!(rr(v, &[Span::new(9, 12)]), [(9, 13)]);
        // At the end, the spaces before go instead.
        assert_eq!(rr(v, &[Span::new(16, 20)]), [(15, 20)]);
        // Neighbours merge; the last one reaching the end takes the space before the first.
        assert_eq!(rr(v, &[Span::new(13, 15), Span::new(16, 20)]), [(12, 20)]);
        let v = b"path=/ +ip4:192.0.2.1";
        assert_eq!(rr(v, &[Span::new(7, 21)]), [(6, 21)]);
        assert!(remains_blank("+ip4:192.0.2.1", &[(0..14, String::new())]));
        assert!(!remains_blank(
            "path=/ +ip4:192.0.2.1",
            &[(6..21, String::new())]
        ));
    }

    #[test]
    fn records_meant_as_spf_and_stray_terms() {
        let meant = |t: &str| meant_as_spf(t, &spfp::parse(t));
        assert!(meant("v=spf1+a ~all"));
        assert!(meant(" v=spf1 a ~all"));
        assert!(meant("+a +mx ~all"));
        assert!(meant("ip4:192.0.2.1 -all"));
        assert!(!meant("a"), "a bare word");
        assert!(!meant("path=/ +ip4:192.0.2.1"), "an unknown modifier");
        assert!(!meant("google-site-verification=abc"));
        assert!(!meant("v=DKIM1; k=rsa; p=MIIB"));
        let stray = |t: &str| -> Vec<String> {
            let r = spfp::parse(t);
            r.terms
                .iter()
                .filter(|x| is_spf_term(x))
                .map(|x| r.slice(x.span).to_string())
                .collect()
        };
        assert_eq!(stray("path=/ +ip4:192.0.2.1"), ["+ip4:192.0.2.1"]);
        assert_eq!(
            stray("this is a test include:_spf.example.com v=spf1 ~all"),
            ["include:_spf.example.com", "v=spf1", "~all"]
        );
        assert!(stray("v=DMARC1; p=none; rua=mailto:d@example.com").is_empty());
        assert!(stray("all mx a ptr").is_empty());
    }

    #[test]
    fn merging_keeps_the_first_record_and_its_all() {
        let z = zone(&format!(
            "{HEAD}@ IN TXT \"v=spf1 +a mx ~all\"\n@ IN TXT \"v=spf1 a +MX include:_spf.example.net -all\"\n\
             @ IN TXT \"v=spf1 ip4:192.0.2.1 redirect=_spf.example.org exp=why.example.com\"\n"
        ));
        let recs = [txt_at(&z, 0), txt_at(&z, 1), txt_at(&z, 2)];
        let m = merge(&recs);
        assert_eq!(
            m.text,
            "v=spf1 +a mx include:_spf.example.net ip4:192.0.2.1 ~all exp=why.example.com"
        );
        assert_eq!(
            m.added,
            [
                "include:_spf.example.net",
                "ip4:192.0.2.1",
                "exp=why.example.com"
            ]
        );
        assert_eq!(m.dropped, ["-all", "redirect=_spf.example.org"]);
        // A first record without `all` takes the first `all` of the others, at the end of its
        // mechanisms and before its modifiers.
        let z = zone(&format!(
            "{HEAD}@ IN TXT \"v=spf1 a exp=why.example.com\"\n@ IN TXT \"v=spf1 mx ?all\"\n"
        ));
        let m = merge(&[txt_at(&z, 0), txt_at(&z, 1)]);
        assert_eq!(m.text, "v=spf1 a mx ?all exp=why.example.com");
        // With a redirect in the first record, another record's `all` would disable it.
        let z = zone(&format!(
            "{HEAD}@ IN TXT \"v=spf1 redirect=_spf.example.net\"\n@ IN TXT \"v=spf1 mx -all\"\n"
        ));
        let m = merge(&[txt_at(&z, 0), txt_at(&z, 1)]);
        assert_eq!(m.text, "v=spf1 mx redirect=_spf.example.net");
        assert_eq!(m.dropped, ["-all"]);
    }

    #[test]
    fn value_edits_stay_in_place_when_they_can() {
        let z = zone(&format!("{HEAD}@ IN TXT \"v=spf1 a\" \" mx -all\"\n"));
        let rec = txt_at(&z, 0);
        // Before `-all`, inside the second string.
        let edits = txt_edits(
            &rec,
            &[(12..12, "+ip4:192.0.2.1 ".into())],
            Utc::from_unix(NOW),
        )
        .unwrap();
        assert_eq!(edits.len(), 2, "the insertion and the serial");
        assert!(apply(&z, &edits).contains("IN TXT \"v=spf1 a\" \" mx +ip4:192.0.2.1 -all\"\n"));
        assert!(apply(&z, &edits).contains(" 2026112301 "));
        // At the very end: inside the last string.
        let edits = txt_edits(&rec, &[(16..16, " ~all".into())], Utc::from_unix(NOW)).unwrap();
        assert!(apply(&z, &edits).contains("\" mx -all ~all\"\n"));
    }

    #[test]
    fn value_edits_rewrite_the_record_when_a_string_would_pass_255_bytes() {
        let long = format!("v=spf1 {}-all", "a ".repeat(120)); // 250 bytes
        let z = zone(&format!("{HEAD}@ IN TXT \"{long}\"\n"));
        let rec = txt_at(&z, 0);
        let at = long.len() - 4;
        let edits = txt_edits(
            &rec,
            &[(at..at, "+ip4:192.0.2.1 ".into())],
            Utc::from_unix(NOW),
        )
        .unwrap();
        let fixed = apply(&z, &edits);
        let record = fixed.lines().nth(1).unwrap();
        let strings: Vec<&str> = record
            .split_once("TXT ")
            .unwrap()
            .1
            .split("\" \"")
            .collect();
        assert_eq!(strings.len(), 2, "{record}");
        assert_eq!(strings[0].len(), 256, "a quote and 255 bytes: {record}");
        assert!(record.ends_with(" +ip4:192\" \".0.2.1 -all\""), "{record}");
    }

    #[test]
    fn unquoted_and_escaped_strings_are_rewritten() {
        // An unquoted word would split at the inserted space.
        let z = zone(&format!("{HEAD}@ IN TXT v=spf1\n"));
        let rec = txt_at(&z, 0);
        let edits = txt_edits(&rec, &[(6..6, " ~all".into())], Utc::from_unix(NOW)).unwrap();
        assert!(apply(&z, &edits).contains("IN TXT \"v=spf1 ~all\"\n"));
        // An escape inside the changed range.
        let z = zone(&format!("{HEAD}@ IN TXT \"v=spf1 \\097 ?all\"\n"));
        let rec = txt_at(&z, 0);
        assert_eq!(rec.spf.text, "v=spf1 a ?all");
        let edits = txt_edits(&rec, &[(7..9, String::new())], Utc::from_unix(NOW)).unwrap();
        assert!(apply(&z, &edits).contains("IN TXT \"v=spf1 ?all\"\n"));
    }

    #[test]
    fn deleting_a_record_keeps_the_owner_of_the_next_one() {
        let z = zone(&format!(
            "{HEAD}_dmarc IN TXT \"v=DMARC1\"\nexample.com. IN SPF \"v=spf1 a ~all\"\n\tIN TXT \"keep\"\nwww IN A 192.0.2.1\n"
        ));
        let spf = z.doc.records().find(|r| r.rtype == RType::Spf).unwrap();
        let edits = edit::zone_delete_records(&z, &[spf]);
        let fixed = apply(&z, &edits);
        assert!(
            fixed.ends_with(
                "_dmarc IN TXT \"v=DMARC1\"\nexample.com.\tIN TXT \"keep\"\nwww IN A 192.0.2.1\n"
            ),
            "{fixed}"
        );
    }
}
