//! Privacy-preserving linkage: each agency encodes its identifiers locally with a shared secret
//! key and only the encodings leave it. Every field's character bigrams are hashed into a
//! Bloom filter with keyed HMAC-SHA256 double hashing (the cryptographic long-term key, CLK,
//! scheme); a record-level CLK holding all fields is produced as well. Blocking keys are keyed
//! HMACs of the usual plaintext blocking keys. Linking then compares filters by Dice similarity.
//!
//! This protects against reading identifiers off a leaked or shared file, and against
//! dictionary attacks by anyone without the key. It does not protect against a party holding
//! the key, against frequency analysis of field-level filters or blocking keys on large files
//! (common names give common encodings), or against re-identification from the links
//! themselves. See docs/LINKAGE.md.

use hmac::{Hmac, Mac};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::LinkageError;
use crate::blocking::{BlockingRule, KeyPart, KeyTransform, key_bytes, resolve};
use crate::compare::Template;
use crate::model::{LinkType, Settings, Training};
use crate::records::{BitColumn, Column, ColumnData, ColumnKind, Table, TextColumn};

/// How one field is encoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldEncoding {
    /// Column to encode.
    pub column: String,
    /// Filter length in bits (multiple of 64).
    #[serde(default = "default_bits")]
    pub bits: usize,
    /// Hash functions per bigram.
    #[serde(default = "default_hashes")]
    pub hashes: usize,
}

fn default_bits() -> usize {
    512
}
fn default_hashes() -> usize {
    15
}

/// What to encode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncodingSpec {
    /// Fields, each into its own filter and into the record-level CLK.
    pub fields: Vec<FieldEncoding>,
    /// Blocking rules whose keys are published as keyed hashes.
    pub blocking: Vec<BlockingRule>,
    /// Record-level CLK length in bits (0 for none).
    #[serde(default = "default_clk")]
    pub clk_bits: usize,
}

fn default_clk() -> usize {
    1024
}

impl EncodingSpec {
    /// Encodes every given column; blocking on the plaintext rules whose columns are all encoded.
    #[must_use]
    pub fn for_columns(columns: &[String], rules: &[BlockingRule]) -> Self {
        Self {
            fields: columns
                .iter()
                .map(|c| FieldEncoding {
                    column: c.clone(),
                    bits: default_bits(),
                    hashes: default_hashes(),
                })
                .collect(),
            blocking: rules
                .iter()
                .filter(|r| r.0.iter().all(|p| columns.contains(&p.column)))
                .cloned()
                .collect(),
            clk_bits: default_clk(),
        }
    }
}

/// Name of the filter column for a field.
#[must_use]
pub fn filter_column(field: &str) -> String {
    format!("{field}_bf")
}

/// Name of blocking key column `i`.
#[must_use]
pub fn blocking_column(i: usize) -> String {
    format!("bk{i}")
}

fn bigrams(s: &str) -> Vec<String> {
    let padded: Vec<char> = std::iter::once('_')
        .chain(s.chars())
        .chain(std::iter::once('_'))
        .collect();
    padded.windows(2).map(|w| w.iter().collect()).collect()
}

fn set_bits(mac: &Hmac<Sha256>, field: &str, token: &str, hashes: usize, out: &mut [u64]) {
    let mut m = mac.clone();
    m.update(field.as_bytes());
    m.update(&[0]);
    m.update(token.as_bytes());
    let d = m.finalize().into_bytes();
    let mut h1 = [0u8; 8];
    let mut h2 = [0u8; 8];
    h1.copy_from_slice(&d[..8]);
    h2.copy_from_slice(&d[8..16]);
    let (h1, h2) = (u64::from_le_bytes(h1), u64::from_le_bytes(h2) | 1);
    let bits = (out.len() * 64) as u64;
    for i in 0..hashes as u64 {
        let pos = h1.wrapping_add(i.wrapping_mul(h2)) % bits;
        out[(pos / 64) as usize] |= 1 << (pos % 64);
    }
}

/// Encodes a table: the result has, per field, a `<field>_bf` bit column, a `clk` column, and
/// `bk0..` keyed blocking-key columns, with the same sources and record ids. No plaintext value
/// survives.
///
/// # Errors
/// When the key is empty or a field or rule names an unknown column.
pub fn encode(table: &Table, key: &[u8], spec: &EncodingSpec) -> Result<Table, LinkageError> {
    if key.len() < 16 {
        return Err(LinkageError::Settings(
            "the secret key must be at least 16 bytes; generate one with `openssl rand -hex 32`"
                .into(),
        ));
    }
    let mac = <Hmac<Sha256> as Mac>::new_from_slice(key)
        .map_err(|e| LinkageError::Settings(e.to_string()))?;
    let cols: Vec<usize> = spec
        .fields
        .iter()
        .map(|f| {
            table
                .column_index(&f.column)
                .ok_or_else(|| LinkageError::UnknownColumn {
                    column: f.column.clone(),
                    context: "privacy-preserving encoding".into(),
                })
        })
        .collect::<Result<_, _>>()?;
    let rules: Vec<Vec<(usize, KeyTransform)>> = spec
        .blocking
        .iter()
        .map(|r| resolve(table, r))
        .collect::<Result<_, _>>()?;
    let words: Vec<usize> = spec
        .fields
        .iter()
        .map(|f| f.bits.div_ceil(64).max(1))
        .collect();
    let clk_words = spec.clk_bits.div_ceil(64);
    let n = table.len();
    struct Enc {
        fields: Vec<Vec<u64>>,
        clk: Vec<u64>,
        keys: Vec<String>,
    }
    let encoded: Vec<Enc> = (0..n)
        .into_par_iter()
        .map_init(Vec::new, |buf, i| {
            let mut fields = Vec::with_capacity(cols.len());
            let mut clk = vec![0u64; clk_words];
            for (k, &c) in cols.iter().enumerate() {
                let mut bf = vec![0u64; words[k]];
                if !table.columns[c].is_null(i) {
                    let v = table.columns[c].text(i);
                    for t in bigrams(&v) {
                        set_bits(
                            &mac,
                            &spec.fields[k].column,
                            &t,
                            spec.fields[k].hashes,
                            &mut bf,
                        );
                        if clk_words > 0 {
                            set_bits(
                                &mac,
                                &spec.fields[k].column,
                                &t,
                                spec.fields[k].hashes / 2 + 1,
                                &mut clk,
                            );
                        }
                    }
                }
                fields.push(bf);
            }
            let keys = rules
                .iter()
                .enumerate()
                .map(|(r, cols)| {
                    if key_bytes(table, cols, i, buf) {
                        let mut m = mac.clone();
                        m.update(b"block");
                        m.update(&(r as u32).to_le_bytes());
                        m.update(buf);
                        m.finalize().into_bytes()[..10]
                            .iter()
                            .map(|b| format!("{b:02x}"))
                            .collect()
                    } else {
                        String::new()
                    }
                })
                .collect();
            Enc { fields, clk, keys }
        })
        .collect();
    let mut columns = Vec::new();
    for (k, f) in spec.fields.iter().enumerate() {
        let mut data = Vec::with_capacity(n * words[k]);
        for e in &encoded {
            data.extend_from_slice(&e.fields[k]);
        }
        columns.push(Column {
            name: filter_column(&f.column),
            kind: ColumnKind::Bits {
                bits: words[k] * 64,
            },
            data: ColumnData::Bits(BitColumn {
                words: words[k],
                data,
            }),
            invalid: 0,
            first_invalid: None,
        });
    }
    if clk_words > 0 {
        let mut data = Vec::with_capacity(n * clk_words);
        for e in &encoded {
            data.extend_from_slice(&e.clk);
        }
        columns.push(Column {
            name: "clk".into(),
            kind: ColumnKind::Bits {
                bits: clk_words * 64,
            },
            data: ColumnData::Bits(BitColumn {
                words: clk_words,
                data,
            }),
            invalid: 0,
            first_invalid: None,
        });
    }
    for r in 0..rules.len() {
        let mut t = TextColumn::default();
        for e in &encoded {
            t.push(&e.keys[r]);
        }
        columns.push(Column {
            name: blocking_column(r),
            kind: ColumnKind::Raw,
            data: ColumnData::Text(t),
            invalid: 0,
            first_invalid: None,
        });
    }
    Ok(Table {
        sources: table.sources.clone(),
        source: table.source.clone(),
        ids: table.ids.clone(),
        columns,
    })
}

/// Column specs of an encoded file, for reading one back.
#[must_use]
pub fn encoded_column_specs(spec: &EncodingSpec) -> Vec<crate::records::ColumnSpec> {
    let mut v: Vec<crate::records::ColumnSpec> = spec
        .fields
        .iter()
        .map(|f| {
            crate::records::ColumnSpec::new(
                &filter_column(&f.column),
                ColumnKind::Bits {
                    bits: f.bits.div_ceil(64) * 64,
                },
            )
        })
        .collect();
    if spec.clk_bits > 0 {
        v.push(crate::records::ColumnSpec::new(
            "clk",
            ColumnKind::Bits {
                bits: spec.clk_bits.div_ceil(64) * 64,
            },
        ));
    }
    for r in 0..spec.blocking.len() {
        v.push(crate::records::ColumnSpec::new(
            &blocking_column(r),
            ColumnKind::Raw,
        ));
    }
    v
}

/// The layout of an encoded file read back from its headers and the length of each column's
/// values (its first non-empty one: a field the record lacks is encoded empty): the column specs
/// (a `<field>_bf` or `clk` column's width is four bits per hex digit, at least 64) and the
/// encoding it implies (the fields and how many keyed blocking keys).
///
/// # Errors
/// When no header is a `<field>_bf` column: the file was not written by the encoding command.
pub fn encoded_layout(
    headers: &[&str],
    lengths: &[usize],
) -> Result<(Vec<crate::records::ColumnSpec>, EncodingSpec), String> {
    let mut specs = Vec::new();
    let mut fields = Vec::new();
    let mut blocking = 0;
    for (i, h) in headers.iter().enumerate() {
        let width = (lengths.get(i).copied().unwrap_or(0) * 4).max(64);
        if let Some(f) = h.strip_suffix("_bf") {
            specs.push(crate::records::ColumnSpec::new(
                h,
                ColumnKind::Bits { bits: width },
            ));
            fields.push(FieldEncoding {
                column: f.to_owned(),
                bits: width,
                hashes: 0,
            });
        } else if *h == "clk" {
            specs.push(crate::records::ColumnSpec::new(
                h,
                ColumnKind::Bits { bits: width },
            ));
        } else if h.starts_with("bk") {
            specs.push(crate::records::ColumnSpec::new(h, ColumnKind::Raw));
            blocking += 1;
        }
    }
    if fields.is_empty() {
        return Err(
            "no `<field>_bf` columns: give a file written by `wholeplace link --encode`".into(),
        );
    }
    Ok((
        specs,
        EncodingSpec {
            fields,
            blocking: vec![BlockingRule(Vec::new()); blocking],
            clk_bits: 0,
        },
    ))
}

/// Settings to link encoded tables: exact blocking on each keyed key, Dice levels per field.
#[must_use]
pub fn encoded_settings(spec: &EncodingSpec, link_type: LinkType) -> Settings {
    let blocking = (0..spec.blocking.len())
        .map(|r| {
            BlockingRule(vec![KeyPart {
                column: blocking_column(r),
                transform: KeyTransform::Exact,
            }])
        })
        .collect();
    let comparisons = spec
        .fields
        .iter()
        .take(16)
        .map(|f| {
            Template::Dice {
                column: filter_column(&f.column),
                thresholds: vec![1.0, 0.9, 0.8, 0.7, 0.55],
            }
            .expand()
        })
        .collect();
    Settings {
        link_type,
        blocking,
        comparisons,
        training: Training::default(),
        max_block_size: 3000,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::dice;
    use crate::records::{ColumnSpec, TableBuilder};

    #[test]
    fn similar_values_have_similar_filters_and_key_matters() {
        let mut b = TableBuilder::new(&[ColumnSpec::new("surname", ColumnKind::Name)]);
        let s = b.source("a");
        for v in ["thompson", "thomson", "patel", ""] {
            b.push(s, v, [v]);
        }
        let t = b.finish();
        let spec = EncodingSpec::for_columns(
            &["surname".into()],
            // Soundex keeps Thompson (T512) and Thomson (T525) apart; the phonetic key joins them.
            &[BlockingRule::parse(&["surname:phonetic"]).expect("rule")],
        );
        let e = encode(&t, b"0123456789abcdef0123", &spec).expect("encode");
        let ColumnData::Bits(bits) = &e.columns[0].data else {
            panic!("bits")
        };
        let (a, b2, c) = (
            bits.get(0).expect("a"),
            bits.get(1).expect("b"),
            bits.get(2).expect("c"),
        );
        assert!(dice(a, b2) > 0.8, "{}", dice(a, b2));
        assert!(dice(a, c) < 0.4, "{}", dice(a, c));
        assert!(bits.get(3).is_none());
        let other = encode(&t, b"another-secret-key-000", &spec).expect("encode");
        assert_ne!(e.columns[0], other.columns[0]);
        assert_eq!(e.columns[2].text(0), e.columns[2].text(1));
        assert!(
            !e.columns
                .iter()
                .any(|c| (0..3).any(|i| c.text(i).contains("thom")))
        );
        assert!(encode(&t, b"short", &spec).is_err());
    }
}
