//! Records as columns: one contiguous buffer per column rather than a row of strings per
//! record, so a million records take tens of megabytes and comparisons touch little memory.
//! Values are standardised once, when they are pushed, according to each column's kind.

use serde::{Deserialize, Serialize};

use crate::standardise::{
    DateFormat, clean_name, clean_text, default_date_formats, identifier_digits,
    is_valid_nhs_number, is_valid_ni_number, parse_date, standardise_postcode,
};

/// Strings stored back to back; an empty string means "missing".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextColumn {
    data: String,
    ends: Vec<u32>,
}

impl TextColumn {
    /// Appends a value (empty for missing).
    pub fn push(&mut self, v: &str) {
        self.data.push_str(v);
        self.ends.push(self.data.len() as u32);
    }
    /// Number of values.
    #[must_use]
    pub fn len(&self) -> usize {
        self.ends.len()
    }
    /// Whether the column holds no values.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
    /// The value at `i`, empty string when missing.
    #[must_use]
    pub fn raw(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.data[start..self.ends[i] as usize]
    }
    /// The value at `i`, `None` when missing.
    #[must_use]
    pub fn get(&self, i: usize) -> Option<&str> {
        let s = self.raw(i);
        (!s.is_empty()).then_some(s)
    }
    fn extend(&mut self, other: &Self) {
        let base = self.data.len() as u32;
        self.data.push_str(&other.data);
        self.ends.extend(other.ends.iter().map(|e| e + base));
    }
}

/// Fixed-width bit sets (Bloom-filter encodings), `words` 64-bit words per record; all-zero
/// means missing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BitColumn {
    /// Words per record.
    pub words: usize,
    /// `words * len` words.
    pub data: Vec<u64>,
}

impl BitColumn {
    /// The bits of record `i`, `None` when all zero.
    #[must_use]
    pub fn get(&self, i: usize) -> Option<&[u64]> {
        let s = &self.data[i * self.words..(i + 1) * self.words];
        s.iter().any(|w| *w != 0).then_some(s)
    }
}

/// How a column's raw values are standardised when pushed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ColumnKind {
    /// A person's name: cleaned text without titles.
    Name,
    /// Free text (addresses, towns): cleaned text.
    Text,
    /// A postcode: UK canonical form when it is one.
    Postcode,
    /// A date read with explicit formats tried in order.
    Date {
        /// Formats; empty means the defaults.
        #[serde(default)]
        formats: Vec<DateFormat>,
    },
    /// An identifier: letters and digits only, upper case.
    Identifier,
    /// An NHS number; values failing the check digit become missing and are counted invalid.
    NhsNumber,
    /// A National Insurance number; badly formed values become missing and are counted invalid.
    NiNumber,
    /// A number (ages, house numbers); non-numbers become missing.
    Number,
    /// A Bloom-filter encoding given as hexadecimal (privacy-preserving mode).
    Bits {
        /// Bits per value, a multiple of 64.
        bits: usize,
    },
    /// Kept exactly as given apart from trimming.
    Raw,
}

/// The stored values of a column.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnData {
    /// Text values.
    Text(TextColumn),
    /// Dates packed `yyyymmdd`, 0 missing.
    Date(Vec<u32>),
    /// Numbers, NaN missing.
    Number(Vec<f64>),
    /// Bit sets.
    Bits(BitColumn),
}

/// One named column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Name as used in settings.
    pub name: String,
    /// Its standardisation.
    pub kind: ColumnKind,
    /// Values.
    pub data: ColumnData,
    /// How many non-empty raw values failed validation or parsing and became missing.
    pub invalid: usize,
    /// Row (0-based within its source) of the first invalid value, for error messages.
    pub first_invalid: Option<(u16, usize)>,
}

impl Column {
    /// Whether value `i` is missing.
    #[must_use]
    pub fn is_null(&self, i: usize) -> bool {
        match &self.data {
            ColumnData::Text(t) => t.raw(i).is_empty(),
            ColumnData::Date(d) => d[i] == 0,
            ColumnData::Number(n) => n[i].is_nan(),
            ColumnData::Bits(b) => b.get(i).is_none(),
        }
    }

    /// The value as text (dates as `yyyymmdd`), for keys, term frequencies and display.
    #[must_use]
    pub fn text(&self, i: usize) -> std::borrow::Cow<'_, str> {
        match &self.data {
            ColumnData::Text(t) => std::borrow::Cow::Borrowed(t.raw(i)),
            ColumnData::Date(d) => {
                if d[i] == 0 {
                    std::borrow::Cow::Borrowed("")
                } else {
                    std::borrow::Cow::Owned(format!("{:08}", d[i]))
                }
            }
            ColumnData::Number(n) => {
                if n[i].is_nan() {
                    std::borrow::Cow::Borrowed("")
                } else {
                    std::borrow::Cow::Owned(format!("{}", n[i]))
                }
            }
            ColumnData::Bits(b) => match b.get(i) {
                None => std::borrow::Cow::Borrowed(""),
                Some(w) => std::borrow::Cow::Owned(w.iter().map(|x| format!("{x:016x}")).collect()),
            },
        }
    }
}

/// Records from one or more sources, held as columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Source names (file or agency), indexed by [`Table::source`].
    pub sources: Vec<String>,
    /// Source index of each record.
    pub source: Vec<u16>,
    /// Each record's id within its source.
    pub ids: TextColumn,
    /// The columns.
    pub columns: Vec<Column>,
}

impl Table {
    /// Number of records.
    #[must_use]
    pub fn len(&self) -> usize {
        self.source.len()
    }
    /// Whether there are no records.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.source.is_empty()
    }
    /// Index of the named column.
    #[must_use]
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }
    /// The named column.
    #[must_use]
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
    /// Record `i`'s id.
    #[must_use]
    pub fn id(&self, i: usize) -> &str {
        self.ids.raw(i)
    }
    /// Record `i`'s source name.
    #[must_use]
    pub fn source_name(&self, i: usize) -> &str {
        &self.sources[self.source[i] as usize]
    }
    /// Appends all records of `other`, which must have the same columns (sources are merged by
    /// name).
    ///
    /// # Errors
    /// When the columns differ.
    pub fn append(&mut self, other: &Table) -> Result<(), crate::LinkageError> {
        if self.columns.len() != other.columns.len()
            || self
                .columns
                .iter()
                .zip(&other.columns)
                .any(|(a, b)| a.name != b.name || a.kind != b.kind)
        {
            return Err(crate::LinkageError::Settings(
                "tables to append have different columns".into(),
            ));
        }
        let map: Vec<u16> = other
            .sources
            .iter()
            .map(|s| match self.sources.iter().position(|x| x == s) {
                Some(p) => p as u16,
                None => {
                    self.sources.push(s.clone());
                    (self.sources.len() - 1) as u16
                }
            })
            .collect();
        self.source
            .extend(other.source.iter().map(|s| map[*s as usize]));
        self.ids.extend(&other.ids);
        for (a, b) in self.columns.iter_mut().zip(&other.columns) {
            a.invalid += b.invalid;
            if a.first_invalid.is_none() {
                a.first_invalid = b.first_invalid.map(|(s, r)| (map[s as usize], r));
            }
            match (&mut a.data, &b.data) {
                (ColumnData::Text(x), ColumnData::Text(y)) => x.extend(y),
                (ColumnData::Date(x), ColumnData::Date(y)) => x.extend_from_slice(y),
                (ColumnData::Number(x), ColumnData::Number(y)) => x.extend_from_slice(y),
                (ColumnData::Bits(x), ColumnData::Bits(y)) => x.data.extend_from_slice(&y.data),
                _ => {
                    return Err(crate::LinkageError::Settings(
                        "column data types differ".into(),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// The specification of one column to build.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnSpec {
    /// Name used by blocking rules and comparisons.
    pub name: String,
    /// Standardisation.
    #[serde(flatten)]
    pub kind: ColumnKind,
}

impl ColumnSpec {
    /// A spec.
    #[must_use]
    pub fn new(name: &str, kind: ColumnKind) -> Self {
        Self {
            name: name.to_owned(),
            kind,
        }
    }
}

/// Builds a [`Table`], standardising raw values as they are pushed.
#[derive(Debug, Clone)]
pub struct TableBuilder {
    table: Table,
    formats: Vec<Vec<DateFormat>>,
    rows_in_source: Vec<usize>,
    /// Two-digit-year pivot: `yy` above it is 19yy.
    pub pivot: u16,
}

impl TableBuilder {
    /// A builder for the given columns.
    #[must_use]
    pub fn new(specs: &[ColumnSpec]) -> Self {
        let columns = specs
            .iter()
            .map(|s| Column {
                name: s.name.clone(),
                kind: s.kind.clone(),
                data: match &s.kind {
                    ColumnKind::Date { .. } => ColumnData::Date(Vec::new()),
                    ColumnKind::Number => ColumnData::Number(Vec::new()),
                    ColumnKind::Bits { bits } => ColumnData::Bits(BitColumn {
                        words: bits.div_ceil(64).max(1),
                        data: Vec::new(),
                    }),
                    _ => ColumnData::Text(TextColumn::default()),
                },
                invalid: 0,
                first_invalid: None,
            })
            .collect();
        let formats = specs
            .iter()
            .map(|s| match &s.kind {
                ColumnKind::Date { formats } if !formats.is_empty() => formats.clone(),
                _ => default_date_formats(),
            })
            .collect();
        Self {
            table: Table {
                sources: Vec::new(),
                source: Vec::new(),
                ids: TextColumn::default(),
                columns,
            },
            formats,
            rows_in_source: Vec::new(),
            pivot: 25,
        }
    }

    /// Registers a source and returns its index.
    pub fn source(&mut self, name: &str) -> u16 {
        if let Some(p) = self.table.sources.iter().position(|s| s == name) {
            return p as u16;
        }
        self.table.sources.push(name.to_owned());
        self.rows_in_source.push(0);
        (self.table.sources.len() - 1) as u16
    }

    /// Pushes one record; `values` are raw, in the order of the specs (missing ones may be `""`).
    pub fn push<'a>(&mut self, source: u16, id: &str, values: impl IntoIterator<Item = &'a str>) {
        let row = self.rows_in_source[source as usize];
        self.rows_in_source[source as usize] += 1;
        self.table.source.push(source);
        self.table.ids.push(id.trim());
        let mut scratch = String::new();
        let mut vals = values.into_iter();
        for (ci, col) in self.table.columns.iter_mut().enumerate() {
            let raw = vals.next().unwrap_or("").trim();
            let mut invalid = false;
            match &mut col.data {
                ColumnData::Text(t) => {
                    scratch.clear();
                    if !raw.is_empty() {
                        match &col.kind {
                            ColumnKind::Name => scratch.push_str(&clean_name(raw)),
                            ColumnKind::Text => scratch.push_str(&clean_text(raw)),
                            ColumnKind::Postcode => scratch.push_str(&standardise_postcode(raw)),
                            ColumnKind::Identifier => scratch.push_str(&identifier_digits(raw)),
                            ColumnKind::NhsNumber => {
                                if is_valid_nhs_number(raw) {
                                    scratch.push_str(&identifier_digits(raw));
                                } else {
                                    invalid = true;
                                }
                            }
                            ColumnKind::NiNumber => {
                                if is_valid_ni_number(raw) {
                                    let d = identifier_digits(raw);
                                    scratch.push_str(&d[..8.min(d.len())]);
                                } else {
                                    invalid = true;
                                }
                            }
                            _ => scratch.push_str(raw),
                        }
                    }
                    t.push(&scratch);
                }
                ColumnData::Date(d) => {
                    let v = if raw.is_empty() {
                        0
                    } else {
                        match parse_date(raw, &self.formats[ci], self.pivot) {
                            Some(x) => x.pack(),
                            None => {
                                invalid = true;
                                0
                            }
                        }
                    };
                    d.push(v);
                }
                ColumnData::Number(n) => {
                    let v = if raw.is_empty() {
                        f64::NAN
                    } else {
                        raw.parse::<f64>().unwrap_or_else(|_| {
                            invalid = true;
                            f64::NAN
                        })
                    };
                    n.push(v);
                }
                ColumnData::Bits(b) => {
                    let start = b.data.len();
                    b.data.resize(start + b.words, 0);
                    if !raw.is_empty() {
                        if raw.len() == b.words * 16 {
                            for (k, chunk) in raw.as_bytes().chunks(16).enumerate() {
                                match std::str::from_utf8(chunk)
                                    .ok()
                                    .and_then(|c| u64::from_str_radix(c, 16).ok())
                                {
                                    Some(w) => b.data[start + k] = w,
                                    None => invalid = true,
                                }
                            }
                        } else {
                            invalid = true;
                        }
                        if invalid {
                            b.data[start..].fill(0);
                        }
                    }
                }
            }
            if invalid {
                col.invalid += 1;
                if col.first_invalid.is_none() {
                    col.first_invalid = Some((source, row));
                }
            }
        }
    }

    /// Pushes a record whose bit columns are given directly (privacy-preserving encoding).
    pub fn push_bits(&mut self, column: usize, words: &[u64]) {
        if let ColumnData::Bits(b) = &mut self.table.columns[column].data {
            let start = b.data.len() - b.words;
            b.data[start..].copy_from_slice(&words[..b.words]);
        }
    }

    /// Number of records pushed so far.
    #[must_use]
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// Whether no records have been pushed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// The finished table.
    #[must_use]
    pub fn finish(self) -> Table {
        self.table
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_and_standardises() {
        let specs = vec![
            ColumnSpec::new("first_name", ColumnKind::Name),
            ColumnSpec::new("dob", ColumnKind::Date { formats: vec![] }),
            ColumnSpec::new("postcode", ColumnKind::Postcode),
            ColumnSpec::new("nhs", ColumnKind::NhsNumber),
        ];
        let mut b = TableBuilder::new(&specs);
        let s = b.source("police");
        b.push(s, "1", ["Mr JOHN", "12/03/1980", "sw1a1aa", "943 476 5919"]);
        b.push(s, "2", ["", "31/02/1980", "", "1234567890"]);
        let t = b.finish();
        assert_eq!(t.len(), 2);
        assert_eq!(t.columns[0].text(0), "john");
        assert_eq!(t.columns[1].text(0), "19800312");
        assert_eq!(t.columns[2].text(0), "SW1A 1AA");
        assert_eq!(t.columns[3].text(0), "9434765919");
        assert!(t.columns[0].is_null(1));
        assert_eq!(t.columns[1].invalid, 1);
        assert_eq!(t.columns[3].invalid, 1);
        assert_eq!(t.columns[3].first_invalid, Some((0, 1)));
    }
}
