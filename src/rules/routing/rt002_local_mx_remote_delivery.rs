//! RT002: configured remote while the MX points here: Exim refuses the domain's incoming mail.

use crate::finding::{Finding, Fix};
use crate::model::Manual;
use crate::model::dns::Routing;

use super::{Ctx, FAMILY, ManualWrite, routing_fix};

rule!(
    RT002,
    "local-mx-remote-delivery",
    Error,
    None,
    Unsafe,
    [LISTS, ZONES],
    "Configured remote while the MX points here: Exim refuses the domain's incoming mail."
);

pub(super) fn check(c: &Ctx<'_>, out: &mut Vec<Finding>) {
    let manual = c.manual();
    if c.configured() != Some(Routing::Remote)
        || c.det.outcome.as_ref().ok() != Some(&Routing::Local)
    {
        return;
    }
    let d = c.domain;
    let mut f = c
        .finding(
            &RT002,
            format!("{d} is routed remotely, but its MX points to this server: Exim refuses its incoming mail"),
        )
        .label("listed here as remote");
    if let Some(loc) = c.list_loc(c.s.lists.remote.as_ref()) {
        f = f.at(loc);
    }
    f = f.note(format!(
        "senders on the Internet deliver {d}'s mail here, as its MX says; since {d} is not in etc/localdomains, Exim treats it as a foreign domain and rejects the mail as relaying (\"Please turn on SMTP Authentication…\"), so senders get bounces"
    ));
    match manual {
        Manual::Remote => {
            f = f.note(format!(
                "{d} is set to Remote Mail Exchanger by hand (MXCHECK-{d}=remote)"
            ));
            f = c.with_manual(f, "cPanel keeps it out of etc/localdomains");
        }
        Manual::Local => {
            f = f.note(format!(
                "{d} is set to Local Mail Exchanger by hand: cPanel's next routing rebuild (an MX change, an account restore, a zone reset) would put it back in etc/localdomains, but until then its mail is refused"
            ));
            f = c.with_manual(
                f,
                "cPanel's next routing rebuild puts it back in etc/localdomains",
            );
        }
        Manual::Secondary => {
            f = f.note(format!(
                "{d} is set to Backup Mail Exchanger by hand, though this server is its primary MX: cPanel's next routing rebuild would make it a backup MX, which queues its mail instead of delivering it"
            ));
            f = c.with_manual(f, "cPanel's next routing rebuild makes it a backup MX");
        }
        _ => {}
    }
    f = c.with_mx(f);
    let fix = routing_fix(
        c.s,
        c.account,
        d,
        Routing::Local,
        ManualWrite::Auto,
        Fix::unsafe_(format!(
            "route {d} locally: {}add it to etc/localdomains, remove it from etc/remotedomains{}",
            if c.account.mxcheck.contains_key(d) {
                format!("remove MXCHECK-{d} (Automatically Detect), ")
            } else {
                String::new()
            },
            if c.s.lists.in_secondary(d) {
                " and etc/secondarymx"
            } else {
                ""
            }
        )),
    );
    out.push(f.fix(fix));
}
