//! [`ContactStore`] for [`SqlStore`]: contacts.

use crate::SqlStore;
use crate::audit::*;
use crate::dataset::*;
use crate::store::*;
use async_trait::async_trait;
use sqlx::any::AnyRow;
use wholeplace_domain::{AgencyId, ContactId};
use wholeplace_store::*;

pub(crate) const CONTACTS: &str = "SELECT c.id, a.name AS agency, c.name, c.role, c.email, c.phone FROM contact c JOIN agency a ON a.id = c.agency_id";

pub(crate) fn contact_from_row(r: &AnyRow) -> StoreResult<Contact> {
    Ok(Contact {
        id: crate::store::id(r, "id")?,
        agency: get(r, "agency")?,
        name: get(r, "name")?,
        role: get(r, "role")?,
        email: get(r, "email")?,
        phone: get(r, "phone")?,
    })
}

#[async_trait]
impl ContactStore for SqlStore {
    async fn list_contacts(&self) -> StoreResult<Vec<Contact>> {
        let mut v: Vec<Contact> = sqlx::query(CONTACTS)
            .fetch_all(self.pool())
            .await
            .map_err(db_err)?
            .iter()
            .map(contact_from_row)
            .collect::<StoreResult<_>>()?;
        v.sort_by(|a, b| (&a.agency, &a.name).cmp(&(&b.agency, &b.name)));
        Ok(v)
    }

    async fn create_contact(
        &self,
        agency_id: AgencyId,
        c: &Contact,
        audit: &AuditEvent,
    ) -> StoreResult<ContactId> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "INSERT INTO contact (agency_id, name, role, email, phone) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(agency_id.get())
        .bind(c.name.clone())
        .bind(c.role.clone())
        .bind(c.email.clone())
        .bind(c.phone.clone())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| fk_or(e, &format!("a contact called '{}' at that agency", c.name)))?;
        let id: ContactId = crate::store::id(&row, "id")?;
        let mut ev = audit.clone();
        ev.record_id = Some(id.to_string());
        insert_audit(&mut tx, &ev).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(id)
    }

    async fn delete_contact(&self, id: ContactId, audit: &AuditEvent) -> StoreResult<()> {
        let q = sqlx::query("DELETE FROM contact WHERE id = $1").bind(id.get());
        change_one(self, q, "records that use this contact", audit).await
    }
}
