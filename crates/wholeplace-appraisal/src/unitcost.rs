//! The unit-cost library: the GMCA Unit Cost Database v1.4 as shipped, with every field kept, the
//! flags the engine derives from it (transfer payments, headline/constituent relations, data age),
//! partners' local unit costs that can override a national code, search and lookup.
//!
//! ## How transfer payments are derived (the rule, in order)
//! A *transfer payment* moves money without using resources (a social security benefit not paid,
//! tax received). It is a fiscal saving but not public value. For each entry:
//! 1. **Constituent split.** If the entry has constituent lines `X.Y.n` whose fiscal values are in
//!    the same price year and add up to the headline's fiscal value (within 0.5%), the fiscal value
//!    is split into one part per constituent (the agency that gains each part is the constituent's
//!    Level 1 agency) and each part is a transfer by rule 2. E&E1.0's £9,800 splits into £9,234
//!    (E&E1.0.1, DWP: transfer) and £566 (E&E1.0.2, NHS: not a transfer).
//! 2. **Agency rule.** A value whose Level 1 agency is DWP, HM Revenue and Customs or HM Treasury
//!    (benefit payments, tax credits, tax receipts) is a transfer, unless its unit is an
//!    administrative one (per claim, per customer, per application, per FTE): the cost of
//!    processing a claim or of an adviser uses real resources.
//! 3. **Stated public value.** If neither rule applies and the database's comment says
//!    "Total public value is therefore £N", the transfer is fiscal + economic + social - N.
//!
//! Every entry records which rule set its share (`transfer_rule`). A test checks that rules 1 and 2
//! agree with every public value the database states in its comments.

use crate::csvtext;
use crate::price::Priced;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use wholeplace_domain::FinancialYear;

/// The shipped Unit Cost Database v1.4 as CSV.
pub const SHIPPED_UNIT_COSTS_CSV: &str =
    include_str!("../../../data/gmca-unit-cost-database/unit-costs.csv");

/// The version recorded for the shipped library.
pub const SHIPPED_LIBRARY_VERSION: &str =
    "Unit Cost Database v1.4 (March 2015), New Economy / GMCA";

/// The attribution to show wherever values from the database are shown.
pub const ATTRIBUTION: &str = "Unit costs from the Unit Cost Database v1.4, New Economy / Greater Manchester Combined Authority, CC BY 4.0";

/// Why a library could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LibraryError {
    /// A problem in a given line.
    #[error("line {line}: {message}")]
    Line {
        /// 1-based line number.
        line: usize,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// A problem with the file as a whole.
    #[error("{0}")]
    File(String),
}

/// Which rule set an entry's transfer share (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TransferRule {
    /// No fiscal value, or nothing marks it as a transfer.
    None,
    /// Rule 1: split by constituents.
    ConstituentSplit,
    /// Rule 2: the bearing agency pays benefits or collects tax.
    Agency,
    /// Rule 3: computed from the public value stated in the comment.
    StatedPublicValue,
    /// Set by a local unit cost's author.
    Declared,
}

/// One part of an entry's fiscal value: who gains it and whether it is a transfer payment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FiscalPart {
    /// The agency that bears the cost (and gains the saving).
    pub agency: String,
    /// The constituent code the part comes from, if split.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_code: Option<String>,
    /// The part's value in the entry's fiscal price year.
    pub value: Priced,
    /// Whether the part is a transfer payment.
    pub transfer: bool,
}

/// Where an entry comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Origin {
    /// A national library, by version.
    National {
        /// Library version.
        version: String,
    },
    /// A partner's own estimate.
    Local {
        /// Who provided it.
        partner: String,
        /// Confidence grade 1..6.
        grade: u8,
        /// The national code it replaces, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        overrides: Option<String>,
    },
}

/// One unit cost with every field of the database and the flags derived from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitCost {
    /// The cost code, e.g. `CR1.0`.
    pub code: String,
    /// The theme (worksheet), e.g. Crime.
    pub theme: String,
    /// Outcome category.
    pub category: String,
    /// Outcome detail.
    pub detail: String,
    /// What is counted.
    pub description: String,
    /// Per what.
    pub unit: String,
    /// Bearing agency, Level 1.
    pub agency_level1: String,
    /// Bearing agency, Level 2.
    pub agency_level2: String,
    /// Fiscal value (cost or saving to the public sector).
    pub fiscal: Option<Priced>,
    /// Economic value.
    pub economic: Option<Priced>,
    /// Social value.
    pub social: Option<Priced>,
    /// The original publication.
    pub source: String,
    /// Robustness rating G, A or R.
    pub rag: String,
    /// The database's guidance.
    pub comment: String,
    /// The fiscal value split by gaining agency (one part unless rule 1 split it).
    pub fiscal_parts: Vec<FiscalPart>,
    /// Share of the fiscal value that is a transfer payment (0..1).
    pub transfer_share: f64,
    /// Which rule set the share.
    pub transfer_rule: TransferRule,
    /// The headline this entry is a constituent of (`X.Y` for `X.Y.Z`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headline: Option<String>,
    /// Constituents of this headline.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub constituents: Vec<String>,
    /// The sentence of the comment saying what the value already includes, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub includes_note: Option<String>,
    /// National or local.
    pub origin: Origin,
}

impl UnitCost {
    /// The newest price year among the entry's values.
    pub fn newest_price_year(&self) -> Option<FinancialYear> {
        [self.fiscal, self.economic, self.social]
            .iter()
            .flatten()
            .map(|p| p.price_year)
            .max()
    }

    /// Years between the oldest of the entry's values and `as_of` (the caller's reference year:
    /// the engine reads no clock).
    pub fn age_years(&self, as_of: FinancialYear) -> Option<i32> {
        [self.fiscal, self.economic, self.social]
            .iter()
            .flatten()
            .map(|p| p.price_year)
            .min()
            .map(|y| y.years_until(as_of))
    }

    /// The public value (fiscal minus transfers, plus economic and social), each in its own price
    /// year; `None` if the years differ (uprate first).
    pub fn public_value_same_year(&self) -> Option<Priced> {
        let mut parts = Vec::new();
        if let Some(f) = self.fiscal {
            parts.push(f.scale(1.0 - self.transfer_share));
        }
        parts.extend(self.economic);
        parts.extend(self.social);
        let first = *parts.first()?;
        parts[1..]
            .iter()
            .try_fold(first, |acc, p| acc.checked_add(*p).ok())
    }

    /// Why `other` must not be added to this entry for the same event, if it must not.
    pub fn double_counts_with(&self, other: &UnitCost) -> Option<String> {
        if self.code == other.code {
            return Some(format!("{} is used twice", self.code));
        }
        if other.headline.as_deref() == Some(self.code.as_str()) {
            return Some(format!(
                "{} is a constituent of the headline {} (which already includes it)",
                other.code, self.code
            ));
        }
        if self.headline.as_deref() == Some(other.code.as_str()) {
            return Some(format!(
                "{} is a constituent of the headline {} (which already includes it)",
                self.code, other.code
            ));
        }
        if let Some(note) = &self.includes_note {
            let n = note.to_ascii_lowercase();
            if (n.contains("includes the cost of crime") || n.contains("criminal justice"))
                && other.theme == "Crime"
                && other.detail != self.detail
            {
                return Some(format!(
                    "{} already includes the cost of crimes and the criminal-justice response ('{}'), so {} must not be added for the same incident",
                    self.code, note, other.code
                ));
            }
        }
        None
    }
}

/// A partner's own unit cost, as entered in a model file or a partner CSV.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalUnitCost {
    /// A code of the partner's choosing, or a national code to override it.
    pub code: String,
    /// What is counted.
    pub description: String,
    /// Per what.
    #[serde(default)]
    pub unit: String,
    /// Theme (free text; defaults to "Local").
    #[serde(default)]
    pub theme: String,
    /// The agency that bears the fiscal cost.
    pub agency: String,
    /// Fiscal value in pounds.
    #[serde(default)]
    pub fiscal: Option<f64>,
    /// Economic value in pounds.
    #[serde(default)]
    pub economic: Option<f64>,
    /// Social value in pounds.
    #[serde(default)]
    pub social: Option<f64>,
    /// Price year of the values, e.g. "2014/15".
    pub price_year: FinancialYear,
    /// Share of the fiscal value that is a transfer payment (default 0).
    #[serde(default)]
    pub transfer_share: f64,
    /// Where the figure comes from.
    pub source: String,
    /// Confidence grade 1 (best) .. 6 (worst).
    pub grade: u8,
    /// Who provided it.
    #[serde(default)]
    pub partner: String,
    /// The national code it replaces for this partnership, if any.
    #[serde(default)]
    pub overrides: Option<String>,
}

impl LocalUnitCost {
    /// Checks rates and grade; every problem at once.
    pub fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        if self.code.trim().is_empty() {
            p.push("code is empty: give the unit cost a code such as LOCAL-1".into());
        }
        if !(1..=6).contains(&self.grade) {
            p.push(format!(
                "grade {} is not a confidence grade: use 1 (audited local data) to 6 (expert judgement)",
                self.grade
            ));
        }
        if !(0.0..=1.0).contains(&self.transfer_share) {
            p.push(format!(
                "transfer_share {} is outside 0..1: write it as a fraction",
                self.transfer_share
            ));
        }
        if self.fiscal.is_none() && self.economic.is_none() && self.social.is_none() {
            p.push("no value: give at least one of fiscal, economic, social".into());
        }
        for (k, v) in [
            ("fiscal", self.fiscal),
            ("economic", self.economic),
            ("social", self.social),
        ] {
            if v.is_some_and(|v| !v.is_finite()) {
                p.push(format!("{k} is not a finite number"));
            }
        }
        p
    }

    fn to_unit_cost(&self) -> UnitCost {
        let y = self.price_year;
        let fiscal = self.fiscal.map(|v| Priced::new(v, y));
        let fiscal_parts = fiscal
            .map(|f| {
                let mut parts = Vec::new();
                let t = self.transfer_share;
                if t < 1.0 {
                    parts.push(FiscalPart {
                        agency: self.agency.clone(),
                        from_code: None,
                        value: f.scale(1.0 - t),
                        transfer: false,
                    });
                }
                if t > 0.0 {
                    parts.push(FiscalPart {
                        agency: self.agency.clone(),
                        from_code: None,
                        value: f.scale(t),
                        transfer: true,
                    });
                }
                parts
            })
            .unwrap_or_default();
        UnitCost {
            code: self.code.clone(),
            theme: if self.theme.is_empty() {
                "Local".into()
            } else {
                self.theme.clone()
            },
            category: String::new(),
            detail: String::new(),
            description: self.description.clone(),
            unit: self.unit.clone(),
            agency_level1: self.agency.clone(),
            agency_level2: String::new(),
            fiscal,
            economic: self.economic.map(|v| Priced::new(v, y)),
            social: self.social.map(|v| Priced::new(v, y)),
            source: self.source.clone(),
            rag: String::new(),
            comment: String::new(),
            fiscal_parts,
            transfer_share: self.transfer_share,
            transfer_rule: if self.transfer_share > 0.0 {
                TransferRule::Declared
            } else {
                TransferRule::None
            },
            headline: None,
            constituents: Vec::new(),
            includes_note: None,
            origin: Origin::Local {
                partner: self.partner.clone(),
                grade: self.grade,
                overrides: self.overrides.clone(),
            },
        }
    }
}

/// What to search for.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Query {
    /// Words that must all appear (in code, description, category, detail, unit or comment).
    pub text: String,
    /// Theme to restrict to (case-insensitive substring).
    pub theme: Option<String>,
    /// Agency to restrict to (Level 1 or 2, case-insensitive substring).
    pub agency: Option<String>,
}

/// A library of unit costs with its version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitCostLibrary {
    /// The library version recorded in every appraisal.
    pub version: String,
    /// The entries, in file order (local entries after national ones).
    pub entries: Vec<UnitCost>,
    #[serde(skip)]
    by_code: HashMap<String, usize>,
}

const HEADER: [&str; 17] = [
    "code",
    "theme",
    "outcome_category",
    "outcome_detail",
    "description",
    "unit",
    "agency_level1",
    "agency_level2",
    "fiscal_value",
    "fiscal_price_year",
    "economic_value",
    "economic_price_year",
    "social_value",
    "social_price_year",
    "source",
    "rag",
    "comment",
];

fn is_transfer_agency(agency: &str) -> bool {
    let a = agency.trim().to_ascii_lowercase();
    a == "dwp" || a == "hm revenue and customs" || a == "hmrc" || a == "hm treasury"
}

fn is_admin_unit(unit: &str) -> bool {
    let u = unit.to_ascii_lowercase();
    let mut words = u.split_whitespace();
    words.next() == Some("per")
        && words
            .next()
            .is_some_and(|w| ["claim", "customer", "application", "fte"].contains(&w))
}

fn stated_public_value(comment: &str) -> Option<f64> {
    let key = "total public value is therefore £";
    let lower = comment.to_ascii_lowercase();
    let i = lower.find(key)? + key.len();
    let digits: String = comment[i..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',' || *c == '.')
        .filter(|c| *c != ',')
        .collect();
    digits.trim_end_matches('.').parse().ok()
}

fn includes_sentence(comment: &str) -> Option<String> {
    comment
        .split(". ")
        .find(|s| {
            let l = s.to_ascii_lowercase();
            l.contains("this cost includes") || l.contains("cost includes the cost")
        })
        .map(|s| s.trim().trim_end_matches('.').to_owned())
}

impl UnitCostLibrary {
    /// The shipped GMCA Unit Cost Database v1.4.
    pub fn shipped() -> Result<Self, LibraryError> {
        Self::from_csv(SHIPPED_LIBRARY_VERSION, SHIPPED_UNIT_COSTS_CSV)
    }

    /// Reads a library in the shipped CSV shape (17 columns, see the data README).
    pub fn from_csv(version: &str, text: &str) -> Result<Self, LibraryError> {
        let records = csvtext::parse(text).map_err(LibraryError::File)?;
        let Some(header) = records.first() else {
            return Err(LibraryError::File("the file is empty".into()));
        };
        let names: Vec<String> = header
            .fields
            .iter()
            .map(|h| h.trim().to_ascii_lowercase())
            .collect();
        let mut col = [0usize; 17];
        for (i, h) in HEADER.iter().enumerate() {
            col[i] = names
                .iter()
                .position(|n| n == h)
                .ok_or_else(|| LibraryError::Line {
                    line: 1,
                    message: format!(
                        "the header has no '{h}' column; the header must be: {}",
                        HEADER.join(",")
                    ),
                })?;
        }
        let mut entries = Vec::with_capacity(records.len());
        for r in &records[1..] {
            let get = |i: usize| {
                r.fields
                    .get(col[i])
                    .map(|s| s.trim().to_owned())
                    .unwrap_or_default()
            };
            let line = r.line;
            let value =
                |vi: usize, yi: usize, what: &str| -> Result<Option<Priced>, LibraryError> {
                    let v = get(vi);
                    if v.is_empty() {
                        return Ok(None);
                    }
                    let n: f64 =
                        v.replace([',', '£'], "")
                            .parse()
                            .map_err(|_| LibraryError::Line {
                                line,
                                message: format!("{what} value '{v}' is not a number"),
                            })?;
                    let y: FinancialYear = get(yi).parse().map_err(|e| LibraryError::Line {
                        line,
                        message: format!("{what} price year: {e}"),
                    })?;
                    Ok(Some(Priced::new(n, y)))
                };
            let code = get(0);
            if code.is_empty() {
                return Err(LibraryError::Line {
                    line,
                    message: "the code is empty: every row needs a code such as CR1.0".into(),
                });
            }
            let comment = get(16);
            entries.push(UnitCost {
                code,
                theme: get(1),
                category: get(2),
                detail: get(3),
                description: get(4),
                unit: get(5),
                agency_level1: get(6),
                agency_level2: get(7),
                fiscal: value(8, 9, "fiscal")?,
                economic: value(10, 11, "economic")?,
                social: value(12, 13, "social")?,
                source: get(14),
                rag: get(15),
                includes_note: includes_sentence(&comment),
                comment,
                fiscal_parts: Vec::new(),
                transfer_share: 0.0,
                transfer_rule: TransferRule::None,
                headline: None,
                constituents: Vec::new(),
                origin: Origin::National {
                    version: version.to_owned(),
                },
            });
        }
        let mut lib = UnitCostLibrary {
            version: version.to_owned(),
            entries,
            by_code: HashMap::new(),
        };
        lib.reindex().map_err(LibraryError::File)?;
        lib.derive_relations();
        Ok(lib)
    }

    fn reindex(&mut self) -> Result<(), String> {
        self.by_code.clear();
        for (i, e) in self.entries.iter().enumerate() {
            if self.by_code.insert(e.code.clone(), i).is_some() {
                return Err(format!(
                    "the code {} appears twice; each code must be unique",
                    e.code
                ));
            }
        }
        Ok(())
    }

    fn derive_relations(&mut self) {
        // Headline / constituent: X.Y.Z is a constituent of X.Y.
        let codes: Vec<String> = self.entries.iter().map(|e| e.code.clone()).collect();
        for (i, code) in codes.iter().enumerate() {
            if code.matches('.').count() >= 2
                && let Some((head, _)) = code.rsplit_once('.')
                && let Some(&h) = self.by_code.get(head)
            {
                self.entries[i].headline = Some(head.to_owned());
                self.entries[h].constituents.push(code.clone());
            }
        }
        // Leaf parts first (rule 2), then headline splits (rule 1), then rule 3.
        for e in &mut self.entries {
            let Some(f) = e.fiscal else { continue };
            let transfer = is_transfer_agency(&e.agency_level1) && !is_admin_unit(&e.unit);
            e.fiscal_parts = vec![FiscalPart {
                agency: e.agency_level1.clone(),
                from_code: None,
                value: f,
                transfer,
            }];
            if transfer {
                e.transfer_share = 1.0;
                e.transfer_rule = TransferRule::Agency;
            }
        }
        for i in 0..self.entries.len() {
            let e = &self.entries[i];
            let Some(f) = e.fiscal else { continue };
            if e.constituents.is_empty() {
                continue;
            }
            let kids: Vec<&UnitCost> = e
                .constituents
                .iter()
                .filter_map(|c| self.by_code.get(c).map(|&k| &self.entries[k]))
                .collect();
            let same_year = kids
                .iter()
                .all(|k| k.fiscal.is_some_and(|kf| kf.price_year == f.price_year));
            let sum: f64 = kids.iter().filter_map(|k| k.fiscal).map(|k| k.pounds).sum();
            if !same_year || (sum - f.pounds).abs() > 0.005 * f.pounds.abs() || sum == 0.0 {
                continue;
            }
            // Scale parts so that they add up exactly to the headline.
            let k = f.pounds / sum;
            let parts: Vec<FiscalPart> = kids
                .iter()
                .filter_map(|kid| {
                    kid.fiscal.map(|kf| FiscalPart {
                        agency: kid.agency_level1.clone(),
                        from_code: Some(kid.code.clone()),
                        value: kf.scale(k),
                        transfer: kid.fiscal_parts.iter().any(|p| p.transfer),
                    })
                })
                .collect();
            let share = parts
                .iter()
                .filter(|p| p.transfer)
                .map(|p| p.value.pounds)
                .sum::<f64>()
                / f.pounds;
            let e = &mut self.entries[i];
            e.fiscal_parts = parts;
            e.transfer_share = share;
            e.transfer_rule = if share > 0.0 {
                TransferRule::ConstituentSplit
            } else {
                TransferRule::None
            };
        }
        for e in &mut self.entries {
            let Some(f) = e.fiscal else { continue };
            if e.transfer_rule != TransferRule::None || f.pounds == 0.0 {
                continue;
            }
            let Some(pv) = stated_public_value(&e.comment) else {
                continue;
            };
            let total = f.pounds
                + e.economic.map(|p| p.pounds).unwrap_or(0.0)
                + e.social.map(|p| p.pounds).unwrap_or(0.0);
            let transfer = (total - pv).clamp(0.0, f.pounds);
            if transfer > 0.0 {
                e.transfer_share = transfer / f.pounds;
                e.transfer_rule = TransferRule::StatedPublicValue;
                e.fiscal_parts = vec![
                    FiscalPart {
                        agency: e.agency_level1.clone(),
                        from_code: None,
                        value: f.scale(1.0 - e.transfer_share),
                        transfer: false,
                    },
                    FiscalPart {
                        agency: e.agency_level1.clone(),
                        from_code: None,
                        value: f.scale(e.transfer_share),
                        transfer: true,
                    },
                ];
            }
        }
    }

    /// Adds partners' local unit costs. A local cost with `overrides = "CODE"` replaces the
    /// national entry for this library (the national one stays visible under its own code only
    /// through the original library); a local cost with a new code is added. Errors list every
    /// problem with the entry's position.
    pub fn with_local(mut self, local: &[LocalUnitCost]) -> Result<Self, Vec<String>> {
        let mut problems = Vec::new();
        for (i, l) in local.iter().enumerate() {
            for p in l.problems() {
                problems.push(format!("local unit cost {} ({}): {p}", i + 1, l.code));
            }
            if let Some(o) = &l.overrides
                && !self.by_code.contains_key(o)
            {
                problems.push(format!(
                    "local unit cost {} ({}): overrides '{o}', which is not in the library; check the code (search with: wholeplace unit-costs search WORDS)",
                    i + 1,
                    l.code
                ));
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        for l in local {
            let mut uc = l.to_unit_cost();
            if let Some(o) = &l.overrides
                && let Some(&idx) = self.by_code.get(o)
            {
                let national = &self.entries[idx];
                uc.headline = national.headline.clone();
                uc.constituents = national.constituents.clone();
                if uc.theme == "Local" {
                    uc.theme = national.theme.clone();
                }
                if uc.code == *o {
                    self.entries[idx] = uc;
                    continue;
                }
                // The local code stands in for the national one: looking up the national code
                // returns the local value.
                self.entries.push(uc);
                let new_idx = self.entries.len() - 1;
                self.by_code.insert(l.code.clone(), new_idx);
                self.by_code.insert(o.clone(), new_idx);
                continue;
            }
            if let Some(&idx) = self.by_code.get(&uc.code) {
                self.entries[idx] = uc;
            } else {
                self.entries.push(uc);
                self.by_code.insert(l.code.clone(), self.entries.len() - 1);
            }
        }
        if !local.is_empty() && !self.version.contains("local") {
            self.version = format!("{} + {} local unit cost(s)", self.version, local.len());
        }
        Ok(self)
    }

    /// The entry for a code (a local override if one was loaded).
    pub fn get(&self, code: &str) -> Option<&UnitCost> {
        self.by_code
            .get(code.trim())
            .map(|&i| &self.entries[i])
            .or_else(|| {
                let c = code.trim().to_ascii_uppercase();
                self.entries
                    .iter()
                    .find(|e| e.code.to_ascii_uppercase() == c)
            })
    }

    /// Entries matching a query, in library order.
    pub fn search(&self, q: &Query) -> Vec<&UnitCost> {
        let words: Vec<String> = q
            .text
            .split_whitespace()
            .map(|w| w.to_lowercase())
            .collect();
        let theme = q.theme.as_ref().map(|t| t.to_lowercase());
        let agency = q.agency.as_ref().map(|t| t.to_lowercase());
        self.entries
            .iter()
            .filter(|e| {
                let hay = format!(
                    "{} {} {} {} {} {}",
                    e.code, e.description, e.category, e.detail, e.unit, e.comment
                )
                .to_lowercase();
                words.iter().all(|w| hay.contains(w))
                    && theme
                        .as_ref()
                        .is_none_or(|t| e.theme.to_lowercase().contains(t))
                    && agency.as_ref().is_none_or(|a| {
                        e.agency_level1.to_lowercase().contains(a)
                            || e.agency_level2.to_lowercase().contains(a)
                    })
            })
            .collect()
    }

    /// The distinct themes.
    pub fn themes(&self) -> Vec<String> {
        let mut t: Vec<String> = self.entries.iter().map(|e| e.theme.clone()).collect();
        t.sort();
        t.dedup();
        t
    }

    /// Rebuilds the code index (after deserialising).
    pub fn rebuild_index(&mut self) -> Result<(), String> {
        self.reindex()
    }
}

/// Reads partners' local unit costs from CSV with the columns of [`LocalUnitCost`]
/// (`code,description,unit,theme,agency,fiscal,economic,social,price_year,transfer_share,source,grade,partner,overrides`;
/// only code, description, agency, price_year, source and grade are required). Errors name the line.
pub fn local_unit_costs_from_csv(text: &str) -> Result<Vec<LocalUnitCost>, Vec<String>> {
    let records = csvtext::parse(text).map_err(|e| vec![e])?;
    let Some(header) = records.first() else {
        return Err(vec!["the file is empty".into()]);
    };
    let names: Vec<String> = header
        .fields
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let col = |n: &str| names.iter().position(|h| h == n);
    let mut errors = Vec::new();
    for req in [
        "code",
        "description",
        "agency",
        "price_year",
        "source",
        "grade",
    ] {
        if col(req).is_none() {
            errors.push(format!("line 1: the header has no '{req}' column"));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut out = Vec::new();
    for r in &records[1..] {
        let get = |n: &str| {
            col(n)
                .and_then(|c| r.fields.get(c))
                .map(|s| s.trim().to_owned())
                .unwrap_or_default()
        };
        let num = |n: &str, errors: &mut Vec<String>| -> Option<f64> {
            let v = get(n);
            if v.is_empty() {
                return None;
            }
            match v.replace([',', '£'], "").parse::<f64>() {
                Ok(x) => Some(x),
                Err(_) => {
                    errors.push(format!(
                        "line {}: {n} '{v}' is not a number; write pounds like 1234.56",
                        r.line
                    ));
                    None
                }
            }
        };
        let price_year = match get("price_year").parse::<FinancialYear>() {
            Ok(y) => y,
            Err(e) => {
                errors.push(format!("line {}: price_year: {e}", r.line));
                continue;
            }
        };
        let grade = match get("grade").parse::<u8>() {
            Ok(g) => g,
            Err(_) => {
                errors.push(format!(
                    "line {}: grade '{}' must be a whole number 1..6",
                    r.line,
                    get("grade")
                ));
                continue;
            }
        };
        let l = LocalUnitCost {
            code: get("code"),
            description: get("description"),
            unit: get("unit"),
            theme: get("theme"),
            agency: get("agency"),
            fiscal: num("fiscal", &mut errors),
            economic: num("economic", &mut errors),
            social: num("social", &mut errors),
            price_year,
            transfer_share: num("transfer_share", &mut errors).unwrap_or(0.0),
            source: get("source"),
            grade,
            partner: get("partner"),
            overrides: Some(get("overrides")).filter(|s| !s.is_empty()),
        };
        for p in l.problems() {
            errors.push(format!("line {}: {p}", r.line));
        }
        out.push(l);
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::price::DeflatorSeries;

    fn lib() -> UnitCostLibrary {
        UnitCostLibrary::shipped().expect("shipped library parses")
    }

    #[test]
    fn every_row_is_read_with_every_field() {
        let l = lib();
        assert_eq!(l.entries.len(), 683);
        let cr = l.get("CR1.0").expect("CR1.0");
        assert_eq!(cr.theme, "Crime");
        assert_eq!(cr.unit, "Per incident");
        assert_eq!(cr.agency_level1, "Police");
        assert_eq!(cr.agency_level2, "Local authority");
        assert_eq!(cr.rag, "R");
        assert_eq!(cr.fiscal.map(|f| f.pounds), Some(500.0));
        assert!(cr.source.contains("London School of Economics"));
        assert!(
            cr.includes_note
                .as_deref()
                .is_some_and(|n| n.contains("crimes"))
        );
        assert_eq!(cr.age_years("2015/16".parse().expect("y")), Some(13));
    }

    /// Golden: E&E1.0, a JSA claimant entering work (2012/13 prices).
    /// Fiscal £9,800 = £9,234 (E&E1.0.1, DWP benefits: a transfer) + £566 (E&E1.0.2, NHS).
    /// Public value = 9,800 - 9,234 + 14,044 = £14,610.
    #[test]
    fn e_e1_0_public_value_excludes_the_transfer() {
        let l = lib();
        let e = l.get("E&E1.0").expect("entry");
        assert_eq!(e.transfer_rule, TransferRule::ConstituentSplit);
        let transfer: f64 = e
            .fiscal_parts
            .iter()
            .filter(|p| p.transfer)
            .map(|p| p.value.pounds)
            .sum();
        assert_eq!(
            Priced::new(transfer, e.fiscal.expect("f").price_year)
                .money()
                .pence(),
            923_400
        );
        let nhs: Vec<&FiscalPart> = e.fiscal_parts.iter().filter(|p| !p.transfer).collect();
        assert_eq!(nhs.len(), 1);
        assert_eq!(nhs[0].agency, "NHS");
        assert_eq!(
            e.public_value_same_year()
                .expect("same year")
                .money()
                .pence(),
            1_461_000
        );
    }

    /// Rules 1 and 2 must agree with every public value the database states in a comment.
    #[test]
    fn derived_transfers_agree_with_every_stated_public_value() {
        let l = lib();
        let mut checked = 0;
        for e in &l.entries {
            let Some(stated) = stated_public_value(&e.comment) else {
                continue;
            };
            let Some(pv) = e.public_value_same_year() else {
                continue;
            };
            assert!(
                (pv.pounds - stated).abs() < 1.0,
                "{}: derived public value {} vs stated {}",
                e.code,
                pv.pounds,
                stated
            );
            checked += 1;
        }
        assert!(checked >= 10, "only {checked} statements found");
    }

    #[test]
    fn admin_costs_of_dwp_are_not_transfers_but_benefits_are() {
        let l = lib();
        assert_eq!(l.get("E&E1.6").expect("x").transfer_share, 0.0);
        assert_eq!(l.get("E&E11.0").expect("x").transfer_share, 0.0);
        assert_eq!(l.get("HO7.0").expect("x").transfer_share, 1.0);
        assert_eq!(l.get("CR8.1").expect("x").transfer_share, 0.0);
    }

    #[test]
    fn headline_and_constituents_are_related() {
        let l = lib();
        let h = l.get("E&E1.0").expect("h");
        assert_eq!(h.constituents, vec!["E&E1.0.1", "E&E1.0.2"]);
        let c = l.get("E&E1.0.1").expect("c");
        assert!(h.double_counts_with(c).is_some());
        assert!(c.double_counts_with(h).is_some());
        let asb = l.get("CR1.0").expect("asb");
        assert!(
            asb.double_counts_with(l.get("CR8.5").expect("assault"))
                .is_some()
        );
        assert!(
            asb.double_counts_with(l.get("HO2.0").expect("eviction"))
                .is_none()
        );
    }

    #[test]
    fn search_by_text_theme_and_agency() {
        let l = lib();
        let r = l.search(&Query {
            text: "anti-social".into(),
            theme: Some("crime".into()),
            agency: None,
        });
        assert!(r.iter().any(|e| e.code == "CR1.0"));
        assert!(r.iter().all(|e| e.theme == "Crime"));
        let r = l.search(&Query {
            text: "".into(),
            theme: None,
            agency: Some("dwp".into()),
        });
        assert!(r.len() > 50);
    }

    #[test]
    fn local_cost_overrides_a_national_code() {
        let local = LocalUnitCost {
            code: "KENT-ASB".into(),
            description: "ASB case, Kent".into(),
            unit: "Per incident".into(),
            theme: String::new(),
            agency: "Kent Police".into(),
            fiscal: Some(640.0),
            economic: None,
            social: None,
            price_year: "2014/15".parse().expect("y"),
            transfer_share: 0.0,
            source: "Kent Police finance 2014/15".into(),
            grade: 2,
            partner: "Kent Police".into(),
            overrides: Some("CR1.0".into()),
        };
        let l = lib()
            .with_local(std::slice::from_ref(&local))
            .expect("valid");
        assert_eq!(l.get("CR1.0").expect("x").code, "KENT-ASB");
        assert_eq!(l.get("KENT-ASB").expect("x").theme, "Crime");
        assert!(l.version.contains("local"));
        let mut bad = local;
        bad.grade = 9;
        bad.overrides = Some("ZZ9.9".into());
        let errs = lib().with_local(&[bad]).expect_err("invalid");
        assert_eq!(errs.len(), 2);
    }

    #[test]
    fn partner_csv_is_validated_by_line() {
        let ok = "code,description,agency,fiscal,price_year,source,grade\nL1,Visit,KCC,120,2014/15,KCC finance,2\n";
        assert_eq!(local_unit_costs_from_csv(ok).expect("ok").len(), 1);
        let bad = "code,description,agency,fiscal,price_year,source,grade\nL1,Visit,KCC,abc,2014/15,KCC,8\n";
        let e = local_unit_costs_from_csv(bad).expect_err("bad");
        assert!(e.iter().all(|m| m.starts_with("line 2")), "{e:?}");
        assert!(
            e.iter().any(|m| m.contains("'abc' is not a number")),
            "{e:?}"
        );
        assert!(e.iter().any(|m| m.contains("grade 8")), "{e:?}");
    }

    #[test]
    fn all_price_years_are_covered_by_the_shipped_deflators() {
        let d = DeflatorSeries::shipped();
        for e in &lib().entries {
            for p in [e.fiscal, e.economic, e.social].iter().flatten() {
                assert!(
                    d.index_of(p.price_year).is_ok(),
                    "{} {}",
                    e.code,
                    p.price_year
                );
            }
        }
    }
}
