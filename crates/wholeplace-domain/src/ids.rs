//! Record ids. Each kind of record has its own id type, so a place's id cannot be passed where an
//! agency's is wanted: the compiler refuses it, from the pages through the service to the port.
//! An id is the database's positive row number; it reads from and writes as a plain integer
//! (in paths, forms, JSON and spreadsheets).

use std::fmt;
use std::str::FromStr;

/// What every record id can do: be made from the stored integer and give it back.
pub trait RecordId: Copy + Eq + std::hash::Hash + fmt::Display {
    /// The id of stored row `raw`.
    fn from_raw(raw: i64) -> Self;
    /// The stored integer.
    fn raw(self) -> i64;
}

/// An id that is not a positive whole number.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a record number: use the whole number shown in the record's address")]
pub struct BadId(pub String);

macro_rules! record_id {
    ($($(#[$doc:meta])* $name:ident;)+) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            /// The id of stored row `raw`.
            pub const fn new(raw: i64) -> Self {
                Self(raw)
            }

            /// The stored integer.
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl RecordId for $name {
            fn from_raw(raw: i64) -> Self {
                Self(raw)
            }
            fn raw(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = BadId;
            fn from_str(s: &str) -> Result<Self, BadId> {
                match s.trim().parse::<i64>() {
                    Ok(n) if n > 0 => Ok(Self(n)),
                    _ => Err(BadId(s.chars().take(40).collect())),
                }
            }
        }
    )+};
}

record_id! {
    /// A user account's id.
    UserId;
    /// An agency's id.
    AgencyId;
    /// A place's id.
    PlaceId;
    /// A budget line's id.
    BudgetLineId;
    /// A grant's id.
    GrantId;
    /// A partnership's id.
    PartnershipId;
    /// A contact's id.
    ContactId;
    /// A pilot or project's id.
    ProjectId;
    /// A stored appraisal's id.
    AppraisalId;
    /// An API token's id.
    ApiTokenId;
    /// A person's id.
    PersonId;
    /// A household's (a family's) id.
    HouseholdId;
    /// An agency's involvement with a person.
    InvolvementId;
    /// An information-sharing agreement's id.
    AgreementId;
    /// An emergency ("break-glass") access's id.
    BreakGlassId;
    /// A consent receipt's id.
    ConsentId;
    /// A goal of a family plan.
    GoalId;
    /// An agency's event on a family's timeline.
    FamilyEventId;
    /// A retention rule's id.
    RetentionRuleId;
    /// A legal hold's id.
    LegalHoldId;
    /// An agency's extract staged for linkage.
    ExtractId;
    /// One record of a staged extract.
    StagedRecordId;
    /// A run of the linkage engine.
    LinkageRunId;
    /// A pair in the linkage review queue.
    ReviewItemId;
    /// A saved cohort's id.
    CohortId;
    /// A merge or split of people formed by linkage.
    CorrectionId;
    /// An outcome indicator's id (one version of its definition).
    IndicatorId;
    /// A target set on an indicator for a place.
    TargetId;
    /// An approved appraisal's frozen forecast.
    SnapshotId;
    /// A partnership-defined soft-outcome scale.
    ScaleId;
    /// One reading of a soft-outcome scale for a person or family.
    ScaleReadingId;
    /// One wellbeing reading (ONS4 or (S)WEMWBS) of a person.
    WellbeingReadingId;
    /// A place perception survey.
    SurveyId;
    /// A round of a place perception survey.
    SurveyRoundId;
    /// One response to a round of a place perception survey.
    SurveyResponseId;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_read_positive_whole_numbers_only() {
        assert_eq!("12".parse::<PlaceId>(), Ok(PlaceId::new(12)));
        assert_eq!(" 7 ".parse::<AgencyId>().map(AgencyId::get), Ok(7));
        for bad in ["0", "-3", "1.5", "x", "", "99999999999999999999"] {
            assert!(bad.parse::<PlaceId>().is_err(), "{bad}");
        }
        assert_eq!(PlaceId::new(3).to_string(), "3");
    }

    #[test]
    fn ids_are_plain_integers_in_json() {
        let json = serde_json::to_string(&GrantId::new(42)).expect("an id writes as JSON");
        assert_eq!(json, "42");
        let back: GrantId = serde_json::from_str(&json).expect("an id reads from JSON");
        assert_eq!(back, GrantId::new(42));
    }
}
