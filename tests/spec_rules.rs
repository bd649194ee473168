//! One or more tests per SPEC rule, named by rule id. Each plays a script
//! through the lockstep runner, which also asserts that both models agree
//! with the reference at every step (D-1, D-2) and that D-3/D-4 hold, then
//! checks the outcomes the rule prescribes.

mod common;

use common::*;
use privdiff::oracle::engine::{Divergence, Verdict};
use privdiff::world::privacy::{everybody, nobody, PrivacyKey, Rule};
use privdiff::world::response::{ErrorCode, ImportedContact, Link, MemberView, Response};
use privdiff::world::Op;

#[test]
fn s1_numbers_identify_one_user_and_unowned_numbers_nobody() {
    let t = play(vec![resolve(ALICE, phone(BOB)), resolve(ALICE, NOBODYS), import(ALICE, &[NOBODYS])]);
    assert_eq!(patched(&t, 0), &Ok(Response::Resolved { user: BOB }));
    assert_eq!(patched(&t, 1), &Err(ErrorCode::PhoneNotOccupied));
    assert_eq!(patched(&t, 2), &Ok(Response::Imported { matched: vec![], unmatched: vec![NOBODYS] }));
}

#[test]
fn s2_contacts_are_one_directional_even_without_a_saved_number() {
    // alice adds bob without a number: bob is in contacts(alice), so bob
    // sees alice's number under alice's default My Contacts; alice is not in
    // contacts(bob), so alice still does not see bob's.
    let t = play(vec![
        join(ALICE, LOBBY),
        join(BOB, LOBBY),
        add(ALICE, BOB, false),
        query(BOB, LOBBY, ALICE),
        query(ALICE, LOBBY, BOB),
    ]);
    assert_eq!(shown_phone(patched(&t, 3)), Some(phone(ALICE)));
    assert_eq!(shown_phone(patched(&t, 4)), None);
    assert_eq!(patched(&t, 4), &Ok(Response::Member(MemberView { user: BOB, is_contact: true, phone: None })));
}

#[test]
fn s3_unmatched_entries_are_not_contacts() {
    // bob refuses to be found; alice's import of his number stays
    // unmatched in the patched era, so bob is not alice's contact there and
    // cannot see alice's My-Contacts number; in legacy the match happened.
    let t = play(vec![
        join(ALICE, LOBBY),
        join(BOB, LOBBY),
        restrict_finding(BOB),
        import(ALICE, &[phone(BOB)]),
        query(BOB, LOBBY, ALICE),
    ]);
    assert_eq!(matched_users(patched(&t, 3)), vec![]);
    assert_eq!(matched_users(legacy(&t, 3)), vec![BOB]);
    assert_eq!(shown_phone(patched(&t, 4)), None);
    assert_eq!(shown_phone(legacy(&t, 4)), Some(phone(ALICE)));
}

#[test]
fn s4_joining_twice_or_leaving_twice_fails_and_changes_nothing() {
    let t = play(vec![join(ALICE, LOBBY), join(ALICE, LOBBY), leave(BOB, LOBBY), list(ALICE, LOBBY)]);
    assert_eq!(patched(&t, 1), &Err(ErrorCode::UserAlreadyParticipant));
    assert_eq!(patched(&t, 2), &Err(ErrorCode::UserNotParticipant));
    let only_alice = MemberView { user: ALICE, is_contact: false, phone: Some(phone(ALICE)) };
    assert_eq!(patched(&t, 3), &Ok(Response::Members(vec![only_alice])));
}

#[test]
fn s5_defaults_hide_the_number_from_strangers_and_let_anyone_find() {
    let t = play(vec![join(ALICE, LOBBY), join(BOB, LOBBY), query(ALICE, LOBBY, BOB), resolve(ALICE, phone(BOB))]);
    assert_eq!(shown_phone(patched(&t, 2)), None);
    assert_eq!(patched(&t, 3), &Ok(Response::Resolved { user: BOB }));
}

#[test]
fn s6_first_matching_rule_decides_and_no_match_denies() {
    let except_alice = vec![Rule::DisallowUsers(vec![ALICE]), Rule::AllowAll];
    let t = play(vec![
        join(ALICE, LOBBY),
        join(BOB, LOBBY),
        join(CAROL, LOBBY),
        set(BOB, PrivacyKey::PhoneNumber, except_alice),
        query(ALICE, LOBBY, BOB),
        query(CAROL, LOBBY, BOB),
        set(BOB, PrivacyKey::PhoneNumber, vec![Rule::AllowUsers(vec![CAROL])]),
        query(ALICE, LOBBY, BOB),
        query(CAROL, LOBBY, BOB),
        set(BOB, PrivacyKey::PhoneNumber, vec![]),
        query(CAROL, LOBBY, BOB),
    ]);
    assert_eq!(shown_phone(patched(&t, 4)), None);
    assert_eq!(shown_phone(patched(&t, 5)), Some(phone(BOB)));
    assert_eq!(shown_phone(patched(&t, 7)), None, "no rule matches alice: deny");
    assert_eq!(shown_phone(patched(&t, 8)), Some(phone(BOB)));
    assert_eq!(shown_phone(patched(&t, 10)), None, "an empty list denies everyone");
}

#[test]
fn s7_group_rules_follow_membership_at_the_moment_of_the_check() {
    let t = play(vec![
        join(ALICE, LOBBY),
        join(BOB, LOBBY),
        set(BOB, PrivacyKey::PhoneNumber, vec![Rule::AllowChatParticipants(vec![NEWS]), Rule::DisallowAll]),
        query(ALICE, LOBBY, BOB),
        join(ALICE, NEWS),
        query(ALICE, LOBBY, BOB),
        leave(ALICE, NEWS),
        query(ALICE, LOBBY, BOB),
    ]);
    assert_eq!(shown_phone(patched(&t, 3)), None);
    assert_eq!(shown_phone(patched(&t, 5)), Some(phone(BOB)));
    assert_eq!(shown_phone(patched(&t, 7)), None, "visibility ends with membership (knowledge does not)");
}

#[test]
fn s8_invalid_or_too_long_settings_are_refused_and_change_nothing() {
    let too_many_users: Vec<_> = (0..1001).map(|i| privdiff::world::ids::UserId(i % 4)).collect();
    let too_many_groups: Vec<_> = (0..21).map(|i| privdiff::world::ids::GroupId(i % 3)).collect();
    let most_users: Vec<_> = too_many_users[..1000].to_vec();
    let most_groups: Vec<_> = too_many_groups[..20].to_vec();
    let t = play(vec![
        set(BOB, PrivacyKey::AddedByPhone, nobody()),
        resolve(ALICE, phone(BOB)),
        set(BOB, PrivacyKey::PhoneNumber, vec![Rule::AllowUsers(too_many_users), Rule::DisallowAll]),
        set(BOB, PrivacyKey::PhoneNumber, vec![Rule::AllowChatParticipants(too_many_groups)]),
        set(BOB, PrivacyKey::AddedByPhone, vec![Rule::AllowContacts]),
        resolve(CAROL, phone(BOB)),
        set(BOB, PrivacyKey::PhoneNumber, vec![Rule::AllowUsers(most_users), Rule::DisallowAll]),
        set(BOB, PrivacyKey::PhoneNumber, vec![Rule::AllowChatParticipants(most_groups)]),
    ]);
    assert_eq!(patched(&t, 0), &Err(ErrorCode::PrivacyValueInvalid));
    assert_eq!(patched(&t, 1), &Ok(Response::Resolved { user: BOB }), "still Everybody");
    assert_eq!(patched(&t, 2), &Err(ErrorCode::PrivacyTooLong));
    assert_eq!(patched(&t, 3), &Err(ErrorCode::PrivacyTooLong));
    assert_eq!(patched(&t, 4), &Ok(Response::Done), "a lone AllowContacts is My Contacts");
    assert_eq!(patched(&t, 5), &Err(ErrorCode::PhoneNotOccupied));
    assert_eq!(patched(&t, 6), &Ok(Response::Done), "exactly 1,000 users is allowed");
    assert_eq!(patched(&t, 7), &Ok(Response::Done), "exactly 20 groups is allowed");
}

#[test]
fn s9_join_and_leave_change_who_may_look() {
    let t = play(vec![
        join(ALICE, LOBBY),
        join(BOB, LOBBY),
        query(ALICE, LOBBY, BOB),
        leave(BOB, LOBBY),
        query(ALICE, LOBBY, BOB),
    ]);
    assert!(patched(&t, 2).is_ok());
    assert_eq!(patched(&t, 4), &Err(ErrorCode::UserNotParticipant));
}

#[test]
fn s10_import_ignores_own_number_lists_matches_and_stores_the_rest() {
    let t = play(vec![import(ALICE, &[phone(ALICE), phone(BOB), NOBODYS])]);
    let expected = Response::Imported {
        matched: vec![ImportedContact { phone: phone(BOB), user: BOB }],
        unmatched: vec![NOBODYS],
    };
    assert_eq!(patched(&t, 0), &Ok(expected));
}

#[test]
fn s10_refused_match_answers_like_an_unregistered_number() {
    let t = play(vec![restrict_finding(BOB), import(ALICE, &[phone(BOB)]), import(ALICE, &[NOBODYS])]);
    assert_eq!(patched(&t, 1), &Ok(Response::Imported { matched: vec![], unmatched: vec![phone(BOB)] }));
    assert_eq!(patched(&t, 2), &Ok(Response::Imported { matched: vec![], unmatched: vec![NOBODYS] }));
}

#[test]
fn s11_add_contact_needs_a_shared_group_or_an_existing_entry() {
    let t = play(vec![
        add(ALICE, BOB, false),
        join(ALICE, LOBBY),
        join(BOB, LOBBY),
        add(ALICE, BOB, false),
        leave(BOB, LOBBY),
        add(ALICE, BOB, false),
        delete(ALICE, BOB),
        add(ALICE, BOB, false),
        add(ALICE, ALICE, false),
    ]);
    assert_eq!(patched(&t, 0), &Err(ErrorCode::ContactIdInvalid));
    assert_eq!(patched(&t, 3), &Ok(Response::Done));
    assert_eq!(patched(&t, 5), &Ok(Response::Done), "already in the address book");
    assert_eq!(patched(&t, 7), &Err(ErrorCode::ContactIdInvalid), "deleted and no shared group");
    assert_eq!(patched(&t, 8), &Err(ErrorCode::ContactIdInvalid), "one cannot add oneself");
}

#[test]
fn s11_share_phone_puts_an_exception_for_the_target_only() {
    let t = play(vec![
        join(ALICE, LOBBY),
        join(BOB, LOBBY),
        join(CAROL, LOBBY),
        hide_number(ALICE),
        add(ALICE, BOB, true),
        query(BOB, LOBBY, ALICE),
        query(CAROL, LOBBY, ALICE),
        delete(ALICE, BOB),
        query(BOB, LOBBY, ALICE),
    ]);
    assert_eq!(shown_phone(patched(&t, 5)), Some(phone(ALICE)));
    assert_eq!(shown_phone(patched(&t, 6)), None);
    assert_eq!(shown_phone(patched(&t, 8)), Some(phone(ALICE)), "the exception outlives the contact");
}

#[test]
fn s11_share_phone_is_judged_before_the_call() {
    // SPEC's revision: under alice's default My Contacts, bob is not yet
    // allowed before the call (he becomes a contact only by it), so he gets
    // a real exception, and keeps it after alice deletes him.
    let t = play(vec![
        join(ALICE, LOBBY),
        join(BOB, LOBBY),
        add(ALICE, BOB, true),
        query(BOB, LOBBY, ALICE),
        delete(ALICE, BOB),
        query(BOB, LOBBY, ALICE),
    ]);
    assert_eq!(shown_phone(patched(&t, 3)), Some(phone(ALICE)));
    assert_eq!(shown_phone(patched(&t, 5)), Some(phone(ALICE)), "the exception outlives the contact");
}

#[test]
fn s11_share_phone_adds_nothing_when_the_target_is_already_allowed() {
    // alice shows her number to #lobby; bob is in #lobby, so he is allowed
    // before the call and no exception is added: once he leaves #lobby he
    // no longer sees her number (they still share #news).
    let t = play(vec![
        join(ALICE, LOBBY),
        join(BOB, LOBBY),
        join(ALICE, NEWS),
        join(BOB, NEWS),
        set(ALICE, PrivacyKey::PhoneNumber, vec![Rule::AllowChatParticipants(vec![LOBBY]), Rule::DisallowAll]),
        add(ALICE, BOB, true),
        query(BOB, NEWS, ALICE),
        leave(BOB, LOBBY),
        query(BOB, NEWS, ALICE),
    ]);
    assert_eq!(shown_phone(patched(&t, 6)), Some(phone(ALICE)));
    assert_eq!(shown_phone(patched(&t, 8)), None, "no exception: the group rule alone allowed him");
}

#[test]
fn s12_delete_removes_the_entry_but_not_what_was_seen() {
    let t = play(vec![
        join(ALICE, LOBBY),
        join(BOB, LOBBY),
        import(ALICE, &[phone(BOB)]),
        query(ALICE, LOBBY, BOB),
        delete(ALICE, BOB),
        query(ALICE, LOBBY, BOB),
        restrict_finding(BOB),
        resolve(ALICE, phone(BOB)),
    ]);
    assert_eq!(shown_phone(patched(&t, 3)), Some(phone(BOB)), "saved number (S16)");
    assert_eq!(shown_phone(patched(&t, 5)), None, "entry gone");
    assert_eq!(patched(&t, 7), &Ok(Response::Resolved { user: BOB }), "alice still knows the link (S15, S17)");
    assert!(t.steps[7].learned("patched").is_empty(), "nothing new learned");
}

#[test]
fn s13_set_privacy_replaces_the_setting() {
    let t = play(vec![
        join(ALICE, LOBBY),
        join(BOB, LOBBY),
        set(BOB, PrivacyKey::PhoneNumber, everybody()),
        query(ALICE, LOBBY, BOB),
        set(BOB, PrivacyKey::PhoneNumber, nobody()),
        query(CAROL, LOBBY, BOB),
        join(CAROL, LOBBY),
        query(CAROL, LOBBY, BOB),
    ]);
    assert_eq!(patched(&t, 2), &Ok(Response::Done));
    assert_eq!(shown_phone(patched(&t, 3)), Some(phone(BOB)));
    assert_eq!(patched(&t, 5), &Err(ErrorCode::UserNotParticipant));
    assert_eq!(shown_phone(patched(&t, 7)), None);
}

#[test]
fn s14_looking_needs_both_in_the_group_and_lists_in_user_order() {
    let t = play(vec![
        join(BOB, LOBBY),
        list(ALICE, LOBBY),
        join(ALICE, LOBBY),
        query(ALICE, LOBBY, CAROL),
        join(CAROL, LOBBY),
        add(ALICE, CAROL, false),
        list(ALICE, LOBBY),
    ]);
    assert_eq!(patched(&t, 1), &Err(ErrorCode::UserNotParticipant));
    assert_eq!(patched(&t, 3), &Err(ErrorCode::UserNotParticipant));
    let views = vec![
        MemberView { user: ALICE, is_contact: false, phone: Some(phone(ALICE)) },
        MemberView { user: BOB, is_contact: false, phone: None },
        MemberView { user: CAROL, is_contact: true, phone: None },
    ];
    assert_eq!(patched(&t, 6), &Ok(Response::Members(views)));
}

#[test]
fn s14_resolving_ones_own_number_finds_oneself() {
    let t = play(vec![restrict_finding(ALICE), resolve(ALICE, phone(ALICE))]);
    assert_eq!(patched(&t, 1), &Ok(Response::Resolved { user: ALICE }));
}

#[test]
fn s15_legacy_matches_anyone_patched_honours_find_me() {
    let t = play(vec![restrict_finding(BOB), resolve(ALICE, phone(BOB)), import(ALICE, &[phone(BOB)])]);
    assert_eq!(legacy(&t, 1), &Ok(Response::Resolved { user: BOB }));
    assert_eq!(patched(&t, 1), &Err(ErrorCode::PhoneNotOccupied));
    assert_eq!(matched_users(legacy(&t, 2)), vec![BOB]);
    assert_eq!(matched_users(patched(&t, 2)), vec![]);
}

#[test]
fn s15_patched_matches_when_the_number_is_already_visible() {
    // bob's number is visible to alice (exception), so finding him by it
    // reveals nothing new, whatever his find setting says.
    let t = play(vec![
        restrict_finding(BOB),
        set(BOB, PrivacyKey::PhoneNumber, vec![Rule::AllowUsers(vec![ALICE]), Rule::DisallowAll]),
        import(ALICE, &[phone(BOB)]),
        resolve(CAROL, phone(BOB)),
    ]);
    assert_eq!(matched_users(patched(&t, 2)), vec![BOB]);
    assert_eq!(patched(&t, 3), &Err(ErrorCode::PhoneNotOccupied));
}

#[test]
fn s15_patched_matches_when_the_find_rule_allows_contacts() {
    // bob restricts finding to his contacts; alice is one.
    let t = play(vec![
        join(ALICE, LOBBY),
        join(BOB, LOBBY),
        add(BOB, ALICE, false),
        hide_number(BOB),
        restrict_finding(BOB),
        resolve(ALICE, phone(BOB)),
        resolve(CAROL, phone(BOB)),
    ]);
    assert_eq!(patched(&t, 5), &Ok(Response::Resolved { user: BOB }));
    assert_eq!(patched(&t, 6), &Err(ErrorCode::PhoneNotOccupied));
}

#[test]
fn s16_visibility_own_number_allowed_viewer_or_saved_entry() {
    let t = play(vec![
        join(ALICE, LOBBY),
        join(BOB, LOBBY),
        query(ALICE, LOBBY, ALICE),
        add(ALICE, BOB, false),
        query(ALICE, LOBBY, BOB),
        import(ALICE, &[phone(BOB)]),
        query(ALICE, LOBBY, BOB),
    ]);
    assert_eq!(shown_phone(patched(&t, 2)), Some(phone(ALICE)));
    assert_eq!(shown_phone(patched(&t, 4)), None, "an entry without a number reveals nothing");
    assert_eq!(shown_phone(patched(&t, 6)), Some(phone(BOB)));
}

#[test]
fn s17_links_are_learned_from_imports_resolves_and_views_and_never_forgotten() {
    let t = play(vec![
        join(ALICE, LOBBY),
        join(BOB, LOBBY),
        join(CAROL, LOBBY),
        resolve(ALICE, phone(BOB)),
        set(CAROL, PrivacyKey::PhoneNumber, everybody()),
        list(ALICE, LOBBY),
        import(DAVE, &[phone(CAROL)]),
        set(CAROL, PrivacyKey::PhoneNumber, nobody()),
        restrict_finding(CAROL),
        resolve(DAVE, phone(CAROL)),
    ]);
    let link = |u| Link { user: u, phone: phone(u) };
    assert_eq!(t.steps[3].learned("patched"), vec![link(BOB)]);
    assert_eq!(t.steps[5].learned("patched"), vec![link(CAROL)], "bob stays hidden; alice's own link never counts");
    assert_eq!(t.steps[6].learned("patched"), vec![link(CAROL)]);
    assert_eq!(patched(&t, 9), &Ok(Response::Resolved { user: CAROL }), "dave still knows carol");
}

#[test]
fn inv1_legacy_breach_is_counted_patched_has_none() {
    let t = play(vec![hide_number(BOB), restrict_finding(BOB), import(ALICE, &[phone(BOB)])]);
    assert_eq!(t.steps[2].legacy_breaches.len(), 1);
    assert_eq!(t.steps[2].legacy_breaches[0].viewer, ALICE);
    assert_eq!(t.verdict, Verdict::Pass { steps: 3, legacy_breaches: 1, loophole_steps: 1 });
}

#[test]
fn inv1_finding_allowed_by_the_find_rule_is_no_breach() {
    // Default find rule Everybody: matching by a supplied number is (b).
    let t = play(vec![hide_number(BOB), import(ALICE, &[phone(BOB)])]);
    assert!(t.steps[1].legacy_breaches.is_empty());
    assert_eq!(t.steps[1].learned("patched").len(), 1);
}

#[test]
fn inv2_every_link_shown_is_the_users_own_number() {
    let world = privdiff::oracle::judge::Judge::new(&privdiff::world::World::from_config(&world()));
    let good = Ok(Response::Resolved { user: BOB });
    assert_eq!(privdiff::oracle::checks::wrong_number(&world, &resolve(ALICE, phone(BOB)), &good), None);
    let wrong = Link { user: CAROL, phone: phone(BOB) };
    let bad = Ok(Response::Resolved { user: CAROL });
    assert_eq!(privdiff::oracle::checks::wrong_number(&world, &resolve(ALICE, phone(BOB)), &bad), Some(wrong));
}

#[test]
fn inv3_refused_resolve_and_import_look_like_unregistered_numbers() {
    let t = play(vec![
        restrict_finding(BOB),
        resolve(ALICE, phone(BOB)),
        resolve(ALICE, NOBODYS),
        import(ALICE, &[phone(BOB), NOBODYS]),
    ]);
    assert_eq!(patched(&t, 1), patched(&t, 2));
    assert_eq!(patched(&t, 3), &Ok(Response::Imported { matched: vec![], unmatched: vec![phone(BOB), NOBODYS] }));
    let world = privdiff::oracle::judge::Judge::new(&privdiff::world::World::from_config(&world()));
    let tells = Err(ErrorCode::UserPrivacyRestricted);
    assert!(privdiff::oracle::checks::existence_oracle(&world, &resolve(ALICE, phone(BOB)), &tells).is_some());
    let drops = Ok(Response::Imported { matched: vec![], unmatched: vec![NOBODYS] });
    let why =
        privdiff::oracle::checks::existence_oracle(&world, &import(ALICE, &[phone(BOB), NOBODYS]), &drops).unwrap();
    assert!(why.contains("(missing: [+852 5100 0002])"), "{why}");
    let carol = ImportedContact { phone: phone(CAROL), user: CAROL };
    let drops = Ok(Response::Imported { matched: vec![carol], unmatched: vec![NOBODYS] });
    let why = privdiff::oracle::checks::existence_oracle(
        &world,
        &import(ALICE, &[phone(BOB), phone(CAROL), NOBODYS]),
        &drops,
    );
    assert!(why.unwrap().contains("(missing: [+852 5100 0002])"), "only bob is missing");
    let fails = Err(ErrorCode::UserPrivacyRestricted);
    let why = privdiff::oracle::checks::existence_oracle(&world, &import(ALICE, &[phone(BOB)]), &fails).unwrap();
    assert!(why.starts_with("the import failed with USER_PRIVACY_RESTRICTED"), "{why}");
    let found = Ok(Response::Resolved { user: BOB });
    assert_eq!(privdiff::oracle::checks::existence_oracle(&world, &resolve(ALICE, phone(BOB)), &found), None);
}

#[test]
fn d1_d2_models_agree_with_their_reference_at_every_step() {
    let t = play(vec![
        join(ALICE, LOBBY),
        join(BOB, LOBBY),
        restrict_finding(BOB),
        import(ALICE, &[phone(BOB)]),
        list(ALICE, LOBBY),
    ]);
    for s in &t.steps {
        assert_eq!(s.outcome("patched"), Some(&s.reference.patched), "D-1 at step {}", s.index);
        assert_eq!(s.outcome("legacy"), Some(&s.reference.legacy), "D-2 at step {}", s.index);
    }
}

#[test]
fn d3_patched_never_breaches_in_the_hong_kong_pattern() {
    let t = play(vec![
        join(ALICE, LOBBY),
        join(BOB, LOBBY),
        hide_number(BOB),
        restrict_finding(BOB),
        import(ALICE, &[phone(BOB)]),
        list(ALICE, LOBBY),
    ]);
    assert!(t.steps.iter().all(|s| s.failures.is_empty()));
    let Ok(Response::Members(views)) = patched(&t, 5) else { panic!("expected a member list") };
    assert_eq!(views[1], MemberView { user: BOB, is_contact: false, phone: None });
    let Ok(Response::Members(views)) = legacy(&t, 5) else { panic!("expected a member list") };
    assert_eq!(views[1], MemberView { user: BOB, is_contact: true, phone: Some(phone(BOB)) });
}

#[test]
fn d4_loophole_then_its_consequences_are_the_only_divergence() {
    // Legacy matches bob for alice (the loophole); afterwards bob is alice's
    // contact only in legacy, so AddContact and is_contact differ too.
    let t = play(vec![
        restrict_finding(BOB),
        join(ALICE, LOBBY),
        join(BOB, LOBBY),
        list(ALICE, LOBBY),
        import(ALICE, &[phone(BOB)]),
        leave(BOB, LOBBY),
        add(ALICE, BOB, false),
    ]);
    assert_eq!(t.steps[3].divergence, None);
    assert_eq!(t.steps[4].divergence, Some(Divergence::Loophole));
    assert_eq!(t.steps[6].divergence, Some(Divergence::LoopholeConsequence));
    assert_eq!(legacy(&t, 6), &Ok(Response::Done));
    assert_eq!(patched(&t, 6), &Err(ErrorCode::ContactIdInvalid));
}

#[test]
fn d4_equal_eras_without_find_restrictions() {
    // Nobody restricts finding: the eras must answer identically.
    let t = play(vec![
        join(ALICE, LOBBY),
        join(BOB, LOBBY),
        hide_number(BOB),
        import(ALICE, &[phone(BOB), phone(CAROL)]),
        list(ALICE, LOBBY),
        resolve(DAVE, phone(BOB)),
        Op::AddContact { owner: ALICE, target: BOB, share_phone: true },
    ]);
    assert!(t.steps.iter().all(|s| s.outcome("legacy") == s.outcome("patched") && s.divergence.is_none()));
}

#[test]
fn s15_s17_a_number_seen_in_a_member_list_counts_as_known() {
    // bob lets alice see his number, she sees it in #lobby, then he hides
    // it and restricts finding: she still matches him (she knows the link),
    // carol, who never saw it, does not.
    let t = play(vec![
        join(ALICE, LOBBY),
        join(BOB, LOBBY),
        set(BOB, PrivacyKey::PhoneNumber, vec![Rule::AllowUsers(vec![ALICE]), Rule::DisallowAll]),
        query(ALICE, LOBBY, BOB),
        hide_number(BOB),
        restrict_finding(BOB),
        resolve(ALICE, phone(BOB)),
        resolve(CAROL, phone(BOB)),
    ]);
    assert_eq!(shown_phone(patched(&t, 3)), Some(phone(BOB)));
    assert_eq!(patched(&t, 6), &Ok(Response::Resolved { user: BOB }));
    assert_eq!(patched(&t, 7), &Err(ErrorCode::PhoneNotOccupied));
}

/// S1: ids outside the world are refused by every implementation (a
/// hand-written case could name one), never a panic.
#[test]
fn s1_users_and_groups_outside_the_world_are_refused() {
    use privdiff::models::implementation::Implementation;
    use privdiff::models::server::{LegacyServer, PatchedServer};
    use privdiff::world::ids::{GroupId, UserId};
    use privdiff::world::Era;
    let world = privdiff::world::World::from_config(&world());
    let stranger = UserId(4);
    let nowhere = GroupId(3);
    let (peer, channel) = (ErrorCode::PeerIdInvalid, ErrorCode::ChannelInvalid);
    // Every operation kind, with the stranger in each user position and the
    // missing group in each group position.
    let cases = [
        (join(stranger, LOBBY), peer),
        (join(ALICE, nowhere), channel),
        (leave(stranger, LOBBY), peer),
        (leave(ALICE, nowhere), channel),
        (import(stranger, &[phone(BOB)]), peer),
        (add(ALICE, stranger, false), peer),
        (add(stranger, ALICE, true), peer),
        (delete(ALICE, stranger), peer),
        (delete(stranger, ALICE), peer),
        (hide_number(stranger), peer),
        (query(ALICE, LOBBY, stranger), peer),
        (query(stranger, LOBBY, ALICE), peer),
        (query(ALICE, nowhere, BOB), channel),
        (list(stranger, LOBBY), peer),
        (list(ALICE, nowhere), channel),
        (resolve(stranger, phone(BOB)), peer),
    ];
    let (ops, expected): (Vec<Op>, Vec<ErrorCode>) = cases.into_iter().unzip();
    for era in [Era::Legacy, Era::Patched] {
        let server: Box<dyn Implementation> = match era {
            Era::Legacy => Box::new(LegacyServer::default()),
            Era::Patched => Box::new(PatchedServer::default()),
        };
        let mut models: Vec<Box<dyn Implementation>> =
            vec![server, Box::new(privdiff::models::reference::Reference::new(era))];
        for m in &mut models {
            m.reset(&world).unwrap();
            for (op, code) in ops.iter().zip(expected.iter().copied()) {
                let mut out = privdiff::world::response::Slot::default();
                m.apply(op, &mut out).unwrap();
                assert_eq!(out.outcome(), &Err(code), "{era} {op}");
            }
        }
    }
}

/// S6 with user lists longer than a fuzz world allows (fuzz worlds hold at
/// most 8 users, so every list there is short): in a 12-user world, alice
/// lists all 11 others in an AllowUsers before DisallowAll, and each of
/// them sees her number; carol lists 10 users in a DisallowUsers before
/// AllowAll, and only bob, the one left out, sees hers. Every listed user
/// is checked, the last one included, so a lookup that misses an end of a
/// long list fails here.
#[test]
fn s6_long_user_lists_match_every_listed_user() {
    use privdiff::oracle::engine::Engine;
    use privdiff::world::ids::UserId;
    use privdiff::world::World;
    let n = 12u32;
    let world = World { phones: (0..n).map(|i| UserId(i).planned_phone()).collect(), groups: 1, unowned: vec![] };
    let others: Vec<UserId> = (1..n).map(UserId).collect();
    let mut ops = vec![
        set(ALICE, PrivacyKey::PhoneNumber, vec![Rule::AllowUsers(others.clone()), Rule::DisallowAll]),
        set(
            CAROL,
            PrivacyKey::PhoneNumber,
            vec![Rule::DisallowUsers((3..n).chain([0]).map(UserId).collect()), Rule::AllowAll],
        ),
    ];
    ops.extend((0..n).map(|i| join(UserId(i), LOBBY)));
    let first_query = ops.len();
    ops.extend(others.iter().map(|&v| query(v, LOBBY, ALICE)));
    ops.extend((0..n).filter(|&i| i != 2).map(|i| query(UserId(i), LOBBY, CAROL)));
    let t = Engine::standard().trace_in(&world, &ops);
    assert!(matches!(t.verdict, Verdict::Pass { .. }), "{:?}", t.verdict);
    for (k, &viewer) in others.iter().enumerate() {
        let out = t.steps[first_query + k].outcome("patched").expect("patched answered");
        assert_eq!(shown_phone(out), Some(phone(ALICE)), "{viewer:?} is listed by alice");
    }
    let carol_views = &t.steps[first_query + others.len()..];
    for step in carol_views {
        let Op::QueryMember { viewer, .. } = step.op else { panic!("a query") };
        let shown = shown_phone(step.outcome("patched").expect("patched answered"));
        let expected = if viewer == BOB { Some(phone(CAROL)) } else { None };
        assert_eq!(shown, expected, "{viewer:?} and carol's DisallowUsers list");
    }
}

/// SPEC's rules have no size but S8's: a world far beyond a fuzz world's
/// 8 users, with lists and groups at S8's scale, runs through the whole
/// engine and passes, and the rules hold at that size (fuzz worlds and
/// the explorer cannot reach any of this):
/// - S11: `share_phone` puts `AllowUsers({bob})` in front of a list that
///   already names 1,000 users, so bob sees alice's number;
/// - S7: a group rule matches in a group of 1,050 members;
/// - S15: an import of 150 numbers still asks every owner's "who can find
///   me" (dave, who restricts it, is not matched in patched).
#[test]
fn rules_hold_at_s8_scale_in_a_world_of_1100_users() {
    use privdiff::oracle::engine::Engine;
    use privdiff::world::ids::{GroupId, UserId};
    use privdiff::world::World;
    let n = 1100u32;
    let (erin, news) = (UserId(4), GroupId(1));
    let world = World { phones: (0..n).map(|i| UserId(i).planned_phone()).collect(), groups: 2, unowned: vec![] };
    let listed: Vec<UserId> = (100..1100).map(UserId).collect();
    assert_eq!(listed.len(), privdiff::world::privacy::MAX_RULE_USERS);
    let mut ops = vec![
        set(ALICE, PrivacyKey::PhoneNumber, vec![Rule::AllowUsers(listed), Rule::DisallowAll]),
        join(ALICE, LOBBY),
        join(BOB, LOBBY),
        add(ALICE, BOB, true),
        query(BOB, LOBBY, ALICE),
        set(CAROL, PrivacyKey::PhoneNumber, vec![Rule::AllowChatParticipants(vec![news]), Rule::DisallowAll]),
        restrict_finding(DAVE),
    ];
    ops.extend((0..1050).map(|i| join(UserId(i), news)));
    let carol_seen = ops.len();
    ops.push(query(UserId(1040), news, CAROL));
    let phones: Vec<_> = (0..150).map(|i| UserId(i).planned_phone()).collect();
    let bulk = ops.len();
    ops.push(import(erin, &phones));
    let t = Engine::standard().trace_in(&world, &ops);
    assert!(matches!(t.verdict, Verdict::Pass { .. }), "{:?}", t.verdict);
    let shown = |i: usize| shown_phone(t.steps[i].outcome("patched").expect("patched answered"));
    assert_eq!(shown(4), Some(phone(ALICE)), "S11: bob is put in front of 1,000 named users");
    assert_eq!(shown(carol_seen), Some(phone(CAROL)), "S7: a member of a 1,050-member group");
    let matched = matched_users(t.steps[bulk].outcome("patched").expect("patched answered"));
    assert_eq!(matched.len(), 148, "every owner but dave (refused) and erin (her own number)");
    assert!(!matched.contains(&DAVE));
    assert!(matched_users(t.steps[bulk].outcome("legacy").expect("legacy answered")).contains(&DAVE));
}
