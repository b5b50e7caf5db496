//! [`DatasetStore`] for [`SqlStore`]: contacts, projects, and whole datasets in one transaction.

use crate::SqlStore;
use crate::audit::insert_audit;
use crate::budget::insert_budget_batches;
use crate::grants::insert_grant;
use crate::store::fk_or;
use crate::store::{db_err, refusal};
use async_trait::async_trait;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use std::collections::{HashMap, HashSet};
use wholeplace_store::prelude::*;
use wholeplace_store::{
    AuditEvent, Dataset, DatasetBudgetLine, DatasetGrant, DatasetPartnership, DatasetStore,
    GrantChange, ImportCounts, LaProfile, NewBudgetLine, NewPlace, PlaceKey, StoreError,
    StoreResult,
};

pub(crate) type Tx = Transaction<'static, Any>;

pub(crate) fn get<T>(r: &AnyRow, i: usize) -> StoreResult<T>
where
    T: for<'r> sqlx::Decode<'r, Any> + sqlx::Type<Any>,
{
    r.try_get(i).map_err(db_err)
}

pub(crate) fn key(name: String, level: String) -> PlaceKey {
    PlaceKey { name, level }
}

pub(crate) async fn ids_by_name(
    tx: &mut Tx,
    sql: &'static str,
) -> StoreResult<HashMap<String, i64>> {
    let rows = sqlx::query(sql)
        .fetch_all(&mut **tx)
        .await
        .map_err(db_err)?;
    rows.iter()
        .map(|r| Ok((get::<String>(r, 1)?, get::<i64>(r, 0)?)))
        .collect()
}

pub(crate) async fn place_ids(tx: &mut Tx) -> StoreResult<HashMap<PlaceKey, i64>> {
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
pub(crate) fn find<K: std::hash::Hash + Eq + std::fmt::Debug>(
    map: &HashMap<K, i64>,
    k: &K,
) -> StoreResult<i64> {
    map.get(k)
        .copied()
        .ok_or_else(|| StoreError::Backend(format!("dataset refers to a missing record {k:?}")))
}

pub(crate) async fn upsert_place(tx: &mut Tx, p: &NewPlace) -> StoreResult<()> {
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

pub(crate) async fn upsert_profile(
    tx: &mut Tx,
    place_id: i64,
    prof: &LaProfile,
) -> StoreResult<()> {
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

pub(crate) async fn link(tx: &mut Tx, sql: &'static str, a: i64, b: i64) -> StoreResult<()> {
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

pub(crate) async fn change_one(
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
impl DatasetStore for SqlStore {
    async fn mark_demo(&self, at: i64) -> StoreResult<()> {
        sqlx::query("INSERT INTO demo_marker (id, loaded_at) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET loaded_at = excluded.loaded_at")
            .bind(at)
            .execute(self.pool())
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn is_demo(&self) -> StoreResult<bool> {
        let row = sqlx::query("SELECT COUNT(*) FROM demo_marker")
            .fetch_one(self.pool())
            .await
            .map_err(db_err)?;
        Ok(row.try_get::<i64, _>(0).map_err(db_err)? > 0)
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
