//! The breadth-first search: level by level, every state of one depth is
//! expanded by every operation of the alphabet before any state of the next
//! depth, so the first failing transition found is on a shortest failing
//! sequence. Each level is expanded in parallel (rayon) in fixed batches;
//! results are merged in a fixed order (parent, then operation), so the
//! states found, the counts and the reported case do not depend on the
//! number of threads.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use rayon::prelude::*;
use rustc_hash::FxHashSet;
use serde::{Deserialize, Serialize};

use super::alphabet::alphabet;
use super::canon::{Canon, Key};
use super::driver::{Checks, Driver, Finding, Ties, Worker};
use crate::world::{Op, Run, WorldConfig, MAX_GROUPS, MAX_OPS, MAX_UNOWNED, MAX_USERS};

/// Parents expanded between two checks of Ctrl-C and progress updates.
const BATCH: usize = 256;

/// Bytes of memory one stored state costs (fingerprint in the visited set
/// with the hash table's slack, plus its node in the level arrays).
pub const BYTES_PER_STATE: u64 = 40;

/// The default cap on distinct states: 100 million, about 4 GB.
pub const DEFAULT_MAX_STATES: u64 = 100_000_000;

/// What to explore.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct ExploreConfig {
    /// The world: users, groups, unowned numbers.
    pub world: WorldConfig,
    /// Longest operation sequence tried.
    pub depth: usize,
    /// What every transition is checked against.
    pub checks: Checks,
    /// Whether states equal up to renaming users count as one.
    pub symmetry: bool,
    /// The most distinct states the search may store.
    pub max_states: u64,
}

/// Why an exploration cannot start.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ExploreError {
    /// A depth of zero explores nothing.
    #[error("--depth must be at least 1 (a depth of 0 checks no operation)")]
    DepthZero,
    /// Deeper than any run the harness handles.
    #[error("--depth {0} is beyond the {MAX_OPS} operations a run may hold")]
    DepthTooLarge(usize),
    /// The world is outside the fuzz bounds.
    #[error("world must have 1..={MAX_USERS} users, 1..={MAX_GROUPS} groups and 0..={MAX_UNOWNED} unowned numbers; got {users}, {groups}, {unowned}")]
    World {
        /// Users asked for.
        users: u8,
        /// Groups asked for.
        groups: u8,
        /// Unowned numbers asked for.
        unowned: u8,
    },
    /// The bounds cannot fit under the state cap.
    #[error("bounds too large: about {estimate:.1e} distinct states expected (alphabet {alphabet}, depth {depth}), over the cap of {cap} states (~{gib:.1} GiB); lower --depth, --users or --unowned, or raise --max-states")]
    TooLarge {
        /// Estimated distinct states.
        estimate: f64,
        /// Alphabet size.
        alphabet: usize,
        /// Depth asked for.
        depth: usize,
        /// The state cap.
        cap: u64,
        /// The cap in GiB.
        gib: f64,
    },
}

/// How an exploration ended.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Conclusion {
    /// Every sequence up to the depth bound passed every check.
    NoFailure,
    /// A shortest failing sequence.
    Found {
        /// The operations, the last one failing.
        ops: Vec<Op>,
        /// What the last operation broke.
        finding: Box<Finding>,
    },
    /// Ctrl-C: the search stopped between batches.
    Interrupted,
    /// The state cap was reached.
    StateCap,
}

/// What an exploration covered and found.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Report {
    /// What was explored.
    pub config: ExploreConfig,
    /// Operations in the alphabet.
    pub alphabet: usize,
    /// Renamings each key is minimised over (1 without symmetry).
    pub permutations: usize,
    /// Worker threads.
    pub threads: usize,
    /// Distinct states stored (the initial state included).
    pub states: u64,
    /// Transitions checked: (state, operation) pairs run through the engine.
    pub transitions: u64,
    /// New distinct states at each depth, from depth 0 (the initial state);
    /// when the search stopped early, the last entry counts the states
    /// found at the unfinished level so far.
    pub states_per_depth: Vec<u64>,
    /// Every sequence of at most this many operations was checked.
    pub checked_depth: usize,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Distinct states per second.
    pub states_per_second: f64,
    /// Transitions per second.
    pub transitions_per_second: f64,
    /// How it ended.
    pub conclusion: Conclusion,
}

impl Report {
    /// The shortest failing run, if one was found.
    pub fn failing_run(&self) -> Option<Run> {
        match &self.conclusion {
            Conclusion::Found { ops, .. } => Some(Run { world: self.config.world, ops: ops.clone() }),
            _ => None,
        }
    }
}

/// Told about progress; every method has a silent default.
pub trait Observer: Sync {
    /// A level starts: `parents` states of depth `depth - 1` to expand.
    fn level(&self, _depth: usize, _parents: u64) {}
    /// `parents` more states of the current level were expanded.
    fn advanced(&self, _parents: u64) {}
}

/// An observer that ignores everything.
pub struct Silent;
impl Observer for Silent {}

/// A rough upper estimate of the distinct states within `depth`
/// operations: the smaller of two bounds.
///
/// - Sequences: most operations commute (different actors, different
///   targets), so sequences that are permutations of one multiset mostly
///   reach one state: about `C(A + D - 1, D)` multisets, divided by the `N!`
///   renamings of users. Measured counts are far below it (failed and
///   repeated operations change nothing).
/// - The state space itself, whatever the depth: memberships, each era's
///   matched entries (none, without or with a number, per ordered pair) and
///   unmatched entries (a set per owner), settings (the alphabet's values
///   for each key, with up to `N-1` users `AddContact` put in front), each
///   era's known links and the tied pairs, divided by `N!`. It is what
///   keeps deep searches of small worlds (2 users, depth 12) from being
///   refused.
///
/// It is only used to refuse bounds that are hopeless up front.
pub fn estimate_states(alphabet: usize, depth: usize, world: &WorldConfig) -> f64 {
    let (n, g, u) = (f64::from(world.users), f64::from(world.groups), f64::from(world.unowned_numbers));
    let renamings: f64 = (1..=world.users).map(f64::from).product();
    let mut multisets = 1.0f64;
    for i in 0..depth {
        multisets *= (alphabet + i) as f64 / (i + 1) as f64;
    }
    let pairs = n * (n - 1.0);
    let see_values = 3.0 + 2.0 * (n - 1.0 + g);
    let prefixes: f64 =
        (0..world.users).map(|k| (0..k).map(|i| f64::from(world.users) - 1.0 - f64::from(i)).product::<f64>()).sum();
    let settings = (see_values * prefixes * 2.0).powf(n);
    let space = 2f64.powf(n * g)
        * 3f64.powf(2.0 * pairs)
        * 2f64.powf(2.0 * n * (n + u))
        * settings
        * 2f64.powf(2.0 * pairs)
        * 2f64.powf(pairs / 2.0);
    multisets.min(space) / renamings
}

/// How far above the cap the estimate may be before the bounds are refused
/// up front (the estimate overshoots by about this much at the bounds
/// measured in `docs/EXPLORE.md`); a run that still outgrows the cap stops
/// with [`Conclusion::StateCap`].
pub const ESTIMATE_SLACK: f64 = 1_000.0;

/// Checks the bounds before anything runs.
pub fn validate(config: &ExploreConfig) -> Result<usize, ExploreError> {
    let w = config.world;
    if !(1..=MAX_USERS).contains(&w.users) || !(1..=MAX_GROUPS).contains(&w.groups) || w.unowned_numbers > MAX_UNOWNED {
        return Err(ExploreError::World { users: w.users, groups: w.groups, unowned: w.unowned_numbers });
    }
    if config.depth == 0 {
        return Err(ExploreError::DepthZero);
    }
    if config.depth > MAX_OPS {
        return Err(ExploreError::DepthTooLarge(config.depth));
    }
    let world = crate::world::World::from_config(&w);
    let a = alphabet(&world).len();
    let estimate = estimate_states(a, config.depth, &w);
    if estimate > config.max_states as f64 * ESTIMATE_SLACK {
        return Err(ExploreError::TooLarge {
            estimate,
            alphabet: a,
            depth: config.depth,
            cap: config.max_states,
            gib: (config.max_states * BYTES_PER_STATE) as f64 / f64::from(1u32 << 30),
        });
    }
    Ok(a)
}

/// A stored state: how it was first reached.
#[derive(Debug, Clone, Copy)]
struct Node {
    /// Index of the parent in the previous level.
    parent: u32,
    /// Index of the operation in the alphabet.
    op: u16,
    /// Pairs tied by loophole steps on the way (D-4's history).
    ties: Ties,
}

/// What expanding one state produced.
struct Expansion {
    /// New-looking children: key, operation index, tied pairs.
    children: Vec<(Key, u16, Ties)>,
    /// The first failing operation, if any (expansion stops there).
    failure: Option<(u16, Finding)>,
    /// Transitions checked.
    transitions: u64,
}

/// Explores every operation sequence up to the depth bound, breadth first.
/// Stops at the first level with a failure (reporting the first failing
/// sequence in the fixed order), when `cancel` is set (checked between
/// batches), or when the state cap is reached.
pub fn explore(config: &ExploreConfig, cancel: &AtomicBool, observer: &dyn Observer) -> Result<Report, ExploreError> {
    validate(config)?;
    let start = Instant::now();
    let driver = Driver::new(config.world, config.checks);
    let ops = alphabet(driver.world());
    let canon = Canon::new(driver.world(), config.symmetry);

    let root_key = canon.key(&driver.references(std::iter::empty()).0, 0);
    let mut visited: FxHashSet<Key> = FxHashSet::default();
    visited.insert(root_key);
    let mut levels: Vec<Vec<Node>> = vec![vec![Node { parent: u32::MAX, op: u16::MAX, ties: 0 }]];
    let mut per_depth = vec![1u64];
    let mut transitions = 0u64;
    let mut checked_depth = 0;
    let mut conclusion = Conclusion::NoFailure;

    'levels: for depth in 1..=config.depth {
        let parents = levels[depth - 1].len();
        observer.level(depth, parents as u64);
        let mut next: Vec<Node> = Vec::new();
        for batch_start in (0..parents).step_by(BATCH) {
            if cancel.load(Ordering::Relaxed) {
                conclusion = Conclusion::Interrupted;
                per_depth.push(next.len() as u64);
                break 'levels;
            }
            let batch_end = (batch_start + BATCH).min(parents);
            let expansions: Vec<Expansion> = (batch_start..batch_end)
                .into_par_iter()
                .map_init(|| driver.worker(), |w, i| expand(&driver, w, &canon, &ops, &levels, depth - 1, i, &visited))
                .collect();
            for (offset, e) in expansions.into_iter().enumerate() {
                transitions += e.transitions;
                let parent = (batch_start + offset) as u32;
                if let Some((op, finding)) = e.failure {
                    let mut path = path_of(&levels, depth - 1, parent as usize);
                    path.push(op);
                    let ops = path.iter().map(|i| ops[*i as usize].clone()).collect();
                    conclusion = Conclusion::Found { ops, finding: Box::new(finding) };
                    per_depth.push(next.len() as u64);
                    break 'levels;
                }
                for (key, op, ties) in e.children {
                    if visited.insert(key) {
                        next.push(Node { parent, op, ties });
                    }
                }
            }
            observer.advanced((batch_end - batch_start) as u64);
            if visited.len() as u64 > config.max_states {
                conclusion = Conclusion::StateCap;
                per_depth.push(next.len() as u64);
                break 'levels;
            }
        }
        per_depth.push(next.len() as u64);
        levels.push(next);
        checked_depth = depth;
    }

    let seconds = start.elapsed().as_secs_f64();
    let states = visited.len() as u64;
    Ok(Report {
        config: config.clone(),
        alphabet: ops.len(),
        permutations: canon.permutation_count(),
        threads: rayon::current_num_threads(),
        states,
        transitions,
        states_per_depth: per_depth,
        checked_depth,
        seconds,
        states_per_second: states as f64 / seconds.max(1e-9),
        transitions_per_second: transitions as f64 / seconds.max(1e-9),
        conclusion,
    })
}

/// The operation indices that first reached state `index` of level `depth`.
fn path_of(levels: &[Vec<Node>], depth: usize, index: usize) -> Vec<u16> {
    let mut path = Vec::with_capacity(depth + 1);
    let mut i = index;
    for d in (1..=depth).rev() {
        let node = levels[d][i];
        path.push(node.op);
        i = node.parent as usize;
    }
    path.reverse();
    path
}

/// Expands state `index` of level `depth` by every operation.
#[allow(clippy::too_many_arguments)]
fn expand(
    driver: &Driver,
    worker: &mut Worker,
    canon: &Canon,
    ops: &[Op],
    levels: &[Vec<Node>],
    depth: usize,
    index: usize,
    visited: &FxHashSet<Key>,
) -> Expansion {
    let ties = levels[depth][index].ties;
    let prefix: Vec<&Op> = path_of(levels, depth, index).into_iter().map(|i| &ops[i as usize]).collect();
    let (refs, _) = driver.references(prefix.iter().copied());
    let mut out = Expansion { children: Vec::new(), failure: None, transitions: 0 };
    let mut child = refs.clone();
    for (j, op) in ops.iter().enumerate() {
        out.transitions += 1;
        if let Some(finding) = driver.probe(worker, &prefix, op) {
            out.failure = Some((j as u16, finding));
            return out;
        }
        child.clone_from(&refs);
        let (tied, refused) = Driver::advance_checked(&mut child, op);
        if refused {
            // Both references refused: the child is the parent, visited.
            continue;
        }
        let child_ties = ties | tied;
        let key = canon.key(&child, child_ties);
        if !visited.contains(&key) {
            out.children.push((key, j as u16, child_ties));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(users: u8, groups: u8, unowned: u8, depth: usize) -> bool {
        let config = ExploreConfig {
            world: WorldConfig { users, groups, unowned_numbers: unowned },
            depth,
            checks: Checks::Canary,
            symmetry: true,
            max_states: DEFAULT_MAX_STATES,
        };
        matches!(validate(&config), Err(ExploreError::TooLarge { .. }))
    }

    /// Hopeless bounds are refused; deep searches of tiny worlds and the
    /// bounds measured in docs/EXPLORE.md are not.
    #[test]
    fn the_estimate_refuses_only_hopeless_bounds() {
        assert!(refused(8, 3, 4, 40));
        assert!(refused(3, 1, 1, 9));
        assert!(refused(4, 2, 2, 8));
        assert!(!refused(2, 1, 1, 12));
        assert!(!refused(2, 1, 1, 40), "a 2-user world's whole state space is small");
        assert!(!refused(3, 1, 1, 7));
        assert!(!refused(4, 1, 1, 6));
        assert!(!refused(3, 2, 1, 6));
    }
}
