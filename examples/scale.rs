//! The server models at full public-record size: a 200,000-member public
//! group and a 10,000-number import, on both eras, with wall time and peak
//! resident memory. Run: `cargo run --release --example scale [MEMBERS IMPORTS]`.

use std::time::Instant;

use privdiff::scale::scenario::{Scenario, ScenarioConfig};
use privdiff::world::Era;

/// Peak resident set size of this process in MiB (Linux `VmHWM`), if known.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn main() -> anyhow::Result<()> {
    let args: Vec<u32> = std::env::args().skip(1).map(|a| a.parse()).collect::<Result<_, _>>()?;
    let mut config = ScenarioConfig::default();
    if let [members, imports] = args[..] {
        config.members = members;
        config.imports = imports;
    }
    let start = Instant::now();
    let scenario = Scenario::build(&config)?;
    let built = start.elapsed();
    for era in [Era::Legacy, Era::Patched] {
        let t = Instant::now();
        let r = scenario.run(era)?;
        println!(
            "{era:>7}: imported {} matched {} unmasked {} inv1_breaches {} in {:.3} s",
            r.imported,
            r.matched,
            r.unmasked,
            r.inv1_breaches,
            t.elapsed().as_secs_f64()
        );
    }
    println!(
        "members {} imports {}: build {:.3} s, total {:.3} s, peak RSS {:.1} MiB",
        config.members,
        config.imports,
        built.as_secs_f64(),
        start.elapsed().as_secs_f64(),
        peak_rss_mib().unwrap_or(f64::NAN)
    );
    Ok(())
}
