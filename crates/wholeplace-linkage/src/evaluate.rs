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

/// Pairs within groups: `items` are (group, source) sorted; pairs of records in one group,
/// counting only pairs of different sources when `cross_source_only`.
fn pairs_in_groups(items: &[(u64, u16)], cross_source_only: bool) -> u64 {
    let mut total = 0u64;
    let mut s = 0;
    while s < items.len() {
        let g = items[s].0;
        let mut e = s;
        let mut same_source = 0u64;
        while e < items.len() && items[e].0 == g {
            let src = items[e].1;
            let mut k = e;
            while k < items.len() && items[k] == (g, src) {
                k += 1;
            }
            let run = (k - e) as u64;
            same_source += run * run.saturating_sub(1) / 2;
            e = k;
        }
        let n = (e - s) as u64;
        let all = n * n.saturating_sub(1) / 2;
        total += if cross_source_only {
            all - same_source
        } else {
            all
        };
        s = e;
    }
    total
}

/// Number of true pairs (cross-source only when linking).
#[must_use]
pub fn true_pairs(table: &Table, truth: &[u32], cross_source_only: bool) -> u64 {
    let mut items: Vec<(u64, u16)> = truth
        .iter()
        .zip(&table.source)
        .map(|(&t, &s)| (u64::from(t), s))
        .collect();
    items.sort_unstable();
    pairs_in_groups(&items, cross_source_only)
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
    let n = table.len().min(truth.len());
    let key = |c: u32, t: u32| (u64::from(c) << 32) | u64::from(t);
    // Records by (predicted cluster, true entity, source): runs of one cluster and one entity
    // are the joint groups, runs of one cluster the predicted ones.
    let mut joint: Vec<(u64, u16)> = (0..n)
        .map(|i| (key(clusters.cluster_of[i], truth[i]), table.source[i]))
        .collect();
    joint.sort_unstable();
    let tp = pairs_in_groups(&joint, cross_source_only);
    let mut pred: Vec<(u64, u16)> = joint.iter().map(|&(k, s)| (k >> 32, s)).collect();
    pred.sort_unstable();
    let predicted = pairs_in_groups(&pred, cross_source_only);
    let mut act: Vec<(u64, u16)> = joint.iter().map(|&(k, s)| (k & 0xffff_ffff, s)).collect();
    act.sort_unstable();
    let actual = pairs_in_groups(&act, cross_source_only);
    // Sizes of each predicted cluster and true entity.
    let sizes = |v: &[(u64, u16)]| -> Vec<(u64, u64)> {
        let mut m = Vec::new();
        let mut s = 0;
        while s < v.len() {
            let mut e = s;
            while e < v.len() && v[e].0 == v[s].0 {
                e += 1;
            }
            m.push((v[s].0, (e - s) as u64));
            s = e;
        }
        m
    };
    let (pred_size, act_size) = (sizes(&pred), sizes(&act));
    let size_of =
        |m: &[(u64, u64)], k: u64| m.binary_search_by_key(&k, |x| x.0).map_or(0, |p| m[p].1);
    let mut exact = 0usize;
    let mut s = 0;
    while s < joint.len() {
        let k = joint[s].0;
        let mut e = s;
        while e < joint.len() && joint[e].0 == k {
            e += 1;
        }
        let size = (e - s) as u64;
        if size_of(&pred_size, k >> 32) == size && size_of(&act_size, k & 0xffff_ffff) == size {
            exact += 1;
        }
        s = e;
    }
    let clusters_n = pred_size.len();
    let entities = act_size.len();
    ClusterScores {
        pairs: Scores::new(tp, predicted, actual),
        exact_entities: exact as f64 / entities.max(1) as f64,
        clusters: clusters_n,
        entities,
    }
}
