//! What the filter does: the commands that throw a message away, with the conditions on their
//! path.

use super::syntax::{Command, Cond, PrefixKind, Stmt, StmtKind, Verb};
use crate::source::Span;

/// How a message is thrown away.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiscardKind {
    /// `save "/dev/null"` (without `unseen`).
    DevNull,
    /// `seen finish` with no delivery set up before it on its path.
    SeenFinish,
}

/// A condition on the path to a command, and whether it must hold (`false` for the conditions
/// of earlier branches that an `elif` or `else` skips).
#[derive(Clone, Copy, Debug)]
pub struct PathCond<'a> {
    pub cond: &'a Cond,
    pub holds: bool,
}

/// A command that discards the message.
#[derive(Clone, Debug)]
pub struct Discard<'a> {
    pub kind: DiscardKind,
    pub command: &'a Command,
    /// The whole command.
    pub span: Span,
    /// The conditions of the `if` blocks around it, outermost first.
    pub path: Vec<PathCond<'a>>,
}

pub(super) fn walk<'a>(
    stmts: &'a [Stmt],
    path: &mut Vec<PathCond<'a>>,
    delivered: bool,
    out: &mut Vec<Discard<'a>>,
) {
    let mut delivered = delivered;
    for s in stmts {
        match &s.kind {
            StmtKind::Command(c) => {
                let kind = if c.saves_to_dev_null() && c.is_significant() {
                    Some(DiscardKind::DevNull)
                } else if c.verb == Verb::Finish && c.has_prefix(PrefixKind::Seen) && !delivered {
                    Some(DiscardKind::SeenFinish)
                } else {
                    None
                };
                if let Some(kind) = kind {
                    out.push(Discard {
                        kind,
                        command: c,
                        span: s.span,
                        path: path.clone(),
                    });
                }
                if c.delivers() {
                    delivered = true;
                }
                // Nothing after `finish` runs on this path.
                if c.verb == Verb::Finish {
                    return;
                }
            }
            StmtKind::If(b) => {
                let base = path.len();
                for (i, br) in b.branches.iter().enumerate() {
                    path.truncate(base);
                    path.extend(b.branches[..i].iter().map(|p| PathCond {
                        cond: &p.cond,
                        holds: false,
                    }));
                    path.push(PathCond {
                        cond: &br.cond,
                        holds: true,
                    });
                    walk(&br.body, path, delivered, out);
                }
                if let Some(e) = &b.otherwise {
                    path.truncate(base);
                    path.extend(b.branches.iter().map(|p| PathCond {
                        cond: &p.cond,
                        holds: false,
                    }));
                    walk(&e.body, path, delivered, out);
                }
                path.truncate(base);
            }
            StmtKind::Opaque => {}
        }
    }
}
