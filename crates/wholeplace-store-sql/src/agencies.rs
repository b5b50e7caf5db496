//! [`AgencyStore`] for [`SqlStore`]: agencies and the places they cover.

use crate::SqlStore;
use crate::audit::*;
use crate::store::*;
use async_trait::async_trait;
use sqlx::Row;
use sqlx::any::AnyRow;
use wholeplace_domain::AgencyKind;
use wholeplace_domain::{AgencyId, OrgIdentifier, PlaceId};
use wholeplace_store::*;

/// An agency from a row whose agency columns are named with `p` before them (`""` when the row is
/// the agency's alone; `"agency_"` where it is joined to another record).
pub(crate) fn agency_from_row(r: &AnyRow, p: &str) -> StoreResult<Agency> {
    Ok(Agency {
        id: crate::store::id(r, format!("{p}id").as_str())?,
        name: r.try_get(format!("{p}name").as_str()).map_err(db_err)?,
        kind: crate::store::vocab(r, &format!("{p}kind"))?,
    })
}

#[async_trait]
impl AgencyStore for SqlStore {
    async fn list_agencies(&self) -> StoreResult<Vec<Agency>> {
        let rows = sqlx::query("SELECT id, name, kind FROM agency ORDER BY name")
            .fetch_all(self.pool())
            .await
            .map_err(db_err)?;
        rows.iter().map(|r| agency_from_row(r, "")).collect()
    }

    async fn create_agency(
        &self,
        name: &str,
        kind: AgencyKind,
        audit: &AuditEvent,
    ) -> StoreResult<AgencyId> {
        let mut tx = self.begin().await?;
        let row = sqlx::query("INSERT INTO agency (name, kind) VALUES ($1, $2) RETURNING id")
            .bind(name.to_owned())
            .bind(kind.as_str())
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| match db_err(e) {
                StoreError::Conflict(_) => {
                    StoreError::Conflict(format!("an agency called '{name}'"))
                }
                other => other,
            })?;
        let id: AgencyId = crate::store::id(&row, "id")?;
        let mut ev = audit.clone();
        ev.record_id = Some(id.to_string());
        insert_audit(&mut tx, &ev).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(id)
    }

    async fn update_agency(
        &self,
        id: AgencyId,
        name: &str,
        kind: AgencyKind,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let q = sqlx::query("UPDATE agency SET name = $1, kind = $2 WHERE id = $3")
            .bind(name.to_owned())
            .bind(kind.as_str())
            .bind(id.get());
        change_one(self, q, &format!("an agency called '{name}'"), audit).await
    }

    async fn delete_agency(&self, id: AgencyId, audit: &AuditEvent) -> StoreResult<()> {
        let q = sqlx::query("DELETE FROM agency WHERE id = $1").bind(id.get());
        change_one(
            self,
            q,
            "users, budget lines, grants, partnerships or projects that use this agency",
            audit,
        )
        .await
    }

    async fn add_agency_coverage(
        &self,
        agency_id: AgencyId,
        place_id: PlaceId,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO agency_place (agency_id, place_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(agency_id.get())
        .bind(place_id.get())
        .execute(&mut *tx)
        .await
        .map_err(|e| fk_or(e, "that coverage"))?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn agencies_covering(&self, place_id: PlaceId) -> StoreResult<Vec<Agency>> {
        let rows = sqlx::query("SELECT a.id, a.name, a.kind FROM agency_place ap JOIN agency a ON a.id = ap.agency_id WHERE ap.place_id = $1 ORDER BY a.name")
            .bind(place_id.get())
            .fetch_all(self.pool())
            .await
            .map_err(db_err)?;
        rows.iter().map(|r| agency_from_row(r, "")).collect()
    }

    async fn agency_identifiers(&self) -> StoreResult<Vec<(AgencyId, Vec<OrgIdentifier>)>> {
        let rows = sqlx::query(
            "SELECT i.agency_id, i.scheme, i.value FROM agency_identifier i JOIN agency a ON a.id = i.agency_id ORDER BY a.name, i.agency_id, i.ordinal",
        )
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?;
        let mut out: Vec<(AgencyId, Vec<OrgIdentifier>)> = Vec::new();
        for r in &rows {
            let id: AgencyId = crate::store::id(r, "agency_id")?;
            let identifier = identifier_from_row(r)?;
            match out.last_mut() {
                Some((last, list)) if *last == id => list.push(identifier),
                _ => out.push((id, vec![identifier])),
            }
        }
        Ok(out)
    }

    async fn set_agency_identifiers(
        &self,
        id: AgencyId,
        identifiers: &[OrgIdentifier],
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let found = sqlx::query("SELECT id FROM agency WHERE id = $1")
            .bind(id.get())
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?;
        if found.is_none() {
            return Err(StoreError::NotFound);
        }
        replace_identifiers(&mut tx, id.get(), identifiers).await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)
    }
}

/// An identifier from a row's `scheme` and `value` columns.
pub(crate) fn identifier_from_row(r: &AnyRow) -> StoreResult<OrgIdentifier> {
    Ok(OrgIdentifier {
        scheme: r.try_get("scheme").map_err(db_err)?,
        value: r.try_get("value").map_err(db_err)?,
    })
}

/// Replaces an agency's identifiers, inside a transaction.
pub(crate) async fn replace_identifiers(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    agency_id: i64,
    identifiers: &[OrgIdentifier],
) -> StoreResult<()> {
    sqlx::query("DELETE FROM agency_identifier WHERE agency_id = $1")
        .bind(agency_id)
        .execute(&mut **tx)
        .await
        .map_err(db_err)?;
    for (n, i) in identifiers.iter().enumerate() {
        sqlx::query(
            "INSERT INTO agency_identifier (agency_id, ordinal, scheme, value) VALUES ($1, $2, $3, $4)",
        )
        .bind(agency_id)
        .bind(i64::try_from(n).unwrap_or(i64::MAX))
        .bind(i.scheme.clone())
        .bind(i.value.clone())
        .execute(&mut **tx)
        .await
        .map_err(|e| match db_err(e) {
            StoreError::Conflict(_) => StoreError::Conflict(format!("the identifier {i} twice")),
            other => other,
        })?;
    }
    Ok(())
}
