//! One line of a userdata file as tokens with spans (grammar: `grammar/userdata.pest`).
//!
//! The grammar never fails; this layer turns what it matched into [`LineTokens`], decodes scalars
//! and reports the first problem of the line as a [`SyntaxError`] in the user's terms.

use super::{Node, NodeKind, Scalar, ScalarStyle};
use crate::parse::SyntaxError;
use crate::parse::cross::cross_check;
use crate::source::{SUBSTITUTE, SourceFile, Span};
use pest::Parser;
use pest::iterators::Pair;

#[derive(pest_derive::Parser)]
#[grammar = "grammar/userdata.pest"]
struct LineParser;

/// A document marker or directive at the start of a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Marker {
    /// `---`
    DocStart(Span),
    /// `...`
    DocEnd(Span),
    /// `%YAML 1.1`, `%TAG …`
    Directive(Span),
}

/// One structural token of a line, in line order.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Token {
    /// A `- ` sequence indicator (the span covers the `-`).
    Dash(Span),
    /// `key:` (the value, if on the same line, is the next token).
    Key { key: Scalar, colon: Span },
    /// A scalar, `~`, `{}` or `[]`.
    Value(Node),
}

impl Token {
    pub(super) fn start(&self) -> usize {
        match self {
            Token::Dash(s) => s.start as usize,
            Token::Key { key, .. } => key.span.start as usize,
            Token::Value(n) => n.span.start as usize,
        }
    }
}

/// What one line holds.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct LineTokens {
    pub marker: Option<Marker>,
    /// Byte offset in the file of the first token (or of the end of the indentation).
    pub content_start: usize,
    pub tokens: Vec<Token>,
    pub comment: Option<Span>,
    /// The first problem of the line; the line is then not used to build the tree.
    pub error: Option<SyntaxError>,
    /// The error is a complex key (`? key`): a `: value` line may follow.
    pub complex_key: bool,
}

/// Tokenizes one line. `body` is the line without `\n` and without a `\r` before it; `offset` is
/// the byte offset of `body` in the file; `buf` is scratch space reused from line to line.
pub(super) fn tokenize(
    src: &SourceFile,
    body: &str,
    offset: usize,
    buf: &mut String,
) -> LineTokens {
    cross_check(
        "userdata",
        body,
        || tokenize_simple(body, offset),
        || tokenize_with_grammar(src, body, offset, buf),
    )
}

/// A byte of the plain scalars the shortcut reads: letters, digits and `_ . / @ -`, which cPanel
/// writes in keys, domains, paths, addresses and numbers. None of them is a YAML indicator
/// where the shortcut allows it (never first, except letters, digits, `_` and `/`).
fn simple_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'/' | b'@' | b'-')
}

fn simple_first(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'/')
}

/// The common lines, read without the grammar: `INDENT KEY:`, `INDENT KEY: VALUE` and
/// `INDENT- VALUE`, with plain scalars of [`simple_byte`]s and spaces at the end. `None` for
/// anything else (the grammar reads it).
fn tokenize_simple(body: &str, offset: usize) -> Option<LineTokens> {
    let b = body.as_bytes();
    let indent = b.iter().take_while(|&&c| c == b' ').count();
    let end = b.len() - b.iter().rev().take_while(|&&c| c == b' ').count();
    if indent >= end {
        return None;
    }
    let scalar = |from: usize| -> Option<(usize, Scalar)> {
        let first = *b.get(from)?;
        if !simple_first(first) {
            return None;
        }
        let len = b[from..].iter().take_while(|&&c| simple_byte(c)).count();
        let span = Span::new(offset + from, offset + from + len);
        let value = body[from..from + len].to_string();
        Some((
            from + len,
            Scalar {
                span,
                value,
                style: ScalarStyle::Plain,
            },
        ))
    };
    let mut out = LineTokens {
        content_start: offset + indent,
        ..LineTokens::default()
    };
    if b[indent] == b'-' {
        // `- VALUE`
        if b.get(indent + 1) != Some(&b' ') {
            return None;
        }
        let from = indent + 2;
        let (after, value) = scalar(from)?;
        if after != end {
            return None;
        }
        out.tokens
            .push(Token::Dash(Span::new(offset + indent, offset + indent + 1)));
        out.tokens.push(Token::Value(Node {
            span: value.span,
            kind: NodeKind::Scalar(value),
        }));
        return Some(out);
    }
    let (after_key, key) = scalar(indent)?;
    if b.get(after_key) != Some(&b':') {
        return None;
    }
    let colon = Span::new(offset + after_key, offset + after_key + 1);
    out.tokens.push(Token::Key { key, colon });
    if after_key + 1 == end {
        return Some(out);
    }
    if b.get(after_key + 1) != Some(&b' ') {
        return None;
    }
    let from = after_key
        + 1
        + b[after_key + 1..]
            .iter()
            .take_while(|&&c| c == b' ')
            .count();
    if &body[from..end] == "~" {
        out.tokens.push(Token::Value(Node {
            span: Span::new(offset + from, offset + end),
            kind: NodeKind::Null,
        }));
        return Some(out);
    }
    // A value may hold single spaces between words (`serveralias: a.example b.example`).
    if !simple_first(b[from]) || !b[from..end].iter().all(|&c| simple_byte(c) || c == b' ') {
        return None;
    }
    let span = Span::new(offset + from, offset + end);
    out.tokens.push(Token::Value(Node {
        span,
        kind: NodeKind::Scalar(Scalar {
            span,
            value: body[from..end].to_string(),
            style: ScalarStyle::Plain,
        }),
    }));
    Some(out)
}

/// Tokenizes one line with the grammar.
fn tokenize_with_grammar(
    src: &SourceFile,
    body: &str,
    offset: usize,
    buf: &mut String,
) -> LineTokens {
    let mut out = LineTokens {
        content_start: offset,
        ..LineTokens::default()
    };
    // The grammar sees the end of the line as "\n" (see the comment at its top).
    buf.clear();
    buf.push_str(body);
    buf.push('\n');
    let line = match LineParser::parse(Rule::line, buf) {
        Ok(mut pairs) => pairs.next().expect("line rule"),
        Err(e) => {
            // The grammar matches every line; keep a safety net anyway.
            let err = crate::parse::from_pest_error(&e, |r| format!("{r:?}"));
            out.error = Some(
                SyntaxError::new(err.span.offset(offset), "this line could not be read")
                    .with_help("check the line for damage; cPanel writes `key: value` lines"),
            );
            return out;
        }
    };
    let mut cx = Cx { src, offset, out };
    for pair in line.into_inner() {
        if cx.out.error.is_some() {
            break;
        }
        cx.top(pair);
    }
    cx.out
}

struct Cx<'a> {
    src: &'a SourceFile,
    offset: usize,
    out: LineTokens,
}

impl Cx<'_> {
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        Span::from_pest(pair.as_span()).offset(self.offset)
    }

    fn fail(&mut self, err: SyntaxError) {
        if self.out.error.is_none() {
            self.out.error = Some(err);
        }
    }

    fn top(&mut self, pair: Pair<'_, Rule>) {
        match pair.as_rule() {
            Rule::doc_start => self.out.marker = Some(Marker::DocStart(self.span(&pair))),
            Rule::doc_end => self.out.marker = Some(Marker::DocEnd(self.span(&pair))),
            Rule::directive => self.out.marker = Some(Marker::Directive(self.span(&pair))),
            Rule::indent => self.out.content_start = self.span(&pair).end as usize,
            Rule::tab_indent => {
                let at = self.span(&pair).start as usize;
                self.fail(
                    SyntaxError::new(
                        Span::new(at, at + 1),
                        "expected spaces for indentation, found a tab",
                    )
                    .with_help(
                        "YAML does not allow tabs in indentation; cPanel indents with two spaces",
                    ),
                );
            }
            Rule::chain => {
                for p in pair.into_inner() {
                    if self.out.error.is_some() {
                        return;
                    }
                    match p.as_rule() {
                        Rule::dashes => self.dashes(&p),
                        Rule::entry => self.entry(p),
                        Rule::node => {
                            if let Some(n) = self.node(p) {
                                self.out.tokens.push(Token::Value(n));
                            }
                        }
                        _ => {}
                    }
                }
            }
            Rule::trail => {
                if let Some(c) = pair.into_inner().next() {
                    let span = self.span(&c);
                    let start = span.start as usize;
                    let spaced = start == self.out.content_start
                        || matches!(self.src.text().as_bytes()[start - 1], b' ' | b'\t');
                    if !spaced {
                        self.fail(
                            SyntaxError::new(
                                Span::new(start, start + 1),
                                "expected a space before the comment, found `#` right after the value",
                            )
                            .with_help("a `#` comment must be separated from the value by a space"),
                        );
                    }
                    self.out.comment = Some(span);
                }
            }
            Rule::bad => {
                let span = self.span(&pair);
                let err = self.unexpected(span);
                self.fail(err);
            }
            _ => {}
        }
    }

    /// Splits the run of `- ` indicators; more than the nesting cap is an error right away.
    fn dashes(&mut self, pair: &Pair<'_, Rule>) {
        let start = self.span(pair).start as usize;
        for (i, b) in pair.as_str().bytes().enumerate() {
            if b != b'-' {
                continue;
            }
            if self.out.tokens.len() == super::MAX_DEPTH {
                // Where the nesting check would point, for a line at the top level.
                self.fail(super::depth_error(start + i));
                return;
            }
            self.out
                .tokens
                .push(Token::Dash(Span::new(start + i, start + i + 1)));
        }
    }

    fn entry(&mut self, pair: Pair<'_, Rule>) {
        let mut inner = pair.into_inner();
        let key_pair = inner.next().expect("key");
        let scalar_pair = key_pair.into_inner().next().expect("key scalar");
        let Some(key) = self.scalar(scalar_pair) else {
            return;
        };
        let colon = self.span(&inner.next().expect("colon"));
        self.out.tokens.push(Token::Key { key, colon });
        if let Some(value) = inner.next()
            && let Some(n) = self.node(value)
        {
            self.out.tokens.push(Token::Value(n));
        }
    }

    /// Converts a `node` pair; reports constructs outside the subset.
    fn node(&mut self, pair: Pair<'_, Rule>) -> Option<Node> {
        let inner = pair.into_inner().next().expect("node alternative");
        let span = self.span(&inner);
        let kind = match inner.as_rule() {
            Rule::tilde => NodeKind::Null,
            Rule::flow_map_empty => NodeKind::Map(Vec::new()),
            Rule::flow_seq_empty => NodeKind::Seq(Vec::new()),
            Rule::dq | Rule::sq | Rule::plain => {
                let scalar = self.scalar(inner)?;
                return Some(Node {
                    span: scalar.span,
                    kind: NodeKind::Scalar(scalar),
                });
            }
            rule => {
                self.out.complex_key |= rule == Rule::complex_key && self.out.error.is_none();
                let err = self.unsupported(rule, span);
                self.fail(err);
                return None;
            }
        };
        Some(Node { span, kind })
    }

    /// Decodes a `dq`, `sq` or `plain` pair.
    fn scalar(&mut self, pair: Pair<'_, Rule>) -> Option<Scalar> {
        let mut raw = pair.as_str();
        if pair.as_rule() == Rule::plain {
            // The grammar leaves white space at the end of a plain scalar in its token.
            raw = raw.trim_end_matches([' ', '\t']);
        }
        let start = self.span(&pair).start as usize;
        let span = Span::new(start, start + raw.len());
        if let Some(err) = control_char(self.src, span) {
            self.fail(err);
            return None;
        }
        let (value, style) = match pair.as_rule() {
            Rule::plain => (raw.to_string(), ScalarStyle::Plain),
            Rule::sq => (
                raw[1..raw.len() - 1].replace("''", "'"),
                ScalarStyle::SingleQuoted,
            ),
            _ => match unescape(&raw[1..raw.len() - 1], span.start as usize + 1) {
                Ok(v) => (v, ScalarStyle::DoubleQuoted),
                Err(e) => {
                    self.fail(e);
                    return None;
                }
            },
        };
        Some(Scalar { span, value, style })
    }

    fn unsupported(&self, rule: Rule, span: Span) -> SyntaxError {
        let text = self.src.slice(span);
        // The construct itself, up to the first white space.
        let word_len = text.find([' ', '\t']).unwrap_or(text.len());
        let word = Span::new(span.start as usize, span.start as usize + word_len);
        let first = Span::new(span.start as usize, span.start as usize + 1);
        let (at, message, help) = match rule {
            Rule::flow_open => (
                first,
                "flow collections with content (`[a, b]`, `{a: b}`) are not part of cPanel's userdata format",
                "cPanel writes `[]` and `{}` only when empty; write one `- item` or `key: value` per line below the key",
            ),
            Rule::dq_open => (
                first,
                "expected a closing `\"`, found end of line",
                "a quoted value must end on the line it starts on; a `\"` inside is written `\\\"`",
            ),
            Rule::sq_open => (
                first,
                "expected a closing `'`, found end of line",
                "a quoted value must end on the line it starts on; a `'` inside is written `''`",
            ),
            Rule::anchor => (
                word,
                "anchors (`&name`) are not part of cPanel's userdata format",
                "cPanel writes every value in full: remove the anchor and replace its aliases with the value",
            ),
            Rule::alias => (
                word,
                "aliases (`*name`) are not part of cPanel's userdata format",
                "cPanel writes every value in full: replace the alias with the value it stands for",
            ),
            Rule::tag => (
                word,
                "type tags (`!tag`, `!!str`) are not part of cPanel's userdata format",
                "write the value without a tag; quote it ('…') if it must be read as text",
            ),
            Rule::block_scalar => (
                word,
                "block scalars (`|`, `>`) are not part of cPanel's userdata format",
                "write the value on one line; a value that needs escapes is double-quoted, with `\\n` for a line break",
            ),
            Rule::complex_key => (
                first,
                "complex keys (`? `) are not part of cPanel's userdata format",
                "cPanel writes every entry as `key: value` on one line",
            ),
            _ => {
                return SyntaxError::new(
                    first,
                    format!("a plain value cannot start with `{}`", &text[..1]),
                )
                .with_help(
                    "quote the value: cPanel writes such values in single or double quotes",
                );
            }
        };
        SyntaxError::new(at, message).with_help(help)
    }

    /// The message for text the grammar could not place (`bad`).
    fn unexpected(&self, span: Span) -> SyntaxError {
        let start = span.start as usize;
        if let Some(err) = control_char(self.src, Span::new(start, start + 1)) {
            return err;
        }
        let c = self.src.text()[start..].chars().next().unwrap_or(' ');
        let at = Span::new(start, start + c.len_utf8());
        let found = format!("`{c}`");
        match self.out.tokens.last() {
            Some(Token::Key { key, .. }) if c == '-' => SyntaxError::new(
                at,
                format!(
                    "expected a value after `{}:`, found a `- ` list item",
                    key.value
                ),
            )
            .with_help(
                "a list starts on the line after its key, one `- item` per line, indented below it",
            ),
            Some(Token::Key { key, .. }) => SyntaxError::new(
                at,
                format!("expected a value after `{}:`, found {found}", key.value),
            )
            .with_help("quote the value if it must start with this character"),
            Some(Token::Value(n))
                if c == ':' && n.as_scalar().is_some_and(|s| s.style == ScalarStyle::Plain) =>
            {
                SyntaxError::new(
                    at,
                    "expected end of line after the value, found a second `:`",
                )
                .with_help(
                    "a value that contains `: ` must be quoted; cPanel writes it double-quoted",
                )
            }
            Some(Token::Value(_)) => SyntaxError::new(
                at,
                format!("expected end of line after the value, found {found}"),
            )
            .with_help(
                "only white space or a `# comment` may follow a quoted value, `~`, `{}` or `[]`",
            ),
            Some(Token::Dash(_)) => SyntaxError::new(
                at,
                format!("expected a value or `key: value` after `- `, found {found}"),
            )
            .with_help("quote the value if it must start with this character"),
            None => SyntaxError::new(
                at,
                format!("expected `key: value`, `- item` or a comment, found {found}"),
            )
            .with_help(
                "every line of a userdata file is `key: value`, `- item`, a comment or empty",
            ),
        }
    }
}

/// The first control character or invalid UTF-8 byte in `span`, as an error.
fn control_char(src: &SourceFile, span: Span) -> Option<SyntaxError> {
    let text = src.slice(span);
    let (i, c) = text.char_indices().find(|&(_, c)| is_control(c))?;
    let at = span.start as usize + i;
    let err_span = Span::new(at, at + c.len_utf8());
    let raw = src.bytes()[at];
    if c == SUBSTITUTE as char && raw != SUBSTITUTE {
        return Some(
            SyntaxError::new(err_span, format!("invalid UTF-8 byte 0x{raw:02X}"))
                .with_help("userdata files are UTF-8 text; this file looks damaged or binary"),
        );
    }
    Some(
        SyntaxError::new(
            err_span,
            format!("unexpected control character U+{:04X}", c as u32),
        )
        .with_help("cPanel writes control characters as escapes inside a double-quoted value, such as \"\\t\""),
    )
}

fn is_control(c: char) -> bool {
    c.is_control() && c != '\t'
}

/// Decodes the inside of a double-quoted scalar; `offset` is its position in the file.
///
/// `\xHH` escapes are bytes, as YAML::Syck writes and reads them (it escapes every byte of a
/// UTF-8 character separately, `é` is `\xC3\xA9`); when the bytes are not UTF-8, they are read as
/// the code points U+0000–U+00FF instead, as YAML 1.1 defines them.
pub(super) fn unescape(body: &str, offset: usize) -> Result<String, SyntaxError> {
    if !body.contains('\\') {
        return Ok(body.to_string());
    }
    let bytes_as_bytes = decode(body, offset, true)?;
    match String::from_utf8(bytes_as_bytes) {
        Ok(s) => Ok(s),
        Err(_) => {
            let v = decode(body, offset, false)?;
            Ok(String::from_utf8(v).expect("code points encode as UTF-8"))
        }
    }
}

fn decode(body: &str, offset: usize, x_as_byte: bool) -> Result<Vec<u8>, SyntaxError> {
    let mut out = Vec::with_capacity(body.len());
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            let mut buf = [0; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        let Some((_, e)) = chars.next() else {
            // The grammar guarantees a character after a backslash inside the quotes.
            return Err(bad_escape(offset + i, 1, "\\"));
        };
        let simple = match e {
            '0' => Some('\0'),
            'a' => Some('\x07'),
            'b' => Some('\x08'),
            't' | '\t' => Some('\t'),
            'n' => Some('\n'),
            'v' => Some('\x0b'),
            'f' => Some('\x0c'),
            'r' => Some('\r'),
            'e' => Some('\x1b'),
            ' ' => Some(' '),
            '"' => Some('"'),
            '/' => Some('/'),
            '\\' => Some('\\'),
            'N' => Some('\u{85}'),
            '_' => Some('\u{a0}'),
            'L' => Some('\u{2028}'),
            'P' => Some('\u{2029}'),
            _ => None,
        };
        if let Some(ch) = simple {
            let mut buf = [0; 4];
            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        let digits = match e {
            'x' => 2,
            'u' => 4,
            'U' => 8,
            _ => {
                let len = 1 + e.len_utf8();
                return Err(SyntaxError::new(
                    Span::new(offset + i, offset + i + len),
                    format!("unknown escape `\\{e}` in a double-quoted value"),
                )
                .with_help(
                    "valid escapes include `\\\\`, `\\\"`, `\\n`, `\\t`, `\\xHH` and `\\uHHHH`; \
                     write a backslash as `\\\\`",
                ));
            }
        };
        let start = i + 2;
        let hex = body
            .get(start..start + digits)
            .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
        let Some(hex) = hex else {
            let avail = body[start..]
                .char_indices()
                .take(digits)
                .take_while(|(_, c)| c.is_ascii_hexdigit())
                .count();
            return Err(SyntaxError::new(
                Span::new(offset + i, offset + start + avail),
                format!("expected {digits} hexadecimal digits after `\\{e}`"),
            )
            .with_help(format!(
                "write the escape as `\\{e}` followed by exactly {digits} digits 0-9, A-F"
            )));
        };
        let code = u32::from_str_radix(hex, 16).expect("hex digits");
        for _ in 0..digits {
            chars.next();
        }
        if e == 'x' && x_as_byte {
            out.push(code as u8);
            continue;
        }
        let Some(ch) = char::from_u32(code) else {
            return Err(SyntaxError::new(
                Span::new(offset + i, offset + start + digits),
                format!("escape `\\{e}{hex}` is not a Unicode character"),
            )
            .with_help(
                "use the escape of a valid code point (surrogates D800-DFFF are not characters)",
            ));
        };
        let mut buf = [0; 4];
        out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
    }
    Ok(out)
}

fn bad_escape(at: usize, len: usize, what: &str) -> SyntaxError {
    SyntaxError::new(
        Span::new(at, at + len),
        format!("incomplete escape `{what}` in a double-quoted value"),
    )
}
