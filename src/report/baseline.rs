//! Baselines: `--write-baseline FILE` records the findings of a run; `--baseline FILE` reports
//! only the findings that are not in it, and counts the entries whose finding is gone as fixed.
//!
//! # Matching
//!
//! A finding matches an entry when its code, domain, user, file (display path, relative to the
//! root) and *fingerprint* are equal. Line and column are not part of it, so an edit that moves
//! lines (a domain added above, a record inserted in a zone) does not bring old findings back.
//! The fingerprint is the FNV-1a 64-bit hash, written as 16 lower-case hex digits, of:
//!
//! - the message, with the positions it may quote made neutral: the number after `line`,
//!   `lines`, `column` or `columns` (and the second number of a range such as `3-5`) becomes `#`
//!   (CP003 says "listed twice … (first on line 4)");
//! - a NUL byte;
//! - the first line of the text under the finding's span, with runs of white space collapsed to
//!   one space and trimmed (nothing for a file whose text is never shown, such as mail `shadow`
//!   files, or a finding without a location).
//!
//! The located text tells apart findings with the same message in one file (two comment lines
//! of `etc/localdomains`); a finding whose text or message changes is a new finding.
//! Entries count: a baseline with two identical entries hides two identical findings, not three.
//!
//! # Scope
//!
//! Only entries that this run could have found are matched or counted as fixed: the entry's rule
//! is selected, and the entry passes `--domain` and `[[ignore_domain]]` (the caller decides, see
//! [`Baseline::apply`]). A `--select RT` run with a baseline of every rule does not call the
//! other rules' entries fixed.
//!
//! # File format (version 1)
//!
//! ```json
//! {
//!   "version": 1,
//!   "generator": "maillint 0.1.0",
//!   "root": "/",
//!   "findings": [
//!     {"code": "RT001", "domain": "example.org", "user": "bob", "file": "etc/localdomains",
//!      "fingerprint": "5f0e6f7d3c2a1b09", "line": 3, "message": "…"}
//!   ]
//! }
//! ```
//!
//! `domain`, `user`, `file` and `line` may be `null`. `line` and `message` are there for people
//! reading the file; they are not used to match. `root` is the canonical path of the tree the
//! baseline was recorded from; a run over another root still matches by relative paths (a copy
//! of the same server), and the command line warns about it. Unknown keys, a missing key, a
//! fingerprint that is not 16 hex digits or another `version` make the file unusable (exit 2).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::finding::{Files, Finding};

/// The version of the baseline file format this maillint reads and writes.
pub const VERSION: u32 = 1;

/// A baseline file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    /// `maillint VERSION`, informational.
    pub generator: String,
    /// The canonical root the baseline was recorded from.
    pub root: String,
    pub findings: Vec<Entry>,
}

/// One recorded finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub code: String,
    pub domain: Option<String>,
    pub user: Option<String>,
    pub file: Option<String>,
    pub fingerprint: String,
    /// Where the finding was when recorded (informational).
    pub line: Option<usize>,
    /// The message when recorded (informational).
    pub message: String,
}

/// What applying a baseline did to a run's findings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// The baseline file, as given on the command line.
    pub file: String,
    /// Findings of this run that the baseline holds (not reported).
    pub hidden: usize,
    /// Entries whose finding this run no longer reports.
    pub fixed: usize,
    /// Those entries.
    pub fixed_findings: Vec<Entry>,
}

impl Entry {
    /// The entry recording a finding.
    pub fn of(f: &Finding, files: &Files) -> Entry {
        Entry {
            code: f.code().to_string(),
            domain: f.domain.clone(),
            user: f.user.clone(),
            file: f.location.as_ref().map(|l| l.file.clone()),
            fingerprint: fingerprint(f, files),
            line: f.location.as_ref().map(|l| files.line_col(l).line),
            message: f.message.clone(),
        }
    }

    /// What a finding is matched by: code, domain, user, file and fingerprint.
    fn key(
        &self,
    ) -> (
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        String,
    ) {
        (
            self.code.clone(),
            self.domain.clone(),
            self.user.clone(),
            self.file.clone(),
            self.fingerprint.to_ascii_lowercase(),
        )
    }
}

impl Baseline {
    /// The baseline of a run's findings (sorted as reported).
    pub fn record(root: &str, findings: &[Finding], files: &Files) -> Baseline {
        Baseline {
            version: VERSION,
            generator: format!("maillint {}", env!("CARGO_PKG_VERSION")),
            root: root.to_string(),
            findings: findings.iter().map(|f| Entry::of(f, files)).collect(),
        }
    }

    /// The file's text: pretty JSON and a final newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("a baseline serializes");
        s.push('\n');
        s
    }

    /// Reads a baseline file's text; the error says what is wrong (the caller adds the path).
    pub fn parse(text: &str) -> Result<Baseline, String> {
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| format!("not a maillint baseline: invalid JSON: {e}"))?;
        let Some(obj) = value.as_object() else {
            return Err(
                "not a maillint baseline: expected a JSON object with `version` and `findings`"
                    .into(),
            );
        };
        match obj.get("version") {
            None => return Err("not a maillint baseline: it has no `version`".into()),
            Some(v) if v.as_u64() == Some(u64::from(VERSION)) => {}
            Some(v) => {
                return Err(format!(
                    "baseline version {v} is not supported: this maillint reads version \
                     {VERSION}; record it again with --write-baseline"
                ));
            }
        }
        let b: Baseline =
            serde_json::from_value(value).map_err(|e| format!("not a maillint baseline: {e}"))?;
        for (i, e) in b.findings.iter().enumerate() {
            if e.fingerprint.len() != 16 || !e.fingerprint.bytes().all(|c| c.is_ascii_hexdigit()) {
                return Err(format!(
                    "not a maillint baseline: findings[{i}] ({}): the fingerprint `{}` is not 16 \
                     hex digits",
                    e.code, e.fingerprint
                ));
            }
        }
        Ok(b)
    }

    /// Removes from `findings` those the baseline holds (each entry hides at most one finding)
    /// and returns what it did. `in_scope` says whether this run could have reported an entry
    /// (its rule selected, its domain within `--domain` and not ignored); other entries are
    /// neither matched nor counted as fixed.
    pub fn apply(
        &self,
        file: &str,
        findings: &mut Vec<Finding>,
        files: &Files,
        in_scope: impl Fn(&Entry) -> bool,
    ) -> Outcome {
        let scoped: Vec<&Entry> = self.findings.iter().filter(|e| in_scope(e)).collect();
        let mut left: HashMap<_, usize> = HashMap::new();
        for e in &scoped {
            *left.entry(e.key()).or_default() += 1;
        }
        let mut hidden = 0;
        findings.retain(|f| {
            let e = Entry::of(f, files);
            match left.get_mut(&e.key()) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    hidden += 1;
                    false
                }
                _ => true,
            }
        });
        // The entries left over, in the baseline's order: the last ones of a repeated key are
        // the ones left unmatched.
        let mut fixed_findings: Vec<Entry> = Vec::new();
        for e in scoped.iter().rev() {
            if let Some(n) = left.get_mut(&e.key())
                && *n > 0
            {
                *n -= 1;
                fixed_findings.push((*e).clone());
            }
        }
        fixed_findings.reverse();
        Outcome {
            file: file.to_string(),
            hidden,
            fixed: fixed_findings.len(),
            fixed_findings,
        }
    }
}

/// The fingerprint of a finding's content (module documentation).
pub fn fingerprint(f: &Finding, files: &Files) -> String {
    let mut h = Fnv::new();
    h.write(normalize_message(&f.message).as_bytes());
    h.write(&[0]);
    if let Some(loc) = &f.location
        && let Some(src) = files.showable(&loc.file)
    {
        let start = (loc.span.start as usize).min(src.len());
        let end = (loc.span.end as usize).clamp(start, src.len());
        let text = src.text().get(start..end).unwrap_or("");
        let first = text.split('\n').next().unwrap_or("");
        let mut collapsed = String::with_capacity(first.len());
        for word in first.split_whitespace() {
            if !collapsed.is_empty() {
                collapsed.push(' ');
            }
            collapsed.push_str(word);
        }
        h.write(collapsed.as_bytes());
    }
    format!("{:016x}", h.0)
}

/// The message with the positions it quotes made neutral: the number (or range of numbers)
/// after the words `line`, `lines`, `column`, `columns` becomes `#`.
pub fn normalize_message(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut rest = msg;
    while !rest.is_empty() {
        let word_end = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        if word_end == 0 {
            let c = rest.chars().next().unwrap();
            out.push(c);
            rest = &rest[c.len_utf8()..];
            continue;
        }
        let word = &rest[..word_end];
        out.push_str(word);
        rest = &rest[word_end..];
        let positional = matches!(
            word.to_ascii_lowercase().as_str(),
            "line" | "lines" | "column" | "columns"
        );
        // The word must stand alone: `outline 3` is not a position.
        let alone = out.len() == word.len()
            || !out[..out.len() - word.len()]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_');
        if positional
            && alone
            && let Some(after) = rest.strip_prefix(' ')
        {
            let n = number_or_range(after);
            if n > 0 {
                out.push_str(" #");
                rest = &after[n..];
            }
        }
    }
    out
}

/// The length of a number, or of a range `N-M` / `N–M`, at the start of `s` (0: none).
fn number_or_range(s: &str) -> usize {
    let digits = |s: &str| s.bytes().take_while(u8::is_ascii_digit).count();
    let n = digits(s);
    if n == 0 {
        return 0;
    }
    for dash in ["-", "–"] {
        if let Some(after) = s[n..].strip_prefix(dash) {
            let m = digits(after);
            if m > 0 {
                return n + dash.len() + m;
            }
        }
    }
    n
}

/// FNV-1a, 64 bits: a fixed, documented hash (std's hashers may change between releases).
struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_in_messages_are_neutral() {
        assert_eq!(
            normalize_message("a.example is listed twice in etc/localdomains (first on line 4)"),
            "a.example is listed twice in etc/localdomains (first on line #)"
        );
        assert_eq!(
            normalize_message("the value starts at line 12, column 3; lines 4-9 and Line 7"),
            "the value starts at line #, column #; lines # and Line #"
        );
        // Not positions: a number elsewhere, a word ending in "line", no number after the word.
        assert_eq!(
            normalize_message("outline 3, MX 10 mail.example, the line above, 192.0.2.1"),
            "outline 3, MX 10 mail.example, the line above, 192.0.2.1"
        );
    }

    #[test]
    fn fnv_is_the_published_function() {
        // FNV-1a 64 test vectors.
        let hash = |s: &[u8]| {
            let mut h = Fnv::new();
            h.write(s);
            h.0
        };
        assert_eq!(hash(b""), 0xcbf29ce484222325);
        assert_eq!(hash(b"a"), 0xaf63dc4c8601ec8c);
        assert_eq!(hash(b"foobar"), 0x85944171f73967e8);
    }

    #[test]
    fn corrupt_files_say_what_is_wrong() {
        let err = |s: &str| Baseline::parse(s).unwrap_err();
        assert!(err("{").contains("invalid JSON"), "{}", err("{"));
        assert!(err("[]").contains("expected a JSON object"));
        assert!(err(r#"{"findings": []}"#).contains("no `version`"));
        assert!(
            err(r#"{"version": 2, "findings": []}"#)
                .contains("baseline version 2 is not supported")
        );
        let e = err(
            r#"{"version": 1, "generator": "x", "root": "/", "findings": [{"code": "RT001"}]}"#,
        );
        assert!(e.contains("missing field"), "{e}");
        let e = err(
            r#"{"version": 1, "generator": "x", "root": "/", "findings": [{"code": "RT001",
            "domain": null, "user": null, "file": null, "fingerprint": "xyz", "line": null,
            "message": ""}]}"#,
        );
        assert!(
            e.contains("findings[0] (RT001)") && e.contains("16 hex digits"),
            "{e}"
        );
        let e = err(r#"{"version": 1, "generator": "x", "root": "/", "findings": [], "extra": 1}"#);
        assert!(e.contains("unknown field `extra`"), "{e}");
    }
}
