//! `privdiff replay FILE`: run a raw fuzz input or a case file and tell it
//! as a story (or print the trace as JSON).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::input::{load, InputKind, PatchedImpl};
use super::EXIT_FAIL;
use crate::corpus::case::Expected;
use crate::corpus::story;
use crate::oracle::engine::Verdict;

/// Options of `replay`.
#[derive(Args, Debug)]
pub struct ReplayArgs {
    /// A libFuzzer artifact (raw bytes) or a case file (JSON).
    pub file: PathBuf,
    /// Print the trace as JSON instead of the story.
    #[arg(long)]
    pub json: bool,
    /// How to read FILE.
    #[arg(long = "as", value_enum, default_value_t = InputKind::Auto)]
    pub kind: InputKind,
    /// The implementation under test as the patched model.
    #[arg(long, value_enum, default_value_t = PatchedImpl::Patched)]
    pub patched_impl: PatchedImpl,
}

/// Exit 0 when the run passes, 1 when it fails.
pub fn run(args: ReplayArgs) -> anyhow::Result<ExitCode> {
    let loaded = load(&args.file, args.kind)?;
    let trace = args.patched_impl.engine().trace(&loaded.run);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&trace)?);
    } else {
        if let Some(case) = &loaded.case {
            println!("case {}: {}", case.name, case.note);
        }
        print!("{}", story::tell(&loaded.run, &trace));
        if let Some(case) = &loaded.case {
            let got = Expected::of(&trace);
            let agree = if case.expected.met_by(&trace.verdict) { "as expected" } else { "NOT as expected" };
            println!("expected: {}; got: {got} ({agree})", case.expected);
        }
    }
    Ok(match trace.verdict {
        Verdict::Pass { .. } => ExitCode::SUCCESS,
        Verdict::Fail { .. } => ExitCode::from(EXIT_FAIL),
    })
}
