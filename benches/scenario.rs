//! The 2019 attack at scale: 20,000 / 200,000 / 2,000,000 members with
//! 1,000 / 10,000 / 100,000 imported numbers, per era, on a prebuilt
//! scenario (`scenario/build` measures building it). The 10x figure is
//! `scenario/legacy+patched/2000000` over `.../200000`.
//! Run: `cargo bench --bench scenario` (a few minutes on 2 cores).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use privdiff::scale::scenario::{Scenario, ScenarioConfig};
use privdiff::world::Era;

/// (members, imports): the public record's 200,000 / 10,000, a tenth and ten times it.
const SIZES: [(u32, u32); 3] = [(20_000, 1_000), (200_000, 10_000), (2_000_000, 100_000)];

fn config(members: u32, imports: u32) -> ScenarioConfig {
    ScenarioConfig { members, imports, ..ScenarioConfig::default() }
}

fn bench_scenario(c: &mut Criterion) {
    let mut group = c.benchmark_group("scenario");
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    for (members, imports) in SIZES {
        let scenario = Scenario::build(&config(members, imports)).expect("valid configuration");
        group.bench_with_input(BenchmarkId::new("build", members), &members, |b, _| {
            b.iter(|| black_box(Scenario::build(&config(members, imports)).expect("valid configuration")))
        });
        for era in [Era::Legacy, Era::Patched] {
            group.bench_with_input(BenchmarkId::new(era.to_string(), members), &scenario, |b, s| {
                b.iter(|| black_box(s.run(era).expect("the patched model holds INV-1")))
            });
        }
        group.bench_with_input(BenchmarkId::new("legacy+patched", members), &scenario, |b, s| {
            b.iter(|| {
                let legacy = s.run(Era::Legacy).expect("legacy runs");
                let patched = s.run(Era::Patched).expect("the patched model holds INV-1");
                black_box((legacy, patched))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_scenario);
criterion_main!(benches);
