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

use std::fmt;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{anyhow, bail};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use plotters::coord::Shift;
use plotters::prelude::*;
use serde::Serialize;

use crate::cli::EXIT_FAIL;
use privdiff::scale::scenario::{
    EraReport, MemberClass, Scenario, ScenarioConfig, ScenarioError, BYTES_PER_MEMBER, MAX_MEMBERS,
};
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

/// The memory a run may take: what the system reports available
/// (`MemAvailable` in /proc/meminfo), or less if `PRIVDIFF_MAX_MEMORY`
/// (bytes) says so; `None` when neither is known. A `PRIVDIFF_MAX_MEMORY`
/// that is not a whole number of bytes is an error, not ignored.
fn memory_limit() -> anyhow::Result<Option<u64>> {
    let available = std::fs::read_to_string("/proc/meminfo").ok().and_then(|text| {
        let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
        let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb * 1024)
    });
    let cap = match std::env::var("PRIVDIFF_MAX_MEMORY") {
        Err(_) => None,
        Ok(v) => Some(v.trim().parse::<u64>().map_err(|_| {
            anyhow!("PRIVDIFF_MAX_MEMORY must be a whole number of bytes (e.g. 4000000000), got {v:?}")
        })?),
    };
    Ok(match (available, cap) {
        (Some(a), Some(c)) => Some(a.min(c)),
        (a, c) => a.or(c),
    })
}

/// `bytes` in GB or MB, one decimal.
fn human_bytes(bytes: u64) -> String {
    let gb = bytes as f64 / 1e9;
    if gb >= 1.0 {
        format!("{gb:.1} GB")
    } else {
        format!("{:.1} MB", bytes as f64 / 1e6)
    }
}

/// Refuses a configuration whose run would not fit in memory.
fn check_memory(config: &ScenarioConfig) -> anyhow::Result<()> {
    let need = config.estimated_peak_bytes();
    if let Some(limit) = memory_limit()? {
        if need > limit {
            bail!(
                "--members {}: a run needs about {} of memory (about {BYTES_PER_MEMBER} bytes a member) but {} is available; use fewer members",
                config.members,
                human_bytes(need),
                human_bytes(limit)
            );
        }
    }
    Ok(())
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

/// The file formats `--plot` draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PlotFormat {
    Png,
    Svg,
}

impl PlotFormat {
    fn of(path: &Path) -> anyhow::Result<PlotFormat> {
        let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("png") => Ok(PlotFormat::Png),
            Some("svg") => Ok(PlotFormat::Svg),
            _ => bail!("--plot: the file name must end in .png or .svg, got '{}'", path.display()),
        }
    }
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

/// The `--json` document.
#[derive(Serialize)]
struct Document<'a> {
    scenario: &'static str,
    runs: Vec<RunJson<'a>>,
}

/// One size in the `--json` document.
#[derive(Serialize)]
struct RunJson<'a> {
    config: &'a ScenarioConfig,
    eras: Vec<EraJson>,
}

/// One era in the `--json` document: `by_class` is an object keyed by
/// class (`shows_number`, `hides_number`, `hides_and_restricts`,
/// `numbers_of_nobody`), as the table's rows.
#[derive(Serialize)]
struct EraJson {
    era: Era,
    imported: u32,
    matched: u32,
    unmasked: u32,
    inv1_breaches: u32,
    by_class: std::collections::BTreeMap<&'static str, ClassJson>,
}

/// A class's counts; the numbers of nobody have no members and show no
/// number, so those fields are left out for them.
#[derive(Serialize)]
struct ClassJson {
    #[serde(skip_serializing_if = "Option::is_none")]
    members: Option<u32>,
    imported: u32,
    matched: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    number_shown: Option<u32>,
}

/// The JSON key of a member class.
fn class_key(class: MemberClass) -> &'static str {
    match class {
        MemberClass::ShowsNumber => "shows_number",
        MemberClass::HidesNumber => "hides_number",
        MemberClass::HidesAndRestricts => "hides_and_restricts",
    }
}

/// Numbers imported that belong to no member: the table's last row.
fn spare_numbers(r: &EraReport) -> u32 {
    let member_numbers: u32 = r.by_class.iter().map(|(_, n)| n.imported).sum();
    r.imported.saturating_sub(member_numbers)
}

impl EraJson {
    fn of(r: &EraReport) -> EraJson {
        let mut by_class: std::collections::BTreeMap<&'static str, ClassJson> = r
            .by_class
            .iter()
            .map(|(class, n)| {
                let counts = ClassJson {
                    members: Some(n.members),
                    imported: n.imported,
                    matched: n.matched,
                    number_shown: Some(n.number_shown),
                };
                (class_key(*class), counts)
            })
            .collect();
        let spare = ClassJson { members: None, imported: spare_numbers(r), matched: 0, number_shown: None };
        by_class.insert("numbers_of_nobody", spare);
        EraJson {
            era: r.era,
            imported: r.imported,
            matched: r.matched,
            unmasked: r.unmasked,
            inv1_breaches: r.inv1_breaches,
            by_class,
        }
    }
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
        let runs = reports
            .iter()
            .map(|r| RunJson { config: &r.config, eras: r.eras.iter().map(EraJson::of).collect() })
            .collect();
        let doc = Document { scenario: "hk2019", runs };
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        print!("{}", render_tables(&reports));
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

/// The row label of a member class.
fn class_label(class: MemberClass) -> &'static str {
    match class {
        MemberClass::ShowsNumber => "shows number",
        MemberClass::HidesNumber => "hides number",
        MemberClass::HidesAndRestricts => "hides and restricts finding",
    }
}

/// The plain tables: per size and era, then a summary for a sweep.
fn render_tables(reports: &[SizeReport]) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    if let Some(first) = reports.first() {
        let c = &first.config;
        let _ = writeln!(
            out,
            "hk2019: {} members; hide share {}, restrict share {}, member share {}, seed {}",
            c.members, c.hide_share, c.restrict_share, c.member_share, c.seed
        );
    }
    for size in reports {
        for r in &size.eras {
            let _ = writeln!(
                out,
                "\n{} era: {} numbers imported, {} matched, {} members unmasked, {} INV-1 breaches",
                r.era, r.imported, r.matched, r.unmasked, r.inv1_breaches
            );
            let _ = writeln!(
                out,
                "  {:<28} {:>10} {:>10} {:>10} {:>12}",
                "member class", "members", "imported", "matched", "number shown"
            );
            for (class, n) in &r.by_class {
                let _ = writeln!(
                    out,
                    "  {:<28} {:>10} {:>10} {:>10} {:>12}",
                    class_label(*class),
                    n.members,
                    n.imported,
                    n.matched,
                    n.number_shown
                );
            }
            let _ = writeln!(
                out,
                "  {:<28} {:>10} {:>10} {:>10} {:>12}",
                "numbers of nobody",
                "-",
                spare_numbers(r),
                0,
                "-"
            );
        }
    }
    if reports.len() > 1 {
        let _ = writeln!(out, "\nsweep: members unmasked by numbers imported");
        let _ =
            writeln!(out, "  {:>10} {:>10} {:>10} {:>22}", "imported", "legacy", "patched", "legacy INV-1 breaches");
        for size in reports {
            let unmasked = |era| size.era(era).map_or(0, |r| r.unmasked);
            let breaches = size.era(Era::Legacy).map_or(0, |r| r.inv1_breaches);
            let _ = writeln!(
                out,
                "  {:>10} {:>10} {:>10} {:>22}",
                size.config.imports,
                unmasked(Era::Legacy),
                unmasked(Era::Patched),
                breaches
            );
        }
    }
    out
}

/// Checks before the run that the plot can be written: no existing file
/// unless `force`, an existing directory that accepts a new file.
fn check_plot_path(path: &Path, force: bool) -> anyhow::Result<()> {
    if path.exists() && !path.is_dir() && !force {
        bail!("--plot: {} already exists; pass --force to replace it", path.display());
    }
    privdiff::files::check_output_file(path, force).map_err(|e| anyhow!("--plot: {e}"))
}

/// Draws the plot to a temporary file next to `path`, then moves it into
/// place: replacing an existing file only with `force`, never leaving a
/// half-written one.
fn plot(path: &Path, format: PlotFormat, reports: &[SizeReport], force: bool) -> anyhow::Result<()> {
    // Both backends lay text out with the embedded font; the bitmap one
    // also rasterises it (plotters' `ab_glyph` feature, no system fonts).
    plotters::style::register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular())
        .map_err(|_| anyhow!("the embedded font could not be loaded"))?;
    let size = (1024, 700);
    let tmp = privdiff::files::temporary_next_to(path);
    let result = match format {
        PlotFormat::Png => draw(BitMapBackend::new(&tmp, size).into_drawing_area(), reports),
        PlotFormat::Svg => draw(SVGBackend::new(&tmp, size).into_drawing_area(), reports),
    };
    match result {
        Ok(()) => privdiff::files::place(&tmp, path, force)
            .map_err(|e| anyhow!("--plot: cannot write {}: {e}", path.display())),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(anyhow!("--plot: cannot draw {}: {e}", path.display()))
        }
    }
}

/// `1234567` as `1,234,567`.
fn thousands(n: u32) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// Members unmasked against numbers imported, one line per era, the gap
/// between them (legacy's INV-1 breaches: hiders who restrict finding,
/// unmasked only through the loophole) as a band, and the knobs under the
/// title.
fn draw<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, reports: &[SizeReport]) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let Some(first) = reports.first() else { return Err("nothing to draw".to_string()) };
    let c = &first.config;
    // Headroom on both axes so that the end points are not clipped.
    let x_top = reports.iter().map(|r| r.config.imports).max().unwrap_or(0);
    let x_max = (u64::from(x_top) * 21 / 20).max(1) as u32 + 1;
    let y_top = reports.iter().flat_map(|r| r.eras.iter().map(|e| e.unmasked)).max().unwrap_or(0);
    let y_max = (u64::from(y_top) * 11 / 10).max(1) as u32 + 1;

    root.fill(&WHITE).map_err(e)?;
    let (header, body) = root.split_vertically(86);
    let title = format!("Hong Kong 2019 enumeration attack: {} members", thousands(c.members));
    header.draw(&Text::new(title, (24, 14), ("sans-serif", 26))).map_err(e)?;
    let knobs = format!(
        "{} members; numbers imported {}; member share {}, hide share {}, restrict share {}, seed {}",
        thousands(c.members),
        reports.iter().map(|r| thousands(r.config.imports)).collect::<Vec<_>>().join(", "),
        c.member_share,
        c.hide_share,
        c.restrict_share,
        c.seed
    );
    header.draw(&Text::new(knobs, (24, 52), ("sans-serif", 16))).map_err(e)?;
    let mut chart = ChartBuilder::on(&body)
        .margin(24)
        .x_label_area_size(56)
        .y_label_area_size(84)
        .build_cartesian_2d(0u32..x_max, 0u32..y_max)
        .map_err(e)?;
    chart
        .configure_mesh()
        .x_desc("numbers imported")
        .y_desc("members unmasked (hidden number shown)")
        .x_label_formatter(&|x| thousands(*x))
        .y_label_formatter(&|y| thousands(*y))
        .label_style(("sans-serif", 16))
        .axis_desc_style(("sans-serif", 18))
        .draw()
        .map_err(e)?;
    let series = |era| -> Vec<(u32, u32)> {
        reports.iter().filter_map(|r| r.era(era).map(|e| (r.config.imports, e.unmasked))).collect()
    };
    let mut band = series(Era::Legacy);
    band.extend(series(Era::Patched).into_iter().rev());
    let gap = RED.mix(0.15);
    chart
        .draw_series(std::iter::once(Polygon::new(band, gap.filled())))
        .map_err(e)?
        .label("gap: legacy's INV-1 breaches (the loophole)")
        .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 24, y + 6)], gap.filled()));
    for (era, color) in [(Era::Legacy, RED), (Era::Patched, BLUE)] {
        let points = series(era);
        chart
            .draw_series(LineSeries::new(points.clone(), color.stroke_width(3)))
            .map_err(e)?
            .label(format!("{era} era"))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(3)));
        chart.draw_series(points.into_iter().map(|p| Circle::new(p, 5, color.filled()))).map_err(e)?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font(("sans-serif", 18))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()
        .map_err(e)?;
    root.present().map_err(e)
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
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(200_000), "200,000");
        assert_eq!(thousands(2_000_000), "2,000,000");
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

    #[test]
    fn tables_show_every_class_and_the_breaches() {
        let config = ScenarioConfig { members: 300, imports: 100, member_share: 0.9, ..ScenarioConfig::default() };
        let s = Scenario::build(&config).unwrap();
        let eras = vec![s.run(Era::Legacy).unwrap(), s.run(Era::Patched).unwrap()];
        let text = render_tables(&[SizeReport { config, eras: eras.clone() }]);
        for label in ["shows number", "hides number", "hides and restricts finding", "numbers of nobody"] {
            assert_eq!(text.matches(label).count(), 2, "{label} once per era:\n{text}");
        }
        let line = format!(
            "legacy era: 100 numbers imported, {} matched, {} members unmasked",
            eras[0].matched, eras[0].unmasked
        );
        assert!(text.contains(&line), "{text}");
        assert!(text.contains(&format!("{} INV-1 breaches", eras[0].inv1_breaches)));
        assert!(!text.contains("sweep:"), "no summary for a single size");
    }
}
