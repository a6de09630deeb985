//! The dependency arrows of the crate run one way: each module may use the modules of its own
//! layer and of the layers below it, never those above (README "Architecture").
//!
//! ```text
//! 0  source clock base64 der providers select escape sync text   (leaves)
//! 1  tree        reads the server tree safely; the overlay of fixed files
//! 2  parse dns   one lossless parser per format; live DNS answers (--resolve)
//! 3  model       the server, built once from the parsed files
//! 4  finding rules
//! 5  fix         choosing, applying, writing fixes
//! 6  report      output formats
//! 7  config cli manual hook
//! ```
//!
//! The test reads every file under `src/` and fails on a `crate::` path that names a module of a
//! higher layer. Unit tests at the end of a file (after `#[cfg(test)]`) may use anything.

use std::fs;
use std::path::{Path, PathBuf};

fn layer(module: &str) -> Option<usize> {
    Some(match module {
        "source" | "clock" | "base64" | "der" | "providers" | "select" | "escape" | "sync"
        | "text" => 0,
        "tree" => 1,
        // `dns` (live DNS, `--resolve`) is read after parsing and becomes model input.
        "parse" | "dns" => 2,
        "model" => 3,
        "finding" | "rules" => 4,
        "fix" => 5,
        "report" => 6,
        "config" | "cli" | "manual" | "hook" => 7,
        _ => return None,
    })
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The modules named by `crate::NAME` in a line of code (not in a comment).
fn used_modules(line: &str) -> Vec<String> {
    let code = match line.find("//") {
        Some(i) => &line[..i],
        None => line,
    };
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        let after = &rest[i + "crate::".len()..];
        let name: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        // `crate::{…}` groups are read below; `$crate::` in macros is this crate too.
        if !name.is_empty() {
            out.push(name);
        }
        rest = after;
    }
    // `use crate::{a, b}` groups.
    if let Some(i) = code.find("crate::{") {
        for part in code[i + "crate::{".len()..].split([',', '}']) {
            let name: String = part
                .trim()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.push(name);
            }
        }
    }
    out
}

#[test]
fn no_module_uses_a_module_of_a_higher_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut upward = Vec::new();
    let mut checked = 0;
    for file in &files {
        let rel = file.strip_prefix(&src).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = first.trim_end_matches(".rs").to_string();
        if module == "lib" || module == "main" {
            continue;
        }
        let own = layer(&module).unwrap_or_else(|| {
            panic!("src/{module}: add the module to the layers of tests/architecture.rs")
        });
        let text = fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("#[cfg(test)]") {
                break;
            }
            for used in used_modules(line) {
                let Some(theirs) = layer(&used) else {
                    continue;
                };
                checked += 1;
                if theirs > own {
                    upward.push(format!(
                        "src/{}:{}: {module} (layer {own}) uses crate::{used} (layer {theirs})",
                        rel.display(),
                        n + 1
                    ));
                }
            }
        }
    }
    assert!(
        checked > 300,
        "only {checked} crate:: paths found: is the scan broken?"
    );
    assert!(
        upward.is_empty(),
        "upward dependencies:\n{}",
        upward.join("\n")
    );
}

#[test]
fn the_scan_sees_the_forms_of_a_path() {
    assert_eq!(used_modules("use crate::model::Server;"), ["model"]);
    assert_eq!(
        used_modules("use crate::{finding::Loc, tree::Overlay};"),
        ["finding", "tree"]
    );
    assert_eq!(
        used_modules("    x(crate::fix::apply(a)) // crate::cli"),
        ["fix"]
    );
    assert!(used_modules("/// see [`crate::report`]").is_empty());
}
