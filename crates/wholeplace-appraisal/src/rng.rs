//! The sampling of the distributions users give for uncertain inputs, over the one seeded
//! generator both engines share (`wholeplace_domain::rng::SeededRng`), so that the same seed gives
//! the same Monte Carlo result on every platform and across dependency upgrades.

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

pub use wholeplace_domain::rng::SeededRng;

impl RandomSource for SeededRng {
    fn next_u64(&mut self) -> u64 {
        SeededRng::next_u64(self)
    }

    fn next_open01(&mut self) -> f64 {
        SeededRng::next_open01(self)
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
