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
//! the way cPanel writes TXT records ([`build::txt_rdata`]); each bumps the SOA serial.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::ops::Range;

use crate::clock::Utc;
use crate::finding::{Edit, Finding, Fix, Loc, Severity};
use crate::fix::build;
use crate::model::spf::{LookupCount, MAX_LOOKUPS, MAX_VOID_LOOKUPS, Outcome, SpfAt};
use crate::model::{Parsed, Server};
use crate::parse::spf::{
    self as spfp, Mechanism, Modifier, Qualifier, SpfRecord, SpfTerm, TermKind,
};
use crate::parse::txt::TxtText;
use crate::parse::zone::{RData, RType, Record, Txt, Zone};
use crate::providers;
use crate::rules::RuleInfo;
use crate::source::Span;

/// The family of these rules in `maillint rules` (used by `rule!`).
const FAMILY: &str = "spf";

pub const RULES: &[RuleInfo] = &[
    rule!(
        "SPF001",
        "missing-spf",
        Warning,
        None,
        Unsafe,
        "A mail domain without an SPF record."
    ),
    rule!(
        "SPF002",
        "multiple-spf-records",
        Error,
        None,
        Unsafe,
        "More than one SPF record at a domain: receivers treat its SPF as broken."
    ),
    rule!(
        "SPF003",
        "spf-syntax-error",
        Error,
        None,
        None,
        "An SPF record that does not parse: a bad term, address, prefix, macro or version."
    ),
    rule!(
        "SPF004",
        "spf-too-many-lookups",
        Error,
        None,
        None,
        "An SPF record that needs more than 10 DNS lookups, counted through its includes."
    ),
    rule!(
        "SPF005",
        "spf-permissive-all",
        Warning,
        Some("error for `+all`"),
        Unsafe,
        "An SPF record that authorises every host (`+all`) or ends neutral (`?all`, no `all`)."
    ),
    rule!(
        "SPF006",
        "spf-server-not-authorized",
        Error,
        Some("warning when a name outside the local zones might authorise the server"),
        Unsafe,
        "The domain's SPF record does not authorise the address this server sends its mail from."
    ),
    rule!(
        "SPF007",
        "spf-ptr-mechanism",
        Warning,
        None,
        Unsafe,
        "An SPF record that uses the `ptr` mechanism (RFC 7208 §5.5)."
    ),
    rule!(
        "SPF008",
        "spf-string-too-long",
        Error,
        None,
        Safe,
        "A character string of an SPF TXT record over 255 bytes."
    ),
    rule!(
        "SPF009",
        "spf-record-too-long",
        Warning,
        None,
        None,
        "An SPF record over 450 bytes (RFC 7208 §3.4)."
    ),
    rule!(
        "SPF010",
        "spf-modifier-misuse",
        Warning,
        None,
        None,
        "`redirect=` next to `all`, a repeated `redirect=` or `exp=`, or terms after `all`."
    ),
    rule!(
        "SPF011",
        "spf-in-wrong-record",
        Warning,
        None,
        Unsafe,
        "SPF terms in a TXT record that is not SPF, or an SPF-type (99) record."
    ),
    rule!(
        "SPF012",
        "spf-void-lookups",
        Warning,
        None,
        None,
        "An SPF record with more than 2 terms naming hosts that do not exist."
    ),
];

/// RFC 7208 §3.4: keep the record under about 450 bytes so the answer fits 512.
const MAX_RECORD_BYTES: usize = 450;
/// RFC 1035 §3.3: a character string is at most 255 bytes.
const MAX_STRING_BYTES: usize = 255;
const RELOAD: &str = "then reload the zone: rndc reload (cPanel: /scripts/restartsrv_named)";

pub fn check(s: &Server, out: &mut Vec<Finding>) {
    let ctx = Ctx {
        s,
        today: Utc::now(),
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
    for (zone, domains) in zones.values() {
        ctx.zone_records(zone, domains, out);
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
    today: Utc,
    smarthost: Option<String>,
}

/// One domain's findings under construction.
struct Dom<'a> {
    d: &'a str,
    user: Option<String>,
}

impl Dom<'_> {
    fn finding(&self, code: &'static str, severity: Severity, message: String) -> Finding {
        Finding::new(code, severity, message)
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
        for r in meant.iter().chain(&records) {
            syntax_errors(&dom, r, out);
        }
        match records.as_slice() {
            [] => {
                if meant.is_empty() && type99_at(s, d).is_empty() {
                    self.missing(&dom, out);
                }
            }
            [rec] => self.one_record(&dom, rec, out),
            several => self.multiple(&dom, several, out),
        }
    }

    /// TXT records at the domain's name that were meant as its SPF record but are not one.
    fn meant_records(&self, d: &str) -> Vec<SpfAt<'_>> {
        self.s
            .records_of(d, RType::Txt)
            .into_iter()
            .filter_map(|r| {
                let RData::Txt(txt) = &r.record.data else {
                    return None;
                };
                let text = TxtText::from_txt(txt, &r.zone.src);
                if spfp::is_spf(text.text()) {
                    return None;
                }
                let spf = spfp::parse(text.text());
                meant_as_spf(text.text(), &spf).then_some(SpfAt {
                    zone: r.zone,
                    record: r.record,
                    text: text.into(),
                    spf: spf.into(),
                })
            })
            .collect()
    }

    /// The rules that judge the domain's one SPF record.
    fn one_record(&self, dom: &Dom<'_>, rec: &SpfAt<'_>, out: &mut Vec<Finding>) {
        let syntax = rec.spf.errors().next().is_some();
        self.permissive_all(dom, rec, out);
        self.ptr(dom, rec, out);
        record_too_long(dom, rec, out);
        let repeated = modifier_misuse(dom, rec, out);
        if syntax {
            return;
        }
        let count = self.s.count_spf_lookups(dom.d);
        let too_many = self.too_many_lookups(dom, rec, &count, out);
        let voids = void_lookups(dom, rec, &count, out);
        if too_many || voids || repeated || self.smarthost.is_some() {
            return;
        }
        self.server_not_authorized(dom, rec, out);
    }

    /// SPF001: no SPF record; the fix adds cPanel's default record.
    fn missing(&self, dom: &Dom<'_>, out: &mut Vec<Finding>) {
        let s = self.s;
        let d = dom.d;
        let Some(zone) = s.zone_of(d) else {
            return;
        };
        let provider = lowest_mx_provider(s, d);
        let ip = s.mail_ip(d);
        let mut value = "v=spf1 +a +mx".to_string();
        match ip {
            Some(IpAddr::V4(a)) => value.push_str(&format!(" +ip4:{a}")),
            Some(IpAddr::V6(a)) => value.push_str(&format!(" +ip6:{a}")),
            None => {}
        }
        if let Some((p, _)) = &provider {
            value.push_str(&format!(" include:{}", p.spf_include));
        }
        value.push_str(" ~all");
        let message = match &provider {
            Some((p, _)) => format!(
                "{d} has no SPF record, and its mailboxes are at {}: receivers cannot check who may send as {d}",
                p.name
            ),
            None => format!("{d} has no SPF record: receivers cannot check who may send as {d}"),
        };
        let first = s.records_at(d).into_iter().next();
        let loc = match first {
            Some(r) => r
                .zone
                .loc(r.record.owner.span.unwrap_or(r.record.rtype_span)),
            None => Loc::file_start(zone.path()),
        };
        let mut f = dom
            .finding("SPF001", Severity::Warning, message)
            .at(loc)
            .label(format!("no TXT record of {d} starts with `v=spf1`"))
            .note(format!(
                "without SPF, a receiver cannot tell {d}'s real mail from forgeries: large \
                 mailbox providers junk or refuse unauthenticated mail, and DMARC cannot pass \
                 through SPF"
            ));
        if let Some((p, host)) = &provider {
            f = f.note(format!(
                "the MX of {d} is {host}, at {}: mail its users send leaves through {}'s \
                 servers, which the record must list with `include:{}`",
                p.name, p.name, p.spf_include
            ));
        }
        match ip {
            Some(ip) => {
                f = f.note(format!(
                    "this server sends {d}'s mail (web forms, scripts, forwarders) from {ip} ({})",
                    mail_ip_source(s, d)
                ));
            }
            None => {
                f = f.note(format!(
                    "the address this server sends {d}'s mail from is unknown (no etc/mailips \
                     entry and no main address): the record lists it through `+a` and `+mx` \
                     only; add `+ip4:` with the address by hand if those do not name it"
                ));
            }
        }
        let fix = Fix::unsafe_(format!(
            "add cPanel's default SPF record for {d}: `{value}`"
        ))
        .edits(build::zone_add_record(
            zone,
            d,
            "TXT",
            &build::txt_rdata(&value),
            self.today,
        ))
        .command(
            "cPanel's Email Deliverability page (UAPI EmailAuth install_spf_records) installs its \
             suggested record the same way",
        )
        .command(RELOAD);
        out.push(f.fix(fix));
    }

    /// SPF002: several SPF records; the fix merges them into the first.
    fn multiple(&self, dom: &Dom<'_>, records: &[SpfAt<'_>], out: &mut Vec<Finding>) {
        let d = dom.d;
        let n = records.len();
        let first = &records[0];
        let mut f = dom
            .finding(
                "SPF002",
                Severity::Error,
                format!(
                    "{d} has {n} SPF records: receivers treat that as a permanent error, so no \
                     mail from {d} passes SPF"
                ),
            )
            .at(records[1].loc(whole(&records[1].spf)))
            .label("another `v=spf1` record")
            .related(first.loc(whole(&first.spf)), "first SPF record")
            .note(
                "RFC 7208 §3.2 and §4.5: a domain publishes one SPF record; with several, \
                 check_host() returns permerror whatever they say",
            );
        for r in &records[2..] {
            f = f.related(r.loc(whole(&r.spf)), "another SPF record");
        }
        let merged = merge(records);
        let zone = first.zone;
        let mut edits = Vec::new();
        if merged.text != first.spf.text {
            edits.push(Edit::replace(
                zone.path(),
                first.record.rdata_span,
                build::txt_rdata(&merged.text),
            ));
        }
        let others: Vec<&Record> = records[1..].iter().map(|r| r.record).collect();
        edits.extend(build::zone_delete_records(zone, &others));
        edits.extend(build::serial_bump(zone, self.today));
        let mut message = format!("merge them into one record: `{}`", merged.text);
        if merged.added.is_empty() {
            message.push_str(" (the first record already holds every term of the others)");
        } else {
            message.push_str(&format!(
                "; the first record's terms stay in order and {} {} added before its `all`",
                merged
                    .added
                    .iter()
                    .map(|t| format!("`{t}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                if merged.added.len() == 1 { "is" } else { "are" }
            ));
        }
        if !merged.dropped.is_empty() {
            message.push_str(&format!(
                "; {} of the other record{} {} dropped",
                merged
                    .dropped
                    .iter()
                    .map(|t| format!("`{t}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                if n > 2 { "s" } else { "" },
                if merged.dropped.len() == 1 {
                    "is"
                } else {
                    "are"
                }
            ));
        }
        message.push_str(&format!(
            "; {} deleted",
            if n == 2 {
                "the other record is".to_string()
            } else {
                format!("the {} other records are", n - 1)
            }
        ));
        out.push(f.fix(Fix::unsafe_(message).edits(edits).command(RELOAD)));
    }

    /// SPF004: more than 10 DNS lookups. Returns whether it was reported.
    fn too_many_lookups(
        &self,
        dom: &Dom<'_>,
        rec: &SpfAt<'_>,
        count: &LookupCount,
        out: &mut Vec<Finding>,
    ) -> bool {
        if count.lookups <= MAX_LOOKUPS && count.loops.is_empty() {
            return false;
        }
        let d = dom.d;
        if !count.loops.is_empty() {
            out.push(
                dom.finding(
                    "SPF004",
                    Severity::Error,
                    format!(
                        "the SPF record of {d} never ends: {} includes itself again, so receivers run past {MAX_LOOKUPS} DNS lookups and fail it",
                        count.loops.join(", ")
                    ),
                )
                .at(rec.loc(whole(&rec.spf)))
                .label("the includes from here loop")
                .note(format!(
                    "RFC 7208 §4.6.4: each `include:` and `redirect=` costs a DNS lookup; a loop \
                     reaches the limit of {MAX_LOOKUPS}, and check_host() returns permerror: no \
                     mail from {d} passes SPF"
                ))
                .help("remove the `include:` or `redirect=` that leads back to a record already on the way"),
            );
            return true;
        }
        let at_least = if count.external.is_empty() {
            ""
        } else {
            "at least "
        };
        let mut f = dom
            .finding(
                "SPF004",
                Severity::Error,
                format!(
                    "the SPF record of {d} needs {at_least}{} DNS lookups; receivers stop at {MAX_LOOKUPS} and fail it",
                    count.lookups
                ),
            )
            .at(rec.loc(whole(&rec.spf)))
            .label(format!(
                "{} lookups in this record",
                own_lookups(&rec.spf)
            ))
            .note(format!(
                "RFC 7208 §4.6.4: `include`, `a`, `mx`, `ptr`, `exists` and `redirect` each cost a \
                 DNS lookup, counted through every include; past {MAX_LOOKUPS}, check_host() \
                 returns permerror and no mail from {d} passes SPF"
            ));
        for (name, n, loc) in self.included_records(d) {
            f = f.related(loc, format!("{name}: {n} more lookups"));
        }
        if !count.external.is_empty() {
            f = f.note(format!(
                "outside this server's zones, counted as one lookup each though their own \
                 records add more: {}",
                unique(&count.external).join(", ")
            ));
        }
        out.push(f.help(
            "make the record cheaper: remove the mechanisms that no longer name a sender, and \
             write this server's own addresses as `ip4:`/`ip6:` instead of `a`/`mx`",
        ));
        true
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

    /// SPF005: `+all`, `?all`, or neither `all` nor `redirect`.
    fn permissive_all(&self, dom: &Dom<'_>, rec: &SpfAt<'_>, out: &mut Vec<Finding>) {
        let d = dom.d;
        let spf = &rec.spf;
        let (severity, message, label, note, change, fix_msg, at) = match spf.all() {
            Some(term) => {
                let q = term.qualifier.map_or(Qualifier::Pass, |(q, _)| q);
                let written = spf.slice(term.span);
                let range = term.span.range();
                match q {
                    Qualifier::Pass => (
                        Severity::Error,
                        format!(
                            "the SPF record of {d} ends with `{written}`: every host on the Internet may send mail as {d}"
                        ),
                        "authorises every address",
                        format!(
                            "`{written}` makes SPF pass for any sender, so forged mail from {d} passes SPF, and DMARC with it"
                        ),
                        (range, "~all".to_string()),
                        format!(
                            "replace `{written}` by `~all` (softfail for hosts the record does not list)"
                        ),
                        term.span,
                    ),
                    Qualifier::Neutral => (
                        Severity::Warning,
                        format!(
                            "the SPF record of {d} ends with `{written}`: it does not say that other hosts may not send as {d}"
                        ),
                        "neutral: no verdict on other hosts",
                        format!(
                            "a neutral result is treated like no SPF at all (RFC 7208 §8.2): forged mail from {d} is not marked, and DMARC cannot use SPF against it"
                        ),
                        (range, "~all".to_string()),
                        format!(
                            "replace `{written}` by `~all` (softfail for hosts the record does not list)"
                        ),
                        term.span,
                    ),
                    _ => return,
                }
            }
            // A syntax error may hide the `all` (`include:example.com~all`): SPF003 says so.
            None if spf.redirect().is_none() && spf.errors().next().is_none() => {
                let len = spf.text.len();
                let insert = if spf.text.ends_with(' ') {
                    "~all"
                } else {
                    " ~all"
                };
                (
                    Severity::Warning,
                    format!(
                        "the SPF record of {d} has no `all` and no `redirect=`: hosts it does not list get a neutral result"
                    ),
                    "ends without `all`",
                    format!(
                        "when no term matches, the result is neutral (RFC 7208 §4.7), which receivers treat like no SPF at all: forged mail from {d} is not marked"
                    ),
                    (len..len, insert.to_string()),
                    "append `~all` (softfail for hosts the record does not list)".to_string(),
                    Span::new(0, len),
                )
            }
            None => return,
        };
        let mut f = dom
            .finding("SPF005", severity, message)
            .at(rec.loc(at))
            .label(label)
            .note(note)
            .note(
                "`~all` marks mail from unlisted hosts as suspicious without refusing it, as \
                 cPanel's default record does; use `-all` once every sender is listed",
            );
        if let Some(edits) = txt_edits(rec, &[change], self.today) {
            f = f.fix(Fix::unsafe_(fix_msg).edits(edits).command(RELOAD));
        }
        out.push(f);
    }

    /// SPF007: `ptr` mechanisms; each fix removes one.
    fn ptr(&self, dom: &Dom<'_>, rec: &SpfAt<'_>, out: &mut Vec<Finding>) {
        let d = dom.d;
        for (term, _) in rec
            .spf
            .mechanisms()
            .filter(|(_, m)| matches!(m, Mechanism::Ptr(_)))
        {
            let written = rec.spf.slice(term.span);
            let mut f = dom
                .finding(
                    "SPF007",
                    Severity::Warning,
                    format!(
                        "the SPF record of {d} uses `{written}`, which RFC 7208 says not to publish"
                    ),
                )
                .at(rec.loc(term.span))
                .label("ptr mechanism")
                .note(
                    "RFC 7208 §5.5: `ptr` is slow and unreliable (a reverse lookup, then a \
                     forward lookup per name, each counted); many receivers skip it, so the \
                     hosts it was meant to cover may fail SPF",
                );
            let ranges = removal_ranges(rec.spf.text.as_bytes(), &[term.span]);
            let changes: Vec<(Range<usize>, String)> =
                ranges.into_iter().map(|r| (r, String::new())).collect();
            if let Some(edits) = txt_edits(rec, &changes, self.today) {
                f = f.fix(
                    Fix::unsafe_(format!(
                        "remove `{written}`; list the hosts it covered with `a:`, `ip4:` or `ip6:` if they still send mail"
                    ))
                    .edits(edits)
                    .command(RELOAD),
                );
            }
            out.push(f);
        }
    }

    /// SPF006: the evaluated record does not pass for the address this server sends from.
    fn server_not_authorized(&self, dom: &Dom<'_>, rec: &SpfAt<'_>, out: &mut Vec<Finding>) {
        let s = self.s;
        let d = dom.d;
        let Some(ip) = s.mail_ip(d) else {
            return;
        };
        let verdict = s.check_spf(d, ip);
        if verdict.outcome == Outcome::Pass {
            return;
        }
        let source = mail_ip_source(s, d);
        let spf = &rec.spf;
        // The term that decided, when it is in this record.
        let deciding = verdict
            .decided_by
            .as_ref()
            .filter(|(name, _)| name == d)
            .and_then(|(_, text)| {
                spf.mechanisms()
                    .map(|(t, _)| t)
                    .find(|t| spf.slice(t.span) == text)
            });
        let result = verdict.outcome.name();
        if let Outcome::PermError(why) = &verdict.outcome {
            let mut f = dom
                .finding(
                    "SPF006",
                    Severity::Error,
                    format!(
                        "this server sends {d}'s mail from {ip}, and the SPF record of {d} gives a permanent error for it: {why}"
                    ),
                )
                .at(rec.loc(deciding.map_or(whole(spf), |t| t.span)))
                .label("evaluation stops here with permerror")
                .note(format!(
                    "mail for {d} leaves this server from {ip} ({source}); with permerror it \
                     fails SPF, and DMARC cannot pass through SPF"
                ))
                .help("fix the record named in the message; then check again");
            // Syntax errors of the records reached through local includes (SPF003 covers only
            // the records of mail domains).
            for (name, _, _) in self.included_records(d) {
                if let Some(recs) = s.spf_records(&name)
                    && let [r] = recs.as_slice()
                    && let Some(e) = r.spf.errors().next()
                {
                    f = f.related(r.loc(e.span), format!("{name}: {}", e.message));
                }
            }
            out.push(f);
            return;
        }
        let (severity, message) = if verdict.is_certain() {
            (
                Severity::Error,
                format!(
                    "this server sends {d}'s mail from {ip}, which the SPF record of {d} does not authorise (result: {result})"
                ),
            )
        } else {
            (
                Severity::Warning,
                format!(
                    "this server sends {d}'s mail from {ip}, which the SPF record of {d} may not authorise (result: {result} unless {} authorises it)",
                    verdict.unknown.join(", ")
                ),
            )
        };
        let label = match deciding {
            Some(t) => format!("`{}` decides: {result}", spf.slice(t.span)),
            None => format!("no term matches {ip}: {result}"),
        };
        let mut f = dom
            .finding("SPF006", severity, message)
            .at(rec.loc(deciding.map_or(whole(spf), |t| t.span)))
            .label(label)
            .note(format!(
                "mail for {d} leaves this server from {ip} ({source}): receivers that check SPF \
                 junk or refuse it, and DMARC cannot pass through SPF"
            ));
        if !verdict.is_certain() {
            f = f.note(format!(
                "{} {} outside this server's zones and cannot be read offline: check that it \
                 lists {ip}, or authorise {ip} here",
                verdict.unknown.join(", "),
                if verdict.unknown.len() == 1 {
                    "is"
                } else {
                    "are"
                }
            ));
        }
        if let Some((name, text)) = &verdict.decided_by
            && name != d
        {
            f = f.note(format!(
                "the result comes from `{text}` in the SPF record of {name}"
            ));
        }
        // Insert before the deciding term, else before `all`, else before `redirect=`, else at
        // the end.
        let at = deciding
            .or_else(|| spf.all())
            .or_else(|| spf.redirect().map(|(t, _)| t))
            .map(|t| t.span.start as usize);
        let mech = match ip {
            IpAddr::V4(a) => format!("+ip4:{a}"),
            IpAddr::V6(a) => format!("+ip6:{a}"),
        };
        let (change, where_) = match at {
            Some(at) => (
                (at..at, format!("{mech} ")),
                format!(
                    "before `{}`",
                    spf.slice(term_at(spf, at).map_or(Span::at(at), |t| t.span))
                ),
            ),
            None => {
                let len = spf.text.len();
                let text = if spf.text.ends_with(' ') {
                    mech.clone()
                } else {
                    format!(" {mech}")
                };
                ((len..len, text), "at the end".to_string())
            }
        };
        if let Some(edits) = txt_edits(rec, &[change], self.today) {
            f = f.fix(
                Fix::unsafe_(format!("authorise this server: add `{mech}` {where_}"))
                    .edits(edits)
                    .command(RELOAD),
            );
        }
        out.push(f);
    }

    /// SPF008 and SPF011 over every TXT and SPF-type record of a zone that holds mail domains.
    fn zone_records(&self, zone: &Parsed<Zone>, domains: &[String], out: &mut Vec<Finding>) {
        for record in zone.doc.records() {
            let owner = &record.owner.name;
            let d = domain_of(owner, domains).unwrap_or(&zone.doc.origin);
            let dom = self.dom(d);
            match &record.data {
                RData::Txt(txt) => {
                    let text = TxtText::from_txt(txt, &zone.src);
                    let spf = spfp::parse(text.text());
                    let rec = SpfAt {
                        zone,
                        record,
                        text: text.into(),
                        spf: spf.into(),
                    };
                    if spfp::is_spf(rec.text.text()) || starts_with_version(rec.text.text()) {
                        self.string_too_long(&dom, &rec, txt, out);
                    } else if !(domains.iter().any(|d| d.as_str() == &**owner)
                        && meant_as_spf(rec.text.text(), &rec.spf))
                    {
                        self.stray_terms(&dom, &rec, out);
                    }
                }
                RData::Spf(_) => self.type99(&dom, zone, record, out),
                _ => {}
            }
        }
    }

    /// SPF008: a character string of an SPF TXT record over 255 bytes.
    fn string_too_long(&self, dom: &Dom<'_>, rec: &SpfAt<'_>, txt: &Txt, out: &mut Vec<Finding>) {
        let long: Vec<usize> = txt
            .strings
            .iter()
            .enumerate()
            .filter(|(_, s)| s.bytes.len() > MAX_STRING_BYTES)
            .map(|(i, _)| i)
            .collect();
        let Some(&first) = long.first() else {
            return;
        };
        let owner = &rec.record.owner.name;
        let len = txt.strings[first].bytes.len();
        let message = if long.len() == 1 {
            format!(
                "the SPF record of {owner} is one string of {len} bytes; a DNS character string holds at most {MAX_STRING_BYTES}"
            )
        } else {
            format!(
                "the SPF record of {owner} has {} strings over {MAX_STRING_BYTES} bytes, the first of {len}",
                long.len()
            )
        };
        let mut f = dom
            .finding("SPF008", Severity::Error, message)
            .at(rec.zone.loc(txt.strings[first].span))
            .label(format!("{len} bytes in one string"))
            .note(format!(
                "BIND refuses to load a zone file with such a string (named-checkzone: syntax \
                 error), so the whole zone {} keeps its last loaded version, or is not served at \
                 all after a restart",
                rec.zone.doc.origin
            ))
            .note(
                "RFC 7208 §3.3: a longer record is written as several strings, which receivers \
                 join without spaces",
            );
        if let Ok(value) = std::str::from_utf8(&rec.text.bytes) {
            f = f.fix(
                Fix::safe(format!(
                    "split the value into strings of at most {MAX_STRING_BYTES} bytes, as cPanel writes them (receivers read the same record)"
                ))
                .edits(build::zone_replace_rdata(
                    rec.zone,
                    rec.record,
                    &build::txt_rdata(value),
                    self.today,
                ))
                .command(RELOAD),
            );
        }
        out.push(f);
    }

    /// SPF011: SPF terms in a TXT record that is not SPF.
    fn stray_terms(&self, dom: &Dom<'_>, rec: &SpfAt<'_>, out: &mut Vec<Finding>) {
        let stray: Vec<&SpfTerm> = rec.spf.terms.iter().filter(|t| is_spf_term(t)).collect();
        let (Some(first), Some(last)) = (stray.first(), stray.last()) else {
            return;
        };
        let owner = &rec.record.owner.name;
        let words: Vec<String> = stray
            .iter()
            .map(|t| format!("`{}`", rec.spf.slice(t.span)))
            .collect();
        let mut f = dom
            .finding(
                "SPF011",
                Severity::Warning,
                format!(
                    "the TXT record of {owner} holds SPF terms ({}), but it is not an SPF record",
                    words.join(", ")
                ),
            )
            .at(rec.loc(first.span.join(last.span)))
            .label("SPF terms in a non-SPF record")
            .note(format!(
                "receivers read SPF only from the TXT record at the sender's domain that starts \
                 with `v=spf1`: these terms authorise nothing, and whatever reads this record \
                 ({owner}) finds text it does not expect; a tool that edits SPF records probably \
                 matched the wrong record"
            ));
        if meant_as_spf(rec.spf.text.as_str(), &rec.spf) {
            // Nothing but SPF terms: an SPF record that lost its `v=spf1`, or a stray copy.
            out.push(f.help(format!(
                "if an `include:` or `redirect=` names {owner}, start the record with `v=spf1 `; otherwise delete it"
            )));
            return;
        }
        let spans: Vec<Span> = stray.iter().map(|t| t.span).collect();
        let changes: Vec<(Range<usize>, String)> = removal_ranges(rec.spf.text.as_bytes(), &spans)
            .into_iter()
            .map(|r| (r, String::new()))
            .collect();
        let fix = if remains_blank(&rec.spf.text, &changes) {
            let mut edits = build::zone_delete_records(rec.zone, &[rec.record]);
            edits.extend(build::serial_bump(rec.zone, self.today));
            Some(
                Fix::unsafe_(format!(
                    "delete the record: it holds nothing but {}",
                    words.join(", ")
                ))
                .edits(edits),
            )
        } else {
            txt_edits(rec, &changes, self.today).map(|edits| {
                Fix::unsafe_(format!(
                    "remove {} from the record (senders of {} belong in its SPF record)",
                    words.join(", "),
                    dom.d
                ))
                .edits(edits)
            })
        };
        if let Some(fix) = fix {
            f = f.fix(fix.command(RELOAD));
        }
        out.push(f);
    }

    /// SPF011: an SPF-type (99) record.
    fn type99(&self, dom: &Dom<'_>, zone: &Parsed<Zone>, record: &Record, out: &mut Vec<Finding>) {
        let s = self.s;
        let owner = &record.owner.name;
        let has_txt = s.spf_records(owner).is_some_and(|r| !r.is_empty());
        let convert = !has_txt
            && type99_at(s, owner)
                .first()
                .is_some_and(|r| std::ptr::eq(*r, record));
        let mut f = dom
            .finding(
                "SPF011",
                Severity::Warning,
                format!("{owner} has an SPF-type (99) record, which receivers do not read"),
            )
            .at(zone.loc(record.rtype_span))
            .label("record type SPF")
            .note(
                "RFC 7208 §3.1 and §14.1: SPF is published in TXT records only; the SPF record \
                 type is obsolete and receivers ignore it",
            );
        let fix = if convert {
            f = f.note(format!(
                "{owner} has no TXT record starting with `v=spf1`, so receivers see no SPF policy at all"
            ));
            let mut edits = vec![Edit::replace(zone.path(), record.rtype_span, "TXT")];
            edits.extend(build::serial_bump(zone, self.today));
            Fix::unsafe_("publish it as a TXT record: change its type from SPF to TXT").edits(edits)
        } else {
            let mut edits = build::zone_delete_records(zone, &[record]);
            edits.extend(build::serial_bump(zone, self.today));
            let why = if has_txt {
                "the TXT record is the one receivers read"
            } else {
                "another SPF-type record at this name is converted to TXT"
            };
            Fix::unsafe_(format!("delete the SPF-type record: {why}")).edits(edits)
        };
        out.push(f.fix(fix.command(RELOAD)));
    }
}

/// SPF003: every syntax error of a record, at its place in the zone file.
fn syntax_errors(dom: &Dom<'_>, rec: &SpfAt<'_>, out: &mut Vec<Finding>) {
    let d = dom.d;
    let is_spf = rec.spf.is_spf();
    for e in rec.spf.errors() {
        let mut f = dom
            .finding(
                "SPF003",
                Severity::Error,
                format!("invalid SPF record for {d}: {}", e.message),
            )
            .at(rec.loc(e.span))
            .label("not valid SPF")
            .note(if is_spf {
                format!(
                    "RFC 7208 §4.6: a receiver that meets a syntax error rejects the whole \
                     record (permerror): no mail from {d} passes SPF, and DMARC cannot pass \
                     through SPF"
                )
            } else {
                format!(
                    "as written this TXT record is not an SPF record at all (RFC 7208 §4.5): \
                     receivers skip it and find no SPF policy for {d}"
                )
            });
        if let RData::Txt(txt) = &rec.record.data
            && txt.malformed()
        {
            f = f.note(format!(
                "the record is written as {} strings, some unquoted: DNS keeps them apart and \
                 SPF joins them without spaces; write the whole value as one quoted string",
                txt.strings.len()
            ));
        }
        if let Some(help) = &e.help {
            f = f.help(help.clone());
        }
        out.push(f);
    }
}

/// SPF009: the record is over 450 bytes.
fn record_too_long(dom: &Dom<'_>, rec: &SpfAt<'_>, out: &mut Vec<Finding>) {
    let len = rec.spf.text.len();
    if len <= MAX_RECORD_BYTES {
        return;
    }
    let d = dom.d;
    out.push(
        dom.finding(
            "SPF009",
            Severity::Warning,
            format!(
                "the SPF record of {d} is {len} bytes; RFC 7208 advises staying under {MAX_RECORD_BYTES}"
            ),
        )
        .at(rec.loc(whole(&rec.spf)))
        .label(format!("{len} bytes"))
        .note(
            "RFC 7208 §3.4: with the rest of the answer, a longer record may not fit a 512-byte \
             DNS reply; receivers then need TCP or EDNS, and some give up with a temporary \
             error",
        )
        .help(
            "shorten it: merge neighbouring `ip4:` addresses into CIDR ranges, drop hosts that no \
             longer send, or move part of the list to a record of its own reached with \
             `include:`",
        ),
    );
}

/// SPF010: `redirect=` next to `all`, repeated `redirect=`/`exp=`, mechanisms after `all`.
/// Returns whether a modifier is repeated (the record is then a permanent error).
fn modifier_misuse(dom: &Dom<'_>, rec: &SpfAt<'_>, out: &mut Vec<Finding>) -> bool {
    let d = dom.d;
    let spf = &rec.spf;
    let mut repeated = false;
    if let (Some(all), Some((redirect, _))) = (spf.all(), spf.redirect()) {
        out.push(
            dom.finding(
                "SPF010",
                Severity::Warning,
                format!(
                    "the SPF record of {d} has both `{}` and `{}`: the redirect is ignored",
                    spf.slice(all.span),
                    spf.slice(redirect.span)
                ),
            )
            .at(rec.loc(redirect.span))
            .label("never followed")
            .related(rec.loc(all.span), "`all` ends every evaluation")
            .note(
                "RFC 7208 §6.1: `redirect=` is used only when the record has no `all`; the \
                 record named there is never read",
            )
            .help(format!(
                "remove `{}`, or remove `{}` if the other record should decide",
                spf.slice(redirect.span),
                spf.slice(all.span)
            )),
        );
    }
    for (name, kind) in [("redirect", "redirect="), ("exp", "exp=")] {
        let terms: Vec<&SpfTerm> = spf
            .modifiers()
            .filter(|(_, m)| m.name() == name && !matches!(m, Modifier::Unknown { .. }))
            .map(|(t, _)| t)
            .collect();
        if terms.len() < 2 {
            continue;
        }
        repeated = true;
        let mut f = dom
            .finding(
                "SPF010",
                Severity::Warning,
                format!(
                    "the SPF record of {d} has `{kind}` {} times: receivers treat it as a permanent error",
                    terms.len()
                ),
            )
            .at(rec.loc(terms[1].span))
            .label(format!("`{kind}` again"))
            .related(rec.loc(terms[0].span), format!("first `{kind}`"))
            .note(format!(
                "RFC 7208 §6: `redirect=` and `exp=` may each appear once; with more, \
                 check_host() returns permerror and no mail from {d} passes SPF"
            ));
        f = f.help(format!("keep one `{kind}` and remove the others"));
        out.push(f);
    }
    let after: Vec<&SpfTerm> = spf
        .terms_after_all()
        .iter()
        .filter(|t| matches!(t.kind, TermKind::Mechanism(_)))
        .collect();
    if let (Some(first), Some(last), Some(all)) = (after.first(), after.last(), spf.all()) {
        let n = after.len();
        out.push(
            dom.finding(
                "SPF010",
                Severity::Warning,
                format!(
                    "the SPF record of {d} has {n} {} after `{}`, never evaluated",
                    if n == 1 { "mechanism" } else { "mechanisms" },
                    spf.slice(all.span)
                ),
            )
            .at(rec.loc(first.span.join(last.span)))
            .label("after `all`: never evaluated")
            .related(rec.loc(all.span), "evaluation ends here")
            .note(
                "RFC 7208 §5.1: `all` always matches, so mechanisms after it are never tested; \
                 the hosts they name are not authorised",
            )
            .help(format!(
                "move them before `{}`, or remove them",
                spf.slice(all.span)
            )),
        );
    }
    repeated
}

/// SPF012: more than 2 terms whose targets do not exist. Returns whether it was reported.
fn void_lookups(
    dom: &Dom<'_>,
    rec: &SpfAt<'_>,
    count: &LookupCount,
    out: &mut Vec<Finding>,
) -> bool {
    let n = count.voids.len();
    if n <= MAX_VOID_LOOKUPS {
        return false;
    }
    let d = dom.d;
    // The terms of this record that find nothing, with what they look for.
    let own: Vec<(&SpfTerm, &'static str)> = rec
        .spf
        .mechanisms()
        .filter_map(|(term, m)| {
            let name = match m.domain() {
                Some(spec) => spec.domain()?,
                None => d.to_string(),
            };
            let what = match m {
                Mechanism::A { .. } | Mechanism::Exists(_) => "no address record for this name",
                Mechanism::Mx { .. } => "no MX record for this name",
                _ => return None,
            };
            count.voids.contains(&name).then_some((term, what))
        })
        .collect();
    let mut f = dom
        .finding(
            "SPF012",
            Severity::Warning,
            format!(
                "{n} lookups of the SPF record of {d} find nothing ({}); receivers allow {MAX_VOID_LOOKUPS}",
                unique(&count.voids).join(", ")
            ),
        )
        .note(format!(
            "RFC 7208 §4.6.4: lookups that find nothing (void lookups) are limited, by default to \
             {MAX_VOID_LOOKUPS}; past that, receivers that apply the limit return permerror and \
             mail from {d} fails SPF"
        ));
    f = match own.split_first() {
        Some(((term, what), rest)) => {
            let mut f = f.at(rec.loc(term.span)).label(*what);
            for (t, what) in rest {
                f = f.related(rec.loc(t.span), *what);
            }
            f
        }
        None => f
            .at(rec.loc(whole(&rec.spf)))
            .label(format!("{n} void lookups through its includes")),
    };
    out.push(f.help("remove the terms that name hosts which no longer exist"));
    true
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

/// The result of merging several SPF records.
struct Merged {
    text: String,
    /// Terms of the other records added to the first.
    added: Vec<String>,
    /// Terms of the other records left out (`all`, modifiers already present).
    dropped: Vec<String>,
}

/// Merges SPF records into the first: its terms in order; the other records' terms that it
/// lacks (compared without case and without a `+` qualifier) before its `all` (else before its
/// first `redirect=`/`exp=`, else at the end); the first `all` of all records; a `redirect=` or
/// `exp=` only if the first record has none (and a `redirect=` only without `all`).
fn merge(records: &[SpfAt<'_>]) -> Merged {
    let key = |t: &str| t.trim_start_matches('+').to_ascii_lowercase();
    let first = &records[0].spf;
    let version = first
        .version
        .map_or("v=spf1".to_string(), |v| first.slice(v).to_string());
    let mut terms: Vec<String> = first
        .terms
        .iter()
        .map(|t| first.slice(t.span).to_string())
        .collect();
    let mut keys: Vec<String> = terms.iter().map(|t| key(t)).collect();
    let mut has_all = first.all().is_some();
    let mut has_redirect = first.redirect().is_some();
    let mut has_exp = first.exp().is_some();
    let insert_at = first
        .terms
        .iter()
        .position(|t| {
            matches!(
                t.kind,
                TermKind::Mechanism(Mechanism::All)
                    | TermKind::Modifier(Modifier::Redirect(_) | Modifier::Exp(_))
            )
        })
        .unwrap_or(terms.len());
    let mut added = Vec::new();
    let mut dropped = Vec::new();
    let mut new_all = None;
    let mut new_modifiers = Vec::new();
    for r in &records[1..] {
        for t in &r.spf.terms {
            let text = r.spf.slice(t.span).to_string();
            let k = key(&text);
            match &t.kind {
                TermKind::Mechanism(Mechanism::All) => {
                    if has_all || has_redirect {
                        if !keys.contains(&k) {
                            dropped.push(text);
                        }
                    } else {
                        has_all = true;
                        new_all = Some(text);
                    }
                    continue;
                }
                TermKind::Modifier(Modifier::Redirect(_)) => {
                    if has_redirect || has_all {
                        if !keys.contains(&k) {
                            dropped.push(text);
                        }
                    } else {
                        has_redirect = true;
                        keys.push(k);
                        new_modifiers.push(text);
                    }
                    continue;
                }
                TermKind::Modifier(Modifier::Exp(_)) => {
                    if has_exp {
                        if !keys.contains(&k) {
                            dropped.push(text);
                        }
                    } else {
                        has_exp = true;
                        keys.push(k);
                        new_modifiers.push(text);
                    }
                    continue;
                }
                _ => {}
            }
            if keys.contains(&k) {
                continue;
            }
            keys.push(k);
            added.push(text);
        }
    }
    let mut tail = terms.split_off(insert_at);
    terms.extend(added.iter().cloned());
    if let Some(all) = &new_all {
        terms.push(all.clone());
        added.push(all.clone());
    }
    terms.append(&mut tail);
    added.extend(new_modifiers.iter().cloned());
    terms.extend(new_modifiers);
    let mut text = version;
    for t in &terms {
        text.push(' ');
        text.push_str(t);
    }
    Merged {
        text,
        added,
        dropped,
    }
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
        if src.get(span.range()) != text.bytes.get(r.clone()) {
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
        in_place.extend(build::serial_bump(zone, today));
        return Some(in_place);
    }
    let mut bytes = Vec::with_capacity(text.len() + 32);
    let mut pos = 0;
    for (r, new) in changes {
        bytes.extend_from_slice(text.bytes.get(pos..r.start)?);
        bytes.extend_from_slice(new.as_bytes());
        pos = r.end;
    }
    bytes.extend_from_slice(text.bytes.get(pos..)?);
    let value = String::from_utf8(bytes).ok()?;
    Some(build::zone_replace_rdata(
        zone,
        rec.record,
        &build::txt_rdata(&value),
        today,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
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
        let edits = build::zone_delete_records(&z, &[spf]);
        let fixed = apply(&z, &edits);
        assert!(
            fixed.ends_with(
                "_dmarc IN TXT \"v=DMARC1\"\nexample.com.\tIN TXT \"keep\"\nwww IN A 192.0.2.1\n"
            ),
            "{fixed}"
        );
    }
}
