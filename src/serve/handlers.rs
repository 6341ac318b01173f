//! The endpoints.

use super::views::{
    Access, DistrictSummary, PersonRow, PersonSummary, PlanView, ReasonView, StoredPlan,
    UncoveredView, access,
};
use super::{ApiError, AppState, ErrorBody};
use crate::model::Lang;
use crate::model::{Concern, Referral, WatchMethod, WatchOutcome};
use crate::plan::engine::Change;
use crate::plan::{Plan, PlanError, Reason};
use crate::store::{
    AuditEntry, AuditFilter, NewPlanRun, NewWatchRecord, PlanEdit, PlanStatus, ReviewPolicy, Store,
    User, UserRole,
};
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::routing::{get, post};
use axum::{Json, Router};
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, OpenApi, ToSchema};

/// The OpenAPI description served at `GET /api/openapi.json`.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "mimamori",
        description = "個別避難計画の管理 — individual evacuation plans"
    ),
    paths(
        health,
        districts,
        people,
        get_plan,
        get_sheet,
        patch_plan,
        uncovered,
        add_watch_record,
        disaster_mode,
        audit
    ),
    components(schemas(ErrorBody, PlanView, PersonSummary, DistrictSummary, UncoveredView))
)]
pub struct ApiDoc;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/health", get(health))
        .route("/api/openapi.json", get(openapi))
        .route("/api/districts", get(districts))
        .route("/api/people", get(people))
        .route("/api/people/{id}/plan", get(get_plan).patch(patch_plan))
        .route("/api/people/{id}/sheet", get(get_sheet))
        .route("/api/uncovered", get(uncovered))
        .route("/api/watch-records", post(add_watch_record))
        .route("/api/disaster-mode", post(disaster_mode))
        .route("/api/audit", get(audit))
}

// ---------------------------------------------------------------- authentication

/// The signed-in user (from `Authorization: Bearer TOKEN`).
pub struct Caller(pub User);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(ApiError::unauthorized)?;
        user_for_token(state, token).map(Caller)
    }
}

/// The user holding `token` (the API's bearer token, the web app's session cookie); 401
/// otherwise.
pub(super) fn user_for_token(state: &AppState, token: &str) -> Result<User, ApiError> {
    state
        .store()?
        .user_by_token(token)?
        .ok_or_else(ApiError::unauthorized)
}

pub(super) fn require(user: &User, roles: &[UserRole]) -> Result<(), ApiError> {
    if roles.contains(&user.role) {
        Ok(())
    } else {
        Err(ApiError::forbidden())
    }
}

/// The district a list covers: city any (or all), coordinators their own; others 403.
pub(super) fn district_scope(user: &User, asked: Option<&str>) -> Result<Option<String>, ApiError> {
    match user.role {
        UserRole::City => Ok(asked.map(str::to_owned)),
        UserRole::Coordinator => match (asked, user.district.as_deref()) {
            (None, Some(own)) => Ok(Some(own.to_owned())),
            (Some(a), Some(own)) if a == own => Ok(Some(own.to_owned())),
            _ => Err(ApiError::forbidden()),
        },
        _ => Err(ApiError::forbidden()),
    }
}

// ---------------------------------------------------------------- reading the store

pub(super) fn person_row(store: &Store, id: &str) -> Result<Option<PersonRow>, ApiError> {
    Ok(store
        .connection()
        .prepare_cached("SELECT id, district, consent_share FROM people WHERE id = ?1")
        .and_then(|mut st| {
            st.query_row([id], |r| {
                Ok(PersonRow {
                    id: r.get(0)?,
                    district: r.get(1)?,
                    consent_share: r.get::<_, i64>(2)? != 0,
                })
            })
            .optional()
        })
        .map_err(crate::store::StoreError::from)?)
}

pub(super) fn stored_plan(
    store: &Store,
    person: PersonRow,
) -> Result<Option<StoredPlan>, ApiError> {
    let Some((run_id, json)) = store.current_plan_text(&person.id)? else {
        return Ok(None);
    };
    let plan: Plan = serde_json::from_str(&json).map_err(|e| {
        tracing::error!(line = e.line(), "stored plan cannot be read");
        ApiError::internal()
    })?;
    let status = store.status(&person.id)?;
    let pin = store.pin(&person.id)?;
    Ok(Some(StoredPlan {
        person,
        run_id,
        plan,
        status,
        pin,
    }))
}

/// The person's plan and what `user` may see of it; 404 for a missing id, a person outside
/// the user's scope, or (in scope) a person without a plan.
pub(super) fn plan_in_scope(
    store: &Store,
    user: &User,
    id: &str,
) -> Result<(StoredPlan, Access), ApiError> {
    require(
        user,
        &[UserRole::City, UserRole::Coordinator, UserRole::Helper],
    )?;
    let person = person_row(store, id)?.ok_or_else(ApiError::not_found)?;
    let disaster = store.disaster_mode()?;
    let stored = stored_plan(store, person.clone())?;
    let acc = access(user, &person, stored.as_ref().map(|s| &s.plan), disaster)
        .ok_or_else(ApiError::not_found)?;
    let stored = stored.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "no_plan",
            "この方の計画はまだありません（作成の同意がないか、未計画です）。",
            "This person has no plan yet (no consent to drafting, or not planned).",
        )
    })?;
    Ok((stored, acc))
}

/// Appends the read of `view`'s personal fields to the audit log; returns once it is
/// committed (the answer is sent only after that).
pub(super) async fn audit_read(
    state: &AppState,
    user: &User,
    view: &PlanView,
    why: String,
    now: time::OffsetDateTime,
) -> Result<(), ApiError> {
    state
        .audit(
            AuditEntry {
                user: user.name.clone(),
                person_id: Some(view.person.clone()),
                fields: view.fields.clone(),
                reason: why,
            },
            now,
        )
        .await
}

/// Per person: district, status, band, needs_help, covered, has plan, consent_plan, reasons.
struct Row {
    id: String,
    district: String,
    status: String,
    band: Option<String>,
    needs_help: bool,
    covered: bool,
    has_plan: bool,
    consent_plan: bool,
    reasons: Option<String>,
}

fn rows(store: &Store, district: Option<&str>) -> Result<Vec<Row>, ApiError> {
    let mut st = store
        .connection()
        .prepare(
            "SELECT p.id, p.district, COALESCE(s.status, 'not_started'), \
             json_extract(c.plan_json, '$.priority.band'), \
             COALESCE(json_extract(c.plan_json, '$.needs_help'), 0), \
             COALESCE(json_extract(c.plan_json, '$.covered'), 0), c.person_id IS NOT NULL, \
             p.consent_plan, json_extract(c.plan_json, '$.reasons') \
             FROM people p LEFT JOIN current_plans c ON c.person_id = p.id \
             LEFT JOIN plan_status s ON s.person_id = p.id \
             WHERE (?1 IS NULL OR p.district = ?1) ORDER BY p.id",
        )
        .map_err(crate::store::StoreError::from)?;
    let rows = st
        .query_map([district], |r| {
            Ok(Row {
                id: r.get(0)?,
                district: r.get(1)?,
                status: r.get(2)?,
                band: r.get(3)?,
                needs_help: r.get::<_, i64>(4)? != 0,
                covered: r.get::<_, i64>(5)? != 0,
                has_plan: r.get(6)?,
                consent_plan: r.get::<_, i64>(7)? != 0,
                reasons: r.get(8)?,
            })
        })
        .and_then(|it| it.collect::<rusqlite::Result<Vec<_>>>())
        .map_err(crate::store::StoreError::from)?;
    Ok(rows)
}

fn is_uncovered(r: &Row) -> bool {
    if r.has_plan {
        r.needs_help && !r.covered
    } else {
        true
    }
}

pub(super) fn known_district(store: &Store, code: &str) -> Result<(), ApiError> {
    let n: i64 = store
        .connection()
        .query_row(
            "SELECT COUNT(*) FROM districts WHERE code = ?1",
            [code],
            |r| r.get(0),
        )
        .map_err(crate::store::StoreError::from)?;
    if n == 0 {
        return Err(crate::store::StoreError::UnknownDistrict {
            code: code.to_owned(),
        }
        .into());
    }
    Ok(())
}

// ---------------------------------------------------------------- endpoints

/// Service health.
#[derive(Serialize, ToSchema)]
pub struct Health {
    pub status: String,
    pub disaster_mode: bool,
}

/// Whether the service runs (no token needed).
#[utoipa::path(get, path = "/api/health", responses((status = 200, body = Health)))]
async fn health(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    let disaster = state.store()?.disaster_mode()?;
    Ok(Json(Health {
        status: "ok".into(),
        disaster_mode: disaster,
    }))
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// Aggregates per district (every role; no personal field).
#[utoipa::path(get, path = "/api/districts", responses(
    (status = 200, body = Vec<DistrictSummary>), (status = 401, body = ErrorBody)))]
async fn districts(
    State(state): State<AppState>,
    Caller(_user): Caller,
) -> Result<Json<Vec<DistrictSummary>>, ApiError> {
    Ok(Json(district_summaries(&*state.store()?)?))
}

/// Aggregates of every district, by district code (no personal field).
pub(super) fn district_summaries(store: &Store) -> Result<Vec<DistrictSummary>, ApiError> {
    let mut out: BTreeMap<String, DistrictSummary> = BTreeMap::new();
    {
        let mut st = store
            .connection()
            .prepare("SELECT code, name FROM districts ORDER BY position")
            .map_err(crate::store::StoreError::from)?;
        let ds = st
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .and_then(|it| it.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(crate::store::StoreError::from)?;
        for (code, name) in ds {
            let statuses = PlanStatus::ALL
                .iter()
                .map(|s| (s.code().to_owned(), 0))
                .collect();
            out.insert(
                code.clone(),
                DistrictSummary {
                    code,
                    name,
                    statuses,
                    ..DistrictSummary::default()
                },
            );
        }
    }
    for r in rows(store, None)? {
        let Some(d) = out.get_mut(&r.district) else {
            continue;
        };
        d.people += 1;
        if r.has_plan && r.needs_help && r.covered {
            d.covered += 1;
        }
        if is_uncovered(&r) {
            d.uncovered += 1;
        }
        *d.statuses.entry(r.status.clone()).or_insert(0) += 1;
    }
    Ok(out.into_values().collect())
}

#[derive(Deserialize, IntoParams)]
pub struct DistrictQuery {
    /// District code; coordinators may only ask for their own (the default).
    pub district: Option<String>,
}

/// People of a district with status, priority band and coverage (city, coordinator; helpers
/// get the people they may see).
#[utoipa::path(get, path = "/api/people", params(DistrictQuery), responses(
    (status = 200, body = Vec<PersonSummary>), (status = 401, body = ErrorBody),
    (status = 403, body = ErrorBody)))]
async fn people(
    State(state): State<AppState>,
    Caller(user): Caller,
    Query(q): Query<DistrictQuery>,
) -> Result<Json<Vec<PersonSummary>>, ApiError> {
    Ok(Json(people_list(
        &*state.store()?,
        &user,
        q.district.as_deref(),
    )?))
}

/// The people `user` may list: a helper the people they may see, the city any district (or
/// all), a coordinator their own (no personal field).
pub(super) fn people_list(
    store: &Store,
    user: &User,
    district: Option<&str>,
) -> Result<Vec<PersonSummary>, ApiError> {
    let list = if user.role == UserRole::Helper {
        let disaster = store.disaster_mode()?;
        let mut out = Vec::new();
        for r in rows(store, None)? {
            if !r.has_plan {
                continue;
            }
            let Some(person) = person_row(store, &r.id)? else {
                continue;
            };
            let stored = stored_plan(store, person.clone())?;
            if access(user, &person, stored.as_ref().map(|s| &s.plan), disaster).is_some() {
                out.push(r);
            }
        }
        out
    } else {
        let scope = district_scope(user, district)?;
        if let Some(d) = &scope {
            known_district(store, d)?;
        }
        rows(store, scope.as_deref())?
    };
    Ok(list
        .into_iter()
        .map(|r| PersonSummary {
            id: r.id,
            district: r.district,
            status: r.status,
            priority: r.band,
            needs_help: r.needs_help,
            covered: r.covered,
            has_plan: r.has_plan,
        })
        .collect())
}

/// One person's plan, redacted for the caller's role and the person's consent; the read is
/// recorded in the audit log.
#[utoipa::path(get, path = "/api/people/{id}/plan", params(("id" = String, Path, description = "Person id")),
    responses((status = 200, body = PlanView), (status = 401, body = ErrorBody),
    (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_plan(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path(id): Path<String>,
) -> Result<Json<PlanView>, ApiError> {
    let now = state.now();
    let view = {
        let store = state.store()?;
        let (stored, acc) = plan_in_scope(&store, &user, &id)?;
        PlanView::from((&stored, &acc))
    };
    audit_read(
        &state,
        &user,
        &view,
        format!("GET /api/people/{id}/plan"),
        now,
    )
    .await?;
    Ok(Json(view))
}

#[derive(Deserialize, IntoParams)]
pub struct SheetQuery {
    /// Language of the sheet: `ja` (default) or `en`.
    pub lang: Option<String>,
}

/// One person's printable plan sheet (A4 HTML, the same page as `mimamori sheets`), for the
/// city and the coordinator of the person's district; the read is recorded in the audit log.
#[utoipa::path(get, path = "/api/people/{id}/sheet",
    params(("id" = String, Path, description = "Person id"), SheetQuery),
    responses((status = 200, content_type = "text/html", body = String),
    (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
    (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    (status = 503, body = ErrorBody)))]
async fn get_sheet(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path(id): Path<String>,
    Query(q): Query<SheetQuery>,
) -> Result<axum::response::Html<String>, ApiError> {
    require(&user, &[UserRole::City, UserRole::Coordinator])?;
    let lang = match q.lang.as_deref() {
        None | Some("ja") => Lang::Ja,
        Some("en") => Lang::En,
        Some(_) => return Err(field_error("lang", "ja or en")),
    };
    let html = sheet_html(
        &state,
        &user,
        &id,
        lang,
        format!("GET /api/people/{id}/sheet"),
    )
    .await?;
    Ok(axum::response::Html(html))
}

/// One person's printable sheet for `user` (city, coordinator of the person's district);
/// the read is audited with `why` before the page is returned.
pub(super) async fn sheet_html(
    state: &AppState,
    user: &User,
    id: &str,
    lang: Lang,
    why: String,
) -> Result<String, ApiError> {
    require(user, &[UserRole::City, UserRole::Coordinator])?;
    let now = state.now();
    let (html, view) = {
        let engine = state.engine()?;
        let store = state.store()?;
        let (stored, acc) = plan_in_scope(&store, user, id)?;
        // The route map is drawn from the map the engine holds.
        let Some(engine) = engine else {
            return Err(ApiError::no_engine());
        };
        let index = crate::render::MapIndex::new(engine.planner.map());
        let view = index.view(
            &crate::render::plan_points(&stored.plan),
            crate::render::MAP_MARGIN_M,
        );
        let html = crate::render::render_sheet(&stored.for_sheet(), &view, lang);
        (html, PlanView::from((&stored, &acc)))
    };
    audit_read(state, user, &view, why, now).await?;
    Ok(html)
}

/// A pin in a PATCH.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PinPatch {
    pub helper_id: Option<String>,
    pub destination_id: Option<String>,
}

/// Body of `PATCH /api/people/{id}/plan`: any of status, notes and pin.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanPatch {
    /// New status code (or Japanese label).
    pub status: Option<String>,
    /// Note kept with the status change.
    pub status_note: Option<String>,
    /// Notes of the hand edit (replaces them).
    pub notes: Option<String>,
    pub pin: Option<PinPatch>,
}

/// Changes a plan's status, notes and pin in one transaction (city, coordinator of the
/// person's district); returns the stored plan. A pin re-plans the person's district (and
/// whatever shares its helpers) and saves the re-planned plans with the edit; a pin the plan
/// cannot follow (the helper cannot come in time, or the destination cannot be reached) is
/// answered 422 `pin_infeasible` with the reason, and nothing is saved.
#[utoipa::path(patch, path = "/api/people/{id}/plan", params(("id" = String, Path, description = "Person id")),
    request_body = PlanPatch,
    responses((status = 200, body = PlanView), (status = 400, body = ErrorBody),
    (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
    (status = 422, body = ErrorBody)))]
async fn patch_plan(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path(id): Path<String>,
    body: Result<Json<PlanPatch>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<PlanView>, ApiError> {
    require(&user, &[UserRole::City, UserRole::Coordinator])?;
    let Json(patch) = body.map_err(|_| {
        ApiError::bad_request(
            "本文は JSON で status、status_note、notes、pin {helper_id, destination_id} を指定してください。",
            "The body must be JSON with status, status_note, notes and/or pin {helper_id, destination_id}.",
        )
    })?;
    let view = edit_plan(
        &state,
        &user,
        &id,
        patch,
        format!("PATCH /api/people/{id}/plan"),
    )
    .await?;
    Ok(Json(view))
}

/// Applies `patch` to `id`'s plan for `user` (city, coordinator of the person's district):
/// status, notes and pin in one transaction, a pin re-planning the district (refused whole
/// with the reason when the plan cannot follow it). Returns the stored plan, its read
/// audited with `why`. The API's PATCH and the web app's forms both come here.
pub(super) async fn edit_plan(
    state: &AppState,
    user: &User,
    id: &str,
    patch: PlanPatch,
    why: String,
) -> Result<PlanView, ApiError> {
    require(user, &[UserRole::City, UserRole::Coordinator])?;
    let id = id.to_owned();
    let now = state.now();
    let view = {
        // The engine first, then the store, in every handler that takes both (no deadlock).
        let mut engine = state.engine()?;
        let mut store = state.store()?;
        let (stored, _) = plan_in_scope(&store, user, &id)?;
        let status = patch.status.as_deref().map(PlanStatus::parse).transpose()?;
        let edit = PlanEdit {
            status,
            status_note: patch.status_note.unwrap_or_default(),
            helper_id: patch.pin.as_ref().and_then(|p| p.helper_id.clone()),
            destination_id: patch.pin.as_ref().and_then(|p| p.destination_id.clone()),
            notes: patch.notes,
        };
        match (&patch.pin, engine.as_deref_mut()) {
            (Some(pin), Some(engine)) => {
                // The pin as it will be stored: the parts given now over the parts kept.
                let kept = store.pin(&id)?.map(|p| p.edit).unwrap_or_default();
                let change = Change::Pin {
                    person: id.clone(),
                    helper: pin.helper_id.clone().or(kept.helper_id),
                    destination: pin.destination_id.clone().or(kept.destination_id),
                };
                let mut trial = engine.planned.clone();
                let replanned = engine
                    .planner
                    .replan(&mut trial, &stored.person.district, &change)
                    .map_err(pin_error)?;
                // A pin the plan cannot follow is refused with the reason; nothing is saved.
                if let Some(w) = trial
                    .run()
                    .plans
                    .iter()
                    .find(|p| p.person == id)
                    .and_then(|p| p.warnings.iter().find(|w| w.code() == "pin_not_followed"))
                {
                    return Err(ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "pin_infeasible",
                        w.sentence(Lang::Ja),
                        w.sentence(Lang::En),
                    ));
                }
                let ids: std::collections::BTreeSet<&str> =
                    replanned.replanned.iter().map(String::as_str).collect();
                let run = trial.run();
                let plans =
                    super::plan_rows(run.plans.iter().filter(|p| ids.contains(p.person.as_str())))
                        .map_err(|_| ApiError::internal())?;
                let summary =
                    serde_json::to_value(&run.summary).map_err(|_| ApiError::internal())?;
                store.edit_plan_and_record(
                    &id,
                    &edit,
                    now,
                    &user.name,
                    &ReviewPolicy::default(),
                    &NewPlanRun {
                        scenario: &engine.scenario_json,
                        parameters: "default",
                        as_of: trial.as_of(),
                        summary: &summary,
                    },
                    &plans,
                )?;
                engine.planned = trial;
            }
            _ => store.edit_plan(&id, &edit, now, &user.name, &ReviewPolicy::default())?,
        }
        let (stored, acc) = plan_in_scope(&store, user, &id)?;
        PlanView::from((&stored, &acc))
    };
    audit_read(state, user, &view, why, now).await?;
    Ok(view)
}

/// People without every helper they need (or without a plan), with the reasons in Japanese
/// and English (city, coordinator of the district).
#[utoipa::path(get, path = "/api/uncovered", params(DistrictQuery), responses(
    (status = 200, body = Vec<UncoveredView>), (status = 401, body = ErrorBody),
    (status = 403, body = ErrorBody)))]
async fn uncovered(
    State(state): State<AppState>,
    Caller(user): Caller,
    Query(q): Query<DistrictQuery>,
) -> Result<Json<Vec<UncoveredView>>, ApiError> {
    Ok(Json(uncovered_list(
        &*state.store()?,
        &user,
        q.district.as_deref(),
    )?))
}

/// The uncovered people of the district(s) `user` may list (city: `district` or all;
/// coordinator: their own), with the reasons (no personal field).
pub(super) fn uncovered_list(
    store: &Store,
    user: &User,
    district: Option<&str>,
) -> Result<Vec<UncoveredView>, ApiError> {
    let scope = district_scope(user, district)?;
    if let Some(d) = &scope {
        known_district(store, d)?;
    }
    let mut out = Vec::new();
    for r in rows(store, scope.as_deref())? {
        if !is_uncovered(&r) || (!r.has_plan && r.consent_plan) {
            continue;
        }
        let reasons: Vec<Reason> = match &r.reasons {
            Some(text) if r.has_plan => serde_json::from_str(text).map_err(|e| {
                tracing::error!(line = e.line(), "stored reasons cannot be read");
                ApiError::internal()
            })?,
            _ => vec![Reason::NoConsent],
        };
        out.push(UncoveredView {
            id: r.id,
            district: r.district,
            priority: r.band,
            reasons: reasons.iter().map(ReasonView::from).collect(),
        });
    }
    Ok(out)
}

/// Body of `POST /api/watch-records`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WatchRecordBody {
    /// YYYY-MM-DD.
    pub date: String,
    pub person_id: String,
    pub volunteer_id: String,
    pub method: String,
    pub outcome: String,
    pub concern: Option<String>,
    pub referral: Option<String>,
}

/// The id of an added watch record.
#[derive(Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
}

/// A re-plan refused: an id of the pin that the map does not have (the field is named, not
/// the value).
fn pin_error(e: PlanError) -> ApiError {
    match e {
        PlanError::UnknownId { kind, .. } => {
            let (field, code) = if kind == "destination" {
                ("pin.destination_id", "unknown_destination")
            } else {
                ("pin.helper_id", "unknown_helper")
            };
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                code,
                format!("{field} の ID が地図にありません。"),
                format!("{field}: no such id in the map."),
            )
        }
        _ => {
            tracing::error!("re-plan failed");
            ApiError::internal()
        }
    }
}

fn field_error(field: &str, expected: &str) -> ApiError {
    ApiError::bad_request(
        format!("{field} が不正です。期待される値: {expected}"),
        format!("Field {field}: expected {expected}."),
    )
}

/// Adds a watch record (city; coordinator for their district; a helper for a person they
/// may see, as themselves).
#[utoipa::path(post, path = "/api/watch-records", request_body = WatchRecordBody, responses(
    (status = 201, body = Created), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
    (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_watch_record(
    State(state): State<AppState>,
    Caller(user): Caller,
    body: Result<Json<WatchRecordBody>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    require(
        &user,
        &[UserRole::City, UserRole::Coordinator, UserRole::Helper],
    )?;
    let Json(b) = body.map_err(|_| {
        ApiError::bad_request(
            "本文は JSON で date、person_id、volunteer_id、method、outcome を指定してください。",
            "The body must be JSON with date, person_id, volunteer_id, method and outcome.",
        )
    })?;
    let now = state.now();
    let mut store = state.store()?;
    let person = person_row(&store, &b.person_id)?.ok_or_else(ApiError::not_found)?;
    let disaster = store.disaster_mode()?;
    let stored = stored_plan(&store, person.clone())?;
    if access(&user, &person, stored.as_ref().map(|s| &s.plan), disaster).is_none() {
        return Err(ApiError::not_found());
    }
    if user.role == UserRole::Helper
        && user.volunteer_id.as_deref() != Some(b.volunteer_id.as_str())
    {
        return Err(ApiError::forbidden());
    }
    let date = time::Date::parse(
        &b.date,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| field_error("date", "YYYY-MM-DD"))?;
    let record = NewWatchRecord {
        date,
        person_id: b.person_id.clone(),
        volunteer_id: b.volunteer_id.clone(),
        method: WatchMethod::parse(&b.method)
            .ok_or_else(|| field_error("method", &WatchMethod::expected()))?,
        outcome: WatchOutcome::parse(&b.outcome)
            .ok_or_else(|| field_error("outcome", &WatchOutcome::expected()))?,
        concern: b
            .concern
            .as_deref()
            .map(|c| Concern::parse(c).ok_or_else(|| field_error("concern", &Concern::expected())))
            .transpose()?,
        referral: b
            .referral
            .as_deref()
            .map(|c| {
                Referral::parse(c).ok_or_else(|| field_error("referral", &Referral::expected()))
            })
            .transpose()?,
    };
    let id = store.add_watch_record(&record, now, &user.name)?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Body of `POST /api/disaster-mode`.
#[derive(Deserialize, Serialize, ToSchema)]
pub struct DisasterMode {
    pub on: bool,
    /// Why (kept in the audit log); required.
    #[serde(default)]
    pub reason: String,
}

/// Switches disaster mode (city only; logged with the reason).
#[utoipa::path(post, path = "/api/disaster-mode", request_body = DisasterMode, responses(
    (status = 200, body = DisasterMode), (status = 400, body = ErrorBody),
    (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn disaster_mode(
    State(state): State<AppState>,
    Caller(user): Caller,
    body: Result<Json<DisasterMode>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<DisasterMode>, ApiError> {
    require(&user, &[UserRole::City])?;
    let bad = || {
        ApiError::bad_request(
            "本文は JSON で on（true/false）と reason（理由、必須）を指定してください。",
            "The body must be JSON with on (true/false) and reason (required).",
        )
    };
    let Json(b) = body.map_err(|_| bad())?;
    if b.reason.trim().is_empty() {
        return Err(bad());
    }
    let now = state.now();
    state.store()?.set_disaster_mode(
        b.on,
        &format!("POST /api/disaster-mode: {}", b.reason.trim()),
        now,
        &user.name,
    )?;
    Ok(Json(b))
}

#[derive(Deserialize, IntoParams)]
pub struct AuditQuery {
    pub person: Option<String>,
    pub user: Option<String>,
    /// From (inclusive): RFC 3339 or YYYY-MM-DD (UTC).
    pub from: Option<String>,
    /// Until (exclusive): RFC 3339 or YYYY-MM-DD (UTC).
    pub to: Option<String>,
}

/// A row of the audit log.
#[derive(Serialize, ToSchema)]
pub struct AuditView {
    pub id: i64,
    pub at: String,
    pub user: String,
    pub person: Option<String>,
    pub fields: Vec<String>,
    pub reason: String,
}

fn parse_moment(field: &str, s: &str) -> Result<time::OffsetDateTime, ApiError> {
    if let Ok(t) = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339) {
        return Ok(t);
    }
    time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
        .map(|d| d.midnight().assume_utc())
        .map_err(|_| field_error(field, "RFC 3339 or YYYY-MM-DD"))
}

/// The audit log, oldest first (city only).
#[utoipa::path(get, path = "/api/audit", params(AuditQuery), responses(
    (status = 200, body = Vec<AuditView>), (status = 400, body = ErrorBody),
    (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn audit(
    State(state): State<AppState>,
    Caller(user): Caller,
    Query(q): Query<AuditQuery>,
) -> Result<Json<Vec<AuditView>>, ApiError> {
    require(&user, &[UserRole::City])?;
    let filter = AuditFilter {
        person_id: q.person,
        user: q.user,
        from: q
            .from
            .as_deref()
            .map(|s| parse_moment("from", s))
            .transpose()?,
        until: q.to.as_deref().map(|s| parse_moment("to", s)).transpose()?,
    };
    let rows = state.store()?.audit(&filter)?;
    Ok(Json(
        rows.into_iter()
            .map(|r| AuditView {
                id: r.id,
                at: crate::store::timestamp(r.at),
                user: r.entry.user,
                person: r.entry.person_id,
                fields: r.entry.fields,
                reason: r.entry.reason,
            })
            .collect(),
    ))
}
