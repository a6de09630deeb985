//! The rule engine: a registry of the rules that really run, rule selection, and the families.
//!
//! Each rule is a `static` [`Rule`] in its own file, `src/rules/<family>/<code>_<name>.rs`, next
//! to the function that checks it. A family's `mod.rs` holds what its rules share (a context
//! built once per run or per domain), lists its rules in `RULES`, and runs those that are
//! selected. Rules read the server model only, never files. A rule's documentation lives in
//! `rules/CODE.md` at the top of the repository and is embedded in the binary
//! (`maillint rule CODE`).

use std::fmt;

use crate::finding::Finding;
use crate::model::Server;

#[macro_use]
mod rule;

pub mod catalog;
pub mod cp;
pub mod dkim;
pub mod dmarc;
pub mod dns;
pub mod exim;
pub mod fwd;
pub mod log;
pub mod mbx;
pub mod mx;
pub mod routing;
pub mod spf;

pub mod edit;

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
        Family {
            prefix: "LOG",
            rules: log::RULES,
            check: log::check,
        },
        Family {
            prefix: "DNS",
            rules: dns::RULES,
            check: dns::check,
        },
    ];
    FAMILIES
}

/// The rules that read public DNS with `--resolve` (the view is gathered only when one of them
/// is selected).
pub fn live() -> [&'static Rule; 10] {
    [
        &routing::RT011,
        &routing::RT013,
        &routing::RT014,
        &dns::DNS001,
        &spf::SPF004,
        &spf::SPF006,
        &spf::SPF012,
        &dkim::DKIM001,
        &dkim::DKIM002,
        &mx::MX005,
    ]
}

/// Every registered rule, in catalog order.
pub fn all() -> impl Iterator<Item = &'static Rule> {
    let hidden = unregistered();
    families()
        .iter()
        .flat_map(|f| f.rules.iter().copied())
        .filter(move |r| !hidden.iter().any(|p| r.code.starts_with(p.as_str())))
}

/// Test-only seam: `MAILLINT_TEST_UNREGISTER=LOG,RT014` makes this run treat those codes or
/// families as not registered, so that the tests can reach the messages for catalog rules a
/// version lacks (today every rule of the catalog is implemented). Like `MAILLINT_TEST_FAIL`,
/// it only ever takes rules away.
pub const TEST_UNREGISTER: &str = "MAILLINT_TEST_UNREGISTER";

fn unregistered() -> &'static [String] {
    static HIDDEN: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    HIDDEN.get_or_init(|| {
        std::env::var(TEST_UNREGISTER)
            .unwrap_or_default()
            .split(',')
            .filter(|p| !p.is_empty())
            .map(|p| p.trim().to_ascii_uppercase())
            .collect()
    })
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

pub use crate::select::{Selection, Selector};

/// A selector that names no rule of the catalog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SelectorError {
    pub selector: String,
    /// The closest codes or families ([`catalog::suggest`]).
    pub suggestions: Vec<String>,
}

impl fmt::Display for SelectorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = crate::escape::Esc(&self.selector);
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

/// What a selector names: registered rules, rules of the catalog this version does not
/// implement, or nothing (with the closest codes).
pub fn resolve(selector: &Selector) -> catalog::Resolution {
    catalog::resolve(selector.as_str())
}

/// Parses selectors and checks that each names a rule of the catalog (registered or not).
pub fn selectors(text: &str) -> Result<Vec<Selector>, SelectorError> {
    let list = Selector::parse_list(text).map_err(|e| SelectorError {
        selector: e.text,
        suggestions: Vec::new(),
    })?;
    for s in &list {
        known(s)?;
    }
    Ok(list)
}

/// Whether a selector names a rule of the catalog.
pub fn known(selector: &Selector) -> Result<(), SelectorError> {
    match resolve(selector) {
        catalog::Resolution::Unknown(suggestions) => Err(SelectorError {
            selector: selector.as_str().to_string(),
            suggestions,
        }),
        _ => Ok(()),
    }
}

/// The registered rules the selectors enable.
pub fn selection(
    select: &[Selector],
    extend_select: &[Selector],
    ignore: &[Selector],
) -> Selection {
    Selection::new(all().map(|r| r.code), select, extend_select, ignore)
}

/// Every registered rule.
pub fn select_all() -> Selection {
    selection(&[Selector::all()], &[], &[])
}

/// What the enabled rules need from the model, with the logs for the rules whose findings
/// get evidence from them ([`log::evidence`]).
pub fn needs(selection: &Selection) -> Needs {
    all().filter(|r| selection.on(r)).fold(Needs::NONE, |n, r| {
        n.with(r.needs).with(log::evidence::needs(r.code))
    })
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
    let mut all: Vec<Finding> = found.into_iter().flatten().collect();
    // What the logs prove is attached to the findings it concerns, not reported twice.
    log::evidence::attach(server, &mut all);
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sel(s: &str) -> Vec<Selector> {
        Selector::parse_list(s).unwrap()
    }

    #[test]
    fn selectors_must_name_rules_of_the_catalog() {
        for ok in ["ALL", "cp", "CP00", "CP003", "LOG", "DNS001", "LOG001"] {
            assert!(selectors(ok).is_ok(), "{ok}");
        }
        let err = selectors("XYZ9").unwrap_err();
        assert!(err.to_string().contains("unknown rule selector `XYZ9`"));
        assert!(selectors("").is_err());
        assert!(selectors("RT-1").is_err());
        assert_eq!(
            resolve(&Selector::parse("LOG001").unwrap()),
            catalog::Resolution::Implemented
        );
    }

    #[test]
    fn more_specific_selector_wins_and_ignore_wins_ties() {
        let s = selection(&sel("CP"), &[], &sel("CP003"));
        assert!(s.is_enabled("CP001"));
        assert!(!s.is_enabled("CP003"));
        let s = selection(&sel("CP003"), &[], &sel("CP"));
        assert!(s.is_enabled("CP003"));
        assert!(!s.is_enabled("CP001"));
        let s = selection(&sel("CP001"), &[], &[]);
        assert!(s.is_enabled("CP001") && !s.is_enabled("CP003"));
        let s = selection(&sel("CP001"), &sel("CP003"), &[]);
        assert!(s.is_enabled("CP001") && s.is_enabled("CP003"));
        let s = selection(&sel("ALL"), &[], &sel("ALL"));
        assert!(!s.is_enabled("CP001"));
    }

    #[test]
    fn the_model_loads_what_the_selected_rules_need() {
        let needs = |s: &str| super::needs(&selection(&sel(s), &[], &[]));
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
        let mut seen = std::collections::BTreeSet::new();
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
