//! The SQLite example server (`examples/sqlite_server.rs`) judged through
//! the out-of-process adapter: the correct server passes the reviewed cases
//! and seeded runs; the planted SQL bug (`examples/sqlite_server.bug.patch`)
//! is caught with a failure that names the rule and the implementation.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use privdiff::corpus::case::Case;
use privdiff::models::external::ImplSpec;
use privdiff::oracle::engine::{Engine, Verdict};
use privdiff::targets::external_engine;
use privdiff::world::Run;

/// `cargo test` builds the examples beside the test binaries; a filtered
/// run (`cargo test --test external`) does not, so build it then.
fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let dir = exe.parent().and_then(|d| d.parent()).expect("target/<profile>/deps");
    let path = dir.join("examples").join(name);
    if !path.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
        let status = Command::new(cargo).args(["build", "--example", name]).status().expect("run cargo");
        assert!(status.success(), "cargo build --example {name}");
    }
    path
}

fn engine_for(command: String) -> Engine {
    let spec = ImplSpec { name: "sqlite".into(), command };
    external_engine(spec, Duration::from_secs(30)).unwrap_or_else(|e| panic!("{e}"))
}

fn seeded_runs() -> Vec<Run> {
    let mut runs: Vec<Run> = std::fs::read_dir("corpus/seeds/differential")
        .expect("seeds")
        .map(|e| Run::from_fuzz_bytes(&std::fs::read(e.expect("entry").path()).expect("seed")))
        .collect();
    runs.extend((0..300).map(|n| Run::from_fuzz_bytes(&privdiff::gen::seed::fuzz_input(11, n, 1024))));
    runs
}

/// D-1..D-4, INV-1..4 over the reviewed cases and seeded runs: the
/// correct server passes, with the expected legacy breaches.
#[test]
fn the_sqlite_server_passes_the_corpus_and_seeded_runs() {
    let mut engine = engine_for(example("sqlite_server").display().to_string());
    let mut cases = 0;
    for entry in std::fs::read_dir("corpus/regressions").expect("regressions") {
        let path = entry.expect("entry").path();
        let case = Case::parse(&std::fs::read(&path).expect("case")).expect("valid case");
        let trace = engine.trace(&case.run());
        let verdict = &trace.verdict;
        assert!(case.expected.met_by(&trace), "{}: expected {}, got {verdict:?}", path.display(), case.expected);
        cases += 1;
    }
    assert!(cases >= 9);
    for (i, run) in seeded_runs().iter().enumerate() {
        let verdict = engine.verdict(run);
        assert!(matches!(verdict, Verdict::Pass { .. }), "run {i}: {verdict:?}");
    }
}

/// The planted bug (AllowContacts read in the wrong direction, S2) is found
/// from the seeds, and the failure's first line names the rule broken and
/// the implementation that broke it.
#[test]
fn the_planted_sql_bug_fails_with_a_message_naming_rule_and_implementation() {
    let built = Command::new("bash").arg("scripts/planted-bug.sh").output().expect("run scripts/planted-bug.sh");
    assert!(built.status.success(), "planted-bug.sh: {}", String::from_utf8_lossy(&built.stderr));
    let binary = String::from_utf8(built.stdout).expect("path").trim().to_string();
    let mut engine = engine_for(binary);
    let failure = seeded_runs()
        .iter()
        .find_map(|run| match engine.verdict(run) {
            Verdict::Fail { failure, .. } => Some(failure),
            Verdict::Pass { .. } => None,
        })
        .expect("the seeds reach the planted bug");
    let line = failure.to_string();
    let first = line.lines().next().unwrap_or_default();
    assert_eq!(failure.implementation, "sqlite");
    assert!(first.contains(&format!("({})", failure.rule)), "{first}");
    assert!(["D-1", "INV-1", "INV-4"].contains(&failure.rule.as_str()), "{first}");
    assert!(first.contains(" in sqlite: "), "{first}");
}

/// A server that dies mid-run fails the run with a transport failure that
/// names it and quotes its stderr; the next run restarts it.
#[test]
fn a_crashing_server_is_a_transport_failure_naming_it() {
    let script = r#"read l; echo '{"type":"hello","protocol":1,"name":"flaky","era":"patched"}'; while read l; do case "$l" in *reset*) echo '{"type":"ready"}';; *) echo 'db locked' >&2; exit 9;; esac; done"#;
    let spec = ImplSpec { name: "flaky".into(), command: script.into() };
    let mut engine = external_engine(spec, Duration::from_secs(30)).unwrap_or_else(|e| panic!("{e}"));
    let run = Run::from_fuzz_bytes(&privdiff::gen::seed::fuzz_input(5, 1, 512));
    let run = Run { ops: run.ops.into_iter().take(3).collect(), ..run };
    assert!(!run.ops.is_empty());
    for _ in 0..2 {
        let Verdict::Fail { failure, .. } = engine.verdict(&run) else { panic!("a crash must fail the run") };
        assert_eq!(failure.kind(), privdiff::oracle::failure::FailureKind::Transport);
        assert_eq!(failure.implementation, "flaky");
        let line = failure.to_string();
        assert!(line.contains("exited with status 9"), "{line}");
        assert!(line.contains("db locked"), "{line}");
    }
}

fn explore_external(command: String, depth: usize) -> privdiff::explore::Report {
    use privdiff::explore::driver::{Driver, ExternalSeat};
    use privdiff::explore::search::{explore_with, ExploreConfig, DEFAULT_MAX_STATES};
    use privdiff::explore::{Checks, Silent, Subject};
    let world = privdiff::world::WorldConfig { users: 3, groups: 1, unowned_numbers: 1 };
    let checks = Checks::Lockstep { subject: Subject::Patched };
    let config =
        ExploreConfig { world, depth, checks, symmetry: true, max_states: DEFAULT_MAX_STATES, all_signatures: false };
    let seat = ExternalSeat { spec: ImplSpec { name: "sqlite".into(), command }, timeout: Duration::from_secs(30) };
    let driver = Driver::new(world, checks).with_external(Some(seat));
    explore_with(&config, &driver, &std::sync::atomic::AtomicBool::new(false), &Silent).expect("explore runs")
}

/// A team's own server explored within a bound: the SQLite server offers
/// the protocol's digest, so its states merge by digest, without symmetry
/// (a digest cannot be renamed), and the report says so.
#[test]
fn explore_judges_an_external_server_keyed_by_its_digest() {
    use privdiff::explore::canon::KeyMode;
    use privdiff::explore::search::Symmetry;
    use privdiff::explore::Conclusion;
    use privdiff::oracle::engine::StateKeyKind;
    let report = explore_external(example("sqlite_server").display().to_string(), 2);
    assert_eq!(report.conclusion, Conclusion::NoFailure, "{report:?}");
    assert_eq!(report.key_mode, KeyMode::Digest);
    assert!(matches!(report.symmetry, Symmetry::Refused { .. }), "{:?}", report.symmetry);
    assert!(!report.forked, "an external process is replayed, not forked");
    assert_eq!(
        report.keys,
        vec![("legacy".to_string(), StateKeyKind::Renamable), ("sqlite".to_string(), StateKeyKind::Digest)]
    );
    // Digest keys merge: fewer states than the tree of every path.
    assert!(report.states < 1 + 144 + 144 * 144, "{}", report.states);
}

/// The planted SQL bug is found by explore too, with a shortest case.
#[test]
fn explore_finds_the_planted_sql_bug() {
    let built = Command::new("bash").arg("scripts/planted-bug.sh").output().expect("run scripts/planted-bug.sh");
    assert!(built.status.success(), "planted-bug.sh: {}", String::from_utf8_lossy(&built.stderr));
    let binary = String::from_utf8(built.stdout).expect("path").trim().to_string();
    let report = explore_external(binary, 4);
    let run = report.failing_run().expect("explore finds the planted SQL bug within depth 4");
    assert!(run.ops.len() <= 4);
}
