//! Whether an address of a local domain exists, decided by the real Exim with the options of
//! cPanel's virtual-domain routers, and by maillint (FWD002).
//!
//! The routers below are those of cPanel's generated configuration
//! (`testdata/corpus/exim/cpanel/moko879_exim_forwarding__exim.conf`, and
//! `testdata/clean/etc/exim.conf`), in the same order and with the same options that decide where
//! an address goes: `virtual_aliases_nostar` (`unseen`), `virtual_user` (the mailbox directory),
//! `has_alias_but_no_mailbox_discarded_to_prevent_loop`, `valias_domain_file` and
//! `virtual_aliases` (the default address), the first three with `local_part_suffix = +*` and
//! `local_part_suffix_optional`. Only the paths differ: every file is read from the tree in a
//! temporary directory, and the owner's home is `ROOT/home/USER` (cPanel takes it from the
//! system password file).
//!
//! For every probe address, a forwarder `pN@example.com: ADDRESS` is written into the tree;
//! maillint must report FWD002 for it exactly when `exim4 -bt ADDRESS` delivers it nowhere.
//! Each probe also states what Exim answered when the table was written. How Exim is run is
//! described in tests/exim_membership.rs.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use common::{findings, tool};
use tempfile::TempDir;

/// An address, and whether Exim delivers it somewhere (when the table was written).
const PROBES: &[(&str, bool)] = &[
    ("team@example.org", true),
    // The optional `+*` suffix: dropped from the first `+` on.
    ("team+news@example.org", true),
    ("team+news+2024@example.org", true),
    ("team+@example.org", true),
    // Upper case: Exim lowers the local part, lsearch ignores case.
    ("Team+News@Example.ORG", true),
    // Only `+` is a suffix in cPanel's routers.
    ("team-news@example.org", false),
    // A suffix on an address whose base has a forwarder: the forwarder applies.
    ("hello+web@example.org", true),
    // No mailbox and no forwarder, and example.org fails unknown addresses.
    ("ghost@example.org", false),
    ("ghost+news@example.org", false),
    // Nothing left before the suffix.
    ("+news@example.org", false),
    // A forwarder line written for a suffixed address is never looked up.
    ("sales+x@example.org", false),
    // Domain forwarding keeps the whole local part.
    ("team+x@examplecorp.example", true),
    ("ghost+x@examplecorp.example", false),
    // No default address: unrouteable.
    ("anyone@nocatch.example", false),
    ("team+x@nocatch.example", false),
    // The default address of example.net is the account's user: delivered there.
    ("ghost+x@example.net", true),
];

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

/// The server: account examplec with example.com (the forwarders of the probes),
/// example.org (mailbox team, a forwarder hello, a forwarder written for `sales+x`, default
/// address `:fail:`), examplecorp.example (forwards every address to example.org),
/// nocatch.example (no default address) and example.net (default address: the user).
fn tree(root: &Path) {
    let domains = [
        "example.com",
        "example.org",
        "examplecorp.example",
        "nocatch.example",
        "example.net",
    ];
    let mut local = String::from("server.example.net\n");
    let mut ud = String::from("*: nobody\n");
    let mut cpuser = String::from("USER=examplec\nDNS=example.com\n");
    for (i, d) in domains.iter().enumerate() {
        local.push_str(&format!("{d}\n"));
        ud.push_str(&format!("{d}: examplec\n"));
        if i > 0 {
            cpuser.push_str(&format!("DNS{i}={d}\n"));
        }
        write(root, &format!("etc/vdomainaliases/{d}"), "");
    }
    write(root, "etc/localdomains", &local);
    write(root, "etc/userdomains", &ud);
    write(root, "var/cpanel/users/examplec", &cpuser);
    write(root, "etc/wwwacct.conf", "HOST server.example.net\n");
    let mut probes = String::new();
    for (i, (addr, _)) in PROBES.iter().enumerate() {
        probes.push_str(&format!("p{i}@example.com: {addr}\n"));
    }
    probes.push_str("*: examplec\n");
    write(root, "etc/valiases/example.com", &probes);
    write(
        root,
        "etc/valiases/example.org",
        "hello@example.org: team@example.org\nsales+x@example.org: team@example.org\n*: :fail: No Such User Here\n",
    );
    write(root, "etc/valiases/examplecorp.example", "*: examplec\n");
    write(
        root,
        "etc/vdomainaliases/examplecorp.example",
        "examplecorp.example: example.org\n",
    );
    write(
        root,
        "etc/valiases/nocatch.example",
        "info@nocatch.example: team@example.org\n",
    );
    write(root, "etc/valiases/example.net", "*: examplec\n");
    for d in ["cur", "new", "tmp"] {
        fs::create_dir_all(root.join(format!("home/examplec/mail/example.org/team/{d}"))).unwrap();
    }
    fs::create_dir_all(root.join("home/examplec/etc/example.org")).unwrap();
    write(
        root,
        "home/examplec/etc/example.org/shadow",
        "team:$6$x$y:20000::::::\n",
    );
}

/// cPanel's virtual-domain routers, reading the tree at `root`.
fn conf(tmp: &Path, root: &Path) -> String {
    let t = tmp.display();
    let r = root.display();
    let owner = format!("${{lookup{{$domain_data}}lsearch{{{r}/etc/userdomains}}}}");
    format!(
        r#"# Written by tests/exim_addresses.rs.
domainlist local_domains = lsearch;{r}/etc/localdomains
localpartlist path_safe_localparts = \N^\.*[^./][^/]*$\N
primary_hostname = server.example.net
spool_directory = {t}/spool
log_file_path = {t}/log/%slog
exim_user = 65534
exim_group = 65534
keep_environment =

begin routers

lookuphost:
  driver = manualroute
  domains = ! +local_domains
  route_list = * 192.0.2.99
  transport = remote_smtp

virtual_aliases_nostar:
  driver = redirect
  allow_defer
  allow_fail
  domains = !$primary_hostname : dsearch;{r}/etc/valiases
  data = ${{lookup{{$local_part@$domain_data}}lsearch{{{r}/etc/valiases/$domain_data}}}}
  local_part_suffix = +*
  local_part_suffix_optional
  retry_use_local_part
  unseen

virtual_user:
  driver = accept
  domains = !$primary_hostname : ${{lookup{{$domain}}lsearch{{{r}/etc/userdomains}}{{$domain}}}}
  local_parts = +path_safe_localparts
  require_files = +{r}/home/{owner}/mail/$domain_data/$local_part
  local_part_suffix = +*
  local_part_suffix_optional
  transport = mailbox

has_alias_but_no_mailbox_discarded_to_prevent_loop:
  driver = redirect
  domains = !$primary_hostname : dsearch;{r}/etc/valiases
  condition = ${{lookup{{$local_part@$domain_data}}lsearch{{{r}/etc/valiases/$domain_data}}{{1}}{{0}}}}
  condition = "${{if forany{{<, ${{lookup{{$local_part@$domain_data}}lsearch{{{r}/etc/valiases/$domain_data}}{{$value}}}}}} \
      {{!match{{$item}}{{\N/autorespond\N}}}} \
      {{1}} \
      {{${{if match{{${{lookup{{\N*\N}}lsearch{{{r}/etc/valiases/$domain_data}}{{$value}}}}}}{{:fail:}}{{1}}{{0}}}}}}}}"
  data = :blackhole:
  local_part_suffix = +*
  local_part_suffix_optional

valias_domain_file:
  driver = redirect
  allow_defer
  allow_fail
  domains = !$primary_hostname : dsearch;{r}/etc/vdomainaliases
  condition = ${{lookup{{$domain_data}}lsearch{{{r}/etc/vdomainaliases/$domain_data}}{{yes}}{{no}}}}
  data = ${{quote_local_part:$local_part}}@${{lookup{{$domain_data}}lsearch{{{r}/etc/vdomainaliases/$domain_data}}}}

virtual_aliases:
  driver = redirect
  allow_defer
  allow_fail
  domains = !$primary_hostname : dsearch;{r}/etc/valiases
  data = ${{lookup{{*}}lsearch{{{r}/etc/valiases/$domain_data}}}}

localuser:
  driver = accept
  domains = $primary_hostname
  transport = mailbox

begin transports

remote_smtp:
  driver = smtp

mailbox:
  driver = appendfile
  file = {t}/delivered
"#
    )
}

/// Whether `exim4 -bt ADDRESS` delivers the address somewhere, with Exim's answer.
fn exim_delivers(exim: &Path, conf: &Path, addr: &str) -> (bool, String) {
    let out = Command::new(exim)
        .arg("-C")
        .arg(conf)
        .args(["-bt", addr])
        .output()
        .expect("exim4 runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("configuration error") && !stderr.contains("Tainted"),
        "exim4 -bt {addr}:\n{stdout}{stderr}"
    );
    let delivered = stdout.contains("router = virtual_user")
        || stdout.contains("router = localuser")
        || stdout.contains("router = lookuphost");
    (delivered, format!("{stdout}{stderr}"))
}

#[test]
fn maillint_bounces_a_forwarded_address_exactly_when_exim_does() {
    let Some(exim) = tool("exim4", "exim4-daemon-heavy") else {
        return;
    };
    let tmp = TempDir::new().unwrap();
    let root = tmp.path().join("server");
    tree(&root);
    let conf_path = tmp.path().join("exim.conf");
    fs::write(&conf_path, conf(tmp.path(), &root)).unwrap();
    fs::set_permissions(&conf_path, fs::Permissions::from_mode(0o644)).unwrap();

    let out = common::maillint(&[
        root.to_str().unwrap(),
        "--format",
        "json",
        "--select",
        "FWD002",
    ]);
    let bounced: Vec<usize> = findings(&out.stdout)
        .iter()
        .filter(|(code, d, _)| code == "FWD002" && d == "example.com")
        .map(|(_, _, at)| {
            let line: usize = at.split(':').nth(1).unwrap().parse().unwrap();
            line - 1
        })
        .collect();
    let mut table = Vec::new();
    let mut wrong = Vec::new();
    for (i, (addr, recorded)) in PROBES.iter().enumerate() {
        let (delivers, answer) = exim_delivers(&exim, &conf_path, addr);
        let maillint_bounces = bounced.contains(&i);
        table.push(format!(
            "{addr:<32} exim: {:<12} maillint: {}",
            if delivers { "delivers" } else { "bounces" },
            if maillint_bounces { "FWD002" } else { "-" }
        ));
        if delivers != *recorded {
            wrong.push(format!(
                "{addr}: Exim now says {}, the table says {}:\n{answer}",
                delivers, recorded
            ));
        }
        if maillint_bounces == delivers {
            wrong.push(format!(
                "{addr}: maillint {}, Exim {}:\n{answer}",
                if maillint_bounces {
                    "reports FWD002"
                } else {
                    "is silent"
                },
                if delivers {
                    "delivers it"
                } else {
                    "does not deliver it"
                }
            ));
        }
    }
    eprintln!("{}", table.join("\n"));
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
