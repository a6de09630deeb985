//! BIND zone files: `var/named/DOMAIN.db` as cPanel writes them, and as found on real servers.
//!
//! The format is RFC 1035's master file in BIND 9's dialect. A record is
//! `owner [TTL] [class] type data` (TTL and class in either order); a line starting with white
//! space repeats the previous record's owner; `@` is the origin; names without a final dot are
//! relative to the origin. `(` … `)` continue a record over several lines (cPanel's SOA spans
//! six), `;` starts a comment anywhere outside a quoted string, `\X` and `\DDD` escape a character
//! or give a byte in decimal. Directives: `$TTL` (default TTL), `$ORIGIN` (origin of the names
//! that follow), `$INCLUDE` (recorded, never read: rules never read files), `$GENERATE` (recorded,
//! not expanded).
//!
//! cPanel writes `; cPanel first:… Cpanel::ZoneFile::VERSION:1.3` headers, `$TTL`, tab-separated
//! records with a TTL and `IN` on each, relative owners (`mail`, `default._domainkey`), TXT data
//! with `\;` escapes split into quoted strings of at most 255 bytes, and after an account
//! transfer, comment lines "Previous value removed by cPanel transfer auto-merge" (plain comments
//! here). Zones written by older versions (HostGator, cPanel 94) hold DKIM records that lost their
//! quoting half-way: `"v=DKIM1; k=rsa; p=MIIB…" OQcc…AQAB\;`. BIND reads that as two strings, one
//! quoted and one unquoted word; this parser keeps them as such and [`Txt::malformed`] says so.
//!
//! Decisions where BIND's behaviour was not copied or the brief was silent:
//! - Reading follows BIND 9.18 (checked with `named-checkzone` in `tests/parse_zone.rs`, which
//!   compares verdicts and the loaded owners, TTLs and types on synthetic and real zones): which
//!   characters end a word (`;`, `(`, `)`, `"` and white space, even inside a word), `\DDD` must
//!   have three digits and be at most 255, `1h30` is not a TTL, unknown types and classes other
//!   than `IN` are errors, extra fields after the data are errors, parentheses may nest.
//!   BIND's quirks are kept: a quoted owner name is read as its content, a `(` in the first
//!   column is not white space (the next field is the owner), an empty `( )` is nothing.
//! - Deliberate differences from BIND: a lone CR is white space (BIND ends the line there), so
//!   CRLF files read like LF files; a TXT string over 255 bytes is kept as it is (BIND refuses
//!   the zone), for a rule to report with a fix.
//! - A record whose data cannot be read (a bad address, a non-numeric preference) stays a
//!   [`Record`] with [`RData::Bad`], so its owner and type are known; problems that leave the
//!   data readable (extra fields, an unclosed `(`, a serial above 2^32-1, a class other than `IN`)
//!   are in [`Record::errors`]. An entry that is not a record at all is [`ItemKind::Invalid`].
//! - A file that ends inside parentheses is not read as one record: the record stops before the
//!   next line that starts like a record (`name [TTL] [class] TYPE` or a directive in the first
//!   column), and the `(` is reported.
//! - Domain names keep their presentation form: lower case, no final dot, escapes as written,
//!   `""` for the root. Targets also keep the raw text, so `MX 10 192.0.2.1` (which BIND reads as
//!   `192.0.2.1.example.com`) is still recognisable as an address.
//! - Generic RFC 3597 data (`\# 4 c0000201`) is kept as [`RData::Other`] even for known types.
//! - An entry longer than [`MAX_ENTRY`] bytes is not read (no DNS record's data can be that long)
//!   and is reported; this keeps memory small on hostile input.
//! - The grammar (`grammar/zone.pest`) defines how an entry splits into pieces. pest costs about
//!   a microsecond per piece, which a file of tiny records would turn into seconds, so entries are
//!   split by a plain loop that debug builds (every test run) check against the grammar on every
//!   entry; pest itself splits the entries the loop leaves to it (a quoted string continued past
//!   a line end, which cPanel never writes).

mod lex;
mod rdata;
mod text;
mod types;

pub use types::{Class, RType};

use crate::parse::{Lossless, SyntaxError};
use crate::source::{SourceFile, Span};
use lex::{Lead, Tok, Token};
use std::collections::HashSet;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::Arc;
use text::show;

/// Entries (records with all their lines) longer than this are reported, not read. RDATA is at
/// most 65535 bytes, up to four times that when every byte is written `\DDD`.
pub const MAX_ENTRY: usize = 1 << 20;

/// A parsed zone file. Its items tile the file.
#[derive(Clone, Debug)]
pub struct Zone {
    /// The zone's name as given to [`parse`]: lower case, without a final dot.
    pub origin: String,
    /// Every entry of the file in order: blank lines, comments, directives, records, errors.
    pub items: Vec<Item>,
}

/// One entry of the file: a physical line, or all the lines of a record continued with
/// parentheses. The span includes the final `\n`.
#[derive(Clone, Debug)]
pub struct Item {
    pub span: Span,
    pub kind: ItemKind,
}

/// What an entry is. The boxes keep an [`Item`] at 24 bytes (there is one per line).
#[derive(Clone, Debug)]
pub enum ItemKind {
    /// Empty or white space only (or parentheses around nothing, which BIND also skips).
    Blank,
    /// Only a comment (cPanel's header, transfer auto-merge notes, commented-out records).
    Comment,
    Directive(Box<Directive>),
    Record(Box<Record>),
    /// Not a record: unknown type, bad owner, bad directive, binary data, record too long, or
    /// the rest of a file after [`MAX_ERRORS`] errors.
    Invalid(Box<SyntaxError>),
}

/// An invalid entry.
fn invalid(e: SyntaxError) -> ItemKind {
    ItemKind::Invalid(Box::new(e))
}

/// A `$` directive.
#[derive(Clone, Debug)]
pub struct Directive {
    /// The `$NAME` word.
    pub name_span: Span,
    pub kind: DirectiveKind,
}

#[derive(Clone, Debug)]
pub enum DirectiveKind {
    /// `$TTL 14400`: the TTL of following records that have none.
    Ttl { ttl: u32, span: Span },
    /// `$ORIGIN example.com.`: the origin of following relative names (a relative value is
    /// relative to the previous origin).
    Origin(Target),
    /// `$INCLUDE file [origin]`: recorded, not read. `file` is unescaped; the origin, if given,
    /// applies inside the included file only.
    Include {
        file: String,
        file_span: Span,
        origin: Option<Target>,
    },
    /// `$GENERATE range lhs [ttl] [class] type rhs`: recorded, not expanded. `args` covers the
    /// fields after `$GENERATE`.
    Generate { args: Span },
}

/// A resource record.
#[derive(Clone, Debug)]
pub struct Record {
    pub owner: Owner,
    /// The TTL written on the record, with units resolved (`1h` is 3600).
    pub ttl: Option<(u32, Span)>,
    /// The TTL that applies: the record's own, else the `$TTL` in effect, else the previous
    /// record's, else (for an SOA) its minimum, as BIND does. `None` when nothing sets it.
    pub effective_ttl: Option<u32>,
    /// The class written on the record, if any.
    pub class: Option<(Class, Span)>,
    pub rtype: RType,
    pub rtype_span: Span,
    /// From the first to the last field of the data (empty, after the type, when there is none).
    pub rdata_span: Span,
    pub data: RData,
    /// Problems that leave the record readable: fields after the data, an unclosed or
    /// unmatched parenthesis, a class other than `IN`, an SOA serial above 4294967295.
    pub errors: Box<[SyntaxError]>,
}

/// The owner name of a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Owner {
    /// Where it is written; `None` when omitted (the line starts with white space).
    pub span: Option<Span>,
    /// Absolute, lower case, without the final dot. One allocation per name and zone, shared
    /// by its records (a zone names its apex again and again).
    pub name: Arc<str>,
}

/// The data of a record, by type. Names and errors are boxed to keep a [`Record`] small: a large
/// server has hundreds of thousands of records.
#[derive(Clone, Debug)]
pub enum RData {
    A(Ipv4Addr),
    Aaaa(Ipv6Addr),
    Mx {
        preference: u16,
        pref_span: Span,
        exchange: Box<Target>,
    },
    Cname(Box<Target>),
    Ns(Box<Target>),
    Ptr(Box<Target>),
    Txt(Txt),
    /// Type 99: character strings like TXT.
    Spf(Txt),
    Soa(Box<Soa>),
    Srv(Box<Srv>),
    Caa(Box<Caa>),
    /// Another type, or RFC 3597 generic data: see [`Record::rdata_span`].
    Other,
    /// Data that cannot be read as the type says.
    Bad(Box<SyntaxError>),
}

/// A domain name in record data (or a `$ORIGIN`/`$INCLUDE` value).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub span: Span,
    /// As written (`mail`, `mail.example.com.`, `192.0.2.1`, `@`).
    pub raw: String,
    /// Absolute, lower case, without the final dot; `""` for the root `.`.
    pub name: String,
}

impl Target {
    /// Whether the name was written absolute (with a final dot).
    pub fn is_absolute(&self) -> bool {
        text::is_absolute(&self.raw)
    }

    /// Whether this is the root (`.`), as in a null MX.
    pub fn is_root(&self) -> bool {
        self.name.is_empty()
    }
}

/// The character strings of a TXT or SPF record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Txt {
    pub strings: Box<[TxtString]>,
}

/// One character string: a quoted string or an unquoted word.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxtString {
    /// As written, with its quotes if quoted.
    pub span: Span,
    /// The bytes it stands for, escapes decoded (`\;` is `;`, `\065` is `A`).
    pub bytes: Vec<u8>,
    pub quoted: bool,
}

impl Txt {
    /// The strings concatenated without separators: what SPF, DKIM and DMARC read.
    pub fn joined(&self) -> Vec<u8> {
        self.strings
            .iter()
            .flat_map(|s| s.bytes.iter().copied())
            .collect()
    }

    /// Whether the record is several strings of which some are unquoted: their boundaries were
    /// decided by white space, which is lost when the strings are joined (the split DKIM records
    /// of old cPanel zones, or `TXT v=spf1 a mx ~all` which is four strings `v=spf1amx~all`).
    /// A single unquoted word (`TXT path=/`) is not malformed.
    pub fn malformed(&self) -> bool {
        self.strings.len() > 1 && self.strings.iter().any(|s| !s.quoted)
    }

    /// In a malformed record, the span from the first unquoted string after another string to the
    /// end of the record's last string (`OQcc…AQAB\;` in `"v=DKIM1; … p=MIIB…" OQcc…AQAB\;`).
    pub fn unquoted_tail(&self) -> Option<Span> {
        if !self.malformed() {
            return None;
        }
        let first = self.strings.iter().skip(1).position(|s| !s.quoted)? + 1;
        let last = self.strings.last()?;
        Some(self.strings[first].span.join(last.span))
    }
}

/// SOA data. Timers accept BIND's units (`1h`) and are given in seconds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Soa {
    pub mname: Target,
    pub rname: Target,
    /// Kept as u64 so that an oversized serial is still known (and reported, see
    /// [`Record::errors`]); the span is exactly the digits, for a fix that bumps it in place.
    pub serial: (u64, Span),
    pub refresh: (u32, Span),
    pub retry: (u32, Span),
    pub expire: (u32, Span),
    pub minimum: (u32, Span),
}

/// SRV data (RFC 2782).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Srv {
    pub priority: (u16, Span),
    pub weight: (u16, Span),
    pub port: (u16, Span),
    pub target: Target,
}

/// CAA data (RFC 8659).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caa {
    pub flags: (u8, Span),
    /// As written (`issue`, `iodef`); compare case-insensitively.
    pub tag: (String, Span),
    pub value: TxtString,
}

impl Zone {
    /// Records in file order.
    pub fn records(&self) -> impl Iterator<Item = &Record> {
        self.items.iter().filter_map(|i| match &i.kind {
            ItemKind::Record(r) => Some(&**r),
            _ => None,
        })
    }

    /// Records with their items (for spans of whole records).
    pub fn record_items(&self) -> impl Iterator<Item = (&Item, &Record)> {
        self.items.iter().filter_map(|i| match &i.kind {
            ItemKind::Record(r) => Some((i, &**r)),
            _ => None,
        })
    }

    /// Records whose owner is `name` (any case, with or without a final dot).
    pub fn records_at<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a Record> + 'a {
        let name = normalize(name);
        self.records().filter(move |r| *r.owner.name == *name)
    }

    /// Records of type `rtype` whose owner is `name`.
    pub fn records_of<'a>(
        &'a self,
        name: &str,
        rtype: RType,
    ) -> impl Iterator<Item = &'a Record> + 'a {
        self.records_at(name).filter(move |r| r.rtype == rtype)
    }

    /// Records at the zone's apex (owner = the origin given to [`parse`]).
    pub fn apex(&self) -> impl Iterator<Item = &Record> {
        self.records().filter(|r| *r.owner.name == *self.origin)
    }

    /// Whether `name` (lower case, no final dot) is the zone's origin or below it. BIND ignores
    /// records outside the zone ("ignoring out-of-zone data").
    pub fn contains(&self, name: &str) -> bool {
        self.origin.is_empty()
            || name == self.origin
            || name
                .strip_suffix(self.origin.as_str())
                .is_some_and(|head| head.ends_with('.'))
    }

    /// The first SOA record with readable data, and that data.
    pub fn soa_record(&self) -> Option<(&Record, &Soa)> {
        self.records().find_map(|r| match &r.data {
            RData::Soa(s) => Some((r, &**s)),
            _ => None,
        })
    }

    /// The first readable SOA data.
    pub fn soa(&self) -> Option<&Soa> {
        self.soa_record().map(|(_, s)| s)
    }

    /// The value of the first `$TTL` directive (cPanel writes one at the top).
    pub fn default_ttl(&self) -> Option<u32> {
        self.directives().find_map(|d| match d.kind {
            DirectiveKind::Ttl { ttl, .. } => Some(ttl),
            _ => None,
        })
    }

    /// Directives in file order.
    pub fn directives(&self) -> impl Iterator<Item = &Directive> {
        self.items.iter().filter_map(|i| match &i.kind {
            ItemKind::Directive(d) => Some(&**d),
            _ => None,
        })
    }

    /// The origin in effect at byte `offset` (after the `$ORIGIN` directives before it).
    pub fn origin_at(&self, offset: usize) -> &str {
        let mut origin = self.origin.as_str();
        for item in self
            .items
            .iter()
            .take_while(|i| (i.span.start as usize) < offset)
        {
            if let ItemKind::Directive(d) = &item.kind
                && let DirectiveKind::Origin(t) = &d.kind
            {
                origin = &t.name;
            }
        }
        origin
    }

    /// Every syntax error, in file order: invalid entries, unreadable record data, and problems
    /// of readable records. These are what BIND would refuse the zone for (CP001).
    pub fn errors(&self) -> impl Iterator<Item = &SyntaxError> {
        self.items.iter().flat_map(|i| {
            let (first, rest): (Option<&SyntaxError>, &[SyntaxError]) = match &i.kind {
                ItemKind::Invalid(e) => (Some(&**e), &[]),
                ItemKind::Record(r) => match &r.data {
                    RData::Bad(e) => (Some(e), &r.errors[..]),
                    _ => (None, &r.errors[..]),
                },
                _ => (None, &[]),
            };
            first.into_iter().chain(rest.iter())
        })
    }
}

impl crate::parse::Document for Zone {
    fn syntax_errors(&self) -> Vec<SyntaxError> {
        self.errors().cloned().collect()
    }
}

impl Lossless for Zone {
    fn pieces(&self) -> Vec<Span> {
        self.items.iter().map(|i| i.span).collect()
    }
}

/// A name as given by a caller: lower case, no final dot.
fn normalize(name: &str) -> String {
    let name = name.strip_suffix('.').unwrap_or(name);
    name.to_ascii_lowercase()
}

/// Parses a zone file whose zone is `origin` (`example.com`; case and a final dot do not
/// matter). Never fails; see [`ItemKind::Invalid`], [`RData::Bad`] and [`Zone::errors`].
pub fn parse(src: &SourceFile, origin: &str) -> Zone {
    let origin = normalize(origin);
    let mut reader = Reader {
        src,
        origin: origin.clone(),
        prev_owner: None,
        names: HashSet::new(),
        ttl_directive: None,
        last_ttl: None,
        tokens: Vec::new(),
        fields: Vec::new(),
    };
    // At most one item per line; zone lines are rarely shorter than 24 bytes.
    let mut items = Vec::with_capacity(src.line_count().min(src.len() / 24 + 16));
    let mut failed = 0;
    for span in lex::Entries::new(src.text()) {
        if failed == MAX_ERRORS {
            items.push(Item {
                span: Span::new(span.start as usize, src.len()),
                kind: not_read(src, span),
            });
            break;
        }
        let kind = reader.entry(span);
        if matches!(&kind, ItemKind::Invalid(_))
            || matches!(&kind, ItemKind::Record(r) if matches!(r.data, RData::Bad(_)))
        {
            failed += 1;
        }
        items.push(Item { span, kind });
    }
    Zone { origin, items }
}

/// After this many invalid entries and unreadable records, the rest of the file is one invalid
/// item: it is not a zone file, and reading on would cost memory for nothing.
pub const MAX_ERRORS: usize = 1000;

fn not_read(src: &SourceFile, rest: Span) -> ItemKind {
    let line = src.line_col(rest.start as usize).line;
    invalid(
        SyntaxError::new(
            // Empty: the item covers the rest of the file, the message says where it starts.
            Span::at(rest.start as usize),
            format!(
                "expected a zone file, found {MAX_ERRORS} errors before line {line}; \
                 the rest of the file is not read"
            ),
        )
        .with_help("check that this file is a zone file, and fix the first errors"),
    )
}

/// The state carried from one entry to the next.
struct Reader<'a> {
    src: &'a SourceFile,
    origin: String,
    prev_owner: Option<Arc<str>>,
    /// Owner names seen so far, shared by their records.
    names: HashSet<Arc<str>>,
    ttl_directive: Option<u32>,
    last_ttl: Option<u32>,
    tokens: Vec<Token>,
    fields: Vec<Field>,
}

/// A field of an entry: an unquoted word or a quoted string.
#[derive(Clone, Copy, Debug)]
struct Field {
    span: Span,
    quoted: bool,
    /// False for a quoted string whose line ended before its closing quote.
    closed: bool,
}

impl Field {
    /// The span of the content (without quotes).
    fn inner(self) -> Span {
        if !self.quoted {
            return self.span;
        }
        let end = if self.closed {
            self.span.end - 1
        } else {
            self.span.end
        };
        Span {
            start: self.span.start + 1,
            end,
        }
    }
}

const RECORD_HELP: &str = "a record is `owner [TTL] [class] type data`, such as \
    `mail 14400 IN A 192.0.2.1`; a TTL is a number of seconds or a duration such as `1h30m`";

impl Reader<'_> {
    fn entry(&mut self, span: Span) -> ItemKind {
        let src = self.src;
        let text = src.slice(span);
        // Blank and comment lines need no splitting (of any length: a comment runs to the line
        // end, which ends its entry).
        let body = text.trim_start_matches([' ', '\t', '\r']);
        if body.is_empty() || body == "\n" {
            return ItemKind::Blank;
        }
        if body.starts_with(';') {
            return ItemKind::Comment;
        }
        if text.len() > MAX_ENTRY {
            return self.too_long(span);
        }
        // The vectors are kept from one entry to the next, to spare allocations.
        let mut tokens = std::mem::take(&mut self.tokens);
        let mut fields = std::mem::take(&mut self.fields);
        tokens.clear();
        fields.clear();
        let kind = match lex::lex(text, span.start as usize, &mut tokens) {
            Ok(lead) => {
                fields.extend(tokens.iter().filter_map(|t| match t.kind {
                    Tok::Word => Some(Field {
                        span: t.span,
                        quoted: false,
                        closed: true,
                    }),
                    Tok::Quoted { closed } => Some(Field {
                        span: t.span,
                        quoted: true,
                        closed,
                    }),
                    _ => None,
                }));
                self.classify(span, lead, &tokens, &fields)
            }
            Err(e) => invalid(e),
        };
        self.tokens = tokens;
        self.fields = fields;
        kind
    }

    /// What an entry is, from its pieces.
    fn classify(&mut self, span: Span, lead: Lead, tokens: &[Token], fields: &[Field]) -> ItemKind {
        let src = self.src;
        let mut errors = self.paren_errors(tokens, span);
        let lead = match lead {
            // BIND reads a `(` in the first column as no white space: the first field after it
            // is the owner (`( www A 192.0.2.1 )`).
            Lead::Other if errors.is_empty() && !fields.is_empty() => {
                let first = fields[0];
                return if first.quoted {
                    self.quoted_owner(first.span, first.closed, &fields[1..], errors, span)
                } else {
                    self.owned(first.span, first.span, &fields[1..], errors, span)
                };
            }
            lead => lead,
        };
        match lead {
            Lead::Owner(owner) if src.slice(owner).starts_with('$') => {
                match errors.drain(..).next() {
                    Some(e) => invalid(e),
                    None => self.directive(owner, fields),
                }
            }
            Lead::Owner(owner) => self.owned(owner, owner, fields, errors, span),
            Lead::QuotedOwner {
                span: owner,
                closed,
            } => self.quoted_owner(owner, closed, fields, errors, span),
            _ if fields.is_empty() => match errors.drain(..).next() {
                Some(e) => invalid(e),
                None if tokens.iter().any(|t| t.kind == Tok::Comment) => ItemKind::Comment,
                // Also `(` `)` alone, which BIND reads as nothing.
                None => ItemKind::Blank,
            },
            Lead::Indent => match self.prev_owner.clone() {
                Some(name) => {
                    let owner = Owner { span: None, name };
                    self.record(owner, fields, errors, span)
                }
                None => invalid(
                    SyntaxError::new(
                        Span::at(span.start as usize),
                        "expected an owner name in the first column, found white space (which \
                         repeats the previous record's owner, and there is none)",
                    )
                    .with_help(
                        "write the owner name at the start of the line, or `@` for the zone itself",
                    ),
                ),
            },
            // A `)` without `(` in the first column.
            Lead::Other => match errors.drain(..).next() {
                Some(e) => invalid(e),
                None => ItemKind::Blank,
            },
        }
    }

    /// A record whose owner is a quoted string at `owner`.
    fn quoted_owner(
        &mut self,
        owner: Span,
        closed: bool,
        fields: &[Field],
        errors: Vec<SyntaxError>,
        entry: Span,
    ) -> ItemKind {
        if !closed {
            return invalid(
                SyntaxError::new(
                    owner,
                    "expected `\"` to close the quoted owner name, found end of line",
                )
                .with_help(RECORD_HELP),
            );
        }
        let inner = Span {
            start: owner.start + 1,
            end: owner.end - 1,
        };
        self.owned(owner, inner, fields, errors, entry)
    }

    /// A record whose owner is written at `owner` (the name itself at `name`, inside the quotes
    /// of a quoted owner).
    fn owned(
        &mut self,
        owner: Span,
        name: Span,
        fields: &[Field],
        errors: Vec<SyntaxError>,
        entry: Span,
    ) -> ItemKind {
        let raw = self.src.slice(name);
        match text::resolve_name(raw, &self.origin) {
            Ok(name) => {
                // (Reusing the buffer: one allocation less per record.)
                let name = self.intern(name);
                self.prev_owner = Some(name.clone());
                let owner = Owner {
                    span: Some(owner),
                    name,
                };
                self.record(owner, fields, errors, entry)
            }
            Err(reason) => invalid(
                SyntaxError::new(
                    owner,
                    format!(
                        "expected an owner name, found {}: {reason}",
                        show(self.src.slice(owner))
                    ),
                )
                .with_help(RECORD_HELP),
            ),
        }
    }

    /// Unmatched `)` and unclosed `(` in an entry.
    fn paren_errors(&self, tokens: &[Token], entry: Span) -> Vec<SyntaxError> {
        let mut errors = Vec::new();
        let mut depth = 0usize;
        let mut outer_open = None;
        for t in tokens {
            match t.kind {
                Tok::LParen => {
                    if depth == 0 {
                        outer_open = Some(t.span);
                    }
                    depth += 1;
                }
                Tok::RParen if depth == 0 => errors.push(
                    SyntaxError::new(t.span, "found `)` without a `(` before it").with_help(
                        "remove it, or put the `(` where the record's continuation starts",
                    ),
                ),
                Tok::RParen => depth -= 1,
                _ => {}
            }
        }
        if let Some(open) = outer_open.filter(|_| depth > 0) {
            let src = self.src;
            let line = src.line_col(open.start as usize).line;
            let found = if entry.end as usize >= src.len() {
                "end of file".to_string()
            } else {
                format!(
                    "the start of another record on line {}",
                    src.line_col(entry.end as usize).line
                )
            };
            errors.push(
                SyntaxError::new(
                    open,
                    format!("expected `)` to close the `(` on line {line}, found {found}"),
                )
                .with_help(
                    "a `(` continues a record over several lines until its `)`; \
                     add the `)` after the record's last field",
                ),
            );
        }
        errors
    }

    fn too_long(&self, span: Span) -> ItemKind {
        let text = self.src.slice(span);
        let first = text.chars().next().map_or(0, char::len_utf8);
        let head = Span::new(span.start as usize, span.start as usize + first);
        invalid(
            SyntaxError::new(
                head,
                format!(
                    "expected a record of at most {MAX_ENTRY} bytes, found one of {} bytes",
                    text.len()
                ),
            )
            .with_help(
                "no DNS record's data can be longer than 65535 bytes; \
                 look for a missing `)` or `\"`, or data pasted by mistake",
            ),
        )
    }

    fn directive(&mut self, name_span: Span, fields: &[Field]) -> ItemKind {
        let src = self.src;
        let name = src.slice(name_span);
        let arg = |i: usize| fields.get(i).copied();
        let end = fields.last().map_or(name_span, |f| f.span);
        let missing = |what: &str| {
            invalid(
                SyntaxError::new(
                    Span::at(end.end as usize),
                    format!("expected {what} after `{name}`, found end of line"),
                )
                .with_help(format!("write `{name} {}`", directive_example(name))),
            )
        };
        let extra = |from: usize, what: &str| {
            let f = fields[from];
            invalid(
                SyntaxError::new(
                    f.span.join(end),
                    format!(
                        "expected end of line after the {what}, found {}",
                        show(src.slice(f.span))
                    ),
                )
                .with_help(format!("write `{name} {}`", directive_example(name))),
            )
        };
        let kind = if name.eq_ignore_ascii_case("$TTL") {
            let Some(f) = arg(0) else {
                return missing("a TTL");
            };
            let value = src.slice(f.span);
            if f.quoted {
                return invalid(SyntaxError::new(
                    f.span,
                    format!("expected a TTL, found a quoted string {}", show(value)),
                ));
            }
            let Some(ttl) = text::parse_ttl(value) else {
                return invalid(
                    SyntaxError::new(
                        f.span,
                        format!(
                            "expected a TTL after `{name}` (seconds, or a duration such as `1h`), found {}",
                            show(value)
                        ),
                    )
                    .with_help("write `$TTL 14400`"),
                );
            };
            if fields.len() > 1 {
                return extra(1, "TTL");
            }
            self.ttl_directive = Some(ttl);
            DirectiveKind::Ttl { ttl, span: f.span }
        } else if name.eq_ignore_ascii_case("$ORIGIN") {
            let Some(f) = arg(0) else {
                return missing("a domain name");
            };
            let target = match self.target(f, "a domain name after `$ORIGIN`") {
                Ok(t) => t,
                Err(e) => return invalid(e),
            };
            if fields.len() > 1 {
                return extra(1, "origin");
            }
            self.origin = target.name.clone();
            DirectiveKind::Origin(target)
        } else if name.eq_ignore_ascii_case("$INCLUDE") {
            let Some(f) = arg(0) else {
                return missing("a file name");
            };
            let file = match text::unescape(src.slice_bytes(f.inner())) {
                Ok(b) => String::from_utf8_lossy(&b).into_owned(),
                Err(e) => {
                    return invalid(SyntaxError::new(
                        Span::new(e.at, e.at + e.len).offset(f.inner().start as usize),
                        e.message,
                    ));
                }
            };
            let origin = match arg(1) {
                None => None,
                Some(o) => match self.target(o, "a domain name (the origin) after the file name") {
                    Ok(t) => Some(t),
                    Err(e) => return invalid(e),
                },
            };
            if fields.len() > 2 {
                return extra(2, "origin");
            }
            DirectiveKind::Include {
                file,
                file_span: f.span,
                origin,
            }
        } else if name.eq_ignore_ascii_case("$GENERATE") {
            if fields.len() < 3 {
                return missing("a range, a name, a type and data");
            }
            DirectiveKind::Generate {
                args: fields[0].span.join(end),
            }
        } else {
            return invalid(
                SyntaxError::new(
                    name_span,
                    format!(
                        "expected `$TTL`, `$ORIGIN`, `$INCLUDE` or `$GENERATE`, found {}",
                        show(name)
                    ),
                )
                .with_help("a `$` in the first column starts a directive; BIND knows no other"),
            );
        };
        ItemKind::Directive(Box::new(Directive { name_span, kind }))
    }

    /// A domain-name field, resolved against the current origin.
    fn target(&self, f: Field, what: &str) -> Result<Target, SyntaxError> {
        rdata::target(self.src, &self.origin, f, what)
    }

    /// The shared copy of an owner name.
    fn intern(&mut self, name: String) -> Arc<str> {
        if let Some(shared) = self.names.get(name.as_str()) {
            return shared.clone();
        }
        let shared: Arc<str> = Arc::from(name);
        self.names.insert(shared.clone());
        shared
    }

    fn record(
        &mut self,
        owner: Owner,
        fields: &[Field],
        mut errors: Vec<SyntaxError>,
        entry: Span,
    ) -> ItemKind {
        let src = self.src;
        let mut ttl = None;
        let mut class = None;
        let mut i = 0;
        let after_owner = owner
            .span
            .map_or(Span::at(entry.start as usize), |s| Span::at(s.end as usize));
        let rtype = loop {
            let Some(&f) = fields.get(i) else {
                let at = fields
                    .last()
                    .map_or(after_owner, |f| Span::at(f.span.end as usize));
                return invalid(
                    SyntaxError::new(at, "expected a record type, found end of line")
                        .with_help(RECORD_HELP),
                );
            };
            let word = src.slice(f.span);
            if f.quoted {
                return invalid(
                    SyntaxError::new(
                        f.span,
                        format!(
                            "expected a record type, found a quoted string {}",
                            show(word)
                        ),
                    )
                    .with_help(RECORD_HELP),
                );
            }
            i += 1;
            if ttl.is_none()
                && let Some(v) = text::parse_ttl(word)
            {
                ttl = Some((v, f.span));
                continue;
            }
            if class.is_none()
                && let Some(c) = Class::from_text(word)
            {
                class = Some((c, f.span));
                continue;
            }
            match RType::from_text(word) {
                Some(t) => break (t, f.span),
                None => {
                    return invalid(
                        SyntaxError::new(
                            f.span,
                            format!(
                                "expected a record type (such as A, MX, TXT), found {}",
                                show(word)
                            ),
                        )
                        .with_help(RECORD_HELP),
                    );
                }
            }
        };
        let (rtype, rtype_span) = rtype;
        if let Some((c, s)) = class
            && c != Class::In
        {
            errors.push(
                SyntaxError::new(
                    s,
                    format!("expected class `IN`, found {}", show(src.slice(s))),
                )
                .with_help("every record of a zone has the zone's class, `IN` on a cPanel server"),
            );
        }
        let rest = &fields[i..];
        let rdata_span = match (rest.first(), rest.last()) {
            (Some(a), Some(b)) => a.span.join(b.span),
            _ => Span::at(rtype_span.end as usize),
        };
        let single_line = !src.slice(entry).trim_end_matches('\n').contains('\n');
        let ctx = rdata::Ctx {
            src,
            origin: &self.origin,
            rtype,
            end_word: if single_line {
                "end of line"
            } else {
                "end of record"
            },
            end_at: Span::at(rdata_span.end as usize),
        };
        let (data, mut data_errors) = rdata::read(&ctx, rest);
        errors.append(&mut data_errors);
        let soa_minimum = match &data {
            RData::Soa(s) => Some(s.minimum.0),
            _ => None,
        };
        let effective_ttl = ttl
            .map(|t| t.0)
            .or(self.ttl_directive)
            .or(self.last_ttl)
            .or(soa_minimum);
        if effective_ttl.is_some() {
            self.last_ttl = effective_ttl;
        }
        ItemKind::Record(Box::new(Record {
            owner,
            ttl,
            effective_ttl,
            class,
            rtype,
            rtype_span,
            rdata_span,
            data,
            errors: errors.into_boxed_slice(),
        }))
    }
}

fn directive_example(name: &str) -> &'static str {
    match name.to_ascii_uppercase().as_str() {
        "$TTL" => "14400",
        "$ORIGIN" => "example.com.",
        "$INCLUDE" => "file [origin]",
        _ => "range lhs type rhs",
    }
}

#[cfg(test)]
mod tests;
