//! Charts rendered on the server to SVG with `plotters` (SVG backend only: no bitmaps, no
//! system fonts, nothing from the internet). The SVG text is embedded in the HTML report.

use plotters::prelude::*;

use crate::error::ReportError;

const BLUE: RGBColor = RGBColor(31, 78, 121);
const ORANGE: RGBColor = RGBColor(214, 110, 30);

fn err(e: impl std::fmt::Display) -> ReportError {
    ReportError::Chart(e.to_string())
}

/// Vertical bars, one per label.
pub fn bars(title: &str, bars: &[(String, u64)]) -> Result<String, ReportError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (720, 360)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let max = bars.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
        let n = bars.len().max(1) as u32;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d((0u32..n).into_segmented(), 0u64..(max + max / 10 + 1))
            .map_err(err)?;
        let labels: Vec<String> = bars.iter().map(|(l, _)| l.clone()).collect();
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(bars.len().max(1))
            .x_label_formatter(&|x| match x {
                SegmentValue::CenterOf(i) => labels.get(*i as usize).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .label_style(("sans-serif", 11))
            .draw()
            .map_err(err)?;
        chart
            .draw_series(
                Histogram::vertical(&chart)
                    .style(BLUE.filled())
                    .margin(8)
                    .data(bars.iter().enumerate().map(|(i, (_, v))| (i as u32, *v))),
            )
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// Lines over years, one series per (name, points).
pub fn lines(title: &str, series: &[(String, Vec<(i32, u64)>)]) -> Result<String, ReportError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (720, 360)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let points = series.iter().flat_map(|(_, p)| p.iter());
        let (mut lo, mut hi, mut max) = (i32::MAX, i32::MIN, 1u64);
        for (x, y) in points {
            lo = lo.min(*x);
            hi = hi.max(*x);
            max = max.max(*y);
        }
        if lo > hi {
            (lo, hi) = (0, 1);
        }
        if lo == hi {
            hi = lo + 1;
        }
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(60)
            .build_cartesian_2d(lo..hi, 0u64..(max + max / 10 + 1))
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_labels((hi - lo + 1) as usize)
            .x_label_formatter(&|y| y.to_string())
            .label_style(("sans-serif", 11))
            .draw()
            .map_err(err)?;
        for (i, (name, pts)) in series.iter().enumerate() {
            let color = if i == 0 { BLUE } else { ORANGE };
            chart
                .draw_series(LineSeries::new(pts.iter().copied(), color.stroke_width(2)))
                .map_err(err)?
                .label(name.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color));
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .label_font(("sans-serif", 11))
            .draw()
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_and_lines_render_to_svg_without_system_fonts() {
        let svg = bars(
            "Unikke virksomheder",
            &[("Nord".into(), 3), ("Midt".into(), 7)],
        )
        .unwrap();
        assert!(
            svg.starts_with("<svg") && svg.contains("Unikke virksomheder"),
            "{svg}"
        );
        assert!(svg.contains("Midt"));
        let svg = lines("År", &[("A".into(), vec![(2021, 1), (2022, 4)])]).unwrap();
        assert!(svg.contains("<polyline") || svg.contains("<path"), "{svg}");
        assert!(svg.contains("2022"));
        assert!(!svg.contains("http://") || svg.contains("http://www.w3.org/2000/svg"));
    }
}
