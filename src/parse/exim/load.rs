//! Layers 2 and 3: read a whole configuration as Exim's reader does (macros, conditionals,
//! includes, continuations, sections) and build the typed [`Config`], recording every problem
//! Exim would reject.

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

    // ------------------------------------------------------------------------------------
    // Physical lines, macros, conditionals, includes

    fn next_phys(&mut self) -> Option<(usize, usize)> {
        loop {
            let fr = self.stack.last_mut()?;
            if fr.next < self.cfg.files[fr.file].parsed.lines.len() {
                let l = fr.next;
                fr.next += 1;
                return Some((fr.file, l));
            }
            if self.stack.len() == 1 {
                return None;
            }
            self.stack.pop();
        }
    }

    /// Whether substitution can change this line: it has a character that can start a macro
    /// name and there are macros to try.
    fn may_substitute(&self, line: &str, logical_start: bool) -> bool {
        match macro_scan_start(line, logical_start) {
            None => false,
            Some(s) => {
                !self.macros.is_empty() || (line.as_bytes()[s] == b'_' && !self.builtins.is_empty())
            }
        }
    }

    /// Macro substitution on one physical line, as Exim does it: from the first character that
    /// can start a macro name (an upper-case letter, or `_` and an upper-case letter), skipping
    /// the `NAME =` of a definition at the start of a logical line; each macro in definition
    /// order replaces every occurrence (plain substring search), and its replacement is not
    /// rescanned for itself. Builtins are only tried when the first candidate is `_`.
    fn substitute(&self, line: MappedText, logical_start: bool) -> (MappedText, bool) {
        let Some(s) = macro_scan_start(line.as_str(), logical_start) else {
            return (line, false);
        };
        let with_builtins = line.as_str().as_bytes()[s] == b'_';
        let mut text = line;
        let mut found = false;
        if with_builtins {
            for name in self.builtins.iter() {
                if let Some(t) = text.replace_all(s, name, "y") {
                    text = t;
                    found = true;
                }
            }
        }
        for m in &self.macros {
            if let Some(t) = text.replace_all(s, &m.name, &m.value) {
                text = t;
                found = true;
            }
        }
        (text, found)
    }

    fn cond(&mut self, kind: CondKind, found: bool, loc: Loc) {
        let (a1, a2, push): (usize, usize, i8) = match kind {
            CondKind::Ifdef => (0, 1, 1),
            CondKind::Ifndef => (1, 0, 1),
            CondKind::Elifdef => (2, 3, 0),
            CondKind::Elifndef => (3, 2, 0),
            CondKind::Else => (2, 2, 0),
            CondKind::Endif => (0, 0, -1),
        };
        let col = if found { a1 } else { a2 };
        if push > 0 {
            if self.conds.len() >= MAX_COND_DEPTH {
                self.error(
                    loc,
                    format!(
                        "`{}` nested too deeply: Exim allows at most {MAX_COND_DEPTH} levels",
                        kind.as_str()
                    ),
                    Some("flatten the conditionals".into()),
                );
            }
            self.conds.push(CondFrame {
                saved: self.cstate,
                loc,
                kind,
                else_seen: false,
            });
            self.cstate = NEXT_STATE[self.cstate as usize][col];
            return;
        }
        let Some(top) = self.conds.last_mut() else {
            self.error(
                loc,
                format!("`{}` without a matching `.ifdef`", kind.as_str()),
                Some(
                    "every `.else`, `.elifdef` and `.endif` needs an open `.ifdef` or `.ifndef` \
                     before it (a directive followed by a TAB is ignored by Exim)"
                        .into(),
                ),
            );
            return;
        };
        if push < 0 {
            self.cstate = top.saved;
            self.conds.pop();
            return;
        }
        if top.else_seen {
            let opened = top.loc;
            let k = top.kind;
            self.cfg.errors.push(ConfigError {
                loc,
                message: format!(
                    "`{}` after `.else`: the lines it introduces can never be used",
                    kind.as_str()
                ),
                help: Some(format!(
                    "the `{}` opened at byte {} already has its `.else`; close it with `.endif` first",
                    k.as_str(),
                    opened.span.start
                )),
                exim_rejects: false,
            });
        }
        if kind == CondKind::Else {
            top.else_seen = true;
        }
        self.cstate = NEXT_STATE[self.cstate as usize][col];
    }

    fn include(&mut self, file: usize, if_exists: bool, path: String, loc: Loc, path_loc: Loc) {
        let including = self.cfg.files[file].source.path().to_string();
        let kw = if if_exists {
            ".include_if_exists"
        } else {
            ".include"
        };
        if path.is_empty() {
            self.cfg.errors.push(ConfigError {
                loc,
                message: format!("`{kw}` without a file name"),
                help: Some(format!("write `{kw} /path/to/file`")),
                exim_rejects: if_exists,
            });
            return;
        }
        if if_exists && !path.starts_with('/') {
            self.error(
                path_loc,
                format!("`.include_if_exists` needs an absolute path, found `{path}`"),
                Some("start the file name with `/`".into()),
            );
            return;
        }
        let resolved_path = if path.starts_with('/') {
            path.clone()
        } else {
            let dir = including.rfind('/').map_or("", |i| &including[..i]);
            let dir = dir.trim_start_matches('/');
            if dir.is_empty() {
                format!("/{path}")
            } else {
                format!("/{dir}/{path}")
            }
        };
        let mut inc = Include {
            path: path.clone(),
            resolved_path: resolved_path.clone(),
            if_exists,
            loc,
            path_loc,
            status: IncludeStatus::NotFound,
        };
        if self.stack.len() > self.max_depth {
            let msg = format!("includes nested more than {} deep", self.max_depth);
            self.error(
                loc,
                format!("`{path}` not read: {msg}"),
                Some("check for files that include each other".into()),
            );
            inc.status = IncludeStatus::Skipped(msg);
            self.cfg.includes.push(inc);
            return;
        }
        let req = IncludeRequest {
            path,
            resolved_path,
            including_file: including,
            if_exists,
            loc,
        };
        match (self.resolve)(&req) {
            IncludeOutcome::Found(src) => {
                let on_stack = self
                    .stack
                    .iter()
                    .any(|f| self.cfg.files[f.file].source.path() == src.path());
                if on_stack {
                    let msg = format!("`{}` includes itself", src.path());
                    self.error(
                        loc,
                        format!("include loop: {msg}"),
                        Some("Exim would include the file again and again; remove the loop".into()),
                    );
                    inc.status = IncludeStatus::Skipped(msg);
                } else {
                    let idx = match self
                        .cfg
                        .files
                        .iter()
                        .position(|f| f.source.path() == src.path())
                    {
                        Some(i) => i,
                        None => {
                            let parsed = file::parse(&src);
                            self.cfg.files.push(ConfigFile {
                                source: src,
                                parsed,
                            });
                            self.cfg.files.len() - 1
                        }
                    };
                    self.stack.push(Frame { file: idx, next: 0 });
                    inc.status = IncludeStatus::Loaded(idx);
                }
            }
            IncludeOutcome::NotFound => inc.status = IncludeStatus::NotFound,
            IncludeOutcome::Refused(r) => inc.status = IncludeStatus::Refused(r),
        }
        self.cfg.includes.push(inc);
    }

    /// Reads the next logical line (Exim's `get_config_line`).
    fn next_line(&mut self, section: SectionKind) -> Got {
        let mut joiner = Joiner::default();
        let mut first = (0usize, 0usize);
        let mut last = (0usize, 0usize);
        loop {
            let Some((fi, li)) = self.next_phys() else {
                while let Some(c) = self.conds.pop() {
                    self.error(
                        c.loc,
                        format!("`{}` is never closed: `.endif` missing", c.kind.as_str()),
                        Some(
                            "add `.endif` after the lines it controls; Exim ignores an `.endif` \
                             followed by a TAB or by the CR of a Windows (CRLF) line end"
                                .into(),
                        ),
                    );
                }
                self.cstate = 0;
                if joiner.text.is_empty() {
                    return Got::Eof;
                }
                break;
            };
            let body = self.cfg.files[fi].parsed.lines[li].body;
            let logical_start = joiner.text.is_empty();
            let sub = if self.may_substitute(self.cfg.files[fi].source.slice(body), logical_start) {
                let raw = MappedText::from_source(
                    self.cfg.files[fi].source.slice(body),
                    fi,
                    body.start as usize,
                );
                Some(self.substitute(raw, logical_start))
            } else {
                None
            };
            let (class, found) = match &sub {
                Some((m, f)) => (classify(m.as_str()), *f),
                None => (classify(self.cfg.files[fi].source.slice(body)), false),
            };
            // The line as text that maps back to the file (only built where needed).
            let owned = |this: &Self, sub: Option<(MappedText, bool)>| match sub {
                Some((m, _)) => m,
                None => MappedText::from_source(
                    this.cfg.files[fi].source.slice(body),
                    fi,
                    body.start as usize,
                ),
            };
            match class {
                PhysClass::Comment => continue,
                PhysClass::Directive {
                    kind,
                    keyword,
                    dropped_by,
                    ..
                } => {
                    let line = owned(self, sub);
                    let loc = line.loc(keyword.0..line.len());
                    if let Some(next) = dropped_by {
                        self.cfg.quirks.push(Quirk::DroppedDirective {
                            loc,
                            directive: kind.as_str().to_string(),
                            next,
                        });
                    } else {
                        self.cond(kind, found, loc);
                    }
                    continue;
                }
                _ if self.cstate != 0 => continue,
                PhysClass::Include {
                    if_exists,
                    keyword,
                    path,
                    ..
                } => {
                    let line = owned(self, sub);
                    let loc = line.loc(keyword.0..line.len());
                    let path_loc = line.loc(path.0..path.1);
                    let p = line.as_str()[path.0..path.1].to_string();
                    self.include(fi, if_exists, p, loc, path_loc);
                    continue;
                }
                PhysClass::Blank | PhysClass::Content(_) => {
                    if joiner.text.is_empty() {
                        first = (fi, li);
                    }
                    last = (fi, li);
                    let done = match &sub {
                        Some((m, _)) => joiner.push(m, skip_space(m.as_str(), 0)),
                        None => {
                            let t = self.cfg.files[fi].source.slice(body);
                            joiner.push_source(t, fi, body.start as usize, skip_space(t, 0))
                        }
                    };
                    if done {
                        break;
                    }
                }
            }
        }
        let text = joiner.text;
        let is_begin = starts_with_begin(text.as_str())
            && EximParser::parse(Rule::begin_line, text.as_str()).is_ok();
        let idx = self.cfg.lines.len();
        self.cfg.lines.push(LogicalLine {
            text,
            section,
            first,
            last,
        });
        if is_begin {
            Got::Begin(idx)
        } else {
            Got::Line(idx)
        }
    }

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

    // ---- main section

    fn section_main(&mut self) -> Got {
        let mut end = None;
        let mut set: HashMap<String, Loc> = HashMap::new();
        let mut lists: HashMap<(ListKind, String), Loc> = HashMap::new();
        while let Some(i) = self.section_line(SectionKind::Main, &mut end) {
            let line = &self.cfg.lines[i];
            let text = line.as_str();
            let b = text.as_bytes();
            if line.last.1 == 0 && text.starts_with('\u{FEFF}') {
                self.line_error(
                    i,
                    0..3,
                    "unexpected byte order mark (BOM) at the start of the file",
                    Some(
                        "Exim rejects a UTF-8 BOM on line 1: save the file as UTF-8 without BOM"
                            .to_string(),
                    ),
                );
                continue;
            }
            if b[0].is_ascii_uppercase() {
                self.macro_definition(i);
                continue;
            }
            if let Some(list) = self.named_list(i, &mut lists) {
                self.cfg.named_lists.extend(list);
                continue;
            }
            if let Some(opt) = self.option(i, OptContext::Main, &mut set) {
                self.cfg.options.push(opt);
            }
        }
        end.unwrap_or(Got::Eof)
    }

    fn macro_definition(&mut self, i: usize) {
        let text = self.cfg.lines[i].as_str().to_string();
        // Exim stops at the 64th character of a name, before looking at what follows.
        let e = name_end(&text, 0);
        if e > 63 {
            self.line_error(
                i,
                0..e,
                format!("macro name too long: {e} characters, the maximum is 63"),
                Some("use a shorter name".to_string()),
            );
            return;
        }
        let Ok(mut pairs) = EximParser::parse(Rule::macro_head, &text) else {
            return;
        };
        let head = pairs.next().expect("macro_head");
        let mut name = 0..0;
        let mut op: Option<(usize, usize, bool)> = None;
        for p in head.into_inner() {
            let s = p.as_span();
            match p.as_rule() {
                Rule::macro_name => name = s.start()..s.end(),
                Rule::macro_op => {
                    op = Some((s.start(), s.end(), p.as_str().starts_with("==")));
                }
                _ => {}
            }
        }
        let name_str = &text[name.clone()];
        let Some((_, value_start, redef)) = op else {
            let e = name.end;
            let t = &text[skip_space(&text, e)..];
            let found = t
                .chars()
                .next()
                .map_or("end of line".into(), |c| format!("`{c}`"));
            self.line_error(
                i,
                name.clone(),
                format!(
                    "expected `=` after macro name `{name_str}`, found {found}: a line starting \
                     with an upper-case letter defines a macro"
                ),
                Some(
                    "option names are lower case; a macro is defined with `NAME = value`"
                        .to_string(),
                ),
            );
            return;
        };
        let name_string = name_str.to_string();
        let mut existing = None;
        for (k, m) in self.macros.iter().enumerate() {
            if m.name == name_string {
                existing = Some(k);
                break;
            }
            if m.name.len() < name_string.len() && name_string.contains(&m.name) {
                let other = m.name.clone();
                self.line_error(
                    i,
                    name.clone(),
                    format!(
                        "macro `{name_string}` cannot be defined: the earlier macro `{other}` is \
                         part of its name"
                    ),
                    Some(format!(
                        "Exim would replace `{other}` inside every use of `{name_string}`; choose \
                         a name that does not contain `{other}`"
                    )),
                );
                return;
            }
        }
        let value = text[value_start..].to_string();
        match existing {
            Some(k) if self.macros[k].command_line => return,
            Some(_) if !redef => {
                self.line_error(
                    i,
                    name.clone(),
                    format!("macro `{name_string}` is already defined"),
                    Some(format!(
                        "use `{name_string} == value` to give it a new value"
                    )),
                );
                return;
            }
            Some(k) => self.macros[k].value = value.clone(),
            None if redef => {
                self.line_error(
                    i,
                    name.clone(),
                    format!("`==` redefines a macro, but `{name_string}` is not defined yet"),
                    Some(format!(
                        "use `{name_string} = value` for a first definition"
                    )),
                );
                return;
            }
            None => self.macros.push(Macro {
                name: name_string.clone(),
                value: value.clone(),
                command_line: false,
            }),
        }
        let line = &self.cfg.lines[i];
        let def = MacroDef {
            name: name_string,
            value,
            name_loc: line.loc(name),
            value_loc: line.loc(value_start..text.len()),
            loc: line.loc(0..text.len()),
            redefinition: redef,
        };
        self.cfg.macros.push(def);
    }

    fn named_list(
        &mut self,
        i: usize,
        seen: &mut HashMap<(ListKind, String), Loc>,
    ) -> Option<Option<NamedList>> {
        let text = self.cfg.lines[i].as_str().to_string();
        let candidate = [
            "hide",
            "domainlist",
            "hostlist",
            "addresslist",
            "localpartlist",
        ]
        .iter()
        .any(|k| text.starts_with(k));
        if !candidate {
            return None;
        }
        let head = EximParser::parse(Rule::list_head, &text).ok()?.next()?;
        let mut hide = false;
        let mut kind = ListKind::Domain;
        let mut kw = 0..0;
        let mut cache = false;
        for p in head.clone().into_inner() {
            match p.as_rule() {
                Rule::hide_kw => hide = true,
                Rule::list_kind => {
                    kw = p.as_span().start()..p.as_span().end();
                    kind = match p.as_str() {
                        "domainlist" => ListKind::Domain,
                        "hostlist" => ListKind::Host,
                        "addresslist" => ListKind::Address,
                        _ => ListKind::LocalPart,
                    };
                }
                Rule::list_cache => cache = true,
                _ => {}
            }
        }
        let after = head.as_span().end();
        let line_loc = self.cfg.lines[i].loc(0..text.len());
        let Ok(mut rest) = EximParser::parse(Rule::list_rest, &text[after..]) else {
            self.line_error(
                i,
                kw.start..text.len(),
                format!(
                    "expected white space and a list name after `{}`",
                    &text[kw.start..after]
                ),
                Some(format!("write `{} name = value`", kind.keyword())),
            );
            return Some(None);
        };
        let rest = rest.next().expect("list_rest");
        let mut name = 0..0;
        let mut eq = None;
        for p in rest.clone().into_inner() {
            let s = p.as_span();
            match p.as_rule() {
                Rule::list_name => name = after + s.start()..after + s.end(),
                Rule::opt_eq => eq = Some(after + s.end()),
                _ => {}
            }
        }
        let name_str = text[name.clone()].to_string();
        let Some(value_start) = eq else {
            let at = after + rest.as_span().end();
            let found = text[at..]
                .chars()
                .next()
                .map_or("end of line".into(), |c| format!("`{c}`"));
            self.line_error(
                i,
                at..text.len(),
                format!(
                    "expected `=` after the name of {} `{name_str}`, found {found}",
                    kind.keyword()
                ),
                Some("list names may contain only letters, digits and underscores".to_string()),
            );
            return Some(None);
        };
        if let Some(first) = seen.get(&(kind, name_str.clone())) {
            let at = self.place(*first, i);
            self.line_error(
                i,
                name.clone(),
                format!(
                    "{} `{name_str}` is defined a second time (first at {})",
                    kind.keyword(),
                    at
                ),
                Some("each named list may be defined only once".to_string()),
            );
            return Some(None);
        }
        let raw = &text[value_start..];
        let (value, _quoted, problem) = read_string(raw);
        if let Some(p) = problem {
            self.string_problem(i, value_start, &p, &name_str);
            return Some(None);
        }
        let line = &self.cfg.lines[i];
        let name_loc = line.loc(name);
        seen.insert((kind, name_str.clone()), name_loc);
        Some(Some(NamedList {
            kind,
            name: name_str,
            name_loc,
            hide,
            cache,
            value,
            raw_value: raw.to_string(),
            value_loc: line.loc(value_start..text.len()),
            loc: line_loc,
        }))
    }

    /// Reports a quoted value that Exim's `read_string` rejects.
    fn string_problem(&mut self, i: usize, value_start: usize, p: &StringProblem, what: &str) {
        let line = &self.cfg.lines[i];
        let len = line.text.len();
        match p {
            StringProblem::MissingQuote => {
                let opened = line.loc(value_start..value_start + 1);
                let (_, lc) = self.cfg.position(opened);
                self.line_error(
                    i,
                    len..len,
                    format!("missing closing quote at the end of the value of `{what}`"),
                    Some(format!(
                        "the value starts with a double quote (line {}, column {}), so it must \
                         end with one; inside it write `\\\"` for a literal quote",
                        lc.line, lc.column
                    )),
                );
            }
            StringProblem::ExtraCharacters(at) => {
                let close_at = value_start + at;
                let abs = skip_space(line.text.as_str(), close_at);
                // Exim reports the line where the logical line ends: point at the part of the
                // extra text on that line.
                let (lf, ll) = line.last;
                let last_start = self.cfg.files[lf].parsed.lines[ll].body.start;
                let from = line.text.first_from(abs, lf, last_start).unwrap_or(abs);
                let close = line.loc(close_at - 1..close_at);
                let (_, lc) = self.cfg.position(close);
                let extra: String = line.text.as_str()[abs..].chars().take(40).collect();
                let comment = if extra.starts_with('#') {
                    " (`#` starts a comment only at the beginning of a line)"
                } else {
                    ""
                };
                let next_tail = self.next_line_is_tail(i);
                let mut help = format!(
                    "the quoted value of `{what}` ends at line {}, column {}, and is followed by \
                     `{extra}`{comment}; write `\\\"` for a quote inside the value, or do not \
                     quote it",
                    lc.line, lc.column
                );
                if next_tail {
                    help.push_str(
                        "; the next line does not start a new setting either: a `\\` may be \
                         missing at the end of this line",
                    );
                }
                self.line_error(
                    i,
                    from..len,
                    format!("extra characters after the quoted value of `{what}`"),
                    Some(help),
                );
            }
        }
    }

    /// Whether the physical line after the end of logical line `i` starts with something that
    /// cannot begin a statement (a `}` of a broken multi-line value).
    fn next_line_is_tail(&self, i: usize) -> bool {
        let (f, l) = self.cfg.lines[i].last;
        let file = &self.cfg.files[f];
        let Some(next) = file.parsed.lines.get(l + 1) else {
            return false;
        };
        let t = file.source.slice(next.body);
        let t = &t[skip_space(t, 0)..];
        !t.is_empty()
            && !t.starts_with('#')
            && !t.starts_with('.')
            && !t.as_bytes()[0].is_ascii_alphabetic()
    }

    // ---- options

    /// The head of an option setting, as the grammar's `option_head` reads it. Used by tests to
    /// check [`option_head`], the byte-level reader used on every option line.
    #[cfg(test)]
    fn option_head_grammar(text: &str) -> Option<OptHead> {
        let head = EximParser::parse(Rule::option_head, text).ok()?.next()?;
        let mut hide = false;
        let mut written = 0..0;
        let mut rest = head.as_span().end();
        for p in head.into_inner() {
            let s = p.as_span();
            match p.as_rule() {
                Rule::hide_kw => hide = true,
                Rule::opt_name => written = s.start()..s.end(),
                Rule::opt_eq => rest = s.start(),
                _ => {}
            }
        }
        Some(OptHead::new(text, hide, written, rest))
    }

    /// [`item_head`] as the grammar reads it (for tests).
    #[cfg(test)]
    fn item_head_grammar(text: &str) -> Option<ItemHead> {
        let head = EximParser::parse(Rule::item_head, text).ok()?.next()?;
        let mut bang = false;
        let end = head.as_span().end();
        let mut name = None;
        for p in head.into_inner() {
            match p.as_rule() {
                Rule::bang => bang = true,
                Rule::item_name => name = Some(p.as_span().start()..p.as_span().end()),
                _ => {}
            }
        }
        let name = name.unwrap_or(end..end);
        Some(ItemHead {
            bang,
            name,
            after: end,
        })
    }

    /// Reads an option setting (`readconf_handle_option`): `kind` is the option's type when
    /// known. Reports the first problem Exim would reject and returns `None` then.
    fn option_setting(
        &mut self,
        i: usize,
        text: &str,
        head: &OptHead,
        kind: Option<OptionKind>,
    ) -> Option<OptionSetting> {
        let len = text.len();
        let written = &text[head.written.clone()];
        let name = &text[head.name.clone()];
        let rest = &text[head.rest..];
        if written.is_empty() {
            self.line_error(
                i,
                head.rest..len,
                "expected an option name after `hide`".to_string(),
                Some("write `hide name = value`".to_string()),
            );
            return None;
        }
        if !rest.is_empty() && !rest.starts_with('=') {
            let found: String = rest.chars().take(30).collect();
            let (message, help) = match kind {
                Some(OptionKind::Value) => (
                    format!("expected `=` after option `{written}`, found `{found}`"),
                    format!("write `{written} = value`"),
                ),
                Some(_) if !head.negated => (
                    format!("unexpected text `{found}` after boolean option `{written}`"),
                    format!("write `{written}`, `no_{written}` or `{written} = false`"),
                ),
                _ if head.negated => (
                    format!("unexpected text `{found}` after `{written}`"),
                    format!(
                        "a `{}` setting takes no value",
                        &written[..written.len() - name.len()]
                    ),
                ),
                _ => (
                    format!("expected `=` after option name `{written}`, found `{found}`"),
                    "write `name = value`; `#` starts a comment only at the beginning of a line"
                        .to_string(),
                ),
            };
            self.line_error(i, head.rest..len, message, Some(help));
            return None;
        }
        let has_eq = rest.starts_with('=');
        if head.negated {
            if kind == Some(OptionKind::Value) {
                self.line_error(
                    i,
                    head.written.clone(),
                    format!(
                        "`{name}` is not a boolean option, so it cannot be negated with `{}`",
                        &written[..written.len() - name.len()]
                    ),
                    Some(format!("write `{name} = value`")),
                );
                return None;
            }
            if has_eq {
                self.line_error(
                    i,
                    head.rest..len,
                    format!("`{written}` cannot take a value"),
                    Some(format!("write `{written}` alone, or `{name} = false`")),
                );
                return None;
            }
        } else if !has_eq && kind == Some(OptionKind::Value) {
            self.line_error(
                i,
                head.written.clone(),
                format!("option `{name}` needs a value: expected `=` after it"),
                Some(format!(
                    "write `{name} = value` (an empty value is `{name} =`)"
                )),
            );
            return None;
        }
        let line = &self.cfg.lines[i];
        let mut setting = OptionSetting {
            name: name.to_string(),
            name_loc: line.loc(head.name.clone()),
            hide: head.hide,
            negated: head.negated,
            value: None,
            raw_value: None,
            value_loc: None,
            quoted: false,
            loc: line.loc(0..len),
        };
        if !has_eq {
            return Some(setting);
        }
        let vstart = skip_space(text, head.rest + 1);
        let raw = &text[vstart..];
        setting.raw_value = Some(raw.to_string());
        setting.value_loc = Some(line.loc(vstart..len));
        let boolish = match kind {
            Some(OptionKind::Bool) => true,
            Some(OptionKind::ExpandBool) => !raw.contains('$'),
            _ => false,
        };
        if boolish {
            let b = raw.as_bytes();
            let w_end = if b.first().is_some_and(|c| c.is_ascii_alphabetic()) {
                name_end(raw, 0)
            } else {
                0
            };
            let word = &raw[..w_end];
            let after = skip_space(raw, w_end);
            let ok = ["true", "false", "yes", "no"]
                .iter()
                .any(|w| word.eq_ignore_ascii_case(w));
            if !ok {
                self.line_error(
                    i,
                    vstart..len,
                    format!("`{raw}` is not a valid value for boolean option `{name}`"),
                    Some("use `true`, `false`, `yes` or `no`".to_string()),
                );
                return None;
            }
            if after < raw.len() {
                self.line_error(
                    i,
                    vstart + after..len,
                    format!("unexpected text after `{word}` in boolean option `{name}`"),
                    Some(format!("write `{name} = {word}`")),
                );
                return None;
            }
            setting.value = Some(word.to_string());
            return Some(setting);
        }
        let (value, quoted, problem) = read_string(raw);
        if let Some(p) = problem {
            self.string_problem(i, vstart, &p, name);
            return None;
        }
        setting.value = Some(value);
        setting.quoted = quoted;
        Some(setting)
    }

    /// A line where an option setting should be but that does not start with a letter (not
    /// reported when it is the tail of a broken statement).
    fn not_an_option(&mut self, i: usize, text: &str) {
        if self.is_tail_of_failed(i) {
            return;
        }
        let found: String = text.chars().take(30).collect();
        self.line_error(
            i,
            0..text.len(),
            format!("expected an option setting, found `{found}`"),
            Some(
                "a setting is `name = value`; a line continues the previous one only if that one \
                 ends with `\\`"
                    .to_string(),
            ),
        );
    }

    /// Reads an option line of the main or local_scan section.
    fn option(
        &mut self,
        i: usize,
        ctx: OptContext,
        set: &mut HashMap<String, Loc>,
    ) -> Option<OptionSetting> {
        let text = self.cfg.lines[i].as_str().to_string();
        if !text.as_bytes()[0].is_ascii_alphabetic() {
            self.not_an_option(i, &text);
            return None;
        }
        let head = option_head(&text);
        let name = text[head.name.clone()].to_string();
        if let Some(first) = set.get(&name) {
            let at = self.place(*first, i);
            let written = &text[head.written.clone()];
            self.line_error(
                i,
                head.written.clone(),
                format!("option `{written}` is set a second time (first set at {at})"),
                Some(
                    "Exim accepts each option only once (`x` and `no_x` count as the same \
                     option); remove one of the settings"
                        .to_string(),
                ),
            );
            return None;
        }
        let kind = match ctx {
            OptContext::Main => tables::lookup(tables::MAIN_OPTIONS, &name),
            OptContext::LocalScan => None,
        };
        let s = self.option_setting(i, &text, &head, kind)?;
        set.insert(name, s.name_loc);
        Some(s)
    }

    // ---- drivers

    fn section_drivers(&mut self, class: DriverClass) -> Got {
        let section = match class {
            DriverClass::Router => SectionKind::Routers,
            DriverClass::Transport => SectionKind::Transports,
            DriverClass::Authenticator => SectionKind::Authenticators,
        };
        let (generic, repeatable): (&[(&str, OptionKind)], &[&str]) = match class {
            DriverClass::Router => (tables::ROUTER_GENERIC, tables::ROUTER_REPEATABLE),
            DriverClass::Transport => (tables::TRANSPORT_GENERIC, tables::TRANSPORT_REPEATABLE),
            DriverClass::Authenticator => (tables::AUTHENTICATOR_GENERIC, &[]),
        };
        let cls = class.as_str();
        let mut end = None;
        let mut current: Option<Driver> = None;
        let mut set: HashMap<String, Loc> = HashMap::new();
        let mut names: HashMap<String, Loc> = HashMap::new();
        // After a broken driver header (or lines outside any driver), the lines up to the next
        // header are not reported again.
        let mut skipping = false;
        while let Some(i) = self.section_line(section, &mut end) {
            let text = self.cfg.lines[i].as_str().to_string();
            let len = text.len();
            let (name, after) = Self::first_word(&text);
            let after_b = text.as_bytes().get(after).copied();
            // A macro definition ends the current driver.
            if c_upper(text.as_bytes().get(name.start)) && !name.is_empty() && after_b == Some(b'=')
            {
                if let Some(d) = current.take() {
                    self.finish_driver(d);
                }
                skipping = false;
                self.macro_definition(i);
                continue;
            }
            if after_b == Some(b':') && !name.is_empty() {
                skipping = false;
                if let Some(d) = current.take() {
                    self.finish_driver(d);
                }
                set.clear();
                let n = text[name.clone()].to_string();
                let line = &self.cfg.lines[i];
                let name_loc = line.loc(name.clone());
                let loc = line.loc(0..len);
                let tail = skip_space(&text, after + 1);
                if tail < len {
                    let extra: String = text[tail..].chars().take(30).collect();
                    self.line_error(
                        i,
                        tail..len,
                        format!("unexpected text `{extra}` after {cls} name `{n}:`"),
                        Some(format!(
                            "a {cls} starts with a line holding only `name:`; comments go on \
                             their own line"
                        )),
                    );
                } else if let Some(first) = names.get(&n) {
                    let at = self.place(*first, i);
                    self.line_error(
                        i,
                        name.clone(),
                        format!("there is already a {cls} called `{n}` ({at})"),
                        Some(format!("{cls} names must be unique; rename one")),
                    );
                } else {
                    names.insert(n.clone(), name_loc);
                }
                current = Some(Driver {
                    class,
                    name: n,
                    name_loc,
                    loc,
                    driver: None,
                    options: Vec::new(),
                });
                continue;
            }
            if self.is_tail_of_failed(i) {
                continue;
            }
            if text.ends_with(':') && !text.contains('=') {
                let n = &text[..len - 1];
                let bad = bad_name_char(n);
                let message = if n.trim().is_empty() {
                    format!("missing {cls} name before `:`")
                } else {
                    format!("malformed {cls} name `{}`{bad}", n.trim_end())
                };
                self.line_error(
                    i,
                    0..len,
                    message,
                    Some(format!(
                        "a {cls} name starts with a letter and contains only letters, digits \
                         and underscores"
                    )),
                );
                current = None;
                skipping = true;
                continue;
            }
            if skipping {
                continue;
            }
            let Some(d) = current.as_mut() else {
                if self.is_tail_of_failed(i) {
                    continue;
                }
                skipping = true;
                let found: String = text.chars().take(30).collect();
                self.line_error(
                    i,
                    0..len,
                    format!("`{found}` is not inside any {cls}: {cls} name missing"),
                    Some(format!("start each {cls} with a line `name:`")),
                );
                continue;
            };
            let _ = d;
            if !text.as_bytes()[0].is_ascii_alphabetic() {
                self.not_an_option(i, &text);
                continue;
            }
            let head = option_head(&text);
            let oname = text[head.name.clone()].to_string();
            let written = text[head.written.clone()].to_string();
            let generic_kind = tables::lookup(generic, &oname);
            let has_driver = current.as_ref().is_some_and(|d| d.driver.is_some());
            if generic_kind.is_none() && !has_driver {
                let dname = current.as_ref().map(|d| d.name.clone()).unwrap_or_default();
                self.line_error(
                    i,
                    head.written.clone(),
                    format!(
                        "option `{written}` of {cls} `{dname}` comes before `driver =`: it is not \
                         a generic {cls} option, so Exim cannot know it yet"
                    ),
                    Some(format!(
                        "move the `driver = …` line of `{dname}` above its private options"
                    )),
                );
                continue;
            }
            let repeats_ok = generic_kind.is_some() && repeatable.contains(&oname.as_str());
            if !repeats_ok && let Some(first) = set.get(&oname) {
                let at = self.place(*first, i);
                self.line_error(
                    i,
                    head.written.clone(),
                    format!(
                        "option `{written}` is set a second time in this {cls} (first set at {at})"
                    ),
                    Some(
                        "only `condition`, `headers_add`, `headers_remove` and `set` (routers) \
                         and `headers_add`, `headers_remove` (transports) may be repeated; \
                         `x` and `no_x` count as the same option"
                            .to_string(),
                    ),
                );
                continue;
            }
            let Some(s) = self.option_setting(i, &text, &head, generic_kind) else {
                continue;
            };
            set.insert(oname.clone(), s.name_loc);
            let d = current.as_mut().expect("current driver");
            if oname == "driver" && generic_kind.is_some() {
                let v = s.value.clone().unwrap_or_default();
                if v.is_empty() {
                    let loc = s.loc;
                    self.error(
                        loc,
                        format!("empty `driver` for {cls} `{}`", d.name),
                        Some(format!("name the {cls} driver, e.g. `driver = redirect`")),
                    );
                    self.failed_line = Some(i);
                }
                let d = current.as_mut().expect("current driver");
                d.driver = Some(v);
                d.options.push(s);
            } else {
                d.options.push(s);
            }
        }
        if let Some(d) = current.take() {
            self.finish_driver(d);
        }
        end.unwrap_or(Got::Eof)
    }

    fn finish_driver(&mut self, d: Driver) {
        if d.class == DriverClass::Router
            && d.driver.as_deref() == Some("redirect")
            && d.option("one_time").and_then(OptionSetting::as_bool) == Some(true)
            && let Some(unseen) = d.option("unseen")
            && unseen.as_bool() != Some(false)
        {
            let loc = unseen.loc;
            self.error(
                loc,
                format!(
                    "`unseen` cannot be used with `one_time` in redirect router `{}`",
                    d.name
                ),
                Some(
                    "a one_time redirection must be the last delivery of the address; remove \
                     `unseen` or `one_time`"
                        .to_string(),
                ),
            );
        }
        if d.driver.is_none() {
            let cls = d.class.as_str();
            self.error(
                d.name_loc,
                format!("{cls} `{}` has no `driver` option", d.name),
                Some(format!("every {cls} needs a line `driver = <type>`")),
            );
        }
        match d.class {
            DriverClass::Router => self.cfg.routers.push(d),
            DriverClass::Transport => self.cfg.transports.push(d),
            DriverClass::Authenticator => self.cfg.authenticators.push(d),
        }
    }

    /// The first name of a line as Exim's `readconf_readname` reads it (a letter, then letters,
    /// digits, underscores), and the index after it and the white space that follows.
    fn first_word(text: &str) -> (std::ops::Range<usize>, usize) {
        let s = skip_space(text, 0);
        let b = text.as_bytes();
        if s < b.len() && b[s].is_ascii_alphabetic() {
            let e = name_end(text, s);
            (s..e, skip_space(text, e))
        } else {
            (s..s, s)
        }
    }

    // ---- ACLs

    fn section_acl(&mut self) -> Got {
        let mut end = None;
        let mut current: Option<Acl> = None;
        let mut broken = false;
        let mut skip_items = false;
        let mut names: HashMap<String, Loc> = HashMap::new();
        while let Some(i) = self.section_line(SectionKind::Acl, &mut end) {
            let text = self.cfg.lines[i].as_str().to_string();
            let len = text.len();
            let b = text.as_bytes();
            let ItemHead { bang, name, after } = item_head(&text);
            let nm = text[name.clone()].to_string();
            let after_b = b.get(after).copied();
            let is_macro = !bang && c_upper(b.get(name.start)) && after_b == Some(b'=');
            let is_header = after_b == Some(b':');
            if is_macro {
                if let Some(a) = current.take() {
                    self.cfg.acls.push(a);
                }
                broken = false;
                self.macro_definition(i);
                continue;
            }
            if current.is_none() || is_header {
                if let Some(a) = current.take() {
                    self.cfg.acls.push(a);
                }
                if !is_header || nm.is_empty() || bang {
                    if broken {
                        continue;
                    }
                    broken = true;
                    self.acl_name_error(i, &text);
                    continue;
                }
                broken = false;
                let line = &self.cfg.lines[i];
                let name_loc = line.loc(name.clone());
                if let Some(first) = names.get(&nm) {
                    let at = self.place(*first, i);
                    self.line_error(
                        i,
                        name.clone(),
                        format!("there is already an ACL called `{nm}` ({at})"),
                        Some("ACL names must be unique; rename one".to_string()),
                    );
                } else {
                    names.insert(nm.clone(), name_loc);
                }
                let line = &self.cfg.lines[i];
                current = Some(Acl {
                    name: nm,
                    name_loc,
                    loc: line.loc(0..len),
                    statements: Vec::new(),
                });
                continue;
            }
            let acl = current.as_mut().expect("current ACL");
            let verb = AclVerb::parse(&nm);
            if verb.is_some() || is_header {
                skip_items = false;
            }
            let mut cond_start;
            let mut negated = bang;
            match verb {
                Some(v) => {
                    if bang {
                        self.line_error(
                            i,
                            0..len,
                            format!("`!` cannot negate the verb `{nm}`"),
                            Some("only conditions can be negated: `deny ! hosts = …`".to_string()),
                        );
                        continue;
                    }
                    let verb_loc = self.cfg.lines[i].loc(name.clone());
                    acl.statements.push(AclStatement {
                        verb: v,
                        verb_loc,
                        items: Vec::new(),
                    });
                    if after >= len {
                        continue;
                    }
                    cond_start = after;
                    if b[cond_start] == b'!' {
                        negated = true;
                        cond_start += 1;
                    }
                }
                None => {
                    if acl.statements.is_empty() {
                        if text.ends_with(':') && !text.contains('=') {
                            self.acl_name_error(i, &text);
                            continue;
                        }
                        // The conditions of a statement whose verb was not understood.
                        if skip_items {
                            continue;
                        }
                        skip_items = true;
                        let found: String = text.chars().take(30).collect();
                        self.line_error(
                            i,
                            name.start..len,
                            format!(
                                "expected an ACL verb (accept, defer, deny, discard, drop, \
                                 require, warn), found `{found}`"
                            ),
                            Some(
                                "each ACL statement starts with a verb; conditions follow it"
                                    .to_string(),
                            ),
                        );
                        continue;
                    }
                    cond_start = if bang { skip_space(&text, 1) } else { 0 };
                }
            }
            // A condition or modifier.
            let (cname, cafter) = {
                let s = skip_space(&text, cond_start);
                let (n, a) = Self::first_word(&text[s..]);
                (n.start + s..n.end + s, a + s)
            };
            let cn = text[cname.clone()].to_string();
            if verb.is_none() && text.ends_with(':') && !text.contains('=') {
                self.acl_name_error(i, &text);
                continue;
            }
            let Some(is_modifier) = tables::acl_condition(&cn) else {
                let found: String = text[cond_start..].chars().take(30).collect();
                let found = found.trim_start().to_string();
                self.line_error(
                    i,
                    cname.start..len,
                    format!("unknown ACL condition or modifier in `{found}`"),
                    Some(
                        "conditions and modifiers are words like `hosts`, `domains`, `verify`, \
                         `message`, `set`; a new ACL starts with `name:`"
                            .to_string(),
                    ),
                );
                continue;
            };
            if negated && is_modifier {
                self.line_error(
                    i,
                    cname.clone(),
                    format!("`!` cannot negate the modifier `{cn}`"),
                    Some("only conditions can be negated".to_string()),
                );
                continue;
            }
            let acl = current.as_mut().expect("current ACL");
            let st = acl.statements.last().expect("statement");
            if cn == "endpass" && !matches!(st.verb, AclVerb::Accept | AclVerb::Discard) {
                let v = st.verb.as_str();
                self.line_error(
                    i,
                    cname.clone(),
                    format!("`endpass` is not allowed with `{v}`"),
                    Some("`endpass` may follow only `accept` or `discard`".to_string()),
                );
                continue;
            }
            let mut pos = cafter;
            let mut variable = None;
            if cn == "set" {
                match self.acl_set_variable(i, &text, pos) {
                    Some((var, next)) => {
                        variable = Some(var);
                        pos = next;
                    }
                    None => continue,
                }
            }
            let (value, value_loc) = if cn == "endpass" {
                (None, None)
            } else {
                if text.as_bytes().get(pos) != Some(&b'=') {
                    let what = if is_modifier { "modifier" } else { "condition" };
                    let l = len;
                    self.line_error(
                        i,
                        pos..l,
                        format!("expected `=` after ACL {what} `{cn}`"),
                        Some(format!("write `{cn} = value`")),
                    );
                    continue;
                }
                let vs = skip_space(&text, pos + 1);
                (
                    Some(text[vs..].to_string()),
                    Some(self.cfg.lines[i].loc(vs..len)),
                )
            };
            let line = &self.cfg.lines[i];
            let item = AclItem {
                name: cn,
                name_loc: line.loc(cname),
                negated,
                is_modifier,
                variable,
                value,
                value_loc,
                loc: line.loc(0..len),
            };
            let acl = current.as_mut().expect("current ACL");
            acl.statements
                .last_mut()
                .expect("statement")
                .items
                .push(item);
        }
        if let Some(a) = current.take() {
            self.cfg.acls.push(a);
        }
        end.unwrap_or(Got::Eof)
    }

    fn acl_name_error(&mut self, i: usize, text: &str) {
        let len = text.len();
        let t = text.strip_suffix(':').unwrap_or(text).trim_end();
        let message = if text.ends_with(':') {
            let bad = bad_name_char(t);
            if t.is_empty() {
                "missing ACL name before `:`".to_string()
            } else {
                format!("malformed ACL name `{t}`{bad}")
            }
        } else {
            let found: String = text.chars().take(30).collect();
            format!("expected an ACL name followed by `:`, found `{found}`")
        };
        self.line_error(
            i,
            0..len,
            message,
            Some(
                "an ACL starts with a line `name:`; the name starts with a letter and contains \
                 only letters, digits and underscores"
                    .to_string(),
            ),
        );
    }

    /// Checks the variable of an ACL `set` modifier; returns it and the index after it.
    fn acl_set_variable(&mut self, i: usize, text: &str, at: usize) -> Option<(String, usize)> {
        let len = text.len();
        let rest = &text[at..];
        let mut end = at;
        let b = text.as_bytes();
        while end < len && b[end] != b'=' && !is_space(b[end]) {
            end += 1;
        }
        let var = &text[at..end];
        for fixed in ["dkim_verify_status", "dkim_verify_reason"] {
            if let Some(tail) = rest.strip_prefix(fixed) {
                if tail
                    .bytes()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphanumeric())
                {
                    break;
                }
                let next = skip_space(text, at + fixed.len());
                return Some((fixed.to_string(), next));
            }
        }
        let problem = if !(var.starts_with("acl_c") || var.starts_with("acl_m")) {
            Some("the variable name must start with `acl_c` or `acl_m`".to_string())
        } else if !var[5..]
            .bytes()
            .next()
            .is_some_and(|c| c.is_ascii_digit() || c == b'_')
        {
            Some("`acl_c` or `acl_m` must be followed by a digit or `_`".to_string())
        } else {
            var.chars()
                .find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
                .map(|c| format!("`{c}` is not allowed in a variable name"))
        };
        if let Some(p) = problem {
            self.line_error(
                i,
                at..end,
                format!("invalid variable name `{var}` after `set`: {p}"),
                Some("write `set acl_m_name = value` or `set acl_c_name = value`".to_string()),
            );
            return None;
        }
        Some((var.to_string(), skip_space(text, end)))
    }

    // ---- retry

    fn section_retry(&mut self) -> Got {
        let mut end = None;
        while let Some(i) = self.section_line(SectionKind::Retry, &mut end) {
            if let Some(r) = self.retry_rule(i) {
                self.cfg.retry_rules.push(r);
            }
        }
        end.unwrap_or(Got::Eof)
    }

    fn retry_rule(&mut self, i: usize) -> Option<RetryRule> {
        let text = self.cfg.lines[i].as_str().to_string();
        let len = text.len();
        let head = EximParser::parse(Rule::retry_head, &text).ok()?.next()?;
        let mut pattern = 0..0;
        let mut error = 0..0;
        for p in head.clone().into_inner() {
            let s = p.as_span();
            match p.as_rule() {
                Rule::dq_string => pattern = s.start()..s.end(),
                Rule::retry_error => error = s.start()..s.end(),
                _ => {}
            }
        }
        let mut p = head.as_span().end();
        if error.is_empty() {
            self.line_error(
                i,
                len..len,
                "missing error type in retry rule",
                Some("a retry rule is `pattern error parameters`, e.g. `* * F,2h,15m`".to_string()),
            );
            return None;
        }
        let err = text[error.clone()].to_string();
        if let Some(problem) = retry_error_problem(&err) {
            self.line_error(
                i,
                error.clone(),
                format!("unknown or malformed retry error `{err}`: {problem}"),
                Some(
                    "use `*`, `auth_failed`, `refused[_A|_MX]`, `timeout[_A|_MX|_connect…]`, \
                     `lookup`, `quota[_<time>]`, `lost_connection`, `tls_required`, \
                     `rcpt_4xx`, `mail_4xx` or `data_4xx`"
                        .to_string(),
                ),
            );
            return None;
        }
        let line = &self.cfg.lines[i];
        let mut rule = RetryRule {
            pattern: dequote(&text[pattern.clone()]).value,
            pattern_loc: line.loc(pattern),
            error: err,
            error_loc: line.loc(error),
            senders: None,
            senders_loc: None,
            params: Vec::new(),
            loc: line.loc(0..len),
        };
        if text[p..].starts_with("senders") {
            match EximParser::parse(Rule::retry_senders, &text[p..]) {
                Ok(mut pairs) => {
                    let s = pairs.next().expect("retry_senders");
                    for q in s.clone().into_inner() {
                        if q.as_rule() == Rule::dq_string {
                            let r = p + q.as_span().start()..p + q.as_span().end();
                            rule.senders = Some(dequote(&text[r.clone()]).value);
                            rule.senders_loc = Some(self.cfg.lines[i].loc(r));
                        }
                    }
                    p += s.as_span().end();
                }
                Err(_) => {
                    self.line_error(
                        i,
                        p..len,
                        "expected `=` after `senders` in retry rule",
                        Some("write `senders = address-list`".to_string()),
                    );
                    return None;
                }
            }
        }
        let b = text.as_bytes();
        while p < len {
            let start = p;
            let letter = (b[p] as char).to_ascii_uppercase();
            p += 1;
            let cutoff = match self.retry_arg(i, &text, &mut p, false) {
                Ok(v) => v,
                Err(()) => return None,
            };
            let (interval, factor) = match letter {
                'F' => match self.retry_arg(i, &text, &mut p, false) {
                    Ok(v) => (v, None),
                    Err(()) => return None,
                },
                'G' | 'H' => {
                    let iv = match self.retry_arg(i, &text, &mut p, false) {
                        Ok(v) => v,
                        Err(()) => return None,
                    };
                    let f = match self.retry_arg(i, &text, &mut p, true) {
                        Ok(v) => v,
                        Err(()) => return None,
                    };
                    (iv, f.map(|x| x as f64 / 1000.0))
                }
                _ => {
                    let c: String = text[start..].chars().take(1).collect();
                    self.line_error(
                        i,
                        start..start + c.len(),
                        format!("unknown retry rule letter `{c}`"),
                        Some("retry parameters start with `F`, `G` or `H`".to_string()),
                    );
                    return None;
                }
            };
            let bad = cutoff.is_none_or(|v| v == 0)
                || interval.is_none_or(|v| v == 0)
                || (letter != 'F' && factor.is_none_or(|f| f < 1.0));
            if bad {
                let what: String = text[start..p].to_string();
                self.line_error(
                    i,
                    start..p,
                    format!("bad parameters `{what}` in retry rule"),
                    Some(
                        "the cutoff and interval must be times greater than zero with a unit \
                         (`2h`, `15m`) and the factor at least 1 (`G,16h,1h,1.5`)"
                            .to_string(),
                    ),
                );
                return None;
            }
            rule.params.push(RetryParam {
                letter,
                cutoff,
                interval,
                factor,
                loc: self.cfg.lines[i].loc(start..p),
            });
            p = skip_space(&text, p);
            if p < len && b[p] == b';' {
                p = skip_space(&text, p + 1);
            } else if p < len {
                let l = len;
                self.line_error(
                    i,
                    p..l,
                    "expected `;` between retry parameter sets",
                    Some("write `F,2h,15m; G,16h,1h,1.5`".to_string()),
                );
                return None;
            }
        }
        Some(rule)
    }

    /// One `,value` of a retry rule (Exim's `retry_arg`): a time, or a fixed-point factor
    /// (returned times 1000). `Ok(None)` for a value that does not read as one.
    fn retry_arg(
        &mut self,
        i: usize,
        text: &str,
        p: &mut usize,
        fixed: bool,
    ) -> Result<Option<u64>, ()> {
        let b = text.as_bytes();
        let len = b.len();
        if b.get(*p) != Some(&b',') {
            let found = if *p < len && is_space(b[*p]) {
                "white space (no space is allowed before a comma)".to_string()
            } else {
                text[*p..]
                    .chars()
                    .next()
                    .map_or("end of line".into(), |c| format!("`{c}`"))
            };
            self.line_error(
                i,
                *p..len,
                format!("expected `,` in retry parameters, found {found}"),
                Some("write `F,2h,15m` (letter, cutoff, interval[, factor])".to_string()),
            );
            return Err(());
        }
        let mut q = skip_space(text, *p + 1);
        let start = q;
        while q < len && (b[q].is_ascii_alphanumeric() || (fixed && b[q] == b'.')) {
            q += 1;
        }
        if q < len && !is_space(b[q]) && b[q] != b',' && b[q] != b';' {
            let c = text[q..].chars().next().unwrap_or(' ');
            self.line_error(
                i,
                q..len,
                format!("unexpected `{c}` in retry parameters: expected `,` or `;`"),
                Some("write `F,2h,15m; G,16h,1h,1.5`".to_string()),
            );
            return Err(());
        }
        *p = q;
        let v = &text[start..q];
        Ok(if fixed { read_fixed(v) } else { read_time(v) })
    }

    // ---- rewrite

    fn section_rewrite(&mut self) -> Got {
        let mut end = None;
        while let Some(i) = self.section_line(SectionKind::Rewrite, &mut end) {
            if let Some(r) = self.rewrite_rule(i) {
                self.cfg.rewrite_rules.push(r);
            }
        }
        end.unwrap_or(Got::Eof)
    }

    fn rewrite_rule(&mut self, i: usize) -> Option<RewriteRule> {
        let text = self.cfg.lines[i].as_str().to_string();
        let len = text.len();
        let head = EximParser::parse(Rule::rewrite_head, &text).ok()?.next()?;
        let mut strings = Vec::new();
        for p in head.clone().into_inner() {
            if p.as_rule() == Rule::dq_string {
                strings.push(p.as_span().start()..p.as_span().end());
            }
        }
        let (pattern, replacement) = (strings[0].clone(), strings[1].clone());
        if replacement.is_empty() {
            self.line_error(
                i,
                len..len,
                "missing replacement in rewrite rule",
                Some(
                    "a rewrite rule is `pattern replacement [flags]`; quote a replacement that \
                     contains spaces"
                        .to_string(),
                ),
            );
            return None;
        }
        let fstart = head.as_span().end();
        let pattern_value = dequote(&text[pattern.clone()]).value;
        let mut flags = String::new();
        for (k, c) in text[fstart..].char_indices() {
            match c {
                ' ' | '\t' => {}
                'E' | 'F' | 'T' | 'b' | 'c' | 'f' | 'h' | 'r' | 's' | 't' | 'Q' | 'q' | 'R'
                | 'w' => flags.push(c),
                'S' => {
                    if !(pattern_value.starts_with('^') || pattern_value.starts_with("\\N^")) {
                        let at = fstart + k;
                        self.line_error(
                            i,
                            at..at + 1,
                            "rewrite flag `S` needs a regular expression pattern",
                            Some("start the pattern with `^` (or `\\N^`)".to_string()),
                        );
                        return None;
                    }
                    flags.push(c);
                }
                other => {
                    let at = fstart + k;
                    self.line_error(
                        i,
                        at..at + other.len_utf8(),
                        format!("unknown rewrite flag `{other}`"),
                        Some(
                            "flags are letters from `EFTbcfhrstSQqRw`; if the replacement \
                             contains spaces it must be in double quotes"
                                .to_string(),
                        ),
                    );
                    return None;
                }
            }
        }
        let line = &self.cfg.lines[i];
        Some(RewriteRule {
            pattern: pattern_value,
            pattern_loc: line.loc(pattern),
            replacement: dequote(&text[replacement.clone()]).value,
            replacement_loc: line.loc(replacement),
            flags,
            flags_loc: line.loc(fstart..len),
            loc: line.loc(0..len),
        })
    }

    // ---- local_scan

    fn section_local_scan(&mut self) -> Got {
        let mut end = None;
        let mut set = HashMap::new();
        while let Some(i) = self.section_line(SectionKind::LocalScan, &mut end) {
            if let Some(o) = self.option(i, OptContext::LocalScan, &mut set) {
                self.cfg.local_scan_options.push(o);
            }
        }
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

/// Where Exim starts looking for macro names in a physical line: after the `NAME =` of a
/// definition at the start of a logical line, at the first upper-case letter or `_` followed by
/// one. `None` when there is no such character.
fn macro_scan_start(line: &str, logical_start: bool) -> Option<usize> {
    let b = line.as_bytes();
    let ss = skip_space(line, 0);
    let mut s = ss;
    if logical_start && c_upper(b.get(ss)) {
        let e = skip_space(line, name_end(line, ss));
        if b.get(e) == Some(&b'=') {
            s = e;
        }
    }
    while s < b.len() && !(b[s].is_ascii_uppercase() || (b[s] == b'_' && c_upper(b.get(s + 1)))) {
        s += 1;
    }
    (s < b.len()).then_some(s)
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

/// Exim's `readconf_readtime`: `[<n>w][<n>d][<n>h][<n>m][<n>s]`, each number with its unit.
pub fn read_time(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.is_empty() {
        return None;
    }
    let mut i = 0;
    let mut total: u64 = 0;
    while i < b.len() {
        let st = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if st == i {
            return None;
        }
        let n: u64 = s[st..i].parse().unwrap_or(u64::MAX / 1_000_000);
        let mult = match b.get(i) {
            Some(b'w') => 7 * 24 * 3600,
            Some(b'd') => 24 * 3600,
            Some(b'h') => 3600,
            Some(b'm') => 60,
            Some(b's') => 1,
            _ => return None,
        };
        i += 1;
        total = total.saturating_add(n.saturating_mul(mult));
    }
    Some(total)
}

/// Exim's `readconf_readfixed`: digits with up to three decimals, times 1000.
pub fn read_fixed(s: &str) -> Option<u64> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty() || !int.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if !frac.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut v: u64 = int
        .parse::<u64>()
        .unwrap_or(u64::MAX / 1000)
        .saturating_mul(1000);
    let mut m = 100;
    for c in frac.bytes() {
        v += (c - b'0') as u64 * m;
        m /= 10;
    }
    Some(v)
}

/// What is wrong with a retry error name (Exim's `readconf_retry_error`), if anything.
fn retry_error_problem(e: &str) -> Option<String> {
    let lower = e.to_ascii_lowercase();
    let (base, tail) = match lower.find('_') {
        Some(k) => (&lower[..k], Some(&lower[k + 1..])),
        None => (lower.as_str(), None),
    };
    let prefix_of = |word: &str, s: &str| word.len() >= s.len() && word.starts_with(s);
    if base == "quota" {
        return match tail {
            Some(t) if read_time(t).is_none() => Some("bad time after `quota_`".into()),
            _ => None,
        };
    }
    if base == "refused" {
        return match tail {
            Some(t) if !(prefix_of("mx", t) || prefix_of("a", t)) => {
                Some("`A` or `MX` expected after `refused_`".into())
            }
            _ => None,
        };
    }
    if base == "timeout" {
        return match tail {
            Some(t)
                if !["a", "mx", "connect", "connect_a", "connect_mx", "dns"]
                    .iter()
                    .any(|w| prefix_of(w, t)) =>
            {
                Some("`A`, `MX` or `connect` expected after `timeout_`".into())
            }
            _ => None,
        };
    }
    if lower.starts_with("mail_4") || lower.starts_with("rcpt_4") || lower.starts_with("data_4") {
        let b = lower.as_bytes();
        let ok = b.len() == 8
            && ((b[6].is_ascii_digit() && (b[7].is_ascii_digit() || b[7] == b'x'))
                || (b[6] == b'x' && b[7] == b'x'));
        return if ok {
            None
        } else {
            Some(format!(
                "`{}_4` must be followed by `xx`, a digit and `x`, or two digits",
                &e[..4]
            ))
        };
    }
    if base == "auth" && tail.is_some_and(|t| prefix_of("failed", t)) {
        return None;
    }
    if prefix_of("lost_connection", &lower)
        || prefix_of("tls_required", &lower)
        || prefix_of("lookup", &lower)
        || e == "*"
    {
        return None;
    }
    Some("not an error name Exim knows".into())
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
