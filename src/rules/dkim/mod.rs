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
use crate::finding::Finding;
use crate::model::Server;
use crate::model::dkim::DkimState;
use crate::rules::{Rule, Selection};

/// The family of these rules in `maillint rules` (used by `rule!`).
const FAMILY: &str = "dkim";

mod dkim001_missing_dkim_record;
mod dkim002_dkim_key_mismatch;
mod dkim003_dkim_weak_key;
mod dkim004_dkim_record_malformed;
mod dkim005_dkim_key_revoked;
mod online;

pub use dkim001_missing_dkim_record::DKIM001;
pub use dkim002_dkim_key_mismatch::DKIM002;
pub use dkim003_dkim_weak_key::DKIM003;
pub use dkim004_dkim_record_malformed::DKIM004;
pub use dkim005_dkim_key_revoked::DKIM005;

pub static RULES: &[&Rule] = &[&DKIM001, &DKIM002, &DKIM003, &DKIM004, &DKIM005];

const RELOAD: &str = "then reload the zone: rndc reload (cPanel: /scripts/restartsrv_named)";

/// A mail domain's DKIM state, with its owner for findings.
struct Dom<'a> {
    st: DkimState<'a>,
    user: Option<String>,
    today: Utc,
}

impl Dom<'_> {
    fn finding(&self, rule: &'static Rule, message: String) -> Finding {
        Finding::new(rule, message)
            .domain(self.st.domain.clone())
            .maybe_user(self.user.clone())
    }
}

pub fn check(s: &Server, sel: &Selection, out: &mut Vec<Finding>) {
    let today = s.options.today;
    for d in s.mail_domains() {
        let dom = Dom {
            st: s.dkim(&d),
            user: s.domains.get(&d).map(|i| i.user.clone()),
            today,
        };
        if sel.on(&DKIM003) {
            dkim003_dkim_weak_key::check(&dom, out);
        }
        if s.public.is_some() && (sel.on(&DKIM001) || sel.on(&DKIM002)) {
            online::check(s, &dom, sel, out);
        }
        if dom.st.zone.is_none() {
            continue;
        }
        if sel.on(&DKIM001) {
            dkim001_missing_dkim_record::check(&dom, out);
        }
        if sel.on(&DKIM002) {
            dkim002_dkim_key_mismatch::check(&dom, out);
        }
        if sel.on(&DKIM004) {
            dkim004_dkim_record_malformed::check(&dom, out);
        }
        if sel.on(&DKIM005) {
            dkim005_dkim_key_revoked::check(&dom, out);
        }
    }
}
