//! Record types and classes: their mnemonics and numbers (IANA "Resource Record (RR) TYPEs").

use std::fmt;

/// A record type. The types maillint reads have their own variant; every other type is kept as
/// [`RType::Other`] with its number (its mnemonic is still known for messages).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RType {
    A,
    Ns,
    Cname,
    Soa,
    Ptr,
    Mx,
    Txt,
    Aaaa,
    Srv,
    /// Type 99, obsolete since RFC 7208: its strings are kept like TXT.
    Spf,
    Caa,
    Other(u16),
}

/// Mnemonics of the data types a zone file may hold (meta and query types such as `AXFR`, `ANY`,
/// `OPT`, `TSIG` are not record types and are refused, as BIND does).
const TYPES: &[(&str, u16)] = &[
    ("A", 1),
    ("NS", 2),
    ("MD", 3),
    ("MF", 4),
    ("CNAME", 5),
    ("SOA", 6),
    ("MB", 7),
    ("MG", 8),
    ("MR", 9),
    ("NULL", 10),
    ("WKS", 11),
    ("PTR", 12),
    ("HINFO", 13),
    ("MINFO", 14),
    ("MX", 15),
    ("TXT", 16),
    ("RP", 17),
    ("AFSDB", 18),
    ("X25", 19),
    ("ISDN", 20),
    ("RT", 21),
    ("NSAP", 22),
    ("NSAP-PTR", 23),
    ("SIG", 24),
    ("KEY", 25),
    ("PX", 26),
    ("GPOS", 27),
    ("AAAA", 28),
    ("LOC", 29),
    ("NXT", 30),
    ("EID", 31),
    ("NIMLOC", 32),
    ("SRV", 33),
    ("ATMA", 34),
    ("NAPTR", 35),
    ("KX", 36),
    ("CERT", 37),
    ("A6", 38),
    ("DNAME", 39),
    ("SINK", 40),
    ("APL", 42),
    ("DS", 43),
    ("SSHFP", 44),
    ("IPSECKEY", 45),
    ("RRSIG", 46),
    ("NSEC", 47),
    ("DNSKEY", 48),
    ("DHCID", 49),
    ("NSEC3", 50),
    ("NSEC3PARAM", 51),
    ("TLSA", 52),
    ("SMIMEA", 53),
    ("HIP", 55),
    ("NINFO", 56),
    ("RKEY", 57),
    ("TALINK", 58),
    ("CDS", 59),
    ("CDNSKEY", 60),
    ("OPENPGPKEY", 61),
    ("CSYNC", 62),
    ("ZONEMD", 63),
    ("SVCB", 64),
    ("HTTPS", 65),
    ("SPF", 99),
    ("UINFO", 100),
    ("UID", 101),
    ("GID", 102),
    ("UNSPEC", 103),
    ("NID", 104),
    ("L32", 105),
    ("L64", 106),
    ("LP", 107),
    ("EUI48", 108),
    ("EUI64", 109),
    ("URI", 256),
    ("CAA", 257),
    ("AVC", 258),
    ("DOA", 259),
    ("AMTRELAY", 260),
    ("RESINFO", 261),
    ("WALLET", 262),
    ("TA", 32768),
    ("DLV", 32769),
];

impl RType {
    /// The type with this number.
    pub fn from_code(code: u16) -> RType {
        match code {
            1 => RType::A,
            2 => RType::Ns,
            5 => RType::Cname,
            6 => RType::Soa,
            12 => RType::Ptr,
            15 => RType::Mx,
            16 => RType::Txt,
            28 => RType::Aaaa,
            33 => RType::Srv,
            99 => RType::Spf,
            257 => RType::Caa,
            n => RType::Other(n),
        }
    }

    /// The type's number.
    pub fn code(self) -> u16 {
        match self {
            RType::A => 1,
            RType::Ns => 2,
            RType::Cname => 5,
            RType::Soa => 6,
            RType::Ptr => 12,
            RType::Mx => 15,
            RType::Txt => 16,
            RType::Aaaa => 28,
            RType::Srv => 33,
            RType::Spf => 99,
            RType::Caa => 257,
            RType::Other(n) => n,
        }
    }

    /// Reads a type as written in a zone file: a mnemonic in any case (`mx`, `TXT`) or the
    /// generic `TYPEnnn` (RFC 3597). `None` for anything else.
    pub fn from_text(s: &str) -> Option<RType> {
        if let Some((_, code)) = TYPES.iter().find(|(m, _)| m.eq_ignore_ascii_case(s)) {
            return Some(RType::from_code(*code));
        }
        let digits = strip_prefix_ignore_case(s, "TYPE")?;
        let code = super::text::parse_uint(digits, u64::from(u16::MAX))?;
        Some(RType::from_code(code as u16))
    }

    /// The mnemonic (`MX`), or `TYPEnnn` for a type without one.
    pub fn name(self) -> String {
        let code = self.code();
        match TYPES.iter().find(|(_, c)| *c == code) {
            Some((m, _)) => (*m).to_string(),
            None => format!("TYPE{code}"),
        }
    }
}

impl fmt::Display for RType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// A record class. Zones on a cPanel server are `IN`; any other class is reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Class {
    In,
    Ch,
    Hs,
    /// `NONE` (254), `ANY` (255) or `CLASSnnn` with another number.
    Other(u16),
}

impl Class {
    /// Reads a class as written: `IN`, `CH`/`CHAOS`, `HS`/`HESIOD`, `NONE`, `ANY`, `CLASSnnn`.
    pub fn from_text(s: &str) -> Option<Class> {
        let is = |m: &str| s.eq_ignore_ascii_case(m);
        let code = if is("IN") {
            1
        } else if is("CH") || is("CHAOS") {
            3
        } else if is("HS") || is("HESIOD") {
            4
        } else if is("NONE") {
            254
        } else if is("ANY") {
            255
        } else {
            let digits = strip_prefix_ignore_case(s, "CLASS")?;
            super::text::parse_uint(digits, u64::from(u16::MAX))? as u16
        };
        Some(match code {
            1 => Class::In,
            3 => Class::Ch,
            4 => Class::Hs,
            n => Class::Other(n),
        })
    }
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mnemonics_and_numbers() {
        assert_eq!(RType::from_text("mx"), Some(RType::Mx));
        assert_eq!(RType::from_text("Spf"), Some(RType::Spf));
        assert_eq!(RType::from_text("TYPE16"), Some(RType::Txt));
        assert_eq!(RType::from_text("type65534"), Some(RType::Other(65534)));
        assert_eq!(RType::from_text("TLSA"), Some(RType::Other(52)));
        assert_eq!(RType::from_text("CNAM"), None);
        assert_eq!(RType::from_text("AXFR"), None);
        assert_eq!(RType::from_text("TYPE65536"), None);
        assert_eq!(RType::from_text("TYPE"), None);
        assert_eq!(RType::Other(52).name(), "TLSA");
        assert_eq!(RType::Other(65534).to_string(), "TYPE65534");
        for (m, code) in TYPES {
            assert_eq!(RType::from_text(m).unwrap().code(), *code);
            assert_eq!(RType::from_code(*code).name(), *m);
        }
    }

    #[test]
    fn classes() {
        assert_eq!(Class::from_text("in"), Some(Class::In));
        assert_eq!(Class::from_text("CLASS1"), Some(Class::In));
        assert_eq!(Class::from_text("chaos"), Some(Class::Ch));
        assert_eq!(Class::from_text("ANY"), Some(Class::Other(255)));
        assert_eq!(Class::from_text("INN"), None);
        assert_eq!(Class::from_text("A"), None);
    }
}
