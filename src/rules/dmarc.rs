//! DMARC — the `_dmarc` record of each mail domain (RFC 7489, RFC 9989) whose `_dmarc` name is
//! in a local zone, and whether the policy it asks for would reject this server's own mail.
//!
//! Records: the TXT records at `_dmarc.<domain>`. One *reads as DMARC* when it starts with
//! `v=DMARC1` (what receivers look for, RFC 7489 §6.6.3), or when it has a `v` tag whose value
//! starts with `DMARC` anywhere (`p=reject; v=DMARC1`, ` v=DMARC1; …`, `v=DMARC1 p=reject`):
//! those were meant as DMARC and are reported as syntax errors, not as missing. Other TXT records
//! there (a verification token, an SPF record put in the wrong place) are ignored, as receivers
//! ignore them.
//!
//! Each problem is reported once: a record with syntax errors (DMARC002) gets no DMARC003;
//! several records starting with `v=DMARC1` are one DMARC002, and their contents are not
//! judged; a record meant as DMARC that does not start with `v=DMARC1` is its own DMARC002
//! (receivers discard it before counting), next to a valid record or not. Unknown tags are not
//! errors (RFC 9989 says to ignore them), nor are `pct`, `rf` and `ri` (valid in RFC 7489,
//! removed by RFC 9989): findings on the record mention them in a note.
//!
//! Decisions where the catalog is silent:
//! - A subdomain without its own record is covered by the record of the nearest parent domain
//!   whose `_dmarc` is in a local zone (RFC 9989's tree walk, limited to what the tree holds):
//!   no DMARC001, and DMARC004 judges it with the parent's `sp` (else `p`).
//! - DMARC004 needs a certain answer: SPF evaluated offline must be certain (no external
//!   `include:` met before the result) and not `pass` for the domain's mail address, and the
//!   DKIM state must be known to fail. It judges records receivers apply: `v=DMARC1` first and a
//!   valid `p` (other bad tags are ignored by receivers, RFC 7489 §6.3), even when DMARC002
//!   reports those other tags.
//! - DMARC001 points at the start of the zone file where the record belongs; its fix adds
//!   cPanel's default record after the apex records and bumps the serial.

use crate::clock::Utc;
use crate::finding::{Finding, Fix, Loc, Severity};
use crate::fix::build;
use crate::model::dns::ZoneRecord;
use crate::model::spf::Outcome;
use crate::model::{Parsed, Server};
use crate::parse::dmarc::{self as dmarcp, DmarcRecord, Policy};
use crate::parse::txt::TxtText;
use crate::parse::zone::{RData, RType, Zone};
use crate::rules::RuleInfo;
use crate::rules::dkim;

/// The family of these rules in `maillint rules` (used by `rule!`).
const FAMILY: &str = "dmarc";

pub const RULES: &[RuleInfo] = &[
    rule!(
        "DMARC001",
        "missing-dmarc",
        Info,
        Safe,
        "A mail domain without a DMARC record (and no parent record covering it)."
    ),
    rule!(
        "DMARC002",
        "dmarc-syntax-error",
        Error,
        None,
        "A DMARC record receivers cannot read as written, or several records."
    ),
    rule!(
        "DMARC003",
        "dmarc-policy-none",
        Info,
        None,
        "A DMARC policy of p=none: receivers report, but do not act."
    ),
    rule!(
        "DMARC004",
        "dmarc-enforced-without-alignment",
        Warning,
        None,
        "p=quarantine or reject while this server's mail passes neither SPF nor DKIM."
    ),
];

const RELOAD: &str = "then reload the zone: rndc reload (cPanel: /scripts/restartsrv_named)";
/// cPanel's default record (since version 124).
const DEFAULT_RECORD: &str = "v=DMARC1; p=none;";

/// A TXT record at `_dmarc.<domain>` that reads as DMARC.
struct DmarcAt<'a> {
    at: ZoneRecord<'a>,
    text: TxtText,
    rec: DmarcRecord,
}

impl DmarcAt<'_> {
    fn loc(&self, span: crate::source::Span) -> Loc {
        self.at.zone.loc(self.text.file_span_of(span))
    }

    fn owner_loc(&self) -> Loc {
        let r = self.at.record;
        self.at.zone.loc(r.owner.span.unwrap_or(r.rtype_span))
    }

    /// The value of tag `name`, else the whole record.
    fn tag_loc(&self, name: &str) -> Loc {
        match self.rec.tag(name) {
            Some(t) if !t.tag.value.is_empty() => self.loc(t.tag.value),
            Some(t) => self.loc(t.tag.span()),
            None => self.at.loc(),
        }
    }

    /// Notes about tags receivers ignore (unknown) or that RFC 9989 removed.
    fn tag_notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        let unknown: Vec<String> = self
            .rec
            .unknown_tags()
            .map(|t| format!("`{}`", t.tag.name))
            .collect();
        if !unknown.is_empty() {
            notes.push(format!(
                "unknown {} {}: receivers ignore {} (RFC 9989), so {} no error",
                if unknown.len() == 1 { "tag" } else { "tags" },
                unknown.join(", "),
                if unknown.len() == 1 { "it" } else { "them" },
                if unknown.len() == 1 {
                    "it is"
                } else {
                    "they are"
                },
            ));
        }
        let removed: Vec<String> = self
            .rec
            .tags
            .iter()
            .filter(|t| t.is_removed_in_9989())
            .map(|t| format!("`{}`", t.name()))
            .collect();
        if !removed.is_empty() {
            notes.push(format!(
                "{} valid in RFC 7489 but removed by RFC 9989: newer receivers ignore {}",
                removed.join(", "),
                if removed.len() == 1 { "it" } else { "them" }
            ));
        }
        notes
    }
}

/// Whether a TXT value was meant as a DMARC record (see the module documentation).
fn reads_as_dmarc(text: &str, rec: &DmarcRecord) -> bool {
    dmarcp::is_dmarc(text)
        || rec.tags.iter().any(|t| {
            t.name() == "v"
                && rec
                    .slice(t.tag.value)
                    .get(..5)
                    .is_some_and(|v| v.eq_ignore_ascii_case("DMARC"))
        })
}

/// The TXT records at `_dmarc.<name>` (`None` when no local zone holds that name), split into
/// those that read as DMARC and the others.
fn records_at<'a>(s: &'a Server, name: &str) -> Option<(Vec<DmarcAt<'a>>, Vec<ZoneRecord<'a>>)> {
    let owner = format!("_dmarc.{name}");
    s.zone_of(&owner)?;
    let mut dmarc = Vec::new();
    let mut other = Vec::new();
    for at in s.records_of(&owner, RType::Txt) {
        let RData::Txt(txt) = &at.record.data else {
            continue;
        };
        let text = TxtText::from_txt(txt, &at.zone.src);
        let rec = dmarcp::parse(text.text());
        if reads_as_dmarc(text.text(), &rec) {
            dmarc.push(DmarcAt { at, text, rec });
        } else {
            other.push(at);
        }
    }
    Some((dmarc, other))
}

/// The nearest parent of `domain` (two labels at least) whose `_dmarc` is in a local zone and
/// holds records that read as DMARC, with those records.
fn covering_parent<'a>(s: &'a Server, domain: &str) -> Option<(String, Vec<DmarcAt<'a>>)> {
    let mut name = domain;
    while let Some((_, parent)) = name.split_once('.') {
        if !parent.contains('.') {
            return None;
        }
        if let Some((recs, _)) = records_at(s, parent)
            && !recs.is_empty()
        {
            return Some((parent.to_string(), recs));
        }
        name = parent;
    }
    None
}

pub fn check(s: &Server, out: &mut Vec<Finding>) {
    let today = Utc::now();
    for d in s.mail_domains() {
        let Some((recs, others)) = records_at(s, &d) else {
            continue;
        };
        let user = s.domains.get(&d).map(|i| i.user.clone());
        let finding = |code, sev, msg: String| {
            Finding::new(code, sev, msg)
                .domain(d.clone())
                .maybe_user(user.clone())
        };
        // Records that start with `v=DMARC1` are the ones receivers consider; the others that
        // were meant as DMARC are reported for their errors.
        let (recs, meant): (Vec<DmarcAt<'_>>, Vec<DmarcAt<'_>>) =
            recs.into_iter().partition(|r| r.rec.is_dmarc());
        for r in &meant {
            syntax_error(&d, r, recs.is_empty(), &finding, out);
        }
        match recs.as_slice() {
            // Covered by a parent's record: judged by DMARC004 with the parent's policy for
            // subdomains; the parent's record itself is judged with the parent.
            [] if meant.is_empty() => match covering_parent(s, &d) {
                Some((parent, recs)) => {
                    if let [rec] = recs.as_slice()
                        && applied(&rec.rec)
                    {
                        let tag = if rec.rec.sp().is_some() { "sp" } else { "p" };
                        let policy = rec.rec.subdomain_policy();
                        enforced(s, &d, rec, policy, tag, Some(&parent), &finding, out);
                    }
                }
                None => missing(s, &d, &others, today, &finding, out),
            },
            [] => {}
            [r] => {
                if !r.rec.errors().is_empty() {
                    syntax_error(&d, r, true, &finding, out);
                } else if r.rec.p() == Some(Policy::None) {
                    let mut f = finding(
                        "DMARC003",
                        Severity::Info,
                        format!(
                            "the DMARC policy of {d} is p=none: receivers send reports but let \
                             mail that fails DMARC through"
                        ),
                    )
                    .at(r.tag_loc("p"))
                    .label("monitoring only")
                    .note(
                        "p=none protects nobody from mail forged in the domain's name; it is \
                         the first step, to read the reports (rua=) and check that every \
                         legitimate sender passes SPF or DKIM",
                    );
                    for n in r.tag_notes() {
                        f = f.note(n);
                    }
                    out.push(f.help(
                        "once the reports show the domain's own mail passing, move to \
                         p=quarantine, then p=reject",
                    ));
                }
                if applied(&r.rec) {
                    enforced(s, &d, r, r.rec.policy(), "p", None, &finding, out);
                }
            }
            [first, rest @ ..] => {
                let n = recs.len();
                let mut f = finding(
                    "DMARC002",
                    Severity::Error,
                    format!("{n} DMARC records at _dmarc.{d}: receivers apply none of them"),
                )
                .at(first.owner_loc())
                .label(format!("first of {n} DMARC records"));
                for r in rest {
                    f = f.related(r.owner_loc(), "another DMARC record");
                }
                out.push(
                    f.note(
                        "RFC 7489 §6.6.3: when the query returns several DMARC records, the \
                         receiver applies no DMARC policy to the domain's mail",
                    )
                    .help("merge them into one record and remove the others"),
                );
            }
        }
    }
}

/// DMARC002 for the syntax errors of one record; `alone`: no other record at `_dmarc` starts
/// with `v=DMARC1`.
fn syntax_error(
    d: &str,
    r: &DmarcAt<'_>,
    alone: bool,
    finding: &dyn Fn(&'static str, Severity, String) -> Finding,
    out: &mut Vec<Finding>,
) {
    let errors = r.rec.errors();
    let Some((first, rest)) = errors.split_first() else {
        return;
    };
    let mut f = finding(
        "DMARC002",
        Severity::Error,
        format!("the DMARC record of {d} is invalid: {}", first.message),
    )
    .at(r.loc(first.span))
    .label("here");
    for e in rest {
        f = f.related(r.loc(e.span), e.message.clone());
    }
    f = f.note(consequence(&r.rec, alone));
    for n in r.tag_notes() {
        f = f.note(n);
    }
    if let Some(h) = &first.help {
        f = f.help(h.clone());
    }
    out.push(f);
}

/// Whether receivers apply the record's policy: it starts with `v=DMARC1` and has a valid `p`.
fn applied(rec: &DmarcRecord) -> bool {
    rec.is_dmarc() && rec.p().is_some()
}

/// What an invalid record means for receivers.
fn consequence(rec: &DmarcRecord, alone: bool) -> String {
    if !rec.is_dmarc() {
        format!(
            "receivers ignore a TXT record at _dmarc that does not start with `v=DMARC1` (RFC \
             7489 §6.6.3){}",
            if alone {
                ": the domain has no DMARC policy"
            } else {
                ""
            }
        )
    } else if rec.p().is_none() {
        "without a valid `p`, RFC 7489 receivers ignore the record (or read it as p=none when \
         rua= is valid), and RFC 9989 reads it as p=none"
            .into()
    } else {
        "receivers ignore the invalid tags and use their defaults (RFC 7489 §6.3); the policy \
         itself still applies"
            .into()
    }
}

/// DMARC001: no record, and no parent record in a local zone.
fn missing(
    s: &Server,
    d: &str,
    others: &[ZoneRecord<'_>],
    today: Utc,
    finding: &dyn Fn(&'static str, Severity, String) -> Finding,
    out: &mut Vec<Finding>,
) {
    let name = format!("_dmarc.{d}");
    let Some(zone) = s.zone_of(&name) else {
        return;
    };
    let mut f = finding(
        "DMARC001",
        Severity::Info,
        format!("{d} publishes no DMARC record (_dmarc.{d})"),
    )
    .at(Loc::file_start(zone.path()))
    .label(format!("the zone of {d}"))
    .note(
        "without DMARC, receivers apply no policy to mail forged in the domain's name, and the \
         domain gets no reports of who sends as it",
    );
    for o in others {
        f = f.related(
            o.loc(),
            "a TXT record at _dmarc that is not DMARC (it does not start with `v=DMARC1`)",
        );
    }
    out.push(f.fix(add_default(zone, &name, today)));
}

fn add_default(zone: &Parsed<Zone>, name: &str, today: Utc) -> Fix {
    Fix::safe("add cPanel's default DMARC record, `v=DMARC1; p=none;` (reports only)")
        .edits(build::zone_add_record(
            zone,
            name,
            "TXT",
            &build::txt_rdata(DEFAULT_RECORD),
            today,
        ))
        .command(RELOAD)
}

/// DMARC004: the policy is enforced, and this server's mail passes neither SPF nor DKIM.
#[allow(clippy::too_many_arguments)]
fn enforced(
    s: &Server,
    d: &str,
    r: &DmarcAt<'_>,
    policy: Policy,
    tag: &str,
    parent: Option<&str>,
    finding: &dyn Fn(&'static str, Severity, String) -> Finding,
    out: &mut Vec<Finding>,
) {
    let (verb, done) = match policy {
        Policy::None => return,
        Policy::Quarantine => ("quarantine", "quarantined"),
        Policy::Reject => ("reject", "rejected"),
    };
    let Some(ip) = s.mail_ip(d) else {
        return;
    };
    let spf = s.check_spf(d, ip);
    if !spf.is_certain() || spf.outcome == Outcome::Pass {
        return;
    }
    let dkim = dkim::analyse(s, d);
    let dkim::Verdict::Fail(dkim_why, dkim_loc) = dkim.verdict() else {
        return;
    };
    let whose = match parent {
        Some(p) => format!("the DMARC record of {p}, which covers {d},"),
        None => format!("the DMARC record of {d}"),
    };
    let spf_why = match &spf.outcome {
        Outcome::None => format!("{d} has no SPF record"),
        Outcome::PermError(e) => format!("its SPF record gives permerror ({e})"),
        o => match &spf.decided_by {
            Some((at, term)) => format!(
                "its SPF record gives {} for {ip} (decided by `{term}` of {at})",
                o.name()
            ),
            None => format!("its SPF record gives {} for {ip}", o.name()),
        },
    };
    let mut f = finding(
        "DMARC004",
        Severity::Warning,
        format!(
            "{whose} asks receivers to {verb} mail that fails DMARC, and mail this server sends \
             for {d} passes neither SPF nor DKIM"
        ),
    )
    .at(r.tag_loc(tag))
    .label(format!("{tag}={verb}"))
    .note(format!(
        "SPF: {spf_why}; {ip} is the address this server sends {d}'s mail from"
    ))
    .note(format!("DKIM: {dkim_why}"))
    .note(format!(
        "so legitimate mail from here (webmail, scripts and contact forms, forwarders) is \
         {done} by receivers that apply DMARC"
    ));
    if let Some(spf_rec) = s.spf_records(d).and_then(|v| v.into_iter().next()) {
        f = f.related(
            spf_rec.record_loc(),
            format!("SPF record: {} for {ip}", spf.outcome.name()),
        );
    }
    if let Some(loc) = dkim_loc {
        f = f.related(loc, "DKIM: fails for this server's mail");
    }
    if r.rec.pct() < 100 {
        f = f.note(format!(
            "pct={}: RFC 7489 receivers apply the policy to that share of failing mail",
            r.rec.pct()
        ));
    }
    for n in r.tag_notes() {
        f = f.note(n);
    }
    out.push(f.help(format!(
        "authorise {ip} in the SPF record of {d} (SPF006) or publish the server's DKIM key \
         (DKIM001, DKIM002) before enforcing; until then, p=none keeps the reports without \
         losing mail"
    )));
}
