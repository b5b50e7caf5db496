//! Accessible SVG charts drawn on the server: each has a title and a description, and the page
//! shows the same figures in a table beside it. No script and no style attributes (the
//! Content-Security-Policy forbids inline style); colours are SVG presentation attributes.

use wholeplace_domain::money::total_short_string;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A horizontal bar chart of amounts in pence. `id` makes the title/description ids unique.
pub fn bar_chart(id: &str, title: &str, rows: &[(String, i128)]) -> String {
    const LABEL_CHARS: usize = 56;
    let row_h = 34;
    // The label column is as wide as the longest label (about 7.6 units a character at 14).
    let longest = rows
        .iter()
        .map(|r| r.0.chars().count().min(LABEL_CHARS))
        .max()
        .unwrap_or(0);
    let label_w = ((longest as f64 * 7.6) as usize + 16).clamp(140, 440);
    let bar_w = 330;
    let height = 20 + rows.len() * row_h;
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let desc = rows
        .iter()
        .map(|(l, v)| format!("{l}: {}", total_short_string(*v)))
        .collect::<Vec<_>>()
        .join("; ");
    let mut svg = format!(
        "<svg class=\"wp-chart\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" viewBox=\"0 0 {w} {height}\" width=\"{w}\" height=\"{height}\" xmlns=\"http://www.w3.org/2000/svg\"><title id=\"{id}-title\">{t}</title><desc id=\"{id}-desc\">{d}</desc>",
        w = label_w + bar_w + 110,
        t = escape(title),
        d = escape(&desc)
    );
    for (i, (label, value)) in rows.iter().enumerate() {
        let y = 10 + i * row_h;
        let w = ((*value).max(0) as f64 / max as f64 * bar_w as f64).round() as i64;
        let short: String = if label.chars().count() > LABEL_CHARS {
            format!(
                "{}…",
                label.chars().take(LABEL_CHARS - 1).collect::<String>()
            )
        } else {
            label.clone()
        };
        svg.push_str(&format!(
            "<text x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\" font-family=\"arial, sans-serif\" font-size=\"14\" fill=\"#0b0c0c\">{l}</text><rect x=\"{bx}\" y=\"{y}\" width=\"{w}\" height=\"22\" fill=\"#1d5b79\"/><text x=\"{vx}\" y=\"{ty}\" font-family=\"arial, sans-serif\" font-size=\"15\" fill=\"#0b0c0c\">{v}</text>",
            lx = label_w - 8,
            ty = y + 16,
            l = escape(&short),
            bx = label_w,
            vx = label_w as i64 + w + 6,
            v = escape(&total_short_string(*value)),
        ));
    }
    svg.push_str("</svg>");
    svg
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
        assert!(svg.contains("Kent &lt;County&gt; Council"));
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
}
