//! Partnerships' pilots and projects.

use crate::audit_action::AuditAction;
use crate::fields::date;
use crate::fields::*;
use crate::*;
use wholeplace_domain::{AgencyId, PartnershipId, PlaceId, ProjectId};
use wholeplace_store::*;

/// The "add a project" form, as typed.
/// Read from a submitted form by name; a field the form did not send is empty.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ProjectForm {
    /// Partnership id.
    pub partnership_id: String,
    /// Name.
    pub name: String,
    /// Place id or "".
    pub place_id: String,
    /// Theme.
    pub theme: String,
    /// Lead agency id or "".
    pub lead_agency_id: String,
    /// Aims.
    pub aims: String,
    /// Start date, YYYY-MM-DD or "".
    pub start_date: String,
    /// End date, YYYY-MM-DD or "".
    pub end_date: String,
}

impl Service {
    /// Every project.
    pub async fn list_projects(&self, actor: &Actor) -> ServiceResult<Vec<Project>> {
        self.may_read(actor).await?;
        Ok(self.store().list_projects().await?)
    }

    /// Adds a pilot or project to a partnership (analysts and administrators).
    pub async fn create_project(&self, actor: &Actor, f: &ProjectForm) -> ServiceResult<ProjectId> {
        self.require_editor(actor, AuditAction::ProjectCreate, "project", None)
            .await?;
        let mut errors = Vec::new();
        let partnerships: Vec<PartnershipId> = self.partnership_ids().await?;
        let partnership = Self::id_in(
            &mut errors,
            "partnership_id",
            &f.partnership_id,
            &partnerships,
            "Select the partnership the project belongs to",
        );
        let place = if f.place_id.trim().is_empty() {
            None
        } else {
            let places: Vec<PlaceId> = self.place_ids().await?;
            Self::id_in(
                &mut errors,
                "place_id",
                &f.place_id,
                &places,
                "Select a place from the list, or none for a thematic project",
            )
        };
        let lead = if f.lead_agency_id.trim().is_empty() {
            None
        } else {
            let agencies: Vec<AgencyId> = self.agency_ids().await?;
            Self::id_in(
                &mut errors,
                "lead_agency_id",
                &f.lead_agency_id,
                &agencies,
                "Select the lead agency from the list, or none",
            )
        };
        let own = f.values().map_err(|e| errors.extend(e)).ok();
        let (Some(partnership_id), Some(p), true) = (partnership, own, errors.is_empty()) else {
            return Err(ServiceError::Validation(errors));
        };
        let ev = self.event(
            actor,
            AuditAction::ProjectCreate,
            "project",
            None,
            true,
            &p.name,
        );
        self.store()
            .create_project(partnership_id, place, lead, &p, &ev)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => ServiceError::Validation(vec![FieldError::conflict(
                    "name",
                    format!(
                        "There is already a project called '{}' in this partnership",
                        p.name
                    ),
                )]),
                other => other.into(),
            })
    }
}

impl ProjectForm {
    /// The project's own details (its partnership, place and lead agency, references, are
    /// resolved by each entry point), or every problem with them: the one rule set for a project,
    /// used by the form, the API and the workbook import alike.
    pub fn values(&self) -> Result<Project, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = text(
            &mut errors,
            "name",
            &self.name,
            200,
            Some("Enter the project's name"),
        );
        let theme = text(&mut errors, "theme", &self.theme, 300, None);
        if self.place_id.trim().is_empty() && theme.is_empty() {
            errors.push(FieldError::new(
                "place_id",
                "Select the place the project works in, or give its theme",
            ));
        }
        let aims = text(&mut errors, "aims", &self.aims, 2000, None);
        let start_date = date(&mut errors, "start_date", &self.start_date);
        let end_date = date(&mut errors, "end_date", &self.end_date);
        if !start_date.is_empty()
            && !end_date.is_empty()
            && end_date < start_date
            && errors.is_empty()
        {
            errors.push(FieldError::new(
                "end_date",
                "The end date must be on or after the start date",
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Project {
            id: ProjectId::new(0),
            partnership: String::new(),
            name,
            place: None,
            theme,
            lead_agency: None,
            aims,
            start_date,
            end_date,
        })
    }
}
