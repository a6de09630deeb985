//! Lines of Exim's main log (`var/log/exim_mainlog`) and the Dovecot lines of the syslog mail
//! log (`var/log/maillog`, `var/log/mail.log`); `shared/reference/logs.md` §2.1, §2.6.
//!
//! A line of the main log is
//!
//! ```text
//! YYYY-MM-DD HH:MM:SS[.mmm] [+ZZZZ] [[pid]] [MSGID ]FLAG ADDRESS … KEY=value … [text]
//! ```
//!
//! The head (time, optional milliseconds, zone and pid, message id in either format: 16
//! characters before Exim 4.97, 23 since) has the grammar `grammar/eximlog.pest`; [`head`]
//! reads it with a scanner checked against that grammar ([`crate::parse::cross`]). The body
//! ([`event`]) is read by a tokeniser: the flag, the address block (which may hold spaces, in
//! quoted local parts, file paths and `(…)`/`<…>` parts), the `KEY=value` fields with
//! `"`-quoted values, and the text after them (an SMTP error, a defer reason, `for …`).
//!
//! Nothing here allocates per line, and nothing fails: a line that is not a log line gives
//! `None`, which the caller counts and skips. The parser knows nothing of rules.

use pest::Parser;

use crate::parse::cross::cross_check;

#[derive(pest_derive::Parser)]
#[grammar = "grammar/eximlog.pest"]
struct HeadParser;

/// The head of a main log line. Offsets are byte offsets into the line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Head {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    pub millis: Option<u16>,
    /// The zone's offset from UTC in minutes (`+0100` is 60).
    pub zone: Option<i16>,
    pub pid: Option<u64>,
    /// The message id (16 or 23 characters).
    pub id: Option<(usize, usize)>,
    /// Where the rest of the line starts (the line's length when there is none).
    pub rest: usize,
}

impl Head {
    /// The message id's text.
    pub fn id<'a>(&self, line: &'a str) -> Option<&'a str> {
        self.id.map(|(a, b)| &line[a..b])
    }

    /// Seconds since the Unix epoch, in UTC (the zone taken off); `None` for an impossible date.
    pub fn unix(&self) -> Option<i64> {
        civil_unix(
            i64::from(self.year),
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
        )
        .map(|t| t - i64::from(self.zone.unwrap_or(0)) * 60)
    }
}

/// Seconds since the epoch of a UTC calendar time; `None` when a field is out of range.
pub fn civil_unix(year: i64, month: u8, day: u8, hour: u8, minute: u8, second: u8) -> Option<i64> {
    if !(1..=12).contains(&month) || day == 0 || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days_in = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if day > days_in[usize::from(month - 1)] {
        return None;
    }
    let t = crate::clock::Utc {
        year,
        month: u32::from(month),
        day: u32::from(day),
        hour: u32::from(hour),
        minute: u32::from(minute),
        second: u32::from(second.min(59)),
    };
    Some(t.unix())
}

/// Reads the head of a main log line (without its `\n`); `None` when the line does not start
/// with a date and time.
pub fn head(line: &str) -> Option<Head> {
    cross_check(
        "Exim log line",
        line,
        || Some(scan_head(line)),
        || grammar_head(line),
    )
}

fn num(b: &[u8]) -> u64 {
    b.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0'))
}

fn digits(b: &[u8], at: usize, n: usize) -> bool {
    b.len() >= at + n && b[at..at + n].iter().all(u8::is_ascii_digit)
}

/// The length of a message id at `at` (16 or 23), followed by a space or the end.
fn id_len(b: &[u8], at: usize) -> Option<usize> {
    let alnum =
        |r: std::ops::Range<usize>| b.len() >= r.end && b[r].iter().all(u8::is_ascii_alphanumeric);
    let ends = |i: usize| i == b.len() || b[i] == b' ';
    // 6-11-4 first, as the grammar tries it first.
    if alnum(at..at + 6)
        && b.get(at + 6) == Some(&b'-')
        && alnum(at + 7..at + 18)
        && b.get(at + 18) == Some(&b'-')
        && alnum(at + 19..at + 23)
        && ends(at + 23)
    {
        return Some(23);
    }
    if alnum(at..at + 6)
        && b.get(at + 6) == Some(&b'-')
        && alnum(at + 7..at + 13)
        && b.get(at + 13) == Some(&b'-')
        && alnum(at + 14..at + 16)
        && ends(at + 16)
    {
        return Some(16);
    }
    None
}

fn scan_head(line: &str) -> Option<Head> {
    let b = line.as_bytes();
    if !(digits(b, 0, 4)
        && b.get(4) == Some(&b'-')
        && digits(b, 5, 2)
        && b.get(7) == Some(&b'-')
        && digits(b, 8, 2)
        && b.get(10) == Some(&b' ')
        && digits(b, 11, 2)
        && b.get(13) == Some(&b':')
        && digits(b, 14, 2)
        && b.get(16) == Some(&b':')
        && digits(b, 17, 2))
    {
        return None;
    }
    let mut h = Head {
        year: num(&b[0..4]) as u16,
        month: num(&b[5..7]) as u8,
        day: num(&b[8..10]) as u8,
        hour: num(&b[11..13]) as u8,
        minute: num(&b[14..16]) as u8,
        second: num(&b[17..19]) as u8,
        millis: None,
        zone: None,
        pid: None,
        id: None,
        rest: 0,
    };
    let mut i = 19;
    if b.get(i) == Some(&b'.') && digits(b, i + 1, 3) {
        h.millis = Some(num(&b[i + 1..i + 4]) as u16);
        i += 4;
    }
    if b.get(i) == Some(&b' ') && matches!(b.get(i + 1), Some(b'+' | b'-')) && digits(b, i + 2, 4) {
        let minutes = num(&b[i + 2..i + 4]) * 60 + num(&b[i + 4..i + 6]);
        let sign = if b[i + 1] == b'-' { -1 } else { 1 };
        h.zone = Some(sign * minutes as i16);
        i += 6;
    }
    if b.get(i) == Some(&b' ') && b.get(i + 1) == Some(&b'[') {
        let n = b[i + 2..].iter().take_while(|c| c.is_ascii_digit()).count();
        if (1..=10).contains(&n) && b.get(i + 2 + n) == Some(&b']') {
            h.pid = Some(num(&b[i + 2..i + 2 + n]));
            i += 3 + n;
        }
    }
    if b.get(i) == Some(&b' ')
        && let Some(n) = id_len(b, i + 1)
    {
        h.id = Some((i + 1, i + 1 + n));
        i += 1 + n;
    }
    match b.get(i) {
        None => h.rest = i,
        Some(b' ') => h.rest = i + 1,
        Some(_) => return None,
    }
    Some(h)
}

fn grammar_head(line: &str) -> Option<Head> {
    let pairs = HeadParser::parse(Rule::head, line).ok()?;
    let mut h = Head {
        year: 0,
        month: 0,
        day: 0,
        hour: 0,
        minute: 0,
        second: 0,
        millis: None,
        zone: None,
        pid: None,
        id: None,
        rest: line.len(),
    };
    for p in pairs.flatten() {
        let s = p.as_str().as_bytes();
        match p.as_rule() {
            Rule::date => {
                h.year = num(&s[0..4]) as u16;
                h.month = num(&s[5..7]) as u8;
                h.day = num(&s[8..10]) as u8;
            }
            Rule::time => {
                h.hour = num(&s[0..2]) as u8;
                h.minute = num(&s[3..5]) as u8;
                h.second = num(&s[6..8]) as u8;
            }
            Rule::millis => h.millis = Some(num(&s[1..]) as u16),
            Rule::zone => {
                let minutes = (num(&s[1..3]) * 60 + num(&s[3..5])) as i16;
                h.zone = Some(if s[0] == b'-' { -minutes } else { minutes });
            }
            Rule::pid => h.pid = Some(num(&s[1..s.len() - 1])),
            Rule::msgid => {
                let sp = p.as_span();
                h.id = Some((sp.start(), sp.end()));
            }
            Rule::rest => h.rest = p.as_span().start(),
            _ => {}
        }
    }
    Some(h)
}

/// Field keys of the main log (Exim spec, "Summary of Fields"); a `KEY=` token with another key
/// is part of an address or of the text.
pub const KEYS: &[&str] = &[
    "A", "C", "Ci", "CV", "D", "DKIM", "DN", "DS", "DT", "F", "H", "I", "id", "K", "L", "M8S", "P",
    "PRDR", "PRX", "PS", "Q", "QT", "R", "RT", "S", "SNI", "ST", "T", "TFO", "U", "X",
];

/// The index of a key in [`KEYS`] (byte patterns: this runs for every token of every line).
fn key_index(k: &str) -> Option<u8> {
    Some(match k.as_bytes() {
        [b'A'] => 0,
        [b'C'] => 1,
        [b'C', b'i'] => 2,
        [b'C', b'V'] => 3,
        [b'D'] => 4,
        [b'D', b'K', b'I', b'M'] => 5,
        [b'D', b'N'] => 6,
        [b'D', b'S'] => 7,
        [b'D', b'T'] => 8,
        [b'F'] => 9,
        [b'H'] => 10,
        [b'I'] => 11,
        [b'i', b'd'] => 12,
        [b'K'] => 13,
        [b'L'] => 14,
        [b'M', b'8', b'S'] => 15,
        [b'P'] => 16,
        [b'P', b'R', b'D', b'R'] => 17,
        [b'P', b'R', b'X'] => 18,
        [b'P', b'S'] => 19,
        [b'Q'] => 20,
        [b'Q', b'T'] => 21,
        [b'R'] => 22,
        [b'R', b'T'] => 23,
        [b'S'] => 24,
        [b'S', b'N', b'I'] => 25,
        [b'S', b'T'] => 26,
        [b'T'] => 27,
        [b'T', b'F', b'O'] => 28,
        [b'U'] => 29,
        [b'X'] => 30,
        _ => return None,
    })
}

/// How many fields a line keeps (the rest are skipped; real lines have about fifteen).
pub const MAX_FIELDS: usize = 24;

/// The `KEY=value` fields of a line, in order, quotes removed from quoted values (escapes left
/// as written). Kept as offsets into the line (a few hundred bytes, copied per line).
#[derive(Clone, Copy, Debug)]
pub struct Fields<'a> {
    base: &'a str,
    /// (index in [`KEYS`], value start, value end), relative to `base`.
    items: [(u8, u32, u32); MAX_FIELDS],
    len: u8,
    /// The address in brackets after `H=` (`[192.0.2.1]:25` gives `192.0.2.1`).
    pub host_ip: Option<&'a str>,
}

impl<'a> Fields<'a> {
    fn new(base: &'a str) -> Fields<'a> {
        Fields {
            base,
            items: [(0, 0, 0); MAX_FIELDS],
            len: 0,
            host_ip: None,
        }
    }

    /// The first value of a key.
    pub fn get(&self, key: &str) -> Option<&'a str> {
        let k = key_index(key)?;
        self.items[..usize::from(self.len)]
            .iter()
            .find(|(i, _, _)| *i == k)
            .map(|&(_, a, b)| &self.base[a as usize..b as usize])
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &'a str)> + '_ {
        self.items[..usize::from(self.len)]
            .iter()
            .map(|&(k, a, b)| (KEYS[usize::from(k)], &self.base[a as usize..b as usize]))
    }
}

/// What a line of the main log says.
#[derive(Clone, Copy, Debug)]
pub enum Event<'a> {
    /// `<=`: a message arrived, from `sender` (`<>` for a bounce).
    Arrival { sender: &'a str, fields: Fields<'a> },
    /// `=>` (first address of a delivery) or `->` (another address of the same delivery) and
    /// `>>` (cutthrough): delivered to `address`, for `original` (`<…>`) when given.
    Delivery {
        address: &'a str,
        /// The last intermediate address (`(…)`), for mail redirected by an alias or filter.
        intermediate: Option<&'a str>,
        original: Option<&'a str>,
        fields: Fields<'a>,
    },
    /// `**`: delivery failed (bounced), with the error text.
    Failure {
        address: &'a str,
        original: Option<&'a str>,
        fields: Fields<'a>,
        text: &'a str,
    },
    /// `==`: delivery deferred, with the reason.
    Defer {
        address: &'a str,
        original: Option<&'a str>,
        fields: Fields<'a>,
        text: &'a str,
    },
    /// `Completed`.
    Completed,
    /// `cwd=DIR N args: …`: a message submitted from the command line (log_selector
    /// `+arguments`); the pid of the head ties it to the arrival that follows.
    Cwd { dir: &'a str },
    /// Anything else (`*** Frozen`, SMTP connections, rejections, cPanel's bookkeeping lines).
    Other(&'a str),
}

/// Reads the rest of a main log line (after [`Head::rest`]).
pub fn event(rest: &str) -> Event<'_> {
    let flag = rest.as_bytes().get(..3);
    let body = rest.get(3..).unwrap_or("");
    match flag {
        Some(b"<= " | b"(= ") => {
            let (addr, fields, _) = address_and_fields(body);
            let sender = addr.split(' ').next().unwrap_or("");
            Event::Arrival { sender, fields }
        }
        Some(b"=> " | b"-> " | b">> " | b"*> ") => {
            let (addr, fields, _) = address_and_fields(body);
            let (address, original) = split_address(addr);
            Event::Delivery {
                address,
                intermediate: intermediate(addr),
                original,
                fields,
            }
        }
        Some(b"** ") => {
            let (addr, fields, text) = address_and_fields(body);
            let (address, original) = split_address(addr);
            Event::Failure {
                address,
                original,
                fields,
                text,
            }
        }
        Some(b"== ") => {
            let (addr, fields, text) = address_and_fields(body);
            let (address, original) = split_address(addr);
            Event::Defer {
                address,
                original,
                fields,
                text,
            }
        }
        _ if rest == "Completed" || rest.starts_with("Completed ") => Event::Completed,
        _ => match rest.strip_prefix("cwd=") {
            Some(c) => {
                // `cwd=/home/bob/public_html 3 args: …`: the directory may hold spaces.
                let dir = match c.find(" args: ") {
                    Some(i) => c[..i].rsplit_once(' ').map_or(&c[..i], |(d, _)| d),
                    None => c.split(' ').next().unwrap_or(c),
                };
                Event::Cwd { dir }
            }
            None => Event::Other(rest),
        },
    }
}

/// The `(intermediate)` part of `final (intermediate) <original>`.
fn intermediate(addr: &str) -> Option<&str> {
    let end = match addr.rfind('<') {
        Some(i) => &addr[..i],
        None => addr,
    }
    .trim_end();
    let inner = end.strip_suffix(')')?;
    let open = inner.rfind('(')?;
    // Not the first character: a pipe or path may itself hold parentheses.
    (open > 0 && addr.as_bytes()[open - 1] == b' ').then(|| &inner[open + 1..])
}

/// `final (intermediate) <original>`: the delivery address and the original one.
fn split_address(addr: &str) -> (&str, Option<&str>) {
    let original = match (addr.rfind('<'), addr.ends_with('>')) {
        (Some(i), true) if i > 0 => Some(&addr[i + 1..addr.len() - 1]),
        _ => None,
    };
    let address = match addr.find([' ', '(']) {
        // A pipe or a path with spaces: everything up to the `(` or `<` part.
        _ if addr.starts_with('|') || addr.starts_with('/') => {
            let end = addr
                .find(" (")
                .or_else(|| addr.find(" <"))
                .unwrap_or(addr.len());
            &addr[..end]
        }
        Some(i) => &addr[..i],
        None => addr,
    };
    (address, original)
}

/// Whether `s` starts with a known `KEY=`; returns the key's length.
fn field_key(s: &str) -> Option<usize> {
    // Keys have at most four characters.
    let eq = s.as_bytes().iter().take(5).position(|&c| c == b'=')?;
    key_index(&s[..eq]).map(|_| eq)
}

/// Splits a body into the address block, the fields and the text after them.
fn address_and_fields(body: &str) -> (&str, Fields<'_>, &str) {
    let b = body.as_bytes();
    // The address block ends at the first ` KEY=` of a known key outside `"…"`, `<…>`, `(…)`.
    let mut i = 0;
    let mut quoted = false;
    let mut angle = 0u32;
    let mut paren = 0u32;
    let mut start = body.len();
    while i < b.len() {
        match b[i] {
            b'"' => quoted = !quoted,
            b'<' if !quoted => angle += 1,
            b'>' if !quoted => angle = angle.saturating_sub(1),
            b'(' if !quoted => paren += 1,
            b')' if !quoted => paren = paren.saturating_sub(1),
            b' ' if !quoted && angle == 0 && paren == 0 && field_key(&body[i + 1..]).is_some() => {
                start = i + 1;
                break;
            }
            _ => {}
        }
        i += 1;
    }
    if start == body.len() {
        // No field: the address is the first token, the text what follows `: ` if any.
        if let Some(j) = body.find(": ") {
            return (&body[..j], Fields::new(""), &body[j + 2..]);
        }
        return (body, Fields::new(""), "");
    }
    let addr = &body[..start - 1];
    let (fields, text) = fields(&body[start..]);
    (addr, fields, text)
}

/// Reads `KEY=value` tokens up to the first token that is none; returns them and the text.
fn fields(s: &str) -> (Fields<'_>, &str) {
    let mut out = Fields::new(s);
    let b = s.as_bytes();
    let mut i = 0;
    let mut last_h = false;
    loop {
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        if i >= b.len() {
            return (out, "");
        }
        let rest = &s[i..];
        if let Some(eq) = field_key(rest) {
            let key = &rest[..eq];
            let vstart = i + eq + 1;
            let (value, end) = if b.get(vstart) == Some(&b'"') {
                let mut j = vstart + 1;
                while j < b.len() && b[j] != b'"' {
                    if b[j] == b'\\' {
                        j += 1;
                    }
                    j += 1;
                }
                let j = j.min(b.len());
                (&s[vstart + 1..j], (j + 1).min(b.len()))
            } else if b.get(vstart) == Some(&b'(') && key == "H" {
                // `H=(helo name)`: a HELO name may hold spaces, up to its `)`.
                let j = s[vstart..].find(')').map_or(b.len(), |k| vstart + k + 1);
                (&s[vstart..j], j)
            } else {
                let j = s[vstart..].find(' ').map_or(b.len(), |k| vstart + k);
                (&s[vstart..j], j)
            };
            // `R=virtual_aliases: No Such User Here`: the text follows the value's colon.
            if let Some(v) = value.strip_suffix(':')
                && b.get(vstart) != Some(&b'"')
            {
                push(&mut out, key, v);
                return (out, s[end..].trim_start());
            }
            push(&mut out, key, value);
            last_h = key == "H";
            i = end;
            continue;
        }
        // `H=name (helo) [ip]:port`: the parts after `H=` belong to it.
        if last_h && (b[i] == b'(' || b[i] == b'[') {
            let j = s[i..].find(' ').map_or(b.len(), |k| i + k);
            let tok = &s[i..j];
            if let Some(ip) = tok.strip_prefix('[') {
                let ip = ip.split(']').next().unwrap_or("");
                out.host_ip = Some(ip);
                if tok.ends_with(':') {
                    return (out, s[j..].trim_start());
                }
            } else if b[i] == b'(' && !tok.ends_with(')') {
                // A HELO name with spaces: up to its `)`.
                let k = s[i..].find(") ").map_or(b.len(), |k| i + k + 1);
                i = k;
                continue;
            }
            i = j;
            continue;
        }
        return (out, rest);
    }
}

fn push<'a>(out: &mut Fields<'a>, key: &'a str, value: &'a str) {
    let (Some(k), true) = (key_index(key), usize::from(out.len) < MAX_FIELDS) else {
        return;
    };
    // `value` is a slice of `base`: its offset.
    let start = value.as_ptr() as usize - out.base.as_ptr() as usize;
    out.items[usize::from(out.len)] = (k, start as u32, (start + value.len()) as u32);
    out.len += 1;
}

/// The domain of an address (`user@Example.COM` gives `Example.COM`), `None` without `@`.
pub fn domain_of(address: &str) -> Option<&str> {
    let d = address.rsplit_once('@')?.1;
    let d = d.trim_end_matches('>');
    (!d.is_empty()).then_some(d)
}

/// A Dovecot POP3 logout line (`pop3(user): Disconnected: Logged out … retr=N/B, del=D/M …`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PopLogout<'a> {
    pub user: &'a str,
    /// Messages and bytes retrieved (`retr=N/B`).
    pub retrieved: u64,
    /// Messages deleted, and messages in the mailbox when the session started (`del=D/M`).
    pub deleted: u64,
    pub messages: u64,
}

/// Reads a Dovecot POP3 logout from a syslog line; `None` for any other line.
pub fn pop_logout(line: &str) -> Option<PopLogout<'_>> {
    let i = line.find(" pop3(")?;
    let after = &line[i + 6..];
    let close = after.find(')')?;
    let user = &after[..close];
    let tail = &after[close..];
    if !(tail.contains("Disconnected") || tail.contains("Logged out")) {
        return None;
    }
    let pair = |key: &str| -> Option<(u64, u64)> {
        let at = tail.find(key)? + key.len();
        let v = &tail[at..];
        let end = v.find([',', ' ']).unwrap_or(v.len());
        let (a, b) = v[..end].split_once('/')?;
        Some((a.parse().ok()?, b.parse().ok()?))
    };
    let (retrieved, _) = pair(" retr=")?;
    let (deleted, messages) = pair(" del=")?;
    Some(PopLogout {
        user,
        retrieved,
        deleted,
        messages,
    })
}

/// The time of a syslog line: `Mmm dd HH:MM:SS` (the year is not written: the latest year that
/// puts the line no later than a day after `now`), or an RFC 3339 stamp
/// (`2026-11-12T10:00:00.123456+00:00`, rsyslog's high-precision format).
pub fn syslog_time(line: &str, now: i64) -> Option<i64> {
    let b = line.as_bytes();
    if digits(b, 0, 4) && b.get(4) == Some(&b'-') && b.get(10) == Some(&b'T') {
        if !(digits(b, 5, 2)
            && digits(b, 8, 2)
            && digits(b, 11, 2)
            && digits(b, 14, 2)
            && digits(b, 17, 2))
        {
            return None;
        }
        let t = civil_unix(
            num(&b[0..4]) as i64,
            num(&b[5..7]) as u8,
            num(&b[8..10]) as u8,
            num(&b[11..13]) as u8,
            num(&b[14..16]) as u8,
            num(&b[17..19]) as u8,
        )?;
        // The zone: after optional fractions, `Z` or `±HH:MM`.
        let mut i = 19;
        if b.get(i) == Some(&b'.') {
            i += 1;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
        }
        let off = match b.get(i) {
            Some(s @ (b'+' | b'-')) if digits(b, i + 1, 2) && digits(b, i + 4, 2) => {
                let m = (num(&b[i + 1..i + 3]) * 60 + num(&b[i + 4..i + 6])) as i64;
                if *s == b'-' { -m } else { m }
            }
            _ => 0,
        };
        return Some(t - off * 60);
    }
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|m| line.get(..3) == Some(*m))? as u8 + 1;
    if b.get(3) != Some(&b' ') {
        return None;
    }
    let day = match (b.get(4), b.get(5)) {
        (Some(b' '), Some(d)) if d.is_ascii_digit() => d - b'0',
        (Some(a), Some(d)) if a.is_ascii_digit() && d.is_ascii_digit() => {
            (a - b'0') * 10 + d - b'0'
        }
        _ => return None,
    };
    if !(b.get(6) == Some(&b' ')
        && digits(b, 7, 2)
        && b.get(9) == Some(&b':')
        && digits(b, 10, 2)
        && b.get(12) == Some(&b':')
        && digits(b, 13, 2))
    {
        return None;
    }
    let (h, m, s) = (
        num(&b[7..9]) as u8,
        num(&b[10..12]) as u8,
        num(&b[13..15]) as u8,
    );
    let year = crate::clock::Utc::from_unix(now).year;
    for y in [year, year - 1] {
        if let Some(t) = civil_unix(y, month, day, h, m, s)
            && t <= now + 86_400
        {
            return Some(t);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_indexes_are_the_keys() {
        for (i, k) in KEYS.iter().enumerate() {
            assert_eq!(key_index(k), Some(i as u8));
        }
        assert_eq!(key_index("cwd"), None);
        assert_eq!(key_index(""), None);
    }

    #[test]
    fn heads_in_every_shape() {
        let l = "2026-11-12 09:14:03 1tKx2a-0001Ab-Q9 <= a@example.com H=x [192.0.2.1]:25 P=esmtp";
        let h = head(l).unwrap();
        assert_eq!(h.id(l), Some("1tKx2a-0001Ab-Q9"));
        assert_eq!(&l[h.rest..h.rest + 2], "<=");
        assert_eq!(h.unix(), Some(1_794_474_843));
        let l = "2026-11-12 09:14:03.123 +0100 [4478] 1x6mUB-00000006Pya-498Q Completed";
        let h = head(l).unwrap();
        assert_eq!(h.id(l), Some("1x6mUB-00000006Pya-498Q"));
        assert_eq!((h.millis, h.zone, h.pid), (Some(123), Some(60), Some(4478)));
        assert_eq!(h.unix(), Some(1_794_474_843 - 3600));
        assert_eq!(&l[h.rest..], "Completed");
        let l = "2026-11-12 09:14:03 SMTP connection from [192.0.2.1]";
        let h = head(l).unwrap();
        assert_eq!(h.id, None);
        assert_eq!(&l[h.rest..], "SMTP connection from [192.0.2.1]");
        assert!(head("Nov 12 09:14:03 host dovecot: x").is_none());
        assert!(head("2026-11-12 09:14:03x").is_none());
        assert_eq!(head("2026-11-12 09:14:03").unwrap().rest, 19);
        assert_eq!(head("2026-13-12 09:14:03 x").unwrap().unix(), None);
    }

    #[test]
    fn deliveries_with_originals_pipes_and_paths() {
        let Event::Delivery {
            address,
            original,
            fields,
            ..
        } = event(
            "=> team <team@example.org> R=virtual_user T=dovecot_virtual_delivery C=\"250 2.0.0 <team@example.org> x Saved\"",
        )
        else {
            panic!()
        };
        assert_eq!((address, original), ("team", Some("team@example.org")));
        assert_eq!(fields.get("T"), Some("dovecot_virtual_delivery"));
        assert_eq!(
            fields.get("C"),
            Some("250 2.0.0 <team@example.org> x Saved")
        );
        let Event::Delivery {
            address, original, ..
        } = event(
            "=> /home/cplove/mail/c.net/sam/.Server Status/ <sam@example.net> R=virtual_user_filter T=address_directory",
        )
        else {
            panic!()
        };
        assert_eq!(address, "/home/cplove/mail/c.net/sam/.Server Status/");
        assert_eq!(original, Some("sam@example.net"));
        let Event::Delivery {
            address,
            intermediate,
            original,
            ..
        } = event(
            "=> team (team@example.org) <sales@example.com> R=virtual_user T=dovecot_virtual_delivery",
        )
        else {
            panic!()
        };
        assert_eq!(
            (address, intermediate, original),
            ("team", Some("team@example.org"), Some("sales@example.com"))
        );
        let Event::Delivery { intermediate, .. } = event(
            "=> /dev/null (erice@example.net) <techmgr@example.net> R=virtual_user_filter T=**bypassed**",
        ) else {
            panic!()
        };
        assert_eq!(intermediate, Some("erice@example.net"));
        let Event::Delivery { fields, .. } = event(
            "=> x@example.net R=dkim_lookuphost T=dkim_remote_smtp H=mx.example.net [192.0.2.7] X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=yes C=\"250 ok\"",
        ) else {
            panic!()
        };
        assert_eq!(fields.host_ip, Some("192.0.2.7"));
        assert_eq!(fields.get("CV"), Some("yes"));
    }

    #[test]
    fn failures_keep_their_text() {
        let Event::Failure {
            address,
            fields,
            text,
            ..
        } = event(
            "** bad@example.net R=lookuphost T=remote_smtp H=mx.example.net [192.0.2.9]: SMTP error from remote mail server after RCPT TO:<bad@example.net>: 554 blocked using zen.spamhaus.org",
        )
        else {
            panic!()
        };
        assert_eq!(address, "bad@example.net");
        assert_eq!(fields.get("T"), Some("remote_smtp"));
        assert!(text.starts_with("SMTP error from remote mail server"));
        let Event::Failure { fields, text, .. } =
            event("** nobody@example.com R=virtual_aliases: No Such User Here")
        else {
            panic!()
        };
        assert_eq!(fields.get("R"), Some("virtual_aliases"));
        assert_eq!(text, "No Such User Here");
        let Event::Defer { text, .. } = event(
            "== x@example.com R=lookuphost T=remote_smtp defer (-53): retry time not reached",
        ) else {
            panic!()
        };
        assert_eq!(text, "defer (-53): retry time not reached");
    }

    #[test]
    fn arrivals_and_cwd() {
        let Event::Arrival { sender, fields } = event(
            "<= test1@example.com H=(cent6 example) [127.0.0.1]:39856 P=esmtpa A=dovecot_login:test1@example.com S=576 id=b8@example.com T=\"a subject\" for test2@example.com",
        ) else {
            panic!()
        };
        assert_eq!(sender, "test1@example.com");
        assert_eq!(fields.host_ip, Some("127.0.0.1"));
        assert_eq!(fields.get("A"), Some("dovecot_login:test1@example.com"));
        assert_eq!(fields.get("T"), Some("a subject"));
        let Event::Cwd { dir } =
            event("cwd=/home/bob/public_html/my app 3 args: /usr/sbin/sendmail -t -i")
        else {
            panic!()
        };
        assert_eq!(dir, "/home/bob/public_html/my app");
    }

    #[test]
    fn pop_logouts_and_syslog_times() {
        let l = "Nov 12 20:54:55 edge dovecot: pop3(ann@example.com)<20569><N/eq>: Disconnected: Logged out top=0/0, retr=3/1200, del=3/5, size=1062";
        let p = pop_logout(l).unwrap();
        assert_eq!(
            (p.user, p.retrieved, p.deleted, p.messages),
            ("ann@example.com", 3, 3, 5)
        );
        let now = 1_795_392_000; // 2026-11-23
        assert_eq!(syslog_time(l, now), civil_unix(2026, 11, 12, 20, 54, 55));
        assert_eq!(
            syslog_time("Dec 30 10:00:00 h x", now),
            civil_unix(2025, 12, 30, 10, 0, 0)
        );
        assert_eq!(
            syslog_time("2026-11-12T10:00:00.123456+01:00 h x", now),
            civil_unix(2026, 11, 12, 9, 0, 0)
        );
        assert!(pop_logout("Nov 12 20:54:55 edge dovecot: imap(a@b): Logged out in=1").is_none());
    }
}
