//! GitHub Actions workflow annotations:
//! `::error file=PATH,line=L,col=C,endLine=L,endColumn=C,title=CODE name::message`; with
//! `--baseline`, a last `::notice title=maillint baseline::…` with what it hid and what is fixed.

use std::io::{self, Write};

use crate::finding::Severity;
use crate::report::Report;

/// Escapes a message (data part) of a workflow command; control characters of the tree's text
/// are made visible first ([`crate::escape`]): GitHub's log viewer would interpret an
/// escape sequence.
fn data(s: &str) -> String {
    crate::escape::line(s)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value of a workflow command.
fn prop(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    for f in report.findings {
        let cmd = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let name = f.rule.name;
        let title = prop(&format!("{} {name}", f.code()));
        match &f.location {
            Some(loc) => {
                let s = report.files.line_col(loc);
                let e = report.files.line_col_at(&loc.file, loc.span.end as usize);
                writeln!(
                    out,
                    "::{cmd} file={},line={},col={},endLine={},endColumn={},title={title}::{}",
                    prop(&loc.file),
                    s.line,
                    s.column,
                    e.line,
                    e.column,
                    data(&f.message)
                )?;
            }
            None => writeln!(out, "::{cmd} title={title}::{}", data(&f.message))?,
        }
    }
    // With --baseline, one notice says what it hid and what is fixed since.
    if let Some(b) = report.baseline {
        writeln!(
            out,
            "::notice title=maillint baseline::{}",
            data(&format!(
                "baseline {}: {} {} hidden, {} fixed since it was recorded",
                b.file,
                b.hidden,
                crate::report::plural(b.hidden, "finding", "findings"),
                b.fixed
            ))
        )?;
    }
    Ok(())
}
