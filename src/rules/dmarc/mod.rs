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
use crate::finding::{Finding, Loc};
use crate::model::Server;
use crate::model::dns::ZoneRecord;
use crate::parse::dmarc::{self as dmarcp, DmarcRecord, Policy};
use crate::parse::txt::TxtText;
use crate::parse::zone::RType;
use crate::rules::{Rule, Selection};

/// The family of these rules in `maillint rules` (used by `rule!`).
const FAMILY: &str = "dmarc";

mod dmarc001_missing_dmarc;
mod dmarc002_dmarc_syntax_error;
mod dmarc003_dmarc_policy_none;
mod dmarc004_dmarc_enforced_without_alignment;

pub use dmarc001_missing_dmarc::DMARC001;
pub use dmarc002_dmarc_syntax_error::DMARC002;
pub use dmarc003_dmarc_policy_none::DMARC003;
pub use dmarc004_dmarc_enforced_without_alignment::DMARC004;

pub static RULES: &[&Rule] = &[&DMARC001, &DMARC002, &DMARC003, &DMARC004];

const RELOAD: &str = "then reload the zone: rndc reload (cPanel: /scripts/restartsrv_named)";

/// A mail domain whose `_dmarc` name is in a local zone.
struct Dom<'a> {
    s: &'a Server,
    name: String,
    user: Option<String>,
    today: Utc,
}

impl Dom<'_> {
    fn finding(&self, rule: &'static Rule, message: String) -> Finding {
        Finding::new(rule, message)
            .domain(self.name.clone())
            .maybe_user(self.user.clone())
    }
}

pub fn check(s: &Server, sel: &Selection, out: &mut Vec<Finding>) {
    let today = s.options.today;
    for d in s.mail_domains() {
        let Some((recs, others)) = records_at(s, &d) else {
            continue;
        };
        let dom = Dom {
            s,
            user: s.domains.get(&d).map(|i| i.user.clone()),
            name: d,
            today,
        };
        // Records that start with `v=DMARC1` are the ones receivers consider; the others that
        // were meant as DMARC are reported for their errors.
        let (recs, meant): (Vec<DmarcAt<'_>>, Vec<DmarcAt<'_>>) =
            recs.into_iter().partition(|r| r.rec.is_dmarc());
        if sel.on(&DMARC002) {
            for r in &meant {
                dmarc002_dmarc_syntax_error::check(&dom, r, recs.is_empty(), out);
            }
        }
        match recs.as_slice() {
            // Covered by a parent's record: judged by DMARC004 with the parent's policy for
            // subdomains; the parent's record itself is judged with the parent.
            [] if meant.is_empty() => match covering_parent(s, &dom.name) {
                Some((parent, recs)) => {
                    if let [rec] = recs.as_slice()
                        && applied(rec.rec)
                        && sel.on(&DMARC004)
                    {
                        let tag = if rec.rec.sp().is_some() { "sp" } else { "p" };
                        let policy = rec.rec.subdomain_policy();
                        dmarc004_dmarc_enforced_without_alignment::check(
                            &dom,
                            rec,
                            policy,
                            tag,
                            Some(&parent),
                            out,
                        );
                    }
                }
                None => {
                    if sel.on(&DMARC001) {
                        dmarc001_missing_dmarc::check(&dom, &others, out);
                    }
                }
            },
            [] => {}
            [r] => {
                if !r.rec.errors().is_empty() {
                    if sel.on(&DMARC002) {
                        dmarc002_dmarc_syntax_error::check(&dom, r, true, out);
                    }
                } else if r.rec.p() == Some(Policy::None) && sel.on(&DMARC003) {
                    dmarc003_dmarc_policy_none::check(&dom, r, out);
                }
                if applied(r.rec) && sel.on(&DMARC004) {
                    dmarc004_dmarc_enforced_without_alignment::check(
                        &dom,
                        r,
                        r.rec.policy(),
                        "p",
                        None,
                        out,
                    );
                }
            }
            many => {
                if sel.on(&DMARC002) {
                    dmarc002_dmarc_syntax_error::several(&dom, many, out);
                }
            }
        }
    }
}

/// A TXT record at `_dmarc.<domain>` that reads as DMARC.
pub(super) struct DmarcAt<'a> {
    pub(super) at: ZoneRecord<'a>,
    text: &'a TxtText,
    pub(super) rec: &'a DmarcRecord,
}

impl DmarcAt<'_> {
    pub(super) fn loc(&self, span: crate::source::Span) -> Loc {
        self.at.zone.loc(self.text.file_span_of(span))
    }

    pub(super) fn owner_loc(&self) -> Loc {
        let r = self.at.record;
        self.at.zone.loc(r.owner.span.unwrap_or(r.rtype_span))
    }

    /// The value of tag `name`, else the whole record.
    pub(super) fn tag_loc(&self, name: &str) -> Loc {
        match self.rec.tag(name) {
            Some(t) if !t.tag.value.is_empty() => self.loc(t.tag.value),
            Some(t) => self.loc(t.tag.span()),
            None => self.at.loc(),
        }
    }

    /// Notes about tags receivers ignore (unknown) or that RFC 9989 removed.
    pub(super) fn tag_notes(&self) -> Vec<String> {
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
        let Some((text, Some(rec))) = s.txt.get(at.record).map(|t| (&*t.text, t.dmarc.as_ref()))
        else {
            continue;
        };
        if reads_as_dmarc(text.text(), rec) {
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

/// Whether receivers apply the record's policy: it starts with `v=DMARC1` and has a valid `p`.
fn applied(rec: &DmarcRecord) -> bool {
    rec.is_dmarc() && rec.p().is_some()
}
