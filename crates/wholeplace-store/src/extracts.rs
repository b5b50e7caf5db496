//! Agencies' extracts staged for linkage: the column mapping each agency's extract of a class of
//! data is read with, and the staged records themselves (personal data: names, dates of birth,
//! addresses, NHS and NI numbers). The port stores and returns; whether an extract may be
//! imported (an agreement in force) is decided in the service.

use crate::*;
use async_trait::async_trait;
use serde::Serialize;
use wholeplace_domain::{AgencyId, DataClass, ExtractId, PartnershipId, PersonId, StagedRecordId};

/// The fields of a staged record, in order: what the linkage engine compares.
pub const STAGED_FIELDS: [&str; 11] = [
    "record_id",
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "house_number",
    "street",
    "town",
    "postcode",
    "nhs_number",
    "ni_number",
];

/// A record as the agency sent it, one value per [`STAGED_FIELDS`] entry ("" when missing).
pub type StagedValues = [String; 11];

/// An extract imported into staging.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Extract {
    /// Id.
    pub id: ExtractId,
    /// The partnership whose linkage it is staged for.
    pub partnership_id: PartnershipId,
    /// The agency that sent it.
    pub agency_id: AgencyId,
    /// That agency's name.
    pub agency_name: String,
    /// The class of data it holds.
    pub data_class: DataClass,
    /// The file's name as uploaded.
    pub file_name: String,
    /// Records staged.
    pub records: i64,
    /// When it was imported.
    pub imported_at: Timestamp,
    /// Who imported it (an account name).
    pub imported_by: String,
    /// The encoded columns of an extract of encodings only (empty for a plain extract).
    pub encoded_columns: Vec<String>,
}

/// An extract to stage, with its records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewExtract {
    /// The partnership whose linkage it is staged for.
    pub partnership_id: PartnershipId,
    /// The agency.
    pub agency_id: AgencyId,
    /// The class of data.
    pub data_class: DataClass,
    /// The file's name.
    pub file_name: String,
    /// When.
    pub imported_at: Timestamp,
    /// Who.
    pub imported_by: String,
    /// The records, in file order. An extract of encodings has only each record's id here.
    pub records: Vec<StagedValues>,
    /// An extract of encodings only: its encoded columns' names (else empty).
    pub encoded_columns: Vec<String>,
    /// An extract of encodings only: each record's encoded values in `encoded_columns` order,
    /// comma-separated (else empty).
    pub encodings: Vec<String>,
}

/// One staged record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StagedRecord {
    /// Id.
    pub id: StagedRecordId,
    /// Its extract.
    pub extract_id: ExtractId,
    /// The extract's agency.
    pub agency_id: AgencyId,
    /// Its values.
    pub values: StagedValues,
    /// The person it was linked to, once linked.
    pub person_id: Option<PersonId>,
    /// A record of an extract of encodings: its encoded values, comma-separated, in the order of
    /// its extract's `encoded_columns` (empty for a plain record).
    pub encoding: String,
}

/// The storage port for staged extracts.
#[async_trait]
pub trait ExtractStore: Send + Sync {
    /// The saved mapping (field, the extract's column) for an agency's extracts of a class.
    async fn extract_mapping(
        &self,
        agency: AgencyId,
        class: DataClass,
    ) -> StoreResult<Option<Vec<(String, String)>>>;
    /// Saves the mapping for an agency's extracts of a class, replacing any before.
    async fn save_extract_mapping(
        &self,
        agency: AgencyId,
        class: DataClass,
        columns: &[(String, String)],
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Stages an extract and all its records, or nothing.
    async fn create_extract(&self, e: &NewExtract, audit: &AuditEvent) -> StoreResult<ExtractId>;
    /// Extracts, newest first.
    async fn list_extracts(&self) -> StoreResult<Vec<Extract>>;
    /// Every record staged for a partnership's linkage, by id, with the person each is linked
    /// to.
    async fn staged_records(&self, partnership: PartnershipId) -> StoreResult<Vec<StagedRecord>>;
}
