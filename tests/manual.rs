//! `maillint completions SHELL` and `maillint man`: they run, and what they print covers every
//! command and option of the command line (taken from the clap definitions themselves, so a
//! command added later is checked too). Bash's completion is exercised the way bash calls it;
//! the manual page is rendered by groff with every warning on.

mod common;

use std::io::Write;
use std::process::{Command as Process, Stdio};

use clap::CommandFactory;
use maillint::cli::Cli;

fn maillint(args: &[&str]) -> (i32, String, String) {
    let out = assert_cmd::Command::cargo_bin("maillint")
        .unwrap()
        .args(args)
        .timeout(std::time::Duration::from_secs(30))
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// Every command name, from the definitions.
fn commands() -> Vec<String> {
    let cmd = Cli::command();
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    for expected in ["check", "rule", "rules", "restore", "completions", "man"] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} in {names:?}"
        );
    }
    names
}

/// Every long option of `check`, from the definitions.
fn check_options() -> Vec<String> {
    let cmd = Cli::command();
    let check = cmd.find_subcommand("check").unwrap();
    // Hidden options (`--describe`, which manage_hooks runs, and the hook's `--scope-user`) are
    // not documented.
    let longs: Vec<String> = check
        .get_arguments()
        .filter(|a| !a.is_hide_set())
        .filter_map(|a| a.get_long())
        .map(|l| format!("--{l}"))
        .collect();
    for expected in [
        "--fix",
        "--dry-run",
        "--format",
        "--baseline",
        "--write-baseline",
    ] {
        assert!(
            longs.iter().any(|l| l == expected),
            "{expected} in {longs:?}"
        );
    }
    longs
}

#[test]
fn completions_for_every_shell_name_every_command_and_option() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let (code, out, err) = maillint(&["completions", shell]);
        assert_eq!(code, 0, "{shell}: {err}");
        assert_eq!(err, "", "{shell}");
        for name in commands() {
            assert!(
                out.contains(&name),
                "{shell}: the completion lacks the command {name}"
            );
        }
        for opt in check_options() {
            // fish writes `-l baseline`, the others `--baseline`.
            let fish = format!("-l {}", &opt[2..]);
            assert!(
                out.contains(&opt) || (shell == "fish" && out.contains(&fish)),
                "{shell}: the completion lacks {opt}"
            );
        }
        // Values of value enums are offered (elvish's and PowerShell's completers offer
        // commands and options only).
        if !matches!(shell, "elvish" | "powershell") {
            for v in ["json-lines", "sarif"] {
                assert!(out.contains(v), "{shell}: {v}");
            }
        }
    }
}

#[test]
fn unknown_shell_is_a_usage_error_listing_the_shells() {
    let (code, out, err) = maillint(&["completions", "tcsh"]);
    assert_eq!(code, 2);
    assert_eq!(out, "");
    assert!(err.contains("invalid value 'tcsh'"), "{err}");
    assert!(err.contains("bash, elvish, fish, powershell, zsh"), "{err}");
}

/// Runs bash's completion function for a command line ending in `words` (the last one being
/// completed) and returns what it offers.
fn bash_complete(script: &str, words: &[&str]) -> Vec<String> {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let prog = format!(
        "{script}\nCOMP_WORDS=(maillint {})\nCOMP_CWORD={}\nCOMP_LINE=\"${{COMP_WORDS[*]}}\"\n\
         COMP_POINT=${{#COMP_LINE}}\n_maillint maillint '{}' '{}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        quoted.join(" "),
        words.len(),
        words.last().unwrap(),
        if words.len() >= 2 {
            words[words.len() - 2]
        } else {
            "maillint"
        },
    );
    let mut child = Process::new("bash")
        .arg("--norc")
        .arg("-s")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bash");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(prog.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "bash: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn bash_completes_commands_options_and_values() {
    let (_, script, _) = maillint(&["completions", "bash"]);
    let first = bash_complete(&script, &[""]);
    for name in commands() {
        assert!(first.contains(&name), "{name} not offered: {first:?}");
    }
    assert!(first.contains(&"--baseline".to_string()), "{first:?}");
    let formats = bash_complete(&script, &["--format", ""]);
    assert_eq!(
        formats,
        ["full", "concise", "json", "json-lines", "sarif", "github"]
    );
    let shells = bash_complete(&script, &["completions", ""]);
    for s in ["bash", "zsh", "fish", "elvish", "powershell"] {
        assert!(shells.contains(&s.to_string()), "{shells:?}");
    }
    let opts = bash_complete(&script, &["--write-b"]);
    assert_eq!(opts, ["--write-baseline"]);
}

#[test]
fn the_manual_page_names_every_command_and_option_and_renders_cleanly() {
    let (code, page, err) = maillint(&["man"]);
    assert_eq!(code, 0, "{err}");
    assert!(page.contains("\n.TH MAILLINT 1 "), "{}", &page[..200]);
    assert!(page.contains(&format!("maillint {}", env!("CARGO_PKG_VERSION"))));
    for section in [
        "NAME",
        "SYNOPSIS",
        "DESCRIPTION",
        "\"CHECK OPTIONS\"",
        "COMMANDS",
        "\"EXIT STATUS\"",
        "FILES",
        "EXAMPLES",
    ] {
        assert!(
            page.contains(&format!(".SH {section}\n")),
            "no section {section}"
        );
    }
    for name in commands() {
        assert!(
            page.contains(&format!(".SS \"maillint {name}")),
            "the COMMANDS section lacks {name}"
        );
    }
    // roff writes `-` as `\-` in option names.
    for opt in check_options() {
        let roff = opt.replace('-', "\\-");
        assert!(page.contains(&roff), "the page lacks {opt}");
    }
    // Options of the other commands are there too.
    assert!(page.contains("\\-\\-root"), "restore --root");

    // groff renders it without a warning.
    let Some(groff) = common::tool("groff", "groff-base") else {
        return;
    };
    let mut child = Process::new(groff)
        .args(["-man", "-Tutf8", "-ww", "-P-cbou"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(page.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let warnings = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && warnings.is_empty(), "{warnings}");
    // What a reader sees (groff may hyphenate; compare without line breaks and hyphenation).
    let text = String::from_utf8_lossy(&out.stdout)
        .replace("\u{2010}\n", "")
        .replace(['\n'], " ");
    let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains("maillint restore BACKUP [OPTIONS]"), "{text}");
    assert!(text.contains("--write-baseline <FILE>"), "{text}");
}
