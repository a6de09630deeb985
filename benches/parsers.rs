//! Throughput of each parser (MB/s) on the files of a generated 500-account server, and of the
//! real cPanel `exim.conf` of the corpus (`testdata/corpus`); plus the whole model build and
//! rules on that server, without process start-up.
//!
//! ```text
//! cargo bench --bench parsers                  # all
//! cargo bench --bench parsers -- zone          # one group
//! ```
//!
//! Files are read into memory before measuring: the benches time parsing, not the disk. Each
//! iteration parses every file of a kind (thousands of small files for the per-account formats),
//! so per-file costs count as they do in a real run.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use maillint::parse::keyvalue::Dialect;
use maillint::parse::{
    colonmap, domainlist, exim, filter, iplist, keyvalue, mailacct, maildirsize, pem, userdata,
    valiases, zone,
};
use maillint::source::SourceFile;

#[allow(dead_code)]
#[path = "../examples/gen-server.rs"]
mod gen_server;

const ACCOUNTS: usize = 500;

/// The generated server, made once per bench process (in memory under `/dev/shm` when it can).
fn tree() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("maillint-bench")
            .tempdir_in(if Path::new("/dev/shm").is_dir() {
                Path::new("/dev/shm")
            } else {
                Path::new("/tmp")
            })
            .expect("scratch directory");
        let opts = gen_server::Options {
            accounts: ACCOUNTS,
            seed: 1,
            plant: Vec::new(),
            mail: false,
            exim_conf: None,
        };
        gen_server::generate(dir.path(), &opts).expect("generated server");
        dir
    })
    .path()
}

/// The corpus of real files: `testdata/corpus`, or `$MAILLINT_CORPUS` when set and not empty.
fn corpus_dir() -> PathBuf {
    let dir = match std::env::var_os("MAILLINT_CORPUS") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/corpus"),
    };
    assert!(
        dir.join("exim").is_dir(),
        "the corpus is not at {} (the repository carries it in testdata/corpus; \
         MAILLINT_CORPUS, when set, must name a directory of that layout)",
        dir.display()
    );
    dir
}

/// Every regular file under `rel` (recursively), as source files with their paths.
fn files(rel: &str, filter: impl Fn(&Path) -> bool) -> Vec<SourceFile> {
    let root = tree();
    let mut out: Vec<SourceFile> = walkdir::WalkDir::new(root.join(rel))
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file() && filter(e.path()))
        .map(|e| {
            let path = e.path().strip_prefix(root).unwrap().display().to_string();
            SourceFile::new(path, std::fs::read(e.path()).unwrap())
        })
        .collect();
    assert!(!out.is_empty(), "no files under {rel}");
    out.shrink_to_fit();
    out
}

fn bytes(files: &[SourceFile]) -> u64 {
    files.iter().map(|f| f.bytes().len() as u64).sum()
}

fn group<T>(c: &mut Criterion, name: &str, files: &[SourceFile], parse: impl Fn(&SourceFile) -> T) {
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Bytes(bytes(files)));
    g.bench_function(format!("{} files", files.len()), |b| {
        b.iter(|| {
            for f in files {
                black_box(parse(black_box(f)));
            }
        })
    });
    g.finish();
}

fn domain_list(c: &mut Criterion) {
    let f = files("etc", |p| p.ends_with("etc/localdomains"));
    group(c, "domainlist (etc/localdomains)", &f, domainlist::parse);
}

fn colon_map(c: &mut Criterion) {
    let f = files("etc", |p| p.ends_with("etc/userdomains"));
    group(c, "colonmap (etc/userdomains)", &f, colonmap::parse);
}

fn cpuser(c: &mut Criterion) {
    let f = files("var/cpanel/users", |_| true);
    group(c, "keyvalue (cpuser files)", &f, |s| {
        keyvalue::parse(s, Dialect::Equals)
    });
}

fn userdata_yaml(c: &mut Criterion) {
    let f = files("var/cpanel/userdata", |_| true);
    group(c, "userdata (YAML)", &f, userdata::parse);
}

fn forwarders(c: &mut Criterion) {
    let f = files("etc/valiases", |_| true);
    group(c, "valiases", &f, |s| {
        valiases::parse(s, valiases::Flavor::Valiases)
    });
}

fn zones(c: &mut Criterion) {
    let f = files("var/named", |p| p.extension().is_some_and(|e| e == "db"));
    let origins: Vec<String> = f
        .iter()
        .map(|s| {
            let name = s.path().rsplit('/').next().unwrap();
            name.strip_suffix(".db").unwrap().to_string()
        })
        .collect();
    let mut g = c.benchmark_group("zone");
    g.throughput(Throughput::Bytes(bytes(&f)));
    g.bench_function(format!("{} files", f.len()), |b| {
        b.iter(|| {
            for (src, origin) in f.iter().zip(&origins) {
                black_box(zone::parse(black_box(src), origin));
            }
        })
    });
    g.finish();
}

fn mail_accounts(c: &mut Criterion) {
    let passwd = files("home", |p| p.ends_with("passwd"));
    group(c, "mailacct (passwd)", &passwd, mailacct::parse_passwd);
    let shadow = files("home", |p| p.ends_with("shadow"));
    group(c, "mailacct (shadow)", &shadow, mailacct::parse_shadow);
}

fn address_files(c: &mut Criterion) {
    let f = files("etc", |p| p.ends_with("etc/ips"));
    group(c, "iplist (etc/ips)", &f, |s| {
        iplist::parse(s, iplist::Dialect::Ips)
    });
}

/// The generated server has no filters: the filters of `testdata/fwd` (as cPanel writes them),
/// each 400 times.
fn filters(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/fwd/etc/vfilters");
    let mut f = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        for i in 0..400 {
            f.push(SourceFile::new(format!("etc/vfilters/{i}"), bytes.clone()));
        }
    }
    group(c, "filter (cPanel filters)", &f, filter::parse);
}

/// The server is generated without mail: `maildirsize` files as Dovecot keeps them, a quota
/// line and 1 to 200 delivery records each.
fn maildirsize_files(c: &mut Criterion) {
    let f: Vec<SourceFile> = (0..1000u64)
        .map(|i| {
            let mut text = format!("{}S,0C\n", (i % 7 + 1) * 262_144_000);
            for j in 0..(i * 37 % 200 + 1) {
                text.push_str(&format!("{} 1\n", 1000 + (i * 7919 + j * 104_729) % 90_000));
            }
            SourceFile::new(format!("maildirsize/{i}"), text.into_bytes())
        })
        .collect();
    group(c, "maildirsize (delivery records)", &f, maildirsize::parse);
}

fn dkim_keys(c: &mut Criterion) {
    let f = files("var/cpanel/domain_keys/public", |_| true);
    group(c, "pem (DKIM public keys)", &f, |s| pem::parse(s).is_ok());
}

fn source_files(c: &mut Criterion) {
    // Building the text view and line index of every zone (done once per file read).
    let f = files("var/named", |_| true);
    let raw: Vec<(String, Vec<u8>)> = f
        .iter()
        .map(|s| (s.path().to_string(), s.bytes().to_vec()))
        .collect();
    let mut g = c.benchmark_group("SourceFile::new (zones)");
    g.throughput(Throughput::Bytes(bytes(&f)));
    g.bench_function(format!("{} files", f.len()), |b| {
        b.iter(|| {
            for (p, bytes) in &raw {
                black_box(SourceFile::new(p.clone(), bytes.clone()));
            }
        })
    });
    g.finish();
}

fn exim_conf(c: &mut Criterion) {
    let path = corpus_dir().join("exim/cpanel/moko879_exim_forwarding__exim.conf");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let src = SourceFile::new("etc/exim.conf", bytes);
    let mut g = c.benchmark_group("exim (cPanel exim.conf, 3,294 lines)");
    g.throughput(Throughput::Bytes(src.bytes().len() as u64));
    g.bench_function("parse (lines, statements)", |b| {
        b.iter(|| black_box(exim::parse(black_box(&src))))
    });
    g.bench_function("load (macros, conditionals, sections, drivers)", |b| {
        b.iter(|| {
            let mut resolve = |_: &exim::IncludeRequest| exim::IncludeOutcome::NotFound;
            black_box(exim::load(black_box(src.clone()), &mut resolve))
        })
    });
    g.finish();
}

fn whole_model(c: &mut Criterion) {
    let root = tree();
    let mut g = c.benchmark_group(format!("model + rules ({ACCOUNTS} accounts, warm cache)"));
    g.sample_size(10);
    let opts = maillint::model::Options::default();
    let overlay = maillint::fix::Overlay::default();
    let selection = maillint::rules::select_all();
    g.bench_function("load", |b| {
        b.iter(|| black_box(maillint::model::load(Some(root), &opts, &overlay).unwrap()))
    });
    let server = maillint::model::load(Some(root), &opts, &overlay).unwrap();
    g.bench_function("rules", |b| {
        b.iter(|| black_box(maillint::rules::run(&server, &selection)))
    });
    g.finish();
}

criterion_group!(
    benches,
    domain_list,
    colon_map,
    cpuser,
    userdata_yaml,
    forwarders,
    zones,
    mail_accounts,
    address_files,
    filters,
    maildirsize_files,
    dkim_keys,
    source_files,
    exim_conf,
    whole_model
);
criterion_main!(benches);
