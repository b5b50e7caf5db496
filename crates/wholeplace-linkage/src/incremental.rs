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
    let count = cluster_of
        .iter()
        .map(|c| *c as usize + 1)
        .max()
        .unwrap_or(0);
    let mut votes: Vec<HashMap<&str, usize>> = vec![HashMap::new(); count];
    let mut first: Vec<Option<(&str, &str)>> = vec![None; count];
    for (i, &cluster) in cluster_of.iter().enumerate().take(table.len()) {
        let c = cluster as usize;
        if let Some(Some(p)) = previous.get(i) {
            *votes[c].entry(p.as_str()).or_insert(0) += 1;
        }
        let key = (table.source_name(i), table.id(i));
        if first[c].is_none_or(|f| key < f) {
            first[c] = Some(key);
        }
    }
    let mut merged = Vec::new();
    let ids: Vec<String> = (0..count)
        .map(|c| {
            let mut v: Vec<(&str, usize)> = votes[c].iter().map(|(k, n)| (*k, *n)).collect();
            v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
            match v.first() {
                Some((winner, _)) => {
                    for (other, _) in &v[1..] {
                        merged.push(((*other).to_owned(), (*winner).to_owned()));
                    }
                    (*winner).to_owned()
                }
                None => first[c].map_or_else(String::new, |(s, i)| fresh_id(s, i)),
            }
        })
        .collect();
    (
        cluster_of
            .iter()
            .map(|&c| ids[c as usize].clone())
            .collect(),
        merged,
    )
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
