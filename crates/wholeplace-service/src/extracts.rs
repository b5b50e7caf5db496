//! Agencies' extracts into staging for linkage: the file read (CSV or the first sheet of a
//! workbook), its columns mapped to the fields the linkage engine compares (the mapping saved per
//! agency and class of data), every row checked with its row and column named, and the whole
//! extract staged or nothing. An extract is imported only under an agreement in force that has
//! the agency as a party and covers its class of data and the purpose of linkage; a refusal is
//! audited. Audit details carry counts and the agency's id, never a value from the file.

use crate::clock::day_of;
use crate::policy::{Access, DataClass};
use crate::{Actor, AuditAction, FieldError, Service, ServiceError, ServiceResult};
use serde::Deserialize;
use std::collections::HashSet;
use wholeplace_domain::{AgencyId, ExtractId, PartnershipId, Purpose, RecordId};
use wholeplace_store::{Extract, NewExtract, STAGED_FIELDS, StagedValues};

/// What each staged field is called on the forms.
pub const FIELD_LABELS: [&str; 11] = [
    "The agency's record id",
    "Given name",
    "Family name",
    "Date of birth",
    "Sex",
    "House number or name",
    "Street",
    "Town",
    "Postcode",
    "NHS number",
    "National Insurance number",
];

/// Problems listed at most, so a wholly wrong file gives a readable page.
const MAX_PROBLEMS: usize = 25;

/// Two-digit years above this are 19yy, as the linkage engine reads them.
const DATE_PIVOT: u16 = 25;

/// An extract to import, as the page, the API and the command line receive it.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ExtractForm {
    /// The id of the partnership whose linkage the extract is for (blank when there is only
    /// one partnership).
    pub partnership_id: String,
    /// The agency's id.
    pub agency_id: String,
    /// The class of data (a key of the sharing vocabulary, such as `identity`).
    pub data_class: String,
    /// The column for each field (by field name); blank means the saved mapping, or the column
    /// whose header is the field's usual name.
    pub columns: Vec<(String, String)>,
}

/// A file to import.
#[derive(Clone, Debug, Default)]
pub struct ExtractFile {
    /// Its name (`.csv` or `.xlsx`).
    pub name: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// The outcome of an import.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ExtractImported {
    /// The extract.
    pub id: ExtractId,
    /// Records staged.
    pub records: usize,
    /// The mapping used (field, column), saved for the agency's next extract of the class.
    pub columns: Vec<(String, String)>,
}

fn file_error(message: impl Into<String>) -> ServiceError {
    ServiceError::Validation(vec![FieldError::new("file", message)])
}

/// Reads a CSV file or a workbook's first sheet.
pub fn read_extract(file: &ExtractFile) -> ServiceResult<wholeplace_tabular::Table> {
    if file.bytes.is_empty() {
        return Err(file_error(
            "Choose the agency's extract (a CSV or XLSX file)",
        ));
    }
    let table = if file.name.to_lowercase().ends_with(".xlsx") {
        let wb = wholeplace_tabular::workbook::Workbook::open(
            &file.bytes,
            wholeplace_tabular::workbook::Limits::default(),
        )
        .map_err(|e| file_error(format!("The workbook cannot be read: {e}")))?;
        let first = wb.sheet_names().into_iter().next().unwrap_or_default();
        wholeplace_tabular::read_xlsx(&file.bytes, &first)
    } else {
        let text = String::from_utf8(file.bytes.clone()).map_err(|_| {
            file_error("The CSV file is not UTF-8 text: save it as 'CSV UTF-8' and upload it again")
        })?;
        wholeplace_tabular::read_csv(&text)
    };
    table.map_err(|e| file_error(format!("The file cannot be read: {e}")))
}

/// The column of each field: the one asked for, else the saved one, else the column whose header
/// is the field's usual name. Fields without a column stay empty.
fn resolve_columns(
    table: &wholeplace_tabular::Table,
    asked: &[(String, String)],
    saved: &[(String, String)],
) -> Result<Vec<Option<usize>>, Vec<FieldError>> {
    let headers: Vec<&str> = table.headers.iter().map(String::as_str).collect();
    let detected = wholeplace_linkage::defaults::PersonColumns::detect(&headers);
    let usual = |f: &str| -> Option<String> {
        match f {
            "given_name" => detected.first_name.clone(),
            "family_name" => detected.surname.clone(),
            "date_of_birth" => detected.dob.clone(),
            "sex" => detected.sex.clone(),
            "house_number" => detected.house_number.clone(),
            "street" => detected.address.clone(),
            "town" => detected.town.clone(),
            "postcode" => detected.postcode.clone(),
            "nhs_number" => detected.nhs_number.clone(),
            "ni_number" => detected.ni_number.clone(),
            _ => None,
        }
    };
    let pick = |list: &[(String, String)], f: &str| {
        list.iter()
            .find(|(k, c)| k == f && !c.trim().is_empty())
            .map(|(_, c)| c.trim().to_owned())
    };
    let mut errors = Vec::new();
    let mut out = Vec::new();
    for f in STAGED_FIELDS {
        let asked_for = pick(asked, f);
        let name = asked_for
            .clone()
            .or_else(|| pick(saved, f))
            .or_else(|| usual(f))
            .or_else(|| (f == "record_id").then(|| "record_id".to_owned()));
        let col = name.as_deref().and_then(|n| table.column(n));
        if asked_for.is_some() && col.is_none() {
            errors.push(FieldError::new(
                &format!("column_{f}"),
                format!(
                    "The file has no column called '{}': enter one of its headers",
                    asked_for.unwrap_or_default()
                ),
            ));
        }
        out.push(col);
    }
    if out[1].is_none() && out[2].is_none() {
        errors.push(FieldError::new(
            "column_given_name",
            "Say which column holds the given name or the family name: linkage needs a name",
        ));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn is_date(v: &str) -> bool {
    let formats = wholeplace_linkage::standardise::default_date_formats();
    wholeplace_linkage::standardise::parse_date(v, &formats, DATE_PIVOT).is_some()
}

/// Checks one value; the message says how to fix it. An NHS or NI number that fails its check
/// is not refused: the engine counts it as missing, as agencies' data has such numbers.
fn check_value(field: &str, v: &str) -> Option<&'static str> {
    match field {
        "date_of_birth" if !is_date(v) => {
            Some("is not a date: use day/month/year, such as 01/02/1980, or 1980-02-01")
        }
        _ => None,
    }
}

/// Every row as staged values, or every problem with its row and column.
fn staged_rows(
    table: &wholeplace_tabular::Table,
    cols: &[Option<usize>],
) -> Result<Vec<StagedValues>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    let mut rows = Vec::with_capacity(table.rows.len());
    for (i, row) in table.rows.iter().enumerate() {
        let line = i + 2;
        let mut v: StagedValues = Default::default();
        for (k, col) in cols.iter().enumerate() {
            let Some(c) = col else { continue };
            let value = row.get(*c).map_or("", |s| s.trim());
            if let Some(problem) = (!value.is_empty())
                .then(|| check_value(STAGED_FIELDS[k], value))
                .flatten()
            {
                let header = &table.headers[*c];
                errors.push(FieldError::new(
                    "file",
                    format!("Row {line}, column '{header}': the value {problem}"),
                ));
            }
            v[k] = value.to_owned();
        }
        if v[0].is_empty() {
            v[0] = format!("row{line}");
        } else if !seen.insert(v[0].clone()) {
            errors.push(FieldError::new(
                "file",
                format!(
                    "Row {line}: the record id is used by an earlier row; each row needs its own"
                ),
            ));
        }
        rows.push(v);
    }
    if errors.is_empty() {
        return Ok(rows);
    }
    let more = errors.len().saturating_sub(MAX_PROBLEMS);
    errors.truncate(MAX_PROBLEMS);
    if more > 0 {
        errors.push(FieldError::new(
            "file",
            format!("and {more} more problems: nothing was imported"),
        ));
    }
    Err(errors)
}

/// An extract of encodings read: its encoded columns, each record's id, each record's encodings.
type EncodedRows = (Vec<String>, Vec<StagedValues>, Vec<String>);

/// Whether a header is one of an encoded file's columns (`wholeplace link --encode`).
fn is_encoded_column(h: &str) -> bool {
    h.ends_with("_bf") || h == "clk" || (h.starts_with("bk") && h[2..].parse::<u32>().is_ok())
}

/// An extract of encodings only: each record's id, and its encoded values in header order;
/// or every problem with its row and column. A file that carries any plain column beside the
/// encodings is refused, so identifiers cannot come in by this road.
fn encoded_rows(table: &wholeplace_tabular::Table) -> Result<EncodedRows, Vec<FieldError>> {
    let mut errors = Vec::new();
    let id_col = table.column("record_id");
    let columns: Vec<(usize, &String)> = table
        .headers
        .iter()
        .enumerate()
        .filter(|(_, h)| is_encoded_column(h))
        .collect();
    for h in &table.headers {
        if h != "record_id" && !is_encoded_column(h) {
            errors.push(FieldError::new(
                "file",
                format!(
                    "Column '{h}' is not an encoding: a file of encodings holds only record_id and the columns `wholeplace link --encode` writes (*_bf, clk, bk0 ...); send the encoded file alone"
                ),
            ));
        }
    }
    if id_col.is_none() {
        errors.push(FieldError::new(
            "file",
            "The file of encodings has no record_id column: encode the agency's file with its record ids",
        ));
    }
    // Each encoded column's width: its first non-empty value's.
    let widths: Vec<usize> = columns
        .iter()
        .map(|(c, _)| {
            table
                .rows
                .iter()
                .filter_map(|r| r.get(*c).map(|v| v.trim().len()))
                .find(|n| *n > 0)
                .unwrap_or(0)
        })
        .collect();
    let mut seen = HashSet::new();
    let (mut records, mut encodings) = (Vec::new(), Vec::new());
    for (i, row) in table.rows.iter().enumerate() {
        let line = i + 2;
        let mut v: StagedValues = Default::default();
        v[0] = id_col
            .and_then(|c| row.get(c))
            .map_or("", |s| s.trim())
            .to_owned();
        if v[0].is_empty() || !seen.insert(v[0].clone()) {
            errors.push(FieldError::new(
                "file",
                format!("Row {line}: each row needs its own record id"),
            ));
        }
        let mut values = Vec::with_capacity(columns.len());
        for ((c, h), width) in columns.iter().zip(&widths) {
            let value = row.get(*c).map_or("", |s| s.trim());
            let bits = !h.starts_with("bk");
            // An empty value is a field the agency did not have.
            let bad = value.contains(',')
                || (bits
                    && !value.is_empty()
                    && (value.len() != *width || !value.bytes().all(|b| b.is_ascii_hexdigit())));
            if bad {
                errors.push(FieldError::new(
                    "file",
                    format!(
                        "Row {line}, column '{h}': not an encoding (hex digits, as many in every row); encode the file again with the same command"
                    ),
                ));
            }
            values.push(value);
        }
        records.push(v);
        encodings.push(values.join(","));
    }
    if errors.is_empty() {
        Ok((
            columns.into_iter().map(|(_, h)| h.clone()).collect(),
            records,
            encodings,
        ))
    } else {
        let more = errors.len().saturating_sub(MAX_PROBLEMS);
        errors.truncate(MAX_PROBLEMS);
        if more > 0 {
            errors.push(FieldError::new(
                "file",
                format!("and {more} more problems: nothing was imported"),
            ));
        }
        Err(errors)
    }
}

impl Service {
    /// Extracts staged, newest first.
    pub async fn list_extracts(&self, actor: &Actor) -> ServiceResult<Vec<Extract>> {
        self.authorize(
            actor,
            DataClass::Linkage,
            Access::Read,
            AuditAction::ExtractList,
            "extract",
            None,
        )
        .await?;
        Ok(self.store().list_extracts().await?)
    }

    /// The saved mapping of an agency's extracts of a class.
    pub async fn extract_mapping(
        &self,
        actor: &Actor,
        agency: AgencyId,
        class: wholeplace_domain::DataClass,
    ) -> ServiceResult<Vec<(String, String)>> {
        self.authorize(
            actor,
            DataClass::Linkage,
            Access::Read,
            AuditAction::ExtractList,
            "extract",
            None,
        )
        .await?;
        Ok(self
            .store()
            .extract_mapping(agency, class)
            .await?
            .unwrap_or_default())
    }

    /// Whether an agreement in force today has the agency as a party and covers the class of
    /// data and linkage.
    async fn linkage_agreement(
        &self,
        agency: AgencyId,
        class: wholeplace_domain::DataClass,
    ) -> ServiceResult<bool> {
        let (terms, _) = self.agreement_terms().await?;
        let today = day_of(self.now());
        let linkage =
            Purpose::parse("linkage").map_err(|e| ServiceError::Internal(e.to_string()))?;
        Ok(terms.iter().any(|t| {
            t.in_force(&today)
                && t.parties.contains(&agency)
                && t.classes.contains(&class)
                && t.purposes.contains(&linkage)
        }))
    }

    /// The partnership, agency and class a form names, each checked: the agency must be a
    /// member of the partnership.
    async fn extract_target(
        &self,
        form: &ExtractForm,
    ) -> ServiceResult<(PartnershipId, AgencyId, wholeplace_domain::DataClass)> {
        let mut errors = Vec::new();
        let requested = form.partnership_id.trim();
        let partnership = match requested.parse::<i64>().ok().map(PartnershipId::from_raw) {
            None if !requested.is_empty() => Err(ServiceError::Validation(Vec::new())),
            p => self.linking_partnership(p).await,
        };
        let partnership = match partnership {
            Ok(p) => Some(p),
            Err(ServiceError::Validation(why)) => {
                // The resolver's own words name the partnerships there are.
                let detail = why
                    .first()
                    .map(|e| format!(": {}", e.message))
                    .unwrap_or_default();
                errors.push(FieldError::new(
                    "partnership_id",
                    format!("Choose the partnership whose linkage the extract is for{detail}"),
                ));
                None
            }
            Err(e) => return Err(e),
        };
        let agency = form
            .agency_id
            .trim()
            .parse::<i64>()
            .ok()
            .map(AgencyId::from_raw);
        let agencies = self.store().list_agencies().await?;
        let known = agencies.iter().find(|x| Some(x.id) == agency);
        if known.is_none() {
            errors.push(FieldError::new(
                "agency_id",
                "Choose the agency that sent the extract",
            ));
        }
        if let (Some((p, name)), Some(a)) = (&partnership, known) {
            let member = self
                .store()
                .list_partnerships()
                .await?
                .iter()
                .any(|x| x.id == *p && x.members.iter().any(|m| m.id == a.id));
            if !member {
                errors.push(FieldError::new(
                    "agency_id",
                    format!(
                        "{} is not a member of {name}: add it to the partnership on the partnerships page, or choose the partnership it works in",
                        a.name
                    ),
                ));
            }
        }
        let class = wholeplace_domain::DataClass::parse(form.data_class.trim()).ok();
        if class.is_none() {
            errors.push(FieldError::new(
                "data_class",
                "Choose the class of data the extract holds",
            ));
        }
        match (partnership, agency, class) {
            (Some((p, _)), Some(a), Some(c)) if errors.is_empty() => Ok((p, a, c)),
            _ => Err(ServiceError::Validation(errors)),
        }
    }

    /// Stages an agency's extract: refused (and the refusal audited) without an agreement in
    /// force covering it; every row checked, and all of it staged or nothing.
    pub async fn import_extract(
        &self,
        actor: &Actor,
        form: &ExtractForm,
        file: &ExtractFile,
    ) -> ServiceResult<ExtractImported> {
        self.authorize(
            actor,
            DataClass::Linkage,
            Access::Change,
            AuditAction::ExtractImport,
            "extract",
            None,
        )
        .await?;
        let (partnership, agency, class) = self.extract_target(form).await?;
        if !self.linkage_agreement(agency, class).await? {
            let detail = format!(
                "refused: no agreement in force covers agency {agency}'s {} data for linkage",
                class.as_str()
            );
            let ev = self.event(
                actor,
                AuditAction::ExtractImport,
                "extract",
                None,
                false,
                &detail,
            );
            self.store().append_audit(&ev).await?;
            return Err(ServiceError::Validation(vec![FieldError::new(
                "agency_id",
                format!(
                    "No information-sharing agreement in force has this agency as a party and covers this class of data ({}) for linking records: nothing was imported. Ask your data protection officer to record one on the sharing agreements page.",
                    class.label()
                ),
            )]));
        }
        let table = read_extract(file)?;
        if table.headers.iter().any(|h| h.ends_with("_bf")) {
            return self
                .import_encoded(actor, (partnership, agency, class), file, &table)
                .await;
        }
        let saved = self
            .store()
            .extract_mapping(agency, class)
            .await?
            .unwrap_or_default();
        let cols =
            resolve_columns(&table, &form.columns, &saved).map_err(ServiceError::Validation)?;
        let records = staged_rows(&table, &cols).map_err(ServiceError::Validation)?;
        let columns: Vec<(String, String)> = STAGED_FIELDS
            .iter()
            .zip(&cols)
            .filter_map(|(f, c)| c.map(|c| ((*f).to_owned(), table.headers[c].clone())))
            .collect();
        if columns != saved {
            let detail = format!("agency {agency}, {}", class.as_str());
            let ev = self.event(
                actor,
                AuditAction::ExtractMapping,
                "extract",
                None,
                true,
                &detail,
            );
            self.store()
                .save_extract_mapping(agency, class, &columns, &ev)
                .await?;
        }
        let count = records.len();
        let new = NewExtract {
            partnership_id: partnership,
            agency_id: agency,
            data_class: class,
            file_name: file.name.clone(),
            imported_at: self.now(),
            imported_by: actor.name(),
            records,
            encoded_columns: Vec::new(),
            encodings: Vec::new(),
        };
        let detail = format!(
            "partnership {partnership}, agency {agency}, {}, {count} records",
            class.as_str()
        );
        self.stage(actor, &new, &detail, columns).await
    }

    /// Stages an extract read and checked, with its audit entry (counts, never a value).
    async fn stage(
        &self,
        actor: &Actor,
        new: &NewExtract,
        detail: &str,
        columns: Vec<(String, String)>,
    ) -> ServiceResult<ExtractImported> {
        let ev = self.event(
            actor,
            AuditAction::ExtractImport,
            "extract",
            None,
            true,
            detail,
        );
        let id = self.store().create_extract(new, &ev).await?;
        Ok(ExtractImported {
            id,
            records: new.records.len(),
            columns,
        })
    }

    /// Stages an extract of encodings only (the privacy-preserving mode): no identifier is
    /// read or kept, only the record ids and the encodings. Every encoded extract must have the
    /// same encoded columns within a partnership (its agencies encode with the same command,
    /// settings and key).
    async fn import_encoded(
        &self,
        actor: &Actor,
        (partnership, agency, class): (PartnershipId, AgencyId, wholeplace_domain::DataClass),
        file: &ExtractFile,
        table: &wholeplace_tabular::Table,
    ) -> ServiceResult<ExtractImported> {
        let (columns, records, encodings) =
            encoded_rows(table).map_err(ServiceError::Validation)?;
        if let Some(other) = self.store().list_extracts().await?.into_iter().find(|e| {
            e.partnership_id == partnership
                && !e.encoded_columns.is_empty()
                && e.encoded_columns != columns
        }) {
            return Err(file_error(format!(
                "The encoded columns ({}) differ from those of the encoded extract '{}' already staged ({}): every agency must encode with the same command and settings",
                columns.join(", "),
                other.file_name,
                other.encoded_columns.join(", ")
            )));
        }
        let count = records.len();
        let new = NewExtract {
            partnership_id: partnership,
            agency_id: agency,
            data_class: class,
            file_name: file.name.clone(),
            imported_at: self.now(),
            imported_by: actor.name(),
            records,
            encoded_columns: columns.clone(),
            encodings,
        };
        let detail = format!(
            "partnership {partnership}, agency {agency}, {}, {count} encoded records",
            class.as_str()
        );
        let columns = columns.into_iter().map(|c| (c.clone(), c)).collect();
        self.stage(actor, &new, &detail, columns).await
    }
}
