//! How often one freshly generated run trips a planted bug, per run
//! generator: the share of the mutator's "start over" inputs that find
//! the bug at once, which bounds how fast a shallow bug can fall from an
//! empty corpus. Measured without libFuzzer, so a change of the generator
//! is judged in seconds before the planted-bug table
//! (`scripts/planted-bugs.sh`) judges it in executions.
//!
//! Run (the fault comes from the environment, as in the fuzz target):
//! `PRIVDIFF_BUG=rejoin-ok cargo run --release --features faults --example fresh_hit_rate -- [RUNS]`
//! Prints one line: each generator's name and hit rate. `fresh`: what
//! the mutator draws today (`gen_swarm_run`: `MAX_OPS` operations, every
//! kind, base or equal weights in one run of two, an error share from
//! `Swarm::ERROR_PERCENTS`); `earlier-fresh`: what it drew before, 1 to
//! `MAX_OPS` operations with error shares of 0, 6, 25 or 50 percent; and
//! the two changes between them one at a time: `full-length-only` (the
//! earlier error shares, `MAX_OPS` operations) and `shares-only` (today's
//! error shares, 1 to `MAX_OPS` operations). The arms of earlier
//! measurements (kind subsets, base or equal weights alone) are in the
//! history of this file.

use std::process::ExitCode;

use privdiff::gen::generate::{gen_run_in, gen_run_of_len, gen_swarm_run, Swarm};
use privdiff::gen::seed::SplitMix64;
use privdiff::oracle::engine::Verdict;
use privdiff::oracle::lineup::{Lineup, PatchedImpl};
use privdiff::world::{Run, MAX_OPS};

/// A fresh-run generator under test.
type Generator = fn(&mut SplitMix64) -> Run;

/// The error shares fresh runs drew from before today's
/// `Swarm::ERROR_PERCENTS`.
const EARLIER_ERROR_PERCENTS: [u64; 4] = [0, 6, 25, 50];

/// The fresh runs of the previous round: 1 to `MAX_OPS` operations,
/// error shares of 0, 6, 25 or 50 percent, base or equal weights.
fn earlier_fresh(rng: &mut SplitMix64) -> Run {
    let swarm = Swarm::draw_with(rng, &EARLIER_ERROR_PERCENTS);
    gen_run_in(rng, &swarm)
}

/// The earlier error shares at today's length.
fn full_length_only(rng: &mut SplitMix64) -> Run {
    let swarm = Swarm::draw_with(rng, &EARLIER_ERROR_PERCENTS);
    gen_run_of_len(rng, &swarm, MAX_OPS)
}

/// Today's error shares at the earlier length.
fn shares_only(rng: &mut SplitMix64) -> Run {
    let swarm = Swarm::draw_with(rng, &Swarm::ERROR_PERCENTS);
    gen_run_in(rng, &swarm)
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
        ("earlier-fresh", earlier_fresh),
        ("full-length-only", full_length_only),
        ("shares-only", shares_only),
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
