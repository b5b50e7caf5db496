//! The HTML report: parameter estimates (m, u and weight per level), the distribution of match
//! weights as an accessible inline SVG with a data table, counts at thresholds, weak links and
//! example pairs near the threshold for clerical review, each with its waterfall.
//!
//! The page is an askama template, `templates/report/document.html` (each pair's waterfall a macro
//! in `report/macros.html`), and the histogram one of its own, `templates/charts/histogram.svg`: an
//! image with a title and a description (`role="img"`, `aria-labelledby`) put in the page with
//! `safe`, safe because its own template has escaped its text. So every name and value from the
//! data is escaped by the template library. This module only gathers what the templates show:
//! the figures they cannot compute themselves (the bars' places, the counts at each threshold,
//! the histogram's rows).

use askama::Template;
use wholeplace_linkage::evaluate::{ClusterScores, Scores};
use wholeplace_linkage::model::{LevelParams, WeightHistogram};
use wholeplace_linkage::{Explanation, Model, PriorMethod, probability, weight_of};

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

/// The probabilities whose counts of candidate pairs the report tabulates, besides the threshold.
const PROBABILITIES: [f64; 6] = [0.01, 0.1, 0.5, 0.9, 0.99, 0.999];
/// How many weak links the report shows with their waterfalls.
const WEAK_SHOWN: usize = 20;

/// The page (`templates/report/document.html`).
#[derive(Template)]
#[template(path = "report/document.html")]
struct Document<'a> {
    model: &'a Model,
    records: usize,
    entities: usize,
    households: usize,
    candidates: u64,
    threshold: f64,
    warnings: &'a [String],
    accuracy: Option<&'a (Scores, ClusterScores)>,
    /// Each comparison's name and its levels.
    parameters: Vec<(&'a str, &'a [LevelParams])>,
    histogram: Histogram,
    thresholds: Vec<AtThreshold>,
    bins: Vec<HistogramRow>,
    weak_count: usize,
    weak: &'a [Explanation],
    examples: &'a [Explanation],
}

/// Candidate pairs at or above a probability.
struct AtThreshold {
    probability: f64,
    weight: f64,
    pairs: u64,
}

/// A row of the histogram's table: a bin with pairs in it.
struct HistogramRow {
    from: f64,
    probability: f64,
    pairs: u64,
}

impl<'a> Document<'a> {
    fn new(d: &'a ReportData<'_>) -> Self {
        let m = d.model;
        let h = d.histogram;
        Document {
            model: m,
            records: d.counts.0,
            entities: d.counts.1,
            households: d.counts.2,
            candidates: d.candidates,
            threshold: d.threshold,
            warnings: &d.warnings,
            accuracy: d.accuracy.as_ref(),
            parameters: m
                .params
                .iter()
                .enumerate()
                .map(|(k, levels)| (m.settings.comparisons[k].name.as_str(), levels.as_slice()))
                .collect(),
            histogram: Histogram::new(h, weight_of(d.threshold)),
            thresholds: PROBABILITIES
                .into_iter()
                .chain([d.threshold])
                .map(|p| AtThreshold {
                    probability: p,
                    weight: weight_of(p),
                    pairs: h.at_least(weight_of(p)),
                })
                .collect(),
            bins: h
                .counts
                .iter()
                .enumerate()
                .filter(|(_, c)| **c > 0)
                .map(|(k, c)| {
                    let from = h.low + k as f64 * h.width;
                    HistogramRow {
                        from,
                        probability: probability(from),
                        pairs: *c,
                    }
                })
                .collect(),
            weak_count: d.weak.len(),
            weak: &d.weak[..d.weak.len().min(WEAK_SHOWN)],
            examples: &d.examples,
        }
    }
}

/// One bar of the [`Histogram`]: a bin with pairs in it.
struct Bar {
    x: f64,
    y: f64,
    width: f64,
    height: f64,
    /// The bin's weights in bits, from and to.
    from: f64,
    to: f64,
    pairs: u64,
    /// Whether the bin starts at or above the threshold.
    above: bool,
}

/// The distribution of match weights (`templates/charts/histogram.svg`): from the first bin with
/// pairs in it to the last, the bars' heights on a logarithmic scale, the threshold a line.
#[derive(Template)]
#[template(path = "charts/histogram.svg")]
struct Histogram {
    /// The drawing's width and the bars' height, in SVG units; the scale goes under the bars.
    width: f64,
    height: f64,
    /// The weights in bits where the first bar starts and the last ends, and the threshold's.
    from: f64,
    to: f64,
    threshold: f64,
    threshold_x: f64,
    bars: Vec<Bar>,
}

impl Histogram {
    fn new(h: &WeightHistogram, threshold_w: f64) -> Self {
        let first = h.counts.iter().position(|c| *c > 0).unwrap_or(0);
        let last = h
            .counts
            .iter()
            .rposition(|c| *c > 0)
            .unwrap_or(h.counts.len() - 1);
        let counts = &h.counts[first..=last];
        let max = counts.iter().copied().max().unwrap_or(1).max(1) as f64;
        let (w, ht) = (720.0, 240.0);
        let bw = w / counts.len() as f64;
        let bars = counts
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 0)
            .map(|(k, &c)| {
                let bh = ((c as f64).ln_1p() / max.ln_1p()) * ht;
                let lo = h.low + (first + k) as f64 * h.width;
                Bar {
                    x: k as f64 * bw,
                    y: ht - bh,
                    width: (bw - 1.0).max(0.5),
                    height: bh,
                    from: lo,
                    to: lo + h.width,
                    pairs: c,
                    above: lo >= threshold_w,
                }
            })
            .collect();
        let from = h.low + first as f64 * h.width;
        Histogram {
            width: w,
            height: ht,
            from,
            to: h.low + (last + 1) as f64 * h.width,
            threshold: threshold_w,
            threshold_x: (threshold_w - from) / h.width * bw,
            bars,
        }
    }
}

/// Renders the report.
#[must_use]
pub fn render(d: &ReportData<'_>) -> String {
    // Rendering into a String fails only when a value's Display does, and none of these does.
    Document::new(d).render().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use wholeplace_linkage::LinkType;
    use wholeplace_linkage::defaults::{PersonColumns, person_settings};
    use wholeplace_linkage::model::{Contribution, Diagnostics};

    /// A model of one comparison whose name and level labels need escaping.
    fn model() -> Model {
        let mut settings = person_settings(
            &PersonColumns {
                first_name: Some("first_name".to_owned()),
                ..PersonColumns::default()
            },
            LinkType::Dedupe,
        );
        settings.comparisons.truncate(1);
        settings.comparisons[0].name = "Name <b>".to_owned();
        let level = |label: &str, null: bool, m: f64, u: f64| LevelParams {
            label: label.to_owned(),
            null,
            m,
            u,
        };
        Model {
            settings,
            params: vec![vec![
                level("null", true, 0.0, 0.0),
                level("exact & \"same\"", false, 0.9, 0.001),
            ]],
            prior: 0.000_25,
            diagnostics: Diagnostics::default(),
        }
    }

    #[test]
    fn text_is_escaped_and_the_histogram_is_an_accessible_image() {
        let model = model();
        let mut histogram = WeightHistogram::default();
        histogram.counts[70] = 40;
        histogram.counts[100] = 3;
        let pair = Explanation {
            records: (
                ("a.csv".to_owned(), "<1>".to_owned()),
                ("b.csv".to_owned(), "2".to_owned()),
            ),
            prior_weight: -11.97,
            contributions: vec![Contribution {
                comparison: "Name <b>".to_owned(),
                level: "exact".to_owned(),
                values: ("Ann".to_owned(), "O'Neil".to_owned()),
                m: 0.9,
                u: 0.001,
                weight: 9.81,
                tf_adjustment: 0.0,
            }],
            weight: -2.16,
            probability: 0.182_6,
        };
        let html = render(&ReportData {
            model: &model,
            histogram: &histogram,
            threshold: 0.9,
            counts: (10, 8, 5),
            candidates: 43,
            examples: vec![pair],
            weak: Vec::new(),
            accuracy: None,
            warnings: vec!["<script>alert(1)</script>".to_owned()],
        });
        for part in [
            "Prior (probability two random records match) 2.500e-4, that is -11.97 bits.",
            "<caption>Name &#60;b&#62;</caption>",
            "<tr><td>exact &#38; &#34;same&#34;</td><td>0.9000</td><td>0.001000</td><td>9.81</td></tr>",
            r#"<div class="warn"><h2>Warnings</h2>"#,
            "<li>&#60;script&#62;alert(1)&#60;/script&#62;</li>",
            "<caption>a.csv &#60;1&#62; and b.csv 2: weight -2.16 bits, probability 0.1826</caption>",
            "<td>Ann / O&#39;Neil</td>",
            r#"<svg role="img" aria-labelledby="hist-title hist-desc""#,
            r#"<title id="hist-title">Distribution of match weights</title>"#,
            "<title>10.0 to 10.5 bits: 3 pairs</title>",
            r#"<th scope="col">Candidate pairs</th>"#,
        ] {
            assert!(html.contains(part), "the report lacks {part}:\n{html}");
        }
        assert!(!html.contains("<script>"));
        assert!(!html.contains("Accuracy against the truth given"));
    }
}
