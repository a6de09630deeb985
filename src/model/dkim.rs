//! DKIM as the server holds it and the zone publishes it: the key Exim signs each domain's
//! mail with (`var/cpanel/domain_keys/public/DOMAIN`) and the TXT records at cPanel's selector
//! `default._domainkey.DOMAIN`, read and judged once for the DKIM rules and DMARC004.
//!
//! A record is malformed (a [`Problem`]) when verifiers cannot read it: tag syntax and base64,
//! a `p=` that is not a public key of the `k=` type, an unknown `k=`, an `h=` without `sha256`
//! (Exim signs with rsa-sha256), an `s=` without `email` or `*`, and a split record that lost
//! its quoting. Keys are compared as DER bytes (the same key can be written as different base64
//! text: split in strings, folded with spaces, or as a bare PKCS#1 key).

use crate::der::{self, PublicKey};
use crate::model::dns::ZoneRecord;
use crate::model::{self, Parsed, Server};
use crate::parse::dkim::{self as dkimp, KeyType};
use crate::parse::txt::TxtText;
use crate::parse::zone::{RData, RType, Txt, Zone};
use crate::source::Loc;
use crate::source::Span;

/// cPanel's selector (`$Cpanel::DKIM::DKIM_SELECTOR`; Exim's `dkim_selector = default`).
pub const SELECTOR: &str = "default._domainkey";

pub const KEYS_DIR: &str = "var/cpanel/domain_keys/public";

/// The key Exim signs a domain's mail with, as it must be published.
#[derive(Clone, Debug)]
pub struct LocalKey<'a> {
    pub file: &'a model::DkimKey,
    /// `rsa` or `ed25519`.
    pub k: &'static str,
    /// The bytes of `p=`: the SubjectPublicKeyInfo of an RSA key, the raw Ed25519 key.
    pub p: Vec<u8>,
    /// The RSA modulus size.
    pub bits: Option<usize>,
}

impl LocalKey<'_> {
    /// The record cPanel writes for this key (`v=DKIM1; k=rsa; p=…;`).
    pub fn record_value(&self) -> String {
        format!("v=DKIM1; k={}; p={};", self.k, base64_encode(&self.p))
    }

    pub fn describe(&self) -> String {
        match self.bits {
            Some(b) => format!("{b}-bit RSA key"),
            None => "Ed25519 key".to_string(),
        }
    }
}

/// What the server holds for a domain.
#[derive(Clone, Debug)]
pub enum Local<'a> {
    /// No public key file: Exim does not sign the domain's mail.
    None,
    Usable(LocalKey<'a>),
    /// A PEM file whose key maillint cannot read (not RSA or Ed25519, or bad DER), and why.
    Unreadable(&'a model::DkimKey, String),
}

/// Whether a DKIM key record holds `local`, compared as DER bytes (also for a record read from
/// public DNS with `--resolve`).
pub fn key_matches(key: &dkimp::DkimKey, local: &LocalKey<'_>) -> bool {
    let Some(p) = key.public_key.as_deref().filter(|p| !p.is_empty()) else {
        return false;
    };
    match key.key_type() {
        KeyType::Rsa => local.k == "rsa" && normalize_rsa(p) == local.p,
        KeyType::Ed25519 => local.k == "ed25519" && p == local.p.as_slice(),
        KeyType::Other(_) => false,
    }
}

/// Why a key record is malformed, located in the zone file.
#[derive(Clone, Debug)]
pub struct Problem {
    pub span: Span,
    pub message: String,
    pub label: String,
    pub help: Option<String>,
}

/// A TXT record at the selector.
#[derive(Clone, Debug)]
pub struct KeyRecord<'a> {
    pub at: ZoneRecord<'a>,
    pub txt: &'a Txt,
    pub text: &'a TxtText,
    pub key: &'a dkimp::DkimKey,
    /// Why verifiers cannot read it (DKIM004), in file order; empty when it is well-formed.
    pub problems: Vec<Problem>,
}

impl KeyRecord<'_> {
    pub fn is_malformed(&self) -> bool {
        !self.problems.is_empty()
    }

    /// Whether its key is `local`, compared as DER bytes.
    pub fn matches(&self, local: &LocalKey<'_>) -> bool {
        key_matches(self.key, local)
    }

    /// The record's owner (or type), for findings about the record as a whole.
    pub fn owner_loc(&self) -> Loc {
        let r = self.at.record;
        self.at.zone.loc(r.owner.span.unwrap_or(r.rtype_span))
    }

    /// The `p=` tag (`p=` alone when empty), else the whole record.
    pub fn p_loc(&self) -> Loc {
        match self.key.list.get("p") {
            Some(t) if !t.value.is_empty() => self.at.zone.loc(self.text.file_span_of(t.value)),
            Some(t) => self.at.zone.loc(self.text.file_span_of(t.span())),
            None => self.at.loc(),
        }
    }
}

/// Whether the server's mail for a domain passes DKIM, as far as the tree tells.
#[derive(Clone, Debug)]
pub enum Verdict {
    Pass,
    /// Why not, and where that shows.
    Fail(String, Option<Loc>),
    Unknown,
}

/// Everything the DKIM rules (and DMARC004) need about one domain.
#[derive(Clone, Debug)]
pub struct DkimState<'a> {
    pub domain: String,
    /// `default._domainkey.<domain>`.
    pub name: String,
    pub local: Local<'a>,
    /// The local zone that holds the selector name; `None` when its DNS is elsewhere.
    pub zone: Option<&'a Parsed<Zone>>,
    pub records: Vec<KeyRecord<'a>>,
}

impl DkimState<'_> {
    /// Whether this server's mail for the domain passes DKIM.
    pub fn verdict(&self) -> Verdict {
        let d = &self.domain;
        let local = match &self.local {
            Local::None => {
                return Verdict::Fail(
                    format!(
                        "this server holds no DKIM key for {d} (nothing in {KEYS_DIR}/), so Exim \
                         does not sign its mail"
                    ),
                    None,
                );
            }
            Local::Unreadable(..) => return Verdict::Unknown,
            Local::Usable(l) => l,
        };
        if self.zone.is_none() {
            return Verdict::Unknown;
        }
        let key_loc = key_file_loc(local.file);
        match self.records.as_slice() {
            [] => Verdict::Fail(
                format!("the zone publishes no DKIM record at {}", self.name),
                Some(key_loc),
            ),
            [r] if r.is_malformed() => Verdict::Fail(
                format!("the DKIM record at {} is malformed", self.name),
                Some(r.at.loc()),
            ),
            [r] if r.key.is_revoked() => Verdict::Fail(
                format!("the DKIM record at {} revokes the key", self.name),
                Some(r.at.loc()),
            ),
            [r] if !r.matches(local) => Verdict::Fail(
                format!(
                    "the DKIM record at {} does not hold the key Exim signs with",
                    self.name
                ),
                Some(r.at.loc()),
            ),
            [_] => match local.bits {
                Some(bits) if bits < 1024 => Verdict::Fail(
                    format!(
                        "the key Exim signs with has {bits} bits, and verifiers must not accept \
                         keys under 1024 bits (RFC 8301)"
                    ),
                    Some(key_loc),
                ),
                _ => Verdict::Pass,
            },
            many => Verdict::Fail(
                format!(
                    "there are {} DKIM records at {}, and verifiers may pick any",
                    many.len(),
                    self.name
                ),
                Some(many[0].at.loc()),
            ),
        }
    }
}

impl Server {
    /// What the server holds and the zone publishes for `domain`'s DKIM key: the local key
    /// and the records at the selector.
    pub fn dkim(&self, domain: &str) -> DkimState<'_> {
        analyse(self, domain)
    }
}

/// Reads the local key and the records at the selector of `domain`.
fn analyse<'a>(s: &'a Server, domain: &str) -> DkimState<'a> {
    let name = format!("{SELECTOR}.{domain}");
    let local = match s.dkim_keys.get(domain) {
        None => Local::None,
        Some(k) => local_key(k),
    };
    let zone = s.zone_of(&name);
    let records = if zone.is_some() {
        s.records_of(&name, RType::Txt)
            .into_iter()
            .filter_map(|at| match &at.record.data {
                RData::Txt(txt) => {
                    let reading = s.txt.get(at.record)?;
                    Some(key_record(at, txt, &reading.text, reading.dkim.as_ref()?))
                }
                _ => None,
            })
            .collect()
    } else {
        Vec::new()
    };
    DkimState {
        domain: domain.to_string(),
        name,
        local,
        zone,
        records,
    }
}

fn local_key(k: &model::DkimKey) -> Local<'_> {
    match &k.key {
        Ok(PublicKey::Rsa { bits }) => Local::Usable(LocalKey {
            file: k,
            k: "rsa",
            p: normalize_rsa(&k.pem.der),
            bits: Some(*bits),
        }),
        Ok(PublicKey::Ed25519) => match ed25519_raw(&k.pem.der) {
            Some(raw) => Local::Usable(LocalKey {
                file: k,
                k: "ed25519",
                p: raw.to_vec(),
                bits: None,
            }),
            None => Local::Unreadable(k, "an Ed25519 key of unexpected size".into()),
        },
        Ok(PublicKey::Other(_)) => Local::Unreadable(k, "neither an RSA nor an Ed25519 key".into()),
        Err(e) => Local::Unreadable(k, e.0.to_string()),
    }
}

fn key_record<'a>(
    at: ZoneRecord<'a>,
    txt: &'a Txt,
    text: &'a TxtText,
    key: &'a dkimp::DkimKey,
) -> KeyRecord<'a> {
    let mut problems = Vec::new();
    if let Some(tail) = txt.unquoted_tail() {
        problems.push(Problem {
            span: tail,
            message: "its value lost its quoting half-way: the rest of the key is written as \
                      an unquoted word"
                .into(),
            label: "the key goes on outside the quotes".into(),
            help: Some(
                "write the value as quoted strings of at most 255 bytes, `\"v=DKIM1\\; k=rsa\\; \
                 p=MIIB…\" \"…IDAQAB\\;\"`, as cPanel does"
                    .into(),
            ),
        });
    }
    let errors = key.errors();
    for e in &errors {
        problems.push(Problem {
            span: text.file_span_of(e.span),
            message: e.message.clone(),
            label: "here".into(),
            help: e.help.clone(),
        });
    }
    if errors.is_empty() {
        value_problems(key, text, &mut problems);
    }
    problems.sort_by_key(|p| p.span.start);
    KeyRecord {
        at,
        txt,
        text,
        key,
        problems,
    }
}

/// Tag values that parse but make verifiers reject the key.
fn value_problems(key: &dkimp::DkimKey, text: &TxtText, out: &mut Vec<Problem>) {
    let at = |span: Span| text.file_span_of(span);
    if let Some((KeyType::Other(v), span)) = &key.k {
        out.push(Problem {
            span: at(*span),
            message: format!("unknown key type `k={v}`: verifiers ignore the key"),
            label: "not `rsa` or `ed25519`".into(),
            help: Some("cPanel's keys are RSA: `k=rsa`".into()),
        });
    }
    if let (Some(p), Some(p_span)) = (key.public_key.as_deref(), key.public_key_span)
        && !p.is_empty()
    {
        match key.key_type() {
            KeyType::Rsa => match der::public_key(p) {
                Ok(PublicKey::Rsa { .. }) => {}
                Ok(other) => out.push(Problem {
                    span: at(p_span),
                    message: format!(
                        "`p=` holds {} key, but the record says `k=rsa`",
                        match other {
                            PublicKey::Ed25519 => "an Ed25519",
                            _ => "a non-RSA",
                        }
                    ),
                    label: "not an RSA key".into(),
                    help: None,
                }),
                Err(e) => out.push(Problem {
                    span: at(p_span),
                    message: format!("`p=` is base64, but not a public key: {}", e.0),
                    label: "not a public key".into(),
                    help: Some(
                        "copy the key again from the server (cPanel: Email Deliverability)".into(),
                    ),
                }),
            },
            KeyType::Ed25519 if p.len() != 32 => out.push(Problem {
                span: at(p_span),
                message: format!("an Ed25519 key is 32 bytes (RFC 8463), found {}", p.len()),
                label: "not an Ed25519 key".into(),
                help: None,
            }),
            _ => {}
        }
    }
    if let (Some(h), Some(tag)) = (&key.h, key.list.get("h"))
        && !h.is_empty()
        && !h.iter().any(|(a, _)| a.eq_ignore_ascii_case("sha256"))
    {
        out.push(Problem {
            span: at(tag.span()),
            message: "`h=` does not allow sha256: verifiers reject the rsa-sha256 signatures \
                      Exim makes (RFC 8301 forbids sha1)"
                .into(),
            label: "no `sha256`".into(),
            help: Some("remove `h=`, or write `h=sha256`".into()),
        });
    }
    if let (Some(st), Some(tag)) = (&key.s, key.list.get("s"))
        && !st.is_empty()
        && !st.iter().any(|(v, _)| v == "email" || v == "*")
    {
        out.push(Problem {
            span: at(tag.span()),
            message: "`s=` does not include `email` or `*`: the key may not verify mail".into(),
            label: "not for email".into(),
            help: Some("remove `s=`, or write `s=email`".into()),
        });
    }
}

/// The BEGIN line of a key file.
pub fn key_file_loc(k: &model::DkimKey) -> Loc {
    let src = &k.file;
    let line = src.line_index(k.pem.label_span.start as usize);
    Loc::new(src.path(), src.line_span(line))
}

pub fn local_key_path(l: &LocalKey<'_>) -> String {
    l.file.file.path().to_string()
}

/// An RSA key as a SubjectPublicKeyInfo (a bare PKCS#1 key is wrapped), so that two ways of
/// writing the same key compare equal.
fn normalize_rsa(der_bytes: &[u8]) -> Vec<u8> {
    if der::subject_public_key_info(der_bytes).is_err() && der::rsa_public_key(der_bytes).is_ok() {
        wrap_pkcs1(der_bytes)
    } else {
        der_bytes.to_vec()
    }
}

/// `SEQUENCE { SEQUENCE { rsaEncryption, NULL }, BIT STRING { 0, pkcs1 } }`.
fn wrap_pkcs1(pkcs1: &[u8]) -> Vec<u8> {
    const ALG: &[u8] = &[
        0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
    ];
    let mut bits = vec![0u8];
    bits.extend_from_slice(pkcs1);
    let mut body = ALG.to_vec();
    body.extend(tlv(0x03, &bits));
    tlv(0x30, &body)
}

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let len = n.to_be_bytes();
        let skip = len.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (len.len() - skip) as u8);
        out.extend_from_slice(&len[skip..]);
    }
    out.extend_from_slice(content);
    out
}

/// The raw key of an Ed25519 SubjectPublicKeyInfo (`30 2a 30 05 06 03 2b 65 70 03 21 00` and 32
/// bytes), which is what an Ed25519 `p=` holds (RFC 8463).
fn ed25519_raw(spki: &[u8]) -> Option<&[u8]> {
    const PREFIX: &[u8] = &[
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
    ];
    spki.strip_prefix(PREFIX).filter(|k| k.len() == 32)
}

/// Standard base64 with padding (RFC 4648 §4).
fn base64_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | (u32::from(b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips_through_the_crate_decoder() {
        for len in 0..40 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            let enc = base64_encode(&bytes);
            assert_eq!(enc.len() % 4, 0);
            assert_eq!(crate::base64::decode(enc.as_bytes()).unwrap(), bytes);
        }
        assert_eq!(base64_encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64_encode(b"fo"), "Zm8=");
    }

    #[test]
    fn a_pkcs1_key_compares_equal_to_its_spki() {
        // PKCS#1: SEQUENCE { INTEGER n (a 1024-bit modulus), INTEGER 65537 }.
        let mut modulus = vec![0u8, 0xc5];
        modulus.extend((0..127).map(|i| (i * 7 + 3) as u8));
        let pkcs1 = tlv(0x30, &[tlv(0x02, &modulus), tlv(0x02, &[1, 0, 1])].concat());
        let spki = wrap_pkcs1(&pkcs1);
        assert_eq!(
            der::subject_public_key_info(&spki),
            Ok(PublicKey::Rsa { bits: 1024 })
        );
        assert_eq!(normalize_rsa(&pkcs1), spki);
        assert_eq!(normalize_rsa(&spki), spki);
    }
}
