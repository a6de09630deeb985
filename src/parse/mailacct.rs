//! Mail account files of a cPanel account: `HOME/etc/DOMAIN/passwd`, `shadow` and `quota` (one
//! line per mailbox, `:`-separated fields).
//!
//! - passwd ([`parse_passwd`]): `user:x:UID:GID::HOME:SHELL`, seven fields, such as
//!   `info:x:1001:1001::/home/bob/mail/example.com/info:/bin/bash`; UID and GID are numbers.
//! - shadow ([`parse_shadow`]): `LOCALPART:HASH:DAYS::::::`, nine fields as cPanel (and every
//!   `shadow` file) writes them. A hash starting with `!` means login is suspended. Fields 3 to 8
//!   are empty or numbers.
//! - quota ([`parse_quota`]): `LOCALPART:BYTES`, exactly two fields; `0` means unlimited.
//!
//! Everywhere the local part is non-empty and holds no white space or control characters; a line
//! whose first non-blank character is `#` is a comment, blank lines are skipped, a final `\r` is
//! tolerated. A line with a wrong number of fields or a bad number is invalid.
//!
//! **Secrets.** Shadow files hold password hashes. No value of this module ever holds hash text:
//! a [`ShadowEntry`] keeps only the hash's span and the suspended flag, and no error message of
//! the shadow parser quotes any text of the line (a damaged line may have moved part of a hash
//! into another field). Shadow lines are read strictly for the same reason: exactly nine fields,
//! and a first field holding `$` or longer than 64 characters (a local part's limit, RFC 5321) is
//! rejected as probable hash text rather than kept as a local part. Callers that show source
//! lines (report snippets) must not do so for shadow files. Grammar: `grammar/mailacct.pest`.

use crate::parse::SyntaxError;
use crate::parse::lines::{self, Line, LineDoc, LineKind, RawLine};
use crate::source::{SourceFile, Span};
use pest::Parser;

/// What every account-file entry has.
pub trait AcctEntry {
    /// The mailbox name (before the `@`).
    fn local_part(&self) -> &str;
    fn local_span(&self) -> Span;
}

/// A parsed passwd, shadow or quota file.
pub type AcctFile<E> = LineDoc<E>;
/// A line of an account file.
pub type AcctLine<E> = Line<E>;
/// A line: blank (empty or white space only), a comment (first non-blank character `#`), an
/// entry, or invalid (wrong number of fields, bad local part, bad number).
pub type AcctLineKind<E> = LineKind<E>;

pub type PasswdFile = AcctFile<PasswdEntry>;
pub type ShadowFile = AcctFile<ShadowEntry>;
pub type QuotaFile = AcctFile<QuotaEntry>;

/// A passwd line: `user:x:UID:GID::HOME:SHELL`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PasswdEntry {
    pub local_part: String,
    pub local_span: Span,
    pub uid: u32,
    pub uid_span: Span,
    pub gid: u32,
    pub gid_span: Span,
    /// The mailbox's home directory (`/home/USER/mail/DOMAIN/LOCALPART`), as written.
    pub home: String,
    pub home_span: Span,
    pub has_cr: bool,
}

/// A shadow line: `LOCALPART:HASH:DAYS::::::`. Holds no hash text, by design.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShadowEntry {
    pub local_part: String,
    pub local_span: Span,
    /// Where the hash is (never its text).
    pub hash_span: Span,
    /// The hash starts with `!`: login suspended.
    pub suspended: bool,
    /// Days since 1970-01-01 of the last password change, when the field is there and not empty.
    pub days: Option<u64>,
    pub days_span: Option<Span>,
    pub has_cr: bool,
}

/// A quota line: `LOCALPART:BYTES`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuotaEntry {
    pub local_part: String,
    pub local_span: Span,
    pub bytes: u64,
    pub bytes_span: Span,
    pub has_cr: bool,
}

impl QuotaEntry {
    /// A quota of 0 bytes means no limit.
    pub fn is_unlimited(&self) -> bool {
        self.bytes == 0
    }
}

macro_rules! acct_entry {
    ($($t:ty),*) => {$(
        impl AcctEntry for $t {
            fn local_part(&self) -> &str {
                &self.local_part
            }
            fn local_span(&self) -> Span {
                self.local_span
            }
        }
    )*};
}
acct_entry!(PasswdEntry, ShadowEntry, QuotaEntry);

impl<E: AcctEntry> AcctFile<E> {
    /// The first entry for a local part (exact comparison: mailbox directories are
    /// case-sensitive).
    pub fn get(&self, local_part: &str) -> Option<&E> {
        self.entries().find(|e| e.local_part() == local_part)
    }
}

#[derive(pest_derive::Parser)]
#[grammar = "grammar/mailacct.pest"]
struct LineParser;

/// The fields of one record.
struct Record {
    fields: Vec<Span>,
    /// Number of fields, counting those after the ninth.
    count: usize,
    /// The record's text, without a final `\r`.
    span: Span,
    has_cr: bool,
}

enum Parsed {
    Blank,
    Comment,
    Record(Record),
}

fn parse_file<E>(
    src: &SourceFile,
    typed: impl Fn(&SourceFile, Record) -> Result<E, SyntaxError>,
) -> AcctFile<E> {
    LineDoc::read(src, |l| match split_record(src, l) {
        Parsed::Blank => LineKind::Blank,
        Parsed::Comment => LineKind::Comment,
        Parsed::Record(r) => match typed(src, r) {
            Ok(e) => LineKind::Entry(e),
            Err(e) => LineKind::Invalid(e),
        },
    })
}

fn split_record(src: &SourceFile, line: &RawLine) -> Parsed {
    let off = line.start();
    // The grammar accepts every line (fields take anything but `:`), so an error cannot happen;
    // should one, the line is handed on as one field and fails the field count.
    let Ok(pairs) = LineParser::parse(Rule::line, line.text(src.text())) else {
        let span = Span::new(off, line.end());
        return Parsed::Record(Record {
            fields: vec![span],
            count: 1,
            span,
            has_cr: line.has_cr(),
        });
    };
    let Some(inner) = pairs.into_iter().next().and_then(|p| p.into_inner().next()) else {
        return Parsed::Blank;
    };
    match inner.as_rule() {
        Rule::comment => Parsed::Comment,
        Rule::record => {
            let mut rec = Record {
                fields: Vec::with_capacity(9),
                count: 0,
                span: Span::new(off, line.end()),
                has_cr: line.has_cr(),
            };
            for p in inner.into_inner() {
                match p.as_rule() {
                    Rule::field => {
                        rec.fields.push(Span::from_pest(p.as_span()).offset(off));
                        rec.count += 1;
                    }
                    Rule::extra => {
                        rec.count += p.as_str().bytes().filter(|&b| b == b':').count();
                    }
                    _ => {}
                }
            }
            Parsed::Record(rec)
        }
        _ => Parsed::Blank,
    }
}

/// Checks the local part (the first field). Messages describe characters, never quote text.
fn local_part(src: &SourceFile, rec: &Record) -> Result<(String, Span), SyntaxError> {
    let span = rec.fields[0];
    let text = src.slice(span);
    if text.is_empty() {
        let (at, found) = lines::found_at(src, span.start as usize, rec.span.end as usize);
        return Err(SyntaxError::new(
            at,
            format!("expected a local part before the first `:`, found {found}"),
        ));
    }
    if let Some(i) = text.find(|c: char| c.is_whitespace() || c.is_control()) {
        let (at, found) = lines::found_at(src, span.start as usize + i, span.end as usize);
        return Err(SyntaxError::new(
            at,
            format!(
                "expected a local part without white space or control characters, found {found}"
            ),
        ));
    }
    Ok((text.to_string(), span))
}

fn field_count_error(rec: &Record, expected: &str) -> SyntaxError {
    let at = if rec.count == 1 {
        Span::at(rec.span.end as usize)
    } else {
        rec.span
    };
    let found = match rec.count {
        1 => "1 (no `:`)".to_string(),
        n => n.to_string(),
    };
    SyntaxError::new(
        at,
        format!("expected {expected} fields separated by `:`, found {found}"),
    )
}

/// Parses `HOME/etc/DOMAIN/passwd`. Never fails; see [`LineKind::Invalid`].
pub fn parse_passwd(src: &SourceFile) -> PasswdFile {
    const HELP: &str = "each line is `user:x:UID:GID::HOME:SHELL`, such as \
                        `info:x:1001:1001::/home/bob/mail/example.com/info:/bin/bash`";
    parse_file(src, |src, rec| {
        let entry = (|| {
            if rec.count != 7 {
                return Err(field_count_error(&rec, "7"));
            }
            let (local_part, local_span) = local_part(src, &rec)?;
            let number = |i: usize, what: &str| -> Result<(u32, Span), SyntaxError> {
                let span = rec.fields[i];
                let text = src.slice(span);
                text.parse::<u32>().map(|n| (n, span)).map_err(|_| {
                    let found = if text.is_empty() {
                        "an empty field".to_string()
                    } else {
                        lines::token(text)
                    };
                    SyntaxError::new(
                        span,
                        format!(
                            "expected a number for the {what} (field {}), found {found}",
                            i + 1
                        ),
                    )
                })
            };
            let (uid, uid_span) = number(2, "UID")?;
            let (gid, gid_span) = number(3, "GID")?;
            let home_span = rec.fields[5];
            Ok(PasswdEntry {
                local_part,
                local_span,
                uid,
                uid_span,
                gid,
                gid_span,
                home: src.slice(home_span).to_string(),
                home_span,
                has_cr: rec.has_cr,
            })
        })();
        entry.map_err(|e| e.with_help(HELP))
    })
}

/// Parses `HOME/etc/DOMAIN/shadow`. Never fails; see [`LineKind::Invalid`]. No message and
/// no value holds text of the hash (see the module documentation).
pub fn parse_shadow(src: &SourceFile) -> ShadowFile {
    const HELP: &str = "each line is `user:HASH:DAYS::::::`: nine fields, the password hash, the \
                        day of the last change, then six empty ones";
    parse_file(src, |src, rec| {
        let entry = (|| {
            if rec.count == 1 {
                let at = Span::at(rec.span.end as usize);
                return Err(SyntaxError::new(
                    at,
                    "expected `:` and a password hash after the local part, found end of line",
                ));
            }
            if rec.count != 9 {
                return Err(field_count_error(&rec, "9"));
            }
            // A damaged line can bring hash text into the first field: never keep or show it.
            let first = src.slice(rec.fields[0]);
            if first.contains('$') || first.chars().count() > 64 {
                return Err(SyntaxError::new(
                    rec.fields[0],
                    "expected a local part, found text that looks like a password hash (not shown)",
                ));
            }
            let (local_part, local_span) = local_part(src, &rec)?;
            let hash_span = rec.fields[1];
            for (i, &span) in rec.fields.iter().enumerate().skip(2).take(6) {
                let text = src.slice(span);
                if !text.is_empty() && text.parse::<u64>().is_err() {
                    // Never quote the text: it may be part of a hash.
                    return Err(SyntaxError::new(
                        span,
                        format!(
                            "expected a number or nothing in field {} of a shadow line, found \
                             other text (not shown: shadow files hold password hashes)",
                            i + 1
                        ),
                    ));
                }
            }
            let days_span = rec.fields.get(2).copied().filter(|s| !s.is_empty());
            Ok(ShadowEntry {
                local_part,
                local_span,
                hash_span,
                suspended: src.slice(hash_span).starts_with('!'),
                days: days_span.and_then(|s| src.slice(s).parse().ok()),
                days_span,
                has_cr: rec.has_cr,
            })
        })();
        entry.map_err(|e| e.with_help(HELP))
    })
}

/// Parses `HOME/etc/DOMAIN/quota`. Never fails; see [`LineKind::Invalid`].
pub fn parse_quota(src: &SourceFile) -> QuotaFile {
    const HELP: &str =
        "each line is `user:BYTES`, such as `info:524288000` (500 MiB); 0 means unlimited";
    parse_file(src, |src, rec| {
        let entry = (|| {
            if rec.count != 2 {
                return Err(field_count_error(&rec, "2"));
            }
            let (local_part, local_span) = local_part(src, &rec)?;
            let bytes_span = rec.fields[1];
            let text = src.slice(bytes_span);
            let bytes = text.parse::<u64>().map_err(|_| {
                let found = if text.is_empty() {
                    "an empty field".to_string()
                } else if text.bytes().all(|b| b.is_ascii_digit()) {
                    format!("{} (too large)", lines::token(text))
                } else {
                    lines::token(text)
                };
                SyntaxError::new(
                    bytes_span,
                    format!("expected a number of bytes, found {found}"),
                )
            })?;
            Ok(QuotaEntry {
                local_part,
                local_span,
                bytes,
                bytes_span,
                has_cr: rec.has_cr,
            })
        })();
        entry.map_err(|e| e.with_help(HELP))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{check_tiling, render};

    fn src(text: &str) -> SourceFile {
        SourceFile::from_str("home/bob/etc/example.com/x", text)
    }

    fn round_trip<E>(d: &AcctFile<E>, s: &SourceFile) {
        check_tiling(d, s).unwrap();
        assert_eq!(render(d, s), s.bytes());
    }

    #[test]
    fn passwd_entries() {
        let s = src(
            "info:x:1001:1002::/home/bob/mail/example.com/info:/bin/bash\nsales:x:1001:1002::/home/bob/mail/example.com/sales:/bin/bash\r\n",
        );
        let d = parse_passwd(&s);
        round_trip(&d, &s);
        let e = d.get("info").unwrap();
        assert_eq!((e.uid, e.gid), (1001, 1002));
        assert_eq!(e.home, "/home/bob/mail/example.com/info");
        assert_eq!(s.slice(e.home_span), e.home);
        assert_eq!(s.slice(e.uid_span), "1001");
        assert!(d.get("sales").unwrap().has_cr);
        assert_eq!(d.entries().count(), 2);
    }

    #[test]
    fn passwd_errors() {
        let s = src(
            "info:x:1001\nsales:x:abc:1002::/home/bob/mail/example.com/sales:/bin/bash\nmy info:x:1:1::/h:/bin/sh\n",
        );
        let d = parse_passwd(&s);
        round_trip(&d, &s);
        let errs: Vec<_> = d.errors().collect();
        assert_eq!(errs.len(), 3);
        assert_eq!(
            errs[0].message,
            "expected 7 fields separated by `:`, found 3"
        );
        assert_eq!(s.slice(errs[0].span), "info:x:1001");
        assert_eq!(
            errs[1].message,
            "expected a number for the UID (field 3), found `abc`"
        );
        assert_eq!(s.slice(errs[1].span), "abc");
        assert_eq!(s.line_col(errs[1].span.start as usize).line, 2);
        assert_eq!(
            errs[2].message,
            "expected a local part without white space or control characters, found a space"
        );
        let lc = s.line_col(errs[2].span.start as usize);
        assert_eq!((lc.line, lc.column, errs[2].span.len()), (3, 3, 1));
        assert!(
            errs[0]
                .help
                .as_deref()
                .unwrap()
                .contains("user:x:UID:GID::HOME:SHELL")
        );
    }

    #[test]
    fn shadow_entries_and_suspension() {
        let s = src(
            "info:$6$salt$secrethash:19000::::::\nsales:!$6$salt$otherhash:19001::::::\nnew:$6$x$y:::::::\n",
        );
        let d = parse_shadow(&s);
        round_trip(&d, &s);
        let info = d.get("info").unwrap();
        assert!(!info.suspended);
        assert_eq!(info.days, Some(19000));
        assert_eq!(s.slice(info.hash_span), "$6$salt$secrethash");
        assert!(d.get("sales").unwrap().suspended);
        assert_eq!(d.get("new").unwrap().days, None);
        assert_eq!(d.errors().count(), 0);
    }

    #[test]
    fn shadow_never_shows_the_hash() {
        let s = src(
            "info:$6$salt$secrethash:19000::::::\nbad:$6$salt$sec:rethash::::::\n$6$lonelysecrethash\nx:$6$s$secret::::::::::\ninfo$6$salt$secret:19000:::::::\nx:$6$s$secret\nrethash:19000::::::\n",
        );
        let d = parse_shadow(&s);
        round_trip(&d, &s);
        let debug = format!("{d:?}");
        assert!(
            !debug.contains("secret"),
            "hash text in Debug output: {debug}"
        );
        let errs: Vec<_> = d.errors().collect();
        assert_eq!(errs.len(), 6);
        assert_eq!(
            errs[0].message,
            "expected a number or nothing in field 3 of a shadow line, found other text (not shown: shadow files hold password hashes)"
        );
        assert_eq!(s.line_col(errs[0].span.start as usize).line, 2);
        assert_eq!(
            errs[1].message,
            "expected `:` and a password hash after the local part, found end of line"
        );
        assert_eq!(
            errs[2].message,
            "expected 9 fields separated by `:`, found 12"
        );
        assert_eq!(
            errs[3].message,
            "expected a local part, found text that looks like a password hash (not shown)"
        );
        assert_eq!(s.line_col(errs[3].span.start as usize).line, 5);
        // A hash cut in two by a newline: neither piece has nine fields.
        assert_eq!(
            errs[4].message,
            "expected 9 fields separated by `:`, found 2"
        );
        assert_eq!(
            errs[5].message,
            "expected 9 fields separated by `:`, found 8"
        );
        for e in &errs {
            assert!(!format!("{e:?}").contains("secret"));
        }
    }

    #[test]
    fn quota_entries() {
        let s = src("info:524288000\nsales:0\n\n# note\n");
        let d = parse_quota(&s);
        round_trip(&d, &s);
        assert_eq!(d.get("info").unwrap().bytes, 524_288_000);
        assert!(!d.get("info").unwrap().is_unlimited());
        assert!(d.get("sales").unwrap().is_unlimited());
        assert!(matches!(d.lines[2].kind, LineKind::Blank));
        assert!(matches!(d.lines[3].kind, LineKind::Comment));
    }

    #[test]
    fn quota_errors() {
        let s = src("info:500M\nsales:\nbig:99999999999999999999999\n:1\nnocolon\na:1:2");
        let d = parse_quota(&s);
        round_trip(&d, &s);
        let errs: Vec<_> = d.errors().collect();
        let msgs: Vec<_> = errs.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            msgs,
            [
                "expected a number of bytes, found `500M`",
                "expected a number of bytes, found an empty field",
                "expected a number of bytes, found `99999999999999999999999` (too large)",
                "expected a local part before the first `:`, found `:`",
                "expected 2 fields separated by `:`, found 1 (no `:`)",
                "expected 2 fields separated by `:`, found 3",
            ]
        );
        assert_eq!(s.slice(errs[0].span), "500M");
        assert_eq!(errs[1].span, Span::at(16));
        assert_eq!(s.line_col(errs[4].span.start as usize).column, 8);
        assert_eq!(
            errs[0].help.as_deref(),
            Some(
                "each line is `user:BYTES`, such as `info:524288000` (500 MiB); 0 means unlimited"
            )
        );
    }

    #[test]
    fn many_colons_are_counted_not_tokenized() {
        let line = ":".repeat(100_000);
        let s = src(&line);
        let d = parse_quota(&s);
        round_trip(&d, &s);
        assert_eq!(
            d.errors().next().unwrap().message,
            "expected 2 fields separated by `:`, found 100001"
        );
    }
}
