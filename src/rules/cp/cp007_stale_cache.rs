//! CP007: a cPanel cache that cPanel would use (it is newer than its source) but whose data
//! disagrees with the source: cPanel serves stale data (`shared/reference/cpanel.md` §9.3).
//!
//! - `var/cpanel/users.cache/USER` is used when its modification time is at least the cpuser
//!   file's and not in the future, and it is a JSON object whose `__CACHE_DATA_VERSION` is 0.82
//!   (cPanel v120). It holds the cpuser file as cPanel's reader parses it: every `KEY=value`
//!   line (split at the first `=`, white space before it dropped), cPanel's defaults for the
//!   keys the file lacks, `DOMAIN` (the `DNS` line, lower case), `DOMAINS` and `DEADDOMAINS`
//!   (the `DNSn` and `XDNSn` lines), `USER`.
//! - `var/cpanel/userdata/USER/NAME.cache` is used when its time is at least the YAML file's and
//!   not in the future; it holds the YAML file's data.
//!
//! Keys whose cached value cPanel recomputes on every load (`MTIME`, `DBOWNER`), or whose
//! default maillint cannot know (`RS`, `SSL_DEFAULT_KEY_TYPE` when the file lacks them), are not
//! compared.

use std::collections::{BTreeMap, BTreeSet};

use crate::finding::{Finding, Fix, Loc};
use crate::model::{Account, Server};

use super::FAMILY;

rule!(
    CP007,
    "stale-cache",
    Warning,
    None,
    Safe,
    [CACHES],
    "A cPanel cache newer than its source but disagreeing with it: cPanel serves stale data."
);

/// The cache version cPanel v120 writes and accepts.
const CACHE_VERSION: f64 = 0.82;

/// cPanel's defaults for keys a cpuser file may lack (`Cpanel::Config::CpUser::Defaults`),
/// those whose value does not depend on the server.
const DEFAULTS: &[(&str, &str)] = &[
    ("BWLIMIT", "unlimited"),
    ("CHILD_WORKLOADS", ""),
    ("DEMO", "0"),
    ("DOMAIN", ""),
    ("FEATURELIST", "default"),
    ("HASCGI", "0"),
    ("HASDKIM", "0"),
    ("HASSPF", "0"),
    ("IP", "127.0.0.1"),
    ("MAILBOX_FORMAT", "maildir"),
    ("MAX_EMAILACCT_QUOTA", "unlimited"),
    ("MAXADDON", "0"),
    ("MAXFTP", "unlimited"),
    ("MAXLST", "unlimited"),
    ("MAXPARK", "0"),
    ("MAXPOP", "unlimited"),
    ("MAXSQL", "unlimited"),
    ("MAXSUB", "unlimited"),
    ("OWNER", "root"),
    ("PLAN", "undefined"),
    ("STARTDATE", "0000000000"),
    ("MAXPASSENGERAPPS", "4"),
];

/// Keys not compared: recomputed on every load, or with a default that depends on the server.
const NOT_COMPARED: &[&str] = &[
    "MTIME",
    "DBOWNER",
    "__CACHE_DATA_VERSION",
    "__LOCALE_MISSING",
    "HOMEDIRLINKS",
];

/// A value of a cpuser hash: a string, or a set of names (`DOMAINS`, `DEADDOMAINS`).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Val {
    Str(String),
    Set(BTreeSet<String>),
}

impl Val {
    fn show(&self) -> String {
        match self {
            Val::Str(s) => format!("`{s}`"),
            Val::Set(s) => format!("[{}]", s.iter().cloned().collect::<Vec<_>>().join(", ")),
        }
    }
}

/// The cpuser file as cPanel's reader parses it (what it caches), with the line of each key.
fn parse_cpuser(text: &str, user: &str) -> (BTreeMap<String, Val>, BTreeMap<String, usize>) {
    let mut h: BTreeMap<String, Val> = DEFAULTS
        .iter()
        .map(|(k, v)| (k.to_string(), Val::Str(v.to_string())))
        .collect();
    let mut lines: BTreeMap<String, usize> = BTreeMap::new();
    let mut domains = BTreeSet::new();
    let mut dead = BTreeSet::new();
    let mut offset = 0;
    for line in text.split('\n') {
        let at = offset;
        offset += line.len() + 1;
        if line.trim_start().starts_with('#') {
            continue;
        }
        // split(/\s*=/, $_, 2): the key loses the white space before the first `=`.
        let Some(eq) = line.find('=') else {
            continue;
        };
        let key = line[..eq].trim_end_matches([' ', '\t', '\r', '\x0b', '\x0c']);
        let value = &line[eq + 1..];
        if matches!(
            key,
            "DBOWNER" | "DOMAIN" | "DOMAINS" | "DEADDOMAINS" | "HOMEDIRLINKS"
        ) {
            continue;
        }
        let digit_after = |p: usize| key.as_bytes().get(p).is_some_and(u8::is_ascii_digit);
        if key == "DNS" {
            h.insert("DOMAIN".into(), Val::Str(value.to_lowercase()));
            lines.insert("DOMAIN".into(), at);
        } else if key.starts_with("DNS") && digit_after(3) {
            domains.insert(value.to_lowercase());
            lines.entry("DOMAINS".into()).or_insert(at);
        } else if key.starts_with("XDNS") && digit_after(4) {
            dead.insert(value.to_lowercase());
            lines.entry("DEADDOMAINS".into()).or_insert(at);
        } else if key.starts_with("HOMEDIRPATHS") {
            continue;
        } else {
            h.insert(key.to_string(), Val::Str(value.to_string()));
            lines.insert(key.to_string(), at);
        }
    }
    let dead: BTreeSet<String> = dead.difference(&domains).cloned().collect();
    if let Some(Val::Str(d)) = h.get("DOMAIN") {
        domains.remove(d);
    }
    h.insert("DOMAINS".into(), Val::Set(domains));
    h.insert("DEADDOMAINS".into(), Val::Set(dead));
    h.insert("USER".into(), Val::Str(user.to_string()));
    // A missing or false LOCALE becomes `en`.
    if !matches!(h.get("LOCALE"), Some(Val::Str(v)) if !v.is_empty() && v != "0") {
        h.insert("LOCALE".into(), Val::Str("en".into()));
    }
    (h, lines)
}

/// A JSON value as a cpuser value (numbers as Perl prints them, `null` as empty).
fn json_val(v: &serde_json::Value) -> Val {
    use serde_json::Value;
    match v {
        Value::Array(a) => Val::Set(a.iter().map(scalar).collect()),
        other => Val::Str(scalar(other)),
    }
}

fn scalar(v: &serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Bool(b) => if *b { "1" } else { "" }.to_string(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

/// Whether a cache is one cPanel uses: not older than its source, not in the future.
fn fresh(cache: Option<i64>, source: Option<i64>, now: i64) -> bool {
    match (cache, source) {
        (Some(c), Some(s)) => c >= s && c <= now,
        // A source written by a fix in memory is newer than any cache.
        _ => false,
    }
}

/// The keys on which a users.cache disagrees with its cpuser file: (key, cached, in the file).
fn cpuser_differences(a: &Account, cache: &serde_json::Value) -> Vec<(String, Val, Val)> {
    let Some(cp) = &a.cpuser else {
        return Vec::new();
    };
    let Some(obj) = cache.as_object() else {
        return Vec::new();
    };
    let (file, _) = parse_cpuser(cp.src.text(), &a.user);
    let mut out = Vec::new();
    let keys: BTreeSet<&String> = file.keys().chain(obj.keys()).collect();
    for k in keys {
        if NOT_COMPARED.contains(&k.as_str()) {
            continue;
        }
        let in_file = file.get(k);
        let cached = obj.get(k).map(json_val);
        // Defaults maillint cannot know are compared only when the file sets them.
        if in_file.is_none() && matches!(k.as_str(), "RS" | "SSL_DEFAULT_KEY_TYPE" | "LOCALE") {
            continue;
        }
        let empty = Val::Str(String::new());
        let f = in_file
            .cloned()
            .unwrap_or_else(|| Val::Str("(absent)".into()));
        let c = cached.unwrap_or_else(|| Val::Str("(absent)".into()));
        let same = match (&f, &c) {
            (Val::Set(x), Val::Set(y)) => x == y,
            (Val::Set(x), Val::Str(y)) | (Val::Str(y), Val::Set(x)) => x.is_empty() && y.is_empty(),
            (x, y) => x == y || (*x == empty && y == &Val::Str("(absent)".into())),
        };
        if !same {
            out.push((k.clone(), c, f));
        }
    }
    out
}

/// Where two JSON data disagree: paths of the first differences (at most `max`).
fn data_differences(
    a: &serde_json::Value,
    b: &serde_json::Value,
    path: &str,
    out: &mut Vec<String>,
    max: usize,
) {
    use serde_json::Value;
    if out.len() >= max {
        return;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                match (x.get(k), y.get(k)) {
                    (Some(u), Some(v)) => data_differences(u, v, &p, out, max),
                    _ => out.push(p),
                }
                if out.len() >= max {
                    return;
                }
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                out.push(path.to_string());
                return;
            }
            for (i, (u, v)) in x.iter().zip(y).enumerate() {
                data_differences(u, v, &format!("{path}[{i}]"), out, max);
            }
        }
        (Value::Array(_) | Value::Object(_), _) | (_, Value::Array(_) | Value::Object(_)) => {
            out.push(path.to_string())
        }
        (x, y) => {
            if scalar(x) != scalar(y) {
                out.push(path.to_string());
            }
        }
    }
}

const WHY: &str = "cPanel reads this cache instead of the file as long as the cache is not older than the file: WHM, cPanel and the scripts that rebuild Exim's lists (updateuserdomains) see the old data, and an edit of the file seems to do nothing until the cache is rebuilt";

pub(super) fn check(s: &Server, out: &mut Vec<Finding>) {
    let now = s.options.today.unix();
    for a in s.accounts.values() {
        if let (Some(cache), Some(cp)) = (&a.cpuser_cache, &a.cpuser)
            && fresh(a.cpuser_cache_mtime, a.cpuser_mtime, now)
            && let Ok(json) = serde_json::from_slice::<serde_json::Value>(cache.bytes())
            && json
                .get("__CACHE_DATA_VERSION")
                .map(scalar)
                .and_then(|v| v.parse::<f64>().ok())
                == Some(CACHE_VERSION)
        {
            let diffs = cpuser_differences(a, &json);
            if !diffs.is_empty() {
                let shown: Vec<String> = diffs
                    .iter()
                    .take(4)
                    .map(|(k, c, f)| format!("{k}: cached {}, file {}", c.show(), f.show()))
                    .collect();
                let more = if diffs.len() > 4 {
                    format!(" and {} more", diffs.len() - 4)
                } else {
                    String::new()
                };
                let (_, lines) = parse_cpuser(cp.src.text(), &a.user);
                let mut f = Finding::new(
                    &CP007,
                    format!(
                        "{} is not older than {} but disagrees with it ({}{more}): cPanel serves the cached data",
                        cache.path(),
                        cp.path(),
                        shown.join("; ")
                    ),
                )
                .at(Loc::file_start(cache.path()))
                .user(a.user.clone())
                .label("stale cache")
                .note(WHY);
                for (k, _, _) in diffs.iter().take(4) {
                    if let Some(&at) = lines.get(k) {
                        let line = cp.src.line_index(at);
                        f = f.related(cp.loc(cp.src.line_span(line)), format!("{k} in the file"));
                    }
                }
                out.push(
                    f.fix(
                        Fix::safe(format!(
                            "remove {}: cPanel rebuilds it from the file at its next read",
                            cache.path()
                        ))
                        .remove(cache.path()),
                    ),
                );
            }
        }
        for c in &a.userdata_caches {
            if !fresh(c.cache.mtime, c.yaml_mtime, now) {
                continue;
            }
            let Ok(json) = serde_json::from_slice::<serde_json::Value>(c.cache.src.bytes()) else {
                continue;
            };
            let mut diffs = Vec::new();
            data_differences(&json, &c.data, "", &mut diffs, 5);
            if diffs.is_empty() {
                continue;
            }
            let path = c.cache.src.path();
            out.push(
                Finding::new(
                    &CP007,
                    format!(
                        "{path} is not older than {} but disagrees with it (at {}): cPanel serves the cached data",
                        c.yaml,
                        diffs.join(", ")
                    ),
                )
                .at(Loc::file_start(path))
                .user(a.user.clone())
                .label("stale cache")
                .related(Loc::file_start(&c.yaml), "the file it caches")
                .note(WHY)
                .fix(
                    Fix::safe(format!("remove {path}: cPanel rebuilds it from the file at its next read"))
                        .remove(path),
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cpuser_hash_as_cpanel_parses_it() {
        let text = "# header\n\nDNS=Example.COM\nDNS1=shop.example.com\nDNS2=example.com\nXDNS1=old.example.net\nXDNS2=shop.example.com\nMXCHECK-example.com =0\nOWNER=reseller\nPLAIN\nUSER=someone\n";
        let (h, _) = parse_cpuser(text, "bob");
        assert_eq!(h["DOMAIN"], Val::Str("example.com".into()));
        assert_eq!(
            h["DOMAINS"],
            Val::Set(["shop.example.com".to_string()].into())
        );
        assert_eq!(
            h["DEADDOMAINS"],
            Val::Set(["old.example.net".to_string()].into())
        );
        assert_eq!(h["MXCHECK-example.com"], Val::Str("0".into()));
        assert_eq!(h["OWNER"], Val::Str("reseller".into()));
        assert_eq!(h["USER"], Val::Str("bob".into()));
        assert_eq!(h["PLAN"], Val::Str("undefined".into()), "a default");
        assert!(!h.contains_key("PLAIN"), "a line without `=` sets nothing");
    }

    #[test]
    fn a_cache_is_used_when_not_older_and_not_in_the_future() {
        assert!(fresh(Some(100), Some(100), 200));
        assert!(fresh(Some(150), Some(100), 200));
        assert!(!fresh(Some(99), Some(100), 200));
        assert!(!fresh(Some(201), Some(100), 200));
        assert!(!fresh(Some(150), None, 200));
    }
}
