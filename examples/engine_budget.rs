//! One of the three loops of issue 9's speed figure, over the same 256 fuzz
//! inputs `benches/runner.rs` uses: decoding only, decoding plus the four
//! sides with no check (`Engine::answers_only`), or decoding plus the full
//! lockstep verdict. `scripts/engine-budget.sh` runs each under
//! cachegrind to count instructions and (simulated) branch mispredictions
//! per input, which a shared machine's noise does not move; run alone, it
//! prints the loop's wall time per input.
//!
//! Run: `cargo run --release --example engine_budget -- MODE [ROUNDS]`
//! with MODE one of `decode`, `implementations`, `lockstep` (ROUNDS: how
//! many times the 256 inputs are run, default 2000).

use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

use privdiff::gen::seed::fuzz_input;
use privdiff::oracle::engine::Engine;
use privdiff::world::Run;

/// The bench's input family (`benches/runner.rs`): same seed, count, length.
const SEED: u64 = 0x5eed_2019;
const INPUTS: u64 = 256;
const MAX_LEN: usize = 512;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_default();
    if !["decode", "implementations", "lockstep"].contains(&mode.as_str()) {
        eprintln!("engine_budget: MODE must be decode, implementations or lockstep, not {mode:?}");
        return ExitCode::from(2);
    }
    let rounds = match args.next().map(|r| r.parse::<u32>()) {
        None => 2000,
        Some(Ok(r)) if r > 0 => r,
        Some(_) => {
            eprintln!("engine_budget: ROUNDS must be a whole number above 0");
            return ExitCode::from(2);
        }
    };
    let inputs: Vec<Vec<u8>> = (0..INPUTS).map(|n| fuzz_input(SEED, n, MAX_LEN)).collect();
    let mut engine = Engine::standard();
    let start = Instant::now();
    for _ in 0..rounds {
        for input in &inputs {
            let run = Run::from_fuzz_bytes(black_box(input));
            match mode.as_str() {
                "decode" => {
                    black_box(&run);
                }
                "implementations" => engine.answers_only(&run),
                _ => {
                    black_box(engine.verdict(&run));
                }
            }
        }
    }
    let per_input = start.elapsed().as_secs_f64() * 1e6 / (f64::from(rounds) * INPUTS as f64);
    println!("{mode}: {per_input:.3} us per input over {rounds} rounds of {INPUTS} inputs");
    ExitCode::SUCCESS
}
