//! SPF rules (being implemented; a rule is registered only once it runs).

use crate::finding::Finding;
use crate::model::Server;
use crate::rules::RuleInfo;

pub const RULES: &[RuleInfo] = &[];

pub fn check(_s: &Server, _out: &mut Vec<Finding>) {}
