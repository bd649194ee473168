//! The planted-bug benchmark's plot: for each bug, the empirical
//! cumulative distribution (ECDF) of executions to the bug, one curve per
//! engine (libFuzzer's executions, proptest's generated cases), on a log
//! scale, so the tail a nightly job would lose is visible. Reads the CSV
//! `scripts/planted-bugs.sh` writes (bug,engine,seed,status,executions,
//! seconds); an unsolved trial never reaches the curve (the curve ends below
//! 1). Writes an SVG.
//!
//! Run: `cargo run --release --example ecdf_plot -- TRIALS.csv OUT.svg [BUDGET]`

use std::collections::BTreeMap;

use plotters::prelude::*;

/// One engine's trials of one bug: executions of the solved ones, and the
/// trial count.
#[derive(Default)]
struct Curve {
    solved: Vec<f64>,
    trials: usize,
}

/// Each (bug, engine)'s curve.
type Curves = BTreeMap<(String, String), Curve>;

fn read(path: &str) -> Result<(Vec<String>, Curves), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let mut order = Vec::new();
    let mut curves: Curves = BTreeMap::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let [bug, engine, _seed, status, execs, _secs] = f[..] else {
            return Err(format!("{path}:{}: expected 6 fields", n + 1));
        };
        if !order.iter().any(|b| b == bug) {
            order.push(bug.to_string());
        }
        let c = curves.entry((bug.to_string(), engine.to_string())).or_default();
        c.trials += 1;
        if status == "found" {
            c.solved.push(execs.parse::<f64>().map_err(|e| format!("{path}:{}: {e}", n + 1))?.max(1.0));
        }
    }
    if order.is_empty() {
        return Err(format!("{path}: no trials"));
    }
    Ok((order, curves))
}

fn draw(out: &str, budget: f64, bugs: &[String], curves: &Curves) -> Result<(), String> {
    // A font compiled in (dejavu, as `privdiff scenario --plot` does): no
    // system font needed.
    plotters::style::register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular())
        .map_err(|_| "cannot register the embedded font".to_string())?;
    let cols = 4usize;
    let rows = bugs.len().div_ceil(cols);
    let root = SVGBackend::new(out, (300 * cols as u32, 40 + 220 * rows as u32)).into_drawing_area();
    let e = |e: DrawingAreaErrorKind<_>| e.to_string();
    root.fill(&WHITE).map_err(e)?;
    let (title, body) = root.split_vertically(40);
    title
        .titled("Executions to the bug, ECDF over seeds: libFuzzer (blue) vs proptest (orange)", ("sans-serif", 18))
        .map_err(e)?;
    let panels = body.split_evenly((rows, cols));
    for (bug, panel) in bugs.iter().zip(panels.iter()) {
        let mut chart = ChartBuilder::on(panel)
            .caption(bug, ("sans-serif", 13))
            .margin(6)
            .x_label_area_size(22)
            .y_label_area_size(28)
            .build_cartesian_2d((1f64..budget).log_scale(), 0f64..1f64)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_labels(4)
            .y_labels(3)
            .x_label_formatter(&|x| format!("{x:.0e}"))
            .label_style(("sans-serif", 10))
            .draw()
            .map_err(|e| e.to_string())?;
        for (engine, color) in [("libfuzzer", BLUE), ("proptest", RGBColor(230, 120, 0))] {
            let Some(c) = curves.get(&(bug.clone(), engine.to_string())) else { continue };
            let mut xs = c.solved.clone();
            xs.sort_by(f64::total_cmp);
            let mut points = vec![(1.0, 0.0)];
            for (i, x) in xs.iter().enumerate() {
                points.push((*x, i as f64 / c.trials as f64));
                points.push((*x, (i + 1) as f64 / c.trials as f64));
            }
            points.push((budget, xs.len() as f64 / c.trials as f64));
            chart.draw_series(LineSeries::new(points, color.stroke_width(2))).map_err(|e| e.to_string())?;
        }
    }
    root.present().map_err(e)
}

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (csv, out) = match (args.first(), args.get(1)) {
        (Some(c), Some(o)) => (c.as_str(), o.as_str()),
        _ => {
            eprintln!("usage: ecdf_plot TRIALS.csv OUT.svg [BUDGET]");
            return std::process::ExitCode::from(2);
        }
    };
    let budget = match args.get(2).map(|b| b.parse::<f64>()) {
        None => 200_000.0,
        Some(Ok(b)) if b > 1.0 => b,
        Some(_) => {
            eprintln!("ecdf_plot: BUDGET must be a number above 1");
            return std::process::ExitCode::from(2);
        }
    };
    match read(csv).and_then(|(bugs, curves)| draw(out, budget, &bugs, &curves)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(why) => {
            eprintln!("ecdf_plot: {why}");
            std::process::ExitCode::from(2)
        }
    }
}
