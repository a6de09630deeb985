//! DKIM key records (RFC 6376 §3.6.1), and the tag-list syntax (§3.2) DMARC shares.
//!
//! A key record is the joined value of the TXT record at `selector._domainkey.domain`, cPanel's
//! being `default._domainkey`: `v=DKIM1; k=rsa; p=MIIBIjANBgkq…`. A tag-list is `name=value`
//! tag-specs separated by `;`, with an optional `;` at the end; white space (folding white space
//! included) is allowed around names, `=` and values; names are case-sensitive; a value is
//! visible ASCII except `;`, with white space only inside. Tags of a key record: `v` (`DKIM1`,
//! first if present), `h` (hash algorithms), `k` (key type: `rsa`, `ed25519`), `n` (notes), `p`
//! (the public key in base64, white space ignored; empty when the key is revoked), `s` (service
//! types) and `t` (flags `y` testing, `s` strict). Unknown tags are kept. Grammar:
//! `grammar/dkim.pest`.
//!
//! [`parse`] never fails: problems are [`SyntaxError`]s in [`DkimKey::errors`]: a part without
//! `=`, a bad tag name or value character, an empty part (`;;`), a repeated tag (RFC 6376 §3.2
//! makes the whole list invalid), `v` not first or not `DKIM1`, bad base64 in `p` (at the
//! offending character), a missing `p`. Spans are byte offsets into the record's text;
//! [`crate::parse::txt::TxtText`] maps them to the zone file. The parts and semicolons tile the
//! text, so [`DkimKey::render`] gives it back byte for byte. The grammar checks `p=` and
//! places its errors; [`crate::base64::decode`] decodes it and [`crate::der`] reads the key.
//!
//! Decisions where the RFC is silent:
//! - White space after the final `;` is accepted (the ABNF has none there; verifiers strip it).
//! - An empty `h=`, `s=` or `t=` is read as no values, not an error (verifiers ignore it); an
//!   empty item between two `:` is an error.
//! - Unknown values of `h`, `k`, `s`, `t` are kept, not errors (RFC 6376 says to ignore them);
//!   a rule decides what an unknown key type means.
//! - Base64 must be whole 4-character groups (with `=` padding): an odd length is reported,
//!   since it means part of the key was lost.
//! - The record is read as it is: a split record that lost its quoting in the zone file reads
//!   as whatever its joined strings say (see [`crate::parse::zone::Txt::malformed`]).

use crate::parse::cross::cross_check;
use crate::parse::{Lossless, SyntaxError, describe_char};
use crate::source::Span;
use pest::Parser;
use std::collections::HashSet;

#[derive(pest_derive::Parser)]
#[grammar = "grammar/dkim.pest"]
struct DkimParser;

/// A tag-list (RFC 6376 §3.2): the syntax of DKIM key records and DMARC records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagList {
    /// The parts between semicolons, in order (at least one, maybe blank).
    pub parts: Vec<TagPart>,
    /// The semicolons.
    pub semicolons: Vec<Span>,
    /// Problems of the list as a whole: empty parts, repeated tags.
    list_errors: Vec<SyntaxError>,
}

/// The text between two semicolons (or an end).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagPart {
    pub span: Span,
    pub kind: PartKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PartKind {
    Tag(Tag),
    /// Empty or white space only: after a final `;` (allowed), or `;;` (reported).
    Blank,
    /// Not a `name=value` tag-spec.
    Invalid(SyntaxError),
}

/// A `name=value` tag-spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tag {
    /// As written (tag names are case-sensitive).
    pub name: String,
    pub name_span: Span,
    pub equals: Span,
    /// The value without the white space around it (empty, after the `=`, when there is none).
    pub value: Span,
}

impl Tag {
    /// From the name to the end of the value.
    pub fn span(&self) -> Span {
        self.name_span.join(self.value)
    }
}

impl TagList {
    /// `text` (the value the list was read from) rebuilt from the list's pieces: the input,
    /// byte for byte.
    pub fn render(&self, text: &str) -> String {
        self.pieces()
            .into_iter()
            .map(|s| text.get(s.range()).unwrap_or(""))
            .collect()
    }

    /// The tag-specs, in order (repeated ones included).
    pub fn tags(&self) -> impl Iterator<Item = &Tag> {
        self.parts.iter().filter_map(|p| match &p.kind {
            PartKind::Tag(t) => Some(t),
            _ => None,
        })
    }

    /// The first tag named `name`.
    pub fn get(&self, name: &str) -> Option<&Tag> {
        self.tags().find(|t| t.name == name)
    }

    /// Syntax errors of the list, in text order.
    pub fn errors(&self) -> Vec<&SyntaxError> {
        let mut errors: Vec<&SyntaxError> = self
            .parts
            .iter()
            .filter_map(|p| match &p.kind {
                PartKind::Invalid(e) => Some(e),
                _ => None,
            })
            .chain(self.list_errors.iter())
            .collect();
        errors.sort_by_key(|e| e.span.start);
        errors
    }
}

impl Lossless for TagList {
    fn pieces(&self) -> Vec<Span> {
        let mut pieces: Vec<Span> = self
            .parts
            .iter()
            .map(|p| p.span)
            .chain(self.semicolons.iter().copied())
            .collect();
        pieces.sort_by_key(|s| (s.start, s.end));
        pieces
    }
}

/// Reads a tag-list. Never fails; see [`TagList::errors`]. Repeated tags are found comparing
/// names exactly (DKIM: names are case-sensitive) or, with `fold_case`, in any case (DMARC,
/// whose ABNF names are case-insensitive).
pub fn tag_list(text: &str, fold_case: bool) -> TagList {
    let mut parts = Vec::new();
    let mut semicolons = Vec::new();
    match DkimParser::parse(Rule::tag_list, text) {
        Ok(mut pairs) => {
            for p in pairs.next().expect("tag_list").into_inner() {
                let span = Span::from_pest(p.as_span());
                match p.as_rule() {
                    Rule::part => parts.push(TagPart {
                        span,
                        kind: read_part(text, span),
                    }),
                    Rule::semicolon => semicolons.push(span),
                    _ => {}
                }
            }
        }
        // The rule matches any text.
        Err(_) => parts.push(TagPart {
            span: Span::new(0, text.len()),
            kind: PartKind::Blank,
        }),
    }
    let mut list_errors = Vec::new();
    let last = parts.len().saturating_sub(1);
    for (i, p) in parts.iter().enumerate() {
        if i < last && p.kind == PartKind::Blank {
            let semi = semicolons[i];
            list_errors.push(
                SyntaxError::new(
                    semi,
                    "expected a tag (`name=value`) before `;`, found nothing".to_string(),
                )
                .with_help("remove the extra `;`: tags are separated by one `;`"),
            );
        }
    }
    let mut seen: HashSet<String> = HashSet::new();
    for p in &parts {
        if let PartKind::Tag(t) = &p.kind {
            let key = if fold_case {
                t.name.to_ascii_lowercase()
            } else {
                t.name.clone()
            };
            if !seen.insert(key) {
                list_errors.push(
                    SyntaxError::new(
                        t.span(),
                        format!("expected each tag once, found a second `{}=`", t.name),
                    )
                    .with_help(format!(
                        "a record that repeats a tag is invalid (RFC 6376 §3.2): keep one `{}=`",
                        t.name
                    )),
                );
            }
        }
    }
    TagList {
        parts,
        semicolons,
        list_errors,
    }
}

fn read_part(text: &str, span: Span) -> PartKind {
    cross_check(
        "tag list",
        &text[span.range()],
        || read_simple_part(text, span),
        || read_part_with_grammar(text, span),
    )
}

/// White space of a tag list (WSP and the line breaks of folding white space).
fn is_wsp(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// The common part, read without the grammar: `name=value` with white space only around the
/// name, the `=` and the value, and a value without white space inside (`v=DKIM1`, ` k=rsa`,
/// ` p=MIIB…`). `None` for anything else (the grammar reads it).
fn read_simple_part(text: &str, span: Span) -> Option<PartKind> {
    let part = text[span.range()].as_bytes();
    let off = span.start as usize;
    let start = part.iter().position(|&b| !is_wsp(b))?;
    let end = part.len() - part.iter().rev().position(|&b| !is_wsp(b))?;
    let eq = start + part[start..end].iter().position(|&b| b == b'=')?;
    let name_end = eq
        - part[start..eq]
            .iter()
            .rev()
            .take_while(|&&b| is_wsp(b))
            .count();
    let name = &part[start..name_end];
    let name_ok = name.first().is_some_and(u8::is_ascii_alphabetic)
        && name.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'_');
    let value_start = eq + 1 + part[eq + 1..end].iter().take_while(|&&b| is_wsp(b)).count();
    let value = &part[value_start..end];
    let value_ok = !value.is_empty()
        && value
            .iter()
            .all(|&b| (0x21..=0x7e).contains(&b) && b != b';');
    if !name_ok || !value_ok {
        return None;
    }
    Some(PartKind::Tag(Tag {
        name: String::from_utf8_lossy(name).into_owned(),
        name_span: Span::new(off + start, off + name_end),
        equals: Span::new(off + eq, off + eq + 1),
        value: Span::new(off + value_start, off + end),
    }))
}

fn read_part_with_grammar(text: &str, span: Span) -> PartKind {
    let part = &text[span.range()];
    let off = span.start as usize;
    match DkimParser::parse(Rule::tag_spec, part) {
        Ok(mut pairs) => {
            let mut tag = Tag {
                name: String::new(),
                name_span: Span::at(off),
                equals: Span::at(off),
                value: Span::at(off),
            };
            for p in pairs.next().expect("tag_spec").into_inner() {
                let s = Span::from_pest(p.as_span()).offset(off);
                match p.as_rule() {
                    Rule::tag_name => {
                        tag.name = p.as_str().to_string();
                        tag.name_span = s;
                    }
                    Rule::equals => tag.equals = s,
                    Rule::tag_value => tag.value = s,
                    _ => {}
                }
            }
            PartKind::Tag(tag)
        }
        Err(_) if DkimParser::parse(Rule::blank, part).is_ok() => PartKind::Blank,
        Err(_) => PartKind::Invalid(part_error(text, span)),
    }
}

/// Why a part is not a tag-spec.
fn part_error(text: &str, span: Span) -> SyntaxError {
    let part = &text[span.range()];
    let off = span.start as usize;
    let is_ws = |c: char| matches!(c, ' ' | '\t' | '\r' | '\n');
    let name_start = part.len() - part.trim_start_matches(is_ws).len();
    let name_len = part[name_start..]
        .char_indices()
        .find(|&(i, c)| {
            !(c.is_ascii_alphabetic() || (i > 0 && (c.is_ascii_alphanumeric() || c == '_')))
        })
        .map_or(part.len() - name_start, |(i, _)| i);
    let found = |at: usize| -> String {
        match text[at..].chars().next() {
            Some(';') => "`;`".to_string(),
            Some(c) => describe_char(c),
            None => "the end of the record".to_string(),
        }
    };
    let char_span = |at: usize| {
        Span::new(
            at,
            at + text[at..]
                .chars()
                .next()
                .filter(|&c| c != ';')
                .map_or(0, char::len_utf8),
        )
    };
    const HELP: &str = "a record is a list of `name=value` tags separated by `;`, such as \
        `v=DKIM1; k=rsa; p=MIIB…`";
    if name_len == 0 {
        let at = off + name_start;
        return SyntaxError::new(
            char_span(at),
            format!(
                "expected a tag name (a letter, then letters, digits or `_`), found {}",
                found(at)
            ),
        )
        .with_help(HELP);
    }
    let name = &part[name_start..name_start + name_len];
    let after = name_start + name_len;
    let eq = after + (part.len() - after - part[after..].trim_start_matches(is_ws).len());
    if !part[eq..].starts_with('=') {
        let at = off + eq;
        return SyntaxError::new(
            char_span(at),
            format!(
                "expected `=` after the tag name `{name}`, found {}",
                found(at)
            ),
        )
        .with_help(HELP);
    }
    // A character that is not allowed in a value.
    let value_start = eq + 1;
    let bad = part[value_start..]
        .char_indices()
        .find(|&(_, c)| !(('\u{21}'..='\u{7e}').contains(&c) || is_ws(c)))
        .map_or(part.len(), |(i, _)| value_start + i);
    let at = off + bad;
    SyntaxError::new(
        char_span(at),
        format!(
            "expected visible ASCII characters in the value of `{name}`, found {}",
            found(at)
        ),
    )
    .with_help("a tag value is made of the printable ASCII characters except `;`")
}

/// Reads a value made of items separated by `:` (white space allowed around them), such as
/// `t=y:s` or DMARC's `fo=0:d`. An empty value has no items. `tag` names the tag in messages.
pub(crate) fn colon_list(
    text: &str,
    value: Span,
    tag: &str,
) -> Result<Vec<(String, Span)>, SyntaxError> {
    let v = &text[value.range()];
    if v.is_empty() {
        return Ok(Vec::new());
    }
    let off = value.start as usize;
    match DkimParser::parse(Rule::colon_list, v) {
        Ok(mut pairs) => Ok(pairs
            .next()
            .expect("colon_list")
            .into_inner()
            .filter(|p| p.as_rule() == Rule::item)
            .map(|p| {
                (
                    p.as_str().to_string(),
                    Span::from_pest(p.as_span()).offset(off),
                )
            })
            .collect()),
        Err(e) => {
            let at = error_pos(&e).min(v.len());
            let next = v[at..].chars().next();
            let span = Span::new(off + at, off + at + next.map_or(0, char::len_utf8));
            let message = match next {
                Some(':') => format!("expected a value before `:` in `{tag}=`, found `:`"),
                None => {
                    format!("expected a value after `:` in `{tag}=`, found the end of the value")
                }
                Some(c) => format!(
                    "expected `:` between the values of `{tag}=`, found {}",
                    describe_char(c)
                ),
            };
            Err(SyntaxError::new(span, message).with_help(format!(
                "the values of `{tag}=` are separated by `:`, such as `{tag}={}`",
                match tag {
                    "t" => "y:s",
                    "h" => "sha256",
                    "s" => "email",
                    "fo" => "0:d",
                    _ => "a:b",
                }
            )))
        }
    }
}

/// When a tag's value holds white space followed by `name=`, the `;` that is missing there
/// (`v=DKIM1 k=rsa`): the error, at the white space.
pub(crate) fn missing_semicolon(text: &str, tag: &Tag) -> Option<SyntaxError> {
    let v = &text[tag.value.range()];
    let b = v.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if !is_wsp(b[i]) {
            i += 1;
            continue;
        }
        let ws_start = i;
        while i < b.len() && is_wsp(b[i]) {
            i += 1;
        }
        let name_start = i;
        if i < b.len() && b[i].is_ascii_alphabetic() {
            i += 1;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            let name_end = i;
            while i < b.len() && is_wsp(b[i]) {
                i += 1;
            }
            if b.get(i) == Some(&b'=') {
                let off = tag.value.start as usize;
                let next = &v[name_start..name_end];
                return Some(
                    SyntaxError::new(
                        Span::new(off + ws_start, off + name_start),
                        format!(
                            "expected `;` before `{next}=`, found white space after `{}={}`",
                            tag.name,
                            &v[..ws_start]
                        ),
                    )
                    .with_help(format!(
                        "separate the tags with `;`: `{}={}; {next}=…`",
                        tag.name,
                        &v[..ws_start]
                    )),
                );
            }
        }
    }
    None
}

/// Where a pest error is.
fn error_pos<R: pest::RuleType>(e: &pest::error::Error<R>) -> usize {
    match e.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    }
}

/// The key type (`k=`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyType {
    Rsa,
    Ed25519,
    /// Another value, as written.
    Other(String),
}

/// A parsed DKIM key record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DkimKey {
    /// The record as given to [`parse`].
    pub text: String,
    pub list: TagList,
    /// `k=`, when present (the default is RSA, see [`DkimKey::key_type`]).
    pub k: Option<(KeyType, Span)>,
    /// `h=`: the hash algorithms, as written.
    pub h: Option<Vec<(String, Span)>>,
    /// `s=`: the service types, as written.
    pub s: Option<Vec<(String, Span)>>,
    /// `t=`: the flags, as written.
    pub t: Option<Vec<(String, Span)>>,
    /// `p=`: the public key decoded from base64; `Some(empty)` when the key is revoked (`p=`);
    /// `None` when there is no `p=` or its base64 is bad.
    pub public_key: Option<Vec<u8>>,
    /// The value of `p=` as written (without the white space around it).
    pub public_key_span: Option<Span>,
    /// Problems of the tag values and the record (the list's own are in [`TagList::errors`]).
    value_errors: Vec<SyntaxError>,
}

/// The tags RFC 6376 §3.6.1 defines for key records.
const KEY_TAGS: &[&str] = &["v", "h", "k", "n", "p", "s", "t"];

impl DkimKey {
    /// Every syntax error, in text order.
    pub fn errors(&self) -> Vec<&SyntaxError> {
        let mut errors = self.list.errors();
        errors.extend(self.value_errors.iter());
        errors.sort_by_key(|e| e.span.start);
        errors
    }

    /// The key type: `k=` or, when absent, RSA (the default).
    pub fn key_type(&self) -> KeyType {
        self.k.as_ref().map_or(KeyType::Rsa, |(k, _)| k.clone())
    }

    /// Whether `p=` is present and empty: the key is revoked.
    pub fn is_revoked(&self) -> bool {
        self.public_key.as_ref().is_some_and(Vec::is_empty)
    }

    /// Whether `t=` has the flag `y` (testing: verifiers must not treat failures differently).
    pub fn testing(&self) -> bool {
        self.has_flag("y")
    }

    /// Whether `t=` has the flag `s` (the i= domain must not be a subdomain of d=).
    pub fn strict(&self) -> bool {
        self.has_flag("s")
    }

    fn has_flag(&self, flag: &str) -> bool {
        self.t
            .as_ref()
            .is_some_and(|t| t.iter().any(|(f, _)| f == flag))
    }

    /// Tags that RFC 6376 does not define for key records, in order.
    pub fn unknown_tags(&self) -> impl Iterator<Item = &Tag> {
        self.list
            .tags()
            .filter(|t| !KEY_TAGS.contains(&t.name.as_str()))
    }

    /// The size in bits of the RSA modulus of the key, when `p=` holds an RSA public key
    /// (a SubjectPublicKeyInfo, as RFC 6376 requires, or a bare PKCS#1 RSAPublicKey).
    pub fn rsa_key_bits(&self) -> Option<usize> {
        rsa_key_bits(self.public_key.as_deref()?)
    }

    /// The text of a span of the record.
    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }

    /// The record rebuilt from its pieces: the input, byte for byte.
    pub fn render(&self) -> String {
        self.list.render(&self.text)
    }
}

impl Lossless for DkimKey {
    fn pieces(&self) -> Vec<Span> {
        self.list.pieces()
    }
}

/// Parses the joined value of a DKIM key TXT record. Never fails; see [`DkimKey::errors`].
pub fn parse(text: &str) -> DkimKey {
    let list = tag_list(text, false);
    let mut key = DkimKey {
        text: text.to_string(),
        list,
        k: None,
        h: None,
        s: None,
        t: None,
        public_key: None,
        public_key_span: None,
        value_errors: Vec::new(),
    };
    let mut errors = Vec::new();
    let mut seen: HashSet<&str> = HashSet::new();
    let first_tag = key.list.tags().next().map(|t| t.name.clone());
    let first_tag = first_tag.as_deref();
    for (i, tag) in key.list.tags().enumerate() {
        // A repeated tag is reported by the list; its first value is the one read.
        if !seen.insert(&tag.name) {
            continue;
        }
        let value = &text[tag.value.range()];
        let glued = missing_semicolon(text, tag);
        if let Some(e) = glued
            .clone()
            .filter(|_| !matches!(tag.name.as_str(), "n" | "p"))
        {
            errors.push(e);
            continue;
        }
        match tag.name.as_str() {
            "v" => {
                if let Some(first) = first_tag.filter(|_| i > 0) {
                    errors.push(
                        SyntaxError::new(
                            tag.span(),
                            format!(
                                "expected `v=DKIM1` as the first tag, found it after `{}=`",
                                first
                            ),
                        )
                        .with_help(
                            "move `v=DKIM1` to the start of the record, or remove it (it is \
                             optional)",
                        ),
                    );
                }
                if value != "DKIM1" {
                    errors.push(
                        SyntaxError::new(
                            value_or_equals(tag),
                            format!(
                                "expected `DKIM1` as the value of `v`, found {}",
                                show_value(value)
                            ),
                        )
                        .with_help(
                            "verifiers ignore a key record whose version is not `DKIM1` \
                             (case-sensitive)",
                        ),
                    );
                }
            }
            "k" => {
                let k = match value.to_ascii_lowercase().as_str() {
                    "rsa" => KeyType::Rsa,
                    "ed25519" => KeyType::Ed25519,
                    _ => KeyType::Other(value.to_string()),
                };
                key.k = Some((k, tag.value));
            }
            "h" | "s" | "t" => match colon_list(text, tag.value, &tag.name) {
                Ok(items) => match tag.name.as_str() {
                    "h" => key.h = Some(items),
                    "s" => key.s = Some(items),
                    _ => key.t = Some(items),
                },
                Err(e) => errors.push(e),
            },
            "p" => {
                key.public_key_span = Some(tag.value);
                match decode_base64(text, tag.value) {
                    Ok(bytes) => key.public_key = Some(bytes),
                    // `p=MIIB… t=y`: say that a `;` is missing, not that `=` is misplaced.
                    Err(e) => errors.push(glued.unwrap_or(e)),
                }
            }
            _ => {}
        }
    }
    if key.list.get("p").is_none() {
        errors.push(
            SyntaxError::new(
                Span::at(text.len()),
                "expected a `p=` tag with the public key, found the end of the record",
            )
            .with_help(
                "a key record must have `p=` (empty when the key is revoked): \
                 `v=DKIM1; k=rsa; p=MIIB…`",
            ),
        );
    }
    key.value_errors = errors;
    key
}

/// The value's span, or the `=` when the value is empty (so that the span is visible).
fn value_or_equals(tag: &Tag) -> Span {
    if tag.value.is_empty() {
        tag.equals
    } else {
        tag.value
    }
}

fn show_value(v: &str) -> String {
    if v.is_empty() {
        return "nothing".to_string();
    }
    let short: String = v.chars().take(40).collect();
    if short.len() < v.len() {
        format!("`{short}…`")
    } else {
        format!("`{short}`")
    }
}

/// Decodes the base64 value at `value` of `text` (white space ignored).
fn decode_base64(text: &str, value: Span) -> Result<Vec<u8>, SyntaxError> {
    let v = &text[value.range()];
    let off = value.start as usize;
    // The common key, checked without the grammar: base64 characters and at most two `=` at
    // the end, no white space.
    let simple = || {
        let unpadded = v
            .strip_suffix("==")
            .or_else(|| v.strip_suffix('='))
            .unwrap_or(v);
        let simple = unpadded
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/');
        simple.then_some(Ok(()))
    };
    let checked = cross_check("DKIM key (base64)", v, simple, || {
        DkimParser::parse(Rule::base64, v).map(|_| ())
    });
    if let Err(e) = checked {
        let at = error_pos(&e).min(v.len());
        let c = v[at..].chars().next();
        let span = Span::new(off + at, off + at + c.map_or(0, char::len_utf8));
        let before_padding = v[..at].trim_end_matches([' ', '\t', '\r', '\n']);
        let message = match c {
            Some(c) if before_padding.ends_with('=') => format!(
                "expected the end of the key after the `=` padding, found {}",
                describe_char(c)
            ),
            Some(c) => format!(
                "expected base64 (letters, digits, `+`, `/`) in the key, found {}",
                describe_char(c)
            ),
            None => "expected base64 in the key, found the end of the record".to_string(),
        };
        let help = match c {
            Some('-' | '_') => {
                "this is base64url; DKIM keys use standard base64, with `+` and `/`".to_string()
            }
            _ => "copy the key again from the server (cPanel: Email Deliverability)".to_string(),
        };
        return Err(SyntaxError::new(span, message).with_help(help));
    }
    // The grammar accepted it: count the characters (padding included) to see whether the key
    // is whole, then decode with the crate's decoder.
    let total = v
        .bytes()
        .filter(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
        .count();
    if !total.is_multiple_of(4) {
        return Err(SyntaxError::new(
            value,
            format!(
                "expected base64 in groups of 4 characters, found {total} characters; part of \
                 the key is missing"
            ),
        )
        .with_help("copy the whole key again from the server (cPanel: Email Deliverability)"));
    }
    crate::base64::decode(v.as_bytes()).map_err(|e| {
        // Not reached for text the grammar accepted; kept so that a disagreement is an error
        // the user sees, not a panic.
        SyntaxError::new(Span::at(off + e.offset.min(v.len())), e.message)
            .with_help("copy the key again from the server (cPanel: Email Deliverability)")
    })
}

/// The size in bits of an RSA modulus in DER ([`crate::der::public_key`]): a
/// SubjectPublicKeyInfo whose algorithm is rsaEncryption, or a bare PKCS#1 RSAPublicKey. `None`
/// for anything else.
pub fn rsa_key_bits(der: &[u8]) -> Option<usize> {
    match crate::der::public_key(der) {
        Ok(crate::der::PublicKey::Rsa { bits }) => Some(bits),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::check_tiling;
    use crate::source::SourceFile;

    /// The 1024-bit key of RFC 6376 Appendix C (the `brisbane` selector).
    const RFC_KEY: &str = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDwIRP/UC3SBsEmGqZ9ZJW3/DkMoGeLnQg1fWn7/zYt\
        IxN2SnFCjxOCKG9v3b4jYfcTNh5ijSsq631uBItLa7od+v/RtdC2UzJ1lWT947qR+Rcac2gbto/NMqJ0fzfVjH4OuKhi\
        tdY9tf6mcwGjaNBcWToIMmPSPDdQPNUYckcQ2QIDAQAB";

    fn key(text: &str) -> DkimKey {
        let k = parse(text);
        assert_eq!(k.render(), text);
        check_tiling(&k, &SourceFile::from_str("dkim", text)).unwrap();
        k
    }

    fn messages(k: &DkimKey) -> Vec<(String, String)> {
        k.errors()
            .iter()
            .map(|e| (k.slice(e.span).to_string(), e.message.clone()))
            .collect()
    }

    #[test]
    fn rfc_6376_key_record() {
        let k = key(&format!("v=DKIM1; p={RFC_KEY}"));
        assert!(k.errors().is_empty(), "{:?}", k.errors());
        assert_eq!(k.key_type(), KeyType::Rsa);
        assert_eq!(k.k, None);
        let der = k.public_key.as_ref().unwrap();
        assert_eq!(der.len(), 162);
        assert_eq!(der[0], 0x30);
        assert_eq!(k.rsa_key_bits(), Some(1024));
        assert_eq!(k.slice(k.public_key_span.unwrap()), RFC_KEY);
        assert!(!k.is_revoked());
    }

    #[test]
    fn tags_and_spans() {
        let text =
            " v=DKIM1 ; k=rsa; h=sha256 : sha1; t=y:s; s=email; n=note; x-=1; p = MIGf MA0G ;  ";
        // `x-` is not a tag name: the part is reported, the others are read.
        let k = key(text);
        let names: Vec<_> = k.list.tags().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["v", "k", "h", "t", "s", "n", "p"]);
        assert_eq!(
            k.k.as_ref().map(|(t, s)| (t.clone(), k.slice(*s))),
            Some((KeyType::Rsa, "rsa"))
        );
        let h: Vec<_> =
            k.h.as_ref()
                .unwrap()
                .iter()
                .map(|(h, _)| h.as_str())
                .collect();
        assert_eq!(h, ["sha256", "sha1"]);
        assert!(k.testing() && k.strict());
        assert_eq!(k.slice(k.public_key_span.unwrap()), "MIGf MA0G");
        assert_eq!(k.public_key.as_ref().unwrap().len(), 6);
        let p = k.list.get("p").unwrap();
        assert_eq!(k.slice(p.name_span), "p");
        assert_eq!(k.slice(p.span()), "p = MIGf MA0G");
        assert_eq!(
            messages(&k),
            [(
                "-".to_string(),
                "expected `=` after the tag name `x`, found `-`".to_string()
            )]
        );
    }

    #[test]
    fn revoked_and_other_key_types() {
        let k = key("v=DKIM1; p=");
        assert!(k.is_revoked());
        assert_eq!(k.public_key, Some(Vec::new()));
        assert!(k.errors().is_empty());
        let k = key("v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
        assert_eq!(k.key_type(), KeyType::Ed25519);
        assert_eq!(k.public_key.as_ref().unwrap().len(), 32);
        assert_eq!(k.rsa_key_bits(), None);
        let k = key("k=dsa; p=AAAA; zz=unknown");
        assert_eq!(k.key_type(), KeyType::Other("dsa".into()));
        let unknown: Vec<_> = k.unknown_tags().map(|t| t.name.as_str()).collect();
        assert_eq!(unknown, ["zz"]);
        assert!(k.errors().is_empty());
    }

    #[test]
    fn errors_name_what_was_expected() {
        let cases: &[(&str, &[(&str, &str)])] = &[
            (
                "v=DKIM1; k rsa; p=AAAA",
                &[("r", "expected `=` after the tag name `k`, found `r`")],
            ),
            (
                "v=DKIM1; k; p=AAAA",
                &[("", "expected `=` after the tag name `k`, found `;`")],
            ),
            (
                "k=rsa; v=DKIM1; p=AAAA",
                &[(
                    "v=DKIM1",
                    "expected `v=DKIM1` as the first tag, found it after `k=`",
                )],
            ),
            (
                "v=DKIM2; p=AAAA",
                &[(
                    "DKIM2",
                    "expected `DKIM1` as the value of `v`, found `DKIM2`",
                )],
            ),
            (
                "v=DKIM1; p=AAAA; p=BBBB",
                &[("p=BBBB", "expected each tag once, found a second `p=`")],
            ),
            (
                "v=DKIM1;; p=AAAA",
                &[(
                    ";",
                    "expected a tag (`name=value`) before `;`, found nothing",
                )],
            ),
            (
                "v=DKIM1; k=rsa",
                &[(
                    "",
                    "expected a `p=` tag with the public key, found the end of the record",
                )],
            ),
            (
                "v=DKIM1; p=MIGf$MA0",
                &[(
                    "$",
                    "expected base64 (letters, digits, `+`, `/`) in the key, found `$`",
                )],
            ),
            (
                "v=DKIM1; p=MIGf-MA0",
                &[(
                    "-",
                    "expected base64 (letters, digits, `+`, `/`) in the key, found `-`",
                )],
            ),
            (
                "v=DKIM1; p=AA==AA",
                &[(
                    "A",
                    "expected the end of the key after the `=` padding, found `A`",
                )],
            ),
            (
                "v=DKIM1; p=MIGfMA0",
                &[(
                    "MIGfMA0",
                    "expected base64 in groups of 4 characters, found 7 characters; part of the key is missing",
                )],
            ),
            (
                "v=DKIM1; t=y::s; p=",
                &[(":", "expected a value before `:` in `t=`, found `:`")],
            ),
            (
                "v=DKIM1; 1=x; p=",
                &[(
                    "1",
                    "expected a tag name (a letter, then letters, digits or `_`), found `1`",
                )],
            ),
            (
                "v=DKIM1; n=caf\u{e9}; p=",
                &[(
                    "\u{e9}",
                    "expected visible ASCII characters in the value of `n`, found `\u{e9}`",
                )],
            ),
        ];
        for (text, expect) in cases {
            let k = key(text);
            let got = messages(&k);
            let want: Vec<_> = expect
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect();
            assert_eq!(got, want, "{text}");
        }
        // A missing `;` is named where it is missing, for any tag but the notes.
        for (text, at, message) in [
            (
                "v=DKIM1 k=rsa; p=AAAA",
                " ",
                "expected `;` before `k=`, found white space after `v=DKIM1`",
            ),
            (
                "v=DKIM1; p=AAAA t=y",
                " ",
                "expected `;` before `t=`, found white space after `p=AAAA`",
            ),
        ] {
            let k = key(text);
            assert_eq!(
                messages(&k),
                [(at.to_string(), message.to_string())],
                "{text}"
            );
        }
        assert!(key("v=DKIM1; n=see a=b; p=AA AA").errors().is_empty());
        // Base64url gets a hint.
        let k = key("v=DKIM1; p=ab_c");
        assert!(k.errors()[0].help.as_deref().unwrap().contains("base64url"));
    }

    #[test]
    fn trailing_semicolon_and_white_space_are_fine() {
        for text in [
            "p=AAAA;",
            "p=AAAA; ",
            "p=AAAA;\r\n\t",
            " p = AAAA ",
            "p=AA AA",
        ] {
            let k = key(text);
            assert!(k.errors().is_empty(), "{text}: {:?}", k.errors());
            assert_eq!(k.public_key.as_deref(), Some(&[0u8, 0, 0][..]), "{text}");
        }
    }

    #[test]
    fn base64_and_der() {
        let base64_decode = |text: &str| decode_base64(text, Span::new(0, text.len())).ok();
        assert_eq!(base64_decode("TWFu").unwrap(), b"Man");
        assert_eq!(base64_decode("TWE=").unwrap(), b"Ma");
        assert_eq!(base64_decode("TQ==").unwrap(), b"M");
        assert_eq!(base64_decode("T Q =\n=").unwrap(), b"M");
        assert_eq!(base64_decode(""), Some(Vec::new()));
        assert_eq!(base64_decode("TQ"), None);
        assert_eq!(base64_decode("T==="), None);
        // A PKCS#1 RSAPublicKey: SEQUENCE { INTEGER n (9 bits), INTEGER 3 }.
        assert_eq!(
            rsa_key_bits(&[0x30, 0x07, 0x02, 0x02, 0x01, 0xff, 0x02, 0x01, 0x03]),
            Some(9)
        );
        assert_eq!(rsa_key_bits(&[0x30, 0x03, 0x02]), None);
        assert_eq!(rsa_key_bits(&[]), None);
        assert_eq!(rsa_key_bits(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), None);
    }
}
