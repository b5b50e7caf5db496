//! GSS codes: the Government Statistical Service's nine-character area codes (E05001234).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A GSS code: a country letter (E, W, S, N or K), two digits naming the entity type, six digits.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct GssCode(String);

/// Why a GSS code was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "'{0}' is not a GSS code: it is a letter (E, W, S, N or K) and eight digits, for example E05011234"
)]
pub struct GssError(pub String);

impl GssCode {
    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The entity prefix, such as `E05`.
    pub fn entity(&self) -> &str {
        &self.0[..3]
    }

    /// What kind of area the prefix names, where wholeplace knows it.
    pub fn entity_name(&self) -> Option<&'static str> {
        Some(match self.entity() {
            "E01" | "W01" => "lower layer super output area",
            "E02" | "W02" => "middle layer super output area",
            "E05" | "W05" | "S13" => "electoral ward",
            "E06" | "W06" => "unitary authority",
            "E07" => "non-metropolitan district",
            "E08" => "metropolitan district",
            "E09" => "London borough",
            "E10" => "county",
            "E12" => "region",
            "E92" | "W92" | "S92" => "country",
            "S12" => "council area",
            "E23" | "W15" => "police force area",
            _ => return None,
        })
    }
}

impl FromStr for GssCode {
    type Err = GssError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_uppercase();
        let b = t.as_bytes();
        let ok = b.len() == 9
            && matches!(b[0], b'E' | b'W' | b'S' | b'N' | b'K')
            && b[1..].iter().all(u8::is_ascii_digit);
        if ok {
            Ok(GssCode(t))
        } else {
            Err(GssError(s.trim().to_owned()))
        }
    }
}

impl TryFrom<String> for GssCode {
    type Error = GssError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<GssCode> for String {
    fn from(c: GssCode) -> Self {
        c.0
    }
}

impl fmt::Display for GssCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_real_codes_and_refuses_others() {
        let c: GssCode = "e06000001".parse().expect("valid");
        assert_eq!(c.as_str(), "E06000001");
        assert_eq!(c.entity_name(), Some("unitary authority"));
        for bad in ["", "E0600000", "X06000001", "E0600000A", "E060000011"] {
            assert!(bad.parse::<GssCode>().is_err(), "{bad}");
        }
    }
}
