//! The run itself, on a worker thread: staged records into the engine's table, the saved model
//! reused (or one trained), pairs scored, people clustered with the review decisions applied,
//! households joined on a shared dwelling, and the pairs between the thresholds queued with
//! their evidence. No IO: the caller reads the store before and writes after.

use super::JobState;
use std::collections::{HashMap, HashSet};
use wholeplace_domain::{PersonId, RecordId, StagedRecordId};
use wholeplace_linkage::cluster::Clusters;
use wholeplace_linkage::defaults::{PersonColumns, person_settings};
use wholeplace_linkage::incremental::assign_cluster_ids;
use wholeplace_linkage::records::ColumnData;
use wholeplace_linkage::{LinkType, Linker, Model, ScoredPair, Table, TableBuilder, probability};
use wholeplace_store::{
    LinkResult, LinkageSettings, LinkedPerson, NewHousehold, NewPerson, NewReviewItem, RunCounts,
    STAGED_FIELDS, StagedRecord,
};

/// What a run reads before it starts.
#[derive(Clone, Debug)]
pub struct LinkInput {
    /// Every staged record, by id.
    pub records: Vec<StagedRecord>,
    /// The band and the saved model.
    pub settings: LinkageSettings,
    /// Decided pairs: (a, b, accepted).
    pub decisions: Vec<(StagedRecordId, StagedRecordId, bool)>,
    /// The encoded columns of the extracts of encodings only (all alike), if any are staged.
    pub encoded_columns: Vec<String>,
}

/// Why a run wrote nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkFailure {
    /// A user stopped it.
    Cancelled,
    /// The engine refused (the message names no person).
    Failed(String),
}

/// Scores below this are not kept at all.
pub(super) const FLOOR: f64 = 0.001;

/// The engine's names for the staged fields (the record id is the table's id).
fn person_columns() -> PersonColumns {
    let c = |s: &str| Some(s.to_owned());
    PersonColumns {
        first_name: c("given_name"),
        surname: c("family_name"),
        dob: c("date_of_birth"),
        sex: c("sex"),
        house_number: c("house_number"),
        address: c("street"),
        town: c("town"),
        postcode: c("postcode"),
        nhs_number: c("nhs_number"),
        ni_number: c("ni_number"),
        ..PersonColumns::default()
    }
}

fn table_of(records: &[StagedRecord], columns: &PersonColumns) -> Table {
    let mut b = TableBuilder::new(&columns.column_specs());
    let mut sources: HashMap<i64, u16> = HashMap::new();
    let order: Vec<usize> = columns
        .column_specs()
        .iter()
        .filter_map(|s| STAGED_FIELDS.iter().position(|f| *f == s.name))
        .collect();
    for r in records {
        let agency = r.agency_id.get();
        let source = *sources
            .entry(agency)
            .or_insert_with(|| b.source(&format!("agency-{agency}")));
        b.push(
            source,
            &r.id.get().to_string(),
            order.iter().map(|&k| r.values[k].as_str()),
        );
    }
    b.finish()
}

pub(super) fn check(job: &JobState) -> Result<(), LinkFailure> {
    if job.cancelled() {
        Err(LinkFailure::Cancelled)
    } else {
        Ok(())
    }
}

/// The saved model when it was trained for these settings, else a new one.
fn model_for(
    linker: &Linker<'_>,
    settings: &LinkageSettings,
    wanted: &wholeplace_linkage::Settings,
    job: &JobState,
) -> Result<(Model, bool), LinkFailure> {
    if let Some(m) = settings
        .model
        .as_deref()
        .and_then(|t| serde_json::from_str::<Model>(t).ok())
        .filter(|m| &m.settings == wanted)
    {
        return Ok((m, false));
    }
    let m = linker
        .train(job)
        .map_err(|e| LinkFailure::Failed(e.to_string()))?;
    Ok((m, true))
}

/// Links every staged record: plain records with plain ones (people, households, review
/// queue), and records of encodings only with each other (people and review queue; no
/// identifier and no address is ever seen, so they form no household).
///
/// # Errors
/// When cancelled, or when the engine refuses.
pub fn link_records(input: &LinkInput, job: &JobState) -> Result<LinkResult, LinkFailure> {
    // Only when extracts of encodings are staged are the records copied into two groups.
    let (split_plain, encoded): (Vec<StagedRecord>, Vec<StagedRecord>) =
        if input.records.iter().any(|r| !r.encoding.is_empty()) {
            input
                .records
                .iter()
                .cloned()
                .partition(|r| r.encoding.is_empty())
        } else {
            (Vec::new(), Vec::new())
        };
    let plain: &[StagedRecord] = if encoded.is_empty() {
        &input.records
    } else {
        &split_plain
    };
    let mut out = if plain.is_empty() {
        LinkResult {
            model: input.settings.model.clone().unwrap_or_default(),
            people: Vec::new(),
            households: Vec::new(),
            review: Vec::new(),
            counts: RunCounts::default(),
            ended_at: 0,
        }
    } else {
        link_plain(input, plain, job)?
    };
    if !encoded.is_empty() {
        let more = super::encoded::link_encoded(input, &encoded, job)?;
        let c = &mut out.counts;
        c.records += more.counts.records;
        c.pairs += more.counts.pairs;
        c.people += more.counts.people;
        c.new_people += more.counts.new_people;
        c.queued += more.counts.queued;
        c.expected_false += more.counts.expected_false;
        c.expected_missed += more.counts.expected_missed;
        c.trained = true;
        c.probabilities = add_bins(&c.probabilities, &more.counts.probabilities);
        out.people.extend(more.people);
        out.review.extend(more.review);
    }
    Ok(out)
}

/// Links the plain records (identifiers as sent): people, households and the review queue.
fn link_plain(
    input: &LinkInput,
    records: &[StagedRecord],
    job: &JobState,
) -> Result<LinkResult, LinkFailure> {
    job.set("Reading the staged records", 0, records.len() as u64);
    let columns = person_columns();
    let table = table_of(records, &columns);
    let wanted = person_settings(&columns, LinkType::Dedupe);
    let linker = Linker::new(&table, &wanted).map_err(|e| LinkFailure::Failed(e.to_string()))?;
    check(job)?;
    let (model, trained) = model_for(&linker, &input.settings, &wanted, job)?;
    check(job)?;
    let prediction = linker.predict(&model, FLOOR, job);
    check(job)?;
    job.set("Forming people and households", 0, 0);
    let (lower, upper, index, clusters) = clusters_of(input, records, &table, &prediction.pairs);
    let people = people_of(&table, records, &clusters);
    let households = households_of(&table, records, &clusters, &columns);
    check(job)?;
    job.set("Gathering the evidence for the review queue", 0, 0);
    let decided: HashSet<(u32, u32)> = links_decided(&input.decisions, &index);
    let review = queue(
        &linker,
        &model,
        records,
        &prediction.pairs,
        &decided,
        (lower, upper),
    );
    let counts = RunCounts {
        households: households.len() as i64,
        trained,
        ..counts_of(records, &prediction, &people, review.len(), (lower, upper))
    };
    let model = serde_json::to_string(&model).map_err(|e| LinkFailure::Failed(e.to_string()))?;
    Ok(LinkResult {
        model,
        people,
        households,
        review,
        counts,
        ended_at: 0,
    })
}

/// The band as probabilities, each record's row in the table, and the people the links form:
/// pairs at or above the upper threshold and accepted pairs, never rejected ones.
pub(super) fn clusters_of(
    input: &LinkInput,
    records: &[StagedRecord],
    table: &Table,
    pairs: &[ScoredPair],
) -> (f64, f64, HashMap<i64, u32>, Clusters) {
    let (lower, upper) = (
        input.settings.lower_ppm as f64 / 1e6,
        input.settings.upper_ppm as f64 / 1e6,
    );
    let index: HashMap<i64, u32> = records
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.get(), i as u32))
        .collect();
    let links = links_with_decisions(pairs, &input.decisions, &index, upper);
    let clusters = wholeplace_linkage::cluster(table, &links, upper, &[]);
    (lower, upper, index, clusters)
}

/// A part's counts (no households, not trained: the caller says).
pub(super) fn counts_of(
    records: &[StagedRecord],
    prediction: &wholeplace_linkage::Prediction,
    people: &[LinkedPerson],
    queued: usize,
    (lower, upper): (f64, f64),
) -> RunCounts {
    RunCounts {
        records: records.len() as i64,
        pairs: prediction.candidates as i64,
        people: people.len() as i64,
        new_people: people.iter().filter(|p| p.existing.is_none()).count() as i64,
        households: 0,
        queued: queued as i64,
        expected_false: expected(&prediction.pairs, |p| (p >= upper).then_some(1.0 - p)),
        expected_missed: expected(&prediction.pairs, |p| (p < lower).then_some(p)),
        trained: false,
        probabilities: probability_bins(&prediction.pairs),
    }
}

/// The scored pairs by match probability in bins of a tenth of a per cent: (bin, pairs, sum
/// of their probabilities in parts per million).
pub(super) fn probability_bins(pairs: &[ScoredPair]) -> Vec<(u16, i64, i64)> {
    let mut bins = vec![(0i64, 0f64); 1000];
    for p in pairs {
        let pr = p.probability();
        let b = ((pr * 1000.0).floor() as usize).min(999);
        bins[b].0 += 1;
        bins[b].1 += pr;
    }
    bins.into_iter()
        .enumerate()
        .filter(|(_, (n, _))| *n > 0)
        .map(|(b, (n, sum))| (b as u16, n, (sum * 1e6).round() as i64))
        .collect()
}

/// Two runs' bins added.
pub(super) fn add_bins(a: &[(u16, i64, i64)], b: &[(u16, i64, i64)]) -> Vec<(u16, i64, i64)> {
    let mut all: std::collections::BTreeMap<u16, (i64, i64)> = std::collections::BTreeMap::new();
    for (bin, n, s) in a.iter().chain(b) {
        let e = all.entry(*bin).or_default();
        e.0 += n;
        e.1 += s;
    }
    all.into_iter().map(|(b, (n, s))| (b, n, s)).collect()
}

pub(super) fn expected(pairs: &[ScoredPair], f: impl Fn(f64) -> Option<f64>) -> i64 {
    pairs
        .iter()
        .filter_map(|p| f(p.probability()))
        .sum::<f64>()
        .round() as i64
}

pub(super) fn links_decided(
    decisions: &[(StagedRecordId, StagedRecordId, bool)],
    index: &HashMap<i64, u32>,
) -> HashSet<(u32, u32)> {
    decisions
        .iter()
        .filter_map(|(a, b, _)| Some(ordered(*index.get(&a.get())?, *index.get(&b.get())?)))
        .collect()
}

pub(super) fn ordered(a: u32, b: u32) -> (u32, u32) {
    (a.min(b), a.max(b))
}

/// The links: pairs at or above the upper threshold that were not rejected, and accepted pairs.
pub(super) fn links_with_decisions(
    pairs: &[ScoredPair],
    decisions: &[(StagedRecordId, StagedRecordId, bool)],
    index: &HashMap<i64, u32>,
    upper: f64,
) -> Vec<ScoredPair> {
    let mut rejected = HashSet::new();
    let mut accepted = Vec::new();
    for (a, b, yes) in decisions {
        let (Some(&x), Some(&y)) = (index.get(&a.get()), index.get(&b.get())) else {
            continue;
        };
        let (a, b) = ordered(x, y);
        if *yes {
            accepted.push(ScoredPair {
                a,
                b,
                weight: 100.0,
                pattern: 0,
            });
        } else {
            rejected.insert((a, b));
        }
    }
    pairs
        .iter()
        .filter(|p| p.probability() >= upper && !rejected.contains(&(p.a, p.b)))
        .copied()
        .chain(accepted)
        .collect()
}

/// The most common non-empty value of a field among a person's records.
fn usual(records: &[StagedRecord], members: &[u32], field: usize) -> Option<String> {
    let mut count: HashMap<&str, usize> = HashMap::new();
    for &i in members {
        let v = records[i as usize].values[field].as_str();
        if !v.is_empty() {
            *count.entry(v).or_default() += 1;
        }
    }
    count
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
        .map(|(v, _)| v.to_owned())
}

/// A date of birth as `YYYY-MM-DD`, from the engine's standardised column.
fn iso_dob(table: &Table, members: &[u32]) -> Option<String> {
    let col = table.column("date_of_birth")?;
    let ColumnData::Date(days) = &col.data else {
        return None;
    };
    members
        .iter()
        .map(|&i| days[i as usize])
        .find(|d| *d != 0)
        .map(|d| format!("{:04}-{:02}-{:02}", d / 10_000, d / 100 % 100, d % 100))
}

/// Each cluster as a person: the person most of its records already were keeps their id.
fn people_of(table: &Table, records: &[StagedRecord], clusters: &Clusters) -> Vec<LinkedPerson> {
    let previous: Vec<Option<String>> = records
        .iter()
        .map(|r| r.person_id.map(|p| p.get().to_string()))
        .collect();
    let known: HashSet<&str> = previous.iter().flatten().map(String::as_str).collect();
    let (ids, _) = assign_cluster_ids(table, &clusters.cluster_of, &previous);
    clusters
        .members()
        .iter()
        .zip(&ids)
        .map(|(members, id)| LinkedPerson {
            existing: known
                .contains(id.as_str())
                .then(|| id.parse().ok().map(PersonId::from_raw))
                .flatten(),
            details: NewPerson {
                given_name: usual(records, members, 1).unwrap_or_default(),
                family_name: usual(records, members, 2).unwrap_or_default(),
                date_of_birth: iso_dob(table, members),
                nhs_number: usual(records, members, 9),
                ni_number: usual(records, members, 10),
            },
            records: members.iter().map(|&i| records[i as usize].id).collect(),
        })
        .collect()
}

/// People who share a dwelling (house, street and postcode), in groups of two or more.
fn households_of(
    table: &Table,
    records: &[StagedRecord],
    clusters: &Clusters,
    columns: &PersonColumns,
) -> Vec<(NewHousehold, Vec<usize>)> {
    let address: Vec<usize> = columns
        .address_columns()
        .iter()
        .filter_map(|c| table.column_index(c))
        .collect();
    let homes = wholeplace_linkage::households(table, clusters, &address);
    let mut people_of_home: Vec<Vec<usize>> = vec![Vec::new(); homes.count];
    let mut first_record: Vec<usize> = vec![usize::MAX; homes.count];
    for (i, (&h, &p)) in homes
        .cluster_of
        .iter()
        .zip(&clusters.cluster_of)
        .enumerate()
    {
        let (h, p) = (h as usize, p as usize);
        if !people_of_home[h].contains(&p) {
            people_of_home[h].push(p);
        }
        first_record[h] = first_record[h].min(i);
    }
    people_of_home
        .into_iter()
        .zip(first_record)
        .filter(|(people, _)| people.len() > 1)
        .map(|(people, first)| {
            let v = &records[first].values;
            let household = NewHousehold {
                name: format!(
                    "{} household",
                    if v[2].is_empty() { "Linked" } else { &v[2] }
                ),
                place_id: None,
                address: format!("{} {}, {} {}", v[5], v[6], v[7], v[8])
                    .trim()
                    .to_owned(),
                lead_user_id: None,
            };
            (household, people)
        })
        .collect()
}

/// The pairs between the thresholds, not yet decided, with their evidence.
pub(super) fn queue(
    linker: &Linker<'_>,
    model: &Model,
    records: &[StagedRecord],
    pairs: &[ScoredPair],
    decided: &HashSet<(u32, u32)>,
    (lower, upper): (f64, f64),
) -> Vec<NewReviewItem> {
    pairs
        .iter()
        .filter(|p| {
            let pr = probability(p.weight);
            pr >= lower && pr < upper && !decided.contains(&(p.a, p.b))
        })
        .map(|p| {
            let why = linker.explain(model, p.a as usize, p.b as usize);
            NewReviewItem {
                a: records[p.a as usize].id,
                b: records[p.b as usize].id,
                probability_ppm: (p.probability() * 1e6).round() as i64,
                evidence: serde_json::to_string(&why).unwrap_or_default(),
            }
        })
        .collect()
}
