//! Prints the share of operations the patched model refuses, per operation
//! kind and in all, for the state-aware generator (`gen::generate`) and for
//! today's raw decoder (`arbitrary` over random bytes), side by side
//! (issue 11: at most 15%; the raw decoder was measured at 48%).
//!
//! Run: `cargo run --release --example error_share -- [RUNS] [SEED]`
//! (defaults 2000 runs, seed 1).

use privdiff::gen::generate::{error_share, ErrorShare};
use privdiff::gen::seed::{fuzz_input, SplitMix64};
use privdiff::world::Run;

fn print(name: &str, s: &ErrorShare) {
    let (ops, errors) = s.total();
    println!("{name}: {errors} errors in {ops} operations = {:.1}%", 100.0 * s.fraction());
    for (kind, (n, e)) in &s.by_kind {
        println!("  {kind:<15} {:>5.1}%  ({e}/{n})", 100.0 * *e as f64 / (*n).max(1) as f64);
    }
    let codes: Vec<String> = s.codes.iter().map(|(c, n)| format!("{c} {n}")).collect();
    println!("  error codes: {}", codes.join(", "));
}

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<u64>());
    let runs = args.next().and_then(Result::ok).unwrap_or(2000);
    let seed = args.next().and_then(Result::ok).unwrap_or(1);
    print("state-aware generator (gen::generate)", &error_share(seed, runs));
    let mut raw = ErrorShare::default();
    let mut rng = SplitMix64::new(seed);
    for n in 0..runs {
        let _ = rng.next_u64();
        raw.add(&Run::from_fuzz_bytes(&fuzz_input(seed, n, 600)));
    }
    print("raw arbitrary decoder (Run::from_fuzz_bytes, random bytes up to 600)", &raw);
}
