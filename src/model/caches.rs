//! cPanel's caches of its account files, with the modification times cPanel compares
//! (`shared/reference/cpanel.md` §9.3): `var/cpanel/users.cache/USER` (JSON of the cpuser file
//! as cPanel parses it) and `var/cpanel/userdata/USER/NAME.cache` (JSON of the YAML file NAME).
//! Read only when a rule needs them ([`crate::model::Needs::CACHES`]).

use std::sync::Arc;

use crate::parse::userdata::{Node, NodeKind, YamlDoc};
use crate::source::SourceFile;

/// A cache file, with its modification time (seconds).
#[derive(Clone, Debug)]
pub struct CacheFile {
    pub src: Arc<SourceFile>,
    /// `None` when the file was not read from disk (a fix wrote it in memory).
    pub mtime: Option<i64>,
}

/// `var/cpanel/userdata/USER/NAME.cache` with the YAML file it caches.
#[derive(Clone, Debug)]
pub struct UserdataCache {
    /// The display path of the YAML file.
    pub yaml: String,
    /// Its modification time; `None` when a fix wrote it in memory (then it is newer than any
    /// cache).
    pub yaml_mtime: Option<i64>,
    /// The YAML file's data as cPanel's YAML reader gives it: mappings, lists, strings and
    /// nulls (every scalar a string).
    pub data: serde_json::Value,
    pub cache: CacheFile,
}

/// A YAML node as data (every scalar a string, as YAML::Syck loads them).
pub fn yaml_value(node: &Node) -> serde_json::Value {
    use serde_json::Value;
    match &node.kind {
        NodeKind::Map(entries) => {
            let mut m = serde_json::Map::new();
            for e in entries {
                // The last of a repeated key wins, as in Perl.
                m.insert(e.key.value.clone(), yaml_value(&e.value));
            }
            Value::Object(m)
        }
        NodeKind::Seq(items) => Value::Array(items.iter().map(yaml_value).collect()),
        NodeKind::Scalar(s) => Value::String(s.value.clone()),
        NodeKind::Null => Value::Null,
    }
}

/// A whole YAML document as data (`null` when it is empty).
pub fn yaml_doc_value(doc: &YamlDoc) -> serde_json::Value {
    doc.root
        .as_ref()
        .map_or(serde_json::Value::Null, yaml_value)
}
