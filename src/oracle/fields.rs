//! The judge reads every field: each answer, field by field, against what
//! the judge's own books and reading of SPEC give (S10, S14-S16), never
//! against the reference. A misreading that the reference and a server
//! share (an `is_contact` read off a refused import, an import answer in
//! another order) changes what both answer, so D-1 is blind to it; this
//! check is not.
//!
//! Every response variant and every field is matched by name, so a new
//! field cannot be added unread; `tests/sensitivity.rs` corrupts each field
//! alike in the reference and a server and asserts this check names it.
//! The table of fields, checks and SPEC ids is in `docs/ORACLE.md`.

use crate::oracle::judge::Judge;
use crate::world::response::OutcomeDisplay;
use crate::world::{
    Era, ErrorCode, GroupId, ImportedContact, MemberView, Op, Outcome, Phone, Response, SpecId, UserId,
};

/// A field of an answer that is not what SPEC gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Misread {
    /// The SPEC rule that defines the field.
    pub rule: SpecId,
    /// The field, as `docs/ORACLE.md` names it.
    pub field: &'static str,
    /// What SPEC gives and what was answered.
    pub why: String,
    /// The rules that decide what SPEC gives there, as the judge reads them
    /// ([`Judge::why_sees`], [`Judge::why_finds`]): what a story names as
    /// the reason. Empty where the field's rule says it all.
    pub because: Vec<SpecId>,
}

fn misread(rule: SpecId, field: &'static str, why: String) -> Option<Misread> {
    Some(Misread { rule, field, why, because: Vec::new() })
}

/// [`misread`], with the rules that decide the field.
#[cold]
fn misread_because(rule: SpecId, field: &'static str, why: String, because: Vec<SpecId>) -> Option<Misread> {
    Some(Misread { rule, field, why, because })
}

/// The first field of `outcome` (the answer of an implementation of `era`
/// to `op`) that differs from the judge's reading, with the judge's books
/// as they were before the step. Errors are judged by the preconditions
/// ([`Judge::precondition`]) and INV-3; here an error is only read where
/// the judge alone decides the outcome (a resolve). Long on purpose: one
/// `match` arm per operation kind, each naming the answer shape SPEC
/// gives it; the per-field readings are in the helpers below.
pub fn misread_field(judge: &Judge, era: Era, op: &Op, outcome: &Outcome) -> Option<Misread> {
    match op {
        Op::JoinGroup { .. }
        | Op::LeaveGroup { .. }
        | Op::AddContact { .. }
        | Op::DeleteContact { .. }
        | Op::SetPrivacy { .. } => match outcome {
            Ok(Response::Done) | Err(_) => None,
            Ok(
                other @ (Response::Imported { .. }
                | Response::Member(_)
                | Response::Members(_)
                | Response::Resolved { .. }),
            ) => misread(
                op.spec_rule(),
                "done",
                format!("answered {}, SPEC answers Done", OutcomeDisplay(&Ok(other.clone()))),
            ),
        },
        Op::QueryMember { viewer, member, .. } => match outcome {
            Err(_) => None,
            Ok(Response::Member(v)) => {
                if v.user != *member {
                    return misread(
                        SpecId::S14,
                        "member_view.user",
                        format!("showed {} for the member {member}", v.user),
                    );
                }
                view(judge, *viewer, v)
            }
            Ok(
                other @ (Response::Done | Response::Imported { .. } | Response::Members(_) | Response::Resolved { .. }),
            ) => misread(
                SpecId::S14,
                "member_view",
                format!("answered {}, not a member view", OutcomeDisplay(&Ok(other.clone()))),
            ),
        },
        Op::ListMembers { viewer, group } => match outcome {
            Err(_) => None,
            Ok(Response::Members(views)) => members(judge, *viewer, *group, views),
            Ok(
                other @ (Response::Done | Response::Imported { .. } | Response::Member(_) | Response::Resolved { .. }),
            ) => misread(
                SpecId::S14,
                "members",
                format!("answered {}, not a member list", OutcomeDisplay(&Ok(other.clone()))),
            ),
        },
        Op::ImportContacts { owner, phones } => match outcome {
            Err(_) => None,
            Ok(Response::Imported { matched, unmatched }) => import(judge, era, *owner, phones, matched, unmatched),
            Ok(other @ (Response::Done | Response::Member(_) | Response::Members(_) | Response::Resolved { .. })) => {
                misread(
                    SpecId::S10,
                    "imported",
                    format!("answered {}, not an import answer", OutcomeDisplay(&Ok(other.clone()))),
                )
            }
        },
        Op::ResolvePhone { viewer, phone } => {
            let expected = resolve(judge, era, *viewer, *phone);
            let agrees = match (outcome, &expected) {
                (Ok(Response::Resolved { user }), Ok(want)) => user == want,
                (Err(got), Err(want)) => got == want,
                (
                    Ok(
                        Response::Resolved { .. }
                        | Response::Done
                        | Response::Imported { .. }
                        | Response::Member(_)
                        | Response::Members(_),
                    )
                    | Err(_),
                    _,
                ) => false,
            };
            if agrees {
                return None;
            }
            let want = match expected {
                Ok(user) => format!("{user}"),
                Err(code) => format!("error {code}"),
            };
            let because = judge.owner_of(*phone).map_or(Vec::new(), |t| judge.why_finds(era, *viewer, t));
            misread_because(
                SpecId::S14,
                "resolved",
                format!("SPEC answers {want} (S15 as the judge reads it), got {}", OutcomeDisplay(outcome)),
                because,
            )
        }
    }
}

/// S14/S16: one member view, seen by `viewer`.
fn view(judge: &Judge, viewer: UserId, v: &MemberView) -> Option<Misread> {
    let is_contact = judge.is_contact(viewer, v.user);
    if v.is_contact != is_contact {
        return misread_because(
            SpecId::S14,
            "member_view.is_contact",
            format!(
                "{viewer}'s view of {} says is_contact {}, but {} is {}in {viewer}'s contacts",
                v.user,
                v.is_contact,
                v.user,
                if is_contact { "" } else { "not " }
            ),
            vec![SpecId::S3],
        );
    }
    let phone = if judge.sees_number(viewer, v.user) { judge.phone_of(v.user) } else { None };
    if v.phone != phone {
        let show = |p: Option<Phone>| p.map_or("no number".to_string(), |p| p.to_string());
        return misread_because(
            SpecId::S16,
            "member_view.phone",
            format!("{viewer}'s view of {} carries {}, S16 gives {}", v.user, show(v.phone), show(phone)),
            judge.why_sees(viewer, v.user),
        );
    }
    None
}

/// S14: a member list: every member once, in user order, each view read.
fn members(judge: &Judge, viewer: UserId, group: GroupId, views: &[MemberView]) -> Option<Misread> {
    if !views.iter().map(|v| v.user).eq(judge.members(group)) {
        let listed: Vec<String> = views.iter().map(|v| v.user.to_string()).collect();
        let want: Vec<String> = judge.members(group).map(|u| u.to_string()).collect();
        return misread(
            SpecId::S14,
            "members.users",
            format!("listed [{}], the members are [{}] in user order", listed.join(", "), want.join(", ")),
        );
    }
    views.iter().find_map(|v| view(judge, viewer, v))
}

/// S10: an import's answer, entry by entry and in order.
fn import(
    judge: &Judge,
    era: Era,
    owner: UserId,
    phones: &[Phone],
    matched: &[ImportedContact],
    unmatched: &[Phone],
) -> Option<Misread> {
    let own = judge.phone_of(owner);
    // One walk, no allocation: each supplied number is the next matched or
    // the next unmatched entry, as SPEC decides it; the lists are built in
    // words only when they differ.
    let (mut m, mut u) = (0, 0);
    let mut agrees = true;
    for &phone in phones.iter().filter(|p| Some(**p) != own) {
        let found =
            judge.owner_of(phone).filter(|t| judge.finds(era, owner, *t, matched[..m].iter().any(|c| c.user == *t)));
        match found {
            Some(t) if matched.get(m) == Some(&ImportedContact { phone, user: t }) => m += 1,
            None if unmatched.get(u) == Some(&phone) => u += 1,
            Some(_) | None => {
                agrees = false;
                break;
            }
        }
    }
    if agrees && m == matched.len() && u == unmatched.len() {
        return None;
    }
    import_words(judge, era, owner, phones, matched, unmatched)
}

/// The words for an import answer that is not SPEC's: the first list that
/// differs, beside SPEC's.
#[cold]
#[inline(never)]
fn import_words(
    judge: &Judge,
    era: Era,
    owner: UserId,
    phones: &[Phone],
    matched: &[ImportedContact],
    unmatched: &[Phone],
) -> Option<Misread> {
    let own = judge.phone_of(owner);
    let mut want_matched: Vec<ImportedContact> = Vec::new();
    let mut want_unmatched: Vec<Phone> = Vec::new();
    for &phone in phones.iter().filter(|p| Some(**p) != own) {
        match judge.owner_of(phone) {
            Some(t) if judge.finds(era, owner, t, want_matched.iter().any(|m| m.user == t)) => {
                want_matched.push(ImportedContact { phone, user: t })
            }
            Some(_) | None => want_unmatched.push(phone),
        }
    }
    let show_matched =
        |m: &[ImportedContact]| m.iter().map(|c| format!("{} -> {}", c.phone, c.user)).collect::<Vec<_>>().join(", ");
    let show_phones = |p: &[Phone]| p.iter().map(Phone::to_string).collect::<Vec<_>>().join(", ");
    if matched != want_matched.as_slice() {
        // Whom the first differing entry matches is the find rule's matter;
        // the same entries in another order are S10's alone.
        let same_entries = matched.len() == want_matched.len() && matched.iter().all(|m| want_matched.contains(m));
        let differing = matched.iter().zip(&want_matched).find(|(a, b)| a != b).map(|(a, b)| (a.user, b.user));
        let because = match differing {
            _ if same_entries => Vec::new(),
            Some((got, _)) if !want_matched.iter().any(|m| m.user == got) => judge.why_finds(era, owner, got),
            Some((_, want)) => judge.why_finds(era, owner, want),
            None => {
                let longer = if matched.len() > want_matched.len() { matched } else { &want_matched };
                longer
                    .get(matched.len().min(want_matched.len()))
                    .map_or(Vec::new(), |c| judge.why_finds(era, owner, c.user))
            }
        };
        return misread_because(
            SpecId::S10,
            "imported.matched",
            format!(
                "matched [{}], SPEC gives [{}] in the order supplied",
                show_matched(matched),
                show_matched(&want_matched)
            ),
            because,
        );
    }
    misread(
        SpecId::S10,
        "imported.unmatched",
        format!(
            "unmatched [{}], SPEC gives [{}] in the order supplied",
            show_phones(unmatched),
            show_phones(&want_unmatched)
        ),
    )
}

/// S14/S15: what a resolve answers.
fn resolve(judge: &Judge, era: Era, viewer: UserId, phone: Phone) -> Result<UserId, ErrorCode> {
    match judge.owner_of(phone) {
        Some(t) if t == viewer || judge.finds(era, viewer, t, false) => Ok(t),
        Some(_) | None => Err(ErrorCode::PhoneNotOccupied),
    }
}
