//! `wholeplace demo`: the demonstration partnership, built from the source documents' own figures:
//! the Sherwood neighbourhood community budget pilot and its four budget holders (seed 003),
//! Worcestershire's six areas of high need with their £500,000 grants and the 20% cut (seed 004),
//! and Shropshire's four pilots with the £135,000 grant (seed 000), on the real local authorities.

use anyhow::{Context, anyhow};
use clap::Args;
use wholeplace_service::{Actor, Service};
use wholeplace_service::{BudgetForm, PlaceForm};
use wholeplace_store::{GrantChange, NewGrant};

/// Options of `wholeplace demo`.
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Delete the SQLite database in --data-dir and build the demonstration again from scratch
    /// (refused for a --database-url, which may hold real data).
    #[arg(long)]
    reset: bool,
}

/// Agencies of the demonstration.
pub const DEMO_AGENCIES: &[(&str, &str)] = &[
    ("Kent County Council", "county_council"),
    ("Tunbridge Wells Borough Council", "district_council"),
    ("National Health Service (West Kent)", "nhs_icb"),
    ("Jobcentre Plus", "dwp"),
    ("Department for Work and Pensions (benefits)", "dwp"),
    ("Kent Police", "police"),
    ("Town and Country Housing", "housing_association"),
    ("Worcestershire Partnership", "partnership"),
    ("Bromsgrove Partnership", "partnership"),
    ("Malvern Hills Partnership", "partnership"),
    ("Redditch Partnership", "partnership"),
    ("Worcester Partnership", "partnership"),
    ("Wychavon Partnership", "partnership"),
    ("Wyre Forest Partnership", "partnership"),
    ("Shropshire Council", "unitary"),
    ("County Training", "voluntary"),
    ("South Shropshire Furniture Scheme", "social_enterprise"),
    ("Shropshire Housing Group", "housing_association"),
];

fn err(e: wholeplace_service::ServiceError) -> anyhow::Error {
    match e {
        wholeplace_service::ServiceError::Validation(list) => {
            anyhow!(
                "{}",
                list.into_iter()
                    .map(|f| format!("{}: {}", f.field, f.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        }
        other => anyhow!("{other}"),
    }
}

fn place(name: &str, level: &str, parent: i64, description: &str) -> PlaceForm {
    PlaceForm {
        name: name.to_owned(),
        level: level.to_owned(),
        parent_id: parent.to_string(),
        description: description.to_owned(),
        ..Default::default()
    }
}

/// Builds the demonstration into a database without places; returns whether it loaded anything.
pub async fn load_if_empty(service: &Service) -> anyhow::Result<bool> {
    if service.is_demo().await.map_err(err)?
        || !service
            .list_places(&Actor::operator())
            .await
            .map_err(err)?
            .is_empty()
    {
        return Ok(false);
    }
    let op = Actor::operator();
    let existing = service
        .list_agencies(&Actor::operator())
        .await
        .map_err(err)?;
    for (name, kind) in DEMO_AGENCIES {
        if !existing.iter().any(|a| a.name == *name) {
            service.create_agency(&op, name, kind).await.map_err(err)?;
        }
    }
    service.import_local_authorities(&op).await.map_err(err)?;
    let agencies = service
        .list_agencies(&Actor::operator())
        .await
        .map_err(err)?;
    let agency = |n: &str| {
        agencies
            .iter()
            .find(|a| a.name == n)
            .map(|a| a.id)
            .ok_or_else(|| anyhow!("demo agency {n} missing"))
    };
    let places = service.list_places(&Actor::operator()).await.map_err(err)?;
    let la = |n: &str| {
        places
            .iter()
            .find(|p| p.name == n)
            .map(|p| p.id)
            .ok_or_else(|| anyhow!("local authority {n} missing from the profiles"))
    };

    // Sherwood (seed 003): a ward of Tunbridge Wells and its four biggest budget holders.
    let sherwood = service
        .create_place(
            &op,
            &PlaceForm {
                // The pilot reports give no population for the ward: 7,700 is an illustrative
                // round figure so the demo shows spending per head; it is not an ONS estimate.
                population: "7700".to_owned(),
                ..place(
                    "Sherwood",
                    "ward",
                    la("Tunbridge Wells")?,
                    "Neighbourhood community budget pilot area in Tunbridge Wells. Population: an illustrative round figure for per-head views, not an ONS estimate.",
                )
            },
        )
        .await
        .map_err(err)?;
    let sherwood_agencies = [
        "Kent County Council",
        "Tunbridge Wells Borough Council",
        "National Health Service (West Kent)",
        "Jobcentre Plus",
        "Kent Police",
        "Town and Country Housing",
    ];
    for a in sherwood_agencies {
        service
            .add_agency_coverage(&op, agency(a)?, sherwood)
            .await
            .map_err(err)?;
    }
    let source = "Sherwood Neighbourhood Community Budget pilot, resource mapping (four biggest budget holders)";
    for (a, service_area, amount, confidence) in [
        (
            "Kent County Council",
            "social_services",
            "9550000",
            "as reported",
        ),
        (
            "Tunbridge Wells Borough Council",
            "housing",
            "7800000",
            "as reported",
        ),
        (
            "National Health Service (West Kent)",
            "health",
            "5320000",
            "partial: PCT and community health trust costs still to be added",
        ),
        (
            "Jobcentre Plus",
            "employment_economy",
            "5700000",
            "as reported",
        ),
        (
            "Department for Work and Pensions (benefits)",
            "benefits",
            "13000000",
            "over £13m on out-of-work benefits, incl. housing and council tax benefit",
        ),
    ] {
        let f = BudgetForm {
            agency: a.to_owned(),
            place: sherwood.to_string(),
            service_area: service_area.to_owned(),
            financial_year: "2012/13".to_owned(),
            amount: amount.to_owned(),
            spend_kind: "revenue".to_owned(),
            source: source.to_owned(),
            confidence: confidence.to_owned(),
        };
        let _ = service.add_budget_line(&op, &f).await.map_err(err)?;
    }
    let members = sherwood_agencies
        .iter()
        .map(|a| agency(a))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let sherwood_partnership = service
        .create_partnership(
            &op,
            "Sherwood Neighbourhood Community Budget",
            "Redesign services around Sherwood's families and residents; reinvest cashable savings in prevention.",
            "Leaders board; steering group",
            &members,
            &[sherwood],
        )
        .await
        .map_err(err)?;
    // The worked appraisal: a family-intervention service for Sherwood's families against doing
    // nothing, valued with real GMCA unit costs (the shipped example model).
    service
        .create_appraisal_from_text(
            &op,
            &sherwood_partnership.to_string(),
            include_str!("../../../examples/appraisal/family-intervention.toml"),
        )
        .await
        .map_err(err)?;

    // Worcestershire's areas of high need (seed 004): £500,000 to each district LSP over five
    // years from March 2010, later cut by 20%.
    let mut worcs_places = Vec::new();
    let mut worcs_members = vec![agency("Worcestershire Partnership")?];
    for district in [
        "Bromsgrove",
        "Malvern Hills",
        "Redditch",
        "Worcester",
        "Wychavon",
        "Wyre Forest",
    ] {
        let p = service
            .create_place(
                &op,
                &place(
                    &format!("{district} area of high need"),
                    "neighbourhood",
                    la(district)?,
                    "Worcestershire Areas of High Need locality",
                ),
            )
            .await
            .map_err(err)?;
        worcs_places.push(p);
        let lsp = agency(&format!("{district} Partnership"))?;
        worcs_members.push(lsp);
        let grant = NewGrant {
            funder_agency_id: agency("Worcestershire Partnership")?,
            title: format!("Areas of High Need reward grant: {district}"),
            purpose: "Positive outcomes for residents most in need, delivered through the district local strategic partnership".to_owned(),
            amount_pence: 50_000_000,
            start_year: 2009,
            end_year: 2014,
            conditions: "Quarterly returns; six-monthly Learning and Development self-assessment".to_owned(),
            recipient_ids: vec![lsp],
            place_ids: vec![p],
        };
        let id = service.create_grant(&op, &grant).await.map_err(err)?;
        let cut = GrantChange {
            from_year: 2011,
            new_amount_pence: 40_000_000,
            reason: "20% cut due to pressure on public funding".to_owned(),
        };
        service.change_grant(&op, id, &cut).await.map_err(err)?;
    }
    service
        .create_partnership(
            &op,
            "Worcestershire Areas of High Need",
            "Tackle multiple deprivation (income, employment, skills, health) in the areas of highest need through district LSPs.",
            "Worcestershire Partnership Management Group; AoHN task group",
            &worcs_members,
            &worcs_places,
        )
        .await
        .map_err(err)?;

    // Shropshire's four pilots (seed 000): three neighbourhoods and one theme, and the £135,000 grant.
    let shropshire = la("Shropshire")?;
    let mut shrop_places = Vec::new();
    for (name, level, description) in [
        (
            "Sandpits, Ludlow",
            "neighbourhood",
            "Community hub at Rockspring Community Centre",
        ),
        (
            "Fairfields, Market Drayton",
            "neighbourhood",
            "Community hub at Charter Court",
        ),
        (
            "York Road / Kynaston Road",
            "neighbourhood",
            "Pilot area from December 2011",
        ),
        (
            "Transient singles with substance misuse",
            "cohort",
            "Thematic pilot",
        ),
    ] {
        shrop_places.push(
            service
                .create_place(&op, &place(name, level, shropshire, description))
                .await
                .map_err(err)?,
        );
    }
    let team = [
        "Shropshire Council",
        "County Training",
        "South Shropshire Furniture Scheme",
        "Shropshire Housing Group",
    ]
    .iter()
    .map(|n| agency(n))
    .collect::<anyhow::Result<Vec<_>>>()?;
    let hubs = NewGrant {
        funder_agency_id: agency("Jobcentre Plus")?,
        title: "Flexible Support Fund: multi-agency community hubs".to_owned(),
        purpose: "Establish multi-agency community hubs at Sandpits (Ludlow) and Fairfields (Market Drayton)".to_owned(),
        amount_pence: 13_500_000,
        start_year: 2011,
        end_year: 2012,
        conditions: String::new(),
        recipient_ids: team.clone(),
        place_ids: shrop_places[..2].to_vec(),
    };
    service.create_grant(&op, &hubs).await.map_err(err)?;
    let shrop_partnership = service
        .create_partnership(
            &op,
            "Shropshire place-based pilots",
            "Four pilots: three neighbourhoods and one theme.",
            "Project team",
            &team,
            &shrop_places,
        )
        .await
        .map_err(err)?;
    // The four pilots themselves (seed 000, sections 2 to 5).
    for (name, place, theme, lead, aims, start) in [
        (
            "Sandpits community hub",
            shrop_places[0],
            "",
            "Shropshire Council",
            "Rockspring Thursdays: public and voluntary services together once a week; community hubs, health and wellbeing, affordable housing for young people, youth employment",
            "",
        ),
        (
            "Fairfields worklessness pilot",
            shrop_places[1],
            "",
            "Shropshire Housing Group",
            "Tackle worklessness with residents on the project steering group; a multi-agency community hub on the Fairfields estate",
            "",
        ),
        (
            "Harlescott families pilot",
            shrop_places[2],
            "",
            "Shropshire Council",
            "Understand the service jigsaw from five volunteer families' point of view and remove demand rather than redesign services to meet it",
            "2011-12-01",
        ),
        (
            "Oswestry substance misuse pilot",
            shrop_places[3],
            "Transient singles, poorly supported by family and neighbours",
            "",
            "Better support at crisis points; peer networks and buddy systems",
            "",
        ),
    ] {
        let f = wholeplace_service::ProjectForm {
            partnership_id: shrop_partnership.to_string(),
            name: name.to_owned(),
            place_id: place.to_string(),
            theme: theme.to_owned(),
            lead_agency_id: if lead.is_empty() {
                String::new()
            } else {
                agency(lead)?.to_string()
            },
            aims: aims.to_owned(),
            start_date: start.to_owned(),
            end_date: String::new(),
        };
        service.create_project(&op, &f).await.map_err(err)?;
    }
    // An identified link at each partner of the Oswestry pilot (seed 000, 4.3). Names are invented.
    for (agency_name, name, role) in [
        (
            "Shropshire Council",
            "Sam Example",
            "Identified link, Oswestry pilot",
        ),
        (
            "Shropshire Housing Group",
            "Jo Sample",
            "Identified link, Oswestry pilot",
        ),
    ] {
        let f = wholeplace_service::ContactForm {
            agency_id: agency(agency_name)?.to_string(),
            name: name.to_owned(),
            role: role.to_owned(),
            email: String::new(),
            phone: String::new(),
        };
        service.create_contact(&op, &f).await.map_err(err)?;
    }
    service.mark_demo().await.map_err(err)?;
    Ok(true)
}

pub async fn run(
    url: Option<&str>,
    data_dir: &std::path::Path,
    args: DemoArgs,
) -> anyhow::Result<()> {
    if args.reset {
        if url.is_some() {
            anyhow::bail!(
                "--reset deletes the database: it works only on the embedded SQLite file in --data-dir, never on a --database-url"
            );
        }
        for suffix in ["", "-wal", "-shm"] {
            let path = data_dir.join(format!("wholeplace.db{suffix}"));
            if path.exists() {
                std::fs::remove_file(&path)
                    .with_context(|| format!("cannot remove {}", path.display()))?;
            }
        }
    }
    let (service, store, shown) = crate::open_service(url, data_dir, false).await?;
    let password = service.bootstrap_admin().await?;
    let loaded = load_if_empty(&service).await?;
    store.close().await;
    let what = if loaded {
        "demonstration data loaded"
    } else {
        "the database already has places; nothing loaded (use --reset to rebuild the demonstration)"
    };
    println!("{shown}: {what}");
    if let Some(pw) = password {
        println!("Sign in as admin with the one-time password {pw}");
    }
    Ok(())
}
