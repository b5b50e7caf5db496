//! Named contacts at agencies (personal data).

use crate::*;
use async_trait::async_trait;
use serde::Serialize;
use wholeplace_domain::{AgencyId, ContactId};

/// A named person at an agency: the "identified link".
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Contact {
    /// Id (0 in a dataset).
    pub id: ContactId,
    /// Their agency's name.
    pub agency: String,
    /// Name.
    pub name: String,
    /// Role, such as "Neighbourhood manager".
    pub role: String,
    /// Work email.
    pub email: String,
    /// Work phone.
    pub phone: String,
}

/// The storage port for named contacts at agencies (personal data).
#[async_trait]
pub trait ContactStore: Send + Sync {
    /// Contacts, by agency then name.
    async fn list_contacts(&self) -> StoreResult<Vec<Contact>>;
    /// Adds a contact to an agency (by id).
    async fn create_contact(
        &self,
        agency_id: AgencyId,
        c: &Contact,
        audit: &AuditEvent,
    ) -> StoreResult<ContactId>;
    /// Deletes a contact.
    async fn delete_contact(&self, id: ContactId, audit: &AuditEvent) -> StoreResult<()>;
}
