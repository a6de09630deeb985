//! SPF, offline (RFC 7208): the records of the local zones, `check_host()` evaluated through them
//! for the address this server sends a domain's mail from, and the DNS-lookup and void-lookup
//! counts of §4.6.4.
//!
//! Nothing leaves the tree. A term that needs a name outside every local zone (an `include:` of
//! a provider, an `a:` of another host) or reverse DNS (`ptr`) cannot be evaluated: it is
//! *unknown*, and the verdict says which names made it so and what the result would be if those
//! terms did not match.

use std::net::IpAddr;
use std::sync::Arc;

use crate::model::dns::Resolution;
use crate::model::{Parsed, Server};
use crate::parse::spf::{
    self, MacroKind, MacroString, Mechanism, Modifier, Qualifier, SpfRecord, TermKind,
};
use crate::parse::txt::TxtText;
use crate::parse::zone::{RData, RType, Record, Zone};
use crate::source::Loc;
use crate::source::Span;

/// RFC 7208 §4.6.4: at most 10 terms that query DNS.
pub const MAX_LOOKUPS: usize = 10;
/// RFC 7208 §4.6.4: at most 2 queries that find nothing (recommended default).
pub const MAX_VOID_LOOKUPS: usize = 2;
/// At most 10 MX hosts looked up per `mx` term (RFC 7208 §4.6.4: more is a permanent error).
const MAX_MX_HOSTS: usize = 10;

/// The answer to an MX query through the local zones ([`Server::mx_answer`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MxAnswer {
    /// The exchange names, `""` for a null MX (`MX 0 .`); empty when the name has no MX
    /// record.
    Hosts(Vec<String>),
    /// The query (perhaps after CNAMEs) leaves the local zones, or reaches a zone that does
    /// not parse: its answer is unknown offline.
    Unknown(String),
}
/// Recursion guard for includes and redirects (the lookup limit stops loops in practice).
const MAX_DEPTH: usize = 12;
/// [`Server::count_spf_lookups`] stops following includes past this many lookups (a record that
/// includes the same names many times over would otherwise take exponential time).
const COUNT_CAP: usize = 100;

/// A TXT record of a local zone that is an SPF record.
#[derive(Clone, Debug)]
pub struct SpfAt<'a> {
    pub zone: &'a Parsed<Zone>,
    pub record: &'a Record,
    /// The joined value with its map back to the file.
    pub text: Arc<TxtText>,
    pub spf: Arc<SpfRecord>,
}

impl SpfAt<'_> {
    /// A span of the record's value as a location in the zone file.
    pub fn loc(&self, span: Span) -> Loc {
        self.zone.loc(self.text.file_span_of(span))
    }

    /// The whole record (owner to data).
    pub fn record_loc(&self) -> Loc {
        let r = self.record;
        self.zone
            .loc(r.owner.span.unwrap_or(r.rtype_span).join(r.rdata_span))
    }
}

/// The result of `check_host()` (RFC 7208 §2.6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    Fail,
    SoftFail,
    Neutral,
    /// No SPF record.
    None,
    PermError(String),
}

impl Outcome {
    fn of(q: Qualifier) -> Outcome {
        match q {
            Qualifier::Pass => Outcome::Pass,
            Qualifier::Fail => Outcome::Fail,
            Qualifier::SoftFail => Outcome::SoftFail,
            Qualifier::Neutral => Outcome::Neutral,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::SoftFail => "softfail",
            Outcome::Neutral => "neutral",
            Outcome::None => "none",
            Outcome::PermError(_) => "permerror",
        }
    }
}

/// An offline verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// The result, assuming the unknown terms did not match.
    pub outcome: Outcome,
    /// Names whose zones are not in the tree, met before the result was decided: one of them
    /// might have matched first (an external `include:` might authorise the address).
    pub unknown: Vec<String>,
    /// Names outside the local zones whose SPF records were read from public DNS
    /// (`--resolve`).
    pub public: Vec<String>,
    /// The term that decided, if one did: the domain whose record holds it and its text.
    pub decided_by: Option<(String, String)>,
}

impl Verdict {
    pub fn is_certain(&self) -> bool {
        self.unknown.is_empty()
    }
}

/// What a mechanism does for an address.
enum Match {
    Yes,
    No,
    /// Needs a name outside the local zones.
    Unknown(String),
}

/// The state of one evaluation.
struct Eval<'a> {
    s: &'a Server,
    ip: IpAddr,
    sender_domain: String,
    helo: String,
    lookups: usize,
    voids: usize,
    /// Names read from public DNS (`--resolve`).
    public: Vec<String>,
    unknown: Vec<String>,
}

impl Server {
    /// The SPF records (TXT records starting `v=spf1`) at `name`; `None` when no local zone
    /// holds the name (its DNS is hosted elsewhere).
    pub fn spf_records<'a>(&'a self, name: &str) -> Option<Vec<SpfAt<'a>>> {
        self.zone_of(name)?;
        Some(
            self.records_of(name, RType::Txt)
                .into_iter()
                .filter_map(|r| {
                    let reading = self.txt.get(r.record).filter(|t| t.is_spf)?;
                    Some(SpfAt {
                        zone: r.zone,
                        record: r.record,
                        text: reading.text.clone(),
                        spf: reading.spf.clone()?,
                    })
                })
                .collect(),
        )
    }

    /// The address this server sends a domain's mail from (`etc/mailips` entry for the domain,
    /// else its `*` entry, else the main address), as the Internet sees it: a private address
    /// with a `var/cpanel/cpnat` entry is replaced by its public side.
    pub fn mail_ip(&self, domain: &str) -> Option<IpAddr> {
        let from_mailips = self.mailips.as_ref().and_then(|m| {
            m.doc
                .get(domain)
                .or_else(|| m.doc.default_entry())
                .and_then(|e| e.value.trim().parse::<IpAddr>().ok())
        });
        let ip = from_mailips.or(self.identity.main_ip)?;
        let public = self.address_files.cpnat.as_ref().and_then(|nat| {
            nat.doc
                .entries()
                .find(|e| e.ip == ip)
                .and_then(|e| e.second.map(|(p, _)| p))
        });
        Some(public.unwrap_or(ip))
    }

    /// What an MX query for `name` returns, as a resolver answers it: when the name is a
    /// CNAME, the MX records of the name it points to (followed through the local zones, at most
    /// [`crate::model::dns::MAX_CNAME_HOPS`]; a loop is no answer).
    pub fn mx_answer(&self, name: &str) -> MxAnswer {
        let mut current = name.trim_end_matches('.').to_ascii_lowercase();
        for _ in 0..=crate::model::dns::MAX_CNAME_HOPS {
            if self.zone_of(&current).is_none() {
                return MxAnswer::Unknown(current);
            }
            let here = self.records_at(&current);
            let mut hosts = Vec::new();
            let mut has_mx = false;
            let mut cname = None;
            for r in &here {
                match &r.record.data {
                    RData::Mx { exchange, .. } => {
                        has_mx = true;
                        hosts.push(if exchange.is_root() {
                            String::new()
                        } else {
                            exchange.name.clone()
                        });
                    }
                    RData::Cname(t) => cname = cname.or(Some(t.name.clone())),
                    _ => {}
                }
            }
            match cname {
                Some(target) if !has_mx && target != current => current = target,
                _ => return MxAnswer::Hosts(hosts),
            }
        }
        MxAnswer::Hosts(Vec::new())
    }

    /// The HELO name this server uses for a domain (`etc/mailhelo`, else the host name).
    pub fn mail_helo(&self, domain: &str) -> String {
        self.mailhelo
            .as_ref()
            .and_then(|m| m.doc.get(domain).or_else(|| m.doc.default_entry()))
            .map(|e| e.value.trim().to_ascii_lowercase())
            .or_else(|| self.identity.hostname.as_ref().map(|h| h.value.clone()))
            .unwrap_or_default()
    }

    /// `check_host(ip, domain, postmaster@domain)` evaluated through the local zones.
    pub fn check_spf(&self, domain: &str, ip: IpAddr) -> Verdict {
        let mut e = Eval {
            s: self,
            ip,
            sender_domain: domain.to_string(),
            helo: self.mail_helo(domain),
            lookups: 0,
            voids: 0,
            unknown: Vec::new(),
            public: Vec::new(),
        };
        let (outcome, decided_by) = e.check_host(domain, 0);
        Verdict {
            outcome,
            unknown: e.unknown,
            public: e.public,
            decided_by,
        }
    }
}

impl Eval<'_> {
    fn check_host(&mut self, domain: &str, depth: usize) -> (Outcome, Option<(String, String)>) {
        if depth > MAX_DEPTH {
            return (
                Outcome::PermError(format!("includes nested too deep at {domain}")),
                None,
            );
        }
        // The local zones first; a name outside them is read from public DNS (`--resolve`),
        // else it is unknown.
        let records: Vec<Arc<SpfRecord>> = match self.s.spf_records(domain) {
            Some(r) => r.into_iter().map(|r| r.spf).collect(),
            None => match self.s.public_spf_records(domain) {
                Some(r) => {
                    if !self.public.iter().any(|p| p == domain) {
                        self.public.push(domain.to_string());
                    }
                    r
                }
                None => {
                    self.unknown.push(domain.to_string());
                    return (Outcome::None, None);
                }
            },
        };
        let rec = match records.as_slice() {
            [] => return (Outcome::None, None),
            [one] => one.clone(),
            _ => {
                return (
                    Outcome::PermError(format!("{domain} has several SPF records")),
                    None,
                );
            }
        };
        if rec.errors().next().is_some() {
            return (
                Outcome::PermError(format!("the SPF record of {domain} has a syntax error")),
                None,
            );
        }
        let spf = &*rec;
        // RFC 7208 §6: `redirect=` and `exp=` at most once each, else permerror.
        for name in ["redirect", "exp"] {
            let n = spf
                .modifiers()
                .filter(|(_, m)| m.name() == name && !matches!(m, Modifier::Unknown { .. }))
                .count();
            if n > 1 {
                return (
                    Outcome::PermError(format!(
                        "the SPF record of {domain} has `{name}=` {n} times"
                    )),
                    None,
                );
            }
        }
        for (term, mech) in spf.mechanisms() {
            if mech.needs_dns() {
                self.lookups += 1;
                if self.lookups > MAX_LOOKUPS {
                    return (Outcome::PermError("more than 10 DNS lookups".into()), None);
                }
            }
            let m = match self.matches(mech, domain, depth) {
                Ok(m) => m,
                Err(perm) => {
                    return (
                        perm,
                        Some((domain.to_string(), spf.slice(term.span).to_string())),
                    );
                }
            };
            match m {
                Match::Yes => {
                    let q = term.qualifier.map_or(Qualifier::Pass, |(q, _)| q);
                    return (
                        Outcome::of(q),
                        Some((domain.to_string(), spf.slice(term.span).to_string())),
                    );
                }
                Match::No => {}
                Match::Unknown(name) => self.unknown.push(name),
            }
            if self.voids > MAX_VOID_LOOKUPS {
                return (Outcome::PermError("more than 2 void lookups".into()), None);
            }
        }
        // RFC 7208 §6.1: `redirect` is ignored when the record has `all`.
        if spf.all().is_none()
            && let Some((_, target)) = spf.redirect()
        {
            self.lookups += 1;
            if self.lookups > MAX_LOOKUPS {
                return (Outcome::PermError("more than 10 DNS lookups".into()), None);
            }
            let Some(target) = self.expand(target, domain) else {
                self.unknown.push(target.raw.clone());
                return (Outcome::Neutral, None);
            };
            return match self.check_host(&target, depth + 1) {
                (Outcome::None, d)
                    if self.s.spf_records(&target).is_some()
                        || self.s.public_spf_records(&target).is_some() =>
                {
                    (
                        Outcome::PermError(format!(
                            "redirect to {target}, which has no SPF record"
                        )),
                        d,
                    )
                }
                r => r,
            };
        }
        (Outcome::Neutral, None)
    }

    fn matches(&mut self, mech: &Mechanism, domain: &str, depth: usize) -> Result<Match, Outcome> {
        let target = |e: &Self, spec: &Option<MacroString>| -> Option<String> {
            match spec {
                Some(s) => e.expand(s, domain),
                None => Some(domain.to_string()),
            }
        };
        Ok(match mech {
            Mechanism::All => Match::Yes,
            Mechanism::Ip4 { addr, prefix, .. } => {
                let bits = prefix.map_or(32, |p| p.len);
                bool_match(
                    matches!(self.ip, IpAddr::V4(ip) if in_prefix(&ip.octets(), &addr.octets(), bits)),
                )
            }
            Mechanism::Ip6 { addr, prefix, .. } => {
                let bits = prefix.map_or(128, |p| p.len);
                bool_match(
                    matches!(self.ip, IpAddr::V6(ip) if in_prefix(&ip.octets(), &addr.octets(), bits)),
                )
            }
            Mechanism::A { domain: spec, cidr } => {
                let Some(name) = target(self, spec) else {
                    return Ok(Match::Unknown(
                        spec.as_ref().map_or_else(String::new, |s| s.raw.clone()),
                    ));
                };
                match self.addresses(&name) {
                    Some(addrs) => bool_match(addrs.iter().any(|a| self.cidr_match(a, cidr))),
                    None => Match::Unknown(name),
                }
            }
            Mechanism::Mx { domain: spec, cidr } => {
                let Some(name) = target(self, spec) else {
                    return Ok(Match::Unknown(
                        spec.as_ref().map_or_else(String::new, |s| s.raw.clone()),
                    ));
                };
                let hosts: Vec<String> = match self.s.mx_answer(&name) {
                    MxAnswer::Hosts(hosts) => hosts.into_iter().filter(|h| !h.is_empty()).collect(),
                    MxAnswer::Unknown(name) => return Ok(Match::Unknown(name)),
                };
                // RFC 7208 §4.6.4: an `mx` term that needs more than 10 address lookups is a
                // permanent error.
                if hosts.len() > MAX_MX_HOSTS {
                    return Err(Outcome::PermError(format!(
                        "{name} has {} MX hosts, more than the 10 an `mx` term may look up",
                        hosts.len()
                    )));
                }
                if hosts.is_empty() {
                    self.voids += 1;
                    return Ok(Match::No);
                }
                let mut unknown = None;
                for h in hosts {
                    match self.addresses(&h) {
                        Some(addrs) if addrs.iter().any(|a| self.cidr_match(a, cidr)) => {
                            return Ok(Match::Yes);
                        }
                        Some(_) => {}
                        None => unknown = unknown.or(Some(h)),
                    }
                }
                match unknown {
                    Some(h) => Match::Unknown(h),
                    None => Match::No,
                }
            }
            Mechanism::Ptr(_) => Match::Unknown("reverse DNS (ptr)".into()),
            Mechanism::Include(spec) => {
                let Some(name) = self.expand(spec, domain) else {
                    return Ok(Match::Unknown(spec.raw.clone()));
                };
                // Outside the local zones: known only from public DNS (`--resolve`).
                if self.s.zone_of(&name).is_none() && self.s.public_spf_records(&name).is_none() {
                    return Ok(Match::Unknown(name));
                }
                match self.check_host(&name, depth + 1).0 {
                    Outcome::Pass => Match::Yes,
                    Outcome::Fail | Outcome::SoftFail | Outcome::Neutral => Match::No,
                    Outcome::None => {
                        return Err(Outcome::PermError(format!(
                            "include:{name}, which has no SPF record"
                        )));
                    }
                    e @ Outcome::PermError(_) => return Err(e),
                }
            }
            Mechanism::Exists(spec) => {
                let Some(name) = self.expand(spec, domain) else {
                    return Ok(Match::Unknown(spec.raw.clone()));
                };
                if self.s.zone_of(&name).is_none() {
                    return Ok(Match::Unknown(name));
                }
                let found = !self.s.records_of(&name, RType::A).is_empty();
                if !found {
                    self.voids += 1;
                }
                bool_match(found)
            }
        })
    }

    /// The addresses of a name through the local zones; `None` when outside them. A name with
    /// no address counts as a void lookup.
    fn addresses(&mut self, name: &str) -> Option<Vec<IpAddr>> {
        match self.s.resolve(name) {
            Resolution::Addresses { addrs, .. } => Some(addrs),
            Resolution::Server(crate::model::dns::ServerBy::MxName(ip)) => {
                Some(vec![IpAddr::V4(ip)])
            }
            Resolution::Server(_) => Some(self.s.identity.addresses.keys().copied().collect()),
            Resolution::External { .. } | Resolution::Unusable { .. } => None,
            Resolution::Dangling { .. } | Resolution::CnameLoop { .. } => {
                self.voids += 1;
                Some(Vec::new())
            }
        }
    }

    fn cidr_match(&self, addr: &IpAddr, cidr: &spf::DualCidr) -> bool {
        match (self.ip, addr) {
            (IpAddr::V4(ip), IpAddr::V4(a)) => {
                in_prefix(&ip.octets(), &a.octets(), cidr.v4.map_or(32, |p| p.len))
            }
            (IpAddr::V6(ip), IpAddr::V6(a)) => {
                in_prefix(&ip.octets(), &a.octets(), cidr.v6.map_or(128, |p| p.len))
            }
            _ => false,
        }
    }

    /// Expands a domain-spec's macros (RFC 7208 §7) for this evaluation; the sender is
    /// `postmaster@<domain>`. `None` when a macro's value is unknown offline.
    fn expand(&self, spec: &MacroString, domain: &str) -> Option<String> {
        if !spec.has_macros() {
            return spec.domain();
        }
        let mut out = String::new();
        let mut last = spec.span.start as usize;
        let raw_start = spec.span.start as usize;
        for m in &spec.macros {
            let s = m.span.start as usize - raw_start;
            out.push_str(&spec.raw[last - raw_start..s]);
            last = m.span.end as usize;
            match &m.kind {
                MacroKind::Percent => out.push('%'),
                MacroKind::Space => out.push(' '),
                MacroKind::UrlSpace => out.push_str("%20"),
                MacroKind::Expand {
                    letter,
                    digits,
                    reverse,
                    delimiters,
                    ..
                } => {
                    let value = match letter {
                        's' => format!("postmaster@{}", self.sender_domain),
                        'l' => "postmaster".to_string(),
                        'o' => self.sender_domain.clone(),
                        'd' => domain.to_string(),
                        'i' => match self.ip {
                            IpAddr::V4(ip) => ip.to_string(),
                            IpAddr::V6(ip) => ip
                                .octets()
                                .iter()
                                .flat_map(|b| [b >> 4, b & 0xf])
                                .map(|n| format!("{n:x}"))
                                .collect::<Vec<_>>()
                                .join("."),
                        },
                        'v' => match self.ip {
                            IpAddr::V4(_) => "in-addr".to_string(),
                            IpAddr::V6(_) => "ip6".to_string(),
                        },
                        'h' => self.helo.clone(),
                        // `p` needs reverse DNS; `c`, `r`, `t` are for explanations only.
                        _ => return None,
                    };
                    let delims: Vec<char> = if delimiters.is_empty() {
                        vec!['.']
                    } else {
                        delimiters.chars().collect()
                    };
                    let mut parts: Vec<&str> = value.split(|c| delims.contains(&c)).collect();
                    if *reverse {
                        parts.reverse();
                    }
                    if let Some(n) = digits {
                        let n = (*n as usize).min(parts.len());
                        parts = parts.split_off(parts.len() - n);
                    }
                    out.push_str(&parts.join("."));
                }
            }
        }
        out.push_str(&spec.raw[last - raw_start..]);
        Some(out.trim_end_matches('.').to_ascii_lowercase())
    }
}

fn bool_match(b: bool) -> Match {
    if b { Match::Yes } else { Match::No }
}

/// Whether the first `bits` bits of two addresses agree.
fn in_prefix(a: &[u8], b: &[u8], bits: u8) -> bool {
    let bits = bits as usize;
    let full = bits / 8;
    if a[..full.min(a.len())] != b[..full.min(b.len())] {
        return false;
    }
    let rest = bits % 8;
    if rest == 0 || full >= a.len() {
        return true;
    }
    let mask = 0xffu8 << (8 - rest);
    a[full] & mask == b[full] & mask
}

/// The DNS-querying terms of a domain's SPF record, counted through the includes and redirects
/// that local zones hold (RFC 7208 §4.6.4), whatever the address.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LookupCount {
    pub lookups: usize,
    /// Included or redirected names outside the local zones: each counted once, though its own
    /// record may add more ("at least").
    pub external: Vec<String>,
    /// Terms whose target is known, from local zones, not to exist (void lookups).
    pub voids: Vec<String>,
    /// Names whose record includes or redirects back to itself (directly or through others):
    /// evaluating it never ends before the lookup limit.
    pub loops: Vec<String>,
    /// Names outside the local zones whose records were counted from public DNS (`--resolve`).
    pub public: Vec<String>,
}

impl Server {
    /// Counts the lookups and void lookups of `domain`'s SPF record.
    pub fn count_spf_lookups(&self, domain: &str) -> LookupCount {
        let mut c = LookupCount::default();
        let mut path = Vec::new();
        self.count_into(domain, &mut c, &mut path, 0);
        c
    }

    /// Counts `domain`'s record into `c`. `path` holds the names being counted (the includes
    /// that led here): a name met again on it is a loop. A name included twice from different
    /// places is counted twice, as evaluators do.
    fn count_into(&self, domain: &str, c: &mut LookupCount, path: &mut Vec<String>, depth: usize) {
        if path.iter().any(|s| s == domain) {
            if !c.loops.iter().any(|l| l == domain) {
                c.loops.push(domain.to_string());
            }
            return;
        }
        if depth > MAX_DEPTH || c.lookups > COUNT_CAP {
            return;
        }
        let Some(records) = self.spf_records(domain) else {
            return;
        };
        let [rec] = records.as_slice() else { return };
        path.push(domain.to_string());
        self.count_record(domain, &rec.spf, c, path, depth);
        path.pop();
    }

    /// Counts a record public DNS serves (`--resolve`) for a name outside the local zones, as
    /// [`Server::count_into`] counts a local one.
    fn count_public(
        &self,
        name: &str,
        records: &[Arc<SpfRecord>],
        c: &mut LookupCount,
        path: &mut Vec<String>,
        depth: usize,
    ) {
        if path.iter().any(|s| s == name) {
            if !c.loops.iter().any(|l| l == name) {
                c.loops.push(name.to_string());
            }
            return;
        }
        if depth > MAX_DEPTH || c.lookups > COUNT_CAP {
            return;
        }
        if !c.public.iter().any(|p| p == name) {
            c.public.push(name.to_string());
        }
        let [rec] = records else { return };
        path.push(name.to_string());
        self.count_record(name, rec, c, path, depth);
        path.pop();
    }

    fn count_record(
        &self,
        domain: &str,
        spf: &SpfRecord,
        c: &mut LookupCount,
        path: &mut Vec<String>,
        depth: usize,
    ) {
        for term in &spf.terms {
            let TermKind::Mechanism(m) = &term.kind else {
                continue;
            };
            if !m.needs_dns() {
                continue;
            }
            c.lookups += 1;
            let name = match m.domain() {
                Some(spec) => spec.domain(),
                None => Some(domain.to_string()),
            };
            let Some(name) = name else { continue };
            let local = self.zone_of(&name).is_some();
            let void = match m {
                Mechanism::Include(_) if local => {
                    self.count_into(&name, c, path, depth + 1);
                    false
                }
                // Outside the local zones: followed through public DNS (`--resolve`).
                Mechanism::Include(_) => match self.public_spf_records(&name) {
                    Some(records) => {
                        self.count_public(&name, &records, c, path, depth + 1);
                        records.is_empty() && self.public_txt_void(&name)
                    }
                    None => {
                        c.external.push(name.clone());
                        false
                    }
                },
                Mechanism::A { .. } if local => {
                    matches!(self.resolve(&name), Resolution::Dangling { .. })
                }
                Mechanism::Mx { .. } if local => {
                    self.mx_answer(&name) == MxAnswer::Hosts(Vec::new())
                }
                Mechanism::Exists(_) if local => self.records_of(&name, RType::A).is_empty(),
                _ => false,
            };
            if void {
                c.voids.push(name);
            }
        }
        if spf.all().is_none()
            && let Some((_, target)) = spf.redirect()
        {
            c.lookups += 1;
            if let Some(name) = target.domain() {
                if self.zone_of(&name).is_some() {
                    self.count_into(&name, c, path, depth + 1);
                } else if let Some(records) = self.public_spf_records(&name) {
                    self.count_public(&name, &records, c, path, depth + 1);
                    if records.is_empty() && self.public_txt_void(&name) {
                        c.voids.push(name);
                    }
                } else {
                    c.external.push(name);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes() {
        assert!(in_prefix(&[192, 0, 2, 10], &[192, 0, 2, 0], 24));
        assert!(!in_prefix(&[192, 0, 3, 10], &[192, 0, 2, 0], 24));
        assert!(!in_prefix(&[192, 0, 2, 10], &[192, 0, 2, 12], 31));
        assert!(in_prefix(&[192, 0, 2, 10], &[192, 0, 2, 11], 28));
        assert!(in_prefix(&[1, 2, 3, 4], &[9, 9, 9, 9], 0));
        assert!(in_prefix(&[192, 0, 2, 10], &[192, 0, 2, 10], 32));
    }
}
