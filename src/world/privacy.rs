//! Privacy settings: the two keys, their rule lists, presets and limits
//! (SPEC S5, S6, S8).
//!
//! This module holds the *language* of settings, shared by everyone, and the
//! S8 validator used by the server models. The reference
//! ([`crate::models::reference`]) deliberately evaluates and validates rule lists
//! with its own code, so a bug here shows up as a D-1/D-2 difference.

use std::fmt;

use arbitrary::Arbitrary;
use serde::{Deserialize, Serialize};

use crate::world::ids::{GroupId, UserId};
use crate::world::response::ErrorCode;

/// Most users that one rule list may name, over all its rules (S8).
pub const MAX_RULE_USERS: usize = 1_000;

/// Most groups that one rule list may name, over all its rules (S8).
pub const MAX_RULE_GROUPS: usize = 20;

/// Which of a user's two settings an operation reads or writes (S5).
#[derive(Arbitrary, Serialize, Deserialize, Debug, Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PrivacyKey {
    /// "Who can see my phone number" (`inputPrivacyKeyPhoneNumber`).
    /// Default: My Contacts.
    PhoneNumber,
    /// "Who can find me by my number" (`inputPrivacyKeyAddedByPhone`), added
    /// by the September 2019 patch. Default: Everybody.
    AddedByPhone,
}

/// One rule of a setting (S6). The first rule that matches the viewer decides.
///
/// Lists of users and groups are kept as sent: the S8 limits count entries
/// as the client sent them (a repeated name counts twice), which is how the
/// API's vectors arrive; matching treats them as sets.
#[derive(Arbitrary, Serialize, Deserialize, Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// Matches everyone and allows.
    AllowAll,
    /// Matches everyone and denies.
    DisallowAll,
    /// Matches the owner's contacts (S2) and allows.
    AllowContacts,
    /// Matches the owner's contacts (S2) and denies.
    DisallowContacts,
    /// Matches the listed users and allows.
    AllowUsers(Vec<UserId>),
    /// Matches the listed users and denies.
    DisallowUsers(Vec<UserId>),
    /// Matches whoever is a member of a listed group at the moment of the
    /// check (S7) and allows.
    AllowChatParticipants(Vec<GroupId>),
    /// Matches whoever is a member of a listed group at the moment of the
    /// check (S7) and denies.
    DisallowChatParticipants(Vec<GroupId>),
}

/// The users or groups a rule names, if it names any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Named<'a> {
    /// `AllowAll`, `DisallowAll`, `AllowContacts`, `DisallowContacts`.
    Nothing,
    /// `AllowUsers`, `DisallowUsers`.
    Users(&'a [UserId]),
    /// `AllowChatParticipants`, `DisallowChatParticipants`.
    Groups(&'a [GroupId]),
}

impl Rule {
    /// The rule's kind as a small number, in declaration order: one tag
    /// for the encoders that need one (the typed fuzz input, explore's
    /// state snapshots).
    pub fn tag(&self) -> u8 {
        match self {
            Rule::AllowAll => 0,
            Rule::DisallowAll => 1,
            Rule::AllowContacts => 2,
            Rule::DisallowContacts => 3,
            Rule::AllowUsers(_) => 4,
            Rule::DisallowUsers(_) => 5,
            Rule::AllowChatParticipants(_) => 6,
            Rule::DisallowChatParticipants(_) => 7,
        }
    }

    /// What the rule names.
    pub fn named(&self) -> Named<'_> {
        match self {
            Rule::AllowAll | Rule::DisallowAll | Rule::AllowContacts | Rule::DisallowContacts => Named::Nothing,
            Rule::AllowUsers(l) | Rule::DisallowUsers(l) => Named::Users(l),
            Rule::AllowChatParticipants(l) | Rule::DisallowChatParticipants(l) => Named::Groups(l),
        }
    }

    /// Whether a viewer matched by this rule is allowed (true) or denied.
    pub fn allows_when_matched(&self) -> bool {
        matches!(self, Rule::AllowAll | Rule::AllowContacts | Rule::AllowUsers(_) | Rule::AllowChatParticipants(_))
    }
}

/// The "Everybody" preset: `[AllowAll]` (S6).
pub fn everybody() -> Vec<Rule> {
    vec![Rule::AllowAll]
}

/// The "My Contacts" preset: `[AllowContacts, DisallowAll]` (S6).
pub fn my_contacts() -> Vec<Rule> {
    vec![Rule::AllowContacts, Rule::DisallowAll]
}

/// The "Nobody" preset: `[DisallowAll]` (S6).
pub fn nobody() -> Vec<Rule> {
    vec![Rule::DisallowAll]
}

impl PrivacyKey {
    /// How many keys there are.
    pub const COUNT: usize = 2;

    /// Every key, in tag order (the typed fuzz format's tags).
    pub const ALL: [PrivacyKey; PrivacyKey::COUNT] = [PrivacyKey::PhoneNumber, PrivacyKey::AddedByPhone];

    /// The key's tag in the typed fuzz format: its position in [`PrivacyKey::ALL`].
    pub fn tag(self) -> u8 {
        self as u8
    }

    /// The setting a user has before ever changing it (S5).
    pub fn default_rules(self) -> Vec<Rule> {
        match self {
            PrivacyKey::PhoneNumber => my_contacts(),
            PrivacyKey::AddedByPhone => everybody(),
        }
    }
}

/// One value per privacy key, indexed by the key: a user's settings in the
/// reference, the servers and the judge. A new key is one more entry of
/// [`PrivacyKey::ALL`], and every such table grows with it; no model keeps
/// a pair of named fields or a hand-numbered slot per key.
#[derive(Debug, Copy, PartialEq, Eq, Hash, Default)]
pub struct ByKey<T>(pub [T; PrivacyKey::COUNT]);

/// By hand, so that `clone_from` reuses each value's buffers (explore forks
/// states by `clone_from`).
impl<T: Clone> Clone for ByKey<T> {
    fn clone(&self) -> ByKey<T> {
        ByKey(self.0.clone())
    }
    fn clone_from(&mut self, source: &ByKey<T>) {
        self.0.clone_from(&source.0);
    }
}

impl<T> ByKey<T> {
    /// The table with `f(key)` for every key.
    pub fn from_fn(mut f: impl FnMut(PrivacyKey) -> T) -> ByKey<T> {
        ByKey(std::array::from_fn(|i| f(PrivacyKey::ALL[i])))
    }

    /// Every key with its value, in [`PrivacyKey::ALL`]'s order.
    pub fn iter(&self) -> impl Iterator<Item = (PrivacyKey, &T)> {
        PrivacyKey::ALL.into_iter().zip(self.0.iter())
    }
}

/// The values, in [`PrivacyKey::ALL`]'s order.
impl<'a, T> IntoIterator for &'a ByKey<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// The values, mutably, in [`PrivacyKey::ALL`]'s order.
impl<'a, T> IntoIterator for &'a mut ByKey<T> {
    type Item = &'a mut T;
    type IntoIter = std::slice::IterMut<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter_mut()
    }
}

impl<T> std::ops::Index<PrivacyKey> for ByKey<T> {
    type Output = T;
    fn index(&self, key: PrivacyKey) -> &T {
        &self.0[usize::from(key.tag())]
    }
}

impl<T> std::ops::IndexMut<PrivacyKey> for ByKey<T> {
    fn index_mut(&mut self, key: PrivacyKey) -> &mut T {
        &mut self.0[usize::from(key.tag())]
    }
}

/// Checks a requested setting against S8, as `account.setPrivacy` does.
///
/// Size limits are checked first (the server refuses an oversized request
/// before interpreting it), then the values `AddedByPhone` accepts:
/// Everybody, My Contacts, or a lone `[AllowContacts]` meaning My Contacts.
pub fn validate(key: PrivacyKey, rules: &[Rule]) -> Result<(), ErrorCode> {
    let (mut users, mut groups) = (0usize, 0usize);
    for rule in rules {
        match rule {
            Rule::AllowUsers(list) | Rule::DisallowUsers(list) => users += list.len(),
            Rule::AllowChatParticipants(list) | Rule::DisallowChatParticipants(list) => groups += list.len(),
            _ => {}
        }
    }
    if users > MAX_RULE_USERS || groups > MAX_RULE_GROUPS {
        return Err(ErrorCode::PrivacyTooLong);
    }
    if key == PrivacyKey::AddedByPhone
        && !matches!(rules, [Rule::AllowAll] | [Rule::AllowContacts] | [Rule::AllowContacts, Rule::DisallowAll])
    {
        return Err(ErrorCode::PrivacyValueInvalid);
    }
    Ok(())
}

impl fmt::Display for PrivacyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PrivacyKey::PhoneNumber => "who can see my number",
            PrivacyKey::AddedByPhone => "who can find me by my number",
        })
    }
}

/// Prints a rule list the way the apps name it: a preset name when it is
/// one, the rules otherwise.
pub struct RulesDisplay<'a>(pub &'a [Rule]);

impl fmt::Display for RulesDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            [Rule::AllowAll] => return f.write_str("Everybody"),
            [Rule::AllowContacts, Rule::DisallowAll] | [Rule::AllowContacts] => return f.write_str("My Contacts"),
            [Rule::DisallowAll] => return f.write_str("Nobody"),
            [] => return f.write_str("[] (nobody: no rule matches)"),
            _ => {}
        }
        let parts: Vec<String> = self.0.iter().map(rule_text).collect();
        write!(f, "[{}]", parts.join(", "))
    }
}

/// One rule as the story prints it: `AllowUsers(bob, carol)`, with a run of
/// the same name written once with its count (`AllowUsers(carol x1000)`),
/// so a list at S8's limits stays one readable line.
fn rule_text(rule: &Rule) -> String {
    fn runs<T: PartialEq + fmt::Display>(items: &[T]) -> String {
        let mut parts: Vec<String> = Vec::new();
        let mut i = 0;
        while i < items.len() {
            let n = items[i..].iter().take_while(|x| **x == items[i]).count();
            if n > 2 {
                parts.push(format!("{} x{n}", items[i]));
            } else {
                parts.extend(std::iter::repeat_n(items[i].to_string(), n));
            }
            i += n;
        }
        parts.join(", ")
    }
    match rule {
        Rule::AllowAll => "AllowAll".to_string(),
        Rule::DisallowAll => "DisallowAll".to_string(),
        Rule::AllowContacts => "AllowContacts".to_string(),
        Rule::DisallowContacts => "DisallowContacts".to_string(),
        Rule::AllowUsers(users) => format!("AllowUsers({})", runs(users)),
        Rule::DisallowUsers(users) => format!("DisallowUsers({})", runs(users)),
        Rule::AllowChatParticipants(groups) => format!("AllowChatParticipants({})", runs(groups)),
        Rule::DisallowChatParticipants(groups) => format!("DisallowChatParticipants({})", runs(groups)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rule lists print by name, and a run of one name prints once with its
    /// count; two in a row stay two.
    #[test]
    fn rule_lists_print_names_and_runs() {
        let (alice, bob, carol) = (UserId(0), UserId(1), UserId(2));
        let mut users = vec![alice, bob, bob];
        users.extend(std::iter::repeat_n(carol, 1000));
        users.push(alice);
        let rules = [Rule::AllowUsers(users), Rule::DisallowChatParticipants(vec![GroupId(1)]), Rule::DisallowAll];
        assert_eq!(
            RulesDisplay(&rules).to_string(),
            "[AllowUsers(alice, bob, bob, carol x1000, alice), DisallowChatParticipants(#news), DisallowAll]"
        );
    }

    /// S8: AddedByPhone accepts only the Everybody and My Contacts presets.
    #[test]
    fn s8_added_by_phone_accepts_only_two_presets() {
        let k = PrivacyKey::AddedByPhone;
        assert_eq!(validate(k, &everybody()), Ok(()));
        assert_eq!(validate(k, &my_contacts()), Ok(()));
        assert_eq!(validate(k, &[Rule::AllowContacts]), Ok(()));
        assert_eq!(validate(k, &nobody()), Err(ErrorCode::PrivacyValueInvalid));
        assert_eq!(validate(k, &[]), Err(ErrorCode::PrivacyValueInvalid));
        let with_exception = vec![Rule::AllowUsers(vec![UserId(1)]), Rule::AllowAll];
        assert_eq!(validate(k, &with_exception), Err(ErrorCode::PrivacyValueInvalid));
        assert_eq!(validate(PrivacyKey::PhoneNumber, &with_exception), Ok(()));
    }

    /// S8: at most 1,000 users and 20 groups over all rules of a list.
    #[test]
    fn s8_limits_count_every_named_user_and_group() {
        let k = PrivacyKey::PhoneNumber;
        let users = |n: u32| (0..n).map(UserId).collect::<Vec<_>>();
        let ok = vec![Rule::AllowUsers(users(600)), Rule::DisallowUsers(users(400)), Rule::DisallowAll];
        assert_eq!(validate(k, &ok), Ok(()));
        let long = vec![Rule::AllowUsers(users(600)), Rule::DisallowUsers(users(401))];
        assert_eq!(validate(k, &long), Err(ErrorCode::PrivacyTooLong));
        let groups = |n: u32| (0..n).map(GroupId).collect::<Vec<_>>();
        let ok = vec![Rule::AllowChatParticipants(groups(20))];
        assert_eq!(validate(k, &ok), Ok(()));
        let long = vec![Rule::AllowChatParticipants(groups(15)), Rule::DisallowChatParticipants(groups(6))];
        assert_eq!(validate(k, &long), Err(ErrorCode::PrivacyTooLong));
        // Too long wins over invalid value for AddedByPhone.
        assert_eq!(validate(PrivacyKey::AddedByPhone, &long), Err(ErrorCode::PrivacyTooLong));
    }

    /// S5: defaults are My Contacts (see) and Everybody (find).
    #[test]
    fn s5_defaults() {
        assert_eq!(PrivacyKey::PhoneNumber.default_rules(), my_contacts());
        assert_eq!(PrivacyKey::AddedByPhone.default_rules(), everybody());
        assert_eq!(RulesDisplay(&my_contacts()).to_string(), "My Contacts");
    }
}
