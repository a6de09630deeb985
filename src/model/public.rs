//! The public view of a domain ([`crate::dns::PublicView`], gathered by `--resolve`) read as
//! cPanel's "Automatically Detect" would read it, if it asked the Internet instead of the local
//! zone: the public MX records, their targets' public addresses, and whether they are this server.

use std::net::IpAddr;

use crate::dns::{Answer, Failure, QType, Query, Rdata};
use crate::model::Server;
use crate::model::dns::Routing;

/// One public MX record, with whether its target is this server (`None`: its address lookup
/// failed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicMx {
    pub preference: u16,
    pub target: String,
    pub addrs: Vec<IpAddr>,
    pub local: Option<bool>,
}

/// Why the public routing of a domain is not known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PublicUndecided {
    /// `--resolve` was not given, or the domain was not asked about.
    NotAsked,
    /// A lookup the verdict needs failed (DNS001 reports it).
    Failed(Query, Failure),
    /// The domain does not exist in public DNS.
    NxDomain,
    /// No MX and no address.
    NoMxNoAddress,
    /// A null MX (`MX 0 .`).
    NullMx,
}

/// Routing detected from public DNS.
#[derive(Clone, Debug)]
pub struct PublicDetection {
    pub outcome: Result<Routing, PublicUndecided>,
    /// The public MX records in ascending preference (or the implicit MX).
    pub mx: Vec<PublicMx>,
    pub implicit: bool,
}

impl Server {
    /// The answer of the public view to a query, when `--resolve` asked it.
    pub fn public_answer(&self, name: &str, qtype: QType) -> Option<&Answer> {
        self.public.as_ref()?.get(name, qtype)
    }

    /// Whether an address or name found in public DNS stands for this server.
    fn public_target_local(&self, target: &str) -> (Vec<IpAddr>, Result<bool, (Query, Failure)>) {
        if self.identity.is_gateway(target) || self.identity.is_hostname(target) {
            return (Vec::new(), Ok(true));
        }
        if let Ok(ip) = target.parse::<IpAddr>() {
            return (vec![ip], Ok(self.identity.is_server_address(&ip)));
        }
        let mut addrs = Vec::new();
        let mut failed = None;
        for qt in [QType::A, QType::Aaaa] {
            match self.public_answer(target, qt) {
                Some(Answer::Records(rs)) => addrs.extend(rs.iter().filter_map(|r| match r {
                    Rdata::Addr(ip) => Some(*ip),
                    _ => None,
                })),
                Some(Answer::Failed(f)) => {
                    failed.get_or_insert((Query::new(target, qt), f.clone()));
                }
                None => {
                    failed.get_or_insert((Query::new(target, qt), Failure::Deadline));
                }
                _ => {}
            }
        }
        let local = addrs.iter().any(|ip| self.identity.is_server_address(ip));
        match failed {
            Some(f) if !local => (addrs, Err(f)),
            _ => (addrs, Ok(local)),
        }
    }

    /// Routing detection from public DNS (RT013).
    pub fn detect_public_routing(&self, domain: &str) -> PublicDetection {
        let mut det = PublicDetection {
            outcome: Err(PublicUndecided::NotAsked),
            mx: Vec::new(),
            implicit: false,
        };
        let Some(view) = &self.public else {
            return det;
        };
        if !view.covers(domain) {
            return det;
        }
        let mut mx: Vec<(u16, String)> = match self.public_answer(domain, QType::Mx) {
            Some(Answer::Records(rs)) => rs
                .iter()
                .filter_map(|r| match r {
                    Rdata::Mx {
                        preference,
                        exchange,
                    } => Some((*preference, exchange.clone())),
                    _ => None,
                })
                .collect(),
            Some(Answer::NxDomain) => {
                det.outcome = Err(PublicUndecided::NxDomain);
                return det;
            }
            Some(Answer::NoData) => Vec::new(),
            Some(Answer::Failed(f)) => {
                det.outcome = Err(PublicUndecided::Failed(
                    Query::new(domain, QType::Mx),
                    f.clone(),
                ));
                return det;
            }
            None => return det,
        };
        if mx.is_empty() {
            let has_addr = [QType::A, QType::Aaaa].iter().any(|qt| {
                matches!(self.public_answer(domain, *qt), Some(Answer::Records(r)) if !r.is_empty())
            });
            if !has_addr {
                det.outcome = Err(PublicUndecided::NoMxNoAddress);
                return det;
            }
            det.implicit = true;
            mx.push((0, domain.to_string()));
        }
        if mx.iter().any(|(_, t)| t.is_empty()) {
            det.outcome = Err(PublicUndecided::NullMx);
            return det;
        }
        mx.sort();
        let lowest = mx[0].0;
        let (mut primary, mut secondary) = (false, false);
        let mut failed = None;
        for (preference, target) in mx {
            let (addrs, local) = self.public_target_local(&target);
            let l = match local {
                Ok(l) => Some(l),
                Err(f) => {
                    failed.get_or_insert(f);
                    None
                }
            };
            if l == Some(true) {
                if preference == lowest {
                    primary = true;
                } else {
                    secondary = true;
                }
            }
            det.mx.push(PublicMx {
                preference,
                target,
                addrs,
                local: l,
            });
        }
        det.outcome = match failed {
            // A target that is this server decides the primary whatever the others are.
            _ if primary => Ok(Routing::Local),
            Some((q, f)) => Err(PublicUndecided::Failed(q, f)),
            None if secondary => Ok(Routing::Secondary),
            None => Ok(Routing::Remote),
        };
        det
    }
}

impl PublicDetection {
    /// The lowest-preference MX targets, for messages.
    pub fn primary(&self) -> Vec<&str> {
        let Some(first) = self.mx.first() else {
            return Vec::new();
        };
        self.mx
            .iter()
            .filter(|m| m.preference == first.preference)
            .map(|m| m.target.as_str())
            .collect()
    }
}

impl Server {
    /// The SPF records public DNS serves at a name outside the local zones (`--resolve`):
    /// `None` when not asked or the lookup failed (the name stays unknown); an empty list when
    /// the name has none (NXDOMAIN or no SPF TXT record).
    pub fn public_spf_records(
        &self,
        name: &str,
    ) -> Option<Vec<std::sync::Arc<crate::parse::spf::SpfRecord>>> {
        let texts = self.public.as_ref()?.spf(name)?.ok()?;
        Some(
            texts
                .iter()
                .map(|t| std::sync::Arc::new(crate::parse::spf::parse(t)))
                .collect(),
        )
    }

    /// Whether public DNS answered a TXT query for `name` with nothing (NXDOMAIN or no TXT
    /// record): a void lookup (RFC 7208 §4.6.4).
    pub fn public_txt_void(&self, name: &str) -> bool {
        matches!(
            self.public_answer(name, QType::Txt),
            Some(Answer::NxDomain | Answer::NoData)
        )
    }
}
