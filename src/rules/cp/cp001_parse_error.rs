//! CP001: files maillint cannot parse or read.

use crate::finding::Finding;
use crate::model::Server;

use super::FAMILY;

rule!(
    CP001,
    "parse-error",
    Error,
    None,
    None,
    [FILES],
    "A file maillint cannot parse, with the position and what was expected."
);

/// The note of a file the tree could not read (reported with the family's other refusals).
pub(super) const UNREADABLE_NOTE: &str =
    "maillint could not read this file; the rest of the server was still checked";

/// The note of the first problem of a zone file (see `Server::unusable_zones`).
const ZONE_NOTE: &str = "BIND refuses to load a zone file with a syntax error, so DNS does not serve what this file says: maillint judges none of its records (MX, SPF, DKIM, DMARC, routing detection) and writes no fix into it until it parses";

/// Problems reported per file; a binary file would otherwise give one finding per line.
const MAX_PER_FILE: usize = 5;

/// CP001: the syntax errors of every non-Exim file (the first few of each file).
pub(super) fn check(server: &Server, out: &mut Vec<Finding>) {
    let mut per_file: std::collections::BTreeMap<&str, usize> = Default::default();
    for p in &server.parse_problems {
        *per_file.entry(p.file.as_str()).or_default() += 1;
    }
    let mut seen: std::collections::BTreeMap<&str, usize> = Default::default();
    for p in &server.parse_problems {
        let n = seen.entry(p.file.as_str()).or_default();
        *n += 1;
        if *n > MAX_PER_FILE {
            continue;
        }
        let total = per_file[p.file.as_str()];
        let mut f = Finding::new(
            &CP001,
            format!(
                "cannot parse {} as a {}: {}",
                p.file, p.format, p.error.message
            ),
        )
        .at_span(&p.file, p.error.span)
        .note("maillint skipped what it could not parse; the rest of the server was still checked");
        if *n == 1 && server.unusable_zones.values().any(|z| z.path() == p.file) {
            f = f.note(ZONE_NOTE);
        }
        if let Some(h) = &p.error.help {
            f = f.help(h.clone());
        }
        if *n == MAX_PER_FILE && total > MAX_PER_FILE {
            f = f.note(format!(
                "{} more problems in {} are not listed (is it a text file at all?)",
                total - MAX_PER_FILE,
                p.file
            ));
        }
        out.push(f);
    }
}
