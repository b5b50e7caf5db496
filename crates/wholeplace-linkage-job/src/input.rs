//! Reading CSV extracts into a column table, fast: records are read in chunks and each chunk is
//! standardised on its own thread. Errors name the file and line.

use std::path::Path;

use crate::JobError;
use crate::error::{Context as _, bail};
use rayon::prelude::*;
use wholeplace_linkage::{ColumnSpec, Table, TableBuilder};

type Result<T, E = JobError> = std::result::Result<T, E>;

/// The headers of a CSV file (trimmed).
///
/// # Errors
/// When the file cannot be opened or has no header row.
pub fn headers(path: &Path) -> Result<Vec<String>> {
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

/// Splits `bytes[from..]` into ranges of whole records of about `size` bytes each: a range
/// ends at a line break outside quotes.
fn record_chunks(bytes: &[u8], from: usize, size: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let quoted = bytes[from..].contains(&b'"');
    let mut start = from;
    let mut pos = from;
    let mut in_quotes = false;
    while start < bytes.len() {
        let target = (start + size).min(bytes.len());
        let end = if quoted {
            // Track quotes from `pos` (where the scan left off) to the first line break
            // outside quotes at or after `target`.
            let mut e = bytes.len();
            while pos < bytes.len() {
                let b = bytes[pos];
                pos += 1;
                if b == b'"' {
                    in_quotes = !in_quotes;
                } else if b == b'\n' && !in_quotes && pos >= target {
                    e = pos;
                    break;
                }
            }
            e
        } else {
            bytes[target..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(bytes.len(), |p| target + p + 1)
        };
        out.push((start, end));
        start = end;
    }
    out
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
) -> Result<()> {
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
        .collect::<Result<_>>()?;
    let bytes = std::fs::read(path)
        .with_context(|| format!("cannot open input {}; check the path", path.display()))?;
    // Skip the header record.
    let body = {
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(bytes.as_slice());
        let mut head = csv::ByteRecord::new();
        r.read_byte_record(&mut head)
            .with_context(|| format!("{}: cannot read the header row", path.display()))?;
        r.position().byte() as usize
    };
    let header_lines = 1 + bytes[..body].iter().filter(|&&b| b == b'\n').count()
        - usize::from(bytes[..body].ends_with(b"\n"));
    let ranges = record_chunks(&bytes, body, 1 << 20);
    // Line on which each chunk starts, for error messages.
    let newlines: Vec<usize> = ranges
        .par_iter()
        .map(|&(s, e)| bytes[s..e].iter().filter(|&&b| b == b'\n').count())
        .collect();
    let mut first_line = Vec::with_capacity(ranges.len());
    let mut line = header_lines + 1;
    for n in &newlines {
        first_line.push(line);
        line += n;
    }
    let expected = heads.len();
    let built: Vec<Result<(Table, usize)>> = ranges
        .par_iter()
        .zip(&first_line)
        .map(|(&(s, e), &line0)| {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .trim(csv::Trim::All)
                .from_reader(&bytes[s..e]);
            let mut b = TableBuilder::new(specs);
            b.pivot = pivot;
            let src = b.source(source_name);
            let mut rec = csv::ByteRecord::new();
            loop {
                let line = line0 + reader.position().line() as usize - 1;
                match reader.read_byte_record(&mut rec) {
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(e) => {
                        let line = e
                            .position()
                            .map_or(line, |p| line0 + p.line() as usize - 1);
                        bail!(
                            "{}, line {line}: {e}; fix: every row must have the same number of fields as the header, with quotes around values containing commas",
                            path.display()
                        );
                    }
                }
                if rec.len() != expected {
                    bail!(
                        "{}, line {line}: found {} fields but the header has {expected}; fix: every row must have the same number of fields as the header, with quotes around values containing commas",
                        path.display(),
                        rec.len()
                    );
                }
                if std::str::from_utf8(rec.as_slice()).is_err() {
                    bail!(
                        "{}, line {line}: not valid UTF-8; fix: save the file as UTF-8 (in Excel: CSV UTF-8)",
                        path.display()
                    );
                }
                let get = |i: usize| std::str::from_utf8(rec.get(i).unwrap_or_default()).unwrap_or("");
                b.push(src, get(idc), idx.iter().map(|&i| get(i)));
            }
            let rows = b.len();
            Ok((b.finish(), rows))
        })
        .collect();
    let mut parts: Vec<Table> = Vec::with_capacity(built.len());
    let mut before = 0usize;
    for r in built {
        let (mut t, rows) = r?;
        // Rows of invalid values count from the start of the file, not of the chunk.
        for c in &mut t.columns {
            if let Some((s, row)) = c.first_invalid {
                c.first_invalid = Some((s, row + before));
            }
        }
        before += rows;
        parts.push(t);
    }
    drop(bytes);
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
