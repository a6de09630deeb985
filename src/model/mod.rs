//! The server model: everything maillint knows about the server, built once from the parsed
//! files of the tree, then read by every rule.
//!
//! Building the model is the only step that asks the [`crate::tree`] for files. A file that is
//! missing is normal and means "nothing there"; a file that cannot be parsed still contributes
//! what could be parsed, and its syntax errors are kept for CP001/EXIM001.

use std::sync::Arc;

use crate::finding::Files;
use crate::parse::{SyntaxError, domainlist};
use crate::source::SourceFile;

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
}

/// A syntax error in a file, with the name of the format it was read as.
#[derive(Clone, Debug)]
pub struct ParseProblem {
    pub file: String,
    /// What the file is, in words ("domain list", "cPanel user file").
    pub format: &'static str,
    pub error: SyntaxError,
}

/// The three routing lists (cpanel.md §2.3). `None` when the file does not exist.
#[derive(Clone, Debug, Default)]
pub struct RoutingLists {
    pub local: Option<Parsed<domainlist::DomainList>>,
    pub remote: Option<Parsed<domainlist::DomainList>>,
    pub secondary: Option<Parsed<domainlist::DomainList>>,
}

impl RoutingLists {
    pub fn iter(&self) -> impl Iterator<Item = &Parsed<domainlist::DomainList>> {
        [&self.local, &self.remote, &self.secondary]
            .into_iter()
            .flatten()
    }
}

/// The whole server.
#[derive(Debug, Default)]
pub struct Server {
    /// The root as the user gave it.
    pub root: String,
    pub root_dir: std::path::PathBuf,
    /// Every file read, by display path.
    pub files: Files,
    pub parse_problems: Vec<ParseProblem>,
    pub lists: RoutingLists,
}

impl Server {
    /// Records a file read and returns it shared.
    pub(crate) fn add_file(&mut self, src: SourceFile) -> Arc<SourceFile> {
        let src = Arc::new(src);
        self.files.insert(src.clone());
        src
    }

    pub(crate) fn problems(
        &mut self,
        file: &str,
        format: &'static str,
        errors: impl IntoIterator<Item = SyntaxError>,
    ) {
        self.parse_problems
            .extend(errors.into_iter().map(|error| ParseProblem {
                file: file.to_string(),
                format,
                error,
            }));
    }

    /// Parses a domain list and records its problems.
    pub(crate) fn domain_list(&mut self, src: SourceFile) -> Parsed<domainlist::DomainList> {
        let src = self.add_file(src);
        let doc = domainlist::parse(&src);
        let errs: Vec<SyntaxError> = doc.errors().cloned().collect();
        self.problems(src.path(), "domain list", errs);
        Parsed { src, doc }
    }
}

/// What the model takes from the configuration and the command line.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Addresses of this server added to what the tree says (`[server] ips`, `--server-ip`).
    pub server_ips: Vec<std::net::IpAddr>,
    /// The host name, overriding the tree (`[server] hostname`, `--hostname`).
    pub hostname: Option<String>,
    pub nameservers: Vec<String>,
    pub gateway_mx: Vec<String>,
    pub pop_max_bytes: u64,
}

impl Options {
    pub fn from_config(cfg: &crate::config::Config) -> Options {
        Options {
            server_ips: cfg.server.ips.clone(),
            hostname: cfg.server.hostname.clone(),
            nameservers: cfg.server.nameservers.clone(),
            gateway_mx: cfg.server.gateway_mx.clone(),
            pop_max_bytes: cfg.mailbox.pop_max_bytes,
        }
    }
}

impl Server {
    pub fn account_count(&self) -> usize {
        0
    }

    pub fn domain_count(&self) -> usize {
        0
    }

    /// Whether the tree is read from an archive (fixes cannot be written there).
    pub fn is_archive(&self) -> bool {
        false
    }

    /// The root directory on disk.
    pub fn root_dir(&self) -> &std::path::Path {
        &self.root_dir
    }

    /// Display paths of directories maillint never writes into (account homes).
    pub fn protected_dirs(&self) -> Vec<String> {
        Vec::new()
    }
}

/// Reads the tree at `path` and builds the model; files of the overlay (fixes applied in
/// memory) replace the files on disk.
pub fn load(
    path: Option<&std::path::Path>,
    _opts: &Options,
    overlay: &crate::fix::Overlay,
) -> Result<Server, String> {
    let root = path.unwrap_or(std::path::Path::new("/"));
    let mut server = Server {
        root: root.display().to_string(),
        root_dir: root.to_path_buf(),
        ..Server::default()
    };
    let read = |rel: &str| -> Option<SourceFile> {
        match overlay.get(rel) {
            Some(Some(bytes)) => Some(SourceFile::new(rel, bytes.clone())),
            Some(None) => None,
            None => std::fs::read(root.join(rel))
                .ok()
                .map(|b| SourceFile::new(rel, b)),
        }
    };
    if let Some(f) = read("etc/localdomains") {
        server.lists.local = Some(server.domain_list(f));
    }
    if let Some(f) = read("etc/remotedomains") {
        server.lists.remote = Some(server.domain_list(f));
    }
    if let Some(f) = read("etc/secondarymx") {
        server.lists.secondary = Some(server.domain_list(f));
    }
    Ok(server)
}
