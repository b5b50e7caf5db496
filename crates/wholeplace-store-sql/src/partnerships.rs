//! [`PartnershipStore`] for [`SqlStore`]: partnerships.

use crate::SqlStore;
use crate::agencies::*;
use crate::audit::*;
use crate::dataset::*;
use crate::places::*;
use crate::store::*;
use async_trait::async_trait;
use sqlx::{AssertSqlSafe, Row};
use wholeplace_domain::{AgencyId, PartnershipId, PlaceId};
use wholeplace_store::*;

/// Records a partnership's members and places (the ones it already has stay).
async fn link_partnership(
    tx: &mut crate::dataset::Tx,
    id: PartnershipId,
    member_ids: &[AgencyId],
    place_ids: &[PlaceId],
) -> StoreResult<()> {
    for a in member_ids {
        link(tx, "INSERT INTO partnership_member (partnership_id, agency_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", id.get(), a.get()).await?;
    }
    for p in place_ids {
        link(tx, "INSERT INTO partnership_place (partnership_id, place_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", id.get(), p.get()).await?;
    }
    Ok(())
}

#[async_trait]
impl PartnershipStore for SqlStore {
    async fn list_partnerships(&self) -> StoreResult<Vec<Partnership>> {
        let rows =
            sqlx::query("SELECT id, name, description, governance FROM partnership ORDER BY name")
                .fetch_all(self.pool())
                .await
                .map_err(db_err)?;
        let mut out = Vec::new();
        for r in &rows {
            let id: PartnershipId = crate::store::id(r, "id")?;
            let members = sqlx::query("SELECT a.id, a.name, a.kind FROM partnership_member m JOIN agency a ON a.id = m.agency_id WHERE m.partnership_id = $1 ORDER BY a.name")
                .bind(id.get())
                .fetch_all(self.pool())
                .await
                .map_err(db_err)?
                .iter()
                .map(|r| agency_from_row(r, ""))
                .collect::<StoreResult<_>>()?;
            let sql = format!(
                "SELECT {PLACE_COLUMNS} FROM partnership_place pp JOIN place p ON p.id = pp.place_id WHERE pp.partnership_id = $1 ORDER BY p.name"
            );
            let places = sqlx::query(AssertSqlSafe(sql))
                .bind(id.get())
                .fetch_all(self.pool())
                .await
                .map_err(db_err)?
                .iter()
                .map(place_from_row)
                .collect::<StoreResult<_>>()?;
            out.push(Partnership {
                id,
                name: r.try_get("name").map_err(db_err)?,
                description: r.try_get("description").map_err(db_err)?,
                governance: r.try_get("governance").map_err(db_err)?,
                members,
                places,
            });
        }
        Ok(out)
    }

    async fn create_partnership(
        &self,
        name: &str,
        description: &str,
        governance: &str,
        member_ids: &[AgencyId],
        place_ids: &[PlaceId],
        audit: &AuditEvent,
    ) -> StoreResult<PartnershipId> {
        let mut tx = self.begin().await?;
        let row = sqlx::query("INSERT INTO partnership (name, description, governance) VALUES ($1, $2, $3) RETURNING id")
            .bind(name.to_owned())
            .bind(description.to_owned())
            .bind(governance.to_owned())
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| fk_or(e, &format!("a partnership called '{name}'")))?;
        let id: PartnershipId = crate::store::id(&row, "id")?;
        link_partnership(&mut tx, id, member_ids, place_ids).await?;
        let mut ev = audit.clone();
        ev.record_id = Some(id.to_string());
        insert_audit(&mut tx, &ev).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(id)
    }

    async fn update_partnership(
        &self,
        id: PartnershipId,
        p: &wholeplace_store::PartnershipChange,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let (name, description, governance) = (&p.name, &p.description, &p.governance);
        let (member_ids, place_ids) = (&p.member_ids, &p.place_ids);
        let mut tx: Tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE partnership SET name = $1, description = $2, governance = $3 WHERE id = $4",
        )
        .bind(name.to_owned())
        .bind(description.to_owned())
        .bind(governance.to_owned())
        .bind(id.get())
        .execute(&mut *tx)
        .await
        .map_err(|e| fk_or(e, &format!("a partnership called '{name}'")))?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        for sql in [
            "DELETE FROM partnership_member WHERE partnership_id = $1",
            "DELETE FROM partnership_place WHERE partnership_id = $1",
        ] {
            sqlx::query(sql)
                .bind(id.get())
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        link_partnership(&mut tx, id, member_ids, place_ids).await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)
    }
}
