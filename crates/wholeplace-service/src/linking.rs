//! Linking as a job: the linkage engine run over the records staged for one partnership on a
//! background thread, one run at a time per partnership, with its progress readable while it
//! runs and a cancel that takes effect at the next stage. Each partnership keeps its own review
//! band, second-reviewer rule, model, runs and review queue; its records are never compared
//! with another partnership's. A finished run's people (each with their source records), households and
//! review queue are written in one transaction; its model is saved and reused by the next run.
//! The review queue holds the pairs between the two thresholds with their evidence; a decision
//! (accept, reject, undo) is audited and takes effect in the next run.

use crate::policy::{Access, DataClass};
use crate::{Actor, AuditAction, FieldError, Service, ServiceError, ServiceResult};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use wholeplace_domain::{LinkageRunId, PartnershipId, ReviewItemId};
use wholeplace_linkage::Explanation;
use wholeplace_store::{LinkageRun, LinkageSettings, ReviewItem, ReviewStatus, RunState};

mod compute;
mod encoded;

pub use compute::{LinkFailure, LinkInput, link_records};

/// Review queue items a page shows.
pub const REVIEW_PAGE_SIZE: i64 = 20;

/// Where a run is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// The stage, in words.
    pub stage: String,
    /// Units done of the stage.
    pub done: u64,
    /// Units in the stage (0 when unknown).
    pub total: u64,
}

/// The running job, shared with its thread.
#[derive(Debug)]
pub struct JobState {
    run: LinkageRunId,
    progress: Mutex<Progress>,
    cancel: AtomicBool,
}

impl JobState {
    fn set(&self, stage: &str, done: u64, total: u64) {
        if let Ok(mut p) = self.progress.lock() {
            *p = Progress {
                stage: stage.to_owned(),
                done,
                total,
            };
        }
    }
    /// Whether a cancel was asked for.
    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

impl wholeplace_linkage::Progress for JobState {
    fn stage(&self, name: &str, done: u64, total: u64) {
        self.set(name, done, total);
    }
}

/// The job slots: one per partnership.
#[derive(Debug, Default)]
pub struct Jobs {
    current: tokio::sync::Mutex<HashMap<PartnershipId, Arc<JobState>>>,
}

impl Jobs {
    async fn current(&self, partnership: PartnershipId) -> Option<Arc<JobState>> {
        self.current.lock().await.get(&partnership).cloned()
    }
}

/// The linking page: the running job, the runs, the band and what the last run found.
#[derive(Clone, Debug, Serialize)]
pub struct LinkingOverview {
    /// The partnership whose linkage this is.
    pub partnership: (PartnershipId, String),
    /// Every partnership, to choose another: (id, name).
    pub partnerships: Vec<(PartnershipId, String)>,
    /// The run in progress and where it is.
    pub running: Option<(LinkageRunId, Progress)>,
    /// Runs, newest first.
    pub runs: Vec<LinkageRun>,
    /// The review band, in per cent: (lower, upper).
    pub band: (f64, f64),
    /// Whether merges across data classes wait for a second reviewer.
    pub second_review: bool,
    /// Whether a trained model is saved.
    pub model_saved: bool,
    /// Records staged for the partnership.
    pub staged: usize,
    /// What the saved band gives on the last finished run's pairs.
    pub expected: Option<BandExpectation>,
}

/// The review band as the form sends it, in per cent.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReviewBandForm {
    /// Pairs from this probability are queued.
    pub lower: String,
    /// Pairs from this probability are linked without review.
    pub upper: String,
    /// `yes` when a merge of people whose records come from different data classes waits for
    /// a second reviewer (a checkbox: absent means no).
    pub second_review: String,
}

impl ReviewBandForm {
    /// The band in parts per million, or the problems.
    pub fn parse(&self) -> Result<(i64, i64), Vec<FieldError>> {
        let pct = |v: &str, field: &str| -> Result<i64, FieldError> {
            v.trim()
                .trim_end_matches('%')
                .parse::<f64>()
                .ok()
                .filter(|p| (0.0..=100.0).contains(p))
                .map(|p| (p * 10_000.0).round() as i64)
                .ok_or_else(|| {
                    FieldError::new(field, "Enter a percentage from 0 to 100, such as 95")
                })
        };
        match (pct(&self.lower, "lower"), pct(&self.upper, "upper")) {
            (Ok(l), Ok(u)) if l < u => Ok((l, u)),
            (Ok(_), Ok(_)) => Err(vec![FieldError::new(
                "lower",
                "The lower threshold must be below the upper one",
            )]),
            (a, b) => Err([a.err(), b.err()].into_iter().flatten().collect()),
        }
    }
}

/// One pair of the queue as pages show it.
#[derive(Clone, Debug, Serialize)]
pub struct ReviewView {
    /// The stored item.
    pub item: ReviewItem,
    /// The evidence, field by field (the waterfall).
    pub evidence: Option<Explanation>,
}

/// A page of the queue.
#[derive(Clone, Debug, Serialize)]
pub struct ReviewQueue {
    /// The partnership whose queue this is.
    pub partnership: PartnershipId,
    /// The items.
    pub items: Vec<ReviewView>,
    /// Items with the status asked for.
    pub total: i64,
    /// The page (from 1).
    pub page: i64,
}

/// What a review band gives on a run's scored pairs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BandExpectation {
    /// Expected false matches among the pairs linked without review (the sum of 1 - p).
    pub false_matches: i64,
    /// Expected missed matches among the pairs below the lower threshold (the sum of p).
    pub missed_matches: i64,
    /// Pairs from the lower threshold up to the upper one, queued for review.
    pub to_review: i64,
}

/// The expected false and missed matches, and the pairs to review, that a band (in parts per
/// million) gives on a run's pairs by probability (bins of a tenth of a per cent, placed by
/// where each bin starts: exact for thresholds on a tenth of a per cent, else within one bin).
pub fn expect_for_band(
    bins: &[(u16, i64, i64)],
    lower_ppm: i64,
    upper_ppm: i64,
) -> BandExpectation {
    let (mut false_ppm, mut missed_ppm, mut to_review) = (0i64, 0i64, 0i64);
    for (bin, pairs, sum_ppm) in bins {
        let start = i64::from(*bin) * 1_000;
        if start >= upper_ppm {
            false_ppm += pairs * 1_000_000 - sum_ppm;
        } else if start >= lower_ppm {
            to_review += pairs;
        } else {
            missed_ppm += sum_ppm;
        }
    }
    BandExpectation {
        false_matches: (false_ppm + 500_000) / 1_000_000,
        missed_matches: (missed_ppm + 500_000) / 1_000_000,
        to_review,
    }
}

fn ppm_pct(ppm: i64) -> f64 {
    ppm as f64 / 10_000.0
}

impl Service {
    /// The partnership a linking request is for: the one named, or the only one there is; when
    /// none is named and there are several, the problem names them.
    pub async fn linking_partnership(
        &self,
        requested: Option<PartnershipId>,
    ) -> ServiceResult<(PartnershipId, String)> {
        let all = self.store().list_partnerships().await?;
        let choose = |why: &str| {
            let names: Vec<String> = all
                .iter()
                .map(|p| format!("{} ({})", p.id, p.name))
                .collect();
            ServiceError::Validation(vec![FieldError::new(
                "partnership",
                format!(
                    "{why}: give the partnership's id, one of {}",
                    names.join(", ")
                ),
            )])
        };
        if all.is_empty() {
            return Err(ServiceError::Validation(vec![FieldError::new(
                "partnership",
                "There is no partnership yet: records are linked for a partnership, so make one on the partnerships page first",
            )]));
        }
        match requested {
            Some(id) => all
                .iter()
                .find(|p| p.id == id)
                .map(|p| (p.id, p.name.clone()))
                .ok_or_else(|| choose(&format!("There is no partnership {id}"))),
            None if all.len() == 1 => Ok((all[0].id, all[0].name.clone())),
            None => Err(choose("Say which partnership's linkage this is")),
        }
    }

    /// A partnership's linking page facts.
    pub async fn linking_overview(
        &self,
        actor: &Actor,
        partnership: Option<PartnershipId>,
    ) -> ServiceResult<LinkingOverview> {
        self.authorize(
            actor,
            DataClass::Linkage,
            Access::Read,
            AuditAction::LinkageRead,
            "linkage",
            None,
        )
        .await?;
        let chosen = self.linking_partnership(partnership).await?;
        let p = chosen.0;
        let settings = self.store().linkage_settings(p).await?;
        let running = self.jobs.current(p).await.map(|j| {
            let p = j.progress.lock().map(|p| p.clone()).unwrap_or_default();
            (j.run, p)
        });
        let runs = self.store().list_linkage_runs(p).await?;
        let expected = runs
            .iter()
            .find(|r| r.state == RunState::Finished)
            .map(
                |r| match r.counts.probabilities.is_empty() && r.counts.pairs > 0 {
                    // A run from before probabilities were kept: its own counts.
                    true => BandExpectation {
                        false_matches: r.counts.expected_false,
                        missed_matches: r.counts.expected_missed,
                        to_review: r.counts.queued,
                    },
                    false => expect_for_band(
                        &r.counts.probabilities,
                        settings.lower_ppm,
                        settings.upper_ppm,
                    ),
                },
            );
        Ok(LinkingOverview {
            partnership: chosen,
            partnerships: self
                .store()
                .list_partnerships()
                .await?
                .into_iter()
                .map(|x| (x.id, x.name))
                .collect(),
            running,
            expected,
            runs,
            band: (ppm_pct(settings.lower_ppm), ppm_pct(settings.upper_ppm)),
            second_review: settings.second_review,
            model_saved: settings.model.is_some(),
            staged: self
                .store()
                .list_extracts()
                .await?
                .iter()
                .filter(|e| e.partnership_id == p)
                .map(|e| e.records as usize)
                .sum(),
        })
    }

    /// Starts a run of a partnership's extracts in the background; refused while one of that
    /// partnership's is running.
    pub async fn start_linking(
        &self,
        actor: &Actor,
        partnership: Option<PartnershipId>,
    ) -> ServiceResult<LinkageRunId> {
        self.authorize(
            actor,
            DataClass::Linkage,
            Access::Change,
            AuditAction::LinkageRun,
            "linkage",
            None,
        )
        .await?;
        let (p, name) = self.linking_partnership(partnership).await?;
        if self.jobs.current(p).await.is_some() {
            return Err(ServiceError::Conflict(format!(
                "{name}'s linkage run in progress"
            )));
        }
        let records = self.store().staged_records(p).await?;
        if records.is_empty() {
            return Err(ServiceError::Validation(vec![FieldError::new(
                "run",
                format!("No extracts are staged for {name}: import an agency's extract first"),
            )]));
        }
        let mut decisions = self.store().review_decisions(p).await?;
        decisions.extend(self.correction_decisions(&records).await?);
        let encoded_columns = self
            .store()
            .list_extracts()
            .await?
            .into_iter()
            .filter(|e| e.partnership_id == p)
            .map(|e| e.encoded_columns)
            .find(|c| !c.is_empty())
            .unwrap_or_default();
        let input = LinkInput {
            settings: self.store().linkage_settings(p).await?,
            decisions,
            records,
            encoded_columns,
        };
        let detail = format!("partnership {p}, {} records", input.records.len());
        let ev = self.event(
            actor,
            AuditAction::LinkageRun,
            "linkage",
            None,
            true,
            &detail,
        );
        let mut slots = self.jobs.current.lock().await;
        if slots.contains_key(&p) {
            return Err(ServiceError::Conflict(format!(
                "{name}'s linkage run in progress"
            )));
        }
        let run = self.store().start_linkage_run(p, &ev).await?;
        let job = Arc::new(JobState {
            run,
            progress: Mutex::new(Progress::default()),
            cancel: AtomicBool::new(false),
        });
        slots.insert(p, job.clone());
        drop(slots);
        let service = self.clone();
        let actor = actor.clone();
        tokio::spawn(async move { service.finish_job(actor, p, job, input).await });
        Ok(run)
    }

    /// Runs the engine on the blocking pool and writes what it found, or ends the run as
    /// cancelled or failed; the slot is freed either way. Nothing personal reaches the log.
    async fn finish_job(
        &self,
        actor: Actor,
        partnership: PartnershipId,
        job: Arc<JobState>,
        input: LinkInput,
    ) {
        let thread_job = job.clone();
        let outcome =
            tokio::task::spawn_blocking(move || link_records(&input, thread_job.as_ref()))
                .await
                .unwrap_or_else(|e| {
                    Err(LinkFailure::Failed(format!(
                        "the linking thread stopped: {e}"
                    )))
                });
        let written = match outcome {
            Ok(mut result) => {
                job.set("Writing people, households and the review queue", 0, 0);
                result.ended_at = self.now();
                let detail = format!(
                    "{} records, {} people, {} households, {} queued",
                    result.counts.records,
                    result.counts.people,
                    result.counts.households,
                    result.counts.queued
                );
                let ev = self.event(
                    &actor,
                    AuditAction::LinkageFinish,
                    "linkage",
                    Some(job.run.to_string()),
                    true,
                    &detail,
                );
                self.store().finish_linkage_run(job.run, &result, &ev).await
            }
            Err(failure) => {
                let (state, detail) = match &failure {
                    LinkFailure::Cancelled => (RunState::Cancelled, "cancelled".to_owned()),
                    LinkFailure::Failed(why) => (RunState::Failed, why.clone()),
                };
                tracing::warn!(run = %job.run, "linkage run ended without writing: {detail}");
                let ev = self.event(
                    &actor,
                    AuditAction::LinkageCancel,
                    "linkage",
                    Some(job.run.to_string()),
                    true,
                    &detail,
                );
                self.store()
                    .end_linkage_run(job.run, state, self.now(), &ev)
                    .await
            }
        };
        if let Err(e) = written {
            tracing::error!(run = %job.run, "linkage run could not be recorded: {e}");
        }
        self.jobs.current.lock().await.remove(&partnership);
    }

    /// Asks a partnership's running job to stop at its next stage; nothing of it is written.
    pub async fn cancel_linking(
        &self,
        actor: &Actor,
        partnership: Option<PartnershipId>,
    ) -> ServiceResult<LinkageRunId> {
        self.authorize(
            actor,
            DataClass::Linkage,
            Access::Change,
            AuditAction::LinkageCancel,
            "linkage",
            None,
        )
        .await?;
        let (p, _) = self.linking_partnership(partnership).await?;
        let job = self.jobs.current(p).await.ok_or(ServiceError::NotFound)?;
        job.cancel.store(true, Ordering::Relaxed);
        Ok(job.run)
    }

    /// Waits until no run is in progress for any partnership (for the command line and tests).
    pub async fn wait_for_linking(&self, mut each: impl FnMut(&Progress)) {
        loop {
            let Some(job) = self.jobs.current.lock().await.values().next().cloned() else {
                break;
            };
            if let Ok(p) = job.progress.lock().map(|p| p.clone()) {
                each(&p);
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    }

    /// Sets a partnership's review band.
    pub async fn save_review_band(
        &self,
        actor: &Actor,
        partnership: Option<PartnershipId>,
        form: &ReviewBandForm,
    ) -> ServiceResult<()> {
        self.authorize(
            actor,
            DataClass::Linkage,
            Access::Change,
            AuditAction::LinkageSettings,
            "linkage",
            None,
        )
        .await?;
        let (p, _) = self.linking_partnership(partnership).await?;
        let (lower, upper) = form.parse().map_err(ServiceError::Validation)?;
        let second = matches!(form.second_review.trim(), "yes" | "true" | "on");
        let detail =
            format!("partnership {p}: review band {lower}-{upper} ppm, second reviewer {second}");
        let ev = self.event(
            actor,
            AuditAction::LinkageSettings,
            "linkage",
            None,
            true,
            &detail,
        );
        Ok(self
            .store()
            .save_review_band(p, lower, upper, second, &ev)
            .await?)
    }

    /// A page of a partnership's review queue (audited read: the evidence is personal data).
    pub async fn review_queue(
        &self,
        actor: &Actor,
        partnership: Option<PartnershipId>,
        status: ReviewStatus,
        page: i64,
    ) -> ServiceResult<ReviewQueue> {
        self.authorize(
            actor,
            DataClass::Linkage,
            Access::Read,
            AuditAction::LinkageRead,
            "linkage",
            None,
        )
        .await?;
        let (p, _) = self.linking_partnership(partnership).await?;
        let page = page.max(1);
        let got = self
            .store()
            .review_page(p, status, (page - 1) * REVIEW_PAGE_SIZE, REVIEW_PAGE_SIZE)
            .await?;
        let detail = format!(
            "partnership {p}: review queue {}, page {page}",
            status.as_str()
        );
        let ev = self.event(
            actor,
            AuditAction::LinkageRead,
            "linkage",
            None,
            true,
            &detail,
        );
        self.store().append_audit(&ev).await?;
        Ok(ReviewQueue {
            partnership: p,
            items: got
                .items
                .into_iter()
                .map(|item| ReviewView {
                    evidence: serde_json::from_str(&item.evidence).ok(),
                    item,
                })
                .collect(),
            total: got.total,
            page,
        })
    }

    /// Accepts, rejects or (with `Pending`) undoes the decision on a pair; audited.
    pub async fn decide_review(
        &self,
        actor: &Actor,
        id: ReviewItemId,
        status: ReviewStatus,
    ) -> ServiceResult<()> {
        self.authorize(
            actor,
            DataClass::Linkage,
            Access::Change,
            AuditAction::LinkageReview,
            "review_item",
            Some(id.to_string()),
        )
        .await?;
        self.store()
            .get_review_item(id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let verb = match status {
            ReviewStatus::Pending => "undone",
            ReviewStatus::Accepted => "accepted",
            ReviewStatus::Rejected => "rejected",
        };
        let ev = self.event(
            actor,
            AuditAction::LinkageReview,
            "review_item",
            Some(id.to_string()),
            true,
            verb,
        );
        Ok(self
            .store()
            .decide_review(id, status, &actor.name(), &ev)
            .await?)
    }

    /// A partnership's saved settings (for the command line's summary).
    pub async fn linkage_settings(
        &self,
        actor: &Actor,
        partnership: Option<PartnershipId>,
    ) -> ServiceResult<LinkageSettings> {
        self.authorize(
            actor,
            DataClass::Linkage,
            Access::Read,
            AuditAction::LinkageRead,
            "linkage",
            None,
        )
        .await?;
        let (p, _) = self.linking_partnership(partnership).await?;
        Ok(self.store().linkage_settings(p).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_band_splits_the_pairs_into_linked_queued_and_missed() {
        // Bins: 10% (2 pairs, sum 0.2), 50% (1 pair, 0.5), 90% (1 pair, 0.9), 99.9% (4, 3.998).
        let bins = [
            (100, 2, 200_000),
            (500, 1, 500_000),
            (900, 1, 900_000),
            (999, 4, 3_998_000),
        ];
        let wide = expect_for_band(&bins, 500_000, 950_000);
        assert_eq!(
            (wide.false_matches, wide.missed_matches, wide.to_review),
            (0, 0, 2),
            "0.002 false and 0.2 missed round to 0"
        );
        let narrow = expect_for_band(&bins, 950_000, 960_000);
        assert_eq!(
            (
                narrow.false_matches,
                narrow.missed_matches,
                narrow.to_review
            ),
            (0, 2, 0),
            "0.2 + 0.5 + 0.9 = 1.6 missed"
        );
        let low = expect_for_band(&bins, 50_000, 80_000);
        assert_eq!(
            (low.false_matches, low.missed_matches, low.to_review),
            (2, 0, 0),
            "1.8 + 0.5 + 0.1 + 0.002 false: 2.402 rounds to 2"
        );
        assert_eq!(expect_for_band(&[], 0, 1), BandExpectation::default());
    }
}
