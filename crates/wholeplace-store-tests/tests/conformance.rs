//! The storage port's conformance suite. Every case runs on SQLite, and on PostgreSQL when
//! `WHOLEPLACE_TEST_POSTGRES_URL` names a server (always in CI).

use wholeplace_domain::Role;
use wholeplace_domain::*;
use wholeplace_store::audit_chain::{ChainBreak, verify_chain};
use wholeplace_store::prelude::*;
use wholeplace_store::{
    AppraisalStore, AuditEvent, AuditFilter, GrantChange, LaProfile, NewAppraisal, NewBudgetLine,
    NewGrant, NewPlace, NewUser, PlaceStore, Session, Store, StoreError,
};
use wholeplace_store::{
    Channel, Instrument, Ons4Published, Scale, ScaleReading, StarReading, Subject, Survey,
    SurveyResponse, SurveyRound, WellbeingReading, WemwbsRegistration,
};
use wholeplace_store::{CorrectionKind, CorrectionState, NewCorrection};
use wholeplace_store::{DisposalRecord, NeedTerm, NewCohort, NewRetentionRule};
use wholeplace_store::{
    FamilyEvent, FormerAddress, Handover, NewAgreement, NewConsent, NewHousehold, NewInvolvement,
    NewPerson, Participation, SharingRefusal,
};
use wholeplace_store::{Indicator, IndicatorValue, Target};
use wholeplace_store::{
    LinkResult, LinkedPerson, NewExtract, NewReviewItem, ReviewStatus, RunCounts, RunState,
    StagedRecord, StagedValues,
};
use wholeplace_store_sql::{Backend, SqlStore};

wholeplace_store_tests::both_backends!(
    store:
    migrations_are_idempotent,
    users_round_trip_with_their_agencies,
    a_failed_write_leaves_nothing_behind,
    sessions_expire_and_end_with_password_change,
    disabling_ends_sessions_and_revokes_tokens,
    api_tokens_work_until_revoked,
    login_failures_are_counted_and_cleared,
    audit_is_filtered_and_append_only,
    audit_chain_verifies_and_names_an_entry_changed_in_the_database,
    audit_log_refuses_replace_and_truncate,
    audit_appends_from_concurrent_writers_form_one_chain,
    api_tokens_stop_at_their_expiry,
    overview_counts,
    places_budgets_grants_and_partnerships,
    appraisals_are_stored_per_partnership,
    a_dataset_round_trips_in_one_transaction,
    ids_are_never_reused_after_a_delete,
    sums_of_the_largest_amounts_never_overflow,
    every_record_changes_and_reads_back,
    families_agreements_and_emergency_access_round_trip,
    a_familys_records_keep_their_history,
    retention_rules_holds_and_disposal_round_trip,
    need_terms_relabel_and_add,
    cohorts_round_trip_with_their_weights_and_candidates,
    extracts_link_into_people_households_and_a_review_queue,
    people_merge_split_and_undo_with_their_lineage,
    indicators_figures_and_targets_round_trip,
    snapshots_keep_the_forecast_and_the_outcomes_achieved,
    scales_readings_wellbeing_and_star_readings_round_trip,
    surveys_rounds_and_responses_round_trip,
);

fn ev(action: &str, at: i64) -> AuditEvent {
    AuditEvent {
        at,
        actor_user_id: None,
        actor: "tester".to_owned(),
        action: action.to_owned(),
        record_type: "user".to_owned(),
        record_id: None,
        address: "127.0.0.1".to_owned(),
        allowed: true,
        detail: String::new(),
    }
}

async fn agency(store: &SqlStore, name: &str) -> AgencyId {
    store
        .create_agency(name, key("county_council"), &ev("agency.create", 1))
        .await
        .expect("agency")
}

async fn user(store: &SqlStore, name: &str, agencies: Vec<AgencyId>) -> UserId {
    let new = NewUser {
        username: name.to_owned(),
        display_name: format!("{name} display"),
        role: Role::Analyst,
        password_hash: "$argon2id$fake".to_owned(),
        must_change_password: true,
        agency_ids: agencies,
    };
    store
        .create_user(&new, &ev("user.create", 2))
        .await
        .expect("user")
}

fn session(hash: &str, user_id: UserId, expires_at: i64) -> Session {
    Session {
        token_hash: hash.to_owned(),
        user_id,
        csrf_token: format!("csrf-{hash}"),
        created_at: 10,
        expires_at,
        last_seen_at: 10,
    }
}

async fn audit_count(store: &SqlStore) -> i64 {
    store
        .list_audit(&AuditFilter {
            limit: 1,
            ..Default::default()
        })
        .await
        .expect("audit")
        .1
}

async fn migrations_are_idempotent(store: &SqlStore) {
    assert!(
        store.migrate().await.expect("second migrate").is_empty(),
        "nothing left to apply"
    );
    store.ping().await.expect("ping");
    assert_eq!(store.integrity_check().await.expect("check"), "ok");
}

async fn users_round_trip_with_their_agencies(store: &SqlStore) {
    let a = agency(store, "Kent County Council").await;
    let b = agency(store, "Tunbridge Wells Borough Council").await;
    let id = user(store, "amy", vec![a, b]).await;
    let u = store.get_user(id).await.expect("read").expect("exists");
    assert_eq!(u.username, "amy");
    assert_eq!(u.role, Role::Analyst);
    assert!(u.must_change_password && !u.disabled);
    let names: Vec<_> = u.agencies.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        names,
        ["Kent County Council", "Tunbridge Wells Borough Council"]
    );
    assert_eq!(
        store
            .user_by_username("amy")
            .await
            .expect("read")
            .map(|u| u.id),
        Some(id)
    );
    assert!(
        store
            .user_by_username("nobody")
            .await
            .expect("read")
            .is_none()
    );
    let dup = NewUser {
        username: "amy".to_owned(),
        display_name: "x".to_owned(),
        role: Role::Viewer,
        password_hash: "h".to_owned(),
        must_change_password: false,
        agency_ids: vec![a],
    };
    assert!(matches!(
        store.create_user(&dup, &ev("user.create", 3)).await,
        Err(StoreError::Conflict(_))
    ));
    store
        .update_user(id, "Amy B", Role::Viewer, &[b], &ev("user.update", 4))
        .await
        .expect("update");
    let u = store.get_user(id).await.expect("read").expect("exists");
    assert_eq!(
        (u.display_name.as_str(), u.role, u.agencies.len()),
        ("Amy B", Role::Viewer, 1)
    );
    assert_eq!(store.list_users().await.expect("list").len(), 1);
}

async fn a_failed_write_leaves_nothing_behind(store: &SqlStore) {
    let before = audit_count(store).await;
    let new = NewUser {
        username: "ghost".to_owned(),
        display_name: "Ghost".to_owned(),
        role: Role::Viewer,
        password_hash: "h".to_owned(),
        must_change_password: false,
        agency_ids: vec![AgencyId::new(9_999)],
    };
    assert!(
        store
            .create_user(&new, &ev("user.create", 5))
            .await
            .is_err(),
        "unknown agency refused"
    );
    assert!(
        store
            .user_by_username("ghost")
            .await
            .expect("read")
            .is_none(),
        "no half-made user"
    );
    assert_eq!(
        audit_count(store).await,
        before,
        "no audit entry for a write that did not happen"
    );
}

async fn sessions_expire_and_end_with_password_change(store: &SqlStore) {
    let a = agency(store, "NHS Kent").await;
    let id = user(store, "ben", vec![a]).await;
    store
        .create_session(&session("s1", id, 100), &ev("session.sign_in", 10))
        .await
        .expect("s1");
    store
        .create_session(&session("s2", id, 100), &ev("session.sign_in", 10))
        .await
        .expect("s2");
    let (s, u) = store
        .session_with_user("s1", 50)
        .await
        .expect("read")
        .expect("live");
    assert_eq!((s.csrf_token.as_str(), u.id), ("csrf-s1", id));
    assert!(
        store
            .session_with_user("s1", 100)
            .await
            .expect("read")
            .is_none(),
        "expired at its end time"
    );
    store.touch_session("s1", 60).await.expect("touch");
    assert_eq!(
        store
            .session_with_user("s1", 61)
            .await
            .expect("read")
            .expect("live")
            .0
            .last_seen_at,
        60
    );
    store
        .set_password(
            id,
            "new-hash",
            false,
            Some("s1"),
            &ev("user.change_password", 20),
        )
        .await
        .expect("password");
    assert!(
        store
            .session_with_user("s1", 50)
            .await
            .expect("read")
            .is_some(),
        "the changing session stays"
    );
    assert!(
        store
            .session_with_user("s2", 50)
            .await
            .expect("read")
            .is_none(),
        "other sessions end"
    );
    let u = store.get_user(id).await.expect("read").expect("exists");
    assert_eq!(
        (u.password_hash.as_str(), u.must_change_password),
        ("new-hash", false)
    );
    store
        .delete_session("s1", &ev("session.sign_out", 30))
        .await
        .expect("delete");
    assert!(
        store
            .session_with_user("s1", 50)
            .await
            .expect("read")
            .is_none()
    );
    store
        .create_session(&session("s3", id, 40), &ev("session.sign_in", 10))
        .await
        .expect("s3");
    assert_eq!(store.delete_expired_sessions(41).await.expect("sweep"), 1);
    assert!(matches!(
        store
            .set_password(
                wholeplace_domain::UserId::new(9_999),
                "h",
                false,
                None,
                &ev("x", 1)
            )
            .await,
        Err(StoreError::NotFound)
    ));
}

async fn disabling_ends_sessions_and_revokes_tokens(store: &SqlStore) {
    let a = agency(store, "Kent Police").await;
    let id = user(store, "cat", vec![a]).await;
    store
        .create_session(&session("c1", id, 1_000), &ev("session.sign_in", 10))
        .await
        .expect("session");
    store
        .create_api_token(id, "script", "tok-c", 10, None, &ev("api_token.create", 10))
        .await
        .expect("token");
    store
        .set_user_disabled(id, true, &ev("user.disable", 20))
        .await
        .expect("disable");
    assert!(
        store
            .session_with_user("c1", 50)
            .await
            .expect("read")
            .is_none()
    );
    assert!(
        store
            .user_by_api_token("tok-c", 50)
            .await
            .expect("read")
            .is_none()
    );
    assert!(
        store
            .get_user(id)
            .await
            .expect("read")
            .expect("exists")
            .disabled
    );
    store
        .set_user_disabled(id, false, &ev("user.enable", 30))
        .await
        .expect("enable");
    assert!(
        !store
            .get_user(id)
            .await
            .expect("read")
            .expect("exists")
            .disabled
    );
}

async fn api_tokens_work_until_revoked(store: &SqlStore) {
    let a = agency(store, "Jobcentre Plus").await;
    let id = user(store, "dan", vec![a]).await;
    let other = user(store, "eve", vec![a]).await;
    let tid = store
        .create_api_token(id, "report", "tok-d", 10, None, &ev("api_token.create", 10))
        .await
        .expect("token");
    assert_eq!(
        store
            .user_by_api_token("tok-d", 20)
            .await
            .expect("read")
            .map(|u| u.id),
        Some(id)
    );
    let listed = store.list_api_tokens(id).await.expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].last_used_at, Some(20));
    assert!(
        matches!(
            store
                .revoke_api_token(other, tid, 30, &ev("api_token.revoke", 30))
                .await,
            Err(StoreError::NotFound)
        ),
        "not someone else's token"
    );
    store
        .revoke_api_token(id, tid, 30, &ev("api_token.revoke", 30))
        .await
        .expect("revoke");
    assert!(
        store
            .user_by_api_token("tok-d", 40)
            .await
            .expect("read")
            .is_none()
    );
    assert_eq!(
        store.list_api_tokens(id).await.expect("list")[0].revoked_at,
        Some(30)
    );
}

async fn login_failures_are_counted_and_cleared(store: &SqlStore) {
    for t in [10, 20, 30] {
        store.record_login_failure("fay", t).await.expect("record");
    }
    store.record_login_failure("gus", 25).await.expect("record");
    assert_eq!(
        store.count_login_failures("fay", 15).await.expect("count"),
        2
    );
    assert_eq!(
        store.count_login_failures("fay", 0).await.expect("count"),
        3
    );
    store.clear_login_failures("fay").await.expect("clear");
    assert_eq!(
        store.count_login_failures("fay", 0).await.expect("count"),
        0
    );
    assert_eq!(
        store.count_login_failures("gus", 0).await.expect("count"),
        1
    );
}

async fn audit_is_filtered_and_append_only(store: &SqlStore) {
    for (i, action) in ["session.sign_in", "user.create", "session.sign_out"]
        .iter()
        .enumerate()
    {
        let mut e = ev(action, 100 + i as i64);
        e.allowed = i != 1;
        e.actor = if i == 2 {
            "zed".to_owned()
        } else {
            "yan".to_owned()
        };
        store.append_audit(&e).await.expect("append");
    }
    let all = store
        .list_audit(&AuditFilter {
            limit: 50,
            ..Default::default()
        })
        .await
        .expect("list");
    assert_eq!(all.1, 3);
    assert_eq!(all.0[0].event.action, "session.sign_out", "newest first");
    let sessions = store
        .list_audit(&AuditFilter {
            action_prefix: Some("session.".to_owned()),
            limit: 50,
            ..Default::default()
        })
        .await
        .expect("list");
    assert_eq!(sessions.1, 2);
    let refused = store
        .list_audit(&AuditFilter {
            allowed: Some(false),
            limit: 50,
            ..Default::default()
        })
        .await
        .expect("list");
    assert_eq!(
        (refused.1, refused.0[0].event.action.as_str()),
        (1, "user.create")
    );
    let zed = store
        .list_audit(&AuditFilter {
            actor: Some("zed".to_owned()),
            from: Some(101),
            until: Some(103),
            limit: 50,
            ..Default::default()
        })
        .await
        .expect("list");
    assert_eq!(zed.1, 1);
    let paged = store
        .list_audit(&AuditFilter {
            limit: 1,
            offset: 1,
            ..Default::default()
        })
        .await
        .expect("list");
    assert_eq!(
        (paged.0.len(), paged.0[0].event.action.as_str()),
        (1, "user.create")
    );
    for sql in [
        "UPDATE audit_log SET actor = 'mallory'",
        "DELETE FROM audit_log",
    ] {
        assert!(
            sqlx::query(sql).execute(store.pool()).await.is_err(),
            "{sql} must be refused"
        );
    }
    assert_eq!(audit_count(store).await, 3);
}

async fn overview_counts(store: &SqlStore) {
    let a = agency(store, "Town and Country Housing").await;
    let id = user(store, "hal", vec![a]).await;
    user(store, "ida", vec![a]).await;
    store
        .set_user_disabled(id, true, &ev("user.disable", 5))
        .await
        .expect("disable");
    let o = store.overview().await.expect("overview");
    assert_eq!((o.users, o.agencies), (1, 1));
    assert_eq!(o.audit_entries, 4, "agency, two users, one disable");
}

async fn places_budgets_grants_and_partnerships(store: &SqlStore) {
    let kcc = agency(store, "Kent County Council").await;
    let nhs = agency(store, "NHS West Kent").await;
    let la = NewPlace {
        name: "Tunbridge Wells".into(),
        level: key("district"),
        gss_code: Some("E07000116".into()),
        gss_vintage: Some("2023".into()),
        population: Some(118_000),
        description: String::new(),
    };
    let profile = LaProfile {
        population: Some(118_000),
        population_year: Some(2024),
        claimant_rate_pct: Some(1.9),
        median_earnings_gbp: Some(38_000),
        imd_rank: Some(280),
        imd_total: Some(317),
        domain_ranks: "income=250".into(),
    };
    assert_eq!(
        store
            .upsert_local_authorities(&[(la.clone(), profile.clone())], &ev("place.import", 1))
            .await
            .expect("upsert"),
        1
    );
    let mut again = profile.clone();
    again.claimant_rate_pct = Some(2.1);
    store
        .upsert_local_authorities(&[(la, again)], &ev("place.import", 2))
        .await
        .expect("upsert twice updates");
    let places = store.list_places().await.expect("places");
    assert_eq!(places.len(), 1, "upsert does not duplicate");
    let tw = places[0].id;
    assert_eq!(
        store
            .la_profile(tw)
            .await
            .expect("profile")
            .expect("there")
            .claimant_rate_pct,
        Some(2.1)
    );
    let sherwood = store
        .create_place(
            &NewPlace::new("Sherwood", key("ward")),
            &ev("place.create", 3),
        )
        .await
        .expect("place");
    assert!(matches!(
        store
            .create_place(
                &NewPlace::new("Sherwood", key("ward")),
                &ev("place.create", 3)
            )
            .await,
        Err(StoreError::Conflict(_))
    ));
    store
        .relate_places(tw, sherwood, "contains", &ev("place.relate", 4))
        .await
        .expect("relate");
    let (parents, _) = store.place_relations(sherwood).await.expect("relations");
    assert_eq!(
        (parents[0].place.id, parents[0].relation.as_str()),
        (tw, "contains")
    );
    store
        .add_agency_coverage(kcc, sherwood, &ev("agency.cover", 5))
        .await
        .expect("cover");
    assert_eq!(
        store
            .agencies_covering(sherwood)
            .await
            .expect("covering")
            .len(),
        1
    );
    // 1,000 lines in several batches, summed by the database.
    let lines: Vec<NewBudgetLine> = (0..1_000)
        .map(|i| NewBudgetLine {
            agency_id: if i % 2 == 0 { kcc } else { nhs },
            place_id: sherwood,
            service_area: if i % 4 == 0 {
                key("health")
            } else {
                key("housing")
            },
            financial_year: fy(2012 + (i % 3)),
            amount: wholeplace_domain::Money::from_pence(1_000_000_000 + i64::from(i)),
            spend_kind: "revenue".into(),
            source: String::new(),
            confidence: String::new(),
        })
        .collect();
    store
        .insert_budget_lines(&lines, &ev("budget_line.import", 6))
        .await
        .expect("insert");
    let totals = store
        .budget_totals_for_place(sherwood)
        .await
        .expect("totals");
    let expected: i128 = lines.iter().map(|l| i128::from(l.amount.pence())).sum();
    assert_eq!(totals.count, 1_000);
    assert_eq!(
        totals.by_agency.iter().map(|x| x.1).sum::<i128>(),
        expected,
        "sums beyond 32 bits are exact"
    );
    assert_eq!(totals.by_year.len(), 3);
    assert_eq!(
        store
            .budget_lines_for_place(sherwood, Some(10))
            .await
            .expect("lines")
            .len(),
        10
    );
    assert_eq!(store.list_budget_lines().await.expect("all").len(), 1_000);
    // A batch with one bad reference writes nothing.
    let mut bad = lines[..5].to_vec();
    bad[3].agency_id = wholeplace_domain::AgencyId::new(9_999);
    assert!(
        store
            .insert_budget_lines(&bad, &ev("budget_line.import", 7))
            .await
            .is_err()
    );
    assert_eq!(
        store.list_budget_lines().await.expect("all").len(),
        1_000,
        "all or nothing"
    );
    let grant = NewGrant {
        funder_agency_id: kcc,
        title: "Reward grant".into(),
        purpose: "p".into(),
        amount: wholeplace_domain::Money::from_pence(50_000_000),
        start_year: fy(2009),
        end_year: fy(2014),
        conditions: String::new(),
        recipient_ids: vec![nhs],
        place_ids: vec![sherwood],
    };
    let gid = store
        .create_grant(&grant, &ev("grant.create", 8))
        .await
        .expect("grant");
    store
        .add_grant_change(
            gid,
            &GrantChange {
                from_year: fy(2011),
                new_amount: wholeplace_domain::Money::from_pence(40_000_000),
                reason: "20% cut".into(),
            },
            &ev("grant.change", 9),
        )
        .await
        .expect("change");
    let grants = store.list_grants().await.expect("grants");
    assert_eq!(
        grants[0].reference,
        gid.to_string(),
        "a grant's reference is its number"
    );
    assert_eq!(store.grant_publisher().await.expect("publisher"), None);
    let mut publisher = wholeplace_store::GrantPublisher {
        prefix: "360G-wholeplace".into(),
        name: "Sherwood partnership".into(),
        identifier: None,
        website: String::new(),
        licence: "https://creativecommons.org/licenses/by/4.0/".into(),
    };
    store
        .set_grant_publisher(&publisher, &ev("grant.publisher", 8))
        .await
        .expect("publisher");
    publisher.identifier = Some(wholeplace_domain::OrgIdentifier::parse("GB-LAE-KEN").expect("id"));
    publisher.website = "https://example.org/".into();
    store
        .set_grant_publisher(&publisher, &ev("grant.publisher", 8))
        .await
        .expect("publisher replaced");
    assert_eq!(
        store.grant_publisher().await.expect("publisher"),
        Some(publisher)
    );
    assert_eq!(
        (
            grants[0].amount.pence(),
            grants[0].changes[0].new_amount.pence(),
            grants[0].recipients[0].id
        ),
        (50_000_000, 40_000_000, nhs),
        "a cut is recorded beside the original"
    );
    store
        .create_partnership(
            "Sherwood NCB",
            "aims",
            "board",
            &[kcc, nhs],
            &[sherwood],
            &ev("partnership.create", 10),
        )
        .await
        .expect("partnership");
    let p = store.list_partnerships().await.expect("partnerships");
    assert_eq!((p[0].members.len(), p[0].places[0].id), (2, sherwood));
    assert!(!store.is_demo().await.expect("demo"));
    store.mark_demo(11).await.expect("mark");
    store.mark_demo(12).await.expect("mark twice");
    assert!(store.is_demo().await.expect("demo"));
}

async fn appraisals_are_stored_per_partnership(store: &SqlStore) {
    let kcc = agency(store, "Kent County Council").await;
    let p = store
        .create_partnership(
            "Sherwood",
            "",
            "board",
            &[kcc],
            &[],
            &ev("partnership.create", 1),
        )
        .await
        .expect("partnership");
    let before = audit_count(store).await;
    let new = NewAppraisal {
        partnership_id: Some(p),
        title: "Family intervention".into(),
        model_toml: "[appraisal]\ntitle = \"Family intervention\"\n".into(),
        created_by: "analyst".into(),
        at: 100,
    };
    let id = store
        .create_appraisal(&new, &ev("appraisal.create", 100))
        .await
        .expect("create");
    let got = store.get_appraisal(id).await.expect("read").expect("found");
    assert_eq!(got.title, "Family intervention");
    assert_eq!(got.partnership_id, Some(p));
    assert_eq!(got.partnership_name.as_deref(), Some("Sherwood"));
    assert_eq!(got.model_toml, new.model_toml);
    assert_eq!((got.created_at, got.updated_at), (100, 100));
    assert_eq!(audit_count(store).await, before + 1);

    // A missing partnership is refused and leaves nothing behind.
    let bad = NewAppraisal {
        partnership_id: Some(PartnershipId::new(p.get() + 1000)),
        ..new.clone()
    };
    assert!(
        store
            .create_appraisal(&bad, &ev("appraisal.create", 101))
            .await
            .is_err()
    );
    assert_eq!(store.list_appraisals().await.expect("list").len(), 1);
    assert_eq!(audit_count(store).await, before + 1);

    let changed = NewAppraisal {
        partnership_id: None,
        title: "Renamed".into(),
        at: 200,
        ..new.clone()
    };
    store
        .update_appraisal(id, &changed, &ev("appraisal.update", 200))
        .await
        .expect("update");
    let got = store.get_appraisal(id).await.expect("read").expect("found");
    assert_eq!(
        (
            got.title.as_str(),
            got.partnership_id,
            got.created_at,
            got.updated_at
        ),
        ("Renamed", None, 100, 200)
    );
    assert!(matches!(
        store
            .update_appraisal(
                AppraisalId::new(id.get() + 1000),
                &changed,
                &ev("appraisal.update", 201)
            )
            .await,
        Err(StoreError::NotFound)
    ));
    store
        .delete_appraisal(id, &ev("appraisal.delete", 300))
        .await
        .expect("delete");
    assert!(store.get_appraisal(id).await.expect("read").is_none());
    assert!(matches!(
        store
            .delete_appraisal(id, &ev("appraisal.delete", 301))
            .await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(audit_count(store).await, before + 3);
}

async fn a_dataset_round_trips_in_one_transaction(store: &SqlStore) {
    use wholeplace_store::{
        Contact, Dataset, DatasetBudgetLine, DatasetGrant, DatasetPartnership, DatasetStore,
        PlaceKey, Project,
    };
    let k = |n: &str, l: &str| PlaceKey {
        name: n.into(),
        level: key(l),
    };
    let place = |n: &str, l: &str, gss: Option<&str>| NewPlace {
        name: n.into(),
        level: key(l),
        gss_code: gss.map(Into::into),
        gss_vintage: gss.map(|_| "2023".into()),
        population: Some(1000),
        description: String::new(),
    };
    let d = Dataset {
        agencies: vec![
            ("Kent County Council".into(), key("county_council")),
            (
                "Town and Country Housing".into(),
                key("housing_association"),
            ),
        ],
        agency_identifiers: vec![(
            "Kent County Council".into(),
            vec![
                wholeplace_domain::OrgIdentifier::parse("GB-LAE-KEN").expect("id"),
                wholeplace_domain::OrgIdentifier::parse("GB-GOR-E12").expect("id"),
            ],
        )],
        places: vec![
            place("Tunbridge Wells", "district", Some("E07000116")),
            place("Sherwood", "ward", None),
        ],
        relations: vec![(
            k("Tunbridge Wells", "district"),
            k("Sherwood", "ward"),
            "contains".into(),
        )],
        profiles: vec![(
            k("Tunbridge Wells", "district"),
            LaProfile {
                population: Some(118_000),
                population_year: Some(2024),
                claimant_rate_pct: Some(1.9),
                median_earnings_gbp: Some(38_000),
                imd_rank: Some(280),
                imd_total: Some(317),
                domain_ranks: "income=250".into(),
            },
        )],
        coverage: vec![("Kent County Council".into(), k("Sherwood", "ward"))],
        contacts: vec![Contact {
            id: wholeplace_domain::ContactId::new(0),
            agency: "Kent County Council".into(),
            name: "A. Link".into(),
            role: "Identified link".into(),
            email: "a.link@example.org".into(),
            phone: String::new(),
        }],
        partnerships: vec![DatasetPartnership {
            name: "Sherwood NCB".into(),
            description: "d".into(),
            governance: "board".into(),
            members: vec![
                "Kent County Council".into(),
                "Town and Country Housing".into(),
            ],
            places: vec![k("Sherwood", "ward")],
        }],
        projects: vec![Project {
            id: wholeplace_domain::ProjectId::new(0),
            partnership: "Sherwood NCB".into(),
            name: "Family key workers".into(),
            place: Some(k("Sherwood", "ward")),
            theme: String::new(),
            lead_agency: Some("Kent County Council".into()),
            aims: "whole-family working".into(),
            start_date: "2013-04-01".into(),
            end_date: "2015-03-31".into(),
        }],
        budget_lines: vec![DatasetBudgetLine {
            agency: "Kent County Council".into(),
            place: k("Sherwood", "ward"),
            service_area: key("social_services"),
            financial_year: fy(2012),
            amount: wholeplace_domain::Money::from_pence(955_000_000),
            spend_kind: "revenue".into(),
            source: "seed".into(),
            confidence: "medium".into(),
        }],
        grants: vec![DatasetGrant {
            funder: "Kent County Council".into(),
            title: "Prevention fund".into(),
            reference: "KCC-PF-1".into(),
            purpose: "p".into(),
            amount: wholeplace_domain::Money::from_pence(50_000_000),
            start_year: fy(2010),
            end_year: fy(2014),
            conditions: String::new(),
            recipients: vec!["Town and Country Housing".into()],
            places: vec![k("Sherwood", "ward")],
            changes: vec![GrantChange {
                from_year: fy(2011),
                new_amount: wholeplace_domain::Money::from_pence(40_000_000),
                reason: "20% cut".into(),
            }],
        }],
    };
    let before = audit_count(store).await;
    let counts = store
        .import_dataset(&d, &ev("dataset.import", 1))
        .await
        .expect("import");
    assert_eq!(counts.already_present, 0);
    assert_eq!(
        audit_count(store).await,
        before + 1,
        "one audit entry for the whole import"
    );
    assert_eq!(
        store.export_dataset().await.expect("export"),
        d,
        "what went in comes out"
    );
    let again = store
        .import_dataset(&d, &ev("dataset.import", 2))
        .await
        .expect("again");
    assert_eq!(
        again.already_present, 2,
        "the budget line and the grant are left alone"
    );
    assert_eq!(
        store.export_dataset().await.expect("export"),
        d,
        "importing twice adds nothing"
    );

    // A dataset that names a place nobody has fails as a whole and writes nothing.
    let mut bad = d.clone();
    bad.agencies.push(("Kent Police".into(), key("police")));
    bad.coverage
        .push(("Kent Police".into(), k("Atlantis", "ward")));
    assert!(
        store
            .import_dataset(&bad, &ev("dataset.import", 3))
            .await
            .is_err()
    );
    assert_eq!(
        store.export_dataset().await.expect("export"),
        d,
        "nothing of the failed import"
    );
    assert_eq!(audit_count(store).await, before + 2);
}

async fn verify(store: &SqlStore) -> Result<wholeplace_store::ChainVerified, ChainBreak> {
    verify_chain(store, None).await.expect("read the chain")
}

/// Runs SQL as a database administrator could, who can drop the append-only triggers.
async fn as_dba(store: &SqlStore, sql: &str) {
    let (off, on) = match store.backend_kind() {
        Backend::Sqlite => (
            "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;",
            "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END; \
             CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;",
        ),
        Backend::Postgres => (
            "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change;",
            "ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change;",
        ),
    };
    let all = format!("{off} {sql}; {on}");
    sqlx::raw_sql(sqlx::AssertSqlSafe(all))
        .execute(store.pool())
        .await
        .expect("administrator's SQL");
}

async fn audit_chain_verifies_and_names_an_entry_changed_in_the_database(store: &SqlStore) {
    assert_eq!(
        verify(store).await.expect("an empty log verifies").entries,
        0
    );
    assert_eq!(store.audit_head().await.expect("head"), None);
    let a = agency(store, "Kent Police").await;
    user(store, "ann", vec![a]).await;
    for (i, action) in ["audit.view", "contact.view", "session.sign_out"]
        .iter()
        .enumerate()
    {
        let mut e = ev(action, 10 + i as i64);
        e.record_id = (i == 1).then(|| "7".to_owned());
        store.append_audit(&e).await.expect("append");
    }
    let good = verify(store).await.expect("verifies");
    assert_eq!(good.entries, 5);
    let head = store.audit_head().await.expect("head").expect("an entry");
    assert_eq!(good.head.as_ref(), Some(&head));
    assert_eq!((head.id, head.hash.len()), (5, 64));
    let newest = store
        .list_audit(&AuditFilter {
            limit: 1,
            ..Default::default()
        })
        .await
        .expect("list")
        .0;
    assert_eq!(newest[0].hash.as_deref(), Some(head.hash.as_str()));

    // One column of one entry edited directly: that entry is named.
    as_dba(store, "UPDATE audit_log SET actor = 'mallory' WHERE id = 3").await;
    assert_eq!(verify(store).await, Err(ChainBreak::Changed { id: 3 }));
    as_dba(store, "UPDATE audit_log SET actor = 'tester' WHERE id = 3").await;
    assert!(verify(store).await.is_ok(), "put back, it verifies again");
    as_dba(store, "UPDATE audit_log SET allowed = 0 WHERE id = 4").await;
    assert_eq!(verify(store).await, Err(ChainBreak::Changed { id: 4 }));
    as_dba(store, "UPDATE audit_log SET allowed = 1 WHERE id = 4").await;

    // The edit re-hashed by someone who knows the scheme: the next entry no longer chains.
    let mut forged = store.audit_chain_page(1, 1).await.expect("page").remove(0);
    forged.event.detail = "nothing happened".to_owned();
    let rehash = wholeplace_store::audit_chain::entry_hash(
        forged.id,
        &forged.event,
        forged.prev_hash.as_deref().unwrap_or_default(),
    );
    as_dba(
        store,
        &format!(
            "UPDATE audit_log SET detail = 'nothing happened', hash = '{rehash}' WHERE id = 2"
        ),
    )
    .await;
    assert_eq!(
        verify(store).await,
        Err(ChainBreak::Broken {
            id: 3,
            after: Some(2)
        })
    );

    // A removed entry: the one after it is named.
    let db2 = match store.backend_kind() {
        Backend::Sqlite => wholeplace_store_tests::sqlite().await,
        Backend::Postgres => wholeplace_store_tests::postgres()
            .await
            .expect("a PostgreSQL server"),
    };
    for i in 0..4 {
        db2.store
            .append_audit(&ev("audit.view", i))
            .await
            .expect("append");
    }
    let recorded = db2.store.audit_head().await.expect("head").expect("entry");
    as_dba(&db2.store, "DELETE FROM audit_log WHERE id = 2").await;
    assert_eq!(
        verify(&db2.store).await,
        Err(ChainBreak::Broken {
            id: 3,
            after: Some(1)
        })
    );
    // The newest entries removed: only a hash recorded outside shows it.
    as_dba(&db2.store, "DELETE FROM audit_log WHERE id >= 2").await;
    assert!(verify(&db2.store).await.is_ok());
    assert_eq!(
        verify_chain(&db2.store, Some(recorded.hash.clone()))
            .await
            .expect("read"),
        Err(ChainBreak::ExpectedMissing(recorded.hash))
    );
}

async fn audit_log_refuses_replace_and_truncate(store: &SqlStore) {
    for i in 0..3 {
        store
            .append_audit(&ev("audit.view", i))
            .await
            .expect("append");
    }
    let before = store.audit_chain_page(0, 10).await.expect("page");
    let refused: &[&str] = match store.backend_kind() {
        Backend::Sqlite => &[
            "INSERT OR REPLACE INTO audit_log (id, at, actor, action, record_type, address, allowed, detail, prev_hash, hash) \
             SELECT id, at, 'mallory', action, record_type, address, allowed, detail, prev_hash, hash FROM audit_log WHERE id = 1",
            "REPLACE INTO audit_log (id, at, actor, action, record_type, address, allowed, detail, prev_hash, hash) \
             SELECT id, at, 'mallory', action, record_type, address, allowed, detail, prev_hash, hash FROM audit_log WHERE id = 1",
            "INSERT INTO audit_log (id, at, actor, action, record_type, address, allowed, detail, prev_hash, hash) \
             SELECT id, at, 'mallory', action, record_type, address, allowed, detail, prev_hash, hash FROM audit_log WHERE id = 1 \
             ON CONFLICT (id) DO UPDATE SET actor = 'mallory'",
            "INSERT INTO audit_log (at, actor, action, record_type, address, allowed, detail) VALUES (1, 'mallory', 'x', 'y', 'z', 1, '')",
        ],
        Backend::Postgres => &[
            "TRUNCATE audit_log",
            "TRUNCATE TABLE audit_log RESTART IDENTITY",
            "INSERT INTO audit_log (id, at, actor, action, record_type, address, allowed, detail, prev_hash, hash) OVERRIDING SYSTEM VALUE \
             SELECT id, at, 'mallory', action, record_type, address, allowed, detail, prev_hash, hash FROM audit_log WHERE id = 1 \
             ON CONFLICT (id) DO UPDATE SET actor = 'mallory'",
            "INSERT INTO audit_log (at, actor, action, record_type, address, allowed, detail) VALUES (1, 'mallory', 'x', 'y', 'z', 1, '')",
        ],
    };
    for sql in refused {
        assert!(
            sqlx::raw_sql(sqlx::AssertSqlSafe(*sql))
                .execute(store.pool())
                .await
                .is_err(),
            "{sql} must be refused"
        );
    }
    assert_eq!(
        store.audit_chain_page(0, 10).await.expect("page"),
        before,
        "nothing changed"
    );
    assert_eq!(verify(store).await.map(|v| v.entries), Ok(3));
}

async fn audit_appends_from_concurrent_writers_form_one_chain(store: &SqlStore) {
    let a = agency(store, "Shropshire Council").await;
    let writers: Vec<_> = (0..6)
        .map(|w| {
            let store = store.clone();
            tokio::spawn(async move {
                for i in 0..8 {
                    if i % 2 == 0 {
                        store
                            .append_audit(&ev("audit.view", w * 100 + i))
                            .await
                            .expect("append");
                    } else {
                        store
                            .create_agency(
                                &format!("Agency {w}-{i}"),
                                key("voluntary"),
                                &ev("agency.create", w * 100 + i),
                            )
                            .await
                            .expect("agency");
                    }
                }
            })
        })
        .collect();
    for w in writers {
        w.await.expect("writer");
    }
    assert!(a.get() > 0);
    assert_eq!(verify(store).await.map(|v| v.entries), Ok(1 + 6 * 8));
}

async fn api_tokens_stop_at_their_expiry(store: &SqlStore) {
    let a = agency(store, "Redditch Partnership").await;
    let id = user(store, "kit", vec![a]).await;
    store
        .create_api_token(
            id,
            "ci",
            "tok-e",
            10,
            Some(100),
            &ev("api_token.create", 10),
        )
        .await
        .expect("token");
    let live = |at| async move {
        store
            .user_by_api_token("tok-e", at)
            .await
            .expect("read")
            .map(|u| u.id)
    };
    assert_eq!(live(99).await, Some(id));
    assert_eq!(live(100).await, None, "expired at its expiry time");
    assert_eq!(live(5_000).await, None);
    assert_eq!(
        store.list_api_tokens(id).await.expect("list")[0].expires_at,
        Some(100)
    );
}

/// A database made before the chain (migrations 1 to 4, entries without hashes) is chained by the
/// upgrade, deterministically, and then verifies; new entries chain on from it.
async fn entries_written_before_the_chain_are_chained_on_upgrade(store: &SqlStore) {
    let old: Vec<_> = store
        .migrations()
        .iter()
        .filter(|m| m.version <= 4)
        .collect();
    sqlx::raw_sql("CREATE TABLE IF NOT EXISTS schema_migration (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)")
        .execute(store.pool())
        .await
        .expect("schema_migration");
    for m in &old {
        sqlx::raw_sql(m.sql)
            .execute(store.pool())
            .await
            .expect("old migration");
        sqlx::query("INSERT INTO schema_migration (version, name, applied_at) VALUES ($1, $2, 0)")
            .bind(m.version)
            .bind(m.name)
            .execute(store.pool())
            .await
            .expect("record");
    }
    for i in 0..2500_i64 {
        sqlx::query("INSERT INTO audit_log (at, actor_user_id, actor, action, record_type, record_id, address, allowed, detail) VALUES ($1, $2, 'old', 'user.create', 'user', $3, '10.0.0.1', 1, '')")
            .bind(i)
            .bind((i % 3 == 0).then_some(i))
            .bind((i % 2 == 0).then(|| i.to_string()))
            .execute(store.pool())
            .await
            .expect("old entry");
    }
    assert_eq!(
        store.migrate().await.expect("upgrade"),
        vec![
            5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21
        ]
    );
    let v = verify(store).await.expect("an upgraded log verifies");
    assert_eq!(v.entries, 2500);
    store
        .append_audit(&ev("audit.view", 3000))
        .await
        .expect("append");
    assert_eq!(verify(store).await.map(|v| v.entries), Ok(2501));
    let first = store.audit_chain_page(0, 1).await.expect("page").remove(0);
    assert_eq!(
        first.prev_hash.as_deref(),
        Some(wholeplace_store::audit_chain::GENESIS_HASH)
    );
}

mod upgrade {
    #[tokio::test]
    async fn sqlite_audit_entries_written_before_the_chain_are_chained_on_upgrade() {
        let db = wholeplace_store_tests::sqlite_unmigrated().await;
        super::entries_written_before_the_chain_are_chained_on_upgrade(&db.store).await;
    }

    #[tokio::test]
    #[cfg_attr(
        no_test_postgres,
        ignore = "WHOLEPLACE_TEST_POSTGRES_URL is not set, so PostgreSQL was not tested"
    )]
    async fn postgres_audit_entries_written_before_the_chain_are_chained_on_upgrade() {
        let db = wholeplace_store_tests::postgres_unmigrated()
            .await
            .expect("WHOLEPLACE_TEST_POSTGRES_URL names a PostgreSQL server");
        super::entries_written_before_the_chain_are_chained_on_upgrade(&db.store).await;
    }
}

/// Deleting the newest record and making another must give a new id (SQLite used to give the
/// largest id + 1 again), so audit entries naming an id always mean one record.
async fn ids_are_never_reused_after_a_delete(store: &SqlStore) {
    let first = agency(store, "Short-lived agency").await;
    store
        .delete_agency(first, &ev("agency.delete", 2))
        .await
        .expect("delete agency");
    let second = agency(store, "Next agency").await;
    assert!(second > first, "agency id {first} given again as {second}");

    let place = |name: &str| NewPlace {
        name: name.into(),
        level: key("ward"),
        gss_code: None,
        gss_vintage: None,
        population: None,
        description: String::new(),
    };
    let p1 = store
        .create_place(&place("Gone"), &ev("place.create", 3))
        .await
        .expect("place");
    store
        .delete_place(p1, &ev("place.delete", 4))
        .await
        .expect("delete place");
    let p2 = store
        .create_place(&place("Here"), &ev("place.create", 5))
        .await
        .expect("place");
    assert!(p2 > p1, "place id {p1} given again as {p2}");

    let contact = |name: &str| wholeplace_store::Contact {
        id: wholeplace_domain::ContactId::new(0),
        agency: String::new(),
        name: name.into(),
        role: String::new(),
        email: String::new(),
        phone: String::new(),
    };
    let c1 = store
        .create_contact(second, &contact("Ann"), &ev("contact.create", 6))
        .await
        .expect("contact");
    store
        .delete_contact(c1, &ev("contact.delete", 7))
        .await
        .expect("delete contact");
    let c2 = store
        .create_contact(second, &contact("Bob"), &ev("contact.create", 8))
        .await
        .expect("contact");
    assert!(c2 > c1, "contact id {c1} given again as {c2}");
}

/// Budget lines at the largest amount a row can hold: the place's totals are exact (the database
/// used to refuse to sum them, "integer overflow", so the place answered 500 from then on).
async fn sums_of_the_largest_amounts_never_overflow(store: &SqlStore) {
    let kcc = agency(store, "Kent County Council").await;
    let place = store
        .create_place(
            &NewPlace {
                name: "Overflow ward".into(),
                level: key("ward"),
                gss_code: None,
                gss_vintage: None,
                population: None,
                description: String::new(),
            },
            &ev("place.create", 2),
        )
        .await
        .expect("place");
    let line = |pence: i64| NewBudgetLine {
        agency_id: kcc,
        place_id: place,
        service_area: key("health"),
        financial_year: fy(2024),
        amount: wholeplace_domain::Money::from_pence(pence),
        spend_kind: "revenue".into(),
        source: String::new(),
        confidence: String::new(),
    };
    let lines = [line(i64::MAX), line(i64::MAX), line(i64::MAX - 1), line(7)];
    store
        .insert_budget_lines(&lines, &ev("budget_line.import", 3))
        .await
        .expect("insert");
    let totals = store
        .budget_totals_for_place(place)
        .await
        .expect("totals of the largest amounts");
    let expected = i128::from(i64::MAX) * 3 - 1 + 7;
    assert_eq!(totals.count, 4);
    assert_eq!(
        totals.by_agency,
        vec![("Kent County Council".to_owned(), expected)]
    );
    assert_eq!(totals.by_service, vec![("health".to_owned(), expected)]);
    assert_eq!(totals.by_year, vec![(2024, expected)]);
}

/// Every feature's change and read methods, each checked against what it wrote, with the audit
/// entry each change carries. Together with the cases above, the suite calls every method of the
/// port (`port_methods_are_all_called` in tests/port_coverage.rs checks that).
async fn every_record_changes_and_reads_back(store: &SqlStore) {
    let expected = match store.backend_kind() {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    assert_eq!(store.backend(), expected);
    let kcc = agency(store, "Kent County Council").await;
    let nhs = agency(store, "NHS West Kent").await;
    store
        .update_agency(
            nhs,
            "NHS Kent and Medway",
            key("nhs_icb"),
            &ev("agency.update", 2),
        )
        .await
        .expect("update agency");
    let agencies = store.list_agencies().await.expect("agencies");
    assert!(
        agencies
            .iter()
            .any(|a| a.id == nhs && a.name == "NHS Kent and Medway" && a.kind == "nhs_icb"),
        "{agencies:?}"
    );

    // an agency's registered identifiers, in the order given, replaced as a whole
    let ids = |list: &[&str]| -> Vec<wholeplace_domain::OrgIdentifier> {
        list.iter()
            .map(|t| wholeplace_domain::OrgIdentifier::parse(t).expect("identifier"))
            .collect()
    };
    store
        .set_agency_identifiers(
            nhs,
            &ids(&["GB-NHS-99J", "GB-COH-01234567"]),
            &ev("agency.identifiers", 2),
        )
        .await
        .expect("identifiers");
    store
        .set_agency_identifiers(kcc, &ids(&["GB-LAE-KEN"]), &ev("agency.identifiers", 2))
        .await
        .expect("identifiers");
    assert_eq!(
        store.agency_identifiers().await.expect("identifiers"),
        vec![
            (kcc, ids(&["GB-LAE-KEN"])),
            (nhs, ids(&["GB-NHS-99J", "GB-COH-01234567"])),
        ]
    );
    store
        .set_agency_identifiers(
            nhs,
            &ids(&["GB-COH-01234567"]),
            &ev("agency.identifiers", 2),
        )
        .await
        .expect("replaced");
    assert!(
        store
            .set_agency_identifiers(
                nhs,
                &ids(&["GB-NHS-99J", "GB-NHS-99J"]),
                &ev("agency.identifiers", 2)
            )
            .await
            .is_err(),
        "the same identifier twice is refused, and nothing is written"
    );
    assert!(matches!(
        store
            .set_agency_identifiers(
                AgencyId::new(999_999),
                &ids(&["GB-NHS-99J"]),
                &ev("agency.identifiers", 2)
            )
            .await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        store.agency_identifiers().await.expect("identifiers"),
        vec![
            (kcc, ids(&["GB-LAE-KEN"])),
            (nhs, ids(&["GB-COH-01234567"]))
        ]
    );

    // places
    let ward = NewPlace::new("Sherwood", key("ward"));
    let place = store
        .create_place(&ward, &ev("place.create", 3))
        .await
        .expect("place");
    let changed = NewPlace {
        population: Some(7_000),
        description: "An estate in the north of the town".into(),
        ..ward.clone()
    };
    store
        .update_place(place, &changed, &ev("place.update", 4))
        .await
        .expect("update place");
    let got = store.get_place(place).await.expect("read").expect("exists");
    assert_eq!(
        (got.population, got.description.as_str()),
        (Some(7_000), "An estate in the north of the town")
    );
    assert!(
        store
            .get_place(PlaceId::new(place.get() + 1_000))
            .await
            .expect("read")
            .is_none()
    );

    // budget lines: create, read, update, import (idempotent), delete
    let line = NewBudgetLine {
        agency_id: kcc,
        place_id: place,
        service_area: key("social_services"),
        financial_year: fy(2024),
        amount: wholeplace_domain::Money::from_pence(100_000),
        spend_kind: "revenue".into(),
        source: "budget book".into(),
        confidence: "high".into(),
    };
    let id = store
        .create_budget_line(&line, &ev("budget_line.create", 5))
        .await
        .expect("line");
    assert_eq!(
        store
            .get_budget_line(id)
            .await
            .expect("read")
            .expect("exists")
            .amount
            .pence(),
        100_000
    );
    let more = NewBudgetLine {
        amount: wholeplace_domain::Money::from_pence(250_000),
        ..line.clone()
    };
    store
        .update_budget_line(id, &more, &ev("budget_line.update", 6))
        .await
        .expect("update line");
    assert_eq!(
        store
            .get_budget_line(id)
            .await
            .expect("read")
            .expect("exists")
            .amount
            .pence(),
        250_000
    );
    let other = NewBudgetLine {
        agency_id: nhs,
        amount: wholeplace_domain::Money::from_pence(42),
        ..line.clone()
    };
    assert_eq!(
        store
            .import_budget_lines(&[more.clone(), other.clone()], &ev("budget_line.import", 7))
            .await
            .expect("import"),
        (1, 1),
        "the stored line is left alone, the other added"
    );
    assert_eq!(
        store
            .import_budget_lines(&[other], &ev("budget_line.import", 8))
            .await
            .expect("again"),
        (0, 1)
    );
    store
        .delete_budget_line(id, &ev("budget_line.delete", 9))
        .await
        .expect("delete line");
    assert!(store.get_budget_line(id).await.expect("read").is_none());
    assert_eq!(store.list_budget_lines().await.expect("lines").len(), 1);

    // grants: update and delete
    let grant = NewGrant {
        funder_agency_id: kcc,
        title: "Early help".into(),
        purpose: "Family support".into(),
        amount: wholeplace_domain::Money::from_pence(1_000_000),
        start_year: fy(2024),
        end_year: fy(2025),
        conditions: String::new(),
        recipient_ids: vec![nhs],
        place_ids: vec![place],
    };
    let g = store
        .create_grant(&grant, &ev("grant.create", 10))
        .await
        .expect("grant");
    let bigger = NewGrant {
        amount: wholeplace_domain::Money::from_pence(1_200_000),
        title: "Early help 2".into(),
        ..grant
    };
    store
        .update_grant(g, &bigger, &ev("grant.update", 11))
        .await
        .expect("update grant");
    let grants = store.list_grants().await.expect("grants");
    assert_eq!(grants.len(), 1);
    assert_eq!(
        (grants[0].title.as_str(), grants[0].amount.pence()),
        ("Early help 2", 1_200_000)
    );
    store
        .delete_grant(g, &ev("grant.delete", 12))
        .await
        .expect("delete grant");
    assert!(store.list_grants().await.expect("grants").is_empty());

    // partnerships: update members and places
    let p = store
        .create_partnership(
            "Sherwood Together",
            "",
            "",
            &[kcc],
            &[],
            &ev("partnership.create", 13),
        )
        .await
        .expect("partnership");
    let change = wholeplace_store::PartnershipChange {
        name: "Sherwood Together".into(),
        description: "Working as one".into(),
        governance: "Board".into(),
        member_ids: vec![kcc, nhs],
        place_ids: vec![place],
    };
    store
        .update_partnership(p, &change, &ev("partnership.update", 14))
        .await
        .expect("update partnership");
    let ps = store.list_partnerships().await.expect("partnerships");
    assert_eq!(
        (
            ps[0].members.len(),
            ps[0].places.len(),
            ps[0].governance.as_str()
        ),
        (2, 1, "Board")
    );

    // contacts and projects
    let contact = wholeplace_store::Contact {
        id: wholeplace_domain::ContactId::new(0),
        agency: String::new(),
        name: "A. Person".into(),
        role: "Neighbourhood manager".into(),
        email: "a.person@example.org".into(),
        phone: String::new(),
    };
    store
        .create_contact(kcc, &contact, &ev("contact.create", 15))
        .await
        .expect("contact");
    let contacts = store.list_contacts().await.expect("contacts");
    assert_eq!(
        (contacts.len(), contacts[0].agency.as_str()),
        (1, "Kent County Council")
    );
    let project = wholeplace_store::Project {
        id: wholeplace_domain::ProjectId::new(0),
        partnership: String::new(),
        name: "Family hub".into(),
        place: None,
        theme: "early_help".into(),
        lead_agency: None,
        aims: "One front door".into(),
        start_date: "2025-04-01".into(),
        end_date: String::new(),
    };
    store
        .create_project(
            p,
            Some(place),
            Some(kcc),
            &project,
            &ev("project.create", 16),
        )
        .await
        .expect("project");
    let projects = store.list_projects().await.expect("projects");
    assert_eq!(projects.len(), 1);
    assert_eq!(projects[0].partnership, "Sherwood Together");
    assert_eq!(
        projects[0].lead_agency.as_deref(),
        Some("Kent County Council")
    );
    assert_eq!(
        projects[0].place.as_ref().map(|k| k.name.as_str()),
        Some("Sherwood")
    );

    // accounts: counting users and listing one's sessions
    let before = store.count_users().await.expect("count");
    let u = user(store, "lister", vec![kcc]).await;
    assert_eq!(store.count_users().await.expect("count"), before + 1);
    store
        .create_session(&session("h-list", u, 1_000), &ev("session.sign_in", 17))
        .await
        .expect("session");
    let live = store.list_sessions(u, 100).await.expect("sessions");
    assert_eq!(live.len(), 1);
    assert!(
        store
            .list_sessions(u, 2_000)
            .await
            .expect("sessions")
            .is_empty(),
        "expired ones are not listed"
    );

    // every change above wrote its audit entry
    let (entries, _) = store
        .list_audit(&AuditFilter {
            limit: 100,
            ..Default::default()
        })
        .await
        .expect("audit");
    for action in [
        "agency.update",
        "place.update",
        "budget_line.create",
        "budget_line.update",
        "budget_line.import",
        "budget_line.delete",
        "grant.update",
        "grant.delete",
        "partnership.update",
        "contact.create",
        "project.create",
    ] {
        assert!(
            entries.iter().any(|e| e.event.action == action),
            "no audit entry for {action}"
        );
    }
}

/// A vocabulary key (place level, agency kind, service area) for a test's records.
fn key<T: std::str::FromStr>(text: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    text.parse().expect("a key of its vocabulary")
}

/// A financial year for a test's records, by its start year.
fn fy(start_year: i32) -> wholeplace_domain::FinancialYear {
    wholeplace_domain::FinancialYear::new(start_year).expect("a financial year")
}

async fn families_agreements_and_emergency_access_round_trip(store: &SqlStore) {
    let kcc = agency(store, "Kent County Council").await;
    let police = agency(store, "Kent Police").await;
    let worker = user(store, "worker", vec![kcc]).await;
    let mum = store
        .create_person(
            &NewPerson {
                given_name: "Dawn".into(),
                family_name: "Hill".into(),
                date_of_birth: Some("1988-03-02".into()),
                nhs_number: Some("9434765919".into()),
                ni_number: None,
            },
            &ev("person.create", 10),
        )
        .await
        .expect("person");
    let son = store
        .create_person(
            &NewPerson {
                given_name: "Kyle".into(),
                family_name: "Hill".into(),
                date_of_birth: Some("2011-09-14".into()),
                nhs_number: None,
                ni_number: None,
            },
            &ev("person.create", 11),
        )
        .await
        .expect("person");
    let hid = store
        .create_household(
            &NewHousehold {
                name: "The Hill family".into(),
                place_id: None,
                address: "1 Example Road".into(),
                lead_user_id: Some(worker),
            },
            &ev("family.create", 12),
        )
        .await
        .expect("household");
    for (p, rel, at) in [(mum, "mother", 13), (son, "son", 14)] {
        store
            .add_member(hid, p, rel, &ev("family.member", at))
            .await
            .expect("member");
    }
    let involvement = |person, agency_id, class: &str, pence, hundredths| NewInvolvement {
        person_id: person,
        agency_id,
        service: "Service".into(),
        lead_worker: "A worker".into(),
        need: "parenting".into(),
        class: DataClass::of(class),
        started_on: "2026-01-05".into(),
        ended_on: None,
        unit_cost_code: Some("SS18.2".into()),
        unit_cost: Money::from_pence(pence),
        unit: "Per hour".into(),
        units_per_year_hundredths: hundredths,
    };
    store
        .create_involvement(
            &involvement(son, kcc, "social_care", 5700, 5200),
            &ev("involvement.create", 15),
        )
        .await
        .expect("involvement");
    store
        .create_involvement(
            &involvement(mum, police, "police", 28500, 150),
            &ev("involvement.create", 16),
        )
        .await
        .expect("involvement");
    store
        .add_family_event(
            hid,
            &FamilyEvent {
                person_id: Some(son),
                agency_id: police,
                agency_name: String::new(),
                day: "2026-02-01".into(),
                summary: "Reported missing overnight".into(),
                class: DataClass::of("police"),
            },
            &ev("family.event", 17),
        )
        .await
        .expect("event");
    let goal = store
        .add_goal(
            hid,
            &wholeplace_store::NewGoal {
                goal: "Kyle goes to school every day".into(),
                worries: "Missed 30 days this term".into(),
                strengths: "Kyle likes football".into(),
                next_steps: "Meet the school".into(),
                score: 3,
                owner_agency_id: kcc,
                review_on: "2026-06-01".into(),
            },
            &ev("family.plan", 18),
        )
        .await
        .expect("goal");
    store
        .add_plan_action(
            goal,
            &wholeplace_store::PlanAction {
                action: "Attendance meeting".into(),
                owner: "Head of year".into(),
                due_on: "2026-02-10".into(),
            },
            &ev("family.plan", 18),
        )
        .await
        .expect("action");
    let review = wholeplace_store::GoalReview {
        day: "2026-03-01".into(),
        score: 5,
        note: "Better since the meeting".into(),
        reviewed_by: "worker".into(),
    };
    store
        .review_goal(goal, &review, "2026-09-01", &ev("family.plan", 18))
        .await
        .expect("score");
    let audits = audit_count(store).await;
    assert!(matches!(
        store
            .review_goal(
                GoalId::new(goal.get() + 99),
                &review,
                "2026-09-01",
                &ev("family.plan", 18)
            )
            .await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        audit_count(store).await,
        audits,
        "a refused review writes nothing, its audit entry included"
    );
    let family = store.get_family(hid).await.expect("read").expect("exists");
    assert_eq!(
        (
            family.plan.len(),
            family.plan[0].score,
            family.plan[0].owner_agency.as_str()
        ),
        (1, 5, "Kent County Council")
    );
    assert_eq!(
        (
            family.plan[0].review_on.as_str(),
            family.plan[0].reviews.clone()
        ),
        ("2026-09-01", vec![review])
    );
    assert_eq!(family.plan[0].actions[0].owner, "Head of year");
    assert_eq!(family.household.lead_user_id, Some(worker));
    assert_eq!(
        family.household.lead_name.as_deref(),
        Some("worker display")
    );
    assert_eq!(
        family
            .members
            .iter()
            .map(|m| (m.person.given_name.as_str(), m.relationship.as_str()))
            .collect::<Vec<_>>(),
        [("Dawn", "mother"), ("Kyle", "son")]
    );
    assert_eq!(family.involvements.len(), 2);
    let police_line = family
        .involvements
        .iter()
        .find(|i| i.agency_id == police)
        .expect("police");
    assert_eq!(
        (police_line.agency_name.as_str(), police_line.class.as_str()),
        ("Kent Police", "police")
    );
    assert_eq!(
        police_line.annual_cost(),
        Money::from_pence(42_750),
        "£285 x 1.5"
    );
    assert_eq!(family.events[0].agency_name, "Kent Police");
    assert!(
        store
            .get_family(HouseholdId::new(hid.get() + 1000))
            .await
            .expect("read")
            .is_none()
    );
    assert_eq!(store.households_of(son).await.expect("households"), [hid]);
    assert!(
        store
            .households_of(PersonId::new(son.get() + 500))
            .await
            .expect("none")
            .is_empty()
    );
    let listed = store.list_households().await.expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].members, listed[0].agencies.clone()),
        (2, {
            let mut v = vec![kcc, police];
            v.sort();
            v
        })
    );

    let aid = store
        .create_agreement(
            &NewAgreement {
                title: "Early help ISA".into(),
                party_ids: vec![kcc, police],
                classes: vec![DataClass::of("identity"), DataClass::of("police")],
                purposes: vec![Purpose::parse("early_help").expect("purpose")],
                basis: LawfulBasis::parse("public_task").expect("basis"),
                condition: Some(
                    SpecialCondition::parse("substantial_public_interest").expect("condition"),
                ),
                starts_on: "2026-01-01".into(),
                review_on: "2026-10-01".into(),
                expires_on: "2027-03-31".into(),
                signatories: "Director of Children's Services; Chief Constable".into(),
            },
            &ev("agreement.create", 18),
        )
        .await
        .expect("agreement");
    let all = store.list_agreements().await.expect("agreements");
    assert_eq!(all.len(), 1);
    assert_eq!(
        all[0]
            .parties
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>(),
        ["Kent County Council", "Kent Police"]
    );
    assert_eq!(
        all[0].classes,
        [DataClass::of("identity"), DataClass::of("police")]
    );
    assert_eq!(
        all[0].condition.map(|c| c.as_str()),
        Some("substantial_public_interest")
    );
    store
        .withdraw_agreement(aid, "2026-06-30", &ev("agreement.withdraw", 19))
        .await
        .expect("withdraw");
    assert_eq!(
        store.list_agreements().await.expect("a")[0]
            .withdrawn_on
            .as_deref(),
        Some("2026-06-30")
    );
    assert!(matches!(
        store
            .withdraw_agreement(
                AgreementId::new(aid.get() + 50),
                "2026-06-30",
                &ev("agreement.withdraw", 20)
            )
            .await,
        Err(StoreError::NotFound)
    ));

    let bid = store
        .record_break_glass(
            worker,
            hid,
            "Child reported missing: need the police record",
            &ev("family.break_glass", 21),
        )
        .await
        .expect("break glass");
    assert_eq!(
        store
            .break_glass_households(worker, 21)
            .await
            .expect("opened"),
        [hid]
    );
    assert!(
        store
            .break_glass_households(worker, 22)
            .await
            .expect("none since")
            .is_empty(),
        "an access made before `since` has run out"
    );
    let glass = store.list_break_glass().await.expect("list");
    assert_eq!(
        (
            glass[0].id,
            glass[0].username.as_str(),
            glass[0].reviewed_by.clone()
        ),
        (bid, "worker", None)
    );
    store
        .review_break_glass(bid, "dpo", "Justified", &ev("break_glass.review", 22))
        .await
        .expect("review");
    let glass = store.list_break_glass().await.expect("list");
    assert_eq!(
        (glass[0].reviewed_by.as_deref(), glass[0].finding.as_str()),
        (Some("dpo"), "Justified")
    );
}

/// The records a family's page keeps beyond involvements: the agreement to take part, consent
/// receipts and their withdrawal, decisions not to share, handovers of the lead practitioner,
/// moves, and the end of an involvement. Each change is one transaction with its audit entry.
async fn a_familys_records_keep_their_history(store: &SqlStore) {
    let kcc = agency(store, "Kent County Council").await;
    let school = agency(store, "Sherwood Primary").await;
    let first = user(store, "first", vec![kcc]).await;
    let second = user(store, "second", vec![kcc]).await;
    let hid = store
        .create_household(
            &NewHousehold {
                name: "The Oak family".into(),
                place_id: None,
                address: "1 Old Road".into(),
                lead_user_id: Some(first),
            },
            &ev("family.create", 10),
        )
        .await
        .expect("household");
    let pid = store
        .create_person(
            &NewPerson {
                given_name: "Ann".into(),
                family_name: "Oak".into(),
                date_of_birth: None,
                nhs_number: None,
                ni_number: None,
            },
            &ev("person.create", 11),
        )
        .await
        .expect("person");
    store
        .add_member(hid, pid, "mother", &ev("family.member", 12))
        .await
        .expect("member");
    let early_help = Purpose::parse("early_help").expect("purpose");
    let aid = store
        .create_agreement(
            &NewAgreement {
                title: "School and council, by consent".into(),
                party_ids: vec![kcc, school],
                classes: vec![DataClass::of("education")],
                purposes: vec![early_help],
                basis: LawfulBasis::parse("consent").expect("basis"),
                condition: None,
                starts_on: "2026-01-01".into(),
                review_on: "2026-10-01".into(),
                expires_on: "2027-03-31".into(),
                signatories: "Head teacher; Director".into(),
            },
            &ev("agreement.create", 13),
        )
        .await
        .expect("agreement");

    let before = audit_count(store).await;
    for (agreed, day) in [(true, "2026-02-01"), (false, "2026-05-01")] {
        store
            .record_participation(
                hid,
                &Participation {
                    agreed,
                    day: day.into(),
                    how: "At a home visit".into(),
                    recorded_by: "first".into(),
                },
                &ev("family.participation", 14),
            )
            .await
            .expect("participation");
    }
    let cid = store
        .record_consent(
            &NewConsent {
                person_id: pid,
                agreement_id: aid,
                purposes: vec![early_help],
                given_on: "2026-02-01".into(),
                how: "Signed form".into(),
                recorded_by: "first".into(),
            },
            &ev("consent.record", 15),
        )
        .await
        .expect("consent");
    store
        .withdraw_consent(cid, "2026-04-01", "By phone", &ev("consent.withdraw", 16))
        .await
        .expect("withdraw");
    assert!(
        matches!(
            store
                .withdraw_consent(cid, "2026-04-02", "Again", &ev("consent.withdraw", 16))
                .await,
            Err(StoreError::NotFound)
        ),
        "a consent is withdrawn once"
    );
    store
        .record_refusal(
            hid,
            &SharingRefusal {
                holder_agency_id: school,
                holder_agency: String::new(),
                requester_agency_id: kcc,
                requester_agency: String::new(),
                class: DataClass::of("education"),
                reason: "Not needed for the plan".into(),
                decided_by: "head".into(),
                day: "2026-03-01".into(),
            },
            &ev("family.refusal", 17),
        )
        .await
        .expect("refusal");
    store
        .hand_over(
            hid,
            &Handover {
                from_name: "first display".into(),
                to_user_id: second,
                to_name: String::new(),
                day: "2026-03-02".into(),
                note: "Moving teams".into(),
            },
            &ev("family.handover", 18),
        )
        .await
        .expect("handover");
    store
        .move_household(hid, "2 New Street", "2026-03-03", &ev("family.move", 19))
        .await
        .expect("move");
    assert!(matches!(
        store
            .move_household(
                HouseholdId::new(hid.get() + 99),
                "Nowhere",
                "2026-03-03",
                &ev("family.move", 19)
            )
            .await,
        Err(StoreError::NotFound)
    ));
    let iid = store
        .create_involvement(
            &NewInvolvement {
                person_id: pid,
                agency_id: kcc,
                service: "Family support".into(),
                lead_worker: String::new(),
                need: "parenting".into(),
                class: DataClass::of("social_care"),
                started_on: "2026-01-05".into(),
                ended_on: None,
                unit_cost_code: None,
                unit_cost: Money::from_pence(0),
                unit: String::new(),
                units_per_year_hundredths: 0,
            },
            &ev("involvement.create", 20),
        )
        .await
        .expect("involvement");
    store
        .end_involvement(iid, "2026-06-30", &ev("involvement.end", 21))
        .await
        .expect("end");
    assert_eq!(
        audit_count(store).await - before,
        9,
        "one audit entry per change (two participations, consent, withdrawal, refusal, handover, move, involvement, end)"
    );

    let f = store.get_family(hid).await.expect("read").expect("exists");
    assert_eq!(
        f.participation
            .iter()
            .map(|p| (p.agreed, p.day.as_str()))
            .collect::<Vec<_>>(),
        [(true, "2026-02-01"), (false, "2026-05-01")]
    );
    assert_eq!(f.consents.len(), 1);
    let c = &f.consents[0];
    assert_eq!(
        (
            c.agreement_title.as_str(),
            c.purposes.clone(),
            c.withdrawn_on.as_deref(),
            c.withdrawal_how.as_str()
        ),
        (
            "School and council, by consent",
            vec![early_help],
            Some("2026-04-01"),
            "By phone"
        )
    );
    assert_eq!(
        (
            f.refusals[0].holder_agency.as_str(),
            f.refusals[0].requester_agency.as_str(),
            f.refusals[0].class.as_str()
        ),
        ("Sherwood Primary", "Kent County Council", "education")
    );
    assert_eq!(
        (
            f.household.lead_user_id,
            f.handovers[0].from_name.as_str(),
            f.handovers[0].to_name.as_str()
        ),
        (Some(second), "first display", "second display")
    );
    assert_eq!(f.household.address, "2 New Street");
    assert_eq!(
        f.former_addresses,
        [FormerAddress {
            address: "1 Old Road".into(),
            until_on: "2026-03-03".into()
        }]
    );
    assert_eq!(f.involvements[0].ended_on.as_deref(), Some("2026-06-30"));
}

/// A person in a new household of their own, for the retention case.
async fn family_of_one(store: &SqlStore, name: &str, at: i64) -> (HouseholdId, PersonId) {
    let person = store
        .create_person(
            &NewPerson {
                given_name: name.into(),
                family_name: "Retained".into(),
                date_of_birth: None,
                nhs_number: None,
                ni_number: None,
            },
            &ev("person.create", at),
        )
        .await
        .expect("person");
    let household = store
        .create_household(
            &NewHousehold {
                name: format!("The {name} family"),
                place_id: None,
                address: String::new(),
                lead_user_id: None,
            },
            &ev("family.create", at),
        )
        .await
        .expect("household");
    store
        .add_member(household, person, "parent", &ev("family.member", at))
        .await
        .expect("member");
    (household, person)
}

async fn ended_involvement(
    store: &SqlStore,
    person: PersonId,
    agency_id: AgencyId,
    class: &str,
    ended_on: Option<&str>,
) {
    let new = NewInvolvement {
        person_id: person,
        agency_id,
        service: "Service".into(),
        lead_worker: String::new(),
        need: "parenting".into(),
        class: DataClass::of(class),
        started_on: "2010-01-01".into(),
        ended_on: ended_on.map(str::to_owned),
        unit_cost_code: None,
        unit_cost: Money::ZERO,
        unit: String::new(),
        units_per_year_hundredths: 0,
    };
    store
        .create_involvement(&new, &ev("involvement.create", 30))
        .await
        .expect("involvement");
}

async fn old_event(
    store: &SqlStore,
    household: HouseholdId,
    person: PersonId,
    agency_id: AgencyId,
    class: &str,
    day: &str,
) {
    let e = FamilyEvent {
        person_id: Some(person),
        agency_id,
        agency_name: String::new(),
        day: day.into(),
        summary: "Visit".into(),
        class: DataClass::of(class),
    };
    store
        .add_family_event(household, &e, &ev("family.event", 31))
        .await
        .expect("event");
}

/// The kinds of the candidates, and the families they are about, for one check.
fn candidate_kinds(
    c: &[wholeplace_store::DisposalCandidate],
) -> Vec<(&'static str, &str, Vec<HouseholdId>)> {
    let mut out: Vec<_> = c
        .iter()
        .map(|c| {
            let kind = match c.record {
                DisposalRecord::Involvement(_) => "involvement",
                DisposalRecord::Event(_) => "event",
            };
            (kind, c.class.as_str(), c.households.clone())
        })
        .collect();
    out.sort();
    out
}

async fn retention_rules_holds_and_disposal_round_trip(store: &SqlStore) {
    let kcc = agency(store, "Kent County Council").await;
    let police = agency(store, "Kent Police").await;
    let health = agency(store, "Kent Community Health").await;
    let (held, held_person) = family_of_one(store, "Held", 20).await;
    let (free, free_person) = family_of_one(store, "Free", 21).await;
    let aid = store
        .create_agreement(
            &NewAgreement {
                title: "Police ISA".into(),
                party_ids: vec![kcc, police],
                classes: vec![DataClass::of("police")],
                purposes: vec![Purpose::parse("safeguarding").expect("purpose")],
                basis: LawfulBasis::parse("public_task").expect("basis"),
                condition: Some(
                    SpecialCondition::parse("substantial_public_interest").expect("condition"),
                ),
                starts_on: "2020-01-01".into(),
                review_on: "2030-01-01".into(),
                expires_on: "2030-12-31".into(),
                signatories: "Signed".into(),
            },
            &ev("agreement.create", 22),
        )
        .await
        .expect("agreement");
    let care = retention_rules(store, aid).await;
    // The free family: a police record of a party to the agreement (2 years: due), one of an
    // agency outside it (7 years: kept), an open involvement and one of a class with no rule.
    ended_involvement(store, free_person, police, "police", Some("2022-01-01")).await;
    ended_involvement(store, free_person, health, "police", Some("2022-01-01")).await;
    ended_involvement(store, free_person, kcc, "social_care", None).await;
    ended_involvement(store, free_person, kcc, "housing", Some("2000-01-01")).await;
    old_event(store, free, free_person, police, "police", "2020-05-05").await;
    // The held family's records, and an event on the free family's timeline about its member.
    ended_involvement(store, held_person, kcc, "social_care", Some("2015-01-01")).await;
    old_event(store, held, held_person, kcc, "social_care", "2015-02-02").await;
    old_event(store, free, held_person, police, "police", "2015-03-03").await;

    let today = "2026-06-01";
    let before_hold = store.disposal_candidates(today).await.expect("candidates");
    assert_eq!(before_hold.len(), 5, "{before_hold:?}");
    let hold = legal_hold_on(store, held, free).await;
    disposal_is_one_transaction(store, free, today).await;
    lifting_a_hold_and_removing_a_rule(store, (hold, care), held, free, today).await;
}

/// Rules set, set again (the same rule, new years), refused for a missing agreement and listed;
/// the social care rule's id.
async fn retention_rules(store: &SqlStore, aid: AgreementId) -> RetentionRuleId {
    let rule = |class: &str, agreement_id, keep_years| NewRetentionRule {
        class: DataClass::of(class),
        agreement_id,
        keep_years,
    };
    let police_default = store
        .set_retention_rule(&rule("police", None, 6), &ev("retention.rule", 23))
        .await
        .expect("rule");
    store
        .set_retention_rule(&rule("police", Some(aid), 2), &ev("retention.rule", 23))
        .await
        .expect("agreement rule");
    let care = store
        .set_retention_rule(&rule("social_care", None, 3), &ev("retention.rule", 23))
        .await
        .expect("rule");
    assert_eq!(
        store
            .set_retention_rule(&rule("police", None, 7), &ev("retention.rule", 24))
            .await
            .expect("set again"),
        police_default,
        "one rule for a class: setting it again changes its years"
    );
    assert!(matches!(
        store
            .set_retention_rule(
                &rule("police", Some(AgreementId::new(aid.get() + 99)), 2),
                &ev("retention.rule", 24)
            )
            .await,
        Err(StoreError::NotFound)
    ));
    let rules = store.list_retention_rules().await.expect("rules");
    assert_eq!(
        rules
            .iter()
            .map(|r| (r.class.as_str(), r.agreement_title.as_deref(), r.keep_years))
            .collect::<Vec<_>>(),
        [
            ("police", None, 7),
            ("police", Some("Police ISA"), 2),
            ("social_care", None, 3)
        ]
    );
    care
}

/// A hold set once (a second is a clash, a missing family not found) and listed.
async fn legal_hold_on(store: &SqlStore, held: HouseholdId, free: HouseholdId) -> LegalHoldId {
    let hold = store
        .set_legal_hold(held, "Care proceedings", "dpo", &ev("retention.hold", 40))
        .await
        .expect("hold");
    assert!(matches!(
        store
            .set_legal_hold(held, "Again", "dpo", &ev("retention.hold", 41))
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store
            .set_legal_hold(
                HouseholdId::new(free.get() + 500),
                "No such family",
                "dpo",
                &ev("retention.hold", 41)
            )
            .await,
        Err(StoreError::NotFound)
    ));
    let holds = store.list_legal_holds().await.expect("holds");
    assert_eq!(
        (
            holds.len(),
            holds[0].id,
            holds[0].household_name.as_str(),
            holds[0].set_at,
            holds[0].lifted_by.clone()
        ),
        (1, hold, "The Held family", 40, None)
    );
    hold
}

/// The free family's records due are disposed of with one audit entry; disposing of them again
/// finds them gone and changes nothing.
async fn disposal_is_one_transaction(store: &SqlStore, free: HouseholdId, today: &str) {
    let due = store.disposal_candidates(today).await.expect("candidates");
    assert_eq!(
        candidate_kinds(&due),
        [
            ("event", "police", vec![free]),
            ("involvement", "police", vec![free])
        ],
        "the held family's records, and the event about its member, are kept"
    );
    let entries = audit_count(store).await;
    store
        .dispose(&due, &ev("retention.dispose", 42))
        .await
        .expect("dispose");
    assert_eq!(audit_count(store).await, entries + 1);
    let left = store.get_family(free).await.expect("read").expect("exists");
    assert_eq!(left.involvements.len(), 3, "the other three are kept");
    assert_eq!(left.events.len(), 1, "the event about the held member");
    assert!(matches!(
        store.dispose(&due, &ev("retention.dispose", 43)).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(audit_count(store).await, entries + 1, "nothing written");
}

async fn lifting_a_hold_and_removing_a_rule(
    store: &SqlStore,
    (hold, care): (LegalHoldId, RetentionRuleId),
    held: HouseholdId,
    free: HouseholdId,
    today: &str,
) {
    store
        .lift_legal_hold(hold, "dpo2", &ev("retention.hold", 44))
        .await
        .expect("lift");
    let lifted = &store.list_legal_holds().await.expect("holds")[0];
    assert_eq!(
        (lifted.lifted_by.as_deref(), lifted.lifted_at),
        (Some("dpo2"), Some(44))
    );
    assert!(matches!(
        store
            .lift_legal_hold(hold, "dpo2", &ev("retention.hold", 45))
            .await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        store.disposal_candidates(today).await.expect("c").len(),
        3,
        "lifted: the held family's records are due"
    );
    store
        .delete_retention_rule(care, &ev("retention.rule", 46))
        .await
        .expect("delete");
    assert!(matches!(
        store
            .delete_retention_rule(care, &ev("retention.rule", 47))
            .await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        candidate_kinds(&store.disposal_candidates(today).await.expect("c")),
        [("event", "police", vec![free])],
        "no rule for social care: kept forever"
    );
    store
        .set_legal_hold(held, "Held again", "dpo", &ev("retention.hold", 48))
        .await
        .expect("a family can be held again once lifted");
}

/// A shipped need relabelled and a local one added; a label already used is a clash.
async fn need_terms_relabel_and_add(store: &SqlStore) {
    for (key, label) in [
        ("parenting", "Parenting and family relationships"),
        ("food_poverty", "Food poverty"),
        ("parenting", "Parenting support"),
    ] {
        store
            .set_need_term(
                &NeedTerm {
                    key: key.into(),
                    label: label.into(),
                },
                &ev("need.set", 1),
            )
            .await
            .expect("term");
    }
    let clash = store
        .set_need_term(
            &NeedTerm {
                key: "debt".into(),
                label: "Food poverty".into(),
            },
            &ev("need.set", 2),
        )
        .await;
    assert!(matches!(clash, Err(StoreError::Conflict(_))), "{clash:?}");
    assert_eq!(
        store
            .list_need_terms()
            .await
            .expect("terms")
            .iter()
            .map(|t| (t.key.as_str(), t.label.as_str()))
            .collect::<Vec<_>>(),
        [
            ("food_poverty", "Food poverty"),
            ("parenting", "Parenting support")
        ]
    );
}

fn staged(key: &str, given: &str, family: &str, street: &str) -> StagedValues {
    let v = [
        key,
        given,
        family,
        "01/02/1980",
        "F",
        "1",
        street,
        "Town",
        "AB1 2CD",
        "",
        "",
    ];
    v.map(str::to_owned)
}

/// The partnership [`stage_two`] stages its extract for.
async fn linkage_partnership(store: &SqlStore) -> PartnershipId {
    store
        .list_partnerships()
        .await
        .expect("partnerships")
        .into_iter()
        .find(|p| p.name == "Linkage partnership")
        .expect("staged for it")
        .id
}

async fn stage_two(store: &SqlStore) -> (AgencyId, Vec<StagedRecord>) {
    let aid = agency(store, "Linkage council").await;
    store
        .create_partnership(
            "Linkage partnership",
            "",
            "",
            &[aid],
            &[],
            &ev("partnership.create", 1),
        )
        .await
        .expect("partnership");
    let class: DataClass = key("identity");
    assert_eq!(store.extract_mapping(aid, class).await.expect("none"), None);
    let cols = vec![("given_name".to_owned(), "Forename".to_owned())];
    store
        .save_extract_mapping(aid, class, &cols, &ev("extract.mapping", 1))
        .await
        .expect("mapping");
    let saved = store.extract_mapping(aid, class).await.expect("read");
    assert_eq!(saved, Some(cols));
    let records = (0..1201)
        .map(|i| staged(&format!("r{i}"), "Ann", "Lee", "High Street"))
        .collect();
    let e = NewExtract {
        partnership_id: linkage_partnership(store).await,
        agency_id: aid,
        data_class: class,
        file_name: "council.csv".into(),
        imported_at: 2,
        imported_by: "tester".into(),
        records,
        encoded_columns: Vec::new(),
        encodings: Vec::new(),
    };
    let xid = store
        .create_extract(&e, &ev("extract.import", 2))
        .await
        .expect("extract");
    let list = store.list_extracts().await.expect("extracts");
    assert_eq!(
        (list[0].id, list[0].records, list[0].agency_id),
        (xid, 1201, aid)
    );
    let recs = store
        .staged_records(linkage_partnership(store).await)
        .await
        .expect("records");
    assert_eq!(recs.len(), 1201);
    assert_eq!(recs[5].values[0], "r5");
    (aid, recs)
}

fn result_of(people: Vec<LinkedPerson>, review: Vec<NewReviewItem>) -> LinkResult {
    let household = NewHousehold {
        name: "Lee household".into(),
        place_id: None,
        address: "1 High Street".into(),
        lead_user_id: None,
    };
    LinkResult {
        model: "{}".into(),
        households: vec![(household, (0..people.len()).collect())],
        people,
        review,
        counts: RunCounts {
            records: 3,
            people: 2,
            ..RunCounts::default()
        },
        ended_at: 5,
    }
}

fn linked(existing: Option<PersonId>, records: &[&StagedRecord]) -> LinkedPerson {
    LinkedPerson {
        existing,
        details: NewPerson {
            given_name: "Ann".into(),
            family_name: "Lee".into(),
            date_of_birth: Some("1980-02-01".into()),
            nhs_number: None,
            ni_number: None,
        },
        records: records.iter().map(|r| r.id).collect(),
    }
}

async fn extracts_link_into_people_households_and_a_review_queue(store: &SqlStore) {
    let (_, recs) = stage_two(store).await;
    let settings = store
        .linkage_settings(linkage_partnership(store).await)
        .await
        .expect("settings");
    assert_eq!(
        (settings.lower_ppm, settings.upper_ppm, settings.model),
        (500_000, 950_000, None)
    );
    assert!(
        settings.second_review,
        "merges across classes wait by default"
    );
    store
        .save_review_band(
            linkage_partnership(store).await,
            400_000,
            900_000,
            false,
            &ev("linkage.settings", 3),
        )
        .await
        .expect("band");
    let run = store
        .start_linkage_run(linkage_partnership(store).await, &ev("linkage.run", 4))
        .await
        .expect("run");
    let item = NewReviewItem {
        a: recs[1].id,
        b: recs[2].id,
        probability_ppm: 700_000,
        evidence: "[]".into(),
    };
    let mut first = result_of(
        vec![
            linked(None, &[&recs[0], &recs[1]]),
            linked(None, &[&recs[2]]),
        ],
        vec![item.clone()],
    );
    first.counts.probabilities = vec![(500, 2, 1_000_000), (999, 1, 999_500)];
    store
        .finish_linkage_run(run, &first, &ev("linkage.finish", 5))
        .await
        .expect("finish");
    let after = store
        .staged_records(linkage_partnership(store).await)
        .await
        .expect("records");
    let p0 = after[0].person_id.expect("linked");
    assert_eq!(after[1].person_id, Some(p0));
    let p2 = after[2].person_id.expect("linked");
    assert_ne!(p0, p2);
    assert_eq!(
        store.households_of(p0).await.expect("hh"),
        store.households_of(p2).await.expect("hh")
    );
    let runs = store
        .list_linkage_runs(linkage_partnership(store).await)
        .await
        .expect("runs");
    assert_eq!(
        (runs[0].state, runs[0].counts.people),
        (RunState::Finished, 2)
    );
    assert_eq!(runs[0].counts.probabilities, first.counts.probabilities);
    assert_eq!(
        store
            .linkage_settings(linkage_partnership(store).await)
            .await
            .expect("s")
            .model
            .as_deref(),
        Some("{}")
    );
    let page = store
        .review_page(
            linkage_partnership(store).await,
            ReviewStatus::Pending,
            0,
            10,
        )
        .await
        .expect("queue");
    assert_eq!(page.total, 1);
    assert_eq!(
        page.items[0].people,
        (Some(p0), Some(p2)),
        "the pair's people now"
    );
    let id = page.items[0].id;
    store
        .decide_review(
            id,
            ReviewStatus::Accepted,
            "tester",
            &ev("linkage.review", 6),
        )
        .await
        .expect("accept");
    let got = store.get_review_item(id).await.expect("get").expect("item");
    assert_eq!(
        (got.status, got.decided_by.as_deref()),
        (ReviewStatus::Accepted, Some("tester"))
    );
    assert_eq!(
        store
            .review_decisions(linkage_partnership(store).await)
            .await
            .expect("d"),
        vec![(recs[1].id, recs[2].id, true)]
    );
    store
        .decide_review(
            id,
            ReviewStatus::Pending,
            "tester",
            &ev("linkage.review", 7),
        )
        .await
        .expect("undo");
    assert!(
        store
            .review_decisions(linkage_partnership(store).await)
            .await
            .expect("d")
            .is_empty()
    );
    // A second run keeps the people and their household, and a cancelled one writes nothing.
    let again = store
        .start_linkage_run(linkage_partnership(store).await, &ev("linkage.run", 8))
        .await
        .expect("run");
    let second = result_of(
        vec![linked(Some(p0), &[&recs[0], &recs[1], &recs[2]])],
        vec![],
    );
    store
        .finish_linkage_run(again, &second, &ev("linkage.finish", 9))
        .await
        .expect("finish");
    assert_eq!(
        store
            .staged_records(linkage_partnership(store).await)
            .await
            .expect("r")[2]
            .person_id,
        Some(p0)
    );
    assert_eq!(
        store
            .review_page(
                linkage_partnership(store).await,
                ReviewStatus::Pending,
                0,
                10
            )
            .await
            .expect("q")
            .total,
        0
    );
    let third = store
        .start_linkage_run(linkage_partnership(store).await, &ev("linkage.run", 10))
        .await
        .expect("run");
    store
        .end_linkage_run(third, RunState::Cancelled, 11, &ev("linkage.cancel", 11))
        .await
        .expect("cancel");
    let late = store
        .end_linkage_run(third, RunState::Failed, 12, &ev("linkage.cancel", 12))
        .await;
    assert!(matches!(late, Err(StoreError::NotFound)), "{late:?}");
    assert_eq!(
        store
            .list_linkage_runs(linkage_partnership(store).await)
            .await
            .expect("runs")[0]
            .state,
        RunState::Cancelled
    );
    // Another partnership's linkage is its own: no records, runs or queue of the first, the
    // default band, and a band of its own that leaves the first's alone.
    let other = store
        .create_partnership(
            "Other partnership",
            "",
            "",
            &[],
            &[],
            &ev("partnership.create", 12),
        )
        .await
        .expect("other");
    assert!(store.staged_records(other).await.expect("r").is_empty());
    assert!(
        store
            .list_linkage_runs(other)
            .await
            .expect("runs")
            .is_empty()
    );
    assert_eq!(
        store.linkage_settings(other).await.expect("s"),
        wholeplace_store::LinkageSettings::default()
    );
    store
        .save_review_band(other, 100_000, 200_000, true, &ev("linkage.settings", 12))
        .await
        .expect("other band");
    let mine = store
        .linkage_settings(linkage_partnership(store).await)
        .await
        .expect("s");
    assert_eq!(
        (mine.lower_ppm, mine.upper_ppm, mine.second_review),
        (400_000, 900_000, false)
    );
    let run_other = store
        .start_linkage_run(other, &ev("linkage.run", 12))
        .await
        .expect("other run");
    store
        .finish_linkage_run(
            run_other,
            &result_of(Vec::new(), Vec::new()),
            &ev("linkage.finish", 12),
        )
        .await
        .expect("other finish");
    assert_eq!(
        store
            .review_page(
                linkage_partnership(store).await,
                ReviewStatus::Accepted,
                0,
                10
            )
            .await
            .expect("q")
            .total
            + store
                .review_page(
                    linkage_partnership(store).await,
                    ReviewStatus::Pending,
                    0,
                    10
                )
                .await
                .expect("q")
                .total,
        0,
        "the first's queue is as it was"
    );
    assert_eq!(store.list_linkage_runs(other).await.expect("runs").len(), 1);
    let missing = store
        .save_review_band(
            PartnershipId::new(999_999),
            1,
            2,
            true,
            &ev("linkage.settings", 12),
        )
        .await;
    assert!(missing.is_err(), "no such partnership: {missing:?}");
    // An extract of encodings only keeps its columns and each record's encodings, no identifier.
    let (aid, class) = (recs[0].agency_id, key("identity"));
    let mut ids: Vec<StagedValues> = vec![Default::default(), Default::default()];
    ids[0][0] = "e1".into();
    ids[1][0] = "e2".into();
    let e = NewExtract {
        partnership_id: linkage_partnership(store).await,
        agency_id: aid,
        data_class: class,
        file_name: "encoded.csv".into(),
        imported_at: 13,
        imported_by: "tester".into(),
        records: ids,
        encoded_columns: vec!["first_name_bf".into(), "clk".into(), "bk0".into()],
        encodings: vec!["00ff,ff00,k1".into(), "0f0f,f0f0,k2".into()],
    };
    let xid = store
        .create_extract(&e, &ev("extract.import", 13))
        .await
        .expect("encoded extract");
    let listed = store.list_extracts().await.expect("list");
    let got = listed.iter().find(|x| x.id == xid).expect("listed");
    assert_eq!(got.encoded_columns, e.encoded_columns);
    assert!(
        listed.iter().any(|x| x.encoded_columns.is_empty()),
        "plain ones stay plain"
    );
    let staged = store
        .staged_records(linkage_partnership(store).await)
        .await
        .expect("records");
    let mine: Vec<_> = staged.iter().filter(|r| r.extract_id == xid).collect();
    assert_eq!(
        (
            mine[1].encoding.as_str(),
            mine[1].values[0].as_str(),
            mine[1].values[1].as_str()
        ),
        ("0f0f,f0f0,k2", "e2", "")
    );
    assert!(
        staged
            .iter()
            .filter(|r| r.extract_id != xid)
            .all(|r| r.encoding.is_empty())
    );
}

async fn cohorts_round_trip_with_their_weights_and_candidates(store: &SqlStore) {
    let kcc = agency(store, "Kent County Council").await;
    let (household, person) = family_of_one(store, "Cohort", 40).await;
    ended_involvement(store, person, kcc, "social_care", None).await;
    let need = |k: &str| Need::parse(k).expect("need");
    let mut new = NewCohort {
        name: "Three or more needs".into(),
        description: "Supporting Families style".into(),
        needs: vec![need("parenting"), need("debt")],
        min_needs: 1,
        agency_id: Some(kcc),
        place_id: None,
        cost_points_per_thousand: 2,
        weights: vec![(need("debt"), 5), (need("parenting"), 3)],
        salt: "salt".into(),
        created_by: "amy".into(),
        at: 41,
    };
    let id = store
        .create_cohort(&new, &ev("cohort.create", 41))
        .await
        .expect("cohort");
    let got = store.get_cohort(id).await.expect("read").expect("exists");
    assert_eq!(got.agency_name.as_deref(), Some("Kent County Council"));
    assert_eq!(got.weights, vec![(need("parenting"), 3), (need("debt"), 5)]);
    assert_eq!((got.salt.as_str(), got.min_needs), ("salt", 1));
    assert!(matches!(
        store.create_cohort(&new, &ev("cohort.create", 42)).await,
        Err(StoreError::Conflict(_))
    ));
    new.weights = vec![(need("offending"), 9)];
    new.salt = "ignored".into();
    store
        .update_cohort(id, &new, &ev("cohort.update", 43))
        .await
        .expect("update");
    let got = store.get_cohort(id).await.expect("read").expect("exists");
    assert_eq!((got.weights.len(), got.salt.as_str()), (1, "salt"));
    assert_eq!(store.list_cohorts().await.expect("list").len(), 1);
    let candidates = store.cohort_candidates().await.expect("candidates");
    let mine = candidates
        .iter()
        .find(|c| c.household_id == household)
        .expect("the family");
    assert_eq!(mine.involvements.len(), 1);
    assert_eq!(mine.involvements[0].agency_id, kcc);
    store
        .delete_cohort(id, &ev("cohort.delete", 44))
        .await
        .expect("delete");
    assert!(store.get_cohort(id).await.expect("read").is_none());
    assert!(matches!(
        store
            .update_cohort(id, &new, &ev("cohort.update", 45))
            .await,
        Err(StoreError::NotFound)
    ));
}

fn correction(kind: CorrectionKind, person: PersonId, at: i64) -> NewCorrection {
    NewCorrection {
        kind,
        person,
        merged: None,
        records: Vec::new(),
        new_person: None,
        reason: "same NHS number".into(),
        cross_class: false,
        awaits_second: false,
        made_by: "amy".into(),
        made_at: at,
    }
}

/// Whose each of the first three staged records is.
async fn owners(store: &SqlStore) -> Vec<Option<PersonId>> {
    store
        .staged_records(linkage_partnership(store).await)
        .await
        .expect("records")[..3]
        .iter()
        .map(|r| r.person_id)
        .collect()
}

async fn people_merge_split_and_undo_with_their_lineage(store: &SqlStore) {
    let (aid, recs) = stage_two(store).await;
    let run = store
        .start_linkage_run(linkage_partnership(store).await, &ev("linkage.run", 3))
        .await
        .expect("run");
    let first = result_of(
        vec![
            linked(None, &[&recs[0], &recs[1]]),
            linked(None, &[&recs[2]]),
        ],
        vec![],
    );
    store
        .finish_linkage_run(run, &first, &ev("linkage.finish", 4))
        .await
        .expect("finish");
    let [Some(p0), _, Some(p1)] = owners(store).await[..] else {
        panic!("linked");
    };
    ended_involvement(store, p1, aid, "social_care", None).await;
    let before = store.person_links(p1).await.expect("links").expect("p1");
    assert_eq!(
        (
            before.records.len(),
            before.involvements.len(),
            before.households.len()
        ),
        (1, 1, 1)
    );
    assert_eq!(before.records[0].record_key, "r2");
    assert_eq!(before.records[0].agency_name, "Linkage council");
    let home = before.households[0];

    // A merge moves records, involvements and memberships, and keeps what it moved.
    let mut merge = correction(CorrectionKind::Merge, p0, 5);
    merge.merged = Some(p1);
    let m = store
        .create_correction(&merge, &ev("linkage.merge", 5))
        .await
        .expect("merge");
    assert_eq!(owners(store).await, vec![Some(p0); 3]);
    let kept = store.person_links(p0).await.expect("l").expect("p0");
    assert_eq!((kept.records.len(), kept.involvements.len()), (3, 1));
    assert_eq!(kept.households, vec![home]);
    let gone = store.person_links(p1).await.expect("l").expect("p1 kept");
    assert!(gone.records.is_empty() && gone.involvements.is_empty() && gone.households.is_empty());
    let got = store.get_correction(m).await.expect("get").expect("m");
    assert_eq!(
        (
            got.state,
            got.other,
            got.records.clone(),
            got.involvements.len()
        ),
        (CorrectionState::Applied, Some(p1), vec![recs[2].id], 1)
    );
    assert_eq!(got.memberships.len(), 1);
    assert!(
        got.memberships[0].2,
        "both were members: the merged one's membership dropped"
    );

    // Undo puts everything back.
    store
        .undo_correction(m, "bob", 6, &ev("linkage.undo", 6))
        .await
        .expect("undo");
    assert_eq!(owners(store).await, vec![Some(p0), Some(p0), Some(p1)]);
    let back = store.person_links(p1).await.expect("l").expect("p1");
    assert_eq!(back, before);
    let got = store.get_correction(m).await.expect("get").expect("m");
    assert_eq!(
        (got.state, got.undone_by.as_deref(), got.undone_at),
        (CorrectionState::Undone, Some("bob"), Some(6))
    );
    let again = store
        .undo_correction(m, "bob", 7, &ev("linkage.undo", 7))
        .await;
    assert!(matches!(again, Err(StoreError::NotFound)), "{again:?}");

    // A split makes a new person of the records chosen; undo removes them again.
    let mut split = correction(CorrectionKind::Split, p0, 8);
    split.records = vec![recs[1].id];
    split.new_person = Some(NewPerson {
        given_name: "Anne".into(),
        family_name: "Lee".into(),
        date_of_birth: None,
        nhs_number: None,
        ni_number: None,
    });
    let s = store
        .create_correction(&split, &ev("linkage.split", 8))
        .await
        .expect("split");
    let p2 = store
        .get_correction(s)
        .await
        .expect("g")
        .expect("s")
        .other
        .expect("new");
    assert_eq!(owners(store).await, vec![Some(p0), Some(p2), Some(p1)]);
    let new = store.person_links(p2).await.expect("l").expect("p2");
    assert_eq!(
        (new.person.given_name.as_str(), new.records.len()),
        ("Anne", 1)
    );
    store
        .undo_correction(s, "amy", 9, &ev("linkage.undo", 9))
        .await
        .expect("undo split");
    assert_eq!(owners(store).await, vec![Some(p0), Some(p0), Some(p1)]);
    assert_eq!(
        store.person_links(p2).await.expect("l"),
        None,
        "the split-off person goes"
    );

    // A merge waiting for a second reviewer moves nothing until confirmed; one withdrawn, never.
    merge.awaits_second = true;
    merge.cross_class = true;
    let w = store
        .create_correction(&merge, &ev("linkage.merge", 10))
        .await
        .expect("awaiting");
    assert_eq!(owners(store).await, vec![Some(p0), Some(p0), Some(p1)]);
    store
        .confirm_correction(w, "carol", &ev("linkage.confirm", 11))
        .await
        .expect("confirm");
    assert_eq!(owners(store).await, vec![Some(p0); 3]);
    let got = store.get_correction(w).await.expect("g").expect("w");
    assert_eq!(
        (got.state, got.confirmed_by.as_deref(), got.cross_class),
        (CorrectionState::Applied, Some("carol"), true)
    );
    let twice = store
        .confirm_correction(w, "carol", &ev("linkage.confirm", 12))
        .await;
    assert!(matches!(twice, Err(StoreError::NotFound)), "{twice:?}");
    store
        .undo_correction(w, "amy", 13, &ev("linkage.undo", 13))
        .await
        .expect("undo");
    let x = store
        .create_correction(&merge, &ev("linkage.merge", 14))
        .await
        .expect("awaiting");
    store
        .undo_correction(x, "amy", 15, &ev("linkage.undo", 15))
        .await
        .expect("withdraw");
    assert_eq!(
        store.get_correction(x).await.expect("g").expect("x").state,
        CorrectionState::Withdrawn
    );
    assert_eq!(owners(store).await, vec![Some(p0), Some(p0), Some(p1)]);
    let about_p1: Vec<CorrectionId> = store
        .list_corrections(Some(p1))
        .await
        .expect("list")
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(
        about_p1,
        vec![x, w, m],
        "newest first, only those touching p1"
    );
    assert_eq!(store.list_corrections(None).await.expect("all").len(), 4);
    assert_eq!(
        store.person_links(PersonId::new(999_999)).await.expect("l"),
        None
    );
    store
        .save_review_band(
            linkage_partnership(store).await,
            500_000,
            950_000,
            false,
            &ev("linkage.settings", 16),
        )
        .await
        .expect("band");
    assert!(
        !store
            .linkage_settings(linkage_partnership(store).await)
            .await
            .expect("s")
            .second_review
    );
}

async fn indicators_figures_and_targets_round_trip(store: &SqlStore) {
    use wholeplace_domain::outcomes::{Polarity, Unit};
    let place = store
        .create_place(
            &NewPlace::new("Sherwood", key("ward")),
            &ev("place.create", 1),
        )
        .await
        .expect("place");
    let mut jsa = Indicator {
        id: IndicatorId::new(1),
        name: "Working-age people on JSA".into(),
        definition: "Claimants of Jobseeker's Allowance as a share of residents aged 16-64".into(),
        unit: Unit::Percentage,
        per: None,
        polarity: Polarity::Lower,
        source: "DWP".into(),
        geography: key("ward"),
        national: true,
        version: 1,
        replaces: None,
        bridging_note: String::new(),
    };
    let v1 = store
        .create_indicator(&jsa, &ev("indicator.create", 2))
        .await
        .expect("indicator");
    let clash = store
        .create_indicator(&jsa, &ev("indicator.create", 3))
        .await
        .expect_err("the same version twice");
    assert!(matches!(clash, StoreError::Conflict(_)), "{clash:?}");
    jsa.version = 2;
    jsa.replaces = Some(v1);
    jsa.bridging_note = "Universal Credit replaced JSA from 2018".into();
    let v2 = store
        .create_indicator(&jsa, &ev("indicator.create", 4))
        .await
        .expect("second version");
    let list = store.list_indicators().await.expect("list");
    assert_eq!(list.len(), 2);
    assert_eq!(list[1].id, v2);
    assert_eq!(list[1].replaces, Some(v1));
    assert_eq!(list[1].bridging_note, jsa.bridging_note);
    assert!(list[0].national && list[0].unit == Unit::Percentage);

    let value = |period: &str, value: f64, numerator: Option<f64>| IndicatorValue {
        place_id: place,
        place_name: String::new(),
        period: period.into(),
        value,
        numerator,
        denominator: Some(1000.0),
        illustrative: true,
    };
    let many: Vec<IndicatorValue> = (0..12_000)
        .map(|i| value(&format!("p{i:05}"), f64::from(i) / 4.0, None))
        .collect();
    assert_eq!(
        store
            .put_indicator_values(v1, &many, &ev("indicator.values", 5))
            .await
            .expect("figures"),
        12_000
    );
    store
        .put_indicator_values(
            v1,
            &[
                value("p00001", 3.5, Some(35.0)),
                value("it's \"quoted\"", 1.0, None),
            ],
            &ev("indicator.values", 6),
        )
        .await
        .expect("replaced");
    let read = store.indicator_values(v1).await.expect("read");
    assert_eq!(read.len(), 12_001);
    let one = read.iter().find(|v| v.period == "p00001").expect("one");
    assert_eq!(
        (one.value, one.numerator, one.place_name.as_str()),
        (3.5, Some(35.0), "Sherwood")
    );
    assert!(read.iter().any(|v| v.period == "it's \"quoted\""));
    let mut bad = value("2024", 1.0, None);
    bad.place_id = PlaceId::new(999_999);
    let refused = store
        .put_indicator_values(
            v2,
            &[value("2023", 1.0, None), bad],
            &ev("indicator.values", 7),
        )
        .await
        .expect_err("no such place");
    assert!(matches!(refused, StoreError::NotFound), "{refused:?}");
    assert!(store.indicator_values(v2).await.expect("none").is_empty());

    let target = Target {
        id: TargetId::new(1),
        indicator_id: v1,
        place_id: place,
        place_name: String::new(),
        baseline_value: 4.2,
        baseline_period: "2011/12".into(),
        baseline_source: "DWP benefit claimants".into(),
        target_value: 3.5,
        target_date: "2015-03-31".into(),
        owner: "Jobcentre Plus".into(),
        polarity: Polarity::Lower,
        tolerance: 0.3,
    };
    let t = store
        .create_target(&target, &ev("target.create", 8))
        .await
        .expect("target");
    let again = store
        .create_target(&target, &ev("target.create", 9))
        .await
        .expect_err("one target a date");
    assert!(matches!(again, StoreError::Conflict(_)), "{again:?}");
    let targets = store.list_targets(Some(v1)).await.expect("targets");
    assert_eq!(targets.len(), 1);
    assert_eq!(targets[0].id, t);
    assert_eq!(targets[0].place_name, "Sherwood");
    assert_eq!(targets[0].tolerance, 0.3);
    assert!(store.list_targets(Some(v2)).await.expect("none").is_empty());
    assert_eq!(store.list_targets(None).await.expect("all").len(), 1);

    store
        .upsert_local_authorities(
            &[(
                NewPlace {
                    gss_code: Some("E07000116".into()),
                    ..NewPlace::new("Tunbridge Wells", key("district"))
                },
                LaProfile {
                    population: Some(116_000),
                    imd_rank: Some(282),
                    imd_total: Some(317),
                    ..LaProfile::default()
                },
            )],
            &ev("place.import", 10),
        )
        .await
        .expect("profiles");
    let profiles = store.la_profiles().await.expect("profiles");
    assert_eq!(profiles.len(), 1);
    assert_eq!(profiles[0].1.imd_rank, Some(282));
}

async fn snapshots_keep_the_forecast_and_the_outcomes_achieved(store: &SqlStore) {
    let appraisal = store
        .create_appraisal(
            &NewAppraisal {
                partnership_id: None,
                title: "Family service".into(),
                model_toml: "[appraisal]".into(),
                created_by: "analyst".into(),
                at: 1,
            },
            &ev("appraisal.create", 1),
        )
        .await
        .expect("appraisal");
    let new = wholeplace_store::NewSnapshot {
        appraisal_id: appraisal,
        option_name: "Family service".into(),
        approval: "Leaders board, minute 12".into(),
        approved_on: "2026-11-30".into(),
        model_toml: "[appraisal]".into(),
        forecast: "{\"lines\":[]}".into(),
        created_by: "analyst".into(),
        created_at: 2,
    };
    let sid = store
        .create_snapshot(&new, &ev("appraisal.snapshot", 2))
        .await
        .expect("snapshot");
    let missing = store
        .create_snapshot(
            &wholeplace_store::NewSnapshot {
                appraisal_id: AppraisalId::new(999_999),
                ..new.clone()
            },
            &ev("appraisal.snapshot", 2),
        )
        .await;
    assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
    let listed = store.list_snapshots(appraisal).await.expect("list");
    assert_eq!(
        (listed.len(), listed[0].id, listed[0].approval.as_str()),
        (1, sid, "Leaders board, minute 12")
    );
    store
        .record_outcomes(
            sid,
            &[(0, 0, Some(12_500)), (0, 1, Some(0)), (1, 0, Some(3_000))],
            "amy",
            3,
            &ev("appraisal.realised", 3),
        )
        .await
        .expect("record");
    // A second recording replaces one, clears another; all or nothing.
    store
        .record_outcomes(
            sid,
            &[(0, 0, Some(13_000)), (1, 0, None)],
            "bob",
            4,
            &ev("appraisal.realised", 4),
        )
        .await
        .expect("again");
    let got = store.get_snapshot(sid).await.expect("get").expect("there");
    assert_eq!(got.forecast, new.forecast);
    assert_eq!(
        got.observed
            .iter()
            .map(|o| (o.line, o.year, o.milli, o.recorded_by.as_str()))
            .collect::<Vec<_>>(),
        vec![(0, 0, 13_000, "bob"), (0, 1, 0, "amy")]
    );
    let bad = store
        .record_outcomes(
            sid,
            &[(0, 2, Some(1)), (0, 3, Some(-1))],
            "bob",
            5,
            &ev("appraisal.realised", 5),
        )
        .await;
    assert!(bad.is_err(), "a negative count is refused");
    assert_eq!(
        store
            .get_snapshot(sid)
            .await
            .expect("g")
            .expect("s")
            .observed
            .len(),
        2,
        "nothing of a refused recording is kept"
    );
    let none = store
        .record_outcomes(
            SnapshotId::new(999_999),
            &[],
            "bob",
            5,
            &ev("appraisal.realised", 5),
        )
        .await;
    assert!(matches!(none, Err(StoreError::NotFound)), "{none:?}");
    assert_eq!(
        store
            .get_snapshot(SnapshotId::new(999_999))
            .await
            .expect("g"),
        None
    );
    // The approved forecast outlives no appraisal: it cannot be deleted while frozen.
    let delete = store
        .delete_appraisal(appraisal, &ev("appraisal.delete", 6))
        .await;
    assert!(delete.is_err(), "{delete:?}");
    assert!(store.get_appraisal(appraisal).await.expect("g").is_some());
}

async fn scales_readings_wellbeing_and_star_readings_round_trip(store: &SqlStore) {
    let place = store
        .create_place(
            &NewPlace::new("Wychavon", key("district")),
            &ev("place.create", 1),
        )
        .await
        .expect("place");
    let ann = store
        .create_person(
            &NewPerson {
                given_name: "Ann".into(),
                family_name: "Reed".into(),
                date_of_birth: None,
                nhs_number: None,
                ni_number: None,
            },
            &ev("person.create", 2),
        )
        .await
        .expect("person");
    let family = store
        .create_household(
            &NewHousehold {
                name: "The Reed family".into(),
                place_id: Some(place),
                address: String::new(),
                lead_user_id: None,
            },
            &ev("family.create", 3),
        )
        .await
        .expect("household");
    let mut scale = Scale {
        id: ScaleId::new(1),
        name: "Feeling safe in my street".into(),
        description: "Asked at each review".into(),
        low: 1,
        high: 5,
        anchors: vec![
            "Not at all".into(),
            String::new(),
            String::new(),
            String::new(),
            "Completely".into(),
        ],
    };
    let sid = store
        .create_scale(&scale, &ev("scale.create", 4))
        .await
        .expect("scale");
    let clash = store
        .create_scale(&scale, &ev("scale.create", 5))
        .await
        .expect_err("name taken");
    assert!(matches!(clash, StoreError::Conflict(_)), "{clash:?}");
    scale.id = sid;
    assert_eq!(
        store.list_scales().await.expect("scales"),
        vec![scale.clone()]
    );
    for (subject, on, score) in [
        (Subject::Person(ann), "2024-06-01", 4),
        (Subject::Person(ann), "2024-01-01", 2),
        (Subject::Family(family), "2024-02-01", 3),
    ] {
        let r = ScaleReading {
            id: ScaleReadingId::new(1),
            scale_id: sid,
            subject,
            taken_on: on.into(),
            score,
        };
        store
            .add_scale_reading(&r, &ev("scale.reading", 6))
            .await
            .expect("reading");
    }
    let nobody = ScaleReading {
        id: ScaleReadingId::new(1),
        scale_id: sid,
        subject: Subject::Person(PersonId::new(9999)),
        taken_on: "2024-01-01".into(),
        score: 1,
    };
    let missing = store
        .add_scale_reading(&nobody, &ev("scale.reading", 7))
        .await
        .expect_err("no such person");
    assert!(matches!(missing, StoreError::NotFound), "{missing:?}");
    let readings = store.scale_readings(sid).await.expect("readings");
    let seen: Vec<(Subject, &str, i64)> = readings
        .iter()
        .map(|r| (r.subject, r.taken_on.as_str(), r.score))
        .collect();
    assert_eq!(
        seen,
        [
            (Subject::Person(ann), "2024-01-01", 2),
            (Subject::Family(family), "2024-02-01", 3),
            (Subject::Person(ann), "2024-06-01", 4),
        ]
    );
    let ons4 = WellbeingReading {
        id: WellbeingReadingId::new(1),
        instrument: Instrument::Ons4,
        person_id: ann,
        taken_on: "2024-01-01".into(),
        items: vec![6, 7, 5, 4],
    };
    store
        .add_wellbeing_reading(&ons4, &ev("wellbeing.reading", 8))
        .await
        .expect("ons4");
    let short = WellbeingReading {
        instrument: Instrument::Swemwbs,
        items: vec![3; 7],
        ..ons4.clone()
    };
    store
        .add_wellbeing_reading(&short, &ev("wellbeing.reading", 9))
        .await
        .expect("swemwbs");
    let got = store
        .wellbeing_readings(Instrument::Ons4)
        .await
        .expect("ons4 readings");
    assert_eq!((got.len(), got[0].items.clone()), (1, vec![6, 7, 5, 4]));
    assert_eq!(
        store
            .wellbeing_readings(Instrument::Swemwbs)
            .await
            .expect("short")[0]
            .items,
        vec![3; 7]
    );
    assert!(
        store
            .wellbeing_readings(Instrument::Wemwbs)
            .await
            .expect("full")
            .is_empty()
    );
    let published = Ons4Published {
        place_id: place,
        place_name: String::new(),
        period: "2022/23".into(),
        means: [Some(7.45), Some(7.77), None, Some(3.21)],
        source: "ONS APS".into(),
    };
    store
        .put_ons4_published(&published, &ev("wellbeing.published", 10))
        .await
        .expect("published");
    store
        .put_ons4_published(
            &Ons4Published {
                source: "ONS APS, revised".into(),
                ..published.clone()
            },
            &ev("wellbeing.published", 11),
        )
        .await
        .expect("replaced");
    let p = store.ons4_published().await.expect("published list");
    assert_eq!(p.len(), 1);
    assert_eq!(
        (p[0].place_name.as_str(), p[0].means, p[0].source.as_str()),
        ("Wychavon", published.means, "ONS APS, revised")
    );
    assert_eq!(store.wemwbs_registration().await.expect("none"), None);
    let reg = WemwbsRegistration {
        registered_by: "Wychavon DC".into(),
        registered_on: "2024-04-01".into(),
        licence_reference: "WEMWBS-1234".into(),
        recorded_by: "admin".into(),
        recorded_at: 12,
    };
    store
        .set_wemwbs_registration(&reg, &ev("wemwbs.register", 12))
        .await
        .expect("register");
    store
        .set_wemwbs_registration(&reg, &ev("wemwbs.register", 13))
        .await
        .expect("again");
    assert_eq!(store.wemwbs_registration().await.expect("one"), Some(reg));
    let star = |area: &str, on: &str, score| StarReading {
        person_id: ann,
        star: "Home Star".into(),
        taken_on: on.into(),
        area: area.into(),
        score,
    };
    let n = store
        .put_star_readings(
            &[
                star("Managing money", "2024-01-01", 3),
                star("Managing money", "2024-06-01", 6),
            ],
            &ev("wellbeing.star_import", 14),
        )
        .await
        .expect("star");
    assert_eq!(n, 2);
    store
        .put_star_readings(
            &[star("Managing money", "2024-06-01", 7)],
            &ev("wellbeing.star_import", 15),
        )
        .await
        .expect("replace");
    let bad = StarReading {
        person_id: PersonId::new(9999),
        ..star("Managing money", "2024-01-01", 1)
    };
    let refused = store
        .put_star_readings(
            &[star("Living skills", "2024-01-01", 2), bad],
            &ev("wellbeing.star_import", 16),
        )
        .await
        .expect_err("no such person");
    assert!(matches!(refused, StoreError::NotFound), "{refused:?}");
    let scores: Vec<(String, i64)> = store
        .star_readings()
        .await
        .expect("stars")
        .into_iter()
        .map(|r| (r.taken_on, r.score))
        .collect();
    assert_eq!(
        scores,
        [("2024-01-01".to_owned(), 3), ("2024-06-01".to_owned(), 7)]
    );
}

async fn surveys_rounds_and_responses_round_trip(store: &SqlStore) {
    let place = store
        .create_place(
            &NewPlace::new("Wychavon", key("district")),
            &ev("place.create", 1),
        )
        .await
        .expect("place");
    let mut survey = Survey {
        id: SurveyId::new(1),
        place_id: place,
        place_name: String::new(),
        name: "Community survey".into(),
        description: "Community researchers".into(),
    };
    let sid = store
        .create_survey(&survey, &ev("survey.create", 2))
        .await
        .expect("survey");
    let clash = store
        .create_survey(&survey, &ev("survey.create", 3))
        .await
        .expect_err("same name");
    assert!(matches!(clash, StoreError::Conflict(_)), "{clash:?}");
    let nowhere = Survey {
        place_id: PlaceId::new(9999),
        ..survey.clone()
    };
    assert!(matches!(
        store.create_survey(&nowhere, &ev("survey.create", 3)).await,
        Err(StoreError::NotFound)
    ));
    survey.id = sid;
    survey.place_name = "Wychavon".into();
    assert_eq!(store.list_surveys().await.expect("surveys"), vec![survey]);
    let mut round = SurveyRound {
        id: SurveyRoundId::new(1),
        survey_id: sid,
        label: "Spring 2024".into(),
        opens_on: "2024-03-01".into(),
        closes_on: "2024-04-30".into(),
        invited: Some(300),
        token: "ps_abc".into(),
        groups: vec!["16-24".into(), "65 and over".into()],
    };
    let rid = store
        .create_survey_round(&round, &ev("survey.round", 4))
        .await
        .expect("round");
    let again = store
        .create_survey_round(
            &SurveyRound {
                token: "ps_def".into(),
                ..round.clone()
            },
            &ev("survey.round", 5),
        )
        .await
        .expect_err("same label");
    assert!(matches!(again, StoreError::Conflict(_)), "{again:?}");
    round.id = rid;
    assert_eq!(
        store.survey_rounds(sid).await.expect("rounds"),
        vec![round.clone()]
    );
    assert_eq!(
        store
            .survey_round_by_token("ps_abc")
            .await
            .expect("by token"),
        Some(round)
    );
    assert_eq!(
        store.survey_round_by_token("ps_nope").await.expect("none"),
        None
    );
    let mut scores = [Some(5); 14];
    scores[3] = None;
    let response = SurveyResponse {
        id: SurveyResponseId::new(1),
        round_id: rid,
        received_at: 100,
        channel: Channel::Link,
        group: "16-24".into(),
        scores,
        good: "The park".into(),
        better: "Buses at night".into(),
    };
    let id = store
        .add_survey_response(&response, &ev("survey.response", 6))
        .await
        .expect("response");
    let paper = SurveyResponse {
        channel: Channel::Paper,
        group: String::new(),
        received_at: 200,
        ..response.clone()
    };
    store
        .add_survey_response(&paper, &ev("survey.response", 7))
        .await
        .expect("paper");
    let orphan = SurveyResponse {
        round_id: SurveyRoundId::new(9999),
        ..response.clone()
    };
    assert!(matches!(
        store
            .add_survey_response(&orphan, &ev("survey.response", 8))
            .await,
        Err(StoreError::NotFound)
    ));
    let got = store.survey_responses(rid).await.expect("responses");
    assert_eq!(got.len(), 2);
    assert_eq!(got[0], SurveyResponse { id, ..response });
    assert_eq!(got[1].channel, Channel::Paper);
}
