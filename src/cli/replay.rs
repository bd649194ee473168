//! `privdiff replay FILE`: run a raw fuzz input or a case file and tell it
//! as a story (or print the trace as JSON).
//!
//! Exit 0 when a case file gets its expected verdict (a kept failure
//! included), or when any other run passes; 1 when a case's verdict is not
//! as expected, or the run fails; 2 for unusable input.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use serde::Serialize;

use super::input::{load, ImplArgs, InputKind, PatchedImpl, Seating};
use super::EXIT_FAIL;
use privdiff::corpus::case::Expected;
use privdiff::corpus::story;
use privdiff::oracle::engine::{StepTrace, Verdict};
use privdiff::world::WorldConfig;

/// Options of `replay`.
#[derive(Args, Debug)]
pub struct ReplayArgs {
    /// A libFuzzer artifact (raw bytes) or a case file (JSON).
    pub file: PathBuf,
    /// Print the run as one JSON document instead of the story.
    #[arg(long)]
    pub json: bool,
    /// How to read FILE.
    #[arg(long = "as", value_enum, default_value_t = InputKind::Auto)]
    pub kind: InputKind,
    /// The implementation under test as the patched model (default: the
    /// one a case file records, else patched).
    #[arg(long, value_enum)]
    pub patched_impl: Option<PatchedImpl>,
    /// An external implementation (`--impl NAME=COMMAND`, `--beside`).
    #[command(flatten)]
    pub implementation: ImplArgs,
}

/// The `--json` document: what ran, what was expected, what it got.
#[derive(Serialize)]
struct Document<'a> {
    /// The file replayed.
    file: String,
    /// What the file was read as: `"case"`, `"typed"` or `"raw"`.
    read_as: &'static str,
    /// The case's name, for a case file.
    case: Option<&'a str>,
    /// The implementation in the patched seat (a built-in one, or the
    /// name of `--impl`).
    patched_impl: &'a str,
    /// The world.
    world: WorldConfig,
    /// Operations in the run.
    operations: usize,
    /// `"pass"` or `"fail"`.
    verdict: &'static str,
    /// The verdict in case-file terms.
    got: Expected,
    /// A case's expected verdict.
    expected: Option<&'a Expected>,
    /// Whether `got` is `expected`; absent without a case, or when the
    /// case's verdict was recorded for another implementation.
    as_expected: Option<bool>,
    /// The failure, when the run fails.
    failure: Option<&'a privdiff::oracle::failure::Failure>,
    /// The failure's full signature in words (first cause included): what
    /// `fuzz.sh` groups a night's crashes by.
    signature: Option<String>,
    /// Legacy's INV-1 breach events over the steps run (the loophole
    /// finding; a failing run counts up to its failing step).
    legacy_breach_events: usize,
    /// The distinct hidden numbers those breaches exposed.
    legacy_distinct_numbers: usize,
    /// Every step run.
    steps: &'a [StepTrace],
}

/// Exit 0 when a case gets its expected verdict or another run passes, 1
/// otherwise.
pub fn run(args: ReplayArgs) -> anyhow::Result<ExitCode> {
    let loaded = load(&args.file, args.kind)?;
    if let Some(case) = &loaded.case {
        let stem = args.file.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        if stem != case.name {
            eprintln!(
                "privdiff: warning: the case is named {:?} but the file {stem:?}; corpus check refuses such a file",
                case.name
            );
        }
    }
    let seating = Seating::choose(args.patched_impl, &args.implementation, loaded.case.as_ref())?;
    let trace = args.implementation.engine(seating.builtin)?.trace(&loaded.run);
    let got = Expected::of(&trace);
    // A case's expectation holds for the seat it was recorded in.
    let expected = loaded.case.as_ref().filter(|_| seating.compares()).map(|c| &c.expected);
    let as_expected = expected.map(|e| e.met_by(&trace));
    let failure = match &trace.verdict {
        Verdict::Pass { .. } => None,
        Verdict::Fail { failure, .. } => Some(failure),
    };
    if args.json {
        let doc = Document {
            file: args.file.display().to_string(),
            read_as: loaded.read_as.as_str(),
            case: loaded.case.as_ref().map(|c| c.name.as_str()),
            patched_impl: seating.seat.name(),
            world: loaded.run.world,
            operations: loaded.run.ops.len(),
            verdict: if failure.is_some() { "fail" } else { "pass" },
            got: got.clone(),
            expected,
            as_expected,
            failure: failure.map(|f| &**f),
            signature: trace.signature().map(|s| s.to_string()),
            legacy_breach_events: match &trace.verdict {
                Verdict::Pass { legacy_breaches, .. } | Verdict::Fail { legacy_breaches, .. } => *legacy_breaches,
            },
            legacy_distinct_numbers: story::distinct_breached_numbers(&trace),
            steps: &trace.steps,
        };
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        match &loaded.case {
            Some(case) => println!("case {}: {}", case.name, case.note),
            None => println!("{}: {}", args.file.display(), loaded.read_as.describe()),
        }
        if seating.builtin != PatchedImpl::Patched || seating.seat != Default::default() {
            println!("implementation under test in the patched seat: {}", seating.seat.name());
        }
        print!("{}", story::tell(&loaded.run, &trace));
        if let Some(case) = &loaded.case {
            match as_expected {
                Some(true) => println!("expected: {}; got: {got} (as expected)", case.expected),
                Some(false) => println!("expected: {}; got: {got} (NOT as expected)", case.expected),
                None => println!(
                    "expected: {} (recorded with {} in the patched seat); not compared: this run put {} there",
                    case.expected,
                    case.patched_impl.as_deref().unwrap_or("patched"),
                    seating.seat.name()
                ),
            }
        }
    }
    // A case is judged by its expected verdict (a kept failure replayed as
    // expected is a success); anything else by its own verdict.
    let ok = match as_expected {
        Some(met) => met,
        None => failure.is_none(),
    };
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::from(EXIT_FAIL) })
}
