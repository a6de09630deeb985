//! The `json` and `json-lines` formats (schema: PRODUCT.md "Output"; `version` 1).
//!
//! Positions are 1-based lines and columns (columns count characters); `end_*` is exclusive, as
//! in ruff. A fix's `removals` lists files the fix deletes (stale cPanel caches); `commands` lists
//! the cPanel commands that do the same, which maillint never runs.

use std::io::{self, Write};

use serde::Serialize;

use crate::finding::{Files, Finding, Loc};
use crate::report::{JsonSummary, Report};
use crate::source::LineCol;

#[derive(Serialize)]
pub struct JsonReport<'a> {
    pub version: u32,
    pub root: &'a str,
    pub findings: Vec<JsonFinding<'a>>,
    pub summary: JsonSummary<'a>,
}

#[derive(Serialize)]
pub struct JsonFinding<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub severity: &'a str,
    pub message: &'a str,
    pub domain: Option<&'a str>,
    pub user: Option<&'a str>,
    pub location: Option<JsonLocation<'a>>,
    pub related: Option<Vec<JsonRelated<'a>>>,
    pub fix: Option<JsonFix<'a>>,
    /// What the mail logs show (only on findings that have evidence).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<JsonEvidence<'a>>,
}

#[derive(Serialize)]
pub struct JsonEvidence<'a> {
    pub summary: &'a str,
    pub count: u64,
    pub counts: std::collections::BTreeMap<&'a str, u64>,
    pub first: Option<String>,
    pub last: Option<String>,
    pub contradicts: bool,
    pub sample: Option<JsonSample<'a>>,
}

#[derive(Serialize)]
pub struct JsonSample<'a> {
    pub file: &'a str,
    pub line: u64,
    pub text: &'a str,
}

#[derive(Serialize)]
pub struct JsonLocation<'a> {
    pub file: &'a str,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

#[derive(Serialize)]
pub struct JsonRelated<'a> {
    pub file: &'a str,
    pub line: usize,
    pub column: usize,
    pub message: &'a str,
}

#[derive(Serialize)]
pub struct JsonFix<'a> {
    pub applicability: &'a str,
    pub message: &'a str,
    pub edits: Vec<JsonEdit<'a>>,
    pub removals: &'a [String],
    /// Files given another mode (and owner): `{file, from, mode, uid, gid}`, modes in octal.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub modes: Vec<JsonMode<'a>>,
    pub commands: &'a [String],
}

#[derive(Serialize)]
pub struct JsonMode<'a> {
    pub file: &'a str,
    pub from: String,
    pub mode: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gid: Option<u32>,
}

#[derive(Serialize)]
pub struct JsonEdit<'a> {
    pub file: &'a str,
    pub start: LineCol,
    pub end: LineCol,
    pub content: &'a str,
}

fn location<'a>(files: &Files, loc: &'a Loc) -> JsonLocation<'a> {
    let start = files.line_col(loc);
    let end = files.line_col_at(&loc.file, loc.span.end as usize);
    JsonLocation {
        file: &loc.file,
        line: start.line,
        column: start.column,
        end_line: end.line,
        end_column: end.column,
    }
}

pub fn finding<'a>(f: &'a Finding, files: &Files) -> JsonFinding<'a> {
    let name = f.rule.name;
    JsonFinding {
        code: f.code(),
        name,
        severity: f.severity.as_str(),
        message: &f.message,
        domain: f.domain.as_deref(),
        user: f.user.as_deref(),
        location: f.location.as_ref().map(|l| location(files, l)),
        related: if f.related.is_empty() {
            None
        } else {
            Some(
                f.related
                    .iter()
                    .map(|r| {
                        let lc = files.line_col(&r.loc);
                        JsonRelated {
                            file: &r.loc.file,
                            line: lc.line,
                            column: lc.column,
                            message: &r.message,
                        }
                    })
                    .collect(),
            )
        },
        fix: f.fix.as_ref().map(|fix| JsonFix {
            applicability: fix.applicability.as_str(),
            message: &fix.message,
            edits: fix
                .edits
                .iter()
                .map(|e| JsonEdit {
                    file: &e.file,
                    start: files.line_col_at(&e.file, e.span.start as usize),
                    end: files.line_col_at(&e.file, e.span.end as usize),
                    content: &e.content,
                })
                .collect(),
            removals: &fix.removals,
            modes: fix
                .modes
                .iter()
                .map(|m| JsonMode {
                    file: &m.file,
                    from: format!("{:04o}", m.from),
                    mode: format!("{:04o}", m.mode),
                    uid: m.uid,
                    gid: m.gid,
                })
                .collect(),
            commands: &fix.commands,
        }),
        evidence: f.evidence.as_deref().map(evidence),
    }
}

/// The `evidence` object of a finding (also SARIF's `properties.evidence`).
pub fn evidence(e: &crate::finding::Evidence) -> JsonEvidence<'_> {
    JsonEvidence {
        summary: &e.summary,
        count: e.count,
        counts: e.counts.iter().copied().collect(),
        first: e.first.map(crate::finding::rfc3339),
        last: e.last.map(crate::finding::rfc3339),
        contradicts: e.contradicts,
        sample: e.sample.as_ref().map(|(file, line, text)| JsonSample {
            file,
            line: *line,
            text,
        }),
    }
}

pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let doc = JsonReport {
        version: 1,
        root: report.root,
        findings: report
            .findings
            .iter()
            .map(|f| finding(f, report.files))
            .collect(),
        summary: report.json_summary(),
    };
    crate::escape::json_pretty(&mut *out, &doc)?;
    writeln!(out)
}

pub fn write_lines(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    for f in report.findings {
        crate::escape::json_compact(&mut *out, &finding(f, report.files))?;
        writeln!(out)?;
    }
    Ok(())
}
