//! Layer 1: one file, lossless. Physical lines are tagged, and logical statements are built on top
//! of them exactly as Exim joins continuation lines, but without macros, conditionals or includes
//! (those need the whole configuration: see [`super::load`]).

use super::text::{MappedText, is_space, skip_space, trim_end};
use super::{EximParser, Rule};
use crate::parse::{Lossless, line_spans};
use crate::source::{SourceFile, Span};
use pest::Parser;

/// One file of an Exim configuration, parsed on its own.
#[derive(Clone, Debug, Default)]
pub struct EximFile {
    /// Every physical line, in order; their spans tile the file.
    pub lines: Vec<PhysLine>,
    /// Logical statements: content lines joined by trailing backslashes.
    pub statements: Vec<Statement>,
}

/// A physical line.
#[derive(Clone, Debug)]
pub struct PhysLine {
    /// The whole line including its `\n` (the pieces of the document).
    pub span: Span,
    /// The line without its `\n` (a `\r` before it is kept: it is white space to Exim).
    pub body: Span,
    pub kind: LineKind,
    /// Index of the statement this line belongs to (content and continuation lines).
    pub statement: Option<usize>,
}

/// What a physical line is, before macro substitution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LineKind {
    /// Empty or white space only. Inside a continuation it ends the logical line.
    Blank,
    /// First non-blank character `#`. Skipped, also inside a continuation.
    Comment,
    /// `.ifdef` / `.ifndef` / `.elifdef` / `.elifndef` / `.else` / `.endif`.
    Directive(Directive),
    /// `.include` / `.include_if_exists`.
    Include(IncludeLine),
    /// The first line of a statement.
    Content,
    /// A further line of a statement whose previous line ended in `\`.
    Continuation,
}

/// The six conditional directives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CondKind {
    Ifdef,
    Ifndef,
    Elifdef,
    Elifndef,
    Else,
    Endif,
}

impl CondKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CondKind::Ifdef => ".ifdef",
            CondKind::Ifndef => ".ifndef",
            CondKind::Elifdef => ".elifdef",
            CondKind::Elifndef => ".elifndef",
            CondKind::Else => ".else",
            CondKind::Endif => ".endif",
        }
    }
}

/// A conditional directive line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    pub kind: CondKind,
    /// The directive word with its dot (`.ifdef`).
    pub keyword: Span,
    /// The rest of the line, white space trimmed (the macro names tested; ignored after
    /// `.else`/`.endif`).
    pub arg: Span,
    /// Exim silently ignores a directive followed by anything but a space, the end of the line
    /// or the letter `t`: `.ifdef<TAB>X`, `.endif\r` (CRLF files), `.ifdefX`. When that is the
    /// case, the character that follows.
    pub dropped_by: Option<char>,
}

/// An include line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IncludeLine {
    /// `.include_if_exists` rather than `.include`.
    pub if_exists: bool,
    /// The keyword with its dot.
    pub keyword: Span,
    /// The file name, without the double quotes around it if any.
    pub path: Span,
    /// Whether the name was in double quotes.
    pub quoted: bool,
}

/// A logical statement of one file: one or more content lines joined by trailing `\`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    /// Indices of its content and continuation lines.
    pub lines: Vec<usize>,
    /// The bytes of each line that make up the statement's text, in order: leading white space
    /// of continuation lines, trailing white space and the backslashes are not part of them.
    pub pieces: Vec<Span>,
}

impl Statement {
    /// The joined text (what Exim reads when no macro applies).
    pub fn text(&self, src: &SourceFile) -> String {
        self.pieces.iter().map(|p| src.slice(*p)).collect()
    }

    /// From the start of the first piece to the end of the last.
    pub fn span(&self) -> Span {
        match (self.pieces.first(), self.pieces.last()) {
            (Some(a), Some(b)) => a.join(*b),
            _ => Span::default(),
        }
    }
}

impl EximFile {
    /// The statement a 0-based line belongs to.
    pub fn statement_of_line(&self, line: usize) -> Option<&Statement> {
        self.lines
            .get(line)
            .and_then(|l| l.statement)
            .map(|i| &self.statements[i])
    }

    /// Lines whose directive Exim silently drops (see [`Directive::dropped_by`]).
    pub fn dropped_directives(&self) -> impl Iterator<Item = (&PhysLine, &Directive)> {
        self.lines.iter().filter_map(|l| match &l.kind {
            LineKind::Directive(d) if d.dropped_by.is_some() => Some((l, d)),
            _ => None,
        })
    }
}

impl Lossless for EximFile {
    fn pieces(&self) -> Vec<Span> {
        self.lines.iter().map(|l| l.span).collect()
    }
}

/// How the start of one physical line reads, positions relative to the line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PhysClass {
    Blank,
    Comment,
    Directive {
        kind: CondKind,
        keyword: (usize, usize),
        arg: (usize, usize),
        dropped_by: Option<char>,
    },
    Include {
        if_exists: bool,
        keyword: (usize, usize),
        path: (usize, usize),
        quoted: bool,
    },
    /// Content starting at this offset.
    Content(usize),
}

/// Classifies one physical line (without its `\n`) as Exim's reader does.
pub(crate) fn classify(line: &str) -> PhysClass {
    // Only lines starting with `.` need the grammar; the others are decided by their first
    // non-blank byte.
    let at = skip_space(line, 0);
    match line.as_bytes().get(at) {
        None => return PhysClass::Blank,
        Some(b'#') => return PhysClass::Comment,
        Some(b'.') => {}
        Some(_) => return PhysClass::Content(at),
    }
    let Ok(mut pairs) = EximParser::parse(Rule::phys_line, line) else {
        // The grammar accepts every input; stay safe anyway.
        let at = skip_space(line, 0);
        return if at == line.len() {
            PhysClass::Blank
        } else {
            PhysClass::Content(at)
        };
    };
    let top = pairs.next().expect("phys_line");
    let mut inner = top.into_inner();
    let _indent = inner.next();
    let Some(what) = inner.next() else {
        return PhysClass::Blank;
    };
    let start = what.as_span().start();
    match what.as_rule() {
        Rule::comment => PhysClass::Comment,
        Rule::directive => {
            let mut kind = CondKind::Ifdef;
            let mut kw_end = start;
            let mut dropped_by = None;
            for p in what.into_inner() {
                match p.as_rule() {
                    Rule::cond_name => {
                        kw_end = p.as_span().end();
                        kind = match p.as_str() {
                            "ifdef" => CondKind::Ifdef,
                            "ifndef" => CondKind::Ifndef,
                            "elifdef" => CondKind::Elifdef,
                            "elifndef" => CondKind::Elifndef,
                            "else" => CondKind::Else,
                            _ => CondKind::Endif,
                        }
                    }
                    Rule::dir_dropped => {
                        dropped_by = line[p.as_span().start()..].chars().next();
                    }
                    _ => {}
                }
            }
            let a = skip_space(line, kw_end);
            let e = trim_end(line).len().max(a);
            PhysClass::Directive {
                kind,
                keyword: (start, kw_end),
                arg: (a, e),
                dropped_by,
            }
        }
        Rule::include => {
            let kw = what.into_inner().next().expect("include_kw");
            let if_exists = kw
                .clone()
                .into_inner()
                .next()
                .is_some_and(|k| k.as_rule() == Rule::inc_if_exists);
            let kw_end = kw.as_span().end();
            let a = skip_space(line, kw_end);
            let e = trim_end(line).len().max(a);
            let b = line.as_bytes();
            let (path, quoted) = if e > a && b[a] == b'"' && b[e - 1] == b'"' {
                if e - a >= 2 {
                    ((a + 1, e - 1), true)
                } else {
                    ((a + 1, a + 1), true)
                }
            } else {
                ((a, e), false)
            };
            PhysClass::Include {
                if_exists,
                keyword: (start, kw_end),
                path,
                quoted,
            }
        }
        _ => PhysClass::Content(start),
    }
}

/// Builds logical lines the way Exim's reader does: append the line from its first non-blank
/// character, drop trailing white space, and if the text now ends in `\`, remove it and go on
/// with the next line. An empty logical line is no line at all.
#[derive(Debug, Default)]
pub(crate) struct Joiner {
    pub text: MappedText,
}

impl Joiner {
    /// Adds the text of a content (or blank) line; returns `true` when the logical line is
    /// complete.
    pub fn push(&mut self, piece: &MappedText, from: usize) -> bool {
        self.text.push_mapped(piece, from..piece.len());
        self.settle()
    }

    /// [`Joiner::push`] for a line copied verbatim from `file`, whose text starts at `base`.
    pub fn push_source(&mut self, line: &str, file: usize, base: usize, from: usize) -> bool {
        self.text.push_source(&line[from..], file, base + from);
        self.settle()
    }

    fn settle(&mut self) -> bool {
        self.text.trim_end();
        if self.text.is_empty() {
            return false;
        }
        if self.text.as_str().as_bytes()[self.text.len() - 1] != b'\\' {
            return true;
        }
        let l = self.text.len() - 1;
        self.text.truncate(l);
        false
    }
}

/// The [`Joiner`] of one file: pieces are spans of the file's text.
#[derive(Default)]
struct SpanJoiner {
    pieces: Vec<Span>,
}

impl SpanJoiner {
    fn push(&mut self, text: &str, piece: Span) -> bool {
        let b = text.as_bytes();
        if !piece.is_empty() {
            self.pieces.push(piece);
        }
        while let Some(last) = self.pieces.last_mut() {
            while last.end > last.start && is_space(b[last.end as usize - 1]) {
                last.end -= 1;
            }
            if last.is_empty() {
                self.pieces.pop();
            } else {
                break;
            }
        }
        let Some(last) = self.pieces.last_mut() else {
            return false;
        };
        if b[last.end as usize - 1] != b'\\' {
            return true;
        }
        last.end -= 1;
        if last.is_empty() {
            self.pieces.pop();
        }
        false
    }
}

/// Parses one file. Never fails.
pub fn parse(src: &SourceFile) -> EximFile {
    let text = src.text();
    let mut lines: Vec<PhysLine> = Vec::with_capacity(src.line_count());
    let mut statements: Vec<Statement> = Vec::new();
    let mut joiner = SpanJoiner::default();
    let mut current: Vec<usize> = Vec::new();

    let finish =
        |joiner: &mut SpanJoiner, current: &mut Vec<usize>, statements: &mut Vec<Statement>| {
            let pieces = std::mem::take(&mut joiner.pieces);
            let lines = std::mem::take(current);
            if lines.is_empty() {
                return;
            }
            statements.push(Statement { lines, pieces });
        };

    for span in line_spans(text) {
        let body_end = if text.as_bytes()[span.end as usize - 1] == b'\n' {
            span.end as usize - 1
        } else {
            span.end as usize
        };
        let body = Span::new(span.start as usize, body_end);
        let line = &text[body.range()];
        let base = body.start as usize;
        let class = classify(line);
        let idx = lines.len();
        let mut kind = match &class {
            PhysClass::Blank => LineKind::Blank,
            PhysClass::Comment => LineKind::Comment,
            PhysClass::Directive {
                kind,
                keyword,
                arg,
                dropped_by,
            } => LineKind::Directive(Directive {
                kind: *kind,
                keyword: Span::new(base + keyword.0, base + keyword.1),
                arg: Span::new(base + arg.0, base + arg.1),
                dropped_by: *dropped_by,
            }),
            PhysClass::Include {
                if_exists,
                keyword,
                path,
                quoted,
            } => LineKind::Include(IncludeLine {
                if_exists: *if_exists,
                keyword: Span::new(base + keyword.0, base + keyword.1),
                path: Span::new(base + path.0, base + path.1),
                quoted: *quoted,
            }),
            PhysClass::Content(_) => LineKind::Content,
        };
        let mut statement = None;
        if let PhysClass::Blank | PhysClass::Content(_) = class {
            let from = match class {
                PhysClass::Content(at) => at,
                _ => line.len(),
            };
            if kind == LineKind::Content {
                if !joiner.pieces.is_empty() {
                    kind = LineKind::Continuation;
                }
                current.push(idx);
                statement = Some(statements.len());
            }
            // Complete, or nothing collected at all (a line holding only a backslash).
            if joiner.push(text, Span::new(base + from, body_end))
                || (joiner.pieces.is_empty() && !current.is_empty())
            {
                finish(&mut joiner, &mut current, &mut statements);
            }
        }
        lines.push(PhysLine {
            span,
            body,
            kind,
            statement,
        });
    }
    finish(&mut joiner, &mut current, &mut statements);
    EximFile { lines, statements }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{check_tiling, render};

    fn file(text: &str) -> (SourceFile, EximFile) {
        let src = SourceFile::from_str("etc/exim.conf", text);
        let f = parse(&src);
        check_tiling(&f, &src).unwrap();
        assert_eq!(render(&f, &src), text.as_bytes());
        (src, f)
    }

    fn texts(text: &str) -> Vec<String> {
        let (src, f) = file(text);
        f.statements.iter().map(|s| s.text(&src)).collect()
    }

    #[test]
    fn line_kinds() {
        let (src, f) = file(
            "# c\n\n  x = 1\n.ifdef A B\n.include \"/etc/x\"\n.include_if_exists /y\n.endif\r\n",
        );
        let kinds: Vec<&LineKind> = f.lines.iter().map(|l| &l.kind).collect();
        assert_eq!(kinds[0], &LineKind::Comment);
        assert_eq!(kinds[1], &LineKind::Blank);
        assert_eq!(kinds[2], &LineKind::Content);
        let LineKind::Directive(d) = kinds[3] else {
            panic!()
        };
        assert_eq!((d.kind, src.slice(d.arg)), (CondKind::Ifdef, "A B"));
        assert_eq!(d.dropped_by, None);
        let LineKind::Include(i) = kinds[4] else {
            panic!()
        };
        assert_eq!(
            (src.slice(i.path), i.quoted, i.if_exists),
            ("/etc/x", true, false)
        );
        let LineKind::Include(i) = kinds[5] else {
            panic!()
        };
        assert_eq!((src.slice(i.path), i.if_exists), ("/y", true));
        let LineKind::Directive(d) = kinds[6] else {
            panic!()
        };
        assert_eq!(d.dropped_by, Some('\r'));
    }

    #[test]
    fn tab_after_directive_is_dropped_but_t_is_not() {
        let (_, f) = file(".ifdef\tX\n.ifdeftX\n.ifdefX\n.endif\n");
        let dropped: Vec<Option<char>> = f
            .lines
            .iter()
            .map(|l| match &l.kind {
                LineKind::Directive(d) => d.dropped_by,
                _ => panic!(),
            })
            .collect();
        assert_eq!(dropped, vec![Some('\t'), None, Some('X'), None]);
    }

    #[test]
    fn continuation_rules() {
        // White space before the backslash is kept, leading white space of the next line dropped.
        assert_eq!(texts("a = b \\\n   c\n"), vec!["a = b c"]);
        assert_eq!(texts("a = b\\\n   c\n"), vec!["a = bc"]);
        // White space after the backslash is ignored.
        assert_eq!(
            texts("h = host\\  \nname.example\n"),
            vec!["h = hostname.example"]
        );
        // Comment and directive lines inside a continuation are skipped.
        assert_eq!(
            texts("q = a.example\\\n# comment\n.ifdef X\n.b.example\n.endif\n"),
            vec!["q = a.example.b.example"]
        );
        // A blank line ends it (the dangling backslash is removed).
        assert_eq!(texts("x = y \\\n\nz = 1\n"), vec!["x = y", "z = 1"]);
        // EOF ends it (Exim keeps the white space that was before the backslash).
        assert_eq!(texts("x = y \\"), vec!["x = y "]);
        // CRLF: the CR is white space, `\` + CRLF continues.
        assert_eq!(texts("x = a \\\r\n  b\r\n"), vec!["x = a b"]);
        // A `#` that is not the first character is data.
        assert_eq!(
            texts("g = $1   # not a comment\n"),
            vec!["g = $1   # not a comment"]
        );
        // A value can never end in a backslash: `\\` at the end also continues.
        assert_eq!(texts("x = a\\\\\n\nb\n"), vec!["x = ab"]);
    }

    #[test]
    fn statements_keep_their_pieces() {
        let (src, f) = file("  a = b \\\n     c\n");
        let s = &f.statements[0];
        assert_eq!(s.lines, vec![0, 1]);
        let pieces: Vec<&str> = s.pieces.iter().map(|p| src.slice(*p)).collect();
        assert_eq!(pieces, vec!["a = b ", "c"]);
        assert_eq!(f.lines[1].kind, LineKind::Continuation);
        assert_eq!(f.lines[1].statement, Some(0));
    }
}
