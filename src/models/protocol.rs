//! The wire protocol between privdiff and an implementation running as a
//! child process: JSON lines over its stdin and stdout (`docs/PROTOCOL.md`).
//!
//! These types exist so that the adapter ([`crate::models::external`]) and
//! the example server (`examples/sqlite_server.rs`) read and write exactly
//! the same messages, and so that the document's examples are checked by
//! tests instead of drifting. Operations and responses travel in their case
//! file form (the serde form of [`Op`] and [`Response`]): names such as
//! `alice` and `#lobby`, numbers such as `+852 5100 0001`.

use serde::{Deserialize, Serialize};

use crate::world::{Era, ErrorCode, GroupId, Op, Outcome, Phone, Response, UserId, World};

/// The protocol version this build speaks. A peer that answers the
/// handshake with another version is refused before any operation is sent.
pub const PROTOCOL_VERSION: u32 = 1;

/// A message from privdiff to the implementation, one JSON object a line.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Request {
    /// The first line privdiff sends: the version it speaks.
    Hello {
        /// [`PROTOCOL_VERSION`].
        protocol: u32,
    },
    /// Forget everything and start over in this world (before every run).
    Reset {
        /// Who exists.
        world: WireWorld,
    },
    /// Execute one operation as its actor.
    Apply {
        /// The operation, in case-file form.
        op: Op,
    },
    /// Optional, sent only to a peer whose hello said `digest: true`: a
    /// digest of the whole state, for `explore` to merge equal states.
    Digest,
}

/// A message from the implementation to privdiff: exactly one per request.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Reply {
    /// The answer to [`Request::Hello`].
    Hello {
        /// The version the implementation speaks; must equal privdiff's.
        protocol: u32,
        /// The implementation's name, for messages.
        name: String,
        /// The era whose rules it follows (SPEC S15).
        era: Era,
        /// Whether it answers [`Request::Digest`] (optional, default
        /// false: older peers need not send it).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        digest: bool,
    },
    /// The answer to [`Request::Reset`]: the world is in place.
    Ready,
    /// The answer to [`Request::Apply`] when the operation succeeded.
    Ok {
        /// What the actor sees.
        response: Response,
    },
    /// The answer to [`Request::Apply`] when the operation failed (and so
    /// changed nothing).
    Error {
        /// The API error.
        code: ErrorCode,
    },
    /// The answer to [`Request::Digest`]: 32 hexadecimal digits (128 bits)
    /// equal for two states only if they answer every future operation
    /// alike, and equal for equal states whatever the path to them.
    Digest {
        /// The digest, as hex.
        digest: String,
    },
}

impl Reply {
    /// The reply for an operation's outcome.
    pub fn of_outcome(outcome: Outcome) -> Reply {
        match outcome {
            Ok(response) => Reply::Ok { response },
            Err(code) => Reply::Error { code },
        }
    }

    /// The message type's name, as on the wire, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Reply::Hello { .. } => "hello",
            Reply::Ready => "ready",
            Reply::Ok { .. } => "ok",
            Reply::Error { .. } => "error",
            Reply::Digest { .. } => "digest",
        }
    }
}

/// One registered user of a [`WireWorld`].
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct WireUser {
    /// The user's name (`alice`, ..., `u8`, ...).
    pub user: UserId,
    /// The user's number (SPEC S1).
    pub phone: Phone,
}

/// A world spelled out for an implementation that knows nothing of
/// privdiff's numbering plan (SPEC S1): every user with their number, every
/// group, every number that belongs to nobody.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct WireWorld {
    /// Registered users, in id order.
    pub users: Vec<WireUser>,
    /// The public groups, all empty at the start.
    pub groups: Vec<GroupId>,
    /// Numbers that belong to nobody.
    pub unowned: Vec<Phone>,
}

impl WireWorld {
    /// The wire form of a world.
    pub fn of(world: &World) -> WireWorld {
        WireWorld {
            users: world.users().zip(&world.phones).map(|(user, &phone)| WireUser { user, phone }).collect(),
            groups: (0..world.groups).map(GroupId).collect(),
            unowned: world.unowned.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::{MemberView, WorldConfig};

    fn line<T: Serialize>(t: &T) -> String {
        serde_json::to_string(t).unwrap()
    }

    /// The lines of `docs/PROTOCOL.md`'s example exchange are what these
    /// types write and read.
    #[test]
    fn messages_have_the_documented_wire_form() {
        let world = World::from_config(&WorldConfig { users: 2, groups: 1, unowned_numbers: 1 });
        assert_eq!(line(&Request::Hello { protocol: 1 }), r#"{"type":"hello","protocol":1}"#);
        assert_eq!(
            line(&Request::Reset { world: WireWorld::of(&world) }),
            r##"{"type":"reset","world":{"users":[{"user":"alice","phone":"+852 5100 0001"},{"user":"bob","phone":"+852 5100 0002"}],"groups":["#lobby"],"unowned":["+852 5900 0001"]}}"##
        );
        let op = Op::QueryMember { viewer: UserId(1), group: GroupId(0), member: UserId(0) };
        assert_eq!(
            line(&Request::Apply { op }),
            r##"{"type":"apply","op":{"op":"QueryMember","viewer":"bob","group":"#lobby","member":"alice"}}"##
        );
        let hello = Reply::Hello { protocol: 1, name: "sqlite".into(), era: Era::Patched, digest: false };
        assert_eq!(line(&hello), r#"{"type":"hello","protocol":1,"name":"sqlite","era":"patched"}"#);
        assert_eq!(line(&Reply::Ready), r#"{"type":"ready"}"#);
        assert_eq!(line(&Reply::of_outcome(Ok(Response::Done))), r#"{"type":"ok","response":"Done"}"#);
        let member = Response::Member(MemberView { user: UserId(0), is_contact: false, phone: None });
        assert_eq!(
            line(&Reply::of_outcome(Ok(member))),
            r#"{"type":"ok","response":{"Member":{"user":"alice","is_contact":false,"phone":null}}}"#
        );
        assert_eq!(
            line(&Reply::of_outcome(Err(ErrorCode::PhoneNotOccupied))),
            r#"{"type":"error","code":"PHONE_NOT_OCCUPIED"}"#
        );
    }

    #[test]
    fn replies_read_back_and_unknown_codes_are_refused() {
        let r: Reply = serde_json::from_str(r#"{"type":"error","code":"USER_NOT_PARTICIPANT"}"#).unwrap();
        assert_eq!(r, Reply::Error { code: ErrorCode::UserNotParticipant });
        assert!(serde_json::from_str::<Reply>(r#"{"type":"error","code":"FLOOD_WAIT"}"#).is_err());
    }
}
