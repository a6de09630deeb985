//! A synthetic cPanel & WHM server tree, for tests and benchmarks.
//!
//! ```text
//! cargo run --release --example gen-server -- --accounts N --out DIR [--seed S] [--plant LIST]
//!     [--no-mail] [--exim-conf FILE]
//! ```
//!
//! The tree has the files maillint reads, written the way cPanel writes them (see
//! `shared/reference/cpanel.md`): cpuser files (header, blank line, keys sorted, `DNS`/`DNSn`,
//! `MXCHECK-` for some domains), userdata YAML (`main` and one file per vhost), the `/etc` lists
//! and maps, cPanel-style zones (SOA serial `YYYYMMDDnn`, NS, A, MX, `mail` CNAME, SPF, DKIM in
//! the 255-byte split form with `\;` escapes, DMARC), DKIM public keys that match the zones,
//! forwarders, mail account files and maildir mailboxes with realistic names and sizes (sparse
//! files: sizes are real, blocks are not used).
//!
//! About four domains and sixteen files per account besides mail. Names come from word lists
//! under `.example`, `.test` and `example.com`/`.net`/`.org`; addresses are RFC 5737's.
//!
//! The output is a function of the seed only: the same seed gives the same bytes, whatever the
//! machine (the generator uses integer arithmetic only, and its own splitmix64 generator).
//! Without `--plant` the tree is clean: maillint reports nothing on it. `--plant CODE[:N],…`
//! plants the problem a rule finds in N accounts (default 1); `--plant list` prints the codes.
//!
//! Decisions where cPanel's layout is richer than a benchmark needs: no `DOMAIN_SSL` userdata,
//! no `*.cache` files, no DKIM private keys, no `etc/vdomainaliases` (all files maillint either
//! does not read or that cPanel leaves empty); a short Exim configuration in cPanel's layout
//! unless `--exim-conf` names a real one.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------------------------
// Random numbers: splitmix64, integers only (so the output is the same on every machine).

#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// An independent stream for item `n` of a seed (splitmix64 of a mixed seed).
    pub fn fork(seed: u64, n: u64) -> Rng {
        let mut r = Rng(seed ^ n.wrapping_mul(0xd1b5_4a32_d192_ed03));
        r.next_u64();
        r
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`), without modulo bias worth speaking of (128-bit multiply).
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `percent`/100.
    pub fn percent(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// An index drawn with the given integer weights.
    pub fn weighted(&mut self, weights: &[u64]) -> usize {
        let total: u64 = weights.iter().sum();
        let mut x = self.below(total);
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }

    pub fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let v = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }

    /// `n` characters of `alphabet`.
    pub fn string(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n).map(|_| *self.pick(alphabet) as char).collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Word lists.

const ADJECTIVES: &[&str] = &[
    "amber", "ancient", "autumn", "bold", "brave", "bright", "broad", "calm", "clever", "coastal",
    "copper", "cosy", "crimson", "crystal", "daring", "eager", "early", "eastern", "electric",
    "emerald", "fancy", "fine", "first", "fresh", "friendly", "gentle", "golden", "grand", "green",
    "happy", "hidden", "honest", "humble", "iron", "jolly", "kind", "little", "lively", "lucky",
    "lunar", "mighty", "modern", "misty", "noble", "northern", "oak", "orange", "polar", "proud",
    "quick", "quiet", "rapid", "royal", "rustic", "silver", "simple", "smart", "solar", "sunny",
    "swift", "tidy", "urban", "velvet", "vivid", "western", "wild", "wise", "young",
];

const NOUNS: &[&str] = &[
    "anchor", "apple", "arrow", "atlas", "bakery", "beacon", "bicycle", "bridge", "brook", "cabin",
    "canyon", "castle", "cedar", "circle", "clinic", "cloud", "compass", "cottage", "crane",
    "creek", "dental", "design", "falcon", "farm", "ferry", "field", "forest", "forge", "fox",
    "garage", "garden", "gallery", "harbor", "hawk", "heron", "hill", "horizon", "island",
    "kitchen", "lantern", "leaf", "lion", "market", "meadow", "mill", "motors", "orchard", "otter",
    "owl", "pantry", "pebble", "pine", "plumbing", "press", "quarry", "river", "robin", "rocket",
    "salon", "studio", "summit", "tailor", "tiger", "timber", "tower", "travel", "valley",
    "willow", "workshop", "yoga",
];

const TLDS: &[&str] = &[
    "example",
    "test",
    "example.com",
    "example.net",
    "example.org",
];
const TLD_WEIGHTS: &[u64] = &[35, 20, 20, 15, 10];

const FIRST_NAMES: &[&str] = &[
    "alice", "amir", "anna", "ben", "carla", "chen", "david", "diana", "elena", "emma", "farah",
    "felix", "grace", "hannah", "hugo", "ines", "ivan", "jack", "julia", "kai", "laura", "leo",
    "lina", "marco", "maria", "maya", "nadia", "noah", "olga", "omar", "paul", "priya", "rosa",
    "sam", "sara", "tom", "uma", "victor", "yara", "zoe",
];

const ROLE_BOXES: &[&str] = &["office", "admin", "accounts", "hello", "orders", "team"];
const FORWARD_NAMES: &[&str] = &[
    "billing",
    "contact",
    "info",
    "jobs",
    "press",
    "sales",
    "support",
    "webmaster",
];
const SUBDOMAINS: &[&str] = &[
    "app", "blog", "booking", "dev", "docs", "events", "forum", "portal", "shop", "staging",
    "store", "wiki",
];
/// External mailbox domains forwarders send to (never account domains: their TLD is `.invalid`
/// or they are under example.com's reserved `mail` host names).
const EXTERNAL_MAIL: &[&str] = &["mailbox.invalid", "freemail.invalid", "inbox.invalid"];

/// Mail providers of remote domains: MX hosts and their SPF include.
struct Provider {
    mx: &'static [&'static str],
    include: &'static str,
}

const PROVIDERS: &[Provider] = &[
    Provider {
        mx: &["mx1.mailhost.example", "mx2.mailhost.example"],
        include: "_spf.mailhost.example",
    },
    Provider {
        mx: &["inbound.mailcloud.test"],
        include: "spf.mailcloud.test",
    },
    Provider {
        mx: &["mx-a.filterhub.example.net", "mx-b.filterhub.example.net"],
        include: "spf.filterhub.example.net",
    },
];

// ---------------------------------------------------------------------------------------------
// The server.

pub const HOSTNAME: &str = "server.example.net";
pub const MAIN_IP: &str = "192.0.2.10";
const NAMESERVERS: [&str; 2] = ["ns1.example.net", "ns2.example.net"];
/// 2024-01-01T00:00:00Z: every date is an offset from it.
const EPOCH_BASE: u64 = 1_704_067_200;

/// The codes `--plant` knows, with what it plants.
pub const PLANTS: &[(&str, &str)] = &[
    (
        "RT001",
        "the Exchange story: an addon domain whose MX moved to Microsoft 365, still in etc/localdomains, with a forwarder of the main domain sending to it",
    ),
    (
        "RT002",
        "a parked domain whose MX points here, listed in etc/remotedomains",
    ),
    ("RT003", "a local domain also listed in etc/remotedomains"),
    ("RT004", "a subdomain missing from every routing list"),
    (
        "RT005",
        "an etc/localdomains entry that is no account's domain",
    ),
    (
        "RT006",
        "MXCHECK-DOMAIN=remote for a domain the lists and the MX keep local",
    ),
    ("RT007", "MXCHECK-DOMAIN=locla (a typo)"),
    (
        "RT008",
        "an MXCHECK- line for a domain the account no longer has",
    ),
    (
        "RT009",
        "the host name missing from etc/localdomains (server-wide)",
    ),
    (
        "RT010",
        "MXCHECK-DOMAIN=secondary and the backup lists while the only MX is this server",
    ),
    (
        "RT011",
        "a zone whose NS records name another provider's name servers",
    ),
    (
        "RT012",
        "an etc/manualmx line sending a local domain's mail to another host",
    ),
    ("MX001", "the MX pointing at mail.DOMAIN, which is a CNAME"),
    ("MX002", "an MX target written as an IP address"),
    ("MX003", "a null MX on a domain with mailboxes"),
    (
        "MX005",
        "an MX target inside the zone with no address record",
    ),
    ("CP001", "a zone record with its data missing"),
    (
        "CP002",
        "etc/userdomains naming another account as a subdomain's owner",
    ),
    ("CP003", "a domain listed twice in etc/localdomains"),
    ("CP006", "HOME/etc/DOMAIN/quota a symlink to /etc/shadow"),
];

#[derive(Clone, Debug, Default)]
pub struct Options {
    pub accounts: usize,
    pub seed: u64,
    /// `(code, number of accounts)`.
    pub plant: Vec<(String, usize)>,
    /// Write the mailboxes (message files); mail account files are written either way.
    pub mail: bool,
    /// A file to install as `etc/exim.conf` instead of the generated one.
    pub exim_conf: Option<PathBuf>,
}

/// A planted problem: the rule code that must find it, and where.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Planted {
    pub code: String,
    pub user: String,
    /// The domain the finding names (None for findings about a file).
    pub domain: Option<String>,
    /// The file the finding points at, when the plant is about one file.
    pub file: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub accounts: usize,
    pub domains: usize,
    /// Files other than mail messages (what maillint reads, roughly).
    pub files: u64,
    pub mail_files: u64,
    pub mail_bytes: u64,
    pub planted: Vec<Planted>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Main,
    Sub,
    Addon,
    AddonBacking,
    Parked,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Route {
    Local,
    Remote(usize),
    Secondary(usize),
}

#[derive(Clone, Debug)]
struct Mailbox {
    local: String,
    quota: u64,
}

#[derive(Clone, Debug)]
struct Domain {
    name: String,
    kind: Kind,
    /// Main: itself; sub and backing: the main domain; addon: its backing subdomain.
    parent: String,
    route: Route,
    /// `MXCHECK-` value written, if any.
    mxcheck: Option<&'static str>,
    mailboxes: Vec<Mailbox>,
    /// `(local part, destination)`.
    forwarders: Vec<(String, String)>,
    catchall: String,
}

impl Domain {
    fn has_zone(&self) -> bool {
        matches!(self.kind, Kind::Main | Kind::Addon | Kind::Parked)
    }
}

#[derive(Clone, Debug, Default)]
struct Plants {
    codes: BTreeSet<&'static str>,
}

impl Plants {
    fn has(&self, code: &str) -> bool {
        self.codes.contains(code)
    }
}

#[derive(Clone, Debug)]
struct Account {
    index: usize,
    user: String,
    /// `home/USER` or `home2/USER` (relative to the root).
    home: String,
    ip: String,
    dedicated: bool,
    uid: u32,
    start: u64,
    max_per_hour: u32,
    domains: Vec<Domain>,
    plants: Plants,
}

impl Account {
    fn main(&self) -> &Domain {
        &self.domains[0]
    }

    /// Whether `code` is planted on this domain of the account.
    fn planted_on(&self, code: &str, domain: &str) -> bool {
        self.plants.has(code) && planted_domain(self, code).as_deref() == Some(domain)
    }
}

fn main_domain_name(rng: &mut Rng, taken: &mut BTreeSet<String>) -> String {
    loop {
        let tld = TLDS[rng.weighted(TLD_WEIGHTS)];
        let label = match rng.below(3) {
            0 => format!("{}{}", rng.pick(ADJECTIVES), rng.pick(NOUNS)),
            1 => format!("{}-{}", rng.pick(NOUNS), rng.pick(NOUNS)),
            _ => format!("{}-{}", rng.pick(ADJECTIVES), rng.pick(NOUNS)),
        };
        let mut name = format!("{label}.{tld}");
        if taken.contains(&name) {
            name = format!("{label}{}.{tld}", rng.range(2, 99));
        }
        if taken.insert(name.clone()) {
            return name;
        }
    }
}

fn user_name(domain: &str, taken: &mut BTreeSet<String>) -> String {
    let base: String = domain
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(8)
        .collect();
    if taken.insert(base.clone()) {
        return base;
    }
    for n in 1.. {
        let suffix = n.to_string();
        let cut = base.len().min(8 - suffix.len().min(7));
        let name = format!("{}{suffix}", &base[..cut]);
        if taken.insert(name.clone()) {
            return name;
        }
    }
    unreachable!()
}

/// Plans every account (names, domains, routing, mailboxes, forwarders) with one generator, so
/// names are unique server-wide.
fn plan(opts: &Options) -> Result<Vec<Account>, String> {
    let mut rng = Rng::new(opts.seed);
    let mut names: BTreeSet<String> = [HOSTNAME, NAMESERVERS[0], NAMESERVERS[1]]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut users: BTreeSet<String> = ["root", "nobody", "mail", "cpanel", "admin"]
        .iter()
        .map(|s| s.to_string())
        .collect();

    // Which accounts carry which plant: spread over the server, one account per plant.
    let mut wanted: Vec<&'static str> = Vec::new();
    for (code, n) in &opts.plant {
        let known = PLANTS
            .iter()
            .find(|(c, _)| c.eq_ignore_ascii_case(code))
            .ok_or_else(|| format!("unknown plant {code} (try --plant list)"))?;
        for _ in 0..*n {
            wanted.push(known.0);
        }
    }
    if wanted.len() > opts.accounts {
        return Err(format!(
            "{} plants need at least as many accounts (got {})",
            wanted.len(),
            opts.accounts
        ));
    }
    let mut plants_at: BTreeMap<usize, Plants> = BTreeMap::new();
    let p = wanted.len();
    for (k, code) in wanted.iter().enumerate() {
        let idx = (2 * k + 1) * opts.accounts / (2 * p);
        plants_at.entry(idx).or_default().codes.insert(code);
    }

    let mut dedicated_left: Vec<String> = (1..=254)
        .map(|n| format!("203.0.113.{n}"))
        .chain((1..=254).map(|n| format!("198.51.100.{n}")))
        .rev()
        .collect();

    let mut accounts = Vec::with_capacity(opts.accounts);
    for index in 0..opts.accounts {
        let plants = plants_at.remove(&index).unwrap_or_default();
        let main_name = main_domain_name(&mut rng, &mut names);
        let user = user_name(&main_name, &mut users);
        let home_dir = if rng.percent(10) { "home2" } else { "home" };
        let dedicated = rng.percent(3) && !dedicated_left.is_empty();
        let ip = if dedicated {
            dedicated_left.pop().unwrap()
        } else {
            MAIN_IP.to_string()
        };
        let mut a = Account {
            index,
            home: format!("{home_dir}/{user}"),
            user,
            ip,
            dedicated,
            uid: 1000 + index as u32,
            start: EPOCH_BASE + rng.below(700 * 86_400),
            max_per_hour: *rng.pick(&[100, 200, 250, 500, 1000]),
            domains: Vec::new(),
            plants,
        };
        let catchall_user = a.user.clone();
        let new_domain = |name: String, kind: Kind, parent: String| Domain {
            name,
            kind,
            parent,
            route: Route::Local,
            mxcheck: None,
            mailboxes: Vec::new(),
            forwarders: Vec::new(),
            catchall: catchall_user.clone(),
        };
        a.domains
            .push(new_domain(main_name.clone(), Kind::Main, main_name.clone()));

        // Subdomains (always one, sometimes two), addon domains with their backing subdomain,
        // parked domains.
        let mut subs: BTreeSet<&str> = BTreeSet::new();
        let n_subs = 1 + rng.percent(15) as usize;
        for _ in 0..n_subs {
            let s = *rng.pick(SUBDOMAINS);
            if subs.insert(s) {
                let name = format!("{s}.{main_name}");
                names.insert(name.clone());
                a.domains
                    .push(new_domain(name, Kind::Sub, main_name.clone()));
            }
        }
        let force_addon = a.plants.has("RT001");
        let n_addons = if force_addon || rng.percent(70) {
            1 + rng.percent(20) as usize
        } else {
            0
        };
        for _ in 0..n_addons {
            let addon = main_domain_name(&mut rng, &mut names);
            let first = addon.split(['.', '-']).next().unwrap_or("site");
            let mut label = first.to_string();
            let mut n = 2;
            while subs.contains(label.as_str()) || names.contains(&format!("{label}.{main_name}")) {
                label = format!("{first}{n}");
                n += 1;
            }
            let backing = format!("{label}.{main_name}");
            names.insert(backing.clone());
            a.domains
                .push(new_domain(addon.clone(), Kind::Addon, backing.clone()));
            a.domains
                .push(new_domain(backing, Kind::AddonBacking, main_name.clone()));
        }
        let force_parked = a.plants.has("RT002");
        if force_parked || rng.percent(30) {
            let parked = main_domain_name(&mut rng, &mut names);
            a.domains
                .push(new_domain(parked, Kind::Parked, main_name.clone()));
        }

        // Routing: most domains local; some addon or parked domains keep their mail at a
        // provider (remote) or use this server as backup MX (secondary).
        let n_domains = a.domains.len();
        for i in 0..n_domains {
            let d = &mut a.domains[i];
            if matches!(d.kind, Kind::Addon | Kind::Parked) && a.plants.codes.is_empty() {
                match rng.weighted(&[88, 9, 3]) {
                    1 => {
                        d.route = Route::Remote(rng.below(PROVIDERS.len() as u64) as usize);
                        if rng.percent(60) {
                            d.mxcheck = Some("remote");
                        }
                    }
                    2 => {
                        d.route = Route::Secondary(rng.below(PROVIDERS.len() as u64) as usize);
                        d.mxcheck = Some("secondary");
                    }
                    _ => {}
                }
            }
        }
        if rng.percent(40) {
            a.domains[0].mxcheck = Some("0");
        }

        // Mailboxes on the main domain and on local addon domains; forwarders and catch-alls.
        for i in 0..n_domains {
            let (kind, route, name) = {
                let d = &a.domains[i];
                (d.kind, d.route, d.name.clone())
            };
            if route != Route::Local {
                continue;
            }
            let n_boxes = match kind {
                Kind::Main => 1 + rng.below(3) as usize,
                Kind::Addon => rng.below(3) as usize,
                _ => 0,
            };
            let mut locals: BTreeSet<String> = BTreeSet::new();
            for _ in 0..n_boxes {
                let local = if rng.percent(30) {
                    rng.pick(ROLE_BOXES).to_string()
                } else {
                    rng.pick(FIRST_NAMES).to_string()
                };
                locals.insert(local);
            }
            let boxes: Vec<Mailbox> = locals
                .into_iter()
                .map(|local| Mailbox {
                    local,
                    quota: *rng.pick(&[0, 262_144_000, 524_288_000, 1_073_741_824]),
                })
                .collect();
            let mut forwarders = Vec::new();
            if matches!(kind, Kind::Main | Kind::Addon) {
                let n_fwd = rng.below(3);
                let mut used: BTreeSet<&str> = BTreeSet::new();
                for _ in 0..n_fwd {
                    let from = *rng.pick(FORWARD_NAMES);
                    if !used.insert(from) {
                        continue;
                    }
                    let to = if !boxes.is_empty() && rng.percent(60) {
                        format!("{}@{name}", rng.pick(&boxes).local)
                    } else {
                        format!(
                            "{}.{}@{}",
                            rng.pick(FIRST_NAMES),
                            rng.pick(NOUNS),
                            rng.pick(EXTERNAL_MAIL)
                        )
                    };
                    forwarders.push((from.to_string(), to));
                }
            }
            let d = &mut a.domains[i];
            d.mailboxes = boxes;
            d.forwarders = forwarders;
            if rng.percent(15) {
                d.catchall = ":fail: No Such User Here".to_string();
            }
        }
        accounts.push(a);
    }
    apply_account_plants(&mut accounts, &mut rng);
    Ok(accounts)
}

/// Shapes planted accounts so that their problem is the one planted (the files are written
/// from the shape, with per-plant changes at write time).
fn apply_account_plants(accounts: &mut [Account], rng: &mut Rng) {
    for a in accounts.iter_mut() {
        if a.plants.has("RT001") {
            // The Exchange story: a mailbox `team` on the addon, and a forwarder of the main
            // domain sending to it.
            let addon = a
                .domains
                .iter()
                .position(|d| d.kind == Kind::Addon)
                .expect("RT001 accounts have an addon domain");
            let addon_name = a.domains[addon].name.clone();
            if !a.domains[addon].mailboxes.iter().any(|m| m.local == "team") {
                a.domains[addon].mailboxes.push(Mailbox {
                    local: "team".to_string(),
                    quota: 0,
                });
            }
            let main = &mut a.domains[0];
            main.forwarders.retain(|(f, _)| f != "sales");
            main.forwarders
                .push(("sales".to_string(), format!("team@{addon_name}")));
        }
        if a.plants.has("MX003") || a.plants.has("CP006") {
            // The planted domain (main) needs a mailbox.
            if a.domains[0].mailboxes.is_empty() {
                a.domains[0].mailboxes.push(Mailbox {
                    local: rng.pick(FIRST_NAMES).to_string(),
                    quota: 0,
                });
            }
        }
        if a.plants.has("RT006") || a.plants.has("RT007") {
            a.domains[0].mxcheck = None;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Writing.

struct Out {
    root: PathBuf,
    files: u64,
    mail_files: u64,
    mail_bytes: u64,
    /// Directories known to exist: on a busy disk a `mkdir` that fails with EEXIST costs as
    /// much as one that creates.
    made: HashSet<PathBuf>,
}

impl Out {
    fn new(root: &Path) -> Out {
        Out {
            root: root.to_path_buf(),
            files: 0,
            mail_files: 0,
            mail_bytes: 0,
            made: HashSet::new(),
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    fn ensure_dir(&mut self, dir: &Path) -> io::Result<()> {
        if !self.made.contains(dir) {
            fs::create_dir_all(dir)?;
            let mut d = Some(dir);
            while let Some(p) = d {
                if !self.made.insert(p.to_path_buf()) {
                    break;
                }
                d = p.parent();
            }
        }
        Ok(())
    }

    fn file(&mut self, rel: &str, bytes: impl AsRef<[u8]>) -> io::Result<()> {
        let p = self.path(rel);
        if let Some(dir) = p.parent() {
            self.ensure_dir(dir)?;
        }
        fs::write(&p, bytes)?;
        self.files += 1;
        Ok(())
    }

    /// A small file of a mailbox (counted with the mail, not with the configuration).
    fn mail_meta(&mut self, rel: &str, bytes: impl AsRef<[u8]>) -> io::Result<()> {
        fs::write(self.path(rel), bytes)?;
        self.mail_files += 1;
        Ok(())
    }

    fn dir(&mut self, rel: &str) -> io::Result<()> {
        let p = self.path(rel);
        self.ensure_dir(&p)
    }

    /// A sparse file of `size` bytes.
    fn sparse(&mut self, rel: &str, size: u64) -> io::Result<()> {
        let f = fs::File::create(self.path(rel))?;
        f.set_len(size)?;
        self.mail_files += 1;
        self.mail_bytes += size;
        Ok(())
    }
}

fn lines<I: IntoIterator<Item = S>, S: AsRef<str>>(items: I) -> String {
    let mut s = String::new();
    for i in items {
        s.push_str(i.as_ref());
        s.push('\n');
    }
    s
}

const CPUSER_HEADER: &str = "# cPanel -- If you edit this file directly you must run /usr/local/cpanel/scripts/updateuserdomains afterwards to rebuild the system caches.\n# If you edit MAX_EMAIL_PER_HOUR or MAX_EMAIL_PER_HOUR-[domain] you must run /usr/local/cpanel/scripts/updateuserdomains'\n";

fn cpuser(a: &Account, rng: &mut Rng) -> String {
    let mut keys: BTreeMap<String, String> = BTreeMap::new();
    let mut put = |k: &str, v: String| {
        keys.insert(k.to_string(), v);
    };
    let main = &a.main().name;
    put("BACKUP", "1".into());
    put("BWLIMIT", "0".into());
    put("CONTACTEMAIL", format!("owner@{main}"));
    put("CONTACTEMAIL2", String::new());
    put("CREATED_IN_VERSION", "11.122.0.18".into());
    put("DEMO", "0".into());
    put("DISK_BLOCK_LIMIT", "0".into());
    put("DNS", main.clone());
    for (i, d) in a.domains.iter().skip(1).enumerate() {
        put(&format!("DNS{}", i + 1), d.name.clone());
    }
    put("FEATURELIST", "default".into());
    put("HASCGI", "1".into());
    put("HASDKIM", "1".into());
    put("HASSPF", "1".into());
    put("IP", a.ip.clone());
    put("LEGACY_BACKUP", "0".into());
    put("LOCALE", "en".into());
    put("MAILBOX_FORMAT", "maildir".into());
    for k in [
        "MAXADDON", "MAXFTP", "MAXLST", "MAXPARK", "MAXPOP", "MAXSQL", "MAXSUB",
    ] {
        put(k, "unlimited".into());
    }
    put("MAX_DEFER_FAIL_PERCENTAGE", "100".into());
    put("MAX_EMAILACCT_QUOTA", "unlimited".into());
    put("MAX_EMAIL_PER_HOUR", a.max_per_hour.to_string());
    put("MTIME", (a.start + 3600).to_string());
    for d in &a.domains {
        if let Some(v) = d.mxcheck {
            put(&format!("MXCHECK-{}", d.name), v.to_string());
        }
    }
    if a.plants.has("RT006") {
        put(&format!("MXCHECK-{main}"), "remote".into());
    }
    if a.plants.has("RT007") {
        put(&format!("MXCHECK-{main}"), "locla".into());
    }
    if a.plants.has("RT008") {
        put(&format!("MXCHECK-former-{main}"), "0".into());
    }
    if a.plants.has("RT010") {
        put(&format!("MXCHECK-{main}"), "secondary".into());
    }
    put("OWNER", "root".into());
    put("PLAN", "default".into());
    put("RS", "jupiter".into());
    put("STARTDATE", a.start.to_string());
    put("USER", a.user.clone());
    put("UTF8MAILBOX", "1".into());
    let hex = |rng: &mut Rng, n| rng.string(b"0123456789abcdef", n);
    let uuid = format!(
        "{}-{}-4{}-a{}-{}",
        hex(rng, 8),
        hex(rng, 4),
        hex(rng, 3),
        hex(rng, 3),
        hex(rng, 12)
    );
    put("UUID", uuid);
    put("notify_bandwidth_limit", "1".into());
    put("notify_disk_limit", "1".into());
    let mut s = format!("{CPUSER_HEADER}\n");
    for (k, v) in keys {
        let _ = writeln!(s, "{k}={v}");
    }
    s
}

fn userdata_main(a: &Account) -> String {
    let mut s = String::from("--- \n");
    let addons: Vec<&Domain> = a.domains.iter().filter(|d| d.kind == Kind::Addon).collect();
    if addons.is_empty() {
        s.push_str("addon_domains: {}\n\n");
    } else {
        s.push_str("addon_domains: \n");
        for d in addons {
            let _ = writeln!(s, "  {}: {}", d.name, d.parent);
        }
    }
    let _ = writeln!(s, "main_domain: {}", a.main().name);
    let list = |s: &mut String, key: &str, kinds: &[Kind]| {
        let items: Vec<&Domain> = a
            .domains
            .iter()
            .filter(|d| kinds.contains(&d.kind))
            .collect();
        if items.is_empty() {
            let _ = write!(s, "{key}: []\n\n");
        } else {
            let _ = writeln!(s, "{key}: ");
            for d in items {
                let _ = writeln!(s, "  - {}", d.name);
            }
        }
    };
    list(&mut s, "parked_domains", &[Kind::Parked]);
    list(&mut s, "sub_domains", &[Kind::Sub, Kind::AddonBacking]);
    s
}

fn userdata_vhost(a: &Account, d: &Domain) -> String {
    let home = format!("/{}", a.home);
    let docroot = match d.kind {
        Kind::Main => format!("{home}/public_html"),
        Kind::AddonBacking => {
            let addon = a
                .domains
                .iter()
                .find(|x| x.kind == Kind::Addon && x.parent == d.name)
                .map(|x| x.name.as_str())
                .unwrap_or("addon");
            format!("{home}/{addon}")
        }
        _ => format!(
            "{home}/public_html/{}",
            d.name.split('.').next().unwrap_or("sub")
        ),
    };
    let mut aliases: Vec<String> = Vec::new();
    match d.kind {
        Kind::Main => {
            aliases.push(format!("mail.{}", d.name));
            aliases.push(format!("www.{}", d.name));
            for p in a.domains.iter().filter(|x| x.kind == Kind::Parked) {
                aliases.push(p.name.clone());
                aliases.push(format!("mail.{}", p.name));
                aliases.push(format!("www.{}", p.name));
            }
        }
        Kind::AddonBacking => {
            for x in a
                .domains
                .iter()
                .filter(|x| x.kind == Kind::Addon && x.parent == d.name)
            {
                aliases.push(x.name.clone());
                aliases.push(format!("mail.{}", x.name));
                aliases.push(format!("www.{}", x.name));
            }
            aliases.push(format!("www.{}", d.name));
        }
        _ => aliases.push(format!("www.{}", d.name)),
    }
    aliases.sort();
    let mut s = String::from("--- \n");
    s.push_str("customlog: \n");
    let _ = writeln!(
        s,
        "  - \n    format: combined\n    target: /etc/apache2/logs/domlogs/{}",
        d.name
    );
    let _ = writeln!(
        s,
        "  - \n    format: \"\\\"%{{%s}}t %I .\\\\n%{{%s}}t %O .\\\"\"\n    target: /etc/apache2/logs/domlogs/{}-bytes_log",
        d.name
    );
    let _ = writeln!(s, "documentroot: {docroot}");
    let _ = writeln!(s, "group: {}", a.user);
    s.push_str("hascgi: 1\n");
    let _ = writeln!(s, "homedir: {home}");
    let _ = writeln!(s, "ip: {}", a.ip);
    s.push_str("ipv6: ~\nowner: root\nphpopenbasedirprotect: 1\nphpversion: ea-php82\nport: 80\n");
    let _ = writeln!(s, "serveradmin: webmaster@{}", d.name);
    let _ = writeln!(s, "serveralias: {}", aliases.join(" "));
    let _ = writeln!(s, "servername: {}", d.name);
    s.push_str("usecanonicalname: 'Off'\n");
    let _ = writeln!(s, "user: {}", a.user);
    s.push_str("userdirprotect: ''\n");
    s
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        s.push(A[(n >> 18) as usize & 63] as char);
        s.push(A[(n >> 12) as usize & 63] as char);
        s.push(if c.len() > 1 {
            A[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        s.push(if c.len() > 2 {
            A[n as usize & 63] as char
        } else {
            '='
        });
    }
    s
}

/// A DER `SubjectPublicKeyInfo` for an RSA key whose 2048-bit modulus is random (top and
/// bottom bits set, as in a real modulus) with exponent 65537. Nobody holds the private key.
pub fn rsa_spki(rng: &mut Rng) -> Vec<u8> {
    let mut modulus = [0u8; 256];
    rng.fill(&mut modulus);
    modulus[0] |= 0x80;
    modulus[255] |= 1;
    let mut rsa = vec![0x30, 0x82, 0x01, 0x0a, 0x02, 0x82, 0x01, 0x01, 0x00];
    rsa.extend_from_slice(&modulus);
    rsa.extend_from_slice(&[0x02, 0x03, 0x01, 0x00, 0x01]);
    let mut spki = vec![0x30, 0x82, 0x01, 0x22];
    spki.extend_from_slice(&[
        0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
    ]);
    spki.extend_from_slice(&[0x03, 0x82, 0x01, 0x0f, 0x00]);
    spki.extend_from_slice(&rsa);
    debug_assert_eq!(spki.len(), 294);
    spki
}

fn pem(der: &[u8]) -> String {
    let b = base64(der);
    let mut s = String::from("-----BEGIN PUBLIC KEY-----\n");
    for chunk in b.as_bytes().chunks(64) {
        s.push_str(std::str::from_utf8(chunk).unwrap());
        s.push('\n');
    }
    s.push_str("-----END PUBLIC KEY-----\n");
    s
}

/// TXT data as cPanel writes it: quoted strings of at most 255 bytes, `;` escaped as `\;`.
pub fn txt(value: &str) -> String {
    let mut s = String::from("\"");
    let mut n = 0;
    for c in value.chars() {
        if n == 255 {
            s.push_str("\" \"");
            n = 0;
        }
        match c {
            ';' | '"' | '\\' => {
                s.push('\\');
                s.push(c);
            }
            c => s.push(c),
        }
        n += 1;
    }
    s.push('"');
    s
}

/// `YYYYMMDD` of a Unix time.
fn ymd(t: u64) -> String {
    let mut days = t / 86_400;
    let mut year = 1970;
    loop {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let len = if leap { 366 } else { 365 };
        if days < len {
            let feb = if leap { 29 } else { 28 };
            let months = [31, feb, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
            let mut month = 1;
            for m in months {
                if days < m {
                    break;
                }
                days -= m;
                month += 1;
            }
            return format!("{year:04}{month:02}{:02}", days + 1);
        }
        days -= len;
        year += 1;
    }
}

fn spf(ip: &str, extra: Option<&str>) -> String {
    match extra {
        Some(inc) => format!("v=spf1 +a +mx +ip4:{ip} include:{inc} ~all"),
        None => format!("v=spf1 +a +mx +ip4:{ip} ~all"),
    }
}

/// The zone of a main, addon or parked domain, with its subdomains' records when it is the
/// main domain's zone. Returns the text and the DKIM key files to write.
fn zone(a: &Account, d: &Domain, rng: &mut Rng) -> (String, Vec<(String, String)>) {
    let name = &d.name;
    let ip = &a.ip;
    let mut keys = Vec::new();
    let updated = a.start + rng.below(300 * 86_400);
    let serial = format!("{}{:02}", ymd(updated), rng.range(1, 12));
    let mut z = format!(
        "; cPanel first:122.0.18 (update_time):{updated} Cpanel::ZoneFile::VERSION:1.3 hostname:{HOSTNAME} latest:122.0.21\n; Zone file for {name}\n$TTL 14400\n"
    );
    let _ = write!(
        z,
        "{name}.\t86400\tIN\tSOA\t{}.\thostmaster.{HOSTNAME}.\t(\n\t\t\t\t\t\t{serial} ;Serial Number\n\t\t\t\t\t\t3600 ;refresh\n\t\t\t\t\t\t1800 ;retry\n\t\t\t\t\t\t1209600 ;expire\n\t\t\t\t\t\t86400\t)\n",
        NAMESERVERS[0]
    );
    let nameservers: Vec<String> = if d.kind == Kind::Main && a.plants.has("RT011") {
        vec!["ns1.otherdns.example".into(), "ns2.otherdns.example".into()]
    } else {
        NAMESERVERS.iter().map(|s| s.to_string()).collect()
    };
    for ns in &nameservers {
        let _ = writeln!(z, "{name}.\t86400\tIN\tNS\t{ns}.");
    }
    let _ = writeln!(z, "{name}.\t14400\tIN\tA\t{ip}");
    let exchange = a.planted_on("RT001", name);
    let main_plant = d.kind == Kind::Main;
    let mut spf_include = None;
    if exchange {
        let label = name.replace('.', "-");
        let _ = writeln!(
            z,
            "{name}.\t3600\tIN\tMX\t0\t{label}.mail.protection.outlook.com."
        );
        spf_include = Some("spf.protection.outlook.com");
    } else {
        match d.route {
            Route::Local => {
                let target = if main_plant && a.plants.has("MX001") {
                    format!("mail.{name}.")
                } else if main_plant && a.plants.has("MX002") {
                    ip.clone()
                } else if main_plant && a.plants.has("MX003") {
                    ".".to_string()
                } else if main_plant && a.plants.has("MX005") {
                    format!("mx.{name}.")
                } else {
                    format!("{name}.")
                };
                let _ = writeln!(z, "{name}.\t14400\tIN\tMX\t0\t{target}");
            }
            Route::Remote(p) => {
                for (i, mx) in PROVIDERS[p].mx.iter().enumerate() {
                    let _ = writeln!(z, "{name}.\t14400\tIN\tMX\t{}\t{mx}.", 10 * (i + 1));
                }
                spf_include = Some(PROVIDERS[p].include);
            }
            Route::Secondary(p) => {
                let _ = writeln!(z, "{name}.\t14400\tIN\tMX\t0\t{}.", PROVIDERS[p].mx[0]);
                let _ = writeln!(z, "{name}.\t14400\tIN\tMX\t10\t{name}.");
                spf_include = Some(PROVIDERS[p].include);
            }
        }
    }
    let _ = writeln!(z, "mail\t14400\tIN\tCNAME\t{name}.");
    z.push_str("localhost\t14400\tIN\tA\t127.0.0.1\n");
    let _ = writeln!(z, "www\t14400\tIN\tCNAME\t{name}.");
    let _ = writeln!(z, "ftp\t14400\tIN\tCNAME\t{name}.");
    for svc in ["cpanel", "webmail", "webdisk", "cpcalendars", "cpcontacts"] {
        let _ = writeln!(z, "{svc}\t14400\tIN\tA\t{ip}");
    }
    if exchange {
        z.push_str("autodiscover\t3600\tIN\tCNAME\tautodiscover.outlook.com.\n");
    } else {
        let _ = writeln!(z, "autodiscover\t14400\tIN\tA\t{ip}");
        let _ = writeln!(z, "autoconfig\t14400\tIN\tA\t{ip}");
        let _ = writeln!(
            z,
            "_autodiscover._tcp\t14400\tIN\tSRV\t0\t0\t443\tcpanelemaildiscovery.{HOSTNAME}."
        );
    }
    let _ = writeln!(z, "{name}.\t14400\tIN\tTXT\t{}", txt(&spf(ip, spf_include)));
    // Subdomains of the main domain live in its zone.
    if d.kind == Kind::Main {
        for s in a
            .domains
            .iter()
            .filter(|x| matches!(x.kind, Kind::Sub | Kind::AddonBacking))
        {
            let label = s.name.strip_suffix(&format!(".{name}")).unwrap_or(&s.name);
            let _ = writeln!(z, "{label}\t14400\tIN\tA\t{ip}");
            let _ = writeln!(z, "www.{label}\t14400\tIN\tCNAME\t{}.", s.name);
            let _ = writeln!(z, "{label}\t14400\tIN\tTXT\t{}", txt(&spf(ip, None)));
        }
    }
    let der = rsa_spki(rng);
    let p = base64(&der);
    let _ = writeln!(
        z,
        "default._domainkey\t14400\tIN\tTXT\t{}",
        txt(&format!("v=DKIM1; k=rsa; p={p};"))
    );
    keys.push((name.clone(), pem(&der)));
    let _ = writeln!(z, "_dmarc\t14400\tIN\tTXT\t{}", txt("v=DMARC1; p=none;"));
    let token = rng.string(b"0123456789ABCDEF", 64);
    let _ = writeln!(
        z,
        "_cpanel-dcv-test-record\t14400\tIN\tTXT\t\"_cpanel-dcv-test-record={token}\""
    );
    if main_plant && a.plants.has("CP001") {
        // A record whose data was lost in an edit.
        z.push_str("shop-old\t14400\tIN\tCNAME\n");
    }
    (z, keys)
}

fn valiases(d: &Domain) -> String {
    let mut fwd: Vec<(String, String)> = d
        .forwarders
        .iter()
        .map(|(f, t)| (format!("{f}@{}", d.name), t.clone()))
        .collect();
    fwd.sort();
    let mut s = String::new();
    for (f, t) in fwd {
        let _ = writeln!(s, "{f}: {t}");
    }
    let _ = writeln!(s, "*: {}", d.catchall);
    s
}

const SALT: &[u8] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Message sizes: integer buckets shaped like a real mailbox (mostly a few KiB, a long tail of
/// attachments up to 25 MB).
fn message_size(rng: &mut Rng) -> u64 {
    // (weight per thousand, smallest, largest)
    const BUCKETS: &[(u64, u64, u64)] = &[
        (300, 900, 4_096),
        (350, 4_096, 16_384),
        (200, 16_384, 65_536),
        (80, 65_536, 262_144),
        (50, 262_144, 1_048_576),
        (18, 1_048_576, 8_388_608),
        (2, 8_388_608, 26_214_400),
    ];
    let weights: Vec<u64> = BUCKETS.iter().map(|b| b.0).collect();
    let (_, lo, hi) = BUCKETS[rng.weighted(&weights)];
    rng.range(lo, hi)
}

/// Writes one maildir (a mailbox or a folder of it); returns bytes and messages written.
fn maildir(
    out: &mut Out,
    rel: &str,
    rng: &mut Rng,
    count: u64,
    budget: u64,
    pid: &mut u64,
    inbox: bool,
) -> io::Result<(u64, u64)> {
    for sub in ["cur", "new", "tmp"] {
        out.dir(&format!("{rel}/{sub}"))?;
    }
    let mut t = EPOCH_BASE + rng.below(600 * 86_400);
    let mut bytes = 0;
    let mut n = 0;
    for _ in 0..count {
        let size = message_size(rng);
        if bytes + size > budget {
            continue;
        }
        t += rng.range(60, 4 * 86_400);
        *pid += rng.range(1, 400);
        let usec = rng.below(1_000_000);
        let wsize = size + size / 40;
        let base = format!("{t}.M{usec}P{pid}.{HOSTNAME},S={size},W={wsize}");
        let name = if inbox && rng.percent(8) {
            format!("{rel}/new/{base}")
        } else {
            let flags = ["S", "S", "S", "RS", "FS", ""][rng.below(6) as usize];
            format!("{rel}/cur/{base}:2,{flags}")
        };
        out.sparse(&name, size)?;
        bytes += size;
        n += 1;
    }
    Ok((bytes, n))
}

/// How many messages a mailbox holds: many small mailboxes, a few large ones.
fn message_count(rng: &mut Rng) -> u64 {
    match rng.weighted(&[15, 35, 30, 15, 5]) {
        0 => 0,
        1 => rng.range(1, 10),
        2 => rng.range(10, 40),
        3 => rng.range(40, 150),
        _ => rng.range(150, 500),
    }
}

fn mailbox(out: &mut Out, rel: &str, quota: u64, rng: &mut Rng, pid: &mut u64) -> io::Result<()> {
    // Below 90 % of the quota and below 100 MiB in the inbox: a clean server.
    let limit = if quota == 0 {
        95 << 20
    } else {
        (quota / 10 * 8).min(95 << 20)
    };
    let n = message_count(rng);
    let (mut bytes, mut count) = maildir(out, rel, rng, n, limit, pid, true)?;
    let mut folders = vec![];
    if rng.percent(50) {
        folders.push(".Sent");
    }
    if rng.percent(30) {
        folders.push(".Archive");
    }
    if rng.percent(20) {
        folders.push(".Trash");
    }
    for f in &folders {
        let frel = format!("{rel}/{f}");
        let left = limit.saturating_sub(bytes);
        let n = message_count(rng) / 2;
        let (b, c) = maildir(out, &frel, rng, n, left, pid, false)?;
        out.mail_meta(&format!("{frel}/maildirfolder"), "")?;
        bytes += b;
        count += c;
    }
    let mut subs = String::new();
    for f in &folders {
        subs.push_str(&f[1..]);
        subs.push('\n');
    }
    out.mail_meta(&format!("{rel}/subscriptions"), subs)?;
    out.mail_meta(
        &format!("{rel}/maildirsize"),
        format!("{quota}S,0C\n{bytes} {count}\n"),
    )?;
    Ok(())
}

fn write_account(out: &mut Out, a: &Account, seed: u64, mail: bool) -> io::Result<()> {
    let mut rng = Rng::fork(seed, a.index as u64 + 1);
    let user = &a.user;
    out.file(&format!("var/cpanel/users/{user}"), cpuser(a, &mut rng))?;
    out.file(
        &format!("var/cpanel/userdata/{user}/main"),
        userdata_main(a),
    )?;
    for d in a
        .domains
        .iter()
        .filter(|d| matches!(d.kind, Kind::Main | Kind::Sub | Kind::AddonBacking))
    {
        out.file(
            &format!("var/cpanel/userdata/{user}/{}", d.name),
            userdata_vhost(a, d),
        )?;
    }
    for d in a.domains.iter().filter(|d| d.has_zone()) {
        let (text, keys) = zone(a, d, &mut rng);
        out.file(&format!("var/named/{}.db", d.name), text)?;
        for (domain, pem) in keys {
            out.file(&format!("var/cpanel/domain_keys/public/{domain}"), pem)?;
        }
    }
    for d in a.domains.iter().filter(|d| d.kind != Kind::AddonBacking) {
        out.file(&format!("etc/valiases/{}", d.name), valiases(d))?;
    }
    let home = &a.home;
    out.dir(&format!("{home}/public_html"))?;
    let mut pid = 1000 + rng.below(30_000);
    if mail {
        mailbox(out, &format!("{home}/mail"), 0, &mut rng, &mut pid)?;
    } else {
        out.dir(&format!("{home}/mail"))?;
    }
    out.dir(&format!("{home}/etc"))?;
    for d in a.domains.iter().filter(|d| !d.mailboxes.is_empty()) {
        let etc = format!("{home}/etc/{}", d.name);
        let mut passwd = String::new();
        let mut shadow = String::new();
        let mut quota = String::new();
        for m in &d.mailboxes {
            let _ = writeln!(
                passwd,
                "{}:x:{}:{}::/{home}/mail/{}/{}:/bin/bash",
                m.local, a.uid, a.uid, d.name, m.local
            );
            let _ = writeln!(
                shadow,
                "{}:$6${}${}:{}::::::",
                m.local,
                rng.string(SALT, 16),
                rng.string(SALT, 86),
                19_700 + rng.below(700)
            );
            let _ = writeln!(quota, "{}:{}", m.local, m.quota);
        }
        out.file(&format!("{etc}/passwd"), passwd)?;
        out.file(&format!("{etc}/shadow"), shadow)?;
        if a.plants.has("CP006") && d.kind == Kind::Main {
            out.dir(&etc)?;
            std::os::unix::fs::symlink("/etc/shadow", out.path(&format!("{etc}/quota")))?;
        } else {
            out.file(&format!("{etc}/quota"), quota)?;
        }
        for m in &d.mailboxes {
            let rel = format!("{home}/mail/{}/{}", d.name, m.local);
            if mail {
                mailbox(out, &rel, m.quota, &mut rng, &mut pid)?;
            } else {
                for sub in ["cur", "new", "tmp"] {
                    out.dir(&format!("{rel}/{sub}"))?;
                }
            }
        }
    }
    Ok(())
}

fn exim_conf() -> String {
    let mut s = String::from(
        "#!!# cPanel Exim 4 Config\n\
         # Synthetic, shortened, in the layout of cPanel's buildeximconf output.\n\n\
         .include_if_exists /var/cpanel/exim_hidden/srs_config\n\n\
         domainlist user_domains = ${if exists{/etc/userdomains} {lsearch;/etc/userdomains} fail}\n\
         domainlist local_domains = lsearch;/etc/localdomains\n\
         domainlist secondarymx_domains = lsearch;/etc/secondarymx\n\
         domainlist relay_domains = +local_domains : +secondarymx_domains\n\
         domainlist manualmx_domains = ${if exists {/etc/manualmx} {lsearch;/etc/manualmx} {} }\n\
         addresslist secondarymx = *@partial-lsearch;/etc/secondarymx\n\
         hostlist relay_hosts = 127.0.0.1 : ::1\n\n",
    );
    let _ = writeln!(s, "primary_hostname = {HOSTNAME}");
    s.push_str(
        "daemon_smtp_ports = 25 : 465 : 587\n\
         tls_on_connect_ports = 465\n\
         tls_require_ciphers = ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384\n\
         acl_smtp_rcpt = acl_smtp_rcpt\n\n\
         begin acl\n\n\
         acl_smtp_rcpt:\n\
         \x20 accept  hosts = +relay_hosts\n\
         \x20 accept  authenticated = *\n\
         \x20 accept  domains = +relay_domains\n\
         \x20 deny    message = Please turn on SMTP Authentication in your mail client.\n\n\
         begin routers\n\n\
         manualmx:\n\
         \x20 driver = manualroute\n\
         \x20 domains = +manualmx_domains\n\
         \x20 route_data = ${lookup{$domain}lsearch{/etc/manualmx}}\n\
         \x20 transport = remote_smtp\n\n\
         lookuphost:\n\
         \x20 driver = dnslookup\n\
         \x20 domains = ! +local_domains\n\
         \x20 transport = remote_smtp\n\
         \x20 no_more\n\n\
         virtual_aliases_nostar:\n\
         \x20 driver = redirect\n\
         \x20 domains = lsearch;/etc/userdomains\n\
         \x20 data = ${lookup{$local_part@$domain}lsearch{/etc/valiases/$domain}}\n\
         \x20 unseen\n\n\
         virtual_user:\n\
         \x20 driver = accept\n\
         \x20 domains = lsearch;/etc/userdomains\n\
         \x20 transport = virtual_delivery\n\n\
         virtual_aliases:\n\
         \x20 driver = redirect\n\
         \x20 domains = lsearch;/etc/userdomains\n\
         \x20 data = ${lookup{*}lsearch{/etc/valiases/$domain}}\n\
         \x20 allow_fail\n\n\
         begin transports\n\n\
         remote_smtp:\n\
         \x20 driver = smtp\n\n\
         virtual_delivery:\n\
         \x20 driver = appendfile\n\
         \x20 directory = ${home}/mail/$domain/$local_part\n\
         \x20 maildir_format\n\n\
         begin retry\n\n\
         +secondarymx  *  F,4h,5m; G,16h,1h,1.5; F,4d,8h\n\
         *  *  F,2h,15m; G,16h,1h,1.5; F,4d,8h\n\n\
         begin rewrite\n",
    );
    s
}

fn write_server(out: &mut Out, accounts: &[Account], opts: &Options) -> io::Result<()> {
    let server_plant = |code: &str| accounts.iter().find(|a| a.plants.has(code));
    let mut local: Vec<String> = Vec::new();
    if server_plant("RT009").is_none() {
        local.push(HOSTNAME.to_string());
    }
    let mut remote: Vec<String> = Vec::new();
    let mut secondary: Vec<String> = Vec::new();
    let mut userdomains: BTreeMap<String, String> = BTreeMap::new();
    let mut manualmx: Vec<String> = Vec::new();
    for a in accounts {
        let main = a.main().name.clone();
        for d in &a.domains {
            let is_main = d.kind == Kind::Main;
            let plant = |code: &str| a.plants.has(code);
            let mut owner = a.user.clone();
            if a.planted_on("CP002", &d.name) {
                // Another account's name.
                owner = accounts[(a.index + 1) % accounts.len()].user.clone();
                if owner == a.user {
                    owner = "nobody".into();
                }
            }
            userdomains.insert(d.name.clone(), owner);
            if a.planted_on("RT004", &d.name) {
                continue;
            }
            if a.planted_on("RT002", &d.name) {
                remote.push(d.name.clone());
                continue;
            }
            if is_main && plant("RT010") {
                remote.push(d.name.clone());
                secondary.push(d.name.clone());
                continue;
            }
            match d.route {
                Route::Local => {
                    local.push(d.name.clone());
                    if is_main && plant("CP003") {
                        local.push(d.name.clone());
                    }
                    if is_main && plant("RT003") {
                        remote.push(d.name.clone());
                    }
                    if is_main && plant("RT012") {
                        manualmx.push(format!("{}: newserver.example.net", d.name));
                    }
                }
                Route::Remote(_) => remote.push(d.name.clone()),
                Route::Secondary(_) => {
                    remote.push(d.name.clone());
                    secondary.push(d.name.clone());
                }
            }
        }
        if a.plants.has("RT005") {
            local.push(format!("old-{main}"));
        }
    }
    out.file("etc/localdomains", lines(&local))?;
    out.file("etc/remotedomains", lines(&remote))?;
    out.file("etc/secondarymx", lines(&secondary))?;
    if !manualmx.is_empty() {
        out.file("etc/manualmx", lines(&manualmx))?;
    }
    let mut ud = String::from("*: nobody\n");
    for (d, u) in &userdomains {
        let _ = writeln!(ud, "{d}: {u}");
    }
    out.file("etc/userdomains", ud)?;
    let mut true_ud: Vec<(String, String)> = accounts
        .iter()
        .map(|a| (a.main().name.clone(), a.user.clone()))
        .collect();
    true_ud.sort();
    out.file(
        "etc/trueuserdomains",
        lines(true_ud.iter().map(|(d, u)| format!("{d}: {u}"))),
    )?;
    let mut du: Vec<(String, String)> = accounts
        .iter()
        .map(|a| (a.user.clone(), a.main().name.clone()))
        .collect();
    du.sort();
    out.file(
        "etc/domainusers",
        lines(du.iter().map(|(u, d)| format!("{u}: {d}"))),
    )?;
    let mut mailips = vec![format!("*: {MAIN_IP}")];
    let mut ips = Vec::new();
    for a in accounts.iter().filter(|a| a.dedicated) {
        ips.push(format!(
            "{}:255.255.255.0:{}.255",
            a.ip,
            a.ip.rsplit_once('.').map_or("", |(net, _)| net)
        ));
        for d in &a.domains {
            mailips.push(format!("{}: {}", d.name, a.ip));
        }
    }
    out.file("etc/mailips", lines(&mailips))?;
    out.file("etc/mailhelo", format!("*: {HOSTNAME}\n"))?;
    if !ips.is_empty() {
        out.file("etc/ips", lines(&ips))?;
    }
    out.file(
        "etc/wwwacct.conf",
        format!(
            "ADDR {MAIN_IP}\nCONTACTEMAIL hostmaster@{HOSTNAME}\nDEFMOD jupiter\nETHDEV eth0\nHOMEDIR /home\nHOMEMATCH home\nHOST {HOSTNAME}\nLOGSTYLE combined\nNS {}\nNS2 {}\nNSTTL 86400\nSCRIPTALIAS y\nTTL 14400\n",
            NAMESERVERS[0], NAMESERVERS[1]
        ),
    )?;
    out.file("var/cpanel/mainip", MAIN_IP)?;
    match &opts.exim_conf {
        Some(p) => out.file("etc/exim.conf", fs::read(p)?)?,
        None => out.file("etc/exim.conf", exim_conf())?,
    }
    Ok(())
}

/// Generates the tree into `dir` (which must not exist or be empty).
pub fn generate(dir: &Path, opts: &Options) -> Result<Summary, String> {
    if let Ok(mut entries) = fs::read_dir(dir)
        && entries.next().is_some()
    {
        return Err(format!("{} exists and is not empty", dir.display()));
    }
    let accounts = plan(opts)?;
    let err = |e: io::Error| format!("writing {}: {e}", dir.display());
    fs::create_dir_all(dir).map_err(err)?;
    // Accounts are independent (each has its own random stream), so they are written by two
    // threads; the bytes do not depend on the scheduling.
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(4);
    let chunk = accounts.len().div_ceil(threads).max(1);
    let results: Vec<io::Result<Out>> = std::thread::scope(|s| {
        let handles: Vec<_> = accounts
            .chunks(chunk)
            .map(|part| {
                let root = dir.to_path_buf();
                s.spawn(move || {
                    let mut out = Out::new(&root);
                    for a in part {
                        write_account(&mut out, a, opts.seed, opts.mail)?;
                    }
                    Ok(out)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut summary = Summary {
        accounts: accounts.len(),
        domains: accounts.iter().map(|a| a.domains.len()).sum(),
        ..Summary::default()
    };
    for r in results {
        let o = r.map_err(err)?;
        summary.files += o.files;
        summary.mail_files += o.mail_files;
        summary.mail_bytes += o.mail_bytes;
    }
    let mut out = Out::new(dir);
    write_server(&mut out, &accounts, opts).map_err(err)?;
    summary.files += out.files;
    for a in &accounts {
        for code in &a.plants.codes {
            summary.planted.push(Planted {
                code: code.to_string(),
                user: a.user.clone(),
                domain: planted_domain(a, code),
                file: planted_file(a, code),
            });
        }
    }
    summary.planted.sort();
    Ok(summary)
}

/// The domain a planted finding is about (None for findings that name no domain).
fn planted_domain(a: &Account, code: &str) -> Option<String> {
    let of = |k: Kind| {
        a.domains
            .iter()
            .find(|d| d.kind == k)
            .map(|d| d.name.clone())
    };
    match code {
        "RT001" => of(Kind::Addon),
        "RT002" => of(Kind::Parked),
        "RT004" | "CP002" => of(Kind::Sub),
        "RT005" => Some(format!("old-{}", a.main().name)),
        "RT008" => Some(format!("former-{}", a.main().name)),
        "RT009" => Some(HOSTNAME.to_string()),
        "CP001" | "CP006" => None,
        _ => Some(a.main().name.clone()),
    }
}

/// The file a planted finding points at, for plants about one file.
fn planted_file(a: &Account, code: &str) -> Option<String> {
    let main = &a.main().name;
    match code {
        "CP001" => Some(format!("var/named/{main}.db")),
        "CP006" => Some(format!("{}/etc/{main}/quota", a.home)),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Command line.

const USAGE: &str = "usage: gen-server --accounts N --out DIR [--seed S] [--plant CODE[:N],...|list] [--no-mail] [--exim-conf FILE]";

fn parse_args(args: &[String]) -> Result<Option<(Options, PathBuf)>, String> {
    let mut opts = Options {
        mail: true,
        ..Options::default()
    };
    let mut accounts = None;
    let mut out = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value\n{USAGE}"))
        };
        match a.as_str() {
            "--accounts" => {
                let v = value("--accounts")?;
                accounts = Some(
                    v.parse::<usize>()
                        .map_err(|_| format!("--accounts: not a number: {v}"))?,
                );
            }
            "--out" => out = Some(PathBuf::from(value("--out")?)),
            "--seed" => {
                let v = value("--seed")?;
                opts.seed = v
                    .parse()
                    .map_err(|_| format!("--seed: not a number: {v}"))?;
            }
            "--plant" => {
                let v = value("--plant")?;
                if v == "list" {
                    for (code, what) in PLANTS {
                        println!("{code}  {what}");
                    }
                    return Ok(None);
                }
                for item in v.split(',').filter(|s| !s.is_empty()) {
                    let (code, n) = match item.split_once(':') {
                        Some((c, n)) => (
                            c,
                            n.parse()
                                .map_err(|_| format!("--plant: bad count in {item}"))?,
                        ),
                        None => (item, 1),
                    };
                    opts.plant.push((code.to_ascii_uppercase(), n));
                }
            }
            "--no-mail" => opts.mail = false,
            "--exim-conf" => opts.exim_conf = Some(PathBuf::from(value("--exim-conf")?)),
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(None);
            }
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    opts.accounts = accounts.ok_or_else(|| format!("--accounts is required\n{USAGE}"))?;
    let out = out.ok_or_else(|| format!("--out is required\n{USAGE}"))?;
    Ok(Some((opts, out)))
}

#[allow(dead_code)]
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (opts, out) = match parse_args(&args) {
        Ok(Some(x)) => x,
        Ok(None) => return,
        Err(e) => {
            eprintln!("gen-server: {e}");
            std::process::exit(2);
        }
    };
    match generate(&out, &opts) {
        Ok(s) => {
            println!(
                "{}: {} accounts, {} domains, {} files, {} mail messages ({} MiB, sparse)",
                out.display(),
                s.accounts,
                s.domains,
                s.files,
                s.mail_files,
                s.mail_bytes >> 20
            );
            for p in &s.planted {
                println!(
                    "planted {} in {} ({})",
                    p.code,
                    p.user,
                    p.domain.as_deref().unwrap_or("-")
                );
            }
        }
        Err(e) => {
            eprintln!("gen-server: {e}");
            std::process::exit(1);
        }
    }
}
