//! EXIM009: the TLS Exim offers allows broken protocols (SSLv3, TLS 1.0, TLS 1.1) or weak
//! ciphers.

use crate::finding::{Edit, Finding, Fix};
use crate::model::Server;
use crate::model::exim::{
    BUILDEXIMCONF, DEFAULT_CIPHERS, DEFAULT_OPENSSL_OPTIONS, LocalOpt, Origin, REBUILD, WHM_PAGE,
};
use crate::parse::exim::Config;

use super::FAMILY;

rule!(
    EXIM009,
    "weak-tls",
    Warning,
    None,
    Unsafe,
    [EXIM],
    "allowweakciphers=1, SSLv3/TLS 1.0 enabled by openssl_options, or weak tls_require_ciphers."
);

/// The old protocols an `openssl_options` value leaves on (SSLv3, TLS 1.0, TLS 1.1).
pub fn weak_protocols(value: &str) -> Vec<&'static str> {
    let has = |opt: &str| {
        // The last mention decides (`+no_tlsv1 -no_tlsv1`).
        value
            .split_whitespace()
            .rev()
            .find_map(|w| {
                let (sign, name) = w.split_at(w.len().min(1));
                (name == opt).then_some(sign == "+")
            })
            .unwrap_or(false)
    };
    let mut out = Vec::new();
    if !has("no_sslv3") {
        out.push("SSLv3");
    }
    if !has("no_tlsv1") {
        out.push("TLS 1.0");
    }
    if !has("no_tlsv1_1") {
        out.push("TLS 1.1");
    }
    out
}

/// Weak cipher classes, in the order they are reported.
const CLASSES: &[&str] = &[
    "RC4",
    "EXPORT",
    "NULL",
    "anonymous",
    "DES",
    "3DES",
    "LOW",
    "MEDIUM",
    "MD5",
    "RC2",
    "IDEA",
    "SEED",
];

/// The weak classes an OpenSSL cipher-string word names.
fn openssl_classes(word: &str) -> Vec<&'static str> {
    let mut out = Vec::new();
    for part in word.split('+') {
        let c: &[&str] = match part {
            // Every class but the NULL ciphers, which ALL leaves out.
            "ALL" => {
                out.extend(CLASSES.iter().filter(|c| **c != "NULL"));
                continue;
            }
            "COMPLEMENTOFALL" | "COMPLEMENTOFDEFAULT" => &["NULL", "anonymous"],
            "RC4" => &["RC4"],
            "EXP" | "EXPORT" | "EXPORT40" | "EXPORT56" => &["EXPORT"],
            "NULL" | "eNULL" => &["NULL"],
            "aNULL" | "ADH" | "AECDH" => &["anonymous"],
            "DES" => &["DES"],
            "3DES" => &["3DES"],
            "LOW" => &["LOW", "DES"],
            "MEDIUM" => &["MEDIUM", "RC4", "3DES", "IDEA", "SEED"],
            "MD5" => &["MD5"],
            "RC2" => &["RC2"],
            "IDEA" => &["IDEA"],
            "SEED" => &["SEED"],
            suite if suite.contains('-') => {
                let mut v = Vec::new();
                if suite.contains("RC4") {
                    v.push("RC4");
                }
                if suite.starts_with("EXP") {
                    v.push("EXPORT");
                }
                if suite.contains("NULL") {
                    v.push("NULL");
                }
                if suite.starts_with("ADH") || suite.starts_with("AECDH") || suite.contains("anon")
                {
                    v.push("anonymous");
                }
                if suite.contains("DES-CBC3") || suite.contains("3DES") {
                    v.push("3DES");
                } else if suite.contains("DES-CBC") {
                    v.push("DES");
                }
                if suite.ends_with("-MD5") {
                    v.push("MD5");
                }
                for x in ["RC2", "IDEA", "SEED"] {
                    if suite.contains(x) {
                        v.push(x);
                    }
                }
                out.extend(v);
                continue;
            }
            _ => &[],
        };
        out.extend_from_slice(c);
    }
    out
}

/// Whether a value is a GnuTLS priority string rather than an OpenSSL cipher list.
fn is_gnutls(value: &str) -> bool {
    let first = value.split([':', ' ']).next().unwrap_or("");
    matches!(
        first,
        "NORMAL"
            | "NONE"
            | "SECURE"
            | "SECURE128"
            | "SECURE192"
            | "SECURE256"
            | "PERFORMANCE"
            | "LEGACY"
            | "PFS"
            | "SUITEB128"
            | "SUITEB192"
            | "SYSTEM"
    ) || value.contains("VERS-")
}

/// The weak ciphers and protocols a `tls_require_ciphers` value enables.
pub fn weak_ciphers(value: &str) -> Vec<&'static str> {
    if is_gnutls(value) {
        let mut out = Vec::new();
        for w in value.split(':') {
            let Some(name) = w.trim().strip_prefix('+') else {
                continue;
            };
            let class = match name {
                n if n.starts_with("ARCFOUR") => "RC4",
                "3DES-CBC" => "3DES",
                "NULL" => "NULL",
                n if n.starts_with("ANON-") => "anonymous",
                "MD5" => "MD5",
                "VERS-SSL3.0" => "SSLv3",
                "VERS-TLS1.0" => "TLS 1.0",
                "VERS-TLS1.1" => "TLS 1.1",
                n if n.contains("EXPORT") => "EXPORT",
                _ => continue,
            };
            if !out.contains(&class) {
                out.push(class);
            }
        }
        return out;
    }
    let mut on: Vec<&'static str> = Vec::new();
    let mut banned: Vec<&'static str> = Vec::new();
    for word in value
        .split([':', ',', ' '])
        .map(str::trim)
        .filter(|w| !w.is_empty())
    {
        match word.as_bytes()[0] {
            b'!' => {
                for c in openssl_classes(&word[1..]) {
                    on.retain(|x| *x != c);
                    banned.push(c);
                }
            }
            b'-' => {
                for c in openssl_classes(&word[1..]) {
                    on.retain(|x| *x != c);
                }
            }
            // `+X` moves ciphers already on to the end.
            b'+' => {}
            _ => {
                for c in openssl_classes(word) {
                    if !banned.contains(&c) && !on.contains(&c) {
                        on.push(c);
                    }
                }
            }
        }
    }
    CLASSES.iter().copied().filter(|c| on.contains(c)).collect()
}

/// `a`, `a and b`, `a, b and c`.
fn and_list(v: &[&str]) -> String {
    match v {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// What is weak in a value of one of the two options (`None`: the option is not set).
fn weakness(option: &str, value: Option<&str>, cpanel: bool) -> Vec<&'static str> {
    match (option, value) {
        // A value computed at run time is not judged.
        (_, Some(v)) if v.contains('$') => Vec::new(),
        ("openssl_options", Some(v)) => weak_protocols(v),
        ("tls_require_ciphers", Some(v)) => weak_ciphers(v),
        // cPanel leaves it out only to allow every cipher (allowweakciphers=1).
        ("tls_require_ciphers", None) if cpanel => vec!["every cipher the TLS library has"],
        _ => Vec::new(),
    }
}

fn describe(option: &str, weak: &[&str]) -> String {
    match option {
        "openssl_options" => format!("`openssl_options` leaves {} enabled", and_list(weak)),
        _ if weak == ["every cipher the TLS library has"] => {
            "no `tls_require_ciphers`: Exim accepts every cipher the TLS library has, weak ones included"
                .to_string()
        }
        _ if weak.iter().any(|w| w.starts_with("TLS") || *w == "SSLv3") => format!(
            "`tls_require_ciphers` allows weak ciphers or protocols ({})",
            weak.join(", ")
        ),
        _ => format!("`tls_require_ciphers` allows weak ciphers ({})", weak.join(", ")),
    }
}

const WHY: &str = "SSLv3, TLS 1.0 and TLS 1.1 are deprecated (RFC 8996) and RC4, export, NULL, anonymous, DES/3DES and MD5 ciphers are broken: a client or a man in the middle that picks them can read or alter the session, and the server fails PCI and security scans";

pub(super) fn check(s: &Server, out: &mut Vec<Finding>) {
    let cpanel = s.exim_is_cpanel();
    for option in ["openssl_options", "tls_require_ciphers"] {
        let generated = s.exim.as_ref().map(|c| (c, c.main_option(option)));
        let gen_weak = match &generated {
            Some((_, o)) => weakness(option, o.and_then(|o| o.value.as_deref()), cpanel),
            None => Vec::new(),
        };
        if !cpanel {
            if let Some((c, Some(o))) = &generated
                && !gen_weak.is_empty()
            {
                out.push(plain(s, c, option, o, &gen_weak));
            }
            continue;
        }
        let src = s.cpanel_option(option).expect("a TLS option");
        let src_weak = weakness(option, src.value.as_deref(), true);
        if !src_weak.is_empty() {
            out.push(source_finding(
                s, option, &src, &src_weak, &gen_weak, generated,
            ));
        } else if !gen_weak.is_empty()
            && let Some((c, o)) = generated
        {
            let at = match o {
                Some(o) => s.exim_loc(o.loc),
                None => crate::finding::Loc::file_start(s.exim_path(0)),
            };
            let _ = c;
            out.push(
                Finding::new(&EXIM009, describe(option, &gen_weak))
                    .at(at)
                    .label("weak TLS (generated)")
                    .note(WHY)
                    .note("cPanel's sources (etc/exim.conf.localopts, etc/exim.conf.local) do not make this line: it is a hand edit of etc/exim.conf, or the file was not rebuilt; the next rebuild replaces it")
                    .help(format!("run {BUILDEXIMCONF}; keep local settings in {WHM_PAGE}")),
            );
        }
    }
}

/// A weak value that cPanel's sources make: the finding points at the line that gives it.
fn source_finding(
    s: &Server,
    option: &str,
    src: &crate::model::exim::CpanelOption,
    weak: &[&str],
    gen_weak: &[&str],
    generated: Option<(&Config, Option<&crate::parse::exim::OptionSetting>)>,
) -> Finding {
    let mut f = Finding::new(&EXIM009, describe(option, weak)).note(WHY);
    let strong = if option == "openssl_options" {
        DEFAULT_OPENSSL_OPTIONS
    } else {
        DEFAULT_CIPHERS
    };
    let rebuild = "then rebuild etc/exim.conf";
    let set_localopts = |o: &LocalOpt, key: &str, value: &str| -> Edit {
        if o.key == key
            && let Some(v) = &o.value_loc
        {
            Edit::replace(v.file.clone(), v.span, value)
        } else {
            Edit::insert(
                o.line.file.clone(),
                o.key_loc.span.end as usize,
                format!("={value}"),
            )
        }
    };
    let fix = match &src.origin {
        Origin::Local(loc) => {
            f = f.at(loc.clone()).label("set in etc/exim.conf.local");
            let local = s.exim_local.as_ref().expect("a .local line");
            let line = s
                .local_option(option)
                .map(|(_, o)| o.line)
                .expect("the .local line");
            let mut fix = Fix::unsafe_(format!(
                "remove the `{option}` line from etc/exim.conf.local so that cPanel writes the value of WHM's Exim Configuration Manager, {rebuild}"
            ))
            .edit(Edit::delete(local.path(), line))
            .command(REBUILD);
            // Without the line, localopts decides: make sure it is strong too.
            let without = match option {
                "openssl_options" => s.localopt("openssl_options").and_then(|o| o.value),
                _ => s.localopt("tls_require_ciphers").and_then(|o| o.value),
            };
            if let Some(v) = without
                && !weakness(option, Some(&v), true).is_empty()
                && let Some(o) = s.localopt(option)
            {
                fix = fix.edit(set_localopts(&o, option, strong));
            }
            Some(fix)
        }
        Origin::LocalOpts(o) => {
            f = f.at(o.line.clone()).label("set in etc/exim.conf.localopts");
            let (key, value, what) = if o.key == "allowweakciphers" {
                ("allowweakciphers", "0", "turn off allowweakciphers (\"Allow weak SSL/TLS ciphers\" in WHM's Exim Configuration Manager)".to_string())
            } else {
                (
                    option,
                    strong,
                    format!(
                        "set {option} (WHM's Exim Configuration Manager) to cPanel's default `{strong}`"
                    ),
                )
            };
            Some(
                Fix::unsafe_(format!("{what} in etc/exim.conf.localopts, {rebuild}"))
                    .edit(set_localopts(o, key, value))
                    .command(REBUILD),
            )
        }
        Origin::Default => None,
    };
    if let Some((_, Some(g))) = generated {
        f = f.related(s.exim_loc(g.loc), "what Exim runs (generated)");
    }
    if gen_weak.is_empty() && generated.is_some() {
        f = f.note("etc/exim.conf does not show it yet: cPanel's next rebuild writes it");
    }
    f.note("old clients that know nothing newer (TLS 1.2 is from 2008) stop connecting with TLS")
        .maybe_fix(fix)
}

/// A weak option of a plain configuration: the fix edits the configuration itself.
fn plain(
    s: &Server,
    c: &Config,
    option: &str,
    o: &crate::parse::exim::OptionSetting,
    weak: &[&str],
) -> Finding {
    let _ = c;
    let path = s.exim_path(o.loc.file).to_string();
    let fix = match option {
        "openssl_options" => o.value_loc.map(|v| {
            Fix::unsafe_(format!(
                "allow TLS 1.2 and later only: `openssl_options = {DEFAULT_OPENSSL_OPTIONS}`"
            ))
            .edit(Edit::replace(path.clone(), v.span, DEFAULT_OPENSSL_OPTIONS))
        }),
        _ => {
            let src = c.source(o.loc);
            let first = src.line_index(o.loc.span.start as usize);
            let last = src.line_index(
                (o.loc.span.end as usize)
                    .saturating_sub(1)
                    .max(o.loc.span.start as usize),
            );
            let span = crate::source::Span::new(
                src.line_span_with_newline(first).start as usize,
                src.line_span_with_newline(last).end as usize,
            );
            Some(
                Fix::unsafe_("remove the `tls_require_ciphers` line: Exim's default (the TLS library's default list) has none of these ciphers")
                    .edit(Edit::delete(path.clone(), span)),
            )
        }
    };
    Finding::new(&EXIM009, describe(option, weak))
        .at(s.exim_loc(o.loc))
        .label("weak TLS")
        .note(WHY)
        .maybe_fix(fix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocols_left_on_by_openssl_options() {
        assert_eq!(
            weak_protocols(" +no_sslv2 +no_sslv3"),
            ["TLS 1.0", "TLS 1.1"]
        );
        assert!(weak_protocols(DEFAULT_OPENSSL_OPTIONS).is_empty());
        assert_eq!(
            weak_protocols("+no_sslv3 +no_tlsv1 +no_tlsv1_1 -no_tlsv1"),
            ["TLS 1.0"],
            "the last mention decides"
        );
        assert_eq!(weak_protocols(""), ["SSLv3", "TLS 1.0", "TLS 1.1"]);
    }

    #[test]
    fn cipher_lists_read_as_openssl_and_gnutls_read_them() {
        // The real server's .local value.
        assert_eq!(
            weak_ciphers("ALL:!aNULL:!ADH:!eNULL:!LOW:!EXP:RC4+RSA:+HIGH:+MEDIUM:!SSLv2"),
            ["RC4", "3DES", "MEDIUM", "MD5", "RC2", "IDEA", "SEED"]
        );
        assert!(weak_ciphers(DEFAULT_CIPHERS).is_empty());
        // `!` removes for good, `-` until added again, `+` only reorders.
        assert!(weak_ciphers("HIGH:!RC4:RC4-SHA").is_empty());
        assert_eq!(weak_ciphers("HIGH:-RC4:RC4-SHA"), ["RC4"]);
        assert!(weak_ciphers("HIGH:+MEDIUM").is_empty());
        assert_eq!(weak_ciphers("DES-CBC3-SHA"), ["3DES"]);
        assert_eq!(weak_ciphers("EXP-RC4-MD5"), ["RC4", "EXPORT", "MD5"]);
        // GnuTLS priority strings.
        assert!(weak_ciphers("NORMAL:-VERS-TLS1.0:-VERS-TLS1.1").is_empty());
        assert_eq!(
            weak_ciphers("NORMAL:+ARCFOUR-128:+VERS-TLS1.0"),
            ["RC4", "TLS 1.0"]
        );
        // Computed at run time: not judged.
        assert!(weakness("tls_require_ciphers", Some("${if …}RC4"), false).is_empty());
        // cPanel without the line: every cipher.
        assert_eq!(weakness("tls_require_ciphers", None, true).len(), 1);
        assert!(weakness("tls_require_ciphers", None, false).is_empty());
    }
}
