//! DNS — live DNS (`--resolve`): the lookups that could not be made. Judging from public DNS is
//! done by the rules it extends (RT013, RT014, …); a lookup that failed makes their verdict on a
//! domain "not verified", which this family reports, never "wrong".

use crate::finding::Finding;
use crate::model::Server;
use crate::rules::{Rule, Selection};

/// The family of these rules in `maillint rules` (used by `rule!`).
const FAMILY: &str = "live dns";

mod dns001_dns_unverifiable;

pub use dns001_dns_unverifiable::DNS001;

pub static RULES: &[&Rule] = &[&DNS001];

pub fn check(s: &Server, sel: &Selection, out: &mut Vec<Finding>) {
    if sel.on(&DNS001) {
        dns001_dns_unverifiable::check(s, out);
    }
}
