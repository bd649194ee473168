//! Issue 14, "a newcomer's first hour": every command tells the truth.
//! Each test drives the built binary the way a new user would.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const HK: &str = "corpus/regressions/hong-kong-2019.json";
const CANARY: &str = "corpus/regressions/canary-minimal-loophole.json";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs privdiff in `dir`.
fn privdiff_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_privdiff")).args(args).current_dir(dir).output().expect("privdiff runs")
}

/// Runs privdiff at the repository root.
fn privdiff(args: &[&str]) -> Output {
    privdiff_in(&root(), args)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh temporary directory for one test.
fn tmpdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("privdiff-issue14-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn canary_text() -> String {
    std::fs::read_to_string(root().join(CANARY)).unwrap()
}

/// Exit 2 with one line on stderr, no panic; returns the line.
fn unusable(o: &Output) -> String {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "exit 2: {err}\n{}", stdout(o));
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err:?}");
    assert!(err.starts_with("privdiff: "), "{err}");
    err
}

// ---- Errors that say too little ----

/// Every case-file error prints its detail once.
#[test]
fn case_file_errors_print_their_detail_once() {
    let d = tmpdir("once");
    let bad = d.join("bad.json");
    std::fs::write(&bad, canary_text().replace("\"bob\"", "\"mallory\"")).unwrap();
    let cut = d.join("cut.json");
    std::fs::write(&cut, &canary_text()[..120]).unwrap();
    for (file, detail) in [(&bad, "unknown user name \"mallory\""), (&cut, "EOF while parsing")] {
        let err = unusable(&privdiff(&["replay", file.to_str().unwrap()]));
        assert_eq!(err.matches(detail).count(), 1, "{err}");
        let check = privdiff(&["corpus", "check", d.to_str().unwrap()]);
        assert_eq!(check.status.code(), Some(1));
        let out = stdout(&check);
        let line = out.lines().find(|l| l.contains(file.to_str().unwrap())).unwrap();
        assert_eq!(line.matches(detail).count(), 1, "{line}");
    }
    std::fs::remove_dir_all(&d).unwrap();
}

/// A case file holds at most 64 operations, as a run does.
#[test]
fn a_case_file_with_more_than_64_operations_is_refused() {
    let d = tmpdir("ops");
    let mut case: Value = serde_json::from_str(&canary_text()).unwrap();
    let op = case["ops"][1].clone();
    let ops = case["ops"].as_array_mut().unwrap();
    while ops.len() < 64 {
        ops.push(op.clone());
    }
    let ok = d.join("ok.json");
    std::fs::write(&ok, serde_json::to_string(&case).unwrap()).unwrap();
    let o = privdiff(&["replay", ok.to_str().unwrap()]);
    assert_ne!(o.status.code(), Some(2), "64 operations are fine: {}", stderr(&o));
    case["ops"].as_array_mut().unwrap().push(op);
    let long = d.join("long.json");
    std::fs::write(&long, serde_json::to_string(&case).unwrap()).unwrap();
    let err = unusable(&privdiff(&["replay", long.to_str().unwrap()]));
    assert!(err.contains("65 operations; a run holds at most 64"), "{err}");
    std::fs::remove_dir_all(&d).unwrap();
}

/// clap's errors are shown in full: the missing argument is named.
#[test]
fn usage_errors_are_shown_in_full() {
    let err = unusable(&privdiff(&["replay"]));
    assert!(err.starts_with("privdiff: the following required arguments were not provided: <FILE>"), "{err}");
    assert!(err.contains("(usage: privdiff replay <FILE>)"), "{err}");
    let err = unusable(&privdiff(&["minimize", CANARY]));
    assert!(err.contains("not provided: --output <OUTPUT>"), "{err}");
    let err = unusable(&privdiff(&["replay", "--frobnicate", CANARY]));
    assert!(err.contains("unexpected argument '--frobnicate' found; tip:"), "{err}");
}

/// A bare `privdiff` prints the help on stdout, not an error.
#[test]
fn bare_privdiff_prints_help() {
    let o = privdiff(&[]);
    assert_eq!(o.status.code(), Some(2), "nothing was asked, nothing done");
    let out = stdout(&o);
    assert!(out.contains("Usage: privdiff <COMMAND>") && out.contains("replay"), "{out}");
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
}

/// Negative numbers are values, refused with the real limit.
#[test]
fn negative_and_absurd_counts_are_refused_with_the_real_limit() {
    for (args, needle) in [
        (vec!["--members", "-5"], "members must be between 1 and 99,999,999 (the size of the numbering plan), got -5"),
        (vec!["--members", "1000000000000"], "members must be between 1 and 99,999,999"),
        (vec!["--seed", "-1"], "the seed must be between 0 and"),
        (vec!["--imports", "-3"], "got '-3'"),
        (vec!["--members", "100", "--hide-share", "-0.5"], "hide share must be between 0 and 1, got -0.5"),
    ] {
        let mut all = vec!["scenario", "hk2019"];
        all.extend(args.iter());
        let first = unusable(&privdiff(&all));
        assert!(first.contains(needle), "{args:?}: {first}");
        assert!(!first.contains("unexpected argument"), "{first}");
        assert!(!first.contains("4294967295"), "not the u32 range: {first}");
    }
}

/// What cannot fit in memory is refused before anything is allocated.
#[test]
fn members_that_cannot_fit_in_memory_are_refused_up_front() {
    let o = Command::new(env!("CARGO_BIN_EXE_privdiff"))
        .args(["scenario", "hk2019", "--members", "99999999"])
        .env("PRIVDIFF_MAX_MEMORY", "1000000000")
        .output()
        .unwrap();
    let err = unusable(&o);
    assert!(err.contains("needs about 35.0 GB of memory") && err.contains("1.0 GB is available"), "{err}");
    assert!(stdout(&o).is_empty());
}

/// More member numbers than members: refused, not silently turned into
/// numbers of nobody.
#[test]
fn imports_above_the_member_count_are_refused() {
    let err = unusable(&privdiff(&["scenario", "hk2019", "--members", "1000", "--imports", "5000"]));
    assert!(err.contains("are 5000 members' numbers, but the group has only 1000 members"), "{err}");
    let o = privdiff(&["scenario", "hk2019", "--members", "1000", "--imports", "2000", "--member-share", "0.5"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}
