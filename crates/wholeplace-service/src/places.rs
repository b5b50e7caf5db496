//! Places at every level, how they nest and overlap, and local-authority profiles. Reading is open
//! to every signed-in role (no personal data); changing needs an analyst or administrator.

use crate::audit_action::AuditAction;
use crate::budget::*;
use crate::fields::*;
use crate::*;
use wholeplace_domain::GssCode;
use wholeplace_domain::PlaceId;
use wholeplace_domain::PlaceLevel;
use wholeplace_store::*;

/// Everything the place page shows.
#[derive(Clone, Debug)]
pub struct PlaceView {
    /// The place.
    pub place: Place,
    /// Places containing or overlapping it.
    pub parents: Vec<Related>,
    /// Places inside or overlapping it.
    pub children: Vec<Related>,
    /// Agencies covering it.
    pub agencies: Vec<Agency>,
    /// Its local-authority profile.
    pub profile: Option<LaProfile>,
    /// Its first budget lines (at most [`LINES_LISTED`]); `map.count` says how many there are.
    pub lines: Vec<BudgetLine>,
    /// The resource map of those lines.
    pub map: ResourceMap,
}

/// The fields of the new-place form.
/// Read from a submitted form by name; a field the form did not send is empty.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct PlaceForm {
    /// Name.
    pub name: String,
    /// Level key.
    pub level: String,
    /// GSS code (optional).
    pub gss_code: String,
    /// Boundary vintage (optional).
    pub gss_vintage: String,
    /// Population (optional).
    pub population: String,
    /// Parent place id (optional).
    pub parent_id: String,
    /// Description.
    pub description: String,
}

impl PlaceForm {
    /// The place the fields describe, or every problem with them: the one rule set for a place,
    /// used by the form, the API and the workbook import alike (its parent, a reference, is
    /// resolved by each of them).
    pub fn parse(&self) -> Result<NewPlace, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            errors.push(FieldError::new(
                "name",
                "Enter the place's name, up to 200 characters",
            ));
        }
        let level = match PlaceLevel::parse(&self.level) {
            Ok(l) => Some(l),
            Err(e) => {
                errors.push(FieldError::new(
                    "level",
                    if self.level.trim().is_empty() {
                        "Select the kind of place".to_owned()
                    } else {
                        e.to_string()
                    },
                ));
                None
            }
        };
        let gss = match opt_text(&self.gss_code) {
            None => None,
            Some(t) => match t.parse::<GssCode>() {
                Ok(c) => Some(c.to_string()),
                Err(e) => {
                    errors.push(FieldError::new("gss_code", e.to_string()));
                    None
                }
            },
        };
        let vintage = opt_text(&self.gss_vintage);
        if gss.is_some() && vintage.is_none() {
            errors.push(FieldError::new(
                "gss_vintage",
                "Enter the boundary vintage the GSS code belongs to, for example 2023",
            ));
        }
        let population = match opt_text(&self.population) {
            None => None,
            Some(t) => match t.replace(',', "").parse::<i64>() {
                Ok(n) if n >= 0 => Some(n),
                _ => {
                    errors.push(FieldError::new(
                        "population",
                        "Population must be a whole number, such as 118,054",
                    ));
                    None
                }
            },
        };
        match level {
            Some(level) if errors.is_empty() => Ok(NewPlace {
                name: name.to_owned(),
                level,
                gss_code: gss,
                gss_vintage: vintage,
                population,
                description: self.description.trim().to_owned(),
            }),
            _ => Err(errors),
        }
    }
}

/// England's figures for comparison, from the same profiles file: median of authorities'
/// claimant rates and earnings (population-weighted averages would need every authority).
pub fn england_medians() -> (Option<f64>, Option<i64>) {
    let Ok(rows) = shipped_local_authorities() else {
        return (None, None);
    };
    let england: Vec<&LaProfile> = rows
        .iter()
        .filter(|(p, _)| p.gss_code.as_deref().is_some_and(|g| g.starts_with('E')))
        .map(|(_, pr)| pr)
        .collect();
    let mut claim: Vec<f64> = england.iter().filter_map(|p| p.claimant_rate_pct).collect();
    let mut earn: Vec<i64> = england
        .iter()
        .filter_map(|p| p.median_earnings_gbp)
        .collect();
    claim.sort_by(f64::total_cmp);
    earn.sort_unstable();
    (
        claim.get(claim.len() / 2).copied(),
        earn.get(earn.len() / 2).copied(),
    )
}

/// The shipped profiles (ONS, MHCLG; OGL v3) as places and profiles.
pub fn shipped_local_authorities() -> Result<Vec<(NewPlace, LaProfile)>, String> {
    const CSV: &str = include_str!("../../../data/local-authority-profiles/profiles.csv");
    let t = wholeplace_tabular::read_csv(CSV).map_err(|e| e.to_string())?;
    let col = |n: &str| {
        t.column(n)
            .ok_or_else(|| format!("profiles.csv has no column {n}"))
    };
    let (gss, name, pop, year, claim, earn, rank, total) = (
        col("gss_code")?,
        col("name")?,
        col("population_mid_year")?,
        col("population_year")?,
        col("claimant_rate_pct")?,
        col("median_earnings_gbp")?,
        col("imd_rank")?,
        col("imd_total_las")?,
    );
    let domains = [
        "income",
        "employment",
        "education",
        "health",
        "crime",
        "housing",
        "environment",
    ];
    let mut out = Vec::new();
    for r in &t.rows {
        let int = |i: usize| {
            r.get(i)
                .and_then(|v| v.parse::<f64>().ok())
                .map(|v| v.round() as i64)
        };
        let code = r[gss].clone();
        let level = PlaceLevel::parse(match &code[..3.min(code.len())] {
            "E06" | "W06" | "S12" | "E08" | "E09" => "unitary",
            _ => "district",
        })
        .map_err(|e| e.to_string())?;
        let ranks = domains
            .iter()
            .filter_map(|d| {
                t.column(&format!("imd_{d}_rank"))
                    .and_then(|c| r.get(c))
                    .filter(|v| !v.is_empty())
                    .map(|v| format!("{d}={v}"))
            })
            .collect::<Vec<_>>()
            .join(";");
        out.push((
            NewPlace {
                name: r[name].clone(),
                level,
                gss_code: Some(code),
                gss_vintage: Some("2023".to_owned()),
                population: int(pop),
                description: String::new(),
            },
            LaProfile {
                population: int(pop),
                population_year: int(year),
                claimant_rate_pct: r.get(claim).and_then(|v| v.parse().ok()),
                median_earnings_gbp: int(earn),
                imd_rank: int(rank),
                imd_total: int(total),
                domain_ranks: ranks,
            },
        ));
    }
    Ok(out)
}

impl Service {
    /// All places.
    pub async fn list_places(&self, actor: &Actor) -> ServiceResult<Vec<Place>> {
        self.may_read(actor).await?;
        Ok(self.store().list_places().await?)
    }

    /// One place, without its links and resource map (for a form that changes it).
    pub async fn get_place(&self, actor: &Actor, id: PlaceId) -> ServiceResult<Place> {
        self.may_read(actor).await?;
        self.store()
            .get_place(id)
            .await?
            .ok_or(ServiceError::NotFound)
    }

    /// Everything about one place, with its resource map.
    pub async fn place_view(&self, actor: &Actor, id: PlaceId) -> ServiceResult<PlaceView> {
        self.may_read(actor).await?;
        let place = self
            .store()
            .get_place(id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let (parents, children) = self.store().place_relations(id).await?;
        let agencies = self.store().agencies_covering(id).await?;
        let profile = self.store().la_profile(id).await?;
        let lines = self
            .store()
            .budget_lines_for_place(id, Some(LINES_LISTED))
            .await?;
        let totals = self.store().budget_totals_for_place(id).await?;
        let population = place
            .population
            .or(profile.as_ref().and_then(|p| p.population));
        let map = ResourceMap::from_totals(totals, population);
        Ok(PlaceView {
            place,
            parents,
            children,
            agencies,
            profile,
            lines,
            map,
        })
    }

    /// Creates a place (analysts and administrators), optionally inside a parent.
    pub async fn create_place(&self, actor: &Actor, f: &PlaceForm) -> ServiceResult<PlaceId> {
        self.require_editor(actor, AuditAction::PlaceCreate, "place", None)
            .await?;
        let (new, parent) = self.validate_place(f).await?;
        let ev = self.event(actor, AuditAction::PlaceCreate, "place", None, true, "");
        let id = self
            .store()
            .create_place(&new, &ev)
            .await
            .map_err(|e| match e {
                wholeplace_store::StoreError::Conflict(_) => {
                    ServiceError::Validation(vec![FieldError::conflict(
                        "name",
                        "There is already a place with this name and kind, or with this GSS code",
                    )])
                }
                other => other.into(),
            })?;
        if let Some(p) = parent {
            let ev = self.event(
                actor,
                AuditAction::PlaceRelate,
                "place",
                Some(id.to_string()),
                true,
                "contains",
            );
            self.store().relate_places(p, id, "contains", &ev).await?;
        }
        Ok(id)
    }

    /// Checks a place form: the place, and the place it sits inside, or every problem.
    pub(crate) async fn validate_place(
        &self,
        f: &PlaceForm,
    ) -> ServiceResult<(NewPlace, Option<PlaceId>)> {
        let (place, mut errors) = match f.parse() {
            Ok(p) => (Some(p), Vec::new()),
            Err(e) => (None, e),
        };
        let parent = match opt_text(&f.parent_id) {
            None => None,
            Some(t) => match t.parse::<PlaceId>() {
                Ok(id) if self.store().get_place(id).await?.is_some() => Some(id),
                parsed => {
                    let message = "Select a place from the list, or none";
                    errors.push(if parsed.is_ok() {
                        FieldError::conflict("parent_id", message)
                    } else {
                        FieldError::new("parent_id", message)
                    });
                    None
                }
            },
        };
        match place {
            Some(p) if errors.is_empty() => Ok((p, parent)),
            _ => Err(ServiceError::Validation(errors)),
        }
    }

    /// Records that one place contains or overlaps another.
    pub async fn relate_places(
        &self,
        actor: &Actor,
        parent: PlaceId,
        child: PlaceId,
        relation: &str,
    ) -> ServiceResult<()> {
        self.require_editor(
            actor,
            AuditAction::PlaceRelate,
            "place",
            Some(child.to_string()),
        )
        .await?;
        if !matches!(relation, "contains" | "overlaps") || parent == child {
            return Err(ServiceError::Validation(vec![FieldError::new(
                "relation",
                "Choose 'contains' or 'overlaps', between two different places",
            )]));
        }
        let ev = self.event(
            actor,
            AuditAction::PlaceRelate,
            "place",
            Some(child.to_string()),
            true,
            relation,
        );
        Ok(self
            .store()
            .relate_places(parent, child, relation, &ev)
            .await?)
    }

    /// Changes a place (analysts and administrators). The "inside" field is ignored: relations
    /// are changed separately.
    pub async fn update_place(
        &self,
        actor: &Actor,
        id: PlaceId,
        f: &PlaceForm,
    ) -> ServiceResult<()> {
        let rid = Some(id.to_string());
        self.require_editor(actor, AuditAction::PlaceUpdate, "place", rid.clone())
            .await?;
        let mut f = f.clone();
        f.parent_id.clear();
        let (new, _) = self.validate_place(&f).await?;
        let ev = self.event(actor, AuditAction::PlaceUpdate, "place", rid, true, "");
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
    pub async fn delete_place(&self, actor: &Actor, id: PlaceId) -> ServiceResult<()> {
        let rid = Some(id.to_string());
        self.require_editor(actor, AuditAction::PlaceDelete, "place", rid.clone())
            .await?;
        let ev = self.event(actor, AuditAction::PlaceDelete, "place", rid, true, "");
        self.store().delete_place(id, &ev).await.map_err(in_use)
    }

    /// Records how a place relates to another, from a form: `contains` (this place contains the
    /// other), `inside` (the other contains this one) or `overlaps`.
    pub async fn relate_place_from_form(
        &self,
        actor: &Actor,
        id: PlaceId,
        other: &str,
        how: &str,
    ) -> ServiceResult<()> {
        self.require_editor(
            actor,
            AuditAction::PlaceRelate,
            "place",
            Some(id.to_string()),
        )
        .await?;
        let places: Vec<PlaceId> = self.place_ids().await?;
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

    /// Loads the shipped local-authority profiles as places with their profiles.
    pub async fn import_local_authorities(&self, actor: &Actor) -> ServiceResult<usize> {
        self.require_editor(
            actor,
            AuditAction::PlaceImportLocalAuthorities,
            "place",
            None,
        )
        .await?;
        let rows = shipped_local_authorities().map_err(ServiceError::Internal)?;
        let ev = self.event(
            actor,
            AuditAction::PlaceImportLocalAuthorities,
            "place",
            None,
            true,
            &format!("{} authorities", rows.len()),
        );
        Ok(self.store().upsert_local_authorities(&rows, &ev).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(agency: &str, service: &str, year: i32, pence: i64) -> BudgetLine {
        BudgetLine {
            id: wholeplace_domain::BudgetLineId::new(0),
            agency_id: wholeplace_domain::AgencyId::new(0),
            agency_name: agency.to_owned(),
            place_id: wholeplace_domain::PlaceId::new(1),
            place_name: "Sherwood".to_owned(),
            service_area: wholeplace_domain::ServiceArea::parse(service).expect("a service area"),
            financial_year: wholeplace_domain::FinancialYear::new(year).expect("a financial year"),
            amount: wholeplace_domain::Money::from_pence(pence),
            spend_kind: "revenue".to_owned(),
            source: String::new(),
            confidence: String::new(),
        }
    }

    #[test]
    fn the_resource_map_totals_every_way() {
        let lines = [
            line("Kent County Council", "social_services", 2012, 955_000_000),
            line("NHS", "health", 2012, 532_000_000),
            line("Kent County Council", "education_skills", 2013, 100),
        ];
        let m = ResourceMap::of(&lines, Some(7_000));
        assert_eq!(m.total, 1_487_000_100);
        assert_eq!(
            m.by_agency[0],
            ("Kent County Council".to_owned(), 955_000_100)
        );
        assert_eq!(m.by_service.len(), 3);
        assert_eq!(m.by_year.len(), 2);
        assert_eq!(m.per_head(m.total), Some(212_429));
        assert_eq!(ResourceMap::of(&lines, Some(0)).per_head(1), None);
    }

    #[test]
    fn summed_totals_give_the_same_map_as_the_lines() {
        let lines = [
            line("Kent County Council", "social_services", 2012, 955_000_000),
            line("NHS", "health", 2013, 532_000_000),
            line("NHS", "health", 2012, 7),
        ];
        let totals = wholeplace_store::BudgetTotals {
            count: 3,
            by_agency: vec![
                ("NHS".to_owned(), 532_000_007),
                ("Kent County Council".to_owned(), 955_000_000),
            ],
            by_service: vec![
                ("health".to_owned(), 532_000_007),
                ("social_services".to_owned(), 955_000_000),
            ],
            by_year: vec![(2013, 532_000_000), (2012, 955_000_007)],
        };
        assert_eq!(
            ResourceMap::from_totals(totals, Some(10)),
            ResourceMap::of(&lines, Some(10))
        );
    }

    #[test]
    fn the_shipped_profiles_load() {
        let rows = shipped_local_authorities().expect("profiles");
        assert_eq!(rows.len(), 391);
        let tw = rows
            .iter()
            .find(|(p, _)| p.name == "Tunbridge Wells")
            .expect("Tunbridge Wells is there");
        assert_eq!(tw.0.level, "district");
        assert!(tw.1.imd_rank.is_some() && tw.1.domain_ranks.contains("income="));
        let (claim, earn) = england_medians();
        assert!(claim.is_some_and(|c| c > 0.0 && c < 20.0) && earn.is_some_and(|e| e > 10_000));
    }

    #[test]
    fn budget_tables_have_the_import_shape() {
        let t = budget_table(&[line("NHS", "health", 2024, 123_456)]);
        assert_eq!(t.headers, BUDGET_COLUMNS);
        assert_eq!(t.rows[0][3], "2024/25");
        assert_eq!(t.rows[0][4], "1234.56");
        assert_eq!(pounds_text(-5), "-0.05");
        assert_eq!(pounds_text(7), "0.07");
    }
}
