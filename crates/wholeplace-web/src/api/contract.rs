//! The API's contract in one place, so the document and the server cannot disagree:
//!
//! - [`FIELD_RULES`]: each request field's pattern, vocabulary and length. The document's schemas
//!   are given them ([`apply`]) and [`ApiJson`] checks every body against the same table before the
//!   service sees it (422, each failing field named).
//! - [`apply`] also adds the status codes every operation can answer by what it declares: 401 when
//!   it needs a token, 403 when it changes something, 404 when its path names a record, 400 when it
//!   takes a query or a body, 413 and 415 when it takes a body, 422 when a body field can break a
//!   rule; 409 is declared by the handlers that can clash with stored records. Create operations get
//!   a `Location` header and OpenAPI links to the operations that use the new id.
//!
//! One rule for each case, across the API: 400 the body or query is not JSON or not the documented
//! shape; 413 the body is over 2 MiB; 415 the body is not `application/json`; 422 a field breaks a
//! documented rule (pattern, vocabulary, length, a rule between fields); 409 the request is well
//! formed but clashes with stored records (a name already taken, a record named that does not
//! exist, a record still in use); 404 the path names no record.

use super::ApiError;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use regex::Regex;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use std::sync::OnceLock;
use wholeplace_domain::taxonomy::{AGENCY_KINDS, PLACE_LEVELS, SERVICE_AREAS, Term};

/// The largest body the API reads (axum's default body limit).
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// Whitespace as Rust's `str::trim` sees it (Unicode White_Space), in a form JSON Schema (ECMA
/// 262), Python and the `regex` crate all read alike.
const WS: &str =
    r"\u0009-\u000D\u0020\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";

/// The control characters refused in any text (`wholeplace_tabular::is_refused_control`: NUL
/// and the C0 codes that are not white space, and DEL), as a class body JSON Schema, Python and
/// the `regex` crate read alike.
const CTRL: &str = r"\u0000-\u0008\u000E-\u001F\u007F";

/// What a request field must be.
#[derive(Clone, Copy)]
pub enum Rule {
    /// At least one character that is not whitespace (the service trims), at most this many.
    NotBlank(usize),
    /// At most this many characters.
    MaxLength(usize),
    /// One of these words exactly.
    OneOf(fn() -> Vec<String>),
    /// Matches this pattern (whole value), in characters: the pattern's text uses `{WS}` for
    /// whitespace.
    Pattern(&'static str, usize),
    /// An id: a whole number from 1 (written `3` or `3.0`).
    Id,
    /// A whole number from the first to the second, both included (written `3` or `3.0`).
    Whole(i64, i64),
    /// A list of at least this many different ids.
    IdList(usize),
    /// A list of at least this many different words of a vocabulary.
    WordList(fn() -> Vec<String>, usize),
    /// A list of at most this many different texts, each matching the pattern (whole value).
    PatternList(&'static str, usize),
    /// A list of from the first to the second number of items (objects the use case checks).
    Items(usize, usize),
}

/// One request field's rule and what to say when it is broken.
pub struct FieldRule {
    /// The request schema's name.
    pub schema: &'static str,
    /// The property.
    pub field: &'static str,
    /// The rule.
    pub rule: Rule,
    /// The message when it is broken.
    pub message: &'static str,
}

const fn r(
    schema: &'static str,
    field: &'static str,
    rule: Rule,
    message: &'static str,
) -> FieldRule {
    FieldRule {
        schema,
        field,
        rule,
        message,
    }
}

fn keys(terms: &[Term]) -> Vec<String> {
    terms.iter().map(|(k, _)| (*k).to_owned()).collect()
}
fn units() -> Vec<String> {
    wholeplace_domain::outcomes::Unit::ALL
        .iter()
        .map(|u| u.as_str().to_owned())
        .collect()
}
fn wemwbs_scales() -> Vec<String> {
    vec!["wemwbs".into(), "swemwbs".into()]
}
fn polarities() -> Vec<String> {
    vec!["higher".into(), "lower".into()]
}
fn polarity_or_indicators() -> Vec<String> {
    vec![String::new(), "higher".into(), "lower".into()]
}
fn agency_kinds() -> Vec<String> {
    keys(AGENCY_KINDS)
}
fn place_levels() -> Vec<String> {
    keys(PLACE_LEVELS)
}
fn service_areas() -> Vec<String> {
    keys(SERVICE_AREAS)
}
fn data_classes() -> Vec<String> {
    wholeplace_domain::sharing::DATA_CLASSES
        .iter()
        .map(|(k, _)| (*k).to_owned())
        .collect()
}
fn purposes() -> Vec<String> {
    wholeplace_domain::sharing::PURPOSES
        .iter()
        .map(|(k, _)| (*k).to_owned())
        .collect()
}
fn bases() -> Vec<String> {
    wholeplace_domain::sharing::ARTICLE_6_BASES
        .iter()
        .map(|(k, _)| (*k).to_owned())
        .collect()
}
fn conditions() -> Vec<String> {
    std::iter::once(String::new())
        .chain(
            wholeplace_domain::sharing::ARTICLE_9_CONDITIONS
                .iter()
                .map(|(k, _)| (*k).to_owned()),
        )
        .collect()
}
/// The shipped needs' keys (a cohort's rules are over them).
fn review_decisions() -> Vec<String> {
    ["accept", "reject", "undo"].map(str::to_owned).to_vec()
}
fn needs() -> Vec<String> {
    keys(wholeplace_domain::taxonomy::NEEDS)
}
fn spend_kinds() -> Vec<String> {
    vec![String::new(), "revenue".into(), "capital".into()]
}
/// Every financial year the service keeps, 1900/01 to 2199/00.
fn financial_years() -> Vec<String> {
    (1900..=2199)
        .map(wholeplace_domain::FinancialYear::label_of)
        .collect()
}

/// Pounds with up to two decimals, from 0 to £1,000,000,000,000 (`Money::LIMIT`).
/// A need's key (the taxonomy is the partnership's, so the key is checked against it by the
/// service: `GET /needs`).
const NEED_KEY: &str = r"^[{WS}]*[a-z0-9_]{1,60}[{WS}]*$";
const AMOUNT: &str = r"^(?:[0-9]{1,12}(?:\.[0-9]{1,2})?|1000000000000(?:\.0{1,2})?)$";
/// Empty, or a whole number (commas allowed), at most 18 digits.
const POPULATION: &str = r"^[{WS}]*$|^[{WS}]*,*(?:[0-9],*){1,18}[{WS}]*$";
/// Empty, or a GSS code: a letter (E, W, S, N or K) and eight digits.
const GSS_CODE: &str = r"^[{WS}]*(?:[EWSNKewsnk][0-9]{8}[{WS}]*)?$";
/// Empty, or an address with an @.
const EMAIL: &str = r"^[{WS}]*$|^[^{CTRL}]*@[^{CTRL}]*$";
/// A date as year-month-day.
/// A figure: a number with up to nine decimals.
const NUMBER: &str = r"^[{WS}]*-?[0-9]{1,15}(?:\.[0-9]{1,9})?[{WS}]*$";
/// Empty, or a figure of 0 or more.
const OPT_COUNT: &str = r"^[{WS}]*$|^[{WS}]*[0-9]{1,15}(?:\.[0-9]{1,9})?[{WS}]*$";
/// A figure of 0 or more.
const NON_NEGATIVE: &str = r"^[{WS}]*[0-9]{1,15}(?:\.[0-9]{1,9})?[{WS}]*$";
const DATE_REQUIRED: &str =
    r"^[{WS}]*[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])[{WS}]*$";
/// Empty, or a date as year-month-day.
const DATE: &str = r"^[{WS}]*(?:[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])[{WS}]*)?$";
/// Units a year: a number with up to two decimals, from 0 to 1,000,000.
const UNITS: &str = r"^[{WS}]*(?:[0-9]{1,6}(?:\.[0-9]{0,2})?|1000000(?:\.0{0,2})?)[{WS}]*$";
/// A reason of at least 20 characters once the white space around it is trimmed.
const REASON: &str = r"^[{WS}]*[^{WS}{CTRL}][^{CTRL}]{18,}[^{WS}{CTRL}][{WS}]*$";

/// Every request field's rule.
pub const FIELD_RULES: &[FieldRule] = &[
    r(
        "ScaleInput",
        "name",
        Rule::NotBlank(200),
        "Enter the scale's name, up to 200 characters",
    ),
    r(
        "ScaleInput",
        "description",
        Rule::MaxLength(2000),
        "Use 2000 characters or fewer",
    ),
    r(
        "ScaleInput",
        "high",
        Rule::Whole(5, 10),
        "Give the highest point: 5 or 10",
    ),
    r(
        "ReadingInput",
        "person_id",
        Rule::Id,
        "An id is a whole number from 1",
    ),
    r(
        "ReadingInput",
        "family_id",
        Rule::Id,
        "An id is a whole number from 1",
    ),
    r(
        "ReadingInput",
        "taken_on",
        Rule::Pattern(DATE_REQUIRED, 100),
        "Enter a date as year-month-day, such as 2024-05-01",
    ),
    r(
        "ReadingInput",
        "score",
        Rule::Whole(1, 10),
        "Give the score as a whole number from 1 to 10 (within the scale's range)",
    ),
    r(
        "Ons4Input",
        "person_id",
        Rule::Id,
        "An id is a whole number from 1",
    ),
    r(
        "Ons4Input",
        "taken_on",
        Rule::Pattern(DATE_REQUIRED, 100),
        "Enter a date as year-month-day, such as 2024-05-01",
    ),
    r(
        "Ons4Input",
        "life_satisfaction",
        Rule::Whole(0, 10),
        "Give the answer as a whole number from 0 to 10",
    ),
    r(
        "Ons4Input",
        "worthwhile",
        Rule::Whole(0, 10),
        "Give the answer as a whole number from 0 to 10",
    ),
    r(
        "Ons4Input",
        "happiness",
        Rule::Whole(0, 10),
        "Give the answer as a whole number from 0 to 10",
    ),
    r(
        "Ons4Input",
        "anxiety",
        Rule::Whole(0, 10),
        "Give the answer as a whole number from 0 to 10",
    ),
    r(
        "WemwbsInput",
        "scale",
        Rule::OneOf(wemwbs_scales),
        "Use wemwbs or swemwbs",
    ),
    r(
        "WemwbsInput",
        "person_id",
        Rule::Id,
        "An id is a whole number from 1",
    ),
    r(
        "WemwbsInput",
        "taken_on",
        Rule::Pattern(DATE_REQUIRED, 100),
        "Enter a date as year-month-day, such as 2024-05-01",
    ),
    r(
        "SurveyInput",
        "place",
        Rule::NotBlank(200),
        "Enter the place: its name, GSS code or id",
    ),
    r(
        "SurveyInput",
        "name",
        Rule::NotBlank(200),
        "Enter the survey's name, up to 200 characters",
    ),
    r(
        "SurveyInput",
        "description",
        Rule::MaxLength(2000),
        "Use 2000 characters or fewer",
    ),
    r(
        "RoundInput",
        "label",
        Rule::NotBlank(100),
        "Enter the round's label, up to 100 characters",
    ),
    r(
        "RoundInput",
        "opens_on",
        Rule::Pattern(DATE_REQUIRED, 100),
        "Enter a date as year-month-day, such as 2024-03-01",
    ),
    r(
        "RoundInput",
        "closes_on",
        Rule::Pattern(DATE_REQUIRED, 100),
        "Enter a date as year-month-day, such as 2024-04-30",
    ),
    r(
        "RoundInput",
        "invited",
        Rule::Whole(1, 100_000_000),
        "Give how many were invited as a whole number from 1",
    ),
    r(
        "ResponseInput",
        "received_on",
        Rule::Pattern(DATE_REQUIRED, 100),
        "Enter the day the paper form was filled in, such as 2024-03-14",
    ),
    r(
        "ResponseInput",
        "group",
        Rule::MaxLength(100),
        "Use 100 characters or fewer",
    ),
    r(
        "ResponseInput",
        "good",
        Rule::MaxLength(2000),
        "Use 2000 characters or fewer",
    ),
    r(
        "ResponseInput",
        "better",
        Rule::MaxLength(2000),
        "Use 2000 characters or fewer",
    ),
    r(
        "IndicatorInput",
        "name",
        Rule::NotBlank(200),
        "Enter the indicator's name, up to 200 characters",
    ),
    r(
        "IndicatorInput",
        "definition",
        Rule::NotBlank(2000),
        "Enter the definition, up to 2000 characters",
    ),
    r(
        "IndicatorInput",
        "unit",
        Rule::OneOf(units),
        "Use one of the units: count, rate, percentage, score",
    ),
    r(
        "IndicatorInput",
        "per",
        Rule::Whole(1, 1_000_000_000),
        "Give what a rate is per as a whole number from 1, such as 10000",
    ),
    r(
        "IndicatorInput",
        "polarity",
        Rule::OneOf(polarities),
        "Use higher or lower",
    ),
    r(
        "IndicatorInput",
        "source",
        Rule::NotBlank(300),
        "Enter where the figures come from, up to 300 characters",
    ),
    r(
        "IndicatorInput",
        "geography",
        Rule::OneOf(place_levels),
        "Use one of the levels of place",
    ),
    r(
        "IndicatorInput",
        "replaces",
        Rule::Id,
        "An id is a whole number from 1",
    ),
    r(
        "IndicatorInput",
        "bridging_note",
        Rule::MaxLength(2000),
        "Use 2000 characters or fewer",
    ),
    r(
        "FigureInput",
        "place",
        Rule::NotBlank(200),
        "Enter the place: its name, GSS code or id",
    ),
    r(
        "FigureInput",
        "period",
        Rule::NotBlank(20),
        "Enter the period, such as 2023/24, up to 20 characters",
    ),
    r(
        "FigureInput",
        "value",
        Rule::Pattern(NUMBER, 40),
        "Write the figure as a number, such as 12 or 3.5",
    ),
    r(
        "FigureInput",
        "numerator",
        Rule::Pattern(OPT_COUNT, 40),
        "Write the count as a number of 0 or more, or leave it empty",
    ),
    r(
        "FigureInput",
        "denominator",
        Rule::Pattern(OPT_COUNT, 40),
        "Write the population as a number, or leave it empty",
    ),
    r(
        "TargetInput",
        "place",
        Rule::NotBlank(200),
        "Enter the place: its name, GSS code or id",
    ),
    r(
        "TargetInput",
        "baseline_value",
        Rule::Pattern(NUMBER, 40),
        "Write the baseline as a number, such as 12 or 3.5",
    ),
    r(
        "TargetInput",
        "baseline_period",
        Rule::NotBlank(20),
        "Enter the baseline's period, such as 2011/12, up to 20 characters",
    ),
    r(
        "TargetInput",
        "baseline_source",
        Rule::NotBlank(300),
        "Enter where the baseline comes from, up to 300 characters",
    ),
    r(
        "TargetInput",
        "target_value",
        Rule::Pattern(NUMBER, 40),
        "Write the target as a number, such as 12 or 3.5",
    ),
    r(
        "TargetInput",
        "target_date",
        Rule::Pattern(DATE_REQUIRED, 100),
        "Enter a date as year-month-day, such as 2015-03-31",
    ),
    r(
        "TargetInput",
        "owner",
        Rule::NotBlank(200),
        "Enter who answers for the target, up to 200 characters",
    ),
    r(
        "TargetInput",
        "polarity",
        Rule::OneOf(polarity_or_indicators),
        "Use higher or lower, or leave it empty for the indicator's",
    ),
    r(
        "TargetInput",
        "tolerance",
        Rule::Pattern(NON_NEGATIVE, 40),
        "Write the tolerance as a number of 0 or more",
    ),
    r(
        "OutcomesInput",
        "outcomes",
        Rule::Items(1, 10_000),
        "Give from 1 to 10,000 outcomes, each a line, a year and a value (null clears it)",
    ),
    r(
        "SnapshotInput",
        "approval",
        Rule::NotBlank(300),
        "Say who approved the appraisal and how, up to 300 characters",
    ),
    r(
        "SnapshotInput",
        "approved_on",
        Rule::Pattern(DATE_REQUIRED, 100),
        "Enter the day it was approved as year-month-day, such as 2026-11-30",
    ),
    r(
        "IdentifiersInput",
        "identifiers",
        Rule::PatternList(r"^[{WS}]*[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+[{WS}]*$", 20),
        "Give at most 20 different identifiers, each a scheme, a hyphen and a value, such as GB-CHC-1234567",
    ),
    r(
        "PublisherInput",
        "prefix",
        Rule::Pattern(r"^[{WS}]*360[Gg]-[A-Za-z0-9_]{1,40}[{WS}]*$", 60),
        "Enter the prefix 360Giving registered for the partnership: 360G- followed by letters or digits",
    ),
    r(
        "PublisherInput",
        "name",
        Rule::NotBlank(200),
        "Enter the publisher's name",
    ),
    r(
        "AgencyInput",
        "name",
        Rule::NotBlank(200),
        "Enter the agency's name, up to 200 characters",
    ),
    r(
        "AgencyInput",
        "kind",
        Rule::OneOf(agency_kinds),
        "Use one of the agency kinds listed in the schema",
    ),
    r(
        "PlaceInput",
        "name",
        Rule::NotBlank(200),
        "Enter the place's name, up to 200 characters",
    ),
    r(
        "PlaceInput",
        "level",
        Rule::OneOf(place_levels),
        "Use one of the place levels listed in the schema",
    ),
    r(
        "PlaceInput",
        "gss_code",
        Rule::Pattern(GSS_CODE, 100),
        "A GSS code is a letter (E, W, S, N or K) and eight digits, such as E05005003",
    ),
    r(
        "PlaceInput",
        "gss_vintage",
        Rule::MaxLength(100),
        "Use 100 characters or fewer",
    ),
    r(
        "PlaceInput",
        "population",
        Rule::Pattern(POPULATION, 100),
        "Population must be a whole number, such as 118054",
    ),
    r(
        "PlaceInput",
        "description",
        Rule::MaxLength(5000),
        "Use 5000 characters or fewer",
    ),
    r(
        "PlaceInput",
        "parent_id",
        Rule::Id,
        "An id is a whole number from 1",
    ),
    r(
        "BudgetLineInput",
        "agency",
        Rule::NotBlank(200),
        "Give the agency's id or name",
    ),
    r(
        "BudgetLineInput",
        "place",
        Rule::NotBlank(200),
        "Give the place's id, name or GSS code",
    ),
    r(
        "BudgetLineInput",
        "service_area",
        Rule::OneOf(service_areas),
        "Use one of the service areas listed in the schema",
    ),
    r(
        "BudgetLineInput",
        "financial_year",
        Rule::OneOf(financial_years),
        "Write a financial year from 1900/01 to 2199/00, such as 2024/25",
    ),
    r(
        "BudgetLineInput",
        "amount",
        Rule::Pattern(AMOUNT, 16),
        "Write pounds with up to two decimals, from 0 to 1000000000000 (one trillion pounds, more than any public budget), such as 9550000.00",
    ),
    r(
        "BudgetLineInput",
        "spend_kind",
        Rule::OneOf(spend_kinds),
        "Spend kind must be revenue or capital (empty means revenue)",
    ),
    r(
        "BudgetLineInput",
        "source",
        Rule::MaxLength(2000),
        "Use 2000 characters or fewer",
    ),
    r(
        "BudgetLineInput",
        "confidence",
        Rule::MaxLength(200),
        "Use 200 characters or fewer",
    ),
    r(
        "ContactInput",
        "agency_id",
        Rule::Id,
        "An id is a whole number from 1",
    ),
    r(
        "ContactInput",
        "name",
        Rule::NotBlank(200),
        "Enter the contact's name, up to 200 characters",
    ),
    r(
        "ContactInput",
        "role",
        Rule::MaxLength(200),
        "Use 200 characters or fewer",
    ),
    r(
        "ContactInput",
        "email",
        Rule::Pattern(EMAIL, 254),
        "Enter an email address with an @, up to 254 characters",
    ),
    r(
        "ContactInput",
        "phone",
        Rule::MaxLength(40),
        "Use 40 characters or fewer",
    ),
    r(
        "ExtractInput",
        "agency_id",
        Rule::Id,
        "An id is a whole number from 1",
    ),
    r(
        "ExtractInput",
        "data_class",
        Rule::OneOf(data_classes),
        "Give a class of data from the sharing vocabulary, such as identity",
    ),
    r(
        "ExtractInput",
        "csv",
        Rule::NotBlank(MAX_BODY_BYTES),
        "Give the extract's CSV text, header row first",
    ),
    r(
        "ExtractInput",
        "file_name",
        Rule::MaxLength(200),
        "Use 200 characters or fewer",
    ),
    r(
        "ReviewDecisionInput",
        "decision",
        Rule::OneOf(review_decisions),
        "Give the decision: accept, reject or undo",
    ),
    r(
        "LinkageSettingsInput",
        "lower_percent",
        Rule::NotBlank(20),
        "Give a percentage from 0 to 100, such as \"50\"",
    ),
    r(
        "LinkageSettingsInput",
        "upper_percent",
        Rule::NotBlank(20),
        "Give a percentage from 0 to 100, such as \"95\"",
    ),
    r(
        "MergeInput",
        "other_person_id",
        Rule::Id,
        "An id is a whole number from 1",
    ),
    r(
        "MergeInput",
        "reason",
        Rule::NotBlank(500),
        "Enter why they are the same person, up to 500 characters",
    ),
    r(
        "SplitInput",
        "record_ids",
        Rule::IdList(1),
        "Give the source records' ids, whole numbers from 1",
    ),
    r(
        "SplitInput",
        "reason",
        Rule::NotBlank(500),
        "Enter why the records are someone else, up to 500 characters",
    ),
    r(
        "CohortInput",
        "name",
        Rule::NotBlank(200),
        "Enter the cohort's name, up to 200 characters",
    ),
    r(
        "CohortInput",
        "description",
        Rule::MaxLength(2000),
        "Use 2000 characters or fewer",
    ),
    r(
        "CohortInput",
        "needs",
        Rule::WordList(needs, 0),
        "Give need keys from the need taxonomy, each once",
    ),
    r(
        "CohortInput",
        "min_needs",
        Rule::Whole(0, 13),
        "Give how many needs as a whole number from 0 to 13",
    ),
    r(
        "CohortInput",
        "agency_id",
        Rule::Id,
        "An id is a whole number from 1",
    ),
    r(
        "CohortInput",
        "place_id",
        Rule::Id,
        "An id is a whole number from 1",
    ),
    r(
        "CohortInput",
        "cost_points_per_thousand",
        Rule::Whole(0, 1000),
        "Give the points for each £1,000 a year as a whole number from 0 to 1000",
    ),
    r(
        "ProjectInput",
        "partnership_id",
        Rule::Id,
        "An id is a whole number from 1",
    ),
    r(
        "ProjectInput",
        "name",
        Rule::NotBlank(200),
        "Enter the project's name, up to 200 characters",
    ),
    r(
        "ProjectInput",
        "place_id",
        Rule::Id,
        "An id is a whole number from 1",
    ),
    r(
        "ProjectInput",
        "theme",
        Rule::MaxLength(300),
        "Use 300 characters or fewer",
    ),
    r(
        "ProjectInput",
        "lead_agency_id",
        Rule::Id,
        "An id is a whole number from 1",
    ),
    r(
        "ProjectInput",
        "aims",
        Rule::MaxLength(2000),
        "Use 2000 characters or fewer",
    ),
    r(
        "AgreementInput",
        "title",
        Rule::NotBlank(200),
        "Enter the agreement's title, up to 200 characters",
    ),
    r(
        "AgreementInput",
        "party_ids",
        Rule::IdList(2),
        "Give at least two different agency ids: an agreement is between parties",
    ),
    r(
        "AgreementInput",
        "classes",
        Rule::WordList(data_classes, 1),
        "Give the classes of data, each once: identity, social_care, health, police, education, benefits or housing",
    ),
    r(
        "AgreementInput",
        "purposes",
        Rule::WordList(purposes, 1),
        "Give the purposes, each once: early_help, safeguarding or evaluation",
    ),
    r(
        "AgreementInput",
        "basis",
        Rule::OneOf(bases),
        "Give the Article 6 lawful basis: consent, contract, legal_obligation, vital_interests, public_task or legitimate_interests",
    ),
    r(
        "AgreementInput",
        "condition",
        Rule::OneOf(conditions),
        "Give an Article 9 condition key, or empty where no special category data is shared",
    ),
    r(
        "AgreementInput",
        "starts_on",
        Rule::Pattern(DATE_REQUIRED, 100),
        "Enter a date as year-month-day, such as 2026-04-01",
    ),
    r(
        "AgreementInput",
        "review_on",
        Rule::Pattern(DATE_REQUIRED, 100),
        "Enter a date as year-month-day, such as 2026-04-01",
    ),
    r(
        "AgreementInput",
        "expires_on",
        Rule::Pattern(DATE_REQUIRED, 100),
        "Enter a date as year-month-day, such as 2026-04-01",
    ),
    r(
        "AgreementInput",
        "signatories",
        Rule::NotBlank(1000),
        "Enter who signed for each party, up to 1000 characters",
    ),
    r(
        "InvolvementInput",
        "person_id",
        Rule::Id,
        "An id is a whole number from 1",
    ),
    r(
        "InvolvementInput",
        "agency_id",
        Rule::Id,
        "An id is a whole number from 1",
    ),
    r(
        "InvolvementInput",
        "service",
        Rule::NotBlank(200),
        "Enter the service, such as 'Early help family support', up to 200 characters",
    ),
    r(
        "InvolvementInput",
        "lead_worker",
        Rule::MaxLength(200),
        "Use 200 characters or fewer",
    ),
    r(
        "InvolvementInput",
        "need",
        Rule::Pattern(NEED_KEY, 100),
        "Give a need's key, one of those GET /api/v1/needs lists, such as 'parenting'",
    ),
    r(
        "EventInput",
        "class_of_data",
        Rule::OneOf(data_classes),
        "Give the class of data the record is: identity, social_care, health, police, education, benefits or housing",
    ),
    r(
        "EventInput",
        "summary",
        Rule::NotBlank(500),
        "Say what happened, in at most 500 characters",
    ),
    r(
        "EventInput",
        "day",
        Rule::Pattern(DATE, 100),
        "Enter a date as year-month-day, such as 2026-11-30, or leave it out for today",
    ),
    r(
        "EventInput",
        "person_id",
        Rule::Id,
        "An id is a whole number from 1",
    ),
    r(
        "EventInput",
        "agency_id",
        Rule::Id,
        "An id is a whole number from 1",
    ),
    r(
        "InvolvementInput",
        "class_of_data",
        Rule::OneOf(data_classes),
        "Give the class of data the record is: identity, social_care, health, police, education, benefits or housing",
    ),
    r(
        "InvolvementInput",
        "started_on",
        Rule::Pattern(DATE_REQUIRED, 100),
        "Enter a date as year-month-day, such as 2026-01-05",
    ),
    r(
        "InvolvementInput",
        "ended_on",
        Rule::Pattern(DATE, 100),
        "Enter a date as year-month-day, such as 2026-07-31, or leave it empty while it goes on",
    ),
    r(
        "InvolvementInput",
        "unit_cost_code",
        Rule::MaxLength(100),
        "Use 100 characters or fewer",
    ),
    r(
        "InvolvementInput",
        "units_per_year",
        Rule::Pattern(UNITS, 100),
        "Write how many units a year, with up to two decimals, from 0 to 1000000, such as 52 or 1.5",
    ),
    r(
        "GoalInput",
        "goal",
        Rule::NotBlank(500),
        "Enter the goal in the family's own words, up to 500 characters",
    ),
    r(
        "GoalInput",
        "worries",
        Rule::MaxLength(2000),
        "Use 2000 characters or fewer",
    ),
    r(
        "GoalInput",
        "strengths",
        Rule::MaxLength(2000),
        "Use 2000 characters or fewer",
    ),
    r(
        "GoalInput",
        "next_steps",
        Rule::MaxLength(2000),
        "Use 2000 characters or fewer",
    ),
    r(
        "GoalInput",
        "score",
        Rule::Whole(0, 10),
        "Give where the family puts it now, a whole number from 0 (nowhere near) to 10 (achieved)",
    ),
    r(
        "GoalInput",
        "agency_id",
        Rule::Id,
        "An id is a whole number from 1",
    ),
    r(
        "GoalInput",
        "review_on",
        Rule::Pattern(DATE_REQUIRED, 100),
        "Enter a date as year-month-day, such as 2027-03-01",
    ),
    r(
        "ActionInput",
        "goal_id",
        Rule::Id,
        "An id is a whole number from 1",
    ),
    r(
        "ActionInput",
        "action",
        Rule::MaxLength(500),
        "Use 500 characters or fewer",
    ),
    r(
        "ActionInput",
        "owner",
        Rule::MaxLength(200),
        "Use 200 characters or fewer",
    ),
    r(
        "ActionInput",
        "due_on",
        Rule::Pattern(DATE, 100),
        "Enter a date as year-month-day, such as 2027-01-15",
    ),
    r(
        "ActionInput",
        "score",
        Rule::Whole(0, 10),
        "Give where the family puts the goal now, a whole number from 0 to 10, or leave it out to keep the score",
    ),
    r(
        "ActionInput",
        "note",
        Rule::MaxLength(2000),
        "Use 2000 characters or fewer",
    ),
    r(
        "ActionInput",
        "next_review_on",
        Rule::Pattern(DATE, 100),
        "Enter a date as year-month-day, such as 2027-03-01",
    ),
    r(
        "BreakGlassInput",
        "reason",
        Rule::Pattern(REASON, 1000),
        "Give your reason in at least 20 characters (at most 1000): who is at risk and why you need these records now",
    ),
    r(
        "ReviewInput",
        "finding",
        Rule::NotBlank(1000),
        "Enter your finding, such as 'Justified: child missing overnight', up to 1000 characters",
    ),
    r(
        "ProjectInput",
        "start_date",
        Rule::Pattern(DATE, 100),
        "Enter a date as year-month-day, such as 2013-04-01",
    ),
    r(
        "ProjectInput",
        "end_date",
        Rule::Pattern(DATE, 100),
        "Enter a date as year-month-day, such as 2013-04-01",
    ),
    r(
        "AppraisalInput",
        "partnership_id",
        Rule::Id,
        "An id is a whole number from 1",
    ),
    r(
        "AppraisalInput",
        "model_toml",
        // Any valid body fits in the 2 MiB limit even with every character escaped as a
        // surrogate pair (12 bytes), so a body is never refused for its size before its fields.
        Rule::MaxLength(100_000),
        "Use 100,000 characters or fewer (a model is a few thousand)",
    ),
];

fn not_blank() -> String {
    format!("^[^{CTRL}]*[^{WS}{CTRL}][^{CTRL}]*$")
}

fn no_control() -> String {
    format!("^[^{CTRL}]*$")
}

fn pattern_text(p: &str) -> String {
    p.replace("{WS}", WS).replace("{CTRL}", CTRL)
}

fn compiled(p: &str) -> &'static Regex {
    static CACHE: OnceLock<std::sync::Mutex<Vec<(String, &'static Regex)>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut list = cache
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((_, re)) = list.iter().find(|(k, _)| k == p) {
        return re;
    }
    // The patterns are constants of this file, checked by a test: a failure here is a bug.
    let re: &'static Regex =
        Box::leak(Box::new(Regex::new(p).unwrap_or_else(|_| {
            Regex::new("$^").unwrap_or_else(|_| unreachable!())
        })));
    list.push((p.to_owned(), re));
    re
}

/// Is `value` (the field's JSON) allowed by `rule`? Absent and null fields are the handlers' and
/// serde's business (required fields are in the schema).
fn allowed(rule: Rule, value: &Value) -> bool {
    match (rule, value) {
        (Rule::Id, Value::Number(n)) => integral(n).is_some_and(|i| i >= 1),
        (Rule::Id, _) => false,
        (Rule::Whole(lo, hi), Value::Number(n)) => {
            integral(n).is_some_and(|i| (lo..=hi).contains(&i))
        }
        (Rule::Whole(..), _) => false,
        (Rule::IdList(min), Value::Array(items)) => {
            let ids: Vec<i64> = items
                .iter()
                .filter_map(|v| v.as_number().and_then(integral).filter(|i| *i >= 1))
                .collect();
            let mut unique = ids.clone();
            unique.sort_unstable();
            unique.dedup();
            ids.len() == items.len() && unique.len() == ids.len() && ids.len() >= min
        }
        (Rule::WordList(words, min), Value::Array(items)) => {
            let known = words();
            let texts: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
            let mut unique = texts.clone();
            unique.sort_unstable();
            unique.dedup();
            texts.len() == items.len()
                && unique.len() == texts.len()
                && texts.len() >= min
                && texts.iter().all(|t| known.iter().any(|k| k == t))
        }
        (Rule::PatternList(p, max), Value::Array(items)) => {
            let texts: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
            let mut unique = texts.clone();
            unique.sort_unstable();
            unique.dedup();
            texts.len() == items.len()
                && unique.len() == texts.len()
                && texts.len() <= max
                && texts.iter().all(|t| compiled(&pattern_text(p)).is_match(t))
        }
        (Rule::Items(min, max), Value::Array(items)) => (min..=max).contains(&items.len()),
        (Rule::IdList(_) | Rule::WordList(..) | Rule::PatternList(..) | Rule::Items(..), _) => {
            false
        }
        (_, Value::String(s)) => {
            let len = s.chars().count();
            match rule {
                Rule::NotBlank(max) => len <= max && compiled(&not_blank()).is_match(s),
                Rule::MaxLength(max) => len <= max && compiled(&no_control()).is_match(s),
                Rule::OneOf(words) => words().iter().any(|w| w == s),
                Rule::Pattern(p, max) => len <= max && compiled(&pattern_text(p)).is_match(s),
                Rule::Id
                | Rule::Whole(..)
                | Rule::IdList(_)
                | Rule::WordList(..)
                | Rule::PatternList(..)
                | Rule::Items(..) => false,
            }
        }
        _ => false,
    }
}

/// A JSON number that is a whole number in range (`3` or `3.0`).
pub fn integral(n: &serde_json::Number) -> Option<i64> {
    if let Some(i) = n.as_i64() {
        return Some(i);
    }
    let f = n.as_f64()?;
    // 2^63 is exactly representable as a float; anything at or beyond it does not fit.
    let limit = 2_f64.powi(63);
    (f.fract() == 0.0 && (-limit..limit).contains(&f)).then_some(f as i64)
}

/// Checks a body against its schema's field rules: the problems, each naming its field.
pub fn check(schema: &str, body: &Value) -> Vec<wholeplace_service::FieldError> {
    let Some(obj) = body.as_object() else {
        return vec![];
    };
    FIELD_RULES
        .iter()
        .filter(|f| f.schema == schema)
        .filter_map(|f| match obj.get(f.field) {
            None | Some(Value::Null) => None,
            Some(v) if allowed(f.rule, v) => None,
            Some(_) => Some(wholeplace_service::FieldError::new(f.field, f.message)),
        })
        .collect()
}

/// A JSON body, read by the contract's rules: 415 unless `application/json`, 413 over
/// [`MAX_BODY_BYTES`], 400 unless JSON of the documented shape, 422 when a field breaks its rule.
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned + utoipa::ToSchema,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|m| m.trim().to_ascii_lowercase())
            .is_some_and(|m| m == "application/json" || m.ends_with("+json"));
        if !json {
            return Err(ApiError(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Send the body as JSON, with Content-Type: application/json.".into(),
                vec![],
            ));
        }
        let too_large = || {
            ApiError(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("The body is larger than {} MiB.", MAX_BODY_BYTES >> 20),
                vec![],
            )
        };
        // The application reads bodies of up to 64 MiB (uploads); the API's JSON is held to its own
        // documented limit here, whatever the framework's limit is.
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    too_large()
                } else {
                    ApiError(
                        StatusCode::BAD_REQUEST,
                        "bad_request",
                        "The body could not be read.".into(),
                        vec![],
                    )
                }
            })?;
        if bytes.len() > MAX_BODY_BYTES {
            return Err(too_large());
        }
        let name = T::name();
        let shape = |e: serde_json::Error| {
            ApiError(
                StatusCode::BAD_REQUEST,
                "bad_request",
                format!("The body is not a valid {name} (see the schema): {e}"),
                vec![],
            )
        };
        let value: Value = serde_json::from_slice(&bytes).map_err(shape)?;
        if !value.is_object() {
            return Err(ApiError(
                StatusCode::BAD_REQUEST,
                "bad_request",
                format!("The body must be a JSON object, a {name}."),
                vec![],
            ));
        }
        let value = ids_as_integers(&name, value);
        let problems = check(&name, &value);
        if !problems.is_empty() {
            return Err(ApiError(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation",
                "The request has problems: see fields.".into(),
                problems,
            ));
        }
        serde_json::from_value(value).map(ApiJson).map_err(shape)
    }
}

/// Id and whole-number fields written as whole floats (`3.0`, an integer to JSON Schema) made
/// integers, so serde reads them as `i64`.
fn ids_as_integers(schema: &str, mut value: Value) -> Value {
    if let Some(obj) = value.as_object_mut() {
        for f in FIELD_RULES
            .iter()
            .filter(|f| f.schema == schema && matches!(f.rule, Rule::Id | Rule::Whole(..)))
        {
            if let Some(Value::Number(n)) = obj.get(f.field)
                && let Some(i) = integral(n)
            {
                obj.insert(f.field.to_owned(), Value::from(i));
            }
        }
        for f in FIELD_RULES
            .iter()
            .filter(|f| f.schema == schema && matches!(f.rule, Rule::IdList(_)))
        {
            if let Some(Value::Array(items)) = obj.get_mut(f.field) {
                for v in items.iter_mut() {
                    if let Some(i) = v.as_number().and_then(integral) {
                        *v = Value::from(i);
                    }
                }
            }
        }
    }
    value
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}}
    })
}

/// The document with the contract applied: field rules in the request schemas, the status codes
/// each operation can answer, `Location` and links on create operations.
pub fn apply(mut doc: Value) -> Value {
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        rules_into_schemas(schemas);
    }
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return doc;
    };
    let follow_ups = operation_ids(paths);
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in item.iter_mut() {
            if let Some(op) = op.as_object_mut() {
                complete_operation(path, method, op, &follow_ups);
            }
        }
    }
    doc
}

/// Each field's rule written into its request schema (pattern, enum, bounds, and the rule's
/// sentence in the description), and the rule between a GSS code and its vintage.
fn rules_into_schemas(schemas: &mut Map<String, Value>) {
    for f in FIELD_RULES {
        let Some(prop) = schemas
            .get_mut(f.schema)
            .and_then(|s| s.pointer_mut(&format!("/properties/{}", f.field)))
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        match f.rule {
            Rule::NotBlank(max) => {
                prop.insert("pattern".into(), not_blank().into());
                prop.insert("maxLength".into(), max.into());
            }
            Rule::MaxLength(max) => {
                prop.insert("pattern".into(), no_control().into());
                prop.insert("maxLength".into(), max.into());
            }
            Rule::OneOf(words) => {
                prop.insert("enum".into(), words().into());
            }
            Rule::Pattern(p, max) => {
                prop.insert("pattern".into(), pattern_text(p).into());
                prop.insert("maxLength".into(), max.into());
            }
            Rule::Id => {
                prop.insert("minimum".into(), 1.into());
            }
            Rule::Whole(lo, hi) => {
                prop.insert("minimum".into(), lo.into());
                prop.insert("maximum".into(), hi.into());
            }
            Rule::IdList(min) => {
                prop.insert("minItems".into(), min.into());
                prop.insert("uniqueItems".into(), true.into());
                prop.insert("items".into(), json!({"type": "integer", "minimum": 1}));
            }
            Rule::WordList(words, min) => {
                prop.insert("minItems".into(), min.into());
                prop.insert("uniqueItems".into(), true.into());
                prop.insert("items".into(), json!({"type": "string", "enum": words()}));
            }
            Rule::Items(min, max) => {
                prop.insert("minItems".into(), min.into());
                prop.insert("maxItems".into(), max.into());
            }
            Rule::PatternList(p, max) => {
                prop.insert("maxItems".into(), max.into());
                prop.insert("uniqueItems".into(), true.into());
                prop.insert(
                    "items".into(),
                    json!({"type": "string", "pattern": pattern_text(p)}),
                );
            }
        }
        let note = format!("Rule: {}.", f.message);
        let description = match prop.get("description").and_then(Value::as_str) {
            Some(d) => format!("{d}\n\n{note}"),
            None => note,
        };
        prop.insert("description".into(), description.into());
    }
    // Health, social care and police data need an Article 9 condition.
    if let Some(agreement) = schemas
        .get_mut("AgreementInput")
        .and_then(Value::as_object_mut)
    {
        agreement.insert(
            "if".into(),
            json!({"required": ["classes"], "properties": {"classes": {"contains": {"enum": ["health", "social_care", "police"]}}}}),
        );
        agreement.insert(
            "then".into(),
            json!({"required": ["condition"], "properties": {"condition": {"minLength": 1}}}),
        );
    }
    // A GSS code needs its boundary vintage.
    if let Some(place) = schemas.get_mut("PlaceInput").and_then(Value::as_object_mut) {
        place.insert(
            "if".into(),
            json!({"required": ["gss_code"], "properties": {"gss_code": {"pattern": "[EWSNKewsnk]"}}}),
        );
        place.insert(
            "then".into(),
            json!({"required": ["gss_vintage"], "properties": {"gss_vintage": {"pattern": not_blank()}}}),
        );
    }
}

/// Every path's operations as (method, operationId), for links from create operations.
fn operation_ids(paths: &Map<String, Value>) -> Vec<(String, Vec<(String, String)>)> {
    paths
        .iter()
        .map(|(path, item)| {
            let ops = item
                .as_object()
                .map(|o| {
                    o.iter()
                        .filter_map(|(m, op)| {
                            op.get("operationId")
                                .and_then(Value::as_str)
                                .map(|id| (m.clone(), id.to_owned()))
                        })
                        .collect()
                })
                .unwrap_or_default();
            (path.clone(), ops)
        })
        .collect()
}

/// One operation made whole: query text without control characters, every error status it can
/// answer (by what it declares: a token, a body, a query, a record id), links when it creates,
/// and its body required.
fn complete_operation(
    path: &str,
    method: &str,
    op: &mut Map<String, Value>,
    follow_ups: &[(String, Vec<(String, String)>)],
) {
    let secured = op
        .get("security")
        .and_then(Value::as_array)
        .is_some_and(|s| !s.is_empty());
    let writes = matches!(method, "post" | "put" | "delete" | "patch");
    let has_body = op.contains_key("requestBody");
    let has_query = op
        .get("parameters")
        .and_then(Value::as_array)
        .is_some_and(|ps| ps.iter().any(|p| p["in"] == "query"));
    // Text in the query is refused with a control character in it (400, `edge.rs`).
    if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
        for p in params.iter_mut().filter(|p| p["in"] == "query") {
            if let Some(schema) = p.get_mut("schema").and_then(Value::as_object_mut)
                && schema.get("type").and_then(Value::as_str) == Some("string")
                && !schema.contains_key("pattern")
                && !schema.contains_key("enum")
            {
                schema.insert("pattern".into(), no_control().into());
            }
        }
    }
    let statuses: [(bool, &str, &str); 7] = [
        (
            secured,
            "401",
            "No token, or a token that is unknown, revoked or expired",
        ),
        (
            secured && writes,
            "403",
            "The token's account may not do this",
        ),
        (path.contains('{'), "404", "No such record"),
        (
            has_body || has_query,
            "400",
            "The body or query is not JSON or not the documented shape",
        ),
        (has_body, "413", "The body is larger than 2 MiB"),
        (has_body, "415", "The body is not application/json"),
        (
            has_body,
            "422",
            "A field breaks a documented rule: see error.fields",
        ),
    ];
    if let Some(responses) = op
        .entry("responses")
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
    {
        for (_, code, description) in statuses.iter().filter(|(applies, ..)| *applies) {
            responses
                .entry(*code)
                .or_insert_with(|| error_response(description));
        }
    }
    if method == "post" {
        link_created(op, path, follow_ups);
    }
    if let Some(body) = op.get_mut("requestBody").and_then(Value::as_object_mut) {
        body.insert("required".into(), true.into());
    }
}

/// A create operation's 201: a `Location` header when the new record can be read, and a link to
/// each operation on `{path}/{id}`.
fn link_created(
    op: &mut Map<String, Value>,
    path: &str,
    follow_ups: &[(String, Vec<(String, String)>)],
) {
    let target = format!("{path}/{{id}}");
    let Some((_, ops)) = follow_ups.iter().find(|(p, _)| *p == target) else {
        return;
    };
    let Some(created) = op
        .get_mut("responses")
        .and_then(|r| r.get_mut("201"))
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let mut links = Map::new();
    for (method, id) in ops {
        links.insert(
            id.clone(),
            json!({
                "operationId": id,
                "parameters": {"id": "$response.body#/id"},
                "description": format!("{} the new record", method.to_uppercase()),
            }),
        );
    }
    created.insert("links".into(), Value::Object(links));
    if ops.iter().any(|(m, _)| m == "get") {
        created.insert(
            "headers".into(),
            json!({"Location": {"description": "The new record's address", "schema": {"type": "string"}}}),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles_and_means_what_it_says() {
        for f in FIELD_RULES {
            if let Rule::Pattern(p, _) = f.rule {
                assert!(
                    Regex::new(&pattern_text(p)).is_ok(),
                    "{}.{}",
                    f.schema,
                    f.field
                );
            }
        }
        let ok = |rule, v: Value| allowed(rule, &v);
        assert!(ok(Rule::Pattern(AMOUNT, 16), json!("1000000000000.00")));
        assert!(ok(Rule::Pattern(AMOUNT, 16), json!("0.5")));
        assert!(!ok(Rule::Pattern(AMOUNT, 16), json!("1000000000000.01")));
        assert!(!ok(Rule::Pattern(AMOUNT, 16), json!("-1")));
        assert!(ok(Rule::Pattern(POPULATION, 100), json!(" 118,054 ")));
        assert!(ok(Rule::Pattern(POPULATION, 100), json!("\u{3000}")));
        assert!(!ok(Rule::Pattern(POPULATION, 100), json!(",")));
        assert!(!ok(Rule::Pattern(POPULATION, 100), json!("+5")));
        assert!(ok(Rule::Pattern(GSS_CODE, 100), json!("e05005003 ")));
        assert!(!ok(Rule::Pattern(GSS_CODE, 100), json!("E0500500")));
        assert!(ok(Rule::NotBlank(3), json!(" a ")));
        assert!(!ok(Rule::NotBlank(3), json!("\u{a0} \t")));
        assert!(ok(Rule::Id, json!(3.0)));
        assert!(!ok(Rule::Id, json!(0)));
        assert!(!ok(Rule::Id, json!(3.5)));
        assert!(!ok(Rule::Id, json!(1e30)));
        assert_eq!(
            financial_years().first().map(String::as_str),
            Some("1900/01")
        );
        assert_eq!(financial_years().len(), 300);
    }
}
