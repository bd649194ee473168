//! The command line: argument parsing and the exit-code contract.
//!
//! Exit codes: 0 the run passes (or the command succeeded), 1 the run fails
//! (or a check found mismatches), 2 the input or the invocation is unusable.
//! Errors are one line on stderr, `privdiff: error: ...`; never a panic.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub mod corpus;
pub mod explore;
pub mod faults;
pub mod input;
pub mod minimize;
pub mod replay;
pub mod report;
pub mod scenario;
pub mod seeds;

/// `1234567` as `1,234,567`: the one digit grouping of every report.
pub fn thousands(n: impl Into<u64>) -> String {
    let digits = n.into().to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// Exit code for "the run or check failed".
pub const EXIT_FAIL: u8 = 1;
/// Exit code for "the input or invocation is unusable".
pub const EXIT_UNUSABLE: u8 = 2;

/// privdiff: differential fuzzing harness for phone-number privacy.
#[derive(Parser, Debug)]
#[command(name = "privdiff", version, about, long_about = None, arg_required_else_help = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run a raw fuzz input or a case file and tell it as a story.
    Replay(replay::ReplayArgs),
    /// Shrink a failing run to a minimal case file with the same failure kind.
    Minimize(minimize::MinimizeArgs),
    /// Keep and check reviewed case files.
    #[command(subcommand)]
    Corpus(corpus::CorpusCommand),
    /// Check every operation sequence up to a depth bound, breadth first.
    Explore(explore::ExploreArgs),
    /// Regenerate the differential seed corpus (typed fuzz inputs) from the
    /// reviewed cases plus generated runs.
    Seeds(seeds::SeedsArgs),
    /// Run the 2019 enumeration attack at scale on both eras.
    #[command(subcommand)]
    Scenario(scenario::ScenarioCommand),
    /// List the faults this build can plant (builds with `--features faults`).
    Faults(faults::FaultsArgs),
    /// Write the reviewer's HTML page for a corpus and/or crash artifacts.
    Report(report::ReportArgs),
}

/// Parses the command line, runs the command, maps errors to exit code 2.
pub fn main() -> ExitCode {
    use clap::{CommandFactory, FromArgMatches};
    // A negative number is a value written wrong ("invalid value '-3' for
    // '--depth'"), not an unknown flag: every (sub)command reads it so.
    fn negatives(c: clap::Command) -> clap::Command {
        c.allow_negative_numbers(true).mut_subcommands(negatives)
    }
    let cli = match negatives(Cli::command()).try_get_matches().and_then(|m| Cli::from_arg_matches(&m)) {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    // An interrupted command kills the implementations it started (they
    // run in process groups of their own, out of the terminal's reach)
    // and exits 130; what it printed so far stands. `explore` stops its
    // search instead and reports what it covered.
    if !matches!(cli.command, Command::Explore(_)) {
        let _ = ctrlc::set_handler(|| {
            privdiff::models::external::exit_killing_implementations(130, "privdiff: interrupted")
        });
    }
    let result = match cli.command {
        Command::Replay(a) => replay::run(a),
        Command::Minimize(a) => minimize::run(a),
        Command::Corpus(c) => corpus::run(c),
        Command::Scenario(cmd) => scenario::run(cmd),
        Command::Explore(a) => explore::run(a),
        Command::Seeds(a) => seeds::run(a),
        Command::Faults(a) => faults::run(a),
        Command::Report(a) => report::run(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("privdiff: error: {e:#}");
            ExitCode::from(EXIT_UNUSABLE)
        }
    }
}

/// Reports a command-line error in full on one line: every line of clap's
/// message (the missing argument's name is on its second line; a tip may
/// follow), then the usage, e.g. `privdiff: the following required
/// arguments were not provided: <FILE> (usage: privdiff replay <FILE>)`.
/// Help and version requests go to stdout with exit 0; a bare `privdiff`
/// prints the help to stdout with exit 2 (nothing was asked, so nothing was
/// done), without calling it an error.
fn usage_error(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            print!("{e}");
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            print!("{e}");
            ExitCode::from(EXIT_UNUSABLE)
        }
        _ => {
            eprintln!("privdiff: {}", one_line(&e.to_string()));
            ExitCode::from(EXIT_UNUSABLE)
        }
    }
}

/// clap's rendered error as one line (see [`usage_error`]).
fn one_line(rendered: &str) -> String {
    let mut text = String::new();
    let mut usage = None;
    for line in rendered.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(u) = line.strip_prefix("Usage: ") {
            usage = Some(u.to_string());
        } else if !line.starts_with("For more information") {
            let line = line.strip_prefix("error: ").unwrap_or(line);
            if !text.is_empty() {
                text.push_str(if text.ends_with(':') { " " } else { "; " });
            }
            text.push_str(line);
        }
    }
    match usage {
        Some(u) => format!("{text} (usage: {u})"),
        None => format!("{text} (see 'privdiff --help')"),
    }
}
