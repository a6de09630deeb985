//! Cutting a zone file into entries, and an entry into lexical pieces (with the pest grammar
//! `grammar/zone.pest`).

use super::text::parse_ttl;
use super::types::{Class, RType};
use crate::parse::SyntaxError;
use crate::parse::cross::cross_check_into;
use crate::source::Span;
use pest::Parser;

#[derive(pest_derive::Parser)]
#[grammar = "grammar/zone.pest"]
struct EntryParser;

/// The kind of a lexical piece of an entry (white space is not kept: spans say where it is).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Tok {
    Word,
    /// A quoted string; `closed` is false when the line ended before its closing quote.
    Quoted {
        closed: bool,
    },
    LParen,
    RParen,
    Newline,
    Comment,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Token {
    pub kind: Tok,
    /// Absolute span in the file (a quoted string's includes its quotes).
    pub span: Span,
}

/// What the first column of an entry holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Lead {
    /// A word: the owner name, or a `$` directive.
    Owner(Span),
    /// A quoted owner name (BIND reads its content as the name); the span includes the quotes.
    QuotedOwner { span: Span, closed: bool },
    /// White space: the owner is omitted.
    Indent,
    /// Something else: `(`, `)`, `;`, a line end, a NUL byte, nothing.
    Other,
}

/// Splits one entry (at byte `offset` of the file) into its pieces, appended to `tokens`, and
/// says what its first column holds. Fails only on a NUL byte outside quoted strings and
/// comments.
///
/// The grammar is the definition, and splits entries that hold a quoted string continued past a
/// line end. pest spends about a microsecond per piece, which a file of tiny records would turn
/// into seconds, so every other entry is split by [`lex_fast`], a plain loop that gives the same
/// result: debug builds (and so every test, property tests included) check that it does, on
/// every entry up to 64 KiB ([`crate::parse::cross`]).
pub(super) fn lex(text: &str, offset: usize, tokens: &mut Vec<Token>) -> Result<Lead, SyntaxError> {
    let start = tokens.len();
    cross_check_into(
        "zone",
        text,
        tokens,
        |out| match lex_fast(text, offset, out) {
            Line::Split(lead) => Some(Ok(lead)),
            // Like the grammar, keep no piece of an entry that cannot be read.
            Line::Nul(at) => {
                out.truncate(start);
                Some(Err(not_text(text, at, offset)))
            }
            Line::Other => None,
        },
        |out| lex_grammar(text, offset, out),
    )
}

/// The error for a character no piece can start with (only NUL, outside strings and comments).
fn not_text(text: &str, at: usize, offset: usize) -> SyntaxError {
    let next = text.get(at..).and_then(|t| t.chars().next());
    let found = match next {
        Some('\0') => "a NUL byte".to_string(),
        Some(c) => format!("{c:?}"),
        None => "end of file".to_string(),
    };
    SyntaxError::new(
        Span::new(at, at + next.map_or(0, char::len_utf8)).offset(offset),
        format!("expected a field, a quoted string or a comment, found {found}"),
    )
    .with_help("a zone file is text; this entry holds binary data")
}

/// Splits an entry with the pest grammar.
pub(super) fn lex_grammar(
    text: &str,
    offset: usize,
    tokens: &mut Vec<Token>,
) -> Result<Lead, SyntaxError> {
    let pairs = EntryParser::parse(Rule::entry, text).map_err(|e| {
        let err = crate::parse::from_pest_error(&e, describe);
        not_text(text, err.span.start as usize, offset)
    })?;
    let mut lead = Lead::Other;
    let Some(entry) = pairs.into_iter().next() else {
        return Ok(lead);
    };
    for p in entry.into_inner() {
        let span = Span::from_pest(p.as_span()).offset(offset);
        let kind = match p.as_rule() {
            Rule::owner => {
                lead = match p.into_inner().next() {
                    Some(q) if q.as_rule() == Rule::quoted => Lead::QuotedOwner {
                        span,
                        closed: q.into_inner().any(|c| c.as_rule() == Rule::qclose),
                    },
                    _ => Lead::Owner(span),
                };
                continue;
            }
            Rule::indent => {
                lead = Lead::Indent;
                continue;
            }
            Rule::word => Tok::Word,
            Rule::quoted => Tok::Quoted {
                closed: p.into_inner().any(|q| q.as_rule() == Rule::qclose),
            },
            Rule::lparen => Tok::LParen,
            Rule::rparen => Tok::RParen,
            Rule::nl => Tok::Newline,
            Rule::comment => Tok::Comment,
            _ => continue,
        };
        tokens.push(Token { kind, span });
    }
    Ok(lead)
}

enum Line {
    /// Split into `tokens`.
    Split(Lead),
    /// A NUL byte at this offset, outside strings and comments.
    Nul(usize),
    /// A quoted string goes on past a line end: the grammar splits the entry.
    Other,
}

/// The grammar's pieces for an entry without a quoted string continued past a line end (a `\`
/// before the line end inside the string).
fn lex_fast(text: &str, offset: usize, tokens: &mut Vec<Token>) -> Line {
    let b = text.as_bytes();
    let sp = |c: u8| matches!(c, b' ' | b'\t' | b'\r');
    let span = |start: usize, end: usize| Span::new(start + offset, end + offset);
    // A word runs to a separator or special character; `\` takes the next character with it,
    // unless that is a line end.
    let word_end = |mut i: usize| -> usize {
        while i < b.len() {
            match b[i] {
                b' ' | b'\t' | b'\r' | b'\n' | b';' | b'"' | b'(' | b')' | b'\0' => break,
                b'\\' if b.get(i + 1).is_some_and(|&c| c != b'\n') => i += 2,
                _ => i += 1,
            }
        }
        i
    };
    // A quoted string from its opening quote: where it ends and whether it is closed; `None`
    // when a `\` escapes a line end (the string goes on on the next line).
    let quoted_end = |mut i: usize| -> Option<(usize, bool)> {
        i += 1;
        while i < b.len() {
            match b[i] {
                b'"' => return Some((i + 1, true)),
                b'\n' => break,
                b'\\' => match b.get(i + 1) {
                    Some(b'\n') => return None,
                    Some(_) => i += 2,
                    // At the end of the file the `\` escapes nothing and is a word.
                    None => break,
                },
                _ => i += 1,
            }
        }
        Some((i, false))
    };
    let mut i = 0;
    let lead = match b.first() {
        Some(&c) if sp(c) => {
            while i < b.len() && sp(b[i]) {
                i += 1;
            }
            Lead::Indent
        }
        Some(b'"') => {
            let Some((end, closed)) = quoted_end(0) else {
                return Line::Other;
            };
            i = end;
            Lead::QuotedOwner {
                span: span(0, end),
                closed,
            }
        }
        Some(b'\n' | b';' | b'(' | b')' | b'\0') | None => Lead::Other,
        Some(_) => {
            i = word_end(0);
            Lead::Owner(span(0, i))
        }
    };
    while i < b.len() {
        let start = i;
        let kind = match b[i] {
            c if sp(c) => {
                i += 1;
                continue;
            }
            b'\n' => {
                i += 1;
                Tok::Newline
            }
            b';' => {
                i = b[i..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(b.len(), |k| i + k);
                Tok::Comment
            }
            b'"' => {
                let Some((end, closed)) = quoted_end(i) else {
                    return Line::Other;
                };
                i = end;
                Tok::Quoted { closed }
            }
            b'(' => {
                i += 1;
                Tok::LParen
            }
            b')' => {
                i += 1;
                Tok::RParen
            }
            b'\0' => return Line::Nul(i),
            _ => {
                i = word_end(i);
                Tok::Word
            }
        };
        tokens.push(Token {
            kind,
            span: span(start, i),
        });
    }
    Line::Split(lead)
}

fn describe(rule: &Rule) -> String {
    match rule {
        Rule::word | Rule::owner => "a field".into(),
        Rule::quoted => "a quoted string".into(),
        Rule::comment => "a comment".into(),
        other => format!("{other:?}"),
    }
}

/// Cuts a file into entries: spans of whole physical lines (with their `\n`). An entry ends at a
/// line end outside parentheses and quoted strings, like BIND's reader.
///
/// A file that ends inside parentheses would make one entry of everything after the `(`. When
/// that happens, the entry is cut instead before the first later line that starts in the first
/// column and reads like a record (`name [TTL] [class] TYPE …`) or a `$` directive, and from then
/// on every entry still inside parentheses is cut at such a line (the typed layer reports the
/// unclosed `(`). Files whose parentheses balance are cut exactly as BIND reads them. Linear time:
/// every byte is looked at a bounded number of times.
pub(super) struct Entries<'a> {
    bytes: &'a [u8],
    pos: usize,
    /// Set once the file is known to end inside parentheses.
    strict: bool,
}

impl<'a> Entries<'a> {
    pub(super) fn new(text: &'a str) -> Entries<'a> {
        Entries {
            bytes: text.as_bytes(),
            pos: 0,
            strict: false,
        }
    }
}

impl Iterator for Entries<'_> {
    type Item = Span;

    fn next(&mut self) -> Option<Span> {
        let b = self.bytes;
        let start = self.pos;
        if start >= b.len() {
            return None;
        }
        let mut i = start;
        let mut depth = 0usize;
        let mut quote = false;
        let mut candidate = None;
        let end = loop {
            let Some(&c) = b.get(i) else {
                if depth > 0 && !self.strict {
                    self.strict = true;
                    if let Some(cut) = candidate {
                        break cut;
                    }
                }
                break b.len();
            };
            if quote {
                match c {
                    b'\\' => {
                        i += 2;
                        continue;
                    }
                    b'"' => quote = false,
                    b'\n' => {
                        // Unterminated string: the line end is read outside it.
                        quote = false;
                        continue;
                    }
                    _ => {}
                }
                i += 1;
                continue;
            }
            match c {
                b'\\' => {
                    i += if b.get(i + 1) == Some(&b'\n') { 1 } else { 2 };
                    continue;
                }
                b'"' => quote = true,
                b';' => {
                    i = b[i..]
                        .iter()
                        .position(|&x| x == b'\n')
                        .map_or(b.len(), |k| i + k);
                    continue;
                }
                b'(' => depth += 1,
                b')' => depth = depth.saturating_sub(1),
                b'\n' => {
                    let next = i + 1;
                    if depth == 0 {
                        break next;
                    }
                    if (self.strict || candidate.is_none()) && looks_like_record_start(b, next) {
                        if self.strict {
                            break next;
                        }
                        candidate = Some(next);
                    }
                }
                _ => {}
            }
            i += 1;
        };
        self.pos = end;
        Some(Span::new(start, end))
    }
}

/// Whether the line at `pos` starts in the first column with a `$` directive or with
/// `name [TTL] [class] TYPE`.
fn looks_like_record_start(b: &[u8], pos: usize) -> bool {
    match b.get(pos) {
        None | Some(b' ' | b'\t' | b'\r' | b'\n' | b';' | b'(' | b')' | b'"') => return false,
        Some(b'$') => return true,
        Some(_) => {}
    }
    let mut words = LineWords { b, pos };
    if words.next().is_none() {
        return false;
    }
    for _ in 0..3 {
        let Some(w) = words.next() else {
            return false;
        };
        let Ok(w) = std::str::from_utf8(w) else {
            return false;
        };
        if RType::from_text(w).is_some() {
            return true;
        }
        if parse_ttl(w).is_none() && Class::from_text(w).is_none() {
            return false;
        }
    }
    false
}

/// The plain words of one line (stops at the line end or at a character that is special in zone
/// files).
struct LineWords<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Iterator for LineWords<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let b = self.b;
        while matches!(b.get(self.pos), Some(b' ' | b'\t' | b'\r')) {
            self.pos += 1;
        }
        let start = self.pos;
        while let Some(&c) = b.get(self.pos) {
            if matches!(
                c,
                b' ' | b'\t' | b'\r' | b'\n' | b';' | b'(' | b')' | b'"' | b'\\'
            ) {
                break;
            }
            self.pos += 1;
        }
        if self.pos == start {
            // Line end, special character or end of file: no more plain words.
            self.pos = b.len();
            return None;
        }
        Some(&b[start..self.pos])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(text: &str) -> Vec<&str> {
        Entries::new(text).map(|s| &text[s.range()]).collect()
    }

    #[test]
    fn lines_are_entries_outside_parentheses() {
        assert_eq!(
            entries("a A 1\n\n; c\nb"),
            vec!["a A 1\n", "\n", "; c\n", "b"]
        );
        assert_eq!(
            entries("a A 1\r\nb A 2\r\n"),
            vec!["a A 1\r\n", "b A 2\r\n"]
        );
    }

    #[test]
    fn parentheses_join_lines_and_ignore_quoted_and_commented_ones() {
        let soa = "@ SOA ns h (\n 1 ; serial (\n 2 \")\" 3\n 4 5 )\nx A 1\n";
        assert_eq!(
            entries(soa),
            vec![
                "@ SOA ns h (\n 1 ; serial (\n 2 \")\" 3\n 4 5 )\n",
                "x A 1\n"
            ]
        );
        assert_eq!(entries("a TXT \\( b\nc\n"), vec!["a TXT \\( b\n", "c\n"]);
    }

    #[test]
    fn a_quoted_string_goes_on_after_a_backslash_at_the_line_end() {
        assert_eq!(
            entries("a TXT \"x\\\ny\"\nb\n"),
            vec!["a TXT \"x\\\ny\"\n", "b\n"]
        );
        // Without the backslash the string ends with the line.
        assert_eq!(entries("a TXT \"x\ny\"\n"), vec!["a TXT \"x\n", "y\"\n"]);
        // An unquoted backslash does not join lines.
        assert_eq!(entries("a TXT x\\\ny\n"), vec!["a TXT x\\\n", "y\n"]);
    }

    #[test]
    fn unclosed_parenthesis_stops_before_the_next_record() {
        let text = "@ SOA ns h ( 1 2\n 3 4 5\nwww 300 IN A 192.0.2.1\n( x\nmail A 192.0.2.2\n";
        assert_eq!(
            entries(text),
            vec![
                "@ SOA ns h ( 1 2\n 3 4 5\n",
                "www 300 IN A 192.0.2.1\n",
                "( x\n",
                "mail A 192.0.2.2\n"
            ]
        );
    }

    #[test]
    fn first_column_continuations_stay_in_balanced_records() {
        // Valid BIND: numbers and even record-like words in the first column inside parentheses.
        let text = "x TXT (\nv=spf1 a mx )\n@ SOA ns h (\n1\n2 3 4 5 )\n";
        assert_eq!(
            entries(text),
            vec!["x TXT (\nv=spf1 a mx )\n", "@ SOA ns h (\n1\n2 3 4 5 )\n"]
        );
    }

    #[test]
    fn unclosed_parenthesis_without_a_later_record_runs_to_the_end() {
        assert_eq!(entries("a TXT ( x\n y\n"), vec!["a TXT ( x\n y\n"]);
    }

    #[test]
    fn record_start_heuristic() {
        let yes = [
            "www A 1",
            "www 300 IN MX 1 a",
            "x IN 1h TXT a",
            "$TTL 1",
            "1 PTR h.",
        ];
        for l in yes {
            assert!(looks_like_record_start(l.as_bytes(), 0), "{l}");
        }
        let no = [
            " www A 1",
            "2024010101 ; serial",
            "ns1. hostmaster. 1",
            "; x",
            "x",
            "",
        ];
        for l in no {
            assert!(!looks_like_record_start(l.as_bytes(), 0), "{l}");
        }
    }

    struct Lexed {
        lead: Lead,
        tokens: Vec<Token>,
    }

    fn lexed(text: &str, offset: usize) -> Result<Lexed, SyntaxError> {
        let mut tokens = vec![Token {
            kind: Tok::Comment,
            span: Span::default(),
        }];
        let lead = lex(text, offset, &mut tokens)?;
        // Pieces are appended after what the vector held.
        assert_eq!(tokens.remove(0).kind, Tok::Comment);
        Ok(Lexed { lead, tokens })
    }

    #[test]
    fn pieces_of_an_entry() {
        let l = lexed("www\t300 IN TXT \"a\\\"b\" c;d (\n)\n", 10).unwrap();
        assert_eq!(l.lead, Lead::Owner(Span::new(10, 13)));
        let kinds: Vec<Tok> = l.tokens.iter().map(|t| t.kind).collect();
        use Tok::*;
        assert_eq!(
            kinds,
            vec![
                Word,
                Word,
                Word,
                Quoted { closed: true },
                Word,
                Comment,
                Newline,
                RParen,
                Newline
            ]
        );
        assert_eq!(l.tokens[3].span, Span::new(25, 31));
        let l = lexed("  A \"open\n", 0).unwrap();
        assert_eq!(l.lead, Lead::Indent);
        assert_eq!(l.tokens[1].kind, Quoted { closed: false });
        let l = lexed("a TXT \"x\\\"\n", 0).unwrap();
        assert_eq!(l.tokens[1].kind, Quoted { closed: false });
    }

    #[test]
    fn fast_splitter_agrees_with_the_grammar_on_edge_cases() {
        // `lex` checks the agreement itself in debug builds.
        for text in [
            "a TXT \"x\\",
            "a TXT x\\",
            "a TXT x\\\n",
            "\\a A 1\n",
            "a\\ b",
            "(a) \"b\"c;d\r\n",
            "\r\n",
            "",
            "a \"\\\0\" \\\0 ; \0",
            "a b\0",
            "\0",
            "a \"é\\é\" \\é\u{1a}",
            "a TXT ( x\n y ) ; c\n",
            "a TXT ( x\\\n \"y\n z ) ; c\n)\n",
            "a TXT ( \"x\\\ny\" )\n",
            "@ SOA ns h (\n\t1 ; serial\r\n\t2 3 4 5 )\r\n",
        ] {
            let _ = lexed(text, 3);
        }
    }

    #[test]
    fn nul_outside_strings_is_an_error() {
        let e = lexed("a TXT x\0y\n", 5).err().unwrap();
        assert_eq!(e.span, Span::new(12, 13));
        assert_eq!(
            e.message,
            "expected a field, a quoted string or a comment, found a NUL byte"
        );
        assert!(lexed("a TXT \"x\0y\" ; \0\n", 0).is_ok());
    }
}
