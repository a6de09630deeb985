//! Rule selection, ruff-style: selectors (`ALL`, a family `RT`, a code prefix `SPF00`, a code
//! `RT001`) and the set of rules they enable. This module knows only the syntax of selectors and
//! takes the registered codes as given; whether a selector names rules at all is the registry's
//! business ([`crate::rules::resolve`]), asked by the command line.

use std::collections::BTreeSet;
use std::fmt;

/// A rule selector: `ALL`, a family prefix (`RT`), a code prefix (`SPF00`) or a code, in upper
/// case.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Selector(String);

/// Text that is not a selector at all (empty, or not letters and digits).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub text: String,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.text.is_empty() {
            f.write_str("an empty rule selector selects nothing")?;
        } else {
            write!(
                f,
                "`{}` is not a rule selector",
                crate::escape::Esc(&self.text)
            )?;
        }
        f.write_str(": expected `ALL`, a family such as `RT`, a code prefix such as `RT00`, or a rule code such as `RT001`; `maillint rules` lists every rule")
    }
}

impl std::error::Error for SyntaxError {}

impl Selector {
    /// Parses one selector (case-insensitive, surrounding white space ignored).
    pub fn parse(text: &str) -> Result<Selector, SyntaxError> {
        let s = text.trim().to_ascii_uppercase();
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(SyntaxError {
                text: text.trim().to_string(),
            });
        }
        Ok(Selector(s))
    }

    /// `ALL`.
    pub fn all() -> Selector {
        Selector("ALL".into())
    }

    /// Parses a comma-separated list (`RT,SPF001`); empty items between commas are ignored,
    /// but a list with no selector at all is an error (it would select nothing).
    pub fn parse_list(text: &str) -> Result<Vec<Selector>, SyntaxError> {
        let list: Vec<Selector> = text
            .split(',')
            .filter(|s| !s.trim().is_empty())
            .map(Selector::parse)
            .collect::<Result<_, _>>()?;
        if list.is_empty() {
            return Err(SyntaxError {
                text: String::new(),
            });
        }
        Ok(list)
    }

    pub fn is_all(&self) -> bool {
        self.0 == "ALL"
    }

    pub fn matches(&self, code: &str) -> bool {
        self.is_all() || code.starts_with(&self.0)
    }

    /// How specific the selector is: `ALL` < `RT` < `RT0` < `RT001`.
    fn specificity(&self) -> usize {
        if self.is_all() { 0 } else { self.0.len() }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which rules run. Built from the configuration file and the command line, ruff-style:
/// the command line's `--select` replaces the file's `select`; `extend-select` and `ignore` of
/// both add up. A rule is enabled when its most specific matching selector is a select; on a tie
/// the ignore wins (`--select RT --ignore RT001` disables RT001; `--select RT001 --ignore RT`
/// enables it).
#[derive(Clone, Debug)]
pub struct Selection {
    enabled: BTreeSet<&'static str>,
}

impl Selection {
    /// The rules of `codes` that the selectors enable.
    pub fn new(
        codes: impl IntoIterator<Item = &'static str>,
        select: &[Selector],
        extend_select: &[Selector],
        ignore: &[Selector],
    ) -> Selection {
        let best = |sels: &[Selector], code: &str| {
            sels.iter()
                .filter(|s| s.matches(code))
                .map(Selector::specificity)
                .max()
        };
        let mut enabled = BTreeSet::new();
        for code in codes {
            let sel = best(select, code).max(best(extend_select, code));
            let ign = best(ignore, code);
            let on = match (sel, ign) {
                (Some(s), Some(i)) => s > i,
                (Some(_), None) => true,
                _ => false,
            };
            if on {
                enabled.insert(code);
            }
        }
        Selection { enabled }
    }

    pub fn is_enabled(&self, code: &str) -> bool {
        self.enabled.contains(code)
    }

    /// Whether a rule (anything that gives its code) is enabled: rules ask this before they
    /// compute anything.
    pub fn on(&self, rule: &impl AsRef<str>) -> bool {
        self.enabled.contains(rule.as_ref())
    }

    pub fn any_with_prefix(&self, prefix: &str) -> bool {
        self.enabled.iter().any(|c| c.starts_with(prefix))
    }

    pub fn codes(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.enabled.iter().copied()
    }
}
