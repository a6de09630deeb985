//! PEM files (RFC 7468): the DKIM public keys cPanel keeps in
//! `var/cpanel/domain_keys/public/DOMAIN` (`-----BEGIN PUBLIC KEY-----`, a base64
//! `SubjectPublicKeyInfo`). Grammar: `grammar/pem.pest`.

use pest::Parser;

use crate::parse::cross::cross_check;
use crate::parse::{SyntaxError, from_pest_error};
use crate::source::{SourceFile, Span};

#[derive(pest_derive::Parser)]
#[grammar = "grammar/pem.pest"]
struct PemParser;

/// A parsed PEM file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pem {
    /// `PUBLIC KEY`, `RSA PUBLIC KEY`, …
    pub label: String,
    pub label_span: Span,
    /// The base64 body lines.
    pub body_span: Span,
    /// The decoded DER bytes.
    pub der: Vec<u8>,
}

/// Parses a PEM file; one error when it is not one.
pub fn parse(src: &SourceFile) -> Result<Pem, SyntaxError> {
    let (label, body, end_label) = cross_check(
        "PEM",
        src.text(),
        || split_simple(src.text()).map(Ok),
        || split_grammar(src),
    )?;
    if end_label != label.0 {
        return Err(SyntaxError::new(
            label.1,
            format!(
                "the block begins as `{}` but ends as `{end_label}`",
                label.0
            ),
        ));
    }
    let der = crate::base64::decode(src.slice(body).as_bytes()).map_err(|e| {
        SyntaxError::new(
            Span::at(body.start as usize + e.offset),
            format!("the key is not valid base64: {}", e.message),
        )
    })?;
    Ok(Pem {
        label: label.0,
        label_span: label.1,
        body_span: body,
        der,
    })
}

/// The label (with its span), the body and the end label, as the grammar reads them.
type Parts = ((String, Span), Span, String);

/// The block as cPanel writes it (`-----BEGIN LABEL-----`, lines, `-----END LABEL-----`, `\n`
/// line ends), read without the grammar; `None` for anything else (the grammar reads it).
fn split_simple(text: &str) -> Option<Parts> {
    let rest = text.strip_prefix("-----BEGIN ")?;
    let label_len = rest.find("-----\n")?;
    let label = &rest[..label_len];
    if label.is_empty()
        || !label
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' ')
    {
        return None;
    }
    let label_start = "-----BEGIN ".len();
    let body_start = label_start + label_len + "-----\n".len();
    let mut pos = body_start;
    loop {
        let line_end = pos + text[pos..].find('\n')?;
        let line = &text[pos..line_end];
        if line.starts_with("-----") {
            let end_label = line.strip_prefix("-----END ")?.strip_suffix("-----")?;
            if end_label.is_empty()
                || !end_label
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' ')
                || line_end + 1 != text.len()
            {
                return None;
            }
            return Some((
                (
                    label.to_string(),
                    Span::new(label_start, label_start + label_len),
                ),
                Span::new(body_start, pos),
                end_label.to_string(),
            ));
        }
        if line.contains('\r') {
            return None;
        }
        pos = line_end + 1;
    }
}

/// The block read with the grammar.
fn split_grammar(src: &SourceFile) -> Result<Parts, SyntaxError> {
    let text = src.text();
    let pairs = PemParser::parse(Rule::pem, text).map_err(|e| {
        from_pest_error(&e, |r| match r {
            Rule::begin => "`-----BEGIN …-----`".into(),
            Rule::end => "`-----END …-----`".into(),
            other => format!("{other:?}"),
        })
        .with_help("a key file holds one `-----BEGIN PUBLIC KEY-----` block")
    })?;
    let mut label = (String::new(), Span::default());
    let mut body = Span::default();
    let mut end_label = String::new();
    for p in pairs.into_iter().next().expect("pem").into_inner() {
        match p.as_rule() {
            Rule::begin => {
                let l = p.into_inner().next().expect("label");
                label = (l.as_str().to_string(), Span::from_pest(l.as_span()));
            }
            Rule::body => body = Span::from_pest(p.as_span()),
            Rule::end => end_label = p.into_inner().next().expect("label").as_str().to_string(),
            _ => {}
        }
    }
    Ok((label, body, end_label))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_public_key_block() {
        let src = SourceFile::from_str(
            "k",
            "-----BEGIN PUBLIC KEY-----\nZm9v\nYmFy\n-----END PUBLIC KEY-----\n",
        );
        let pem = parse(&src).unwrap();
        assert_eq!(pem.label, "PUBLIC KEY");
        assert_eq!(pem.der, b"foobar");
    }

    #[test]
    fn errors() {
        let src = SourceFile::from_str(
            "k",
            "-----BEGIN PUBLIC KEY-----\nZm9*\n-----END PUBLIC KEY-----\n",
        );
        let e = parse(&src).unwrap_err();
        assert_eq!(src.line_col(e.span.start as usize).line, 2);
        let src = SourceFile::from_str("k", "garbage");
        assert!(parse(&src).unwrap_err().message.contains("expected"));
        let src = SourceFile::from_str(
            "k",
            "-----BEGIN PUBLIC KEY-----\nZm9v\n-----END RSA PUBLIC KEY-----\n",
        );
        assert!(parse(&src).unwrap_err().message.contains("ends as"));
    }

    proptest::proptest! {
        /// Arbitrary bytes give a key or an error, never a panic or a hang.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..800)) {
            let start = std::time::Instant::now();
            let src = SourceFile::new("k", bytes);
            if let Err(e) = crate::parse::cross::checked(|| parse(&src)).0 {
                proptest::prop_assert!(e.span.end as usize <= src.len());
            }
            proptest::prop_assert!(start.elapsed() < std::time::Duration::from_secs(60));
        }

        /// Any text, and any damage to a well-formed block, gives a key or an error, never a
        /// panic; every block the shortcut reads is also read by the grammar, and both must
        /// agree ([`crate::parse::cross::checked`]).
        #[test]
        fn no_input_panics(
            prefix in "[-A-Z =\n\r]{0,12}",
            label in "[A-Z0-9 -]{0,12}",
            body in proptest::collection::vec("[A-Za-z0-9+/=\r*-]{0,70}", 0..4),
            suffix in "[-A-Z =\n\r]{0,12}",
        ) {
            let text = format!(
                "{prefix}-----BEGIN {label}-----\n{}\n-----END {label}-----\n{suffix}",
                body.join("\n")
            );
            let (_, checked) = crate::parse::cross::checked(|| parse(&SourceFile::from_str("k", &text)));
            // A block as cPanel writes it is read by the shortcut.
            let plain = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' ');
            if prefix.is_empty() && suffix.is_empty() && plain(&label) && body.iter().all(|l| !l.contains('\r') && !l.contains('-')) {
                proptest::prop_assert_eq!(checked, 1);
            }
            let _ = crate::parse::cross::checked(|| parse(&SourceFile::from_str("k", &format!("-----BEGIN {label}-----\n{}", body.join("\n")))));
        }
    }
}
