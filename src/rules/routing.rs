//! RT — email routing: the three routing lists, cPanel's manual settings, and the MX records
//! that cPanel's "Automatically Detect" would read (RULES.md, cpanel.md §2).
//!
//! Rules that compare configuration with detection judge only domains whose zone is in the tree
//! and whose detection is decided. Each problem is reported once: a manual setting that disagrees
//! with the lists is RT006, not also RT001/RT002/RT010; a domain in no list is RT004, not also
//! RT006. The list rules need `etc/localdomains`; they do not run on account backups, which carry
//! no routing lists.

use std::collections::BTreeSet;

use crate::finding::{Edit, Finding, Fix, Loc, Severity};
use crate::fix::build;
use crate::model::dns::{Detection, Routing};
use crate::model::{Account, Manual, RoutingList, RoutingLists, Server, lists};
use crate::parse::valiases::DestKind;
use crate::rules::RuleInfo;

/// The family of these rules in `maillint rules` (used by `rule!`).
const FAMILY: &str = "routing";

pub const RULES: &[RuleInfo] = &[
    rule!(
        "RT001",
        "external-mx-local-delivery",
        Error,
        Some("warning when the manual setting is local"),
        Unsafe,
        "Delivered locally while the MX points elsewhere: mail sent from this server stays here."
    ),
    rule!(
        "RT002",
        "local-mx-remote-delivery",
        Error,
        None,
        Unsafe,
        "Configured remote while the MX points here: Exim refuses the domain's incoming mail."
    ),
    rule!(
        "RT003",
        "routing-list-conflict",
        Error,
        None,
        SafeOrUnsafe,
        "A domain in lists that contradict each other."
    ),
    rule!(
        "RT004",
        "unrouted-domain",
        Error,
        Some("warning unless detection says local"),
        Unsafe,
        "An account domain in none of the routing lists: Exim treats it as foreign."
    ),
    rule!(
        "RT005",
        "orphan-routing-entry",
        Warning,
        None,
        Unsafe,
        "A routing-list entry that is no account domain and not the host name."
    ),
    rule!(
        "RT006",
        "manual-routing-drift",
        Warning,
        None,
        Unsafe,
        "The manual routing setting disagrees with the lists: cPanel's next rebuild flips it."
    ),
    rule!(
        "RT007",
        "invalid-mxcheck-value",
        Error,
        Some("warning for the legacy values 1 and 2"),
        DisplayOnly,
        "An MXCHECK- value cPanel does not understand."
    ),
    rule!(
        "RT008",
        "stale-mxcheck-key",
        Info,
        None,
        Safe,
        "An MXCHECK- line for a domain the account does not own."
    ),
    rule!(
        "RT009",
        "hostname-not-local",
        Error,
        None,
        Safe,
        "The server host name is missing from etc/localdomains."
    ),
    rule!(
        "RT010",
        "backup-mx-mismatch",
        Warning,
        None,
        Unsafe,
        "Configured as backup MX, but the MX records say this server is the primary or no MX."
    ),
    rule!(
        "RT011",
        "zone-served-elsewhere",
        Warning,
        None,
        None,
        "The zone names none of this server's name servers: the Internet may see other records."
    ),
    rule!(
        "RT012",
        "manualmx-override",
        Warning,
        None,
        Unsafe,
        "etc/manualmx sends a local or account domain's mail to another host."
    ),
];

const LOCAL: &str = "etc/localdomains";
const REMOTE: &str = "etc/remotedomains";
const SECONDARY: &str = "etc/secondarymx";
const UPDATE: &str =
    "then run /usr/local/cpanel/scripts/updateuserdomains (cPanel rebuilds its caches)";

pub fn check(s: &Server, out: &mut Vec<Finding>) {
    mxcheck_values(s, out);
    if s.is_account_backup() || s.lists.local.is_none() {
        return;
    }
    for d in s.domains.values() {
        let Some(account) = s.accounts.get(&d.user) else {
            continue;
        };
        let det = s.detect_routing(&d.name);
        let ctx = Ctx {
            s,
            account,
            domain: &d.name,
            det: &det,
        };
        ctx.external_mx_local(out);
        ctx.local_mx_remote(out);
        ctx.unrouted(out);
        ctx.drift(out);
        ctx.backup_mismatch(out);
    }
    list_conflicts(s, out);
    orphans(s, out);
    hostname(s, out);
    zones_elsewhere(s, out);
    manualmx(s, out);
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
            (false, true, Some(list)) => edits.extend(build::list_remove(list, domain)),
            (true, false, _) => edits.push(build::list_append(list.as_deref(), path, domain)),
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
            let e = build::cpuser_set(cp, &key, v);
            cpuser_edited = !e.is_empty();
            edits.extend(e);
        }
    }
    let mut fix = fix.edits(edits);
    if cpuser_edited {
        fix = build::with_cpuser_cache(fix, account);
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

/// Settings that detection-based rules treat as "automatic" (legacy and invalid values are read
/// as auto by cPanel's live code).
fn is_auto(m: Manual) -> bool {
    matches!(m, Manual::Auto | Manual::Legacy | Manual::Invalid)
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

    fn finding(&self, code: &'static str, severity: Severity, message: String) -> Finding {
        Finding::new(code, severity, message)
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

    /// RT001: configured local, detected remote.
    fn external_mx_local(&self, out: &mut Vec<Finding>) {
        let manual = self.manual();
        if self.configured() != Some(Routing::Local)
            || self.det.outcome.as_ref().ok() != Some(&Routing::Remote)
            || !(is_auto(manual) || manual == Manual::Local)
        {
            return;
        }
        let d = self.domain;
        let mx = self.primary_mx();
        let severity = if manual == Manual::Local {
            Severity::Warning
        } else {
            Severity::Error
        };
        let mut f = self
            .finding(
                "RT001",
                severity,
                format!("{d} is delivered locally, but its MX points to {mx}: mail sent from this server to {d} never leaves it"),
            )
            .label("listed here as local");
        if let Some(loc) = self.list_loc(self.s.lists.local.as_ref()) {
            f = f.at(loc);
        }
        f = f.note(format!(
            "Exim delivers mail for every domain in etc/localdomains into local mailboxes. Mail from the Internet reaches {mx} as the MX says, but every message sent from this server to {d} (webmail, scripts and contact forms, forwarders) lands in a mailbox here that nobody reads; nothing bounces, so the loss goes unnoticed"
        ));
        match manual {
            Manual::Local => {
                f = f.note(format!(
                    "{d} is set to Local Mail Exchanger by hand (MXCHECK-{d}=0). If {mx} is a filtering gateway that passes mail on to this server, declare it in maillint.toml: [server] gateway_mx = [\"{mx}\"]"
                ));
            }
            _ => {
                f = f.note(format!(
                    "{d} is on Automatically Detect, but cPanel detects only when the routing is saved (and puts new addon and parked domains in etc/localdomains without detecting): it does not detect again when the zone changes"
                ));
            }
        }
        if let Some(mail) = self.s.mail_files(d) {
            let boxes: Vec<String> = mail.accounts().map(|l| format!("{l}@{d}")).collect();
            if !boxes.is_empty() {
                f = f.note(format!(
                    "that mail goes to the local {} {}",
                    if boxes.len() == 1 {
                        "mailbox"
                    } else {
                        "mailboxes"
                    },
                    join_and(&boxes.iter().map(String::as_str).collect::<Vec<_>>())
                ));
            }
        }
        f = self.with_mx(f);
        f = self.senders(f);
        let fix = routing_fix(
            self.s,
            self.account,
            d,
            Routing::Remote,
            ManualWrite::Value("remote"),
            Fix::unsafe_(format!(
                "route {d} remotely: MXCHECK-{d}=remote, remove it from etc/localdomains, add it to etc/remotedomains"
            )),
        );
        out.push(f.fix(fix));
    }

    /// What on this server sends mail to the domain: forwarders of other local domains that
    /// point at it, and the other domains of the same account.
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

    /// RT002: configured remote, detected local.
    fn local_mx_remote(&self, out: &mut Vec<Finding>) {
        let manual = self.manual();
        if self.configured() != Some(Routing::Remote)
            || self.det.outcome.as_ref().ok() != Some(&Routing::Local)
            || !(is_auto(manual) || manual == Manual::Remote)
        {
            return;
        }
        let d = self.domain;
        let mut f = self
            .finding(
                "RT002",
                Severity::Error,
                format!("{d} is routed remotely, but its MX points to this server: Exim refuses its incoming mail"),
            )
            .label("listed here as remote");
        if let Some(loc) = self.list_loc(self.s.lists.remote.as_ref()) {
            f = f.at(loc);
        }
        f = f.note(format!(
            "senders on the Internet deliver {d}'s mail here, as its MX says; since {d} is not in etc/localdomains, Exim treats it as a foreign domain and rejects the mail as relaying (\"Please turn on SMTP Authentication…\"), so senders get bounces"
        ));
        if manual == Manual::Remote {
            f = f.note(format!(
                "{d} is set to Remote Mail Exchanger by hand (MXCHECK-{d}=remote)"
            ));
        }
        f = self.with_mx(f);
        let fix = routing_fix(
            self.s,
            self.account,
            d,
            Routing::Local,
            ManualWrite::Auto,
            Fix::unsafe_(format!(
                "route {d} locally: {}add it to etc/localdomains, remove it from etc/remotedomains{}",
                if self.account.mxcheck.contains_key(d) {
                    format!("remove MXCHECK-{d} (Automatically Detect), ")
                } else {
                    String::new()
                },
                if self.s.lists.in_secondary(d) {
                    " and etc/secondarymx"
                } else {
                    ""
                }
            )),
        );
        out.push(f.fix(fix));
    }

    /// RT004: an account domain in no list.
    fn unrouted(&self, out: &mut Vec<Finding>) {
        let d = self.domain;
        if self.configured().is_some() || self.s.lists.in_secondary(d) {
            return;
        }
        let detected = self.det.outcome.as_ref().ok().copied();
        let severity = if detected == Some(Routing::Local) {
            Severity::Error
        } else {
            Severity::Warning
        };
        let (target, why) = match self.manual() {
            Manual::Local => (
                Routing::Local,
                "its manual setting (Local Mail Exchanger)".to_string(),
            ),
            Manual::Remote => (
                Routing::Remote,
                "its manual setting (Remote Mail Exchanger)".to_string(),
            ),
            Manual::Secondary => (
                Routing::Secondary,
                "its manual setting (Backup Mail Exchanger)".to_string(),
            ),
            _ => match detected {
                Some(r) => (r, format!("its MX records ({})", r.as_str())),
                None => (
                    Routing::Local,
                    "cPanel's default when detection fails (local)".to_string(),
                ),
            },
        };
        let kind = self
            .s
            .domains
            .get(d)
            .map_or("domain", |i| i.kind.describe());
        let mut f = self.finding(
            "RT004",
            severity,
            format!("{d} ({kind} of {}) is in none of the routing lists: Exim treats it as a foreign domain", self.account.user),
        );
        if let Some(loc) = self.s.domains.get(d).and_then(|i| i.decl.clone()) {
            f = f.at(loc).label("account domain declared here");
        }
        f = f.note(format!(
            "mail for {d} that arrives here is refused as relaying, and its forwarders and mailboxes here receive nothing"
        ));
        f = misread_lines(self.s, d, f);
        if detected.is_some() {
            f = self.with_mx(f);
        }
        let fix = routing_fix(
            self.s,
            self.account,
            d,
            target,
            ManualWrite::Keep,
            // For a remote domain only etc/remotedomains changes, which Exim never reads.
            if target == Routing::Remote {
                Fix::safe(format!(
                    "record {d} as remote in etc/remotedomains, following {why} (Exim does not read that file: no mail changes path)"
                ))
            } else {
                Fix::unsafe_(format!("route {d} as {}, following {why}", target.as_str()))
            },
        );
        out.push(f.fix(fix));
    }

    /// RT006: a manual setting the lists do not follow.
    fn drift(&self, out: &mut Vec<Finding>) {
        let manual = self.manual();
        let target = match manual {
            Manual::Local => Routing::Local,
            Manual::Remote => Routing::Remote,
            Manual::Secondary => Routing::Secondary,
            _ => return,
        };
        let conf = self.configured();
        if conf.is_none() || conf == Some(target) {
            return;
        }
        let d = self.domain;
        let mut f = self.finding(
            "RT006",
            Severity::Warning,
            format!(
                "{d} is set to {} by hand, but the routing lists say {}",
                manual_name(manual),
                routing_name(conf)
            ),
        );
        if let Some(m) = self.account.mxcheck.get(d) {
            f = f.at(m.value_loc.clone()).label("manual setting");
        }
        f = f.note(format!(
            "Exim follows the lists today; the next time cPanel rebuilds routing (an MX change, an account restore, a zone reset) it applies the manual setting and {d}'s mail is suddenly routed {}",
            target.as_str()
        ));
        let fix = routing_fix(
            self.s,
            self.account,
            d,
            target,
            ManualWrite::Keep,
            Fix::unsafe_(format!(
                "make the routing lists follow the manual setting ({})",
                target.as_str()
            )),
        );
        out.push(f.fix(fix));
    }

    /// RT010: configured as backup MX, detected local or remote.
    fn backup_mismatch(&self, out: &mut Vec<Finding>) {
        let manual = self.manual();
        if self.configured() != Some(Routing::Secondary)
            || !(is_auto(manual) || manual == Manual::Secondary)
        {
            return;
        }
        let detected = match self.det.outcome {
            Ok(r @ (Routing::Local | Routing::Remote)) => r,
            _ => return,
        };
        let d = self.domain;
        let (message, note) = match detected {
            Routing::Local => (
                format!(
                    "{d} is configured as a backup MX, but its lowest-preference MX is this server"
                ),
                format!(
                    "this server is {d}'s primary mail exchanger: as a backup MX it queues the mail and tries to pass it on to a better MX that does not exist, instead of delivering it"
                ),
            ),
            _ => (
                format!(
                    "{d} is configured as a backup MX, but no MX record of {d} names this server"
                ),
                format!(
                    "no one sends {d}'s mail here, yet Exim accepts and relays it: a leftover that also lets anyone relay mail for {d} through this server"
                ),
            ),
        };
        let mut f = self
            .finding("RT010", Severity::Warning, message)
            .label("listed here as backup MX");
        if let Some(loc) = self.list_loc(self.s.lists.secondary.as_ref()) {
            f = f.at(loc);
        }
        f = self.with_mx(f.note(note));
        let write = match (manual, detected) {
            (Manual::Secondary, Routing::Local) => ManualWrite::Value("0"),
            (Manual::Secondary, _) => ManualWrite::Value("remote"),
            _ => ManualWrite::Keep,
        };
        let fix = routing_fix(
            self.s,
            self.account,
            d,
            detected,
            write,
            Fix::unsafe_(format!(
                "route {d} as {}, as its MX records say",
                detected.as_str()
            )),
        );
        out.push(f.fix(fix));
    }
}

/// RT007 and RT008: the values and domains of `MXCHECK-` lines.
fn mxcheck_values(s: &Server, out: &mut Vec<Finding>) {
    for a in s.accounts.values() {
        for m in a.mxcheck.values() {
            let owned = s.domains.get(&m.domain).is_some_and(|i| i.user == a.user);
            if !owned {
                let key = format!("MXCHECK-{}", m.domain);
                let mut fix = Fix::safe(format!("remove the line {key}"));
                if let Some(cp) = &a.cpuser {
                    fix = build::with_cpuser_cache(fix.edits(build::cpuser_set(cp, &key, None)), a);
                }
                // cPanel looks the key up with the domain in lower case.
                let not_lower = m.domain.bytes().any(|b| b.is_ascii_uppercase());
                let (message, note) = if not_lower {
                    (
                        format!(
                            "{}'s cPanel user file has a routing setting for {} written with upper-case letters: cPanel never reads it",
                            a.user, m.domain
                        ),
                        "cPanel looks routing settings up with the domain in lower case, so this line has no effect and the domain is on Automatically Detect",
                    )
                } else {
                    (
                        format!(
                            "{}'s cPanel user file has a routing setting for {}, which the account does not own",
                            a.user, m.domain
                        ),
                        "a leftover of a removed or moved domain; if the domain is added again, it silently gets this old setting",
                    )
                };
                out.push(
                    Finding::new("RT008", Severity::Info, message)
                        .domain(m.domain.to_ascii_lowercase())
                        .user(&a.user)
                        .at(m.key.clone())
                        .note(note)
                        .fix(fix.command(UPDATE)),
                );
                continue;
            }
            let (severity, what) = match m.setting {
                Manual::Invalid => (Severity::Error, "a value cPanel does not understand"),
                Manual::Legacy => (
                    Severity::Warning,
                    "a legacy value that cPanel's account restore and its live routing code read differently (as Local or as Automatically Detect)",
                ),
                _ => continue,
            };
            let mut f = Finding::new(
                "RT007",
                severity,
                format!("MXCHECK-{}={} is {what}", m.domain, shown_value(&m.value)),
            )
            .domain(&m.domain)
            .user(&a.user)
            .at(m.value_loc.clone());
            if let Some(note) = exactness_note(&m.domain, &m.value) {
                f = f.note(note);
            }
            out.push(
                f.note("cPanel writes 0 (local), remote or secondary, or no line at all (Automatically Detect)")
                    .fix(choose_routing(a, &m.domain)),
            );
        }
        for m in &a.indented_mxcheck {
            let key = match &a.cpuser {
                // The key as cPanel reads it: from the start of the line.
                Some(cp) => cp
                    .src
                    .slice(crate::source::Span::new(
                        m.line.span.start as usize,
                        m.key.span.end as usize,
                    ))
                    .to_string(),
                None => format!("MXCHECK-{}", m.domain),
            };
            out.push(
                Finding::new(
                    "RT007",
                    Severity::Error,
                    format!(
                        "{key:?} starts with white space, so cPanel does not read it as MXCHECK-{}: the line sets nothing",
                        m.domain
                    ),
                )
                .domain(m.domain.to_ascii_lowercase())
                .user(&a.user)
                .at(m.key.clone())
                .note(format!(
                    "cPanel's user-file reader keeps white space before a key in the key; {}",
                    match a.mxcheck.get(&m.domain) {
                        Some(_) => format!("{}'s setting is the other MXCHECK-{} line", m.domain, m.domain),
                        None => format!("whatever the line says, {} is on Automatically Detect", m.domain),
                    }
                ))
                .fix(choose_routing(a, &m.domain)),
            );
        }
    }
}

/// RT007's advice: let cPanel write the setting.
fn choose_routing(a: &Account, domain: &str) -> Fix {
    Fix::display_only(format!(
        "choose the routing: uapi --user={} Email set_always_accept domain={domain} mxcheck=local|remote|secondary|auto",
        a.user
    ))
}

/// An `MXCHECK-` value as the message shows it: as written when it is a plain word, else quoted
/// with its white space and control characters visible (`" remote"`, `"0\r"`, `""`).
fn shown_value(v: &str) -> String {
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_graphic()) {
        v.to_string()
    } else {
        format!("{v:?}")
    }
}

/// Why a value that looks valid is not, when white space or a `\r` is all that is wrong.
fn exactness_note(domain: &str, v: &str) -> Option<String> {
    if v.is_empty() {
        return Some(
            "an empty value is none of 0, local, remote, secondary or auto: cPanel reads the domain as Automatically Detect, and its account restore ignores the value".into(),
        );
    }
    let trimmed = v.trim_matches(|c: char| c.is_ascii_whitespace() || c == '\x0b');
    if trimmed == v || Manual::from_value(trimmed) == Manual::Invalid {
        return None;
    }
    let cr = if v.ends_with('\r') {
        " (the line ends with a carriage return, a Windows line end: cPanel's reader removes only the `\\n`)"
    } else {
        ""
    };
    Some(format!(
        "cPanel compares the value exactly, white space included{cr}: {v:?} is not {trimmed:?}, so cPanel reads {domain} as Automatically Detect"
    ))
}

/// RT003: contradictory lists.
fn list_conflicts(s: &Server, out: &mut Vec<Finding>) {
    let l = &s.lists;
    let owner = |d: &str| s.domains.get(d).map(|i| i.user.clone());
    if let Some(remote) = &l.remote {
        for (_, _, e) in remote.entries() {
            if l.in_local(&e.domain) {
                out.push(
                    Finding::new(
                        "RT003",
                        Severity::Error,
                        format!("{} is in both etc/localdomains and etc/remotedomains", e.domain),
                    )
                    .domain(&e.domain)
                    .maybe_user(owner(&e.domain))
                    .at(remote.loc(e.key))
                    .note("Exim reads only etc/localdomains and delivers locally; cPanel's tools read the pair as contradictory and may undo either on their next change")
                    .fix(Fix::safe("remove it from etc/remotedomains (Exim does not read that file, so delivery does not change)").edits(build::list_remove(remote, &e.domain))),
                );
            }
        }
    }
    if let Some(sec) = &l.secondary {
        for (_, _, e) in sec.entries() {
            if l.in_local(&e.domain) {
                out.push(
                    Finding::new(
                        "RT003",
                        Severity::Error,
                        format!("{} is in both etc/localdomains and etc/secondarymx", e.domain),
                    )
                    .domain(&e.domain)
                    .maybe_user(owner(&e.domain))
                    .at(sec.loc(e.key))
                    .note("local delivery wins, but Exim also applies the backup-MX retry rules of etc/secondarymx to it")
                    .fix(Fix::unsafe_("remove it from etc/secondarymx").edits(build::list_remove(sec, &e.domain))),
                );
            } else if !l.in_remote(&e.domain) {
                out.push(
                    Finding::new(
                        "RT003",
                        Severity::Error,
                        format!("{} is in etc/secondarymx but not in etc/remotedomains", e.domain),
                    )
                    .domain(&e.domain)
                    .maybe_user(owner(&e.domain))
                    .at(sec.loc(e.key))
                    .note("Exim relays it as a backup MX, but cPanel does not count it as one: its routing page and tools show no routing for it")
                    .fix(Fix::safe("add it to etc/remotedomains, as cPanel records a backup MX (Exim does not read that file)").edit(build::list_append(l.remote.as_deref(), REMOTE, &e.domain))),
                );
            }
        }
    }
}

/// RT005: list entries that belong to nobody.
fn orphans(s: &Server, out: &mut Vec<Finding>) {
    if s.accounts.is_empty() {
        return;
    }
    for list in s.lists.iter() {
        let mut seen = BTreeSet::new();
        // Lines Exim does not read as the domain they name are CP003's.
        for (_, _, e) in list.entries() {
            let d = e.domain.as_str();
            if s.domains.contains_key(d)
                || s.identity.is_hostname(d)
                || matches!(d, "localhost" | "localhost.localdomain")
                || !seen.insert(d)
            {
                continue;
            }
            let consequence = match list.path() {
                LOCAL => format!(
                    "Exim accepts mail for {d} and delivers it here, though no account owns it: a leftover of a removed or moved account"
                ),
                SECONDARY => format!(
                    "Exim accepts mail for {d} and relays it as a backup MX, though no account owns it: a leftover of a removed or moved account"
                ),
                _ => "a leftover of a removed or moved account (Exim does not read etc/remotedomains; cPanel's tools do)".to_string(),
            };
            // Exim never reads etc/remotedomains: removing a line there changes no mail.
            let fix = if list.path() == REMOTE {
                Fix::safe(format!("remove {d} from {}", list.path()))
            } else {
                Fix::unsafe_(format!("remove {d} from {}", list.path()))
            };
            out.push(
                Finding::new(
                    "RT005",
                    Severity::Warning,
                    format!(
                        "{d} in {} belongs to no account and is not the host name",
                        list.path()
                    ),
                )
                .domain(d)
                .at(list.loc(e.key))
                .note(consequence)
                .fix(fix.edits(build::list_remove(list, d))),
            );
        }
    }
}

/// RT009: the host name must be local.
fn hostname(s: &Server, out: &mut Vec<Finding>) {
    let Some(h) = &s.identity.hostname else {
        return;
    };
    if s.lists.in_local(&h.value) {
        return;
    }
    let Some(local) = &s.lists.local else {
        return;
    };
    let mut f = Finding::new(
        "RT009",
        Severity::Error,
        format!("the host name {} is not in etc/localdomains", h.value),
    )
    .domain(&h.value)
    .at(Loc::file_start(local.path()))
    .label(format!("{} belongs in this list", h.value))
    .note(format!(
        "cPanel's Exim configuration reads local domains from etc/localdomains only, so mail to addresses at {} (root, cPanel's notices, bounces) is treated as foreign and refused",
        h.value
    ))
    .fix(Fix::safe(format!("add {} to etc/localdomains", h.value)).edit(build::list_append(Some(&local.file), LOCAL, &h.value)));
    f = misread_lines(s, &h.value, f);
    if let Some(loc) = &h.loc {
        f = f.related(loc.clone(), "the host name is set here");
    }
    out.push(f);
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

/// RT011: zones that name other name servers.
fn zones_elsewhere(s: &Server, out: &mut Vec<Finding>) {
    for (name, zone) in &s.zones {
        if !s.domains.contains_key(name) && !s.identity.is_hostname(name) {
            continue;
        }
        if s.zone_served_here(zone) != Some(false) {
            continue;
        }
        let ns = s.apex_ns(zone);
        let names: Vec<&str> = ns.iter().map(|(_, n)| n.as_str()).collect();
        let ours: Vec<&str> = s
            .identity
            .nameservers
            .iter()
            .map(|n| n.value.as_str())
            .collect();
        let first = ns[0].0;
        let span = first
            .owner
            .span
            .unwrap_or(first.rtype_span)
            .join(first.rdata_span);
        let mut f = Finding::new(
            "RT011",
            Severity::Warning,
            format!(
                "the zone of {name} names {} as its name servers, none of this server's ({})",
                join_and(&names),
                join_and(&ours)
            ),
        )
        .domain(name)
        .maybe_user(s.domains.get(name).map(|i| i.user.clone()))
        .at(zone.loc(span))
        .note("cPanel's routing detection and maillint read this zone file, but the Internet asks those name servers, whose records may differ: findings that depend on this zone are only as good as the zone")
        .help("if the domain's DNS is hosted elsewhere, compare its live MX, SPF and DKIM records with this file, or remove the stale zone from this server");
        for n in s
            .identity
            .nameservers
            .iter()
            .filter_map(|n| n.loc.clone())
            .take(1)
        {
            f = f.related(n, "this server's name servers are set here");
        }
        out.push(f);
    }
}

/// RT012: `etc/manualmx` entries for local or account domains.
fn manualmx(s: &Server, out: &mut Vec<Finding>) {
    let Some(mm) = &s.manualmx else {
        return;
    };
    for e in mm.doc.entries() {
        let d = e.key.as_str();
        let local = s.lists.in_local(d);
        let account = s.domains.get(d);
        if !local && account.is_none() {
            continue;
        }
        let what = match (local, account) {
            (true, _) => "a local domain",
            (false, Some(_)) => "an account domain of this server",
            _ => continue,
        };
        out.push(
            Finding::new(
                "RT012",
                Severity::Warning,
                format!("etc/manualmx sends all mail for {d} to {}, although {d} is {what}", e.value),
            )
            .domain(d)
            .maybe_user(account.map(|i| i.user.clone()))
            .at(mm.loc(e.key_span.join(e.value_span)))
            .note("Exim's manualmx router sends the domain's mail to that host without looking at its MX; a live transfer writes these lines on the source server and they are easily left behind")
            .fix(Fix::unsafe_(format!("remove the etc/manualmx line for {d}")).edits(build::colon_remove(mm, d))),
        );
    }
}

fn join_and(parts: &[&str]) -> String {
    match parts {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
