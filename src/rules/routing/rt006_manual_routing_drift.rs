//! RT006: the manual routing setting disagrees with the lists: cPanel's next rebuild flips it.

use crate::finding::{Finding, Fix};
use crate::model::Manual;
use crate::model::dns::Routing;

use super::{Ctx, FAMILY, ManualWrite, manual_name, routing_fix, routing_name};

rule!(
    RT006,
    "manual-routing-drift",
    Warning,
    None,
    Unsafe,
    [LISTS, ZONES],
    "The manual routing setting disagrees with the lists: cPanel's next rebuild flips it."
);

pub(super) fn check(c: &Ctx<'_>, out: &mut Vec<Finding>) {
    let manual = c.manual();
    let target = match manual {
        Manual::Local => Routing::Local,
        Manual::Remote => Routing::Remote,
        Manual::Secondary => Routing::Secondary,
        _ => return,
    };
    let conf = c.configured();
    if conf.is_none() || conf == Some(target) {
        return;
    }
    let d = c.domain;
    let mut f = c.finding(
        &RT006,
        format!(
            "{d} is set to {} by hand, but the routing lists say {}",
            manual_name(manual),
            routing_name(conf)
        ),
    );
    if let Some(m) = c.account.mxcheck.get(d) {
        f = f.at(m.value_loc.clone()).label("manual setting");
    }
    f = f.note(format!(
        "Exim follows the lists today; the next time cPanel rebuilds routing (an MX change, an account restore, a zone reset) it applies the manual setting and {d}'s mail is suddenly routed {}",
        target.as_str()
    ));
    let fix = routing_fix(
        c.s,
        c.account,
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
