//! The August 2019 Hong Kong attack, concretely: members of a public group
//! hide their number; some also restrict "find me" to contacts; an attacker
//! imports a batch of numbers that includes theirs and lists the group.

mod common;

use common::*;
use privdiff::oracle::engine::{self, Verdict};
use privdiff::world::ids::UserId;
use privdiff::world::response::Response;
use privdiff::world::{Op, Run, WorldConfig};

const MALLORY: UserId = ALICE;

/// bob..heidi join #lobby and hide their number; bob, dave and frank also
/// restrict finding; alice (the attacker) imports everyone's number plus
/// two unowned ones, then lists the group.
fn attack() -> Run {
    let members: Vec<UserId> = (1..8).map(UserId).collect();
    let restricting = [UserId(1), UserId(3), UserId(5)];
    let mut ops = vec![join(MALLORY, LOBBY)];
    for m in &members {
        ops.push(join(*m, LOBBY));
        ops.push(hide_number(*m));
        if restricting.contains(m) {
            ops.push(restrict_finding(*m));
        }
    }
    let mut batch: Vec<_> = members.iter().map(|m| phone(*m)).collect();
    batch.push(NOBODYS);
    batch.push(privdiff::world::ids::Phone(NOBODYS.0 + 1));
    ops.push(Op::ImportContacts { owner: MALLORY, phones: batch });
    ops.push(list(MALLORY, LOBBY));
    Run { world: WorldConfig { users: 8, groups: 1, unowned_numbers: 2 }, ops }
}

fn unmasked(outcome: &privdiff::world::response::Outcome) -> Vec<UserId> {
    match outcome {
        Ok(Response::Members(views)) => {
            views.iter().filter(|v| v.user != MALLORY && v.phone.is_some()).map(|v| v.user).collect()
        }
        other => panic!("expected the member list, got {other:?}"),
    }
}

/// S10, S15, S16, INV-1, D-4: legacy links every imported member; patched
/// links exactly those who did not restrict finding.
#[test]
fn hong_kong_2019_legacy_unmasks_everyone_patched_only_the_findable() {
    let trace = engine::run(&attack());
    let n = trace.steps.len();
    let import = &trace.steps[n - 2];
    let listing = &trace.steps[n - 1];

    let all: Vec<UserId> = (1..8).map(UserId).collect();
    let findable = vec![UserId(2), UserId(4), UserId(6), UserId(7)];
    assert_eq!(matched_users(import.outcome("legacy").unwrap()), all);
    assert_eq!(matched_users(import.outcome("patched").unwrap()), findable);
    assert_eq!(unmasked(listing.outcome("legacy").unwrap()), all);
    assert_eq!(unmasked(listing.outcome("patched").unwrap()), findable);

    // The three who restricted finding are the legacy breaches (INV-1);
    // the others allowed being found, so matching them is (b), not a breach.
    let breached: Vec<UserId> = import.legacy_breaches.iter().map(|b| b.link.user).collect();
    assert_eq!(breached, vec![UserId(1), UserId(3), UserId(5)]);
    // What each model taught the attacker at the import (S17): legacy all
    // seven, patched only the four who can be found.
    let taught = |name: &str| -> Vec<UserId> { import.learned(name).iter().map(|l| l.user).collect() };
    assert_eq!(taught("legacy"), all);
    assert_eq!(taught("patched"), findable);
    assert_eq!(trace.verdict, Verdict::Pass { steps: n, legacy_breaches: 3, loophole_steps: 1 });
}
