//! Reading the data of a record by its type.

use super::text::{self, show};
use super::{Caa, Field, RData, RType, Soa, Srv, Target, Txt, TxtString};
use crate::parse::SyntaxError;
use crate::source::{SourceFile, Span};

pub(super) struct Ctx<'a> {
    pub src: &'a SourceFile,
    pub origin: &'a str,
    pub rtype: RType,
    /// "end of line" or "end of record", for messages.
    pub end_word: &'static str,
    /// Where a missing field is reported.
    pub end_at: Span,
}

/// Reads the data fields of a record. Problems that leave the data readable come back in the
/// vector; unreadable data is [`RData::Bad`].
pub(super) fn read(ctx: &Ctx<'_>, fields: &[Field]) -> (RData, Vec<SyntaxError>) {
    if let Some(f) = fields.first()
        && !f.quoted
        && ctx.src.slice(f.span) == "\\#"
    {
        return (RData::Other, Vec::new());
    }
    let mut c = Cursor {
        ctx,
        fields,
        i: 0,
        errors: Vec::new(),
    };
    let data = match ctx.rtype {
        RType::A => c.address("an IPv4 address in the A record").map(RData::A),
        RType::Aaaa => c
            .address("an IPv6 address in the AAAA record")
            .map(RData::Aaaa),
        RType::Mx => c.mx(),
        RType::Cname => c
            .name("a domain name in the CNAME record")
            .map(|t| RData::Cname(Box::new(t))),
        RType::Ns => c
            .name("a name server's name in the NS record")
            .map(|t| RData::Ns(Box::new(t))),
        RType::Ptr => c
            .name("a domain name in the PTR record")
            .map(|t| RData::Ptr(Box::new(t))),
        RType::Txt => c.txt().map(RData::Txt),
        RType::Spf => c.txt().map(RData::Spf),
        RType::Soa => c.soa(),
        RType::Srv => c.srv(),
        RType::Caa => c.caa(),
        RType::Other(_) => {
            c.i = fields.len();
            Ok(RData::Other)
        }
    };
    match data {
        Ok(d) => {
            c.finish();
            (d, c.errors)
        }
        Err(e) => (RData::Bad(Box::new(e)), Vec::new()),
    }
}

/// A domain-name field resolved against `origin`; `what` says what was expected, for messages.
pub(super) fn target(
    src: &SourceFile,
    origin: &str,
    f: Field,
    what: &str,
) -> Result<Target, SyntaxError> {
    let raw = src.slice(f.span);
    if f.quoted {
        return Err(SyntaxError::new(
            f.span,
            format!("expected {what}, found a quoted string {}", show(raw)),
        )
        .with_help("domain names are written without quotes"));
    }
    match text::resolve_name(raw, origin) {
        Ok(name) => Ok(Target {
            span: f.span,
            raw: raw.to_string(),
            name,
        }),
        Err(reason) => Err(SyntaxError::new(
            f.span,
            format!("expected {what}, found {}: {reason}", show(raw)),
        )),
    }
}

fn help(rtype: RType) -> String {
    match rtype {
        RType::A => "an A record holds one IPv4 address, such as `192.0.2.1`".into(),
        RType::Aaaa => "an AAAA record holds one IPv6 address, such as `2001:db8::1`".into(),
        RType::Mx => "an MX record is `preference exchange`, such as `10 mail.example.com.`; \
                      the exchange is a host name, not an address"
            .into(),
        RType::Txt | RType::Spf => "TXT data is one or more quoted strings of at most 255 bytes, \
                                    such as `\"v=spf1 +a +mx ~all\"`"
            .into(),
        RType::Soa => "SOA data is `mname rname serial refresh retry expire minimum`".into(),
        RType::Srv => {
            "SRV data is `priority weight port target`, such as `0 0 443 host.example.com.`".into()
        }
        RType::Caa => "CAA data is `flags tag value`, such as `0 issue \"letsencrypt.org\"`".into(),
        t => format!("{t} data is one domain name, such as `host.example.com.`"),
    }
}

struct Cursor<'a, 'b> {
    ctx: &'b Ctx<'a>,
    fields: &'b [Field],
    i: usize,
    errors: Vec<SyntaxError>,
}

impl<'a> Cursor<'a, '_> {
    fn error(&self, span: Span, what: &str, found: &str) -> SyntaxError {
        SyntaxError::new(span, format!("expected {what}, found {}", show(found)))
            .with_help(help(self.ctx.rtype))
    }

    fn next(&mut self, what: &str) -> Result<Field, SyntaxError> {
        match self.fields.get(self.i) {
            Some(&f) => {
                self.i += 1;
                Ok(f)
            }
            None => Err(SyntaxError::new(
                self.ctx.end_at,
                format!("expected {what}, found {}", self.ctx.end_word),
            )
            .with_help(help(self.ctx.rtype))),
        }
    }

    /// An unquoted field.
    fn word(&mut self, what: &str) -> Result<(Field, &'a str), SyntaxError> {
        let f = self.next(what)?;
        let w = self.ctx.src.slice(f.span);
        if f.quoted {
            return Err(SyntaxError::new(
                f.span,
                format!("expected {what}, found a quoted string {}", show(w)),
            )
            .with_help(help(self.ctx.rtype)));
        }
        Ok((f, w))
    }

    /// An IP address.
    fn address<T: std::str::FromStr>(&mut self, what: &str) -> Result<T, SyntaxError> {
        let (f, w) = self.word(what)?;
        w.parse().map_err(|_| self.error(f.span, what, w))
    }

    fn name(&mut self, what: &str) -> Result<Target, SyntaxError> {
        let f = self.next(what)?;
        target(self.ctx.src, self.ctx.origin, f, what).map_err(|e| {
            if e.help.is_some() {
                e
            } else {
                e.with_help(help(self.ctx.rtype))
            }
        })
    }

    fn uint(&mut self, what: &str, max: u64) -> Result<(u64, Span), SyntaxError> {
        let (f, w) = self.word(what)?;
        match text::parse_uint(w, max) {
            Some(n) => Ok((n, f.span)),
            None => Err(self.error(f.span, what, w)),
        }
    }

    fn duration(&mut self, what: &str) -> Result<(u32, Span), SyntaxError> {
        let (f, w) = self.word(what)?;
        match text::parse_ttl(w) {
            Some(n) => Ok((n, f.span)),
            None => Err(self.error(f.span, what, w)),
        }
    }

    /// A character string, quoted or not, with its escapes decoded.
    fn string(&mut self, what: &str) -> Result<TxtString, SyntaxError> {
        let f = self.next(what)?;
        if !f.closed {
            return Err(SyntaxError::new(
                f.span,
                format!(
                    "expected `\"` to close this quoted string, found {}",
                    "end of line"
                ),
            )
            .with_help(
                "close the string with `\"`; to go on on the next line, end the line with `\\` \
                 inside the string, or close it and open another",
            ));
        }
        let inner = f.inner();
        match text::unescape(self.ctx.src.slice_bytes(inner)) {
            Ok(bytes) => Ok(TxtString {
                span: f.span,
                bytes,
                quoted: f.quoted,
            }),
            Err(e) => Err(SyntaxError::new(
                Span::new(e.at, e.at + e.len).offset(inner.start as usize),
                e.message,
            )
            .with_help(
                "in zone files `\\X` stands for X and `\\DDD` for the byte of decimal value DDD",
            )),
        }
    }

    /// Reports fields after the data.
    fn finish(&mut self) {
        if let (Some(first), Some(last)) = (self.fields.get(self.i), self.fields.last()) {
            let found = self.ctx.src.slice(first.span);
            self.errors.push(
                SyntaxError::new(
                    first.span.join(last.span),
                    format!(
                        "expected {} after the {} record's data, found {}",
                        self.ctx.end_word,
                        self.ctx.rtype,
                        show(found)
                    ),
                )
                .with_help(help(self.ctx.rtype)),
            );
        }
    }

    fn mx(&mut self) -> Result<RData, SyntaxError> {
        let (preference, pref_span) = self.uint(
            "the preference of the MX record (a number from 0 to 65535)",
            65535,
        )?;
        let exchange = self.name("the mail exchanger's name in the MX record")?;
        Ok(RData::Mx {
            preference: preference as u16,
            pref_span,
            exchange: Box::new(exchange),
        })
    }

    fn txt(&mut self) -> Result<Txt, SyntaxError> {
        let what = if self.ctx.rtype == RType::Spf {
            "a character string in the SPF record"
        } else {
            "a character string in the TXT record"
        };
        let mut strings = vec![self.string(what)?];
        while self.i < self.fields.len() {
            strings.push(self.string(what)?);
        }
        Ok(Txt {
            strings: strings.into_boxed_slice(),
        })
    }

    fn soa(&mut self) -> Result<RData, SyntaxError> {
        let mname = self.name("the primary name server (MNAME) of the SOA record")?;
        let rname = self.name("the responsible person's mailbox (RNAME) of the SOA record")?;
        let serial = self.uint(
            "the serial number of the SOA record (a number from 0 to 4294967295)",
            u64::MAX,
        )?;
        if serial.0 > u64::from(u32::MAX) {
            self.errors.push(
                SyntaxError::new(
                    serial.1,
                    format!(
                        "expected a serial number from 0 to 4294967295, found `{}`",
                        serial.0
                    ),
                )
                .with_help("SOA serials are 32-bit numbers; BIND refuses the zone"),
            );
        }
        let mut timer = |name: &str| {
            self.duration(&format!(
                "the {name} of the SOA record (seconds, or a duration such as `1h`)"
            ))
        };
        let refresh = timer("refresh time")?;
        let retry = timer("retry time")?;
        let expire = timer("expire time")?;
        let minimum = timer("minimum TTL")?;
        Ok(RData::Soa(Box::new(Soa {
            mname,
            rname,
            serial,
            refresh,
            retry,
            expire,
            minimum,
        })))
    }

    fn srv(&mut self) -> Result<RData, SyntaxError> {
        let mut num = |name: &str| {
            self.uint(
                &format!("the {name} of the SRV record (a number from 0 to 65535)"),
                65535,
            )
            .map(|(n, s)| (n as u16, s))
        };
        let priority = num("priority")?;
        let weight = num("weight")?;
        let port = num("port")?;
        let target = self.name("the target host name of the SRV record")?;
        Ok(RData::Srv(Box::new(Srv {
            priority,
            weight,
            port,
            target,
        })))
    }

    fn caa(&mut self) -> Result<RData, SyntaxError> {
        let (flags, flags_span) =
            self.uint("the flags of the CAA record (a number from 0 to 255)", 255)?;
        let what = "the tag of the CAA record (letters and digits, such as `issue`)";
        let (f, tag) = self.word(what)?;
        if !tag.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(self.error(f.span, what, tag));
        }
        let tag = (tag.to_string(), f.span);
        let value = self.string("the value of the CAA record")?;
        Ok(RData::Caa(Box::new(Caa {
            flags: (flags as u8, flags_span),
            tag,
            value,
        })))
    }
}
