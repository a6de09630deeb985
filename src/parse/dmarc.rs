//! DMARC records (RFC 7489 §6.3–6.4, and RFC 9989 which replaces it).
//!
//! A DMARC record is the joined value of the TXT record at `_dmarc.domain`: a DKIM tag-list
//! ([`crate::parse::dkim::tag_list`]) that starts with `v=DMARC1`, such as
//! `v=DMARC1; p=quarantine; rua=mailto:dmarc@example.com!10m; fo=1`. Tags: `p`, `sp` and (RFC
//! 9989) `np` (`none`, `quarantine`, `reject`), `adkim` and `aspf` (`r`, `s`), `fo` (`0`, `1`,
//! `d`, `s` separated by `:`), `rua` and `ruf` (URIs separated by `,`, each with an optional size
//! limit `!N[kmgt]`), and RFC 9989's `psd` (`y`, `n`, `u`) and `t` (`y`, `n`); RFC 7489's `pct`
//! (0 to 100), `rf` (`afrf`) and `ri` (seconds), which RFC 9989 removed but records still hold.
//! Unknown tags are kept and flagged: RFC 9989 says to ignore them. Grammar:
//! `grammar/dmarc.pest` (values) and `grammar/dkim.pest` (the tag-list).
//!
//! [`parse`] never fails; [`DmarcRecord::errors`] lists: `v=DMARC1` not first or not exact, a
//! missing or bad `p`, a bad value (naming the tag and the values allowed), a repeated tag, and
//! the tag-list's own syntax errors. Spans are byte offsets into the record's text;
//! [`crate::parse::txt::TxtText`] maps them to the zone file. [`DmarcRecord::render`] gives the
//! text back byte for byte.
//!
//! Decisions where the RFCs are silent or differ:
//! - A missing `p` is an error (RFC 7489 requires it), and [`DmarcRecord::policy`] then says
//!   `none`, as RFC 9989 reads such a record; [`DmarcRecord::p`] tells the two apart.
//! - Tag names and keyword values are matched in any case, as RFC 7489's ABNF strings are
//!   (`P=Reject` is `p=reject`); the version must be exactly `DMARC1` (the ABNF spells it in
//!   hexadecimal, which is case-sensitive). A repeated tag is found in any case too.
//! - Size units are powers of 1024 (`!10m` is 10 MiB), as RFC 7489 §6.4 defines them.
//! - A URI must have a scheme; a `mailto:` URI must have `local@domain`. Other schemes are kept
//!   (RFC 7489 allows any URI; only `mailto:` is widely supported, a rule may say so).
//! - `is_dmarc` requires `v=DMARC1` at the very start: a record starting with a space is not
//!   DMARC (RFC 7489 §6.6.3 discards records that do not start with the version tag).

use crate::parse::dkim::{PartKind, Tag, TagList, colon_list, missing_semicolon, tag_list};
use crate::parse::{Lossless, SyntaxError, describe_char};
use crate::source::Span;
use pest::Parser;
use std::collections::HashSet;

#[derive(pest_derive::Parser)]
#[grammar = "grammar/dmarc.pest"]
struct DmarcParser;

/// Whether a TXT value is a DMARC record: it starts with `v=DMARC1` (white space allowed around
/// the `=`) followed by `;` or the end (white space allowed before them).
pub fn is_dmarc(text: &str) -> bool {
    DmarcParser::parse(Rule::version, text).is_ok()
}

/// A policy (`p`, `sp`, `np`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Policy {
    None,
    Quarantine,
    Reject,
}

/// An alignment mode (`adkim`, `aspf`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Alignment {
    Relaxed,
    Strict,
}

/// A failure reporting option (`fo`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FailureOption {
    /// `0`: report when every mechanism fails.
    All,
    /// `1`: report when any mechanism fails.
    Any,
    /// `d`: report DKIM failures.
    Dkim,
    /// `s`: report SPF failures.
    Spf,
}

/// The public suffix domain flag (`psd`, RFC 9989).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Psd {
    Yes,
    No,
    Unknown,
}

/// A reporting URI of `rua` or `ruf`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DmarcUri {
    /// The URI with its size limit.
    pub span: Span,
    /// The URI as written, without the size limit.
    pub uri: String,
    /// Lower case (`mailto`).
    pub scheme: String,
    /// For `mailto:`, the address (without `?headers`).
    pub address: Option<String>,
    /// The size limit in bytes and where it is written (`!10m`).
    pub size: Option<(u64, Span)>,
}

/// The typed value of a tag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DmarcValue {
    /// `v=DMARC1`.
    Version,
    /// `p`, `sp`, `np`.
    Policy(Policy),
    /// `adkim`, `aspf`.
    Alignment(Alignment),
    /// `fo`.
    FailureOptions(Vec<(FailureOption, Span)>),
    /// `pct`.
    Percent(u8),
    /// `rf`: the formats, lower case.
    ReportFormats(Vec<(String, Span)>),
    /// `ri`: seconds.
    Interval(u32),
    /// `rua`, `ruf`.
    Uris(Vec<DmarcUri>),
    /// `psd`.
    Psd(Psd),
    /// `t`: `y` is true.
    Testing(bool),
    /// A tag that neither RFC defines (kept, ignored by receivers).
    Unknown,
    /// A value that does not parse (the error is in [`DmarcRecord::errors`]).
    Invalid,
}

/// A tag of the record with its typed value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DmarcTag {
    pub tag: Tag,
    pub value: DmarcValue,
}

impl DmarcTag {
    /// The tag name in lower case.
    pub fn name(&self) -> String {
        self.tag.name.to_ascii_lowercase()
    }

    /// Whether neither RFC 7489 nor RFC 9989 defines the tag.
    pub fn is_unknown(&self) -> bool {
        self.value == DmarcValue::Unknown
    }

    /// Whether the tag is one RFC 9989 removed (`pct`, `rf`, `ri`).
    pub fn is_removed_in_9989(&self) -> bool {
        matches!(self.name().as_str(), "pct" | "rf" | "ri")
    }
}

/// A parsed DMARC record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DmarcRecord {
    /// The record as given to [`parse`].
    pub text: String,
    pub list: TagList,
    /// The tags in order (a repeated tag appears each time; the first is the one read).
    pub tags: Vec<DmarcTag>,
    value_errors: Vec<SyntaxError>,
}

/// The tags RFC 7489 and RFC 9989 define.
const TAGS: &[&str] = &[
    "v", "p", "sp", "np", "adkim", "aspf", "fo", "pct", "rf", "ri", "rua", "ruf", "psd", "t",
];

impl DmarcRecord {
    /// Every syntax error, in text order.
    pub fn errors(&self) -> Vec<&SyntaxError> {
        let mut errors = self.list.errors();
        errors.extend(self.value_errors.iter());
        errors.sort_by_key(|e| e.span.start);
        errors
    }

    /// Whether the text is a DMARC record (see [`is_dmarc`]).
    pub fn is_dmarc(&self) -> bool {
        is_dmarc(&self.text)
    }

    /// The first tag named `name` (any case).
    pub fn tag(&self, name: &str) -> Option<&DmarcTag> {
        self.tags
            .iter()
            .find(|t| t.tag.name.eq_ignore_ascii_case(name))
    }

    fn policy_of(&self, name: &str) -> Option<Policy> {
        match self.tag(name)?.value {
            DmarcValue::Policy(p) => Some(p),
            _ => None,
        }
    }

    /// `p` as written and valid; `None` when missing or bad (RFC 7489: an invalid record).
    pub fn p(&self) -> Option<Policy> {
        self.policy_of("p")
    }

    /// The domain's policy as RFC 9989 reads it: `p`, or `none` when there is no `p`.
    pub fn policy(&self) -> Policy {
        self.p().unwrap_or(Policy::None)
    }

    /// `sp` as written.
    pub fn sp(&self) -> Option<Policy> {
        self.policy_of("sp")
    }

    /// `np` as written (RFC 9989).
    pub fn np(&self) -> Option<Policy> {
        self.policy_of("np")
    }

    /// The policy for subdomains: `sp`, else the domain's policy.
    pub fn subdomain_policy(&self) -> Policy {
        self.sp().unwrap_or(self.policy())
    }

    fn alignment(&self, name: &str) -> Alignment {
        match self.tag(name).map(|t| &t.value) {
            Some(DmarcValue::Alignment(a)) => *a,
            _ => Alignment::Relaxed,
        }
    }

    /// DKIM alignment (`adkim`, relaxed by default).
    pub fn adkim(&self) -> Alignment {
        self.alignment("adkim")
    }

    /// SPF alignment (`aspf`, relaxed by default).
    pub fn aspf(&self) -> Alignment {
        self.alignment("aspf")
    }

    /// `pct` (100 by default; RFC 9989 removed it).
    pub fn pct(&self) -> u8 {
        match self.tag("pct").map(|t| &t.value) {
            Some(DmarcValue::Percent(p)) => *p,
            _ => 100,
        }
    }

    /// `t=y` (RFC 9989 testing mode).
    pub fn testing(&self) -> bool {
        matches!(
            self.tag("t").map(|t| &t.value),
            Some(DmarcValue::Testing(true))
        )
    }

    /// `psd` (RFC 9989), when present and valid.
    pub fn psd(&self) -> Option<Psd> {
        match self.tag("psd")?.value {
            DmarcValue::Psd(p) => Some(p),
            _ => None,
        }
    }

    /// `fo` (`0` by default).
    pub fn fo(&self) -> Vec<FailureOption> {
        match self.tag("fo").map(|t| &t.value) {
            Some(DmarcValue::FailureOptions(f)) => f.iter().map(|(o, _)| *o).collect(),
            _ => vec![FailureOption::All],
        }
    }

    /// `ri` in seconds (86400 by default; RFC 9989 removed it).
    pub fn ri(&self) -> u32 {
        match self.tag("ri").map(|t| &t.value) {
            Some(DmarcValue::Interval(i)) => *i,
            _ => 86400,
        }
    }

    fn uris(&self, name: &str) -> &[DmarcUri] {
        match self.tag(name).map(|t| &t.value) {
            Some(DmarcValue::Uris(u)) => u,
            _ => &[],
        }
    }

    /// The aggregate report URIs (`rua`).
    pub fn rua(&self) -> &[DmarcUri] {
        self.uris("rua")
    }

    /// The failure report URIs (`ruf`).
    pub fn ruf(&self) -> &[DmarcUri] {
        self.uris("ruf")
    }

    /// Tags neither RFC defines, in order.
    pub fn unknown_tags(&self) -> impl Iterator<Item = &DmarcTag> {
        self.tags.iter().filter(|t| t.is_unknown())
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

impl Lossless for DmarcRecord {
    fn pieces(&self) -> Vec<Span> {
        self.list.pieces()
    }
}

/// Parses the joined value of a `_dmarc` TXT record. Never fails; see [`DmarcRecord::errors`].
pub fn parse(text: &str) -> DmarcRecord {
    let list = tag_list(text, true);
    let mut errors = Vec::new();
    let mut tags = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let reader = Reader { text };
    // The version: the first part must be `v=DMARC1`.
    match list.parts.first().map(|p| (&p.kind, p.span)) {
        Some((PartKind::Tag(t), _)) if t.name.eq_ignore_ascii_case("v") => {
            let lead = t.name_span.start as usize;
            if lead > 0 {
                errors.push(
                    SyntaxError::new(
                        Span::new(0, lead),
                        "expected `v=DMARC1` at the start of the record, found white space",
                    )
                    .with_help(VERSION_HELP),
                );
            }
        }
        Some((_, span)) => {
            let found = match text[span.range()].trim() {
                "" if text.trim().is_empty() => "an empty record".to_string(),
                "" => "nothing before `;`".to_string(),
                part => show_value(part),
            };
            errors.push(
                SyntaxError::new(
                    span,
                    format!("expected `v=DMARC1` as the first tag, found {found}"),
                )
                .with_help(VERSION_HELP),
            );
        }
        None => {}
    }
    for tag in list.tags() {
        let lname = tag.name.to_ascii_lowercase();
        let first = seen.insert(lname.clone());
        let value = if !TAGS.contains(&lname.as_str()) {
            DmarcValue::Unknown
        } else if !first {
            // Repeated (reported by the list): the first one is the value.
            DmarcValue::Invalid
        } else if let Some(e) = missing_semicolon(text, tag) {
            errors.push(e);
            DmarcValue::Invalid
        } else {
            match reader.value(&lname, tag) {
                Ok(v) => v,
                Err(e) => {
                    errors.push(e);
                    DmarcValue::Invalid
                }
            }
        };
        tags.push(DmarcTag {
            tag: tag.clone(),
            value,
        });
    }
    if !seen.contains("p") {
        let mut e = SyntaxError::new(
            Span::at(text.len()),
            "expected a `p=` tag with the policy (`none`, `quarantine` or `reject`), found the \
             end of the record",
        );
        e = e.with_help(
            "RFC 7489 requires `p` (RFC 9989 reads a record without it as `p=none`): write \
             `v=DMARC1; p=none; …`",
        );
        errors.push(e);
    }
    DmarcRecord {
        text: text.to_string(),
        list,
        tags,
        value_errors: errors,
    }
}

const VERSION_HELP: &str = "a DMARC record starts with `v=DMARC1;` (RFC 7489 §6.3); receivers \
    ignore any other TXT record at `_dmarc`";

struct Reader<'a> {
    text: &'a str,
}

impl Reader<'_> {
    fn value(&self, lname: &str, tag: &Tag) -> Result<DmarcValue, SyntaxError> {
        let v = &self.text[tag.value.range()];
        let name = tag.name.as_str();
        let bad = |allowed: &str| {
            let span = if tag.value.is_empty() {
                tag.equals
            } else {
                tag.value
            };
            SyntaxError::new(
                span,
                format!(
                    "expected {allowed} as the value of `{name}`, found {}",
                    show_value(v)
                ),
            )
            .with_help(tag_help(lname))
        };
        let keyword = |choices: &[(&str, DmarcValue)], allowed: &str| {
            choices
                .iter()
                .find(|(k, _)| v.eq_ignore_ascii_case(k))
                .map(|(_, val)| val.clone())
                .ok_or_else(|| bad(allowed))
        };
        match lname {
            "v" => {
                if v == "DMARC1" {
                    Ok(DmarcValue::Version)
                } else {
                    Err(bad("`DMARC1`").with_help(
                        "the version must be exactly `DMARC1`; receivers ignore records with \
                         any other",
                    ))
                }
            }
            "p" | "sp" | "np" => keyword(
                &[
                    ("none", DmarcValue::Policy(Policy::None)),
                    ("quarantine", DmarcValue::Policy(Policy::Quarantine)),
                    ("reject", DmarcValue::Policy(Policy::Reject)),
                ],
                "`none`, `quarantine` or `reject`",
            ),
            "adkim" | "aspf" => keyword(
                &[
                    ("r", DmarcValue::Alignment(Alignment::Relaxed)),
                    ("s", DmarcValue::Alignment(Alignment::Strict)),
                ],
                "`r` (relaxed) or `s` (strict)",
            ),
            "psd" => keyword(
                &[
                    ("y", DmarcValue::Psd(Psd::Yes)),
                    ("n", DmarcValue::Psd(Psd::No)),
                    ("u", DmarcValue::Psd(Psd::Unknown)),
                ],
                "`y`, `n` or `u`",
            ),
            "t" => keyword(
                &[
                    ("y", DmarcValue::Testing(true)),
                    ("n", DmarcValue::Testing(false)),
                ],
                "`y` or `n`",
            ),
            "pct" => match number(v).filter(|&n| n <= 100) {
                Some(n) => Ok(DmarcValue::Percent(n as u8)),
                None => Err(bad("a number from 0 to 100")),
            },
            "ri" => match number(v).and_then(|n| u32::try_from(n).ok()) {
                Some(n) => Ok(DmarcValue::Interval(n)),
                None => Err(bad("a number of seconds (such as `86400`)")),
            },
            "fo" => {
                let items = self.list_items(tag, "fo", "`0`, `1`, `d` or `s`")?;
                let mut out = Vec::new();
                for (item, span) in items {
                    let o = match item.to_ascii_lowercase().as_str() {
                        "0" => FailureOption::All,
                        "1" => FailureOption::Any,
                        "d" => FailureOption::Dkim,
                        "s" => FailureOption::Spf,
                        _ => return Err(item_error(name, &item, span, "`0`, `1`, `d` or `s`")),
                    };
                    out.push((o, span));
                }
                Ok(DmarcValue::FailureOptions(out))
            }
            "rf" => {
                let items = self.list_items(tag, "rf", "`afrf`")?;
                for (item, span) in &items {
                    if !item.eq_ignore_ascii_case("afrf") {
                        return Err(item_error(name, item, *span, "`afrf`"));
                    }
                }
                Ok(DmarcValue::ReportFormats(
                    items
                        .into_iter()
                        .map(|(i, s)| (i.to_ascii_lowercase(), s))
                        .collect(),
                ))
            }
            "rua" | "ruf" => self.uris(tag).map(DmarcValue::Uris),
            _ => Ok(DmarcValue::Unknown),
        }
    }

    /// A `:`-separated list that must not be empty.
    fn list_items(
        &self,
        tag: &Tag,
        name: &str,
        allowed: &str,
    ) -> Result<Vec<(String, Span)>, SyntaxError> {
        let items = colon_list(self.text, tag.value, name)?;
        if items.is_empty() {
            return Err(SyntaxError::new(
                tag.equals,
                format!(
                    "expected {allowed} as the value of `{}`, found nothing",
                    tag.name
                ),
            ));
        }
        Ok(items)
    }

    /// `rua=` or `ruf=`: URIs separated by `,`.
    fn uris(&self, tag: &Tag) -> Result<Vec<DmarcUri>, SyntaxError> {
        let v = &self.text[tag.value.range()];
        let off = tag.value.start as usize;
        let name = tag.name.as_str();
        let help = format!(
            "`{name}` is a list of URIs separated by `,`, such as \
             `{name}=mailto:dmarc@example.com,mailto:reports@example.net!10m`"
        );
        if v.is_empty() {
            return Err(SyntaxError::new(
                tag.equals,
                format!("expected a URI as the value of `{name}`, found nothing"),
            )
            .with_help(help));
        }
        let pairs = match DmarcParser::parse(Rule::uri_list, v) {
            Ok(mut p) => p
                .next()
                .expect("uri_list")
                .into_inner()
                .filter(|p| p.as_rule() == Rule::uri_item),
            Err(e) => {
                let at = error_pos(&e).min(v.len());
                let c = v[at..].chars().next();
                let span = Span::new(off + at, off + at + c.map_or(0, char::len_utf8));
                let message = match c {
                    Some(',') => format!("expected a URI before `,` in `{name}`, found `,`"),
                    None => {
                        format!("expected a URI after `,` in `{name}`, found the end of the value")
                    }
                    Some(c)
                        if v[..at].ends_with('!')
                            || v[..at].ends_with(|d: char| d.is_ascii_digit()) =>
                    {
                        format!(
                            "expected a size limit (digits and an optional unit `k`, `m`, `g` or `t`) in `{name}`, found {}",
                            describe_char(c)
                        )
                    }
                    Some(c) => format!(
                        "expected `,` between the URIs of `{name}`, found {}",
                        describe_char(c)
                    ),
                };
                return Err(SyntaxError::new(span, message).with_help(help));
            }
        };
        let mut out = Vec::new();
        for item in pairs {
            let span = Span::from_pest(item.as_span()).offset(off);
            let mut uri = DmarcUri {
                span,
                uri: String::new(),
                scheme: String::new(),
                address: None,
                size: None,
            };
            for p in item.into_inner() {
                let s = Span::from_pest(p.as_span()).offset(off);
                match p.as_rule() {
                    Rule::uri => {
                        uri.uri = p.as_str().to_string();
                        let (scheme, address) = uri_parts(p.as_str(), s, name)?;
                        uri.scheme = scheme;
                        uri.address = address;
                    }
                    Rule::size => uri.size = Some((size_bytes(p.as_str()), s)),
                    _ => {}
                }
            }
            out.push(uri);
        }
        Ok(out)
    }
}

/// The scheme (lower case) and, for `mailto:`, the address of a URI written at `span`.
fn uri_parts(uri: &str, span: Span, tag: &str) -> Result<(String, Option<String>), SyntaxError> {
    let Ok(mut pairs) = DmarcParser::parse(Rule::uri_parts, uri) else {
        let help = if uri.contains('@') {
            format!("write `mailto:` before the address: `{tag}=mailto:{uri}`")
        } else {
            format!("write a URI such as `{tag}=mailto:dmarc@example.com`")
        };
        return Err(SyntaxError::new(
            span,
            format!(
                "expected a URI such as `mailto:dmarc@example.com` in `{tag}`, found {}",
                show_value(uri)
            ),
        )
        .with_help(help));
    };
    let mut scheme = String::new();
    let mut rest = "";
    for p in pairs.next().expect("uri_parts").into_inner() {
        match p.as_rule() {
            Rule::scheme => scheme = p.as_str().to_ascii_lowercase(),
            Rule::uri_rest => rest = p.as_str(),
            _ => {}
        }
    }
    if scheme != "mailto" {
        return Ok((scheme, None));
    }
    let address = match DmarcParser::parse(Rule::address, rest) {
        Ok(mut pairs) => {
            let mut local = "";
            let mut domain = "";
            for p in pairs.next().expect("address").into_inner() {
                match p.as_rule() {
                    Rule::local_part => local = p.as_str(),
                    Rule::mail_domain => domain = p.as_str(),
                    _ => {}
                }
            }
            format!("{local}@{domain}")
        }
        Err(_) => {
            return Err(SyntaxError::new(
                span,
                format!(
                    "expected an address `local@domain` after `mailto:` in `{tag}`, found {}",
                    show_value(rest)
                ),
            )
            .with_help(format!("such as `{tag}=mailto:dmarc@example.com`")));
        }
    };
    Ok((scheme, Some(address)))
}

/// The number of bytes of a size limit `!N[kmgt]` (saturating).
fn size_bytes(size: &str) -> u64 {
    let s = size.trim_start_matches('!');
    let (digits, unit) = match s.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&s[..i], Some(c.to_ascii_lowercase())),
        _ => (s, None),
    };
    let n = digits.parse::<u64>().unwrap_or(u64::MAX);
    let shift = match unit {
        Some('k') => 10,
        Some('m') => 20,
        Some('g') => 30,
        Some('t') => 40,
        _ => 0,
    };
    n.saturating_mul(1u64 << shift)
}

fn item_error(tag: &str, item: &str, span: Span, allowed: &str) -> SyntaxError {
    SyntaxError::new(
        span,
        format!(
            "expected {allowed} in the value of `{tag}`, found {}",
            show_value(item)
        ),
    )
    .with_help(tag_help(&tag.to_ascii_lowercase()))
}

/// What a tag means and which values it takes, for the help of a bad value.
fn tag_help(tag: &str) -> &'static str {
    match tag {
        "v" => "the version must be exactly `DMARC1`; receivers ignore records with any other",
        "p" => {
            "`p` is what receivers do with mail that fails DMARC: `none` (only report), \
                `quarantine` (treat as spam) or `reject`"
        }
        "sp" => "`sp` is the policy for subdomains: `none`, `quarantine` or `reject`",
        "np" => {
            "`np` is the policy for subdomains that do not exist: `none`, `quarantine` or \
                 `reject`"
        }
        "adkim" | "aspf" => {
            "alignment is `r` (relaxed: the same organizational domain) or `s` \
                             (strict: the exact domain)"
        }
        "fo" => "`fo` lists failure report options separated by `:`: `0`, `1`, `d`, `s`",
        "pct" => {
            "`pct` is the percentage of failing mail the policy applies to, 0 to 100 \
                  (RFC 9989 replaced it with `t=y` for testing)"
        }
        "rf" => "`rf=afrf` is the only report format defined (RFC 9989 removed the tag)",
        "ri" => {
            "`ri` is the interval between aggregate reports in seconds, such as `86400` \
                 (RFC 9989 removed the tag)"
        }
        "psd" => "`psd` says whether the domain is a public suffix: `y`, `n` or `u`",
        "t" => {
            "`t=y` asks receivers to apply the policy one level lower (testing); `t=n` is \
                the default"
        }
        _ => "see RFC 7489 §6.3 and RFC 9989 for the tags and their values",
    }
}

/// Digits only, as a number (saturating beyond u64).
fn number(v: &str) -> Option<u64> {
    DmarcParser::parse(Rule::number, v).ok()?;
    Some(v.parse::<u64>().unwrap_or(u64::MAX))
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

/// Where a pest error is.
fn error_pos(e: &pest::error::Error<Rule>) -> usize {
    match e.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::check_tiling;
    use crate::source::SourceFile;

    fn dmarc(text: &str) -> DmarcRecord {
        let r = parse(text);
        assert_eq!(r.render(), text);
        check_tiling(&r, &SourceFile::from_str("dmarc", text)).unwrap();
        r
    }

    fn messages(r: &DmarcRecord) -> Vec<(String, String)> {
        r.errors()
            .iter()
            .map(|e| (r.slice(e.span).to_string(), e.message.clone()))
            .collect()
    }

    #[test]
    fn rfc_7489_appendix_b_records() {
        let r = dmarc("v=DMARC1; p=none; rua=mailto:dmarc-feedback@example.com");
        assert!(r.errors().is_empty(), "{:?}", r.errors());
        assert!(r.is_dmarc());
        assert_eq!(r.p(), Some(Policy::None));
        assert_eq!(r.rua().len(), 1);
        assert_eq!(
            r.rua()[0].address.as_deref(),
            Some("dmarc-feedback@example.com")
        );
        assert_eq!(r.rua()[0].scheme, "mailto");

        let r = dmarc(
            "v=DMARC1; p=none; rua=mailto:dmarc-feedback@example.com; \
             ruf=mailto:auth-reports@thirdparty.example.net",
        );
        assert!(r.errors().is_empty());
        assert_eq!(r.ruf()[0].uri, "mailto:auth-reports@thirdparty.example.net");

        let r = dmarc(
            "v=DMARC1; p=quarantine; rua=mailto:dmarc-feedback@example.com,\
             mailto:tld-test@thirdparty.example.net!10m; pct=25; fo=1",
        );
        assert!(r.errors().is_empty(), "{:?}", r.errors());
        assert_eq!(r.policy(), Policy::Quarantine);
        assert_eq!(r.pct(), 25);
        assert_eq!(r.fo(), [FailureOption::Any]);
        let second = &r.rua()[1];
        assert_eq!(
            second.size.map(|(n, s)| (n, r.slice(s))),
            Some((10 << 20, "!10m"))
        );
        assert_eq!(
            r.slice(second.span),
            "mailto:tld-test@thirdparty.example.net!10m"
        );
        assert!(r.tag("pct").unwrap().is_removed_in_9989());
    }

    #[test]
    fn defaults_and_rfc_9989_tags() {
        let r = dmarc("v=DMARC1; p=reject");
        assert_eq!(r.adkim(), Alignment::Relaxed);
        assert_eq!(r.aspf(), Alignment::Relaxed);
        assert_eq!(r.pct(), 100);
        assert_eq!(r.ri(), 86400);
        assert_eq!(r.fo(), [FailureOption::All]);
        assert_eq!(r.subdomain_policy(), Policy::Reject);
        assert!(!r.testing());
        let r = dmarc(
            "v=DMARC1; p=reject; sp=quarantine; np=reject; adkim=s; aspf=S; psd=n; t=y; \
             fo=0:1:d:s; rf=afrf; ri=3600; future=1",
        );
        assert!(r.errors().is_empty(), "{:?}", r.errors());
        assert_eq!(r.sp(), Some(Policy::Quarantine));
        assert_eq!(r.np(), Some(Policy::Reject));
        assert_eq!(r.adkim(), Alignment::Strict);
        assert_eq!(r.aspf(), Alignment::Strict);
        assert_eq!(r.psd(), Some(Psd::No));
        assert!(r.testing());
        assert_eq!(r.fo().len(), 4);
        assert_eq!(r.ri(), 3600);
        let unknown: Vec<_> = r.unknown_tags().map(|t| t.name()).collect();
        assert_eq!(unknown, ["future"]);
    }

    #[test]
    fn missing_p_is_an_error_and_reads_as_none() {
        let r = dmarc("v=DMARC1; rua=mailto:dmarc@example.com");
        assert_eq!(r.p(), None);
        assert_eq!(r.policy(), Policy::None);
        assert_eq!(
            messages(&r),
            [(
                String::new(),
                "expected a `p=` tag with the policy (`none`, `quarantine` or `reject`), found \
                 the end of the record"
                    .to_string()
            )]
        );
    }

    #[test]
    fn names_and_keywords_in_any_case() {
        let r = dmarc("v=DMARC1; P=Reject; ADKIM=s");
        assert!(r.errors().is_empty(), "{:?}", r.errors());
        assert_eq!(r.p(), Some(Policy::Reject));
        assert_eq!(r.adkim(), Alignment::Strict);
        let r = dmarc("v=DMARC1; p=none; P=reject");
        assert_eq!(
            messages(&r),
            [(
                "P=reject".to_string(),
                "expected each tag once, found a second `P=`".to_string()
            )]
        );
    }

    #[test]
    fn version_must_be_first_and_exact() {
        assert!(is_dmarc("v=DMARC1"));
        assert!(is_dmarc("v=DMARC1;p=none"));
        assert!(is_dmarc("v = DMARC1 ; p=none"));
        assert!(!is_dmarc("v=dmarc1; p=none"));
        assert!(!is_dmarc("v=DMARC10; p=none"));
        assert!(!is_dmarc("v=DMARC1 p=none"));
        assert!(is_dmarc("v=DMARC1 ;p=none"));
        assert!(!is_dmarc(" v=DMARC1; p=none"));
        assert!(!is_dmarc("p=none; v=DMARC1"));
        assert!(!is_dmarc("v=spf1 -all"));
        let r = dmarc("p=none; v=DMARC1");
        assert_eq!(
            messages(&r),
            [(
                "p=none".to_string(),
                "expected `v=DMARC1` as the first tag, found `p=none`".to_string()
            )]
        );
        let r = dmarc("v=DMARC1; p=none rua=mailto:d@example.com");
        assert_eq!(
            messages(&r),
            [(
                " ".to_string(),
                "expected `;` before `rua=`, found white space after `p=none`".to_string()
            )]
        );
        let r = dmarc("v=DMARC2; p=none");
        assert_eq!(
            messages(&r),
            [(
                "DMARC2".to_string(),
                "expected `DMARC1` as the value of `v`, found `DMARC2`".to_string()
            )]
        );
        let r = dmarc(" v=DMARC1; p=none");
        assert_eq!(
            messages(&r),
            [(
                " ".to_string(),
                "expected `v=DMARC1` at the start of the record, found white space".to_string()
            )]
        );
        let r = dmarc("");
        assert_eq!(r.errors().len(), 2);
        assert_eq!(
            r.errors()[0].message,
            "expected `v=DMARC1` as the first tag, found an empty record"
        );
    }

    #[test]
    fn bad_values_say_which_tag_and_what_is_allowed() {
        let cases = [
            (
                "p=rejected",
                "rejected",
                "expected `none`, `quarantine` or `reject` as the value of `p`, found `rejected`",
            ),
            (
                "p=none; sp=",
                "=",
                "expected `none`, `quarantine` or `reject` as the value of `sp`, found nothing",
            ),
            (
                "p=none; adkim=q",
                "q",
                "expected `r` (relaxed) or `s` (strict) as the value of `adkim`, found `q`",
            ),
            (
                "p=none; fo=0:x",
                "x",
                "expected `0`, `1`, `d` or `s` in the value of `fo`, found `x`",
            ),
            (
                "p=none; pct=150",
                "150",
                "expected a number from 0 to 100 as the value of `pct`, found `150`",
            ),
            (
                "p=none; rf=iodef",
                "iodef",
                "expected `afrf` in the value of `rf`, found `iodef`",
            ),
            (
                "p=none; ri=1d",
                "1d",
                "expected a number of seconds (such as `86400`) as the value of `ri`, found `1d`",
            ),
            (
                "p=none; psd=z",
                "z",
                "expected `y`, `n` or `u` as the value of `psd`, found `z`",
            ),
            (
                "p=none; t=maybe",
                "maybe",
                "expected `y` or `n` as the value of `t`, found `maybe`",
            ),
            (
                "p=none; rua=dmarc@example.com",
                "dmarc@example.com",
                "expected a URI such as `mailto:dmarc@example.com` in `rua`, found \
                 `dmarc@example.com`",
            ),
            (
                "p=none; rua=mailto:a@example.com,,mailto:b@example.com",
                ",",
                "expected a URI before `,` in `rua`, found `,`",
            ),
            (
                "p=none; ruf=mailto:x@example.com!5x",
                "x",
                "expected a size limit (digits and an optional unit `k`, `m`, `g` or `t`) in \
                 `ruf`, found `x`",
            ),
            (
                "p=none; rua=mailto:postmaster",
                "mailto:postmaster",
                "expected an address `local@domain` after `mailto:` in `rua`, found `postmaster`",
            ),
        ];
        for (tags, at, message) in cases {
            let text = format!("v=DMARC1; {tags}");
            let r = dmarc(&text);
            assert_eq!(
                messages(&r),
                [(at.to_string(), message.to_string())],
                "{text}"
            );
            assert!(r.errors()[0].help.is_some(), "{text}");
        }
        let r = dmarc("v=DMARC1; p=none; rua=dmarc@example.com");
        assert_eq!(
            r.errors()[0].help.as_deref(),
            Some("write `mailto:` before the address: `rua=mailto:dmarc@example.com`")
        );
    }

    #[test]
    fn uris_of_other_schemes_are_kept() {
        let r = dmarc(
            "v=DMARC1; p=none; rua=https://example.com/report , mailto:d@example.com?subject=x!1k",
        );
        assert!(r.errors().is_empty(), "{:?}", r.errors());
        assert_eq!(r.rua()[0].scheme, "https");
        assert_eq!(r.rua()[0].address, None);
        assert_eq!(r.rua()[1].address.as_deref(), Some("d@example.com"));
        assert_eq!(r.rua()[1].size.map(|s| s.0), Some(1024));
    }
}
