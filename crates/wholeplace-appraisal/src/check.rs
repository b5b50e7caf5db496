//! The model file read leniently: the TOML is parsed once into a plain table, every key is checked
//! against the format (a misspelt key is named with the key it most likely meant), every whole
//! number is checked for its range before the typed reading would stop at it, and each table is
//! read on its own, so that all problems of a file are reported at once, each with its line, its
//! key and what to write instead. Problems found here are set aside so that the rest of the file
//! can still be checked by [`crate::Engine::prepare_text`].

use crate::model::{Locator, ModelFile, ModelIssue, location};
use serde::Deserialize;
use toml::{Table, Value};

/// The keys of each table of the format (docs/APPRAISAL-MODEL.md).
const SECTIONS: &[&str] = &[
    "appraisal",
    "parameters",
    "local_unit_costs",
    "as_is",
    "doing_nothing",
    "costs",
    "outcomes",
];
const APPRAISAL: &[&str] = &[
    "format_version",
    "title",
    "description",
    "price_base",
    "start_year",
    "horizon_years",
    "cohort",
    "place",
];
const PARAMETERS: &[&str] = &[
    "set",
    "discount_schedule",
    "health_discount_rate",
    "optimism_bias",
    "stale_after_years",
    "payback_within_years",
];
const LOCAL: &[&str] = &[
    "code",
    "description",
    "unit",
    "theme",
    "agency",
    "fiscal",
    "economic",
    "social",
    "price_year",
    "transfer_share",
    "source",
    "grade",
    "partner",
    "overrides",
];
const AS_IS: &[&str] = &["name", "unit_cost", "events_per_year", "quantity", "agency"];
const DOING_NOTHING: &[&str] = &["years", "states", "transitions"];
const STATES: &[&str] = &[
    "name",
    "initial",
    "unit_cost",
    "quantity",
    "annual_cost",
    "price_year",
    "agency",
];
const TRANSITIONS: &[&str] = &["from", "to", "probability"];
const COSTS: &[&str] = &[
    "name",
    "option",
    "agency",
    "kind",
    "grade",
    "price_year",
    "amounts",
    "optimism_bias_category",
    "optimism_bias",
    "scale",
    "notes",
];
const OUTCOMES: &[&str] = &[
    "name",
    "option",
    "counted_as",
    "unit_costs",
    "cohort",
    "intakes",
    "engagement",
    "impact",
    "impact_count",
    "deadweight",
    "comparison",
    "attribution",
    "displacement",
    "lag_years",
    "duration_years",
    "drop_off",
    "grade",
    "cashable",
    "cashable_from_year",
    "cashable_schedule",
    "capacity_removed_year",
    "capacity_removed",
    "health",
    "evidence",
];
const VALUE_REF: &[&str] = &[
    "code",
    "quantity",
    "fiscal_agency",
    "fiscal_split",
    "values",
];
const SPLIT: &[&str] = &["agency", "percent"];
const BAND: &[&str] = &["from_year", "to_year", "rate"];
const INTAKE_RULE: &[&str] = &["per_year", "years", "from_year"];

/// The largest amount of money a model may hold in one place, in pounds (a thousand billion):
/// larger figures are a slip (pence written as pounds, a stray exponent) and would overflow.
pub const MAX_POUNDS: f64 = 1e12;

/// A whole-number key: its range, what it means and an example to write.
struct Whole {
    key: &'static str,
    min: i64,
    max: i64,
    means: &'static str,
    example: &'static str,
    /// What to put in its place so the rest of the table can still be read (None: remove it).
    placeholder: Option<i64>,
}

const fn whole(
    key: &'static str,
    min: i64,
    max: i64,
    means: &'static str,
    example: &'static str,
    placeholder: Option<i64>,
) -> Whole {
    Whole {
        key,
        min,
        max,
        means,
        example,
        placeholder,
    }
}

const GRADE_MEANS: &str =
    "a confidence grade, 1 (audited, current local data) to 6 (expert judgement)";

const APPRAISAL_WHOLE: &[Whole] = &[
    whole(
        "format_version",
        1,
        2,
        "the version of this format the file is written in, 1 or 2",
        "format_version = 2",
        Some(crate::model::FORMAT_VERSION as i64),
    ),
    whole(
        "horizon_years",
        1,
        300,
        "the number of appraisal years, 1 to 300",
        "horizon_years = 10",
        Some(1),
    ),
];
const PARAMETERS_WHOLE: &[Whole] = &[
    whole(
        "stale_after_years",
        0,
        300,
        "a number of years, 0 to 300",
        "stale_after_years = 10",
        None,
    ),
    whole(
        "payback_within_years",
        1,
        300,
        "a number of years, 1 to 300",
        "payback_within_years = 5",
        None,
    ),
];
const GRADE_WHOLE: &[Whole] = &[whole("grade", 1, 6, GRADE_MEANS, "grade = 3", Some(1))];
const OUTCOMES_WHOLE: &[Whole] = &[
    whole("grade", 1, 6, GRADE_MEANS, "grade = 3", Some(1)),
    whole(
        "lag_years",
        0,
        299,
        "the appraisal year the outcome starts in, 0 (year 0) to 299",
        "lag_years = 1",
        None,
    ),
    whole(
        "duration_years",
        1,
        300,
        "the number of years the outcome lasts, 1 to 300",
        "duration_years = 3",
        None,
    ),
    whole(
        "cashable_from_year",
        0,
        299,
        "the first appraisal year with a cashable share, 0 to 299",
        "cashable_from_year = 2",
        None,
    ),
    whole(
        "capacity_removed_year",
        0,
        299,
        "the appraisal year a post, bed or contract goes, 0 to 299",
        "capacity_removed_year = 2",
        None,
    ),
];
const DOING_NOTHING_WHOLE: &[Whole] = &[whole(
    "years",
    1,
    300,
    "the number of years to project, 1 to 300",
    "years = 10",
    None,
)];
const BAND_WHOLE: &[Whole] = &[
    whole(
        "from_year",
        0,
        100_000,
        "the first year of the band, a whole number from 0",
        "from_year = 31",
        Some(0),
    ),
    whole(
        "to_year",
        0,
        100_000,
        "the last year of the band, a whole number from 0",
        "to_year = 75",
        None,
    ),
];

/// Collects problems with their lines.
struct Checker<'a> {
    loc: &'a Locator,
    issues: Vec<ModelIssue>,
}

impl Checker<'_> {
    fn push(&mut self, table: &str, index: usize, name: &str, key: Option<&str>, message: String) {
        self.issues.push(ModelIssue {
            location: location(table, index, name, key),
            line: self.loc.line(table, index, key),
            message,
        });
    }

    /// Refuses keys not in `known`, naming the closest known key; removes them.
    fn keys(&mut self, t: &mut Table, known: &[&str], at: (&str, usize, &str), what: &str) {
        let unknown: Vec<String> = t
            .keys()
            .filter(|k| !known.contains(&k.as_str()))
            .cloned()
            .collect();
        for k in unknown {
            t.remove(&k);
            let fix = match closest(&k, known) {
                Some(c) => format!("did you mean '{c}'? Rename it to {c}"),
                None => format!("use one of: {}", known.join(", ")),
            };
            self.issues.push(ModelIssue {
                location: location(at.0, at.1, at.2, Some(&k)),
                line: self.loc.line(at.0, at.1, Some(&k)),
                message: format!("'{k}' is not a key of {what}: {fix}"),
            });
        }
    }

    /// Checks whole-number keys; a bad value is replaced by its placeholder or removed.
    fn wholes(&mut self, t: &mut Table, spec: &[Whole], at: (&str, usize, &str)) {
        for w in spec {
            let Some(v) = t.get(w.key) else { continue };
            let problem = match v {
                Value::Integer(n) if (w.min..=w.max).contains(n) => None,
                Value::Integer(n) => Some(format!("{n} is outside its range")),
                Value::Float(x) if x.fract() == 0.0 && x.is_finite() => Some(format!(
                    "{x} is written as a decimal; whole numbers have no decimal point"
                )),
                Value::Float(x) => Some(format!("{x} is not a whole number")),
                Value::String(s) => Some(format!("'{s}' is text, not a whole number")),
                other => Some(format!("a {} is not a whole number", other.type_str())),
            };
            if let Some(p) = problem {
                self.push(
                    at.0,
                    at.1,
                    at.2,
                    Some(w.key),
                    format!(
                        "{p}: {} must be {}; write it like {}",
                        w.key, w.means, w.example
                    ),
                );
                match w.placeholder {
                    Some(n) => {
                        t.insert(w.key.to_owned(), Value::Integer(n));
                    }
                    None => {
                        t.remove(w.key);
                    }
                }
            }
        }
    }

    /// Refuses numbers that are not finite (TOML allows `inf` and `nan`) in a table's plain number
    /// keys, and pounds beyond [`MAX_POUNDS`] in `money` keys.
    fn finite(&mut self, t: &mut Table, money: &[&str], at: (&str, usize, &str)) {
        let keys: Vec<String> = t.keys().cloned().collect();
        for k in keys {
            let bad = match t.get(&k) {
                Some(Value::Float(x)) if !x.is_finite() => Some(format!(
                    "{x} is not a number: {k} must be a finite number; write it like {k} = 0.25"
                )),
                Some(Value::Float(x)) if money.contains(&k.as_str()) && x.abs() > MAX_POUNDS => {
                    Some(too_large(&k, *x))
                }
                Some(Value::Integer(n))
                    if money.contains(&k.as_str()) && (*n as f64).abs() > MAX_POUNDS =>
                {
                    Some(too_large(&k, *n as f64))
                }
                _ => None,
            };
            if let Some(m) = bad {
                self.push(at.0, at.1, at.2, Some(&k), m);
                t.remove(&k);
            }
        }
    }

    /// Checks a cost line's `amounts`: each a finite number of pounds within [`MAX_POUNDS`].
    fn amounts(&mut self, t: &mut Table, at: (&str, usize, &str)) {
        let Some(Value::Array(a)) = t.get_mut("amounts") else {
            return;
        };
        let mut problems = Vec::new();
        for (y, v) in a.iter_mut().enumerate() {
            let x = match v {
                Value::Float(x) => *x,
                Value::Integer(n) => *n as f64,
                _ => continue,
            };
            if !x.is_finite() || x.abs() > MAX_POUNDS {
                problems.push(format!("year {y}: {}", too_large("amounts", x)));
                *v = Value::Integer(0);
            }
        }
        for p in problems {
            self.push(at.0, at.1, at.2, Some("amounts"), p);
        }
    }
}

fn too_large(key: &str, x: f64) -> String {
    format!(
        "{x} is beyond any budget: {key} are pounds, at most £1,000,000,000,000 (check for pence written as pounds or a stray exponent); write it like 125000"
    )
}

/// The known key closest to `k` (edit distance at most 2, or one is a prefix of the other).
pub fn closest<'a>(k: &str, known: &[&'a str]) -> Option<&'a str> {
    // No key of the format is long: a long one is not a misspelling (and is not worth comparing).
    if k.len() > 64 {
        return None;
    }
    let k = k.to_ascii_lowercase();
    known
        .iter()
        .map(|c| (distance(&k, c), *c))
        .filter(|(d, c)| *d <= 2.max(k.len() / 4) || c.starts_with(&k) || k.starts_with(c))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance with adjacent transpositions counted as one edit.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

fn name_of(t: &Table) -> String {
    t.get("name")
        .or_else(|| t.get("code"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned()
}

/// Reads one table as `T`, reporting a failure at its location with a hint.
fn read<T: for<'de> Deserialize<'de>>(
    c: &mut Checker<'_>,
    v: &Value,
    at: (&str, usize, &str),
) -> bool {
    match T::deserialize(v.clone()) {
        Ok(_) => true,
        Err(e) => {
            let msg = e.message().trim().to_owned();
            let key = msg
                .split('`')
                .nth(1)
                .filter(|_| msg.starts_with("missing field"))
                .map(str::to_owned);
            let hint = if msg.starts_with("missing field") {
                " (add it: see docs/APPRAISAL-MODEL.md for what each table needs)"
            } else {
                " (see docs/APPRAISAL-MODEL.md for the form each key takes)"
            };
            c.push(at.0, at.1, at.2, key.as_deref(), format!("{msg}{hint}"));
            false
        }
    }
}

/// Where a table is: its name, its position among `[[name]]` tables and its line's name.
type At<'a> = (&'a str, usize, &'a str);

/// A check of one entry of an array of tables.
type EntryCheck<'f> = dyn FnMut(&mut Checker<'_>, &mut Table, At<'_>) + 'f;

/// A reading of one entry of an array of tables.
type EntryRead<'f> = dyn Fn(&mut Checker<'_>, &Value, At<'_>) -> bool + 'f;

/// Checks each entry of an array of tables `[[name]]`.
fn each_entry(c: &mut Checker<'_>, root: &mut Table, name: &str, f: &mut EntryCheck<'_>) {
    let Some(Value::Array(items)) = root.get_mut(name) else {
        return;
    };
    for (i, item) in items.iter_mut().enumerate() {
        if let Value::Table(t) = item {
            let n = name_of(t);
            f(c, t, (name, i, n.as_str()));
        }
    }
}

fn check_value_refs(c: &mut Checker<'_>, t: &mut Table, at: (&str, usize, &str)) {
    let Some(Value::Array(refs)) = t.get_mut("unit_costs") else {
        return;
    };
    let mut issues = Vec::new();
    for r in refs.iter_mut() {
        let Value::Table(rt) = r else { continue };
        let mut sub = Checker {
            loc: c.loc,
            issues: Vec::new(),
        };
        sub.keys(rt, VALUE_REF, (at.0, at.1, at.2), "a unit cost reference");
        if let Some(Value::Array(split)) = rt.get_mut("fiscal_split") {
            for s in split.iter_mut() {
                if let Value::Table(st) = s {
                    sub.keys(st, SPLIT, (at.0, at.1, at.2), "a fiscal_split share");
                }
            }
        }
        for mut i in sub.issues {
            i.location = location(at.0, at.1, at.2, Some("unit_costs"));
            i.line = c.loc.line(at.0, at.1, Some("unit_costs"));
            issues.push(i);
        }
    }
    c.issues.extend(issues);
}

fn check_intakes(c: &mut Checker<'_>, t: &mut Table, at: (&str, usize, &str)) {
    if let Some(Value::Table(rule)) = t.get_mut("intakes") {
        let mut sub = Checker {
            loc: c.loc,
            issues: Vec::new(),
        };
        sub.keys(rule, INTAKE_RULE, at, "an intake rule");
        sub.wholes(
            rule,
            &[
                whole(
                    "years",
                    1,
                    300,
                    "the number of yearly intakes, 1 to 300",
                    "intakes = { per_year = 40, years = 5 }",
                    Some(1),
                ),
                whole(
                    "from_year",
                    0,
                    299,
                    "the appraisal year of the first intake, 0 to 299",
                    "intakes = { per_year = 40, years = 5, from_year = 1 }",
                    None,
                ),
            ],
            at,
        );
        for mut i in sub.issues {
            i.location = location(at.0, at.1, at.2, Some("intakes"));
            i.line = c.loc.line(at.0, at.1, Some("intakes"));
            c.issues.push(i);
        }
    }
}

/// Checks the sections of the root table in place; returns what could not be read.
fn check_sections(c: &mut Checker<'_>, root: &mut Table) {
    c.keys(
        root,
        SECTIONS,
        ("model file", 0, ""),
        "the model file (its tables)",
    );
    if let Some(Value::Table(a)) = root.get_mut("appraisal") {
        let at = ("appraisal", 0, "");
        c.keys(a, APPRAISAL, at, "[appraisal]");
        c.wholes(a, APPRAISAL_WHOLE, at);
    }
    if let Some(Value::Table(p)) = root.get_mut("parameters") {
        let at = ("parameters", 0, "");
        c.keys(p, PARAMETERS, at, "[parameters]");
        c.wholes(p, PARAMETERS_WHOLE, at);
        c.finite(p, &[], at);
        if let Some(Value::Array(bands)) = p.get_mut("discount_schedule") {
            for b in bands.iter_mut() {
                if let Value::Table(bt) = b {
                    c.keys(bt, BAND, at, "a discount band");
                    c.wholes(bt, BAND_WHOLE, at);
                }
            }
        }
    }
    each_entry(c, root, "local_unit_costs", &mut |c, t, at| {
        c.keys(t, LOCAL, at, "[[local_unit_costs]]");
        c.wholes(t, GRADE_WHOLE, at);
        c.finite(t, &["fiscal", "economic", "social"], at);
    });
    each_entry(c, root, "as_is", &mut |c, t, at| {
        c.keys(t, AS_IS, at, "[[as_is]]");
        c.finite(t, &[], at);
    });
    each_entry(c, root, "costs", &mut |c, t, at| {
        c.keys(t, COSTS, at, "[[costs]]");
        c.wholes(t, GRADE_WHOLE, at);
        c.finite(t, &[], at);
        c.amounts(t, at);
    });
    each_entry(c, root, "outcomes", &mut |c, t, at| {
        c.keys(t, OUTCOMES, at, "[[outcomes]]");
        c.wholes(t, OUTCOMES_WHOLE, at);
        c.finite(t, &[], at);
        check_value_refs(c, t, at);
        check_intakes(c, t, at);
    });
    if let Some(Value::Table(d)) = root.get_mut("doing_nothing") {
        let at = ("doing_nothing", 0, "");
        c.keys(d, DOING_NOTHING, at, "[doing_nothing]");
        c.wholes(d, DOING_NOTHING_WHOLE, at);
        for (name, known) in [("states", STATES), ("transitions", TRANSITIONS)] {
            let table = format!("doing_nothing.{name}");
            if let Some(Value::Array(items)) = d.get_mut(name) {
                for (i, item) in items.iter_mut().enumerate() {
                    if let Value::Table(t) = item {
                        let n = name_of(t);
                        let at = (table.as_str(), i, n.as_str());
                        c.keys(t, known, at, &format!("[[{table}]]"));
                        c.finite(t, &["annual_cost"], at);
                    }
                }
            }
        }
    }
}

/// Reads each table on its own (so that one unreadable table does not hide another's problems).
fn read_sections(c: &mut Checker<'_>, root: &Table) -> bool {
    use crate::model::{
        AppraisalSection, AsIsLine, CostLine, DoingNothing, OutcomeLine, ParametersSection,
    };
    use crate::unitcost::LocalUnitCost;
    let mut ok = true;
    match root.get("appraisal") {
        Some(v) => ok &= read::<AppraisalSection>(c, v, ("appraisal", 0, "")),
        None => {
            c.push(
                "appraisal",
                0,
                "",
                None,
                "the model has no [appraisal] table: add one with format_version, title, start_year and horizon_years (see docs/APPRAISAL-MODEL.md)".into(),
            );
            ok = false;
        }
    }
    if let Some(v) = root.get("parameters") {
        ok &= read::<ParametersSection>(c, v, ("parameters", 0, ""));
    }
    if let Some(v) = root.get("doing_nothing") {
        ok &= read::<DoingNothing>(c, v, ("doing_nothing", 0, ""));
    }
    let mut array = |c: &mut Checker<'_>, name: &str, f: &EntryRead<'_>| match root.get(name) {
        Some(Value::Array(items)) => {
            for (i, v) in items.iter().enumerate() {
                let n = v.as_table().map(name_of).unwrap_or_default();
                ok &= f(c, v, (name, i, &n));
            }
        }
        Some(_) => {
            c.push(
                name,
                0,
                "",
                None,
                format!("{name} must be written as [[{name}]] tables"),
            );
            ok = false;
        }
        None => {}
    };
    array(c, "local_unit_costs", &|c, v, at| {
        read::<LocalUnitCost>(c, v, at)
    });
    array(c, "as_is", &|c, v, at| read::<AsIsLine>(c, v, at));
    array(c, "costs", &|c, v, at| read::<CostLine>(c, v, at));
    array(c, "outcomes", &|c, v, at| read::<OutcomeLine>(c, v, at));
    ok
}

/// Reads a model file, collecting every problem the format itself shows. Returns the model read
/// from what remains (unknown keys and unusable whole numbers set aside), when it could be read,
/// and the problems.
pub fn parse_lenient(src: &str) -> (Option<ModelFile>, Vec<ModelIssue>) {
    let mut root: Table = match toml::from_str(src) {
        Ok(t) => t,
        Err(e) => {
            let line = e
                .span()
                .map(|s| src[..s.start.min(src.len())].matches('\n').count() + 1);
            return (
                None,
                vec![ModelIssue {
                    location: "model file".into(),
                    line,
                    message: format!(
                        "{} (the file is not valid TOML here: check quotes, brackets and commas)",
                        e.message().trim()
                    ),
                }],
            );
        }
    };
    let loc = Locator::new(src);
    let mut c = Checker {
        loc: &loc,
        issues: Vec::new(),
    };
    check_sections(&mut c, &mut root);
    if !read_sections(&mut c, &root) {
        return (None, c.issues);
    }
    match ModelFile::deserialize(Value::Table(root)) {
        Ok(m) => (Some(m), c.issues),
        Err(e) => {
            c.push(
                "model file",
                0,
                "",
                None,
                format!("{} (see docs/APPRAISAL-MODEL.md)", e.message().trim()),
            );
            (None, c.issues)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_finds_misspellings() {
        assert_eq!(closest("deadwieght", OUTCOMES), Some("deadweight"));
        assert_eq!(closest("lag_year", OUTCOMES), Some("lag_years"));
        assert_eq!(closest("zzzzzz", OUTCOMES), None);
    }
}
