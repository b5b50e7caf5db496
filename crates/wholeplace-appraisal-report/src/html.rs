//! The HTML report: a body fragment with GOV.UK Frontend class names for the web application (no
//! script, no inline style attributes: the CSP forbids them) and a standalone document for files.
//! Both are one askama template, `templates/report/document.html` (the fragment is its `report`
//! block, in `report/fragment.html`), so every figure and name is escaped by the template library.
//! This module only gathers what the template shows: the figures formatted, the tables, and the
//! charts (from [`crate::charts`]), each an inline SVG with a title and a description followed by
//! a table of the same figures.

use crate::charts::{Histogram, LineChart, RangeBars};
use crate::{Report, gbp, ratio};
use askama::Template;
use wholeplace_appraisal::AppraisalResults;
use wholeplace_appraisal::appraise::{Explanation, OptionResult};
use wholeplace_appraisal::montecarlo::McOption;

/// The report as an HTML body fragment using GOV.UK Frontend classes (no script, no style attributes).
pub fn report_html_fragment(report: &Report) -> String {
    // Rendering into a String fails only when a value's Display does, and none of these does.
    Document::new(report)
        .as_report()
        .render()
        .unwrap_or_default()
}

/// A standalone HTML page with a small embedded stylesheet.
pub fn report_html_document(report: &Report) -> String {
    Document::new(report).render().unwrap_or_default()
}

/// The standalone page; its `report` block is the fragment.
#[derive(Template)]
#[template(path = "report/document.html", blocks = ["report"])]
struct Document<'a> {
    r: &'a AppraisalResults,
    options: Vec<OptionView<'a>>,
    comparison: Option<Table>,
    as_is: Option<AsIs>,
    doing_nothing: Option<DoingNothing>,
}

impl<'a> Document<'a> {
    fn new(report: &'a Report) -> Self {
        let r = &report.results;
        Document {
            r,
            options: r
                .options
                .iter()
                .enumerate()
                .map(|(k, o)| OptionView::new(report, k, o))
                .collect(),
            comparison: comparison(r),
            as_is: as_is(r),
            doing_nothing: doing_nothing(r),
        }
    }
}

/// A table in a focusable box that scrolls sideways when the table is wider than the window (so
/// the page itself never does); `region` names the box for screen readers and must be unique on
/// the page. The first cell of each row is its header.
struct Table {
    region: String,
    caption: &'static str,
    head: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn new(region: String, caption: &'static str, head: &[&str], rows: Vec<Vec<String>>) -> Self {
        Table {
            region,
            caption,
            head: head.iter().map(|h| (*h).to_owned()).collect(),
            rows,
        }
    }

    /// A table of one option, the region named by the caption and the option.
    fn of_option(
        caption: &'static str,
        option: &str,
        head: &[&str],
        rows: Vec<Vec<String>>,
    ) -> Self {
        Table::new(format!("{caption} ({option})"), caption, head, rows)
    }
}

/// One option's section: summary, cash flow, agencies, who pays and who gains, switching
/// values, uncertainty and how each figure was calculated. `k` makes its charts' ids unique.
struct OptionView<'a> {
    k: usize,
    result: &'a OptionResult,
    summary: Vec<(&'static str, String)>,
    cash_flow: LineChart,
    streams: Table,
    agencies: RangeBars,
    ledger: Table,
    gains: RangeBars,
    matrix: Table,
    uncertainty: Option<Uncertainty<'a>>,
    explanations: Vec<(&'a Explanation, String)>,
}

impl<'a> OptionView<'a> {
    fn new(report: &'a Report, k: usize, o: &'a OptionResult) -> Self {
        let (cash_flow, streams) = cash_flow(k, o);
        let (agencies, ledger) = agencies(k, o);
        let (gains, matrix) = who_pays_who_gains(k, o);
        OptionView {
            k,
            result: o,
            summary: summary(o),
            cash_flow,
            streams,
            agencies,
            ledger,
            gains,
            matrix,
            uncertainty: report.monte_carlo.as_ref().and_then(|mc| {
                mc.options
                    .get(k)
                    .map(|mo| Uncertainty::new(k, o, mc.draws, mo))
            }),
            explanations: o
                .explanations
                .iter()
                .map(|e| {
                    let value = if e.id == "froi" || e.id == "bcr" || e.id == "sroi" {
                        format!("{:.2}", e.value)
                    } else {
                        gbp(e.value)
                    };
                    (e, value)
                })
                .collect(),
        }
    }
}

/// The option's headline figures for its summary list.
fn summary(o: &OptionResult) -> Vec<(&'static str, String)> {
    let m = &o.summary;
    vec![
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
    ]
}

/// The cumulative discounted cash flow chart and the per-year streams.
fn cash_flow(k: usize, o: &OptionResult) -> (LineChart, Table) {
    let labels: Vec<String> = o.years.iter().map(|y| y.financial_year.clone()).collect();
    let cum: Vec<f64> = o
        .years
        .iter()
        .map(|y| y.cumulative_net_fiscal_discounted)
        .collect();
    let chart = LineChart::new(
        &format!("cf{k}"),
        "Cumulative discounted fiscal benefits minus costs by year",
        &format!("Line chart; payback {}", o.payback_statement),
        &labels,
        &cum,
        o.summary.payback_year_discounted.map(|v| v as usize),
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
    let table = Table::of_option(
        "Per-year streams (undiscounted, then discounted)",
        &o.name,
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
        rows,
    );
    (chart, table)
}

/// Benefits by agency: chart and ledger.
fn agencies(k: usize, o: &OptionResult) -> (RangeBars, Table) {
    let bars: Vec<(String, f64, f64)> = o
        .ledger
        .iter()
        .map(|l| (l.agency.clone(), 0.0, l.pv_fiscal))
        .collect();
    let chart = RangeBars::new(
        &format!("ag{k}"),
        "Present value of fiscal benefits received by each agency",
        "Bar chart of each agency's PV fiscal benefit; the table below gives costs, cashable share and net position",
        &bars,
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
    let table = Table::of_option(
        "By agency (present values)",
        &o.name,
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
        rows,
    );
    (chart, table)
}

/// Who invests and who gains: chart and matrix.
fn who_pays_who_gains(k: usize, o: &OptionResult) -> (RangeBars, Table) {
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
    let chart = RangeBars::new(
        &format!("mx{k}"),
        "Who invests and who gains",
        "Bars for each investing agency and gaining agency pair with a flow, largest first, PV of fiscal benefit; every pair is in the table below",
        &cells,
    );
    let table = Table::of_option(
        "Who invests × who gains (PV fiscal benefit)",
        &o.name,
        &head,
        rows,
    );
    (chart, table)
}

/// The Monte Carlo results of one option (`draws` draws): histogram, percentiles and tornado.
struct Uncertainty<'a> {
    draws: u32,
    mc: &'a McOption,
    histogram: Histogram,
    percentiles: Table,
    tornado: RangeBars,
    tornado_table: Table,
}

impl<'a> Uncertainty<'a> {
    fn new(k: usize, o: &OptionResult, draws: u32, mo: &'a McOption) -> Self {
        let histogram = Histogram::new(
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
            mo.npbi.histogram_width,
        );
        let ratios = |name: &str, d: &wholeplace_appraisal::montecarlo::Distribution| {
            vec![
                name.to_owned(),
                ratio(Some(d.p5)),
                ratio(Some(d.p50)),
                ratio(Some(d.p95)),
                ratio(Some(d.mean)),
            ]
        };
        let rows = vec![
            vec![
                "NPBI".into(),
                gbp(mo.npbi.p5),
                gbp(mo.npbi.p50),
                gbp(mo.npbi.p95),
                gbp(mo.npbi.mean),
            ],
            ratios("FROI", &mo.froi),
            ratios("BCR", &mo.bcr),
        ];
        let percentiles = Table::of_option(
            "Percentiles",
            &o.name,
            &["Figure", "5th", "Median", "95th", "Mean"],
            rows,
        );
        let bars: Vec<(String, f64, f64)> = mo
            .tornado
            .iter()
            .take(10)
            .map(|b| (b.input.clone(), b.npbi_at_low, b.npbi_at_high))
            .collect();
        let tornado = RangeBars::new(
            &format!("tn{k}"),
            "Tornado: largest drivers of NPBI",
            "Each bar spans NPBI with one input at its low and high end",
            &bars,
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
        let tornado_table = Table::of_option(
            "Tornado",
            &o.name,
            &["Input", "Range", "NPBI at low", "NPBI at high"],
            rows,
        );
        Uncertainty {
            draws,
            mc: mo,
            histogram,
            percentiles,
            tornado,
            tornado_table,
        }
    }
}

/// The doing-nothing and To Be options compared, if there are any.
fn comparison(r: &AppraisalResults) -> Option<Table> {
    if r.comparison.is_empty() {
        return None;
    }
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
    let caption = "Doing nothing and To Be options (present values)";
    Some(Table::new(
        caption.to_owned(),
        caption,
        &[
            "Option",
            "Costs",
            "Fiscal benefits",
            "NPBI",
            "BCR",
            "Projected public spend",
        ],
        rows,
    ))
}

/// The cost of As Is: a year's fiscal cost, the whole cost, and the fiscal cost by agency.
struct AsIs {
    fiscal_total: String,
    total: String,
    by_agency: Table,
}

fn as_is(r: &AppraisalResults) -> Option<AsIs> {
    let a = r.as_is.as_ref()?;
    let rows: Vec<Vec<String>> = a
        .by_agency
        .iter()
        .map(|(k, v)| vec![k.clone(), gbp(*v)])
        .collect();
    let caption = "As Is fiscal cost a year by agency";
    Some(AsIs {
        fiscal_total: gbp(a.fiscal_total),
        total: gbp(a.total),
        by_agency: Table::new(
            caption.to_owned(),
            caption,
            &["Agency", "Cost a year"],
            rows,
        ),
    })
}

/// The projected cost of doing nothing: its present value and the cost year by year.
struct DoingNothing {
    pv_total: String,
    by_year: Table,
}

fn doing_nothing(r: &AppraisalResults) -> Option<DoingNothing> {
    let d = r.doing_nothing.as_ref()?;
    let rows: Vec<Vec<String>> = d
        .total
        .iter()
        .enumerate()
        .map(|(t, v)| vec![format!("Year {t}"), gbp(*v), gbp(d.total_discounted[t])])
        .collect();
    let caption = "Projected cost of doing nothing";
    Some(DoingNothing {
        pv_total: gbp(d.pv_total),
        by_year: Table::new(
            caption.to_owned(),
            caption,
            &["Year", "Cost", "Discounted"],
            rows,
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use wholeplace_appraisal::Engine;

    const EXAMPLE: &str = include_str!("../../../examples/appraisal/family-intervention.toml");

    #[test]
    fn every_name_in_the_report_is_escaped_by_the_templates() {
        let e = Engine::shipped().expect("engine");
        let mut r = crate::build_report(&e, EXAMPLE, None, 50, 3, false).expect("report");
        let hostile = "<b>Kent & \"Co\"</b>";
        r.results.title = hostile.into();
        for o in &mut r.results.options {
            o.name = hostile.into();
            for l in &mut o.ledger {
                l.agency = hostile.into();
            }
        }
        let escaped = "&#60;b&#62;Kent &#38; &#34;Co&#34;&#60;/b&#62;";
        let frag = report_html_fragment(&r);
        assert!(!frag.contains("<b>") && !frag.contains("Kent & "), "{frag}");
        assert!(frag.contains(&format!("<h1 class=\"govuk-heading-l\">{escaped}</h1>")));
        assert!(frag.contains(&format!(
            "aria-label=\"By agency (present values) ({escaped})\""
        )));
        assert!(
            frag.contains(&format!(
                "font-size=\"14\" fill=\"#0b0c0c\">{escaped}</text>"
            )),
            "chart labels too"
        );
        let doc = report_html_document(&r);
        assert!(doc.starts_with("<!DOCTYPE html>\n<html lang=\"en-GB\">"));
        assert!(doc.contains(&format!("<title>{escaped}</title>")));
        assert!(doc.contains(&frag) && doc.ends_with("</body></html>\n"));
    }
}
