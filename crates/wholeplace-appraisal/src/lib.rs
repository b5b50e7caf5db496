//! wholeplace's evidence engine: the HM Treasury Green Book cost-benefit method with its 2014
//! local-partnership supplement, as a pure library. It prices service use with a unit-cost library
//! (the GMCA Unit Cost Database v1.4 ships inside it), uprates values to one price base, projects
//! the cost of doing nothing, appraises To Be options by agency and year, and explains every figure.
//!
//! Nothing here does IO, reads a clock or the environment, or uses async: the caller supplies the
//! model text, any extra reference data and the seeded random generator.
//!
//! Entry points: [`model::parse_model_toml`], [`Engine::prepare`], [`appraise::appraise`],
//! [`montecarlo::monte_carlo`], [`unitcost::UnitCostLibrary::search`].

pub mod check;
pub mod csvtext;
mod mcblock;
pub mod model;
pub mod montecarlo;
pub mod params;
pub mod price;
pub mod rng;
pub mod sampler;
pub mod unitcost;

pub use params::{DiscountSchedule, ParameterSet};
pub use price::{DeflatorSeries, PriceError, Priced};
pub use rng::{RandomSource, SeededRng};
pub use unitcost::{ATTRIBUTION, LocalUnitCost, Query, UnitCost, UnitCostLibrary};
pub mod appraise;
pub mod asis;
pub mod prepare;
pub mod realised;

pub use appraise::{AppraisalResults, appraise, appraise_figures, explanations};
pub use model::{ModelErrors, ModelFile, parse_model_toml};
pub use prepare::{Engine, PreparedModel};
