//! EXIM001: what Exim's configuration reader rejects (or silently drops).

use crate::finding::{Finding, Severity};
use crate::model::Server;
use crate::parse::exim::{Config, Quirk};

use super::FAMILY;

rule!(
    EXIM001,
    "exim-syntax-error",
    Error,
    Some("warning for what Exim accepts but ignores"),
    None,
    [EXIM],
    "What Exim's configuration reader rejects: Exim refuses to start or reload."
);

pub(super) fn check(s: &Server, config: &Config, out: &mut Vec<Finding>) {
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
        let mut f = Finding::new(&EXIM001, e.message.clone())
            .severity(severity)
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
                &EXIM001,
                format!("Exim ignores this `{directive}` line: {what} follows the directive name"),
            )
            .severity(Severity::Warning)
            .at(s.exim_loc(*loc))
            .note("Exim recognises a conditional directive only when a space or the end of the line follows its name; otherwise it silently drops the whole line")
            .help(format!("write a single space after `{directive}`")),
        );
    }
}
