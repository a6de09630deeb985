//! Routing rules over generated trees: every combination of manual setting, routing lists and
//! detection gives exactly the one finding RULES.md assigns it (or none), and `--fix` leaves
//! each domain in the state its finding promised.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::maillint;

const HEADER: &str = "# cPanel -- If you edit this file directly you must run /usr/local/cpanel/scripts/updateuserdomains afterwards to rebuild the system caches.\n# If you edit MAX_EMAIL_PER_HOUR or MAX_EMAIL_PER_HOUR-[domain] you must run /usr/local/cpanel/scripts/updateuserdomains'\n\n";

/// The server's address and host name in every generated tree.
const SERVER_IP: &str = "192.0.2.10";
const HOST: &str = "host.example.net";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Manual {
    Auto,
    Local,
    Remote,
    Secondary,
}

impl Manual {
    const ALL: [Manual; 4] = [
        Manual::Auto,
        Manual::Local,
        Manual::Remote,
        Manual::Secondary,
    ];

    fn label(self) -> &'static str {
        match self {
            Manual::Auto => "auto",
            Manual::Local => "local",
            Manual::Remote => "remote",
            Manual::Secondary => "secondary",
        }
    }

    /// The cpuser value cPanel writes (none for auto).
    fn value(self) -> Option<&'static str> {
        match self {
            Manual::Auto => None,
            Manual::Local => Some("0"),
            Manual::Remote => Some("remote"),
            Manual::Secondary => Some("secondary"),
        }
    }

    fn routing(self) -> Option<Routing> {
        match self {
            Manual::Auto => None,
            Manual::Local => Some(Routing::Local),
            Manual::Remote => Some(Routing::Remote),
            Manual::Secondary => Some(Routing::Secondary),
        }
    }

    /// How findings name it.
    fn name(self) -> &'static str {
        match self {
            Manual::Auto => "Automatically Detect",
            Manual::Local => "Local Mail Exchanger",
            Manual::Remote => "Remote Mail Exchanger",
            Manual::Secondary => "Backup Mail Exchanger",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Routing {
    Local,
    Remote,
    Secondary,
}

impl Routing {
    fn label(self) -> &'static str {
        match self {
            Routing::Local => "local",
            Routing::Remote => "remote",
            Routing::Secondary => "secondary",
        }
    }

    fn manual_value(self) -> &'static str {
        match self {
            Routing::Local => "0",
            Routing::Remote => "remote",
            Routing::Secondary => "secondary",
        }
    }
}

/// What the routing lists say (RULES.md "Configured routing"), written as cPanel writes it.
const CONFIGURED: [Option<Routing>; 4] = [
    Some(Routing::Local),
    Some(Routing::Remote),
    Some(Routing::Secondary),
    None,
];

/// What detection says: decided, or undecided in two ways (a dangling MX target; no zone).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Detected {
    Is(Routing),
    Dangling,
    NoZone,
}

impl Detected {
    const ALL: [Detected; 5] = [
        Detected::Is(Routing::Local),
        Detected::Is(Routing::Remote),
        Detected::Is(Routing::Secondary),
        Detected::Dangling,
        Detected::NoZone,
    ];

    fn label(self) -> &'static str {
        match self {
            Detected::Is(r) => r.label(),
            Detected::Dangling => "dangling",
            Detected::NoZone => "nozone",
        }
    }

    fn decided(self) -> Option<Routing> {
        match self {
            Detected::Is(r) => Some(r),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Case {
    manual: Manual,
    configured: Option<Routing>,
    detected: Detected,
}

impl Case {
    fn domain(&self) -> String {
        format!(
            "{}-{}-{}.example",
            self.manual.label(),
            self.configured.map_or("none", Routing::label),
            self.detected.label()
        )
    }

    /// The one finding RULES.md assigns (code, severity), or none.
    fn expected(&self) -> Option<(&'static str, &'static str)> {
        let Some(conf) = self.configured else {
            let sev = if self.detected == Detected::Is(Routing::Local) {
                "error"
            } else {
                "warning"
            };
            return Some(("RT004", sev));
        };
        if let Some(det) = self.detected.decided().filter(|d| *d != conf) {
            return Some(match (conf, det) {
                (Routing::Local, _) if self.manual == Manual::Local => ("RT001", "warning"),
                (Routing::Local, _) => ("RT001", "error"),
                (Routing::Remote, Routing::Local) => ("RT002", "error"),
                (Routing::Remote, _) => ("RT010", "error"),
                (Routing::Secondary, _) => ("RT010", "warning"),
            });
        }
        match self.manual.routing() {
            Some(m) if m != conf => Some(("RT006", "warning")),
            _ => None,
        }
    }

    /// The lists and manual value after `--fix --unsafe-fixes`.
    fn after_fix(&self) -> (Routing, Option<&'static str>) {
        let manual = self.manual.value();
        match (self.expected().map(|e| e.0), self.configured, self.detected) {
            (Some("RT001"), _, Detected::Is(det)) => (det, Some(det.manual_value())),
            (Some("RT002"), _, _) => (Routing::Local, None),
            // Auto stays auto; a manual setting that disagrees is replaced.
            (Some("RT010"), _, Detected::Is(det)) => match self.manual {
                Manual::Auto => (det, None),
                m if m.routing() == Some(det) => (det, manual),
                _ => (det, Some(det.manual_value())),
            },
            // The lists agree with the MX records: the manual setting follows them. Undecided:
            // the lists follow the manual setting, as cPanel's next rebuild would.
            (Some("RT006"), Some(conf), Detected::Is(_)) => (conf, Some(conf.manual_value())),
            (Some("RT006"), _, _) => (self.manual.routing().unwrap(), manual),
            // The MX records first, then the manual setting, then cPanel's default (local); a
            // manual setting that disagrees with the target follows it.
            (Some("RT004"), _, det) => {
                let target = det
                    .decided()
                    .or(self.manual.routing())
                    .unwrap_or(Routing::Local);
                let value = match self.manual {
                    Manual::Auto => None,
                    _ => Some(target.manual_value()),
                };
                (target, value)
            }
            (None, Some(conf), _) => (conf, manual),
            other => panic!("no end state for {self:?}: {other:?}"),
        }
    }
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for manual in Manual::ALL {
        for configured in CONFIGURED {
            for detected in Detected::ALL {
                out.push(Case {
                    manual,
                    configured,
                    detected,
                });
            }
        }
    }
    out
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn zone(domain: &str, body: &str) -> String {
    format!(
        "$TTL 14400\n{domain}. 86400 IN SOA ns1.example.net. hostmaster.example.net. 2026110101 3600 1800 1209600 86400\n{domain}. 86400 IN NS ns1.example.net.\n{body}"
    )
}

/// The zone that makes detection say `detected` for `domain` (none for [`Detected::NoZone`]).
fn zone_for(domain: &str, detected: Detected) -> Option<String> {
    let body = match detected {
        Detected::Is(Routing::Local) => {
            format!("{domain}. IN A {SERVER_IP}\n{domain}. IN MX 10 {domain}.\n")
        }
        Detected::Is(Routing::Remote) => {
            format!("{domain}. IN A 198.51.100.7\n{domain}. IN MX 10 mx.provider.example.org.\n")
        }
        Detected::Is(Routing::Secondary) => format!(
            "{domain}. IN A 198.51.100.7\n{domain}. IN MX 10 mx.provider.example.org.\n{domain}. IN MX 20 backup.{domain}.\nbackup.{domain}. IN A {SERVER_IP}\n"
        ),
        // The target is inside the zone and has no address: cPanel's walk stops there.
        Detected::Dangling => format!("{domain}. IN MX 10 mail.{domain}.\n"),
        Detected::NoZone => return None,
    };
    Some(zone(domain, &body))
}

/// A one-account server (user `u`) whose domains are the given ones, each with its manual
/// setting, lists and zone; `extra` files are written last.
fn server(root: &Path, domains: &[(String, Manual, Option<Routing>, Option<String>)]) {
    let mut local = format!("{HOST}\n");
    let mut remote = String::new();
    let mut secondary = String::new();
    let mut cpuser = format!("{HEADER}DNS=main.example\n");
    let mut keys: Vec<String> = Vec::new();
    for (i, (d, manual, configured, zone)) in domains.iter().enumerate() {
        cpuser.push_str(&format!("DNS{}={d}\n", i + 1));
        match configured {
            Some(Routing::Local) => local.push_str(&format!("{d}\n")),
            Some(Routing::Remote) => remote.push_str(&format!("{d}\n")),
            Some(Routing::Secondary) => {
                remote.push_str(&format!("{d}\n"));
                secondary.push_str(&format!("{d}\n"));
            }
            None => {}
        }
        if let Some(v) = manual.value() {
            keys.push(format!("MXCHECK-{d}={v}\n"));
        }
        if let Some(z) = zone {
            write(root, &format!("var/named/{d}.db"), z);
        }
    }
    local.push_str("main.example\n");
    keys.sort();
    cpuser.push_str("IP=192.0.2.10\n");
    for k in keys {
        cpuser.push_str(&k);
    }
    cpuser.push_str("OWNER=root\nUSER=u\n");
    write(root, "var/cpanel/users/u", &cpuser);
    write(root, "etc/localdomains", &local);
    write(root, "etc/remotedomains", &remote);
    write(root, "etc/secondarymx", &secondary);
    write(
        root,
        "etc/wwwacct.conf",
        &format!("ADDR {SERVER_IP}\nHOST {HOST}\n"),
    );
    write(root, "var/cpanel/mainip", SERVER_IP);
    write(
        root,
        "var/named/main.example.db",
        &zone(
            "main.example",
            &format!("main.example. IN A {SERVER_IP}\nmain.example. IN MX 0 main.example.\n"),
        ),
    );
}

fn matrix_server(root: &Path) -> Vec<Case> {
    let cases = cases();
    let domains: Vec<_> = cases
        .iter()
        .map(|c| {
            let d = c.domain();
            let z = zone_for(&d, c.detected);
            (d, c.manual, c.configured, z)
        })
        .collect();
    server(root, &domains);
    cases
}

fn report(root: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec![root.to_str().unwrap(), "--format", "json", "--select", "RT"];
    args.extend_from_slice(extra);
    let out = maillint(&args);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn by_domain(doc: &serde_json::Value) -> BTreeMap<String, Vec<serde_json::Value>> {
    let mut map: BTreeMap<String, Vec<serde_json::Value>> = BTreeMap::new();
    for f in doc["findings"].as_array().unwrap() {
        let d = f["domain"].as_str().unwrap_or("-").to_string();
        map.entry(d).or_default().push(f.clone());
    }
    map
}

/// The 1-based line of `var/cpanel/users/u` that holds `MXCHECK-<domain>`.
fn mxcheck_line(root: &Path, domain: &str) -> Option<u64> {
    let text = std::fs::read_to_string(root.join("var/cpanel/users/u")).unwrap();
    text.lines()
        .position(|l| l.starts_with(&format!("MXCHECK-{domain}=")))
        .map(|i| i as u64 + 1)
}

#[test]
fn every_routing_combination_gives_its_one_finding() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let cases = matrix_server(root);
    assert_eq!(cases.len(), 4 * 4 * 5);
    let doc = report(root, &[]);
    let found = by_domain(&doc);
    let mut problems = Vec::new();
    for c in &cases {
        let d = c.domain();
        let got: Vec<(String, String)> = found
            .get(&d)
            .into_iter()
            .flatten()
            .map(|f| {
                (
                    f["code"].as_str().unwrap().to_string(),
                    f["severity"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let want: Vec<(String, String)> = c
            .expected()
            .into_iter()
            .map(|(code, sev)| (code.to_string(), sev.to_string()))
            .collect();
        if got != want {
            problems.push(format!("{d}: got {got:?}, want {want:?}"));
            continue;
        }
        // RT001, RT002 and RT010 name a manual setting that disagrees with the lists: the
        // finding points at its line.
        if let (Some((code @ ("RT001" | "RT002" | "RT010"), _)), Some(_)) =
            (c.expected(), c.manual.value())
        {
            let f = &found[&d][0];
            let line = mxcheck_line(root, &d).unwrap();
            let named = f["related"].as_array().unwrap().iter().any(|r| {
                r["file"] == "var/cpanel/users/u"
                    && r["line"] == line
                    && r["message"].as_str().unwrap().contains(c.manual.name())
            });
            if !named {
                problems.push(format!(
                    "{d}: {code} does not name the manual setting ({}) at var/cpanel/users/u:{line}: {}",
                    c.manual.name(),
                    f["related"]
                ));
            }
        }
    }
    // Nothing else: no finding about another domain than those of the cases (the host name and
    // main.example are correctly routed).
    for d in found.keys() {
        if !cases.iter().any(|c| &c.domain() == d) {
            problems.push(format!("unexpected findings for {d}: {:?}", found[d]));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The lists and `MXCHECK-` values of a tree, per domain.
fn state(root: &Path, domain: &str) -> (Option<Routing>, Option<String>) {
    let has = |list: &str| {
        std::fs::read_to_string(root.join(list))
            .unwrap_or_default()
            .lines()
            .any(|l| l == domain)
    };
    let conf = if has("etc/localdomains") {
        Some(Routing::Local)
    } else if has("etc/remotedomains") {
        Some(if has("etc/secondarymx") {
            Routing::Secondary
        } else {
            Routing::Remote
        })
    } else {
        None
    };
    let cpuser = std::fs::read_to_string(root.join("var/cpanel/users/u")).unwrap();
    let value = cpuser
        .lines()
        .find_map(|l| l.strip_prefix(&format!("MXCHECK-{domain}=")))
        .map(str::to_string);
    (conf, value)
}

#[test]
fn fixing_every_routing_combination_leaves_the_promised_state() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let cases = matrix_server(root);
    let root_s = root.to_str().unwrap();
    let out = maillint(&[root_s, "--select", "RT", "--fix", "--unsafe-fixes"]);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = report(root, &[]);
    assert_eq!(
        after["findings"].as_array().unwrap().len(),
        0,
        "findings left after --fix: {:#}",
        after["findings"]
    );
    let mut problems = Vec::new();
    for c in &cases {
        let d = c.domain();
        let (want_conf, want_value) = c.after_fix();
        let got = state(root, &d);
        if got != (Some(want_conf), want_value.map(str::to_string)) {
            problems.push(format!(
                "{d} ({:?}): got {got:?}, want ({want_conf:?}, {want_value:?})",
                c.expected()
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn finding<'a>(doc: &'a serde_json::Value, code: &str, domain: &str) -> &'a serde_json::Value {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == code && f["domain"] == domain)
        .unwrap_or_else(|| panic!("no {code} for {domain}: {doc:#}"))
}

/// Domains behind a known filtering gateway, and a lookalike of one.
fn gateway_server(root: &Path) {
    let mx = |d: &str, records: &str| Some(zone(d, &format!("{d}. IN A {SERVER_IP}\n{records}")));
    let domains = vec![
        (
            "gw-auto.example".to_string(),
            Manual::Auto,
            Some(Routing::Local),
            mx(
                "gw-auto.example",
                "gw-auto.example. IN MX 10 mx1-us1.ppe-hosted.com.\ngw-auto.example. IN MX 10 mx2-us1.ppe-hosted.com.\n",
            ),
        ),
        (
            "gw-remote.example".to_string(),
            Manual::Remote,
            Some(Routing::Local),
            mx(
                "gw-remote.example",
                "gw-remote.example. IN MX 10 eu-smtp-inbound-1.mimecast.com.\n",
            ),
        ),
        // This server as the gateway's fallback: detection says secondary.
        (
            "gw-backup.example".to_string(),
            Manual::Auto,
            Some(Routing::Local),
            mx(
                "gw-backup.example",
                "gw-backup.example. IN MX 10 mx.spamexperts.com.\ngw-backup.example. IN MX 20 gw-backup.example.\n",
            ),
        ),
        (
            "gw-local.example".to_string(),
            Manual::Local,
            Some(Routing::Local),
            mx(
                "gw-local.example",
                "gw-local.example. IN MX 10 mx1-us1.ppe-hosted.com.\n",
            ),
        ),
        (
            "lookalike.example".to_string(),
            Manual::Auto,
            Some(Routing::Local),
            mx(
                "lookalike.example",
                "lookalike.example. IN MX 10 mx1.ppe-hosted.com.evil.example.\n",
            ),
        ),
        // A gateway and another host at the lowest preference: not only a gateway.
        (
            "mixed.example".to_string(),
            Manual::Auto,
            Some(Routing::Local),
            mx(
                "mixed.example",
                "mixed.example. IN MX 10 mx1-us1.ppe-hosted.com.\nmixed.example. IN MX 10 mx.provider.example.org.\n",
            ),
        ),
    ];
    server(root, &domains);
}

#[test]
fn a_known_gateway_mx_keeps_the_domain_local() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    gateway_server(root);
    let doc = report(root, &[]);
    let codes: Vec<(String, String, String)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["domain"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want: Vec<(String, String, String)> = [
        ("RT001", "gw-auto.example", "warning"),
        ("RT001", "gw-remote.example", "warning"),
        ("RT001", "gw-backup.example", "warning"),
        ("RT001", "gw-local.example", "warning"),
        ("RT001", "lookalike.example", "error"),
        ("RT001", "mixed.example", "error"),
    ]
    .iter()
    .map(|(c, d, s)| (c.to_string(), d.to_string(), s.to_string()))
    .collect();
    let mut got_sorted = codes.clone();
    got_sorted.sort();
    let mut want_sorted = want.clone();
    want_sorted.sort();
    assert_eq!(got_sorted, want_sorted);

    // The gateway fix pins the domain local (MXCHECK-<d>=0) and leaves the lists alone; the
    // message proposes the gateway_mx pattern.
    for d in ["gw-auto.example", "gw-backup.example"] {
        let f = finding(&doc, "RT001", d);
        assert!(
            f["message"]
                .as_str()
                .unwrap()
                .contains("an inbound filtering gateway"),
            "{f:#}"
        );
        let edits = f["fix"]["edits"].as_array().unwrap();
        assert_eq!(edits.len(), 1, "{f:#}");
        assert_eq!(edits[0]["file"], "var/cpanel/users/u");
        assert_eq!(edits[0]["content"], format!("MXCHECK-{d}=0\n"));
    }
    let remote = finding(&doc, "RT001", "gw-remote.example");
    let edits = remote["fix"]["edits"].as_array().unwrap();
    assert_eq!(edits.len(), 1, "{remote:#}");
    assert_eq!(edits[0]["content"], "0", "MXCHECK-…=remote becomes 0");
    // Already pinned: nothing to fix, the warning asks to confirm the gateway.
    assert!(finding(&doc, "RT001", "gw-local.example")["fix"].is_null());
    // Not gateways: the usual fix routes them remotely.
    for d in ["lookalike.example", "mixed.example"] {
        let f = finding(&doc, "RT001", d);
        assert!(
            f["fix"]["message"]
                .as_str()
                .unwrap()
                .starts_with(&format!("route {d} remotely")),
            "{f:#}"
        );
    }

    // The full output proposes the pattern.
    let full = maillint(&[
        root.to_str().unwrap(),
        "--select",
        "RT001",
        "--format",
        "full",
    ]);
    let text = String::from_utf8(full.stdout).unwrap();
    assert!(
        text.contains("[server] gateway_mx = [\"*.ppe-hosted.com\"]"),
        "{text}"
    );
    assert!(
        text.contains("[server] gateway_mx = [\"*.mimecast.com\"]"),
        "{text}"
    );

    // After --fix, the gateway domains are local and pinned; the warnings remain, without a fix,
    // until the gateway is declared.
    let out = maillint(&[
        root.to_str().unwrap(),
        "--select",
        "RT",
        "--fix",
        "--unsafe-fixes",
    ]);
    assert!(matches!(out.status.code(), Some(0 | 1)));
    for d in ["gw-auto.example", "gw-remote.example", "gw-backup.example"] {
        assert_eq!(
            state(root, d),
            (Some(Routing::Local), Some("0".to_string())),
            "{d}"
        );
    }
    assert_eq!(
        state(root, "lookalike.example"),
        (Some(Routing::Remote), Some("remote".to_string()))
    );
    let after = report(root, &[]);
    for f in after["findings"].as_array().unwrap() {
        assert!(f["fix"].is_null(), "{f:#}");
        assert_eq!(f["severity"], "warning", "{f:#}");
    }
}

#[test]
fn a_declared_gateway_is_this_server() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    gateway_server(root);
    write(
        root,
        "etc/maillint.toml",
        "[server]\ngateway_mx = [\"*.ppe-hosted.com\", \"*.mimecast.com\", \"*.spamexperts.com\"]\n",
    );
    let doc = report(root, &[]);
    let mut got: Vec<(&str, &str)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["code"].as_str().unwrap(), f["domain"].as_str().unwrap()))
        .collect();
    got.sort();
    // Declared gateways count as this server: detection says local, no RT001. The lookalike does
    // not match `*.ppe-hosted.com`. mixed.example's other primary MX is still another host, but
    // with one primary MX that is this server, detection says local. gw-remote.example is now
    // listed local as detection says, and only its manual setting (Remote) disagrees: RT006.
    assert_eq!(
        got,
        [
            ("RT001", "lookalike.example"),
            ("RT006", "gw-remote.example")
        ]
    );
    assert_eq!(
        finding(&doc, "RT006", "gw-remote.example")["fix"]["edits"][0]["content"],
        "0"
    );
}

/// A server without `etc/wwwacct.conf` (its domain main.example routed correctly), with
/// `etc/localdomains` listing `listed` after main.example, and the given files.
fn hostless_server(root: &Path, listed: &[&str], files: &[(&str, &str)]) {
    server(root, &[]);
    std::fs::remove_file(root.join("etc/wwwacct.conf")).unwrap();
    let mut local = "main.example\n".to_string();
    for l in listed {
        local.push_str(l);
        local.push('\n');
    }
    write(root, "etc/localdomains", &local);
    for (rel, text) in files {
        write(root, rel, text);
    }
}

/// A cPanel-like `etc/exim.conf`: the main section, then routers.
fn exim_conf(main: &str) -> String {
    format!(
        "#!!# cPanel Exim 4 Config\n\n# primary_hostname =\n{main}domainlist local_domains = lsearch;/etc/localdomains\n\nbegin routers\n\n# primary_hostname = router.example.net\nlookuphost:\n  driver = dnslookup\n  domains = ! +local_domains\n  transport = remote_smtp\n"
    )
}

fn host_report(root: &Path) -> serde_json::Value {
    let out = maillint(&[
        root.to_str().unwrap(),
        "--format",
        "json",
        "--select",
        "RT005,RT009",
    ]);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn codes_domains(doc: &serde_json::Value) -> Vec<(String, String)> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["domain"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn without_wwwacct_the_host_name_comes_from_the_other_places_cpanel_states_it() {
    /// Files of the tree, the host name, where RT009 says it was taken from, and how.
    type HostCase = (
        Vec<(&'static str, String)>,
        &'static str,
        &'static str,
        &'static str,
    );
    let cases: Vec<HostCase> = vec![
        (
            vec![(
                "etc/exim.conf",
                exim_conf("primary_hostname = Mail.Example.NET\n"),
            )],
            "mail.example.net",
            "etc/exim.conf:4",
            "Exim's primary_hostname",
        ),
        // Quoted, with `hide`; a later default HELO and etc/hostname do not win.
        (
            vec![
                (
                    "etc/exim.conf",
                    exim_conf("hide primary_hostname = \"quoted.example.net\"\n"),
                ),
                ("etc/mailhelo", "*: helo.example.net\n".to_string()),
                ("etc/hostname", "kernel.example.net\n".to_string()),
            ],
            "quoted.example.net",
            "etc/exim.conf:4",
            "Exim's primary_hostname",
        ),
        // cPanel's own exim.conf leaves primary_hostname unset (and an expansion is no name):
        // the default line of etc/mailhelo.
        (
            vec![
                (
                    "etc/exim.conf",
                    exim_conf("primary_hostname = ${lookup{x}lsearch{/etc/x}}\n"),
                ),
                (
                    "etc/mailhelo",
                    "main.example: mail.main.example\n*: helo.example.net\n".to_string(),
                ),
                ("etc/hostname", "kernel.example.net\n".to_string()),
            ],
            "helo.example.net",
            "etc/mailhelo:2",
            "the default HELO name of etc/mailhelo",
        ),
        (
            vec![("etc/hostname", "Kernel.Example.Net\n".to_string())],
            "kernel.example.net",
            "etc/hostname:1",
            "etc/hostname",
        ),
        // etc/wwwacct.conf without HOST counts as missing.
        (
            vec![
                (
                    "etc/wwwacct.conf",
                    "ADDR 192.0.2.10\nNS ns1.example.net\n".to_string(),
                ),
                ("etc/hostname", "kernel.example.net\n".to_string()),
            ],
            "kernel.example.net",
            "etc/hostname:1",
            "etc/hostname",
        ),
    ];
    for (files, host, at, source) in &cases {
        let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
        // Not in etc/localdomains: RT009 names the host name and where it was taken from.
        let dir = tempfile::tempdir().unwrap();
        hostless_server(dir.path(), &[], &files);
        let doc = host_report(dir.path());
        assert_eq!(
            codes_domains(&doc),
            [("RT009".to_string(), host.to_string())],
            "{host}"
        );
        let related = &doc["findings"][0]["related"][0];
        assert_eq!(
            format!("{}:{}", related["file"].as_str().unwrap(), related["line"]),
            *at,
            "{host}"
        );
        let message = related["message"].as_str().unwrap();
        assert!(
            message.contains(source) && message.contains("etc/wwwacct.conf states no HOST"),
            "{host}: {message}"
        );
        // Listed: neither RT009 nor RT005 (the host name is no orphan).
        let dir = tempfile::tempdir().unwrap();
        hostless_server(dir.path(), &[host], &files);
        assert_eq!(codes_domains(&host_report(dir.path())), [], "{host}");
    }
}

#[test]
fn no_host_name_stated_anywhere_is_never_removed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // No etc/wwwacct.conf, no primary_hostname, no default HELO, a short etc/hostname.
    hostless_server(
        root,
        &[
            "server1.example.net",
            "localhost",
            "localhost.localdomain",
            "localhost4.localdomain4",
            "ip6-localhost",
        ],
        &[
            ("etc/exim.conf", &exim_conf("")),
            ("etc/mailhelo", "main.example: mail.main.example\n"),
            ("etc/hostname", "server1\n"),
        ],
    );
    let doc = host_report(root);
    // The entry that may be the host name is reported, without a fix; localhost names are not.
    assert_eq!(
        codes_domains(&doc),
        [("RT005".to_string(), "server1.example.net".to_string())]
    );
    assert!(
        doc["findings"][0]["fix"].is_null(),
        "{:#}",
        doc["findings"][0]
    );
    let full = maillint(&[
        root.to_str().unwrap(),
        "--select",
        "RT005",
        "--format",
        "full",
    ]);
    let text = String::from_utf8(full.stdout).unwrap();
    assert!(
        text.contains("maillint does not know this server's host name"),
        "{text}"
    );
    // --fix leaves etc/localdomains alone.
    let before = std::fs::read(root.join("etc/localdomains")).unwrap();
    maillint(&[
        root.to_str().unwrap(),
        "--select",
        "RT005",
        "--fix",
        "--unsafe-fixes",
    ]);
    assert_eq!(
        std::fs::read(root.join("etc/localdomains")).unwrap(),
        before
    );
}

#[test]
fn every_stated_host_name_stays_in_localdomains() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // wwwacct says one name, Exim's primary_hostname another, etc/hostname a third: the first is
    // the host name; none of them is an orphan of etc/localdomains. A name nobody states is.
    server(root, &[]);
    write(
        root,
        "etc/localdomains",
        &format!("{HOST}\nmain.example\nexim.example.net\nkernel.example.net\nold.example.net\n"),
    );
    write(
        root,
        "etc/exim.conf",
        &exim_conf("primary_hostname = exim.example.net\n"),
    );
    write(root, "etc/hostname", "kernel.example.net\n");
    let doc = host_report(root);
    assert_eq!(
        codes_domains(&doc),
        [("RT005".to_string(), "old.example.net".to_string())]
    );
    // The RT005 fix is still offered for an entry nobody states, now that the host name is known.
    assert!(!doc["findings"][0]["fix"].is_null());
}
