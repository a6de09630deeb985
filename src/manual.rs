//! `maillint completions SHELL` and `maillint man`: shell completions (clap_complete) and the
//! manual page (clap_mangen), both generated from the clap definitions of [`crate::cli`], so they
//! list exactly the commands and options the binary accepts.
//!
//! The manual page is one page, `maillint(1)`: the options of `check` (the default command),
//! then every other command with its own arguments and options in the COMMANDS section, then
//! exit status, files, environment and examples. (clap_mangen's own layout points to one page
//! per subcommand, `maillint-restore(1)`…; one page is what `man maillint` users expect of a
//! small tool, and it cannot go out of step with the pages it names.)

use std::io::{self, Write};

use clap::CommandFactory;
use clap_complete::aot::Shell;

use crate::cli::Cli;

/// The binary's name, as completions register it.
const BIN: &str = "maillint";

/// Writes the completion script of `shell` for maillint.
pub fn completions(shell: Shell, out: &mut dyn Write) -> io::Result<()> {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::aot::generate(shell, &mut cmd, BIN, &mut buf);
    out.write_all(&buf)
}

/// Writes the manual page, `maillint(1)`, in roff.
pub fn man(out: &mut dyn Write) -> io::Result<()> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let page = clap_mangen::Man::new(cmd.clone())
        .title("MAILLINT")
        .section("1")
        .source(format!("maillint {}", env!("CARGO_PKG_VERSION")))
        .manual("User Commands");
    page.render_title(out)?;
    page.render_name_section(out)?;
    // The synopsis of every form, as `maillint --help` lists them.
    writeln!(out, ".SH SYNOPSIS")?;
    writeln!(
        out,
        "\\fBmaillint\\fR [\\fBcheck\\fR] [\\fIPATH\\fR] [\\fIOPTIONS\\fR]"
    )?;
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "check") {
        writeln!(out, ".br")?;
        writeln!(
            out,
            "\\fBmaillint {}\\fR{}",
            sub.get_name(),
            usage_tail(sub)
        )?;
    }
    page.render_description_section(out)?;
    // The options of `check`, which are also those of `maillint` without a command.
    let check = cmd
        .find_subcommand("check")
        .expect("the check command")
        .clone();
    let mut opts = Vec::new();
    clap_mangen::Man::new(check).render_options_section(&mut opts)?;
    let opts = String::from_utf8_lossy(&opts).replace(".SH OPTIONS", ".SH \"CHECK OPTIONS\"");
    out.write_all(opts.as_bytes())?;

    writeln!(out, ".SH COMMANDS")?;
    for sub in cmd.get_subcommands() {
        writeln!(
            out,
            ".SS \"maillint {}{}\"",
            sub.get_name(),
            usage_tail(sub)
        )?;
        if let Some(about) = sub.get_long_about().or_else(|| sub.get_about()) {
            writeln!(out, "{}", roff_text(&about.to_string()))?;
        }
        if sub.get_name() == "check" {
            writeln!(
                out,
                ".PP\nThe default command: \\fBmaillint\\fR \\fIPATH\\fR is \\fBmaillint check\\fR \
                 \\fIPATH\\fR. Its options are under CHECK OPTIONS."
            )?;
            continue;
        }
        let has_args = sub
            .get_arguments()
            .any(|a| !a.is_hide_set() && a.get_id() != "help");
        if has_args {
            let mut opts = Vec::new();
            clap_mangen::Man::new(sub.clone()).render_options_section(&mut opts)?;
            let opts = String::from_utf8_lossy(&opts).replace(".SH OPTIONS\n", ".PP\n");
            out.write_all(opts.as_bytes())?;
        }
    }
    out.write_all(EXTRA.as_bytes())?;
    page.render_version_section(out)?;
    Ok(())
}

/// ` ARG… [OPTIONS]` after a command's name in the synopsis.
fn usage_tail(sub: &clap::Command) -> String {
    let mut tail = String::new();
    for a in sub.get_positionals().filter(|a| !a.is_hide_set()) {
        let name = a
            .get_value_names()
            .and_then(|v| v.first())
            .map(|s| s.to_string())
            .unwrap_or_else(|| a.get_id().to_string().to_uppercase());
        if a.is_required_set() {
            tail.push_str(&format!(" \\fI{name}\\fR"));
        } else {
            tail.push_str(&format!(" [\\fI{name}\\fR]"));
        }
    }
    if sub
        .get_arguments()
        .any(|a| !a.is_positional() && !a.is_hide_set() && a.get_id() != "help")
    {
        tail.push_str(" [\\fIOPTIONS\\fR]");
    }
    tail
}

/// Text for a roff paragraph: backslashes doubled, a leading `.` or `'` protected.
fn roff_text(s: &str) -> String {
    s.lines()
        .map(|l| {
            let l = l.replace('\\', "\\e");
            if l.starts_with('.') || l.starts_with('\'') {
                format!("\\&{l}")
            } else if l.is_empty() {
                ".PP".to_string()
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The sections clap has no place for.
const EXTRA: &str = r#".SH "EXIT STATUS"
.TP
\fB0\fR
Nothing at warning level or above remains (or \fB\-\-exit\-zero\fR).
.TP
\fB1\fR
Findings at warning level or above remain, or \fB\-\-dry\-run\fR printed a non\-empty diff.
With \fB\-\-baseline\fR, only findings not in the baseline count.
.TP
\fB2\fR
A usage, configuration or I/O error prevented the run (an unusable \fIPATH\fR, a tree with
nothing to check, a bad option or value, a baseline file that cannot be read).
.SH FILES
.TP
\fI./maillint.toml\fR, \fIROOT/etc/maillint.toml\fR
The configuration (the first that exists, unless \fB\-\-config\fR names one).
.TP
\fIROOT/var/lib/maillint/backup/TIME/\fR
The originals of the files \fB\-\-fix\fR changed, with a \fImanifest.json\fR, for
\fBmaillint restore\fR.
.SH ENVIRONMENT
.TP
\fBNO_COLOR\fR
No colour, even on a terminal.
.SH EXAMPLES
.TP
\fBmaillint /\fR
Lint the server maillint runs on.
.TP
\fBmaillint / \-\-fix \-\-unsafe\-fixes \-\-dry\-run\fR
Show the diff every fix would apply; write nothing.
.TP
\fBmaillint /backup/cpmove\-bob.tar.gz\fR
Audit an account backup before a migration, without unpacking it.
.TP
\fBmaillint / \-\-write\-baseline /root/maillint.json\fR; \fBmaillint / \-\-baseline /root/maillint.json\fR
Record what is there now, then report only new findings.
.TP
\fBmaillint / \-\-format json\-lines\fR
One JSON object per finding, to collect from many servers.
.TP
\fBmaillint rule RT001\fR
The documentation of a rule.
"#;
