//! The grants as 360Giving data: the publisher (prefix, name, licence), and the grants in the
//! standard's spreadsheet columns and as its JSON grant package, both from one list of rows.
//!
//! A grant's identifier is the publisher's prefix and the grant's own reference (its number
//! unless a workbook brought one), so it stays the same across exports and databases; a grant
//! with several recipients is one 360Giving grant per recipient, the recipient's name added to
//! the reference. An organisation is named by its first registered identifier, or else by a
//! `360G-{prefix}-org-{name}` identifier of the publisher's own, as the standard allows. A
//! beneficiary location carries the place's GSS code and its geographic code type.

use crate::audit_action::AuditAction;
use crate::fields::*;
use crate::*;
use std::collections::HashMap;
use wholeplace_domain::org_id::{geo_code_type, publisher_prefix, slug};
use wholeplace_domain::{AgencyId, GssCode, Money, OrgIdentifier, PlaceId};
use wholeplace_store::GrantPublisher;
use wholeplace_tabular::Table;

/// The licences a publisher may choose: (canonical address, name). 360Giving asks for an open
/// licence; these are the ones its publishers use.
pub const LICENCES: &[(&str, &str)] = &[
    (
        "https://creativecommons.org/licenses/by/4.0/",
        "Creative Commons Attribution 4.0 International (CC BY 4.0)",
    ),
    (
        "https://creativecommons.org/publicdomain/zero/1.0/",
        "Creative Commons Zero (CC0 1.0), public domain",
    ),
    (
        "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
        "Open Government Licence v3.0",
    ),
];

/// The "360Giving publisher" form, as typed.
/// Read from a submitted form by name; a field the form did not send is empty.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct PublisherForm {
    /// The 360Giving prefix, such as `360G-wholeplace`.
    pub prefix: String,
    /// The publisher's name.
    pub name: String,
    /// The publisher's registered identifier (optional).
    pub identifier: String,
    /// The publisher's website (optional).
    pub website: String,
    /// The licence's address, one of [`LICENCES`].
    pub licence: String,
}

impl PublisherForm {
    /// The form filled in from a stored publisher.
    pub fn from_publisher(p: &GrantPublisher) -> Self {
        Self {
            prefix: p.prefix.clone(),
            name: p.name.clone(),
            identifier: p
                .identifier
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            website: p.website.clone(),
            licence: p.licence.clone(),
        }
    }

    /// The publisher, or every problem: the one rule set for the publisher, used by the form
    /// and the API alike.
    pub fn parse(&self) -> Result<GrantPublisher, Vec<FieldError>> {
        let mut errors = Vec::new();
        let prefix = publisher_prefix(&self.prefix)
            .map_err(|e| errors.push(FieldError::new("prefix", e.0)))
            .ok();
        let name = text(
            &mut errors,
            "name",
            &self.name,
            200,
            Some("Enter the publisher's name, such as the partnership's"),
        );
        let identifier = if self.identifier.trim().is_empty() {
            None
        } else {
            OrgIdentifier::parse(&self.identifier)
                .map_err(|e| errors.push(FieldError::new("identifier", e.0)))
                .ok()
        };
        let website = self.website.trim().to_owned();
        if !website.is_empty()
            && (!(website.starts_with("https://") || website.starts_with("http://"))
                || website.contains(char::is_whitespace)
                || website.chars().count() > 300)
        {
            errors.push(FieldError::new(
                "website",
                "Enter the website's full address, starting https://",
            ));
        }
        let licence = self.licence.trim();
        if !LICENCES.iter().any(|(url, _)| *url == licence) {
            errors.push(FieldError::new(
                "licence",
                "Select the open licence the grants are published under",
            ));
        }
        match prefix {
            Some(prefix) if errors.is_empty() => Ok(GrantPublisher {
                prefix,
                name,
                identifier,
                website,
                licence: licence.to_owned(),
            }),
            _ => Err(errors),
        }
    }
}

/// An organisation as a 360Giving grant names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Org360 {
    /// Its identifier: registered, or the publisher's own.
    pub id: String,
    /// Its name.
    pub name: String,
}

/// A beneficiary location: the place's name and, where it has one, its GSS code and type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location360 {
    /// Name.
    pub name: String,
    /// GSS code.
    pub geo_code: Option<String>,
    /// 360Giving geographic code type, such as `WD`.
    pub geo_code_type: Option<&'static str>,
}

/// One 360Giving grant (one recipient of one of the partnership's grants).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant360 {
    /// `360G-{prefix}-{reference}` (with the recipient's name when the grant has several).
    pub id: String,
    /// Title.
    pub title: String,
    /// Description: the purpose, with the original amount and changes when there were any.
    pub description: String,
    /// The amount as now awarded (after recorded changes).
    pub amount: Money,
    /// The award date (the first financial year's first day).
    pub award_date: String,
    /// Planned start.
    pub start_date: String,
    /// Planned end.
    pub end_date: String,
    /// Recipient.
    pub recipient: Org360,
    /// Funder.
    pub funder: Org360,
    /// Beneficiary locations.
    pub locations: Vec<Location360>,
}

/// How an organisation is identified in the export: its first registered identifier, or the
/// publisher's own identifier for it.
fn org(
    prefix: &str,
    ids: &HashMap<AgencyId, Vec<OrgIdentifier>>,
    a: &wholeplace_store::Agency,
) -> Org360 {
    let id = ids.get(&a.id).and_then(|l| l.first()).map_or_else(
        || format!("{prefix}-org-{}", slug(&a.name)),
        ToString::to_string,
    );
    Org360 {
        id,
        name: a.name.clone(),
    }
}

fn description(g: &wholeplace_store::Grant) -> String {
    let purpose = if g.purpose.trim().is_empty() {
        g.title.clone()
    } else {
        g.purpose.clone()
    };
    if g.changes.is_empty() {
        return purpose;
    }
    let changes: Vec<String> = g
        .changes
        .iter()
        .map(|c| format!("from {}: {} ({})", c.from_year, c.new_amount, c.reason))
        .collect();
    format!(
        "{purpose} Originally {}; changed {}.",
        g.amount,
        changes.join("; ")
    )
}

impl Service {
    /// The 360Giving publisher, once recorded.
    pub async fn grant_publisher(&self, actor: &Actor) -> ServiceResult<Option<GrantPublisher>> {
        self.may_read(actor).await?;
        Ok(self.store().grant_publisher().await?)
    }

    /// Records the 360Giving publisher (analysts and administrators).
    pub async fn set_grant_publisher(
        &self,
        actor: &Actor,
        f: &PublisherForm,
    ) -> ServiceResult<GrantPublisher> {
        self.require_editor(actor, AuditAction::GrantPublisher, "grant_publisher", None)
            .await?;
        let p = f.parse().map_err(ServiceError::Validation)?;
        let ev = self.event(
            actor,
            AuditAction::GrantPublisher,
            "grant_publisher",
            None,
            true,
            &format!("prefix {}", p.prefix),
        );
        self.store().set_grant_publisher(&p, &ev).await?;
        Ok(p)
    }

    /// The publisher, or the problem that there is none yet.
    async fn publisher_needed(&self) -> ServiceResult<GrantPublisher> {
        self.store().grant_publisher().await?.ok_or_else(|| {
            ServiceError::Validation(vec![FieldError::new(
                "prefix",
                "Record the partnership's 360Giving publisher prefix first (Funding, 360Giving publisher): grants are published under it",
            )])
        })
    }

    /// The grants as 360Giving grants, one per recipient, with their publisher.
    pub async fn grants_360(
        &self,
        actor: &Actor,
    ) -> ServiceResult<(GrantPublisher, Vec<Grant360>)> {
        self.may_read(actor).await?;
        let publisher = self.publisher_needed().await?;
        let prefix = publisher.prefix.as_str();
        let ids: HashMap<AgencyId, Vec<OrgIdentifier>> = self
            .store()
            .agency_identifiers()
            .await?
            .into_iter()
            .collect();
        let gss: HashMap<PlaceId, Option<GssCode>> = self
            .store()
            .list_places()
            .await?
            .into_iter()
            .map(|p| (p.id, p.gss_code.and_then(|c| c.parse::<GssCode>().ok())))
            .collect();
        let mut out = Vec::new();
        for g in self.store().list_grants().await? {
            let locations: Vec<Location360> = g
                .places
                .iter()
                .map(|(id, name)| {
                    let code = gss.get(id).cloned().flatten();
                    Location360 {
                        name: name.clone(),
                        geo_code_type: code.as_ref().and_then(geo_code_type),
                        geo_code: code.map(|c| c.as_str().to_owned()),
                    }
                })
                .collect();
            for r in &g.recipients {
                let id = if g.recipients.len() == 1 {
                    format!("{prefix}-{}", g.reference)
                } else {
                    format!("{prefix}-{}-{}", g.reference, slug(&r.name))
                };
                out.push(Grant360 {
                    id,
                    title: g.title.clone(),
                    description: description(&g),
                    amount: g.changes.last().map_or(g.amount, |c| c.new_amount),
                    award_date: format!("{}-04-01", g.start_year.start_year()),
                    start_date: format!("{}-04-01", g.start_year.start_year()),
                    end_date: format!("{}-03-31", g.end_year.start_year() + 1),
                    recipient: org(prefix, &ids, r),
                    funder: org(prefix, &ids, &g.funder),
                    locations: locations.clone(),
                });
            }
        }
        Ok((publisher, out))
    }

    /// Grants in the 360Giving data standard's spreadsheet columns: one row per recipient, the
    /// amount as currently awarded (after recorded changes), with the original amount in the
    /// description; beneficiary locations numbered as the standard's column titles number them.
    pub async fn grants_360giving(&self, actor: &Actor) -> ServiceResult<Table> {
        let (_, grants) = self.grants_360(actor).await?;
        let places = grants.iter().map(|g| g.locations.len()).max().unwrap_or(0);
        let mut headers: Vec<String> = [
            "Identifier",
            "Title",
            "Description",
            "Currency",
            "Amount Awarded",
            "Award Date",
            "Planned Dates:Start Date",
            "Planned Dates:End Date",
            "Recipient Org:Identifier",
            "Recipient Org:Name",
            "Funding Org:Identifier",
            "Funding Org:Name",
        ]
        .iter()
        .map(|h| (*h).to_owned())
        .collect();
        for n in 0..places {
            for t in ["Name", "Geographic Code", "Geographic Code Type"] {
                headers.push(format!("Beneficiary Location:{n}:{t}"));
            }
        }
        let rows = grants
            .into_iter()
            .map(|g| {
                let mut row = vec![
                    g.id,
                    g.title,
                    g.description,
                    "GBP".to_owned(),
                    pounds_text(g.amount.pence()),
                    g.award_date,
                    g.start_date,
                    g.end_date,
                    g.recipient.id,
                    g.recipient.name,
                    g.funder.id,
                    g.funder.name,
                ];
                for n in 0..places {
                    let l = g.locations.get(n);
                    row.push(l.map(|l| l.name.clone()).unwrap_or_default());
                    row.push(l.and_then(|l| l.geo_code.clone()).unwrap_or_default());
                    row.push(
                        l.and_then(|l| l.geo_code_type)
                            .unwrap_or_default()
                            .to_owned(),
                    );
                }
                row
            })
            .collect();
        Ok(Table { headers, rows })
    }

    /// The grants as the 360Giving standard's JSON grant package: the grants with the licence,
    /// the publisher and the day it was issued.
    pub async fn grants_360giving_package(
        &self,
        actor: &Actor,
    ) -> ServiceResult<serde_json::Value> {
        let (p, grants) = self.grants_360(actor).await?;
        let today = time::OffsetDateTime::from_unix_timestamp(self.now())
            .map_err(|e| ServiceError::Internal(e.to_string()))?
            .date();
        let mut publisher = serde_json::json!({ "name": p.name });
        if let Some(i) = &p.identifier {
            publisher["identifier"] = i.to_string().into();
        }
        if !p.website.is_empty() {
            publisher["website"] = p.website.clone().into();
        }
        let grants: Vec<serde_json::Value> = grants.into_iter().map(grant_json).collect();
        Ok(serde_json::json!({
            "title": format!("Grants published by {}", p.name),
            "identifier": format!("{}-grants", p.prefix),
            "issued": format!("{:04}-{:02}-{:02}", today.year(), u8::from(today.month()), today.day()),
            "publisher": publisher,
            "license": p.licence,
            "grants": grants,
        }))
    }
}

/// An amount in pounds as a JSON number (whole pounds without a fraction).
fn pounds_json(m: Money) -> serde_json::Value {
    let pence = m.pence();
    if pence % 100 == 0 {
        (pence / 100).into()
    } else {
        // The exact decimal text read as a double: the nearest one to the amount.
        pounds_text(pence)
            .replace(',', "")
            .parse::<f64>()
            .map_or(serde_json::Value::Null, Into::into)
    }
}

fn grant_json(g: Grant360) -> serde_json::Value {
    let org = |o: Org360| serde_json::json!({ "id": o.id, "name": o.name });
    let mut v = serde_json::json!({
        "id": g.id,
        "title": g.title,
        "description": g.description,
        "currency": "GBP",
        "amountAwarded": pounds_json(g.amount),
        "awardDate": g.award_date,
        "plannedDates": [{ "startDate": g.start_date, "endDate": g.end_date }],
        "recipientOrganization": [org(g.recipient)],
        "fundingOrganization": [org(g.funder)],
    });
    if !g.locations.is_empty() {
        v["beneficiaryLocation"] = g
            .locations
            .into_iter()
            .map(|l| {
                let mut o = serde_json::json!({ "name": l.name });
                if let Some(c) = l.geo_code {
                    o["geoCode"] = c.into();
                }
                if let Some(t) = l.geo_code_type {
                    o["geoCodeType"] = t.into();
                }
                o
            })
            .collect::<Vec<_>>()
            .into();
    }
    v
}
