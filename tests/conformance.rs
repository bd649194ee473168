//! Conformance vectors: the decisions of `docs/SPEC.md` as data
//! (`tests/conformance/rules.json`, `tests/conformance/ops.json`), each
//! written from SPEC's words with its rule id, and played black-box against
//! the reference and the server model of every era the vector names.
//!
//! Every step's outcome is asserted. A vector marked `since` pins a SPEC
//! revision; older models fail it, loudly, by design.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde::Deserialize;

use privdiff::models::implementation::Implementation;
use privdiff::models::reference::Reference;
use privdiff::models::server::{LegacyServer, PatchedServer};
use privdiff::oracle::checks;
use privdiff::oracle::judge::Judge;
use privdiff::world::privacy::{PrivacyKey, Rule};
use privdiff::world::response::{ErrorCode, MemberView, Outcome, OutcomeDisplay, Response, Slot};
use privdiff::world::{Era, GroupId, Op, Run, UserId, World, WorldConfig};

const RULES: &str = include_str!("conformance/rules.json");
const OPS: &str = include_str!("conformance/ops.json");

// ---------------------------------------------------------------- the data

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct File<V> {
    #[allow(dead_code)]
    about: String,
    world: WorldConfig,
    vectors: Vec<V>,
}

/// One operation and what it must answer: in every era of the vector
/// (`expect`), or per era (`legacy`, `patched`).
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct Step {
    #[serde(rename = "do")]
    op: Op,
    expect: Option<Outcome>,
    legacy: Option<Outcome>,
    patched: Option<Outcome>,
}

impl Step {
    fn expected(&self, era: Era) -> Option<&Outcome> {
        self.expect.as_ref().or(match era {
            Era::Legacy => self.legacy.as_ref(),
            Era::Patched => self.patched.as_ref(),
        })
    }
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct OpVector {
    id: String,
    rule: String,
    #[allow(dead_code)]
    says: String,
    eras: Vec<Era>,
    since: Option<String>,
    steps: Vec<Step>,
}

#[derive(Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
struct Relation {
    viewer_in_owner_contacts: bool,
    viewer_groups: BTreeSet<GroupId>,
    viewer_saved_owner_number: bool,
}

#[derive(Deserialize, Debug, Copy, Clone, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Decision {
    Allow,
    Deny,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct RuleVector {
    id: String,
    rule: String,
    #[allow(dead_code)]
    says: String,
    eras: Vec<Era>,
    owner: UserId,
    viewer: UserId,
    key: PrivacyKey,
    rules: Vec<Rule>,
    relation: Relation,
    rules_decide: Decision,
    decided_by: Option<usize>,
    steps: Vec<Step>,
}

fn load<V: for<'de> Deserialize<'de>>(name: &str, text: &str) -> File<V> {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("tests/conformance/{name}: {e}"))
}

// ---------------------------------------------------------------- the adapter

/// The implementations a vector of `era` runs against: the reference of
/// that era and the server model of that era.
fn implementations(world: &World, era: Era) -> Vec<(&'static str, Box<dyn Implementation>)> {
    let server: Box<dyn Implementation> = match era {
        Era::Legacy => Box::new(LegacyServer::default()),
        Era::Patched => Box::new(PatchedServer::default()),
    };
    let mut all: Vec<(&'static str, Box<dyn Implementation>)> =
        vec![("reference", Box::new(Reference::new(era))), ("server", server)];
    for (_, i) in &mut all {
        i.reset(world).expect("built-in implementations reset");
    }
    all
}

/// The one place that drives an implementation: apply `op`, return what the
/// actor sees.
fn apply(implementation: &mut dyn Implementation, op: &Op) -> Outcome {
    let mut slot = Slot::default();
    implementation.apply(op, &mut slot).expect("built-in implementations answer");
    slot.outcome().clone()
}

/// The judge's view of one SPEC-given answer: its preconditions must agree
/// with it, and the answer must break none of INV-1..4 by the judge's
/// books (for the patched era; the legacy era's INV-1 is the loophole).
fn judge_step(judge: &mut Judge, era: Era, op: &Op, expected: &Outcome) -> Result<(), String> {
    if let Some(pre) = judge.precondition(op) {
        let agrees = match (&pre, expected) {
            (Ok(()), Ok(_)) => true,
            (Err(want), Err(got)) => want == got,
            _ => false,
        };
        if !agrees {
            return Err(format!("precondition says {pre:?}"));
        }
    }
    if let Some(link) = checks::wrong_number(judge, op, expected) {
        return Err(format!("wrong number {link}"));
    }
    if let Some(why) = checks::existence_oracle(judge, op, expected) {
        return Err(why);
    }
    if era == Era::Patched {
        if let Some((_, what)) = checks::over_blocking(judge, op, expected) {
            return Err(format!("INV-4: {what}"));
        }
        // The engine's own INV-1 walk.
        let mut breach = None;
        privdiff::oracle::inv1::walk(judge, op, expected, |link, allowed| {
            if !allowed && breach.is_none() {
                breach = Some(link);
            }
        });
        if let Some(link) = breach {
            return Err(format!("INV-1: {link}"));
        }
    }
    judge.record(op, expected);
    Ok(())
}

/// Plays `steps` through the judge in every era: every SPEC-given answer
/// must be lawful by the judge's reading. Returns one line per failure.
fn judge_plays(id: &str, config: &WorldConfig, eras: &[Era], steps: &[Step]) -> Vec<String> {
    let world = World::from_config(config);
    let mut failures = Vec::new();
    for &era in eras {
        let mut judge = Judge::new(&world);
        for (index, step) in steps.iter().enumerate() {
            let Some(expected) = step.expected(era) else { continue };
            if let Err(why) = judge_step(&mut judge, era, &step.op, expected) {
                failures.push(format!("{id} {era} judge: step {index} ({}): {why}", step.op));
                break;
            }
        }
    }
    failures
}

// ---------------------------------------------------------------- playing

/// Plays `steps` in every era against every implementation; returns one
/// line per (era, implementation) that answered a step otherwise, naming
/// the first such step (later steps run on a diverged state).
fn play(id: &str, rule: &str, since: Option<&str>, config: &WorldConfig, eras: &[Era], steps: &[Step]) -> Vec<String> {
    let world = World::from_config(config);
    let mut failures = Vec::new();
    for &era in eras {
        for (name, mut implementation) in implementations(&world, era) {
            for (index, step) in steps.iter().enumerate() {
                let expected = step.expected(era).unwrap_or_else(|| panic!("{id}: step {index} has no {era} outcome"));
                let got = apply(implementation.as_mut(), &step.op);
                if &got != expected {
                    let mut line = format!("{id} [{rule}] {era} {name}: step {index} ({})", step.op);
                    let _ = write!(line, ": expected {}, got {}", OutcomeDisplay(expected), OutcomeDisplay(&got));
                    if let Some(rev) = since {
                        let _ = write!(line, " (vector pins {rev})");
                    }
                    failures.push(line);
                    break;
                }
            }
        }
    }
    failures
}

/// Fails with every failing line, after counting the vectors they belong to
/// (each line starts with its vector's id).
fn report(family: &str, total: usize, failures: Vec<String>) {
    let vectors: BTreeSet<&str> = failures.iter().filter_map(|l| l.split(' ').next()).collect();
    assert!(
        failures.is_empty(),
        "{} of {total} {family} vectors fail ({} era/implementation pairs):\n{}",
        vectors.len(),
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn rule_vectors_hold_for_the_reference_and_the_models() {
    let file: File<RuleVector> = load("rules.json", RULES);
    let mut failures = Vec::new();
    for v in &file.vectors {
        failures.extend(play(&v.id, &v.rule, None, &file.world, &v.eras, &v.steps));
    }
    report("rule", file.vectors.len(), failures);
}

#[test]
fn operation_vectors_hold_for_the_reference_and_the_models() {
    let file: File<OpVector> = load("ops.json", OPS);
    let mut failures = Vec::new();
    for v in &file.vectors {
        failures.extend(play(&v.id, &v.rule, v.since.as_deref(), &file.world, &v.eras, &v.steps));
    }
    report("operation", file.vectors.len(), failures);
}

/// The judge passes the same vectors: its preconditions and INV-1..4 find
/// nothing wrong with any answer SPEC gives.
#[test]
fn every_vector_is_lawful_by_the_judge() {
    let rules: File<RuleVector> = load("rules.json", RULES);
    let ops: File<OpVector> = load("ops.json", OPS);
    let mut failures = Vec::new();
    for v in &rules.vectors {
        failures.extend(judge_plays(&v.id, &rules.world, &v.eras, &v.steps));
    }
    for v in &ops.vectors {
        failures.extend(judge_plays(&v.id, &ops.world, &v.eras, &v.steps));
    }
    report("judge", rules.vectors.len() + ops.vectors.len(), failures);
}

/// The judge's own S6/S7 evaluator gives each rule vector's decision, with
/// its books built from the vector's setup steps (all but the probe).
#[test]
fn the_judge_decides_every_rule_vector() {
    let file: File<RuleVector> = load("rules.json", RULES);
    let world = World::from_config(&file.world);
    let mut wrong = Vec::new();
    for v in &file.vectors {
        for &era in &v.eras {
            let mut judge = Judge::new(&world);
            let (_, setup) = v.steps.split_last().expect("a probe");
            for step in setup {
                if let Some(expected) = step.expected(era) {
                    judge.record(&step.op, expected);
                }
            }
            let allows = judge.allows(v.owner, v.key, v.viewer);
            if allows != (v.rules_decide == Decision::Allow) {
                wrong.push(format!("{} {era}: judge says {allows}, the vector {:?}", v.id, v.rules_decide));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

// ---------------------------------------------------------------- the data is honest

/// Every vector fits its world, names its eras once, has an outcome for each
/// of them at every step, and cites a rule id; ids are unique over both files.
#[test]
fn vectors_are_well_formed() {
    let rules: File<RuleVector> = load("rules.json", RULES);
    let ops: File<OpVector> = load("ops.json", OPS);
    let mut ids = BTreeSet::new();
    let mut check = |id: &str, rule: &str, world: &WorldConfig, eras: &[Era], steps: &[Step]| {
        assert!(ids.insert(id.to_string()), "vector id {id} used twice");
        assert!(
            rule.starts_with('S') || rule.starts_with("INV-") || rule.starts_with("D-"),
            "{id}: rule {rule:?} is not a SPEC id"
        );
        assert!(!eras.is_empty() && eras.len() == eras.iter().collect::<BTreeSet<_>>().len(), "{id}: eras {eras:?}");
        assert!(!steps.is_empty(), "{id}: no steps");
        let run = Run { world: *world, ops: steps.iter().map(|s| s.op.clone()).collect() };
        assert_eq!(run.check(), Ok(()), "{id}");
        for (i, s) in steps.iter().enumerate() {
            let per_era = s.legacy.is_some() || s.patched.is_some();
            assert!(s.expect.is_some() != per_era, "{id} step {i}: give `expect` or per-era outcomes, not both");
            for era in eras {
                assert!(s.expected(*era).is_some(), "{id} step {i}: no {era} outcome");
            }
            if per_era {
                assert!(eras.len() == 2 && s.legacy != s.patched, "{id} step {i}: per-era outcomes must differ");
            }
        }
    };
    for v in &rules.vectors {
        check(&v.id, &v.rule, &rules.world, &v.eras, &v.steps);
        assert!(v.steps.iter().all(|s| s.expect.is_some()), "{}: rule vectors answer alike in their eras", v.id);
    }
    for v in &ops.vectors {
        check(&v.id, &v.rule, &ops.world, &v.eras, &v.steps);
    }
}

/// A rule vector's declared setting, relation and decision agree with its
/// steps, and its probe reveals the decision the way the file's `about`
/// says. (Bookkeeping only: whether the decision is right is for the
/// implementations and the judge to show.)
#[test]
fn rule_vectors_say_what_their_steps_do() {
    let file: File<RuleVector> = load("rules.json", RULES);
    let world = World::from_config(&file.world);
    for v in &file.vectors {
        let id = &v.id;
        let (probe, setup) = v.steps.split_last().expect("steps");
        let owner_phone = world.phone_of(v.owner).expect("owner in world");
        // Replay the setup's successful operations into a plain record.
        let mut rules = v.key.default_rules();
        let mut phone_number = PrivacyKey::PhoneNumber.default_rules();
        let mut relation = Relation {
            viewer_in_owner_contacts: false,
            viewer_groups: BTreeSet::new(),
            viewer_saved_owner_number: false,
        };
        let mut viewer_looked = false;
        for step in setup {
            let Some(Ok(response)) = step.expect.as_ref() else { continue };
            match &step.op {
                Op::JoinGroup { user, group } if *user == v.viewer => {
                    relation.viewer_groups.insert(*group);
                }
                Op::LeaveGroup { user, group } if *user == v.viewer => {
                    relation.viewer_groups.remove(group);
                }
                Op::AddContact { owner, target, share_phone } => {
                    assert!(!(*owner == v.owner && *share_phone), "{id}: share_phone would rewrite the owner's rules");
                    if *owner == v.owner && *target == v.viewer {
                        relation.viewer_in_owner_contacts = true;
                    }
                }
                Op::DeleteContact { owner, target } => {
                    if *owner == v.owner && *target == v.viewer {
                        relation.viewer_in_owner_contacts = false;
                    }
                    if *owner == v.viewer && *target == v.owner {
                        relation.viewer_saved_owner_number = false;
                    }
                }
                Op::ImportContacts { owner, .. } => {
                    let Response::Imported { matched, .. } = response else {
                        panic!("{id}: import answered {response:?}")
                    };
                    if *owner == v.owner && matched.iter().any(|m| m.user == v.viewer) {
                        relation.viewer_in_owner_contacts = true;
                    }
                    if *owner == v.viewer && matched.iter().any(|m| m.user == v.owner && m.phone == owner_phone) {
                        relation.viewer_saved_owner_number = true;
                    }
                }
                Op::SetPrivacy { user, key, rules: r } if *user == v.owner => {
                    if *key == v.key {
                        rules = r.clone();
                    }
                    if *key == PrivacyKey::PhoneNumber {
                        phone_number = r.clone();
                    }
                }
                _ => {}
            }
            if step.op.actor() == v.viewer
                && matches!(step.op, Op::QueryMember { .. } | Op::ListMembers { .. } | Op::ResolvePhone { .. })
            {
                viewer_looked = true;
            }
        }
        assert_eq!(rules, v.rules, "{id}: `rules` is not the owner's setting at the probe");
        assert_eq!(relation, v.relation, "{id}: `relation` is not the viewer's standing at the probe");
        let allow = v.rules_decide == Decision::Allow;
        match v.decided_by {
            Some(i) => assert!(
                i < v.rules.len() && v.rules[i].allows_when_matched() == allow,
                "{id}: rule {i} cannot be the one that decides {:?}",
                v.rules_decide
            ),
            None => assert!(!allow, "{id}: when no rule matches, S6 denies"),
        }
        let expected = probe.expect.as_ref().expect("rule vectors use `expect`");
        match v.key {
            PrivacyKey::PhoneNumber => {
                let view = owner_view(&probe.op, expected, v.viewer, v.owner)
                    .unwrap_or_else(|| panic!("{id}: the probe must show the viewer the owner"));
                let visible = allow || v.relation.viewer_saved_owner_number || v.viewer == v.owner;
                assert_eq!(view.phone.is_some(), visible, "{id}: the probe does not reveal the decision (S16)");
            }
            PrivacyKey::AddedByPhone => {
                assert_eq!(v.eras, [Era::Patched], "{id}: finding decisions belong to the patched era (S15)");
                assert_eq!(phone_number, [Rule::DisallowAll], "{id}: PhoneNumber must be Nobody (S15 clause 2)");
                assert!(!viewer_looked, "{id}: the viewer must not have learned the link (S15 clause 3)");
                let found = match (&probe.op, expected) {
                    (Op::ResolvePhone { viewer, phone }, outcome) if *viewer == v.viewer && *phone == owner_phone => {
                        match outcome {
                            Ok(Response::Resolved { user }) => *user == v.owner,
                            Err(ErrorCode::PhoneNotOccupied) => false,
                            other => panic!("{id}: resolve answered {other:?}"),
                        }
                    }
                    (Op::ImportContacts { owner, phones }, Ok(Response::Imported { matched, .. }))
                        if *owner == v.viewer && phones[..] == [owner_phone] =>
                    {
                        matched.iter().any(|m| m.user == v.owner)
                    }
                    _ => panic!("{id}: the probe must be the viewer supplying the owner's number"),
                };
                assert_eq!(found, allow, "{id}: the probe does not reveal the decision (S15)");
            }
        }
    }
}

/// The owner's view in the viewer's member view or list.
fn owner_view<'a>(op: &Op, outcome: &'a Outcome, viewer: UserId, owner: UserId) -> Option<&'a MemberView> {
    if op.actor() != viewer {
        return None;
    }
    match (op, outcome) {
        (Op::QueryMember { member, .. }, Ok(Response::Member(view))) if *member == owner => Some(view),
        (Op::ListMembers { .. }, Ok(Response::Members(views))) => views.iter().find(|w| w.user == owner),
        _ => None,
    }
}

/// The vectors cover what issue 10 asks: each of S6's eight rule kinds alone
/// and in combination, a no-match denial, S7's live membership, and each
/// operation of S9-S14 on its success and error paths.
#[test]
fn vectors_cover_every_rule_kind_and_every_operation_path() {
    let rules: File<RuleVector> = load("rules.json", RULES);
    let ops: File<OpVector> = load("ops.json", OPS);
    let kind = |r: &Rule| format!("{r:?}").split('(').next().unwrap_or_default().to_string();
    let kinds = [
        "AllowAll",
        "DisallowAll",
        "AllowContacts",
        "DisallowContacts",
        "AllowUsers",
        "DisallowUsers",
        "AllowChatParticipants",
        "DisallowChatParticipants",
    ];
    for k in kinds {
        let alone = rules.vectors.iter().filter(|v| v.rules.len() == 1 && kind(&v.rules[0]) == k).count();
        let combined =
            rules.vectors.iter().filter(|v| v.rules.len() > 1 && v.rules.iter().any(|r| kind(r) == k)).count();
        assert!(alone >= 1 && combined >= 1, "{k}: {alone} vectors alone, {combined} in combination");
    }
    assert!(rules.vectors.iter().any(|v| v.decided_by.is_none()), "no vector where no rule matches");
    assert!(rules.vectors.iter().filter(|v| v.rule == "S7").count() >= 2, "S7 needs vectors");

    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    let steps = rules.vectors.iter().flat_map(|v| &v.steps).chain(ops.vectors.iter().flat_map(|v| &v.steps));
    for step in steps {
        for outcome in [&step.expect, &step.legacy, &step.patched].into_iter().flatten() {
            let path = match outcome {
                Ok(_) => "Ok".to_string(),
                Err(code) => code.to_string(),
            };
            seen.insert((step.op.name().to_string(), path));
        }
    }
    let required = [
        ("JoinGroup", "Ok"),
        ("JoinGroup", "USER_ALREADY_PARTICIPANT"),
        ("LeaveGroup", "Ok"),
        ("LeaveGroup", "USER_NOT_PARTICIPANT"),
        ("ImportContacts", "Ok"),
        ("AddContact", "Ok"),
        ("AddContact", "CONTACT_ID_INVALID"),
        ("DeleteContact", "Ok"),
        ("SetPrivacy", "Ok"),
        ("SetPrivacy", "PRIVACY_VALUE_INVALID"),
        ("SetPrivacy", "PRIVACY_TOO_LONG"),
        ("QueryMember", "Ok"),
        ("QueryMember", "USER_NOT_PARTICIPANT"),
        ("ListMembers", "Ok"),
        ("ListMembers", "USER_NOT_PARTICIPANT"),
        ("ResolvePhone", "Ok"),
        ("ResolvePhone", "PHONE_NOT_OCCUPIED"),
    ];
    for (op, path) in required {
        assert!(seen.contains(&(op.to_string(), path.to_string())), "no vector exercises {op} -> {path}");
    }
    for id in ["S4", "S9", "S10", "S11", "S12", "S13", "S14", "S15", "INV-3", "INV-4"] {
        assert!(ops.vectors.iter().any(|v| v.rule == id), "no operation vector cites {id}");
    }
}
