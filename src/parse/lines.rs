//! Line documents: the shape shared by the line-oriented formats (domain lists, `name: value`
//! maps, key files, address files, forwarder files, mail account files, `maildirsize`).
//!
//! Each of those files is a sequence of lines, and each line is read on its own: it is blank, a
//! comment, an entry of the format, or invalid (with the [`SyntaxError`] that says why). A
//! [`LineDoc`] keeps every line with its span, `\n` included, so the lines tile the file and
//! [`crate::parse::render`] gives it back byte for byte. The formats differ only in their entry
//! type `E` (and in what they keep beside the lines, `X`: an index for lookups, or nothing).
//!
//! The rest of this module is what the line parsers share to read a line (`RawLine`, white
//! space, keys) and to word their errors (`found_at`, `token`).

use crate::parse::{Lossless, SyntaxError};
use crate::source::{SUBSTITUTE, SourceFile, Span};

/// A parsed line-oriented file: its lines in file order, which tile the file.
#[derive(Clone, Debug)]
pub struct LineDoc<E, X = ()> {
    pub lines: Vec<Line<E>>,
    /// Whether the file is empty or its last line ends with `\n`.
    final_newline: bool,
    /// What the format keeps beside its lines (the `name: value` maps: an index of names).
    pub(crate) extra: X,
}

/// One line of a [`LineDoc`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line<E> {
    /// The whole line including its `\n` (the pieces of the document).
    pub span: Span,
    pub kind: LineKind<E>,
}

/// What a line is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LineKind<E> {
    /// Empty or white space only.
    Blank,
    /// A comment (first non-blank character `#`, or first character for domain lists).
    Comment,
    /// An entry of the format.
    Entry(E),
    /// A line the format does not allow, and why.
    Invalid(SyntaxError),
}

impl<E> LineDoc<E> {
    /// Reads a file one line at a time: `read` says what each line is.
    pub(crate) fn read(src: &SourceFile, mut read: impl FnMut(&RawLine) -> LineKind<E>) -> Self {
        let mut final_newline = true;
        let mut lines = Vec::with_capacity(src.line_count());
        lines.extend(split(src.text()).map(|l| {
            final_newline = l.has_newline();
            Line {
                span: l.span,
                kind: read(&l),
            }
        }));
        LineDoc {
            lines,
            final_newline,
            extra: (),
        }
    }

    /// The same document with `extra` kept beside its lines.
    pub(crate) fn with_extra<X>(self, extra: X) -> LineDoc<E, X> {
        LineDoc {
            lines: self.lines,
            final_newline: self.final_newline,
            extra,
        }
    }
}

impl<E, X> LineDoc<E, X> {
    /// Entries in file order.
    pub fn entries(&self) -> impl Iterator<Item = &E> {
        self.lines.iter().filter_map(|l| match &l.kind {
            LineKind::Entry(e) => Some(e),
            _ => None,
        })
    }

    /// Syntax errors of invalid lines, in file order.
    pub fn errors(&self) -> impl Iterator<Item = &SyntaxError> {
        self.lines.iter().filter_map(|l| match &l.kind {
            LineKind::Invalid(e) => Some(e),
            _ => None,
        })
    }

    /// Whether the file is empty or its last line ends with `\n`.
    pub fn ends_with_newline(&self) -> bool {
        self.final_newline
    }

    /// Whether `line` (a line of this document) ends with `\n`: every line but the last does.
    pub fn line_has_newline(&self, line: &Line<E>) -> bool {
        !std::ptr::eq(line, self.lines.last().expect("line of this file")) || self.final_newline
    }
}

impl<E, X> Lossless for LineDoc<E, X> {
    fn pieces(&self) -> Vec<Span> {
        self.lines.iter().map(|l| l.span).collect()
    }
}

impl<E, X> crate::parse::Document for LineDoc<E, X> {
    fn syntax_errors(&self) -> Vec<SyntaxError> {
        self.errors().cloned().collect()
    }
}

/// One line of a file as read, before its format reads it.
pub(crate) struct RawLine {
    /// The whole line including its `\n`.
    pub span: Span,
    /// Where the line's text ends: before the `\n` and before a `\r` just before it.
    end: usize,
    has_cr: bool,
}

impl RawLine {
    pub fn start(&self) -> usize {
        self.span.start as usize
    }

    /// The end of the line's text (without `\n` and a final `\r`).
    pub fn end(&self) -> usize {
        self.end
    }

    /// The line's text, without `\n` and a final `\r`: what most grammars parse.
    pub fn text<'t>(&self, text: &'t str) -> &'t str {
        &text[self.start()..self.end]
    }

    /// The line's text without its `\n` but with a final `\r`, for the grammars that read the
    /// `\r` themselves.
    pub fn body<'t>(&self, text: &'t str) -> &'t str {
        &text[self.start()..self.end + usize::from(self.has_cr)]
    }

    /// Whether a `\r` ends the line's text (a file edited on Windows).
    pub fn has_cr(&self) -> bool {
        self.has_cr
    }

    /// Whether the line ends with `\n` (only the last line of a file may not).
    pub fn has_newline(&self) -> bool {
        self.end + usize::from(self.has_cr) < self.span.end as usize
    }
}

/// The lines of a text, each with its `\n`.
pub(crate) fn split(text: &str) -> impl Iterator<Item = RawLine> + '_ {
    let bytes = text.as_bytes();
    crate::parse::line_spans(text).map(move |span| {
        let mut end = span.end as usize;
        if bytes[end - 1] == b'\n' {
            end -= 1;
        }
        let has_cr = end > span.start as usize && bytes[end - 1] == b'\r';
        if has_cr {
            end -= 1;
        }
        RawLine { span, end, has_cr }
    })
}

/// A span without the spaces and tabs at its ends.
pub(crate) fn trim_ws(text: &str, span: Span) -> Span {
    let s = &text[span.range()];
    let lead = s.len() - s.trim_start_matches([' ', '\t']).len();
    let trimmed = s.trim_matches([' ', '\t']);
    let start = span.start as usize + lead;
    Span::new(start, start + trimmed.len())
}

/// Where a key (a name before a separator) goes wrong.
pub(crate) struct BadKey {
    /// The offset to report.
    pub at: usize,
    /// Whether that is where the key should start (empty key, or a bad first character):
    /// "expected a key …" rather than "expected the separator after the key …".
    pub at_start: bool,
}

/// Checks a key: `raw` without the white space around it must not be empty nor hold control
/// characters, characters of `forbidden`, or (unless `inner_ws`) white space. White space
/// inside is reported where it ends, since the separator was expected there.
pub(crate) fn check_key(
    text: &str,
    raw: Span,
    inner_ws: bool,
    forbidden: &[char],
) -> Result<Span, BadKey> {
    let key = trim_ws(text, raw);
    let start = key.start as usize;
    let bad = text[key.range()].char_indices().find(|&(_, c)| {
        c.is_control() || forbidden.contains(&c) || (!inner_ws && (c == ' ' || c == '\t'))
    });
    match bad {
        None if key.is_empty() => Err(BadKey {
            at: start,
            at_start: true,
        }),
        None => Ok(key),
        Some((i, ' ' | '\t')) => {
            let rest = &text[start + i..key.end as usize];
            let at = start + i + rest.len() - rest.trim_start_matches([' ', '\t']).len();
            Err(BadKey {
                at,
                at_start: false,
            })
        }
        Some((i, _)) => Err(BadKey {
            at: start + i,
            at_start: i == 0,
        }),
    }
}

/// The offset of the first control character in a span.
pub(crate) fn first_control(text: &str, span: Span) -> Option<usize> {
    text[span.range()]
        .char_indices()
        .find(|(_, c)| c.is_control())
        .map(|(i, _)| span.start as usize + i)
}

/// What a user sees at `offset` (in a line whose text ends at `end`): the span of that
/// character and a description ("end of line", "a space", "`x`", "a byte that is not valid
/// UTF-8 (0xC4)").
pub(crate) fn found_at(src: &SourceFile, offset: usize, end: usize) -> (Span, String) {
    let text = src.text();
    let Some(c) = text[offset.min(end)..end].chars().next() else {
        return (Span::at(offset), "end of line".to_string());
    };
    let span = Span::new(offset, offset + c.len_utf8());
    let what = match c {
        ' ' => "a space".to_string(),
        '\t' => "a tab".to_string(),
        '\r' => "a carriage return".to_string(),
        '\u{1a}' if src.bytes()[offset] != SUBSTITUTE => format!(
            "a byte that is not valid UTF-8 (0x{:02X})",
            src.bytes()[offset]
        ),
        c if c.is_control() => format!("a control character (U+{:04X})", c as u32),
        c => format!("`{c}`"),
    };
    (span, what)
}

/// A piece of user text for a message: in backticks, control characters escaped, cut after
/// 40 characters.
pub(crate) fn token(s: &str) -> String {
    crate::parse::quote_text(s, 40)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{check_tiling, render};

    /// A toy format: a line is an entry when it is a number.
    fn numbers(text: &str) -> (SourceFile, LineDoc<u32>) {
        let src = SourceFile::from_str("numbers", text);
        let doc = LineDoc::read(&src, |l| {
            let t = l.text(src.text());
            if t.trim().is_empty() {
                LineKind::Blank
            } else if t.starts_with('#') {
                LineKind::Comment
            } else {
                match t.parse() {
                    Ok(n) => LineKind::Entry(n),
                    Err(_) => LineKind::Invalid(SyntaxError::new(
                        Span::new(l.start(), l.end()),
                        "expected a number",
                    )),
                }
            }
        });
        check_tiling(&doc, &src).unwrap();
        assert_eq!(render(&doc, &src), text.as_bytes());
        (src, doc)
    }

    #[test]
    fn lines_tile_the_file_and_say_what_they_are() {
        let (src, d) = numbers("1\n# two\n\nx\r\n3");
        assert_eq!(d.entries().copied().collect::<Vec<_>>(), [1, 3]);
        assert_eq!(d.lines[1].kind, LineKind::Comment);
        assert_eq!(d.lines[2].kind, LineKind::Blank);
        let errs: Vec<_> = d.errors().collect();
        assert_eq!(errs.len(), 1);
        assert_eq!(src.slice(errs[0].span), "x");
        assert!(!d.ends_with_newline());
        assert!(d.line_has_newline(&d.lines[3]));
        assert!(!d.line_has_newline(&d.lines[4]));
    }

    #[test]
    fn final_newline_and_empty_file() {
        assert!(numbers("1\n").1.ends_with_newline());
        let (_, d) = numbers("");
        assert!(d.lines.is_empty() && d.ends_with_newline());
    }

    #[test]
    fn raw_lines_keep_the_carriage_return_apart() {
        let text = "a\r\nb\rc\n\r";
        let lines: Vec<_> = split(text).collect();
        assert_eq!(lines.len(), 3);
        assert_eq!((lines[0].text(text), lines[0].body(text)), ("a", "a\r"));
        assert!(lines[0].has_cr() && lines[0].has_newline());
        assert_eq!(lines[1].text(text), "b\rc");
        assert!(!lines[1].has_cr());
        assert_eq!((lines[2].text(text), lines[2].body(text)), ("", "\r"));
        assert!(lines[2].has_cr() && !lines[2].has_newline());
    }

    #[test]
    fn found_text_is_escaped_and_cut() {
        assert_eq!(token("a\tb"), "`a\\tb`");
        let long = "x".repeat(100);
        assert_eq!(token(&long), format!("`{}…`", "x".repeat(40)));
    }
}
