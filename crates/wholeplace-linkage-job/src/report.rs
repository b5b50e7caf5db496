//! The HTML report: parameter estimates (m, u and weight per level), the distribution of match
//! weights as an accessible inline SVG with a data table, counts at thresholds, weak links and
//! example pairs near the threshold for clerical review, each with its waterfall.

use std::fmt::Write as _;

use wholeplace_linkage::evaluate::{ClusterScores, Scores};
use wholeplace_linkage::model::WeightHistogram;
use wholeplace_linkage::{Explanation, Model, probability, weight_of};

/// Text escaped for HTML by the template library's escaper (askama's), the one the pages use.
fn esc(s: &str) -> String {
    askama::filters::escape(s, askama::filters::Html)
        .map(|e| e.to_string())
        .unwrap_or_default()
}

/// What the report shows.
#[derive(Debug)]
pub struct ReportData<'a> {
    /// The model.
    pub model: &'a Model,
    /// Weight histogram of all candidate pairs.
    pub histogram: &'a WeightHistogram,
    /// Threshold probability.
    pub threshold: f64,
    /// Records, entities, households.
    pub counts: (usize, usize, usize),
    /// Candidate pairs scored.
    pub candidates: u64,
    /// Examples near the threshold.
    pub examples: Vec<Explanation>,
    /// Weak links found (pairs as explanations).
    pub weak: Vec<Explanation>,
    /// Accuracy when truth was given: pairwise and cluster level.
    pub accuracy: Option<(Scores, ClusterScores)>,
    /// Warnings (skipped blocks, invalid values).
    pub warnings: Vec<String>,
}

fn histogram_svg(h: &WeightHistogram, threshold_w: f64) -> String {
    let first = h.counts.iter().position(|c| *c > 0).unwrap_or(0);
    let last = h
        .counts
        .iter()
        .rposition(|c| *c > 0)
        .unwrap_or(h.counts.len() - 1);
    let bins = &h.counts[first..=last];
    let max = bins.iter().copied().max().unwrap_or(1).max(1) as f64;
    let (w, ht) = (720.0, 240.0);
    let bw = w / bins.len() as f64;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg role="img" aria-labelledby="hist-title hist-desc" viewBox="0 0 {w} {}" width="100%" style="max-width:{w}px"><title id="hist-title">Distribution of match weights</title><desc id="hist-desc">Number of candidate pairs per half-bit of match weight, on a logarithmic scale, from {:.1} to {:.1} bits; the dashed line is the threshold at {threshold_w:.1} bits. The same numbers are in the table below.</desc>"#,
        ht + 30.0,
        h.low + first as f64 * h.width,
        h.low + (last + 1) as f64 * h.width
    );
    for (k, &c) in bins.iter().enumerate() {
        if c == 0 {
            continue;
        }
        let bh = ((c as f64).ln_1p() / max.ln_1p()) * ht;
        let lo = h.low + (first + k) as f64 * h.width;
        let colour = if lo >= threshold_w {
            "#00703c"
        } else {
            "#505a5f"
        };
        let _ = write!(
            s,
            r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{bh:.1}" fill="{colour}"><title>{lo:.1} to {:.1} bits: {c} pairs</title></rect>"#,
            k as f64 * bw,
            ht - bh,
            (bw - 1.0).max(0.5),
            lo + h.width
        );
    }
    let tx = (threshold_w - (h.low + first as f64 * h.width)) / h.width * bw;
    let _ = write!(
        s,
        r##"<line x1="{tx:.1}" x2="{tx:.1}" y1="0" y2="{ht}" stroke="#d4351c" stroke-dasharray="4 3" stroke-width="2"/>"##
    );
    let _ = write!(
        s,
        r#"<text x="0" y="{}" font-size="12">{:.1} bits</text><text x="{w}" y="{}" font-size="12" text-anchor="end">{:.1} bits</text></svg>"#,
        ht + 20.0,
        h.low + first as f64 * h.width,
        ht + 20.0,
        h.low + (last + 1) as f64 * h.width
    );
    s
}

fn waterfall(e: &Explanation) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<table class=\"waterfall\"><caption>{} {} and {} {}: weight {:.2} bits, probability {:.4}</caption><thead><tr><th scope=\"col\">Comparison</th><th scope=\"col\">Values</th><th scope=\"col\">Level</th><th scope=\"col\">m</th><th scope=\"col\">u</th><th scope=\"col\">Weight (bits)</th><th scope=\"col\">Term frequency (bits)</th></tr></thead><tbody><tr><td>prior</td><td></td><td></td><td></td><td></td><td>{:.2}</td><td></td></tr>",
        esc(&e.records.0.0),
        esc(&e.records.0.1),
        esc(&e.records.1.0),
        esc(&e.records.1.1),
        e.weight,
        e.probability,
        e.prior_weight
    );
    for c in &e.contributions {
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{} / {}</td><td>{}</td><td>{:.4}</td><td>{:.6}</td><td>{:.2}</td><td>{:.2}</td></tr>",
            esc(&c.comparison),
            esc(&c.values.0),
            esc(&c.values.1),
            esc(&c.level),
            c.m,
            c.u,
            c.weight,
            c.tf_adjustment
        );
    }
    s.push_str("</tbody></table>");
    s
}

/// Renders the report.
#[must_use]
pub fn render(d: &ReportData<'_>) -> String {
    let mut s = String::from(
        "<!DOCTYPE html><html lang=\"en-GB\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Record linkage report</title><style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:1100px;color:#0b0c0c;line-height:1.4}table{border-collapse:collapse;margin:1rem 0}th,td{border-bottom:1px solid #b1b4b6;padding:.3rem .6rem;text-align:left;vertical-align:top}caption{font-weight:bold;text-align:left;padding:.4rem 0}h2{margin-top:2.5rem}.warn{border-left:5px solid #d4351c;padding-left:1rem}</style></head><body><main>",
    );
    let m = d.model;
    let _ = write!(
        s,
        "<h1>Record linkage report</h1><p>{} records, {} candidate pairs scored, {} entities and {} households at probability {}. Prior (probability two random records match) {:.3e}, that is {:.2} bits.</p>",
        d.counts.0,
        d.candidates,
        d.counts.1,
        d.counts.2,
        d.threshold,
        m.prior,
        m.prior_weight()
    );
    if !d.warnings.is_empty() {
        s.push_str("<div class=\"warn\"><h2>Warnings</h2><ul>");
        for w in &d.warnings {
            let _ = write!(s, "<li>{}</li>", esc(w));
        }
        s.push_str("</ul></div>");
    }
    if let Some((p, c)) = &d.accuracy {
        let _ = write!(
            s,
            "<h2>Accuracy against the truth given</h2><table><thead><tr><th scope=\"col\">Measure</th><th scope=\"col\">Precision</th><th scope=\"col\">Recall</th><th scope=\"col\">F1</th></tr></thead><tbody><tr><td>Pairwise at the threshold</td><td>{:.4}</td><td>{:.4}</td><td>{:.4}</td></tr><tr><td>Pairs implied by clusters</td><td>{:.4}</td><td>{:.4}</td><td>{:.4}</td></tr></tbody></table><p>{:.2}% of true entities reproduced exactly.</p>",
            p.precision,
            p.recall,
            p.f1,
            c.pairs.precision,
            c.pairs.recall,
            c.pairs.f1,
            c.exact_entities * 100.0
        );
    }
    let _ = write!(
        s,
        "<h2>Training</h2><p>u estimated from {} random pairs; m by expectation maximisation over {} candidate pairs ({} iterations, {}). The prior was estimated by {}.</p>",
        m.diagnostics.u_pairs,
        m.diagnostics.em_pairs,
        m.diagnostics.em_iterations,
        if m.diagnostics.em_converged {
            "converged"
        } else {
            "not converged"
        },
        match &m.settings.training.prior {
            wholeplace_linkage::PriorMethod::Em =>
                "EM's expected number of matches among candidate pairs".to_owned(),
            wholeplace_linkage::PriorMethod::Fixed { value } => format!("a fixed value {value}"),
            wholeplace_linkage::PriorMethod::Deterministic { recall, .. } => format!(
                "deterministic rules ({} pairs) with assumed recall {recall}",
                m.diagnostics.deterministic_pairs.unwrap_or(0)
            ),
        }
    );
    s.push_str("<h2>Parameter estimates</h2>");
    for (k, levels) in m.params.iter().enumerate() {
        let _ = write!(
            s,
            "<table><caption>{}</caption><thead><tr><th scope=\"col\">Level</th><th scope=\"col\">m</th><th scope=\"col\">u</th><th scope=\"col\">Weight (bits)</th></tr></thead><tbody>",
            esc(&m.settings.comparisons[k].name)
        );
        for l in levels {
            if l.null {
                let _ = write!(
                    s,
                    "<tr><td>{} (no evidence)</td><td></td><td></td><td>0</td></tr>",
                    esc(&l.label)
                );
            } else {
                let _ = write!(
                    s,
                    "<tr><td>{}</td><td>{:.4}</td><td>{:.6}</td><td>{:.2}</td></tr>",
                    esc(&l.label),
                    l.m,
                    l.u,
                    l.weight()
                );
            }
        }
        s.push_str("</tbody></table>");
    }
    let tw = weight_of(d.threshold);
    s.push_str("<h2>Distribution of match weights</h2>");
    s.push_str(&histogram_svg(d.histogram, tw));
    s.push_str("<h2>Counts at thresholds</h2><table><thead><tr><th scope=\"col\">Probability at least</th><th scope=\"col\">Match weight (bits)</th><th scope=\"col\">Candidate pairs</th></tr></thead><tbody>");
    for p in [0.01, 0.1, 0.5, 0.9, 0.99, 0.999, d.threshold] {
        let _ = write!(
            s,
            "<tr><td>{p}</td><td>{:.2}</td><td>{}</td></tr>",
            weight_of(p),
            d.histogram.at_least(weight_of(p))
        );
    }
    s.push_str("</tbody></table><details><summary>Histogram data</summary><table><thead><tr><th scope=\"col\">From (bits)</th><th scope=\"col\">Pairs</th></tr></thead><tbody>");
    for (k, c) in d
        .histogram
        .counts
        .iter()
        .enumerate()
        .filter(|(_, c)| **c > 0)
    {
        let lo = d.histogram.low + k as f64 * d.histogram.width;
        let _ = write!(
            s,
            "<tr><td>{lo:.1} (p {:.3e})</td><td>{c}</td></tr>",
            probability(lo)
        );
    }
    s.push_str("</tbody></table></details>");
    let _ = write!(
        s,
        "<h2>Weak links</h2><p>{} links below the weak-link probability alone hold an entity together; review them and split where wrong.</p>",
        d.weak.len()
    );
    for e in d.weak.iter().take(20) {
        s.push_str(&waterfall(e));
    }
    s.push_str("<h2>Pairs near the threshold for clerical review</h2>");
    for e in &d.examples {
        s.push_str(&waterfall(e));
    }
    s.push_str("</main></body></html>\n");
    s
}
