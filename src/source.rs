//! Source files and byte spans.
//!
//! Every parser works on a [`SourceFile`]: the file's bytes, a UTF-8 view of them with identical
//! byte offsets, and a line index. Nodes of parsed documents carry [`Span`]s (byte ranges into the
//! file), so every node knows its line and column and every fix is an edit of the original bytes.
//!
//! Files that are not valid UTF-8 (a Latin-1 comment in an Exim configuration, a binary file where
//! a text file was expected) are still parsed: each byte of an invalid sequence is replaced in the
//! text view by U+001A (SUBSTITUTE), a single byte, so offsets stay the same and the grammar sees a
//! character that is valid nowhere except in free text. The original bytes are kept, and rendering
//! a document back uses them, so the round trip is byte-exact for any input.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::sync::{Arc, OnceLock};

/// A byte range `[start, end)` within one source file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        debug_assert!(start <= end, "span start {start} after end {end}");
        Span {
            start: start as u32,
            end: end as u32,
        }
    }

    /// An empty span at `offset`.
    pub fn at(offset: usize) -> Span {
        Span::new(offset, offset)
    }

    pub fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }

    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// The smallest span covering both.
    pub fn join(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// This span shifted right by `offset` bytes (for spans computed on a slice).
    pub fn offset(self, offset: usize) -> Span {
        Span::new(self.start as usize + offset, self.end as usize + offset)
    }

    pub fn from_pest(span: pest::Span<'_>) -> Span {
        Span::new(span.start(), span.end())
    }
}

impl From<Range<usize>> for Span {
    fn from(r: Range<usize>) -> Span {
        Span::new(r.start, r.end)
    }
}

/// A 1-based line and column. Columns count Unicode scalar values, like ruff and rustc.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for LineCol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// One file as read from the server tree.
#[derive(Clone)]
pub struct SourceFile {
    /// Path relative to the root, with `/` separators (what every report shows).
    path: Arc<str>,
    /// UTF-8 view with the same byte offsets as `raw`.
    text: String,
    /// The original bytes when they differ from `text` (invalid UTF-8 was substituted).
    raw: Option<Vec<u8>>,
    /// Byte offset of the start of every line (the first is 0). Built on first use: most files
    /// of a large server are never shown in a report, and the index of them all is megabytes.
    line_starts: OnceLock<Vec<u32>>,
}

/// The byte that stands in the text view for each byte of an invalid UTF-8 sequence.
pub const SUBSTITUTE: u8 = 0x1A;

impl fmt::Debug for SourceFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SourceFile")
            .field("path", &self.path)
            .field("len", &self.text.len())
            .finish()
    }
}

impl SourceFile {
    /// Builds a source file from bytes. Never fails: invalid UTF-8 is substituted byte for byte.
    pub fn new(path: impl Into<String>, bytes: Vec<u8>) -> SourceFile {
        let (text, raw) = match String::from_utf8(bytes) {
            Ok(text) => (text, None),
            Err(e) => {
                let bytes = e.into_bytes();
                let text = substitute_invalid_utf8(&bytes);
                (text, Some(bytes))
            }
        };
        SourceFile {
            path: Arc::from(path.into()),
            text,
            raw,
            line_starts: OnceLock::new(),
        }
    }

    fn line_starts(&self) -> &[u32] {
        self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(memchr_iter(b'\n', self.text.as_bytes()).map(|i| (i + 1) as u32))
                .collect()
        })
    }

    /// Convenience for tests and synthetic inputs.
    pub fn from_str(path: impl Into<String>, text: &str) -> SourceFile {
        SourceFile::new(path, text.as_bytes().to_vec())
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    /// The path, shared (maps keyed by path hold this instead of a copy).
    pub fn shared_path(&self) -> Arc<str> {
        self.path.clone()
    }

    /// The text view (byte offsets identical to [`SourceFile::bytes`]).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The original bytes.
    pub fn bytes(&self) -> &[u8] {
        match &self.raw {
            Some(raw) => raw,
            None => self.text.as_bytes(),
        }
    }

    /// Whether the file was not valid UTF-8.
    pub fn had_invalid_utf8(&self) -> bool {
        self.raw.is_some()
    }

    pub fn len(&self) -> usize {
        self.text.len()
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// The text of a span (in the text view).
    pub fn slice(&self, span: Span) -> &str {
        &self.text[span.range()]
    }

    /// The original bytes of a span.
    pub fn slice_bytes(&self, span: Span) -> &[u8] {
        &self.bytes()[span.range()]
    }

    /// Number of lines; a final line without a newline counts, an empty last line after a final
    /// newline does not.
    pub fn line_count(&self) -> usize {
        if let Some(starts) = self.line_starts.get() {
            let n = starts.len();
            return if *starts.last().unwrap() as usize == self.text.len() {
                n - 1
            } else {
                n
            };
        }
        let newlines = memchr_iter(b'\n', self.text.as_bytes()).count();
        if self.text.is_empty() || self.text.ends_with('\n') {
            newlines
        } else {
            newlines + 1
        }
    }

    /// 0-based line index of a byte offset.
    pub fn line_index(&self, offset: usize) -> usize {
        match self.line_starts().binary_search(&(offset as u32)) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    /// 1-based line and column of a byte offset (clamped to the end of the file).
    pub fn line_col(&self, offset: usize) -> LineCol {
        let offset = offset.min(self.text.len());
        let line = self.line_index(offset);
        let start = self.line_starts()[line] as usize;
        let mut start_char = start;
        while !self.text.is_char_boundary(start_char) {
            start_char += 1;
        }
        let mut end_char = offset;
        while !self.text.is_char_boundary(end_char) {
            end_char -= 1;
        }
        let column = if end_char > start_char {
            self.text[start_char..end_char].chars().count() + 1
        } else {
            1
        };
        LineCol {
            line: line + 1,
            column,
        }
    }

    /// Byte offset of a 1-based line and column; `None` when out of range.
    pub fn offset_of(&self, lc: LineCol) -> Option<usize> {
        let start = *self.line_starts().get(lc.line.checked_sub(1)?)? as usize;
        let line_end = self.line_end(lc.line - 1);
        let mut offset = start;
        for _ in 1..lc.column {
            let c = self.text[offset..].chars().next()?;
            offset += c.len_utf8();
            if offset > line_end + 1 {
                return None;
            }
        }
        Some(offset.min(self.text.len()))
    }

    /// Span of a 0-based line, without its line terminator.
    pub fn line_span(&self, line: usize) -> Span {
        let start = self.line_starts()[line] as usize;
        Span::new(start, self.line_end(line))
    }

    /// Span of a 0-based line including its `\n`, if any.
    pub fn line_span_with_newline(&self, line: usize) -> Span {
        let start = self.line_starts()[line] as usize;
        let end = self
            .line_starts()
            .get(line + 1)
            .map(|&e| e as usize)
            .unwrap_or(self.text.len());
        Span::new(start, end)
    }

    /// Text of a 0-based line without `\n` (a `\r` before it is kept).
    pub fn line_text(&self, line: usize) -> &str {
        self.slice(self.line_span(line))
    }

    fn line_end(&self, line: usize) -> usize {
        match self.line_starts().get(line + 1) {
            Some(&next) => next as usize - 1,
            None => self.text.len(),
        }
    }
}

/// A UTF-8 string with the same byte offsets as `bytes`: each byte of an invalid sequence is
/// replaced by [`SUBSTITUTE`].
pub fn substitute_invalid_utf8(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                out.extend_from_slice(s.as_bytes());
                break;
            }
            Err(e) => {
                let valid = e.valid_up_to();
                out.extend_from_slice(&rest[..valid]);
                let bad = e.error_len().unwrap_or(rest.len() - valid);
                out.extend(std::iter::repeat_n(SUBSTITUTE, bad));
                rest = &rest[valid + bad..];
            }
        }
    }
    debug_assert_eq!(out.len(), bytes.len());
    String::from_utf8(out).expect("substituted text is UTF-8")
}

fn memchr_iter(needle: u8, haystack: &[u8]) -> impl Iterator<Item = usize> + '_ {
    haystack
        .iter()
        .enumerate()
        .filter(move |&(_, &b)| b == needle)
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one() {
        let f = SourceFile::from_str("x", "ab\ncd\n\nef");
        assert_eq!(f.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(f.line_col(1), LineCol { line: 1, column: 2 });
        assert_eq!(f.line_col(2), LineCol { line: 1, column: 3 });
        assert_eq!(f.line_col(3), LineCol { line: 2, column: 1 });
        assert_eq!(f.line_col(6), LineCol { line: 3, column: 1 });
        assert_eq!(f.line_col(9), LineCol { line: 4, column: 3 });
        assert_eq!(f.line_count(), 4);
        assert_eq!(f.line_text(1), "cd");
        assert_eq!(f.offset_of(LineCol { line: 2, column: 2 }), Some(4));
    }

    #[test]
    fn columns_count_characters() {
        let f = SourceFile::from_str("x", "é=1\n");
        assert_eq!(f.line_col(2), LineCol { line: 1, column: 2 });
    }

    #[test]
    fn invalid_utf8_keeps_offsets_and_bytes() {
        let bytes = b"ok\n\xc4x\xff\n".to_vec();
        let f = SourceFile::new("x", bytes.clone());
        assert!(f.had_invalid_utf8());
        assert_eq!(f.len(), bytes.len());
        assert_eq!(f.bytes(), &bytes[..]);
        assert_eq!(f.text().as_bytes()[3], SUBSTITUTE);
        assert_eq!(f.line_text(1), "\u{1a}x\u{1a}");
    }

    #[test]
    fn line_count_ignores_final_newline() {
        assert_eq!(SourceFile::from_str("x", "").line_count(), 0);
        assert_eq!(SourceFile::from_str("x", "a\n").line_count(), 1);
        assert_eq!(SourceFile::from_str("x", "a\nb").line_count(), 2);
    }
}

/// A place in a file: its display path and a byte span (possibly empty).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Loc {
    pub file: String,
    pub span: Span,
}

impl Loc {
    pub fn new(file: impl Into<String>, span: Span) -> Loc {
        Loc {
            file: file.into(),
            span,
        }
    }

    /// The start of a file (for findings about a file as a whole).
    pub fn file_start(file: impl Into<String>) -> Loc {
        Loc::new(file, Span::at(0))
    }
}

/// The files a run read, by display path, so reports can show line, column and source text.
#[derive(Clone, Debug, Default)]
pub struct Files {
    files: BTreeMap<Arc<str>, Arc<SourceFile>>,
    /// Files whose text must never be shown (mail `shadow` files hold password hashes).
    sensitive: std::collections::BTreeSet<String>,
}

impl Files {
    pub fn new() -> Files {
        Files::default()
    }

    pub fn insert(&mut self, file: Arc<SourceFile>) {
        self.files.insert(file.shared_path(), file);
    }

    pub fn get(&self, path: &str) -> Option<&Arc<SourceFile>> {
        self.files.get(path)
    }

    /// Marks a file whose contents reports must not show.
    pub fn mark_sensitive(&mut self, path: &str) {
        self.sensitive.insert(path.to_string());
    }

    pub fn is_sensitive(&self, path: &str) -> bool {
        self.sensitive.contains(path)
    }

    /// A file whose text may be shown in a report.
    pub fn showable(&self, path: &str) -> Option<&Arc<SourceFile>> {
        if self.is_sensitive(path) {
            None
        } else {
            self.files.get(path)
        }
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<SourceFile>> {
        self.files.values()
    }

    /// Line and column of a location; `1:1` when the file is unknown (a file that does not exist
    /// yet, such as one a fix creates).
    pub fn line_col(&self, loc: &Loc) -> LineCol {
        self.line_col_at(&loc.file, loc.span.start as usize)
    }

    pub fn line_col_at(&self, file: &str, offset: usize) -> LineCol {
        match self.files.get(file) {
            Some(f) => f.line_col(offset),
            None => LineCol { line: 1, column: 1 },
        }
    }
}
