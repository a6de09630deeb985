//! Evidence from the mail logs: Exim's main log and the Dovecot lines of the syslog mail log
//! (`shared/reference/logs.md`), read when a selected rule needs them ([`Needs::LOGS`]).
//!
//! # Which files
//!
//! Without `--logs`, the files of `var/log` (and `var/log/exim`) under the root whose names are
//! `exim_mainlog`, `mainlog`, `maillog` or `mail.log`, each possibly followed by a rotation
//! suffix (`-20261112`, `.1`) and `.gz`. They are opened through the tree: no symlink is
//! followed, no FIFO opened. With `--logs PATH` (repeatable) the files named, or those of a
//! directory named, are read instead; `--no-logs` reads none. A file last modified before the
//! period (`--since DAYS`, 14 by default, counted back from the run's clock) holds nothing of
//! it and is not read. Gzip files are recognised by their first bytes, whatever their name.
//!
//! # Bounded memory
//!
//! Files are read in parallel (rayon), each as a stream through a 64 KiB buffer; a line is kept
//! only while it is read, and at most [`MAX_LINE`] bytes of it (a longer line is skipped and
//! counted, never held). Lines that are neither Exim nor Dovecot lines are counted and skipped.
//! The per-message state a file needs (which message arrived from where, to join a delivery
//! with its arrival) lives only while the file is read and is capped: at most [`MAX_ARRIVALS`]
//! messages (a `Completed` line frees its message; beyond the cap the oldest arrival is
//! forgotten, and a delivery of a forgotten message counts as one whose sender is unknown).
//! What is kept across files is counted per domain, sending address, mailbox or hour, and every
//! such table is capped too ([`MAX_KEYS`]). An arrival and its deliveries in two different files
//! (a message in the queue across a log rotation) are not joined.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;

use rayon::prelude::*;

use crate::parse::eximlog::{self, Event};
use crate::tree::{self, Tree};

/// The longest line kept (longer lines are skipped and counted).
pub const MAX_LINE: usize = 64 * 1024;
/// Messages whose arrival one file remembers at a time.
pub const MAX_ARRIVALS: usize = 200_000;
/// Entries of each table kept across files (domains, addresses, mailboxes, IP addresses).
pub const MAX_KEYS: usize = 10_000;
/// Processes whose `cwd=` line is remembered at a time.
const MAX_PIDS: usize = 10_000;
/// Characters of a sample line kept.
const SAMPLE_CHARS: usize = 400;

/// Which logs to read.
#[derive(Clone, Debug)]
pub struct LogOptions {
    /// `--logs PATH`: files or directories to read instead of those under the root.
    pub paths: Vec<PathBuf>,
    /// `--no-logs`.
    pub off: bool,
    /// `--since DAYS`.
    pub since_days: u32,
}

impl Default for LogOptions {
    fn default() -> LogOptions {
        LogOptions {
            paths: Vec::new(),
            off: false,
            since_days: 14,
        }
    }
}

/// One line quoted as a sample, with its file and line number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sample {
    pub file: String,
    pub line: u64,
    pub time: i64,
    pub text: String,
}

/// How many lines said something, when first and last, and the earliest of them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub count: u64,
    pub first: i64,
    pub last: i64,
    pub sample: Option<Sample>,
}

impl Tally {
    fn add(&mut self, time: i64, sample: impl FnOnce() -> Sample) {
        if self.count == 0 || time < self.first {
            self.first = time;
            self.sample = Some(sample());
        }
        if self.count == 0 || time > self.last {
            self.last = time;
        }
        self.count += 1;
    }

    /// Adds another tally's lines.
    pub fn merge_from(&mut self, other: Tally) {
        self.merge(other);
    }

    fn merge(&mut self, other: Tally) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 || other.first < self.first {
            self.first = other.first;
            self.sample = other.sample;
        }
        if self.count == 0 || other.last > self.last {
            self.last = other.last;
        }
        self.count += other.count;
    }
}

/// What the logs say about mail to one domain.
#[derive(Clone, Debug, Default)]
pub struct DomainMail {
    /// Delivered into a local mailbox, pipe or file, sent from this server (a local script, an
    /// authenticated user, a local host): the mail RT001 says is lost.
    pub local_from_here: Tally,
    /// Delivered locally, whoever sent it.
    pub local: u64,
    /// Delivered to another host.
    pub remote: u64,
    /// Arrived from hosts on the Internet without authentication.
    pub from_outside: u64,
}

/// Remote servers that refused mail citing a blocklist, for one sending address.
#[derive(Clone, Debug, Default)]
pub struct Blocked {
    pub tally: Tally,
    /// The lists named (`Spamhaus`, `SpamCop`, `zen.example.org`…).
    pub lists: BTreeSet<String>,
    /// The domains of the refused recipients (at most 20 kept).
    pub domains: BTreeSet<String>,
}

/// cPanel's send limit held back a domain's mail.
#[derive(Clone, Debug, Default)]
pub struct LimitHits {
    pub tally: Tally,
    pub deferred: u64,
    pub discarded: u64,
    /// Hits per hour (Unix hour).
    pub hours: BTreeMap<i64, u64>,
}

/// A mailbox read over POP3.
#[derive(Clone, Debug, Default)]
pub struct PopUse {
    pub sessions: Tally,
    pub retrieved: u64,
    pub deleted: u64,
    /// The mailbox's message count at the start of the last session.
    pub messages_last: u64,
    last_time: i64,
}

/// The busiest hour of a time-ordered stream of events, in constant memory: the hour being
/// counted, the best one so far, and the first one (to join the hour a log rotation split when
/// two files are merged).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HourPeak {
    /// (Unix hour, count); count 0 when none.
    pub first: (i64, u64),
    pub cur: (i64, u64),
    pub best: (i64, u64),
}

impl HourPeak {
    fn add(&mut self, hour: i64) {
        if self.first.1 == 0 {
            self.first = (hour, 0);
            self.cur = (hour, 0);
        }
        if self.cur.0 != hour {
            self.cur = (hour, 0);
        }
        self.cur.1 += 1;
        if self.first.0 == hour {
            self.first.1 = self.cur.1;
        }
        self.keep(self.cur);
    }

    fn keep(&mut self, c: (i64, u64)) {
        if c.1 > self.best.1 || (c.1 == self.best.1 && c.0 < self.best.0) {
            self.best = c;
        }
    }

    /// Another file's peak: the better of the two, or of an hour they share at their edges.
    pub fn merge(&mut self, o: HourPeak) {
        if o.best.1 == 0 {
            return;
        }
        if self.best.1 == 0 {
            *self = o;
            return;
        }
        let mut joined = Vec::new();
        if self.cur.0 == o.first.0 {
            joined.push((o.first.0, self.cur.1 + o.first.1));
        }
        if o.cur.0 == self.first.0 {
            joined.push((self.first.0, o.cur.1 + self.first.1));
        }
        let (first, cur) = if o.first.0 < self.first.0 {
            (o.first, self.cur)
        } else {
            (self.first, o.cur)
        };
        self.keep(o.best);
        for j in joined {
            self.keep(j);
        }
        self.first = first;
        self.cur = cur;
    }

    /// The busiest hour and its count.
    pub fn busiest(&self) -> Option<(i64, u64)> {
        (self.best.1 > 0).then_some(self.best)
    }
}

/// Mail submitted from this server by one sender (a script directory, a local user, an
/// authenticated mailbox).
#[derive(Clone, Debug, Default)]
pub struct Submitter {
    /// Its busiest hour.
    pub peak: HourPeak,
    /// The sender domains it used, with counts (at most 20).
    pub domains: BTreeMap<String, u64>,
    pub tally: Tally,
}

impl Submitter {
    /// The busiest hour and its count.
    pub fn busiest(&self) -> Option<(i64, u64)> {
        self.peak.busiest()
    }
}

/// Who submitted a message from this server.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SubmitterKey {
    /// A script: the working directory of a command-line submission (`cwd=`).
    Dir(String),
    /// A local submission by a user (`U=`, `P=local`) without a known directory.
    User(String),
    /// An authenticated mailbox (`A=dovecot_login:ann@example.com`).
    Login(String),
}

/// Everything read from the logs.
#[derive(Clone, Debug, Default)]
pub struct Logs {
    /// Files read, in the order given (display paths).
    pub files: Vec<String>,
    /// Start of the period (Unix seconds) and the run's clock.
    pub since: i64,
    pub now: i64,
    /// Lines read, lines of the period, lines that were neither Exim nor Dovecot lines, and
    /// lines longer than [`MAX_LINE`].
    pub lines: u64,
    pub in_period: u64,
    pub unparsed: u64,
    pub too_long: u64,
    /// Exim lines of the period (the logs say something about delivery in the period).
    pub exim_lines: u64,
    /// Per recipient domain (the account and routing-list domains only), lower case.
    pub domains: HashMap<String, DomainMail>,
    /// Per sending address of this server (`unknown` when the refusal names none).
    pub blocked: BTreeMap<String, Blocked>,
    /// "lowest numbered MX record points to local host" and "remote host address is the local
    /// host", per domain (lower case).
    pub local_mx: BTreeMap<String, Tally>,
    /// Send-limit holds per domain (lower case).
    pub limits: BTreeMap<String, LimitHits>,
    /// Local and authenticated submissions per sender domain (lower case), per hour.
    pub sent: HashMap<String, Submitter>,
    /// The same per submitter.
    pub submitters: BTreeMap<SubmitterKey, Submitter>,
    /// POP3 use per mailbox (`user@domain`, lower case).
    pub pop: BTreeMap<String, PopUse>,
    /// Tables that reached [`MAX_KEYS`], and arrivals forgotten at [`MAX_ARRIVALS`].
    pub capped: bool,
    pub forgotten: u64,
}

impl Logs {
    /// Whether any Exim line fell in the period.
    pub fn has_exim(&self) -> bool {
        self.exim_lines > 0
    }

    fn merge(&mut self, o: Logs) {
        self.files.extend(o.files);
        self.lines += o.lines;
        self.in_period += o.in_period;
        self.unparsed += o.unparsed;
        self.too_long += o.too_long;
        self.exim_lines += o.exim_lines;
        self.capped |= o.capped;
        self.forgotten += o.forgotten;
        for (k, v) in o.domains {
            let d = self.domains.entry(k).or_default();
            d.local_from_here.merge(v.local_from_here);
            d.local += v.local;
            d.remote += v.remote;
            d.from_outside += v.from_outside;
        }
        for (k, v) in o.blocked {
            let b = self.blocked.entry(k).or_default();
            b.tally.merge(v.tally);
            b.lists.extend(v.lists);
            b.domains.extend(v.domains);
            while b.domains.len() > 20 {
                b.domains.pop_last();
            }
        }
        for (k, v) in o.local_mx {
            self.local_mx.entry(k).or_default().merge(v);
        }
        for (k, v) in o.limits {
            let l = self.limits.entry(k).or_default();
            l.tally.merge(v.tally);
            l.deferred += v.deferred;
            l.discarded += v.discarded;
            for (h, n) in v.hours {
                *l.hours.entry(h).or_default() += n;
            }
        }
        for (k, v) in o.sent {
            merge_submitter(self.sent.entry(k).or_default(), v);
        }
        for (k, v) in o.submitters {
            merge_submitter(self.submitters.entry(k).or_default(), v);
        }
        for (k, v) in o.pop {
            let p = self.pop.entry(k).or_default();
            p.sessions.merge(v.sessions);
            p.retrieved += v.retrieved;
            p.deleted += v.deleted;
            if v.last_time >= p.last_time {
                p.last_time = v.last_time;
                p.messages_last = v.messages_last;
            }
        }
    }
}

fn merge_submitter(a: &mut Submitter, b: Submitter) {
    a.tally.merge(b.tally);
    a.peak.merge(b.peak);
    for (d, n) in b.domains {
        *a.domains.entry(d).or_default() += n;
    }
}

/// Where a message came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Origin {
    /// Submitted on this server: a script or local user, an authenticated user, a local host.
    Here,
    /// From a host on the Internet, unauthenticated.
    Outside,
    /// A bounce or other message Exim made itself.
    Exim,
}

/// What a file remembers of a message until it completes.
struct Arrival {
    origin: Origin,
}

/// A message id as a number: its base-62 digits (14 in an old id, 21 in a new one; 62^21 × 2
/// fits in 128 bits), and which format it is.
fn id_key(id: &str) -> u128 {
    let mut k: u128 = 0;
    for b in id.bytes() {
        let d = match b {
            b'0'..=b'9' => b - b'0',
            b'A'..=b'Z' => b - b'A' + 10,
            b'a'..=b'z' => b - b'a' + 36,
            _ => continue,
        };
        k = k.wrapping_mul(62).wrapping_add(u128::from(d));
    }
    k.wrapping_mul(2) + u128::from(id.len() == 23)
}

/// A hasher for message-id keys (numbers already spread by their random digits).
#[derive(Default)]
struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u128(&mut self, n: u128) {
        let folded = (n as u64) ^ ((n >> 64) as u64).rotate_left(32);
        self.0 = (self.0 ^ folded).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 ^= self.0 >> 29;
    }
}

type IdMap<V> = HashMap<u128, V, std::hash::BuildHasherDefault<IdHasher>>;

/// A capped table of arrivals, oldest forgotten first.
#[derive(Default)]
struct Arrivals {
    map: IdMap<Arrival>,
    order: VecDeque<u128>,
    forgotten: u64,
}

impl Arrivals {
    fn insert(&mut self, id: &str, a: Arrival) {
        let key = id_key(id);
        if self.map.insert(key, a).is_none() {
            self.order.push_back(key);
        }
        while self.map.len() > MAX_ARRIVALS {
            match self.order.pop_front() {
                Some(old) => {
                    if self.map.remove(&old).is_some() {
                        self.forgotten += 1;
                    }
                }
                None => break,
            }
        }
        // Ids of completed messages stay in `order` until they reach its front: compact it
        // when they outnumber the live ones.
        if self.order.len() > 2 * MAX_ARRIVALS.max(self.map.len()) {
            let map = &self.map;
            self.order.retain(|id| map.contains_key(id));
        }
    }

    fn get(&self, id: &str) -> Option<&Arrival> {
        self.map.get(&id_key(id))
    }

    fn remove(&mut self, id: &str) {
        self.map.remove(&id_key(id));
    }
}

/// What the scan looks for beyond the fixed patterns.
pub struct Scope {
    /// Recipient domains counted per domain (lower case).
    pub domains: BTreeSet<String>,
    pub since: i64,
    pub now: i64,
}

/// One file being read.
struct FileScan<'a> {
    scope: &'a Scope,
    display: String,
    out: Logs,
    arrivals: Arrivals,
    cwd: HashMap<u64, Box<str>>,
    /// The last `cwd=` line and its number (for logs written without pids).
    last_cwd: Option<(u64, Box<str>)>,
    /// Submitters by kind ([`DIR`], [`USER`], [`LOGIN`]), looked up without a copy of the name;
    /// moved into [`Logs::submitters`] when the file is read.
    subs: [HashMap<String, Submitter>; 3],
}

const DIR: usize = 0;
const USER: usize = 1;
const LOGIN: usize = 2;

impl FileScan<'_> {
    fn new<'a>(scope: &'a Scope, display: &str) -> FileScan<'a> {
        let mut out = Logs::default();
        out.files.push(display.to_string());
        FileScan {
            scope,
            display: display.to_string(),
            out,
            arrivals: Arrivals::default(),
            cwd: HashMap::new(),
            last_cwd: None,
            subs: Default::default(),
        }
    }

    /// What the file said.
    fn finish(mut self) -> Logs {
        self.out.forgotten += self.arrivals.forgotten;
        let [dirs, users, logins] = self.subs;
        for (k, v) in dirs {
            self.out.submitters.insert(SubmitterKey::Dir(k), v);
        }
        for (k, v) in users {
            self.out.submitters.insert(SubmitterKey::User(k), v);
        }
        for (k, v) in logins {
            self.out.submitters.insert(SubmitterKey::Login(k), v);
        }
        self.out
    }
}

fn lower(s: &str) -> String {
    s.to_ascii_lowercase()
}

/// The names of blocklists an SMTP refusal cites.
fn blocklists(text: &str) -> BTreeSet<String> {
    let l = text.to_ascii_lowercase();
    let mut out = BTreeSet::new();
    for (needle, name) in [
        ("spamhaus", "Spamhaus"),
        ("spamcop", "SpamCop"),
        ("barracuda", "Barracuda"),
        ("s3140", "Microsoft"),
        ("s3150", "Microsoft"),
        ("sorbs", "SORBS"),
        ("uceprotect", "UCEPROTECT"),
    ] {
        if l.contains(needle) {
            out.insert(name.to_string());
        }
    }
    for lead in ["listed at ", "blocked using ", "listed by ", "listed in "] {
        if let Some(i) = l.find(lead) {
            let zone: String = l[i + lead.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-')
                .collect();
            let zone = zone.trim_end_matches('.');
            if zone.contains('.') && !out.iter().any(|n| zone.contains(&n.to_ascii_lowercase())) {
                out.insert(zone.to_string());
            }
        }
    }
    if out.is_empty() && (l.contains("blacklist") || l.contains("blocklist") || l.contains("rbl")) {
        out.insert("a blocklist".to_string());
    }
    out
}

/// The first IPv4 address in brackets or after "Client host" in a refusal that is not the
/// remote host's own: the address of this server the refusal names.
fn cited_ip<'a>(text: &'a str, remote: Option<&str>) -> Option<&'a str> {
    let mut rest = text;
    while let Some(i) = rest.find(|c: char| c.is_ascii_digit()) {
        let cand = &rest[i..];
        let end = cand
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(cand.len());
        let ip = cand[..end].trim_end_matches('.');
        let before = rest[..i].chars().last();
        if ip.parse::<std::net::Ipv4Addr>().is_ok()
            && Some(ip) != remote
            && !matches!(before, Some(c) if c.is_ascii_alphanumeric() || c == '.' || c == '-')
        {
            return Some(ip);
        }
        rest = &cand[end.max(1)..];
    }
    None
}

/// A sample line (made only when a tally keeps it: its first line).
fn sample(display: &str, line_no: u64, time: i64, line: &str) -> Sample {
    let text: String = line.chars().take(SAMPLE_CHARS).collect();
    Sample {
        file: display.to_string(),
        line: line_no,
        time,
        text,
    }
}

/// A domain in lower case, without a copy when it already is.
fn lower_cow(d: &str) -> std::borrow::Cow<'_, str> {
    if d.bytes().any(|b| b.is_ascii_uppercase()) {
        std::borrow::Cow::Owned(d.to_ascii_lowercase())
    } else {
        std::borrow::Cow::Borrowed(d)
    }
}

impl FileScan<'_> {
    fn line(&mut self, line_no: u64, line: &str) {
        self.out.lines += 1;
        let Some(head) = eximlog::head(line) else {
            self.syslog(line_no, line);
            return;
        };
        let Some(time) = head.unix() else {
            self.out.unparsed += 1;
            return;
        };
        let rest = &line[head.rest..];
        let event = eximlog::event(rest);
        // Arrivals are remembered whatever their time: a message may arrive just before the
        // period and be delivered in it.
        if let (Event::Arrival { sender, fields }, Some(id)) = (&event, head.id(line)) {
            let origin = origin(sender, fields);
            self.arrivals.insert(id, Arrival { origin });
            if time >= self.scope.since && time <= self.scope.now {
                self.submitted(line_no, line, time, head.pid, sender, fields, origin);
            }
        }
        if time < self.scope.since || time > self.scope.now {
            return;
        }
        self.out.in_period += 1;
        self.out.exim_lines += 1;
        match event {
            Event::Arrival { .. } => {}
            Event::Cwd { dir } => {
                self.last_cwd = Some((line_no, dir.into()));
                if let Some(pid) = head.pid {
                    if self.cwd.len() >= MAX_PIDS {
                        self.cwd.clear();
                    }
                    self.cwd.insert(pid, dir.into());
                }
            }
            Event::Delivery {
                address,
                intermediate,
                original,
                fields,
            } => {
                // The address delivered to: the last intermediate one of a redirection (a
                // forwarder to the domain), else the final one, else the original.
                let target = [intermediate, Some(address), original]
                    .into_iter()
                    .flatten()
                    .find(|a| a.contains('@'));
                let Some(domain) = target.and_then(eximlog::domain_of) else {
                    return;
                };
                let domain = lower_cow(domain);
                if !self.scope.domains.contains(domain.as_ref()) {
                    return;
                }
                let remote = fields.get("T").is_some_and(|t| t.contains("remote"))
                    && fields.get("R") != Some("deliver_local_outside_jail");
                // Sent from this server: submitted here, or redirected here by a forwarder of
                // another domain.
                let forwarded = original
                    .and_then(eximlog::domain_of)
                    .is_some_and(|o| !o.eq_ignore_ascii_case(&domain));
                let from_here = forwarded
                    || head
                        .id(line)
                        .and_then(|id| self.arrivals.get(id))
                        .is_some_and(|a| a.origin == Origin::Here);
                let display = &self.display;
                let d = match self.out.domains.get_mut(domain.as_ref()) {
                    Some(d) => d,
                    None => self.out.domains.entry(domain.into_owned()).or_default(),
                };
                if remote {
                    d.remote += 1;
                } else {
                    d.local += 1;
                    if from_here {
                        d.local_from_here
                            .add(time, || sample(display, line_no, time, line));
                    }
                }
            }
            Event::Failure {
                address,
                fields,
                text,
                ..
            }
            | Event::Defer {
                address,
                fields,
                text,
                ..
            } => {
                self.refused(line_no, line, time, address, &fields, text);
                self.limit(line_no, line, time, rest);
                self.local_mx(line_no, line, time, address, rest);
            }
            Event::Completed => {
                if let Some(id) = head.id(line) {
                    self.arrivals.remove(id);
                }
            }
            Event::Other(text) => {
                self.limit(line_no, line, time, text);
                self.local_mx(line_no, line, time, "", text);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn submitted(
        &mut self,
        line_no: u64,
        line: &str,
        time: i64,
        pid: Option<u64>,
        sender: &str,
        fields: &eximlog::Fields<'_>,
        origin: Origin,
    ) {
        if origin == Origin::Outside
            && let Some(d) = eximlog::domain_of(sender).map(lower)
            && self.scope.domains.contains(&d)
        {
            self.out.domains.entry(d).or_default().from_outside += 1;
        }
        if origin != Origin::Here {
            return;
        }
        let hour = time.div_euclid(3600);
        let domain = eximlog::domain_of(sender).map(lower_cow);
        let local = fields.get("P").is_some_and(|p| p.starts_with("local"));
        // Who: an authenticated login, else the directory of a script (by pid; without pids,
        // the `cwd=` line right before the arrival is the same process's), else the local user.
        let (kind, who): (usize, Option<std::borrow::Cow<'_, str>>) =
            if let Some(a) = fields.get("A") {
                let id = a.split_once(':').map_or(a, |(_, id)| id);
                (LOGIN, Some(lower_cow(id)))
            } else if local {
                let dir = match pid {
                    Some(p) => self.cwd.get(&p),
                    None => self
                        .last_cwd
                        .as_ref()
                        .filter(|(n, _)| *n + 1 == line_no)
                        .map(|(_, d)| d),
                };
                match dir {
                    Some(d) => (DIR, Some(std::borrow::Cow::Owned(d.to_string()))),
                    None => (USER, fields.get("U").map(std::borrow::Cow::Borrowed)),
                }
            } else {
                (USER, None)
            };
        let display = &self.display;
        if let Some(d) = &domain {
            if self.out.sent.len() >= MAX_KEYS && !self.out.sent.contains_key(d.as_ref()) {
                self.out.capped = true;
            } else {
                let s = match self.out.sent.get_mut(d.as_ref()) {
                    Some(s) => s,
                    None => self.out.sent.entry(d.to_string()).or_default(),
                };
                s.peak.add(hour);
                s.tally.add(time, || sample(display, line_no, time, line));
            }
        }
        if let Some(who) = who {
            let total: usize = self.subs.iter().map(HashMap::len).sum();
            let table = &mut self.subs[kind];
            if total >= MAX_KEYS && !table.contains_key(who.as_ref()) {
                self.out.capped = true;
                return;
            }
            let s = match table.get_mut(who.as_ref()) {
                Some(s) => s,
                None => table.entry(who.into_owned()).or_default(),
            };
            s.peak.add(hour);
            if let Some(d) = domain {
                let full = s.domains.len() >= 20;
                match s.domains.get_mut(d.as_ref()) {
                    Some(n) => *n += 1,
                    None if !full => {
                        s.domains.insert(d.into_owned(), 1);
                    }
                    None => {}
                }
            }
            s.tally.add(time, || sample(display, line_no, time, line));
        }
    }

    fn refused(
        &mut self,
        line_no: u64,
        line: &str,
        time: i64,
        address: &str,
        fields: &eximlog::Fields<'_>,
        text: &str,
    ) {
        // Refusals by the remote server: an SMTP error, a rejection, a 5xx code.
        if !(text.contains("SMTP error") || text.contains("rejected") || text.contains(" 5")) {
            return;
        }
        let lists = blocklists(text);
        if lists.is_empty() {
            return;
        }
        let ip = cited_ip(text, fields.host_ip)
            .unwrap_or("unknown")
            .to_string();
        if self.out.blocked.len() >= MAX_KEYS && !self.out.blocked.contains_key(&ip) {
            self.out.capped = true;
            return;
        }
        let display = &self.display;
        let b = self.out.blocked.entry(ip).or_default();
        b.tally.add(time, || sample(display, line_no, time, line));
        b.lists.extend(lists);
        if let Some(d) = eximlog::domain_of(address)
            && b.domains.len() < 20
        {
            b.domains.insert(lower(d));
        }
    }

    fn limit(&mut self, line_no: u64, line: &str, time: i64, text: &str) {
        const PHRASE: &str = " has exceeded the max emails per hour";
        static FIND: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
            std::sync::LazyLock::new(|| memchr::memmem::Finder::new(PHRASE));
        let Some(i) = FIND.find(text.as_bytes()) else {
            return;
        };
        let Some(d) = text[..i].rsplit_once("Domain ").map(|(_, d)| d.trim()) else {
            return;
        };
        if d.is_empty() || d.contains(' ') {
            return;
        }
        let d = lower(d);
        if no_room(&self.out.limits, &mut self.out.capped, &d) {
            return;
        }
        let discarded = text[i..].contains("discarded");
        let display = &self.display;
        let l = self.out.limits.entry(d).or_default();
        l.tally.add(time, || sample(display, line_no, time, line));
        if discarded {
            l.discarded += 1;
        } else {
            l.deferred += 1;
        }
        *l.hours.entry(time.div_euclid(3600)).or_default() += 1;
    }

    fn local_mx(&mut self, line_no: u64, line: &str, time: i64, address: &str, text: &str) {
        const PHRASES: [&str; 2] = [
            "lowest numbered MX record points to local host",
            "remote host address is the local host",
        ];
        static FIND: std::sync::LazyLock<[memchr::memmem::Finder<'static>; 2]> =
            std::sync::LazyLock::new(|| PHRASES.map(memchr::memmem::Finder::new));
        // Both phrases are about the local host: one search for their common part first.
        if !text.contains("local host") {
            return;
        }
        let phrase = FIND
            .iter()
            .zip(PHRASES)
            .find_map(|(f, p)| f.find(text.as_bytes()).map(|i| (i, p)));
        let Some((i, p)) = phrase else {
            return;
        };
        let after = &text[i + p.len()..];
        let named = after
            .strip_prefix(": ")
            .map(|d| {
                d.split([' ', ',', ';'])
                    .next()
                    .unwrap_or("")
                    .trim_end_matches('.')
            })
            .filter(|d| d.contains('.'));
        let Some(d) = named.or_else(|| eximlog::domain_of(address)) else {
            return;
        };
        let d = lower(d);
        if no_room(&self.out.local_mx, &mut self.out.capped, &d) {
            return;
        }
        let display = &self.display;
        self.out
            .local_mx
            .entry(d)
            .or_default()
            .add(time, || sample(display, line_no, time, line));
    }

    fn syslog(&mut self, line_no: u64, line: &str) {
        let Some(time) = eximlog::syslog_time(line, self.scope.now) else {
            self.out.unparsed += 1;
            return;
        };
        if time < self.scope.since || time > self.scope.now {
            return;
        }
        self.out.in_period += 1;
        let Some(p) = eximlog::pop_logout(line) else {
            return;
        };
        if p.user.starts_with("__cpanel__service__auth__") || !p.user.contains('@') {
            return;
        }
        let user = lower(p.user);
        if no_room(&self.out.pop, &mut self.out.capped, &user) {
            return;
        }
        let display = &self.display;
        let u = self.out.pop.entry(user).or_default();
        u.sessions
            .add(time, || sample(display, line_no, time, line));
        u.retrieved += p.retrieved;
        u.deleted += p.deleted;
        if time >= u.last_time {
            u.last_time = time;
            u.messages_last = p.messages;
        }
    }
}

/// Whether a capped table has no room for a new key (and says so in `capped`).
fn no_room<K: Ord, V>(map: &BTreeMap<K, V>, capped: &mut bool, key: &K) -> bool {
    if map.len() >= MAX_KEYS && !map.contains_key(key) {
        *capped = true;
        return true;
    }
    false
}

fn origin(sender: &str, fields: &eximlog::Fields<'_>) -> Origin {
    if sender == "<>" {
        return Origin::Exim;
    }
    let local = fields.get("P").is_some_and(|p| p.starts_with("local"));
    let auth = fields.get("A").is_some();
    let host = fields.get("H");
    let loopback = matches!(fields.host_ip, Some("127.0.0.1" | "::1" | "IPv6:::1"))
        || host.is_some_and(|h| h == "localhost" || h.starts_with("localhost"));
    if local || auth || loopback || (host.is_none() && fields.get("U").is_some()) {
        Origin::Here
    } else {
        Origin::Outside
    }
}

/// Reads a stream line by line, at most [`MAX_LINE`] bytes of a line kept.
fn scan_stream(scan: &mut FileScan<'_>, r: impl Read) -> std::io::Result<()> {
    let mut r = BufReader::with_capacity(64 * 1024, r);
    let mut line: Vec<u8> = Vec::with_capacity(1024);
    let mut line_no = 0u64;
    let mut too_long = false;
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            break;
        }
        let (chunk, done, used) = match memchr(buf) {
            Some(i) => (&buf[..i], true, i + 1),
            None => (buf, false, buf.len()),
        };
        if !too_long {
            if line.len() + chunk.len() > MAX_LINE {
                too_long = true;
                line.clear();
            } else {
                line.extend_from_slice(chunk);
            }
        }
        r.consume(used);
        if done {
            line_no += 1;
            finish_line(scan, line_no, &mut line, &mut too_long);
        }
    }
    if !line.is_empty() || too_long {
        line_no += 1;
        finish_line(scan, line_no, &mut line, &mut too_long);
    }
    Ok(())
}

fn finish_line(scan: &mut FileScan<'_>, line_no: u64, line: &mut Vec<u8>, too_long: &mut bool) {
    if *too_long {
        scan.out.lines += 1;
        scan.out.too_long += 1;
    } else {
        let l = line.strip_suffix(b"\r").unwrap_or(line);
        match std::str::from_utf8(l) {
            Ok(s) => scan.line(line_no, s),
            Err(_) => {
                let s = String::from_utf8_lossy(l);
                scan.line(line_no, &s);
            }
        }
    }
    line.clear();
    *too_long = false;
}

fn memchr(b: &[u8]) -> Option<usize> {
    memchr::memchr(b'\n', b)
}

/// Whether a file name is one of a mail log, rotated or compressed.
pub fn is_log_name(name: &str) -> bool {
    let base = name.strip_suffix(".gz").unwrap_or(name);
    ["exim_mainlog", "mainlog", "maillog", "mail.log"]
        .iter()
        .any(|stem| match base.strip_prefix(stem) {
            Some("") => true,
            Some(rest) => {
                (rest.starts_with('-') || rest.starts_with('.'))
                    && rest[1..]
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                    && rest.len() > 1
            }
            None => false,
        })
}

/// A file to read.
enum Source {
    Tree(String),
    Host(PathBuf),
}

/// Reads the logs the options name.
pub fn load(tree: &Tree, opts: &LogOptions, scope: &Scope) -> Logs {
    let mut sources = Vec::new();
    if opts.paths.is_empty() {
        for dir in ["var/log", "var/log/exim"] {
            if let Some(entries) = tree.read_dir(dir).found() {
                for e in entries {
                    if e.kind == tree::Kind::File
                        && let Some(name) = e.name_str()
                        && is_log_name(name)
                    {
                        sources.push(Source::Tree(format!("{dir}/{name}")));
                    }
                }
            }
        }
    } else {
        for p in &opts.paths {
            if p.is_dir() {
                let mut names: Vec<PathBuf> = std::fs::read_dir(p)
                    .into_iter()
                    .flatten()
                    .flatten()
                    .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                    .filter(|e| e.file_name().to_str().is_some_and(is_log_name))
                    .map(|e| e.path())
                    .collect();
                names.sort();
                sources.extend(names.into_iter().map(Source::Host));
            } else {
                sources.push(Source::Host(p.clone()));
            }
        }
    }
    let parts: Vec<Logs> = sources
        .par_iter()
        .map(|src| {
            let (file, mtime, display) = match src {
                Source::Tree(logical) => match tree.open(logical) {
                    tree::Lookup::Found((f, meta, display)) => (f, meta.mtime.secs, display),
                    _ => return Logs::default(),
                },
                Source::Host(path) => match std::fs::File::open(path) {
                    Ok(f) => {
                        let mtime = f
                            .metadata()
                            .ok()
                            .and_then(|m| m.modified().ok())
                            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                            .map_or(i64::MAX, |d| d.as_secs() as i64);
                        (f, mtime, path.display().to_string())
                    }
                    Err(_) => return Logs::default(),
                },
            };
            let mut scan = FileScan::new(scope, &display);
            // A file last written before the period holds nothing of it.
            if mtime < scope.since {
                return scan.finish();
            }
            let _ = read_file(&mut scan, file);
            scan.finish()
        })
        .collect();
    let mut all = Logs {
        since: scope.since,
        now: scope.now,
        ..Logs::default()
    };
    for p in parts {
        all.merge(p);
    }
    all
}

fn read_file(scan: &mut FileScan<'_>, file: std::fs::File) -> std::io::Result<()> {
    let mut r = BufReader::with_capacity(64 * 1024, file);
    let gz = r.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    if gz {
        pipelined(scan, flate2::bufread::MultiGzDecoder::new(r))
    } else {
        scan_stream(scan, r)
    }
}

/// Size of the pieces a decompressing thread hands over, and how many may wait.
const CHUNK: usize = 256 * 1024;
const CHUNKS_AHEAD: usize = 4;

/// Reads a compressed stream with decompression on a thread of its own, so that decompressing
/// and reading lines run side by side (at most [`CHUNKS_AHEAD`] pieces of [`CHUNK`] bytes wait).
fn pipelined(scan: &mut FileScan<'_>, mut r: impl Read + Send) -> std::io::Result<()> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<std::io::Result<Vec<u8>>>(CHUNKS_AHEAD);
    std::thread::scope(|sc| {
        sc.spawn(move || {
            loop {
                let mut buf = vec![0u8; CHUNK];
                let mut filled = 0;
                let result = loop {
                    match r.read(&mut buf[filled..]) {
                        Ok(0) => break Ok(()),
                        Ok(n) => {
                            filled += n;
                            if filled == CHUNK {
                                break Ok(());
                            }
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(e) => break Err(e),
                    }
                };
                buf.truncate(filled);
                let last = filled < CHUNK || result.is_err();
                let msg = match result {
                    Ok(()) => Ok(buf),
                    Err(e) => Err(e),
                };
                if msg.as_ref().is_ok_and(|b| b.is_empty()) || tx.send(msg).is_err() || last {
                    break;
                }
            }
        });
        scan_stream(
            scan,
            ChunkReader {
                rx,
                cur: Vec::new(),
                pos: 0,
            },
        )
    })
}

/// The reading end of [`pipelined`].
struct ChunkReader {
    rx: std::sync::mpsc::Receiver<std::io::Result<Vec<u8>>>,
    cur: Vec<u8>,
    pos: usize,
}

impl Read for ChunkReader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.pos == self.cur.len() {
            match self.rx.recv() {
                Ok(Ok(buf)) => {
                    self.cur = buf;
                    self.pos = 0;
                }
                Ok(Err(e)) => return Err(e),
                Err(_) => return Ok(0),
            }
        }
        let n = out.len().min(self.cur.len() - self.pos);
        out[..n].copy_from_slice(&self.cur[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Reads one stream as a log (for tests and benchmarks).
pub fn scan_reader(r: impl Read, display: &str, scope: &Scope) -> Logs {
    let mut scan = FileScan::new(scope, display);
    let _ = scan_stream(&mut scan, r);
    let mut out = scan.finish();
    out.since = scope.since;
    out.now = scope.now;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_names() {
        for ok in [
            "exim_mainlog",
            "exim_mainlog-20261112",
            "exim_mainlog.1",
            "exim_mainlog-20261112.gz",
            "exim_mainlog.2.gz",
            "maillog",
            "maillog-20261112.gz",
            "mail.log",
            "mail.log.1",
            "mainlog",
        ] {
            assert!(is_log_name(ok), "{ok}");
        }
        for no in [
            "exim_rejectlog",
            "exim_mainlog-",
            "exim_mainlogx",
            "messages",
            "mail.log~",
        ] {
            assert!(!is_log_name(no), "{no}");
        }
    }

    #[test]
    fn blocklists_and_the_ip_they_cite() {
        let t = "SMTP error from remote mail server after RCPT TO:<a@example.net>: 554 5.7.1 Service unavailable; Client host [203.0.113.5] blocked using zen.spamhaus.org";
        assert_eq!(blocklists(t), BTreeSet::from(["Spamhaus".to_string()]));
        assert_eq!(cited_ip(t, Some("192.0.2.9")), Some("203.0.113.5"));
        let t = "550 5.7.1 Unfortunately, messages from [198.51.100.7] weren't sent. (S3150) listed at bl.example.net";
        assert_eq!(
            blocklists(t),
            BTreeSet::from(["Microsoft".to_string(), "bl.example.net".to_string()])
        );
        assert_eq!(cited_ip("550 5.1.1 no such user", None), None);
        assert!(blocklists("550 5.1.1 user unknown").is_empty());
    }

    #[test]
    fn arrivals_are_capped() {
        let mut a = Arrivals::default();
        for i in 0..(MAX_ARRIVALS + 10) {
            a.insert(
                &format!("id{i}"),
                Arrival {
                    origin: Origin::Here,
                },
            );
        }
        assert_eq!(a.map.len(), MAX_ARRIVALS);
        let mut p = HourPeak::default();
        for h in [10, 10, 11, 11, 11, 12] {
            p.add(h);
        }
        assert_eq!(p.busiest(), Some((11, 3)));
        // A rotation splits hour 12 between two files: merged, it is the busiest.
        let mut q = HourPeak::default();
        for h in [12, 12, 12, 13] {
            q.add(h);
        }
        p.merge(q);
        assert_eq!(p.busiest(), Some((12, 4)));
        assert_ne!(id_key("1tK002-000002-Q2"), id_key("1tK002-000002-Q3"));
        assert_ne!(
            id_key("1x6mUB-00000006Pya-498Q"),
            id_key("1x6mUB-00000006Pya-498R")
        );
        assert_eq!(a.forgotten, 10);
        assert!(a.get("id0").is_none());
        assert!(a.get(&format!("id{}", MAX_ARRIVALS + 9)).is_some());
    }
}
