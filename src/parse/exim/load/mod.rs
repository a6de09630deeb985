//! Layers 2 and 3: read a whole configuration as Exim's reader does (macros, conditionals,
//! includes, continuations, sections) and build the typed [`Config`], recording every problem
//! Exim would reject.
//!
//! By concern: [`lines`] turns physical lines into logical lines (macros, conditionals,
//! includes, continuations); [`main`] reads the main section (macro definitions, named lists,
//! options); [`drivers`], [`acl`] and [`retry`] read the other sections. This module holds the
//! loader's state, its error reporting and the section dispatch.

use super::file::{self, CondKind, Joiner, PhysClass, classify};
use super::model::*;
use super::tables::{self, OptionKind};
use super::text::{
    MappedText, StringProblem, dequote, is_space, name_end, read_string, skip_space,
};
use super::{EximParser, Rule};
use crate::source::SourceFile;
use pest::Parser;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

mod acl;
mod drivers;
mod lines;
mod main;
mod retry;

#[cfg(test)]
use retry::retry_error_problem;
pub use retry::{read_fixed, read_time};

/// What the loader asks the caller when it meets an `.include` that Exim obeys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IncludeRequest {
    /// The file name exactly as written after macro substitution (quotes removed).
    pub path: String,
    /// The absolute name Exim would open: `path` when absolute, else joined to the directory of
    /// the including file (whose path is taken as relative to `/`).
    pub resolved_path: String,
    /// Path (relative to the server root) of the file holding the `.include` line.
    pub including_file: String,
    pub if_exists: bool,
    /// The `.include` line.
    pub loc: Loc,
}

/// The caller's answer to an [`IncludeRequest`].
#[derive(Clone, Debug)]
pub enum IncludeOutcome {
    Found(SourceFile),
    NotFound,
    Refused(String),
}

/// Which builtin macros (`_HAVE_…`, `_OPT_…`, `_DRIVER_…`) count as defined. A static linter
/// cannot know the Exim binary; the default is the build the corpus oracle used.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Builtins {
    /// Debian `exim4-daemon-heavy` 4.96: its feature macros, `_OPT_MAIN_…` for the main options
    /// it has, `_OPT_ROUTERS_…`/`_OPT_TRANSPORTS_…`/`_OPT_AUTHENTICATORS_…` for the generic
    /// options and `_DRIVER_…` for the usual drivers.
    #[default]
    Debian496Heavy,
    /// No builtin macro is defined.
    None,
    /// Exactly these names.
    Custom(Vec<String>),
}

/// Options of [`load_with`].
#[derive(Clone, Debug)]
pub struct LoadOptions {
    pub builtins: Builtins,
    /// Macros given with `-D NAME=value`: they come first and in-file definitions of the same
    /// name are ignored. None by default (so `.ifdef SERVER` and the like are false).
    pub command_line_macros: Vec<(String, String)>,
    /// Deepest `.include` nesting followed.
    pub max_include_depth: usize,
}

impl Default for LoadOptions {
    fn default() -> LoadOptions {
        LoadOptions {
            builtins: Builtins::Debian496Heavy,
            command_line_macros: Vec::new(),
            max_include_depth: 32,
        }
    }
}

/// Main options that Debian's 4.96 build does not have (newer releases or modules it leaves out).
const NOT_IN_DEBIAN_496: &[&str] = &[
    "acl_smtp_atrn",
    "acl_smtp_wellknown",
    "bmi_config_file",
    "dmarc_forensic_sender",
    "dmarc_history_file",
    "dmarc_tld_file",
    "hosts_xclient",
    "ibase_servers",
    "oracle_servers",
    "panic_coredump",
    "redis_servers",
    "spf_smtp_comment_template",
    "tcp_wrappers_daemon_name",
    "tls_early_banner_hosts",
    "wellknown_advertise_hosts",
];

fn builtin_names(b: &Builtins) -> Cow<'static, [String]> {
    static DEBIAN: OnceLock<Vec<String>> = OnceLock::new();
    match b {
        Builtins::None => Cow::Borrowed(&[]),
        Builtins::Custom(v) => Cow::Owned(v.clone()),
        Builtins::Debian496Heavy => Cow::Borrowed(DEBIAN.get_or_init(debian_496_builtins)),
    }
}

fn debian_496_builtins() -> Vec<String> {
    let up = |s: &str| s.to_ascii_uppercase();
    let mut v: Vec<String> = tables::DEBIAN_496_HEAVY_FEATURES
        .iter()
        .map(|s| s.to_string())
        .collect();
    for (n, _) in tables::MAIN_OPTIONS {
        if !NOT_IN_DEBIAN_496.contains(n) {
            v.push(format!("_OPT_MAIN_{}", up(n)));
        }
    }
    for (n, _) in tables::ROUTER_GENERIC {
        v.push(format!("_OPT_ROUTERS_{}", up(n)));
    }
    for (n, _) in tables::TRANSPORT_GENERIC {
        v.push(format!("_OPT_TRANSPORTS_{}", up(n)));
    }
    for (n, _) in tables::AUTHENTICATOR_GENERIC {
        v.push(format!("_OPT_AUTHENTICATORS_{}", up(n)));
    }
    for d in tables::ROUTER_DRIVERS {
        v.push(format!("_DRIVER_ROUTER_{}", up(d)));
    }
    for d in tables::TRANSPORT_DRIVERS {
        v.push(format!("_DRIVER_TRANSPORT_{}", up(d)));
    }
    for d in tables::AUTHENTICATOR_DRIVERS {
        v.push(format!("_DRIVER_AUTHENTICATOR_{}", up(d)));
    }
    // Exim scans its builtins longest-first (reverse alphabetical order).
    v.sort();
    v.reverse();
    v
}

/// Reads the whole configuration with the default [`LoadOptions`].
pub fn load(
    main: SourceFile,
    resolve: &mut dyn FnMut(&IncludeRequest) -> IncludeOutcome,
) -> Config {
    load_with(main, resolve, &LoadOptions::default())
}

/// Reads the whole configuration: `main`, and the files the resolver returns for its includes.
/// Never fails: problems are in [`Config::errors`].
pub fn load_with(
    main: SourceFile,
    resolve: &mut dyn FnMut(&IncludeRequest) -> IncludeOutcome,
    opts: &LoadOptions,
) -> Config {
    let parsed = file::parse(&main);
    let mut cfg = Config::default();
    cfg.lines.reserve(parsed.statements.len());
    cfg.files.push(ConfigFile {
        source: main,
        parsed,
    });
    let macros = opts
        .command_line_macros
        .iter()
        .map(|(n, v)| Macro {
            name: n.clone(),
            value: v.clone(),
            command_line: true,
        })
        .collect();
    let mut l = Loader {
        resolve,
        cfg,
        stack: vec![Frame { file: 0, next: 0 }],
        macros,
        builtins: builtin_names(&opts.builtins),
        cstate: 0,
        conds: Vec::new(),
        max_depth: opts.max_include_depth,
        failed_line: None,
    };
    l.run();
    l.cfg
}

struct Frame {
    file: usize,
    next: usize,
}

struct Macro {
    name: String,
    value: String,
    command_line: bool,
}

struct CondFrame {
    saved: u8,
    loc: Loc,
    kind: CondKind,
    else_seen: bool,
}

/// Exim's conditional state machine: 0 = reading, 1 = skipping to `.else`/`.elifdef`,
/// 2 = skipping to `.endif`. Columns: `.ifdef` true, `.ifdef` false, `.elifdef` true or `.else`,
/// `.elifdef` false.
const NEXT_STATE: [[u8; 4]; 3] = [[0, 1, 2, 2], [2, 2, 0, 1], [2, 2, 2, 2]];
/// Exim keeps at most this many nested `.ifdef`s.
const MAX_COND_DEPTH: usize = 10;

enum Got {
    Line(usize),
    Begin(usize),
    Eof,
}

struct Loader<'a> {
    resolve: &'a mut dyn FnMut(&IncludeRequest) -> IncludeOutcome,
    cfg: Config,
    stack: Vec<Frame>,
    macros: Vec<Macro>,
    builtins: Cow<'static, [String]>,
    cstate: u8,
    conds: Vec<CondFrame>,
    max_depth: usize,
    /// The last logical line that had an error (to avoid reporting the tail of a broken
    /// multi-line value a second time).
    failed_line: Option<usize>,
}

/// The result of reading the head of an option setting.
#[derive(Clone, Debug, PartialEq, Eq)]
struct OptHead {
    hide: bool,
    /// Name as written (with `no_`/`not_`).
    written: std::ops::Range<usize>,
    /// Name without the negation prefix.
    name: std::ops::Range<usize>,
    negated: bool,
    /// Start of what follows the name and its white space.
    rest: usize,
}

impl OptHead {
    fn new(text: &str, hide: bool, written: std::ops::Range<usize>, rest: usize) -> OptHead {
        let w = &text[written.clone()];
        let skip = if w.starts_with("no_") {
            3
        } else if w.starts_with("not_") {
            4
        } else {
            0
        };
        OptHead {
            hide,
            written: written.clone(),
            name: written.start + skip..written.end,
            negated: skip > 0,
            rest,
        }
    }
}

/// The head of an option setting (grammar rule `option_head`), read byte by byte because it is
/// read for every option line: `[hide] name` and the white space after it; `rest` is where the
/// `=` (or whatever follows) is.
fn option_head(text: &str) -> OptHead {
    let b = text.as_bytes();
    let mut pos = 0;
    let mut hide = false;
    if text.starts_with("hide")
        && !b
            .get(4)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
    {
        hide = true;
        pos = skip_space(text, 4);
    }
    let e = name_end(text, pos);
    OptHead::new(text, hide, pos..e, skip_space(text, e))
}

fn c_upper(b: Option<&u8>) -> bool {
    b.is_some_and(|b| b.is_ascii_uppercase())
}

impl Loader<'_> {
    // ------------------------------------------------------------------------------------
    // Errors

    fn error(&mut self, loc: Loc, message: impl Into<String>, help: Option<String>) {
        self.cfg.errors.push(ConfigError {
            loc,
            message: message.into(),
            help,
            exim_rejects: true,
        });
    }

    /// An error in logical line `i`.
    fn line_error(
        &mut self,
        i: usize,
        range: std::ops::Range<usize>,
        message: impl Into<String>,
        help: impl Into<Option<String>>,
    ) {
        let loc = self.cfg.lines[i].loc(range);
        self.error(loc, message, help.into());
        self.failed_line = Some(i);
    }

    /// "line N" for a location in the file of logical line `i`, else "path:N".
    fn place(&self, loc: Loc, i: usize) -> String {
        let (path, lc) = self.cfg.position(loc);
        if loc.file == self.cfg.lines[i].first.0 {
            format!("line {}", lc.line)
        } else {
            format!("{path}:{}", lc.line)
        }
    }

    /// Whether line `i` directly follows a line that had an error and cannot start a statement
    /// itself: then it is most likely the rest of that broken statement (a missing `\`).
    fn is_tail_of_failed(&self, i: usize) -> bool {
        i > 0
            && self.failed_line == Some(i - 1)
            && !self.cfg.lines[i]
                .as_str()
                .as_bytes()
                .first()
                .is_some_and(|b| b.is_ascii_alphabetic())
    }
}

impl Loader<'_> {
    // ------------------------------------------------------------------------------------
    // Sections

    fn run(&mut self) {
        let mut section = SectionKind::Main;
        let mut seen: HashSet<SectionKind> = HashSet::new();
        loop {
            let got = match section {
                SectionKind::Main => self.section_main(),
                SectionKind::Routers => self.section_drivers(DriverClass::Router),
                SectionKind::Transports => self.section_drivers(DriverClass::Transport),
                SectionKind::Authenticators => self.section_drivers(DriverClass::Authenticator),
                SectionKind::Acl => self.section_acl(),
                SectionKind::Retry => self.section_retry(),
                SectionKind::Rewrite => self.section_rewrite(),
                SectionKind::LocalScan => self.section_local_scan(),
                SectionKind::Unknown => self.section_unknown(),
            };
            let Got::Begin(i) = got else {
                return;
            };
            self.failed_line = None;
            section = self.begin(i, &mut seen);
            self.cfg.lines[i].section = section;
        }
    }

    /// Reads the next line of a section, handling bad `begin` lines; `None` at the end of the
    /// section (the `Got` is then stored in `end`).
    fn section_line(&mut self, section: SectionKind, end: &mut Option<Got>) -> Option<usize> {
        loop {
            match self.next_line(section) {
                Got::Line(i) => {
                    let t = self.cfg.lines[i].as_str();
                    if starts_with_begin(t) && EximParser::parse(Rule::bad_begin, t).is_ok() {
                        let l = self.cfg.lines[i].text.len();
                        let t = self.cfg.lines[i].as_str();
                        let after = t.as_bytes().get(5).copied();
                        let message = match after {
                            None => "`begin` without a section name".to_string(),
                            Some(b'\t') => {
                                "a TAB after `begin`: Exim only recognises `begin` followed by a \
                                 space"
                                    .to_string()
                            }
                            Some(_) => "`begin` must be followed by one space and the section name"
                                .to_string(),
                        };
                        self.line_error(
                            i,
                            0..l,
                            message,
                            Some("write `begin routers` (a space, not a TAB)".to_string()),
                        );
                        continue;
                    }
                    return Some(i);
                }
                other => {
                    *end = Some(other);
                    return None;
                }
            }
        }
    }

    fn begin(&mut self, i: usize, seen: &mut HashSet<SectionKind>) -> SectionKind {
        let text = self.cfg.lines[i].as_str().to_string();
        let start = skip_space(&text, 6);
        let name = &text[start..];
        let loc = self.cfg.lines[i].loc(0..text.len());
        let mut n = name.to_ascii_lowercase();
        if !n.ends_with('s') {
            n.push('s');
        }
        let kind = match n.as_str() {
            "acls" => SectionKind::Acl,
            "authenticators" => SectionKind::Authenticators,
            "local_scans" => SectionKind::LocalScan,
            "retrys" => SectionKind::Retry,
            "rewrites" => SectionKind::Rewrite,
            "routers" => SectionKind::Routers,
            "transports" => SectionKind::Transports,
            _ => SectionKind::Unknown,
        };
        self.cfg.sections.push(SectionHeader {
            kind,
            name: name.to_string(),
            loc,
        });
        if kind == SectionKind::Unknown {
            let help = if name.contains(|c: char| c.is_ascii_whitespace()) {
                "nothing may follow the section name on a `begin` line (comments go on their own \
                 line)"
            } else {
                "the sections are acl, authenticators, local_scan, retry, rewrite, routers and \
                 transports"
            };
            let l = text.len();
            self.line_error(
                i,
                start..l,
                format!("`{name}` is not a known configuration section name"),
                Some(help.to_string()),
            );
            return kind;
        }
        if !seen.insert(kind) {
            let l = text.len();
            self.line_error(
                i,
                start..l,
                format!("section `{name}` appears a second time"),
                Some("each section may appear only once; merge the two".to_string()),
            );
        }
        kind
    }

    fn section_unknown(&mut self) -> Got {
        let mut end = None;
        while self.section_line(SectionKind::Unknown, &mut end).is_some() {}
        end.unwrap_or(Got::Eof)
    }
}

/// The first word of a driver or ACL line (grammar rule `item_head`): an optional `!`, then a
/// name as Exim's `readconf_readname` reads it; `after` is past the white space that follows.
#[derive(Clone, Debug, PartialEq, Eq)]
struct ItemHead {
    bang: bool,
    name: std::ops::Range<usize>,
    after: usize,
}

fn item_head(text: &str) -> ItemHead {
    let bang = text.starts_with('!');
    let s = skip_space(text, usize::from(bang));
    let (n, a) = Loader::first_word(&text[s..]);
    ItemHead {
        bang,
        name: n.start + s..n.end + s,
        after: a + s,
    }
}

/// ` (`.` is not allowed)` for the first character of `name` that a driver or ACL name cannot
/// contain, or nothing.
fn bad_name_char(name: &str) -> String {
    name.trim()
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
        .map_or(String::new(), |c| format!(" (`{c}` is not allowed)"))
}

/// Cheap test before the grammar: does the text start with `begin` (any case)?
fn starts_with_begin(t: &str) -> bool {
    t.len() >= 5 && t.as_bytes()[..5].eq_ignore_ascii_case(b"begin")
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum OptContext {
    Main,
    LocalScan,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_head_matches_the_grammar() {
        let cases = [
            "a = b",
            "hide a=b",
            "hide",
            "hidex = 1",
            "no_x",
            "not_y = 2",
            "hide  no_z",
            "x y",
            "hide = 3",
            "a_b9 =",
            "h\u{e9}llo",
            "hide\thide x",
            "q",
            "a\t=\tb",
            "hide_x",
        ];
        for t in cases {
            assert_eq!(
                Some(option_head(t)),
                Loader::option_head_grammar(t),
                "{t:?}"
            );
        }
    }

    #[test]
    fn item_head_matches_the_grammar() {
        for t in [
            "acl1:",
            "! verify = sender",
            "!verify",
            "accept",
            "9x",
            "!",
            "a b",
            "Ab=1",
            ":",
        ] {
            assert_eq!(Some(item_head(t)), Loader::item_head_grammar(t), "{t:?}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        #[test]
        fn option_head_fast_path_is_the_grammar(t in "(hide[ \t]{0,2})?(no_|not_)?[a-z_0-9]{0,6}[ \t]{0,2}[=a-z \t\"#]{0,5}") {
            if t.as_bytes().first().is_some_and(|c| c.is_ascii_alphabetic()) {
                proptest::prop_assert_eq!(Some(option_head(&t)), Loader::option_head_grammar(&t));
            }
        }

        #[test]
        fn item_head_fast_path_is_the_grammar(t in "!?[ \t]{0,2}[a-zA-Z0-9_.]{0,6}[ \t]{0,2}[:=a-z!]{0,3}") {
            proptest::prop_assert_eq!(Some(item_head(&t)), Loader::item_head_grammar(&t));
        }
    }

    #[test]
    fn times_and_factors() {
        assert_eq!(read_time("2h"), Some(7200));
        assert_eq!(read_time("3h50m"), Some(3 * 3600 + 50 * 60));
        assert_eq!(read_time("1"), None);
        assert_eq!(read_time(""), None);
        assert_eq!(read_fixed("1.5"), Some(1500));
        assert_eq!(read_fixed("2"), Some(2000));
        assert_eq!(read_fixed("x"), None);
    }

    #[test]
    fn retry_errors() {
        for ok in [
            "*",
            "auth_failed",
            "refused_MX",
            "refused",
            "timeout_connect_A",
            "quota_7d",
            "rcpt_4xx",
            "rcpt_45x",
            "rcpt_452",
            "lost_connection",
            "lookup",
            "tls_required",
        ] {
            assert_eq!(retry_error_problem(ok), None, "{ok}");
        }
        for bad in [
            "quota_x",
            "refused_B",
            "rcpt_4",
            "rcpt_4x5",
            "bogus",
            "timeout_X",
        ] {
            assert!(retry_error_problem(bad).is_some(), "{bad}");
        }
    }
}
