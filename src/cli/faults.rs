//! `privdiff faults`: the faults this build can plant (`models::faults`),
//! for scripts that run the planted-bug benchmark and `explore`'s table.
//! A build without the `faults` feature has none and says so.

use std::process::ExitCode;

use clap::Args;

/// Options of `faults`.
#[derive(Args, Debug)]
pub struct FaultsArgs {
    /// One name a line (for scripts), instead of the table.
    #[arg(long)]
    pub list: bool,
    /// Only faults of this scope: patched-server, both-servers, reading.
    #[arg(long, value_parser = ["patched-server", "both-servers", "reading"])]
    pub scope: Option<String>,
}

/// Prints the faults of this build.
#[cfg(feature = "faults")]
pub fn run(args: FaultsArgs) -> anyhow::Result<ExitCode> {
    use privdiff::models::faults::{Fault, Scope};
    let scope_name = |s: Scope| match s {
        Scope::PatchedServer => "patched-server",
        Scope::BothServers => "both-servers",
        Scope::Reading => "reading",
    };
    for f in Fault::ALL.iter().filter(|f| args.scope.as_deref().is_none_or(|s| s == scope_name(f.scope()))) {
        if args.list {
            println!("{}", f.name());
        } else {
            println!("{:32} {:15} {:4} {}", f.name(), scope_name(f.scope()), f.rule(), f.what());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// This build has no faults: says so, exit 2 (nothing to list).
#[cfg(not(feature = "faults"))]
pub fn run(_args: FaultsArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("this privdiff was built without faults; build with `--features faults` to list and plant them")
}
