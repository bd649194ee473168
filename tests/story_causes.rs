//! A failure's story names its first cause, not only the check that fired
//! (issue 24): for every planted fault of the project, the shortest case a
//! seeded fuzz input shrinks to has a cause line that names the SPEC rule
//! of the planted line (the table is `Fault::rule`, printed by `privdiff
//! faults --list`), and the cause sits at the planted operation's kind
//! where the fault is a state written wrong (a delete that keeps, a refused
//! call that writes). Correct code never shows a departing state.

use privdiff::corpus::minimize::{goal_of, minimize_with};
use privdiff::gen::seed::fuzz_input;
use privdiff::models::faults::{Fault, Faults, Scope};
use privdiff::models::spec_state::Part;
use privdiff::oracle::cause::{first_cause, Cause, Departure};
use privdiff::oracle::engine::Verdict;
use privdiff::oracle::lineup::{Lineup, PatchedImpl};
use privdiff::world::{OpKind, Run};

/// The minimised first failing seeded input with `fault` planted, and its
/// first cause.
fn shrunk_cause(fault: Fault) -> Option<Cause> {
    let mut engine = Lineup { patched: PatchedImpl::Patched, faults: Faults::one(fault) }.engine();
    let run = (0..100_000u64)
        .map(|n| Run::from_fuzz_bytes(&fuzz_input(2019, n, 512)))
        .find(|run| matches!(engine.verdict(run), Verdict::Fail { .. }))?;
    let goal = goal_of(&engine.trace(&run)).expect("it fails");
    let small = minimize_with(&run, &goal, &mut engine);
    first_cause(&engine.trace(&small.run))
}

/// The rule of each planted line, read off the line itself (not off
/// `Fault::rule`, which this table is checked against): a new fault must be
/// added here with the rule its line breaks.
const PLANTED_RULES: &[(&str, &str)] = &[
    ("find-ignores-see", "S15"),
    ("find-ignores-knowledge", "S15"),
    ("find-reversed", "S15"),
    ("refused-import-learns", "S10"),
    ("refused-resolve-restricted", "S15"),
    ("refused-import-omitted", "S10"),
    ("share-judged-after-add", "S11"),
    ("delete-keeps-entry", "S12"),
    ("rejoin-ok", "S4"),
    ("query-skips-member-check", "S14"),
    ("unsaved-entry-shows-number", "S16"),
    ("lone-allow-contacts-everybody", "S6"),
    ("delete-keeps-saved-number", "S12"),
    ("refused-add-keeps-entry", "S11"),
    ("refused-resolve-learns", "S17"),
    ("first-user-findable", "S15"),
    ("share-names-the-group", "S11"),
    ("new-entry-drops-exceptions", "S11"),
    ("view-knowledge-per-group", "S17"),
    ("refused-share-applied-later", "S11"),
    ("s15-drops-phone-number-clause", "S15"),
    ("s6-no-match-allows", "S6"),
    ("s7-groups-frozen-at-set", "S7"),
    ("s14-no-membership-check", "S14"),
    ("s16-refused-import-is-contact", "S14"),
    ("s10-import-answer-reversed", "S10"),
];

#[test]
fn the_table_lists_every_fault_with_its_declared_rule() {
    let names: Vec<&str> = Fault::ALL.iter().map(|f| f.name()).collect();
    let listed: Vec<&str> = PLANTED_RULES.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, listed, "PLANTED_RULES must list every fault, in declaration order");
    for (f, (_, rule)) in Fault::ALL.iter().zip(PLANTED_RULES) {
        assert_eq!(f.rule().as_str(), *rule, "{}", f.name());
    }
}

#[test]
fn every_planted_faults_story_names_the_planted_rule() {
    let mut wrong = Vec::new();
    for (f, (_, rule)) in Fault::ALL.iter().zip(PLANTED_RULES) {
        assert_eq!(f.rule().as_str(), *rule, "{}", f.name());
        let Some(cause) = shrunk_cause(*f) else {
            wrong.push(format!("{}: no failing seeded input", f.name()));
            continue;
        };
        println!("{:32} {}: {cause}", f.name(), f.rule());
        if !cause.rules.contains(&f.rule()) {
            wrong.push(format!("{} ({}): {cause}", f.name(), f.rule()));
        }
        // A misreading the reference shares is found by the judge alone;
        // any other fault departs from the reference somewhere.
        let reading = matches!(cause.departure, Departure::Reading);
        if reading != (f.scope() == Scope::Reading) {
            wrong.push(format!("{}: a {:?} fault told as {:?}", f.name(), f.scope(), cause.departure));
        }
        // Code both eras share is told as both, never as the loophole.
        if f.scope() == Scope::BothServers && !cause.both_eras {
            wrong.push(format!("{}: shared code not told as both eras: {cause}", f.name()));
        }
    }
    assert!(wrong.is_empty(), "stories that miss the planted rule:\n{}", wrong.join("\n"));
}

/// The faults that write a wrong state are caught at the operation that
/// wrote it, in the part of the state it wrote, before any answer shows it.
#[test]
fn state_departures_are_found_where_the_state_was_written() {
    for (fault, op, part) in [
        (Fault::DeleteKeepsEntry, OpKind::DeleteContact, Part::Contacts),
        (Fault::DeleteKeepsSavedNumber, OpKind::DeleteContact, Part::Saved),
        (Fault::RefusedAddKeepsEntry, OpKind::AddContact, Part::Contacts),
        (Fault::RefusedResolveLearns, OpKind::ResolvePhone, Part::Knowledge),
        (Fault::ShareJudgedAfterAdd, OpKind::AddContact, Part::Settings),
    ] {
        let cause = shrunk_cause(fault).unwrap_or_else(|| panic!("{} not caught", fault.name()));
        match &cause.departure {
            Departure::State { departure, .. } => {
                assert_eq!((cause.op.kind(), departure.part), (op, part), "{}: {cause}", fault.name());
                assert!(cause.step < cause.failure.step, "{}: the state departs before the check fails", fault.name());
            }
            other => panic!("{}: {other:?}: {cause}", fault.name()),
        }
    }
}

/// With no fault, no implementation's state ever departs from its
/// reference's: the comparison reports bugs, not representations.
#[test]
fn correct_servers_never_depart_in_state() {
    let mut engine = Lineup::default().engine();
    for n in 0..3_000u64 {
        let trace = engine.trace(&Run::from_fuzz_bytes(&fuzz_input(2019, n, 512)));
        for s in &trace.steps {
            for i in &s.implementations {
                assert!(i.state.is_none(), "input {n}, step {} {}: {} {:?}", s.index, s.op, i.name, i.state);
            }
        }
    }
}
