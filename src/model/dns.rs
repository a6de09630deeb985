//! DNS, offline: the local zones, name resolution through them, and cPanel's "Automatically
//! Detect" routing (RULES.md "Terms", `shared/reference/cpanel.md` §2.4).
//!
//! Only the zone files in the tree are read; maillint makes no network connection. A name outside
//! every local zone is *external* (assumed not this server); a name inside a local zone with no
//! address is *dangling*.

use std::net::{IpAddr, Ipv4Addr};

use crate::model::{Parsed, Server};
use crate::parse::zone::{RData, RType, Record, Zone};
use crate::source::Loc;

/// Most CNAMEs followed while resolving one name.
pub const MAX_CNAME_HOPS: usize = 8;

/// A record of a local zone, with its file.
#[derive(Clone, Copy, Debug)]
pub struct ZoneRecord<'a> {
    pub zone: &'a Parsed<Zone>,
    pub record: &'a Record,
}

impl<'a> ZoneRecord<'a> {
    /// The record's owner, or its type, when the owner is implicit.
    pub fn loc(&self) -> Loc {
        let span = self
            .record
            .owner
            .span
            .unwrap_or(self.record.rtype_span)
            .join(self.record.rdata_span);
        self.zone.loc(span)
    }
}

/// Why a name counts as this server without an address record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerBy {
    /// The server host name resolves to the server addresses.
    Hostname,
    /// cPanel's `mx-a-b-c-d` names stand for the address a.b.c.d.
    MxName(Ipv4Addr),
    /// The name matches `[server] gateway_mx`.
    Gateway,
}

/// The outcome of resolving a name offline.
#[derive(Clone, Debug)]
pub enum Resolution<'a> {
    /// Addresses from A/AAAA records of local zones, and the CNAMEs followed to get there.
    Addresses {
        addrs: Vec<IpAddr>,
        records: Vec<ZoneRecord<'a>>,
        cnames: Vec<ZoneRecord<'a>>,
    },
    /// Stands for this server (see [`ServerBy`]).
    Server(ServerBy),
    /// Outside every local zone (possibly after CNAMEs).
    External { cnames: Vec<ZoneRecord<'a>> },
    /// Inside a local zone, but with no address.
    Dangling {
        name: String,
        cnames: Vec<ZoneRecord<'a>>,
    },
    /// More than [`MAX_CNAME_HOPS`] CNAMEs, or a loop.
    CnameLoop { cnames: Vec<ZoneRecord<'a>> },
    /// Inside a local zone that does not parse ([`Server::unusable_zones`]): what DNS says
    /// about the name is unknown.
    Unusable {
        name: String,
        /// The zone's name.
        zone: String,
        cnames: Vec<ZoneRecord<'a>>,
    },
}

impl Resolution<'_> {
    /// Whether the name resolves to this server.
    pub fn is_server(&self, server: &Server) -> bool {
        match self {
            Resolution::Server(ServerBy::MxName(ip)) => {
                server.identity.is_server_address(&IpAddr::V4(*ip))
            }
            Resolution::Server(_) => true,
            Resolution::Addresses { addrs, .. } => {
                addrs.iter().any(|ip| server.identity.is_server_address(ip))
            }
            _ => false,
        }
    }
}

/// The routing cPanel's "Automatically Detect" would choose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Routing {
    Local,
    Secondary,
    Remote,
}

impl Routing {
    pub fn as_str(self) -> &'static str {
        match self {
            Routing::Local => "local",
            Routing::Secondary => "secondary",
            Routing::Remote => "remote",
        }
    }
}

/// Why detection cannot decide.
#[derive(Clone, Debug)]
pub enum Undecided {
    /// No local zone holds the domain: its DNS is hosted elsewhere.
    NoZone,
    /// No MX and no address record.
    NoMxNoAddress,
    /// An MX target inside a local zone has no address (cPanel stops there).
    Dangling { target: String },
    /// A CNAME loop on the way.
    Loop { target: String },
    /// A null MX (`MX 0 .`): the domain receives no mail; cPanel cannot resolve `.`.
    NullMx,
    /// The domain's zone, or the zone of an MX target, does not parse
    /// ([`Server::unusable_zones`]).
    UnusableZone { zone: String },
}

/// One MX record considered by detection (or the implicit MX of a domain with only addresses).
#[derive(Clone, Debug)]
pub struct MxTarget<'a> {
    pub preference: u16,
    pub target: String,
    /// `None` for the implicit MX.
    pub record: Option<ZoneRecord<'a>>,
    pub local: bool,
}

/// The result of detection, with its evidence.
#[derive(Clone, Debug)]
pub struct Detection<'a> {
    pub outcome: Result<Routing, Undecided>,
    /// MX records in ascending preference, as far as the walk went.
    pub mx: Vec<MxTarget<'a>>,
    /// Whether the MX is implicit (the domain has only A/AAAA records).
    pub implicit: bool,
}

impl Server {
    /// The local zone of a name: the longest local zone that is a suffix of it. `None` when no
    /// local zone holds the name, or when the zone that holds it does not parse
    /// ([`Server::unusable_zones`]; a parent zone does not stand in for it).
    pub fn zone_of(&self, name: &str) -> Option<&Parsed<Zone>> {
        let mut n = name;
        loop {
            if let Some(z) = self.zones.get(n) {
                return Some(z);
            }
            if self.unusable_zones.contains_key(n) {
                return None;
            }
            n = n.split_once('.')?.1;
        }
    }

    /// The zone that holds a name when it is one that does not parse
    /// ([`Server::unusable_zones`]).
    pub fn unusable_zone_of(&self, name: &str) -> Option<&Parsed<Zone>> {
        let mut n = name;
        loop {
            if self.zones.contains_key(n) {
                return None;
            }
            if let Some(z) = self.unusable_zones.get(n) {
                return Some(z);
            }
            n = n.split_once('.')?.1;
        }
    }

    /// Records of a name in its local zone (a subdomain's records may live in the parent zone).
    pub fn records_at<'a>(&'a self, name: &str) -> Vec<ZoneRecord<'a>> {
        let Some(zone) = self.zone_of(name) else {
            return Vec::new();
        };
        zone.doc
            .records_at(name)
            .map(|record| ZoneRecord { zone, record })
            .collect()
    }

    pub fn records_of<'a>(&'a self, name: &str, rtype: RType) -> Vec<ZoneRecord<'a>> {
        self.records_at(name)
            .into_iter()
            .filter(|r| r.record.rtype == rtype)
            .collect()
    }

    /// Resolves a name to addresses through the local zones.
    pub fn resolve<'a>(&'a self, name: &str) -> Resolution<'a> {
        let mut cnames = Vec::new();
        let mut current = name.trim_end_matches('.').to_ascii_lowercase();
        if let Ok(ip) = current.parse::<IpAddr>() {
            return Resolution::Addresses {
                addrs: vec![ip],
                records: Vec::new(),
                cnames,
            };
        }
        for _ in 0..=MAX_CNAME_HOPS {
            if self.identity.is_gateway(&current) {
                return Resolution::Server(ServerBy::Gateway);
            }
            if self.identity.is_hostname(&current) {
                return Resolution::Server(ServerBy::Hostname);
            }
            if let Some(ip) = mx_name_address(&current) {
                return Resolution::Server(ServerBy::MxName(ip));
            }
            if let Some(z) = self.unusable_zone_of(&current) {
                return Resolution::Unusable {
                    zone: z.doc.origin.clone(),
                    name: current,
                    cnames,
                };
            }
            if self.zone_of(&current).is_none() {
                return Resolution::External { cnames };
            }
            let here = self.records_at(&current);
            let addrs: Vec<ZoneRecord<'a>> = here
                .iter()
                .copied()
                .filter(|r| matches!(r.record.data, RData::A(_) | RData::Aaaa(_)))
                .collect();
            if !addrs.is_empty() {
                let ips = addrs
                    .iter()
                    .filter_map(|r| match r.record.data {
                        RData::A(ip) => Some(IpAddr::V4(ip)),
                        RData::Aaaa(ip) => Some(IpAddr::V6(ip)),
                        _ => None,
                    })
                    .collect();
                return Resolution::Addresses {
                    addrs: ips,
                    records: addrs,
                    cnames,
                };
            }
            let cname = here.iter().copied().find_map(|r| match &r.record.data {
                RData::Cname(t) => Some((r, t.name.clone())),
                _ => None,
            });
            match cname {
                Some((r, target)) => {
                    cnames.push(r);
                    if cnames.len() > MAX_CNAME_HOPS || target == current {
                        return Resolution::CnameLoop { cnames };
                    }
                    current = target;
                }
                None => {
                    return Resolution::Dangling {
                        name: current,
                        cnames,
                    };
                }
            }
        }
        Resolution::CnameLoop { cnames }
    }

    /// cPanel's "Automatically Detect" for a domain, from the local zones.
    pub fn detect_routing<'a>(&'a self, domain: &str) -> Detection<'a> {
        let mut det = Detection {
            outcome: Err(Undecided::NoZone),
            mx: Vec::new(),
            implicit: false,
        };
        if let Some(z) = self.unusable_zone_of(domain) {
            det.outcome = Err(Undecided::UnusableZone {
                zone: z.doc.origin.clone(),
            });
            return det;
        }
        if self.zone_of(domain).is_none() {
            return det;
        }
        // An IP address written as MX target (MX002) is taken as that address, as cPanel's
        // resolver does; its name is kept as written.
        let mut mx: Vec<(u16, String, Option<ZoneRecord<'a>>)> = self
            .records_of(domain, RType::Mx)
            .into_iter()
            .filter_map(|r| match &r.record.data {
                RData::Mx {
                    preference,
                    exchange,
                    ..
                } => {
                    let raw = exchange.raw.trim_end_matches('.');
                    let name = if raw.parse::<IpAddr>().is_ok() {
                        raw.to_string()
                    } else {
                        exchange.name.clone()
                    };
                    Some((*preference, name, Some(r)))
                }
                _ => None,
            })
            .collect();
        if mx.is_empty() {
            match self.resolve(domain) {
                Resolution::Addresses { .. } | Resolution::Server(_) => {
                    det.implicit = true;
                    mx.push((0, domain.to_string(), None));
                }
                _ => {
                    det.outcome = Err(Undecided::NoMxNoAddress);
                    return det;
                }
            }
        }
        if mx.iter().any(|(_, name, _)| name.is_empty()) {
            det.outcome = Err(Undecided::NullMx);
            return det;
        }
        mx.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
        let lowest = mx[0].0;
        let mut primary = false;
        let mut secondary = false;
        for (pref, target, record) in mx {
            let res = self.resolve(&target);
            let local = res.is_server(self);
            det.mx.push(MxTarget {
                preference: pref,
                target: target.clone(),
                record,
                local,
            });
            match res {
                Resolution::Dangling { .. } => {
                    det.outcome = Err(Undecided::Dangling { target });
                    return det;
                }
                Resolution::CnameLoop { .. } => {
                    det.outcome = Err(Undecided::Loop { target });
                    return det;
                }
                Resolution::Unusable { zone, .. } => {
                    det.outcome = Err(Undecided::UnusableZone { zone });
                    return det;
                }
                _ => {}
            }
            if local {
                if pref == lowest {
                    primary = true;
                } else {
                    secondary = true;
                }
            }
        }
        det.outcome = Ok(if primary {
            Routing::Local
        } else if secondary {
            Routing::Secondary
        } else {
            Routing::Remote
        });
        det
    }

    /// The apex NS names of a zone, lower-cased.
    pub fn apex_ns<'a>(&'a self, zone: &'a Parsed<Zone>) -> Vec<(&'a Record, String)> {
        zone.doc
            .apex()
            .filter_map(|r| match &r.data {
                RData::Ns(t) => Some((r, t.name.clone())),
                _ => None,
            })
            .collect()
    }

    /// Whether a local zone is served by this server's name servers (RT011): `None` when the
    /// server's name servers are unknown or the zone has no apex NS.
    pub fn zone_served_here(&self, zone: &Parsed<Zone>) -> Option<bool> {
        if self.identity.nameservers.is_empty() {
            return None;
        }
        let ns = self.apex_ns(zone);
        if ns.is_empty() {
            return None;
        }
        Some(ns.iter().any(|(_, n)| self.identity.is_own_nameserver(n)))
    }
}

/// cPanel writes an IP-literal MX target as `mx-a-b-c-d IN A a.b.c.d` + `MX n mx-a-b-c-d`; the
/// name alone stands for the address (the first label of the name).
pub fn mx_name_address(name: &str) -> Option<Ipv4Addr> {
    let label = name.split('.').next()?;
    let rest = label.strip_prefix("mx-")?;
    let parts: Vec<&str> = rest.split('-').collect();
    if parts.len() != 4 {
        return None;
    }
    let mut octets = [0u8; 4];
    for (o, p) in octets.iter_mut().zip(parts) {
        if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *o = p.parse().ok()?;
    }
    Some(Ipv4Addr::from(octets))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mx_names_stand_for_addresses() {
        assert_eq!(
            mx_name_address("mx-192-0-2-10.example.com"),
            Some(Ipv4Addr::new(192, 0, 2, 10))
        );
        assert_eq!(
            mx_name_address("mx-192-0-2-10"),
            Some(Ipv4Addr::new(192, 0, 2, 10))
        );
        assert_eq!(mx_name_address("mx-192-0-2.example.com"), None);
        assert_eq!(mx_name_address("mx-300-0-2-1.example.com"), None);
        assert_eq!(mx_name_address("mail.example.com"), None);
    }
}
