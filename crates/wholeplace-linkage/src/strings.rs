//! String similarity measures used by comparison levels: Jaro, Jaro-Winkler, Levenshtein and
//! Damerau-Levenshtein (optimal string alignment). All are symmetric and bounded; they work on
//! bytes when both strings are ASCII (the common case after standardisation) and on chars
//! otherwise.

fn to_units(s: &str) -> Vec<u32> {
    s.chars().map(u32::from).collect()
}

fn jaro_units<T: PartialEq + Copy>(a: &[T], b: &[T]) -> f64 {
    let (la, lb) = (a.len(), b.len());
    if la == 0 && lb == 0 {
        return 1.0;
    }
    if la == 0 || lb == 0 {
        return 0.0;
    }
    let window = (la.max(lb) / 2).saturating_sub(1);
    let mut a_flags = [false; 64];
    let mut b_flags = [false; 64];
    let mut a_vec;
    let mut b_vec;
    let (af, bf): (&mut [bool], &mut [bool]) = if la <= 64 && lb <= 64 {
        (&mut a_flags[..la], &mut b_flags[..lb])
    } else {
        a_vec = vec![false; la];
        b_vec = vec![false; lb];
        (&mut a_vec[..], &mut b_vec[..])
    };
    let mut matches = 0usize;
    for i in 0..la {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(lb);
        for j in lo..hi {
            if !bf[j] && a[i] == b[j] {
                af[i] = true;
                bf[j] = true;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut transpositions = 0usize;
    let mut k = 0usize;
    for i in 0..la {
        if af[i] {
            while !bf[k] {
                k += 1;
            }
            if a[i] != b[k] {
                transpositions += 1;
            }
            k += 1;
        }
    }
    let m = matches as f64;
    (m / la as f64 + m / lb as f64 + (m - (transpositions / 2) as f64) / m) / 3.0
}

/// Orders the two strings canonically so that every measure is exactly symmetric.
fn ordered<'a>(a: &'a str, b: &'a str) -> (&'a str, &'a str) {
    if a <= b { (a, b) } else { (b, a) }
}

/// Jaro similarity in `[0, 1]`; 1 for equal strings (two empty strings are equal).
#[must_use]
pub fn jaro(a: &str, b: &str) -> f64 {
    let (a, b) = ordered(a, b);
    if a == b {
        return 1.0;
    }
    if a.is_ascii() && b.is_ascii() {
        jaro_units(a.as_bytes(), b.as_bytes())
    } else {
        jaro_units(&to_units(a), &to_units(b))
    }
}

/// Jaro-Winkler similarity in `[0, 1]`: Jaro boosted by a shared prefix of up to four characters
/// (scale 0.1), applied when the Jaro similarity exceeds 0.7.
#[must_use]
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    let j = jaro(a, b);
    if j <= 0.7 {
        return j;
    }
    let prefix = a
        .chars()
        .zip(b.chars())
        .take(4)
        .take_while(|(x, y)| x == y)
        .count();
    (j + prefix as f64 * 0.1 * (1.0 - j)).min(1.0)
}

fn lev_units<T: PartialEq + Copy>(a: &[T], b: &[T]) -> usize {
    if a.is_empty() {
        return b.len();
    }
    if b.is_empty() {
        return a.len();
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0usize; b.len() + 1];
    for (i, &ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

fn osa_units<T: PartialEq + Copy>(a: &[T], b: &[T]) -> usize {
    let (la, lb) = (a.len(), b.len());
    if la == 0 {
        return lb;
    }
    if lb == 0 {
        return la;
    }
    let w = lb + 1;
    let mut d = vec![0usize; (la + 1) * w];
    for i in 0..=la {
        d[i * w] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(lb + 1) {
        *cell = j;
    }
    for i in 1..=la {
        for j in 1..=lb {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1)
                .min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
        }
    }
    d[la * w + lb]
}

/// Levenshtein edit distance (insertions, deletions, substitutions), counted in characters.
#[must_use]
pub fn levenshtein(a: &str, b: &str) -> usize {
    let (a, b) = ordered(a, b);
    if a == b {
        return 0;
    }
    if a.is_ascii() && b.is_ascii() {
        lev_units(a.as_bytes(), b.as_bytes())
    } else {
        lev_units(&to_units(a), &to_units(b))
    }
}

/// Damerau-Levenshtein distance in its optimal-string-alignment form: Levenshtein plus the
/// transposition of two adjacent characters as one edit.
#[must_use]
pub fn damerau_levenshtein(a: &str, b: &str) -> usize {
    let (a, b) = ordered(a, b);
    if a == b {
        return 0;
    }
    if a.is_ascii() && b.is_ascii() {
        osa_units(a.as_bytes(), b.as_bytes())
    } else {
        osa_units(&to_units(a), &to_units(b))
    }
}

/// Whether two unit sequences are at most one edit apart: one substitution, insertion or
/// deletion, or (with `transpose`) one exchange of adjacent units. Linear time.
fn within_one_units<T: PartialEq>(a: &[T], b: &[T], transpose: bool) -> bool {
    let (la, lb) = (a.len(), b.len());
    if la == lb {
        let Some(i) = (0..la).find(|&i| a[i] != b[i]) else {
            return true;
        };
        a[i + 1..] == b[i + 1..]
            || (transpose
                && i + 1 < la
                && a[i] == b[i + 1]
                && a[i + 1] == b[i]
                && a[i + 2..] == b[i + 2..])
    } else if la.abs_diff(lb) == 1 {
        let (s, l) = if la < lb { (a, b) } else { (b, a) };
        let i = (0..s.len()).find(|&i| s[i] != l[i]).unwrap_or(s.len());
        s[i..] == l[i + 1..]
    } else {
        false
    }
}

fn bounded(a: &str, b: &str, k: usize, transpose: bool) -> bool {
    if a == b {
        return true;
    }
    if lengths_exceed(a, b, k) {
        return false;
    }
    if k == 0 {
        return false;
    }
    if k == 1 {
        return if a.is_ascii() && b.is_ascii() {
            within_one_units(a.as_bytes(), b.as_bytes(), transpose)
        } else {
            within_one_units(&to_units(a), &to_units(b), transpose)
        };
    }
    if transpose {
        damerau_levenshtein(a, b) <= k
    } else {
        levenshtein(a, b) <= k
    }
}

/// Whether the Levenshtein distance is at most `k` (linear time for `k <= 1`).
#[must_use]
pub fn levenshtein_within(a: &str, b: &str, k: usize) -> bool {
    bounded(a, b, k, false)
}

/// Whether the Damerau-Levenshtein (optimal string alignment) distance is at most `k` (linear
/// time for `k <= 1`).
#[must_use]
pub fn damerau_within(a: &str, b: &str, k: usize) -> bool {
    bounded(a, b, k, true)
}

/// Whether the character-length difference alone already exceeds `k` edits (a cheap pre-check).
#[must_use]
pub fn lengths_exceed(a: &str, b: &str, k: usize) -> bool {
    a.len().abs_diff(b.len()) > k * 4 || a.chars().count().abs_diff(b.chars().count()) > k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        assert!((jaro("martha", "marhta") - 0.9444).abs() < 1e-3);
        assert!((jaro_winkler("martha", "marhta") - 0.9611).abs() < 1e-3);
        assert!((jaro_winkler("dixon", "dicksonx") - 0.8133).abs() < 1e-3);
        assert_eq!(jaro("", ""), 1.0);
        assert_eq!(jaro("abc", ""), 0.0);
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(damerau_levenshtein("ca", "ac"), 1);
        assert_eq!(levenshtein("ca", "ac"), 2);
        assert_eq!(damerau_levenshtein("jones", "jnoes"), 1);
        assert_eq!(levenshtein("zoë", "zoe"), 1);
    }
}
