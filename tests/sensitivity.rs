//! Oracle sensitivity, field by field: for every response variant and
//! every field, the same corruption planted in all four sides (both
//! references and both servers: a common-mode misreading that D-1, D-2 and
//! D-4 cannot see, since every side answers alike), over seeded fuzz runs;
//! the judge alone must report it, naming the field's SPEC id. A field no
//! check reads fails here by construction. The table is in docs/ORACLE.md.

use privdiff::gen::seed::fuzz_input;
use privdiff::models::implementation::{Implementation, TransportError};
use privdiff::models::reference::Reference;
use privdiff::models::server::{LegacyServer, PatchedServer};
use privdiff::oracle::engine::{ByEra, Engine, Verdict};
use privdiff::oracle::failure::{Detail, Failure, FailureKind};
use privdiff::world::response::Slot;
use privdiff::world::{Era, ErrorCode, Op, Outcome, Response, Run, UserId, World};

/// A corruption of one field: changes `outcome` (the answer to `op`) and
/// says whether it did.
type Corruption = fn(&Op, &mut Outcome) -> bool;

/// An implementation whose answers get one field corrupted.
struct Corrupt<I> {
    inner: I,
    corrupt: Corruption,
}

impl<I: Implementation> Implementation for Corrupt<I> {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn era(&self) -> Era {
        self.inner.era()
    }
    fn reset(&mut self, world: &World) -> Result<(), TransportError> {
        self.inner.reset(world)
    }
    fn apply(&mut self, op: &Op, out: &mut Slot) -> Result<(), TransportError> {
        self.inner.apply(op, out)?;
        let mut outcome = out.outcome().clone();
        if (self.corrupt)(op, &mut outcome) {
            out.set(outcome);
        }
        Ok(())
    }
}

fn other(u: UserId) -> UserId {
    UserId(if u.0 == 0 { 1 } else { 0 })
}

/// The table: field, corruption, the check that must report it (a failure
/// of this kind, with this rule, and for a misanswer this field).
const TABLE: &[(&str, Corruption, FailureKind, &str)] = &[
    (
        "member_view.user",
        |op, o| match (op, o) {
            (Op::QueryMember { .. }, Ok(Response::Member(v))) => {
                v.user = other(v.user);
                true
            }
            _ => false,
        },
        FailureKind::Misanswer,
        "S14",
    ),
    (
        "member_view.is_contact",
        |_, o| match o {
            Ok(Response::Member(v)) => {
                v.is_contact = !v.is_contact;
                true
            }
            Ok(Response::Members(vs)) if !vs.is_empty() => {
                vs[0].is_contact = !vs[0].is_contact;
                true
            }
            _ => false,
        },
        FailureKind::Misanswer,
        "S14",
    ),
    (
        "member_view.phone",
        |_, o| {
            let flip = |v: &mut privdiff::world::MemberView| {
                v.phone = match v.phone {
                    Some(_) => None,
                    None => Some(v.user.planned_phone()),
                }
            };
            match o {
                Ok(Response::Member(v)) => {
                    flip(v);
                    true
                }
                Ok(Response::Members(vs)) if !vs.is_empty() => {
                    flip(&mut vs[0]);
                    true
                }
                _ => false,
            }
        },
        FailureKind::Misanswer,
        "S16",
    ),
    (
        "members.users",
        |_, o| match o {
            Ok(Response::Members(vs)) if vs.len() >= 2 => {
                vs.reverse();
                true
            }
            _ => false,
        },
        FailureKind::Misanswer,
        "S14",
    ),
    (
        "imported.matched",
        |_, o| match o {
            Ok(Response::Imported { matched, .. }) if matched.len() >= 2 && matched[0] != matched[1] => {
                matched.swap(0, 1);
                true
            }
            _ => false,
        },
        FailureKind::Misanswer,
        "S10",
    ),
    (
        "imported.unmatched",
        |_, o| match o {
            Ok(Response::Imported { unmatched, .. }) if !unmatched.is_empty() => {
                unmatched.pop();
                true
            }
            _ => false,
        },
        FailureKind::Misanswer,
        "S10",
    ),
    (
        "resolved",
        |_, o| match o {
            Ok(Response::Resolved { user }) => {
                *user = other(*user);
                true
            }
            Err(ErrorCode::PhoneNotOccupied) => {
                *o = Err(ErrorCode::UserPrivacyRestricted);
                true
            }
            _ => false,
        },
        FailureKind::Misanswer,
        "S14",
    ),
    (
        "error",
        |op, o| match (op, &o) {
            (Op::ResolvePhone { .. }, _) => false,
            (_, Err(ErrorCode::UserNotParticipant)) => {
                *o = Err(ErrorCode::UserAlreadyParticipant);
                true
            }
            (_, Err(_)) => {
                *o = Err(ErrorCode::UserNotParticipant);
                true
            }
            _ => false,
        },
        FailureKind::Precondition,
        "",
    ),
    (
        "done",
        |_, o| match o {
            Ok(Response::Done) => {
                *o = Ok(Response::Members(Vec::new()));
                true
            }
            _ => false,
        },
        FailureKind::Misanswer,
        "",
    ),
];

fn engine(corrupt: Corruption) -> Engine {
    let references: ByEra<Box<dyn Implementation>> = ByEra {
        legacy: Box::new(Corrupt { inner: Reference::new(Era::Legacy), corrupt }),
        patched: Box::new(Corrupt { inner: Reference::new(Era::Patched), corrupt }),
    };
    Engine::new(
        references,
        vec![
            Box::new(Corrupt { inner: LegacyServer::default(), corrupt }),
            Box::new(Corrupt { inner: PatchedServer::default(), corrupt }),
        ],
    )
}

/// The failures of the first failing step over seeded runs.
fn first_failures(corrupt: Corruption) -> Option<Vec<Failure>> {
    let mut e = engine(corrupt);
    (0..20_000u64).find_map(|n| {
        let run = Run::from_fuzz_bytes(&fuzz_input(2026, n, 512));
        match e.verdict(&run) {
            Verdict::Pass { .. } => None,
            Verdict::Fail { .. } => e.trace(&run).steps.last().map(|s| s.failures.clone()),
        }
    })
}

#[test]
fn every_field_corrupted_alike_everywhere_is_reported_by_the_judge() {
    for (field, corrupt, kind, rule) in TABLE {
        let failures = first_failures(*corrupt).unwrap_or_else(|| panic!("{field}: corrupted alike, never reported"));
        for f in &failures {
            assert!(
                !matches!(f.rule.as_str(), "D-1" | "D-2" | "D-4"),
                "{field}: every side answers alike, yet a differential check fired: {f}"
            );
        }
        let found = failures.iter().find(|f| {
            f.kind() == *kind
                && (rule.is_empty() || f.rule == *rule)
                && match &f.detail {
                    Detail::Misanswer { field: got, .. } => got == field || (*field == "resolved" && got == "resolved"),
                    _ => *kind != FailureKind::Misanswer,
                }
        });
        let all: Vec<String> = failures.iter().map(|f| f.to_string()).collect();
        assert!(found.is_some(), "{field}: expected a {kind} ({rule}) naming it, got {all:#?}");
        println!("{field:24} -> {}", found.map(|f| f.to_string()).unwrap_or_default());
    }
}

/// Without a corruption the wrappers change nothing: the same runs pass.
#[test]
fn uncorrupted_wrappers_pass() {
    let mut e = engine(|_, _| false);
    for n in 0..2_000u64 {
        let v = e.verdict(&Run::from_fuzz_bytes(&fuzz_input(2026, n, 512)));
        assert!(matches!(v, Verdict::Pass { .. }), "run {n}: {v:?}");
    }
}
