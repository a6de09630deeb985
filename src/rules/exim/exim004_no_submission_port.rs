//! EXIM004: on cPanel, Exim listens on port 25 only: no 587, 465 or alternate port for users
//! whose provider blocks port 25.

use std::collections::BTreeSet;

use crate::finding::{Edit, Finding, Fix};
use crate::model::Server;
use crate::model::exim::{BUILDEXIMCONF, REBUILD};
use crate::parse::exim::{Config, list};

use super::FAMILY;

rule!(
    EXIM004,
    "no-submission-port",
    Warning,
    None,
    Unsafe,
    [EXIM],
    "Exim listens on neither 587 nor an alternate port: users whose ISP blocks port 25 cannot send."
);

/// A port as Exim reads it in `daemon_smtp_ports` (a number or a service name).
fn port(word: &str) -> Option<u16> {
    match word {
        "smtp" => Some(25),
        "submission" => Some(587),
        "smtps" | "submissions" | "ssmtp" => Some(465),
        w => w.parse().ok(),
    }
}

/// The ports the generated configuration listens on: `daemon_smtp_ports` (or Exim's default,
/// 25), and ports given in `local_interfaces` (`<; 192.0.2.1.587 ; [2001:db8::1]:587`).
pub fn generated_ports(c: &Config) -> BTreeSet<u16> {
    let mut ports: BTreeSet<u16> = ["daemon_smtp_ports", "daemon_smtp_port"]
        .iter()
        .filter_map(|n| c.main_option(n))
        .filter_map(|o| o.value.clone())
        .next_back()
        .map(|v| {
            list::items(&v)
                .iter()
                .filter_map(|i| port(i.text.trim()))
                .collect()
        })
        .unwrap_or_else(|| [25].into_iter().collect());
    if let Some(v) = c
        .main_option("local_interfaces")
        .and_then(|o| o.value.clone())
    {
        for item in list::items(&v) {
            let t = item.text.trim();
            let p = if let Some(rest) = t.strip_prefix('[') {
                rest.split_once("]:")
                    .and_then(|(_, p)| p.parse::<u16>().ok())
            } else if t.contains(':') {
                None
            } else {
                t.rsplit_once('.')
                    .filter(|(a, _)| a.matches('.').count() == 3)
                    .and_then(|(_, p)| p.parse().ok())
            };
            ports.extend(p);
        }
    }
    ports
}

/// Whether a set of ports offers users anything besides port 25.
fn port_25_only(ports: &BTreeSet<u16>) -> bool {
    ports.iter().all(|&p| p == 25)
}

fn shown(ports: &BTreeSet<u16>) -> String {
    if ports.is_empty() {
        return "no port".to_string();
    }
    let v: Vec<String> = ports.iter().map(u16::to_string).collect();
    match v.as_slice() {
        [one] => format!("port {one}"),
        [rest @ .., last] => format!("ports {} and {last}", rest.join(", ")),
        [] => unreachable!("not empty"),
    }
}

const WHY: &str = "many access providers block outgoing connections to port 25 (against spam from infected computers): users on such networks can send through this server only on 587 (submission with STARTTLS), 465 (implicit TLS) or cPanel's alternate port, and with none open their mail clients fail to send";

pub(super) fn check(s: &Server, out: &mut Vec<Finding>) {
    if !s.exim_is_cpanel() {
        return;
    }
    let src = s.cpanel_ports();
    // Ports computed at run time are not judged.
    let expanded = s.exim.as_ref().is_some_and(|c| {
        ["daemon_smtp_ports", "daemon_smtp_port", "local_interfaces"]
            .iter()
            .filter_map(|n| c.main_option(n))
            .any(|o| o.value.as_deref().is_some_and(|v| v.contains('$')))
    });
    let generated = s.exim.as_ref().filter(|_| !expanded).map(|c| {
        let o = ["daemon_smtp_ports", "daemon_smtp_port"]
            .iter()
            .filter_map(|n| c.main_option(n))
            .next_back();
        (generated_ports(c), o.map(|o| s.exim_loc(o.loc)))
    });
    if port_25_only(&src.ports) {
        let Some((loc, o)) = &src.replaced_by else {
            return;
        };
        let local = s.exim_local.as_ref().expect("a .local line");
        let mut f = Finding::new(
            &EXIM004,
            format!(
                "etc/exim.conf.local sets `{}` to {}: Exim listens on no submission port (587, 465) and no alternate port",
                o.name,
                shown(&src.ports)
            ),
        )
        .at(loc.clone())
        .label("replaces cPanel's ports 25, 465 and 587")
        .note(WHY)
        .note("cPanel listens on 25, 465 and 587 unless a `daemon_smtp_ports` line of etc/exim.conf.local replaces them; \"Exim Mail Server (on another port)\" in WHM's Service Manager adds one more");
        if let Some((ports, Some(g))) = &generated {
            f = f.related(g.clone(), format!("what Exim runs: {}", shown(ports)));
        }
        if let Some(v) = o.value_span {
            let value = o.value.as_deref().unwrap_or("").trim();
            let new = if value.is_empty() {
                "25 : 587".to_string()
            } else {
                format!("{value} : 587")
            };
            f = f.fix(
                Fix::unsafe_(format!(
                    "add port 587 to `{}` in etc/exim.conf.local (WHM's Exim Configuration Manager, Advanced Editor; or remove the line to get cPanel's 25, 465 and 587), then rebuild etc/exim.conf and open 587 in the firewall",
                    o.name
                ))
                .edit(Edit::replace(local.path(), v, new))
                .command(REBUILD),
            );
        }
        out.push(f);
    } else if let Some((ports, at)) = generated
        && port_25_only(&ports)
    {
        let at = at.unwrap_or_else(|| crate::finding::Loc::file_start(s.exim_path(0)));
        out.push(
            Finding::new(
                &EXIM004,
                format!(
                    "etc/exim.conf listens on {} only, while cPanel's sources give {}",
                    shown(&ports),
                    shown(&src.ports)
                ),
            )
            .at(at)
            .label("no submission port")
            .note(WHY)
            .note("etc/exim.conf does not match its sources: it is a hand edit, or it has not been rebuilt since they changed; the next rebuild replaces it")
            .help(format!("run {BUILDEXIMCONF}")),
        );
    }
}
