//! RT010: configured as backup MX, while the MX records say this server is the primary or no MX.

use crate::finding::{Finding, Fix};
use crate::model::Manual;
use crate::model::dns::Routing;

use super::{Ctx, FAMILY, ManualWrite, is_auto, routing_fix};

rule!(
    RT010,
    "backup-mx-mismatch",
    Warning,
    None,
    Unsafe,
    [LISTS, ZONES],
    "Configured as backup MX, but the MX records say this server is the primary or no MX."
);

pub(super) fn check(c: &Ctx<'_>, out: &mut Vec<Finding>) {
    let manual = c.manual();
    if c.configured() != Some(Routing::Secondary)
        || !(is_auto(manual) || manual == Manual::Secondary)
    {
        return;
    }
    let detected = match c.det.outcome {
        Ok(r @ (Routing::Local | Routing::Remote)) => r,
        _ => return,
    };
    let d = c.domain;
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
            format!("{d} is configured as a backup MX, but no MX record of {d} names this server"),
            format!(
                "no one sends {d}'s mail here, yet Exim accepts and relays it: a leftover that also lets anyone relay mail for {d} through this server"
            ),
        ),
    };
    let mut f = c.finding(&RT010, message).label("listed here as backup MX");
    if let Some(loc) = c.list_loc(c.s.lists.secondary.as_ref()) {
        f = f.at(loc);
    }
    f = c.with_mx(f.note(note));
    let write = match (manual, detected) {
        (Manual::Secondary, Routing::Local) => ManualWrite::Value("0"),
        (Manual::Secondary, _) => ManualWrite::Value("remote"),
        _ => ManualWrite::Keep,
    };
    let fix = routing_fix(
        c.s,
        c.account,
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
