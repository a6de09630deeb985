//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// The corpus of real files: `testdata/corpus` (vendored in the repository), or the directory
/// `$MAILLINT_CORPUS` names when it is set and not empty.
///
/// Tests that need the corpus fail, never skip, when it is not there.
pub fn corpus_dir() -> PathBuf {
    let dir = match std::env::var_os("MAILLINT_CORPUS") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => testdata_dir().join("corpus"),
    };
    assert!(
        dir.join("cpanel").is_dir() && dir.join("exim").is_dir(),
        "the corpus is not at {} (it must hold cpanel/ and exim/): the repository carries it in \
         testdata/corpus; MAILLINT_CORPUS, when set, must name a directory of that layout",
        dir.display()
    );
    dir
}

/// Whether a corpus file documents the corpus rather than being test input: its `SOURCES.md`,
/// the licence notices and texts (`LICENSE`, `COPYING`) and the Exim oracle (`.tsv`).
pub fn is_corpus_document(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    matches!(name, "SOURCES.md" | "LICENSE" | "COPYING")
        || path.extension().is_some_and(|e| e == "tsv")
}

/// The files of corpus directory `dir` (`cpanel`, `exim/cpanel`) that its `SOURCES.md` gives a
/// provenance for: the `` `names` `` in the first column of its tables, sorted. Tests take the
/// number of files of a kind from here, never from a constant.
pub fn corpus_sources(dir: &str) -> Vec<String> {
    let text = String::from_utf8(corpus_file(&format!("{dir}/SOURCES.md"))).unwrap();
    let mut names: Vec<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .flat_map(|row| {
            let first = row.split('|').next().unwrap_or("");
            format!("`{first}")
                .split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect();
    names.sort();
    names.dedup();
    assert!(!names.is_empty(), "{dir}/SOURCES.md lists no file");
    names
}

/// A file of the corpus, read whole.
pub fn corpus_file(rel: &str) -> Vec<u8> {
    let path = corpus_dir().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The bundled example trees under `testdata/`.
pub fn testdata_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

/// Runs the maillint binary from the crate directory with a fixed clock and no colour.
pub fn maillint(args: &[&str]) -> std::process::Output {
    assert_cmd::Command::cargo_bin("maillint")
        .expect("the maillint binary")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env("MAILLINT_NOW", "1795392000")
        .env_remove("CLICOLOR_FORCE")
        .args(args)
        .output()
        .expect("maillint runs")
}

/// The findings of a JSON report as `(code, domain, "file:line:col")`, in report order.
pub fn findings(json: &[u8]) -> Vec<(String, String, String)> {
    let doc: serde_json::Value = serde_json::from_slice(json).expect("maillint prints JSON");
    doc["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| {
            let loc = &f["location"];
            let at = if loc.is_null() {
                "-".to_string()
            } else {
                format!(
                    "{}:{}:{}",
                    loc["file"].as_str().unwrap(),
                    loc["line"],
                    loc["column"]
                )
            };
            (
                f["code"].as_str().unwrap().to_string(),
                f["domain"].as_str().unwrap_or("-").to_string(),
                at,
            )
        })
        .collect()
}

/// Runs insta assertions with snapshots in the top-level `snapshots/` directory. The one naming
/// scheme: `tree.<tree>.<format>` for a whole testdata tree, `rule.<CODE>` for one rule alone
/// (tests/rules.rs), `cli.<case>` for command-line behaviour.
#[macro_export]
macro_rules! snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"), prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!($name, $value);
        })
    };
}

/// Copies a tree (regular files and directories; symlinks as symlinks) into `dest`.
pub fn copy_tree(src: &Path, dest: &Path) {
    for entry in walkdir::WalkDir::new(src).follow_links(false) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(src).unwrap();
        let to = dest.join(rel);
        let ft = entry.file_type();
        if ft.is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else if ft.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(entry.path()).unwrap(), &to).unwrap();
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
}

/// Where an external program is, or `None` (with a loud notice) when it is missing and the tools
/// are not required. Looks in `PATH` and in the sbin directories, where Debian puts `exim4` and
/// which a non-root `PATH` often lacks.
pub fn tool(name: &str, package: &str) -> Option<PathBuf> {
    let required = std::env::var("MAILLINT_REQUIRE_TOOLS").is_ok_and(|v| !v.is_empty() && v != "0");
    tool_in(name, package, required)
}

pub fn tool_in(name: &str, package: &str, required: bool) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    dirs.extend(["/usr/sbin", "/sbin", "/usr/bin", "/bin"].map(PathBuf::from));
    let found = dirs.iter().map(|d| d.join(name)).find(|p| {
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    });
    if found.is_none() {
        assert!(
            !required,
            "`{name}` is not installed, and MAILLINT_REQUIRE_TOOLS is set: install the Debian \
             package `{package}` (scripts/test does it)"
        );
        eprintln!(
            "\n******** SKIPPED: `{name}` is not installed (Debian package `{package}`); this \
             test checked nothing. Set MAILLINT_REQUIRE_TOOLS=1 to make it fail instead. \
             ********\n"
        );
    }
    found
}

/// A one-account server (bob, 192.0.2.10) around one zone of the corpus, `cpanel/CORPUS`, for
/// `domain`: read from the corpus at run time, never copied into the other bundled trees.
pub fn corpus_server(root: &Path, domain: &str, corpus: &str) {
    let w = |rel: &str, text: &[u8]| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    w(
        &format!("var/named/{domain}.db"),
        &corpus_file(&format!("cpanel/{corpus}")),
    );
    w(
        "etc/localdomains",
        format!("server1.example.org\n{domain}\n").as_bytes(),
    );
    w(
        "etc/userdomains",
        format!("*: nobody\n{domain}: bob\n").as_bytes(),
    );
    w(
        "etc/wwwacct.conf",
        b"ADDR 192.0.2.10\nHOST server1.example.org\n",
    );
    w("var/cpanel/mainip", b"192.0.2.10");
    w(
        "var/cpanel/users/bob",
        format!(
            "# cPanel -- If you edit this file directly you must run /usr/local/cpanel/scripts/updateuserdomains afterwards to rebuild the system caches.\n\
             # If you edit MAX_EMAIL_PER_HOUR or MAX_EMAIL_PER_HOUR-[domain] you must run /usr/local/cpanel/scripts/updateuserdomains'\n\n\
             DNS={domain}\nIP=192.0.2.10\nUSER=bob\n"
        )
        .as_bytes(),
    );
    w(
        "var/cpanel/userdata/bob/main",
        format!("--- \naddon_domains: {{}}\n\nmain_domain: {domain}\nparked_domains: []\n\nsub_domains: []\n\n")
            .as_bytes(),
    );
}

/// Applies a unified diff in `dir` with GNU patch as an administrator would
/// (`patch -p1 -E --batch --no-backup-if-mismatch`, the diff on standard input). `patch` is the
/// program (a path from [`tool`], or `patch` from `PATH`).
pub fn apply_patch(patch: &Path, dir: &Path, diff: &[u8]) -> std::process::Output {
    use std::io::Write;
    use std::process::{Command, Stdio};
    Command::new(patch)
        .args(["-p1", "-E", "--batch", "--no-backup-if-mismatch", "-i", "-"])
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            child.stdin.take().unwrap().write_all(diff)?;
            child.wait_with_output()
        })
        .expect("GNU patch is needed for this test (apt-get install patch)")
}

/// A real authoritative DNS server for the `--resolve` tests: BIND's `named` (Debian `bind9`),
/// run in the foreground on 127.0.0.1 and a free port with its own configuration, serving the
/// zone files of a directory (`NAME.db` serves the zone NAME) and nothing else (`recursion no`:
/// every other name is REFUSED, and the server sends no query anywhere). It runs as `nobody`
/// when the tests run as root. Dropping it kills the server, also when a test fails.
pub struct Bind {
    pub port: u16,
    child: std::process::Child,
    _dir: tempfile::TempDir,
}

impl Bind {
    /// Starts `named` serving the zones of `zones`, or `None` (skipped loudly) when `named` is
    /// not installed and MAILLINT_REQUIRE_TOOLS is not set.
    pub fn start(zones: &Path) -> Option<Bind> {
        let named = tool("named", "bind9")?;
        let dir = tempfile::tempdir().unwrap();
        // named wants its directory writable by the user it runs as (nobody).
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        let mut conf_zones = String::new();
        let mut entries: Vec<_> = std::fs::read_dir(zones)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            let Some(name) = p
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".db"))
            else {
                continue;
            };
            let file = dir.path().join(format!("{name}.db"));
            std::fs::copy(&p, &file).unwrap();
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
            conf_zones.push_str(&format!(
                "zone \"{name}\" {{ type primary; file \"{}\"; }};\n",
                file.display()
            ));
        }
        let root = rustix::process::geteuid().is_root();
        for _attempt in 0..5 {
            let port = free_port();
            let conf = dir.path().join("named.conf");
            std::fs::write(
                &conf,
                format!(
                    "options {{\n  directory \"{dir}\";\n  pid-file none;\n  listen-on port {port} {{ 127.0.0.1; }};\n  listen-on-v6 {{ none; }};\n  recursion no;\n  allow-query {{ 127.0.0.1; }};\n  dnssec-validation no;\n  notify no;\n  session-keyfile none;\n}};\ncontrols {{ }};\nlogging {{ category default {{ default_stderr; }}; category lame-servers {{ null; }}; }};\n{conf_zones}",
                    dir = dir.path().display()
                ),
            )
            .unwrap();
            std::fs::set_permissions(&conf, std::fs::Permissions::from_mode(0o644)).unwrap();
            let mut cmd = if root {
                let mut c = std::process::Command::new("setpriv");
                c.args(["--reuid=nobody", "--regid=nogroup", "--clear-groups"])
                    .arg(&named);
                c
            } else {
                std::process::Command::new(&named)
            };
            cmd.arg("-g")
                .arg("-c")
                .arg(&conf)
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::fs::File::create(dir.path().join("named.log")).unwrap());
            let mut child = cmd.spawn().expect("start named");
            if wait_ready(&mut child, port) {
                return Some(Bind {
                    port,
                    child,
                    _dir: dir,
                });
            }
            let _ = child.kill();
            let _ = child.wait();
            let log = std::fs::read_to_string(dir.path().join("named.log")).unwrap_or_default();
            // Another process took the port between the probe and named's bind: try another.
            if !log.contains("address in use") {
                panic!("named did not start:\n{log}");
            }
        }
        panic!("named: no free port found");
    }

    /// `127.0.0.1:PORT`, for `--resolver`.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for Bind {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until the server answers a query (its SOA for `.` is REFUSED, which is an answer).
fn wait_ready(child: &mut std::process::Child, port: u16) -> bool {
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(std::time::Duration::from_millis(50)))
        .unwrap();
    // ID 0x4d4c, RD=0, one question: `. SOA IN`.
    let query = [0x4d, 0x4c, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 1];
    let start = std::time::Instant::now();
    let mut buf = [0u8; 512];
    while start.elapsed() < std::time::Duration::from_secs(10) {
        if let Ok(Some(_)) = child.try_wait() {
            return false;
        }
        let _ = sock.send_to(&query, ("127.0.0.1", port));
        if let Ok((n, _)) = sock.recv_from(&mut buf)
            && n >= 2
            && buf[..2] == [0x4d, 0x4c]
        {
            return true;
        }
    }
    false
}

/// A port free on 127.0.0.1 for both UDP and TCP, at the time of asking.
pub fn free_port() -> u16 {
    loop {
        let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = udp.local_addr().unwrap().port();
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}
