//! The pages: askama templates (`templates/web/`) and the values they place. Everything is
//! turned into display strings here, so templates hold no logic a translator must follow.

use super::texts::{Texts, fix_text, texts};
use super::{Session, html};
use crate::model::{Lang, Mobility};
use crate::plan::engine::{HelperStatus, PlanRun};
use crate::plan::{Band, HelperRole, Method, Reason};
use crate::serve::ApiError;
use crate::serve::views::{DistrictSummary, PersonSummary, PlanView, StoredPlan, UncoveredView};
use crate::store::{PlanStatus, Store, UserRole, allowed_transition};
use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;

/// Personal fields an uncovered row's explanation shows (the priority factors name need and
/// household), as the audit log records them.
pub const EXPLAIN_FIELDS: &[&str] = &["priority_factors", "reasons"];

/// A link of the navigation bar.
pub struct NavLink {
    pub href: String,
    pub label: &'static str,
}

/// What every page shows around its content.
pub struct Chrome {
    pub t: &'static Texts,
    pub title: String,
    /// Signed-in user name; empty on the sign-in page.
    pub user: String,
    pub csrf: String,
    /// Shows the personal-information notice.
    pub personal: bool,
    pub nav: Vec<NavLink>,
}

impl Chrome {
    pub fn new(s: Option<&Session>, lang: Lang, title: &str, personal: bool) -> Self {
        let t = texts(lang);
        let mut nav = Vec::new();
        if let Some(s) = s {
            nav.push(NavLink {
                href: "/".into(),
                label: t.home,
            });
            if matches!(s.user.role, UserRole::City | UserRole::Coordinator) {
                nav.push(NavLink {
                    href: "/compare".into(),
                    label: t.compare,
                });
            }
            if let (UserRole::Coordinator, Some(d)) = (s.user.role, &s.user.district) {
                nav.push(NavLink {
                    href: format!("/districts/{}", path_segment(d)),
                    label: t.dashboard,
                });
                nav.push(NavLink {
                    href: format!("/districts/{}/uncovered", path_segment(d)),
                    label: t.uncovered_list,
                });
                nav.push(NavLink {
                    href: format!("/districts/{}/map", path_segment(d)),
                    label: t.map,
                });
                nav.push(NavLink {
                    href: format!("/districts/{}/drill", path_segment(d)),
                    label: t.drill,
                });
            }
        }
        Chrome {
            t,
            title: title.to_owned(),
            user: s.map(|s| s.user.name.clone()).unwrap_or_default(),
            csrf: s.map(|s| s.csrf.clone()).unwrap_or_default(),
            personal,
            nav,
        }
    }
}

/// An id as one URL path segment (unreserved characters kept, others percent-encoded).
pub fn path_segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn status_label(code: &str, lang: Lang) -> String {
    PlanStatus::parse(code)
        .map(|s| lang.pick(s.label_ja(), s.label_en()).to_owned())
        .unwrap_or_else(|_| code.to_owned())
}

fn band_of(code: Option<&str>) -> Option<Band> {
    match code? {
        "high" => Some(Band::High),
        "middle" => Some(Band::Middle),
        "low" => Some(Band::Low),
        _ => None,
    }
}

fn band_rank(code: Option<&str>) -> u8 {
    match band_of(code) {
        Some(Band::High) => 0,
        Some(Band::Middle) => 1,
        Some(Band::Low) => 2,
        None => 3,
    }
}

fn band_label(code: Option<&str>, lang: Lang) -> String {
    band_of(code)
        .map(|b| b.label(lang).to_owned())
        .unwrap_or_else(|| "—".into())
}

// ---------------------------------------------------------------- message, sign-in

#[derive(Template)]
#[template(path = "web/message.html")]
struct MessagePage {
    c: Chrome,
    heading: String,
    body: String,
}

/// An error as a page with its status: the one not-found page for every 404.
pub fn message(mut c: Chrome, e: &ApiError) -> Response {
    let lang = if c.t.lang_attr == "en" {
        Lang::En
    } else {
        Lang::Ja
    };
    let (heading, body) = match e.status {
        StatusCode::NOT_FOUND => (c.t.not_found.to_owned(), c.t.not_found_body.to_owned()),
        StatusCode::FORBIDDEN if e.body.code == "forbidden" => {
            (c.t.forbidden.to_owned(), c.t.forbidden_body.to_owned())
        }
        _ => (
            c.t.error.to_owned(),
            lang.pick(&e.body.message.ja, &e.body.message.en).to_owned(),
        ),
    };
    c.title = heading.clone();
    html(e.status, MessagePage { c, heading, body }.render())
}

#[derive(Template)]
#[template(path = "web/signin.html")]
struct SigninPage {
    c: Chrome,
    bad: bool,
}

pub fn signin(mut c: Chrome, status: StatusCode, bad: bool) -> Response {
    c.title = c.t.signin.to_owned();
    html(status, SigninPage { c, bad }.render())
}

// ---------------------------------------------------------------- home

pub struct DistrictLine {
    pub code: String,
    pub href: String,
    pub name: String,
    pub people: usize,
    pub covered: usize,
    pub uncovered: usize,
    pub statuses: Vec<usize>,
}

#[derive(Template)]
#[template(path = "web/districts.html")]
struct DistrictsPage {
    c: Chrome,
    status_labels: Vec<String>,
    rows: Vec<DistrictLine>,
    links: bool,
}

fn status_labels(lang: Lang) -> Vec<String> {
    PlanStatus::ALL
        .iter()
        .map(|s| lang.pick(s.label_ja(), s.label_en()).to_owned())
        .collect()
}

/// The city's (and a viewer's) list of every district; only the city opens them.
pub fn city_home(s: &Session, list: &[DistrictSummary]) -> Response {
    let t = texts(s.lang);
    let rows = list
        .iter()
        .map(|d| DistrictLine {
            code: d.code.clone(),
            href: format!("/districts/{}", path_segment(&d.code)),
            name: d.name.clone(),
            people: d.people,
            covered: d.covered,
            uncovered: d.uncovered,
            statuses: PlanStatus::ALL
                .iter()
                .map(|st| d.statuses.get(st.code()).copied().unwrap_or(0))
                .collect(),
        })
        .collect();
    let page = DistrictsPage {
        c: Chrome::new(Some(s), s.lang, t.districts, false),
        status_labels: status_labels(s.lang),
        rows,
        links: s.user.role == UserRole::City,
    };
    html(StatusCode::OK, page.render())
}

pub struct PersonLine {
    pub id: String,
    pub href: String,
    pub district: String,
    pub status: String,
    pub priority: String,
}

impl PersonLine {
    fn new(p: &PersonSummary, lang: Lang) -> Self {
        PersonLine {
            id: p.id.clone(),
            href: format!("/people/{}", path_segment(&p.id)),
            district: p.district.clone(),
            status: status_label(&p.status, lang),
            priority: band_label(p.priority.as_deref(), lang),
        }
    }
}

#[derive(Template)]
#[template(path = "web/people.html")]
struct PeoplePage {
    c: Chrome,
    rows: Vec<PersonLine>,
}

/// A helper's people (only those the API lets them see).
pub fn helper_home(s: &Session, list: &[PersonSummary]) -> Response {
    let t = texts(s.lang);
    let rows = list.iter().map(|p| PersonLine::new(p, s.lang)).collect();
    let page = PeoplePage {
        c: Chrome::new(Some(s), s.lang, t.people, false),
        rows,
    };
    html(StatusCode::OK, page.render())
}

// ---------------------------------------------------------------- dashboard

/// (person id, review date YYYY-MM-DD) of started plans of `district` due on or before
/// `until`, earliest first.
pub fn reviews_due(
    store: &Store,
    district: &str,
    until: time::Date,
) -> Result<Vec<(String, String)>, ApiError> {
    let mut st = store
        .connection()
        .prepare(
            "SELECT s.person_id, s.review_due FROM plan_status s \
             JOIN people p ON p.id = s.person_id \
             WHERE p.district = ?1 AND s.review_due IS NOT NULL AND s.review_due <= ?2 \
             ORDER BY s.review_due, s.person_id",
        )
        .map_err(crate::store::StoreError::from)?;
    let rows = st
        .query_map([district, &until.to_string()], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .and_then(|it| it.collect::<rusqlite::Result<Vec<_>>>())
        .map_err(crate::store::StoreError::from)?;
    Ok(rows)
}

/// One bar of a chart, `pct` of the largest.
pub struct Bar {
    pub key: String,
    pub label: String,
    pub count: usize,
    /// Bar length in the chart's 0–100 units.
    pub len: usize,
    pub y: usize,
    pub text_y: usize,
}

fn bars(items: Vec<(String, String, usize)>) -> Vec<Bar> {
    let max = items.iter().map(|i| i.2).max().unwrap_or(0).max(1);
    items
        .into_iter()
        .enumerate()
        .map(|(i, (key, label, count))| Bar {
            key,
            label,
            count,
            len: (count * 100).div_ceil(max),
            y: i * 28,
            text_y: i * 28 + 15,
        })
        .collect()
}

pub struct UncoveredLine {
    pub id: String,
    pub href: String,
    pub has_plan: bool,
    pub priority: String,
    pub band: String,
    pub reasons: Vec<String>,
}

#[derive(Template)]
#[template(path = "web/dashboard.html")]
struct DashboardPage {
    c: Chrome,
    code: String,
    name: String,
    people: usize,
    covered: usize,
    uncovered: usize,
    status_bars: Vec<Bar>,
    chart_h: usize,
    by_reason: Vec<(String, usize)>,
    due: Vec<(String, String, String)>,
    top: Vec<UncoveredLine>,
    uncovered_href: String,
    map_href: String,
    drill_href: String,
}

fn uncovered_line(u: &UncoveredView, lang: Lang) -> UncoveredLine {
    UncoveredLine {
        id: u.id.clone(),
        href: format!("/people/{}", path_segment(&u.id)),
        has_plan: !u.reasons.iter().any(|r| r.code == "no_consent"),
        priority: band_label(u.priority.as_deref(), lang),
        band: u.priority.clone().unwrap_or_default(),
        reasons: u
            .reasons
            .iter()
            .map(|r| lang.pick(&r.ja, &r.en).to_owned())
            .collect(),
    }
}

fn priority_first(list: &mut [UncoveredView]) {
    list.sort_by(|a, b| {
        band_rank(a.priority.as_deref())
            .cmp(&band_rank(b.priority.as_deref()))
            .then_with(|| a.id.cmp(&b.id))
    });
}

/// How many high-priority uncovered people the dashboard lists (the rest are on the list page).
const DASHBOARD_TOP: usize = 10;

pub fn dashboard(
    s: &Session,
    d: &DistrictSummary,
    mut uncovered: Vec<UncoveredView>,
    due: &[(String, String)],
) -> Response {
    let t = texts(s.lang);
    priority_first(&mut uncovered);
    let mut by_reason = std::collections::BTreeMap::<String, usize>::new();
    for u in &uncovered {
        for r in &u.reasons {
            *by_reason.entry(r.code.clone()).or_insert(0) += 1;
        }
    }
    let mut by_reason: Vec<(String, usize)> = by_reason
        .into_iter()
        .map(|(code, n)| (Reason::label_of(&code, s.lang).to_owned(), n))
        .collect();
    by_reason.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let status_bars = bars(
        PlanStatus::ALL
            .iter()
            .map(|st| {
                (
                    st.code().to_owned(),
                    s.lang.pick(st.label_ja(), st.label_en()).to_owned(),
                    d.statuses.get(st.code()).copied().unwrap_or(0),
                )
            })
            .collect(),
    );
    let chart_h = status_bars.len() * 28;
    let page = DashboardPage {
        c: Chrome::new(
            Some(s),
            s.lang,
            &format!("{} {}", d.code, t.dashboard),
            false,
        ),
        code: d.code.clone(),
        name: d.name.clone(),
        people: d.people,
        covered: d.covered,
        uncovered: d.uncovered,
        status_bars,
        chart_h,
        by_reason,
        due: due
            .iter()
            .map(|(id, date)| {
                (
                    id.clone(),
                    format!("/people/{}", path_segment(id)),
                    date.clone(),
                )
            })
            .collect(),
        top: uncovered
            .iter()
            .take(DASHBOARD_TOP)
            .map(|u| uncovered_line(u, s.lang))
            .collect(),
        uncovered_href: format!("/districts/{}/uncovered", path_segment(&d.code)),
        map_href: format!("/districts/{}/map", path_segment(&d.code)),
        drill_href: format!("/districts/{}/drill", path_segment(&d.code)),
    };
    html(StatusCode::OK, page.render())
}

// ---------------------------------------------------------------- uncovered

pub struct UncoveredRow {
    pub id: String,
    pub line: UncoveredLine,
    pub fixes: Vec<String>,
    /// `mimamori explain`'s text for this person (empty without the planning engine).
    pub explanation: String,
}

/// The uncovered rows, high priority first, with the fix for each reason and the explanation
/// (`render::text::explain_text`, the text of `mimamori explain`) from the engine's run.
pub fn uncovered_rows(
    run: Option<&PlanRun>,
    mut list: Vec<UncoveredView>,
    lang: Lang,
) -> Vec<UncoveredRow> {
    priority_first(&mut list);
    list.iter()
        .map(|u| {
            let reasons: Vec<Reason> = match run
                .and_then(|r| r.plans.iter().find(|p| p.person == u.id))
            {
                Some(p) => p.reasons.clone(),
                None if u.reasons.iter().any(|r| r.code == "no_consent") => vec![Reason::NoConsent],
                None => Vec::new(),
            };
            UncoveredRow {
                id: u.id.clone(),
                line: uncovered_line(u, lang),
                fixes: reasons.iter().map(|r| fix_text(r, lang)).collect(),
                explanation: run
                    .map(|r| crate::render::text::explain_text(r, &u.id, lang))
                    .unwrap_or_default(),
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "web/uncovered.html")]
struct UncoveredPage<'a> {
    c: Chrome,
    code: &'a str,
    rows: &'a [UncoveredRow],
}

pub fn uncovered(s: &Session, code: &str, rows: &[UncoveredRow]) -> Response {
    let t = texts(s.lang);
    let page = UncoveredPage {
        c: Chrome::new(
            Some(s),
            s.lang,
            &format!("{code} {}", t.uncovered_list),
            true,
        ),
        code,
        rows,
    };
    html(StatusCode::OK, page.render())
}

// ---------------------------------------------------------------- map

#[derive(Template)]
#[template(path = "web/map.html")]
struct MapPage {
    c: Chrome,
    code: String,
    action: String,
    json_href: String,
    selected: String,
    reasons: Vec<Opt>,
    rows: Vec<PersonLine>,
    /// The person whose routes are drawn, if any, and their plan page.
    person: String,
    person_href: String,
}

/// The map page: the filter form (a plain GET form), the map drawn by `map.js` from the
/// layers' JSON, and the same people as a list of links (the keyboard's way in).
pub fn map(
    s: &Session,
    code: &str,
    people: &[PersonSummary],
    uncovered: &[UncoveredView],
    reason: Option<&str>,
    person: Option<&str>,
) -> Response {
    let t = texts(s.lang);
    let reason = reason.filter(|r| !r.is_empty());
    let mut codes: Vec<&str> = uncovered
        .iter()
        .flat_map(|u| u.reasons.iter().map(|r| r.code.as_str()))
        .collect();
    codes.sort_unstable();
    codes.dedup();
    let with_reason = |id: &str| {
        uncovered
            .iter()
            .any(|u| u.id == id && u.reasons.iter().any(|r| Some(r.code.as_str()) == reason))
    };
    let rows = people
        .iter()
        .filter(|p| reason.is_none() || with_reason(&p.id))
        .map(|p| PersonLine::new(p, s.lang))
        .collect();
    let base = format!("/districts/{}/map", path_segment(code));
    let page = MapPage {
        c: Chrome::new(Some(s), s.lang, &format!("{code} {}", t.map), true),
        code: code.to_owned(),
        json_href: {
            let query: Vec<String> = [("reason", reason), ("person", person)]
                .into_iter()
                .filter_map(|(k, v)| v.map(|v| format!("{k}={}", path_segment(v))))
                .collect();
            if query.is_empty() {
                format!("{base}.json")
            } else {
                format!("{base}.json?{}", query.join("&"))
            }
        },
        action: base,
        person: person.unwrap_or("").to_owned(),
        person_href: person
            .map(|p| format!("/people/{}", path_segment(p)))
            .unwrap_or_default(),
        selected: reason.unwrap_or("").to_owned(),
        reasons: codes
            .into_iter()
            .map(|c| Opt {
                value: c.to_owned(),
                label: Reason::label_of(c, s.lang).to_owned(),
            })
            .collect(),
        rows,
    };
    html(StatusCode::OK, page.render())
}

// ---------------------------------------------------------------- drill

pub struct DrillLine {
    pub id: String,
    pub href: String,
    pub p_safe: String,
    pub median: String,
    pub failure: String,
}

pub struct SpofLine {
    pub kind: String,
    pub id: String,
    pub loss: String,
    pub people: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "web/drill.html")]
struct DrillPage {
    c: Chrome,
    code: String,
    action: String,
    seed: String,
    runs: u32,
    error: String,
    ran: bool,
    share_safe: String,
    at_stake: usize,
    people: Vec<DrillLine>,
    spofs: Vec<SpofLine>,
}

/// The drill page: the form (seed, runs) and, after a run, `p_safe` per person (lowest
/// first) and the single points of failure.
pub fn drill(
    s: &Session,
    code: &str,
    seed: &str,
    runs: u32,
    report: Option<&crate::drill::DrillReport>,
    error: Option<&str>,
) -> Response {
    let t = texts(s.lang);
    let href = |id: &str| format!("/people/{}", path_segment(id));
    let mut page = DrillPage {
        c: Chrome::new(Some(s), s.lang, &format!("{code} {}", t.drill), false),
        code: code.to_owned(),
        action: format!("/districts/{}/drill", path_segment(code)),
        seed: seed.to_owned(),
        runs,
        error: error.unwrap_or("").to_owned(),
        ran: report.is_some(),
        share_safe: String::new(),
        at_stake: 0,
        people: Vec::new(),
        spofs: Vec::new(),
    };
    if let Some(r) = report {
        let stats = r.districts.get(code).unwrap_or(&r.total);
        page.at_stake = stats.at_stake;
        page.share_safe = stats
            .share_safe
            .map(|x| format!("{:.1}%", x * 100.0))
            .unwrap_or_else(|| "—".into());
        let mut people: Vec<&crate::drill::monte::PersonStats> =
            r.people.iter().filter(|p| p.district == code).collect();
        people.sort_by(|a, b| {
            a.p_safe
                .total_cmp(&b.p_safe)
                .then_with(|| a.person.cmp(&b.person))
        });
        page.people = people
            .into_iter()
            .map(|p| DrillLine {
                id: p.person.clone(),
                href: href(&p.person),
                p_safe: format!("{:.2}", p.p_safe),
                median: p
                    .median_arrival_min
                    .map(|m| format!("{m:.0} {}", t.minutes))
                    .unwrap_or_else(|| "—".into()),
                failure: p.main_failure.clone().unwrap_or_default(),
            })
            .collect();
        page.spofs = r
            .single_points_of_failure
            .iter()
            .map(|f| SpofLine {
                kind: match f.kind.as_str() {
                    "helper" => t.helpers.to_owned(),
                    "road" => t.layer_roads.to_owned(),
                    k => k.to_owned(),
                },
                id: f.id.clone(),
                loss: format!("{:.2}", f.loss),
                people: f.people.iter().map(|p| (p.clone(), href(p))).collect(),
            })
            .collect();
    }
    html(StatusCode::OK, page.render())
}

// ---------------------------------------------------------------- plan

/// What the plan page says above its content after a form.
pub enum Notice {
    None,
    Saved,
    Error(ApiError),
}

pub struct HelperLine {
    pub role: &'static str,
    pub id: String,
    pub name: String,
    pub travel: String,
}

pub struct Opt {
    pub value: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "web/plan.html")]
struct PlanPage {
    c: Chrome,
    id: String,
    sheet_href: String,
    map_href: String,
    action: String,
    full: bool,
    saved: bool,
    error: String,
    name: String,
    district: String,
    priority: String,
    covered: bool,
    status_code: String,
    status_label: String,
    status_changed: String,
    review_due: String,
    next_statuses: Vec<Opt>,
    today: String,
    helpers: Vec<HelperLine>,
    destination: String,
    method: String,
    reasons: Vec<String>,
    fixes: Vec<String>,
    warnings: Vec<String>,
    explanation: String,
    helper_options: Vec<Opt>,
    dest_options: Vec<Opt>,
    pin_text: String,
    notes: String,
    /// Helper access: the fields a helper gets, label and value.
    fields: Vec<(String, String)>,
}

/// The plan page: for full access every editable part and the sheet (in a frame, so every
/// field of the sheet shows as printed); for a helper the helper fields of the API's view.
pub fn plan(
    s: &Session,
    stored: &StoredPlan,
    view: &PlanView,
    run: Option<&PlanRun>,
    notice: Notice,
    today: time::Date,
) -> Result<String, askama::Error> {
    let lang = s.lang;
    let t = texts(lang);
    let p = &stored.plan;
    let id = stored.person.id.clone();
    let (saved, error) = match notice {
        Notice::None => (false, String::new()),
        Notice::Saved => (true, String::new()),
        Notice::Error(e) => (
            false,
            lang.pick(&e.body.message.ja, &e.body.message.en).to_owned(),
        ),
    };
    let full = view.access == "full";
    let mut page = PlanPage {
        c: Chrome::new(Some(s), lang, &format!("{id} {}", t.plan), true),
        sheet_href: format!("/people/{}/sheet", path_segment(&id)),
        map_href: format!(
            "/districts/{}/map?person={}",
            path_segment(&stored.person.district),
            path_segment(&id)
        ),
        action: format!("/people/{}", path_segment(&id)),
        id,
        full,
        saved,
        error,
        name: String::new(),
        district: String::new(),
        priority: String::new(),
        covered: false,
        status_code: String::new(),
        status_label: String::new(),
        status_changed: String::new(),
        review_due: String::new(),
        next_statuses: Vec::new(),
        today: today.to_string(),
        helpers: Vec::new(),
        destination: String::new(),
        method: String::new(),
        reasons: Vec::new(),
        fixes: Vec::new(),
        warnings: Vec::new(),
        explanation: String::new(),
        helper_options: Vec::new(),
        dest_options: Vec::new(),
        pin_text: String::new(),
        notes: String::new(),
        fields: Vec::new(),
    };
    if !full {
        page.fields = helper_fields(&view.plan, lang, t);
        return page.render();
    }
    page.name = p.name.clone();
    page.district = format!("{} {}", p.district, p.district_name);
    page.priority = p.priority.band.label(lang).to_owned();
    page.covered = p.covered;
    let st = stored.status.status;
    page.status_code = st.code().to_owned();
    page.status_label = lang.pick(st.label_ja(), st.label_en()).to_owned();
    page.status_changed = stored
        .status
        .changed_at
        .map(crate::store::timestamp)
        .map(|at| format!("{at} {}", stored.status.changed_by))
        .unwrap_or_default();
    page.review_due = stored
        .status
        .review_due
        .map(|d| d.to_string())
        .unwrap_or_default();
    page.next_statuses = PlanStatus::ALL
        .iter()
        .filter(|to| **to != st && allowed_transition(st, **to))
        .map(|to| Opt {
            value: to.code().to_owned(),
            label: lang.pick(to.label_ja(), to.label_en()).to_owned(),
        })
        .collect();
    page.helpers = p
        .helpers
        .iter()
        .map(|h| HelperLine {
            role: match h.role {
                HelperRole::Primary => t.primary,
                _ => t.backup,
            },
            id: h.id.clone(),
            name: h.name.clone(),
            travel: crate::render::minutes_text(h.travel_secs, lang),
        })
        .collect();
    page.destination = p
        .destination
        .as_ref()
        .map(|d| format!("{} ({})", d.name, d.id))
        .unwrap_or_else(|| t.none.to_owned());
    page.method = p.method.label(lang).to_owned();
    page.reasons = p.reasons.iter().map(|r| r.sentence(lang)).collect();
    page.fixes = p.reasons.iter().map(|r| fix_text(r, lang)).collect();
    page.warnings = p.warnings.iter().map(|w| w.sentence(lang)).collect();
    if let Some(run) = run {
        page.explanation = crate::render::text::explain_text(run, &p.person, lang);
        if let Some(ex) = run.explanations.get(&p.person) {
            // Feasible helpers: eligible for this person (chosen, backup, or not chosen only
            // because busy or dearer); the re-plan decides the rest.
            page.helper_options = ex
                .helpers
                .iter()
                .filter(|h| {
                    matches!(
                        h.status,
                        HelperStatus::Primary
                            | HelperStatus::Backup { .. }
                            | HelperStatus::NotChosen { .. }
                    )
                })
                .map(|h| Opt {
                    value: h.id.clone(),
                    label: format!(
                        "{} — {} — {}",
                        h.id,
                        crate::render::minutes_text(h.travel_secs, lang),
                        crate::render::text::helper_status_text(&h.status, lang)
                    ),
                })
                .collect();
            page.dest_options = ex
                .destinations
                .iter()
                .filter(|d| d.status.suitable())
                .map(|d| Opt {
                    value: d.id.clone(),
                    label: format!(
                        "{} {} — {}",
                        d.id,
                        d.name,
                        crate::render::minutes_text(d.evacuation_secs, lang)
                    ),
                })
                .collect();
        }
    }
    if let Some(pin) = &stored.pin {
        let parts: Vec<String> = [&pin.edit.helper_id, &pin.edit.destination_id]
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        page.pin_text = parts.join(", ");
        page.notes = pin.edit.notes.clone();
    }
    page.render()
}

/// The helper fields of the API's helper view, as label / value rows.
fn helper_fields(v: &serde_json::Value, lang: Lang, t: &Texts) -> Vec<(String, String)> {
    let text = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_owned();
    let mut out = vec![
        (t.name.to_owned(), text("name")),
        (t.address.to_owned(), text("address")),
        (t.phone.to_owned(), text("phone")),
    ];
    if let Some(m) = v
        .get("mobility")
        .and_then(|m| serde_json::from_value::<Mobility>(m.clone()).ok())
    {
        out.push((t.mobility.to_owned(), m.label(lang).to_owned()));
    }
    if let Some(n) = v.get("helpers_needed").and_then(|n| n.as_u64()) {
        out.push((t.helpers_needed.to_owned(), n.to_string()));
    }
    if let Some(m) = v
        .get("method")
        .and_then(|m| serde_json::from_value::<Method>(m.clone()).ok())
    {
        out.push((t.method.to_owned(), m.label(lang).to_owned()));
    }
    if let Some(d) = v
        .get("destination")
        .and_then(|d| d.get("name"))
        .and_then(|n| n.as_str())
    {
        out.push((t.destination.to_owned(), d.to_owned()));
    }
    if let Some(w) = v
        .get("start_when")
        .and_then(|w| w.get(lang.pick("ja", "en")))
        .and_then(|w| w.as_str())
    {
        out.push((t.start_when.to_owned(), w.to_owned()));
    }
    if let Some(a) = v
        .get("my_round")
        .and_then(|r| r.get("arrive_secs"))
        .and_then(|a| a.as_f64())
    {
        out.push((
            t.my_arrival.to_owned(),
            crate::render::after_alert_text(a / 60.0, None, lang),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_keep_ids_and_escape_the_rest() {
        assert_eq!(path_segment("P00001"), "P00001");
        assert_eq!(path_segment("a/b c"), "a%2Fb%20c");
        assert_eq!(path_segment("山"), "%E5%B1%B1");
    }

    #[test]
    fn bars_scale_to_the_largest() {
        let b = bars(vec![
            ("a".into(), "A".into(), 5),
            ("b".into(), "B".into(), 10),
            ("c".into(), "C".into(), 0),
        ]);
        assert_eq!(
            b.iter().map(|b| b.len).collect::<Vec<_>>(),
            vec![50, 100, 0]
        );
        assert_eq!(b[1].y, 28);
    }
}
