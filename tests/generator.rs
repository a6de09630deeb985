//! The synthetic server generator (`examples/gen-server.rs`): a clean tree lints clean, each
//! planted problem is found by its rule and by no other, the output depends on the seed only,
//! and the files are in cPanel's formats.

mod common;

#[allow(dead_code)]
#[path = "../examples/gen-server.rs"]
mod gen_server;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use gen_server::{Options, PLANTS, Summary, generate};

fn options(accounts: usize, seed: u64, plant: &[&str], mail: bool) -> Options {
    Options {
        accounts,
        seed,
        plant: plant.iter().map(|c| (c.to_string(), 1)).collect(),
        mail,
        exim_conf: None,
    }
}

/// A scratch directory, in memory when `/dev/shm` is there: creating thousands of small files
/// on a busy disk costs seconds, in memory milliseconds.
fn scratch() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    if shm.is_dir()
        && let Ok(d) = tempfile::Builder::new()
            .prefix("gen-server")
            .tempdir_in(shm)
    {
        return d;
    }
    tempfile::tempdir().unwrap()
}

fn make(dir: &Path, opts: &Options) -> Summary {
    generate(dir, opts).unwrap_or_else(|e| panic!("generate: {e}"))
}

/// Runs maillint over a tree with the JSON format; returns the exit code and the findings as
/// `(code, domain)`.
fn lint(dir: &Path, extra: &[&str]) -> (i32, Vec<(String, String, String)>) {
    let mut args = vec![dir.to_str().unwrap(), "--format", "json"];
    args.extend_from_slice(extra);
    let out = common::maillint(&args);
    let code = out.status.code().expect("exit code");
    assert!(
        code == 0 || code == 1,
        "maillint failed ({code}): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (code, common::findings(&out.stdout))
}

#[test]
fn a_clean_server_has_no_finding() {
    let dir = scratch();
    let s = make(dir.path(), &options(20, 1, &[], true));
    assert_eq!(s.accounts, 20);
    assert!(s.mail_files > 500, "{s:?}");
    // cPanel's default DMARC record is `p=none`, which DMARC003 reports (info) by design once
    // it is implemented; everything else must be silent.
    let (code, findings) = lint(dir.path(), &["--ignore", "DMARC003"]);
    assert_eq!(findings, vec![], "findings on a clean generated server");
    assert_eq!(code, 0);
}

#[test]
fn other_seeds_are_clean_too() {
    for seed in [2, 3, 1000] {
        let dir = scratch();
        make(dir.path(), &options(30, seed, &[], false));
        let (code, findings) = lint(dir.path(), &["--ignore", "DMARC003"]);
        assert_eq!(findings, vec![], "seed {seed}");
        assert_eq!(code, 0);
    }
}

/// Findings a plant causes besides its own, because they are true of the planted server too: a
/// domain made a backup MX (RT010) keeps its forwarders, which Exim no longer reads (FWD005).
fn consequences(code: &str) -> &'static [&'static str] {
    match code {
        "RT010" => &["FWD005"],
        _ => &[],
    }
}

#[test]
fn each_plant_is_found_by_its_rule_alone() {
    for (code, what) in PLANTS {
        let dir = scratch();
        let s = make(dir.path(), &options(12, 5, &[code], false));
        assert_eq!(s.planted.len(), 1);
        let planted = &s.planted[0];
        assert_eq!(planted.code, *code);
        let (exit, findings) = lint(dir.path(), &["--ignore", "DMARC003"]);
        let codes: BTreeSet<&str> = findings.iter().map(|f| f.0.as_str()).collect();
        let mut want = BTreeSet::from([*code]);
        want.extend(consequences(code));
        assert_eq!(codes, want, "planting {code} ({what}) gave {findings:?}");
        // RT008 is the one planted finding at info level: it does not fail the run.
        let want_exit = if *code == "RT008" { 0 } else { 1 };
        assert_eq!(exit, want_exit, "{code}: exit code");
        // The finding is about the planted domain, or points at the planted file.
        for f in &findings {
            if let Some(d) = &planted.domain {
                assert_eq!(&f.1, d, "{code}: {findings:?}");
            }
            if let Some(file) = planted.file.as_ref().filter(|_| f.0 == *code) {
                assert!(f.2.starts_with(&format!("{file}:")), "{code}: {findings:?}");
            }
        }
    }
}

#[test]
fn all_plants_together_give_exactly_their_codes() {
    let dir = scratch();
    let all: Vec<&str> = PLANTS.iter().map(|(c, _)| *c).collect();
    let s = make(dir.path(), &options(30, 9, &all, true));
    let users: BTreeSet<&str> = s.planted.iter().map(|p| p.user.as_str()).collect();
    assert_eq!(users.len(), all.len(), "one account per plant");
    let (_, findings) = lint(dir.path(), &["--ignore", "DMARC003"]);
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &findings {
        *count.entry(f.0.as_str()).or_default() += 1;
    }
    let expected: BTreeMap<&str, usize> = all.iter().map(|c| (*c, 1)).collect();
    assert_eq!(count, expected, "{findings:?}");
}

#[test]
fn a_plant_count_plants_in_several_accounts() {
    let dir = scratch();
    let mut opts = options(12, 3, &[], false);
    opts.plant = vec![("rt004".to_string(), 3)];
    let s = make(dir.path(), &opts);
    assert_eq!(s.planted.len(), 3);
    let (_, findings) = lint(dir.path(), &["--ignore", "DMARC003"]);
    let got: BTreeSet<String> = findings
        .iter()
        .filter(|f| f.0 == "RT004")
        .map(|f| f.1.clone())
        .collect();
    let want: BTreeSet<String> = s.planted.iter().filter_map(|p| p.domain.clone()).collect();
    assert_eq!(got, want);
    assert_eq!(findings.len(), 3);
}

#[test]
fn bad_requests_are_refused() {
    let dir = scratch();
    let err = generate(dir.path(), &options(5, 1, &["RT999"], false)).unwrap_err();
    assert!(err.contains("unknown plant RT999"), "{err}");
    let err = generate(
        dir.path(),
        &options(2, 1, &["RT001", "RT002", "RT004"], false),
    )
    .unwrap_err();
    assert!(
        err.contains("3 plants need at least as many accounts"),
        "{err}"
    );
    make(dir.path(), &options(1, 1, &[], false));
    let err = generate(dir.path(), &options(1, 1, &[], false)).unwrap_err();
    assert!(err.contains("is not empty"), "{err}");
}

/// Every entry of a tree: relative path → what it is (file bytes, mail file size, symlink
/// target, directory).
fn snapshot(root: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for e in walkdir::WalkDir::new(root).sort_by_file_name() {
        let e = e.unwrap();
        let rel = e.path().strip_prefix(root).unwrap().display().to_string();
        let ft = e.file_type();
        let what = if ft.is_symlink() {
            format!("-> {}", std::fs::read_link(e.path()).unwrap().display())
        } else if ft.is_dir() {
            "dir".to_string()
        } else if rel.contains("/mail/") {
            // Mail messages are sparse: their size is their content.
            let meta = e.metadata().unwrap();
            if meta.len() > 4096 {
                format!("{} bytes", meta.len())
            } else {
                String::from_utf8_lossy(&std::fs::read(e.path()).unwrap()).into_owned()
            }
        } else {
            String::from_utf8_lossy(&std::fs::read(e.path()).unwrap()).into_owned()
        };
        out.insert(rel, what);
    }
    out
}

#[test]
fn the_same_seed_gives_the_same_tree() {
    let a = scratch();
    let b = scratch();
    let c = scratch();
    let opts = options(8, 42, &["RT001", "CP006"], true);
    make(a.path(), &opts);
    make(b.path(), &opts);
    let (sa, sb) = (snapshot(a.path()), snapshot(b.path()));
    assert!(sa.len() > 500, "{}", sa.len());
    assert!(sa == sb, "two runs with seed 42 differ");
    make(c.path(), &options(8, 43, &["RT001", "CP006"], true));
    assert!(
        snapshot(c.path()) != sa,
        "seeds 42 and 43 give the same tree"
    );
}

#[test]
fn sizes_match_the_product_contract() {
    // PRODUCT.md: 5,000 accounts ≈ 20,000 domains and 80,000 files (mail excluded).
    let dir = scratch();
    let s = make(dir.path(), &options(300, 11, &[], false));
    let domains = s.domains as f64 / 300.0;
    let files = s.files as f64 / 300.0;
    assert!(
        (3.5..=4.5).contains(&domains),
        "{domains} domains per account"
    );
    assert!((14.0..=20.0).contains(&files), "{files} files per account");
    let listed = walkdir::WalkDir::new(dir.path())
        .into_iter()
        .filter(|e| e.as_ref().unwrap().file_type().is_file())
        .count() as u64;
    assert_eq!(listed, s.files, "files counted = files written (no mail)");
}

fn read(root: &Path, rel: &str) -> String {
    std::fs::read_to_string(root.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn files_are_in_cpanel_formats() {
    let dir = scratch();
    let root = dir.path();
    make(root, &options(15, 4, &[], true));
    let users: Vec<String> = std::fs::read_dir(root.join("var/cpanel/users"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(users.len(), 15);
    let mut zones = 0;
    let mut maildirs = 0;
    for user in &users {
        // cpuser: the two header lines, a blank line, keys sorted as bytes, DNS then DNSn.
        let cp = read(root, &format!("var/cpanel/users/{user}"));
        let mut lines = cp.lines();
        assert!(
            lines
                .next()
                .unwrap()
                .starts_with("# cPanel -- If you edit this file")
        );
        assert!(lines.next().unwrap().ends_with("updateuserdomains'"));
        assert_eq!(lines.next(), Some(""));
        let keys: Vec<&str> = lines.map(|l| l.split_once('=').unwrap().0).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted, "{user}: keys sorted");
        assert!(keys.contains(&"DNS") && keys.contains(&"DNS1"));
        assert!(cp.contains(&format!("\nUSER={user}\n")));
        let main = cp
            .lines()
            .find_map(|l| l.strip_prefix("DNS="))
            .unwrap()
            .to_string();

        // userdata main: YAML::Syck's `--- ` and trailing spaces.
        let ud = read(root, &format!("var/cpanel/userdata/{user}/main"));
        assert!(ud.starts_with("--- \n"), "{ud}");
        assert!(ud.contains(&format!("main_domain: {main}\n")));
        assert!(ud.contains("sub_domains: \n  - "), "{ud}");

        // Zone: serial YYYYMMDDnn, SPF, DKIM split at 255 bytes with `\;`, DMARC.
        let z = read(root, &format!("var/named/{main}.db"));
        zones += 1;
        let serial = z
            .lines()
            .find_map(|l| l.trim().strip_suffix(" ;Serial Number"))
            .unwrap();
        assert_eq!(serial.len(), 10, "{serial}");
        assert!(serial.starts_with("202"), "{serial}");
        assert!(z.contains("IN\tTXT\t\"v=spf1 +a +mx +ip4:"));
        assert!(z.contains("_dmarc\t14400\tIN\tTXT\t\"v=DMARC1\\; p=none\\;\"\n"));
        let dkim = z
            .lines()
            .find_map(|l| l.strip_prefix("default._domainkey\t14400\tIN\tTXT\t"))
            .unwrap();
        let parts: Vec<&str> = dkim.split("\" \"").collect();
        assert_eq!(parts.len(), 2, "{dkim}");
        let first = parts[0].trim_start_matches('"').replace("\\;", ";");
        assert_eq!(first.len(), 255);
        let value = format!(
            "{first}{}",
            parts[1].trim_end_matches('"').replace("\\;", ";")
        );
        let p = value
            .strip_prefix("v=DKIM1; k=rsa; p=")
            .unwrap()
            .strip_suffix(';')
            .unwrap();
        // The key file holds the same key, 2048 bits.
        let key_path = format!("var/cpanel/domain_keys/public/{main}");
        let src = maillint::source::SourceFile::new(
            key_path.clone(),
            std::fs::read(root.join(&key_path)).unwrap(),
        );
        let pem = maillint::parse::pem::parse(&src).expect("a PEM public key");
        assert_eq!(
            maillint::der::public_key(&pem.der),
            Ok(maillint::der::PublicKey::Rsa { bits: 2048 })
        );
        let b64: String = read(root, &key_path)
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        assert_eq!(p, b64, "{main}: DKIM record and key file");

        // Maildir messages: name carries the size; size is the file's length.
        for e in walkdir::WalkDir::new(root)
            .into_iter()
            .map(|e| e.unwrap())
            .filter(|e| {
                let p = e.path().to_string_lossy();
                p.contains(&format!("/{user}/mail/")) && e.file_type().is_file()
            })
            .filter(|e| {
                let parent = e.path().parent().unwrap().file_name().unwrap();
                parent == "cur" || parent == "new"
            })
        {
            let name = e.file_name().to_string_lossy().into_owned();
            let size: u64 = name
                .split(",S=")
                .nth(1)
                .and_then(|s| s.split(',').next())
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(|| panic!("no S= in {name}"));
            assert_eq!(e.metadata().unwrap().len(), size, "{name}");
            assert!(name.contains(".server.example.net,S="), "{name}");
            assert!(name.contains(",W="), "{name}");
            if e.path().parent().unwrap().ends_with("cur") {
                assert!(name.contains(":2,"), "{name}");
            }
            maildirs += 1;
        }
    }
    assert_eq!(zones, 15);
    assert!(maildirs > 100, "{maildirs}");
    // Server-wide files.
    let ud = read(root, "etc/userdomains");
    assert!(ud.starts_with("*: nobody\n"));
    let local = read(root, "etc/localdomains");
    assert!(local.starts_with("server.example.net\n"));
    assert_eq!(read(root, "var/cpanel/mainip"), "192.0.2.10");
}

/// A zone with what varies between domains replaced: names, addresses, serials, times, keys
/// and tokens.
fn zone_layout(text: &str, domain: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut l = line.replace(domain, "DOMAIN");
        for word in l.clone().split(['\t', ' ', '"', ':']) {
            let is_ip = word.parse::<std::net::Ipv4Addr>().is_ok();
            let is_number = word.len() >= 8 && word.bytes().all(|b| b.is_ascii_digit());
            if is_ip || is_number {
                l = l.replacen(word, "N", 1);
            }
        }
        if let Some(i) = l.find("p=MII") {
            l.truncate(i);
        }
        if let Some(i) = l.find("_cpanel-dcv-test-record=") {
            l.truncate(i);
        }
        out.push(l);
    }
    out
}

#[test]
fn the_generator_writes_what_testdata_clean_writes() {
    let dir = scratch();
    let root = dir.path();
    make(root, &options(12, 6, &[], false));
    let clean = common::testdata_dir().join("clean");
    let clean_read = |rel: &str| read(&clean, rel);
    // Server-wide files: the same bytes.
    for rel in ["etc/exim.conf", "etc/wwwacct.conf", "etc/mailhelo"] {
        assert_eq!(read(root, rel), clean_read(rel), "{rel}");
    }
    // A parked or addon domain's zone, mail at this server: the layout of examplecorp.example's
    // (a parked domain of the clean tree), record for record.
    let want = zone_layout(
        &clean_read("var/named/examplecorp.example.db"),
        "examplecorp.example",
    );
    let ud = read(root, "etc/userdomains");
    let mut compared = 0;
    for line in ud.lines().skip(1) {
        let (domain, user) = line.split_once(": ").unwrap();
        let main = read(root, &format!("var/cpanel/userdata/{user}/main"));
        let is_parked_or_addon = main.contains(&format!("  - {domain}\n"))
            && !main.contains(&format!("sub_domains: \n  - {domain}\n"))
            || main.contains(&format!("  {domain}: "));
        let Ok(zone) = std::fs::read_to_string(root.join(format!("var/named/{domain}.db"))) else {
            continue;
        };
        if !is_parked_or_addon || !zone.contains(&format!("IN\tMX\t0\t{domain}.\n")) {
            continue;
        }
        assert_eq!(zone_layout(&zone, domain), want, "{domain}");
        compared += 1;
    }
    assert!(compared > 0, "no local parked or addon domain generated");
    // The default address cPanel writes for every domain it creates, an addon's backing
    // subdomain included, as in testdata/clean.
    for line in ud.lines().skip(1) {
        let (domain, user) = line.split_once(": ").unwrap();
        let va = read(root, &format!("etc/valiases/{domain}"));
        assert!(
            va.ends_with(&format!("*: {user}\n")) || va.ends_with("*: :fail: No Such User Here\n"),
            "{domain}: {va}"
        );
    }
    assert!(clean_read("etc/valiases/exampleorg.example.com").ends_with("*: examplec\n"));
}
