//! The cost-benefit case: evaluates each option of a prepared model year by year, following
//! docs/APPRAISAL-MODEL.md and ../shared/APPRAISAL-METHOD.md, and builds the results: the financial
//! case (NPBI, FROI, payback), the economic case (NPPV and BCR without transfer payments), SROI,
//! per-year streams, the by-agency ledger and who-invests x who-gains matrix, switching values,
//! break-even sentences, and a "how this was calculated" trace for every headline figure.

use crate::asis::{AsIsCost, DoingNothingCost, cost_as_is, project_doing_nothing};
use crate::model::Num;
use crate::prepare::{
    Guard, ImpactInputs, PreparedCost, PreparedModel, PreparedOption, PreparedOutcome, ValuePart,
    clamp,
};
use crate::unitcost::ATTRIBUTION;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Reusable buffers for evaluating one option (no allocation per Monte Carlo draw).
#[derive(Debug, Clone, Default)]
pub struct Workspace {
    h: usize,
    /// Costs per year (undiscounted, discounted).
    pub cost: Vec<f64>,
    /// Discounted costs.
    pub cost_d: Vec<f64>,
    /// Fiscal benefits per year.
    pub fiscal: Vec<f64>,
    /// Discounted fiscal benefits.
    pub fiscal_d: Vec<f64>,
    /// Transfers (part of fiscal).
    pub transfer: Vec<f64>,
    /// Discounted transfers.
    pub transfer_d: Vec<f64>,
    /// Economic.
    pub economic: Vec<f64>,
    /// Discounted economic.
    pub economic_d: Vec<f64>,
    /// Social.
    pub social: Vec<f64>,
    /// Discounted social.
    pub social_d: Vec<f64>,
    /// Cashable fiscal.
    pub cashable: Vec<f64>,
    /// Discounted cashable fiscal.
    pub cashable_d: Vec<f64>,
    /// Discounted public value before deadweight, attribution and displacement (for gross SROI).
    pub gross_public_d: f64,
    /// Agency x year discounted costs (flattened a * h + t).
    pub agency_cost_d: Vec<f64>,
    /// Agency x year discounted fiscal.
    pub agency_fiscal_d: Vec<f64>,
    /// Agency x year discounted cashable.
    pub agency_cashable_d: Vec<f64>,
    /// Agency x year discounted transfer.
    pub agency_transfer_d: Vec<f64>,
    /// Per outcome line: PV fiscal.
    pub line_pv_fiscal: Vec<f64>,
    /// Per outcome line: PV public value (transfers excluded).
    pub line_pv_public: Vec<f64>,
    /// Per outcome line: PV cashable fiscal.
    pub line_pv_cashable: Vec<f64>,
    /// Per outcome line: net outcomes per year (flattened line * h + t).
    pub line_outcomes: Vec<f64>,
    /// Per cost line: PV after optimism bias.
    pub cost_line_pv: Vec<f64>,
    /// One line's persistence profile by year (the sum over its intakes).
    prof: Vec<f64>,
    /// The same, for the gross SROI.
    gprof: Vec<f64>,
}

/// The spans of an outcome line: (first year, end year, number entering) of each intake, with
/// a line of one cohort as one intake of 1 entering in year 0.
pub fn line_spans(o: &PreparedOutcome, h: usize) -> Vec<(usize, usize, f64)> {
    let span = |year: u32, w: f64| {
        let start = (year.saturating_add(o.lag_years) as usize).min(h);
        let end = match o.duration_years {
            Some(d) => (start + d as usize).min(h),
            None => h,
        };
        (start, end, w)
    };
    if o.intakes.is_empty() {
        vec![span(0, 1.0)]
    } else {
        o.intakes.iter().map(|&(y, w)| span(y, w)).collect()
    }
}

/// Adds each intake's persistence (`w x keep^(t - start)` in its active years) into `prof`,
/// and into `gprof` the same taken after the year's drop-off and divided back (the gross SROI's
/// convention). With one intake of 1 the profile is the persistence itself, bit for bit.
pub(crate) fn add_profile(
    spans: &[(usize, usize, f64)],
    keep: f64,
    prof: &mut [f64],
    gprof: &mut [f64],
) {
    for &(start, end, w) in spans {
        let mut persistence = 1.0;
        for t in start..end {
            prof[t] += w * persistence;
            persistence *= keep;
            gprof[t] += w * (persistence / keep.max(f64::MIN_POSITIVE));
        }
    }
}

/// The cashable share of an outcome line's fiscal benefit in year `t`, `cash` its drawn share.
#[inline]
pub(crate) fn cashable_share(o: &PreparedOutcome, t: usize, cash: f64) -> f64 {
    if (t as u32) < o.cashable_from_year {
        0.0
    } else if o.cashable_schedule.is_empty() {
        cash
    } else {
        o.cashable_schedule[t.min(o.cashable_schedule.len() - 1)]
    }
}

impl Workspace {
    fn reset(&mut self, h: usize, agencies: usize, lines: usize, cost_lines: usize) {
        self.h = h;
        for v in [
            &mut self.cost,
            &mut self.cost_d,
            &mut self.fiscal,
            &mut self.fiscal_d,
            &mut self.transfer,
            &mut self.transfer_d,
            &mut self.economic,
            &mut self.economic_d,
            &mut self.social,
            &mut self.social_d,
            &mut self.cashable,
            &mut self.cashable_d,
        ] {
            v.clear();
            v.resize(h, 0.0);
        }
        for v in [
            &mut self.agency_cost_d,
            &mut self.agency_fiscal_d,
            &mut self.agency_cashable_d,
            &mut self.agency_transfer_d,
        ] {
            v.clear();
            v.resize(h * agencies, 0.0);
        }
        self.line_pv_fiscal.clear();
        self.line_pv_fiscal.resize(lines, 0.0);
        self.line_pv_public.clear();
        self.line_pv_public.resize(lines, 0.0);
        self.line_pv_cashable.clear();
        self.line_pv_cashable.resize(lines, 0.0);
        self.line_outcomes.clear();
        self.line_outcomes.resize(lines * h, 0.0);
        self.cost_line_pv.clear();
        self.cost_line_pv.resize(cost_lines, 0.0);
        self.gross_public_d = 0.0;
        self.prof.clear();
        self.prof.resize(h, 0.0);
        self.gprof.clear();
        self.gprof.resize(h, 0.0);
    }
}

/// The headline figures of one evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// PV of costs (after optimism bias).
    pub pv_costs: f64,
    /// PV of fiscal benefits.
    pub pv_fiscal: f64,
    /// PV of fiscal benefits that are transfers.
    pub pv_transfers: f64,
    /// PV of economic benefits.
    pub pv_economic: f64,
    /// PV of social benefits.
    pub pv_social: f64,
    /// PV of public value = fiscal - transfers + economic + social.
    pub pv_public_value: f64,
    /// NPBI = PV fiscal - PV costs.
    pub npbi: f64,
    /// FROI = PV fiscal / PV costs (None without costs).
    pub froi: Option<f64>,
    /// NPPV = PV public value - PV costs.
    pub nppv: f64,
    /// BCR = PV public value / PV costs.
    pub bcr: Option<f64>,
    /// SROI net (PV public value per £1 of costs) — equal to the BCR by definition here.
    pub sroi_net: Option<f64>,
    /// SROI gross: before deadweight, attribution and displacement.
    pub sroi_gross: Option<f64>,
    /// Discounted payback year index (only when FROI > 1).
    pub payback_year_discounted: Option<u32>,
    /// Undiscounted payback year index (only when FROI > 1).
    pub payback_year_undiscounted: Option<u32>,
}

fn ratio(a: f64, b: f64) -> Option<f64> {
    if b > 0.0 { Some(a / b) } else { None }
}

fn payback(benefit: &[f64], cost: &[f64]) -> Option<u32> {
    let (mut cb, mut cc) = (0.0, 0.0);
    for t in 0..benefit.len() {
        cb += benefit[t];
        cc += cost[t];
        if cc > 0.0 && cb >= cc - 1e-9 * cc.abs() {
            return Some(t as u32);
        }
    }
    None
}

/// Net outcomes of a line in year `t` per the method:
/// base x persistence(t), base = count x (1-dw)(1-attr)(1-disp)(1-OB).
fn line_base(o: &PreparedOutcome, x: &[f64]) -> (f64, f64) {
    let count = match o.impact {
        ImpactInputs::Rate {
            cohort,
            engagement,
            impact,
        } => x[cohort] * x[engagement] * x[impact],
        ImpactInputs::Count { count } => x[count],
    };
    let adj = (1.0 - x[o.deadweight]) * (1.0 - x[o.attribution]) * (1.0 - x[o.displacement]);
    let ob = 1.0 - o.optimism_bias;
    (count * adj * ob, count * ob)
}

/// Evaluates one option with input values `x` into `ws`, returning the summary.
pub fn evaluate(m: &PreparedModel, opt: &PreparedOption, x: &[f64], ws: &mut Workspace) -> Summary {
    let h = m.horizon as usize;
    let na = opt.agencies.len();
    ws.reset(h, na, opt.outcomes.len(), opt.costs.len());
    let df = &m.discount_factors;
    let dfh = &m.health_discount_factors;
    for (k, c) in opt.costs.iter().enumerate() {
        let s = x[c.scale] * (1.0 + c.optimism_bias);
        for (t, amount) in c.amounts.iter().enumerate().take(h) {
            let v = amount * s;
            if v == 0.0 {
                continue;
            }
            let vd = v * df[t];
            ws.cost[t] += v;
            ws.cost_d[t] += vd;
            ws.agency_cost_d[c.agency * h + t] += vd;
            ws.cost_line_pv[k] += vd;
        }
    }
    for (li, o) in opt.outcomes.iter().enumerate() {
        let (base, gross_base) = line_base(o, x);
        let keep = 1.0 - x[o.drop_off];
        let cash = x[o.cashable];
        let spans = line_spans(o, h);
        let start = spans.iter().map(|s| s.0).min().unwrap_or(h);
        let end = spans.iter().map(|s| s.1).max().unwrap_or(h).max(start);
        let public_per = o.fiscal - o.transfer + o.economic + o.social;
        ws.prof.fill(0.0);
        ws.gprof.fill(0.0);
        add_profile(&spans, keep, &mut ws.prof, &mut ws.gprof);
        for t in start..end {
            let n = base * ws.prof[t];
            let d = if o.health { dfh[t] } else { df[t] };
            ws.line_outcomes[li * h + t] = n;
            let f = n * o.fiscal;
            ws.fiscal[t] += f;
            ws.fiscal_d[t] += f * d;
            ws.transfer[t] += n * o.transfer;
            ws.transfer_d[t] += n * o.transfer * d;
            ws.economic[t] += n * o.economic;
            ws.economic_d[t] += n * o.economic * d;
            ws.social[t] += n * o.social;
            ws.social_d[t] += n * o.social * d;
            ws.line_pv_fiscal[li] += f * d;
            ws.line_pv_public[li] += n * public_per * d;
            ws.gross_public_d += gross_base * ws.gprof[t] * public_per * d;
            let cash_now = cashable_share(o, t, cash);
            ws.cashable[t] += f * cash_now;
            ws.cashable_d[t] += f * cash_now * d;
            ws.line_pv_cashable[li] += f * cash_now * d;
            for &(a, non_transfer, transfer) in &o.fiscal_by_agency {
                let v = n * (non_transfer + transfer) * d;
                ws.agency_fiscal_d[a * h + t] += v;
                ws.agency_cashable_d[a * h + t] += v * cash_now;
                ws.agency_transfer_d[a * h + t] += n * transfer * d;
            }
        }
    }
    let sum = |v: &[f64]| v.iter().sum::<f64>();
    let pv_costs = sum(&ws.cost_d);
    let pv_fiscal = sum(&ws.fiscal_d);
    let pv_transfers = sum(&ws.transfer_d);
    let pv_economic = sum(&ws.economic_d);
    let pv_social = sum(&ws.social_d);
    let pv_public_value = pv_fiscal - pv_transfers + pv_economic + pv_social;
    let froi = ratio(pv_fiscal, pv_costs);
    let pays = froi.is_some_and(|f| f > 1.0);
    Summary {
        pv_costs,
        pv_fiscal,
        pv_transfers,
        pv_economic,
        pv_social,
        pv_public_value,
        npbi: pv_fiscal - pv_costs,
        froi,
        nppv: pv_public_value - pv_costs,
        bcr: ratio(pv_public_value, pv_costs),
        sroi_net: ratio(pv_public_value, pv_costs),
        sroi_gross: ratio(ws.gross_public_d, pv_costs),
        payback_year_discounted: if pays {
            payback(&ws.fiscal_d, &ws.cost_d)
        } else {
            None
        },
        payback_year_undiscounted: if pays {
            payback(&ws.fiscal, &ws.cost)
        } else {
            None
        },
    }
}

/// The headline figures Monte Carlo and the tornado need, from [`FastOption::evaluate`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Headline {
    /// PV of costs (after optimism bias).
    pub pv_costs: f64,
    /// PV of fiscal benefits.
    pub pv_fiscal: f64,
    /// PV of public value (transfers excluded).
    pub pv_public_value: f64,
    /// NPBI.
    pub npbi: f64,
    /// FROI (None without costs).
    pub froi: Option<f64>,
    /// BCR (None without costs).
    pub bcr: Option<f64>,
    /// Discounted payback year index (only when FROI > 1).
    pub payback_year_discounted: Option<u32>,
}

#[derive(Debug, Clone)]
struct FastCost {
    scale: usize,
    uplift: f64,
    /// Sum of amount x DF over the years.
    pv: f64,
    /// Offset of its `h` amounts in `FastOption::amounts`.
    at: usize,
}

#[derive(Debug, Clone)]
struct FastLine {
    impact: ImpactInputs,
    deadweight: usize,
    attribution: usize,
    displacement: usize,
    keep_ob: f64,
    drop_off: usize,
    start: usize,
    end: usize,
    /// (start, end, number entering) of each intake.
    spans: Vec<(usize, usize, f64)>,
    health: bool,
    fiscal: f64,
    public_per: f64,
    /// With a fixed drop-off: offset of its per-year fiscal weights (persistence x DF x fiscal)
    /// in `FastOption::weights`, their sum, and the sum of persistence x DF x public value.
    fixed: Option<(usize, f64, f64)>,
}

/// One option prepared for evaluations that need only the headline figures: per-line constants,
/// persistence and discount factors are worked out once, so an evaluation is a few multiply-adds
/// per line and year and allocates nothing. Agrees with [`evaluate`] to rounding.
#[derive(Debug, Clone)]
pub struct FastOption {
    h: usize,
    costs: Vec<FastCost>,
    amounts: Vec<f64>,
    lines: Vec<FastLine>,
    weights: Vec<f64>,
    df: Vec<f64>,
    dfh: Vec<f64>,
    cost_d: Vec<f64>,
    fiscal_d: Vec<f64>,
}

impl FastOption {
    /// Prepares `opt` of `m`.
    pub fn new(m: &PreparedModel, opt: &PreparedOption) -> Self {
        let h = m.horizon as usize;
        let df = m.discount_factors.clone();
        let dfh = m.health_discount_factors.clone();
        let mut amounts = Vec::with_capacity(opt.costs.len() * h);
        let costs = opt
            .costs
            .iter()
            .map(|c| {
                let at = amounts.len();
                amounts.extend((0..h).map(|t| c.amounts.get(t).copied().unwrap_or(0.0)));
                FastCost {
                    scale: c.scale,
                    uplift: 1.0 + c.optimism_bias,
                    pv: amounts[at..].iter().zip(&df).map(|(a, d)| a * d).sum(),
                    at,
                }
            })
            .collect();
        let mut weights = Vec::new();
        let lines = opt
            .outcomes
            .iter()
            .map(|o| {
                let spans = line_spans(o, h);
                let start = spans.iter().map(|s| s.0).min().unwrap_or(h);
                let end = spans.iter().map(|s| s.1).max().unwrap_or(h).max(start);
                let public_per = o.fiscal - o.transfer + o.economic + o.social;
                let d = if o.health { &dfh } else { &df };
                let fixed = match &m.inputs[o.drop_off].num {
                    Num::Fixed(_) => {
                        let keep = 1.0
                            - clamp(m.inputs[o.drop_off].kind, m.inputs[o.drop_off].num.point());
                        let at = weights.len();
                        let (mut prof, mut gprof) = (vec![0.0; h], vec![0.0; h]);
                        add_profile(&spans, keep, &mut prof, &mut gprof);
                        let (mut fiscal, mut public) = (0.0, 0.0);
                        for (&dt, &p) in d[start..end].iter().zip(&prof[start..end]) {
                            weights.push(p * dt * o.fiscal);
                            fiscal += p * dt * o.fiscal;
                            public += p * dt * public_per;
                        }
                        Some((at, fiscal, public))
                    }
                    Num::Dist(_) => None,
                };
                FastLine {
                    impact: o.impact,
                    deadweight: o.deadweight,
                    attribution: o.attribution,
                    displacement: o.displacement,
                    keep_ob: 1.0 - o.optimism_bias,
                    drop_off: o.drop_off,
                    start,
                    end,
                    spans,
                    health: o.health,
                    fiscal: o.fiscal,
                    public_per,
                    fixed,
                }
            })
            .collect();
        FastOption {
            h,
            costs,
            amounts,
            lines,
            weights,
            df,
            dfh,
            cost_d: vec![0.0; h],
            fiscal_d: vec![0.0; h],
        }
    }

    /// The headline figures with input values `x` (indexed like [`PreparedModel::inputs`]).
    pub fn evaluate(&mut self, x: &[f64]) -> Headline {
        self.evaluate_with(x, true)
    }

    /// The same; with `years` false the per-year streams are not formed and
    /// `payback_year_discounted` is None. That is enough to know whether the option pays back
    /// within the horizon: it does exactly when FROI > 1 (the cumulative discounted benefit then
    /// exceeds the cumulative discounted cost by the last year).
    pub fn evaluate_with(&mut self, x: &[f64], years: bool) -> Headline {
        let h = self.h;
        let (mut pv_costs, mut pv_fiscal, mut pv_public_value) = (0.0, 0.0, 0.0);
        if years {
            self.cost_d.fill(0.0);
            self.fiscal_d.fill(0.0);
            for c in &self.costs {
                let s = x[c.scale] * c.uplift;
                let amounts = &self.amounts[c.at..c.at + h];
                for ((cd, a), d) in self.cost_d.iter_mut().zip(amounts).zip(&self.df) {
                    *cd += a * s * d;
                }
            }
        } else {
            for c in &self.costs {
                pv_costs += x[c.scale] * c.uplift * c.pv;
            }
        }
        for l in &self.lines {
            let count = match l.impact {
                ImpactInputs::Rate {
                    cohort,
                    engagement,
                    impact,
                } => x[cohort] * x[engagement] * x[impact],
                ImpactInputs::Count { count } => x[count],
            };
            let base = count
                * (1.0 - x[l.deadweight])
                * (1.0 - x[l.attribution])
                * (1.0 - x[l.displacement])
                * l.keep_ob;
            match l.fixed {
                Some((_, fiscal, public)) if !years => {
                    pv_fiscal += base * fiscal;
                    pv_public_value += base * public;
                }
                Some((at, _, public)) => {
                    let w = &self.weights[at..at + (l.end - l.start)];
                    for (f, w) in self.fiscal_d[l.start..l.end].iter_mut().zip(w) {
                        *f += base * w;
                    }
                    pv_public_value += base * public;
                }
                None => {
                    let keep = 1.0 - x[l.drop_off];
                    let d = if l.health { &self.dfh } else { &self.df };
                    let mut public = 0.0;
                    for &(start, end, w) in &l.spans {
                        let mut persistence = base * w;
                        for (f, dt) in self.fiscal_d[start..end].iter_mut().zip(&d[start..end]) {
                            let v = persistence * dt;
                            if years {
                                *f += v * l.fiscal;
                            }
                            public += v;
                            persistence *= keep;
                        }
                    }
                    if !years {
                        pv_fiscal += public * l.fiscal;
                    }
                    pv_public_value += public * l.public_per;
                }
            }
        }
        if years {
            pv_costs = self.cost_d.iter().sum();
            pv_fiscal = self.fiscal_d.iter().sum();
        }
        let froi = ratio(pv_fiscal, pv_costs);
        Headline {
            pv_costs,
            pv_fiscal,
            pv_public_value,
            npbi: pv_fiscal - pv_costs,
            froi,
            bcr: ratio(pv_public_value, pv_costs),
            payback_year_discounted: if years && froi.is_some_and(|f| f > 1.0) {
                payback(&self.fiscal_d, &self.cost_d)
            } else {
                None
            },
        }
    }
}

/// One year of every stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct YearRow {
    /// Appraisal year index (0 = start year).
    pub year: u32,
    /// Financial year.
    pub financial_year: String,
    /// Discount factor.
    pub discount_factor: f64,
    /// Costs (undiscounted).
    pub costs: f64,
    /// Fiscal benefits.
    pub fiscal: f64,
    /// Of which transfers.
    pub transfers: f64,
    /// Economic.
    pub economic: f64,
    /// Social.
    pub social: f64,
    /// Cashable fiscal.
    pub cashable: f64,
    /// Costs discounted.
    pub costs_discounted: f64,
    /// Fiscal discounted.
    pub fiscal_discounted: f64,
    /// Transfers discounted.
    pub transfers_discounted: f64,
    /// Economic discounted.
    pub economic_discounted: f64,
    /// Social discounted.
    pub social_discounted: f64,
    /// Cumulative fiscal minus costs, discounted.
    pub cumulative_net_fiscal_discounted: f64,
    /// Cumulative fiscal minus costs, undiscounted.
    pub cumulative_net_fiscal: f64,
}

/// One agency's position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerRow {
    /// Agency.
    pub agency: String,
    /// PV of costs borne.
    pub pv_costs: f64,
    /// PV of fiscal benefits received.
    pub pv_fiscal: f64,
    /// Of which cashable.
    pub pv_cashable: f64,
    /// Of which non-cashable.
    pub pv_non_cashable: f64,
    /// Of which transfer payments.
    pub pv_transfers: f64,
    /// Fiscal received minus costs borne.
    pub net: f64,
    /// First year its own cumulative discounted benefits reach its costs.
    pub own_payback_year: Option<u32>,
    /// First year with a cashable saving.
    pub first_cashable_year: Option<u32>,
}

/// Who invests x who gains: PV of fiscal benefit to each gaining agency attributed to investing
/// agencies in proportion to their share of PV costs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Matrix {
    /// Agencies bearing costs (rows).
    pub investors: Vec<String>,
    /// Agencies receiving fiscal benefits (columns).
    pub gainers: Vec<String>,
    /// `cells[i][g]`.
    pub cells: Vec<Vec<f64>>,
    /// `cashable_cells[i][g]`: the cashable part of each cell, shared alike.
    #[serde(default)]
    pub cashable_cells: Vec<Vec<f64>>,
    /// How the cells are computed.
    pub rule: String,
}

/// Per outcome line results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineResult {
    /// Name.
    pub name: String,
    /// Net outcomes per year.
    pub net_outcomes: Vec<f64>,
    /// PV fiscal.
    pub pv_fiscal: f64,
    /// PV public value (transfers excluded).
    pub pv_public_value: f64,
    /// Gross (no deadweight or comparison).
    pub gross: bool,
    /// How its fiscal benefit becomes cashable.
    #[serde(default)]
    pub cashable_rule: String,
    /// PV of its cashable fiscal benefit.
    #[serde(default)]
    pub pv_cashable: f64,
}

/// A switching value or break-even, with its sentence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Switching {
    /// The input concerned.
    pub input: String,
    /// The value now.
    pub current: f64,
    /// The value at which NPBI = 0 (None if unreachable).
    pub npbi_zero_at: Option<f64>,
    /// The value at which BCR = 1 (None if unreachable).
    pub bcr_one_at: Option<f64>,
    /// In words.
    pub sentence: String,
}

/// One input that made a figure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceItem {
    /// What it is.
    pub name: String,
    /// Its value as shown.
    pub value: String,
    /// Where it comes from (model line, unit cost code and library, parameter set).
    pub source: String,
}

/// How one figure was calculated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// Stable id, e.g. `npbi`, `outcome-2`.
    pub id: String,
    /// The figure's name.
    pub figure: String,
    /// The value.
    pub value: f64,
    /// The formula in words and symbols.
    pub formula: String,
    /// Inputs, parameters and unit costs.
    pub inputs: Vec<TraceItem>,
}

/// All results of one option.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptionResult {
    /// Option name.
    pub name: String,
    /// "net" or "gross" (some line lacks deadweight and comparison).
    pub basis: String,
    /// Headline figures.
    pub summary: Summary,
    /// Payback period in words.
    pub payback_statement: String,
    /// Every year.
    pub years: Vec<YearRow>,
    /// By agency.
    pub ledger: Vec<LedgerRow>,
    /// Who invests x who gains.
    pub matrix: Matrix,
    /// Per outcome line.
    pub lines: Vec<LineResult>,
    /// Switching values and break-even sentences.
    pub switching: Vec<Switching>,
    /// How each figure was calculated.
    pub explanations: Vec<Explanation>,
}

/// One row of the option comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparisonRow {
    /// Option ("Doing nothing" or a To Be option).
    pub option: String,
    /// PV of the option's own costs.
    pub pv_costs: f64,
    /// PV of fiscal benefits (demand avoided).
    pub pv_fiscal: f64,
    /// NPBI.
    pub npbi: f64,
    /// NPPV.
    pub nppv: f64,
    /// BCR.
    pub bcr: Option<f64>,
    /// Projected PV of public spending on the cohort: doing nothing - fiscal benefits + costs
    /// (None without a doing-nothing projection).
    pub projected_public_spend: Option<f64>,
}

/// Everything an appraisal produces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppraisalResults {
    /// Title.
    pub title: String,
    /// Price base.
    pub price_base: String,
    /// Year 0.
    pub start_year: String,
    /// Horizon.
    pub horizon_years: u32,
    /// Parameter set id and date.
    pub parameter_set: String,
    /// Overrides of the parameter set.
    pub parameter_overrides: Vec<String>,
    /// Discount factors used.
    pub discount_factors: Vec<f64>,
    /// Optimism bias table used.
    pub optimism_bias: [f64; 6],
    /// Library version.
    pub library_version: String,
    /// Deflator series.
    pub deflator_series: String,
    /// Attribution to show with values.
    pub attribution: String,
    /// Warnings (shared with the prepared model: a model with many lines can raise thousands).
    pub warnings: Arc<[Guard]>,
    /// Each option.
    pub options: Vec<OptionResult>,
    /// As Is annual cost.
    pub as_is: Option<AsIsCost>,
    /// Doing-nothing projection.
    pub doing_nothing: Option<DoingNothingCost>,
    /// Option comparison.
    pub comparison: Vec<ComparisonRow>,
}

fn money(x: f64) -> String {
    wholeplace_domain::Money::from_pounds_f64(x)
        .map(|m| m.to_full_string())
        .unwrap_or_else(|_| format!("£{x:.2}"))
}

fn pct(x: f64) -> String {
    format!("{}%", (x * 10000.0).round() / 100.0)
}

/// Runs the deterministic appraisal of every option, As Is and doing nothing, with the "how this
/// was calculated" trace of every figure (see [`appraise_figures`] for the figures alone).
pub fn appraise(m: &PreparedModel) -> AppraisalResults {
    appraise_with(m, true)
}

/// The same appraisal without the traces (`explanations` left empty): every figure, stream, ledger,
/// matrix and switching value, computed without formatting the traces' text. Get the traces of an
/// option when they are wanted with [`explanations`]; they are identical to [`appraise`]'s.
pub fn appraise_figures(m: &PreparedModel) -> AppraisalResults {
    appraise_with(m, false)
}

/// The "how this was calculated" traces of option `option` (empty if there is no such option).
pub fn explanations(m: &PreparedModel, option: usize) -> Vec<Explanation> {
    let Some(opt) = m.options.get(option) else {
        return Vec::new();
    };
    let x = m.point_values();
    let mut ws = Workspace::default();
    let s = evaluate(m, opt, &x, &mut ws);
    explain(m, opt, &x, &s, &ws, basis_of(opt))
}

fn basis_of(opt: &PreparedOption) -> &'static str {
    if opt.outcomes.iter().any(|o| o.gross) {
        "gross"
    } else {
        "net"
    }
}

fn appraise_with(m: &PreparedModel, traces: bool) -> AppraisalResults {
    let x = m.point_values();
    let mut ws = Workspace::default();
    let mut options = Vec::new();
    for opt in &m.options {
        let s = evaluate(m, opt, &x, &mut ws);
        options.push(option_result(m, opt, &x, &s, &ws, traces));
    }
    let as_is = if m.file.as_is.is_empty() {
        None
    } else {
        cost_as_is(&m.file.as_is, &m.library, &m.deflators, m.price_base).ok()
    };
    let doing_nothing = m.file.doing_nothing.as_ref().and_then(|dn| {
        let df = m.params.discount.factors(dn.years.unwrap_or(m.horizon));
        project_doing_nothing(dn, &m.library, &m.deflators, m.price_base, &df).ok()
    });
    let mut comparison = Vec::new();
    if let Some(dn) = &doing_nothing {
        comparison.push(ComparisonRow {
            option: "Doing nothing".into(),
            pv_costs: 0.0,
            pv_fiscal: 0.0,
            npbi: 0.0,
            nppv: 0.0,
            bcr: None,
            projected_public_spend: Some(dn.pv_total),
        });
    }
    for o in &options {
        comparison.push(ComparisonRow {
            option: o.name.clone(),
            pv_costs: o.summary.pv_costs,
            pv_fiscal: o.summary.pv_fiscal,
            npbi: o.summary.npbi,
            nppv: o.summary.nppv,
            bcr: o.summary.bcr,
            projected_public_spend: doing_nothing
                .as_ref()
                .map(|d| d.pv_total - o.summary.pv_fiscal + o.summary.pv_costs),
        });
    }
    AppraisalResults {
        title: m.file.appraisal.title.clone(),
        price_base: m.price_base.to_string(),
        start_year: m.start_year.to_string(),
        horizon_years: m.horizon,
        parameter_set: format!("{} (dated {})", m.params.id, m.params.dated),
        parameter_overrides: m.overrides.clone(),
        discount_factors: m.discount_factors.clone(),
        optimism_bias: m.params.optimism_bias,
        library_version: m.library_version.clone(),
        deflator_series: m.deflator_name.clone(),
        attribution: ATTRIBUTION.into(),
        warnings: m.warnings.clone(),
        options,
        as_is,
        doing_nothing,
        comparison,
    }
}

fn option_result(
    m: &PreparedModel,
    opt: &PreparedOption,
    x: &[f64],
    s: &Summary,
    ws: &Workspace,
    traces: bool,
) -> OptionResult {
    let h = m.horizon as usize;
    let mut years = Vec::with_capacity(h);
    let (mut cumd, mut cum) = (0.0, 0.0);
    for t in 0..h {
        cumd += ws.fiscal_d[t] - ws.cost_d[t];
        cum += ws.fiscal[t] - ws.cost[t];
        years.push(YearRow {
            year: t as u32,
            financial_year: m.year_label(t as u32),
            discount_factor: m.discount_factors[t],
            costs: ws.cost[t],
            fiscal: ws.fiscal[t],
            transfers: ws.transfer[t],
            economic: ws.economic[t],
            social: ws.social[t],
            cashable: ws.cashable[t],
            costs_discounted: ws.cost_d[t],
            fiscal_discounted: ws.fiscal_d[t],
            transfers_discounted: ws.transfer_d[t],
            economic_discounted: ws.economic_d[t],
            social_discounted: ws.social_d[t],
            cumulative_net_fiscal_discounted: cumd,
            cumulative_net_fiscal: cum,
        });
    }
    let mut ledger = Vec::new();
    for (a, name) in opt.agencies.iter().enumerate() {
        let slice = |v: &Vec<f64>| v[a * h..(a + 1) * h].to_vec();
        let (c, f, cash, tr) = (
            slice(&ws.agency_cost_d),
            slice(&ws.agency_fiscal_d),
            slice(&ws.agency_cashable_d),
            slice(&ws.agency_transfer_d),
        );
        let pv_costs: f64 = c.iter().sum();
        let pv_fiscal: f64 = f.iter().sum();
        let pv_cashable: f64 = cash.iter().sum();
        ledger.push(LedgerRow {
            agency: name.clone(),
            pv_costs,
            pv_fiscal,
            pv_cashable,
            pv_non_cashable: pv_fiscal - pv_cashable,
            pv_transfers: tr.iter().sum(),
            net: pv_fiscal - pv_costs,
            own_payback_year: payback(&f, &c),
            first_cashable_year: cash.iter().position(|v| *v > 0.0).map(|t| t as u32),
        });
    }
    let investors: Vec<&LedgerRow> = ledger.iter().filter(|l| l.pv_costs > 0.0).collect();
    let gainers: Vec<&LedgerRow> = ledger.iter().filter(|l| l.pv_fiscal > 0.0).collect();
    let matrix = Matrix {
        investors: investors.iter().map(|l| l.agency.clone()).collect(),
        gainers: gainers.iter().map(|l| l.agency.clone()).collect(),
        cells: investors
            .iter()
            .map(|i| gainers.iter().map(|g| if s.pv_costs > 0.0 { g.pv_fiscal * i.pv_costs / s.pv_costs } else { 0.0 }).collect())
            .collect(),
        cashable_cells: investors
            .iter()
            .map(|i| gainers.iter().map(|g| if s.pv_costs > 0.0 { g.pv_cashable * i.pv_costs / s.pv_costs } else { 0.0 }).collect())
            .collect(),
        rule: "each gaining agency's PV of fiscal benefit (and of it, the cashable part: cashable only in the years each line's schedule and capacity rule allow) is shared among investing agencies in proportion to their share of PV costs".into(),
    };
    let lines: Vec<LineResult> = opt
        .outcomes
        .iter()
        .enumerate()
        .map(|(li, o)| LineResult {
            name: o.name.clone(),
            net_outcomes: ws.line_outcomes[li * h..(li + 1) * h].to_vec(),
            pv_fiscal: ws.line_pv_fiscal[li],
            pv_public_value: ws.line_pv_public[li],
            gross: o.gross,
            cashable_rule: o.cashable_rule.clone(),
            pv_cashable: ws.line_pv_cashable[li],
        })
        .collect();
    let basis = basis_of(opt).to_owned();
    let payback_statement = match (
        s.froi,
        s.payback_year_discounted,
        s.payback_year_undiscounted,
    ) {
        (Some(f), d, u) if f > 1.0 => format!(
            "Pays back (discounted) in year {} ({}), i.e. within {} years; undiscounted in year {} ({}).",
            d.map(|v| v.to_string()).unwrap_or("-".into()),
            d.map(|v| m.year_label(v)).unwrap_or("-".into()),
            d.map(|v| (v + 1).to_string()).unwrap_or("-".into()),
            u.map(|v| v.to_string()).unwrap_or("-".into()),
            u.map(|v| m.year_label(v)).unwrap_or("-".into()),
        ),
        (Some(f), _, _) => format!(
            "Does not pay back within the {}-year horizon: the financial return is {:.2} (below 1), so no payback period is reported.",
            m.horizon, f
        ),
        (None, _, _) => "No costs: no return or payback can be computed.".into(),
    };
    let switching = switching_values(m, opt, x, s, ws);
    let explanations = if traces {
        explain(m, opt, x, s, ws, &basis)
    } else {
        Vec::new()
    };
    OptionResult {
        name: opt.name.clone(),
        basis,
        summary: *s,
        payback_statement,
        years,
        ledger,
        matrix,
        lines,
        switching,
        explanations,
    }
}

fn switching_values(
    m: &PreparedModel,
    opt: &PreparedOption,
    x: &[f64],
    s: &Summary,
    ws: &Workspace,
) -> Vec<Switching> {
    let mut out = Vec::new();
    if s.pv_costs > 0.0 {
        let k = s.pv_fiscal / s.pv_costs;
        let kb = s.pv_public_value / s.pv_costs;
        out.push(Switching {
            input: "All costs".into(),
            current: 1.0,
            npbi_zero_at: Some(k),
            bcr_one_at: Some(kb),
            sentence: if k >= 1.0 {
                format!("Costs could rise by {:.0}% before the fiscal case breaks even (NPBI = 0), and by {:.0}% before public value equals cost (BCR = 1).", (k - 1.0) * 100.0, (kb - 1.0) * 100.0)
            } else {
                format!("Costs would have to fall by {:.0}% for the fiscal case to break even (NPBI = 0).", (1.0 - k) * 100.0)
            },
        });
    }
    let h = m.horizon as usize;
    for (li, o) in opt.outcomes.iter().enumerate() {
        let pvf = ws.line_pv_fiscal[li];
        let pvp = ws.line_pv_public[li];
        let outcomes = &ws.line_outcomes[li * h..(li + 1) * h];
        let active = outcomes.iter().filter(|v| **v > 0.0).count();
        if active == 0 {
            continue;
        }
        let avg = outcomes.iter().sum::<f64>() / active as f64;
        let k = if pvf > 0.0 {
            Some((s.pv_costs - (s.pv_fiscal - pvf)) / pvf)
        } else {
            None
        };
        let kb = if pvp > 0.0 {
            Some((s.pv_costs - (s.pv_public_value - pvp)) / pvp)
        } else {
            None
        };
        let sentence = match k {
            Some(k) if k <= 0.0 => format!(
                "The fiscal case pays back even if '{}' achieves nothing.",
                o.name
            ),
            Some(k) => format!(
                "Pays back (NPBI = 0) if it achieves {:.1} {} a year (the model assumes {:.1} a year from '{}').",
                avg * k,
                o.counted_as,
                avg,
                o.name
            ),
            None => format!(
                "'{}' has no fiscal value, so it cannot make the fiscal case pay back.",
                o.name
            ),
        };
        let (label, current) = match o.impact {
            ImpactInputs::Rate { impact, .. } => (format!("{}: impact", o.name), x[impact]),
            ImpactInputs::Count { count } => (format!("{}: impact_count", o.name), x[count]),
        };
        out.push(Switching {
            input: label,
            current,
            npbi_zero_at: k.map(|k| current * k),
            bcr_one_at: kb.map(|k| current * k),
            sentence,
        });
        if pvf > 0.0 {
            let dw = x[o.deadweight];
            let z = k
                .map(|k| 1.0 - (1.0 - dw) * k)
                .filter(|v| (0.0..=1.0).contains(v));
            out.push(Switching {
                input: format!("{}: deadweight", o.name),
                current: dw,
                npbi_zero_at: z,
                bcr_one_at: kb
                    .map(|k| 1.0 - (1.0 - dw) * k)
                    .filter(|v| (0.0..=1.0).contains(v)),
                sentence: match z {
                    Some(z) => format!(
                        "NPBI falls to zero if deadweight on '{}' reaches {}.",
                        o.name,
                        pct(z)
                    ),
                    None => format!(
                        "No deadweight between 0% and 100% on '{}' alone brings NPBI to zero.",
                        o.name
                    ),
                },
            });
        }
    }
    out
}

fn explain(
    m: &PreparedModel,
    opt: &PreparedOption,
    x: &[f64],
    s: &Summary,
    ws: &Workspace,
    basis: &str,
) -> Vec<Explanation> {
    let dfs = TraceItem {
        name: "Discount factors DF(0..)".into(),
        value: m
            .discount_factors
            .iter()
            .map(|d| format!("{d:.6}"))
            .collect::<Vec<_>>()
            .join(", "),
        source: "DF(t) = product over years 1..t of 1/(1+r)".into(),
    };
    let mut out = Vec::new();
    for (k, c) in opt.costs.iter().enumerate() {
        out.push(explain_cost(m, opt, x, c, ws.cost_line_pv[k], &dfs));
    }
    for (li, o) in opt.outcomes.iter().enumerate() {
        out.push(explain_outcome(m, x, ws, li, o, &dfs));
    }
    out.extend(explain_headlines(m, s, basis));
    out
}

/// The trace of one cost line's present value `pv`.
fn explain_cost(
    m: &PreparedModel,
    opt: &PreparedOption,
    x: &[f64],
    c: &PreparedCost,
    pv: f64,
    dfs: &TraceItem,
) -> Explanation {
    Explanation {
        id: format!("cost-{}", c.index + 1),
        figure: format!("PV of cost '{}'", c.name),
        value: pv,
        formula: "sum over years of amount x uprating x (1 + optimism bias) x scale x DF(t)".into(),
        inputs: vec![
            TraceItem {
                name: "Agency".into(),
                value: opt.agencies[c.agency].clone(),
                source: format!("costs #{}", c.index + 1),
            },
            TraceItem {
                name: "Amounts (price base)".into(),
                value: c
                    .amounts
                    .iter()
                    .map(|a| money(*a))
                    .collect::<Vec<_>>()
                    .join(", "),
                source: format!(
                    "uprating factor {:.6} from {} ({})",
                    c.uprating_factor,
                    m.file.costs[c.index].price_year,
                    m.deflators
                        .describe(m.file.costs[c.index].price_year, m.price_base)
                ),
            },
            TraceItem {
                name: "Optimism bias".into(),
                value: pct(c.optimism_bias),
                source: c.optimism_source.clone(),
            },
            TraceItem {
                name: "Scale".into(),
                value: format!("{}", x[c.scale]),
                source: "costs scale (1 unless uncertain)".into(),
            },
            dfs.clone(),
        ],
    }
}

/// The trace of outcome line `li`'s present fiscal benefit.
fn explain_outcome(
    m: &PreparedModel,
    x: &[f64],
    ws: &Workspace,
    li: usize,
    o: &PreparedOutcome,
    dfs: &TraceItem,
) -> Explanation {
    let h = m.horizon as usize;
    let mut inputs = outcome_count_inputs(x, o);
    inputs.push(TraceItem {
        name: "Optimism bias (benefits reduced)".into(),
        value: pct(o.optimism_bias),
        source: format!("grade {} table", o.grade),
    });
    inputs.push(TraceItem {
        name: "Timing".into(),
        value: format!(
            "lag {} years, duration {}",
            o.lag_years,
            o.duration_years
                .map(|d| format!("{d} years"))
                .unwrap_or("to the horizon".into())
        ),
        source: format!("outcomes #{}", o.index + 1),
    });
    for p in &o.parts {
        inputs.push(value_part_trace(m, p));
    }
    inputs.push(TraceItem { name: "Net outcomes by year".into(), value: ws.line_outcomes[li * h..(li + 1) * h].iter().map(|v| format!("{v:.3}")).collect::<Vec<_>>().join(", "), source: "count x (1-deadweight)(1-attribution)(1-displacement)(1-optimism bias) x (1-drop-off)^(years since start)".into() });
    inputs.push(if o.health {
        TraceItem {
            name: "Discounting".into(),
            value: pct(m.params.health_discount_rate),
            source: "health rate".into(),
        }
    } else {
        dfs.clone()
    });
    Explanation {
        id: format!("outcome-{}", o.index + 1),
        figure: format!("PV of fiscal benefit of '{}'", o.name),
        value: ws.line_pv_fiscal[li],
        formula: "sum over years of net outcomes(t) x fiscal value per outcome x DF(t)".into(),
        inputs,
    }
}

/// The inputs that count an outcome line's outcomes and net them down.
fn outcome_count_inputs(x: &[f64], o: &PreparedOutcome) -> Vec<TraceItem> {
    let mut inputs = Vec::new();
    match o.impact {
        ImpactInputs::Rate {
            cohort,
            engagement,
            impact,
        } => {
            inputs.push(TraceItem {
                name: "Cohort".into(),
                value: format!("{}", x[cohort]),
                source: format!("outcomes #{}", o.index + 1),
            });
            inputs.push(TraceItem {
                name: "Engagement".into(),
                value: pct(x[engagement]),
                source: format!("outcomes #{}", o.index + 1),
            });
            inputs.push(TraceItem {
                name: "Impact".into(),
                value: pct(x[impact]),
                source: format!("outcomes #{}", o.index + 1),
            });
        }
        ImpactInputs::Count { count } => inputs.push(TraceItem {
            name: "Impact count".into(),
            value: format!("{}", x[count]),
            source: format!("outcomes #{}", o.index + 1),
        }),
    }
    for (n, i) in [
        ("Deadweight", o.deadweight),
        ("Attribution", o.attribution),
        ("Displacement", o.displacement),
        ("Drop-off", o.drop_off),
        ("Cashable", o.cashable),
    ] {
        inputs.push(TraceItem {
            name: n.into(),
            value: pct(x[i]),
            source: format!("outcomes #{}", o.index + 1),
        });
    }
    inputs
}

/// How one value part of an outcome line was uprated, and where its value comes from.
fn value_part_trace(m: &PreparedModel, p: &ValuePart) -> TraceItem {
    TraceItem {
        name: format!(
            "{} value {}{}",
            p.kind,
            p.code,
            p.agency
                .as_ref()
                .map(|a| format!(" to {a}"))
                .unwrap_or_default()
        ),
        value: format!(
            "{} ({} prices) x {:.6} [{}] x {}{} = {}{}",
            money(p.original.pounds),
            p.original.price_year,
            p.uprating_factor,
            p.uprated_with,
            p.quantity,
            if p.share == 1.0 {
                String::new()
            } else {
                format!(" x {} share", pct(p.share))
            },
            money(p.value),
            if p.transfer {
                " — transfer payment, excluded from public value"
            } else {
                ""
            }
        ),
        source: format!(
            "{} — {}",
            m.library_version,
            m.library
                .get(&p.code)
                .map(|u| u.description.clone())
                .unwrap_or_default()
        ),
    }
}

/// The traces of the headline figures: NPBI, FROI, NPPV, BCR and SROI.
fn explain_headlines(m: &PreparedModel, s: &Summary, basis: &str) -> Vec<Explanation> {
    let params = TraceItem {
        name: "Parameter set".into(),
        value: format!("{} dated {}", m.params.id, m.params.dated),
        source: format!(
            "discount {}; overrides: {}",
            m.params
                .discount
                .bands
                .iter()
                .map(|b| format!("{} from year {}", pct(b.rate), b.from_year))
                .collect::<Vec<_>>()
                .join(", "),
            if m.overrides.is_empty() {
                "none".into()
            } else {
                m.overrides.join("; ")
            }
        ),
    };
    let mut out = Vec::new();
    let headline =
        |id: &str, figure: &str, value: f64, formula: &str, extra: Vec<TraceItem>| Explanation {
            id: id.into(),
            figure: figure.into(),
            value,
            formula: formula.into(),
            inputs: {
                let mut v = vec![
                    params.clone(),
                    TraceItem {
                        name: "Basis".into(),
                        value: basis.into(),
                        source: if basis == "gross" {
                            "some outcome lines have no deadweight or comparison group".into()
                        } else {
                            "every line has deadweight or a comparison".into()
                        },
                    },
                ];
                v.extend(extra);
                v
            },
        };
    let pv = |n: &str, v: f64, src: &str| TraceItem {
        name: n.into(),
        value: money(v),
        source: src.into(),
    };
    out.push(headline(
        "npbi",
        "Net present budget impact (NPBI)",
        s.npbi,
        "PV fiscal benefits - PV costs",
        vec![
            pv(
                "PV fiscal benefits",
                s.pv_fiscal,
                "sum of outcome lines' PV fiscal",
            ),
            pv("PV costs", s.pv_costs, "sum of cost lines' PV"),
        ],
    ));
    if let Some(f) = s.froi {
        out.push(headline(
            "froi",
            "Financial return on investment (FROI)",
            f,
            "PV fiscal benefits / PV costs",
            vec![
                pv("PV fiscal benefits", s.pv_fiscal, "outcome lines"),
                pv("PV costs", s.pv_costs, "cost lines"),
            ],
        ));
    }
    out.push(headline(
        "nppv",
        "Net present public value (NPPV)",
        s.nppv,
        "PV (fiscal - transfers + economic + social) - PV costs",
        vec![
            pv("PV fiscal", s.pv_fiscal, "outcome lines"),
            pv(
                "PV transfers excluded",
                s.pv_transfers,
                "fiscal parts marked as transfer payments",
            ),
            pv("PV economic", s.pv_economic, "outcome lines"),
            pv("PV social", s.pv_social, "outcome lines"),
            pv("PV costs", s.pv_costs, "cost lines"),
        ],
    ));
    if let Some(b) = s.bcr {
        out.push(headline(
            "bcr",
            "Public value benefit-cost ratio (BCR)",
            b,
            "PV public value (transfers excluded) / PV costs",
            vec![
                pv(
                    "PV public value",
                    s.pv_public_value,
                    "fiscal - transfers + economic + social",
                ),
                pv("PV costs", s.pv_costs, "cost lines"),
            ],
        ));
    }
    if let (Some(n), Some(g)) = (s.sroi_net, s.sroi_gross) {
        out.push(headline("sroi", "Social return on investment (SROI, net)", n, "PV public value per £1 of PV costs; gross = before deadweight, attribution and displacement", vec![TraceItem { name: "SROI gross".into(), value: format!("{g:.2}"), source: "same, before deadweight, attribution and displacement".into() }]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::parse_model_toml;
    use crate::prepare::Engine;

    fn run(src: &str) -> AppraisalResults {
        let e = Engine::shipped().expect("engine");
        let f = parse_model_toml(src).expect("parses");
        let p = e
            .prepare(&f, Some(src))
            .unwrap_or_else(|err| panic!("{err}"));
        appraise(&p)
    }

    fn p(x: f64) -> i64 {
        (x * 100.0).round() as i64
    }

    /// The fast headline evaluation agrees with the full one for drawn inputs, including an
    /// uncertain drop-off, a health-rate line, a lag and a cost scale.
    #[test]
    fn fast_evaluation_agrees_with_the_full_one() {
        let src = include_str!("../../../examples/appraisal/family-intervention.toml").to_owned()
            + r#"
[[outcomes]]
name = "Uncertain persistence"
unit_costs = ["CR1.0"]
impact_count = { dist = "triangular", min = 5, mode = 10, max = 30 }
drop_off = { dist = "uniform", min = 0.1, max = 0.6 }
deadweight = 0.2
lag_years = 1
health = true
grade = 3
"#;
        let e = Engine::shipped().expect("engine");
        let m = e
            .prepare(&parse_model_toml(&src).expect("parses"), None)
            .unwrap_or_else(|err| panic!("{err}"));
        let mut rng = crate::sampler::DrawRng::new(9);
        let mut samplers = crate::sampler::Samplers::default();
        let mut x = m.point_values();
        let mut ws = Workspace::default();
        let mut checked = 0;
        for opt in &m.options {
            let mut fast = FastOption::new(&m, opt);
            for _ in 0..200 {
                for (i, inp) in m.inputs.iter().enumerate() {
                    if let Num::Dist(d) = &inp.num {
                        let s = samplers.prepare(d);
                        x[i] = clamp(inp.kind, samplers.sample(&s, &mut rng));
                    }
                }
                let full = evaluate(&m, opt, &x, &mut ws);
                let f = fast.evaluate(&x);
                let g = fast.evaluate_with(&x, false);
                let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * (1.0 + a.abs());
                assert!(close(f.pv_costs, g.pv_costs) && close(f.pv_fiscal, g.pv_fiscal));
                assert!(close(f.pv_public_value, g.pv_public_value));
                assert_eq!(g.payback_year_discounted, None);
                assert_eq!(
                    f.payback_year_discounted.is_some(),
                    g.froi.is_some_and(|r| r > 1.0),
                    "paying back within the horizon is FROI > 1"
                );
                assert!(close(full.pv_costs, f.pv_costs));
                assert!(close(full.pv_fiscal, f.pv_fiscal));
                assert!(close(full.pv_public_value, f.pv_public_value));
                assert!(close(full.npbi, f.npbi), "{} {}", full.npbi, f.npbi);
                assert_eq!(full.froi.is_some(), f.froi.is_some());
                assert_eq!(full.payback_year_discounted, f.payback_year_discounted);
                checked += 1;
            }
        }
        assert!(checked >= 200);
    }

    #[test]
    fn figures_without_traces_are_the_same_and_traces_come_on_request() {
        let src = include_str!("../../../examples/appraisal/family-intervention.toml");
        let e = Engine::shipped().expect("engine");
        let m = e
            .prepare(&parse_model_toml(src).expect("parses"), None)
            .unwrap_or_else(|err| panic!("{err}"));
        let full = appraise(&m);
        let mut figures = appraise_figures(&m);
        assert!(figures.options.iter().all(|o| o.explanations.is_empty()));
        for (k, o) in figures.options.iter_mut().enumerate() {
            o.explanations = explanations(&m, k);
        }
        assert_eq!(full, figures);
        assert!(explanations(&m, m.options.len()).is_empty());
    }

    /// Hand-worked appraisal 1 (flat 10% discount, no optimism bias, a local unit cost):
    /// one cost of £1,000 in year 0 (Council), 10 outcomes a year for years 1 and 2 worth £100 each
    /// to the Council, no deadweight (a comparison group is named).
    /// Fiscal: year 1 £1,000 x 1/1.1 = £909.09; year 2 £1,000 / 1.21 = £826.45; PV = £1,735.54.
    /// NPBI = 1,735.54 - 1,000 = £735.54. FROI = 1.735537. Payback: cumulative discounted fiscal
    /// reaches £1,000 in year 2 (909.09 < 1,000 in year 1). Undiscounted: 1,000 >= 1,000 in year 1.
    #[test]
    fn hand_worked_one_simple_fiscal_case() {
        let r = run(r#"
[appraisal]
format_version = 1
title = "Hand 1"
price_base = "2014/15"
start_year = "2014/15"
horizon_years = 3
[parameters]
discount_schedule = [{ from_year = 0, rate = 0.10 }]
optimism_bias = [0, 0, 0, 0, 0, 0]
[[local_unit_costs]]
code = "L1"
description = "Visit avoided"
agency = "Council"
fiscal = 100
price_year = "2014/15"
source = "test"
grade = 1
[[costs]]
name = "Worker"
agency = "Council"
kind = "revenue"
grade = 1
price_year = "2014/15"
amounts = [1000]
[[outcomes]]
name = "Visits avoided"
unit_costs = ["L1"]
impact_count = 10
comparison = "matched group"
lag_years = 1
duration_years = 2
grade = 1
"#);
        let o = &r.options[0];
        let s = &o.summary;
        assert_eq!(p(s.pv_costs), 100_000);
        assert_eq!(p(s.pv_fiscal), 173_554);
        assert_eq!(p(s.npbi), 73_554);
        assert_eq!((s.froi.expect("froi") * 1e6).round() as i64, 1_735_537);
        assert_eq!(s.payback_year_discounted, Some(2));
        assert_eq!(s.payback_year_undiscounted, Some(1));
        assert_eq!(o.basis, "net");
        assert_eq!(o.ledger.len(), 1);
        assert_eq!(p(o.ledger[0].net), 73_554);
        assert_eq!(o.ledger[0].own_payback_year, Some(2));
    }

    /// Hand-worked appraisal 2: E&E1.0 with the Green Book schedule, transfer excluded.
    /// Price base 2012/13 (the entry's own), 10 claimants, impact 0.5, deadweight 0.2, grade 2 (5% OB),
    /// one year (year 0, DF = 1). Net outcomes = 10 x 0.5 x 0.8 x 0.95 = 3.8.
    /// Fiscal = 3.8 x 9,800 = £37,240 (DWP £35,089.20 transfer, NHS £2,150.80).
    /// Public value = 3.8 x 14,610 = £55,518. Cost £20,000 grade 2: £21,000 after OB.
    /// NPBI = 37,240 - 21,000 = £16,240; NPPV = 55,518 - 21,000 = £34,518; BCR = 2.643714.
    #[test]
    fn hand_worked_two_transfer_excluded() {
        let r = run(r#"
[appraisal]
format_version = 1
title = "Hand 2"
price_base = "2012/13"
start_year = "2012/13"
horizon_years = 1
[[costs]]
name = "Employment coach"
agency = "Council"
kind = "revenue"
grade = 2
price_year = "2012/13"
amounts = [20000]
[[outcomes]]
name = "JSA claimants into work"
unit_costs = ["E&E1.0"]
cohort = 10
impact = 0.5
deadweight = 0.2
duration_years = 1
grade = 2
"#);
        let o = &r.options[0];
        let s = &o.summary;
        assert_eq!(p(s.pv_costs), 2_100_000);
        assert_eq!(p(s.pv_fiscal), 3_724_000);
        assert_eq!(p(s.pv_transfers), 3_508_920);
        assert_eq!(p(s.pv_public_value), 5_551_800);
        assert_eq!(p(s.npbi), 1_624_000);
        assert_eq!(p(s.nppv), 3_451_800);
        assert_eq!((s.bcr.expect("bcr") * 1e6).round() as i64, 2_643_714);
        let dwp = o.ledger.iter().find(|l| l.agency == "DWP").expect("dwp");
        assert_eq!(p(dwp.pv_fiscal), 3_508_920);
        assert_eq!(p(dwp.pv_transfers), 3_508_920);
        let nhs = o.ledger.iter().find(|l| l.agency == "NHS").expect("nhs");
        assert_eq!(p(nhs.pv_fiscal), 215_080);
        assert!(r.warnings.iter().any(|w| w.code == "transfer-excluded"));
        assert_eq!(o.matrix.investors, vec!["Council"]);
        assert_eq!(p(o.matrix.cells[0].iter().sum::<f64>()), 3_724_000);
    }

    /// Hand-worked appraisal 3: drop-off, lag, uprating, cashable share, gross label.
    /// CR1.0 £500 (2002/03) in 2015/16 prices = £673.231... (factor 195.969699/145.544126).
    /// 20 incidents a year avoided (count), no deadweight (gross), grade 1, drop-off 50%, lag 0,
    /// duration 2, flat 0% discount: year 0: 20; year 1: 10. Fiscal = 30 x 673.2313 = £20,196.94.
    /// Cashable 50% from year 1: 10 x 673.2313 x 0.5 = £3,366.16. Cost £10,000 year 0.
    #[test]
    fn hand_worked_three_drop_off_cashable_gross() {
        let r = run(r#"
[appraisal]
format_version = 1
title = "Hand 3"
price_base = "2015/16"
start_year = "2015/16"
horizon_years = 3
[parameters]
discount_schedule = [{ from_year = 0, rate = 0.0 }]
[[costs]]
name = "Mediation"
agency = "Police"
kind = "revenue"
grade = 1
price_year = "2015/16"
amounts = [10000]
[[outcomes]]
name = "ASB incidents avoided"
counted_as = "ASB incidents prevented"
unit_costs = ["CR1.0"]
impact_count = 20
drop_off = 0.5
duration_years = 2
grade = 1
cashable = 0.5
cashable_from_year = 1
"#);
        let o = &r.options[0];
        assert_eq!(o.basis, "gross");
        assert_eq!(p(o.summary.pv_fiscal), 2_019_694);
        assert_eq!(p(o.years[0].cashable), 0);
        assert_eq!(p(o.years[1].cashable), 336_616);
        assert_eq!(o.lines[0].net_outcomes, vec![20.0, 10.0, 0.0]);
        assert!(r.warnings.iter().any(|w| w.code == "gross"));
        assert!(r.warnings.iter().any(|w| w.code == "stale"));
        // Break-even: k = 10,000 / 20,196.94; average 15 a year -> 7.4 a year.
        let be = o
            .switching
            .iter()
            .find(|s| s.input.contains("impact_count"))
            .expect("be");
        assert!(
            be.sentence.contains("7.4 ASB incidents prevented a year"),
            "{}",
            be.sentence
        );
    }
}
