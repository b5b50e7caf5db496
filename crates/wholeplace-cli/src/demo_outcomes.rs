//! The demonstration's outcomes: Sherwood's "big ticket" indicators from the pilot's resource
//! mapping (seed 003): children on child protection plans, anti-social behaviour incidents,
//! working-age people on ESA for mental health conditions and on out-of-work benefits (JSA, then
//! Universal Credit: two versions with a bridging note), 16-18 year olds not in education,
//! employment or training, evictions and drug-related hospital admissions, each with a baseline,
//! a SMART target and its red/amber/green.
//!
//! The pilot's documents name the indicators but publish none of their figures: every figure here
//! is illustrative, marked so on every page and download, and chosen to show each status (green,
//! amber, red, and a count under five shown as "<5"). The drug-related admissions are by local
//! authority, so that the page compares Tunbridge Wells with its nearest authorities by
//! deprivation and population, and draws the funnel plot.

use crate::demo::err;
use wholeplace_domain::{IndicatorId, PlaceId};
use wholeplace_service::{Actor, IndicatorForm, OutcomeFile, Service, TargetForm};
use wholeplace_store::Place;

/// The periods of the Sherwood figures.
const PERIODS: [&str; 5] = ["2009/10", "2010/11", "2011/12", "2012/13", "2013/14"];
/// The source of every illustrative figure.
const ILLUSTRATIVE: &str = "Illustrative figures for the demonstration (the pilot's documents name the indicator but publish no figures)";

/// One indicator of the demonstration: name, definition, unit, per, source, geography, its
/// figures by period as (value, numerator, denominator), and its target (baseline period,
/// target, tolerance, owner).
struct Demo {
    name: &'static str,
    definition: &'static str,
    unit: &'static str,
    source: &'static str,
    figures: [(f64, Option<f64>, Option<f64>); 5],
    target: (f64, f64, &'static str),
}

/// The ward-level indicators (all "lower is better").
fn sherwood_indicators() -> [Demo; 6] {
    let pct = |n: f64, d: f64| ((n / d * 1000.0).round() / 10.0, Some(n), Some(d));
    let count = |n: f64| (n, None, None);
    [
        Demo {
            name: "Children on child protection plans",
            definition: "Children resident in the ward who are the subject of a child protection plan on 31 March (the pilot's 'No of children on Child Protection register due to safeguarding issues')",
            unit: "count",
            source: "Kent County Council children's social care",
            figures: [
                count(24.0),
                count(27.0),
                count(29.0),
                count(26.0),
                count(22.0),
            ],
            target: (20.0, 3.0, "Kent County Council"),
        },
        Demo {
            name: "Anti-social behaviour incidents",
            definition: "Anti-social behaviour incidents reported to the police in the ward in the year",
            unit: "count",
            source: "Kent Police",
            figures: [
                count(310.0),
                count(335.0),
                count(352.0),
                count(330.0),
                count(301.0),
            ],
            target: (280.0, 20.0, "Kent Police"),
        },
        Demo {
            name: "Working-age people on ESA for mental health conditions",
            definition: "Residents aged 16-64 claiming Employment and Support Allowance whose main condition is a mental or behavioural disorder, as a percentage of residents aged 16-64",
            unit: "percentage",
            source: "DWP benefit claimants (Stat-Xplore)",
            figures: [
                pct(168.0, 4800.0),
                pct(178.0, 4800.0),
                pct(182.0, 4800.0),
                pct(187.0, 4800.0),
                pct(192.0, 4800.0),
            ],
            target: (3.5, 0.3, "Jobcentre Plus"),
        },
        Demo {
            name: "Working-age people on out-of-work benefits",
            definition: "Residents aged 16-64 claiming Jobseeker's Allowance, as a percentage of residents aged 16-64",
            unit: "percentage",
            source: "DWP benefit claimants (Stat-Xplore)",
            figures: [
                pct(245.0, 4800.0),
                pct(259.0, 4800.0),
                pct(269.0, 4800.0),
                pct(250.0, 4800.0),
                pct(238.0, 4800.0),
            ],
            target: (4.5, 0.5, "Jobcentre Plus"),
        },
        Demo {
            name: "16-18 year olds not in education, employment or training",
            definition: "Residents aged 16-18 known to be not in education, employment or training, as a percentage of those known to the local authority",
            unit: "percentage",
            source: "Kent County Council (Client Caseload Information System)",
            figures: [
                pct(25.0, 310.0),
                pct(24.0, 310.0),
                pct(23.0, 310.0),
                pct(19.0, 310.0),
                pct(17.0, 310.0),
            ],
            target: (6.0, 0.5, "Kent County Council"),
        },
        Demo {
            name: "Evictions",
            definition: "Households in the ward evicted by a social or private landlord (possession orders carried out) in the year",
            unit: "count",
            source: "Town and Country Housing and county court records",
            figures: [count(9.0), count(11.0), count(12.0), count(8.0), count(4.0)],
            target: (8.0, 2.0, "Town and Country Housing"),
        },
    ]
}

async fn indicator(service: &Service, op: &Actor, f: IndicatorForm) -> anyhow::Result<IndicatorId> {
    service.create_indicator(op, &f).await.map_err(err)
}

async fn import(
    service: &Service,
    op: &Actor,
    id: IndicatorId,
    rows: &[String],
) -> anyhow::Result<()> {
    let mut csv = String::from("place,period,value,numerator,denominator,illustrative\n");
    for r in rows {
        csv.push_str(r);
        csv.push('\n');
    }
    let file = OutcomeFile {
        name: "demo-figures.csv".into(),
        bytes: csv.into_bytes(),
    };
    service
        .import_indicator_values(op, id, &file)
        .await
        .map_err(err)?;
    Ok(())
}

fn opt(v: Option<f64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

async fn target(
    service: &Service,
    op: &Actor,
    id: IndicatorId,
    place: PlaceId,
    baseline: f64,
    (value, tolerance, owner): (f64, f64, &str),
) -> anyhow::Result<()> {
    let f = TargetForm {
        place: place.to_string(),
        baseline_value: baseline.to_string(),
        baseline_period: "2011/12".into(),
        baseline_source: format!("{ILLUSTRATIVE}; the pilot's baseline year"),
        target_value: value.to_string(),
        target_date: "2015-03-31".into(),
        owner: owner.into(),
        polarity: String::new(),
        tolerance: tolerance.to_string(),
    };
    service.create_target(op, id, &f).await.map_err(err)?;
    Ok(())
}

/// Loads the outcomes of the demonstration.
pub async fn load(
    service: &Service,
    op: &Actor,
    sherwood: PlaceId,
    places: &[Place],
) -> anyhow::Result<()> {
    let mut jsa = None;
    for d in sherwood_indicators() {
        let id = indicator(
            service,
            op,
            IndicatorForm {
                name: d.name.into(),
                definition: d.definition.into(),
                unit: d.unit.into(),
                polarity: "lower".into(),
                source: d.source.into(),
                geography: "ward".into(),
                origin: "local".into(),
                ..Default::default()
            },
        )
        .await?;
        let rows: Vec<String> = PERIODS
            .iter()
            .zip(d.figures)
            .map(|(p, (v, n, den))| format!("{sherwood},{p},{v},{},{},yes", opt(n), opt(den)))
            .collect();
        import(service, op, id, &rows).await?;
        target(service, op, id, sherwood, d.figures[2].0, d.target).await?;
        if d.name == "Working-age people on out-of-work benefits" {
            jsa = Some(id);
        }
    }
    if let Some(jsa) = jsa {
        universal_credit(service, op, jsa, sherwood).await?;
    }
    drug_admissions(service, op, places).await
}

/// The out-of-work benefits indicator's second version: the claimant count under Universal Credit.
async fn universal_credit(
    service: &Service,
    op: &Actor,
    jsa: IndicatorId,
    sherwood: PlaceId,
) -> anyhow::Result<()> {
    let id = indicator(
        service,
        op,
        IndicatorForm {
            name: String::new(),
            definition: "Residents aged 16-64 claiming Jobseeker's Allowance or Universal Credit while searching for work (the ONS claimant count), as a percentage of residents aged 16-64".into(),
            unit: "percentage".into(),
            polarity: "lower".into(),
            source: "ONS claimant count (Nomis)".into(),
            geography: "ward".into(),
            origin: "national".into(),
            replaces: jsa.to_string(),
            bridging_note: "Universal Credit replaced JSA (and income-related ESA) from 2013, rolled out area by area: the claimant count includes Universal Credit claimants searching for work, so it runs higher than JSA alone. Compare the two versions only over a period both cover.".into(),
            ..Default::default()
        },
    )
    .await?;
    let rows: Vec<String> = [("2013/14", 243.0), ("2014/15", 221.0)]
        .iter()
        .map(|(p, n)| {
            format!(
                "{sherwood},{p},{},{n},4800,yes",
                (n / 4800.0 * 1000.0_f64).round() / 10.0
            )
        })
        .collect();
    import(service, op, id, &rows).await
}

/// Drug-related hospital admissions by local authority (illustrative, per 100,000): Tunbridge
/// Wells over five years with its target, and every authority in the latest year for the
/// comparison and the funnel plot.
async fn drug_admissions(service: &Service, op: &Actor, places: &[Place]) -> anyhow::Result<()> {
    let id = indicator(
        service,
        op,
        IndicatorForm {
            name: "Drug-related hospital admissions".into(),
            definition: "Hospital admissions with a primary or secondary diagnosis of a drug-related condition, per 100,000 residents".into(),
            unit: "rate".into(),
            per: "100000".into(),
            polarity: "lower".into(),
            source: "NHS Hospital Episode Statistics".into(),
            geography: "district".into(),
            origin: "national".into(),
            ..Default::default()
        },
    )
    .await?;
    let mut rows = Vec::new();
    let mut tunbridge_wells = None;
    for p in places.iter().filter(|p| p.gss_code.is_some()) {
        let Some(pop) = p.population.filter(|n| *n > 0) else {
            continue;
        };
        // A steady figure for each authority from its name (illustrative, not HES).
        let h = p
            .name
            .bytes()
            .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
        let rate = 25.0 + (h % 50) as f64;
        let periods: &[&str] = if p.name == "Tunbridge Wells" {
            tunbridge_wells = Some(p.id);
            &PERIODS
        } else {
            &PERIODS[4..]
        };
        for (k, period) in periods.iter().enumerate() {
            let r = if p.name == "Tunbridge Wells" {
                [52.0, 50.0, 49.0, 47.0, 46.0][k]
            } else {
                rate
            };
            let n = (r * pop as f64 / 100_000.0).round();
            rows.push(format!(
                "{},{period},{:.1},{n},{pop},yes",
                p.id,
                n / pop as f64 * 100_000.0
            ));
        }
    }
    import(service, op, id, &rows).await?;
    if let Some(tw) = tunbridge_wells {
        target(
            service,
            op,
            id,
            tw,
            49.0,
            (40.0, 5.0, "Kent County Council public health"),
        )
        .await?;
    }
    Ok(())
}
