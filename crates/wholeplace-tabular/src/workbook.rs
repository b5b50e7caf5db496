//! Reading XLSX workbooks that come from outside, safely. A workbook is a zip of XML parts, and
//! both the zip and the sheet's declared dimensions can lie: a 1.6 KB file whose one cell sits at
//! XFD1048576 asks a reader that builds a dense grid for half a terabyte, and a 2 MB file can
//! inflate to hundreds of megabytes. So, before any part is parsed, every part is inflated once
//! into nothing and counted against [`Limits`]; then sheets are streamed cell by cell, never by
//! their declared dimensions, and the cells kept are counted too. Every refusal names the limit.

use crate::ReadError;
use calamine::{DataRef, Reader, Xlsx};
use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};

pub use calamine::Data;

/// What one workbook may hold. The defaults fit a 64 MiB upload in well under 256 MB of memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Parts (files) in the zip.
    pub max_parts: usize,
    /// Inflated size of any one part, in bytes.
    pub max_part_bytes: u64,
    /// Inflated size of the shared-strings part, which is held in memory whole.
    pub max_shared_strings_bytes: u64,
    /// Inflated size of all parts together.
    pub max_total_bytes: u64,
    /// Non-empty cells read from one sheet.
    pub max_cells: usize,
    /// Text held from one sheet, in bytes (a long shared string used in many cells counts each time).
    pub max_text_bytes: usize,
    /// Highest row number a cell may have (1-based, as the spreadsheet shows it).
    pub max_rows: u32,
    /// Highest column number a cell may have (1-based; 26 is Z).
    pub max_columns: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_parts: 1_000,
            max_part_bytes: 160 * 1024 * 1024,
            max_shared_strings_bytes: 32 * 1024 * 1024,
            max_total_bytes: 256 * 1024 * 1024,
            max_cells: 1_500_000,
            max_text_bytes: 48 * 1024 * 1024,
            max_rows: 1_048_576,
            max_columns: 500,
        }
    }
}

fn mib(bytes: u64) -> String {
    format!("{} MiB", bytes / (1024 * 1024))
}

fn too_large(what: String) -> ReadError {
    ReadError::TooLarge(what)
}

/// The number of parts a zip declares in its end-of-central-directory record, read without
/// building the directory (a zip can declare millions). `None` when there is no such record.
fn declared_parts(bytes: &[u8]) -> Option<u64> {
    const SIG: [u8; 4] = [0x50, 0x4b, 0x05, 0x06];
    let from = bytes.len().saturating_sub(22 + 65_535);
    let tail = bytes.get(from..)?;
    let at = tail.windows(4).rposition(|w| w == SIG)?;
    let rec = tail.get(at..at + 22)?;
    Some(u64::from(u16::from_le_bytes([rec[10], rec[11]])))
}

/// Inflates every part once, counting bytes, so no later reader meets a part larger than
/// [`Limits`] allow, whatever the zip's headers claim.
fn check_parts(bytes: &[u8], limits: &Limits) -> Result<(), ReadError> {
    let not_workbook = |e: &dyn std::fmt::Display| ReadError::Workbook(e.to_string());
    match declared_parts(bytes) {
        None => return Err(not_workbook(&"it is not a zip archive")),
        // 0xFFFF means "see the zip64 record": no real workbook has that many parts.
        Some(n) if n >= 0xFFFF || n as usize > limits.max_parts => {
            return Err(too_large(format!(
                "the workbook has {n} parts; wholeplace reads workbooks of at most {} parts",
                limits.max_parts
            )));
        }
        Some(_) => {}
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| not_workbook(&e))?;
    let mut total = 0_u64;
    let mut buf = vec![0_u8; 64 * 1024];
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(|e| not_workbook(&e))?;
        let name = part.name().map_err(|e| not_workbook(&e))?.into_owned();
        let shared_strings = name.to_ascii_lowercase().ends_with("sharedstrings.xml");
        let cap = if shared_strings {
            limits.max_shared_strings_bytes
        } else {
            limits.max_part_bytes
        };
        let mut size = 0_u64;
        // The shared strings are kept (within their cap) to check the count they declare.
        let mut kept = Vec::new();
        loop {
            let n = part.read(&mut buf).map_err(|e| not_workbook(&e))?;
            if n == 0 {
                break;
            }
            if shared_strings && size + (n as u64) <= cap {
                kept.extend_from_slice(&buf[..n]);
            }
            size += n as u64;
            total += n as u64;
            if size > cap {
                return Err(too_large(format!(
                    "part {name} of the workbook inflates to more than {}; wholeplace reads parts of at most {}: split the data over several files",
                    mib(cap),
                    mib(cap)
                )));
            }
            if total > limits.max_total_bytes {
                return Err(too_large(format!(
                    "the workbook inflates to more than {}; wholeplace reads at most {} of spreadsheet data: split the data over several files",
                    mib(limits.max_total_bytes),
                    mib(limits.max_total_bytes)
                )));
            }
        }
        if shared_strings {
            check_shared_strings_count(&name, &kept)?;
        }
    }
    Ok(())
}

/// One row of a sheet as text: its 0-based number and its (column, text) cells, left to right.
pub type TextRow = (u32, Vec<(u32, String)>);
/// The largest number a `uniqueCount="..."` attribute in `xml` states (leading `+`, zeros and
/// spaces allowed, saturating), or `None` when there is none.
fn declared_unique_count(xml: &[u8]) -> Option<u64> {
    const KEY: &[u8] = b"uniqueCount";
    let mut most = None;
    let mut from = 0;
    while let Some(p) = xml[from..].windows(KEY.len()).position(|w| w == KEY) {
        from += p + KEY.len();
        let rest = &xml[from..];
        let mut i = rest.iter().take_while(|c| c.is_ascii_whitespace()).count();
        if rest.get(i) != Some(&b'=') {
            continue;
        }
        i += 1;
        i += rest[i..]
            .iter()
            .take_while(|c| c.is_ascii_whitespace())
            .count();
        if !matches!(rest.get(i), Some(b'"' | b'\'')) {
            continue;
        }
        i += 1;
        i += rest[i..]
            .iter()
            .take_while(|c| c.is_ascii_whitespace() || **c == b'+')
            .count();
        let digits = rest[i..].iter().take_while(|c| c.is_ascii_digit());
        let mut n: Option<u64> = None;
        for d in digits {
            n = Some(
                n.unwrap_or(0)
                    .saturating_mul(10)
                    .saturating_add(u64::from(d - b'0')),
            );
        }
        if let Some(n) = n {
            most = Some(most.map_or(n, |m: u64| m.max(n)));
        }
    }
    most
}

/// Refuses a shared-strings part that declares more strings than it could hold. The reader
/// reserves room for the declared count before reading a string: `uniqueCount="2147483647"` in
/// a 5 KB workbook asked for 51 GB and aborted the process (found by fuzzing). Every string
/// takes at least five bytes (`<si/>`), so an honest count is at most a fifth of the part.
fn check_shared_strings_count(name: &str, xml: &[u8]) -> Result<(), ReadError> {
    let most = xml.len() as u64 / 5;
    match declared_unique_count(xml) {
        Some(n) if n > most => Err(ReadError::Workbook(format!(
            "part {name} declares {n} shared strings but has room for at most {most}: the file is damaged; save it again from the spreadsheet program"
        ))),
        _ => Ok(()),
    }
}

/// An XLSX workbook whose parts have been checked against [`Limits`].
pub struct Workbook<'a> {
    xlsx: Xlsx<Cursor<&'a [u8]>>,
    limits: Limits,
}

/// One sheet's non-empty cells, by (row, column), both 0-based.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SheetCells {
    /// The sheet's name as the workbook spells it.
    pub name: String,
    /// The cells.
    pub cells: BTreeMap<(u32, u32), Data>,
}

impl SheetCells {
    /// The cell at (row, column), `Data::Empty` when there is none.
    pub fn get(&self, row: u32, col: u32) -> &Data {
        static EMPTY: Data = Data::Empty;
        self.cells.get(&(row, col)).unwrap_or(&EMPTY)
    }

    /// One past the last row holding a cell.
    pub fn rows(&self) -> u32 {
        self.cells.keys().next_back().map_or(0, |(r, _)| r + 1)
    }

    /// The rows holding at least one cell, in order.
    pub fn filled_rows(&self) -> Vec<u32> {
        let mut rows: Vec<u32> = self.cells.keys().map(|(r, _)| *r).collect();
        rows.dedup();
        rows
    }

    /// The cells of one row, left to right.
    pub fn row(&self, row: u32) -> impl Iterator<Item = (u32, &Data)> {
        self.cells
            .range((row, 0)..=(row, u32::MAX))
            .map(|((_, c), d)| (*c, d))
    }

    /// One past the last column holding a cell.
    pub fn cols(&self) -> u32 {
        self.cells.keys().map(|(_, c)| c + 1).max().unwrap_or(0)
    }
}

/// The column letters of a 1-based column number (1 is A, 16384 is XFD).
pub fn column_letters(col: u32) -> String {
    let mut c = col;
    let mut letters = Vec::new();
    while c > 0 {
        letters.push(char::from(b'A' + ((c - 1) % 26) as u8));
        c = (c - 1) / 26;
    }
    letters.iter().rev().collect()
}

impl<'a> Workbook<'a> {
    /// Opens a workbook after checking its parts.
    pub fn open(bytes: &'a [u8], limits: Limits) -> Result<Self, ReadError> {
        check_parts(bytes, &limits)?;
        let xlsx = Xlsx::new(Cursor::new(bytes)).map_err(|e| ReadError::Workbook(e.to_string()))?;
        Ok(Self { xlsx, limits })
    }

    /// The sheets' names, in the workbook's order.
    pub fn sheet_names(&self) -> Vec<String> {
        self.xlsx.sheet_names()
    }

    /// Streams a sheet's non-empty cells in the sheet's order, refusing any beyond the limits.
    fn each_cell(
        &mut self,
        sheet: &str,
        mut f: impl FnMut(u32, u32, DataRef<'_>),
    ) -> Result<(), ReadError> {
        let limits = self.limits;
        let mut reader = self
            .xlsx
            .worksheet_cells_reader(sheet)
            .map_err(|e| ReadError::Workbook(format!("sheet {sheet} cannot be read: {e}")))?;
        let (mut cells, mut text) = (0_usize, 0_usize);
        while let Some(cell) = reader
            .next_cell()
            .map_err(|e| ReadError::Workbook(format!("sheet {sheet} cannot be read: {e}")))?
        {
            let (row, col) = cell.get_position();
            let value = cell.get_value();
            let len = match value {
                DataRef::Empty => continue,
                DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.len(),
                DataRef::SharedString(s) => s.len(),
                _ => 0,
            };
            if row >= limits.max_rows {
                return Err(too_large(format!(
                    "sheet {sheet} has a value in row {}; wholeplace reads rows 1 to {}",
                    u64::from(row) + 1,
                    limits.max_rows
                )));
            }
            if col >= limits.max_columns {
                return Err(too_large(format!(
                    "sheet {sheet} has a value in column {} (cell {}{}); wholeplace reads columns A to {}: delete the stray cells or move the data left",
                    column_letters(col + 1),
                    column_letters(col + 1),
                    u64::from(row) + 1,
                    column_letters(limits.max_columns)
                )));
            }
            cells += 1;
            text += len;
            if cells > limits.max_cells {
                return Err(too_large(format!(
                    "sheet {sheet} has more than {} filled cells; wholeplace reads at most {} cells a sheet: split the data over several files",
                    limits.max_cells, limits.max_cells
                )));
            }
            if text > limits.max_text_bytes {
                return Err(too_large(format!(
                    "sheet {sheet} holds more than {} of text; wholeplace reads at most {} a sheet: split the data over several files",
                    mib(limits.max_text_bytes as u64),
                    mib(limits.max_text_bytes as u64)
                )));
            }
            f(row, col, cell.get_value().clone());
        }
        Ok(())
    }

    /// A sheet's non-empty cells.
    pub fn sheet(&mut self, sheet: &str) -> Result<SheetCells, ReadError> {
        let mut cells = BTreeMap::new();
        self.each_cell(sheet, |r, c, v| {
            cells.insert((r, c), Data::from(v));
        })?;
        Ok(SheetCells {
            name: sheet.to_owned(),
            cells,
        })
    }

    /// A sheet's cells as text, grouped by row in row order (rows without a value left out).
    pub fn sheet_text(&mut self, sheet: &str) -> Result<Vec<TextRow>, ReadError> {
        let mut rows: BTreeMap<u32, Vec<(u32, String)>> = BTreeMap::new();
        self.each_cell(sheet, |r, c, v| {
            let text = match v {
                DataRef::SharedString(s) => s.to_owned(),
                other => Data::from(other).to_string(),
            };
            rows.entry(r).or_default().push((c, text));
        })?;
        Ok(rows
            .into_iter()
            .map(|(r, mut cells)| {
                cells.sort_by_key(|(c, _)| *c);
                (r, cells)
            })
            .collect())
    }
}

/// A minimal workbook of one sheet named `sheet`, whose `<sheetData>` is `rows_xml` and whose
/// declared dimension is `dimension`: written by hand, so tests and fuzz seeds can say exactly
/// what a hostile sheet claims.
pub fn minimal_workbook_with_dimension(sheet: &str, dimension: &str, rows_xml: &str) -> Vec<u8> {
    let sheet_xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>{rows_xml}</sheetData></worksheet>"#
    );
    let workbook_xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="{}" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        sheet
            .replace('&', "&amp;")
            .replace('"', "&quot;")
            .replace('<', "&lt;")
    );
    let mut out = Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let parts = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        ("xl/workbook.xml", workbook_xml.as_str()),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
    ];
    for (name, text) in parts {
        zip.start_file(name, opts).ok();
        zip.write_all(text.as_bytes()).ok();
    }
    zip.start_file("xl/worksheets/sheet1.xml", opts).ok();
    zip.write_all(sheet_xml.as_bytes()).ok();
    zip.finish().ok();
    out.into_inner()
}

/// [`minimal_workbook_with_dimension`] with the dimension A1.
pub fn minimal_workbook(sheet: &str, rows_xml: &str) -> Vec<u8> {
    minimal_workbook_with_dimension(sheet, "A1", rows_xml)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet(cells: &str, dimension: &str) -> (String, String) {
        (cells.to_owned(), dimension.to_owned())
    }

    fn workbook_with_sheet((cells, dimension): (String, String)) -> Vec<u8> {
        minimal_workbook_with_dimension("Sheet1", &dimension, &cells)
    }

    /// `minimal_workbook` with a shared-strings part added.
    fn with_shared_strings(sst: &str) -> Vec<u8> {
        let base = minimal_workbook("Sheet1", r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#);
        let mut zip = zip::ZipArchive::new(Cursor::new(base.as_slice())).expect("zip");
        let mut out = Cursor::new(Vec::new());
        let mut w = zip::ZipWriter::new(&mut out);
        let opts = zip::write::SimpleFileOptions::default();
        for i in 0..zip.len() {
            let mut f = zip.by_index(i).expect("part");
            let name = f.name().expect("name").into_owned();
            let mut data = Vec::new();
            f.read_to_end(&mut data).expect("read");
            w.start_file(name, opts).expect("start");
            w.write_all(&data).expect("write");
        }
        w.start_file("xl/sharedStrings.xml", opts).expect("start");
        w.write_all(sst.as_bytes()).expect("write");
        w.finish().expect("finish");
        out.into_inner()
    }

    /// Found by `wholeplace-fuzz` (tabular-xlsx, appraisal-xlsx): the reader reserved room for
    /// the shared strings' declared count before reading any, so a 5 KB workbook declaring
    /// 2147483647 of them asked for 51 GB and aborted the process (a larger count panicked).
    #[test]
    fn a_shared_strings_count_the_part_cannot_hold_is_refused_before_reading() {
        let sst = |count: &str| {
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount{count}><si><t>name</t></si></sst>"#
            )
        };
        let ok = crate::read_xlsx(&with_shared_strings(&sst(r#"="1""#)), "Sheet1").expect("reads");
        assert_eq!(ok.headers, vec!["name".to_owned()]);
        for lie in [
            r#"="2147483647""#,
            r#"="18446744073709551615""#,
            r#"="99999999999999999999999999""#,
            r#" = '+0002147483647'"#,
        ] {
            match crate::read_xlsx(&with_shared_strings(&sst(lie)), "Sheet1") {
                Err(ReadError::Workbook(m)) => assert!(m.contains("shared strings"), "{m}"),
                other => panic!("{lie}: {other:?}"),
            }
        }
        assert_eq!(declared_unique_count(b"<sst uniqueCount=\"12\">"), Some(12));
        assert_eq!(declared_unique_count(b"<sst count=\"12\">"), None);
    }

    #[test]
    fn a_far_away_cell_is_refused_without_allocating_its_area() {
        // The 1.6 KB workbook that used to abort the server: one cell at XFD1048576.
        let bytes = workbook_with_sheet(sheet(
            r#"<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>"#,
            "A1:XFD1048576",
        ));
        assert!(bytes.len() < 4096);
        let mut wb = Workbook::open(&bytes, Limits::default()).expect("opens");
        let err = wb.sheet("Sheet1").expect_err("refused");
        let msg = err.to_string();
        assert!(matches!(err, ReadError::TooLarge(_)), "{msg}");
        assert!(
            msg.contains("column XFD") && msg.contains("A to SF"),
            "{msg}"
        );
    }

    #[test]
    fn a_declared_dimension_alone_costs_nothing() {
        // The sheet claims the whole grid but holds two cells near the top.
        let bytes = workbook_with_sheet(sheet(
            r#"<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row><row r="2"><c r="A2"><v>12.5</v></c></row>"#,
            "A1:XFD1048576",
        ));
        let mut wb = Workbook::open(&bytes, Limits::default()).expect("opens");
        let s = wb.sheet("Sheet1").expect("reads");
        assert_eq!(s.cells.len(), 2);
        assert_eq!((s.rows(), s.cols()), (2, 1));
        assert_eq!(s.get(1, 0), &Data::Float(12.5));
        assert_eq!(s.get(500, 500), &Data::Empty);
    }

    #[test]
    fn a_part_that_inflates_past_the_limit_is_refused() {
        // A highly compressible sheet: about 6 MB of XML in a small zip.
        let row = r#"<row><c t="inlineStr"><is><t>aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa</t></is></c></row>"#;
        let bytes = workbook_with_sheet(sheet(&row.repeat(80_000), "A1:A80000"));
        let limits = Limits {
            max_part_bytes: 1024 * 1024,
            ..Limits::default()
        };
        let err = Workbook::open(&bytes, limits).err().expect("refused");
        let msg = err.to_string();
        assert!(
            msg.contains("xl/worksheets/sheet1.xml") && msg.contains("1 MiB"),
            "{msg}"
        );
        let limits = Limits {
            max_total_bytes: 2 * 1024 * 1024,
            ..Limits::default()
        };
        let msg = Workbook::open(&bytes, limits)
            .err()
            .expect("refused")
            .to_string();
        assert!(msg.contains("at most 2 MiB"), "{msg}");
    }

    #[test]
    fn cell_and_text_counts_are_capped() {
        let row = r#"<row><c t="inlineStr"><is><t>abcdefghij</t></is></c><c><v>1</v></c></row>"#;
        let bytes = workbook_with_sheet(sheet(&row.repeat(100), "A1:B100"));
        let limits = Limits {
            max_cells: 150,
            ..Limits::default()
        };
        let msg = Workbook::open(&bytes, limits)
            .and_then(|mut w| w.sheet("Sheet1"))
            .expect_err("too many cells")
            .to_string();
        assert!(msg.contains("more than 150 filled cells"), "{msg}");
        let limits = Limits {
            max_text_bytes: 500,
            ..Limits::default()
        };
        let msg = Workbook::open(&bytes, limits)
            .and_then(|mut w| w.sheet_text("Sheet1"))
            .expect_err("too much text")
            .to_string();
        assert!(msg.contains("of text"), "{msg}");
        let rows = Workbook::open(&bytes, Limits::default())
            .and_then(|mut w| w.sheet_text("Sheet1"))
            .expect("within limits");
        assert_eq!(rows.len(), 100);
        assert_eq!(rows[99].1, vec![(0, "abcdefghij".into()), (1, "1".into())]);
    }

    #[test]
    fn not_a_zip_and_too_many_parts_are_refused() {
        assert!(matches!(
            Workbook::open(b"name,amount\n", Limits::default()),
            Err(ReadError::Workbook(_))
        ));
        let bytes = workbook_with_sheet(sheet("", "A1"));
        let limits = Limits {
            max_parts: 3,
            ..Limits::default()
        };
        let msg = Workbook::open(&bytes, limits)
            .err()
            .expect("refused")
            .to_string();
        assert!(
            msg.contains("5 parts") && msg.contains("at most 3"),
            "{msg}"
        );
    }

    #[test]
    fn column_letters_are_spreadsheet_letters() {
        assert_eq!(column_letters(1), "A");
        assert_eq!(column_letters(26), "Z");
        assert_eq!(column_letters(27), "AA");
        assert_eq!(column_letters(500), "SF");
        assert_eq!(column_letters(16_384), "XFD");
    }
}
