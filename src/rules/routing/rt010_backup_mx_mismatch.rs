//! RT010: the backup-MX lists disagree with the MX records: configured as backup MX while this
//! server is the primary or no MX, or configured remote while this server is a backup MX.

use crate::finding::{Finding, Fix, Severity};
use crate::model::Manual;
use crate::model::dns::Routing;

use super::{Ctx, FAMILY, ManualWrite, manual_follows, manual_name, manual_routing, routing_fix};

rule!(
    RT010,
    "backup-mx-mismatch",
    Warning,
    Some("error when configured remote while this server is a backup MX"),
    Unsafe,
    [LISTS, ZONES],
    "Backup-MX routing that disagrees with the MX records (primary or no MX listed as backup, or backup listed remote)."
);

pub(super) fn check(c: &Ctx<'_>, out: &mut Vec<Finding>) {
    let Ok(detected) = c.det.outcome else {
        return;
    };
    let d = c.domain;
    let mx = c.primary_mx();
    let (message, note, severity, list) = match (c.configured(), detected) {
        (Some(Routing::Secondary), Routing::Local) => (
            format!(
                "{d} is configured as a backup MX, but its lowest-preference MX is this server"
            ),
            format!(
                "this server is {d}'s primary mail exchanger: as a backup MX it queues the mail and tries to pass it on to a better MX that does not exist, instead of delivering it"
            ),
            Severity::Warning,
            c.s.lists.secondary.as_ref(),
        ),
        (Some(Routing::Secondary), Routing::Remote) => (
            format!("{d} is configured as a backup MX, but no MX record of {d} names this server"),
            format!(
                "no one sends {d}'s mail here, yet Exim accepts and relays it: a leftover that also lets anyone relay mail for {d} through this server"
            ),
            Severity::Warning,
            c.s.lists.secondary.as_ref(),
        ),
        (Some(Routing::Remote), Routing::Secondary) => (
            format!(
                "{d} is routed remotely, but its MX records make this server a backup MX: Exim refuses the backup deliveries as relaying"
            ),
            format!(
                "when {mx} cannot be reached, senders deliver {d}'s mail to this server, its backup MX; {d} is in etc/remotedomains but not in etc/secondarymx, so Exim treats it as a foreign domain and refuses the mail as relaying (\"Please turn on SMTP Authentication…\"), and it bounces instead of waiting here for {mx} to come back"
            ),
            Severity::Error,
            c.s.lists.remote.as_ref(),
        ),
        _ => return,
    };
    let label = if detected == Routing::Secondary {
        "listed here as remote"
    } else {
        "listed here as backup MX"
    };
    let mut f = c.finding(&RT010, message).severity(severity).label(label);
    if let Some(loc) = c.list_loc(list) {
        f = f.at(loc);
    }
    f = c.with_mx(f.note(note));
    let manual = c.manual();
    if manual_routing(manual).is_some() {
        let rebuild = match manual {
            Manual::Local => "puts it in etc/localdomains",
            Manual::Remote => "routes it remotely",
            _ => "makes it a backup MX",
        };
        f = f.note(format!(
            "{d} is set to {} by hand: cPanel's next routing rebuild (an MX change, an account restore, a zone reset) {rebuild}",
            manual_name(manual)
        ));
        f = c.with_manual(f, &format!("cPanel's next routing rebuild {rebuild}"));
    }
    let write = manual_follows(manual, detected);
    let pin = match write {
        ManualWrite::Value(v) => format!(", MXCHECK-{d}={v}"),
        _ => String::new(),
    };
    let fix_message = match detected {
        Routing::Secondary => format!(
            "make {d} a backup MX: add it to etc/secondarymx (it stays in etc/remotedomains){pin}"
        ),
        _ => format!(
            "route {d} as {}, as its MX records say{pin}",
            detected.as_str()
        ),
    };
    let fix = routing_fix(
        c.s,
        c.account,
        d,
        detected,
        write,
        Fix::unsafe_(fix_message),
    );
    out.push(f.fix(fix));
}
