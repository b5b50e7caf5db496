//! Phonetic keys for blocking and comparison: American Soundex, and a Metaphone-like key tuned
//! for British and Irish surnames (silent letters, `ph`/`f`, `ck`/`k`, `c`/`s` before front
//! vowels and the like). Both return an empty string for input without letters.

/// American Soundex: the first letter then three digits (e.g. `robert` -> `R163`).
#[must_use]
pub fn soundex(s: &str) -> String {
    fn code(c: u8) -> u8 {
        match c {
            b'b' | b'f' | b'p' | b'v' => b'1',
            b'c' | b'g' | b'j' | b'k' | b'q' | b's' | b'x' | b'z' => b'2',
            b'd' | b't' => b'3',
            b'l' => b'4',
            b'm' | b'n' => b'5',
            b'r' => b'6',
            b'h' | b'w' => b'h',
            _ => b'0',
        }
    }
    let letters: Vec<u8> = s
        .bytes()
        .filter(u8::is_ascii_alphabetic)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let Some(&first) = letters.first() else {
        return String::new();
    };
    let mut out = vec![first.to_ascii_uppercase()];
    let mut last = code(first);
    for &c in &letters[1..] {
        let d = code(c);
        if d == b'h' {
            continue;
        }
        if d != b'0' && d != last {
            out.push(d);
            if out.len() == 4 {
                break;
            }
        }
        last = d;
    }
    while out.len() < 4 {
        out.push(b'0');
    }
    String::from_utf8(out).unwrap_or_default()
}

/// A Metaphone-like phonetic key of at most six characters. Vowels are kept only at the start;
/// common English spelling variants map to one key (`stephen`/`steven`, `catherine`/`kathryn`,
/// `philips`/`phillips`, `mcdonald`/`macdonald`).
#[must_use]
pub fn phonetic_key(s: &str) -> String {
    let mut w: Vec<u8> = s
        .bytes()
        .filter(u8::is_ascii_alphabetic)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if w.is_empty() {
        return String::new();
    }
    if w.starts_with(b"mac") {
        w.drain(1..2);
    }
    for (from, to) in [
        (&b"kn"[..], &b"n"[..]),
        (b"gn", b"n"),
        (b"wr", b"r"),
        (b"ps", b"s"),
        (b"wh", b"w"),
    ] {
        if w.starts_with(from) {
            w.splice(0..from.len(), to.iter().copied());
        }
    }
    let is_vowel = |c: u8| matches!(c, b'a' | b'e' | b'i' | b'o' | b'u' | b'y');
    let front = |c: Option<&u8>| matches!(c, Some(b'e' | b'i' | b'y'));
    let mut out: Vec<u8> = Vec::with_capacity(8);
    let n = w.len();
    let mut i = 0;
    while i < n && out.len() < 6 {
        let c = w[i];
        let next = w.get(i + 1);
        let mut skip = 1;
        let code: Option<u8> = match c {
            b'a' | b'e' | b'i' | b'o' | b'u' => (i == 0).then_some(b'a'),
            b'y' => (i == 0).then_some(b'a'),
            b'b' => (!(i + 1 == n && i > 0 && w[i - 1] == b'm')).then_some(b'p'),
            b'c' => {
                if next == Some(&b'h') {
                    skip = 2;
                    Some(b'x')
                } else if next == Some(&b'k') {
                    skip = 2;
                    Some(b'k')
                } else if front(next) {
                    Some(b's')
                } else {
                    Some(b'k')
                }
            }
            b'd' => {
                if next == Some(&b'g') && front(w.get(i + 2)) {
                    skip = 2;
                    Some(b'j')
                } else {
                    Some(b't')
                }
            }
            b'g' => {
                if next == Some(&b'h') {
                    skip = 2;
                    if i == 0 { Some(b'k') } else { None }
                } else if front(next) {
                    Some(b'j')
                } else {
                    Some(b'k')
                }
            }
            b'h' => (i == 0).then_some(b'h'),
            b'k' => (!(i > 0 && w[i - 1] == b'c')).then_some(b'k'),
            b'p' => {
                if next == Some(&b'h') {
                    skip = 2;
                    Some(b'f')
                } else if i > 0 && w[i - 1] == b'm' && next == Some(&b's') {
                    // Silent between m and s: Thompson / Thomson, Simpson / Simson.
                    None
                } else {
                    Some(b'p')
                }
            }
            b'q' => Some(b'k'),
            b's' => {
                if next == Some(&b'h') {
                    skip = 2;
                    Some(b'x')
                } else if next == Some(&b'c') && w.get(i + 2) == Some(&b'h') {
                    skip = 3;
                    Some(b'x')
                } else {
                    Some(b's')
                }
            }
            b't' => {
                if next == Some(&b'h') {
                    skip = 2;
                    Some(b'0')
                } else {
                    Some(b't')
                }
            }
            b'v' => Some(b'f'),
            b'w' => (i == 0 && next.is_some_and(|c| is_vowel(*c))).then_some(b'w'),
            b'x' => Some(b's'),
            b'z' => Some(b's'),
            other => Some(other),
        };
        if let Some(code) = code
            && out.last() != Some(&code)
        {
            out.push(code);
        }
        i += skip;
    }
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soundex_examples() {
        assert_eq!(soundex("robert"), "R163");
        assert_eq!(soundex("rupert"), "R163");
        assert_eq!(soundex("ashcraft"), "A261");
        assert_eq!(soundex("tymczak"), "T522");
        assert_eq!(soundex("lee"), "L000");
        assert_eq!(soundex(""), "");
    }

    #[test]
    fn phonetic_variants_share_keys() {
        assert_eq!(phonetic_key("stephen"), phonetic_key("steven"));
        assert_eq!(phonetic_key("catherine"), phonetic_key("kathryn"));
        assert_eq!(phonetic_key("philips"), phonetic_key("phillips"));
        assert_eq!(phonetic_key("macdonald"), phonetic_key("mcdonald"));
        assert_eq!(phonetic_key("thompson"), phonetic_key("thomson"));
        assert_ne!(phonetic_key("smith"), phonetic_key("jones"));
        assert_eq!(phonetic_key(""), "");
    }
}
