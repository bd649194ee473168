//! The lockstep runner's cost on fuzz-sized runs, as a ratio to decoding.
//!
//! The same 256 seeded inputs (`seed::fuzz_input`, up to 512 bytes) go
//! through: decoding only (`Run::from_fuzz_bytes`), decoding plus a warm
//! engine's verdict as the `differential` target runs it (references of
//! both eras, legacy and patched servers, the judge, D-1..D-4, INV-1..4),
//! and decoding plus the canary (legacy model against INV-1). Harness
//! overhead = `runner/lockstep` / `runner/decode_only`;
//! `scripts/figures.sh` prints it. `runner/lockstep_cold` builds a new
//! engine per input, as the first design did. `runner/implementations` is
//! the floor under `runner/lockstep`: decoding plus the same warm engine's
//! four sides (both eras' references, the legacy and patched servers)
//! answering every operation with no check and no judge
//! (`Engine::answers_only`), so that what the oracle adds over the systems
//! it runs is the difference of two figures of one run.
//! Run: `cargo bench --bench runner`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use privdiff::gen::seed::fuzz_input;
use privdiff::oracle::canary::Canary;
use privdiff::oracle::engine::Engine;
use privdiff::world::Run;

/// Seed of the input family; fixed so every run measures the same inputs.
const SEED: u64 = 0x5eed_2019;
/// Inputs per iteration.
const INPUTS: u64 = 256;
/// Longest input, in bytes.
const MAX_LEN: usize = 512;

fn inputs() -> Vec<Vec<u8>> {
    (0..INPUTS).map(|n| fuzz_input(SEED, n, MAX_LEN)).collect()
}

fn bench_runner(c: &mut Criterion) {
    let inputs = inputs();
    let mut group = c.benchmark_group("runner");
    group.throughput(Throughput::Elements(INPUTS));
    group.sample_size(20).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(4));
    group.bench_function("decode_only", |b| {
        b.iter(|| {
            for input in &inputs {
                black_box(Run::from_fuzz_bytes(black_box(input)));
            }
        })
    });
    let mut engine = Engine::standard();
    group.bench_function("lockstep", |b| {
        b.iter(|| {
            for input in &inputs {
                black_box(engine.verdict(&Run::from_fuzz_bytes(black_box(input))));
            }
        })
    });
    group.bench_function("implementations", |b| {
        b.iter(|| {
            for input in &inputs {
                engine.answers_only(&Run::from_fuzz_bytes(black_box(input)));
            }
        })
    });
    group.bench_function("lockstep_cold", |b| {
        b.iter(|| {
            for input in &inputs {
                black_box(Engine::standard().verdict(&Run::from_fuzz_bytes(black_box(input))));
            }
        })
    });
    let mut canary = Canary::default();
    group.bench_function("canary", |b| {
        b.iter(|| {
            for input in &inputs {
                black_box(canary.breaches(&Run::from_fuzz_bytes(black_box(input)), 1));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench_runner);
criterion_main!(benches);
