//! `privdiff minimize FILE -o OUT`: shrink a failing (or legacy-leaking)
//! run to a minimal case with the same failure kind, written as a case file.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Args;

use super::input::{load, ImplArgs, InputKind, PatchedImpl, Seat, Seating};
use privdiff::corpus::case::{valid_name, Case, Expected};
use privdiff::corpus::minimize::{goal_of, minimize_with};
use privdiff::files::write_new;

/// Options of `minimize`.
#[derive(Args, Debug)]
pub struct MinimizeArgs {
    /// A libFuzzer artifact (raw bytes) or a case file (JSON).
    pub file: PathBuf,
    /// Where to write the minimal case file: NAME.json in an existing
    /// directory, not an existing file.
    #[arg(short, long)]
    pub output: PathBuf,
    /// The case's name; must equal the output file's stem (its default),
    /// as `corpus check` requires.
    #[arg(long)]
    pub name: Option<String>,
    /// How to read FILE.
    #[arg(long = "as", value_enum, default_value_t = InputKind::Auto)]
    pub kind: InputKind,
    /// The implementation under test as the patched model (default: the
    /// one a case file records, else patched); recorded in the case.
    #[arg(long, value_enum)]
    pub patched_impl: Option<PatchedImpl>,
    /// An external implementation (`--impl NAME=COMMAND`, `--beside`).
    #[command(flatten)]
    pub implementation: ImplArgs,
}

/// Checks where a case file will go before any work: a `.json` file that
/// does not exist yet, in an existing directory that accepts new files,
/// named `name` (the case's
/// name and the file's stem must agree, as `corpus check` requires).
pub fn check_output(path: &Path, name: &str) -> anyhow::Result<()> {
    if !valid_name(name) {
        bail!("invalid case name {name:?}: use 1-64 of a-z, 0-9, '-' and '_' (the name is also the file's stem)");
    }
    if path.extension().is_none_or(|e| e != "json") {
        bail!("{}: a case file's name must end in .json", path.display());
    }
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    if stem != name {
        bail!("the case name {name:?} and the file name {:?} differ; corpus check needs them equal", stem);
    }
    if path.exists() {
        bail!("{} already exists; choose another -o", path.display());
    }
    privdiff::files::check_output_file(path, false).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// Shrinks and writes; exit 0 on success.
pub fn run(args: MinimizeArgs) -> anyhow::Result<ExitCode> {
    let name = match &args.name {
        Some(n) => n.clone(),
        None => args.output.file_stem().and_then(|s| s.to_str()).unwrap_or("").to_string(),
    };
    check_output(&args.output, &name)?;
    let loaded = load(&args.file, args.kind)?;
    let seating = Seating::choose(args.patched_impl, &args.implementation, loaded.case.as_ref())?;
    let seat = seating.for_new_case(&args.implementation)?;
    let note = format!("minimised from {}", args.file.display());
    let mut engine = args.implementation.engine(seating.builtin)?;
    let case = shrink_to_case(&loaded.run, &name, &note, &seat, &mut engine)?;
    write_new(&args.output, &case.to_json()).with_context(|| format!("cannot write {}", args.output.display()))?;
    let seat = match &seat {
        Seat::External(name) => format!("{name} (replay it with the same --impl)"),
        Seat::Builtin(b) => b.name().to_string(),
    };
    println!(
        "wrote {} ({} operation(s), expected {} with implementation {seat})",
        args.output.display(),
        case.ops.len(),
        case.expected
    );
    Ok(ExitCode::SUCCESS)
}

/// Shrinks `run` with `engine` (the engine of `seat`) and returns it as a
/// case with its verdict and the seat recorded; refuses a run that neither
/// fails nor shows the loophole.
pub fn shrink_to_case(
    run: &privdiff::world::Run,
    name: &str,
    note: &str,
    seat: &Seat,
    engine: &mut privdiff::oracle::engine::Engine,
) -> anyhow::Result<Case> {
    let Some(goal) = goal_of(&engine.trace(run)) else {
        bail!("nothing to minimise: the run passes and the legacy model leaks nothing (corpus add --keep keeps a run as written)");
    };
    let small = minimize_with(run, &goal, engine);
    eprintln!(
        "minimised {} operation(s) to {} keeping \"{goal}\" ({} candidate runs)",
        run.ops.len(),
        small.run.ops.len(),
        small.tests
    );
    // The case must fail the same way whenever it is replayed: run it twice
    // more on the reset engine. An implementation whose answers depend on
    // more than the run (a flaky or stateful external server) would
    // otherwise leave a case that does not reproduce.
    let first = engine.trace(&small.run);
    let second = engine.trace(&small.run);
    let expected = Expected::of(&first);
    if goal_of(&first).as_ref() != Some(&goal) || Expected::of(&second) != expected {
        bail!(
            "the minimised run does not give \"{goal}\" every time it is replayed (got {expected}, then {}): the implementation's answers depend on more than the run; nothing written",
            Expected::of(&second)
        );
    }
    Ok(Case::new(name, note, &small.run, expected)?.with_seat(seat))
}
