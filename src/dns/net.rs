//! The network half of `--resolve`: hickory-resolver on a small multi-threaded tokio runtime, queries
//! in parallel with at most [`Settings::max_in_flight`] in flight.

use std::time::Instant;

use hickory_resolver::config::{NameServerConfig, ResolveHosts, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{RData, RecordType};
use hickory_resolver::{Resolver, TokioResolver};

use super::{Answer, Failure, QType, Query, Rdata, Settings};

pub(super) struct Client {
    rt: tokio::runtime::Runtime,
    resolver: TokioResolver,
    max_in_flight: usize,
    source: String,
}

impl Client {
    pub(super) fn new(settings: &Settings) -> Result<Client, String> {
        let (config, mut opts, source) = if settings.servers.is_empty() {
            let (config, opts) = hickory_resolver::system_conf::read_system_conf().map_err(|e| {
                format!("--resolve: cannot read the system's resolver configuration (/etc/resolv.conf): {e}; name servers with --resolver IP[:PORT]")
            })?;
            let names: Vec<String> = config
                .name_servers()
                .iter()
                .map(|n| n.ip.to_string())
                .collect();
            if names.is_empty() {
                return Err("--resolve: /etc/resolv.conf names no name server; name one with --resolver IP[:PORT]".into());
            }
            let source = format!("the system's resolvers ({})", names.join(", "));
            (config, opts, source)
        } else {
            let servers: Vec<NameServerConfig> = settings
                .servers
                .iter()
                .map(|sa| {
                    let mut ns = NameServerConfig::udp_and_tcp(sa.ip());
                    for c in &mut ns.connections {
                        c.port = sa.port();
                    }
                    ns
                })
                .collect();
            let names: Vec<String> = settings.servers.iter().map(|s| s.to_string()).collect();
            (
                ResolverConfig::from_name_servers(servers),
                Default::default(),
                format!("the resolvers {}", names.join(", ")),
            )
        };
        opts.timeout = settings.timeout;
        opts.attempts = 1;
        opts.use_hosts_file = ResolveHosts::Never;
        // Names are asked fully qualified: no search list.
        opts.ndots = 0;
        // A small multi-threaded runtime: parsing answers and managing sockets costs CPU, and a
        // server of thousands of domains asks a hundred thousand questions.
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 4));
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .enable_all()
            .build()
            .map_err(|e| format!("--resolve: cannot start the DNS client: {e}"))?;
        let mut b = Resolver::builder_with_config(config, TokioRuntimeProvider::default());
        *b.options_mut() = opts;
        let resolver = {
            let _g = rt.enter();
            b.build()
                .map_err(|e| format!("--resolve: cannot start the DNS client: {e}"))?
        };
        Ok(Client {
            rt,
            resolver,
            max_in_flight: settings.max_in_flight.max(1),
            source,
        })
    }

    pub(super) fn source(&self) -> String {
        self.source.clone()
    }

    /// Answers a batch, at most `max_in_flight` queries at once; what is not answered by
    /// `deadline` is [`Failure::Deadline`].
    pub(super) fn run(&self, batch: Vec<Query>, deadline: Instant) -> Vec<(Query, Answer)> {
        let resolver = self.resolver.clone();
        let max = self.max_in_flight;
        self.rt.block_on(async move {
            let mut out: Vec<(Query, Answer)> = Vec::with_capacity(batch.len());
            let mut set = tokio::task::JoinSet::new();
            let mut todo = batch.into_iter();
            let end = tokio::time::Instant::from_std(deadline);
            let mut flying: std::collections::HashSet<Query> = Default::default();
            loop {
                while set.len() < max {
                    let Some(q) = todo.next() else { break };
                    let r = resolver.clone();
                    flying.insert(q.clone());
                    set.spawn(async move {
                        let a = ask(&r, &q).await;
                        (q, a)
                    });
                }
                if set.is_empty() {
                    break;
                }
                match tokio::time::timeout_at(end, set.join_next()).await {
                    Ok(Some(Ok(qa))) => {
                        flying.remove(&qa.0);
                        out.push(qa);
                    }
                    Ok(Some(Err(_))) => {}
                    Ok(None) => break,
                    Err(_) => {
                        set.abort_all();
                        break;
                    }
                }
            }
            // Whatever was not answered in time.
            for q in flying.into_iter().chain(todo) {
                out.push((q, Answer::Failed(Failure::Deadline)));
            }
            out
        })
    }
}

async fn ask(r: &TokioResolver, q: &Query) -> Answer {
    let rtype = match q.qtype {
        QType::A => RecordType::A,
        QType::Aaaa => RecordType::AAAA,
        QType::Mx => RecordType::MX,
        QType::Txt => RecordType::TXT,
        QType::Ns => RecordType::NS,
    };
    let fqdn = format!("{}.", q.name);
    match r.lookup(fqdn.as_str(), rtype).await {
        Ok(lookup) => {
            let mut recs: Vec<Rdata> = lookup
                .answers()
                .iter()
                .filter_map(|rec| match &rec.data {
                    RData::A(a) if rtype == RecordType::A => Some(Rdata::Addr(a.0.into())),
                    RData::AAAA(a) if rtype == RecordType::AAAA => Some(Rdata::Addr(a.0.into())),
                    RData::MX(m) if rtype == RecordType::MX => Some(Rdata::Mx {
                        preference: m.preference,
                        exchange: super::normalize(&m.exchange.to_ascii()),
                    }),
                    RData::TXT(t) if rtype == RecordType::TXT => {
                        Some(Rdata::Txt(t.txt_data.iter().map(|s| s.to_vec()).collect()))
                    }
                    RData::NS(n) if rtype == RecordType::NS => {
                        Some(Rdata::Ns(super::normalize(&n.0.to_ascii())))
                    }
                    _ => None,
                })
                .collect();
            recs.sort();
            recs.dedup();
            if recs.is_empty() {
                Answer::NoData
            } else {
                Answer::Records(recs)
            }
        }
        Err(e) => Answer::from_error(&e),
    }
}

impl Answer {
    fn from_error(e: &NetError) -> Answer {
        match e {
            NetError::Dns(DnsError::NoRecordsFound(nr)) => match nr.response_code {
                ResponseCode::NXDomain => Answer::NxDomain,
                ResponseCode::NoError => Answer::NoData,
                ResponseCode::ServFail => Answer::Failed(Failure::ServFail),
                ResponseCode::Refused => Answer::Failed(Failure::Refused),
                other => Answer::Failed(Failure::Rcode(other.to_string())),
            },
            NetError::Dns(DnsError::ResponseCode(rc)) => match *rc {
                ResponseCode::ServFail => Answer::Failed(Failure::ServFail),
                ResponseCode::Refused => Answer::Failed(Failure::Refused),
                ResponseCode::NXDomain => Answer::NxDomain,
                other => Answer::Failed(Failure::Rcode(other.to_string())),
            },
            NetError::Timeout => Answer::Failed(Failure::Timeout),
            other => Answer::Failed(Failure::Other(other.to_string())),
        }
    }
}
