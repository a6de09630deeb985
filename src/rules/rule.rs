//! What a rule is: its code, name, default severity, fix kind, documentation, and what it needs
//! from the model. Every rule is a `static` [`Rule`] declared with `rule!` in its
//! own file; findings refer to it (`Finding::new(&RT001, message)`), so a code cannot be
//! mistyped and a severity is stated once.

use serde::Serialize;

use crate::finding::Severity;

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

/// What a rule reads from the server model. The model loads the union of what the selected
/// rules need (accounts, their domains and the server's identity are always loaded), so that
/// `--select MBX` or a run scoped to a few rules reads only what those rules look at.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Needs(u16);

impl Needs {
    /// Nothing beyond accounts, domains and identity.
    pub const NONE: Needs = Needs(0);
    /// The routing lists (`etc/localdomains`, `remotedomains`, `secondarymx`, `manualmx`).
    pub const LISTS: Needs = Needs(1);
    /// `etc/userdomains`, `etc/trueuserdomains`, `etc/domainusers`.
    pub const OWNERSHIP: Needs = Needs(1 << 1);
    /// The zone files.
    pub const ZONES: Needs = Needs(1 << 2);
    /// Mail account files (`HOME/etc/DOMAIN/{passwd,shadow,quota}`) and the names of the
    /// mailbox directories.
    pub const MAIL_ACCOUNTS: Needs = Needs(1 << 3);
    /// Forwarders: `etc/valiases`, `etc/vdomainaliases`.
    pub const FORWARDERS: Needs = Needs(1 << 4);
    /// Exim filters: `etc/vfilters`, per-mailbox and account filters.
    pub const FILTERS: Needs = Needs(1 << 5);
    /// The mailboxes themselves, walked and sized.
    pub const MAILBOXES: Needs = Needs(1 << 6);
    /// The Exim configuration and its cPanel sources.
    pub const EXIM: Needs = Needs(1 << 7);
    /// DKIM public keys (`var/cpanel/domain_keys/public`).
    pub const DKIM_KEYS: Needs = Needs(1 << 8);
    /// Server mail policy (`var/cpanel/cpanel.config`, send limits).
    pub const POLICY: Needs = Needs(1 << 9);
    /// Which account domains are mail domains (RULES.md "Terms"): a subdomain is one when it
    /// has mail accounts or forwarders.
    pub const MAIL_DOMAINS: Needs = Needs::MAIL_ACCOUNTS.with(Needs::FORWARDERS);
    /// Everything the model can load (rules about every file read: CP001, CP006).
    pub const ALL: Needs = Needs((1 << 10) - 1);

    pub const fn with(self, other: Needs) -> Needs {
        Needs(self.0 | other.0)
    }

    pub const fn contains(self, other: Needs) -> bool {
        self.0 & other.0 == other.0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl std::ops::BitOr for Needs {
    type Output = Needs;
    fn bitor(self, rhs: Needs) -> Needs {
        self.with(rhs)
    }
}

impl std::ops::BitOrAssign for Needs {
    fn bitor_assign(&mut self, rhs: Needs) {
        *self = self.with(rhs);
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
