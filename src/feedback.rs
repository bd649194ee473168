//! Semantic feedback for libFuzzer: extra coverage counters keyed by the
//! privacy situation a step created, not by the branch it took (issue 11).
//!
//! A situation is operation kind x the viewer's relation to the target
//! (self, no such user, mutual contacts, viewer has target, target has
//! viewer, sharing a group, strangers) x the target's settings class
//! ("see my number" Everybody / My Contacts / Nobody / custom, x "find me"
//! Everybody / My Contacts) x the outcome (error, success without the
//! target's number, success showing it). 9 x 7 x 8 x 3 = [`SITUATIONS`].
//! A run that reaches a situation no earlier input reached counts as new
//! coverage, so libFuzzer keeps it even when it takes no new branch.
//!
//! The counters live in a static placed in the `__libfuzzer_extra_counters`
//! section, which libFuzzer reads on Linux (`FuzzerExtraCounters.cpp`) and
//! clears before each input. Only the `fuzz-feedback` feature (enabled by
//! the fuzz crate, never by default) emits that static; without it
//! [`record`] does nothing, and [`situations`] stays available to tests.

use crate::gen::generate::GenState;
use crate::oracle::engine::Trace;
use crate::world::response::links;
use crate::world::{Op, Phone, Run, UserId};

/// Operation kinds.
pub const KINDS: usize = crate::world::OpKind::COUNT;
/// Viewer-target relations.
pub const RELATIONS: usize = 7;
/// Target settings classes.
pub const SETTINGS: usize = 8;
/// Outcome classes.
pub const OUTCOMES: usize = 3;
/// How many distinct situations (counters) there are.
pub const SITUATIONS: usize = KINDS * RELATIONS * SETTINGS * OUTCOMES;

/// Calls `f` with the index of every situation `run` reached, step by step,
/// judged by the patched model's outcomes (the model under test).
pub fn situations(run: &Run, trace: &Trace, f: &mut dyn FnMut(usize)) {
    let mut state = GenState::new(&run.world);
    for step in &trace.steps {
        let op = &step.op;
        let Some(outcome) = step.seat_outcome(crate::world::Era::Patched) else { continue };
        let shown: Vec<_> = links(op, outcome).collect();
        let kind = usize::from(op.kind_tag());
        let viewer = op.actor();
        let mut emit = |target: Option<UserId>| {
            let relation = relation(&state, viewer, target);
            let t = target.unwrap_or(viewer);
            let settings = state.see_class(t).index() * 2 + usize::from(state.find_contacts_only(t));
            let result = match outcome {
                Err(_) => 0,
                Ok(_) if target.is_some_and(|t| shown.iter().any(|l| l.user == t)) => 2,
                Ok(_) => 1,
            };
            f(((kind * RELATIONS + relation) * SETTINGS + settings) * OUTCOMES + result);
        };
        match op {
            Op::ImportContacts { phones, .. } => {
                for p in phones {
                    emit(Some(owner(&state, *p)));
                }
                if phones.is_empty() {
                    emit(None);
                }
            }
            Op::ResolvePhone { phone, .. } => emit(Some(owner(&state, *phone))),
            Op::AddContact { target, .. } | Op::DeleteContact { target, .. } => emit(Some(*target)),
            Op::QueryMember { member, .. } => emit(Some(*member)),
            Op::ListMembers { group, .. } => {
                let members: Vec<UserId> =
                    (0..u32::from(run.world.users)).map(UserId).filter(|u| state.is_member(*u, *group)).collect();
                for m in &members {
                    emit(Some(*m));
                }
                if members.is_empty() {
                    emit(None);
                }
            }
            Op::JoinGroup { .. } | Op::LeaveGroup { .. } | Op::SetPrivacy { .. } => emit(None),
        }
        state.observe(op, outcome);
    }
}

/// The owner of a number, or a user id outside the world (relation "no
/// such user") for an unowned number.
fn owner(state: &GenState, phone: Phone) -> UserId {
    state.owner_of(phone).unwrap_or(UserId(u32::MAX))
}

fn relation(state: &GenState, viewer: UserId, target: Option<UserId>) -> usize {
    let Some(t) = target else { return 0 };
    if t == viewer {
        return 0;
    }
    if t.0 == u32::MAX {
        return 1;
    }
    match (state.has_contact(viewer, t), state.has_contact(t, viewer)) {
        (true, true) => 2,
        (true, false) => 3,
        (false, true) => 4,
        (false, false) if state.share_a_group(viewer, t) => 5,
        _ => 6,
    }
}

#[cfg(all(feature = "fuzz-feedback", target_os = "linux"))]
mod counters {
    use std::sync::atomic::{AtomicU8, Ordering};

    #[allow(clippy::declare_interior_mutable_const)]
    const ZERO: AtomicU8 = AtomicU8::new(0);

    /// libFuzzer's extra counters: one byte per situation.
    #[used]
    #[link_section = "__libfuzzer_extra_counters"]
    static COUNTERS: [AtomicU8; super::SITUATIONS] = [ZERO; super::SITUATIONS];

    pub fn hit(i: usize) {
        if let Some(c) = COUNTERS.get(i) {
            let v = c.load(Ordering::Relaxed);
            c.store(v.saturating_add(1), Ordering::Relaxed);
        }
    }
}

/// Marks every situation of the run in libFuzzer's extra counters (fuzz
/// builds with the `fuzz-feedback` feature on Linux); does nothing
/// otherwise.
#[inline]
pub fn record(run: &Run, trace: &Trace) {
    #[cfg(all(feature = "fuzz-feedback", target_os = "linux"))]
    situations(run, trace, &mut counters::hit);
    #[cfg(not(all(feature = "fuzz-feedback", target_os = "linux")))]
    let _ = (run, trace);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::generate::gen_run;
    use crate::gen::seed::SplitMix64;

    /// Generated runs reach many distinct situations, all inside the
    /// counter array, including the loophole's (a stranger supplying the
    /// number of a user whom only contacts may find).
    #[test]
    fn generated_runs_reach_many_situations_within_bounds() {
        let mut rng = SplitMix64::new(4);
        let mut seen = vec![false; SITUATIONS];
        for _ in 0..300 {
            let run = gen_run(&mut rng);
            let trace = crate::oracle::engine::run(&run);
            situations(&run, &trace, &mut |i| seen[i] = true);
        }
        let n = seen.iter().filter(|s| **s).count();
        assert!(n > 150, "only {n} situations");
        // Resolve (8), strangers (6), target My Contacts to see and to find
        // (1 * 2 + 1), refused (0).
        let loophole = ((8 * RELATIONS + 6) * SETTINGS + 3) * OUTCOMES;
        assert!(seen[loophole], "the loophole situation was never reached");
    }
}
