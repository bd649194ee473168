//! The command line: argument parsing and the exit-code contract.
//!
//! Exit codes: 0 the run passes (or the command succeeded), 1 the run fails
//! (or a check found mismatches), 2 the input or the invocation is unusable.
//! Errors are one line on stderr, `privdiff: error: ...`; never a panic.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub mod corpus;
pub mod explore;
pub mod input;
pub mod minimize;
pub mod replay;
pub mod scenario;

/// Exit code for "the run or check failed".
pub const EXIT_FAIL: u8 = 1;
/// Exit code for "the input or invocation is unusable".
pub const EXIT_UNUSABLE: u8 = 2;

/// privdiff: differential fuzzing harness for phone-number privacy.
#[derive(Parser, Debug)]
#[command(name = "privdiff", version, about, long_about = None)]
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
    /// Run the 2019 enumeration attack at scale on both eras.
    #[command(subcommand)]
    Scenario(scenario::ScenarioCommand),
}

/// Parses the command line, runs the command, maps errors to exit code 2.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                print!("{e}");
                return ExitCode::SUCCESS;
            }
            let rendered = e.to_string();
            let first = rendered.lines().next().unwrap_or("invalid arguments");
            eprintln!("privdiff: {} (see 'privdiff --help')", first.trim_start_matches("error: ").trim());
            return ExitCode::from(EXIT_UNUSABLE);
        }
    };
    let result = match cli.command {
        Command::Replay(a) => replay::run(a),
        Command::Minimize(a) => minimize::run(a),
        Command::Corpus(c) => corpus::run(c),
        Command::Scenario(cmd) => scenario::run(cmd),
        Command::Explore(a) => explore::run(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("privdiff: error: {e:#}");
            ExitCode::from(EXIT_UNUSABLE)
        }
    }
}
