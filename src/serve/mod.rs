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
pub mod web;

pub use error::{ApiError, ErrorBody, Message};
pub use handlers::ApiDoc;

use crate::model::Map;
use crate::network::{GraphParams, RoadGraph};
use crate::plan::engine::{Planned, Planner};
use crate::plan::{PlanParams, Scenario};
use crate::spatial::Frame;
use crate::store::{AuditEntry, NewPlanRun, Store};
use axum::Router;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use time::OffsetDateTime;

/// Shared state of the service: the store (one connection behind a lock), the audit writer,
/// the clock, and the planning engine held in memory (the stored map planned once; pins
/// re-plan a district).
#[derive(Clone)]
pub struct AppState {
    store: Arc<Mutex<Store>>,
    audit: AuditSink,
    clock: Arc<dyn Fn() -> OffsetDateTime + Send + Sync>,
    engine: Option<Arc<Mutex<Engine>>>,
}

/// Where the service appends audit rows. With a database file: a writer thread with its own
/// connection that commits every row waiting at that moment in one transaction (group
/// commit: one fsync for many reads); a request is answered only after its row is committed.
/// In memory (tests): the shared connection.
#[derive(Clone)]
enum AuditSink {
    Shared,
    Group(mpsc::Sender<AuditJob>),
}

/// A row to append, and where to say it was committed.
struct AuditJob {
    entry: AuditEntry,
    at: OffsetDateTime,
    done: tokio::sync::oneshot::Sender<bool>,
}

/// At most this many rows per group commit (a bound on one transaction's size, not a policy).
const AUDIT_BATCH_MAX: usize = 512;

impl AuditSink {
    /// A group-commit writer on the store's file, or the shared connection for a store in
    /// memory (or when a second connection cannot be opened).
    fn for_store(store: &Store) -> Self {
        let Some(path) = store.path() else {
            return AuditSink::Shared;
        };
        let writer = match Store::open(path) {
            Ok(w) => w,
            Err(e) => {
                tracing::warn!(error = %e, "audit writer: no second connection, audit rows go through the shared one");
                return AuditSink::Shared;
            }
        };
        let (tx, rx) = mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("audit-writer".into())
            .spawn(move || audit_writer(writer, rx));
        match spawned {
            Ok(_) => AuditSink::Group(tx),
            Err(e) => {
                tracing::warn!(error = %e, "audit writer: no thread, audit rows go through the shared one");
                AuditSink::Shared
            }
        }
    }
}

/// The writer thread: takes every job waiting, appends them in one transaction, answers each.
/// Ends when the service (every sender) is gone.
fn audit_writer(mut store: Store, rx: mpsc::Receiver<AuditJob>) {
    while let Ok(first) = rx.recv() {
        let mut jobs = vec![first];
        while jobs.len() < AUDIT_BATCH_MAX {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        let rows: Vec<(&AuditEntry, OffsetDateTime)> =
            jobs.iter().map(|j| (&j.entry, j.at)).collect();
        let ok = match store.append_audit_batch(&rows) {
            Ok(_) => true,
            Err(e) => {
                tracing::error!(error = %e, rows = jobs.len(), "audit rows not committed");
                false
            }
        };
        for j in jobs {
            // The request may have gone (client closed): its row is committed all the same.
            let _ = j.done.send(ok);
        }
    }
}

/// The stored map held for planning, and its current plans.
pub struct Engine {
    pub planner: Planner,
    pub planned: Planned,
    /// The scenario as stored with each plan run (JSON).
    pub scenario_json: String,
}

impl AppState {
    pub fn new(store: Store, clock: impl Fn() -> OffsetDateTime + Send + Sync + 'static) -> Self {
        AppState {
            audit: AuditSink::for_store(&store),
            store: Arc::new(Mutex::new(store)),
            clock: Arc::new(clock),
            engine: None,
        }
    }

    /// With an engine: a PATCH that pins a helper or destination re-plans the person's district
    /// and saves the re-planned plans with the edit.
    pub fn with_engine(mut self, engine: Engine) -> Self {
        self.engine = Some(Arc::new(Mutex::new(engine)));
        self
    }
    fn now(&self) -> OffsetDateTime {
        (self.clock)()
    }
    fn store(&self) -> Result<std::sync::MutexGuard<'_, Store>, ApiError> {
        self.store.lock().map_err(|_| ApiError::internal())
    }
    /// Appends `entry` to the audit log; returns once it is committed.
    async fn audit(&self, entry: AuditEntry, at: OffsetDateTime) -> Result<(), ApiError> {
        self.audit_all(vec![entry], at).await
    }
    /// Appends every entry to the audit log (one commit for all of them); returns once they
    /// are committed.
    async fn audit_all(
        &self,
        entries: Vec<AuditEntry>,
        at: OffsetDateTime,
    ) -> Result<(), ApiError> {
        match &self.audit {
            AuditSink::Shared => {
                let batch: Vec<(&AuditEntry, OffsetDateTime)> =
                    entries.iter().map(|e| (e, at)).collect();
                self.store()?.append_audit_batch(&batch)?;
                Ok(())
            }
            AuditSink::Group(tx) => {
                // Queue them all first, so the writer commits them together.
                let mut waiting = Vec::with_capacity(entries.len());
                for entry in entries {
                    let (done, committed) = tokio::sync::oneshot::channel();
                    tx.send(AuditJob { entry, at, done })
                        .map_err(|_| ApiError::internal())?;
                    waiting.push(committed);
                }
                for committed in waiting {
                    if committed.await != Ok(true) {
                        return Err(ApiError::internal());
                    }
                }
                Ok(())
            }
        }
    }
    fn engine(&self) -> Result<Option<std::sync::MutexGuard<'_, Engine>>, ApiError> {
        self.engine
            .as_ref()
            .map(|e| e.lock().map_err(|_| ApiError::internal()))
            .transpose()
    }
}

/// The service's routes: the JSON API (`/api/...`) and the web app (`/`, [`web`]).
pub fn router(state: AppState) -> Router {
    handlers::routes().merge(web::routes()).with_state(state)
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

/// Holds the stored map for planning and plans it with `scenario` and `params` (as of the map's
/// `as_of`, else `now`'s date).
pub fn engine_for(
    store: &Store,
    scenario: &Scenario,
    params: &PlanParams,
    now: OffsetDateTime,
) -> Result<Engine, SetupError> {
    let map: Map = store.map()?;
    let graph = RoadGraph::build(&map.roads, Frame::for_map(&map), GraphParams::default())
        .map_err(|e| SetupError::Graph(Box::new(e)))?;
    let as_of = map.meta.as_of.unwrap_or(now.date());
    let planner = Planner::new(map, graph, params.clone());
    let planned = planner
        .plan(scenario, as_of, None, &mut |_, _| {})
        .map_err(SetupError::Plan)?;
    Ok(Engine {
        planner,
        planned,
        scenario_json: serde_json::to_string(scenario).map_err(SetupError::Json)?,
    })
}

/// `plans` as stored: (person id, plan JSON).
pub(crate) fn plan_rows<'a>(
    plans: impl Iterator<Item = &'a crate::plan::Plan>,
) -> Result<Vec<(String, serde_json::Value)>, serde_json::Error> {
    plans
        .map(|p| Ok((p.person.clone(), serde_json::to_value(p)?)))
        .collect()
}

/// Stores every plan of `engine` as that person's current plan (a new plan run). Returns the
/// run id.
pub fn record_engine_run(
    store: &mut Store,
    engine: &Engine,
    now: OffsetDateTime,
    user: &str,
) -> Result<i64, SetupError> {
    let run = engine.planned.run();
    let plans = plan_rows(run.plans.iter()).map_err(SetupError::Json)?;
    let summary = serde_json::to_value(&run.summary).map_err(SetupError::Json)?;
    let id = store.record_plan_run(
        &NewPlanRun {
            scenario: &engine.scenario_json,
            parameters: "default",
            as_of: engine.planned.as_of(),
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
