//! `privdiff scenario hk2019`: the 2019 attack at scale (issue 5).
//! Placeholder wiring; the full option set, table, JSON, progress bar,
//! plot and sweeps are being written.

use std::process::ExitCode;

use clap::{Args, Subcommand};

use crate::model::Era;
use crate::scenario::{Scenario, ScenarioConfig};

/// The scenarios.
#[derive(Subcommand, Debug)]
pub enum ScenarioCommand {
    /// The Hong Kong 2019 enumeration attack on a large public group.
    Hk2019(Hk2019Args),
}

/// Options of `scenario hk2019`.
#[derive(Args, Debug)]
pub struct Hk2019Args {
    /// Members of the public group.
    #[arg(long, default_value_t = 200_000)]
    pub members: u32,
}

/// Runs a scenario command.
pub fn run(cmd: ScenarioCommand) -> anyhow::Result<ExitCode> {
    let ScenarioCommand::Hk2019(args) = cmd;
    let config = ScenarioConfig {
        members: args.members,
        ..ScenarioConfig::default()
    };
    let scenario = Scenario::build(&config)?;
    for era in [Era::Legacy, Era::Patched] {
        let r = scenario.run(era)?;
        println!("{era}: matched {} unmasked {}", r.matched, r.unmasked);
    }
    Ok(ExitCode::SUCCESS)
}
