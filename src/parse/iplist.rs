//! Server address files, in three dialects ([`Dialect`]):
//!
//! - [`Dialect::List`]: one address a line: `var/cpanel/mainip` (a single address, often without
//!   a final newline) and `etc/ips.remotemail` (WHM's "remote service IPs").
//! - [`Dialect::Ips`]: `etc/ips`, lines `IP:NETMASK:BROADCAST`
//!   (`192.0.2.10:255.255.255.0:192.0.2.255`). Only the address matters to mail routing, so the
//!   netmask and broadcast are kept as a span ([`IpEntry::rest_span`]) and not checked; a bare
//!   address is accepted too, IPv6 included (the whole word is tried as an address first, so the
//!   colons of an IPv6 address are not taken for field separators).
//! - [`Dialect::Cpnat`]: `var/cpanel/cpnat`, lines `LOCAL_IP PUBLIC_IP` separated by white space.
//!   A line with only the local address (no public side) is accepted, with
//!   [`IpEntry::second`] `None`.
//!
//! Addresses are IPv4 or IPv6 as `std::net` reads them (so `192.0.2.010`, CIDR ranges and
//! bracketed IPv6 are errors). Everywhere: white space around the words and a final `\r` are
//! tolerated, lines whose first non-blank character is `#` are comments, blank lines are skipped.
//! Grammar: `grammar/iplist.pest`.

use crate::parse::SyntaxError;
use crate::parse::lines::{self, Line, LineDoc, LineKind, RawLine};
use crate::source::{SourceFile, Span};
use pest::Parser;
use std::net::{IpAddr, Ipv4Addr};

/// Which file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// One address a line (`var/cpanel/mainip`, `etc/ips.remotemail`).
    List,
    /// `IP:NETMASK:BROADCAST` (`etc/ips`).
    Ips,
    /// `LOCAL_IP PUBLIC_IP` (`var/cpanel/cpnat`).
    Cpnat,
}

/// A parsed address file.
pub type IpList = LineDoc<IpEntry>;
/// A line of an address file.
pub type IpLine = Line<IpEntry>;
/// A line: blank (empty or white space only), a comment (first non-blank character `#`), an
/// entry, or invalid (not an address, or more words than the format has).
pub type IpLineKind = LineKind<IpEntry>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpEntry {
    /// The address (the local one for `cpnat`).
    pub ip: IpAddr,
    pub ip_span: Span,
    /// The public address of a `cpnat` line.
    pub second: Option<(IpAddr, Span)>,
    /// The `:NETMASK:BROADCAST` part of an `etc/ips` line, not interpreted.
    pub rest_span: Option<Span>,
    /// A `\r` before the `\n`.
    pub has_cr: bool,
}

impl IpList {
    /// The first address of the file (what `var/cpanel/mainip` holds).
    pub fn first(&self) -> Option<IpAddr> {
        self.entries().next().map(|e| e.ip)
    }

    /// Every address in the file, both sides of `cpnat` lines included.
    pub fn addresses(&self) -> impl Iterator<Item = IpAddr> + '_ {
        self.entries()
            .flat_map(|e| std::iter::once(e.ip).chain(e.second.map(|(ip, _)| ip)))
    }

    /// Whether `ip` is one of [`IpList::addresses`].
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.addresses().any(|a| a == ip)
    }
}

#[derive(pest_derive::Parser)]
#[grammar = "grammar/iplist.pest"]
struct LineParser;

/// Parses an address file. Never fails; see [`LineKind::Invalid`].
pub fn parse(src: &SourceFile, dialect: Dialect) -> IpList {
    LineDoc::read(src, |l| parse_line(src, l, dialect))
}

fn help(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::List => "each line holds one IP address, such as `192.0.2.1` or `2001:db8::1`",
        Dialect::Ips => {
            "each line is `IP:NETMASK:BROADCAST`, such as `192.0.2.10:255.255.255.0:192.0.2.255`"
        }
        Dialect::Cpnat => "each line is `LOCAL_IP PUBLIC_IP`, such as `10.0.0.5 203.0.113.5`",
    }
}

fn parse_line(src: &SourceFile, line: &RawLine, dialect: Dialect) -> IpLineKind {
    // The grammar accepts every line: anything that is not blank or a comment is words.
    let Ok(pairs) = LineParser::parse(Rule::line, line.text(src.text())) else {
        let (span, found) = lines::found_at(src, line.start(), line.end());
        return LineKind::Invalid(
            SyntaxError::new(
                span,
                format!("expected an IPv4 or IPv6 address, found {found}"),
            )
            .with_help(help(dialect)),
        );
    };
    let Some(inner) = pairs.into_iter().next().and_then(|p| p.into_inner().next()) else {
        return LineKind::Blank;
    };
    match inner.as_rule() {
        Rule::comment => LineKind::Comment,
        Rule::words => {
            let off = line.start();
            let mut words = Vec::with_capacity(3);
            for p in inner.into_inner() {
                if matches!(p.as_rule(), Rule::word | Rule::extra) {
                    words.push((Span::from_pest(p.as_span()).offset(off), p.as_str()));
                }
            }
            // Problems are reported in line order: each address, then a word too many.
            let allowed = if dialect == Dialect::Cpnat { 2 } else { 1 };
            let entry = entry(src, &words[..words.len().min(allowed)], dialect, line);
            if let (Ok(_), Some(&(span, _))) = (&entry, words.get(allowed)) {
                let (span, found) = lines::found_at(src, span.start as usize, line.end());
                let after = if allowed == 2 {
                    "the public address"
                } else {
                    "the address"
                };
                return LineKind::Invalid(
                    SyntaxError::new(
                        span,
                        format!("expected end of line after {after}, found {found}"),
                    )
                    .with_help(help(dialect)),
                );
            }
            match entry {
                Ok(e) => LineKind::Entry(e),
                Err(e) => LineKind::Invalid(e.with_help(help(dialect))),
            }
        }
        _ => LineKind::Blank,
    }
}

fn entry(
    src: &SourceFile,
    words: &[(Span, &str)],
    dialect: Dialect,
    line: &RawLine,
) -> Result<IpEntry, SyntaxError> {
    // Binary data: point at the first character no address has.
    let no_control = |span: Span| match lines::first_control(src.text(), span) {
        Some(at) => {
            let (span, found) = lines::found_at(src, at, line.end());
            Err(SyntaxError::new(
                span,
                format!("expected an IPv4 or IPv6 address, found {found}"),
            ))
        }
        None => Ok(()),
    };
    let (span, word) = words[0];
    no_control(span)?;
    let (ip, ip_span) = match dialect {
        Dialect::Ips => ips_address(span, word)?,
        Dialect::List | Dialect::Cpnat => (address(span, word)?, span),
    };
    let second = match words.get(1) {
        Some(&(span2, word2)) => {
            no_control(span2)?;
            Some((address(span2, word2)?, span2))
        }
        None => None,
    };
    Ok(IpEntry {
        ip,
        ip_span,
        second,
        rest_span: (ip_span.end < span.end)
            .then(|| Span::new(ip_span.end as usize, span.end as usize)),
        has_cr: line.has_cr(),
    })
}

/// The address of an `etc/ips` word (`IP:NETMASK:BROADCAST` or a bare address) and its span.
fn ips_address(span: Span, word: &str) -> Result<(IpAddr, Span), SyntaxError> {
    if let Ok(ip) = word.parse::<IpAddr>() {
        return Ok((ip, span));
    }
    let Some(colon) = word.find(':') else {
        return Err(not_an_address(span, word));
    };
    let first = &word[..colon];
    let first_span = Span::new(span.start as usize, span.start as usize + colon);
    match first.parse::<Ipv4Addr>() {
        Ok(ip) => Ok((IpAddr::V4(ip), first_span)),
        // A word that looks like IPv6 is shown whole; an IPv4-like first field alone.
        Err(_) if first.contains('.') => Err(not_an_address(first_span, first)),
        Err(_) => Err(not_an_address(span, word)),
    }
}

fn address(span: Span, word: &str) -> Result<IpAddr, SyntaxError> {
    word.parse().map_err(|_| not_an_address(span, word))
}

fn not_an_address(span: Span, word: &str) -> SyntaxError {
    SyntaxError::new(
        span,
        format!(
            "expected an IPv4 or IPv6 address, found {}",
            lines::token(word)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{check_tiling, render};

    fn doc(text: &str, dialect: Dialect) -> (SourceFile, IpList) {
        let src = SourceFile::from_str("etc/ips", text);
        let d = parse(&src, dialect);
        check_tiling(&d, &src).unwrap();
        assert_eq!(render(&d, &src), text.as_bytes());
        (src, d)
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn mainip_without_final_newline() {
        let (src, d) = doc("192.0.2.1", Dialect::List);
        assert_eq!(d.first(), Some(ip("192.0.2.1")));
        let e = d.entries().next().unwrap();
        assert_eq!(src.slice(e.ip_span), "192.0.2.1");
        assert_eq!(d.errors().count(), 0);
    }

    #[test]
    fn remotemail_list_with_ipv6_comments_and_cr() {
        let (_, d) = doc(
            "# remote\n198.51.100.7\n\n  2001:db8::25  \r\n",
            Dialect::List,
        );
        let all: Vec<_> = d.addresses().collect();
        assert_eq!(all, [ip("198.51.100.7"), ip("2001:db8::25")]);
        assert!(d.entries().nth(1).unwrap().has_cr);
        assert!(d.contains(ip("2001:db8::25")));
    }

    #[test]
    fn etc_ips_takes_the_first_field() {
        let (src, d) = doc(
            "192.0.2.10:255.255.255.0:192.0.2.255\n198.51.100.4\n2001:db8::1\n",
            Dialect::Ips,
        );
        let e: Vec<_> = d.entries().collect();
        assert_eq!(e[0].ip, ip("192.0.2.10"));
        assert_eq!(src.slice(e[0].ip_span), "192.0.2.10");
        assert_eq!(
            src.slice(e[0].rest_span.unwrap()),
            ":255.255.255.0:192.0.2.255"
        );
        assert_eq!(e[1].ip, ip("198.51.100.4"));
        assert!(e[1].rest_span.is_none());
        assert_eq!(e[2].ip, ip("2001:db8::1"));
    }

    #[test]
    fn etc_ips_errors_show_the_bad_field() {
        let (src, d) = doc(
            "300.1.2.3:255.255.255.0:300.1.2.255\n2001:db8::zz\nhost\n",
            Dialect::Ips,
        );
        let errs: Vec<_> = d.errors().collect();
        assert_eq!(
            errs[0].message,
            "expected an IPv4 or IPv6 address, found `300.1.2.3`"
        );
        assert_eq!(src.slice(errs[0].span), "300.1.2.3");
        assert_eq!(
            errs[1].message,
            "expected an IPv4 or IPv6 address, found `2001:db8::zz`"
        );
        assert_eq!(src.line_col(errs[1].span.start as usize).line, 2);
        assert_eq!(
            errs[2].message,
            "expected an IPv4 or IPv6 address, found `host`"
        );
        assert_eq!(errs[2].help.as_deref(), Some(help(Dialect::Ips)));
    }

    #[test]
    fn cpnat_pairs() {
        let (src, d) = doc(
            "10.0.0.5 203.0.113.5\n10.0.0.6\t\t203.0.113.6\n10.0.0.7\n",
            Dialect::Cpnat,
        );
        let e: Vec<_> = d.entries().collect();
        assert_eq!(e[0].ip, ip("10.0.0.5"));
        let (public, span) = e[0].second.unwrap();
        assert_eq!(public, ip("203.0.113.5"));
        assert_eq!(src.slice(span), "203.0.113.5");
        assert_eq!(e[1].second.unwrap().0, ip("203.0.113.6"));
        assert!(e[2].second.is_none());
        assert_eq!(d.addresses().count(), 5);
    }

    #[test]
    fn list_errors() {
        let (src, d) = doc(
            "300.1.2.3\n192.0.2.1 192.0.2.2\n192.0.2.0/24\n\u{0}\n",
            Dialect::List,
        );
        let errs: Vec<_> = d.errors().collect();
        assert_eq!(errs.len(), 4);
        assert_eq!(
            errs[0].message,
            "expected an IPv4 or IPv6 address, found `300.1.2.3`"
        );
        assert_eq!(errs[0].span, Span::new(0, 9));
        assert_eq!(
            errs[1].message,
            "expected end of line after the address, found `1`"
        );
        assert_eq!(src.line_col(errs[1].span.start as usize).column, 11);
        assert_eq!(
            errs[2].message,
            "expected an IPv4 or IPv6 address, found `192.0.2.0/24`"
        );
        assert_eq!(
            errs[3].message,
            "expected an IPv4 or IPv6 address, found a control character (U+0000)"
        );
    }

    #[test]
    fn the_first_problem_of_a_line_is_reported() {
        let (_, d) = doc(
            "300.1.2.3 192.0.2.1\n10.0.0.5 nat.example x\n",
            Dialect::Cpnat,
        );
        let msgs: Vec<_> = d.errors().map(|e| e.message.as_str()).collect();
        assert_eq!(
            msgs,
            [
                "expected an IPv4 or IPv6 address, found `300.1.2.3`",
                "expected an IPv4 or IPv6 address, found `nat.example`"
            ]
        );
    }

    #[test]
    fn cpnat_errors() {
        let (_, d) = doc(
            "10.0.0.5 203.0.113.5 x\n10.0.0.5 nat.example\n",
            Dialect::Cpnat,
        );
        let errs: Vec<_> = d.errors().collect();
        assert_eq!(
            errs[0].message,
            "expected end of line after the public address, found `x`"
        );
        assert_eq!(
            errs[1].message,
            "expected an IPv4 or IPv6 address, found `nat.example`"
        );
        assert_eq!(errs[1].help.as_deref(), Some(help(Dialect::Cpnat)));
    }
}
