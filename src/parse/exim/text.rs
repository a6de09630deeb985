//! Text helpers shared by the layers: Exim's (C locale) character classes, text that remembers
//! where each byte came from, and Exim's quoted-string rules.

use super::Loc;
use crate::source::Span;

/// C `isspace` in the C locale: space, TAB, LF, VT, FF, CR.
pub fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r')
}

/// Index of the first byte of `s` at or after `from` that is not white space.
pub fn skip_space(s: &str, from: usize) -> usize {
    let b = s.as_bytes();
    let mut i = from.min(b.len());
    while i < b.len() && is_space(b[i]) {
        i += 1;
    }
    i
}

/// `s` without trailing white space.
pub fn trim_end(s: &str) -> &str {
    let b = s.as_bytes();
    let mut e = b.len();
    while e > 0 && is_space(b[e - 1]) {
        e -= 1;
    }
    &s[..e]
}

/// Index just past the name characters (`[A-Za-z0-9_]`) starting at `from`.
pub fn name_end(s: &str, from: usize) -> usize {
    let b = s.as_bytes();
    let mut i = from;
    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
        i += 1;
    }
    i
}

/// One run of a [`MappedText`]: `len` bytes starting at `at` in the text, copied from the source
/// (file offset `src`), or produced by a macro whose name occupied `src..end` in the source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Seg {
    at: u32,
    len: u32,
    file: u32,
    src: u32,
    /// `u32::MAX` for copied text; the end of the macro name for a macro replacement.
    macro_end: u32,
}

impl Seg {
    fn is_macro(&self) -> bool {
        self.macro_end != u32::MAX
    }
}

/// Text assembled from pieces of source files (and macro replacements) that can map any of its
/// byte ranges back to a [`Loc`]. Logical lines, macro-substituted physical lines and values are
/// all mapped texts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MappedText {
    text: String,
    segs: Vec<Seg>,
}

impl MappedText {
    /// A text copied verbatim from `file` at byte offset `src`.
    pub fn from_source(text: &str, file: usize, src: usize) -> MappedText {
        let mut m = MappedText::default();
        m.push_source(text, file, src);
        m
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn len(&self) -> usize {
        self.text.len()
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    pub fn push_source(&mut self, text: &str, file: usize, src: usize) {
        if text.is_empty() {
            return;
        }
        let at = self.text.len() as u32;
        if let Some(last) = self.segs.last_mut()
            && !last.is_macro()
            && last.file == file as u32
            && last.at + last.len == at
            && last.src + last.len == src as u32
        {
            last.len += text.len() as u32;
        } else {
            self.segs.push(Seg {
                at,
                len: text.len() as u32,
                file: file as u32,
                src: src as u32,
                macro_end: u32::MAX,
            });
        }
        self.text.push_str(text);
    }

    /// Appends text produced by a macro whose name was written at `name`.
    pub fn push_macro(&mut self, text: &str, name: Loc) {
        if text.is_empty() {
            return;
        }
        self.segs.push(Seg {
            at: self.text.len() as u32,
            len: text.len() as u32,
            file: name.file as u32,
            src: name.span.start,
            macro_end: name.span.end,
        });
        self.text.push_str(text);
    }

    /// Appends `other[range]` with its origins.
    pub fn push_mapped(&mut self, other: &MappedText, range: std::ops::Range<usize>) {
        if range.is_empty() {
            return;
        }
        let first = other.seg_index(range.start);
        for seg in &other.segs[first..] {
            let s_start = seg.at as usize;
            let s_end = s_start + seg.len as usize;
            if s_start >= range.end {
                break;
            }
            let a = s_start.max(range.start);
            let b = s_end.min(range.end);
            if a >= b {
                continue;
            }
            let piece = &other.text[a..b];
            if seg.is_macro() {
                self.push_macro(
                    piece,
                    Loc {
                        file: seg.file as usize,
                        span: Span {
                            start: seg.src,
                            end: seg.macro_end,
                        },
                    },
                );
            } else {
                let src = seg.src as usize + (a - s_start);
                self.push_source(piece, seg.file as usize, src);
            }
        }
    }

    /// The source spans of the pieces, in order (a macro replacement gives the span of its name).
    pub fn source_spans(&self) -> Vec<Span> {
        self.segs
            .iter()
            .map(|s| {
                let end = if s.is_macro() {
                    s.macro_end
                } else {
                    s.src + s.len
                };
                Span { start: s.src, end }
            })
            .collect()
    }

    /// Shortens the text to `len` bytes (a char boundary).
    pub fn truncate(&mut self, len: usize) {
        if len >= self.text.len() {
            return;
        }
        self.text.truncate(len);
        while let Some(last) = self.segs.last_mut() {
            let at = last.at as usize;
            if at >= len {
                self.segs.pop();
            } else {
                last.len = (len - at) as u32;
                break;
            }
        }
    }

    /// Removes trailing white space.
    pub fn trim_end(&mut self) {
        let l = trim_end(&self.text).len();
        self.truncate(l);
    }

    /// Index of the segment holding byte `off` (or the last one).
    fn seg_index(&self, off: usize) -> usize {
        match self.segs.binary_search_by(|s| s.at.cmp(&(off as u32))) {
            Ok(i) => i,
            Err(0) => 0,
            Err(i) => i - 1,
        }
    }

    /// File and source offset of the byte at `off` (the end of the text maps to the end of the
    /// last piece).
    pub fn start_pos(&self, off: usize) -> (usize, u32) {
        if self.segs.is_empty() {
            return (0, 0);
        }
        if off >= self.text.len() {
            return self.end_pos(self.text.len());
        }
        let seg = self.segs[self.seg_index(off)];
        if seg.is_macro() {
            (seg.file as usize, seg.src)
        } else {
            (seg.file as usize, seg.src + (off as u32 - seg.at))
        }
    }

    /// File and source offset just after the byte at `off - 1`.
    pub fn end_pos(&self, off: usize) -> (usize, u32) {
        if self.segs.is_empty() {
            return (0, 0);
        }
        if off == 0 {
            return self.start_pos(0);
        }
        let off = off.min(self.text.len());
        let seg = self.segs[self.seg_index(off - 1)];
        if seg.is_macro() {
            (seg.file as usize, seg.macro_end)
        } else {
            (seg.file as usize, seg.src + (off as u32 - seg.at))
        }
    }

    /// The first offset at or after `from` whose byte comes from `file` at or after source offset
    /// `src` (macro replacements count from the start of their name).
    pub fn first_from(&self, from: usize, file: usize, src: u32) -> Option<usize> {
        if from >= self.text.len() {
            return None;
        }
        for seg in &self.segs[self.seg_index(from)..] {
            let at = seg.at as usize;
            let end = at + seg.len as usize;
            if end <= from || seg.file as usize != file {
                continue;
            }
            if seg.is_macro() {
                if seg.src >= src {
                    return Some(at.max(from));
                }
                continue;
            }
            if seg.src + seg.len > src {
                let off = at + src.saturating_sub(seg.src) as usize;
                let off = off.max(from);
                if off < end {
                    return Some(off);
                }
            }
        }
        None
    }

    /// Where `range` of the text came from. A range that spans several files (an `.include` in
    /// the middle of a continued line) is cut at the end of its part in the first file.
    pub fn loc(&self, range: std::ops::Range<usize>) -> Loc {
        let (file, start) = self.start_pos(range.start);
        if range.is_empty() {
            return Loc {
                file,
                span: Span { start, end: start },
            };
        }
        let (efile, mut end) = self.end_pos(range.end);
        if efile != file || end < start {
            end = start;
            for seg in &self.segs[self.seg_index(range.start)..] {
                if seg.at as usize >= range.end {
                    break;
                }
                if seg.file as usize == file {
                    let e = if seg.is_macro() {
                        seg.macro_end
                    } else {
                        seg.src + seg.len
                    };
                    end = end.max(e);
                }
            }
        }
        Loc {
            file,
            span: Span { start, end },
        }
    }

    /// `self.as_str()[from..]` with every non-overlapping occurrence of `name` replaced by
    /// `value`, the replacement mapped to the occurrence; `None` when there is none.
    pub fn replace_all(&self, from: usize, name: &str, value: &str) -> Option<MappedText> {
        let hay = &self.text[from..];
        let mut matches = hay.match_indices(name).peekable();
        matches.peek()?;
        let mut out = MappedText::default();
        out.push_mapped(self, 0..from);
        let mut last = from;
        for (i, _) in matches {
            let p = from + i;
            out.push_mapped(self, last..p);
            let loc = self.loc(p..p + name.len());
            out.push_macro(value, loc);
            last = p + name.len();
        }
        out.push_mapped(self, last..self.text.len());
        Some(out)
    }
}

/// The result of reading a string the way Exim's `string_dequote` does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dequoted {
    /// The string: escapes processed when it was quoted, else the text up to white space.
    pub value: String,
    /// Byte offset just after what was read (after the closing quote, if any).
    pub end: usize,
    /// Whether the string started with `"`.
    pub quoted: bool,
}

/// Reads a string at the start of `s`: a double-quoted string (escapes `\\ \n \r \t \b \f \v`,
/// `\ooo`, `\xhh`, `\<any>`), or the text up to the first white space.
pub fn dequote(s: &str) -> Dequoted {
    let b = s.as_bytes();
    if b.first() != Some(&b'"') {
        let mut e = 0;
        while e < b.len() && !is_space(b[e]) {
            e += 1;
        }
        return Dequoted {
            value: s[..e].to_string(),
            end: e,
            quoted: false,
        };
    }
    let mut out = Vec::new();
    let mut i = 1;
    while i < b.len() && b[i] != b'"' {
        if b[i] == b'\\' {
            let (ch, last) = interpret_escape(b, i);
            out.push(ch);
            i = last + 1;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    if i < b.len() {
        i += 1;
    }
    Dequoted {
        value: String::from_utf8_lossy(&out).into_owned(),
        end: i,
        quoted: true,
    }
}

/// Interprets the escape whose backslash is at `b[i]`; returns the byte and the index of the
/// last byte consumed. A backslash at the very end stands for itself.
pub fn interpret_escape(b: &[u8], i: usize) -> (u8, usize) {
    let Some(&c) = b.get(i + 1) else {
        return (b'\\', i);
    };
    let mut p = i + 1;
    let is_oct = |x: Option<&u8>| matches!(x, Some(b'0'..=b'7'));
    if is_oct(Some(&c)) {
        let mut v = (c - b'0') as u32;
        if is_oct(b.get(p + 1)) {
            p += 1;
            v = v * 8 + (b[p] - b'0') as u32;
            if is_oct(b.get(p + 1)) {
                p += 1;
                v = v * 8 + (b[p] - b'0') as u32;
            }
        }
        return ((v & 0xFF) as u8, p);
    }
    let ch = match c {
        b'b' => 0x08,
        b'f' => 0x0C,
        b'n' => b'\n',
        b'r' => b'\r',
        b't' => b'\t',
        b'v' => 0x0B,
        b'x' => {
            let mut v: u32 = 0;
            let hex = |x: Option<&u8>| x.and_then(|c| (*c as char).to_digit(16));
            if let Some(d) = hex(b.get(p + 1)) {
                p += 1;
                v = d;
                if let Some(d) = hex(b.get(p + 1)) {
                    p += 1;
                    v = v * 16 + d;
                }
            }
            v as u8
        }
        other => other,
    };
    (ch, p)
}

/// How a value read like a string option (`read_string` in Exim) is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StringProblem {
    /// The quoted string has no closing quote.
    MissingQuote,
    /// Something follows the closing quote, from this byte offset.
    ExtraCharacters(usize),
}

/// Reads a string option value (the rest of a logical line): returns the value (dequoted when it
/// starts with `"`) and the problem Exim would reject, if any.
pub fn read_string(v: &str) -> (String, bool, Option<StringProblem>) {
    if !v.starts_with('"') {
        return (v.to_string(), false, None);
    }
    let d = dequote(v);
    let b = v.as_bytes();
    let problem = if d.end == 1 || b[d.end - 1] != b'"' {
        Some(StringProblem::MissingQuote)
    } else if d.end < v.len() {
        Some(StringProblem::ExtraCharacters(d.end))
    } else {
        None
    };
    (d.value, true, problem)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_follow_exim() {
        let d = dequote(r#""banner #ESMTP \x41\101 \"q\" \\ \t\z" tail"#);
        assert_eq!(d.value, "banner #ESMTP AA \"q\" \\ \tz");
        assert!(d.quoted);
        assert_eq!(
            &r#""banner #ESMTP \x41\101 \"q\" \\ \t\z" tail"#[d.end..],
            " tail"
        );
        assert_eq!(dequote("plain text").value, "plain");
        assert_eq!(dequote(r#""\x""#).value, "\0");
        assert_eq!(dequote(r#""\777""#).value.as_bytes(), "\u{FFFD}".as_bytes());
    }

    #[test]
    fn read_string_problems() {
        assert_eq!(read_string("abc \"x\""), ("abc \"x\"".into(), false, None));
        assert_eq!(read_string("\"\""), (String::new(), true, None));
        assert_eq!(read_string("\"").2, Some(StringProblem::MissingQuote));
        assert_eq!(read_string("\"abc").2, Some(StringProblem::MissingQuote));
        assert_eq!(read_string("\"abc\\").2, Some(StringProblem::MissingQuote));
        // An escaped quote at the very end passes Exim's check (the last byte read is a quote).
        assert_eq!(read_string("\"abc\\\""), ("abc\"".into(), true, None));
        assert_eq!(
            read_string("\"XXXX\" and junk").2,
            Some(StringProblem::ExtraCharacters(6))
        );
    }

    #[test]
    fn mapped_text_maps_back() {
        let mut m = MappedText::from_source("abc", 0, 10);
        m.push_source("def", 0, 20);
        assert_eq!(m.as_str(), "abcdef");
        assert_eq!(m.loc(1..5).span, Span { start: 11, end: 22 });
        let r = m.replace_all(0, "cd", "XYZW").unwrap();
        assert_eq!(r.as_str(), "abXYZWef");
        // The replacement maps to the macro name, which spans both pieces.
        assert_eq!(r.loc(3..4).span, Span { start: 12, end: 21 });
        assert_eq!(r.loc(6..8).span, Span { start: 21, end: 23 });
        let mut t = r.clone();
        t.truncate(4);
        assert_eq!(t.as_str(), "abXY");
        assert_eq!(t.loc(0..4).span, Span { start: 10, end: 21 });
    }
}
