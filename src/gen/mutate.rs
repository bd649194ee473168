//! The operation-level mutator and crossover behind the `differential` and
//! `legacy_canary` fuzz targets (libFuzzer's `fuzz_mutator!` and
//! `fuzz_crossover!` hooks, wired in `fuzz/fuzz_targets/`).
//!
//! libFuzzer's own mutators flip bytes. On the typed format
//! ([`crate::gen::format`]) most flipped inputs no longer decode, and on
//! the raw format a flipped byte re-maps everything after it. Here a
//! mutation decodes the run, changes it as a user of the system would be
//! changed (insert, delete, duplicate or move an operation; retarget a
//! user, group or number; set a setting to a preset or a preset with
//! exceptions; regenerate a tail; resize the world), and encodes it again.
//! New operations come from the state-aware generator
//! ([`crate::gen::generate`]) with the state of the run's prefix in view.
//!
//! Every choice comes from a [`SplitMix64`] seeded with libFuzzer's `seed`:
//! the same input and seed give the same mutation. An input that is no run
//! becomes a fresh run whatever the seed; on a run, one seed in
//! [`BYTE_MUTATION_ONE_IN`] is left to libFuzzer's byte mutator ([`mutate`]
//! returns `None`), which keeps CMP-guided and dictionary mutations in
//! play. When the result must shrink (`max_size`), operations are dropped
//! from the end until the encoding fits; bytes are never cut.

use crate::gen::format::{decode, encode, encoded_len_of, op_len};
use crate::gen::generate::{below, gen_op, gen_op_of_kind, gen_setting, gen_swarm_run, GenState};
use crate::gen::seed::SplitMix64;
use crate::world::ids::{GroupId, Phone, UserId};
use crate::world::privacy::PrivacyKey;
use crate::world::run::{Run, World, MAX_GROUPS, MAX_OPS, MAX_UNOWNED, MAX_USERS};
use crate::world::{Op, RefMut};

/// One mutation in this many is libFuzzer's byte-level mutation instead.
pub const BYTE_MUTATION_ONE_IN: u32 = 8;

/// One structured mutation in this many replaces the input with a freshly
/// generated swarm run ([`gen_swarm_run`]).
pub const FRESH_RUN_ONE_IN: u32 = 2;

/// One crossover in this many is a freshly generated run instead of a
/// splice. libFuzzer calls the crossover for half of its mutations; while
/// the corpus holds a few runs, splicing them adds little that a fresh run
/// does not, and shallow bugs fall to fresh runs (measured in
/// `docs/FUZZING.md`, "Closing the tail").
pub const FRESH_CROSSOVER_ONE_IN: u32 = 2;

/// The mutator's entry point for `fuzz_mutator!`: mutates the input held
/// in `data[..size]` in place and returns its new length (at most
/// `max_size`), or `None` when this seed is one for libFuzzer's own byte
/// mutator (`libfuzzer_sys::fuzzer_mutate`). Inputs that do not decode are
/// replaced by a freshly generated run, whatever the seed.
pub fn mutate(data: &mut [u8], size: usize, max_size: usize, seed: u32) -> Option<usize> {
    let size = size.min(data.len());
    let mut rng = SplitMix64::new(u64::from(seed) ^ 0x6d75_7461_7465);
    let run = match decode(&data[..size]) {
        // An input that is no run (libFuzzer's first inputs are "" and
        // "\n"; a byte mutation breaks most runs) starts over on every
        // seed: flipping its bytes would spend an execution on another
        // input that is no run.
        Err(_) => gen_swarm_run(&mut rng),
        Ok(_) if seed.is_multiple_of(BYTE_MUTATION_ONE_IN) => return None,
        // Starting over now and then, in a fresh swarm configuration:
        // random generation finds shallow bugs in few runs, mutation of
        // the corpus the deep ones.
        Ok(_) if chance_in(&mut rng, FRESH_RUN_ONE_IN) => gen_swarm_run(&mut rng),
        Ok(mut run) => {
            // One to three mutations: stacked changes reach combinations
            // a single step cannot.
            for _ in 0..1 + below(&mut rng, 3) {
                mutate_run(&mut rng, &mut run);
            }
            run
        }
    };
    Some(write_within(run, data, max_size))
}

/// The crossover's entry point for `fuzz_crossover!`: splices two inputs
/// (a prefix of one run, then a slice of the other's operations, moved into
/// the first's world) into `out`, or in one call of
/// [`FRESH_CROSSOVER_ONE_IN`] (and whenever a parent does not decode)
/// writes a fresh swarm run; returns the length written.
pub fn crossover(a: &[u8], b: &[u8], out: &mut [u8], seed: u32) -> usize {
    let mut rng = SplitMix64::new(u64::from(seed) ^ 0x0063_726f_7373);
    let run = match (decode(a), decode(b)) {
        (Ok(a), Ok(b)) if !chance_in(&mut rng, FRESH_CROSSOVER_ONE_IN) => splice(&mut rng, &a, &b),
        // A parent that is no run has nothing to splice: start over.
        _ => gen_swarm_run(&mut rng),
    };
    let max = out.len();
    write_within(run, out, max)
}

/// A prefix of `a`, then a slice of `b`'s operations folded into `a`'s
/// world (users, groups and numbers wrap around), then the rest of `a`;
/// at most [`MAX_OPS`] operations.
pub fn splice(rng: &mut SplitMix64, a: &Run, b: &Run) -> Run {
    let cut = below(rng, a.ops.len() as u32 + 1) as usize;
    let from = below(rng, b.ops.len() as u32 + 1) as usize;
    let to = from + below(rng, (b.ops.len() - from) as u32 + 1) as usize;
    let mut ops: Vec<Op> = a.ops[..cut].to_vec();
    ops.extend(b.ops[from..to].iter().cloned());
    if chance_in(rng, 2) {
        ops.extend(a.ops[cut..].iter().cloned());
    }
    ops.truncate(MAX_OPS);
    let mut run = Run { world: a.world, ops };
    run.fold_into_world();
    run
}

fn chance_in(rng: &mut SplitMix64, n: u32) -> bool {
    below(rng, n) == 0
}

/// Keeps the longest prefix of operations whose encoding fits `max_size`
/// and the buffer (found in one pass: the encoded length only grows with
/// each operation), then writes it. A world header that alone does not fit
/// (a `max_size` under 5 bytes) leaves a truncated, rejected input.
fn write_within(mut run: Run, buf: &mut [u8], max_size: usize) -> usize {
    let cap = max_size.min(buf.len());
    let (mut body, mut keep) = (0, 0);
    for (i, op) in run.ops.iter().enumerate() {
        body += op_len(op);
        if encoded_len_of(i + 1, body) > cap {
            break;
        }
        keep = i + 1;
    }
    run.ops.truncate(keep);
    match encode(&run) {
        Ok(bytes) => {
            let n = bytes.len().min(cap);
            buf[..n].copy_from_slice(&bytes[..n]);
            n
        }
        Err(_) => 0,
    }
}

/// The state after the first `upto` operations of `run`, by prediction.
pub fn state_at(run: &Run, upto: usize) -> GenState {
    let mut s = GenState::new(&run.world);
    for op in run.ops.iter().take(upto) {
        s.apply(op);
    }
    s
}

/// The kinds of mutation, with their weights.
const MUTATIONS: [(Mutation, u32); 11] = [
    (Mutation::Insert, 24),
    (Mutation::Delete, 10),
    (Mutation::Duplicate, 6),
    (Mutation::Move, 6),
    (Mutation::RetargetUser, 10),
    (Mutation::RetargetGroup, 4),
    (Mutation::RetargetNumber, 6),
    (Mutation::SetSetting, 14),
    (Mutation::ReplaceOp, 8),
    (Mutation::RegenerateTail, 6),
    (Mutation::ResizeWorld, 6),
];

/// One structural change to a run.
#[derive(Debug, Copy, Clone, PartialEq, Eq)]
pub enum Mutation {
    /// A new operation, drawn with the prefix's state in view.
    Insert,
    /// An operation removed.
    Delete,
    /// An operation copied to another position.
    Duplicate,
    /// An operation moved to another position.
    Move,
    /// One user reference of an operation changed.
    RetargetUser,
    /// One group reference changed.
    RetargetGroup,
    /// One number reference changed (another user's or an unowned one).
    RetargetNumber,
    /// A setting set to a preset or a preset with exceptions, inserted or
    /// replacing an operation.
    SetSetting,
    /// An operation replaced by a new one of the same kind.
    ReplaceOp,
    /// Everything after a point regenerated.
    RegenerateTail,
    /// The world's sizes changed; references fold into it.
    ResizeWorld,
}

/// Applies one weighted, seeded mutation to `run`; the run stays valid and
/// within [`MAX_OPS`] operations. Returns which mutation it was.
pub fn mutate_run(rng: &mut SplitMix64, run: &mut Run) -> Mutation {
    let which = choose_mutation(rng, run.ops.len());
    let n = run.ops.len() as u32;
    let pos = |rng: &mut SplitMix64, extra: u32| below(rng, n + extra) as usize;
    match which {
        Mutation::Insert | Mutation::SetSetting if run.ops.len() < MAX_OPS => {
            let at = pos(rng, 1);
            let state = state_at(run, at);
            let op = if which == Mutation::Insert { gen_op(rng, &state) } else { set_setting(rng, &state) };
            run.ops.insert(at, op);
        }
        Mutation::Duplicate if n > 0 && run.ops.len() < MAX_OPS => {
            let op = run.ops[pos(rng, 0)].clone();
            let at = pos(rng, 1);
            run.ops.insert(at, op);
        }
        Mutation::Move if n > 1 => {
            let op = run.ops.remove(pos(rng, 0));
            let at = below(rng, n) as usize;
            run.ops.insert(at, op);
        }
        Mutation::RetargetUser | Mutation::RetargetGroup | Mutation::RetargetNumber if n > 0 => {
            let i = pos(rng, 0);
            retarget(rng, run, i, which);
        }
        Mutation::SetSetting | Mutation::ReplaceOp if n > 0 => {
            let i = pos(rng, 0);
            let state = state_at(run, i);
            run.ops[i] = if which == Mutation::SetSetting {
                set_setting(rng, &state)
            } else {
                gen_op_of_kind(rng, &state, run.ops[i].kind())
            };
        }
        Mutation::RegenerateTail => {
            let at = pos(rng, 1);
            let mut state = state_at(run, at);
            run.ops.truncate(at);
            for _ in 0..1 + below(rng, 8) {
                if run.ops.len() >= MAX_OPS {
                    break;
                }
                let op = gen_op(rng, &state);
                state.apply(&op);
                run.ops.push(op);
            }
        }
        Mutation::ResizeWorld => {
            let w = &mut run.world;
            match below(rng, 3) {
                0 => w.users = 1 + below(rng, u32::from(MAX_USERS)) as u8,
                1 => w.groups = 1 + below(rng, u32::from(MAX_GROUPS)) as u8,
                _ => w.unowned_numbers = below(rng, u32::from(MAX_UNOWNED) + 1) as u8,
            }
            run.fold_into_world();
        }
        // Nothing to move, retarget or replace; or no room to insert:
        // delete instead, which is always possible or harmless.
        _ => {
            if n > 0 {
                run.ops.remove(pos(rng, 0));
            }
            return Mutation::Delete;
        }
    }
    which
}

/// Picks a mutation by weight ([`MUTATIONS`]) for a run of `len`
/// operations. Size pressure: past half the cap, half the growing
/// mutations become deletions, so runs hover around 20-40 operations
/// instead of all reaching the cap (long runs cost executions per second).
fn choose_mutation(rng: &mut SplitMix64, len: usize) -> Mutation {
    let total: u32 = MUTATIONS.iter().map(|m| m.1).sum();
    let mut x = below(rng, total);
    let mut which = Mutation::Insert;
    for (m, w) in MUTATIONS {
        if x < w {
            which = m;
            break;
        }
        x -= w;
    }
    if matches!(which, Mutation::Insert | Mutation::Duplicate | Mutation::RegenerateTail)
        && len >= MAX_OPS / 2
        && chance_in(rng, 2)
    {
        which = Mutation::Delete;
    }
    which
}

/// A `SetPrivacy` of a random user: a preset, or a preset with exceptions.
fn set_setting(rng: &mut SplitMix64, state: &GenState) -> Op {
    gen_op_of_kind(rng, state, crate::world::OpKind::SetPrivacy)
}

/// Changes one reference of the wanted sort in operation `i`; a setting
/// gets a fresh valid value instead of a user change inside its rules half
/// the time.
/// Whether `which` retargets the reference `r`.
fn retargets(r: &RefMut<'_>, which: Mutation) -> bool {
    matches!(
        (r, which),
        (RefMut::User(_), Mutation::RetargetUser)
            | (RefMut::Group(_), Mutation::RetargetGroup)
            | (RefMut::Phone(_), Mutation::RetargetNumber)
    )
}

fn retarget(rng: &mut SplitMix64, run: &mut Run, i: usize, which: Mutation) {
    let world = World::from_config(&run.world);
    let op = &mut run.ops[i];
    if let (Mutation::RetargetUser, Op::SetPrivacy { user, key, rules }) = (which, &mut *op) {
        if chance_in(rng, 2) {
            let state = GenState::new(&run.world);
            let key = if chance_in(rng, 2) { PrivacyKey::PhoneNumber } else { *key };
            *rules = gen_setting(rng, &state, *user, key);
            return;
        }
    }
    let mut count = 0u32;
    op.visit_refs(&mut |r| {
        let hit = retargets(&r, which);
        count += u32::from(hit);
    });
    if count == 0 {
        return;
    }
    let target = below(rng, count);
    let fresh_user = UserId(below(rng, world.user_count()));
    let fresh_group = GroupId(below(rng, world.groups));
    let numbers = world.phones.len() + world.unowned.len();
    let fresh_phone: Phone = world.number_at(below(rng, numbers as u32) as usize);
    let mut k = 0u32;
    op.visit_refs(&mut |r| {
        let hit = retargets(&r, which);
        if hit {
            if k == target {
                match r {
                    RefMut::User(u) => *u = fresh_user,
                    RefMut::Group(g) => *g = fresh_group,
                    RefMut::Phone(p) => *p = fresh_phone,
                }
            }
            k += 1;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::format::FORMAT_V1;
    use crate::gen::generate::gen_run;

    fn mutated(input: &[u8], max: usize, seed: u32) -> Option<Vec<u8>> {
        let mut buf = vec![0u8; max.max(input.len())];
        buf[..input.len()].copy_from_slice(input);
        mutate(&mut buf, input.len(), max, seed).map(|n| buf[..n].to_vec())
    }

    /// Same input and seed, same mutation; the result always decodes to a
    /// valid run within the size bound; on a run, one seed in eight is
    /// libFuzzer's, and no other.
    #[test]
    fn mutations_are_deterministic_valid_and_bounded() {
        let mut input: Vec<u8> = Vec::new();
        let (mut delegated, mut byte_seeds_on_runs) = (0, 0);
        for seed in 0..4000u32 {
            let max = if seed % 5 == 0 { 24 } else { 4096 };
            let a = mutated(&input, max, seed);
            let b = mutated(&input, max, seed);
            assert_eq!(a, b, "seed {seed}");
            if seed % BYTE_MUTATION_ONE_IN == 0 && decode(&input).is_ok() {
                byte_seeds_on_runs += 1;
            }
            match a {
                None => delegated += 1,
                Some(out) => {
                    assert!(out.len() <= max);
                    let run = decode(&out).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
                    assert_eq!(run.check(), Ok(()));
                    assert!(run.ops.len() <= MAX_OPS);
                    input = out;
                }
            }
        }
        assert_eq!(delegated, byte_seeds_on_runs);
        // Every output decodes (asserted above), so only the empty first
        // input, at seed 0, is no run: 500 byte seeds less that one.
        assert_eq!(delegated, 499);
    }

    /// Shrinking drops whole operations: the result is a prefix of the
    /// operations, still decodable.
    #[test]
    fn shrinking_drops_operations_not_bytes() {
        let mut rng = SplitMix64::new(2);
        let run = loop {
            let r = gen_run(&mut rng);
            if r.ops.len() >= 10 {
                break r;
            }
        };
        let bytes = encode(&run).unwrap();
        let mut buf = vec![0u8; bytes.len()];
        let n = write_within(run.clone(), &mut buf, bytes.len() / 2);
        let small = decode(&buf[..n]).unwrap();
        assert!(n <= bytes.len() / 2);
        assert!(small.ops.len() < run.ops.len());
        assert_eq!(small.ops[..], run.ops[..small.ops.len()]);
        let longer = Run { world: run.world, ops: run.ops[..=small.ops.len()].to_vec() };
        let fits = |r: &Run| crate::gen::format::encoded_len(r) <= bytes.len() / 2;
        assert!(fits(&small) && !fits(&longer), "the longest prefix that fits");
    }

    /// An input that is no run (libFuzzer's first inputs, a broken run)
    /// becomes a generated run on every seed, the byte mutator's included,
    /// and so does a crossover with such a parent.
    #[test]
    fn undecodable_input_is_replaced_by_a_generated_run() {
        let run = encode(&gen_run(&mut SplitMix64::new(4))).unwrap();
        for input in [&b""[..], b"\n", &[0x00, 0x42]] {
            assert!(decode(input).is_err());
            for seed in 0..64 {
                let out = mutated(input, 4096, seed).unwrap_or_else(|| panic!("seed {seed} left {input:?} to bytes"));
                assert_eq!(out[0], FORMAT_V1);
                assert_eq!(decode(&out).map(|r| r.ops.len()), Ok(MAX_OPS), "seed {seed}: a full-length fresh run");
                for (a, b) in [(input, &run[..]), (&run[..], input)] {
                    let mut buf = vec![0u8; 4096];
                    let n = crossover(a, b, &mut buf, seed);
                    assert_eq!(decode(&buf[..n]).map(|r| r.ops.len()), Ok(MAX_OPS), "seed {seed}: no splice");
                }
            }
        }
    }

    /// Every kind of mutation happens, and crossover gives valid runs
    /// mixing both parents.
    #[test]
    fn every_mutation_kind_happens_and_crossover_is_valid() {
        let mut rng = SplitMix64::new(9);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..2000 {
            let mut run = gen_run(&mut rng);
            seen.insert(format!("{:?}", mutate_run(&mut rng, &mut run)));
            assert_eq!(run.check(), Ok(()));
        }
        assert_eq!(seen.len(), MUTATIONS.len(), "{seen:?}");
        let a = encode(&gen_run(&mut rng)).unwrap();
        let b = encode(&gen_run(&mut rng)).unwrap();
        let world_of_a = decode(&a).unwrap().world;
        let mut kept = 0;
        for seed in 0..200 {
            let mut out = vec![0u8; 4096];
            let n = crossover(&a, &b, &mut out, seed);
            let run = decode(&out[..n]).unwrap();
            kept += usize::from(run.world == world_of_a);
        }
        // A splice keeps the first parent's world; one crossover in
        // FRESH_CROSSOVER_ONE_IN (two) is a fresh run in a world of its own.
        assert!((70..=140).contains(&kept), "{kept} of 200 kept the first parent's world");
    }
}
