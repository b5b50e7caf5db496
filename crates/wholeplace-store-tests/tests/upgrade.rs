//! Upgrading a SQLite database that holds records to migration 0006 (ids never reused): the
//! tables are rebuilt with AUTOINCREMENT and every row, link, index and trigger survives.

use sqlx::Row;
use wholeplace_store::AuditEvent;
use wholeplace_store::prelude::*;

#[tokio::test]
async fn an_sqlite_database_with_records_upgrades_to_ids_never_reused() {
    sqlx::any::install_default_drivers();
    let dir = tempfile::tempdir().expect("temporary folder");
    let url = wholeplace_store_sql::sqlite_url_for_path(&dir.path().join("old.db"));
    {
        // A database as migrations 1 to 4 left it, with records, the newest agency deleted.
        let pool = sqlx::AnyPool::connect(&url).await.expect("create");
        sqlx::raw_sql("PRAGMA foreign_keys = ON; CREATE TABLE schema_migration (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)")
            .execute(&pool)
            .await
            .expect("schema_migration");
        for m in wholeplace_store_sql::MIGRATIONS_SQLITE
            .iter()
            .filter(|m| m.version <= 4)
        {
            sqlx::raw_sql(m.sql).execute(&pool).await.expect(m.name);
            sqlx::query("INSERT INTO schema_migration VALUES ($1, $2, 0)")
                .bind(m.version)
                .bind(m.name)
                .execute(&pool)
                .await
                .expect("record");
        }
        sqlx::raw_sql(
            "INSERT INTO agency (id, name, kind) VALUES (1, 'Kent County Council', 'county_council'), (2, 'Gone', 'police');
             INSERT INTO place (id, name, level) VALUES (1, 'Sherwood', 'ward');
             INSERT INTO budget_line (agency_id, place_id, service_area, financial_year, amount_pence, spend_kind) VALUES (1, 1, 'health', 2024, 700, 'revenue');
             INSERT INTO contact (agency_id, name) VALUES (1, 'Sam');
             INSERT INTO audit_log (at, actor, action, record_type, address, allowed, detail) VALUES (1, 'op', 'agency.create', 'agency', '', 1, '');
             DELETE FROM agency WHERE id = 2;",
        )
        .execute(&pool)
        .await
        .expect("records");
        pool.close().await;
    }
    let store = wholeplace_store_sql::open(&url, &wholeplace_store_sql::OpenOptions::default())
        .await
        .expect("open migrates");
    let lines = store
        .budget_lines_for_place(wholeplace_domain::PlaceId::new(1), None)
        .await
        .expect("lines");
    assert_eq!(
        (
            lines.len(),
            lines[0].agency_name.as_str(),
            lines[0].amount.pence()
        ),
        (1, "Kent County Council", 700)
    );
    let pool = store.pool();
    let broken = sqlx::query("PRAGMA foreign_key_check")
        .fetch_all(pool)
        .await
        .expect("check");
    assert!(broken.is_empty(), "every link survives");
    let fk_on: i64 = sqlx::query("PRAGMA foreign_keys")
        .fetch_one(pool)
        .await
        .expect("pragma")
        .get(0);
    assert_eq!(fk_on, 1, "foreign keys are on again");
    for t in wholeplace_store_sql::AUTOINCREMENT_TABLES {
        let sql: String = sqlx::query("SELECT sql FROM sqlite_schema WHERE name = $1")
            .bind(*t)
            .fetch_one(pool)
            .await
            .expect("table")
            .get(0);
        assert!(sql.contains("AUTOINCREMENT"), "{t}: {sql}");
    }
    let indexes: i64 = sqlx::query(
        "SELECT COUNT(*) FROM sqlite_schema WHERE name IN ('budget_line_place', 'place_gss', 'audit_log_no_update')",
    )
    .fetch_one(pool)
    .await
    .expect("indexes")
    .get(0);
    assert_eq!(indexes, 3, "indexes and triggers are kept");
    let ev = AuditEvent {
        at: 2,
        actor_user_id: None,
        actor: "op".into(),
        action: "agency.create".into(),
        record_type: "agency".into(),
        record_id: None,
        address: String::new(),
        allowed: true,
        detail: String::new(),
    };
    let new = store
        .create_agency("Next", key("police"), &ev)
        .await
        .expect("agency");
    store.delete_agency(new, &ev).await.expect("delete");
    let after = store
        .create_agency("After", key("police"), &ev)
        .await
        .expect("agency");
    assert!(after > new, "no id given twice after the upgrade");
}

/// A vocabulary key (place level, agency kind, service area) for a test's records.
fn key<T: std::str::FromStr>(text: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    text.parse().expect("a key of its vocabulary")
}
