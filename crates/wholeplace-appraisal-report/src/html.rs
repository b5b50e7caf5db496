//! The HTML report: a body fragment with GOV.UK Frontend class names for the web application (no
//! script, no inline style attributes: the CSP forbids them) and a standalone document for files.
//! Every chart is an inline SVG from [`crate::charts`] with a <title> and <desc>, followed by a
//! table of the same figures.

use crate::charts::{Histogram, LineChart, RangeBars};
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
        LineChart::new(
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
        RangeBars::new(
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
        RangeBars::new(
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
        Histogram::new(
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
        RangeBars::new(
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
