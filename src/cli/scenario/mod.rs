//! `privdiff scenario hk2019`: the 2019 enumeration attack at scale (issue 5).
//!
//! Builds [`Scenario`]s from the options and runs each on the legacy and the
//! patched server model.
//!
//! - `--imports` takes one size or a comma list (`1000,5000,10000`): a list
//!   is a *sweep*, run in ascending order without repeats, each size on the
//!   same members (the seed fixes who hides before it picks the numbers).
//! - Output: by default a plain table per size and era (numbers imported,
//!   matched, members unmasked, per member class, INV-1 breaches), plus a
//!   summary table for a sweep; `--json` prints one JSON document instead:
//!   `{"scenario": "hk2019", "runs": [{"config": .., "eras": [legacy, patched]}]}`,
//!   each era's `by_class` an object keyed by class, `numbers_of_nobody`
//!   included.
//! - `--plot FILE` (`.png` or `.svg`) draws members unmasked against numbers
//!   imported, one line per era, the gap between them (legacy's INV-1
//!   breaches) as a band, the knobs under the title, thousands separated.
//!   The path is checked before the run (an existing file only with
//!   `--force`, an existing writable directory) and the file is written
//!   whole or not at all. A plot needs several points: a single size N runs
//!   as the sweep N/4, N/2, 3N/4, N (a note on stderr says so), and fewer
//!   than two distinct sizes are refused. Text is drawn with the DejaVu Sans
//!   font embedded in the binary, so no system font is needed.
//! - A progress bar goes to stderr for sweeps and runs over 1,000,000
//!   members, only when stderr is a terminal and never with `--json`.
//!
//! Counts are checked up front: members 1 to 99,999,999 and what fits in
//! memory (about [`BYTES_PER_MEMBER`] bytes a member against the memory
//! available, or `PRIVDIFF_MAX_MEMORY` bytes), members' numbers imported
//! (imports × member share) no more than the members.
//!
//! Exit codes (see [`privdiff::cli`]): 0 when the patched model holds INV-1;
//! 1 with one line on stderr when the patched model lets the attacker learn
//! a hidden number ([`ScenarioError::PatchedBreach`]); 2 for unusable
//! option values (one line).
//!
//! This file holds the options, the run and the progress bar; the memory
//! check is in `memory.rs`, the text tables in `table.rs`, the `--json`
//! document in `json.rs` and the plot in `plot.rs`.

mod json;
mod memory;
mod plot;
mod table;

use crate::cli::thousands;
use std::fmt;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::bail;
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

use crate::cli::EXIT_FAIL;
use memory::check_memory;
use plot::{check_plot_path, plot, PlotFormat};
use privdiff::scale::scenario::{EraReport, Scenario, ScenarioConfig, ScenarioError, MAX_MEMBERS};
use privdiff::world::Era;

/// The scenarios.
#[derive(Subcommand, Debug)]
pub enum ScenarioCommand {
    /// The Hong Kong 2019 enumeration attack on a large public group.
    Hk2019(Hk2019Args),
}

/// Options of `scenario hk2019`. Negative numbers are read as values (and
/// refused by the option's own check), not as unknown flags.
#[derive(Args, Debug)]
#[command(allow_negative_numbers = true)]
pub struct Hk2019Args {
    /// Members of the public group (the attacker is not counted), 1 to
    /// 99,999,999 and no more than fits in memory (about 350 bytes a member).
    #[arg(long, value_name = "N", value_parser = parse_members,
          default_value_t = ScenarioConfig::default().members)]
    pub members: u32,
    /// Numbers the attacker imports; a comma list (1000,5000,10000) runs a sweep.
    #[arg(long, value_name = "N[,N...]", value_parser = parse_sizes,
          default_value_t = ImportSizes(vec![ScenarioConfig::default().imports]))]
    pub imports: ImportSizes,
    /// Share of members who hide their number ("Nobody"), 0 to 1.
    #[arg(long, value_name = "SHARE", default_value_t = ScenarioConfig::default().hide_share)]
    pub hide_share: f64,
    /// Share of hiders who also restrict "find me" to My Contacts, 0 to 1.
    #[arg(long, value_name = "SHARE", default_value_t = ScenarioConfig::default().restrict_share)]
    pub restrict_share: f64,
    /// Share of imported numbers that are members' numbers, 0 to 1.
    #[arg(long, value_name = "SHARE", default_value_t = ScenarioConfig::default().member_share)]
    pub member_share: f64,
    /// Seed for who hides, who restricts and which numbers are imported.
    #[arg(long, value_name = "SEED", value_parser = parse_seed, default_value_t = ScenarioConfig::default().seed)]
    pub seed: u64,
    /// Print one JSON document (configurations and per-era reports).
    #[arg(long)]
    pub json: bool,
    /// Draw members unmasked against numbers imported to FILE (.png or
    /// .svg), in a directory that exists; an existing FILE only with --force.
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
    /// Let --plot replace an existing file.
    #[arg(long, requires = "plot")]
    pub force: bool,
}

/// The import sizes asked for: one, or several for a sweep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSizes(pub Vec<u32>);

impl fmt::Display for ImportSizes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list: Vec<String> = self.0.iter().map(u32::to_string).collect();
        f.write_str(&list.join(","))
    }
}

/// Reads an integer of any size and sign, so that a value out of range is
/// reported against the real limit rather than the integer type's.
fn parse_integer(text: &str) -> Result<i128, String> {
    text.trim().replace('_', "").parse::<i128>().map_err(|_| format!("expected a whole number, got '{}'", text.trim()))
}

/// Parses `--members`: 1 to [`MAX_MEMBERS`] (the numbering plan).
fn parse_members(text: &str) -> Result<u32, String> {
    let n = parse_integer(text)?;
    if (1..=i128::from(MAX_MEMBERS)).contains(&n) {
        Ok(n as u32)
    } else {
        Err(format!(
            "members must be between 1 and {} (the size of the numbering plan), got {n}",
            thousands(MAX_MEMBERS)
        ))
    }
}

/// Parses `--seed`: 0 to 2^64 - 1.
fn parse_seed(text: &str) -> Result<u64, String> {
    let n = parse_integer(text)?;
    u64::try_from(n).map_err(|_| format!("the seed must be between 0 and {}, got {n}", u64::MAX))
}

/// Parses `10000` or `1000,5000,10000` (underscores allowed in numbers).
fn parse_sizes(text: &str) -> Result<ImportSizes, String> {
    let mut sizes = Vec::new();
    for part in text.split(',') {
        let digits = part.trim().replace('_', "");
        let n = digits
            .parse::<u32>()
            .map_err(|_| format!("expected a count or a comma list of counts, got '{}'", part.trim()))?;
        sizes.push(n);
    }
    Ok(ImportSizes(sizes))
}

/// The sizes to run: the sweep asked for, ascending and without repeats; a
/// single size N with a plot becomes N/4, N/2, 3N/4, N.
fn sizes_to_run(asked: &[u32], plot: bool) -> Vec<u32> {
    let mut sizes = asked.to_vec();
    if plot && sizes.len() == 1 && sizes[0] > 0 {
        let n = u64::from(sizes[0]);
        sizes = (1..=4u64).map(|k| (n * k / 4) as u32).filter(|&s| s > 0).collect();
    }
    sizes.sort_unstable();
    sizes.dedup();
    sizes
}

/// One size of the run: its configuration and what each era reported.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct SizeReport {
    /// The configuration run.
    pub config: ScenarioConfig,
    /// Legacy, then patched.
    pub eras: Vec<EraReport>,
}

impl SizeReport {
    fn era(&self, era: Era) -> Option<&EraReport> {
        self.eras.iter().find(|r| r.era == era)
    }
}

/// Numbers imported that belong to no member: the table's last row.
fn spare_numbers(r: &EraReport) -> u32 {
    let member_numbers: u32 = r.by_class.iter().map(|(_, n)| n.imported).sum();
    r.imported.saturating_sub(member_numbers)
}

/// Runs one era of a built scenario (tests substitute broken models).
type EraRunner<'a> = &'a dyn Fn(&Scenario, Era) -> Result<EraReport, ScenarioError>;

/// Runs a scenario command.
pub fn run(cmd: ScenarioCommand) -> anyhow::Result<ExitCode> {
    let ScenarioCommand::Hk2019(args) = cmd;
    execute(&args, &|scenario, era| scenario.run(era))
}

fn execute(args: &Hk2019Args, run_era: EraRunner<'_>) -> anyhow::Result<ExitCode> {
    let format = args.plot.as_deref().map(PlotFormat::of).transpose()?;
    if let Some(path) = &args.plot {
        check_plot_path(path, args.force)?;
    }
    let sizes = sizes_to_run(&args.imports.0, format.is_some());
    if format.is_some() && sizes.len() < 2 {
        bail!("--plot needs at least two import sizes to draw a line, got {}; give a comma list", args.imports);
    }
    if format.is_some() && args.imports.0.len() == 1 {
        let list: Vec<String> = sizes.iter().map(u32::to_string).collect();
        eprintln!(
            "privdiff: note: --plot needs several points: the single size {} runs as the sweep {}",
            args.imports,
            list.join(",")
        );
    }
    let configs: Vec<ScenarioConfig> = sizes
        .into_iter()
        .map(|imports| ScenarioConfig {
            members: args.members,
            imports,
            hide_share: args.hide_share,
            restrict_share: args.restrict_share,
            member_share: args.member_share,
            seed: args.seed,
        })
        .collect();
    if configs.is_empty() {
        bail!("--imports: no size given");
    }
    for config in &configs {
        config.validate()?;
    }
    check_memory(&configs[0])?;

    let progress = progress_bar(args, &configs);
    let mut reports = Vec::with_capacity(configs.len());
    for config in configs {
        match run_size(config, run_era, &progress) {
            Ok(report) => reports.push(report),
            Err(ScenarioError::PatchedBreach(b)) => {
                progress.finish_and_clear();
                eprintln!("privdiff: FAIL: {}", ScenarioError::PatchedBreach(b));
                return Ok(ExitCode::from(EXIT_FAIL));
            }
            Err(e) => {
                progress.finish_and_clear();
                return Err(e.into());
            }
        }
    }
    progress.finish_and_clear();

    if args.json {
        println!("{}", json::render_json(&reports)?);
    } else {
        print!("{}", table::render_tables(&reports));
    }
    if let (Some(path), Some(format)) = (&args.plot, format) {
        plot(path, format, &reports, args.force)?;
        if !args.json {
            println!("plot written to {}", path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Builds and runs one size on both eras, advancing the progress bar.
fn run_size(
    config: ScenarioConfig,
    run_era: EraRunner<'_>,
    progress: &ProgressBar,
) -> Result<SizeReport, ScenarioError> {
    let what = format!("{} members, {} imports", config.members, config.imports);
    progress.set_message(format!("{what}: building"));
    let scenario = Scenario::build(&config)?;
    progress.inc(1);
    let mut eras = Vec::with_capacity(2);
    for era in [Era::Legacy, Era::Patched] {
        progress.set_message(format!("{what}: {era} era"));
        eras.push(run_era(&scenario, era)?);
        progress.inc(1);
    }
    Ok(SizeReport { config, eras })
}

/// A progress bar on stderr for long runs when stderr is a terminal;
/// otherwise a hidden one.
fn progress_bar(args: &Hk2019Args, configs: &[ScenarioConfig]) -> ProgressBar {
    let long = configs.len() > 1 || args.members > 1_000_000;
    if args.json || !long || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    // One step to build each size and one per era.
    let bar = ProgressBar::with_draw_target(Some(configs.len() as u64 * 3), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

#[cfg(test)]
mod tests {
    use super::*;
    use privdiff::models::implementation::{Implementation, TransportError};
    use privdiff::models::server::LegacyServer;
    use privdiff::scale::scenario::ScaleModel;
    use privdiff::world::ids::UserId;
    use privdiff::world::privacy::PrivacyKey;
    use privdiff::world::response::Slot;
    use privdiff::world::{Op, World};

    /// A legacy server that claims to be patched: the scenario must catch
    /// its INV-1 breaches as a patched breach.
    struct Mislabelled(LegacyServer);

    impl Implementation for Mislabelled {
        fn name(&self) -> &str {
            "patched"
        }
        fn era(&self) -> Era {
            Era::Patched
        }
        fn reset(&mut self, world: &World) -> Result<(), TransportError> {
            self.0.reset(world)
        }
        fn apply(&mut self, op: &Op, out: &mut Slot) -> Result<(), TransportError> {
            self.0.apply(op, out)
        }
    }

    impl ScaleModel for Mislabelled {
        fn allows(&self, owner: UserId, key: PrivacyKey, viewer: UserId) -> bool {
            self.0.allows(owner, key, viewer)
        }
    }

    fn args(members: u32, imports: &str) -> Hk2019Args {
        Hk2019Args {
            members,
            imports: parse_sizes(imports).unwrap(),
            hide_share: 0.5,
            restrict_share: 0.5,
            member_share: 1.0,
            seed: 2019,
            json: true,
            plot: None,
            force: false,
        }
    }

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0u64), "0");
        assert_eq!(thousands(999u64), "999");
        assert_eq!(thousands(200_000u64), "200,000");
        assert_eq!(thousands(2_000_000u64), "2,000,000");
    }

    #[test]
    fn sizes_parse_as_one_or_a_sweep() {
        assert_eq!(parse_sizes("10000").unwrap(), ImportSizes(vec![10_000]));
        assert_eq!(parse_sizes("1000, 5_000,10000").unwrap(), ImportSizes(vec![1_000, 5_000, 10_000]));
        assert!(parse_sizes("10k").unwrap_err().contains("'10k'"));
        assert!(parse_sizes("1000,,2000").is_err());
        assert!(parse_sizes("-5").is_err());
    }

    #[test]
    fn sizes_run_ascending_and_a_single_plotted_size_becomes_a_sweep() {
        assert_eq!(sizes_to_run(&[50, 10, 50], false), vec![10, 50]);
        assert_eq!(sizes_to_run(&[10_000], false), vec![10_000]);
        assert_eq!(sizes_to_run(&[10_000], true), vec![2_500, 5_000, 7_500, 10_000]);
        assert_eq!(sizes_to_run(&[2], true), vec![1, 2]);
        assert_eq!(sizes_to_run(&[0], true), vec![0]);
        assert_eq!(sizes_to_run(&[10, 20], true), vec![10, 20]);
    }

    #[test]
    fn validation_uses_the_scenario_messages() {
        let ok = ScenarioConfig { members: 10, imports: 5, ..ScenarioConfig::default() };
        assert_eq!(ok.validate(), Ok(()));
        let bad = ScenarioConfig { restrict_share: -0.1, ..ok.clone() };
        assert_eq!(bad.validate().unwrap_err().to_string(), "restrict share must be between 0 and 1, got -0.1");
        let none = ScenarioConfig { members: 0, ..ok.clone() };
        assert!(matches!(none.validate(), Err(ScenarioError::Members { got: 0, .. })));
        let many = ScenarioConfig { imports: MAX_MEMBERS + 1, ..ok };
        assert!(matches!(many.validate(), Err(ScenarioError::Imports { .. })));
    }

    /// INV-1 breach in the patched run: exit 1, not an error (exit 2).
    #[test]
    fn a_patched_breach_exits_1() {
        let broken = |s: &Scenario, era: Era| match era {
            Era::Legacy => s.run(era),
            Era::Patched => s.run_on(&mut Mislabelled(LegacyServer::new(&s.world))),
        };
        let code = execute(&args(200, "100"), &broken).unwrap();
        assert_eq!(code, ExitCode::from(EXIT_FAIL));
        let fine = execute(&args(200, "100"), &|s: &Scenario, era: Era| s.run(era)).unwrap();
        assert_eq!(fine, ExitCode::SUCCESS);
    }
}
