//! Helpers for the tests that drive the built `privdiff` binary the way a
//! user would: run it at the repository root or in a directory, read what
//! it printed, and make a fresh temporary directory per test.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs privdiff in `dir`.
pub fn privdiff_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_privdiff")).args(args).current_dir(dir).output().expect("privdiff runs")
}

/// Runs privdiff at the repository root.
pub fn privdiff(args: &[&str]) -> Output {
    privdiff_in(&root(), args)
}

/// What it printed on stdout.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// What it printed on stderr.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh temporary directory for one test, named after the test crate
/// and `tag` so that test binaries running at once never share one.
pub fn tmpdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("privdiff-{}-{tag}-{}", env!("CARGO_CRATE_NAME"), std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}
