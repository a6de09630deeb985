//! The value of a zone TXT record as SPF, DKIM and DMARC read it, with a map back to the file.
//!
//! A TXT record is one or more character strings (`"v=DKIM1\; k=rsa\; p=MIIB…" "…AQAB\;"`); the
//! SPF, DKIM and DMARC parsers read them concatenated without separators (RFC 7208 §3.3,
//! RFC 6376 §3.6.2.2, RFC 7489 §6.1). Their spans are byte offsets into that joined value, and a
//! finding must point into the zone file, so [`TxtText`] keeps, for every byte of the value, the
//! bytes of the file that wrote it: one byte for a plain character, two for `\;`, four for
//! `\065`; the quotes and the white space between strings write nothing.
//!
//! The map is computed by decoding each string's source text again with the zone file's escape
//! rules (`\DDD` is a decimal byte, `\X` is X). Decisions:
//! - A range that spans several strings maps to the file span from its first byte's source to its
//!   last byte's source, so it includes the quotes and white space between the strings.
//! - An empty range maps to an empty span where its position's byte was written (after the last
//!   byte's source at the end of the value).
//! - If a string's source does not decode to its bytes (a [`Txt`] built by hand, or read from
//!   another file), every byte of that string maps to the whole string as written: the map stays
//!   correct, only less precise.
//! - The bytes may be any bytes (`\200`); [`TxtText::text`] is a UTF-8 view with the same offsets,
//!   where each byte of an invalid sequence is U+001A, as in [`SourceFile`].

use crate::parse::zone::Txt;
use crate::source::{SourceFile, Span};
use std::ops::Range;

/// The joined value of a TXT record and the file span of each of its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxtText {
    /// The strings concatenated, escapes decoded, when they are not valid UTF-8 (then `text`
    /// differs from them); `None` when they are exactly `text`, as almost always: a large
    /// server has tens of thousands of TXT records, and a second copy of each is not free.
    raw: Option<Vec<u8>>,
    /// UTF-8 view of the bytes with identical offsets (bytes of invalid sequences are U+001A).
    text: String,
    /// Runs of value bytes, in value order, each written by a contiguous part of the file.
    runs: Vec<Run>,
    /// The range of the value each string gave, in order.
    strings: Vec<Range<usize>>,
    /// Where an empty value is (after the opening quote of the first string).
    empty_at: u32,
}

/// Value bytes `value..value+len` written at `src..src+src_len` of the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Run {
    value: u32,
    len: u32,
    src: u32,
    src_len: u32,
    /// Plain characters: byte k comes from file byte `src + k`. Otherwise every byte of the run
    /// comes from the whole `src..src+src_len` (an escape, or a string that could not be mapped).
    plain: bool,
}

impl Run {
    /// The file span of byte `k` of the run.
    fn byte_span(&self, k: u32) -> Span {
        if self.plain {
            Span::new((self.src + k) as usize, (self.src + k + 1) as usize)
        } else {
            Span::new(self.src as usize, (self.src + self.src_len) as usize)
        }
    }
}

impl TxtText {
    /// The joined value of `txt`, read from `src`, the file the record was parsed from.
    pub fn from_txt(txt: &Txt, src: &SourceFile) -> TxtText {
        let mut bytes = Vec::with_capacity(txt.strings.iter().map(|s| s.bytes.len()).sum());
        let mut runs = Vec::new();
        let mut strings = Vec::with_capacity(txt.strings.len());
        for s in &txt.strings {
            let start = bytes.len();
            let content = content_span(s.span, s.quoted, src);
            let mark = runs.len();
            let ok = map_string(src.bytes(), content, &s.bytes, start, &mut runs);
            if !ok {
                runs.truncate(mark);
                if !s.bytes.is_empty() {
                    let whole = if s.span.end as usize <= src.len() {
                        s.span
                    } else {
                        Span::default()
                    };
                    runs.push(Run {
                        value: start as u32,
                        len: s.bytes.len() as u32,
                        src: whole.start,
                        src_len: whole.len() as u32,
                        plain: false,
                    });
                }
            }
            bytes.extend_from_slice(&s.bytes);
            strings.push(start..bytes.len());
        }
        let empty_at = txt
            .strings
            .first()
            .map_or(0, |s| content_span(s.span, s.quoted, src).start);
        let text = text_view(&bytes);
        let raw = (text.as_bytes() != bytes.as_slice()).then_some(bytes);
        TxtText {
            raw,
            text,
            runs,
            strings,
            empty_at,
        }
    }

    /// The value as text, with the same offsets as [`TxtText::bytes`]; give it to the SPF, DKIM
    /// and DMARC parsers.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The strings concatenated, escapes decoded: what SPF, DKIM and DMARC read.
    pub fn bytes(&self) -> &[u8] {
        self.raw.as_deref().unwrap_or(self.text.as_bytes())
    }

    pub fn len(&self) -> usize {
        self.bytes().len()
    }

    pub fn is_empty(&self) -> bool {
        self.bytes().is_empty()
    }

    /// The value range given by each character string of the record, in order.
    pub fn string_ranges(&self) -> &[Range<usize>] {
        &self.strings
    }

    /// The index of the string that wrote value byte `offset`.
    pub fn string_index(&self, offset: usize) -> Option<usize> {
        self.strings.iter().position(|r| r.contains(&offset))
    }

    /// The span of the zone file that wrote the value bytes `range` (clamped to the value): from
    /// the source of its first byte to the end of the source of its last byte. An empty range
    /// gives an empty span where that position is written.
    pub fn file_span(&self, range: Range<usize>) -> Span {
        let len = self.bytes().len();
        let end = range.end.min(len);
        let start = range.start.min(end);
        if start == end {
            return match (start < len, len) {
                (true, _) => Span::at(self.byte_span(start).start as usize),
                (false, 0) => Span::at(self.empty_at as usize),
                (false, _) => Span::at(self.byte_span(len - 1).end as usize),
            };
        }
        let first = self.byte_span(start);
        let last = self.byte_span(end - 1);
        first.join(last)
    }

    /// [`TxtText::file_span`] of a span of the value (as the SPF, DKIM and DMARC parsers give).
    pub fn file_span_of(&self, span: Span) -> Span {
        self.file_span(span.range())
    }

    /// The file span of value byte `offset` (< len).
    fn byte_span(&self, offset: usize) -> Span {
        let i = self
            .runs
            .partition_point(|r| r.value as usize <= offset)
            .saturating_sub(1);
        match self.runs.get(i) {
            Some(run) if (run.value as usize) <= offset => {
                let k = (offset - run.value as usize) as u32;
                run.byte_span(k.min(run.len.saturating_sub(1)))
            }
            _ => Span::at(self.empty_at as usize),
        }
    }
}

/// The span of a string's content: without its quotes when quoted.
fn content_span(span: Span, quoted: bool, src: &SourceFile) -> Span {
    let bytes = src.bytes();
    if span.end as usize > bytes.len() || span.start > span.end {
        return Span::at(span.start.min(bytes.len() as u32) as usize);
    }
    if !quoted || span.is_empty() || bytes[span.start as usize] != b'"' {
        return span;
    }
    let end = if span.len() >= 2 && bytes[span.end as usize - 1] == b'"' {
        span.end - 1
    } else {
        span.end
    };
    Span {
        start: span.start + 1,
        end,
    }
}

/// Appends the runs of one string whose source is `content` and whose value is `value`, placed
/// at `at` in the joined value. Returns false when the source does not decode to `value`.
fn map_string(file: &[u8], content: Span, value: &[u8], at: usize, runs: &mut Vec<Run>) -> bool {
    let raw = &file[content.range()];
    let base = content.start as usize;
    let mut out = 0usize; // bytes of `value` matched so far
    let mut i = 0usize;
    while i < raw.len() {
        if raw[i] != b'\\' {
            let n = raw[i..]
                .iter()
                .position(|&b| b == b'\\')
                .unwrap_or(raw.len() - i);
            if value.get(out..out + n) != Some(&raw[i..i + n]) {
                return false;
            }
            runs.push(Run {
                value: (at + out) as u32,
                len: n as u32,
                src: (base + i) as u32,
                src_len: n as u32,
                plain: true,
            });
            out += n;
            i += n;
            continue;
        }
        let Some((byte, len)) = escape(raw, i) else {
            return false;
        };
        if value.get(out) != Some(&byte) {
            return false;
        }
        runs.push(Run {
            value: (at + out) as u32,
            len: 1,
            src: (base + i) as u32,
            src_len: len as u32,
            plain: false,
        });
        out += 1;
        i += len;
    }
    out == value.len()
}

/// The escape at `raw[i] == b'\\'`: `\DDD` (three digits, at most 255) or `\X`, as the zone
/// parser reads them. `None` for a malformed escape.
fn escape(raw: &[u8], i: usize) -> Option<(u8, usize)> {
    let next = *raw.get(i + 1)?;
    if !next.is_ascii_digit() {
        return Some((next, 2));
    }
    let digits = raw.get(i + 1..i + 4)?;
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let v = digits
        .iter()
        .fold(0u32, |v, d| v * 10 + u32::from(d - b'0'));
    u8::try_from(v).ok().map(|b| (b, 4))
}

/// A UTF-8 view of `bytes` with the same offsets (see [`crate::source::substitute_invalid_utf8`]).
fn text_view(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => crate::source::substitute_invalid_utf8(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::zone::{self, RData, TxtString};

    /// The TXT records of a zone text, with their joined values.
    fn txts(text: &str) -> (SourceFile, Vec<TxtText>) {
        let src = SourceFile::from_str("var/named/example.com.db", text);
        let z = zone::parse(&src, "example.com");
        let out = z
            .records()
            .filter_map(|r| match &r.data {
                RData::Txt(t) => Some(TxtText::from_txt(t, &src)),
                _ => None,
            })
            .collect();
        (src, out)
    }

    fn at(src: &SourceFile, span: Span) -> (String, String) {
        (
            src.line_col(span.start as usize).to_string(),
            src.slice(span).to_string(),
        )
    }

    #[test]
    fn cpanel_two_string_dkim_maps_escapes_and_crossings() {
        let line =
            "default._domainkey\t14400\tIN\tTXT\t\"v=DKIM1\\; k=rsa\\; p=MIIBIjAN\" \"QAB\\;\"\n";
        let (src, t) = txts(line);
        let t = &t[0];
        assert_eq!(t.text(), "v=DKIM1; k=rsa; p=MIIBIjANQAB;");
        assert_eq!(t.string_ranges(), &[0..26, 26..30]);
        // The first `;` is written `\;`, two bytes.
        let semi = t.text().find(';').unwrap();
        assert_eq!(
            at(&src, t.file_span(semi..semi + 1)),
            ("1:41".into(), "\\;".into())
        );
        // `k=rsa` sits after `v=DKIM1\; `.
        let k = t.text().find("k=rsa").unwrap();
        assert_eq!(
            at(&src, t.file_span(k..k + 5)),
            ("1:44".into(), "k=rsa".into())
        );
        // The key crosses the two strings: the span runs from `M` to the `B` of the second.
        let p = t.text().find("MIIB").unwrap();
        let (lc, s) = at(&src, t.file_span(p..t.len() - 1));
        assert_eq!(lc, "1:54");
        assert_eq!(s, "MIIBIjAN\" \"QAB");
        // The final `\;` and an empty range at the end.
        assert_eq!(src.slice(t.file_span(t.len() - 1..t.len())), "\\;");
        let end = t.file_span(t.len()..t.len());
        assert!(end.is_empty());
        assert_eq!(&line[end.start as usize..], "\"\n");
        // A range past the end is clamped.
        assert_eq!(t.file_span(0..1000), t.file_span(0..t.len()));
    }

    #[test]
    fn decimal_escapes_are_four_bytes() {
        let (src, t) = txts("@ TXT \"a\\065b\" c\\059d\n");
        let t = &t[0];
        assert_eq!(t.bytes(), b"aAbc;d");
        assert_eq!(src.slice(t.file_span(1..2)), "\\065");
        assert_eq!(src.slice(t.file_span(0..3)), "a\\065b");
        assert_eq!(src.slice(t.file_span(4..5)), "\\059");
        assert_eq!(src.slice(t.file_span(2..4)), "b\" c");
        assert_eq!(t.string_index(3), Some(1));
        assert_eq!(t.string_index(6), None);
    }

    #[test]
    fn bytes_that_are_not_utf8_keep_their_offsets() {
        let (_, t) = txts("@ TXT \"x\\200y\"\n");
        let t = &t[0];
        assert_eq!(t.bytes(), b"x\xc8y");
        assert_eq!(t.text().as_bytes(), b"x\x1ay");
    }

    #[test]
    fn empty_strings_map_to_where_they_are() {
        let (src, t) = txts("@ TXT \"\"\n");
        let t = &t[0];
        assert!(t.is_empty());
        let s = t.file_span(0..0);
        assert!(s.is_empty());
        assert_eq!(src.line_col(s.start as usize).column, 8);
        let (src, t) = txts("@ TXT \"ab\" \"\" \"c\"\n");
        assert_eq!(src.slice(t[0].file_span(1..3)), "b\" \"\" \"c");
    }

    #[test]
    fn a_string_that_does_not_match_its_source_maps_as_a_whole() {
        let src = SourceFile::from_str("x", "@ TXT \"abc\"\n");
        let txt = Txt {
            strings: vec![TxtString {
                span: Span::new(6, 11),
                bytes: b"xyz".to_vec(),
                quoted: true,
            }]
            .into(),
        };
        let t = TxtText::from_txt(&txt, &src);
        assert_eq!(src.slice(t.file_span(1..2)), "\"abc\"");
        // Spans outside the file do not panic.
        let txt = Txt {
            strings: vec![TxtString {
                span: Span::new(600, 700),
                bytes: b"xyz".to_vec(),
                quoted: true,
            }]
            .into(),
        };
        let t = TxtText::from_txt(&txt, &src);
        assert_eq!(t.file_span(0..3), Span::new(0, 0));
    }
}
