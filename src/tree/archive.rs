//! The archive backend: an in-memory index of an account backup `.tar.gz` / `.tar`, built by
//! streaming the archive once (the policy is described in the parent module).

use std::collections::HashMap;
use std::io::Read;

use super::{DirEntry, Fail, Kind, Meta, Skip, SkipKind, Stat, Timestamp};

/// Bookkeeping bytes charged per entry against the memory cap, on top of its path (which is
/// stored twice: in the entry and as the lookup key).
const ENTRY_OVERHEAD: u64 = 192;

/// Backup directories whose contents are kept.
const CONTENT_DIRS: &[&[u8]] = &[
    b"cp",
    b"userdata",
    b"dnszones",
    b"va",
    b"vad",
    b"vf",
    b"domainkeys/public",
];

enum Content {
    /// Not a regular file.
    None,
    Kept(Box<[u8]>),
    /// Only the name and size were kept (by policy).
    NotKept,
    TooLarge,
    /// Dropped because the memory cap was reached.
    Dropped,
}

struct Entry {
    path: Box<[u8]>,
    kind: Kind,
    meta: Meta,
    content: Content,
    /// Link text of a symlink or hard link.
    link: Option<(Box<[u8]>, bool)>,
}

impl Entry {
    fn name(&self) -> &[u8] {
        match self.path.iter().rposition(|&b| b == b'/') {
            Some(i) => &self.path[i + 1..],
            None => &self.path,
        }
    }
}

pub(super) struct Index {
    entries: Vec<Entry>,
    by_path: HashMap<Box<[u8]>, u32>,
    /// Directory path (empty for the top) → indices of its entries, sorted by name.
    children: HashMap<Box<[u8]>, Vec<u32>>,
}

/// Limits for building an index.
pub(super) struct Limits {
    pub max_file_size: u64,
    pub max_memory: u64,
    pub max_entries: usize,
}

/// Which stored paths are kept at all, and whether their contents are.
fn keep(path: &[u8]) -> Option<bool> {
    let under = |dir: &[u8]| {
        path.len() > dir.len() && path.starts_with(dir) && path[dir.len()] == b'/' || path == dir
    };
    if CONTENT_DIRS.iter().any(|d| under(d)) {
        return Some(true);
    }
    if path == b"domainkeys" {
        return Some(false);
    }
    if under(b"homedir") {
        let rest = path.get(b"homedir/".len()..).unwrap_or_default();
        let content = under(b"homedir/etc")
            || under(b"homedir/.cpanel")
            || (rest.starts_with(b".") && !rest.contains(&b'/'));
        return Some(content);
    }
    None
}

/// Top directory names of a backup (`cpmove-USER`, `backup-DATE_USER`).
fn is_top_dir(name: &[u8]) -> bool {
    name.starts_with(b"cpmove-") || name.starts_with(b"backup-")
}

/// Normalises an entry path: `Err` when it is absolute or has `..`.
fn normalise(raw: &[u8]) -> Result<Vec<&[u8]>, &'static str> {
    if raw.starts_with(b"/") {
        return Err("has an absolute path");
    }
    let mut out = Vec::new();
    for c in raw.split(|&b| b == b'/') {
        match c {
            b"" | b"." => {}
            b".." => return Err("has a `..` component"),
            c => out.push(c),
        }
    }
    Ok(out)
}

fn kind_of(t: tar::EntryType) -> Option<Kind> {
    use tar::EntryType as T;
    Some(match t {
        T::Regular | T::Continuous | T::GNUSparse => Kind::File,
        T::Directory => Kind::Dir,
        T::Symlink | T::Link => Kind::Symlink,
        T::Fifo => Kind::Fifo,
        T::Char | T::Block => Kind::Device,
        // Metadata entries (long names, PAX headers) are consumed by the tar crate; anything
        // else is not a file.
        T::XGlobalHeader | T::XHeader | T::GNULongName | T::GNULongLink => return None,
        _ => Kind::Other,
    })
}

struct Builder<'a> {
    index: Index,
    skips: Vec<Skip>,
    limits: &'a Limits,
    memory: u64,
    dropped_reported: bool,
    display: &'a str,
    /// The top directory, once the first entry was seen (`Some(None)`: the archive has none).
    top: Option<Option<Vec<u8>>>,
}

impl Builder<'_> {
    fn skip(&mut self, path: String, kind: SkipKind, detail: String) {
        self.skips.push(Skip { path, kind, detail });
    }

    /// Inserts or replaces an entry, creating implied parent directories.
    fn insert(&mut self, entry: Entry) {
        let mut end = 0;
        while let Some(i) = entry.path[end..].iter().position(|&b| b == b'/') {
            let parent = &entry.path[..end + i];
            if !self.index.by_path.contains_key(parent) {
                let dir = Entry {
                    path: parent.into(),
                    kind: Kind::Dir,
                    meta: Meta {
                        mode: 0o755,
                        ..Meta::default()
                    },
                    content: Content::None,
                    link: None,
                };
                self.push(dir);
            }
            end += i + 1;
        }
        match self.index.by_path.get(&entry.path) {
            // A later entry for the same path replaces the earlier one, as extraction would.
            Some(&i) => {
                let old = &mut self.index.entries[i as usize];
                old.kind = entry.kind;
                old.meta = Meta {
                    ino: old.meta.ino,
                    ..entry.meta
                };
                old.content = entry.content;
                old.link = entry.link;
            }
            None => self.push(entry),
        }
    }

    fn push(&mut self, mut entry: Entry) {
        let i = self.index.entries.len() as u32;
        entry.meta.ino = u64::from(i) + 1;
        self.memory += ENTRY_OVERHEAD + 2 * entry.path.len() as u64;
        self.index.by_path.insert(entry.path.clone(), i);
        self.index.entries.push(entry);
    }

    fn add(&mut self, entry: &mut tar::Entry<'_, impl Read>) -> std::io::Result<()> {
        let raw = entry.path_bytes().into_owned();
        let shown = String::from_utf8_lossy(&raw).into_owned();
        let comps = match normalise(&raw) {
            Ok(c) => c,
            Err(why) => {
                self.skip(
                    shown,
                    SkipKind::ArchiveEntry,
                    format!("this archive entry {why}; ignored (it would land outside the backup)"),
                );
                return Ok(());
            }
        };
        let Some(kind) = kind_of(entry.header().entry_type()) else {
            return Ok(());
        };
        // Strip the top directory (`cpmove-USER/`), when the archive has one; the first entry
        // decides whether it has one.
        let Some(first) = comps.first() else {
            return Ok(());
        };
        let top = self
            .top
            .get_or_insert_with(|| is_top_dir(first).then(|| first.to_vec()));
        let comps = match top {
            Some(top) if top[..] == first[..] => &comps[1..],
            Some(top) => {
                let top = String::from_utf8_lossy(top).into_owned();
                self.skip(
                    shown,
                    SkipKind::ArchiveEntry,
                    format!(
                        "this archive entry is outside the backup's top directory `{top}/`; ignored"
                    ),
                );
                return Ok(());
            }
            None => &comps[..],
        };
        if comps.is_empty() {
            return Ok(());
        }
        let path = comps.join(&b'/');
        let Some(keep_content) = keep(&path) else {
            return Ok(());
        };
        let header = entry.header();
        let size = entry.size();
        let meta = Meta {
            mode: header.mode().unwrap_or(0) & 0o7777,
            uid: header.uid().unwrap_or(0).try_into().unwrap_or(u32::MAX),
            gid: header.gid().unwrap_or(0).try_into().unwrap_or(u32::MAX),
            size: if kind == Kind::File { size } else { 0 },
            mtime: Timestamp {
                secs: header.mtime().unwrap_or(0).try_into().unwrap_or(i64::MAX),
                nanos: 0,
            },
            dev: 0,
            ino: 0,
        };
        let link = if kind == Kind::Symlink {
            let hard = header.entry_type() == tar::EntryType::Link;
            Some((
                entry
                    .link_name_bytes()
                    .unwrap_or_default()
                    .into_owned()
                    .into(),
                hard,
            ))
        } else {
            None
        };
        let content = if kind != Kind::File {
            Content::None
        } else if !keep_content {
            Content::NotKept
        } else if size > self.limits.max_file_size {
            Content::TooLarge
        } else if self.memory + size > self.limits.max_memory {
            if !self.dropped_reported {
                self.dropped_reported = true;
                let limit = self.limits.max_memory;
                self.skip(
                    self.display.to_owned(),
                    SkipKind::ArchiveLimit,
                    format!(
                        "the archive holds more than the {limit} bytes maillint keeps in memory; \
                         files from `{}` on were not kept",
                        String::from_utf8_lossy(&path)
                    ),
                );
            }
            Content::Dropped
        } else {
            let mut bytes = Vec::with_capacity(size as usize);
            entry
                .by_ref()
                .take(self.limits.max_file_size + 1)
                .read_to_end(&mut bytes)?;
            if bytes.len() as u64 > self.limits.max_file_size {
                Content::TooLarge
            } else {
                self.memory += bytes.len() as u64;
                Content::Kept(bytes.into_boxed_slice())
            }
        };
        self.insert(Entry {
            path: path.into_boxed_slice(),
            kind,
            meta,
            content,
            link,
        });
        Ok(())
    }
}

/// Streams a tar archive (already decompressed) into an index. `Err` only when nothing could be
/// read at all; later errors are reported as skips and the entries read so far are kept.
pub(super) fn build(
    reader: impl Read,
    display: &str,
    limits: &Limits,
) -> Result<(Index, Vec<Skip>), String> {
    let mut archive = tar::Archive::new(reader);
    let mut b = Builder {
        index: Index {
            entries: Vec::new(),
            by_path: HashMap::new(),
            children: HashMap::new(),
        },
        skips: Vec::new(),
        limits,
        memory: 0,
        dropped_reported: false,
        display,
        top: None,
    };
    let entries = archive.entries().map_err(|e| e.to_string())?;
    for (count, item) in entries.enumerate() {
        let mut entry = match item {
            Ok(e) => e,
            Err(e) if count == 0 => return Err(e.to_string()),
            Err(e) => {
                b.skip(
                    display.to_owned(),
                    SkipKind::ArchiveEntry,
                    format!(
                        "the archive is damaged after {count} entries ({e}); the rest was not read"
                    ),
                );
                break;
            }
        };
        if b.index.entries.len() >= limits.max_entries
            || b.memory + ENTRY_OVERHEAD > limits.max_memory
        {
            let detail = format!(
                "the archive has more entries than maillint indexes ({} entries, {} bytes); \
                 entries from `{}` on were not read",
                limits.max_entries,
                limits.max_memory,
                String::from_utf8_lossy(&entry.path_bytes())
            );
            b.skip(display.to_owned(), SkipKind::ArchiveLimit, detail);
            break;
        }
        if let Err(e) = b.add(&mut entry) {
            let path = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            b.skip(
                display.to_owned(),
                SkipKind::ArchiveEntry,
                format!("cannot read the archive entry `{path}` ({e}); the rest was not read"),
            );
            break;
        }
    }
    let mut index = b.index;
    for (i, e) in index.entries.iter().enumerate() {
        let parent: &[u8] = match e.path.iter().rposition(|&b| b == b'/') {
            Some(p) => &e.path[..p],
            None => b"",
        };
        index
            .children
            .entry(parent.into())
            .or_default()
            .push(i as u32);
    }
    let entries = &index.entries;
    for list in index.children.values_mut() {
        list.sort_unstable_by(|&a, &b| entries[a as usize].name().cmp(entries[b as usize].name()));
    }
    Ok((index, b.skips))
}

impl Index {
    /// Names of the regular files directly in a directory of the backup (for `cp/`).
    pub(super) fn files_in(&self, dir: &[u8]) -> Vec<String> {
        self.children
            .get(dir)
            .into_iter()
            .flatten()
            .map(|&i| &self.entries[i as usize])
            .filter(|e| e.kind == Kind::File)
            .map(|e| String::from_utf8_lossy(e.name()).into_owned())
            .collect()
    }

    /// Finds an entry, refusing to go through links.
    fn lookup(&self, comps: &[Vec<u8>]) -> Result<Option<&Entry>, Fail> {
        let mut path: Vec<u8> = Vec::new();
        for (i, c) in comps.iter().enumerate() {
            if i > 0 {
                path.push(b'/');
            }
            path.extend_from_slice(c);
            let Some(&idx) = self.by_path.get(&path[..]) else {
                return Err(Fail::Missing);
            };
            let e = &self.entries[idx as usize];
            if i + 1 == comps.len() {
                return Ok(Some(e));
            }
            match e.kind {
                Kind::Dir => {}
                Kind::Symlink => {
                    let target = e
                        .link
                        .as_ref()
                        .map(|(t, _)| String::from_utf8_lossy(t).into_owned())
                        .unwrap_or_default();
                    return Err(Fail::Skip(
                        SkipKind::SymlinkInUserTree,
                        format!(
                            "`{}` is a link (to `{target}`) in the account backup; links in a \
                             backup are never followed",
                            String::from_utf8_lossy(&path)
                        ),
                    ));
                }
                other => {
                    return Err(Fail::Skip(
                        SkipKind::NotADirectory,
                        format!(
                            "`{}` is a {}, not a directory",
                            String::from_utf8_lossy(&path),
                            other.describe()
                        ),
                    ));
                }
            }
        }
        Ok(None)
    }

    pub(super) fn read_file(&self, comps: &[Vec<u8>], cap: u64) -> Result<(Vec<u8>, Meta), Fail> {
        let Some(e) = self.lookup(comps)? else {
            return Err(Fail::Skip(
                SkipKind::Directory,
                "is the top of the backup, not a regular file; not read".to_owned(),
            ));
        };
        match e.kind {
            Kind::File => {}
            Kind::Symlink => {
                let (target, hard) = e.link.as_ref().map_or((String::new(), false), |(t, h)| {
                    (String::from_utf8_lossy(t).into_owned(), *h)
                });
                let what = if hard { "hard link" } else { "symlink" };
                let detail =
                    format!("is a {what} to `{target}` in the archive; links are never followed");
                return Err(Fail::Skip(SkipKind::Symlink { target }, detail));
            }
            other => {
                return Err(Fail::Skip(
                    SkipKind::for_kind(other),
                    format!(
                        "is a {} in the archive, not a regular file; not read",
                        other.describe()
                    ),
                ));
            }
        }
        let size = e.meta.size;
        match &e.content {
            Content::Kept(bytes) if bytes.len() as u64 <= cap => Ok((bytes.to_vec(), e.meta)),
            Content::Kept(_) | Content::TooLarge => Err(Fail::Skip(
                SkipKind::TooLarge { size, limit: cap },
                format!("is {size} bytes, more than the {cap}-byte limit per file; not read"),
            )),
            Content::NotKept | Content::None => Err(Fail::Skip(
                SkipKind::NotKept,
                "maillint keeps only names and sizes for this part of an account archive; \
                 not read"
                    .to_owned(),
            )),
            Content::Dropped => Err(Fail::Skip(
                SkipKind::ArchiveLimit,
                "was not kept: the archive exceeded the memory maillint allows for it".to_owned(),
            )),
        }
    }

    pub(super) fn stat(&self, comps: &[Vec<u8>]) -> Result<Stat, Fail> {
        Ok(match self.lookup(comps)? {
            Some(e) => Stat {
                kind: e.kind,
                meta: e.meta,
            },
            None => Stat {
                kind: Kind::Dir,
                meta: Meta {
                    mode: 0o755,
                    ..Meta::default()
                },
            },
        })
    }

    pub(super) fn read_dir(&self, comps: &[Vec<u8>]) -> Result<Vec<DirEntry>, Fail> {
        if let Some(e) = self.lookup(comps)? {
            match e.kind {
                Kind::Dir => {}
                Kind::Symlink => {
                    return Err(Fail::Skip(
                        SkipKind::SymlinkInUserTree,
                        "is a link in the account backup; links in a backup are never followed"
                            .to_owned(),
                    ));
                }
                other => {
                    return Err(Fail::Skip(
                        SkipKind::NotADirectory,
                        format!("is a {}, not a directory", other.describe()),
                    ));
                }
            }
        }
        let key = comps.join(&b'/');
        Ok(self
            .children
            .get(&key[..])
            .into_iter()
            .flatten()
            .map(|&i| {
                let e = &self.entries[i as usize];
                DirEntry {
                    name: e.name().to_vec(),
                    kind: e.kind,
                    meta: e.meta,
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keep_policy() {
        assert_eq!(keep(b"cp/bob"), Some(true));
        assert_eq!(keep(b"cp"), Some(true));
        assert_eq!(keep(b"userdata/main"), Some(true));
        assert_eq!(keep(b"domainkeys/public/example.com"), Some(true));
        assert_eq!(keep(b"domainkeys/private/example.com"), None);
        assert_eq!(keep(b"domainkeys"), Some(false));
        assert_eq!(keep(b"homedir/etc/example.com/shadow"), Some(true));
        assert_eq!(keep(b"homedir/.cpanel/email_accounts.json"), Some(true));
        assert_eq!(keep(b"homedir/.forward"), Some(true));
        assert_eq!(keep(b"homedir/mail/example.com/info/cur/1"), Some(false));
        assert_eq!(keep(b"homedir/public_html/index.php"), Some(false));
        assert_eq!(keep(b"homedir/.spamassassin/user_prefs"), Some(false));
        assert_eq!(keep(b"homedir"), Some(false));
        assert_eq!(keep(b"mysql/bob_wp.sql"), None);
        assert_eq!(keep(b"cpx/bob"), None);
        assert_eq!(keep(b"homedirx/a"), None);
    }

    #[test]
    fn entry_paths_are_checked() {
        assert_eq!(
            normalise(b"./cpmove-bob/cp/bob").unwrap(),
            vec![&b"cpmove-bob"[..], b"cp", b"bob"]
        );
        assert!(normalise(b"/etc/passwd").is_err());
        assert!(normalise(b"cpmove-bob/../../evil").is_err());
        assert!(normalise(b"..").is_err());
    }
}
