//! Text from the tree, made safe to print (PRODUCT.md "Output").
//!
//! File names under account homes, domain and mailbox names, record contents and source lines
//! are written by account owners. Printed as they are, a newline in a maildir name would forge a
//! finding line, and an escape sequence would reach root's terminal. Every text report therefore
//! prints tree text through this module, at render time, never in the rules:
//!
//! - [`Esc`] / [`line`]: text that stands on one line (messages, paths, labels, notes, fix
//!   descriptions): every character of [`is_unsafe`] becomes a visible escape.
//! - [`block`]: text of several lines (fix contents, error messages): the same, except that `\n`
//!   and `\t` stay (they lay the text out; annotate-snippets turns tabs into spaces).
//! - [`source`]: an excerpt of a file shown as a snippet, like [`block`], with a map from the
//!   original byte offsets to the escaped ones so that underlines still point at the right text,
//!   and with the original byte of an invalid UTF-8 sequence shown as `\xHH`.
//! - [`json_pretty`] / [`json_compact`]: JSON whose strings hold the same text, but with the
//!   characters of [`is_unsafe`] written as `\uXXXX` escapes (serde_json escapes only U+0000 to
//!   U+001F): a JSON report shown on a terminal carries no raw control or bidi character either.
//!
//! What is escaped, and how it looks:
//!
//! | characters | shown as |
//! |---|---|
//! | `\n`, `\r`, `\t` | `\n`, `\r`, `\t` |
//! | other C0 controls (U+0000–U+001F) and DEL (U+007F) | `\x1b`, `\x7f`, … |
//! | C1 controls (U+0080–U+009F; U+009B is a one-byte CSI for some terminals) | `\u{9b}`, … |
//! | bidirectional controls: U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069 | `\u{202e}`, … |
//! | line and paragraph separators U+2028, U+2029, and the byte-order mark U+FEFF | `\u{2028}`, … |
//!
//! The bidirectional controls are escaped because they reorder what a terminal shows (the
//! "Trojan Source" trick): a domain could be made to read as another. Backslashes are not
//! doubled: the escapes make hostile text visible and harmless, they are not meant to be decoded.
//! Colour escapes that maillint itself writes (only on a terminal) are added after this step.

use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::io;

use serde::Serialize;

/// Whether a character must never reach the output raw.
pub fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{61c}'
        | '\u{200e}'
        | '\u{200f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}'
        | '\u{2028}'
        | '\u{2029}'
        | '\u{feff}')
}

/// Writes the visible escape of an unsafe character.
fn write_escape(out: &mut impl fmt::Write, c: char) -> fmt::Result {
    match c {
        '\n' => out.write_str("\\n"),
        '\r' => out.write_str("\\r"),
        '\t' => out.write_str("\\t"),
        '\u{0}'..='\u{1f}' | '\u{7f}' => write!(out, "\\x{:02x}", c as u32),
        _ => write!(out, "\\u{{{:x}}}", c as u32),
    }
}

/// Whether some character of `s` needs escaping (with `keep_layout`, `\n` and `\t` do not).
fn needs_escape(s: &str, keep_layout: bool) -> bool {
    // Fast path: printable ASCII needs nothing.
    s.bytes().any(|b| !(0x20..0x7f).contains(&b))
        && s.chars()
            .any(|c| is_unsafe(c) && !(keep_layout && (c == '\n' || c == '\t')))
}

fn escape(s: &str, keep_layout: bool) -> Cow<'_, str> {
    if !needs_escape(s, keep_layout) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if is_unsafe(c) && !(keep_layout && (c == '\n' || c == '\t')) {
            let _ = write_escape(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// One-line text from the tree, escaped when displayed: `format!("{}", Esc(name))`.
#[derive(Clone, Copy, Debug)]
pub struct Esc<'a>(pub &'a str);

impl fmt::Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !needs_escape(self.0, false) {
            return f.write_str(self.0);
        }
        let mut rest = self.0;
        while let Some((i, c)) = rest.char_indices().find(|&(_, c)| is_unsafe(c)) {
            f.write_str(&rest[..i])?;
            write_escape(f, c)?;
            rest = &rest[i + c.len_utf8()..];
        }
        f.write_str(rest)
    }
}

/// One-line text from the tree, escaped (borrowed when nothing needs it).
pub fn line(s: &str) -> Cow<'_, str> {
    escape(s, false)
}

/// Text of several lines, escaped except for its line breaks and tabs.
pub fn block(s: &str) -> Cow<'_, str> {
    escape(s, true)
}

/// An escaped excerpt of a file, with its offset map.
#[derive(Debug)]
pub struct Source<'a> {
    pub text: Cow<'a, str>,
    /// For each byte offset of the original text (and its end), the offset in `text`; `None`
    /// when nothing was escaped (offsets are the same).
    map: Option<Vec<usize>>,
}

impl Source<'_> {
    /// Where an offset of the original text is in the escaped text.
    pub fn offset(&self, original: usize) -> usize {
        match &self.map {
            Some(map) => map[original.min(map.len() - 1)],
            None => original,
        }
    }

    pub fn range(&self, r: std::ops::Range<usize>) -> std::ops::Range<usize> {
        self.offset(r.start)..self.offset(r.end)
    }
}

/// Escapes an excerpt of a file for a snippet: like [`block`], keeping `\n` and `\t`. `raw` is
/// the file's original bytes at the same offsets when the file was not valid UTF-8 (the text
/// view then holds U+001A for each byte of an invalid sequence; the original byte is shown as
/// `\xHH` instead).
pub fn source<'a>(text: &'a str, raw: Option<&[u8]>) -> Source<'a> {
    if !needs_escape(text, true) {
        return Source {
            text: Cow::Borrowed(text),
            map: None,
        };
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut map = Vec::with_capacity(text.len() + 1);
    for (i, c) in text.char_indices() {
        let at = out.len();
        map.extend(std::iter::repeat_n(at, c.len_utf8()));
        if !is_unsafe(c) || c == '\n' || c == '\t' {
            out.push(c);
            continue;
        }
        match raw.and_then(|r| r.get(i)) {
            Some(&b)
                if c == crate::source::SUBSTITUTE as char && b != crate::source::SUBSTITUTE =>
            {
                let _ = write!(out, "\\x{b:02x}");
            }
            _ => {
                let _ = write_escape(&mut out, c);
            }
        }
    }
    map.push(out.len());
    Source {
        text: Cow::Owned(out),
        map: Some(map),
    }
}

/// Bytes meant for a program (the unified diff of `--dry-run`), escaped for a human instead:
/// used only when they go to a terminal. Like [`block`]; bytes of invalid UTF-8 sequences are
/// shown as `\xHH`.
pub fn terminal_bytes(bytes: &[u8]) -> Cow<'_, [u8]> {
    let clean = std::str::from_utf8(bytes).is_ok_and(|s| !needs_escape(s, true));
    if clean {
        return Cow::Borrowed(bytes);
    }
    let mut out = String::with_capacity(bytes.len() + 16);
    for chunk in bytes.utf8_chunks() {
        out.push_str(&block(chunk.valid()));
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    Cow::Owned(out.into_bytes())
}

/// A serde_json formatter that also writes the characters of [`is_unsafe`] as `\uXXXX` (the
/// JSON value is the same; only its bytes change), around the pretty or compact formatter.
struct SafeJson<F>(F);

impl<F: serde_json::ser::Formatter> serde_json::ser::Formatter for SafeJson<F> {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut rest = fragment;
        while let Some((i, c)) = rest.char_indices().find(|&(_, c)| is_unsafe(c)) {
            writer.write_all(&rest.as_bytes()[..i])?;
            // Every unsafe character is in the Basic Multilingual Plane.
            write!(writer, "\\u{:04x}", c as u32)?;
            rest = &rest[i + c.len_utf8()..];
        }
        writer.write_all(rest.as_bytes())
    }

    fn begin_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_array(writer)
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array(writer)
    }

    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(writer, first)
    }

    fn end_array_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array_value(writer)
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object(writer)
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object(writer)
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(writer, first)
    }

    fn end_object_key<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object_key(writer)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object_value(writer)
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object_value(writer)
    }
}

/// Writes a value as indented JSON (as `serde_json::to_writer_pretty`), with the characters of
/// [`is_unsafe`] escaped.
pub fn json_pretty<T: Serialize + ?Sized>(out: &mut dyn io::Write, value: &T) -> io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(
        out,
        SafeJson(serde_json::ser::PrettyFormatter::new()),
    );
    value.serialize(&mut ser).map_err(io::Error::from)
}

/// Writes a value as JSON on one line (as `serde_json::to_writer`), with the characters of
/// [`is_unsafe`] escaped.
pub fn json_compact<T: Serialize + ?Sized>(out: &mut dyn io::Write, value: &T) -> io::Result<()> {
    let mut ser =
        serde_json::Serializer::with_formatter(out, SafeJson(serde_json::ser::CompactFormatter));
    value.serialize(&mut ser).map_err(io::Error::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_become_visible_escapes() {
        assert_eq!(line("plain.example.com"), "plain.example.com");
        assert!(matches!(line("plain"), Cow::Borrowed(_)));
        assert_eq!(line("a\nb\rc\td"), "a\\nb\\rc\\td");
        assert_eq!(line("\u{1b}]0;pwned\u{7}"), "\\x1b]0;pwned\\x07");
        assert_eq!(line("\u{0}\u{7f}"), "\\x00\\x7f");
        assert_eq!(line("\u{9b}31m"), "\\u{9b}31m");
        assert_eq!(line("abc\u{202e}gpj.exe"), "abc\\u{202e}gpj.exe");
        assert_eq!(
            line("\u{2066}\u{2069}\u{200e}\u{61c}\u{2028}\u{feff}"),
            "\\u{2066}\\u{2069}\\u{200e}\\u{61c}\\u{2028}\\u{feff}"
        );
        // Letters of other scripts, and other Unicode, stay as they are.
        assert_eq!(line("bücher.example ☃ \u{a0}"), "bücher.example ☃ \u{a0}");
        assert_eq!(format!("{}", Esc("x\ny\u{1b}")), "x\\ny\\x1b");
        assert_eq!(format!("{}", Esc("fine")), "fine");
    }

    #[test]
    fn blocks_keep_their_line_breaks_and_tabs() {
        assert_eq!(block("a\tb\nc\r\n\u{1b}[2J"), "a\tb\nc\\r\n\\x1b[2J");
    }

    #[test]
    fn source_maps_offsets_through_the_escapes() {
        let text = "ab\u{1b}cd\r\nef";
        let s = source(text, None);
        assert_eq!(s.text, "ab\\x1bcd\\r\nef");
        // `c` is at 3 in the original, after the 4-character escape in the result.
        assert_eq!(&s.text[s.range(3..5)], "cd");
        assert_eq!(&s.text[s.range(2..3)], "\\x1b");
        assert_eq!(&s.text[s.range(7..9)], "ef");
        assert_eq!(s.offset(text.len()), s.text.len());
        let clean = source("abc\n", None);
        assert_eq!(clean.range(1..2), 1..2);
    }

    #[test]
    fn source_shows_the_original_byte_of_invalid_utf8() {
        let src = crate::source::SourceFile::new("f", b"a\xffb\x1ac".to_vec());
        let s = source(src.text(), Some(src.bytes()));
        assert_eq!(s.text, "a\\xffb\\x1ac");
    }

    #[test]
    fn terminal_bytes_escape_controls_and_invalid_utf8() {
        assert_eq!(&*terminal_bytes(b"+a\tb\n"), b"+a\tb\n");
        assert_eq!(
            &*terminal_bytes(b"+a\x1b[2J\xff\r\n"),
            b"+a\\x1b[2J\\xff\\r\n"
        );
    }

    #[test]
    fn json_escapes_what_serde_leaves_raw_and_keeps_the_value() {
        let text = "a\u{1b}b\u{7f}c\u{9b}d\u{202e}e\"f\\g\nh";
        let mut out = Vec::new();
        json_compact(&mut out, &serde_json::json!({"m": text})).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert!(!s.chars().any(is_unsafe), "{s:?}");
        assert_eq!(
            s, r#"{"m":"a\u001bb\u007fc\u009bd\u202ee\"f\\g\nh"}"#,
            "{s}"
        );
        let back: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back["m"], text);
        // The pretty form is the one serde_json writes.
        let v = serde_json::json!({"a": [1, {"b": "c"}], "d": {}});
        let mut out = Vec::new();
        json_pretty(&mut out, &v).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            serde_json::to_string_pretty(&v).unwrap()
        );
    }
}
