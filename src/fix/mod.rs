//! The fix engine: choosing fixes, applying their edits in memory, the unified diff, and (in
//! [`write`]) atomic writes with backups and `maillint restore`.
//!
//! A run of `--fix` is a loop: lint, take every applicable fix whose edits do not overlap a fix
//! already taken (in report order), apply them to an in-memory [`Overlay`], lint again over the
//! overlay, and repeat until no fix applies or [`MAX_PASSES`] is reached. Nothing touches the disk
//! until the loop is over; `--dry-run` then prints the diff between the original files and the
//! overlay, and `--fix` writes the overlay.

use std::collections::BTreeMap;
use std::io::{self, Write};

use crate::finding::{Edit, Files, Finding};
pub use crate::tree::Overlay;

pub mod lock;
pub mod write;

/// Bound of the fix loop: fixes that keep producing new fixes stop here.
pub const MAX_PASSES: usize = 10;

/// Whether two edits of the same file overlap. Touching ranges do not; two insertions at the
/// same offset do not either (they are applied in content order, so lines appended to a list
/// or keys inserted into a sorted file stay in a deterministic, sorted order). Identical edits
/// do not conflict: they are the same change (the SOA serial bump every fix of a zone carries)
/// and are applied once.
fn overlaps(a: &Edit, b: &Edit) -> bool {
    if a.file != b.file || a == b {
        return false;
    }
    let (a0, a1, b0, b1) = (a.span.start, a.span.end, b.span.start, b.span.end);
    if a0 == a1 && b0 == b1 {
        return false;
    }
    // For an insertion this means "strictly inside the other range".
    a0 < b1 && b0 < a1
}

/// Chooses the fixes of one pass: every applicable fix, in report order, unless it overlaps a fix
/// already chosen (that one waits for the next pass, computed on the new text).
pub fn choose(findings: &[Finding], allow_unsafe: bool) -> Vec<&Finding> {
    choose_where(findings, allow_unsafe, |_| true)
}

/// [`choose`], among the findings `allowed` accepts.
pub fn choose_where(
    findings: &[Finding],
    allow_unsafe: bool,
    allowed: impl Fn(&Finding) -> bool,
) -> Vec<&Finding> {
    let mut chosen: Vec<&Finding> = Vec::new();
    let mut taken: Vec<&Edit> = Vec::new();
    let mut removed: Vec<&str> = Vec::new();
    let mut chmods: Vec<&crate::finding::ModeChange> = Vec::new();
    for f in findings
        .iter()
        .filter(|f| f.fixable(allow_unsafe) && allowed(f))
    {
        let fix = f.fix.as_ref().expect("applicable fix");
        // A fix that repeats exactly what a chosen fix does is redundant, not conflicting.
        if chosen.iter().any(|c| c.fix.as_ref() == Some(fix)) {
            continue;
        }
        // A mode change clashes with a removal of its file and with another change of its
        // mode (unless it is the same change).
        let clash =
            fix.edits.iter().any(|e| {
                taken.iter().any(|t| overlaps(e, t)) || removed.contains(&e.file.as_str())
            }) || fix.removals.iter().any(|r| {
                removed.contains(&r.as_str())
                    || taken.iter().any(|t| t.file == *r)
                    || chmods.iter().any(|m| m.file == *r)
            }) || fix.modes.iter().any(|m| {
                removed.contains(&m.file.as_str())
                    || chmods.iter().any(|c| c.file == m.file && *c != m)
            });
        if clash {
            continue;
        }
        taken.extend(fix.edits.iter());
        removed.extend(fix.removals.iter().map(String::as_str));
        chmods.extend(fix.modes.iter());
        chosen.push(f);
    }
    chosen
}

/// Applies non-overlapping edits to a text.
///
/// Line insertions at the end of a text whose last line has no newline are composed so that
/// the result has exactly one line break between lines: each such insertion (its content ends
/// with a newline) starts on a new line, and the newline an edit builder put in front of it to
/// end the last line is dropped when the text before it already ends a line (another insertion
/// came first, or the last line was deleted). In-line insertions (no final newline, such as
/// `=value` after a key) are left as they are.
pub fn apply_edits(original: &[u8], edits: &[&Edit]) -> Vec<u8> {
    let mut sorted: Vec<&Edit> = edits.to_vec();
    sorted.sort_by(|a, b| {
        (a.span.start, a.span.end, &a.content).cmp(&(b.span.start, b.span.end, &b.content))
    });
    // The same edit made by several fixes is one change.
    sorted.dedup_by(|a, b| a == b);
    let unterminated = original.last().is_some_and(|&b| b != b'\n');
    let mut out = Vec::with_capacity(original.len() + 64);
    let mut pos = 0usize;
    for e in sorted {
        let start = (e.span.start as usize).clamp(pos, original.len());
        let end = (e.span.end as usize).clamp(start, original.len());
        out.extend_from_slice(&original[pos..start]);
        let mut content = e.content.as_bytes();
        let line_at_end = unterminated
            && start == original.len()
            && start == end
            && content.last() == Some(&b'\n');
        if line_at_end {
            let at_line_start = out.is_empty() || out.last() == Some(&b'\n');
            match content.first() {
                Some(b'\n') if at_line_start => content = &content[1..],
                Some(&c) if c != b'\n' && !at_line_start => out.push(b'\n'),
                _ => {}
            }
        }
        out.extend_from_slice(content);
        pos = end;
    }
    out.extend_from_slice(&original[pos..]);
    out
}

/// Applies the chosen fixes to the overlay. `files` holds the texts the findings were computed
/// on (the model of the same pass), so spans match.
pub fn apply(chosen: &[&Finding], files: &Files, overlay: &mut Overlay) {
    let mut by_file: BTreeMap<&str, Vec<&Edit>> = BTreeMap::new();
    for f in chosen {
        let fix = f.fix.as_ref().expect("chosen fix");
        for e in &fix.edits {
            by_file.entry(e.file.as_str()).or_default().push(e);
        }
        for r in &fix.removals {
            overlay.set(r, None);
        }
        for m in &fix.modes {
            // The file is rewritten with its bytes unchanged (and any edit of the same pass).
            if overlay.get(&m.file).is_none()
                && let Some(src) = files.get(&m.file)
            {
                overlay.set(&m.file, Some(src.bytes().to_vec()));
            }
            overlay.set_mode(
                &m.file,
                m.from,
                crate::tree::ModeSpec {
                    mode: m.mode,
                    uid: m.uid,
                    gid: m.gid,
                },
            );
        }
    }
    for (path, edits) in by_file {
        let current: Vec<u8> = match overlay.get(path) {
            Some(Some(bytes)) => bytes.clone(),
            Some(None) => Vec::new(),
            None => files
                .get(path)
                .map(|s| s.bytes().to_vec())
                .unwrap_or_default(),
        };
        overlay.set(path, Some(apply_edits(&current, &edits)));
    }
}

/// What a fix loop did.
pub struct Outcome<S> {
    /// Final contents of every changed file.
    pub overlay: Overlay,
    /// Findings whose fixes were applied (as reported in the pass that applied them).
    pub fixed: Vec<Finding>,
    /// The first lint, before any fix: the model (its files are the originals) and findings.
    pub initial: (S, Vec<Finding>),
    /// The lint after the last pass; `None` when no fix was applied.
    pub last: Option<(S, Vec<Finding>)>,
    /// When the loop stopped at [`MAX_PASSES`] with fixes still pending: the codes of the rules
    /// whose fixes kept producing changes (sorted). Such an outcome is a bug, never written
    /// ([`Outcome::converged`]).
    pub non_converging: Vec<String>,
    /// Fixes not applied because one of their files cannot be written, with the reason. A fix
    /// is applied whole or not at all.
    pub blocked: Vec<(Finding, String)>,
}

impl<S> Outcome<S> {
    /// `Err` with the internal-error message when the loop did not converge: nothing of such an
    /// outcome may be written or shown as a diff.
    pub fn converged(&self) -> Result<(), String> {
        if self.non_converging.is_empty() {
            return Ok(());
        }
        Err(format!(
            "internal error: the fixes of {} kept producing changes after {MAX_PASSES} passes, so \
             maillint wrote nothing and shows no diff; this is a bug in maillint, please report \
             it (run without --fix, or with --ignore {}, meanwhile)",
            self.non_converging.join(", "),
            self.non_converging.join(","),
        ))
    }

    /// The findings that remain after the loop.
    pub fn remaining(&self) -> &[Finding] {
        match &self.last {
            Some((_, f)) => f,
            None => &self.initial.1,
        }
    }
}

/// Runs the fix loop. `lint` builds the model over an overlay and returns it with its findings
/// (sorted); `files_of` gives the files a model read; `blocker` says why a file cannot be
/// written (a fix touching such a file is left out whole).
pub fn fix_loop<S, E>(
    mut lint: impl FnMut(&Overlay) -> Result<(S, Vec<Finding>), E>,
    files_of: impl Fn(&S) -> &Files,
    allow_unsafe: bool,
    blocker: impl Fn(&S, &str) -> Option<String>,
) -> Result<Outcome<S>, E> {
    let mut overlay = Overlay::default();
    let initial = lint(&overlay)?;
    let mut last: Option<(S, Vec<Finding>)> = None;
    let mut fixed = Vec::new();
    let mut non_converging: Vec<String> = Vec::new();
    let mut blocked: Vec<(Finding, String)> = Vec::new();
    for pass in 0.. {
        let (state, findings) = last.as_ref().unwrap_or(&initial);
        let why_blocked = |f: &Finding| -> Option<String> {
            let fix = f.fix.as_ref()?;
            fix.paths()
                .find_map(|path| blocker(state, path).map(|why| format!("{path}: {why}")))
        };
        for f in findings.iter().filter(|f| f.fixable(allow_unsafe)) {
            if let Some(why) = why_blocked(f)
                && !blocked
                    .iter()
                    .any(|(b, _)| b.code() == f.code() && b.message == f.message)
            {
                blocked.push((f.clone(), why));
            }
        }
        let chosen = choose_where(findings, allow_unsafe, |f| why_blocked(f).is_none());
        if chosen.is_empty() {
            break;
        }
        if pass == MAX_PASSES {
            non_converging = chosen.iter().map(|f| f.code().to_string()).collect();
            non_converging.sort();
            non_converging.dedup();
            break;
        }
        let before = overlay.clone();
        apply(&chosen, files_of(state), &mut overlay);
        if overlay == before {
            break;
        }
        fixed.extend(chosen.into_iter().cloned());
        last = Some(lint(&overlay)?);
    }
    Ok(Outcome {
        overlay,
        fixed,
        initial,
        last,
        non_converging,
        blocked,
    })
}

/// One changed file: its original bytes (None when it did not exist) and new bytes (None when the
/// fix removes it).
pub struct Change<'a> {
    pub path: &'a str,
    pub old: Option<&'a [u8]>,
    pub new: Option<&'a [u8]>,
    /// A new mode (and owner) for the file, with the mode it had.
    pub mode: Option<(u32, crate::tree::ModeSpec)>,
}

/// Files Exim reads without checking that they exist (`lsearch;/etc/localdomains`): a fix that
/// empties one keeps it as an empty file, since a missing one makes every lookup fail.
pub const KEEP_WHEN_EMPTY: &[&str] = &["etc/localdomains", "etc/secondarymx"];

/// The changes an overlay makes to the original files, by path, leaving out files it does not
/// really change. A file a fix empties is removed, as `patch -E` does with the diff (an empty
/// list and a missing one mean the same to cPanel and Exim), except [`KEEP_WHEN_EMPTY`].
pub fn changes<'a>(originals: &'a Files, overlay: &'a Overlay) -> Vec<Change<'a>> {
    overlay
        .iter()
        .filter_map(|(path, new)| {
            let old = originals.get(path).map(|s| s.bytes());
            let mut new = new.as_deref();
            if new.is_some_and(<[u8]>::is_empty) && !KEEP_WHEN_EMPTY.contains(&path.as_str()) {
                new = None;
            }
            let mode = overlay
                .modes()
                .find(|(p, ..)| *p == path)
                .filter(|_| new.is_some())
                .map(|(_, from, spec)| (from, *spec));
            if (old == new && mode.is_none()) || (old.is_none() && new.is_none()) {
                return None;
            }
            Some(Change {
                path,
                old,
                new,
                mode,
            })
        })
        .collect()
}

/// Files the changes leave empty (they stay; `patch -E` would remove them).
pub fn emptied<'a>(changes: &[Change<'a>]) -> Vec<&'a str> {
    changes
        .iter()
        .filter(|c| c.new.is_some_and(<[u8]>::is_empty))
        .map(|c| c.path)
        .collect()
}

/// Writes a unified diff of the changes, with `a/` and `b/` paths relative to the root (and
/// `/dev/null` for created and removed files), byte-exact, so `patch -p1 -E` in the root
/// reproduces what `--fix` writes.
pub fn write_diff(changes: &[Change<'_>], out: &mut dyn Write) -> io::Result<()> {
    for c in changes {
        let old = c.old.unwrap_or(b"");
        let new = c.new.unwrap_or(b"");
        // A new mode, in git's extended header (which GNU patch applies); a new owner cannot
        // be written in a diff.
        if let Some((from, spec)) = &c.mode {
            writeln!(out, "diff --git a/{p} b/{p}", p = c.path)?;
            writeln!(out, "old mode {:o}", 0o100000 | from)?;
            writeln!(out, "new mode {:o}", 0o100000 | spec.mode)?;
            if old == new {
                continue;
            }
        }
        let a = match c.old {
            Some(_) => format!("a/{}", c.path),
            None => "/dev/null".to_string(),
        };
        let b = match c.new {
            Some(_) => format!("b/{}", c.path),
            None => "/dev/null".to_string(),
        };
        let diff = similar::TextDiff::configure()
            .algorithm(similar::Algorithm::Myers)
            .diff_lines(old, new);
        writeln!(out, "--- {a}")?;
        writeln!(out, "+++ {b}")?;
        let mut udiff = diff.unified_diff();
        udiff.context_radius(3);
        for hunk in udiff.iter_hunks() {
            hunk.to_writer(&mut *out)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Fix;
    use crate::source::{SourceFile, Span};
    use std::sync::Arc;

    fn finding(fix: Fix) -> Finding {
        Finding::new(&crate::rules::cp::CP003, "x").fix(fix)
    }

    #[test]
    fn edits_apply_in_offset_order() {
        let e1 = Edit::replace("f", Span::new(0, 1), "A");
        let e2 = Edit::insert("f", 3, "!");
        let e3 = Edit::delete("f", Span::new(1, 2));
        assert_eq!(apply_edits(b"abc", &[&e2, &e1, &e3]), b"Ac!");
    }

    #[test]
    fn overlapping_fixes_wait_for_the_next_pass() {
        let a = finding(Fix::safe("a").edit(Edit::replace("f", Span::new(0, 4), "x")));
        let b = finding(Fix::safe("b").edit(Edit::replace("f", Span::new(2, 6), "y")));
        let c = finding(Fix::safe("c").edit(Edit::replace("f", Span::new(4, 6), "z")));
        let d = finding(Fix::unsafe_("d").edit(Edit::replace("g", Span::new(0, 1), "w")));
        let all = [a, b, c, d];
        let chosen: Vec<&str> = choose(&all, false)
            .iter()
            .map(|f| f.fix.as_ref().unwrap().message.as_str())
            .collect();
        assert_eq!(chosen, ["a", "c"]);
        assert_eq!(choose(&all, true).len(), 3);
    }

    #[test]
    fn insertions_at_the_same_point_are_sorted_unless_identical() {
        let a = Edit::insert("f", 5, "x");
        let b = Edit::insert("f", 5, "y");
        let c = Edit::insert("f", 6, "y");
        assert!(!overlaps(&a, &b));
        assert!(!overlaps(&a, &a.clone()), "identical edits are one change");
        assert_eq!(apply_edits(b"0123456", &[&a, &a.clone()]), b"01234x56");
        assert!(!overlaps(&a, &c));
        assert_eq!(apply_edits(b"0123456", &[&b, &a]), b"01234xy56");
        let del = Edit::delete("f", Span::new(0, 5));
        assert!(!overlaps(&del, &a), "touching ranges do not overlap");
        let inside = Edit::insert("f", 2, "z");
        assert!(overlaps(&del, &inside));
    }

    #[test]
    fn diff_covers_creation_change_and_removal() {
        let mut files = Files::new();
        files.insert(Arc::new(SourceFile::from_str(
            "etc/localdomains",
            "a.example\nb.example\n",
        )));
        files.insert(Arc::new(SourceFile::from_str("var/cache/x", "{}")));
        let mut ov = Overlay::default();
        ov.set("etc/localdomains", Some(b"a.example\n".to_vec()));
        ov.set("etc/remotedomains", Some(b"b.example\n".to_vec()));
        ov.set("var/cache/x", None);
        let mut out = Vec::new();
        write_diff(&changes(&files, &ov), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "--- a/etc/localdomains\n+++ b/etc/localdomains\n@@ -1,2 +1 @@\n a.example\n-b.example\n\
             --- /dev/null\n+++ b/etc/remotedomains\n@@ -0,0 +1 @@\n+b.example\n\
             --- a/var/cache/x\n+++ /dev/null\n@@ -1 +0,0 @@\n-{}\n\\ No newline at end of file\n"
        );
    }

    #[test]
    fn emptied_files_are_removed_except_the_lists_exim_needs() {
        let mut files = Files::new();
        files.insert(Arc::new(SourceFile::from_str(
            "etc/manualmx",
            "a.example: mx.example.net\n",
        )));
        files.insert(Arc::new(SourceFile::from_str(
            "etc/secondarymx",
            "b.example\n",
        )));
        let mut ov = Overlay::default();
        ov.set("etc/manualmx", Some(Vec::new()));
        ov.set("etc/secondarymx", Some(Vec::new()));
        ov.set("etc/new-and-empty", Some(Vec::new()));
        let c = changes(&files, &ov);
        let summary: Vec<(&str, Option<&[u8]>)> = c.iter().map(|c| (c.path, c.new)).collect();
        assert_eq!(
            summary,
            [("etc/manualmx", None), ("etc/secondarymx", Some(&b""[..]))]
        );
        assert_eq!(emptied(&c), ["etc/secondarymx"]);
    }

    #[test]
    fn mode_changes_are_applied_in_the_overlay_and_shown_as_git_does() {
        use crate::finding::ModeChange;
        let chmod = |mode| ModeChange {
            file: "etc/localdomains".into(),
            from: 0o666,
            mode,
            uid: None,
            gid: None,
        };
        let a = finding(Fix::unsafe_("a").chmod(chmod(0o640)));
        let same = finding(Fix::unsafe_("same").chmod(chmod(0o640)));
        let other = finding(Fix::unsafe_("other").chmod(chmod(0o600)));
        let remove = finding(Fix::safe("rm").remove("etc/localdomains"));
        let all = [a.clone(), same, other, remove];
        let chosen: Vec<&str> = choose(&all, true)
            .iter()
            .map(|f| f.fix.as_ref().unwrap().message.as_str())
            .collect();
        // The same change in another fix does not clash (it is one change, as identical edits
        // are); another mode, or a removal of the file, waits for the next pass.
        assert_eq!(chosen, ["a", "same"]);

        let mut files = Files::new();
        files.insert(Arc::new(SourceFile::from_str(
            "etc/localdomains",
            "a.example\n",
        )));
        let mut ov = Overlay::default();
        apply(&[&a], &files, &mut ov);
        assert_eq!(
            ov.get("etc/localdomains"),
            Some(&Some(b"a.example\n".to_vec()))
        );
        assert_eq!(ov.mode("etc/localdomains").map(|m| m.mode), Some(0o640));
        let c = changes(&files, &ov);
        assert_eq!(c.len(), 1, "a mode change is a change, the bytes unchanged");
        assert_eq!(c[0].old, c[0].new);
        let mut out = Vec::new();
        write_diff(&c, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "diff --git a/etc/localdomains b/etc/localdomains\nold mode 100666\nnew mode 100640\n"
        );
    }

    #[test]
    fn the_loop_stops_when_nothing_changes() {
        static FILES: std::sync::LazyLock<Files> = std::sync::LazyLock::new(Files::new);
        let mut passes = 0;
        let out = fix_loop::<_, ()>(
            |ov| {
                passes += 1;
                let f = if ov.is_empty() {
                    vec![finding(
                        Fix::safe("create").edit(Edit::insert("new", 0, "x\n")),
                    )]
                } else {
                    vec![]
                };
                Ok(((), f))
            },
            |_| &FILES,
            false,
            |_, _| None,
        )
        .unwrap();
        assert_eq!(passes, 2);
        assert_eq!(out.fixed.len(), 1);
        assert_eq!(out.overlay.get("new"), Some(&Some(b"x\n".to_vec())));
    }
    #[test]
    fn lines_appended_to_a_text_without_final_newline_are_one_line_each() {
        // Two fixes append to a list whose last line has no newline, each ending that line
        // itself (as rules::edit::append_line does): one line each, no blank line.
        let a = Edit::insert("f", 9, "\nb.example\n");
        let b = Edit::insert("f", 9, "\nc.example\n");
        assert_eq!(
            apply_edits(b"a.example", &[&a, &b]),
            b"a.example\nb.example\nc.example\n"
        );
        // The unterminated last line is deleted and a line appended.
        let del = Edit::delete("f", Span::new(10, 19));
        let append = Edit::insert("f", 19, "\nb.example\n");
        assert_eq!(
            apply_edits(b"a.example\nx.example", &[&del, &append]),
            b"a.example\nb.example\n"
        );
        // A line inserted at the end without a leading newline does not join the last line.
        let rec = Edit::insert("f", 9, "_dmarc\tTXT\n");
        assert_eq!(
            apply_edits(b"a.example", &[&rec]),
            b"a.example\n_dmarc\tTXT\n"
        );
        // In-line insertions are left alone.
        let value = Edit::insert("f", 3, "=1");
        assert_eq!(apply_edits(b"KEY", &[&value]), b"KEY=1");
        // A terminated text is not touched.
        assert_eq!(
            apply_edits(b"a\n", &[&Edit::insert("f", 2, "\nb\n")]),
            b"a\n\nb\n"
        );
    }

    #[test]
    fn a_loop_that_never_converges_is_reported_with_its_rules_and_not_written() {
        static FILES: std::sync::LazyLock<Files> = std::sync::LazyLock::new(Files::new);
        let mut passes = 0;
        let out = fix_loop::<_, ()>(
            |ov| {
                passes += 1;
                // Every pass proposes one more line: the text never stops changing.
                let at = match ov.get("f") {
                    Some(Some(b)) => b.len(),
                    _ => 0,
                };
                Ok((
                    (),
                    vec![finding(
                        Fix::safe("more").edit(Edit::insert("f", at, "x\n")),
                    )],
                ))
            },
            |_| &FILES,
            false,
            |_, _| None,
        )
        .unwrap();
        assert_eq!(passes, MAX_PASSES + 1);
        assert_eq!(out.non_converging, ["CP003"]);
        let err = out.converged().unwrap_err();
        assert!(
            err.starts_with(
                "internal error: the fixes of CP003 kept producing changes after 10 passes"
            ),
            "{err}"
        );
        assert!(err.contains("wrote nothing"), "{err}");
    }
}
