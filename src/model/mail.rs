//! Mailboxes: where each mail account's mail is, in which format, and how much of it there is
//! (cpanel.md §5).
//!
//! A mailbox is a directory `HOME/mail/DOMAIN/LOCALPART/`, or the account's default mailbox
//! `HOME/mail/` itself. Its format is detected as cPanel does: a `cur/` directory means maildir,
//! else a `storage/` directory mdbox, else an `inbox` file mbox.
//!
//! Sizes, without opening a single message:
//! - maildir: the *inbox* is `cur/` + `new/` at the top of the mailbox; the *total* adds the
//!   `cur/` and `new/` of every Maildir++ folder (`.Sent/`, `.Archive/`, …, the directories whose
//!   name starts with a dot). `tmp/` is not counted (messages being delivered), nor are Dovecot's
//!   index and cache files. A message's size is the `,S=<bytes>` of its name when present (what
//!   Dovecot's quota counts), else the size the directory listing's `lstat` gave.
//! - mdbox: every regular file of `storage/` (all folders live there; dot files aside), for both
//!   inbox and total.
//! - mbox: the inbox is the `inbox` file; the total adds the other regular files at the top of
//!   the mailbox (the other folders), except Dovecot and Maildir++ bookkeeping files
//!   (`dovecot*`, `maildirsize`, `subscriptions`) and dot files.
//!
//! Symlinks are never followed, descended into or counted. A symlink, FIFO, device or socket
//! where a mailbox, message or folder belongs is recorded as a [`Skip`] (CP006), one per entry
//! but at most [`MAX_SKIPS_PER_MAILBOX`] per mailbox (or per domain directory), then one more
//! that gives the count. A symlinked `cur/`, `storage/` or `inbox` still decides the format (cPanel
//! would follow it), but nothing behind it is counted.
//!
//! The quota of a mailbox is its line in `HOME/etc/DOMAIN/quota` (0 = unlimited), or, when the
//! file has no line for it, the byte limit on the first line of the mailbox's `maildirsize`
//! (`0S` = unlimited); the default mailbox has only `maildirsize`.
//!
//! Walking costs a directory listing per folder, so it happens only when a rule needs it:
//! [`Scan::Off`] reads nothing, [`Scan::Layout`] lists the domain directories (which mailboxes
//! exist, and which are not directories), [`Scan::Usage`] also walks every mailbox, in parallel
//! across all accounts, and reads its `maildirsize`.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use rayon::prelude::*;

use crate::model::{Needs, ParseProblem, Parsed, Server};
use crate::parse::maildirsize::{self, MaildirSize};
use crate::tree::{DirEntry, Kind, Lookup, Skip, SkipKind, Tree};

/// At most this many CP006 entries are recorded per mailbox (and per domain directory); the rest
/// are counted in one more.
pub const MAX_SKIPS_PER_MAILBOX: usize = 5;

/// How much of the mail storage the model reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scan {
    /// Nothing (no mailbox rule is selected).
    #[default]
    Off,
    /// The entries of each `HOME/mail/DOMAIN/` directory.
    Layout,
    /// The layout, then every mailbox walked and sized, and its `maildirsize` read.
    Usage,
}

impl Scan {
    /// What the selected rules need: sizes ([`Needs::MAILBOXES`]) or the layout alone
    /// ([`Needs::MAILBOX_LAYOUT`]).
    pub fn for_needs(needs: Needs) -> Scan {
        if needs.contains(Needs::MAILBOXES) {
            Scan::Usage
        } else if needs.contains(Needs::MAILBOX_LAYOUT) {
            Scan::Layout
        } else {
            Scan::Off
        }
    }
}

/// Told how the mailbox walk advances (the command line draws a progress bar with it).
pub trait Progress: Send + Sync {
    /// The walk starts; `mailboxes` will be walked.
    fn start(&self, mailboxes: u64);
    /// `n` more mailboxes are done.
    fn advance(&self, n: u64);
    /// The walk is over.
    fn finish(&self);
}

/// A shared [`Progress`] in [`crate::model::Options`].
#[derive(Clone)]
pub struct ProgressHook(pub Arc<dyn Progress>);

impl fmt::Debug for ProgressHook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ProgressHook")
    }
}

/// What listing `HOME/mail/DOMAIN/` gave.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Listing {
    /// Not listed ([`Scan::Off`]).
    #[default]
    NotRead,
    /// There is no such directory: the domain has no mailboxes.
    Missing,
    /// Listed; [`crate::model::MailFiles::mailboxes`] holds its entries.
    Read,
    /// Refused (a symlink on the way, an I/O error): which mailboxes exist is unknown.
    Refused,
}

/// The storage format of a mailbox, as cPanel detects it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// `cur/` exists.
    Maildir,
    /// No `cur/`, but `storage/`.
    Mdbox,
    /// Neither, but an `inbox` file: the legacy single-file format.
    Mbox,
    /// None of the three (an empty or half-created mailbox).
    Unrecognised,
}

impl Format {
    pub fn describe(self) -> &'static str {
        match self {
            Format::Maildir => "maildir",
            Format::Mdbox => "mdbox",
            Format::Mbox => "mbox",
            Format::Unrecognised => "no recognised format",
        }
    }
}

/// Bytes and messages (files, for mdbox and mbox).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Size {
    pub bytes: u64,
    pub messages: u64,
}

impl Size {
    fn add(&mut self, other: Size) {
        self.bytes = self.bytes.saturating_add(other.bytes);
        self.messages = self.messages.saturating_add(other.messages);
    }
}

/// What a walk found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// What POP3 sees: maildir `cur/` + `new/` at the top, the mbox `inbox`, or mdbox `storage/`.
    pub inbox: Size,
    /// Every folder: what counts against the quota.
    pub total: Size,
    /// Maildir++ folders walked (`.Sent`, …).
    pub folders: u64,
    /// Entries not counted: symlinks, FIFOs, devices and sockets where messages or folders
    /// belong.
    pub refused: u64,
}

/// One mailbox.
#[derive(Clone, Debug)]
pub struct Mailbox {
    /// The directory name (the local part); for the default mailbox, the account's user name.
    pub local_part: String,
    /// Display path of the mailbox directory.
    pub path: String,
    /// What the entry is: [`Kind::Dir`], or a symlink or special file that was not followed.
    pub kind: Kind,
    /// `None` until walked ([`Scan::Usage`]) or when the entry is not a directory.
    pub format: Option<Format>,
    pub usage: Option<Usage>,
    /// The mailbox's `maildirsize`, when it has one ([`Scan::Usage`]).
    pub maildirsize: Option<Parsed<MaildirSize>>,
}

impl Mailbox {
    pub fn is_dir(&self) -> bool {
        self.kind == Kind::Dir
    }
}

/// The size a maildir file name declares: the number after `,S=` (`…,S=1843,W=1880:2,S`).
pub fn size_from_name(name: &[u8]) -> Option<u64> {
    let at = name.windows(3).position(|w| w == b",S=")? + 3;
    let digits = &name[at..];
    let len = digits.iter().take_while(|b| b.is_ascii_digit()).count();
    if len == 0 {
        return None;
    }
    std::str::from_utf8(&digits[..len]).ok()?.parse().ok()
}

/// Records refused entries of one mailbox (or domain directory), at most
/// [`MAX_SKIPS_PER_MAILBOX`], and counts the rest.
struct Refusals {
    shown: Vec<Skip>,
    more: u64,
}

impl Refusals {
    fn new() -> Refusals {
        Refusals {
            shown: Vec::new(),
            more: 0,
        }
    }

    fn count(&self) -> u64 {
        self.shown.len() as u64 + self.more
    }

    /// An entry of `dir` (a display path) that is not followed; `belongs` says what should be
    /// there ("a message", "a mail folder").
    fn refuse(&mut self, dir: &str, e: &DirEntry, belongs: &str) {
        if self.shown.len() >= MAX_SKIPS_PER_MAILBOX {
            self.more += 1;
            return;
        }
        let kind = match e.kind {
            Kind::Symlink => SkipKind::SymlinkInUserTree,
            Kind::Fifo => SkipKind::Fifo,
            Kind::Device => SkipKind::Device,
            Kind::Socket => SkipKind::Socket,
            _ => SkipKind::OtherType,
        };
        self.shown.push(Skip {
            path: format!("{dir}/{}", e.name_lossy()),
            kind,
            detail: format!(
                "is a {} where {belongs} belongs; maillint does not follow it, and does not count it in the mailbox's size",
                e.kind.describe()
            ),
        });
    }

    /// The recorded skips, plus one that counts the entries not recorded.
    fn into_skips(mut self, at: &str, what: &str) -> Vec<Skip> {
        if self.more > 0 {
            self.shown.push(Skip {
                path: at.to_string(),
                kind: SkipKind::SymlinkInUserTree,
                detail: format!(
                    "has {} more symbolic links or special files where {what} belong (only the first {MAX_SKIPS_PER_MAILBOX} are listed); none is followed or counted",
                    self.more
                ),
            });
        }
        self.shown
    }
}

/// A special entry: not a regular file, not a directory.
fn is_special(kind: Kind) -> bool {
    !matches!(kind, Kind::File | Kind::Dir)
}

/// Walks mailboxes of one home through the tree.
struct Walker<'a> {
    tree: &'a Tree,
    home: &'a str,
}

impl Walker<'_> {
    fn display(&self, rel: &str) -> String {
        self.tree
            .display_path_in_home(self.home, rel)
            .unwrap_or_else(|| format!("{}/{rel}", self.home))
    }

    fn list(&self, rel: &str) -> Option<Vec<DirEntry>> {
        match self.tree.read_dir_in_home(self.home, rel) {
            Lookup::Found(v) => Some(v),
            // Refusals are recorded by the tree itself.
            Lookup::Missing | Lookup::Skipped(_) => None,
        }
    }

    /// The messages of a maildir `cur/` or `new/` directory.
    fn messages(&self, rel: &str, refused: &mut Refusals) -> Size {
        let mut size = Size::default();
        let Some(entries) = self.list(rel) else {
            return size;
        };
        let mut dir_display: Option<String> = None;
        // Names starting with a dot are not messages (maildir readers skip them).
        for e in entries.iter().filter(|e| e.name.first() != Some(&b'.')) {
            match e.kind {
                Kind::File => {
                    size.bytes = size
                        .bytes
                        .saturating_add(size_from_name(&e.name).unwrap_or(e.meta.size));
                    size.messages += 1;
                }
                Kind::Dir => {}
                _ => {
                    let d = dir_display.get_or_insert_with(|| self.display(rel));
                    refused.refuse(d, e, "a message");
                }
            }
        }
        size
    }

    /// Every regular file of a directory (mdbox `storage/`).
    fn files(&self, rel: &str, refused: &mut Refusals) -> Size {
        let mut size = Size::default();
        let Some(entries) = self.list(rel) else {
            return size;
        };
        let mut dir_display: Option<String> = None;
        // Names starting with a dot are not messages (maildir readers skip them).
        for e in entries.iter().filter(|e| e.name.first() != Some(&b'.')) {
            match e.kind {
                Kind::File => {
                    size.bytes = size.bytes.saturating_add(e.meta.size);
                    size.messages += 1;
                }
                Kind::Dir => {}
                _ => {
                    let d = dir_display.get_or_insert_with(|| self.display(rel));
                    refused.refuse(d, e, "mail storage");
                }
            }
        }
        size
    }

    /// Walks the mailbox at `rel` (below the home): its format, usage, `maildirsize`, skips and
    /// parse problems.
    fn mailbox(&self, rel: &str) -> Walked {
        let path = self.display(rel);
        let mut refused = Refusals::new();
        let mut usage = Usage::default();
        let mut out = Walked::default();
        let Some(entries) = self.list(rel) else {
            out.format = Some(Format::Unrecognised);
            out.usage = Some(usage);
            return out;
        };
        let find = |name: &str| entries.iter().find(|e| e.name == name.as_bytes());
        let present = |name: &str, want: Kind| {
            find(name).filter(|e| e.kind == want || e.kind == Kind::Symlink)
        };
        let format = if present("cur", Kind::Dir).is_some() {
            Format::Maildir
        } else if present("storage", Kind::Dir).is_some() {
            Format::Mdbox
        } else if present("inbox", Kind::File).is_some() {
            Format::Mbox
        } else {
            Format::Unrecognised
        };
        // A sub-directory at `rel/name`: walked if it is one, refused if it is special.
        let sub =
            |name: &str, refused: &mut Refusals, walk: &dyn Fn(&str, &mut Refusals) -> Size| {
                match find(name) {
                    Some(e) if e.kind == Kind::Dir => walk(&format!("{rel}/{name}"), refused),
                    Some(e) if is_special(e.kind) => {
                        refused.refuse(&path, e, "a mail folder");
                        Size::default()
                    }
                    _ => Size::default(),
                }
            };
        let messages = |r: &str, refused: &mut Refusals| self.messages(r, refused);
        match format {
            Format::Maildir => {
                usage.inbox.add(sub("cur", &mut refused, &messages));
                usage.inbox.add(sub("new", &mut refused, &messages));
                usage.total = usage.inbox;
                for e in &entries {
                    if e.name.first() != Some(&b'.') || e.name == b"." || e.name == b".." {
                        continue;
                    }
                    match e.kind {
                        Kind::Dir => {
                            // A folder name that is not UTF-8 cannot be named through the tree.
                            let Some(name) = e.name_str() else { continue };
                            let folder = format!("{rel}/{name}");
                            usage.folders += 1;
                            for part in ["cur", "new"] {
                                usage
                                    .total
                                    .add(self.messages(&format!("{folder}/{part}"), &mut refused));
                            }
                        }
                        k if is_special(k) => refused.refuse(&path, e, "a mail folder"),
                        _ => {}
                    }
                }
            }
            Format::Mdbox => {
                let files = |r: &str, refused: &mut Refusals| self.files(r, refused);
                usage.inbox = sub("storage", &mut refused, &files);
                usage.total = usage.inbox;
            }
            Format::Mbox => {
                for e in &entries {
                    let name = &e.name[..];
                    if name == b"inbox" {
                        match e.kind {
                            Kind::File => {
                                usage.inbox = Size {
                                    bytes: e.meta.size,
                                    messages: 1,
                                };
                                usage.total.add(usage.inbox);
                            }
                            k if is_special(k) => refused.refuse(&path, e, "the mbox inbox"),
                            _ => {}
                        }
                    } else if e.kind == Kind::File
                        && !name.starts_with(b".")
                        && !name.starts_with(b"dovecot")
                        && name != b"maildirsize"
                        && name != b"subscriptions"
                    {
                        usage.total.add(Size {
                            bytes: e.meta.size,
                            messages: 1,
                        });
                    }
                }
            }
            Format::Unrecognised => {}
        }
        if find("maildirsize").is_some() {
            // Read through the tree: a symlink or special file is refused and recorded there.
            if let Lookup::Found(data) = self
                .tree
                .read_in_home(self.home, &format!("{rel}/maildirsize"))
            {
                let doc = maildirsize::parse(&data.source);
                out.problems = doc
                    .errors()
                    .map(|error| ParseProblem {
                        file: data.source.path().to_string(),
                        format: "maildirsize file",
                        error: error.clone(),
                    })
                    .collect();
                out.maildirsize = Some(Parsed {
                    src: Arc::new(data.source),
                    doc,
                });
            }
        }
        usage.refused = refused.count();
        out.skips = refused.into_skips(&path, "messages or folders");
        out.format = Some(format);
        out.usage = Some(usage);
        out
    }
}

/// What walking one mailbox gives.
#[derive(Default)]
struct Walked {
    format: Option<Format>,
    usage: Option<Usage>,
    maildirsize: Option<Parsed<MaildirSize>>,
    problems: Vec<ParseProblem>,
    skips: Vec<Skip>,
}

/// Which mailbox of which account.
struct Job {
    user: String,
    home: String,
    /// `None` for the default mailbox.
    domain: Option<String>,
    mailbox: Mailbox,
}

/// Reads the mailboxes of every account as `s.options.needs` asks ([`Scan::for_needs`]), into
/// [`crate::model::MailFiles::mailboxes`] and [`crate::model::Account::default_mailbox`];
/// refusals go to `skips`.
///
/// The walk runs on its own thread pool, with more threads than cores: when the mail tree is not
/// in the page cache (the usual case on a live server), the walk waits on the disk, and more
/// threads keep more directory reads in flight (`du -s` has one). On a warm cache the extra
/// threads cost little.
pub(crate) fn load(s: &mut Server, tree: &Tree, skips: &mut Vec<Skip>) {
    if Scan::for_needs(s.options.needs) == Scan::Off {
        return;
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads((cores * 4).clamp(4, 16))
        .thread_name(|i| format!("maillint-mail-{i}"))
        .build();
    match pool {
        Ok(pool) => pool.install(|| walk_all(s, tree, skips)),
        // No threads to be had: the global pool does it.
        Err(_) => walk_all(s, tree, skips),
    }
}

fn walk_all(s: &mut Server, tree: &Tree, skips: &mut Vec<Skip>) {
    let scan = Scan::for_needs(s.options.needs);
    // The domain directories, in parallel (listed already by the load of the mail account
    // files, when it kept the listing).
    type Domain = (String, String, String, Option<Lookup<Vec<DirEntry>>>);
    let domains: Vec<Domain> = s
        .accounts
        .values_mut()
        .filter_map(|a| a.home.clone().map(|h| (a, h)))
        .flat_map(|(a, home)| {
            let user = a.user.clone();
            a.mail
                .iter_mut()
                .map(|(d, m)| (user.clone(), home.clone(), d.clone(), m.listing.take()))
                .collect::<Vec<_>>()
        })
        .collect();
    type Listed = (String, String, Listing, Vec<Job>, Vec<Skip>);
    let listed: Vec<Listed> = domains
        .into_par_iter()
        .map(|(user, home, domain, cached)| {
            let w = Walker { tree, home: &home };
            let rel = format!("mail/{domain}");
            let mut refused = Refusals::new();
            let mut jobs = Vec::new();
            let lookup = cached.unwrap_or_else(|| tree.read_dir_in_home(&home, &rel));
            let (listing, entries) = match lookup {
                Lookup::Found(v) => (Listing::Read, v),
                Lookup::Missing => (Listing::Missing, Vec::new()),
                Lookup::Skipped(_) => (Listing::Refused, Vec::new()),
            };
            let dir = w.display(&rel);
            for e in &entries {
                let Some(name) = e.name_str() else { continue };
                if name.starts_with('.') || e.kind == Kind::File {
                    continue;
                }
                if is_special(e.kind) {
                    refused.refuse(&dir, e, "a mailbox directory");
                }
                jobs.push(Job {
                    user: user.clone(),
                    home: home.clone(),
                    domain: Some(domain.clone()),
                    mailbox: Mailbox {
                        local_part: name.to_string(),
                        path: format!("{dir}/{name}"),
                        kind: e.kind,
                        format: None,
                        usage: None,
                        maildirsize: None,
                    },
                });
            }
            let skips = refused.into_skips(&dir, "mailboxes");
            (user, domain, listing, jobs, skips)
        })
        .collect();
    let mut jobs: Vec<Job> = Vec::new();
    for (user, domain, listing, j, sk) in listed {
        if let Some(files) = s
            .accounts
            .get_mut(&user)
            .and_then(|a| a.mail.get_mut(&domain))
        {
            files.mailbox_listing = listing;
        }
        jobs.extend(j);
        skips.extend(sk);
    }
    if scan == Scan::Usage {
        for a in s.accounts.values() {
            let Some(home) = &a.home else { continue };
            // `HOME/mail` that is not a directory is reported by the loader already.
            let is_dir = tree
                .stat_in_home(home, "mail")
                .found()
                .is_some_and(|st| st.kind == Kind::Dir);
            if !is_dir {
                continue;
            }
            let w = Walker { tree, home };
            jobs.push(Job {
                user: a.user.clone(),
                home: home.clone(),
                domain: None,
                mailbox: Mailbox {
                    local_part: a.user.clone(),
                    path: w.display("mail"),
                    kind: Kind::Dir,
                    format: None,
                    usage: None,
                    maildirsize: None,
                },
            });
        }
        let progress = s.options.progress.clone();
        let walkable = jobs.iter().filter(|j| j.mailbox.is_dir()).count() as u64;
        if let Some(p) = &progress {
            p.0.start(walkable);
        }
        let walked: Vec<Option<Walked>> = jobs
            .par_iter()
            .map(|j| {
                if !j.mailbox.is_dir() {
                    return None;
                }
                let w = Walker {
                    tree,
                    home: &j.home,
                };
                let rel = match &j.domain {
                    Some(d) => format!("mail/{d}/{}", j.mailbox.local_part),
                    None => "mail".to_string(),
                };
                let out = w.mailbox(&rel);
                if let Some(p) = &progress {
                    p.0.advance(1);
                }
                Some(out)
            })
            .collect();
        if let Some(p) = &progress {
            p.0.finish();
        }
        for (job, w) in jobs.iter_mut().zip(walked) {
            let Some(w) = w else { continue };
            job.mailbox.format = w.format;
            job.mailbox.usage = w.usage;
            if let Some(parsed) = w.maildirsize {
                s.add_file(parsed.src.clone());
                job.mailbox.maildirsize = Some(parsed);
            }
            s.parse_problems.extend(w.problems);
            skips.extend(w.skips);
        }
    }
    for job in jobs {
        let Some(account) = s.accounts.get_mut(&job.user) else {
            continue;
        };
        match job.domain {
            Some(d) => {
                if let Some(files) = account.mail.get_mut(&d) {
                    files
                        .mailboxes
                        .insert(job.mailbox.local_part.clone(), job.mailbox);
                }
            }
            None => account.default_mailbox = Some(job.mailbox),
        }
    }
}

/// `1.5 GiB`, `300 KiB`, `12 bytes`: sizes for messages, in binary units with one decimal.
pub fn human(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < 1024 {
        return if bytes == 1 {
            "1 byte".to_string()
        } else {
            format!("{bytes} bytes")
        };
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    let text = format!("{value:.1}");
    let text = text.strip_suffix(".0").unwrap_or(&text);
    format!("{text} {}", UNITS[unit])
}

/// Mailboxes by local part (for [`crate::model::MailFiles`]).
pub type Mailboxes = BTreeMap<String, Mailbox>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_comes_from_the_name() {
        assert_eq!(
            size_from_name(b"1763900000.M1P1.server.example.net,S=1843,W=1880"),
            Some(1843)
        );
        assert_eq!(
            size_from_name(b"1576423310.M891774P593257.host,S=724,W=743:2,Sab"),
            Some(724)
        );
        assert_eq!(size_from_name(b"1.M1P1.host:2,S"), None);
        assert_eq!(size_from_name(b"1.M1P1.host,S=:2,S"), None);
        assert_eq!(size_from_name(b"1.host,S=99999999999999999999999"), None);
        assert_eq!(size_from_name(b"1.host,S=5000000000"), Some(5_000_000_000));
    }

    #[test]
    fn human_sizes() {
        assert_eq!(human(0), "0 bytes");
        assert_eq!(human(1), "1 byte");
        assert_eq!(human(1023), "1023 bytes");
        assert_eq!(human(1024), "1 KiB");
        assert_eq!(human(104_857_600), "100 MiB");
        assert_eq!(human(120_000_000), "114.4 MiB");
        assert_eq!(human(5_000_000_000), "4.7 GiB");
    }

    #[test]
    fn scan_follows_the_needs() {
        assert_eq!(Scan::for_needs(Needs::ALL), Scan::Usage);
        assert_eq!(Scan::for_needs(Needs::LISTS | Needs::ZONES), Scan::Off);
        assert_eq!(Scan::for_needs(Needs::MAILBOX_LAYOUT), Scan::Layout);
        assert_eq!(Scan::for_needs(Needs::MAILBOXES), Scan::Usage);
    }
}
