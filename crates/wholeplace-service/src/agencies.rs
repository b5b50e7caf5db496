//! Partner agencies and the places each covers.

use crate::audit_action::AuditAction;
use crate::fields::*;
use crate::*;
use wholeplace_domain::AgencyKind;
use wholeplace_domain::{AgencyId, OrgIdentifier, PlaceId};
use wholeplace_store::*;

impl Service {
    /// Agencies, for forms.
    pub async fn list_agencies(
        &self,
        actor: &Actor,
    ) -> ServiceResult<Vec<wholeplace_store::Agency>> {
        self.may_read(actor).await?;
        Ok(self.store().list_agencies().await?)
    }

    /// Creates an agency (analysts and administrators).
    pub async fn create_agency(
        &self,
        actor: &Actor,
        name: &str,
        kind: &str,
    ) -> ServiceResult<AgencyId> {
        self.require_editor(actor, AuditAction::AgencyCreate, "agency", None)
            .await?;
        let (name, kind) = parse_agency(name, kind).map_err(ServiceError::Validation)?;
        let name = name.as_str();
        let ev = self.event(actor, AuditAction::AgencyCreate, "agency", None, true, "");
        self.store()
            .create_agency(name, kind, &ev)
            .await
            .map_err(|e| match e {
                wholeplace_store::StoreError::Conflict(_) => {
                    ServiceError::Validation(vec![FieldError::conflict(
                        "name",
                        format!("There is already an agency called '{name}'"),
                    )])
                }
                other => other.into(),
            })
    }

    /// Creates an agency as the operator (demo data and set-up).
    pub async fn create_agency_as_operator(
        &self,
        name: &str,
        kind: &str,
    ) -> ServiceResult<AgencyId> {
        let ev = self.event(
            &Actor::operator(),
            AuditAction::AgencyCreate,
            "agency",
            None,
            true,
            "",
        );
        let kind = AgencyKind::parse(kind).map_err(|e| ServiceError::Internal(e.to_string()))?;
        Ok(self.store().create_agency(name, kind, &ev).await?)
    }

    /// Changes an agency's name and kind (analysts and administrators).
    pub async fn update_agency(
        &self,
        actor: &Actor,
        id: AgencyId,
        name: &str,
        kind: &str,
    ) -> ServiceResult<()> {
        let rid = Some(id.to_string());
        self.require_editor(actor, AuditAction::AgencyUpdate, "agency", rid.clone())
            .await?;
        let (name, kind) = parse_agency(name, kind).map_err(ServiceError::Validation)?;
        let ev = self.event(actor, AuditAction::AgencyUpdate, "agency", rid, true, "");
        self.store()
            .update_agency(id, &name, kind, &ev)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => ServiceError::Validation(vec![FieldError::conflict(
                    "name",
                    format!("There is already an agency called '{name}'"),
                )]),
                other => other.into(),
            })
    }

    /// Deletes an agency (analysts and administrators); refused while records use it.
    pub async fn delete_agency(&self, actor: &Actor, id: AgencyId) -> ServiceResult<()> {
        let rid = Some(id.to_string());
        self.require_editor(actor, AuditAction::AgencyDelete, "agency", rid.clone())
            .await?;
        let ev = self.event(actor, AuditAction::AgencyDelete, "agency", rid, true, "");
        self.store().delete_agency(id, &ev).await.map_err(in_use)
    }

    /// Records that an agency serves a place.
    pub async fn add_agency_coverage(
        &self,
        actor: &Actor,
        agency_id: AgencyId,
        place_id: PlaceId,
    ) -> ServiceResult<()> {
        self.require_editor(
            actor,
            AuditAction::AgencyCover,
            "agency",
            Some(agency_id.to_string()),
        )
        .await?;
        let ev = self.event(
            actor,
            AuditAction::AgencyCover,
            "agency",
            Some(agency_id.to_string()),
            true,
            &format!("place {place_id}"),
        );
        Ok(self
            .store()
            .add_agency_coverage(agency_id, place_id, &ev)
            .await?)
    }

    /// Records that an agency covers a place, from a form.
    pub async fn cover_place_from_form(
        &self,
        actor: &Actor,
        place_id: PlaceId,
        agency: &str,
    ) -> ServiceResult<()> {
        self.require_editor(actor, AuditAction::AgencyCover, "agency", None)
            .await?;
        if self.store().get_place(place_id).await?.is_none() {
            return Err(ServiceError::NotFound);
        }
        let agencies: Vec<AgencyId> = self.agency_ids().await?;
        let mut errors = Vec::new();
        let Some(agency_id) = Self::id_in(
            &mut errors,
            "agency_id",
            agency,
            &agencies,
            "Select the agency",
        ) else {
            return Err(ServiceError::Validation(errors));
        };
        self.add_agency_coverage(actor, agency_id, place_id).await
    }
}

/// An agency's name and kind, or every problem with them: the one rule set for an agency, used
/// by the forms, the API and the workbook import alike.
pub fn parse_agency(name: &str, kind: &str) -> Result<(String, AgencyKind), Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        errors.push(FieldError::new(
            "name",
            "Enter the agency's name, up to 200 characters",
        ));
    }
    let kind = match AgencyKind::parse(kind) {
        Ok(k) => Some(k),
        Err(e) => {
            errors.push(FieldError::new(
                "kind",
                if kind.trim().is_empty() {
                    "Select the kind of agency".to_owned()
                } else {
                    e.to_string()
                },
            ));
            None
        }
    };
    match kind {
        Some(kind) if errors.is_empty() => Ok((name.to_owned(), kind)),
        _ => Err(errors),
    }
}

/// The most identifiers one organisation may have.
pub const MAX_IDENTIFIERS: usize = 20;

/// The identifiers written in one text: one a line, or separated by semicolons (as in a
/// workbook's cell).
pub fn split_identifiers(text: &str) -> Vec<&str> {
    text.split(['\n', ';'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect()
}

/// An organisation's registered identifiers (org-id.guide, such as `GB-CHC-1234567`), in the order
/// given, or every problem with them, each naming the identifier by its place in the list: the
/// one rule set for identifiers, used by the form, the API and the workbook import alike.
pub fn parse_identifiers(items: &[&str]) -> Result<Vec<OrgIdentifier>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut out: Vec<OrgIdentifier> = Vec::new();
    if items.len() > MAX_IDENTIFIERS {
        errors.push(FieldError::new(
            "identifiers",
            format!("Give at most {MAX_IDENTIFIERS} identifiers"),
        ));
    }
    for (n, item) in items.iter().enumerate() {
        match OrgIdentifier::parse(item) {
            Ok(i) if out.contains(&i) => errors.push(FieldError::new(
                "identifiers",
                format!("Identifier {}: {i} is given twice", n + 1),
            )),
            Ok(i) => out.push(i),
            Err(e) => errors.push(FieldError::new(
                "identifiers",
                format!("Identifier {}: {e}", n + 1),
            )),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The identifiers as a workbook cell or one line of text: separated by semicolons.
pub fn identifiers_text(list: &[OrgIdentifier]) -> String {
    list.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl Service {
    /// Every agency's registered identifiers (agencies with none are absent).
    pub async fn agency_identifiers(
        &self,
        actor: &Actor,
    ) -> ServiceResult<Vec<(AgencyId, Vec<OrgIdentifier>)>> {
        self.may_read(actor).await?;
        Ok(self.store().agency_identifiers().await?)
    }

    /// One agency's registered identifiers, in order.
    pub async fn identifiers_of(
        &self,
        actor: &Actor,
        id: AgencyId,
    ) -> ServiceResult<Vec<OrgIdentifier>> {
        Ok(self
            .agency_identifiers(actor)
            .await?
            .into_iter()
            .find(|(a, _)| *a == id)
            .map(|(_, l)| l)
            .unwrap_or_default())
    }

    /// Replaces an agency's registered identifiers (analysts and administrators): each is
    /// checked by its scheme, an unknown scheme is named; an empty list removes them all.
    pub async fn set_agency_identifiers(
        &self,
        actor: &Actor,
        id: AgencyId,
        items: &[&str],
    ) -> ServiceResult<Vec<OrgIdentifier>> {
        let rid = Some(id.to_string());
        self.require_editor(actor, AuditAction::AgencyIdentifiers, "agency", rid.clone())
            .await?;
        let list = parse_identifiers(items).map_err(ServiceError::Validation)?;
        let ev = self.event(
            actor,
            AuditAction::AgencyIdentifiers,
            "agency",
            rid,
            true,
            &identifiers_text(&list),
        );
        self.store().set_agency_identifiers(id, &list, &ev).await?;
        Ok(list)
    }
}
