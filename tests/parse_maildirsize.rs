//! The `maildirsize` parser: round trip of every `maildirsize` in testdata and of edge cases,
//! typed content, errors a user sees, speed on huge input, and property tests (arbitrary bytes,
//! mutated real lines).
//!
//! The shared corpus holds no `maildirsize` file (cPanel backups carry mail only in `homedir/`),
//! so the real-world shape comes from cpanel.md §5.1 (`<bytes>S,0C`, then `<bytes> <count>` lines).

mod common;

use std::time::{Duration, Instant};

use maillint::parse::maildirsize::{self, SizeEntry, SizeLineKind};
use maillint::parse::{check_tiling, cross, render};
use maillint::source::SourceFile;
use proptest::prelude::*;

/// Parses, checks tiling and round trip, that every error is inside the file and helps, and
/// (for small inputs, in release builds too) that the grammar reads every line the scanner of
/// common lines read alike.
fn parse(bytes: &[u8]) -> maildirsize::MaildirSize {
    let src = SourceFile::new("maildirsize", bytes.to_vec());
    let doc = if bytes.len() < 1 << 16 {
        cross::checked(|| maildirsize::parse(&src)).0
    } else {
        maildirsize::parse(&src)
    };
    check_tiling(&doc, &src).unwrap();
    assert!(render(&doc, &src) == bytes, "round trip differs");
    for e in doc.errors() {
        assert!(e.span.start <= e.span.end && e.span.end as usize <= src.len());
        assert!(e.message.starts_with("expected") || e.message.contains("given twice"));
        assert!(e.help.is_some());
        assert!(e.message.len() < 300, "{}", e.message);
    }
    doc
}

#[test]
fn testdata_files_round_trip_with_their_limits() {
    let base = common::testdata_dir().join("mail/home/dana/mail/example.com");
    let mut seen = Vec::new();
    for (mailbox, limit, usage) in [
        ("info", None, 110_000_000),
        ("archive", Some(10_737_418_240), 5_000_002_000),
        ("full", Some(500_000_000), 530_000_000),
        ("press", Some(100_000_000), 95_000_000),
    ] {
        let bytes = std::fs::read(base.join(mailbox).join("maildirsize")).unwrap();
        let doc = parse(&bytes);
        assert_eq!(doc.byte_limit().map(|l| l.value), limit, "{mailbox}");
        assert_eq!(doc.usage().bytes, usage, "{mailbox}");
        assert_eq!(doc.errors().count(), 0, "{mailbox}");
        seen.push(mailbox);
    }
    assert_eq!(seen.len(), 4);
}

#[test]
fn edge_cases_round_trip() {
    for text in [
        &b""[..],
        b"\n",
        b"0S",
        b"524288000S,0C",
        b"524288000S,0C\r\n1 1\r\n",
        b"524288000S,0C\n\n\n",
        b"1000C,2048S\n   123    4   \n-123 -4\n+5 1",
        b"\xff\xfe\x00\n\x00 1\n",
        b"524288000S,0C\n1 1\n2 2\nno final newline",
        b"\r",
        b"\r\r\n",
    ] {
        parse(text);
    }
}

#[test]
fn the_scanner_reads_the_usual_lines_and_the_grammar_agrees() {
    let src = SourceFile::from_str(
        "maildirsize",
        "524288000S,0C\n1843 1\n  2210   1  \r\n-1843 -1\n\n+5 1\n12 x\n",
    );
    let (doc, checked) = cross::checked(|| maildirsize::parse(&src));
    // Every line after the definition but `12 x` (which the grammar reads, and reports).
    assert_eq!(checked, 5);
    assert_eq!(doc.records().count(), 4);
    assert_eq!(doc.errors().count(), 1);
}

#[test]
fn what_a_user_sees_for_a_broken_file() {
    let src = SourceFile::from_str(
        "home/bob/mail/example.com/info/maildirsize",
        "500M\n10 1\n10\n",
    );
    let doc = maildirsize::parse(&src);
    let errs: Vec<_> = doc.errors().collect();
    assert_eq!(errs.len(), 2);
    assert_eq!(
        errs[0].message,
        "expected a quota such as `524288000S,0C` (a number, then `S` for bytes or `C` for \
         messages, separated by `,`), found `M`"
    );
    assert_eq!(src.line_col(errs[0].span.start as usize).column, 4);
    assert_eq!(
        errs[1].message,
        "expected a usage line `<bytes> <messages>` (two whole numbers separated by a space), \
         found end of line"
    );
    assert_eq!(src.line_col(errs[1].span.start as usize).line, 3);
    // The rest of the file is still there.
    assert!(matches!(
        doc.lines[1].kind,
        SizeLineKind::Entry(SizeEntry::Usage(_))
    ));
    assert_eq!(doc.usage().bytes, 10);
}

#[test]
fn huge_lines_and_files_parse_quickly() {
    // One 4 MiB line of digits (a limit without its unit), one of blanks, one of garbage.
    let mut digits = vec![b'7'; 4 << 20];
    digits.push(b'\n');
    let mut blanks = b"0S\n".to_vec();
    blanks.extend(vec![b' '; 4 << 20]);
    let mut garbage = b"0S\n".to_vec();
    garbage.extend(std::iter::repeat_n(b"1 ".as_slice(), 2 << 20).flatten());
    // 16 MiB of usage records (256 KiB in debug builds, which read every line twice: with the
    // scanner, and with the grammar to check it).
    let size = if cfg!(debug_assertions) {
        256 << 10
    } else {
        16 << 20
    };
    let mut many = b"524288000S,0C\n".to_vec();
    while many.len() < size {
        many.extend_from_slice(b"123456 1\n");
    }
    for bytes in [digits, blanks, garbage, many] {
        let start = Instant::now();
        let doc = parse(&bytes);
        let took = start.elapsed();
        assert!(took < Duration::from_secs(60), "took {took:?}");
        let _ = doc.usage();
    }
}

/// A few real-looking lines to mutate.
const SAMPLES: &[&str] = &[
    "524288000S,0C\n",
    "0S,0C\n",
    "1843 1\n",
    "-2210 -1\n",
    "   5000000000    12\n",
    "1000C\n",
    "\n",
];

#[derive(Clone, Debug)]
enum Edit {
    Insert(usize, u8),
    Delete(usize),
    Replace(usize, u8),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Insert(i, b)),
        any::<usize>().prop_map(Edit::Delete),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Replace(i, b)),
    ]
}

fn mutate(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let n = bytes.len();
        match *e {
            Edit::Insert(i, b) => bytes.insert(i % (n + 1), b),
            Edit::Delete(i) if n > 0 => {
                bytes.remove(i % n);
            }
            Edit::Replace(i, b) if n > 0 => bytes[i % n] = b,
            _ => {}
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        parse(&bytes);
    }

    #[test]
    fn mutated_real_lines_round_trip(
        picks in proptest::collection::vec(0..SAMPLES.len(), 1..8),
        edits in proptest::collection::vec(edit(), 0..8),
    ) {
        let text: String = picks.iter().map(|&i| SAMPLES[i]).collect();
        let bytes = mutate(text.into_bytes(), &edits);
        let start = Instant::now();
        let doc = parse(&bytes);
        prop_assert!(start.elapsed() < Duration::from_secs(60));
        // Only the first line can be a definition.
        for l in doc.lines.iter().skip(1) {
            prop_assert!(!matches!(l.kind, SizeLineKind::Entry(SizeEntry::Definition(_))));
        }
    }
}
