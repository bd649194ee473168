//! `--plot FILE`: members unmasked against numbers imported, drawn with
//! plotters to PNG or SVG and written whole through [`privdiff::files`].

use std::path::Path;

use anyhow::{anyhow, bail};
use plotters::coord::Shift;
use plotters::prelude::*;

use super::SizeReport;
use crate::cli::thousands;
use privdiff::world::Era;

/// The file formats `--plot` draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PlotFormat {
    Png,
    Svg,
}

impl PlotFormat {
    pub(super) fn of(path: &Path) -> anyhow::Result<PlotFormat> {
        let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("png") => Ok(PlotFormat::Png),
            Some("svg") => Ok(PlotFormat::Svg),
            _ => bail!("--plot: the file name must end in .png or .svg, got '{}'", path.display()),
        }
    }
}

/// Checks before the run that the plot can be written: no existing file
/// unless `force`, an existing directory that accepts a new file.
pub(super) fn check_plot_path(path: &Path, force: bool) -> anyhow::Result<()> {
    if path.exists() && !path.is_dir() && !force {
        bail!("--plot: {} already exists; pass --force to replace it", path.display());
    }
    privdiff::files::check_output_file(path, force).map_err(|e| anyhow!("--plot: {e}"))
}

/// Draws the plot to a temporary file next to `path`, then moves it into
/// place: replacing an existing file only with `force`, never leaving a
/// half-written one.
pub(super) fn plot(path: &Path, format: PlotFormat, reports: &[SizeReport], force: bool) -> anyhow::Result<()> {
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
