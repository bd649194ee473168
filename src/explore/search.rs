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
use super::canon::{permutations, rename_op, Canon, Key, KeyMode};
use super::driver::{Checks, Driver, Finding, Worker};
use crate::oracle::engine::StateKeyKind;
use crate::oracle::failure::Signature;
use crate::world::{Op, Run, WorldConfig, MAX_GROUPS, MAX_OPS, MAX_UNOWNED, MAX_USERS};

/// Parents expanded between two checks of Ctrl-C and progress updates.
const BATCH: usize = 256;

/// Bytes of memory one stored state costs (fingerprint in the visited set
/// with the hash table's slack, plus its node in the level arrays).
pub const BYTES_PER_STATE: u64 = 56;

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
    /// Go on after a failure and report every distinct failing signature
    /// within the bound, each with its shortest sequence (a failing state
    /// is not expanded further). Lockstep checks only.
    #[serde(default)]
    pub all_signatures: bool,
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
    /// The lineup cannot be built (an external implementation that does
    /// not start, or announces the wrong era).
    #[error("{0}")]
    Implementation(String),
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
    /// An implementation stopped answering (crashed, hung, left the
    /// protocol) during the search: nothing after it was checked.
    Unusable {
        /// What happened, in one line.
        why: String,
    },
}

/// Whether user symmetry was used, and why not when it was not.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(tag = "symmetry", rename_all = "snake_case")]
pub enum Symmetry {
    /// Keys were minimised over every renaming of users: the lineup's
    /// sides all rename their state, and the symmetry self-check passed.
    Used,
    /// `--no-symmetry`.
    Off,
    /// Not used, though asked for: why.
    Refused {
        /// The reason, in one line.
        why: String,
    },
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
    /// The implementation in the patched seat.
    pub subject: String,
    /// How each implementation's state entered the keys.
    pub keys: Vec<(String, StateKeyKind)>,
    /// How states were keyed: the soundness condition the search ran under.
    pub key_mode: KeyMode,
    /// Whether user symmetry was used.
    pub symmetry: Symmetry,
    /// Whether children were forked from their parent's engine (true) or
    /// replayed from the root (an implementation that cannot be copied).
    pub forked: bool,
    /// With [`ExploreConfig::all_signatures`]: every distinct failing
    /// signature found, in the order first reached (shortest first), each
    /// with its shortest sequence and how many failing transitions had it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub distinct: Vec<Distinct>,
}

/// One distinct failure of an every-signature search.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Distinct {
    /// Its signature: kind, rule, operation kind, implementation, and
    /// (after [`Report::name_causes`]) the first cause.
    pub signature: Signature,
    /// The shortest sequence that reaches it, the last operation failing.
    pub ops: Vec<Op>,
    /// Failing transitions with this signature within the bound.
    pub count: u64,
}

impl Report {
    /// Gives every distinct failure its full signature, first cause
    /// included, by tracing its shortest sequence with `engine` (the
    /// search groups by the failure alone, which a verdict gives; the cause
    /// needs the trace). A sequence that no longer fails the same way (an
    /// implementation whose answers depend on more than the run) keeps the
    /// failure's signature.
    pub fn name_causes(&mut self, engine: &mut crate::oracle::engine::Engine) {
        let world = self.config.world;
        for d in &mut self.distinct {
            let trace = engine.trace(&Run { world, ops: d.ops.clone() });
            if let Some(full) = trace.signature() {
                if (Signature { cause: None, ..full.clone() }) == d.signature {
                    d.signature = full;
                }
            }
        }
    }

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
    /// The state's key (the tree mode derives children's keys from it).
    key: Key,
}

/// What expanding one state produced.
struct Expansion {
    /// New-looking children: key, operation index.
    children: Vec<(Key, u16)>,
    /// The failing operations: the first only (expansion stops there), or
    /// every one when all signatures are sought.
    failures: Vec<(u16, Finding)>,
    /// An implementation that stopped answering.
    unusable: Option<String>,
    /// Transitions checked.
    transitions: u64,
}

/// Explores every operation sequence up to the depth bound over the
/// built-in lineup `config.checks` names, breadth first. See
/// [`explore_with`].
pub fn explore(config: &ExploreConfig, cancel: &AtomicBool, observer: &dyn Observer) -> Result<Report, ExploreError> {
    let driver = Driver::new(config.world, config.checks);
    explore_with(config, &driver, cancel, observer)
}

/// How many pseudo-random runs the symmetry self-check tries per renaming,
/// beyond every sequence of at most two operations.
pub const SYMMETRY_RUNS: usize = 200;

/// The symmetry self-check: runs every alphabet sequence of at most two
/// operations and [`SYMMETRY_RUNS`] pseudo-random longer ones, each beside
/// its copy under every renaming of users, and compares the renamed
/// encodings of every side after every step, and the verdicts. User
/// symmetry is sound only for implementations that treat user ids alike;
/// one that does not (a bug that only user 0 triggers) fails here, and the
/// search then runs without symmetry. `Err` says where it broke.
pub fn symmetry_check(driver: &Driver, depth: usize) -> Result<(), String> {
    let world = driver.world().clone();
    let ops = alphabet(&world);
    let mut a = driver.engine()?;
    let mut b = driver.engine()?;
    let ident: Vec<crate::world::UserId> = world.users().collect();
    let (mut wa, mut wb) = (Vec::new(), Vec::new());
    let mut runs: Vec<Vec<usize>> = Vec::new();
    for i in 0..ops.len() {
        for j in 0..ops.len() {
            runs.push(vec![i, j]);
        }
    }
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..SYMMETRY_RUNS {
        runs.push(
            (0..depth.max(6))
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    (state % ops.len() as u64) as usize
                })
                .collect(),
        );
    }
    for perm in permutations(world.user_count()).into_iter().skip(1) {
        for run in &runs {
            a.reset(&world);
            b.reset(&world);
            for (step, &i) in run.iter().enumerate() {
                let op = &ops[i];
                let renamed = rename_op(&world, op, &perm);
                a.step(op);
                b.step(&renamed);
                wa.clear();
                wb.clear();
                let (ka, kb) = (a.state_words(&perm, &mut wa), b.state_words(&ident, &mut wb));
                let fails = (a.failures().first().map(|f| f.kind()), b.failures().first().map(|f| f.kind()));
                if !ka || !kb {
                    return Err("an implementation cannot encode its state under renaming".to_string());
                }
                if wa != wb || fails.0 != fails.1 {
                    return Err(format!(
                        "renaming users changes the state or the verdict after step {step} ({op}): an implementation treats user ids unalike"
                    ));
                }
                if fails.0.is_some() {
                    break;
                }
            }
        }
    }
    Ok(())
}

/// Explores every operation sequence up to the depth bound, breadth first,
/// through `driver`'s lineup. Stops at the first level with a failure
/// (reporting the first failing sequence in the fixed order), when
/// `cancel` is set (checked between batches), when the state cap is
/// reached, or when an implementation stops answering.
///
/// States are keyed on every side ([`KeyMode`]): the references, every
/// implementation's own state (or its digest), every judge's books and
/// D-4's ties, so two paths merge only when nothing that decides a later
/// verdict differs; user symmetry is used only when every side renames its
/// state and [`symmetry_check`] passes.
///
/// Long on purpose: the level loop and its four early stops (a failure,
/// `cancel`, an unusable implementation, the state cap) share the search's
/// whole state, so they are kept in one place rather than threaded
/// through helpers with a dozen arguments.
pub fn explore_with(
    config: &ExploreConfig,
    driver: &Driver,
    cancel: &AtomicBool,
    observer: &dyn Observer,
) -> Result<Report, ExploreError> {
    validate(config)?;
    let start = Instant::now();
    let ops = alphabet(driver.world());
    let mut probe = driver.engine().map_err(ExploreError::Implementation)?;
    probe.reset(driver.world());
    let keys = probe.state_keys();
    let mut kinds: Vec<StateKeyKind> = keys.iter().map(|(_, k)| *k).collect();
    kinds.extend([StateKeyKind::Renamable, StateKeyKind::Renamable]);
    let key_mode = KeyMode::of(&kinds);
    let symmetry = match (config.symmetry, key_mode) {
        (false, _) => Symmetry::Off,
        (true, KeyMode::Renamed) => match symmetry_check(driver, config.depth) {
            Ok(()) => Symmetry::Used,
            Err(why) => Symmetry::Refused { why },
        },
        (true, KeyMode::Digest | KeyMode::Tree) => {
            Symmetry::Refused { why: "an implementation's state cannot be renamed".to_string() }
        }
    };
    let canon = Canon::new(driver.world(), symmetry == Symmetry::Used, key_mode);
    let forked = driver.forks().map_err(ExploreError::Implementation)?;
    let root_key = canon
        .key(&mut probe, 0, u16::MAX, &mut Vec::new(), &mut Vec::new())
        .map_err(|e| ExploreError::Implementation(e.to_string()))?;
    drop(probe);
    let mut visited: FxHashSet<Key> = FxHashSet::default();
    visited.insert(root_key);
    let mut levels: Vec<Vec<Node>> = vec![vec![Node { parent: u32::MAX, op: u16::MAX, key: root_key }]];
    let mut per_depth = vec![1u64];
    let mut transitions = 0u64;
    let mut checked_depth = 0;
    let mut conclusion = Conclusion::NoFailure;
    let mut distinct: Vec<Distinct> = Vec::new();

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
                .map_init(
                    || driver.worker(),
                    |w, i| match w {
                        Ok(w) => {
                            let all = config.all_signatures;
                            expand(driver, w, &canon, &ops, &levels, (depth - 1, i), &visited, all)
                        }
                        Err(why) => Expansion {
                            children: Vec::new(),
                            failures: Vec::new(),
                            unusable: Some(why.clone()),
                            transitions: 0,
                        },
                    },
                )
                .collect();
            for (offset, e) in expansions.into_iter().enumerate() {
                transitions += e.transitions;
                let parent = (batch_start + offset) as u32;
                for (op, finding) in e.failures {
                    let mut path = path_of(&levels, depth - 1, parent as usize);
                    path.push(op);
                    let run: Vec<Op> = path.iter().map(|i| ops[*i as usize].clone()).collect();
                    let signature = match &finding {
                        Finding::Failure { failure } if config.all_signatures => Some(failure.signature()),
                        Finding::Failure { .. } | Finding::LegacyBreach { .. } => None,
                    };
                    let Some(signature) = signature else {
                        conclusion = Conclusion::Found { ops: run, finding: Box::new(finding) };
                        per_depth.push(next.len() as u64);
                        break 'levels;
                    };
                    match distinct.iter_mut().find(|d| d.signature == signature) {
                        Some(d) => d.count += 1,
                        None => {
                            if matches!(conclusion, Conclusion::NoFailure) {
                                conclusion = Conclusion::Found { ops: run.clone(), finding: Box::new(finding) };
                            }
                            distinct.push(Distinct { signature, ops: run, count: 1 });
                        }
                    }
                }
                if let Some(why) = e.unusable {
                    conclusion = Conclusion::Unusable { why };
                    per_depth.push(next.len() as u64);
                    break 'levels;
                }
                for (key, op) in e.children {
                    if visited.insert(key) {
                        next.push(Node { parent, op, key });
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
        subject: driver.subject_name(),
        keys,
        key_mode,
        symmetry,
        forked,
        distinct,
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

/// Expands state `index` of level `depth` by every operation: the parent
/// replayed once, each child forked from it (or replayed, for a lineup
/// that cannot fork) and stepped; refused operations included.
/// With `all`, every failing operation is recorded and its child, a
/// failing state, is not kept; without it, expansion stops at the first.
#[allow(clippy::too_many_arguments)]
fn expand(
    driver: &Driver,
    worker: &mut Worker,
    canon: &Canon,
    ops: &[Op],
    levels: &[Vec<Node>],
    (depth, index): (usize, usize),
    visited: &FxHashSet<Key>,
    all: bool,
) -> Expansion {
    let parent_key = levels[depth][index].key;
    let prefix: Vec<&Op> = path_of(levels, depth, index).into_iter().map(|i| &ops[i as usize]).collect();
    let world = driver.world();
    worker.enter(world, &prefix);
    let mut out = Expansion { children: Vec::new(), failures: Vec::new(), unusable: None, transitions: 0 };
    let (mut words, mut best) = (std::mem::take(&mut worker.words), std::mem::take(&mut worker.best));
    for (j, op) in ops.iter().enumerate() {
        out.transitions += 1;
        let child = worker.child(world, &prefix, op);
        if let Some(finding) = driver.finding(child, depth) {
            out.failures.push((j as u16, finding));
            if all {
                continue;
            }
            break;
        }
        match canon.key(worker.scratch(), parent_key, j as u16, &mut words, &mut best) {
            Ok(key) => {
                if !visited.contains(&key) {
                    out.children.push((key, j as u16));
                }
            }
            Err(e) => {
                out.unusable = Some(e.to_string());
                break;
            }
        }
    }
    worker.words = words;
    worker.best = best;
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
            all_signatures: false,
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
