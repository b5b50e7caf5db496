//! Blocking: which pairs are compared at all. A rule is a conjunction of key parts (a column and
//! a transform: exact, phonetic, initial, postcode part, date part); records sharing every part
//! form a block. Several rules are united without duplicate pairs: a pair produced by rule `k`
//! is skipped when an earlier rule also puts both records in one block. Pairs are generated
//! block by block and handed to a callback, never stored, so memory does not grow with the
//! number of candidate pairs.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::LinkageError;
use crate::phonetic::{phonetic_key, soundex};
use crate::records::{ColumnData, Table};
use crate::rng::hash_bytes;
use crate::standardise::postcode_parts;

/// How a column's value is turned into a blocking key part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyTransform {
    /// The standardised value.
    Exact,
    /// American Soundex of the value.
    Soundex,
    /// The Metaphone-like phonetic key (wholeplace's own, tuned for British names).
    Phonetic,
    /// Double Metaphone's primary code, four characters at most (Lawrence Philips' algorithm as
    /// Apache commons-codec implements it): what Splink's `dmetaphone()` gives.
    DoubleMetaphone,
    /// The first character.
    Initial,
    /// The first three characters.
    Prefix3,
    /// Postcode area (`SW`).
    PostcodeArea,
    /// Postcode district (`SW1A`).
    PostcodeDistrict,
    /// Postcode sector (`SW1A 1`).
    PostcodeSector,
    /// Year of a date.
    Year,
    /// Month of a date.
    Month,
    /// Day of a date.
    Day,
    /// Year and month of a date.
    YearMonth,
    /// Month and day of a date.
    MonthDay,
    /// Day and month regardless of order (catches day/month swaps): the smaller then larger.
    DayMonthUnordered,
    /// Postcode district, or a marker when the postcode is missing (so that records without a
    /// postcode still share blocks on the rule's other parts).
    PostcodeDistrictOrMissing,
}

impl KeyTransform {
    const ALL: [(&'static str, KeyTransform); 16] = [
        ("exact", Self::Exact),
        ("soundex", Self::Soundex),
        ("phonetic", Self::Phonetic),
        ("double_metaphone", Self::DoubleMetaphone),
        ("initial", Self::Initial),
        ("prefix3", Self::Prefix3),
        ("postcode_area", Self::PostcodeArea),
        ("postcode_district", Self::PostcodeDistrict),
        ("postcode_sector", Self::PostcodeSector),
        ("year", Self::Year),
        ("month", Self::Month),
        ("day", Self::Day),
        ("year_month", Self::YearMonth),
        ("month_day", Self::MonthDay),
        ("day_month_unordered", Self::DayMonthUnordered),
        (
            "postcode_district_or_missing",
            Self::PostcodeDistrictOrMissing,
        ),
    ];

    /// The transform's name as written in settings.
    #[must_use]
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, t)| *t == self)
            .map_or("exact", |(n, _)| n)
    }
}

/// One part of a blocking key: `column` or `column:transform` in settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct KeyPart {
    /// Column name.
    pub column: String,
    /// Transform.
    pub transform: KeyTransform,
}

impl TryFrom<String> for KeyPart {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let (column, t) = match s.split_once(':') {
            Some((c, t)) => (c.trim(), t.trim()),
            None => (s.trim(), "exact"),
        };
        let transform = KeyTransform::ALL
            .iter()
            .find(|(n, _)| *n == t)
            .map(|(_, t)| *t)
            .ok_or_else(|| {
                format!(
                    "unknown blocking transform `{t}` in `{s}`; use one of: {}",
                    KeyTransform::ALL
                        .iter()
                        .map(|(n, _)| *n)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?;
        Ok(Self {
            column: column.to_owned(),
            transform,
        })
    }
}

impl From<KeyPart> for String {
    fn from(k: KeyPart) -> String {
        k.to_string()
    }
}

impl fmt::Display for KeyPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.transform == KeyTransform::Exact {
            write!(f, "{}", self.column)
        } else {
            write!(f, "{}:{}", self.column, self.transform.name())
        }
    }
}

/// A blocking rule: records agreeing on every key part are compared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BlockingRule(pub Vec<KeyPart>);

impl BlockingRule {
    /// Parses `["surname:soundex", "dob:year"]`-style parts.
    ///
    /// # Errors
    /// On an unknown transform.
    pub fn parse(parts: &[&str]) -> Result<Self, LinkageError> {
        parts
            .iter()
            .map(|p| KeyPart::try_from((*p).to_owned()).map_err(LinkageError::Settings))
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }
}

impl fmt::Display for BlockingRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        write!(f, "{}", parts.join(" & "))
    }
}

/// Writes the key for record `i` under `rule` into `buf`; false when any part is missing.
pub(crate) fn key_bytes(
    table: &Table,
    cols: &[(usize, KeyTransform)],
    i: usize,
    buf: &mut Vec<u8>,
) -> bool {
    buf.clear();
    for &(c, t) in cols {
        let col = &table.columns[c];
        if col.is_null(i) {
            if t == KeyTransform::PostcodeDistrictOrMissing {
                buf.extend_from_slice(b"\x00missing\x1f");
                continue;
            }
            return false;
        }
        let start = buf.len();
        match (&col.data, t) {
            (ColumnData::Date(d), t) if t != KeyTransform::Exact => {
                let v = d[i];
                let (y, m, dd) = (v / 10_000, (v / 100) % 100, v % 100);
                let s = match t {
                    KeyTransform::Year => format!("{y}"),
                    KeyTransform::Month => format!("{m}"),
                    KeyTransform::Day => format!("{dd}"),
                    KeyTransform::YearMonth => format!("{y}-{m}"),
                    KeyTransform::MonthDay => format!("{m}-{dd}"),
                    KeyTransform::DayMonthUnordered => format!("{}-{}", m.min(dd), m.max(dd)),
                    _ => format!("{v}"),
                };
                buf.extend_from_slice(s.as_bytes());
            }
            _ => text_part(&col.text(i), t, buf),
        }
        if buf.len() == start {
            return false;
        }
        buf.push(0x1f);
    }
    true
}

/// Double Metaphone's primary code of `text`, four characters at most (as Splink's
/// `dmetaphone()`, which uses Apache commons-codec's implementation with its default length).
#[must_use]
pub fn double_metaphone(text: &str) -> String {
    use rphonetic::Encoder;
    rphonetic::DoubleMetaphone::new(Some(4)).encode(text)
}

/// Appends the key part of a text value under transform `t` (nothing when it has none).
fn text_part(text: &str, t: KeyTransform, buf: &mut Vec<u8>) {
    match t {
        KeyTransform::Exact
        | KeyTransform::Year
        | KeyTransform::Month
        | KeyTransform::Day
        | KeyTransform::YearMonth
        | KeyTransform::MonthDay
        | KeyTransform::DayMonthUnordered => {
            buf.extend_from_slice(text.as_bytes());
        }
        KeyTransform::Soundex => buf.extend_from_slice(soundex(text).as_bytes()),
        KeyTransform::Phonetic => buf.extend_from_slice(phonetic_key(text).as_bytes()),
        KeyTransform::DoubleMetaphone => {
            buf.extend_from_slice(double_metaphone(text).as_bytes());
        }
        KeyTransform::Initial => {
            if let Some(c) = text.chars().next() {
                let mut b = [0u8; 4];
                buf.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
            }
        }
        KeyTransform::Prefix3 => buf.extend(text.chars().take(3).collect::<String>().bytes()),
        KeyTransform::PostcodeArea
        | KeyTransform::PostcodeDistrict
        | KeyTransform::PostcodeDistrictOrMissing
        | KeyTransform::PostcodeSector => {
            if let Some(p) = postcode_parts(text) {
                let s = match t {
                    KeyTransform::PostcodeArea => p.area,
                    KeyTransform::PostcodeDistrict | KeyTransform::PostcodeDistrictOrMissing => {
                        p.district
                    }
                    _ => p.sector,
                };
                buf.extend_from_slice(s.as_bytes());
            }
        }
    }
}

/// The hash standing for a missing postcode under `PostcodeDistrictOrMissing`.
fn missing_part() -> u64 {
    hash_bytes(b"\x00missing").max(1)
}

/// Mixes a 64-bit value (the SplitMix64 finaliser).
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// One key part for every record, as a hash (0 when the record has no such part). Text values
/// are transformed once per distinct value, dates arithmetically.
fn part_hashes(table: &Table, c: usize, t: KeyTransform) -> Vec<u64> {
    use rayon::prelude::*;
    let col = &table.columns[c];
    let n = table.len();
    let missing = if t == KeyTransform::PostcodeDistrictOrMissing {
        missing_part()
    } else {
        0
    };
    let mut out = vec![0u64; n];
    match &col.data {
        ColumnData::Text(x) => {
            out.par_chunks_mut(65_536)
                .enumerate()
                .for_each(|(ch, chunk)| {
                    let mut cache: crate::prepared::FastMap<&str, u64> =
                        crate::prepared::FastMap::default();
                    let mut buf = Vec::new();
                    for (k, o) in chunk.iter_mut().enumerate() {
                        let v = x.raw(ch * 65_536 + k);
                        *o = if v.is_empty() {
                            missing
                        } else {
                            *cache.entry(v).or_insert_with(|| {
                                buf.clear();
                                text_part(v, t, &mut buf);
                                if buf.is_empty() {
                                    0
                                } else {
                                    hash_bytes(&buf).max(1)
                                }
                            })
                        };
                    }
                });
        }
        ColumnData::Date(d) => {
            out.par_iter_mut().zip(d.par_iter()).for_each(|(o, &v)| {
                *o = if v == 0 {
                    missing
                } else {
                    let (y, m, dd) = (
                        u64::from(v / 10_000),
                        u64::from((v / 100) % 100),
                        u64::from(v % 100),
                    );
                    let (tag, x) = match t {
                        KeyTransform::Year => (1, y),
                        KeyTransform::Month => (2, m),
                        KeyTransform::Day => (3, dd),
                        KeyTransform::YearMonth => (4, y * 100 + m),
                        KeyTransform::MonthDay => (5, m * 100 + dd),
                        KeyTransform::DayMonthUnordered => (6, m.min(dd) * 100 + m.max(dd)),
                        _ => (7, u64::from(v)),
                    };
                    mix((tag << 56) ^ x ^ 0x5bd1_e995).max(1)
                };
            });
        }
        _ => {
            out.par_iter_mut()
                .enumerate()
                .for_each_init(Vec::new, |buf, (i, o)| {
                    *o = if col.is_null(i) {
                        missing
                    } else if key_bytes(table, &[(c, t)], i, buf) {
                        hash_bytes(buf).max(1)
                    } else {
                        0
                    };
                });
        }
    }
    out
}

/// A rule's key per record from its parts' hashes (0 when any part is missing).
fn combine_parts(parts: &[&[u64]], n: usize) -> Vec<u64> {
    use rayon::prelude::*;
    (0..n)
        .into_par_iter()
        .map(|i| {
            let mut h = 0x243f_6a88_85a3_08d3u64;
            for p in parts {
                let v = p[i];
                if v == 0 {
                    return 0;
                }
                h = mix(h.rotate_left(5) ^ v);
            }
            h.max(1)
        })
        .collect()
}

/// The (key, record) pairs of the records with a key, sorted: distributed by the key's top 16
/// bits (keys are hashes, so the buckets are even), then each bucket sorted on its own.
fn sort_by_key(keys: &[u64]) -> Vec<(u64, u32)> {
    use rayon::prelude::*;
    const BITS: u32 = 16;
    let bucket = |k: u64| (k >> (64 - BITS)) as usize;
    let mut start = vec![0usize; (1 << BITS) + 1];
    for &k in keys.iter().filter(|&&k| k != 0) {
        start[bucket(k) + 1] += 1;
    }
    for b in 0..1 << BITS {
        start[b + 1] += start[b];
    }
    let mut fill = start.clone();
    let mut out = vec![(0u64, 0u32); start[1 << BITS]];
    for (i, &k) in keys.iter().enumerate() {
        if k != 0 {
            let b = bucket(k);
            out[fill[b]] = (k, i as u32);
            fill[b] += 1;
        }
    }
    let mut slices: Vec<&mut [(u64, u32)]> = Vec::with_capacity(1 << BITS);
    let mut rest = out.as_mut_slice();
    for b in 0..1 << BITS {
        let (head, tail) = rest.split_at_mut(start[b + 1] - start[b]);
        slices.push(head);
        rest = tail;
    }
    slices
        .par_iter_mut()
        .with_min_len(1024)
        .for_each(|s| s.sort_unstable());
    out
}

/// Resolves a rule's columns against a table.
pub(crate) fn resolve(
    table: &Table,
    rule: &BlockingRule,
) -> Result<Vec<(usize, KeyTransform)>, LinkageError> {
    rule.0
        .iter()
        .map(|p| {
            table
                .column_index(&p.column)
                .map(|c| (c, p.transform))
                .ok_or_else(|| LinkageError::UnknownColumn {
                    column: p.column.clone(),
                    context: format!("blocking rule `{rule}`"),
                })
        })
        .collect()
}

/// One rule's blocks over a table: a key per record and the records sorted into groups.
#[derive(Debug, Clone)]
pub struct RuleIndex {
    /// Key hash per record; 0 when the record has no key under this rule. Emptied when the
    /// index becomes part of [`Blocks`], which keeps each record's block under all rules
    /// together (see [`Blocks::group`]).
    pub keys: Vec<u64>,
    /// The records that share their key with another record, sorted by key (records alone
    /// with their key, or without one, are left out: they are in no pair).
    pub order: Vec<u32>,
    /// Ranges of `order` that share a key, at least two long.
    pub groups: Vec<(u32, u32)>,
}

impl RuleIndex {
    /// Builds the index of one rule.
    #[must_use]
    pub fn build(table: &Table, cols: &[(usize, KeyTransform)]) -> Self {
        let parts: Vec<Vec<u64>> = cols
            .iter()
            .map(|&(c, t)| part_hashes(table, c, t))
            .collect();
        let refs: Vec<&[u64]> = parts.iter().map(Vec::as_slice).collect();
        Self::from_keys(combine_parts(&refs, table.len()))
    }

    /// Builds the index from precomputed key hashes (0 = no key).
    #[must_use]
    pub fn from_keys(keys: Vec<u64>) -> Self {
        let keyed = sort_by_key(&keys);
        let mut order = Vec::new();
        let mut groups = Vec::new();
        let mut s = 0usize;
        while s < keyed.len() {
            let k = keyed[s].0;
            let mut e = s + 1;
            while e < keyed.len() && keyed[e].0 == k {
                e += 1;
            }
            if e - s >= 2 {
                let start = order.len() as u32;
                order.extend(keyed[s..e].iter().map(|x| x.1));
                groups.push((start, order.len() as u32));
            }
            s = e;
        }
        order.shrink_to_fit();
        Self {
            keys,
            order,
            groups,
        }
    }
}

/// Which pairs are wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PairFilter {
    /// Only pairs from different sources.
    pub cross_source_only: bool,
    /// Only pairs with at least one record at index `>= new_from` (incremental linking).
    pub new_from: usize,
}

/// All rules' indices: the union of their candidate pairs, without duplicates.
#[derive(Debug, Clone)]
pub struct Blocks {
    /// Per rule.
    pub rules: Vec<RuleIndex>,
    /// Blocks larger than this are skipped (and counted in `skipped_blocks`).
    pub max_block_size: usize,
    /// Blocks skipped as too large: (rule, size).
    pub skipped_blocks: Vec<(usize, usize)>,
    /// Each record's block under every rule, side by side (see [`Blocks::group`]), so that
    /// checking whether an earlier rule already produced a pair touches one short row per
    /// record.
    record_groups: Vec<u32>,
}

/// One unit of pair-generation work: a group of one rule.
#[derive(Debug, Clone, Copy)]
pub struct Task {
    /// Rule index.
    pub rule: u32,
    /// Start in the rule's order.
    pub start: u32,
    /// End in the rule's order.
    pub end: u32,
}

impl Blocks {
    /// Builds all rules' indices.
    ///
    /// # Errors
    /// When a rule names an unknown column.
    pub fn build(
        table: &Table,
        rules: &[BlockingRule],
        max_block_size: usize,
    ) -> Result<Self, LinkageError> {
        let resolved: Vec<Vec<(usize, KeyTransform)>> = rules
            .iter()
            .map(|r| resolve(table, r))
            .collect::<Result<_, _>>()?;
        // Key parts shared by several rules are computed once and dropped after their last use.
        let mut last_use: std::collections::HashMap<(usize, KeyTransform), usize> =
            std::collections::HashMap::new();
        for (ri, cols) in resolved.iter().enumerate() {
            for ct in cols {
                last_use.insert(*ct, ri);
            }
        }
        let mut parts: std::collections::HashMap<(usize, KeyTransform), Vec<u64>> =
            std::collections::HashMap::new();
        let n = table.len();
        let stride = rules.len();
        let mut record_groups = vec![0u32; n * stride];
        let mut out = Vec::with_capacity(rules.len());
        let mut skipped = Vec::new();
        for (ri, cols) in resolved.iter().enumerate() {
            for &(c, t) in cols {
                parts
                    .entry((c, t))
                    .or_insert_with(|| part_hashes(table, c, t));
            }
            let refs: Vec<&[u64]> = cols.iter().map(|ct| parts[ct].as_slice()).collect();
            let mut index = RuleIndex::from_keys(combine_parts(&refs, n));
            index.keys = Vec::new();
            parts.retain(|ct, _| last_use[ct] > ri);
            for (g, &(s, e)) in index.groups.iter().enumerate() {
                if (e - s) as usize > max_block_size {
                    // Records of a skipped block count as unblocked under this rule, so later
                    // rules still produce their pairs.
                    skipped.push((ri, (e - s) as usize));
                    continue;
                }
                for &m in &index.order[s as usize..e as usize] {
                    record_groups[m as usize * stride + ri] = g as u32 + 1;
                }
            }
            out.push(index);
        }
        Ok(Self {
            rules: out,
            max_block_size,
            skipped_blocks: skipped,
            record_groups,
        })
    }

    /// The block (numbered from 1) record `i` is in under rule `rule`; 0 when it is in none
    /// (no key, alone with its key, or in a skipped oversized block).
    #[must_use]
    pub fn group(&self, rule: usize, i: usize) -> u32 {
        self.record_groups[i * self.rules.len() + rule]
    }

    /// The work units, largest first for load balance.
    #[must_use]
    pub fn tasks(&self) -> Vec<Task> {
        let mut t: Vec<Task> = self
            .rules
            .iter()
            .enumerate()
            .flat_map(|(ri, r)| {
                r.groups
                    .iter()
                    .filter(|(s, e)| ((e - s) as usize) <= self.max_block_size)
                    .map(move |&(s, e)| Task {
                        rule: ri as u32,
                        start: s,
                        end: e,
                    })
            })
            .collect();
        t.sort_by_key(|t| std::cmp::Reverse(t.end - t.start));
        t
    }

    /// Upper bound of pairs in a task (before filtering).
    #[must_use]
    pub fn task_pairs(t: &Task) -> u64 {
        let n = u64::from(t.end - t.start);
        n * (n - 1) / 2
    }

    /// The records of a task's block.
    #[must_use]
    pub fn members(&self, task: &Task) -> &[u32] {
        &self.rules[task.rule as usize].order[task.start as usize..task.end as usize]
    }

    /// Calls `f(a, b)` (with `a < b`) for each wanted pair of the task not already produced by
    /// an earlier rule.
    pub fn for_each_pair(
        &self,
        table: &Table,
        task: &Task,
        filter: PairFilter,
        f: impl FnMut(usize, usize),
    ) {
        self.for_each_pair_among(table, task, filter, None, f);
    }

    /// As [`Blocks::for_each_pair`], but with `keep` only the pairs of kept records (a sample).
    pub fn for_each_pair_among(
        &self,
        table: &Table,
        task: &Task,
        filter: PairFilter,
        keep: Option<&[bool]>,
        mut f: impl FnMut(usize, usize),
    ) {
        let kept: Vec<u32>;
        let members = match keep {
            Some(k) => {
                kept = self
                    .members(task)
                    .iter()
                    .copied()
                    .filter(|&m| k[m as usize])
                    .collect();
                &kept
            }
            None => self.members(task),
        };
        let stride = self.rules.len();
        let earlier = task.rule as usize;

        for (x, &i) in members.iter().enumerate() {
            for &j in &members[x + 1..] {
                let (a, b) = if i < j {
                    (i as usize, j as usize)
                } else {
                    (j as usize, i as usize)
                };
                if filter.cross_source_only && table.source[a] == table.source[b] {
                    continue;
                }
                if b < filter.new_from {
                    continue;
                }
                let (ka, kb) = (
                    &self.record_groups[a * stride..a * stride + earlier],
                    &self.record_groups[b * stride..b * stride + earlier],
                );
                if ka.iter().zip(kb).any(|(x, y)| *x != 0 && x == y) {
                    continue;
                }
                f(a, b);
            }
        }
    }
}

#[cfg(test)]
mod double_metaphone_tests {
    use super::*;

    #[test]
    fn double_metaphone_gives_the_published_primary_codes() {
        // Lawrence Philips' examples ("The Double Metaphone Search Algorithm", C/C++ Users
        // Journal, June 2000) and Apache commons-codec's, primary code, four characters at most.
        for (name, code) in [
            ("Smith", "SM0"),
            ("Schmidt", "XMT"),
            ("Thompson", "TMPS"),
            ("Jose", "HS"),
            ("Xavier", "SF"),
            ("Gough", "KF"),
            ("Knight", "NT"),
            ("Catherine", "K0RN"),
            ("Caesar", "SSR"),
            ("Michael", "MKL"),
        ] {
            assert_eq!(double_metaphone(name), code, "{name}");
        }
        assert_eq!(double_metaphone(""), "");
        assert_eq!(KeyTransform::DoubleMetaphone.name(), "double_metaphone");
    }
}
