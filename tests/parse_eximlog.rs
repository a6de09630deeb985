//! Property tests of the mail log reader (`src/parse/eximlog.rs`, `src/model/logs.rs`):
//! arbitrary lines never panic and never hang, the scanner of the line head agrees with the
//! grammar `grammar/eximlog.pest` on well-formed and on mutated heads, and a line of any length
//! is skipped without being held.

use std::time::{Duration, Instant};

use maillint::model::logs::{self, Scope};
use maillint::parse::cross;
use maillint::parse::eximlog;
use proptest::prelude::*;

fn scope() -> Scope {
    Scope {
        domains: ["example.org".to_string()].into_iter().collect(),
        since: 0,
        now: 4_000_000_000,
    }
}

/// Everything the reader does with one line.
fn read_all_ways(line: &str) {
    if let Some(h) = eximlog::head(line) {
        let _ = h.unix();
        let _ = h.id(line);
        let rest = &line[h.rest..];
        let _ = eximlog::event(rest);
    }
    let _ = eximlog::event(line);
    let _ = eximlog::pop_logout(line);
    let _ = eximlog::syslog_time(line, 1_795_392_000);
}

/// A well-formed head with every optional part chosen, then a body.
fn head_strategy() -> impl Strategy<Value = String> {
    let id = prop_oneof![
        "[0-9A-Za-z]{6}-[0-9A-Za-z]{6}-[0-9A-Za-z]{2}",
        "[0-9A-Za-z]{6}-[0-9A-Za-z]{11}-[0-9A-Za-z]{4}",
        Just(String::new()),
    ];
    (
        "[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}",
        prop::option::of("\\.[0-9]{3}"),
        prop::option::of(" [+-][0-9]{4}"),
        prop::option::of(" \\[[0-9]{1,12}\\]"),
        id,
        prop_oneof![
            Just(String::new()),
            " <= [a-z]{1,8}@example\\.com H=\\([a-z ]{0,8}\\) \\[192\\.0\\.2\\.[0-9]{1,3}\\]:25 P=esmtpa A=x:y S=[0-9]{1,4}",
            " => [a-z]{1,5} \\([a-z]{1,5}@example\\.org\\) <[a-z]{1,5}@example\\.com> R=[a-z_]{1,12} T=[a-z_]{1,16} C=\"[ -~]{0,20}",
            " \\*\\* [a-z]{1,5}@example\\.net R=[a-z]{1,8}: [ -~]{0,40}",
            " [ -~]{0,60}",
        ],
    )
        .prop_map(|(t, ms, tz, pid, id, body)| {
            let mut s = t;
            s.push_str(&ms.unwrap_or_default());
            s.push_str(&tz.unwrap_or_default());
            s.push_str(&pid.unwrap_or_default());
            if !id.is_empty() {
                s.push(' ');
                s.push_str(&id);
            }
            s.push_str(&body);
            s
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Arbitrary text: no panic, and fast.
    #[test]
    fn arbitrary_lines_never_panic(line in "\\PC{0,300}") {
        let start = Instant::now();
        let (_, _) = cross::checked(|| read_all_ways(&line));
        prop_assert!(start.elapsed() < Duration::from_secs(2));
    }

    /// Well-formed heads (both message-id formats, optional milliseconds, zone and pid) are read
    /// by the scanner and confirmed by the grammar, in release builds too.
    #[test]
    fn heads_agree_with_the_grammar(line in head_strategy()) {
        let (head, checked) = cross::checked(|| eximlog::head(&line));
        prop_assert_eq!(checked, 1);
        let head = head.expect("a head that starts with a date and time is read");
        prop_assert!(head.rest <= line.len());
    }

    /// Mutations of well-formed heads (a byte changed, cut short): scanner and grammar still
    /// agree on whether and how it is read.
    #[test]
    fn mutated_heads_agree_with_the_grammar(line in head_strategy(), at in 0usize..40, b in 0u8..128) {
        let mut bytes = line.into_bytes();
        let at = at.min(bytes.len());
        if at < bytes.len() {
            bytes[at] = b;
        } else {
            bytes.truncate(at);
        }
        let line = String::from_utf8_lossy(&bytes).into_owned();
        let (_, checked) = cross::checked(|| eximlog::head(&line));
        prop_assert_eq!(checked, 1);
        read_all_ways(&line);
    }

    /// Arbitrary bytes as a whole log (binary, no line ends, CR LF): never a panic.
    #[test]
    fn arbitrary_logs_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..4000)) {
        let out = logs::scan_reader(&bytes[..], "x", &scope());
        prop_assert!(out.lines <= bytes.len() as u64 + 1);
    }
}

/// A line far longer than the longest kept is counted and skipped, read in bounded pieces (the
/// reader is never asked to hold it), and the lines around it are still read.
#[test]
fn a_huge_line_is_skipped_not_held() {
    let huge = 64 * 1024 * 1024;
    let before = "2026-11-20 10:00:00 1x6aaa-0000000aaaa-aaaa <= a@example.com H=localhost [127.0.0.1]:1 P=esmtpa A=x:a@example.com S=1\n\
                  2026-11-20 10:00:00 1x6aaa-0000000aaaa-aaaa => a <a@example.org> R=virtual_user T=dovecot_virtual_delivery\n";
    let after = "\n2026-11-20 10:00:01 1x6aaa-0000000aaaa-aaaa => b <b@example.org> R=virtual_user T=dovecot_virtual_delivery\n";
    let reader = std::io::Read::chain(
        std::io::Read::chain(
            before.as_bytes(),
            std::io::Read::take(std::io::repeat(b'x'), huge),
        ),
        after.as_bytes(),
    );
    let out = logs::scan_reader(reader, "big", &scope());
    assert_eq!(out.too_long, 1);
    assert_eq!(out.lines, 4);
    assert_eq!(out.domains["example.org"].local_from_here.count, 2);
    assert_eq!(
        out.domains["example.org"].local_from_here.first,
        1_795_168_800
    );
}
