//! Identifiers of the privacy world: users, groups and phone numbers.
//!
//! A run refers to people by small indices so that every fuzz input decodes
//! to a valid world (SPEC S1), but people read them as names and numbers:
//! `alice`, `#lobby`, `+852 5100 0001`. The serde form is the readable one,
//! so case files stay reviewable and survive changes to the `Op` enum.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Readable names for the first users of a world; later ones are `u<N>`.
pub const USER_NAMES: [&str; 8] = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"];

/// Readable names for the first groups of a world; later ones are `#g<N>`.
pub const GROUP_NAMES: [&str; 3] = ["#lobby", "#news", "#market"];

/// First number of the plan that registered users' numbers come from (S1).
pub const USER_NUMBER_BASE: u64 = 852_5100_0001;

/// First number of the plan that numbers belonging to nobody come from (S1).
pub const UNOWNED_NUMBER_BASE: u64 = 852_5900_0001;

/// A registered user, by position in the world's roster (S1).
///
/// Users never change number during a run, so the index is a stable handle.
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UserId(pub u32);

/// A public group, by position in the world's list of groups (S4).
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupId(pub u32);

/// A phone number in international form, stored as its digits (S1).
///
/// Kept as an integer so that a server model can index millions of them
/// cheaply; printed and parsed as `+852 5100 0001`.
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Phone(pub u64);

/// Why a name or number in a case file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// The text is neither a known user name nor `u<N>`.
    #[error("unknown user name {0:?} (expected alice..heidi or u<N>)")]
    User(String),
    /// The text is neither a known group name nor `#g<N>`.
    #[error("unknown group name {0:?} (expected #lobby, #news, #market or #g<N>)")]
    Group(String),
    /// The text is not a phone number of 1 to 15 digits.
    #[error("not a phone number: {0:?} (expected digits such as +852 5100 0001)")]
    Phone(String),
}

impl UserId {
    /// The user's readable name.
    pub fn name(self) -> String {
        match USER_NAMES.get(self.0 as usize) {
            Some(n) => (*n).to_string(),
            None => format!("u{}", self.0),
        }
    }

    /// The number the fuzz worlds' numbering plan gives this user.
    pub fn planned_phone(self) -> Phone {
        Phone(USER_NUMBER_BASE + u64::from(self.0))
    }
}

impl GroupId {
    /// The group's readable name.
    pub fn name(self) -> String {
        match GROUP_NAMES.get(self.0 as usize) {
            Some(n) => (*n).to_string(),
            None => format!("#g{}", self.0),
        }
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl fmt::Debug for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl fmt::Display for GroupId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl fmt::Debug for GroupId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.0.to_string();
        // Hong Kong numbers (+852 and eight digits) print in their usual groups.
        if digits.len() == 11 && digits.starts_with("852") {
            write!(f, "+852 {} {}", &digits[3..7], &digits[7..])
        } else {
            write!(f, "+{digits}")
        }
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for UserId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        if let Some(i) = USER_NAMES.iter().position(|n| *n == s) {
            return Ok(UserId(i as u32));
        }
        s.strip_prefix('u').and_then(|n| n.parse::<u32>().ok()).map(UserId).ok_or_else(|| IdError::User(s.to_string()))
    }
}

impl FromStr for GroupId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        if let Some(i) = GROUP_NAMES.iter().position(|n| *n == s) {
            return Ok(GroupId(i as u32));
        }
        s.strip_prefix("#g")
            .and_then(|n| n.parse::<u32>().ok())
            .map(GroupId)
            .ok_or_else(|| IdError::Group(s.to_string()))
    }
}

impl FromStr for Phone {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        let body = s.strip_prefix('+').unwrap_or(s);
        let digits: String = body.chars().filter(|c| *c != ' ' && *c != '-').collect();
        let ok = !digits.is_empty() && digits.len() <= 15 && digits.bytes().all(|b| b.is_ascii_digit());
        match digits.parse::<u64>() {
            Ok(n) if ok => Ok(Phone(n)),
            _ => Err(IdError::Phone(s.to_string())),
        }
    }
}

macro_rules! serde_as_text {
    ($ty:ty) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

serde_as_text!(UserId);
serde_as_text!(GroupId);
serde_as_text!(Phone);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_numbers_round_trip_through_text() {
        for i in [0u32, 7, 8, 200_000] {
            let u = UserId(i);
            assert_eq!(u.to_string().parse::<UserId>(), Ok(u));
        }
        for i in [0u32, 2, 3, 19] {
            let g = GroupId(i);
            assert_eq!(g.to_string().parse::<GroupId>(), Ok(g));
        }
        for n in [852_5100_0001u64, 1, 447_700_900_123] {
            let p = Phone(n);
            assert_eq!(p.to_string().parse::<Phone>(), Ok(p));
        }
        assert_eq!(Phone(852_5100_0001).to_string(), "+852 5100 0001");
    }

    #[test]
    fn malformed_text_is_refused_with_the_text_quoted() {
        assert_eq!("mallory".parse::<UserId>(), Err(IdError::User("mallory".into())));
        assert_eq!("lobby".parse::<GroupId>(), Err(IdError::Group("lobby".into())));
        assert!("+852 51x0".parse::<Phone>().is_err());
        assert!("".parse::<Phone>().is_err());
        assert!("+1234567890123456".parse::<Phone>().is_err());
    }
}
