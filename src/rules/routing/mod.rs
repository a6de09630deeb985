//! RT — email routing: the three routing lists, cPanel's manual settings, and the MX records
//! that cPanel's "Automatically Detect" would read (RULES.md, cpanel.md §2).
//!
//! Rules that compare configuration with detection judge only domains whose zone is in the tree
//! and whose detection is decided. Each problem is reported once, whatever the manual setting
//! says:
//!
//! | lists (configured) | detection | finding |
//! |---|---|---|
//! | none | any | RT004 |
//! | local | remote or secondary | RT001 |
//! | remote | local | RT002 |
//! | remote | secondary | RT010 (error) |
//! | secondary | local or remote | RT010 |
//! | local, remote or secondary | the same, or undecided | RT006 if the manual setting differs |
//!
//! RT001, RT002, RT004 and RT010 name a manual setting that disagrees (a related location on
//! its `MXCHECK-` line) instead of a separate RT006, and their fixes leave the lists, the MX
//! records and the manual setting in agreement, so that one fix leaves no other routing finding
//! behind. The list rules need `etc/localdomains`; they do not run on account backups, which
//! carry no routing lists.

use crate::finding::{Edit, Finding, Fix, Loc};
use crate::model::dns::{Detection, Routing};
use crate::model::{Account, Manual, RoutingList, RoutingLists, Server, lists};
use crate::parse::valiases::DestKind;
use crate::providers::{self, Gateway};
use crate::rules::edit;
use crate::rules::{Rule, Selection};
use crate::text::join_and;

/// The family of these rules in `maillint rules` (used by `rule!`).
const FAMILY: &str = "routing";

mod rt001_external_mx_local_delivery;
mod rt002_local_mx_remote_delivery;
mod rt003_routing_list_conflict;
mod rt004_unrouted_domain;
mod rt005_orphan_routing_entry;
mod rt006_manual_routing_drift;
mod rt007_invalid_mxcheck_value;
mod rt008_stale_mxcheck_key;
mod rt009_hostname_not_local;
mod rt010_backup_mx_mismatch;
mod rt011_zone_served_elsewhere;
mod rt012_manualmx_override;
mod rt013_public_routing_mismatch;
mod rt014_stale_local_zone;

pub use rt001_external_mx_local_delivery::RT001;
pub use rt002_local_mx_remote_delivery::RT002;
pub use rt003_routing_list_conflict::RT003;
pub use rt004_unrouted_domain::RT004;
pub use rt005_orphan_routing_entry::RT005;
pub use rt006_manual_routing_drift::RT006;
pub use rt007_invalid_mxcheck_value::RT007;
pub use rt008_stale_mxcheck_key::RT008;
pub use rt009_hostname_not_local::RT009;
pub use rt010_backup_mx_mismatch::RT010;
pub use rt011_zone_served_elsewhere::RT011;
pub use rt012_manualmx_override::RT012;
pub use rt013_public_routing_mismatch::RT013;
pub use rt014_stale_local_zone::RT014;

pub static RULES: &[&Rule] = &[
    &RT001, &RT002, &RT003, &RT004, &RT005, &RT006, &RT007, &RT008, &RT009, &RT010, &RT011, &RT012,
    &RT013, &RT014,
];

const LOCAL: &str = "etc/localdomains";
const REMOTE: &str = "etc/remotedomains";
const SECONDARY: &str = "etc/secondarymx";
const UPDATE: &str =
    "then run /usr/local/cpanel/scripts/updateuserdomains (cPanel rebuilds its caches)";

/// The rules judged per account domain, with the domain's routing detection.
static PER_DOMAIN: &[&Rule] = &[&RT001, &RT002, &RT004, &RT006, &RT010, &RT013, &RT014];

pub fn check(s: &Server, sel: &Selection, out: &mut Vec<Finding>) {
    if sel.on(&RT007) {
        rt007_invalid_mxcheck_value::check(s, out);
    }
    if sel.on(&RT008) {
        rt008_stale_mxcheck_key::check(s, out);
    }
    if s.is_account_backup() || s.lists.local.is_none() {
        return;
    }
    if PER_DOMAIN.iter().any(|r| sel.on(r)) {
        for d in s.domains.values() {
            let Some(account) = s.accounts.get(&d.user) else {
                continue;
            };
            let det = s.detect_routing(&d.name);
            let c = Ctx {
                s,
                account,
                domain: &d.name,
                det: &det,
            };
            if sel.on(&RT001) {
                rt001_external_mx_local_delivery::check(&c, out);
            }
            if sel.on(&RT002) {
                rt002_local_mx_remote_delivery::check(&c, out);
            }
            if sel.on(&RT004) {
                rt004_unrouted_domain::check(&c, out);
            }
            if sel.on(&RT006) {
                rt006_manual_routing_drift::check(&c, out);
            }
            if sel.on(&RT010) {
                rt010_backup_mx_mismatch::check(&c, out);
            }
            if sel.on(&RT013) {
                rt013_public_routing_mismatch::check(&c, out);
            }
            if sel.on(&RT014) {
                rt014_stale_local_zone::check(&c, out);
            }
        }
    }
    if sel.on(&RT003) {
        rt003_routing_list_conflict::check(s, out);
    }
    if sel.on(&RT005) {
        rt005_orphan_routing_entry::check(s, out);
    }
    if sel.on(&RT009) {
        rt009_hostname_not_local::check(s, out);
    }
    if sel.on(&RT011) {
        rt011_zone_served_elsewhere::check(s, out);
    }
    if sel.on(&RT012) {
        rt012_manualmx_override::check(s, out);
    }
}

/// The fix that makes an account domain local, as RT002's does (the routing lists, the manual
/// setting back to Automatically Detect), and removes its `etc/manualmx` line (RT012's fix):
/// for LOG004, whose logs show that the domain's MX points to this server. `None` when the
/// domain belongs to no account.
pub(crate) fn local_fix(s: &Server, domain: &str, message: String) -> Option<Fix> {
    let info = s.domains.get(domain)?;
    let account = s.accounts.get(&info.user)?;
    let mut fix = routing_fix(
        s,
        account,
        domain,
        Routing::Local,
        ManualWrite::Auto,
        Fix::unsafe_(message),
    );
    if let Some(mm) = &s.manualmx
        && mm.doc.entries().any(|e| e.key.eq_ignore_ascii_case(domain))
    {
        fix = fix.edits(edit::colon_remove(mm, domain));
    }
    Some(fix)
}

/// What to do with the `MXCHECK-` key of a routing fix.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ManualWrite {
    Keep,
    /// Remove the key: Automatically Detect.
    Auto,
    /// Write `MXCHECK-<domain>=value` (`0` for local, as cPanel writes it).
    Value(&'static str),
}

/// The fix that makes the routing lists (and optionally the manual setting) state `target`.
/// The unsafe fix of a domain listed local whose mail goes elsewhere (RT001 from the zone, RT013
/// from public DNS): route it as `detected` says, pinned with its manual setting whatever the
/// setting was (Automatically Detect included: cPanel does not detect again by itself).
fn route_away(c: &Ctx<'_>, detected: Routing, manual: Manual) -> Fix {
    let d = c.domain;
    let write = if manual_routing(manual) == Some(detected) {
        ManualWrite::Keep
    } else {
        ManualWrite::Value(manual_value(detected))
    };
    let pin = match write {
        ManualWrite::Value(v) => format!("MXCHECK-{d}={v}, "),
        _ => String::new(),
    };
    let message = match detected {
        Routing::Secondary => format!(
            "route {d} as a backup MX: {pin}remove it from etc/localdomains, add it to etc/remotedomains and etc/secondarymx"
        ),
        _ => format!(
            "route {d} remotely: {pin}remove it from etc/localdomains, add it to etc/remotedomains"
        ),
    };
    routing_fix(c.s, c.account, d, detected, write, Fix::unsafe_(message))
}

fn routing_fix(
    s: &Server,
    account: &Account,
    domain: &str,
    target: Routing,
    manual: ManualWrite,
    fix: Fix,
) -> Fix {
    let l = &s.lists;
    let mut edits: Vec<Edit> = Vec::new();
    let (want_local, want_remote, want_secondary) = match target {
        Routing::Local => (true, false, false),
        Routing::Remote => (false, true, false),
        Routing::Secondary => (false, true, true),
    };
    for (want, list, path) in [
        (want_local, &l.local, LOCAL),
        (want_remote, &l.remote, REMOTE),
        (want_secondary, &l.secondary, SECONDARY),
    ] {
        let present = lists::list_contains(list.as_ref(), domain);
        match (want, present, list) {
            (false, true, Some(list)) => edits.extend(edit::list_remove(list, domain)),
            (true, false, _) => edits.push(edit::list_append(list.as_deref(), path, domain)),
            _ => {}
        }
    }
    let key = format!("MXCHECK-{domain}");
    let mut cpuser_edited = false;
    if let Some(cp) = &account.cpuser {
        let value = match manual {
            ManualWrite::Keep => None,
            ManualWrite::Auto => Some(None),
            ManualWrite::Value(v) => Some(Some(v)),
        };
        if let Some(v) = value {
            let e = edit::cpuser_set(cp, &key, v);
            cpuser_edited = !e.is_empty();
            edits.extend(e);
        }
    }
    let mut fix = fix.edits(edits);
    if cpuser_edited {
        fix = edit::with_cpuser_cache(fix, account);
    }
    let mxcheck = match manual {
        ManualWrite::Keep => match account.manual(domain) {
            Manual::Local => "local",
            Manual::Remote => "remote",
            Manual::Secondary => "secondary",
            _ => "auto",
        },
        ManualWrite::Auto => "auto",
        ManualWrite::Value("0") => "local",
        ManualWrite::Value(v) => v,
    };
    fix.command(format!(
        "cPanel does the same with: uapi --user={} Email set_always_accept domain={domain} mxcheck={mxcheck}",
        account.user
    ))
    .command(UPDATE)
}

fn routing_name(r: Option<Routing>) -> &'static str {
    match r {
        Some(Routing::Local) => "local (etc/localdomains)",
        Some(Routing::Remote) => "remote (etc/remotedomains)",
        Some(Routing::Secondary) => "backup MX (etc/remotedomains and etc/secondarymx)",
        None => "in no routing list",
    }
}

fn manual_name(m: Manual) -> &'static str {
    match m {
        Manual::Auto | Manual::Legacy | Manual::Invalid => "Automatically Detect",
        Manual::Local => "Local Mail Exchanger",
        Manual::Remote => "Remote Mail Exchanger",
        Manual::Secondary => "Backup Mail Exchanger",
    }
}

/// The routing a manual setting asks for: `None` for Automatically Detect, and for legacy and
/// invalid values, which cPanel's live code reads as Automatically Detect.
fn manual_routing(m: Manual) -> Option<Routing> {
    match m {
        Manual::Local => Some(Routing::Local),
        Manual::Remote => Some(Routing::Remote),
        Manual::Secondary => Some(Routing::Secondary),
        Manual::Auto | Manual::Legacy | Manual::Invalid => None,
    }
}

/// The `MXCHECK-` value cPanel writes for a routing (`0` for local).
fn manual_value(r: Routing) -> &'static str {
    match r {
        Routing::Local => "0",
        Routing::Remote => "remote",
        Routing::Secondary => "secondary",
    }
}

/// The manual-setting write of a fix that routes a domain as `target`: a manual setting that
/// asks for something else is replaced with `target`'s; Automatically Detect, and a setting that
/// already asks for `target`, are kept.
fn manual_follows(m: Manual, target: Routing) -> ManualWrite {
    match manual_routing(m) {
        Some(r) if r != target => ManualWrite::Value(manual_value(target)),
        _ => ManualWrite::Keep,
    }
}

struct Ctx<'a> {
    s: &'a Server,
    account: &'a Account,
    domain: &'a str,
    det: &'a Detection<'a>,
}

impl Ctx<'_> {
    fn manual(&self) -> Manual {
        self.account.manual(self.domain)
    }

    fn configured(&self) -> Option<Routing> {
        self.s.lists.configured(self.domain)
    }

    /// Related location: the `MXCHECK-` line of a manual setting (Local, Remote or Backup Mail
    /// Exchanger), with what it means, for the findings that name it.
    fn with_manual(&self, f: Finding, meaning: &str) -> Finding {
        let m = self.manual();
        let Some(entry) = self.account.mxcheck.get(self.domain) else {
            return f;
        };
        if manual_routing(m).is_none() {
            return f;
        }
        f.related(
            entry.value_loc.clone(),
            format!("set to {} by hand: {meaning}", manual_name(m)),
        )
    }

    /// The inbound filtering gateways that are all of the lowest-preference MX targets, or none
    /// when any of them is not a known gateway (or is this server).
    fn primary_gateways(&self) -> Vec<Gateway> {
        let Some(first) = self.det.mx.first() else {
            return Vec::new();
        };
        let mut out: Vec<Gateway> = Vec::new();
        for m in self
            .det
            .mx
            .iter()
            .filter(|m| m.preference == first.preference)
        {
            if m.local || m.record.is_none() {
                return Vec::new();
            }
            match providers::gateway_by_mx(&m.target) {
                Some(g) if !out.contains(&g) => out.push(g),
                Some(_) => {}
                None => return Vec::new(),
            }
        }
        out
    }

    fn finding(&self, rule: &'static Rule, message: String) -> Finding {
        Finding::new(rule, message)
            .domain(self.domain)
            .user(&self.account.user)
    }

    /// The lowest-preference MX targets, for messages ("mx1.example.net and mx2.example.net").
    fn primary_mx(&self) -> String {
        let Some(first) = self.det.mx.first() else {
            return "nowhere".into();
        };
        let names: Vec<&str> = self
            .det
            .mx
            .iter()
            .filter(|m| m.preference == first.preference)
            .map(|m| m.target.as_str())
            .collect();
        join_and(&names)
    }

    /// Related locations: the MX records detection read.
    fn with_mx(&self, mut f: Finding) -> Finding {
        for m in &self.det.mx {
            match &m.record {
                Some(r) => {
                    let what = if m.local {
                        "this server"
                    } else {
                        "not this server"
                    };
                    f = f.related(
                        r.loc(),
                        format!("MX {} {} ({what})", m.preference, m.target),
                    );
                }
                None => {
                    f = f.note(format!(
                        "{} has no MX record; mail goes to its own address (implicit MX)",
                        self.domain
                    ));
                }
            }
        }
        self.zone_caveat(f)
    }

    /// RT011's caveat on every detection-based finding.
    fn zone_caveat(&self, f: Finding) -> Finding {
        match self.s.zone_of(self.domain) {
            Some(z) if self.s.zone_served_here(z) == Some(false) => f.note(format!(
                "{} names other name servers than this server's: the Internet may see other MX records than this zone file (see RT011)",
                z.path()
            )),
            _ => f,
        }
    }

    fn list_loc(&self, list: Option<&RoutingList>) -> Option<Loc> {
        RoutingLists::entry(list, self.domain).map(|(l, span)| l.loc(span))
    }

    fn senders(&self, mut f: Finding) -> Finding {
        const MAX_FORWARDERS: usize = 5;
        const MAX_DOMAINS: usize = 3;
        let d = self.domain;
        let mut shown = 0;
        let mut more = 0;
        for (other, file) in &self.s.valiases {
            if other == d || !self.s.lists.in_local(other) {
                continue;
            }
            for e in file.doc.entries() {
                for dest in &e.destinations {
                    if let DestKind::Address { domain, local } = &dest.kind
                        && domain == d
                    {
                        if shown < MAX_FORWARDERS {
                            f = f.related(
                                file.loc(e.key_span.join(dest.span)),
                                format!("forwards {} to {local}@{d}", e.key),
                            );
                            shown += 1;
                        } else {
                            more += 1;
                        }
                    }
                }
            }
        }
        let mut others: Vec<&str> = Vec::new();
        let mut domains_shown = 0;
        for (name, info) in &self.s.domains {
            if info.user == self.account.user && name != d && self.s.is_mail_domain(name) {
                if domains_shown < MAX_DOMAINS
                    && let Some(loc) = &info.decl
                {
                    f = f.related(
                        loc.clone(),
                        format!("{name}, same account: its users send to {d} from here"),
                    );
                    domains_shown += 1;
                    continue;
                }
                others.push(name);
            }
        }
        if !others.is_empty() {
            more += others.len();
        }
        if more > 0 {
            f = f.note(format!(
                "and {more} more forwarders or domains on this server that send mail to {d}"
            ));
        }
        f
    }
}

/// Related locations: lines of the lists that name `domain` in a way Exim does not read as it.
fn misread_lines(s: &Server, domain: &str, mut f: Finding) -> Finding {
    for list in s.lists.iter() {
        for e in list.misread(domain) {
            f = f.related(
                list.loc(e.key),
                format!("names {domain}, but Exim does not read the line so (see CP003)"),
            );
        }
    }
    f
}
