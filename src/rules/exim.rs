//! EXIM — the Exim configuration.

use crate::finding::Finding;
use crate::model::Server;
use crate::rules::RuleInfo;

pub const RULES: &[RuleInfo] = &[];

pub fn check(_server: &Server, _out: &mut Vec<Finding>) {}
