//! The controlled vocabularies of places and partners: place levels, agency kinds, and the
//! service-area taxonomy of the resource map. Service areas line up with the themes of the GMCA
//! Unit Cost Database (Crime, Education & Skills, Employment & Economy, Fire, Health, Housing,
//! Social Services) so spend in a place can be related to unit costs.

/// A key and the words people read.
pub type Term = (&'static str, &'static str);

/// Place levels and kinds, broadest first. A place may sit in several hierarchies.
pub const PLACE_LEVELS: &[Term] = &[
    ("country", "Country"),
    ("region", "Region"),
    ("county", "County"),
    ("district", "District"),
    ("unitary", "Unitary authority"),
    ("ward", "Ward"),
    ("msoa", "Middle layer super output area"),
    ("lsoa", "Lower layer super output area"),
    ("neighbourhood", "Neighbourhood"),
    ("estate", "Estate"),
    ("street", "Street"),
    ("police_area", "Police neighbourhood or area"),
    ("cohort", "Thematic cohort"),
];

/// Kinds of partner agency.
pub const AGENCY_KINDS: &[Term] = &[
    ("county_council", "County council"),
    ("district_council", "District or borough council"),
    ("unitary", "Unitary authority"),
    ("police", "Police force"),
    ("nhs_trust", "NHS trust"),
    ("nhs_icb", "Integrated care board"),
    ("gp_practice", "GP practice"),
    ("dwp", "Jobcentre Plus / DWP"),
    ("probation", "Probation service"),
    ("fire", "Fire and rescue service"),
    ("school", "School"),
    ("housing_association", "Housing association"),
    ("voluntary", "Voluntary or community organisation"),
    ("social_enterprise", "Social enterprise"),
    ("partnership", "Partnership office"),
    ("government", "Government department or funder"),
];

/// Service areas of the resource map, aligned with the unit-cost themes.
pub const SERVICE_AREAS: &[Term] = &[
    ("crime", "Crime and community safety"),
    ("education_skills", "Education and skills"),
    ("employment_economy", "Employment and economy"),
    ("fire", "Fire"),
    ("health", "Health"),
    ("housing", "Housing"),
    ("social_services", "Social services"),
    ("benefits", "Out-of-work benefits"),
    ("other", "Other services"),
];

/// Presenting needs of a family's members: what brings an agency in (the shipped need taxonomy,
/// after the Troubled Families criteria and seed 003's case study).
pub const NEEDS: &[Term] = &[
    ("parenting", "Parenting and family relationships"),
    ("child_protection", "Child protection or child in need"),
    ("school_attendance", "School attendance or exclusion"),
    ("antisocial_behaviour", "Anti-social behaviour"),
    ("offending", "Offending"),
    ("domestic_abuse", "Domestic abuse"),
    ("mental_health", "Mental health"),
    ("physical_health", "Physical health"),
    ("substance_misuse", "Drug or alcohol misuse"),
    ("worklessness", "Out of work or at risk of it"),
    ("debt", "Debt and rent arrears"),
    ("housing", "Housing: eviction risk or overcrowding"),
    ("missing", "Missing from home"),
];

/// The label for a key in a vocabulary, or the key itself when unknown.
pub fn label(vocabulary: &[Term], key: &str) -> &'static str {
    vocabulary
        .iter()
        .find(|(k, _)| *k == key)
        .map_or("Unknown", |(_, l)| *l)
}

/// Finds a key by key or label, ignoring case and spacing; `None` if it is not in the vocabulary.
pub fn find(vocabulary: &[Term], text: &str) -> Option<&'static str> {
    // A stored key (every row the database gives back) matches at once, without allocating.
    if let Some((k, _)) = vocabulary.iter().find(|(k, _)| *k == text) {
        return Some(k);
    }
    let norm = |s: &str| s.trim().to_lowercase().replace([' ', '-', '/'], "_");
    let t = norm(text);
    vocabulary
        .iter()
        .find(|(k, l)| *k == t || norm(l) == t)
        .map(|(k, _)| *k)
}

/// A key that is not in its vocabulary.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("'{text}' is not {what}: use one of {keys}")]
pub struct UnknownTerm {
    /// What was given.
    pub text: String,
    /// What it should have been, such as "a kind of place".
    pub what: &'static str,
    /// The keys allowed, comma-separated.
    pub keys: String,
}

/// Defines a typed key of one vocabulary: it can only hold a key of that vocabulary, so a record
/// that carries one has been checked once, where it came in.
macro_rules! vocabulary_key {
    ($(#[$doc:meta])* $name:ident, $vocabulary:expr, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(&'static str);

        impl $name {
            /// The vocabulary this key belongs to.
            pub const VOCABULARY: &'static [Term] = $vocabulary;

            /// The key for a text given by key or by label (case and spacing ignored).
            pub fn parse(text: &str) -> Result<Self, UnknownTerm> {
                find(Self::VOCABULARY, text).map(Self).ok_or_else(|| UnknownTerm {
                    text: text.trim().to_owned(),
                    what: $what,
                    keys: Self::VOCABULARY
                        .iter()
                        .map(|(k, _)| *k)
                        .collect::<Vec<_>>()
                        .join(", "),
                })
            }

            /// The stored key, such as `ward`.
            pub fn as_str(self) -> &'static str {
                self.0
            }

            /// The words people read, such as "Ward".
            pub fn label(self) -> &'static str {
                label(Self::VOCABULARY, self.0)
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.0)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = UnknownTerm;
            fn from_str(s: &str) -> Result<Self, UnknownTerm> {
                Self::parse(s)
            }
        }
    };
}

/// The macro for other modules of the domain that define vocabularies of their own.
pub(crate) use vocabulary_key;

vocabulary_key!(
    /// A level or kind of place ([`PLACE_LEVELS`]).
    PlaceLevel,
    PLACE_LEVELS,
    "a kind of place"
);
vocabulary_key!(
    /// A kind of partner agency ([`AGENCY_KINDS`]).
    AgencyKind,
    AGENCY_KINDS,
    "a kind of agency"
);
vocabulary_key!(
    /// A presenting need ([`NEEDS`]).
    Need,
    NEEDS,
    "a need"
);
vocabulary_key!(
    /// A service area of the resource map ([`SERVICE_AREAS`]).
    ServiceArea,
    SERVICE_AREAS,
    "a service area"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_keys_hold_only_their_vocabulary() {
        let ward = PlaceLevel::parse("Ward").expect("a level");
        assert_eq!((ward.as_str(), ward.label()), ("ward", "Ward"));
        assert_eq!(ward, "ward");
        assert_eq!(
            ServiceArea::parse("Out-of-work benefits")
                .expect("area")
                .as_str(),
            "benefits"
        );
        let e = AgencyKind::parse("bakery").expect_err("not a kind");
        assert!(
            e.to_string()
                .starts_with("'bakery' is not a kind of agency: use one of county_council")
        );
        assert!(
            PlaceLevel::parse("health").is_err(),
            "a service area is not a level"
        );
    }

    #[test]
    fn finds_terms_by_key_or_label() {
        assert_eq!(find(SERVICE_AREAS, "Health"), Some("health"));
        assert_eq!(
            find(SERVICE_AREAS, "education_skills"),
            Some("education_skills")
        );
        assert_eq!(
            find(SERVICE_AREAS, "Out-of-work benefits"),
            Some("benefits")
        );
        assert_eq!(find(AGENCY_KINDS, "Police force"), Some("police"));
        assert_eq!(find(PLACE_LEVELS, "Thematic cohort"), Some("cohort"));
        assert_eq!(find(SERVICE_AREAS, "cake"), None);
        assert_eq!(label(SERVICE_AREAS, "housing"), "Housing");
    }
}
