//! Planning: turning people, helpers, shelters and routes into evacuation plans. Pure, no I/O.
//!
//! - [`scenario`]: the disaster a plan is drafted for.
//! - [`params`]: every policy number, with the documented parameter file.
//! - [`matching`]: the exact helper matching (and destination assignment under capacity).
//! - [`types`]: the plan values the engine produces.

pub mod engine;
pub mod matching;
pub mod params;
pub mod scenario;
pub mod types;

pub use engine::{PlanError, PlanParams, PlanRun, plan};
pub use scenario::{
    DEFAULT_SCENARIO_NAME, Scenario, Season, TimeOfDay, scenario_name, scenario_title,
};
pub use types::*;
