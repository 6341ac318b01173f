//! The planning engine: from a map, its road graph and a scenario to one plan per person, the
//! people left without help with their reasons, and the matching problems as solved.
//!
//! The flow, per run:
//! 1. Closures for the scenario (active hazard zones beyond the depth threshold, closed roads
//!    and areas) as an overlay on the graph; volunteers available at this time.
//! 2. Per person who consented: priority; staying on a safe upper floor (屋内安全確保) when the
//!    home has a floor above the expected depth and is in no house-collapse or landslide zone;
//!    otherwise a bounded search from home at the person's pace for suitable destinations.
//! 3. Destinations assigned under capacity by the exact matching (shelters as suppliers),
//!    nearest first, welfare shelters preferred for people who need one.
//! 4. Per person with a destination: a bounded backward search for helpers, each candidate
//!    passed through the eligibility filters in a fixed order (consent to be named, available,
//!    skill, time), so that a person with no eligible helper gets the reason of the filter that
//!    removed the last candidate.
//! 5. The exact helper matching (coverage weighted by priority, then cost), then backups.
//! 6. Reasons for everyone left uncovered, warnings for the covered, plans and the summary.
//!
//! Every step is deterministic: people, helpers and shelters are visited in id order and ties
//! are broken by id.

use super::matching::{
    self, Arc, BackupParams, Demand, MatchingError, MatchingParams, MatchingProblem,
    MatchingSolution, Supply,
};
use super::scenario::Scenario;
use super::types::*;
use crate::model::*;
use crate::network::{
    Closures, Direction, NodeId, Profile, RoadGraph, RoutingParams, SearchTree, close_polygon,
    close_roads, hazard_closures, one_to_many_into,
};
use crate::rng::Rng;
use crate::spatial::{HazardIndex, Item, ItemKind, SpatialIndex};
use geo::Intersects;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use thiserror::Error;
use time::{Date, Duration};

/// Preparation time at home before leaving, minutes, by mobility (our assumptions, settings):
/// dressing, medication, locking up; longer for a wheelchair transfer and for a bedridden
/// person moved onto a stretcher or into a car.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PreparationMin {
    pub walks_alone: f64,
    pub walks_with_help: f64,
    pub wheelchair: f64,
    pub bedridden: f64,
}

impl PreparationMin {
    pub fn for_mobility(&self, m: Mobility) -> f64 {
        match m {
            Mobility::WalksAlone => self.walks_alone,
            Mobility::WalksWithHelp => self.walks_with_help,
            Mobility::Wheelchair => self.wheelchair,
            Mobility::Bedridden => self.bedridden,
        }
    }
}

/// Every setting of the engine, with documented defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlanParams {
    pub routing: RoutingParams,
    /// A helper must reach the person within this, minutes (issue default 15 min).
    pub max_helper_travel_min: f64,
    /// Volunteers at or above this age are eligible only as a last resort.
    pub last_resort_age: i32,
    /// Cost added to a last-resort helper, seconds: larger than any saving a younger helper
    /// brings, so they are chosen only when coverage needs them.
    pub last_resort_penalty_secs: u64,
    /// Cost added to a welfare commissioner (民生委員): a helper of last resort, overloaded.
    pub commissioner_penalty_secs: u64,
    /// Cost saved when the helper already watches the person, at most, seconds; scaled by
    /// recency and frequency of contact in the last year.
    pub relationship_bonus_secs: f64,
    pub preparation_min: PreparationMin,
    /// Roles that may be named as helpers.
    pub eligible_roles: Vec<Role>,
    /// A walk longer than this gets a warning, metres (recommended longest walk to a site).
    pub max_walk_m: f64,
    /// No watch contact for this many days gets a warning.
    pub stale_contact_days: i64,
    /// Share of a general shelter's or site's capacity reserved for people planned here (the
    /// rest is for everyone else). Welfare shelters are wholly for them.
    pub shelter_capacity_share: f64,
    /// Seats assumed for a destination whose capacity is unknown (0 in the data).
    pub unknown_capacity_seats: u32,
    /// Cost added when a person who needs a welfare shelter is sent to a general one, seconds.
    pub welfare_fallback_penalty_secs: u64,
    /// Storey height used to decide which floor is above the water, metres.
    pub floor_height_m: f64,
    /// Destinations farther than this are not considered, minutes.
    pub max_evacuation_min: f64,
    /// Destinations kept per person for the capacity assignment.
    pub destination_candidates: usize,
    /// Eligible helpers kept per person (the cheapest) for the matching; the matching is exact
    /// over these. Keeps the problem small where helpers are dense.
    pub helper_candidates: usize,
    pub matching: MatchingParams,
}

impl Default for PlanParams {
    fn default() -> Self {
        PlanParams {
            routing: RoutingParams::default(),
            max_helper_travel_min: 15.0,
            last_resort_age: 80,
            last_resort_penalty_secs: 7_200,
            commissioner_penalty_secs: 600,
            relationship_bonus_secs: 600.0,
            preparation_min: PreparationMin {
                walks_alone: 10.0,
                walks_with_help: 15.0,
                wheelchair: 20.0,
                bedridden: 30.0,
            },
            eligible_roles: vec![Role::Helper, Role::Commissioner],
            max_walk_m: 500.0,
            stale_contact_days: 90,
            shelter_capacity_share: 0.1,
            unknown_capacity_seats: 50,
            welfare_fallback_penalty_secs: 1_800,
            floor_height_m: 3.0,
            max_evacuation_min: 60.0,
            destination_candidates: 8,
            helper_candidates: 12,
            matching: MatchingParams::default(),
        }
    }
}

/// What can stop a run (bad scenario references); data problems are reasons, not errors.
#[derive(Debug, Error)]
pub enum PlanError {
    #[error("scenario field `{field}`: found {value:?}, expected {expected}")]
    Scenario {
        field: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error("scenario field `unavailable_volunteers`: unknown volunteer ids {0:?}")]
    UnknownVolunteers(Vec<String>),
    #[error("scenario: {0}")]
    Network(#[from] crate::network::NetworkError),
    #[error("matching: {0}")]
    Matching(#[from] MatchingError),
}

/// How a candidate helper fared, for `explain`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum HelperStatus {
    Primary,
    Backup,
    /// Eligible, not chosen: busy with these people (or a cheaper helper was chosen).
    NotChosen {
        helps: Vec<String>,
    },
    NoConsent,
    Unavailable,
    MissingSkill {
        skill: String,
    },
    TooLate {
        total_secs: f64,
    },
}

/// One helper considered for a person.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HelperCandidate {
    pub id: String,
    pub travel_secs: f64,
    pub cost: Option<u64>,
    pub watches_person: bool,
    #[serde(flatten)]
    pub status: HelperStatus,
}

/// One destination considered for a person.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DestinationCandidate {
    pub id: String,
    pub name: String,
    pub evacuation_secs: f64,
    /// "chosen", "candidate" (suitable, not chosen) or why it is unsuitable.
    pub status: String,
}

/// Everything considered for one person.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    pub person: String,
    pub profile: Option<Profile>,
    pub home_snap_m: Option<f64>,
    pub destinations: Vec<DestinationCandidate>,
    pub helpers: Vec<HelperCandidate>,
}

/// A matching problem as solved, with external ids, for outside re-checking.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MatchingDump {
    /// External ids of `problem.people` (people ids).
    pub people: Vec<String>,
    /// External ids of `problem.helpers` (volunteer or shelter ids).
    pub helpers: Vec<String>,
    pub problem: MatchingProblem,
    pub solution: MatchingSolution,
    pub objective: matching::Objective,
}

/// The result of one run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanRun {
    /// One plan per person who consented to drafting, in person id order.
    pub plans: Vec<Plan>,
    /// Everyone without a plan or without the helpers they need, in priority order.
    pub uncovered: Vec<Uncovered>,
    pub summary: Summary,
    pub destinations: MatchingDump,
    pub helpers: MatchingDump,
    pub backups: Vec<Option<String>>,
    /// Per person id.
    pub explanations: BTreeMap<String, Explanation>,
}

/// Travel-time tolerance for "fits in the lead time", seconds (floating-point noise).
const EPS: f64 = 1e-6;

struct Prep<'a> {
    map: &'a Map,
    graph: &'a RoadGraph,
    scenario: &'a Scenario,
    params: &'a PlanParams,
    as_of: Date,
    closures: Closures,
    no_closures: Closures,
    available: Vec<bool>,
    /// Helper-role volunteers snapped for walking: node -> volunteers.
    helper_nodes: BTreeMap<NodeId, Vec<VolunteerId>>,
    helper_snap_m: Vec<f64>,
    /// Watch contact per (person, volunteer) in the year before `as_of`: (count, last date).
    contact: BTreeMap<(PersonId, VolunteerId), (u32, Date)>,
    last_contact: Vec<Option<Date>>,
    /// Why each shelter is unusable for this scenario, if it is (independent of the person).
    shelter_block: Vec<Option<&'static str>>,
    /// Each shelter snapped for each profile (index: `Profile::ALL` order): (node, metres).
    shelter_snap: Vec<Vec<Option<(NodeId, f64)>>>,
    hazards: HazardIndex,
    /// Helper-role volunteers' homes in an R-tree, for straight-line distances.
    helper_points: SpatialIndex,
    /// Volunteers by external id (the map's own lookup is a linear scan).
    volunteer_by_id: BTreeMap<&'a str, VolunteerId>,
}

/// The routing profile and method for a mobility.
pub fn profile_for(m: Mobility) -> (Profile, Method) {
    match m {
        Mobility::WalksAlone => (Profile::Walk, Method::Walk),
        Mobility::WalksWithHelp => (Profile::SlowWalk, Method::Walk),
        Mobility::Wheelchair => (Profile::Wheelchair, Method::Wheelchair),
        Mobility::Bedridden => (Profile::Car, Method::Car),
    }
}

/// The skill a helper needs for a person's mobility: a car for bedridden people (each of the
/// two helpers, so that one drives and neither depends on the other's car), wheelchair
/// training for wheelchair users.
pub fn skill_needed(m: Mobility) -> Option<Skill> {
    match m {
        Mobility::Bedridden => Some(Skill::Car),
        Mobility::Wheelchair => Some(Skill::Wheelchair),
        _ => None,
    }
}

/// People who cannot stay in a general shelter: bedridden, on powered devices or oxygen, or
/// at care level 4-5.
pub fn needs_welfare_shelter(p: &Person) -> bool {
    p.mobility == Mobility::Bedridden
        || p.has_need(Need::PoweredDevice)
        || p.has_need(Need::Oxygen)
        || p.reasons
            .iter()
            .any(|r| matches!(r, SupportReason::CareLevel(n) if *n >= 4))
}

/// The priority of a person: hazard at home × need × household. Tests every hazard zone; the
/// engine uses [`priority_in`] with the zones from its index.
pub fn priority(map: &Map, p: &Person) -> Priority {
    let pt = geo::Point::new(p.home.lon, p.home.lat);
    priority_in(map.hazards.iter().filter(|z| z.geometry.intersects(&pt)), p)
}

/// [`priority`] given the hazard zones that contain the person's home.
pub fn priority_in<'a>(
    zones_at_home: impl Iterator<Item = &'a HazardZone>,
    p: &Person,
) -> Priority {
    let mut factors = Vec::new();
    let mut hazard = (
        1.0,
        String::from("浸水・土砂災害の想定区域外"),
        String::from("outside hazard zones"),
    );
    for z in zones_at_home {
        let (m, ja, en) = match (z.kind, z.depth_rank) {
            (HazardKind::HouseCollapse, _) => (
                3.0,
                "家屋倒壊等氾濫想定区域".into(),
                "house-collapse zone".into(),
            ),
            (HazardKind::Landslide, _) => (3.0, "土砂災害警戒区域".into(), "landslide zone".into()),
            (_, Some(r)) if r.min_m() >= 3.0 => (
                3.0,
                format!("浸水深{}", r.label()),
                format!("flood depth {}", r.label()),
            ),
            (_, Some(r)) if r.min_m() >= 0.5 => (
                2.0,
                format!("浸水深{}", r.label()),
                format!("flood depth {}", r.label()),
            ),
            (_, Some(r)) => (
                1.3,
                format!("浸水深{}", r.label()),
                format!("flood depth {}", r.label()),
            ),
            (k, None) => (2.0, k.label_ja().into(), k.label_en().into()),
        };
        if m > hazard.0 {
            hazard = (m, ja, en);
        }
    }
    factors.push(PriorityFactor {
        ja: hazard.1,
        en: hazard.2,
        multiplier: hazard.0,
    });
    let need = match p.mobility {
        Mobility::WalksAlone => 1.0,
        Mobility::WalksWithHelp => 1.5,
        Mobility::Wheelchair => 2.0,
        Mobility::Bedridden => 2.5,
    };
    factors.push(PriorityFactor {
        ja: p.mobility.label_ja().into(),
        en: p.mobility.label_en().into(),
        multiplier: need,
    });
    if p.has_need(Need::PoweredDevice) || p.has_need(Need::Oxygen) || p.has_need(Need::Dialysis) {
        factors.push(PriorityFactor {
            ja: "医療機器・医療的ケア".into(),
            en: "medical devices or care".into(),
            multiplier: 1.5,
        });
    }
    let household = match p.household {
        Household::Alone => 1.5,
        Household::ElderlyCouple => 1.3,
        Household::WithFamily => 1.0,
        Household::Facility => 0.8,
    };
    factors.push(PriorityFactor {
        ja: p.household.label_ja().into(),
        en: p.household.label_en().into(),
        multiplier: household,
    });
    let score = factors.iter().map(|f| f.multiplier).product::<f64>();
    let band = if score >= 6.0 {
        Band::High
    } else if score >= 3.0 {
        Band::Middle
    } else {
        Band::Low
    };
    Priority {
        score,
        band,
        weight: ((score * 10.0).round() as u64).max(1),
        factors,
    }
}

/// The lowest floor above the expected water in the person's active flood zones, if staying
/// upstairs is allowed there (no house-collapse or landslide zone) and the building has it.
fn safe_floor(prep: &Prep, p: &Person) -> Option<u8> {
    let (scenario, params) = (prep.scenario, prep.params);
    let mut depth: Option<f64> = None;
    for z in prep
        .zones_at(p.home)
        .filter(|z| scenario.zone_active(z.kind))
    {
        match (z.kind, z.depth_rank) {
            (HazardKind::HouseCollapse | HazardKind::Landslide, _) => return None,
            (_, Some(r)) => depth = Some(depth.unwrap_or(0.0).max(r.max_m())),
            (_, None) => return None,
        }
    }
    let depth = depth?;
    if !depth.is_finite() {
        return None;
    }
    // Floor k's surface is (k-1) storeys above ground; it is dry if that is at or above the depth.
    let floor = (depth / params.floor_height_m).ceil() as u32 + 1;
    (floor <= p.building.floors as u32).then_some(floor as u8)
}

impl<'a> Prep<'a> {
    fn new(
        map: &'a Map,
        graph: &'a RoadGraph,
        scenario: &'a Scenario,
        params: &'a PlanParams,
        as_of: Date,
    ) -> Result<Self, PlanError> {
        scenario
            .validate()
            .map_err(|(field, value, expected)| PlanError::Scenario {
                field,
                value,
                expected,
            })?;
        let mut closures = hazard_closures(
            graph,
            &map.hazards,
            |k| scenario.zone_active(k),
            scenario.impassable_depth_m,
        );
        closures.union_with(&close_roads(
            graph,
            scenario.closed_roads.iter().map(String::as_str),
        )?);
        for ring in &scenario.closed_areas {
            let poly = geo::Polygon::new(
                ring.iter().map(|p| (p[0], p[1])).collect::<Vec<_>>().into(),
                vec![],
            );
            closures.union_with(&close_polygon(graph, &geo::MultiPolygon(vec![poly])));
        }
        let unknown: Vec<String> = scenario
            .unavailable_volunteers
            .iter()
            .filter(|v| map.find_volunteer(v).is_none())
            .cloned()
            .collect();
        if !unknown.is_empty() {
            return Err(PlanError::UnknownVolunteers(unknown));
        }
        let out: BTreeSet<&str> = scenario
            .unavailable_volunteers
            .iter()
            .map(String::as_str)
            .collect();
        let mut draw = Rng::new(scenario.seed).fork("unavailable");
        let available: Vec<bool> = map
            .volunteers
            .iter()
            .map(|v| {
                let a = v.availability;
                let at_time = match (scenario.weekend, scenario.night()) {
                    (false, false) => a.weekday_day,
                    (false, true) => a.weekday_night,
                    (true, false) => a.weekend_day,
                    (true, true) => a.weekend_night,
                };
                // Draw for every volunteer so the draw does not depend on availability.
                let drawn_out = draw.chance(scenario.unavailable_share);
                at_time && !drawn_out && !out.contains(v.ext_id.as_str())
            })
            .collect();
        let no_closures = Closures::none(graph);
        let mut helper_nodes: BTreeMap<NodeId, Vec<VolunteerId>> = BTreeMap::new();
        let mut helper_snap_m = vec![f64::INFINITY; map.volunteers.len()];
        for id in map.volunteer_ids() {
            let v = map.volunteer(id);
            if !params.eligible_roles.iter().any(|r| v.has_role(*r)) {
                continue;
            }
            if let Some(s) = graph.snap_for(v.home, Profile::Walk, &params.routing, &no_closures)
                && !s.off_network
            {
                helper_nodes.entry(s.node).or_default().push(id);
                helper_snap_m[id.index()] = s.distance_m;
            }
        }
        let year_ago = as_of - Duration::days(365);
        let mut contact: BTreeMap<(PersonId, VolunteerId), (u32, Date)> = BTreeMap::new();
        let mut last_contact = vec![None; map.people.len()];
        for r in map.records.iter().filter(|r| r.date <= as_of) {
            let l: &mut Option<Date> = &mut last_contact[r.person.index()];
            if l.is_none_or(|d| r.date > d) {
                *l = Some(r.date);
            }
            if r.date > year_ago {
                let e = contact
                    .entry((r.person, r.volunteer))
                    .or_insert((0, r.date));
                e.0 += 1;
                e.1 = e.1.max(r.date);
            }
        }
        let hazards = HazardIndex::new(&map.hazards);
        let shelter_block = map
            .shelters
            .iter()
            .map(|s| {
                if s.welfare_access == Some(WelfareAccess::TransferOnly) {
                    Some("transfer_only")
                } else if !s.hazards.contains(scenario.hazard) {
                    Some("not_designated_for_hazard")
                } else if scenario.indoor_only() && !s.indoor {
                    Some("outdoor_in_rain_or_winter")
                } else if hazards
                    .containing(&map.hazards, s.location)
                    .into_iter()
                    .any(|id| scenario.zone_active(map.hazards[id.index()].kind))
                {
                    Some("inside_active_hazard_zone")
                } else {
                    None
                }
            })
            .collect();
        let shelter_snap = Profile::ALL
            .iter()
            .map(|profile| {
                map.shelters
                    .iter()
                    .map(|s| {
                        graph
                            .snap_for(s.location, *profile, &params.routing, &no_closures)
                            .filter(|s| !s.off_network)
                            .map(|s| (s.node, s.distance_m))
                    })
                    .collect()
            })
            .collect();
        let volunteer_by_id = map
            .volunteer_ids()
            .map(|v| (map.volunteer(v).ext_id.as_str(), v))
            .collect();
        let helper_points = SpatialIndex::new(
            *graph.frame(),
            map.volunteer_ids()
                .filter(|v| {
                    params
                        .eligible_roles
                        .iter()
                        .any(|r| map.volunteer(*v).has_role(*r))
                })
                .map(|v| (Item::Volunteer(v), map.volunteer(v).home)),
        );
        Ok(Prep {
            helper_points,
            volunteer_by_id,
            hazards,
            shelter_snap,
            map,
            graph,
            scenario,
            params,
            as_of,
            closures,
            no_closures,
            available,
            helper_nodes,
            helper_snap_m,
            contact,
            last_contact,
            shelter_block,
        })
    }

    /// Why shelter `s` does not suit person `p` in this scenario, or `None` if it does.
    fn unsuitable(&self, s: ShelterId, p: &Person) -> Option<&'static str> {
        if let Some(b) = self.shelter_block[s.index()] {
            return Some(b);
        }
        let sh = self.map.shelter(s);
        if matches!(p.mobility, Mobility::Wheelchair | Mobility::Bedridden) && !sh.barrier_free {
            return Some("not_barrier_free");
        }
        if sh.kind == ShelterKind::WelfareShelter && !needs_welfare_shelter(p) {
            return Some("welfare_shelter_for_others");
        }
        None
    }

    /// The hazard zones containing `p`, in id order.
    fn zones_at(&self, p: LonLat) -> impl Iterator<Item = &'a HazardZone> + 'a {
        let zones = &self.map.hazards;
        self.hazards
            .containing(zones, p)
            .into_iter()
            .map(move |id| &zones[id.index()])
    }

    fn shelter_snap(&self, profile: Profile, s: ShelterId) -> Option<(NodeId, f64)> {
        let pi = Profile::ALL
            .iter()
            .position(|p| *p == profile)
            .expect("every profile is in ALL");
        self.shelter_snap[pi][s.index()]
    }

    fn speed(&self, profile: Profile) -> f64 {
        let r = &self.params.routing;
        let base = match profile {
            Profile::Walk => r.walk.flat_mps,
            Profile::SlowWalk => r.slow_walk.flat_mps,
            Profile::Wheelchair => r.wheelchair.flat_mps,
            Profile::Stretcher => r.stretcher.flat_mps,
            Profile::Car => r.car_mps,
        };
        base * r.factor(&self.scenario.conditions())
    }
}

/// Per-person working state.
struct Work {
    pid: PersonId,
    priority: Priority,
    method: Method,
    prep_secs: f64,
    home: Option<NodeId>,
    home_snap_m: f64,
    stay_floor: Option<u8>,
    /// Suitable reachable destinations: (shelter, secs, node path).
    dest: Vec<(ShelterId, f64, Vec<NodeId>)>,
    chosen_dest: Option<usize>,
    /// Eligible helpers: (volunteer, travel secs, cost, path helper -> person).
    eligible: Vec<(VolunteerId, f64, u64, Vec<NodeId>)>,
    reasons: Vec<Reason>,
    explanation: Explanation,
}

/// Drafts plans for every person in `map`.
pub fn plan(
    map: &Map,
    graph: &RoadGraph,
    scenario: &Scenario,
    params: &PlanParams,
    as_of: Date,
) -> Result<PlanRun, PlanError> {
    plan_with_progress(map, graph, scenario, params, as_of, &mut |_, _| {})
}

/// [`plan`], calling `progress(done, total)` as people are routed.
pub fn plan_with_progress(
    map: &Map,
    graph: &RoadGraph,
    scenario: &Scenario,
    params: &PlanParams,
    as_of: Date,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<PlanRun, PlanError> {
    let prep = Prep::new(map, graph, scenario, params, as_of)?;
    // People are routed independently, so in parallel (each thread reuses one search
    // workspace); results keep person order, so the output does not depend on threads.
    let consenting: Vec<PersonId> = map
        .person_ids()
        .filter(|p| map.person(*p).consent.plan)
        .collect();
    let total = map.people.len();
    let mut works: Vec<Work> = Vec::with_capacity(consenting.len());
    for chunk in consenting.chunks(256) {
        progress(works.len(), total);
        works.par_extend(
            chunk
                .par_iter()
                .map_init(SearchTree::new, |tree, pid| route_person(&prep, tree, *pid)),
        );
    }
    progress(total, total);
    let destinations = assign_destinations(&prep, &mut works)?;
    works
        .par_iter_mut()
        .for_each_init(SearchTree::new, |tree, w| {
            if w.chosen_dest.is_some() {
                find_helpers(&prep, tree, w);
            }
        });
    let (helpers, backups) = match_helpers(&prep, &mut works)?;
    Ok(assemble(&prep, works, destinations, helpers, backups))
}

fn route_person(prep: &Prep, tree: &mut SearchTree, pid: PersonId) -> Work {
    let (map, graph, params, scenario) = (prep.map, prep.graph, prep.params, prep.scenario);
    let p = map.person(pid);
    let (profile, method) = profile_for(p.mobility);
    let prep_secs = params.preparation_min.for_mobility(p.mobility) * 60.0;
    let mut w = Work {
        pid,
        priority: priority_in(prep.zones_at(p.home), p),
        method,
        prep_secs,
        home: None,
        home_snap_m: 0.0,
        stay_floor: None,
        dest: Vec::new(),
        chosen_dest: None,
        eligible: Vec::new(),
        reasons: Vec::new(),
        explanation: Explanation {
            person: p.ext_id.clone(),
            profile: Some(profile),
            ..Explanation::default()
        },
    };
    if let Some(f) = safe_floor(prep, p) {
        w.stay_floor = Some(f);
        w.method = Method::StayUpstairs;
        return w;
    }
    // The home is snapped ignoring closures: a home inside a closed area is trapped there,
    // which the search then shows (no open edge leaves it).
    let Some(snap) = graph.snap_for(p.home, profile, &params.routing, &prep.no_closures) else {
        w.reasons.push(Reason::OffNetwork {
            distance_m: f64::INFINITY,
        });
        return w;
    };
    w.explanation.home_snap_m = Some(snap.distance_m);
    if snap.off_network {
        w.reasons.push(Reason::OffNetwork {
            distance_m: snap.distance_m,
        });
        return w;
    }
    w.home = Some(snap.node);
    w.home_snap_m = snap.distance_m;
    let speed = prep.speed(profile);
    let available = scenario.lead_secs() - prep_secs;
    let bound = available.min(params.max_evacuation_min * 60.0);
    let reached = |prep: &Prep,
                   tree: &mut SearchTree,
                   closures: &Closures,
                   bound: f64|
     -> Vec<(ShelterId, f64, bool)> {
        one_to_many_into(
            tree,
            graph,
            profile,
            &params.routing,
            &scenario.conditions(),
            closures,
            snap.node,
            Direction::Forward,
            bound,
        );
        let mut out = Vec::new();
        for sid in map.shelter_ids() {
            if let Some((node, dist)) = prep.shelter_snap(profile, sid)
                && let Some(secs) = tree.secs(node)
            {
                let total = secs + (snap.distance_m + dist) / speed;
                out.push((sid, total, prep.unsuitable(sid, p).is_none()));
            }
        }
        out.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        out
    };
    // Search outward in steps and stop once enough suitable destinations are in reach: a car
    // search bounded only by the hour would settle most of the city for every bedridden person.
    let welfare = needs_welfare_shelter(p);
    let mut found = Vec::new();
    for b in [bound / 8.0, bound / 4.0, bound / 2.0, bound] {
        found = reached(prep, tree, &prep.closures, b.max(0.0));
        let kind_count = |welfare_kind: bool| {
            found
                .iter()
                .filter(|f| {
                    f.2 && (map.shelter(f.0).kind == ShelterKind::WelfareShelter) == welfare_kind
                })
                .count()
        };
        if kind_count(false) >= params.destination_candidates && (!welfare || kind_count(true) >= 2)
        {
            break;
        }
    }
    for (sid, secs, _) in found.iter().take(20) {
        let sh = map.shelter(*sid);
        w.explanation.destinations.push(DestinationCandidate {
            id: sh.ext_id.clone(),
            name: sh.name.clone(),
            evacuation_secs: *secs,
            status: prep.unsuitable(*sid, p).unwrap_or("candidate").to_owned(),
        });
    }
    let suitable: Vec<(ShelterId, f64)> = found
        .iter()
        .filter(|f| f.2 && f.1 <= available + EPS)
        .map(|f| (f.0, f.1))
        .collect();
    if suitable.is_empty() {
        // Why: too far in time, or cut off by the hazard, or nothing suitable at all. Each
        // search widens in steps and stops at the first suitable destination, which is then
        // the nearest one (every nearer node was settled).
        let far = params.max_evacuation_min * 60.0 * 4.0;
        let nearest = |tree: &mut SearchTree, closures: &Closures| {
            let mut b = bound.max(60.0);
            loop {
                b = (b * 2.0).min(far);
                if let Some(f) = reached(prep, tree, closures, b).into_iter().find(|f| f.2) {
                    return Some(f);
                }
                if b >= far {
                    return None;
                }
            }
        };
        if let Some(f) = nearest(tree, &prep.closures) {
            w.reasons.push(Reason::TooSlow {
                evacuation_secs: f.1,
                available_secs: bound.max(0.0),
            });
        } else if nearest(tree, &prep.no_closures).is_some() {
            w.reasons.push(Reason::NoSafeRoute);
        } else {
            w.reasons.push(Reason::NoDestination);
        }
        return w;
    }
    // Keep the nearest candidates; welfare shelters first for people who need one.
    let mut kept: Vec<(ShelterId, f64)> = suitable
        .iter()
        .filter(|(s, _)| welfare && map.shelter(*s).kind == ShelterKind::WelfareShelter)
        .take(params.destination_candidates)
        .copied()
        .collect();
    kept.extend(
        suitable
            .iter()
            .filter(|(s, _)| map.shelter(*s).kind != ShelterKind::WelfareShelter)
            .take(params.destination_candidates)
            .copied(),
    );
    // The tree still holds the last (widest) search above, which reached every kept one.
    for (sid, secs) in kept {
        if let Some(path) = prep
            .shelter_snap(profile, sid)
            .and_then(|(n, _)| tree.path(graph, n))
        {
            w.dest.push((sid, secs, path));
        }
    }
    w
}

fn shelter_seats(prep: &Prep, s: &Shelter) -> u32 {
    if s.capacity == 0 {
        prep.params.unknown_capacity_seats
    } else if s.kind == ShelterKind::WelfareShelter {
        s.capacity
    } else {
        ((s.capacity as f64 * prep.params.shelter_capacity_share).ceil() as u32).max(1)
    }
}

fn assign_destinations(prep: &Prep, works: &mut [Work]) -> Result<MatchingDump, PlanError> {
    let map = prep.map;
    let mut problem = MatchingProblem {
        people: Vec::new(),
        helpers: map
            .shelters
            .iter()
            .map(|s| Supply {
                capacity: shelter_seats(prep, s),
            })
            .collect(),
        arcs: Vec::new(),
    };
    let mut index = Vec::new();
    for (wi, w) in works.iter().enumerate() {
        if w.dest.is_empty() {
            continue;
        }
        let k = problem.people.len();
        problem.people.push(Demand {
            need: 1,
            weight: w.priority.weight,
            min_tagged: 0,
        });
        index.push(wi);
        let welfare = needs_welfare_shelter(map.person(w.pid));
        for (sid, secs, _) in &w.dest {
            let fallback = welfare && map.shelter(*sid).kind != ShelterKind::WelfareShelter;
            let cost = secs.round() as u64
                + if fallback {
                    prep.params.welfare_fallback_penalty_secs
                } else {
                    0
                };
            problem.arcs.push(Arc {
                person: k,
                helper: sid.index(),
                cost,
                tagged: false,
            });
        }
    }
    let solution = matching::solve(&problem, &prep.params.matching)?;
    for (k, wi) in index.iter().enumerate() {
        let w = &mut works[*wi];
        match solution.assigned[k].first() {
            Some(&s) => {
                w.chosen_dest = w.dest.iter().position(|d| d.0.index() == s);
                let name = &map.shelters[s].ext_id;
                for d in w
                    .explanation
                    .destinations
                    .iter_mut()
                    .filter(|d| &d.id == name)
                {
                    d.status = "chosen".into();
                }
            }
            None => w.reasons.push(Reason::DestinationsFull {
                nearest: map.shelter(w.dest[0].0).name.clone(),
            }),
        }
    }
    let objective = matching::objective(&problem, &solution);
    Ok(MatchingDump {
        people: index
            .iter()
            .map(|wi| map.person(works[*wi].pid).ext_id.clone())
            .collect(),
        helpers: map.shelters.iter().map(|s| s.ext_id.clone()).collect(),
        problem,
        solution,
        objective,
    })
}

fn find_helpers(prep: &Prep, tree: &mut SearchTree, w: &mut Work) {
    let (map, graph, params, scenario) = (prep.map, prep.graph, prep.params, prep.scenario);
    let p = map.person(w.pid);
    let Some(home) = w.home else { return };
    let evac_secs = w.chosen_dest.map_or(0.0, |d| w.dest[d].1);
    let limit = params.max_helper_travel_min * 60.0;
    let walk = prep.speed(Profile::Walk);
    // Helpers walk to the person: a backward search from the home (on foot it is the same as a
    // forward one, but it stays right if helpers ever drive on one-way streets).
    let search = |tree: &mut SearchTree, bound: f64| {
        one_to_many_into(
            tree,
            graph,
            Profile::Walk,
            &params.routing,
            &scenario.conditions(),
            &prep.closures,
            home,
            Direction::Backward,
            bound,
        )
    };
    search(tree, limit);
    let mut in_reach: Vec<(VolunteerId, f64, NodeId)> = Vec::new();
    for &node in tree.settled() {
        if let Some(vs) = prep.helper_nodes.get(&node) {
            for v in vs {
                let secs = tree.secs(node).unwrap_or(0.0)
                    + (prep.helper_snap_m[v.index()] + w.home_snap_m) / walk;
                if secs <= limit + EPS {
                    in_reach.push((*v, secs, node));
                }
            }
        }
    }
    in_reach.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    let skill = skill_needed(p.mobility);
    let (mut consent_ok, mut avail_ok, mut skill_ok, mut best_total) = (0, 0, 0, f64::INFINITY);
    for (v, secs, node) in &in_reach {
        let vol = map.volunteer(*v);
        let total = secs + w.prep_secs + evac_secs;
        let contact = prep.contact.get(&(w.pid, *v)).copied();
        // The filters in order; each counter counts the candidates that passed the filters
        // before it, which names the filter that removed the last candidate.
        let status = (|| {
            if !vol.consent_named {
                return Some(HelperStatus::NoConsent);
            }
            consent_ok += 1;
            if !prep.available[v.index()] {
                return Some(HelperStatus::Unavailable);
            }
            avail_ok += 1;
            if let Some(s) = skill
                && !vol.has_skill(s)
            {
                return Some(HelperStatus::MissingSkill {
                    skill: s.code().to_owned(),
                });
            }
            skill_ok += 1;
            best_total = best_total.min(total);
            (total > scenario.lead_secs() + EPS)
                .then_some(HelperStatus::TooLate { total_secs: total })
        })();
        let mut cost = None;
        if status.is_none() {
            let age = prep.as_of.year() - vol.birth_year;
            let bonus = contact.map_or(0.0, |(n, last)| {
                let recency =
                    (1.0 - (prep.as_of - last).whole_days() as f64 / 365.0).clamp(0.0, 1.0);
                let frequency = (n as f64 / 24.0).min(1.0);
                params.relationship_bonus_secs * (0.5 * recency + 0.5 * frequency)
            });
            let c = secs.round() as u64
                + (params.relationship_bonus_secs - bonus).round() as u64
                + if age >= params.last_resort_age {
                    params.last_resort_penalty_secs
                } else {
                    0
                }
                + if vol.has_role(Role::Commissioner) && !vol.has_role(Role::Helper) {
                    params.commissioner_penalty_secs
                } else {
                    0
                };
            cost = Some(c);
            if let Some(path) = tree.path(graph, *node) {
                w.eligible.push((*v, *secs, c, path));
            }
        }
        w.explanation.helpers.push(HelperCandidate {
            id: vol.ext_id.clone(),
            travel_secs: *secs,
            cost,
            watches_person: contact.is_some(),
            status: status.unwrap_or(HelperStatus::NotChosen { helps: Vec::new() }),
        });
    }
    w.eligible.sort_by(|a, b| a.2.cmp(&b.2).then(a.0.cmp(&b.0)));
    w.eligible.truncate(params.helper_candidates.max(2));
    let need = p.helpers_needed as usize;
    if w.eligible.len() >= need {
        return;
    }
    let reason = if in_reach.is_empty() {
        // How far is the nearest helper at all? One wider search, for the sentence.
        search(tree, limit * 4.0);
        let nearest = tree
            .settled()
            .iter()
            .filter_map(|n| {
                let vs = prep.helper_nodes.get(n)?;
                let t = tree.secs(*n)?;
                vs.iter()
                    .map(|v| t + (prep.helper_snap_m[v.index()] + w.home_snap_m) / walk)
                    .min_by(f64::total_cmp)
            })
            .min_by(f64::total_cmp);
        let straight = prep
            .helper_points
            .nearest_n(Some(ItemKind::Volunteer), p.home, 1)
            .first()
            .map(|h| h.distance_m)
            .filter(|d| *d < walk * limit / 2.0);
        Reason::NoHelperInReach {
            limit_secs: limit,
            nearest_secs: nearest,
            nearest_straight_m: straight,
        }
    } else if consent_ok == 0 {
        Reason::HelpersWithoutConsent {
            count: in_reach.len(),
        }
    } else if avail_ok == 0 {
        Reason::NobodyAvailable {
            night: scenario.night(),
            in_reach: consent_ok,
        }
    } else if skill_ok == 0 {
        let skill = skill
            .map(|s| s.label_ja().to_owned() + " / " + s.label_en())
            .unwrap_or_default();
        Reason::SkillMissing {
            skill,
            in_reach: avail_ok,
        }
    } else if w.eligible.is_empty() {
        Reason::HelperTooLate {
            best_total_secs: best_total,
            lead_secs: scenario.lead_secs(),
        }
    } else {
        Reason::NotEnoughHelpers {
            needed: p.helpers_needed,
            eligible: w.eligible.len(),
        }
    };
    w.reasons.push(reason);
}

fn match_helpers(
    prep: &Prep,
    works: &mut [Work],
) -> Result<(MatchingDump, Vec<Option<usize>>), PlanError> {
    let map = prep.map;
    let mut vol_index: BTreeMap<VolunteerId, usize> = BTreeMap::new();
    for w in works.iter() {
        if w.reasons.is_empty() && w.chosen_dest.is_some() {
            for e in &w.eligible {
                let n = vol_index.len();
                vol_index.entry(e.0).or_insert(n);
            }
        }
    }
    // Helpers numbered in volunteer id order for a stable dump.
    let vols: Vec<VolunteerId> = vol_index.keys().copied().collect();
    let vol_index: BTreeMap<VolunteerId, usize> =
        vols.iter().enumerate().map(|(i, v)| (*v, i)).collect();
    let mut problem = MatchingProblem {
        people: Vec::new(),
        helpers: vols
            .iter()
            .map(|v| Supply {
                capacity: map.volunteer(*v).capacity as u32,
            })
            .collect(),
        arcs: Vec::new(),
    };
    let mut index = Vec::new();
    for (wi, w) in works.iter().enumerate() {
        if !(w.reasons.is_empty() && w.chosen_dest.is_some()) {
            continue;
        }
        let k = problem.people.len();
        problem.people.push(Demand {
            need: map.person(w.pid).helpers_needed,
            weight: w.priority.weight,
            min_tagged: 0,
        });
        index.push(wi);
        for e in &w.eligible {
            problem.arcs.push(Arc {
                person: k,
                helper: vol_index[&e.0],
                cost: e.2,
                tagged: false,
            });
        }
    }
    let solution = matching::solve(&problem, &prep.params.matching)?;
    let backups = matching::assign_backups(&problem, &solution, &BackupParams::default())?;
    // Who each helper escorts, for reasons and explanations.
    let mut escorts: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for (k, hs) in solution.assigned.iter().enumerate() {
        for h in hs {
            escorts
                .entry(*h)
                .or_default()
                .push(map.person(works[index[k]].pid).ext_id.clone());
        }
    }
    let mut person_backup = vec![None; works.len()];
    for (k, wi) in index.iter().enumerate() {
        let w = &mut works[*wi];
        let primaries: Vec<VolunteerId> = solution.assigned[k].iter().map(|h| vols[*h]).collect();
        let backup = backups[k].map(|h| vols[h]);
        person_backup[*wi] = backups[k];
        for c in w.explanation.helpers.iter_mut() {
            let Some(&v) = prep.volunteer_by_id.get(c.id.as_str()) else {
                continue;
            };
            if primaries.contains(&v) {
                c.status = HelperStatus::Primary;
            } else if backup == Some(v) {
                c.status = HelperStatus::Backup;
            } else if let HelperStatus::NotChosen { helps } = &mut c.status {
                *helps = vol_index
                    .get(&v)
                    .and_then(|h| escorts.get(h))
                    .cloned()
                    .unwrap_or_default();
            }
        }
        if primaries.is_empty() {
            // Only helpers whose capacity is used up are named busy; with an exact optimum,
            // fewer free eligible helpers than needed remain.
            let mut busy = Vec::new();
            let mut free = 0;
            for e in &w.eligible {
                let helps = escorts.get(&vol_index[&e.0]).cloned().unwrap_or_default();
                if helps.len() >= map.volunteer(e.0).capacity as usize {
                    busy.push(BusyHelper {
                        id: map.volunteer(e.0).ext_id.clone(),
                        helps,
                    });
                } else {
                    free += 1;
                }
            }
            w.reasons.push(Reason::HelpersAtCapacity {
                helpers: busy,
                free,
            });
        }
    }
    let objective = matching::objective(&problem, &solution);
    let dump = MatchingDump {
        people: index
            .iter()
            .map(|wi| map.person(works[*wi].pid).ext_id.clone())
            .collect(),
        helpers: vols
            .iter()
            .map(|v| map.volunteer(*v).ext_id.clone())
            .collect(),
        problem,
        solution,
        objective,
    };
    Ok((dump, person_backup))
}

fn warning_delivery(p: &Person) -> Vec<LocalText> {
    let mut out = vec![LocalText::new(
        "支援者が電話で連絡し、つながらない場合は訪問する",
        "the helper phones; if there is no answer, the helper visits",
    )];
    let by_need = [
        (
            Need::Hearing,
            "聴覚障害: 電話ではなく訪問・ファクス・メールで伝える",
            "hearing impairment: visit, fax or text instead of a call",
        ),
        (
            Need::Sight,
            "視覚障害: 音声（電話・防災ラジオ）で伝える",
            "visual impairment: by voice (phone, disaster radio)",
        ),
        (
            Need::Cognition,
            "認知機能: 訪問して顔を見て伝え、一緒に準備する",
            "cognitive impairment: tell them in person and prepare together",
        ),
        (
            Need::Language,
            "外国語: やさしい日本語・翻訳アプリで伝える",
            "foreign language: plain Japanese or a translation app",
        ),
    ];
    for (need, ja, en) in by_need {
        if p.has_need(need) {
            out.push(LocalText::new(ja, en));
        }
    }
    if !p.contacts.is_empty() {
        out.push(LocalText::new(
            "緊急連絡先にも連絡する",
            "also call the emergency contacts",
        ));
    }
    out
}

fn things_to_take(p: &Person) -> Vec<LocalText> {
    let mut out: Vec<LocalText> = [
        (
            "お薬手帳・常備薬（3日分以上）",
            "medication record and medicines (3 days or more)",
        ),
        (
            "保険証・障害者手帳等のコピー",
            "copies of insurance and disability cards",
        ),
        ("眼鏡・入れ歯・補聴器", "glasses, dentures, hearing aid"),
        ("飲料水・食料", "drinking water and food"),
        (
            "懐中電灯・携帯電話と充電器",
            "torch, mobile phone and charger",
        ),
    ]
    .iter()
    .map(|(ja, en)| LocalText::new(ja, en))
    .collect();
    let by_need = [
        (
            p.has_need(Need::PoweredDevice),
            "医療機器の予備バッテリー・電源コード",
            "spare batteries and cable for medical devices",
        ),
        (
            p.has_need(Need::Oxygen),
            "携帯用酸素ボンベ",
            "portable oxygen cylinder",
        ),
        (
            p.has_need(Need::Dialysis),
            "透析手帳・透析施設の連絡先",
            "dialysis record and the dialysis clinic's number",
        ),
        (
            p.mobility == Mobility::Bedridden,
            "おむつ・防水シーツ・毛布",
            "nappies, waterproof sheet, blanket",
        ),
    ];
    out.extend(
        by_need
            .iter()
            .filter(|b| b.0)
            .map(|(_, ja, en)| LocalText::new(ja, en)),
    );
    out
}

fn assemble(
    prep: &Prep,
    works: Vec<Work>,
    destinations: MatchingDump,
    helpers: MatchingDump,
    backups: Vec<Option<usize>>,
) -> PlanRun {
    let (map, graph, params, scenario) = (prep.map, prep.graph, prep.params, prep.scenario);
    let vol_of = |ext: &str| prep.volunteer_by_id[ext];
    let assigned: BTreeMap<String, Vec<String>> = helpers
        .people
        .iter()
        .zip(&helpers.solution.assigned)
        .map(|(p, hs)| {
            (
                p.clone(),
                hs.iter().map(|h| helpers.helpers[*h].clone()).collect(),
            )
        })
        .collect();
    let mut plans = Vec::new();
    let mut uncovered = Vec::new();
    let mut explanations = BTreeMap::new();
    let mut by_work: BTreeMap<PersonId, (Work, Option<String>)> = BTreeMap::new();
    for (w, b) in works.into_iter().zip(backups) {
        let b = b.map(|h| helpers.helpers[h].clone());
        by_work.insert(w.pid, (w, b));
    }
    let as_of_s = prep.as_of.to_string();
    for pid in map.person_ids() {
        let p = map.person(pid);
        let district = map.district(p.district);
        let Some((w, backup)) = by_work.remove(&pid) else {
            uncovered.push(Uncovered {
                person: p.ext_id.clone(),
                district: district.code.clone(),
                priority: priority_in(prep.zones_at(p.home), p).band,
                reasons: vec![Reason::NoConsent],
            });
            continue;
        };
        let mut warnings = Vec::new();
        let mut plan_helpers = Vec::new();
        let primaries = assigned.get(&p.ext_id).cloned().unwrap_or_default();
        for (role, id) in primaries
            .iter()
            .map(|h| (HelperRole::Primary, h.clone()))
            .chain(backup.map(|b| (HelperRole::Backup, b)))
        {
            let v = vol_of(&id);
            let vol = map.volunteer(v);
            let Some(e) = w.eligible.iter().find(|e| e.0 == v) else {
                continue;
            };
            let age = prep.as_of.year() - vol.birth_year;
            if age >= params.last_resort_age {
                warnings.push(Warning::HelperOverAge {
                    helper: vol.ext_id.clone(),
                    age,
                });
            }
            plan_helpers.push(PlanHelper {
                id: vol.ext_id.clone(),
                role,
                name: vol.name.clone(),
                phone: vol.phone.clone(),
                age,
                home: vol.home,
                travel_secs: e.1,
                // From the helper's door to the person's, like the evacuation route.
                route: std::iter::once(vol.home)
                    .chain(crate::network::route::path_coords(graph, &e.3))
                    .chain(std::iter::once(p.home))
                    .collect(),
                watches_person: prep.contact.contains_key(&(pid, v)),
            });
        }
        let stay = w.method == Method::StayUpstairs;
        let covered =
            stay || (w.reasons.is_empty() && primaries.len() >= p.helpers_needed as usize);
        let dest = w.chosen_dest.map(|d| &w.dest[d]);
        let (route, route_length_m, evacuation_secs) = match dest {
            Some((_, secs, path)) => {
                let mut coords = vec![p.home];
                coords.extend(crate::network::route::path_coords(graph, path));
                let sh = map.shelter(w.dest[w.chosen_dest.unwrap_or(0)].0);
                coords.push(sh.location);
                let len = coords
                    .windows(2)
                    .map(|c| c[0].distance_m(c[1]))
                    .sum::<f64>();
                (coords, len, *secs)
            }
            None => (Vec::new(), 0.0, 0.0),
        };
        if covered && !stay {
            if backup_missing(&plan_helpers) {
                warnings.push(Warning::NoBackup);
            }
            if matches!(w.method, Method::Walk | Method::Wheelchair)
                && route_length_m > params.max_walk_m
            {
                warnings.push(Warning::LongWalk {
                    length_m: route_length_m,
                    limit_m: params.max_walk_m,
                });
            }
        }
        if let Some((sid, _, _)) = dest {
            let sh = map.shelter(*sid);
            if needs_welfare_shelter(p) && sh.kind != ShelterKind::WelfareShelter {
                warnings.push(Warning::WelfareFallback);
            }
            if sh.capacity == 0 {
                warnings.push(Warning::UnknownCapacity);
            }
        }
        if let Some(f) = w.stay_floor
            && p.building.bedroom_floor < f
        {
            warnings.push(Warning::BedroomBelowSafeFloor {
                bedroom_floor: p.building.bedroom_floor,
                safe_floor: f,
            });
        }
        let last = prep.last_contact[pid.index()];
        if last.is_none_or(|d| (prep.as_of - d).whole_days() > params.stale_contact_days) {
            warnings.push(Warning::StaleContact {
                days: params.stale_contact_days,
                last: last.map(|d| d.to_string()),
            });
        }
        if p.has_need(Need::PoweredDevice) {
            warnings.push(Warning::PowerNeeded);
        }
        if !helpers.solution.stats.optimal && !primaries.is_empty() {
            warnings.push(Warning::MatchingNotProven);
        }
        // Without consent to sharing, only the council (a recipient by law) and the named
        // helpers hold the plan in normal times.
        let mut shared_with = vec![
            LocalText::new("地区社会福祉協議会", "district council"),
            LocalText::new("避難支援等実施者", "named helpers"),
        ];
        if p.consent.share || !map.meta.consent.sharing_opt_in {
            shared_with.extend([
                LocalText::new("民生委員", "welfare commissioner"),
                LocalText::new("町内会・自主防災組織", "neighbourhood association"),
                LocalText::new("地域包括支援センター", "community support centre"),
            ]);
        }
        if !covered {
            uncovered.push(Uncovered {
                person: p.ext_id.clone(),
                district: district.code.clone(),
                priority: w.priority.band,
                reasons: w.reasons.clone(),
            });
        }
        explanations.insert(p.ext_id.clone(), w.explanation.clone());
        plans.push(Plan {
            person: p.ext_id.clone(),
            district: district.code.clone(),
            district_name: district.name.clone(),
            name: p.name.clone(),
            kana: p.kana.clone(),
            birth_date: p.birth_date.to_string(),
            age: p.age_on(prep.as_of),
            sex: p.sex.code().into(),
            address: p.address.clone(),
            phone: p.phone.clone(),
            home: p.home,
            support_reasons: p.reasons.clone(),
            mobility: p.mobility,
            helpers_needed: p.helpers_needed,
            needs: p.needs.clone(),
            floors: p.building.floors,
            bedroom_floor: p.building.bedroom_floor,
            structure: p.building.structure.code().into(),
            household: p.household.code().into(),
            contacts: p.contacts.clone(),
            daytime_place: p.daytime_place.clone(),
            notes: p.notes.clone(),
            helpers: plan_helpers,
            destination: dest.map(|(sid, _, _)| {
                let sh = map.shelter(*sid);
                Destination {
                    id: sh.ext_id.clone(),
                    name: sh.name.clone(),
                    address: sh.address.clone(),
                    kind: sh.kind.code().into(),
                    location: sh.location,
                }
            }),
            route,
            route_length_m,
            evacuation_secs,
            method: w.method,
            preparation_secs: if stay { 0.0 } else { w.prep_secs },
            start_when: LocalText::new(
                "警戒レベル3「高齢者等避難」の発令時",
                "when alert level 3 (evacuation of older people and others) is issued",
            ),
            warning_delivery: warning_delivery(p),
            things_to_take: things_to_take(p),
            consent_plan: p.consent.plan,
            consent_share: p.consent.share,
            shared_with,
            priority: w.priority,
            covered,
            reasons: if covered { Vec::new() } else { w.reasons },
            warnings,
            drafted: as_of_s.clone(),
            scenario: scenario.name.clone(),
            hazard: scenario.hazard,
        });
    }
    uncovered.sort_by(|a, b| {
        a.priority
            .cmp(&b.priority)
            .then(a.district.cmp(&b.district))
            .then(a.person.cmp(&b.person))
    });
    let summary = summarise(
        map,
        scenario,
        &as_of_s,
        &plans,
        &uncovered,
        helpers.solution.stats.optimal,
    );
    let backup_of: BTreeMap<&str, String> = plans
        .iter()
        .filter_map(|p| Some((p.person.as_str(), p.backup_helper()?.id.clone())))
        .collect();
    let backups_out = helpers
        .people
        .iter()
        .map(|pe| backup_of.get(pe.as_str()).cloned())
        .collect();
    PlanRun {
        plans,
        uncovered,
        summary,
        destinations,
        helpers,
        backups: backups_out,
        explanations,
    }
}

fn backup_missing(h: &[PlanHelper]) -> bool {
    !h.iter().any(|h| h.role == HelperRole::Backup)
}

fn summarise(
    map: &Map,
    scenario: &Scenario,
    as_of: &str,
    plans: &[Plan],
    uncovered: &[Uncovered],
    optimal: bool,
) -> Summary {
    let mut by_district: BTreeMap<String, Counts> = map
        .districts
        .iter()
        .map(|d| (d.code.clone(), Counts::default()))
        .collect();
    for p in &map.people {
        let c = by_district
            .get_mut(&map.district(p.district).code)
            .expect("district of a person");
        c.people += 1;
        c.consented += usize::from(p.consent.plan);
    }
    for p in plans {
        let c = by_district
            .get_mut(&p.district)
            .expect("district of a plan");
        c.planned += 1;
        c.covered += usize::from(p.covered);
        c.with_backup += usize::from(p.covered && p.backup_helper().is_some());
        c.stay_upstairs += usize::from(p.method == Method::StayUpstairs);
    }
    for u in uncovered {
        let c = by_district
            .get_mut(&u.district)
            .expect("district of an uncovered person");
        let no_consent = u.reasons.iter().any(|r| matches!(r, Reason::NoConsent));
        if !no_consent {
            c.uncovered += 1;
            c.high_priority_uncovered += usize::from(u.priority == Band::High);
        }
        for code in u.reasons.iter().map(Reason::code).collect::<BTreeSet<_>>() {
            *c.by_reason.entry(code.to_owned()).or_insert(0) += 1;
        }
    }
    let mut total = Counts::default();
    for c in by_district.values() {
        total.people += c.people;
        total.consented += c.consented;
        total.planned += c.planned;
        total.covered += c.covered;
        total.with_backup += c.with_backup;
        total.stay_upstairs += c.stay_upstairs;
        total.uncovered += c.uncovered;
        total.high_priority_uncovered += c.high_priority_uncovered;
        for (k, v) in &c.by_reason {
            *total.by_reason.entry(k.clone()).or_insert(0) += v;
        }
    }
    Summary {
        scenario: scenario.name.clone(),
        as_of: as_of.to_owned(),
        total,
        by_district,
        matching_optimal: optimal,
    }
}
