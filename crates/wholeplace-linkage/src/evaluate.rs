//! Accuracy against known truth (synthetic data, FEBRL): pairwise precision, recall and F1 of
//! predicted links, and the same for the pairs implied by clusters, plus the share of true
//! entities reproduced exactly.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::cluster::Clusters;
use crate::records::Table;

/// Confusion counts and derived rates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct Scores {
    /// True positives.
    pub tp: u64,
    /// False positives.
    pub fp: u64,
    /// False negatives.
    pub fn_: u64,
    /// Precision.
    pub precision: f64,
    /// Recall.
    pub recall: f64,
    /// F1.
    pub f1: f64,
}

impl Scores {
    fn new(tp: u64, predicted: u64, actual: u64) -> Self {
        let precision = if predicted == 0 {
            1.0
        } else {
            tp as f64 / predicted as f64
        };
        let recall = if actual == 0 {
            1.0
        } else {
            tp as f64 / actual as f64
        };
        let f1 = if precision + recall == 0.0 {
            0.0
        } else {
            2.0 * precision * recall / (precision + recall)
        };
        Self {
            tp,
            fp: predicted - tp,
            fn_: actual - tp,
            precision,
            recall,
            f1,
        }
    }
}

/// Dense truth labels from entity names.
#[must_use]
pub fn labels<S: AsRef<str>>(truth: &[S]) -> Vec<u32> {
    let mut map: HashMap<&str, u32> = HashMap::new();
    truth
        .iter()
        .map(|t| {
            let n = map.len() as u32;
            *map.entry(t.as_ref()).or_insert(n)
        })
        .collect()
}

/// Number of true pairs (cross-source only when linking).
#[must_use]
pub fn true_pairs(table: &Table, truth: &[u32], cross_source_only: bool) -> u64 {
    let mut by: HashMap<u32, Vec<u16>> = HashMap::new();
    for (i, &t) in truth.iter().enumerate() {
        by.entry(t).or_default().push(table.source[i]);
    }
    by.values()
        .map(|srcs| {
            let n = srcs.len() as u64;
            let all = n * n.saturating_sub(1) / 2;
            if cross_source_only {
                let mut c: HashMap<u16, u64> = HashMap::new();
                for s in srcs {
                    *c.entry(*s).or_insert(0) += 1;
                }
                all - c.values().map(|k| k * k.saturating_sub(1) / 2).sum::<u64>()
            } else {
                all
            }
        })
        .sum()
}

/// Pairwise scores of predicted links.
#[must_use]
pub fn pairwise(
    table: &Table,
    truth: &[u32],
    predicted: impl IntoIterator<Item = (u32, u32)>,
    cross_source_only: bool,
) -> Scores {
    let (mut tp, mut n) = (0, 0);
    for (a, b) in predicted {
        n += 1;
        if truth[a as usize] == truth[b as usize] {
            tp += 1;
        }
    }
    Scores::new(tp, n, true_pairs(table, truth, cross_source_only))
}

/// Cluster-level accuracy.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct ClusterScores {
    /// Scores of all pairs implied by the clusters.
    pub pairs: Scores,
    /// Share of true entities whose records form exactly one predicted cluster.
    pub exact_entities: f64,
    /// Predicted clusters.
    pub clusters: usize,
    /// True entities.
    pub entities: usize,
}

/// Cluster-level scores.
#[must_use]
pub fn clusters(
    table: &Table,
    truth: &[u32],
    clusters: &Clusters,
    cross_source_only: bool,
) -> ClusterScores {
    let mut joint: HashMap<(u32, u32), Vec<u16>> = HashMap::new();
    let mut pred: HashMap<u32, Vec<u16>> = HashMap::new();
    let mut act: HashMap<u32, u64> = HashMap::new();
    for (i, &t) in truth.iter().enumerate().take(table.len()) {
        let c = clusters.cluster_of[i];
        joint.entry((c, t)).or_default().push(table.source[i]);
        pred.entry(c).or_default().push(table.source[i]);
        *act.entry(t).or_insert(0) += 1;
    }
    let pairs_of = |srcs: &Vec<u16>| {
        let n = srcs.len() as u64;
        let all = n * n.saturating_sub(1) / 2;
        if cross_source_only {
            let mut c: HashMap<u16, u64> = HashMap::new();
            for s in srcs {
                *c.entry(*s).or_insert(0) += 1;
            }
            all - c.values().map(|k| k * k.saturating_sub(1) / 2).sum::<u64>()
        } else {
            all
        }
    };
    let tp: u64 = joint.values().map(pairs_of).sum();
    let predicted: u64 = pred.values().map(pairs_of).sum();
    let actual = true_pairs(table, truth, cross_source_only);
    let exact = joint
        .iter()
        .filter(|((c, t), v)| pred[c].len() == v.len() && act[t] == v.len() as u64)
        .count();
    ClusterScores {
        pairs: Scores::new(tp, predicted, actual),
        exact_entities: exact as f64 / act.len().max(1) as f64,
        clusters: pred.len(),
        entities: act.len(),
    }
}
