//! Lawful sharing of personal data between agencies, as data: the classes of data agencies hold
//! about people, the purposes they share them for, the UK GDPR's lawful bases (Article 6) and
//! conditions for special category data (Article 9), and the one access decision every read of
//! a family's records goes through ([`decide`]).
//!
//! The decision is pure and fast (no IO): the service gathers the facts (whose record it is,
//! whether the reader's agency works with the person, the agreements) and records the outcome in
//! the audit log.

use crate::ids::AgencyId;
use crate::taxonomy::{Term, UnknownTerm, find, label};

/// The classes of personal data agencies hold about people.
pub const DATA_CLASSES: &[Term] = &[
    (
        "identity",
        "Identity: names, date of birth, identifiers, address",
    ),
    ("social_care", "Social care"),
    ("health", "Health"),
    ("police", "Police and criminal offence data"),
    ("education", "Education"),
    ("benefits", "Benefits and employment"),
    ("housing", "Housing"),
];

/// Why data is shared.
pub const PURPOSES: &[Term] = &[
    (
        "early_help",
        "Planning and delivering early help with the family",
    ),
    ("safeguarding", "Safeguarding a child or adult at risk"),
    (
        "evaluation",
        "Evaluating the programme's outcomes and costs",
    ),
    (
        "linkage",
        "Linking agencies' records to find the same people and households",
    ),
];

/// The UK GDPR's lawful bases for processing (Article 6(1)).
pub const ARTICLE_6_BASES: &[Term] = &[
    ("consent", "6(1)(a) consent"),
    ("contract", "6(1)(b) contract"),
    ("legal_obligation", "6(1)(c) legal obligation"),
    ("vital_interests", "6(1)(d) vital interests"),
    ("public_task", "6(1)(e) public task"),
    ("legitimate_interests", "6(1)(f) legitimate interests"),
];

/// The UK GDPR's conditions for special category data (Article 9(2)); criminal offence data
/// (Article 10) is held to the same standard here: a condition must be named.
pub const ARTICLE_9_CONDITIONS: &[Term] = &[
    ("explicit_consent", "9(2)(a) explicit consent"),
    (
        "employment_social_protection",
        "9(2)(b) employment, social security and social protection",
    ),
    ("vital_interests", "9(2)(c) vital interests"),
    ("not_for_profit", "9(2)(d) not-for-profit bodies"),
    ("made_public", "9(2)(e) made public by the data subject"),
    ("legal_claims", "9(2)(f) legal claims and judicial acts"),
    (
        "substantial_public_interest",
        "9(2)(g) reasons of substantial public interest",
    ),
    ("health_social_care", "9(2)(h) health or social care"),
    ("public_health", "9(2)(i) public health"),
    (
        "archiving_research",
        "9(2)(j) archiving, research and statistics",
    ),
];

crate::taxonomy::vocabulary_key!(
    /// A class of personal data ([`DATA_CLASSES`]).
    DataClass,
    DATA_CLASSES,
    "a class of data"
);
crate::taxonomy::vocabulary_key!(
    /// A purpose of sharing ([`PURPOSES`]).
    Purpose,
    PURPOSES,
    "a purpose of sharing"
);
crate::taxonomy::vocabulary_key!(
    /// A lawful basis under Article 6 ([`ARTICLE_6_BASES`]).
    LawfulBasis,
    ARTICLE_6_BASES,
    "an Article 6 lawful basis"
);
crate::taxonomy::vocabulary_key!(
    /// A condition under Article 9 ([`ARTICLE_9_CONDITIONS`]).
    SpecialCondition,
    ARTICLE_9_CONDITIONS,
    "an Article 9 condition"
);

impl DataClass {
    /// Special category (health, and social care records, which hold it) or criminal offence
    /// data: sharing it needs an Article 9 condition as well as an Article 6 basis.
    pub fn is_special(self) -> bool {
        matches!(self.as_str(), "health" | "social_care" | "police")
    }

    /// A class by key; for keys known to be in the vocabulary (panics on others, which is a
    /// programming error).
    pub fn of(key: &str) -> Self {
        Self::parse(key).unwrap_or_else(|e| panic!("{e}"))
    }
}

impl LawfulBasis {
    /// What the basis is called where people read it. Only the consent basis is ever called
    /// "consent": a public-task sharing is not consent, and saying so misleads families.
    pub fn words(self) -> &'static str {
        label(ARTICLE_6_BASES, self.as_str())
    }
}

/// A calendar day as `YYYY-MM-DD`, which orders as text does.
pub type Day<'a> = &'a str;

/// The terms of one information-sharing agreement that the access decision needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgreementTerms {
    /// The agreement's id, named in the decision.
    pub id: i64,
    /// The agencies party to it.
    pub parties: Vec<AgencyId>,
    /// The classes of data it covers.
    pub classes: Vec<DataClass>,
    /// The purposes it covers.
    pub purposes: Vec<Purpose>,
    /// The first day it is in force.
    pub starts_on: String,
    /// The last day it is in force.
    pub expires_on: String,
    /// The day it was withdrawn, if it was: from that day on it is not in force.
    pub withdrawn_on: Option<String>,
    /// Whether its lawful basis is consent: then it covers a person's records only while that
    /// person's consent receipt for it is in force and names the purpose.
    pub needs_consent: bool,
}

/// A person's consent to an agreement whose basis is consent, as the decision needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsentTerms {
    /// The agreement consented to.
    pub agreement: i64,
    /// The purposes consented to.
    pub purposes: Vec<Purpose>,
    /// The day it was given.
    pub given_on: String,
    /// The day it was withdrawn, if it was: from that day on it does not count.
    pub withdrawn_on: Option<String>,
}

impl ConsentTerms {
    /// Whether it lets `agreement` cover `purpose` on `day`.
    pub fn covers(&self, agreement: i64, purpose: Purpose, day: Day<'_>) -> bool {
        self.agreement == agreement
            && self.purposes.contains(&purpose)
            && self.given_on.as_str() <= day
            && self.withdrawn_on.as_deref().is_none_or(|w| day < w)
    }
}

impl AgreementTerms {
    /// Whether the agreement is in force on `day`.
    pub fn in_force(&self, day: Day<'_>) -> bool {
        self.starts_on.as_str() <= day
            && day <= self.expires_on.as_str()
            && self.withdrawn_on.as_deref().is_none_or(|w| day < w)
    }

    /// Whether it lets `reader` see `holder`'s data of `class` for `purpose` on `day`.
    pub fn covers(
        &self,
        reader: AgencyId,
        holder: AgencyId,
        class: DataClass,
        purpose: Purpose,
        day: Day<'_>,
    ) -> bool {
        self.in_force(day)
            && self.parties.contains(&reader)
            && self.parties.contains(&holder)
            && self.classes.contains(&class)
            && self.purposes.contains(&purpose)
    }
}

/// One read of a record about a person.
#[derive(Clone, Copy, Debug)]
pub struct AccessRequest<'a> {
    /// The reader's agencies.
    pub reader_agencies: &'a [AgencyId],
    /// The agencies that work with the person (their involvements).
    pub involved_agencies: &'a [AgencyId],
    /// The agency whose record it is.
    pub holder: AgencyId,
    /// The class of data the record is.
    pub class: DataClass,
    /// Why it is read.
    pub purpose: Purpose,
    /// The day of the read.
    pub on: Day<'a>,
    /// The consents of the person the record is about (of the family's members, for a record
    /// about the whole family).
    pub consents: &'a [ConsentTerms],
}

/// The outcome of an access decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// The record is the reader's own agency's.
    OwnRecord,
    /// An agreement in force covers the read (its id).
    Agreement(i64),
    /// The reader's agency does not work with the person.
    NotInvolved,
    /// No agreement in force covers this agency, class, purpose and day.
    NoAgreement,
}

impl Decision {
    /// Whether the read may go ahead.
    pub fn allowed(self) -> bool {
        matches!(self, Decision::OwnRecord | Decision::Agreement(_))
    }
}

/// The access gate: a reader sees a person's record only through their agency's own involvement
/// with the person and an agreement in force that covers their agency, the record's agency, its
/// class of data and the purpose on that day (or when the record is their own agency's). An
/// agreement whose basis is consent covers the record only while the person's consent to it, for
/// that purpose, is in force.
pub fn decide(req: &AccessRequest<'_>, agreements: &[AgreementTerms]) -> Decision {
    if req.reader_agencies.contains(&req.holder) {
        return Decision::OwnRecord;
    }
    let involved: Vec<AgencyId> = req
        .reader_agencies
        .iter()
        .copied()
        .filter(|a| req.involved_agencies.contains(a))
        .collect();
    if involved.is_empty() {
        return Decision::NotInvolved;
    }
    agreements
        .iter()
        .find(|ag| {
            involved
                .iter()
                .any(|r| ag.covers(*r, req.holder, req.class, req.purpose, req.on))
                && (!ag.needs_consent
                    || req
                        .consents
                        .iter()
                        .any(|c| c.covers(ag.id, req.purpose, req.on)))
        })
        .map_or(Decision::NoAgreement, |ag| Decision::Agreement(ag.id))
}

/// Whether a key names a term of `vocabulary` (for checks that take several keys at once).
pub fn known(vocabulary: &[Term], key: &str) -> bool {
    find(vocabulary, key).is_some()
}

/// Several keys of one vocabulary, as typed values, or the first unknown one.
pub fn parse_all<T: std::str::FromStr<Err = UnknownTerm>>(
    keys: &[String],
) -> Result<Vec<T>, UnknownTerm> {
    keys.iter().map(|k| k.parse()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(n: i64) -> AgencyId {
        AgencyId::new(n)
    }

    fn terms() -> AgreementTerms {
        AgreementTerms {
            id: 7,
            parties: vec![a(1), a(2)],
            classes: vec![DataClass::of("identity"), DataClass::of("housing")],
            purposes: vec![Purpose::parse("early_help").expect("purpose")],
            starts_on: "2026-01-01".into(),
            expires_on: "2026-12-31".into(),
            withdrawn_on: None,
            needs_consent: false,
        }
    }

    #[test]
    fn own_records_are_always_readable_and_others_need_involvement_and_an_agreement() {
        let eh = Purpose::parse("early_help").expect("purpose");
        let housing = DataClass::of("housing");
        let ask = |reader: &[AgencyId], involved: &[AgencyId], class, day| {
            let req = AccessRequest {
                reader_agencies: reader,
                involved_agencies: involved,
                holder: a(2),
                class,
                purpose: eh,
                on: day,
                consents: &[],
            };
            decide(&req, &[terms()])
        };
        assert_eq!(
            ask(&[a(2)], &[], housing, "2020-01-01"),
            Decision::OwnRecord
        );
        assert_eq!(
            ask(&[a(1)], &[a(1), a(2)], housing, "2026-06-01"),
            Decision::Agreement(7)
        );
        assert_eq!(
            ask(&[a(1)], &[a(2)], housing, "2026-06-01"),
            Decision::NotInvolved
        );
        assert_eq!(
            ask(&[a(1)], &[a(1)], DataClass::of("health"), "2026-06-01"),
            Decision::NoAgreement
        );
        assert_eq!(
            ask(&[a(1)], &[a(1)], housing, "2027-01-01"),
            Decision::NoAgreement,
            "expired"
        );
        let mut withdrawn = terms();
        withdrawn.withdrawn_on = Some("2026-03-01".into());
        assert!(withdrawn.in_force("2026-02-28"));
        assert!(!withdrawn.in_force("2026-03-01"));
    }

    #[test]
    fn a_consent_agreement_covers_only_people_whose_consent_is_in_force() {
        let eh = Purpose::parse("early_help").expect("purpose");
        let mut by_consent = terms();
        by_consent.needs_consent = true;
        let consent = ConsentTerms {
            agreement: 7,
            purposes: vec![eh],
            given_on: "2026-02-01".into(),
            withdrawn_on: Some("2026-05-01".into()),
        };
        let ask = |consents: &[ConsentTerms], day| {
            decide(
                &AccessRequest {
                    reader_agencies: &[a(1)],
                    involved_agencies: &[a(1)],
                    holder: a(2),
                    class: DataClass::of("housing"),
                    purpose: eh,
                    on: day,
                    consents,
                },
                std::slice::from_ref(&by_consent),
            )
        };
        assert_eq!(ask(&[], "2026-03-01"), Decision::NoAgreement, "no consent");
        let given = std::slice::from_ref(&consent);
        assert_eq!(ask(given, "2026-03-01"), Decision::Agreement(7));
        assert_eq!(ask(given, "2026-01-15"), Decision::NoAgreement, "before");
        assert_eq!(ask(given, "2026-05-01"), Decision::NoAgreement, "withdrawn");
        let other = ConsentTerms {
            agreement: 8,
            ..consent.clone()
        };
        assert_eq!(
            ask(std::slice::from_ref(&other), "2026-03-01"),
            Decision::NoAgreement,
            "consent to another agreement"
        );
    }

    #[test]
    fn special_classes_and_the_words_for_bases() {
        assert!(DataClass::of("health").is_special());
        assert!(!DataClass::of("housing").is_special());
        assert_eq!(
            LawfulBasis::parse("public_task").expect("basis").words(),
            "6(1)(e) public task"
        );
        assert!(
            ARTICLE_6_BASES
                .iter()
                .filter(|(k, _)| *k != "consent")
                .all(|(_, words)| !words.to_lowercase().contains("consent")),
            "only the consent basis is called consent"
        );
    }
}
