//! Shrinking a failing run to a minimal case with the same full failure
//! signature (kind, rule, operation kind, implementation, and the first
//! cause: its operation kind and rule, who departs, the verdict pair;
//! [`crate::oracle::cause`]), so that a shrunk
//! case cannot slide onto another bug.
//!
//! Works on the structure, not the bytes: delta debugging (ddmin) over the
//! operations, then over each operation's arguments (imported numbers,
//! rules, the users and groups a rule names, `share_phone`), then the world
//! (fewer users, groups and unowned numbers; users renamed in order of
//! appearance so the case reads alice, bob, carol). The passes repeat until
//! none makes progress. Every candidate is checked against its world before
//! it is run, so the result is always a valid case.

use crate::oracle::engine::{Engine, Trace, Verdict};
use crate::oracle::failure::Signature;
use crate::world::ids::{Phone, UserId};
use crate::world::privacy::Rule;
use crate::world::{Op, RefMut, Run, WorldConfig};

/// What a shrunk run must still show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Goal {
    /// The run fails with this signature.
    Fails(Signature),
    /// The run passes and the legacy model leaks (the loophole finding).
    LegacyLeaks,
}

impl std::fmt::Display for Goal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Goal::Fails(sig) => write!(f, "fails with {sig}"),
            Goal::LegacyLeaks => f.write_str("passes while the legacy model leaks (INV-1, the loophole)"),
        }
    }
}

/// The goal a run's trace meets, if it is worth shrinking at all: a
/// failure keeps its full signature, first cause included, so a shrunk
/// case is the same bug found the same way.
pub fn goal_of(trace: &Trace) -> Option<Goal> {
    match &trace.verdict {
        Verdict::Fail { .. } => trace.signature().map(Goal::Fails),
        Verdict::Pass { legacy_breaches, .. } if *legacy_breaches > 0 => Some(Goal::LegacyLeaks),
        Verdict::Pass { .. } => None,
    }
}

/// The result of shrinking.
#[derive(Debug, Clone)]
pub struct Minimized {
    /// The smallest run found that still meets the goal.
    pub run: Run,
    /// How many candidate runs were executed.
    pub tests: usize,
}

/// Shrinks `run` (which must meet `goal`) with the standard lineup.
pub fn minimize(run: &Run, goal: Goal) -> Minimized {
    minimize_with(run, &goal, &mut Engine::standard())
}

/// Shrinks `run` with the implementations of `engine`.
pub fn minimize_with(run: &Run, goal: &Goal, engine: &mut Engine) -> Minimized {
    let mut tests = 0;
    let mut holds = |candidate: &Run| -> bool {
        if candidate.check().is_err() {
            return false;
        }
        tests += 1;
        goal_of(&engine.trace(candidate)).as_ref() == Some(goal)
    };
    let mut best = run.clone();
    for _round in 0..32 {
        let before = best.clone();
        // Drop operations after the failing one first: they never ran.
        best = shrink_ops(best, &mut holds);
        best = shrink_arguments(best, &mut holds);
        best = shrink_world(best, &mut holds);
        if best == before {
            break;
        }
    }
    Minimized { run: best, tests }
}

/// Classic ddmin on complements: remove chunks of decreasing size while the
/// test still holds.
fn ddmin<T: Clone>(items: Vec<T>, test: &mut dyn FnMut(&[T]) -> bool) -> Vec<T> {
    let mut items = items;
    let mut parts = 2usize;
    while !items.is_empty() {
        let chunk = items.len().div_ceil(parts);
        let mut reduced = false;
        let mut start = 0;
        while start < items.len() {
            let mut candidate = items[..start].to_vec();
            candidate.extend_from_slice(&items[(start + chunk).min(items.len())..]);
            if test(&candidate) {
                items = candidate;
                parts = (parts - 1).max(2);
                reduced = true;
                break;
            }
            start += chunk;
        }
        if !reduced {
            if chunk == 1 {
                break;
            }
            parts = (parts * 2).min(items.len());
        }
    }
    items
}

fn shrink_ops(run: Run, holds: &mut dyn FnMut(&Run) -> bool) -> Run {
    let world = run.world;
    let ops = ddmin(run.ops, &mut |ops| holds(&Run { world, ops: ops.to_vec() }));
    Run { world, ops }
}

/// Tries simpler arguments for each operation in turn.
fn shrink_arguments(mut run: Run, holds: &mut dyn FnMut(&Run) -> bool) -> Run {
    for i in 0..run.ops.len() {
        let with = |run: &Run, op: Op| {
            let mut r = run.clone();
            r.ops[i] = op;
            r
        };
        match run.ops[i].clone() {
            Op::ImportContacts { owner, phones } => {
                let phones =
                    ddmin(phones, &mut |p| holds(&with(&run, Op::ImportContacts { owner, phones: p.to_vec() })));
                run.ops[i] = Op::ImportContacts { owner, phones };
            }
            Op::AddContact { owner, target, share_phone: true } => {
                let simpler = with(&run, Op::AddContact { owner, target, share_phone: false });
                if holds(&simpler) {
                    run = simpler;
                }
            }
            // A preset (Everybody, My Contacts, Nobody) is kept whole: it is
            // how the apps set privacy and how a reviewer reads it; shrinking
            // would write Nobody as `[]` and My Contacts as `[AllowContacts]`.
            Op::SetPrivacy { rules, .. } if is_preset(&rules) => {}
            Op::SetPrivacy { user, key, rules } => {
                let rules = ddmin(rules, &mut |r| holds(&with(&run, Op::SetPrivacy { user, key, rules: r.to_vec() })));
                run.ops[i] = Op::SetPrivacy { user, key, rules: rules.clone() };
                for j in 0..rules.len() {
                    let current = match &run.ops[i] {
                        Op::SetPrivacy { rules, .. } => rules.clone(),
                        _ => unreachable!("op {i} is a SetPrivacy"),
                    };
                    let rebuilt = |rule: Rule| {
                        let mut rs = current.clone();
                        rs[j] = rule;
                        with(&run, Op::SetPrivacy { user, key, rules: rs })
                    };
                    let shrunk = match current[j].clone() {
                        Rule::AllowUsers(l) => {
                            Rule::AllowUsers(ddmin(l, &mut |l| holds(&rebuilt(Rule::AllowUsers(l.to_vec())))))
                        }
                        Rule::DisallowUsers(l) => {
                            Rule::DisallowUsers(ddmin(l, &mut |l| holds(&rebuilt(Rule::DisallowUsers(l.to_vec())))))
                        }
                        Rule::AllowChatParticipants(l) => Rule::AllowChatParticipants(ddmin(l, &mut |l| {
                            holds(&rebuilt(Rule::AllowChatParticipants(l.to_vec())))
                        })),
                        Rule::DisallowChatParticipants(l) => Rule::DisallowChatParticipants(ddmin(l, &mut |l| {
                            holds(&rebuilt(Rule::DisallowChatParticipants(l.to_vec())))
                        })),
                        other => other,
                    };
                    run = rebuilt(shrunk);
                }
            }
            _ => {}
        }
    }
    run
}

/// Whether `rules` is exactly one of the presets of S6.
fn is_preset(rules: &[Rule]) -> bool {
    use crate::world::privacy::{everybody, my_contacts, nobody};
    [everybody(), my_contacts(), nobody()].iter().any(|p| p == rules)
}

/// Renames users in order of first appearance, then tries the smallest
/// world that still fits.
fn shrink_world(run: Run, holds: &mut dyn FnMut(&Run) -> bool) -> Run {
    let mut best = run;
    let renamed = rename_users(&best);
    if renamed != best && holds(&renamed) {
        best = renamed;
    }
    // The smallest world that still fits, one dimension at a time.
    let shrinkers: [fn(WorldConfig) -> Vec<WorldConfig>; 3] = [
        |c| (1..c.users).map(|users| WorldConfig { users, ..c }).collect(),
        |c| (1..c.groups).map(|groups| WorldConfig { groups, ..c }).collect(),
        |c| (0..c.unowned_numbers).map(|unowned_numbers| WorldConfig { unowned_numbers, ..c }).collect(),
    ];
    for smaller_worlds in shrinkers {
        for world in smaller_worlds(best.world) {
            let smaller = Run { world, ops: best.ops.clone() };
            if holds(&smaller) {
                best = smaller;
                break;
            }
        }
    }
    best
}

/// The run with users renumbered 0, 1, 2... in order of first appearance
/// (numbers follow their owners).
fn rename_users(run: &Run) -> Run {
    let users = u32::from(run.world.users);
    let owner = |p: Phone| (0..users).map(UserId).find(|u| u.planned_phone() == p);
    let mut order: Vec<UserId> = Vec::new();
    for op in &run.ops {
        op.clone().visit_refs(&mut |r| {
            let u = match r {
                RefMut::User(u) => Some(*u),
                RefMut::Phone(p) => owner(*p),
                RefMut::Group(_) => None,
            };
            if let Some(u) = u.filter(|u| !order.contains(u)) {
                order.push(u);
            }
        });
    }
    let new_id = |u: UserId| UserId(order.iter().position(|o| *o == u).map_or(u.0, |p| p as u32));
    let mut renamed = run.clone();
    for op in &mut renamed.ops {
        op.visit_refs(&mut |r| match r {
            RefMut::User(u) => *u = new_id(*u),
            RefMut::Phone(p) => *p = owner(*p).map_or(*p, |u| new_id(u).planned_phone()),
            RefMut::Group(_) => {}
        });
    }
    renamed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oracle::engine;

    #[test]
    fn ddmin_finds_the_single_needed_element() {
        let items: Vec<u32> = (0..100).collect();
        let out = ddmin(items, &mut |xs| xs.contains(&37));
        assert_eq!(out, vec![37]);
        let out = ddmin((0..50).collect::<Vec<u32>>(), &mut |xs| xs.contains(&3) && xs.contains(&44));
        assert_eq!(out, vec![3, 44]);
    }

    /// The loophole shrinks to its two essential steps: the victim restricts
    /// "find me", the attacker supplies the number.
    #[test]
    fn a_seeded_loophole_run_shrinks_to_two_operations() {
        let run = (0..5000)
            .map(|n| Run::from_fuzz_bytes(&crate::gen::seed::fuzz_input(5, n, 512)))
            .find(|r| r.ops.len() > 10 && goal_of(&engine::run(r)) == Some(Goal::LegacyLeaks))
            .expect("a leaking seeded run");
        let small = minimize(&run, Goal::LegacyLeaks);
        assert_eq!(small.run.ops.len(), 2, "{:#?}", small.run);
        assert_eq!(goal_of(&engine::run(&small.run)), Some(Goal::LegacyLeaks));
        assert!(small.run.world.users <= 2, "{:?}", small.run.world);
        assert!(matches!(small.run.ops[0], Op::SetPrivacy { .. }));
        assert_eq!(small.run.check(), Ok(()));
    }
}
