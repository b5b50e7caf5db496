//! `wholeplace demo`: the demonstration partnership, built from the source documents' own figures:
//! the Sherwood neighbourhood community budget pilot and its four budget holders (seed 003),
//! Worcestershire's six areas of high need with their £500,000 grants and the 20% cut (seed 004),
//! and Shropshire's four pilots with the £135,000 grant (seed 000), on the real local authorities.

use anyhow::{Context, anyhow};
use clap::Args;
use wholeplace_domain::{AgencyId, AppraisalId, PartnershipId, PlaceId};
use wholeplace_domain::{FinancialYear, Money};
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

/// The demonstration agencies' registered identifiers (org-id.guide): the councils' codes on
/// the local-authority registers, the NHS body's ODS code and the department's government
/// organisation register code. The partnerships and voluntary groups have none here, so the
/// 360Giving export shows them with the publisher's own `360G-` identifiers.
pub const DEMO_IDENTIFIERS: &[(&str, &[&str])] = &[
    ("Kent County Council", &["GB-LAE-KEN"]),
    ("Shropshire Council", &["GB-LAE-SHR"]),
    ("National Health Service (West Kent)", &["GB-NHS-99J"]),
    ("Jobcentre Plus", &["GB-GOR-D10"]),
    (
        "Department for Work and Pensions (benefits)",
        &["GB-GOR-D10"],
    ),
];

pub(crate) fn err(e: wholeplace_service::ServiceError) -> anyhow::Error {
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

fn place(name: &str, level: &str, parent: PlaceId, description: &str) -> PlaceForm {
    PlaceForm {
        name: name.to_owned(),
        level: level.to_owned(),
        parent_id: parent.to_string(),
        description: description.to_owned(),
        ..Default::default()
    }
}

/// Builds the demonstration into a database without places; returns whether it loaded anything.
/// Loads the demonstration into an empty database; gives the practitioners' accounts it made
/// (none when the database already had data).
pub async fn load_if_empty(
    service: &Service,
) -> anyhow::Result<Option<Vec<crate::demo_family::DemoAccount>>> {
    if service.is_demo().await.map_err(err)?
        || !service
            .list_places(&Actor::operator())
            .await
            .map_err(err)?
            .is_empty()
    {
        return Ok(None);
    }
    let op = Actor::operator();
    add_agencies(service, &op).await?;
    service.import_local_authorities(&op).await.map_err(err)?;
    let demo = Demo {
        service,
        op,
        agencies: service
            .list_agencies(&Actor::operator())
            .await
            .map_err(err)?,
        places: service.list_places(&Actor::operator()).await.map_err(err)?,
    };
    let sherwood = demo.sherwood_place().await?;
    demo.sherwood_budget_lines(sherwood).await?;
    let sherwood_partnership = demo.sherwood_partnership(sherwood).await?;
    demo.sherwood_appraisal(sherwood_partnership).await?;
    let (worcs_places, worcs_members) = demo.worcestershire_areas().await?;
    demo.worcestershire_partnership(&worcs_members, &worcs_places)
        .await?;
    let shrop_places = demo.shropshire_places().await?;
    let team = demo.shropshire_team()?;
    demo.shropshire_grant(&team, &shrop_places).await?;
    let shrop_partnership = demo.shropshire_partnership(&team, &shrop_places).await?;
    demo.shropshire_projects(shrop_partnership, &shrop_places)
        .await?;
    demo.shropshire_contacts().await?;
    crate::demo_outcomes::load(service, &demo.op, sherwood, &demo.places).await?;
    let accounts = crate::demo_family::load(service, &demo.op, &demo.agencies, sherwood).await?;
    crate::demo_soft::load(service, &demo.op, &demo.places, sherwood).await?;
    service.mark_demo().await.map_err(err)?;
    Ok(Some(accounts))
}

/// Prints how to sign in as the demonstration's practitioners.
pub fn print_accounts(accounts: &[crate::demo_family::DemoAccount]) {
    for (username, agency, password) in accounts {
        println!("  practitioner {username} ({agency}), one-time password: {password}");
    }
}

/// Adds the demonstration's agencies the database does not have yet.
async fn add_agencies(service: &Service, op: &Actor) -> anyhow::Result<()> {
    let existing = service
        .list_agencies(&Actor::operator())
        .await
        .map_err(err)?;
    for (name, kind) in DEMO_AGENCIES {
        if !existing.iter().any(|a| a.name == *name) {
            let id = service.create_agency(op, name, kind).await.map_err(err)?;
            if let Some((_, ids)) = DEMO_IDENTIFIERS.iter().find(|(n, _)| n == name) {
                service
                    .set_agency_identifiers(op, id, ids)
                    .await
                    .map_err(err)?;
            }
        }
    }
    if service.grant_publisher(op).await.map_err(err)?.is_none() {
        let publisher = wholeplace_service::PublisherForm {
            prefix: "360G-wholeplacedemo".to_owned(),
            name: "wholeplace demonstration partnership".to_owned(),
            identifier: String::new(),
            website: String::new(),
            licence: wholeplace_service::LICENCES[0].0.to_owned(),
        };
        service
            .set_grant_publisher(op, &publisher)
            .await
            .map_err(err)?;
    }
    Ok(())
}

/// The demonstration being built: the service, who builds it, and the agencies and local
/// authorities it refers to by name.
struct Demo<'a> {
    service: &'a Service,
    op: Actor,
    agencies: Vec<wholeplace_store::Agency>,
    places: Vec<wholeplace_store::Place>,
}

/// The agencies of the Sherwood pilot that cover the ward and make up its partnership.
const SHERWOOD_AGENCIES: [&str; 6] = [
    "Kent County Council",
    "Tunbridge Wells Borough Council",
    "National Health Service (West Kent)",
    "Jobcentre Plus",
    "Kent Police",
    "Town and Country Housing",
];

impl Demo<'_> {
    fn agency(&self, n: &str) -> anyhow::Result<AgencyId> {
        self.agencies
            .iter()
            .find(|a| a.name == n)
            .map(|a| a.id)
            .ok_or_else(|| anyhow!("demo agency {n} missing"))
    }

    fn la(&self, n: &str) -> anyhow::Result<PlaceId> {
        self.places
            .iter()
            .find(|p| p.name == n)
            .map(|p| p.id)
            .ok_or_else(|| anyhow!("local authority {n} missing from the profiles"))
    }

    /// Sherwood (seed 003): a ward of Tunbridge Wells, covered by its biggest budget holders.
    async fn sherwood_place(&self) -> anyhow::Result<PlaceId> {
        let sherwood = self
            .service
            .create_place(
                &self.op,
                &PlaceForm {
                    // The pilot reports give no population for the ward: 7,700 is an illustrative
                    // round figure so the demo shows spending per head; it is not an ONS estimate.
                    population: "7700".to_owned(),
                    ..place(
                        "Sherwood",
                        "ward",
                        self.la("Tunbridge Wells")?,
                        "Neighbourhood community budget pilot area in Tunbridge Wells. Population: an illustrative round figure for per-head views, not an ONS estimate.",
                    )
                },
            )
            .await
            .map_err(err)?;
        for a in SHERWOOD_AGENCIES {
            self.service
                .add_agency_coverage(&self.op, self.agency(a)?, sherwood)
                .await
                .map_err(err)?;
        }
        Ok(sherwood)
    }

    /// Sherwood's four biggest budget holders' spending, and the benefits paid there.
    async fn sherwood_budget_lines(&self, sherwood: PlaceId) -> anyhow::Result<()> {
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
            let _ = self
                .service
                .add_budget_line(&self.op, &f)
                .await
                .map_err(err)?;
        }
        Ok(())
    }

    async fn sherwood_partnership(&self, sherwood: PlaceId) -> anyhow::Result<PartnershipId> {
        let members = SHERWOOD_AGENCIES
            .iter()
            .map(|a| self.agency(a))
            .collect::<anyhow::Result<Vec<_>>>()?;
        self.service
            .create_partnership(
                &self.op,
                "Sherwood Neighbourhood Community Budget",
                "Redesign services around Sherwood's families and residents; reinvest cashable savings in prevention.",
                "Leaders board; steering group",
                &members,
                &[sherwood],
            )
            .await
            .map_err(err)
    }

    /// The worked appraisal: a family-intervention service for Sherwood's families against doing
    /// nothing, valued with real GMCA unit costs (the shipped example model).
    async fn sherwood_appraisal(&self, partnership: PartnershipId) -> anyhow::Result<()> {
        let id = self
            .service
            .create_appraisal_from_text(
                &self.op,
                &partnership.to_string(),
                include_str!("../../../examples/appraisal/family-intervention.toml"),
            )
            .await
            .map_err(err)?;
        self.sherwood_realised(id).await
    }

    /// The appraisal's forecast frozen as the leaders board approved it, with the outcomes its
    /// first two years achieved (illustrative: about 80% of the forecast in year 0, 90% in year
    /// 1), so the forecast against realised view has something to show.
    async fn sherwood_realised(&self, appraisal: AppraisalId) -> anyhow::Result<()> {
        use wholeplace_service::realised::{OutcomesForm, SnapshotForm, outcome_field};
        let sid = self
            .service
            .create_snapshot(
                &self.op,
                appraisal,
                &SnapshotForm {
                    option: "1".into(),
                    approval: "Leaders board (illustrative approval for the demonstration)".into(),
                    approved_on: "2013-03-28".into(),
                },
            )
            .await
            .map_err(err)?;
        let view = self.service.realised(&self.op, sid).await.map_err(err)?;
        let mut values = Vec::new();
        for (l, line) in view.forecast.lines.iter().enumerate() {
            for (t, share) in [(0usize, 0.8), (1, 0.9)] {
                if let Some(n) = line.forecast_outcomes.get(t) {
                    let achieved = (n * share * 10.0).round() / 10.0;
                    values.push((outcome_field(l, t), achieved.to_string()));
                }
            }
        }
        self.service
            .record_outcomes(&self.op, sid, &OutcomesForm { values })
            .await
            .map_err(err)
    }

    /// Worcestershire's areas of high need (seed 004): a place in each district and £500,000
    /// to each district LSP over five years from March 2010, later cut by 20%. Gives the places
    /// and the partnership's members.
    async fn worcestershire_areas(&self) -> anyhow::Result<(Vec<PlaceId>, Vec<AgencyId>)> {
        let mut worcs_places = Vec::new();
        let mut worcs_members = vec![self.agency("Worcestershire Partnership")?];
        for district in [
            "Bromsgrove",
            "Malvern Hills",
            "Redditch",
            "Worcester",
            "Wychavon",
            "Wyre Forest",
        ] {
            let p = self
                .service
                .create_place(
                    &self.op,
                    &place(
                        &format!("{district} area of high need"),
                        "neighbourhood",
                        self.la(district)?,
                        "Worcestershire Areas of High Need locality",
                    ),
                )
                .await
                .map_err(err)?;
            worcs_places.push(p);
            let lsp = self.agency(&format!("{district} Partnership"))?;
            worcs_members.push(lsp);
            let grant = NewGrant {
                funder_agency_id: self.agency("Worcestershire Partnership")?,
                title: format!("Areas of High Need reward grant: {district}"),
                purpose: "Positive outcomes for residents most in need, delivered through the district local strategic partnership".to_owned(),
                amount: Money::from_pence(50_000_000),
                start_year: fy(2009)?,
                end_year: fy(2014)?,
                conditions: "Quarterly returns; six-monthly Learning and Development self-assessment".to_owned(),
                recipient_ids: vec![lsp],
                place_ids: vec![p],
            };
            let id = self
                .service
                .create_grant(&self.op, &grant)
                .await
                .map_err(err)?;
            let cut = GrantChange {
                from_year: fy(2011)?,
                new_amount: Money::from_pence(40_000_000),
                reason: "20% cut due to pressure on public funding".to_owned(),
            };
            self.service
                .change_grant(&self.op, id, &cut)
                .await
                .map_err(err)?;
        }
        Ok((worcs_places, worcs_members))
    }

    async fn worcestershire_partnership(
        &self,
        members: &[AgencyId],
        places: &[PlaceId],
    ) -> anyhow::Result<()> {
        self.service
            .create_partnership(
                &self.op,
                "Worcestershire Areas of High Need",
                "Tackle multiple deprivation (income, employment, skills, health) in the areas of highest need through district LSPs.",
                "Worcestershire Partnership Management Group; AoHN task group",
                members,
                places,
            )
            .await
            .map_err(err)?;
        Ok(())
    }

    /// Shropshire's four pilots (seed 000): three neighbourhoods and one theme.
    async fn shropshire_places(&self) -> anyhow::Result<Vec<PlaceId>> {
        let shropshire = self.la("Shropshire")?;
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
                self.service
                    .create_place(&self.op, &place(name, level, shropshire, description))
                    .await
                    .map_err(err)?,
            );
        }
        Ok(shrop_places)
    }

    /// The Shropshire project team's agencies.
    fn shropshire_team(&self) -> anyhow::Result<Vec<AgencyId>> {
        [
            "Shropshire Council",
            "County Training",
            "South Shropshire Furniture Scheme",
            "Shropshire Housing Group",
        ]
        .iter()
        .map(|n| self.agency(n))
        .collect()
    }

    /// The £135,000 grant for the two community hubs.
    async fn shropshire_grant(&self, team: &[AgencyId], places: &[PlaceId]) -> anyhow::Result<()> {
        let hubs = NewGrant {
            funder_agency_id: self.agency("Jobcentre Plus")?,
            title: "Flexible Support Fund: multi-agency community hubs".to_owned(),
            purpose: "Establish multi-agency community hubs at Sandpits (Ludlow) and Fairfields (Market Drayton)".to_owned(),
            amount: Money::from_pence(13_500_000),
            start_year: fy(2011)?,
            end_year: fy(2012)?,
            conditions: String::new(),
            recipient_ids: team.to_vec(),
            place_ids: places[..2].to_vec(),
        };
        self.service
            .create_grant(&self.op, &hubs)
            .await
            .map_err(err)?;
        Ok(())
    }

    async fn shropshire_partnership(
        &self,
        team: &[AgencyId],
        places: &[PlaceId],
    ) -> anyhow::Result<PartnershipId> {
        self.service
            .create_partnership(
                &self.op,
                "Shropshire place-based pilots",
                "Four pilots: three neighbourhoods and one theme.",
                "Project team",
                team,
                places,
            )
            .await
            .map_err(err)
    }

    /// The four pilots themselves (seed 000, sections 2 to 5).
    async fn shropshire_projects(
        &self,
        partnership: PartnershipId,
        places: &[PlaceId],
    ) -> anyhow::Result<()> {
        for (name, place, theme, lead, aims, start) in [
            (
                "Sandpits community hub",
                places[0],
                "",
                "Shropshire Council",
                "Rockspring Thursdays: public and voluntary services together once a week; community hubs, health and wellbeing, affordable housing for young people, youth employment",
                "",
            ),
            (
                "Fairfields worklessness pilot",
                places[1],
                "",
                "Shropshire Housing Group",
                "Tackle worklessness with residents on the project steering group; a multi-agency community hub on the Fairfields estate",
                "",
            ),
            (
                "Harlescott families pilot",
                places[2],
                "",
                "Shropshire Council",
                "Understand the service jigsaw from five volunteer families' point of view and remove demand rather than redesign services to meet it",
                "2011-12-01",
            ),
            (
                "Oswestry substance misuse pilot",
                places[3],
                "Transient singles, poorly supported by family and neighbours",
                "",
                "Better support at crisis points; peer networks and buddy systems",
                "",
            ),
        ] {
            let f = wholeplace_service::ProjectForm {
                partnership_id: partnership.to_string(),
                name: name.to_owned(),
                place_id: place.to_string(),
                theme: theme.to_owned(),
                lead_agency_id: if lead.is_empty() {
                    String::new()
                } else {
                    self.agency(lead)?.to_string()
                },
                aims: aims.to_owned(),
                start_date: start.to_owned(),
                end_date: String::new(),
            };
            self.service
                .create_project(&self.op, &f)
                .await
                .map_err(err)?;
        }
        Ok(())
    }

    /// An identified link at each partner of the Oswestry pilot (seed 000, 4.3). Names are
    /// invented.
    async fn shropshire_contacts(&self) -> anyhow::Result<()> {
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
                agency_id: self.agency(agency_name)?.to_string(),
                name: name.to_owned(),
                role: role.to_owned(),
                email: String::new(),
                phone: String::new(),
            };
            self.service
                .create_contact(&self.op, &f)
                .await
                .map_err(err)?;
        }
        Ok(())
    }
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
    let what = if loaded.is_some() {
        "demonstration data loaded"
    } else {
        "the database already has places; nothing loaded (use --reset to rebuild the demonstration)"
    };
    println!("{shown}: {what}");
    if let Some(pw) = password {
        println!("Sign in as admin with the one-time password {pw}");
    }
    if let Some(accounts) = loaded {
        print_accounts(&accounts);
    }
    Ok(())
}

/// A financial year of the demonstration data, by its start year.
fn fy(start_year: i32) -> anyhow::Result<FinancialYear> {
    Ok(FinancialYear::new(start_year)?)
}
