//! Clustering scored pairs into entities (connected components at a threshold, optionally
//! guarded so that no entity holds two records of a source known to be duplicate-free), finding
//! weak clusters (held together by a single low-probability link) and splitting them, and
//! grouping entities into households through a shared normalised address.

use crate::model::{ScoredPair, weight_of};
use crate::prepared::FastMap;
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
        // Number clusters in order of their first record.
        let mut number = vec![u32::MAX; n];
        let mut count = 0u32;
        let mut cluster_of = Vec::with_capacity(n);
        for i in 0..n as u32 {
            let r = uf.find(i) as usize;
            if number[r] == u32::MAX {
                number[r] = count;
                count += 1;
            }
            cluster_of.push(number[r]);
        }
        Self {
            cluster_of,
            count: count as usize,
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
    let n = clusters.cluster_of.len();
    let links: Vec<&ScoredPair> = pairs
        .iter()
        .filter(|p| {
            p.weight >= min_w
                && clusters.cluster_of[p.a as usize] == clusters.cluster_of[p.b as usize]
        })
        .collect();
    // Adjacency in compressed rows: the neighbours of `v` and the edges to them are
    // `adj[start[v]..start[v + 1]]`.
    let mut start = vec![0u32; n + 1];
    for p in &links {
        start[p.a as usize + 1] += 1;
        start[p.b as usize + 1] += 1;
    }
    for v in 0..n {
        start[v + 1] += start[v];
    }
    let mut fill: Vec<u32> = start[..n].to_vec();
    let mut adj = vec![(0u32, 0u32); 2 * links.len()];
    for (e, p) in links.iter().enumerate() {
        adj[fill[p.a as usize] as usize] = (p.b, e as u32);
        fill[p.a as usize] += 1;
        adj[fill[p.b as usize] as usize] = (p.a, e as u32);
        fill[p.b as usize] += 1;
    }
    drop(fill);
    const UNSEEN: u32 = u32::MAX;
    let mut disc = vec![UNSEEN; n];
    let mut low = vec![0u32; n];
    let mut time = 0u32;
    let mut bridges = Vec::new();
    // Iterative DFS: (node, parent edge, next neighbour index).
    let mut stack: Vec<(u32, u32, u32)> = Vec::new();
    for root in 0..n as u32 {
        if disc[root as usize] != UNSEEN || start[root as usize] == start[root as usize + 1] {
            continue;
        }
        stack.push((root, u32::MAX, start[root as usize]));
        disc[root as usize] = time;
        low[root as usize] = time;
        time += 1;
        while let Some(&mut (v, pe, ref mut idx)) = stack.last_mut() {
            if *idx < start[v as usize + 1] {
                let (w, e) = adj[*idx as usize];
                *idx += 1;
                if e == pe {
                    continue;
                }
                let dw = disc[w as usize];
                if dw == UNSEEN {
                    disc[w as usize] = time;
                    low[w as usize] = time;
                    time += 1;
                    stack.push((w, e, start[w as usize]));
                } else {
                    low[v as usize] = low[v as usize].min(dw);
                }
            } else {
                stack.pop();
                if let Some(&(parent, _, _)) = stack.last() {
                    let lv = low[v as usize];
                    low[parent as usize] = low[parent as usize].min(lv);
                    if lv > disc[parent as usize] {
                        bridges.push(pe as usize);
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
    let mut first: FastMap<Box<str>, u32> = FastMap::default();
    let mut key = String::new();
    if !address_columns.is_empty() {
        for i in 0..table.len() {
            if address_columns.iter().any(|&c| table.columns[c].is_null(i)) {
                continue;
            }
            key.clear();
            for &c in address_columns {
                key.push_str(&table.columns[c].text(i));
                key.push('\u{1f}');
            }
            let e = clusters.cluster_of[i];
            match first.get(key.as_str()) {
                Some(&other) => {
                    uf.union(other, e);
                }
                None => {
                    first.insert(key.as_str().into(), e);
                }
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
