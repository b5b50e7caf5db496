//! Reading CSV extracts into a column table, fast: records are read in chunks and each chunk is
//! standardised on its own thread. Errors name the file and line.

use std::path::Path;

use anyhow::Context as _;
use rayon::prelude::*;
use wholeplace_linkage::{ColumnSpec, Table, TableBuilder};

/// The headers of a CSV file (trimmed).
///
/// # Errors
/// When the file cannot be opened or has no header row.
pub fn headers(path: &Path) -> anyhow::Result<Vec<String>> {
    let mut r = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .with_context(|| format!("cannot open input {}; check the path", path.display()))?;
    Ok(r.headers()
        .with_context(|| {
            format!(
                "{}: cannot read the header row; the first line must name the columns",
                path.display()
            )
        })?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect())
}

/// Picks the id column: the configured one, else `record_id`/`rec_id`/`id`, else the first.
#[must_use]
pub fn id_column(headers: &[String], configured: Option<&str>) -> Option<usize> {
    match configured {
        Some(c) => headers.iter().position(|h| h == c),
        None => ["record_id", "rec_id", "id", "person_id"]
            .iter()
            .find_map(|c| headers.iter().position(|h| h.eq_ignore_ascii_case(c)))
            .or(if headers.is_empty() { None } else { Some(0) }),
    }
}

/// Reads `path` as source `source_name`, standardising the `specs` columns, and appends it to
/// `table` (or starts it).
///
/// # Errors
/// With the file and line when a column is missing or a row is malformed.
pub fn read_csv(
    path: &Path,
    source_name: &str,
    specs: &[ColumnSpec],
    id_col: Option<&str>,
    pivot: u16,
    table: &mut Option<Table>,
) -> anyhow::Result<()> {
    let heads = headers(path)?;
    let idc = id_column(&heads, id_col).with_context(|| {
        format!(
            "{}: no id column `{}`; fix: set `id_column` in the configuration to one of: {}",
            path.display(),
            id_col.unwrap_or("record_id"),
            heads.join(", ")
        )
    })?;
    let idx: Vec<usize> = specs
        .iter()
        .map(|s| {
            heads.iter().position(|h| *h == s.name).with_context(|| {
                format!("{}: the configuration uses column `{}` but the file has only: {}; fix: rename the column in the file or in the configuration's [columns]", path.display(), s.name, heads.join(", "))
            })
        })
        .collect::<anyhow::Result<_>>()?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .with_context(|| format!("cannot open input {}", path.display()))?;
    let mut chunk: Vec<csv::ByteRecord> = Vec::with_capacity(65_536);
    let mut rec = csv::ByteRecord::new();
    let mut row = 0usize;
    let mut parts: Vec<Table> = Vec::new();
    let flush = |chunk: &mut Vec<csv::ByteRecord>, parts: &mut Vec<Table>| {
        let built: Vec<Table> = chunk
            .par_chunks(8192)
            .map(|c| {
                let mut b = TableBuilder::new(specs);
                b.pivot = pivot;
                let s = b.source(source_name);
                for r in c {
                    let get =
                        |i: usize| std::str::from_utf8(r.get(i).unwrap_or_default()).unwrap_or("");
                    b.push(s, get(idc), idx.iter().map(|&i| get(i)));
                }
                b.finish()
            })
            .collect();
        parts.extend(built);
        chunk.clear();
    };
    loop {
        match reader.read_byte_record(&mut rec) {
            Ok(true) => {
                row += 1;
                if std::str::from_utf8(rec.as_slice()).is_err() {
                    anyhow::bail!(
                        "{}, line {}: not valid UTF-8; fix: save the file as UTF-8 (in Excel: CSV UTF-8)",
                        path.display(),
                        row + 1
                    );
                }
                chunk.push(rec.clone());
                if chunk.len() == chunk.capacity() {
                    flush(&mut chunk, &mut parts);
                }
            }
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map_or(row + 1, |p| p.line() as usize);
                anyhow::bail!(
                    "{}, line {line}: {e}; fix: every row must have the same number of fields as the header, with quotes around values containing commas",
                    path.display()
                );
            }
        }
    }
    flush(&mut chunk, &mut parts);
    for p in parts {
        match table {
            Some(t) => t.append(&p)?,
            None => *table = Some(p),
        }
    }
    if table.is_none() {
        let mut b = TableBuilder::new(specs);
        b.source(source_name);
        *table = Some(b.finish());
    }
    Ok(())
}
