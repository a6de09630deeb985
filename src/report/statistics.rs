//! `--statistics`: counts per rule instead of findings.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use crate::finding::Finding;
use crate::report::Format;

#[derive(Serialize)]
struct Row<'a> {
    code: &'a str,
    name: &'a str,
    count: usize,
    fixable: usize,
}

pub fn write(
    format: Format,
    findings: &[Finding],
    unsafe_fixes: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut rows: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for f in findings {
        let e = rows.entry(f.code).or_default();
        e.0 += 1;
        if f.fixable(unsafe_fixes) {
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
        Format::Json | Format::JsonLines | Format::Sarif => {
            crate::report::escape::json_pretty(&mut *out, &rows)?;
            writeln!(out)
        }
        _ => {
            let width = rows
                .iter()
                .map(|r| r.count.to_string().len())
                .max()
                .unwrap_or(1);
            for r in &rows {
                let mark = if r.fixable > 0 { "[*]" } else { "   " };
                writeln!(out, "{:>width$}\t{}\t{mark} {}", r.count, r.code, r.name)?;
            }
            Ok(())
        }
    }
}
