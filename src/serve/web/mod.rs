//! The coordinator's web app, served by `mimamori serve` at `/` next to the JSON API.
//!
//! Why this shape: district PCs are often offline or on LGWAN, so every page is rendered on the
//! server (askama, auto-escaping) from files compiled into the binary, with one stylesheet and
//! no script, font or map tile from anywhere else (`Content-Security-Policy: default-src
//! 'self'`). The pages are a second face of the API, not a second set of rules: who may see
//! what is decided by the same functions (`handlers::plan_in_scope`, `district_scope`,
//! `people_list`, `uncovered_list`), edits go through the same `handlers::edit_plan` as
//! `PATCH /api/people/{id}/plan`, and every read of personal fields is appended to the same
//! audit log before the page is sent.
//!
//! - Session: the token from `mimamori user add`, pasted once, kept in an `HttpOnly;
//!   SameSite=Strict` cookie. Forms are POSTs carrying a per-session CSRF token (a hash of the
//!   session token), checked before anything else.
//! - Language: Japanese, or English with `?lang=en` (remembered in a cookie).
//! - Pages: `/` (district list for the city, the helper's people), `/districts/{code}`
//!   (dashboard), `/districts/{code}/uncovered`, `/people/{id}` (plan page, forms),
//!   `/people/{id}/sheet` (the printable A4 sheet of `mimamori sheets`).

mod map;
mod pages;
mod texts;

pub use texts::{Texts, fix_text, texts};

use super::handlers::{self, PinPatch, PlanPatch};
use super::{ApiError, AppState};
use crate::model::Lang;
use crate::store::{User, UserRole};
use axum::Router;
use axum::extract::{FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use pages::{Chrome, Notice};
use serde::Deserialize;

/// The session cookie: the user's token.
const SESSION_COOKIE: &str = "mimamori_session";
/// The language cookie (`ja` or `en`).
const LANG_COOKIE: &str = "mimamori_lang";

/// The policy of every page: nothing but this server. `frame-ancestors 'self'` lets the plan
/// page show the sheet in a frame.
const PAGE_CSP: &str = "default-src 'self'; img-src 'self' data:; object-src 'none'; \
                        base-uri 'none'; form-action 'self'; frame-ancestors 'self'";
/// The printable sheet is one self-contained document with inline CSS and SVG (the file
/// `mimamori sheets` writes): inline styles, nothing fetched, no script.
const SHEET_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; \
                         base-uri 'none'; form-action 'none'; frame-ancestors 'self'";

const APP_CSS: &str = include_str!("../../../web/app.css");
const MAP_JS: &str = include_str!("../../../web/map.js");
/// Leaflet 1.9.4 from the npm registry, unchanged (BSD-2-Clause; web/vendor/leaflet-1.9.4/README.md).
const LEAFLET_JS: &str = include_str!("../../../web/vendor/leaflet-1.9.4/leaflet.js");
const LEAFLET_CSS: &str = include_str!("../../../web/vendor/leaflet-1.9.4/leaflet.css");
const LEAFLET_IMAGES: &[(&str, &[u8])] = &[
    (
        "layers.png",
        include_bytes!("../../../web/vendor/leaflet-1.9.4/images/layers.png"),
    ),
    (
        "layers-2x.png",
        include_bytes!("../../../web/vendor/leaflet-1.9.4/images/layers-2x.png"),
    ),
    (
        "marker-icon.png",
        include_bytes!("../../../web/vendor/leaflet-1.9.4/images/marker-icon.png"),
    ),
    (
        "marker-icon-2x.png",
        include_bytes!("../../../web/vendor/leaflet-1.9.4/images/marker-icon-2x.png"),
    ),
    (
        "marker-shadow.png",
        include_bytes!("../../../web/vendor/leaflet-1.9.4/images/marker-shadow.png"),
    ),
];

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/signin", get(signin_page).post(signin))
        .route("/signout", post(signout))
        .route("/districts/{code}", get(dashboard))
        .route("/districts/{code}/uncovered", get(uncovered_page))
        .route("/people/{id}", get(plan_page).post(plan_form))
        .route("/people/{id}/sheet", get(sheet_page))
        .route("/districts/{code}/map", get(map_page))
        .route("/districts/{code}/map.json", get(map_json))
        .route("/districts/{code}/drill", get(drill_page))
        .route("/compare", get(compare_page))
        .route("/static/app.css", get(css))
        .route("/static/map.js", get(map_js))
        .route("/static/leaflet/leaflet.js", get(leaflet_js))
        .route("/static/leaflet/leaflet.css", get(leaflet_css))
        .route("/static/leaflet/images/{file}", get(leaflet_image))
        .layer(middleware::from_fn(security_headers))
}

// ---------------------------------------------------------------- session, language, headers

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            (k == name).then_some(v)
        })
        .next()
}

fn parse_lang(s: &str) -> Option<Lang> {
    match s {
        "ja" => Some(Lang::Ja),
        "en" => Some(Lang::En),
        _ => None,
    }
}

/// `lang` of the query string, if any.
fn query_lang(query: Option<&str>) -> Option<Lang> {
    query?
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == "lang")
        .and_then(|(_, v)| parse_lang(v))
}

fn lang_of(parts: &Parts) -> Lang {
    query_lang(parts.uri.query())
        .or_else(|| cookie(&parts.headers, LANG_COOKIE).and_then(parse_lang))
        .unwrap_or_default()
}

/// The CSRF token of a session: derived from the session token, so the server keeps no state
/// and a token from another session never matches.
fn csrf_for(token: &str) -> String {
    crate::store::token_hash(&format!("mimamori-csrf:{token}"))
}

/// A token that can travel in a cookie unchanged (what `mimamori user add` prints is hex).
fn cookie_safe(token: &str) -> bool {
    !token.is_empty()
        && token.len() <= 256
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// The page language (no session needed).
pub(super) struct PageLang(Lang);

impl<S: Send + Sync> FromRequestParts<S> for PageLang {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(PageLang(lang_of(parts)))
    }
}

/// The signed-in user of a page; without a valid session cookie, a redirect to `/signin`.
pub(super) struct Session {
    pub user: User,
    pub csrf: String,
    pub lang: Lang,
}

impl FromRequestParts<AppState> for Session {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let lang = lang_of(parts);
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE).filter(|t| cookie_safe(t)) else {
            return Err(to_signin());
        };
        match handlers::user_for_token(state, token) {
            Ok(user) => Ok(Session {
                user,
                csrf: csrf_for(token),
                lang,
            }),
            Err(e) => Err(error_page(e, lang, None)),
        }
    }
}

fn to_signin() -> Response {
    Redirect::to("/signin").into_response()
}

/// Security headers on every page; `?lang=` is remembered in a cookie.
async fn security_headers(req: Request, next: Next) -> Response {
    let lang = query_lang(req.uri().query());
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(PAGE_CSP));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static("SAMEORIGIN"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    if let Some(l) = lang {
        let v = match l {
            Lang::Ja => "mimamori_lang=ja; Path=/; SameSite=Strict; Max-Age=31536000",
            Lang::En => "mimamori_lang=en; Path=/; SameSite=Strict; Max-Age=31536000",
        };
        h.append(header::SET_COOKIE, HeaderValue::from_static(v));
    }
    res
}

fn asset(content_type: &'static str, body: &'static [u8]) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        body,
    )
        .into_response()
}

async fn css() -> Response {
    asset("text/css; charset=utf-8", APP_CSS.as_bytes())
}

async fn map_js() -> Response {
    asset("text/javascript; charset=utf-8", MAP_JS.as_bytes())
}

async fn leaflet_js() -> Response {
    asset("text/javascript; charset=utf-8", LEAFLET_JS.as_bytes())
}

async fn leaflet_css() -> Response {
    asset("text/css; charset=utf-8", LEAFLET_CSS.as_bytes())
}

async fn leaflet_image(Path(file): Path<String>) -> Response {
    match LEAFLET_IMAGES.iter().find(|(name, _)| *name == file) {
        Some((_, bytes)) => asset("image/png", bytes),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A printable page (sheet, comparison) with its own inline styles allowed by `SHEET_CSP`.
fn sheet_response(body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, SHEET_CSP),
        ],
        body,
    )
        .into_response()
}

/// An API error as a page: 401 → sign in, 404 → the one not-found page (a missing id and a
/// person outside one's scope look the same), 403 → not allowed, others → the message.
fn error_page(e: ApiError, lang: Lang, s: Option<&Session>) -> Response {
    if e.status == StatusCode::UNAUTHORIZED {
        return to_signin();
    }
    let chrome = Chrome::new(s, lang, "", false);
    pages::message(chrome, &e).into_response()
}

fn html(status: StatusCode, body: Result<String, askama::Error>) -> Response {
    match body {
        Ok(b) => (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            b,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "page cannot be rendered");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

// ---------------------------------------------------------------- sign-in

async fn signin_page(PageLang(lang): PageLang) -> Response {
    pages::signin(Chrome::new(None, lang, "", false), StatusCode::OK, false)
}

#[derive(Deserialize)]
struct SigninForm {
    token: String,
}

async fn signin(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    form: Result<axum::Form<SigninForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let token = form
        .map(|f| f.0.token.trim().to_owned())
        .unwrap_or_default();
    let bad = || {
        pages::signin(
            Chrome::new(None, lang, "", false),
            StatusCode::UNAUTHORIZED,
            true,
        )
    };
    if !cookie_safe(&token) {
        return bad();
    }
    match handlers::user_for_token(&state, &token) {
        Ok(_) => {
            let cookie = format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict");
            let mut res = Redirect::to("/").into_response();
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                res.headers_mut().insert(header::SET_COOKIE, v);
            }
            res
        }
        Err(e) if e.status == StatusCode::UNAUTHORIZED => bad(),
        Err(e) => error_page(e, lang, None),
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn signout(
    s: Session,
    form: Result<axum::Form<CsrfForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    if form.map(|f| f.0.csrf).ok() != Some(s.csrf.clone()) {
        return csrf_failed(&s);
    }
    let mut res = Redirect::to("/signin").into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("mimamori_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    res
}

fn csrf_failed(s: &Session) -> Response {
    error_page(
        ApiError::new(
            StatusCode::FORBIDDEN,
            "csrf",
            texts(Lang::Ja).csrf_failed,
            texts(Lang::En).csrf_failed,
        ),
        s.lang,
        Some(s),
    )
}

// ---------------------------------------------------------------- pages

async fn home(State(state): State<AppState>, s: Session) -> Response {
    match s.user.role {
        UserRole::Coordinator => match &s.user.district {
            Some(d) => {
                Redirect::to(&format!("/districts/{}", pages::path_segment(d))).into_response()
            }
            None => error_page(ApiError::forbidden(), s.lang, Some(&s)),
        },
        UserRole::Helper => {
            let list = state
                .store()
                .and_then(|store| handlers::people_list(&store, &s.user, None));
            match list {
                Ok(list) => pages::helper_home(&s, &list),
                Err(e) => error_page(e, s.lang, Some(&s)),
            }
        }
        _ => {
            let list = state
                .store()
                .and_then(|store| handlers::district_summaries(&store));
            match list {
                Ok(list) => pages::city_home(&s, &list),
                Err(e) => error_page(e, s.lang, Some(&s)),
            }
        }
    }
}

/// How far ahead the dashboard lists review dates, days. A display window (a stated choice:
/// one month gives a coordinator time to arrange a visit), not a policy of the plans.
pub const REVIEW_NOTICE_DAYS: i64 = 30;

async fn dashboard(
    State(state): State<AppState>,
    s: Session,
    Path(code): Path<String>,
) -> Response {
    let data = (|| {
        let store = state.store()?;
        handlers::district_scope(&s.user, Some(&code))?;
        handlers::known_district(&store, &code)?;
        let summary = handlers::district_summaries(&store)?
            .into_iter()
            .find(|d| d.code == code)
            .ok_or_else(ApiError::not_found)?;
        let uncovered = handlers::uncovered_list(&store, &s.user, Some(&code))?;
        let until = state.now().date() + time::Duration::days(REVIEW_NOTICE_DAYS);
        let due = pages::reviews_due(&store, &code, until)?;
        Ok::<_, ApiError>((summary, uncovered, due))
    })();
    match data {
        Ok((summary, uncovered, due)) => pages::dashboard(&s, &summary, uncovered, &due),
        Err(e) => error_page(e, s.lang, Some(&s)),
    }
}

async fn uncovered_page(
    State(state): State<AppState>,
    s: Session,
    Path(code): Path<String>,
) -> Response {
    let now = state.now();
    let data = (|| {
        let engine = state.engine()?;
        let store = state.store()?;
        let list = handlers::uncovered_list(&store, &s.user, Some(&code))?;
        Ok::<_, ApiError>(pages::uncovered_rows(
            engine.as_deref().map(|e| e.planned.run()),
            list,
            s.lang,
        ))
    })();
    let rows = match data {
        Ok(r) => r,
        Err(e) => return error_page(e, s.lang, Some(&s)),
    };
    // The explanations name priority factors (need, household): their reads are audited like
    // a plan's, one row per person, committed (together) before the page is sent.
    let entries = rows
        .iter()
        .filter(|r| !r.explanation.is_empty())
        .map(|r| crate::store::AuditEntry {
            user: s.user.name.clone(),
            person_id: Some(r.id.clone()),
            fields: pages::EXPLAIN_FIELDS
                .iter()
                .map(|f| (*f).to_owned())
                .collect(),
            reason: format!("GET /districts/{code}/uncovered"),
        })
        .collect();
    if let Err(e) = state.audit_all(entries, now).await {
        return error_page(e, s.lang, Some(&s));
    }
    pages::uncovered(&s, &code, &rows)
}

#[derive(Deserialize, Default)]
struct MapQuery {
    reason: Option<String>,
    /// A person whose evacuation route and helper routes are drawn (an id, never a name).
    person: Option<String>,
}

/// The people of the map and the reason codes to filter by (scope checked like the API's
/// lists).
fn map_data(
    state: &AppState,
    s: &Session,
    code: &str,
) -> Result<
    (
        Vec<super::views::PersonSummary>,
        Vec<super::views::UncoveredView>,
    ),
    ApiError,
> {
    let store = state.store()?;
    let people = handlers::people_list(&store, &s.user, Some(code))?;
    let uncovered = handlers::uncovered_list(&store, &s.user, Some(code))?;
    Ok((people, uncovered))
}

async fn map_page(
    State(state): State<AppState>,
    s: Session,
    Path(code): Path<String>,
    Query(q): Query<MapQuery>,
) -> Response {
    match map_data(&state, &s, &code) {
        Ok((people, uncovered)) => pages::map(
            &s,
            &code,
            &people,
            &uncovered,
            q.reason.as_deref(),
            q.person.as_deref().filter(|p| !p.is_empty()),
        ),
        Err(e) => error_page(e, s.lang, Some(&s)),
    }
}

async fn map_json(
    State(state): State<AppState>,
    s: Session,
    Path(code): Path<String>,
    Query(q): Query<MapQuery>,
) -> Response {
    let now = state.now();
    let reason = q.reason.filter(|r| !r.is_empty());
    let person = q.person.filter(|p| !p.is_empty());
    let built = (|| {
        let engine = state.engine()?;
        let (people, uncovered) = map_data(&state, &s, &code)?;
        // The chosen person's plan, in scope and redacted exactly as the plan page shows it.
        let routed = match &person {
            Some(id) => {
                let store = state.store()?;
                let (stored, acc) = handlers::plan_in_scope(&store, &s.user, id)?;
                if stored.person.district != code {
                    return Err(ApiError::not_found());
                }
                Some(super::views::PlanView::from((&stored, &acc)))
            }
            None => None,
        };
        let Some(engine) = engine else {
            return Err(ApiError::no_engine());
        };
        let (mut layers, placed) = map::district_layers(
            engine.planner.map(),
            &code,
            &people,
            &uncovered,
            reason.as_deref(),
        );
        if let (Some(view), Some(features)) = (&routed, layers["features"].as_array_mut()) {
            features.extend(map::route_layers(&view.person, &view.plan));
        }
        Ok((layers, placed, routed))
    })();
    let (layers, placed, routed) = match built {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    if let Some(view) = &routed
        && let Err(e) = handlers::audit_read(
            &state,
            &s.user,
            view,
            format!("GET /districts/{code}/map.json?person"),
            now,
        )
        .await
    {
        return e.into_response();
    }
    // Home points are personal: one audit row per person placed, committed (together) before
    // the answer.
    let entries = placed
        .into_iter()
        .map(|id| crate::store::AuditEntry {
            user: s.user.name.clone(),
            person_id: Some(id),
            fields: vec!["home".to_owned()],
            reason: format!("GET /districts/{code}/map.json"),
        })
        .collect();
    if let Err(e) = state.audit_all(entries, now).await {
        return e.into_response();
    }
    axum::Json(layers).into_response()
}

/// Simulated runs of a drill from the web page when none is asked for. Fewer than the CLI's
/// default (1,000) so the page answers in seconds; `mimamori drill` is there for the full count.
pub const DRILL_RUNS: u32 = 200;
/// The most runs a page may ask for (a bound on one request's work, not a policy).
pub const DRILL_RUNS_MAX: u32 = 1000;

#[derive(Deserialize, Default)]
struct DrillQuery {
    seed: Option<String>,
    runs: Option<String>,
}

/// Runs the drill of `district` on the plans held in memory (the stored scenario), off the
/// async threads.
async fn run_drill(
    state: &AppState,
    district: &str,
    seed: u64,
    runs: u32,
) -> Result<crate::drill::DrillReport, ApiError> {
    let Some(engine) = state.engine.clone() else {
        return Err(ApiError::no_engine());
    };
    let district = district.to_owned();
    tokio::task::spawn_blocking(move || {
        let e = engine.lock().map_err(|_| ApiError::internal())?;
        let scenario: crate::plan::Scenario =
            serde_json::from_str(&e.scenario_json).map_err(|_| ApiError::internal())?;
        let p = &e.planner;
        let drill = crate::drill::Drill::prepare(
            p.map(),
            p.graph(),
            &scenario,
            p.params(),
            e.planned.run(),
        )
        .map_err(|err| {
            tracing::error!(error = %err, "drill cannot be prepared");
            ApiError::internal()
        })?;
        Ok(crate::drill::monte_carlo(
            &drill,
            &scenario.name,
            runs,
            seed,
            Some(&district),
        ))
    })
    .await
    .map_err(|_| ApiError::internal())?
}

async fn drill_page(
    State(state): State<AppState>,
    s: Session,
    Path(code): Path<String>,
    Query(q): Query<DrillQuery>,
) -> Response {
    let scope = (|| {
        let store = state.store()?;
        handlers::district_scope(&s.user, Some(&code))?;
        handlers::known_district(&store, &code)?;
        Ok::<_, ApiError>(())
    })();
    if let Err(e) = scope {
        return error_page(e, s.lang, Some(&s));
    }
    let seed_text = q.seed.unwrap_or_default();
    let runs_text = q.runs.unwrap_or_default();
    let runs = if runs_text.trim().is_empty() {
        Some(DRILL_RUNS)
    } else {
        runs_text
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|r| (1..=DRILL_RUNS_MAX).contains(r))
    };
    let seed = seed_text.trim().parse::<u64>().ok();
    let (report, error) = match (seed_text.trim().is_empty(), seed, runs) {
        (true, _, _) => (None, None),
        (false, Some(seed), Some(runs)) => match run_drill(&state, &code, seed, runs).await {
            Ok(r) => (Some(r), None),
            Err(e) => return error_page(e, s.lang, Some(&s)),
        },
        _ => (
            None,
            Some(s.lang.pick(
                "シードは0以上の整数、回数は1〜1000で指定してください。",
                "The seed must be a whole number (0 or more), the runs 1 to 1000.",
            )),
        ),
    };
    pages::drill(
        &s,
        &code,
        &seed_text,
        runs.unwrap_or(DRILL_RUNS),
        report.as_ref(),
        error,
    )
}

/// The district comparison (`mimamori share compare` on the plans held in memory): every
/// district's anonymised practice bundle (k = the smallest allowed), compared. City and
/// coordinators (the bundles carry no identities).
async fn compare_page(State(state): State<AppState>, s: Session) -> Response {
    if let Err(e) = handlers::require(&s.user, &[UserRole::City, UserRole::Coordinator]) {
        return error_page(e, s.lang, Some(&s));
    }
    let Some(engine) = state.engine.clone() else {
        return error_page(ApiError::no_engine(), s.lang, Some(&s));
    };
    let lang = s.lang;
    let built = tokio::task::spawn_blocking(move || {
        let e = engine.lock().map_err(|_| ApiError::internal())?;
        let scenario: crate::plan::Scenario =
            serde_json::from_str(&e.scenario_json).map_err(|_| ApiError::internal())?;
        let sp = crate::share::ShareParams::default();
        let map = e.planner.map();
        let mut bundles = Vec::new();
        for d in &map.districts {
            let b = crate::share::export(
                map,
                e.planned.run(),
                &scenario,
                &d.code,
                sp.min_k,
                None,
                &sp,
            )
            .map_err(|err| {
                tracing::error!(error = %err, "bundle cannot be made");
                ApiError::internal()
            })?;
            bundles.push((format!("{}.json", d.code), b));
        }
        let c = crate::share::compare::compare(&bundles, &sp).map_err(|err| {
            tracing::error!(error = %err, "districts cannot be compared");
            ApiError::internal()
        })?;
        Ok::<_, ApiError>(crate::render::share::compare_page(&c, lang))
    })
    .await
    .map_err(|_| ApiError::internal())
    .and_then(|r| r);
    match built {
        Ok(body) => sheet_response(body),
        Err(e) => error_page(e, s.lang, Some(&s)),
    }
}

#[derive(Deserialize, Default)]
struct PlanQuery {
    saved: Option<String>,
}

async fn plan_page(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    Query(q): Query<PlanQuery>,
) -> Response {
    let notice = if q.saved.is_some() {
        Notice::Saved
    } else {
        Notice::None
    };
    plan_response(&state, &s, &id, notice, StatusCode::OK).await
}

/// The plan page of `id` for `s`, its read audited; errors as pages.
async fn plan_response(
    state: &AppState,
    s: &Session,
    id: &str,
    notice: Notice,
    status: StatusCode,
) -> Response {
    let now = state.now();
    let built = (|| {
        let engine = state.engine()?;
        let store = state.store()?;
        let (stored, acc) = handlers::plan_in_scope(&store, &s.user, id)?;
        let view = super::views::PlanView::from((&stored, &acc));
        let run = engine.as_deref().map(|e| e.planned.run());
        Ok::<_, ApiError>((
            pages::plan(s, &stored, &view, run, notice, now.date()),
            view,
        ))
    })();
    let (page, view) = match built {
        Ok(b) => b,
        Err(e) => return error_page(e, s.lang, Some(s)),
    };
    if let Err(e) =
        handlers::audit_read(state, &s.user, &view, format!("GET /people/{id}"), now).await
    {
        return error_page(e, s.lang, Some(s));
    }
    html(status, page)
}

/// The plan page's forms: `action` is `pin`, `status` or `notes`.
#[derive(Deserialize, Default)]
struct PlanForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    helper_id: Option<String>,
    destination_id: Option<String>,
    status: Option<String>,
    confirmed_on: Option<String>,
    confirmed: Option<String>,
    note: Option<String>,
    notes: Option<String>,
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// The PATCH a form asks for, or the message why it cannot be sent.
fn patch_of(f: PlanForm) -> Result<PlanPatch, ApiError> {
    match f.action.as_str() {
        "pin" => {
            let pin = PinPatch {
                helper_id: non_empty(f.helper_id),
                destination_id: non_empty(f.destination_id),
            };
            if pin.helper_id.is_none() && pin.destination_id.is_none() {
                return Err(ApiError::bad_request(
                    "支援者か避難先を選んでください。",
                    "Choose a helper or a destination.",
                ));
            }
            Ok(PlanPatch {
                status: None,
                status_note: None,
                notes: None,
                pin: Some(pin),
            })
        }
        "status" => {
            let status = non_empty(f.status).ok_or_else(|| {
                ApiError::bad_request("新しい状況を選んでください。", "Choose the new status.")
            })?;
            let note = non_empty(f.note).unwrap_or_default();
            let status_note = if status == crate::store::PlanStatus::ConfirmedWithPerson.code() {
                let date = non_empty(f.confirmed_on)
                    .filter(|d| {
                        time::Date::parse(
                            d,
                            time::macros::format_description!("[year]-[month]-[day]"),
                        )
                        .is_ok()
                    })
                    .filter(|_| f.confirmed.is_some());
                let Some(date) = date else {
                    return Err(ApiError::bad_request(
                        texts(Lang::Ja).confirm_needs_date,
                        texts(Lang::En).confirm_needs_date,
                    ));
                };
                if note.is_empty() {
                    format!("本人確認日 {date}")
                } else {
                    format!("本人確認日 {date}: {note}")
                }
            } else {
                note
            };
            Ok(PlanPatch {
                status: Some(status),
                status_note: Some(status_note),
                notes: None,
                pin: None,
            })
        }
        "notes" => Ok(PlanPatch {
            status: None,
            status_note: None,
            notes: Some(f.notes.unwrap_or_default()),
            pin: None,
        }),
        _ => Err(ApiError::bad_request(
            "フォームの内容が不正です。",
            "The form is not valid.",
        )),
    }
}

async fn plan_form(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    form: Result<axum::Form<PlanForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let f = form.map(|f| f.0).unwrap_or_default();
    if f.csrf != s.csrf {
        return csrf_failed(&s);
    }
    let result = match patch_of(f) {
        Ok(patch) => {
            handlers::edit_plan(&state, &s.user, &id, patch, format!("POST /people/{id}")).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => {
            Redirect::to(&format!("/people/{}?saved=1", pages::path_segment(&id))).into_response()
        }
        // Not in scope, no such person, a role that may not edit: the same pages as a GET.
        Err(e) if matches!(e.status.as_u16(), 401 | 403 | 404) => error_page(e, s.lang, Some(&s)),
        // The caller's mistake (a pin the plan cannot follow, a transition not allowed): the
        // plan page again with the message.
        Err(e) => {
            let status = e.status;
            plan_response(&state, &s, &id, Notice::Error(e), status).await
        }
    }
}

async fn sheet_page(State(state): State<AppState>, s: Session, Path(id): Path<String>) -> Response {
    match handlers::sheet_html(
        &state,
        &s.user,
        &id,
        s.lang,
        format!("GET /people/{id}/sheet"),
    )
    .await
    {
        Ok(body) => sheet_response(body),
        Err(e) => error_page(e, s.lang, Some(&s)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_and_languages_are_read_exactly() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; mimamori_session=abc; mimamori_lang=en"),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&h, "mimamori"), None);
        assert_eq!(query_lang(Some("x=1&lang=en")), Some(Lang::En));
        assert_eq!(query_lang(Some("lang=fr")), None);
        assert!(cookie_safe("0af3"));
        assert!(!cookie_safe("a;b"));
        assert!(!cookie_safe(""));
        assert_ne!(csrf_for("a"), csrf_for("b"));
    }
}
