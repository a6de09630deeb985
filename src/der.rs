//! Just enough DER (ITU-T X.690) to read an RSA public key: the size of its modulus, from a
//! `SubjectPublicKeyInfo` (what `-----BEGIN PUBLIC KEY-----` holds and what a DKIM record's `p=`
//! carries) or a PKCS#1 `RSAPublicKey` (`-----BEGIN RSA PUBLIC KEY-----`).
//!
//! ```text
//! SubjectPublicKeyInfo ::= SEQUENCE { algorithm SEQUENCE { OID, params }, subjectPublicKey BIT STRING }
//! RSAPublicKey         ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
//! ```
//!
//! Every length is checked against the remaining input; nothing is trusted, nothing panics.

/// `rsaEncryption`, 1.2.840.113549.1.1.1.
const RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
/// `id-Ed25519`, 1.3.101.112.
const ED25519: &[u8] = &[0x2b, 0x65, 0x70];

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const OID: u8 = 0x06;

/// What a public key is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PublicKey {
    /// An RSA key and the size of its modulus in bits.
    Rsa {
        bits: usize,
    },
    Ed25519,
    /// Another algorithm (its OID bytes).
    Other(Vec<u8>),
}

/// Why bytes are not a public key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DerError(pub &'static str);

/// One TLV: tag, contents, and the rest after it.
fn tlv(input: &[u8]) -> Result<(u8, &[u8], &[u8]), DerError> {
    let (&tag, rest) = input
        .split_first()
        .ok_or(DerError("unexpected end of data"))?;
    if tag & 0x1f == 0x1f {
        return Err(DerError("multi-byte tags are not used in public keys"));
    }
    let (&first, rest) = rest.split_first().ok_or(DerError("missing length"))?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 {
            return Err(DerError("unsupported length encoding"));
        }
        if rest.len() < n {
            return Err(DerError("truncated length"));
        }
        let mut len = 0usize;
        for &b in &rest[..n] {
            len = (len << 8) | b as usize;
        }
        if len < 0x80 || rest[0] == 0 {
            return Err(DerError("length not in its shortest form (not DER)"));
        }
        (len, &rest[n..])
    };
    if rest.len() < len {
        return Err(DerError("content shorter than its length"));
    }
    Ok((tag, &rest[..len], &rest[len..]))
}

fn expect<'a>(
    input: &'a [u8],
    want: u8,
    what: &'static str,
) -> Result<(&'a [u8], &'a [u8]), DerError> {
    let (tag, content, rest) = tlv(input)?;
    if tag != want {
        return Err(DerError(what));
    }
    Ok((content, rest))
}

/// Bits of a non-negative INTEGER's value (leading zero bytes ignored).
fn integer_bits(content: &[u8]) -> usize {
    let trimmed: &[u8] = {
        let mut c = content;
        while let [0, rest @ ..] = c {
            c = rest;
        }
        c
    };
    match trimmed.first() {
        None => 0,
        Some(&b) => (trimmed.len() - 1) * 8 + (8 - b.leading_zeros() as usize),
    }
}

/// Reads a PKCS#1 `RSAPublicKey`.
pub fn rsa_public_key(der: &[u8]) -> Result<PublicKey, DerError> {
    let (seq, rest) = expect(der, SEQUENCE, "an RSA public key starts with a SEQUENCE")?;
    if !rest.is_empty() {
        return Err(DerError("data after the key"));
    }
    let (modulus, seq) = expect(seq, INTEGER, "the modulus must be an INTEGER")?;
    let (_exponent, seq) = expect(seq, INTEGER, "the exponent must be an INTEGER")?;
    if !seq.is_empty() {
        return Err(DerError("extra fields in the RSA public key"));
    }
    Ok(PublicKey::Rsa {
        bits: integer_bits(modulus),
    })
}

/// Reads a `SubjectPublicKeyInfo`.
pub fn subject_public_key_info(der: &[u8]) -> Result<PublicKey, DerError> {
    let (spki, rest) = expect(der, SEQUENCE, "a public key starts with a SEQUENCE")?;
    if !rest.is_empty() {
        return Err(DerError("data after the key"));
    }
    let (alg, spki) = expect(
        spki,
        SEQUENCE,
        "the algorithm identifier must be a SEQUENCE",
    )?;
    let (oid, _params) = expect(alg, OID, "the algorithm must be an OBJECT IDENTIFIER")?;
    let (bits, spki) = expect(spki, BIT_STRING, "the key must be a BIT STRING")?;
    if !spki.is_empty() {
        return Err(DerError("extra fields in the public key info"));
    }
    let (&unused, key) = bits.split_first().ok_or(DerError("empty BIT STRING"))?;
    if unused != 0 {
        return Err(DerError("the key's BIT STRING has unused bits"));
    }
    match oid {
        RSA_ENCRYPTION => rsa_public_key(key),
        ED25519 => Ok(PublicKey::Ed25519),
        other => Ok(PublicKey::Other(other.to_vec())),
    }
}

/// Reads either form: a DKIM `p=` is a `SubjectPublicKeyInfo`, but some tools publish the bare
/// PKCS#1 key.
pub fn public_key(der: &[u8]) -> Result<PublicKey, DerError> {
    subject_public_key_info(der).or_else(|e| rsa_public_key(der).map_err(|_| e))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds DER for tests.
    fn enc(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let n = content.len();
        if n < 0x80 {
            out.push(n as u8);
        } else if n < 0x100 {
            out.extend([0x81, n as u8]);
        } else {
            out.extend([0x82, (n >> 8) as u8, n as u8]);
        }
        out.extend_from_slice(content);
        out
    }

    fn rsa_spki(modulus_bits: usize) -> Vec<u8> {
        let mut modulus = vec![0u8]; // sign byte: the top bit of the modulus is set
        modulus.push(0x80);
        modulus.extend(std::iter::repeat_n(0xab, modulus_bits / 8 - 1));
        let pkcs1 = enc(
            SEQUENCE,
            &[enc(INTEGER, &modulus), enc(INTEGER, &[1, 0, 1])].concat(),
        );
        let alg = enc(
            SEQUENCE,
            &[enc(OID, RSA_ENCRYPTION), vec![0x05, 0x00]].concat(),
        );
        let bits = enc(BIT_STRING, &[vec![0u8], pkcs1].concat());
        enc(SEQUENCE, &[alg, bits].concat())
    }

    #[test]
    fn rsa_key_sizes() {
        for bits in [512, 768, 1024, 2048, 4096] {
            assert_eq!(
                public_key(&rsa_spki(bits)),
                Ok(PublicKey::Rsa { bits }),
                "{bits}"
            );
        }
    }

    #[test]
    fn pkcs1_keys_are_read_too() {
        let spki = rsa_spki(1024);
        // The PKCS#1 key is the BIT STRING's content after its unused-bits byte.
        let (seq, _) = expect(&spki, SEQUENCE, "").unwrap();
        let (_, rest) = expect(seq, SEQUENCE, "").unwrap();
        let (bits, _) = expect(rest, BIT_STRING, "").unwrap();
        assert_eq!(public_key(&bits[1..]), Ok(PublicKey::Rsa { bits: 1024 }));
    }

    #[test]
    fn ed25519_and_other_algorithms() {
        let alg = enc(SEQUENCE, &enc(OID, ED25519));
        let key = enc(BIT_STRING, &[vec![0u8], vec![7u8; 32]].concat());
        assert_eq!(
            public_key(&enc(SEQUENCE, &[alg, key].concat())),
            Ok(PublicKey::Ed25519)
        );
    }

    #[test]
    fn malformed_input_is_an_error_not_a_panic() {
        let good = rsa_spki(2048);
        for cut in 0..good.len() {
            assert!(public_key(&good[..cut]).is_err(), "truncated at {cut}");
        }
        assert!(public_key(b"").is_err());
        assert!(public_key(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]).is_err());
        assert!(
            public_key(&[0x30, 0x81, 0x05, 1, 2, 3, 4, 5]).is_err(),
            "non-minimal length"
        );
        let mut trailing = good.clone();
        trailing.push(0);
        assert!(public_key(&trailing).is_err());
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for len in 0..400 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    (x >> 24) as u8
                })
                .collect();
            let _ = public_key(&bytes);
        }
    }
}
