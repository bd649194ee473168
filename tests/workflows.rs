//! The documented paths from a crash to the corpus, end to end, for every
//! kind of seat (issue 22): a crash (an `explore -o` case, or a fuzz
//! artifact) is replayed, minimised, added to a corpus and checked, and
//! the verdict is asserted at every step. The seats: the patched server
//! with a planted fault (`PRIVDIFF_FAULTS`), the legacy server in the
//! patched seat (`--patched-impl legacy`), and an external implementation
//! (the SQLite example with its planted bug, `--impl`).

mod cli_common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use cli_common::{root, stderr, stdout, tmpdir};

/// One kind of seat: the flags every command of the workflow gets, and
/// the environment.
struct Seat {
    /// For the messages.
    what: &'static str,
    /// Flags of `replay`, `minimize`, `corpus add`, `corpus check`, `explore`.
    flags: Vec<String>,
    /// Environment variables.
    env: Vec<(&'static str, String)>,
    /// The name failures give the failing implementation.
    failing: String,
    /// What the written case records in `patched_impl`.
    records: Option<String>,
    /// The privdiff binary to run (one built with planted faults, for the
    /// patched seat with a fault).
    binary: PathBuf,
}

impl Seat {
    fn run(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new(&self.binary);
        // `corpus check` reads each case's seat from the case; only an
        // external implementation is given to it.
        let flags: &[String] = if args.first() == Some(&"corpus")
            && args.get(1) == Some(&"check")
            && self.flags.first().is_some_and(|f| f == "--patched-impl")
        {
            &[]
        } else {
            &self.flags
        };
        cmd.args(args).args(flags).current_dir(root()).env_remove("PRIVDIFF_FAULTS");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd.output().expect("privdiff runs")
    }

    /// Runs and asserts the exit code, returning stdout.
    fn expect(&self, args: &[&str], code: i32) -> String {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(code),
            "{}: privdiff {args:?} {:?}\nstdout:\n{}\nstderr:\n{}",
            self.what,
            self.flags,
            stdout(&out),
            stderr(&out)
        );
        stdout(&out)
    }
}

/// privdiff built with `--features faults`, where the scripts build it
/// (`target/faults`): the binary `cargo test` builds may lack them.
fn faults_binary() -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let status = Command::new(cargo)
        .args([
            "build",
            "--release",
            "--quiet",
            "--features",
            "faults",
            "--target-dir",
            "target/faults",
            "--bin",
            "privdiff",
        ])
        .current_dir(root())
        .status()
        .expect("cargo runs");
    assert!(status.success(), "cannot build privdiff with faults");
    root().join("target/faults/release/privdiff")
}

fn patched_with_fault() -> Seat {
    Seat {
        binary: faults_binary(),
        what: "patched seat with a planted fault",
        flags: vec![],
        env: vec![("PRIVDIFF_FAULTS", "query-skips-member-check".to_string())],
        failing: "patched".to_string(),
        records: None,
    }
}

fn legacy_seat() -> Seat {
    Seat {
        binary: PathBuf::from(env!("CARGO_BIN_EXE_privdiff")),
        what: "legacy server in the patched seat",
        flags: vec!["--patched-impl".into(), "legacy".into()],
        env: vec![],
        failing: "patched".to_string(),
        records: Some("legacy".to_string()),
    }
}

/// The SQLite example with its planted bug (`scripts/planted-bug.sh`).
fn external_seat() -> Seat {
    let built = Command::new("bash").arg("scripts/planted-bug.sh").current_dir(root()).output().expect("bash runs");
    assert!(built.status.success(), "planted-bug.sh: {}", stderr(&built));
    let binary = String::from_utf8(built.stdout).expect("a path").trim().to_string();
    Seat {
        binary: PathBuf::from(env!("CARGO_BIN_EXE_privdiff")),
        what: "external implementation",
        flags: vec!["--impl".into(), format!("sqlbug={binary}")],
        env: vec![],
        failing: "sqlbug".to_string(),
        records: Some("sqlbug".to_string()),
    }
}

fn case_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).expect("the case was written")).expect("a JSON case")
}

/// A written case records the seat and a failure of the failing seat.
fn assert_records(seat: &Seat, path: &Path) {
    let case = case_json(path);
    assert_eq!(
        case.get("patched_impl").and_then(|v| v.as_str()),
        seat.records.as_deref(),
        "{}: {} records its seat",
        seat.what,
        path.display()
    );
    assert_eq!(case["expected"]["verdict"], "fail", "{}: {}", seat.what, path.display());
    assert_eq!(case["expected"]["implementation"], seat.failing.as_str(), "{}: {}", seat.what, path.display());
}

/// replay -> minimize -> replay -> corpus add -> corpus check, from `crash`.
fn from_crash_to_corpus(seat: &Seat, crash: &Path, dir: &Path) {
    let crash_s = crash.to_str().unwrap();
    let is_case = crash.extension().is_some_and(|e| e == "json");
    let story = seat.expect(&["replay", crash_s], if is_case { 0 } else { 1 });
    assert!(story.contains(&format!("in {}", seat.failing)), "{}: the story names the seat:\n{story}", seat.what);
    if is_case {
        assert!(story.contains("(as expected)"), "{}:\n{story}", seat.what);
    }
    let min = dir.join("min.json");
    let min_s = min.to_str().unwrap();
    seat.expect(&["minimize", crash_s, "-o", min_s], 0);
    assert_records(seat, &min);
    let replayed = seat.expect(&["replay", min_s], 0);
    assert!(replayed.contains("(as expected)"), "{}:\n{replayed}", seat.what);
    let json = seat.expect(&["replay", "--json", min_s], 0);
    let doc: serde_json::Value = serde_json::from_str(&json).expect("replay --json");
    assert_eq!(doc["as_expected"], true, "{}", seat.what);
    assert_eq!(doc["patched_impl"], seat.records.as_deref().unwrap_or("patched"), "{}: the seat, by name", seat.what);
    let corpus = dir.join("corpus");
    std::fs::create_dir_all(&corpus).unwrap();
    let added = seat.expect(&["corpus", "add", crash_s, "--name", "kept", "--dir", corpus.to_str().unwrap()], 0);
    assert!(added.contains("expected fail"), "{}: corpus add keeps the failure:\n{added}", seat.what);
    assert_records(seat, &corpus.join("kept.json"));
    // The same bug kept twice: corpus add says its signature is there.
    let again = seat.run(&["corpus", "add", min_s, "--name", "kept-again", "--dir", corpus.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(0), "{}: {}", seat.what, stderr(&again));
    assert!(stderr(&again).contains("already holds this failure's signature"), "{}: {}", seat.what, stderr(&again));
    let checked = seat.expect(&["corpus", "check", corpus.to_str().unwrap()], 0);
    assert!(checked.contains("2 passed, 0 failed"), "{}:\n{checked}", seat.what);
}

/// `explore -o` finds the bug; the case it wrote goes to the corpus.
fn explore_workflow(seat: &Seat, tag: &str) {
    let dir = tmpdir(tag);
    let found = dir.join("found.json");
    let out = seat.expect(&["explore", "--depth", "3", "-o", found.to_str().unwrap()], 1);
    assert!(out.contains("wrote"), "{}:\n{out}", seat.what);
    assert_records(seat, &found);
    from_crash_to_corpus(seat, &found, &dir);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A fuzz artifact (the typed bytes of the case explore found) goes the
/// same way.
fn artifact_workflow(seat: &Seat, tag: &str) {
    let dir = tmpdir(tag);
    let found = dir.join("found.json");
    seat.expect(&["explore", "--depth", "3", "-o", found.to_str().unwrap()], 1);
    let case = privdiff::corpus::case::Case::parse(&std::fs::read(&found).unwrap()).expect("a case");
    let bytes = privdiff::gen::format::encode(&case.run()).expect("encodes");
    let artifact: PathBuf = dir.join("crash-0123");
    std::fs::write(&artifact, bytes).unwrap();
    from_crash_to_corpus(seat, &artifact, &dir);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn patched_seat_with_a_planted_fault_from_explore_and_from_an_artifact() {
    let seat = patched_with_fault();
    explore_workflow(&seat, "patched-explore");
    artifact_workflow(&seat, "patched-artifact");
}

#[test]
fn legacy_seat_from_explore_and_from_an_artifact() {
    explore_workflow(&legacy_seat(), "legacy-explore");
    artifact_workflow(&legacy_seat(), "legacy-artifact");
}

#[test]
fn external_seat_from_explore_and_from_an_artifact() {
    let seat = external_seat();
    explore_workflow(&seat, "external-explore");
    artifact_workflow(&seat, "external-artifact");
    // Without its --impl, a case recorded against the external
    // implementation is refused, never replayed with the built-in server
    // and reported as a pass.
    let dir = tmpdir("external-bare");
    let found = dir.join("found.json");
    seat.expect(&["explore", "--depth", "3", "-o", found.to_str().unwrap()], 1);
    let bare = Seat { flags: vec![], ..seat };
    let out = bare.run(&["replay", found.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(stderr(&out).contains("--impl sqlbug="), "{}", stderr(&out));
    let out = bare.run(&["corpus", "check", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "only skipped cases is not a pass: {}", stdout(&out));
    assert!(stdout(&out).contains("skipped"), "{}", stdout(&out));
    std::fs::remove_dir_all(&dir).unwrap();
}
