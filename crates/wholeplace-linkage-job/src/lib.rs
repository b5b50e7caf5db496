//! The IO edge of wholeplace's record linkage, as a library: [`link`] reads CSV extracts and a
//! TOML configuration, trains or loads a model, and writes scored pairs, clusters (entities and
//! households), weak links and an HTML report; [`synth`] writes synthetic extracts with their
//! truth. Progress and notes go to the caller's [`JobProgress`]; nothing here prints. The
//! `wholeplace link` and `wholeplace synth` command lines are the CLI crate's; the engine itself
//! is the pure `wholeplace-linkage` crate.

pub mod config;
mod error;
pub mod input;
pub mod report;

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use error::{Context as _, bail, ensure};
use wholeplace_linkage::defaults::{PersonColumns, person_settings};
use wholeplace_linkage::evaluate::{ClusterScores, Scores};
use wholeplace_linkage::privacy::{EncodingSpec, encode, encoded_settings};
use wholeplace_linkage::{
    Clusters, ColumnKind, ColumnSpec, Explanation, LinkType, Linker, Model, Progress, ScoredPair,
    Settings, Table, WeakLink, cluster, evaluate, households, incremental, splink, split_weak,
    weak_links,
};

pub use config::LinkConfig;
pub use error::JobError;

type Result<T, E = JobError> = std::result::Result<T, E>;

/// What one [`link`] run reads, writes and does: the paths and choices of `wholeplace link`.
#[derive(Debug, Clone, Default)]
pub struct LinkOptions {
    /// Configuration file (TOML); without one, columns are recognised from the headers.
    pub config: Option<PathBuf>,
    /// CSV files to link (one per agency) or deduplicate.
    pub inputs: Vec<PathBuf>,
    /// Directory for pairs.csv, clusters.csv, weak_links.csv and report.html.
    pub output_dir: PathBuf,
    /// Deduplicate or link (overrides the configuration; default dedupe).
    pub mode: Option<LinkType>,
    /// Match probability at which records are joined (overrides the configuration; default 0.5).
    pub threshold: Option<f64>,
    /// Save the trained model (settings and parameters) as JSON here.
    pub save_model: Option<PathBuf>,
    /// Use this saved model instead of training.
    pub model: Option<PathBuf>,
    /// Use a Splink settings JSON (with trained m and u) unchanged instead of training.
    pub splink_settings: Option<PathBuf>,
    /// Encode the inputs' identifiers with the secret key into `<output_dir>/<name>.encoded.csv`
    /// instead of linking.
    pub encode: bool,
    /// The inputs are encoded files (from `encode`); link them without seeing identifiers.
    pub encoded: bool,
    /// File holding the shared secret key (at least 16 bytes) for `encode`.
    pub key_file: Option<PathBuf>,
    /// clusters.csv of an earlier run: link the inputs into those entities, keeping their ids
    /// (needs `model`). The earlier run's inputs must be given first, in the same order.
    pub existing_clusters: Option<PathBuf>,
    /// Truth file (CSV: source, record_id, entity) to measure accuracy against.
    pub truth: Option<PathBuf>,
    /// Split weak clusters at their weak links before writing clusters.
    pub split_weak: bool,
}

/// What one [`synth`] run writes: the choices of `wholeplace synth`.
#[derive(Debug, Clone)]
pub struct SynthOptions {
    /// Number of people.
    pub people: usize,
    /// Seed: the same seed writes the same files.
    pub seed: u64,
    /// Number of agencies (files), 1 to 60.
    pub sources: usize,
    /// Probability of each further duplicate of a person within one file (default 0.4 for one
    /// file, 0.1 for several).
    pub duplicate_rate: Option<f64>,
    /// Scale of corruption (0 = clean copies, 1 = realistic).
    pub corruption: f64,
    /// Directory for `<agency>.csv` files and truth.csv.
    pub output_dir: PathBuf,
}

/// Receives a job's progress: the engine's stages and warnings, and notes on what the job read,
/// found and wrote along the way (a command line shows them; a test ignores them).
pub trait JobProgress: Progress {
    /// What the job did (a file read, pairs scored, accuracy measured ...), one line.
    fn note(&self, message: &str) {
        let _ = message;
    }
}

impl JobProgress for wholeplace_linkage::NoProgress {}

/// What a [`link`] run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkOutcome {
    /// `encode`: this many records were written encoded to the output directory.
    Encoded {
        /// Records encoded.
        records: usize,
    },
    /// The records were linked and the outputs written.
    Linked {
        /// Records read.
        records: usize,
        /// Entities found.
        entities: usize,
        /// Households found.
        households: usize,
        /// Weak links found.
        weak_links: usize,
    },
}

fn source_name(p: &Path) -> String {
    p.file_name().map_or_else(
        || p.display().to_string(),
        |f| f.to_string_lossy().into_owned(),
    )
}

fn read_key(path: &Path) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).with_context(|| {
        format!(
            "cannot read the key file {}; create it with `openssl rand -hex 32 > {}`",
            path.display(),
            path.display()
        )
    })?;
    let trimmed = String::from_utf8_lossy(&bytes).trim().to_owned();
    ensure!(
        trimmed.len() >= 16,
        "key file {} holds fewer than 16 characters; fix: use `openssl rand -hex 32`",
        path.display()
    );
    Ok(trimmed.into_bytes())
}

/// Column specs for encoded files: the first file's headers, each column's width from its first
/// non-empty value in any of the files (a field an agency lacks is encoded empty).
fn encoded_specs(paths: &[PathBuf]) -> Result<(Vec<ColumnSpec>, EncodingSpec)> {
    let first = paths.first().context("give at least one encoded file")?;
    let mut heads: Vec<String> = Vec::new();
    let mut lengths: Vec<usize> = Vec::new();
    for path in paths {
        let mut r = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_path(path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        let these: Vec<String> = r.headers()?.iter().map(ToOwned::to_owned).collect();
        if heads.is_empty() {
            lengths = vec![0; these.len()];
            heads = these.clone();
        }
        for rec in r.records() {
            let rec = rec?;
            for (h, v) in these.iter().zip(rec.iter()) {
                if let Some(k) = heads.iter().position(|x| x == h)
                    && lengths[k] == 0
                {
                    lengths[k] = v.len();
                }
            }
            if lengths.iter().all(|l| *l > 0) {
                break;
            }
        }
    }
    let heads: Vec<&str> = heads.iter().map(String::as_str).collect();
    match wholeplace_linkage::privacy::encoded_layout(&heads, &lengths) {
        Ok(layout) => Ok(layout),
        Err(e) => bail!("{}: {e}", first.display()),
    }
}

fn write_table_encoded(table: &Table, dir: &Path) -> Result<()> {
    for (s, name) in table.sources.iter().enumerate() {
        let stem = Path::new(name)
            .file_stem()
            .map_or_else(|| name.clone(), |x| x.to_string_lossy().into_owned());
        let path = dir.join(format!("{stem}.encoded.csv"));
        let mut w = csv::Writer::from_path(&path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        let mut head = vec!["record_id".to_owned()];
        head.extend(table.columns.iter().map(|c| c.name.clone()));
        w.write_record(&head)?;
        for i in (0..table.len()).filter(|&i| table.source[i] as usize == s) {
            let mut row = vec![table.id(i).to_owned()];
            row.extend(table.columns.iter().map(|c| c.text(i).into_owned()));
            w.write_record(&row)?;
        }
        w.flush()?;
    }
    Ok(())
}

/// Links or deduplicates the records of `options.inputs` and writes pairs.csv, clusters.csv,
/// weak_links.csv and report.html to `options.output_dir` (or, with `encode`, the encoded
/// inputs), reporting stages, warnings and notes to `progress`.
///
/// # Errors
/// With the file, line or key at fault and how to fix it.
pub fn link(options: &LinkOptions, progress: &dyn JobProgress) -> Result<LinkOutcome> {
    let cfg = match &options.config {
        Some(p) => LinkConfig::load(p)?,
        None => LinkConfig::default(),
    };
    let link_type = options.mode.or(cfg.mode).unwrap_or_default();
    let threshold = options.threshold.or(cfg.threshold).unwrap_or(0.5);
    ensure!(
        (0.0..1.0).contains(&threshold) && threshold > 0.0,
        "--threshold {threshold}: give a probability between 0 and 1 such as 0.5"
    );
    std::fs::create_dir_all(&options.output_dir).with_context(|| {
        format!(
            "cannot create the output directory {}",
            options.output_dir.display()
        )
    })?;
    let run = Run {
        options,
        cfg: &cfg,
        progress,
        link_type,
        threshold,
    };
    let first = options
        .inputs
        .first()
        .context("give at least one input CSV file")?;
    let saved = options.model.as_deref().map(load_model).transpose()?;
    let splink_model = options
        .splink_settings
        .as_deref()
        .map(load_splink_settings)
        .transpose()?;
    // Columns and settings.
    let heads = input::headers(first)?;
    let head_refs: Vec<&str> = heads.iter().map(String::as_str).collect();
    let person = cfg
        .columns
        .clone()
        .unwrap_or_else(|| PersonColumns::detect(&head_refs));
    let (specs, mut settings) =
        run.columns_and_settings(first, &heads, &person, splink_model.as_ref())?;
    let specs = with_date_formats(specs, &cfg.date_formats);
    if let Some(m) = &saved {
        settings = m.settings.clone();
    }
    settings.link_type = link_type;
    let (table, mut warnings) = run.read_inputs(&specs)?;
    if options.encode {
        let records = run.encode(&table, &specs, &settings)?;
        return Ok(LinkOutcome::Encoded { records });
    }
    let linker = run.linker(&table, &settings, &mut warnings)?;
    let model = match (saved, &splink_model) {
        (Some(m), _) => m,
        (None, Some(sm)) => linker.fixed_model(sm.prior)?,
        (None, None) => linker.train(progress)?,
    };
    if let Some(p) = &options.save_model {
        std::fs::write(p, serde_json::to_string_pretty(&model)?)
            .with_context(|| format!("cannot write the model to {}", p.display()))?;
    }
    let floor = cfg.write_pairs_above.unwrap_or(0.01).min(threshold);
    let pred = linker.predict(&model, floor, progress);
    progress.note(&format!(
        "{} candidate pairs scored, {} at or above probability {floor}",
        pred.candidates,
        pred.pairs.len()
    ));
    progress.stage("clustering", 0, 1);
    let entities = match &options.existing_clusters {
        Some(existing) => run.link_into_existing(existing, &table, &model, &pred.pairs)?,
        None => run.cluster_anew(&table, &pred.pairs),
    };
    let hh_cols: Vec<usize> = cfg
        .household_columns
        .clone()
        .unwrap_or_else(|| person.address_columns())
        .iter()
        .filter_map(|c| table.column_index(c))
        .collect();
    progress.stage("households", 0, 1);
    let hh = households(&table, &entities.clusters, &hh_cols);
    let Entities { clusters, weak, .. } = &entities;
    run.write_outputs(&table, &model, &pred.pairs, &entities, &hh)?;
    let accuracy = match &options.truth {
        Some(t) => Some(run.accuracy(t, &table, &pred.pairs, clusters)?),
        None => None,
    };
    progress.stage("writing the report", 0, 1);
    let html = report::render(&report::ReportData {
        model: &model,
        histogram: &pred.histogram,
        threshold,
        counts: (table.len(), clusters.count, hh.count),
        candidates: pred.candidates,
        examples: near_threshold(&linker, &model, &pred.pairs, threshold),
        weak: weak
            .iter()
            .take(20)
            .map(|w| linker.explain(&model, w.pair.a as usize, w.pair.b as usize))
            .collect(),
        accuracy,
        warnings,
    });
    std::fs::write(options.output_dir.join("report.html"), html).with_context(|| {
        format!(
            "cannot write {}",
            options.output_dir.join("report.html").display()
        )
    })?;
    progress.stage("done", 1, 1);
    Ok(LinkOutcome::Linked {
        records: table.len(),
        entities: clusters.count,
        households: hh.count,
        weak_links: weak.len(),
    })
}

/// What the steps of one [`link`] run read: its options, configuration, progress,
/// link type and threshold.
struct Run<'a> {
    options: &'a LinkOptions,
    cfg: &'a LinkConfig,
    progress: &'a dyn JobProgress,
    link_type: LinkType,
    threshold: f64,
}

/// The entities found: an id per entity number (`names`), a number per record (`clusters`),
/// and the weak links within them.
struct Entities {
    names: Vec<String>,
    clusters: Clusters,
    weak: Vec<WeakLink>,
}

impl Run<'_> {
    /// Prepares the linker, adding a warning for each block too large to compare.
    fn linker<'t>(
        &self,
        table: &'t Table,
        settings: &Settings,
        warnings: &mut Vec<String>,
    ) -> Result<Linker<'t>> {
        self.progress.stage("blocking and preparing values", 0, 1);
        let linker = Linker::new(table, settings).map_err(|e| {
            JobError::new(format!(
                "{e}{}",
                self.options
                    .config
                    .as_ref()
                    .map_or_else(String::new, |p| format!(" (configuration {})", p.display()))
            ))
        })?;
        for (rule, size) in &linker.blocks().skipped_blocks {
            let w = format!(
                "blocking rule `{}` has a block of {size} records, larger than max_block_size {}; it was skipped; add a column to that rule",
                settings.blocking[*rule], settings.max_block_size
            );
            self.progress.warn(&w);
            warnings.push(w);
        }
        Ok(linker)
    }

    /// Writes pairs.csv, clusters.csv and weak_links.csv.
    fn write_outputs(
        &self,
        table: &Table,
        model: &Model,
        pairs: &[ScoredPair],
        entities: &Entities,
        hh: &Clusters,
    ) -> Result<()> {
        let dir = &self.options.output_dir;
        self.progress.stage("writing outputs", 0, 1);
        write_pairs(&dir.join("pairs.csv"), table, model, pairs)?;
        self.progress.stage("writing clusters", 0, 1);
        write_clusters(
            &dir.join("clusters.csv"),
            table,
            &entities.names,
            &entities.clusters,
            hh,
        )?;
        write_weak(
            &dir.join("weak_links.csv"),
            table,
            &entities.names,
            &entities.clusters,
            &entities.weak,
        )
    }

    /// The columns to read and the settings to link with: for encoded files, from the first
    /// file; with Splink settings, the columns they name; otherwise the person columns.
    fn columns_and_settings(
        &self,
        first: &Path,
        heads: &[String],
        person: &PersonColumns,
        splink_model: Option<&splink::SplinkModel>,
    ) -> Result<(Vec<ColumnSpec>, Settings)> {
        let (cfg, link_type) = (self.cfg, self.link_type);
        if self.options.encoded {
            let (specs, enc) = encoded_specs(&self.options.inputs)?;
            Ok((specs, encoded_settings(&enc, link_type)))
        } else if let Some(sm) = splink_model {
            Ok((splink_columns(&sm.settings, person), sm.settings.clone()))
        } else {
            let mut specs = person.column_specs();
            specs.extend(cfg.extra_columns.iter().cloned());
            ensure!(
                !specs.is_empty(),
                "{}: no person columns recognised among {}; fix: map them in the configuration's [columns] table (first_name, surname, dob, postcode ...)",
                first.display(),
                heads.join(", ")
            );
            let mut s = person_settings(person, link_type);
            cfg.apply_to(&mut s);
            Ok((specs, s))
        }
    }

    /// Reads every input into one table; returns it with warnings about invalid values (also
    /// reported as progress).
    fn read_inputs(&self, specs: &[ColumnSpec]) -> Result<(Table, Vec<String>)> {
        let mut table: Option<Table> = None;
        for p in &self.options.inputs {
            self.progress.note(&format!("reading {}", p.display()));
            input::read_csv(
                p,
                &source_name(p),
                specs,
                self.cfg.id_column.as_deref(),
                25,
                &mut table,
            )?;
        }
        let table = table.context("no records read")?;
        let mut warnings = Vec::new();
        for c in &table.columns {
            if c.invalid > 0 {
                let (s, row) = c.first_invalid.unwrap_or((0, 0));
                warnings.push(format!("{} values of column `{}` were invalid and treated as missing (first in {}, data row {}); check the column's format or `date_formats`", c.invalid, c.name, table.sources[s as usize], row + 1));
            }
        }
        for w in &warnings {
            self.progress.warn(w);
        }
        self.progress.stage("read", 1, 1);
        Ok((table, warnings))
    }

    /// `--encode`: writes the table's identifiers encoded with the key instead of linking;
    /// returns the number of records written.
    fn encode(&self, table: &Table, specs: &[ColumnSpec], settings: &Settings) -> Result<usize> {
        let options = self.options;
        let key = read_key(
            options
                .key_file
                .as_deref()
                .context("--encode needs --key-file")?,
        )?;
        let enc = EncodingSpec::for_columns(
            &specs.iter().map(|s| s.name.clone()).collect::<Vec<_>>(),
            &settings.blocking,
        );
        let encoded = encode(table, &key, &enc)?;
        write_table_encoded(&encoded, &options.output_dir)?;
        Ok(encoded.len())
    }

    /// `--existing-clusters`: links the new records into an earlier run's entities, keeping
    /// their ids.
    fn link_into_existing(
        &self,
        existing: &Path,
        table: &Table,
        model: &Model,
        pairs: &[ScoredPair],
    ) -> Result<Entities> {
        let old = read_existing(existing)?;
        let n_old = (0..table.len())
            .take_while(|&i| {
                old.contains_key(&(table.source_name(i).to_owned(), table.id(i).to_owned()))
            })
            .count();
        let old_ids: Vec<String> = (0..n_old)
            .map(|i| old[&(table.source_name(i).to_owned(), table.id(i).to_owned())].clone())
            .collect();
        let res =
            incremental::link_new(table, n_old, &old_ids, model, self.threshold, self.progress)?;
        self.progress.note(&format!(
            "linked {} new records into {} existing; {} entities merged",
            table.len() - n_old,
            n_old,
            res.merged.len()
        ));
        let labels = evaluate::labels(&res.entity);
        let count = labels.iter().map(|l| *l as usize + 1).max().unwrap_or(0);
        let mut names = vec![String::new(); count];
        for (l, e) in labels.iter().zip(&res.entity) {
            if names[*l as usize].is_empty() {
                names[*l as usize].clone_from(e);
            }
        }
        let clusters = Clusters {
            cluster_of: labels,
            count,
        };
        self.progress.stage("finding weak links", 0, 1);
        let weak = weak_links(&clusters, pairs, self.threshold, self.weak_below());
        Ok(Entities {
            names,
            clusters,
            weak,
        })
    }

    /// Clusters the pairs into new entities (split at weak links with `--split-weak`).
    fn cluster_anew(&self, table: &Table, pairs: &[ScoredPair]) -> Entities {
        let (threshold, weak_below) = (self.threshold, self.weak_below());
        let dup_free: Vec<bool> = table
            .sources
            .iter()
            .map(|s| self.cfg.duplicate_free.iter().any(|d| d == s))
            .collect();
        let mut c = cluster(table, pairs, threshold, &dup_free);
        self.progress.stage("finding weak links", 0, 1);
        let mut weak = weak_links(&c, pairs, threshold, weak_below);
        if self.options.split_weak && !weak.is_empty() {
            c = split_weak(table.len(), pairs, threshold, &weak);
            weak = weak_links(&c, pairs, threshold, weak_below);
        }
        self.progress.stage("assigning entity ids", 0, 1);
        let (names, _) = incremental::assign_cluster_ids(table, &c.cluster_of, &[]);
        Entities {
            names,
            clusters: c,
            weak,
        }
    }

    /// Below this probability a link inside an entity is weak.
    fn weak_below(&self) -> f64 {
        self.cfg.weak_link_below.unwrap_or(0.9)
    }

    /// `--truth`: pairwise and cluster accuracy against the truth file.
    fn accuracy(
        &self,
        truth: &Path,
        table: &Table,
        pairs: &[ScoredPair],
        clusters: &Clusters,
    ) -> Result<(Scores, ClusterScores)> {
        self.progress.stage("reading truth", 0, 1);
        let labels = read_truth(truth, table)?;
        self.progress.stage("measuring accuracy", 0, 1);
        let cross = self.link_type == LinkType::Link;
        let tw = wholeplace_linkage::weight_of(self.threshold);
        let p = evaluate::pairwise(
            table,
            &labels,
            pairs.iter().filter(|p| p.weight >= tw).map(|p| (p.a, p.b)),
            cross,
        );
        let c = evaluate::clusters(table, &labels, clusters, cross);
        self.progress.note(&format!(
            "accuracy: pairwise precision {:.4} recall {:.4} F1 {:.4}; cluster pairs F1 {:.4}; exact entities {:.4}",
            p.precision, p.recall, p.f1, c.pairs.f1, c.exact_entities
        ));
        Ok((p, c))
    }
}

/// Reads a model saved by `--save-model`.
fn load_model(p: &Path) -> Result<Model> {
    serde_json::from_str(
        &std::fs::read_to_string(p)
            .with_context(|| format!("cannot read the model {}", p.display()))?,
    )
    .with_context(|| format!("{} is not a model saved by --save-model", p.display()))
}

/// Reads a Splink settings JSON with trained m and u.
fn load_splink_settings(p: &Path) -> Result<splink::SplinkModel> {
    splink::load(
        &std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?,
    )
    .with_context(|| format!("Splink settings {}", p.display()))
}

/// The columns that Splink settings name (in their comparisons, then their blocking rules),
/// typed as the person columns of the same name are, or as text.
fn splink_columns(settings: &Settings, person: &PersonColumns) -> Vec<ColumnSpec> {
    let mut names: Vec<String> = Vec::new();
    for c in &settings.comparisons {
        for l in &c.levels {
            let _ = l.when.try_map(&mut |c: &String| -> Result<(), ()> {
                if !names.contains(c) {
                    names.push(c.clone());
                }
                Ok(())
            });
        }
    }
    for r in &settings.blocking {
        for p in &r.0 {
            if !names.contains(&p.column) {
                names.push(p.column.clone());
            }
        }
    }
    let known = person.column_specs();
    names
        .iter()
        .map(|n| {
            known
                .iter()
                .find(|s| &s.name == n)
                .cloned()
                .unwrap_or_else(|| ColumnSpec::new(n, ColumnKind::Text))
        })
        .collect()
}

/// The date columns read with the configuration's `date_formats`, when it gives any.
fn with_date_formats(specs: Vec<ColumnSpec>, date_formats: &[String]) -> Vec<ColumnSpec> {
    if date_formats.is_empty() {
        return specs;
    }
    specs
        .into_iter()
        .map(|mut s| {
            if let ColumnKind::Date { formats } = &mut s.kind {
                *formats = date_formats
                    .iter()
                    .map(|f| wholeplace_linkage::standardise::DateFormat(f.clone()))
                    .collect();
            }
            s
        })
        .collect()
}

/// The ten pairs closest to the threshold, explained, closest first.
fn near_threshold(
    linker: &Linker<'_>,
    model: &Model,
    pairs: &[ScoredPair],
    threshold: f64,
) -> Vec<Explanation> {
    let tw = wholeplace_linkage::weight_of(threshold);
    let mut near: Vec<&ScoredPair> = pairs.iter().collect();
    let closer = |a: &&ScoredPair, b: &&ScoredPair| {
        (a.weight - tw)
            .abs()
            .total_cmp(&(b.weight - tw).abs())
            .then((a.a, a.b).cmp(&(b.a, b.b)))
    };
    if near.len() > 10 {
        near.select_nth_unstable_by(10, closer);
        near.truncate(10);
    }
    near.sort_by(closer);
    near.iter()
        .take(10)
        .map(|p| linker.explain(model, p.a as usize, p.b as usize))
        .collect()
}

fn read_existing(path: &Path) -> Result<HashMap<(String, String), String>> {
    let mut r =
        csv::Reader::from_path(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut m = HashMap::new();
    for (line, rec) in r.records().enumerate() {
        let rec = rec.with_context(|| format!("{}, line {}", path.display(), line + 2))?;
        ensure!(
            rec.len() >= 3,
            "{}, line {}: expected source, record_id, entity_id (a clusters.csv written by wholeplace link)",
            path.display(),
            line + 2
        );
        m.insert((rec[0].to_owned(), rec[1].to_owned()), rec[2].to_owned());
    }
    Ok(m)
}

/// Reads the truth file as a dense entity label per record of the table. Truth files usually
/// list the records in the table's order, so each row is first checked against the record at
/// its own position; an index by (source, id) is built only when that fails.
/// Records by (source, id), as bytes.
type RecordIndex<'a> = HashMap<(&'a [u8], &'a [u8]), usize>;

fn read_truth(path: &Path, table: &Table) -> Result<Vec<u32>> {
    let mut index: Option<RecordIndex<'_>> = None;
    let mut names: HashMap<Box<[u8]>, u32, std::hash::BuildHasherDefault<Fnv>> = HashMap::default();
    let mut truth: Vec<u32> = vec![u32::MAX; table.len()];
    let mut r =
        csv::Reader::from_path(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut rec = csv::ByteRecord::new();
    let mut line = 1;
    while r
        .read_byte_record(&mut rec)
        .with_context(|| format!("{}, line {}", path.display(), line + 1))?
    {
        let k = line - 1;
        line += 1;
        ensure!(
            rec.len() >= 3,
            "{}, line {line}: expected source, record_id, entity",
            path.display()
        );
        let at = if k < table.len()
            && table.source_name(k).as_bytes() == &rec[0]
            && table.id(k).as_bytes() == &rec[1]
        {
            Some(k)
        } else {
            index
                .get_or_insert_with(|| {
                    (0..table.len())
                        .map(|i| ((table.source_name(i).as_bytes(), table.id(i).as_bytes()), i))
                        .collect()
                })
                .get(&(&rec[0], &rec[1]))
                .copied()
        };
        if let Some(i) = at {
            let next = names.len() as u32;
            truth[i] = match names.get(&rec[2]) {
                Some(&l) => l,
                None => {
                    names.insert(rec[2].into(), next);
                    next
                }
            };
        }
    }
    if let Some(i) = truth.iter().position(|&t| t == u32::MAX) {
        bail!(
            "{}: no truth for record {} of {}",
            path.display(),
            table.id(i),
            table.source_name(i)
        );
    }
    Ok(truth)
}

/// FNV-1a, for short keys read from files (truth labels).
#[derive(Default)]
struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// A CSV field guarded against formula injection in spreadsheets (the tabular crate's one
/// guard, used by every CSV the project writes).
fn write_guarded<W: std::io::Write>(w: &mut csv::Writer<W>, s: &str) -> csv::Result<()> {
    w.write_field(wholeplace_tabular::guard_text(s))
}

fn write_pairs(
    path: &Path,
    table: &Table,
    model: &Model,
    pairs: &[wholeplace_linkage::ScoredPair],
) -> Result<()> {
    use rayon::prelude::*;
    use std::fmt::Write as _;
    let mut out = std::io::BufWriter::with_capacity(
        1 << 20,
        std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?,
    );
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut head = vec![
        "source_l".to_owned(),
        "record_id_l".into(),
        "source_r".into(),
        "record_id_r".into(),
        "match_weight".into(),
        "match_probability".into(),
    ];
    head.extend(
        model
            .settings
            .comparisons
            .iter()
            .map(|c| format!("{}_level", c.name)),
    );
    w.write_record(&head)?;
    out.write_all(&w.into_inner().map_err(|e| JobError::new(e.to_string()))?)?;
    // Rows are formatted in parallel a batch at a time and written in order, so memory stays
    // at one batch whatever the number of pairs.
    const CHUNK: usize = 16_384;
    for batch in pairs.chunks(CHUNK * 8) {
        let parts: Vec<Result<Vec<u8>>> = batch
            .par_chunks(CHUNK)
            .map(|chunk| {
                let mut w = csv::Writer::from_writer(Vec::with_capacity(chunk.len() * 128));
                let mut num = String::new();
                for p in chunk {
                    let (a, b) = (p.a as usize, p.b as usize);
                    write_guarded(&mut w, table.source_name(a))?;
                    write_guarded(&mut w, table.id(a))?;
                    write_guarded(&mut w, table.source_name(b))?;
                    write_guarded(&mut w, table.id(b))?;
                    num.clear();
                    write!(num, "{:.3}", p.weight)?;
                    w.write_field(&num)?;
                    num.clear();
                    write!(num, "{:.6}", p.probability())?;
                    w.write_field(&num)?;
                    for k in 0..model.params.len() {
                        w.write_field(&model.params[k][p.level(k) as usize].label)?;
                    }
                    w.write_record(None::<&[u8]>)?;
                }
                w.into_inner().map_err(|e| JobError::new(e.to_string()))
            })
            .collect();
        for part in parts {
            out.write_all(&part?)?;
        }
    }
    out.flush()
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn write_clusters(
    path: &Path,
    table: &Table,
    names: &[String],
    clusters: &wholeplace_linkage::Clusters,
    hh: &wholeplace_linkage::Clusters,
) -> Result<()> {
    use std::fmt::Write as _;
    let mut w = std::io::BufWriter::with_capacity(
        1 << 20,
        std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?,
    );
    writeln!(w, "source,record_id,entity_id,household")?;
    let mut cw = csv::Writer::from_writer(w);
    let mut household = String::new();
    for i in 0..table.len() {
        write_guarded(&mut cw, table.source_name(i))?;
        write_guarded(&mut cw, table.id(i))?;
        cw.write_field(&names[clusters.cluster_of[i] as usize])?;
        household.clear();
        write!(household, "H{}", hh.cluster_of[i])?;
        cw.write_field(&household)?;
        cw.write_record(None::<&[u8]>)?;
    }
    cw.flush()?;
    Ok(())
}

fn write_weak(
    path: &Path,
    table: &Table,
    names: &[String],
    clusters: &wholeplace_linkage::Clusters,
    weak: &[wholeplace_linkage::WeakLink],
) -> Result<()> {
    let mut w =
        csv::Writer::from_path(path).with_context(|| format!("cannot write {}", path.display()))?;
    w.write_record([
        "entity_id",
        "source_l",
        "record_id_l",
        "source_r",
        "record_id_r",
        "match_probability",
    ])?;
    for l in weak {
        let (a, b) = (l.pair.a as usize, l.pair.b as usize);
        w.write_record([
            names[clusters.cluster_of[a] as usize].clone(),
            wholeplace_tabular::guard_text(table.source_name(a)),
            wholeplace_tabular::guard_text(table.id(a)),
            wholeplace_tabular::guard_text(table.source_name(b)),
            wholeplace_tabular::guard_text(table.id(b)),
            format!("{:.6}", l.pair.probability()),
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// Writes synthetic UK-style extracts with known truth: `<agency>.csv` files and truth.csv in
/// `options.output_dir`. Returns the number of records written.
///
/// # Errors
/// When an option is out of range or the output directory cannot be written.
pub fn synth(options: &SynthOptions) -> Result<u64> {
    use wholeplace_linkage::synth::{COLUMNS, SynthConfig, generate, source_name as agency};
    ensure!(
        options.sources >= 1 && options.sources <= 60,
        "--sources {}: give between 1 and 60",
        options.sources
    );
    std::fs::create_dir_all(&options.output_dir)
        .with_context(|| format!("cannot create {}", options.output_dir.display()))?;
    let mut cfg = SynthConfig::new(options.people, options.seed, options.sources);
    if let Some(d) = options.duplicate_rate {
        ensure!(
            (0.0..0.95).contains(&d),
            "--duplicate-rate {d}: give a probability below 0.95"
        );
        cfg.duplicate_rate = d;
    }
    cfg.corruption = options.corruption;
    let mut writers = (0..options.sources)
        .map(|s| {
            let p = options.output_dir.join(format!("{}.csv", agency(s)));
            let mut w = csv::Writer::from_writer(std::io::BufWriter::with_capacity(
                1 << 20,
                std::fs::File::create(&p)
                    .with_context(|| format!("cannot write {}", p.display()))?,
            ));
            w.write_record(COLUMNS)?;
            Ok(w)
        })
        .collect::<Result<Vec<_>>>()?;
    let tp = options.output_dir.join("truth.csv");
    let mut truth = csv::Writer::from_writer(std::io::BufWriter::with_capacity(
        1 << 20,
        std::fs::File::create(&tp).with_context(|| format!("cannot write {}", tp.display()))?,
    ));
    truth.write_record(["source", "record_id", "person", "household"])?;
    let mut err: Option<JobError> = None;
    let mut n = 0u64;
    generate(&cfg, |r| {
        if err.is_some() {
            return;
        }
        n += 1;
        let res = (|| -> Result<()> {
            let w = &mut writers[r.source];
            w.write_field(&r.record_id)?;
            for v in &r.values {
                w.write_field(v)?;
            }
            w.write_record(None::<&[u8]>)?;
            truth.write_record([
                format!("{}.csv", agency(r.source)),
                r.record_id.clone(),
                format!("P{}", r.person),
                format!("H{}", r.household),
            ])?;
            Ok(())
        })();
        if let Err(e) = res {
            err = Some(e);
        }
    });
    if let Some(e) = err {
        return Err(e);
    }
    for w in &mut writers {
        w.flush()?;
    }
    truth.flush()?;
    Ok(n)
}
