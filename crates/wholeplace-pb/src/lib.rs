//! wholeplace's participatory budgeting engine (pure: no IO, no clock).
//!
//! - [`pabulib`]: the `.pb` format read (errors by line and column, with their fix) and written;
//! - [`check`]: the pabulib checker's errors, re-implemented;
//! - [`ballot`]: ballot kinds (approval, knapsack, cumulative points; minimum and maximum numbers
//!   of projects; the blank vote) and the check of one ballot against them;
//! - [`profile`]: the election as the rules count it;
//! - [`rules`] and [`count`]: greedy and the Method of Equal Shares (add-one completion,
//!   comparison step), in exact ([`Exact`]) or floating ([`Float`]) arithmetic, explained.
//!
//! The format and the published elections the tests use come from pabulib (Faliszewski, Flis,
//! Peters, Pierczyński, Skowron, Stolicki, Szufa and Talmon, "Participatory Budgeting: Data,
//! Tools, and Analysis", IJCAI 2023).

pub mod amount;
pub mod ballot;
pub mod check;
pub mod count;
pub mod pabulib;
pub mod profile;
pub mod rules;

pub use amount::{Amount, Exact, Float};
pub use count::count;
pub use pabulib::{Election, ParseError, parse, write};
pub use profile::Profile;
pub use rules::{Lot, Outcome, ProjectResult, Rule, RuleError};

/// Counts a parsed election by `rule` (or, when None, the rule its META names, else add-one
/// Equal Shares) in exact arithmetic.
pub fn results(election: &Election, rule: Option<Rule>, lot: &Lot) -> Result<Outcome, RuleError> {
    let rule = rule
        .or_else(|| election.meta_value("rule").and_then(Rule::parse))
        .unwrap_or(Rule::EqualSharesAdd1);
    count::<Exact>(&Profile::from_election(election), rule, lot)
}
