//! The everything workbook: `/data`, downloads of each sheet, and import.
//!
//! Like every pages module, its handlers keep the slice template's shape (ARCHITECTURE.md,
//! "Adding a feature"): a change page is `begin_on` and the form page; a post is the typed form,
//! the service use case and `page::saved`. Handlers of different records look alike because
//! they share that shape and axum's extractor signature, not logic: the logic is in the service
//! and in `page.rs`.

use crate::AppState;
use crate::auth::{SignedIn, check_csrf};
use crate::error::{WebError, render};
use crate::layout::Layout;
use crate::page::*;
use askama::Template;
use axum::extract::Multipart;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use wholeplace_service::AuditAction;
use wholeplace_service::dataset::{
    SHEETS, dataset_xlsx, read_dataset_workbook, sheet_class, sheet_for_headers, sheet_named,
};
use wholeplace_service::{Access, DataClass};
use wholeplace_service::{FieldError, ServiceError};

pub(crate) struct ImportResult {
    written: Vec<String>,
    already: usize,
    rejected: Vec<(String, Vec<String>, Vec<Vec<String>>)>,
}

#[derive(Template)]
#[template(path = "data.html")]
pub(crate) struct DataPage {
    layout: Layout,
    can_edit: bool,
    /// May the reader export personal data (the contacts sheet and the whole workbook)?
    can_read_personal: bool,
    /// Each sheet's CSV file, name, and whether it is personal data.
    sheets: Vec<(String, &'static str, bool)>,
    result: Option<ImportResult>,
}

pub(crate) fn csv_file(name: &str) -> String {
    format!("{}.csv", name.to_lowercase().replace(' ', "-"))
}

pub(crate) fn data_page(
    state: &AppState,
    s: &SignedIn,
    status: StatusCode,
    result: Option<ImportResult>,
    errors: Vec<FieldError>,
) -> PageResult {
    let page = DataPage {
        layout: layout(state, s, "places").with_errors(errors),
        can_edit: s.user.role.can_edit_evidence(),
        can_read_personal: state
            .service
            .may(&s.actor, DataClass::Personal, Access::Read),
        sheets: SHEETS
            .iter()
            .map(|d| {
                (
                    csv_file(d.name),
                    d.name,
                    sheet_class(d) == DataClass::Personal,
                )
            })
            .collect(),
        result,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn data(State(state): State<AppState>, s: SignedIn) -> PageResult {
    data_page(&state, &s, StatusCode::OK, None, Vec::new())
}

pub async fn export_file(
    State(state): State<AppState>,
    s: SignedIn,
    Path(file): Path<String>,
) -> PageResult {
    if file == "everything.xlsx" {
        let tables = state.service.export_dataset(&s.actor).await?;
        let body = dataset_xlsx(&tables)?;
        return Ok(download(
            body,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "wholeplace-everything.xlsx",
        ));
    }
    let stem = file.strip_suffix(".csv").ok_or(WebError::NotFound)?;
    let (_, table) = state
        .service
        .export_sheet(&s.actor, stem)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(download(
        wholeplace_tabular::write_csv(&table).into_bytes(),
        "text/csv; charset=utf-8",
        &file,
    ))
}

pub async fn import(
    State(state): State<AppState>,
    s: SignedIn,
    multipart: Result<Multipart, MultipartRejection>,
) -> PageResult {
    let bad = |e: &(dyn std::error::Error + 'static)| crate::form::upload_error(e);
    let mut multipart = multipart.map_err(|e| bad(&e))?;
    let (mut csrf, mut skip, mut name, mut bytes) =
        (String::new(), false, String::new(), Vec::new());
    while let Some(field) = multipart.next_field().await.map_err(|e| bad(&e))? {
        match field.name().unwrap_or("") {
            "csrf_token" => csrf = field.text().await.map_err(|e| bad(&e))?,
            "skip_invalid" => skip = field.text().await.map_err(|e| bad(&e))? == "yes",
            "file" => {
                name = field.file_name().unwrap_or("").to_owned();
                bytes = field.bytes().await.map_err(|e| bad(&e))?.to_vec();
            }
            _ => {}
        }
    }
    check_csrf(&s.session, &csrf)?;
    state
        .service
        .begin(&s.actor, AuditAction::DatasetImport, None)
        .await?;
    let problem = |m: String| {
        data_page(
            &state,
            &s,
            StatusCode::BAD_REQUEST,
            None,
            vec![FieldError::new("file", m)],
        )
    };
    if bytes.is_empty() {
        return problem("Choose a workbook (.xlsx) or CSV file to import".into());
    }
    let sheets = if name.to_lowercase().ends_with(".csv") {
        let Ok(text) = String::from_utf8(bytes) else {
            return problem(
                "The CSV file is not UTF-8 text: save it as 'CSV UTF-8' and upload it again".into(),
            );
        };
        let table = match wholeplace_tabular::read_csv(&text) {
            Ok(t) => t,
            Err(e) => return problem(format!("{name}: {e}")),
        };
        let stem = name.rsplit_once('.').map_or(name.as_str(), |(a, _)| a);
        let Some(def) = sheet_named(stem).or_else(|| sheet_for_headers(&table.headers)) else {
            return problem(format!(
                "Cannot tell which sheet {name} is: name it after its sheet, such as budget-lines.csv, or give it that sheet's header row"
            ));
        };
        vec![(def.name.to_owned(), table)]
    } else {
        match read_dataset_workbook(&bytes) {
            Ok(s) => s,
            Err(e) => return problem(format!("{name}: {e}")),
        }
    };
    match state.service.import_dataset(&s.actor, &sheets, skip).await {
        Ok(outcome) => {
            let result = ImportResult {
                written: outcome
                    .counts
                    .written
                    .iter()
                    .filter(|(_, n)| *n > 0)
                    .map(|(k, n)| format!("{k}: {n}"))
                    .collect(),
                already: outcome.counts.already_present,
                rejected: outcome
                    .rejected
                    .into_iter()
                    .map(|(k, t)| (k, t.headers, t.rows))
                    .collect(),
            };
            data_page(&state, &s, StatusCode::OK, Some(result), Vec::new())
        }
        Err(ServiceError::Validation(errors)) => {
            data_page(&state, &s, problems_status(&errors), None, errors)
        }
        Err(e) => Err(e.into()),
    }
}
