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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyTransform {
    /// The standardised value.
    Exact,
    /// American Soundex of the value.
    Soundex,
    /// The Metaphone-like phonetic key.
    Phonetic,
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
    const ALL: [(&'static str, KeyTransform); 15] = [
        ("exact", Self::Exact),
        ("soundex", Self::Soundex),
        ("phonetic", Self::Phonetic),
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
            _ => {
                let text = col.text(i);
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
                    KeyTransform::Soundex => buf.extend_from_slice(soundex(&text).as_bytes()),
                    KeyTransform::Phonetic => buf.extend_from_slice(phonetic_key(&text).as_bytes()),
                    KeyTransform::Initial => {
                        if let Some(c) = text.chars().next() {
                            let mut b = [0u8; 4];
                            buf.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
                        }
                    }
                    KeyTransform::Prefix3 => {
                        buf.extend(text.chars().take(3).collect::<String>().bytes())
                    }
                    KeyTransform::PostcodeArea
                    | KeyTransform::PostcodeDistrict
                    | KeyTransform::PostcodeDistrictOrMissing
                    | KeyTransform::PostcodeSector => {
                        if let Some(p) = postcode_parts(&text) {
                            let s = match t {
                                KeyTransform::PostcodeArea => p.area,
                                KeyTransform::PostcodeDistrict
                                | KeyTransform::PostcodeDistrictOrMissing => p.district,
                                _ => p.sector,
                            };
                            buf.extend_from_slice(s.as_bytes());
                        }
                    }
                }
            }
        }
        if buf.len() == start {
            return false;
        }
        buf.push(0x1f);
    }
    true
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
    /// Key hash per record; 0 when the record has no key under this rule.
    pub keys: Vec<u64>,
    /// Record indices sorted by key (records without a key left out).
    pub order: Vec<u32>,
    /// Ranges of `order` that share a key, at least two long.
    pub groups: Vec<(u32, u32)>,
}

impl RuleIndex {
    /// Builds the index of one rule.
    #[must_use]
    pub fn build(table: &Table, cols: &[(usize, KeyTransform)]) -> Self {
        use rayon::prelude::*;
        let n = table.len();
        let keys: Vec<u64> = (0..n)
            .into_par_iter()
            .map_init(Vec::new, |buf, i| {
                if key_bytes(table, cols, i, buf) {
                    hash_bytes(buf).max(1)
                } else {
                    0
                }
            })
            .collect();
        Self::from_keys(keys)
    }

    /// Builds the index from precomputed key hashes (0 = no key).
    #[must_use]
    pub fn from_keys(keys: Vec<u64>) -> Self {
        use rayon::prelude::*;
        let mut order: Vec<u32> = (0..keys.len() as u32)
            .filter(|&i| keys[i as usize] != 0)
            .collect();
        order.par_sort_unstable_by_key(|&i| (keys[i as usize], i));
        let mut groups = Vec::new();
        let mut s = 0usize;
        while s < order.len() {
            let k = keys[order[s] as usize];
            let mut e = s + 1;
            while e < order.len() && keys[order[e] as usize] == k {
                e += 1;
            }
            if e - s >= 2 {
                groups.push((s as u32, e as u32));
            }
            s = e;
        }
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
        let mut out = Vec::with_capacity(rules.len());
        for r in rules {
            let cols = resolve(table, r)?;
            out.push(RuleIndex::build(table, &cols));
        }
        let mut skipped = Vec::new();
        for (ri, r) in out.iter_mut().enumerate() {
            for &(s, e) in &r.groups {
                if (e - s) as usize > max_block_size {
                    skipped.push((ri, (e - s) as usize));
                    // Records of a skipped block count as unblocked under this rule, so later
                    // rules still produce their pairs.
                    for &m in &r.order[s as usize..e as usize] {
                        r.keys[m as usize] = 0;
                    }
                }
            }
        }
        Ok(Self {
            rules: out,
            max_block_size,
            skipped_blocks: skipped,
        })
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

    /// Calls `f(a, b)` (with `a < b`) for each wanted pair of the task not already produced by
    /// an earlier rule.
    pub fn for_each_pair(
        &self,
        table: &Table,
        task: &Task,
        filter: PairFilter,
        mut f: impl FnMut(usize, usize),
    ) {
        let rule = &self.rules[task.rule as usize];
        let members = &rule.order[task.start as usize..task.end as usize];
        let earlier = &self.rules[..task.rule as usize];
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
                if earlier
                    .iter()
                    .any(|r| r.keys[a] != 0 && r.keys[a] == r.keys[b])
                {
                    continue;
                }
                f(a, b);
            }
        }
    }
}
