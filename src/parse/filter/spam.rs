//! Spam tests: the conditions that are true from some SpamAssassin score on, and the discards
//! that depend on them.

use super::discard::Discard;
use super::syntax::{Arg, Cond, CondKind, Op};
use crate::source::Span;

/// A variable read by a condition operand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Variable {
    /// `$h_NAME:`, `$header_NAME:` and their `rh_`/`bh_` forms; the name lower-cased.
    Header(String),
    /// `$spam_score_int`: the SpamAssassin score times ten.
    SpamScoreInt,
    /// `$spam_score`: the score with one decimal.
    SpamScore,
}

impl Variable {
    /// The variable an operand consists of (nothing else around it), if any.
    pub fn of(value: &str) -> Option<Variable> {
        let v = value.strip_prefix('$')?;
        let lower = v.to_ascii_lowercase();
        let braced = lower
            .strip_prefix('{')
            .and_then(|x| x.strip_suffix('}'))
            .unwrap_or(&lower);
        match braced {
            "spam_score_int" => return Some(Variable::SpamScoreInt),
            "spam_score" => return Some(Variable::SpamScore),
            _ => {}
        }
        for prefix in ["header_", "h_", "rheader_", "rh_", "bheader_", "bh_"] {
            if let Some(rest) = lower.strip_prefix(prefix) {
                let name = rest.strip_suffix(':').unwrap_or(rest);
                let ok = !name.is_empty()
                    && !name.contains([':', '$', '{', '}'])
                    && !name.contains(|c: char| c.is_whitespace() || c.is_control());
                return ok.then(|| Variable::Header(name.to_string()));
            }
        }
        None
    }
}

/// What a spam test measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpamKind {
    /// `X-Spam-Bar` holds one `+` per whole point of score.
    Bar,
    /// `$spam_score_int` or the `X-Spam-Score` header cPanel fills with it: the score × 10.
    ScoreInt,
    /// `X-Spam-Status: Yes` / `X-Spam-Flag: YES`: the account's spam threshold was reached.
    Status,
}

/// From which spam score a test is true.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Threshold {
    /// The score, in tenths of a point, as the test writes it (`"+++++"` and `is above 50` are
    /// both 50).
    Tenths(u32),
    /// The account's Spam Threshold Score (SpamAssassin's `required_score`, 5 unless changed).
    SpamThreshold,
}

impl Threshold {
    /// The threshold in tenths, counting the spam threshold as cPanel's default of 5.
    pub fn tenths(self) -> u32 {
        match self {
            Threshold::Tenths(n) => n,
            Threshold::SpamThreshold => 50,
        }
    }
}

/// A condition that is true from some spam score on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpamTest {
    /// The whole test (`$h_X-Spam-Bar: contains "+++++"`).
    pub span: Span,
    pub kind: SpamKind,
    pub threshold: Threshold,
    /// Whether the test is true only *above* the threshold (`is above 50`), rather than from it
    /// on (`"+++++"`, `is not below 50`).
    pub strict: bool,
    /// The operand that holds the threshold (`"+++++"`, `50`).
    pub value: Arg,
}

impl Cond {
    /// This condition as a spam test, when it is one (and not negated).
    pub fn spam_test(&self) -> Option<SpamTest> {
        let CondKind::Test(t) = &self.kind else {
            return None;
        };
        let var = Variable::of(&t.left.value)?;
        let header = |name: &str| var == Variable::Header(name.to_string());
        let strict = t.op == Op::Above;
        let (kind, threshold) = match (t.op, t.negated) {
            (Op::Contains | Op::Begins | Op::Ends | Op::Is, false) if header("x-spam-bar") => {
                let v = &t.right.value;
                if v.is_empty() || !v.bytes().all(|b| b == b'+') {
                    return None;
                }
                (
                    SpamKind::Bar,
                    Threshold::Tenths(u32::try_from(v.len()).ok()?.saturating_mul(10)),
                )
            }
            (Op::Above, false) | (Op::Below, true)
                if var == Variable::SpamScoreInt || header("x-spam-score") =>
            {
                let v = t.right.value.trim();
                if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                (SpamKind::ScoreInt, Threshold::Tenths(v.parse().ok()?))
            }
            (Op::Contains | Op::Begins | Op::Is, false)
                if header("x-spam-status") || header("x-spam-flag") =>
            {
                if !t.right.value.trim().eq_ignore_ascii_case("yes") {
                    return None;
                }
                (SpamKind::Status, Threshold::SpamThreshold)
            }
            _ => return None,
        };
        Some(SpamTest {
            span: self.span,
            kind,
            threshold,
            strict: strict && kind == SpamKind::ScoreInt,
            value: t.right.clone(),
        })
    }
}

/// A discard that depends on the spam score.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpamDeletion {
    /// The lowest score at which the message is discarded, as far as the spam tests say.
    pub threshold: Threshold,
    /// The spam tests on the path that decide it.
    pub tests: Vec<SpamTest>,
}

/// How a condition relates to the spam score.
enum Class {
    /// True from a spam score on.
    Spam(Threshold, Vec<SpamTest>),
    /// Something else that must hold: the discard is narrowed to some other mail.
    Other,
    /// A negation, which only excludes mail (ignored).
    Negative,
}

fn lower(a: Threshold, b: Threshold) -> Threshold {
    if b.tenths() < a.tenths() { b } else { a }
}

fn higher(a: Threshold, b: Threshold) -> Threshold {
    if b.tenths() > a.tenths() { b } else { a }
}

fn classify(c: &Cond) -> Class {
    match &c.kind {
        CondKind::Test(t) => match c.spam_test() {
            Some(s) => Class::Spam(s.threshold, vec![s]),
            None if t.negated => Class::Negative,
            None => Class::Other,
        },
        CondKind::Not(_) => Class::Negative,
        CondKind::Group(inner) => classify(inner),
        CondKind::Or(parts) => {
            let mut spam: Option<(Threshold, Vec<SpamTest>)> = None;
            let mut all_negative = true;
            for p in parts {
                match classify(p) {
                    Class::Spam(t, tests) => {
                        all_negative = false;
                        spam = Some(match spam {
                            None => (t, tests),
                            Some((t0, mut v)) => {
                                v.extend(tests);
                                (lower(t0, t), v)
                            }
                        });
                    }
                    Class::Other => all_negative = false,
                    Class::Negative => {}
                }
            }
            match spam {
                Some((t, v)) => Class::Spam(t, v),
                None if all_negative => Class::Negative,
                None => Class::Other,
            }
        }
        CondKind::And(parts) => and_of(parts.iter().map(classify)),
        CondKind::Word(_) | CondKind::ForAnyAddress { .. } | CondKind::Opaque => Class::Other,
    }
}

fn and_of(parts: impl Iterator<Item = Class>) -> Class {
    let mut spam: Option<(Threshold, Vec<SpamTest>)> = None;
    for p in parts {
        match p {
            Class::Other => return Class::Other,
            Class::Negative => {}
            Class::Spam(t, tests) => {
                spam = Some(match spam {
                    None => (t, tests),
                    Some((t0, mut v)) => {
                        v.extend(tests);
                        (higher(t0, t), v)
                    }
                });
            }
        }
    }
    match spam {
        Some((t, v)) => Class::Spam(t, v),
        None => Class::Negative,
    }
}

impl Discard<'_> {
    /// Whether the discard happens because of the spam score: every condition that must hold on
    /// its path is a spam test, or an `or` with one, or an `and` of them (conditions that must
    /// *not* hold only exclude mail and are ignored; any other condition that must hold narrows
    /// the discard to some particular mail, and then it is not a spam deletion).
    pub fn spam(&self) -> Option<SpamDeletion> {
        let parts = self.path.iter().map(|p| {
            if p.holds {
                classify(p.cond)
            } else {
                Class::Negative
            }
        });
        match and_of(parts) {
            Class::Spam(threshold, mut tests) => {
                tests.sort_by_key(|t| t.span);
                tests.dedup_by_key(|t| t.span);
                Some(SpamDeletion { threshold, tests })
            }
            _ => None,
        }
    }
}
