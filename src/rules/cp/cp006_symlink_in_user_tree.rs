//! CP006: a symlink, FIFO or device where an account's file or directory belongs.
//!
//! The tree refuses such entries when the model is built; the family reports them (with CP001
//! for files that could not be read) from the list of what the tree skipped. Entries inside
//! mailboxes are met only when a mailbox rule has the mailboxes walked.

use super::FAMILY;

rule!(
    CP006,
    "symlink-in-user-tree",
    Warning,
    None,
    None,
    [FILES],
    "A symlink, FIFO or device where an account's file or directory belongs; not followed."
);

/// Why it matters, on every CP006 finding.
pub(super) const NOTE: &str = "maillint did not follow or open it; cPanel and Exim refuse such entries too, so mail for it may be lost";
