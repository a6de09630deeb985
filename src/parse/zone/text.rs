//! Lexical values of zone files: escapes, domain names, TTLs and numbers, with BIND 9's rules.

/// A field as shown in an error message: in backquotes, shortened when long, one line.
pub(super) fn show(s: &str) -> String {
    const MAX: usize = 40;
    let mut out = String::from("`");
    for (n, c) in s.chars().enumerate() {
        if n == MAX {
            out.push('…');
            break;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            c => out.push(c),
        }
    }
    out.push('`');
    out
}

/// A bad escape inside a field: where it is (relative to the field) and what is wrong.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct EscapeError {
    pub at: usize,
    pub len: usize,
    pub message: String,
}

/// Reads the escape starting at `b[i] == b'\\'`: the byte it stands for and its length.
fn escape_at(b: &[u8], i: usize) -> Result<(u8, usize), EscapeError> {
    debug_assert_eq!(b[i], b'\\');
    let Some(&next) = b.get(i + 1) else {
        return Err(EscapeError {
            at: i,
            len: 1,
            message: "expected a character after `\\`, found end of line".into(),
        });
    };
    if !next.is_ascii_digit() {
        return Ok((next, 2));
    }
    let digits = b[i + 1..]
        .iter()
        .take(3)
        .take_while(|d| d.is_ascii_digit())
        .count();
    if digits < 3 {
        let text = String::from_utf8_lossy(&b[i..i + 1 + digits]);
        return Err(EscapeError {
            at: i,
            len: 1 + digits,
            message: format!(
                "expected three digits after `\\` (a decimal byte value such as `\\059`), found `{text}`"
            ),
        });
    }
    let value = b[i + 1..i + 4]
        .iter()
        .fold(0u32, |v, d| v * 10 + u32::from(d - b'0'));
    if value > 255 {
        let text = String::from_utf8_lossy(&b[i..i + 4]);
        return Err(EscapeError {
            at: i,
            len: 4,
            message: format!(
                "expected a byte value from `\\000` to `\\255`, found `{text}` (`\\DDD` is decimal)"
            ),
        });
    }
    Ok((value as u8, 4))
}

/// Decodes the escapes of a field (a quoted string without its quotes, or an unquoted word):
/// `\DDD` is the byte with decimal value DDD, `\X` is X (so `\;`, `\"`, `\\`, and `\` before a
/// line end inside a quoted string).
pub(super) fn unescape(raw: &[u8]) -> Result<Vec<u8>, EscapeError> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i..].iter().position(|&b| b == b'\\') {
            None => {
                out.extend_from_slice(&raw[i..]);
                break;
            }
            Some(p) => {
                out.extend_from_slice(&raw[i..i + p]);
                let (byte, len) = escape_at(raw, i + p)?;
                out.push(byte);
                i += p + len;
            }
        }
    }
    Ok(out)
}

/// Wire length of an absolute name in presentation form (escapes not decoded: an estimate that
/// is exact for ordinary names). The root is 1 byte.
pub(super) fn wire_len(name: &str) -> usize {
    if name.is_empty() { 1 } else { name.len() + 2 }
}

/// Resolves a domain name as written in a zone file against the current origin: `@` is the
/// origin, a name ending with an unescaped `.` is absolute, any other is relative to the origin.
/// The result is lower case, without the final dot, escapes as written; the root is "".
/// The error says what is wrong with the name (the caller adds where it was expected).
pub(super) fn resolve_name(raw: &str, origin: &str) -> Result<String, String> {
    if raw == "@" {
        return Ok(origin.to_string());
    }
    if raw == "." {
        return Ok(String::new());
    }
    if raw.is_empty() {
        return Err("it is empty".into());
    }
    let b = raw.as_bytes();
    let mut wire = 0usize;
    let mut label = 0usize;
    let mut label_start = 0usize;
    let mut absolute = false;
    let mut i = 0usize;
    while i < b.len() {
        match b[i] {
            b'\\' => {
                let (_, len) = escape_at(b, i).map_err(|e| e.message)?;
                label += 1;
                i += len;
            }
            b'.' => {
                if label == 0 {
                    return Err(
                        "it has an empty label (two dots in a row, or a leading dot)".into(),
                    );
                }
                if label > 63 {
                    return Err(format!(
                        "its label {} is {label} bytes long; a label has at most 63",
                        show(&raw[label_start..i])
                    ));
                }
                wire += label + 1;
                label = 0;
                i += 1;
                label_start = i;
                if i == b.len() {
                    absolute = true;
                }
            }
            _ => {
                label += 1;
                i += 1;
            }
        }
    }
    if !absolute {
        if label > 63 {
            return Err(format!(
                "its label {} is {label} bytes long; a label has at most 63",
                show(&raw[label_start..])
            ));
        }
        wire += label + 1;
    }
    let total = wire + if absolute { 1 } else { wire_len(origin) };
    if total > 255 {
        return Err(format!(
            "it is {total} bytes long in DNS form; a domain name has at most 255"
        ));
    }
    let mut name = String::with_capacity(raw.len() + 1 + origin.len());
    name.push_str(raw);
    name.make_ascii_lowercase();
    if absolute {
        name.pop();
    } else if !origin.is_empty() {
        name.push('.');
        name.push_str(origin);
    }
    Ok(name)
}

/// Whether a name as written ends with an unescaped dot (is absolute).
pub(super) fn is_absolute(raw: &str) -> bool {
    let b = raw.as_bytes();
    if b.last() != Some(&b'.') {
        return false;
    }
    let backslashes = b[..b.len() - 1]
        .iter()
        .rev()
        .take_while(|&&c| c == b'\\')
        .count();
    // `\.` at the end escapes the dot, unless the backslash is itself escaped (`\\.`). A `\DDD`
    // before the dot ends in a digit, so it does not reach here.
    backslashes % 2 == 0
}

/// Parses a TTL as BIND does: a number of seconds, or a duration made of numbers each followed by
/// a unit `w`, `d`, `h`, `m` or `s` (any case), such as `1h30m` or `1W`. A bare number after a
/// unit (`1h30`) is refused, as BIND does. At most 4294967295.
pub(super) fn parse_ttl(s: &str) -> Option<u32> {
    let b = s.as_bytes();
    let mut total: u64 = 0;
    let mut units = false;
    let mut i = 0;
    loop {
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start || i - start > 10 {
            return None;
        }
        let n: u64 = s[start..i].parse().ok()?;
        if n > u64::from(u32::MAX) {
            return None;
        }
        if i == b.len() {
            if units {
                return None;
            }
            total = n;
            break;
        }
        let mult: u64 = match b[i].to_ascii_lowercase() {
            b'w' => 7 * 86400,
            b'd' => 86400,
            b'h' => 3600,
            b'm' => 60,
            b's' => 1,
            _ => return None,
        };
        total += n * mult;
        units = true;
        i += 1;
        if i == b.len() {
            break;
        }
        if total > u64::from(u32::MAX) {
            return None;
        }
    }
    u32::try_from(total).ok()
}

/// Parses an unsigned decimal number (digits only) no larger than `max`.
pub(super) fn parse_uint(s: &str, max: u64) -> Option<u64> {
    if s.is_empty() || s.len() > 20 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<u64>().ok().filter(|&n| n <= max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_decode_to_bytes() {
        assert_eq!(
            unescape(br#"v=DKIM1\; k=rsa\;"#).unwrap(),
            b"v=DKIM1; k=rsa;"
        );
        assert_eq!(unescape(br#"a\"b\\c\065\000"#).unwrap(), b"a\"b\\cA\0");
        assert_eq!(unescape(b"x\\\ny").unwrap(), b"x\ny");
        assert_eq!(unescape(b"\xc3\xa9").unwrap(), "é".as_bytes());
    }

    #[test]
    fn bad_escapes_say_what_was_expected() {
        let e = unescape(br"ab\256").unwrap_err();
        assert_eq!((e.at, e.len), (2, 4));
        assert_eq!(
            e.message,
            "expected a byte value from `\\000` to `\\255`, found `\\256` (`\\DDD` is decimal)"
        );
        let e = unescape(br"\25x").unwrap_err();
        assert_eq!((e.at, e.len), (0, 3));
        assert!(e.message.starts_with("expected three digits after `\\`"));
        assert!(e.message.ends_with("found `\\25`"), "{}", e.message);
        let e = unescape(br"abc\").unwrap_err();
        assert_eq!(
            e.message,
            "expected a character after `\\`, found end of line"
        );
    }

    #[test]
    fn names_resolve_against_the_origin() {
        assert_eq!(resolve_name("@", "example.com").unwrap(), "example.com");
        assert_eq!(
            resolve_name("Mail", "example.com").unwrap(),
            "mail.example.com"
        );
        assert_eq!(
            resolve_name("MAIL.Example.NET.", "example.com").unwrap(),
            "mail.example.net"
        );
        assert_eq!(resolve_name(".", "example.com").unwrap(), "");
        assert_eq!(
            resolve_name("192.0.2.1", "example.com").unwrap(),
            "192.0.2.1.example.com"
        );
        assert_eq!(
            resolve_name("a\\.b", "example.com").unwrap(),
            "a\\.b.example.com"
        );
        assert_eq!(resolve_name("host", "").unwrap(), "host");
    }

    #[test]
    fn bad_names_are_explained() {
        assert!(
            resolve_name("a..b", "example.com")
                .unwrap_err()
                .contains("empty label")
        );
        assert!(
            resolve_name(".a", "example.com")
                .unwrap_err()
                .contains("empty label")
        );
        let long = "x".repeat(64);
        assert!(
            resolve_name(&long, "example.com")
                .unwrap_err()
                .contains("64 bytes long; a label has at most 63")
        );
        let many = vec!["abcdefghi"; 26].join(".");
        assert!(
            resolve_name(&many, "example.com")
                .unwrap_err()
                .contains("at most 255")
        );
        assert!(
            resolve_name("a\\2", "example.com")
                .unwrap_err()
                .contains("three digits")
        );
    }

    #[test]
    fn absolute_means_an_unescaped_final_dot() {
        assert!(is_absolute("example.com."));
        assert!(is_absolute("."));
        assert!(!is_absolute("example.com"));
        assert!(!is_absolute("a\\."));
        assert!(is_absolute("a\\\\."));
    }

    #[test]
    fn ttls_follow_bind() {
        assert_eq!(parse_ttl("14400"), Some(14400));
        assert_eq!(parse_ttl("1h"), Some(3600));
        assert_eq!(parse_ttl("1H30m"), Some(5400));
        assert_eq!(parse_ttl("1w"), Some(604800));
        assert_eq!(parse_ttl("2d12h"), Some(216000));
        assert_eq!(parse_ttl("4294967295"), Some(u32::MAX));
        for bad in [
            "",
            "h",
            "1h30",
            "1x",
            "4294967296",
            "99999999999",
            "-1",
            "1.5h",
            "IN",
        ] {
            assert_eq!(parse_ttl(bad), None, "{bad}");
        }
    }

    #[test]
    fn numbers_are_digits_within_range() {
        assert_eq!(parse_uint("0", 65535), Some(0));
        assert_eq!(parse_uint("65535", 65535), Some(65535));
        assert_eq!(parse_uint("65536", 65535), None);
        assert_eq!(parse_uint("+1", 65535), None);
        assert_eq!(parse_uint("", 65535), None);
        assert_eq!(parse_uint("18446744073709551616", u64::MAX), None);
    }

    #[test]
    fn shown_fields_are_short() {
        assert_eq!(show("abc"), "`abc`");
        let s = show(&"y".repeat(1000));
        assert_eq!(s.chars().count(), 43);
        assert!(s.ends_with("…`"));
    }
}
