//! The canary: the legacy model checked against INV-1 alone, by the judge.
//!
//! It must fail fast. If the fuzzer ever stops finding a legacy INV-1
//! breach, the harness has lost sight of the 2019 loophole (a broken
//! decoder, a model that no longer matches, an oracle that stopped looking)
//! and its silence on the patched model means nothing.

use crate::models::implementation::Implementation;
use crate::models::server::LegacyServer;
use crate::oracle::checks::Breach;
use crate::oracle::judge::Judge;
use crate::world::response::Slot;
use crate::world::{Run, World};

/// A legacy server and the judge's books of its world, reused across runs.
#[derive(Default)]
pub struct Canary {
    legacy: LegacyServer,
    judge: Judge,
    out: Slot,
}

impl Canary {
    /// The INV-1 breaches the legacy model commits in `run`, with step
    /// indices, in order; stops after `limit` of them.
    pub fn breaches(&mut self, run: &Run, limit: usize) -> Vec<(usize, Breach)> {
        let world = World::from_config(&run.world);
        let _ = self.legacy.reset(&world);
        self.judge.reset(&world);
        let mut found = Vec::new();
        for (index, op) in run.ops.iter().enumerate() {
            let _ = self.legacy.apply(op, &mut self.out);
            let viewer = op.actor();
            crate::oracle::inv1::walk(&mut self.judge, op, self.out.outcome(), |link, allowed| {
                if !allowed {
                    found.push((index, Breach { viewer, link }));
                }
            });
            if found.len() >= limit {
                found.truncate(limit);
                return found;
            }
            self.judge.record(op, self.out.outcome());
        }
        found
    }
}

/// The first INV-1 breach the legacy model commits in `run`, with its step
/// index.
pub fn first_legacy_breach(run: &Run) -> Option<(usize, Breach)> {
    Canary::default().breaches(run, 1).into_iter().next()
}

/// Every INV-1 breach the legacy model commits over the whole of `run`,
/// with step indices: what a run's legacy breach count will be once any
/// patched-side failure in it is fixed.
pub fn all_legacy_breaches(run: &Run) -> Vec<(usize, Breach)> {
    Canary::default().breaches(run, usize::MAX)
}
