//! wholeplace's record-linkage engine: one view of a person and a household across agencies'
//! records. Pure: no file, network, clock or environment access; progress is reported through
//! the [`Progress`] trait that the caller implements. Parallelism uses rayon threads.
//!
//! The flow: build a [`Table`] (columns, standardised on the way in) with a [`TableBuilder`];
//! choose [`Settings`] (or [`defaults::person_settings`]); make a [`Linker`]; [`Linker::train`]
//! a [`Model`] (or load one); [`Linker::predict`] scored pairs; [`cluster::cluster`] them into
//! entities; [`Linker::explain`] any pair. [`incremental`] links new records into existing
//! entities with stable ids; [`privacy`] encodes identifiers as keyed Bloom filters; [`splink`]
//! loads a Splink settings JSON; [`synth`] generates UK-style test data with known truth.

pub mod blocking;
pub mod cluster;
pub mod compare;
pub mod defaults;
pub mod evaluate;
pub mod incremental;
pub mod model;
pub mod nicknames;
pub mod phonetic;
mod prepared;
pub mod privacy;
pub mod records;
pub mod rng;
pub mod splink;
pub mod standardise;
pub mod strings;
pub mod synth;

pub use blocking::{BlockingRule, KeyPart, KeyTransform};
pub use cluster::{Clusters, WeakLink, cluster, households, split_weak, weak_links};
pub use compare::{ComparisonSpec, LevelSpec, Pred, Template};
pub use model::{
    Explanation, LinkType, Linker, Model, Prediction, PriorMethod, ScoredPair, Settings, Training,
    probability, weight_of,
};
pub use records::{ColumnKind, ColumnSpec, Table, TableBuilder};

/// Errors from the engine; messages name the setting or column and say how to fix it.
#[derive(Debug, thiserror::Error)]
pub enum LinkageError {
    /// A setting is malformed.
    #[error("invalid linkage settings: {0}")]
    Settings(String),
    /// A setting names a column the data does not have.
    #[error(
        "{context} uses column `{column}`, which the data does not have; add it to the columns or remove it from the {context}"
    )]
    UnknownColumn {
        /// The column.
        column: String,
        /// Where it was named.
        context: String,
    },
    /// A Splink settings document could not be translated.
    #[error("Splink settings: {0}")]
    Splink(String),
}

/// Receives progress from long-running steps. Implementations must be cheap and thread-safe;
/// the engine calls them from worker threads a few dozen times per stage.
pub trait Progress: Sync {
    /// `done` out of `total` units of the named stage.
    fn stage(&self, name: &str, done: u64, total: u64) {
        let _ = (name, done, total);
    }
    /// Something the user should know (a skipped oversized block, say).
    fn warn(&self, message: &str) {
        let _ = message;
    }
}

/// Progress that goes nowhere.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}
