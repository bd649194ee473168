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
/// response order without repeats (S17). A resolve shows the supplied number
/// against the user it returned.
pub fn links_shown(op: &Op, outcome: &Outcome) -> Vec<Link> {
    let mut links = Vec::new();
    match (op, outcome) {
        (_, Ok(Response::Imported { matched, .. })) => {
            // The same number may be supplied twice: show its link once.
            let mut seen = rustc_hash::FxHashSet::default();
            links.extend(matched.iter().map(|m| Link { user: m.user, phone: m.phone }).filter(|l| seen.insert(*l)));
        }
        (Op::ResolvePhone { phone, .. }, Ok(Response::Resolved { user })) => {
            links.push(Link { user: *user, phone: *phone });
        }
        (_, Ok(Response::Member(view))) => links.extend(view_link(view)),
        (_, Ok(Response::Members(views))) => links.extend(views.iter().filter_map(view_link)),
        _ => {}
    }
    // Member lists name each member once, a resolve one user: no repeats.
    links
}

fn view_link(view: &MemberView) -> Option<Link> {
    view.phone.map(|phone| Link { user: view.user, phone })
}

/// Prints an outcome in one line for stories and failure messages.
pub struct OutcomeDisplay<'a>(pub &'a Outcome);

impl fmt::Display for OutcomeDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Err(code) => write!(f, "error {code}"),
            Ok(Response::Done) => f.write_str("ok"),
            Ok(Response::Imported { matched, unmatched }) => {
                let m: Vec<String> = matched.iter().map(|c| format!("{} -> {}", c.phone, c.user)).collect();
                let u: Vec<String> = unmatched.iter().map(|p| p.to_string()).collect();
                write!(f, "matched [{}], unmatched [{}]", m.join(", "), u.join(", "))
            }
            Ok(Response::Member(v)) => write!(f, "{}", ViewDisplay(v)),
            Ok(Response::Members(vs)) => {
                let parts: Vec<String> = vs.iter().map(|v| ViewDisplay(v).to_string()).collect();
                write!(f, "[{}]", parts.join(", "))
            }
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
