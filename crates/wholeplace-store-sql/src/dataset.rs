//! [`PartnerStore`] for [`SqlStore`]: contacts, projects, and whole datasets in one transaction.

use crate::SqlStore;
use crate::places::{fk_or, insert_budget_batches, insert_grant, link_grant};
use crate::store::{db_err, insert_audit, refusal};
use async_trait::async_trait;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use std::collections::{HashMap, HashSet};
use wholeplace_store::{
    AuditEvent, Contact, Dataset, DatasetBudgetLine, DatasetGrant, DatasetPartnership, GrantChange,
    ImportCounts, LaProfile, NewBudgetLine, NewPlace, PartnerStore, PlaceKey, Project, StoreError,
    StoreResult,
};

type Tx = Transaction<'static, Any>;

fn get<T>(r: &AnyRow, i: usize) -> StoreResult<T>
where
    T: for<'r> sqlx::Decode<'r, Any> + sqlx::Type<Any>,
{
    r.try_get(i).map_err(db_err)
}

fn key(name: String, level: String) -> PlaceKey {
    PlaceKey { name, level }
}

const CONTACTS: &str = "SELECT c.id, a.name, c.name, c.role, c.email, c.phone FROM contact c JOIN agency a ON a.id = c.agency_id";
const PROJECTS: &str = "SELECT j.id, pa.name, j.name, pl.name, pl.level, j.theme, a.name, j.aims, j.start_date, j.end_date \
     FROM project j JOIN partnership pa ON pa.id = j.partnership_id LEFT JOIN place pl ON pl.id = j.place_id LEFT JOIN agency a ON a.id = j.lead_agency_id";

fn contact_from_row(r: &AnyRow) -> StoreResult<Contact> {
    Ok(Contact {
        id: get(r, 0)?,
        agency: get(r, 1)?,
        name: get(r, 2)?,
        role: get(r, 3)?,
        email: get(r, 4)?,
        phone: get(r, 5)?,
    })
}

fn project_from_row(r: &AnyRow) -> StoreResult<Project> {
    let place_name: Option<String> = get(r, 3)?;
    let place_level: Option<String> = get(r, 4)?;
    Ok(Project {
        id: get(r, 0)?,
        partnership: get(r, 1)?,
        name: get(r, 2)?,
        place: place_name.zip(place_level).map(|(n, l)| key(n, l)),
        theme: get(r, 5)?,
        lead_agency: get(r, 6)?,
        aims: get(r, 7)?,
        start_date: get(r, 8)?,
        end_date: get(r, 9)?,
    })
}

async fn ids_by_name(tx: &mut Tx, sql: &'static str) -> StoreResult<HashMap<String, i64>> {
    let rows = sqlx::query(sql)
        .fetch_all(&mut **tx)
        .await
        .map_err(db_err)?;
    rows.iter()
        .map(|r| Ok((get::<String>(r, 1)?, get::<i64>(r, 0)?)))
        .collect()
}

async fn place_ids(tx: &mut Tx) -> StoreResult<HashMap<PlaceKey, i64>> {
    let rows = sqlx::query("SELECT id, name, level FROM place")
        .fetch_all(&mut **tx)
        .await
        .map_err(db_err)?;
    rows.iter()
        .map(|r| Ok((key(get(r, 1)?, get(r, 2)?), get::<i64>(r, 0)?)))
        .collect()
}

/// Looks a name up, or says which record is missing (the service checks references first, so
/// this only fires on a race with a concurrent delete).
fn find<K: std::hash::Hash + Eq + std::fmt::Debug>(
    map: &HashMap<K, i64>,
    k: &K,
) -> StoreResult<i64> {
    map.get(k)
        .copied()
        .ok_or_else(|| StoreError::Backend(format!("dataset refers to a missing record {k:?}")))
}

async fn upsert_place(tx: &mut Tx, p: &NewPlace) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO place (name, level, gss_code, gss_vintage, population, description) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (name, level) DO UPDATE SET gss_code = excluded.gss_code, gss_vintage = excluded.gss_vintage, population = excluded.population, description = excluded.description",
    )
    .bind(p.name.clone())
    .bind(p.level.clone())
    .bind(p.gss_code.clone())
    .bind(p.gss_vintage.clone())
    .bind(p.population)
    .bind(p.description.clone())
    .execute(&mut **tx)
    .await
    .map_err(|e| {
        fk_or(
            e,
            &format!(
                "another place with GSS code {}",
                p.gss_code.clone().unwrap_or_default()
            ),
        )
    })?;
    Ok(())
}

async fn upsert_profile(tx: &mut Tx, place_id: i64, prof: &LaProfile) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO la_profile (place_id, population, population_year, claimant_rate_pct, median_earnings_gbp, imd_rank, imd_total, domain_ranks) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (place_id) DO UPDATE SET population = excluded.population, population_year = excluded.population_year, \
         claimant_rate_pct = excluded.claimant_rate_pct, median_earnings_gbp = excluded.median_earnings_gbp, imd_rank = excluded.imd_rank, imd_total = excluded.imd_total, domain_ranks = excluded.domain_ranks",
    )
    .bind(place_id)
    .bind(prof.population)
    .bind(prof.population_year)
    .bind(prof.claimant_rate_pct)
    .bind(prof.median_earnings_gbp)
    .bind(prof.imd_rank)
    .bind(prof.imd_total)
    .bind(prof.domain_ranks.clone())
    .execute(&mut **tx)
    .await
    .map_err(db_err)?;
    Ok(())
}

async fn link(tx: &mut Tx, sql: &'static str, a: i64, b: i64) -> StoreResult<()> {
    sqlx::query(sql)
        .bind(a)
        .bind(b)
        .execute(&mut **tx)
        .await
        .map_err(db_err)?;
    Ok(())
}

/// Runs one UPDATE or DELETE by id with its audit entry: `NotFound` when no row matched, and
/// `Conflict(in_use)` when other records still refer to it.
/// Binds a budget line's eight columns, in the order agency, place, service area, year, amount,
/// spend kind, source, confidence (`$1` to `$8`).
pub(crate) fn bind_line(
    q: sqlx::query::Query<'static, Any, sqlx::any::AnyArguments>,
    l: &NewBudgetLine,
) -> sqlx::query::Query<'static, Any, sqlx::any::AnyArguments> {
    q.bind(l.agency_id)
        .bind(l.place_id)
        .bind(l.service_area.clone())
        .bind(i64::from(l.financial_year))
        .bind(l.amount_pence)
        .bind(l.spend_kind.clone())
        .bind(l.source.clone())
        .bind(l.confidence.clone())
}

async fn change_one(
    store: &SqlStore,
    q: sqlx::query::Query<'static, Any, sqlx::any::AnyArguments>,
    in_use: &str,
    audit: &AuditEvent,
) -> StoreResult<()> {
    let mut tx = store.begin().await?;
    let done = q.execute(&mut *tx).await.map_err(|e| match refusal(&e) {
        Some(_) => StoreError::Conflict(in_use.to_owned()),
        None => db_err(e),
    })?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    insert_audit(&mut tx, audit).await?;
    tx.commit().await.map_err(db_err)
}

#[async_trait]
impl PartnerStore for SqlStore {
    async fn update_place(&self, id: i64, p: &NewPlace, audit: &AuditEvent) -> StoreResult<()> {
        let q = sqlx::query("UPDATE place SET name = $1, level = $2, gss_code = $3, gss_vintage = $4, population = $5, description = $6 WHERE id = $7")
            .bind(p.name.clone())
            .bind(p.level.clone())
            .bind(p.gss_code.clone())
            .bind(p.gss_vintage.clone())
            .bind(p.population)
            .bind(p.description.clone())
            .bind(id);
        change_one(
            self,
            q,
            "a place with that name and level, or that GSS code,",
            audit,
        )
        .await
    }

    async fn delete_place(&self, id: i64, audit: &AuditEvent) -> StoreResult<()> {
        let q = sqlx::query("DELETE FROM place WHERE id = $1").bind(id);
        change_one(
            self,
            q,
            "budget lines, grants, partnerships or projects that use this place",
            audit,
        )
        .await
    }

    async fn update_agency(
        &self,
        id: i64,
        name: &str,
        kind: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let q = sqlx::query("UPDATE agency SET name = $1, kind = $2 WHERE id = $3")
            .bind(name.to_owned())
            .bind(kind.to_owned())
            .bind(id);
        change_one(self, q, &format!("an agency called '{name}'"), audit).await
    }

    async fn delete_agency(&self, id: i64, audit: &AuditEvent) -> StoreResult<()> {
        let q = sqlx::query("DELETE FROM agency WHERE id = $1").bind(id);
        change_one(
            self,
            q,
            "users, budget lines, grants, partnerships or projects that use this agency",
            audit,
        )
        .await
    }

    async fn budget_line_by_id(
        &self,
        id: i64,
    ) -> StoreResult<Option<wholeplace_store::BudgetLine>> {
        let lines = self.all_budget_lines_where(id).await?;
        Ok(lines.into_iter().next())
    }

    async fn update_budget_line(
        &self,
        id: i64,
        l: &NewBudgetLine,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let q = bind_line(sqlx::query("UPDATE budget_line SET agency_id = $1, place_id = $2, service_area = $3, financial_year = $4, amount_pence = $5, spend_kind = $6, source = $7, confidence = $8 WHERE id = $9"), l)
            .bind(id);
        change_one(self, q, "that budget line", audit).await
    }

    async fn update_grant(
        &self,
        id: i64,
        g: &wholeplace_store::NewGrant,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx: Tx = self.begin().await?;
        let done = sqlx::query("UPDATE grant_award SET funder_agency_id = $1, title = $2, purpose = $3, amount_pence = $4, start_year = $5, end_year = $6, conditions = $7 WHERE id = $8")
            .bind(g.funder_agency_id)
            .bind(g.title.clone())
            .bind(g.purpose.clone())
            .bind(g.amount_pence)
            .bind(i64::from(g.start_year))
            .bind(i64::from(g.end_year))
            .bind(g.conditions.clone())
            .bind(id)
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
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        link_grant(&mut tx, id, &g.recipient_ids, &g.place_ids).await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn update_partnership(
        &self,
        id: i64,
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
        .bind(id)
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
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        for a in member_ids {
            link(&mut tx, "INSERT INTO partnership_member (partnership_id, agency_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", id, *a).await?;
        }
        for p in place_ids {
            link(&mut tx, "INSERT INTO partnership_place (partnership_id, place_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", id, *p).await?;
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn delete_grant(&self, id: i64, audit: &AuditEvent) -> StoreResult<()> {
        let q = sqlx::query("DELETE FROM grant_award WHERE id = $1").bind(id);
        change_one(self, q, "records that use this grant", audit).await
    }

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
        agency_id: i64,
        c: &Contact,
        audit: &AuditEvent,
    ) -> StoreResult<i64> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "INSERT INTO contact (agency_id, name, role, email, phone) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(agency_id)
        .bind(c.name.clone())
        .bind(c.role.clone())
        .bind(c.email.clone())
        .bind(c.phone.clone())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| fk_or(e, &format!("a contact called '{}' at that agency", c.name)))?;
        let id: i64 = get(&row, 0)?;
        let mut ev = audit.clone();
        ev.record_id = Some(id.to_string());
        insert_audit(&mut tx, &ev).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(id)
    }

    async fn delete_contact(&self, id: i64, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("DELETE FROM contact WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn list_projects(&self) -> StoreResult<Vec<Project>> {
        let mut v: Vec<Project> = sqlx::query(PROJECTS)
            .fetch_all(self.pool())
            .await
            .map_err(db_err)?
            .iter()
            .map(project_from_row)
            .collect::<StoreResult<_>>()?;
        v.sort_by(|a, b| (&a.partnership, &a.name).cmp(&(&b.partnership, &b.name)));
        Ok(v)
    }

    async fn create_project(
        &self,
        partnership_id: i64,
        place_id: Option<i64>,
        lead_agency_id: Option<i64>,
        p: &Project,
        audit: &AuditEvent,
    ) -> StoreResult<i64> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "INSERT INTO project (partnership_id, name, place_id, theme, lead_agency_id, aims, start_date, end_date) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(partnership_id)
        .bind(p.name.clone())
        .bind(place_id)
        .bind(p.theme.clone())
        .bind(lead_agency_id)
        .bind(p.aims.clone())
        .bind(p.start_date.clone())
        .bind(p.end_date.clone())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| fk_or(e, &format!("a project called '{}' in that partnership", p.name)))?;
        let id: i64 = get(&row, 0)?;
        let mut ev = audit.clone();
        ev.record_id = Some(id.to_string());
        insert_audit(&mut tx, &ev).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(id)
    }

    async fn export_dataset(&self) -> StoreResult<Dataset> {
        let pool = self.pool();
        let all = |sql: &'static str| async move {
            sqlx::query(sql).fetch_all(pool).await.map_err(db_err)
        };
        let mut d = Dataset::default();
        for r in all("SELECT name, kind FROM agency").await? {
            d.agencies.push((get(&r, 0)?, get(&r, 1)?));
        }
        d.agencies.sort();
        let mut places: HashMap<i64, PlaceKey> = HashMap::new();
        for r in
            all("SELECT id, name, level, gss_code, gss_vintage, population, description FROM place")
                .await?
        {
            let p = NewPlace {
                name: get(&r, 1)?,
                level: get(&r, 2)?,
                gss_code: get(&r, 3)?,
                gss_vintage: get(&r, 4)?,
                population: get(&r, 5)?,
                description: get(&r, 6)?,
            };
            places.insert(get(&r, 0)?, key(p.name.clone(), p.level.clone()));
            d.places.push(p);
        }
        d.places
            .sort_by(|a, b| (&a.level, &a.name).cmp(&(&b.level, &b.name)));
        let place = |id: i64| -> StoreResult<PlaceKey> {
            places
                .get(&id)
                .cloned()
                .ok_or_else(|| StoreError::Backend(format!("place {id} vanished")))
        };
        for r in all("SELECT parent_id, child_id, relation FROM place_relation").await? {
            d.relations
                .push((place(get(&r, 0)?)?, place(get(&r, 1)?)?, get(&r, 2)?));
        }
        d.relations.sort();
        for r in all("SELECT place_id, population, population_year, claimant_rate_pct, median_earnings_gbp, imd_rank, imd_total, domain_ranks FROM la_profile").await? {
            d.profiles.push((
                place(get(&r, 0)?)?,
                LaProfile {
                    population: get(&r, 1)?,
                    population_year: get(&r, 2)?,
                    claimant_rate_pct: get(&r, 3)?,
                    median_earnings_gbp: get(&r, 4)?,
                    imd_rank: get(&r, 5)?,
                    imd_total: get(&r, 6)?,
                    domain_ranks: get(&r, 7)?,
                },
            ));
        }
        d.profiles.sort_by(|a, b| a.0.cmp(&b.0));
        for r in all(
            "SELECT a.name, ap.place_id FROM agency_place ap JOIN agency a ON a.id = ap.agency_id",
        )
        .await?
        {
            d.coverage.push((get(&r, 0)?, place(get(&r, 1)?)?));
        }
        d.coverage.sort();
        d.contacts = self.list_contacts().await?;
        let members = all("SELECT pm.partnership_id, a.name FROM partnership_member pm JOIN agency a ON a.id = pm.agency_id").await?;
        let pplaces = all("SELECT partnership_id, place_id FROM partnership_place").await?;
        for r in all("SELECT id, name, description, governance FROM partnership").await? {
            let id: i64 = get(&r, 0)?;
            let mut m = Vec::new();
            for x in &members {
                if get::<i64>(x, 0)? == id {
                    m.push(get::<String>(x, 1)?);
                }
            }
            m.sort();
            let mut pl = Vec::new();
            for x in &pplaces {
                if get::<i64>(x, 0)? == id {
                    pl.push(place(get(x, 1)?)?);
                }
            }
            pl.sort();
            d.partnerships.push(DatasetPartnership {
                name: get(&r, 1)?,
                description: get(&r, 2)?,
                governance: get(&r, 3)?,
                members: m,
                places: pl,
            });
        }
        d.partnerships.sort_by(|a, b| a.name.cmp(&b.name));
        d.projects = self.list_projects().await?;
        for p in &mut d.projects {
            p.id = 0;
        }
        for c in &mut d.contacts {
            c.id = 0;
        }
        for r in all("SELECT a.name, b.place_id, b.service_area, b.financial_year, b.amount_pence, b.spend_kind, b.source, b.confidence FROM budget_line b JOIN agency a ON a.id = b.agency_id ORDER BY b.id").await? {
            d.budget_lines.push(DatasetBudgetLine {
                agency: get(&r, 0)?,
                place: place(get(&r, 1)?)?,
                service_area: get(&r, 2)?,
                financial_year: i32::try_from(get::<i64>(&r, 3)?)
                    .map_err(|e| StoreError::Backend(e.to_string()))?,
                amount_pence: get(&r, 4)?,
                spend_kind: get(&r, 5)?,
                source: get(&r, 6)?,
                confidence: get(&r, 7)?,
            });
        }
        let recips = all(
            "SELECT r.grant_id, a.name FROM grant_recipient r JOIN agency a ON a.id = r.agency_id",
        )
        .await?;
        let gplaces = all("SELECT grant_id, place_id FROM grant_place").await?;
        let changes = all(
            "SELECT grant_id, from_year, new_amount_pence, reason FROM grant_change ORDER BY id",
        )
        .await?;
        let year = |r: &AnyRow, i: usize| -> StoreResult<i32> {
            i32::try_from(get::<i64>(r, i)?).map_err(|e| StoreError::Backend(e.to_string()))
        };
        for r in all("SELECT g.id, a.name, g.title, g.purpose, g.amount_pence, g.start_year, g.end_year, g.conditions FROM grant_award g JOIN agency a ON a.id = g.funder_agency_id ORDER BY g.id").await? {
            let id: i64 = get(&r, 0)?;
            let mut rec = Vec::new();
            for x in &recips {
                if get::<i64>(x, 0)? == id {
                    rec.push(get::<String>(x, 1)?);
                }
            }
            rec.sort();
            let mut pl = Vec::new();
            for x in &gplaces {
                if get::<i64>(x, 0)? == id {
                    pl.push(place(get(x, 1)?)?);
                }
            }
            pl.sort();
            let mut ch = Vec::new();
            for x in &changes {
                if get::<i64>(x, 0)? == id {
                    ch.push(GrantChange {
                        from_year: year(x, 1)?,
                        new_amount_pence: get(x, 2)?,
                        reason: get(x, 3)?,
                    });
                }
            }
            d.grants.push(DatasetGrant {
                funder: get(&r, 1)?,
                title: get(&r, 2)?,
                purpose: get(&r, 3)?,
                amount_pence: get(&r, 4)?,
                start_year: year(&r, 5)?,
                end_year: year(&r, 6)?,
                conditions: get(&r, 7)?,
                recipients: rec,
                places: pl,
                changes: ch,
            });
        }
        Ok(d)
    }

    async fn import_dataset(&self, d: &Dataset, audit: &AuditEvent) -> StoreResult<ImportCounts> {
        let mut tx: Tx = self.begin().await?;
        let mut counts = ImportCounts::default();
        for (name, kind) in &d.agencies {
            sqlx::query("INSERT INTO agency (name, kind) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET kind = excluded.kind")
                .bind(name.clone())
                .bind(kind.clone())
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        for p in &d.places {
            upsert_place(&mut tx, p).await?;
        }
        let agencies = ids_by_name(&mut tx, "SELECT id, name FROM agency").await?;
        let places = place_ids(&mut tx).await?;
        for (parent, child, rel) in &d.relations {
            sqlx::query("INSERT INTO place_relation (parent_id, child_id, relation) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                .bind(find(&places, parent)?)
                .bind(find(&places, child)?)
                .bind(rel.clone())
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        for (p, prof) in &d.profiles {
            upsert_profile(&mut tx, find(&places, p)?, prof).await?;
        }
        for (a, p) in &d.coverage {
            link(&mut tx, "INSERT INTO agency_place (agency_id, place_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", find(&agencies, a)?, find(&places, p)?).await?;
        }
        for c in &d.contacts {
            sqlx::query(
                "INSERT INTO contact (agency_id, name, role, email, phone) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (agency_id, name) DO UPDATE SET role = excluded.role, email = excluded.email, phone = excluded.phone",
            )
            .bind(find(&agencies, &c.agency)?)
            .bind(c.name.clone())
            .bind(c.role.clone())
            .bind(c.email.clone())
            .bind(c.phone.clone())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        }
        for p in &d.partnerships {
            sqlx::query("INSERT INTO partnership (name, description, governance) VALUES ($1, $2, $3) ON CONFLICT (name) DO UPDATE SET description = excluded.description, governance = excluded.governance")
                .bind(p.name.clone())
                .bind(p.description.clone())
                .bind(p.governance.clone())
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        let partnerships = ids_by_name(&mut tx, "SELECT id, name FROM partnership").await?;
        for p in &d.partnerships {
            let id = find(&partnerships, &p.name)?;
            for m in &p.members {
                link(&mut tx, "INSERT INTO partnership_member (partnership_id, agency_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", id, find(&agencies, m)?).await?;
            }
            for pl in &p.places {
                link(&mut tx, "INSERT INTO partnership_place (partnership_id, place_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", id, find(&places, pl)?).await?;
            }
        }
        for j in &d.projects {
            let place = j.place.as_ref().map(|p| find(&places, p)).transpose()?;
            let lead = j
                .lead_agency
                .as_ref()
                .map(|a| find(&agencies, a))
                .transpose()?;
            sqlx::query(
                "INSERT INTO project (partnership_id, name, place_id, theme, lead_agency_id, aims, start_date, end_date) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (partnership_id, name) DO UPDATE SET place_id = excluded.place_id, theme = excluded.theme, lead_agency_id = excluded.lead_agency_id, \
                 aims = excluded.aims, start_date = excluded.start_date, end_date = excluded.end_date",
            )
            .bind(find(&partnerships, &j.partnership)?)
            .bind(j.name.clone())
            .bind(place)
            .bind(j.theme.clone())
            .bind(lead)
            .bind(j.aims.clone())
            .bind(j.start_date.clone())
            .bind(j.end_date.clone())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        }

        // Budget lines: those identical to one already stored are left alone.
        let mut lines = Vec::with_capacity(d.budget_lines.len());
        for b in &d.budget_lines {
            lines.push(NewBudgetLine {
                agency_id: find(&agencies, &b.agency)?,
                place_id: find(&places, &b.place)?,
                service_area: b.service_area.clone(),
                financial_year: b.financial_year,
                amount_pence: b.amount_pence,
                spend_kind: b.spend_kind.clone(),
                source: b.source.clone(),
                confidence: b.confidence.clone(),
            });
        }
        let (lines, already) = lines_not_stored(&mut tx, lines).await?;
        counts.already_present += already;
        insert_budget_batches(&mut tx, &lines).await?;

        // Grants: one with the same funder and title is already there and left alone.
        let mut have: HashSet<(i64, String)> = HashSet::new();
        for r in sqlx::query("SELECT funder_agency_id, title FROM grant_award")
            .fetch_all(&mut *tx)
            .await
            .map_err(db_err)?
        {
            have.insert((get(&r, 0)?, get(&r, 1)?));
        }
        let mut grants_written = 0;
        for g in &d.grants {
            let funder = find(&agencies, &g.funder)?;
            if !have.insert((funder, g.title.clone())) {
                counts.already_present += 1;
                continue;
            }
            let id = insert_grant(
                &mut tx,
                &wholeplace_store::NewGrant {
                    funder_agency_id: funder,
                    title: g.title.clone(),
                    purpose: g.purpose.clone(),
                    amount_pence: g.amount_pence,
                    start_year: g.start_year,
                    end_year: g.end_year,
                    conditions: g.conditions.clone(),
                    recipient_ids: g
                        .recipients
                        .iter()
                        .map(|a| find(&agencies, a))
                        .collect::<StoreResult<_>>()?,
                    place_ids: g
                        .places
                        .iter()
                        .map(|p| find(&places, p))
                        .collect::<StoreResult<_>>()?,
                },
            )
            .await?;
            for c in &g.changes {
                sqlx::query("INSERT INTO grant_change (grant_id, from_year, new_amount_pence, reason) VALUES ($1, $2, $3, $4)")
                    .bind(id)
                    .bind(i64::from(c.from_year))
                    .bind(c.new_amount_pence)
                    .bind(c.reason.clone())
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
            }
            grants_written += 1;
        }
        counts.written = vec![
            ("Agencies".into(), d.agencies.len()),
            ("Places".into(), d.places.len()),
            ("Place relations".into(), d.relations.len()),
            ("Local authority profiles".into(), d.profiles.len()),
            ("Coverage".into(), d.coverage.len()),
            ("Contacts".into(), d.contacts.len()),
            ("Partnerships".into(), d.partnerships.len()),
            ("Projects".into(), d.projects.len()),
            ("Budget lines".into(), lines.len()),
            ("Grants".into(), grants_written),
        ];
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(counts)
    }
}

/// The budget lines not identical to one already stored (every column alike), and how many were.
/// Two identical lines in one batch are both kept: a file may list the same spend twice.
pub(crate) async fn lines_not_stored(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    lines: Vec<NewBudgetLine>,
) -> StoreResult<(Vec<NewBudgetLine>, usize)> {
    type LineKey = (i64, i64, String, i64, i64, String, String, String);
    let mut existing: HashSet<LineKey> = HashSet::new();
    for r in sqlx::query("SELECT agency_id, place_id, service_area, financial_year, amount_pence, spend_kind, source, confidence FROM budget_line")
        .fetch_all(&mut **tx)
        .await
        .map_err(db_err)?
    {
        existing.insert((get(&r, 0)?, get(&r, 1)?, get(&r, 2)?, get(&r, 3)?, get(&r, 4)?, get(&r, 5)?, get(&r, 6)?, get(&r, 7)?));
    }
    let before = lines.len();
    let fresh: Vec<NewBudgetLine> = lines
        .into_iter()
        .filter(|l| {
            !existing.contains(&(
                l.agency_id,
                l.place_id,
                l.service_area.clone(),
                i64::from(l.financial_year),
                l.amount_pence,
                l.spend_kind.clone(),
                l.source.clone(),
                l.confidence.clone(),
            ))
        })
        .collect();
    let already = before - fresh.len();
    Ok((fresh, already))
}
