//! Typed views of the two kinds of userdata file, for the server model.
//!
//! Every field keeps the span of its value so a finding can point at it. Missing keys are not
//! errors here (the model decides what a missing key means); values of an unexpected shape (a
//! list where a domain name belongs, a mapping item in `parked_domains`) are left out of the view
//! and listed in `unexpected`.

use super::{Node, NodeKind, Scalar, YamlDoc};
use crate::source::Span;
use std::net::IpAddr;

/// A value and the span of the text it was read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

/// A value of an unexpected shape, left out of a view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unexpected {
    pub span: Span,
    /// "expected a list of domain names for `parked_domains`, found a value".
    pub message: String,
}

/// `var/cpanel/userdata/USER/main`: the domains of an account.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserdataMain {
    /// `main_domain`, lower-cased.
    pub main_domain: Option<Spanned<String>>,
    /// `addon_domains`: each addon domain with the subdomain that backs it, lower-cased, in file
    /// order.
    pub addon_domains: Vec<AddonDomain>,
    /// `parked_domains`, lower-cased.
    pub parked_domains: Vec<Spanned<String>>,
    /// `sub_domains`, lower-cased.
    pub sub_domains: Vec<Spanned<String>>,
    /// In file order.
    pub unexpected: Vec<Unexpected>,
}

/// `addon.example: addon.main.example` in `addon_domains`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddonDomain {
    /// The addon domain (the key).
    pub domain: Spanned<String>,
    /// The subdomain whose vhost file serves it (the value).
    pub subdomain: Spanned<String>,
}

/// `var/cpanel/userdata/USER/DOMAIN` and `…/DOMAIN_SSL`: the vhost of a main domain or subdomain.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserdataDomain {
    /// `homedir` as written (`/home1/USER`, never assume `/home`).
    pub homedir: Option<Spanned<String>>,
    /// `ip` as written; see [`UserdataDomain::ip_addr`].
    pub ip: Option<Spanned<String>>,
    /// `ipv6` when written as a single value; `None` when absent, `~` or a mapping.
    pub ipv6: Option<Spanned<String>>,
    /// The IPv6 addresses of the vhost: the keys of the `ipv6` mapping cPanel writes when it
    /// enables IPv6 for the account (`2001:0db8:…:0020: ` with `dedicated: 0|1` below, the
    /// address in its full form), or the single value; as written, with their spans.
    pub ipv6_addresses: Vec<Spanned<String>>,
    pub user: Option<Spanned<String>>,
    pub group: Option<Spanned<String>>,
    /// The reseller that owns the account (`root` when none).
    pub owner: Option<Spanned<String>>,
    /// `ssl` as written (`1` in `_SSL` files).
    pub ssl: Option<Spanned<String>>,
    /// `port` as written; see [`UserdataDomain::port_number`].
    pub port: Option<Spanned<String>>,
    pub unexpected: Vec<Unexpected>,
}

impl UserdataMain {
    pub fn from_doc(doc: &YamlDoc) -> UserdataMain {
        let mut v = UserdataMain::default();
        let Some(root) = top_map(doc, &mut v.unexpected) else {
            return v;
        };
        v.main_domain = scalar_field(root, "main_domain", &mut v.unexpected).map(lower);
        if let Some(node) = root.get("addon_domains") {
            match &node.kind {
                NodeKind::Map(entries) => {
                    for e in entries {
                        match e.value.as_scalar() {
                            Some(sub) => v.addon_domains.push(AddonDomain {
                                domain: lower(spanned(&e.key)),
                                subdomain: lower(spanned(sub)),
                            }),
                            None => v.unexpected.push(Unexpected {
                                span: e.value.span,
                                message: format!(
                                    "expected the subdomain that backs `{}` in `addon_domains`, found {}",
                                    e.key.value,
                                    e.value.describe()
                                ),
                            }),
                        }
                    }
                }
                NodeKind::Null => {}
                _ => v.unexpected.push(Unexpected {
                    span: node.span,
                    message: format!(
                        "expected a mapping of addon domain to subdomain for `addon_domains`, found {}",
                        node.describe()
                    ),
                }),
            }
        }
        v.parked_domains = domain_list(root, "parked_domains", &mut v.unexpected);
        v.sub_domains = domain_list(root, "sub_domains", &mut v.unexpected);
        v.unexpected.sort_by_key(|u| u.span);
        v
    }
}

impl UserdataDomain {
    pub fn from_doc(doc: &YamlDoc) -> UserdataDomain {
        let mut v = UserdataDomain::default();
        let Some(root) = top_map(doc, &mut v.unexpected) else {
            return v;
        };
        let u = &mut v.unexpected;
        v.homedir = scalar_field(root, "homedir", u);
        v.ip = scalar_field(root, "ip", u);
        match root.get("ipv6").map(|n| &n.kind) {
            Some(NodeKind::Map(entries)) => {
                v.ipv6_addresses = entries.iter().map(|e| spanned(&e.key)).collect();
            }
            _ => {
                v.ipv6 = scalar_field(root, "ipv6", u);
                v.ipv6_addresses.extend(v.ipv6.clone());
            }
        }
        v.user = scalar_field(root, "user", u);
        v.group = scalar_field(root, "group", u);
        v.owner = scalar_field(root, "owner", u);
        v.ssl = scalar_field(root, "ssl", u);
        v.port = scalar_field(root, "port", u);
        v.unexpected.sort_by_key(|u| u.span);
        v
    }

    /// `ip` as an address, when it is one.
    pub fn ip_addr(&self) -> Option<IpAddr> {
        self.ip.as_ref()?.value.trim().parse().ok()
    }

    /// The IPv6 addresses of [`UserdataDomain::ipv6_addresses`] that are addresses, with the
    /// span of each.
    pub fn ipv6_addrs(&self) -> impl Iterator<Item = (IpAddr, Span)> + '_ {
        self.ipv6_addresses.iter().filter_map(|a| {
            let ip: std::net::Ipv6Addr = a.value.trim().parse().ok()?;
            Some((IpAddr::V6(ip), a.span))
        })
    }

    /// `port` as a number, when it is one.
    pub fn port_number(&self) -> Option<u16> {
        self.port.as_ref()?.value.trim().parse().ok()
    }

    /// Whether `ssl` is `1` (the `_SSL` vhost).
    pub fn is_ssl(&self) -> bool {
        self.ssl.as_ref().is_some_and(|s| s.value.trim() == "1")
    }
}

fn top_map<'a>(doc: &'a YamlDoc, unexpected: &mut Vec<Unexpected>) -> Option<&'a Node> {
    let root = doc.root.as_ref()?;
    if root.as_map().is_some() {
        return Some(root);
    }
    unexpected.push(Unexpected {
        span: root.span,
        message: format!(
            "expected a mapping of `key: value` lines, found {}",
            root.describe()
        ),
    });
    None
}

fn spanned(s: &Scalar) -> Spanned<String> {
    Spanned {
        value: s.value.clone(),
        span: s.span,
    }
}

fn lower(mut s: Spanned<String>) -> Spanned<String> {
    s.value.make_ascii_lowercase();
    s
}

/// The scalar value of `key`; `None` when absent or `~`; other shapes are noted as unexpected.
fn scalar_field_scalar<'a>(
    map: &'a Node,
    key: &str,
    unexpected: &mut Vec<Unexpected>,
) -> Option<&'a Scalar> {
    let node = map.get(key)?;
    match &node.kind {
        NodeKind::Scalar(s) => Some(s),
        NodeKind::Null => None,
        _ => {
            unexpected.push(Unexpected {
                span: node.span,
                message: format!("expected a value for `{key}`, found {}", node.describe()),
            });
            None
        }
    }
}

fn scalar_field(
    map: &Node,
    key: &str,
    unexpected: &mut Vec<Unexpected>,
) -> Option<Spanned<String>> {
    scalar_field_scalar(map, key, unexpected).map(spanned)
}

fn domain_list(map: &Node, key: &str, unexpected: &mut Vec<Unexpected>) -> Vec<Spanned<String>> {
    let Some(node) = map.get(key) else {
        return Vec::new();
    };
    match &node.kind {
        NodeKind::Seq(items) => items
            .iter()
            .filter_map(|item| match item.as_scalar() {
                Some(s) => Some(lower(spanned(s))),
                None => {
                    unexpected.push(Unexpected {
                        span: item.span,
                        message: format!(
                            "expected a domain name in `{key}`, found {}",
                            item.describe()
                        ),
                    });
                    None
                }
            })
            .collect(),
        NodeKind::Null => Vec::new(),
        _ => {
            unexpected.push(Unexpected {
                span: node.span,
                message: format!(
                    "expected a list of domain names for `{key}`, found {}",
                    node.describe()
                ),
            });
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::userdata::parse;
    use crate::source::SourceFile;

    fn views(text: &str) -> (SourceFile, UserdataMain, UserdataDomain) {
        let src = SourceFile::from_str("var/cpanel/userdata/u/x", text);
        let doc = parse(&src);
        assert_eq!(doc.errors().count(), 0, "{text}");
        let main = UserdataMain::from_doc(&doc);
        let domain = UserdataDomain::from_doc(&doc);
        (src, main, domain)
    }

    #[test]
    fn main_domains_are_lower_cased_with_spans() {
        let text = "--- \naddon_domains: \n  Shop.Example.COM: shop.EXAMPLE.net\nmain_domain: Example.NET\nparked_domains: \n  - 'Parked.Example.org'\nsub_domains: \n  - shop.example.net\n";
        let (src, v, _) = views(text);
        let main = v.main_domain.as_ref().unwrap();
        assert_eq!(main.value, "example.net");
        assert_eq!(src.slice(main.span), "Example.NET");
        assert_eq!(v.addon_domains[0].domain.value, "shop.example.com");
        assert_eq!(v.addon_domains[0].subdomain.value, "shop.example.net");
        assert_eq!(
            src.slice(v.addon_domains[0].domain.span),
            "Shop.Example.COM"
        );
        assert_eq!(v.parked_domains[0].value, "parked.example.org");
        assert_eq!(src.slice(v.parked_domains[0].span), "'Parked.Example.org'");
        assert_eq!(v.sub_domains[0].value, "shop.example.net");
        assert!(v.unexpected.is_empty());
    }

    #[test]
    fn missing_keys_are_not_problems() {
        let (_, v, d) = views("--- \nother: 1\n");
        assert_eq!(v, UserdataMain::default());
        assert_eq!(d, UserdataDomain::default());
        let (_, v, _) = views("");
        assert_eq!(v, UserdataMain::default());
        let (_, v, _) = views("parked_domains: ~\naddon_domains:\n");
        assert!(v.parked_domains.is_empty() && v.addon_domains.is_empty());
        assert!(v.unexpected.is_empty());
    }

    #[test]
    fn values_of_the_wrong_shape_are_listed() {
        let text = "addon_domains: \n  a.example.com: \n  b.example.com: b.example.net\nmain_domain: []\n\nparked_domains: p.example.com\nsub_domains: \n  - \n    x: 1\n  - s.example.net\n";
        let (src, v, _) = views(text);
        let messages: Vec<(usize, &str)> = v
            .unexpected
            .iter()
            .map(|u| (src.line_col(u.span.start as usize).line, u.message.as_str()))
            .collect();
        assert_eq!(
            messages,
            [
                (
                    2,
                    "expected the subdomain that backs `a.example.com` in `addon_domains`, found an empty value"
                ),
                (4, "expected a value for `main_domain`, found a list"),
                (
                    6,
                    "expected a list of domain names for `parked_domains`, found a value"
                ),
                (
                    9,
                    "expected a domain name in `sub_domains`, found a mapping"
                ),
            ]
        );
        assert!(v.main_domain.is_none());
        assert_eq!(v.addon_domains.len(), 1);
        assert_eq!(v.sub_domains.len(), 1);
        let (_, v, d) = views("--- \n- a\n");
        assert_eq!(
            v.unexpected[0].message,
            "expected a mapping of `key: value` lines, found a list"
        );
        assert_eq!(d.unexpected.len(), 1);
    }

    #[test]
    fn vhost_home_and_address() {
        let text =
            "documentroot: /home3/u/public_html\nhomedir: /home3/u\nip: 192.0.2.10\nuser: u\n";
        let (src, _, d) = views(text);
        let home = d.homedir.as_ref().unwrap();
        assert_eq!(
            (home.value.as_str(), src.slice(home.span)),
            ("/home3/u", "/home3/u")
        );
        assert_eq!(d.ip_addr(), Some("192.0.2.10".parse().unwrap()));
        let (_, _, d) = views("ip: not-an-ip\nhomedir:\n  - a\n");
        assert_eq!(d.ip_addr(), None);
        assert!(d.homedir.is_none());
        assert_eq!(
            d.unexpected[0].message,
            "expected a value for `homedir`, found a list"
        );
    }

    #[test]
    fn ipv6_mapping_as_cpanel_writes_it() {
        // cPanel's IPv6 tools write the address, in its full form, as the key of a mapping.
        let text = "--- \nip: 192.0.2.10\nipv6: \n  2001:0db8:0000:0000:0000:0000:0000:0020: \n    dedicated: 1\nowner: root\n";
        let (src, _, d) = views(text);
        assert_eq!(d.ipv6, None);
        assert!(d.unexpected.is_empty(), "{:?}", d.unexpected);
        let addrs: Vec<(IpAddr, &str)> = d.ipv6_addrs().map(|(ip, s)| (ip, src.slice(s))).collect();
        assert_eq!(
            addrs,
            vec![(
                "2001:db8::20".parse().unwrap(),
                "2001:0db8:0000:0000:0000:0000:0000:0020"
            )]
        );
        // The older single-value form, and `~`.
        let (_, _, d) = views("ipv6: 2001:db8::1\n");
        assert_eq!(d.ipv6_addrs().count(), 1);
        let (_, _, d) = views("ipv6: ~\n");
        assert_eq!(d.ipv6_addrs().count(), 0);
    }
}
