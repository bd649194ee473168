//! The fuzz targets' bodies. Each cargo-fuzz target in `fuzz/` is one line
//! that calls a function here, so `cargo test` on stable runs the very same
//! entry points over the committed seeds.
//!
//! A failure panics from a non-inlined function of its own kind, with a
//! first line naming the kind, the rule and the operation. Fuzzing
//! infrastructure buckets crashes by their top stack frames (after dropping
//! the panic machinery), so each failure kind lands in its own bucket
//! instead of all sharing the line of one `panic!`.

use std::cell::RefCell;

use crate::corpus::case::Case;
use crate::gen::format;
use crate::models::external::{timeout_from_env, External, ImplSpec, SpecError};
use crate::models::implementation::Implementation;
use crate::oracle::canary::Canary;
use crate::oracle::engine::{Engine, Verdict};
use crate::oracle::failure::{Failure, FailureKind};
use crate::oracle::lineup::{Lineup, PatchedImpl};
use crate::world::{Era, Run};

/// The glue of a typed target, in the fuzz crate: `fuzz_target!` over a
/// body of this module (decodable inputs kept, others rejected), and the
/// operation-level mutator and crossover of [`crate::gen::mutate`], one
/// mutation in eight left to libFuzzer's byte mutator. One definition for
/// every typed target, so they cannot drift apart.
#[macro_export]
macro_rules! typed_fuzz_target {
    ($body:path) => {
        $crate::typed_fuzz_target!($body, init: $crate::targets::no_setup);
    };
    ($body:path, init: $init:path) => {
        ::libfuzzer_sys::fuzz_target!(init: $init(), |data: &[u8]| -> ::libfuzzer_sys::Corpus {
            match $body(data) {
                $crate::targets::Input::Ran => ::libfuzzer_sys::Corpus::Keep,
                $crate::targets::Input::Rejected => ::libfuzzer_sys::Corpus::Reject,
            }
        });
        ::libfuzzer_sys::fuzz_mutator!(|data: &mut [u8], size: usize, max_size: usize, seed: u32| {
            $crate::gen::mutate::mutate(data, size, max_size, seed)
                .unwrap_or_else(|| ::libfuzzer_sys::fuzzer_mutate(data, size, max_size))
        });
        ::libfuzzer_sys::fuzz_crossover!(|a: &[u8], b: &[u8], out: &mut [u8], seed: u32| {
            $crate::gen::mutate::crossover(a, b, out, seed)
        });
    };
}

thread_local! {
    /// One engine per fuzzing thread, reset for every input: the models
    /// keep their allocations between inputs.
    static ENGINE: RefCell<Engine> = RefCell::new(lineup().engine());
    /// Likewise for the canary.
    static CANARY: RefCell<Canary> = RefCell::new(Canary::default());
}

/// The setup of a target that needs none (the default of
/// [`typed_fuzz_target!`]).
pub fn no_setup() {}

/// `differential`'s setup, run once before libFuzzer's first input: builds
/// the engine, so that a bad `PRIVDIFF_FAULTS` stops the fuzzer (one line,
/// exit code 2) before fuzzing starts. An exit from inside an input would
/// be a crash to libFuzzer, with an artifact written for it.
pub fn differential_setup() {
    ENGINE.with(|_| ());
}

/// `external`'s setup, run once before libFuzzer's first input: starts
/// `PRIVDIFF_IMPL` and handshakes, so that an unusable implementation (not
/// set, not found, another protocol) is a configuration error (one line,
/// exit code 2, no crash artifact) rather than a crash on the first input.
pub fn external_setup() {
    EXTERNAL.with(|cell| {
        let mut cell = cell.borrow_mut();
        if cell.is_none() {
            *cell = Some(external_from_env().unwrap_or_else(|why| unusable_external(&why)));
        }
    });
}

/// Whether a fuzz input was a typed input that ran, or bytes that do not
/// decode (the glue maps this to `Corpus::Keep` / `Corpus::Reject`, so
/// libFuzzer never adds undecodable inputs to its corpus).
#[derive(Debug, Copy, Clone, PartialEq, Eq)]
#[must_use]
pub enum Input {
    /// The bytes decoded (`gen::format`) and the run was checked.
    Ran,
    /// The bytes are not a typed input; nothing ran.
    Rejected,
}

/// The lineup of this fuzzing process: the standard one, with the faults
/// the environment plants (`PRIVDIFF_FAULTS`, `PRIVDIFF_BUG`,
/// `PRIVDIFF_PLANT`; only in builds with the `faults` feature, see
/// `models::faults`), read once when the engine is built. A bad fault name
/// stops the fuzzer with one line and exit code 2.
fn lineup() -> Lineup {
    Lineup::from_env(PatchedImpl::Patched).unwrap_or_else(|why| {
        eprintln!("privdiff: {why}");
        std::process::exit(2)
    })
}

/// `differential`: decode a typed input (`gen::format`), drive the
/// lockstep engine, panic on any D-1..D-4 failure. The legacy loophole is
/// a pass, never a panic.
pub fn differential(data: &[u8]) -> Input {
    let Ok(run) = format::decode(data) else { return Input::Rejected };
    differential_run(&run);
    Input::Ran
}

/// The `differential` check of a decoded run (typed, or raw through
/// `Run::from_fuzz_bytes` in tests). With the `fuzz-feedback` feature the
/// engine records every step so that `feedback` can mark the situations
/// the run reached.
pub fn differential_run(run: &Run) {
    #[cfg(feature = "fuzz-feedback")]
    let verdict = ENGINE.with(|e| {
        let trace = e.borrow_mut().trace(run);
        crate::feedback::record(run, &trace);
        trace.verdict
    });
    #[cfg(not(feature = "fuzz-feedback"))]
    let verdict = ENGINE.with(|e| e.borrow_mut().verdict(run));
    if let Verdict::Fail { failure, .. } = verdict {
        raise(&failure);
    }
}

/// The environment variable the `external` target reads: `NAME=COMMAND`,
/// or a bare `COMMAND` (then named `external`).
pub const IMPL_ENV: &str = "PRIVDIFF_IMPL";

thread_local! {
    /// The `external` target's engine, with the implementation's process
    /// started once per fuzzing process and reset for every input.
    static EXTERNAL: RefCell<Option<Engine>> = const { RefCell::new(None) };
}

/// `external`: like `differential`, with a team's own implementation
/// (`PRIVDIFF_IMPL`, see `docs/PROTOCOL.md`) in the patched seat. A crash,
/// hang or out-of-protocol reply is a `transport` failure that names the
/// implementation and carries its stderr. A missing or unusable
/// `PRIVDIFF_IMPL` stops the fuzzer with one line and exit code 2. Reads
/// the same typed inputs as `differential`, whose seeds it shares.
pub fn external(data: &[u8]) -> Input {
    let Ok(run) = format::decode(data) else { return Input::Rejected };
    let verdict = EXTERNAL.with(|cell| {
        let mut cell = cell.borrow_mut();
        let engine = match cell.as_mut() {
            Some(engine) => engine,
            None => cell.insert(external_from_env().unwrap_or_else(|why| unusable_external(&why))),
        };
        engine.verdict(&run)
    });
    if let Verdict::Fail { failure, .. } = verdict {
        raise(&failure);
    }
    Input::Ran
}

/// Reads `PRIVDIFF_IMPL` into an implementation spec.
pub fn impl_spec_from_env() -> Result<ImplSpec, String> {
    let value = std::env::var(IMPL_ENV).map_err(|_| {
        format!("{IMPL_ENV} is not set: give the command of the implementation to fuzz (docs/PROTOCOL.md)")
    })?;
    match value.parse::<ImplSpec>() {
        Ok(spec) => Ok(spec),
        Err(SpecError::Name(_) | SpecError::Syntax(_)) if !value.trim().is_empty() => {
            Ok(ImplSpec { name: "external".to_string(), command: value })
        }
        Err(e) => Err(format!("{IMPL_ENV}: {e}")),
    }
}

/// The `external` target's lineup: the references, the legacy server, and
/// the implementation of `PRIVDIFF_IMPL` in the patched seat.
pub fn external_from_env() -> Result<Engine, String> {
    let spec = impl_spec_from_env()?;
    external_engine(spec, timeout_from_env()?)
}

/// The lineup for `spec` in the patched seat; the implementation must
/// announce the patched era.
pub fn external_engine(spec: ImplSpec, timeout: std::time::Duration) -> Result<Engine, String> {
    let ext = External::start(spec, timeout).map_err(|e| {
        match e.stderr_tail.lines().rev().find(|l| !l.trim().is_empty()) {
            Some(line) => format!("{e} (its stderr ended with: {})", line.trim()),
            None => e.to_string(),
        }
    })?;
    if ext.era() != Era::Patched {
        return Err(format!(
            "implementation {} announces the {} era; the external target fuzzes a patched implementation",
            ext.name(),
            ext.era()
        ));
    }
    Ok(lineup().engine_with(Box::new(ext)))
}

#[cold]
fn unusable_external(why: &str) -> ! {
    eprintln!("privdiff external: {why}");
    std::process::exit(2)
}

/// `legacy_canary`: panic as soon as the legacy model breaks INV-1. Must
/// crash fast from an empty corpus; never shipped to nightly fuzzing.
pub fn legacy_canary(data: &[u8]) -> Input {
    let Ok(run) = format::decode(data) else { return Input::Rejected };
    legacy_canary_run(&run);
    Input::Ran
}

/// The `legacy_canary` check of a decoded run.
pub fn legacy_canary_run(run: &Run) {
    let found = CANARY.with(|c| c.borrow_mut().breaches(run, 1));
    if let Some((step, breach)) = found.first() {
        legacy_loophole_found(*step, run, breach);
    }
}

/// `case_file`: arbitrary bytes into the case-file parser. It must never
/// panic; a case it accepts must survive writing and reading back.
pub fn case_file(data: &[u8]) {
    if let Ok(case) = Case::parse(data) {
        let again = Case::parse(case.to_json().as_bytes());
        assert!(again.as_ref().is_ok_and(|c| *c == case), "case_file: a parsed case does not round-trip: {again:?}");
    }
}

/// Panics with the failure's story, from the function of its kind.
pub fn raise(failure: &Failure) -> ! {
    match failure.kind() {
        FailureKind::Transport => transport(failure),
        FailureKind::WrongNumber => wrong_number(failure),
        FailureKind::Leak => leak(failure),
        FailureKind::Hides => hides(failure),
        FailureKind::Breach => breach(failure),
        FailureKind::OverBlocking => over_blocking(failure),
        FailureKind::ExistenceOracle => existence_oracle(failure),
        FailureKind::Precondition => precondition(failure),
        FailureKind::Disagrees => disagrees(failure),
        FailureKind::Divergence => divergence(failure),
        FailureKind::Misanswer => misanswer(failure),
    }
}

// One function per kind; the distinct literal keeps the linker from folding
// identical bodies into one frame.
#[inline(never)]
#[cold]
fn transport(f: &Failure) -> ! {
    panic!("{f}\nprivdiff bucket: transport; reproduce with `privdiff replay <artifact>`; rules: docs/SPEC.md")
}
#[inline(never)]
#[cold]
fn wrong_number(f: &Failure) -> ! {
    panic!("{f}\nprivdiff bucket: wrong_number; reproduce with `privdiff replay <artifact>`; rules: docs/SPEC.md")
}
#[inline(never)]
#[cold]
fn leak(f: &Failure) -> ! {
    panic!("{f}\nprivdiff bucket: leak; reproduce with `privdiff replay <artifact>`; rules: docs/SPEC.md")
}
#[inline(never)]
#[cold]
fn hides(f: &Failure) -> ! {
    panic!("{f}\nprivdiff bucket: hides; reproduce with `privdiff replay <artifact>`; rules: docs/SPEC.md")
}
#[inline(never)]
#[cold]
fn breach(f: &Failure) -> ! {
    panic!("{f}\nprivdiff bucket: breach; reproduce with `privdiff replay <artifact>`; rules: docs/SPEC.md")
}
#[inline(never)]
#[cold]
fn over_blocking(f: &Failure) -> ! {
    panic!("{f}\nprivdiff bucket: over_blocking; reproduce with `privdiff replay <artifact>`; rules: docs/SPEC.md")
}
#[inline(never)]
#[cold]
fn existence_oracle(f: &Failure) -> ! {
    panic!("{f}\nprivdiff bucket: existence_oracle; reproduce with `privdiff replay <artifact>`; rules: docs/SPEC.md")
}
#[inline(never)]
#[cold]
fn precondition(f: &Failure) -> ! {
    panic!("{f}\nprivdiff bucket: precondition; reproduce with `privdiff replay <artifact>`; rules: docs/SPEC.md")
}
#[inline(never)]
#[cold]
fn disagrees(f: &Failure) -> ! {
    panic!("{f}\nprivdiff bucket: disagrees; reproduce with `privdiff replay <artifact>`; rules: docs/SPEC.md")
}
#[inline(never)]
#[cold]
fn divergence(f: &Failure) -> ! {
    panic!("{f}\nprivdiff bucket: divergence; reproduce with `privdiff replay <artifact>`; rules: docs/SPEC.md")
}

#[inline(never)]
#[cold]
fn misanswer(f: &Failure) -> ! {
    panic!("{f}\nprivdiff bucket: misanswer; reproduce with `privdiff replay <artifact>`; rules: docs/SPEC.md")
}

#[inline(never)]
#[cold]
fn legacy_loophole_found(step: usize, run: &Run, breach: &crate::oracle::checks::Breach) -> ! {
    panic!(
        "legacy_canary (INV-1) at step {step}: {}: the legacy model showed {} {} though {}'s settings allow neither seeing nor finding it\nprivdiff bucket: legacy_canary; the 2019 loophole is still visible",
        run.ops[step], breach.viewer, breach.link, breach.link.user
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn panic_message(f: impl FnOnce() + std::panic::UnwindSafe) -> Option<String> {
        let err = std::panic::catch_unwind(f).err()?;
        err.downcast_ref::<String>().cloned()
    }

    #[test]
    fn differential_never_panics_on_seeded_inputs_of_correct_models() {
        let mut rng = crate::gen::seed::SplitMix64::new(99);
        for n in 0..1000 {
            let input = format::encode(&crate::gen::generate::gen_run(&mut rng)).unwrap();
            assert_eq!(panic_message(|| assert_eq!(differential(&input), Input::Ran)), None, "input {n}");
            // Raw inputs of the old format still run through the same body.
            let raw = Run::from_fuzz_bytes(&crate::gen::seed::fuzz_input(99, n, 256));
            assert_eq!(panic_message(|| differential_run(&raw)), None, "raw input {n}");
        }
    }

    #[test]
    fn undecodable_inputs_are_rejected_before_running() {
        assert_eq!(differential(&[]), Input::Rejected);
        assert_eq!(differential(&[0x00, 1, 2, 3]), Input::Rejected);
        assert_eq!(legacy_canary(&[format::FORMAT_V1, 99]), Input::Rejected);
    }

    #[test]
    fn canary_panics_with_a_first_line_naming_kind_rule_and_operation() {
        let mut found = None;
        let mut rng = crate::gen::seed::SplitMix64::new(3);
        for _ in 0..2000 {
            let input = format::encode(&crate::gen::generate::gen_run(&mut rng)).unwrap();
            if let Some(msg) = panic_message(|| {
                let _ = legacy_canary(&input);
            }) {
                found = Some(msg);
                break;
            }
        }
        let msg = found.expect("seeded inputs reach the legacy loophole");
        let first = msg.lines().next().unwrap();
        assert!(first.starts_with("legacy_canary (INV-1) at step "), "{first}");
        assert!(first.contains(" imports contacts ") || first.contains(" resolves "), "{first}");
    }

    #[test]
    fn each_failure_kind_panics_with_its_own_first_line() {
        use crate::world::ids::UserId;
        use crate::world::Op;
        let op = Op::ListMembers { viewer: UserId(0), group: crate::world::ids::GroupId(0) };
        let f = Failure {
            step: 2,
            op,
            implementation: "legacy".to_string(),
            rule: crate::world::SpecId::D2,
            detail: crate::oracle::failure::Detail::Disagrees {
                expected: Err(crate::world::response::ErrorCode::ChannelInvalid),
                actual: Ok(crate::world::response::Response::Done),
            },
            because: Vec::new(),
        };
        let msg = panic_message(|| raise(&f)).unwrap();
        assert!(msg.starts_with("disagrees (D-2) at step 2 in legacy: alice lists the members of #lobby"), "{msg}");
        assert!(msg.contains("privdiff bucket: disagrees"));
    }
}
