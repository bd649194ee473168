//! `privdiff corpus add` and `privdiff corpus check`: keeping findings as
//! reviewed, replayable case files.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, Subcommand};

use super::input::{load, InputKind};
use super::minimize::shrink_to_case;
use super::EXIT_FAIL;
use crate::corpus::case::{valid_name, write_new, Case, Expected};
use crate::oracle::engine;

/// Where reviewed cases live, relative to the repository root.
pub const REGRESSIONS: &str = "corpus/regressions";

/// The corpus subcommands.
#[derive(Subcommand, Debug)]
pub enum CorpusCommand {
    /// Minimise an artifact and keep it as a reviewed case file.
    Add(AddArgs),
    /// Replay every case file and compare with its expected verdict.
    Check(CheckArgs),
}

/// Options of `corpus add`.
#[derive(Args, Debug)]
pub struct AddArgs {
    /// A libFuzzer artifact (raw bytes) or a case file (JSON).
    pub artifact: PathBuf,
    /// The case's name: 1-64 of a-z, 0-9, '-', '_'; also its file name.
    #[arg(long)]
    pub name: String,
    /// What the case shows, for reviewers.
    #[arg(long, default_value = "")]
    pub note: String,
    /// Directory to write into.
    #[arg(long, default_value = REGRESSIONS)]
    pub dir: PathBuf,
    /// Record "pass" as the expected verdict (for a finding whose fix lands
    /// in the same change) instead of the verdict the run gets now.
    #[arg(long)]
    pub expect_pass: bool,
    /// How to read ARTIFACT.
    #[arg(long = "as", value_enum, default_value_t = InputKind::Auto)]
    pub kind: InputKind,
}

/// Options of `corpus check`.
#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Directory of case files.
    #[arg(default_value = REGRESSIONS)]
    pub dir: PathBuf,
}

/// Runs a corpus subcommand.
pub fn run(cmd: CorpusCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        CorpusCommand::Add(a) => add(a),
        CorpusCommand::Check(c) => check(&c.dir),
    }
}

fn add(args: AddArgs) -> anyhow::Result<ExitCode> {
    if !valid_name(&args.name) {
        bail!("invalid case name {:?}: use 1-64 of a-z, 0-9, '-' and '_'", args.name);
    }
    let path = args.dir.join(format!("{}.json", args.name));
    if path.exists() {
        bail!("{} already exists; choose another --name", path.display());
    }
    let loaded = load(&args.artifact, args.kind)?;
    let note = if args.note.is_empty() {
        format!("added from {}; describe what this case shows", args.artifact.display())
    } else {
        args.note.clone()
    };
    let mut case = shrink_to_case(&loaded.run, &args.name, &note, &mut crate::oracle::engine::Engine::standard())?;
    if args.expect_pass {
        let legacy_inv1_breaches = crate::oracle::canary::all_legacy_breaches(&case.run()).len();
        case.expected = Expected::Pass { legacy_inv1_breaches };
    }
    std::fs::create_dir_all(&args.dir).with_context(|| format!("cannot create {}", args.dir.display()))?;
    write_new(&path, &case.to_json()).with_context(|| format!("cannot write {}", path.display()))?;
    println!("added {} ({} operation(s), expected {})", path.display(), case.ops.len(), case.expected);
    Ok(ExitCode::SUCCESS)
}

/// One case file's result.
#[derive(Debug)]
pub struct CheckResult {
    /// The file.
    pub path: PathBuf,
    /// `None` if it matched; otherwise what went wrong.
    pub mismatch: Option<String>,
}

/// Replays every `*.json` in `dir` (sorted by name) against its expected
/// verdict.
pub fn check_dir(dir: &Path) -> anyhow::Result<Vec<CheckResult>> {
    let entries = std::fs::read_dir(dir).with_context(|| format!("cannot read directory {}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    let mut engine = engine::Engine::standard();
    Ok(paths
        .into_iter()
        .map(|path| {
            let mismatch = match std::fs::read(&path).map_err(anyhow::Error::from).and_then(|b| Ok(Case::parse(&b)?)) {
                Err(e) => Some(format!("unreadable: {e:#}")),
                Ok(case) => {
                    let verdict = engine.verdict(&case.run());
                    let got = Expected::of_verdict(&verdict);
                    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
                    if stem != case.name {
                        Some(format!("the case is named {:?} but the file is {stem:?}", case.name))
                    } else {
                        (!case.expected.met_by(&verdict)).then(|| format!("expected {}, got {got}", case.expected))
                    }
                }
            };
            CheckResult { path, mismatch }
        })
        .collect())
}

fn check(dir: &Path) -> anyhow::Result<ExitCode> {
    let results = check_dir(dir)?;
    if results.is_empty() {
        bail!("no case files (*.json) in {}", dir.display());
    }
    let mut failed = 0;
    for r in &results {
        match &r.mismatch {
            None => println!("ok       {}", r.path.display()),
            Some(why) => {
                failed += 1;
                println!("MISMATCH {}: {why}", r.path.display());
            }
        }
    }
    println!("corpus check: {} passed, {failed} failed", results.len() - failed);
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(EXIT_FAIL) })
}
