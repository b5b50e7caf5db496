//! The pabulib `.pb` format (pabulib.org/format; Faliszewski, Flis, Peters, Pierczyński, Skowron,
//! Stolicki, Szufa and Talmon, "Participatory Budgeting: Data, Tools, and Analysis", IJCAI 2023):
//! UTF-8 text in three sections, `META`, `PROJECTS` and `VOTES`, each a header line and then rows of
//! fields separated by `;`, with CSV quoting (`"a;b"`, `""` for a quote inside quotes).
//!
//! [`parse`] reads a file into an [`Election`] or names the first problem by line and column with
//! how to fix it; [`write`] writes an election back (numbers of projects and votes brought up to
//! date), so parse → write → parse gives the same election.

use std::collections::HashSet;
use std::fmt;

/// One election as a `.pb` file holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Election {
    /// `META` rows in file order (`key`, `value`).
    pub meta: Vec<(String, String)>,
    /// The `PROJECTS` header: `project_id` first, then `cost` and any other columns.
    pub project_fields: Vec<String>,
    pub projects: Vec<ProjectRow>,
    /// The `VOTES` header: `voter_id` first, then `vote`, and any other columns (`points`, `age`...).
    pub vote_fields: Vec<String>,
    pub votes: Vec<VoteRow>,
}

/// A project: its id and cost, and every column of its row (aligned with `project_fields`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectRow {
    pub id: String,
    pub cost: u64,
    pub values: Vec<String>,
}

/// A ballot: the voter's id, the projects voted for (in the ballot's order), the points given to
/// each when the ballot has points, and every column of its row (aligned with `vote_fields`). An
/// empty `vote` is a blank ballot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoteRow {
    pub voter_id: String,
    pub vote: Vec<String>,
    pub points: Option<Vec<u64>>,
    pub values: Vec<String>,
}

/// A problem in a `.pb` file: where it is (1-based line and column), what is wrong and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ParseError {
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub fix: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {} (fix: {})",
            self.line, self.column, self.message, self.fix
        )
    }
}

fn err(
    line: usize,
    column: usize,
    message: impl Into<String>,
    fix: impl Into<String>,
) -> ParseError {
    ParseError {
        line,
        column,
        message: message.into(),
        fix: fix.into(),
    }
}

/// A field of a line and the 1-based column it starts at.
struct Field {
    text: String,
    column: usize,
}

/// Splits one line at `;`, honouring CSV quotes.
fn split_line(line: &str, number: usize) -> Result<Vec<Field>, ParseError> {
    let mut fields = Vec::new();
    let mut text = String::new();
    let mut start = 1;
    let mut quoted = false;
    let mut at_start = true;
    let mut chars = line.chars().enumerate().peekable();
    while let Some((i, c)) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek().is_some_and(|(_, n)| *n == '"') {
                    chars.next();
                    text.push('"');
                } else {
                    quoted = false;
                }
            } else {
                text.push(c);
            }
        } else if c == '"' && at_start {
            quoted = true;
            at_start = false;
        } else if c == ';' {
            fields.push(Field {
                text: std::mem::take(&mut text),
                column: start,
            });
            start = i + 2;
            at_start = true;
        } else {
            text.push(c);
            at_start = false;
        }
    }
    if quoted {
        return Err(err(
            number,
            start,
            "a quoted field is not closed on its line",
            "close the field with a double quote (write a quote inside quotes as \"\")",
        ));
    }
    fields.push(Field {
        text,
        column: start,
    });
    Ok(fields)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Meta,
    Projects,
    Votes,
}

fn section_of(line: &str) -> Option<Section> {
    let head = line.split(';').next().unwrap_or_default().trim();
    match head.to_ascii_lowercase().as_str() {
        "meta" => Some(Section::Meta),
        "projects" => Some(Section::Projects),
        "votes" => Some(Section::Votes),
        _ => None,
    }
}

/// Parses a non-negative whole number, also written with a fractional part of zeros (`100.0`).
pub fn parse_amount(text: &str) -> Option<u64> {
    let t = text.trim();
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !frac.bytes().all(|b| b == b'0') {
        return None;
    }
    whole.parse().ok()
}

struct Builder {
    election: Election,
    project_ids: HashSet<String>,
    voter_ids: HashSet<String>,
    cost_at: usize,
    vote_at: Option<usize>,
    points_at: Option<usize>,
}

/// Reads a `.pb` file.
pub fn parse(text: &str) -> Result<Election, ParseError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut b = Builder {
        election: Election {
            meta: Vec::new(),
            project_fields: Vec::new(),
            projects: Vec::new(),
            vote_fields: Vec::new(),
            votes: Vec::new(),
        },
        project_ids: HashSet::new(),
        voter_ids: HashSet::new(),
        cost_at: 1,
        vote_at: None,
        points_at: None,
    };
    let mut section: Option<Section> = None;
    let mut expect_header = false;
    let mut seen = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.trim().is_empty() {
            continue;
        }
        if let Some(next) = section_of(line) {
            let order = [Section::Meta, Section::Projects, Section::Votes];
            let want = order[seen.len().min(2)];
            if seen.contains(&next) || next != want {
                return Err(err(
                    number,
                    1,
                    "sections out of order or repeated",
                    "write META, then PROJECTS, then VOTES, each once",
                ));
            }
            seen.push(next);
            section = Some(next);
            expect_header = true;
            continue;
        }
        let Some(current) = section else {
            return Err(err(
                number,
                1,
                "the file does not start with META",
                "begin the file with a line `META`",
            ));
        };
        let fields = split_line(line, number)?;
        if expect_header {
            b.header(current, &fields, number)?;
            expect_header = false;
            continue;
        }
        match current {
            Section::Meta => b.meta_row(fields, number)?,
            Section::Projects => b.project_row(fields, number)?,
            Section::Votes => b.vote_row(fields, number)?,
        }
    }
    let end = text.lines().count() + 1;
    if seen.len() < 3 {
        return Err(err(
            end,
            1,
            "the file ends before its VOTES section",
            "add the sections META, PROJECTS and VOTES",
        ));
    }
    if expect_header {
        return Err(err(
            end,
            1,
            "a section has no header line",
            "give the section its header line",
        ));
    }
    b.finish(end)
}

impl Builder {
    fn header(
        &mut self,
        section: Section,
        fields: &[Field],
        number: usize,
    ) -> Result<(), ParseError> {
        let names: Vec<String> = fields.iter().map(|f| f.text.trim().to_string()).collect();
        let mut unique = HashSet::new();
        if let Some(dup) = fields.iter().find(|f| !unique.insert(f.text.trim())) {
            return Err(err(
                number,
                dup.column,
                format!("the column `{}` is named twice", dup.text.trim()),
                "name each column once",
            ));
        }
        match section {
            Section::Meta => {
                if names.first().map(String::as_str) != Some("key") {
                    return Err(err(
                        number,
                        1,
                        "the META header is not `key;value`",
                        "write the header line `key;value`",
                    ));
                }
            }
            Section::Projects => {
                if names.first().map(String::as_str) != Some("project_id") {
                    return Err(err(
                        number,
                        1,
                        "the PROJECTS header does not start with `project_id`",
                        "make `project_id` the first column",
                    ));
                }
                let Some(cost_at) = names.iter().position(|n| n == "cost") else {
                    return Err(err(
                        number,
                        1,
                        "the PROJECTS header has no `cost` column",
                        "add a `cost` column",
                    ));
                };
                self.cost_at = cost_at;
                self.election.project_fields = names;
            }
            Section::Votes => {
                if names.first().map(String::as_str) != Some("voter_id") {
                    return Err(err(
                        number,
                        1,
                        "the VOTES header does not start with `voter_id`",
                        "make `voter_id` the first column",
                    ));
                }
                self.vote_at = names.iter().position(|n| n == "vote");
                if self.vote_at.is_none() {
                    return Err(err(
                        number,
                        1,
                        "the VOTES header has no `vote` column",
                        "add a `vote` column",
                    ));
                }
                self.points_at = names.iter().position(|n| n == "points");
                self.election.vote_fields = names;
            }
        }
        Ok(())
    }

    fn meta_row(&mut self, fields: Vec<Field>, number: usize) -> Result<(), ParseError> {
        if fields.len() < 2 {
            return Err(err(
                number,
                1,
                "a META row has no value",
                "write `key;value`",
            ));
        }
        let key = fields[0].text.trim().to_string();
        if self.election.meta.iter().any(|(k, _)| *k == key) {
            return Err(err(
                number,
                1,
                format!("the META key `{key}` is given twice"),
                "give each key once",
            ));
        }
        let value = fields[1..]
            .iter()
            .map(|f| f.text.as_str())
            .collect::<Vec<_>>()
            .join(";");
        if key == "budget" && parse_budget(&value).is_none() {
            return Err(err(
                number,
                fields[1].column,
                format!("the budget `{value}` is not a number"),
                "write the budget as a number without separators, such as 100000",
            ));
        }
        self.election.meta.push((key, value.trim().to_string()));
        Ok(())
    }

    fn row(
        fields: Vec<Field>,
        width: usize,
        number: usize,
        what: &str,
    ) -> Result<Vec<Field>, ParseError> {
        if fields.len() != width {
            let column = fields.last().map_or(1, |f| f.column);
            return Err(err(
                number,
                column,
                format!(
                    "this {what} row has {} fields but the header has {width}",
                    fields.len()
                ),
                "give the row one field per header column (quote a field that contains `;`)",
            ));
        }
        Ok(fields)
    }

    fn project_row(&mut self, fields: Vec<Field>, number: usize) -> Result<(), ParseError> {
        let fields = Self::row(
            fields,
            self.election.project_fields.len(),
            number,
            "PROJECTS",
        )?;
        let id = fields[0].text.trim().to_string();
        if id.is_empty() {
            return Err(err(
                number,
                1,
                "a project has no id",
                "give every project an id",
            ));
        }
        if !self.project_ids.insert(id.clone()) {
            return Err(err(
                number,
                1,
                format!("the project id `{id}` is used twice"),
                "give each project its own id",
            ));
        }
        let cost_field = &fields[self.cost_at];
        let Some(cost) = parse_amount(&cost_field.text) else {
            return Err(err(
                number,
                cost_field.column,
                format!("the cost `{}` is not a whole number", cost_field.text),
                "write the cost as a whole number of currency units, such as 15000",
            ));
        };
        self.election.projects.push(ProjectRow {
            id,
            cost,
            values: fields.into_iter().map(|f| f.text).collect(),
        });
        Ok(())
    }

    fn vote_row(&mut self, fields: Vec<Field>, number: usize) -> Result<(), ParseError> {
        let fields = Self::row(fields, self.election.vote_fields.len(), number, "VOTES")?;
        let voter_id = fields[0].text.trim().to_string();
        if !self.voter_ids.insert(voter_id.clone()) {
            return Err(err(
                number,
                1,
                format!("the voter id `{voter_id}` is used twice"),
                "give each ballot its own voter id",
            ));
        }
        let vote_field = &fields[self.vote_at.unwrap_or(1)];
        let mut vote = Vec::new();
        let mut seen = HashSet::new();
        for id in vote_field
            .text
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            if !self.project_ids.contains(id) {
                return Err(err(
                    number,
                    vote_field.column,
                    format!("the ballot names `{id}`, which is not a project"),
                    "name only projects listed in PROJECTS",
                ));
            }
            if !seen.insert(id) {
                return Err(err(
                    number,
                    vote_field.column,
                    format!("the ballot names `{id}` twice"),
                    "name each project once in a ballot",
                ));
            }
            vote.push(id.to_string());
        }
        let points = match self.points_at {
            None => None,
            Some(at) => {
                let f = &fields[at];
                let mut points = Vec::new();
                for p in f.text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                    let Some(v) = parse_amount(p) else {
                        return Err(err(
                            number,
                            f.column,
                            format!("the points `{p}` are not a whole number"),
                            "write points as whole numbers separated by commas",
                        ));
                    };
                    points.push(v);
                }
                if points.len() != vote.len() {
                    return Err(err(
                        number,
                        f.column,
                        "the ballot gives a different number of points than projects",
                        "give one number of points per project voted for, in the same order",
                    ));
                }
                Some(points)
            }
        };
        self.election.votes.push(VoteRow {
            voter_id,
            vote,
            points,
            values: fields.into_iter().map(|f| f.text).collect(),
        });
        Ok(())
    }

    fn finish(self, end: usize) -> Result<Election, ParseError> {
        if self.election.meta_value("budget").is_none() {
            return Err(err(
                end,
                1,
                "META has no budget",
                "add a META row `budget;AMOUNT`",
            ));
        }
        Ok(self.election)
    }
}

/// The budget: a number, floored to whole currency units (a fractional budget cannot be spent on
/// projects of whole costs).
pub fn parse_budget(text: &str) -> Option<u64> {
    let t = text.trim();
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    whole.parse().ok()
}

impl Election {
    pub fn meta_value(&self, key: &str) -> Option<&str> {
        self.meta
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Sets a META value, keeping its place or adding it at the end.
    pub fn set_meta(&mut self, key: &str, value: impl Into<String>) {
        let value = value.into();
        match self.meta.iter_mut().find(|(k, _)| k == key) {
            Some(entry) => entry.1 = value,
            None => self.meta.push((key.to_string(), value)),
        }
    }

    pub fn budget(&self) -> u64 {
        self.meta_value("budget")
            .and_then(parse_budget)
            .unwrap_or(0)
    }

    /// The project column's value for one project, if the column exists.
    pub fn project_value<'a>(&'a self, project: &'a ProjectRow, column: &str) -> Option<&'a str> {
        let at = self.project_fields.iter().position(|c| c == column)?;
        project.values.get(at).map(String::as_str)
    }

    /// Sets a project column for every project (adding the column if missing).
    pub fn set_project_column(&mut self, column: &str, value: impl Fn(&ProjectRow) -> String) {
        let at = match self.project_fields.iter().position(|c| c == column) {
            Some(at) => at,
            None => {
                self.project_fields.push(column.to_string());
                for p in &mut self.projects {
                    p.values.push(String::new());
                }
                self.project_fields.len() - 1
            }
        };
        for p in &mut self.projects {
            p.values[at] = value(p);
        }
    }

    /// The projects whose `selected` column is 1 (the published winners).
    pub fn published_winners(&self) -> Vec<String> {
        self.projects
            .iter()
            .filter(|p| {
                self.project_value(p, "selected")
                    .is_some_and(|s| s.trim() == "1")
            })
            .map(|p| p.id.clone())
            .collect()
    }
}

fn quote(field: &str) -> String {
    if field.contains([';', '"', '\n', '\r']) || field.starts_with(' ') || field.ends_with(' ') {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

fn line(out: &mut String, fields: impl IntoIterator<Item = impl AsRef<str>>) {
    let mut first = true;
    for f in fields {
        if !first {
            out.push(';');
        }
        first = false;
        out.push_str(&quote(f.as_ref()));
    }
    out.push('\n');
}

/// Writes an election as a `.pb` file. `num_projects` and `num_votes` are set from the rows, and a
/// `votes` column of the projects (when present) from the ballots.
pub fn write(election: &Election) -> String {
    let mut e = election.clone();
    e.set_meta("num_projects", e.projects.len().to_string());
    e.set_meta("num_votes", e.votes.len().to_string());
    if e.project_fields.iter().any(|c| c == "votes") {
        let mut counts = std::collections::HashMap::new();
        for v in &e.votes {
            for id in &v.vote {
                *counts.entry(id.clone()).or_insert(0_u64) += 1;
            }
        }
        e.set_project_column("votes", |p| {
            counts.get(&p.id).copied().unwrap_or(0).to_string()
        });
    }
    let mut out = String::from("META\nkey;value\n");
    for (k, v) in &e.meta {
        line(&mut out, [k.as_str(), v.as_str()]);
    }
    out.push_str("PROJECTS\n");
    line(&mut out, &e.project_fields);
    for p in &e.projects {
        line(&mut out, &p.values);
    }
    out.push_str("VOTES\n");
    line(&mut out, &e.vote_fields);
    for v in &e.votes {
        line(&mut out, &v.values);
    }
    out
}
