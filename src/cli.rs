//! The command line: arguments, the `check` pipeline, and exit codes.
//!
//! Exit codes: 0 nothing at warning level or above remains; 1 findings at warning level or above
//! remain, or `--dry-run` printed a non-empty diff; 2 usage, configuration or I/O error that
//! prevents the run. A panic is a bug; `main` turns it into exit 2 with a request to report it.

use std::io::{self, IsTerminal, Write};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::Config;
use crate::finding::{self, Finding, Severity};
use crate::fix::Overlay;
use crate::report::{self, Format, Report, Summary};
use crate::rules::{self, Selection, Selector};

pub const EXIT_CLEAN: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_ERROR: i32 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "maillint",
    version,
    about = "Lint and fix the mail configuration of a cPanel & WHM server running Exim",
    long_about = "Lint and fix the mail configuration of a cPanel & WHM server running Exim.\n\n\
        PATH is a server tree (`/`, a copy of one, or a var/cpanel directory), or an account \
        backup (cpmove-USER directory or .tar.gz). `check` is the default command.",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub check: CheckArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint a server tree (the default command)
    Check(CheckArgs),
    /// Print a rule's documentation
    Rule {
        /// The rule's code, such as RT001
        code: String,
    },
    /// Put back the files of a backup made by --fix
    Restore {
        /// A backup directory (var/lib/maillint/backup/<time>/ under the root, or in --backup-dir)
        backup: PathBuf,
        /// The tree to restore into, for a backup kept outside it (--backup-dir); by default the
        /// tree the backup lies in
        #[arg(long, value_name = "DIR")]
        root: Option<PathBuf>,
        /// Show what would be restored, change nothing
        #[arg(long)]
        dry_run: bool,
        /// How long to wait for a lock cPanel holds on a file, in seconds
        #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
        lock_timeout: f64,
    },
    /// List all rules
    Rules {
        /// Output format
        #[arg(long, value_enum, default_value_t = RulesFormat::Table)]
        format: RulesFormat,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Server tree, var/cpanel directory, or account backup (default: /)
    pub path: Option<PathBuf>,

    /// Apply the safe fixes, print what was fixed, then report what is left
    #[arg(long)]
    pub fix: bool,
    /// With --fix: apply unsafe fixes too; without it, show them as available
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Write nothing; print the unified diff that --fix would apply (implies --fix)
    #[arg(long, visible_alias = "diff")]
    pub dry_run: bool,

    /// Where --fix copies the originals (default: var/lib/maillint/backup/<UTC time>/ under the root)
    #[arg(long, value_name = "DIR")]
    pub backup_dir: Option<PathBuf>,
    /// With --fix: how long to wait for a lock cPanel holds on a file to write, in seconds
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    pub lock_timeout: f64,

    /// Rules to enable: codes, prefixes (RT, SPF00) or ALL, comma-separated
    #[arg(long, value_name = "CODES")]
    pub select: Option<String>,
    /// Rules to disable, comma-separated
    #[arg(long, value_name = "CODES")]
    pub ignore: Option<String>,
    /// Rules to enable in addition to the selected ones, comma-separated
    #[arg(long, value_name = "CODES")]
    pub extend_select: Option<String>,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Full)]
    pub format: Format,
    /// Configuration file (default: ./maillint.toml, then etc/maillint.toml under the root)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// An address of this server, when the tree does not say or says wrong (repeatable)
    #[arg(long = "server-ip", value_name = "IP")]
    pub server_ip: Vec<IpAddr>,
    /// The server's host name, when the tree does not say or says wrong
    #[arg(long, value_name = "NAME")]
    pub hostname: Option<String>,
    /// Lint only what concerns these domains (repeatable)
    #[arg(long, value_name = "DOMAIN")]
    pub domain: Vec<String>,

    /// Exit 0 even if findings remain
    #[arg(long)]
    pub exit_zero: bool,
    /// Print counts per rule instead of findings
    #[arg(long)]
    pub statistics: bool,
    /// Show no progress bar (it is shown only on a terminal anyway)
    #[arg(long)]
    pub no_progress: bool,
}

/// Parses the command line and runs; returns the exit code.
pub fn main_with_args(args: Vec<std::ffi::OsString>) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                EXIT_ERROR
            } else {
                EXIT_CLEAN
            };
            let _ = e.print();
            return code;
        }
    };
    let stdout = io::stdout();
    let stderr = io::stderr();
    // Standard error is not locked for the whole run: the mailbox progress bar draws on it from
    // worker threads while the main thread waits for them.
    let result = match cli.command {
        Some(Command::Check(args)) => check(&args, &mut stdout.lock(), &mut io::stderr()),
        None => check(&cli.check, &mut stdout.lock(), &mut io::stderr()),
        Some(Command::Rule { code }) => rule(&code, &mut stdout.lock()),
        Some(Command::Rules { format }) => list_rules(format, &mut stdout.lock()),
        Some(Command::Restore {
            backup,
            root,
            dry_run,
            lock_timeout,
        }) => restore(
            &backup,
            root.as_deref(),
            dry_run,
            lock_timeout,
            &mut stdout.lock(),
        ),
    };
    match result {
        Ok(code) => code,
        // The reader went away (`maillint … | head`): stop quietly.
        Err(e) if e.0 == BROKEN_PIPE => EXIT_CLEAN,
        Err(e) => {
            let _ = writeln!(stderr.lock(), "maillint: error: {e}");
            EXIT_ERROR
        }
    }
}

/// An error that stops the run (exit 2), with the message the user sees.
#[derive(Debug)]
pub struct RunError(pub String);

/// The reader of the output went away (`maillint … | head`).
const BROKEN_PIPE: &str = "\0broken pipe";

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<io::Error> for RunError {
    fn from(e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::BrokenPipe {
            return RunError(BROKEN_PIPE.into());
        }
        RunError(format!("cannot write the output: {e}"))
    }
}

fn rule(code: &str, out: &mut dyn Write) -> Result<i32, RunError> {
    let Some(r) = rules::get(code) else {
        return Err(RunError(format!(
            "unknown rule `{code}`; `maillint rules` lists every rule"
        )));
    };
    writeln!(out, "# {} ({})", r.name, r.code)?;
    writeln!(out)?;
    writeln!(out, "Family: {}", r.family)?;
    match r.severity_note {
        Some(note) => writeln!(out, "Severity: {} ({note})", r.severity)?,
        None => writeln!(out, "Severity: {}", r.severity)?,
    }
    writeln!(out, "Fix: {}", r.fix.describe())?;
    writeln!(out)?;
    write!(out, "{}", r.doc)?;
    Ok(EXIT_CLEAN)
}

fn list_rules(format: RulesFormat, out: &mut dyn Write) -> Result<i32, RunError> {
    let all: Vec<_> = rules::all().collect();
    match format {
        RulesFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &all).map_err(io::Error::from)?;
            writeln!(out)?;
        }
        RulesFormat::Table => {
            let name_w = all.iter().map(|r| r.name.len()).max().unwrap_or(0);
            for r in all {
                let fix = match r.fix {
                    rules::FixKind::None => "-",
                    rules::FixKind::Safe => "S",
                    rules::FixKind::Unsafe => "U",
                    rules::FixKind::SafeOrUnsafe => "S/U",
                    rules::FixKind::DisplayOnly => "D",
                };
                writeln!(
                    out,
                    "{:<8} {:<name_w$}  {:<7}  {:<3}  {}",
                    r.code,
                    r.name,
                    r.severity.as_str(),
                    fix,
                    r.summary
                )?;
            }
        }
    }
    Ok(EXIT_CLEAN)
}

/// Finds and reads the configuration: `--config`, else `./maillint.toml`, else
/// `etc/maillint.toml` under the root (when the root is a directory).
fn load_config(args: &CheckArgs) -> Result<Config, RunError> {
    if let Some(path) = &args.config {
        return Config::load(path).map_err(|e| RunError(e.to_string()));
    }
    let cwd = Path::new("maillint.toml");
    if cwd.is_file() {
        return Config::load(cwd).map_err(|e| RunError(e.to_string()));
    }
    if let Some(root) = &args.path {
        let under = root.join("etc/maillint.toml");
        if root.is_dir() && under.is_file() && !is_symlink(&under) {
            return Config::load(&under).map_err(|e| RunError(e.to_string()));
        }
    }
    Ok(Config::default())
}

fn is_symlink(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink())
}

fn selection(args: &CheckArgs, cfg: &Config) -> Result<Selection, RunError> {
    let parse = |s: &Option<String>| -> Result<Option<Vec<Selector>>, RunError> {
        s.as_deref()
            .map(Selector::parse_list)
            .transpose()
            .map_err(|e| RunError(e.to_string()))
    };
    let all = vec![Selector::parse("ALL").expect("ALL")];
    let select = match parse(&args.select)? {
        Some(s) => s,
        None => cfg.select.clone().unwrap_or(all),
    };
    let mut extend = cfg.extend_select.clone().unwrap_or_default();
    extend.extend(parse(&args.extend_select)?.unwrap_or_default());
    let mut ignore = cfg.ignore.clone().unwrap_or_default();
    ignore.extend(parse(&args.ignore)?.unwrap_or_default());
    Ok(Selection::new(&select, &extend, &ignore))
}

/// Whether colour escapes go to this stream: only on a terminal, never with `NO_COLOR`.
fn use_color(is_terminal: bool) -> bool {
    if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        return false;
    }
    if std::env::var_os("CLICOLOR_FORCE").is_some_and(|v| v != "0") {
        return true;
    }
    is_terminal
}

/// `--lock-timeout`: a number of seconds, 0 or more.
fn lock_timeout(secs: f64) -> Result<std::time::Duration, RunError> {
    std::time::Duration::try_from_secs_f64(secs).map_err(|_| {
        RunError(format!(
            "--lock-timeout {secs}: expected a number of seconds, 0 or more"
        ))
    })
}

/// `maillint restore`: shows what it will do, then does it (every file or none).
fn restore(
    backup: &Path,
    root: Option<&Path>,
    dry_run: bool,
    timeout: f64,
    out: &mut dyn Write,
) -> Result<i32, RunError> {
    use crate::fix::write::RestoreAction;
    let timeout = lock_timeout(timeout)?;
    let plan = crate::fix::write::plan_restore(backup, root).map_err(RunError)?;
    writeln!(
        out,
        "Restoring {} into {}:",
        plan.backup.display(),
        plan.root.display()
    )?;
    if std::fs::canonicalize(&plan.root).is_ok_and(|r| r.to_string_lossy() != plan.recorded_root) {
        writeln!(
            out,
            "  (the backup was made for {}; it is restored into {})",
            plan.recorded_root,
            plan.root.display()
        )?;
    }
    for i in &plan.items {
        let what = match i.action {
            RestoreAction::PutBack => "put back",
            RestoreAction::Remove => "remove (maillint created it)",
            RestoreAction::Recreate => "put back (maillint removed it)",
        };
        match &i.problem {
            None => writeln!(out, "  {what}: {}", i.path)?,
            Some(why) => writeln!(out, "  {what}: {}: cannot: {why}", i.path)?,
        }
    }
    if dry_run {
        writeln!(out, "Nothing changed (--dry-run).")?;
        return Ok(EXIT_CLEAN);
    }
    let report = crate::fix::write::apply_restore(&plan, timeout).map_err(RunError)?;
    for p in &report.restored {
        writeln!(out, "restored {p}")?;
    }
    for p in &report.removed {
        writeln!(out, "removed {p} (maillint had created it)")?;
    }
    for (p, why) in &report.skipped {
        writeln!(out, "cannot restore {p}: {why}")?;
    }
    if report.skipped.is_empty() {
        writeln!(
            out,
            "{} restored, {} removed under {}",
            report.restored.len(),
            report.removed.len(),
            report.root
        )?;
        Ok(EXIT_CLEAN)
    } else {
        writeln!(
            out,
            "Nothing restored: a backup is restored whole or not at all; restore these files by \
             hand from {}",
            plan.backup.display()
        )?;
        Ok(EXIT_FINDINGS)
    }
}

/// The progress bar of the mailbox walk, on stderr (created only when stderr is a terminal).
#[derive(Default)]
struct MailboxBar {
    bar: std::sync::Mutex<Option<indicatif::ProgressBar>>,
}

impl crate::model::mail::Progress for MailboxBar {
    fn start(&self, mailboxes: u64) {
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(mailboxes),
            indicatif::ProgressDrawTarget::stderr(),
        );
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "sizing mailboxes {bar:30} {pos}/{len} ({elapsed})",
        ) {
            bar.set_style(style);
        }
        *self.bar.lock().unwrap() = Some(bar);
    }

    fn advance(&self, n: u64) {
        if let Some(bar) = &*self.bar.lock().unwrap() {
            bar.inc(n);
        }
    }

    fn finish(&self) {
        if let Some(bar) = self.bar.lock().unwrap().take() {
            bar.finish_and_clear();
        }
    }
}

/// Everything `check` needs besides the arguments.
struct Env {
    cfg: Config,
    selection: Selection,
    opts: crate::model::Options,
    root_display: String,
}

impl Env {
    fn new(args: &CheckArgs) -> Result<Env, RunError> {
        let cfg = load_config(args)?;
        let selection = selection(args, &cfg)?;
        let mut opts = crate::model::Options::from_config(&cfg);
        // Mailboxes are walked only when a mailbox rule needs them.
        opts.mailbox_scan = crate::model::mail::Scan::for_selection(&selection);
        // `--select MBX` (the mailbox audit) reads only what the mailbox rules need.
        opts.mailboxes_only =
            selection.codes().all(|c| c.starts_with("MBX")) && selection.any_with_prefix("MBX");
        if !args.no_progress && io::stderr().is_terminal() {
            opts.progress = Some(crate::model::mail::ProgressHook(std::sync::Arc::new(
                MailboxBar::default(),
            )));
        }
        opts.server_ips.extend(args.server_ip.iter().copied());
        if let Some(h) = &args.hostname {
            opts.hostname = Some(h.trim_end_matches('.').to_ascii_lowercase());
        }
        let root_display = args
            .path
            .as_ref()
            .map_or_else(|| "/".to_string(), |p| p.display().to_string());
        Ok(Env {
            cfg,
            selection,
            opts,
            root_display,
        })
    }

    /// Builds the model (over an overlay of fixed files) and runs the rules.
    fn lint(
        &self,
        args: &CheckArgs,
        overlay: &Overlay,
    ) -> Result<(crate::model::Server, Vec<Finding>), RunError> {
        let server =
            crate::model::load(args.path.as_deref(), &self.opts, overlay).map_err(RunError)?;
        let mut findings = rules::run(&server, &self.selection);
        filter(&mut findings, args, &self.cfg);
        finding::sort(&mut findings);
        Ok((server, findings))
    }
}

/// The `check` command.
pub fn check(args: &CheckArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<i32, RunError> {
    let env = Env::new(args)?;
    if args.fix || args.dry_run {
        return fix(args, &env, out, err);
    }
    let (server, findings) = env.lint(args, &Overlay::default())?;
    let color = use_color(io::stdout().is_terminal());
    emit(args, &env, &server, &findings, color, out)?;
    let code = exit_code(args, &findings, false);
    // The process ends after this: freeing the model, hundreds of thousands of allocations on a
    // large server, would only add to the run's time (BENCHMARKS.md).
    std::mem::forget(server);
    std::mem::forget(findings);
    Ok(code)
}

fn exit_code(args: &CheckArgs, findings: &[Finding], diff: bool) -> i32 {
    let failing = findings.iter().any(|f| f.severity >= Severity::Warning);
    if (failing && !args.exit_zero) || diff {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

/// Writes the findings (or statistics) in the chosen format.
fn emit(
    args: &CheckArgs,
    env: &Env,
    server: &crate::model::Server,
    findings: &[Finding],
    color: bool,
    out: &mut dyn Write,
) -> Result<(), RunError> {
    if args.statistics {
        report::statistics::write(args.format, findings, args.unsafe_fixes, out)?;
        return Ok(());
    }
    let summary = Summary::new(
        findings,
        args.unsafe_fixes,
        server.account_count(),
        server.domain_count(),
        server.files.len(),
    );
    let report = Report {
        root: &env.root_display,
        findings,
        files: &server.files,
        summary,
        color,
        unsafe_fixes: args.unsafe_fixes,
    };
    report::write(args.format, &report, out)?;
    Ok(())
}

/// Where a finding is, as `file:line:col: ` (empty without a location).
fn at(f: &Finding, files: &finding::Files) -> String {
    f.location
        .as_ref()
        .map(|l| {
            let lc = files.line_col(l);
            format!("{}:{}:{}: ", l.file, lc.line, lc.column)
        })
        .unwrap_or_default()
}

/// `--fix`, `--fix --dry-run`.
///
/// The fix loop runs over the tree; the changes it makes are prepared as one transaction
/// (`fix::write`). When a file cannot be written (changed since read, immutable, locked by
/// cPanel beyond the timeout, disk full…), it is blocked and the fix loop runs again without the
/// fixes that touch it, so that a fix is applied whole or not at all while the others still
/// apply. Each round blocks at least one more file, so this ends.
fn fix(
    args: &CheckArgs,
    env: &Env,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, RunError> {
    use crate::fix::write::{self, CommitError};
    let timeout = lock_timeout(args.lock_timeout)?;
    let mut refused: std::collections::BTreeMap<String, String> = Default::default();
    loop {
        let outcome = crate::fix::fix_loop(
            |overlay| env.lint(args, overlay),
            |s: &crate::model::Server| &s.files,
            args.unsafe_fixes,
            |s: &crate::model::Server, path: &str| {
                if let Some(why) = refused.get(path) {
                    return Some(why.clone());
                }
                if s.is_archive() {
                    // Shown as a diff only; `--fix` refuses archives as a whole below.
                    return None;
                }
                write::writable(s.root_dir(), path, &s.protected_dirs()).err()
            },
        )?;
        outcome.converged().map_err(RunError)?;
        let (original_server, original_findings) = &outcome.initial;
        let original_files = &original_server.files;
        let remaining = outcome.remaining();
        let changes = crate::fix::changes(original_files, &outcome.overlay);
        let fixed = outcome.fixed.len();
        let not_applied = |err: &mut dyn Write| -> Result<(), RunError> {
            for (f, why) in &outcome.blocked {
                writeln!(
                    err,
                    "not applied: {}{} {}: {why}",
                    at(f, original_files),
                    f.code,
                    f.message
                )?;
            }
            Ok(())
        };
        if args.dry_run {
            crate::fix::write_diff(&changes, out)?;
            emit(
                args,
                env,
                original_server,
                original_findings,
                use_color(io::stderr().is_terminal()),
                err,
            )?;
            not_applied(err)?;
            writeln!(
                err,
                "Would fix {fixed} {} in {} {}; {} {} would remain.",
                report::plural(fixed, "finding", "findings"),
                changes.len(),
                report::plural(changes.len(), "file", "files"),
                remaining.len(),
                report::plural(remaining.len(), "finding", "findings"),
            )?;
            for path in crate::fix::emptied(&changes) {
                writeln!(
                    err,
                    "note: {path} becomes empty and stays (Exim needs it to exist): apply this diff with `patch -p1`, not `patch -p1 -E`, which would remove it"
                )?;
            }
            return Ok(exit_code(args, remaining, !changes.is_empty()));
        }
        if original_server.is_archive() && !changes.is_empty() {
            return Err(RunError(
                "cannot apply fixes inside an archive; unpack it, or use --dry-run to see the diff"
                    .into(),
            ));
        }
        let opts = write::WriteOptions {
            root: original_server.root_dir().to_path_buf(),
            backup_dir: args.backup_dir.clone(),
            protected: original_server.protected_dirs(),
            now: crate::clock::Utc::now(),
            lock_timeout: timeout,
            fault: write::Fault::from_env(),
        };
        if (!changes.is_empty() || args.backup_dir.is_some())
            && let Some(why) = write::backup_dir_problem(
                args.backup_dir.as_deref(),
                original_server.root_dir(),
                &original_server.protected_dirs(),
            )
        {
            return Err(RunError(match &args.backup_dir {
                Some(dir) => format!("--backup-dir {}: {why}", dir.display()),
                None => format!(
                    "the default backup directory {}: {why}; pass --backup-dir DIR to keep the \
                     originals elsewhere",
                    original_server
                        .root_dir()
                        .join(write::DEFAULT_BACKUP_DIR)
                        .display()
                ),
            }));
        }
        let written = if changes.is_empty() {
            write::WriteReport::default()
        } else {
            let tx = match write::prepare(&changes, &opts) {
                Ok(tx) => tx,
                Err(failures) => {
                    block(&mut refused, failures)?;
                    continue;
                }
            };
            match tx.commit() {
                Ok(report) => report,
                Err(CommitError::Blocked(failures)) => {
                    block(&mut refused, failures)?;
                    continue;
                }
                Err(e) => {
                    not_applied(err)?;
                    for f in &outcome.fixed {
                        writeln!(
                            err,
                            "not applied: {}{} {}: the write was undone",
                            at(f, original_files),
                            f.code,
                            f.message
                        )?;
                    }
                    return Err(RunError(format!(
                        "writing the fixes failed, nothing was applied: {e}"
                    )));
                }
            }
        };
        for f in &outcome.fixed {
            writeln!(
                err,
                "fixed: {}{} {}",
                at(f, original_files),
                f.code,
                f.message
            )?;
        }
        not_applied(err)?;
        if let Some(b) = &written.backup {
            writeln!(
                err,
                "Originals saved in {}; undo with `maillint restore {}`.",
                b.display(),
                b.display()
            )?;
        }
        // Report what is really on disk now.
        let (server, findings) = env.lint(args, &Overlay::default())?;
        emit(
            args,
            env,
            &server,
            &findings,
            use_color(io::stdout().is_terminal()),
            out,
        )?;
        let files_written = written.modified.len() + written.created.len() + written.removed.len();
        let blocked = outcome.blocked.len();
        if fixed == 0 && blocked == 0 {
            writeln!(err, "No fixes to apply.")?;
            return Ok(exit_code(args, &findings, false));
        }
        writeln!(
            err,
            "Applied {fixed} {} ({files_written} {} written, {blocked} not applied).",
            report::plural(fixed, "fix", "fixes"),
            report::plural(files_written, "file", "files"),
        )?;
        return Ok(exit_code(args, &findings, false));
    }
}

/// Adds files that cannot be written to the blocked set; each round of `fix` must block a new
/// one, or it would never end.
fn block(
    refused: &mut std::collections::BTreeMap<String, String>,
    failures: Vec<(String, String)>,
) -> Result<(), RunError> {
    let before = refused.len();
    let shown: Vec<String> = failures.iter().map(|(p, w)| format!("{p}: {w}")).collect();
    refused.extend(failures);
    if refused.len() == before {
        return Err(RunError(format!(
            "internal error: a file left out of the fixes still had to be written ({}); \
             nothing was written; this is a bug in maillint, please report it",
            shown.join("; ")
        )));
    }
    Ok(())
}

/// `--domain`, `[[ignore_domain]]`.
fn filter(findings: &mut Vec<Finding>, args: &CheckArgs, cfg: &Config) {
    let wanted: Vec<String> = args
        .domain
        .iter()
        .map(|d| d.trim_end_matches('.').to_ascii_lowercase())
        .collect();
    findings.retain(|f| {
        if !wanted.is_empty() {
            match &f.domain {
                Some(d) => {
                    if !wanted.iter().any(|w| w == d) {
                        return false;
                    }
                }
                None => return false,
            }
        }
        match &f.domain {
            Some(d) => !cfg.ignore_domain.iter().any(|i| i.matches(d, f.code)),
            None => true,
        }
    });
}
