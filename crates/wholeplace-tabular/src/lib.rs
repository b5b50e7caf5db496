//! Tables in and out. Councils live in Excel: every list wholeplace keeps can leave as CSV or
//! XLSX and come back in the same shape. Reading reports the row and column of every problem;
//! writing guards text cells against formula injection (a cell starting with = + - @ is made text).

pub mod workbook;

/// A table: a header row and rows of text cells, all the same width.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Table {
    /// Column names.
    pub headers: Vec<String>,
    /// Rows; row `i` is spreadsheet row `i + 2` (after the header).
    pub rows: Vec<Vec<String>>,
}

/// Why a file could not be read as a table.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The CSV is malformed.
    #[error("row {row}: {message}")]
    Csv {
        /// Spreadsheet row number (1 is the header).
        row: u64,
        /// What is wrong.
        message: String,
    },
    /// The workbook cannot be opened.
    #[error("the file is not an XLSX workbook that can be read: {0}")]
    Workbook(String),
    /// The sheet is missing.
    #[error(
        "the workbook has no sheet called '{0}': name the sheet so, or export it again from wholeplace"
    )]
    NoSheet(String),
    /// Nothing to read.
    #[error("the file is empty: it needs a header row naming the columns")]
    Empty,
    /// A cell holds a control character (NUL and the like), which no field may hold.
    #[error(
        "row {row}, column {column}: the cell contains a control character (an invisible character such as NUL) at character {position}: remove it and upload the file again"
    )]
    Control {
        /// Spreadsheet row number (1 is the header).
        row: u64,
        /// The column's name, or its letter when the header is the problem.
        column: String,
        /// Character position in the cell, from 1.
        position: usize,
    },
    /// The file is larger than wholeplace reads; the message names the limit.
    #[error("the file is too large: {0}")]
    TooLarge(String),
}

/// Is this a control character no text field may hold (the C0 codes that are not white space,
/// that is all but tab, line feed, vertical tab, form feed and carriage return, and DEL)?
/// PostgreSQL cannot store NUL at all, so none is accepted anywhere.
pub fn is_refused_control(c: char) -> bool {
    matches!(c, '\0'..='\u{8}' | '\u{e}'..='\u{1f}' | '\u{7f}')
}

impl Table {
    /// Refuses the table if any cell holds a control character, naming the first such cell.
    pub fn check_text(&self) -> Result<(), ReadError> {
        let at = |cell: &str| cell.chars().position(is_refused_control).map(|p| p + 1);
        for (c, h) in self.headers.iter().enumerate() {
            if let Some(position) = at(h) {
                return Err(ReadError::Control {
                    row: 1,
                    column: workbook::column_letters(c as u32 + 1),
                    position,
                });
            }
        }
        for (r, row) in self.rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                if let Some(position) = at(cell) {
                    return Err(ReadError::Control {
                        row: r as u64 + 2,
                        column: self.headers.get(c).cloned().unwrap_or_default(),
                        position,
                    });
                }
            }
        }
        Ok(())
    }

    /// The index of a column by name (case and spacing ignored).
    pub fn column(&self, name: &str) -> Option<usize> {
        let norm = |s: &str| s.trim().to_lowercase().replace([' ', '-'], "_");
        self.headers.iter().position(|h| norm(h) == norm(name))
    }
}

/// Reads CSV text (a leading byte-order mark is ignored).
pub fn read_csv(text: &str) -> Result<Table, ReadError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| ReadError::Csv {
            row: 1,
            message: e.to_string(),
        })?
        .iter()
        .map(str::to_owned)
        .collect();
    if headers.iter().all(String::is_empty) {
        return Err(ReadError::Empty);
    }
    let mut rows = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| ReadError::Csv {
            row: i as u64 + 2,
            message: match e.kind() {
                csv::ErrorKind::UnequalLengths { expected_len, len, .. } => format!("has {len} cells but the header has {expected_len}: check for a stray comma or a missing quote"),
                _ => e.to_string(),
            },
        })?;
        rows.push(rec.iter().map(unguard).collect());
    }
    let table = Table { headers, rows };
    table.check_text()?;
    Ok(table)
}

/// Reads the named sheet of an XLSX workbook, within [`workbook::Limits::default`]: the first
/// row holding a value is the header; later rows without a value are left out.
pub fn read_xlsx(bytes: &[u8], sheet: &str) -> Result<Table, ReadError> {
    let mut wb = workbook::Workbook::open(bytes, workbook::Limits::default())?;
    if !wb.sheet_names().iter().any(|s| s == sheet) {
        return Err(ReadError::NoSheet(sheet.to_owned()));
    }
    let sheet_rows = wb.sheet_text(sheet)?;
    // Columns count from the leftmost column holding a value, as the sheet's used range does.
    let first = sheet_rows
        .iter()
        .filter_map(|(_, cells)| cells.first().map(|(c, _)| *c))
        .min()
        .unwrap_or(0);
    let mut it = sheet_rows.into_iter();
    let (_, header) = it.next().ok_or(ReadError::Empty)?;
    let width = header.last().map_or(0, |(c, _)| (c - first) as usize + 1);
    let mut headers = vec![String::new(); width];
    for (c, text) in header {
        headers[(c - first) as usize] = text.trim().to_owned();
    }
    let rows = it
        .map(|(_, cells)| {
            let mut row = vec![String::new(); width];
            for (c, text) in cells {
                if let Some(slot) = row.get_mut((c - first) as usize) {
                    *slot = unguard(text.trim());
                }
            }
            row
        })
        .filter(|r| r.iter().any(|c| !c.is_empty()))
        .collect();
    let table = Table { headers, rows };
    table.check_text()?;
    Ok(table)
}

/// Makes a cell safe to open in a spreadsheet: text starting with = + - @ (or a tab or carriage
/// return) gets a leading apostrophe, unless it is a plain number such as -12.50.
pub fn guard(cell: &str) -> String {
    if cell.parse::<f64>().is_ok() {
        cell.to_owned()
    } else {
        guard_text(cell)
    }
}

/// Makes a cell that is always text safe to open in a spreadsheet: one starting with = + - @ (or
/// a tab or carriage return) gets a leading apostrophe, numbers included (an account name "-2"
/// is text, not a number).
pub fn guard_text(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

/// Undoes [`guard`] on the way back in, so an export re-imports to the same data.
fn unguard(cell: &str) -> String {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest.to_owned(),
        _ => cell.to_owned(),
    }
}

/// Writes a table as CSV, every cell guarded ([`guard`]: numbers stay numbers).
pub fn write_csv(table: &Table) -> String {
    write_csv_guarded(table, guard)
}

/// Writes a table whose cells are all text as CSV, every cell guarded with [`guard_text`].
pub fn write_text_csv(table: &Table) -> String {
    write_csv_guarded(table, guard_text)
}

fn write_csv_guarded(table: &Table, guard: fn(&str) -> String) -> String {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    let _ = w.write_record(table.headers.iter().map(|h| guard(h)));
    for r in &table.rows {
        let _ = w.write_record(r.iter().map(|c| guard(c)));
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// Why a workbook could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write the workbook: {0}")]
pub struct WriteError(String);

/// Writes sheets into an XLSX workbook. Numbers in `numeric_columns` are written as numbers;
/// everything else as text (so no cell is ever a formula).
pub fn write_xlsx(sheets: &[(&str, &Table, &[usize])]) -> Result<Vec<u8>, WriteError> {
    write_workbook(sheets, false)
}

/// Like [`write_xlsx`], but reproducible: the workbook's creation date is fixed (1 January 2000),
/// so the same tables always give the same bytes (two exports of the same data can be compared).
pub fn write_xlsx_reproducible(sheets: &[(&str, &Table, &[usize])]) -> Result<Vec<u8>, WriteError> {
    write_workbook(sheets, true)
}

fn write_workbook(
    sheets: &[(&str, &Table, &[usize])],
    reproducible: bool,
) -> Result<Vec<u8>, WriteError> {
    use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};
    let mut wb = Workbook::new();
    if reproducible {
        let epoch = ExcelDateTime::from_ymd(2000, 1, 1).map_err(|e| WriteError(e.to_string()))?;
        wb.set_properties(&DocProperties::new().set_creation_datetime(&epoch));
    }
    let bold = Format::new().set_bold();
    for (name, table, numeric) in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(*name).map_err(|e| WriteError(e.to_string()))?;
        for (c, h) in table.headers.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, h, &bold)
                .map_err(|e| WriteError(e.to_string()))?;
        }
        for (r, row) in table.rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (rr, cc) = (r as u32 + 1, c as u16);
                match cell.parse::<f64>() {
                    Ok(n) if numeric.contains(&c) => ws.write_number(rr, cc, n),
                    _ => ws.write_string(rr, cc, cell),
                }
                .map_err(|e| WriteError(e.to_string()))?;
            }
        }
    }
    wb.save_to_buffer().map_err(|e| WriteError(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        Table {
            headers: vec!["agency".into(), "amount".into(), "note".into()],
            rows: vec![
                vec![
                    "Kent County Council".into(),
                    "9550000.00".into(),
                    "=HYPERLINK(\"x\")".into(),
                ],
                vec!["NHS, West Kent".into(), "-12.50".into(), "@risk".into()],
            ],
        }
    }

    #[test]
    fn csv_round_trips_and_is_safe() {
        let t = sample();
        let text = write_csv(&t);
        assert!(text.contains("'=HYPERLINK"), "{text}");
        assert!(text.contains("'@risk"), "{text}");
        assert!(text.contains(",-12.50,"), "numbers stay numbers: {text}");
        assert_eq!(read_csv(&text).expect("read"), t);
    }

    #[test]
    fn reproducible_workbooks_are_byte_identical() {
        let t = sample();
        let a = write_xlsx_reproducible(&[("Budget lines", &t, &[1])]).expect("write");
        let b = write_xlsx_reproducible(&[("Budget lines", &t, &[1])]).expect("write");
        assert_eq!(a, b);
        assert_eq!(read_xlsx(&a, "Budget lines").expect("read").rows.len(), 2);
    }

    #[test]
    fn xlsx_round_trips() {
        let t = sample();
        let bytes = write_xlsx(&[("Budget lines", &t, &[])]).expect("write");
        assert_eq!(read_xlsx(&bytes, "Budget lines").expect("read"), t);
        assert!(matches!(
            read_xlsx(&bytes, "Other"),
            Err(ReadError::NoSheet(_))
        ));
        assert!(matches!(
            read_xlsx(b"not a zip", "x"),
            Err(ReadError::Workbook(_))
        ));
    }

    #[test]
    fn control_characters_are_refused_with_their_cell() {
        let err = read_csv("agency,amount\nKent,12\nSu\u{0}rrey,3\n").expect_err("NUL refused");
        assert_eq!(
            err.to_string(),
            "row 3, column agency: the cell contains a control character (an invisible character such as NUL) at character 3: remove it and upload the file again"
        );
        let err = read_csv("agency\u{1b},amount\nKent,12\n").expect_err("escape refused");
        assert!(err.to_string().starts_with("row 1, column A:"), "{err}");
        // Tabs and line breaks inside quoted cells are ordinary text.
        let t = read_csv("agency,note\nKent,\"two\nlines\tand a tab\"\n").expect("read");
        assert_eq!(t.rows[0][1], "two\nlines\tand a tab");
    }

    #[test]
    fn bad_csv_names_the_row() {
        let err = read_csv("a,b\n1,2\n3\n").expect_err("ragged");
        assert!(err.to_string().starts_with("row 3:"), "{err}");
        assert!(matches!(read_csv(""), Err(ReadError::Empty)));
    }
}
