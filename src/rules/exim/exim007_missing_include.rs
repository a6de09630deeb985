//! EXIM007: `.include` of a file that is not there.

use crate::finding::Finding;
use crate::model::Server;
use crate::parse::exim::{Config, IncludeStatus};

use super::FAMILY;

rule!(
    EXIM007,
    "missing-include",
    Error,
    None,
    None,
    [EXIM],
    "`.include` of a file that is not there: Exim refuses the configuration."
);

pub(super) fn check(s: &Server, config: &Config, out: &mut Vec<Finding>) {
    for inc in &config.includes {
        if inc.if_exists || inc.status != IncludeStatus::NotFound {
            continue;
        }
        out.push(
            Finding::new(
                &EXIM007,
                format!("`.include {}`: the file does not exist", inc.path),
            )
            .at(s.exim_loc(inc.path_loc))
            .label("not found")
            .note("Exim refuses to start or reload when a `.include` file is missing")
            .help("create the file, or use `.include_if_exists` for a file that may be absent"),
        );
    }
}
