//! Values prepared once per linker so that comparing a pair costs little: every text column's
//! values are interned (an exact match is an integer comparison, a distinct value is measured
//! once), postcode parts and nickname groups are looked up once per distinct value, dates are
//! converted to day numbers once per record, and term frequencies are counted per distinct
//! value. A small per-pair memo lets the levels of a comparison share one string similarity.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use rayon::prelude::*;

use crate::nicknames::groups_of;
use crate::records::{ColumnData, Table};
use crate::standardise::{Date, postcode_parts};
use crate::strings::{jaro, jaro_winkler};

/// A fast, deterministic hasher for short keys (FNV-1a with a final mix).
#[derive(Debug, Clone, Copy)]
pub(crate) struct FastHasher(u64);

impl Default for FastHasher {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut h = self.0;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            h = (h ^ u64::from_le_bytes(w)).wrapping_mul(0x0100_0000_01b3);
            h ^= h >> 29;
        }
        for &b in chunks.remainder() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
    fn finish(&self) -> u64 {
        let mut x = self.0;
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
        x ^= x >> 33;
        x
    }
}

pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// A text column's interned values.
#[derive(Debug, Clone, Default)]
pub(crate) struct TextPrep {
    /// Per record: the value's id, 0 when missing.
    pub ids: Vec<u32>,
    /// Distinct values back to back; value `v` (from 1) spans `ends[v - 1]..ends[v]`.
    data: String,
    ends: Vec<u32>,
    /// Per value: postcode area, district and sector ids (0 when none).
    pub postcode: Vec<[u32; 3]>,
    /// Per value: nickname groups.
    pub nicknames: Vec<Option<&'static [u16]>>,
    /// Per value: its share of the non-missing records.
    pub frequency: Vec<f32>,
    /// Per value: counts of its characters folded into 32 buckets (an upper bound on the
    /// characters two values can have in common), and its length in characters.
    sig: Vec<[u8; 32]>,
    chars: Vec<u32>,
    /// The lowest Jaro-Winkler and Jaro thresholds any level tests on this column.
    jw_min: Option<f64>,
    jaro_min: Option<f64>,
}

impl TextPrep {
    /// An upper bound on the Jaro similarity of values `i` and `j` (both non-zero), from the
    /// characters they can have in common, assuming no transpositions.
    fn jaro_bound(&self, i: u32, j: u32) -> f64 {
        let (sa, sb) = (&self.sig[i as usize], &self.sig[j as usize]);
        let common: u32 = sa.iter().zip(sb).map(|(x, y)| u32::from(*x.min(y))).sum();
        let (la, lb) = (self.chars[i as usize], self.chars[j as usize]);
        let m = f64::from(common.min(la).min(lb));
        if m == 0.0 {
            return 0.0;
        }
        (m / f64::from(la) + m / f64::from(lb) + 1.0) / 3.0
    }

    /// The Jaro-Winkler (`winkler`) or Jaro similarity of values `i` and `j`, or, when an upper
    /// bound shows it is below every threshold tested on the column, that bound.
    pub fn similarity(&self, i: u32, j: u32, winkler: bool) -> f64 {
        let (a, b) = (self.value(i), self.value(j));
        let min = if winkler { self.jw_min } else { self.jaro_min };
        if let Some(min) = min
            && !self.sig.is_empty()
        {
            let jb = self.jaro_bound(i, j);
            let bound = if winkler && jb > 0.7 {
                jb + 0.4 * (1.0 - jb)
            } else {
                jb
            };
            if bound + 1e-9 < min {
                return bound;
            }
        }
        if winkler {
            jaro_winkler(a, b)
        } else {
            jaro(a, b)
        }
    }

    /// The text of value `v` (empty for 0).
    #[inline]
    pub fn value(&self, v: u32) -> &str {
        if v == 0 {
            return "";
        }
        let v = v as usize;
        &self.data[self.ends[v - 1] as usize..self.ends[v] as usize]
    }

    fn build(table: &Table, col: usize, need: Need) -> Self {
        let c = &table.columns[col];
        let mut borrowed: FastMap<&str, u32> = FastMap::default();
        let mut owned: FastMap<String, u32> = FastMap::default();
        let mut p = Self {
            ids: Vec::with_capacity(table.len()),
            data: String::new(),
            ends: vec![0],
            ..Self::default()
        };
        let mut counts: Vec<u32> = vec![0];
        for i in 0..table.len() {
            let t = c.text(i);
            if t.is_empty() {
                p.ids.push(0);
                continue;
            }
            let next = counts.len() as u32;
            let id = match &t {
                std::borrow::Cow::Borrowed(s) => *borrowed.entry(s).or_insert(next),
                std::borrow::Cow::Owned(s) => match owned.get(s.as_str()) {
                    Some(v) => *v,
                    None => {
                        owned.insert(s.clone(), next);
                        next
                    }
                },
            };
            if id == next {
                p.data.push_str(&t);
                p.ends.push(p.data.len() as u32);
                counts.push(0);
            }
            counts[id as usize] += 1;
            p.ids.push(id);
        }
        let values = counts.len();
        if need.postcode {
            let mut parts: FastMap<String, u32> = FastMap::default();
            let mut id_of = |s: &str| -> u32 {
                let next = parts.len() as u32 + 1;
                *parts.entry(s.to_owned()).or_insert(next)
            };
            p.postcode = (0..values as u32)
                .map(|v| match postcode_parts(p.value(v)) {
                    Some(x) => [id_of(x.area), id_of(x.district), id_of(x.sector)],
                    None => [0; 3],
                })
                .collect();
        }
        if need.nicknames {
            p.nicknames = (0..values as u32).map(|v| groups_of(p.value(v))).collect();
        }
        if need.jw_min.is_some() || need.jaro_min.is_some() {
            p.jw_min = need.jw_min;
            p.jaro_min = need.jaro_min;
            (p.sig, p.chars) = (0..values as u32)
                .map(|v| {
                    let mut sig = [0u8; 32];
                    let mut n = 0u32;
                    for ch in p.value(v).chars() {
                        let k = (u32::from(ch) & 31) as usize;
                        sig[k] = sig[k].saturating_add(1);
                        n += 1;
                    }
                    (sig, n)
                })
                .unzip();
        }
        let non_null: u64 = counts.iter().map(|&c| u64::from(c)).sum();
        let n = non_null.max(1) as f64;
        p.frequency = counts.iter().map(|&c| (f64::from(c) / n) as f32).collect();
        p
    }
}

/// What a column is used for.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Need {
    pub text: bool,
    pub postcode: bool,
    pub nicknames: bool,
    pub days: bool,
    pub jw_min: Option<f64>,
    pub jaro_min: Option<f64>,
}

/// Prepared columns. Each record's prepared values (interned text ids, packed dates, day
/// numbers) are stored together in one row, so that comparing a pair touches two short rows
/// rather than one cache line per column per record.
#[derive(Debug, Clone, Default)]
pub(crate) struct Prepared {
    /// Per column: interned text (its ids moved into the rows).
    pub text: Vec<Option<TextPrep>>,
    /// Per column: slot of the text id in a row.
    pub text_slot: Vec<Option<usize>>,
    /// Per column: slot of the packed date (0 missing).
    pub date_slot: Vec<Option<usize>>,
    /// Per column: slot of the day number (`i32::MIN` as `u32` when missing or invalid).
    pub days_slot: Vec<Option<usize>>,
    stride: usize,
    rows: Vec<u32>,
}

impl Prepared {
    pub(crate) fn build(table: &Table, needs: &[Need]) -> Self {
        let mut text: Vec<Option<TextPrep>> = needs
            .par_iter()
            .enumerate()
            .map(|(c, n)| {
                (n.text || n.postcode || n.nicknames).then(|| TextPrep::build(table, c, *n))
            })
            .collect();
        let mut stride = 0;
        let mut slot = |yes: bool| {
            yes.then(|| {
                stride += 1;
                stride - 1
            })
        };
        let text_slot: Vec<Option<usize>> = text.iter().map(|t| slot(t.is_some())).collect();
        let is_date = |c: usize| matches!(table.columns[c].data, ColumnData::Date(_));
        let date_slot: Vec<Option<usize>> = (0..needs.len()).map(|c| slot(is_date(c))).collect();
        let days_slot: Vec<Option<usize>> = (0..needs.len())
            .map(|c| slot(is_date(c) && needs[c].days))
            .collect();
        let n = table.len();
        let mut rows = vec![0u32; n * stride];
        if stride > 0 {
            rows.par_chunks_mut(stride)
                .enumerate()
                .for_each(|(i, row)| {
                    for c in 0..needs.len() {
                        if let (Some(s), Some(t)) = (text_slot[c], &text[c]) {
                            row[s] = t.ids[i];
                        }
                        if let ColumnData::Date(d) = &table.columns[c].data {
                            if let Some(s) = date_slot[c] {
                                row[s] = d[i];
                            }
                            if let Some(s) = days_slot[c] {
                                row[s] = Date::unpack(d[i])
                                    .map_or(i32::MIN, |x| x.days() as i32)
                                    .cast_unsigned();
                            }
                        }
                    }
                });
        }
        for t in text.iter_mut().flatten() {
            t.ids = Vec::new();
        }
        Self {
            text,
            text_slot,
            date_slot,
            days_slot,
            stride,
            rows,
        }
    }

    /// Record `i`'s row.
    #[inline]
    pub fn row(&self, i: usize) -> &[u32] {
        &self.rows[i * self.stride..(i + 1) * self.stride]
    }
}

/// Similarities already computed for the pair at hand, shared by a comparison's levels.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Memo {
    n: usize,
    keys: [(u32, u8, u32); 8],
    values: [f64; 8],
}

impl Memo {
    /// Forgets every value.
    #[inline]
    pub fn clear(&mut self) {
        self.n = 0;
    }

    /// The memoised value for (column, measure, parameter), computing it when absent.
    #[inline]
    pub fn get(&mut self, key: (u32, u8, u32), f: impl FnOnce() -> f64) -> f64 {
        for k in 0..self.n {
            if self.keys[k] == key {
                return self.values[k];
            }
        }
        let v = f();
        if self.n < self.keys.len() {
            self.keys[self.n] = key;
            self.values[self.n] = v;
            self.n += 1;
        }
        v
    }
}
