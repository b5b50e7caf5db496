//! [`ProjectStore`] for [`SqlStore`]: projects.

use crate::SqlStore;
use crate::audit::*;
use crate::dataset::*;
use crate::store::*;
use async_trait::async_trait;
use sqlx::any::AnyRow;
use wholeplace_domain::{AgencyId, PartnershipId, PlaceId, ProjectId};
use wholeplace_store::*;

pub(crate) const PROJECTS: &str = "SELECT j.id, pa.name AS partnership, j.name, pl.name AS place_name, pl.level AS place_level, j.theme, a.name AS lead_agency, j.aims, j.start_date, j.end_date \
     FROM project j JOIN partnership pa ON pa.id = j.partnership_id LEFT JOIN place pl ON pl.id = j.place_id LEFT JOIN agency a ON a.id = j.lead_agency_id";

pub(crate) fn project_from_row(r: &AnyRow) -> StoreResult<Project> {
    let place_name: Option<String> = get(r, "place_name")?;
    let place_level: Option<String> = get(r, "place_level")?;
    Ok(Project {
        id: crate::store::id(r, "id")?,
        partnership: get(r, "partnership")?,
        name: get(r, "name")?,
        place: match (place_name, place_level) {
            (Some(n), Some(l)) => Some(key(
                n,
                l.parse()
                    .map_err(|e| StoreError::Backend(format!("project place: {e}")))?,
            )),
            _ => None,
        },
        theme: get(r, "theme")?,
        lead_agency: get(r, "lead_agency")?,
        aims: get(r, "aims")?,
        start_date: get(r, "start_date")?,
        end_date: get(r, "end_date")?,
    })
}

#[async_trait]
impl ProjectStore for SqlStore {
    async fn list_projects(&self) -> StoreResult<Vec<Project>> {
        let mut v: Vec<Project> = sqlx::query(PROJECTS)
            .fetch_all(self.pool())
            .await
            .map_err(db_err)?
            .iter()
            .map(project_from_row)
            .collect::<StoreResult<_>>()?;
        v.sort_by(|a, b| (&a.partnership, &a.name).cmp(&(&b.partnership, &b.name)));
        Ok(v)
    }

    async fn create_project(
        &self,
        partnership_id: PartnershipId,
        place_id: Option<PlaceId>,
        lead_agency_id: Option<AgencyId>,
        p: &Project,
        audit: &AuditEvent,
    ) -> StoreResult<ProjectId> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "INSERT INTO project (partnership_id, name, place_id, theme, lead_agency_id, aims, start_date, end_date) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(partnership_id.get())
        .bind(p.name.clone())
        .bind(place_id.map(|v| v.get()))
        .bind(p.theme.clone())
        .bind(lead_agency_id.map(|v| v.get()))
        .bind(p.aims.clone())
        .bind(p.start_date.clone())
        .bind(p.end_date.clone())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| fk_or(e, &format!("a project called '{}' in that partnership", p.name)))?;
        let id: ProjectId = crate::store::id(&row, "id")?;
        let mut ev = audit.clone();
        ev.record_id = Some(id.to_string());
        insert_audit(&mut tx, &ev).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(id)
    }
}
