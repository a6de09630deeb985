//! MX — the MX records of mail domains whose zone is in the tree.

use std::net::IpAddr;

use crate::clock::Utc;
use crate::finding::{Edit, Finding, Fix, Severity};
use crate::fix::build;
use crate::model::Server;
use crate::model::dns::{Resolution, ZoneRecord};
use crate::parse::zone::{RData, RType};
use crate::rules::RuleInfo;

/// The family of these rules in `maillint rules` (used by `rule!`).
const FAMILY: &str = "mx";

pub const RULES: &[RuleInfo] = &[
    rule!(
        "MX001",
        "mx-target-cname",
        Warning,
        None,
        "An MX target that is a CNAME (RFC 2181 §10.3)."
    ),
    rule!(
        "MX002",
        "mx-target-ip-literal",
        Error,
        Unsafe,
        "An MX target written as an IP address (RFC 1035 §3.3.9)."
    ),
    rule!(
        "MX003",
        "null-mx-conflict",
        Error,
        None,
        "A null MX together with other MX records, or on a domain that receives mail here."
    ),
    rule!(
        "MX004",
        "no-mail-exchanger",
        Warning,
        None,
        "A mail domain with mailboxes or forwarders but no MX and no address."
    ),
    rule!(
        "MX005",
        "mx-target-dangling",
        Error,
        None,
        "An MX target inside a local zone with no address record."
    ),
];

pub fn check(s: &Server, out: &mut Vec<Finding>) {
    for d in s.mail_domains() {
        if s.zone_of(&d).is_none() {
            continue;
        }
        let user = s.domains.get(&d).map(|i| i.user.clone());
        let mx: Vec<ZoneRecord<'_>> = s.records_of(&d, RType::Mx);
        let finding = |code, sev, msg: String| {
            Finding::new(code, sev, msg)
                .domain(d.clone())
                .maybe_user(user.clone())
        };
        if mx.is_empty() {
            no_exchanger(
                s,
                &d,
                finding("MX004", Severity::Warning, String::new()),
                out,
            );
            continue;
        }
        null_mx(s, &d, &mx, &finding, out);
        for r in &mx {
            let RData::Mx { exchange, .. } = &r.record.data else {
                continue;
            };
            if exchange.is_root() {
                continue;
            }
            let raw = exchange.raw.trim_end_matches('.');
            if let Ok(ip) = raw.parse::<IpAddr>() {
                out.push(ip_literal(&d, r, exchange.span, ip, &finding));
                continue;
            }
            if let Resolution::Dangling { name, cnames } = s.resolve(&exchange.name) {
                let via = if cnames.is_empty() {
                    String::new()
                } else {
                    format!(" (it is an alias of {name}, which has none)")
                };
                let mut f = finding(
                    "MX005",
                    Severity::Error,
                    format!("the MX target {} of {d} has no address in its zone{via}", exchange.name),
                )
                .at(r.zone.loc(exchange.span))
                .label("no A or AAAA record for this name")
                .note(format!(
                    "senders cannot deliver through this MX; and cPanel's routing detection stops at it, keeping {d}'s last known routing"
                ))
                .help(format!("add an A record for {name}, or point the MX at a host that has one"));
                for c in cnames {
                    f = f.related(c.loc(), "alias followed here");
                }
                out.push(f);
            }
            let cname = s.records_of(&exchange.name, RType::Cname);
            if let Some(c) = cname.first() {
                out.push(
                    finding(
                        "MX001",
                        Severity::Warning,
                        format!("the MX target {} of {d} is an alias (CNAME)", exchange.name),
                    )
                    .at(r.zone.loc(exchange.span))
                    .label("an MX must name a host, not an alias")
                    .related(c.loc(), "the alias is defined here")
                    .note("RFC 2181 §10.3 forbids an alias as MX target; some senders refuse it or add a lookup, and cPanel's own records write an A record (mail.DOMAIN) for that reason")
                    .help(format!("point the MX at the host the alias names, or replace the CNAME of {} by A/AAAA records", exchange.name)),
                );
            }
        }
    }
}

/// MX003: a null MX with other MX records, or on a domain that receives mail here.
fn null_mx(
    s: &Server,
    d: &str,
    mx: &[ZoneRecord<'_>],
    finding: &dyn Fn(&'static str, Severity, String) -> Finding,
    out: &mut Vec<Finding>,
) {
    let Some(null) = mx
        .iter()
        .find(|r| matches!(&r.record.data, RData::Mx { exchange, .. } if exchange.is_root()))
    else {
        return;
    };
    let others = mx.len() - 1;
    let local = s.lists.in_local(d);
    let accounts = s.mail_files(d).is_some_and(|m| m.has_accounts());
    let why = if others > 0 {
        format!(
            "{others} other MX {} with it",
            if others == 1 {
                "record stands"
            } else {
                "records stand"
            }
        )
    } else if local {
        format!("{d} is in etc/localdomains, so this server accepts its mail")
    } else if accounts {
        format!("{d} has mail accounts on this server")
    } else {
        return;
    };
    let mut f = finding(
        "MX003",
        Severity::Error,
        format!("{d} publishes a null MX (it receives no mail), but {why}"),
    )
    .at(null.loc())
    .label("null MX: `MX 0 .`")
    .note("RFC 7505: a domain that publishes a null MX must publish no other MX; senders bounce mail to it at once (556 5.1.10), and some refuse mail from it");
    for r in mx.iter().filter(|r| !std::ptr::eq(r.record, null.record)) {
        f = f.related(r.loc(), "another MX record");
    }
    out.push(f.help(format!(
        "decide whether {d} receives mail: remove the null MX, or remove the other MX records and its mail setup here"
    )));
}

/// MX004: no MX and no address for a mail domain with mailboxes or forwarders.
fn no_exchanger(s: &Server, d: &str, f: Finding, out: &mut Vec<Finding>) {
    let accounts = s.mail_files(d).is_some_and(|m| m.has_accounts());
    let forwarders = s.has_forwarders(d);
    if !accounts && !forwarders {
        return;
    }
    if matches!(
        s.resolve(d),
        Resolution::Addresses { .. } | Resolution::Server(_)
    ) {
        return;
    }
    let zone = s.zone_of(d).expect("checked by the caller");
    let what = match (accounts, forwarders) {
        (true, true) => "mail accounts and forwarders",
        (true, false) => "mail accounts",
        _ => "forwarders",
    };
    let mut f = Finding {
        message: format!(
            "{d} has {what} here but no MX and no address record: no one can deliver mail to it"
        ),
        ..f
    };
    f = f
        .at(crate::finding::Loc::file_start(zone.path()))
        .note("RFC 5321 §5.1: without an MX, senders fall back to the domain's own address; with neither, mail to the domain bounces");
    out.push(f.help(format!(
        "add an MX record for {d} (cPanel's default: `{d}. IN MX 0 {d}.` with an A record)"
    )));
}

/// MX002: an IP address as MX target; the fix writes cPanel's `mx-a-b-c-d` record.
fn ip_literal(
    d: &str,
    r: &ZoneRecord<'_>,
    target_span: crate::source::Span,
    ip: IpAddr,
    finding: &dyn Fn(&'static str, Severity, String) -> Finding,
) -> Finding {
    let f = finding(
        "MX002",
        Severity::Error,
        format!("the MX target of {d} is the IP address {ip}, not a host name"),
    )
    .at(r.zone.loc(target_span))
    .label("an MX target must be a domain name")
    .note(format!(
        "RFC 1035 §3.3.9: the target of an MX is a domain name; written as here, DNS serves the name `{}`, which has no address record, so senders cannot deliver to {d}",
        served_name(r, target_span, ip)
    ));
    let IpAddr::V4(v4) = ip else {
        return f.fix(Fix::display_only(format!(
            "add an AAAA record for a host name such as mail.{d} and point the MX at that name"
        )));
    };
    let name_label = format!("mx-{}", v4.to_string().replace('.', "-"));
    let host = format!("{name_label}.{}", r.zone.doc.origin);
    let mut fix = Fix::unsafe_(format!(
        "add cPanel's `{name_label}` A record for {ip} and point the MX at it"
    ))
    .edit(Edit::replace(
        r.zone.path(),
        target_span,
        format!("{host}."),
    ));
    if r.zone.doc.records_at(&host).next().is_none() {
        let at = build::zone_insertion_point(r.zone);
        fix = fix.edit(Edit::insert(
            r.zone.path(),
            at,
            build::record_line(r.zone, &host, "A", &v4.to_string()),
        ));
    }
    if let Some(bump) = build::serial_bump(r.zone, Utc::now()) {
        fix = fix.edit(bump);
    }
    f.fix(fix.command("then reload the zone: rndc reload (cPanel: /scripts/restartsrv_named)"))
}

/// The name DNS serves for an IP address written as MX target: the address itself with a final
/// dot, else the address followed by the origin.
fn served_name(r: &ZoneRecord<'_>, target_span: crate::source::Span, ip: IpAddr) -> String {
    if r.zone.src.slice(target_span).ends_with('.') {
        ip.to_string()
    } else {
        format!("{ip}.{}", r.zone.doc.origin_at(target_span.start as usize))
    }
}
