//! Loading a Splink settings JSON (a council's trained model) and running it unchanged: link
//! type, blocking rules, comparisons with their levels' SQL conditions, m and u probabilities,
//! term-frequency adjustments and the prior. The SQL conditions Splink's comparison library
//! writes are translated into [`Pred`]s; anything else is refused with the condition quoted.

use serde_json::Value;

use crate::LinkageError;
use crate::blocking::{BlockingRule, KeyPart, KeyTransform};
use crate::compare::{ComparisonSpec, LevelSpec, Pred};
use crate::model::{LinkType, PriorMethod, Settings, Training};

/// A loaded Splink model: settings with fixed m and u per level, and the prior.
#[derive(Debug, Clone)]
pub struct SplinkModel {
    /// Settings (levels carry `m` and `u`).
    pub settings: Settings,
    /// `probability_two_random_records_match`.
    pub prior: f64,
}

/// Parses a Splink settings document.
///
/// # Errors
/// When it is not JSON or uses conditions that cannot be translated.
pub fn load(json: &str) -> Result<SplinkModel, LinkageError> {
    let v: Value = serde_json::from_str(json)
        .map_err(|e| LinkageError::Splink(format!("not valid JSON: {e}")))?;
    let link_type = match v
        .get("link_type")
        .and_then(Value::as_str)
        .unwrap_or("dedupe_only")
    {
        "dedupe_only" | "link_and_dedupe" => LinkType::Dedupe,
        "link_only" => LinkType::Link,
        other => return Err(LinkageError::Splink(format!("unknown link_type `{other}`"))),
    };
    let prior = v
        .get("probability_two_random_records_match")
        .and_then(Value::as_f64)
        .unwrap_or(1e-4);
    let mut blocking = Vec::new();
    for r in v
        .get("blocking_rules_to_generate_predictions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let sql = r
            .as_str()
            .or_else(|| r.get("blocking_rule").and_then(Value::as_str))
            .ok_or_else(|| {
                LinkageError::Splink(
                    "a blocking rule is neither a string nor has `blocking_rule`".into(),
                )
            })?;
        blocking.push(blocking_rule(sql)?);
    }
    let mut comparisons = Vec::new();
    for c in v
        .get("comparisons")
        .and_then(Value::as_array)
        .ok_or_else(|| LinkageError::Splink("no `comparisons` array".into()))?
    {
        let name = c
            .get("output_column_name")
            .and_then(Value::as_str)
            .unwrap_or("comparison")
            .to_owned();
        let mut levels = Vec::new();
        for l in c
            .get("comparison_levels")
            .and_then(Value::as_array)
            .ok_or_else(|| {
                LinkageError::Splink(format!("comparison `{name}` has no comparison_levels"))
            })?
        {
            let sql = l
                .get("sql_condition")
                .and_then(Value::as_str)
                .unwrap_or("ELSE");
            let null = l
                .get("is_null_level")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let when = parse_condition(sql).map_err(|e| {
                LinkageError::Splink(format!(
                    "comparison `{name}`: cannot translate `{sql}`: {e}"
                ))
            })?;
            levels.push(LevelSpec {
                label: l
                    .get("label_for_charts")
                    .and_then(Value::as_str)
                    .unwrap_or(sql)
                    .to_owned(),
                when,
                null,
                tf_column: l
                    .get("tf_adjustment_column")
                    .and_then(Value::as_str)
                    .map(ToOwned::to_owned),
                tf_weight: l
                    .get("tf_adjustment_weight")
                    .and_then(Value::as_f64)
                    .unwrap_or(1.0),
                m: l.get("m_probability").and_then(Value::as_f64),
                u: l.get("u_probability").and_then(Value::as_f64),
            });
        }
        comparisons.push(ComparisonSpec { name, levels });
    }
    if blocking.is_empty() {
        return Err(LinkageError::Splink("no blocking_rules_to_generate_predictions: every pair would be compared; add at least one rule".into()));
    }
    let training = Training {
        prior: PriorMethod::Fixed { value: prior },
        ..Training::default()
    };
    Ok(SplinkModel {
        settings: Settings {
            link_type,
            blocking,
            comparisons,
            training,
            max_block_size: 3000,
        },
        prior,
    })
}

fn blocking_rule(sql: &str) -> Result<BlockingRule, LinkageError> {
    let mut parts = Vec::new();
    for term in split_top(sql, " and ") {
        let (l, r) = term.split_once('=').ok_or_else(|| {
            LinkageError::Splink(format!(
                "blocking rule `{sql}`: only equalities joined by AND are supported"
            ))
        })?;
        let (l, r) = (l.trim(), r.trim());
        let (col_l, tf_l) = key_expr(l).ok_or_else(|| {
            LinkageError::Splink(format!("blocking rule `{sql}`: cannot read `{l}`"))
        })?;
        let (col_r, _) = key_expr(r).ok_or_else(|| {
            LinkageError::Splink(format!("blocking rule `{sql}`: cannot read `{r}`"))
        })?;
        if col_l != col_r {
            return Err(LinkageError::Splink(format!(
                "blocking rule `{sql}`: compares different columns"
            )));
        }
        parts.push(KeyPart {
            column: col_l,
            transform: tf_l,
        });
    }
    Ok(BlockingRule(parts))
}

/// `l.col`, `l."col"`, `substr(l.col, 1, 1)`, `soundex(l.col)`, `dmetaphone(l.col)`, `year(l.col)`.
fn key_expr(e: &str) -> Option<(String, KeyTransform)> {
    let lower = e.to_ascii_lowercase();
    let inner = |f: &str| {
        lower
            .strip_prefix(f)
            .and_then(|x| x.strip_suffix(')'))
            .map(str::trim)
            .map(ToOwned::to_owned)
    };
    let col = |s: &str| {
        let s = s.split(',').next()?.trim();
        let s = s.strip_prefix("l.").or_else(|| s.strip_prefix("r."))?;
        Some(s.trim_matches('"').trim_matches('`').to_owned())
    };
    if let Some(x) = inner("substr(") {
        let args: Vec<&str> = x.split(',').map(str::trim).collect();
        let t = match args.get(2) {
            Some(&"1") => KeyTransform::Initial,
            Some(&"3") => KeyTransform::Prefix3,
            _ => return None,
        };
        return Some((col(args[0])?, t));
    }
    for (f, t) in [
        ("soundex(", KeyTransform::Soundex),
        ("dmetaphone(", KeyTransform::DoubleMetaphone),
        ("double_metaphone(", KeyTransform::DoubleMetaphone),
        ("year(", KeyTransform::Year),
        ("month(", KeyTransform::Month),
    ] {
        if let Some(x) = inner(f) {
            return Some((col(&x)?, t));
        }
    }
    Some((col(&lower)?, KeyTransform::Exact))
}

/// Splits at a keyword outside parentheses (case-insensitive).
fn split_top<'a>(s: &'a str, kw: &str) -> Vec<&'a str> {
    let lower = s.to_ascii_lowercase();
    let (mut depth, mut start, mut out) = (0i32, 0usize, Vec::new());
    let b = lower.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'(' => depth += 1,
            b')' => depth -= 1,
            _ => {}
        }
        // Bytes, not `&lower[i..]`: `i` may fall inside a multi-byte character (found by
        // fuzzing); an ASCII keyword only ever matches at a character boundary.
        if depth == 0 && b[i..].starts_with(kw.as_bytes()) {
            out.push(s[start..i].trim());
            i += kw.len();
            start = i;
            continue;
        }
        i += 1;
    }
    out.push(s[start..].trim());
    out
}

fn strip_parens(s: &str) -> &str {
    let t = s.trim();
    if t.starts_with('(') && t.ends_with(')') {
        let inner = &t[1..t.len() - 1];
        let mut depth = 0;
        for c in inner.chars() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth < 0 {
                        return t;
                    }
                }
                _ => {}
            }
        }
        return strip_parens(inner);
    }
    t
}

/// A column reference `"name_l"` / `name_r` -> (name, side).
fn side_col(s: &str) -> Option<(String, char)> {
    let t = s.trim().trim_matches('"').trim_matches('`');
    if let Some(c) = t.strip_suffix("_l") {
        return Some((c.to_owned(), 'l'));
    }
    t.strip_suffix("_r").map(|c| (c.to_owned(), 'r'))
}

fn func_args<'a>(s: &'a str, name: &str) -> Option<Vec<&'a str>> {
    let lower = s.to_ascii_lowercase();
    if !lower.starts_with(name) {
        return None;
    }
    let rest = s[name.len()..].trim_start();
    let inner = rest.strip_prefix('(')?.strip_suffix(')')?;
    Some(split_top(inner, ","))
}

/// Translates one Splink SQL condition.
///
/// # Errors
/// When the condition is outside the supported forms.
pub fn parse_condition(sql: &str) -> Result<Pred<String>, String> {
    let s = strip_parens(sql);
    if s.eq_ignore_ascii_case("else") {
        return Ok(Pred::Else);
    }
    let ors = split_top(s, " or ");
    if ors.len() > 1 {
        return ors
            .iter()
            .map(|x| parse_condition(x))
            .collect::<Result<Vec<_>, _>>()
            .map(Pred::Or);
    }
    let ands = split_top(s, " and ");
    if ands.len() > 1 {
        return ands
            .iter()
            .map(|x| parse_condition(x))
            .collect::<Result<Vec<_>, _>>()
            .map(Pred::And);
    }
    let lower = s.to_ascii_lowercase();
    if let Some(x) = lower.strip_suffix(" is null") {
        let (c, _) = side_col(&s[..x.len()]).ok_or("unknown column")?;
        return Ok(Pred::Null(c));
    }
    for (op, is_le) in [(">=", false), ("<=", true)] {
        if let Some((lhs, rhs)) = s.split_once(op) {
            let th: f64 = rhs
                .trim()
                .parse()
                .map_err(|_| format!("threshold `{}` is not a number", rhs.trim()))?;
            let lhs = lhs.trim();
            let two = |f: &str| -> Option<String> {
                let a = func_args(lhs, f)?;
                let (c1, _) = side_col(a.first()?)?;
                let (c2, _) = side_col(a.get(1)?)?;
                (c1 == c2).then_some(c1)
            };
            if !is_le {
                if let Some(c) = two("jaro_winkler_similarity").or_else(|| two("jaro_winkler")) {
                    return Ok(Pred::JaroWinkler(c, th));
                }
                if let Some(c) = two("jaro_similarity").or_else(|| two("jaro")) {
                    return Ok(Pred::Jaro(c, th));
                }
            } else {
                if let Some(c) = two("levenshtein") {
                    return Ok(Pred::Levenshtein(c, th as u32));
                }
                if let Some(c) = two("damerau_levenshtein") {
                    return Ok(Pred::Damerau(c, th as u32));
                }
                if let Some(a) = func_args(lhs, "abs") {
                    let inner = a.first().ok_or("abs() without argument")?;
                    if let Some(d) =
                        func_args(inner, "date_diff").or_else(|| func_args(inner, "datediff"))
                    {
                        if let Some((c, _)) = d.get(1).and_then(|x| side_col(x)) {
                            let unit = d[0].trim().trim_matches('\'').to_ascii_lowercase();
                            let days = match unit.as_str() {
                                "day" => th,
                                "month" => th * 31.0,
                                "year" => th * 366.0,
                                _ => return Err(format!("date unit `{unit}`")),
                            };
                            return Ok(Pred::DateWithinDays(c, days as u32));
                        }
                    } else if let Some((l, _)) = inner.split_once('-') {
                        let (c, _) = side_col(l).ok_or("unknown column in abs()")?;
                        return Ok(Pred::NumberWithin(c, th));
                    }
                }
            }
            return Err(format!("unsupported comparison `{lhs}`"));
        }
    }
    if let Some((l, r)) = s.split_once('=') {
        let l = strip_parens(l);
        let r = strip_parens(r);
        if let (Some((a, sa)), Some((b, sb))) = (side_col(l), side_col(r)) {
            if a == b {
                return Ok(Pred::Exact(a));
            }
            return Ok(if sa == 'l' && sb == 'r' {
                Pred::CrossExact(a, b)
            } else {
                Pred::CrossExact(b, a)
            });
        }
    }
    Err("unsupported condition".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn translates_common_conditions() {
        assert_eq!(parse_condition("ELSE"), Ok(Pred::Else));
        assert_eq!(
            parse_condition("\"first_name_l\" IS NULL OR \"first_name_r\" IS NULL"),
            Ok(Pred::Or(vec![
                Pred::Null("first_name".into()),
                Pred::Null("first_name".into())
            ]))
        );
        assert_eq!(
            parse_condition("\"surname_l\" = \"surname_r\""),
            Ok(Pred::Exact("surname".into()))
        );
        assert_eq!(
            parse_condition("jaro_winkler_similarity(\"surname_l\", \"surname_r\") >= 0.9"),
            Ok(Pred::JaroWinkler("surname".into(), 0.9))
        );
        assert_eq!(
            parse_condition("levenshtein(\"dob_l\", \"dob_r\") <= 2"),
            Ok(Pred::Levenshtein("dob".into(), 2))
        );
        assert_eq!(
            parse_condition("damerau_levenshtein(\"dob_l\", \"dob_r\") <= 1"),
            Ok(Pred::Damerau("dob".into(), 1))
        );
        assert_eq!(
            parse_condition("abs(date_diff('year', \"dob_l\", \"dob_r\")) <= 1"),
            Ok(Pred::DateWithinDays("dob".into(), 366))
        );
        assert_eq!(
            parse_condition(
                "\"first_name_l\" = \"surname_r\" AND \"first_name_r\" = \"surname_l\""
            ),
            Ok(Pred::And(vec![
                Pred::CrossExact("first_name".into(), "surname".into()),
                Pred::CrossExact("surname".into(), "first_name".into())
            ]))
        );
        assert!(parse_condition("regexp_matches(x_l, 'a')").is_err());
        let r = blocking_rule(
            "l.first_name = r.first_name and substr(l.surname,1,1) = substr(r.surname,1,1)",
        )
        .expect("rule");
        assert_eq!(r.to_string(), "first_name & surname:initial");
    }

    /// Found by `wholeplace-fuzz` (splink-settings): a condition holding a multi-byte character
    /// panicked ("byte index is not a char boundary") instead of being read or refused.
    #[test]
    fn conditions_with_multi_byte_characters_are_read_or_refused_without_panicking() {
        assert_eq!(
            parse_condition("\"prénom_l\" = \"prénom_r\" or \"prénom_l\" is null"),
            Ok(Pred::Or(vec![
                Pred::Exact("prénom".into()),
                Pred::Null("prénom".into())
            ]))
        );
        for sql in [
            "surname_l = s\u{1F600}urname_r",
            "surname_l is null \u{1F600}or surname_r is null",
            "jaro_winkler_similarity(\"surname_l\", \"surname_r\") >= 0.\u{1F600}9",
            "l.surname = \u{1F600}r.surname",
        ] {
            let _ = parse_condition(sql);
            let _ = blocking_rule(sql);
        }
        let json = r#"{"comparisons":[{"comparison_levels":[{"sql_condition":"surname_l = su😀rname_r"}]}]}"#;
        assert!(load(json).is_err());
    }
}
