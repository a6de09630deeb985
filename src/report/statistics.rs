//! `--statistics`: counts per rule instead of findings, in the form `--format` asks for.
//!
//! - `full`, `concise`, `github`: a table, one rule a line, most frequent first
//!   (`COUNT<tab>CODE<tab>[*] name`, `[*]` when `--fix` can fix some), then the totals lines of
//!   the human formats.
//! - `json`: one document `{"version": 1, "root", "statistics": [{code, name, count, fixable}],
//!   "summary"}` (the summary of the `json` format, with its `baseline` field).
//! - `json-lines`: one `{code, name, count, fixable}` object per line.
//! - `sarif` has no place for counts: `check` refuses `--statistics --format sarif`.
//!
//! Codes and names come from the registry, never from the tree; nothing here needs escaping.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use crate::report::{Format, JsonSummary, Report, escape, write_totals};

#[derive(Serialize)]
struct Row<'a> {
    code: &'a str,
    name: &'a str,
    count: usize,
    fixable: usize,
}

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    root: &'a str,
    statistics: Vec<Row<'a>>,
    summary: JsonSummary<'a>,
}

pub fn write(format: Format, report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let mut rows: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for f in report.findings {
        let e = rows.entry(f.code()).or_default();
        e.0 += 1;
        if f.fixable(report.unsafe_fixes) {
            e.1 += 1;
        }
    }
    let mut rows: Vec<Row<'_>> = rows
        .into_iter()
        .map(|(code, (count, fixable))| Row {
            code,
            name: crate::rules::get(code).map_or("", |r| r.name),
            count,
            fixable,
        })
        .collect();
    rows.sort_by(|a, b| b.count.cmp(&a.count).then(a.code.cmp(b.code)));
    match format {
        Format::Json | Format::Sarif => {
            let doc = Document {
                version: 1,
                root: report.root,
                statistics: rows,
                summary: report.json_summary(),
            };
            escape::json_pretty(&mut *out, &doc)?;
            writeln!(out)
        }
        Format::JsonLines => {
            for r in &rows {
                escape::json_compact(&mut *out, r)?;
                writeln!(out)?;
            }
            Ok(())
        }
        Format::Full | Format::Concise | Format::Github => {
            let width = rows
                .iter()
                .map(|r| r.count.to_string().len())
                .max()
                .unwrap_or(1);
            for r in &rows {
                let mark = if r.fixable > 0 { "[*]" } else { "   " };
                writeln!(out, "{:>width$}\t{}\t{mark} {}", r.count, r.code, r.name)?;
            }
            if !rows.is_empty() {
                writeln!(out)?;
            }
            write_totals(report, out)
        }
    }
}
