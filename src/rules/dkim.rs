//! DKIM — the key record of each mail domain (RFC 6376 §3.6) at cPanel's selector,
//! `default._domainkey.<domain>`, against the key Exim signs the domain's mail with.
//!
//! cPanel keeps a domain's key pair in `var/cpanel/domain_keys/{private,public}/<domain>`, and
//! its Exim configuration signs with `dkim_selector = default` whenever the private key exists
//! (cpanel.md §4, §9). maillint reads only the public half: when it is there, Exim signs. The
//! record must then hold that key, compared as DER bytes (the same key can be written as
//! different base64 text: split in strings, folded with spaces, or as a bare PKCS#1 key).
//!
//! The rules judge mail domains whose selector name is in a local zone; DKIM003 also judges the
//! local key of any mail domain, since it needs no DNS. Each problem is reported once:
//! - a record that verifiers cannot read (DKIM004) is not also reported as a mismatch (DKIM002);
//!   the DKIM004 finding says when its key is not the server's either;
//! - several records at the selector are one DKIM004 finding, whose fix keeps the one holding
//!   the server's key; their contents are not judged one by one;
//! - an empty `p=` is DKIM005 (info) when this server does not sign the domain's mail, and
//!   DKIM002 when it does (every signature then fails, which is a mismatch, not advice);
//! - key size (DKIM003) is judged on the key Exim signs with, or, when the server holds no key,
//!   on the key in DNS.
//!
//! Decisions where the catalog is silent:
//! - A local public key file that is PEM but not an RSA or Ed25519 public key is *unreadable*:
//!   no DKIM rule compares with it or publishes it, and DMARC004 cannot tell whether mail passes.
//! - Besides tag syntax and base64, DKIM004 covers a `p=` that is not a public key of the `k=`
//!   type, an unknown `k=`, an `h=` without `sha256` (Exim signs with rsa-sha256) and an `s=`
//!   without `email` or `*`: each makes verifiers reject every signature.
//! - Fixes write the record as cPanel does: `v=DKIM1; k=rsa; p=<key>;`, `;` escaped as `\;`,
//!   split into 255-byte strings, TTL 14400, the owner relative when the zone writes relative
//!   owners; each fix bumps the SOA serial once.
//! - A split record that lost its quoting, on a domain whose key is not on this server, is fixed
//!   by quoting its value again (the same value, so the same key).

use crate::clock::Utc;
use crate::der::{self, PublicKey};
use crate::finding::{Edit, Finding, Fix, Loc, Severity};
use crate::fix::build;
use crate::model::dns::ZoneRecord;
use crate::model::{self, Parsed, Server};
use crate::parse::dkim::{self as dkimp, KeyType};
use crate::parse::txt::TxtText;
use crate::parse::zone::{RData, RType, Txt, Zone};
use crate::rules::RuleInfo;
use crate::source::Span;

/// The family of these rules in `maillint rules` (used by `rule!`).
const FAMILY: &str = "dkim";

pub const RULES: &[RuleInfo] = &[
    rule!(
        "DKIM001",
        "missing-dkim-record",
        Warning,
        None,
        Safe,
        "Exim signs a domain's mail with a key that its zone does not publish."
    ),
    rule!(
        "DKIM002",
        "dkim-key-mismatch",
        Error,
        None,
        Unsafe,
        "The DKIM record holds another key than the one Exim signs with: every signature fails."
    ),
    rule!(
        "DKIM003",
        "dkim-weak-key",
        Warning,
        Some("error below 1024 bits"),
        DisplayOnly,
        "A DKIM key shorter than 2048 bits (RFC 8301)."
    ),
    rule!(
        "DKIM004",
        "dkim-record-malformed",
        Error,
        None,
        Unsafe,
        "A DKIM record verifiers cannot read, or several records at the selector."
    ),
    rule!(
        "DKIM005",
        "dkim-key-revoked",
        Info,
        None,
        None,
        "A DKIM record with an empty p=: the key is revoked."
    ),
];

/// cPanel's selector (`$Cpanel::DKIM::DKIM_SELECTOR`; Exim's `dkim_selector = default`).
pub const SELECTOR: &str = "default._domainkey";

const RELOAD: &str = "then reload the zone: rndc reload (cPanel: /scripts/restartsrv_named)";
const KEYS_DIR: &str = "var/cpanel/domain_keys/public";

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
    pub text: TxtText,
    pub key: dkimp::DkimKey,
    /// Why verifiers cannot read it (DKIM004), in file order; empty when it is well-formed.
    pub problems: Vec<Problem>,
}

impl KeyRecord<'_> {
    pub fn is_malformed(&self) -> bool {
        !self.problems.is_empty()
    }

    /// Whether its key is `local`, compared as DER bytes.
    pub fn matches(&self, local: &LocalKey<'_>) -> bool {
        let Some(p) = self.key.public_key.as_deref().filter(|p| !p.is_empty()) else {
            return false;
        };
        match self.key.key_type() {
            KeyType::Rsa => local.k == "rsa" && normalize_rsa(p) == local.p,
            KeyType::Ed25519 => local.k == "ed25519" && p == local.p.as_slice(),
            KeyType::Other(_) => false,
        }
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

/// Reads the local key and the records at the selector of `domain`.
pub fn analyse<'a>(s: &'a Server, domain: &str) -> DkimState<'a> {
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
                RData::Txt(txt) => Some(key_record(at, txt)),
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

fn key_record<'a>(at: ZoneRecord<'a>, txt: &'a Txt) -> KeyRecord<'a> {
    let text = TxtText::from_txt(txt, &at.zone.src);
    let key = dkimp::parse(text.text());
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
        value_problems(&key, &text, &mut problems);
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

pub fn check(s: &Server, out: &mut Vec<Finding>) {
    let today = Utc::now();
    for d in s.mail_domains() {
        let st = analyse(s, &d);
        let user = s.domains.get(&d).map(|i| i.user.clone());
        let finding = |code, sev, msg: String| {
            Finding::new(code, sev, msg)
                .domain(d.clone())
                .maybe_user(user.clone())
        };
        weak_key(&st, &finding, out);
        let Some(zone) = st.zone else {
            continue;
        };
        match st.records.as_slice() {
            [] => missing(&st, zone, today, &finding, out),
            [r] => single(&st, r, today, &finding, out),
            _ => several(&st, zone, today, &finding, out),
        }
    }
}

type MakeFinding<'f> = &'f dyn Fn(&'static str, Severity, String) -> Finding;

/// DKIM001: the server signs, the zone publishes nothing.
fn missing(
    st: &DkimState<'_>,
    zone: &Parsed<Zone>,
    today: Utc,
    finding: MakeFinding<'_>,
    out: &mut Vec<Finding>,
) {
    let Local::Usable(local) = &st.local else {
        return;
    };
    let d = &st.domain;
    let edits = build::zone_add_record(
        zone,
        &st.name,
        "TXT",
        &build::txt_rdata(&local.record_value()),
        today,
    );
    out.push(
        finding(
            "DKIM001",
            Severity::Warning,
            format!(
                "Exim signs {d}'s mail with the key in {}, but the zone publishes no DKIM record at {}",
                local.file.file.path(),
                st.name
            ),
        )
        .at(key_file_loc(local.file))
        .label(format!("the {} Exim signs with", local.describe()))
        .related(
            Loc::file_start(zone.path()),
            format!("the zone of {d}: no TXT record at {SELECTOR}"),
        )
        .note(
            "receivers look the key up at the selector named in each signature; with no record \
             there, every signature fails (RFC 6376 §6.1.2), so DMARC can rely on SPF alone",
        )
        .fix(
            Fix::safe(format!(
                "publish the server's key: add the {SELECTOR} TXT record as cPanel writes it"
            ))
            .edits(edits)
            .command(RELOAD),
        ),
    );
}

/// One record at the selector: DKIM004, DKIM002 or DKIM005.
fn single(
    st: &DkimState<'_>,
    r: &KeyRecord<'_>,
    today: Utc,
    finding: MakeFinding<'_>,
    out: &mut Vec<Finding>,
) {
    let d = &st.domain;
    let zone = r.at.zone;
    let local = match &st.local {
        Local::Usable(l) => Some(l),
        _ => None,
    };
    if let Some((first, rest)) = r.problems.split_first() {
        let mut f = finding(
            "DKIM004",
            Severity::Error,
            format!("the DKIM record of {d} is malformed: {}", first.message),
        )
        .at(zone.loc(first.span))
        .label(first.label.clone());
        for p in rest {
            f = f.related(zone.loc(p.span), p.message.clone());
        }
        let only_split = r.txt.malformed() && r.problems.len() == 1;
        if !only_split {
            f = f.note(match local {
                Some(_) => format!(
                    "verifiers that cannot read the record treat every signature Exim adds to \
                     {d}'s mail as failed (RFC 6376 §3.6.1)"
                ),
                None => "verifiers that cannot read the record fail every signature made with \
                         this selector (RFC 6376 §3.6.1)"
                    .to_string(),
            });
        }
        if r.txt.malformed() {
            f = f.note(
                "BIND joins the unquoted word to the quoted string, so the key may still verify \
                 today; but a bare word ends at the first space or `;`, and tools that read or \
                 rewrite the zone (the Zone Editor, DNS cluster synchronisation, migrations) \
                 need not read it the same way",
            );
        }
        if let Some(l) = local
            && r.key.public_key.as_deref().is_some_and(|p| !p.is_empty())
            && !r.matches(l)
        {
            f = f.note(format!(
                "its key is not the one Exim signs with either ({})",
                local_key_path(l)
            ));
        }
        if let Some(help) = &first.help {
            f = f.help(help.clone());
        }
        let fix = match local {
            Some(l) => Some(
                Fix::unsafe_(format!(
                    "rewrite the record from the server's key ({}), as cPanel writes it",
                    local_key_path(l)
                ))
                .edits(build::zone_replace_rdata(
                    zone,
                    r.at.record,
                    &build::txt_rdata(&l.record_value()),
                    today,
                )),
            ),
            // Only the quoting is wrong: quote the same value again.
            None if only_split && std::str::from_utf8(&r.text.bytes).is_ok() => Some(
                Fix::unsafe_("quote the record's value again, in 255-byte strings").edits(
                    build::zone_replace_rdata(
                        zone,
                        r.at.record,
                        &build::txt_rdata(r.text.text()),
                        today,
                    ),
                ),
            ),
            None => None,
        };
        if let Some(fix) = fix {
            f = f.fix(fix.command(RELOAD));
        }
        out.push(f);
        return;
    }
    match local {
        Some(l) if r.key.is_revoked() || !r.matches(l) => {
            let message = if r.key.is_revoked() {
                format!(
                    "the DKIM record of {d} revokes its key (empty `p=`), but Exim signs {d}'s \
                     mail with the key in {}: every signature fails",
                    local_key_path(l)
                )
            } else {
                format!(
                    "the DKIM record of {d} holds another key than the one Exim signs with: \
                     every signature fails"
                )
            };
            let dns_key = match r.key.rsa_key_bits() {
                Some(bits) => format!("a {bits}-bit RSA key"),
                None if r.key.is_revoked() => "no key".to_string(),
                None => "another key".to_string(),
            };
            out.push(
                finding("DKIM002", Severity::Error, message)
                    .at(r.p_loc())
                    .label(format!("{dns_key}, not the server's"))
                    .related(
                        key_file_loc(l.file),
                        format!("the {} Exim signs with", l.describe()),
                    )
                    .note(
                        "receivers verify each signature with the key published at the \
                         selector; with another key there, DKIM fails for all of the domain's \
                         mail sent from this server (the keys are compared as DER, not as text)",
                    )
                    .fix(
                        Fix::unsafe_(format!(
                            "publish the server's key: replace the record's data with {}",
                            local_key_path(l)
                        ))
                        .edits(build::zone_replace_rdata(
                            zone,
                            r.at.record,
                            &build::txt_rdata(&l.record_value()),
                            today,
                        ))
                        .command(RELOAD),
                    ),
            );
        }
        Some(_) => {}
        None if r.key.is_revoked() => {
            let mut f = finding(
                "DKIM005",
                Severity::Info,
                format!("the DKIM record of {d} revokes its key (empty `p=`)"),
            )
            .at(r.p_loc())
            .label("revoked")
            .note(
                "RFC 6376 §3.6.1: an empty `p=` means the key was revoked; verifiers fail every \
                 signature made with this selector",
            );
            f = f.note(match &st.local {
                Local::Unreadable(k, _) => format!(
                    "the key file {} cannot be read, so whether Exim signs with this selector is unknown",
                    k.file.path()
                ),
                _ => format!(
                    "this server holds no key for {d} (nothing in {KEYS_DIR}/), so mail sent \
                     from here is not signed and not affected"
                ),
            });
            out.push(f.help(
                "remove the record once no sender uses the selector; to sign here, generate a \
                 key in cPanel » Email Deliverability and publish it",
            ));
        }
        None => {}
    }
}

/// DKIM004: several records at the selector.
fn several(
    st: &DkimState<'_>,
    zone: &Parsed<Zone>,
    today: Utc,
    finding: MakeFinding<'_>,
    out: &mut Vec<Finding>,
) {
    let d = &st.domain;
    let local = match &st.local {
        Local::Usable(l) => Some(l),
        _ => None,
    };
    let describe = |r: &KeyRecord<'_>| -> &'static str {
        match local {
            Some(l) if r.matches(l) => "holds the key Exim signs with",
            _ if r.is_malformed() => "malformed",
            _ if r.key.is_revoked() => "revoked key",
            Some(_) => "holds another key",
            None => "another key record",
        }
    };
    let n = st.records.len();
    let first = &st.records[0];
    let mut f = finding(
        "DKIM004",
        Severity::Error,
        format!(
            "{n} TXT records at {}: verifiers cannot tell which key is {d}'s",
            st.name
        ),
    )
    .at(first.owner_loc())
    .label(format!("first of {n} key records ({})", describe(first)));
    for r in &st.records[1..] {
        f = f.related(
            r.owner_loc(),
            format!("another key record ({})", describe(r)),
        );
    }
    f = f.note(
        "RFC 6376 §3.6.2.2: the key records at a selector must be unique; with several, the \
         result is undefined, and many verifiers fail the signature",
    );
    if let Some(l) = local {
        let keep = st.records.iter().position(|r| r.matches(l));
        let mut edits = Vec::new();
        for (i, r) in st.records.iter().enumerate() {
            match keep {
                Some(k) if k == i => {}
                None if i == 0 => edits.push(Edit::replace(
                    zone.path(),
                    r.at.record.rdata_span,
                    build::txt_rdata(&l.record_value()),
                )),
                _ => edits.extend(record_removal(zone, r)),
            }
        }
        edits.extend(build::serial_bump(zone, today));
        let message = match keep {
            Some(_) => "keep the record that holds the server's key and remove the others",
            None => "keep one record, rewritten from the server's key, and remove the others",
        };
        f = f.fix(Fix::unsafe_(message).edits(edits).command(RELOAD));
    } else {
        f = f.help(format!(
            "keep the record of the key your sender uses and remove the others; this server \
             holds no key for {d}"
        ));
    }
    out.push(f);
}

/// The edit that removes a record with all its lines.
fn record_removal(zone: &Parsed<Zone>, r: &KeyRecord<'_>) -> Option<Edit> {
    let rec = r.at.record;
    build::zone_item_span(zone, rec.owner.span.unwrap_or(rec.rtype_span))
        .map(|item| Edit::delete(zone.path(), item))
}

/// DKIM003: the key Exim signs with, or else the key in DNS, is under 2048 bits.
fn weak_key(st: &DkimState<'_>, finding: MakeFinding<'_>, out: &mut Vec<Finding>) {
    let d = &st.domain;
    let (bits, loc, local) = match &st.local {
        Local::Usable(l) => match l.bits {
            Some(bits) => (bits, key_file_loc(l.file), true),
            None => return,
        },
        Local::Unreadable(..) => return,
        Local::None => {
            if st.zone.is_none() {
                return;
            }
            let [r] = st.records.as_slice() else {
                return;
            };
            match r.key.rsa_key_bits() {
                Some(bits) => (bits, r.p_loc(), false),
                None => return,
            }
        }
    };
    if bits >= 2048 {
        return;
    }
    let (severity, why) = if bits < 1024 {
        (
            Severity::Error,
            "RFC 8301 §3.1: verifiers must not accept signatures made with RSA keys under 1024 \
             bits, so they count this domain's signatures as failed",
        )
    } else {
        (
            Severity::Warning,
            "RFC 8301 §3.1: signers must use RSA keys of at least 1024 bits and should use at \
             least 2048",
        )
    };
    out.push(
        finding(
            "DKIM003",
            severity,
            if local {
                format!("Exim signs {d}'s mail with a DKIM key of only {bits} bits")
            } else {
                format!("the DKIM key published for {d} has only {bits} bits")
            },
        )
        .at(loc)
        .label(format!("a {bits}-bit RSA key"))
        .note(why)
        .fix(Fix::display_only(format!(
            "generate a 2048-bit key for {d} in cPanel » Email Deliverability (Manage), then \
             publish its record in the zone"
        ))),
    );
}

/// The BEGIN line of a key file.
fn key_file_loc(k: &model::DkimKey) -> Loc {
    let src = &k.file;
    let line = src.line_index(k.pem.label_span.start as usize);
    Loc::new(src.path(), src.line_span(line))
}

fn local_key_path(l: &LocalKey<'_>) -> String {
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
