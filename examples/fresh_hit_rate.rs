//! How often one freshly generated run trips a planted bug, per run
//! generator: the share of the mutator's "start over" inputs that find
//! the bug at once, which bounds how fast a shallow bug can fall from an
//! empty corpus. Measured without libFuzzer, so a change of the generator
//! is judged in seconds before the planted-bug table
//! (`scripts/planted-bugs.sh`) judges it in executions.
//!
//! Run (the fault comes from the environment, as in the fuzz target):
//! `PRIVDIFF_BUG=rejoin-ok cargo run --release --features faults --example fresh_hit_rate -- [RUNS]`
//! Prints one line: each generator's name and hit rate (swarm: what the
//! mutator draws today; all-kinds; swarm-3/4: each kind in with
//! probability 3/4; mix: half swarm, half all-kinds).

use std::process::ExitCode;

use privdiff::gen::generate::{below, gen_run_in, gen_swarm_run, Swarm};
use privdiff::gen::seed::SplitMix64;
use privdiff::oracle::engine::Verdict;
use privdiff::oracle::lineup::{Lineup, PatchedImpl};
use privdiff::world::{OpKind, Run};

/// A fresh-run generator under test.
type Generator = fn(&mut SplitMix64) -> Run;

/// Every kind, one of the swarm's error shares.
fn all_kinds(rng: &mut SplitMix64) -> Run {
    let e = Swarm::draw_error_percent(rng);
    gen_run_in(rng, &Swarm::new(0, e))
}

/// Each kind in with probability three quarters.
fn swarm_dense(rng: &mut SplitMix64) -> Run {
    let mut kinds = 0u16;
    for k in 0..OpKind::COUNT {
        if below(rng, 4) != 0 {
            kinds |= 1 << k;
        }
    }
    let e = Swarm::draw_error_percent(rng);
    gen_run_in(rng, &Swarm::new(kinds, e))
}

/// Half swarm, half every kind.
fn mix(rng: &mut SplitMix64) -> Run {
    if below(rng, 2) == 0 {
        gen_swarm_run(rng)
    } else {
        all_kinds(rng)
    }
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
    let generators: [(&str, Generator); 4] =
        [("swarm", gen_swarm_run), ("all-kinds", all_kinds), ("swarm-3/4", swarm_dense), ("mix", mix)];
    for (name, generate) in generators {
        let mut rng = SplitMix64::new(0x6869_7473);
        let hits =
            (0..runs).filter(|_| matches!(lineup.engine().verdict(&generate(&mut rng)), Verdict::Fail { .. })).count();
        print!(" {name}={:.3}", hits as f64 / runs as f64);
    }
    println!();
    ExitCode::SUCCESS
}
