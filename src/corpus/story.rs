//! A trace told as a story: who did what, what each side answered where
//! they differ, what each viewer learned, which rule broke, and the verdict.
//! This is what `privdiff replay` prints and what a developer reads first.

use std::fmt::Write as _;

use crate::oracle::engine::{Divergence, StepTrace, Trace, Verdict};
use crate::world::response::{Outcome, OutcomeDisplay};
use crate::world::{Run, World};

/// Renders the whole story of `run` and its `trace`.
pub fn tell(run: &Run, trace: &Trace) -> String {
    let mut out = String::new();
    let world = World::from_config(&run.world);
    let _ = writeln!(out, "{}", cast(&world));
    let _ = writeln!(out, "{} operation(s) in the run; {} executed.", run.ops.len(), trace.steps.len());
    for step in &trace.steps {
        tell_step(&mut out, step);
    }
    if let Some(cause) = crate::oracle::cause::first_cause(trace) {
        let _ = writeln!(out, "{cause}");
    }
    let _ = writeln!(out, "{}", verdict_line(trace));
    let _ = writeln!(out, "(rule ids S1-S17, INV-1..4, D-1..4 are defined in docs/SPEC.md)");
    out
}

/// One line naming everyone: "users: alice (+852 5100 0001), ...".
fn cast(world: &World) -> String {
    let users: Vec<String> =
        world.users().map(|u| format!("{u} ({})", world.phone_of(u).unwrap_or(u.planned_phone()))).collect();
    let groups: Vec<String> = (0..world.groups).map(|g| crate::world::ids::GroupId(g).to_string()).collect();
    let unowned: Vec<String> = world.unowned.iter().map(|p| p.to_string()).collect();
    let mut line = format!("world: users {}; groups {}", users.join(", "), groups.join(", "));
    if !unowned.is_empty() {
        let _ = write!(line, "; numbers of nobody {}", unowned.join(", "));
    }
    line
}

fn tell_step(out: &mut String, s: &StepTrace) {
    let _ = writeln!(out, "step {:>2}  {}  [{}]", s.index, s.op, s.op.spec_rule());
    let first = s.implementations.first().map(|i| &i.outcome);
    let all_equal = s
        .implementations
        .iter()
        .all(|i| i.answered && Some(&i.outcome) == first && i.outcome == *s.reference.get(i.era));
    match first {
        Some(outcome) if all_equal => {
            let _ = writeln!(out, "         all sides: {}", OutcomeDisplay(outcome));
        }
        _ => {
            for imp in &s.implementations {
                if !imp.answered {
                    let name = imp.name.as_str();
                    let _ = writeln!(out, "         {name:<17}: no answer (transport failure, below)");
                    continue;
                }
                let want_name = format!("{} reference", imp.era);
                side(out, &imp.name, &imp.outcome, s.reference.get(imp.era), &want_name);
            }
        }
    }
    match s.divergence {
        Some(Divergence::Loophole) => {
            let _ = writeln!(
                out,
                "         eras differ: a loophole step (legacy matched a number whose owner's \"who can find me\" refuses the viewer in patched's world; S15, D-4)"
            );
        }
        Some(Divergence::LoopholeConsequence) => {
            let _ = writeln!(out, "         eras differ: a consequence of an earlier loophole match (D-4)");
        }
        None => {}
    }
    let viewer = s.op.actor();
    for imp in &s.implementations {
        if !imp.learned.is_empty() {
            let l: Vec<String> = imp.learned.iter().map(|l| l.to_string()).collect();
            let _ = writeln!(out, "         {viewer} learns from {}: {}", imp.name, l.join(", "));
        }
    }
    for b in &s.legacy_breaches {
        let _ = writeln!(
            out,
            "         LOOPHOLE (legacy, INV-1): {} obtained {}'s hidden number {} (reported, expected for legacy)",
            b.viewer, b.link.user, b.link.phone
        );
    }
    for (i, f) in s.failures.iter().enumerate() {
        let tag = if i == 0 { "FAIL" } else { "also" };
        let _ = writeln!(out, "         {tag} {f}");
    }
}

/// Prints one implementation's answer, with the reference's beside it if
/// they differ.
fn side(out: &mut String, name: &str, got: &Outcome, want: &Outcome, want_name: &str) {
    let _ = writeln!(out, "         {name:<17}: {}", OutcomeDisplay(got));
    if got != want {
        let _ = writeln!(out, "         {want_name:<17}: {}  <- differs", OutcomeDisplay(want));
    }
}

/// How many distinct hidden numbers legacy's breaches exposed in `trace`
/// (two viewers learning the same number count once).
pub fn distinct_breached_numbers(trace: &Trace) -> usize {
    let numbers: std::collections::BTreeSet<_> =
        trace.steps.iter().flat_map(|s| s.legacy_breaches.iter().map(|b| b.link)).collect();
    numbers.len()
}

/// The closing line: the verdict, the rule, and the loophole count, both
/// as breach events (a viewer newly learning a hidden number; knowledge only
/// grows, so each viewer-number pair counts once, and this is the number a
/// case file's `legacy_inv1_breaches` records) and as distinct hidden
/// numbers exposed (two viewers learning the same number count once).
pub fn verdict_line(trace: &Trace) -> String {
    match &trace.verdict {
        Verdict::Pass { steps, legacy_breaches: 0, .. } => {
            format!("verdict: PASS after {steps} step(s); legacy leaked nothing in this run")
        }
        Verdict::Pass { steps, legacy_breaches, loophole_steps } => format!(
            "verdict: PASS after {steps} step(s); legacy committed {legacy_breaches} INV-1 breach event(s) (a viewer learning a hidden number), exposing {} distinct hidden number(s), through the 2019 loophole at {loophole_steps} step(s) (reported, not a failure); patched held",
            distinct_breached_numbers(trace)
        ),
        Verdict::Fail { failure, legacy_breaches } => format!(
            "verdict: FAIL {} ({}) in {} at step {}: {}{}",
            failure.kind(),
            failure.rule,
            failure.implementation,
            failure.step,
            failure.op,
            if *legacy_breaches > 0 {
                format!("; legacy committed {legacy_breaches} INV-1 breach event(s) up to this step")
            } else {
                String::new()
            }
        ),
    }
}
