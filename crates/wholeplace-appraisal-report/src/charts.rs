//! Every SVG chart of the appraisal report and of the web pages, in one place:
//!
//! - [`RangeBars`]: horizontal bars on a money scale, each from one value to another and coloured
//!   by sign (the report's benefits by agency, who pays and who gains, and the tornado);
//! - [`AmountBars`]: horizontal bars from zero, each with its amount, formatted by the caller,
//!   written at its end (a place's resource map on the web);
//! - [`LineChart`]: a line over labelled points on a money scale (cumulative cash flow);
//! - [`Histogram`]: counts in equal bins on a money scale (Monte Carlo draws).
//!
//! The two kinds of bars differ in more than how their values are written (a span on a scale,
//! coloured by sign, against a length from zero with its amount at its end), so they are two
//! templates that share the frame, the measure of text and the wrapping of labels.
//!
//! Each chart is an askama template (`templates/charts/`, all extending `chart.svg`), so every
//! piece of text on it is escaped by the template library. Each is an image with a title and a
//! description (`role="img"`, `aria-labelledby`) whose ids are made unique on the page by the
//! caller's `id`; the page shows the same figures in a table beside it. No script and no style
//! attributes (the Content-Security-Policy forbids inline style): colours are SVG presentation
//! attributes. A chart is drawn by `Template::render` or `Display`, or put in another template
//! with `{{ chart|safe }}` (safe because the chart's own template has escaped its text).
//!
//! Charts are drawn [`WIDTH`] units wide: at that many pixels where there is room, scaled down by
//! their viewBox on a phone. Labels go above bars rather than beside them so that the bars keep
//! the whole width and every label is shown whole.

use crate::gbp;
use askama::Template;

/// The width of every chart in SVG units.
pub const WIDTH: f64 = 400.0;
/// The size of a range bar's label.
const RANGE_LABEL: f64 = 14.0;
/// The size of an amount bar's label and of its amount.
const AMOUNT_LABEL: f64 = 15.0;
/// The size of a line chart's point labels and scale.
const LINE_LABEL: f64 = 13.0;
/// The size of the figures on a scale under bars.
const TICK: f64 = 13.0;

/// A generous estimate of how wide `text` is at `size` units (0.64 of the size a character covers
/// the widest fallback face of Arial, DejaVu Sans, for letters and digits).
fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size * 0.64
}

/// Splits a label into lines that each fit `width` units at `size`, at spaces where it can (a
/// word longer than a line is broken), so that every label is shown whole.
fn wrap(label: &str, width: f64, size: f64) -> Vec<String> {
    let per_line = ((width / (size * 0.64)).floor() as usize).max(8);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in label.split_whitespace() {
        let mut word: String = word.to_owned();
        loop {
            let sep = usize::from(!line.is_empty());
            if line.chars().count() + sep + word.chars().count() <= per_line {
                if sep == 1 {
                    line.push(' ');
                }
                line.push_str(&word);
                break;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                continue;
            }
            let head: String = word.chars().take(per_line).collect();
            word = word.chars().skip(per_line).collect();
            lines.push(head);
            if word.is_empty() {
                break;
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Where to put a label of `width` centred on `x` so that it stays inside the chart.
fn clamp_centre(x: f64, width: f64) -> f64 {
    x.clamp(width / 2.0 + 1.0, WIDTH - width / 2.0 - 1.0)
}

/// What every chart has (`charts/chart.svg`): the id that makes its title's and description's
/// ids unique on the page, the title, the description, and its size.
#[derive(Debug, Clone)]
struct Frame {
    id: String,
    title: String,
    desc: String,
    width: f64,
    height: f64,
}

impl Frame {
    fn new(id: &str, title: &str, desc: &str, height: f64) -> Self {
        Frame {
            id: id.to_owned(),
            title: title.to_owned(),
            desc: desc.to_owned(),
            width: WIDTH,
            height,
        }
    }
}

/// One line of a label, `y` being its baseline.
#[derive(Debug, Clone)]
struct TextLine {
    y: f64,
    text: String,
}

/// The lines of `label` wrapped to `width` at `size`, the first baseline `size` below `*y`, each
/// next `step` lower; `*y` is left under the last line.
fn label_lines(label: &str, width: f64, size: f64, step: f64, y: &mut f64) -> Vec<TextLine> {
    wrap(label, width, size)
        .into_iter()
        .map(|text| {
            let line = TextLine { y: *y + size, text };
            *y += step;
            line
        })
        .collect()
}

/// A figure on a scale (`charts/scale.svg`): its text anchored at `x` (`start`, `middle` or
/// `end`), baseline `y`.
#[derive(Debug, Clone)]
struct Tick {
    x: f64,
    y: f64,
    anchor: &'static str,
    text: String,
}

/// The ticks of a scale under a chart from `first` to `last` at `y`, and `middle` between them
/// if there is one and it fits clear of both (with 8 units to spare on each side).
fn end_ticks(
    first: (f64, String),
    last: (f64, String),
    middle: Option<(f64, String)>,
    y: f64,
) -> Vec<Tick> {
    let middle = middle.filter(|(x, text)| {
        x - text_width(text, TICK) / 2.0 > first.0 + text_width(&first.1, TICK) + 8.0
            && x + text_width(text, TICK) / 2.0 < last.0 - text_width(&last.1, TICK) - 8.0
    });
    let mut ticks = vec![
        Tick {
            x: first.0,
            y,
            anchor: "start",
            text: first.1,
        },
        Tick {
            x: last.0,
            y,
            anchor: "end",
            text: last.1,
        },
    ];
    if let Some((x, text)) = middle {
        ticks.push(Tick {
            x,
            y,
            anchor: "middle",
            text,
        });
    }
    ticks
}

/// One bar of a [`RangeBars`].
#[derive(Debug, Clone)]
struct RangeBar {
    label: Vec<TextLine>,
    x: f64,
    y: f64,
    width: f64,
    fill: &'static str,
}

/// Horizontal bars, each spanning two amounts in pounds, on a scale that includes zero: green
/// where the span is above zero, red where below, blue where it crosses. Each label is written
/// whole above its bar (wrapped when long); a line marks zero; the scale is under the bars.
#[derive(Debug, Clone, Template)]
#[template(path = "charts/range_bars.svg")]
pub struct RangeBars {
    frame: Frame,
    zero_x: f64,
    axis_bottom: f64,
    bars: Vec<RangeBar>,
    scale: Vec<Tick>,
}

impl RangeBars {
    /// The chart of `bars`, each a label and the two ends of its span (in either order).
    pub fn new(id: &str, title: &str, desc: &str, bars: &[(String, f64, f64)]) -> Self {
        let (x0, x1) = (2.0, WIDTH - 2.0);
        let lo = bars.iter().map(|b| b.1.min(b.2)).fold(0.0f64, f64::min);
        let hi = bars.iter().map(|b| b.1.max(b.2)).fold(0.0f64, f64::max);
        let span = if hi > lo { hi - lo } else { 1.0 };
        let sx = |v: f64| x0 + (v - lo) / span * (x1 - x0);
        let mut y = 6.0;
        let mut drawn = Vec::with_capacity(bars.len());
        for (label, a, b) in bars {
            let label = label_lines(label, WIDTH - 8.0, RANGE_LABEL, RANGE_LABEL + 4.0, &mut y);
            y += 2.0;
            let (l, r) = (sx(a.min(*b)), sx(a.max(*b)));
            let fill = if a.max(*b) > 0.0 && a.min(*b) >= 0.0 {
                "#00703c"
            } else if a.max(*b) <= 0.0 {
                "#d4351c"
            } else {
                "#1d70b8"
            };
            drawn.push(RangeBar {
                label,
                x: l,
                y,
                width: (r - l).max(1.0),
                fill,
            });
            y += 18.0 + 12.0;
        }
        let axis_bottom = y;
        let tick_y = axis_bottom + TICK + 4.0;
        // The scale: the lowest and highest values, and zero when it lies between them with room.
        let zero = (lo < 0.0 && hi > 0.0).then(|| (sx(0.0), gbp(0.0)));
        let scale = end_ticks((x0, gbp(lo)), (x1, gbp(hi)), zero, tick_y);
        RangeBars {
            frame: Frame::new(id, title, desc, (axis_bottom + TICK + 12.0).ceil()),
            zero_x: sx(0.0),
            axis_bottom,
            bars: drawn,
            scale,
        }
    }
}

/// One bar of an [`AmountBars`] chart: its label, its amount (in any unit, the same for every
/// bar), and the amount as it is to be shown.
#[derive(Debug, Clone)]
pub struct Amount {
    /// What the bar is (shown whole above it).
    pub label: String,
    /// The amount, which sets the bar's length (below zero draws no bar).
    pub value: f64,
    /// The amount as written at the end of the bar and in the description.
    pub shown: String,
}

/// One drawn bar of an [`AmountBars`].
#[derive(Debug, Clone)]
struct AmountBar {
    label: Vec<TextLine>,
    y: f64,
    width: f64,
    shown: String,
    shown_x: f64,
    shown_y: f64,
}

/// Horizontal bars from zero, each labelled whole above it (wrapped onto more lines when long)
/// and with its amount written at its end; the description lists every label and amount.
#[derive(Debug, Clone, Template)]
#[template(path = "charts/amount_bars.svg")]
pub struct AmountBars {
    frame: Frame,
    bars: Vec<AmountBar>,
}

impl AmountBars {
    /// The chart of `bars`; the longest bar leaves room for the widest amount after it.
    pub fn new(id: &str, title: &str, bars: &[Amount]) -> Self {
        let max = bars.iter().map(|b| b.value).fold(0.0f64, f64::max);
        let shown_w = bars
            .iter()
            .map(|b| text_width(&b.shown, AMOUNT_LABEL))
            .fold(0.0, f64::max);
        let bar_max = WIDTH - shown_w - 12.0;
        let mut y = 4.0;
        let mut drawn = Vec::with_capacity(bars.len());
        for b in bars {
            let label = label_lines(
                &b.label,
                WIDTH - 4.0,
                AMOUNT_LABEL,
                AMOUNT_LABEL + 5.0,
                &mut y,
            );
            y += 2.0;
            let width = if max > 0.0 {
                (b.value.max(0.0) / max * bar_max).round()
            } else {
                0.0
            };
            drawn.push(AmountBar {
                label,
                y,
                width,
                shown: b.shown.clone(),
                shown_x: 2.0 + width + 6.0,
                shown_y: y + 16.0,
            });
            y += 20.0 + 14.0;
        }
        let desc = bars
            .iter()
            .map(|b| format!("{}: {}", b.label, b.shown))
            .collect::<Vec<_>>()
            .join("; ");
        AmountBars {
            frame: Frame::new(id, title, &desc, y.ceil()),
            bars: drawn,
        }
    }
}

/// One point of a [`LineChart`], with its label where there is room for it.
#[derive(Debug, Clone)]
struct Point {
    x: f64,
    y: f64,
    label: Option<String>,
}

/// A marked point of a [`LineChart`]: a dashed upright line at `x` named by `text`.
#[derive(Debug, Clone)]
struct Mark {
    x: f64,
    bottom: f64,
    text_x: f64,
    text: &'static str,
}

/// A line through amounts in pounds at labelled points (years), with a scale on the left (the
/// highest and lowest values, and zero between them), a line at zero, and an optional marked
/// point (payback). Every point's label is shown if they fit side by side, else every second,
/// third ... one.
#[derive(Debug, Clone, Template)]
#[template(path = "charts/line.svg")]
pub struct LineChart {
    frame: Frame,
    zero_y: f64,
    left: f64,
    right: f64,
    scale: Vec<Tick>,
    points: Vec<Point>,
    labels_y: f64,
    mark: Option<Mark>,
}

impl LineChart {
    /// The chart of `values` at the points named by `labels` (as many), marking point `mark`.
    pub fn new(
        id: &str,
        title: &str,
        desc: &str,
        labels: &[String],
        values: &[f64],
        mark: Option<usize>,
    ) -> Self {
        let (w, h) = (WIDTH, 240.0);
        let lo = values.iter().copied().fold(0.0f64, f64::min);
        let hi = values.iter().copied().fold(0.0f64, f64::max);
        let span = if hi > lo { hi - lo } else { 1.0 };
        let n = values.len().max(2) as f64 - 1.0;
        let widest = labels
            .iter()
            .map(|l| text_width(l, LINE_LABEL))
            .fold(0.0, f64::max);
        // The scale on the left: the highest and lowest values, and zero between them.
        let mut scale = vec![hi, lo];
        if lo < 0.0 && hi > 0.0 {
            scale.push(0.0);
        }
        let scale_w = scale
            .iter()
            .map(|v| text_width(&gbp(*v), LINE_LABEL))
            .fold(0.0, f64::max);
        // The first and last points sit far enough in for their labels to be whole.
        let left = scale_w + 8.0 + (widest / 2.0).max(8.0);
        let right = (widest / 2.0 + 4.0).max(20.0);
        let px = |i: usize| left + i as f64 / n * (w - left - right);
        let py = |v: f64| 24.0 + (hi - v) / span * (h - 70.0);
        // Label every point if they fit side by side, else every second, third ... point.
        let gap = (w - left - right) / n.max(1.0);
        let step = ((widest + 8.0) / gap).ceil().max(1.0) as usize;
        let mut ticks: Vec<Tick> = Vec::new();
        let mut shown_at: Vec<f64> = Vec::new();
        for v in scale {
            let y = py(v);
            if shown_at.iter().any(|s| (s - y).abs() < LINE_LABEL + 4.0) {
                continue;
            }
            shown_at.push(y);
            ticks.push(Tick {
                x: scale_w + 2.0,
                y: y + LINE_LABEL / 3.0,
                anchor: "end",
                text: gbp(v),
            });
        }
        let points = labels
            .iter()
            .enumerate()
            .map(|(i, l)| Point {
                x: px(i),
                y: py(values[i]),
                label: (i % step == 0).then(|| l.clone()),
            })
            .collect();
        LineChart {
            frame: Frame::new(id, title, desc, h),
            zero_y: py(0.0),
            left,
            right: w - right,
            scale: ticks,
            points,
            labels_y: h - 16.0,
            mark: mark.map(|m| Mark {
                x: px(m),
                bottom: h - 38.0,
                text_x: clamp_centre(px(m), text_width("payback", LINE_LABEL)),
                text: "payback",
            }),
        }
    }
}

/// One bar of a [`Histogram`].
#[derive(Debug, Clone)]
struct Bin {
    x: f64,
    y: f64,
    width: f64,
    height: f64,
}

/// Counts in equal bins of amounts in pounds, with the scale under the bars: where the first bin
/// starts, the middle (where it fits), and where the last ends.
#[derive(Debug, Clone, Template)]
#[template(path = "charts/histogram.svg")]
pub struct Histogram {
    frame: Frame,
    bins: Vec<Bin>,
    scale: Vec<Tick>,
}

impl Histogram {
    /// The chart of `counts`, the first bin starting at `from`, each `width` wide.
    pub fn new(id: &str, title: &str, desc: &str, counts: &[u32], from: f64, width: f64) -> Self {
        let (w, h) = (WIDTH, 220.0);
        let max = counts.iter().copied().max().unwrap_or(1).max(1) as f64;
        let bw = (w - 4.0) / counts.len().max(1) as f64;
        let bins = counts
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let bh = *c as f64 / max * (h - 50.0);
                Bin {
                    x: 2.0 + i as f64 * bw,
                    y: h - 30.0 - bh,
                    width: (bw - 2.0).max(1.0),
                    height: bh,
                }
            })
            .collect();
        let n = counts.len() as f64;
        let scale = end_ticks(
            (2.0, gbp(from)),
            (w - 2.0, gbp(from + width * n)),
            Some((w / 2.0, gbp(from + width * n / 2.0))),
            h - 10.0,
        );
        Histogram {
            frame: Frame::new(id, title, desc, h),
            bins,
            scale,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wholeplace_domain::money::total_short_string;

    /// The resource map's chart of amounts in pence, as the web draws it.
    fn pence_chart(id: &str, title: &str, rows: &[(String, i128)]) -> String {
        let bars: Vec<Amount> = rows
            .iter()
            .map(|(label, pence)| Amount {
                label: label.clone(),
                value: *pence as f64,
                shown: total_short_string(*pence),
            })
            .collect();
        AmountBars::new(id, title, &bars).to_string()
    }

    #[test]
    fn charts_are_labelled_and_escaped() {
        let svg = pence_chart(
            "c1",
            "Spend by agency",
            &[
                ("Kent <County> Council".to_owned(), 955_000_000),
                ("NHS".to_owned(), 532_000_000),
            ],
        );
        assert!(
            svg.contains("role=\"img\"")
                && svg.contains("<title id=\"c1-title\">Spend by agency</title>")
        );
        assert!(
            svg.contains("Kent &#60;County&#62; Council") && !svg.contains("<County>"),
            "labels are escaped by the template library's escaper"
        );
        assert!(svg.contains("£9.6m"));
        assert!(!svg.contains("style="), "no inline style");
        assert_eq!(svg.matches("<rect").count(), 2);
        let long = "Department for Work and Pensions (benefits)";
        let svg = pence_chart("c2", "t", &[(long.to_owned(), 1)]);
        assert!(
            svg.contains(long),
            "a label of {} characters is shown whole",
            long.len()
        );
    }

    #[test]
    fn long_labels_wrap_whole_within_the_chart() {
        let label = "Community safety, including the youth offending service and the anti-social behaviour team";
        let lines = wrap(label, WIDTH - 4.0, AMOUNT_LABEL);
        assert!(lines.len() >= 2);
        assert_eq!(lines.join(" "), label, "nothing lost");
        for l in &lines {
            assert!(text_width(l, AMOUNT_LABEL) <= WIDTH - 4.0, "{l} fits");
        }
        let word = "x".repeat(120);
        assert_eq!(wrap(&word, WIDTH - 4.0, AMOUNT_LABEL).concat(), word);
        let svg = pence_chart("c3", "t", &[(label.to_owned(), 5)]);
        for l in &lines {
            assert!(svg.contains(l.as_str()));
        }
    }

    #[test]
    fn every_chart_is_an_image_with_its_title_and_description_escaped() {
        let hostile = "<b>&\"'";
        let charts = [
            RangeBars::new("r", hostile, hostile, &[(hostile.to_owned(), -1.0, 2.0)]).to_string(),
            LineChart::new(
                "l",
                hostile,
                hostile,
                &[hostile.to_owned(), "b".to_owned()],
                &[-5.0, 10.0],
                Some(1),
            )
            .to_string(),
            Histogram::new("h", hostile, hostile, &[1, 3, 2], -10.0, 5.0).to_string(),
        ];
        for (svg, id) in charts.iter().zip(["r", "l", "h"]) {
            assert!(
                svg.starts_with("<svg class=\"wp-chart\" role=\"img\""),
                "{svg}"
            );
            assert!(svg.contains(&format!("aria-labelledby=\"{id}-title {id}-desc\"")));
            assert!(svg.contains(&format!(
                "<title id=\"{id}-title\">&#60;b&#62;&#38;&#34;&#39;</title>"
            )));
            assert!(svg.contains(&format!(
                "<desc id=\"{id}-desc\">&#60;b&#62;&#38;&#34;&#39;</desc>"
            )));
            assert!(!svg.contains("<b>") && !svg.contains("style="), "{svg}");
            assert!(svg.trim_end().ends_with("</svg>"));
        }
    }
}

/// One series of an [`XyChart`]: a line, dots, or both, named in the legend.
#[derive(Debug, Clone)]
pub struct Series {
    /// Its name in the legend.
    pub name: String,
    /// Its points (x, y); a gap in a line is a point left out.
    pub points: Vec<(f64, f64)>,
    /// Its colour (a GOV.UK colour, such as `#1d70b8`).
    pub colour: &'static str,
    /// Drawn as a dashed line (a trend, a limit) rather than a solid one.
    pub dashed: bool,
    /// A line through the points.
    pub line: bool,
    /// A dot at each point.
    pub dots: bool,
}

/// A series as drawn.
#[derive(Debug, Clone)]
struct Drawn {
    path: String,
    dots: Vec<(f64, f64)>,
    colour: &'static str,
    dash: &'static str,
    line: bool,
}

/// A legend entry.
#[derive(Debug, Clone)]
struct Legend {
    y: f64,
    colour: &'static str,
    dash: &'static str,
    text: String,
}

/// Series on two numeric axes, each axis with its title and figures: the "turn the curve" chart
/// (actuals against the baseline trend, by period) and the funnel plot (rates against
/// population with control limits). The y axis's title is written above it, level (not turned,
/// so it reads and measures as any label); the legend under the chart names every series.
#[derive(Debug, Clone, Template)]
#[template(path = "charts/xy.svg")]
pub struct XyChart {
    frame: Frame,
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
    x_title: String,
    y_title: String,
    y_title_y: f64,
    scale: Vec<Tick>,
    series: Vec<Drawn>,
    legend: Vec<Legend>,
}

/// A figure on an axis: whole numbers with thousands separated, else one decimal.
fn axis_figure(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 && v.abs() >= 1.0 {
        let n = v.round() as i64;
        let s = n.unsigned_abs().to_string();
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        if n < 0 { format!("-{out}") } else { out }
    } else {
        format!("{v:.1}")
    }
}

impl XyChart {
    /// The chart of `series` with the x axis titled `x_title` and its figures at `x_ticks`
    /// (position, text), and the y axis titled `y_title` with its scale from the data (from zero
    /// when every figure is positive).
    pub fn new(
        id: &str,
        title: &str,
        desc: &str,
        (x_title, x_ticks): (&str, &[(f64, String)]),
        y_title: &str,
        series: &[Series],
    ) -> Self {
        let w = WIDTH;
        let ys = series.iter().flat_map(|s| s.points.iter().map(|p| p.1));
        let lo = ys.clone().fold(0.0f64, f64::min);
        let hi = ys.fold(f64::MIN, f64::max).max(lo + 1.0);
        let xs = series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.0))
            .chain(x_ticks.iter().map(|t| t.0));
        let x_lo = xs.clone().fold(f64::MAX, f64::min);
        let x_hi = xs.fold(f64::MIN, f64::max).max(x_lo + 1.0);
        let y_figures: Vec<f64> = (0..=4)
            .map(|i| lo + (hi - lo) * f64::from(i) / 4.0)
            .collect();
        let y_w = y_figures
            .iter()
            .map(|v| text_width(&axis_figure(*v), TICK))
            .fold(0.0, f64::max);
        let (left, right, top) = (y_w + 12.0, w - 16.0, 34.0);
        let bottom = 248.0;
        let px = |x: f64| left + (x - x_lo) / (x_hi - x_lo) * (right - left);
        let py = |y: f64| bottom - (y - lo) / (hi - lo) * (bottom - top);
        let mut scale: Vec<Tick> = y_figures
            .iter()
            .map(|v| Tick {
                x: left - 4.0,
                y: py(*v) + TICK / 3.0,
                anchor: "end",
                text: axis_figure(*v),
            })
            .collect();
        let widest = x_ticks
            .iter()
            .map(|t| text_width(&t.1, TICK))
            .fold(0.0, f64::max);
        let step = ((widest + 6.0) / ((right - left) / x_ticks.len().max(1) as f64))
            .ceil()
            .max(1.0) as usize;
        scale.extend(
            x_ticks
                .iter()
                .enumerate()
                .filter(|(i, _)| i % step == 0)
                .map(|(i, t)| {
                    // The first figure starts at its point and the last ends at it, clear of
                    // the y axis's figures and of the chart's edge.
                    let (x, anchor) = if i == 0 {
                        (px(t.0).max(1.0), "start")
                    } else if i + 1 == x_ticks.len() {
                        (px(t.0).min(WIDTH - 1.0), "end")
                    } else {
                        (clamp_centre(px(t.0), text_width(&t.1, TICK)), "middle")
                    };
                    Tick {
                        x,
                        y: bottom + TICK + 8.0,
                        anchor,
                        text: t.1.clone(),
                    }
                }),
        );
        let drawn = series
            .iter()
            .map(|s| Drawn {
                path: s
                    .points
                    .iter()
                    .map(|p| format!("{:.1},{:.1}", px(p.0), py(p.1)))
                    .collect::<Vec<_>>()
                    .join(" "),
                dots: if s.dots {
                    s.points.iter().map(|p| (px(p.0), py(p.1))).collect()
                } else {
                    Vec::new()
                },
                colour: s.colour,
                dash: if s.dashed { "6 4" } else { "none" },
                line: s.line && s.points.len() > 1,
            })
            .collect();
        let legend_top = bottom + 2.0 * TICK + 30.0;
        let legend: Vec<Legend> = series
            .iter()
            .enumerate()
            .map(|(i, s)| Legend {
                y: legend_top + i as f64 * (TICK + 6.0),
                colour: s.colour,
                dash: if s.dashed { "6 4" } else { "none" },
                text: s.name.clone(),
            })
            .collect();
        let height = legend_top + series.len() as f64 * (TICK + 6.0) + 4.0;
        XyChart {
            frame: Frame::new(id, title, desc, height),
            left,
            right,
            top,
            bottom,
            x_title: x_title.to_owned(),
            y_title: y_title.to_owned(),
            y_title_y: top - TICK - 4.0,
            scale,
            series: drawn,
            legend,
        }
    }
}

/// One series of a [`Compass`]: a round's (or a group's) mean score per theme.
#[derive(Debug, Clone)]
pub struct CompassSeries {
    /// Its name in the legend.
    pub name: String,
    /// Its colour (a GOV.UK colour).
    pub colour: &'static str,
    /// Drawn dashed (an earlier round).
    pub dashed: bool,
    /// The mean per theme, 1 to 7 (none where no one scored the theme).
    pub scores: [Option<f64>; 14],
}

/// A theme's label around the compass.
#[derive(Debug, Clone)]
struct SpokeLabel {
    x: f64,
    anchor: &'static str,
    lines: Vec<TextLine>,
}

/// The compass's width: wider than other charts, for the fourteen labels around it.
const COMPASS_WIDTH: f64 = 640.0;

/// The place perception compass (a radar chart): fourteen spokes clockwise from the top, 1 at the
/// centre and 7 on the rim, one closed line per series, the ring figures on the top spoke and a
/// legend under it. The page gives the same means as a table beside it.
#[derive(Debug, Clone, Template)]
#[template(path = "charts/compass.svg")]
pub struct Compass {
    frame: Frame,
    cx: f64,
    cy: f64,
    rings: Vec<(f64, Tick)>,
    spokes: Vec<(f64, f64)>,
    labels: Vec<SpokeLabel>,
    series: Vec<Drawn>,
    legend: Vec<Legend>,
    legend_x: f64,
}

impl Compass {
    /// The compass of `series` around the `themes` (fourteen names).
    pub fn new(
        id: &str,
        title: &str,
        desc: &str,
        themes: &[&str; 14],
        series: &[CompassSeries],
    ) -> Self {
        use wholeplace_domain::surveys::{compass_point, label_anchor};
        let (cx, cy, radius) = (COMPASS_WIDTH / 2.0, 210.0, 140.0);
        let size = TICK - 1.0;
        let rings = (2..=7)
            .map(|s| {
                let (_, y) = compass_point(0, f64::from(s), (cx, cy), radius);
                (
                    cy - y,
                    // Just inside its ring, clear of the theme's label above the rim.
                    Tick {
                        x: cx + 3.0,
                        y: y + 11.0,
                        anchor: "start",
                        text: s.to_string(),
                    },
                )
            })
            .collect();
        let spokes = (0..14)
            .map(|k| compass_point(k, 7.0, (cx, cy), radius))
            .collect();
        let labels = themes
            .iter()
            .enumerate()
            .map(|(k, name)| {
                let ((x, y), anchor) = label_anchor(k, (cx, cy), radius);
                let lines = wrap(name, 120.0, size);
                let step = size + 2.0;
                // Labels above the centre grow upwards, below it downwards.
                let mut top = if y < cy - 1.0 {
                    y - size - step * (lines.len() as f64 - 1.0)
                } else if y > cy + 1.0 {
                    y - 2.0
                } else {
                    y - size / 2.0 - step * (lines.len() as f64 - 1.0) / 2.0
                };
                SpokeLabel {
                    x,
                    anchor,
                    lines: label_lines(name, 120.0, size, step, &mut top),
                }
            })
            .collect();
        let drawn = series
            .iter()
            .map(|s| {
                let points: Vec<(f64, f64)> = s
                    .scores
                    .iter()
                    .enumerate()
                    .filter_map(|(k, v)| v.map(|v| compass_point(k, v, (cx, cy), radius)))
                    .collect();
                Drawn {
                    path: points
                        .iter()
                        .map(|p| format!("{:.1},{:.1}", p.0, p.1))
                        .collect::<Vec<_>>()
                        .join(" "),
                    line: points.len() > 2,
                    dots: points,
                    colour: s.colour,
                    dash: if s.dashed { "6 4" } else { "none" },
                }
            })
            .collect();
        let legend_top = cy + radius + 70.0;
        let legend = series
            .iter()
            .enumerate()
            .map(|(i, s)| Legend {
                y: legend_top + i as f64 * (TICK + 6.0),
                colour: s.colour,
                dash: if s.dashed { "6 4" } else { "none" },
                text: s.name.clone(),
            })
            .collect();
        let mut frame = Frame::new(
            id,
            title,
            desc,
            legend_top + series.len() as f64 * (TICK + 6.0) + 4.0,
        );
        frame.width = COMPASS_WIDTH;
        Compass {
            frame,
            cx,
            cy,
            rings,
            spokes,
            labels,
            series: drawn,
            legend,
            legend_x: 20.0,
        }
    }
}

#[cfg(test)]
mod compass_tests {
    use super::*;

    #[test]
    fn the_compass_draws_every_theme_and_series_with_escaped_text() {
        let mut scores = [Some(4.0); 14];
        scores[2] = None;
        let svg = Compass::new(
            "c1",
            "Wychavon <round>",
            "Means by theme",
            &wholeplace_domain::surveys::THEMES,
            &[CompassSeries {
                name: "Spring & summer".into(),
                colour: "#1d70b8",
                dashed: false,
                scores,
            }],
        )
        .to_string();
        assert!(
            svg.contains("Wychavon &#60;round&#62;") || svg.contains("Wychavon &lt;round&gt;"),
            "{svg}"
        );
        assert!(
            svg.contains(">Influence and<") && svg.contains(">control<"),
            "{svg}"
        );
        assert_eq!(svg.matches("r=\"3.5\"").count(), 13, "{svg}");
        assert_eq!(svg.matches("<circle").count(), 13 + 6, "six rings");
        assert_eq!(svg.matches("<polygon").count(), 1);
        assert!(svg.trim_end().ends_with("</svg>"));
    }
}
