//! cPanel userdata files: `var/cpanel/userdata/USER/main`, `…/DOMAIN` and `…/DOMAIN_SSL`.
//!
//! cPanel writes these with YAML::Syck, and only a small part of YAML appears in them: a first
//! line `--- ` (with a trailing space), `key: value` lines sorted by key and indented by two
//! spaces, `key: ` (trailing space) before a nested block, list items `- ` with a mapping on the
//! following lines or a value on the same line, empty collections as `{}` / `[]` followed by an
//! empty line, `~` for undef, `''` for the empty string, single quotes around values YAML would
//! otherwise read as booleans (`'Off'`), double quotes with backslash escapes where needed, and
//! plain values for everything else, integers included. See `shared/reference/cpanel.md` §1.
//!
//! This parser reads that subset, and slightly more, losslessly:
//! - The file is read one line at a time with the pest grammar `grammar/userdata.pest`; nesting
//!   is then decided from the column of each token, with an explicit stack (no recursion), so
//!   any consistent indentation works (cPanel uses two spaces), as do a list under a key at the
//!   key's own indentation (`key:` / `- item`), compact items (`- key: value`, `- - value`),
//!   a value on the line after its key, quoted keys, comments, CRLF line ends, trailing white
//!   space anywhere, a header without its trailing space, and no header at all.
//! - The document's pieces are its lines (see [`YamlLine`]); every node keeps the span of what it
//!   was read from.
//! - Values are text. Only `~` and an absent value are null: `null`, `yes`, `Off` or `080` stay
//!   strings, which is how YAML::Syck loads them with its default settings (implicit typing
//!   off) and so how cPanel sees them. [`Scalar::as_int`] reads integers.
//! - `\xHH` escapes in double quotes are bytes, as YAML::Syck writes them (`\xC3\xA9` is `é`).
//! - A key written twice keeps both entries in [`NodeKind::Map`]; [`Node::get`] returns the last,
//!   as a Perl hash would.
//!
//! Anything else is a [`SyntaxError`] at its position, whose message names the construct and
//! whose help says what cPanel writes instead: anchors, aliases, tags, block scalars (`|`, `>`),
//! flow collections with content, complex keys (`? `), directives, a second document or `...`,
//! values continued on a second line, tabs in indentation, control characters, unknown escapes,
//! misaligned lines. Parsing never stops at an error: the offending line is left out of the tree
//! together with the more indented lines under it (they belong to the broken construct, such as
//! the text of a block scalar), and the lines after that are read as usual. After a second
//! document marker, the rest of the file is ignored. Nesting is capped at [`MAX_DEPTH`] levels.
//!
//! Typed views of the two kinds of file, with spans for every value: [`UserdataMain`] and
//! [`UserdataDomain`] (`userdata/view.rs`).

mod line;
mod view;

pub use view::{AddonDomain, Spanned, Unexpected, UserdataDomain, UserdataMain};

use crate::parse::{Lossless, SyntaxError, line_spans};
use crate::source::{SourceFile, Span};
use line::{LineTokens, Marker, Token};

/// The deepest nesting of mappings and lists read; deeper lines are a syntax error. cPanel's
/// userdata files nest three levels at most (`customlog` → item → `format`).
pub const MAX_DEPTH: usize = 64;

/// A parsed userdata file.
#[derive(Clone, Debug)]
pub struct YamlDoc {
    /// Every line of the file, including its `\n` (the pieces of the document).
    pub lines: Vec<YamlLine>,
    /// The `---` that starts the document, when there is one.
    pub header: Option<Span>,
    /// The document's value: a mapping in every file cPanel writes; `None` for an empty document.
    pub root: Option<Node>,
    errors: Vec<SyntaxError>,
}

/// One line of the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct YamlLine {
    /// The whole line including its `\n`.
    pub span: Span,
    pub kind: LineKind,
}

/// What a line holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineKind {
    /// Empty or white space only.
    Blank,
    /// Only a `#` comment (after optional white space).
    Comment,
    /// The `---` that starts the document (possibly with a value after it).
    Header,
    /// Entries or values that are part of the tree.
    Content,
    /// A line with a syntax error; not part of the tree.
    Invalid,
    /// A line under an invalid line, or after the end of the document; not part of the tree.
    Ignored,
}

/// A node of the tree, with the span of the text it was read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// For a scalar, `~`, `{}` or `[]`: the token. For a block mapping or list: from its first
    /// key or `-` to the end of its last value. For an absent value (`key:` and nothing under
    /// it): empty, just after the `:` or `-`.
    pub span: Span,
    pub kind: NodeKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeKind {
    /// A block mapping, or `{}`. Entries in file order.
    Map(Vec<MapEntry>),
    /// A block list, or `[]`.
    Seq(Vec<Node>),
    Scalar(Scalar),
    /// `~`, or no value at all.
    Null,
}

/// `key: value`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapEntry {
    pub key: Scalar,
    pub value: Node,
}

/// A scalar value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scalar {
    /// The token as written, quotes included.
    pub span: Span,
    /// The value: quotes removed, escapes decoded.
    pub value: String,
    pub style: ScalarStyle,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarStyle {
    Plain,
    /// `'…'`
    SingleQuoted,
    /// `"…"`
    DoubleQuoted,
}

impl YamlDoc {
    /// Syntax errors, in file order.
    pub fn errors(&self) -> impl Iterator<Item = &SyntaxError> {
        self.errors.iter()
    }

    /// The value of a top-level key (see [`Node::get`]).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.root.as_ref()?.get(key)
    }
}

impl crate::parse::Document for YamlDoc {
    fn syntax_errors(&self) -> Vec<SyntaxError> {
        self.errors().cloned().collect()
    }
}

impl Lossless for YamlDoc {
    fn pieces(&self) -> Vec<Span> {
        self.lines.iter().map(|l| l.span).collect()
    }
}

impl Node {
    /// The value of `key` in a mapping; the last one when the key is written twice (cPanel's
    /// Perl code keeps the last).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .rev()
            .find(|e| e.key.value == key)
            .map(|e| &e.value)
    }

    pub fn as_scalar(&self) -> Option<&Scalar> {
        match &self.kind {
            NodeKind::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The text of a scalar.
    pub fn as_str(&self) -> Option<&str> {
        self.as_scalar().map(|s| s.value.as_str())
    }

    /// The integer a scalar holds (see [`Scalar::as_int`]).
    pub fn as_int(&self) -> Option<i64> {
        self.as_scalar()?.as_int()
    }

    pub fn as_map(&self) -> Option<&[MapEntry]> {
        match &self.kind {
            NodeKind::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::Seq(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.kind, NodeKind::Null)
    }

    /// What the node is, for messages: "a mapping", "a list", "a value", "an empty value".
    pub fn describe(&self) -> &'static str {
        match self.kind {
            NodeKind::Map(_) => "a mapping",
            NodeKind::Seq(_) => "a list",
            NodeKind::Scalar(_) => "a value",
            NodeKind::Null => "an empty value",
        }
    }
}

impl Scalar {
    /// The integer the value holds: optional sign, then decimal digits only (leading zeros
    /// allowed, as Perl reads them). Quoted values count too: `'80'` is 80 to cPanel's Perl code.
    pub fn as_int(&self) -> Option<i64> {
        let v = self.value.as_str();
        let digits = v.strip_prefix(['-', '+']).unwrap_or(v);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        v.parse().ok()
    }
}

impl MapEntry {
    /// From the key to the end of the value.
    pub fn span(&self) -> Span {
        self.key.span.join(self.value.span)
    }
}

/// Parses a userdata file. Never fails; see [`YamlDoc::errors`].
pub fn parse(src: &SourceFile) -> YamlDoc {
    let text = src.text();
    let mut p = Parser {
        src,
        doc: YamlDoc {
            lines: Vec::new(),
            header: None,
            root: None,
            errors: Vec::new(),
        },
        tree: Tree::default(),
        seen_content: false,
        stopped: false,
        skip_deeper_than: None,
        complex_value_at: None,
        buf: String::new(),
    };
    for span in line_spans(text) {
        let start = span.start as usize;
        let mut end = span.end as usize;
        if text.as_bytes()[end - 1] == b'\n' {
            end -= 1;
        }
        if end > start && text.as_bytes()[end - 1] == b'\r' {
            end -= 1;
        }
        let body_start = if start == 0 && text[..end].starts_with('\u{feff}') {
            3
        } else {
            start
        };
        let kind = p.line(&text[body_start..end], body_start);
        p.doc.lines.push(YamlLine { span, kind });
    }
    p.doc.root = p.tree.finish();
    p.doc
}

struct Parser<'a> {
    src: &'a SourceFile,
    doc: YamlDoc,
    tree: Tree,
    /// A content line was read (a `---` after it starts a second document).
    seen_content: bool,
    /// After a second document or `...`: the rest is ignored.
    stopped: bool,
    /// After an invalid line at this column: more indented lines belong to it and are ignored.
    skip_deeper_than: Option<usize>,
    /// After a complex key (`? key`) at this column: the `: value` line under it is ignored.
    complex_value_at: Option<usize>,
    /// Scratch space for the tokenizer.
    buf: String,
}

impl Parser<'_> {
    fn line(&mut self, body: &str, offset: usize) -> LineKind {
        let spaces = body.bytes().take_while(|&b| b == b' ').count();
        let first = body[spaces..].bytes().find(|&b| b != b' ' && b != b'\t');
        if self.stopped {
            return if first.is_none() {
                LineKind::Blank
            } else {
                LineKind::Ignored
            };
        }
        if let Some(limit) = self.skip_deeper_than
            && spaces > limit
            && first.is_some_and(|b| b != b'#')
        {
            // Cheap test first: the lines under a broken line are not worth tokenizing.
            self.seen_content = true;
            return LineKind::Ignored;
        }
        let toks = line::tokenize(self.src, body, offset, &mut self.buf);
        let col = toks.content_start - offset;
        if let Some(marker) = toks.marker {
            return self.marker(marker, toks);
        }
        if toks.tokens.is_empty() && toks.error.is_none() {
            return if toks.comment.is_some() {
                LineKind::Comment
            } else {
                LineKind::Blank
            };
        }
        self.seen_content = true;
        if self.complex_value_at.take() == Some(col) && body[col..].starts_with(':') {
            return LineKind::Ignored;
        }
        if let Some(limit) = self.skip_deeper_than {
            if col > limit {
                return LineKind::Ignored;
            }
            self.skip_deeper_than = None;
        }
        if let Some(err) = toks.error {
            if toks.complex_key {
                self.complex_value_at = Some(err.span.start as usize - offset);
            }
            return self.invalid(err, Some(col));
        }
        match self.tree.plan(&toks.tokens, offset) {
            Ok(plan) => {
                self.tree.apply(plan, toks.tokens, offset);
                LineKind::Content
            }
            Err(err) => self.invalid(err, Some(col)),
        }
    }

    fn marker(&mut self, marker: Marker, toks: LineTokens) -> LineKind {
        match marker {
            Marker::DocStart(span) if self.doc.header.is_none() && !self.seen_content => {
                self.doc.header = Some(span);
                if let Some(err) = toks.error {
                    // Indented lines under it belong to the broken value (`--- |` and its text).
                    self.invalid(err, Some(0));
                    return LineKind::Header;
                }
                let line_start = span.start as usize;
                match toks.tokens.first() {
                    None => {}
                    Some(Token::Value(_)) if toks.tokens.len() == 1 => {
                        // The tree is empty here, so a single value always has a place.
                        if let Ok(plan) = self.tree.plan(&toks.tokens, line_start) {
                            self.tree.apply(plan, toks.tokens, line_start);
                        }
                    }
                    Some(t) => {
                        let at = t.start();
                        self.invalid(
                            SyntaxError::new(
                                Span::new(at, at + 1),
                                "expected a value or end of line after `---`, found the start of a mapping or list",
                            )
                            .with_help("start the entries on the line after `--- `"),
                            Some(0),
                        );
                    }
                }
                LineKind::Header
            }
            Marker::DocStart(span) => {
                self.stopped = true;
                self.invalid(
                    SyntaxError::new(
                        span,
                        "a second document (`---`) is not part of cPanel's userdata format; \
                         the rest of the file is ignored",
                    )
                    .with_help("cPanel writes one document per file, starting with `--- ` on the first line"),
                    None,
                )
            }
            Marker::DocEnd(span) => {
                self.stopped = true;
                self.invalid(
                    SyntaxError::new(
                        span,
                        "the document end marker (`...`) is not part of cPanel's userdata format; \
                         the rest of the file is ignored",
                    )
                    .with_help("remove the line: cPanel's files end after the last entry"),
                    None,
                )
            }
            Marker::Directive(span) => {
                let end = span.start as usize
                    + self.src.slice(span).find([' ', '\t']).unwrap_or(span.len());
                self.invalid(
                    SyntaxError::new(
                        Span::new(span.start as usize, end),
                        "directives (`%YAML`, `%TAG`) are not part of cPanel's userdata format",
                    )
                    .with_help("remove the line: cPanel's files start directly with `--- `"),
                    None,
                )
            }
        }
    }

    fn invalid(&mut self, err: SyntaxError, skip_col: Option<usize>) -> LineKind {
        self.doc.errors.push(err);
        if skip_col.is_some() {
            self.skip_deeper_than = skip_col;
        }
        LineKind::Invalid
    }
}

/// The tree under construction: the open block collections, innermost last.
#[derive(Default)]
struct Tree {
    stack: Vec<Frame>,
    root: Option<Node>,
}

struct Frame {
    /// Column of the keys or `-` of this collection.
    indent: usize,
    start: usize,
    end: usize,
    kind: FrameKind,
}

enum FrameKind {
    Map {
        entries: Vec<MapEntry>,
        /// A key whose value is still to come, and where its `:` ends.
        pending: Option<(Scalar, usize)>,
    },
    Seq {
        items: Vec<Node>,
        /// An item whose value is still to come: where its `-` ends.
        pending: Option<usize>,
        /// A list written at the indentation of the key it belongs to (`key:` / `- item`).
        at_key_indent: bool,
    },
}

/// What the first token of a line does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    /// Another key of the current mapping, or another item of the current list.
    Sibling,
    /// A list at the indentation of the key above, which has no value.
    ListAtKeyIndent,
    /// The value of the pending key or item (or of the document): a new block, or a value.
    Open,
}

#[derive(Clone, Copy, Debug)]
struct Plan {
    pops: usize,
    action: Action,
}

impl Frame {
    fn new_map(indent: usize, key: Scalar, colon: Span) -> Frame {
        Frame {
            indent,
            start: key.span.start as usize,
            end: colon.end as usize,
            kind: FrameKind::Map {
                entries: Vec::new(),
                pending: Some((key, colon.end as usize)),
            },
        }
    }

    fn new_seq(indent: usize, dash: Span, at_key_indent: bool) -> Frame {
        Frame {
            indent,
            start: dash.start as usize,
            end: dash.end as usize,
            kind: FrameKind::Seq {
                items: Vec::new(),
                pending: Some(dash.end as usize),
                at_key_indent,
            },
        }
    }

    fn is_pending(&self) -> bool {
        match &self.kind {
            FrameKind::Map { pending, .. } => pending.is_some(),
            FrameKind::Seq { pending, .. } => pending.is_some(),
        }
    }

    fn is_list_at_key_indent(&self) -> bool {
        matches!(
            self.kind,
            FrameKind::Seq {
                at_key_indent: true,
                ..
            }
        )
    }

    /// Gives the pending key or item its value.
    fn attach(&mut self, node: Node) {
        self.end = self.end.max(node.span.end as usize);
        match &mut self.kind {
            FrameKind::Map { entries, pending } => {
                if let Some((key, _)) = pending.take() {
                    entries.push(MapEntry { key, value: node });
                }
            }
            FrameKind::Seq { items, pending, .. } => {
                if pending.take().is_some() {
                    items.push(node);
                }
            }
        }
    }

    /// Gives a pending key or item the null value (nothing was written for it).
    fn close_pending(&mut self) {
        let at = match &self.kind {
            FrameKind::Map { pending, .. } => pending.as_ref().map(|p| p.1),
            FrameKind::Seq { pending, .. } => *pending,
        };
        if let Some(at) = at {
            self.attach(Node {
                span: Span::at(at),
                kind: NodeKind::Null,
            });
        }
    }

    fn finish(mut self) -> Node {
        self.close_pending();
        let kind = match self.kind {
            FrameKind::Map { entries, .. } => NodeKind::Map(entries),
            FrameKind::Seq { items, .. } => NodeKind::Seq(items),
        };
        Node {
            span: Span::new(self.start, self.end),
            kind,
        }
    }
}

impl Tree {
    /// Decides where the line's first token goes, without changing anything; the error says why
    /// it cannot go anywhere.
    fn plan(&self, tokens: &[Token], line_start: usize) -> Result<Plan, SyntaxError> {
        let first = &tokens[0];
        let col = first.start() - line_start;
        let is_dash = matches!(first, Token::Dash(_));
        let mut n = self.stack.len();
        while n > 0 {
            let f = &self.stack[n - 1];
            if col < f.indent || (col == f.indent && f.is_list_at_key_indent() && !is_dash) {
                n -= 1;
            } else {
                break;
            }
        }
        let pops = self.stack.len() - n;
        let action = if n == 0 {
            if self.root.is_some() || pops > 0 {
                return Err(self.misplaced(first, col, 0));
            }
            Action::Open
        } else {
            let top = &self.stack[n - 1];
            let pending = pops == 0 && top.is_pending();
            if col > top.indent {
                if !pending {
                    return Err(self.misplaced(first, col, n - 1));
                }
                Action::Open
            } else {
                match (&top.kind, first) {
                    (FrameKind::Map { .. }, Token::Key { .. })
                    | (FrameKind::Seq { .. }, Token::Dash(_)) => Action::Sibling,
                    (FrameKind::Map { .. }, Token::Dash(_)) if pending => Action::ListAtKeyIndent,
                    _ => return Err(self.misplaced(first, col, n - 1)),
                }
            }
        };
        // Every `-` and `key:` after the first token opens one more level.
        let opens_first = match action {
            Action::Sibling => 0,
            Action::ListAtKeyIndent => 1,
            Action::Open => usize::from(!matches!(first, Token::Value(_))),
        };
        let opens_rest = tokens[1..]
            .iter()
            .filter(|t| !matches!(t, Token::Value(_)))
            .count();
        if n + opens_first + opens_rest > MAX_DEPTH {
            let culprit = (MAX_DEPTH + 1).saturating_sub(n + opens_first);
            return Err(depth_error(tokens.get(culprit).unwrap_or(first).start()));
        }
        Ok(Plan { pops, action })
    }

    /// The error for a first token that fits nowhere; `top` is the index of the innermost frame
    /// that stays open.
    fn misplaced(&self, first: &Token, col: usize, top: usize) -> SyntaxError {
        let at = match first {
            Token::Key { key, .. } => key.span,
            Token::Dash(s) => *s,
            Token::Value(n) => n.span,
        };
        let what = match first {
            Token::Key { key, .. } => format!("`{}:`", key.value),
            Token::Dash(_) => "a `- ` list item".to_string(),
            Token::Value(_) => "a value without a key".to_string(),
        };
        if self.stack.is_empty() {
            return SyntaxError::new(
                at,
                format!("expected end of document after its top-level value, found {what}"),
            )
            .with_help("a userdata file holds one mapping of `key: value` lines");
        }
        let frame = &self.stack[top];
        let deeper_than_block = col > frame.indent;
        let only_the_line_above = deeper_than_block && top + 1 == self.stack.len();
        if only_the_line_above && matches!(first, Token::Value(_)) {
            return SyntaxError::new(
                at,
                "expected a new entry, found an indented value continuing the line above",
            )
            .with_help(
                "a value continued on the next line is not part of cPanel's userdata format: \
                 write it on one line, quoted if needed",
            );
        }
        if deeper_than_block || col < frame.indent {
            let mut cols: Vec<usize> = self.stack.iter().map(|f| f.indent + 1).collect();
            cols.dedup();
            return SyntaxError::new(
                at,
                format!(
                    "expected this line at column {} (where the entries above start), found column {}",
                    or_list(&cols),
                    col + 1
                ),
            )
            .with_help(
                "entries of one mapping or list start at the same column; a nested block goes \
                 under a `key:` or `- ` that has no value on its own line",
            );
        }
        match (&frame.kind, first) {
            (FrameKind::Map { .. }, _) => {
                let glued = match first {
                    Token::Value(n) => n
                        .as_scalar()
                        .is_some_and(|s| s.style == ScalarStyle::Plain && s.value.contains(':')),
                    _ => false,
                };
                SyntaxError::new(
                    at,
                    format!("expected `key: value` at this indentation, found {what}"),
                )
                .with_help(if matches!(first, Token::Dash(_)) {
                    "a list goes under a key that has no value on its line: `key:` then `  - item`"
                } else if glued {
                    "put a space after the `:`: without it, `key:value` is read as one value"
                } else {
                    "write the key and `: ` before the value"
                })
            }
            (FrameKind::Seq { .. }, _) => SyntaxError::new(
                at,
                format!("expected a `- ` list item at this indentation, found {what}"),
            )
            .with_help("the items of a list each start with `- ` at the same column"),
        }
    }

    fn apply(&mut self, plan: Plan, tokens: Vec<Token>, line_start: usize) {
        for _ in 0..plan.pops {
            self.pop();
        }
        let mut tokens = tokens.into_iter();
        let first = tokens.next().expect("a line with tokens");
        let col = first.start() - line_start;
        match (plan.action, first) {
            (Action::Sibling, Token::Key { key, colon }) => {
                let top = self.stack.last_mut().expect("open mapping");
                top.close_pending();
                if let FrameKind::Map { pending, .. } = &mut top.kind {
                    top.end = colon.end as usize;
                    *pending = Some((key, colon.end as usize));
                }
            }
            (Action::Sibling, Token::Dash(dash)) => {
                let top = self.stack.last_mut().expect("open list");
                top.close_pending();
                if let FrameKind::Seq { pending, .. } = &mut top.kind {
                    top.end = dash.end as usize;
                    *pending = Some(dash.end as usize);
                }
            }
            (Action::ListAtKeyIndent, Token::Dash(dash)) => {
                self.stack.push(Frame::new_seq(col, dash, true));
            }
            (_, first) => self.open(first, line_start),
        }
        for t in tokens {
            self.open(t, line_start);
        }
    }

    /// Places a token as the value of the pending key or item (or of the document).
    fn open(&mut self, token: Token, line_start: usize) {
        let col = token.start() - line_start;
        match token {
            Token::Key { key, colon } => self.stack.push(Frame::new_map(col, key, colon)),
            Token::Dash(dash) => self.stack.push(Frame::new_seq(col, dash, false)),
            Token::Value(node) => self.attach(node),
        }
    }

    fn attach(&mut self, node: Node) {
        match self.stack.last_mut() {
            Some(top) => top.attach(node),
            None => self.root = Some(node),
        }
    }

    fn pop(&mut self) {
        let frame = self.stack.pop().expect("open frame");
        let node = frame.finish();
        self.attach(node);
    }

    fn finish(mut self) -> Option<Node> {
        while !self.stack.is_empty() {
            self.pop();
        }
        self.root
    }
}

fn depth_error(at: usize) -> SyntaxError {
    SyntaxError::new(
        Span::new(at, at + 1),
        format!("nesting deeper than {MAX_DEPTH} levels is not supported"),
    )
    .with_help("cPanel's userdata files nest only a few levels; this file looks damaged")
}

/// "1", "1 or 3", "1, 3 or 5".
fn or_list(items: &[usize]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => {
            let init: Vec<String> = init.iter().map(|c| c.to_string()).collect();
            format!("{} or {last}", init.join(", "))
        }
    }
}

#[cfg(test)]
mod tests;
