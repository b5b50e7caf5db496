//! Comparisons: for each pair, each comparison picks the first of its ordered levels whose
//! condition holds (exact, Jaro-Winkler, edit distances, swapped names, alternative forenames,
//! date differences and transpositions, postcode parts, numeric differences, Dice similarity of
//! Bloom filters). Levels are written as [`Pred`] conditions over columns so that Splink
//! settings translate into them one to one; templates build the usual ones.

use serde::{Deserialize, Serialize};

use crate::LinkageError;
use crate::nicknames::are_alternatives;
use crate::prepared::{Memo, Need, Prepared, TextPrep};
use crate::records::{ColumnData, Table};
use crate::standardise::{Date, postcode_parts};
use crate::strings::{damerau_within, jaro, jaro_winkler, levenshtein_within};

/// A condition on a pair of records (`l` and `r`). `C` is a column name in settings and a
/// column index once compiled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pred<C> {
    /// Always true (the "else" level).
    Else,
    /// The column is missing on either side.
    Null(C),
    /// Equal values.
    Exact(C),
    /// `l.first == r.second` (one direction; Splink's cross-column equality).
    CrossExact(C, C),
    /// Jaro-Winkler similarity at least the threshold.
    JaroWinkler(C, f64),
    /// Jaro similarity at least the threshold.
    Jaro(C, f64),
    /// Levenshtein distance at most the threshold.
    Levenshtein(C, u32),
    /// Damerau-Levenshtein (optimal string alignment) distance at most the threshold.
    Damerau(C, u32),
    /// Alternative forms of one forename per the shipped nickname table.
    Alternatives(C),
    /// The two columns' values are swapped between the records (forename/surname swap).
    Swapped(C, C),
    /// Dates equal once day and month are exchanged on one side.
    DateTransposed(C),
    /// Dates at most this many days apart.
    DateWithinDays(C, u32),
    /// Same postcode sector.
    PostcodeSector(C),
    /// Same postcode district.
    PostcodeDistrict(C),
    /// Same postcode area.
    PostcodeArea(C),
    /// Numbers differ by at most this much.
    NumberWithin(C, f64),
    /// Numbers differ by at most this fraction of the larger.
    NumberWithinPercent(C, f64),
    /// Dice similarity of two bit sets at least the threshold.
    DiceAtLeast(C, f64),
    /// All hold.
    And(Vec<Pred<C>>),
    /// Any holds.
    Or(Vec<Pred<C>>),
    /// Does not hold.
    Not(Box<Pred<C>>),
}

impl<C> Pred<C> {
    /// Maps column references.
    ///
    /// # Errors
    /// When `f` fails.
    pub fn try_map<D, E>(&self, f: &mut impl FnMut(&C) -> Result<D, E>) -> Result<Pred<D>, E> {
        Ok(match self {
            Self::Else => Pred::Else,
            Self::Null(c) => Pred::Null(f(c)?),
            Self::Exact(c) => Pred::Exact(f(c)?),
            Self::CrossExact(a, b) => Pred::CrossExact(f(a)?, f(b)?),
            Self::JaroWinkler(c, t) => Pred::JaroWinkler(f(c)?, *t),
            Self::Jaro(c, t) => Pred::Jaro(f(c)?, *t),
            Self::Levenshtein(c, t) => Pred::Levenshtein(f(c)?, *t),
            Self::Damerau(c, t) => Pred::Damerau(f(c)?, *t),
            Self::Alternatives(c) => Pred::Alternatives(f(c)?),
            Self::Swapped(a, b) => Pred::Swapped(f(a)?, f(b)?),
            Self::DateTransposed(c) => Pred::DateTransposed(f(c)?),
            Self::DateWithinDays(c, d) => Pred::DateWithinDays(f(c)?, *d),
            Self::PostcodeSector(c) => Pred::PostcodeSector(f(c)?),
            Self::PostcodeDistrict(c) => Pred::PostcodeDistrict(f(c)?),
            Self::PostcodeArea(c) => Pred::PostcodeArea(f(c)?),
            Self::NumberWithin(c, t) => Pred::NumberWithin(f(c)?, *t),
            Self::NumberWithinPercent(c, t) => Pred::NumberWithinPercent(f(c)?, *t),
            Self::DiceAtLeast(c, t) => Pred::DiceAtLeast(f(c)?, *t),
            Self::And(v) => Pred::And(v.iter().map(|p| p.try_map(f)).collect::<Result<_, _>>()?),
            Self::Or(v) => Pred::Or(v.iter().map(|p| p.try_map(f)).collect::<Result<_, _>>()?),
            Self::Not(p) => Pred::Not(Box::new(p.try_map(f)?)),
        })
    }
}

/// One level of a comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelSpec {
    /// Human label (`"exact"`, `"Jaro-Winkler >= 0.9"`).
    pub label: String,
    /// Condition.
    pub when: Pred<String>,
    /// The null level: contributes no evidence.
    #[serde(default)]
    pub null: bool,
    /// Term-frequency adjustment on this column's value (exact-match levels).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tf_column: Option<String>,
    /// Weight of the term-frequency adjustment (0-1).
    #[serde(default = "one")]
    pub tf_weight: f64,
    /// Fixed m probability (from a trained or imported model).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub m: Option<f64>,
    /// Fixed u probability.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub u: Option<f64>,
}

fn one() -> f64 {
    1.0
}

impl LevelSpec {
    fn new(label: &str, when: Pred<String>) -> Self {
        Self {
            label: label.to_owned(),
            when,
            null: false,
            tf_column: None,
            tf_weight: 1.0,
            m: None,
            u: None,
        }
    }
    fn tf(mut self, col: &str, on: bool) -> Self {
        if on {
            self.tf_column = Some(col.to_owned());
        }
        self
    }
}

/// A comparison: a name and ordered levels, the first being the null level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparisonSpec {
    /// Name (`"first_name"`).
    pub name: String,
    /// Levels, strongest first after the null level; the last should be `Else`.
    pub levels: Vec<LevelSpec>,
}

fn s(c: &str) -> String {
    c.to_owned()
}

/// Ready-made comparisons for person records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Template {
    /// A forename or surname: exact (term-frequency adjusted), swapped with `swap_with`,
    /// alternative forenames (when `nicknames`), one edit, Jaro-Winkler 0.9 and 0.8, else.
    Name {
        /// Column.
        column: String,
        /// The other name column for forename/surname swaps.
        #[serde(default)]
        swap_with: Option<String>,
        /// Use the nickname table.
        #[serde(default)]
        nicknames: bool,
        /// Term-frequency adjust exact matches.
        #[serde(default = "yes")]
        tf: bool,
    },
    /// A date: exact, day/month transposed, one character edit, within 31 days, within a year, else.
    Date {
        /// Column.
        column: String,
    },
    /// A postcode: exact, same sector, one edit, same district, same area, else.
    Postcode {
        /// Column.
        column: String,
        /// Term-frequency adjust exact matches.
        #[serde(default = "yes")]
        tf: bool,
    },
    /// Free text such as an address line: exact, Jaro-Winkler 0.9 and 0.7, else.
    Text {
        /// Column.
        column: String,
        /// Term-frequency adjust exact matches.
        #[serde(default = "yes")]
        tf: bool,
    },
    /// An identifier: exact, one edit (typo or transposition), else.
    Identifier {
        /// Column.
        column: String,
    },
    /// Exact or not.
    Exact {
        /// Column.
        column: String,
        /// Term-frequency adjust.
        #[serde(default)]
        tf: bool,
    },
    /// A number: exact, then within each absolute difference, else.
    Number {
        /// Column.
        column: String,
        /// Ascending differences.
        within: Vec<f64>,
    },
    /// A Bloom-filter encoding: Dice at least each threshold (descending), else.
    Dice {
        /// Column.
        column: String,
        /// Descending thresholds; default 1.0, 0.9, 0.8, 0.7, 0.6.
        #[serde(default)]
        thresholds: Vec<f64>,
    },
}

fn yes() -> bool {
    true
}

impl Template {
    /// The comparison this template stands for.
    #[must_use]
    pub fn expand(&self) -> ComparisonSpec {
        let null = |c: &str| LevelSpec {
            null: true,
            ..LevelSpec::new("null", Pred::Null(s(c)))
        };
        let els = || LevelSpec::new("else", Pred::Else);
        match self {
            Self::Name {
                column: c,
                swap_with,
                nicknames,
                tf,
            } => {
                let mut levels = vec![
                    null(c),
                    LevelSpec::new("exact", Pred::Exact(s(c))).tf(c, *tf),
                ];
                if let Some(o) = swap_with {
                    levels.push(LevelSpec::new(
                        &format!("swapped with {o}"),
                        Pred::Swapped(s(c), s(o)),
                    ));
                }
                if *nicknames {
                    levels.push(LevelSpec::new(
                        "alternative forename",
                        Pred::Alternatives(s(c)),
                    ));
                }
                levels.push(LevelSpec::new("one edit", Pred::Damerau(s(c), 1)));
                levels.push(LevelSpec::new(
                    "Jaro-Winkler >= 0.9",
                    Pred::JaroWinkler(s(c), 0.9),
                ));
                levels.push(LevelSpec::new(
                    "Jaro-Winkler >= 0.8",
                    Pred::JaroWinkler(s(c), 0.8),
                ));
                levels.push(els());
                ComparisonSpec {
                    name: c.clone(),
                    levels,
                }
            }
            Self::Date { column: c } => ComparisonSpec {
                name: c.clone(),
                levels: vec![
                    null(c),
                    LevelSpec::new("exact", Pred::Exact(s(c))),
                    LevelSpec::new("day and month transposed", Pred::DateTransposed(s(c))),
                    LevelSpec::new("one character edit", Pred::Damerau(s(c), 1)),
                    LevelSpec::new("within 31 days", Pred::DateWithinDays(s(c), 31)),
                    LevelSpec::new("within 1 year", Pred::DateWithinDays(s(c), 366)),
                    els(),
                ],
            },
            Self::Postcode { column: c, tf } => ComparisonSpec {
                name: c.clone(),
                levels: vec![
                    null(c),
                    LevelSpec::new("exact", Pred::Exact(s(c))).tf(c, *tf),
                    LevelSpec::new("same sector", Pred::PostcodeSector(s(c))),
                    LevelSpec::new("one edit", Pred::Damerau(s(c), 1)),
                    LevelSpec::new("same district", Pred::PostcodeDistrict(s(c))),
                    LevelSpec::new("same area", Pred::PostcodeArea(s(c))),
                    els(),
                ],
            },
            Self::Text { column: c, tf } => ComparisonSpec {
                name: c.clone(),
                levels: vec![
                    null(c),
                    LevelSpec::new("exact", Pred::Exact(s(c))).tf(c, *tf),
                    LevelSpec::new("Jaro-Winkler >= 0.9", Pred::JaroWinkler(s(c), 0.9)),
                    LevelSpec::new("Jaro-Winkler >= 0.7", Pred::JaroWinkler(s(c), 0.7)),
                    els(),
                ],
            },
            Self::Identifier { column: c } => ComparisonSpec {
                name: c.clone(),
                levels: vec![
                    null(c),
                    LevelSpec::new("exact", Pred::Exact(s(c))),
                    LevelSpec::new("one edit", Pred::Damerau(s(c), 1)),
                    els(),
                ],
            },
            Self::Exact { column: c, tf } => ComparisonSpec {
                name: c.clone(),
                levels: vec![
                    null(c),
                    LevelSpec::new("exact", Pred::Exact(s(c))).tf(c, *tf),
                    els(),
                ],
            },
            Self::Number { column: c, within } => {
                let mut levels = vec![null(c), LevelSpec::new("exact", Pred::Exact(s(c)))];
                for w in within {
                    levels.push(LevelSpec::new(
                        &format!("within {w}"),
                        Pred::NumberWithin(s(c), *w),
                    ));
                }
                levels.push(els());
                ComparisonSpec {
                    name: c.clone(),
                    levels,
                }
            }
            Self::Dice {
                column: c,
                thresholds,
            } => {
                let t = if thresholds.is_empty() {
                    vec![1.0, 0.9, 0.8, 0.7, 0.6]
                } else {
                    thresholds.clone()
                };
                let mut levels = vec![null(c)];
                for x in t {
                    levels.push(LevelSpec::new(
                        &format!("Dice >= {x}"),
                        Pred::DiceAtLeast(s(c), x),
                    ));
                }
                levels.push(els());
                ComparisonSpec {
                    name: c.clone(),
                    levels,
                }
            }
        }
    }
}

/// A comparison compiled against a table.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    pub levels: Vec<CompiledLevel>,
}

#[derive(Debug, Clone)]
pub(crate) struct CompiledLevel {
    pub pred: Pred<usize>,
    pub null: bool,
    pub tf: Option<usize>,
    /// The condition resolved against the prepared values (set by [`Compiled::prepare`]).
    op: Option<Op>,
}

/// A condition resolved against prepared values: slots in the records' rows and the columns'
/// interned values are found once, not per pair. Conditions without a prepared form keep the
/// general evaluation.
#[derive(Debug, Clone)]
enum Op {
    True,
    False,
    /// Either slot value is 0 (missing text id or date).
    NullSlot(usize),
    /// Equal non-zero slot values (text id or packed date).
    ExactSlot(usize),
    /// Jaro-Winkler (`winkler`) or Jaro of a prepared text column at least `th`.
    Similar {
        slot: usize,
        col: usize,
        winkler: bool,
        th: f64,
    },
    /// Edit distance of a prepared text column at most `k`.
    TextEdit {
        slot: usize,
        col: usize,
        transpose: bool,
        k: u32,
    },
    /// Edit distance of two packed dates' digits at most `k`.
    DateEdit {
        slot: usize,
        transpose: bool,
        k: u32,
    },
    /// Alternative forenames.
    Alternatives {
        slot: usize,
        col: usize,
    },
    /// Values swapped between two prepared text columns.
    Swapped {
        s1: usize,
        c1: usize,
        s2: usize,
        c2: usize,
    },
    /// Day and month exchanged.
    DateTransposed(usize),
    /// Day numbers at most `days` apart.
    DaysWithin {
        slot: usize,
        days: u32,
    },
    /// Same postcode part (0 area, 1 district, 2 sector).
    PostcodePart {
        slot: usize,
        col: usize,
        part: usize,
    },
    And(Vec<Op>),
    Or(Vec<Op>),
    Not(Box<Op>),
    /// No prepared form: the general evaluation.
    General(Pred<usize>),
}

impl Op {
    fn compile(p: &Pred<usize>, t: &Table, prep: &Prepared) -> Self {
        let text = |c: usize| -> Option<(usize, &TextPrep)> {
            Some((prep.text_slot[c]?, prep.text[c].as_ref()?))
        };
        let date = |c: usize| prep.date_slot[c];
        let slot_of = |c: usize| text(c).map(|(s, _)| s).or_else(|| date(c));
        let general = || Self::General(p.clone());
        match p {
            Pred::Else => Self::True,
            Pred::Null(c) => slot_of(*c).map_or_else(general, Self::NullSlot),
            Pred::Exact(c) => slot_of(*c).map_or_else(general, Self::ExactSlot),
            Pred::JaroWinkler(c, th) | Pred::Jaro(c, th) => match text(*c) {
                Some((slot, _)) => Self::Similar {
                    slot,
                    col: *c,
                    winkler: matches!(p, Pred::JaroWinkler(..)),
                    th: *th,
                },
                None => general(),
            },
            Pred::Levenshtein(c, k) | Pred::Damerau(c, k) => {
                let transpose = matches!(p, Pred::Damerau(..));
                match (text(*c), date(*c), &t.columns[*c].data) {
                    (Some((slot, _)), _, _) => Self::TextEdit {
                        slot,
                        col: *c,
                        transpose,
                        k: *k,
                    },
                    (None, Some(slot), ColumnData::Date(_)) => Self::DateEdit {
                        slot,
                        transpose,
                        k: *k,
                    },
                    _ => general(),
                }
            }
            Pred::Alternatives(c) => match text(*c) {
                Some((slot, x)) if !x.nicknames.is_empty() => Self::Alternatives { slot, col: *c },
                _ => general(),
            },
            Pred::Swapped(c1, c2) => match (text(*c1), text(*c2)) {
                (Some((s1, _)), Some((s2, _))) => Self::Swapped {
                    s1,
                    c1: *c1,
                    s2,
                    c2: *c2,
                },
                _ => general(),
            },
            Pred::DateTransposed(c) => date(*c).map_or(Self::False, Self::DateTransposed),
            Pred::DateWithinDays(c, days) => match prep.days_slot[*c] {
                Some(slot) => Self::DaysWithin { slot, days: *days },
                None => general(),
            },
            Pred::PostcodeSector(c) | Pred::PostcodeDistrict(c) | Pred::PostcodeArea(c) => {
                let part = match p {
                    Pred::PostcodeSector(_) => 2,
                    Pred::PostcodeDistrict(_) => 1,
                    _ => 0,
                };
                match text(*c) {
                    Some((slot, x)) if !x.postcode.is_empty() => Self::PostcodePart {
                        slot,
                        col: *c,
                        part,
                    },
                    _ => general(),
                }
            }
            Pred::And(v) => Self::And(v.iter().map(|q| Self::compile(q, t, prep)).collect()),
            Pred::Or(v) => Self::Or(v.iter().map(|q| Self::compile(q, t, prep)).collect()),
            Pred::Not(q) => Self::Not(Box::new(Self::compile(q, t, prep))),
            _ => general(),
        }
    }
}

/// The prepared text of column `c` (present by construction of the [`Op`]).
#[inline]
fn text_prep<'a>(cx: &Ctx<'a>, c: usize) -> &'a TextPrep {
    cx.p.text[c]
        .as_ref()
        .unwrap_or_else(|| unreachable!("ops are compiled only for prepared text columns"))
}

/// Evaluates a prepared condition.
fn run(op: &Op, cx: &Ctx<'_>, pr: &PairRef<'_>, memo: &mut Memo) -> bool {
    match op {
        Op::True => true,
        Op::False => false,
        Op::NullSlot(s) => pr.ra[*s] == 0 || pr.rb[*s] == 0,
        Op::ExactSlot(s) => {
            let (i, j) = (pr.ra[*s], pr.rb[*s]);
            i != 0 && i == j
        }
        Op::Similar {
            slot,
            col,
            winkler,
            th,
        } => {
            let (i, j) = (pr.ra[*slot], pr.rb[*slot]);
            if i == 0 || j == 0 {
                return false;
            }
            let sim = if i == j {
                1.0
            } else {
                memo.get((*col as u32, if *winkler { JW } else { JARO }, 0), || {
                    text_prep(cx, *col).similarity(i, j, *winkler)
                })
            };
            sim >= *th
        }
        Op::TextEdit {
            slot,
            col,
            transpose,
            k,
        } => {
            let (i, j) = (pr.ra[*slot], pr.rb[*slot]);
            if i == 0 || j == 0 {
                return false;
            }
            i == j
                || memo.get(
                    (*col as u32, if *transpose { DAMERAU } else { LEV }, *k),
                    || {
                        let x = text_prep(cx, *col);
                        let within = if *transpose {
                            damerau_within
                        } else {
                            levenshtein_within
                        };
                        f64::from(u8::from(within(x.value(i), x.value(j), *k as usize)))
                    },
                ) > 0.5
        }
        Op::DateEdit { slot, transpose, k } => {
            let (x, y) = (pr.ra[*slot], pr.rb[*slot]);
            x != 0 && y != 0 && (x == y || date_edit_within(x, y, *transpose, *k as usize))
        }
        Op::Alternatives { slot, col } => {
            let (i, j) = (pr.ra[*slot], pr.rb[*slot]);
            if i == 0 || j == 0 {
                return false;
            }
            let x = text_prep(cx, *col);
            i == j
                || match (x.nicknames[i as usize], x.nicknames[j as usize]) {
                    (Some(g), Some(h)) => g.iter().any(|q| h.contains(q)),
                    _ => false,
                }
        }
        Op::Swapped { s1, c1, s2, c2 } => {
            let (x1, x2, y1, y2) = (pr.ra[*s1], pr.rb[*s1], pr.ra[*s2], pr.rb[*s2]);
            if x1 == 0 || x2 == 0 || y1 == 0 || y2 == 0 || x1 == x2 {
                return false;
            }
            let (x, y) = (text_prep(cx, *c1), text_prep(cx, *c2));
            x.value(x1) == y.value(y2) && y.value(y1) == x.value(x2)
        }
        Op::DateTransposed(s) => {
            let (x, y) = (pr.ra[*s], pr.rb[*s]);
            x != 0 && y != 0 && x != y && {
                let swap = |v: u32| (v / 10_000) * 10_000 + (v % 100) * 100 + (v / 100) % 100;
                swap(x) == y
            }
        }
        Op::DaysWithin { slot, days } => {
            let (x, y) = (pr.ra[*slot].cast_signed(), pr.rb[*slot].cast_signed());
            x != i32::MIN && y != i32::MIN && (x - y).unsigned_abs() <= *days
        }
        Op::PostcodePart { slot, col, part } => {
            let (i, j) = (pr.ra[*slot], pr.rb[*slot]);
            if i == 0 || j == 0 {
                return false;
            }
            let x = text_prep(cx, *col);
            let (pi, pj) = (x.postcode[i as usize][*part], x.postcode[j as usize][*part]);
            pi != 0 && pi == pj
        }
        Op::And(v) => v.iter().all(|q| run(q, cx, pr, memo)),
        Op::Or(v) => v.iter().any(|q| run(q, cx, pr, memo)),
        Op::Not(q) => !run(q, cx, pr, memo),
        Op::General(p) => eval(p, cx, pr, memo),
    }
}

/// Whether two packed dates' eight digits are within `k` edits.
fn date_edit_within(x: u32, y: u32, transpose: bool, k: usize) -> bool {
    let (dx, dy) = (date_digits(x), date_digits(y));
    if k == 1 {
        // Same length: one substitution, or (with `transpose`) one adjacent transposition.
        let mut diff = [0usize; 3];
        let mut n = 0;
        for i in 0..8 {
            if dx[i] != dy[i] {
                if n == 2 {
                    return false;
                }
                diff[n] = i;
                n += 1;
            }
        }
        let (a, b) = (diff[0], diff[1]);
        return n < 2 || (transpose && b == a + 1 && dx[a] == dy[b] && dx[b] == dy[a]);
    }
    let within = if transpose {
        damerau_within
    } else {
        levenshtein_within
    };
    match (std::str::from_utf8(&dx), std::str::from_utf8(&dy)) {
        (Ok(sx), Ok(sy)) => within(sx, sy, k),
        _ => false,
    }
}

impl Compiled {
    pub(crate) fn new(table: &Table, spec: &ComparisonSpec) -> Result<Self, LinkageError> {
        if spec.levels.is_empty() || spec.levels.len() > 15 {
            return Err(LinkageError::Settings(format!(
                "comparison `{}` must have between 1 and 15 levels",
                spec.name
            )));
        }
        let mut resolve = |c: &String| {
            table
                .column_index(c)
                .ok_or_else(|| LinkageError::UnknownColumn {
                    column: c.clone(),
                    context: format!("comparison `{}`", spec.name),
                })
        };
        let levels = spec
            .levels
            .iter()
            .map(|l| {
                Ok(CompiledLevel {
                    pred: l.when.try_map(&mut resolve)?,
                    null: l.null,
                    tf: l.tf_column.as_ref().map(&mut resolve).transpose()?,
                    op: None,
                })
            })
            .collect::<Result<Vec<_>, LinkageError>>()?;
        Ok(Self { levels })
    }

    /// Resolves the levels' conditions against the prepared values.
    pub(crate) fn prepare(&mut self, table: &Table, prep: &Prepared) {
        for l in &mut self.levels {
            l.op = Some(Op::compile(&l.pred, table, prep));
        }
    }

    /// The level index for the pair (the last level when none holds).
    #[inline]
    pub(crate) fn level(&self, cx: &Ctx<'_>, pr: &PairRef<'_>, memo: &mut Memo) -> u8 {
        // Similarities are shared by one comparison's levels; a fresh memo per comparison
        // keeps its search short.
        memo.clear();
        for (k, l) in self.levels.iter().enumerate() {
            let holds = match &l.op {
                Some(op) => run(op, cx, pr, memo),
                None => eval(&l.pred, cx, pr, memo),
            };
            if holds {
                return k as u8;
            }
        }
        (self.levels.len() - 1) as u8
    }

    /// Records what each column is used for, so that it can be prepared.
    pub(crate) fn needs(&self, table: &Table, needs: &mut [Need]) {
        for l in &self.levels {
            pred_needs(&l.pred, table, needs);
            if let Some(c) = l.tf
                && matches!(table.columns[c].data, ColumnData::Text(_))
            {
                needs[c].text = true;
            }
        }
    }
}

fn pred_needs(p: &Pred<usize>, table: &Table, needs: &mut [Need]) {
    let is_text = |c: usize| matches!(table.columns[c].data, ColumnData::Text(_));
    match p {
        Pred::JaroWinkler(c, th) => {
            needs[*c].text |= is_text(*c);
            needs[*c].jw_min = Some(needs[*c].jw_min.map_or(*th, |m| m.min(*th)));
        }
        Pred::Jaro(c, th) => {
            needs[*c].text |= is_text(*c);
            needs[*c].jaro_min = Some(needs[*c].jaro_min.map_or(*th, |m| m.min(*th)));
        }
        Pred::Null(c) | Pred::Exact(c) | Pred::Levenshtein(c, _) | Pred::Damerau(c, _) => {
            needs[*c].text |= is_text(*c)
        }
        Pred::CrossExact(a, b) | Pred::Swapped(a, b) => {
            needs[*a].text |= is_text(*a);
            needs[*b].text |= is_text(*b);
        }
        Pred::Alternatives(c) => {
            needs[*c].text |= is_text(*c);
            needs[*c].nicknames |= is_text(*c);
        }
        Pred::PostcodeSector(c) | Pred::PostcodeDistrict(c) | Pred::PostcodeArea(c) => {
            needs[*c].text |= is_text(*c);
            needs[*c].postcode |= is_text(*c);
        }
        Pred::DateWithinDays(c, _) => needs[*c].days = true,
        Pred::And(v) | Pred::Or(v) => v.iter().for_each(|q| pred_needs(q, table, needs)),
        Pred::Not(q) => pred_needs(q, table, needs),
        Pred::Else
        | Pred::DateTransposed(_)
        | Pred::NumberWithin(..)
        | Pred::NumberWithinPercent(..)
        | Pred::DiceAtLeast(..) => {}
    }
}

/// A table and its prepared columns.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ctx<'a> {
    pub t: &'a Table,
    pub p: &'a Prepared,
}

/// Two records and their prepared rows.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PairRef<'a> {
    pub a: usize,
    pub b: usize,
    ra: &'a [u32],
    rb: &'a [u32],
}

impl<'a> Ctx<'a> {
    /// The pair `a`, `b`.
    #[inline]
    pub(crate) fn pair(&self, a: usize, b: usize) -> PairRef<'a> {
        PairRef {
            a,
            b,
            ra: self.p.row(a),
            rb: self.p.row(b),
        }
    }
}

fn text<'t>(t: &'t Table, c: usize, i: usize) -> std::borrow::Cow<'t, str> {
    t.columns[c].text(i)
}

/// The eight digits of a packed date.
fn date_digits(v: u32) -> [u8; 8] {
    let mut out = [b'0'; 8];
    let mut x = v;
    for d in out.iter_mut().rev() {
        *d = b'0' + (x % 10) as u8;
        x /= 10;
    }
    out
}

const JW: u8 = 0;
const JARO: u8 = 1;
const LEV: u8 = 2;
const DAMERAU: u8 = 3;
const DICE: u8 = 4;

/// Evaluates a compiled condition for records `a` and `b`.
pub(crate) fn eval(p: &Pred<usize>, cx: &Ctx<'_>, pr: &PairRef<'_>, memo: &mut Memo) -> bool {
    let v = Pair {
        t: cx.t,
        p: cx.p,
        a: pr.a,
        b: pr.b,
        ra: pr.ra,
        rb: pr.rb,
    };
    match p {
        Pred::Else => true,
        Pred::Null(c) => v.either_null(*c),
        Pred::Exact(c) => v.exact(*c),
        Pred::CrossExact(c1, c2) => {
            !v.t.columns[*c1].is_null(v.a)
                && !v.t.columns[*c2].is_null(v.b)
                && text(v.t, *c1, v.a) == text(v.t, *c2, v.b)
        }
        Pred::JaroWinkler(c, th) => v.jaro(*c, *th, true, memo),
        Pred::Jaro(c, th) => v.jaro(*c, *th, false, memo),
        Pred::Levenshtein(c, k) => v.within_edits(*c, *k as usize, false, memo),
        Pred::Damerau(c, k) => v.within_edits(*c, *k as usize, true, memo),
        Pred::Alternatives(c) => v.alternatives(*c),
        Pred::Swapped(c1, c2) => v.swapped(*c1, *c2),
        Pred::DateTransposed(c) => match v.dates(*c) {
            Some((x, y)) => {
                x != 0 && y != 0 && x != y && {
                    let swap = |v: u32| (v / 10_000) * 10_000 + (v % 100) * 100 + (v / 100) % 100;
                    swap(x) == y
                }
            }
            _ => false,
        },
        Pred::DateWithinDays(c, days) => v.date_within_days(*c, *days),
        Pred::PostcodeSector(c) => v.postcode(*c, 2),
        Pred::PostcodeDistrict(c) => v.postcode(*c, 1),
        Pred::PostcodeArea(c) => v.postcode(*c, 0),
        Pred::NumberWithin(c, w) => v.number_within(*c, |d, _, _| d <= *w),
        Pred::NumberWithinPercent(c, w) => {
            v.number_within(*c, |d, x, y| d <= w / 100.0 * x.abs().max(y.abs()))
        }
        Pred::DiceAtLeast(c, th) => match &v.t.columns[*c].data {
            ColumnData::Bits(bits) => match (bits.get(v.a), bits.get(v.b)) {
                (Some(x), Some(y)) => memo.get((*c as u32, DICE, 0), || dice(x, y)) >= *th,
                _ => false,
            },
            _ => false,
        },
        Pred::And(q) => q.iter().all(|q| eval(q, cx, pr, memo)),
        Pred::Or(q) => q.iter().any(|q| eval(q, cx, pr, memo)),
        Pred::Not(q) => !eval(q, cx, pr, memo),
    }
}

/// Records `a` and `b` of a table, with their prepared rows: what [`eval`]'s conditions read.
#[derive(Clone, Copy)]
struct Pair<'c> {
    t: &'c Table,
    p: &'c Prepared,
    a: usize,
    b: usize,
    ra: &'c [u32],
    rb: &'c [u32],
}

/// Interned ids of a prepared column, `None` when either is missing.
#[inline]
fn ids((i, j): (u32, u32)) -> Option<(u32, u32)> {
    (i != 0 && j != 0).then_some((i, j))
}

impl<'c> Pair<'c> {
    /// A prepared text column and the two records' interned ids (0 when missing).
    #[inline]
    fn prep(&self, c: usize) -> Option<(&'c TextPrep, (u32, u32))> {
        let s = self.p.text_slot[c]?;
        Some((self.p.text[c].as_ref()?, (self.ra[s], self.rb[s])))
    }

    /// Two packed dates.
    #[inline]
    fn dates(&self, c: usize) -> Option<(u32, u32)> {
        self.p.date_slot[c].map(|s| (self.ra[s], self.rb[s]))
    }

    /// Whether either record's value in column `c` is missing.
    fn either_null(&self, c: usize) -> bool {
        if let Some((_, (i, j))) = self.prep(c) {
            i == 0 || j == 0
        } else if let Some((x, y)) = self.dates(c) {
            x == 0 || y == 0
        } else {
            self.t.columns[c].is_null(self.a) || self.t.columns[c].is_null(self.b)
        }
    }

    /// The two records' texts in column `c`.
    fn texts(&self, c: usize) -> (std::borrow::Cow<'c, str>, std::borrow::Cow<'c, str>) {
        (text(self.t, c, self.a), text(self.t, c, self.b))
    }

    fn exact(&self, c: usize) -> bool {
        let (a, b) = (self.a, self.b);
        match (self.prep(c), self.dates(c)) {
            (Some((_, ij)), _) => ids(ij).is_some_and(|(i, j)| i == j),
            (None, Some((x, y))) => x != 0 && x == y,
            (None, None) => {
                !self.either_null(c)
                    && match &self.t.columns[c].data {
                        ColumnData::Text(x) => x.raw(a) == x.raw(b),
                        ColumnData::Date(x) => x[a] == x[b],
                        ColumnData::Number(x) => x[a] == x[b],
                        ColumnData::Bits(x) => x.get(a) == x.get(b),
                    }
            }
        }
    }

    /// Jaro-Winkler (or Jaro) similarity at least `th`.
    fn jaro(&self, c: usize, th: f64, winkler: bool, memo: &mut Memo) -> bool {
        let f = if winkler { jaro_winkler } else { jaro };
        match self.prep(c) {
            Some((x, ij)) => ids(ij).is_some_and(|(i, j)| {
                let sim = if i == j {
                    1.0
                } else {
                    memo.get((c as u32, if winkler { JW } else { JARO }, 0), || {
                        x.similarity(i, j, winkler)
                    })
                };
                sim >= th
            }),
            None => {
                !self.either_null(c) && {
                    let (x, y) = self.texts(c);
                    f(&x, &y) >= th
                }
            }
        }
    }

    /// Within `k` edits, counting a transposition as one edit when `transpose`.
    fn within_edits(&self, c: usize, k: usize, transpose: bool, memo: &mut Memo) -> bool {
        let within = if transpose {
            damerau_within
        } else {
            levenshtein_within
        };
        match (self.prep(c), &self.t.columns[c].data) {
            (Some((x, ij)), _) => ids(ij).is_some_and(|(i, j)| {
                i == j
                    || memo.get(
                        (c as u32, if transpose { DAMERAU } else { LEV }, k as u32),
                        || f64::from(u8::from(within(x.value(i), x.value(j), k))),
                    ) > 0.5
            }),
            (None, ColumnData::Date(_)) => {
                let (x, y) = self.dates(c).unwrap_or((0, 0));
                x != 0 && y != 0 && {
                    let (dx, dy) = (date_digits(x), date_digits(y));
                    match (std::str::from_utf8(&dx), std::str::from_utf8(&dy)) {
                        (Ok(sx), Ok(sy)) => within(sx, sy, k),
                        _ => false,
                    }
                }
            }
            (None, _) => {
                !self.either_null(c) && {
                    let (x, y) = self.texts(c);
                    within(&x, &y, k)
                }
            }
        }
    }

    /// The two values are alternatives (nicknames) of each other.
    fn alternatives(&self, c: usize) -> bool {
        match self.prep(c) {
            Some((x, ij)) if !x.nicknames.is_empty() => ids(ij).is_some_and(|(i, j)| {
                i == j
                    || match (x.nicknames[i as usize], x.nicknames[j as usize]) {
                        (Some(g), Some(h)) => g.iter().any(|q| h.contains(q)),
                        _ => false,
                    }
            }),
            _ => {
                !self.either_null(c) && {
                    let (x, y) = self.texts(c);
                    are_alternatives(&x, &y)
                }
            }
        }
    }

    /// Columns `c1` and `c2` are swapped between the records.
    fn swapped(&self, c1: usize, c2: usize) -> bool {
        let (t, a, b) = (self.t, self.a, self.b);
        match (self.prep(c1), self.prep(c2)) {
            (Some((x, xij)), Some((y, yij))) => match (ids(xij), ids(yij)) {
                (Some((x1, x2)), Some((y1, y2))) => {
                    x1 != x2 && x.value(x1) == y.value(y2) && y.value(y1) == x.value(x2)
                }
                _ => false,
            },
            _ => {
                !self.either_null(c1)
                    && !self.either_null(c2)
                    && text(t, c1, a) == text(t, c2, b)
                    && text(t, c2, a) == text(t, c1, b)
                    && text(t, c1, a) != text(t, c1, b)
            }
        }
    }

    fn date_within_days(&self, c: usize, days: u32) -> bool {
        match (self.p.days_slot[c], &self.t.columns[c].data) {
            (Some(s), _) => {
                let (x, y) = (self.ra[s].cast_signed(), self.rb[s].cast_signed());
                x != i32::MIN && y != i32::MIN && (x - y).unsigned_abs() <= days
            }
            (None, ColumnData::Date(d)) => match (Date::unpack(d[self.a]), Date::unpack(d[self.b]))
            {
                (Some(x), Some(y)) => (x.days() - y.days()).unsigned_abs() <= u64::from(days),
                _ => false,
            },
            _ => false,
        }
    }

    /// The same postcode part: 2 sector, 1 district, 0 area.
    fn postcode(&self, c: usize, part: usize) -> bool {
        match self.prep(c) {
            Some((x, ij)) if !x.postcode.is_empty() => ids(ij).is_some_and(|(i, j)| {
                let (pi, pj) = (x.postcode[i as usize][part], x.postcode[j as usize][part]);
                pi != 0 && pi == pj
            }),
            _ => {
                if self.either_null(c) {
                    return false;
                }
                let (x, y) = self.texts(c);
                match (postcode_parts(&x), postcode_parts(&y)) {
                    (Some(px), Some(py)) => match part {
                        2 => px.sector == py.sector,
                        1 => px.district == py.district,
                        _ => px.area == py.area,
                    },
                    _ => false,
                }
            }
        }
    }

    /// Two numbers (neither NaN) whose distance `close(distance, x, y)` accepts.
    fn number_within(&self, c: usize, close: impl Fn(f64, f64, f64) -> bool) -> bool {
        match &self.t.columns[c].data {
            ColumnData::Number(n) => {
                let (x, y) = (n[self.a], n[self.b]);
                if x.is_nan() || y.is_nan() {
                    return false;
                }
                close((x - y).abs(), x, y)
            }
            _ => false,
        }
    }
}

/// Dice coefficient of two bit sets.
#[must_use]
pub fn dice(a: &[u64], b: &[u64]) -> f64 {
    let (mut inter, mut total) = (0u32, 0u32);
    for (x, y) in a.iter().zip(b) {
        inter += (x & y).count_ones();
        total += x.count_ones() + y.count_ones();
    }
    if total == 0 {
        0.0
    } else {
        2.0 * f64::from(inter) / f64::from(total)
    }
}
