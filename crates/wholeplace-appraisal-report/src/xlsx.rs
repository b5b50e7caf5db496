//! The results workbook (`wholeplace appraise MODEL --format xlsx --output results.xlsx`): sheets
//! Inputs, Per-year streams, Ledger (by agency, and the who-pays x who-gains matrix), Results and
//! How calculated, each headed by the title and the unit-cost attribution. Every cell is a typed
//! value (number or text): nothing is ever written as a formula.

use crate::Report;
use crate::model_xlsx::{cost_rows, outcome_rows};
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use wholeplace_appraisal::model::ModelFile;
use wholeplace_appraisal::montecarlo::McResults;

/// One cell to write.
pub(crate) enum Cell {
    /// Text.
    T(String),
    /// Money (pounds, two decimals shown).
    M(f64),
    /// A plain number (ratios, factors, counts).
    N(f64),
    /// A number in the General format (model workbooks: shown as typed).
    G(f64),
    /// Nothing.
    E,
}

impl Cell {
    pub(crate) fn t(s: impl Into<String>) -> Cell {
        Cell::T(s.into())
    }
    fn opt_n(x: Option<f64>) -> Cell {
        x.map(Cell::N).unwrap_or(Cell::E)
    }
    fn opt_year(x: Option<u32>) -> Cell {
        x.map(|v| Cell::N(v as f64)).unwrap_or(Cell::E)
    }
}

/// A worksheet being filled row by row.
pub(crate) struct Sheet<'a> {
    ws: &'a mut Worksheet,
    row: u32,
    bold: Format,
    money: Format,
    number: Format,
}

impl<'a> Sheet<'a> {
    pub(crate) fn new(wb: &'a mut Workbook, name: &str) -> Result<Self, XlsxError> {
        let ws = wb.add_worksheet();
        ws.set_name(name)?;
        Ok(Sheet {
            ws,
            row: 0,
            bold: Format::new().set_bold(),
            money: Format::new().set_num_format("£#,##0.00"),
            number: Format::new().set_num_format("0.00####"),
        })
    }

    pub(crate) fn widths(&mut self, widths: &[f64]) -> Result<(), XlsxError> {
        for (c, w) in widths.iter().enumerate() {
            self.ws.set_column_width(c as u16, *w)?;
        }
        Ok(())
    }

    pub(crate) fn heading(&mut self, cells: &[&str]) -> Result<(), XlsxError> {
        for (c, t) in cells.iter().enumerate() {
            self.ws
                .write_string_with_format(self.row, c as u16, *t, &self.bold)?;
        }
        self.row += 1;
        Ok(())
    }

    pub(crate) fn row(&mut self, cells: &[Cell]) -> Result<(), XlsxError> {
        for (c, cell) in cells.iter().enumerate() {
            let (r, c) = (self.row, c as u16);
            match cell {
                Cell::T(s) if !s.is_empty() => {
                    self.ws.write_string(r, c, s)?;
                }
                Cell::M(x) if x.is_finite() => {
                    self.ws.write_number_with_format(r, c, *x, &self.money)?;
                }
                Cell::N(x) if x.is_finite() => {
                    self.ws.write_number_with_format(r, c, *x, &self.number)?;
                }
                Cell::G(x) if x.is_finite() => {
                    self.ws.write_number(r, c, *x)?;
                }
                _ => {}
            }
        }
        self.row += 1;
        Ok(())
    }

    pub(crate) fn blank(&mut self) {
        self.row += 1;
    }

    fn kv(&mut self, key: &str, value: Cell) -> Result<(), XlsxError> {
        self.row(&[Cell::t(key), value])
    }
}

/// Writes the results workbook; `model` (the model as read) fills the Inputs sheet's cost and
/// outcome lines.
pub fn report_xlsx(report: &Report, model: Option<&ModelFile>) -> Result<Vec<u8>, String> {
    write(report, model).map_err(|e| format!("cannot write the workbook: {e}"))
}

fn head(s: &mut Sheet, report: &Report, what: &str) -> Result<(), XlsxError> {
    s.heading(&[&format!("{} — {what}", report.results.title)])?;
    s.row(&[Cell::t(&report.results.attribution)])?;
    s.blank();
    Ok(())
}

fn write(report: &Report, model: Option<&ModelFile>) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    inputs_sheet(&mut wb, report, model)?;
    streams_sheet(&mut wb, report)?;
    ledger_sheet(&mut wb, report)?;
    results_sheet(&mut wb, report)?;
    how_calculated_sheet(&mut wb, report)?;
    wb.save_to_buffer()
}

/// The Inputs sheet: price base, parameters, optimism bias, discount factors and, with the
/// model, its cost and outcome lines as written.
fn inputs_sheet(
    wb: &mut Workbook,
    report: &Report,
    model: Option<&ModelFile>,
) -> Result<(), XlsxError> {
    let r = &report.results;
    let mut s = Sheet::new(wb, "Inputs")?;
    s.widths(&[34.0, 40.0, 16.0, 16.0, 16.0, 16.0])?;
    head(&mut s, report, "inputs")?;
    s.kv("Price base", Cell::t(&r.price_base))?;
    s.kv("Start year (year 0)", Cell::t(&r.start_year))?;
    s.kv("Horizon (years)", Cell::N(r.horizon_years as f64))?;
    s.kv("Parameter set", Cell::t(&r.parameter_set))?;
    s.kv(
        "Overrides",
        Cell::t(if r.parameter_overrides.is_empty() {
            "none".to_owned()
        } else {
            r.parameter_overrides.join("; ")
        }),
    )?;
    s.kv("Unit-cost library", Cell::t(&r.library_version))?;
    s.kv("Deflator series", Cell::t(&r.deflator_series))?;
    s.blank();
    s.heading(&["Optimism bias by confidence grade"])?;
    s.heading(&["Grade", "Optimism bias"])?;
    for (g, ob) in r.optimism_bias.iter().enumerate() {
        s.row(&[Cell::N((g + 1) as f64), Cell::N(*ob)])?;
    }
    s.blank();
    s.heading(&["Discount factors"])?;
    s.heading(&["Year", "Financial year", "DF"])?;
    for (t, df) in r.discount_factors.iter().enumerate() {
        let fy = r
            .options
            .first()
            .and_then(|o| o.years.get(t))
            .map(|y| y.financial_year.clone())
            .unwrap_or_default();
        s.row(&[Cell::N(t as f64), Cell::T(fy), Cell::N(*df)])?;
    }
    if let Some(m) = model {
        for (title, (headers, rows)) in [
            ("Cost lines (as written in the model)", cost_rows(m)),
            ("Outcome lines (as written in the model)", outcome_rows(m)),
        ] {
            s.blank();
            s.heading(&[title])?;
            let h: Vec<&str> = headers.iter().map(String::as_str).collect();
            s.heading(&h)?;
            for row in rows {
                s.row(&row)?;
            }
        }
    }
    Ok(())
}

/// The Per-year streams sheet: every option's streams year by year.
fn streams_sheet(wb: &mut Workbook, report: &Report) -> Result<(), XlsxError> {
    let r = &report.results;
    let mut s = Sheet::new(wb, "Per-year streams")?;
    s.widths(&[20.0, 6.0, 12.0, 10.0])?;
    head(&mut s, report, "per-year streams (price base, £)")?;
    s.heading(&[
        "Option",
        "Year",
        "Financial year",
        "DF",
        "Costs",
        "Fiscal benefits",
        "of which transfers",
        "Economic",
        "Social",
        "Cashable",
        "Costs (discounted)",
        "Fiscal (discounted)",
        "Transfers (discounted)",
        "Economic (discounted)",
        "Social (discounted)",
        "Cumulative net fiscal (discounted)",
        "Cumulative net fiscal",
    ])?;
    for o in &r.options {
        for y in &o.years {
            s.row(&[
                Cell::t(&o.name),
                Cell::N(y.year as f64),
                Cell::t(&y.financial_year),
                Cell::N(y.discount_factor),
                Cell::M(y.costs),
                Cell::M(y.fiscal),
                Cell::M(y.transfers),
                Cell::M(y.economic),
                Cell::M(y.social),
                Cell::M(y.cashable),
                Cell::M(y.costs_discounted),
                Cell::M(y.fiscal_discounted),
                Cell::M(y.transfers_discounted),
                Cell::M(y.economic_discounted),
                Cell::M(y.social_discounted),
                Cell::M(y.cumulative_net_fiscal_discounted),
                Cell::M(y.cumulative_net_fiscal),
            ])?;
        }
    }
    Ok(())
}

/// The Ledger sheet: each option's agencies and who pays x who gains.
fn ledger_sheet(wb: &mut Workbook, report: &Report) -> Result<(), XlsxError> {
    let r = &report.results;
    let mut s = Sheet::new(wb, "Ledger")?;
    s.widths(&[28.0, 16.0, 16.0, 16.0, 16.0, 16.0, 16.0, 14.0, 14.0])?;
    head(&mut s, report, "ledger by agency (present values, £)")?;
    for o in &r.options {
        s.heading(&[&format!("Option: {}", o.name)])?;
        s.heading(&[
            "Agency",
            "PV costs borne",
            "PV fiscal benefits received",
            "of which cashable",
            "of which non-cashable",
            "of which transfers",
            "Net position",
            "Own payback year",
            "First cashable year",
        ])?;
        for l in &o.ledger {
            s.row(&[
                Cell::t(&l.agency),
                Cell::M(l.pv_costs),
                Cell::M(l.pv_fiscal),
                Cell::M(l.pv_cashable),
                Cell::M(l.pv_non_cashable),
                Cell::M(l.pv_transfers),
                Cell::M(l.net),
                Cell::opt_year(l.own_payback_year),
                Cell::opt_year(l.first_cashable_year),
            ])?;
        }
        s.blank();
        s.heading(&["Who pays (rows) x who gains (columns)"])?;
        s.row(&[Cell::t(&o.matrix.rule)])?;
        let mut h = vec!["Investing agency".to_owned()];
        h.extend(o.matrix.gainers.iter().cloned());
        let h: Vec<&str> = h.iter().map(String::as_str).collect();
        s.heading(&h)?;
        for (i, inv) in o.matrix.investors.iter().enumerate() {
            let mut row = vec![Cell::t(inv)];
            row.extend(
                o.matrix
                    .cells
                    .get(i)
                    .into_iter()
                    .flatten()
                    .map(|v| Cell::M(*v)),
            );
            s.row(&row)?;
        }
        if o.matrix.cashable_cells.iter().flatten().any(|v| *v != 0.0) {
            s.blank();
            s.heading(&["Of which cashable: who pays (rows) x who gains (columns)"])?;
            s.heading(&h)?;
            for (i, inv) in o.matrix.investors.iter().enumerate() {
                let mut row = vec![Cell::t(inv)];
                row.extend(
                    o.matrix
                        .cashable_cells
                        .get(i)
                        .into_iter()
                        .flatten()
                        .map(|v| Cell::M(*v)),
                );
                s.row(&row)?;
            }
        }
        s.blank();
    }
    Ok(())
}

/// The Results sheet: headline figures, switching values and lines per option, the options
/// compared, As Is, doing nothing, Monte Carlo and warnings.
fn results_sheet(wb: &mut Workbook, report: &Report) -> Result<(), XlsxError> {
    let r = &report.results;
    let mut s = Sheet::new(wb, "Results")?;
    s.widths(&[44.0, 18.0, 18.0, 18.0])?;
    head(&mut s, report, "results")?;
    for o in &r.options {
        let m = &o.summary;
        s.heading(&[&format!("Option: {} ({} figures)", o.name, o.basis)])?;
        s.kv("PV costs (after optimism bias)", Cell::M(m.pv_costs))?;
        s.kv("PV fiscal benefits", Cell::M(m.pv_fiscal))?;
        s.kv(
            "PV transfers (excluded from public value)",
            Cell::M(m.pv_transfers),
        )?;
        s.kv("PV economic benefits", Cell::M(m.pv_economic))?;
        s.kv("PV social benefits", Cell::M(m.pv_social))?;
        s.kv("PV public value", Cell::M(m.pv_public_value))?;
        s.kv("Net present budget impact (NPBI)", Cell::M(m.npbi))?;
        s.kv("Financial return on investment (FROI)", Cell::opt_n(m.froi))?;
        s.kv("Net present public value (NPPV)", Cell::M(m.nppv))?;
        s.kv("Public value benefit-cost ratio (BCR)", Cell::opt_n(m.bcr))?;
        s.kv("SROI (net)", Cell::opt_n(m.sroi_net))?;
        s.kv("SROI (gross)", Cell::opt_n(m.sroi_gross))?;
        s.kv(
            "Payback year (discounted)",
            Cell::opt_year(m.payback_year_discounted),
        )?;
        s.kv(
            "Payback year (undiscounted)",
            Cell::opt_year(m.payback_year_undiscounted),
        )?;
        s.kv("Payback", Cell::t(&o.payback_statement))?;
        s.blank();
        s.heading(&[
            "Switching values and break-even",
            "Now",
            "NPBI = 0 at",
            "BCR = 1 at",
        ])?;
        for w in &o.switching {
            s.row(&[
                Cell::t(&w.input),
                Cell::N(w.current),
                Cell::opt_n(w.npbi_zero_at),
                Cell::opt_n(w.bcr_one_at),
                Cell::t(&w.sentence),
            ])?;
        }
        s.blank();
        s.heading(&[
            "Outcome line",
            "PV fiscal",
            "PV public value",
            "Gross",
            "PV cashable",
            "Cashable rule",
        ])?;
        for l in &o.lines {
            s.row(&[
                Cell::t(&l.name),
                Cell::M(l.pv_fiscal),
                Cell::M(l.pv_public_value),
                Cell::t(if l.gross { "gross" } else { "net" }),
                Cell::M(l.pv_cashable),
                Cell::t(&l.cashable_rule),
            ])?;
        }
        s.blank();
    }
    if !r.comparison.is_empty() {
        s.heading(&[
            "Options compared",
            "PV costs",
            "PV fiscal",
            "NPBI",
            "NPPV",
            "BCR",
            "Projected public spend (PV)",
        ])?;
        for c in &r.comparison {
            s.row(&[
                Cell::t(&c.option),
                Cell::M(c.pv_costs),
                Cell::M(c.pv_fiscal),
                Cell::M(c.npbi),
                Cell::M(c.nppv),
                Cell::opt_n(c.bcr),
                c.projected_public_spend.map(Cell::M).unwrap_or(Cell::E),
            ])?;
        }
        s.blank();
    }
    if let Some(a) = &r.as_is {
        s.heading(&["Cost of As Is (a year)", "£"])?;
        for (agency, v) in &a.by_agency {
            s.kv(agency, Cell::M(*v))?;
        }
        s.kv("Fiscal total", Cell::M(a.fiscal_total))?;
        s.kv("Total", Cell::M(a.total))?;
        s.blank();
    }
    if let Some(d) = &r.doing_nothing {
        s.heading(&["Cost of doing nothing (PV)", "£"])?;
        for (agency, v) in &d.pv_by_agency {
            s.kv(agency, Cell::M(*v))?;
        }
        s.kv("Total", Cell::M(d.pv_total))?;
        s.blank();
    }
    if let Some(mc) = &report.monte_carlo {
        monte_carlo_results(&mut s, mc)?;
    }
    if !r.warnings.is_empty() {
        s.heading(&["Warnings", "Subject", "Reason"])?;
        for w in r.warnings.iter() {
            s.row(&[Cell::t(&w.code), Cell::t(&w.subject), Cell::t(&w.message)])?;
        }
    }
    Ok(())
}

/// The Monte Carlo figures of each option on the Results sheet.
fn monte_carlo_results(s: &mut Sheet, mc: &McResults) -> Result<(), XlsxError> {
    s.heading(&[&format!("Monte Carlo ({} draws)", mc.draws)])?;
    for o in &mc.options {
        s.heading(&[&format!("Option: {}", o.name), "mean", "p5", "p50", "p95"])?;
        for (name, d, money) in [
            ("NPBI", &o.npbi, true),
            ("FROI", &o.froi, false),
            ("BCR", &o.bcr, false),
        ] {
            let c = |x: f64| if money { Cell::M(x) } else { Cell::N(x) };
            s.row(&[Cell::t(name), c(d.mean), c(d.p5), c(d.p50), c(d.p95)])?;
        }
        s.kv("P(FROI >= 1)", Cell::N(o.prob_froi_at_least_1))?;
        s.kv(
            &format!("P(payback within {} years)", o.payback_within_years),
            Cell::N(o.prob_payback_within),
        )?;
        s.heading(&[
            "Largest drivers (tornado)",
            "NPBI at low",
            "NPBI at high",
            "Swing",
        ])?;
        for b in o.tornado.iter().take(10) {
            s.row(&[
                Cell::t(&b.input),
                Cell::M(b.npbi_at_low),
                Cell::M(b.npbi_at_high),
                Cell::M(b.swing),
            ])?;
        }
        s.blank();
    }
    Ok(())
}

/// The How calculated sheet: every figure's trace.
fn how_calculated_sheet(wb: &mut Workbook, report: &Report) -> Result<(), XlsxError> {
    let r = &report.results;
    let mut s = Sheet::new(wb, "How calculated")?;
    s.widths(&[16.0, 12.0, 40.0, 16.0, 50.0, 30.0, 40.0, 50.0])?;
    head(&mut s, report, "how each figure was calculated")?;
    s.heading(&[
        "Option",
        "Id",
        "Figure",
        "Value",
        "Formula",
        "Input",
        "Input value",
        "Source",
    ])?;
    for o in &r.options {
        for e in &o.explanations {
            s.row(&[
                Cell::t(&o.name),
                Cell::t(&e.id),
                Cell::t(&e.figure),
                Cell::N(e.value),
                Cell::t(&e.formula),
            ])?;
            for i in &e.inputs {
                s.row(&[
                    Cell::E,
                    Cell::E,
                    Cell::E,
                    Cell::E,
                    Cell::E,
                    Cell::t(&i.name),
                    Cell::t(&i.value),
                    Cell::t(&i.source),
                ])?;
            }
        }
    }
    Ok(())
}
