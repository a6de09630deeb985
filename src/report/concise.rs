//! The `concise` format: `path:line:col: CODE [severity] message`, one finding per line (text
//! from the tree escaped: [`crate::escape`]).

use std::io::{self, Write};

use crate::escape::Esc;
use crate::report::{Report, write_totals};

pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    for f in report.findings {
        match &f.location {
            Some(loc) => {
                let lc = report.files.line_col(loc);
                writeln!(
                    out,
                    "{}:{}:{}: {} [{}] {}",
                    Esc(&loc.file),
                    lc.line,
                    lc.column,
                    f.code(),
                    f.severity,
                    Esc(&f.message)
                )?;
            }
            None => writeln!(out, "-: {} [{}] {}", f.code(), f.severity, Esc(&f.message))?,
        }
    }
    if !report.findings.is_empty() {
        writeln!(out)?;
    }
    write_totals(report, out)
}
