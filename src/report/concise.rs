//! The `concise` format: `path:line:col: CODE [severity] message`, one finding per line.

use std::io::{self, Write};

use crate::report::{Report, write_totals};

pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    for f in report.findings {
        match &f.location {
            Some(loc) => {
                let lc = report.files.line_col(loc);
                writeln!(
                    out,
                    "{}:{}:{}: {} [{}] {}",
                    loc.file,
                    lc.line,
                    lc.column,
                    f.code(),
                    f.severity,
                    f.message
                )?;
            }
            None => writeln!(out, "-: {} [{}] {}", f.code(), f.severity, f.message)?,
        }
    }
    if !report.findings.is_empty() {
        writeln!(out)?;
    }
    write_totals(report, out)
}
