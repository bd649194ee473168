//! What an acting user sees: responses, error codes, and the links a
//! response shows (SPEC S9-S14, S17).
//!
//! Every operation either succeeds with a [`Response`] or fails with an
//! [`ErrorCode`]; the pair is an [`Outcome`]. Oracles compare outcomes
//! structurally and extract the (user, number) links they reveal.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::world::ids::{Phone, UserId};
use crate::world::Op;

/// The API errors the operations can return (S4, S8, S11, S14).
#[derive(Serialize, Deserialize, Debug, Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, thiserror::Error)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// Joining a group one is already in (S4).
    #[error("USER_ALREADY_PARTICIPANT")]
    UserAlreadyParticipant,
    /// Leaving or looking into a group one is not in, or asking about a
    /// member who is not in it (S4, S14).
    #[error("USER_NOT_PARTICIPANT")]
    UserNotParticipant,
    /// Adding a contact one cannot reference (S11).
    #[error("CONTACT_ID_INVALID")]
    ContactIdInvalid,
    /// A setting value the key does not accept (S8).
    #[error("PRIVACY_VALUE_INVALID")]
    PrivacyValueInvalid,
    /// A setting that names too many users or groups (S8).
    #[error("PRIVACY_TOO_LONG")]
    PrivacyTooLong,
    /// A number that is unregistered, or whose owner refused to be found
    /// (S14, INV-3): the two are deliberately the same error.
    #[error("PHONE_NOT_OCCUPIED")]
    PhoneNotOccupied,
    /// A user id outside the world. Valid runs never produce it; models
    /// return it instead of panicking on a hand-written bad case.
    #[error("PEER_ID_INVALID")]
    PeerIdInvalid,
    /// A group id outside the world, likewise.
    #[error("CHANNEL_INVALID")]
    ChannelInvalid,
    /// A real API error that no operation here may return: answering a
    /// refused lookup with it would tell the caller the number exists
    /// (an INV-3 breach). Present so such a model can be represented.
    #[error("USER_PRIVACY_RESTRICTED")]
    UserPrivacyRestricted,
}

/// One member as the viewer sees them (S14).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MemberView {
    /// The member.
    pub user: UserId,
    /// Whether the member is in the viewer's contacts (S2).
    pub is_contact: bool,
    /// The member's number, present only when visible to the viewer (S16).
    pub phone: Option<Phone>,
}

/// A number of an import that matched a user (S10).
#[derive(Serialize, Deserialize, Debug, Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ImportedContact {
    /// The number the owner supplied.
    pub phone: Phone,
    /// The user it matched.
    pub user: UserId,
}

/// A successful operation's response, as the acting user sees it.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Response {
    /// The operation succeeded and shows nothing (join, leave, add, delete,
    /// set privacy).
    Done,
    /// `contacts.importContacts` (S10): numbers in the order supplied, the
    /// owner's own number left out. A number whose owner refused to be
    /// found is listed in `unmatched` exactly as an unregistered one (INV-3).
    Imported {
        /// Numbers that matched a user, each with that user.
        matched: Vec<ImportedContact>,
        /// Numbers that matched nobody the owner may find.
        unmatched: Vec<Phone>,
    },
    /// `QueryMember` (S14).
    Member(MemberView),
    /// `ListMembers` (S14): every member, in user order.
    Members(Vec<MemberView>),
    /// `contacts.resolvePhone` (S14): the user with the supplied number.
    Resolved {
        /// The user found.
        user: UserId,
    },
}

/// What an operation returned: a response or an error code.
pub type Outcome = Result<Response, ErrorCode>;

/// A user paired with a phone number: what a viewer learns (S17).
#[derive(Serialize, Deserialize, Debug, Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Link {
    /// The account.
    pub user: UserId,
    /// The number shown against it.
    pub phone: Phone,
}

impl fmt::Display for Link {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} = {}", self.user, self.phone)
    }
}

/// Every link an outcome shows its viewer, the viewer's own included, in
/// response order (S17). A resolve shows the supplied number against the
/// user it returned. An import that names the same number twice shows its
/// link twice: whoever records knowledge ([`crate::world::Link`] sets) sees
/// the repeat as already known. Allocates nothing.
///
/// Every response variant is matched by name, so a new variant that carries
/// a number cannot slip past INV-1 and INV-2 unnoticed.
pub fn links<'a>(op: &'a Op, outcome: &'a Outcome) -> Links<'a> {
    match outcome {
        Err(_) => Links::Nothing,
        Ok(Response::Done) => Links::Nothing,
        Ok(Response::Imported { matched, unmatched: _ }) => Links::Imported(matched.iter()),
        Ok(Response::Member(view)) => Links::Views(std::slice::from_ref(view).iter()),
        Ok(Response::Members(views)) => Links::Views(views.iter()),
        Ok(Response::Resolved { user }) => match op {
            Op::ResolvePhone { phone, .. } => Links::One(Some(Link { user: *user, phone: *phone })),
            // A resolve answer to another operation shows no number of its
            // own; D-1/D-2 report the answer itself.
            Op::JoinGroup { .. }
            | Op::LeaveGroup { .. }
            | Op::ImportContacts { .. }
            | Op::AddContact { .. }
            | Op::DeleteContact { .. }
            | Op::SetPrivacy { .. }
            | Op::QueryMember { .. }
            | Op::ListMembers { .. } => Links::Nothing,
        },
    }
}

/// The links of one outcome, as [`links`] yields them.
#[derive(Debug, Clone)]
pub enum Links<'a> {
    /// No link shown.
    Nothing,
    /// One link (a resolve).
    One(Option<Link>),
    /// The matched entries of an import.
    Imported(std::slice::Iter<'a, ImportedContact>),
    /// Member views; those with a number show a link.
    Views(std::slice::Iter<'a, MemberView>),
}

impl Iterator for Links<'_> {
    type Item = Link;
    fn next(&mut self) -> Option<Link> {
        match self {
            Links::Nothing => None,
            Links::One(link) => link.take(),
            Links::Imported(it) => it.next().map(|m| Link { user: m.user, phone: m.phone }),
            Links::Views(it) => it.find_map(|v| v.phone.map(|phone| Link { user: v.user, phone })),
        }
    }
}

/// Prints an outcome in one line for stories and failure messages.
pub struct OutcomeDisplay<'a>(pub &'a Outcome);

impl fmt::Display for OutcomeDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Err(code) => write!(f, "error {code}"),
            Ok(Response::Done) => f.write_str("ok"),
            Ok(Response::Imported { matched, unmatched }) => {
                f.write_str("matched ")?;
                super::write_list(f, matched.iter().map(|c| format!("{} -> {}", c.phone, c.user)))?;
                f.write_str(", unmatched ")?;
                super::write_list(f, unmatched.iter())
            }
            Ok(Response::Member(v)) => write!(f, "{}", ViewDisplay(v)),
            Ok(Response::Members(vs)) => super::write_list(f, vs.iter().map(ViewDisplay)),
            Ok(Response::Resolved { user }) => write!(f, "found {user}"),
        }
    }
}

struct ViewDisplay<'a>(&'a MemberView);

impl fmt::Display for ViewDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        write!(f, "{}", v.user)?;
        if v.is_contact {
            f.write_str(" (contact)")?;
        }
        match v.phone {
            Some(p) => write!(f, " {p}"),
            None => f.write_str(" [hidden]"),
        }
    }
}

/// Where an implementation writes its answer: the outcome, plus the list
/// buffers of earlier answers, kept so that a warm engine's answers cost no
/// allocation even when imports, listings, errors and other answers
/// alternate (an error or a `Done` does not throw the lists away).
#[derive(Debug, Clone)]
pub struct Slot {
    out: Outcome,
    matched: Vec<ImportedContact>,
    unmatched: Vec<Phone>,
    members: Vec<MemberView>,
}

impl Default for Slot {
    fn default() -> Self {
        Slot { out: Ok(Response::Done), matched: Vec::new(), unmatched: Vec::new(), members: Vec::new() }
    }
}

impl Slot {
    /// The answer written last.
    #[inline]
    pub fn outcome(&self) -> &Outcome {
        &self.out
    }

    /// Takes the list buffers back from the current answer.
    #[inline]
    fn stash(&mut self) {
        if !matches!(self.out, Ok(Response::Imported { .. } | Response::Members(_))) {
            return;
        }
        match std::mem::replace(&mut self.out, Ok(Response::Done)) {
            Ok(Response::Imported { matched, unmatched }) => {
                self.matched = matched;
                self.unmatched = unmatched;
            }
            Ok(Response::Members(list)) => self.members = list,
            Ok(Response::Done | Response::Member(_) | Response::Resolved { .. }) | Err(_) => {}
        }
    }

    /// Writes any answer (an external implementation's, parsed).
    #[inline]
    pub fn set(&mut self, outcome: Outcome) {
        self.stash();
        self.out = outcome;
    }

    /// Writes an error code.
    #[inline]
    pub fn fail(&mut self, code: ErrorCode) {
        self.set(Err(code));
    }

    /// Writes an empty `Imported` answer and hands out its two lists.
    #[inline]
    pub fn imported(&mut self) -> (&mut Vec<ImportedContact>, &mut Vec<Phone>) {
        self.stash();
        let (mut matched, mut unmatched) = (std::mem::take(&mut self.matched), std::mem::take(&mut self.unmatched));
        matched.clear();
        unmatched.clear();
        self.out = Ok(Response::Imported { matched, unmatched });
        match &mut self.out {
            Ok(Response::Imported { matched, unmatched }) => (matched, unmatched),
            _ => unreachable!("just written"),
        }
    }

    /// Writes an empty `Members` answer and hands out its list.
    #[inline]
    pub fn members(&mut self) -> &mut Vec<MemberView> {
        self.stash();
        let mut list = std::mem::take(&mut self.members);
        list.clear();
        self.out = Ok(Response::Members(list));
        match &mut self.out {
            Ok(Response::Members(list)) => list,
            _ => unreachable!("just written"),
        }
    }
}
