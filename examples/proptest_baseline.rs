//! The property-testing baseline for `scripts/rediscovery.sh`: how many
//! generated runs plain `proptest` needs before the canary fires (the legacy
//! model breaks INV-1), per seed, under the same case budget the fuzzer gets.
//!
//! Runs are generated over the fuzz operation language with uniform choices,
//! as the fuzz decoder makes them: a world of 1-8 users, 1-3 groups and 0-4
//! numbers of nobody; 0-64 operations, each variant equally likely; users,
//! groups and numbers drawn from the world; rule lists of 0-4 rules. The
//! property is `canary::first_legacy_breach(&run).is_none()`; the count is
//! the number of cases run up to and including the first failing one
//! (shrinking is off, so it does not inflate the count).
//!
//! `--property differential` checks the whole differential verdict instead
//! (`engine::verdict(&run)` must pass): the planted-bug benchmark
//! (`scripts/planted-bugs.sh`, built with `--features planted-bugs`).
//!
//! Run: `cargo run --release --example proptest_baseline -- --seeds 10 --budget 100000 [--property canary|differential]`
//! Prints one line per seed:
//! `seed=1 status=found cases=137 seconds=0.004121` (or `status=censored
//! cases=<budget>` when the budget ran out first).

use std::cell::Cell;
use std::time::Instant;

use privdiff::gen::seed::SplitMix64;
use privdiff::oracle::canary::first_legacy_breach;
use privdiff::world::ids::{GroupId, Phone, UserId};
use privdiff::world::privacy::{PrivacyKey, Rule};
use privdiff::world::{Op, Run, World, WorldConfig, MAX_GROUPS, MAX_OPS, MAX_UNOWNED, MAX_USERS};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};

/// Most rules in one generated setting.
const MAX_RULES: usize = 4;
/// Most users or groups named by one generated rule.
const MAX_NAMED: usize = 3;
/// Most numbers in one generated import.
const MAX_PHONES: usize = 8;

fn world_config() -> impl Strategy<Value = WorldConfig> {
    (1..=MAX_USERS, 1..=MAX_GROUPS, 0..=MAX_UNOWNED).prop_map(|(users, groups, unowned_numbers)| WorldConfig {
        users,
        groups,
        unowned_numbers,
    })
}

fn rule(users: u32, groups: u32) -> impl Strategy<Value = Rule> {
    let user_list = || vec((0..users).prop_map(UserId), 0..=MAX_NAMED);
    let group_list = || vec((0..groups).prop_map(GroupId), 0..=MAX_NAMED);
    prop_oneof![
        Just(Rule::AllowAll),
        Just(Rule::DisallowAll),
        Just(Rule::AllowContacts),
        Just(Rule::DisallowContacts),
        user_list().prop_map(Rule::AllowUsers),
        user_list().prop_map(Rule::DisallowUsers),
        group_list().prop_map(Rule::AllowChatParticipants),
        group_list().prop_map(Rule::DisallowChatParticipants),
    ]
}

/// One operation inside `world`, every variant equally likely.
pub fn op(world: &World) -> impl Strategy<Value = Op> {
    let (users, groups) = (world.user_count(), world.groups);
    let numbers: Vec<Phone> = world.phones.iter().chain(&world.unowned).copied().collect();
    let user = move || (0..users).prop_map(UserId);
    let group = move || (0..groups).prop_map(GroupId);
    let phone = move || proptest::sample::select(numbers.clone());
    let key = || prop_oneof![Just(PrivacyKey::PhoneNumber), Just(PrivacyKey::AddedByPhone)];
    prop_oneof![
        (user(), group()).prop_map(|(user, group)| Op::JoinGroup { user, group }),
        (user(), group()).prop_map(|(user, group)| Op::LeaveGroup { user, group }),
        (user(), vec(phone(), 0..=MAX_PHONES)).prop_map(|(owner, phones)| Op::ImportContacts { owner, phones }),
        (user(), user(), any::<bool>()).prop_map(|(owner, target, share_phone)| Op::AddContact {
            owner,
            target,
            share_phone
        }),
        (user(), user()).prop_map(|(owner, target)| Op::DeleteContact { owner, target }),
        (user(), key(), vec(rule(users, groups), 0..=MAX_RULES)).prop_map(|(user, key, rules)| Op::SetPrivacy {
            user,
            key,
            rules
        }),
        (user(), group(), user()).prop_map(|(viewer, group, member)| Op::QueryMember { viewer, group, member }),
        (user(), group()).prop_map(|(viewer, group)| Op::ListMembers { viewer, group }),
        (user(), phone()).prop_map(|(viewer, phone)| Op::ResolvePhone { viewer, phone }),
    ]
}

/// A whole run: a world, then up to [`MAX_OPS`] operations inside it.
pub fn run_strategy() -> impl Strategy<Value = Run> {
    world_config().prop_flat_map(|config| {
        let world = World::from_config(&config);
        vec(op(&world), 0..=MAX_OPS).prop_map(move |ops| Run { world: config, ops })
    })
}

/// What one seed gave.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trial {
    /// Cases run, up to and including the first failure (or the budget).
    pub cases: u64,
    /// Seconds to the first failure (or to the end of the budget).
    pub seconds: f64,
    /// Whether the canary fired within the budget.
    pub found: bool,
}

/// A runner whose random stream depends only on `seed`; shrinking and
/// failure persistence off.
pub fn seeded_runner(seed: u64, budget: u32) -> TestRunner {
    let mut mix = SplitMix64::new(seed);
    let key: Vec<u8> = (0..4).flat_map(|_| mix.next_u64().to_le_bytes()).collect();
    let config = Config {
        cases: budget,
        max_shrink_iters: 0,
        failure_persistence: None,
        source_file: None,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &key))
}

/// Generates runs with `seed` until the canary fires or `budget` cases pass.
pub fn trial(seed: u64, budget: u32) -> Trial {
    trial_of(seed, budget, Property::Canary)
}

/// What a trial checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Property {
    /// The legacy model never breaks INV-1 (fails fast: the loophole).
    Canary,
    /// The whole differential verdict passes (fails on a planted bug).
    Differential,
}

impl Property {
    fn fails(self, run: &Run) -> bool {
        match self {
            Property::Canary => first_legacy_breach(run).is_some(),
            Property::Differential => {
                // The faults the environment plants (PRIVDIFF_BUG and the
                // like), read where the lineup is built, as the fuzz target does.
                let lineup = privdiff::oracle::lineup::Lineup::from_env(privdiff::oracle::lineup::PatchedImpl::Patched)
                    .unwrap_or_else(|e| {
                        eprintln!("proptest_baseline: {e}");
                        std::process::exit(2)
                    });
                matches!(lineup.engine().verdict(run), privdiff::oracle::engine::Verdict::Fail { .. })
            }
        }
    }
}

/// Generates runs with `seed` until `property` fails or `budget` cases pass.
pub fn trial_of(seed: u64, budget: u32, property: Property) -> Trial {
    let mut runner = seeded_runner(seed, budget);
    let cases = Cell::new(0u64);
    let first = Cell::new(None::<(u64, f64)>);
    let start = Instant::now();
    let result = runner.run(&run_strategy(), |run| {
        cases.set(cases.get() + 1);
        if !property.fails(&run) {
            return Ok(());
        }
        if first.get().is_none() {
            first.set(Some((cases.get(), start.elapsed().as_secs_f64())));
        }
        Err(TestCaseError::fail("the legacy model broke INV-1"))
    });
    match (result, first.get()) {
        (Err(TestError::Fail(..)), Some((cases, seconds))) => Trial { cases, seconds, found: true },
        _ => Trial { cases: cases.get(), seconds: start.elapsed().as_secs_f64(), found: false },
    }
}

fn parse_args() -> Result<(u64, u64, u32, Property), String> {
    let (mut seeds, mut first_seed, mut budget) = (10u64, 1u64, 100_000u32);
    let mut property = Property::Canary;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        let bad = |_| format!("{flag}: not a count: {value}");
        match flag.as_str() {
            "--seeds" => seeds = value.parse().map_err(bad)?,
            "--first-seed" => first_seed = value.parse().map_err(bad)?,
            "--budget" => budget = value.parse().map_err(bad)?,
            "--property" if value == "canary" => property = Property::Canary,
            "--property" if value == "differential" => property = Property::Differential,
            _ => return Err(format!("unknown option {flag} (use --seeds N --first-seed S --budget CASES)")),
        }
    }
    Ok((seeds, first_seed, budget, property))
}

fn main() -> std::process::ExitCode {
    let (seeds, first_seed, budget, property) = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("proptest_baseline: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    for seed in first_seed..first_seed + seeds {
        let t = trial_of(seed, budget, property);
        let status = if t.found { "found" } else { "censored" };
        println!("seed={seed} status={status} cases={} seconds={:.6}", t.cases, t.seconds);
    }
    std::process::ExitCode::SUCCESS
}
