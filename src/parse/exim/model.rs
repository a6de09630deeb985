//! Layer 3: the typed view of a whole configuration, after includes, macros and conditionals.

use super::file::EximFile;
use super::text::MappedText;
use crate::parse::SyntaxError;
use crate::source::{LineCol, SourceFile, Span};

/// A position in one file of a [`Config`]: `file` indexes [`Config::files`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Loc {
    pub file: usize,
    pub span: Span,
}

/// Something Exim's reader (`exim -bV`) would reject, in our own words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub loc: Loc,
    /// What is wrong and what was expected.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
    /// `false` for the few problems Exim itself lets pass but that make part of the file dead or
    /// meaningless (a second `.else`, an empty `.include`): rules may treat them as warnings.
    pub exim_rejects: bool,
}

impl ConfigError {
    /// The error as a [`SyntaxError`] of its file (`loc.file` tells which).
    pub fn syntax_error(&self) -> SyntaxError {
        SyntaxError {
            span: self.loc.span,
            message: self.message.clone(),
            help: self.help.clone(),
        }
    }
}

/// A fact about the file that is not an error but that Exim handles surprisingly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Quirk {
    /// A conditional directive followed by a character other than a space, the end of the line
    /// or `t` (a TAB, the CR of a CRLF line, a letter): Exim silently ignores the whole line.
    DroppedDirective {
        loc: Loc,
        directive: String,
        next: char,
    },
}

/// One file of the configuration: its source and its lossless parse.
#[derive(Clone, Debug)]
pub struct ConfigFile {
    pub source: SourceFile,
    pub parsed: EximFile,
}

/// The sections of the file (`begin` names, the plural form).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SectionKind {
    Main,
    Acl,
    Authenticators,
    LocalScan,
    Retry,
    Rewrite,
    Routers,
    Transports,
    /// After a `begin` line naming no known section: the lines are not read.
    Unknown,
}

/// A logical line as Exim reads it: macros substituted, continuations joined, leading and
/// trailing white space removed; every byte maps back to its source.
#[derive(Clone, Debug)]
pub struct LogicalLine {
    pub text: MappedText,
    /// The section the line belongs to (for a `begin` line, the section it starts).
    pub section: SectionKind,
    /// File and 0-based line of the first and of the last physical line.
    pub first: (usize, usize),
    pub last: (usize, usize),
}

impl LogicalLine {
    pub fn as_str(&self) -> &str {
        self.text.as_str()
    }

    /// Where a byte range of the text came from.
    pub fn loc(&self, range: std::ops::Range<usize>) -> Loc {
        self.text.loc(range)
    }
}

/// A macro definition (`NAME = value`, `NAME == value`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MacroDef {
    pub name: String,
    /// The value, after substitution of earlier macros; quotes are kept.
    pub value: String,
    pub name_loc: Loc,
    pub value_loc: Loc,
    /// The whole definition.
    pub loc: Loc,
    /// `==`.
    pub redefinition: bool,
}

/// What became of an `.include`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IncludeStatus {
    /// Read: the index of the file in [`Config::files`].
    Loaded(usize),
    /// The file does not exist (an error for `.include`, nothing for `.include_if_exists`).
    NotFound,
    /// The resolver would not read it (outside the server tree, not a regular file…).
    Refused(String),
    /// Not read: it would include itself, or nesting is too deep.
    Skipped(String),
}

/// An `.include` or `.include_if_exists` line that Exim obeys (not in a skipped branch).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Include {
    /// The file name as written, after macro substitution, without quotes.
    pub path: String,
    /// The absolute name Exim opens: `path`, or `path` joined to the including file's directory.
    pub resolved_path: String,
    pub if_exists: bool,
    /// The whole line.
    pub loc: Loc,
    pub path_loc: Loc,
    pub status: IncludeStatus,
}

/// An option setting (main section, drivers, `local_scan`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OptionSetting {
    /// The option name without `no_`/`not_`.
    pub name: String,
    pub name_loc: Loc,
    /// Preceded by `hide`.
    pub hide: bool,
    /// Written `no_name` or `not_name`.
    pub negated: bool,
    /// The value after `=`: the text after macro substitution, or for a value that starts with a
    /// double quote the dequoted string. `None` when there is no `=`.
    pub value: Option<String>,
    /// The value as written after `=` (macros substituted, quotes and escapes kept).
    pub raw_value: Option<String>,
    /// Where the raw value is (for a value spanning continuation lines, from its first to its
    /// last byte).
    pub value_loc: Option<Loc>,
    /// Whether the value started with a double quote.
    pub quoted: bool,
    /// The whole setting.
    pub loc: Loc,
}

impl OptionSetting {
    /// The boolean this setting gives, if it reads as one (`name`, `no_name`, `name = yes`…).
    pub fn as_bool(&self) -> Option<bool> {
        match self.value.as_deref() {
            None => Some(!self.negated),
            Some(v) if v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("yes") => {
                Some(!self.negated)
            }
            Some(v) if v.eq_ignore_ascii_case("false") || v.eq_ignore_ascii_case("no") => {
                Some(self.negated)
            }
            _ => None,
        }
    }
}

/// The four kinds of named list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ListKind {
    Domain,
    Host,
    Address,
    LocalPart,
}

impl ListKind {
    pub fn keyword(self) -> &'static str {
        match self {
            ListKind::Domain => "domainlist",
            ListKind::Host => "hostlist",
            ListKind::Address => "addresslist",
            ListKind::LocalPart => "localpartlist",
        }
    }
}

/// `[hide] domainlist|hostlist|addresslist|localpartlist[_cache] name = value`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedList {
    pub kind: ListKind,
    pub name: String,
    pub name_loc: Loc,
    pub hide: bool,
    /// `…list_cache`.
    pub cache: bool,
    /// The value (dequoted when quoted).
    pub value: String,
    pub raw_value: String,
    pub value_loc: Loc,
    pub loc: Loc,
}

/// A `begin` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SectionHeader {
    pub kind: SectionKind,
    /// The name as written.
    pub name: String,
    pub loc: Loc,
}

/// The three kinds of driver.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DriverClass {
    Router,
    Transport,
    Authenticator,
}

impl DriverClass {
    pub fn as_str(self) -> &'static str {
        match self {
            DriverClass::Router => "router",
            DriverClass::Transport => "transport",
            DriverClass::Authenticator => "authenticator",
        }
    }
}

/// A router, transport or authenticator instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Driver {
    pub class: DriverClass,
    pub name: String,
    pub name_loc: Loc,
    /// The `name:` line.
    pub loc: Loc,
    /// The value of its `driver` option.
    pub driver: Option<String>,
    pub options: Vec<OptionSetting>,
}

impl Driver {
    /// The first setting of an option (`no_x` counts as `x`).
    pub fn option(&self, name: &str) -> Option<&OptionSetting> {
        self.options.iter().find(|o| o.name == name)
    }

    /// Every setting of an option (routers may repeat `condition`, `headers_add`…).
    pub fn options_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a OptionSetting> {
        self.options.iter().filter(move |o| o.name == name)
    }
}

/// The seven ACL verbs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AclVerb {
    Accept,
    Defer,
    Deny,
    Discard,
    Drop,
    Require,
    Warn,
}

impl AclVerb {
    pub fn parse(s: &str) -> Option<AclVerb> {
        Some(match s {
            "accept" => AclVerb::Accept,
            "defer" => AclVerb::Defer,
            "deny" => AclVerb::Deny,
            "discard" => AclVerb::Discard,
            "drop" => AclVerb::Drop,
            "require" => AclVerb::Require,
            "warn" => AclVerb::Warn,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AclVerb::Accept => "accept",
            AclVerb::Defer => "defer",
            AclVerb::Deny => "deny",
            AclVerb::Discard => "discard",
            AclVerb::Drop => "drop",
            AclVerb::Require => "require",
            AclVerb::Warn => "warn",
        }
    }
}

/// A condition or modifier of an ACL statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AclItem {
    /// `hosts`, `verify`, `set`, `endpass`…
    pub name: String,
    pub name_loc: Loc,
    /// Preceded by `!`.
    pub negated: bool,
    /// Modifiers (`message`, `set`, `control`…) act; conditions test.
    pub is_modifier: bool,
    /// For `set`: the variable (`acl_m_x`).
    pub variable: Option<String>,
    /// The value after `=`, verbatim (Exim does not dequote ACL values). `None` for `endpass`.
    pub value: Option<String>,
    pub value_loc: Option<Loc>,
    /// The whole logical line.
    pub loc: Loc,
}

/// A verb and its conditions and modifiers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AclStatement {
    pub verb: AclVerb,
    pub verb_loc: Loc,
    pub items: Vec<AclItem>,
}

/// A named ACL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Acl {
    pub name: String,
    pub name_loc: Loc,
    /// The `name:` line.
    pub loc: Loc,
    pub statements: Vec<AclStatement>,
}

/// One `letter,cutoff,interval[,factor]` set of a retry rule.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryParam {
    /// `F`, `G` or `H` (upper-cased).
    pub letter: char,
    /// Seconds; `None` when not a valid time.
    pub cutoff: Option<u64>,
    pub interval: Option<u64>,
    /// `G`/`H` only.
    pub factor: Option<f64>,
    pub loc: Loc,
}

/// A line of the retry section.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryRule {
    /// Dequoted.
    pub pattern: String,
    pub pattern_loc: Loc,
    pub error: String,
    pub error_loc: Loc,
    pub senders: Option<String>,
    pub senders_loc: Option<Loc>,
    pub params: Vec<RetryParam>,
    pub loc: Loc,
}

/// A line of the rewrite section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RewriteRule {
    pub pattern: String,
    pub pattern_loc: Loc,
    pub replacement: String,
    pub replacement_loc: Loc,
    /// The flag letters, white space removed.
    pub flags: String,
    pub flags_loc: Loc,
    pub loc: Loc,
}

/// The whole configuration: the main file and everything it includes, read as Exim reads it.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// The main file first, then included files in the order they are first read.
    pub files: Vec<ConfigFile>,
    /// Every logical line Exim reads (skipped branches excluded), in order.
    pub lines: Vec<LogicalLine>,
    pub macros: Vec<MacroDef>,
    pub includes: Vec<Include>,
    /// Main-section options, in order.
    pub options: Vec<OptionSetting>,
    pub named_lists: Vec<NamedList>,
    pub sections: Vec<SectionHeader>,
    pub routers: Vec<Driver>,
    pub transports: Vec<Driver>,
    pub authenticators: Vec<Driver>,
    pub acls: Vec<Acl>,
    pub retry_rules: Vec<RetryRule>,
    pub rewrite_rules: Vec<RewriteRule>,
    pub local_scan_options: Vec<OptionSetting>,
    pub errors: Vec<ConfigError>,
    pub quirks: Vec<Quirk>,
}

impl Config {
    /// The first setting of a main option (`no_x` counts as `x`).
    pub fn main_option(&self, name: &str) -> Option<&OptionSetting> {
        self.options.iter().find(|o| o.name == name)
    }

    pub fn named_list(&self, kind: ListKind, name: &str) -> Option<&NamedList> {
        self.named_lists
            .iter()
            .find(|l| l.kind == kind && l.name == name)
    }

    pub fn routers(&self) -> &[Driver] {
        &self.routers
    }

    pub fn transports(&self) -> &[Driver] {
        &self.transports
    }

    pub fn authenticators(&self) -> &[Driver] {
        &self.authenticators
    }

    pub fn router(&self, name: &str) -> Option<&Driver> {
        self.routers.iter().find(|d| d.name == name)
    }

    pub fn transport(&self, name: &str) -> Option<&Driver> {
        self.transports.iter().find(|d| d.name == name)
    }

    pub fn acl(&self, name: &str) -> Option<&Acl> {
        self.acls.iter().find(|a| a.name == name)
    }

    pub fn acls(&self) -> &[Acl] {
        &self.acls
    }

    /// `.include` lines (not `.include_if_exists`) whose file does not exist.
    pub fn missing_includes(&self) -> impl Iterator<Item = &Include> {
        self.includes
            .iter()
            .filter(|i| !i.if_exists && i.status == IncludeStatus::NotFound)
    }

    /// The last definition of a macro.
    pub fn macro_def(&self, name: &str) -> Option<&MacroDef> {
        self.macros.iter().rev().find(|m| m.name == name)
    }

    pub fn errors(&self) -> impl Iterator<Item = &ConfigError> {
        self.errors.iter()
    }

    pub fn source(&self, loc: Loc) -> &SourceFile {
        &self.files[loc.file].source
    }

    /// Path (relative to the server root) and 1-based line and column of a location.
    pub fn position(&self, loc: Loc) -> (&str, LineCol) {
        let src = &self.files[loc.file].source;
        (src.path(), src.line_col(loc.span.start as usize))
    }

    /// The text at a location.
    pub fn text(&self, loc: Loc) -> &str {
        self.files[loc.file].source.slice(loc.span)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setting(negated: bool, value: Option<&str>) -> OptionSetting {
        OptionSetting {
            name: "x".into(),
            name_loc: Loc::default(),
            hide: false,
            negated,
            value: value.map(str::to_string),
            raw_value: value.map(str::to_string),
            value_loc: None,
            quoted: false,
            loc: Loc::default(),
        }
    }

    #[test]
    fn booleans_read_as_exim_reads_them() {
        assert_eq!(setting(false, None).as_bool(), Some(true));
        assert_eq!(setting(true, None).as_bool(), Some(false));
        assert_eq!(setting(false, Some("Yes")).as_bool(), Some(true));
        assert_eq!(setting(false, Some("false")).as_bool(), Some(false));
        assert_eq!(setting(false, Some("${if …}")).as_bool(), None);
    }

    #[test]
    fn errors_convert_to_syntax_errors() {
        let e = ConfigError {
            loc: Loc {
                file: 1,
                span: Span::new(3, 5),
            },
            message: "m".into(),
            help: Some("h".into()),
            exim_rejects: true,
        };
        let s = e.syntax_error();
        assert_eq!(
            (s.span, s.message.as_str(), s.help.as_deref()),
            (Span::new(3, 5), "m", Some("h"))
        );
    }
}
