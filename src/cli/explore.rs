//! `privdiff explore`: every operation sequence up to a depth bound over a
//! small world, breadth first, through the engine and every check (see
//! `docs/EXPLORE.md`).
//!
//! Exit codes: 0 no failure within the bound (with `--canary`: the legacy
//! breach was found, as it must be); 1 a failing sequence was found (with
//! `--canary`: no breach within the bound); 2 unusable bounds or the state
//! cap reached; 130 interrupted by Ctrl-C (the covered depth is reported).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::input::{PatchedImpl, Seat};
use super::thousands;
use super::{EXIT_FAIL, EXIT_UNUSABLE};
use privdiff::corpus::case::Case;
use privdiff::explore::driver::{Driver, ExternalSeat};
use privdiff::explore::search::DEFAULT_MAX_STATES;
use privdiff::explore::search::{explore_with, Symmetry};
use privdiff::explore::{Checks, Conclusion, ExploreConfig, Finding, Observer, Report, Subject};
use privdiff::files::write_new;
use privdiff::models::external::{timeout_from_env, ImplSpec};
use privdiff::models::faults::Faults;
use privdiff::world::WorldConfig;

/// Exit code when Ctrl-C stopped the search.
pub const EXIT_INTERRUPTED: u8 = 130;

/// Options of `explore`.
#[derive(Args, Debug)]
pub struct ExploreArgs {
    /// Registered users (1-8).
    #[arg(long, default_value_t = 3)]
    pub users: u8,
    /// Public groups (1-3).
    #[arg(long, default_value_t = 1)]
    pub groups: u8,
    /// Numbers that belong to nobody (0-4).
    #[arg(long, default_value_t = 1)]
    pub unowned: u8,
    /// Longest operation sequence tried (at least 1).
    #[arg(long)]
    pub depth: usize,
    /// Search the legacy model for the shortest INV-1 breach (the canary).
    #[arg(long, conflicts_with = "patched_impl")]
    pub canary: bool,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Write the shortest failing case here (must not exist).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// The case's name (default: the output file's stem).
    #[arg(long)]
    pub name: Option<String>,
    /// The implementation under test as the patched model.
    #[arg(long, value_enum, default_value_t = PatchedImpl::Patched)]
    pub patched_impl: PatchedImpl,
    /// Your own implementation in the patched seat (`NAME=COMMAND`, the
    /// JSON-lines protocol of docs/PROTOCOL.md), one process per worker.
    /// Its states are merged only by its `digest` answers; without them
    /// the search does not merge (a tree: exact, exponential).
    #[arg(long = "impl", value_name = "NAME=COMMAND", conflicts_with_all = ["patched_impl", "canary"])]
    pub external: Option<ImplSpec>,
    /// Treat states that differ only by renaming users as different.
    #[arg(long)]
    pub no_symmetry: bool,
    /// The most distinct states to store (about 40 bytes each).
    #[arg(long, default_value_t = DEFAULT_MAX_STATES)]
    pub max_states: u64,
    /// Worker threads, 1-256 (default: all cores).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub threads: Option<u16>,
    /// Do not stop at the first failure: report every distinct failing
    /// signature within the bound, each with its shortest sequence (-o
    /// writes the first one found).
    #[arg(long, conflicts_with = "canary")]
    pub all: bool,
}

/// A progress bar per level on stderr, only on a terminal.
struct Bar(ProgressBar);

impl Observer for Bar {
    fn level(&self, depth: usize, parents: u64) {
        self.0.set_length(parents);
        self.0.set_position(0);
        self.0.set_message(format!("depth {depth}"));
    }
    fn advanced(&self, parents: u64) {
        self.0.inc(parents);
    }
}

fn bar(json: bool) -> ProgressBar {
    if json || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(1), ProgressDrawTarget::stderr());
    let style =
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg} {bar:30} {pos}/{len} states expanded")
            .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// Runs the search and reports.
pub fn run(args: ExploreArgs) -> anyhow::Result<ExitCode> {
    let config = config_of(&args);
    let checks = config.checks;
    // Everything that can be refused is refused before the search starts.
    privdiff::explore::search::validate(&config)?;
    let external = match &args.external {
        None => None,
        Some(spec) => {
            Some(ExternalSeat { spec: spec.clone(), timeout: timeout_from_env().map_err(|e| anyhow::anyhow!(e))? })
        }
    };
    let driver = Driver::new(config.world, checks).with_faults(Faults::from_env()?).with_external(external);
    // An implementation that does not start is one line, before the search.
    driver.engine().map_err(|e| anyhow::anyhow!(e))?;
    let name = case_name(&args);
    match &args.output {
        // The same rules as `minimize -o`: a new NAME.json in an existing
        // directory, so the case can go into the corpus as it is.
        Some(out) => super::minimize::check_output(out, &name)?,
        None if !privdiff::corpus::case::valid_name(&name) => {
            bail!("invalid case name {name:?}: use 1-64 of a-z, 0-9, '-' and '_'")
        }
        None => {}
    }
    if let Some(t) = args.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(usize::from(t))
            .build_global()
            .context("cannot start the worker threads")?;
    }

    let cancel = Arc::new(AtomicBool::new(false));
    {
        let cancel = Arc::clone(&cancel);
        // A second handler cannot be installed (only in tests that call run
        // twice): the search then simply cannot be interrupted.
        let _ = ctrlc::set_handler(move || cancel.store(true, Ordering::Relaxed));
    }
    let progress = Bar(bar(args.json));
    let mut report = explore_with(&config, &driver, &cancel, &progress)?;
    progress.0.finish_and_clear();
    if !report.distinct.is_empty() {
        report.name_causes(&mut driver.engine().map_err(|e| anyhow::anyhow!(e))?);
    }

    let case = failing_case(&args, &report, &driver, &name)?;
    // The report is printed even if the case cannot be written, so the
    // shortest sequence is never lost.
    let written = match (&case, &args.output) {
        (Some(case), Some(out)) => {
            write_new(out, &case.to_json()).with_context(|| format!("cannot write {}", out.display()))
        }
        _ => Ok(()),
    };
    if args.json {
        let value = serde_json::json!({ "report": report, "case": case });
        // (the case is in the document whether or not -o could take it)
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        print_text(&report, case.as_ref(), args.output.as_deref().filter(|_| written.is_ok()));
    }
    written?;
    Ok(exit_code(&report.conclusion, args.canary))
}

/// The search asked for by the options.
fn config_of(args: &ExploreArgs) -> ExploreConfig {
    let checks = if args.canary {
        Checks::Canary
    } else {
        let subject = match args.patched_impl {
            PatchedImpl::Patched => Subject::Patched,
            PatchedImpl::Legacy => Subject::LegacyAsPatched,
        };
        Checks::Lockstep { subject }
    };
    ExploreConfig {
        world: WorldConfig { users: args.users, groups: args.groups, unowned_numbers: args.unowned },
        depth: args.depth,
        checks,
        symmetry: !args.no_symmetry,
        max_states: args.max_states,
        all_signatures: args.all,
    }
}

/// The name of a case found: `--name`, else the stem of `-o`, else
/// "explored".
fn case_name(args: &ExploreArgs) -> String {
    match (&args.name, &args.output) {
        (Some(n), _) => n.clone(),
        (None, Some(o)) => o.file_stem().and_then(|s| s.to_str()).unwrap_or("explored").to_string(),
        (None, None) => "explored".to_string(),
    }
}

/// The case file of the shortest failing sequence, if the search found
/// one: noted with the command that found it and the seat it ran in.
fn failing_case(args: &ExploreArgs, report: &Report, driver: &Driver, name: &str) -> anyhow::Result<Option<Case>> {
    Ok(match report.failing_run() {
        Some(run) => {
            let note = format!(
                "shortest failing sequence found by `privdiff explore --users {} --groups {} --unowned {} --depth {}{}` ({} operation(s); breadth first over states keyed on every side, {})",
                args.users,
                args.groups,
                args.unowned,
                args.depth,
                match (args.canary, args.patched_impl) {
                    (true, _) => " --canary",
                    (false, PatchedImpl::Legacy) => " --patched-impl legacy",
                    (false, PatchedImpl::Patched) => "",
                },
                run.ops.len(),
                soundness(report)
            );
            let expected = driver.expected(&run).map_err(|e| anyhow::anyhow!(e))?;
            let mut case = Case::new(name, &note, &run, expected)?;
            // The case records the seat it was found in, so that replaying
            // it runs the same lineup (`replay` of it is "as expected").
            if !args.canary {
                let seat = match &args.external {
                    Some(spec) => Seat::External(spec.name.clone()),
                    None => Seat::Builtin(args.patched_impl),
                };
                case = case.with_seat(&seat);
            }
            Some(case)
        }
        None => None,
    })
}

/// The exit code: success when the search concluded as the checks want
/// (no failure, or with `--canary` the loophole found), else a failure,
/// an interruption or an unusable search.
fn exit_code(conclusion: &Conclusion, canary: bool) -> ExitCode {
    match (conclusion, canary) {
        (Conclusion::NoFailure, false) | (Conclusion::Found { .. }, true) => ExitCode::SUCCESS,
        (Conclusion::Found { .. }, false) | (Conclusion::NoFailure, true) => ExitCode::from(EXIT_FAIL),
        (Conclusion::Interrupted, _) => ExitCode::from(EXIT_INTERRUPTED),
        (Conclusion::StateCap, _) | (Conclusion::Unusable { .. }, _) => ExitCode::from(EXIT_UNUSABLE),
    }
}

/// The soundness condition the search ran under, in words.
fn soundness(report: &Report) -> String {
    use privdiff::explore::canon::KeyMode;
    let keys = match report.key_mode {
        KeyMode::Renamed => "states merged only when every side's whole state agrees",
        KeyMode::Digest => "states merged only when every side's state (or digest) agrees",
        KeyMode::Tree => "no states merged (an implementation gives no digest): every path checked",
    };
    let symmetry = match &report.symmetry {
        Symmetry::Used => "user symmetry used (self-check passed)".to_string(),
        Symmetry::Off => "no symmetry".to_string(),
        Symmetry::Refused { why } => format!("no symmetry ({why})"),
    };
    format!("{keys}; {symmetry}; children {}", if report.forked { "forked" } else { "replayed" })
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The plain text report: the bounds, the soundness condition, the states
/// found per depth, the speed and the conclusion.
fn print_text(report: &Report, case: Option<&Case>, output: Option<&std::path::Path>) {
    let c = &report.config;
    let w = c.world;
    let checks = match c.checks {
        Checks::Canary => "canary (legacy against INV-1)".to_string(),
        Checks::Lockstep { subject: Subject::Patched } => {
            format!("lockstep engine, every check (D-1..D-4, INV-1..4), {} in the patched seat", report.subject)
        }
        Checks::Lockstep { subject: Subject::LegacyAsPatched } => {
            "lockstep engine, every check (D-1..D-4, INV-1..4), legacy in the patched seat".to_string()
        }
    };
    println!(
        "explore: {}, {}, {}; depth <= {}; alphabet {}; symmetry over {}; {}; {}",
        plural(u64::from(w.users), "user", "users"),
        plural(u64::from(w.groups), "group", "groups"),
        plural(u64::from(w.unowned_numbers), "unowned number", "unowned numbers"),
        c.depth,
        report.alphabet,
        plural(report.permutations as u64, "renaming", "renamings"),
        checks,
        plural(report.threads as u64, "thread", "threads"),
    );
    let keys: Vec<String> = report.keys.iter().map(|(n, k)| format!("{n}: {k:?}")).collect();
    println!("soundness: {}; implementations keyed by [{}]", soundness(report), keys.join(", "));
    println!("depth  new distinct states");
    let last = report.states_per_depth.len().saturating_sub(1);
    for (d, n) in report.states_per_depth.iter().enumerate() {
        // A level the search left early (a failure, Ctrl-C, the cap) was
        // not finished: its count is what was found before stopping.
        let partial = d == last && d > report.checked_depth;
        println!("{d:>5}  {:>19}{}", thousands(*n), if partial { "  (level not finished)" } else { "" });
    }
    println!(
        "states {}  transitions {}  time {:.1} s  states/s {}  transitions/s {}",
        thousands(report.states),
        thousands(report.transitions),
        report.seconds,
        thousands(report.states_per_second as u64),
        thousands(report.transitions_per_second as u64),
    );
    print_conclusion(report, case, output);
    if !report.distinct.is_empty() {
        println!(
            "distinct failing signatures within the bound: {} (each with its shortest sequence; failing states not expanded)",
            report.distinct.len()
        );
        for d in &report.distinct {
            println!("  {} ({} op(s), {} failing transition(s)):", d.signature, d.ops.len(), thousands(d.count));
            for (i, op) in d.ops.iter().enumerate() {
                println!("    step {i}: {op}");
            }
        }
    }
}

/// The text output's last lines: how the search ended, with the failing
/// sequence if there is one.
fn print_conclusion(report: &Report, case: Option<&Case>, output: Option<&std::path::Path>) {
    let c = &report.config;
    let w = c.world;
    match &report.conclusion {
        Conclusion::NoFailure => {
            let what = if matches!(c.checks, Checks::Canary) { "no legacy INV-1 breach" } else { "no failure" };
            println!(
                "{what} in any sequence of <= {} operations over {} users, {} groups, {} numbers with alphabet {}",
                c.depth, w.users, w.groups, w.unowned_numbers, report.alphabet
            );
        }
        Conclusion::Found { ops, finding } => {
            println!("shortest failing sequence: {} operation(s) (no shorter one fails within these bounds)", ops.len());
            for (i, op) in ops.iter().enumerate() {
                println!("  step {i}: {op}");
            }
            match finding.as_ref() {
                Finding::Failure { failure } => println!("  FAIL {failure}"),
                Finding::LegacyBreach { step, breach } => println!(
                    "  LOOPHOLE (legacy, INV-1) at step {step}: {} obtained {}'s hidden number {}",
                    breach.viewer, breach.link.user, breach.link.phone
                ),
            }
            match (case, output) {
                (Some(case), Some(out)) => {
                    println!("wrote {} (expected {}); keep it with `privdiff corpus add`", out.display(), case.expected)
                }
                _ => println!("pass -o FILE to write it as a case file"),
            }
        }
        Conclusion::Interrupted => println!(
            "interrupted: every sequence of <= {} operations was checked (of the {} asked for)",
            report.checked_depth, c.depth
        ),
        Conclusion::Unusable { why } => println!(
            "stopped: an implementation stopped answering ({why}); every sequence of <= {} operations was checked",
            report.checked_depth
        ),
        Conclusion::StateCap => println!(
            "stopped at the state cap of {} states: every sequence of <= {} operations was checked (of the {} asked for); raise --max-states or lower the bounds",
            thousands(c.max_states),
            report.checked_depth,
            c.depth
        ),
    }
}
