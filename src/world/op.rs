//! The operation language (SPEC S9-S14): what a user can do.
//!
//! Adding an operation starts here (a variant of [`Op`], its actor, rule id,
//! name, references and sentence), then the models (`models/`), the judge
//! (`oracle/judge.rs`) and the generators (`gen/`); the compiler points at
//! every `match` that must learn it. The durable form of an operation is its
//! serde form (names, numbers, named fields), never raw fuzz bytes.

use std::fmt;

use arbitrary::Arbitrary;
use serde::{Deserialize, Serialize};

use crate::world::ids::{GroupId, Phone, UserId};
use crate::world::privacy::{Named, PrivacyKey, Rule, RulesDisplay};

/// What a user does (SPEC S9-S14). Field names are the case-file keys.
#[derive(Arbitrary, Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Hash)]
#[serde(tag = "op", deny_unknown_fields)]
pub enum Op {
    /// S9: `user` joins the public `group`.
    JoinGroup {
        /// Who joins.
        user: UserId,
        /// The group joined.
        group: GroupId,
    },
    /// S9: `user` leaves `group`.
    LeaveGroup {
        /// Who leaves.
        user: UserId,
        /// The group left.
        group: GroupId,
    },
    /// S10: `owner` uploads numbers from their address book.
    ImportContacts {
        /// Whose address book.
        owner: UserId,
        /// The numbers, in order.
        phones: Vec<Phone>,
    },
    /// S11: `owner` adds `target` without a number, optionally sharing
    /// their own number with them.
    AddContact {
        /// Whose address book.
        owner: UserId,
        /// Who is added.
        target: UserId,
        /// `add_phone_privacy_exception`.
        share_phone: bool,
    },
    /// S12: `owner` removes `target` from their address book.
    DeleteContact {
        /// Whose address book.
        owner: UserId,
        /// Who is removed.
        target: UserId,
    },
    /// S13: `user` replaces one of their settings.
    SetPrivacy {
        /// Whose setting.
        user: UserId,
        /// Which setting.
        key: PrivacyKey,
        /// The new rule list (S6), validated by S8.
        rules: Vec<Rule>,
    },
    /// S14: `viewer` looks at one `member` of `group`.
    QueryMember {
        /// Who looks.
        viewer: UserId,
        /// Where.
        group: GroupId,
        /// At whom.
        member: UserId,
    },
    /// S14: `viewer` lists every member of `group`.
    ListMembers {
        /// Who looks.
        viewer: UserId,
        /// Where.
        group: GroupId,
    },
    /// S14: `viewer` asks who has `phone`.
    ResolvePhone {
        /// Who asks.
        viewer: UserId,
        /// The number supplied.
        phone: Phone,
    },
}

impl Op {
    /// The user who acts and sees the response.
    pub fn actor(&self) -> UserId {
        match *self {
            Op::JoinGroup { user, .. } | Op::LeaveGroup { user, .. } | Op::SetPrivacy { user, .. } => user,
            Op::ImportContacts { owner, .. } | Op::AddContact { owner, .. } | Op::DeleteContact { owner, .. } => owner,
            Op::QueryMember { viewer, .. } | Op::ListMembers { viewer, .. } | Op::ResolvePhone { viewer, .. } => viewer,
        }
    }

    /// The numbers the actor supplied in this operation (INV-1 (b)).
    pub fn supplied_phones(&self) -> &[Phone] {
        match self {
            Op::ImportContacts { phones, .. } => phones,
            Op::ResolvePhone { phone, .. } => std::slice::from_ref(phone),
            _ => &[],
        }
    }

    /// Whether the actor supplied `phone` in this operation (INV-1 (b)).
    pub fn supplies(&self, phone: Phone) -> bool {
        self.supplied_phones().contains(&phone)
    }

    /// The SPEC rule that defines this operation.
    pub fn spec_rule(&self) -> super::SpecId {
        use super::SpecId;
        match self {
            Op::JoinGroup { .. } | Op::LeaveGroup { .. } => SpecId::S9,
            Op::ImportContacts { .. } => SpecId::S10,
            Op::AddContact { .. } => SpecId::S11,
            Op::DeleteContact { .. } => SpecId::S12,
            Op::SetPrivacy { .. } => SpecId::S13,
            Op::QueryMember { .. } | Op::ListMembers { .. } | Op::ResolvePhone { .. } => SpecId::S14,
        }
    }

    /// The variant as a small number, in declaration order: one tag for
    /// the encoders, the mutator and the feedback counters.
    pub fn kind_tag(&self) -> u8 {
        self.kind().tag()
    }

    /// The operation's kind.
    pub fn kind(&self) -> OpKind {
        match self {
            Op::JoinGroup { .. } => OpKind::JoinGroup,
            Op::LeaveGroup { .. } => OpKind::LeaveGroup,
            Op::ImportContacts { .. } => OpKind::ImportContacts,
            Op::AddContact { .. } => OpKind::AddContact,
            Op::DeleteContact { .. } => OpKind::DeleteContact,
            Op::SetPrivacy { .. } => OpKind::SetPrivacy,
            Op::QueryMember { .. } => OpKind::QueryMember,
            Op::ListMembers { .. } => OpKind::ListMembers,
            Op::ResolvePhone { .. } => OpKind::ResolvePhone,
        }
    }

    /// The variant's name, e.g. `ImportContacts`.
    pub fn name(&self) -> &'static str {
        self.kind().name()
    }
}

/// The kinds of operation, declared once. Every place that handles
/// operations kind by kind (the typed decoder, the generator and the
/// mutator, feedback's counters, the explore alphabet) matches on it by
/// name, with no catch-all, so a new kind cannot fall through into another;
/// `tests/op_kinds.rs` checks each place covers every kind.
#[derive(Debug, Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OpKind {
    /// [`Op::JoinGroup`].
    JoinGroup,
    /// [`Op::LeaveGroup`].
    LeaveGroup,
    /// [`Op::ImportContacts`].
    ImportContacts,
    /// [`Op::AddContact`].
    AddContact,
    /// [`Op::DeleteContact`].
    DeleteContact,
    /// [`Op::SetPrivacy`].
    SetPrivacy,
    /// [`Op::QueryMember`].
    QueryMember,
    /// [`Op::ListMembers`].
    ListMembers,
    /// [`Op::ResolvePhone`].
    ResolvePhone,
}

impl OpKind {
    /// Every kind, in tag order.
    pub const ALL: [OpKind; 9] = [
        OpKind::JoinGroup,
        OpKind::LeaveGroup,
        OpKind::ImportContacts,
        OpKind::AddContact,
        OpKind::DeleteContact,
        OpKind::SetPrivacy,
        OpKind::QueryMember,
        OpKind::ListMembers,
        OpKind::ResolvePhone,
    ];

    /// How many kinds there are.
    pub const COUNT: usize = OpKind::ALL.len();

    /// The kind's tag in the typed fuzz format (`gen::format`): its
    /// position in [`OpKind::ALL`].
    pub fn tag(self) -> u8 {
        self as u8
    }

    /// The kind of a tag below [`OpKind::COUNT`].
    pub fn from_tag(tag: u32) -> Option<OpKind> {
        OpKind::ALL.get(tag as usize).copied()
    }

    /// The kind's name, e.g. `ImportContacts`.
    pub fn name(self) -> &'static str {
        match self {
            OpKind::JoinGroup => "JoinGroup",
            OpKind::LeaveGroup => "LeaveGroup",
            OpKind::ImportContacts => "ImportContacts",
            OpKind::AddContact => "AddContact",
            OpKind::DeleteContact => "DeleteContact",
            OpKind::SetPrivacy => "SetPrivacy",
            OpKind::QueryMember => "QueryMember",
            OpKind::ListMembers => "ListMembers",
            OpKind::ResolvePhone => "ResolvePhone",
        }
    }
}

/// A reference an operation makes to something in the world.
#[derive(Debug)]
pub enum RefMut<'a> {
    /// A user (an actor, a target, or one named in a rule).
    User(&'a mut UserId),
    /// A group (where, or one named in a rule).
    Group(&'a mut GroupId),
    /// A supplied phone number.
    Phone(&'a mut Phone),
}

/// A reference an operation makes to something in the world, read only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ref {
    /// A user (an actor, a target, or one named in a rule).
    User(UserId),
    /// A group (where, or one named in a rule).
    Group(GroupId),
    /// A supplied phone number.
    Phone(Phone),
}

impl Op {
    /// Visits every user, group and number the operation refers to, in the
    /// order of [`Op::visit_refs`], without changing or cloning anything:
    /// for checks that only read (a case file's run against its world, on
    /// every encoding the mutator makes).
    pub fn refs(&self, f: &mut dyn FnMut(Ref)) {
        match self {
            Op::JoinGroup { user, group } | Op::LeaveGroup { user, group } => {
                f(Ref::User(*user));
                f(Ref::Group(*group));
            }
            Op::ImportContacts { owner, phones } => {
                f(Ref::User(*owner));
                phones.iter().for_each(|p| f(Ref::Phone(*p)));
            }
            Op::AddContact { owner, target, .. } | Op::DeleteContact { owner, target } => {
                f(Ref::User(*owner));
                f(Ref::User(*target));
            }
            Op::SetPrivacy { user, rules, .. } => {
                f(Ref::User(*user));
                for rule in rules {
                    match rule.named() {
                        Named::Users(l) => l.iter().for_each(|u| f(Ref::User(*u))),
                        Named::Groups(l) => l.iter().for_each(|g| f(Ref::Group(*g))),
                        Named::Nothing => {}
                    }
                }
            }
            Op::QueryMember { viewer, group, member } => {
                f(Ref::User(*viewer));
                f(Ref::Group(*group));
                f(Ref::User(*member));
            }
            Op::ListMembers { viewer, group } => {
                f(Ref::User(*viewer));
                f(Ref::Group(*group));
            }
            Op::ResolvePhone { viewer, phone } => {
                f(Ref::User(*viewer));
                f(Ref::Phone(*phone));
            }
        }
    }

    /// Visits every user, group and number the operation refers to, in
    /// field order (the actor first). One walk serves folding fuzz inputs
    /// into the world, checking case files, and renaming users.
    pub fn visit_refs(&mut self, f: &mut dyn FnMut(RefMut<'_>)) {
        match self {
            Op::JoinGroup { user, group } | Op::LeaveGroup { user, group } => {
                f(RefMut::User(user));
                f(RefMut::Group(group));
            }
            Op::ImportContacts { owner, phones } => {
                f(RefMut::User(owner));
                phones.iter_mut().for_each(|p| f(RefMut::Phone(p)));
            }
            Op::AddContact { owner, target, .. } | Op::DeleteContact { owner, target } => {
                f(RefMut::User(owner));
                f(RefMut::User(target));
            }
            Op::SetPrivacy { user, rules, .. } => {
                f(RefMut::User(user));
                for rule in rules {
                    match rule {
                        Rule::AllowUsers(l) | Rule::DisallowUsers(l) => l.iter_mut().for_each(|u| f(RefMut::User(u))),
                        Rule::AllowChatParticipants(l) | Rule::DisallowChatParticipants(l) => {
                            l.iter_mut().for_each(|g| f(RefMut::Group(g)))
                        }
                        _ => {}
                    }
                }
            }
            Op::QueryMember { viewer, group, member } => {
                f(RefMut::User(viewer));
                f(RefMut::Group(group));
                f(RefMut::User(member));
            }
            Op::ListMembers { viewer, group } => {
                f(RefMut::User(viewer));
                f(RefMut::Group(group));
            }
            Op::ResolvePhone { viewer, phone } => {
                f(RefMut::User(viewer));
                f(RefMut::Phone(phone));
            }
        }
    }
}

/// Tells the operation as a sentence: "alice imports +852 5100 0002".
impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::JoinGroup { user, group } => write!(f, "{user} joins {group}"),
            Op::LeaveGroup { user, group } => write!(f, "{user} leaves {group}"),
            Op::ImportContacts { owner, phones } => {
                write!(f, "{owner} imports contacts ")?;
                super::write_list(f, phones.iter())
            }
            Op::AddContact { owner, target, share_phone } => {
                write!(f, "{owner} adds {target} as a contact")?;
                if *share_phone {
                    f.write_str(", sharing their own number")?;
                }
                Ok(())
            }
            Op::DeleteContact { owner, target } => write!(f, "{owner} deletes contact {target}"),
            Op::SetPrivacy { user, key, rules } => {
                write!(f, "{user} sets \"{key}\" to {}", RulesDisplay(rules))
            }
            Op::QueryMember { viewer, group, member } => write!(f, "{viewer} looks at {member} in {group}"),
            Op::ListMembers { viewer, group } => write!(f, "{viewer} lists the members of {group}"),
            Op::ResolvePhone { viewer, phone } => write!(f, "{viewer} resolves {phone}"),
        }
    }
}

impl std::fmt::Display for OpKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.name())
    }
}

/// An operation kind written as its name (`ImportContacts`), as case files
/// and signatures record it.
impl serde::Serialize for OpKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for OpKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<OpKind, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        OpKind::ALL.iter().copied().find(|k| k.name() == text).ok_or_else(|| {
            let names: Vec<&str> = OpKind::ALL.iter().map(|k| k.name()).collect();
            serde::de::Error::custom(format!("unknown operation kind {text:?} (one of {})", names.join(", ")))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::generate::gen_run;
    use crate::gen::seed::SplitMix64;

    /// The read-only walk sees what the mutable walk sees, in the same
    /// order, for every kind of operation.
    #[test]
    fn refs_and_visit_refs_walk_alike() {
        let mut rng = SplitMix64::new(3);
        let mut kinds = std::collections::BTreeSet::new();
        for _ in 0..300 {
            for op in gen_run(&mut rng).ops {
                kinds.insert(op.name());
                let mut read = Vec::new();
                op.refs(&mut |r| read.push(r));
                let mut walked = Vec::new();
                op.clone().visit_refs(&mut |r| {
                    walked.push(match r {
                        RefMut::User(u) => Ref::User(*u),
                        RefMut::Group(g) => Ref::Group(*g),
                        RefMut::Phone(p) => Ref::Phone(*p),
                    })
                });
                assert_eq!(read, walked, "{op:?}");
            }
        }
        assert_eq!(kinds.len(), 9, "every kind of operation: {kinds:?}");
    }
}
