//! CSV records with the line each starts on, for the reference data the engine ships and the
//! partner files users load. Read by the `csv` crate (RFC 4180: quoted fields, doubled quotes,
//! commas and line breaks inside quotes) from text the caller passes in, so the engine still reads
//! no file; every record keeps its line for error messages.

/// One CSV record with the 1-based line number on which it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The line on which the record starts (1-based, the header is line 1).
    pub line: usize,
    /// The fields, unquoted.
    pub fields: Vec<String>,
}

/// Splits CSV text into records (blank lines left out). An unterminated quote is reported with
/// the line of the record it opens in.
pub fn parse(text: &str) -> Result<Vec<Record>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    for rec in reader.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, csv::Position::line);
            format!("line {line}: {e}")
        })?;
        let line = rec.position().map_or(0, csv::Position::line) as usize;
        out.push(Record {
            line,
            fields: rec.iter().map(str::to_owned).collect(),
        });
    }
    // The reader takes an unclosed quote to the end of the text; say so instead, as a spreadsheet
    // would refuse it (quotes inside a quoted field are doubled, so a closed file has an even count).
    if text.matches('"').count() % 2 == 1 {
        let line = out.last().map_or(1, |r| r.line);
        return Err(format!(
            "line {line}: a quoted field is never closed; add the missing \" character"
        ));
    }
    Ok(out)
}

/// Quotes a field for writing when it holds a comma, quote or newline.
pub fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_quotes_commas_and_newlines() {
        let r = parse("a,b\n\"x, y\",\"say \"\"hi\"\"\nthere\"\n3,\n").expect("parses");
        assert_eq!(r.len(), 3);
        assert_eq!(r[1].fields, vec!["x, y", "say \"hi\"\nthere"]);
        assert_eq!(r[2].line, 4);
        assert_eq!(r[2].fields, vec!["3", ""]);
        assert!(parse("a,\"b\n").is_err());
    }
}
