//! Standard base64 (RFC 4648 §4) decoding, as DKIM `p=` tags and PEM bodies use it. White space
//! is skipped (both allow folding); padding is optional at the very end; any other character is
//! an error that names its position.

/// Why a text is not base64: the byte offset of the offending character and what it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Base64Error {
    pub offset: usize,
    pub message: String,
}

fn value(b: u8) -> Option<u8> {
    match b {
        b'A'..=b'Z' => Some(b - b'A'),
        b'a'..=b'z' => Some(b - b'a' + 26),
        b'0'..=b'9' => Some(b - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Decodes base64, skipping ASCII white space.
pub fn decode(text: &[u8]) -> Result<Vec<u8>, Base64Error> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut nbits = 0;
    let mut symbols = 0usize;
    let mut padding_at: Option<usize> = None;
    for (i, &b) in text.iter().enumerate() {
        if b.is_ascii_whitespace() {
            continue;
        }
        if b == b'=' {
            padding_at.get_or_insert(i);
            symbols += 1;
            continue;
        }
        if let Some(p) = padding_at {
            return Err(Base64Error {
                offset: p,
                message: "`=` padding in the middle of the base64 data".into(),
            });
        }
        let Some(v) = value(b) else {
            return Err(Base64Error {
                offset: i,
                message: format!(
                    "`{}` is not a base64 character (A-Z, a-z, 0-9, +, /)",
                    (b as char).escape_default()
                ),
            });
        };
        acc = (acc << 6) | u32::from(v);
        nbits += 6;
        symbols += 1;
        if nbits >= 8 {
            nbits -= 8;
            out.push((acc >> nbits) as u8);
        }
    }
    if symbols % 4 == 1 {
        return Err(Base64Error {
            offset: text.len(),
            message: "the base64 data ends in the middle of a byte (a character is missing)".into(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4648_vectors() {
        for (enc, dec) in [
            ("", ""),
            ("Zg==", "f"),
            ("Zm8=", "fo"),
            ("Zm9v", "foo"),
            ("Zm9vYg==", "foob"),
            ("Zm9vYmE=", "fooba"),
            ("Zm9vYmFy", "foobar"),
            ("Zm9vYmE", "fooba"),
            ("Zm9v\n YmFy", "foobar"),
        ] {
            assert_eq!(decode(enc.as_bytes()).unwrap(), dec.as_bytes(), "{enc}");
        }
    }

    #[test]
    fn errors_name_the_position() {
        let e = decode(b"Zm9v*mFy").unwrap_err();
        assert_eq!(e.offset, 4);
        assert!(e.message.contains("`*`"));
        assert!(decode(b"Zm9vY").is_err());
        assert!(decode(b"Zg==Zg==").is_err());
    }
}
