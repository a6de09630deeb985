//! SARIF 2.1.0 (one run, the rule catalog as `tool.driver.rules`, fixes as `fixes`). With
//! `--baseline`, every result has `baselineState: "new"` and the run's `properties.baseline`
//! says what the baseline hid and which of its entries are fixed.

use std::io::{self, Write};

use serde_json::{Value, json};

use crate::finding::{Files, Finding, Severity};
use crate::report::Report;
use crate::source::Span;

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn region(files: &Files, file: &str, span: Span) -> Value {
    let s = files.line_col_at(file, span.start as usize);
    let e = files.line_col_at(file, span.end as usize);
    json!({"startLine": s.line, "startColumn": s.column, "endLine": e.line, "endColumn": e.column})
}

fn result(f: &Finding, files: &Files, rule_index: Option<usize>, baseline: bool) -> Value {
    let mut r = json!({
        "ruleId": f.code(),
        "level": level(f.severity),
        "message": {"text": f.message},
    });
    if baseline {
        // Every result reported with a baseline is one the baseline does not hold.
        r["baselineState"] = json!("new");
    }
    if let Some(i) = rule_index {
        r["ruleIndex"] = json!(i);
    }
    if let Some(loc) = &f.location {
        r["locations"] = json!([{
            "physicalLocation": {
                "artifactLocation": {"uri": loc.file, "uriBaseId": "ROOT"},
                "region": region(files, &loc.file, loc.span),
            }
        }]);
    }
    if !f.related.is_empty() {
        r["relatedLocations"] = Value::Array(
            f.related
                .iter()
                .enumerate()
                .map(|(i, rel)| {
                    json!({
                        "id": i,
                        "message": {"text": rel.message},
                        "physicalLocation": {
                            "artifactLocation": {"uri": rel.loc.file, "uriBaseId": "ROOT"},
                            "region": region(files, &rel.loc.file, rel.loc.span),
                        }
                    })
                })
                .collect(),
        );
    }
    let mut props = serde_json::Map::new();
    if let Some(d) = &f.domain {
        props.insert("domain".into(), json!(d));
    }
    if let Some(e) = &f.evidence {
        props.insert(
            "evidence".into(),
            serde_json::to_value(crate::report::json::evidence(e)).unwrap_or(Value::Null),
        );
    }
    if let Some(u) = &f.user {
        props.insert("user".into(), json!(u));
    }
    if let Some(fix) = &f.fix {
        props.insert("fixApplicability".into(), json!(fix.applicability.as_str()));
        if !fix.edits.is_empty() {
            let mut by_file: Vec<(&str, Vec<Value>)> = Vec::new();
            for e in &fix.edits {
                let rep = json!({
                    "deletedRegion": region(files, &e.file, e.span),
                    "insertedContent": {"text": e.content},
                });
                match by_file.iter_mut().find(|(p, _)| *p == e.file) {
                    Some((_, v)) => v.push(rep),
                    None => by_file.push((&e.file, vec![rep])),
                }
            }
            r["fixes"] = json!([{
                "description": {"text": format!("{} ({})", fix.message, fix.applicability.as_str())},
                "artifactChanges": by_file.into_iter().map(|(p, reps)| json!({
                    "artifactLocation": {"uri": p, "uriBaseId": "ROOT"},
                    "replacements": reps,
                })).collect::<Vec<_>>(),
            }]);
        }
    }
    if !props.is_empty() {
        r["properties"] = Value::Object(props);
    }
    r
}

pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let rules: Vec<_> = crate::rules::all().collect();
    let driver_rules: Vec<Value> = rules
        .iter()
        .map(|r| {
            json!({
                "id": r.code,
                "name": r.name,
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": r.summary},
                "help": {"text": r.doc, "markdown": r.doc},
                "defaultConfiguration": {"level": level(r.severity)},
                "properties": {"family": r.family, "fix": r.fix},
            })
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let idx = rules.iter().position(|r| r.code == f.code());
            result(f, report.files, idx, report.baseline.is_some())
        })
        .collect();
    let root_uri = root_uri(report.root);
    let mut doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "maillint",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/maillint/maillint",
                "rules": driver_rules,
            }},
            "originalUriBaseIds": {"ROOT": {"uri": root_uri}},
            "results": results,
        }],
    });
    if let Some(b) = report.baseline {
        // The run's properties: what the baseline hid, and its entries fixed since.
        doc["runs"][0]["properties"] = json!({"baseline": b});
    }
    crate::escape::json_pretty(&mut *out, &doc)?;
    writeln!(out)
}

/// The root as a `file://` URI ending in `/` when it is a directory path.
fn root_uri(root: &str) -> String {
    let abs = std::path::absolute(root)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| root.to_string());
    let mut uri = String::from("file://");
    for c in abs.chars() {
        match c {
            ' ' => uri.push_str("%20"),
            '%' => uri.push_str("%25"),
            '#' => uri.push_str("%23"),
            '?' => uri.push_str("%3F"),
            c => uri.push(c),
        }
    }
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}
