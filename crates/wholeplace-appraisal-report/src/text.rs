//! The terminal summary: the headline figures, the ledger and the warnings in plain text.

use crate::{Report, gbp, ratio};
use std::fmt::Write;

/// A plain-text summary of a report.
pub fn text_summary(report: &Report) -> String {
    let r = &report.results;
    let mut s = String::new();
    let _ = writeln!(s, "{}", r.title);
    let _ = writeln!(
        s,
        "Prices: {} | years {} for {} years | {}",
        r.price_base, r.start_year, r.horizon_years, r.parameter_set
    );
    for o in &r.parameter_overrides {
        let _ = writeln!(s, "  override: {o}");
    }
    for o in &r.options {
        let m = &o.summary;
        let _ = writeln!(
            s,
            "\nOption: {} ({} figures)",
            o.name,
            o.basis.to_uppercase()
        );
        let _ = writeln!(s, "  PV costs                      {:>14}", gbp(m.pv_costs));
        let _ = writeln!(
            s,
            "  PV fiscal benefits            {:>14}",
            gbp(m.pv_fiscal)
        );
        let _ = writeln!(s, "  Net present budget impact     {:>14}", gbp(m.npbi));
        let _ = writeln!(s, "  Financial ROI                 {:>14}", ratio(m.froi));
        let _ = writeln!(s, "  {}", o.payback_statement);
        let _ = writeln!(
            s,
            "  PV public value               {:>14}  (transfers excluded: {})",
            gbp(m.pv_public_value),
            gbp(m.pv_transfers)
        );
        let _ = writeln!(s, "  Net present public value      {:>14}", gbp(m.nppv));
        let _ = writeln!(s, "  Benefit-cost ratio            {:>14}", ratio(m.bcr));
        let _ = writeln!(
            s,
            "  SROI (net / gross)            {:>14}",
            format!("{} / {}", ratio(m.sroi_net), ratio(m.sroi_gross))
        );
        let _ = writeln!(
            s,
            "  By agency (PV): costs borne | fiscal received | cashable | net"
        );
        for l in &o.ledger {
            let _ = writeln!(
                s,
                "    {:<34} {:>12} {:>12} {:>12} {:>12}",
                l.agency,
                gbp(l.pv_costs),
                gbp(l.pv_fiscal),
                gbp(l.pv_cashable),
                gbp(l.net)
            );
        }
        for l in o.lines.iter().filter(|l| l.pv_cashable != 0.0) {
            let _ = writeln!(
                s,
                "    cashable: {} {} ({})",
                l.name,
                gbp(l.pv_cashable),
                l.cashable_rule
            );
        }
        for w in o.switching.iter().take(6) {
            let _ = writeln!(s, "  - {}", w.sentence);
        }
    }
    if let Some(a) = &r.as_is {
        let _ = writeln!(
            s,
            "\nAs Is: {} a year in fiscal costs ({} with economic and social)",
            gbp(a.fiscal_total),
            gbp(a.total)
        );
    }
    if let Some(d) = &r.doing_nothing {
        let _ = writeln!(
            s,
            "Doing nothing: PV {} over {} years",
            gbp(d.pv_total),
            d.total.len()
        );
    }
    if let Some(mc) = &report.monte_carlo {
        for o in &mc.options {
            let _ = writeln!(
                s,
                "\nMonte Carlo ({} draws), {}: NPBI P5 {} | median {} | P95 {}; P(FROI >= 1) = {:.0}%; P(payback within {} years) = {:.0}%",
                mc.draws,
                o.name,
                gbp(o.npbi.p5),
                gbp(o.npbi.p50),
                gbp(o.npbi.p95),
                o.prob_froi_at_least_1 * 100.0,
                o.payback_within_years,
                o.prob_payback_within * 100.0
            );
            for b in o.tornado.iter().take(5) {
                let _ = writeln!(
                    s,
                    "  driver: {} (NPBI {} to {})",
                    b.input,
                    gbp(b.npbi_at_low),
                    gbp(b.npbi_at_high)
                );
            }
        }
    }
    if !r.warnings.is_empty() {
        let _ = writeln!(s, "\nWarnings:");
        for w in r.warnings.iter() {
            let _ = writeln!(s, "  [{}] {}: {}", w.code, w.subject, w.message);
        }
    }
    let _ = writeln!(
        s,
        "\n{}. Library: {}. Deflators: {}.",
        r.attribution, r.library_version, r.deflator_series
    );
    s
}
