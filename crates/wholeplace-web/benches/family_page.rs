//! A family's page, whole (target: under 100 ms): a practitioner's request through the router,
//! the session, the access gate over every record, the audit entry, the As Is cost and the
//! rendered page, for a family of 10 members with 150 involvements and 2,000 events, on SQLite.

#[path = "../tests/common/mod.rs"]
#[expect(dead_code, reason = "the benchmark uses part of the tests' harness")]
mod common;

use common::App;
use criterion::{Criterion, criterion_group, criterion_main};
use wholeplace_domain::{AgencyId, DataClass};
use wholeplace_service::{
    Actor, AgreementForm, HouseholdForm, InvolvementForm, NewUserForm, PersonForm,
};

const CLASSES: [&str; 5] = ["social_care", "housing", "benefits", "education", "police"];
const NEEDS: [&str; 5] = [
    "parenting",
    "debt",
    "worklessness",
    "school_attendance",
    "offending",
];
const CODES: [&str; 5] = ["SS18.2", "HO1.0.4", "E&E1.9", "E&S1.0", "CR1.0"];

async fn big_family() -> (App, common::Browser, String) {
    let app = App::new(wholeplace_store_tests::sqlite().await);
    let _admin = app.admin().await;
    let op = Actor::operator();
    let s = &app.service;
    let mut agencies: Vec<AgencyId> = Vec::new();
    for i in 0..6 {
        agencies.push(
            s.create_agency(&op, &format!("Agency {i}"), "county_council")
                .await
                .expect("agency"),
        );
    }
    let family = s
        .create_family(
            &op,
            &HouseholdForm {
                name: "A large family".into(),
                ..Default::default()
            },
        )
        .await
        .expect("family");
    let mut people = Vec::new();
    for i in 0..10 {
        people.push(
            s.add_family_member(
                &op,
                family,
                &PersonForm {
                    given_name: format!("Member{i}"),
                    family_name: "Large".into(),
                    relationship: "child".into(),
                    date_of_birth: format!("20{:02}-01-01", i + 5),
                    ..Default::default()
                },
            )
            .await
            .expect("member"),
        );
    }
    for i in 0..150 {
        s.add_involvement_for_agency(
            &op,
            family,
            agencies[i % agencies.len()],
            &InvolvementForm {
                person_id: people[i % people.len()].to_string(),
                service: format!("Service {i}"),
                need: NEEDS[i % 5].into(),
                class: CLASSES[i % 5].into(),
                started_on: "2026-01-05".into(),
                unit_cost_code: CODES[i % 5].into(),
                units_per_year: "12".into(),
                ..Default::default()
            },
        )
        .await
        .expect("involvement");
    }
    for i in 0..2000 {
        s.add_event_for_agency(
            &op,
            family,
            &wholeplace_store::FamilyEvent {
                person_id: Some(people[i % people.len()]),
                agency_id: agencies[i % agencies.len()],
                agency_name: String::new(),
                day: format!("2026-{:02}-{:02}", 1 + i % 12, 1 + i % 28),
                summary: format!("Event {i}: a visit"),
                class: DataClass::of(CLASSES[i % 5]),
            },
        )
        .await
        .expect("event");
    }
    s.create_agreement(
        &op,
        &AgreementForm {
            title: "Early help".into(),
            parties: agencies.iter().take(4).map(|a| a.to_string()).collect(),
            classes: vec![
                "identity".into(),
                "social_care".into(),
                "housing".into(),
                "benefits".into(),
            ],
            purposes: vec!["early_help".into()],
            basis: "public_task".into(),
            condition: "substantial_public_interest".into(),
            starts_on: "2020-01-01".into(),
            review_on: "2098-01-01".into(),
            expires_on: "2099-01-01".into(),
            signatories: "Signed".into(),
        },
    )
    .await
    .expect("agreement");
    let (_, otp) = s
        .create_user(
            &op,
            &NewUserForm {
                username: "worker".into(),
                display_name: "A worker".into(),
                role: "practitioner".into(),
                agency_ids: vec![agencies[0]],
            },
        )
        .await
        .expect("user");
    let browser = app.first_sign_in("worker", &otp).await;
    (app, browser, format!("/families/{family}"))
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let (app, browser, path) = rt.block_on(big_family());
    let first = rt.block_on(app.get_as(&browser, &path));
    assert_eq!(first.status, axum::http::StatusCode::OK, "{}", first.body);
    assert!(
        first.body.contains("further involvement"),
        "the gate withholds some"
    );
    c.bench_function(
        "family page: 10 members, 150 involvements, 2,000 events",
        |b| {
            b.iter(|| rt.block_on(app.get_as(&browser, &path)));
        },
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = bench
}
criterion_main!(benches);
