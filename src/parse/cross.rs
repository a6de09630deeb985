//! Scanners checked against the grammars.
//!
//! The pest grammars in `grammar/` define the formats. pest spends about a microsecond per
//! token, which files of many small records turn into seconds, so some formats read their
//! common shapes with a scanner (a plain loop) and hand everything else to the grammar.
//! `cross_check` is where the two meet, for every such format: release builds run the scanner
//! alone; debug builds (every test, property tests included) also read with the grammar every
//! input the scanner read, and panic when the two readings differ. `grammar/README.md` lists
//! which formats have a scanner.
//!
//! Property tests wrap their parsing in [`checked`]: the check then runs in release builds too,
//! and the test learns how many inputs the scanner read, so it can tell that its inputs reached
//! the scanner at all.

use std::cell::Cell;
use std::fmt::Debug;

/// Inputs longer than this are not checked (pest is slow in debug builds).
pub const CHECK_LIMIT: usize = 64 * 1024;

thread_local! {
    /// Inside [`checked`]: check in release builds too.
    static FORCED: Cell<bool> = const { Cell::new(false) };
    /// Inputs checked so far on this thread.
    static CHECKS: Cell<usize> = const { Cell::new(0) };
}

/// Whether the scanner's reading of an input of `len` bytes is checked against the grammar.
fn checking(len: usize) -> bool {
    (cfg!(debug_assertions) || FORCED.get()) && len <= CHECK_LIMIT
}

#[cold]
#[track_caller]
fn disagree(format: &str, input: &str, fast: &dyn Debug, grammar: &dyn Debug) -> ! {
    panic!(
        "{format}: the scanner and the grammar read {input:?} differently\n  \
         scanner: {fast:?}\n  grammar: {grammar:?}"
    )
}

/// Reads `input` with the scanner `fast` when it recognises it (`Some`), else with `grammar`.
/// Where the scanner read it, debug builds read it with the grammar too and panic, naming the
/// format, the input and both readings, when they differ.
#[track_caller]
pub(crate) fn cross_check<T: PartialEq + Debug>(
    format: &str,
    input: &str,
    fast: impl FnOnce() -> Option<T>,
    grammar: impl FnOnce() -> T,
) -> T {
    let Some(fast) = fast() else {
        return grammar();
    };
    if checking(input.len()) {
        CHECKS.set(CHECKS.get() + 1);
        let reference = grammar();
        if fast != reference {
            disagree(format, input, &fast, &reference);
        }
    }
    fast
}

/// [`cross_check`] for readers that append what they read to `out` (tokens, pieces): `fast`
/// appends and returns `Some`, or returns `None` (what it appended is dropped) and `grammar`
/// reads the input. Both the result and what was appended must agree.
#[track_caller]
pub(crate) fn cross_check_into<T: PartialEq + Debug, I: PartialEq + Debug>(
    format: &str,
    input: &str,
    out: &mut Vec<I>,
    fast: impl FnOnce(&mut Vec<I>) -> Option<T>,
    grammar: impl Fn(&mut Vec<I>) -> T,
) -> T {
    let start = out.len();
    let Some(fast) = fast(out) else {
        out.truncate(start);
        return grammar(out);
    };
    if checking(input.len()) {
        CHECKS.set(CHECKS.get() + 1);
        let mut reference_out = Vec::new();
        let reference = grammar(&mut reference_out);
        if fast != reference || out[start..] != reference_out[..] {
            disagree(
                format,
                input,
                &(&fast, &out[start..]),
                &(&reference, &reference_out),
            );
        }
    }
    fast
}

/// For property tests: runs `f` with every scanner reading checked against the grammar, in
/// release builds too (on this thread), and returns its result with the number of inputs the
/// scanners read (and the grammar confirmed).
pub fn checked<R>(f: impl FnOnce() -> R) -> (R, usize) {
    struct Restore(bool, usize);
    impl Drop for Restore {
        fn drop(&mut self) {
            FORCED.set(self.0);
            CHECKS.set(self.1);
        }
    }
    let _restore = Restore(FORCED.replace(true), CHECKS.replace(0));
    let out = f();
    (out, CHECKS.get())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digits(s: &str) -> Option<u32> {
        s.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| s.parse().ok())?
    }

    #[test]
    fn the_scanner_is_used_and_checked_when_it_reads_the_input() {
        let ((a, b), n) = checked(|| {
            let a = cross_check("numbers", "12", || digits("12"), || 12);
            let b = cross_check("numbers", "x", || digits("x"), || 0);
            (a, b)
        });
        assert_eq!((a, b, n), (12, 0, 1));
    }

    #[test]
    #[should_panic(expected = "numbers: the scanner and the grammar read \"12\" differently")]
    fn a_disagreement_panics_with_both_readings() {
        checked(|| cross_check("numbers", "12", || Some(12), || 13));
    }

    #[test]
    fn appended_pieces_are_compared_and_a_declined_reading_is_dropped() {
        let mut out = vec![0u8];
        let (_, n) = checked(|| {
            cross_check_into(
                "bytes",
                "ab",
                &mut out,
                |o| {
                    o.push(9);
                    None::<()>
                },
                |o| o.extend(b"ab"),
            );
            cross_check_into(
                "bytes",
                "c",
                &mut out,
                |o| {
                    o.push(b'c');
                    Some(())
                },
                |o| o.push(b'c'),
            );
        });
        assert_eq!((out, n), (vec![0, b'a', b'b', b'c'], 1));
    }

    #[test]
    #[should_panic(expected = "scanner: ((), [1])")]
    fn appended_pieces_that_differ_panic() {
        let mut out = Vec::new();
        checked(|| {
            cross_check_into(
                "x",
                "x",
                &mut out,
                |o| {
                    o.push(1);
                    Some(())
                },
                |o| o.push(2),
            )
        });
    }
}
