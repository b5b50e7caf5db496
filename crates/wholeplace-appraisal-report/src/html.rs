//! The HTML report: a body fragment with GOV.UK Frontend class names for the web application (no
//! script, no inline style attributes: the CSP forbids them) and a standalone document for files.
//! Every chart is an inline SVG with a <title> and <desc>, followed by a table of the same figures.

use crate::{Report, gbp, ratio};
use std::fmt::Write;
use wholeplace_appraisal::AppraisalResults;
use wholeplace_appraisal::appraise::OptionResult;
use wholeplace_appraisal::montecarlo::McOption;

/// Text escaped for HTML by the template library's escaper (askama's), the one the pages use.
pub fn esc(s: &str) -> String {
    askama::filters::escape(s, askama::filters::Html)
        .map(|e| e.to_string())
        .unwrap_or_default()
}

/// A table in a focusable box that scrolls sideways when the table is wider than the window (so
/// the page itself never does); `region` names the box for screen readers and must be unique on
/// the page.
fn table(region: &str, caption: &str, head: &[&str], rows: &[Vec<String>]) -> String {
    let mut s = format!(
        "<div class=\"wp-table-scroll\" tabindex=\"0\" role=\"region\" aria-label=\"{}\"><table class=\"govuk-table\"><caption class=\"govuk-table__caption govuk-table__caption--s\">{}</caption><thead class=\"govuk-table__head\"><tr class=\"govuk-table__row\">",
        esc(region),
        esc(caption)
    );
    for h in head {
        let _ = write!(
            s,
            "<th scope=\"col\" class=\"govuk-table__header\">{}</th>",
            esc(h)
        );
    }
    s.push_str("</tr></thead><tbody class=\"govuk-table__body\">");
    for r in rows {
        s.push_str("<tr class=\"govuk-table__row\">");
        for (i, c) in r.iter().enumerate() {
            if i == 0 {
                let _ = write!(
                    s,
                    "<th scope=\"row\" class=\"govuk-table__header\">{}</th>",
                    esc(c)
                );
            } else {
                let _ = write!(
                    s,
                    "<td class=\"govuk-table__cell govuk-table__cell--numeric\">{}</td>",
                    esc(c)
                );
            }
        }
        s.push_str("</tr>");
    }
    s.push_str("</tbody></table></div>");
    s
}

/// Charts are drawn this many units wide: at that many pixels where there is room, scaled down
/// by their viewBox on a phone. Labels go above bars rather than beside them so that the bars keep
/// the whole width and every label is shown whole.
const CHART_W: f64 = 400.0;

/// A generous estimate of how wide `text` is at `size` units (0.64 of the size a character covers
/// the widest fallback face of Arial, DejaVu Sans, for letters and digits). Shared with the web
/// application's charts.
pub fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size * 0.64
}

/// Splits a label into lines that each fit `width` units at `size`, at spaces where it can (a
/// word longer than a line is broken), so that every label is shown whole. Shared with the web
/// application's charts.
pub fn wrap(label: &str, width: f64, size: f64) -> Vec<String> {
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
    x.clamp(width / 2.0 + 1.0, CHART_W - width / 2.0 - 1.0)
}

fn svg_open(id: &str, title: &str, desc: &str, h: f64) -> String {
    format!(
        "<svg class=\"wp-chart\" role=\"img\" aria-labelledby=\"{id}-t {id}-d\" viewBox=\"0 0 {CHART_W} {h}\" width=\"{CHART_W}\" height=\"{h}\" xmlns=\"http://www.w3.org/2000/svg\"><title id=\"{id}-t\">{}</title><desc id=\"{id}-d\">{}</desc>",
        esc(title),
        esc(desc)
    )
}

/// Horizontal bars (positive and negative) with labels: used for agencies and the tornado. Each
/// label is written whole above its bar (wrapped when long); the scale is under the bars.
fn hbar_svg(id: &str, title: &str, desc: &str, bars: &[(String, f64, f64)]) -> String {
    const LABEL: f64 = 14.0;
    const TICK: f64 = 13.0;
    let (x0, x1) = (2.0, CHART_W - 2.0);
    let lo = bars.iter().map(|b| b.1.min(b.2)).fold(0.0f64, f64::min);
    let hi = bars.iter().map(|b| b.1.max(b.2)).fold(0.0f64, f64::max);
    let span = if hi > lo { hi - lo } else { 1.0 };
    let sx = |v: f64| x0 + (v - lo) / span * (x1 - x0);
    let mut body = String::new();
    let mut y = 6.0;
    for (label, a, b) in bars {
        for line in wrap(label, CHART_W - 8.0, LABEL) {
            let _ = write!(
                body,
                "<text x=\"6\" y=\"{:.1}\" font-size=\"{LABEL}\" fill=\"#0b0c0c\">{}</text>",
                y + LABEL,
                esc(&line)
            );
            y += LABEL + 4.0;
        }
        y += 2.0;
        let (l, r) = (sx(a.min(*b)), sx(a.max(*b)));
        let fill = if a.max(*b) > 0.0 && a.min(*b) >= 0.0 {
            "#00703c"
        } else if a.max(*b) <= 0.0 {
            "#d4351c"
        } else {
            "#1d70b8"
        };
        let _ = write!(
            body,
            "<rect x=\"{l:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"18\" fill=\"{fill}\"/>",
            (r - l).max(1.0)
        );
        y += 18.0 + 12.0;
    }
    let axis_bottom = y;
    let h = (axis_bottom + TICK + 12.0).ceil();
    let mut s = svg_open(id, title, desc, h);
    let _ = write!(
        s,
        "<line x1=\"{0:.1}\" y1=\"2\" x2=\"{0:.1}\" y2=\"{1:.1}\" stroke=\"#0b0c0c\" stroke-width=\"1\"/>",
        sx(0.0),
        axis_bottom
    );
    s.push_str(&body);
    // The scale: the lowest and highest values, and zero when it lies between them with room.
    let (lo_t, hi_t) = (gbp(lo), gbp(hi));
    let mut ticks = vec![(x0, lo_t.clone(), "start"), (x1, hi_t.clone(), "end")];
    if lo < 0.0 && hi > 0.0 {
        let zw = text_width("£0", TICK);
        let z = sx(0.0);
        if z - zw / 2.0 > x0 + text_width(&lo_t, TICK) + 8.0
            && z + zw / 2.0 < x1 - text_width(&hi_t, TICK) - 8.0
        {
            ticks.push((z, gbp(0.0), "middle"));
        }
    }
    for (x, v, anchor) in ticks {
        let _ = write!(
            s,
            "<text x=\"{x:.1}\" y=\"{:.1}\" font-size=\"{TICK}\" text-anchor=\"{anchor}\" fill=\"#505a5f\">{}</text>",
            axis_bottom + TICK + 4.0,
            esc(&v)
        );
    }
    s.push_str("</svg>");
    s
}

fn line_svg(
    id: &str,
    title: &str,
    desc: &str,
    labels: &[String],
    values: &[f64],
    mark: Option<usize>,
) -> String {
    const LABEL: f64 = 13.0;
    let (w, h) = (CHART_W, 240.0);
    let lo = values.iter().copied().fold(0.0f64, f64::min);
    let hi = values.iter().copied().fold(0.0f64, f64::max);
    let span = if hi > lo { hi - lo } else { 1.0 };
    let n = values.len().max(2) as f64 - 1.0;
    let widest = labels
        .iter()
        .map(|l| text_width(l, LABEL))
        .fold(0.0, f64::max);
    // The scale on the left: the highest and lowest values, and zero between them.
    let mut scale = vec![hi, lo];
    if lo < 0.0 && hi > 0.0 {
        scale.push(0.0);
    }
    let scale_w = scale
        .iter()
        .map(|v| text_width(&gbp(*v), LABEL))
        .fold(0.0, f64::max);
    // The first and last points sit far enough in for their labels to be whole.
    let left = scale_w + 8.0 + (widest / 2.0).max(8.0);
    let right = (widest / 2.0 + 4.0).max(20.0);
    let px = |i: usize| left + i as f64 / n * (w - left - right);
    let py = |v: f64| 24.0 + (hi - v) / span * (h - 70.0);
    // Label every point if they fit side by side, else every second, third ... point.
    let gap = (w - left - right) / n.max(1.0);
    let step = ((widest + 8.0) / gap).ceil().max(1.0) as usize;
    let mut s = svg_open(id, title, desc, h);
    let _ = write!(
        s,
        "<line x1=\"{left:.1}\" y1=\"{0:.1}\" x2=\"{1:.1}\" y2=\"{0:.1}\" stroke=\"#505a5f\" stroke-width=\"1\"/>",
        py(0.0),
        w - right
    );
    let mut shown_at: Vec<f64> = Vec::new();
    for v in scale {
        let y = py(v);
        if shown_at.iter().any(|s| (s - y).abs() < LABEL + 4.0) {
            continue;
        }
        shown_at.push(y);
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"{LABEL}\" text-anchor=\"end\" fill=\"#505a5f\">{}</text>",
            scale_w + 2.0,
            y + LABEL / 3.0,
            esc(&gbp(v))
        );
    }
    let pts: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(i, v)| format!("{:.1},{:.1}", px(i), py(*v)))
        .collect();
    let _ = write!(
        s,
        "<polyline points=\"{}\" fill=\"none\" stroke=\"#1d70b8\" stroke-width=\"3\"/>",
        pts.join(" ")
    );
    for (i, l) in labels.iter().enumerate() {
        let _ = write!(
            s,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"4\" fill=\"#1d70b8\"/>",
            px(i),
            py(values[i])
        );
        if i % step == 0 {
            let _ = write!(
                s,
                "<text x=\"{:.1}\" y=\"{}\" font-size=\"{LABEL}\" text-anchor=\"middle\" fill=\"#0b0c0c\">{}</text>",
                px(i),
                h - 16.0,
                esc(l)
            );
        }
    }
    if let Some(m) = mark {
        let x = px(m);
        let _ = write!(
            s,
            "<line x1=\"{x:.1}\" y1=\"20\" x2=\"{x:.1}\" y2=\"{}\" stroke=\"#00703c\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/><text x=\"{:.1}\" y=\"14\" font-size=\"{LABEL}\" text-anchor=\"middle\" fill=\"#00703c\">payback</text>",
            h - 38.0,
            clamp_centre(x, text_width("payback", LABEL))
        );
    }
    s.push_str("</svg>");
    s
}

fn histogram_svg(
    id: &str,
    title: &str,
    desc: &str,
    counts: &[u32],
    from: f64,
    width: f64,
) -> String {
    const TICK: f64 = 13.0;
    let (w, h) = (CHART_W, 220.0);
    let max = counts.iter().copied().max().unwrap_or(1).max(1) as f64;
    let bw = (w - 4.0) / counts.len().max(1) as f64;
    let mut s = svg_open(id, title, desc, h);
    for (i, c) in counts.iter().enumerate() {
        let bh = *c as f64 / max * (h - 50.0);
        let _ = write!(
            s,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#1d70b8\"/>",
            2.0 + i as f64 * bw,
            h - 30.0 - bh,
            (bw - 2.0).max(1.0),
            bh
        );
    }
    // The scale under the bars: where the first bin starts, the middle, and where the last ends.
    let n = counts.len() as f64;
    let (a, m, b) = (
        gbp(from),
        gbp(from + width * n / 2.0),
        gbp(from + width * n),
    );
    let mut ticks = vec![(2.0, a.clone(), "start"), (w - 2.0, b.clone(), "end")];
    let mw = text_width(&m, TICK);
    if w / 2.0 - mw / 2.0 > 2.0 + text_width(&a, TICK) + 8.0
        && w / 2.0 + mw / 2.0 < w - 2.0 - text_width(&b, TICK) - 8.0
    {
        ticks.push((w / 2.0, m, "middle"));
    }
    for (x, v, anchor) in ticks {
        let _ = write!(
            s,
            "<text x=\"{x:.1}\" y=\"{:.1}\" font-size=\"{TICK}\" text-anchor=\"{anchor}\" fill=\"#505a5f\">{}</text>",
            h - 10.0,
            esc(&v)
        );
    }
    s.push_str("</svg>");
    s
}

/// The report as an HTML body fragment using GOV.UK Frontend classes (no script, no style attributes).
pub fn report_html_fragment(report: &Report) -> String {
    let r = &report.results;
    let mut s = String::new();
    let _ = write!(
        s,
        "<div class=\"wp-appraisal-report\"><h1 class=\"govuk-heading-l\">{}</h1>",
        esc(&r.title)
    );
    let _ = write!(
        s,
        "<p class=\"govuk-body\">All figures in {} prices; year 0 is {}; {} years; parameters {}.</p>",
        esc(&r.price_base),
        esc(&r.start_year),
        r.horizon_years,
        esc(&r.parameter_set)
    );
    if !r.warnings.is_empty() {
        s.push_str("<div class=\"govuk-warning-text\"><span class=\"govuk-warning-text__icon\" aria-hidden=\"true\">!</span><strong class=\"govuk-warning-text__text\"><span class=\"govuk-visually-hidden\">Warning: </span>Read these warnings before using the figures</strong></div><ul class=\"govuk-list govuk-list--bullet\">");
        for w in r.warnings.iter() {
            let _ = write!(
                s,
                "<li><strong>{}</strong> ({}): {}</li>",
                esc(&w.subject),
                esc(&w.code),
                esc(&w.message)
            );
        }
        s.push_str("</ul>");
    }
    for (k, o) in r.options.iter().enumerate() {
        option_section(&mut s, report, k, o);
    }
    comparison_section(&mut s, r);
    as_is_section(&mut s, r);
    doing_nothing_section(&mut s, r);
    let _ = write!(
        s,
        "<p class=\"govuk-body-s\">{}. Library: {}. Deflators: {}.</p></div>",
        esc(&r.attribution),
        esc(&r.library_version),
        esc(&r.deflator_series)
    );
    s
}

/// One option's section: summary, cash flow, agencies, who pays and who gains, switching
/// values, uncertainty and how each figure was calculated.
fn option_section(s: &mut String, report: &Report, k: usize, o: &OptionResult) {
    summary_list(s, o);
    cash_flow(s, k, o);
    agencies(s, k, o);
    who_pays_who_gains(s, k, o);
    switching(s, o);
    if let Some((draws, mo)) = report
        .monte_carlo
        .as_ref()
        .and_then(|mc| mc.options.get(k).map(|o| (mc.draws, o)))
    {
        uncertainty(s, k, o, draws, mo);
    }
    how_calculated(s, o);
}

/// The option's headline figures as a summary list.
fn summary_list(s: &mut String, o: &OptionResult) {
    let m = &o.summary;
    let _ = write!(
        s,
        "<h2 class=\"govuk-heading-m\">{} — {} figures</h2><dl class=\"govuk-summary-list\">",
        esc(&o.name),
        esc(&o.basis)
    );
    for (key, val) in [
        ("PV of costs", gbp(m.pv_costs)),
        ("PV of fiscal benefits", gbp(m.pv_fiscal)),
        ("Net present budget impact (NPBI)", gbp(m.npbi)),
        ("Financial return on investment (FROI)", ratio(m.froi)),
        ("Payback", o.payback_statement.clone()),
        (
            "Transfer payments excluded from public value",
            gbp(m.pv_transfers),
        ),
        ("Net present public value (NPPV)", gbp(m.nppv)),
        ("Benefit-cost ratio (BCR)", ratio(m.bcr)),
        (
            "SROI net / gross",
            format!("{} / {}", ratio(m.sroi_net), ratio(m.sroi_gross)),
        ),
    ] {
        let _ = write!(
            s,
            "<div class=\"govuk-summary-list__row\"><dt class=\"govuk-summary-list__key\">{}</dt><dd class=\"govuk-summary-list__value\">{}</dd></div>",
            esc(key),
            esc(&val)
        );
    }
    s.push_str("</dl>");
}

/// The cumulative discounted cash flow chart and the per-year streams.
fn cash_flow(s: &mut String, k: usize, o: &OptionResult) {
    let labels: Vec<String> = o.years.iter().map(|y| y.financial_year.clone()).collect();
    let cum: Vec<f64> = o
        .years
        .iter()
        .map(|y| y.cumulative_net_fiscal_discounted)
        .collect();
    let _ = write!(
        s,
        "<h3 class=\"govuk-heading-s\">Cumulative discounted cash flow</h3>{}",
        line_svg(
            &format!("cf{k}"),
            "Cumulative discounted fiscal benefits minus costs by year",
            &format!("Line chart; payback {}", o.payback_statement),
            &labels,
            &cum,
            o.summary.payback_year_discounted.map(|v| v as usize)
        )
    );
    let rows: Vec<Vec<String>> = o
        .years
        .iter()
        .map(|y| {
            vec![
                y.financial_year.clone(),
                format!("{:.6}", y.discount_factor),
                gbp(y.costs),
                gbp(y.fiscal),
                gbp(y.transfers),
                gbp(y.economic),
                gbp(y.social),
                gbp(y.cashable),
                gbp(y.costs_discounted),
                gbp(y.fiscal_discounted),
                gbp(y.cumulative_net_fiscal_discounted),
            ]
        })
        .collect();
    s.push_str(&table(
        &format!(
            "Per-year streams (undiscounted, then discounted) ({})",
            o.name
        ),
        "Per-year streams (undiscounted, then discounted)",
        &[
            "Year",
            "DF",
            "Costs",
            "Fiscal",
            "of which transfers",
            "Economic",
            "Social",
            "Cashable",
            "Costs (PV)",
            "Fiscal (PV)",
            "Cumulative net (PV)",
        ],
        &rows,
    ));
}

/// Benefits by agency: chart and ledger.
fn agencies(s: &mut String, k: usize, o: &OptionResult) {
    let bars: Vec<(String, f64, f64)> = o
        .ledger
        .iter()
        .map(|l| (l.agency.clone(), 0.0, l.pv_fiscal))
        .collect();
    let _ = write!(
        s,
        "<h3 class=\"govuk-heading-s\">Benefits by agency</h3>{}",
        hbar_svg(
            &format!("ag{k}"),
            "Present value of fiscal benefits received by each agency",
            "Bar chart of each agency's PV fiscal benefit; the table below gives costs, cashable share and net position",
            &bars
        )
    );
    let rows: Vec<Vec<String>> = o
        .ledger
        .iter()
        .map(|l| {
            vec![
                l.agency.clone(),
                gbp(l.pv_costs),
                gbp(l.pv_fiscal),
                gbp(l.pv_cashable),
                gbp(l.pv_non_cashable),
                gbp(l.pv_transfers),
                gbp(l.net),
                l.own_payback_year
                    .map(|y| format!("year {y}"))
                    .unwrap_or("-".into()),
            ]
        })
        .collect();
    s.push_str(&table(
        &format!("By agency (present values) ({})", o.name),
        "By agency (present values)",
        &[
            "Agency",
            "Costs borne",
            "Fiscal received",
            "Cashable",
            "Non-cashable",
            "Transfers",
            "Net",
            "Own payback",
        ],
        &rows,
    ));
}

/// Who invests and who gains: chart and matrix.
fn who_pays_who_gains(s: &mut String, k: usize, o: &OptionResult) {
    let mut head = vec!["Invests \\ gains"];
    head.extend(o.matrix.gainers.iter().map(|g| g.as_str()));
    let rows: Vec<Vec<String>> = o
        .matrix
        .investors
        .iter()
        .zip(&o.matrix.cells)
        .map(|(i, c)| {
            std::iter::once(i.clone())
                .chain(c.iter().map(|v| gbp(*v)))
                .collect()
        })
        .collect();
    let mut cells: Vec<(String, f64, f64)> = o
        .matrix
        .investors
        .iter()
        .zip(&o.matrix.cells)
        .flat_map(|(i, c)| {
            o.matrix
                .gainers
                .iter()
                .zip(c)
                .map(move |(g, v)| (format!("{i} → {g}"), 0.0, *v))
        })
        .filter(|(_, _, v)| v.abs() >= 0.5)
        .collect::<Vec<_>>();
    // Largest flows first; pairs with no flow are left to the table.
    cells.sort_by(|a, b| b.2.abs().total_cmp(&a.2.abs()));
    let _ = write!(
        s,
        "<h3 class=\"govuk-heading-s\">Who pays, who gains</h3>{}<p class=\"govuk-body-s\">{}</p>",
        hbar_svg(
            &format!("mx{k}"),
            "Who invests and who gains",
            "Bars for each investing agency and gaining agency pair with a flow, largest first, PV of fiscal benefit; every pair is in the table below",
            &cells
        ),
        esc(&o.matrix.rule)
    );
    s.push_str(&table(
        &format!("Who invests × who gains (PV fiscal benefit) ({})", o.name),
        "Who invests × who gains (PV fiscal benefit)",
        &head,
        &rows,
    ));
}

/// Break-even and switching values.
fn switching(s: &mut String, o: &OptionResult) {
    s.push_str("<h3 class=\"govuk-heading-s\">Break-even and switching values</h3><ul class=\"govuk-list govuk-list--bullet\">");
    for w in &o.switching {
        let _ = write!(s, "<li>{}</li>", esc(&w.sentence));
    }
    s.push_str("</ul>");
}

/// The Monte Carlo results of option `k` (`draws` draws): histogram, percentiles and tornado.
fn uncertainty(s: &mut String, k: usize, o: &OptionResult, draws: u32, mo: &McOption) {
    let _ = write!(
        s,
        "<h3 class=\"govuk-heading-s\" id=\"monte-carlo-{k}\">Uncertainty ({draws} draws)</h3>{}",
        histogram_svg(
            &format!("mc{k}"),
            "Distribution of NPBI across Monte Carlo draws",
            &format!(
                "Histogram from {} in 20 bins of {}; median {}",
                gbp(mo.npbi.histogram_from),
                gbp(mo.npbi.histogram_width),
                gbp(mo.npbi.p50)
            ),
            &mo.npbi.histogram,
            mo.npbi.histogram_from,
            mo.npbi.histogram_width
        )
    );
    let rows = vec![
        vec![
            "NPBI".into(),
            gbp(mo.npbi.p5),
            gbp(mo.npbi.p50),
            gbp(mo.npbi.p95),
            gbp(mo.npbi.mean),
        ],
        vec![
            "FROI".into(),
            ratio(Some(mo.froi.p5)),
            ratio(Some(mo.froi.p50)),
            ratio(Some(mo.froi.p95)),
            ratio(Some(mo.froi.mean)),
        ],
        vec![
            "BCR".into(),
            ratio(Some(mo.bcr.p5)),
            ratio(Some(mo.bcr.p50)),
            ratio(Some(mo.bcr.p95)),
            ratio(Some(mo.bcr.mean)),
        ],
    ];
    s.push_str(&table(
        &format!("Percentiles ({})", o.name),
        "Percentiles",
        &["Figure", "5th", "Median", "95th", "Mean"],
        &rows,
    ));
    let _ = write!(
        s,
        "<p class=\"govuk-body\">Probability FROI ≥ 1: {:.0}%. Probability of payback within {} years: {:.0}%.</p>",
        mo.prob_froi_at_least_1 * 100.0,
        mo.payback_within_years,
        mo.prob_payback_within * 100.0
    );
    let bars: Vec<(String, f64, f64)> = mo
        .tornado
        .iter()
        .take(10)
        .map(|b| (b.input.clone(), b.npbi_at_low, b.npbi_at_high))
        .collect();
    let _ = write!(
        s,
        "{}",
        hbar_svg(
            &format!("tn{k}"),
            "Tornado: largest drivers of NPBI",
            "Each bar spans NPBI with one input at its low and high end",
            &bars
        )
    );
    let rows: Vec<Vec<String>> = mo
        .tornado
        .iter()
        .map(|b| {
            vec![
                b.input.clone(),
                format!("{:.3} – {:.3}", b.low_value, b.high_value),
                gbp(b.npbi_at_low),
                gbp(b.npbi_at_high),
            ]
        })
        .collect();
    s.push_str(&table(
        &format!("Tornado ({})", o.name),
        "Tornado",
        &["Input", "Range", "NPBI at low", "NPBI at high"],
        &rows,
    ));
}

/// How each figure was calculated, one details element a figure.
fn how_calculated(s: &mut String, o: &OptionResult) {
    s.push_str("<h3 class=\"govuk-heading-s\">How this was calculated</h3>");
    for e in &o.explanations {
        let _ = write!(
            s,
            "<details class=\"govuk-details\"><summary class=\"govuk-details__summary\"><span class=\"govuk-details__summary-text\">{} = {}</span></summary><div class=\"govuk-details__text\"><p class=\"govuk-body-s\">{}</p><dl class=\"govuk-summary-list govuk-summary-list--no-border\">",
            esc(&e.figure),
            esc(&if e.id == "froi" || e.id == "bcr" || e.id == "sroi" {
                format!("{:.2}", e.value)
            } else {
                gbp(e.value)
            }),
            esc(&e.formula)
        );
        for i in &e.inputs {
            let _ = write!(
                s,
                "<div class=\"govuk-summary-list__row\"><dt class=\"govuk-summary-list__key\">{}</dt><dd class=\"govuk-summary-list__value\">{}<br><span class=\"govuk-hint\">{}</span></dd></div>",
                esc(&i.name),
                esc(&i.value),
                esc(&i.source)
            );
        }
        s.push_str("</dl></div></details>");
    }
}

/// The doing-nothing and To Be options compared.
fn comparison_section(s: &mut String, r: &AppraisalResults) {
    if !r.comparison.is_empty() {
        let rows: Vec<Vec<String>> = r
            .comparison
            .iter()
            .map(|c| {
                vec![
                    c.option.clone(),
                    gbp(c.pv_costs),
                    gbp(c.pv_fiscal),
                    gbp(c.npbi),
                    ratio(c.bcr),
                    c.projected_public_spend.map(gbp).unwrap_or("-".into()),
                ]
            })
            .collect();
        s.push_str("<h2 class=\"govuk-heading-m\">Options compared</h2>");
        s.push_str(&table(
            "Doing nothing and To Be options (present values)",
            "Doing nothing and To Be options (present values)",
            &[
                "Option",
                "Costs",
                "Fiscal benefits",
                "NPBI",
                "BCR",
                "Projected public spend",
            ],
            &rows,
        ));
    }
}

/// The cost of As Is.
fn as_is_section(s: &mut String, r: &AppraisalResults) {
    if let Some(a) = &r.as_is {
        let rows: Vec<Vec<String>> = a
            .by_agency
            .iter()
            .map(|(k, v)| vec![k.clone(), gbp(*v)])
            .collect();
        let _ = write!(
            s,
            "<h2 class=\"govuk-heading-m\">The cost of As Is</h2><p class=\"govuk-body\">{} a year in fiscal costs; {} including economic and social costs ({} prices).</p>",
            gbp(a.fiscal_total),
            gbp(a.total),
            esc(&r.price_base)
        );
        s.push_str(&table(
            "As Is fiscal cost a year by agency",
            "As Is fiscal cost a year by agency",
            &["Agency", "Cost a year"],
            &rows,
        ));
    }
}

/// The projected cost of doing nothing.
fn doing_nothing_section(s: &mut String, r: &AppraisalResults) {
    if let Some(d) = &r.doing_nothing {
        let rows: Vec<Vec<String>> = d
            .total
            .iter()
            .enumerate()
            .map(|(t, v)| vec![format!("Year {t}"), gbp(*v), gbp(d.total_discounted[t])])
            .collect();
        let _ = write!(
            s,
            "<h2 class=\"govuk-heading-m\">The cost of doing nothing</h2><p class=\"govuk-body\">Present value {}.</p>",
            gbp(d.pv_total)
        );
        s.push_str(&table(
            "Projected cost of doing nothing",
            "Projected cost of doing nothing",
            &["Year", "Cost", "Discounted"],
            &rows,
        ));
    }
}

/// A standalone HTML page with a small embedded stylesheet.
pub fn report_html_document(report: &Report) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\"><title>{}</title><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><style>body{{font-family:Arial,sans-serif;margin:2em auto;max-width:60em;color:#0b0c0c;line-height:1.4}}.govuk-table{{border-collapse:collapse;margin:1em 0;width:100%}}.govuk-table th,.govuk-table td{{border-bottom:1px solid #b1b4b6;padding:4px 8px;text-align:left}}.govuk-table__cell--numeric{{text-align:right!important}}.govuk-summary-list__row{{display:flex;border-bottom:1px solid #b1b4b6}}.govuk-summary-list__key{{font-weight:bold;width:40%}}.govuk-hint{{color:#505a5f}}.wp-chart{{display:block;max-width:100%;height:auto}}.wp-table-scroll{{overflow-x:auto}}</style></head><body>{}</body></html>\n",
        esc(&report.results.title),
        report_html_fragment(report)
    )
}
