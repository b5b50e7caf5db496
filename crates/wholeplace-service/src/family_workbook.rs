//! A family as tables, for the downloads: the involvements CSV and the family workbook (members,
//! involvements with their annual cost, events and the plan). Both are made from a
//! [`FamilyView`], so they hold only what the access gate let the reader see, and the read that
//! made the view is the one audit entry of the download.

use crate::families::FamilyView;
use crate::{ServiceError, ServiceResult, pounds_text};
use wholeplace_tabular::Table;

/// Units a year from hundredths, as people write them: `52`, or `1.50`.
pub fn units_text(hundredths: i64) -> String {
    if hundredths % 100 == 0 {
        (hundredths / 100).to_string()
    } else {
        format!("{}.{:02}", hundredths / 100, hundredths % 100)
    }
}

fn table(headers: &[&str], rows: Vec<Vec<String>>) -> Table {
    Table {
        headers: headers.iter().map(|h| (*h).to_owned()).collect(),
        rows,
    }
}

impl FamilyView {
    /// The members the reader may see.
    pub fn members_table(&self) -> Table {
        table(
            &[
                "person_id",
                "given_name",
                "family_name",
                "relationship",
                "date_of_birth",
                "nhs_number",
            ],
            self.members
                .iter()
                .map(|m| {
                    vec![
                        m.person.id.to_string(),
                        m.person.given_name.clone(),
                        m.person.family_name.clone(),
                        m.relationship.clone(),
                        m.person.date_of_birth.clone().unwrap_or_default(),
                        m.person.nhs_number.clone().unwrap_or_default(),
                    ]
                })
                .collect(),
        )
    }

    /// The involvements the reader may see, priced: a unit cost, units a year and what that
    /// costs a year (pounds with two decimals).
    pub fn involvements_table(&self) -> Table {
        table(
            &[
                "member",
                "agency",
                "service",
                "need",
                "class_of_data",
                "started_on",
                "ended_on",
                "unit_cost_code",
                "unit_cost",
                "unit",
                "units_per_year",
                "annual_cost",
            ],
            self.involvements
                .iter()
                .map(|i| {
                    vec![
                        self.name_of(Some(i.person_id)),
                        i.agency_name.clone(),
                        i.service.clone(),
                        i.need.clone(),
                        i.class.as_str().to_owned(),
                        i.started_on.clone(),
                        i.ended_on.clone().unwrap_or_default(),
                        i.unit_cost_code.clone().unwrap_or_default(),
                        pounds_text(i.unit_cost.pence()),
                        i.unit.clone(),
                        units_text(i.units_per_year_hundredths),
                        pounds_text(i.annual_cost().pence()),
                    ]
                })
                .collect(),
        )
    }

    /// The events the reader may see, by day.
    pub fn events_table(&self) -> Table {
        table(
            &["day", "member", "agency", "class_of_data", "summary"],
            self.events
                .iter()
                .map(|e| {
                    vec![
                        e.day.clone(),
                        self.name_of(e.person_id),
                        e.agency_name.clone(),
                        e.class.as_str().to_owned(),
                        e.summary.clone(),
                    ]
                })
                .collect(),
        )
    }

    /// The goals of the plan the reader may see: a row for each action (a goal without one has
    /// a row of its own, its action cells empty).
    pub fn plan_table(&self) -> Table {
        let mut rows = Vec::new();
        for g in &self.plan {
            let goal = [
                g.goal.clone(),
                g.score.to_string(),
                g.worries.clone(),
                g.strengths.clone(),
                g.next_steps.clone(),
                g.owner_agency.clone(),
                g.review_on.clone(),
            ];
            if g.actions.is_empty() {
                rows.push(goal.iter().cloned().chain(vec![String::new(); 3]).collect());
            }
            for a in &g.actions {
                rows.push(
                    goal.iter()
                        .cloned()
                        .chain([a.action.clone(), a.owner.clone(), a.due_on.clone()])
                        .collect(),
                );
            }
        }
        table(
            &[
                "goal",
                "score",
                "worries",
                "strengths",
                "next_steps",
                "owner_agency",
                "review_on",
                "action",
                "action_owner",
                "due_on",
            ],
            rows,
        )
    }

    /// The family workbook: sheets `members`, `involvements`, `events` and `plan`. Money, units
    /// and scores are numbers; every other cell is text, never a formula.
    pub fn workbook(&self) -> ServiceResult<Vec<u8>> {
        let sheets = [
            ("members", self.members_table(), &[][..]),
            ("involvements", self.involvements_table(), &[8, 10, 11][..]),
            ("events", self.events_table(), &[][..]),
            ("plan", self.plan_table(), &[1][..]),
        ];
        let refs: Vec<(&str, &Table, &[usize])> =
            sheets.iter().map(|(n, t, c)| (*n, t, *c)).collect();
        wholeplace_tabular::write_xlsx(&refs).map_err(|e| ServiceError::Internal(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_are_written_as_people_write_them() {
        assert_eq!(units_text(5200), "52");
        assert_eq!(units_text(150), "1.50");
        assert_eq!(units_text(25), "0.25");
    }
}
