//! [`DatasetStore`] for [`SqlStore`]: the whole dataset exported, and imported in one transaction,
//! by natural keys; and the demo marker.

use crate::SqlStore;
use crate::audit::insert_audit;
use crate::budget::insert_budget_batches;
use crate::grants::insert_grant;
use crate::store::db_err;
use crate::store::fk_or;
use async_trait::async_trait;
use sqlx::any::AnyRow;
use sqlx::{Any, AnyPool, Row, Transaction};
use std::collections::{HashMap, HashSet};
use wholeplace_domain::{AgencyId, AgencyKind, ContactId, Money, ProjectId};
use wholeplace_store::prelude::*;
use wholeplace_store::{
    AuditEvent, Contact, Dataset, DatasetBudgetLine, DatasetGrant, DatasetPartnership,
    DatasetStore, GrantChange, ImportCounts, LaProfile, NewBudgetLine, NewPlace, PlaceKey, Project,
    StoreError, StoreResult,
};

pub(crate) type Tx = Transaction<'static, Any>;

pub(crate) fn get<T>(r: &AnyRow, column: &str) -> StoreResult<T>
where
    T: for<'r> sqlx::Decode<'r, Any> + sqlx::Type<Any>,
{
    r.try_get(column).map_err(db_err)
}

pub(crate) fn key(name: String, level: wholeplace_domain::PlaceLevel) -> PlaceKey {
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
        .map(|r| Ok((get::<String>(r, "name")?, get::<i64>(r, "id")?)))
        .collect()
}

pub(crate) async fn place_ids(tx: &mut Tx) -> StoreResult<HashMap<PlaceKey, i64>> {
    let rows = sqlx::query("SELECT id, name, level FROM place")
        .fetch_all(&mut **tx)
        .await
        .map_err(db_err)?;
    rows.iter()
        .map(|r| {
            Ok((
                key(get(r, "name")?, crate::store::vocab(r, "level")?),
                get::<i64>(r, "id")?,
            ))
        })
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

/// [`find`], as the id of the record it names.
fn find_id<K: std::hash::Hash + Eq + std::fmt::Debug, T: wholeplace_domain::RecordId>(
    map: &HashMap<K, i64>,
    k: &K,
) -> StoreResult<T> {
    find(map, k).map(T::from_raw)
}

pub(crate) async fn upsert_place(tx: &mut Tx, p: &NewPlace) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO place (name, level, gss_code, gss_vintage, population, description) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (name, level) DO UPDATE SET gss_code = excluded.gss_code, gss_vintage = excluded.gss_vintage, population = excluded.population, description = excluded.description",
    )
    .bind(p.name.clone())
    .bind(p.level.as_str())
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
    q.bind(l.agency_id.get())
        .bind(l.place_id.get())
        .bind(l.service_area.as_str())
        .bind(i64::from(l.financial_year.start_year()))
        .bind(l.amount.pence())
        .bind(l.spend_kind.clone())
        .bind(l.source.clone())
        .bind(l.confidence.clone())
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
        let row = sqlx::query("SELECT COUNT(*) AS n FROM demo_marker")
            .fetch_one(self.pool())
            .await
            .map_err(db_err)?;
        Ok(row.try_get::<i64, _>("n").map_err(db_err)? > 0)
    }

    async fn export_dataset(&self) -> StoreResult<Dataset> {
        let pool = self.pool();
        let agencies = export_agencies(pool).await?;
        let (places, place_keys) = export_places(pool).await?;
        Ok(Dataset {
            agencies,
            agency_identifiers: export_identifiers(pool).await?,
            places,
            relations: export_relations(pool, &place_keys).await?,
            profiles: export_profiles(pool, &place_keys).await?,
            coverage: export_coverage(pool, &place_keys).await?,
            contacts: self
                .list_contacts()
                .await?
                .into_iter()
                .map(|c| Contact {
                    id: ContactId::new(0),
                    ..c
                })
                .collect(),
            partnerships: export_partnerships(pool, &place_keys).await?,
            projects: self
                .list_projects()
                .await?
                .into_iter()
                .map(|p| Project {
                    id: ProjectId::new(0),
                    ..p
                })
                .collect(),
            budget_lines: export_budget_lines(pool, &place_keys).await?,
            grants: export_grants(pool, &place_keys).await?,
        })
    }

    async fn import_dataset(&self, d: &Dataset, audit: &AuditEvent) -> StoreResult<ImportCounts> {
        let mut tx: Tx = self.begin().await?;
        import_agencies(&mut tx, &d.agencies).await?;
        for p in &d.places {
            upsert_place(&mut tx, p).await?;
        }
        let ids = Ids {
            agencies: ids_by_name(&mut tx, "SELECT id, name FROM agency").await?,
            places: place_ids(&mut tx).await?,
        };
        for (a, list) in &d.agency_identifiers {
            crate::agencies::replace_identifiers(&mut tx, find(&ids.agencies, a)?, list).await?;
        }
        import_relations(&mut tx, &ids, &d.relations).await?;
        for (p, prof) in &d.profiles {
            upsert_profile(&mut tx, find(&ids.places, p)?, prof).await?;
        }
        for (a, p) in &d.coverage {
            link(&mut tx, "INSERT INTO agency_place (agency_id, place_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", find(&ids.agencies, a)?, find(&ids.places, p)?).await?;
        }
        import_contacts(&mut tx, &ids, &d.contacts).await?;
        let partnerships = import_partnerships(&mut tx, &ids, &d.partnerships).await?;
        import_projects(&mut tx, &ids, &partnerships, &d.projects).await?;
        let (lines_written, lines_present) =
            import_budget_lines(&mut tx, &ids, &d.budget_lines).await?;
        let (grants_written, grants_present) = import_grants(&mut tx, &ids, &d.grants).await?;
        let counts = ImportCounts {
            written: vec![
                ("Agencies".into(), d.agencies.len()),
                ("Places".into(), d.places.len()),
                ("Place relations".into(), d.relations.len()),
                ("Local authority profiles".into(), d.profiles.len()),
                ("Coverage".into(), d.coverage.len()),
                ("Contacts".into(), d.contacts.len()),
                ("Partnerships".into(), d.partnerships.len()),
                ("Projects".into(), d.projects.len()),
                ("Budget lines".into(), lines_written),
                ("Grants".into(), grants_written),
            ],
            already_present: lines_present + grants_present,
        };
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(counts)
    }
}

/// Every row a query returns.
async fn all(pool: &AnyPool, sql: &'static str) -> StoreResult<Vec<AnyRow>> {
    sqlx::query(sql).fetch_all(pool).await.map_err(db_err)
}

/// The place with database id `id`, by its natural key.
fn place_key(places: &HashMap<i64, PlaceKey>, id: i64) -> StoreResult<PlaceKey> {
    places
        .get(&id)
        .cloned()
        .ok_or_else(|| StoreError::Backend(format!("place {id} vanished")))
}

/// The names of the rows `(owner_id, name)` that belong to `id`, sorted.
fn names_of(rows: &[AnyRow], id: i64) -> StoreResult<Vec<String>> {
    let mut out = Vec::new();
    for x in rows {
        if get::<i64>(x, "owner_id")? == id {
            out.push(get::<String>(x, "name")?);
        }
    }
    out.sort();
    Ok(out)
}

/// The places of the rows `(owner_id, place_id)` that belong to `id`, sorted.
fn places_of(
    rows: &[AnyRow],
    id: i64,
    places: &HashMap<i64, PlaceKey>,
) -> StoreResult<Vec<PlaceKey>> {
    let mut out = Vec::new();
    for x in rows {
        if get::<i64>(x, "owner_id")? == id {
            out.push(place_key(places, get(x, "place_id")?)?);
        }
    }
    out.sort();
    Ok(out)
}

async fn export_agencies(pool: &AnyPool) -> StoreResult<Vec<(String, AgencyKind)>> {
    let mut out = Vec::new();
    for r in all(pool, "SELECT name, kind FROM agency").await? {
        out.push((get(&r, "name")?, crate::store::vocab(&r, "kind")?));
    }
    out.sort();
    Ok(out)
}

/// Every agency's identifiers, by agency name, agencies in name order.
async fn export_identifiers(
    pool: &AnyPool,
) -> StoreResult<Vec<(String, Vec<wholeplace_domain::OrgIdentifier>)>> {
    let mut out: Vec<(String, Vec<wholeplace_domain::OrgIdentifier>)> = Vec::new();
    for r in all(pool, "SELECT a.name, i.scheme, i.value FROM agency_identifier i JOIN agency a ON a.id = i.agency_id ORDER BY a.name, i.ordinal").await? {
        let name: String = get(&r, "name")?;
        let identifier = crate::agencies::identifier_from_row(&r)?;
        match out.last_mut() {
            Some((last, list)) if *last == name => list.push(identifier),
            _ => out.push((name, vec![identifier])),
        }
    }
    Ok(out)
}

/// The places, and each one's natural key by its database id.
async fn export_places(pool: &AnyPool) -> StoreResult<(Vec<NewPlace>, HashMap<i64, PlaceKey>)> {
    let mut out = Vec::new();
    let mut keys = HashMap::new();
    for r in all(
        pool,
        "SELECT id, name, level, gss_code, gss_vintage, population, description FROM place",
    )
    .await?
    {
        let p = NewPlace {
            name: get(&r, "name")?,
            level: crate::store::vocab(&r, "level")?,
            gss_code: get(&r, "gss_code")?,
            gss_vintage: get(&r, "gss_vintage")?,
            population: get(&r, "population")?,
            description: get(&r, "description")?,
        };
        keys.insert(get(&r, "id")?, key(p.name.clone(), p.level));
        out.push(p);
    }
    out.sort_by(|a, b| (&a.level, &a.name).cmp(&(&b.level, &b.name)));
    Ok((out, keys))
}

async fn export_relations(
    pool: &AnyPool,
    places: &HashMap<i64, PlaceKey>,
) -> StoreResult<Vec<(PlaceKey, PlaceKey, String)>> {
    let mut out = Vec::new();
    for r in all(
        pool,
        "SELECT parent_id, child_id, relation FROM place_relation",
    )
    .await?
    {
        out.push((
            place_key(places, get(&r, "parent_id")?)?,
            place_key(places, get(&r, "child_id")?)?,
            get(&r, "relation")?,
        ));
    }
    out.sort();
    Ok(out)
}

async fn export_profiles(
    pool: &AnyPool,
    places: &HashMap<i64, PlaceKey>,
) -> StoreResult<Vec<(PlaceKey, LaProfile)>> {
    let mut out = Vec::new();
    for r in all(pool, "SELECT place_id, population, population_year, claimant_rate_pct, median_earnings_gbp, imd_rank, imd_total, domain_ranks FROM la_profile").await? {
        out.push((
            place_key(places, get(&r, "place_id")?)?,
            LaProfile {
                population: get(&r, "population")?,
                population_year: get(&r, "population_year")?,
                claimant_rate_pct: get(&r, "claimant_rate_pct")?,
                median_earnings_gbp: get(&r, "median_earnings_gbp")?,
                imd_rank: get(&r, "imd_rank")?,
                imd_total: get(&r, "imd_total")?,
                domain_ranks: get(&r, "domain_ranks")?,
            },
        ));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

async fn export_coverage(
    pool: &AnyPool,
    places: &HashMap<i64, PlaceKey>,
) -> StoreResult<Vec<(String, PlaceKey)>> {
    let mut out = Vec::new();
    for r in all(
        pool,
        "SELECT a.name AS agency, ap.place_id FROM agency_place ap JOIN agency a ON a.id = ap.agency_id",
    )
    .await?
    {
        out.push((get(&r, "agency")?, place_key(places, get(&r, "place_id")?)?));
    }
    out.sort();
    Ok(out)
}

async fn export_partnerships(
    pool: &AnyPool,
    places: &HashMap<i64, PlaceKey>,
) -> StoreResult<Vec<DatasetPartnership>> {
    let members = all(pool, "SELECT pm.partnership_id AS owner_id, a.name FROM partnership_member pm JOIN agency a ON a.id = pm.agency_id").await?;
    let pplaces = all(
        pool,
        "SELECT partnership_id AS owner_id, place_id FROM partnership_place",
    )
    .await?;
    let mut out = Vec::new();
    for r in all(
        pool,
        "SELECT id, name, description, governance FROM partnership",
    )
    .await?
    {
        let id: i64 = get(&r, "id")?;
        out.push(DatasetPartnership {
            name: get(&r, "name")?,
            description: get(&r, "description")?,
            governance: get(&r, "governance")?,
            members: names_of(&members, id)?,
            places: places_of(&pplaces, id, places)?,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

async fn export_budget_lines(
    pool: &AnyPool,
    places: &HashMap<i64, PlaceKey>,
) -> StoreResult<Vec<DatasetBudgetLine>> {
    let mut out = Vec::new();
    for r in all(pool, "SELECT a.name AS agency, b.place_id, b.service_area, b.financial_year, b.amount_pence, b.spend_kind, b.source, b.confidence FROM budget_line b JOIN agency a ON a.id = b.agency_id ORDER BY b.id").await? {
        out.push(DatasetBudgetLine {
            agency: get(&r, "agency")?,
            place: place_key(places, get(&r, "place_id")?)?,
            service_area: crate::store::vocab(&r, "service_area")?,
            financial_year: crate::store::year(&r, "financial_year")?,
            amount: Money::from_pence(get(&r, "amount_pence")?),
            spend_kind: get(&r, "spend_kind")?,
            source: get(&r, "source")?,
            confidence: get(&r, "confidence")?,
        });
    }
    Ok(out)
}

async fn export_grants(
    pool: &AnyPool,
    places: &HashMap<i64, PlaceKey>,
) -> StoreResult<Vec<DatasetGrant>> {
    let recips = all(
        pool,
        "SELECT r.grant_id AS owner_id, a.name FROM grant_recipient r JOIN agency a ON a.id = r.agency_id",
    )
    .await?;
    let gplaces = all(
        pool,
        "SELECT grant_id AS owner_id, place_id FROM grant_place",
    )
    .await?;
    let changes = all(
        pool,
        "SELECT grant_id, from_year, new_amount_pence, reason FROM grant_change ORDER BY id",
    )
    .await?;
    let mut out = Vec::new();
    for r in all(pool, "SELECT g.id, a.name AS funder, g.reference, g.title, g.purpose, g.amount_pence, g.start_year, g.end_year, g.conditions FROM grant_award g JOIN agency a ON a.id = g.funder_agency_id ORDER BY g.id").await? {
        let id: i64 = get(&r, "id")?;
        let mut ch = Vec::new();
        for x in &changes {
            if get::<i64>(x, "grant_id")? == id {
                ch.push(GrantChange {
                    from_year: crate::store::year(x, "from_year")?,
                    new_amount: Money::from_pence(get(x, "new_amount_pence")?),
                    reason: get(x, "reason")?,
                });
            }
        }
        out.push(DatasetGrant {
            funder: get(&r, "funder")?,
            title: get(&r, "title")?,
            reference: get(&r, "reference")?,
            purpose: get(&r, "purpose")?,
            amount: Money::from_pence(get(&r, "amount_pence")?),
            start_year: crate::store::year(&r, "start_year")?,
            end_year: crate::store::year(&r, "end_year")?,
            conditions: get(&r, "conditions")?,
            recipients: names_of(&recips, id)?,
            places: places_of(&gplaces, id, places)?,
            changes: ch,
        });
    }
    Ok(out)
}

/// Database ids by natural key, for an import.
struct Ids {
    agencies: HashMap<String, i64>,
    places: HashMap<PlaceKey, i64>,
}

async fn import_agencies(tx: &mut Tx, agencies: &[(String, AgencyKind)]) -> StoreResult<()> {
    for (name, kind) in agencies {
        sqlx::query("INSERT INTO agency (name, kind) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET kind = excluded.kind")
            .bind(name.clone())
            .bind(kind.as_str())
            .execute(&mut **tx)
            .await
            .map_err(db_err)?;
    }
    Ok(())
}

async fn import_relations(
    tx: &mut Tx,
    ids: &Ids,
    relations: &[(PlaceKey, PlaceKey, String)],
) -> StoreResult<()> {
    for (parent, child, rel) in relations {
        sqlx::query("INSERT INTO place_relation (parent_id, child_id, relation) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(find(&ids.places, parent)?)
            .bind(find(&ids.places, child)?)
            .bind(rel.clone())
            .execute(&mut **tx)
            .await
            .map_err(db_err)?;
    }
    Ok(())
}

async fn import_contacts(tx: &mut Tx, ids: &Ids, contacts: &[Contact]) -> StoreResult<()> {
    for c in contacts {
        sqlx::query(
            "INSERT INTO contact (agency_id, name, role, email, phone) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (agency_id, name) DO UPDATE SET role = excluded.role, email = excluded.email, phone = excluded.phone",
        )
        .bind(find(&ids.agencies, &c.agency)?)
        .bind(c.name.clone())
        .bind(c.role.clone())
        .bind(c.email.clone())
        .bind(c.phone.clone())
        .execute(&mut **tx)
        .await
        .map_err(db_err)?;
    }
    Ok(())
}

/// Writes the partnerships and their members and places; gives every partnership's id by name.
async fn import_partnerships(
    tx: &mut Tx,
    ids: &Ids,
    partnerships: &[DatasetPartnership],
) -> StoreResult<HashMap<String, i64>> {
    for p in partnerships {
        sqlx::query("INSERT INTO partnership (name, description, governance) VALUES ($1, $2, $3) ON CONFLICT (name) DO UPDATE SET description = excluded.description, governance = excluded.governance")
            .bind(p.name.clone())
            .bind(p.description.clone())
            .bind(p.governance.clone())
            .execute(&mut **tx)
            .await
            .map_err(db_err)?;
    }
    let by_name = ids_by_name(tx, "SELECT id, name FROM partnership").await?;
    for p in partnerships {
        let id = find(&by_name, &p.name)?;
        for m in &p.members {
            link(tx, "INSERT INTO partnership_member (partnership_id, agency_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", id, find(&ids.agencies, m)?).await?;
        }
        for pl in &p.places {
            link(tx, "INSERT INTO partnership_place (partnership_id, place_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", id, find(&ids.places, pl)?).await?;
        }
    }
    Ok(by_name)
}

async fn import_projects(
    tx: &mut Tx,
    ids: &Ids,
    partnerships: &HashMap<String, i64>,
    projects: &[Project],
) -> StoreResult<()> {
    for j in projects {
        let place = j.place.as_ref().map(|p| find(&ids.places, p)).transpose()?;
        let lead = j
            .lead_agency
            .as_ref()
            .map(|a| find(&ids.agencies, a))
            .transpose()?;
        sqlx::query(
            "INSERT INTO project (partnership_id, name, place_id, theme, lead_agency_id, aims, start_date, end_date) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (partnership_id, name) DO UPDATE SET place_id = excluded.place_id, theme = excluded.theme, lead_agency_id = excluded.lead_agency_id, \
             aims = excluded.aims, start_date = excluded.start_date, end_date = excluded.end_date",
        )
        .bind(find(partnerships, &j.partnership)?)
        .bind(j.name.clone())
        .bind(place)
        .bind(j.theme.clone())
        .bind(lead)
        .bind(j.aims.clone())
        .bind(j.start_date.clone())
        .bind(j.end_date.clone())
        .execute(&mut **tx)
        .await
        .map_err(db_err)?;
    }
    Ok(())
}

/// Writes the budget lines but those identical to one already stored, which are left alone;
/// gives how many were written and how many left alone.
async fn import_budget_lines(
    tx: &mut Tx,
    ids: &Ids,
    budget_lines: &[DatasetBudgetLine],
) -> StoreResult<(usize, usize)> {
    let mut lines = Vec::with_capacity(budget_lines.len());
    for b in budget_lines {
        lines.push(NewBudgetLine {
            agency_id: find_id(&ids.agencies, &b.agency)?,
            place_id: find_id(&ids.places, &b.place)?,
            service_area: b.service_area,
            financial_year: b.financial_year,
            amount: b.amount,
            spend_kind: b.spend_kind.clone(),
            source: b.source.clone(),
            confidence: b.confidence.clone(),
        });
    }
    let (lines, already) = lines_not_stored(tx, lines).await?;
    insert_budget_batches(tx, &lines).await?;
    Ok((lines.len(), already))
}

/// Writes the grants and their changes but those whose funder already has a grant with the
/// same title, which are left alone; gives how many were written and how many left alone.
async fn import_grants(
    tx: &mut Tx,
    ids: &Ids,
    grants: &[DatasetGrant],
) -> StoreResult<(usize, usize)> {
    let mut have: HashSet<(AgencyId, String)> = HashSet::new();
    for r in sqlx::query("SELECT funder_agency_id, title FROM grant_award")
        .fetch_all(&mut **tx)
        .await
        .map_err(db_err)?
    {
        have.insert((crate::store::id(&r, "funder_agency_id")?, get(&r, "title")?));
    }
    let (mut written, mut already) = (0, 0);
    for g in grants {
        let funder = find_id(&ids.agencies, &g.funder)?;
        if !have.insert((funder, g.title.clone())) {
            already += 1;
            continue;
        }
        let id = insert_grant(
            tx,
            &wholeplace_store::NewGrant {
                funder_agency_id: funder,
                title: g.title.clone(),
                purpose: g.purpose.clone(),
                amount: g.amount,
                start_year: g.start_year,
                end_year: g.end_year,
                conditions: g.conditions.clone(),
                recipient_ids: g
                    .recipients
                    .iter()
                    .map(|a| find_id(&ids.agencies, a))
                    .collect::<StoreResult<_>>()?,
                place_ids: g
                    .places
                    .iter()
                    .map(|p| find_id(&ids.places, p))
                    .collect::<StoreResult<_>>()?,
            },
            Some(g.reference.as_str()).filter(|r| !r.is_empty()),
        )
        .await?;
        for c in &g.changes {
            sqlx::query("INSERT INTO grant_change (grant_id, from_year, new_amount_pence, reason) VALUES ($1, $2, $3, $4)")
                .bind(id.get())
                .bind(i64::from(c.from_year.start_year()))
                .bind(c.new_amount.pence())
                .bind(c.reason.clone())
                .execute(&mut **tx)
                .await
                .map_err(db_err)?;
        }
        written += 1;
    }
    Ok((written, already))
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
        existing.insert((get(&r, "agency_id")?, get(&r, "place_id")?, get(&r, "service_area")?, get(&r, "financial_year")?, get(&r, "amount_pence")?, get(&r, "spend_kind")?, get(&r, "source")?, get(&r, "confidence")?));
    }
    let before = lines.len();
    let fresh: Vec<NewBudgetLine> = lines
        .into_iter()
        .filter(|l| {
            !existing.contains(&(
                l.agency_id.get(),
                l.place_id.get(),
                l.service_area.as_str().to_owned(),
                i64::from(l.financial_year.start_year()),
                l.amount.pence(),
                l.spend_kind.clone(),
                l.source.clone(),
                l.confidence.clone(),
            ))
        })
        .collect();
    let already = before - fresh.len();
    Ok((fresh, already))
}
