//! The annual watch-over report (安心見守り事業 実績), counted from the records.
//!
//! Mirrors the summary table of the council's fiscal report (districts active, watched people,
//! helpers, caretakers, coordinators, total activities), then breaks it down by district and by
//! method. Fiscal years run April to March: fiscal 2023 is 2023-04-01 to 2024-03-31.

use crate::model::{DistrictId, LonLat, Map, Role, WatchMethod, WatchOutcome};
use crate::network::RoadGraph;
use crate::spatial::SpatialIndex;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use time::{Date, Month};

/// Counts for one district.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DistrictRow {
    pub code: String,
    pub name: String,
    pub watched_people: usize,
    pub helpers: usize,
    pub caretakers: usize,
    pub coordinators: usize,
    pub activities: usize,
    pub concerns: usize,
    pub referrals: usize,
}

/// The report. Field names are the JSON keys.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AnnualReport {
    pub fiscal_year: i32,
    pub from: String,
    pub to: String,
    /// Districts with at least one watch activity in the year.
    pub districts: usize,
    /// People with at least one watch activity in the year.
    pub watched_people: usize,
    /// Volunteers holding each role in the active districts.
    pub helpers: usize,
    pub caretakers: usize,
    pub coordinators: usize,
    /// Watch activities (visits, calls, observations) in the year.
    pub activities: usize,
    pub concerns: usize,
    pub referrals: usize,
    pub by_district: Vec<DistrictRow>,
    pub by_method: BTreeMap<WatchMethod, usize>,
    /// Plan progress (the seed's concern: plans stall for lack of helpers), when the report
    /// was made with a planning run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_progress: Option<PlanProgress>,
}

/// Plan progress per district under one scenario, and where to recruit first.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlanProgress {
    pub scenario: String,
    /// The scenario's English name, when its file gives one.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub scenario_en: String,
    pub as_of: String,
    pub by_district: Vec<ProgressRow>,
    pub total: ProgressRow,
    /// The top recruitment targets (`mimamori recruit`, checked by re-planning), for the
    /// whole map.
    pub targets: Vec<crate::recruit::Suggestion>,
}

/// One district's plan progress.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ProgressRow {
    pub code: String,
    pub name: String,
    pub people: usize,
    /// Consented to a plan being drafted.
    pub consented: usize,
    /// Need a helper now (leave, or get upstairs) in the scenario.
    pub need_help: usize,
    pub covered: usize,
    pub uncovered: usize,
    /// Uncovered (and without consent), by reason code.
    pub uncovered_by_reason: BTreeMap<String, usize>,
}

/// Plan progress of `run` (a planning run of `map`) with the recruitment `targets`.
pub fn plan_progress(
    map: &Map,
    run: &crate::plan::PlanRun,
    targets: Vec<crate::recruit::Suggestion>,
) -> PlanProgress {
    let row = |code: &str, name: &str, c: &crate::plan::Counts| ProgressRow {
        code: code.to_owned(),
        name: name.to_owned(),
        people: c.people,
        consented: c.consented,
        need_help: c.need_help,
        covered: c.covered,
        uncovered: c.uncovered,
        uncovered_by_reason: c.by_reason.clone(),
    };
    PlanProgress {
        scenario: run.summary.scenario.clone(),
        scenario_en: run.summary.scenario_en.clone(),
        as_of: run.summary.as_of.clone(),
        by_district: map
            .districts
            .iter()
            .filter_map(|d| Some(row(&d.code, &d.name, run.summary.by_district.get(&d.code)?)))
            .collect(),
        total: row("", "", &run.summary.total),
        targets,
    }
}

/// Fiscal years a report can be asked for: the same span as accepted as-of dates
/// ([`crate::model::Plausibility`]: 2000-01-01 to 2100-12-31), so that no date arithmetic can
/// overflow and a typo (`10000`, `23`) is refused rather than answered with an empty report.
pub const FISCAL_YEARS: std::ops::RangeInclusive<i32> = 2000..=2099;

/// Why a report cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    #[error(
        "fiscal year {0}: expected a year from {start} to {end} (fiscal 2023 = 2023-04-01 to 2024-03-31) / 年度は{start}〜{end}の西暦で指定してください",
        start = FISCAL_YEARS.start(),
        end = FISCAL_YEARS.end()
    )]
    FiscalYearOutOfRange(i32),
}

/// First and last day of a fiscal year, `None` outside [`FISCAL_YEARS`].
pub fn fiscal_year_range(fy: i32) -> Option<(Date, Date)> {
    if !FISCAL_YEARS.contains(&fy) {
        return None;
    }
    let from = Date::from_calendar_date(fy, Month::April, 1).ok()?;
    let to = Date::from_calendar_date(fy + 1, Month::March, 31).ok()?;
    Some((from, to))
}

/// Counts the report for fiscal year `fy` from the map's records and roster; refuses a year
/// outside [`FISCAL_YEARS`].
pub fn annual(map: &Map, fy: i32) -> Result<AnnualReport, ReportError> {
    let (from, to) = fiscal_year_range(fy).ok_or(ReportError::FiscalYearOutOfRange(fy))?;
    let mut rows: BTreeMap<DistrictId, DistrictRow> = BTreeMap::new();
    let mut watched = BTreeSet::new();
    let mut by_method = BTreeMap::new();
    let mut people_by_district: BTreeMap<DistrictId, BTreeSet<_>> = BTreeMap::new();
    for r in map
        .records
        .iter()
        .filter(|r| r.date >= from && r.date <= to)
    {
        let d = map.person(r.person).district;
        let row = rows.entry(d).or_default();
        row.activities += 1;
        row.concerns += usize::from(r.outcome == WatchOutcome::Concern);
        row.referrals += usize::from(r.referral.is_some());
        watched.insert(r.person);
        people_by_district.entry(d).or_default().insert(r.person);
        *by_method.entry(r.method).or_insert(0) += 1;
    }
    for v in &map.volunteers {
        if let Some(row) = rows.get_mut(&v.district) {
            row.helpers += usize::from(v.has_role(Role::Helper));
            row.caretakers += usize::from(v.has_role(Role::Caretaker));
            row.coordinators += usize::from(v.has_role(Role::Coordinator));
        }
    }
    for (d, row) in rows.iter_mut() {
        let district = map.district(*d);
        row.code = district.code.clone();
        row.name = district.name.clone();
        row.watched_people = people_by_district.get(d).map_or(0, BTreeSet::len);
    }
    let by_district: Vec<DistrictRow> = rows.into_values().collect();
    let sum = |f: fn(&DistrictRow) -> usize| by_district.iter().map(f).sum();
    Ok(AnnualReport {
        fiscal_year: fy,
        from: from.to_string(),
        to: to.to_string(),
        districts: by_district.len(),
        watched_people: watched.len(),
        helpers: sum(|r| r.helpers),
        caretakers: sum(|r| r.caretakers),
        coordinators: sum(|r| r.coordinators),
        activities: sum(|r| r.activities),
        concerns: sum(|r| r.concerns),
        referrals: sum(|r| r.referrals),
        by_district,
        by_method,
        plan_progress: None,
    })
}

/// The counts `mimamori info` prints: people, volunteers, shelters, the road graph, its
/// components, and the points that are off the network. Field names are the JSON keys.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MapInfo {
    pub map: String,
    pub people: usize,
    pub volunteers: usize,
    pub volunteers_by_role: BTreeMap<&'static str, usize>,
    pub shelters: usize,
    pub shelters_by_kind: BTreeMap<&'static str, usize>,
    pub districts: usize,
    pub hazard_zones: usize,
    pub watch_records: usize,
    pub road_nodes: usize,
    pub road_edges: usize,
    pub components: usize,
    pub largest_component_nodes: usize,
    /// People, volunteers and shelters with no road within the snapping distance.
    pub off_network: usize,
    pub off_network_by_kind: BTreeMap<&'static str, usize>,
    pub indexed_points: usize,
}

impl MapInfo {
    /// Counts `map` and its road graph `g`.
    pub fn of(map: &Map, g: &RoadGraph) -> MapInfo {
        let idx = SpatialIndex::from_map(map, *g.frame());
        let off = |pts: &mut dyn Iterator<Item = LonLat>| {
            pts.filter(|p| g.snap(*p).is_none_or(|s| s.off_network))
                .count()
        };
        let off_network_by_kind = BTreeMap::from([
            ("people", off(&mut map.people.iter().map(|p| p.home))),
            (
                "volunteers",
                off(&mut map.volunteers.iter().map(|v| v.home)),
            ),
            (
                "shelters",
                off(&mut map.shelters.iter().map(|s| s.location)),
            ),
        ]);
        let mut shelters_by_kind = BTreeMap::new();
        for s in &map.shelters {
            *shelters_by_kind.entry(s.kind.code()).or_insert(0) += 1;
        }
        MapInfo {
            map: map.meta.name.clone(),
            people: map.people.len(),
            volunteers: map.volunteers.len(),
            volunteers_by_role: map
                .volunteers_by_role()
                .into_iter()
                .map(|(r, n)| (r.code(), n))
                .collect(),
            shelters: map.shelters.len(),
            shelters_by_kind,
            districts: map.districts.len(),
            hazard_zones: map.hazards.len(),
            watch_records: map.records.len(),
            road_nodes: g.node_count(),
            road_edges: g.edge_count(),
            components: g.component_count(),
            largest_component_nodes: g.largest_component().map_or(0, |c| g.component_size(c)),
            off_network: off_network_by_kind.values().sum(),
            off_network_by_kind,
            indexed_points: idx.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: `report annual --fiscal-year 10000` panicked in date arithmetic.
    #[test]
    fn fiscal_year_out_of_range_is_an_error_not_a_panic() {
        let map = Map::default();
        for fy in [i32::MIN, -1, 0, 23, 1999, 2100, 10000, i32::MAX] {
            let e = annual(&map, fy).unwrap_err();
            assert_eq!(e, ReportError::FiscalYearOutOfRange(fy));
            assert!(e.to_string().contains("from 2000 to 2099"), "{e}");
        }
        for fy in [2000, 2023, 2099] {
            let r = annual(&map, fy).unwrap();
            assert_eq!(r.from, format!("{fy}-04-01"));
            assert_eq!(r.to, format!("{}-03-31", fy + 1));
        }
    }
}
