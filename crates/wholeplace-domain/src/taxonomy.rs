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

/// The label for a key in a vocabulary, or the key itself when unknown.
pub fn label(vocabulary: &[Term], key: &str) -> &'static str {
    vocabulary
        .iter()
        .find(|(k, _)| *k == key)
        .map_or("Unknown", |(_, l)| *l)
}

/// Finds a key by key or label, ignoring case and spacing; `None` if it is not in the vocabulary.
pub fn find(vocabulary: &[Term], text: &str) -> Option<&'static str> {
    let norm = |s: &str| s.trim().to_lowercase().replace([' ', '-', '/'], "_");
    let t = norm(text);
    vocabulary
        .iter()
        .find(|(k, l)| *k == t || norm(l) == t)
        .map(|(k, _)| *k)
}

#[cfg(test)]
mod tests {
    use super::*;

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
