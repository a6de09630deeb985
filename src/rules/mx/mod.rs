//! MX — the MX records of mail domains whose zone is in the tree.

use crate::finding::Finding;
use crate::model::Server;
use crate::model::dns::ZoneRecord;
use crate::parse::zone::{RData, RType, Target};
use crate::rules::{Rule, Selection};

/// The family of these rules in `maillint rules` (used by `rule!`).
const FAMILY: &str = "mx";

mod mx001_mx_target_cname;
mod mx002_mx_target_ip_literal;
mod mx003_null_mx_conflict;
mod mx004_no_mail_exchanger;
mod mx005_mx_target_dangling;
mod online;

pub use mx001_mx_target_cname::MX001;
pub use mx002_mx_target_ip_literal::MX002;
pub use mx003_null_mx_conflict::MX003;
pub use mx004_no_mail_exchanger::MX004;
pub use mx005_mx_target_dangling::MX005;

pub static RULES: &[&Rule] = &[&MX001, &MX002, &MX003, &MX004, &MX005];

/// A mail domain whose zone is in the tree, with its MX records.
struct Dom<'a> {
    s: &'a Server,
    name: String,
    user: Option<String>,
    mx: Vec<ZoneRecord<'a>>,
}

impl<'a> Dom<'a> {
    fn finding(&self, rule: &'static Rule, message: String) -> Finding {
        Finding::new(rule, message)
            .domain(self.name.clone())
            .maybe_user(self.user.clone())
    }

    /// The MX records that name a host (not the null MX), with that host.
    fn exchanges(&self) -> impl Iterator<Item = (&ZoneRecord<'a>, &'a Target)> {
        self.mx.iter().filter_map(|r| match &r.record.data {
            RData::Mx { exchange, .. } if !exchange.is_root() => Some((r, &**exchange)),
            _ => None,
        })
    }
}

pub fn check(s: &Server, sel: &Selection, out: &mut Vec<Finding>) {
    for d in s.mail_domains() {
        if s.zone_of(&d).is_none() {
            continue;
        }
        let dom = Dom {
            s,
            user: s.domains.get(&d).map(|i| i.user.clone()),
            mx: s.records_of(&d, RType::Mx),
            name: d,
        };
        if dom.mx.is_empty() {
            if sel.on(&MX004) {
                mx004_no_mail_exchanger::check(&dom, out);
            }
            continue;
        }
        if sel.on(&MX003) {
            mx003_null_mx_conflict::check(&dom, out);
        }
        if sel.on(&MX002) {
            mx002_mx_target_ip_literal::check(&dom, out);
        }
        if sel.on(&MX005) {
            mx005_mx_target_dangling::check(&dom, out);
            if s.public.is_some() {
                online::check(&dom, out);
            }
        }
        if sel.on(&MX001) {
            mx001_mx_target_cname::check(&dom, out);
        }
    }
}
