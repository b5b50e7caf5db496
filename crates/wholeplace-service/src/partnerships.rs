//! Partnerships: member agencies, the places they work in, governance.

use crate::audit_action::AuditAction;
use crate::fields::*;
use crate::*;
use wholeplace_domain::{AgencyId, PartnershipId, PlaceId};

/// The "add a partnership" form, as typed.
/// Read from a submitted form by name; a field the form did not send is empty.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct PartnershipForm {
    /// Name.
    pub name: String,
    /// Description and aims.
    pub description: String,
    /// Governance.
    pub governance: String,
    /// Member agency ids (ticked).
    #[serde(skip)]
    pub members: Vec<String>,
    /// Places: names or GSS codes separated by semicolons.
    pub places: String,
}

/// A partnership name already taken is a problem with the form's name field.
pub(crate) fn partnership_clash(e: ServiceError, name: &str) -> ServiceError {
    match e {
        ServiceError::Conflict(_) => ServiceError::Validation(vec![FieldError::conflict(
            "name",
            format!("There is already a partnership called '{name}'"),
        )]),
        other => other,
    }
}

impl Service {
    /// All partnerships.
    pub async fn list_partnerships(
        &self,
        actor: &Actor,
    ) -> ServiceResult<Vec<wholeplace_store::Partnership>> {
        self.may_read(actor).await?;
        Ok(self.store().list_partnerships().await?)
    }

    /// Makes a partnership (analysts and administrators).
    pub async fn create_partnership(
        &self,
        actor: &Actor,
        name: &str,
        description: &str,
        governance: &str,
        members: &[AgencyId],
        places: &[PlaceId],
    ) -> ServiceResult<PartnershipId> {
        self.require_editor(actor, AuditAction::PartnershipCreate, "partnership", None)
            .await?;
        if name.trim().is_empty() {
            return Err(ServiceError::Validation(vec![FieldError::new(
                "name",
                "Enter the partnership's name",
            )]));
        }
        let ev = self.event(
            actor,
            AuditAction::PartnershipCreate,
            "partnership",
            None,
            true,
            "",
        );
        Ok(self
            .store()
            .create_partnership(
                name.trim(),
                description.trim(),
                governance.trim(),
                members,
                places,
                &ev,
            )
            .await?)
    }

    /// Makes a partnership from its form (analysts and administrators).
    pub async fn create_partnership_from_form(
        &self,
        actor: &Actor,
        f: &PartnershipForm,
    ) -> ServiceResult<PartnershipId> {
        self.require_editor(actor, AuditAction::PartnershipCreate, "partnership", None)
            .await?;
        let p = self.partnership_from_form(f).await?;
        self.create_partnership(
            actor,
            &p.name,
            &p.description,
            &p.governance,
            &p.member_ids,
            &p.place_ids,
        )
        .await
        .map_err(|e| partnership_clash(e, &p.name))
    }

    /// Checks a partnership form: the partnership, or every problem.
    pub(crate) async fn partnership_from_form(
        &self,
        f: &PartnershipForm,
    ) -> ServiceResult<wholeplace_store::PartnershipChange> {
        let all_agencies = self.store().list_agencies().await?;
        let agencies: Vec<AgencyId> = all_agencies.iter().map(|a| a.id).collect();
        let lookup = Lookup::new(&all_agencies, &self.store().list_places().await?);
        let mut errors = Vec::new();
        let own = f.values().map_err(|e| errors.extend(e)).ok();
        let member_ids = ids(
            &mut errors,
            "members",
            &f.members,
            &agencies,
            "Select members from the list",
        );
        let place_ids = place_names(&mut errors, "places", &f.places, &lookup);
        let (Some(own), true) = (own, errors.is_empty()) else {
            return Err(ServiceError::Validation(errors));
        };
        Ok(wholeplace_store::PartnershipChange {
            name: own.name,
            description: own.description,
            governance: own.governance,
            member_ids,
            place_ids,
        })
    }

    /// Changes a partnership from its form (analysts and administrators).
    pub async fn update_partnership_from_form(
        &self,
        actor: &Actor,
        id: PartnershipId,
        f: &PartnershipForm,
    ) -> ServiceResult<()> {
        let rid = Some(id.to_string());
        self.require_editor(
            actor,
            AuditAction::PartnershipUpdate,
            "partnership",
            rid.clone(),
        )
        .await?;
        let p = self.partnership_from_form(f).await?;
        let ev = self.event(
            actor,
            AuditAction::PartnershipUpdate,
            "partnership",
            rid,
            true,
            &p.name,
        );
        self.store()
            .update_partnership(id, &p, &ev)
            .await
            .map_err(|e| partnership_clash(e.into(), &p.name))
    }
}

/// A partnership's own values, whichever members and places it has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartnershipValues {
    /// Name.
    pub name: String,
    /// What it is for.
    pub description: String,
    /// How it is governed.
    pub governance: String,
}

impl PartnershipForm {
    /// The partnership's own values, or every problem with them: the one rule set for a
    /// partnership's fields, used by the form and the workbook import alike (its members and
    /// places, references, are resolved by each of them).
    pub fn values(&self) -> Result<PartnershipValues, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = text(
            &mut errors,
            "name",
            &self.name,
            200,
            Some("Enter the partnership's name"),
        );
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(PartnershipValues {
            name,
            description: self.description.trim().to_owned(),
            governance: self.governance.trim().to_owned(),
        })
    }
}
