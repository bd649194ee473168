//! The server models at scale, checked against the reference: the 2019
//! attack on a 2,000-member group with 500 imported numbers goes through
//! the full lockstep runner (the reference is too slow for 200,000; the
//! full size runs in `examples/scale.rs` and `privdiff scenario hk2019`).

use privdiff::oracle::engine::{Engine, Verdict};
use privdiff::scale::scenario::{ClassCounts, MemberClass, Scenario, ScenarioConfig};
use privdiff::world::Era;
use privdiff::world::Op;

fn config() -> ScenarioConfig {
    ScenarioConfig { members: 2_000, imports: 500, hide_share: 0.6, restrict_share: 0.5, member_share: 0.8, seed: 7 }
}

fn counts(report: &privdiff::scale::scenario::EraReport, class: MemberClass) -> ClassCounts {
    report.by_class.iter().find(|(c, _)| *c == class).map(|(_, n)| *n).unwrap()
}

/// D-1..D-4 at every step of the attack at 2,000 members.
#[test]
fn scale_attack_passes_the_lockstep_oracle() {
    let s = Scenario::build(&config()).unwrap();
    let ops: Vec<Op> = s.setup.iter().chain([&s.import, &s.listing]).cloned().collect();
    let trace = Engine::standard().trace_in(&s.world, &ops);
    assert!(matches!(trace.verdict, Verdict::Pass { .. }), "{:?}", trace.verdict);
    assert_eq!(trace.steps.len(), ops.len());
}

/// S15/S16/INV-1 at scale: legacy unmasks every imported hider, patched
/// only the imported hiders who left "find me" at Everybody.
#[test]
fn scale_attack_counts_follow_from_the_settings() {
    let s = Scenario::build(&config()).unwrap();
    let legacy = s.run(Era::Legacy).unwrap();
    let patched = s.run(Era::Patched).unwrap();
    let hides = counts(&legacy, MemberClass::HidesNumber);
    let restricts = counts(&legacy, MemberClass::HidesAndRestricts);
    let shows = counts(&legacy, MemberClass::ShowsNumber);
    assert_eq!(shows.members + hides.members + restricts.members, 2_000);
    assert_eq!(shows.imported + hides.imported + restricts.imported, 400, "80% of 500 are members' numbers");
    assert!(restricts.imported > 0 && hides.imported > 0);

    assert_eq!(legacy.matched, 400);
    assert_eq!(legacy.unmasked, hides.imported + restricts.imported);
    assert_eq!(legacy.inv1_breaches, restricts.imported);

    assert_eq!(patched.matched, 400 - restricts.imported);
    assert_eq!(patched.unmasked, hides.imported);
    assert_eq!(counts(&patched, MemberClass::HidesAndRestricts).number_shown, 0);
    assert_eq!(counts(&patched, MemberClass::ShowsNumber).number_shown, shows.members);
    assert_eq!(patched.inv1_breaches, 0);
}

/// The scenario is a pure function of its configuration.
#[test]
fn scale_scenario_is_deterministic() {
    let a = Scenario::build(&config()).unwrap().run(Era::Patched).unwrap();
    let b = Scenario::build(&config()).unwrap().run(Era::Patched).unwrap();
    assert_eq!(a, b);
    let mut other = config();
    other.seed = 8;
    assert_ne!(Scenario::build(&other).unwrap().run(Era::Patched).unwrap(), a, "the seed changes who hides");
}

#[test]
fn scale_scenario_refuses_bad_shares() {
    let mut c = config();
    c.hide_share = 1.5;
    assert_eq!(Scenario::build(&c).unwrap_err().to_string(), "hide share must be between 0 and 1, got 1.5");
}
