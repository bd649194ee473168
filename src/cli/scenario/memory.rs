//! What a run may take in memory, checked before it starts: the memory
//! available (`/proc/meminfo`), capped by `PRIVDIFF_MAX_MEMORY`.

use anyhow::{anyhow, bail};

use privdiff::scale::scenario::{ScenarioConfig, BYTES_PER_MEMBER};

/// The memory a run may take: what the system reports available
/// (`MemAvailable` in /proc/meminfo), or less if `PRIVDIFF_MAX_MEMORY`
/// (bytes) says so; `None` when neither is known. A `PRIVDIFF_MAX_MEMORY`
/// that is not a whole number of bytes is an error, not ignored.
fn memory_limit() -> anyhow::Result<Option<u64>> {
    let available = std::fs::read_to_string("/proc/meminfo").ok().and_then(|text| {
        let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
        let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb * 1024)
    });
    let cap = match std::env::var("PRIVDIFF_MAX_MEMORY") {
        Err(_) => None,
        Ok(v) => Some(v.trim().parse::<u64>().map_err(|_| {
            anyhow!("PRIVDIFF_MAX_MEMORY must be a whole number of bytes (e.g. 4000000000), got {v:?}")
        })?),
    };
    Ok(match (available, cap) {
        (Some(a), Some(c)) => Some(a.min(c)),
        (a, c) => a.or(c),
    })
}

/// `bytes` in GB or MB, one decimal.
fn human_bytes(bytes: u64) -> String {
    let gb = bytes as f64 / 1e9;
    if gb >= 1.0 {
        format!("{gb:.1} GB")
    } else {
        format!("{:.1} MB", bytes as f64 / 1e6)
    }
}

/// Refuses a configuration whose run would not fit in memory.
pub(super) fn check_memory(config: &ScenarioConfig) -> anyhow::Result<()> {
    let need = config.estimated_peak_bytes();
    if let Some(limit) = memory_limit()? {
        if need > limit {
            bail!(
                "--members {}: a run needs about {} of memory (about {BYTES_PER_MEMBER} bytes a member) but {} is available; use fewer members",
                config.members,
                human_bytes(need),
                human_bytes(limit)
            );
        }
    }
    Ok(())
}
