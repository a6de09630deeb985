//! The Exim runtime configuration file (`etc/exim.conf`), read the way Exim 4.96's reader reads
//! it. Reference: `shared/reference/exim.md`; grammar: `grammar/exim.pest`.
//!
//! Exim has no whole-file grammar: its reader turns physical lines into logical lines (macro
//! substitution first, then comments, `.ifdef` directives, `.include`, `\` continuations) and
//! each section reads its logical lines word by word. This module has three layers:
//!
//! 1. [`parse`]: one file, lossless ([`EximFile`]). Physical lines are tagged blank, comment,
//!    directive, include, content or continuation, and logical statements are built on top with
//!    their byte pieces. No macros, no conditionals: it is what the file *says*.
//! 2. [`load`]: the whole configuration ([`Config`]): the main file and its includes (through a
//!    caller-supplied resolver, which decides what a path means on the server tree), macros
//!    substituted exactly as Exim does (plain substring search, definition order, replacement not
//!    rescanned for the same macro, on every physical line including directives, include names
//!    and `begin` lines), conditionals evaluated with the macros defined so far ("did any
//!    substitution happen on this line"), logical lines that map every byte back to its file.
//! 3. The typed view of [`Config`]: main options, named lists, sections, routers, transports,
//!    authenticators, ACLs, retry and rewrite rules, macros, includes; every item carries a
//!    [`Loc`]. [`Config::errors`] lists what `exim -bV` would reject, in our own words.
//!
//! String expansions (`${…}`) are not parsed: to the reader a value is the rest of the logical
//! line.
//!
//! Decisions where Exim's behaviour depends on things a static linter cannot see:
//! - **Builtin macros** (`_HAVE_…`, `_OPT_…`, `_DRIVER_…`) depend on the Exim binary. By default
//!   they are those of Debian's `exim4-daemon-heavy` 4.96 (the build that gave the corpus its
//!   verdicts: GnuTLS, no DMARC/ARC/GSASL/Redis); see [`Builtins`]. Other builtin families
//!   (`_EXP_…`, `_LOG_…`) count as undefined.
//! - **Command-line macros** (`-D`) are unknown: none by default, so `.ifdef SERVER` is false.
//! - **Unknown option names** are not errors (they depend on version and build options);
//!   [`tables::MAIN_OPTIONS`] lists the known main options for a later warning. Checks that only
//!   need the type (a negated non-boolean, a boolean set to `maybe`) apply to known options; the
//!   checks that hold whatever the type (text after the name that is not `= value`, `no_x =
//!   value`, a bad quoted string, an option set twice) apply to every option.
//! - Private driver options are those not in the generic lists of [`tables`]; driver names are
//!   not checked (build dependent), `local_scan` options are not checked.
//! - Exim stops at its first error; this reader reports the first error of each logical line and
//!   goes on, without letting one mistake cascade: a line that cannot start a statement (it does
//!   not begin with a letter) right after a line with an error is taken as the broken tail of
//!   that statement (typically a value whose `\` is missing); the lines after a malformed driver
//!   header, or outside any driver, are skipped up to the next header; the conditions of an ACL
//!   statement whose verb is unknown are skipped.
//! - Some of Exim's static checks after reading are done too: a driver without `driver`, duplicate
//!   driver, ACL and named-list names, `unseen` with `one_time`. Checks that depend on the build
//!   or the system (driver and lookup availability, user names, `log_selector` words, expansion
//!   results) are not.
//! - Errors point at the offending text. Exim reports the line where the logical line ends; for
//!   a quoted value with extra characters or no closing quote the location is on that last line,
//!   so the line number matches `exim -bV`.
//! - Exim silently ignores a directive followed by a TAB (or the CR of a CRLF line, or a letter
//!   other than `t`): such lines are exposed as [`Quirk::DroppedDirective`], and the unbalanced
//!   `.endif` that usually follows is an error.
//! - A second `.else` (or an `.elifdef` after `.else`) is accepted by Exim, which then skips to
//!   `.endif`; it is reported with [`ConfigError::exim_rejects`] `false`, as is an `.include`
//!   without a file name.
//! - Includes: relative names are joined to the including file's directory (Exim 4.96 allows
//!   that for `.include`, not for `.include_if_exists`); nesting deeper than
//!   [`LoadOptions::max_include_depth`] and loops are errors. A missing `.include` is not a
//!   [`ConfigError`] but an [`Include`] with [`IncludeStatus::NotFound`] (rule EXIM007).

mod file;
pub mod list;
mod load;
pub mod local;
mod model;
pub mod tables;
mod text;

pub use file::{CondKind, Directive, EximFile, IncludeLine, LineKind, PhysLine, Statement, parse};
pub use load::{
    Builtins, IncludeOutcome, IncludeRequest, LoadOptions, load, load_with, read_fixed, read_time,
};
pub use model::*;
pub use text::{Dequoted, MappedText, dequote};

#[derive(pest_derive::Parser)]
#[grammar = "grammar/exim.pest"]
pub(crate) struct EximParser;
