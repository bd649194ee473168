//! Seeded pseudo-random runs through the lockstep runner: the models must
//! pass D-1..D-4 on every one, and the same input must give the same trace.

use privdiff::gen::seed::fuzz_input;
use privdiff::oracle::engine::{self, Verdict};
use privdiff::world::Run;

/// D-1..D-4 over at least 100,000 steps of seeded runs: no failure, and the
/// loophole is seen (legacy breaches counted) so the runs are not vacuous.
#[test]
fn d1_to_d4_hold_over_100k_seeded_steps() {
    let (mut steps, mut breaches, mut loophole, mut n) = (0usize, 0usize, 0usize, 0u64);
    while steps < 100_000 {
        let input = fuzz_input(2019, n, 512);
        let trace = engine::run(&Run::from_fuzz_bytes(&input));
        match trace.verdict {
            Verdict::Pass { steps: s, legacy_breaches, loophole_steps } => {
                steps += s;
                breaches += legacy_breaches;
                loophole += loophole_steps;
            }
            Verdict::Fail { failure, .. } => panic!("seed 2019 input {n} ({input:?}): {failure}"),
        }
        n += 1;
    }
    assert!(breaches > 0, "no legacy breach in {steps} steps: the runs never reach the loophole");
    assert!(loophole > 0);
}

/// Determinism: the same bytes give a byte-identical trace, run after run.
#[test]
fn same_input_gives_a_byte_identical_trace() {
    for n in 0..300 {
        let input = fuzz_input(7, n, 512);
        let first = serde_json::to_vec(&engine::run(&Run::from_fuzz_bytes(&input))).unwrap();
        let second = serde_json::to_vec(&engine::run(&Run::from_fuzz_bytes(&input))).unwrap();
        assert_eq!(first, second, "input {n}");
    }
}

/// A trace survives a serde round trip unchanged (it is what `--json` prints).
#[test]
fn traces_round_trip_through_json() {
    for n in 0..100 {
        let trace = engine::run(&Run::from_fuzz_bytes(&fuzz_input(11, n, 512)));
        let json = serde_json::to_string(&trace).unwrap();
        assert_eq!(serde_json::from_str::<engine::Trace>(&json).unwrap(), trace);
    }
}
