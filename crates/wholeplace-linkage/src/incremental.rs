//! Living with real use: entity ids that stay stable as clusters grow, and linking new records
//! into existing entities without re-scoring the whole population (only pairs involving a new
//! record are compared).

use std::collections::HashMap;

use crate::Progress;
use crate::cluster::UnionFind;
use crate::model::{Linker, Model, ScoredPair, weight_of};
use crate::records::Table;
use crate::rng::hash_bytes;

/// A fresh entity id derived from a cluster's first member (by source and id), so re-running on
/// the same data gives the same ids.
#[must_use]
pub fn fresh_id(source: &str, id: &str) -> String {
    format!(
        "E{:012x}",
        hash_bytes(format!("{source}\u{1f}{id}").as_bytes()) >> 16
    )
}

/// Entity ids for clusters: a cluster containing records that already had an entity id keeps
/// the id held by most of them (ties: the smallest), so an entity keeps its id when it grows;
/// other clusters get a fresh id from their first member. Returns the id per record and the ids
/// merged away (old id, surviving id).
#[must_use]
pub fn assign_ids(
    table: &Table,
    cluster_of: &[u32],
    previous: &[Option<String>],
) -> (Vec<String>, Vec<(String, String)>) {
    let (ids, merged) = assign_cluster_ids(table, cluster_of, previous);
    (
        cluster_of
            .iter()
            .map(|&c| ids[c as usize].clone())
            .collect(),
        merged,
    )
}

/// As [`assign_ids`], but one id per cluster (indexed by cluster number) rather than per record.
#[must_use]
pub fn assign_cluster_ids(
    table: &Table,
    cluster_of: &[u32],
    previous: &[Option<String>],
) -> (Vec<String>, Vec<(String, String)>) {
    let count = cluster_of
        .iter()
        .map(|c| *c as usize + 1)
        .max()
        .unwrap_or(0);
    // Votes: (cluster, previous id) of every record that had one, sorted so that each
    // cluster's votes are adjacent and equal ids run together.
    let mut votes: Vec<(u32, &str)> = cluster_of
        .iter()
        .enumerate()
        .take(table.len())
        .filter_map(|(i, &c)| match previous.get(i) {
            Some(Some(p)) => Some((c, p.as_str())),
            _ => None,
        })
        .collect();
    votes.sort_unstable();
    let mut first: Vec<u32> = vec![u32::MAX; count];
    for (i, &cluster) in cluster_of.iter().enumerate().take(table.len()) {
        let c = cluster as usize;
        let key = (table.source_name(i), table.id(i));
        let f = first[c];
        if f == u32::MAX || key < (table.source_name(f as usize), table.id(f as usize)) {
            first[c] = i as u32;
        }
    }
    let mut ids: Vec<String> = (0..count)
        .map(|c| {
            let f = first[c];
            if f == u32::MAX {
                String::new()
            } else {
                fresh_id(table.source_name(f as usize), table.id(f as usize))
            }
        })
        .collect();
    let mut merged = Vec::new();
    let mut s = 0;
    while s < votes.len() {
        let c = votes[s].0;
        let mut e = s;
        // (count, id) of each distinct previous id in this cluster.
        let mut tally: Vec<(usize, &str)> = Vec::new();
        while e < votes.len() && votes[e].0 == c {
            let id = votes[e].1;
            let mut k = e;
            while k < votes.len() && votes[k].0 == c && votes[k].1 == id {
                k += 1;
            }
            tally.push((k - e, id));
            e = k;
        }
        tally.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
        let winner = tally[0].1;
        for (_, other) in &tally[1..] {
            merged.push(((*other).to_owned(), winner.to_owned()));
        }
        ids[c as usize] = winner.to_owned();
        s = e;
    }
    (ids, merged)
}

/// The outcome of linking new records into existing entities.
#[derive(Debug, Clone)]
pub struct IncrementalResult {
    /// Entity id of every record (existing first, then new).
    pub entity: Vec<String>,
    /// Ids merged away because a new record joined two entities: (old id, surviving id).
    pub merged: Vec<(String, String)>,
    /// Scored pairs involving new records, above the floor.
    pub pairs: Vec<ScoredPair>,
}

/// Links records `n_old..` of `table` into the entities of records `..n_old` (whose ids are
/// `old_entity`), comparing only pairs that involve a new record.
///
/// # Errors
/// When the model's settings do not fit the table.
pub fn link_new(
    table: &Table,
    n_old: usize,
    old_entity: &[String],
    model: &Model,
    threshold: f64,
    progress: &dyn Progress,
) -> Result<IncrementalResult, crate::LinkageError> {
    let mut linker = Linker::new(table, &model.settings)?;
    linker.only_pairs_with_records_from(n_old);
    let pred = linker.predict(model, threshold.min(0.01), progress);
    let n = table.len();
    let mut uf = UnionFind::new(n);
    let mut first_of: HashMap<&str, u32> = HashMap::new();
    for (i, e) in old_entity.iter().enumerate().take(n_old) {
        match first_of.get(e.as_str()) {
            Some(&f) => {
                uf.union(f, i as u32);
            }
            None => {
                first_of.insert(e, i as u32);
            }
        }
    }
    let min_w = weight_of(threshold);
    for p in pred.pairs.iter().filter(|p| p.weight >= min_w) {
        uf.union(p.a, p.b);
    }
    let mut roots: HashMap<u32, u32> = HashMap::new();
    let cluster_of: Vec<u32> = (0..n as u32)
        .map(|i| {
            let r = uf.find(i);
            let next = roots.len() as u32;
            *roots.entry(r).or_insert(next)
        })
        .collect();
    let previous: Vec<Option<String>> = (0..n)
        .map(|i| old_entity.get(i).filter(|_| i < n_old).cloned())
        .collect();
    let (entity, merged) = assign_ids(table, &cluster_of, &previous);
    Ok(IncrementalResult {
        entity,
        merged,
        pairs: pred.pairs,
    })
}
