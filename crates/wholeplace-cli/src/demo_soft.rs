//! The demonstration's soft outcomes and place perception: a partnership scale ("Feeling safe in
//! my street", the perception change about anti-social behaviour seed 004's coordinators asked
//! to track) with readings of the demonstration's family over a year, and Wychavon's community
//! researched place perception survey (seed 004): two rounds, the first answered by 99 of the
//! 300 households invited (33%, the response rate seed 004 reports), by town.
//!
//! Seed 004 reports the survey and its response rate but publishes no scores: every score here is
//! made up (from a fixed seed, so every demonstration shows the same), and the survey's
//! description says so.

use crate::demo::err;
use wholeplace_domain::PlaceId;
use wholeplace_domain::rng::SeededRng;
use wholeplace_service::{
    Actor, ResponseForm, RoundForm, ScaleForm, ScaleReadingForm, Service, SurveyForm,
};
use wholeplace_store::Place;

/// Each theme's typical score in the first round (1 to 7), in the themes' order: Wychavon's
/// towns strong on natural space and identity, weaker on public transport and influence.
const FIRST_ROUND: [f64; 14] = [
    4.6, 2.8, 3.4, 4.5, 5.8, 4.4, 4.3, 3.9, 3.6, 4.7, 5.2, 4.1, 4.0, 2.9,
];
/// How far each theme moved by the second round.
const MOVED: [f64; 14] = [
    0.2, 0.5, 0.1, 0.3, 0.0, 0.4, 0.2, 0.1, 0.0, 0.3, 0.1, 0.6, 0.4, 0.5,
];
/// The towns responses are counted in.
const TOWNS: [&str; 3] = ["Evesham", "Pershore", "Droitwich Spa"];

/// What people wrote, a few of each (no one named).
const GOOD: [&str; 5] = [
    "The river walks and the country parks",
    "Friendly neighbours who look out for each other",
    "The market and the high street shops",
    "Good primary schools",
    "Plenty of green space for the children",
];
const BETTER: [&str; 5] = [
    "Buses in the evenings and on Sundays",
    "Something for teenagers to do in the evenings",
    "Speeding on the main road through the village",
    "Being asked before decisions are made about the area",
    "Litter and dog fouling in the park",
];

/// A response's scores around each theme's typical score.
fn scores(rng: &mut SeededRng, typical: &[f64; 14]) -> Vec<Option<i64>> {
    typical
        .iter()
        .map(|t| {
            if rng.chance(0.04) {
                return None;
            }
            let v = t + (rng.unit() - 0.5) * 3.0;
            Some(v.round().clamp(1.0, 7.0) as i64)
        })
        .collect()
}

/// The scale and the family's readings, and Wychavon's survey.
pub async fn load(
    service: &Service,
    op: &Actor,
    places: &[Place],
    sherwood: PlaceId,
) -> anyhow::Result<()> {
    scale(service, op).await?;
    let wychavon = places
        .iter()
        .find(|p| p.name == "Wychavon")
        .map_or(sherwood, |p| p.id);
    survey(service, op, wychavon).await
}

async fn scale(service: &Service, op: &Actor) -> anyhow::Result<()> {
    let id = service
        .create_scale(
            op,
            &ScaleForm {
                name: "Feeling safe in my street".into(),
                description: "Asked at the start of family support and at each review: 'How safe do you feel in your street, day and night?' Tracks the change in perception of anti-social behaviour that seed 004's coordinators asked for. Illustrative readings.".into(),
                high: "5".into(),
                anchors: "Not at all safe\nA little safe\nFairly safe\nMostly safe\nCompletely safe".into(),
            },
        )
        .await
        .map_err(err)?;
    // Recorded by the family's lead practitioner, who works with them.
    let lead = service
        .list_users(op)
        .await
        .map_err(err)?
        .into_iter()
        .find(|u| u.username == "kcc.worker")
        .map(|u| Actor::user(u, "demo", None))
        .ok_or_else(|| anyhow::anyhow!("the demo's lead practitioner is missing"))?;
    let families = service.list_families(&lead).await.map_err(err)?;
    for (n, f) in families.iter().enumerate() {
        for (on, score) in [
            ("2024-01-15", 1 + n % 2),
            ("2024-06-10", 2 + n % 2),
            ("2024-12-02", 4),
        ] {
            service
                .add_scale_reading(
                    &lead,
                    id,
                    &ScaleReadingForm {
                        family: f.id.to_string(),
                        taken_on: on.into(),
                        score: score.to_string(),
                        ..Default::default()
                    },
                )
                .await
                .map_err(err)?;
        }
    }
    Ok(())
}

async fn survey(service: &Service, op: &Actor, place: PlaceId) -> anyhow::Result<()> {
    let id = service
        .create_survey(
            op,
            &SurveyForm {
                place: place.to_string(),
                name: "Community researched place survey".into(),
                description: "Wychavon's survey by local community researchers, door to door and on paper (seed 004). The response rate of the first round is the survey's reported 33%; the scores and comments are illustrative.".into(),
            },
        )
        .await
        .map_err(err)?;
    let mut rng = SeededRng::new(2004);
    let second: [f64; 14] = std::array::from_fn(|k| FIRST_ROUND[k] + MOVED[k]);
    for (label, opens, closes, invited, responses, typical) in [
        (
            "Spring 2023",
            "2023-03-01",
            "2023-04-30",
            300,
            99,
            FIRST_ROUND,
        ),
        ("Spring 2024", "2024-03-01", "2024-04-30", 320, 118, second),
    ] {
        let round = service
            .create_survey_round(
                op,
                id,
                &RoundForm {
                    label: label.into(),
                    opens_on: opens.into(),
                    closes_on: closes.into(),
                    invited: invited.to_string(),
                    groups: TOWNS.join("\n"),
                },
            )
            .await
            .map_err(err)?;
        for k in 0..responses {
            let good = if rng.chance(0.06) {
                GOOD[rng.index(GOOD.len())]
            } else {
                ""
            };
            let better = if rng.chance(0.07) {
                BETTER[rng.index(BETTER.len())]
            } else {
                ""
            };
            let f = ResponseForm {
                received_on: opens.into(),
                ..ResponseForm::from_scores(
                    &scores(&mut rng, &typical),
                    TOWNS[k % TOWNS.len()],
                    good,
                    better,
                )
            };
            service
                .add_paper_response(op, id, round, &f)
                .await
                .map_err(err)?;
        }
    }
    Ok(())
}
