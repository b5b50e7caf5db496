//! Grants in the 360Giving shape and their changes over time.

use crate::audit_action::AuditAction;
use crate::fields::*;
use crate::*;
use wholeplace_domain::{AgencyId, GrantId};
use wholeplace_domain::{FinancialYear, Money};

/// The "record a grant" form, as typed.
/// Read from a submitted form by name; a field the form did not send is empty.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
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
    #[serde(skip)]
    pub recipients: Vec<String>,
    /// Places: names or GSS codes separated by semicolons.
    pub places: String,
}

/// The "record a change to a grant" form, as typed.
/// Read from a submitted form by name; a field the form did not send is empty.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct GrantChangeForm {
    /// From this financial year.
    pub from_year: String,
    /// The new amount in pounds.
    pub new_amount: String,
    /// Why.
    pub reason: String,
}

impl Service {
    /// All grants with their recorded changes.
    pub async fn list_grants(&self, actor: &Actor) -> ServiceResult<Vec<wholeplace_store::Grant>> {
        self.may_read(actor).await?;
        Ok(self.store().list_grants().await?)
    }

    /// Records a grant (analysts and administrators).
    pub async fn create_grant(
        &self,
        actor: &Actor,
        grant: &wholeplace_store::NewGrant,
    ) -> ServiceResult<GrantId> {
        self.require_editor(actor, AuditAction::GrantCreate, "grant", None)
            .await?;
        let errors = grant_problems(grant);
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }
        let ev = self.event(actor, AuditAction::GrantCreate, "grant", None, true, "");
        Ok(self.store().create_grant(grant, &ev).await?)
    }

    /// Records a grant from its form (analysts and administrators).
    pub async fn create_grant_from_form(
        &self,
        actor: &Actor,
        f: &GrantForm,
    ) -> ServiceResult<GrantId> {
        self.require_editor(actor, AuditAction::GrantCreate, "grant", None)
            .await?;
        let g = self.grant_from_form(f).await?;
        self.create_grant(actor, &g).await
    }

    /// Checks a grant form: the grant, or every problem.
    pub(crate) async fn grant_from_form(
        &self,
        f: &GrantForm,
    ) -> ServiceResult<wholeplace_store::NewGrant> {
        let all_agencies = self.store().list_agencies().await?;
        let agencies: Vec<AgencyId> = all_agencies.iter().map(|a| a.id).collect();
        let lookup = Lookup::new(&all_agencies, &self.store().list_places().await?);
        let mut errors = Vec::new();
        let funder = Self::id_in(
            &mut errors,
            "funder_id",
            &f.funder_id,
            &agencies,
            "Select the funder",
        );
        let values = f.values().map_err(|e| errors.extend(e)).ok();
        let recipients = ids(
            &mut errors,
            "recipients",
            &f.recipients,
            &agencies,
            "Select recipients from the list",
        );
        if f.recipients.is_empty() {
            errors.push(recipients_missing());
        }
        let place_ids = place_names(&mut errors, "places", &f.places, &lookup);
        let (Some(funder_agency_id), Some(v), true) = (funder, values, errors.is_empty()) else {
            return Err(ServiceError::Validation(errors));
        };
        Ok(wholeplace_store::NewGrant {
            funder_agency_id,
            title: v.title,
            purpose: v.purpose,
            amount: v.amount,
            start_year: v.start_year,
            end_year: v.end_year,
            conditions: v.conditions,
            recipient_ids: recipients,
            place_ids,
        })
    }

    /// Changes a grant's details, recipients and places from its form (its recorded changes
    /// stay; analysts and administrators).
    pub async fn update_grant_from_form(
        &self,
        actor: &Actor,
        id: GrantId,
        f: &GrantForm,
    ) -> ServiceResult<()> {
        let rid = Some(id.to_string());
        self.require_editor(actor, AuditAction::GrantUpdate, "grant", rid.clone())
            .await?;
        let g = self.grant_from_form(f).await?;
        let ev = self.event(
            actor,
            AuditAction::GrantUpdate,
            "grant",
            rid,
            true,
            &g.title,
        );
        Ok(self.store().update_grant(id, &g, &ev).await?)
    }

    /// Records a change to a grant from a year on: a cut is a new record, never an overwrite.
    pub async fn change_grant(
        &self,
        actor: &Actor,
        grant_id: GrantId,
        change: &wholeplace_store::GrantChange,
    ) -> ServiceResult<()> {
        self.require_editor(
            actor,
            AuditAction::GrantChange,
            "grant",
            Some(grant_id.to_string()),
        )
        .await?;
        if change.new_amount < Money::ZERO || change.reason.trim().is_empty() {
            return Err(ServiceError::Validation(vec![FieldError::new(
                "reason",
                "Give the new amount (£0 or more) and the reason for the change",
            )]));
        }
        let ev = self.event(
            actor,
            AuditAction::GrantChange,
            "grant",
            Some(grant_id.to_string()),
            true,
            "",
        );
        Ok(self.store().add_grant_change(grant_id, change, &ev).await?)
    }

    /// Records a change to a grant from its form: a cut is a change, not an overwrite.
    pub async fn change_grant_from_form(
        &self,
        actor: &Actor,
        grant_id: GrantId,
        f: &GrantChangeForm,
    ) -> ServiceResult<()> {
        self.require_editor(
            actor,
            AuditAction::GrantChange,
            "grant",
            Some(grant_id.to_string()),
        )
        .await?;
        let grant = self
            .store()
            .list_grants()
            .await?
            .into_iter()
            .find(|g| g.id == grant_id)
            .ok_or(ServiceError::NotFound)?;
        let change = f
            .parse(grant.start_year, grant.end_year)
            .map_err(ServiceError::Validation)?;
        self.change_grant(actor, grant_id, &change).await
    }

    /// Deletes a grant with its changes (analysts and administrators).
    pub async fn delete_grant(&self, actor: &Actor, id: GrantId) -> ServiceResult<()> {
        let rid = Some(id.to_string());
        self.require_editor(actor, AuditAction::GrantDelete, "grant", rid.clone())
            .await?;
        let ev = self.event(actor, AuditAction::GrantDelete, "grant", rid, true, "");
        Ok(self.store().delete_grant(id, &ev).await?)
    }
}

/// The rules every grant keeps, however it comes in (a form, the workbook, the command line):
/// the problems with one, each on its field.
fn grant_problems(grant: &wholeplace_store::NewGrant) -> Vec<FieldError> {
    let mut errors = grant_value_problems(
        &grant.title,
        Some(grant.amount),
        Some((grant.start_year, grant.end_year)),
    );
    if grant.recipient_ids.is_empty() {
        errors.push(recipients_missing());
    }
    errors
}

/// A grant's own reference as a workbook gives it (its 360Giving identifier's own part), or the
/// problem with it: letters, digits, `-`, `_`, `.` and `/`, up to 100 characters; empty for a
/// grant to be given its number.
pub fn parse_reference(raw: &str) -> Result<String, FieldError> {
    let t = raw.trim();
    if t.chars().count() > 100
        || !t
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
    {
        return Err(FieldError::new(
            "reference",
            "Write the grant's reference in letters, digits, -, _, . and /, up to 100 characters, such as KCC-2012-004",
        ));
    }
    Ok(t.to_owned())
}

/// A grant without a recipient.
pub(crate) fn recipients_missing() -> FieldError {
    FieldError::new("recipients", "Select at least one recipient")
}

/// The rules on a grant's own values (the amount and years where they could be read).
fn grant_value_problems(
    title: &str,
    amount: Option<Money>,
    years: Option<(FinancialYear, FinancialYear)>,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let title = title.trim();
    if title.is_empty() || title.chars().count() > 500 {
        errors.push(FieldError::new(
            "title",
            "Enter the grant's title, up to 500 characters",
        ));
    }
    if amount.is_some_and(|a| a <= Money::ZERO) {
        errors.push(FieldError::new("amount", "The amount must be more than £0"));
    }
    if let Some((start, end)) = years
        && end < start
    {
        errors.push(FieldError::new(
            "end_year",
            "The last year must not be before the first",
        ));
    }
    errors
}

/// A grant's own values, whichever funder, recipients and places it has.
#[derive(Clone, Debug, PartialEq)]
pub struct GrantValues {
    /// Title.
    pub title: String,
    /// Purpose.
    pub purpose: String,
    /// Amount awarded (more than £0).
    pub amount: Money,
    /// First financial year.
    pub start_year: FinancialYear,
    /// Last financial year (not before the first).
    pub end_year: FinancialYear,
    /// Conditions.
    pub conditions: String,
}

impl GrantForm {
    /// The grant's own values, or every problem with them: the one rule set for a grant's
    /// fields, used by the form and the workbook import alike (its funder, recipients and
    /// places, references, are resolved by each of them).
    pub fn values(&self) -> Result<GrantValues, Vec<FieldError>> {
        let mut errors = Vec::new();
        let amount = pounds_field(&mut errors, "amount", &self.amount);
        let start = year_field(&mut errors, "start_year", &self.start_year);
        let end = year_field(&mut errors, "end_year", &self.end_year);
        let years = start.zip(end);
        errors.extend(grant_value_problems(&self.title, amount, years));
        match (amount, years) {
            (Some(amount), Some((start_year, end_year))) if errors.is_empty() => Ok(GrantValues {
                title: self.title.trim().to_owned(),
                purpose: self.purpose.trim().to_owned(),
                amount,
                start_year,
                end_year,
                conditions: self.conditions.trim().to_owned(),
            }),
            _ => Err(errors),
        }
    }
}

impl GrantChangeForm {
    /// The change, or every problem with it: the one rule set for a change to a grant that runs
    /// from `start` to `end`, used by the form and the workbook import alike.
    pub fn parse(
        &self,
        start: FinancialYear,
        end: FinancialYear,
    ) -> Result<wholeplace_store::GrantChange, Vec<FieldError>> {
        let mut errors = Vec::new();
        let from = year_field(&mut errors, "from_year", &self.from_year);
        if let Some(y) = from
            && (y < start || y > end)
        {
            errors.push(FieldError::new(
                "from_year",
                "The change must start within the grant's years",
            ));
        }
        let amount = pounds_field(&mut errors, "new_amount", &self.new_amount);
        let reason = text(
            &mut errors,
            "reason",
            &self.reason,
            500,
            Some(
                "Give the reason for the change, such as '20% cut due to pressure on public funding'",
            ),
        );
        match (from, amount) {
            (Some(from_year), Some(new_amount)) if errors.is_empty() => {
                Ok(wholeplace_store::GrantChange {
                    from_year,
                    new_amount,
                    reason,
                })
            }
            _ => Err(errors),
        }
    }
}
