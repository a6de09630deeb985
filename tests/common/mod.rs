//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The shared corpus of real files (`../shared/corpus`, or `$MAILLINT_CORPUS`).
///
/// Tests that need the corpus fail, never skip, when it is not there.
pub fn corpus_dir() -> PathBuf {
    let dir = match std::env::var_os("MAILLINT_CORPUS") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"),
    };
    assert!(
        dir.join("cpanel").is_dir() && dir.join("exim").is_dir(),
        "the shared corpus is not at {} (it must hold cpanel/ and exim/); \
         set MAILLINT_CORPUS to its directory",
        dir.display()
    );
    dir
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
