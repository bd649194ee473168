//! The 2019 enumeration attack at real scale: a public group of (by
//! default) 200,000 members drawn from a numbering plan, an attacker who
//! imports a batch of (by default) 10,000 numbers and lists the group, run
//! on the legacy and the patched server models.
//!
//! Members fall in three classes: those who show their number (Everybody),
//! those who hide it (Nobody), and hiders who also restrict "find me" to My
//! Contacts (after the patch each user had to switch that on). The report
//! counts, per era and class, how many were imported, matched and unmasked,
//! and checks INV-1 on every link the attacker learned; no reference runs
//! here (it is built for fuzz-sized worlds), so the model's own settings
//! judge INV-1 and the expected counts are derived from the configuration.

use serde::{Deserialize, Serialize};

use crate::gen::seed::SplitMix64;
use crate::models::implementation::Implementation;
use crate::models::server::{FindPolicy, Server};
use crate::models::server::{LegacyServer, PatchedServer};
use crate::oracle::checks::{Breach, Knowledge};
use crate::world::ids::{GroupId, Phone, UserId};
use crate::world::privacy::{everybody, my_contacts, nobody, PrivacyKey};
use crate::world::response::{links, Outcome, Response, Slot};
use crate::world::Era;
use crate::world::{Op, World};

/// First number of the plan members' numbers are drawn from.
pub const MEMBER_PLAN_BASE: u64 = 852_6000_0000;
/// First number of the plan of numbers that belong to nobody.
pub const SPARE_PLAN_BASE: u64 = 852_9000_0000;

/// The knobs of the scenario.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct ScenarioConfig {
    /// Members of the public group (the attacker is not counted).
    pub members: u32,
    /// Numbers the attacker imports.
    pub imports: u32,
    /// Share of members who hide their number (Nobody), 0..=1.
    pub hide_share: f64,
    /// Share of hiders who also restrict "find me" to My Contacts, 0..=1.
    pub restrict_share: f64,
    /// Share of imported numbers that are members' numbers, 0..=1; the
    /// rest belong to nobody.
    pub member_share: f64,
    /// Seed for who hides, who restricts and which numbers are imported.
    pub seed: u64,
}

impl Default for ScenarioConfig {
    /// The public record: 200,000 members, 10,000 imported numbers.
    fn default() -> Self {
        ScenarioConfig {
            members: 200_000,
            imports: 10_000,
            hide_share: 0.5,
            restrict_share: 0.5,
            member_share: 1.0,
            seed: 2019,
        }
    }
}

/// Why a configuration cannot be run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScenarioError {
    /// A share outside 0..=1.
    #[error("{name} must be between 0 and 1, got {value}")]
    Share {
        /// Which option.
        name: &'static str,
        /// The value given.
        value: f64,
    },
    /// More members than the numbering plan holds.
    #[error("members must be between 1 and {max} (the size of the numbering plan), got {got}")]
    Members {
        /// The largest supported count.
        max: u32,
        /// The value given.
        got: u32,
    },
    /// More imports than the numbering plan holds.
    #[error("imports must be at most {max}, got {got}")]
    Imports {
        /// The largest supported count.
        max: u32,
        /// The value given.
        got: u32,
    },
    /// The batch would hold more members' numbers than the group has
    /// members (imports × member share, rounded).
    #[error(
        "imports: {imports} numbers at member share {member_share} are {wanted} members' numbers, but the group has only {members} members; lower --imports or --member-share"
    )]
    ImportsAboveMembers {
        /// Numbers imported.
        imports: u32,
        /// The member share given.
        member_share: f64,
        /// Members' numbers that share asks for.
        wanted: u32,
        /// Members of the group.
        members: u32,
    },
    /// The patched model let the attacker learn a hidden number.
    #[error("INV-1 breach in the patched model: {} learned {}", .0.viewer, .0.link)]
    PatchedBreach(Breach),
}

/// What each member did with their settings.
#[derive(Serialize, Deserialize, Debug, Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum MemberClass {
    /// "Who can see my number": Everybody.
    ShowsNumber,
    /// "Who can see my number": Nobody; "find me": Everybody.
    HidesNumber,
    /// "Who can see my number": Nobody; "find me": My Contacts.
    HidesAndRestricts,
}

impl MemberClass {
    /// The three classes, in report order.
    pub const ALL: [MemberClass; 3] =
        [MemberClass::ShowsNumber, MemberClass::HidesNumber, MemberClass::HidesAndRestricts];

    fn index(self) -> usize {
        self as usize
    }
}

/// Counts for one class of members in one era.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClassCounts {
    /// Members of the class.
    pub members: u32,
    /// Their numbers in the attacker's batch.
    pub imported: u32,
    /// Of those, how many the import matched.
    pub matched: u32,
    /// Members whose number the attacker saw in the member list.
    pub number_shown: u32,
}

/// What the attack achieved in one era.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct EraReport {
    /// The era.
    pub era: Era,
    /// Numbers imported.
    pub imported: u32,
    /// Numbers the import matched to a user.
    pub matched: u32,
    /// Members who hide their number but whose number the attacker saw.
    pub unmasked: u32,
    /// Counts per member class, in [`MemberClass::ALL`] order.
    pub by_class: Vec<(MemberClass, ClassCounts)>,
    /// INV-1 breaches (the loophole); must be 0 for the patched era.
    pub inv1_breaches: u32,
}

/// The built scenario: the world and the operations, ready to run on any
/// model (or, at small sizes, through the lockstep runner).
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The world: user 0 is the attacker, users 1..=members the members.
    pub world: World,
    /// Everyone joins the group; members set their privacy.
    pub setup: Vec<Op>,
    /// The attacker's import.
    pub import: Op,
    /// The attacker lists the group.
    pub listing: Op,
    /// Each user's class (the attacker's entry is unused).
    pub classes: Vec<MemberClass>,
}

/// The attacker's user id.
pub const ATTACKER: UserId = UserId(0);
/// The public group.
pub const GROUP: GroupId = GroupId(0);

/// Largest member count the numbering plan supports.
pub const MAX_MEMBERS: u32 = 99_999_999;

/// Peak memory a run of the scenario takes per member, in bytes, measured
/// (about 335 MB at 1,000,000 members and 10,000 imports, both eras); a
/// generous round figure, used to refuse up front what cannot fit.
pub const BYTES_PER_MEMBER: u64 = 350;

fn check_share(name: &'static str, value: f64) -> Result<(), ScenarioError> {
    if (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        Err(ScenarioError::Share { name, value })
    }
}

impl ScenarioConfig {
    /// Checks the knobs without building anything: shares within 0..=1,
    /// member and import counts within the numbering plan.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        check_share("hide share", self.hide_share)?;
        check_share("restrict share", self.restrict_share)?;
        check_share("member share", self.member_share)?;
        if self.members == 0 || self.members > MAX_MEMBERS {
            return Err(ScenarioError::Members { max: MAX_MEMBERS, got: self.members });
        }
        if self.imports > MAX_MEMBERS {
            return Err(ScenarioError::Imports { max: MAX_MEMBERS, got: self.imports });
        }
        let wanted = self.member_numbers_imported();
        if wanted > self.members {
            return Err(ScenarioError::ImportsAboveMembers {
                imports: self.imports,
                member_share: self.member_share,
                wanted,
                members: self.members,
            });
        }
        Ok(())
    }

    /// How many of the imported numbers are members' numbers: imports ×
    /// member share, rounded (the rest belong to nobody).
    pub fn member_numbers_imported(&self) -> u32 {
        (f64::from(self.imports) * self.member_share).round() as u32
    }

    /// About how much memory a run of this configuration peaks at, in
    /// bytes ([`BYTES_PER_MEMBER`] a member).
    pub fn estimated_peak_bytes(&self) -> u64 {
        u64::from(self.members) * BYTES_PER_MEMBER
    }
}

impl Scenario {
    /// Builds the world and operations of `config`, deterministically.
    pub fn build(config: &ScenarioConfig) -> Result<Scenario, ScenarioError> {
        config.validate()?;
        let mut rng = SplitMix64::new(config.seed);
        let mut coin = |p: f64| ((rng.next_u64() >> 11) as f64) / ((1u64 << 53) as f64) < p;
        let n = config.members as usize + 1;
        let phones: Vec<Phone> = (0..n as u64).map(|i| Phone(MEMBER_PLAN_BASE + i)).collect();
        let mut classes = vec![MemberClass::ShowsNumber; n];
        let mut setup = Vec::with_capacity(n * 3);
        setup.push(Op::JoinGroup { user: ATTACKER, group: GROUP });
        for (i, class) in classes.iter_mut().enumerate().skip(1) {
            let user = UserId(i as u32);
            setup.push(Op::JoinGroup { user, group: GROUP });
            if coin(config.hide_share) {
                setup.push(Op::SetPrivacy { user, key: PrivacyKey::PhoneNumber, rules: nobody() });
                *class = if coin(config.restrict_share) {
                    setup.push(Op::SetPrivacy { user, key: PrivacyKey::AddedByPhone, rules: my_contacts() });
                    MemberClass::HidesAndRestricts
                } else {
                    MemberClass::HidesNumber
                };
            } else {
                setup.push(Op::SetPrivacy { user, key: PrivacyKey::PhoneNumber, rules: everybody() });
            }
        }
        // Which members' numbers are in the batch: a partial shuffle.
        let wanted = config.member_numbers_imported() as usize;
        let mut pool: Vec<u32> = (1..=config.members).collect();
        for k in 0..wanted {
            let j = k + (rng.next_u64() % (pool.len() - k) as u64) as usize;
            pool.swap(k, j);
        }
        let mut batch: Vec<Phone> = pool[..wanted].iter().map(|&i| phones[i as usize]).collect();
        let spare = config.imports as usize - wanted;
        batch.extend((0..spare as u64).map(|k| Phone(SPARE_PLAN_BASE + k)));
        // Interleave members' and spare numbers as an address book would.
        for k in (1..batch.len()).rev() {
            let j = (rng.next_u64() % (k as u64 + 1)) as usize;
            batch.swap(k, j);
        }
        let world = World { phones, groups: 1, unowned: Vec::new() };
        Ok(Scenario {
            world,
            setup,
            import: Op::ImportContacts { owner: ATTACKER, phones: batch },
            listing: Op::ListMembers { viewer: ATTACKER, group: GROUP },
            classes,
        })
    }

    /// Runs the scenario on a fresh model of `era` and reports; an INV-1
    /// breach in the patched era is an error.
    pub fn run(&self, era: Era) -> Result<EraReport, ScenarioError> {
        match era {
            Era::Legacy => self.run_on(&mut LegacyServer::new(&self.world)),
            Era::Patched => self.run_on(&mut PatchedServer::new(&self.world)),
        }
    }

    /// Runs the scenario on `model` and reports, judging INV-1 by the
    /// model's own settings.
    pub fn run_on(&self, model: &mut dyn ScaleModel) -> Result<EraReport, ScenarioError> {
        let mut scratch = Slot::default();
        for op in &self.setup {
            // Setup cannot fail on a correct model; a failure would show up
            // as wrong counts below, so the outcome is not needed here.
            let _ = model.apply(op, &mut scratch);
        }
        let mut knowledge = Knowledge::default();
        let (mut imported, mut listing) = (Slot::default(), Slot::default());
        let _ = model.apply(&self.import, &mut imported);
        let breaches_import = knowledge.observe(&|o, k, v| model.allows(o, k, v), &self.import, imported.outcome());
        let _ = model.apply(&self.listing, &mut listing);
        let breaches_list = knowledge.observe(&|o, k, v| model.allows(o, k, v), &self.listing, listing.outcome());
        let (imported, listing) = (imported.outcome(), listing.outcome());
        let breaches: Vec<Breach> = breaches_import.into_iter().chain(breaches_list).collect();
        if model.era() == Era::Patched {
            if let Some(b) = breaches.first() {
                return Err(ScenarioError::PatchedBreach(*b));
            }
        }
        Ok(self.count(model.era(), imported, listing, breaches.len() as u32))
    }

    fn count(&self, era: Era, imported: &Outcome, listing: &Outcome, inv1_breaches: u32) -> EraReport {
        let mut by_class = [ClassCounts::default(); 3];
        for class in &self.classes[1..] {
            by_class[class.index()].members += 1;
        }
        let owner_of = |p: Phone| -> Option<usize> {
            let i = p.0.checked_sub(MEMBER_PLAN_BASE)? as usize;
            (i < self.classes.len()).then_some(i)
        };
        if let Op::ImportContacts { phones, .. } = &self.import {
            for &p in phones {
                if let Some(i) = owner_of(p) {
                    by_class[self.classes[i].index()].imported += 1;
                }
            }
        }
        let mut matched = 0;
        if let Ok(Response::Imported { matched: m, .. }) = imported {
            matched = m.len() as u32;
            for c in m {
                by_class[self.classes[c.user.0 as usize].index()].matched += 1;
            }
        }
        for link in links(&self.listing, listing) {
            if link.user != ATTACKER {
                by_class[self.classes[link.user.0 as usize].index()].number_shown += 1;
            }
        }
        let unmasked = by_class[MemberClass::HidesNumber.index()].number_shown
            + by_class[MemberClass::HidesAndRestricts.index()].number_shown;
        let imported_count = match &self.import {
            Op::ImportContacts { phones, .. } => phones.len() as u32,
            _ => 0,
        };
        EraReport {
            era,
            imported: imported_count,
            matched,
            unmasked,
            by_class: MemberClass::ALL.iter().map(|c| (*c, by_class[c.index()])).collect(),
            inv1_breaches,
        }
    }
}

/// What the scale scenario needs of a model: answering operations, and its
/// own rule evaluation to count the attack's INV-1 breaches. At 200,000
/// members the judge's per-user books do not fit; the scenario measures the
/// attack's reach, the fuzz oracle judges correctness.
pub trait ScaleModel: Implementation {
    /// Whether `owner`'s setting `key` allows `viewer`, by the model itself.
    fn allows(&self, owner: UserId, key: PrivacyKey, viewer: UserId) -> bool;
}

impl<I: ScaleModel + 'static> ScaleModel for crate::models::implementation::Seated<I> {
    fn allows(&self, owner: UserId, key: PrivacyKey, viewer: UserId) -> bool {
        self.inner().allows(owner, key, viewer)
    }
}

impl<P: FindPolicy> ScaleModel for Server<P> {
    fn allows(&self, owner: UserId, key: PrivacyKey, viewer: UserId) -> bool {
        Server::allows(self, owner, key, viewer)
    }
}
