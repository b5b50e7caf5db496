//! Organisation identifiers in the org-id.guide form (`GB-CHC-1234567`): a scheme's code, a
//! hyphen and the organisation's identifier on that scheme's register. 360Giving, Open Referral UK
//! and the UK's registers of grants all match organisations on them. Each scheme this system knows
//! has its value's form checked; an unknown scheme is refused by name. A publisher's 360Giving
//! prefix (`360G-xxxx`) is checked here too, and the GSS entity of a place gives its 360Giving
//! geographic code type.

use std::fmt;

/// A scheme of organisation identifiers this system knows: its org-id.guide code, the register
/// it names, the form of a value written out, and a check of that form.
#[derive(Clone, Copy, Debug)]
pub struct OrgScheme {
    /// The org-id.guide code, such as `GB-CHC`.
    pub code: &'static str,
    /// The register, in words.
    pub register: &'static str,
    /// The form of a value, in words, with an example.
    pub form: &'static str,
    check: fn(&str) -> bool,
}

fn digits(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

fn letters(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_uppercase())
}

/// Letters, then digits, then at most one letter (`IP12345R`, `D10`, `L0123`).
fn letters_digits(s: &str, max_letters: usize, min_digits: usize, max_digits: usize) -> bool {
    let lead = s.bytes().take_while(u8::is_ascii_uppercase).count();
    let rest = &s[lead..];
    let num = rest.bytes().take_while(u8::is_ascii_digit).count();
    let tail = &rest[num..];
    lead <= max_letters
        && (min_digits..=max_digits).contains(&num)
        && (tail.is_empty() || letters(tail, 1, 1))
}

fn company(s: &str) -> bool {
    digits(s, 8, 8) || (s.len() == 8 && letters(&s[..2], 2, 2) && digits(&s[2..], 6, 6))
}

fn alnum(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// The schemes this system knows, by org-id.guide code.
pub const ORG_SCHEMES: &[OrgScheme] = &[
    OrgScheme {
        code: "GB-CHC",
        register: "Charity Commission for England and Wales",
        form: "a charity number of 6 or 7 digits, such as GB-CHC-1234567",
        check: |v| digits(v, 6, 7),
    },
    OrgScheme {
        code: "GB-SC",
        register: "Scottish Charity Regulator (OSCR)",
        form: "SC and 6 digits, such as GB-SC-SC012345",
        check: |v| v.len() == 8 && v.starts_with("SC") && digits(&v[2..], 6, 6),
    },
    OrgScheme {
        code: "GB-NIC",
        register: "Charity Commission for Northern Ireland",
        form: "a charity number of 6 digits, such as GB-NIC-100012",
        check: |v| digits(v, 6, 6),
    },
    OrgScheme {
        code: "GB-COH",
        register: "Companies House",
        form: "a company number of 8 characters, such as GB-COH-01234567 or GB-COH-SC123456",
        check: company,
    },
    OrgScheme {
        code: "GB-MPR",
        register: "the FCA's Mutuals Public Register",
        form: "a society number such as GB-MPR-12345R or GB-MPR-IP12345R",
        check: |v| letters_digits(v, 2, 1, 6),
    },
    OrgScheme {
        code: "GB-NHS",
        register: "NHS Organisation Data Service (ODS)",
        form: "an ODS code of 3 to 6 letters and digits, such as GB-NHS-RXH",
        check: |v| alnum(v, 3, 6),
    },
    OrgScheme {
        code: "GB-GOR",
        register: "the government organisation register",
        form: "a register code such as GB-GOR-D10 or GB-GOR-EA12",
        check: |v| letters_digits(v, 3, 1, 5) && !v.ends_with(|c: char| c.is_ascii_uppercase()),
    },
    OrgScheme {
        code: "GB-LAE",
        register: "the register of local authorities in England",
        form: "the council's 3 or 4 letter register code, such as GB-LAE-KEN",
        check: |v| letters(v, 3, 4),
    },
    OrgScheme {
        code: "GB-PLA",
        register: "the register of principal local authorities in Wales",
        form: "the council's 3 or 4 letter register code, such as GB-PLA-CRF",
        check: |v| letters(v, 3, 4),
    },
    OrgScheme {
        code: "GB-LAS",
        register: "the register of local authorities in Scotland",
        form: "the council's 3 or 4 letter register code, such as GB-LAS-EDH",
        check: |v| letters(v, 3, 4),
    },
    OrgScheme {
        code: "GB-LANI",
        register: "the register of local authorities in Northern Ireland",
        form: "the council's 3 or 4 letter register code, such as GB-LANI-BFS",
        check: |v| letters(v, 3, 4),
    },
    OrgScheme {
        code: "GB-EDU",
        register: "Get Information about Schools (URN)",
        form: "a unique reference number of 6 digits, such as GB-EDU-123456",
        check: |v| digits(v, 6, 6),
    },
    OrgScheme {
        code: "GB-UKPRN",
        register: "the UK Register of Learning Providers",
        form: "a UKPRN of 8 digits starting 1, such as GB-UKPRN-10001234",
        check: |v| digits(v, 8, 8) && v.starts_with('1'),
    },
    OrgScheme {
        code: "GB-SHPE",
        register: "the Regulator of Social Housing's register (England)",
        form: "a registration number such as GB-SHPE-L0123 or GB-SHPE-4567",
        check: |v| letters_digits(v, 2, 4, 5) && !v.ends_with(|c: char| c.is_ascii_uppercase()),
    },
];

/// The scheme of this org-id.guide code, if this system knows it.
pub fn scheme(code: &str) -> Option<&'static OrgScheme> {
    ORG_SCHEMES.iter().find(|s| s.code == code)
}

/// An organisation identifier: a known scheme and a value of that scheme's form.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct OrgIdentifier {
    /// The scheme's org-id.guide code, such as `GB-CHC`.
    pub scheme: String,
    /// The identifier on that scheme's register, such as `1234567`.
    pub value: String,
}

/// Why a text is not an organisation identifier, in words for the person who typed it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct OrgIdError(pub String);

impl OrgIdentifier {
    /// The identifier written `GB-CHC-1234567` (any case, spaces around ignored), or why not.
    pub fn parse(text: &str) -> Result<Self, OrgIdError> {
        let t = text.trim().to_uppercase();
        if t.is_empty() {
            return Err(OrgIdError(
                "Enter an identifier, such as GB-CHC-1234567".into(),
            ));
        }
        if t.parse::<crate::GssCode>().is_ok() {
            return Err(OrgIdError(format!(
                "'{t}' is a GSS area code, not an organisation identifier: an English council's is GB-LAE- and its register code, such as GB-LAE-KEN"
            )));
        }
        if t.starts_with("360G-") {
            return Err(OrgIdError(format!(
                "'{t}' is a 360Giving publisher's own identifier: record an organisation's registered identifiers only (the export gives one with none a 360G identifier of its own)"
            )));
        }
        // The longest known scheme code that starts the text, followed by a hyphen.
        let found = ORG_SCHEMES
            .iter()
            .filter(|s| t.starts_with(s.code))
            .filter(|s| t.as_bytes().get(s.code.len()).is_none_or(|b| *b == b'-'))
            .max_by_key(|s| s.code.len());
        let Some(s) = found else {
            let code = scheme_part(&t);
            return Err(OrgIdError(format!(
                "'{code}' is not an identifier scheme this system knows: write the scheme, a hyphen and the identifier, with one of the schemes {}",
                scheme_codes()
            )));
        };
        let value = t.get(s.code.len() + 1..).unwrap_or("").trim().to_owned();
        if !(s.check)(&value) {
            return Err(OrgIdError(format!(
                "'{t}' is not a {} identifier: write {}",
                s.register, s.form
            )));
        }
        Ok(Self {
            scheme: s.code.to_owned(),
            value,
        })
    }
}

/// The scheme part of an identifier that names no known scheme: up to the last hyphen before
/// the first digit, or its first two parts.
fn scheme_part(t: &str) -> String {
    let parts: Vec<&str> = t.split('-').collect();
    if parts.len() >= 3 {
        format!("{}-{}", parts[0], parts[1])
    } else {
        parts[0].to_owned()
    }
}

/// The known schemes' codes, for messages.
pub fn scheme_codes() -> String {
    ORG_SCHEMES
        .iter()
        .map(|s| s.code)
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for OrgIdentifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.scheme, self.value)
    }
}

/// A 360Giving publisher prefix (`360G-` and letters or digits, as 360Giving registers them),
/// or why not.
pub fn publisher_prefix(text: &str) -> Result<String, OrgIdError> {
    let t = text.trim();
    let rest = t
        .strip_prefix("360G-")
        .or_else(|| t.strip_prefix("360g-"))
        .unwrap_or("");
    if rest.is_empty()
        || rest.len() > 40
        || !rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Err(OrgIdError(
            "Enter the prefix 360Giving registered for the partnership: 360G- followed by letters or digits, such as 360G-wholeplace".into(),
        ));
    }
    Ok(format!("360G-{rest}"))
}

/// A piece of an identifier made from a name: lower-case letters and digits, words joined by
/// hyphens (`Kent County Council` is `kent-county-council`).
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

/// The 360Giving geographic code type (its `geoCodeType` codelist) of a GSS code's entity, where
/// the codelist has one.
pub fn geo_code_type(gss: &crate::GssCode) -> Option<&'static str> {
    Some(match gss.entity() {
        "E00" | "W00" | "S00" => "OA",
        "E01" | "W01" => "LSOA",
        "E02" | "W02" => "MSOA",
        "S01" => "DZ",
        "S02" => "IG",
        "E04" => "PAR",
        "E05" | "W05" | "S13" => "WD",
        "E06" | "W06" => "UA",
        "E07" => "NMD",
        "E08" => "MD",
        "E09" => "LONB",
        "E10" => "CTY",
        "E12" => "RGN",
        "E14" | "W07" | "S14" | "N06" => "WPC",
        "E22" => "CSP",
        "E23" => "PFA",
        "E38" => "CCG",
        "S12" => "CA",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(t: &str) -> String {
        OrgIdentifier::parse(t).expect("an identifier").to_string()
    }

    fn err(t: &str) -> String {
        OrgIdentifier::parse(t).expect_err("refused").0
    }

    #[test]
    fn known_schemes_are_checked_by_their_form() {
        assert_eq!(ok(" gb-chc-1234567 "), "GB-CHC-1234567");
        assert_eq!(ok("GB-SC-SC012345"), "GB-SC-SC012345");
        assert_eq!(ok("GB-COH-01234567"), "GB-COH-01234567");
        assert_eq!(ok("GB-COH-SC123456"), "GB-COH-SC123456");
        assert_eq!(ok("GB-NHS-99J"), "GB-NHS-99J");
        assert_eq!(ok("GB-GOR-D10"), "GB-GOR-D10");
        assert_eq!(ok("GB-MPR-IP12345R"), "GB-MPR-IP12345R");
        assert_eq!(ok("GB-LAE-KEN"), "GB-LAE-KEN");
        assert_eq!(ok("GB-LANI-BFS"), "GB-LANI-BFS");
        assert_eq!(ok("GB-SHPE-L0123"), "GB-SHPE-L0123");
        assert_eq!(ok("GB-UKPRN-10001234"), "GB-UKPRN-10001234");
        assert!(err("GB-CHC-12AB").contains("charity number of 6 or 7 digits"));
        assert!(err("GB-COH-1234").contains("8 characters"));
        assert!(err("GB-LAE-KENT1").contains("register code"));
        assert!(err("GB-SC-012345").contains("SC and 6 digits"));
    }

    #[test]
    fn an_unknown_scheme_is_named_and_the_known_ones_listed() {
        let e = err("XI-FOO-123");
        assert!(e.contains("'XI-FOO' is not an identifier scheme"), "{e}");
        assert!(e.contains("GB-CHC"), "{e}");
        assert!(err("wholeplace-agency-3").contains("not an identifier scheme"));
        assert!(err("GB-LAE-").contains("register code"));
        assert!(err("E10000016").contains("GSS area code"));
        assert!(err("360G-abc-1").contains("360Giving"));
        assert!(err("  ").contains("Enter an identifier"));
    }

    #[test]
    fn prefixes_slugs_and_geo_code_types() {
        assert_eq!(
            publisher_prefix(" 360G-wholeplace ").expect("a prefix"),
            "360G-wholeplace"
        );
        assert!(publisher_prefix("wholeplace").is_err());
        assert!(publisher_prefix("360G-").is_err());
        assert!(publisher_prefix("360G-a b").is_err());
        assert_eq!(slug("Kent County Council"), "kent-county-council");
        assert_eq!(
            slug("  National Health Service (West Kent) "),
            "national-health-service-west-kent"
        );
        let g = "E05005163".parse::<crate::GssCode>().expect("a GSS code");
        assert_eq!(geo_code_type(&g), Some("WD"));
        let g = "E10000016".parse::<crate::GssCode>().expect("a GSS code");
        assert_eq!(geo_code_type(&g), Some("CTY"));
    }
}
