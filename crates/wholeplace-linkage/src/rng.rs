//! Randomness for sampling and synthetic data: the one deterministic generator both engines share
//! (`wholeplace_domain::rng`), and a stable hash of bytes.

/// The one deterministic generator both engines share.
pub use wholeplace_domain::rng::SeededRng as Rng;
use wholeplace_domain::rng::splitmix;

/// A fast non-cryptographic 64-bit hash of bytes (FNV-1a folded through a SplitMix finaliser),
/// stable across runs and platforms; used for blocking keys and deterministic sub-sampling.
#[must_use]
pub fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let mut x = h;
    splitmix(&mut x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_stable_and_spread() {
        assert_eq!(hash_bytes(b"SMITH"), hash_bytes(b"SMITH"));
        assert_ne!(hash_bytes(b"SMITH"), hash_bytes(b"SMYTH"));
        assert_ne!(hash_bytes(b""), 0);
    }
}
