//! `privdiff explore`: exhaustive breadth-first checking within a bound
//! (issue 12). The library is driven directly; the command's contract
//! (exit codes, case files) through the binary.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::AtomicBool;

use privdiff::corpus::case::{Case, Expected};
use privdiff::explore::search::DEFAULT_MAX_STATES;
use privdiff::explore::{explore, Checks, Conclusion, ExploreConfig, Finding, Report, Silent, Subject};
use privdiff::oracle::engine;
use privdiff::oracle::failure::FailureKind;
use privdiff::world::{Op, PrivacyKey, WorldConfig};

fn config(users: u8, unowned: u8, depth: usize, checks: Checks, symmetry: bool) -> ExploreConfig {
    ExploreConfig {
        world: WorldConfig { users, groups: 1, unowned_numbers: unowned },
        depth,
        checks,
        symmetry,
        max_states: DEFAULT_MAX_STATES,
        all_signatures: false,
    }
}

fn search(c: &ExploreConfig) -> Report {
    explore(c, &AtomicBool::new(false), &Silent).expect("valid bounds")
}

const PATCHED: Checks = Checks::Lockstep { subject: Subject::Patched };
const BROKEN: Checks = Checks::Lockstep { subject: Subject::LegacyAsPatched };

/// The canary: the legacy model's shortest INV-1 breach takes two
/// operations (the owner restricts "find me", a stranger imports the number).
#[test]
fn canary_finds_the_two_operation_loophole() {
    let report = search(&config(2, 0, 4, Checks::Canary, true));
    let Conclusion::Found { ops, finding } = &report.conclusion else { panic!("{:?}", report.conclusion) };
    assert_eq!(ops.len(), 2, "{ops:?}");
    assert!(matches!(ops[0], Op::SetPrivacy { key: PrivacyKey::AddedByPhone, .. }), "{ops:?}");
    assert!(matches!(ops[1], Op::ImportContacts { .. } | Op::ResolvePhone { .. }), "{ops:?}");
    let Finding::LegacyBreach { step, breach } = finding.as_ref() else { panic!("{finding:?}") };
    assert_eq!(*step, 1);
    assert_ne!(breach.viewer, breach.link.user);
    assert_eq!(report.checked_depth, 1, "every single operation was checked first");
}

/// The real models pass every sequence of a small bound, and the report
/// accounts for every level.
#[test]
fn correct_models_pass_a_small_bound() {
    let report = search(&config(2, 1, 3, PATCHED, true));
    assert_eq!(report.conclusion, Conclusion::NoFailure);
    assert_eq!(report.checked_depth, 3);
    assert_eq!(report.states_per_depth.len(), 4);
    assert_eq!(report.states_per_depth.iter().sum::<u64>(), report.states);
    let expanded: u64 = report.states_per_depth[..3].iter().sum();
    assert_eq!(report.transitions, expanded * report.alphabet as u64, "every state below the bound, every op");
}

/// A broken patched seat (legacy posing as patched) is caught with a
/// shortest case, which replays as a failure of the same kind.
#[test]
fn a_broken_patched_seat_is_found_with_a_shortest_case() {
    let report = search(&config(2, 0, 4, BROKEN, true));
    let run = report.failing_run().expect("a failure");
    assert_eq!(run.ops.len(), 2, "{:?}", run.ops);
    let Conclusion::Found { finding, .. } = &report.conclusion else { panic!() };
    let Finding::Failure { failure } = finding.as_ref() else { panic!("{finding:?}") };
    assert_eq!(failure.kind(), FailureKind::Leak);
    assert_eq!(failure.implementation, "patched");
    // Shortest: no single operation fails.
    assert_eq!(search(&config(2, 0, 1, BROKEN, true)).conclusion, Conclusion::NoFailure);
    // The case replays as that failure with legacy in the patched seat.
    let trace = privdiff::oracle::lineup::PatchedImpl::Legacy.engine().trace(&run);
    assert!(matches!(Expected::of(&trace), Expected::Fail { failure: FailureKind::Leak, .. }));
    // ... and the real models pass it.
    assert!(matches!(engine::run(&run).verdict, engine::Verdict::Pass { .. }));
}

/// Symmetry reduction stores fewer states and reaches the same verdicts.
#[test]
fn symmetry_reduces_states_but_not_verdicts() {
    for checks in [PATCHED, BROKEN, Checks::Canary] {
        let with = search(&config(3, 0, 2, checks, true));
        let without = search(&config(3, 0, 2, checks, false));
        assert_eq!(with.permutations, 6);
        assert_eq!(without.permutations, 1);
        let found = |r: &Report| r.failing_run().map(|run| run.ops.len());
        assert_eq!(found(&with), found(&without), "{checks:?}");
        assert_eq!(with.checked_depth, without.checked_depth, "{checks:?}");
        if with.conclusion == Conclusion::NoFailure {
            assert!(with.states < without.states, "{checks:?}: {} vs {}", with.states, without.states);
            // Renaming never merges states of different depths: each orbit
            // of up to 3! states is one.
            assert!(with.states * 6 >= without.states, "{checks:?}");
        }
    }
}

/// The search is deterministic: threads do not change what is found.
#[test]
fn results_do_not_depend_on_threads() {
    let c = config(2, 1, 3, BROKEN, true);
    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap().install(|| search(&c));
    let two = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap().install(|| search(&c));
    assert_eq!(one.conclusion, two.conclusion);
    assert_eq!(one.states_per_depth, two.states_per_depth);
    assert_eq!(one.transitions, two.transitions);
}

fn privdiff(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_privdiff")).args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().unwrap()
}

fn tmpdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("privdiff-explore-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Bad bounds are refused up front: one line, exit 2, nothing run.
#[test]
fn bad_input_exits_2_with_one_line() {
    let d = tmpdir("bad");
    let existing = d.join("exists.json");
    std::fs::write(&existing, "x").unwrap();
    let existing = existing.to_str().unwrap();
    for (args, needle) in [
        (vec!["explore", "--depth", "0"], "--depth must be at least 1"),
        (vec!["explore", "--users", "8", "--groups", "3", "--unowned", "4", "--depth", "40"], "bounds too large"),
        (vec!["explore", "--depth", "9"], "bounds too large"),
        (vec!["explore", "--users", "9", "--depth", "2"], "world must have 1..=8 users"),
        (vec!["explore", "--depth", "2", "-o", existing], "already exists"),
        (vec!["explore", "--depth", "x"], "invalid value"),
    ] {
        let o = privdiff(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("privdiff: ") && err.contains(needle), "{args:?}: {err}");
        assert!(o.stdout.is_empty(), "{args:?}");
    }
    std::fs::remove_dir_all(&d).unwrap();
}

/// Reaching the state cap stops the search with exit 2 and says how far
/// it got.
#[test]
fn the_state_cap_stops_the_search_with_exit_2() {
    let o = privdiff(&["explore", "--users", "2", "--unowned", "0", "--depth", "3", "--max-states", "50"]);
    assert_eq!(o.status.code(), Some(2));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("stopped at the state cap of 50 states"), "{out}");
}

/// A failing search exits 1 and writes a case file that `replay` and
/// `corpus add` accept; the canary exits 0 when it finds the breach.
#[test]
fn the_shortest_case_is_written_ready_for_corpus_add() {
    let d = tmpdir("case");
    let out = d.join("explored-leak.json");
    let out_s = out.to_str().unwrap();
    let base = ["explore", "--users", "2", "--unowned", "0", "--depth", "3"];
    let o = privdiff(&[&base[..], &["--patched-impl", "legacy", "-o", out_s]].concat());
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("shortest failing sequence: 2 operation(s)"), "{text}");
    let case = Case::parse(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(case.ops.len(), 2);
    assert!(matches!(case.expected, Expected::Fail { failure: FailureKind::Leak, .. }), "{:?}", case.expected);
    // The kept failure replays as expected: exit 0.
    let replay = privdiff(&["replay", "--patched-impl", "legacy", out_s]);
    assert_eq!(replay.status.code(), Some(0), "{}", String::from_utf8_lossy(&replay.stdout));
    assert!(String::from_utf8_lossy(&replay.stdout).contains("(as expected)"));
    // Never overwritten.
    let again = privdiff(&[&base[..], &["--patched-impl", "legacy", "-o", out_s]].concat());
    assert_eq!(again.status.code(), Some(2));
    // The canary's case: the loophole, which the real models pass.
    let canary_out = d.join("canary.json");
    let o = privdiff(&[&base[..], &["--canary", "-o", canary_out.to_str().unwrap()]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stdout));
    let case = Case::parse(&std::fs::read(&canary_out).unwrap()).unwrap();
    assert_eq!(case.expected, Expected::Pass { legacy_inv1_breaches: 1 });
    let dir = d.join("corpus");
    std::fs::create_dir_all(&dir).unwrap();
    let add = privdiff(&[
        "corpus",
        "add",
        canary_out.to_str().unwrap(),
        "--name",
        "explored-canary",
        "--dir",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(add.status.code(), Some(0), "{}", String::from_utf8_lossy(&add.stderr));
    std::fs::remove_dir_all(&d).unwrap();
}

/// `--json` prints one document with the report and the case.
#[test]
fn json_output_is_machine_readable() {
    let o = privdiff(&["explore", "--users", "2", "--unowned", "0", "--depth", "2", "--json"]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["report"]["conclusion"]["result"], "no_failure");
    assert_eq!(v["report"]["checked_depth"], 2);
    assert!(v["case"].is_null());
    assert!(v["report"]["states"].as_u64().unwrap() > 1);
}

/// A cancelled search (Ctrl-C sets the flag) stops between batches and
/// says what was covered.
#[test]
fn a_cancelled_search_reports_what_it_covered() {
    let report = explore(&config(2, 1, 5, PATCHED, true), &AtomicBool::new(true), &Silent).unwrap();
    assert_eq!(report.conclusion, Conclusion::Interrupted);
    assert_eq!(report.checked_depth, 0);
    assert_eq!(report.transitions, 0);
    assert_eq!(report.states, 1);
}
