//! Output formats. Every format renders the same sorted findings; paths are display paths
//! relative to the root, with `/`.

use std::io::{self, Write};

use serde::Serialize;

use crate::finding::{Counts, Files, Finding};
use crate::text::join_and;
pub use crate::text::plural;

pub mod baseline;
pub mod concise;
pub use crate::escape;
pub mod full;
pub mod github;
pub mod json;
pub mod sarif;
pub mod statistics;

/// The output formats of `--format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// rustc/ruff-style diagnostics with source snippets and fix previews (default)
    Full,
    /// one line per finding: `path:line:col: CODE [severity] message`
    Concise,
    /// one JSON document with every finding and a summary
    Json,
    /// one JSON object per finding and line
    JsonLines,
    /// SARIF 2.1.0, with fixes
    Sarif,
    /// GitHub Actions workflow annotations
    Github,
}

/// Totals shown at the end of a report and in the JSON summary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// Findings with a fix that `--fix` can apply, safe or unsafe (display-only advice is not
    /// counted).
    pub fixable: usize,
    pub accounts: usize,
    pub domains: usize,
    pub files: usize,
    /// Of those, the ones with a safe fix (not serialized).
    #[serde(skip)]
    pub safe_fixable: usize,
    /// Of those, the ones with an unsafe fix (not serialized).
    #[serde(skip)]
    pub unsafe_fixable: usize,
}

impl Summary {
    pub fn new(findings: &[Finding], accounts: usize, domains: usize, files: usize) -> Summary {
        let c = Counts::of(findings);
        let safe = findings.iter().filter(|f| f.fixable(false)).count();
        let all = findings.iter().filter(|f| f.fixable(true)).count();
        Summary {
            errors: c.errors,
            warnings: c.warnings,
            infos: c.infos,
            fixable: all,
            accounts,
            domains,
            files,
            safe_fixable: safe,
            unsafe_fixable: all - safe,
        }
    }

    pub fn total(&self) -> usize {
        self.errors + self.warnings + self.infos
    }
}

/// The `summary` object of the JSON documents: the totals, and with `--baseline` what it did
/// (`{"file", "hidden", "fixed", "fixed_findings": [entries]}`, absent without `--baseline`).
#[derive(Serialize)]
pub struct JsonSummary<'a> {
    #[serde(flatten)]
    pub totals: Summary,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<&'a baseline::Outcome>,
}

impl Report<'_> {
    pub fn json_summary(&self) -> JsonSummary<'_> {
        JsonSummary {
            totals: self.summary,
            baseline: self.baseline,
        }
    }
}

/// Everything a format needs.
pub struct Report<'a> {
    /// The root as the user gave it.
    pub root: &'a str,
    pub findings: &'a [Finding],
    pub files: &'a Files,
    pub summary: Summary,
    /// Colour escapes (only on a terminal).
    pub color: bool,
    /// Whether `--unsafe-fixes` was given (changes the fix hints).
    pub unsafe_fixes: bool,
    /// With `--baseline`: the findings it hid and the entries now fixed. Every format's summary
    /// says so (the totals lines, the `baseline` field of the JSON summary, the SARIF run's
    /// properties, a GitHub notice).
    pub baseline: Option<&'a baseline::Outcome>,
}

/// Writes the report in a format.
pub fn write(format: Format, report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Full => full::write(report, out),
        Format::Concise => concise::write(report, out),
        Format::Json => json::write(report, out),
        Format::JsonLines => json::write_lines(report, out),
        Format::Sarif => sarif::write(report, out),
        Format::Github => github::write(report, out),
    }
}

/// The closing lines of the human formats: totals and what `--fix` can do.
pub fn write_totals(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let s = &report.summary;
    let scope = format!(
        "{} {}, {} {}, {} {}",
        s.files,
        plural(s.files, "file", "files"),
        s.accounts,
        plural(s.accounts, "account", "accounts"),
        s.domains,
        plural(s.domains, "domain", "domains"),
    );
    if s.total() == 0 {
        if report.baseline.is_some_and(|b| b.hidden > 0) {
            writeln!(out, "No findings beyond the baseline ({scope}).")?;
        } else {
            writeln!(out, "All checks passed ({scope}).")?;
        }
        return write_baseline_line(report, out);
    }
    let mut parts = Vec::new();
    for (n, one, many) in [
        (s.errors, "error", "errors"),
        (s.warnings, "warning", "warnings"),
        (s.infos, "info", "infos"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {}", plural(n, one, many)));
        }
    }
    writeln!(out, "Found {} ({scope}).", join_and(&parts))?;
    if report.unsafe_fixes && s.fixable > 0 {
        writeln!(out, "[*] {} fixable with --fix --unsafe-fixes.", s.fixable)?;
    } else if s.safe_fixable > 0 {
        let hidden = if s.unsafe_fixable > 0 {
            format!(" ({} more with --unsafe-fixes)", s.unsafe_fixable)
        } else {
            String::new()
        };
        writeln!(out, "[*] {} fixable with --fix{hidden}.", s.safe_fixable)?;
    } else if s.unsafe_fixable > 0 {
        writeln!(
            out,
            "No fixes available with --fix ({} with --fix --unsafe-fixes).",
            s.unsafe_fixable
        )?;
    }
    write_baseline_line(report, out)
}

/// `Baseline FILE: N findings hidden, M fixed since it was recorded.`
fn write_baseline_line(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let Some(b) = report.baseline else {
        return Ok(());
    };
    writeln!(
        out,
        "Baseline {}: {} {} hidden, {} fixed since it was recorded.",
        escape::Esc(&b.file),
        b.hidden,
        plural(b.hidden, "finding", "findings"),
        b.fixed
    )
}
