//! The rule engine: a registry of the rules that really run, rule selection, and the families.
//!
//! Each rule is a `static` [`Rule`] in its own file, `src/rules/<family>/<code>_<name>.rs`, next
//! to the function that checks it. A family's `mod.rs` holds what its rules share (a context
//! built once per run or per domain), lists its rules in `RULES`, and runs those that are
//! selected. Rules read the server model only, never files. A rule's documentation lives in
//! `rules/CODE.md` at the top of the repository and is embedded in the binary
//! (`maillint rule CODE`).

use std::collections::BTreeSet;
use std::fmt;

use crate::finding::Finding;
use crate::model::Server;

#[macro_use]
mod rule;

pub mod catalog;
pub mod cp;
pub mod dkim;
pub mod dmarc;
pub mod exim;
pub mod fwd;
pub mod mbx;
pub mod mx;
pub mod routing;
pub mod spf;

pub use rule::{FixKind, Needs, Rule};

/// A family of rules: its rules, and the function that runs those of them that are selected.
pub struct Family {
    pub prefix: &'static str,
    pub rules: &'static [&'static Rule],
    /// Runs the family's enabled rules (each rule checks `selection.on(&RULE)` before it
    /// computes anything).
    pub check: fn(&Server, &Selection, &mut Vec<Finding>),
}

/// Every family that runs, in catalog order.
pub fn families() -> &'static [Family] {
    static FAMILIES: &[Family] = &[
        Family {
            prefix: "RT",
            rules: routing::RULES,
            check: routing::check,
        },
        Family {
            prefix: "MX",
            rules: mx::RULES,
            check: mx::check,
        },
        Family {
            prefix: "SPF",
            rules: spf::RULES,
            check: spf::check,
        },
        Family {
            prefix: "DKIM",
            rules: dkim::RULES,
            check: dkim::check,
        },
        Family {
            prefix: "DMARC",
            rules: dmarc::RULES,
            check: dmarc::check,
        },
        Family {
            prefix: "MBX",
            rules: mbx::RULES,
            check: mbx::check,
        },
        Family {
            prefix: "FWD",
            rules: fwd::RULES,
            check: fwd::check,
        },
        Family {
            prefix: "EXIM",
            rules: exim::RULES,
            check: exim::check,
        },
        Family {
            prefix: "CP",
            rules: cp::RULES,
            check: cp::check,
        },
    ];
    FAMILIES
}

/// Every registered rule, in catalog order.
pub fn all() -> impl Iterator<Item = &'static Rule> {
    families().iter().flat_map(|f| f.rules.iter().copied())
}

/// A rule by code (case-insensitive).
pub fn get(code: &str) -> Option<&'static Rule> {
    all().find(|r| r.code.eq_ignore_ascii_case(code))
}

/// Family prefixes of the whole catalog (`RULES.md`), including families not implemented yet,
/// so that a selector such as `LOG` is understood even before its rules run (checked against
/// [`catalog::families`]).
pub const CATALOG_PREFIXES: &[&str] = &[
    "RT", "MX", "SPF", "DKIM", "DMARC", "MBX", "FWD", "EXIM", "CP", "DNS", "LOG",
];

/// A rule selector: `ALL`, a family prefix (`RT`), a code prefix (`SPF00`) or a code.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Selector(String);

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SelectorError {
    pub selector: String,
    /// The closest codes or families ([`catalog::suggest`]).
    pub suggestions: Vec<String>,
}

impl fmt::Display for SelectorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = crate::report::escape::Esc(&self.selector);
        if self.selector.is_empty() {
            f.write_str("an empty rule selector selects nothing")?;
        } else {
            write!(
                f,
                "unknown rule selector `{shown}`: no rule has this code or prefix"
            )?;
        }
        if let Some((first, rest)) = self.suggestions.split_first() {
            let name = |c: &str| get(c).map_or(String::new(), |r| format!(" ({})", r.name));
            write!(f, "; did you mean {first}{}", name(first))?;
            for s in rest {
                write!(f, " or {s}{}", name(s))?;
            }
            f.write_str("?")?;
        } else {
            f.write_str(".")?;
        }
        write!(
            f,
            " Expected `ALL`, a family ({}), a code prefix such as `RT00`, or a rule code such as `RT001`; `maillint rules` lists every rule.",
            CATALOG_PREFIXES.join(", ")
        )
    }
}

impl std::error::Error for SelectorError {}

impl Selector {
    pub fn parse(text: &str) -> Result<Selector, SelectorError> {
        let s = text.trim().to_ascii_uppercase();
        let err = |suggestions| SelectorError {
            selector: text.trim().to_string(),
            suggestions,
        };
        if s == "ALL" {
            return Ok(Selector(s));
        }
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(err(Vec::new()));
        }
        // A registered rule's code or prefix, or one of the catalog's rules not implemented
        // yet (the caller says so: [`catalog::Resolution::NotImplemented`]).
        match catalog::resolve(&s) {
            catalog::Resolution::Unknown(suggestions) => Err(err(suggestions)),
            _ => Ok(Selector(s)),
        }
    }

    /// Parses a comma-separated list (`RT,SPF001`); empty items between commas are ignored,
    /// but a list with no selector at all is an error (it would select nothing).
    pub fn parse_list(text: &str) -> Result<Vec<Selector>, SelectorError> {
        let list: Vec<Selector> = text
            .split(',')
            .filter(|s| !s.trim().is_empty())
            .map(Selector::parse)
            .collect::<Result<_, _>>()?;
        if list.is_empty() {
            return Err(SelectorError {
                selector: String::new(),
                suggestions: Vec::new(),
            });
        }
        Ok(list)
    }

    /// What this selector names in the catalog.
    pub fn resolve(&self) -> catalog::Resolution {
        catalog::resolve(&self.0)
    }

    pub fn matches(&self, code: &str) -> bool {
        self.0 == "ALL" || code.starts_with(&self.0)
    }

    /// How specific the selector is: `ALL` < `RT` < `RT0` < `RT001`.
    fn specificity(&self) -> usize {
        if self.0 == "ALL" { 0 } else { self.0.len() }
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
    pub fn new(select: &[Selector], extend_select: &[Selector], ignore: &[Selector]) -> Selection {
        let best = |sels: &[Selector], code: &str| {
            sels.iter()
                .filter(|s| s.matches(code))
                .map(Selector::specificity)
                .max()
        };
        let mut enabled = BTreeSet::new();
        for rule in all() {
            let sel = best(select, rule.code).max(best(extend_select, rule.code));
            let ign = best(ignore, rule.code);
            let on = match (sel, ign) {
                (Some(s), Some(i)) => s > i,
                (Some(_), None) => true,
                _ => false,
            };
            if on {
                enabled.insert(rule.code);
            }
        }
        Selection { enabled }
    }

    /// Every rule.
    pub fn all() -> Selection {
        Selection::new(&[Selector("ALL".into())], &[], &[])
    }

    pub fn is_enabled(&self, code: &str) -> bool {
        self.enabled.contains(code)
    }

    /// Whether a rule is enabled: rules ask this before they compute anything.
    pub fn on(&self, rule: &Rule) -> bool {
        self.enabled.contains(rule.code)
    }

    /// What the enabled rules need from the model.
    pub fn needs(&self) -> Needs {
        all()
            .filter(|r| self.on(r))
            .fold(Needs::NONE, |n, r| n.with(r.needs))
    }

    pub fn any_with_prefix(&self, prefix: &str) -> bool {
        self.enabled.iter().any(|c| c.starts_with(prefix))
    }

    pub fn codes(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.enabled.iter().copied()
    }
}

/// Runs every family that has an enabled rule. Rules check their selection before they run,
/// so only enabled rules compute anything; a finding of a rule that is not enabled is a bug
/// (caught in debug builds and tests, dropped in release builds).
pub fn run(server: &Server, selection: &Selection) -> Vec<Finding> {
    use rayon::prelude::*;
    // Families are independent: they run in parallel, and their findings are concatenated in
    // family order (the report sorts them anyway).
    let families: Vec<_> = families()
        .iter()
        .filter(|family| family.rules.iter().any(|r| selection.on(r)))
        .collect();
    let found: Vec<Vec<Finding>> = families
        .par_iter()
        .map(|family| {
            let mut found = Vec::new();
            (family.check)(server, selection, &mut found);
            found.retain(|f| {
                let ok = selection.on(f.rule) && family.rules.contains(&f.rule);
                debug_assert!(
                    ok,
                    "{} reported a finding of {}, which is not enabled or not one of its rules",
                    family.prefix,
                    f.code()
                );
                ok
            });
            found
        })
        .collect();
    found.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sel(s: &str) -> Vec<Selector> {
        Selector::parse_list(s).unwrap()
    }

    #[test]
    fn selectors_accept_codes_prefixes_and_all() {
        assert!(Selector::parse("ALL").is_ok());
        assert!(Selector::parse("cp").is_ok());
        assert!(Selector::parse("CP00").is_ok());
        assert!(Selector::parse("CP003").is_ok());
        assert!(
            Selector::parse("SPF").is_ok(),
            "catalog family, even before it runs"
        );
        let err = Selector::parse("XYZ9").unwrap_err();
        assert!(err.to_string().contains("unknown rule selector `XYZ9`"));
        assert!(Selector::parse("").is_err());
        assert!(Selector::parse("RT-1").is_err());
    }

    #[test]
    fn more_specific_selector_wins_and_ignore_wins_ties() {
        let s = Selection::new(&sel("CP"), &[], &sel("CP003"));
        assert!(s.is_enabled("CP001"));
        assert!(!s.is_enabled("CP003"));
        let s = Selection::new(&sel("CP003"), &[], &sel("CP"));
        assert!(s.is_enabled("CP003"));
        assert!(!s.is_enabled("CP001"));
        let s = Selection::new(&sel("CP001"), &[], &[]);
        assert!(s.is_enabled("CP001") && !s.is_enabled("CP003"));
        let s = Selection::new(&sel("CP001"), &sel("CP003"), &[]);
        assert!(s.is_enabled("CP001") && s.is_enabled("CP003"));
        let s = Selection::new(&sel("ALL"), &[], &sel("ALL"));
        assert!(!s.is_enabled("CP001"));
    }

    #[test]
    fn the_model_loads_what_the_selected_rules_need() {
        let needs = |s: &str| Selection::new(&sel(s), &[], &[]).needs();
        assert_eq!(needs("ALL"), Needs::ALL);
        assert!(!needs("RT,CP002,CP003").contains(Needs::MAILBOX_LAYOUT));
        assert!(needs("MBX003").contains(Needs::MAILBOX_LAYOUT));
        assert!(!needs("MBX003").contains(Needs::MAILBOXES));
        assert!(needs("MBX002").contains(Needs::MAILBOXES));
        let mbx = needs("MBX");
        for other in [Needs::ZONES, Needs::EXIM, Needs::DKIM_KEYS, Needs::FILTERS] {
            assert!(!mbx.contains(other), "{other:?}");
        }
    }

    #[test]
    fn every_rule_has_documentation_with_the_required_sections() {
        for rule in all() {
            for section in [
                "## What it finds",
                "## Why it matters",
                "## Example",
                "## Fix",
                "## References",
            ] {
                assert!(
                    rule.doc.contains(section),
                    "rules/{}.md lacks the section `{section}`",
                    rule.code
                );
            }
            assert!(rule.summary.len() < 120, "{}: summary too long", rule.code);
        }
    }

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut seen = BTreeSet::new();
        for rule in all() {
            assert!(seen.insert(rule.code), "duplicate {}", rule.code);
            let prefix = rule.code.trim_end_matches(|c: char| c.is_ascii_digit());
            assert!(CATALOG_PREFIXES.contains(&prefix), "{}", rule.code);
            assert_eq!(rule.code.len() - prefix.len(), 3, "{}", rule.code);
            assert!(
                rule.name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'-')
            );
        }
    }
}
