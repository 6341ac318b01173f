//! The plan sheet (個別避難計画): one person's plan as one self-contained HTML page for A4
//! portrait print, sections in the order of municipal templates.
//!
//! The template (`templates/sheet.html`) only places values: everything is turned into display
//! strings here, in a [`SheetPage`], so the template holds no logic a translator must follow.

use super::labels::{Labels, labels};
use super::svg::{MapMarks, Mark, route_map_svg};
use super::view::MapView;
use super::{after_alert_text, length_text, minutes_text};
use crate::model::{Household, Lang, LonLat, Mobility, Sex, ShelterKind, Structure};
use crate::plan::{EvacuationNeed, HelperRole, Method, Plan};
use askama::Template;

/// One row of a label / value table.
pub(crate) struct Row {
    pub label: &'static str,
    pub value: String,
}

fn row(label: &'static str, value: impl Into<String>) -> Row {
    Row {
        label,
        value: value.into(),
    }
}

/// An emergency contact row (blank when fewer than two contacts are known, for writing in).
pub(crate) struct ContactRow {
    pub name: String,
    pub relation: String,
    pub phone: String,
}

/// A helper row.
#[derive(Default)]
pub(crate) struct HelperRow {
    pub role: &'static str,
    pub name: String,
    pub address: String,
    pub phone: String,
    pub age: String,
    pub travel: String,
    pub watches: &'static str,
}

impl HelperRow {
    /// A row with only a role and a text in the name column (family, "not found").
    fn placeholder(role: &'static str, text: &str) -> Self {
        HelperRow {
            role,
            name: text.to_owned(),
            ..Default::default()
        }
    }
}

#[derive(Template)]
#[template(path = "sheet.html")]
pub(crate) struct SheetPage<'a> {
    pub l: &'static Labels,
    pub title: String,
    pub person: &'a str,
    pub district: String,
    pub priority: String,
    pub priority_class: &'static str,
    pub scenario: String,
    pub covered: bool,
    pub reasons: Vec<String>,
    pub warnings: Vec<String>,
    pub name: &'a str,
    pub kana: &'a str,
    pub person_rows: Vec<Row>,
    pub support_reasons: String,
    pub body_rows: Vec<Row>,
    pub home_rows: Vec<Row>,
    pub contacts: Vec<ContactRow>,
    pub helpers: Vec<HelperRow>,
    pub route_rows: Vec<Row>,
    pub map_svg: String,
    pub method_rows: Vec<Row>,
    pub warning_delivery: Vec<String>,
    pub things_to_take: Vec<String>,
    pub consent_rows: Vec<Row>,
    pub drafted: &'a str,
    pub m: &'static MoreLabels,
    /// Family doctor, care manager, welfare commissioner: (label, value; empty: a blank line).
    pub care_rows: Vec<Row>,
    pub updated: &'a str,
    pub next_review: &'a str,
    /// Sections 7 and 8 side by side for every hazard (empty: a one-scenario sheet, which has
    /// `route_rows`, `map_svg` and `method_rows` instead).
    pub hazards: HazardTable,
    pub helpers_note: &'static str,
}

/// Sections 7 and 8 of a multi-hazard sheet, one column per scenario as municipal forms list
/// 洪水 / 土砂災害 / 地震 side by side.
#[derive(Default)]
pub(crate) struct HazardTable {
    pub titles: Vec<String>,
    /// Each label once, in order of first appearance; a cell is "—" where a scenario has no
    /// such row (no route when staying home, say).
    pub rows: Vec<HazardRow>,
    /// (scenario title, route map SVG), in column order.
    pub maps: Vec<(String, String)>,
}

pub(crate) struct HazardRow {
    pub label: &'static str,
    pub cells: Vec<String>,
}

impl HazardTable {
    /// Builds the table from each scenario's (title, rows, map).
    fn new(columns: Vec<(String, Vec<Row>, String)>) -> Self {
        let mut labels: Vec<&'static str> = Vec::new();
        for (_, rows, _) in &columns {
            for r in rows {
                if !labels.contains(&r.label) {
                    labels.push(r.label);
                }
            }
        }
        let rows = labels
            .into_iter()
            .map(|label| HazardRow {
                label,
                cells: columns
                    .iter()
                    .map(|(_, rows, _)| {
                        rows.iter()
                            .find(|r| r.label == label)
                            .map_or_else(|| "—".to_string(), |r| r.value.clone())
                    })
                    .collect(),
            })
            .collect();
        let titles = columns.iter().map(|(t, _, _)| t.clone()).collect();
        let maps = columns.into_iter().map(|(t, _, svg)| (t, svg)).collect();
        HazardTable { titles, rows, maps }
    }
    pub fn is_empty(&self) -> bool {
        self.titles.is_empty()
    }
}

/// Sheet labels of the items municipal forms add (かかりつけ医, 署名, 見直し日 …).
#[derive(Debug)]
pub(crate) struct MoreLabels {
    pub and_dates: &'static str,
    pub helper_address: &'static str,
    pub family_doctor: &'static str,
    pub care_manager: &'static str,
    pub commissioner: &'static str,
    pub route_hazards: &'static str,
    pub no_route_hazards: &'static str,
    pub signature: &'static str,
    pub signer: &'static str,
    pub consent_date: &'static str,
    pub date_blank: &'static str,
    pub next_review: &'static str,
    pub helpers_first_scenario: &'static str,
    pub helpers_same: &'static str,
    pub helpers_differ: &'static str,
    pub helpers_not_needed: &'static str,
    pub by_hazard: &'static str,
    pub by_hazard_no: &'static str,
    pub and_sep: &'static str,
}

const MORE_JA: MoreLabels = MoreLabels {
    and_dates: "・署名／",
    helper_address: "住所",
    family_doctor: "かかりつけ医",
    care_manager: "ケアマネジャー・相談支援専門員",
    commissioner: "地区の民生委員",
    route_hazards: "経路上の危険箇所",
    no_route_hazards: "地図上の危険区域は通りません",
    signature: "署名",
    signer: "本人・代理人（続柄）",
    consent_date: "同意日",
    date_blank: "　　　　年　　月　　日",
    next_review: "次回見直し日",
    helpers_first_scenario: "6の支援者は、7・8の表の最初の災害の計画で選んだ人です。災害によって異なる場合は、表の「避難支援等実施者」の行に書いています。",
    helpers_same: "6と同じ",
    helpers_differ: "この災害では6と異なります",
    helpers_not_needed: "この災害では移動の支援は不要",
    by_hazard: "（災害別）",
    by_hazard_no: "7・8",
    and_sep: "、",
};

const MORE_EN: MoreLabels = MoreLabels {
    and_dates: ", signature / ",
    helper_address: "Address",
    family_doctor: "Family doctor",
    care_manager: "Care manager or support counsellor",
    commissioner: "District welfare commissioner",
    route_hazards: "Hazards on the route",
    no_route_hazards: "The route crosses no hazard zone on the map",
    signature: "Signature",
    signer: "Person or proxy (relation)",
    consent_date: "Date of consent",
    date_blank: "____ / ____ / ____",
    next_review: "Next review",
    helpers_first_scenario: "The helpers in 6 are those of the first hazard in table 7–8; where another hazard needs other helpers, the table's Helpers row says so.",
    helpers_same: "as in 6",
    helpers_differ: "not as in 6 for this hazard",
    helpers_not_needed: "no help to move needed in this hazard",
    by_hazard: " (by hazard)",
    by_hazard_no: "7–8",
    and_sep: "; ",
};

fn more_labels(lang: Lang) -> &'static MoreLabels {
    match lang {
        Lang::Ja => &MORE_JA,
        Lang::En => &MORE_EN,
    }
}

/// How close a route may pass a hazard zone for the sheet to name the zone, metres: about a
/// street's width plus a house plot (stated, not a planning figure: the zone is in sight of
/// the helper). Zones the route enters are named as crossed.
pub const ROUTE_HAZARD_BESIDE_M: f64 = 30.0;

/// The hazard zones of `view` that `route` crosses or passes within
/// [`ROUTE_HAZARD_BESIDE_M`], as sheet lines (kind, depth band, source; crossed or beside),
/// each zone description once, crossed first.
pub(crate) fn route_hazards(route: &[LonLat], view: &MapView, lang: Lang) -> Vec<String> {
    use geo::{Distance, Euclidean, Intersects, LineString, Polygon};
    let Some(o) = route.first() else {
        return Vec::new();
    };
    // The crate's local plane in metres around the start (routes are a few km).
    let frame = crate::spatial::Frame::new(*o);
    let xy = |lon: f64, lat: f64| {
        let [x, y] = frame.to_xy(LonLat::new(lon, lat));
        (x, y)
    };
    let line: LineString<f64> = route.iter().map(|p| xy(p.lon, p.lat)).collect();
    if line.0.len() < 2 {
        return Vec::new();
    }
    // One line per zone kind and source: crossed if any part is, with the deepest band.
    type Key<'a> = (crate::model::HazardKind, &'a str);
    let mut found: std::collections::BTreeMap<Key, (bool, Option<crate::model::DepthRank>)> =
        Default::default();
    for h in &view.hazards {
        let mut crosses = false;
        let mut near = false;
        for poly in &h.geometry {
            let ring = |r: &LineString<f64>| -> LineString<f64> {
                r.0.iter().map(|c| xy(c.x, c.y)).collect()
            };
            let p = Polygon::new(
                ring(poly.exterior()),
                poly.interiors().iter().map(ring).collect(),
            );
            if line.intersects(&p) {
                crosses = true;
            } else if Euclidean.distance(&line, &p) <= ROUTE_HAZARD_BESIDE_M {
                near = true;
            }
        }
        if !(crosses || near) {
            continue;
        }
        let e = found
            .entry((h.kind, h.source.as_str()))
            .or_insert((false, None));
        e.0 |= crosses;
        if h.depth_rank > e.1 {
            e.1 = h.depth_rank;
        }
    }
    let mut lines: Vec<(bool, String)> = found
        .into_iter()
        .map(|((kind, source), (crosses, depth))| {
            let kind = kind.label(lang);
            let mut what = match (depth, lang) {
                (Some(d), Lang::Ja) => format!("{kind}（最大{}", d.label()),
                (Some(d), Lang::En) => format!("{kind} (up to {}", d.label()),
                (None, Lang::Ja) => format!("{kind}（"),
                (None, Lang::En) => format!("{kind} ("),
            };
            if !source.is_empty() {
                if depth.is_some() {
                    what.push_str(lang.pick("、", ", "));
                }
                what.push_str(source);
            }
            what.push_str(lang.pick("）", ")"));
            let what = what.replace("（）", "").replace(" ()", "");
            let how = match (crosses, lang) {
                (true, Lang::Ja) => "を通る",
                (false, Lang::Ja) => "の脇を通る",
                (true, Lang::En) => ": the route runs through it",
                (false, Lang::En) => ": the route runs beside it",
            };
            (!crosses, format!("{what}{how}"))
        })
        .collect();
    lines.sort();
    lines.into_iter().map(|(_, t)| t).collect()
}

/// How to assist, from the mobility (a first draft the coordinator confirms with the person).
pub(crate) fn how_to_assist(m: Mobility, lang: Lang) -> &'static str {
    match m {
        Mobility::WalksAlone => lang.pick(
            "声をかけ、避難先まで付き添う。",
            "Tell them, and walk with them to the destination.",
        ),
        Mobility::WalksWithHelp => lang.pick(
            "手を引くなど体を支えて、ゆっくり歩いて付き添う。",
            "Support them by the arm and walk slowly with them.",
        ),
        Mobility::Wheelchair => lang.pick(
            "車いすを押して移動する。段差・坂道・積雪に注意する。",
            "Push the wheelchair; mind steps, slopes and snow.",
        ),
        Mobility::Bedridden => lang.pick(
            "2名で担架または抱きかかえて車両へ移し、車両で搬送する。",
            "Two helpers move the person by stretcher or carry them to a car, and drive.",
        ),
    }
}

/// Shelter kind label from its code, or the code itself if unknown.
pub(crate) fn shelter_kind(code: &str, lang: Lang) -> String {
    ShelterKind::parse(code)
        .map(|k| k.label(lang).to_string())
        .unwrap_or_else(|| code.to_string())
}

fn code_label<T: Copy>(
    code: &str,
    parse: fn(&str) -> Option<T>,
    label: fn(T, Lang) -> &'static str,
    lang: Lang,
) -> String {
    parse(code)
        .map(|v| label(v, lang).to_string())
        .unwrap_or_else(|| code.to_string())
}

fn join(items: impl IntoIterator<Item = String>, lang: Lang, empty: &str) -> String {
    let v: Vec<String> = items.into_iter().filter(|s| !s.is_empty()).collect();
    if v.is_empty() {
        empty.to_string()
    } else {
        v.join(lang.pick("、", ", "))
    }
}

/// The priority badge class for CSS.
pub(crate) fn band_class(b: crate::plan::Band) -> &'static str {
    match b {
        crate::plan::Band::High => "band-high",
        crate::plan::Band::Middle => "band-middle",
        crate::plan::Band::Low => "band-low",
    }
}

/// What the person does and how, without saying it twice: "leave home, on foot with a helper",
/// but "stay at home" rather than "stay at home, stay at home" when the method only repeats the
/// need (staying home, in a facility, upstairs).
fn need_and_method(need: EvacuationNeed, method: Method, lang: Lang) -> String {
    match (need, method) {
        (EvacuationNeed::Upstairs, Method::StayUpstairs) => method.label(lang).to_owned(),
        (EvacuationNeed::StayHome | EvacuationNeed::Facility, Method::StayHome) => {
            need.label(lang).to_owned()
        }
        _ => format!(
            "{}{}{}",
            need.label(lang),
            lang.pick("・", ", "),
            method.label(lang)
        ),
    }
}

/// One hazard scenario's part of a sheet: destination rows, route map and method rows.
struct HazardBlock {
    route_rows: Vec<Row>,
    map_svg: String,
    method_rows: Vec<Row>,
}

/// The destination, route map (ids prefixed `id_prefix`; the helpers of `plan` with their
/// homes and ways) and method rows of `plan`.
fn hazard_block(plan: &Plan, map_view: &MapView, lang: Lang, id_prefix: &str) -> HazardBlock {
    let l = labels(lang);
    let stays = matches!(plan.method, Method::StayUpstairs | Method::StayHome);
    let route_rows = match (&plan.destination, stays) {
        (_, true) if plan.method == Method::StayHome => {
            vec![row(l.destination, l.stay_home)]
        }
        (_, true) => vec![row(l.destination, l.stay_put)],
        (Some(d), false) => vec![
            row(
                l.destination,
                match lang {
                    Lang::Ja => format!("{}（{}）", d.name, shelter_kind(&d.kind, lang)),
                    Lang::En => format!("{} ({})", d.name, shelter_kind(&d.kind, lang)),
                },
            ),
            row(l.address, d.address.clone()),
            row(
                l.route_length,
                format!(
                    "{}{}{}",
                    length_text(plan.route_length_m),
                    lang.pick("・", ", "),
                    minutes_text(plan.evacuation_secs, lang)
                ),
            ),
        ],
        (None, false) => vec![row(l.destination, l.no_destination)],
    };
    let m = more_labels(lang);
    let mut route_rows = route_rows;
    if !stays && plan.route.len() > 1 {
        let found = route_hazards(&plan.route, map_view, lang);
        route_rows.push(row(
            m.route_hazards,
            if found.is_empty() {
                m.no_route_hazards.to_owned()
            } else {
                found.join(lang.pick("、", "; "))
            },
        ));
    }
    let mut marks = MapMarks {
        id_prefix,
        homes: vec![Mark::at(plan.home)],
        ..Default::default()
    };
    if let Some(d) = &plan.destination {
        marks.destinations.push(Mark::at(d.location));
    }
    if !stays && plan.route.len() > 1 {
        marks.routes.push(&plan.route);
    }
    for h in &plan.helpers {
        let tag = match h.role {
            HelperRole::Primary => String::new(),
            HelperRole::Backup => lang.pick("予備", "backup").to_string(),
        };
        marks.helper_homes.push(Mark { at: h.home, tag });
        if h.role == HelperRole::Primary && h.route.len() > 1 {
            marks.helper_routes.push(&h.route);
        }
    }
    let map_svg = route_map_svg(map_view, &marks, lang);
    let alert_at = plan.alert_at.as_deref();
    // What to do and how, in one row: the need, the means of moving, and why.
    let mut method_rows = vec![
        row(
            l.evacuation_need,
            format!(
                "{}{}{}",
                need_and_method(plan.evacuation_need, plan.method, lang),
                lang.pick("：", ": "),
                plan.need_reason.get(lang)
            ),
        ),
        row(
            l.start_when,
            format!(
                "{}{}{}: {}",
                if plan.start_when.get(lang).is_empty() {
                    l.start_default
                } else {
                    plan.start_when.get(lang)
                },
                lang.pick("／", " / "),
                l.preparation,
                minutes_text(plan.preparation_secs, lang)
            ),
        ),
    ];
    // When: one row with the latest departure (or time to be upstairs), the time to spare and
    // when the water comes, so the sheet stays within two pages.
    if let Some(b) = plan.leave_by_min {
        let label = if plan.method == Method::StayUpstairs {
            l.be_up_by
        } else {
            l.leave_by
        };
        let sep = lang.pick("／", " / ");
        let mut text = after_alert_text(b, alert_at, lang);
        if let Some(s) = plan.slack_min {
            text = format!("{text}{sep}{}: {}", l.slack, minutes_text(s * 60.0, lang));
        }
        if let Some(w) = plan.water_arrives_min {
            text = format!(
                "{text}{sep}{}: {}",
                l.water_arrives,
                after_alert_text(w, alert_at, lang)
            );
        }
        method_rows.push(row(label, text));
    }
    HazardBlock {
        route_rows,
        map_svg,
        method_rows,
    }
}

/// Who helps in `other` (the same person under another hazard, or `first` itself for the first
/// column) next to the sheet's section 6, which lists the helpers of `first`: nobody needed when `other` needs no help to move, "as in
/// 6" when the household member and primary helpers are the same people, else the names of
/// `other`'s primary helpers (or "not found") and that they differ.
fn helpers_in(first: &Plan, other: &Plan, lang: Lang) -> String {
    let l = labels(lang);
    let m = more_labels(lang);
    if !other.needs_help {
        return m.helpers_not_needed.to_string();
    }
    if first.same_helpers(other) {
        return m.helpers_same.to_string();
    }
    let mut names: Vec<String> = Vec::new();
    if other.family_helper {
        names.push(l.family_name.to_string());
    }
    names.extend(other.primary_helpers().map(|h| h.name.clone()));
    if names.is_empty() {
        names.push(l.not_found.to_string());
    }
    match lang {
        Lang::Ja => format!("{}（{}）", names.join("、"), m.helpers_differ),
        Lang::En => format!("{} ({})", names.join(", "), m.helpers_differ),
    }
}

/// Renders the plan sheet of `plan` with its route map cut from `map_view`, labels in `lang`.
/// One self-contained HTML page (inline CSS and SVG), A4 portrait, one or two pages in print.
/// Deterministic: the only date on the page is `plan.drafted`.
pub fn render_sheet(plan: &Plan, map_view: &MapView, lang: Lang) -> String {
    render_sheet_multi(plan, map_view, &[], lang)
}

/// [`render_sheet_multi`] with each plan's map view cut from `index` around the plan's points
/// (home, route, destination, helpers) with [`super::MAP_MARGIN_M`]: what `sheets` prints.
pub fn render_sheet_hazards(
    plan: &Plan,
    others: &[&Plan],
    index: &super::MapIndex,
    lang: Lang,
) -> String {
    let view_of = |p: &Plan| index.view(&super::plan_points(p), super::MAP_MARGIN_M);
    let views: Vec<MapView> = others.iter().map(|p| view_of(p)).collect();
    let pairs: Vec<(&Plan, &MapView)> = others.iter().copied().zip(&views).collect();
    render_sheet_multi(plan, &view_of(plan), &pairs, lang)
}

/// Renders one sheet for one person across several hazard scenarios: `plan` (the first
/// scenario) gives the shared items (person, helpers, contacts, consent, dates); sections 7
/// and 8 become one table with a column per scenario (`plan`, then each of `others`: the same
/// person planned under another scenario, with its own map view): destination, route and its
/// hazards, who helps (section 6's helpers or, where that scenario chose others, their names),
/// need and method, when to leave, then a route map per scenario. With no `others` the page is
/// byte for byte that of [`render_sheet`]. Panics if a plan in `others` is of another person
/// (a caller's bug, not user data).
pub fn render_sheet_multi(
    plan: &Plan,
    map_view: &MapView,
    others: &[(&Plan, &MapView)],
    lang: Lang,
) -> String {
    let l = labels(lang);
    let m = more_labels(lang);
    let title_of =
        |p: &Plan| crate::plan::scenario_title(p.hazard, &p.scenario, &p.scenario_en, lang);
    // The header names the hazards (the table heads give each scenario's title), or the
    // titles when two scenarios are of one hazard.
    let mut hazard_kinds = vec![plan.hazard];
    for (other, _) in others {
        assert_eq!(other.person, plan.person, "a sheet is one person's");
        hazard_kinds.push(other.hazard);
    }
    let scenario = if others.is_empty() {
        title_of(plan)
    } else if (1..hazard_kinds.len()).all(|i| !hazard_kinds[..i].contains(&hazard_kinds[i])) {
        let labels: Vec<&str> = hazard_kinds.iter().map(|h| h.label(lang)).collect();
        labels.join(lang.pick("／", " / "))
    } else {
        let titles: Vec<String> = std::iter::once(plan)
            .chain(others.iter().map(|(p, _)| *p))
            .map(title_of)
            .collect();
        titles.join(lang.pick("／", " / "))
    };
    let yes_no = |b: bool| if b { l.yes } else { l.no };
    let sex = code_label(&plan.sex, Sex::parse, Sex::label, lang);
    let age = match lang {
        Lang::Ja => format!("{}（{}{}）", plan.birth_date, plan.age, l.age_suffix),
        Lang::En => format!("{} ({} {})", plan.birth_date, plan.age, l.age_suffix),
    };
    let person_rows = vec![
        row(l.birth_date, age),
        row(l.sex, sex),
        row(l.address, plan.address.clone()),
        row(l.phone, plan.phone.clone()),
        row(
            l.household,
            code_label(&plan.household, Household::parse, Household::label, lang),
        ),
        row(
            l.daytime_place,
            if plan.daytime_place.is_empty() {
                l.none.to_string()
            } else {
                plan.daytime_place.clone()
            },
        ),
    ];
    let body_rows = vec![
        row(l.mobility, plan.mobility.label(lang)),
        row(l.how_to_assist, how_to_assist(plan.mobility, lang)),
        row(
            l.helpers_needed,
            format!("{}{}", plan.helpers_needed, l.persons_suffix),
        ),
        row(
            l.medical,
            join(
                plan.needs.iter().map(|n| n.label(lang).to_string()),
                lang,
                l.none,
            ),
        ),
        row(
            l.notes,
            if plan.notes.is_empty() {
                l.none.to_string()
            } else {
                plan.notes.clone()
            },
        ),
    ];
    let home_rows = vec![
        row(
            l.structure,
            code_label(&plan.structure, Structure::parse, Structure::label, lang),
        ),
        row(
            l.floors,
            match (lang, plan.floors) {
                (Lang::Ja, n) => format!("{n}{}", l.floors_suffix),
                (Lang::En, 1) => "1 storey".to_string(),
                (Lang::En, n) => format!("{n} {}", l.floors_suffix),
            },
        ),
        row(
            l.bedroom_floor,
            match lang {
                Lang::Ja => format!("{}{}", plan.bedroom_floor, l.floor_suffix),
                Lang::En => format!("floor {}", plan.bedroom_floor),
            },
        ),
    ];
    let mut contacts: Vec<ContactRow> = plan
        .contacts
        .iter()
        .take(2)
        .map(|c| ContactRow {
            name: c.name.clone(),
            relation: c.relation.clone(),
            phone: c.phone.clone(),
        })
        .collect();
    while contacts.len() < 2 {
        contacts.push(ContactRow {
            name: String::new(),
            relation: String::new(),
            phone: String::new(),
        });
    }
    let mut helpers: Vec<HelperRow> = plan
        .helpers
        .iter()
        .map(|h| HelperRow {
            role: match h.role {
                HelperRole::Primary => l.primary,
                HelperRole::Backup => l.backup,
            },
            name: h.name.clone(),
            address: h.address.clone(),
            phone: h.phone.clone(),
            age: format!("{}", h.age),
            travel: minutes_text(h.travel_secs, lang),
            watches: yes_no(h.watches_person),
        })
        .collect();
    if plan.family_helper {
        helpers.insert(0, HelperRow::placeholder(l.family, l.family_name));
    }
    let primaries = plan.primary_helpers().count() + usize::from(plan.family_helper);
    for _ in primaries..usize::from(plan.helpers_needed.max(1)) {
        helpers.insert(primaries, HelperRow::placeholder(l.primary, l.not_found));
    }
    if plan.backup_helper().is_none() {
        helpers.push(HelperRow::placeholder(l.backup, l.not_found));
    }
    let care_rows = vec![
        row(m.family_doctor, plan.family_doctor.clone()),
        row(m.care_manager, plan.care_manager.clone()),
        row(m.commissioner, plan.commissioner.clone()),
    ];
    let first = hazard_block(plan, map_view, lang, "map");
    let (route_rows, map_svg, method_rows, hazards) = if others.is_empty() {
        let HazardBlock {
            route_rows,
            map_svg,
            method_rows,
        } = first;
        (route_rows, map_svg, method_rows, HazardTable::default())
    } else {
        // One column per scenario: destination, route, who helps, need, when.
        let column = |p: &Plan, b: HazardBlock, helpers: String| {
            let mut rows = b.route_rows;
            rows.push(row(l.s_helpers, helpers));
            rows.extend(b.method_rows);
            (title_of(p), rows, b.map_svg)
        };
        let mut columns = vec![column(plan, first, helpers_in(plan, plan, lang))];
        for (i, (other, view)) in others.iter().enumerate() {
            let b = hazard_block(other, view, lang, &format!("map{}", i + 1));
            columns.push(column(other, b, helpers_in(plan, other, lang)));
        }
        (
            Vec::new(),
            String::new(),
            Vec::new(),
            HazardTable::new(columns),
        )
    };
    let consent_rows = vec![
        row(l.consent_plan, yes_no(plan.consent_plan)),
        row(l.consent_share, yes_no(plan.consent_share)),
        row(
            l.shared_with,
            join(
                plan.shared_with.iter().map(|t| t.get(lang).to_string()),
                lang,
                l.none,
            ),
        ),
    ];
    let page = SheetPage {
        l,
        title: format!("{} — {}", l.sheet_title, plan.name),
        person: &plan.person,
        district: if plan.district_name.is_empty() {
            plan.district.clone()
        } else {
            format!("{} {}", plan.district, plan.district_name)
        },
        priority: plan.priority.band.label(lang).to_string(),
        priority_class: band_class(plan.priority.band),
        scenario,
        hazards,
        helpers_note: m.helpers_first_scenario,
        covered: plan.covered,
        reasons: plan.reasons.iter().map(|r| r.sentence(lang)).collect(),
        warnings: plan.warnings.iter().map(|w| w.sentence(lang)).collect(),
        name: &plan.name,
        kana: &plan.kana,
        person_rows,
        support_reasons: join(
            plan.support_reasons.iter().map(|r| r.label(lang)),
            lang,
            l.none,
        ),
        body_rows,
        home_rows,
        contacts,
        helpers,
        route_rows,
        map_svg,
        method_rows,
        warning_delivery: plan
            .warning_delivery
            .iter()
            .map(|t| t.get(lang).to_string())
            .collect(),
        things_to_take: plan
            .things_to_take
            .iter()
            .map(|t| t.get(lang).to_string())
            .collect(),
        consent_rows,
        drafted: &plan.drafted,
        m,
        care_rows,
        updated: &plan.updated,
        next_review: &plan.next_review,
    };
    page.render()
        .expect("rendering a sheet into a String cannot fail")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::HazardKind;
    use crate::render::view::ViewHazard;
    use crate::rng::Rng;

    #[test]
    fn need_and_method_never_says_the_same_thing_twice() {
        let methods = [
            Method::Walk,
            Method::Wheelchair,
            Method::Car,
            Method::StayUpstairs,
            Method::StayHome,
        ];
        for lang in [Lang::Ja, Lang::En] {
            for need in EvacuationNeed::ALL {
                for method in methods {
                    let text = need_and_method(need, method, lang);
                    // Every part names what the person does, and no part repeats or contains another.
                    assert!(
                        text.contains(need.label(lang)) || text.contains(method.label(lang)),
                        "{text}"
                    );
                    let parts: Vec<&str> = if text == method.label(lang) || text == need.label(lang)
                    {
                        vec![&text]
                    } else {
                        vec![need.label(lang), method.label(lang)]
                    };
                    for (i, a) in parts.iter().enumerate() {
                        for b in &parts[i + 1..] {
                            let (a, b) = (a.to_lowercase(), b.to_lowercase());
                            assert!(!a.contains(&b) && !b.contains(&a), "{text}");
                        }
                    }
                }
            }
        }
    }

    /// A square zone `side_m` wide whose south-west corner is at (`x0_m`, `y0_m`) metres from
    /// the origin (142.3, 43.7).
    fn square(x0_m: f64, y0_m: f64, side_m: f64) -> ViewHazard {
        let ll = |x: f64, y: f64| {
            let p = origin().to_lonlat([x, y]);
            (p.lon, p.lat)
        };
        let ring = vec![
            ll(x0_m, y0_m),
            ll(x0_m + side_m, y0_m),
            ll(x0_m + side_m, y0_m + side_m),
            ll(x0_m, y0_m + side_m),
            ll(x0_m, y0_m),
        ];
        ViewHazard {
            kind: HazardKind::Landslide,
            depth_rank: None,
            source: "Z".into(),
            geometry: geo::MultiPolygon(vec![geo::Polygon::new(ring.into(), vec![])]),
        }
    }

    fn view(h: Vec<ViewHazard>) -> MapView {
        MapView {
            min: LonLat::new(142.0, 43.0),
            max: LonLat::new(143.0, 44.0),
            roads: vec![],
            hazards: h,
        }
    }

    /// A straight east-west route at `y_m` metres north of the origin, 0 to 1000 m east.
    fn route(y_m: f64) -> Vec<LonLat> {
        (0..=10)
            .map(|i| origin().to_lonlat([i as f64 * 100.0, y_m]))
            .collect()
    }

    /// Metres east and north of (142.3, 43.7) in the crate's local plane.
    fn origin() -> crate::spatial::Frame {
        crate::spatial::Frame::new(LonLat::new(142.3, 43.7))
    }

    #[test]
    fn zones_on_the_route_are_named_as_crossed_or_beside_by_their_distance() {
        // The zone spans y 100..300 m. Random gaps against the plain rule: inside → crossed,
        // within 30 m → beside, farther → not named (gaps kept away from the boundary by 1 m,
        // the projection's error over a kilometre).
        let mut rng = Rng::new(16);
        for _ in 0..300 {
            let y = rng.range_f64(-200.0, 600.0);
            let gap = if (100.0..=300.0).contains(&y) {
                0.0
            } else {
                (100.0 - y).max(y - 300.0)
            };
            if (gap - ROUTE_HAZARD_BESIDE_M).abs() < 1.0 || (gap > 0.0 && gap < 1.0) {
                continue;
            }
            let found = route_hazards(
                &route(y),
                &view(vec![square(200.0, 100.0, 200.0)]),
                Lang::En,
            );
            if gap <= 0.0 {
                assert!(
                    found.len() == 1 && found[0].contains("through it"),
                    "{y}: {found:?}"
                );
            } else if gap <= ROUTE_HAZARD_BESIDE_M {
                assert!(
                    found.len() == 1 && found[0].contains("beside it"),
                    "{y}: {found:?}"
                );
            } else {
                assert!(found.is_empty(), "{y}: {found:?}");
            }
        }
    }
}
