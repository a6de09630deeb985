//! EXIM — the Exim configuration (`etc/exim.conf` and what it includes).

use crate::finding::Finding;
use crate::model::Server;
use crate::parse::exim::{Config, Loc};
use crate::rules::{Rule, Selection};

/// The family of these rules in `maillint rules` (used by `rule!`).
const FAMILY: &str = "exim";

mod exim001_exim_syntax_error;
mod exim002_local_domains_source;
mod exim003_open_relay;
mod exim004_no_submission_port;
mod exim005_plaintext_auth;
mod exim006_undefined_reference;
mod exim007_missing_include;
mod exim008_unknown_localopts_key;
mod exim009_weak_tls;
mod exim010_local_overrides_localopts;

pub use exim001_exim_syntax_error::EXIM001;
pub use exim002_local_domains_source::EXIM002;
pub use exim003_open_relay::EXIM003;
pub use exim004_no_submission_port::EXIM004;
pub use exim005_plaintext_auth::EXIM005;
pub use exim006_undefined_reference::EXIM006;
pub use exim007_missing_include::EXIM007;
pub use exim008_unknown_localopts_key::EXIM008;
pub use exim009_weak_tls::EXIM009;
pub use exim010_local_overrides_localopts::EXIM010;

pub static RULES: &[&Rule] = &[
    &EXIM001, &EXIM002, &EXIM003, &EXIM004, &EXIM005, &EXIM006, &EXIM007, &EXIM008, &EXIM009,
    &EXIM010,
];

pub fn check(s: &Server, sel: &Selection, out: &mut Vec<Finding>) {
    // The rules about cPanel's sources run on them even without a generated etc/exim.conf.
    if sel.on(&EXIM008) {
        exim008_unknown_localopts_key::check(s, out);
    }
    if sel.on(&EXIM010) {
        exim010_local_overrides_localopts::check(s, out);
    }
    if sel.on(&EXIM004) {
        exim004_no_submission_port::check(s, out);
    }
    if sel.on(&EXIM005) {
        exim005_plaintext_auth::check(s, out);
    }
    if sel.on(&EXIM009) {
        exim009_weak_tls::check(s, out);
    }
    let Some(config) = &s.exim else {
        return;
    };
    if sel.on(&EXIM001) {
        exim001_exim_syntax_error::check(s, config, out);
    }
    if sel.on(&EXIM002) {
        exim002_local_domains_source::check(s, config, out);
    }
    if sel.on(&EXIM003) {
        exim003_open_relay::check(s, config, out);
    }
    if sel.on(&EXIM006) {
        exim006_undefined_reference::check(s, config, out);
    }
    if sel.on(&EXIM007) {
        exim007_missing_include::check(s, config, out);
    }
}

/// Where an item of a value is: its exact place when the value is written as it reads (one
/// line, not quoted), else the whole value.
fn item_loc(c: &Config, value_loc: Loc, value: &str, range: std::ops::Range<usize>) -> Loc {
    if c.text(value_loc) == value && range.end <= value.len() {
        Loc {
            file: value_loc.file,
            span: crate::source::Span::new(
                value_loc.span.start as usize + range.start,
                value_loc.span.start as usize + range.end,
            ),
        }
    } else {
        value_loc
    }
}
