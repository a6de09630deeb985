//! RT001: configured local while the primary MX is another host: mail sent from this server to
//! the domain stays in local mailboxes.

use crate::finding::{Finding, Fix, Severity};
use crate::model::Manual;
use crate::model::dns::Routing;

use super::{Ctx, FAMILY, ManualWrite, is_auto, join_and, routing_fix};

rule!(
    RT001,
    "external-mx-local-delivery",
    Error,
    Some("warning when the manual setting is local"),
    Unsafe,
    [LISTS, ZONES, FORWARDERS, MAIL_DOMAINS],
    "Delivered locally while the MX points elsewhere: mail sent from this server stays here."
);

pub(super) fn check(c: &Ctx<'_>, out: &mut Vec<Finding>) {
    let manual = c.manual();
    if c.configured() != Some(Routing::Local)
        || c.det.outcome.as_ref().ok() != Some(&Routing::Remote)
        || !(is_auto(manual) || manual == Manual::Local)
    {
        return;
    }
    let d = c.domain;
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
    let fix = routing_fix(
        c.s,
        c.account,
        d,
        Routing::Remote,
        ManualWrite::Value("remote"),
        Fix::unsafe_(format!(
            "route {d} remotely: MXCHECK-{d}=remote, remove it from etc/localdomains, add it to etc/remotedomains"
        )),
    );
    out.push(f.fix(fix));
}
