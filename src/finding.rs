//! Findings: what a rule reports, where, why, and how to fix it.
//!
//! A finding points at files by their *display path* (relative to the root, `/`-separated, exactly
//! what reports print) and at text by byte [`Span`]s. Line and column numbers are computed only
//! when a report is rendered, from the [`Files`] the model read, so rules never deal with them.

use std::cmp::Ordering;
use std::fmt;

use serde::Serialize;

use crate::rules::Rule;
use crate::source::Span;
pub use crate::source::{Files, Loc};

/// How bad a finding is. Ordered: `Info < Warning < Error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a fix may be applied automatically.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Applicability {
    /// Cannot change where any mail goes; applied by `--fix`.
    #[serde(rename = "safe")]
    Safe,
    /// Changes mail routing or DNS policy; applied only with `--unsafe-fixes`.
    #[serde(rename = "unsafe")]
    Unsafe,
    /// Advice no edit can carry out; shown, never applied.
    #[serde(rename = "display-only")]
    DisplayOnly,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
            Applicability::DisplayOnly => "display-only",
        }
    }
}

/// Another place that explains a finding ("forwarder to this domain", "MX record here").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Related {
    pub loc: Loc,
    pub message: String,
}

/// One text edit: replace `span` of `file` by `content`. An edit of a file that does not exist
/// yet creates it (its span is then `0..0`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edit {
    pub file: String,
    pub span: Span,
    pub content: String,
}

impl Edit {
    pub fn replace(file: impl Into<String>, span: Span, content: impl Into<String>) -> Edit {
        Edit {
            file: file.into(),
            span,
            content: content.into(),
        }
    }

    pub fn delete(file: impl Into<String>, span: Span) -> Edit {
        Edit::replace(file, span, "")
    }

    pub fn insert(file: impl Into<String>, offset: usize, content: impl Into<String>) -> Edit {
        Edit::replace(file, Span::at(offset), content)
    }
}

/// A change of a file's permission bits, and of its owner or group, made by a fix (CP004). It is
/// written like a text edit: in the same all-or-nothing transaction, the file's bytes rewritten
/// unchanged with the new mode (and owner), the original's mode and owner kept in the backup.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ModeChange {
    /// Display path of a regular file.
    pub file: String,
    /// The permission bits it has (for the diff).
    pub from: u32,
    /// The new permission bits (`0o640`).
    pub mode: u32,
    /// A new owner or group, when the fix changes them.
    pub uid: Option<u32>,
    pub gid: Option<u32>,
}

/// A fix: edits over one or more files, files to remove (stale caches), and its applicability.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub applicability: Applicability,
    /// What the fix does, in one sentence ("move example.com to etc/remotedomains").
    pub message: String,
    pub edits: Vec<Edit>,
    /// Files removed by the fix (display paths), e.g. `var/cpanel/users.cache/bob`.
    pub removals: Vec<String>,
    /// Files whose mode (and owner) the fix changes.
    pub modes: Vec<ModeChange>,
    /// The equivalent cPanel command and follow-up, shown to the user; never run by maillint.
    pub commands: Vec<String>,
}

impl Fix {
    pub fn new(applicability: Applicability, message: impl Into<String>) -> Fix {
        Fix {
            applicability,
            message: message.into(),
            edits: Vec::new(),
            removals: Vec::new(),
            modes: Vec::new(),
            commands: Vec::new(),
        }
    }

    pub fn safe(message: impl Into<String>) -> Fix {
        Fix::new(Applicability::Safe, message)
    }

    pub fn unsafe_(message: impl Into<String>) -> Fix {
        Fix::new(Applicability::Unsafe, message)
    }

    pub fn display_only(message: impl Into<String>) -> Fix {
        Fix::new(Applicability::DisplayOnly, message)
    }

    pub fn edit(mut self, edit: Edit) -> Fix {
        self.edits.push(edit);
        self
    }

    pub fn edits(mut self, edits: impl IntoIterator<Item = Edit>) -> Fix {
        self.edits.extend(edits);
        self
    }

    pub fn remove(mut self, path: impl Into<String>) -> Fix {
        self.removals.push(path.into());
        self
    }

    pub fn chmod(mut self, change: ModeChange) -> Fix {
        self.modes.push(change);
        self
    }

    /// Every file the fix touches (edited, removed or given another mode).
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.edits
            .iter()
            .map(|e| e.file.as_str())
            .chain(self.removals.iter().map(String::as_str))
            .chain(self.modes.iter().map(|m| m.file.as_str()))
    }

    pub fn command(mut self, command: impl Into<String>) -> Fix {
        self.commands.push(command.into());
        self
    }

    /// Whether applying this fix would change anything on disk.
    pub fn has_changes(&self) -> bool {
        !self.edits.is_empty() || !self.removals.is_empty() || !self.modes.is_empty()
    }
}

/// What the mail logs show about a finding (RULES.md "LOG", evidence): how many log lines bear
/// it out, when first and last in the period read, and one of them. Messages stay free of these
/// numbers, so that a baseline recognises the finding from one run to the next; the evidence
/// carries them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evidence {
    /// One sentence, with the counts and times ("37 messages … first 12 Nov 09:14 …").
    pub summary: String,
    /// The main count (messages, sessions, refusals…).
    pub count: u64,
    /// Other counts, by name (`"deleted"`, `"remote"`…).
    pub counts: Vec<(&'static str, u64)>,
    /// First and last time (Unix seconds, UTC) of the lines counted.
    pub first: Option<i64>,
    pub last: Option<i64>,
    /// One line of them: file (as given or relative to the root), line number, text.
    pub sample: Option<(String, u64, String)>,
    /// The logs contradict the finding (e.g. no local delivery at all in the period).
    pub contradicts: bool,
}

/// `2026-11-12T09:14:03Z`.
pub fn rfc3339(secs: i64) -> String {
    let t = crate::clock::Utc::from_unix(secs);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

/// A problem found by a rule.
/// Text of a finding: most notes and help lines are fixed sentences, kept without a copy (a large
/// server has tens of thousands of findings).
pub type Text = std::borrow::Cow<'static, str>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The rule that found it.
    pub rule: &'static Rule,
    /// The rule's severity, unless the rule says otherwise for this case.
    pub severity: Severity,
    /// One line: what is wrong, with the domain or file it concerns.
    pub message: String,
    pub domain: Option<String>,
    pub user: Option<String>,
    pub location: Option<Loc>,
    /// Short text under the underlined span in `full` output ("listed here as local").
    pub label: Option<Text>,
    pub related: Vec<Related>,
    /// `= note:` lines: why it matters, what the consequence is.
    pub notes: Vec<Text>,
    /// `= help:` line: what to do when there is no fix, or the cPanel way to do it.
    pub help: Option<Text>,
    pub fix: Option<Fix>,
    /// What the mail logs show about it, when they were read.
    pub evidence: Option<Box<Evidence>>,
}

impl Finding {
    /// A finding of `rule`, at the rule's severity.
    pub fn new(rule: &'static Rule, message: impl Into<String>) -> Finding {
        Finding {
            rule,
            severity: rule.severity,
            message: message.into(),
            domain: None,
            user: None,
            location: None,
            label: None,
            related: Vec::new(),
            notes: Vec::new(),
            help: None,
            fix: None,
            evidence: None,
        }
    }

    /// Attaches what the mail logs show.
    pub fn evidence(mut self, evidence: Evidence) -> Finding {
        self.evidence = Some(Box::new(evidence));
        self
    }

    /// The rule's code (`RT001`).
    pub fn code(&self) -> &'static str {
        self.rule.code
    }

    /// Another severity than the rule's usual one (the rule's `severity_note` says when).
    pub fn severity(mut self, severity: Severity) -> Finding {
        self.severity = severity;
        self
    }

    pub fn at(mut self, loc: Loc) -> Finding {
        self.location = Some(loc);
        self
    }

    pub fn at_span(self, file: &str, span: Span) -> Finding {
        self.at(Loc::new(file, span))
    }

    pub fn domain(mut self, domain: impl Into<String>) -> Finding {
        self.domain = Some(domain.into());
        self
    }

    pub fn maybe_domain(mut self, domain: Option<impl Into<String>>) -> Finding {
        self.domain = domain.map(Into::into);
        self
    }

    pub fn user(mut self, user: impl Into<String>) -> Finding {
        self.user = Some(user.into());
        self
    }

    pub fn maybe_user(mut self, user: Option<impl Into<String>>) -> Finding {
        self.user = user.map(Into::into);
        self
    }

    pub fn label(mut self, label: impl Into<Text>) -> Finding {
        self.label = Some(label.into());
        self
    }

    pub fn related(mut self, loc: Loc, message: impl Into<String>) -> Finding {
        self.related.push(Related {
            loc,
            message: message.into(),
        });
        self
    }

    pub fn note(mut self, note: impl Into<Text>) -> Finding {
        self.notes.push(note.into());
        self
    }

    pub fn help(mut self, help: impl Into<Text>) -> Finding {
        self.help = Some(help.into());
        self
    }

    pub fn fix(mut self, fix: Fix) -> Finding {
        self.fix = Some(fix);
        self
    }

    /// A fix when there is one.
    pub fn maybe_fix(mut self, fix: Option<Fix>) -> Finding {
        if fix.is_some() {
            self.fix = fix;
        }
        self
    }

    /// Whether `--fix` (with or without `--unsafe-fixes`) could apply this finding's fix.
    pub fn fixable(&self, unsafe_fixes: bool) -> bool {
        match &self.fix {
            Some(f) if f.has_changes() => match f.applicability {
                Applicability::Safe => true,
                Applicability::Unsafe => unsafe_fixes,
                Applicability::DisplayOnly => false,
            },
            _ => false,
        }
    }
}

/// Sorts findings into the report order: file, line, column, code (findings without a location
/// come last, by code), then message for a total order.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(order);
}

fn order(a: &Finding, b: &Finding) -> Ordering {
    let key = |f: &Finding| {
        (
            f.location.is_none(),
            f.location.as_ref().map(|l| l.file.clone()),
            f.location.as_ref().map(|l| (l.span.start, l.span.end)),
        )
    };
    key(a)
        .cmp(&key(b))
        .then_with(|| a.code().cmp(b.code()))
        .then_with(|| a.domain.cmp(&b.domain))
        .then_with(|| a.message.cmp(&b.message))
}

/// Counts by severity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl Counts {
    pub fn of(findings: &[Finding]) -> Counts {
        let mut c = Counts::default();
        for f in findings {
            match f.severity {
                Severity::Error => c.errors += 1,
                Severity::Warning => c.warnings += 1,
                Severity::Info => c.infos += 1,
            }
        }
        c
    }
}
