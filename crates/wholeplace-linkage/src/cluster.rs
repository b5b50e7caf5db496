//! Clustering scored pairs into entities (connected components at a threshold, optionally
//! guarded so that no entity holds two records of a source known to be duplicate-free), finding
//! weak clusters (held together by a single low-probability link) and splitting them, and
//! grouping entities into households through a shared normalised address.

use std::collections::HashMap;

use crate::model::{ScoredPair, weight_of};
use crate::records::Table;

/// Union-find with path halving and union by size.
#[derive(Debug, Clone)]
pub struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl UnionFind {
    /// `n` singletons.
    #[must_use]
    pub fn new(n: usize) -> Self {
        Self {
            parent: (0..n as u32).collect(),
            size: vec![1; n],
        }
    }
    /// Root of `x`.
    pub fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let p = self.parent[x as usize];
            self.parent[x as usize] = self.parent[p as usize];
            x = self.parent[x as usize];
        }
        x
    }
    /// Joins the sets of `a` and `b`; returns the new root.
    pub fn union(&mut self, a: u32, b: u32) -> u32 {
        let (mut ra, mut rb) = (self.find(a), self.find(b));
        if ra == rb {
            return ra;
        }
        if self.size[ra as usize] < self.size[rb as usize] {
            std::mem::swap(&mut ra, &mut rb);
        }
        self.parent[rb as usize] = ra;
        self.size[ra as usize] += self.size[rb as usize];
        ra
    }
}

/// Entities: a dense cluster number per record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clusters {
    /// Cluster of each record, numbered by first record.
    pub cluster_of: Vec<u32>,
    /// Number of clusters.
    pub count: usize,
}

impl Clusters {
    fn from_roots(uf: &mut UnionFind, n: usize) -> Self {
        let mut map: HashMap<u32, u32> = HashMap::new();
        let mut cluster_of = Vec::with_capacity(n);
        for i in 0..n as u32 {
            let r = uf.find(i);
            let next = map.len() as u32;
            cluster_of.push(*map.entry(r).or_insert(next));
        }
        Self {
            cluster_of,
            count: map.len(),
        }
    }

    /// Members of each cluster.
    #[must_use]
    pub fn members(&self) -> Vec<Vec<u32>> {
        let mut m = vec![Vec::new(); self.count];
        for (i, &c) in self.cluster_of.iter().enumerate() {
            m[c as usize].push(i as u32);
        }
        m
    }
}

/// Connected components of pairs with probability at least `threshold`. When
/// `duplicate_free` marks sources known to hold each person at most once, links are taken
/// strongest first and a link is refused if it would put two records of such a source in one
/// entity.
#[must_use]
pub fn cluster(
    table: &Table,
    pairs: &[ScoredPair],
    threshold: f64,
    duplicate_free: &[bool],
) -> Clusters {
    let n = table.len();
    let min_w = weight_of(threshold);
    let mut uf = UnionFind::new(n);
    let guarded: Vec<bool> = (0..table.sources.len())
        .map(|s| duplicate_free.get(s).copied().unwrap_or(false))
        .collect();
    if !guarded.iter().any(|g| *g) {
        for p in pairs.iter().filter(|p| p.weight >= min_w) {
            uf.union(p.a, p.b);
        }
        return Clusters::from_roots(&mut uf, n);
    }
    let mut order: Vec<&ScoredPair> = pairs.iter().filter(|p| p.weight >= min_w).collect();
    order.sort_by(|x, y| {
        y.weight
            .total_cmp(&x.weight)
            .then((x.a, x.b).cmp(&(y.a, y.b)))
    });
    // Per root: the guarded sources present (sources beyond 128 are not guarded).
    let mut present: Vec<u128> = (0..n)
        .map(|i| source_bit(&guarded, table.source[i]))
        .collect();
    for p in order {
        let (ra, rb) = (uf.find(p.a), uf.find(p.b));
        if ra == rb || present[ra as usize] & present[rb as usize] != 0 {
            continue;
        }
        let merged = present[ra as usize] | present[rb as usize];
        let r = uf.union(ra, rb);
        present[r as usize] = merged;
    }
    Clusters::from_roots(&mut uf, n)
}

fn source_bit(guarded: &[bool], s: u16) -> u128 {
    if (s as usize) < 128 && guarded[s as usize] {
        1u128 << s
    } else {
        0
    }
}

/// A link that alone holds a cluster together (a bridge) and is weak.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeakLink {
    /// Cluster number.
    pub cluster: u32,
    /// The pair.
    pub pair: ScoredPair,
}

/// Bridges of each cluster's link graph (links at or above `threshold`) whose probability is
/// below `weak_below`: removing one splits its cluster.
#[must_use]
pub fn weak_links(
    clusters: &Clusters,
    pairs: &[ScoredPair],
    threshold: f64,
    weak_below: f64,
) -> Vec<WeakLink> {
    let min_w = weight_of(threshold);
    let weak_w = weight_of(weak_below);
    let links: Vec<&ScoredPair> = pairs
        .iter()
        .filter(|p| {
            p.weight >= min_w
                && clusters.cluster_of[p.a as usize] == clusters.cluster_of[p.b as usize]
        })
        .collect();
    let mut adj: HashMap<u32, Vec<(u32, usize)>> = HashMap::new();
    for (e, p) in links.iter().enumerate() {
        adj.entry(p.a).or_default().push((p.b, e));
        adj.entry(p.b).or_default().push((p.a, e));
    }
    let mut nodes: Vec<u32> = adj.keys().copied().collect();
    nodes.sort_unstable();
    let mut disc: HashMap<u32, u32> = HashMap::new();
    let mut low: HashMap<u32, u32> = HashMap::new();
    let mut time = 0u32;
    let mut bridges = Vec::new();
    for &root in &nodes {
        if disc.contains_key(&root) {
            continue;
        }
        // Iterative DFS: (node, parent edge, next neighbour index).
        let mut stack: Vec<(u32, usize, usize)> = vec![(root, usize::MAX, 0)];
        disc.insert(root, time);
        low.insert(root, time);
        time += 1;
        while let Some(&mut (v, pe, ref mut idx)) = stack.last_mut() {
            let nb = &adj[&v];
            if *idx < nb.len() {
                let (w, e) = nb[*idx];
                *idx += 1;
                if e == pe {
                    continue;
                }
                if let Some(&dw) = disc.get(&w) {
                    let lv = low[&v].min(dw);
                    low.insert(v, lv);
                } else {
                    disc.insert(w, time);
                    low.insert(w, time);
                    time += 1;
                    stack.push((w, e, 0));
                }
            } else {
                stack.pop();
                if let Some(&(parent, _, _)) = stack.last() {
                    let lv = low[&v];
                    let lp = low[&parent].min(lv);
                    low.insert(parent, lp);
                    if lv > disc[&parent] {
                        bridges.push(pe);
                    }
                }
            }
        }
    }
    let mut out: Vec<WeakLink> = bridges
        .into_iter()
        .map(|e| links[e])
        .filter(|p| p.weight < weak_w)
        .map(|p| WeakLink {
            cluster: clusters.cluster_of[p.a as usize],
            pair: *p,
        })
        .collect();
    out.sort_by_key(|w| (w.cluster, w.pair.a, w.pair.b));
    out
}

/// Re-clusters without the given weak links.
#[must_use]
pub fn split_weak(n: usize, pairs: &[ScoredPair], threshold: f64, weak: &[WeakLink]) -> Clusters {
    let min_w = weight_of(threshold);
    let cut: std::collections::HashSet<(u32, u32)> =
        weak.iter().map(|w| (w.pair.a, w.pair.b)).collect();
    let mut uf = UnionFind::new(n);
    for p in pairs
        .iter()
        .filter(|p| p.weight >= min_w && !cut.contains(&(p.a, p.b)))
    {
        uf.union(p.a, p.b);
    }
    Clusters::from_roots(&mut uf, n)
}

/// Households: entities whose records share a normalised address (all of `address_columns`
/// present and equal) are joined. Returns a dense household number per record.
#[must_use]
pub fn households(table: &Table, clusters: &Clusters, address_columns: &[usize]) -> Clusters {
    let mut uf = UnionFind::new(clusters.count);
    let mut first: HashMap<String, u32> = HashMap::new();
    for i in 0..table.len() {
        if address_columns.is_empty()
            || address_columns.iter().any(|&c| table.columns[c].is_null(i))
        {
            continue;
        }
        let key: Vec<String> = address_columns
            .iter()
            .map(|&c| table.columns[c].text(i).into_owned())
            .collect();
        let e = clusters.cluster_of[i];
        match first.get(&key.join("\u{1f}")) {
            Some(&other) => {
                uf.union(other, e);
            }
            None => {
                first.insert(key.join("\u{1f}"), e);
            }
        }
    }
    let per_entity = Clusters::from_roots(&mut uf, clusters.count);
    let cluster_of: Vec<u32> = clusters
        .cluster_of
        .iter()
        .map(|&e| per_entity.cluster_of[e as usize])
        .collect();
    Clusters {
        cluster_of,
        count: per_entity.count,
    }
}
