//! The WHM hook: `maillint hook` as a cPanel Standardized Hook (PRODUCT.md "The WHM hook";
//! cpanel.md §8).
//!
//! cPanel runs a script hook with the event's JSON on standard input (`{"context": {"category",
//! "event", "stage", …}, "data": {…}}`) and reads the answer from standard output only: `1 msg`
//! lets the action go on, `0 msg` stops it when the hook is blocking (pre stages). The exit
//! status is ignored, standard error goes to cPanel's error log.
//!
//! # Events
//!
//! `maillint hook --describe` (and `maillint --describe`, which `manage_hooks add script
//! maillint` runs) describes these; each maps to a user and the domains it touched, and the hook
//! lints those domains only (a scoped run, [`crate::model::scope`]). Names are cPanel's
//! (cpanel.md §8.3); where the reference could not verify a name or a data key, the table says
//! so and the documented cPanel name is used.
//!
//! | category | event | stage | user | domains | verified |
//! |---|---|---|---|---|---|
//! | Whostmgr | `Accounts::Create` | post | `data.user` | `data.domain` | yes (real payload) |
//! | Whostmgr | `Accounts::Modify` | post | `data.newuser`, else `data.user` | `data.newdomain`, `data.domain`, else every domain of the account | event yes; keys not (read as the API's `modifyacct` names) |
//! | PkgAcct | `Restore` | post | `data.user` | `data.domain`, else every domain of the account | event and stage yes; keys not |
//! | Whostmgr | `Transfers::Session` | post | `data.user` | `data.domain`, else every domain of the account | name yes; keys not (a session moves many accounts, each also restored through `PkgAcct::Restore`; without a user the hook says so) |
//! | Whostmgr | `Domain::park` | post | `data.user` | `data.new_domain` | yes (`ParkAdmin`); an addon domain is created as addsubdomain + park |
//! | Whostmgr | `Domain::addsubdomain` | post | `data.user` | `data.subdomain`.`data.rootdomain` | yes (`Sub.pm`) |
//! | Cpanel | `UAPI::Email::set_always_accept` | post; pre (blocking) | `data.user` | `data.args.domain` | yes |
//! | Cpanel | `Api2::Email::setmxcheck`, `Api2::Email::setalwaysaccept` | post | `data.user` | `data.args.domain` | yes (distinct events of the same action) |
//! | Cpanel | `UAPI::Email::add_mx`, `change_mx`, `delete_mx` | post | `data.user` | `data.args.domain` | yes |
//! | Cpanel | `UAPI::DNS::mass_edit_zone` | post | `data.user` | `data.args.zone` | no (UAPI module and key per cPanel's API documentation) |
//! | Cpanel | `Api2::ZoneEdit::add_zone_record`, `edit_zone_record`, `remove_zone_record` | post | `data.user` | `data.args.domain` | no (API 2 names per cPanel's documentation) |
//!
//! `Cpanel` events run as the cPanel user; their entries ask for `escalateprivs` so that the
//! hook runs as root (it reads `/etc` and writes its log). The pre stage of
//! `UAPI::Email::set_always_accept` is the only blocking entry: with `[hook] block = true` it
//! answers `0 maillint: …` when the call sets Local while the domain's primary MX (the zone on
//! this server) is another host; without it, it answers `1` at once.
//!
//! # What the hook does
//!
//! The event's domains are linted with `--domain` (plus the event's user as an account to
//! read), with `maillint.toml` from `--config` or `etc/maillint.toml` under the root (`[hook]
//! fix = "safe"` adds `--fix`). The root is `--root DIR`, else `MAILLINT_HOOK_ROOT`, else `/`.
//!
//! Findings are appended to `var/log/maillint/hook.jsonl` under the root, one JSON object per
//! finding with the time, event, stage and user. The log never grows without bound: before an
//! append that would take it past [`LOG_MAX_BYTES`] (1 MiB) it is renamed to `hook.jsonl.1`,
//! replacing the previous one, so the two files hold at most about 2 MiB. The log directory is
//! created `0700` and the file `0600`; a symlink in their place is refused.
//!
//! # Never fail the action
//!
//! Whatever happens (input that is no JSON, binary or huge, an event of an unknown kind, a user
//! or domain the tree does not have, a configuration error, an internal error caught with
//! `catch_unwind`), the hook answers `1 maillint: …` with the reason and exits 0. Standard input
//! is read in a thread, at most [`MAX_INPUT`] bytes and for at most [`READ_TIMEOUT`]: a writer
//! that never closes the pipe cannot hang it.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Subcommand};
use serde_json::{Value, json};

/// `maillint hook`.
#[derive(Debug, Args)]
pub struct HookArgs {
    #[command(subcommand)]
    pub action: Option<HookAction>,
    /// Print the JSON array `manage_hooks add script` reads
    #[arg(long)]
    pub describe: bool,
    /// The server tree (default: $MAILLINT_HOOK_ROOT, else /)
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Configuration file (default: etc/maillint.toml under the root)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum HookAction {
    /// Register the hooks with cPanel's manage_hooks
    Install {
        /// Print the command, run nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// Remove the hooks `install` registered
    Uninstall {
        /// Print the command, run nothing
        #[arg(long)]
        dry_run: bool,
    },
}

/// Standard input read at most: an event is a few KiB.
pub const MAX_INPUT: u64 = 1024 * 1024;
/// How long the hook waits for standard input to end.
pub const READ_TIMEOUT: Duration = Duration::from_secs(30);
/// The log is rotated before it would grow past this.
pub const LOG_MAX_BYTES: u64 = 1024 * 1024;
/// The log, under the root.
pub const LOG: &str = "var/log/maillint/hook.jsonl";

/// How an event names what it touched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// `data.user`, `data.domain` (or every domain of the account).
    Account,
    /// `data.user`, `data.new_domain`.
    Park,
    /// `data.user`, `data.subdomain` . `data.rootdomain`.
    Subdomain,
    /// `data.user`, `data.args.domain`.
    Api,
    /// `data.user`, `data.args.zone`.
    Zone,
}

#[derive(Debug)]
struct EventDef {
    category: &'static str,
    event: &'static str,
    stage: &'static str,
    kind: Kind,
    blocking: bool,
}

const fn ev(category: &'static str, event: &'static str, kind: Kind) -> EventDef {
    EventDef {
        category,
        event,
        stage: "post",
        kind,
        blocking: false,
    }
}

const ALWAYS_ACCEPT: &str = "UAPI::Email::set_always_accept";

/// The events of the table above.
const EVENTS: &[EventDef] = &[
    ev("Whostmgr", "Accounts::Create", Kind::Account),
    ev("Whostmgr", "Accounts::Modify", Kind::Account),
    ev("PkgAcct", "Restore", Kind::Account),
    ev("Whostmgr", "Transfers::Session", Kind::Account),
    ev("Whostmgr", "Domain::park", Kind::Park),
    ev("Whostmgr", "Domain::addsubdomain", Kind::Subdomain),
    ev("Cpanel", ALWAYS_ACCEPT, Kind::Api),
    EventDef {
        category: "Cpanel",
        event: ALWAYS_ACCEPT,
        stage: "pre",
        kind: Kind::Api,
        blocking: true,
    },
    ev("Cpanel", "Api2::Email::setmxcheck", Kind::Api),
    ev("Cpanel", "Api2::Email::setalwaysaccept", Kind::Api),
    ev("Cpanel", "UAPI::Email::add_mx", Kind::Api),
    ev("Cpanel", "UAPI::Email::change_mx", Kind::Api),
    ev("Cpanel", "UAPI::Email::delete_mx", Kind::Api),
    ev("Cpanel", "UAPI::DNS::mass_edit_zone", Kind::Zone),
    ev("Cpanel", "Api2::ZoneEdit::add_zone_record", Kind::Api),
    ev("Cpanel", "Api2::ZoneEdit::edit_zone_record", Kind::Api),
    ev("Cpanel", "Api2::ZoneEdit::remove_zone_record", Kind::Api),
];

/// The program as hooks run it: this executable, canonical.
fn exe() -> Result<String, String> {
    let p = std::env::current_exe()
        .and_then(std::fs::canonicalize)
        .map_err(|e| format!("cannot find this program's path: {e}"))?;
    let s = p.to_string_lossy().into_owned();
    // cPanel splits the hook command on white space.
    if s.chars().any(char::is_whitespace) {
        return Err(format!(
            "this program's path {s} holds white space, which cPanel's hook command cannot carry; install maillint in a path without it"
        ));
    }
    Ok(s)
}

/// The `--describe` entries for the program at `exe`.
pub fn entries(exe: &str) -> Vec<Value> {
    EVENTS
        .iter()
        .map(|e| {
            let mut v = json!({
                "category": e.category,
                "event": e.event,
                "stage": e.stage,
                "hook": format!("{exe} hook"),
                "exectype": "script",
            });
            if e.category == "Cpanel" {
                v["escalateprivs"] = json!(1);
            }
            if e.blocking {
                v["blocking"] = json!(1);
            }
            v
        })
        .collect()
}

/// `maillint hook --describe`.
pub fn describe(out: &mut dyn Write) -> io::Result<()> {
    let exe = exe().map_err(io::Error::other)?;
    serde_json::to_writer_pretty(&mut *out, &entries(&exe))?;
    writeln!(out)
}

/// `maillint hook …`: the exit code.
pub fn main(args: &HookArgs) -> i32 {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    match &args.action {
        Some(HookAction::Install { dry_run }) => return manage("add", *dry_run, &mut out),
        Some(HookAction::Uninstall { dry_run }) => return manage("delete", *dry_run, &mut out),
        None => {}
    }
    if args.describe {
        return match describe(&mut out) {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("maillint: error: {e}");
                2
            }
        };
    }
    let root = args
        .root
        .clone()
        .or_else(|| std::env::var_os("MAILLINT_HOOK_ROOT").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("/"));
    let input = read_input(io::stdin());
    let config = args.config.clone();
    let outcome = std::panic::catch_unwind(move || handle(&root, config.as_deref(), input))
        .unwrap_or_else(|panic| {
            let what = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("unknown");
            Outcome::pass(format!(
                "internal error ({what}); the action goes on; please report this bug"
            ))
        });
    // stdout is all cPanel reads: one line.
    let _ = writeln!(out, "{}", outcome.answer());
    let _ = out.flush();
    eprintln!("{}", crate::escape::Esc(&outcome.summary()));
    0
}

/// `hook install` / `hook uninstall`: `manage_hooks add|delete script PROGRAM`, which runs
/// `PROGRAM --describe` and adds or deletes exactly the described hooks.
fn manage(verb: &str, dry_run: bool, out: &mut dyn Write) -> i32 {
    let fail = |msg: String| {
        eprintln!("maillint: error: {msg}");
        2
    };
    let exe = match exe() {
        Ok(e) => e,
        Err(e) => return fail(e),
    };
    let tool = manage_hooks();
    let shown = format!(
        "{} {verb} script {exe}",
        tool.as_ref()
            .map_or("/usr/local/cpanel/bin/manage_hooks".into(), |p| p
                .display()
                .to_string())
    );
    if dry_run {
        let _ = writeln!(out, "{shown}");
        let _ = writeln!(
            out,
            "({} the {} hooks `maillint hook --describe` lists; nothing was run: --dry-run)",
            if verb == "add" {
                "registers"
            } else {
                "removes"
            },
            EVENTS.len()
        );
        return 0;
    }
    let Some(tool) = tool else {
        return fail(
            "manage_hooks not found (/usr/local/cpanel/bin/manage_hooks, or on PATH): is this a cPanel server?"
                .into(),
        );
    };
    match std::process::Command::new(&tool)
        .args([verb, "script", &exe])
        .status()
    {
        Ok(st) if st.success() => {
            let _ = writeln!(
                out,
                "{} the maillint hooks ({shown})",
                if verb == "add" {
                    "Registered"
                } else {
                    "Removed"
                }
            );
            0
        }
        Ok(st) => fail(format!("{shown} failed ({st})")),
        Err(e) => fail(format!("cannot run {}: {e}", tool.display())),
    }
}

fn manage_hooks() -> Option<PathBuf> {
    let cpanel = Path::new("/usr/local/cpanel/bin/manage_hooks");
    if cpanel.is_file() {
        return Some(cpanel.to_path_buf());
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("manage_hooks"))
            .find(|p| p.is_file())
    })
}

/// Standard input, read in a thread: at most [`MAX_INPUT`] bytes, for at most [`READ_TIMEOUT`].
fn read_input<R: Read + Send + 'static>(r: R) -> Result<Vec<u8>, String> {
    read_bounded(r, MAX_INPUT, READ_TIMEOUT)
}

fn read_bounded<R: Read + Send + 'static>(
    r: R,
    max: u64,
    timeout: Duration,
) -> Result<Vec<u8>, String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let got = r.take(max + 1).read_to_end(&mut buf).map(|_| buf);
        let _ = tx.send(got);
    });
    match rx.recv_timeout(timeout) {
        Ok(Ok(buf)) if buf.len() as u64 > max => Err(format!(
            "the event is larger than {} KiB; not read",
            max / 1024
        )),
        Ok(Ok(buf)) => Ok(buf),
        Ok(Err(e)) => Err(format!("cannot read the event: {e}")),
        Err(_) => Err(format!(
            "the event did not arrive within {} s",
            timeout.as_secs()
        )),
    }
}

/// What the hook answers and logs.
#[derive(Debug)]
pub struct Outcome {
    /// `false` only to refuse a blocking pre-stage call.
    pub pass: bool,
    pub message: String,
    /// The event, for the summary (`Whostmgr Accounts::Create post user=bob`).
    pub event: Option<String>,
}

impl Outcome {
    fn pass(message: String) -> Outcome {
        Outcome {
            pass: true,
            message,
            event: None,
        }
    }

    /// The line for standard output: `1 maillint: …` or `0 maillint: …`.
    pub fn answer(&self) -> String {
        let msg: String = self
            .message
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        format!("{} maillint: {msg}", if self.pass { 1 } else { 0 })
    }

    /// The line for standard error (cPanel's error log).
    pub fn summary(&self) -> String {
        match &self.event {
            Some(e) => format!("maillint hook {e}: {}", self.message),
            None => format!("maillint hook: {}", self.message),
        }
    }
}

/// The event as the hook understood it.
#[derive(Debug)]
struct Event<'a> {
    def: &'a EventDef,
    user: Option<String>,
    domains: Vec<String>,
    /// `data.args.mxcheck` of the routing call.
    mxcheck: Option<String>,
}

/// Handles one event (the whole hook but reading standard input and printing).
pub fn handle(root: &Path, config: Option<&Path>, input: Result<Vec<u8>, String>) -> Outcome {
    let input = match input {
        Ok(i) => i,
        Err(why) => return Outcome::pass(why),
    };
    let v: Value = match serde_json::from_slice(&input) {
        Ok(v) => v,
        Err(e) => return Outcome::pass(format!("the event is not JSON ({e}); nothing checked")),
    };
    let ctx = &v["context"];
    let (Some(category), Some(event), Some(stage)) = (
        ctx["category"].as_str(),
        ctx["event"].as_str(),
        ctx["stage"].as_str(),
    ) else {
        return Outcome::pass(
            "the event has no context.category, context.event and context.stage strings; nothing checked"
                .into(),
        );
    };
    let label = format!("{category} {event} {stage}");
    let mut outcome = match understand(&v, category, event, stage) {
        Ok(ev) => lint(root, config, &ev, &label),
        Err(why) => Outcome::pass(why),
    };
    outcome.event = Some(label);
    outcome
}

fn understand<'a>(
    v: &Value,
    category: &str,
    event: &str,
    stage: &str,
) -> Result<Event<'a>, String> {
    let def = EVENTS
        .iter()
        .find(|d| d.category == category && d.event == event && d.stage == stage)
        .ok_or_else(|| {
            format!("{category} {event} {stage} is not an event maillint handles; nothing checked")
        })?;
    let data = &v["data"];
    let text = |v: &Value| -> Option<String> {
        match v {
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            _ => None,
        }
    };
    let user = match def.kind {
        Kind::Account if event == "Accounts::Modify" => {
            text(&data["newuser"]).or_else(|| text(&data["user"]))
        }
        _ => text(&data["user"]),
    };
    let mut domains: Vec<String> = match def.kind {
        Kind::Account if event == "Accounts::Modify" => text(&data["newdomain"])
            .or_else(|| text(&data["domain"]))
            .into_iter()
            .collect(),
        Kind::Account => text(&data["domain"]).into_iter().collect(),
        Kind::Park => text(&data["new_domain"]).into_iter().collect(),
        Kind::Subdomain => match (text(&data["subdomain"]), text(&data["rootdomain"])) {
            (Some(sub), Some(root)) if sub.ends_with(&format!(".{root}")) || sub == root => {
                vec![sub]
            }
            (Some(sub), Some(root)) => vec![format!("{sub}.{root}")],
            (Some(sub), None) => vec![sub],
            _ => Vec::new(),
        },
        Kind::Api => text(&data["args"]["domain"]).into_iter().collect(),
        Kind::Zone => text(&data["args"]["zone"])
            .or_else(|| text(&data["args"]["domain"]))
            .into_iter()
            .collect(),
    };
    for d in &mut domains {
        *d = d.trim_end_matches('.').to_ascii_lowercase();
        if !is_domain(d) {
            return Err(format!(
                "the event names `{}`, which is no domain name; nothing checked",
                d.escape_default()
            ));
        }
    }
    if let Some(u) = &user
        && !is_user(u)
    {
        return Err(format!(
            "the event names the user `{}`, which is no cPanel user name; nothing checked",
            u.escape_default()
        ));
    }
    if user.is_none() && domains.is_empty() {
        return Err(format!(
            "the event names no user and no domain (data.user, data.domain{}); nothing checked",
            if def.kind == Kind::Api {
                ", data.args.domain"
            } else {
                ""
            }
        ));
    }
    Ok(Event {
        def,
        user,
        domains,
        mxcheck: text(&data["args"]["mxcheck"]),
    })
}

fn is_domain(d: &str) -> bool {
    !d.is_empty()
        && d.len() <= 253
        && d.contains('.')
        && d.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
        && !d.starts_with('.')
        && !d.contains("..")
}

fn is_user(u: &str) -> bool {
    !u.is_empty()
        && u.len() <= 32
        && u.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        && !u.starts_with('.')
}

/// The configuration: `--config`, else `etc/maillint.toml` under the root when it is a regular
/// file (not a symlink); `None` for the defaults.
fn config_path(root: &Path, given: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = given {
        return Some(p.to_path_buf());
    }
    let p = root.join("etc/maillint.toml");
    std::fs::symlink_metadata(&p)
        .is_ok_and(|m| m.is_file())
        .then_some(p)
}

fn lint(root: &Path, config: Option<&Path>, ev: &Event<'_>, label: &str) -> Outcome {
    let cfg_path = config_path(root, config);
    let cfg = match &cfg_path {
        Some(p) => match crate::config::Config::load(p) {
            Ok(c) => c,
            Err(e) => return Outcome::pass(format!("{e}; nothing checked")),
        },
        None => crate::config::Config::default(),
    };
    if ev.def.stage == "pre" {
        return pre_routing(root, &cfg, ev);
    }
    let domains = match domains_of(root, ev) {
        Ok(d) => d,
        Err(why) => return Outcome::pass(why),
    };
    let fix = cfg.hook.fix == crate::config::HookFix::Safe;
    let mut argv: Vec<std::ffi::OsString> = vec!["maillint".into(), "check".into(), root.into()];
    for a in ["--format", "json", "--no-progress", "--exit-zero"] {
        argv.push(a.into());
    }
    if let Some(p) = &cfg_path {
        argv.push("--config".into());
        argv.push(p.into());
    }
    for d in &domains {
        argv.push("--domain".into());
        argv.push(d.into());
    }
    if let Some(u) = &ev.user {
        argv.push("--scope-user".into());
        argv.push(u.into());
    }
    if fix {
        argv.push("--fix".into());
    }
    let cli = match <crate::cli::Cli as clap::Parser>::try_parse_from(argv) {
        Ok(c) => c,
        Err(e) => return Outcome::pass(format!("internal error: {e}")),
    };
    let Some(crate::cli::Command::Check(args)) = cli.command else {
        return Outcome::pass("internal error: not a check".into());
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    if let Err(e) = crate::cli::check(&args, &mut out, &mut err) {
        return Outcome::pass(format!("{e}; nothing checked"));
    }
    let findings: Vec<Value> = serde_json::from_slice::<Value>(&out)
        .ok()
        .and_then(|v| v["findings"].as_array().cloned())
        .unwrap_or_default();
    let fixed = String::from_utf8_lossy(&err)
        .lines()
        .filter(|l| l.starts_with("fixed: "))
        .count();
    let log_problem = write_log(root, label, ev.user.as_deref(), &findings, fixed).err();
    let mut msg = summary(&domains, &findings, fixed, root);
    if let Some(why) = log_problem {
        msg.push_str(&format!(" (the log could not be written: {why})"));
    }
    Outcome::pass(msg)
}

/// The domains to lint: the event's, else every domain of its account.
fn domains_of(root: &Path, ev: &Event<'_>) -> Result<Vec<String>, String> {
    let Some(user) = &ev.user else {
        return Ok(ev.domains.clone());
    };
    let cpuser = root.join("var/cpanel/users").join(user);
    if std::fs::symlink_metadata(&cpuser).is_err() {
        return Err(format!(
            "no account {user} on this server (var/cpanel/users/{user}); nothing checked"
        ));
    }
    if !ev.domains.is_empty() {
        return Ok(ev.domains.clone());
    }
    let opts = crate::model::Options {
        needs: crate::model::Needs::NONE,
        ..Default::default()
    };
    let (s, _) = crate::model::load_scoped(
        Some(root),
        &opts,
        &Default::default(),
        &[],
        std::slice::from_ref(user),
    )?;
    let mut ds: Vec<String> = s
        .domains
        .values()
        .filter(|d| &d.user == user)
        .map(|d| d.name.clone())
        .collect();
    ds.sort();
    if ds.is_empty() {
        return Err(format!("account {user} has no domain; nothing checked"));
    }
    Ok(ds)
}

/// The pre stage of `UAPI::Email::set_always_accept`: with `[hook] block`, refuse setting Local
/// while the primary MX (of the zone on this server) is another host.
fn pre_routing(root: &Path, cfg: &crate::config::Config, ev: &Event<'_>) -> Outcome {
    if !cfg.hook.block {
        return Outcome::pass("blocking is off ([hook] block); nothing checked".into());
    }
    let local = matches!(ev.mxcheck.as_deref(), Some("local" | "0"));
    let Some(domain) = ev.domains.first() else {
        return Outcome::pass("the call names no domain; nothing checked".into());
    };
    if !local {
        return Outcome::pass(format!(
            "{domain}: the call does not set Local; nothing to refuse"
        ));
    }
    let opts = crate::model::Options {
        needs: crate::model::Needs::ZONES,
        ..Default::default()
    };
    let users: Vec<String> = ev.user.iter().cloned().collect();
    let s = match crate::model::load_scoped(
        Some(root),
        &opts,
        &Default::default(),
        std::slice::from_ref(domain),
        &users,
    ) {
        Ok((s, _)) => s,
        Err(e) => return Outcome::pass(format!("{e}; nothing checked")),
    };
    let det = s.detect_routing(domain);
    match det.outcome {
        Ok(crate::model::dns::Routing::Remote | crate::model::dns::Routing::Secondary) => {
            let primary = det.mx.first().map(|m| m.target.clone()).unwrap_or_default();
            Outcome {
                pass: false,
                message: format!(
                    "refused: {domain}'s primary MX is {primary}, another host; set to Local, this server would keep the mail its own users send to {domain} in local mailboxes instead of sending it to {primary} (RT001). Change the MX first, or choose Remote ([hook] block = true in maillint.toml)"
                ),
                event: None,
            }
        }
        _ => Outcome::pass(format!(
            "{domain}: its MX does not point elsewhere; Local is allowed"
        )),
    }
}

/// `no findings for example.com` or `2 findings for example.com (RT001 error, SPF001 warning);
/// see /var/log/maillint/hook.jsonl`.
fn summary(domains: &[String], findings: &[Value], fixed: usize, root: &Path) -> String {
    let for_ = domains.join(", ");
    let fixed_note = match fixed {
        0 => String::new(),
        1 => "1 fixed; ".to_string(),
        n => format!("{n} fixed; "),
    };
    if findings.is_empty() {
        return match fixed {
            0 => format!("no findings for {for_}"),
            _ => format!("{fixed_note}no findings left for {for_}"),
        };
    }
    let mut codes: Vec<String> = Vec::new();
    for f in findings {
        let c = format!(
            "{} {}",
            f["code"].as_str().unwrap_or("?"),
            f["severity"].as_str().unwrap_or("?")
        );
        if !codes.contains(&c) {
            codes.push(c);
        }
    }
    let n = findings.len();
    format!(
        "{fixed_note}{n} {} for {for_} ({}); see {}",
        if n == 1 { "finding" } else { "findings" },
        codes.join(", "),
        log_display(root)
    )
}

fn log_display(root: &Path) -> String {
    if root == Path::new("/") {
        format!("/{LOG}")
    } else {
        root.join(LOG).display().to_string()
    }
}

/// Appends the findings to the log, one JSON object a line, rotating it first when the append
/// would take it past [`LOG_MAX_BYTES`].
fn write_log(
    root: &Path,
    event: &str,
    user: Option<&str>,
    findings: &[Value],
    fixed: usize,
) -> Result<(), String> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    if findings.is_empty() {
        return Ok(());
    }
    let now = crate::clock::Utc::now();
    let mut text = String::new();
    for f in findings {
        let line = json!({
            "time": now.stamp(),
            "event": event,
            "user": user,
            "fixed_in_this_run": fixed,
            "finding": f,
        });
        text.push_str(&line.to_string());
        text.push('\n');
    }
    let dir = root.join("var/log/maillint");
    for d in [root.join("var/log"), dir.clone()] {
        match std::fs::symlink_metadata(&d) {
            Ok(m) if m.file_type().is_symlink() || !m.is_dir() => {
                return Err(format!("{} is not a directory", d.display()));
            }
            Ok(_) => {}
            Err(_) => std::fs::DirBuilder::new()
                .mode(0o700)
                .create(&d)
                .map_err(|e| format!("{}: {e}", d.display()))?,
        }
    }
    let path = root.join(LOG);
    if let Ok(m) = std::fs::symlink_metadata(&path) {
        if !m.is_file() {
            return Err(format!("{} is not a regular file", path.display()));
        }
        if m.len() + text.len() as u64 > LOG_MAX_BYTES {
            let old = root.join(format!("{LOG}.1"));
            std::fs::rename(&path, &old).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
        .open(&path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    f.write_all(text.as_bytes())
        .map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_what_manage_hooks_accepts() {
        for e in entries("/usr/local/bin/maillint") {
            for key in ["category", "event"] {
                let s = e[key].as_str().unwrap();
                assert!(
                    s.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b':' || b == b'_'),
                    "{s}"
                );
            }
        }
    }

    #[test]
    fn a_reader_that_never_ends_does_not_hang_the_hook() {
        struct Never;
        impl Read for Never {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                std::thread::sleep(Duration::from_secs(3600));
                Ok(0)
            }
        }
        let got = read_bounded(Never, 10, Duration::from_millis(50));
        assert_eq!(got.unwrap_err(), "the event did not arrive within 0 s");
    }
}
