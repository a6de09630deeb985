//! The server model: everything maillint knows about the server, built once from the parsed
//! files of the tree (see [`load`]), then read by every rule.
//!
//! Building the model is the only step that asks the [`crate::tree`] for files. A file that is
//! missing is normal and means "nothing there"; a file that cannot be parsed still contributes
//! what could be parsed, and its syntax errors are kept for CP001/EXIM001.
//!
//! Terms follow RULES.md "Terms": *account domains* are the main, addon, parked and subdomains of
//! every account; *mail domains* leave out subdomains with neither mail accounts nor forwarders
//! (an addon's backing subdomain is never one) and add the server hostname (the lines cPanel
//! writes for every new domain are no forwarders: [`Server::has_forwarders`]); *server
//! addresses* come from every source listed in [`Identity`], IPv6 included (the userdata `ipv6`
//! address of an account: an AAAA record pointing at it points at this server).

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;

use crate::clock::Utc;
use crate::parse::{
    SyntaxError, colonmap::ColonMap, filter::Filter, iplist::IpList, keyvalue::KeyValueFile,
    mailacct, userdata, valiases::Aliases,
};
use crate::source::SourceFile;
use crate::source::{Files, Loc};
use crate::tree::{RootKind, Skip};

pub mod caches;
pub mod dkim;
pub mod dns;
pub mod exim;
pub mod lists;
mod load;
pub mod logs;
pub mod mail;
pub mod modes;
mod needs;
pub mod public;
pub mod scope;
pub mod spf;
pub mod txt;

pub use lists::RoutingList;
pub use load::load;
pub use needs::Needs;
pub use scope::load_scoped;

/// A parsed file with its source.
#[derive(Clone, Debug)]
pub struct Parsed<T> {
    pub src: Arc<SourceFile>,
    pub doc: T,
}

impl<T> Parsed<T> {
    pub fn path(&self) -> &str {
        self.src.path()
    }

    pub fn loc(&self, span: crate::source::Span) -> Loc {
        Loc::new(self.src.path(), span)
    }
}

/// A syntax error in a file, with the name of the format it was read as.
#[derive(Clone, Debug)]
pub struct ParseProblem {
    pub file: String,
    /// What the file is, in words ("domain list", "cPanel user file").
    pub format: &'static str,
    pub error: SyntaxError,
}

/// The three routing lists (cpanel.md §2.3), each with Exim's reading of it ([`lists`]).
/// `None` when the file does not exist.
#[derive(Clone, Debug, Default)]
pub struct RoutingLists {
    pub local: Option<RoutingList>,
    pub remote: Option<RoutingList>,
    pub secondary: Option<RoutingList>,
}

impl RoutingLists {
    pub fn iter(&self) -> impl Iterator<Item = &RoutingList> {
        [&self.local, &self.remote, &self.secondary]
            .into_iter()
            .flatten()
    }

    /// Whether Exim lists the domain in `etc/localdomains` (RULES.md, Terms: "List membership").
    pub fn in_local(&self, domain: &str) -> bool {
        lists::list_contains(self.local.as_ref(), domain)
    }

    /// Whether `etc/remotedomains` lists the domain, read as Exim reads the other two lists.
    pub fn in_remote(&self, domain: &str) -> bool {
        lists::list_contains(self.remote.as_ref(), domain)
    }

    /// Whether Exim lists the domain in `etc/secondarymx`.
    pub fn in_secondary(&self, domain: &str) -> bool {
        lists::list_contains(self.secondary.as_ref(), domain)
    }

    /// The configured routing (RULES.md "Terms"): local if in `etc/localdomains` (whatever
    /// else), secondary if in `etc/remotedomains` and `etc/secondarymx`, remote if in
    /// `etc/remotedomains` alone, else none.
    pub fn configured(&self, domain: &str) -> Option<dns::Routing> {
        if self.in_local(domain) {
            Some(dns::Routing::Local)
        } else if self.in_remote(domain) {
            Some(if self.in_secondary(domain) {
                dns::Routing::Secondary
            } else {
                dns::Routing::Remote
            })
        } else {
            None
        }
    }

    /// The first key of a list that lists `domain`.
    pub fn entry<'a>(
        list: Option<&'a RoutingList>,
        domain: &str,
    ) -> Option<(&'a RoutingList, crate::source::Span)> {
        let list = list?;
        list.key_span(domain).map(|span| (list, span))
    }
}

/// The manual Email Routing setting of a domain (cpuser `MXCHECK-<domain>`, cpanel.md §2.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Manual {
    /// No key, or `auto`: "Automatically Detect Configuration".
    Auto,
    /// `0` or `local`.
    Local,
    Remote,
    Secondary,
    /// `1` or `2`: legacy values, read differently by cPanel's restore and live code.
    Legacy,
    /// Anything else.
    Invalid,
}

impl Manual {
    /// The setting cPanel reads from a stored value. cPanel compares the value exactly, as its
    /// cpuser reader returns it (cpanel.md §2.1, §2.2): white space after the `=` and a final
    /// `\r` stay in the value, so ` remote`, `remote ` and `0\r` are values it does not
    /// understand, like an empty value (a key without `=` is no setting at all: see
    /// [`MxCheck`]).
    pub fn from_value(v: &str) -> Manual {
        match v {
            "auto" => Manual::Auto,
            "0" | "local" => Manual::Local,
            "remote" => Manual::Remote,
            // `backup` is cPanel's input alias of secondary; its routing code reads both.
            "secondary" | "backup" => Manual::Secondary,
            "1" | "2" => Manual::Legacy,
            _ => Manual::Invalid,
        }
    }
}

/// One `MXCHECK-<domain>=value` line of a cpuser file.
#[derive(Clone, Debug)]
pub struct MxCheck {
    /// The domain of the key, as written (cPanel writes it in lower case).
    pub domain: String,
    /// The value exactly as cPanel's reader returns it: everything after the first `=`, white
    /// space and a final `\r` included. Empty for a key without `=`, which cPanel's reader
    /// skips (its setting is [`Manual::Auto`]).
    pub value: String,
    pub setting: Manual,
    /// The whole line (for removal), the key and the value.
    pub line: Loc,
    pub key: Loc,
    pub value_loc: Loc,
}

/// How a domain belongs to its account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DomainKind {
    Main,
    /// An addon domain, with the subdomain that backs it.
    Addon {
        subdomain: String,
    },
    Parked,
    Sub,
    /// The subdomain created to back an addon domain (not a mail domain).
    AddonBacking {
        addon: String,
    },
    /// Listed in the cpuser file only; userdata does not say which kind.
    Other,
}

impl DomainKind {
    pub fn describe(&self) -> &'static str {
        match self {
            DomainKind::Main => "main domain",
            DomainKind::Addon { .. } => "addon domain",
            DomainKind::Parked => "parked domain",
            DomainKind::Sub => "subdomain",
            DomainKind::AddonBacking { .. } => "subdomain backing an addon domain",
            DomainKind::Other => "domain",
        }
    }

    pub fn is_subdomain(&self) -> bool {
        matches!(self, DomainKind::Sub | DomainKind::AddonBacking { .. })
    }
}

/// An account domain.
#[derive(Clone, Debug)]
pub struct DomainInfo {
    pub name: String,
    pub user: String,
    pub kind: DomainKind,
    /// Where the account declares it (the cpuser `DNS` line, else userdata).
    pub decl: Option<Loc>,
}

/// The mail account files of one domain of an account: `HOME/etc/DOMAIN/{passwd,shadow,quota}`,
/// and the mailbox directories of `HOME/mail/DOMAIN/`.
#[derive(Clone, Debug, Default)]
pub struct MailFiles {
    pub passwd: Option<Parsed<mailacct::PasswdFile>>,
    pub shadow: Option<Parsed<mailacct::ShadowFile>>,
    pub quota: Option<Parsed<mailacct::QuotaFile>>,
    /// Names of the directories in `HOME/mail/DOMAIN/`: Exim delivers to a local part when its
    /// directory exists there (cpanel.md §5.1). Symlinks and other entries are not included.
    pub mailbox_dirs: BTreeSet<String>,
    /// The entries of `HOME/mail/DOMAIN/` that are directories, symlinks or special files, by
    /// name, when a mailbox rule is selected ([`mail::Scan`]); walked and sized with
    /// [`mail::Scan::Usage`].
    pub mailboxes: mail::Mailboxes,
    /// Whether `HOME/mail/DOMAIN/` was listed for `mailboxes`.
    pub mailbox_listing: mail::Listing,
    /// Per-mailbox Exim filters `HOME/etc/DOMAIN/LOCALPART/filter`, by local part (read for
    /// the mail accounts of `shadow`).
    pub filters: BTreeMap<String, Parsed<Filter>>,
    /// The listing of `HOME/mail/DOMAIN/` read for `mailbox_dirs`, kept until the mailbox walk
    /// takes it (when a mailbox rule is selected), so that the directory is listed once.
    pub(crate) listing: Option<crate::tree::Lookup<Vec<crate::tree::DirEntry>>>,
}

impl MailFiles {
    /// Whether Exim would deliver to `local` (its mailbox directory exists).
    pub fn mailbox_exists(&self, local: &str) -> bool {
        self.mailbox_dirs.contains(local)
    }
}

impl MailFiles {
    /// Local parts of the mail accounts cPanel lists (from `shadow`).
    pub fn accounts(&self) -> impl Iterator<Item = &str> {
        self.shadow
            .iter()
            .flat_map(|s| s.doc.entries().map(|e| e.local_part.as_str()))
    }

    pub fn has_accounts(&self) -> bool {
        self.accounts().next().is_some()
    }
}

/// A cPanel account.
#[derive(Clone, Debug, Default)]
pub struct Account {
    pub user: String,
    /// `var/cpanel/users/USER`.
    pub cpuser: Option<Parsed<KeyValueFile>>,
    /// `var/cpanel/users.cache/USER`, when present.
    pub cpuser_cache: Option<Arc<SourceFile>>,
    /// Modification times (seconds) of the cpuser file and of its cache, when a rule needs
    /// them ([`Needs::CACHES`]) and the files were read from disk.
    pub cpuser_mtime: Option<i64>,
    pub cpuser_cache_mtime: Option<i64>,
    /// `var/cpanel/userdata/USER/NAME.cache` of the userdata files read, with them
    /// ([`Needs::CACHES`]).
    pub userdata_caches: Vec<caches::UserdataCache>,
    /// `var/cpanel/userdata/USER/main`, read into its typed view (the YAML tree is not kept).
    pub main: Option<Parsed<userdata::UserdataMain>>,
    /// Per-domain userdata files (`…/DOMAIN`, not `_SSL`), by domain, read into typed views.
    pub vhosts: BTreeMap<String, Box<Parsed<userdata::UserdataDomain>>>,
    /// The home directory as a logical path (`home1/bob`), from userdata `homedir`.
    pub home: Option<String>,
    pub main_domain: Option<String>,
    /// cpuser `OWNER` (the reseller; `root` when none).
    pub owner: Option<String>,
    /// `MXCHECK-<domain>` lines by domain (the last one wins, as in cPanel's reader).
    pub mxcheck: BTreeMap<String, Box<MxCheck>>,
    /// `MXCHECK-` lines with white space before the key: cPanel's reader keeps that white space
    /// in the key, so these lines set nothing (RT007 reports them).
    pub indented_mxcheck: Vec<MxCheck>,
    /// Mail account files by domain. (The per-account maps box their values: a B-tree node
    /// holds room for eleven values, and most accounts have one or two domains.)
    pub mail: BTreeMap<String, Box<MailFiles>>,
    /// The default mailbox `HOME/mail/`, walked with [`mail::Scan::Usage`].
    pub default_mailbox: Option<mail::Mailbox>,
    /// `HOME/etc/filter`: the main account's Exim filter.
    pub filter: Option<Parsed<Filter>>,
}

impl Account {
    /// The manual routing setting of a domain of this account.
    pub fn manual(&self, domain: &str) -> Manual {
        self.mxcheck.get(domain).map_or(Manual::Auto, |m| m.setting)
    }
}

/// A DKIM public key file that parsed as PEM.
#[derive(Clone, Debug)]
pub struct DkimKey {
    pub file: Arc<SourceFile>,
    pub pem: crate::parse::pem::Pem,
    /// The key's algorithm and size, or why the DER is not a public key.
    pub key: Result<crate::der::PublicKey, crate::der::DerError>,
}

/// Where a server address comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AddrSource {
    /// A line of a file (`var/cpanel/mainip`, `etc/ips`, `etc/ips.remotemail`,
    /// `var/cpanel/cpnat`, a userdata `ip` or `ipv6` address).
    File(Loc),
    /// `maillint.toml [server] ips`.
    Config,
    /// `--server-ip`.
    CommandLine,
}

/// A value with where it comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sourced<T> {
    pub value: T,
    /// `None` when it comes from the configuration or the command line.
    pub loc: Option<Loc>,
}

/// Where the server's host name was taken from. maillint looks in this order and takes the
/// first it finds (`load::build_identity`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostnameSource {
    /// `--hostname` or `maillint.toml [server] hostname`.
    Configured,
    /// `etc/wwwacct.conf` `HOST`, which WHM's Change Hostname writes.
    Wwwacct,
    /// Exim's `primary_hostname` in the main section of `etc/exim.conf` (set through
    /// `etc/exim.conf.local`; cPanel's generated file leaves it unset by default).
    EximPrimaryHostname,
    /// The default line `*: name` of `etc/mailhelo`: the name Exim greets other servers with,
    /// which cPanel sets to the host name unless a custom HELO is configured.
    MailHelo,
    /// `etc/hostname`: the kernel host name, which cPanel itself reads (through `uname`) when it
    /// needs the host name.
    EtcHostname,
}

impl HostnameSource {
    /// Where the host name was read, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            HostnameSource::Configured => "the configuration",
            HostnameSource::Wwwacct => "HOST in etc/wwwacct.conf",
            HostnameSource::EximPrimaryHostname => "Exim's primary_hostname in etc/exim.conf",
            HostnameSource::MailHelo => "the default HELO name of etc/mailhelo",
            HostnameSource::EtcHostname => "etc/hostname",
        }
    }
}

/// The server's identity: its addresses, host name, name servers and mail gateways.
#[derive(Clone, Debug, Default)]
pub struct Identity {
    pub addresses: BTreeMap<IpAddr, Vec<AddrSource>>,
    /// `var/cpanel/mainip`.
    pub main_ip: Option<IpAddr>,
    pub hostname: Option<Sourced<String>>,
    /// Where [`Identity::hostname`] comes from.
    pub hostname_source: Option<HostnameSource>,
    /// Every name the tree states as the host name, in the order of [`HostnameSource`] (the
    /// first is [`Identity::hostname`]); the later places are read only with the list rules.
    pub stated_hostnames: Vec<(Sourced<String>, HostnameSource)>,
    /// `etc/wwwacct.conf` `NS`, `NS2`… and `[server] nameservers`, lower-cased, no final dot.
    pub nameservers: Vec<Sourced<String>>,
    /// `[server] gateway_mx` patterns (`*.mailfilter.example`).
    pub gateway_mx: Vec<String>,
}

impl Identity {
    /// The names of [`Identity::nameservers`].
    pub fn nameserver_names(&self) -> Vec<&str> {
        self.nameservers.iter().map(|n| n.value.as_str()).collect()
    }

    /// Whether `name` (lower-cased, no final dot) is one of this server's name servers.
    pub fn is_own_nameserver(&self, name: &str) -> bool {
        self.nameservers.iter().any(|n| n.value == name)
    }

    pub fn is_server_address(&self, ip: &IpAddr) -> bool {
        self.addresses.contains_key(ip)
    }

    /// Whether a host name matches a `gateway_mx` pattern (exact, or `*.` for any subdomain).
    pub fn is_gateway(&self, host: &str) -> bool {
        self.gateway_mx.iter().any(|p| match p.strip_prefix("*.") {
            Some(base) => host
                .strip_suffix(base)
                .is_some_and(|rest| rest.len() > 1 && rest.ends_with('.')),
            None => host == p,
        })
    }

    pub fn is_hostname(&self, name: &str) -> bool {
        self.hostname.as_ref().is_some_and(|h| h.value == name)
    }

    /// Whether any place of the tree states `name` as the server's host name (see
    /// [`Identity::stated_hostnames`]).
    pub fn states_hostname(&self, name: &str) -> bool {
        self.is_hostname(name) || self.stated_hostnames.iter().any(|(h, _)| h.value == name)
    }
}

/// Files that list server addresses.
#[derive(Clone, Debug, Default)]
pub struct AddressFiles {
    pub mainip: Option<Parsed<IpList>>,
    pub ips: Option<Parsed<IpList>>,
    pub remotemail: Option<Parsed<IpList>>,
    pub cpnat: Option<Parsed<IpList>>,
}

/// The whole server.
#[derive(Debug, Default)]
pub struct Server {
    /// The root as the user gave it.
    pub root: String,
    /// The root directory on disk (the archive file in archive mode).
    pub root_dir: PathBuf,
    pub root_kind: Option<RootKind>,
    /// The account of an account backup.
    pub backup_user: Option<String>,
    /// Every file read, by display path.
    pub files: Files,
    pub parse_problems: Vec<ParseProblem>,
    /// What the tree refused to read.
    pub skipped: Vec<Skip>,
    pub options: Options,
    /// The TXT records of the local zones, read when the zones were loaded.
    pub txt: txt::TxtIndex,

    pub lists: RoutingLists,
    pub manualmx: Option<Parsed<ColonMap>>,
    pub userdomains: Option<Parsed<ColonMap>>,
    pub trueuserdomains: Option<Parsed<ColonMap>>,
    pub domainusers: Option<Parsed<ColonMap>>,
    pub mailips: Option<Parsed<ColonMap>>,
    pub mailhelo: Option<Parsed<ColonMap>>,
    pub wwwacct: Option<Parsed<KeyValueFile>>,
    pub cpanel_config: Option<Parsed<KeyValueFile>>,
    /// `var/cpanel/maxemailsperhour`: the server's default hourly send limit as cPanel enforces
    /// it (written from cpanel.config's `maxemailsperhour`), when present and the send-limit
    /// rule is selected.
    pub maxemailsperhour: Option<Arc<SourceFile>>,
    pub address_files: AddressFiles,
    pub identity: Identity,

    pub accounts: BTreeMap<String, Account>,
    /// Every account domain, by name.
    pub domains: BTreeMap<String, DomainInfo>,

    /// The directory of the zone files (`var/named`, or `etc/namedb`, cpanel.md §4).
    pub zone_dir: String,
    /// Local zones by name (the file name without `.db`, lower-cased): the zone files that
    /// parse. Rules judge only these (see [`Server::unusable_zones`]).
    pub zones: BTreeMap<String, Parsed<crate::parse::zone::Zone>>,
    /// Zone files that do not parse, by name: files with at least one syntax error (each is a
    /// CP001 finding), a binary or undecodable file included.
    ///
    /// BIND refuses to load a zone file with any syntax error (`named-checkzone` rejects it;
    /// `named` keeps serving the last version it loaded, or nothing), so what DNS says about
    /// the domain is not what the file says, and an edit of the file does not make it load. Such
    /// a zone is *unusable*: no rule judges its records (MX, SPF, DKIM, DMARC, RT011), routing
    /// detection is undecided for the names it holds ([`dns::Undecided::UnusableZone`]), names
    /// in it resolve to [`dns::Resolution::Unusable`], and no fix writes into it. It still
    /// holds its names: [`Server::zone_of`] does not fall back to a parent zone for them.
    ///
    /// One thing BIND also refuses is deliberately not a syntax error here, because a rule
    /// reports it with a fix that makes the zone load: a TXT character-string over 255 bytes
    /// (SPF008). (A DKIM record that lost its quoting half-way is no syntax error for BIND
    /// either: it loads as two strings, and DKIM004 reports it.)
    pub unusable_zones: BTreeMap<String, Parsed<crate::parse::zone::Zone>>,

    /// `etc/valiases/DOMAIN` by domain.
    pub valiases: BTreeMap<String, Parsed<Aliases>>,
    /// `etc/vdomainaliases/DOMAIN` by domain.
    pub vdomainaliases: BTreeMap<String, Parsed<Aliases>>,
    /// `etc/vfilters/DOMAIN` by domain: the account's Exim filters for the domain.
    pub vfilters: BTreeMap<String, Parsed<Filter>>,

    /// DKIM public keys (`var/cpanel/domain_keys/public/DOMAIN`), by domain: the keys Exim signs
    /// with (cPanel keeps the private half next to them; maillint never reads it).
    pub dkim_keys: BTreeMap<String, DkimKey>,

    /// `etc/exim.conf.localopts`.
    pub exim_localopts: Option<Parsed<KeyValueFile>>,
    /// `etc/exim.conf.localopts.shadow` (read by cPanel after `localopts`).
    pub exim_localopts_shadow: Option<Parsed<KeyValueFile>>,
    /// `etc/exim.conf.local` (WHM's Advanced Editor).
    pub exim_local: Option<Parsed<crate::parse::exim::local::LocalConf>>,
    /// Names of the `exim` and `exim-*` entries of `etc/chkserv.d` (cPanel's "Exim on another
    /// port" is the name `exim-PORTS`), sorted.
    pub exim_chkserv: Vec<String>,
    /// `etc/exim.conf` with its includes, macros and conditionals resolved.
    pub exim: Option<crate::parse::exim::Config>,
    /// Owners and modes of the files that decide where mail goes ([`Needs::PERMISSIONS`], on
    /// a server tree).
    pub modes: Option<modes::Modes>,
    /// What the mail logs say ([`Needs::LOGS`]), when logs were read (none with `--no-logs`).
    pub logs: Option<logs::Logs>,
    /// What public DNS says (`--resolve`), gathered before the rules run; `None` offline.
    pub public: Option<Arc<crate::dns::PublicView>>,
}

impl Server {
    /// The display path of a file of the Exim configuration.
    pub fn exim_path(&self, file: usize) -> &str {
        self.exim
            .as_ref()
            .and_then(|c| c.files.get(file))
            .map_or("etc/exim.conf", |f| f.source.path())
    }

    /// A location of the Exim configuration as a finding location.
    pub fn exim_loc(&self, loc: crate::parse::exim::Loc) -> Loc {
        Loc::new(self.exim_path(loc.file), loc.span)
    }
}

/// Whether a default address (`*:` line) is one cPanel writes for every new domain: the Tweak
/// Setting `defaultmailaction` gives `*: <the account's user>` (the default), `*: :fail: No Such
/// User Here` or `*: :blackhole:` (cpanel.md §3.2). `owner` is the account that owns the domain
/// (`None` when unknown: then no local user is taken for cPanel's default).
pub fn is_default_catch_all(e: &crate::parse::valiases::AliasEntry, owner: Option<&str>) -> bool {
    use crate::parse::valiases::DestKind;
    match e.destinations.as_slice() {
        [d] => match &d.kind {
            DestKind::LocalUser(u) => owner == Some(u.as_str()),
            DestKind::Fail(text) => text.trim() == "No Such User Here",
            DestKind::Blackhole => true,
            _ => false,
        },
        _ => false,
    }
}

/// The default POP mailbox limit (MBX001): 100 MiB.
pub const DEFAULT_POP_MAX_BYTES: u64 = 100 * 1024 * 1024;

/// What the model takes from the configuration and the command line.
#[derive(Clone, Debug)]
pub struct Options {
    /// Addresses added to what the tree says: `[server] ips`, then `--server-ip`.
    pub config_ips: Vec<IpAddr>,
    pub server_ips: Vec<IpAddr>,
    /// The host name, overriding the tree (`[server] hostname`, `--hostname`).
    pub hostname: Option<String>,
    pub nameservers: Vec<String>,
    pub gateway_mx: Vec<String>,
    pub pop_max_bytes: u64,
    /// What to load: what the selected rules need.
    pub needs: Needs,
    /// Told how the mailbox walk advances.
    pub progress: Option<mail::ProgressHook>,
    /// The day of the run: fixes write it into SOA serials (`YYYYMMDDnn`). Rules never read the
    /// clock; the command line sets this once.
    pub today: Utc,
    /// Which mail logs to read, and the period (`--logs`, `--no-logs`, `--since`).
    pub logs: logs::LogOptions,
    /// A scoped run (`--domain`, the hook): only these accounts and these domains' files are
    /// read ([`scope`]); `None` reads the whole server.
    pub scope: Option<Arc<scope::Scope>>,
}

/// Everything loaded, no identity beyond the tree, the 100 MiB POP threshold, and the Unix
/// epoch as "today" (the command line sets the real day).
impl Default for Options {
    fn default() -> Options {
        Options {
            config_ips: Vec::new(),
            server_ips: Vec::new(),
            hostname: None,
            nameservers: Vec::new(),
            gateway_mx: Vec::new(),
            pop_max_bytes: DEFAULT_POP_MAX_BYTES,
            needs: Needs::ALL,
            progress: None,
            today: Utc::from_unix(0),
            logs: logs::LogOptions::default(),
            scope: None,
        }
    }
}

impl Server {
    /// Whether the model holds what concerns this domain: always, unless the run is scoped
    /// ([`scope`]) and the domain is outside its scope. A rule that walks a server-wide file
    /// (a routing list) may skip the entries of other domains: a scoped run reports none of
    /// their findings.
    pub fn in_scope(&self, domain: &str) -> bool {
        self.options
            .scope
            .as_ref()
            .is_none_or(|sc| sc.domains.contains(domain))
    }

    pub fn account_count(&self) -> usize {
        self.accounts.len()
    }

    pub fn domain_count(&self) -> usize {
        self.domains.len()
    }

    /// Whether the tree is read from an archive (fixes cannot be written there).
    pub fn is_archive(&self) -> bool {
        self.root_kind == Some(RootKind::AccountArchive)
    }

    /// Whether the tree is one account's backup rather than a whole server.
    pub fn is_account_backup(&self) -> bool {
        matches!(
            self.root_kind,
            Some(RootKind::AccountDir | RootKind::AccountArchive)
        )
    }

    /// The root directory on disk.
    pub fn root_dir(&self) -> &std::path::Path {
        &self.root_dir
    }

    /// Display paths of directories maillint never writes into (account homes).
    pub fn protected_dirs(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .accounts
            .values()
            .filter_map(|a| a.home.clone())
            .collect();
        if self.is_account_backup() {
            v.push("homedir".into());
        }
        v
    }

    pub fn account_of(&self, domain: &str) -> Option<&Account> {
        self.domains
            .get(domain)
            .and_then(|d| self.accounts.get(&d.user))
    }

    /// The mail account files of a domain, if its account has any.
    pub fn mail_files(&self, domain: &str) -> Option<&MailFiles> {
        self.account_of(domain)
            .and_then(|a| a.mail.get(domain).map(|m| &**m))
    }

    /// Whether a domain has forwarders: a line of `etc/valiases/DOMAIN` that Exim can match for
    /// an address of the domain (a full-address key of the domain), a default address (`*:`)
    /// other than the ones cPanel writes for every new domain ([`is_default_catch_all`]), or a
    /// domain forwarding line in `etc/vdomainaliases/DOMAIN`.
    ///
    /// cPanel creates, for every domain it adds (account creation, addon, parked and
    /// subdomains), `etc/valiases/DOMAIN` with the single line `*: <default action>`, and empty
    /// `etc/vdomainaliases/DOMAIN` and `etc/vfilters/DOMAIN` (cpanel.md §3.2–3.4): those files
    /// say nothing about the domain receiving mail, so they do not make a subdomain a mail
    /// domain.
    pub fn has_forwarders(&self, domain: &str) -> bool {
        let owner = self.domains.get(domain).map(|d| d.user.as_str());
        let forwards = self.valiases.get(domain).is_some_and(|v| {
            v.doc.entries().filter(|e| !e.indented).any(|e| {
                if e.is_catch_all() {
                    !is_default_catch_all(e, owner)
                } else {
                    e.key_domain() == Some(domain)
                }
            })
        });
        forwards
            || self.vdomainaliases.get(domain).is_some_and(|v| {
                v.doc
                    .entries()
                    .any(|e| !e.indented && e.key.eq_ignore_ascii_case(domain))
            })
    }

    /// Whether an account domain is a mail domain (RULES.md "Terms").
    pub fn is_mail_domain(&self, domain: &str) -> bool {
        if self.identity.is_hostname(domain) {
            return true;
        }
        match self.domains.get(domain) {
            None => false,
            Some(d) => match &d.kind {
                DomainKind::AddonBacking { .. } => false,
                DomainKind::Sub => {
                    self.mail_files(domain).is_some_and(MailFiles::has_accounts)
                        || self.has_forwarders(domain)
                }
                _ => true,
            },
        }
    }

    /// Every mail domain, sorted.
    pub fn mail_domains(&self) -> BTreeSet<String> {
        let mut set: BTreeSet<String> = self
            .domains
            .keys()
            .filter(|d| self.is_mail_domain(d))
            .cloned()
            .collect();
        if let Some(h) = &self.identity.hostname {
            set.insert(h.value.clone());
        }
        set
    }

    /// Records a file read and returns it shared.
    pub(crate) fn add_file(&mut self, src: Arc<SourceFile>) {
        self.files.insert(src);
    }
}
