//! The rule catalog: the code and name of every rule of `RULES.md`, implemented or not
//! (`rules/CATALOG.md`, embedded), and what a selector names in it.
//!
//! A selector (`--select`, `--ignore`, `--extend-select`, `select`/`ignore`/`extend-select` and
//! `[[ignore_domain]] codes` in `maillint.toml`) must name something that exists:
//!
//! - `ALL`, or a code or prefix of a registered rule: fine.
//! - only rules of the catalog that this version does not implement (`LOG`): the
//!   caller says so ([`Resolution::NotImplemented`]); `check` makes it an error when nothing
//!   implemented is selected at all, and a warning otherwise.
//! - nothing of the catalog (`XYZ`, `RT999`): an error, with the closest codes as a hint.

use std::sync::OnceLock;

/// A rule of the catalog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry<'a> {
    pub code: &'a str,
    pub name: &'a str,
}

const TABLE: &str = include_str!("../../rules/CATALOG.md");

/// Every rule of the catalog, in catalog order.
pub fn entries() -> &'static [Entry<'static>] {
    static ENTRIES: OnceLock<Vec<Entry<'static>>> = OnceLock::new();
    ENTRIES.get_or_init(|| parse_table(TABLE))
}

/// The `| CODE | name |` rows of a Markdown table (other lines are skipped).
pub fn parse_table(text: &str) -> Vec<Entry<'_>> {
    text.lines()
        .filter_map(|line| {
            let mut cells = line.strip_prefix('|')?.split('|').map(str::trim);
            let code = cells.next()?;
            let name = cells.next()?;
            let well_formed = code.len() > 3
                && code.bytes().rev().take(3).all(|b| b.is_ascii_digit())
                && code[..code.len() - 3]
                    .bytes()
                    .all(|b| b.is_ascii_uppercase());
            well_formed.then_some(Entry { code, name })
        })
        .collect()
}

/// A rule of the catalog by code (case-insensitive).
pub fn get(code: &str) -> Option<&'static Entry<'static>> {
    entries().iter().find(|e| e.code.eq_ignore_ascii_case(code))
}

/// The families of the catalog (`RT`, `MX`, …, `LOG`), in catalog order.
pub fn families() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for e in entries() {
        let family = e.code.trim_end_matches(|c: char| c.is_ascii_digit());
        if !out.contains(&family) {
            out.push(family);
        }
    }
    out
}

/// Rules of the catalog that this version does not implement.
pub fn not_implemented() -> impl Iterator<Item = &'static Entry<'static>> {
    entries()
        .iter()
        .filter(|e| crate::rules::get(e.code).is_none())
}

/// What a selector (upper case, as [`crate::rules::Selector`] keeps it) names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// `ALL`, or at least one registered rule.
    Implemented,
    /// Only rules of the catalog that this version does not implement.
    NotImplemented(Vec<&'static Entry<'static>>),
    /// Nothing of the catalog: the closest codes or families, best first (maybe none).
    Unknown(Vec<String>),
}

pub fn resolve(selector: &str) -> Resolution {
    resolve_with(selector, |code| crate::rules::get(code).is_some())
}

/// [`resolve`], with `registered` saying which codes this version implements (every code of
/// the catalog is implemented today; the tests pretend otherwise to check the messages).
fn resolve_with(selector: &str, registered: impl Fn(&str) -> bool) -> Resolution {
    let implemented = entries()
        .iter()
        .any(|e| e.code.starts_with(selector) && registered(e.code));
    if selector == "ALL" || implemented {
        return Resolution::Implemented;
    }
    let catalog: Vec<&'static Entry<'static>> = entries()
        .iter()
        .filter(|e| e.code.starts_with(selector))
        .collect();
    if !catalog.is_empty() {
        return Resolution::NotImplemented(catalog);
    }
    Resolution::Unknown(suggest(selector))
}

/// Says which catalog rules a selector names, for messages: `DNS001 (dns-unverifiable)`, or
/// `LOG (LOG001 blocklisted-by-receivers, LOG002 script-mail-burst, …)`.
pub fn describe(selector: &str, entries: &[&Entry<'_>]) -> String {
    match entries {
        [one] if one.code == selector => format!("{} ({})", one.code, one.name),
        _ => {
            let list: Vec<String> = entries
                .iter()
                .take(4)
                .map(|e| format!("{} {}", e.code, e.name))
                .collect();
            let more = if entries.len() > 4 { ", …" } else { "" };
            format!("{selector} ({}{more})", list.join(", "))
        }
    }
}

/// The registered codes and the catalog's families closest to `text`: those at the smallest
/// edit distance, if it is at most 2 (and less than the text's length), at most three.
pub fn suggest(text: &str) -> Vec<String> {
    let text = text.to_ascii_uppercase();
    let mut candidates: Vec<(usize, bool, &str)> = Vec::new();
    let families = families();
    let codes = crate::rules::all().map(|r| r.code);
    for c in codes.chain(families.iter().copied()) {
        let d = distance(&text, c);
        if d <= 2 && d < text.len() && !candidates.iter().any(|(_, _, x)| *x == c) {
            // Among equals, codes of the same family come first (RT999 → RT009, not MX999).
            let same_family = c.get(..2) == text.get(..2);
            candidates.push((d, !same_family, c));
        }
    }
    candidates.sort();
    let best = candidates.first().map(|c| c.0);
    candidates
        .into_iter()
        .filter(|c| Some(c.0) == best)
        .take(3)
        .map(|(_, _, c)| c.to_string())
        .collect()
}

/// Edit distance with adjacent transpositions (optimal string alignment), over bytes.
pub fn distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for i in 0..=a.len() {
        for j in 0..=b.len() {
            d[i * w + j] = if i == 0 || j == 0 {
                i + j
            } else {
                let mut v = (d[(i - 1) * w + j - 1] + usize::from(a[i - 1] != b[j - 1]))
                    .min(d[(i - 1) * w + j] + 1)
                    .min(d[i * w + j - 1] + 1);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    v = v.min(d[(i - 2) * w + j - 2] + 1);
                }
                v
            };
        }
    }
    d[a.len() * w + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_registered_rule_is_in_the_catalog_with_its_name() {
        for r in crate::rules::all() {
            let e = get(r.code).unwrap_or_else(|| panic!("{} is not in rules/CATALOG.md", r.code));
            assert_eq!(e.name, r.name, "{}", r.code);
        }
    }

    #[test]
    fn the_catalog_is_well_formed() {
        let all = entries();
        assert!(all.len() >= 70, "{}", all.len());
        let mut seen = std::collections::BTreeSet::new();
        for e in all {
            assert!(seen.insert(e.code), "{} twice", e.code);
            assert!(
                e.name.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{}",
                e.name
            );
        }
        // The selector syntax knows every family of the catalog.
        assert_eq!(families(), crate::rules::CATALOG_PREFIXES);
    }

    #[test]
    fn selectors_resolve_to_rules_the_catalog_or_nothing() {
        assert_eq!(resolve("ALL"), Resolution::Implemented);
        assert_eq!(resolve("RT"), Resolution::Implemented);
        assert_eq!(resolve("RT01"), Resolution::Implemented);
        assert_eq!(resolve("RT001"), Resolution::Implemented);
        assert_eq!(resolve("LOG"), Resolution::Implemented);
        assert_eq!(resolve("DNS"), Resolution::Implemented);
        assert_eq!(
            not_implemented().count(),
            0,
            "every catalog rule is implemented"
        );
        // Were the LOG rules not registered, `--select LOG` and `--select LOG002` would say so.
        let without_log = |code: &str| !code.starts_with("LOG");
        let Resolution::NotImplemented(log) = resolve_with("LOG", without_log) else {
            panic!()
        };
        assert_eq!(log.len(), 4);
        assert_eq!(
            describe("LOG", &log),
            "LOG (LOG001 blocklisted-by-receivers, LOG002 script-mail-burst, LOG003 send-limit-hit, LOG004 local-mx-freeze)"
        );
        let Resolution::NotImplemented(e) = resolve_with("LOG002", without_log) else {
            panic!()
        };
        assert_eq!(describe("LOG002", &e), "LOG002 (script-mail-burst)");
        assert_eq!(resolve("RT999"), Resolution::Unknown(vec!["RT009".into()]));
        assert_eq!(resolve("XYZ"), Resolution::Unknown(vec![]));
        assert_eq!(suggest("SFP001"), vec!["SPF001"]);
        assert_eq!(suggest("DKM"), vec!["DKIM"]);
        assert_eq!(suggest("RT0001"), vec!["RT001"]);
    }

    #[test]
    fn edit_distance() {
        assert_eq!(distance("RT999", "RT009"), 2);
        assert_eq!(distance("", "RT"), 2);
        assert_eq!(distance("SFP", "SPF"), 1);
        assert_eq!(distance("RT001", "RT001"), 0);
        assert_eq!(distance("abc", ""), 3);
        assert_eq!(distance("DKM", "DKIM"), 1);
    }
}
