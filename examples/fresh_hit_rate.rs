//! How often one freshly generated run trips a planted bug, per run
//! generator: the share of the mutator's "start over" inputs that find
//! the bug at once, which bounds how fast a shallow bug can fall from an
//! empty corpus. Measured without libFuzzer, so a change of the generator
//! is judged in seconds before the planted-bug table
//! (`scripts/planted-bugs.sh`) judges it in executions.
//!
//! Run (the fault comes from the environment, as in the fuzz target):
//! `PRIVDIFF_BUG=rejoin-ok cargo run --release --features faults --example fresh_hit_rate -- [RUNS]`
//! Prints one line: each generator's name and hit rate (fresh: what the
//! mutator draws today, every kind, base or equal weights in one run of
//! two; kind-subsets: each kind in with probability one half, as the fresh
//! runs drew before; base-weights and equal-weights: every kind, by
//! `KIND_WEIGHTS` or alike). Each generator draws one of the swarm's error
//! shares per run.

use std::process::ExitCode;

use privdiff::gen::generate::{gen_run_in, gen_swarm_run, Swarm};
use privdiff::gen::seed::SplitMix64;
use privdiff::oracle::engine::Verdict;
use privdiff::oracle::lineup::{Lineup, PatchedImpl};
use privdiff::world::Run;

/// A fresh-run generator under test.
type Generator = fn(&mut SplitMix64) -> Run;

/// Each kind in with probability one half (never none), base weights.
fn kind_subsets(rng: &mut SplitMix64) -> Run {
    let mut kinds = 0;
    while kinds == 0 {
        kinds = (rng.next_u64() & u64::from(Swarm::ALL_KINDS)) as u16;
    }
    let e = Swarm::draw_error_percent(rng);
    gen_run_in(rng, &Swarm::new(kinds, e, false))
}

/// Every kind, by the base weights.
fn base_weights(rng: &mut SplitMix64) -> Run {
    let e = Swarm::draw_error_percent(rng);
    gen_run_in(rng, &Swarm::new(Swarm::ALL_KINDS, e, false))
}

/// Every kind, weighed alike.
fn equal_weights(rng: &mut SplitMix64) -> Run {
    let e = Swarm::draw_error_percent(rng);
    gen_run_in(rng, &Swarm::new(Swarm::ALL_KINDS, e, true))
}

fn main() -> ExitCode {
    let runs: u64 = match std::env::args().nth(1).map(|a| a.parse()) {
        None => 2000,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => {
            eprintln!("fresh_hit_rate: RUNS must be a whole number above 0");
            return ExitCode::from(2);
        }
    };
    let lineup = match Lineup::from_env(PatchedImpl::Patched) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("fresh_hit_rate: {e}");
            return ExitCode::from(2);
        }
    };
    let generators: [(&str, Generator); 4] = [
        ("fresh", gen_swarm_run),
        ("kind-subsets", kind_subsets),
        ("base-weights", base_weights),
        ("equal-weights", equal_weights),
    ];
    for (name, generate) in generators {
        let mut rng = SplitMix64::new(0x6869_7473);
        let hits =
            (0..runs).filter(|_| matches!(lineup.engine().verdict(&generate(&mut rng)), Verdict::Fail { .. })).count();
        print!(" {name}={:.3}", hits as f64 / runs as f64);
    }
    println!();
    ExitCode::SUCCESS
}
