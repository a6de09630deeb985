//! EXIM — the Exim configuration (`etc/exim.conf` and what it includes).

use crate::finding::{Finding, Severity};
use crate::model::Server;
use crate::parse::exim::{IncludeStatus, Quirk};
use crate::rules::RuleInfo;

/// The family of these rules in `maillint rules` (used by `rule!`).
const FAMILY: &str = "exim";

pub const RULES: &[RuleInfo] = &[
    rule!(
        "EXIM001",
        "exim-syntax-error",
        Error,
        Some("warning for what Exim accepts but ignores"),
        None,
        "What Exim's configuration reader rejects: Exim refuses to start or reload."
    ),
    rule!(
        "EXIM007",
        "missing-include",
        Error,
        None,
        "`.include` of a file that is not there: Exim refuses the configuration."
    ),
];

pub fn check(s: &Server, out: &mut Vec<Finding>) {
    let Some(config) = &s.exim else {
        return;
    };
    for e in config.errors() {
        let (severity, note) = if e.exim_rejects {
            (
                Severity::Error,
                "Exim reads the whole configuration when it starts: with this error it refuses to start or reload, and no mail moves",
            )
        } else {
            (
                Severity::Warning,
                "Exim accepts this but ignores part of the file, which is rarely what was meant",
            )
        };
        let mut f = Finding::new("EXIM001", severity, e.message.clone())
            .at(s.exim_loc(e.loc))
            .note(note);
        if let Some(h) = &e.help {
            f = f.help(h.clone());
        }
        out.push(f);
    }
    for q in &config.quirks {
        let Quirk::DroppedDirective {
            loc,
            directive,
            next,
        } = q;
        let what = match next {
            '\t' => "a tab".to_string(),
            '\r' => "a carriage return (Windows line end)".to_string(),
            c => format!("`{c}`"),
        };
        out.push(
            Finding::new(
                "EXIM001",
                Severity::Warning,
                format!("Exim ignores this `{directive}` line: {what} follows the directive name"),
            )
            .at(s.exim_loc(*loc))
            .note("Exim recognises a conditional directive only when a space or the end of the line follows its name; otherwise it silently drops the whole line")
            .help(format!("write a single space after `{directive}`")),
        );
    }
    for inc in &config.includes {
        if inc.if_exists || inc.status != IncludeStatus::NotFound {
            continue;
        }
        out.push(
            Finding::new(
                "EXIM007",
                Severity::Error,
                format!("`.include {}`: the file does not exist", inc.path),
            )
            .at(s.exim_loc(inc.path_loc))
            .label("not found")
            .note("Exim refuses to start or reload when a `.include` file is missing")
            .help("create the file, or use `.include_if_exists` for a file that may be absent"),
        );
    }
}
