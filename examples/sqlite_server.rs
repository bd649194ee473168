//! A real implementation for privdiff to judge: a phone-privacy server that
//! keeps everything in SQLite and answers every operation with SQL, spoken
//! to over the JSON-lines protocol of `docs/PROTOCOL.md`.
//!
//! It exists to show that privdiff can fuzz a server it did not write (the
//! way a team would plug in its own service), and to give the planted bug of
//! `examples/sqlite_server.bug.patch` something realistic to live in.
//!
//! ```sh
//! cargo build --release --example sqlite_server
//! target/release/examples/sqlite_server [--era patched|legacy] [--name NAME]
//! ```
//!
//! Users, numbers, address-book entries (matched `contacts` and
//! `unmatched_entries`), groups, memberships, privacy rules (`rules` with
//! their `rule_users` and `rule_groups`) and knowledge (`known`, SPEC S17)
//! are tables of one in-memory database; `reset` empties them and loads the
//! new world. Every rule is evaluated in SQL (the `RULE_MATCHES` fragment:
//! the first matching rule by position decides, none denies; SPEC S6, S7).
//!
//! It follows SPEC S1-S17 with its second revision (S11's `share_phone` is
//! judged *before* the new entry exists), and the project's choices where
//! SPEC is silent (README): one's own number resolves to oneself and is
//! ignored by imports; adding oneself is `CONTACT_ID_INVALID`; `AddContact`
//! keeps an existing entry's saved number; deleting a non-contact succeeds;
//! S8 counts names as sent, size before value; imports list every number but
//! one's own; unmatched entries are never re-matched.

use std::io::{BufRead, BufWriter, Write};
use std::process::ExitCode;

use privdiff::models::protocol::{Reply, Request, WireWorld, PROTOCOL_VERSION};
use privdiff::world::{
    Era, ErrorCode, GroupId, ImportedContact, MemberView, Op, Outcome, Phone, PrivacyKey, Response, Rule, UserId,
};
use rusqlite::{named_params, params, Connection, OptionalExtension};

/// The schema, created once per process; `reset` empties the tables.
const SCHEMA: &str = "
CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, phone INTEGER NOT NULL UNIQUE);
CREATE TABLE groups_ (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE unowned_numbers (phone INTEGER PRIMARY KEY);
CREATE TABLE memberships (grp INTEGER NOT NULL, user INTEGER NOT NULL, PRIMARY KEY (grp, user)) WITHOUT ROWID;
CREATE INDEX memberships_by_user ON memberships (user, grp);
-- matched address-book entries (S3): contacts(owner) are their targets (S2)
CREATE TABLE contacts (owner INTEGER NOT NULL, target INTEGER NOT NULL, saved_phone INTEGER,
                       PRIMARY KEY (owner, target)) WITHOUT ROWID;
CREATE TABLE unmatched_entries (owner INTEGER NOT NULL, phone INTEGER NOT NULL);
-- key 0 = PhoneNumber, 1 = AddedByPhone; kind 0 = all, 1 = contacts, 2 = users, 3 = groups
CREATE TABLE rules (owner INTEGER NOT NULL, key INTEGER NOT NULL, pos INTEGER NOT NULL,
                    kind INTEGER NOT NULL, allow INTEGER NOT NULL, PRIMARY KEY (owner, key, pos)) WITHOUT ROWID;
CREATE TABLE rule_users (owner INTEGER NOT NULL, key INTEGER NOT NULL, pos INTEGER NOT NULL, user INTEGER NOT NULL,
                         PRIMARY KEY (owner, key, pos, user)) WITHOUT ROWID;
CREATE TABLE rule_groups (owner INTEGER NOT NULL, key INTEGER NOT NULL, pos INTEGER NOT NULL, grp INTEGER NOT NULL,
                          PRIMARY KEY (owner, key, pos, grp)) WITHOUT ROWID;
-- S17: viewer has been shown user's number
CREATE TABLE known (viewer INTEGER NOT NULL, user INTEGER NOT NULL, PRIMARY KEY (viewer, user)) WITHOUT ROWID;
";

const RESET: &str = "
DELETE FROM users; DELETE FROM groups_; DELETE FROM unowned_numbers; DELETE FROM memberships;
DELETE FROM contacts; DELETE FROM unmatched_entries; DELETE FROM rules; DELETE FROM rule_users;
DELETE FROM rule_groups; DELETE FROM known;
";

/// S5 defaults, for every user: PhoneNumber = My Contacts, AddedByPhone = Everybody.
const DEFAULT_RULES: &str = "
INSERT INTO rules (owner, key, pos, kind, allow) SELECT id, 0, 0, 1, 1 FROM users;
INSERT INTO rules (owner, key, pos, kind, allow) SELECT id, 0, 1, 0, 0 FROM users;
INSERT INTO rules (owner, key, pos, kind, allow) SELECT id, 1, 0, 0, 1 FROM users;
";

/// Whether rule `r` (of owner `r.owner`) matches the viewer `:viewer` (S6,
/// S7: group rules look at membership now).
const RULE_MATCHES: &str = "(
       r.kind = 0
    OR (r.kind = 1 AND EXISTS (SELECT 1 FROM contacts c WHERE c.owner = r.owner AND c.target = :viewer))
    OR (r.kind = 2 AND EXISTS (SELECT 1 FROM rule_users ru
                               WHERE ru.owner = r.owner AND ru.key = r.key AND ru.pos = r.pos AND ru.user = :viewer))
    OR (r.kind = 3 AND EXISTS (SELECT 1 FROM rule_groups rg JOIN memberships m ON m.grp = rg.grp
                               WHERE rg.owner = r.owner AND rg.key = r.key AND rg.pos = r.pos AND m.user = :viewer)))";

/// SQL for "`owner`'s setting `key` allows `:viewer`" as a 0/1 expression:
/// the first matching rule decides; no match denies (S6).
fn allows_expr(owner: &str, key: u8) -> String {
    format!(
        "COALESCE((SELECT r.allow FROM rules r WHERE r.owner = {owner} AND r.key = {key} AND {RULE_MATCHES} \
         ORDER BY r.pos LIMIT 1), 0)"
    )
}

/// The statements that embed the rule fragment, built once.
struct Sql {
    /// `:owner`'s PhoneNumber allows `:viewer`.
    allows_phone: String,
    /// S15 patched: AddedByPhone allows, or PhoneNumber allows, or known.
    find: String,
    /// S14/S16: the members of `:grp` as `:viewer` sees them, in user order.
    members: String,
    /// The same for one `:member`.
    member: String,
}

impl Sql {
    fn new() -> Sql {
        let view = format!(
            "SELECT u.id, u.phone,
                    u.id = :viewer OR {} OR EXISTS (SELECT 1 FROM contacts c
                        WHERE c.owner = :viewer AND c.target = u.id AND c.saved_phone = u.phone),
                    EXISTS (SELECT 1 FROM contacts c WHERE c.owner = :viewer AND c.target = u.id)
             FROM memberships m JOIN users u ON u.id = m.user WHERE m.grp = :grp",
            allows_expr("u.id", 0)
        );
        Sql {
            allows_phone: format!("SELECT {}", allows_expr(":owner", 0)),
            find: format!(
                "SELECT {} OR {} OR EXISTS (SELECT 1 FROM known k WHERE k.viewer = :viewer AND k.user = :owner)",
                allows_expr(":owner", 1),
                allows_expr(":owner", 0)
            ),
            members: format!("{view} ORDER BY u.id"),
            member: format!("{view} AND u.id = :member"),
        }
    }
}

/// Anything that stops the server: SQLite failing, or a request it cannot read.
#[derive(Debug)]
enum Fatal {
    Sql(rusqlite::Error),
    Io(std::io::Error),
    Request(String),
}

impl From<rusqlite::Error> for Fatal {
    fn from(e: rusqlite::Error) -> Fatal {
        Fatal::Sql(e)
    }
}

impl From<std::io::Error> for Fatal {
    fn from(e: std::io::Error) -> Fatal {
        Fatal::Io(e)
    }
}

impl std::fmt::Display for Fatal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fatal::Sql(e) => write!(f, "sqlite: {e}"),
            Fatal::Io(e) => write!(f, "io: {e}"),
            Fatal::Request(e) => write!(f, "cannot read request: {e}"),
        }
    }
}

struct Server {
    db: Connection,
    sql: Sql,
    era: Era,
}

fn uid(u: UserId) -> i64 {
    i64::from(u.0)
}

fn gid(g: GroupId) -> i64 {
    i64::from(g.0)
}

fn num(p: Phone) -> i64 {
    // S1 numbers have at most 15 digits: they fit.
    i64::try_from(p.0).unwrap_or(i64::MAX)
}

fn key_code(k: PrivacyKey) -> u8 {
    match k {
        PrivacyKey::PhoneNumber => 0,
        PrivacyKey::AddedByPhone => 1,
    }
}

/// S8, as `account.setPrivacy` checks it: sizes first, then the values
/// `AddedByPhone` accepts.
fn validate(key: PrivacyKey, rules: &[Rule]) -> Result<(), ErrorCode> {
    let (mut users, mut groups) = (0usize, 0usize);
    for rule in rules {
        match rule {
            Rule::AllowUsers(l) | Rule::DisallowUsers(l) => users += l.len(),
            Rule::AllowChatParticipants(l) | Rule::DisallowChatParticipants(l) => groups += l.len(),
            Rule::AllowAll | Rule::DisallowAll | Rule::AllowContacts | Rule::DisallowContacts => {}
        }
    }
    if users > 1000 || groups > 20 {
        return Err(ErrorCode::PrivacyTooLong);
    }
    let accepted = matches!(rules, [Rule::AllowAll] | [Rule::AllowContacts] | [Rule::AllowContacts, Rule::DisallowAll]);
    if key == PrivacyKey::AddedByPhone && !accepted {
        return Err(ErrorCode::PrivacyValueInvalid);
    }
    Ok(())
}

/// An operation's result: the outcome, or the server breaking down.
type Step = Result<Outcome, Fatal>;

impl Server {
    fn open(era: Era) -> Result<Server, Fatal> {
        let db = Connection::open_in_memory()?;
        db.set_prepared_statement_cache_capacity(64);
        db.execute_batch(SCHEMA)?;
        Ok(Server { db, sql: Sql::new(), era })
    }

    /// The protocol's optional digest: every row of every table that
    /// answers read, in key order, hashed (XXH3-128). Equal tables, equal
    /// digest, whatever the order the rows were written in.
    fn digest(&self) -> Result<u128, Fatal> {
        const TABLES: [&str; 7] = [
            "SELECT grp, user, 0 FROM memberships ORDER BY 1, 2",
            "SELECT owner, target, COALESCE(saved_phone, -1) FROM contacts ORDER BY 1, 2",
            "SELECT owner, phone, COUNT(*) > 0 FROM unmatched_entries GROUP BY 1, 2 ORDER BY 1, 2",
            "SELECT owner * 2 + key, pos, kind * 2 + allow FROM rules ORDER BY 1, 2",
            "SELECT owner * 2 + key, pos, user FROM rule_users ORDER BY 1, 2, 3",
            "SELECT owner * 2 + key, pos, grp FROM rule_groups ORDER BY 1, 2, 3",
            "SELECT viewer, user, 0 FROM known ORDER BY 1, 2",
        ];
        let mut bytes = Vec::new();
        for (t, sql) in TABLES.iter().enumerate() {
            bytes.extend_from_slice(&(t as u64).to_le_bytes());
            let mut stmt = self.db.prepare_cached(sql)?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                for i in 0..3 {
                    bytes.extend_from_slice(&row.get::<_, i64>(i)?.to_le_bytes());
                }
            }
        }
        Ok(xxhash_rust::xxh3::xxh3_128(&bytes))
    }

    fn reset(&mut self, world: &WireWorld) -> Result<(), Fatal> {
        let tx = self.db.transaction()?;
        tx.execute_batch(RESET)?;
        {
            let mut add_user = tx.prepare_cached("INSERT INTO users (id, name, phone) VALUES (?1, ?2, ?3)")?;
            for u in &world.users {
                add_user.execute(params![uid(u.user), u.user.name(), num(u.phone)])?;
            }
            let mut add_group = tx.prepare_cached("INSERT INTO groups_ (id, name) VALUES (?1, ?2)")?;
            for g in &world.groups {
                add_group.execute(params![gid(*g), g.name()])?;
            }
            let mut add_number = tx.prepare_cached("INSERT OR IGNORE INTO unowned_numbers (phone) VALUES (?1)")?;
            for p in &world.unowned {
                add_number.execute(params![num(*p)])?;
            }
        }
        tx.execute_batch(DEFAULT_RULES)?;
        tx.commit()?;
        Ok(())
    }

    fn one_bool(&self, sql: &str, p: impl rusqlite::Params) -> Result<bool, Fatal> {
        Ok(self.db.prepare_cached(sql)?.query_row(p, |r| r.get::<_, bool>(0))?)
    }

    fn user_exists(&self, u: UserId) -> Result<bool, Fatal> {
        self.one_bool("SELECT EXISTS (SELECT 1 FROM users WHERE id = ?1)", params![uid(u)])
    }

    fn group_exists(&self, g: GroupId) -> Result<bool, Fatal> {
        self.one_bool("SELECT EXISTS (SELECT 1 FROM groups_ WHERE id = ?1)", params![gid(g)])
    }

    fn is_member(&self, g: GroupId, u: UserId) -> Result<bool, Fatal> {
        self.one_bool("SELECT EXISTS (SELECT 1 FROM memberships WHERE grp = ?1 AND user = ?2)", params![gid(g), uid(u)])
    }

    fn user_by_phone(&self, p: Phone) -> Result<Option<UserId>, Fatal> {
        let id: Option<u32> = self
            .db
            .prepare_cached("SELECT id FROM users WHERE phone = ?1")?
            .query_row(params![num(p)], |r| r.get(0))
            .optional()?;
        Ok(id.map(UserId))
    }

    fn phone_of(&self, u: UserId) -> Result<Option<i64>, Fatal> {
        Ok(self
            .db
            .prepare_cached("SELECT phone FROM users WHERE id = ?1")?
            .query_row(params![uid(u)], |r| r.get(0))
            .optional()?)
    }

    /// S15: does `viewer`, supplying `target`'s number, match `target`?
    fn may_find(&self, viewer: UserId, target: UserId) -> Result<bool, Fatal> {
        match self.era {
            Era::Legacy => Ok(true),
            Era::Patched => {
                self.one_bool(&self.sql.find, named_params! {":owner": uid(target), ":viewer": uid(viewer)})
            }
        }
    }

    fn learn(&self, viewer: UserId, user: UserId) -> Result<(), Fatal> {
        if viewer != user {
            self.db
                .prepare_cached("INSERT OR IGNORE INTO known (viewer, user) VALUES (?1, ?2)")?
                .execute(params![uid(viewer), uid(user)])?;
        }
        Ok(())
    }

    /// Member views of `viewer` in `group` (one member, or all), learning
    /// every number shown (S14, S16, S17).
    fn views(&self, viewer: UserId, group: GroupId, member: Option<UserId>) -> Result<Vec<MemberView>, Fatal> {
        let rows: Vec<(u32, i64, bool, bool)> = {
            let map = |r: &rusqlite::Row<'_>| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?));
            match member {
                Some(m) => self
                    .db
                    .prepare_cached(&self.sql.member)?
                    .query_map(named_params! {":viewer": uid(viewer), ":grp": gid(group), ":member": uid(m)}, map)?
                    .collect::<Result<_, _>>()?,
                None => self
                    .db
                    .prepare_cached(&self.sql.members)?
                    .query_map(named_params! {":viewer": uid(viewer), ":grp": gid(group)}, map)?
                    .collect::<Result<_, _>>()?,
            }
        };
        let mut views = Vec::with_capacity(rows.len());
        for (id, phone, visible, is_contact) in rows {
            let user = UserId(id);
            if visible {
                self.learn(viewer, user)?;
            }
            let phone = visible.then(|| Phone(u64::try_from(phone).unwrap_or(0)));
            views.push(MemberView { user, is_contact, phone });
        }
        Ok(views)
    }

    fn apply(&mut self, op: &Op) -> Step {
        self.db.prepare_cached("BEGIN")?.execute([])?;
        let outcome = self.answer(op);
        self.db.prepare_cached("COMMIT")?.execute([])?;
        outcome
    }

    fn answer(&mut self, op: &Op) -> Step {
        macro_rules! require {
            ($cond:expr, $code:expr) => {
                if !$cond {
                    return Ok(Err($code));
                }
            };
        }
        match op {
            // S4, S9: membership is a set.
            Op::JoinGroup { user, group } => {
                require!(self.user_exists(*user)?, ErrorCode::PeerIdInvalid);
                require!(self.group_exists(*group)?, ErrorCode::ChannelInvalid);
                let added = self
                    .db
                    .prepare_cached("INSERT OR IGNORE INTO memberships (grp, user) VALUES (?1, ?2)")?
                    .execute(params![gid(*group), uid(*user)])?;
                require!(added == 1, ErrorCode::UserAlreadyParticipant);
                Ok(Ok(Response::Done))
            }
            Op::LeaveGroup { user, group } => {
                require!(self.user_exists(*user)?, ErrorCode::PeerIdInvalid);
                require!(self.group_exists(*group)?, ErrorCode::ChannelInvalid);
                let removed = self
                    .db
                    .prepare_cached("DELETE FROM memberships WHERE grp = ?1 AND user = ?2")?
                    .execute(params![gid(*group), uid(*user)])?;
                require!(removed == 1, ErrorCode::UserNotParticipant);
                Ok(Ok(Response::Done))
            }
            // S10: number by number; a refused match looks unregistered (INV-3).
            Op::ImportContacts { owner, phones } => {
                let Some(own) = self.phone_of(*owner)? else { return Ok(Err(ErrorCode::PeerIdInvalid)) };
                let (mut matched, mut unmatched) = (Vec::new(), Vec::new());
                for &phone in phones {
                    if num(phone) == own {
                        continue;
                    }
                    let found = match self.user_by_phone(phone)? {
                        Some(t) if self.may_find(*owner, t)? => Some(t),
                        Some(_) | None => None,
                    };
                    if let Some(t) = found {
                        self.db
                            .prepare_cached(
                                "INSERT INTO contacts (owner, target, saved_phone) VALUES (?1, ?2, ?3)
                                 ON CONFLICT (owner, target) DO UPDATE SET saved_phone = excluded.saved_phone",
                            )?
                            .execute(params![uid(*owner), uid(t), num(phone)])?;
                        self.learn(*owner, t)?;
                        matched.push(ImportedContact { phone, user: t });
                    } else {
                        self.db
                            .prepare_cached("INSERT INTO unmatched_entries (owner, phone) VALUES (?1, ?2)")?
                            .execute(params![uid(*owner), num(phone)])?;
                        unmatched.push(phone);
                    }
                }
                Ok(Ok(Response::Imported { matched, unmatched }))
            }
            // S11 (revised): share_phone is judged before the new entry exists.
            Op::AddContact { owner, target, share_phone } => {
                require!(self.user_exists(*owner)? && self.user_exists(*target)?, ErrorCode::PeerIdInvalid);
                let referable = owner != target
                    && self.one_bool(
                        "SELECT EXISTS (SELECT 1 FROM contacts WHERE owner = ?1 AND target = ?2)
                             OR EXISTS (SELECT 1 FROM memberships a JOIN memberships b ON a.grp = b.grp
                                        WHERE a.user = ?1 AND b.user = ?2)",
                        params![uid(*owner), uid(*target)],
                    )?;
                require!(referable, ErrorCode::ContactIdInvalid);
                let allowed_before = self
                    .one_bool(&self.sql.allows_phone, named_params! {":owner": uid(*owner), ":viewer": uid(*target)})?;
                self.db
                    .prepare_cached(
                        "INSERT OR IGNORE INTO contacts (owner, target, saved_phone) VALUES (?1, ?2, NULL)",
                    )?
                    .execute(params![uid(*owner), uid(*target)])?;
                if *share_phone && !allowed_before {
                    self.db
                        .prepare_cached(
                            "INSERT INTO rules (owner, key, pos, kind, allow)
                             SELECT ?1, 0, COALESCE(MIN(pos), 0) - 1, 2, 1 FROM rules WHERE owner = ?1 AND key = 0",
                        )?
                        .execute(params![uid(*owner)])?;
                    self.db
                        .prepare_cached(
                            "INSERT INTO rule_users (owner, key, pos, user)
                             SELECT ?1, 0, MIN(pos), ?2 FROM rules WHERE owner = ?1 AND key = 0",
                        )?
                        .execute(params![uid(*owner), uid(*target)])?;
                }
                Ok(Ok(Response::Done))
            }
            // S12: the entry goes; knowledge and exceptions stay.
            Op::DeleteContact { owner, target } => {
                require!(self.user_exists(*owner)? && self.user_exists(*target)?, ErrorCode::PeerIdInvalid);
                self.db
                    .prepare_cached("DELETE FROM contacts WHERE owner = ?1 AND target = ?2")?
                    .execute(params![uid(*owner), uid(*target)])?;
                Ok(Ok(Response::Done))
            }
            // S13, validated by S8.
            Op::SetPrivacy { user, key, rules } => {
                require!(self.user_exists(*user)?, ErrorCode::PeerIdInvalid);
                if let Err(code) = validate(*key, rules) {
                    return Ok(Err(code));
                }
                let (u, k) = (uid(*user), key_code(*key));
                for table in ["rules", "rule_users", "rule_groups"] {
                    self.db
                        .prepare_cached(&format!("DELETE FROM {table} WHERE owner = ?1 AND key = ?2"))?
                        .execute(params![u, k])?;
                }
                for (pos, rule) in rules.iter().enumerate() {
                    let (kind, allow, users, groups): (u8, bool, &[UserId], &[GroupId]) = match rule {
                        Rule::AllowAll => (0, true, &[], &[]),
                        Rule::DisallowAll => (0, false, &[], &[]),
                        Rule::AllowContacts => (1, true, &[], &[]),
                        Rule::DisallowContacts => (1, false, &[], &[]),
                        Rule::AllowUsers(l) => (2, true, l, &[]),
                        Rule::DisallowUsers(l) => (2, false, l, &[]),
                        Rule::AllowChatParticipants(l) => (3, true, &[], l),
                        Rule::DisallowChatParticipants(l) => (3, false, &[], l),
                    };
                    let pos = pos as i64;
                    self.db
                        .prepare_cached("INSERT INTO rules (owner, key, pos, kind, allow) VALUES (?1, ?2, ?3, ?4, ?5)")?
                        .execute(params![u, k, pos, kind, allow])?;
                    for v in users {
                        self.db
                            .prepare_cached(
                                "INSERT OR IGNORE INTO rule_users (owner, key, pos, user) VALUES (?1, ?2, ?3, ?4)",
                            )?
                            .execute(params![u, k, pos, uid(*v)])?;
                    }
                    for g in groups {
                        self.db
                            .prepare_cached(
                                "INSERT OR IGNORE INTO rule_groups (owner, key, pos, grp) VALUES (?1, ?2, ?3, ?4)",
                            )?
                            .execute(params![u, k, pos, gid(*g)])?;
                    }
                }
                Ok(Ok(Response::Done))
            }
            // S14: viewer and member must both be in the group.
            Op::QueryMember { viewer, group, member } => {
                require!(self.user_exists(*viewer)? && self.user_exists(*member)?, ErrorCode::PeerIdInvalid);
                require!(self.group_exists(*group)?, ErrorCode::ChannelInvalid);
                require!(
                    self.is_member(*group, *viewer)? && self.is_member(*group, *member)?,
                    ErrorCode::UserNotParticipant
                );
                let mut views = self.views(*viewer, *group, Some(*member))?;
                match views.pop() {
                    Some(view) => Ok(Ok(Response::Member(view))),
                    None => Ok(Err(ErrorCode::UserNotParticipant)),
                }
            }
            Op::ListMembers { viewer, group } => {
                require!(self.user_exists(*viewer)?, ErrorCode::PeerIdInvalid);
                require!(self.group_exists(*group)?, ErrorCode::ChannelInvalid);
                require!(self.is_member(*group, *viewer)?, ErrorCode::UserNotParticipant);
                Ok(Ok(Response::Members(self.views(*viewer, *group, None)?)))
            }
            // S14, S15, INV-3: one error for "nobody" and "refused".
            Op::ResolvePhone { viewer, phone } => {
                require!(self.user_exists(*viewer)?, ErrorCode::PeerIdInvalid);
                match self.user_by_phone(*phone)? {
                    Some(t) if t == *viewer => Ok(Ok(Response::Resolved { user: t })),
                    Some(t) if self.may_find(*viewer, t)? => {
                        self.learn(*viewer, t)?;
                        Ok(Ok(Response::Resolved { user: t }))
                    }
                    Some(_) | None => Ok(Err(ErrorCode::PhoneNotOccupied)),
                }
            }
        }
    }
}

fn serve(era: Era, name: &str) -> Result<(), Fatal> {
    let mut server = Server::open(era)?;
    let stdin = std::io::stdin().lock();
    let mut out = BufWriter::new(std::io::stdout().lock());
    for line in stdin.lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let request: Request = serde_json::from_str(&line).map_err(|e| Fatal::Request(format!("{e}: {line}")))?;
        let reply = match request {
            Request::Hello { protocol } => {
                if protocol != PROTOCOL_VERSION {
                    eprintln!(
                        "sqlite_server: privdiff speaks protocol {protocol}; this server speaks {PROTOCOL_VERSION}"
                    );
                }
                Reply::Hello { protocol: PROTOCOL_VERSION, name: name.to_string(), era, digest: true }
            }
            Request::Reset { world } => {
                server.reset(&world)?;
                Reply::Ready
            }
            Request::Apply { op } => Reply::of_outcome(server.apply(&op)?),
            Request::Digest => Reply::Digest { digest: format!("{:032x}", server.digest()?) },
        };
        serde_json::to_writer(&mut out, &reply).map_err(|e| Fatal::Io(e.into()))?;
        out.write_all(b"\n")?;
        out.flush()?;
    }
    Ok(())
}

fn main() -> ExitCode {
    let mut era = Era::Patched;
    let mut name = "sqlite".to_string();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--era", Some(e)) if e == "patched" => era = Era::Patched,
            ("--era", Some(e)) if e == "legacy" => era = Era::Legacy,
            ("--name", Some(n)) => name = n,
            _ => {
                eprintln!("usage: sqlite_server [--era patched|legacy] [--name NAME]");
                return ExitCode::from(2);
            }
        }
    }
    match serve(era, &name) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sqlite_server: {e}");
            ExitCode::from(70)
        }
    }
}
