//! The command line: arguments, the `check` pipeline, and exit codes.
//!
//! Exit codes: 0 nothing at warning level or above remains; 1 findings at warning level or above
//! remain, or `--dry-run` printed a non-empty diff; 2 usage, configuration or I/O error that
//! prevents the run (including a tree with nothing to check: [`Env::validate`]). A panic is a
//! bug; `main` turns it into exit 2 with a request to report it.

use std::io::{self, IsTerminal, Write};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::{Config, Placed};
use crate::escape::{self, Esc};
use crate::finding::{self, Finding, Severity};
use crate::fix::Overlay;
use crate::report::baseline::{self, Baseline};
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

// Parsed once per run: the size of the `check` variant does not matter.
#[allow(clippy::large_enum_variant)]
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
    /// Print the shell completion script for SHELL
    Completions {
        /// The shell: bash, zsh, fish, elvish or powershell
        #[arg(value_enum, value_name = "SHELL")]
        shell: clap_complete::aot::Shell,
    },
    /// Print the manual page (roff; `maillint man | man -l -`)
    Man,
    /// cPanel standardized-hook entry point: reads the event's JSON on standard input, lints the
    /// domains it touched, answers on standard output (see `hook --describe`, `hook install`)
    Hook(crate::hook::HookArgs),
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
    /// Report only the findings not recorded in this baseline file (made with --write-baseline)
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record the findings of this run in FILE, for --baseline, instead of reporting them
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with_all = ["baseline", "fix", "dry_run", "unsafe_fixes", "statistics"]
    )]
    pub write_baseline: Option<PathBuf>,
    /// Show no progress bar (it is shown only on a terminal anyway)
    #[arg(long)]
    pub no_progress: bool,
    /// Mail logs to read for evidence: files or directories, repeatable (default: var/log/exim_mainlog*, maillog*, mail.log* under the root, rotated and .gz included)
    #[arg(long, value_name = "PATH", conflicts_with = "no_logs")]
    pub logs: Vec<PathBuf>,
    /// Read no mail logs (the LOG rules then find nothing, and no finding carries evidence)
    #[arg(long)]
    pub no_logs: bool,
    /// How many days of logs to read, back from now
    #[arg(long, value_name = "DAYS", default_value_t = 14, value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub since: u32,

    /// `maillint --describe`: what `manage_hooks add script maillint` runs (the same as
    /// `maillint hook --describe`).
    #[arg(long, hide = true)]
    pub describe: bool,
    /// With --domain: an account to read besides the owners the ownership files name (the hook
    /// event's user).
    #[arg(long, hide = true, value_name = "USER")]
    pub scope_user: Vec<String>,
    /// Also ask DNS what the Internet sees (RT013, RT014, DNS001 and the online checks of SPF,
    /// DKIM, MX and RT011); without it maillint opens no network connection
    #[arg(long)]
    pub resolve: bool,
    /// With --resolve: the DNS server to ask, IP[:PORT] (repeatable; default: the system's
    /// /etc/resolv.conf)
    #[arg(long, value_name = "IP[:PORT]", requires = "resolve", value_parser = crate::dns::parse_server)]
    pub resolver: Vec<std::net::SocketAddr>,
    /// With --resolve: how long one DNS query waits for an answer, in seconds
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 5.0,
        requires = "resolve"
    )]
    pub dns_timeout: f64,
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
        None if cli.check.describe => crate::hook::describe(&mut stdout.lock())
            .map(|()| EXIT_CLEAN)
            .map_err(RunError::from),
        None => check(&cli.check, &mut stdout.lock(), &mut io::stderr()),
        Some(Command::Hook(args)) => Ok(crate::hook::main(&args)),
        Some(Command::Rule { code }) => rule(&code, &mut stdout.lock()),
        Some(Command::Rules { format }) => list_rules(format, &mut stdout.lock()),
        Some(Command::Completions { shell }) => {
            crate::manual::completions(shell, &mut stdout.lock())
                .map(|()| EXIT_CLEAN)
                .map_err(RunError::from)
        }
        Some(Command::Man) => crate::manual::man(&mut stdout.lock())
            .map(|()| EXIT_CLEAN)
            .map_err(RunError::from),
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
            // Messages may quote the tree (file names, configuration lines).
            let _ = writeln!(stderr.lock(), "maillint: error: {}", escape::block(&e.0));
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
        if let Some(e) = rules::catalog::get(code) {
            return Err(RunError(format!(
                "{} ({}) is in the catalog but not implemented in this version; `maillint rules` lists the rules of this version",
                e.code, e.name
            )));
        }
        let hint = match rules::catalog::suggest(code).as_slice() {
            [] => String::new(),
            s => format!("; did you mean {}?", s.join(" or ")),
        };
        return Err(RunError(format!(
            "unknown rule `{}`{hint}; `maillint rules` lists every rule",
            Esc(code)
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
/// Returns it with its path (`None`: no file, the defaults).
fn load_config(args: &CheckArgs) -> Result<(Config, Option<PathBuf>), RunError> {
    let load = |path: &Path| {
        Config::load(path)
            .map(|c| (c, Some(path.to_path_buf())))
            .map_err(|e| RunError(e.to_string()))
    };
    if let Some(path) = &args.config {
        return load(path);
    }
    let cwd = Path::new("maillint.toml");
    if cwd.is_file() {
        return load(cwd);
    }
    if let Some(root) = &args.path {
        let under = root.join("etc/maillint.toml");
        if root.is_dir() && under.is_file() && !is_symlink(&under) {
            return load(&under);
        }
    }
    Ok((Config::default(), None))
}

fn is_symlink(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink())
}

/// The rules that run, and warnings about the selection (selectors of rules the catalog has but
/// this version does not implement, when something else is selected).
///
/// Selectors that name nothing of the catalog are refused when parsed (with the closest codes as
/// a hint); an empty `--select`, `--ignore` or `--extend-select` value too. A selection that
/// enables no rule at all is an error: a run that checks nothing must not pass. When it names
/// only rules not implemented in this version, the error says so.
fn selection(
    args: &CheckArgs,
    cfg: &Config,
    cfg_path: Option<&Path>,
) -> Result<(Selection, Vec<String>), RunError> {
    let parse = |opt: &str, s: &Option<String>| -> Result<Option<Vec<Selector>>, RunError> {
        s.as_deref()
            .map(rules::selectors)
            .transpose()
            .map_err(|e| RunError(format!("{opt}: {e}")))
    };
    let cli_select = parse("--select", &args.select)?;
    let cli_extend = parse("--extend-select", &args.extend_select)?;
    let cli_ignore = parse("--ignore", &args.ignore)?;
    let in_file = |key: &str| match cfg_path {
        Some(p) => format!("{key} in {}", p.display()),
        None => key.to_string(),
    };
    // Where each selector comes from, for the messages: the command line's were checked as
    // they were parsed; the file's are checked here, against the rules, with their line.
    let cli_list = |v: &Option<Vec<Selector>>| -> Vec<Placed> {
        v.iter().flatten().cloned().map(Placed::new).collect()
    };
    let (cli_select_placed, cli_extend_placed, cli_ignore_placed) = (
        cli_list(&cli_select),
        cli_list(&cli_extend),
        cli_list(&cli_ignore),
    );
    let mut origins: Vec<(String, &[Placed], bool)> = Vec::new();
    if cli_select.is_some() {
        origins.push(("--select".into(), &cli_select_placed, true));
    } else if let Some(s) = &cfg.select {
        origins.push((in_file("select"), s, true));
    }
    if let Some(s) = &cfg.extend_select {
        origins.push((in_file("extend-select"), s, true));
    }
    origins.push(("--extend-select".into(), &cli_extend_placed, true));
    if let Some(s) = &cfg.ignore {
        origins.push((in_file("ignore"), s, false));
    }
    origins.push(("--ignore".into(), &cli_ignore_placed, false));
    for d in &cfg.ignore_domain {
        origins.push((
            in_file(&format!(
                "[[ignore_domain]] codes (domain {})",
                Esc(&d.domain)
            )),
            &d.codes,
            false,
        ));
    }
    let mut unimplemented = Vec::new();
    let mut warnings = Vec::new();
    for (origin, sels, selects) in &origins {
        for placed in sels.iter() {
            let sel = &placed.selector;
            let origin = match placed.line {
                0 => origin.clone(),
                n => format!("{origin}, line {n}"),
            };
            rules::known(sel).map_err(|e| RunError(format!("{origin}: {e}")))?;
            if let rules::catalog::Resolution::NotImplemented(entries) = rules::resolve(sel) {
                let what = format!(
                    "{origin}: {} is in the catalog but not implemented in this version",
                    rules::catalog::describe(sel.as_str(), &entries)
                );
                if *selects {
                    unimplemented.push(what);
                } else {
                    warnings.push(format!("{what}; ignoring it changes nothing"));
                }
            }
        }
    }

    let from_file = |v: &Option<Vec<Placed>>| -> Option<Vec<Selector>> {
        v.as_ref()
            .map(|v| v.iter().map(|p| p.selector.clone()).collect())
    };
    let all = vec![Selector::all()];
    let select = cli_select
        .clone()
        .or_else(|| from_file(&cfg.select))
        .unwrap_or(all);
    let mut extend = from_file(&cfg.extend_select).unwrap_or_default();
    extend.extend(cli_extend.unwrap_or_default());
    let mut ignore = from_file(&cfg.ignore).unwrap_or_default();
    ignore.extend(cli_ignore.unwrap_or_default());
    let selection = rules::selection(&select, &extend, &ignore);
    if selection.codes().next().is_none() {
        let why = if unimplemented.is_empty() {
            "the selection enables no rule (everything selected is also ignored)".to_string()
        } else {
            format!("{}, and nothing else is selected", unimplemented.join("; "))
        };
        return Err(RunError(format!(
            "{why}: there is nothing to run; `maillint rules` lists the rules of this version"
        )));
    }
    warnings.extend(
        unimplemented
            .into_iter()
            .map(|w| format!("{w}; the other selected rules run")),
    );
    Ok((selection, warnings))
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
            None => writeln!(out, "  {what}: {}", Esc(&i.path))?,
            Some(why) => writeln!(out, "  {what}: {}: cannot: {}", Esc(&i.path), Esc(why))?,
        }
    }
    if dry_run {
        writeln!(out, "Nothing changed (--dry-run).")?;
        return Ok(EXIT_CLEAN);
    }
    let report = crate::fix::write::apply_restore(&plan, timeout).map_err(RunError)?;
    for p in &report.restored {
        writeln!(out, "restored {}", Esc(p))?;
    }
    for p in &report.removed {
        writeln!(out, "removed {} (maillint had created it)", Esc(p))?;
    }
    for (p, why) in &report.skipped {
        writeln!(out, "cannot restore {}: {}", Esc(p), Esc(why))?;
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
    bar: crate::sync::Mutex<Option<indicatif::ProgressBar>>,
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
        *self.bar.lock() = Some(bar);
    }

    fn advance(&self, n: u64) {
        if let Some(bar) = &*self.bar.lock() {
            bar.inc(n);
        }
    }

    fn finish(&self) {
        if let Some(bar) = self.bar.lock().take() {
            bar.finish_and_clear();
        }
    }
}

/// What the model takes from the configuration, and the day of the run (rules never read the
/// clock; `MAILLINT_NOW`, Unix seconds, fixes it for tests).
fn model_options(cfg: &Config) -> crate::model::Options {
    crate::model::Options {
        config_ips: cfg.server.ips.clone(),
        hostname: cfg.server.hostname.clone(),
        nameservers: cfg.server.nameservers.clone(),
        gateway_mx: cfg.server.gateway_mx.clone(),
        pop_max_bytes: cfg.mailbox.pop_max_bytes,
        today: crate::clock::Utc::now(),
        ..crate::model::Options::default()
    }
}

/// Everything `check` needs besides the arguments.
struct Env {
    cfg: Config,
    selection: Selection,
    opts: crate::model::Options,
    root_display: String,
    /// Warnings about the command line and configuration, printed before the run.
    warnings: Vec<String>,
    /// `--baseline FILE`: the file as given, and what it holds.
    baseline: Option<(String, Baseline)>,
    /// Whether the first model was checked ([`Env::validate`]); later ones (the fix loop's) are
    /// not: a fix may remove what the check looked for.
    validated: std::sync::atomic::AtomicBool,
    /// With `--resolve`: what public DNS says, gathered once for the first model and given to
    /// every later one (the fix loop's), so a run asks each question once.
    public: std::sync::Mutex<Option<std::sync::Arc<crate::dns::PublicView>>>,
}

impl Env {
    fn new(args: &CheckArgs) -> Result<Env, RunError> {
        if args.resolve {
            if !cfg!(feature = "resolve") {
                return Err(RunError(crate::dns::NOT_BUILT.into()));
            }
            if !(args.dns_timeout.is_finite()
                && args.dns_timeout > 0.0
                && args.dns_timeout <= 300.0)
            {
                return Err(RunError(format!(
                    "--dns-timeout {}: expected a number of seconds above 0 and at most 300",
                    args.dns_timeout
                )));
            }
        }
        let (cfg, cfg_path) = load_config(args)?;
        let (selection, warnings) = selection(args, &cfg, cfg_path.as_deref())?;
        let mut opts = model_options(&cfg);
        // The model loads only what the selected rules need (`--select MBX`, the mailbox
        // audit, reads no zones, no Exim configuration, no DKIM keys).
        opts.needs = rules::needs(&selection);
        if !args.no_progress && io::stderr().is_terminal() {
            opts.progress = Some(crate::model::mail::ProgressHook(std::sync::Arc::new(
                MailboxBar::default(),
            )));
        }
        opts.server_ips.extend(args.server_ip.iter().copied());
        for p in &args.logs {
            if std::fs::metadata(p).is_err() {
                return Err(RunError(format!(
                    "--logs {}: no such file or directory (give a mail log, such as /var/log/exim_mainlog, or a directory of them)",
                    Esc(&p.display().to_string())
                )));
            }
        }
        opts.logs = crate::model::logs::LogOptions {
            paths: args.logs.clone(),
            off: args.no_logs,
            since_days: args.since,
        };
        if args.statistics && args.format == Format::Sarif {
            return Err(RunError(
                "--statistics prints counts per rule, for which SARIF has no place: use --format \
                 json (or json-lines, full, concise)"
                    .into(),
            ));
        }
        if let Some(h) = &args.hostname {
            let h =
                crate::config::host_name(h).map_err(|e| RunError(format!("--hostname: {e}")))?;
            opts.hostname = Some(h);
        }
        let root_display = args
            .path
            .as_ref()
            .map_or_else(|| "/".to_string(), |p| p.display().to_string());
        let mut warnings = warnings;
        let baseline = match &args.baseline {
            Some(path) => {
                let b = read_baseline(path)?;
                let root = canonical_root(args);
                if b.root != root {
                    warnings.push(format!(
                        "the baseline {} was recorded for {}, and this run lints {}: its \
                         entries match the files of the same relative paths here",
                        path.display(),
                        Esc(&b.root),
                        Esc(&root)
                    ));
                }
                Some((path.display().to_string(), b))
            }
            None => None,
        };
        Ok(Env {
            cfg,
            selection,
            opts,
            root_display,
            warnings,
            baseline,
            validated: Default::default(),
            public: Default::default(),
        })
    }

    /// With `--baseline`: the findings it does not hold, and what it did (see
    /// [`crate::report::baseline`]). Entries of rules that did not run, of domains outside
    /// `--domain` or ignored by `[[ignore_domain]]` are neither matched nor counted as fixed.
    fn baselined(
        &self,
        args: &CheckArgs,
        mut findings: Vec<Finding>,
        files: &finding::Files,
    ) -> (Vec<Finding>, Option<baseline::Outcome>) {
        let Some((file, b)) = &self.baseline else {
            return (findings, None);
        };
        let wanted: Vec<String> = args.domain.iter().map(|d| normalize_domain(d)).collect();
        let outcome = b.apply(file, &mut findings, files, |e| {
            if !self.selection.is_enabled(&e.code) {
                return false;
            }
            if !wanted.is_empty() && !e.domain.as_ref().is_some_and(|d| wanted.contains(d)) {
                return false;
            }
            !e.domain
                .as_ref()
                .is_some_and(|d| self.cfg.ignore_domain.iter().any(|i| i.matches(d, &e.code)))
        });
        (findings, Some(outcome))
    }

    /// Checks of the first model, before the findings are filtered: a tree with nothing to
    /// check is an error (exit 2), never a run that passes.
    fn validate(
        &self,
        args: &CheckArgs,
        server: &crate::model::Server,
        findings: &[Finding],
    ) -> Result<(), RunError> {
        if self
            .validated
            .swap(true, std::sync::atomic::Ordering::Relaxed)
        {
            return Ok(());
        }
        if findings.is_empty() && nothing_to_check(server) {
            return Err(RunError(format!(
                "nothing to check in {}: it holds no cPanel account (var/cpanel/users/), no \
                 domain in the routing lists (etc/localdomains, etc/remotedomains, \
                 etc/secondarymx) or in etc/userdomains, no DNS zone (var/named/), no forwarder \
                 (etc/valiases/) and no Exim configuration (etc/exim.conf); pass the root of a \
                 complete server tree",
                Esc(&self.root_display)
            )));
        }
        // `--domain` must name a domain of the tree: a typo would otherwise pass silently.
        if !args.domain.is_empty() {
            let known = tree_domains(server, findings);
            for given in &args.domain {
                let d = normalize_domain(given);
                if !known.contains(d.as_str()) {
                    return Err(RunError(unknown_domain(given, &d, &known)));
                }
            }
        }
        Ok(())
    }

    /// With `--resolve`: the public view of the mail domains (those of `--domain` alone when
    /// given), gathered on the first call.
    fn public_view(
        &self,
        args: &CheckArgs,
        server: &crate::model::Server,
    ) -> Result<std::sync::Arc<crate::dns::PublicView>, RunError> {
        let mut slot = self.public.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(v) = &*slot {
            return Ok(v.clone());
        }
        let wanted: Vec<String> = args.domain.iter().map(|d| normalize_domain(d)).collect();
        let domains: Vec<String> = server
            .mail_domains()
            .into_iter()
            .filter(|d| wanted.is_empty() || wanted.contains(d))
            .collect();
        let settings = crate::dns::Settings::new(
            args.resolver.clone(),
            std::time::Duration::from_secs_f64(args.dns_timeout),
        );
        // The addresses of the local zones' MX targets outside every local zone (MX005).
        let mut extra: std::collections::BTreeMap<String, Vec<crate::dns::Query>> =
            Default::default();
        for d in &domains {
            for r in server.records_of(d, crate::parse::zone::RType::Mx) {
                if let crate::parse::zone::RData::Mx { exchange, .. } = &r.record.data
                    && !exchange.name.is_empty()
                    && exchange.name.parse::<std::net::IpAddr>().is_err()
                    && server.zone_of(&exchange.name).is_none()
                {
                    let e = extra.entry(d.clone()).or_default();
                    e.push(crate::dns::Query::new(&exchange.name, crate::dns::QType::A));
                    e.push(crate::dns::Query::new(
                        &exchange.name,
                        crate::dns::QType::Aaaa,
                    ));
                }
            }
        }
        let view =
            std::sync::Arc::new(crate::dns::gather(&domains, &extra, &settings).map_err(RunError)?);
        *slot = Some(view.clone());
        Ok(view)
    }

    /// Builds the model (over an overlay of fixed files) and runs the rules.
    fn lint(
        &self,
        args: &CheckArgs,
        overlay: &Overlay,
    ) -> Result<(crate::model::Server, Vec<Finding>), RunError> {
        let mut server = if args.domain.is_empty() {
            crate::model::load(args.path.as_deref(), &self.opts, overlay).map_err(RunError)?
        } else {
            // A scoped run reads what concerns these domains, not the whole server.
            let wanted: Vec<String> = args.domain.iter().map(|d| normalize_domain(d)).collect();
            crate::model::load_scoped(
                args.path.as_deref(),
                &self.opts,
                overlay,
                &wanted,
                &args.scope_user,
            )
            .map_err(RunError)?
            .0
        };
        // Public DNS is asked only when a selected rule reads it.
        if args.resolve && rules::live().iter().any(|r| self.selection.on(r)) {
            server.public = Some(self.public_view(args, &server)?);
        }
        let mut findings = rules::run(&server, &self.selection);
        self.validate(args, &server, &findings)?;
        filter(&mut findings, args, &self.cfg);
        finding::sort(&mut findings);
        Ok((server, findings))
    }
}

/// The `check` command.
pub fn check(args: &CheckArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<i32, RunError> {
    let env = Env::new(args)?;
    // With --dry-run and a machine format, standard error holds the document alone.
    if !(args.dry_run && is_machine(args.format)) {
        for w in &env.warnings {
            writeln!(err, "warning: {w}")?;
        }
    }
    if args.fix || args.dry_run {
        return fix(args, &env, out, err);
    }
    let (server, findings) = env.lint(args, &Overlay::default())?;
    if let Some(path) = &args.write_baseline {
        let b = Baseline::record(&canonical_root(args), &findings, &server.files);
        write_baseline_file(path, &b.to_json())?;
        let c = finding::Counts::of(&findings);
        writeln!(
            err,
            "Recorded {} {} in {} ({} {}, {} {}, {} {}); report only new ones with --baseline {}.",
            findings.len(),
            report::plural(findings.len(), "finding", "findings"),
            path.display(),
            c.errors,
            report::plural(c.errors, "error", "errors"),
            c.warnings,
            report::plural(c.warnings, "warning", "warnings"),
            c.infos,
            report::plural(c.infos, "info", "infos"),
            path.display()
        )?;
        std::mem::forget(server);
        return Ok(EXIT_CLEAN);
    }
    let (findings, outcome) = env.baselined(args, findings, &server.files);
    let color = use_color(io::stdout().is_terminal());
    emit(args, &env, &server, &findings, outcome.as_ref(), color, out)?;
    let code = exit_code(args, &findings, false);
    // The process ends after this: freeing the model, hundreds of thousands of allocations on a
    // large server, would only add to the run's time (BENCHMARKS.md).
    std::mem::forget(server);
    std::mem::forget(findings);
    Ok(code)
}

/// Formats read by programs: with `--dry-run`, standard error holds their document alone.
fn is_machine(format: Format) -> bool {
    matches!(format, Format::Json | Format::JsonLines | Format::Sarif)
}

/// 1 when findings at warning level or above remain, or `--dry-run` printed a diff; 0 with
/// `--exit-zero` whatever remains, the diff of `--dry-run` included.
fn exit_code(args: &CheckArgs, findings: &[Finding], diff: bool) -> i32 {
    let failing = findings.iter().any(|f| f.severity >= Severity::Warning);
    if !args.exit_zero && (failing || diff) {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

/// Reads `--baseline FILE`; a file that cannot be read or is no baseline stops the run.
fn read_baseline(path: &Path) -> Result<Baseline, RunError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        RunError(format!(
            "--baseline {}: cannot read it: {e}",
            path.display()
        ))
    })?;
    Baseline::parse(&text).map_err(|e| RunError(format!("--baseline {}: {e}", path.display())))
}

/// Writes `--write-baseline FILE` whole or not at all (a temporary file renamed over it).
fn write_baseline_file(path: &Path, text: &str) -> Result<(), RunError> {
    let fail = |e: &dyn std::fmt::Display| {
        RunError(format!(
            "--write-baseline {}: cannot write it: {e}",
            path.display()
        ))
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| fail(&e))?;
    tmp.write_all(text.as_bytes()).map_err(|e| fail(&e))?;
    tmp.as_file().sync_all().map_err(|e| fail(&e))?;
    tmp.persist(path).map_err(|e| fail(&e.error))?;
    Ok(())
}

/// The root a baseline records: the canonical path of PATH (`/` when omitted), or PATH as given
/// when it cannot be resolved.
fn canonical_root(args: &CheckArgs) -> String {
    let given = args.path.as_deref().unwrap_or(Path::new("/"));
    std::fs::canonicalize(given)
        .unwrap_or_else(|_| given.to_path_buf())
        .display()
        .to_string()
}

/// Writes the findings (or statistics) in the chosen format.
fn emit(
    args: &CheckArgs,
    env: &Env,
    server: &crate::model::Server,
    findings: &[Finding],
    baseline: Option<&baseline::Outcome>,
    color: bool,
    out: &mut dyn Write,
) -> Result<(), RunError> {
    let summary = Summary::new(
        findings,
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
        baseline,
    };
    if args.statistics {
        report::statistics::write(args.format, &report, out)?;
    } else {
        report::write(args.format, &report, out)?;
    }
    Ok(())
}

/// Where a finding is, as `file:line:col: ` (empty without a location).
fn at(f: &Finding, files: &finding::Files) -> String {
    f.location
        .as_ref()
        .map(|l| {
            let lc = files.line_col(l);
            format!("{}:{}:{}: ", Esc(&l.file), lc.line, lc.column)
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
    // With --dry-run and a machine format, standard error holds the document alone.
    let document_only = args.dry_run && is_machine(args.format);
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
            for (f, why) in outcome.blocked.iter().filter(|_| !document_only) {
                writeln!(
                    err,
                    "not applied: {}{} {}: {}",
                    at(f, original_files),
                    f.code(),
                    Esc(&f.message),
                    Esc(why)
                )?;
            }
            Ok(())
        };
        if args.dry_run {
            // The diff is for `patch`: its bytes are exact. Shown on a terminal, it is for a
            // human, and the tree's control characters are made visible instead (see
            // report::escape).
            if io::stdout().is_terminal() {
                let mut diff = Vec::new();
                crate::fix::write_diff(&changes, &mut diff)?;
                out.write_all(&escape::terminal_bytes(&diff))?;
            } else {
                crate::fix::write_diff(&changes, out)?;
            }
            // The baseline hides findings from the report and the exit code; the diff still
            // fixes what --fix would fix (README "Baseline").
            let (shown, seen) = env.baselined(args, original_findings.clone(), original_files);
            // What would remain is located in the fixed text (the last pass's files).
            let last_files = match &outcome.last {
                Some((s, _)) => &s.files,
                None => original_files,
            };
            let (remaining, _) = env.baselined(args, remaining.to_vec(), last_files);
            let remaining = &remaining[..];
            emit(
                args,
                env,
                original_server,
                &shown,
                seen.as_ref(),
                use_color(io::stderr().is_terminal()),
                err,
            )?;
            if document_only {
                return Ok(exit_code(args, remaining, !changes.is_empty()));
            }
            not_applied(err)?;
            if changes.is_empty() {
                // Nothing on stdout: say so, and what remains (the findings are above).
                let n = remaining.len();
                let rest = match n {
                    0 => ", and no finding remains".to_string(),
                    _ => format!(
                        "; {n} {} {} (above)",
                        report::plural(n, "finding", "findings"),
                        report::plural(n, "remains", "remain")
                    ),
                };
                let unsafe_only = remaining
                    .iter()
                    .filter(|f| f.fixable(true) && !f.fixable(false))
                    .count();
                let hint = if unsafe_only > 0 && !args.unsafe_fixes {
                    format!(
                        " ({unsafe_only} {} only an unsafe fix: add --unsafe-fixes)",
                        report::plural(unsafe_only, "finding has", "findings have")
                    )
                } else {
                    String::new()
                };
                writeln!(err, "No diff: nothing to fix{hint}{rest}.")?;
            } else {
                writeln!(
                    err,
                    "Would fix {fixed} {} in {} {}; {} {} would remain.",
                    report::plural(fixed, "finding", "findings"),
                    changes.len(),
                    report::plural(changes.len(), "file", "files"),
                    remaining.len(),
                    report::plural(remaining.len(), "finding", "findings"),
                )?;
            }
            for path in crate::fix::emptied(&changes) {
                writeln!(
                    err,
                    "note: {} becomes empty and stays (Exim needs it to exist): apply this diff with `patch -p1`, not `patch -p1 -E`, which would remove it",
                    Esc(path)
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
                            f.code(),
                            Esc(&f.message)
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
                f.code(),
                Esc(&f.message)
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
        let (findings, seen) = env.baselined(args, findings, &server.files);
        emit(
            args,
            env,
            &server,
            &findings,
            seen.as_ref(),
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

/// Whether a tree holds nothing maillint checks: no account, no domain anywhere, no zone, no
/// forwarder, no Exim configuration.
fn nothing_to_check(server: &crate::model::Server) -> bool {
    server.accounts.is_empty()
        && server.domains.is_empty()
        && server
            .lists
            .iter()
            .all(|l| l.doc.entries().next().is_none())
        && server
            .userdomains
            .as_ref()
            .is_none_or(|u| u.doc.entries().all(|e| e.is_default()))
        && server.zones.is_empty()
        && server.unusable_zones.is_empty()
        && server.valiases.is_empty()
        && server.vdomainaliases.is_empty()
        && server.vfilters.is_empty()
        && server.dkim_keys.is_empty()
        && server.exim.is_none()
}

/// A domain as given on the command line, as the tree writes it: lower case, no final dot.
fn normalize_domain(d: &str) -> String {
    d.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// Every domain the tree names: account domains, routing-list entries, `etc/userdomains` and
/// `etc/trueuserdomains` names, zones, forwarder, filter and DKIM key files, `etc/manualmx`, the
/// host name, and the domain of every finding.
fn tree_domains<'a>(
    server: &'a crate::model::Server,
    findings: &'a [Finding],
) -> std::collections::BTreeSet<&'a str> {
    let mut known: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
    known.extend(server.domains.keys().map(String::as_str));
    for list in server.lists.iter() {
        known.extend(list.doc.entries().map(|e| e.domain.as_str()));
    }
    for map in [
        &server.userdomains,
        &server.trueuserdomains,
        &server.manualmx,
    ]
    .into_iter()
    .flatten()
    {
        known.extend(
            map.doc
                .entries()
                .filter(|e| !e.is_default())
                .map(|e| e.key.as_str()),
        );
    }
    known.extend(server.zones.keys().map(String::as_str));
    known.extend(server.unusable_zones.keys().map(String::as_str));
    known.extend(server.valiases.keys().map(String::as_str));
    known.extend(server.vdomainaliases.keys().map(String::as_str));
    known.extend(server.vfilters.keys().map(String::as_str));
    known.extend(server.dkim_keys.keys().map(String::as_str));
    if let Some(h) = &server.identity.hostname {
        known.insert(h.value.as_str());
    }
    known.extend(findings.iter().filter_map(|f| f.domain.as_deref()));
    known
}

/// The message for a `--domain` the tree does not name, with up to five of the closest domains
/// it does name.
fn unknown_domain(given: &str, d: &str, known: &std::collections::BTreeSet<&str>) -> String {
    let mut close: Vec<(usize, &str)> = known
        .iter()
        .map(|k| (rules::catalog::distance(d, k), *k))
        .collect();
    close.sort();
    let near = close.first().is_some_and(|(dist, _)| *dist <= 2);
    let shown: Vec<String> = close
        .iter()
        .filter(|(dist, _)| !near || *dist <= 2)
        .take(5)
        .map(|(_, k)| Esc(k).to_string())
        .collect();
    let hint = match (shown.is_empty(), near) {
        (true, _) => "the tree names no domain at all".to_string(),
        (false, true) => format!("did you mean {}?", shown.join(" or ")),
        (false, false) => format!(
            "it names {} {}, such as {}",
            known.len(),
            report::plural(known.len(), "domain", "domains"),
            shown.join(", ")
        ),
    };
    if d.is_empty() {
        return format!("an empty --domain names no domain; {hint}");
    }
    format!(
        "--domain `{}` names no domain of this tree (no account, routing list, zone, \
         forwarder or finding has it); {hint}",
        Esc(given)
    )
}

/// `--domain`, `[[ignore_domain]]`.
fn filter(findings: &mut Vec<Finding>, args: &CheckArgs, cfg: &Config) {
    let wanted: Vec<String> = args.domain.iter().map(|d| normalize_domain(d)).collect();
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
            Some(d) => !cfg.ignore_domain.iter().any(|i| i.matches(d, f.code())),
            None => true,
        }
    });
}
