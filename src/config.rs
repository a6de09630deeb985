//! `maillint.toml`: rule selection, server identity and thresholds (PRODUCT.md "Configuration").
//!
//! Unknown keys and bad values are errors that name the key, its line and column (toml's own
//! messages carry them), because a silently ignored setting is how mail gets lost.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::select::{Selector, SyntaxError};

pub use crate::model::DEFAULT_POP_MAX_BYTES;

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default, deserialize_with = "selectors_nonempty")]
    pub select: Option<Vec<Placed>>,
    #[serde(default, rename = "extend-select", deserialize_with = "selectors")]
    pub extend_select: Option<Vec<Placed>>,
    #[serde(default, deserialize_with = "selectors")]
    pub ignore: Option<Vec<Placed>>,
    #[serde(default)]
    pub server: ServerConfig,
    #[serde(default)]
    pub mailbox: MailboxConfig,
    #[serde(default)]
    pub ignore_domain: Vec<IgnoreDomain>,
    /// `[hook]`: what `maillint hook` may do besides reporting.
    #[serde(default)]
    pub hook: HookConfig,
}

/// `[hook]`: by default the hook reports only (no fix, no block).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HookConfig {
    /// `fix = "safe"`: apply the safe fixes of the findings of the event's domains.
    #[serde(default)]
    pub fix: HookFix,
    /// `block = true`: at the pre stage of `UAPI::Email::set_always_accept`, refuse setting
    /// Local while the domain's primary MX is another host.
    #[serde(default)]
    pub block: bool,
}

/// `[hook] fix`: `"none"` (the default) or `"safe"`.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum HookFix {
    #[default]
    None,
    Safe,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Added to the addresses the tree lists.
    #[serde(default)]
    pub ips: Vec<IpAddr>,
    /// A valid host name, lower-cased, without a final dot ([`host_name`]).
    #[serde(default, deserialize_with = "host_name_opt")]
    pub hostname: Option<String>,
    #[serde(default, deserialize_with = "host_names")]
    pub nameservers: Vec<String>,
    /// MX host patterns (`*.mailfilter.example`) that relay to this server.
    #[serde(default, deserialize_with = "host_patterns")]
    pub gateway_mx: Vec<String>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MailboxConfig {
    #[serde(default = "default_pop_max")]
    pub pop_max_bytes: u64,
}

impl Default for MailboxConfig {
    fn default() -> Self {
        MailboxConfig {
            pop_max_bytes: DEFAULT_POP_MAX_BYTES,
        }
    }
}

fn default_pop_max() -> u64 {
    DEFAULT_POP_MAX_BYTES
}

/// Findings of some codes about one domain (or its subdomains with `*.`) are not reported.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IgnoreDomain {
    pub domain: String,
    #[serde(deserialize_with = "selectors_required")]
    pub codes: Vec<Placed>,
}

/// A selector of the file with its line, so that the command line, which checks it against the
/// rules, can say where it is.
#[derive(Clone, Debug, PartialEq)]
pub struct Placed {
    pub selector: Selector,
    /// The line in the file (1-based); 0 until [`Config::parse`] has placed it.
    pub line: usize,
    /// Byte offset of the value in the file.
    offset: usize,
}

impl Placed {
    /// A selector that comes from no file (line 0).
    pub fn new(selector: Selector) -> Placed {
        Placed {
            selector,
            line: 0,
            offset: 0,
        }
    }
}

impl IgnoreDomain {
    pub fn matches(&self, domain: &str, code: &str) -> bool {
        let pat = self.domain.trim_end_matches('.').to_ascii_lowercase();
        let hit = match pat.strip_prefix("*.") {
            Some(base) => domain.ends_with(&format!(".{base}")),
            None => domain == pat,
        };
        hit && self.codes.iter().any(|s| s.selector.matches(code))
    }
}

/// What a valid host name is, for messages.
pub const HOST_NAME_RULES: &str = "a host name is labels of ASCII letters, digits and hyphens \
     (1 to 63 characters, no hyphen first or last) separated by dots, at most 253 characters, \
     such as server1.example.net; one final dot is allowed and removed";

/// Checks a host name (RFC 1123 labels, at most 253 characters; one final dot is removed) and
/// returns it lower-cased. The server's identity values must be host names: an empty name or one
/// with white space or a newline would be written into `etc/localdomains` by fixes.
pub fn host_name(text: &str) -> Result<String, String> {
    let name = text.strip_suffix('.').unwrap_or(text);
    let problem = if name.is_empty() {
        Some("it is empty".to_string())
    } else if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '.'))
    {
        Some(match c {
            '\n' => "it holds a newline".to_string(),
            ' ' => "it holds a space".to_string(),
            c if c.is_control() => format!("it holds {}", crate::parse::describe_char(c)),
            c if c.is_whitespace() => format!("it holds the white space U+{:04X}", c as u32),
            c if !c.is_ascii() => format!(
                "it holds the non-ASCII character `{}` (write an internationalised name in its \
                 xn-- form)",
                crate::escape::Esc(&c.to_string())
            ),
            c => format!("it holds `{c}`"),
        })
    } else if name.len() > 253 {
        Some(format!("it is {} characters long", name.len()))
    } else if let Some(label) = name
        .split('.')
        .find(|l| l.is_empty() || l.len() > 63 || l.starts_with('-') || l.ends_with('-'))
    {
        Some(if label.is_empty() {
            "it has an empty label (two dots in a row, or a dot first)".to_string()
        } else if label.len() > 63 {
            format!("its label `{label}` is {} characters long", label.len())
        } else {
            format!("its label `{label}` starts or ends with a hyphen")
        })
    } else if name.parse::<IpAddr>().is_ok()
        || name
            .rsplit('.')
            .next()
            .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
    {
        Some("it is an IP address, or ends in an all-numeric label".to_string())
    } else {
        None
    };
    match problem {
        None => Ok(name.to_ascii_lowercase()),
        Some(p) => Err(format!(
            "`{}` is not a valid host name: {p}; {HOST_NAME_RULES}",
            crate::escape::Esc(text)
        )),
    }
}

/// A host name, or `*.` and a host name (any host below it).
pub fn host_pattern(text: &str) -> Result<String, String> {
    match text.strip_prefix("*.") {
        Some(base) => host_name(base)
            .map(|b| format!("*.{b}"))
            .map_err(|e| format!("{e} (a pattern is a host name, or `*.` followed by one)")),
        None => host_name(text),
    }
}

fn host_name_opt<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v = String::deserialize(d)?;
    host_name(&v).map(Some).map_err(serde::de::Error::custom)
}

fn host_names<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let v: Vec<String> = Vec::deserialize(d)?;
    v.iter()
        .map(|h| host_name(h))
        .collect::<Result<_, _>>()
        .map_err(serde::de::Error::custom)
}

fn host_patterns<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let v: Vec<String> = Vec::deserialize(d)?;
    v.iter()
        .map(|h| host_pattern(h))
        .collect::<Result<_, _>>()
        .map_err(serde::de::Error::custom)
}

/// Selectors are checked for their syntax here; whether they name rules is checked by the
/// command line against the registry (this module knows no rules).
fn parse_selectors<E: serde::de::Error>(v: Vec<toml::Spanned<String>>) -> Result<Vec<Placed>, E> {
    v.iter()
        .map(|s| {
            Selector::parse(s.get_ref()).map(|selector| Placed {
                selector,
                line: 0,
                offset: s.span().start,
            })
        })
        .collect::<Result<_, SyntaxError>>()
        .map_err(E::custom)
}

fn selectors<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Vec<Placed>>, D::Error> {
    let v: Vec<toml::Spanned<String>> = Vec::deserialize(d)?;
    parse_selectors(v).map(Some)
}

/// `select`: an empty list would select no rule.
fn selectors_nonempty<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Vec<Placed>>, D::Error> {
    let v: Vec<toml::Spanned<String>> = Vec::deserialize(d)?;
    if v.is_empty() {
        return Err(serde::de::Error::custom(
            "an empty `select` selects no rule: list codes, prefixes or \"ALL\" (`maillint rules` lists every rule)",
        ));
    }
    parse_selectors(v).map(Some)
}

/// `[[ignore_domain]] codes`: an empty list would ignore nothing.
fn selectors_required<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Placed>, D::Error> {
    let v: Vec<toml::Spanned<String>> = Vec::deserialize(d)?;
    if v.is_empty() {
        return Err(serde::de::Error::custom(
            "empty `codes`: list the codes or prefixes to ignore for this domain, or \"ALL\"",
        ));
    }
    parse_selectors(v)
}

/// A configuration file that could not be used.
#[derive(Debug)]
pub struct ConfigError {
    pub path: PathBuf,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "invalid configuration file {}: {}",
            self.path.display(),
            self.message
        )
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Parses the text of a configuration file.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        // Host names are checked and normalised as they are read (with their position).
        let mut cfg: Config = toml::from_str(text).map_err(|e| ConfigError {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        })?;
        let line = |offset: usize| {
            1 + text.as_bytes()[..offset.min(text.len())]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
        };
        let lists = [&mut cfg.select, &mut cfg.extend_select, &mut cfg.ignore];
        for p in lists.into_iter().flatten().flatten() {
            p.line = line(p.offset);
        }
        for d in &mut cfg.ignore_domain {
            for p in &mut d.codes {
                p.line = line(p.offset);
            }
        }
        Ok(cfg)
    }

    /// Reads a configuration file (a small file the administrator chose, read directly: it is
    /// not part of the user-controlled tree).
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let meta = std::fs::metadata(path).map_err(|e| ConfigError {
            path: path.to_path_buf(),
            message: format!("cannot read it: {e}"),
        })?;
        if !meta.is_file() || meta.len() > 1024 * 1024 {
            return Err(ConfigError {
                path: path.to_path_buf(),
                message: "not a regular file of at most 1 MiB".into(),
            });
        }
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            path: path.to_path_buf(),
            message: format!("cannot read it as UTF-8 text: {e}"),
        })?;
        Config::parse(&text, path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(t: &str) -> Result<Config, ConfigError> {
        Config::parse(t, Path::new("maillint.toml"))
    }

    #[test]
    fn the_documented_example_parses() {
        let cfg = parse(
            r#"
select = ["ALL"]
ignore = ["DMARC003"]

[server]
ips = ["203.0.113.10"]
hostname = "Server1.Example.NET."
nameservers = ["ns1.example.net", "ns2.example.net"]
gateway_mx = ["*.mailfilter.example"]

[mailbox]
pop_max_bytes = 104857600

[[ignore_domain]]
domain = "legacy.example"
codes = ["SPF"]
"#,
        )
        .unwrap();
        assert_eq!(cfg.server.hostname.as_deref(), Some("server1.example.net"));
        assert_eq!(
            cfg.server.ips,
            vec!["203.0.113.10".parse::<IpAddr>().unwrap()]
        );
        assert_eq!(cfg.mailbox.pop_max_bytes, 104857600);
        assert!(cfg.ignore_domain[0].matches("legacy.example", "SPF001"));
        assert!(!cfg.ignore_domain[0].matches("legacy.example", "DKIM001"));
        assert!(!cfg.ignore_domain[0].matches("sub.legacy.example", "SPF001"));
    }

    #[test]
    fn unknown_key_names_the_key_and_its_line() {
        let err = parse("select = [\"ALL\"]\n[server]\nip = [\"192.0.2.1\"]\n").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("line 3"), "{msg}");
        assert!(msg.contains("unknown field `ip`"), "{msg}");
    }

    #[test]
    fn bad_values_are_errors_with_position() {
        let msg = parse("[server]\nips = [\"300.1.2.3\"]\n")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("line 2"), "{msg}");
        let msg = parse("ignore = [\"RT-1\"]\n").unwrap_err().to_string();
        assert!(msg.contains("`RT-1` is not a rule selector"), "{msg}");
        assert!(msg.contains("line 1"), "{msg}");
        // Whether a selector names rules is checked by the command line (tests/cli.rs), with
        // the line kept here.
        let cfg = parse("\nselect = [\n  \"RT\",\n  \"RT999\",\n]\n").unwrap();
        let lines: Vec<(&str, usize)> = cfg
            .select
            .iter()
            .flatten()
            .map(|p| (p.selector.as_str(), p.line))
            .collect();
        assert_eq!(lines, [("RT", 3), ("RT999", 4)]);
        let msg = parse("select = []\n").unwrap_err().to_string();
        assert!(msg.contains("an empty `select` selects no rule"), "{msg}");
        let msg = parse("[[ignore_domain]]\ndomain = \"example.com\"\ncodes = []\n")
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("empty `codes`") && msg.contains("line 3"),
            "{msg}"
        );
        // An empty `ignore` is the default, written out.
        assert!(parse("ignore = []\n").is_ok());
        let msg = parse("[mailbox]\npop_max_bytes = -1\n")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("line 2"), "{msg}");
    }

    #[test]
    fn host_names_follow_rfc_1123() {
        for ok in [
            "server1.example.net",
            "Server1.Example.NET.",
            "localhost",
            "1-2.example.com",
            "xn--bcher-kva.example",
            &format!("{}.example.com", "a".repeat(63)),
        ] {
            let h = host_name(ok).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(h, ok.trim_end_matches('.').to_ascii_lowercase());
        }
        let long = format!("{}.example", vec!["a".repeat(60); 5].join("."));
        for (bad, why) in [
            ("", "it is empty"),
            (".", "it is empty"),
            ("server1.example.net\n", "it holds a newline"),
            ("server1 .example.net", "it holds a space"),
            (" server1.example.net", "it holds a space"),
            ("server1.example.net..", "empty label"),
            ("a..example", "empty label"),
            (".example.com", "empty label"),
            ("-a.example.com", "label `-a` starts or ends with a hyphen"),
            ("a-.example.com", "starts or ends with a hyphen"),
            ("a_b.example.com", "it holds `_`"),
            ("bücher.example", "non-ASCII character `ü`"),
            ("192.0.2.1", "IP address"),
            ("2001:db8::1", "it holds `:`"),
            (
                &format!("{}.example.com", "a".repeat(64)),
                "is 64 characters long",
            ),
            (&long, "it is 312 characters long"),
        ] {
            let err = host_name(bad).unwrap_err();
            assert!(err.contains(why), "{bad:?}: {err}");
            assert!(err.contains("is not a valid host name"), "{err}");
            assert!(err.contains("such as server1.example.net"), "{err}");
            assert!(!err.contains('\n'), "{err}");
        }
        assert_eq!(
            host_pattern("*.MailFilter.example.").unwrap(),
            "*.mailfilter.example"
        );
        assert!(host_pattern("*.").is_err());
        assert!(host_pattern("*mailfilter.example").is_err());
    }

    #[test]
    fn identity_values_in_the_file_are_host_names() {
        for (text, line) in [
            ("[server]\nhostname = \"\"\n", "line 2"),
            ("[server]\nhostname = \"srv\\n.example.net\"\n", "line 2"),
            (
                "[server]\nnameservers = [\"ns1.example.net\", \"ns2 .example.net\"]\n",
                "line 2",
            ),
            (
                "[server]\n\ngateway_mx = [\"*.bad_host.example\"]\n",
                "line 3",
            ),
        ] {
            let msg = parse(text).unwrap_err().to_string();
            assert!(msg.contains("is not a valid host name"), "{text}: {msg}");
            assert!(msg.contains(line), "{text}: {msg}");
        }
        let cfg = parse(
            "[server]\nnameservers = [\"NS1.example.net.\"]\ngateway_mx = [\"*.F.example\"]\n",
        )
        .unwrap();
        assert_eq!(cfg.server.nameservers, ["ns1.example.net"]);
        assert_eq!(cfg.server.gateway_mx, ["*.f.example"]);
    }

    #[test]
    fn wildcard_ignore_domain_covers_subdomains_only() {
        let d = IgnoreDomain {
            domain: "*.example.com".into(),
            codes: vec![Placed::new(Selector::all())],
        };
        assert!(d.matches("a.example.com", "RT001"));
        assert!(!d.matches("example.com", "RT001"));
    }
}
