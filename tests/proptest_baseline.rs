//! The proptest baseline of `scripts/rediscovery.sh` (its strategy lives in
//! `examples/proptest_baseline.rs`, included here): generated runs are valid
//! runs of the fuzz language, and random generation does rediscover the
//! legacy canary's INV-1 breach, deterministically per seed.

#[allow(dead_code)]
#[path = "../examples/proptest_baseline.rs"]
mod baseline;

use proptest::strategy::{Strategy, ValueTree};

/// Every generated run fits its world (`Run::check`), within the fuzz bounds.
#[test]
fn generated_runs_are_valid_runs() {
    let mut runner = baseline::seeded_runner(7, 1);
    let strategy = baseline::run_strategy();
    let mut ops = 0;
    for _ in 0..500 {
        let run = strategy.new_tree(&mut runner).unwrap().current();
        run.check().unwrap_or_else(|e| panic!("{e}: {run:?}"));
        assert!(run.ops.len() <= privdiff::world::MAX_OPS);
        ops += run.ops.len();
    }
    assert!(ops > 500 * 16, "runs are not trivially short");
}

/// INV-1 canary: plain random generation finds the 2019 loophole well
/// within budget, and the count for a seed is reproducible.
#[test]
fn random_generation_rediscovers_the_loophole() {
    let first = baseline::trial(1, 20_000);
    assert!(first.found, "no legacy breach in 20,000 generated runs");
    assert!(first.cases >= 1 && first.cases <= 20_000);
    assert_eq!(baseline::trial(1, 20_000).cases, first.cases, "same seed, same count");
    let censored = baseline::trial(1, (first.cases - 1) as u32);
    if first.cases > 1 {
        assert!(!censored.found, "a budget below the count is censored");
        assert_eq!(censored.cases, first.cases - 1);
    }
}
