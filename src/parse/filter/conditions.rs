//! The conditions of `if` and `elif`: `and`, `or`, `not`, parentheses, tests and condition
//! words.

use super::MAX_DEPTH;
use super::lex::{Tok, Token};
use super::statements::P;
use super::syntax::{Arg, Cond, CondKind, Op, Test};
use crate::parse::SyntaxError;
use crate::source::Span;

impl P<'_> {
    /// The condition after `if`/`elif` and its `then`. A condition maillint cannot read is
    /// skipped up to `then` and kept as [`CondKind::Opaque`].
    pub(super) fn condition(&mut self, keyword: Span) -> (Cond, Option<Span>) {
        let start = self
            .lx
            .peek(0)
            .map_or(keyword.end as usize, |t| t.span.start as usize);
        let parsed = self.or_cond();
        let next = self.lx.peek(0);
        if self.is_word(next, "then") {
            let end = self.lx.last_end.max(start);
            self.lx.next();
            let cond = parsed.unwrap_or(Cond {
                span: Span::new(start, end),
                kind: CondKind::Opaque,
            });
            return (cond, next.map(|t| t.span));
        }
        if let Some(c) = parsed {
            // A complete condition: `then` is missing here.
            self.missing_then(keyword, next);
            return (c, None);
        }
        // Skip to `then`, or stop before a block keyword.
        let mut end = self.lx.last_end.max(start);
        loop {
            let t = self.lx.peek(0);
            match t {
                Some(t) if t.kind == Tok::Word => match self.text(t) {
                    "then" => {
                        self.lx.next();
                        return (
                            Cond {
                                span: Span::new(start, end),
                                kind: CondKind::Opaque,
                            },
                            Some(t.span),
                        );
                    }
                    "endif" | "elif" | "else" => break,
                    _ => {}
                },
                Some(_) => {}
                None => break,
            }
            self.lx.next();
            if let Some(t) = t {
                end = t.span.end as usize;
            }
        }
        let found = self.lx.peek(0);
        self.missing_then(keyword, found);
        (
            Cond {
                span: Span::new(start, end),
                kind: CondKind::Opaque,
            },
            None,
        )
    }

    fn missing_then(&mut self, keyword: Span, found: Option<Token>) {
        self.errors.push(
            SyntaxError::new(
                found.map_or(Span::at(self.src.text().len()), |t| t.span),
                format!(
                    "expected `then` after the condition of `{}`, found {}",
                    self.src.slice(keyword),
                    self.found(found)
                ),
            )
            .with_help("write `if CONDITION then COMMANDS endif`"),
        );
    }

    fn or_cond(&mut self) -> Option<Cond> {
        self.chain("or", Self::and_cond, CondKind::Or)
    }

    fn and_cond(&mut self) -> Option<Cond> {
        self.chain("and", Self::unary, CondKind::And)
    }

    /// `OPERAND (WORD OPERAND)*`: one operand alone, or all of them joined by `kind`.
    fn chain(
        &mut self,
        word: &str,
        operand: fn(&mut Self) -> Option<Cond>,
        kind: fn(Vec<Cond>) -> CondKind,
    ) -> Option<Cond> {
        let first = operand(self)?;
        if self.peek_word(0) != Some(word) {
            return Some(first);
        }
        let mut parts = vec![first];
        while self.peek_word(0) == Some(word) {
            self.lx.next();
            parts.push(operand(self)?);
        }
        let span = parts[0].span.join(parts[parts.len() - 1].span);
        Some(Cond {
            span,
            kind: kind(parts),
        })
    }

    fn unary(&mut self) -> Option<Cond> {
        // `not not …` without recursion.
        let mut nots = Vec::new();
        while self.peek_word(0) == Some("not") {
            nots.push(self.lx.next()?.span);
            // Deeper than that is no real filter; skipping it keeps the tree shallow.
            if nots.len() > MAX_DEPTH {
                return None;
            }
        }
        let mut c = self.primary()?;
        for n in nots.into_iter().rev() {
            c = Cond {
                span: n.join(c.span),
                kind: CondKind::Not(Box::new(c)),
            };
        }
        Some(c)
    }

    fn primary(&mut self) -> Option<Cond> {
        let t = self.lx.peek(0)?;
        match t.kind {
            Tok::LParen => {
                let (inner, close) = self.parenthesized()?;
                Some(Cond {
                    span: t.span.join(close),
                    kind: CondKind::Group(Box::new(inner)),
                })
            }
            Tok::RParen => None,
            Tok::Word | Tok::Str => {
                if t.kind == Tok::Word {
                    let w = self.text(t);
                    match w {
                        "then" | "endif" | "elif" | "else" | "and" | "or" => return None,
                        "delivered" | "error_message" | "first_delivery" | "manually_thawed" => {
                            self.lx.next();
                            return Some(Cond {
                                span: t.span,
                                kind: CondKind::Word(w.to_string()),
                            });
                        }
                        "personal" => {
                            self.lx.next();
                            let mut span = t.span;
                            while self.peek_word(0) == Some("alias") {
                                self.lx.next();
                                let a = self.cond_item()?;
                                span = span.join(a.span);
                            }
                            return Some(Cond {
                                span,
                                kind: CondKind::Word(w.to_string()),
                            });
                        }
                        "foranyaddress" => {
                            self.lx.next();
                            let list = self.cond_item()?;
                            let (inner, close) = self.parenthesized()?;
                            return Some(Cond {
                                span: t.span.join(close),
                                kind: CondKind::ForAnyAddress {
                                    list,
                                    cond: Box::new(inner),
                                },
                            });
                        }
                        _ => {}
                    }
                }
                self.test()
            }
        }
    }

    /// `( CONDITION )` at the next token, nested at most [`MAX_DEPTH`] deep: the condition and
    /// the span of the closing parenthesis.
    fn parenthesized(&mut self) -> Option<(Cond, Span)> {
        let open = self.lx.peek(0)?;
        if open.kind != Tok::LParen || self.depth >= MAX_DEPTH {
            return None;
        }
        self.lx.next();
        self.depth += 1;
        let inner = self.or_cond();
        self.depth -= 1;
        let inner = inner?;
        let close = self.lx.peek(0)?;
        if close.kind != Tok::RParen {
            return None;
        }
        self.lx.next();
        Some((inner, close.span))
    }

    /// An operand of a condition: one word or string.
    fn cond_item(&mut self) -> Option<Arg> {
        let t = self.lx.peek(0)?;
        match t.kind {
            Tok::Word => {
                self.lx.next();
                Some(self.arg(t.span, false))
            }
            Tok::Str => {
                self.lx.next();
                Some(self.arg(t.span, true))
            }
            Tok::LParen | Tok::RParen => None,
        }
    }

    fn test(&mut self) -> Option<Cond> {
        let left = self.cond_item()?;
        let w1 = self.lx.peek(0).filter(|t| t.kind == Tok::Word)?;
        let first = self.text(w1);
        let mut words = vec![w1];
        let (op, negated, case_sensitive) = match first {
            "is" | "IS" => {
                self.lx.next();
                let mut negated = false;
                if self.peek_word(0) == Some("not") {
                    words.push(self.lx.next()?);
                    negated = true;
                }
                match self.peek_word(0) {
                    Some("above") => {
                        words.push(self.lx.next()?);
                        (Op::Above, negated, false)
                    }
                    Some("below") => {
                        words.push(self.lx.next()?);
                        (Op::Below, negated, false)
                    }
                    _ => (Op::Is, negated, first == "IS"),
                }
            }
            "does" => {
                self.lx.next();
                if self.peek_word(0) != Some("not") {
                    return None;
                }
                words.push(self.lx.next()?);
                let v = self.lx.peek(0).filter(|t| t.kind == Tok::Word)?;
                let (op, upper) = match self.text(v) {
                    "contain" => (Op::Contains, false),
                    "CONTAIN" => (Op::Contains, true),
                    "begin" => (Op::Begins, false),
                    "BEGIN" => (Op::Begins, true),
                    "end" => (Op::Ends, false),
                    "END" => (Op::Ends, true),
                    "match" => (Op::Matches, false),
                    "MATCH" => (Op::Matches, true),
                    _ => return None,
                };
                words.push(self.lx.next()?);
                (op, true, upper)
            }
            w => {
                let (op, upper) = match w {
                    "contains" => (Op::Contains, false),
                    "CONTAINS" => (Op::Contains, true),
                    "begins" => (Op::Begins, false),
                    "BEGINS" => (Op::Begins, true),
                    "ends" => (Op::Ends, false),
                    "ENDS" => (Op::Ends, true),
                    "matches" => (Op::Matches, false),
                    "MATCHES" => (Op::Matches, true),
                    _ => return None,
                };
                self.lx.next();
                (op, false, upper)
            }
        };
        let right = self.cond_item()?;
        let op_span = words[0].span.join(words[words.len() - 1].span);
        Some(Cond {
            span: left.span.join(right.span),
            kind: CondKind::Test(Box::new(Test {
                left,
                op,
                op_span,
                negated,
                case_sensitive,
                right,
            })),
        })
    }
}
