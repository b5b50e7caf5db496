//! The pabulib checker's errors (pabulib/checker, "Possible Issues: Errors"), re-implemented so an
//! exported `.pb` file can be held to them: a file with none of these errors is what pabulib
//! accepts. Warnings (field order, the Poznań rule) are not errors and are not checked.
//!
//! One deliberate difference: the checker's "unused budget" error (a project left out that the
//! money left would pay for) is applied to files whose rule is greedy only. Under the Method of
//! Equal Shares an outcome that leaves money unspent is the rule working as designed (Assen 2024's
//! published result is one).

use std::collections::{HashMap, HashSet};

use crate::pabulib::{Election, parse, parse_amount, parse_budget};
use crate::profile::Profile;
use crate::rules::{Lot, greedy};

/// One checker error: its kind, as the checker names it, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckError {
    pub kind: &'static str,
    pub detail: String,
}

const OBLIGATORY_META: [&str; 11] = [
    "description",
    "country",
    "unit",
    "instance",
    "num_projects",
    "num_votes",
    "budget",
    "vote_type",
    "rule",
    "date_begin",
    "date_end",
];

/// Every checker error in a `.pb` file's text.
pub fn check(text: &str) -> Vec<CheckError> {
    let mut out = Vec::new();
    let mut add = |kind: &'static str, detail: String| out.push(CheckError { kind, detail });
    let lines: Vec<&str> = text.trim_end_matches('\n').split('\n').collect();
    let empty: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.trim().is_empty())
        .map(|(i, _)| i + 1)
        .collect();
    if !empty.is_empty() {
        add("empty lines", format!("contains empty lines at: {empty:?}"));
    }
    let e = match parse(text) {
        Ok(e) => e,
        Err(err) => {
            add("invalid file", err.to_string());
            return out;
        }
    };
    for key in ["budget", "max_sum_cost"] {
        if e.meta_value(key).is_some_and(|v| v.contains(',')) {
            add("comma in float!", format!("in {key}"));
        }
    }
    for key in OBLIGATORY_META {
        if e.meta_value(key).is_none_or(|v| v.trim().is_empty()) {
            add(
                "missing meta obligatory field",
                format!("missing fields: {key}"),
            );
        }
    }
    for key in ["num_projects", "num_votes", "budget"] {
        if let Some(v) = e.meta_value(key)
            && parse_budget(v).is_none()
        {
            add(
                "incorrect meta field datatype",
                format!("meta field '{key}' is not a number: {v}"),
            );
        }
    }
    if let Some(v) = e.meta_value("vote_type")
        && !["approval", "ordinal", "cumulative", "scoring"].contains(&v)
    {
        add(
            "invalid meta field value",
            format!("vote_type `{v}` is not approval, ordinal, cumulative or scoring"),
        );
    }
    check_dates(&e, &mut add);
    check_budgets(&e, &mut add);
    check_counts(&e, &mut add);
    check_votes(&e, &mut add);
    out
}

fn date_key(text: &str) -> Option<(u32, u32, u32)> {
    let t = text.trim();
    if t.len() == 4 {
        return t.parse().ok().map(|y| (y, 1, 1));
    }
    let mut parts = t.split('.');
    let (d, m, y) = (
        parts.next()?.parse().ok()?,
        parts.next()?.parse().ok()?,
        parts.next()?.parse().ok()?,
    );
    parts.next().is_none().then_some((y, m, d))
}

fn check_dates(e: &Election, add: &mut impl FnMut(&'static str, String)) {
    if let (Some(b), Some(en)) = (e.meta_value("date_begin"), e.meta_value("date_end")) {
        match (date_key(b), date_key(en)) {
            (Some(x), Some(y)) if x > y => add(
                "date range missmatch",
                format!("date end ({en}) earlier than start ({b})!"),
            ),
            (None, _) | (_, None) => add(
                "invalid meta field value",
                format!("dates `{b}`, `{en}` are not DD.MM.YYYY or YYYY"),
            ),
            _ => {}
        }
    }
}

fn selected(e: &Election) -> Vec<&str> {
    e.projects
        .iter()
        .filter(|p| {
            e.project_value(p, "selected")
                .is_some_and(|s| s.trim() == "1")
        })
        .map(|p| p.id.as_str())
        .collect()
}

fn check_budgets(e: &Election, add: &mut impl FnMut(&'static str, String)) {
    let budget = e.budget();
    let chosen = selected(e);
    let spent: u64 = e
        .projects
        .iter()
        .filter(|p| chosen.contains(&p.id.as_str()))
        .map(|p| p.cost)
        .sum();
    let all: u64 = e.projects.iter().map(|p| p.cost).sum();
    for p in &e.projects {
        if p.cost == 0 {
            add(
                "project with no cost",
                format!("project: `{}` has no cost!", p.id),
            );
        } else if p.cost > budget {
            add(
                "single project exceeded whole budget",
                format!("project `{}` has exceeded the whole budget!", p.id),
            );
        }
    }
    if spent > budget {
        add(
            "budget exceeded",
            format!("Budget: `{budget}`, cost of selected projects: {spent}"),
        );
    }
    if let Some(f) = e.meta_value("fully_funded") {
        if f.trim() != "1" {
            add(
                "fully_funded flag different than 1!",
                format!("fully_funded is `{f}`"),
            );
        }
        return;
    }
    if budget > all {
        add(
            "all projects funded",
            format!("budget: {budget}, cost of all projects: {all}"),
        );
    }
    let has_selected = e.project_fields.iter().any(|c| c == "selected");
    if has_selected && e.meta_value("rule") == Some("greedy") {
        let left = budget.saturating_sub(spent);
        for p in e
            .projects
            .iter()
            .filter(|p| !chosen.contains(&p.id.as_str()))
        {
            if p.cost < left {
                add(
                    "unused budget",
                    format!("project: {} can be funded but it's not selected", p.id),
                );
            }
        }
        let profile = Profile::from_election(e);
        if let Ok((g, _)) = greedy(&profile, &Lot { seed: Some(0) }) {
            let g: HashSet<&str> = g.iter().map(|&c| profile.ids[c].as_str()).collect();
            let s: HashSet<&str> = chosen.iter().copied().collect();
            if g != s {
                add(
                    "greedy rule not followed",
                    format!("greedy selects {:?}, the file {:?}", sorted(&g), sorted(&s)),
                );
            }
        }
    }
}

fn sorted<'a>(s: &HashSet<&'a str>) -> Vec<&'a str> {
    let mut v: Vec<&str> = s.iter().copied().collect();
    v.sort_unstable();
    v
}

fn check_counts(e: &Election, add: &mut impl FnMut(&'static str, String)) {
    if let Some(n) = e.meta_value("num_votes").and_then(parse_amount)
        && n != e.votes.len() as u64
    {
        add(
            "different number of votes",
            format!(
                "votes number in META: `{n}` vs counted from file: `{}`",
                e.votes.len()
            ),
        );
    }
    if let Some(n) = e.meta_value("num_projects").and_then(parse_amount)
        && n != e.projects.len() as u64
    {
        add(
            "different number of projects",
            format!(
                "projects number in META: `{n}` vs counted from file: `{}`",
                e.projects.len()
            ),
        );
    }
    let has_votes = e.project_fields.iter().any(|c| c == "votes");
    let has_score = e.project_fields.iter().any(|c| c == "score");
    if !has_votes && !has_score {
        add(
            "No votes or score counted in PROJECTS section",
            "There should be at least one field".to_string(),
        );
    }
    let mut votes: HashMap<&str, u64> = HashMap::new();
    let mut points: HashMap<&str, u64> = HashMap::new();
    for v in &e.votes {
        let pts = v.points.clone().unwrap_or_else(|| vec![1; v.vote.len()]);
        for (id, p) in v.vote.iter().zip(pts) {
            *votes.entry(id.as_str()).or_default() += 1;
            *points.entry(id.as_str()).or_default() += p;
        }
    }
    for p in &e.projects {
        let counted = votes.get(p.id.as_str()).copied().unwrap_or(0);
        if has_votes {
            let given = e
                .project_value(p, "votes")
                .and_then(parse_amount)
                .unwrap_or(0);
            if given == 0 {
                add("project with no votes", format!("Project: {}", p.id));
            }
            if given != counted {
                add(
                    "different values in votes",
                    format!(
                        "project: `{}` file votes: `{given}` vs counted: {counted}",
                        p.id
                    ),
                );
            }
        }
        if has_score {
            let given = e
                .project_value(p, "score")
                .and_then(parse_amount)
                .unwrap_or(0);
            let counted = points.get(p.id.as_str()).copied().unwrap_or(0);
            if given != counted {
                add(
                    "different values in scores",
                    format!(
                        "project: `{}` file scores: `{given}` vs counted: {counted}",
                        p.id
                    ),
                );
            }
        }
    }
}

fn check_votes(e: &Election, add: &mut impl FnMut(&'static str, String)) {
    let length = |keys: [&str; 3]| {
        keys.iter()
            .find_map(|k| e.meta_value(k))
            .and_then(parse_amount)
    };
    let max = length(["max_length", "max_length_unit", "max_length_district"]);
    let min = length(["min_length", "min_length_unit", "min_length_district"]);
    let vote_at = e.vote_fields.iter().position(|c| c == "vote").unwrap_or(1);
    for v in &e.votes {
        let raw: Vec<&str> = v.values[vote_at].split(',').map(str::trim).collect();
        let unique: HashSet<&&str> = raw.iter().collect();
        if unique.len() < raw.len() {
            add(
                "vote with duplicated projects",
                format!("duplicated projects in a vote: Voter ID: `{}`", v.voter_id),
            );
        }
        let n = raw.len() as u64;
        if max.is_some_and(|m| n > m) {
            add(
                "vote length exceeded",
                format!("Voter ID: `{}`, max vote length exceeded", v.voter_id),
            );
        }
        if min.is_some_and(|m| n < m) {
            add(
                "vote length too short",
                format!("Voter ID: `{}`, min vote length not met", v.voter_id),
            );
        }
    }
}
