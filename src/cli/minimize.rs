//! `privdiff minimize FILE -o OUT`: shrink a failing (or legacy-leaking)
//! run to a minimal case with the same failure kind, written as a case file.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Args;

use super::input::{load, InputKind, PatchedImpl};
use crate::corpus::case::{write_new, Case, Expected};
use crate::corpus::minimize::{goal_of, minimize_with};

/// Options of `minimize`.
#[derive(Args, Debug)]
pub struct MinimizeArgs {
    /// A libFuzzer artifact (raw bytes) or a case file (JSON).
    pub file: PathBuf,
    /// Where to write the minimal case file (must not exist).
    #[arg(short, long)]
    pub output: PathBuf,
    /// The case's name (default: the output file's stem).
    #[arg(long)]
    pub name: Option<String>,
    /// How to read FILE.
    #[arg(long = "as", value_enum, default_value_t = InputKind::Auto)]
    pub kind: InputKind,
    /// The implementation under test as the patched model.
    #[arg(long, value_enum, default_value_t = PatchedImpl::Patched)]
    pub patched_impl: PatchedImpl,
}

/// Shrinks and writes; exit 0 on success.
pub fn run(args: MinimizeArgs) -> anyhow::Result<ExitCode> {
    let loaded = load(&args.file, args.kind)?;
    let name = match &args.name {
        Some(n) => n.clone(),
        None => args.output.file_stem().and_then(|s| s.to_str()).unwrap_or("case").to_string(),
    };
    if args.output.exists() {
        bail!("{} already exists; choose another -o", args.output.display());
    }
    let note = format!("minimised from {}", args.file.display());
    let case = shrink_to_case(&loaded.run, &name, &note, &mut args.patched_impl.engine())?;
    write_new(&args.output, &case.to_json()).with_context(|| format!("cannot write {}", args.output.display()))?;
    println!("wrote {} ({} operation(s), expected {})", args.output.display(), case.ops.len(), case.expected);
    Ok(ExitCode::SUCCESS)
}

/// Shrinks `run` and returns it as a case with its verdict; refuses a run
/// that neither fails nor shows the loophole.
pub fn shrink_to_case(
    run: &crate::world::Run,
    name: &str,
    note: &str,
    engine: &mut crate::oracle::engine::Engine,
) -> anyhow::Result<Case> {
    let Some(goal) = goal_of(&engine.verdict(run)) else {
        bail!("nothing to minimise: the run passes and the legacy model leaks nothing");
    };
    let small = minimize_with(run, &goal, engine);
    eprintln!(
        "minimised {} operation(s) to {} keeping \"{goal}\" ({} candidate runs)",
        run.ops.len(),
        small.run.ops.len(),
        small.tests
    );
    let expected = Expected::of_verdict(&engine.verdict(&small.run));
    Ok(Case::new(name, note, &small.run, expected)?)
}
