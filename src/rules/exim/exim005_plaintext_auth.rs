//! EXIM005: authentication is offered to clients that have not started TLS, so passwords cross
//! the network in clear text.

use crate::finding::{Edit, Finding, Fix};
use crate::model::Server;
use crate::model::exim::{BUILDEXIMCONF, REBUILD, WHM_PAGE};
use crate::parse::exim::{Config, Driver, ListKind};

use super::FAMILY;
use super::exim003_open_relay::{Cond, list_cond};

rule!(
    EXIM005,
    "plaintext-auth",
    Warning,
    None,
    Unsafe,
    [EXIM],
    "Authentication is advertised without TLS (require_secure_auth=0, or no TLS condition)."
);

/// The condition the fix adds to a plain configuration's authenticator.
pub const TLS_CONDITION: &str = "${if def:tls_in_cipher}";

/// Whether an expansion mentions TLS (so that it may restrict AUTH to encrypted sessions).
fn mentions_tls(v: &str) -> bool {
    v.contains("tls_in_cipher")
        || v.contains("tls_cipher")
        || v.contains("tls_in_ver")
        || v.contains("tls_in_protocol")
        || v.contains("encrypted")
}

/// The mechanism an authenticator offers, if it sends the password as it is (PLAIN, LOGIN).
fn plaintext_mechanism(d: &Driver) -> Option<String> {
    if !d.options.iter().any(|o| o.name.starts_with("server_")) {
        return None;
    }
    let mech = d
        .option("public_name")
        .and_then(|o| o.value.clone())
        .unwrap_or_else(|| d.name.clone())
        .trim()
        .to_ascii_uppercase();
    let driver = d.driver.as_deref().unwrap_or("").trim();
    let plain = matches!(mech.as_str(), "PLAIN" | "LOGIN") || driver == "plaintext";
    let other = matches!(
        driver,
        "cram_md5" | "spa" | "external" | "tls" | "heimdal_gssapi"
    );
    (plain && !other).then_some(mech)
}

/// The authenticators of a configuration that Exim offers to a client without TLS, with their
/// mechanism. Nothing when `auth_advertise_hosts` restricts AUTH to TLS or to specific hosts,
/// or says something maillint cannot judge.
pub fn offered_without_tls(c: &Config) -> Vec<(&Driver, String)> {
    if let Some(o) = c.main_option("auth_advertise_hosts") {
        let v = o.value.as_deref().unwrap_or("");
        if mentions_tls(v) {
            return Vec::new();
        }
        let Some(loc) = o.value_loc else {
            return Vec::new();
        };
        if list_cond(c, ListKind::Host, v, loc, None, 0).0 != Cond::Always {
            return Vec::new();
        }
    }
    c.authenticators()
        .iter()
        .filter_map(|d| {
            let mech = plaintext_mechanism(d)?;
            match d
                .option("server_advertise_condition")
                .and_then(|o| o.value.as_deref())
            {
                None => Some((d, mech)),
                Some(v) => {
                    let l = v.trim().to_ascii_lowercase();
                    // A constant true condition offers it to everyone; anything else that does
                    // not mention TLS is not judged.
                    matches!(l.as_str(), "yes" | "true" | "1").then_some((d, mech))
                }
            }
        })
        .collect()
}

/// The names cPanel gives the authenticators it writes.
const CPANEL_AUTHENTICATORS: &[&str] = &[
    "dovecot_plain",
    "dovecot_login",
    "fixed_plain",
    "fixed_login",
    "secure_plain",
    "secure_login",
];

pub(super) fn check(s: &Server, out: &mut Vec<Finding>) {
    let offered: Vec<(&Driver, String)> =
        s.exim.as_ref().map(offered_without_tls).unwrap_or_default();
    if !s.exim_is_cpanel() {
        if let Some(c) = &s.exim {
            for (d, mech) in &offered {
                out.push(plain_finding(s, c, d, mech));
            }
        }
        return;
    }
    let (secure, line) = s.localopts_flag("require_secure_auth", true);
    let local_auth: Vec<(String, crate::source::Span)> = s
        .exim_local
        .as_ref()
        .map(|l| l.doc.driver_names(&l.src, "AUTH"))
        .unwrap_or_default();
    // cPanel's own authenticators follow require_secure_auth.
    if !secure && let Some(line) = &line {
        let mechs: Vec<&str> = offered
            .iter()
            .filter(|(d, _)| CPANEL_AUTHENTICATORS.contains(&d.name.as_str()))
            .map(|(_, m)| m.as_str())
            .collect();
        let what = if mechs.is_empty() {
            "AUTH PLAIN and LOGIN".to_string()
        } else {
            format!("AUTH {}", mechs.join(" and "))
        };
        let mut f = Finding::new(
            &EXIM005,
            format!("`{}={}` in etc/exim.conf.localopts: Exim offers {what} to clients that have not started TLS", line.key, line.value.as_deref().unwrap_or("")),
        )
        .at(line.line.clone())
        .label("passwords may be sent without encryption")
        .note("with require_secure_auth off, cPanel writes its authenticators without `server_advertise_condition`, so Exim offers AUTH on ports 25 and 587 before STARTTLS: mail clients that do not insist on TLS send the mailbox password in clear text, readable by anyone on the path")
        .fix(
            Fix::unsafe_(format!(
                "set require_secure_auth=1 in etc/exim.conf.localopts ({WHM_PAGE}: \"Require clients to connect with SSL or issue the STARTTLS command before they are allowed to authenticate\"), then rebuild etc/exim.conf; clients that log in without TLS must switch to STARTTLS or port 465"
            ))
            .edit(match &line.value_loc {
                Some(v) => Edit::replace(v.file.clone(), v.span, "1"),
                None => Edit::insert(line.line.file.clone(), line.key_loc.span.end as usize, "=1"),
            })
            .command(REBUILD),
        );
        let mut generated = 0;
        for (d, m) in offered
            .iter()
            .filter(|(d, _)| CPANEL_AUTHENTICATORS.contains(&d.name.as_str()))
        {
            generated += 1;
            f = f.related(
                s.exim_loc(d.name_loc),
                format!("AUTH {m} without a TLS condition (generated)"),
            );
        }
        if generated == 0 {
            f = f.note("etc/exim.conf does not show it yet: cPanel's next rebuild writes it");
        }
        out.push(f);
    }
    let Some(c) = &s.exim else {
        return;
    };
    for (d, mech) in &offered {
        if let Some((_, span)) = local_auth.iter().find(|(n, _)| *n == d.name) {
            // Defined in etc/exim.conf.local: the fix goes there, unless it is already there
            // (then etc/exim.conf has not been rebuilt since).
            let local = s.exim_local.as_ref().expect("driver names come from it");
            let has_condition = local
                .doc
                .driver_body(&local.src, "AUTH", &d.name)
                .iter()
                .any(|l| {
                    l.trim_start().starts_with("server_advertise_condition") && mentions_tls(l)
                });
            if has_condition {
                out.push(
                    Finding::new(
                        &EXIM005,
                        format!("authenticator `{}` offers AUTH {mech} to clients that have not started TLS: etc/exim.conf.local has its TLS condition, but etc/exim.conf has not been rebuilt", d.name),
                    )
                    .at(s.exim_loc(d.name_loc))
                    .label("no TLS condition (generated)")
                    .note("without `server_advertise_condition`, Exim offers this mechanism before STARTTLS, and clients that do not insist on TLS send the password in clear text")
                    .help(format!("rebuild etc/exim.conf: {BUILDEXIMCONF}")),
                );
                continue;
            }
            let src = &local.src;
            let line = src.line_index(span.start as usize);
            let at = src.line_span_with_newline(line).end as usize;
            out.push(
                Finding::new(
                    &EXIM005,
                    format!("authenticator `{}` of etc/exim.conf.local offers AUTH {mech} to clients that have not started TLS", d.name),
                )
                .at(local.loc(*span))
                .label("no TLS condition")
                .related(s.exim_loc(d.name_loc), "what Exim runs (generated)")
                .note("without `server_advertise_condition`, Exim offers this mechanism before STARTTLS, and clients that do not insist on TLS send the password in clear text")
                .fix(
                    Fix::unsafe_(format!("offer it only after STARTTLS: add `server_advertise_condition = {TLS_CONDITION}` to it in etc/exim.conf.local (WHM's Exim Configuration Manager, Advanced Editor), then rebuild etc/exim.conf"))
                        .edit(Edit::insert(local.path(), at, format!("  server_advertise_condition = {TLS_CONDITION}\n")))
                        .command(REBUILD),
                ),
            );
        } else if !CPANEL_AUTHENTICATORS.contains(&d.name.as_str()) || secure {
            // Not what cPanel's sources make: a hand edit, or a file not rebuilt.
            let mut f = plain_finding(s, c, d, mech);
            f.fix = None;
            out.push(
                f.note("etc/exim.conf is generated by cPanel, and its sources do not make this authenticator: it is a hand edit (or the file was not rebuilt), which the next rebuild replaces")
                    .help(format!("run {BUILDEXIMCONF}; keep local authenticators in the @AUTH@ section of etc/exim.conf.local, with a TLS condition")),
            );
        }
    }
}

/// The finding for an authenticator of the configuration file itself (a plain configuration),
/// with the fix that adds a TLS condition to it.
fn plain_finding(s: &Server, c: &Config, d: &Driver, mech: &str) -> Finding {
    let src = c.source(d.name_loc);
    let line = src.line_index(d.name_loc.span.start as usize);
    let at = src.line_span_with_newline(line).end as usize;
    let indent = d
        .options
        .first()
        .map(|o| {
            let l = c.source(o.loc).line_index(o.loc.span.start as usize);
            let t = c.source(o.loc).line_text(l);
            t[..t.len() - t.trim_start().len()].to_string()
        })
        .filter(|i| !i.is_empty())
        .unwrap_or_else(|| "  ".to_string());
    let path = s.exim_path(d.name_loc.file).to_string();
    Finding::new(
        &EXIM005,
        format!("authenticator `{}` offers AUTH {mech} to clients that have not started TLS", d.name),
    )
    .at(s.exim_loc(d.name_loc))
    .label("no TLS condition")
    .note("without `server_advertise_condition` (and with `auth_advertise_hosts` at its default `*`), Exim offers this mechanism before STARTTLS: clients that do not insist on TLS send the password in clear text, readable by anyone on the path")
    .fix(
        Fix::unsafe_(format!(
            "offer AUTH {mech} only after STARTTLS: give the authenticator `server_advertise_condition = {TLS_CONDITION}`; clients that log in without TLS must switch to STARTTLS or port 465"
        ))
        .edit(match d.option("server_advertise_condition").and_then(|o| o.value_loc) {
            // A condition that is always true is replaced (an option may be set once).
            Some(v) => Edit::replace(s.exim_path(v.file), v.span, TLS_CONDITION),
            None => Edit::insert(path, at, format!("{indent}server_advertise_condition = {TLS_CONDITION}\n")),
        }),
    )
}
