//! Forecast against realised savings (the evaluation mode of the cost-benefit method): an
//! approved appraisal frozen as a snapshot of one option's forecast, the net outcomes achieved
//! recorded by line and year, and the variance by agency and year valued with the snapshot's own
//! unit costs (`wholeplace_appraisal::realised`), so a later change to the model or the unit-cost
//! library never moves an approved forecast, and the same snapshot always gives the same report.
//! Reference data, not personal: readable by everyone signed in, changed by analysts and
//! administrators (audited).

use crate::appraisals::engine;
use crate::fields;
use crate::{Actor, AuditAction, FieldError, Service, ServiceError, ServiceResult};
use serde::Deserialize;
use wholeplace_appraisal::realised::{Observed, Snapshot, VarianceReport, variance, variance_csv};
use wholeplace_appraisal::{appraise_figures, parse_model_toml};
use wholeplace_domain::{AppraisalId, SnapshotId};
use wholeplace_store::realised::OutcomeChange;
use wholeplace_store::{AppraisalSnapshot, NewSnapshot};

/// The most outcomes a line can record in a year (a guard against typing slips).
const MAX_OUTCOMES: f64 = 1_000_000_000.0;

/// The form that freezes an approved appraisal.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct SnapshotForm {
    /// The option approved, by its number in the model (from 1); blank for the first.
    pub option: String,
    /// Who approved it and how, e.g. "Leaders board, 30 November 2026, minute 12".
    pub approval: String,
    /// The day it was approved (`YYYY-MM-DD`).
    pub approved_on: String,
}

impl SnapshotForm {
    /// The option's index, the approval and its day, or every problem.
    pub fn parse(&self) -> Result<(usize, String, String), Vec<FieldError>> {
        let mut errors = Vec::new();
        let option = match self.option.trim() {
            "" => Some(0),
            t => match t.parse::<usize>() {
                Ok(n) if n >= 1 => Some(n - 1),
                _ => {
                    errors.push(FieldError::new(
                        "option",
                        "Give the option's number in the model, from 1",
                    ));
                    None
                }
            },
        };
        let approval = fields::text(
            &mut errors,
            "approval",
            &self.approval,
            300,
            Some("Say who approved the appraisal and how, such as 'Leaders board, minute 12'"),
        );
        let approved_on = fields::date(&mut errors, "approved_on", &self.approved_on);
        if approved_on.is_empty() {
            errors.push(FieldError::new(
                "approved_on",
                "Enter the day it was approved, such as 2026-11-30",
            ));
        }
        match (option, errors.is_empty()) {
            (Some(o), true) => Ok((o, approval, approved_on)),
            _ => Err(errors),
        }
    }
}

/// Outcomes achieved as a form sends them: `obs_{line}_{year}` to a number (blank clears it).
#[derive(Clone, Debug, Default)]
pub struct OutcomesForm {
    /// (field name, value).
    pub values: Vec<(String, String)>,
}

/// The field name of a line's outcomes in a year.
pub fn outcome_field(line: usize, year: usize) -> String {
    format!("obs_{line}_{year}")
}

impl OutcomesForm {
    /// Each (line, year, thousandths or cleared), checked against the snapshot's lines and
    /// years; every problem names the line and the year.
    pub fn parse(&self, s: &Snapshot) -> Result<Vec<OutcomeChange>, Vec<FieldError>> {
        let mut out = Vec::new();
        let mut errors = Vec::new();
        for (name, raw) in &self.values {
            let Some((l, y)) = name
                .strip_prefix("obs_")
                .and_then(|r| r.split_once('_'))
                .and_then(|(l, y)| Some((l.parse::<usize>().ok()?, y.parse::<usize>().ok()?)))
                .filter(|(l, y)| *l < s.lines.len() && *y < s.years.len())
            else {
                errors.push(FieldError::new(
                    name,
                    format!(
                        "There is no such line and year: name a line from 0 to {} and a year from 0 to {}, as obs_LINE_YEAR",
                        s.lines.len().saturating_sub(1),
                        s.years.len().saturating_sub(1)
                    ),
                ));
                continue;
            };
            let t = raw.trim().replace(',', "");
            if t.is_empty() {
                out.push((l as i64, y as i64, None));
                continue;
            }
            match t.parse::<f64>() {
                Ok(v) if v.is_finite() && (0.0..=MAX_OUTCOMES).contains(&v) => {
                    out.push((l as i64, y as i64, Some((v * 1000.0).round() as i64)));
                }
                _ => errors.push(FieldError::new(
                    name,
                    format!(
                        "{} in {}: enter the net outcomes achieved as a number from 0, such as 12 or 7.5 (leave it blank if not yet known)",
                        s.lines[l].name, s.years[y]
                    ),
                )),
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }
}

/// A snapshot with its forecast read and its variance worked out.
#[derive(Clone, Debug)]
pub struct RealisedView {
    /// The stored snapshot and its observations.
    pub stored: AppraisalSnapshot,
    /// The forecast it froze.
    pub forecast: Snapshot,
    /// The variance by agency and year.
    pub report: VarianceReport,
}

fn forecast_of(stored: &AppraisalSnapshot) -> ServiceResult<Snapshot> {
    serde_json::from_str(&stored.forecast)
        .map_err(|e| ServiceError::Internal(format!("snapshot {}: {e}", stored.id)))
}

fn observed_of(stored: &AppraisalSnapshot) -> Observed {
    stored
        .observed
        .iter()
        .map(|o| ((o.line as usize, o.year as usize), o.milli as f64 / 1000.0))
        .collect()
}

impl Service {
    /// An appraisal's snapshots, newest first.
    pub async fn list_snapshots(
        &self,
        actor: &Actor,
        appraisal: AppraisalId,
    ) -> ServiceResult<Vec<AppraisalSnapshot>> {
        self.appraisal(actor, appraisal).await?;
        Ok(self.store().list_snapshots(appraisal).await?)
    }

    /// Freezes an option of an appraisal as approved (analysts and administrators; audited).
    pub async fn create_snapshot(
        &self,
        actor: &Actor,
        appraisal: AppraisalId,
        form: &SnapshotForm,
    ) -> ServiceResult<SnapshotId> {
        self.require_editor(
            actor,
            AuditAction::SnapshotCreate,
            "appraisal",
            Some(appraisal.to_string()),
        )
        .await?;
        let stored = self
            .store()
            .get_appraisal(appraisal)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let (option, approval, approved_on) = form.parse().map_err(ServiceError::Validation)?;
        let unusable = |why: String| {
            ServiceError::Validation(vec![FieldError::new(
                "option",
                format!("The appraisal cannot be frozen: {why}"),
            )])
        };
        let file = parse_model_toml(&stored.model_toml).map_err(|e| unusable(e.to_string()))?;
        let engine = engine()?;
        let prepared = engine
            .prepare(&file, Some(&stored.model_toml))
            .map_err(|e| unusable(e.to_string()))?;
        let results = appraise_figures(&prepared);
        let frozen = wholeplace_appraisal::realised::snapshot(&prepared, &results, option)
            .map_err(|e| unusable(e.to_string()))?;
        let forecast =
            serde_json::to_string(&frozen).map_err(|e| ServiceError::Internal(e.to_string()))?;
        let detail = format!("option '{}' approved on {approved_on}", frozen.option);
        let ev = self.event(
            actor,
            AuditAction::SnapshotCreate,
            "appraisal",
            Some(appraisal.to_string()),
            true,
            &detail,
        );
        let new = NewSnapshot {
            appraisal_id: appraisal,
            option_name: frozen.option,
            approval,
            approved_on,
            model_toml: stored.model_toml,
            forecast,
            created_by: actor.name(),
            created_at: self.now(),
        };
        Ok(self.store().create_snapshot(&new, &ev).await?)
    }

    /// A snapshot with the variance of what was achieved against its forecast.
    pub async fn realised(&self, actor: &Actor, id: SnapshotId) -> ServiceResult<RealisedView> {
        self.may_read(actor).await?;
        let stored = self
            .store()
            .get_snapshot(id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let forecast = forecast_of(&stored)?;
        let report = variance(&forecast, &observed_of(&stored));
        Ok(RealisedView {
            stored,
            forecast,
            report,
        })
    }

    /// Records outcomes achieved (analysts and administrators; audited): all of the form's
    /// values or none.
    pub async fn record_outcomes(
        &self,
        actor: &Actor,
        id: SnapshotId,
        form: &OutcomesForm,
    ) -> ServiceResult<()> {
        self.require_editor(
            actor,
            AuditAction::RealisedRecord,
            "snapshot",
            Some(id.to_string()),
        )
        .await?;
        let stored = self
            .store()
            .get_snapshot(id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let forecast = forecast_of(&stored)?;
        let values = form.parse(&forecast).map_err(ServiceError::Validation)?;
        let detail = format!("{} outcomes recorded or cleared", values.len());
        let ev = self.event(
            actor,
            AuditAction::RealisedRecord,
            "snapshot",
            Some(id.to_string()),
            true,
            &detail,
        );
        Ok(self
            .store()
            .record_outcomes(id, &values, &actor.name(), self.now(), &ev)
            .await?)
    }

    /// The variance report as CSV (every cell guarded against spreadsheet formulas); the same
    /// snapshot and outcomes give the same bytes.
    pub async fn realised_csv(&self, actor: &Actor, id: SnapshotId) -> ServiceResult<String> {
        let view = self.realised(actor, id).await?;
        let table = wholeplace_tabular::read_csv(&variance_csv(&view.report))
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        Ok(wholeplace_tabular::write_csv(&table))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wholeplace_appraisal::realised::SnapshotLine;

    fn two_lines() -> Snapshot {
        let line = |name: &str| SnapshotLine {
            name: name.into(),
            counted_as: "a family".into(),
            forecast_outcomes: vec![1.0, 2.0],
            values: vec![(0, 10.0)],
            cashable_share: vec![0.0, 0.0],
        };
        Snapshot {
            title: "T".into(),
            option: "O".into(),
            price_base: "2024/25".into(),
            years: vec!["2024/25".into(), "2025/26".into()],
            agencies: vec!["Council".into()],
            lines: vec![line("Stays at home"), line("Back to work")],
            library_version: String::new(),
            deflator_series: String::new(),
        }
    }

    #[test]
    fn outcomes_are_read_in_thousandths_and_every_problem_names_its_line_and_year() {
        let s = two_lines();
        let form = |pairs: &[(&str, &str)]| OutcomesForm {
            values: pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        };
        assert_eq!(
            form(&[("obs_0_0", "12"), ("obs_1_1", " 7.5 "), ("obs_0_1", "")]).parse(&s),
            Ok(vec![
                (0, 0, Some(12_000)),
                (1, 1, Some(7_500)),
                (0, 1, None)
            ])
        );
        let Err(errs) = form(&[
            ("obs_0_0", "-1"),
            ("obs_1_0", "lots"),
            ("obs_2_0", "1"),
            ("obs_0_9", "1"),
        ])
        .parse(&s) else {
            panic!("refused")
        };
        assert_eq!(errs.len(), 4);
        assert!(
            errs[0].message.starts_with("Stays at home in 2024/25:"),
            "{}",
            errs[0].message
        );
        assert!(errs[1].message.starts_with("Back to work in 2024/25:"));
        assert!(
            errs[2]
                .message
                .contains("line from 0 to 1 and a year from 0 to 1")
        );
        assert_eq!(errs[3].field, "obs_0_9");
    }

    #[test]
    fn the_snapshot_form_needs_the_approval_and_its_day() {
        let ok = SnapshotForm {
            option: "2".into(),
            approval: "Leaders board, minute 12".into(),
            approved_on: "2026-11-30".into(),
        };
        assert_eq!(
            ok.parse(),
            Ok((1, "Leaders board, minute 12".into(), "2026-11-30".into()))
        );
        let Err(errs) = SnapshotForm {
            option: "0".into(),
            ..Default::default()
        }
        .parse() else {
            panic!("refused")
        };
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["option", "approval", "approved_on"]);
    }
}
