//! RT001: configured local while the primary MX is another host: mail sent from this server to
//! the domain stays in local mailboxes. When that host is a known inbound filtering gateway, the
//! domain must stay local instead, and the finding is about keeping it so.

use crate::finding::{Finding, Fix, Severity};
use crate::model::Manual;
use crate::model::dns::Routing;
use crate::providers::Gateway;

use super::{Ctx, FAMILY, ManualWrite, join_and, manual_name, route_away, routing_fix};

rule!(
    RT001,
    "external-mx-local-delivery",
    Error,
    Some(
        "warning when the manual setting is local, or the primary MX is a known filtering gateway"
    ),
    Unsafe,
    [LISTS, ZONES, FORWARDERS, MAIL_DOMAINS],
    "Delivered locally while the MX points elsewhere: mail sent from this server stays here."
);

pub(super) fn check(c: &Ctx<'_>, out: &mut Vec<Finding>) {
    if c.configured() != Some(Routing::Local) {
        return;
    }
    let detected = match c.det.outcome {
        Ok(r @ (Routing::Remote | Routing::Secondary)) => r,
        _ => return,
    };
    let gateways = c.primary_gateways();
    if gateways.is_empty() {
        out.push(elsewhere(c, detected));
    } else {
        out.push(gateway(c, &gateways));
    }
}

/// The primary MX is another mail server: mail sent from here to the domain is lost.
fn elsewhere(c: &Ctx<'_>, detected: Routing) -> Finding {
    let d = c.domain;
    let manual = c.manual();
    let mx = c.primary_mx();
    let severity = if manual == Manual::Local {
        Severity::Warning
    } else {
        Severity::Error
    };
    let mut f = c
        .finding(
            &RT001,
            format!("{d} is delivered locally, but its MX points to {mx}: mail sent from this server to {d} never leaves it"),
        )
        .severity(severity)
        .label("listed here as local");
    if let Some(loc) = c.list_loc(c.s.lists.local.as_ref()) {
        f = f.at(loc);
    }
    f = f.note(format!(
        "Exim delivers mail for every domain in etc/localdomains into local mailboxes. Mail from the Internet reaches {mx} as the MX says, but every message sent from this server to {d} (webmail, scripts and contact forms, forwarders) lands in a mailbox here that nobody reads; nothing bounces, so the loss goes unnoticed"
    ));
    if detected == Routing::Secondary {
        f = f.note(format!(
            "this server is only a backup MX of {d} (a higher preference value): as a backup it should hold {d}'s mail for {mx} when that host cannot be reached, not deliver it here"
        ));
    }
    match manual {
        Manual::Local => {
            f = f.note(format!(
                "{d} is set to Local Mail Exchanger by hand (MXCHECK-{d}=0). If {mx} is a filtering gateway that passes mail on to this server, declare it in maillint.toml: [server] gateway_mx = [\"{mx}\"]"
            ));
            f = c.with_manual(f, "cPanel keeps it in etc/localdomains");
        }
        Manual::Remote | Manual::Secondary => {
            f = f.note(format!(
                "{d} is set to {} by hand (MXCHECK-{d}={}): cPanel's next routing rebuild (an MX change, an account restore, a zone reset) would take it out of etc/localdomains and repair this, but until then mail sent from this server to {d} is lost",
                manual_name(manual),
                c.account.mxcheck.get(d).map_or("", |m| m.value.as_str())
            ));
            f = c.with_manual(
                f,
                "cPanel's next routing rebuild takes it out of etc/localdomains",
            );
        }
        _ => {
            f = f.note(format!(
                "{d} is on Automatically Detect, but cPanel detects only when the routing is saved (and puts new addon and parked domains in etc/localdomains without detecting): it does not detect again when the zone changes"
            ));
        }
    }
    if let Some(mail) = c.s.mail_files(d) {
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
    f = c.with_mx(f);
    f = c.senders(f);
    f.fix(route_away(c, detected, manual))
}

/// The primary MX is an inbound filtering gateway: the domain must stay local (the gateway
/// passes the mail on to its mail server), and only a manual Local setting keeps it so.
fn gateway(c: &Ctx<'_>, gateways: &[Gateway]) -> Finding {
    let d = c.domain;
    let manual = c.manual();
    let mx = c.primary_mx();
    let names: Vec<&str> = gateways.iter().map(|g| g.name).collect();
    let names = join_and(&names);
    let patterns: Vec<String> = gateways
        .iter()
        .map(|g| format!("\"{}\"", g.pattern))
        .collect();
    let mut f = c
        .finding(
            &RT001,
            format!("{d} is delivered locally, and its MX points to {mx}, an inbound filtering gateway ({names}): {d} must stay local if the gateway passes its mail on to this server"),
        )
        .severity(Severity::Warning)
        .label("listed here as local");
    if let Some(loc) = c.list_loc(c.s.lists.local.as_ref()) {
        f = f.at(loc);
    }
    match manual {
        Manual::Local => {
            f = f.note(format!(
                "{d} is set to Local Mail Exchanger by hand (MXCHECK-{d}=0), as a domain behind a gateway needs; maillint cannot tell where {names} passes the mail on to"
            ));
            f = c.with_manual(f, "cPanel keeps it in etc/localdomains");
        }
        Manual::Remote | Manual::Secondary => {
            f = f.note(format!(
                "{d} is set to {} by hand: cPanel's next routing rebuild (an MX change, an account restore, a zone reset) takes it out of etc/localdomains, and from then on Exim refuses the mail the gateway passes on as relaying",
                manual_name(manual)
            ));
            f = c.with_manual(
                f,
                "cPanel's next routing rebuild takes it out of etc/localdomains",
            );
        }
        _ => {
            f = f.note(format!(
                "{d} is on Automatically Detect: the next time cPanel rebuilds its routing (an MX change, an account restore, a zone reset) it finds no MX of this server, takes {d} out of etc/localdomains, and from then on Exim refuses the mail the gateway passes on as relaying"
            ));
        }
    }
    f = f.note(format!(
        "if {names} passes {d}'s mail on to this server, keep {d} local and declare the gateway in maillint.toml, so that maillint counts its hosts as this server: [server] gateway_mx = [{}]; if it passes the mail on to another server, route {d} remotely instead (MXCHECK-{d}=remote, etc/remotedomains), or mail sent from this server to {d} stays here",
        patterns.join(", ")
    ));
    f = c.with_mx(f);
    let fix = routing_fix(
        c.s,
        c.account,
        d,
        Routing::Local,
        manual_follows_local(manual),
        Fix::unsafe_(format!(
            "keep {d} local and pin it: MXCHECK-{d}=0 (Local Mail Exchanger), so that cPanel's routing rebuilds keep it in etc/localdomains"
        )),
    );
    if fix.has_changes() {
        f = f.fix(fix);
    }
    f
}

/// Pinning local: every setting but Local itself is replaced with `0`.
fn manual_follows_local(m: Manual) -> ManualWrite {
    match m {
        Manual::Local => ManualWrite::Keep,
        _ => ManualWrite::Value("0"),
    }
}
