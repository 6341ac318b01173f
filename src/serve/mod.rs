//! The service (`mimamori serve`): an axum router over the [`Store`], with bearer-token users,
//! roles, consent and an audit log of every read of a personal field.
//!
//! - Roles: `city` (every district; switches disaster mode; reads the audit log),
//!   `coordinator` (own district: full plans, edits, statuses), `helper` (only the people whose
//!   plan names their volunteer id, only the helper fields, and only with the person's
//!   平常時提供同意 or in disaster mode), `viewer` (aggregates only).
//! - A person outside one's scope is answered exactly like a missing id (404); a role that may
//!   never use an endpoint gets 403.
//! - Redaction happens in one place: `From<(&StoredPlan, &Access)> for PlanView`.

mod error;
mod handlers;
pub mod views;

pub use error::{ApiError, ErrorBody, Message};
pub use handlers::ApiDoc;

use crate::model::Map;
use crate::network::{GraphParams, RoadGraph};
use crate::plan::{PlanParams, Scenario};
use crate::spatial::Frame;
use crate::store::{NewPlanRun, Store};
use axum::Router;
use std::sync::{Arc, Mutex};
use time::OffsetDateTime;

/// Shared state of the service: the store (one connection behind a lock) and the clock.
#[derive(Clone)]
pub struct AppState {
    store: Arc<Mutex<Store>>,
    clock: Arc<dyn Fn() -> OffsetDateTime + Send + Sync>,
}

impl AppState {
    pub fn new(store: Store, clock: impl Fn() -> OffsetDateTime + Send + Sync + 'static) -> Self {
        AppState {
            store: Arc::new(Mutex::new(store)),
            clock: Arc::new(clock),
        }
    }
    fn now(&self) -> OffsetDateTime {
        (self.clock)()
    }
    fn store(&self) -> Result<std::sync::MutexGuard<'_, Store>, ApiError> {
        self.store.lock().map_err(|_| ApiError::internal())
    }
}

/// The service's routes (`/api/...`).
pub fn router(state: AppState) -> Router {
    handlers::routes().with_state(state)
}

/// Why the service could not plan the stored map.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("cannot build the road graph")]
    Graph(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("cannot plan the stored map")]
    Plan(#[source] crate::plan::PlanError),
    #[error("cannot write a plan as JSON")]
    Json(#[source] serde_json::Error),
}

/// Plans the stored map with `scenario` and `params` (as of the map's `as_of`, else `now`'s
/// date) and stores every plan as that person's current plan. Returns the run id.
pub fn plan_stored_map(
    store: &mut Store,
    scenario: &Scenario,
    params: &PlanParams,
    now: OffsetDateTime,
    user: &str,
) -> Result<i64, SetupError> {
    let map: Map = store.map()?;
    let graph = RoadGraph::build(&map.roads, Frame::for_map(&map), GraphParams::default())
        .map_err(|e| SetupError::Graph(Box::new(e)))?;
    let as_of = map.meta.as_of.unwrap_or(now.date());
    let run = crate::plan::plan(&map, &graph, scenario, params, as_of).map_err(SetupError::Plan)?;
    let plans = run
        .plans
        .iter()
        .map(|p| Ok((p.person.clone(), serde_json::to_value(p)?)))
        .collect::<Result<Vec<_>, serde_json::Error>>()
        .map_err(SetupError::Json)?;
    let summary = serde_json::to_value(&run.summary).map_err(SetupError::Json)?;
    let scenario_text = serde_json::to_string(scenario).map_err(SetupError::Json)?;
    let id = store.record_plan_run(
        &NewPlanRun {
            scenario: &scenario_text,
            parameters: "default",
            as_of,
            summary: &summary,
        },
        &plans,
        now,
        user,
    )?;
    Ok(id)
}

/// True when the store holds at least one current plan.
pub fn has_plans(store: &Store) -> Result<bool, crate::store::StoreError> {
    let n: i64 = store
        .connection()
        .query_row("SELECT COUNT(*) FROM current_plans", [], |r| r.get(0))
        .map_err(crate::store::StoreError::from)?;
    Ok(n > 0)
}
