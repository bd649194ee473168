//! Common-mode misreadings: the same wrong reading of SPEC planted in the
//! reference *and* the server models (`models::plant`). The reference then
//! agrees with the models, so D-1/D-2 are blind; the oracle must still
//! report each from its own judge, with a fitting kind, on seeded fuzz
//! inputs (the `differential` decoder), not on a hand-written script.
//!
//! Plants are process-wide, so this file is its own test binary and its
//! tests take turns.

use std::sync::Mutex;

use privdiff::gen::seed::fuzz_input;
use privdiff::models::plant::{self, Misreading};
use privdiff::oracle::engine::{Engine, Verdict};
use privdiff::oracle::failure::{Failure, FailureKind};
use privdiff::world::Run;

static TURN: Mutex<()> = Mutex::new(());

/// The first failure the fuzz oracle reports on seeded inputs with `m`
/// planted, and after how many inputs.
fn first_failure(m: Misreading) -> Option<(u64, Failure)> {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    plant::set(Some(m));
    let mut engine = Engine::standard();
    let found = (0..50_000u64).find_map(|n| match engine.verdict(&Run::from_fuzz_bytes(&fuzz_input(2019, n, 512))) {
        Verdict::Fail { failure, .. } => Some((n + 1, failure)),
        Verdict::Pass { .. } => None,
    });
    plant::set(None);
    found
}

fn assert_caught(m: Misreading, fitting: &[FailureKind]) {
    let (inputs, failure) = first_failure(m).unwrap_or_else(|| panic!("{} not caught in 50,000 inputs", m.as_str()));
    println!("{}: caught after {inputs} input(s): {failure}", m.as_str());
    assert!(fitting.contains(&failure.kind()), "{}: reported as {failure}", m.as_str());
    assert_ne!(failure.kind(), FailureKind::Leak, "the reference shares the plant: D-1 cannot be what sees it");
}

#[test]
fn s15_without_the_phone_number_clause_is_over_blocking() {
    // Patched refuses a match that T's PhoneNumber allows: INV-4, or D-4
    // (the refusal is not the loophole's reason alone).
    assert_caught(Misreading::S15DropsPhoneNumberClause, &[FailureKind::OverBlocking, FailureKind::Divergence]);
}

#[test]
fn s6_allowing_when_no_rule_matches_is_a_breach() {
    // A number shown that no rule allows: INV-1; or a refusal the judge
    // expects: a precondition or over-blocking would not fit.
    assert_caught(Misreading::S6NoMatchAllows, &[FailureKind::Breach]);
}

#[test]
fn s7_group_rules_frozen_at_set_time_are_caught() {
    // A new member refused what the live rule allows (INV-4), or a former
    // member still shown the number (INV-1).
    assert_caught(Misreading::S7GroupsFrozenAtSet, &[FailureKind::OverBlocking, FailureKind::Breach]);
}

#[test]
fn s14_without_the_membership_check_is_a_precondition_failure() {
    assert_caught(Misreading::S14NoMembershipCheck, &[FailureKind::Precondition]);
}

#[test]
fn without_a_plant_the_same_inputs_pass() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    plant::set(None);
    let mut engine = Engine::standard();
    for n in 0..5_000u64 {
        let verdict = engine.verdict(&Run::from_fuzz_bytes(&fuzz_input(2019, n, 512)));
        assert!(matches!(verdict, Verdict::Pass { .. }), "input {n}: {verdict:?}");
    }
}

/// The reference is pluggable; a broken one (here: the legacy reference in
/// the patched reference's place, beside a patched seat that is the legacy
/// server) agrees with the broken model, so D-1 is blind, and the judge
/// still reports the leak as a breach of INV-1.
#[test]
fn a_broken_reference_does_not_blind_the_judge() {
    use privdiff::models::implementation::{Implementation, Seated};
    use privdiff::models::reference::Reference;
    use privdiff::models::server::LegacyServer;
    use privdiff::oracle::engine::ByEra;
    use privdiff::world::Era;
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    plant::set(None);
    let references: ByEra<Box<dyn Implementation>> = ByEra {
        legacy: Box::new(Reference::new(Era::Legacy)),
        patched: Box::new(Seated::new("patched reference", Era::Patched, Reference::new(Era::Legacy))),
    };
    let seats: Vec<Box<dyn Implementation>> = vec![
        Box::new(LegacyServer::default()),
        Box::new(Seated::new("patched", Era::Patched, LegacyServer::default())),
    ];
    let mut engine = Engine::new(references, seats);
    let found = (0..50_000u64).find_map(|n| match engine.verdict(&Run::from_fuzz_bytes(&fuzz_input(7, n, 512))) {
        Verdict::Fail { failure, .. } => Some(failure),
        Verdict::Pass { .. } => None,
    });
    let failure = found.expect("the judge catches the shared misreading");
    assert_eq!((failure.kind(), failure.implementation.as_str()), (FailureKind::Breach, "patched"), "{failure}");
}
