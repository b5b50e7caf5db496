//! Agencies' named contacts (the "identified link"). Contacts are personal data: every read of
//! them is recorded in the audit log.

use crate::audit_action::AuditAction;
use crate::fields::*;
use crate::*;
use wholeplace_domain::{AgencyId, ContactId};
use wholeplace_store::*;

/// The "add a contact" form, as typed.
/// Read from a submitted form by name; a field the form did not send is empty.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ContactForm {
    /// Agency id.
    pub agency_id: String,
    /// Name.
    pub name: String,
    /// Role.
    pub role: String,
    /// Email.
    pub email: String,
    /// Phone.
    pub phone: String,
}

impl Service {
    /// Every contact (an audited read: contacts are personal data, which the policy keeps from
    /// viewers).
    pub async fn list_contacts(&self, actor: &Actor) -> ServiceResult<Vec<Contact>> {
        self.authorize(
            actor,
            DataClass::Personal,
            Access::Read,
            AuditAction::ContactList,
            "contact",
            None,
        )
        .await?;
        let contacts = self.store().list_contacts().await?;
        let ev = self.event(
            actor,
            AuditAction::ContactList,
            "contact",
            None,
            true,
            &format!("{} contacts", contacts.len()),
        );
        self.store().append_audit(&ev).await?;
        Ok(contacts)
    }

    /// Adds a named contact to an agency (analysts and administrators).
    pub async fn create_contact(&self, actor: &Actor, f: &ContactForm) -> ServiceResult<ContactId> {
        self.authorize(
            actor,
            DataClass::Personal,
            Access::Change,
            AuditAction::ContactCreate,
            "contact",
            None,
        )
        .await?;
        let mut errors = Vec::new();
        let agencies: Vec<AgencyId> = self.agency_ids().await?;
        let agency = Self::id_in(
            &mut errors,
            "agency_id",
            &f.agency_id,
            &agencies,
            "Select the contact's agency",
        );
        let contact = f.parse().map_err(|e| errors.extend(e)).ok();
        let (Some(agency_id), Some(c), true) = (agency, contact, errors.is_empty()) else {
            return Err(ServiceError::Validation(errors));
        };
        let ev = self.event(actor, AuditAction::ContactCreate, "contact", None, true, "");
        let name = c.name.clone();
        self.store()
            .create_contact(agency_id, &c, &ev)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => ServiceError::Validation(vec![FieldError::conflict(
                    "name",
                    format!("There is already a contact called '{name}' at this agency"),
                )]),
                other => other.into(),
            })
    }

    /// Deletes a contact (analysts and administrators).
    pub async fn delete_contact(&self, actor: &Actor, id: ContactId) -> ServiceResult<()> {
        let rid = Some(id.to_string());
        self.authorize(
            actor,
            DataClass::Personal,
            Access::Change,
            AuditAction::ContactDelete,
            "contact",
            rid.clone(),
        )
        .await?;
        let ev = self.event(actor, AuditAction::ContactDelete, "contact", rid, true, "");
        Ok(self.store().delete_contact(id, &ev).await?)
    }
}

impl ContactForm {
    /// The contact's own details (its agency, a reference, is resolved by each entry point), or
    /// every problem with them: the one rule set for a contact, used by the form, the API and
    /// the workbook import alike.
    pub fn parse(&self) -> Result<Contact, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = text(
            &mut errors,
            "name",
            &self.name,
            200,
            Some("Enter the contact's name"),
        );
        let role = text(&mut errors, "role", &self.role, 200, None);
        let email = text(&mut errors, "email", &self.email, 254, None);
        if !email.is_empty() && !email.contains('@') {
            errors.push(FieldError::new(
                "email",
                "Enter an email address in the correct format, like name@example.org",
            ));
        }
        let phone = text(&mut errors, "phone", &self.phone, 40, None);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Contact {
            id: ContactId::new(0),
            agency: String::new(),
            name,
            role,
            email,
            phone,
        })
    }
}
