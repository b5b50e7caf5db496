//! Agencies' named contacts (the "identified link") and partnerships' pilots or projects.
//! Contacts are personal data: every read of them is recorded in the audit log.

use crate::places::{BudgetForm, Lookup, PlaceForm};
use crate::{Access, Actor, DataClass, FieldError, Service, ServiceError, ServiceResult};
use wholeplace_domain::taxonomy::{self, AGENCY_KINDS};
use wholeplace_store::{BudgetLine, Contact, Project, StoreError};

/// The "add a contact" form, as typed.
#[derive(Clone, Debug, Default)]
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

/// The "add a project" form, as typed.
#[derive(Clone, Debug, Default)]
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

fn text(
    errors: &mut Vec<FieldError>,
    field: &str,
    raw: &str,
    max: usize,
    missing: Option<&str>,
) -> String {
    let t = raw.trim();
    if t.is_empty() {
        if let Some(m) = missing {
            errors.push(FieldError::new(field, m));
        }
    } else if t.chars().count() > max {
        errors.push(FieldError::new(
            field,
            format!("Use {max} characters or fewer"),
        ));
    }
    t.to_owned()
}

fn date(errors: &mut Vec<FieldError>, field: &str, raw: &str) -> String {
    let t = raw.trim();
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    if !t.is_empty() && time::Date::parse(t, &fmt).is_err() {
        errors.push(FieldError::new(
            field,
            "Enter a date as year-month-day, such as 2013-04-01",
        ));
    }
    t.to_owned()
}

impl Service {
    fn id_in(
        errors: &mut Vec<FieldError>,
        field: &str,
        raw: &str,
        ids: &[i64],
        message: &str,
    ) -> Option<i64> {
        match raw.trim().parse::<i64>() {
            Ok(id) if ids.contains(&id) => Some(id),
            Ok(_) => {
                errors.push(FieldError::conflict(field, message));
                None
            }
            Err(_) => {
                errors.push(FieldError::new(field, message));
                None
            }
        }
    }

    /// Every contact (an audited read: contacts are personal data, which the policy keeps from
    /// viewers).
    pub async fn list_contacts(&self, actor: &Actor) -> ServiceResult<Vec<Contact>> {
        self.authorize(
            actor,
            DataClass::Personal,
            Access::Read,
            "contact.list",
            "contact",
            None,
        )
        .await?;
        let contacts = self.store().list_contacts().await?;
        let ev = self.event(
            actor,
            "contact.list",
            "contact",
            None,
            true,
            &format!("{} contacts", contacts.len()),
        );
        self.store().append_audit(&ev).await?;
        Ok(contacts)
    }

    /// Adds a named contact to an agency (analysts and administrators).
    pub async fn create_contact(&self, actor: &Actor, f: &ContactForm) -> ServiceResult<i64> {
        self.authorize(
            actor,
            DataClass::Personal,
            Access::Change,
            "contact.create",
            "contact",
            None,
        )
        .await?;
        let mut errors = Vec::new();
        let agencies: Vec<i64> = self
            .store()
            .list_agencies()
            .await?
            .iter()
            .map(|a| a.id)
            .collect();
        let agency = Self::id_in(
            &mut errors,
            "agency_id",
            &f.agency_id,
            &agencies,
            "Select the contact's agency",
        );
        let name = text(
            &mut errors,
            "name",
            &f.name,
            200,
            Some("Enter the contact's name"),
        );
        let role = text(&mut errors, "role", &f.role, 200, None);
        let email = text(&mut errors, "email", &f.email, 254, None);
        if !email.is_empty() && !email.contains('@') {
            errors.push(FieldError::new(
                "email",
                "Enter an email address in the correct format, like name@example.org",
            ));
        }
        let phone = text(&mut errors, "phone", &f.phone, 40, None);
        let (Some(agency_id), true) = (agency, errors.is_empty()) else {
            return Err(ServiceError::Validation(errors));
        };
        let c = Contact {
            id: 0,
            agency: String::new(),
            name,
            role,
            email,
            phone,
        };
        let ev = self.event(actor, "contact.create", "contact", None, true, "");
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
    pub async fn delete_contact(&self, actor: &Actor, id: i64) -> ServiceResult<()> {
        let rid = Some(id.to_string());
        self.authorize(
            actor,
            DataClass::Personal,
            Access::Change,
            "contact.delete",
            "contact",
            rid.clone(),
        )
        .await?;
        let ev = self.event(actor, "contact.delete", "contact", rid, true, "");
        Ok(self.store().delete_contact(id, &ev).await?)
    }

    /// Every project.
    pub async fn list_projects(&self) -> ServiceResult<Vec<Project>> {
        Ok(self.store().list_projects().await?)
    }

    /// Adds a pilot or project to a partnership (analysts and administrators).
    pub async fn create_project(&self, actor: &Actor, f: &ProjectForm) -> ServiceResult<i64> {
        self.require_editor(actor, "project.create", "project", None)
            .await?;
        let mut errors = Vec::new();
        let partnerships: Vec<i64> = self
            .store()
            .list_partnerships()
            .await?
            .iter()
            .map(|p| p.id)
            .collect();
        let partnership = Self::id_in(
            &mut errors,
            "partnership_id",
            &f.partnership_id,
            &partnerships,
            "Select the partnership the project belongs to",
        );
        let name = text(
            &mut errors,
            "name",
            &f.name,
            200,
            Some("Enter the project's name"),
        );
        let place = if f.place_id.trim().is_empty() {
            None
        } else {
            let places: Vec<i64> = self
                .store()
                .list_places()
                .await?
                .iter()
                .map(|p| p.id)
                .collect();
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
            let agencies: Vec<i64> = self
                .store()
                .list_agencies()
                .await?
                .iter()
                .map(|a| a.id)
                .collect();
            Self::id_in(
                &mut errors,
                "lead_agency_id",
                &f.lead_agency_id,
                &agencies,
                "Select the lead agency from the list, or none",
            )
        };
        let theme = text(&mut errors, "theme", &f.theme, 300, None);
        if place.is_none() && f.place_id.trim().is_empty() && theme.is_empty() {
            errors.push(FieldError::new(
                "place_id",
                "Select the place the project works in, or give its theme",
            ));
        }
        let aims = text(&mut errors, "aims", &f.aims, 2000, None);
        let start_date = date(&mut errors, "start_date", &f.start_date);
        let end_date = date(&mut errors, "end_date", &f.end_date);
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
        let (Some(partnership_id), true) = (partnership, errors.is_empty()) else {
            return Err(ServiceError::Validation(errors));
        };
        let p = Project {
            id: 0,
            partnership: String::new(),
            name,
            place: None,
            theme,
            lead_agency: None,
            aims,
            start_date,
            end_date,
        };
        let ev = self.event(actor, "project.create", "project", None, true, &p.name);
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

    /// Changes a place (analysts and administrators). The "inside" field is ignored: relations
    /// are changed separately.
    pub async fn update_place(&self, actor: &Actor, id: i64, f: &PlaceForm) -> ServiceResult<()> {
        let rid = Some(id.to_string());
        self.require_editor(actor, "place.update", "place", rid.clone())
            .await?;
        let mut f = f.clone();
        f.parent_id.clear();
        let (new, _) = self.validate_place(&f).await?;
        let ev = self.event(actor, "place.update", "place", rid, true, "");
        self.store()
            .update_place(id, &new, &ev)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => ServiceError::Validation(vec![FieldError::conflict(
                    "name",
                    "There is already a place with this name and kind, or with this GSS code",
                )]),
                other => other.into(),
            })
    }

    /// Deletes a place (analysts and administrators); refused while records use it.
    pub async fn delete_place(&self, actor: &Actor, id: i64) -> ServiceResult<()> {
        let rid = Some(id.to_string());
        self.require_editor(actor, "place.delete", "place", rid.clone())
            .await?;
        let ev = self.event(actor, "place.delete", "place", rid, true, "");
        self.store().delete_place(id, &ev).await.map_err(in_use)
    }

    /// Changes an agency's name and kind (analysts and administrators).
    pub async fn update_agency(
        &self,
        actor: &Actor,
        id: i64,
        name: &str,
        kind: &str,
    ) -> ServiceResult<()> {
        let rid = Some(id.to_string());
        self.require_editor(actor, "agency.update", "agency", rid.clone())
            .await?;
        let mut errors = Vec::new();
        let name = text(
            &mut errors,
            "name",
            name,
            200,
            Some("Enter the agency's name"),
        );
        let kind = taxonomy::find(AGENCY_KINDS, kind);
        if kind.is_none() {
            errors.push(FieldError::new("kind", "Select the kind of agency"));
        }
        let (Some(kind), true) = (kind, errors.is_empty()) else {
            return Err(ServiceError::Validation(errors));
        };
        let ev = self.event(actor, "agency.update", "agency", rid, true, "");
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
    pub async fn delete_agency(&self, actor: &Actor, id: i64) -> ServiceResult<()> {
        let rid = Some(id.to_string());
        self.require_editor(actor, "agency.delete", "agency", rid.clone())
            .await?;
        let ev = self.event(actor, "agency.delete", "agency", rid, true, "");
        self.store().delete_agency(id, &ev).await.map_err(in_use)
    }

    /// One budget line.
    pub async fn budget_line(&self, id: i64) -> ServiceResult<BudgetLine> {
        self.store()
            .budget_line_by_id(id)
            .await?
            .ok_or(ServiceError::NotFound)
    }

    /// Replaces a budget line (analysts and administrators).
    pub async fn update_budget_line(
        &self,
        actor: &Actor,
        id: i64,
        f: &BudgetForm,
    ) -> ServiceResult<()> {
        let rid = Some(id.to_string());
        self.require_editor(actor, "budget_line.update", "budget_line", rid.clone())
            .await?;
        let lookup = Lookup::new(
            &self.store().list_agencies().await?,
            &self.store().list_places().await?,
        );
        let line = self
            .resolve_budget(f, &lookup, &|f| f.to_owned())
            .map_err(ServiceError::Validation)?;
        let ev = self.event(actor, "budget_line.update", "budget_line", rid, true, "");
        Ok(self.store().update_budget_line(id, &line, &ev).await?)
    }

    /// Deletes a grant with its changes (analysts and administrators).
    pub async fn delete_grant(&self, actor: &Actor, id: i64) -> ServiceResult<()> {
        let rid = Some(id.to_string());
        self.require_editor(actor, "grant.delete", "grant", rid.clone())
            .await?;
        let ev = self.event(actor, "grant.delete", "grant", rid, true, "");
        Ok(self.store().delete_grant(id, &ev).await?)
    }
}

/// The "record a grant" form, as typed.
#[derive(Clone, Debug, Default)]
pub struct GrantForm {
    /// Funder agency id.
    pub funder_id: String,
    /// Title.
    pub title: String,
    /// Purpose.
    pub purpose: String,
    /// Pounds.
    pub amount: String,
    /// First financial year, such as 2009/10.
    pub start_year: String,
    /// Last financial year.
    pub end_year: String,
    /// Conditions.
    pub conditions: String,
    /// Recipient agency ids (ticked).
    pub recipients: Vec<String>,
    /// Places: names or GSS codes separated by semicolons.
    pub places: String,
}

/// The "record a change to a grant" form, as typed.
#[derive(Clone, Debug, Default)]
pub struct GrantChangeForm {
    /// From this financial year.
    pub from_year: String,
    /// The new amount in pounds.
    pub new_amount: String,
    /// Why.
    pub reason: String,
}

/// The "add a partnership" form, as typed.
#[derive(Clone, Debug, Default)]
pub struct PartnershipForm {
    /// Name.
    pub name: String,
    /// Description and aims.
    pub description: String,
    /// Governance.
    pub governance: String,
    /// Member agency ids (ticked).
    pub members: Vec<String>,
    /// Places: names or GSS codes separated by semicolons.
    pub places: String,
}

/// Places named in a cell (names, GSS codes or ids, separated by semicolons).
fn place_names(errors: &mut Vec<FieldError>, field: &str, raw: &str, lookup: &Lookup) -> Vec<i64> {
    let mut out = Vec::new();
    for name in raw.split(';').map(str::trim).filter(|n| !n.is_empty()) {
        match lookup.place(name) {
            Some(id) => out.push(id),
            None => errors.push(FieldError::new(
                field,
                format!("There is no place called '{name}': give names or GSS codes separated by semicolons"),
            )),
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

fn ids(
    errors: &mut Vec<FieldError>,
    field: &str,
    raw: &[String],
    known: &[i64],
    message: &str,
) -> Vec<i64> {
    let mut out = Vec::new();
    for r in raw {
        match r.trim().parse::<i64>() {
            Ok(id) if known.contains(&id) => out.push(id),
            _ => {
                errors.push(FieldError::new(field, message));
                return Vec::new();
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

fn year_field(errors: &mut Vec<FieldError>, field: &str, raw: &str) -> Option<i32> {
    match raw.trim().parse::<wholeplace_domain::FinancialYear>() {
        Ok(y) => Some(y.start_year()),
        Err(_) => {
            errors.push(FieldError::new(
                field,
                "Enter a financial year, such as 2009/10",
            ));
            None
        }
    }
}

fn pounds_field(errors: &mut Vec<FieldError>, field: &str, raw: &str) -> Option<i64> {
    match raw.trim().parse::<wholeplace_domain::Money>() {
        Ok(m) if m.pence() >= 0 => Some(m.pence()),
        _ => {
            errors.push(FieldError::new(
                field,
                "Enter an amount in pounds, such as 500,000",
            ));
            None
        }
    }
}

impl Service {
    /// Records a grant from its form (analysts and administrators).
    pub async fn create_grant_from_form(&self, actor: &Actor, f: &GrantForm) -> ServiceResult<i64> {
        self.require_editor(actor, "grant.create", "grant", None)
            .await?;
        let g = self.grant_from_form(f).await?;
        self.create_grant(actor, &g).await
    }

    /// Changes a grant's details, recipients and places from its form (its recorded changes
    /// stay; analysts and administrators).
    pub async fn update_grant_from_form(
        &self,
        actor: &Actor,
        id: i64,
        f: &GrantForm,
    ) -> ServiceResult<()> {
        let rid = Some(id.to_string());
        self.require_editor(actor, "grant.update", "grant", rid.clone())
            .await?;
        let g = self.grant_from_form(f).await?;
        let ev = self.event(actor, "grant.update", "grant", rid, true, &g.title);
        Ok(self.store().update_grant(id, &g, &ev).await?)
    }

    /// Checks a grant form: the grant, or every problem.
    async fn grant_from_form(&self, f: &GrantForm) -> ServiceResult<wholeplace_store::NewGrant> {
        let all_agencies = self.store().list_agencies().await?;
        let agencies: Vec<i64> = all_agencies.iter().map(|a| a.id).collect();
        let lookup = Lookup::new(&all_agencies, &self.store().list_places().await?);
        let mut errors = Vec::new();
        let funder = Self::id_in(
            &mut errors,
            "funder_id",
            &f.funder_id,
            &agencies,
            "Select the funder",
        );
        let amount = pounds_field(&mut errors, "amount", &f.amount);
        let start = year_field(&mut errors, "start_year", &f.start_year);
        let end = year_field(&mut errors, "end_year", &f.end_year);
        let recipients = ids(
            &mut errors,
            "recipients",
            &f.recipients,
            &agencies,
            "Select recipients from the list",
        );
        let place_ids = place_names(&mut errors, "places", &f.places, &lookup);
        let (Some(funder_agency_id), Some(amount_pence), Some(start_year), Some(end_year), true) =
            (funder, amount, start, end, errors.is_empty())
        else {
            return Err(ServiceError::Validation(errors));
        };
        let g = wholeplace_store::NewGrant {
            funder_agency_id,
            title: f.title.trim().to_owned(),
            purpose: f.purpose.trim().to_owned(),
            amount_pence,
            start_year,
            end_year,
            conditions: f.conditions.trim().to_owned(),
            recipient_ids: recipients,
            place_ids,
        };
        let mut errors = Vec::new();
        if g.title.is_empty() {
            errors.push(FieldError::new("title", "Enter the grant's title"));
        }
        if g.amount_pence <= 0 {
            errors.push(FieldError::new("amount", "The amount must be more than £0"));
        }
        if g.end_year < g.start_year {
            errors.push(FieldError::new(
                "end_year",
                "The last year must not be before the first",
            ));
        }
        if g.recipient_ids.is_empty() {
            errors.push(FieldError::new(
                "recipients",
                "Select at least one recipient",
            ));
        }
        if errors.is_empty() {
            Ok(g)
        } else {
            Err(ServiceError::Validation(errors))
        }
    }

    /// Records a change to a grant from its form: a cut is a change, not an overwrite.
    pub async fn change_grant_from_form(
        &self,
        actor: &Actor,
        grant_id: i64,
        f: &GrantChangeForm,
    ) -> ServiceResult<()> {
        self.require_editor(actor, "grant.change", "grant", Some(grant_id.to_string()))
            .await?;
        let grant = self
            .store()
            .list_grants()
            .await?
            .into_iter()
            .find(|g| g.id == grant_id)
            .ok_or(ServiceError::NotFound)?;
        let mut errors = Vec::new();
        let from = year_field(&mut errors, "from_year", &f.from_year);
        if let Some(y) = from
            && (y < grant.start_year || y > grant.end_year)
        {
            errors.push(FieldError::new(
                "from_year",
                "The change must start within the grant's years",
            ));
        }
        let amount = pounds_field(&mut errors, "new_amount", &f.new_amount);
        let reason = text(
            &mut errors,
            "reason",
            &f.reason,
            500,
            Some(
                "Give the reason for the change, such as '20% cut due to pressure on public funding'",
            ),
        );
        let (Some(from_year), Some(new_amount_pence), true) = (from, amount, errors.is_empty())
        else {
            return Err(ServiceError::Validation(errors));
        };
        self.change_grant(
            actor,
            grant_id,
            &wholeplace_store::GrantChange {
                from_year,
                new_amount_pence,
                reason,
            },
        )
        .await
    }

    /// Changes a partnership from its form (analysts and administrators).
    pub async fn update_partnership_from_form(
        &self,
        actor: &Actor,
        id: i64,
        f: &PartnershipForm,
    ) -> ServiceResult<()> {
        let rid = Some(id.to_string());
        self.require_editor(actor, "partnership.update", "partnership", rid.clone())
            .await?;
        let p = self.partnership_from_form(f).await?;
        let ev = self.event(
            actor,
            "partnership.update",
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

    /// Makes a partnership from its form (analysts and administrators).
    pub async fn create_partnership_from_form(
        &self,
        actor: &Actor,
        f: &PartnershipForm,
    ) -> ServiceResult<i64> {
        self.require_editor(actor, "partnership.create", "partnership", None)
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
    async fn partnership_from_form(
        &self,
        f: &PartnershipForm,
    ) -> ServiceResult<wholeplace_store::PartnershipChange> {
        let all_agencies = self.store().list_agencies().await?;
        let agencies: Vec<i64> = all_agencies.iter().map(|a| a.id).collect();
        let lookup = Lookup::new(&all_agencies, &self.store().list_places().await?);
        let mut errors = Vec::new();
        let name = text(
            &mut errors,
            "name",
            &f.name,
            200,
            Some("Enter the partnership's name"),
        );
        let member_ids = ids(
            &mut errors,
            "members",
            &f.members,
            &agencies,
            "Select members from the list",
        );
        let place_ids = place_names(&mut errors, "places", &f.places, &lookup);
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }
        Ok(wholeplace_store::PartnershipChange {
            name,
            description: f.description.trim().to_owned(),
            governance: f.governance.trim().to_owned(),
            member_ids,
            place_ids,
        })
    }
}

/// A partnership name already taken is a problem with the form's name field.
fn partnership_clash(e: ServiceError, name: &str) -> ServiceError {
    match e {
        ServiceError::Conflict(_) => ServiceError::Validation(vec![FieldError::conflict(
            "name",
            format!("There is already a partnership called '{name}'"),
        )]),
        other => other,
    }
}

impl Service {
    /// Records how a place relates to another, from a form: `contains` (this place contains the
    /// other), `inside` (the other contains this one) or `overlaps`.
    pub async fn relate_place_from_form(
        &self,
        actor: &Actor,
        id: i64,
        other: &str,
        how: &str,
    ) -> ServiceResult<()> {
        self.require_editor(actor, "place.relate", "place", Some(id.to_string()))
            .await?;
        let places: Vec<i64> = self
            .store()
            .list_places()
            .await?
            .iter()
            .map(|p| p.id)
            .collect();
        if !places.contains(&id) {
            return Err(ServiceError::NotFound);
        }
        let mut errors = Vec::new();
        let other = Self::id_in(
            &mut errors,
            "other_id",
            other,
            &places,
            "Select the other place",
        );
        if other == Some(id) {
            errors.push(FieldError::new("other_id", "Select a different place"));
        }
        let relation = match how {
            "contains" | "inside" => Some("contains"),
            "overlaps" => Some("overlaps"),
            _ => {
                errors.push(FieldError::new("how", "Select how the places relate"));
                None
            }
        };
        let (Some(other), Some(relation), true) = (other, relation, errors.is_empty()) else {
            return Err(ServiceError::Validation(errors));
        };
        let (parent, child) = if how == "inside" {
            (other, id)
        } else {
            (id, other)
        };
        self.relate_places(actor, parent, child, relation).await
    }

    /// Records that an agency covers a place, from a form.
    pub async fn cover_place_from_form(
        &self,
        actor: &Actor,
        place_id: i64,
        agency: &str,
    ) -> ServiceResult<()> {
        self.require_editor(actor, "agency.cover", "agency", None)
            .await?;
        if self.store().place_by_id(place_id).await?.is_none() {
            return Err(ServiceError::NotFound);
        }
        let agencies: Vec<i64> = self
            .store()
            .list_agencies()
            .await?
            .iter()
            .map(|a| a.id)
            .collect();
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

/// A refused delete says what still uses the record.
fn in_use(e: StoreError) -> ServiceError {
    match e {
        StoreError::Conflict(what) => ServiceError::Validation(vec![FieldError::conflict(
            "record",
            format!("This cannot be deleted while there are {what}: delete or change those first"),
        )]),
        other => other.into(),
    }
}
