//! The canary: the legacy model checked against INV-1 alone.
//!
//! It must fail fast. If the fuzzer ever stops finding a legacy INV-1
//! breach, the harness has lost sight of the 2019 loophole (a broken
//! decoder, a model that no longer matches, an oracle that stopped looking)
//! and its silence on the patched model means nothing.

use crate::models::implementation::Model;
use crate::models::server::LegacyServer;
use crate::oracle::checks::{Breach, Knowledge};
use crate::world::{Run, World};

/// The INV-1 breaches the legacy model commits in `run`, with step
/// indices, judged by the legacy model's own settings. Lazy: operations run
/// only as far as the caller reads, so the canary stops at the first breach.
fn legacy_breaches(run: &Run) -> impl Iterator<Item = (usize, Breach)> + '_ {
    let world = World::from_config(&run.world);
    let mut legacy = LegacyServer::new(&world);
    let mut knowledge = Knowledge::default();
    run.ops.iter().enumerate().flat_map(move |(index, op)| {
        let outcome = legacy.apply(op);
        knowledge.observe(&legacy, op, &outcome).breaches.into_iter().map(move |b| (index, b))
    })
}

/// The first INV-1 breach the legacy model commits in `run`, with its step
/// index.
pub fn first_legacy_breach(run: &Run) -> Option<(usize, Breach)> {
    legacy_breaches(run).next()
}

/// Every INV-1 breach the legacy model commits over the whole of `run`,
/// with step indices: what a run's legacy breach count will be once any
/// patched-side failure in it is fixed.
pub fn all_legacy_breaches(run: &Run) -> Vec<(usize, Breach)> {
    legacy_breaches(run).collect()
}
