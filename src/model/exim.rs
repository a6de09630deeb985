//! The Exim configuration as it runs: `etc/exim.conf` (with its includes, macros and
//! conditionals, [`crate::parse::exim::Config`]) and, on a cPanel server, the sources cPanel
//! builds it from (`shared/reference/cpanel.md` §6, §9.4):
//!
//! - `etc/exim.conf.localopts` (WHM » Exim Configuration Manager, Basic Editor) and its
//!   `.localopts.shadow`, read after it, over cPanel's built-in defaults;
//! - `etc/exim.conf.local` (the Advanced Editor): its `@CONFIG@` lines override the options
//!   cPanel would write, its other sections are inserted as they are;
//! - the names of `etc/chkserv.d/exim-*` ("Exim on another port").
//!
//! **Which configuration is cPanel's.** The main file starts with cPanel's header line
//! `#!!# cPanel Exim 4 Config` (every file `buildeximconf` writes does). Without a main file,
//! a tree that has `etc/exim.conf.localopts` or `etc/exim.conf.local` is a cPanel server too:
//! its sources are judged alone. Any other configuration is a plain Exim configuration: the
//! rules about cPanel's sources (EXIM002, EXIM004, EXIM008, EXIM010) do not apply to it, and
//! fixes edit the file itself.
//!
//! **Effective values.** For the options cPanel derives from localopts, [`Server::cpanel_option`]
//! says what the sources make cPanel write (and where that comes from: a `.local` line, a
//! localopts line, or the built-in default); rules compare it with the line of the generated
//! file ([`crate::parse::exim::Config::main_option`]), which is what Exim runs until the next
//! rebuild.

use std::collections::BTreeSet;

use crate::model::{Parsed, Server};
use crate::parse::exim::local::LocalOption;
use crate::parse::keyvalue::{KeyValueFile, KvLineKind};
use crate::source::{Loc, Span};

/// The first line of every `etc/exim.conf` cPanel generates.
pub const CPANEL_HEADER: &str = "#!!# cPanel Exim 4 Config";

/// Where cPanel's Exim settings are edited, for messages.
pub const WHM_PAGE: &str = "WHM » Service Configuration » Exim Configuration Manager";
/// The command that rebuilds `etc/exim.conf` from its sources.
pub const BUILDEXIMCONF: &str = "/usr/local/cpanel/scripts/buildeximconf";
/// A fix's follow-up (`Fix::commands`): the rebuild that makes a change of the sources apply.
pub const REBUILD: &str = "then run /usr/local/cpanel/scripts/buildeximconf (cPanel rebuilds etc/exim.conf from its sources and restarts Exim), or save the page in WHM » Service Configuration » Exim Configuration Manager";

/// Every key of `etc/exim.conf.localopts` that cPanel v120 reads as a setting (WHM's Exim
/// Configuration Manager, `Whostmgr/TweakSettings/Mail.pm`, and the built-in defaults of
/// `Cpanel/Exim/Config.pm`). Keys starting with `acl_` or `filter_` switch ACL blocks and system
/// filter options, whatever follows (see [`localopts_key_known`]).
pub const LOCALOPTS_KEYS: &[&str] = &[
    "allowweakciphers",
    "callouts",
    "custom_mailhelo",
    "custom_mailips",
    "dsn_advertise_hosts",
    "exiscanall",
    "globalspamassassin",
    "hosts_avoid_pipelining",
    "mailbox_quota_query_timeout",
    "malware_deferok",
    "max_spam_scan_size",
    "message_linelength_limit",
    "no_forward_outbound_spam",
    "no_forward_outbound_spam_over_int",
    "openssl_options",
    "per_domain_mailips",
    "query_apache_for_nobody_senders",
    "rbl_whitelist",
    "rbl_whitelist_greylist_common_mail_providers",
    "rbl_whitelist_greylist_trusted_netblocks",
    "rbl_whitelist_neighbor_netblocks",
    "rebuild_rdns_cache",
    "require_secure_auth",
    "rewrite_from",
    "senderverify",
    "setsenderheader",
    "smarthost_auth_required",
    "smarthost_autodiscover_spf_include",
    "smarthost_password",
    "smarthost_routelist",
    "smarthost_username",
    "smtputf8_advertise_hosts",
    "spam_deferok",
    "spam_header",
    "spamassassin_plugin_BAYES_POISON_DEFENSE",
    "spamassassin_plugin_CPANEL",
    "spamassassin_plugin_KAM",
    "spamassassin_plugin_P0f",
    "spf_include_hosts",
    "srs",
    "suspended_account_deliveries",
    "systemfilter",
    "tls_require_ciphers",
    "trust_x_php_script",
    "use_rdns_for_helo",
];

/// Whether cPanel reads a localopts key: one of [`LOCALOPTS_KEYS`], an `acl_…` or `filter_…`
/// switch, or a `…_spam_score_over_N` value WHM writes for its spam-score settings.
pub fn localopts_key_known(key: &str) -> bool {
    if LOCALOPTS_KEYS.contains(&key) {
        return true;
    }
    let word = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_graphic());
    if let Some(rest) = key
        .strip_prefix("acl_")
        .or_else(|| key.strip_prefix("filter_"))
    {
        return word(rest);
    }
    spam_score_key(key)
}

/// `…_spam_score_over_N` (N digits): WHM's per-score keys, which cPanel reads as settings.
fn spam_score_key(key: &str) -> bool {
    key.rsplit_once("_spam_score_over_").is_some_and(|(a, n)| {
        !a.is_empty() && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())
    })
}

/// Perl's truth of a localopts value as cPanel stores it: a value of digits is read as a number
/// (`00` is 0), anything else is true unless empty or `0`.
pub fn perl_true(value: &str) -> bool {
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return value.bytes().any(|b| b != b'0');
    }
    !value.is_empty() && value != "0"
}

/// One line of `etc/exim.conf.localopts` (or its `.shadow`) as cPanel reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalOpt {
    /// The key exactly as cPanel reads it: everything before the first `=`, white space kept
    /// (`require_secure_auth =0` has the key `require_secure_auth `).
    pub key: String,
    /// The value, trimmed; `None` when cPanel skips the line (no `=` or an empty value, except
    /// for `acl_…`/`filter_…` keys, which are then 0, and `systemfilter`, then `disabled`).
    pub value: Option<String>,
    /// The whole line (including its newline), the key as written, the value as written.
    pub line: Loc,
    pub key_loc: Loc,
    pub value_loc: Option<Loc>,
    /// Read from `etc/exim.conf.localopts.shadow`.
    pub shadow: bool,
}

/// Reads the lines of a localopts file.
fn localopts_lines(file: &Parsed<KeyValueFile>, shadow: bool, out: &mut Vec<LocalOpt>) {
    let text = file.src.text();
    for line in &file.doc.lines {
        let KvLineKind::Entry(e) = &line.kind else {
            continue;
        };
        // cPanel splits at the first `=` and keeps the key as written, white space included.
        let key_end = e.eq_span.map_or(e.key_span.end, |s| s.start) as usize;
        let key = text[line.span.start as usize..key_end].to_string();
        let trimmed = e.value_str().map(|v| v.trim().to_string());
        let value = match trimmed {
            Some(v) if !v.is_empty() => Some(v),
            _ if key.starts_with("acl_") || key.starts_with("filter_") => Some("0".to_string()),
            _ if key == "systemfilter" => Some("disabled".to_string()),
            _ => None,
        };
        let value_loc = e.value_span().map(|s| {
            let v = &text[s.range()];
            let lead = v.len() - v.trim_start().len();
            let start = s.start as usize + lead;
            file.loc(Span::new(start, start + v.trim().len()))
        });
        out.push(LocalOpt {
            key,
            value,
            line: file.loc(line.span),
            key_loc: file.loc(Span::new(line.span.start as usize, key_end)),
            value_loc,
            shadow,
        });
    }
}

/// Where an effective value of cPanel's comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// cPanel's built-in default (no line sets it).
    Default,
    /// A line of `etc/exim.conf.localopts` (or `.shadow`).
    LocalOpts(LocalOpt),
    /// A `@CONFIG@` line of `etc/exim.conf.local`.
    Local(Loc),
}

impl Origin {
    /// The line to point at, if any.
    pub fn loc(&self) -> Option<&Loc> {
        match self {
            Origin::Default => None,
            Origin::LocalOpts(o) => Some(&o.line),
            Origin::Local(l) => Some(l),
        }
    }
}

/// What cPanel's sources make it write for a main option.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CpanelOption {
    /// The value written; `None` when cPanel writes no line for the option.
    pub value: Option<String>,
    pub origin: Origin,
}

/// cPanel's default `openssl_options` (v120): TLS 1.2 and later only.
pub const DEFAULT_OPENSSL_OPTIONS: &str = "+no_sslv2 +no_sslv3 +no_tlsv1 +no_tlsv1_1";
/// cPanel's default `tls_require_ciphers` (v120, Mozilla's "intermediate" list).
pub const DEFAULT_CIPHERS: &str = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384";
/// cPanel's default listening ports.
pub const DEFAULT_PORTS: &[u16] = &[25, 465, 587];

/// The ports Exim listens on, as cPanel decides them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CpanelPorts {
    pub ports: BTreeSet<u16>,
    /// The `.local` line that replaced the default set, if one did.
    pub replaced_by: Option<(Loc, LocalOption)>,
    /// The `etc/chkserv.d/exim-*` entry that adds ports, with them.
    pub alternate: Option<(String, Vec<u16>)>,
}

impl Server {
    /// Whether the Exim configuration is cPanel's (see the module documentation).
    pub fn exim_is_cpanel(&self) -> bool {
        match &self.exim {
            Some(c) => c
                .files
                .first()
                .is_some_and(|f| f.source.text().starts_with(CPANEL_HEADER)),
            None => self.exim_localopts.is_some() || self.exim_local.is_some(),
        }
    }

    /// Every line of `etc/exim.conf.localopts`, then of `.shadow`, in the order cPanel reads
    /// them (a later line of a key overrides an earlier one).
    pub fn localopts(&self) -> Vec<LocalOpt> {
        let mut out = Vec::new();
        if let Some(f) = &self.exim_localopts {
            localopts_lines(f, false, &mut out);
        }
        if let Some(f) = &self.exim_localopts_shadow {
            localopts_lines(f, true, &mut out);
        }
        out
    }

    /// The line that gives a localopts setting its value (the last one cPanel reads with a
    /// value), if any.
    pub fn localopt(&self, key: &str) -> Option<LocalOpt> {
        self.localopts()
            .into_iter()
            .rev()
            .find(|o| o.key == key && o.value.is_some())
    }

    /// The `@CONFIG@` lines of `etc/exim.conf.local`, read as options.
    pub fn local_options(&self) -> Vec<LocalOption> {
        self.exim_local
            .as_ref()
            .map(|l| l.doc.config_options(&l.src))
            .unwrap_or_default()
    }

    /// The last `@CONFIG@` line of `etc/exim.conf.local` that sets (or removes) an option.
    pub fn local_option(&self, name: &str) -> Option<(Loc, LocalOption)> {
        let local = self.exim_local.as_ref()?;
        local
            .doc
            .config_options(&local.src)
            .into_iter()
            .rev()
            .find(|o| o.name == name)
            .map(|o| (local.loc(o.text), o))
    }

    /// A localopts boolean as cPanel reads it, with the line that sets it.
    pub fn localopts_flag(&self, key: &str, default: bool) -> (bool, Option<LocalOpt>) {
        match self.localopt(key) {
            Some(o) => (perl_true(o.value.as_deref().unwrap_or("")), Some(o)),
            None => (default, None),
        }
    }

    /// What cPanel's sources make it write for `openssl_options` or `tls_require_ciphers` (the
    /// two TLS options it derives from localopts), and where that comes from. `None` for other
    /// options.
    pub fn cpanel_option(&self, name: &str) -> Option<CpanelOption> {
        let (default, key) = match name {
            "openssl_options" => (DEFAULT_OPENSSL_OPTIONS, "openssl_options"),
            "tls_require_ciphers" => (DEFAULT_CIPHERS, "tls_require_ciphers"),
            _ => return None,
        };
        if let Some((loc, o)) = self.local_option(name) {
            return Some(CpanelOption {
                value: (!o.removes).then(|| o.value.clone().unwrap_or_default()),
                origin: Origin::Local(loc),
            });
        }
        if name == "tls_require_ciphers" {
            let (weak, line) = self.localopts_flag("allowweakciphers", false);
            if weak {
                return Some(CpanelOption {
                    value: None,
                    origin: line.map_or(Origin::Default, Origin::LocalOpts),
                });
            }
        }
        Some(match self.localopt(key) {
            Some(o) => CpanelOption {
                value: o.value.clone(),
                origin: Origin::LocalOpts(o),
            },
            None => CpanelOption {
                value: Some(default.to_string()),
                origin: Origin::Default,
            },
        })
    }

    /// The ports cPanel makes Exim listen on: its default set (25, 465, 587) or the set a
    /// `@CONFIG@` `daemon_smtp_ports`/`daemon_smtp_port` line of `etc/exim.conf.local` gives,
    /// plus the ports named by an `etc/chkserv.d/exim-PORTS` entry ("Exim on another port").
    pub fn cpanel_ports(&self) -> CpanelPorts {
        let replaced_by = ["daemon_smtp_ports", "daemon_smtp_port"]
            .iter()
            .filter_map(|n| self.local_option(n))
            .max_by_key(|(l, _)| l.span.start);
        let mut ports: BTreeSet<u16> = match &replaced_by {
            Some((_, o)) => {
                let v: String = o
                    .value
                    .as_deref()
                    .unwrap_or("")
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .collect();
                v.split([',', ':'])
                    .filter_map(|p| p.parse::<u32>().ok())
                    .filter(|&p| p < 65535)
                    .map(|p| p as u16)
                    .collect()
            }
            None => DEFAULT_PORTS.iter().copied().collect(),
        };
        let alternate = self.exim_chkserv.iter().rev().find_map(|name| {
            let trailer = name.strip_prefix("exim-")?.split('-').next()?;
            if trailer.is_empty() || !trailer.bytes().all(|b| b.is_ascii_digit() || b == b',') {
                return None;
            }
            let ps: Vec<u16> = trailer
                .split(',')
                .filter_map(|p| p.parse::<u32>().ok())
                .filter(|&p| p > 0 && p < 65535)
                .map(|p| p as u16)
                .collect();
            Some((format!("etc/chkserv.d/{name}"), ps))
        });
        if let Some((_, ps)) = &alternate {
            // cPanel ignores the alternate port when it is 25 alone.
            if ps.as_slice() != [25] {
                ports.extend(ps.iter().copied());
            }
        }
        CpanelPorts {
            ports,
            replaced_by,
            alternate,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perl_truth_of_localopts_values() {
        for (v, t) in [
            ("1", true),
            ("0", false),
            ("00", false),
            ("", false),
            ("no", true),
            ("0.0", true),
            ("10", true),
        ] {
            assert_eq!(perl_true(v), t, "{v:?}");
        }
    }

    #[test]
    fn known_localopts_keys() {
        for k in [
            "require_secure_auth",
            "acl_spamhaus_rbl",
            "acl_custom_begin_rbl",
            "filter_attachments",
            "acl_deny_spam_score_over_100",
            "filter_fail_spam_score_over_200",
            "spamassassin_plugin_KAM",
        ] {
            assert!(localopts_key_known(k), "{k}");
        }
        for k in [
            "require_secure_auth ",
            " srs",
            "hiderecpfailuremessage",
            "useoldspam",
            "acl_",
            "requre_secure_auth",
            "spamassassin_plugin_XYZ",
        ] {
            assert!(!localopts_key_known(k), "{k:?}");
        }
    }
}
