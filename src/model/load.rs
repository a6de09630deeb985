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

use crate::model::{
    Account, AddrSource, DomainInfo, DomainKind, MailFiles, Manual, MxCheck, Needs, Options,
    ParseProblem, Parsed, RoutingList, Server, Sourced,
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
    let out = parsed(got, "cPanel userdata file", userdata::parse)?;
    Some(Out {
        parsed: Parsed {
            doc: view(&out.parsed.doc),
            src: out.parsed.src,
        },
        problems: out.problems,
    })
}

/// What is read per account before homes are known.
struct AccountOut {
    user: String,
    cpuser: Option<Out<KeyValueFile>>,
    cache: Option<SourceFile>,
    main: Option<Out<userdata::UserdataMain>>,
    vhosts: Vec<(String, Out<userdata::UserdataDomain>)>,
}

fn read_account(r: &Reader<'_>, user: &str) -> AccountOut {
    let cpuser = key_value(
        r.read(&format!("var/cpanel/users/{user}")),
        KvDialect::Equals,
        "cPanel user file",
    );
    let cache = r.read(&format!("var/cpanel/users.cache/{user}"));
    let dir = format!("var/cpanel/userdata/{user}");
    let main = yaml(
        r.read(&format!("{dir}/main")),
        userdata::UserdataMain::from_doc,
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
            yaml(
                r.read(&format!("{dir}/{d}")),
                userdata::UserdataDomain::from_doc,
            )
            .map(|o| (d, o))
        })
        .collect();
    AccountOut {
        user: user.to_string(),
        cpuser,
        cache,
        main,
        vhosts,
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

    // Accounts first: their homes must be registered before anything else is read.
    let users: Vec<String> = r
        .list("var/cpanel/users", false)
        .into_iter()
        .filter(|u| valid_name(u))
        .collect();
    let outs: Vec<AccountOut> = users.par_iter().map(|u| read_account(&r, u)).collect();
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
    crate::model::mail::load(&mut s, &root.tree, &mut extra_skips);

    extra_skips.extend(root.tree.skipped());
    extra_skips.sort();
    extra_skips.dedup();
    s.skipped = extra_skips;
    Ok(s)
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
    s.exim_localopts = s.take(key_value(
        r.read("etc/exim.conf.localopts"),
        KvDialect::Equals,
        "exim.conf.localopts file",
    ));
    s.address_files.mainip = s.take(ip_list(r, "var/cpanel/mainip", iplist::Dialect::List));
    s.address_files.ips = s.take(ip_list(r, "etc/ips", iplist::Dialect::Ips));
    s.address_files.remotemail = s.take(ip_list(r, "etc/ips.remotemail", iplist::Dialect::List));
    s.address_files.cpnat = s.take(ip_list(r, "var/cpanel/cpnat", iplist::Dialect::Cpnat));
    build_identity(s, opts);
}

fn build_identity(s: &mut Server, opts: &Options) {
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

    let www = s.wwwacct.as_ref();
    s.identity.hostname = match &opts.hostname {
        Some(h) => Some(Sourced {
            value: h.clone(),
            loc: None,
        }),
        None => www.and_then(|w| {
            let e = w.doc.get("HOST")?;
            let (span, v) = e.value.as_ref()?;
            let v = v.trim().trim_end_matches('.').to_ascii_lowercase();
            (!v.is_empty()).then(|| Sourced {
                value: v,
                loc: Some(w.loc(*span)),
            })
        }),
    };
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
    let names: Vec<(String, String)> = r
        .list(dir, false)
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
    let outs: Vec<(String, Option<Out<zone::Zone>>)> = names
        .par_iter()
        .map(|(file, origin)| {
            let out = parsed(r.read(&format!("{dir}/{file}")), "zone file", |src| {
                zone::parse(src, origin)
            });
            (origin.clone(), out)
        })
        .collect();
    for (origin, out) in outs {
        if let Some(p) = s.take(out) {
            s.zones.insert(origin, p);
        }
    }
}

/// `etc/exim.conf` and the files it includes. Include names are absolute paths on the server;
/// they are read under the root, through the tree (a symlink or special file is refused and
/// reported like any other).
fn read_exim(s: &mut Server, r: &Reader<'_>) {
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
    let names: Vec<String> = r
        .list(dir, false)
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
        let names: Vec<String> = r
            .list(dir, false)
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
    let names: Vec<String> = r
        .list(dir, false)
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
