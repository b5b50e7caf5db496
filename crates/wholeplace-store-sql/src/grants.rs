//! [`GrantStore`] for [`SqlStore`]: grants and their changes.

use crate::SqlStore;
use crate::agencies::*;
use crate::audit::*;
use crate::dataset::*;
use crate::store::*;
use async_trait::async_trait;
use sqlx::Row;
use wholeplace_domain::Money;
use wholeplace_domain::{AgencyId, GrantId, PlaceId};
use wholeplace_store::*;

/// Inserts a grant with its recipients and places inside a transaction; returns its id.
/// Its reference is `reference`, or its number when `None`.
pub(crate) async fn insert_grant(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    g: &NewGrant,
    reference: Option<&str>,
) -> StoreResult<GrantId> {
    let row = sqlx::query(
        "INSERT INTO grant_award (funder_agency_id, title, purpose, amount_pence, start_year, end_year, conditions) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(g.funder_agency_id.get())
    .bind(g.title.clone())
    .bind(g.purpose.clone())
    .bind(g.amount.pence())
    .bind(i64::from(g.start_year.start_year()))
    .bind(i64::from(g.end_year.start_year()))
    .bind(g.conditions.clone())
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| fk_or(e, "that grant"))?;
    let id: GrantId = crate::store::id(&row, "id")?;
    set_reference(tx, id, reference).await?;
    link_grant(tx, id, &g.recipient_ids, &g.place_ids).await?;
    Ok(id)
}

/// Gives a grant its reference: `given`, or its number (or, should a grant brought in from a
/// workbook hold that, its number after a `g`).
pub(crate) async fn set_reference(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    id: GrantId,
    given: Option<&str>,
) -> StoreResult<()> {
    let reference = match given {
        Some(r) => r.to_owned(),
        None => {
            let taken = sqlx::query("SELECT id FROM grant_award WHERE reference = $1")
                .bind(id.to_string())
                .fetch_optional(&mut **tx)
                .await
                .map_err(db_err)?
                .is_some();
            if taken {
                format!("g{id}")
            } else {
                id.to_string()
            }
        }
    };
    sqlx::query("UPDATE grant_award SET reference = $1 WHERE id = $2")
        .bind(reference.clone())
        .bind(id.get())
        .execute(&mut **tx)
        .await
        .map_err(|e| match db_err(e) {
            StoreError::Conflict(_) => {
                StoreError::Conflict(format!("a grant with the reference '{reference}'"))
            }
            other => other,
        })?;
    Ok(())
}

/// Adds a grant's recipients and places (those already linked are left as they are).
pub(crate) async fn link_grant(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    id: GrantId,
    recipient_ids: &[AgencyId],
    place_ids: &[PlaceId],
) -> StoreResult<()> {
    for a in recipient_ids {
        sqlx::query("INSERT INTO grant_recipient (grant_id, agency_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(id.get())
            .bind(a.get())
            .execute(&mut **tx)
            .await
            .map_err(|e| fk_or(e, "recipient"))?;
    }
    for p in place_ids {
        sqlx::query(
            "INSERT INTO grant_place (grant_id, place_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(id.get())
        .bind(p.get())
        .execute(&mut **tx)
        .await
        .map_err(|e| fk_or(e, "place"))?;
    }
    Ok(())
}

#[async_trait]
impl GrantStore for SqlStore {
    async fn list_grants(&self) -> StoreResult<Vec<Grant>> {
        let rows = sqlx::query(
            "SELECT g.id, a.id AS agency_id, a.name AS agency_name, a.kind AS agency_kind, g.reference, g.title, g.purpose, g.amount_pence, g.start_year, g.end_year, g.conditions FROM grant_award g JOIN agency a ON a.id = g.funder_agency_id ORDER BY g.start_year, g.title",
        )
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?;
        let year = crate::store::year;
        let mut grants = Vec::new();
        for r in &rows {
            grants.push(Grant {
                id: crate::store::id(r, "id")?,
                funder: agency_from_row(r, "agency_")?,
                reference: r.try_get("reference").map_err(db_err)?,
                title: r.try_get("title").map_err(db_err)?,
                purpose: r.try_get("purpose").map_err(db_err)?,
                amount: Money::from_pence(r.try_get("amount_pence").map_err(db_err)?),
                start_year: year(r, "start_year")?,
                end_year: year(r, "end_year")?,
                conditions: r.try_get("conditions").map_err(db_err)?,
                recipients: Vec::new(),
                places: Vec::new(),
                changes: Vec::new(),
            });
        }
        for g in &mut grants {
            let rec = sqlx::query("SELECT a.id, a.name, a.kind FROM grant_recipient gr JOIN agency a ON a.id = gr.agency_id WHERE gr.grant_id = $1 ORDER BY a.name")
                .bind(g.id.get())
                .fetch_all(self.pool())
                .await
                .map_err(db_err)?;
            g.recipients = rec
                .iter()
                .map(|r| agency_from_row(r, ""))
                .collect::<StoreResult<_>>()?;
            let pl = sqlx::query("SELECT p.id, p.name FROM grant_place gp JOIN place p ON p.id = gp.place_id WHERE gp.grant_id = $1 ORDER BY p.name")
                .bind(g.id.get())
                .fetch_all(self.pool())
                .await
                .map_err(db_err)?;
            g.places = pl
                .iter()
                .map(|r| {
                    Ok((
                        crate::store::id(r, "id")?,
                        r.try_get("name").map_err(db_err)?,
                    ))
                })
                .collect::<StoreResult<_>>()?;
            let ch = sqlx::query("SELECT from_year, new_amount_pence, reason FROM grant_change WHERE grant_id = $1 ORDER BY from_year, id")
                .bind(g.id.get())
                .fetch_all(self.pool())
                .await
                .map_err(db_err)?;
            g.changes = ch
                .iter()
                .map(|r| {
                    Ok(GrantChange {
                        from_year: year(r, "from_year")?,
                        new_amount: Money::from_pence(
                            r.try_get("new_amount_pence").map_err(db_err)?,
                        ),
                        reason: r.try_get("reason").map_err(db_err)?,
                    })
                })
                .collect::<StoreResult<_>>()?;
        }
        Ok(grants)
    }

    async fn create_grant(&self, g: &NewGrant, audit: &AuditEvent) -> StoreResult<GrantId> {
        let mut tx = self.begin().await?;
        let id = insert_grant(&mut tx, g, None).await?;
        let mut ev = audit.clone();
        ev.record_id = Some(id.to_string());
        insert_audit(&mut tx, &ev).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(id)
    }

    async fn add_grant_change(
        &self,
        grant_id: GrantId,
        c: &GrantChange,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO grant_change (grant_id, from_year, new_amount_pence, reason) VALUES ($1, $2, $3, $4)")
            .bind(grant_id.get())
            .bind(i64::from(c.from_year.start_year()))
            .bind(c.new_amount.pence())
            .bind(c.reason.clone())
            .execute(&mut *tx)
            .await
            .map_err(|e| fk_or(e, "that change"))?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn update_grant(
        &self,
        id: GrantId,
        g: &wholeplace_store::NewGrant,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx: Tx = self.begin().await?;
        let done = sqlx::query("UPDATE grant_award SET funder_agency_id = $1, title = $2, purpose = $3, amount_pence = $4, start_year = $5, end_year = $6, conditions = $7 WHERE id = $8")
            .bind(g.funder_agency_id.get())
            .bind(g.title.clone())
            .bind(g.purpose.clone())
            .bind(g.amount.pence())
            .bind(i64::from(g.start_year.start_year()))
            .bind(i64::from(g.end_year.start_year()))
            .bind(g.conditions.clone())
            .bind(id.get())
            .execute(&mut *tx)
            .await
            .map_err(|e| fk_or(e, "that grant"))?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        for sql in [
            "DELETE FROM grant_recipient WHERE grant_id = $1",
            "DELETE FROM grant_place WHERE grant_id = $1",
        ] {
            sqlx::query(sql)
                .bind(id.get())
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        link_grant(&mut tx, id, &g.recipient_ids, &g.place_ids).await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn delete_grant(&self, id: GrantId, audit: &AuditEvent) -> StoreResult<()> {
        let q = sqlx::query("DELETE FROM grant_award WHERE id = $1").bind(id.get());
        change_one(self, q, "records that use this grant", audit).await
    }

    async fn grant_publisher(&self) -> StoreResult<Option<GrantPublisher>> {
        let row = sqlx::query(
            "SELECT prefix, name, identifier, website, licence FROM grant_publisher WHERE id = 1",
        )
        .fetch_optional(self.pool())
        .await
        .map_err(db_err)?;
        let Some(r) = row else {
            return Ok(None);
        };
        let identifier: String = r.try_get("identifier").map_err(db_err)?;
        Ok(Some(GrantPublisher {
            prefix: r.try_get("prefix").map_err(db_err)?,
            name: r.try_get("name").map_err(db_err)?,
            identifier: if identifier.is_empty() {
                None
            } else {
                Some(
                    wholeplace_domain::OrgIdentifier::parse(&identifier)
                        .map_err(|e| StoreError::Backend(e.to_string()))?,
                )
            },
            website: r.try_get("website").map_err(db_err)?,
            licence: r.try_get("licence").map_err(db_err)?,
        }))
    }

    async fn set_grant_publisher(&self, p: &GrantPublisher, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO grant_publisher (id, prefix, name, identifier, website, licence) VALUES (1, $1, $2, $3, $4, $5) \
             ON CONFLICT (id) DO UPDATE SET prefix = excluded.prefix, name = excluded.name, identifier = excluded.identifier, website = excluded.website, licence = excluded.licence",
        )
        .bind(p.prefix.clone())
        .bind(p.name.clone())
        .bind(p.identifier.as_ref().map(ToString::to_string).unwrap_or_default())
        .bind(p.website.clone())
        .bind(p.licence.clone())
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)
    }
}
