//! A small RFC 4180 CSV reader (quoted fields, doubled quotes, commas and newlines inside quotes)
//! for the reference data the engine ships and the partner files users load. Kept here so the pure
//! engine needs no IO crate; every record keeps the line on which it starts for error messages.

/// One CSV record with the 1-based line number on which it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The line on which the record starts (1-based, the header is line 1).
    pub line: usize,
    /// The fields, unquoted.
    pub fields: Vec<String>,
}

/// Splits CSV text into records. An unterminated quote is reported with its line.
pub fn parse(text: &str) -> Result<Vec<Record>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut in_quotes = false;
    let mut line = 1usize;
    let mut start_line = 1usize;
    let mut chars = text.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' => {
                in_quotes = true;
                any = true;
            }
            ',' => {
                fields.push(std::mem::take(&mut field));
                any = true;
            }
            '\r' => {}
            '\n' => {
                if any || !field.is_empty() {
                    fields.push(std::mem::take(&mut field));
                    out.push(Record {
                        line: start_line,
                        fields: std::mem::take(&mut fields),
                    });
                }
                any = false;
                line += 1;
                start_line = line;
            }
            _ => {
                field.push(c);
                any = true;
            }
        }
    }
    if in_quotes {
        return Err(format!(
            "line {start_line}: a quoted field is never closed; add the missing \" character"
        ));
    }
    if any || !field.is_empty() {
        fields.push(field);
        out.push(Record {
            line: start_line,
            fields,
        });
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
