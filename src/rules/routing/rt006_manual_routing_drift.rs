//! RT006: the manual routing setting disagrees with the lists while the lists agree with the MX
//! records (or detection is undecided): cPanel's next rebuild flips the domain. When the lists
//! disagree with the MX records too, the finding is RT001, RT002 or RT010, which name the manual
//! setting.

use crate::finding::{Finding, Fix};
use crate::model::Manual;
use crate::model::dns::Routing;

use super::{
    Ctx, FAMILY, ManualWrite, manual_name, manual_routing, manual_value, routing_fix, routing_name,
};

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
    let Some(target) = manual_routing(manual) else {
        return;
    };
    let Some(conf) = c.configured() else {
        return;
    };
    if conf == target {
        return;
    }
    let detected = c.det.outcome.as_ref().ok().copied();
    if detected.is_some_and(|r| r != conf) {
        // The lists disagree with the MX records too: RT001, RT002 or RT010.
        return;
    }
    let d = c.domain;
    let mut f = c.finding(
        &RT006,
        format!(
            "{d} is set to {} by hand, but the routing lists say {}",
            manual_name(manual),
            routing_name(Some(conf))
        ),
    );
    if let Some(m) = c.account.mxcheck.get(d) {
        f = f.at(m.value_loc.clone()).label("manual setting");
    }
    // Behind a known filtering gateway a manual Local is what the domain needs (RT001): the
    // lists are the ones to change.
    let gateways = c.primary_gateways();
    let lists_follow = detected.is_none() || (manual == Manual::Local && !gateways.is_empty());
    let fix = if lists_follow {
        f = f.note(format!(
            "Exim follows the lists today; the next time cPanel rebuilds routing (an MX change, an account restore, a zone reset) it applies the manual setting and {d}'s mail is suddenly routed {}",
            target.as_str()
        ));
        if let Some(g) = gateways.first() {
            f = c.with_mx(f.note(format!(
                "{d}'s MX is {}, an inbound filtering gateway ({}): if it passes {d}'s mail on to this server, {d} must be local, as its manual setting says; today Exim refuses that mail as relaying",
                c.primary_mx(),
                g.name
            )));
        }
        routing_fix(
            c.s,
            c.account,
            d,
            target,
            ManualWrite::Keep,
            Fix::unsafe_(format!(
                "make the routing lists follow the manual setting ({})",
                target.as_str()
            )),
        )
    } else {
        f = f.note(format!(
            "Exim follows the lists today, and they agree with {d}'s MX records; the next time cPanel rebuilds routing (an MX change, an account restore, a zone reset) it applies the manual setting instead and {d}'s mail is suddenly routed {}",
            target.as_str()
        ));
        f = c.with_mx(f);
        let value = manual_value(conf);
        routing_fix(
            c.s,
            c.account,
            d,
            conf,
            ManualWrite::Value(value),
            Fix::unsafe_(format!(
                "make the manual setting follow the lists and the MX records: MXCHECK-{d}={value} ({})",
                manual_name(match conf {
                    Routing::Local => Manual::Local,
                    Routing::Remote => Manual::Remote,
                    Routing::Secondary => Manual::Secondary,
                })
            )),
        )
    };
    out.push(f.fix(fix));
}
