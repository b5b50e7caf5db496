//! Pages for agencies' contacts, partnerships' projects, and importing and exporting every
//! place-and-partner record.

use crate::AppState;
use crate::auth::{SignedIn, check_csrf};
use crate::error::{WebError, render};
use crate::fields::Field;
use crate::form::FormFields;
use crate::layout::Layout;
use crate::page::{download, layout, parse_id};
use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use wholeplace_domain::taxonomy::{self, PLACE_LEVELS};
use wholeplace_service::dataset::{
    SHEETS, dataset_xlsx, read_dataset_workbook, sheet_class, sheet_for_headers, sheet_named,
};
use wholeplace_service::partners::{ContactForm, ProjectForm};
use wholeplace_service::{Access, DataClass, FieldError, ServiceError};

type PageResult = Result<Response, WebError>;

fn options(first: &str, items: impl IntoIterator<Item = (i64, String)>) -> Vec<(String, String)> {
    std::iter::once((String::new(), first.to_owned()))
        .chain(items.into_iter().map(|(id, n)| (id.to_string(), n)))
        .collect()
}

struct ContactRow {
    id: i64,
    agency: String,
    name: String,
    role: String,
    email: String,
    phone: String,
}

#[derive(Template)]
#[template(path = "contacts.html")]
struct ContactsPage {
    layout: Layout,
    can_edit: bool,
    rows: Vec<ContactRow>,
    fields: Vec<Field>,
}

async fn contacts_page(
    state: &AppState,
    s: &SignedIn,
    status: StatusCode,
    f: &ContactForm,
    errors: Vec<FieldError>,
) -> PageResult {
    let contacts = state.service.list_contacts(&s.actor).await?;
    let agencies = state.service.list_agencies().await?;
    let page = ContactsPage {
        layout: layout(state, s, "agencies").with_errors(errors),
        can_edit: s.user.role.can_edit_evidence(),
        rows: contacts
            .into_iter()
            .map(|c| ContactRow {
                id: c.id,
                agency: c.agency,
                name: c.name,
                role: c.role,
                email: c.email,
                phone: c.phone,
            })
            .collect(),
        fields: vec![
            Field::select(
                "agency_id",
                "Agency",
                options("Select", agencies.into_iter().map(|a| (a.id, a.name))),
                &f.agency_id,
            ),
            Field::text("name", "Name", "", &f.name),
            Field::text(
                "role",
                "Role (optional)",
                "Such as 'Neighbourhood manager' or 'Identified link for Sherwood'",
                &f.role,
            ),
            Field::text("email", "Work email (optional)", "", &f.email),
            Field::text("phone", "Work phone (optional)", "", &f.phone).narrow(),
        ],
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn contacts(State(state): State<AppState>, s: SignedIn) -> PageResult {
    contacts_page(
        &state,
        &s,
        StatusCode::OK,
        &ContactForm::default(),
        Vec::new(),
    )
    .await
}

pub async fn create_contact(
    State(state): State<AppState>,
    s: SignedIn,
    form: FormFields,
) -> PageResult {
    check_csrf(&s.session, form.get("csrf_token"))?;
    let f = ContactForm {
        agency_id: form.get("agency_id").to_owned(),
        name: form.get("name").to_owned(),
        role: form.get("role").to_owned(),
        email: form.get("email").to_owned(),
        phone: form.get("phone").to_owned(),
    };
    match state.service.create_contact(&s.actor, &f).await {
        Ok(_) => Ok(Redirect::to("/contacts").into_response()),
        Err(ServiceError::Validation(errors)) => {
            contacts_page(&state, &s, StatusCode::BAD_REQUEST, &f, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "contact_delete.html")]
struct ContactDeletePage {
    layout: Layout,
    id: i64,
    name: String,
    agency: String,
    role: String,
}

pub async fn confirm_delete_contact(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    state
        .service
        .authorize(
            &s.actor,
            DataClass::Personal,
            Access::Change,
            "contact.delete",
            "contact",
            Some(id.to_string()),
        )
        .await?;
    let c = state
        .service
        .list_contacts(&s.actor)
        .await?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or(WebError::NotFound)?;
    let page = ContactDeletePage {
        layout: layout(&state, &s, "agencies"),
        id,
        name: c.name,
        agency: c.agency,
        role: c.role,
    };
    Ok(render(&page)?.into_response())
}

pub async fn delete_contact(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    form: FormFields,
) -> PageResult {
    let id = parse_id(&id)?;
    check_csrf(&s.session, form.get("csrf_token"))?;
    state.service.delete_contact(&s.actor, id).await?;
    Ok(Redirect::to("/contacts").into_response())
}

#[derive(Template)]
#[template(path = "projects.html")]
struct ProjectsPage {
    layout: Layout,
    can_edit: bool,
    rows: Vec<(String, String, String, String, String, String)>,
    fields: Vec<Field>,
}

async fn projects_page(
    state: &AppState,
    s: &SignedIn,
    status: StatusCode,
    f: &ProjectForm,
    errors: Vec<FieldError>,
) -> PageResult {
    let projects = state.service.list_projects().await?;
    let partnerships = state.service.list_partnerships().await?;
    let places = state.service.list_places().await?;
    let agencies = state.service.list_agencies().await?;
    let dates = |a: &str, b: &str| match (a.is_empty(), b.is_empty()) {
        (true, true) => String::new(),
        (false, true) => format!("From {a}"),
        (true, false) => format!("Until {b}"),
        (false, false) => format!("{a} to {b}"),
    };
    let page = ProjectsPage {
        layout: layout(state, s, "funding").with_errors(errors),
        can_edit: s.user.role.can_edit_evidence(),
        rows: projects
            .into_iter()
            .map(|p| {
                let where_ = match (&p.place, p.theme.is_empty()) {
                    (Some(k), true) => k.name.clone(),
                    (Some(k), false) => format!("{} ({})", k.name, p.theme),
                    (None, _) => p.theme.clone(),
                };
                (
                    p.name,
                    p.partnership,
                    where_,
                    p.lead_agency.unwrap_or_default(),
                    dates(&p.start_date, &p.end_date),
                    p.aims,
                )
            })
            .collect(),
        fields: vec![
            Field::select(
                "partnership_id",
                "Partnership",
                options("Select", partnerships.into_iter().map(|p| (p.id, p.name))),
                &f.partnership_id,
            ),
            Field::text("name", "Name", "Such as 'Fairfields family hub'", &f.name),
            Field::select(
                "place_id",
                "Place (optional for a thematic project)",
                options(
                    "None",
                    places.into_iter().map(|p| {
                        (
                            p.id,
                            format!("{} ({})", p.name, taxonomy::label(PLACE_LEVELS, &p.level)),
                        )
                    }),
                ),
                &f.place_id,
            ),
            Field::text(
                "theme",
                "Theme (optional)",
                "For a project about a group rather than a place, such as 'transient singles with substance misuse'",
                &f.theme,
            ),
            Field::select(
                "lead_agency_id",
                "Lead agency (optional)",
                options("None", agencies.into_iter().map(|a| (a.id, a.name))),
                &f.lead_agency_id,
            ),
            Field::text("aims", "Aims (optional)", "", &f.aims),
            Field::text(
                "start_date",
                "Start date (optional)",
                "As year-month-day, such as 2013-04-01",
                &f.start_date,
            )
            .narrow(),
            Field::text(
                "end_date",
                "End date (optional)",
                "As year-month-day, such as 2015-03-31",
                &f.end_date,
            )
            .narrow(),
        ],
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn projects(State(state): State<AppState>, s: SignedIn) -> PageResult {
    projects_page(
        &state,
        &s,
        StatusCode::OK,
        &ProjectForm::default(),
        Vec::new(),
    )
    .await
}

pub async fn create_project(
    State(state): State<AppState>,
    s: SignedIn,
    form: FormFields,
) -> PageResult {
    check_csrf(&s.session, form.get("csrf_token"))?;
    let g = |k: &str| form.get(k).to_owned();
    let f = ProjectForm {
        partnership_id: g("partnership_id"),
        name: g("name"),
        place_id: g("place_id"),
        theme: g("theme"),
        lead_agency_id: g("lead_agency_id"),
        aims: g("aims"),
        start_date: g("start_date"),
        end_date: g("end_date"),
    };
    match state.service.create_project(&s.actor, &f).await {
        Ok(_) => Ok(Redirect::to("/projects").into_response()),
        Err(ServiceError::Validation(errors)) => {
            projects_page(&state, &s, StatusCode::BAD_REQUEST, &f, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

struct ImportResult {
    written: Vec<String>,
    already: usize,
    rejected: Vec<(String, Vec<String>, Vec<Vec<String>>)>,
}

#[derive(Template)]
#[template(path = "data.html")]
struct DataPage {
    layout: Layout,
    can_edit: bool,
    /// May the reader export personal data (the contacts sheet and the whole workbook)?
    can_read_personal: bool,
    /// Each sheet's CSV file, name, and whether it is personal data.
    sheets: Vec<(String, &'static str, bool)>,
    result: Option<ImportResult>,
}

fn csv_file(name: &str) -> String {
    format!("{}.csv", name.to_lowercase().replace(' ', "-"))
}

fn data_page(
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
        .require_editor(&s.actor, "dataset.import", "dataset", None)
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
            data_page(&state, &s, StatusCode::BAD_REQUEST, None, errors)
        }
        Err(e) => Err(e.into()),
    }
}
