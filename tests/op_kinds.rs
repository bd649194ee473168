//! Every operation kind and every privacy key, declared once
//! (`world::OpKind`, `PrivacyKey::ALL`), reaches every per-kind place: it
//! is generated, encoded and decoded by the typed format, produced by the
//! mutator's generator of a kind, in the explore alphabet, counted by
//! feedback's situations, and covered by a conformance vector. A kind (or
//! key) added to the enum and forgotten in one place fails here.

use std::collections::BTreeSet;

use privdiff::gen::format;
use privdiff::gen::generate::{gen_op_of_kind, gen_run, GenState};
use privdiff::gen::seed::SplitMix64;
use privdiff::world::{Op, OpKind, PrivacyKey, World, WorldConfig};

fn key_of(op: &Op) -> Option<PrivacyKey> {
    match op {
        Op::SetPrivacy { key, .. } => Some(*key),
        _ => None,
    }
}

#[test]
fn every_kind_and_key_is_generated_and_round_trips_the_typed_format() {
    let mut rng = SplitMix64::new(7);
    let (mut kinds, mut keys) = (BTreeSet::new(), BTreeSet::new());
    for _ in 0..500 {
        let run = gen_run(&mut rng);
        let bytes = format::encode(&run).expect("a generated run encodes");
        assert_eq!(format::decode(&bytes).expect("and decodes"), run);
        kinds.extend(run.ops.iter().map(Op::kind));
        keys.extend(run.ops.iter().filter_map(key_of));
    }
    assert_eq!(kinds.into_iter().collect::<Vec<_>>(), OpKind::ALL.to_vec());
    assert_eq!(keys.into_iter().collect::<Vec<_>>(), PrivacyKey::ALL.to_vec());
}

/// The mutator replaces an operation by one of the same kind
/// (`gen_op_of_kind`): each kind must come out as itself in some state.
#[test]
fn the_generator_of_a_kind_gives_that_kind() {
    let config = WorldConfig { users: 3, groups: 1, unowned_numbers: 1 };
    let mut rng = SplitMix64::new(11);
    let mut state = GenState::new(&config);
    let mut seen = BTreeSet::new();
    for round in 0..200 {
        for kind in OpKind::ALL {
            let op = gen_op_of_kind(&mut rng, &state, kind);
            if op.kind() == kind {
                seen.insert(kind);
            }
            if round % 3 == 0 {
                state.apply(&op);
            }
        }
    }
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), OpKind::ALL.to_vec());
}

#[test]
fn every_kind_and_key_is_in_the_explore_alphabet() {
    let world = World::from_config(&WorldConfig { users: 3, groups: 1, unowned_numbers: 1 });
    let ops = privdiff::explore::alphabet::alphabet(&world);
    let kinds: BTreeSet<OpKind> = ops.iter().map(Op::kind).collect();
    let keys: BTreeSet<PrivacyKey> = ops.iter().filter_map(key_of).collect();
    assert_eq!(kinds.into_iter().collect::<Vec<_>>(), OpKind::ALL.to_vec());
    assert_eq!(keys.into_iter().collect::<Vec<_>>(), PrivacyKey::ALL.to_vec());
}

/// Feedback counts situations per kind: every kind has its own index below
/// `feedback::KINDS`, and the tags are the kinds' positions.
#[test]
fn feedback_counts_every_kind_apart() {
    assert_eq!(privdiff::feedback::KINDS, OpKind::COUNT);
    for (i, kind) in OpKind::ALL.iter().enumerate() {
        assert_eq!(usize::from(kind.tag()), i);
        assert_eq!(OpKind::from_tag(i as u32), Some(*kind));
    }
    assert_eq!(OpKind::from_tag(OpKind::COUNT as u32), None);
}

#[test]
fn every_kind_and_key_has_a_conformance_vector() {
    let text = std::fs::read_to_string("tests/conformance/ops.json").expect("ops.json");
    let json: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    let mut kinds = BTreeSet::new();
    let mut keys = BTreeSet::new();
    for vector in json["vectors"].as_array().expect("vectors") {
        for step in vector["steps"].as_array().into_iter().flatten() {
            let op = &step["do"];
            if let Ok(op) = serde_json::from_value::<Op>(op.clone()) {
                kinds.insert(op.kind());
                keys.extend(key_of(&op));
            }
        }
    }
    assert_eq!(kinds.into_iter().collect::<Vec<_>>(), OpKind::ALL.to_vec(), "kinds without a vector");
    assert_eq!(keys.into_iter().collect::<Vec<_>>(), PrivacyKey::ALL.to_vec(), "keys without a vector");
}
