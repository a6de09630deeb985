//! The `full` format: rustc/ruff-style diagnostics rendered with annotate-snippets, each with its
//! source snippet, notes, related locations and, where a fix exists, an inline preview of it.
//!
//! Every piece of text from the tree (messages, paths, labels, notes, snippet lines, fix
//! contents) goes through [`crate::escape`] before annotate-snippets sees it; snippet
//! spans are mapped through the escapes.

use std::collections::BTreeMap;
use std::io::{self, Write};

use annotate_snippets::renderer::DecorStyle;
use annotate_snippets::{AnnotationKind, Group, Level, Patch, Renderer, Snippet};

use crate::escape::{self, Esc};
use crate::finding::{Applicability, Edit, Files, Finding, Severity};
use crate::report::{Report, write_totals};
use crate::source::{SourceFile, Span};

pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let renderer = if report.color {
        Renderer::styled()
    } else {
        Renderer::plain()
    }
    .decor_style(DecorStyle::Ascii);
    for finding in report.findings {
        let text = render_one(&renderer, finding, report.files, report.unsafe_fixes);
        writeln!(out, "{text}")?;
        writeln!(out)?;
    }
    write_totals(report, out)
}

/// The lines of a file that cover some spans: the excerpt's text, its offset in the file and
/// the 1-based number of its first line. Rendering only an excerpt keeps the cost independent
/// of the file size.
struct Excerpt<'a> {
    text: &'a str,
    /// The original bytes of `text` when the file is not valid UTF-8.
    raw: Option<&'a [u8]>,
    offset: usize,
    line_start: usize,
}

impl<'a> Excerpt<'a> {
    /// The excerpt's text with its control characters escaped.
    fn shown(&self) -> escape::Source<'a> {
        escape::source(self.text, self.raw)
    }
}

fn excerpt<'a>(src: &'a SourceFile, spans: impl IntoIterator<Item = Span>) -> Excerpt<'a> {
    let mut lo = usize::MAX;
    let mut hi = 0;
    for s in spans {
        lo = lo.min(s.start as usize);
        hi = hi.max(s.end as usize);
    }
    let len = src.len();
    let lo = lo.min(len);
    let hi = hi.clamp(lo, len);
    let first = src.line_index(lo);
    let last = src.line_index(if hi > lo { hi - 1 } else { hi });
    let start = src.line_span_with_newline(first).start as usize;
    let end = src.line_span_with_newline(last).end as usize;
    Excerpt {
        text: &src.text()[start..end],
        raw: src.had_invalid_utf8().then(|| &src.bytes()[start..end]),
        offset: start,
        line_start: first + 1,
    }
}

fn level(severity: Severity) -> Level<'static> {
    match severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Info => Level::INFO,
    }
}

fn local(span: Span, ex: &Excerpt<'_>) -> std::ops::Range<usize> {
    let s = (span.start as usize)
        .saturating_sub(ex.offset)
        .min(ex.text.len());
    let e = (span.end as usize)
        .saturating_sub(ex.offset)
        .clamp(s, ex.text.len());
    s..e
}

/// Renders one finding (without a trailing newline).
pub fn render_one(renderer: &Renderer, f: &Finding, files: &Files, unsafe_fixes: bool) -> String {
    let title = format!("{}{}", Esc(&f.message), fixable_marker(f, unsafe_fixes));
    let head = level(f.severity).primary_title(title).id(f.code());
    let mut pre_notes = Vec::new();
    let mut groups: Vec<Group<'_>> = Vec::new();
    let mut elements = Vec::new();

    // The primary location, with related locations of the same file in the same snippet.
    let mut related_elsewhere = Vec::new();
    match f
        .location
        .as_ref()
        .and_then(|l| files.showable(&l.file).map(|src| (l, src)))
    {
        Some((loc, src)) => {
            let same: Vec<_> = f
                .related
                .iter()
                .filter(|r| r.loc.file == loc.file)
                .collect();
            // Keep the snippet short: related lines far from the primary one get their own snippet.
            let near: Vec<_> = same
                .iter()
                .filter(|r| line_distance(src, r.loc.span, loc.span) <= 6)
                .copied()
                .collect();
            for r in &f.related {
                if r.loc.file != loc.file || !near.iter().any(|n| std::ptr::eq(*n, r)) {
                    related_elsewhere.push(r);
                }
            }
            let ex = excerpt(
                src,
                std::iter::once(loc.span).chain(near.iter().map(|r| r.loc.span)),
            );
            let shown = ex.shown();
            let mut primary = AnnotationKind::Primary.span(shown.range(local(loc.span, &ex)));
            if let Some(label) = &f.label {
                primary = primary.label(escape::line(label));
            }
            let mut snippet = Snippet::source(shown.text.clone())
                .line_start(ex.line_start)
                .path(escape::line(&loc.file))
                .annotation(primary);
            for r in near {
                snippet = snippet.annotation(
                    AnnotationKind::Context
                        .span(shown.range(local(r.loc.span, &ex)))
                        .label(escape::line(&r.message)),
                );
            }
            elements.push(snippet);
        }
        None => {
            if let Some(loc) = &f.location {
                // A file the run could not read, or must not show (password hashes).
                let lc = files.line_col(loc);
                let why = if files.is_sensitive(&loc.file) {
                    " (contents not shown: the file holds password hashes)"
                } else {
                    ""
                };
                pre_notes.push(format!(
                    "at {}:{}:{}{why}",
                    Esc(&loc.file),
                    lc.line,
                    lc.column
                ));
            }
            related_elsewhere.extend(f.related.iter());
        }
    }
    let mut group = Group::with_title(head);
    for n in &pre_notes {
        group = group.element(Level::NOTE.message(n.as_str()));
    }
    for s in elements {
        group = group.element(s);
    }
    // Related locations elsewhere, one snippet per file and neighbourhood (lines at most
    // `NEAR` apart share a snippet), in file order.
    const NEAR: usize = 6;
    let mut rel_files: Vec<(&str, Vec<&crate::finding::Related>)> = Vec::new();
    for r in &related_elsewhere {
        match rel_files.iter_mut().find(|(p, _)| *p == r.loc.file) {
            Some((_, v)) => v.push(r),
            None => rel_files.push((&r.loc.file, vec![r])),
        }
    }
    for (file, mut rels) in rel_files {
        let Some(src) = files.showable(file) else {
            for r in rels {
                let lc = files.line_col(&r.loc);
                group = group.element(Level::NOTE.message(format!(
                    "{}:{}:{}: {}",
                    Esc(&r.loc.file),
                    lc.line,
                    lc.column,
                    Esc(&r.message)
                )));
            }
            continue;
        };
        rels.sort_by_key(|r| (r.loc.span.start, r.loc.span.end));
        let mut chunks: Vec<Vec<&crate::finding::Related>> = Vec::new();
        for r in rels {
            match chunks.last_mut() {
                Some(c) if line_distance(src, c[c.len() - 1].loc.span, r.loc.span) <= NEAR => {
                    c.push(r)
                }
                _ => chunks.push(vec![r]),
            }
        }
        for chunk in chunks {
            let ex = excerpt(src, chunk.iter().map(|r| r.loc.span));
            let shown = ex.shown();
            let mut snippet = Snippet::source(shown.text.clone())
                .line_start(ex.line_start)
                .path(escape::line(file));
            for r in chunk {
                snippet = snippet.annotation(
                    AnnotationKind::Context
                        .span(shown.range(local(r.loc.span, &ex)))
                        .label(escape::line(&r.message)),
                );
            }
            group = group.element(snippet);
        }
    }
    for note in &f.notes {
        group = group.element(Level::NOTE.message(escape::line(note)));
    }
    if let Some(e) = &f.evidence {
        group = group.element(
            Level::NOTE.message(escape::line(&format!("logs: {}", e.summary)).into_owned()),
        );
        if let Some((file, line, text)) = &e.sample {
            group =
                group
                    .element(Level::NOTE.message(
                        escape::line(&format!("e.g. {file}:{line}: {text}")).into_owned(),
                    ));
        }
    }
    if let Some(help) = &f.help {
        group = group.element(Level::HELP.message(escape::line(help)));
    }
    groups.push(group);

    if let Some(fix) = &f.fix {
        let title = match fix.applicability {
            Applicability::DisplayOnly => format!("advice: {}", Esc(&fix.message)),
            a => format!("{} fix: {}", a.as_str(), Esc(&fix.message)),
        };
        let mut g = Group::with_title(Level::HELP.secondary_title(title));
        // annotate-snippets shows a patch as the text after it: a line that one edit deletes
        // disappears without a mark when other edits change lines of the same snippet. Whole
        // deleted lines get their own snippet then, where they show as `-`.
        let mut parts: Vec<(&str, Vec<&Edit>)> = Vec::new();
        for (file, edits) in by_file(&fix.edits) {
            let whole_line = |e: &&Edit| {
                e.content.is_empty()
                    && files.showable(file).is_some_and(|src| {
                        let (a, b) = (e.span.start as usize, e.span.end as usize);
                        let text = src.bytes();
                        b > a
                            && (a == 0 || text.get(a - 1) == Some(&b'\n'))
                            && (b == text.len() || text.get(b - 1) == Some(&b'\n'))
                    })
            };
            let (deletions, others): (Vec<&Edit>, Vec<&Edit>) =
                edits.iter().partition(|e| whole_line(e));
            if deletions.is_empty() || others.is_empty() {
                parts.push((file, edits));
            } else {
                parts.push((file, others));
                parts.push((file, deletions));
            }
        }
        for (file, edits) in parts {
            let ex = match files.showable(file) {
                Some(src) => excerpt(src, edits.iter().map(|e| e.span)),
                // A file the fix creates.
                None => Excerpt {
                    text: "",
                    raw: None,
                    offset: 0,
                    line_start: 1,
                },
            };
            // A preview must stay readable: edits far apart or on huge lines are left to --diff.
            const MAX_PREVIEW: usize = 8 * 1024;
            const MAX_LINE: usize = 1000;
            if ex.text.len() > MAX_PREVIEW || ex.text.lines().any(|l| l.len() > MAX_LINE) {
                g = g.element(Level::NOTE.message(format!(
                    "{}: the preview is left out (the edited lines are too long to show); `--fix --dry-run` prints the change",
                    Esc(file)
                )));
                continue;
            }
            // A line appended at the very end of a file is shown as inserted before an empty
            // line, else annotate-snippets glues it to the last line.
            let at_end = edits
                .iter()
                .any(|e| (e.span.start as usize).saturating_sub(ex.offset) == ex.text.len())
                && (ex.text.is_empty() || ex.text.ends_with('\n'));
            let text: std::borrow::Cow<'_, str> = if at_end && !ex.text.is_empty() {
                format!("{}\n", ex.text).into()
            } else {
                ex.text.into()
            };
            let shown = escape::source(&text, ex.raw);
            let mut snippet = Snippet::source(shown.text.clone().into_owned())
                .line_start(ex.line_start)
                .path(escape::line(file));
            for e in edits {
                snippet = snippet.patch(Patch::new(
                    shown.range(local(e.span, &ex)),
                    escape::block(&e.content).into_owned(),
                ));
            }
            g = g.element(snippet);
        }
        for path in &fix.removals {
            g = g.element(Level::NOTE.message(format!("removes {}", Esc(path))));
        }
        for m in &fix.modes {
            let mut text = format!("mode of {}: {:04o} -> {:04o}", Esc(&m.file), m.from, m.mode);
            if let Some(uid) = m.uid {
                text.push_str(&format!(", owner uid {uid}"));
            }
            g = g.element(Level::NOTE.message(text));
        }
        for cmd in &fix.commands {
            g = g.element(Level::NOTE.message(escape::line(cmd)));
        }
        groups.push(g);
    }
    renderer.render(&groups)
}

fn fixable_marker(f: &Finding, unsafe_fixes: bool) -> &'static str {
    if f.fixable(unsafe_fixes) { " [*]" } else { "" }
}

fn line_distance(src: &SourceFile, a: Span, b: Span) -> usize {
    src.line_index(a.start as usize)
        .abs_diff(src.line_index(b.start as usize))
}

fn by_file(edits: &[Edit]) -> BTreeMap<&str, Vec<&Edit>> {
    let mut map: BTreeMap<&str, Vec<&Edit>> = BTreeMap::new();
    for e in edits {
        map.entry(e.file.as_str()).or_default().push(e);
    }
    for v in map.values_mut() {
        v.sort_by_key(|e| (e.span.start, e.span.end));
    }
    map
}
