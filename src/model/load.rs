//! Building the model from the tree.
//!
//! Order matters for safety: account homes are learnt from userdata and registered with the
//! tree ([`Tree::add_home`]) before anything is read from them, so that no symlink inside a home
//! is ever followed. Per-account and per-domain files are read and parsed in parallel (rayon);
//! results are merged in a fixed order, so the model is the same whatever the scheduling.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;

use crate::model::txt::{TxtIndex, ZoneTxt};
use crate::model::{
    Account, AddrSource, DomainInfo, DomainKind, HostnameSource, MailFiles, Manual, MxCheck, Needs,
    Options, ParseProblem, Parsed, RoutingList, Server, Sourced,
};
use crate::parse::keyvalue::{Dialect as KvDialect, KeyValueFile, KvLineKind};
use crate::parse::{
    Document, colonmap, domainlist, exim, filter, iplist, keyvalue, mailacct, userdata, valiases,
    zone,
};
use crate::source::Loc;
use crate::source::SourceFile;
use crate::tree::{self, Overlay, Tree};

/// Reads through the tree, with files of the overlay (fixes applied in memory) in place of the
/// files on disk.
struct Reader<'a> {
    tree: &'a Tree,
    overlay: &'a Overlay,
}

/// A file read and parsed, with what goes into the server.
struct Out<T> {
    parsed: Parsed<T>,
    problems: Vec<ParseProblem>,
}

impl Reader<'_> {
    fn overlay_file(&self, display: Option<String>) -> Option<Option<SourceFile>> {
        let display = display?;
        self.overlay.get(&display).map(|c| {
            c.as_ref()
                .map(|bytes| SourceFile::new(display.clone(), bytes.clone()))
        })
    }

    /// A file with its modification time (seconds); `None` for the time of a file of the
    /// overlay.
    fn read_timed(&self, logical: &str) -> Option<(SourceFile, Option<i64>)> {
        if let Some(o) = self.overlay_file(self.tree.display_path(logical)) {
            return o.map(|src| (src, None));
        }
        self.tree
            .read(logical)
            .found()
            .map(|d| (d.source, Some(d.meta.mtime.secs)))
    }

    fn read(&self, logical: &str) -> Option<SourceFile> {
        if let Some(o) = self.overlay_file(self.tree.display_path(logical)) {
            return o;
        }
        self.tree.read(logical).found().map(|d| d.source)
    }

    fn read_in_home(&self, home: &str, rel: &str) -> Option<SourceFile> {
        if let Some(o) = self.overlay_file(self.tree.display_path_in_home(home, rel)) {
            return o;
        }
        self.tree.read_in_home(home, rel).found().map(|d| d.source)
    }

    /// Names of the regular files (and, with `dirs`, directories) of a directory, sorted;
    /// symlinks and special files are left out (the tree reports them when they are read).
    fn list(&self, logical: &str, dirs: bool) -> Vec<String> {
        names(self.tree.read_dir(logical).found(), dirs)
    }

    fn list_in_home(&self, home: &str, rel: &str, dirs: bool) -> Vec<String> {
        names(self.tree.read_dir_in_home(home, rel).found(), dirs)
    }
}

/// The scope of a scoped run, unless the root is an account backup (one account: read whole).
fn scope(opts: &Options) -> Option<&crate::model::scope::Scope> {
    opts.scope.as_deref()
}

/// The names `NAME{suffix}` of `dir` that exist (as anything: a symlink or special file is
/// listed so that reading it reports it, as [`names`] does), sorted: the scoped run's stand-in
/// for listing a directory of thousands of entries.
fn present<'a>(
    r: &Reader<'_>,
    dir: &str,
    wanted: impl Iterator<Item = &'a String>,
    suffix: &str,
) -> Vec<String> {
    let mut out: Vec<String> = wanted
        .map(|n| format!("{n}{suffix}"))
        .filter(|n| valid_name(n) && !n.starts_with('.'))
        // As a listing, the disk's entries (a file of the overlay is read in their place).
        .filter(|n| r.tree.stat(&format!("{dir}/{n}")).found().is_some())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The entries of a per-domain directory (`etc/valiases`, zones, DKIM keys…): all of them, or
/// in a scoped run those of its domains.
fn domain_files(r: &Reader<'_>, opts: &Options, dir: &str, suffix: &str) -> Vec<String> {
    match scope(opts) {
        Some(sc) => present(r, dir, sc.domains.iter(), suffix),
        None => r.list(dir, false),
    }
}

fn names(entries: Option<Vec<tree::DirEntry>>, dirs: bool) -> Vec<String> {
    entries
        .unwrap_or_default()
        .into_iter()
        .filter(|e| {
            e.kind == tree::Kind::File || (dirs && e.kind == tree::Kind::Dir)
                // Symlinks and special files are listed so that reading them reports CP006.
                || !matches!(e.kind, tree::Kind::File | tree::Kind::Dir)
        })
        .filter_map(|e| e.name_str().map(str::to_string))
        .filter(|n| !n.starts_with('.'))
        .collect()
}

/// Reads a file with its parser and keeps its syntax errors as parse problems of `format`.
fn parsed<T: Document>(
    got: Option<SourceFile>,
    format: &'static str,
    parse: impl FnOnce(&SourceFile) -> T,
) -> Option<Out<T>> {
    let src = got?;
    let doc = parse(&src);
    let problems = doc
        .syntax_errors()
        .into_iter()
        .map(|error| ParseProblem {
            file: src.path().to_string(),
            format,
            error,
        })
        .collect();
    Some(Out {
        parsed: Parsed {
            src: Arc::new(src),
            doc,
        },
        problems,
    })
}

impl Server {
    /// Takes a parsed file into the server (its source, metadata and syntax errors).
    fn take<T>(&mut self, out: Option<Out<T>>) -> Option<Parsed<T>> {
        let out = out?;
        self.add_file(out.parsed.src.clone());
        self.parse_problems.extend(out.problems);
        Some(out.parsed)
    }
}

fn domain_list(r: &Reader<'_>, logical: &str) -> Option<Out<domainlist::DomainList>> {
    parsed(r.read(logical), "domain list", domainlist::parse)
}

fn colon_map(r: &Reader<'_>, logical: &str) -> Option<Out<colonmap::ColonMap>> {
    parsed(r.read(logical), "`name: value` file", colonmap::parse)
}

fn key_value(
    got: Option<SourceFile>,
    dialect: KvDialect,
    format: &'static str,
) -> Option<Out<KeyValueFile>> {
    parsed(got, format, |s| keyvalue::parse(s, dialect))
}

fn ip_list(r: &Reader<'_>, logical: &str, dialect: iplist::Dialect) -> Option<Out<iplist::IpList>> {
    parsed(r.read(logical), "address file", |s| {
        iplist::parse(s, dialect)
    })
}

fn aliases(got: Option<SourceFile>, flavor: valiases::Flavor) -> Option<Out<valiases::Aliases>> {
    parsed(got, "forwarder file", |s| valiases::parse(s, flavor))
}

/// A userdata file read into its typed view (`view` of the parsed YAML tree). The tree itself is
/// dropped here, in the worker that parsed it: nothing after the load reads it, and on a server
/// with thousands of accounts the trees are a large share of the memory.
fn yaml<V>(got: Option<SourceFile>, view: impl FnOnce(&userdata::YamlDoc) -> V) -> Option<Out<V>> {
    yaml_and_data(got, view, false).map(|(o, _)| o)
}

/// [`yaml`], and with `data`, the document as data (for comparing with its cache).
fn yaml_and_data<V>(
    got: Option<SourceFile>,
    view: impl FnOnce(&userdata::YamlDoc) -> V,
    data: bool,
) -> Option<(Out<V>, Option<serde_json::Value>)> {
    let out = parsed(got, "cPanel userdata file", userdata::parse)?;
    let value = data.then(|| crate::model::caches::yaml_doc_value(&out.parsed.doc));
    Some((
        Out {
            parsed: Parsed {
                doc: view(&out.parsed.doc),
                src: out.parsed.src,
            },
            problems: out.problems,
        },
        value,
    ))
}

/// What is read per account before homes are known.
struct AccountOut {
    user: String,
    cpuser: Option<Out<KeyValueFile>>,
    cpuser_mtime: Option<i64>,
    cache: Option<SourceFile>,
    cache_mtime: Option<i64>,
    main: Option<Out<userdata::UserdataMain>>,
    vhosts: Vec<(String, Out<userdata::UserdataDomain>)>,
    userdata_caches: Vec<crate::model::caches::UserdataCache>,
}

/// A userdata YAML file read, and with `caches`, its `.cache` beside it.
fn userdata_file<V>(
    r: &Reader<'_>,
    path: &str,
    view: impl FnOnce(&userdata::YamlDoc) -> V,
    caches: bool,
    out: &mut Vec<crate::model::caches::UserdataCache>,
) -> Option<Out<V>> {
    if !caches {
        return yaml(r.read(path), view);
    }
    let (src, mtime) = match r.read_timed(path) {
        Some((s, t)) => (Some(s), t),
        None => (None, None),
    };
    let (o, data) = yaml_and_data(src, view, true)?;
    if let Some((cache, cache_mtime)) = r.read_timed(&format!("{path}.cache")) {
        out.push(crate::model::caches::UserdataCache {
            yaml: o.parsed.path().to_string(),
            yaml_mtime: mtime,
            data: data.unwrap_or_default(),
            cache: crate::model::caches::CacheFile {
                src: Arc::new(cache),
                mtime: cache_mtime,
            },
        });
    }
    Some(o)
}

fn read_account(r: &Reader<'_>, user: &str, caches: bool) -> AccountOut {
    let (cpuser_src, cpuser_mtime) = match r.read_timed(&format!("var/cpanel/users/{user}")) {
        Some((s, t)) => (Some(s), t),
        None => (None, None),
    };
    let cpuser = key_value(cpuser_src, KvDialect::Equals, "cPanel user file");
    let (cache, cache_mtime) = match r.read_timed(&format!("var/cpanel/users.cache/{user}")) {
        Some((s, t)) => (Some(s), t),
        None => (None, None),
    };
    let dir = format!("var/cpanel/userdata/{user}");
    let mut userdata_caches = Vec::new();
    let main = userdata_file(
        r,
        &format!("{dir}/main"),
        userdata::UserdataMain::from_doc,
        caches,
        &mut userdata_caches,
    );
    // The vhost files of the main domain and of the subdomains (addon domains have none).
    let mut wanted: Vec<String> = Vec::new();
    if let Some(m) = &main {
        let view = &m.parsed.doc;
        wanted.extend(view.main_domain.iter().map(|d| d.value.clone()));
        wanted.extend(view.sub_domains.iter().map(|d| d.value.clone()));
    }
    let vhosts = wanted
        .into_iter()
        .filter(|d| valid_name(d))
        .filter_map(|d| {
            userdata_file(
                r,
                &format!("{dir}/{d}"),
                userdata::UserdataDomain::from_doc,
                caches,
                &mut userdata_caches,
            )
            .map(|o| (d, o))
        })
        .collect();
    AccountOut {
        user: user.to_string(),
        cpuser,
        cpuser_mtime,
        cache,
        cache_mtime,
        main,
        vhosts,
        userdata_caches,
    }
}

/// Whether a name can be a path component (no `/`, not `.`/`..`, no control characters).
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && !name.contains('/')
        && !name.bytes().any(|b| b.is_ascii_control())
}

/// Reads the tree at `path` and builds the model; files of the overlay (fixes applied in
/// memory) replace the files on disk.
pub fn load(path: Option<&Path>, opts: &Options, overlay: &Overlay) -> Result<Server, String> {
    let root = tree::detect(path).map_err(|e| e.message)?;
    // An account backup holds one account: a scoped run reads it whole.
    let unscoped;
    let opts = if opts.scope.is_some()
        && matches!(
            root.kind,
            tree::RootKind::AccountDir | tree::RootKind::AccountArchive
        ) {
        unscoped = Options {
            scope: None,
            ..opts.clone()
        };
        &unscoped
    } else {
        opts
    };
    let r = Reader {
        tree: &root.tree,
        overlay,
    };
    let mut s = Server {
        root: root.display.clone(),
        root_dir: root.dir.clone(),
        root_kind: Some(root.kind),
        backup_user: root.user.clone(),
        options: opts.clone(),
        ..Server::default()
    };

    // Accounts first: their homes must be registered before anything else is read. A scoped
    // run reads only its accounts (those whose cpuser file exists).
    let users: Vec<String> = match scope(opts) {
        Some(sc) => present(&r, "var/cpanel/users", sc.users.iter(), ""),
        None => r.list("var/cpanel/users", false),
    }
    .into_iter()
    .filter(|u| valid_name(u))
    .collect();
    let caches = opts.needs.contains(Needs::CACHES);
    let outs: Vec<AccountOut> = users
        .par_iter()
        .map(|u| read_account(&r, u, caches))
        .collect();
    for out in outs {
        let account = build_account(&mut s, out);
        if let Some(home) = &account.home {
            root.tree.add_home(home);
        }
        s.accounts.insert(account.user.clone(), account);
    }

    // Only what the selected rules need (accounts, domains and the server's identity always).
    let needs = opts.needs;
    let mut extra_skips = home_entries(&s, &root.tree);
    read_system_files(&mut s, &r, opts);
    index_domains(&mut s);
    if needs.contains(Needs::MAIL_ACCOUNTS) {
        read_mail_files(&mut s, &r);
    }
    if needs.contains(Needs::FORWARDERS) {
        read_forwarders(&mut s, &r);
    }
    if needs.contains(Needs::FILTERS) {
        read_filters(&mut s, &r);
    }
    if needs.contains(Needs::ZONES) {
        read_zones(&mut s, &r);
    }
    if needs.contains(Needs::EXIM) {
        read_exim(&mut s, &r);
    }
    if needs.contains(Needs::DKIM_KEYS) {
        read_dkim_keys(&mut s, &r);
    }
    if needs.contains(Needs::PERMISSIONS) && !s.is_account_backup() {
        read_modes(&mut s, &r);
    }
    crate::model::mail::load(&mut s, &root.tree, &mut extra_skips);
    if needs.contains(Needs::LOGS) && !opts.logs.off {
        read_logs(&mut s, &root.tree);
    }

    extra_skips.extend(root.tree.skipped());
    extra_skips.sort();
    extra_skips.dedup();
    s.skipped = extra_skips;
    Ok(s)
}

/// Reads the mail logs for the period that ends at the run's clock (`--since` days back), counting
/// deliveries for the account domains and the server's host name.
fn read_logs(s: &mut Server, tree: &Tree) {
    let now = s.options.today.unix();
    let mut domains: std::collections::BTreeSet<String> =
        s.domains.keys().map(|d| d.to_ascii_lowercase()).collect();
    if let Some(h) = &s.identity.hostname {
        domains.insert(h.value.to_ascii_lowercase());
    }
    let scope = crate::model::logs::Scope {
        domains,
        since: now - i64::from(s.options.logs.since_days) * 86_400,
        now,
    };
    s.logs = Some(crate::model::logs::load(tree, &s.options.logs, &scope));
}

/// `HOME/mail` and `HOME/etc` must be directories: a symlink or special file there is reported
/// (CP006), never followed.
fn home_entries(s: &Server, tree: &Tree) -> Vec<tree::Skip> {
    let homes: Vec<&String> = s
        .accounts
        .values()
        .filter_map(|a| a.home.as_ref())
        .collect();
    homes
        .par_iter()
        .flat_map_iter(|home| home_entry(tree, home))
        .collect()
}

fn home_entry(tree: &Tree, home: &str) -> Vec<tree::Skip> {
    let mut out = Vec::new();
    for dir in ["mail", "etc"] {
        let Some(stat) = tree.stat_in_home(home, dir).found() else {
            continue;
        };
        let what = match stat.kind {
            tree::Kind::Dir => continue,
            tree::Kind::Symlink => "a symlink",
            tree::Kind::Fifo => "a FIFO",
            tree::Kind::Device => "a device",
            tree::Kind::Socket => "a socket",
            tree::Kind::File => "a file",
            tree::Kind::Other => "not a directory",
        };
        let path = tree
            .display_path_in_home(home, dir)
            .unwrap_or_else(|| format!("{home}/{dir}"));
        out.push(tree::Skip {
                path,
                kind: tree::SkipKind::SymlinkInUserTree,
                detail: format!(
                    "is {what} where the account's {dir} directory belongs; maillint does not follow or read it"
                ),
            });
    }
    out
}

fn build_account(s: &mut Server, out: AccountOut) -> Account {
    let mut a = Account {
        user: out.user,
        ..Account::default()
    };
    a.cpuser = s.take(out.cpuser);
    if let Some(src) = out.cache {
        let src = Arc::new(src);
        s.add_file(src.clone());
        a.cpuser_cache = Some(src);
    }
    a.cpuser_mtime = out.cpuser_mtime;
    a.cpuser_cache_mtime = out.cache_mtime;
    for c in &out.userdata_caches {
        s.add_file(c.cache.src.clone());
    }
    a.userdata_caches = out.userdata_caches;
    a.main = s.take(out.main);
    for (domain, o) in out.vhosts {
        if let Some(p) = s.take(Some(o)) {
            a.vhosts.insert(domain, Box::new(p));
        }
    }
    if let Some(cp) = &a.cpuser {
        a.owner = cp.doc.value("OWNER").map(|v| v.trim().to_string());
        a.main_domain = cp
            .doc
            .value("DNS")
            .map(|v| v.trim().to_ascii_lowercase())
            .filter(|v| !v.is_empty());
        for line in &cp.doc.lines {
            let KvLineKind::Entry(e) = &line.kind else {
                continue;
            };
            let Some(domain) = e.key.strip_prefix("MXCHECK-") else {
                continue;
            };
            // As cPanel's reader (cpanel.md §2.1): the value is everything after the first `=`,
            // white space included, and Perl's `chomp` removes only the `\n`, so a CRLF line
            // keeps its `\r`. A line without `=` is skipped: no setting.
            let (value_span, value, setting) = match &e.value {
                Some((span, v)) => {
                    let mut v = v.clone();
                    if e.has_cr {
                        v.push('\r');
                    }
                    (*span, v.clone(), Manual::from_value(&v))
                }
                None => (e.key_span, String::new(), Manual::Auto),
            };
            // cPanel looks the key up with the domain in lower case: a key written otherwise is
            // not this domain's setting (RT008 reports it), so it is kept as written.
            let m = MxCheck {
                setting,
                domain: domain.to_string(),
                value,
                line: cp.loc(line.span),
                key: cp.loc(e.key_span),
                value_loc: cp.loc(value_span),
            };
            // cPanel keeps white space before the key in the key: ` MXCHECK-x` is another key.
            if e.indented {
                a.indented_mxcheck.push(m);
            } else {
                a.mxcheck.insert(m.domain.clone(), Box::new(m));
            }
        }
    }
    if let Some(main) = &a.main
        && let Some(d) = &main.doc.main_domain
    {
        a.main_domain = Some(d.value.clone());
    }
    // The home: `homedir` of the main domain's vhost, else of any vhost; without userdata, the
    // cPanel default `/home/USER`.
    let homedir = a
        .main_domain
        .as_ref()
        .and_then(|d| a.vhosts.get(d))
        .or_else(|| a.vhosts.values().next())
        .and_then(|v| v.doc.homedir.as_ref())
        .map(|h| h.value.clone());
    a.home = match homedir {
        Some(h) => logical_dir(&h),
        None => Some(format!("home/{}", a.user)),
    };
    a
}

/// `/home1/bob/` → `home1/bob`; `None` for a path with `..` or nothing left.
fn logical_dir(path: &str) -> Option<String> {
    let parts: Vec<&str> = path
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    if parts.is_empty() || parts.iter().any(|p| *p == ".." || !valid_name(p)) {
        return None;
    }
    Some(parts.join("/"))
}

fn read_system_files(s: &mut Server, r: &Reader<'_>, opts: &Options) {
    let lists = opts.needs.contains(Needs::LISTS);
    let ownership = opts.needs.contains(Needs::OWNERSHIP);
    let list = |path: &str| if lists { domain_list(r, path) } else { None };
    let map = |path: &str, wanted: bool| if wanted { colon_map(r, path) } else { None };
    // `etc/localdomains` and `etc/userdomains` have a line per domain of the server: the two
    // are parsed side by side, with the smaller lists after each.
    let ((local, (remote, secondary)), (userdomains, maps)) = rayon::join(
        || {
            (
                list("etc/localdomains"),
                (list("etc/remotedomains"), list("etc/secondarymx")),
            )
        },
        || {
            (
                map("etc/userdomains", ownership),
                [
                    ("etc/manualmx", lists),
                    ("etc/trueuserdomains", ownership),
                    ("etc/domainusers", ownership),
                    ("etc/mailips", true),
                    ("etc/mailhelo", true),
                ]
                .map(|(path, wanted)| map(path, wanted)),
            )
        },
    );
    let [manualmx, trueuserdomains, domainusers, mailips, mailhelo] = maps;
    s.lists.local = s.take(local).map(RoutingList::new);
    s.lists.remote = s.take(remote).map(RoutingList::new);
    s.lists.secondary = s.take(secondary).map(RoutingList::new);
    s.manualmx = s.take(manualmx);
    s.userdomains = s.take(userdomains);
    s.trueuserdomains = s.take(trueuserdomains);
    s.domainusers = s.take(domainusers);
    s.mailips = s.take(mailips);
    s.mailhelo = s.take(mailhelo);
    s.wwwacct = s.take(key_value(
        r.read("etc/wwwacct.conf"),
        KvDialect::Space,
        "etc/wwwacct.conf file",
    ));
    s.cpanel_config = s.take(key_value(
        r.read("var/cpanel/cpanel.config"),
        KvDialect::Equals,
        "cpanel.config file",
    ));
    if opts.needs.contains(Needs::POLICY)
        && let Some(src) = r.read("var/cpanel/maxemailsperhour")
    {
        let src = Arc::new(src);
        s.add_file(src.clone());
        s.maxemailsperhour = Some(src);
    }
    s.exim_localopts = s.take(key_value(
        r.read("etc/exim.conf.localopts"),
        KvDialect::Equals,
        "exim.conf.localopts file",
    ));
    s.address_files.mainip = s.take(ip_list(r, "var/cpanel/mainip", iplist::Dialect::List));
    s.address_files.ips = s.take(ip_list(r, "etc/ips", iplist::Dialect::Ips));
    s.address_files.remotemail = s.take(ip_list(r, "etc/ips.remotemail", iplist::Dialect::List));
    s.address_files.cpnat = s.take(ip_list(r, "var/cpanel/cpnat", iplist::Dialect::Cpnat));
    build_identity(s, r, opts);
}

fn build_identity(s: &mut Server, r: &Reader<'_>, opts: &Options) {
    let mut addrs: BTreeMap<IpAddr, Vec<AddrSource>> = BTreeMap::new();
    let mut add = |ip: IpAddr, src: AddrSource| addrs.entry(ip).or_default().push(src);
    for list in [
        &s.address_files.mainip,
        &s.address_files.ips,
        &s.address_files.remotemail,
        &s.address_files.cpnat,
    ]
    .into_iter()
    .flatten()
    {
        for e in list.doc.entries() {
            add(e.ip, AddrSource::File(list.loc(e.ip_span)));
            if let Some((ip, span)) = e.second {
                add(ip, AddrSource::File(list.loc(span)));
            }
        }
    }
    for a in s.accounts.values() {
        for p in a.vhosts.values() {
            let v = &p.doc;
            if let (Some(ip), Some(spanned)) = (v.ip_addr(), &v.ip) {
                add(ip, AddrSource::File(p.loc(spanned.span)));
            }
            // The account's IPv6 address (userdata `ipv6`): cPanel binds it on the server and
            // adds AAAA records pointing at it next to the account's A records.
            for (ip, span) in v.ipv6_addrs() {
                add(ip, AddrSource::File(p.loc(span)));
            }
        }
    }
    for ip in &opts.config_ips {
        add(*ip, AddrSource::Config);
    }
    for ip in &opts.server_ips {
        add(*ip, AddrSource::CommandLine);
    }
    s.identity.addresses = addrs;
    s.identity.main_ip = s.address_files.mainip.as_ref().and_then(|m| m.doc.first());

    let stated = hostname(s, r, opts);
    if let Some((h, src)) = stated.first() {
        s.identity.hostname = Some(h.clone());
        s.identity.hostname_source = Some(*src);
    }
    s.identity.stated_hostnames = stated;
    let www = s.wwwacct.as_ref();
    let mut ns = Vec::new();
    if let Some(w) = www {
        for e in w.doc.entries() {
            let is_ns = e.key == "NS"
                || e.key
                    .strip_prefix("NS")
                    .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
            if let (true, Some((span, v))) = (is_ns, &e.value) {
                let v = v.trim().trim_end_matches('.').to_ascii_lowercase();
                if !v.is_empty() {
                    ns.push(Sourced {
                        value: v,
                        loc: Some(w.loc(*span)),
                    });
                }
            }
        }
    }
    for n in &opts.nameservers {
        ns.push(Sourced {
            value: n.clone(),
            loc: None,
        });
    }
    s.identity.nameservers = ns;
    s.identity.gateway_mx = opts.gateway_mx.clone();
}

/// `value`, read at `span` of `src`; the file is kept in the model so the location can be shown.
fn kept_at(
    s: &mut Server,
    src: SourceFile,
    span: crate::source::Span,
    value: String,
) -> Sourced<String> {
    let src = Arc::new(src);
    let loc = Loc::new(src.path(), span);
    s.add_file(src);
    Sourced {
        value,
        loc: Some(loc),
    }
}

/// The server's host name, from the first place that states it (RULES.md "Terms"; cpanel.md
/// §3.1, §6):
///
/// 1. `--hostname`, `maillint.toml [server] hostname`;
/// 2. `etc/wwwacct.conf` `HOST`, which WHM's Change Hostname writes (with the kernel host name);
/// 3. Exim's `primary_hostname`, when `etc/exim.conf` sets it in its main section (cPanel's
///    generated configuration leaves it commented out, so Exim uses the kernel host name; an
///    administrator sets it through `etc/exim.conf.local`);
/// 4. the default line `*: name` of `etc/mailhelo` (cPanel writes the host name there unless a
///    custom HELO is configured);
/// 5. `etc/hostname`, the kernel host name that cPanel's own code reads (through `uname`) when
///    it needs the host name.
///
/// cPanel keeps no other file with the host name: `var/cpanel/hostname` does not exist (its
/// `var/cpanel/hostname_resolves` is a cache of whether the name resolves). The fallbacks (3 to
/// 5) give the host name only when the ones before say nothing, and only a fully qualified host
/// name is taken from them (a short `etc/hostname` is not what cPanel uses). With the list rules
/// selected every place is read, and every name they state is returned (the first is the host
/// name): RT005 never offers to remove any of them from `etc/localdomains`. `etc/exim.conf` is
/// read cheaply, as one file: no includes, macros or conditionals.
fn hostname(
    s: &mut Server,
    r: &Reader<'_>,
    opts: &Options,
) -> Vec<(Sourced<String>, HostnameSource)> {
    // RT005 must not offer to remove from etc/localdomains a name any of these places states,
    // so with the list rules every place is read; otherwise the first that states one.
    let all = opts.needs.contains(Needs::LISTS);
    let mut stated: Vec<(Sourced<String>, HostnameSource)> = Vec::new();
    let add = |stated: &mut Vec<(Sourced<String>, HostnameSource)>,
               h: Option<Sourced<String>>,
               src: HostnameSource| {
        if let Some(h) = h
            && !stated.iter().any(|(s, _)| s.value == h.value)
        {
            stated.push((h, src));
        }
        !all && !stated.is_empty()
    };
    let configured = opts.hostname.as_ref().map(|h| Sourced {
        value: h.clone(),
        loc: None,
    });
    if add(&mut stated, configured, HostnameSource::Configured) {
        return stated;
    }
    let www = s.wwwacct.as_ref().and_then(|w| {
        let e = w.doc.get("HOST")?;
        let (span, v) = e.value.as_ref()?;
        let v = v.trim().trim_end_matches('.').to_ascii_lowercase();
        (!v.is_empty()).then(|| Sourced {
            value: v,
            loc: Some(w.loc(*span)),
        })
    });
    if add(&mut stated, www, HostnameSource::Wwwacct) {
        return stated;
    }
    let exim = r.read("etc/exim.conf").and_then(|src| {
        let (span, value) = exim_primary_hostname(&src)?;
        Some(kept_at(s, src, span, value))
    });
    if add(&mut stated, exim, HostnameSource::EximPrimaryHostname) {
        return stated;
    }
    let helo = s.mailhelo.as_ref().and_then(|m| {
        let e = m.doc.default_entry()?;
        let value = fqdn(&e.value)?;
        Some(Sourced {
            value,
            loc: Some(m.loc(e.value_span)),
        })
    });
    if add(&mut stated, helo, HostnameSource::MailHelo) {
        return stated;
    }
    let etc = r.read("etc/hostname").and_then(|src| {
        let text = src.text();
        let (span, value) = crate::parse::line_spans(text)
            .map(|span| {
                let raw = &text[span.start as usize..span.end as usize];
                let lead = raw.len() - raw.trim_start().len();
                let body = raw.trim();
                let start = span.start as usize + lead;
                (crate::source::Span::new(start, start + body.len()), body)
            })
            .find(|(_, body)| !body.is_empty() && !body.starts_with('#'))
            .and_then(|(span, body)| Some((span, fqdn(body)?)))?;
        Some(kept_at(s, src, span, value))
    });
    add(&mut stated, etc, HostnameSource::EtcHostname);
    stated
}

/// The first `primary_hostname` setting of the main section of an Exim configuration file (the
/// statements before the first `begin`), with the statement's span, when its value is a fully
/// qualified host name (an expansion or a macro is not).
fn exim_primary_hostname(src: &SourceFile) -> Option<(crate::source::Span, String)> {
    let file = exim::parse(src);
    for st in &file.statements {
        let text = st.text(src);
        let t = text.trim_start();
        let word = t
            .split(|c: char| c.is_ascii_whitespace() || c == '=')
            .next()
            .unwrap_or("");
        if word == "begin" {
            return None;
        }
        let t = match t.strip_prefix("hide") {
            Some(rest) if rest.starts_with(|c: char| c.is_ascii_whitespace()) => rest.trim_start(),
            _ => t,
        };
        let Some(rest) = t.strip_prefix("primary_hostname") else {
            continue;
        };
        let Some(value) = rest.trim_start().strip_prefix('=') else {
            continue;
        };
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        // Exim takes the first setting (a second one is an error): no looking further.
        return fqdn(value).map(|v| (st.span(), v));
    }
    None
}

/// A fully qualified host name (RFC 1123 labels, at least two, not all-numeric at the end),
/// lower-cased and without a final dot; `None` otherwise.
fn fqdn(text: &str) -> Option<String> {
    let name = text.trim();
    let name = name.strip_suffix('.').unwrap_or(name);
    let labels: Vec<&str> = name.split('.').collect();
    let ok = name.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        && !labels
            .last()
            .is_some_and(|l| l.bytes().all(|b| b.is_ascii_digit()));
    ok.then(|| name.to_ascii_lowercase())
}

/// Builds the index of account domains: userdata `main` says which kind each domain is; the
/// cpuser `DNS`/`DNSn` lines say where it is declared, and add any domain userdata lacks.
fn index_domains(s: &mut Server) {
    let mut domains: BTreeMap<String, DomainInfo> = BTreeMap::new();
    for a in s.accounts.values() {
        let mut decl: BTreeMap<String, Loc> = BTreeMap::new();
        let mut listed: Vec<String> = Vec::new();
        if let Some(cp) = &a.cpuser {
            for e in cp.doc.entries() {
                let is_dns = e.key == "DNS"
                    || e.key
                        .strip_prefix("DNS")
                        .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
                if let (true, Some((span, v))) = (is_dns, &e.value) {
                    let d = v.trim().trim_end_matches('.').to_ascii_lowercase();
                    if !d.is_empty() {
                        decl.entry(d.clone()).or_insert_with(|| cp.loc(*span));
                        listed.push(d);
                    }
                }
            }
        }
        let mut kinds: Vec<(String, DomainKind, Option<Loc>)> = Vec::new();
        if let Some(p) = &a.main {
            let view = &p.doc;
            if let Some(m) = &view.main_domain {
                kinds.push((m.value.clone(), DomainKind::Main, Some(p.loc(m.span))));
            }
            for ad in &view.addon_domains {
                kinds.push((
                    ad.domain.value.clone(),
                    DomainKind::Addon {
                        subdomain: ad.subdomain.value.clone(),
                    },
                    Some(p.loc(ad.domain.span)),
                ));
            }
            for pd in &view.parked_domains {
                kinds.push((pd.value.clone(), DomainKind::Parked, Some(p.loc(pd.span))));
            }
            for sd in &view.sub_domains {
                let backing = view
                    .addon_domains
                    .iter()
                    .find(|ad| ad.subdomain.value == sd.value);
                let kind = match backing {
                    Some(ad) => DomainKind::AddonBacking {
                        addon: ad.domain.value.clone(),
                    },
                    None => DomainKind::Sub,
                };
                kinds.push((sd.value.clone(), kind, Some(p.loc(sd.span))));
            }
        }
        for d in &listed {
            if !kinds.iter().any(|(k, _, _)| k == d) {
                let kind = if Some(d) == a.main_domain.as_ref() {
                    DomainKind::Main
                } else if kinds.iter().any(|(k, _, _)| d.ends_with(&format!(".{k}"))) {
                    DomainKind::Sub
                } else {
                    DomainKind::Other
                };
                kinds.push((d.clone(), kind, None));
            }
        }
        for (name, kind, fallback) in kinds {
            if !valid_name(&name) {
                continue;
            }
            let decl = decl.get(&name).cloned().or(fallback);
            domains.entry(name.clone()).or_insert(DomainInfo {
                name,
                user: a.user.clone(),
                kind,
                decl,
            });
        }
    }
    s.domains = domains;
}

/// `HOME/etc/DOMAIN/{passwd,shadow,quota}` and the mailbox directories of `HOME/mail/DOMAIN/`,
/// for every account domain that has a directory in `HOME/etc` or `HOME/mail`.
fn read_mail_files(s: &mut Server, r: &Reader<'_>) {
    let homes: Vec<(&Account, &String)> = s
        .accounts
        .values()
        .filter_map(|a| a.home.as_ref().map(|h| (a, h)))
        .collect();
    let jobs: Vec<(String, String, String)> = homes
        .par_iter()
        .flat_map_iter(|&(a, home)| {
            let mut doms: Vec<String> = r.list_in_home(home, "etc", true);
            doms.extend(r.list_in_home(home, "mail", true));
            doms.sort();
            doms.dedup();
            doms.into_iter()
                .filter(|d| s.domains.get(d).is_some_and(|i| i.user == a.user))
                .map(|d| (a.user.clone(), home.clone(), d))
                .collect::<Vec<_>>()
        })
        .collect();
    type MailOut = (
        String,
        String,
        Option<Out<mailacct::PasswdFile>>,
        Option<Out<mailacct::ShadowFile>>,
        Option<Out<mailacct::QuotaFile>>,
        tree::Lookup<Vec<tree::DirEntry>>,
    );
    let outs: Vec<MailOut> = jobs
        .par_iter()
        .map(|(user, home, domain)| {
            let f = |name: &str| r.read_in_home(home, &format!("etc/{domain}/{name}"));
            (
                user.clone(),
                domain.clone(),
                parsed(f("passwd"), "mail passwd file", mailacct::parse_passwd),
                parsed(f("shadow"), "mail shadow file", mailacct::parse_shadow),
                parsed(f("quota"), "mail quota file", mailacct::parse_quota),
                r.tree.read_dir_in_home(home, &format!("mail/{domain}")),
            )
        })
        .collect();
    let keep_listing =
        crate::model::mail::Scan::for_needs(s.options.needs) != crate::model::mail::Scan::Off;
    for (user, domain, passwd, shadow, quota, listing) in outs {
        let mailbox_dirs = listing
            .as_found()
            .into_iter()
            .flatten()
            .filter(|e| e.kind == tree::Kind::Dir)
            .filter_map(|e| e.name_str().map(str::to_string))
            .filter(|n| !n.starts_with('.'))
            .collect();
        if let Some(o) = &shadow {
            s.files.mark_sensitive(o.parsed.path());
        }
        let files = MailFiles {
            passwd: s.take(passwd),
            shadow: s.take(shadow),
            quota: s.take(quota),
            mailbox_dirs,
            mailboxes: Default::default(),
            mailbox_listing: Default::default(),
            filters: BTreeMap::new(),
            listing: keep_listing.then_some(listing),
        };
        if let Some(a) = s.accounts.get_mut(&user) {
            a.mail.insert(domain, Box::new(files));
        }
    }
}

/// The zone directory, as cPanel chooses it: `etc/namedb` when it exists, else BIND's chroot,
/// else `var/named`.
fn zone_dir(r: &Reader<'_>) -> &'static str {
    for dir in ["etc/namedb", "var/lib/named/chroot/var/named/master"] {
        if r.tree
            .stat(dir)
            .found()
            .is_some_and(|s| s.kind == tree::Kind::Dir)
        {
            return dir;
        }
    }
    "var/named"
}

fn read_zones(s: &mut Server, r: &Reader<'_>) {
    let dir = zone_dir(r);
    s.zone_dir = dir.to_string();
    let names: Vec<(String, String)> = domain_files(r, &s.options, dir, ".db")
        .into_iter()
        .filter(|n| valid_name(n))
        .filter_map(|n| {
            let origin = n
                .strip_suffix(".db")?
                .trim_end_matches('.')
                .to_ascii_lowercase();
            (!origin.is_empty()).then_some((n, origin))
        })
        .collect();
    // Each zone's TXT records are read (SPF, DKIM, DMARC) in the worker that parsed it.
    type ZoneOut = (String, Option<(Out<zone::Zone>, ZoneTxt)>);
    let outs: Vec<ZoneOut> = names
        .par_iter()
        .map(|(file, origin)| {
            let out = parsed(r.read(&format!("{dir}/{file}")), "zone file", |src| {
                zone::parse(src, origin)
            })
            .map(|out| {
                let txt = TxtIndex::of_zone(&out.parsed.doc, &out.parsed.src);
                (out, txt)
            });
            (origin.clone(), out)
        })
        .collect();
    s.txt.reserve(
        outs.iter()
            .filter_map(|(_, o)| o.as_ref())
            .map(|(_, t)| t.len())
            .sum(),
    );
    for (origin, out) in outs {
        let Some((out, txt)) = out else {
            continue;
        };
        // A zone with a syntax error is unusable (see `Server::unusable_zones`).
        let unusable = !out.problems.is_empty();
        if let Some(p) = s.take(Some(out)) {
            if unusable {
                s.unusable_zones.insert(origin, p);
            } else {
                s.zones.insert(origin, p);
                s.txt.extend(txt);
            }
        }
    }
}

/// `etc/exim.conf` and the files it includes. Include names are absolute paths on the server;
/// they are read under the root, through the tree (a symlink or special file is refused and
/// reported like any other).
fn read_exim(s: &mut Server, r: &Reader<'_>) {
    s.exim_localopts_shadow = s.take(key_value(
        r.read("etc/exim.conf.localopts.shadow"),
        KvDialect::Equals,
        "exim.conf.localopts file",
    ));
    if let Some(src) = r.read("etc/exim.conf.local") {
        let doc = exim::local::parse(&src);
        let src = Arc::new(src);
        s.add_file(src.clone());
        s.exim_local = Some(Parsed { src, doc });
    }
    s.exim_chkserv = r
        .tree
        .read_dir("etc/chkserv.d")
        .found()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|e| e.name_str().map(str::to_string))
        .filter(|n| n == "exim" || n.starts_with("exim-"))
        .collect();
    let Some(src) = r.read("etc/exim.conf") else {
        return;
    };
    let mut resolve = |req: &exim::IncludeRequest| {
        let logical = req.resolved_path.trim_start_matches('/');
        match r.tree.read(logical) {
            tree::Lookup::Found(d) => exim::IncludeOutcome::Found(d.source),
            tree::Lookup::Missing => exim::IncludeOutcome::NotFound,
            tree::Lookup::Skipped(skip) => exim::IncludeOutcome::Refused(skip.detail),
        }
    };
    let config = exim::load(src, &mut resolve);
    for f in &config.files {
        s.add_file(Arc::new(f.source.clone()));
    }
    s.exim = Some(config);
}

/// The public DKIM keys. A file that is not a PEM key is a parse problem (CP001).
fn read_dkim_keys(s: &mut Server, r: &Reader<'_>) {
    let dir = "var/cpanel/domain_keys/public";
    let names: Vec<String> = domain_files(r, &s.options, dir, "")
        .into_iter()
        .filter(|n| valid_name(n))
        .collect();
    type Got = Option<SourceFile>;
    let outs: Vec<(String, Got)> = names
        .par_iter()
        .map(|n| (n.to_ascii_lowercase(), r.read(&format!("{dir}/{n}"))))
        .collect();
    for (domain, got) in outs {
        let Some(src) = got else {
            continue;
        };
        let src = Arc::new(src);
        s.add_file(src.clone());
        match crate::parse::pem::parse(&src) {
            Ok(pem) => {
                let key = crate::der::public_key(&pem.der);
                s.dkim_keys.insert(
                    domain,
                    crate::model::DkimKey {
                        file: src,
                        pem,
                        key,
                    },
                );
            }
            Err(error) => s.parse_problems.push(ParseProblem {
                file: src.path().to_string(),
                format: "DKIM public key (PEM)",
                error,
            }),
        }
    }
}

fn read_forwarders(s: &mut Server, r: &Reader<'_>) {
    for (dir, flavor) in [
        ("etc/valiases", valiases::Flavor::Valiases),
        ("etc/vdomainaliases", valiases::Flavor::VdomainAliases),
    ] {
        let names: Vec<String> = domain_files(r, &s.options, dir, "")
            .into_iter()
            .filter(|n| valid_name(n))
            .collect();
        let outs: Vec<(String, Option<Out<valiases::Aliases>>)> = names
            .par_iter()
            .map(|n| {
                (
                    n.to_ascii_lowercase(),
                    aliases(r.read(&format!("{dir}/{n}")), flavor),
                )
            })
            .collect();
        for (domain, out) in outs {
            if let Some(p) = s.take(out) {
                match flavor {
                    valiases::Flavor::Valiases => s.valiases.insert(domain, p),
                    valiases::Flavor::VdomainAliases => s.vdomainaliases.insert(domain, p),
                };
            }
        }
    }
}

fn filter_file(got: Option<SourceFile>) -> Option<Out<filter::Filter>> {
    parsed(got, "mail filter file", filter::parse)
}

/// The Exim filters cPanel's routers read: `etc/vfilters/DOMAIN`, `HOME/etc/filter`, and
/// `HOME/etc/DOMAIN/LOCALPART/filter` for every mail account of `shadow`.
fn read_filters(s: &mut Server, r: &Reader<'_>) {
    let dir = "etc/vfilters";
    let names: Vec<String> = domain_files(r, &s.options, dir, "")
        .into_iter()
        .filter(|n| valid_name(n))
        .collect();
    let outs: Vec<(String, Option<Out<filter::Filter>>)> = names
        .par_iter()
        .map(|n| {
            (
                n.to_ascii_lowercase(),
                filter_file(r.read(&format!("{dir}/{n}"))),
            )
        })
        .collect();
    for (domain, out) in outs {
        if let Some(p) = s.take(out) {
            s.vfilters.insert(domain, p);
        }
    }

    // (user, domain, local part; `None` for HOME/etc/filter), home-relative path.
    type Job = (String, Option<(String, String)>, String, String);
    type FilterOut = (
        String,
        Option<(String, String)>,
        Option<Out<filter::Filter>>,
    );
    let mut jobs: Vec<Job> = Vec::new();
    for a in s.accounts.values() {
        let Some(home) = &a.home else { continue };
        jobs.push((a.user.clone(), None, home.clone(), "etc/filter".into()));
        for (domain, files) in &a.mail {
            for local in files.accounts().filter(|l| valid_name(l)) {
                jobs.push((
                    a.user.clone(),
                    Some((domain.clone(), local.to_string())),
                    home.clone(),
                    format!("etc/{domain}/{local}/filter"),
                ));
            }
        }
    }
    let outs: Vec<FilterOut> = jobs
        .par_iter()
        .map(|(user, key, home, rel)| {
            (
                user.clone(),
                key.clone(),
                filter_file(r.read_in_home(home, rel)),
            )
        })
        .collect();
    for (user, key, out) in outs {
        let Some(p) = s.take(out) else { continue };
        let Some(a) = s.accounts.get_mut(&user) else {
            continue;
        };
        match key {
            None => a.filter = Some(p),
            Some((domain, local)) => {
                if let Some(files) = a.mail.get_mut(&domain) {
                    files.filters.insert(local, p);
                }
            }
        }
    }
}

/// The entries of `dir`; in a scoped run, only those named in `wanted` (each looked up alone,
/// not following a symlink).
fn entries(r: &Reader<'_>, opts: &Options, dir: &str, wanted: &[String]) -> Vec<tree::DirEntry> {
    if scope(opts).is_none() {
        return r.tree.read_dir(dir).found().unwrap_or_default();
    }
    wanted
        .iter()
        .filter(|n| valid_name(n))
        .filter_map(|n| {
            let st = r.tree.stat(&format!("{dir}/{n}")).found()?;
            Some(tree::DirEntry {
                name: n.as_bytes().to_vec(),
                kind: st.kind,
                meta: st.meta,
            })
        })
        .collect()
}

/// Owners and modes of the files that decide where mail goes ([`crate::model::modes`]). A file
/// someone besides root could write is also read, so that a fix can rewrite it with its mode.
fn read_modes(s: &mut Server, r: &Reader<'_>) {
    use crate::model::modes::{FileMode, Modes, Role, passwd_uids, suspicious};
    let root = r.tree.stat("").found().map(|st| (st.meta.uid, st.meta.gid));
    let uids = r
        .read("etc/passwd")
        .map(|p| passwd_uids(p.text()))
        .unwrap_or_default();
    let mut wanted: Vec<(String, Role)> = Vec::new();
    for p in [
        "etc/localdomains",
        "etc/remotedomains",
        "etc/secondarymx",
        "etc/manualmx",
    ] {
        wanted.push((p.to_string(), Role::RoutingList));
    }
    for p in ["etc/userdomains", "etc/domainusers"] {
        wanted.push((p.to_string(), Role::OwnerMap));
    }
    let mut listed: Vec<(String, tree::Kind, tree::Meta, Role)> = Vec::new();
    let scoped_domains: Vec<String> = scope(&s.options)
        .map(|sc| sc.domains.iter().cloned().collect())
        .unwrap_or_default();
    let scoped_users: Vec<String> = s.accounts.keys().cloned().collect();
    for dir in ["etc/valiases", "etc/vdomainaliases", "etc/vfilters"] {
        wanted.push((dir.to_string(), Role::Directory));
        for e in entries(r, &s.options, dir, &scoped_domains) {
            let Some(name) = e.name_str() else { continue };
            if name.starts_with('.') || e.kind != tree::Kind::File {
                continue;
            }
            let domain = name.to_ascii_lowercase();
            let user = s.domains.get(&domain).map(|d| d.user.clone());
            listed.push((
                format!("{dir}/{name}"),
                e.kind,
                e.meta,
                Role::DomainFile { domain, user },
            ));
        }
    }
    for dir in ["var/cpanel/users", "var/cpanel/users.cache"] {
        wanted.push((dir.to_string(), Role::Directory));
        for e in entries(r, &s.options, dir, &scoped_users) {
            let Some(name) = e.name_str() else { continue };
            if name.starts_with('.') || e.kind != tree::Kind::File || !s.accounts.contains_key(name)
            {
                continue;
            }
            listed.push((
                format!("{dir}/{name}"),
                e.kind,
                e.meta,
                Role::Cpuser {
                    user: name.to_string(),
                },
            ));
        }
    }
    for (path, role) in wanted {
        if let Some(st) = r.tree.stat(&path).found() {
            listed.push((path, st.kind, st.meta, role));
        }
    }
    let mut files = Vec::new();
    for (path, kind, meta, role) in listed {
        let display = r.tree.display_path(&path).unwrap_or(path.clone());
        // A file a fix removes or writes in memory: its mode is the fix's.
        let meta = match (r.overlay.get(&display), r.overlay.mode(&display)) {
            (Some(None), _) => continue,
            (_, Some(spec)) => spec.apply(&meta),
            _ => meta,
        };
        if kind == tree::Kind::File
            && suspicious(&meta, root)
            && s.files.get(&display).is_none()
            && let Some(src) = r.read(&path)
        {
            s.add_file(Arc::new(src));
        }
        files.push(FileMode {
            path: display,
            kind,
            meta,
            role,
        });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    s.modes = Some(Modes { files, root, uids });
}
