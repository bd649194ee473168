//! The oracle can fail: deliberately wrong models (test-only
//! implementations) plugged into the engine, one per failure kind, and the
//! engine must report that kind, naming the implementation, at the step
//! where the bug shows.

mod common;

use common::*;
use privdiff::models::implementation::{Implementation, Seated, TransportError};
use privdiff::models::server::{LegacyServer, PatchedServer};
use privdiff::oracle::engine::{Engine, StepTrace, Trace, Verdict};
use privdiff::oracle::failure::{Detail, Failure, FailureKind};
use privdiff::scale::scenario::ScaleModel;
use privdiff::world::ids::Phone;
use privdiff::world::privacy::PrivacyKey;
use privdiff::world::response::{ErrorCode, Outcome, Response, Slot};
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
    /// A resolve is refused whenever "find me" refuses, even when the
    /// number is already known to the viewer (S15's other clauses dropped).
    RefusesUnlessFindable,
    /// Adding a contact always fails.
    RefusesContacts,
    /// An import matches each number to the next user over.
    ShiftsImports,
}

struct Broken {
    inner: Box<dyn ScaleModel>,
    bug: Bug,
}

impl Implementation for Broken {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn era(&self) -> Era {
        self.inner.era()
    }
    fn reset(&mut self, world: &World) -> Result<(), TransportError> {
        self.inner.reset(world)
    }
    fn apply(&mut self, op: &Op, slot: &mut Slot) -> Result<(), TransportError> {
        self.inner.apply(op, slot)?;
        let mut answer = slot.outcome().clone();
        let out = &mut answer;
        let fix_views = |out: &mut Outcome, f: &dyn Fn(&mut privdiff::world::response::MemberView)| match out {
            Ok(Response::Member(v)) => f(v),
            Ok(Response::Members(vs)) => vs.iter_mut().for_each(f),
            _ => {}
        };
        match self.bug {
            Bug::IgnoresFindSetting => {}
            Bug::StripsNumbers => fix_views(out, &|v| v.phone = None),
            Bug::ShiftsNumbers => fix_views(out, &|v| v.phone = v.phone.map(|p| Phone(p.0 + 1))),
            Bug::ForgetsContacts => fix_views(out, &|v| v.is_contact = false),
            Bug::ConfusesFindWithSee => {
                let viewer = op.actor();
                let inner = &self.inner;
                fix_views(out, &|v| {
                    if v.user != viewer && !inner.allows(v.user, PrivacyKey::AddedByPhone, viewer) {
                        v.phone = None;
                    }
                })
            }
            Bug::RefusesUnlessFindable => {
                if let (Op::ResolvePhone { viewer, .. }, Ok(Response::Resolved { user })) = (op, &out) {
                    if user != viewer && !self.inner.allows(*user, PrivacyKey::AddedByPhone, *viewer) {
                        *out = Err(ErrorCode::PhoneNotOccupied);
                    }
                }
            }
            Bug::ShiftsImports => {
                if let Ok(Response::Imported { matched, .. }) = out {
                    matched.iter_mut().for_each(|m| m.user = privdiff::world::UserId(m.user.0 + 1));
                }
            }
            Bug::RefusesContacts => {
                if let (Op::AddContact { .. }, Ok(Response::Done)) = (op, &out) {
                    *out = Err(ErrorCode::ContactIdInvalid);
                }
            }
            Bug::TellsRefusals => {
                if let (Op::ResolvePhone { phone, .. }, Err(ErrorCode::PhoneNotOccupied)) = (op, &out) {
                    if phone.0 < NOBODYS.0 {
                        *out = Err(ErrorCode::UserPrivacyRestricted);
                    }
                }
            }
            Bug::DoubleJoin => {
                if let (Op::JoinGroup { .. }, Err(ErrorCode::UserAlreadyParticipant)) = (op, &out) {
                    *out = Ok(Response::Done);
                }
            }
        }
        slot.set(answer);
        Ok(())
    }
}

/// Runs `ops` with `bug` planted in the `era` implementation.
fn run_broken(era: Era, bug: Bug, ops: Vec<Op>) -> Trace {
    let seat = |e: Era| -> Box<dyn Implementation> {
        let inner: Box<dyn ScaleModel> = match (e, bug) {
            (Era::Patched, Bug::IgnoresFindSetting) => {
                Box::new(Seated::new("patched", Era::Patched, LegacyServer::default()))
            }
            (Era::Legacy, _) => Box::new(LegacyServer::default()),
            (Era::Patched, _) => Box::new(PatchedServer::default()),
        };
        if e == era {
            Box::new(Broken { inner, bug })
        } else {
            inner
        }
    };
    let mut engine = Engine::new(Engine::standard_references(), vec![seat(Era::Legacy), seat(Era::Patched)]);
    engine.trace(&Run { world: world(), ops })
}

fn failing_step(t: &Trace) -> &StepTrace {
    t.steps.last().expect("at least one step")
}

fn assert_fails<'t>(t: &'t Trace, kind: FailureKind, rule: &str, who: &str, step: usize) -> &'t Failure {
    let Verdict::Fail { failure, .. } = &t.verdict else { panic!("expected {kind}, the run passed") };
    assert_eq!(failure.kind(), kind, "{failure}");
    assert_eq!(failure.step(), step, "{failure}");
    assert_eq!(failure.implementation, who, "{failure}");
    let head = format!("{} ({rule}) at step {step} in {who}: ", kind.as_str());
    assert!(failure.to_string().starts_with(&head), "{failure}");
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
    let f = assert_fails(&t, FailureKind::Leak, "D-1", "patched", 4);
    let Detail::Leak { viewer, link, .. } = &f.detail else { unreachable!() };
    assert_eq!((*viewer, link.user, link.phone), (ALICE, BOB, phone(BOB)));
    // The same step also breaks INV-1 (D-3): reported alongside.
    let kinds: Vec<_> = failing_step(&t).failures.iter().map(|f| f.kind()).collect();
    assert!(kinds.contains(&FailureKind::Breach), "{kinds:?}");
}

/// An import that leaks several hidden numbers names every one of them,
/// in the failure's line and in its detail (what `replay --json` prints).
#[test]
fn a_leak_of_several_numbers_names_them_all() {
    let ops = vec![
        hide_number(BOB),
        restrict_finding(BOB),
        hide_number(CAROL),
        restrict_finding(CAROL),
        import(ALICE, &[phone(BOB), phone(CAROL)]),
    ];
    let t = run_broken(Era::Patched, Bug::IgnoresFindSetting, ops);
    let f = assert_fails(&t, FailureKind::Leak, "D-1", "patched", 4);
    let Detail::Leak { link, more, .. } = &f.detail else { unreachable!() };
    let all: Vec<_> = std::iter::once(*link).chain(more.iter().copied()).map(|l| l.user).collect();
    assert_eq!(all, vec![BOB, CAROL], "{f}");
    let line = f.to_string();
    assert!(line.contains("2 hidden numbers") && line.contains(&phone(CAROL).to_string()), "{line}");
    let json = serde_json::to_string(&f).unwrap();
    assert!(json.contains(r#""more":[{"user":"carol""#), "{json}");
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
    assert_fails(&t, FailureKind::Hides, "D-1", "patched", 3);
}

#[test]
fn inv2_wrong_number_is_reported_first() {
    let ops = vec![join(ALICE, LOBBY), list(ALICE, LOBBY)];
    let t = run_broken(Era::Patched, Bug::ShiftsNumbers, ops);
    let f = assert_fails(&t, FailureKind::WrongNumber, "INV-2", "patched", 1);
    let Detail::WrongNumber { link, true_phone, .. } = &f.detail else { unreachable!() };
    assert_eq!(*true_phone, Some(phone(ALICE)));
    assert_eq!(link.phone, Phone(phone(ALICE).0 + 1));
}

#[test]
fn inv3_existence_oracle_is_reported() {
    let ops = vec![restrict_finding(BOB), resolve(ALICE, phone(BOB))];
    let t = run_broken(Era::Patched, Bug::TellsRefusals, ops);
    assert_fails(&t, FailureKind::ExistenceOracle, "INV-3", "patched", 1);
}

#[test]
fn d1_other_patched_disagreement_names_expected_and_actual() {
    let ops = vec![join(ALICE, LOBBY), join(ALICE, LOBBY)];
    let t = run_broken(Era::Patched, Bug::DoubleJoin, ops);
    // The judge's precondition (S9) speaks first; D-1 follows.
    let f = assert_fails(&t, FailureKind::Precondition, "S9", "patched", 1);
    assert!(f.to_string().contains("requires error USER_ALREADY_PARTICIPANT"), "{f}");
    let d1 = failing_step(&t).failures.iter().find(|f| f.kind() == FailureKind::Disagrees).expect("D-1 too");
    assert!(d1.to_string().contains("expected error USER_ALREADY_PARTICIPANT, patched answered ok"), "{d1}");
}

#[test]
fn d2_legacy_disagreement_is_reported() {
    let ops = vec![join(ALICE, LOBBY), join(ALICE, LOBBY)];
    let t = run_broken(Era::Legacy, Bug::DoubleJoin, ops);
    assert_fails(&t, FailureKind::Precondition, "S9", "legacy", 1);
    let d2 = failing_step(&t).failures.iter().find(|f| f.kind() == FailureKind::Disagrees).expect("D-2 too");
    assert_eq!((d2.rule.as_str(), d2.implementation.as_str()), ("D-2", "legacy"));
}

#[test]
fn d4_unexplained_divergence_is_reported_alongside() {
    // Patched forgets contact flags; legacy does not. The eras now differ
    // where no "find me" setting is involved: D-4 must say so (D-1 also
    // fires and, being more specific, is the verdict).
    let ops = vec![join(ALICE, LOBBY), join(BOB, LOBBY), add(ALICE, BOB, false), query(ALICE, LOBBY, BOB)];
    let t = run_broken(Era::Patched, Bug::ForgetsContacts, ops);
    assert_fails(&t, FailureKind::Disagrees, "D-1", "patched", 3);
    let d4 = failing_step(&t).failures.iter().find(|f| f.kind() == FailureKind::Divergence);
    let d4 = d4.expect("D-4 reported");
    assert!(d4.to_string().contains("not tied by an earlier loophole step"), "{d4}");
}

#[test]
fn inv1_patched_breach_is_its_own_kind() {
    // Judge the broken patched model's leak by INV-1 alone: the failure
    // says who learned which hidden number.
    let t = run_broken(Era::Patched, Bug::IgnoresFindSetting, hong_kong_ops());
    let breach = failing_step(&t).failures.iter().find(|f| f.kind() == FailureKind::Breach).unwrap();
    let Detail::Breach { viewer, link } = &breach.detail else { unreachable!() };
    assert_eq!((*viewer, link.user), (ALICE, BOB));
    assert!(breach.to_string().starts_with("breach (INV-1) at step 4 in patched: alice imports contacts"), "{breach}");
}

#[test]
fn the_runner_stops_at_the_failing_step() {
    let mut ops = hong_kong_ops();
    ops.push(resolve(CAROL, phone(DAVE)));
    let t = run_broken(Era::Patched, Bug::IgnoresFindSetting, ops);
    assert_eq!(t.steps.len(), 5);
}

#[test]
fn d4_catches_a_divergence_that_is_not_the_loophole() {
    // The bug depends on "find me" itself, but shows in a member view, not
    // at an import or resolve: no loophole step explains it (D-4), and the
    // number the owner lets alice see is withheld (INV-4).
    let ops = vec![
        join(ALICE, LOBBY),
        join(BOB, LOBBY),
        set(BOB, PrivacyKey::PhoneNumber, privdiff::world::privacy::everybody()),
        restrict_finding(BOB),
        query(ALICE, LOBBY, BOB),
    ];
    let t = run_broken(Era::Patched, Bug::ConfusesFindWithSee, ops);
    assert_fails(&t, FailureKind::Hides, "D-1", "patched", 4);
    let kinds: Vec<_> = failing_step(&t).failures.iter().map(|f| f.kind()).collect();
    assert!(kinds.contains(&FailureKind::OverBlocking), "{kinds:?}");
    let d4 = failing_step(&t).failures.iter().find(|f| f.kind() == FailureKind::Divergence);
    let d4 = d4.expect("D-4 reported");
    assert!(d4.to_string().contains("not tied by an earlier loophole step"), "{d4}");
}

/// A second legacy implementation beside the first (an external one, say)
/// is judged too, but the loophole finding is counted once.
#[test]
fn a_second_legacy_seat_does_not_double_the_loophole_count() {
    let seats: Vec<Box<dyn Implementation>> = vec![
        Box::new(LegacyServer::default()),
        Box::new(PatchedServer::default()),
        Box::new(Seated::new("legacy-too", Era::Legacy, LegacyServer::default())),
    ];
    let mut engine = Engine::new(Engine::standard_references(), seats);
    let t = engine.trace(&Run { world: world(), ops: hong_kong_ops() });
    assert_eq!(t.verdict, Verdict::Pass { steps: 6, legacy_breaches: 1, loophole_steps: 1 }, "{:?}", t.verdict);
    assert_eq!(t.steps[4].legacy_breaches.len(), 1);
    assert_eq!(t.steps[4].outcome("legacy-too"), t.steps[4].outcome("legacy"));
}

/// D-4 fails a refusal that is not the loophole's reason alone: "find me"
/// refuses, but "who can see my number" allows the viewer.
#[test]
fn d4_a_refusal_the_phone_number_setting_allows_is_no_loophole() {
    let ops = vec![
        set(BOB, PrivacyKey::PhoneNumber, privdiff::world::privacy::everybody()),
        restrict_finding(BOB),
        resolve(ALICE, phone(BOB)),
    ];
    let t = run_broken(Era::Patched, Bug::RefusesUnlessFindable, ops);
    assert_fails(&t, FailureKind::Hides, "D-1", "patched", 2);
    let kinds: Vec<_> = failing_step(&t).failures.iter().map(|f| f.kind()).collect();
    assert!(kinds.contains(&FailureKind::Divergence), "{kinds:?}");
    assert!(kinds.contains(&FailureKind::OverBlocking), "{kinds:?}");
}

/// D-4 fails a refusal of a link the viewer already knows (S15, S17):
/// both settings refuse, but knowledge is not the loophole.
#[test]
fn d4_a_refusal_of_a_known_link_is_no_loophole() {
    let ops = vec![
        join(ALICE, LOBBY),
        join(BOB, LOBBY),
        set(BOB, PrivacyKey::PhoneNumber, privdiff::world::privacy::everybody()),
        query(ALICE, LOBBY, BOB),
        hide_number(BOB),
        restrict_finding(BOB),
        resolve(ALICE, phone(BOB)),
    ];
    let t = run_broken(Era::Patched, Bug::RefusesUnlessFindable, ops);
    assert_fails(&t, FailureKind::Hides, "D-1", "patched", 6);
    let d4 = failing_step(&t).failures.iter().find(|f| f.kind() == FailureKind::Divergence);
    assert!(
        d4.is_some_and(|f| f.to_string().contains("not for the loophole's reason alone")),
        "{:?}",
        failing_step(&t).failures
    );
}

/// Ties are per run: an engine reused for a second run forgets the first
/// run's loophole pairs, so a difference between the same two users that
/// no loophole of this run explains still fails D-4.
#[test]
fn d4_ties_do_not_outlive_their_run() {
    let seats: Vec<Box<dyn Implementation>> = vec![
        Box::new(LegacyServer::default()),
        Box::new(Broken { inner: Box::new(PatchedServer::default()), bug: Bug::ForgetsContacts }),
    ];
    let mut engine = Engine::new(Engine::standard_references(), seats);
    let first = engine.trace(&Run { world: world(), ops: hong_kong_ops() });
    assert!(matches!(first.verdict, Verdict::Pass { loophole_steps: 1, .. }), "{:?}", first.verdict);
    let ops = vec![join(ALICE, LOBBY), join(BOB, LOBBY), add(ALICE, BOB, false), query(ALICE, LOBBY, BOB)];
    let second = engine.trace(&Run { world: world(), ops });
    let kinds: Vec<_> = failing_step(&second).failures.iter().map(|f| f.kind()).collect();
    assert!(kinds.contains(&FailureKind::Divergence), "{kinds:?}");
}

/// D-4 fails an `AddContact` that differs between the eras when no
/// loophole step tied the two users.
#[test]
fn d4_a_contact_refused_without_a_loophole_is_a_divergence() {
    let ops = vec![join(ALICE, LOBBY), join(BOB, LOBBY), add(ALICE, BOB, false)];
    let t = run_broken(Era::Patched, Bug::RefusesContacts, ops);
    assert_fails(&t, FailureKind::Precondition, "S11", "patched", 2);
    let d4 = failing_step(&t).failures.iter().find(|f| f.kind() == FailureKind::Divergence);
    assert!(d4.is_some_and(|f| f.to_string().contains("not tied")), "{:?}", failing_step(&t).failures);
}

/// D-4 compares the first legacy implementation with the patched ones: a
/// second legacy implementation is judged against the legacy reference
/// (D-2) and the judge, never as a patched one.
#[test]
fn a_second_legacy_seat_is_judged_by_d2_not_d4() {
    let seats: Vec<Box<dyn Implementation>> = vec![
        Box::new(LegacyServer::default()),
        Box::new(PatchedServer::default()),
        Box::new(Broken {
            inner: Box::new(Seated::new("legacy-too", Era::Legacy, LegacyServer::default())),
            bug: Bug::ForgetsContacts,
        }),
    ];
    let mut engine = Engine::new(Engine::standard_references(), seats);
    let ops = vec![join(ALICE, LOBBY), join(BOB, LOBBY), add(ALICE, BOB, false), query(ALICE, LOBBY, BOB)];
    let t = engine.trace(&Run { world: world(), ops });
    let f = assert_fails(&t, FailureKind::Disagrees, "D-2", "legacy-too", 3);
    assert!(failing_step(&t).failures.iter().all(|f| f.kind() != FailureKind::Divergence), "{f}");
    assert!(t.steps.iter().enumerate().all(|(i, s)| s.index == i), "steps are numbered from 0");
}

/// D-4 does not take a legacy match to someone who does not own the number
/// for the loophole (D-2 and INV-2 report it too).
#[test]
fn d4_a_legacy_match_to_the_wrong_user_is_no_loophole() {
    let ops = vec![restrict_finding(BOB), import(ALICE, &[phone(BOB)])];
    let t = run_broken(Era::Legacy, Bug::ShiftsImports, ops);
    assert_fails(&t, FailureKind::WrongNumber, "INV-2", "legacy", 1);
    let d4 = failing_step(&t).failures.iter().find(|f| f.kind() == FailureKind::Divergence);
    assert!(d4.is_some_and(|f| f.to_string().contains("who does not own it")), "{:?}", failing_step(&t).failures);
}

/// An implementation whose reset fails (a server that died between runs).
struct DeadOnReset;

impl Implementation for DeadOnReset {
    fn name(&self) -> &str {
        "dead"
    }
    fn era(&self) -> Era {
        Era::Patched
    }
    fn reset(&mut self, _: &World) -> Result<(), TransportError> {
        Err(TransportError::new(privdiff::models::implementation::TransportKind::Crashed, "exited with status 1"))
    }
    fn apply(&mut self, _: &Op, slot: &mut Slot) -> Result<(), TransportError> {
        slot.set(Ok(Response::Done));
        Ok(())
    }
}

/// A side that could not answer (its reset failed) is a transport failure
/// at the first step, naming it, and the story shows it did not answer
/// instead of listing it under "all sides".
#[test]
fn a_side_that_did_not_answer_is_shown_as_such() {
    let seats: Vec<Box<dyn Implementation>> = vec![Box::new(LegacyServer::default()), Box::new(DeadOnReset)];
    let mut engine = Engine::new(Engine::standard_references(), seats);
    let run = Run { world: world(), ops: vec![join(ALICE, LOBBY)] };
    let t = engine.trace(&run);
    assert_fails(&t, FailureKind::Transport, "D-1", "dead", 0);
    let step = &t.steps[0];
    assert_eq!(step.implementations.iter().map(|i| i.answered).collect::<Vec<_>>(), [true, false]);
    let story = privdiff::corpus::story::tell(&run, &t);
    assert!(story.contains("dead             : no answer (transport failure"), "{story}");
    assert!(!story.contains("all sides"), "{story}");
}
