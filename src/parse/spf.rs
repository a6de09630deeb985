//! SPF records (RFC 7208), read from the joined value of a TXT record.
//!
//! A record is `v=spf1` followed by terms separated by spaces (§4.5, §4.6.1, ABNF in §12): a
//! mechanism with an optional qualifier (`+`, `-`, `~`, `?`): `all`, `include:domain`,
//! `a[:domain][/cidr][//cidr6]`, `mx[…]`, `ptr[:domain]`, `ip4:addr[/0-32]`,
//! `ip6:addr[/0-128]`, `exists:domain`; or a modifier `redirect=domain`, `exp=domain`, or any
//! other `name=value` (allowed, and ignored by evaluators, §6). Domain specifications may hold
//! macros (§7): `%{d}`, `%{ir}`, `%{d2}`, `%{l-}`, `%%`, `%_`, `%-`. Names and macro letters are
//! case-insensitive. Grammar: `grammar/spf.pest`.
//!
//! [`parse`] never fails: a term that does not parse becomes [`TermKind::Invalid`] with a
//! [`SyntaxError`] saying what was expected and what was found, and the other terms are still
//! read. Spans are byte offsets into the record's text; [`crate::parse::txt::TxtText`] maps them
//! to the zone file. The record keeps its text, and its pieces (the version, the terms and the
//! runs of spaces) tile it, so [`SpfRecord::render`] gives it back byte for byte.
//!
//! Decisions where the RFC is silent or the brief left a choice:
//! - [`is_spf`] follows §4.5 strictly: the text starts with `v=spf1` (any case) followed by a
//!   space or the end; a leading space or `v=spf10` is not SPF. [`parse`] still reads such text
//!   term by term (so a rule can see `+ip4:` in a TXT record that is not SPF) and reports the
//!   version in [`SpfRecord::version_error`].
//! - Only a space separates terms; a tab is part of a term and reported there.
//! - `domain-end` is enforced: a domain-spec ends with a macro or with `.` and a top label that
//!   is not all digits, so `a:192.0.2.1` and `include:localhost` are errors (with help).
//! - The macro letters `c`, `r` and `t` are allowed only in explanation text (§7.2): in a record,
//!   including in `exp=`, they are errors; [`explanation`] reads explanation text. A macro's
//!   digits must not be zero (§7.3).
//! - A term glued to the previous one (`ip4:192.0.2.1~all`) is reported as a missing space
//!   when what comes before the glued qualifier is a valid term on its own.
//! - Facts that are not syntax errors are left to rules: repeated `redirect`/`exp`, terms after
//!   `all`, unknown modifiers (even `include=…`, see [`Modifier::looks_like_mechanism`]),
//!   `ptr`, host bits set under a prefix length.

use crate::parse::{Lossless, SyntaxError, describe_char};
use crate::source::Span;
use pest::Parser;
use pest::iterators::Pair;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

#[derive(pest_derive::Parser)]
#[grammar = "grammar/spf.pest"]
struct SpfParser;

/// Whether a TXT value is an SPF record (RFC 7208 §4.5): it starts with `v=spf1`, in any case,
/// followed by a space or the end.
pub fn is_spf(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() >= 6 && b[..6].eq_ignore_ascii_case(b"v=spf1") && b.get(6).is_none_or(|&c| c == b' ')
}

/// A parsed SPF record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpfRecord {
    /// The record as given to [`parse`].
    pub text: String,
    /// The first word when it starts with `v=spf1` (any case): exactly `v=spf1` in an SPF
    /// record, or a word such as `v=spf10` that [`SpfRecord::version_error`] reports.
    pub version: Option<Span>,
    /// Why the text is not an SPF record as it stands: it does not start with `v=spf1`
    /// followed by a space or the end.
    pub version_error: Option<SyntaxError>,
    /// The terms after the version (when the first word does not start with `v=spf1`, it is a
    /// term too: `path=/` in `path=/ +ip4:192.0.2.1`).
    pub terms: Vec<SpfTerm>,
    /// The runs of spaces: between words, and before the first and after the last.
    pub spaces: Vec<Span>,
}

/// A qualifier: the result a mechanism gives when it matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Qualifier {
    /// `+` (the default).
    Pass,
    /// `-`
    Fail,
    /// `~`
    SoftFail,
    /// `?`
    Neutral,
}

impl Qualifier {
    fn from_char(c: u8) -> Option<Qualifier> {
        match c {
            b'+' => Some(Qualifier::Pass),
            b'-' => Some(Qualifier::Fail),
            b'~' => Some(Qualifier::SoftFail),
            b'?' => Some(Qualifier::Neutral),
            _ => None,
        }
    }

    pub fn as_char(self) -> char {
        match self {
            Qualifier::Pass => '+',
            Qualifier::Fail => '-',
            Qualifier::SoftFail => '~',
            Qualifier::Neutral => '?',
        }
    }
}

/// One space-separated term.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpfTerm {
    /// The whole term.
    pub span: Span,
    /// The qualifier written before a mechanism.
    pub qualifier: Option<(Qualifier, Span)>,
    /// The mechanism or modifier name as written (empty when none could be read).
    pub name: Span,
    pub kind: TermKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TermKind {
    Mechanism(Mechanism),
    Modifier(Modifier),
    /// A term that does not parse; the error says why.
    Invalid(SyntaxError),
}

/// A mechanism (RFC 7208 §5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mechanism {
    All,
    Include(DomainSpec),
    A {
        domain: Option<DomainSpec>,
        cidr: DualCidr,
    },
    Mx {
        domain: Option<DomainSpec>,
        cidr: DualCidr,
    },
    Ptr(Option<DomainSpec>),
    Ip4 {
        addr: Ipv4Addr,
        /// The address as written.
        addr_span: Span,
        prefix: Option<Prefix>,
    },
    Ip6 {
        addr: Ipv6Addr,
        addr_span: Span,
        prefix: Option<Prefix>,
    },
    Exists(DomainSpec),
}

impl Mechanism {
    /// The mechanism's name in lower case (`include`, `ip4`).
    pub fn name(&self) -> &'static str {
        match self {
            Mechanism::All => "all",
            Mechanism::Include(_) => "include",
            Mechanism::A { .. } => "a",
            Mechanism::Mx { .. } => "mx",
            Mechanism::Ptr(_) => "ptr",
            Mechanism::Ip4 { .. } => "ip4",
            Mechanism::Ip6 { .. } => "ip6",
            Mechanism::Exists(_) => "exists",
        }
    }

    /// The domain-spec it names, if any.
    pub fn domain(&self) -> Option<&DomainSpec> {
        match self {
            Mechanism::Include(d) | Mechanism::Exists(d) => Some(d),
            Mechanism::A { domain, .. } | Mechanism::Mx { domain, .. } | Mechanism::Ptr(domain) => {
                domain.as_ref()
            }
            _ => None,
        }
    }

    /// Whether evaluating it queries DNS (RFC 7208 §4.6.4: `include`, `a`, `mx`, `ptr`, `exists`).
    pub fn needs_dns(&self) -> bool {
        matches!(
            self,
            Mechanism::Include(_)
                | Mechanism::A { .. }
                | Mechanism::Mx { .. }
                | Mechanism::Ptr(_)
                | Mechanism::Exists(_)
        )
    }
}

/// A CIDR prefix length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Prefix {
    pub len: u8,
    /// The `/` and the digits (`/24`).
    pub span: Span,
}

/// The prefix lengths of `a` and `mx` (`/24`, `//64`, `/24//64`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DualCidr {
    pub v4: Option<Prefix>,
    pub v6: Option<Prefix>,
}

/// A modifier (RFC 7208 §6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Modifier {
    Redirect(DomainSpec),
    Exp(DomainSpec),
    /// Any other `name=value`, which evaluators ignore.
    Unknown {
        /// Lower case.
        name: String,
        value: MacroString,
    },
}

impl Modifier {
    /// The modifier's name in lower case.
    pub fn name(&self) -> &str {
        match self {
            Modifier::Redirect(_) => "redirect",
            Modifier::Exp(_) => "exp",
            Modifier::Unknown { name, .. } => name,
        }
    }

    /// Whether this is an unknown modifier named like a mechanism (`include=example.com`, which
    /// evaluators ignore although the author meant `include:`).
    pub fn looks_like_mechanism(&self) -> bool {
        matches!(self, Modifier::Unknown { name, .. } if MECHANISMS.contains(&name.as_str()))
    }
}

/// A macro-string as written, with its macros.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MacroString {
    pub span: Span,
    pub raw: String,
    pub macros: Vec<Macro>,
}

/// A domain-spec (a macro-string that ends with a top label or a macro).
pub type DomainSpec = MacroString;

impl MacroString {
    pub fn has_macros(&self) -> bool {
        !self.macros.is_empty()
    }

    /// The name without a final dot, in lower case, when it has no macros.
    pub fn domain(&self) -> Option<String> {
        if self.has_macros() {
            return None;
        }
        let raw = self.raw.strip_suffix('.').unwrap_or(&self.raw);
        Some(raw.to_ascii_lowercase())
    }
}

/// A macro in a macro-string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Macro {
    pub span: Span,
    pub kind: MacroKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MacroKind {
    /// `%{` letter digits `r` delimiters `}`.
    Expand {
        /// Lower case.
        letter: char,
        /// Written in upper case: the value is URL-escaped (§7.3).
        url_escape: bool,
        /// How many right-hand parts to keep.
        digits: Option<u32>,
        /// `r`: the parts are reversed.
        reverse: bool,
        /// The delimiters that split the value (`.` when empty).
        delimiters: String,
    },
    /// `%%`
    Percent,
    /// `%_`
    Space,
    /// `%-`
    UrlSpace,
}

/// The mechanisms, by name.
const MECHANISMS: &[&str] = &["all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists"];

const MECHANISM_LIST: &str =
    "a mechanism (`all`, `include`, `a`, `mx`, `ptr`, `ip4`, `ip6`, `exists`)";

const TERM_HELP: &str = "an SPF record is `v=spf1` and terms separated by spaces, such as \
    `v=spf1 +a +mx +ip4:192.0.2.1 include:_spf.example.com ~all`";

const MACRO_HELP: &str = "a macro is `%{`, a letter, optional digits and `r`, optional \
    delimiters among `.-+,/_=`, and `}`, such as `%{ir}` or `%{d2}`; write `%%` for a `%`";

impl SpfRecord {
    /// Mechanisms in order, with their terms.
    pub fn mechanisms(&self) -> impl Iterator<Item = (&SpfTerm, &Mechanism)> {
        self.terms.iter().filter_map(|t| match &t.kind {
            TermKind::Mechanism(m) => Some((t, m)),
            _ => None,
        })
    }

    /// Modifiers in order, with their terms.
    pub fn modifiers(&self) -> impl Iterator<Item = (&SpfTerm, &Modifier)> {
        self.terms.iter().filter_map(|t| match &t.kind {
            TermKind::Modifier(m) => Some((t, m)),
            _ => None,
        })
    }

    /// The first `all` mechanism.
    pub fn all(&self) -> Option<&SpfTerm> {
        self.mechanisms()
            .find(|(_, m)| matches!(m, Mechanism::All))
            .map(|(t, _)| t)
    }

    /// The first `redirect=` modifier and its domain.
    pub fn redirect(&self) -> Option<(&SpfTerm, &DomainSpec)> {
        self.modifiers().find_map(|(t, m)| match m {
            Modifier::Redirect(d) => Some((t, d)),
            _ => None,
        })
    }

    /// The first `exp=` modifier and its domain.
    pub fn exp(&self) -> Option<(&SpfTerm, &DomainSpec)> {
        self.modifiers().find_map(|(t, m)| match m {
            Modifier::Exp(d) => Some((t, d)),
            _ => None,
        })
    }

    /// The terms after the first `all` (mechanisms there are never evaluated, §5.1).
    pub fn terms_after_all(&self) -> &[SpfTerm] {
        match self
            .terms
            .iter()
            .position(|t| matches!(t.kind, TermKind::Mechanism(Mechanism::All)))
        {
            Some(i) => &self.terms[i + 1..],
            None => &[],
        }
    }

    /// Every syntax error: the version's, then the invalid terms' in order.
    pub fn errors(&self) -> impl Iterator<Item = &SyntaxError> {
        self.version_error
            .iter()
            .chain(self.terms.iter().filter_map(|t| match &t.kind {
                TermKind::Invalid(e) => Some(e),
                _ => None,
            }))
    }

    /// Whether the record is an SPF record (see [`is_spf`]).
    pub fn is_spf(&self) -> bool {
        is_spf(&self.text)
    }

    /// The text of a span of the record.
    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }

    /// The record rebuilt from its pieces (version, terms, spaces): the input, byte for byte.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(self.text.len());
        for span in self.pieces() {
            out.push_str(self.slice(span));
        }
        out
    }
}

impl Lossless for SpfRecord {
    fn pieces(&self) -> Vec<Span> {
        let mut pieces: Vec<Span> = self
            .version
            .iter()
            .copied()
            .chain(self.terms.iter().map(|t| t.span))
            .chain(self.spaces.iter().copied())
            .collect();
        pieces.sort_by_key(|s| s.start);
        pieces
    }
}

/// Parses the joined value of a TXT record as an SPF record. Never fails; see
/// [`SpfRecord::errors`].
pub fn parse(text: &str) -> SpfRecord {
    let mut words = Vec::new();
    let mut spaces = Vec::new();
    match SpfParser::parse(Rule::record, text) {
        Ok(mut pairs) => {
            let record = pairs.next().expect("record rule");
            for p in record.into_inner() {
                match p.as_rule() {
                    Rule::word => words.push(Span::from_pest(p.as_span())),
                    Rule::sp => spaces.push(Span::from_pest(p.as_span())),
                    _ => {}
                }
            }
        }
        // The rule matches any text; keep the text whole if it ever does not.
        Err(_) if text.is_empty() => {}
        Err(_) => words.push(Span::new(0, text.len())),
    }
    let reader = Reader { text };
    let mut version = None;
    let mut rest = &words[..];
    let version_help = "an SPF record starts with `v=spf1` followed by a space or the end of \
        the record (RFC 7208 §4.5); any other TXT record is not SPF";
    let version_error = match words.first() {
        Some(&w) => {
            let word = reader.slice(w);
            let b = word.as_bytes();
            let (ws, we) = (w.start as usize, w.end as usize);
            let leading_space = || {
                SyntaxError::new(
                    Span::new(0, ws),
                    "expected `v=spf1` at the start of the record, found a space",
                )
            };
            let error = if b.len() >= 6 && b[..6].eq_ignore_ascii_case(b"v=spf1") {
                version = Some(w);
                rest = &words[1..];
                if SpfParser::parse(Rule::version, word).is_err() {
                    Some(SyntaxError::new(
                        Span::new(ws + 6, we),
                        format!(
                            "expected a space or the end of the record after `v=spf1`, found {}",
                            reader.found(ws + 6)
                        ),
                    ))
                } else if ws > 0 {
                    Some(leading_space())
                } else {
                    None
                }
            } else if ws > 0 {
                Some(leading_space())
            } else {
                Some(SyntaxError::new(
                    w,
                    format!(
                        "expected `v=spf1` at the start of the record, found {}",
                        show(word)
                    ),
                ))
            };
            error.map(|e| e.with_help(version_help))
        }
        None => Some(
            SyntaxError::new(
                Span::new(0, text.len()),
                "expected `v=spf1` at the start of the record, found an empty record",
            )
            .with_help(version_help),
        ),
    };
    let terms = rest.iter().map(|&w| reader.term(w, true)).collect();
    SpfRecord {
        text: text.to_string(),
        version,
        version_error,
        terms,
        spaces,
    }
}

/// Explanation text: the TXT record named by `exp=`, expanded and shown to the sender (§6.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation {
    pub macros: Vec<Macro>,
    pub error: Option<SyntaxError>,
}

/// Reads explanation text (macro-strings and spaces; the letters `c`, `r`, `t` are allowed).
pub fn explanation(text: &str) -> Explanation {
    match SpfParser::parse(Rule::explain_string, text) {
        Ok(mut pairs) => {
            let mut macros = Vec::new();
            let mut error = None;
            for p in pairs.next().expect("explain_string").into_inner() {
                if let Some(m) = macro_of(p, 0) {
                    if error.is_none() {
                        error = macro_value_error(&m, text, true);
                    }
                    macros.push(m);
                }
            }
            Explanation { macros, error }
        }
        Err(e) => {
            let at = error_pos(&e);
            Explanation {
                macros: Vec::new(),
                error: Some(macro_error(text, 0, at, |a| {
                    describe_at(text, a, "the end of the text")
                })),
            }
        }
    }
}

/// Reads terms of one record.
struct Reader<'a> {
    text: &'a str,
}

impl<'a> Reader<'a> {
    fn slice(&self, span: Span) -> &'a str {
        &self.text[span.range()]
    }

    /// What is at `at` in the record, for "found …": a character of a term, or what ends it.
    fn found(&self, at: usize) -> String {
        found_in(self.text, at)
    }

    /// Reads one term; when it is invalid and `glued` is set, looks for a missing space first.
    fn term(&self, span: Span, glued: bool) -> SpfTerm {
        let word = self.slice(span);
        let off = span.start as usize;
        let end = span.end as usize;
        let pairs = match SpfParser::parse(Rule::term, word) {
            Ok(mut p) => p.next().expect("term rule").into_inner(),
            Err(_) => {
                let qualifier =
                    Qualifier::from_char(word.as_bytes()[0]).map(|q| (q, Span::new(off, off + 1)));
                let error = match qualifier {
                    Some((q, _)) => SyntaxError::new(
                        Span::new(off, end),
                        format!(
                            "expected {MECHANISM_LIST} after the qualifier `{}`, found {}",
                            q.as_char(),
                            self.found(off + 1)
                        ),
                    ),
                    None => {
                        let mut e = SyntaxError::new(
                            span,
                            format!(
                                "expected {MECHANISM_LIST} or a modifier (`name=value`), found {}",
                                show(word)
                            ),
                        );
                        if let Ok(ip) = word.parse::<IpAddr>() {
                            let kind = if ip.is_ipv4() { "ip4" } else { "ip6" };
                            e = e.with_help(format!("list an address as `{kind}:{word}`"));
                        }
                        e
                    }
                };
                let error = if error.help.is_none() {
                    error.with_help(TERM_HELP)
                } else {
                    error
                };
                return self.invalid(span, qualifier, Span::at(off), error, glued);
            }
        };
        let mut qualifier = None;
        let mut name = Span::at(off);
        let mut tail = Span::at(end);
        for p in pairs {
            let s = Span::from_pest(p.as_span()).offset(off);
            match p.as_rule() {
                Rule::qualifier => {
                    qualifier = Qualifier::from_char(p.as_str().as_bytes()[0]).map(|q| (q, s));
                }
                Rule::name => name = s,
                Rule::tail => tail = s,
                _ => {}
            }
        }
        let lname = self.slice(name).to_ascii_lowercase();
        let result = if self.text.as_bytes().get(tail.start as usize) == Some(&b'=') {
            self.modifier(&lname, name, qualifier, tail)
                .map(TermKind::Modifier)
        } else {
            self.mechanism(&lname, name, tail).map(TermKind::Mechanism)
        };
        match result {
            Ok(kind) => SpfTerm {
                span,
                qualifier,
                name,
                kind,
            },
            Err(e) => self.invalid(span, qualifier, name, e, glued),
        }
    }

    /// An invalid term, or, when the term is a valid term glued to another
    /// (`ip4:192.0.2.1~all`), an invalid term saying a space is missing.
    fn invalid(
        &self,
        span: Span,
        qualifier: Option<(Qualifier, Span)>,
        name: Span,
        error: SyntaxError,
        glued: bool,
    ) -> SpfTerm {
        let error = if glued {
            self.missing_space(span).unwrap_or(error)
        } else {
            error
        };
        SpfTerm {
            span,
            qualifier,
            name,
            kind: TermKind::Invalid(error),
        }
    }

    /// If the term is a valid term followed without a space by a qualified mechanism, the error
    /// to report.
    fn missing_space(&self, span: Span) -> Option<SyntaxError> {
        let word = self.slice(span);
        let b = word.as_bytes();
        let candidates = (1..b.len())
            .filter(|&i| Qualifier::from_char(b[i]).is_some() && starts_mechanism(&word[i + 1..]))
            .take(4);
        for i in candidates {
            let off = span.start as usize;
            let head = self.term(Span::new(off, off + i), false);
            if matches!(head.kind, TermKind::Invalid(_)) {
                continue;
            }
            let second = &word[i..];
            return Some(
                SyntaxError::new(
                    Span::new(off + i, span.end as usize),
                    format!(
                        "expected a space before {}, found it joined to {}",
                        show(second),
                        show(&word[..i])
                    ),
                )
                .with_help("separate the terms of an SPF record with a space"),
            );
        }
        None
    }

    fn modifier(
        &self,
        lname: &str,
        name: Span,
        qualifier: Option<(Qualifier, Span)>,
        tail: Span,
    ) -> Result<Modifier, SyntaxError> {
        if let Some((q, qs)) = qualifier {
            return Err(SyntaxError::new(
                qs.join(name),
                format!(
                    "expected {MECHANISM_LIST} after the qualifier `{}`, found the modifier `{}=`",
                    q.as_char(),
                    self.slice(name)
                ),
            )
            .with_help(format!(
                "a modifier takes no qualifier: write `{}={}`",
                self.slice(name),
                self.slice(Span::new(tail.start as usize + 1, tail.end as usize))
            )));
        }
        let value = Span::new(tail.start as usize + 1, tail.end as usize);
        let written = format!("`{}=`", self.slice(name));
        match lname {
            "redirect" => Ok(Modifier::Redirect(self.domain_spec(value, &written)?)),
            "exp" => Ok(Modifier::Exp(self.domain_spec(value, &written)?)),
            _ => Ok(Modifier::Unknown {
                name: lname.to_string(),
                value: self.macro_string(value, &written)?,
            }),
        }
    }

    fn mechanism(&self, lname: &str, name: Span, tail: Span) -> Result<Mechanism, SyntaxError> {
        let written = self.slice(name);
        let t = self.slice(tail);
        let first = t.as_bytes().first().copied();
        let after_name = name.end as usize;
        let expected_after = |what: &str| {
            SyntaxError::new(
                Span::new(after_name, tail.end as usize),
                format!(
                    "expected {what} after `{written}`, found {}",
                    self.found(after_name)
                ),
            )
            .with_help(mechanism_help(lname))
        };
        let arg = Span::new(
            (tail.start as usize + 1).min(tail.end as usize),
            tail.end as usize,
        );
        match lname {
            "all" => {
                if t.is_empty() {
                    Ok(Mechanism::All)
                } else {
                    Err(expected_after("a space or the end of the record"))
                }
            }
            "include" | "exists" => {
                if first != Some(b':') {
                    return Err(expected_after("`:` and a domain"));
                }
                let d = self.domain_spec(arg, &format!("`{written}:`"))?;
                Ok(if lname == "include" {
                    Mechanism::Include(d)
                } else {
                    Mechanism::Exists(d)
                })
            }
            "ptr" => match first {
                None => Ok(Mechanism::Ptr(None)),
                Some(b':') => Ok(Mechanism::Ptr(Some(
                    self.domain_spec(arg, &format!("`{written}:`"))?,
                ))),
                Some(_) => Err(expected_after("`:`, a space or the end of the record")),
            },
            "a" | "mx" => {
                if !matches!(first, None | Some(b':' | b'/')) {
                    return Err(expected_after("`:`, `/`, a space or the end of the record"));
                }
                let (domain, cidr) = if t.is_empty() {
                    (None, DualCidr::default())
                } else {
                    self.a_arg(tail, written)?
                };
                Ok(if lname == "a" {
                    Mechanism::A { domain, cidr }
                } else {
                    Mechanism::Mx { domain, cidr }
                })
            }
            "ip4" | "ip6" => {
                if first != Some(b':') {
                    let what = if lname == "ip4" {
                        "`:` and an IPv4 address"
                    } else {
                        "`:` and an IPv6 address"
                    };
                    return Err(expected_after(what));
                }
                self.ip(lname == "ip4", written, arg)
            }
            _ => Err(self.unknown_mechanism(name, tail)),
        }
    }

    fn unknown_mechanism(&self, name: Span, tail: Span) -> SyntaxError {
        let written = self.slice(name);
        let lname = written.to_ascii_lowercase();
        let term = self.slice(name.join(tail));
        let mut e = SyntaxError::new(
            name.join(tail),
            format!(
                "expected {MECHANISM_LIST} or a modifier (`name=value`), found {}",
                show(term)
            ),
        );
        let help = match lname.as_str() {
            "ipv4" | "ip" => Some("write IPv4 addresses as `ip4:192.0.2.1`".to_string()),
            "ipv6" => Some("write IPv6 addresses as `ip6:2001:db8::1`".to_string()),
            "redirect" | "exp" => Some(format!("write `{lname}=domain`, with `=`")),
            "spf1" | "v" => Some("`v=spf1` comes once, at the start of the record".to_string()),
            _ => None,
        };
        e = e.with_help(help.unwrap_or_else(|| TERM_HELP.to_string()));
        e
    }

    /// `[:domain-spec][dual-cidr-length]` after `a` or `mx`.
    fn a_arg(
        &self,
        tail: Span,
        written: &str,
    ) -> Result<(Option<DomainSpec>, DualCidr), SyntaxError> {
        let off = tail.start as usize;
        let mut domain = None;
        let mut cidr = DualCidr::default();
        let Ok(mut pairs) = SpfParser::parse(Rule::a_arg, self.slice(tail)) else {
            // Not reached: the caller checked the first character, and the rest always matches.
            return Err(SyntaxError::new(
                tail,
                format!("expected `:` or `/` after `{written}`"),
            ));
        };
        for p in pairs.next().expect("a_arg").into_inner() {
            let s = Span::from_pest(p.as_span()).offset(off);
            match p.as_rule() {
                Rule::target => domain = Some(self.domain_spec(s, &format!("`{written}:`"))?),
                Rule::cidr_text => cidr = self.dual_cidr(s, written)?,
                _ => {}
            }
        }
        Ok((domain, cidr))
    }

    /// A dual-cidr-length at `span` (starting with `/`).
    fn dual_cidr(&self, span: Span, written: &str) -> Result<DualCidr, SyntaxError> {
        let text = self.slice(span);
        let bad = || {
            SyntaxError::new(
                span,
                format!(
                    "expected a prefix length (`/24`, `//64` or `/24//64`) after `{written}`, found {}",
                    show(text)
                ),
            )
            .with_help(
                "after `a` or `mx`, `/N` is an IPv4 prefix length (0 to 32) and `//N` an IPv6 one \
                 (0 to 128)",
            )
        };
        let Ok(mut pairs) = SpfParser::parse(Rule::dual_cidr_full, text) else {
            return Err(bad());
        };
        let mut cidr = DualCidr::default();
        for p in pairs.next().expect("dual_cidr_full").into_inner() {
            let s = Span::from_pest(p.as_span()).offset(span.start as usize);
            match p.as_rule() {
                Rule::cidr4 => cidr.v4 = Some(self.prefix(s, 32, written)?),
                Rule::cidr6 => cidr.v6 = Some(self.prefix(s, 128, written)?),
                _ => {}
            }
        }
        Ok(cidr)
    }

    /// A prefix length `/N` at `span`, at most `max`.
    fn prefix(&self, span: Span, max: u32, written: &str) -> Result<Prefix, SyntaxError> {
        let text = self.slice(span);
        let digits = text.strip_prefix('/').unwrap_or(text);
        let kind = if max == 32 { "IPv4" } else { "IPv6" };
        let value = digits
            .parse::<u32>()
            .ok()
            .filter(|&v| v <= max && digits.bytes().all(|b| b.is_ascii_digit()));
        match value {
            Some(v) if digits.len() == 1 || !digits.starts_with('0') => {
                Ok(Prefix { len: v as u8, span })
            }
            _ => Err(SyntaxError::new(
                span,
                format!(
                    "expected an {kind} prefix length from 0 to {max} after `{written}`, found {}",
                    show(text)
                ),
            )
            .with_help(format!(
                "a prefix length is a number from 0 to {max} without leading zeros, such as `/24`"
            ))),
        }
    }

    /// `ip4:addr[/N]` or `ip6:addr[/N]`, the argument after the `:` at `arg`.
    fn ip(&self, v4: bool, written: &str, arg: Span) -> Result<Mechanism, SyntaxError> {
        let text = self.slice(arg);
        let (addr_text, prefix_at) = match text.find('/') {
            Some(i) => (&text[..i], Some(i)),
            None => (text, None),
        };
        let addr_span = Span::new(arg.start as usize, arg.start as usize + addr_text.len());
        let (kind, example, other) = if v4 {
            ("IPv4", "192.0.2.1", "ip6")
        } else {
            ("IPv6", "2001:db8::1", "ip4")
        };
        let bad_addr = || {
            let found = if addr_text.is_empty() {
                self.found(addr_span.start as usize)
            } else {
                show(addr_text)
            };
            let mut e = SyntaxError::new(
                if addr_text.is_empty() {
                    Span::at(addr_span.start as usize)
                } else {
                    addr_span
                },
                format!("expected an {kind} address after `{written}:`, found {found}"),
            );
            let other_parses = if v4 {
                addr_text.parse::<Ipv6Addr>().is_ok()
            } else {
                addr_text.parse::<Ipv4Addr>().is_ok()
            };
            e = if other_parses {
                e.with_help(format!(
                    "this is not an {kind} address: write `{other}:{addr_text}`"
                ))
            } else if v4 {
                e.with_help(format!(
                    "an IPv4 address is four numbers from 0 to 255 without leading zeros, such as `{example}`"
                ))
            } else {
                e.with_help(format!("write an IPv6 address such as `{example}`"))
            };
            e
        };
        let prefix = prefix_at.map(|i| {
            self.prefix(
                Span::new(arg.start as usize + i, arg.end as usize),
                if v4 { 32 } else { 128 },
                &format!("{written}:{addr_text}"),
            )
        });
        if v4 {
            let addr = addr_text.parse::<Ipv4Addr>().map_err(|_| bad_addr())?;
            Ok(Mechanism::Ip4 {
                addr,
                addr_span,
                prefix: prefix.transpose()?,
            })
        } else {
            let addr = addr_text.parse::<Ipv6Addr>().map_err(|_| bad_addr())?;
            Ok(Mechanism::Ip6 {
                addr,
                addr_span,
                prefix: prefix.transpose()?,
            })
        }
    }

    /// A macro-string at `span` (the value of an unknown modifier; may be empty).
    fn macro_string(&self, span: Span, after: &str) -> Result<MacroString, SyntaxError> {
        self.macros(span, Rule::macro_string_full, after)
    }

    /// A domain-spec at `span`, which `after` (`` `include:` ``) introduces.
    fn domain_spec(&self, span: Span, after: &str) -> Result<DomainSpec, SyntaxError> {
        let text = self.slice(span);
        if text.is_empty() {
            return Err(SyntaxError::new(
                Span::at(span.start as usize),
                format!(
                    "expected a domain after {after}, found {}",
                    self.found(span.start as usize)
                ),
            )
            .with_help(format!(
                "write a domain name after {after}, such as `_spf.example.com`"
            )));
        }
        let spec = self.macros(span, Rule::domain_spec_full, after)?;
        self.domain_end(&spec, after)?;
        Ok(spec)
    }

    /// Reads a macro-string with `rule`, and checks its macros.
    fn macros(&self, span: Span, rule: Rule, after: &str) -> Result<MacroString, SyntaxError> {
        let text = self.slice(span);
        let off = span.start as usize;
        match SpfParser::parse(rule, text) {
            Ok(mut pairs) => {
                let mut macros = Vec::new();
                for p in pairs.next().expect("macro string").into_inner() {
                    if let Some(m) = macro_of(p, off) {
                        if let Some(e) = macro_value_error(&m, self.text, false) {
                            return Err(e);
                        }
                        macros.push(m);
                    }
                }
                Ok(MacroString {
                    span,
                    raw: text.to_string(),
                    macros,
                })
            }
            Err(e) => {
                let at = error_pos(&e);
                let mut err = macro_error(text, off, at, |a| self.found(a));
                if err.help.is_none() {
                    err = err.with_help(format!(
                        "the value after {after} is made of visible ASCII characters and macros"
                    ));
                }
                Err(err)
            }
        }
    }

    /// Checks that a domain-spec ends with a macro or with `.` and a top label.
    fn domain_end(&self, spec: &DomainSpec, after: &str) -> Result<(), SyntaxError> {
        let raw = spec.raw.as_str();
        // The literal text after the last macro.
        let lit_start = spec
            .macros
            .last()
            .map_or(0, |m| (m.span.end - spec.span.start) as usize);
        let lit = &raw[lit_start..];
        if lit.is_empty() {
            return Ok(());
        }
        let name = lit.strip_suffix('.').unwrap_or(lit);
        let top = name.rfind('.').map(|i| &name[i + 1..]);
        if let Some(top) = top
            && is_toplabel(top)
        {
            return Ok(());
        }
        let mut e = SyntaxError::new(spec.span, String::new());
        if let Ok(ip) = raw.parse::<IpAddr>() {
            let kind = if ip.is_ipv4() { "ip4" } else { "ip6" };
            e.message = format!("expected a domain name after {after}, found the address `{raw}`");
            e = e.with_help(format!(
                "{after} takes a host name; list an address as `{kind}:{raw}`"
            ));
        } else if top.is_none() && spec.macros.is_empty() {
            e.message = format!(
                "expected a fully qualified domain name after {after}, found {} (no dot)",
                show(raw)
            );
            e = e.with_help("write the whole name, such as `_spf.example.com`");
        } else if top.is_none() {
            e.message = format!(
                "expected the domain after {after} to end with a macro or with `.` and a \
                 top-level label, found {}",
                show(raw)
            );
            e = e.with_help("such as `%{d}` or `%{i}._spf.example.com`");
        } else if top == Some("") {
            e.message = format!(
                "expected a domain name after {after}, found {}, which ends with an empty label",
                show(raw)
            );
            e = e.with_help("remove the extra dot: a name may end with one dot at most");
        } else {
            let top = top.unwrap_or(name);
            e.message = format!(
                "expected a domain name after {after}, found {}, whose last label {} is not a \
                 top-level label",
                show(raw),
                show(top)
            );
            e = e.with_help(
                "a domain here ends with a label of letters, digits and inner hyphens that is \
                 not all digits, or with a macro such as `%{d}`",
            );
        }
        Err(e)
    }
}

/// Whether `s` starts with a mechanism name followed by the end, `:` or `/`.
fn starts_mechanism(s: &str) -> bool {
    MECHANISMS.iter().any(|m| {
        s.len() >= m.len()
            && s.as_bytes()[..m.len()].eq_ignore_ascii_case(m.as_bytes())
            && matches!(s.as_bytes().get(m.len()), None | Some(b':' | b'/'))
    })
}

/// RFC 7208 `toplabel`: letters and digits with at least one letter, or letters, digits and
/// hyphens with an inner hyphen.
fn is_toplabel(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_empty() || !b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-') {
        return false;
    }
    if b.contains(&b'-') {
        b[0].is_ascii_alphanumeric() && b[b.len() - 1].is_ascii_alphanumeric()
    } else {
        b.iter().any(u8::is_ascii_alphabetic)
    }
}

fn mechanism_help(name: &str) -> &'static str {
    match name {
        "all" => "`all` takes no argument: write `-all` or `~all` as the last term",
        "include" => "write `include:` and a domain, such as `include:_spf.example.com`",
        "exists" => "write `exists:` and a domain, such as `exists:%{i}._spf.example.com`",
        "ptr" => "write `ptr` or `ptr:example.com` (and better not at all, RFC 7208 §5.5)",
        "a" => "write `a`, `a:mail.example.com`, `a/24` or `a:mail.example.com/24//64`",
        "mx" => "write `mx`, `mx:example.com`, `mx/24` or `mx:example.com/24//64`",
        "ip4" => {
            "write `ip4:` and an address or network, such as `ip4:192.0.2.1` or `ip4:192.0.2.0/24`"
        }
        _ => "write `ip6:` and an address or network, such as `ip6:2001:db8::/32`",
    }
}

/// The macro of a pair, if it is one (`off`: where the parsed text starts in the record).
fn macro_of(p: Pair<'_, Rule>, off: usize) -> Option<Macro> {
    let span = Span::from_pest(p.as_span()).offset(off);
    let kind = match p.as_rule() {
        Rule::macro_escape => match p.as_str() {
            "%%" => MacroKind::Percent,
            "%_" => MacroKind::Space,
            _ => MacroKind::UrlSpace,
        },
        Rule::macro_expand => {
            let mut letter = 'd';
            let mut url_escape = false;
            let mut digits = None;
            let mut reverse = false;
            let mut delimiters = String::new();
            for q in p.into_inner() {
                match q.as_rule() {
                    Rule::macro_letter => {
                        let c = q.as_str().chars().next().unwrap_or('d');
                        url_escape = c.is_ascii_uppercase();
                        letter = c.to_ascii_lowercase();
                    }
                    Rule::digits => {
                        digits = Some(q.as_str().parse::<u32>().unwrap_or(u32::MAX));
                    }
                    Rule::reverse => reverse = true,
                    Rule::delimiters => delimiters = q.as_str().to_string(),
                    _ => {}
                }
            }
            MacroKind::Expand {
                letter,
                url_escape,
                digits,
                reverse,
                delimiters,
            }
        }
        _ => return None,
    };
    Some(Macro { span, kind })
}

/// A macro that parses but is not allowed: `c`, `r`, `t` outside explanation text (§7.2), zero
/// digits (§7.3).
fn macro_value_error(m: &Macro, text: &str, explanation: bool) -> Option<SyntaxError> {
    let MacroKind::Expand { letter, digits, .. } = &m.kind else {
        return None;
    };
    let written = text.get(m.span.range()).unwrap_or("");
    if !explanation && matches!(letter, 'c' | 'r' | 't') {
        return Some(
            SyntaxError::new(
                m.span,
                format!(
                    "expected a macro letter allowed in a record (`s`, `l`, `o`, `d`, `i`, `p`, \
                     `h` or `v`), found {}",
                    show(written)
                ),
            )
            .with_help(
                "the macros `%{c}`, `%{r}` and `%{t}` are allowed only in the explanation text \
                 that `exp=` names, not in the record (RFC 7208 §7.2)",
            ),
        );
    }
    if *digits == Some(0) {
        return Some(
            SyntaxError::new(
                m.span,
                format!(
                    "expected a number of parts from 1 up in the macro, found 0 in {}",
                    show(written)
                ),
            )
            .with_help("the digits of a macro count the parts to keep and must not be zero"),
        );
    }
    None
}

/// The error for a macro-string that does not parse at `at` (relative to `text`, which starts at
/// `off` in the record and ends at `end`); `found` describes a record position.
fn macro_error(text: &str, off: usize, at: usize, found: impl Fn(usize) -> String) -> SyntaxError {
    let at = at.min(text.len());
    let b = text.as_bytes();
    let char_len = |i: usize| text[i..].chars().next().map_or(0, char::len_utf8);
    if b.get(at) == Some(&b'%') {
        let next = at + 1;
        let span = Span::new(
            off + at,
            off + next + if next < text.len() { char_len(next) } else { 0 },
        );
        return SyntaxError::new(
            span,
            format!(
                "expected `{{`, `%`, `_` or `-` after `%`, found {}",
                found(off + next)
            ),
        )
        .with_help(MACRO_HELP);
    }
    if let Some(m) = text[..at].rfind('%')
        && text[m..].starts_with("%{")
        && !text[m..at].contains('}')
    {
        let span = Span::new(
            off + m,
            off + at + if at < text.len() { char_len(at) } else { 0 },
        );
        let message = if at == m + 2 {
            format!(
                "expected a macro letter (`s`, `l`, `o`, `d`, `i`, `p`, `h` or `v`) after `%{{`, found {}",
                found(off + at)
            )
        } else {
            format!(
                "expected `}}` to close the macro `{}`, found {}",
                &text[m..at],
                found(off + at)
            )
        };
        return SyntaxError::new(span, message).with_help(MACRO_HELP);
    }
    let span = Span::new(
        off + at,
        off + at + if at < text.len() { char_len(at) } else { 0 },
    );
    SyntaxError::new(
        span,
        format!(
            "expected a visible ASCII character or a macro, found {}",
            found(off + at)
        ),
    )
}

/// Where a pest error is.
fn error_pos(e: &pest::error::Error<Rule>) -> usize {
    match e.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    }
}

/// What is at `at` in a record: a character of a term, a space, or the end of the record.
fn found_in(text: &str, at: usize) -> String {
    match text.get(at..).and_then(|s| s.chars().next()) {
        Some(' ') => "a space".to_string(),
        Some(c) => describe_char(c),
        None => "the end of the record".to_string(),
    }
}

/// Describes the character at `at` of `text`, or `end` when there is none.
fn describe_at(text: &str, at: usize, end: &str) -> String {
    match text.get(at..).and_then(|s| s.chars().next()) {
        Some(c) => describe_char(c),
        None => end.to_string(),
    }
}

/// A term as shown in a message: in backquotes, shortened when long.
fn show(s: &str) -> String {
    crate::parse::quote_text(s, 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::check_tiling;
    use crate::source::SourceFile;

    /// Parses and checks the round trip and the tiling.
    fn spf(text: &str) -> SpfRecord {
        let r = parse(text);
        assert_eq!(r.render(), text);
        check_tiling(&r, &SourceFile::from_str("spf", text)).unwrap();
        r
    }

    /// The single error of a record: its text and message.
    fn error(text: &str) -> (String, String) {
        let r = spf(text);
        let errors: Vec<_> = r.errors().collect();
        assert_eq!(errors.len(), 1, "{text}: {errors:?}");
        (
            r.slice(errors[0].span).to_string(),
            errors[0].message.clone(),
        )
    }

    fn kinds(r: &SpfRecord) -> Vec<String> {
        r.terms
            .iter()
            .map(|t| {
                let q = t
                    .qualifier
                    .map_or(String::new(), |(q, _)| q.as_char().to_string());
                match &t.kind {
                    TermKind::Mechanism(m) => format!("{q}{}", m.name()),
                    TermKind::Modifier(m) => format!("{}=", m.name()),
                    TermKind::Invalid(_) => "invalid".to_string(),
                }
            })
            .collect()
    }

    #[test]
    fn version_follows_rfc_7208_section_4_5() {
        assert!(is_spf("v=spf1"));
        assert!(is_spf("v=spf1 -all"));
        assert!(is_spf("V=SPF1 -all"));
        assert!(!is_spf("v=spf10 -all"));
        assert!(!is_spf(" v=spf1 -all"));
        assert!(!is_spf("v=spf1\t-all"));
        assert!(!is_spf("path=/ +ip4:192.0.2.1"));
        assert!(!is_spf(""));
        assert!(spf("v=spf1").version_error.is_none());
        let (at, msg) = error("v=spf10 a");
        assert_eq!(at, "0");
        assert_eq!(
            msg,
            "expected a space or the end of the record after `v=spf1`, found `0`"
        );
        let (at, msg) = error(" v=spf1 a");
        assert_eq!(at, " ");
        assert_eq!(
            msg,
            "expected `v=spf1` at the start of the record, found a space"
        );
        let (_, msg) = error("");
        assert_eq!(
            msg,
            "expected `v=spf1` at the start of the record, found an empty record"
        );
    }

    #[test]
    fn text_that_is_not_spf_is_still_read_term_by_term() {
        let r = spf("path=/ +ip4:192.0.2.1");
        assert_eq!(r.version, None);
        assert_eq!(kinds(&r), ["path=", "+ip4"]);
        let e = r.version_error.as_ref().unwrap();
        assert_eq!(r.slice(e.span), "path=/");
        assert_eq!(
            e.message,
            "expected `v=spf1` at the start of the record, found `path=/`"
        );
        assert_eq!(r.errors().count(), 1);
    }

    #[test]
    fn rfc_7208_appendix_a_records() {
        for (text, expect) in [
            ("v=spf1 +all", &["+all"][..]),
            ("v=spf1 a -all", &["a", "-all"]),
            ("v=spf1 a:example.org -all", &["a", "-all"]),
            ("v=spf1 mx -all", &["mx", "-all"]),
            ("v=spf1 mx:example.org -all", &["mx", "-all"]),
            ("v=spf1 mx mx:example.org -all", &["mx", "mx", "-all"]),
            ("v=spf1 mx/30 -all", &["mx", "-all"]),
            ("v=spf1 mx/30 mx:example.org/30 -all", &["mx", "mx", "-all"]),
            ("v=spf1 ptr -all", &["ptr", "-all"]),
            ("v=spf1 ip4:192.0.2.128/28 -all", &["ip4", "-all"]),
            (
                "v=spf1 include:example.com include:example.net -all",
                &["include", "include", "-all"],
            ),
            ("v=spf1 redirect=example.org", &["redirect="]),
            (
                "v=spf1 -include:ip4._spf.%{d} -include:ptr._spf.%{d} +all",
                &["-include", "-include", "+all"],
            ),
            ("v=spf1 -ip4:192.0.2.0/24 +all", &["-ip4", "+all"]),
            ("v=spf1 -ptr +all", &["-ptr", "+all"]),
            (
                "v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d} -all",
                &["exists", "-all"],
            ),
            (
                "v=spf1 mx -all exp=explain._spf.%{d}",
                &["mx", "-all", "exp="],
            ),
        ] {
            let r = spf(text);
            assert_eq!(
                r.errors().count(),
                0,
                "{text}: {:?}",
                r.errors().collect::<Vec<_>>()
            );
            assert!(r.is_spf());
            assert_eq!(kinds(&r), expect, "{text}");
        }
    }

    #[test]
    fn typed_values_and_spans() {
        let r = spf("v=spf1 +a:mail.example.com/24//64 ip4:192.0.2.0/24 ip6:2001:db8::/32 ~all");
        let (t, m) = r.mechanisms().next().unwrap();
        assert_eq!(t.qualifier.map(|q| q.0), Some(Qualifier::Pass));
        assert_eq!(r.slice(t.name), "a");
        let Mechanism::A { domain, cidr } = m else {
            panic!("{m:?}")
        };
        let d = domain.as_ref().unwrap();
        assert_eq!(r.slice(d.span), "mail.example.com");
        assert_eq!(d.domain().as_deref(), Some("mail.example.com"));
        assert_eq!(cidr.v4.map(|p| (p.len, r.slice(p.span))), Some((24, "/24")));
        assert_eq!(cidr.v6.map(|p| (p.len, r.slice(p.span))), Some((64, "/64")));
        let Mechanism::Ip4 {
            addr,
            addr_span,
            prefix,
        } = r.mechanisms().nth(1).unwrap().1
        else {
            panic!()
        };
        assert_eq!(*addr, Ipv4Addr::new(192, 0, 2, 0));
        assert_eq!(r.slice(*addr_span), "192.0.2.0");
        assert_eq!(prefix.map(|p| p.len), Some(24));
        let Mechanism::Ip6 { addr, prefix, .. } = r.mechanisms().nth(2).unwrap().1 else {
            panic!()
        };
        assert_eq!(*addr, "2001:db8::".parse::<Ipv6Addr>().unwrap());
        assert_eq!(prefix.map(|p| p.len), Some(32));
        let all = r.all().unwrap();
        assert_eq!(r.slice(all.span), "~all");
        assert_eq!(all.qualifier.map(|q| q.0), Some(Qualifier::SoftFail));
    }

    #[test]
    fn names_are_case_insensitive() {
        let r = spf(
            "V=SPF1 A:Example.COM MX IP4:192.0.2.1 Include:_spf.example.net REDIRECT=example.org ~ALL",
        );
        assert_eq!(r.errors().count(), 0);
        assert_eq!(
            kinds(&r),
            ["a", "mx", "ip4", "include", "redirect=", "~all"]
        );
        let (_, m) = r.mechanisms().next().unwrap();
        assert_eq!(m.domain().unwrap().domain().as_deref(), Some("example.com"));
    }

    #[test]
    fn macros_are_read() {
        let r =
            spf("v=spf1 exists:%{ir}.%{v}._spf.%{d2} include:%{L1r-}.example.com a:%%%_%-.%{S}");
        assert_eq!(
            r.errors().count(),
            0,
            "{:?}",
            r.errors().collect::<Vec<_>>()
        );
        let (_, m) = r.mechanisms().next().unwrap();
        let d = m.domain().unwrap();
        assert!(d.has_macros());
        assert_eq!(d.domain(), None);
        let expands: Vec<_> = d
            .macros
            .iter()
            .map(|m| (r.slice(m.span), m.kind.clone()))
            .collect();
        assert_eq!(
            expands[0],
            (
                "%{ir}",
                MacroKind::Expand {
                    letter: 'i',
                    url_escape: false,
                    digits: None,
                    reverse: true,
                    delimiters: String::new()
                }
            )
        );
        assert_eq!(
            expands[2].1,
            MacroKind::Expand {
                letter: 'd',
                url_escape: false,
                digits: Some(2),
                reverse: false,
                delimiters: String::new()
            }
        );
        let l = &r.mechanisms().nth(1).unwrap().1.domain().unwrap().macros[0];
        assert_eq!(
            l.kind,
            MacroKind::Expand {
                letter: 'l',
                url_escape: true,
                digits: Some(1),
                reverse: true,
                delimiters: "-".to_string()
            }
        );
        let escapes: Vec<_> = r.mechanisms().nth(2).unwrap().1.domain().unwrap().macros[..3]
            .iter()
            .map(|m| m.kind.clone())
            .collect();
        assert_eq!(
            escapes,
            [MacroKind::Percent, MacroKind::Space, MacroKind::UrlSpace]
        );
    }

    #[test]
    fn bad_terms_say_what_was_expected() {
        let cases = [
            (
                "v=spf1 ip4:300.1.1.1 -all",
                "300.1.1.1",
                "expected an IPv4 address after `ip4:`, found `300.1.1.1`",
            ),
            (
                "v=spf1 ip4:192.0.2.1/33",
                "/33",
                "expected an IPv4 prefix length from 0 to 32 after `ip4:192.0.2.1`, found `/33`",
            ),
            (
                "v=spf1 ip6:2001:db8::/129",
                "/129",
                "expected an IPv6 prefix length from 0 to 128 after `ip6:2001:db8::`, found `/129`",
            ),
            (
                "v=spf1 ip4:192.0.2.1/024",
                "/024",
                "expected an IPv4 prefix length from 0 to 32 after `ip4:192.0.2.1`, found `/024`",
            ),
            (
                "v=spf1 mx//129",
                "/129",
                "expected an IPv6 prefix length from 0 to 128 after `mx`, found `/129`",
            ),
            (
                "v=spf1 a/24/64",
                "/24/64",
                "expected a prefix length (`/24`, `//64` or `/24//64`) after `a`, found `/24/64`",
            ),
            (
                "v=spf1 ip4:192.0.2.1~all",
                "~all",
                "expected a space before `~all`, found it joined to `ip4:192.0.2.1`",
            ),
            (
                "v=spf1 mx-all",
                "-all",
                "expected a space before `-all`, found it joined to `mx`",
            ),
            (
                "v=spf1 foo -all",
                "foo",
                "expected a mechanism (`all`, `include`, `a`, `mx`, `ptr`, `ip4`, `ip6`, `exists`) \
                 or a modifier (`name=value`), found `foo`",
            ),
            (
                "v=spf1 include: -all",
                "",
                "expected a domain after `include:`, found a space",
            ),
            (
                "v=spf1 include",
                "",
                "expected `:` and a domain after `include`, found the end of the record",
            ),
            (
                "v=spf1 redirect=",
                "",
                "expected a domain after `redirect=`, found the end of the record",
            ),
            (
                "v=spf1 exists:%{x}.example.com",
                "%{x",
                "expected a macro letter (`s`, `l`, `o`, `d`, `i`, `p`, `h` or `v`) after `%{`, \
                 found `x`",
            ),
            (
                "v=spf1 a:%{d -all",
                "%{d",
                "expected `}` to close the macro `%{d`, found a space",
            ),
            (
                "v=spf1 include:50%.example.com",
                "%.",
                "expected `{`, `%`, `_` or `-` after `%`, found `.`",
            ),
            (
                "v=spf1 exp=%{c}.example.com",
                "%{c}",
                "expected a macro letter allowed in a record (`s`, `l`, `o`, `d`, `i`, `p`, `h` \
                 or `v`), found `%{c}`",
            ),
            (
                "v=spf1 exists:%{d0}.example.com",
                "%{d0}",
                "expected a number of parts from 1 up in the macro, found 0 in `%{d0}`",
            ),
            (
                "v=spf1 a:192.0.2.1",
                "192.0.2.1",
                "expected a domain name after `a:`, found the address `192.0.2.1`",
            ),
            (
                "v=spf1 include:localhost",
                "localhost",
                "expected a fully qualified domain name after `include:`, found `localhost` (no dot)",
            ),
            (
                "v=spf1 include:example.c_m",
                "example.c_m",
                "expected a domain name after `include:`, found `example.c_m`, whose last label \
                 `c_m` is not a top-level label",
            ),
            (
                "v=spf1 -redirect=example.com",
                "-redirect",
                "expected a mechanism (`all`, `include`, `a`, `mx`, `ptr`, `ip4`, `ip6`, `exists`) \
                 after the qualifier `-`, found the modifier `redirect=`",
            ),
            (
                "v=spf1 + all",
                "+",
                "expected a mechanism (`all`, `include`, `a`, `mx`, `ptr`, `ip4`, `ip6`, `exists`) \
                 after the qualifier `+`, found a space",
            ),
            (
                "v=spf1 all:x",
                ":x",
                "expected a space or the end of the record after `all`, found `:`",
            ),
            (
                "v=spf1 a:example.com\t-all",
                "\t",
                "expected a visible ASCII character or a macro, found a tab",
            ),
        ];
        for (text, at, message) in cases {
            let (found_at, found_message) = error(text);
            assert_eq!(
                (found_at.as_str(), found_message.as_str()),
                (at, message),
                "{text}"
            );
        }
    }

    #[test]
    fn errors_stay_in_their_term() {
        let r = spf("v=spf1 ip4:300.1.1.1 mx bad include:_spf.example.com ~all");
        assert_eq!(kinds(&r), ["invalid", "mx", "invalid", "include", "~all"]);
        assert_eq!(r.errors().count(), 2);
        let helps: Vec<_> = r.errors().map(|e| e.help.is_some()).collect();
        assert_eq!(helps, [true, true]);
    }

    #[test]
    fn helpers_find_terms() {
        let r = spf(
            "v=spf1 a mx ptr:example.org include:_spf.example.net exists:%{i}.example.com \
             ip4:192.0.2.1 -all ip4:198.51.100.1 redirect=example.org exp=why.example.com x-y=z",
        );
        assert_eq!(r.errors().count(), 0);
        assert_eq!(r.slice(r.all().unwrap().span), "-all");
        let after: Vec<_> = r
            .terms_after_all()
            .iter()
            .map(|t| r.slice(t.span))
            .collect();
        assert_eq!(
            after,
            [
                "ip4:198.51.100.1",
                "redirect=example.org",
                "exp=why.example.com",
                "x-y=z"
            ]
        );
        assert_eq!(r.redirect().unwrap().1.raw, "example.org");
        assert_eq!(r.exp().unwrap().1.raw, "why.example.com");
        let mods: Vec<_> = r.modifiers().map(|(_, m)| m.name().to_string()).collect();
        assert_eq!(mods, ["redirect", "exp", "x-y"]);
        let r = spf("v=spf1 include=_spf.example.com");
        let (_, m) = r.modifiers().next().unwrap();
        assert!(m.looks_like_mechanism());
        assert!(spf("v=spf1 a").all().is_none());
        assert!(spf("v=spf1 a").terms_after_all().is_empty());
    }

    #[test]
    fn spaces_are_kept() {
        let r = spf("  v=spf1   a  -all  ");
        assert_eq!(r.spaces.len(), 4);
        assert_eq!(kinds(&r), ["a", "-all"]);
        assert!(!r.is_spf());
    }

    #[test]
    fn explanation_text_allows_all_letters() {
        let e = explanation("%{i} is not one of %{d}'s designated mail servers at %{t}.");
        assert_eq!(e.error, None);
        assert_eq!(e.macros.len(), 3);
        let e = explanation("see %{x}");
        assert_eq!(
            e.error.unwrap().message,
            "expected a macro letter (`s`, `l`, `o`, `d`, `i`, `p`, `h` or `v`) after `%{`, found `x`"
        );
    }
}
