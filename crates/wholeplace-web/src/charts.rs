//! Accessible SVG charts drawn on the server: each has a title and a description, and the page
//! shows the same figures in a table beside it. No script and no style attributes (the
//! Content-Security-Policy forbids inline style); colours are SVG presentation attributes.

use wholeplace_appraisal_report::html::{esc as escape, text_width, wrap};
use wholeplace_domain::money::total_short_string;

/// Width of the chart in SVG units: it is drawn at this many pixels where there is room and
/// scaled down with its viewBox where there is not (a phone), so labels sit above their bars
/// rather than beside them, leaving the bars the whole width.
const WIDTH: f64 = 400.0;
const LABEL_SIZE: f64 = 15.0;
const VALUE_SIZE: f64 = 15.0;

/// A horizontal bar chart of amounts in pence. `id` makes the title/description ids unique. Each
/// label is written whole above its bar (wrapped onto more lines when long) and each amount at the
/// end of its bar.
pub fn bar_chart(id: &str, title: &str, rows: &[(String, i128)]) -> String {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let values: Vec<String> = rows.iter().map(|r| total_short_string(r.1)).collect();
    let value_w = values
        .iter()
        .map(|v| text_width(v, VALUE_SIZE))
        .fold(0.0, f64::max);
    let bar_max = WIDTH - value_w - 12.0;
    let line_h = LABEL_SIZE + 5.0;
    let bar_h = 20.0;
    let mut body = String::new();
    let mut y = 4.0;
    for ((label, value), shown) in rows.iter().zip(&values) {
        for line in wrap(label, WIDTH - 4.0, LABEL_SIZE) {
            body.push_str(&format!(
                "<text x=\"2\" y=\"{ty}\" font-family=\"arial, sans-serif\" font-size=\"{LABEL_SIZE}\" fill=\"#0b0c0c\">{l}</text>",
                ty = y + LABEL_SIZE,
                l = escape(&line),
            ));
            y += line_h;
        }
        y += 2.0;
        let w = ((*value).max(0) as f64 / max as f64 * bar_max).round();
        body.push_str(&format!(
            "<rect x=\"2\" y=\"{y}\" width=\"{w}\" height=\"{bar_h}\" fill=\"#1d5b79\"/><text x=\"{vx}\" y=\"{vy}\" font-family=\"arial, sans-serif\" font-size=\"{VALUE_SIZE}\" fill=\"#0b0c0c\">{v}</text>",
            vx = 2.0 + w + 6.0,
            vy = y + 16.0,
            v = escape(shown),
        ));
        y += bar_h + 14.0;
    }
    let height = y.ceil();
    let desc = rows
        .iter()
        .zip(&values)
        .map(|((l, _), v)| format!("{l}: {v}"))
        .collect::<Vec<_>>()
        .join("; ");
    format!(
        "<svg class=\"wp-chart\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" viewBox=\"0 0 {WIDTH} {height}\" width=\"{WIDTH}\" height=\"{height}\" xmlns=\"http://www.w3.org/2000/svg\"><title id=\"{id}-title\">{t}</title><desc id=\"{id}-desc\">{d}</desc>{body}</svg>",
        t = escape(title),
        d = escape(&desc)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_labelled_and_escaped() {
        let svg = bar_chart(
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
        let svg = bar_chart("c2", "t", &[(long.to_owned(), 1)]);
        assert!(
            svg.contains(long),
            "a label of {} characters is shown whole",
            long.len()
        );
    }

    #[test]
    fn long_labels_wrap_whole_within_the_chart() {
        let label = "Community safety, including the youth offending service and the anti-social behaviour team";
        let lines = wrap(label, WIDTH - 4.0, LABEL_SIZE);
        assert!(lines.len() >= 2);
        assert_eq!(lines.join(" "), label, "nothing lost");
        for l in &lines {
            assert!(text_width(l, LABEL_SIZE) <= WIDTH - 4.0, "{l} fits");
        }
        let word = "x".repeat(120);
        assert_eq!(wrap(&word, WIDTH - 4.0, LABEL_SIZE).concat(), word);
        let svg = bar_chart("c3", "t", &[(label.to_owned(), 5)]);
        for l in &lines {
            assert!(svg.contains(l.as_str()));
        }
    }
}
