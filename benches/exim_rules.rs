//! The Exim rules on the real cPanel `exim.conf` of the corpus (3,294 lines) with its `.local`
//! and `.localopts`, against `exim -bV` on the same configuration (issue 12: the rules must cost
//! less than Exim's own check).
//!
//! ```text
//! cargo bench --bench exim_rules
//! ```
//!
//! - `in process`: building the model (Exim configuration and cPanel's sources) and running
//!   EXIM001–EXIM010, without process start-up;
//! - `process`: the release binary, `maillint ROOT --select EXIM --format json --exit-zero`,
//!   against `exim4 -C COPY -bV` (Debian's exim4-daemon-heavy 4.96), both whole processes. Exim
//!   runs on a copy it accepts: cPanel's users replaced by a numeric id, `openssl_options`
//!   commented out (Debian's Exim is built with GnuTLS), the router with the server's one
//!   syntax error (`expiring_aliases`) cut out, spool and log in the scratch directory.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;

use criterion::{Criterion, criterion_group, criterion_main};

use maillint::model::{self, Needs, Options};
use maillint::rules::{self, Selector};
use maillint::tree::Overlay;

fn corpus_dir() -> PathBuf {
    match std::env::var_os("MAILLINT_CORPUS") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/corpus"),
    }
}

fn corpus(name: &str) -> Vec<u8> {
    std::fs::read(
        corpus_dir()
            .join("exim/cpanel")
            .join(format!("moko879_exim_forwarding__{name}")),
    )
    .expect("the corpus")
}

/// The server tree with the real cPanel files, and a copy of exim.conf Exim accepts.
fn setup(dir: &Path) -> (PathBuf, PathBuf) {
    let root = dir.join("server");
    std::fs::create_dir_all(root.join("etc")).unwrap();
    for (name, to) in [
        ("exim.conf", "etc/exim.conf"),
        ("exim.conf.local", "etc/exim.conf.local"),
        ("exim.conf.localopts", "etc/exim.conf.localopts"),
    ] {
        std::fs::write(root.join(to), corpus(name)).unwrap();
    }
    std::fs::write(root.join("etc/localdomains"), "").unwrap();
    let text = String::from_utf8(corpus("exim.conf")).unwrap();
    let cut = text.find("\nexpiring_aliases:").unwrap();
    let resume = text.find("\nregex_aliases:").unwrap();
    let text = format!("{}{}", &text[..cut], &text[resume..])
        .replace("cpaneleximfilter", "65534")
        .replace("= mailnull", "= 65534")
        .replace("= mailman", "= 65534");
    let mut copy = format!(
        "spool_directory = {d}/spool\nlog_file_path = {d}/log/%slog\n",
        d = dir.display()
    );
    for line in text.lines() {
        if line.trim_start().starts_with("openssl_options") {
            copy.push_str("# ");
        }
        copy.push_str(line);
        copy.push('\n');
    }
    let conf = dir.join("exim.conf");
    std::fs::write(&conf, copy).unwrap();
    std::fs::set_permissions(&conf, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    (root, conf)
}

fn exim_rules(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let (root, conf) = setup(dir.path());
    let sel = rules::selection(&[Selector::parse("EXIM").unwrap()], &[], &[]);
    let opts = Options {
        needs: rules::needs(&sel).with(Needs::EXIM),
        ..Options::default()
    };
    let mut g =
        c.benchmark_group("EXIM rules, cPanel exim.conf (3,294 lines) + .local + .localopts");
    g.bench_function("in process: model + EXIM001-EXIM010", |b| {
        b.iter(|| {
            let server = model::load(Some(&root), &opts, &Overlay::default()).unwrap();
            black_box(rules::run(&server, &sel))
        })
    });
    let server = model::load(Some(&root), &opts, &Overlay::default()).unwrap();
    g.bench_function("in process: EXIM001-EXIM010 alone", |b| {
        b.iter(|| black_box(rules::run(&server, &sel)))
    });
    g.bench_function("process: maillint --select EXIM", |b| {
        b.iter(|| {
            let out = Command::new(env!("CARGO_BIN_EXE_maillint"))
                .arg(&root)
                .args(["--select", "EXIM", "--format", "json", "--exit-zero"])
                .output()
                .unwrap();
            assert!(out.status.success());
        })
    });
    let exim = ["/usr/sbin/exim4", "/usr/sbin/exim"]
        .into_iter()
        .find(|p| Path::new(p).exists());
    match exim {
        Some(exim) => {
            let ok = Command::new(exim)
                .arg("-C")
                .arg(&conf)
                .arg("-bV")
                .output()
                .unwrap();
            assert!(
                ok.status.success(),
                "{}",
                String::from_utf8_lossy(&ok.stderr)
            );
            g.bench_function("process: exim4 -bV", |b| {
                b.iter(|| {
                    let out = Command::new(exim)
                        .arg("-C")
                        .arg(&conf)
                        .arg("-bV")
                        .output()
                        .unwrap();
                    assert!(out.status.success());
                })
            });
        }
        None => eprintln!("exim4 is not installed: its figure is missing"),
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = exim_rules
}
criterion_main!(benches);
