//! `privdiff corpus add` and `privdiff corpus check`: keeping findings as
//! reviewed, replayable case files.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, Subcommand};

use super::input::{load, ImplArgs, InputKind, PatchedImpl, Seating};
use super::minimize::shrink_to_case;
use super::EXIT_FAIL;
use privdiff::corpus::case::{valid_name, Case, Expected};
use privdiff::corpus::check::check_dir_with;
use privdiff::files::write_new;
use privdiff::oracle::engine;

/// Where reviewed cases live, relative to the repository root.
pub const REGRESSIONS: &str = "corpus/regressions";

/// The repository root: the nearest directory, from the current one up,
/// holding the `Cargo.toml` of package `privdiff`.
pub fn repository_root() -> anyhow::Result<PathBuf> {
    let here = std::env::current_dir().context("cannot read the current directory")?;
    for dir in here.ancestors() {
        let manifest = dir.join("Cargo.toml");
        if let Ok(text) = std::fs::read_to_string(&manifest) {
            if text.lines().any(|l| l.replace(' ', "") == "name=\"privdiff\"") {
                return Ok(dir.to_path_buf());
            }
        }
    }
    bail!(
        "{} is not inside the privdiff repository (no Cargo.toml of package privdiff here or above); run from the repository or name the directory",
        here.display()
    )
}

/// The corpus directory to use: the one given, else
/// `corpus/regressions` under the repository root (never under the current
/// directory).
fn corpus_dir(given: Option<&Path>) -> anyhow::Result<PathBuf> {
    match given {
        Some(dir) => Ok(dir.to_path_buf()),
        None => Ok(repository_root()?.join(REGRESSIONS)),
    }
}

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
    /// Directory to write into (default: corpus/regressions at the
    /// repository root, wherever privdiff runs from inside it).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Record "pass" as the expected verdict (for a finding whose fix lands
    /// in the same change) instead of the verdict the run gets now.
    #[arg(long)]
    pub expect_pass: bool,
    /// Keep the run as written (a reviewed story): no minimising; the
    /// verdict it gets now is recorded, whatever it is (a pass without any
    /// legacy leak included).
    #[arg(long)]
    pub keep: bool,
    /// How to read ARTIFACT.
    #[arg(long = "as", value_enum, default_value_t = InputKind::Auto)]
    pub kind: InputKind,
    /// The implementation under test as the patched model (default: the
    /// one a case file records, else patched); recorded in the case.
    #[arg(long, value_enum)]
    pub patched_impl: Option<PatchedImpl>,
    /// An external implementation in the patched seat (`--impl
    /// NAME=COMMAND`); the case records its name, and replaying it needs
    /// the same `--impl`.
    #[command(flatten)]
    pub implementation: ImplArgs,
}

/// Options of `corpus check`.
#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Directory of case files (default: corpus/regressions at the
    /// repository root, wherever privdiff runs from inside it).
    pub dir: Option<PathBuf>,
    /// An external implementation (`--impl NAME=COMMAND`, `--beside`).
    #[command(flatten)]
    pub implementation: ImplArgs,
}

/// Runs a corpus subcommand.
pub fn run(cmd: CorpusCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        CorpusCommand::Add(a) => add(a),
        CorpusCommand::Check(c) => {
            let dir = corpus_dir(c.dir.as_deref())?;
            let seating = Seating::choose(None, &c.implementation, None)?;
            check(&dir, &mut c.implementation.engine(PatchedImpl::Patched)?, &seating.seat)
        }
    }
}

fn add(args: AddArgs) -> anyhow::Result<ExitCode> {
    if !valid_name(&args.name) {
        bail!("invalid case name {:?}: use 1-64 of a-z, 0-9, '-' and '_'", args.name);
    }
    let dir = corpus_dir(args.dir.as_deref())?;
    // A directory named on the command line must be there already: a typo
    // must not scatter a case into a new directory nobody replays.
    if args.dir.is_some() && !dir.is_dir() {
        bail!("--dir {} is not a directory; create it first, or leave --dir out for {REGRESSIONS}", dir.display());
    }
    let path = dir.join(format!("{}.json", args.name));
    if path.exists() {
        bail!("{} already exists; choose another --name", path.display());
    }
    // Where the case goes is checked before the (possibly long) shrinking.
    if dir.is_dir() {
        privdiff::files::check_writable_dir(&dir).map_err(|e| anyhow::anyhow!(e))?;
    }
    let loaded = load(&args.artifact, args.kind)?;
    let seating = Seating::choose(args.patched_impl, &args.implementation, loaded.case.as_ref())?;
    let seat = seating.for_new_case(&args.implementation)?;
    let mut engine = args.implementation.engine(seating.builtin)?;
    let note = match (&loaded.case, args.note.is_empty()) {
        (_, false) => args.note.clone(),
        (Some(case), true) if args.keep => case.note.clone(),
        _ => format!("added from {}; describe what this case shows", args.artifact.display()),
    };
    let mut case = if args.keep {
        let trace = engine.trace(&loaded.run);
        Case::new(&args.name, &note, &loaded.run, Expected::of(&trace))?.with_seat(&seat)
    } else {
        shrink_to_case(&loaded.run, &args.name, &note, &seat, &mut engine)?
    };
    if args.expect_pass {
        let legacy_inv1_breaches = privdiff::oracle::canary::all_legacy_breaches(&case.run()).len();
        case.expected = Expected::Pass { legacy_inv1_breaches };
    }
    println!("corpus: {}", dir.display());
    if dir.is_dir() {
        for twin in duplicates(&dir, &case) {
            eprintln!("privdiff: warning: this case has the same world and operations as {}", twin.display());
        }
        if matches!(case.expected, Expected::Fail { .. }) {
            let same = same_signature(&dir, &case);
            if !same.is_empty() {
                let names: Vec<String> = same.iter().map(|p| p.display().to_string()).collect();
                eprintln!(
                    "privdiff: warning: the corpus already holds this failure's signature ({}): {}; is it the same bug?",
                    case.expected,
                    names.join(", ")
                );
            }
        }
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    write_new(&path, &case.to_json()).with_context(|| format!("cannot write {}", path.display()))?;
    println!("added {} ({} operation(s), expected {})", path.display(), case.ops.len(), case.expected);
    Ok(ExitCode::SUCCESS)
}

/// The case files in `dir` that expect the failure `case` expects (the same
/// kind, rule, operation kind and implementation): most likely the same bug.
fn same_signature(dir: &Path, case: &Case) -> Vec<PathBuf> {
    cases_where(dir, |other| other.expected == case.expected)
}

/// The case files in `dir` with the same world and operations as `case`.
fn duplicates(dir: &Path, case: &Case) -> Vec<PathBuf> {
    cases_where(dir, |other| other.world == case.world && other.ops == case.ops)
}

/// The readable case files in `dir` that `keep` accepts, in name order.
fn cases_where(dir: &Path, keep: impl Fn(&Case) -> bool) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut found: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .filter(|p| std::fs::read(p).ok().and_then(|b| Case::parse(&b).ok()).is_some_and(|c| keep(&c)))
        .collect();
    found.sort();
    found
}

fn check(dir: &Path, engine: &mut engine::Engine, seat: &privdiff::oracle::lineup::Seat) -> anyhow::Result<ExitCode> {
    println!("corpus: {}", dir.display());
    let (mut failed, mut skipped) = (0, 0);
    let mut report = |r: &privdiff::corpus::check::CheckResult| match (&r.mismatch, &r.skipped) {
        (Some(why), _) => {
            failed += 1;
            println!("MISMATCH {}: {why}", r.path.display());
        }
        (None, Some(why)) => {
            skipped += 1;
            println!("skipped  {}: {why}", r.path.display());
        }
        (None, None) => println!("ok       {}", r.path.display()),
    };
    let results = check_dir_with(dir, engine, seat, &mut report)
        .with_context(|| format!("cannot read directory {}", dir.display()))?;
    if results.is_empty() {
        bail!("no case files (*.json) in {}", dir.display());
    }
    if skipped == results.len() {
        bail!("no case in {} could be checked: every one was recorded against an external implementation (see the skipped lines)", dir.display());
    }
    let skipped_note = if skipped > 0 { format!(", {skipped} skipped") } else { String::new() };
    println!("corpus check: {} passed, {failed} failed{skipped_note}", results.len() - failed - skipped);
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(EXIT_FAIL) })
}
