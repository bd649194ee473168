//! Helpers shared by the integration tests: named users, numbers, and a
//! way to play a script through the lockstep runner.
#![allow(dead_code)]

use privdiff::oracle::engine::{self, Trace, Verdict};
use privdiff::world::ids::{GroupId, Phone, UserId, UNOWNED_NUMBER_BASE};
use privdiff::world::privacy::{PrivacyKey, Rule};
use privdiff::world::response::{ImportedContact, MemberView, Outcome, Response};
use privdiff::world::{Op, Run, WorldConfig};

pub const ALICE: UserId = UserId(0);
pub const BOB: UserId = UserId(1);
pub const CAROL: UserId = UserId(2);
pub const DAVE: UserId = UserId(3);
pub const LOBBY: GroupId = GroupId(0);
pub const NEWS: GroupId = GroupId(1);
pub const NOBODYS: Phone = Phone(UNOWNED_NUMBER_BASE);

pub fn phone(u: UserId) -> Phone {
    u.planned_phone()
}

/// A world of 4 users, 3 groups, 2 unowned numbers.
pub fn world() -> WorldConfig {
    WorldConfig { users: 4, groups: 3, unowned_numbers: 2 }
}

/// Plays `ops` in the default world and asserts the run passes D-1..D-4,
/// so every model outcome equals its reference's.
pub fn play(ops: Vec<Op>) -> Trace {
    let run = Run { world: world(), ops };
    assert_eq!(run.check(), Ok(()));
    let trace = engine::run(&run);
    assert!(matches!(trace.verdict, Verdict::Pass { .. }), "expected a pass, got {:#?}", trace.verdict);
    trace
}

/// The patched model's outcome at step `i`.
pub fn patched(t: &Trace, i: usize) -> &Outcome {
    t.steps[i].outcome("patched").expect("a patched seat")
}

/// The legacy model's outcome at step `i`.
pub fn legacy(t: &Trace, i: usize) -> &Outcome {
    t.steps[i].outcome("legacy").expect("a legacy seat")
}

pub fn join(user: UserId, group: GroupId) -> Op {
    Op::JoinGroup { user, group }
}
pub fn leave(user: UserId, group: GroupId) -> Op {
    Op::LeaveGroup { user, group }
}
pub fn import(owner: UserId, phones: &[Phone]) -> Op {
    Op::ImportContacts { owner, phones: phones.to_vec() }
}
pub fn add(owner: UserId, target: UserId, share_phone: bool) -> Op {
    Op::AddContact { owner, target, share_phone }
}
pub fn delete(owner: UserId, target: UserId) -> Op {
    Op::DeleteContact { owner, target }
}
pub fn set(user: UserId, key: PrivacyKey, rules: Vec<Rule>) -> Op {
    Op::SetPrivacy { user, key, rules }
}
pub fn hide_number(user: UserId) -> Op {
    set(user, PrivacyKey::PhoneNumber, privdiff::world::privacy::nobody())
}
pub fn restrict_finding(user: UserId) -> Op {
    set(user, PrivacyKey::AddedByPhone, privdiff::world::privacy::my_contacts())
}
pub fn query(viewer: UserId, group: GroupId, member: UserId) -> Op {
    Op::QueryMember { viewer, group, member }
}
pub fn list(viewer: UserId, group: GroupId) -> Op {
    Op::ListMembers { viewer, group }
}
pub fn resolve(viewer: UserId, phone: Phone) -> Op {
    Op::ResolvePhone { viewer, phone }
}

/// The number a member view shows, or a panic naming what was there.
pub fn shown_phone(o: &Outcome) -> Option<Phone> {
    match o {
        Ok(Response::Member(MemberView { phone, .. })) => *phone,
        other => panic!("expected a member view, got {other:?}"),
    }
}

/// The users an import matched.
pub fn matched_users(o: &Outcome) -> Vec<UserId> {
    match o {
        Ok(Response::Imported { matched, .. }) => matched.iter().map(|m: &ImportedContact| m.user).collect(),
        other => panic!("expected an import response, got {other:?}"),
    }
}
