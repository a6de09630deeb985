//! Live DNS (`--resolve`): what the Internet sees of each domain, gathered once, before any rule
//! runs, into a [`PublicView`] of answers and lookup failures.
//!
//! This is a phase that produces data: the model holds the view ([`crate::model::Server::public`])
//! and rules read it like any other part of the model; no rule does I/O. Without `--resolve`
//! nothing here runs and no socket is opened. The network half ([`net`]) is behind the cargo
//! feature `resolve` (on by default); a binary built without it refuses `--resolve`.
//!
//! What is asked, per mail domain (see [`plan_domain`]): its MX, TXT (SPF), NS, `_dmarc` TXT
//! and `default._domainkey` TXT (cPanel's DKIM selector); then, in later rounds, the addresses of
//! the MX targets (and of the domain itself when it has no MX), and the TXT records of the
//! `include:` and `redirect=` targets of its SPF record, as far as the chain goes. Answers are
//! cached for the run: each name and type is asked once, whatever domains need it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

#[cfg(feature = "resolve")]
mod net;

/// The record types maillint asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum QType {
    A,
    Aaaa,
    Mx,
    Txt,
    Ns,
}

impl QType {
    pub fn as_str(self) -> &'static str {
        match self {
            QType::A => "A",
            QType::Aaaa => "AAAA",
            QType::Mx => "MX",
            QType::Txt => "TXT",
            QType::Ns => "NS",
        }
    }
}

/// One question: a name (lower case, no final dot) and a type.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Query {
    pub name: String,
    pub qtype: QType,
}

impl Query {
    pub fn new(name: &str, qtype: QType) -> Query {
        Query {
            name: normalize(name),
            qtype,
        }
    }
}

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.name, self.qtype.as_str())
    }
}

/// A name as maillint compares names: lower case, no final dot.
pub fn normalize(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// A record of an answer.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rdata {
    Addr(IpAddr),
    Mx {
        preference: u16,
        exchange: String,
    },
    /// The character-strings of a TXT record.
    Txt(Vec<Vec<u8>>),
    Ns(String),
}

impl Rdata {
    /// A TXT record's strings joined, as SPF, DKIM and DMARC read them.
    pub fn txt(&self) -> Option<String> {
        match self {
            Rdata::Txt(parts) => Some(String::from_utf8_lossy(&parts.concat()).into_owned()),
            _ => None,
        }
    }
}

/// Why a lookup gave no answer. Each makes a verdict "not verified" (DNS001), never "wrong".
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The server answered SERVFAIL.
    ServFail,
    /// The server answered REFUSED.
    Refused,
    /// Another error response code.
    Rcode(String),
    /// No answer within `--dns-timeout`.
    Timeout,
    /// Not asked, or not answered, before the run's overall deadline.
    Deadline,
    /// Anything else (no connection, an I/O or protocol error).
    Other(String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::ServFail => f.write_str("SERVFAIL (the server failed to answer)"),
            Failure::Refused => f.write_str("REFUSED (the server refused to answer)"),
            Failure::Rcode(c) => write!(f, "error response {c}"),
            Failure::Timeout => f.write_str("timed out"),
            Failure::Deadline => f.write_str("not answered before the run's deadline"),
            Failure::Other(e) => write!(f, "failed: {e}"),
        }
    }
}

/// The answer to a [`Query`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Records of the asked type (CNAMEs followed), sorted.
    Records(Vec<Rdata>),
    /// The name does not exist (NXDOMAIN).
    NxDomain,
    /// The name exists, with no record of this type (NOERROR, no data).
    NoData,
    Failed(Failure),
}

impl Answer {
    pub fn records(&self) -> &[Rdata] {
        match self {
            Answer::Records(r) => r,
            _ => &[],
        }
    }

    pub fn failure(&self) -> Option<&Failure> {
        match self {
            Answer::Failed(f) => Some(f),
            _ => None,
        }
    }

    /// The TXT strings of the answer.
    pub fn txts(&self) -> Vec<String> {
        self.records().iter().filter_map(Rdata::txt).collect()
    }
}

/// Which servers `--resolve` asks, and how long it waits.
#[derive(Clone, Debug)]
pub struct Settings {
    /// `--resolver IP[:PORT]`; empty: the system's resolvers (`/etc/resolv.conf` of the machine
    /// maillint runs on, never of the tree).
    pub servers: Vec<SocketAddr>,
    /// `--dns-timeout`: how long one query waits for an answer.
    pub timeout: Duration,
    /// Most queries in flight at once.
    pub max_in_flight: usize,
    /// The whole gathering's deadline: what is not answered by then is [`Failure::Deadline`].
    pub deadline: Duration,
}

impl Settings {
    pub fn new(servers: Vec<SocketAddr>, timeout: Duration) -> Settings {
        Settings {
            servers,
            timeout,
            max_in_flight: 64,
            // Room for the rounds of a long SPF chain, each of which may wait a timeout.
            deadline: (timeout * 4).max(Duration::from_secs(5)),
        }
    }
}

/// Parses `--resolver IP[:PORT]` (IPv6 with a port as `[IP]:PORT`); port 53 by default.
pub fn parse_server(text: &str) -> Result<SocketAddr, String> {
    if let Ok(sa) = text.parse::<SocketAddr>() {
        return Ok(sa);
    }
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, 53));
    }
    Err(format!(
        "`{}` is not an IP address with an optional port (192.0.2.53, 192.0.2.53:5353, [2001:db8::53]:53)",
        crate::escape::Esc(text)
    ))
}

/// What the Internet sees: the answers gathered by `--resolve`, and which queries each domain
/// depended on.
#[derive(Clone, Debug, Default)]
pub struct PublicView {
    /// Which resolvers answered, for messages ("the resolvers of /etc/resolv.conf (…)").
    pub source: String,
    pub answers: HashMap<Query, Answer>,
    /// The queries asked on behalf of each domain (its own records, its MX targets, its SPF
    /// chain), in the order asked.
    pub needed: BTreeMap<String, Vec<Query>>,
}

impl PublicView {
    pub fn get(&self, name: &str, qtype: QType) -> Option<&Answer> {
        self.answers.get(&Query::new(name, qtype))
    }

    /// The failed lookups a domain's verdicts depend on.
    pub fn failures(&self, domain: &str) -> Vec<(&Query, &Failure)> {
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        for q in self.needed.get(domain).into_iter().flatten() {
            if !seen.insert(q) {
                continue;
            }
            if let Some(f) = self.answers.get(q).and_then(Answer::failure) {
                out.push((q, f));
            }
        }
        out
    }

    /// Whether the view holds anything about a domain.
    pub fn covers(&self, domain: &str) -> bool {
        self.needed.contains_key(domain)
    }

    /// The TXT records of a name that are SPF records (`v=spf1`).
    pub fn spf(&self, name: &str) -> Option<Result<Vec<String>, &Answer>> {
        let a = self.get(name, QType::Txt)?;
        Some(match a {
            Answer::Records(_) | Answer::NoData | Answer::NxDomain => Ok(a
                .txts()
                .into_iter()
                .filter(|t| crate::parse::spf::is_spf(t))
                .collect()),
            other => Err(other),
        })
    }
}

/// The DKIM selector cPanel publishes (`default._domainkey.DOMAIN`).
pub const DKIM_SELECTOR: &str = "default";

/// Most rounds of follow-up queries (MX targets, SPF chains): RFC 7208's limit of 10 DNS
/// lookups bounds any chain worth following.
const MAX_ROUNDS: usize = 12;

/// The first queries for a domain.
pub fn plan_domain(domain: &str) -> Vec<Query> {
    vec![
        Query::new(domain, QType::Mx),
        Query::new(domain, QType::Txt),
        Query::new(domain, QType::Ns),
        Query::new(&format!("_dmarc.{domain}"), QType::Txt),
        Query::new(&format!("{DKIM_SELECTOR}._domainkey.{domain}"), QType::Txt),
    ]
}

/// The follow-up queries an answer calls for, on behalf of `domain`.
fn follow_ups(domain: &str, q: &Query, a: &Answer, out: &mut Vec<Query>) {
    match (q.qtype, a) {
        (QType::Mx, Answer::Records(rs)) => {
            for r in rs {
                if let Rdata::Mx { exchange, .. } = r
                    && !exchange.is_empty()
                {
                    out.push(Query::new(exchange, QType::A));
                    out.push(Query::new(exchange, QType::Aaaa));
                }
            }
        }
        // No MX: mail goes to the domain's own address (implicit MX).
        (QType::Mx, Answer::NoData) if q.name == domain => {
            out.push(Query::new(domain, QType::A));
            out.push(Query::new(domain, QType::Aaaa));
        }
        (QType::Txt, Answer::Records(_)) if !q.name.contains("._domainkey.") => {
            if q.name.starts_with("_dmarc.") {
                return;
            }
            for text in a.txts() {
                if !crate::parse::spf::is_spf(&text) {
                    continue;
                }
                let rec = crate::parse::spf::parse(&text);
                for t in &rec.terms {
                    use crate::parse::spf::{Mechanism, Modifier, TermKind};
                    let target = match &t.kind {
                        TermKind::Mechanism(Mechanism::Include(d)) => d.domain(),
                        TermKind::Modifier(Modifier::Redirect(d)) => d.domain(),
                        _ => None,
                    };
                    if let Some(t) = target {
                        out.push(Query::new(&t, QType::Txt));
                    }
                }
            }
        }
        _ => {}
    }
}

/// Asks DNS about `domains` (mail domains of the tree) and returns what it said. An error is a
/// reason the gathering could not even start (no resolver configured, a build without the
/// `resolve` feature).
///
/// `extra` adds queries per domain that the model knows to need (the addresses of MX targets
/// of the local zone that lie outside the local zones, for MX005).
pub fn gather(
    domains: &[String],
    extra: &BTreeMap<String, Vec<Query>>,
    settings: &Settings,
) -> Result<PublicView, String> {
    #[cfg(feature = "resolve")]
    {
        let client = net::Client::new(settings)?;
        Ok(gather_with(
            domains,
            extra,
            settings,
            |batch, deadline| client.run(batch, deadline),
            client.source(),
        ))
    }
    #[cfg(not(feature = "resolve"))]
    {
        let _ = (domains, extra, settings);
        Err(NOT_BUILT.to_string())
    }
}

/// The message of `--resolve` in a build without the `resolve` feature.
pub const NOT_BUILT: &str = "--resolve: this maillint was built without live DNS (the cargo feature `resolve`); use a build with default features";

/// The gathering, over any way of answering a batch of queries (the network, or a table in
/// tests): rounds of queries until no answer calls for another, each round answered in
/// parallel by `ask`, within one deadline.
pub fn gather_with(
    domains: &[String],
    extra: &BTreeMap<String, Vec<Query>>,
    settings: &Settings,
    mut ask: impl FnMut(Vec<Query>, std::time::Instant) -> Vec<(Query, Answer)>,
    source: String,
) -> PublicView {
    let deadline = std::time::Instant::now() + settings.deadline;
    let mut view = PublicView {
        source,
        ..PublicView::default()
    };
    // Queries still to follow up, per domain.
    let mut pending: Vec<(String, Vec<Query>)> = domains
        .iter()
        .map(|d| {
            let d = normalize(d);
            let mut qs = plan_domain(&d);
            qs.extend(extra.get(&d).into_iter().flatten().cloned());
            (d, qs)
        })
        .collect();
    for _ in 0..MAX_ROUNDS {
        let mut batch: BTreeSet<Query> = BTreeSet::new();
        for (_, qs) in &pending {
            for q in qs {
                if !view.answers.contains_key(q) {
                    batch.insert(q.clone());
                }
            }
        }
        if !batch.is_empty() {
            for (q, a) in ask(batch.into_iter().collect(), deadline) {
                view.answers.insert(q, a);
            }
        }
        let mut next: Vec<(String, Vec<Query>)> = Vec::new();
        for (domain, qs) in pending {
            let mut more = Vec::new();
            let needed = view.needed.entry(domain.clone()).or_default();
            for q in qs {
                if needed.contains(&q) {
                    continue;
                }
                if let Some(a) = view.answers.get(&q) {
                    follow_ups(&domain, &q, a, &mut more);
                }
                needed.push(q);
            }
            more.retain(|q| !needed.contains(q));
            if !more.is_empty() {
                next.push((domain, more));
            }
        }
        if next.is_empty() {
            return view;
        }
        pending = next;
    }
    view
}

#[cfg(test)]
mod tests {
    use super::*;

    fn txt(s: &str) -> Answer {
        Answer::Records(vec![Rdata::Txt(vec![s.as_bytes().to_vec()])])
    }

    #[test]
    fn follows_mx_targets_and_spf_chains_and_asks_each_query_once() {
        let mut table: HashMap<Query, Answer> = HashMap::new();
        table.insert(
            Query::new("example.com", QType::Mx),
            Answer::Records(vec![Rdata::Mx {
                preference: 0,
                exchange: "mx.example.net".into(),
            }]),
        );
        table.insert(
            Query::new("example.com", QType::Txt),
            txt("v=spf1 include:a.example.net -all"),
        );
        table.insert(
            Query::new("a.example.net", QType::Txt),
            txt("v=spf1 redirect=b.example.net"),
        );
        table.insert(
            Query::new("b.example.net", QType::Txt),
            Answer::Failed(Failure::Refused),
        );
        let mut asked: Vec<Query> = Vec::new();
        let s = Settings::new(Vec::new(), Duration::from_secs(1));
        let view = gather_with(
            &["example.com".into(), "Example.com.".into()],
            &BTreeMap::new(),
            &s,
            |batch, _| {
                asked.extend(batch.iter().cloned());
                batch
                    .into_iter()
                    .map(|q| {
                        let a = table.get(&q).cloned().unwrap_or(Answer::NxDomain);
                        (q, a)
                    })
                    .collect()
            },
            "test".into(),
        );
        let unique: BTreeSet<&Query> = asked.iter().collect();
        assert_eq!(
            unique.len(),
            asked.len(),
            "a query was asked twice: {asked:?}"
        );
        for q in [
            Query::new("mx.example.net", QType::A),
            Query::new("mx.example.net", QType::Aaaa),
            Query::new("b.example.net", QType::Txt),
        ] {
            assert!(asked.contains(&q), "{q} not asked");
        }
        let failures = view.failures("example.com");
        assert_eq!(failures.len(), 1);
        assert_eq!(failures[0].0.to_string(), "b.example.net TXT");
        assert_eq!(*failures[0].1, Failure::Refused);
    }

    #[test]
    fn resolver_addresses() {
        assert_eq!(parse_server("192.0.2.53").unwrap().port(), 53);
        assert_eq!(parse_server("192.0.2.53:5353").unwrap().port(), 5353);
        assert_eq!(parse_server("[2001:db8::1]:54").unwrap().port(), 54);
        assert!(parse_server("ns1.example.net").is_err());
    }
}
