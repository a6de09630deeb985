//! Writing fixes: what is skipped (and why), what is kept, and restore.

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;

use maillint::clock::Utc;
use maillint::fix::Change;
use maillint::fix::write::{WriteOptions, restore, write_changes};

fn opts(root: &Path) -> WriteOptions {
    let mut o = WriteOptions::new(root, Utc::from_unix(1_795_392_000));
    o.protected = vec!["home/bob".into()];
    o
}

fn write(root: &Path, rel: &str, bytes: &[u8], mode: u32) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(&p, bytes).unwrap();
    fs::set_permissions(&p, fs::Permissions::from_mode(mode)).unwrap();
}

fn mode(p: &Path) -> u32 {
    fs::symlink_metadata(p).unwrap().permissions().mode() & 0o7777
}

#[test]
fn a_file_changed_since_it_was_read_is_skipped_not_clobbered() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(root, "etc/localdomains", b"a.example\nb.example\n", 0o640);
    let change = Change {
        path: "etc/localdomains",
        old: Some(b"a.example\nb.example\n"),
        new: Some(b"a.example\n"),
        mode: None,
    };
    // Someone (cPanel) appends a line after maillint read the file.
    write(
        root,
        "etc/localdomains",
        b"a.example\nb.example\nc.example\n",
        0o640,
    );
    let report = write_changes(&[change], &opts(root)).unwrap();
    assert_eq!(report.skipped.len(), 1);
    assert!(
        report.skipped[0]
            .1
            .contains("changed since maillint read it"),
        "{:?}",
        report.skipped
    );
    assert_eq!(
        fs::read(root.join("etc/localdomains")).unwrap(),
        b"a.example\nb.example\nc.example\n"
    );
    assert!(report.backup.is_none(), "nothing written, so no backup");
    assert!(!root.join("var/lib/maillint").exists());
}

#[test]
fn a_symlinked_target_is_skipped_and_left_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(root, "srv/remote.list", b"x.example\n", 0o644);
    fs::create_dir_all(root.join("etc")).unwrap();
    symlink("../srv/remote.list", root.join("etc/remotedomains")).unwrap();
    let change = Change {
        path: "etc/remotedomains",
        old: Some(b"x.example\n"),
        new: Some(b"x.example\ny.example\n"),
        mode: None,
    };
    let report = write_changes(&[change], &opts(root)).unwrap();
    assert_eq!(report.skipped.len(), 1);
    assert!(
        report.skipped[0].1.contains("is a symlink"),
        "{:?}",
        report.skipped
    );
    assert!(
        fs::symlink_metadata(root.join("etc/remotedomains"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        fs::read(root.join("srv/remote.list")).unwrap(),
        b"x.example\n"
    );
}

#[test]
fn account_homes_are_never_written() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(root, "home/bob/etc/example.com/quota", b"alice:0\n", 0o640);
    let change = Change {
        path: "home/bob/etc/example.com/quota",
        old: Some(b"alice:0\n"),
        new: Some(b"alice:100\n"),
        mode: None,
    };
    let report = write_changes(&[change], &opts(root)).unwrap();
    assert!(
        report.skipped[0].1.contains("account's home directory"),
        "{:?}",
        report.skipped
    );
    assert_eq!(
        fs::read(root.join("home/bob/etc/example.com/quota")).unwrap(),
        b"alice:0\n"
    );
}

#[test]
fn writes_keep_modes_create_files_as_cpanel_does_and_restore_undoes_them() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(root, "etc/localdomains", b"a.example\nb.example\n", 0o640);
    write(root, "var/cpanel/users.cache/bob", b"{}", 0o640);
    let changes = [
        Change {
            path: "etc/localdomains",
            old: Some(b"a.example\nb.example\n"),
            new: Some(b"a.example\n"),
            mode: None,
        },
        Change {
            path: "etc/remotedomains",
            old: None,
            new: Some(b"b.example\n"),
            mode: None,
        },
        Change {
            path: "var/cpanel/users.cache/bob",
            old: Some(b"{}"),
            new: None,
            mode: None,
        },
    ];
    let report = write_changes(&changes, &opts(root)).unwrap();
    assert!(report.skipped.is_empty(), "{:?}", report.skipped);
    assert_eq!(report.modified, ["etc/localdomains"]);
    assert_eq!(report.created, ["etc/remotedomains"]);
    assert_eq!(report.removed, ["var/cpanel/users.cache/bob"]);
    assert_eq!(
        fs::read(root.join("etc/localdomains")).unwrap(),
        b"a.example\n"
    );
    assert_eq!(mode(&root.join("etc/localdomains")), 0o640);
    assert_eq!(
        mode(&root.join("etc/remotedomains")),
        0o644,
        "cPanel writes remotedomains 0644"
    );
    assert!(!root.join("var/cpanel/users.cache/bob").exists());
    let backup = report.backup.unwrap();
    assert!(backup.starts_with(root.join("var/lib/maillint/backup/20261123T000000Z")));
    assert_eq!(mode(&backup), 0o700);
    assert_eq!(
        fs::read(backup.join("files/etc/localdomains")).unwrap(),
        b"a.example\nb.example\n"
    );

    let restored = restore(&backup, None).unwrap();
    assert!(restored.skipped.is_empty(), "{:?}", restored.skipped);
    assert_eq!(
        fs::read(root.join("etc/localdomains")).unwrap(),
        b"a.example\nb.example\n"
    );
    assert_eq!(mode(&root.join("etc/localdomains")), 0o640);
    assert!(
        !root.join("etc/remotedomains").exists(),
        "a file the fix created is removed"
    );
    assert_eq!(
        fs::read(root.join("var/cpanel/users.cache/bob")).unwrap(),
        b"{}"
    );
}

#[test]
fn restore_leaves_files_changed_after_the_fix() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(root, "etc/localdomains", b"a.example\nb.example\n", 0o640);
    let change = Change {
        path: "etc/localdomains",
        old: Some(b"a.example\nb.example\n"),
        new: Some(b"a.example\n"),
        mode: None,
    };
    let report = write_changes(&[change], &opts(root)).unwrap();
    write(root, "etc/localdomains", b"a.example\nnew.example\n", 0o640);
    let restored = restore(&report.backup.unwrap(), None).unwrap();
    assert_eq!(restored.skipped.len(), 1);
    assert!(
        restored.skipped[0]
            .1
            .contains("changed after maillint wrote it")
    );
    assert_eq!(
        fs::read(root.join("etc/localdomains")).unwrap(),
        b"a.example\nnew.example\n"
    );
}

#[test]
fn a_file_that_appeared_is_not_overwritten() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(root, "etc/remotedomains", b"other.example\n", 0o644);
    let change = Change {
        path: "etc/remotedomains",
        old: None,
        new: Some(b"b.example\n"),
        mode: None,
    };
    let report = write_changes(&[change], &opts(root)).unwrap();
    assert!(
        report.skipped[0]
            .1
            .contains("appeared since maillint looked")
    );
    assert_eq!(
        fs::read(root.join("etc/remotedomains")).unwrap(),
        b"other.example\n"
    );
}
