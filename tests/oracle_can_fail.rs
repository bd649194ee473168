//! The oracle can fail: deliberately wrong models (test-only implementations
//! of the `Model` trait) plugged into the runner, one per failure kind, and
//! the runner must report that kind at the step where the bug shows.

mod common;

use common::*;
use privdiff::models::implementation::Model;
use privdiff::models::server::{LegacyServer, PatchedServer};
use privdiff::oracle::engine::{self, StepTrace, Trace, Verdict};
use privdiff::oracle::failure::{Failure, FailureKind};
use privdiff::world::ids::{Phone, UserId};
use privdiff::world::privacy::PrivacyKey;
use privdiff::world::response::{ErrorCode, Outcome, Response};
use privdiff::world::Era;
use privdiff::world::{Op, Run, World};

/// A bug planted in one era's model.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Bug {
    /// The patched model ignores "find me" (it is the legacy server).
    IgnoresFindSetting,
    /// Member views never show a number.
    StripsNumbers,
    /// Member views show the next number over.
    ShiftsNumbers,
    /// A refused resolve says USER_PRIVACY_RESTRICTED.
    TellsRefusals,
    /// A second join succeeds.
    DoubleJoin,
    /// `is_contact` is always false in member views.
    ForgetsContacts,
    /// Member views hide the number of anyone whose "find me" refuses the
    /// viewer: the two settings confused.
    ConfusesFindWithSee,
}

struct Broken {
    inner: Box<dyn Model>,
    era: Era,
    bug: Bug,
}

impl Model for Broken {
    fn era(&self) -> Era {
        self.era
    }
    fn apply(&mut self, op: &Op) -> Outcome {
        let outcome = self.inner.apply(op);
        let fix_views = |f: &dyn Fn(&mut privdiff::world::response::MemberView)| -> Outcome {
            match outcome.clone() {
                Ok(Response::Member(mut v)) => {
                    f(&mut v);
                    Ok(Response::Member(v))
                }
                Ok(Response::Members(mut vs)) => {
                    vs.iter_mut().for_each(f);
                    Ok(Response::Members(vs))
                }
                other => other,
            }
        };
        match self.bug {
            Bug::IgnoresFindSetting => outcome,
            Bug::StripsNumbers => fix_views(&|v| v.phone = None),
            Bug::ShiftsNumbers => fix_views(&|v| v.phone = v.phone.map(|p| Phone(p.0 + 1))),
            Bug::ForgetsContacts => fix_views(&|v| v.is_contact = false),
            Bug::ConfusesFindWithSee => {
                let viewer = op.actor();
                let inner = &self.inner;
                fix_views(&|v| {
                    if v.user != viewer && !inner.allows(v.user, PrivacyKey::AddedByPhone, viewer) {
                        v.phone = None;
                    }
                })
            }
            Bug::TellsRefusals => match (op, outcome) {
                (Op::ResolvePhone { phone, .. }, Err(ErrorCode::PhoneNotOccupied)) if phone.0 < NOBODYS.0 => {
                    Err(ErrorCode::UserPrivacyRestricted)
                }
                (_, o) => o,
            },
            Bug::DoubleJoin => match (op, outcome) {
                (Op::JoinGroup { .. }, Err(ErrorCode::UserAlreadyParticipant)) => Ok(Response::Done),
                (_, o) => o,
            },
        }
    }
    fn allows(&self, owner: UserId, key: PrivacyKey, viewer: UserId) -> bool {
        self.inner.allows(owner, key, viewer)
    }
}

/// Runs `ops` with `bug` planted in the `era` model (and, for patched, in
/// the shadow used by D-4, which is built the same way).
fn run_broken(era: Era, bug: Bug, ops: Vec<Op>) -> Trace {
    let factory = move |world: &World, e: Era| -> Box<dyn Model> {
        let inner: Box<dyn Model> = match (e, bug) {
            (Era::Patched, Bug::IgnoresFindSetting) => Box::new(LegacyServer::new(world)),
            (Era::Legacy, _) => Box::new(LegacyServer::new(world)),
            (Era::Patched, _) => Box::new(PatchedServer::new(world)),
        };
        if e == era {
            Box::new(Broken { inner, era: e, bug })
        } else {
            inner
        }
    };
    engine::run_with(&Run { world: world(), ops }, &factory)
}

fn failing_step(t: &Trace) -> &StepTrace {
    t.steps.last().expect("at least one step")
}

fn assert_fails(t: &Trace, kind: FailureKind, step: usize) -> &Failure {
    let Verdict::Fail { failure } = &t.verdict else { panic!("expected {kind}, the run passed") };
    assert_eq!(failure.kind(), kind, "{failure}");
    assert_eq!(failure.step(), step, "{failure}");
    assert!(failure.to_string().starts_with(&format!("{} ({})", kind.as_str(), kind.rule())), "{failure}");
    failure
}

fn hong_kong_ops() -> Vec<Op> {
    vec![
        join(ALICE, LOBBY),
        join(BOB, LOBBY),
        hide_number(BOB),
        restrict_finding(BOB),
        import(ALICE, &[phone(BOB)]),
        list(ALICE, LOBBY),
    ]
}

#[test]
fn d1_patched_leak_is_reported_with_the_leaked_link() {
    let t = run_broken(Era::Patched, Bug::IgnoresFindSetting, hong_kong_ops());
    let f = assert_fails(&t, FailureKind::PatchedLeak, 4);
    let Failure::PatchedLeak { viewer, link, .. } = f else { unreachable!() };
    assert_eq!((*viewer, link.user, link.phone), (ALICE, BOB, phone(BOB)));
    // The same step also breaks INV-1 (D-3): reported alongside.
    let kinds: Vec<_> = failing_step(&t).failures.iter().map(|f| f.kind()).collect();
    assert!(kinds.contains(&FailureKind::PatchedBreach), "{kinds:?}");
}

#[test]
fn d1_patched_hides_a_number_the_reference_shows() {
    let ops = vec![
        join(ALICE, LOBBY),
        join(BOB, LOBBY),
        set(BOB, PrivacyKey::PhoneNumber, privdiff::world::privacy::everybody()),
        query(ALICE, LOBBY, BOB),
    ];
    let t = run_broken(Era::Patched, Bug::StripsNumbers, ops);
    assert_fails(&t, FailureKind::PatchedHides, 3);
}

#[test]
fn inv2_wrong_number_is_reported_first() {
    let ops = vec![join(ALICE, LOBBY), list(ALICE, LOBBY)];
    let t = run_broken(Era::Patched, Bug::ShiftsNumbers, ops);
    let f = assert_fails(&t, FailureKind::WrongNumber, 1);
    let Failure::WrongNumber { link, true_phone, .. } = f else { unreachable!() };
    assert_eq!(*true_phone, Some(phone(ALICE)));
    assert_eq!(link.phone, Phone(phone(ALICE).0 + 1));
}

#[test]
fn inv3_existence_oracle_is_reported() {
    let ops = vec![restrict_finding(BOB), resolve(ALICE, phone(BOB))];
    let t = run_broken(Era::Patched, Bug::TellsRefusals, ops);
    assert_fails(&t, FailureKind::ExistenceOracle, 1);
}

#[test]
fn d1_other_patched_disagreement_names_expected_and_actual() {
    let ops = vec![join(ALICE, LOBBY), join(ALICE, LOBBY)];
    let t = run_broken(Era::Patched, Bug::DoubleJoin, ops);
    let f = assert_fails(&t, FailureKind::PatchedDisagrees, 1);
    assert!(f.to_string().contains("expected error USER_ALREADY_PARTICIPANT, patched model answered ok"), "{f}");
}

#[test]
fn d2_legacy_disagreement_is_reported() {
    let ops = vec![join(ALICE, LOBBY), join(ALICE, LOBBY)];
    let t = run_broken(Era::Legacy, Bug::DoubleJoin, ops);
    assert_fails(&t, FailureKind::LegacyDisagrees, 1);
}

#[test]
fn d4_unexplained_divergence_is_reported_alongside() {
    // Patched forgets contact flags; legacy does not. The eras now differ
    // where no "find me" setting is involved: D-4 must say so (D-1 also
    // fires and, being more specific, is the verdict).
    let ops = vec![join(ALICE, LOBBY), join(BOB, LOBBY), add(ALICE, BOB, false), query(ALICE, LOBBY, BOB)];
    let t = run_broken(Era::Patched, Bug::ForgetsContacts, ops);
    assert_fails(&t, FailureKind::PatchedDisagrees, 3);
    let d4 = failing_step(&t).failures.iter().find(|f| f.kind() == FailureKind::UnexplainedDivergence);
    let d4 = d4.expect("D-4 reported");
    assert!(d4.to_string().contains("not as legacy does"), "{d4}");
}

#[test]
fn inv1_patched_breach_is_its_own_kind() {
    // Judge the broken patched model's leak by INV-1 alone: the failure
    // says who learned which hidden number.
    let t = run_broken(Era::Patched, Bug::IgnoresFindSetting, hong_kong_ops());
    let breach = failing_step(&t).failures.iter().find(|f| f.kind() == FailureKind::PatchedBreach).unwrap();
    let Failure::PatchedBreach { viewer, link, .. } = breach else { unreachable!() };
    assert_eq!((*viewer, link.user), (ALICE, BOB));
    assert!(breach.to_string().starts_with("patched_breach (INV-1) at step 4: alice imports contacts"), "{breach}");
}

#[test]
fn the_runner_stops_at_the_failing_step() {
    let mut ops = hong_kong_ops();
    ops.push(resolve(CAROL, phone(DAVE)));
    let t = run_broken(Era::Patched, Bug::IgnoresFindSetting, ops);
    assert_eq!(t.steps.len(), 5);
}

#[test]
fn d4_history_catches_a_divergence_the_shadow_cannot_see() {
    // The bug depends on "find me" itself, so the shadow (every "find me" at
    // Everybody) behaves like legacy and its check passes; but legacy and
    // patched differ before any loophole match: D-4 by history.
    let ops = vec![
        join(ALICE, LOBBY),
        join(BOB, LOBBY),
        set(BOB, PrivacyKey::PhoneNumber, privdiff::world::privacy::everybody()),
        restrict_finding(BOB),
        query(ALICE, LOBBY, BOB),
    ];
    let t = run_broken(Era::Patched, Bug::ConfusesFindWithSee, ops);
    assert_fails(&t, FailureKind::PatchedHides, 4);
    let d4 = failing_step(&t).failures.iter().find(|f| f.kind() == FailureKind::UnexplainedDivergence);
    let d4 = d4.expect("D-4 reported");
    assert!(d4.to_string().contains("differ before any loophole match could explain it"), "{d4}");
}
