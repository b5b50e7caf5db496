//! Place perception surveys, the pure rules: the fourteen themes of a Place Standard style
//! survey, each scored 1 (a lot of room for improvement) to 7 (very little), their means to two
//! decimals, response rates, and the geometry of the compass (radar) chart.

use crate::soft_outcomes::Hundredths;

/// The fourteen themes, in the compass's order (clockwise from the top).
pub const THEMES: [&str; 14] = [
    "Moving around",
    "Public transport",
    "Traffic and parking",
    "Streets and spaces",
    "Natural space",
    "Play and recreation",
    "Facilities and amenities",
    "Work and local economy",
    "Housing and community",
    "Social interaction",
    "Identity and belonging",
    "Feeling safe",
    "Care and maintenance",
    "Influence and sense of control",
];

/// The lowest score of a theme.
pub const LOWEST: i64 = 1;
/// The highest score of a theme.
pub const HIGHEST: i64 = 7;

/// One response's scores, theme by theme (`None` where a theme was not scored).
pub type Scores = [Option<i64>; 14];

/// Each theme's mean score over the responses that scored it, to two decimals.
pub fn theme_means(responses: &[Scores]) -> [Option<Hundredths>; 14] {
    std::array::from_fn(|k| {
        let scores: Vec<i64> = responses.iter().filter_map(|r| r[k]).collect();
        Hundredths::mean(&scores)
    })
}

/// A point on the compass: theme `k` (of 14, clockwise from the top) at `score` (1 at the
/// centre, 7 at the rim of radius `radius`) around `centre`.
pub fn compass_point(k: usize, score: f64, centre: (f64, f64), radius: f64) -> (f64, f64) {
    let angle = std::f64::consts::TAU * k as f64 / THEMES.len() as f64;
    let r = radius * ((score - LOWEST as f64) / (HIGHEST - LOWEST) as f64).clamp(0.0, 1.0);
    (centre.0 + r * angle.sin(), centre.1 - r * angle.cos())
}

/// Where a theme's label sits outside the rim, and which way its text runs from there
/// (`start`, `middle` or `end`).
pub fn label_anchor(k: usize, centre: (f64, f64), radius: f64) -> ((f64, f64), &'static str) {
    let angle = std::f64::consts::TAU * k as f64 / THEMES.len() as f64;
    let r = radius + 12.0;
    let p = (centre.0 + r * angle.sin(), centre.1 - r * angle.cos());
    let s = angle.sin();
    let anchor = if s > 0.2 {
        "start"
    } else if s < -0.2 {
        "end"
    } else {
        "middle"
    };
    (p, anchor)
}

/// The response rate: responses out of those invited, as a percentage to two decimals.
pub fn response_rate(responses: i64, invited: Option<i64>) -> Option<Hundredths> {
    Hundredths::percent(responses, invited?)
}

/// The themes scored highest and lowest by mean (ties in theme order), for a chart's text
/// description: (highest, lowest) as theme indices.
pub fn extremes(means: &[Option<Hundredths>; 14]) -> Option<(usize, usize)> {
    let scored: Vec<(usize, Hundredths)> = means
        .iter()
        .enumerate()
        .filter_map(|(k, m)| m.map(|m| (k, m)))
        .collect();
    let hi = scored
        .iter()
        .fold(None, |best: Option<(usize, Hundredths)>, c| match best {
            Some(b) if b.1 >= c.1 => Some(b),
            _ => Some(*c),
        })?;
    let lo = scored
        .iter()
        .fold(None, |best: Option<(usize, Hundredths)>, c| match best {
            Some(b) if b.1 <= c.1 => Some(b),
            _ => Some(*c),
        })?;
    Some((hi.0, lo.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: (f64, f64), b: (f64, f64)) -> bool {
        (a.0 - b.0).abs() < 1e-9 && (a.1 - b.1).abs() < 1e-9
    }

    #[test]
    fn the_compass_puts_1_at_the_centre_and_7_on_the_rim_clockwise_from_the_top() {
        let c = (100.0, 100.0);
        assert!(close(compass_point(0, 1.0, c, 80.0), (100.0, 100.0)));
        assert!(close(compass_point(0, 7.0, c, 80.0), (100.0, 20.0)));
        assert!(close(compass_point(0, 4.0, c, 80.0), (100.0, 60.0)));
        // A quarter of the way round (3.5 of 14 themes) is due east: theme 7 is due south.
        assert!(close(compass_point(7, 7.0, c, 80.0), (100.0, 180.0)));
        let east = compass_point(1, 7.0, c, 80.0);
        assert!(east.0 > 100.0 && east.1 < 100.0, "{east:?}");
        // Out of range scores stay on the chart.
        assert!(close(compass_point(0, 9.0, c, 80.0), (100.0, 20.0)));
        assert_eq!(label_anchor(0, c, 80.0).1, "middle");
        assert_eq!(label_anchor(3, c, 80.0).1, "start");
        assert_eq!(label_anchor(10, c, 80.0).1, "end");
    }

    #[test]
    fn theme_means_count_only_the_responses_that_scored_the_theme() {
        let mut a: Scores = [Some(4); 14];
        let mut b: Scores = [Some(7); 14];
        a[2] = None;
        b[13] = None;
        let m = theme_means(&[a, b]);
        assert_eq!(m[0].map(|h| h.to_string()).as_deref(), Some("5.50"));
        assert_eq!(m[2].map(|h| h.to_string()).as_deref(), Some("7.00"));
        assert_eq!(m[13].map(|h| h.to_string()).as_deref(), Some("4.00"));
        assert_eq!(theme_means(&[])[0], None);
        assert_eq!(extremes(&m), Some((2, 13)));
    }

    #[test]
    fn response_rates_need_a_number_invited() {
        assert_eq!(
            response_rate(33, Some(100))
                .map(|h| h.to_string())
                .as_deref(),
            Some("33.00")
        );
        assert_eq!(response_rate(5, None), None);
        assert_eq!(response_rate(5, Some(0)), None);
    }
}
