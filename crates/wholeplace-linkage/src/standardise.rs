//! Standardisation: the same value written differently by different agencies becomes one value.
//! Case, punctuation and whitespace; UK postcodes; dates read with explicit formats (never
//! guessed); NHS number check digits and National Insurance number formats.

use serde::{Deserialize, Serialize};

/// Lower-cases, folds common accented Latin letters, drops apostrophes, turns other punctuation
/// into spaces and collapses whitespace: `"  O'Brien-SMITH "` -> `"obrien smith"`.
#[must_use]
pub fn clean_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.chars() {
        let c = fold_char(c);
        if c == '\'' || c == '\u{2019}' || c == '`' {
            continue;
        }
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            for l in c.to_lowercase() {
                out.push(l);
            }
        } else {
            pending_space = true;
        }
    }
    out
}

fn fold_char(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => 'a',
        'ç' | 'Ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => 'i',
        'ñ' | 'Ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => 'u',
        'ý' | 'ÿ' | 'Ý' => 'y',
        other => other,
    }
}

/// Cleans a name: [`clean_text`], then removes titles (`mr`, `mrs`, `dr` ...) when other words
/// remain.
#[must_use]
pub fn clean_name(s: &str) -> String {
    let t = clean_text(s);
    if !t.contains(' ') {
        return t;
    }
    const TITLES: [&str; 8] = ["mr", "mrs", "ms", "miss", "dr", "mx", "rev", "sir"];
    let words: Vec<&str> = t.split(' ').filter(|w| !TITLES.contains(w)).collect();
    if words.is_empty() { t } else { words.join(" ") }
}

/// Normalises a UK postcode to upper case with one space before the inward code
/// (`"sw1a1aa"` -> `"SW1A 1AA"`); `None` when the text is not a valid UK postcode shape.
#[must_use]
pub fn normalise_uk_postcode(s: &str) -> Option<String> {
    let compact: Vec<u8> = s
        .bytes()
        .filter(|b| !b.is_ascii_whitespace())
        .map(|b| b.to_ascii_uppercase())
        .collect();
    if !(5..=7).contains(&compact.len()) {
        return None;
    }
    let (out, inw) = compact.split_at(compact.len() - 3);
    let alpha = |b: u8| b.is_ascii_uppercase();
    let digit = |b: u8| b.is_ascii_digit();
    if !(digit(inw[0]) && alpha(inw[1]) && alpha(inw[2])) {
        return None;
    }
    let ok = match out {
        [a, d] => alpha(*a) && digit(*d),
        [a, b, c] => {
            alpha(*a) && ((digit(*b) && (digit(*c) || alpha(*c))) || (alpha(*b) && digit(*c)))
        }
        [a, b, c, d] => alpha(*a) && alpha(*b) && digit(*c) && (digit(*d) || alpha(*d)),
        _ => false,
    };
    if !ok {
        return None;
    }
    let mut r = String::with_capacity(8);
    r.push_str(std::str::from_utf8(out).ok()?);
    r.push(' ');
    r.push_str(std::str::from_utf8(inw).ok()?);
    Some(r)
}

/// Standardises any postcode: a UK postcode in its canonical form, otherwise the upper-cased
/// letters and digits (so other countries' postcodes still compare exactly).
#[must_use]
pub fn standardise_postcode(s: &str) -> String {
    normalise_uk_postcode(s).unwrap_or_else(|| {
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_uppercase())
            .collect()
    })
}

/// The nested parts of a standardised postcode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PostcodeParts<'a> {
    /// Area: the leading letters (`SW`).
    pub area: &'a str,
    /// District: the outward code (`SW1A`).
    pub district: &'a str,
    /// Sector: outward code, space and the inward digit (`SW1A 1`).
    pub sector: &'a str,
    /// Unit: the whole postcode (`SW1A 1AA`).
    pub unit: &'a str,
}

/// Splits a standardised postcode into its parts. A UK postcode gives area/district/sector/unit;
/// other all-digit postcodes (such as Australian ones) use prefixes of 1, 2 and 3 digits.
#[must_use]
pub fn postcode_parts(p: &str) -> Option<PostcodeParts<'_>> {
    if p.is_empty() {
        return None;
    }
    if let Some(space) = p.find(' ') {
        let area_len = p.bytes().take_while(u8::is_ascii_alphabetic).count();
        return Some(PostcodeParts {
            area: &p[..area_len],
            district: &p[..space],
            sector: &p[..(space + 2).min(p.len())],
            unit: p,
        });
    }
    if p.len() >= 3 && p.is_ascii() {
        return Some(PostcodeParts {
            area: &p[..1],
            district: &p[..2],
            sector: &p[..p.len() - 1],
            unit: p,
        });
    }
    Some(PostcodeParts {
        area: p,
        district: p,
        sector: p,
        unit: p,
    })
}

/// A calendar date, packed as `yyyymmdd` in a `u32` inside columns (0 means missing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Date {
    /// Year, e.g. 1987.
    pub year: u16,
    /// Month 1-12.
    pub month: u8,
    /// Day 1-31.
    pub day: u8,
}

impl Date {
    /// A valid date, or `None` (checks month lengths and leap years).
    #[must_use]
    pub fn new(year: u16, month: u8, day: u8) -> Option<Self> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) || year == 0 {
            return None;
        }
        Some(Self { year, month, day })
    }

    /// The packed `yyyymmdd` form.
    #[must_use]
    pub fn pack(self) -> u32 {
        u32::from(self.year) * 10_000 + u32::from(self.month) * 100 + u32::from(self.day)
    }

    /// Unpacks `yyyymmdd` (0 or invalid -> `None`).
    #[must_use]
    pub fn unpack(v: u32) -> Option<Self> {
        if v == 0 {
            return None;
        }
        Self::new(
            (v / 10_000) as u16,
            ((v / 100) % 100) as u8,
            (v % 100) as u8,
        )
    }

    /// Days since 1970-01-01 (proleptic Gregorian), for date differences.
    #[must_use]
    pub fn days(self) -> i64 {
        let (y, m, d) = (
            i64::from(self.year),
            i64::from(self.month),
            i64::from(self.day),
        );
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }
}

fn days_in_month(y: u16, m: u8) -> u8 {
    match m {
        4 | 6 | 9 | 11 => 30,
        2 => {
            if (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400) {
                29
            } else {
                28
            }
        }
        _ => 31,
    }
}

/// A date format written with `%Y` (4-digit year), `%y` (2-digit year, pivot below), `%m`
/// (month 1-2 digits), `%d` (day 1-2 digits), `%b` (month name or 3-letter abbreviation) and
/// literal characters, e.g. `"%d/%m/%Y"`, `"%Y%m%d"`, `"%d %b %Y"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DateFormat(pub String);

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

impl DateFormat {
    /// Parses `s` strictly with this format; `None` if it does not fit or is not a real date.
    /// Two-digit years are read as 19xx when above `pivot`, else 20xx.
    #[must_use]
    pub fn parse(&self, s: &str, pivot: u16) -> Option<Date> {
        let s = s.trim().as_bytes();
        let f = self.0.as_bytes();
        let (mut i, mut k) = (0usize, 0usize);
        let (mut y, mut m, mut d) = (None, None, None);
        let digits = |i: &mut usize, min: usize, max: usize| -> Option<u32> {
            let start = *i;
            while *i < s.len() && *i - start < max && s[*i].is_ascii_digit() {
                *i += 1;
            }
            if *i - start < min {
                return None;
            }
            std::str::from_utf8(&s[start..*i]).ok()?.parse().ok()
        };
        while k < f.len() {
            if f[k] == b'%' && k + 1 < f.len() {
                match f[k + 1] {
                    b'Y' => y = Some(digits(&mut i, 4, 4)? as u16),
                    b'y' => {
                        let v = digits(&mut i, 2, 2)? as u16;
                        y = Some(if v > pivot % 100 { 1900 + v } else { 2000 + v });
                    }
                    b'm' => {
                        let fixed = k + 2 < f.len() && f[k + 2] == b'%';
                        m = Some(digits(&mut i, if fixed { 2 } else { 1 }, 2)? as u8);
                    }
                    b'd' => {
                        let fixed = k + 2 < f.len() && f[k + 2] == b'%';
                        d = Some(digits(&mut i, if fixed { 2 } else { 1 }, 2)? as u8);
                    }
                    b'b' => {
                        let start = i;
                        while i < s.len() && s[i].is_ascii_alphabetic() {
                            i += 1;
                        }
                        let word = std::str::from_utf8(&s[start..i]).ok()?.to_ascii_lowercase();
                        if word.len() < 3 {
                            return None;
                        }
                        let pos = MONTHS.iter().position(|mn| word.starts_with(mn))?;
                        m = Some(pos as u8 + 1);
                    }
                    _ => return None,
                }
                k += 2;
            } else {
                if i >= s.len() || s[i] != f[k] {
                    return None;
                }
                i += 1;
                k += 1;
            }
        }
        if i != s.len() {
            return None;
        }
        Date::new(y?, m?, d?)
    }
}

/// Parses a date by trying each format in order; the first that fits wins.
#[must_use]
pub fn parse_date(s: &str, formats: &[DateFormat], pivot: u16) -> Option<Date> {
    formats.iter().find_map(|f| f.parse(s, pivot))
}

/// The default formats: ISO, compact, UK day-first with `/`, `-` or `.`, and `12 Mar 1980`.
#[must_use]
pub fn default_date_formats() -> Vec<DateFormat> {
    [
        "%Y-%m-%d", "%Y%m%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d %b %Y", "%Y/%m/%d",
        "%d/%m/%y",
    ]
    .into_iter()
    .map(|f| DateFormat(f.to_owned()))
    .collect()
}

/// Digits of an identifier, with spaces and dashes removed.
#[must_use]
pub fn identifier_digits(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Whether `s` is a valid NHS number: ten digits (spaces allowed) whose modulus-11 check digit
/// (weights 10 down to 2 on the first nine) is right. A remainder giving check value 10 is invalid.
#[must_use]
pub fn is_valid_nhs_number(s: &str) -> bool {
    let d: Vec<u32> = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_digit(10).unwrap_or(99))
        .collect();
    if d.len() != 10 || d.iter().any(|&x| x > 9) {
        return false;
    }
    let sum: u32 = d[..9].iter().zip((2..=10).rev()).map(|(x, w)| x * w).sum();
    let check = match 11 - sum % 11 {
        11 => 0,
        10 => return false,
        c => c,
    };
    check == d[9]
}

/// Whether `s` has the format of a National Insurance number: two prefix letters (first not
/// D F I Q U V; second not D F I O Q U V; not BG GB KN NK NT TN ZZ), six digits and a suffix
/// A-D (the suffix may be omitted). Spaces are ignored; case is not significant.
#[must_use]
pub fn is_valid_ni_number(s: &str) -> bool {
    let c: Vec<u8> = s
        .bytes()
        .filter(|b| !b.is_ascii_whitespace())
        .map(|b| b.to_ascii_uppercase())
        .collect();
    if c.len() != 8 && c.len() != 9 {
        return false;
    }
    let (a, b) = (c[0], c[1]);
    if !a.is_ascii_uppercase()
        || !b.is_ascii_uppercase()
        || b"DFIQUV".contains(&a)
        || b"DFIOQUV".contains(&b)
    {
        return false;
    }
    if [b"BG", b"GB", b"KN", b"NK", b"NT", b"TN", b"ZZ"]
        .iter()
        .any(|p| p[0] == a && p[1] == b)
    {
        return false;
    }
    if !c[2..8].iter().all(u8::is_ascii_digit) {
        return false;
    }
    c.len() == 8 || (b'A'..=b'D').contains(&c[8])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_cleaning() {
        assert_eq!(clean_text("  O'Brien-SMITH "), "obrien smith");
        assert_eq!(clean_text("Zoë   Élan"), "zoe elan");
        assert_eq!(clean_name("Mrs Jane Doe"), "jane doe");
        assert_eq!(clean_name("Mr"), "mr");
    }

    #[test]
    fn postcodes() {
        assert_eq!(
            normalise_uk_postcode("sw1a1aa").as_deref(),
            Some("SW1A 1AA")
        );
        assert_eq!(normalise_uk_postcode(" m1 1ae ").as_deref(), Some("M1 1AE"));
        assert_eq!(normalise_uk_postcode("B338TH").as_deref(), Some("B33 8TH"));
        assert_eq!(normalise_uk_postcode("CR2 6XH").as_deref(), Some("CR2 6XH"));
        assert_eq!(
            normalise_uk_postcode("DN55 1PT").as_deref(),
            Some("DN55 1PT")
        );
        assert_eq!(normalise_uk_postcode("4223"), None);
        assert_eq!(normalise_uk_postcode("SW1A 1A1"), None);
        let p = postcode_parts("SW1A 1AA").expect("parts");
        assert_eq!((p.area, p.district, p.sector), ("SW", "SW1A", "SW1A 1"));
        assert_eq!(standardise_postcode("4223"), "4223");
    }

    #[test]
    fn dates() {
        let f = default_date_formats();
        let d = Date::new(1980, 3, 12).expect("valid");
        for s in [
            "1980-03-12",
            "19800312",
            "12/03/1980",
            "12/3/1980",
            "12 Mar 1980",
            "12 March 1980",
            "12.03.1980",
        ] {
            assert_eq!(parse_date(s, &f, 30), Some(d), "{s}");
        }
        assert_eq!(parse_date("31/02/1980", &f, 30), None);
        assert_eq!(parse_date("29/02/2000", &f, 30), Date::new(2000, 2, 29));
        assert_eq!(parse_date("29/02/1900", &f, 30), None);
        assert_eq!(parse_date("12/03/85", &f, 30).map(|d| d.year), Some(1985));
        assert_eq!(parse_date("12/03/05", &f, 30).map(|d| d.year), Some(2005));
        assert_eq!(Date::new(1970, 1, 2).map(Date::days), Some(1));
        assert_eq!(Date::unpack(d.pack()), Some(d));
    }

    #[test]
    fn identifiers() {
        assert!(is_valid_nhs_number("943 476 5919"));
        assert!(!is_valid_nhs_number("943 476 5918"));
        assert!(!is_valid_nhs_number("94347659"));
        assert!(is_valid_ni_number("AB 12 34 56 C"));
        assert!(is_valid_ni_number("ab123456"));
        assert!(!is_valid_ni_number("QQ123456E"));
        assert!(!is_valid_ni_number("GB123456A"));
        assert!(!is_valid_ni_number("DA123456A"));
    }
}
