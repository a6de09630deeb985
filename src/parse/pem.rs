//! PEM files (RFC 7468): the DKIM public keys cPanel keeps in
//! `var/cpanel/domain_keys/public/DOMAIN` (`-----BEGIN PUBLIC KEY-----`, a base64
//! `SubjectPublicKeyInfo`). Grammar: `grammar/pem.pest`.

use pest::Parser;

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
}
