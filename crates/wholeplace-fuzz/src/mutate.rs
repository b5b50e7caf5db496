//! Byte-level mutations, coverage-blind: flips, inserts, deletions, splices between seeds,
//! repeated chunks, interesting values (huge numbers, NUL, invalid UTF-8, byte-order marks) and
//! deep nesting. A few are stacked on one seed to make each input.

use crate::rng::Rng;

/// Tokens worth inserting into any text format.
pub const GENERIC_TOKENS: &[&[u8]] = &[
    b"0",
    b"-0",
    b"-1",
    b"1e308",
    b"1e309",
    b"-1e309",
    b"1e-400",
    b"NaN",
    b"nan",
    b"inf",
    b"-inf",
    b"4294967296",
    b"65536",
    b"2147483648",
    b"9223372036854775807",
    b"-9223372036854775808",
    b"18446744073709551616",
    b"99999999999999999999999999999999999999",
    b"0.000000000000000000000000000001",
    b"1.7976931348623157e308",
    b"\0",
    b"\xff",
    b"\xfe\xff",
    b"\xc0\x80",
    b"\xed\xa0\x80",
    b"\xf4\x90\x80\x80",
    b"\xef\xbb\xbf",
    b"\xe2\x80\xae",
    b"\xf0\x9f\x98\x80",
    b"\xc3\xa9",
    b"\r\n",
    b"\r",
    b"\n",
    b"\t",
    b" ",
    b"\x1b",
    b"\x7f",
    b"'",
    b"\"",
    b"\\",
    b"=",
    b",",
    b";",
    b"%",
    b"&",
    b"=cmd|' /C calc'!A0",
];

/// Bytes worth setting.
const INTERESTING_BYTES: &[u8] = &[
    0, 1, 0x7f, 0x80, 0xff, 0xc0, 0xe0, 0xf0, b'\n', b'\r', b'"', b'\'', b',', b'=', b'[', b']',
    b'{', b'}', b'<', b'>', b'&', b'%', b'+', b'.', b'-', b'9', b'\\',
];

/// Numbers that replace a run of digits.
const NUMBERS: &[&[u8]] = &[
    b"0",
    b"1",
    b"-1",
    b"255",
    b"256",
    b"65535",
    b"65536",
    b"2147483647",
    b"4294967295",
    b"4294967296",
    b"9223372036854775807",
    b"18446744073709551615",
    b"18446744073709551616",
    b"1048576",
    b"1048577",
    b"16384",
    b"99999999999999999999999999",
    b"1e308",
    b"1e999",
];

/// What a target adds to the generic mutations.
#[derive(Clone, Copy, Debug)]
pub struct Grammar {
    /// Tokens of the format (keywords, delimiters, key names).
    pub tokens: &'static [&'static [u8]],
    /// Open and close strings whose deep nesting may hurt (`[` `]`, `<a>` `</a>`).
    pub nest: &'static [(&'static [u8], &'static [u8])],
    /// Inputs are kept to at most this many bytes.
    pub max_len: usize,
}

impl Grammar {
    /// No tokens of its own, inputs up to 64 KiB.
    pub const PLAIN: Grammar = Grammar {
        tokens: &[],
        nest: &[],
        max_len: 64 * 1024,
    };
}

fn range(rng: &mut Rng, len: usize) -> (usize, usize) {
    if len == 0 {
        return (0, 0);
    }
    let start = rng.below(len);
    // Mostly short chunks, sometimes long ones.
    let max = (len - start).min(if rng.chance(1, 4) { len } else { 16 });
    let n = 1 + rng.below(max.max(1));
    (start, (start + n).min(len))
}

fn token(rng: &mut Rng, g: &Grammar) -> &'static [u8] {
    if !g.tokens.is_empty() && rng.chance(2, 3) {
        g.tokens[rng.below(g.tokens.len())]
    } else {
        GENERIC_TOKENS[rng.below(GENERIC_TOKENS.len())]
    }
}

fn insert(data: &mut Vec<u8>, at: usize, bytes: &[u8], max_len: usize) {
    let room = max_len.saturating_sub(data.len());
    let bytes = &bytes[..bytes.len().min(room)];
    let at = at.min(data.len());
    data.splice(at..at, bytes.iter().copied());
}

/// Applies one mutation to `data`, using `others` (the seeds) for splices.
pub fn mutate_once(rng: &mut Rng, data: &mut Vec<u8>, others: &[Vec<u8>], g: &Grammar) {
    let len = data.len();
    match rng.below(15) {
        0 if len > 0 => {
            let i = rng.below(len);
            data[i] ^= 1 << rng.below(8);
        }
        1 if len > 0 => {
            let i = rng.below(len);
            data[i] = rng.next_u64() as u8;
        }
        2 if len > 0 => {
            let i = rng.below(len);
            data[i] = *rng.pick(INTERESTING_BYTES);
        }
        3 => {
            let n = 1 + rng.below(16);
            let bytes: Vec<u8> = (0..n).map(|_| rng.next_u64() as u8).collect();
            let at = rng.below(len + 1);
            insert(data, at, &bytes, g.max_len);
        }
        4 | 5 => {
            let t = token(rng, g);
            let at = rng.below(len + 1);
            insert(data, at, t, g.max_len);
        }
        6 if len > 0 => {
            let (a, b) = range(rng, len);
            data.drain(a..b);
        }
        7 if len > 0 => {
            // A chunk repeated: long lines, many rows, many keys.
            let (a, b) = range(rng, len);
            let chunk = data[a..b].to_vec();
            let times = *rng.pick(&[2_usize, 3, 10, 100, 1000, 10_000]);
            let mut rep = Vec::with_capacity(chunk.len() * times);
            for _ in 0..times {
                if rep.len() + chunk.len() > g.max_len.saturating_sub(len) {
                    break;
                }
                rep.extend_from_slice(&chunk);
            }
            insert(data, b, &rep, g.max_len);
        }
        8 if len > 0 => {
            // A chunk copied elsewhere.
            let (a, b) = range(rng, len);
            let chunk = data[a..b].to_vec();
            let at = rng.below(len + 1);
            if rng.chance(1, 2) {
                insert(data, at, &chunk, g.max_len);
            } else {
                let end = (at + chunk.len()).min(len);
                data.splice(at..end, chunk);
            }
        }
        9 if !others.is_empty() => {
            // Splice: a prefix of this input and a suffix (or a middle) of another seed.
            let other = rng.pick(others);
            let cut = rng.below(len + 1);
            let from = rng.below(other.len() + 1);
            data.truncate(cut);
            let to = if rng.chance(1, 2) {
                other.len()
            } else {
                from + rng.below(other.len() - from + 1)
            };
            let piece = other[from..to].to_vec();
            insert(data, cut, &piece, g.max_len);
        }
        10 if len > 0 => {
            // A run of digits replaced by an interesting number.
            let start = rng.below(len);
            if let Some(p) = data[start..].iter().position(u8::is_ascii_digit) {
                let a = start + p;
                let b = a + data[a..].iter().take_while(|c| c.is_ascii_digit()).count();
                let n = rng.pick(NUMBERS).to_vec();
                data.splice(a..b, n);
            }
        }
        11 => {
            // Deep nesting.
            let nests: &[(&[u8], &[u8])] = if g.nest.is_empty() {
                &[(b"[", b"]"), (b"{", b"}"), (b"(", b")")]
            } else {
                g.nest
            };
            let (open, close) = *rng.pick(nests);
            let depth = *rng.pick(&[16_usize, 128, 1000, 10_000, 100_000]);
            let mut opens = Vec::new();
            for _ in 0..depth {
                if opens.len() + open.len() * 2 > g.max_len.saturating_sub(len) {
                    break;
                }
                opens.extend_from_slice(open);
            }
            let closes: Vec<u8> = if rng.chance(1, 2) {
                let n = opens.len() / open.len().max(1);
                close.repeat(n)
            } else {
                Vec::new()
            };
            let at = rng.below(len + 1);
            insert(data, at, &closes, g.max_len);
            insert(data, at, &opens, g.max_len);
        }
        12 if len > 0 => {
            let at = rng.below(len);
            data.truncate(at);
        }
        13 if len > 0 => {
            // A token written over the bytes.
            let t = token(rng, g);
            let at = rng.below(len);
            let end = (at + t.len()).min(len);
            data.splice(at..end, t.iter().copied());
        }
        14 if len > 1 => {
            // Two chunks swapped places (reordered lines, rows, keys).
            let a = rng.below(len);
            let b = rng.below(len);
            data.swap(a, b);
            let (x, y) = range(rng, len);
            data[x..y].reverse();
        }
        _ => {
            let t = token(rng, g);
            insert(data, len, t, g.max_len);
        }
    }
    data.truncate(g.max_len);
}

/// Applies 1, 2, 4 or 8 mutations (more often few) to a copy of `base`.
pub fn mutate(rng: &mut Rng, base: &[u8], others: &[Vec<u8>], g: &Grammar) -> Vec<u8> {
    let mut data = base.to_vec();
    let n = 1 << rng.below(4).min(rng.below(4));
    for _ in 0..n {
        mutate_once(rng, &mut data, others, g);
    }
    data
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutations_are_deterministic_and_stay_under_the_limit() {
        let seeds = vec![b"a,b\n1,2\n".to_vec(), b"x=[1,2]\n".to_vec()];
        let g = Grammar {
            max_len: 4096,
            ..Grammar::PLAIN
        };
        for i in 0..2000 {
            let a = mutate(&mut Rng::for_input(1, "t", i), &seeds[0], &seeds, &g);
            let b = mutate(&mut Rng::for_input(1, "t", i), &seeds[0], &seeds, &g);
            assert_eq!(a, b);
            assert!(a.len() <= 4096);
        }
    }

    #[test]
    fn mutations_change_the_input() {
        let seeds = vec![b"name=Ann&age=42".to_vec()];
        let changed = (0..200)
            .filter(|&i| {
                mutate(
                    &mut Rng::for_input(3, "t", i),
                    &seeds[0],
                    &seeds,
                    &Grammar::PLAIN,
                ) != seeds[0]
            })
            .count();
        assert!(
            changed > 150,
            "only {changed} of 200 inputs differ from the seed"
        );
    }
}
