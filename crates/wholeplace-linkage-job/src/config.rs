//! The `linkage.toml` configuration: which columns hold what, blocking, comparisons,
//! thresholds and training. Every key is optional; the defaults recognise the usual person
//! columns from the file headers. See docs/LINKAGE.md for the reference.

use std::path::Path;

use anyhow::Context as _;
use serde::Deserialize;
use wholeplace_linkage::defaults::PersonColumns;
use wholeplace_linkage::{BlockingRule, ColumnSpec, LinkType, Template, Training};

/// The configuration file.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct LinkConfig {
    /// `dedupe` (default) or `link`.
    pub mode: Option<LinkType>,
    /// Match probability at which pairs are linked into one entity (default 0.5).
    pub threshold: Option<f64>,
    /// Column holding each record's id (default: `record_id`, `rec_id`, `id`, or the first column).
    pub id_column: Option<String>,
    /// Which columns hold the usual person fields (default: recognised from the headers).
    pub columns: Option<PersonColumns>,
    /// Further columns and their standardisation.
    pub extra_columns: Vec<ColumnSpec>,
    /// Date formats tried in order for date columns (default: ISO, yyyymmdd, dd/mm/yyyy ...).
    pub date_formats: Vec<String>,
    /// Blocking rules, each a list of `column` or `column:transform` (default: person rules).
    pub blocking: Option<Vec<BlockingRule>>,
    /// Comparisons (default: one per recognised person column).
    pub comparisons: Option<Vec<Template>>,
    /// Training parameters.
    pub training: Option<Training>,
    /// File names (as given) of sources known to hold each person at most once.
    pub duplicate_free: Vec<String>,
    /// Blocks larger than this are skipped with a warning (default 3000).
    pub max_block_size: Option<usize>,
    /// Links below this probability that alone hold a cluster together are reported (default 0.9).
    pub weak_link_below: Option<f64>,
    /// Scored pairs at or above this probability are written to pairs.csv (default 0.01).
    pub write_pairs_above: Option<f64>,
    /// Columns that identify a dwelling, for households (default: house number, address, postcode).
    pub household_columns: Option<Vec<String>>,
}

impl LinkConfig {
    /// Reads and checks a configuration file.
    ///
    /// # Errors
    /// With the file, line and key at fault and how to fix it.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| {
            format!(
                "cannot read the configuration file {}; check the path given to --config",
                path.display()
            )
        })?;
        let cfg: Self = toml::from_str(&text).map_err(|e| {
            let line = e.span().map(|s| text[..s.start].matches('\n').count() + 1);
            anyhow::anyhow!(
                "configuration file {}{}: {}\nfix: correct or remove this key; docs/LINKAGE.md lists every key and its allowed values",
                path.display(),
                line.map_or_else(String::new, |l| format!(", line {l}")),
                e.message()
            )
        })?;
        if let Some(t) = cfg.threshold
            && !(0.0..1.0).contains(&t)
        {
            anyhow::bail!(
                "configuration file {}: `threshold` is {t}; fix: give a probability between 0 and 1 such as 0.5",
                path.display()
            );
        }
        Ok(cfg)
    }
}
