//! Fuzzing on stable Rust: a small coverage-blind mutational fuzzer ([`mutate`], [`run`]) and
//! one target per parser of outside input ([`targets`]). Inputs are made deterministically
//! from a seed, so every finding is reproduced from its seed and index, or from the input saved
//! under `target/fuzz-findings/<target>/`. See docs/FUZZING.md.

pub mod mutate;
pub mod rng;
pub mod run;
pub mod targets;
