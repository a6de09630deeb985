//! `maillint.toml`: rule selection, server identity and thresholds (PRODUCT.md "Configuration").
//!
//! Unknown keys and bad values are errors that name the key, its line and column (toml's own
//! messages carry them), because a silently ignored setting is how mail gets lost.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::rules::{Selector, SelectorError};

/// The default POP mailbox limit: 100 MiB.
pub const DEFAULT_POP_MAX_BYTES: u64 = 100 * 1024 * 1024;

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default, deserialize_with = "selectors_nonempty")]
    pub select: Option<Vec<Selector>>,
    #[serde(default, rename = "extend-select", deserialize_with = "selectors")]
    pub extend_select: Option<Vec<Selector>>,
    #[serde(default, deserialize_with = "selectors")]
    pub ignore: Option<Vec<Selector>>,
    #[serde(default)]
    pub server: ServerConfig,
    #[serde(default)]
    pub mailbox: MailboxConfig,
    #[serde(default)]
    pub ignore_domain: Vec<IgnoreDomain>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Added to the addresses the tree lists.
    #[serde(default)]
    pub ips: Vec<IpAddr>,
    pub hostname: Option<String>,
    #[serde(default)]
    pub nameservers: Vec<String>,
    /// MX host patterns (`*.mailfilter.example`) that relay to this server.
    #[serde(default)]
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
    pub codes: Vec<Selector>,
}

impl IgnoreDomain {
    pub fn matches(&self, domain: &str, code: &str) -> bool {
        let pat = self.domain.trim_end_matches('.').to_ascii_lowercase();
        let hit = match pat.strip_prefix("*.") {
            Some(base) => domain.ends_with(&format!(".{base}")),
            None => domain == pat,
        };
        hit && self.codes.iter().any(|s| s.matches(code))
    }
}

fn parse_selectors<E: serde::de::Error>(v: Vec<String>) -> Result<Vec<Selector>, E> {
    v.iter()
        .map(|s| Selector::parse(s))
        .collect::<Result<_, SelectorError>>()
        .map_err(E::custom)
}

fn selectors<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Vec<Selector>>, D::Error> {
    let v: Vec<String> = Vec::deserialize(d)?;
    parse_selectors(v).map(Some)
}

/// `select`: an empty list would select no rule.
fn selectors_nonempty<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Vec<Selector>>, D::Error> {
    let v: Vec<String> = Vec::deserialize(d)?;
    if v.is_empty() {
        return Err(serde::de::Error::custom(
            "an empty `select` selects no rule: list codes, prefixes or \"ALL\" (`maillint rules` lists every rule)",
        ));
    }
    parse_selectors(v).map(Some)
}

/// `[[ignore_domain]] codes`: an empty list would ignore nothing.
fn selectors_required<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Selector>, D::Error> {
    let v: Vec<String> = Vec::deserialize(d)?;
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
        let mut cfg: Config = toml::from_str(text).map_err(|e| ConfigError {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        })?;
        if let Some(h) = &mut cfg.server.hostname {
            *h = h.trim_end_matches('.').to_ascii_lowercase();
        }
        for ns in &mut cfg.server.nameservers {
            *ns = ns.trim_end_matches('.').to_ascii_lowercase();
        }
        for g in &mut cfg.server.gateway_mx {
            *g = g.trim_end_matches('.').to_ascii_lowercase();
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
        let msg = parse("ignore = [\"NOPE1\"]\n").unwrap_err().to_string();
        assert!(msg.contains("unknown rule selector `NOPE1`"), "{msg}");
        assert!(msg.contains("line 1"), "{msg}");
        let msg = parse("select = [\"RT999\"]\n").unwrap_err().to_string();
        assert!(
            msg.contains("unknown rule selector `RT999`")
                && msg.contains("did you mean RT009 (hostname-not-local)?")
                && msg.contains("line 1"),
            "{msg}"
        );
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
    fn wildcard_ignore_domain_covers_subdomains_only() {
        let d = IgnoreDomain {
            domain: "*.example.com".into(),
            codes: vec![Selector::parse("ALL").unwrap()],
        };
        assert!(d.matches("a.example.com", "RT001"));
        assert!(!d.matches("example.com", "RT001"));
    }
}
