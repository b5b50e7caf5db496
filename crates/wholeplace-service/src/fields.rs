//! One parser for each kind of field the record forms share (text, dates, years, money, ids by
//! name), and the lookups they resolve names with, so every entry point (forms, API, imports) says
//! the same thing about the same mistake.

use crate::*;
use wholeplace_domain::{AgencyId, PlaceId, RecordId};
use wholeplace_store::*;

pub(crate) fn text(
    errors: &mut Vec<FieldError>,
    field: &str,
    raw: &str,
    max: usize,
    missing: Option<&str>,
) -> String {
    let t = raw.trim();
    if t.is_empty() {
        if let Some(m) = missing {
            errors.push(FieldError::new(field, m));
        }
    } else if t.chars().count() > max {
        errors.push(FieldError::new(
            field,
            format!("Use {max} characters or fewer"),
        ));
    }
    t.to_owned()
}

pub(crate) fn date(errors: &mut Vec<FieldError>, field: &str, raw: &str) -> String {
    let t = raw.trim();
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    if !t.is_empty() && time::Date::parse(t, &fmt).is_err() {
        errors.push(FieldError::new(
            field,
            "Enter a date as year-month-day, such as 2013-04-01",
        ));
    }
    t.to_owned()
}

/// Places named in a cell (names, GSS codes or ids, separated by semicolons).
pub(crate) fn place_names(
    errors: &mut Vec<FieldError>,
    field: &str,
    raw: &str,
    lookup: &Lookup,
) -> Vec<PlaceId> {
    let mut out = Vec::new();
    for name in raw.split(';').map(str::trim).filter(|n| !n.is_empty()) {
        match lookup.place(name) {
            Some(id) => out.push(id),
            None => errors.push(FieldError::new(
                field,
                format!("There is no place called '{name}': give names or GSS codes separated by semicolons"),
            )),
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

pub(crate) fn ids<T: RecordId + std::str::FromStr + Ord>(
    errors: &mut Vec<FieldError>,
    field: &str,
    raw: &[String],
    known: &[T],
    message: &str,
) -> Vec<T> {
    let mut out = Vec::new();
    for r in raw {
        match r.trim().parse::<T>() {
            Ok(id) if known.contains(&id) => out.push(id),
            parsed => {
                // A well-formed id of no record clashes with what is stored (409 from the API).
                errors.push(if parsed.is_ok() {
                    FieldError::conflict(field, message)
                } else {
                    FieldError::new(field, message)
                });
                return Vec::new();
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

pub(crate) fn year_field(
    errors: &mut Vec<FieldError>,
    field: &str,
    raw: &str,
) -> Option<wholeplace_domain::FinancialYear> {
    match raw.trim().parse::<wholeplace_domain::FinancialYear>() {
        Ok(y) => Some(y),
        Err(_) => {
            errors.push(FieldError::new(
                field,
                "Enter a financial year, such as 2009/10",
            ));
            None
        }
    }
}

pub(crate) fn pounds_field(
    errors: &mut Vec<FieldError>,
    field: &str,
    raw: &str,
) -> Option<wholeplace_domain::Money> {
    match raw.trim().parse::<wholeplace_domain::Money>() {
        Ok(m) if m.pence() >= 0 => Some(m),
        _ => {
            errors.push(FieldError::new(
                field,
                "Enter an amount in pounds, such as 500,000",
            ));
            None
        }
    }
}

/// A record that clashes with one already stored, as a problem on `field`
/// ("There is already ...").
pub(crate) fn already(field: &'static str) -> impl Fn(StoreError) -> ServiceError {
    move |e| match e {
        StoreError::Conflict(what) => ServiceError::Validation(vec![FieldError::conflict(
            field,
            format!("There is already {what}"),
        )]),
        other => other.into(),
    }
}

/// A refused delete says what still uses the record.
pub(crate) fn in_use(e: StoreError) -> ServiceError {
    match e {
        StoreError::Conflict(what) => ServiceError::Validation(vec![FieldError::conflict(
            "record",
            format!("This cannot be deleted while there are {what}: delete or change those first"),
        )]),
        other => other.into(),
    }
}

/// A place named in a field (its name, GSS code or id), found with `find`: blank says
/// `missing`, an unknown name says so.
pub(crate) fn place_field(
    errors: &mut Vec<FieldError>,
    field: &str,
    raw: &str,
    missing: &str,
    mut find: impl FnMut(&str) -> Option<PlaceId>,
) -> Option<PlaceId> {
    match raw.trim() {
        "" => {
            errors.push(FieldError::new(field, missing));
            None
        }
        p => find(p).or_else(|| {
            errors.push(FieldError::conflict(
                field,
                format!("There is no place called '{p}'"),
            ));
            None
        }),
    }
}

/// Agencies and places found by id, name (any case) or GSS code, in constant time per row.
pub(crate) struct Lookup {
    agencies: std::collections::HashMap<String, AgencyId>,
    places: std::collections::HashMap<String, PlaceId>,
}

impl Lookup {
    pub(crate) fn new(agencies: &[Agency], places: &[Place]) -> Self {
        let mut a = std::collections::HashMap::new();
        for x in agencies {
            a.insert(x.id.to_string(), x.id);
            a.insert(x.name.to_lowercase(), x.id);
        }
        let mut p = std::collections::HashMap::new();
        for x in places {
            p.insert(x.name.to_lowercase(), x.id);
            if let Some(g) = &x.gss_code {
                p.insert(g.to_lowercase(), x.id);
            }
        }
        // Ids win over names that happen to be digits.
        for x in places {
            p.insert(x.id.to_string(), x.id);
        }
        Self {
            agencies: a,
            places: p,
        }
    }

    pub(crate) fn agency(&self, key: &str) -> Option<AgencyId> {
        self.agencies.get(&key.to_lowercase()).copied()
    }

    pub(crate) fn place(&self, key: &str) -> Option<PlaceId> {
        self.places.get(&key.to_lowercase()).copied()
    }
}

pub(crate) fn opt_text(s: &str) -> Option<String> {
    let t = s.trim();
    if t.is_empty() {
        None
    } else {
        Some(t.to_owned())
    }
}

impl Service {
    /// Every agency's id (to check an id a form sends).
    pub(crate) async fn agency_ids(&self) -> ServiceResult<Vec<AgencyId>> {
        Ok(self
            .store()
            .list_agencies()
            .await?
            .iter()
            .map(|a| a.id)
            .collect())
    }

    /// Every place's id (to check an id a form sends).
    pub(crate) async fn place_ids(&self) -> ServiceResult<Vec<PlaceId>> {
        Ok(self
            .store()
            .list_places()
            .await?
            .iter()
            .map(|p| p.id)
            .collect())
    }

    /// Every partnership's id (to check an id a form sends).
    pub(crate) async fn partnership_ids(
        &self,
    ) -> ServiceResult<Vec<wholeplace_domain::PartnershipId>> {
        Ok(self
            .store()
            .list_partnerships()
            .await?
            .iter()
            .map(|p| p.id)
            .collect())
    }

    pub(crate) fn id_in<T: RecordId + std::str::FromStr>(
        errors: &mut Vec<FieldError>,
        field: &str,
        raw: &str,
        ids: &[T],
        message: &str,
    ) -> Option<T> {
        match raw.trim().parse::<T>() {
            Ok(id) if ids.contains(&id) => Some(id),
            Ok(_) => {
                errors.push(FieldError::conflict(field, message));
                None
            }
            Err(_) => {
                errors.push(FieldError::new(field, message));
                None
            }
        }
    }
}
