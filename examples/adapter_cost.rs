//! The price of running an implementation out of process: the same runs
//! through the in-process patched model and through an external
//! implementation behind the JSON-lines adapter, timed side by side in one
//! run, with every outcome compared (a quick agreement check, not the oracle).
//!
//! ```sh
//! cargo build --release --example sqlite_server
//! cargo run --release --example adapter_cost -- [COMMAND] [RUNS]
//! ```
//!
//! COMMAND defaults to `target/release/examples/sqlite_server`; RUNS to
//! 2000 seeded fuzz inputs (plus the committed seeds of `differential`).

use std::process::ExitCode;
use std::time::{Duration, Instant};

use privdiff::gen::seed::fuzz_input;
use privdiff::models::external::{External, ImplSpec};
use privdiff::models::implementation::Implementation;
use privdiff::models::server::LegacyServer;
use privdiff::models::server::PatchedServer;
use privdiff::oracle::engine::{Engine, Verdict};
use privdiff::world::{Outcome, Run, World};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_else(|| "target/release/examples/sqlite_server".to_string());
    let runs: u64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(2000);

    let mut inputs: Vec<Vec<u8>> = std::fs::read_dir("corpus/seeds/differential")
        .map(|d| d.filter_map(|e| e.ok()).filter_map(|e| std::fs::read(e.path()).ok()).collect())
        .unwrap_or_default();
    inputs.extend((0..runs).map(|n| fuzz_input(7, n, 1024)));
    let runs: Vec<Run> = inputs.iter().map(|b| Run::from_fuzz_bytes(b)).collect();
    let ops: usize = runs.iter().map(|r| r.ops.len()).sum();

    let spec = ImplSpec { name: "external".into(), command };
    let mut ext = match External::start(spec, Duration::from_secs(10)) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("adapter_cost: {e}\n{}", e.stderr_tail);
            return ExitCode::from(2);
        }
    };

    // In-process: one model, reset per run, as the engine does.
    let start = Instant::now();
    let mut inproc: Vec<Vec<Outcome>> = Vec::with_capacity(runs.len());
    let mut model = PatchedServer::default();
    let mut out = privdiff::world::response::Slot::default();
    for run in &runs {
        let mut outcomes = Vec::with_capacity(run.ops.len());
        if model.reset(&World::from_config(&run.world)).is_ok() {
            for op in &run.ops {
                if model.apply(op, &mut out).is_ok() {
                    outcomes.push(out.outcome().clone());
                }
            }
        }
        inproc.push(outcomes);
    }
    let t_in = start.elapsed();

    let start = Instant::now();
    let mut disagreements = 0usize;
    for (run, expected) in runs.iter().zip(&inproc) {
        if let Err(e) = ext.reset(&World::from_config(&run.world)) {
            eprintln!("adapter_cost: {e}\n{}", e.stderr_tail);
            return ExitCode::from(1);
        }
        for (i, (op, want)) in run.ops.iter().zip(expected).enumerate() {
            if let Err(e) = ext.apply(op, &mut out) {
                eprintln!("adapter_cost: {e}\n{}", e.stderr_tail);
                return ExitCode::from(1);
            }
            if out.outcome() != want {
                if disagreements == 0 {
                    eprintln!("first disagreement at step {i} of a run in world {:?}:", run.world);
                    for op in &run.ops[..=i] {
                        eprintln!("  {}", serde_json::to_string(op).unwrap_or_default());
                    }
                    eprintln!("  in-process: {want:?}\n  external:   {:?}", out.outcome());
                }
                disagreements += 1;
                break;
            }
        }
    }
    let t_ext = start.elapsed();

    // Whole engine runs (references, legacy, checks): built-in patched
    // model, then the external one in the patched seat.
    let start = Instant::now();
    let mut standard = Engine::standard();
    let standard_fails = runs.iter().filter(|r| matches!(standard.verdict(r), Verdict::Fail { .. })).count();
    let t_std = start.elapsed();
    let mut seated = Engine::new(Engine::standard_references(), vec![Box::new(LegacyServer::default()), Box::new(ext)]);
    let start = Instant::now();
    let seated_fails = runs.iter().filter(|r| matches!(seated.verdict(r), Verdict::Fail { .. })).count();
    let t_seat = start.elapsed();

    let per = |t: Duration| t.as_secs_f64() * 1e6 / ops.max(1) as f64;
    println!("{} runs, {ops} operations", runs.len());
    println!(
        "in-process patched model : {:>8.2} us/op  {:>9.0} runs/s",
        per(t_in),
        runs.len() as f64 / t_in.as_secs_f64()
    );
    println!(
        "external implementation : {:>8.2} us/op  {:>9.0} runs/s  (reset + ops over JSON lines)",
        per(t_ext),
        runs.len() as f64 / t_ext.as_secs_f64()
    );
    println!("runs where the two disagree: {disagreements}");
    let rate = |t: Duration| runs.len() as f64 / t.as_secs_f64();
    println!("engine, standard lineup  : {:>9.0} runs/s ({standard_fails} failing)", rate(t_std));
    println!("engine, external patched : {:>9.0} runs/s ({seated_fails} failing)", rate(t_seat));
    ExitCode::SUCCESS
}
