//! What a rule is: its code, name, default severity, fix kind, documentation, and what it needs
//! from the model. Every rule is a `static` [`Rule`] declared with `rule!` in its
//! own file; findings refer to it (`Finding::new(&RT001, message)`), so a code cannot be
//! mistyped and a severity is stated once.

use serde::Serialize;

use crate::finding::Severity;
pub use crate::model::Needs;

/// What kind of fix a rule offers, as the catalog states it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum FixKind {
    #[serde(rename = "none")]
    None,
    #[serde(rename = "safe")]
    Safe,
    #[serde(rename = "unsafe")]
    Unsafe,
    /// Safe in some cases, unsafe in others (RT003).
    #[serde(rename = "safe-or-unsafe")]
    SafeOrUnsafe,
    #[serde(rename = "display-only")]
    DisplayOnly,
}

impl FixKind {
    pub fn describe(self) -> &'static str {
        match self {
            FixKind::None => "no automatic fix",
            FixKind::Safe => "safe fix (applied by --fix)",
            FixKind::Unsafe => "unsafe fix (applied by --fix --unsafe-fixes)",
            FixKind::SafeOrUnsafe => "safe or unsafe fix, depending on the case",
            FixKind::DisplayOnly => "advice only (display-only fix)",
        }
    }

    /// The catalog's letter: `S`, `U`, `S/U`, `D` or `-`.
    pub fn letter(self) -> &'static str {
        match self {
            FixKind::None => "-",
            FixKind::Safe => "S",
            FixKind::Unsafe => "U",
            FixKind::SafeOrUnsafe => "S/U",
            FixKind::DisplayOnly => "D",
        }
    }
}

/// A rule of the registry.
#[derive(Debug, Serialize)]
pub struct Rule {
    pub code: &'static str,
    pub name: &'static str,
    /// Family name ("routing", "cpanel data", …).
    pub family: &'static str,
    /// The usual severity; some rules lower or raise it case by case (`severity_note` says when).
    pub severity: Severity,
    /// When the severity differs from the usual one ("warning when the manual setting is local").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity_note: Option<&'static str>,
    pub fix: FixKind,
    /// One line: what the rule finds.
    pub summary: &'static str,
    /// The documentation page (Markdown), embedded from `rules/CODE.md`.
    #[serde(skip)]
    pub doc: &'static str,
    /// What the rule reads from the model.
    #[serde(skip)]
    pub needs: Needs,
}

impl PartialEq for Rule {
    fn eq(&self, other: &Rule) -> bool {
        self.code == other.code
    }
}

impl Eq for Rule {}

/// A rule stands for its code (so that `selection.on(&RT001)` asks about RT001).
impl AsRef<str> for Rule {
    fn as_ref(&self) -> &str {
        self.code
    }
}

/// Declares a rule as a `pub static` named by its code, with its page `rules/CODE.md` embedded.
/// The module that uses it names its family in a `FAMILY` constant.
///
/// ```ignore
/// rule!(RT009, "hostname-not-local", Error, None, Safe, [LISTS],
///       "The server host name is missing from etc/localdomains.");
/// ```
macro_rules! rule {
    ($code:ident, $name:literal, $sev:ident, $note:expr, $fix:ident, [$($need:ident),*], $summary:literal) => {
        #[doc = $summary]
        pub static $code: $crate::rules::Rule = $crate::rules::Rule {
            code: stringify!($code),
            name: $name,
            family: FAMILY,
            severity: $crate::finding::Severity::$sev,
            severity_note: $note,
            fix: $crate::rules::FixKind::$fix,
            summary: $summary,
            doc: include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/rules/",
                stringify!($code),
                ".md"
            )),
            needs: $crate::rules::Needs::NONE$(.with($crate::rules::Needs::$need))*,
        };
    };
}
