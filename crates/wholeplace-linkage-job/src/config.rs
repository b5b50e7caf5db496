//! The `linkage.toml` configuration: which columns hold what, blocking, comparisons,
//! thresholds and training. Every key is optional; the defaults recognise the usual person
//! columns from the file headers. See docs/LINKAGE.md for the reference.

use std::path::Path;

use crate::JobError;
use crate::error::{Context as _, bail};
use serde::Deserialize;
use wholeplace_linkage::defaults::PersonColumns;
use wholeplace_linkage::{BlockingRule, ColumnSpec, LinkType, PriorMethod, Template, Training};

type Result<T, E = JobError> = std::result::Result<T, E>;

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
    /// Training parameters: each key given replaces that one default, the others stay.
    pub training: Option<TrainingOverrides>,
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
    /// The configuration's changes to default settings: its blocking rules, comparisons,
    /// training keys (each changing only itself) and block size cap, where given.
    pub fn apply_to(&self, s: &mut wholeplace_linkage::Settings) {
        if let Some(b) = &self.blocking {
            s.blocking.clone_from(b);
        }
        if let Some(c) = &self.comparisons {
            s.comparisons = c.iter().map(Template::expand).collect();
        }
        if let Some(t) = &self.training {
            t.apply(&mut s.training);
        }
        if let Some(m) = self.max_block_size {
            s.max_block_size = m;
        }
    }

    /// Reads and checks a configuration file.
    ///
    /// # Errors
    /// With the file, line and key at fault and how to fix it.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| {
            format!(
                "cannot read the configuration file {}; check the path given to --config",
                path.display()
            )
        })?;
        Self::parse(&text, path)
    }

    /// Reads and checks the text of a configuration file; `path` names it in errors.
    ///
    /// # Errors
    /// With the file, line and key at fault and how to fix it.
    pub fn parse(text: &str, path: &Path) -> Result<Self> {
        let cfg: Self = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| text[..s.start].matches('\n').count() + 1);
            JobError::new(format!(
                "configuration file {}{}: {}\nfix: correct or remove this key; docs/LINKAGE.md lists every key and its allowed values",
                path.display(),
                line.map_or_else(String::new, |l| format!(", line {l}")),
                e.message()
            ))
        })?;
        if let Some(t) = cfg.threshold
            && !(0.0..1.0).contains(&t)
        {
            bail!(
                "configuration file {}: `threshold` is {t}; fix: give a probability between 0 and 1 such as 0.5",
                path.display()
            );
        }
        Ok(cfg)
    }
}

/// `[training]`: the training parameters to change. A key left out keeps its default, so
/// changing one number never drops the default EM sessions or prior.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct TrainingOverrides {
    /// Random pairs sampled to estimate u, at most.
    pub u_sample_pairs: Option<u64>,
    /// Seed for sampling.
    pub seed: Option<u64>,
    /// Maximum EM iterations.
    pub em_max_iterations: Option<usize>,
    /// EM stops when no parameter moves more than this.
    pub em_tolerance: Option<f64>,
    /// Candidate pairs used for EM at most, per session.
    pub em_max_pairs: Option<u64>,
    /// Prior estimation.
    pub prior: Option<PriorMethod>,
    /// EM training sessions (replaces the default ones).
    pub em_sessions: Option<Vec<BlockingRule>>,
}

impl TrainingOverrides {
    /// Applies the keys given onto `t`.
    pub fn apply(&self, t: &mut Training) {
        if let Some(x) = self.u_sample_pairs {
            t.u_sample_pairs = x;
        }
        if let Some(x) = self.seed {
            t.seed = x;
        }
        if let Some(x) = self.em_max_iterations {
            t.em_max_iterations = x;
        }
        if let Some(x) = self.em_tolerance {
            t.em_tolerance = x;
        }
        if let Some(x) = self.em_max_pairs {
            t.em_max_pairs = x;
        }
        if let Some(x) = &self.prior {
            t.prior = x.clone();
        }
        if let Some(x) = &self.em_sessions {
            t.em_sessions.clone_from(x);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_training_key_changes_only_itself() {
        let cfg: LinkConfig = toml::from_str("[training]\nem_max_pairs = 500000\n").expect("parse");
        let mut t = Training {
            em_sessions: vec![BlockingRule(Vec::new())],
            ..Training::default()
        };
        let before = t.clone();
        cfg.training.expect("training").apply(&mut t);
        assert_eq!(t.em_max_pairs, 500_000);
        assert_eq!(
            t.em_sessions, before.em_sessions,
            "the default sessions stay"
        );
        assert_eq!(t.prior, before.prior, "the default prior stays");
        assert!(
            toml::from_str::<LinkConfig>("[training]\nem_max_pear = 1\n").is_err(),
            "a misspelt key is refused"
        );
    }
}
