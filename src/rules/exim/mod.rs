//! EXIM — the Exim configuration (`etc/exim.conf` and what it includes).

use crate::finding::Finding;
use crate::model::Server;
use crate::rules::{Rule, Selection};

/// The family of these rules in `maillint rules` (used by `rule!`).
const FAMILY: &str = "exim";

mod exim001_exim_syntax_error;
mod exim007_missing_include;

pub use exim001_exim_syntax_error::EXIM001;
pub use exim007_missing_include::EXIM007;

pub static RULES: &[&Rule] = &[&EXIM001, &EXIM007];

pub fn check(s: &Server, sel: &Selection, out: &mut Vec<Finding>) {
    let Some(config) = &s.exim else {
        return;
    };
    if sel.on(&EXIM001) {
        exim001_exim_syntax_error::check(s, config, out);
    }
    if sel.on(&EXIM007) {
        exim007_missing_include::check(s, config, out);
    }
}
