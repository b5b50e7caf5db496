//! A small, seeded, reproducible random generator and the sampling of the distributions users
//! give for uncertain inputs. Written here (not taken from a crate) so that the same seed gives the
//! same Monte Carlo result on every platform and across dependency upgrades: a published appraisal
//! must be reproducible years later.

/// A source of uniformly distributed 64-bit words. The caller supplies it (seeded), so the engine
/// never reads a clock or the operating system's entropy.
pub trait RandomSource {
    /// The next uniformly distributed 64-bit word.
    fn next_u64(&mut self) -> u64;

    /// A uniform float in the open interval (0, 1).
    fn next_open01(&mut self) -> f64 {
        // 53 random bits, shifted half a step so that 0 and 1 never occur.
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
}

/// xoshiro256** seeded through SplitMix64: fast, good statistical quality, fully specified.
#[derive(Clone, Debug)]
pub struct SeededRng {
    s: [u64; 4],
}

impl SeededRng {
    /// A generator whose whole sequence is determined by `seed`.
    pub fn new(seed: u64) -> Self {
        let mut x = seed;
        let mut next = || {
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        SeededRng {
            s: [next(), next(), next(), next()],
        }
    }
}

impl RandomSource for SeededRng {
    fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }
}

/// A standard normal deviate (Box-Muller; one of the pair is discarded to stay stateless).
pub fn standard_normal(rng: &mut dyn RandomSource) -> f64 {
    let u1 = rng.next_open01();
    let u2 = rng.next_open01();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// A Gamma(shape, 1) deviate for shape >= 1 (Marsaglia and Tsang, 2000).
pub fn gamma(shape: f64, rng: &mut dyn RandomSource) -> f64 {
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let x = standard_normal(rng);
        let v = 1.0 + c * x;
        if v <= 0.0 {
            continue;
        }
        let v = v * v * v;
        let u = rng.next_open01();
        if u.ln() < 0.5 * x * x + d - d * v + d * v.ln() {
            return d * v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence_and_different_seed_differs() {
        let a: Vec<u64> = {
            let mut r = SeededRng::new(42);
            (0..5).map(|_| r.next_u64()).collect()
        };
        let b: Vec<u64> = {
            let mut r = SeededRng::new(42);
            (0..5).map(|_| r.next_u64()).collect()
        };
        let c: Vec<u64> = {
            let mut r = SeededRng::new(43);
            (0..5).map(|_| r.next_u64()).collect()
        };
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn uniform_and_normal_have_the_right_moments() {
        let mut r = SeededRng::new(7);
        let n = 200_000;
        let mean_u = (0..n).map(|_| r.next_open01()).sum::<f64>() / n as f64;
        assert!((mean_u - 0.5).abs() < 0.005, "{mean_u}");
        let xs: Vec<f64> = (0..n).map(|_| standard_normal(&mut r)).collect();
        let m = xs.iter().sum::<f64>() / n as f64;
        let v = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n as f64;
        assert!(m.abs() < 0.01 && (v - 1.0).abs() < 0.02, "{m} {v}");
        let g: f64 = (0..n).map(|_| gamma(3.0, &mut r)).sum::<f64>() / n as f64;
        assert!((g - 3.0).abs() < 0.03, "{g}");
    }
}
