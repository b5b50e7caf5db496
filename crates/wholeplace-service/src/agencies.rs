//! Partner agencies and the places each covers.

use crate::audit_action::AuditAction;
use crate::fields::*;
use crate::*;
use wholeplace_domain::AgencyKind;
use wholeplace_domain::{AgencyId, PlaceId};
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
