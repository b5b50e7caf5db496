//! The privacy-preserving mode of a run: records of extracts of encodings only (each agency
//! encoded its identifiers with `wholeplace link --encode` and a key it holds, and sent
//! Bloom-filter encodings and keyed blocking keys) linked with each other by Dice similarity.
//! No identifier is seen: the people they form carry only their agencies' record ids, form no
//! household, and their review evidence shows how similar each encoded field is, not its value.
//! The model is trained afresh each run (it is kept only for the plain records). No IO.

use super::JobState;
use super::compute::{
    FLOOR, LinkFailure, LinkInput, check, clusters_of, counts_of, links_decided, queue,
};
use std::collections::{HashMap, HashSet};
use wholeplace_domain::PersonId;
use wholeplace_linkage::incremental::assign_cluster_ids;
use wholeplace_linkage::privacy::{encoded_layout, encoded_settings};
use wholeplace_linkage::{Explanation, LinkType, Linker, TableBuilder};
use wholeplace_store::{LinkResult, LinkedPerson, NewPerson, RunCounts, StagedRecord};

fn failed(e: impl std::fmt::Display) -> LinkFailure {
    LinkFailure::Failed(e.to_string())
}

/// The review evidence without the encodings themselves (hex says nothing to a reviewer).
fn without_values(evidence: &str) -> String {
    match serde_json::from_str::<Explanation>(evidence) {
        Ok(mut e) => {
            for c in &mut e.contributions {
                c.values = ("(encoded)".into(), "(encoded)".into());
            }
            serde_json::to_string(&e).unwrap_or_default()
        }
        Err(_) => String::new(),
    }
}

/// Links the records of encodings only with each other.
///
/// # Errors
/// When cancelled, or when the engine refuses (say, encodings of different widths).
pub(super) fn link_encoded(
    input: &LinkInput,
    records: &[StagedRecord],
    job: &JobState,
) -> Result<LinkResult, LinkFailure> {
    job.set("Reading the encoded records", 0, records.len() as u64);
    let columns: Vec<&str> = input.encoded_columns.iter().map(String::as_str).collect();
    // Each column's width from its first non-empty value (a missing field is encoded empty).
    let mut lengths = vec![0; columns.len()];
    for r in records {
        for (l, v) in lengths.iter_mut().zip(r.encoding.split(',')) {
            if *l == 0 {
                *l = v.len();
            }
        }
        if lengths.iter().all(|l| *l > 0) {
            break;
        }
    }
    let (specs, spec) = encoded_layout(&columns, &lengths).map_err(failed)?;
    let mut b = TableBuilder::new(&specs);
    let mut sources: HashMap<i64, u16> = HashMap::new();
    for r in records {
        let agency = r.agency_id.get();
        let source = *sources
            .entry(agency)
            .or_insert_with(|| b.source(&format!("agency-{agency}")));
        b.push(source, &r.id.get().to_string(), r.encoding.split(','));
    }
    let table = b.finish();
    let settings = encoded_settings(&spec, LinkType::Dedupe);
    let linker = Linker::new(&table, &settings).map_err(failed)?;
    check(job)?;
    let model = linker.train(job).map_err(failed)?;
    check(job)?;
    let prediction = linker.predict(&model, FLOOR, job);
    check(job)?;
    job.set("Forming people from the encodings", 0, 0);
    let (lower, upper, index, clusters) = clusters_of(input, records, &table, &prediction.pairs);
    let previous: Vec<Option<String>> = records
        .iter()
        .map(|r| r.person_id.map(|p| p.get().to_string()))
        .collect();
    let known: HashSet<&str> = previous.iter().flatten().map(String::as_str).collect();
    let (ids, _) = assign_cluster_ids(&table, &clusters.cluster_of, &previous);
    let people: Vec<LinkedPerson> = clusters
        .members()
        .iter()
        .zip(&ids)
        .map(|(members, id)| LinkedPerson {
            existing: known
                .contains(id.as_str())
                .then(|| id.parse().ok().map(PersonId::new))
                .flatten(),
            details: NewPerson {
                given_name: "Encoded".into(),
                family_name: format!("record {}", records[members[0] as usize].values[0]),
                date_of_birth: None,
                nhs_number: None,
                ni_number: None,
            },
            records: members.iter().map(|&i| records[i as usize].id).collect(),
        })
        .collect();
    check(job)?;
    let decided = links_decided(&input.decisions, &index);
    let mut review = queue(
        &linker,
        &model,
        records,
        &prediction.pairs,
        &decided,
        (lower, upper),
    );
    for item in &mut review {
        item.evidence = without_values(&item.evidence);
    }
    let counts = RunCounts {
        trained: true,
        ..counts_of(records, &prediction, &people, review.len(), (lower, upper))
    };
    Ok(LinkResult {
        model: String::new(),
        people,
        households: Vec::new(),
        review,
        counts,
        ended_at: 0,
    })
}
