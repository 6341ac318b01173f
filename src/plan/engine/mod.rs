//! The planning engine: from a map, its road graph and a scenario to one plan per person, the
//! people left without help with their reasons, and the matching problems as solved.
//!
//! The model is the hour after the alert (警戒レベル3 高齢者等避難), not the flood itself: time
//! runs from the alert (t = 0); the river overflows at the scenario's lead time and water then
//! reaches each zone at its arrival time (deep zones by the river first), closing each road
//! segment for the profiles its depth stops (`plan::params::WaterParams`). Routes are
//! time-dependent: a segment may be used only if it is left a safety margin before it closes.
//!
//! The flow, per run:
//! 1. Edge clocks for the scenario: per profile, when each road segment closes (water), plus
//!    static closures (closed roads and areas) and, for landslide scenarios, the landslide
//!    zones that routes avoid unless there is no other way; volunteers available at this time.
//! 2. Per person who consented: the evacuation need ([`EvacuationNeed`]): leave, stay upstairs
//!    (a floor above the water, short flooding, no collapse or landslide zone, and the person
//!    can get up there, alone or with named helpers), stay home (outside every active zone), or
//!    the facility's own plan. Priority. For people who must leave: a time-dependent search
//!    from home at the person's pace, departing once warned and prepared, for suitable
//!    destinations reached before the deadline; each candidate's route gives `leave_by`, the
//!    latest departure for which every segment is still left in time.
//! 3. Destinations assigned under capacity by the exact matching (shelters as suppliers),
//!    nearest first, welfare shelters preferred for people who need one.
//! 4. Per person needing help now: a backward latest-departure search from the home on the
//!    helpers' clock, so a helper counts only if, setting off once warned, they reach the
//!    person early enough to prepare and leave by `leave_by` (or to get them upstairs before
//!    the water), every segment before it closes. Candidates pass the eligibility filters in a
//!    fixed order (consent to be named, available, skill, time), so that a person with no
//!    eligible helper gets the reason of the filter that removed the last candidate.
//! 5. The exact helper matching (coverage weighted by priority, people who must leave first,
//!    then cost), then backups.
//! 6. Reasons for everyone left uncovered, warnings for the covered, plans and the summary.
//!
//! Every step is deterministic: people, helpers and shelters are visited in id order and ties
//! are broken by id.

pub use super::params::{PlanParams, PreparationMin};
pub use seekers::{Seeker, seekers};

mod seekers;

use super::matching::{
    self, Arc, BackupCapacity, BackupParams, Demand, MatchingError, MatchingProblem,
    MatchingSolution, Supply,
};
use super::params::PriorityParams;
use super::scenario::Scenario;
use super::types::*;
use crate::model::*;
use crate::network::{
    Closures, EdgeClock, EdgeId, LatestTree, NodeId, Profile, RoadGraph, RoutingParams, SearchTree,
    close_polygon, close_roads, earliest_arrival_into, latest_departure_into,
};
use crate::rng::Rng;
use crate::spatial::{HazardIndex, Item, ItemKind, SpatialIndex};
use geo::Intersects;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use thiserror::Error;
use time::{Date, Duration};

mod planner;
pub use planner::{Change, Planned, Planner, Replanned};

/// What can stop a run (bad scenario references); data problems are reasons, not errors.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum PlanError {
    /// A change names a person, helper, destination or district the map does not have.
    #[error("no {kind} with id {id:?}")]
    UnknownId { kind: &'static str, id: String },
    #[error("scenario field `{field}`: found {value:?}, expected {expected}")]
    Scenario {
        field: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error("scenario field `unavailable_volunteers`: unknown volunteer ids {0:?}")]
    UnknownVolunteers(Vec<String>),
    #[error("scenario: road closures")]
    Network(
        #[from]
        #[source]
        crate::network::NetworkError,
    ),
    #[error("matching")]
    Matching(
        #[from]
        #[source]
        MatchingError,
    ),
}

/// How a candidate helper fared, for `explain`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum HelperStatus {
    Primary,
    /// Chosen as backup; `busy_with`: the people this helper already escorts when their
    /// capacity is used up (a busy backup, chosen because nobody free could be).
    Backup {
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        busy_with: Vec<String>,
    },
    /// Eligible, not chosen: busy with these people (or a cheaper helper was chosen).
    NotChosen {
        helps: Vec<String>,
    },
    NoConsent,
    Unavailable,
    MissingSkill {
        #[serde(deserialize_with = "crate::plan::types::skill_lenient")]
        skill: Skill,
    },
    /// Cannot arrive in time: setting off once warned, arrives this many seconds after the
    /// alert, later than the plan allows.
    TooLate {
        arrival_secs: f64,
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
    /// Chosen, a suitable candidate not chosen, or why it is unsuitable.
    pub status: DestinationStatus,
}

/// How a destination fared for one person, for `explain` (the code in `explain --json`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DestinationStatus {
    /// The plan's destination.
    Chosen,
    /// Suitable and in time, not chosen (farther, or full).
    Candidate,
    /// A welfare shelter that takes people only by transfer, not by direct evacuation.
    TransferOnly,
    /// Not designated for the scenario's hazard.
    NotDesignatedForHazard,
    /// Outdoor site, unusable in rain or winter.
    OutdoorInRainOrWinter,
    /// Lies inside an active hazard zone.
    InsideActiveHazardZone,
    /// Not barrier-free, and the person uses a wheelchair or is bedridden.
    NotBarrierFree,
    /// A welfare shelter, and the person does not need one.
    WelfareShelterForOthers,
}

impl DestinationStatus {
    pub const ALL: [DestinationStatus; 8] = [
        DestinationStatus::Chosen,
        DestinationStatus::Candidate,
        DestinationStatus::TransferOnly,
        DestinationStatus::NotDesignatedForHazard,
        DestinationStatus::OutdoorInRainOrWinter,
        DestinationStatus::InsideActiveHazardZone,
        DestinationStatus::NotBarrierFree,
        DestinationStatus::WelfareShelterForOthers,
    ];

    /// Stable code, as in `explain --json`.
    pub fn code(self) -> &'static str {
        match self {
            DestinationStatus::Chosen => "chosen",
            DestinationStatus::Candidate => "candidate",
            DestinationStatus::TransferOnly => "transfer_only",
            DestinationStatus::NotDesignatedForHazard => "not_designated_for_hazard",
            DestinationStatus::OutdoorInRainOrWinter => "outdoor_in_rain_or_winter",
            DestinationStatus::InsideActiveHazardZone => "inside_active_hazard_zone",
            DestinationStatus::NotBarrierFree => "not_barrier_free",
            DestinationStatus::WelfareShelterForOthers => "welfare_shelter_for_others",
        }
    }

    /// Suitable for the person (chosen or a candidate).
    pub fn suitable(self) -> bool {
        matches!(
            self,
            DestinationStatus::Chosen | DestinationStatus::Candidate
        )
    }

    /// The status as a short phrase (`explain`, and the reason a pin was not followed).
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            DestinationStatus::Chosen => lang.pick("◎ 避難先に選定", "chosen as destination"),
            DestinationStatus::Candidate => lang.pick(
                "候補（より適した避難先を選定）",
                "suitable; a better destination was chosen",
            ),
            DestinationStatus::TransferOnly => lang.pick(
                "× 移送による受け入れのみで、直接避難できない",
                "takes people by transfer only, not by direct evacuation",
            ),
            DestinationStatus::NotDesignatedForHazard => {
                lang.pick("× この災害種別の指定なし", "not designated for this hazard")
            }
            DestinationStatus::OutdoorInRainOrWinter => lang.pick(
                "× 屋外のため雨天・冬季は使えない",
                "outdoors, unusable in rain or winter",
            ),
            DestinationStatus::InsideActiveHazardZone => lang.pick(
                "× 想定される災害の区域内にある",
                "inside an active hazard zone",
            ),
            DestinationStatus::NotBarrierFree => {
                lang.pick("× バリアフリーでない", "not barrier-free")
            }
            DestinationStatus::WelfareShelterForOthers => lang.pick(
                "× 福祉避難所で、この方は対象外",
                "a welfare shelter, for people who need one",
            ),
        }
    }
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
    /// Pairs (person, helper) left out of `problem` because the helper's round could not be
    /// done in time with them (external ids); `problem` is exactly what was solved.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removed_pairs: Vec<[String; 2]>,
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
/// Travel-time tolerance, seconds (floating-point noise).
const EPS: f64 = 1e-6;

/// What planning needs of a map whatever the scenario: snaps, indexes and lookups, built once
/// per map and parameters ([`Planner`] holds one; [`plan`] builds one per call).
pub struct MapCache {
    /// Helper-role volunteers snapped for walking: node -> volunteers.
    helper_nodes: BTreeMap<NodeId, Vec<VolunteerId>>,
    helper_snap_m: Vec<f64>,
    /// Escort capacity per volunteer: their own, capped by their role's setting.
    capacity: Vec<u8>,
    hazards: HazardIndex,
    /// Each hazard zone's road segments (index: zone order).
    zone_edges: Vec<Closures>,
    /// Each shelter snapped for each profile (index: `Profile::ALL` order): (node, metres).
    shelter_snap: Vec<Vec<Option<(NodeId, f64)>>>,
    /// Helper-role volunteers' homes in an R-tree, for straight-line distances.
    helper_points: SpatialIndex,
    /// Volunteers and shelters by external id (the map's own lookups are linear scans).
    volunteer_by_id: BTreeMap<String, VolunteerId>,
    shelter_by_id: BTreeMap<String, ShelterId>,
    person_by_id: BTreeMap<String, PersonId>,
    no_closures: Closures,
}

/// What planning needs of one scenario on one map: closures, edge clocks, who is available,
/// watch contacts as of the drafting date, usable shelters.
#[derive(Clone)]
struct ScenarioState {
    /// Closed from the start: the scenario's closed roads and areas.
    closures: Closures,
    /// `closures` plus the active landslide zones' segments, avoided while another way exists.
    avoid: Closures,
    has_landslide: bool,
    /// When each segment closes, per profile (index: `Profile::ALL` order).
    clocks: Vec<EdgeClock>,
    /// Every segment open at every time (for "would a route exist without the water?").
    open_clock: EdgeClock,
    /// Every trip must end by this, seconds after the alert: when the last active zone floods,
    /// or the lead time when no zone floods (a landslide).
    deadline_secs: f64,
    margin_secs: f64,
    warning_secs: f64,
    available: Vec<bool>,
    /// Watch contact per (person, volunteer) in the year before `as_of`: (count, last date).
    contact: BTreeMap<(PersonId, VolunteerId), (u32, Date)>,
    last_contact: Vec<Option<Date>>,
    /// Each person's main watcher: most contacts in the year, then the latest, then lowest id.
    main_watcher: Vec<Option<VolunteerId>>,
    /// Why each shelter is unusable for this scenario, if it is (independent of the person).
    shelter_block: Vec<Option<DestinationStatus>>,
}

struct Prep<'a> {
    map: &'a Map,
    graph: &'a RoadGraph,
    scenario: &'a Scenario,
    params: &'a PlanParams,
    as_of: Date,
    cache: &'a MapCache,
    st: &'a ScenarioState,
    /// Hand-set choices by person (`pins.csv`).
    pins: BTreeMap<PersonId, &'a Pin>,
    /// An earlier run's choices by person (`plan --previous`), in internal ids; unknown ids
    /// (a helper or shelter since removed) are dropped.
    previous: BTreeMap<PersonId, PrevIds>,
}

impl std::ops::Deref for Prep<'_> {
    type Target = ScenarioState;
    fn deref(&self) -> &ScenarioState {
        self.st
    }
}

/// One person's earlier choices, in internal ids.
#[derive(Default)]
struct PrevIds {
    /// With the travel or trip seconds they had then.
    primaries: Vec<(VolunteerId, f64)>,
    backup: Option<(VolunteerId, f64)>,
    destination: Option<(ShelterId, f64)>,
}

fn profile_index(profile: Profile) -> usize {
    Profile::ALL
        .iter()
        .position(|p| *p == profile)
        .expect("every profile is in ALL")
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

/// The skill every helper of a person who leaves must have: wheelchair training for
/// wheelchair users, only when `helpers.wheelchair_training_required` (by default it is not a
/// bar: a neighbour can push a wheelchair, and the plan warns when nobody named is trained).
/// A car is not asked of every helper: a person who goes by car needs one vehicle among their
/// helpers (`helpers.vehicle_helpers`), which the matching enforces for the pair.
pub fn skill_needed(m: Mobility, params: &super::params::HelperParams) -> Option<Skill> {
    match m {
        Mobility::Wheelchair if params.wheelchair_training_required => Some(Skill::Wheelchair),
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

/// Powered devices or oxygen: power must last as long as the person stays.
fn on_power(p: &Person) -> bool {
    p.has_need(Need::PoweredDevice) || p.has_need(Need::Oxygen)
}

/// The priority of a person with the default parameters: hazard at home × need × household.
/// Tests every hazard zone; the engine uses [`priority_in`] with the zones from its index.
pub fn priority(map: &Map, p: &Person) -> Priority {
    let pt = geo::Point::new(p.home.lon, p.home.lat);
    priority_in(
        map.hazards.iter().filter(|z| z.geometry.intersects(&pt)),
        p,
        &PriorityParams::default(),
    )
}

/// [`priority`] given the hazard zones that contain the person's home.
pub fn priority_in<'a>(
    zones_at_home: impl Iterator<Item = &'a HazardZone>,
    p: &Person,
    params: &PriorityParams,
) -> Priority {
    let mut factors = Vec::new();
    let mut hazard = (
        params.outside_zones,
        String::from("浸水・土砂災害の想定区域外"),
        String::from("outside hazard zones"),
    );
    for z in zones_at_home {
        let (m, ja, en) = match (z.kind, z.depth_rank) {
            (HazardKind::HouseCollapse, _) => (
                params.deep_or_collapse,
                "家屋倒壊等氾濫想定区域".into(),
                "house-collapse zone".into(),
            ),
            (HazardKind::Landslide, _) => (
                params.deep_or_collapse,
                "土砂災害警戒区域".into(),
                "landslide zone".into(),
            ),
            (_, Some(r)) if r.min_m() >= 3.0 => (
                params.deep_or_collapse,
                format!("浸水深{}", r.label()),
                format!("flood depth {}", r.label()),
            ),
            (_, Some(r)) if r.min_m() >= 0.5 => (
                params.ground_floor_floods,
                format!("浸水深{}", r.label()),
                format!("flood depth {}", r.label()),
            ),
            (_, Some(r)) => (
                params.shallow,
                format!("浸水深{}", r.label()),
                format!("flood depth {}", r.label()),
            ),
            (k, None) => (
                params.unknown_depth,
                k.label_ja().into(),
                k.label_en().into(),
            ),
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
    factors.push(PriorityFactor {
        ja: p.mobility.label_ja().into(),
        en: p.mobility.label_en().into(),
        multiplier: params.mobility.get(p.mobility),
    });
    if p.has_need(Need::PoweredDevice) || p.has_need(Need::Oxygen) || p.has_need(Need::Dialysis) {
        factors.push(PriorityFactor {
            ja: "医療機器・医療的ケア".into(),
            en: "medical devices or care".into(),
            multiplier: params.medical,
        });
    }
    factors.push(PriorityFactor {
        ja: p.household.label_ja().into(),
        en: p.household.label_en().into(),
        multiplier: params.household.get(p.household),
    });
    let score = factors.iter().map(|f| f.multiplier).product::<f64>();
    let band = if score >= params.high_from {
        Band::High
    } else if score >= params.middle_from {
        Band::Middle
    } else {
        Band::Low
    };
    Priority {
        score,
        band,
        weight: ((score * params.weight_scale).round() as u64).max(1),
        factors,
    }
}

/// What the person must do, and the facts behind it.
#[derive(Clone)]
struct Assessment {
    need: EvacuationNeed,
    reason: LocalText,
    /// For `Upstairs`: the first floor above the water.
    safe_floor: Option<u8>,
    /// Helpers needed now: to leave (the roster's count), to get upstairs (by mobility), or 0.
    helpers: u8,
    /// When water reaches the home, seconds after the alert (flood zones at home).
    water_home_secs: Option<f64>,
}

/// The evacuation need of `p` in this scenario (issue "Evacuation in time" §2).
fn assess(prep: &Prep, p: &Person) -> Assessment {
    let (scenario, params) = (prep.scenario, prep.params);
    let water = &params.water;
    let zones: Vec<&HazardZone> = prep
        .zones_at(p.home)
        .filter(|z| scenario.zone_active(z.kind))
        .collect();
    let water_home_secs = zones
        .iter()
        .filter_map(|z| water.arrival_min(z))
        .map(|a| scenario.lead_secs() + a * 60.0)
        .min_by(f64::total_cmp);
    let mk = |need, ja: String, en: String, helpers: u8| Assessment {
        need,
        reason: LocalText { ja, en },
        safe_floor: None,
        helpers,
        water_home_secs,
    };
    let leave = |ja: String, en: String| mk(EvacuationNeed::Leave, ja, en, p.helpers_needed);
    if p.household == Household::Facility {
        return mk(
            EvacuationNeed::Facility,
            "入所施設の避難確保計画で避難します（この計画では支援者を割り当てません）。".into(),
            "Lives in a facility: the facility's own evacuation plan covers them; no neighbourhood helper is drafted."
                .into(),
            0,
        );
    }
    let battery_h = params.stay.device_battery_h;
    if zones.is_empty() {
        if scenario.evacuate_all {
            return leave(
                "地域全体に避難の指示が出る想定のため、避難先へ移動します。".into(),
                "The scenario orders the whole area to evacuate.".into(),
            );
        }
        if on_power(p) && scenario.power_outage_h > battery_h {
            return leave(
                format!(
                    "自宅は想定区域外ですが、停電が{}時間続く想定で、医療機器のバッテリー（{}時間）が持たないため、電源のある避難先へ移動します。",
                    scenario.power_outage_h, battery_h
                ),
                format!(
                    "The home is outside every zone, but the {} h power outage outlasts the medical device's battery ({} h): move to a destination with power.",
                    scenario.power_outage_h, battery_h
                ),
            );
        }
        return mk(
            EvacuationNeed::StayHome,
            "自宅は想定される浸水・土砂災害の区域外です。移動せず在宅で安全を確保し、水・食料・常備薬を備えてください。".into(),
            "The home is outside every hazard zone of this scenario: stay at home with water, food and medicines ready.".into(),
            0,
        );
    }
    let mut depth_m: f64 = 0.0;
    let mut duration_h: f64 = 0.0;
    for z in &zones {
        match z.kind {
            HazardKind::HouseCollapse => {
                return leave(
                    "自宅が家屋倒壊等氾濫想定区域にあり、建物ごと流される恐れがあるため、立ち退き避難が必要です。".into(),
                    "The home is in a house-collapse zone and may be swept away: the person must leave.".into(),
                );
            }
            HazardKind::Landslide => {
                return leave(
                    "自宅が土砂災害警戒区域にあるため、立ち退き避難が必要です。".into(),
                    "The home is in a landslide zone: the person must leave.".into(),
                );
            }
            _ => {}
        }
        match z.depth_rank {
            Some(r) => depth_m = depth_m.max(r.max_m()),
            None => depth_m = f64::INFINITY,
        }
        duration_h = duration_h.max(water.duration_h(z).unwrap_or(0.0));
    }
    if !depth_m.is_finite() && zones.iter().all(|z| z.depth_rank.is_none()) {
        return leave(
            "浸水想定区域内で浸水深が不明なため、立ち退き避難とします。".into(),
            "The home is in a flood zone of unknown depth: the person must leave.".into(),
        );
    }
    // Floor k's surface is (k-1) storeys above ground; it is dry if that is at or above the depth.
    let floor = if depth_m.is_finite() {
        (depth_m / params.stay.floor_height_m).ceil() as u32 + 1
    } else {
        u32::MAX
    };
    if floor > p.building.floors as u32 {
        return leave(
            format!(
                "想定浸水深が{}に達し、{}階建ての自宅には水より上の階がありません。",
                depth_label(depth_m),
                p.building.floors
            ),
            format!(
                "water up to {}, and no floor of the {}-storey home is above it.",
                depth_label(depth_m),
                p.building.floors
            ),
        );
    }
    if duration_h > params.stay.max_isolation_h {
        return leave(
            format!(
                "浸水が{duration_h:.0}時間続く想定で、上階にとどまると電気・水・医療のない孤立が{:.0}時間を超えるため、立ち退き避難が必要です。",
                params.stay.max_isolation_h
            ),
            format!(
                "Water stays {duration_h:.0} h: staying upstairs would mean isolation without power, water or medical supply for more than {:.0} h, so the person must leave.",
                params.stay.max_isolation_h
            ),
        );
    }
    if on_power(p) && duration_h > battery_h {
        return leave(
            format!(
                "浸水が{duration_h:.0}時間続く想定で、医療機器のバッテリー（{battery_h}時間）が持たないため、立ち退き避難が必要です。"
            ),
            format!(
                "Water stays {duration_h:.0} h, longer than the medical device's battery ({battery_h} h): the person must leave."
            ),
        );
    }
    let floor = floor as u8;
    // Already on a safe floor: a bedridden person is in the bedroom, and so is everyone at night.
    let already_up = p.building.bedroom_floor >= floor
        && (scenario.night() || p.mobility == Mobility::Bedridden);
    let helpers = if already_up {
        0
    } else {
        params.stay.climb_helpers.get(p.mobility)
    };
    let (ja, en) = match helpers {
        0 => (
            format!(
                "浸水は{}階より下にとどまり（{}以下、{duration_h:.0}時間程度）、家屋倒壊・土砂災害の区域外のため、{floor}階以上で屋内安全確保とします。",
                floor,
                depth_label(depth_m)
            ),
            format!(
                "Water stays below floor {floor} (up to {}, about {duration_h:.0} h) and the home is outside collapse and landslide zones: stay on floor {floor} or above.",
                depth_label(depth_m)
            ),
        ),
        n => (
            format!(
                "浸水は{floor}階より下にとどまり（{}以下、{duration_h:.0}時間程度）、屋内安全確保ができますが、上階への移動に支援者{n}人の介助が必要です。",
                depth_label(depth_m)
            ),
            format!(
                "Water stays below floor {floor} (up to {}, about {duration_h:.0} h), so the person may stay upstairs, but needs {n} helper(s) to get up there.",
                depth_label(depth_m)
            ),
        ),
    };
    Assessment {
        need: EvacuationNeed::Upstairs,
        reason: LocalText { ja, en },
        safe_floor: Some(floor),
        helpers,
        water_home_secs,
    }
}

fn depth_label(depth_m: f64) -> String {
    if depth_m.is_finite() {
        format!("{depth_m:.1} m")
    } else {
        "20 m+".into()
    }
}

/// The scenario's roads and areas closed from the start (`closed_roads`, `closed_areas`).
pub fn scenario_closures(
    graph: &RoadGraph,
    scenario: &Scenario,
) -> Result<Closures, crate::network::NetworkError> {
    let mut closures = close_roads(graph, scenario.closed_roads.iter().map(String::as_str))?;
    for ring in &scenario.closed_areas {
        let poly = geo::Polygon::new(
            ring.iter().map(|p| (p[0], p[1])).collect::<Vec<_>>().into(),
            vec![],
        );
        closures.union_with(&close_polygon(graph, &geo::MultiPolygon(vec![poly])));
    }
    Ok(closures)
}

/// When the water or the hazard closes each segment, per profile.
pub struct WaterClocks {
    /// Per profile (`Profile::ALL` order).
    pub clocks: Vec<EdgeClock>,
    /// The active landslide zones' segments.
    pub landslide: Closures,
    pub has_landslide: bool,
    /// When the last active zone floods, or the lead time, seconds after the alert.
    pub deadline_secs: f64,
}

/// The edge clocks of `scenario`: each active zone's segments (`zone_edges`, one per hazard
/// zone of `map`, in order) closed per profile at the time the water arrives (floods, for the
/// profiles its depth stops) or the hazard strikes (landslides, at the lead time).
pub fn water_clocks(
    map: &Map,
    graph: &RoadGraph,
    scenario: &Scenario,
    params: &PlanParams,
    zone_edges: &[Closures],
) -> WaterClocks {
    let lead = scenario.lead_secs();
    let mut clocks: Vec<EdgeClock> = Profile::ALL
        .iter()
        .map(|_| EdgeClock::open(graph))
        .collect();
    let mut landslide = Closures::none(graph);
    let mut has_landslide = false;
    let mut deadline_secs = lead;
    for (zone, edges) in map
        .hazards
        .iter()
        .zip(zone_edges)
        .filter(|(z, _)| scenario.zone_active(z.kind))
    {
        match params.water.arrival_min(zone) {
            Some(arrival) => {
                let at = lead + arrival * 60.0;
                deadline_secs = deadline_secs.max(at);
                for (pi, profile) in Profile::ALL.iter().enumerate() {
                    if params.water.stops(zone, *profile) {
                        for e in edges.iter() {
                            clocks[pi].close_at(e, at);
                        }
                    }
                }
            }
            None => {
                has_landslide = true;
                landslide.union_with(edges);
                for clock in clocks.iter_mut() {
                    for e in edges.iter() {
                        clock.close_at(e, lead);
                    }
                }
            }
        }
    }
    WaterClocks {
        clocks,
        landslide,
        has_landslide,
        deadline_secs,
    }
}

/// [`water_clocks`] finding each zone's segments itself (one-off callers: the drill).
pub fn scenario_clocks(
    map: &Map,
    graph: &RoadGraph,
    scenario: &Scenario,
    params: &PlanParams,
) -> Vec<EdgeClock> {
    let zone_edges: Vec<Closures> = map
        .hazards
        .iter()
        .map(|z| close_polygon(graph, &z.geometry))
        .collect();
    water_clocks(map, graph, scenario, params, &zone_edges).clocks
}

impl MapCache {
    /// Builds the caches of `map` on `graph` for `params` (routing, helper roles).
    pub fn new(map: &Map, graph: &RoadGraph, params: &PlanParams) -> MapCache {
        let no_closures = Closures::none(graph);
        let eligible_role =
            |v: &Volunteer| v.roles.iter().any(|r| params.helpers.role(*r).eligible);
        let mut helper_nodes: BTreeMap<NodeId, Vec<VolunteerId>> = BTreeMap::new();
        let mut helper_snap_m = vec![f64::INFINITY; map.volunteers.len()];
        for id in map.volunteer_ids() {
            let v = map.volunteer(id);
            if !eligible_role(v) {
                continue;
            }
            if let Some(s) = graph.snap_for(v.home, Profile::Walk, &params.routing, &no_closures)
                && !s.off_network
            {
                helper_nodes.entry(s.node).or_default().push(id);
                helper_snap_m[id.index()] = s.distance_m;
            }
        }
        let capacity = map
            .volunteers
            .iter()
            .map(|v| {
                v.roles
                    .iter()
                    .filter_map(|r| params.helpers.role(*r).max_capacity)
                    .max()
                    .map_or(v.capacity, |cap| v.capacity.min(cap))
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
        MapCache {
            helper_nodes,
            helper_snap_m,
            capacity,
            hazards: HazardIndex::new(&map.hazards),
            zone_edges: map
                .hazards
                .iter()
                .map(|z| close_polygon(graph, &z.geometry))
                .collect(),
            shelter_snap,
            helper_points: SpatialIndex::new(
                *graph.frame(),
                map.volunteer_ids()
                    .filter(|v| eligible_role(map.volunteer(*v)))
                    .map(|v| (Item::Volunteer(v), map.volunteer(v).home)),
            ),
            volunteer_by_id: map
                .volunteer_ids()
                .map(|v| (map.volunteer(v).ext_id.clone(), v))
                .collect(),
            shelter_by_id: map
                .shelter_ids()
                .map(|s| (map.shelter(s).ext_id.clone(), s))
                .collect(),
            person_by_id: map
                .person_ids()
                .map(|p| (map.person(p).ext_id.clone(), p))
                .collect(),
            no_closures,
        }
    }
}

impl ScenarioState {
    fn new(
        map: &Map,
        graph: &RoadGraph,
        scenario: &Scenario,
        params: &PlanParams,
        as_of: Date,
        cache: &MapCache,
    ) -> Result<Self, PlanError> {
        scenario
            .validate()
            .map_err(|(field, value, expected)| PlanError::Scenario {
                field,
                value,
                expected,
            })?;
        let closures = scenario_closures(graph, scenario)?;
        let net = water_clocks(map, graph, scenario, params, &cache.zone_edges);
        let mut avoid = closures.clone();
        avoid.union_with(&net.landslide);
        let (clocks, has_landslide, deadline_secs) =
            (net.clocks, net.has_landslide, net.deadline_secs);
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
                let at_time = v.availability.at(scenario.weekend, scenario.night());
                // Draw for every volunteer so the draw does not depend on availability.
                let drawn_out = draw.chance(scenario.unavailable_share);
                at_time && !drawn_out && !out.contains(v.ext_id.as_str())
            })
            .collect();
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
        let mut main_watcher: Vec<Option<(u32, Date, std::cmp::Reverse<VolunteerId>)>> =
            vec![None; map.people.len()];
        for (&(p, v), &(n, last)) in &contact {
            let key = (n, last, std::cmp::Reverse(v));
            let m = &mut main_watcher[p.index()];
            if m.is_none_or(|old| key > old) {
                *m = Some(key);
            }
        }
        let main_watcher = main_watcher
            .into_iter()
            .map(|m| m.map(|(_, _, std::cmp::Reverse(v))| v))
            .collect();
        let shelter_block = map
            .shelters
            .iter()
            .map(|s| {
                if s.welfare_access == Some(WelfareAccess::TransferOnly) {
                    Some(DestinationStatus::TransferOnly)
                } else if !s.hazards.contains(scenario.hazard) {
                    Some(DestinationStatus::NotDesignatedForHazard)
                } else if scenario.indoor_only() && !s.indoor {
                    Some(DestinationStatus::OutdoorInRainOrWinter)
                } else if cache
                    .hazards
                    .containing(&map.hazards, s.location)
                    .into_iter()
                    .any(|id| scenario.zone_active(map.hazards[id.index()].kind))
                {
                    Some(DestinationStatus::InsideActiveHazardZone)
                } else {
                    None
                }
            })
            .collect();
        Ok(ScenarioState {
            closures,
            avoid,
            has_landslide,
            clocks,
            // An empty clock closes nothing, on any graph.
            open_clock: EdgeClock::with_len(0),
            deadline_secs,
            margin_secs: params.timing.margin_min * 60.0,
            warning_secs: params.timing.warning_min * 60.0,
            available,
            contact,
            last_contact,
            main_watcher,
            shelter_block,
        })
    }
}

impl<'a> Prep<'a> {
    #[allow(clippy::too_many_arguments)]
    fn new(
        map: &'a Map,
        graph: &'a RoadGraph,
        scenario: &'a Scenario,
        params: &'a PlanParams,
        as_of: Date,
        cache: &'a MapCache,
        st: &'a ScenarioState,
        pins: &'a [Pin],
        previous: Option<&Previous>,
    ) -> Self {
        let volunteer_by_id = &cache.volunteer_by_id;
        let shelter_by_id = &cache.shelter_by_id;
        let previous = previous
            .map(|prev| {
                map.person_ids()
                    .filter_map(|p| {
                        let c = prev.plans.get(&map.person(p).ext_id)?;
                        let vol = |id: &String| volunteer_by_id.get(id).copied();
                        Some((
                            p,
                            PrevIds {
                                primaries: c
                                    .primaries
                                    .iter()
                                    .filter_map(|(id, secs)| Some((vol(id)?, *secs)))
                                    .collect(),
                                backup: c
                                    .backup
                                    .as_ref()
                                    .and_then(|(id, secs)| Some((vol(id)?, *secs))),
                                destination: c.destination.as_ref().and_then(|(d, secs)| {
                                    Some((shelter_by_id.get(d).copied()?, *secs))
                                }),
                            },
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Prep {
            pins: pins.iter().map(|p| (p.person, p)).collect(),
            previous,
            map,
            graph,
            scenario,
            params,
            as_of,
            cache,
            st,
        }
    }

    /// Why shelter `s` does not suit person `p` in this scenario, or `None` if it does.
    fn unsuitable(&self, s: ShelterId, p: &Person) -> Option<DestinationStatus> {
        if let Some(b) = self.shelter_block[s.index()] {
            return Some(b);
        }
        let sh = self.map.shelter(s);
        if matches!(p.mobility, Mobility::Wheelchair | Mobility::Bedridden) && !sh.barrier_free {
            return Some(DestinationStatus::NotBarrierFree);
        }
        if sh.kind == ShelterKind::WelfareShelter && !needs_welfare_shelter(p) {
            return Some(DestinationStatus::WelfareShelterForOthers);
        }
        None
    }

    /// The hazard zones containing `p`, in id order.
    fn zones_at(&self, p: LonLat) -> impl Iterator<Item = &'a HazardZone> + 'a {
        let zones = &self.map.hazards;
        self.cache
            .hazards
            .containing(zones, p)
            .into_iter()
            .map(move |id| &zones[id.index()])
    }

    fn shelter_snap(&self, profile: Profile, s: ShelterId) -> Option<(NodeId, f64)> {
        self.cache.shelter_snap[profile_index(profile)][s.index()]
    }

    fn clock(&self, profile: Profile) -> &EdgeClock {
        &self.clocks[profile_index(profile)]
    }

    fn speed(&self, profile: Profile) -> f64 {
        self.params
            .routing
            .flat_speed_mps(profile, &self.scenario.conditions())
    }
}

/// A destination in reach for one person.
#[derive(Clone)]
struct DestCandidate {
    shelter: ShelterId,
    /// From leaving the door to arriving at the destination's door, seconds.
    trip_secs: f64,
    /// Road nodes of the route, home side first.
    nodes: Vec<NodeId>,
    /// Latest door departure for which this route is still safe, seconds after the alert.
    leave_by_secs: f64,
    /// The route crosses an active landslide zone (no other way).
    through_landslide: bool,
}

/// An eligible helper for one person.
#[derive(Clone)]
struct EligibleHelper {
    volunteer: VolunteerId,
    /// From the helper's door to the person's, seconds.
    travel_secs: f64,
    cost: u64,
    /// Road nodes from the helper's side to the person's.
    nodes: Vec<NodeId>,
    /// Owns a car (a person going by car needs `helpers.vehicle_helpers` such helpers).
    has_car: bool,
}

/// Per-person working state.
#[derive(Clone)]
struct Work {
    pid: PersonId,
    priority: Priority,
    method: Method,
    assessment: Assessment,
    prep_secs: f64,
    home: Option<NodeId>,
    home_snap_m: f64,
    /// Earliest door departure: warned, and prepared, seconds after the alert.
    earliest_depart_secs: f64,
    dest: Vec<DestCandidate>,
    /// The road edges the destination search depended on: the tree edges to every
    /// destination it reached (sorted). Closing other edges cannot change the search's
    /// result. `None`: it depends on more (no suitable destination: the widening searches
    /// that explain why), so any closure repeats it.
    footprint: Option<Vec<EdgeId>>,
    chosen_dest: Option<usize>,
    eligible: Vec<EligibleHelper>,
    /// Where helpers can set off to reach this person in time: per road node settled by the
    /// helper search, (node, seconds to the person's door, latest departure), by node.
    reach: Vec<(NodeId, f64, f64)>,
    /// A household member is at home and helps (roster `family_helper`, `helpers.family_first`).
    family: bool,
    /// Per primary helper: place in the round (1 = first), arrival and safe times, seconds.
    rounds: BTreeMap<VolunteerId, (u8, f64, f64)>,
    /// Helpers the matching must keep if at all possible: the pinned helper, or every previous
    /// primary when all of them are still eligible and not much slower (`plan --previous`).
    fixed: Vec<VolunteerId>,
    reasons: Vec<Reason>,
    warnings: Vec<Warning>,
    explanation: Explanation,
}

impl Work {
    /// Neighbours needed now: the helpers needed, less a family member at home.
    fn neighbours(&self) -> u8 {
        self.assessment
            .helpers
            .saturating_sub(u8::from(self.family))
    }

    /// Seconds from a helper's leaving `node` to reaching this person's door, and the latest
    /// such departure, if `node` is within the helper search.
    fn reach_from(&self, node: NodeId) -> Option<(f64, f64)> {
        let i = self.reach.binary_search_by(|r| r.0.cmp(&node)).ok()?;
        Some((self.reach[i].1, self.reach[i].2))
    }

    /// Needs helpers now and nothing stopped the plan before the helper search (a person
    /// helped by family alone still seeks a neighbour as backup).
    fn seeks_helpers(&self) -> bool {
        self.assessment.helpers > 0
            && self.reasons.is_empty()
            && match self.assessment.need {
                EvacuationNeed::Leave => self.chosen_dest.is_some(),
                EvacuationNeed::Upstairs => self.home.is_some(),
                _ => false,
            }
    }

    /// Latest time a helper may reach the person's door, seconds after the alert.
    fn help_deadline_secs(&self, prep: &Prep) -> Option<f64> {
        match self.assessment.need {
            EvacuationNeed::Leave => {
                let d = &self.dest[self.chosen_dest?];
                Some(d.leave_by_secs - self.prep_secs)
            }
            EvacuationNeed::Upstairs => Some(
                self.assessment
                    .water_home_secs
                    .unwrap_or(prep.deadline_secs)
                    - prep.margin_secs
                    - prep.params.stay.climb_min * 60.0,
            ),
            _ => None,
        }
    }

    /// Helpers with a car the person needs among their helpers: going by car, one drives
    /// (`helpers.vehicle_helpers`, at most the number of helpers).
    fn vehicles_needed(&self, prep: &Prep) -> u8 {
        if self.assessment.need == EvacuationNeed::Leave && self.method == Method::Car {
            prep.params.helpers.vehicle_helpers.min(self.neighbours())
        } else {
            0
        }
    }

    /// The matching weight: people who must leave first. With `priority.leave_first`, a
    /// person who must leave weighs `leave_scale` times their priority weight, where the
    /// caller passes one more than the total weight of everyone helped upstairs: covering one
    /// more person who must leave then always beats any number helped upstairs.
    fn weight(&self, prep: &Prep, leave_scale: u64) -> u64 {
        match self.assessment.need {
            EvacuationNeed::Upstairs => ((self.priority.weight as f64
                * prep.params.priority.upstairs_factor)
                .round() as u64)
                .max(1),
            _ if prep.params.priority.leave_first => self.priority.weight * leave_scale,
            _ => self.priority.weight,
        }
    }
}

/// Drafts plans for every person in `map`.
pub fn plan(
    map: &Map,
    graph: &RoadGraph,
    scenario: &Scenario,
    params: &PlanParams,
    as_of: Date,
) -> Result<PlanRun, PlanError> {
    plan_with_progress(map, graph, scenario, params, as_of, None, &mut |_, _| {})
}

/// [`plan`], keeping an earlier run's choices where still good (`previous`, see
/// `helpers.keep_tolerance_min`), calling `progress(done, total)` as people are routed.
pub fn plan_with_progress(
    map: &Map,
    graph: &RoadGraph,
    scenario: &Scenario,
    params: &PlanParams,
    as_of: Date,
    previous: Option<&Previous>,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<PlanRun, PlanError> {
    let cache = MapCache::new(map, graph, params);
    let st = ScenarioState::new(map, graph, scenario, params, as_of, &cache)?;
    let prep = Prep::new(
        map, graph, scenario, params, as_of, &cache, &st, &map.pins, previous,
    );
    Ok(plan_prepared(&prep, previous, progress, false)?.0)
}

/// What a full run leaves for later district re-plans: every consenting person's work as
/// routed (before destinations and helpers) and as found (after the helper search, before the
/// matching), and the round nodes of the helper searches.
struct Routed {
    works: Vec<Work>,
    found: Vec<Work>,
    round_nodes: Vec<bool>,
}

/// Plans every person with `prep`; with `keep`, also returns the routed works.
fn plan_prepared(
    prep: &Prep,
    previous: Option<&Previous>,
    progress: &mut dyn FnMut(usize, usize),
    keep: bool,
) -> Result<(PlanRun, Option<Routed>), PlanError> {
    let map = prep.map;
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
                .map_init(SearchTree::new, |tree, pid| route_person(prep, tree, *pid)),
        );
    }
    progress(total, total);
    let routed = keep.then(|| works.clone());
    let destinations = assign_destinations(prep, &mut works, &[])?;
    // Where a helper's round can take them: destinations and the homes of people who need
    // help. Each helper search keeps its latest departures from these nodes only.
    let mut round_nodes = vec![false; prep.graph.node_count()];
    mark_round_nodes(prep, &works, &mut round_nodes);
    find_all_helpers(prep, &mut works, &round_nodes);
    let found = keep.then(|| works.clone());
    let (helpers, backups) = match_helpers(prep, &mut works, &[], &BTreeMap::new())?;
    let run = assemble(prep, works, destinations, helpers, backups, previous, None);
    Ok((
        run,
        routed.zip(found).map(|(works, found)| Routed {
            works,
            found,
            round_nodes,
        }),
    ))
}

/// Marks the nodes a helper's round can pass through: the destinations and the homes of
/// people who need help.
fn mark_round_nodes(prep: &Prep, works: &[Work], round_nodes: &mut [bool]) {
    for w in works.iter().filter(|w| w.seeks_helpers()) {
        if let Some(end) = stop_end(prep, w) {
            round_nodes[end.0.index()] = true;
        }
        if let Some(h) = w.home {
            round_nodes[h.index()] = true;
        }
    }
}

/// The helper search for everyone in `works` who seeks helpers, in parallel.
fn find_all_helpers(prep: &Prep, works: &mut [Work], round_nodes: &[bool]) {
    works
        .par_iter_mut()
        .for_each_init(LatestTree::new, |tree, w| {
            if w.seeks_helpers() {
                find_helpers(prep, tree, w, round_nodes);
            }
        });
}

/// The routing speeds of people leaving from `district`: on foot (walking, slowly, wheelchair,
/// stretcher) scaled by the district's `drill.walk_factor` (calibrated from real drills by
/// `drill compare`; the drill divides its escort times by the same factor); cars unchanged.
fn escort_routing(params: &PlanParams, district: &str) -> RoutingParams {
    let mut r = params.routing;
    if let Some(f) = params.drill.walk_factor.get(district) {
        for s in [
            &mut r.walk,
            &mut r.slow_walk,
            &mut r.wheelchair,
            &mut r.stretcher,
        ] {
            s.flat_mps *= f;
            if let Some(x) = &mut s.steps_mps {
                *x *= f;
            }
        }
    }
    r
}

fn route_person(prep: &Prep, tree: &mut SearchTree, pid: PersonId) -> Work {
    let (map, graph, params) = (prep.map, prep.graph, prep.params);
    let p = map.person(pid);
    let (mut profile, mut method) = profile_for(p.mobility);
    if !params
        .routing
        .profile_usable(profile, &prep.scenario.conditions())
    {
        // A wheelchair cannot be pushed through heavy snow or on ice
        // (`routing.wheelchair_in_heavy_snow`): the person goes by car, driven by a helper.
        (profile, method) = (Profile::Car, Method::Car);
    }
    let prep_secs = params.preparation_min.get(p.mobility) * 60.0;
    let assessment = assess(prep, p);
    let mut w = Work {
        pid,
        priority: priority_in(prep.zones_at(p.home), p, &params.priority),
        method,
        prep_secs,
        home: None,
        home_snap_m: 0.0,
        earliest_depart_secs: prep.warning_secs + prep_secs,
        dest: Vec::new(),
        // No search yet: nothing a closure can change (a home is snapped ignoring closures).
        footprint: Some(Vec::new()),
        chosen_dest: None,
        eligible: Vec::new(),
        reach: Vec::new(),
        family: params.helpers.family_first
            && p.family_helper
                .is_some_and(|a| a.at(prep.scenario.weekend, prep.scenario.night())),
        rounds: BTreeMap::new(),
        fixed: Vec::new(),
        reasons: Vec::new(),
        warnings: Vec::new(),
        explanation: Explanation {
            person: p.ext_id.clone(),
            profile: Some(profile),
            ..Explanation::default()
        },
        assessment,
    };
    match w.assessment.need {
        EvacuationNeed::Leave => {}
        EvacuationNeed::Upstairs => {
            w.method = Method::StayUpstairs;
            w.explanation.profile = None;
            if w.assessment.helpers > 0 {
                // Helpers walk to the home: snap it for walking.
                if let Some(s) = graph.snap_for(
                    p.home,
                    Profile::Walk,
                    &params.routing,
                    &prep.cache.no_closures,
                ) && !s.off_network
                {
                    w.home = Some(s.node);
                    w.home_snap_m = s.distance_m;
                    w.explanation.home_snap_m = Some(s.distance_m);
                } else {
                    w.reasons.push(Reason::OffNetwork {
                        distance_m: graph
                            .snap_for(
                                p.home,
                                Profile::Walk,
                                &params.routing,
                                &prep.cache.no_closures,
                            )
                            .map(|s| s.distance_m),
                    });
                }
            }
            return w;
        }
        EvacuationNeed::StayHome | EvacuationNeed::Facility => {
            w.method = Method::StayHome;
            w.explanation.profile = None;
            return w;
        }
    }
    // The home is snapped ignoring closures: a home inside a closed area is trapped there,
    // which the search then shows (no open edge leaves it).
    let Some(snap) = graph.snap_for(p.home, profile, &params.routing, &prep.cache.no_closures)
    else {
        w.reasons.push(Reason::OffNetwork { distance_m: None });
        return w;
    };
    w.explanation.home_snap_m = Some(snap.distance_m);
    if snap.off_network {
        w.reasons.push(Reason::OffNetwork {
            distance_m: Some(snap.distance_m),
        });
        return w;
    }
    w.home = Some(snap.node);
    w.home_snap_m = snap.distance_m;
    // On foot, the person goes at the district's pace measured in real drills.
    let routing = escort_routing(params, &map.district(p.district).code);
    let speed = routing.flat_speed_mps(profile, &prep.scenario.conditions());
    let depart = w.earliest_depart_secs;
    let at_node = depart + snap.distance_m / speed;
    let deadline = prep.deadline_secs;
    let horizon = depart + params.timing.search_limit_min * 60.0;
    let clock = prep.clock(profile);
    // One time-dependent search; destinations reached with their door arrival (seconds after
    // the alert), suitable or not, nearest first.
    let reached = |prep: &Prep,
                   tree: &mut SearchTree,
                   closures: &Closures,
                   clock: &EdgeClock,
                   max_arrival: f64|
     -> Vec<(ShelterId, f64, bool)> {
        earliest_arrival_into(
            tree,
            graph,
            profile,
            &routing,
            &prep.scenario.conditions(),
            closures,
            clock,
            prep.margin_secs,
            snap.node,
            at_node,
            max_arrival,
        );
        let mut out = Vec::new();
        for sid in map.shelter_ids() {
            if let Some((node, dist)) = prep.shelter_snap(profile, sid)
                && let Some(t) = tree.secs(node)
            {
                out.push((sid, t + dist / speed, prep.unsuitable(sid, p).is_none()));
            }
        }
        out.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        out
    };
    // Search outward in steps and stop once enough suitable destinations are in reach: a car
    // search bounded only by the deadline would settle most of the city for every bedridden
    // person. Landslide zones are avoided while another way exists.
    let welfare = needs_welfare_shelter(p);
    // A pinned or previous destination is searched for even past the nearest candidates.
    let wanted: Vec<ShelterId> = prep
        .pins
        .get(&pid)
        .and_then(|pin| pin.destination)
        .into_iter()
        .chain(
            prep.previous
                .get(&pid)
                .and_then(|c| c.destination.map(|d| d.0)),
        )
        .collect();
    let bound = deadline.min(horizon);
    let mut through_landslide = false;
    let mut found = Vec::new();
    let closure_sets: Vec<&Closures> = if prep.has_landslide {
        vec![&prep.avoid, &prep.closures]
    } else {
        vec![&prep.closures]
    };
    for (ci, closures) in closure_sets.iter().enumerate() {
        for frac in [0.125, 0.25, 0.5, 1.0] {
            let b = at_node + (bound - at_node).max(0.0) * frac;
            found = reached(prep, tree, closures, clock, b);
            let kind_count = |welfare_kind: bool| {
                found
                    .iter()
                    .filter(|f| {
                        f.2 && f.1 <= deadline + EPS
                            && (map.shelter(f.0).kind == ShelterKind::WelfareShelter)
                                == welfare_kind
                    })
                    .count()
            };
            if kind_count(false) >= params.destinations.candidates
                && (!welfare || kind_count(true) >= 2)
                && wanted.iter().all(|s| found.iter().any(|f| f.0 == *s))
            {
                break;
            }
        }
        if found.iter().any(|f| f.2 && f.1 <= deadline + EPS) {
            through_landslide = ci == 1;
            break;
        }
    }
    for (sid, secs, _) in found.iter().take(20) {
        let sh = map.shelter(*sid);
        w.explanation.destinations.push(DestinationCandidate {
            id: sh.ext_id.clone(),
            name: sh.name.clone(),
            evacuation_secs: secs - depart,
            status: prep
                .unsuitable(*sid, p)
                .unwrap_or(DestinationStatus::Candidate),
        });
    }
    let suitable: Vec<(ShelterId, f64)> = found
        .iter()
        .filter(|f| f.2 && f.1 <= deadline + EPS)
        .map(|f| (f.0, f.1))
        .collect();
    w.footprint = Some(
        tree.tree_edges_to(
            graph,
            found
                .iter()
                .filter_map(|f| prep.shelter_snap(profile, f.0).map(|s| s.0)),
        ),
    );
    if suitable.is_empty() {
        w.footprint = None;
        // Why: too far in time, or cut off by the water, or nothing suitable at all. Each
        // search widens in steps and stops at the first suitable destination, which is then
        // the nearest one (every nearer node was settled).
        let far = depart + params.timing.search_limit_min * 60.0 * 4.0;
        let nearest = |tree: &mut SearchTree, clock: &EdgeClock| {
            let mut b = at_node + (bound - at_node).max(60.0);
            loop {
                b = (at_node + (b - at_node) * 2.0).min(far);
                if let Some(f) = reached(prep, tree, &prep.closures, clock, b)
                    .into_iter()
                    .find(|f| f.2)
                {
                    return Some(f);
                }
                if b >= far {
                    return None;
                }
            }
        };
        if let Some(f) = nearest(tree, clock) {
            w.reasons.push(Reason::TooSlow {
                evacuation_secs: f.1 - depart,
                available_secs: (deadline - depart).max(0.0),
            });
        } else if nearest(tree, &prep.open_clock).is_some() {
            w.reasons.push(Reason::NoSafeRoute {
                water_min: w.assessment.water_home_secs.map(|s| s / 60.0),
                depart_min: depart / 60.0,
                margin_min: params.timing.margin_min,
            });
        } else {
            w.reasons.push(Reason::NoDestination);
        }
        return w;
    }
    // Keep the nearest candidates; welfare shelters first for people who need one.
    let n = params.destinations.candidates;
    let mut kept: Vec<(ShelterId, f64)> = suitable
        .iter()
        .filter(|(s, _)| welfare && map.shelter(*s).kind == ShelterKind::WelfareShelter)
        .take(n)
        .copied()
        .collect();
    kept.extend(
        suitable
            .iter()
            .filter(|(s, _)| map.shelter(*s).kind != ShelterKind::WelfareShelter)
            .take(n)
            .copied(),
    );
    for s in &wanted {
        if let Some(f) = suitable.iter().find(|f| f.0 == *s)
            && !kept.iter().any(|k| k.0 == *s)
        {
            kept.push(*f);
        }
    }
    // The tree still holds the last (widest) search above, which reached every kept one.
    for (sid, arrive) in kept {
        let Some((node, _)) = prep.shelter_snap(profile, sid) else {
            continue;
        };
        let (Some(nodes), Some(edges)) = (tree.path(graph, node), tree.path_edges(graph, node))
        else {
            continue;
        };
        // Latest departure on this route: every segment left `margin` before it closes, and
        // the destination reached by the deadline. Leaving later shifts every time equally.
        let mut leave_by = depart + (deadline - arrive);
        for (e, exit_node) in edges.iter().zip(nodes.iter().skip(1)) {
            if let Some(exit) = tree.secs(*exit_node) {
                leave_by = leave_by.min(depart + clock.closes_at(*e) - prep.margin_secs - exit);
            }
        }
        w.dest.push(DestCandidate {
            shelter: sid,
            trip_secs: arrive - depart,
            through_landslide: through_landslide && edges.iter().any(|e| prep.avoid.is_closed(*e)),
            nodes,
            leave_by_secs: leave_by,
        });
    }
    w
}

fn shelter_seats(prep: &Prep, s: &Shelter) -> u32 {
    let d = &prep.params.destinations;
    if s.capacity == 0 {
        d.unknown_capacity_seats
    } else if s.kind == ShelterKind::WelfareShelter {
        s.capacity
    } else {
        ((s.capacity as f64 * d.shelter_capacity_share).ceil() as u32).max(1)
    }
}

/// Destinations under capacity for `works`; `seats_taken` (per shelter, or empty) are seats
/// already given to people not in `works` (a district re-plan).
fn assign_destinations(
    prep: &Prep,
    works: &mut [Work],
    seats_taken: &[u32],
) -> Result<MatchingDump, PlanError> {
    let map = prep.map;
    let mut problem = MatchingProblem {
        people: Vec::new(),
        helpers: map
            .shelters
            .iter()
            .enumerate()
            .map(|(i, s)| Supply {
                capacity: shelter_seats(prep, s)
                    .saturating_sub(seats_taken.get(i).copied().unwrap_or(0)),
            })
            .collect(),
        arcs: Vec::new(),
    };
    let mut index = Vec::new();
    let h = &prep.params.helpers;
    // A pinned person outweighs everyone unpinned together: the pin is a human decision.
    let pin_boost = 1 + works.iter().map(|w| w.priority.weight).sum::<u64>();
    for (wi, w) in works.iter_mut().enumerate() {
        if w.dest.is_empty() {
            continue;
        }
        let pinned = prep.pins.get(&w.pid).and_then(|p| p.destination);
        let pinned = pinned.filter(|s| {
            let ok = w.dest.iter().any(|d| d.shelter == *s);
            if !ok {
                let why = prep.unsuitable(*s, map.person(w.pid));
                w.warnings.push(Warning::PinNotFollowed {
                    kind: PinKind::Destination,
                    id: map.shelter(*s).ext_id.clone(),
                    reason: match why {
                        Some(status) => LocalText {
                            ja: format!(
                                "この想定では使えない避難先です。理由: {}。",
                                status.label(Lang::Ja).trim_start_matches("× ")
                            ),
                            en: format!(
                                "is not usable in this scenario: {}.",
                                status.label(Lang::En)
                            ),
                        },
                        None => LocalText::new(
                            "水が来る前に到達できません。",
                            "cannot be reached before the water.",
                        ),
                    },
                });
            }
            ok
        });
        // The previous destination stays unless it became unusable or much slower than then.
        let keep = prep
            .previous
            .get(&w.pid)
            .and_then(|c| c.destination)
            .filter(|(s, before)| {
                w.dest
                    .iter()
                    .any(|d| d.shelter == *s && still_good(prep, d.trip_secs, *before))
            })
            .map(|(s, _)| s);
        let k = problem.people.len();
        problem.people.push(Demand {
            need: 1,
            weight: w.priority.weight + if pinned.is_some() { pin_boost } else { 0 },
            min_tagged: 0,
        });
        index.push(wi);
        let welfare = needs_welfare_shelter(map.person(w.pid));
        for d in &w.dest {
            if pinned.is_some_and(|s| s != d.shelter) {
                continue;
            }
            let fallback = welfare && map.shelter(d.shelter).kind != ShelterKind::WelfareShelter;
            let cost = d.trip_secs.round() as u64
                + if fallback {
                    prep.params.destinations.welfare_fallback_penalty_secs
                } else {
                    0
                }
                + if keep.is_some_and(|s| s != d.shelter) {
                    h.change_points * h.tier_scale
                } else {
                    0
                };
            problem.arcs.push(Arc {
                person: k,
                helper: d.shelter.index(),
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
                w.chosen_dest = w.dest.iter().position(|d| d.shelter.index() == s);
                let name = &map.shelters[s].ext_id;
                for d in w
                    .explanation
                    .destinations
                    .iter_mut()
                    .filter(|d| &d.id == name)
                {
                    d.status = DestinationStatus::Chosen;
                }
            }
            None => w.reasons.push(Reason::DestinationsFull {
                nearest: map.shelter(w.dest[0].shelter).name.clone(),
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
        removed_pairs: Vec::new(),
    })
}

/// The matching cost of `v` helping `pid`, in two tiers (docs/data-format.md, "Helper
/// choice"): relationship points × `helpers.tier_scale`, then door-to-door seconds. The scale
/// exceeds any total travel of a solution, so among plans covering the same weight the matching
/// first prefers the person's own watchers (the main watcher most), and only then less travel.
fn helper_cost(prep: &Prep, pid: PersonId, v: VolunteerId, travel_secs: f64) -> u64 {
    let h = &prep.params.helpers;
    let vol = prep.map.volunteer(v);
    let mut points = match (prep.main_watcher[pid.index()], prep.contact.get(&(pid, v))) {
        (Some(m), _) if m == v => 0,
        (Some(m), Some((n, _))) => {
            // Other watchers of the last year, by how often they came against the main one.
            let n_main = prep.contact.get(&(pid, m)).map_or(1, |c| c.0).max(1);
            let share = (*n as f64 / n_main as f64).min(1.0);
            h.watcher_points_min
                + ((h.watcher_points_max - h.watcher_points_min) as f64 * (1.0 - share)).round()
                    as u64
        }
        _ => h.stranger_points,
    };
    if prep.as_of.year() - vol.birth_year >= h.last_resort_age {
        points += h.last_resort_points;
    }
    points += vol
        .roles
        .iter()
        .map(|r| h.role(*r).points)
        .min()
        .unwrap_or(0);
    points * h.tier_scale + travel_secs.round() as u64
}

/// The helpers' backward latest-departure search from a person's home node: every segment of
/// a helper's way is left before the water closes it (walkers' clock).
fn helper_search(
    prep: &Prep,
    tree: &mut LatestTree,
    home: NodeId,
    arrive_by: f64,
    max_travel: f64,
) {
    latest_departure_into(
        tree,
        prep.graph,
        Profile::Walk,
        &prep.params.routing,
        &prep.scenario.conditions(),
        &prep.closures,
        prep.clock(Profile::Walk),
        prep.margin_secs,
        home,
        arrive_by,
        f64::NEG_INFINITY,
        max_travel,
    )
}

/// The bound of the helpers' search: helpers in reach and round legs.
fn helper_search_limit(params: &PlanParams) -> f64 {
    (params.helpers.max_travel_min * 60.0).max(params.helpers.round_leg_max_min * 60.0)
}

fn find_helpers(prep: &Prep, tree: &mut LatestTree, w: &mut Work, round_nodes: &[bool]) {
    let (map, graph, params, scenario) = (prep.map, prep.graph, prep.params, prep.scenario);
    let p = map.person(w.pid);
    let Some(home) = w.home else { return };
    let Some(help_by) = w.help_deadline_secs(prep) else {
        return;
    };
    let limit = params.helpers.max_travel_min * 60.0;
    let walk = prep.speed(Profile::Walk);
    let door_leg = w.home_snap_m / walk;
    // Helpers walk to the person: a backward latest-departure search from the home on the
    // walkers' clock, so every segment of a helper's way is left before the water closes it.
    let search = |tree: &mut LatestTree, max_travel: f64| {
        helper_search(prep, tree, home, help_by - door_leg, max_travel)
    };
    // One search serves both: helpers within `max_travel_min` of the person, and the round
    // nodes within `round_leg_max_min` (the walk from an earlier stop of a helper's round).
    search(tree, helper_search_limit(params));
    w.reach = tree
        .settled()
        .iter()
        .filter(|n| round_nodes[n.index()])
        .filter_map(|&n| Some((n, tree.travel_secs(n)? + door_leg, tree.latest(n)?)))
        .filter(|r| r.1 <= params.helpers.round_leg_max_min * 60.0 + EPS)
        .collect();
    w.reach.sort_by_key(|r| r.0);
    // (volunteer, door-to-door travel, latest door departure, node)
    let mut in_reach: Vec<(VolunteerId, f64, f64, NodeId)> = Vec::new();
    for &node in tree.settled() {
        if let Some(vs) = prep.cache.helper_nodes.get(&node) {
            let (Some(t), Some(latest)) = (tree.travel_secs(node), tree.latest(node)) else {
                continue;
            };
            for v in vs {
                let leg = prep.cache.helper_snap_m[v.index()] / walk;
                let secs = t + leg + door_leg;
                if secs <= limit + EPS {
                    in_reach.push((*v, secs, latest - leg, node));
                }
            }
        }
    }
    in_reach.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    // Going by car is a need of the pair (one helper drives), checked after the filters and
    // enforced by the matching; other skills bar each helper.
    let skill = match w.assessment.need {
        EvacuationNeed::Leave if w.method == Method::Car => None,
        EvacuationNeed::Leave => skill_needed(p.mobility, &params.helpers),
        _ => None,
    };
    let (mut consent_ok, mut avail_ok, mut skill_ok) = (0, 0, 0);
    let mut earliest_arrival = f64::INFINITY;
    for (v, secs, latest_depart, node) in &in_reach {
        let vol = map.volunteer(*v);
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
                return Some(HelperStatus::MissingSkill { skill: s });
            }
            skill_ok += 1;
            let arrival = prep.warning_secs + secs;
            earliest_arrival = earliest_arrival.min(arrival);
            (*latest_depart + EPS < prep.warning_secs).then_some(HelperStatus::TooLate {
                arrival_secs: arrival,
            })
        })();
        let mut cost = None;
        if status.is_none() {
            let c = helper_cost(prep, w.pid, *v, *secs);
            cost = Some(c);
            if let Some(nodes) = tree.path(graph, *node) {
                w.eligible.push(EligibleHelper {
                    volunteer: *v,
                    travel_secs: *secs,
                    cost: c,
                    nodes,
                    has_car: vol.has_skill(Skill::Car),
                });
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
    // An earlier run's helpers stay while eligible and not much slower than they were then:
    // everyone else then costs `change_points` more, so they change only for coverage.
    let h = &params.helpers;
    let kept_prev: Vec<VolunteerId> = prep.previous.get(&w.pid).map_or(Vec::new(), |c| {
        c.primaries
            .iter()
            .filter(|(v, before)| {
                w.eligible
                    .iter()
                    .any(|e| e.volunteer == *v && still_good(prep, e.travel_secs, *before))
            })
            .map(|(v, _)| *v)
            .collect()
    });
    if !kept_prev.is_empty() {
        for e in w.eligible.iter_mut() {
            if !kept_prev.contains(&e.volunteer) {
                e.cost += h.change_points * h.tier_scale;
            }
        }
    }
    let pinned = prep.pins.get(&w.pid).and_then(|pin| pin.helper);
    let prev_all = prep.previous.get(&w.pid).map_or(0, |c| c.primaries.len());
    w.fixed = match pinned {
        Some(v) if w.eligible.iter().any(|e| e.volunteer == v) => vec![v],
        Some(_) => Vec::new(),
        None if prev_all > 0 && kept_prev.len() == prev_all => kept_prev.clone(),
        None => Vec::new(),
    };
    if let Some(v) = pinned
        && !w.eligible.iter().any(|e| e.volunteer == v)
    {
        let vol = map.volunteer(v);
        let status = w
            .explanation
            .helpers
            .iter()
            .find(|c| c.id == vol.ext_id)
            .map(|c| &c.status);
        w.warnings.push(Warning::PinNotFollowed {
            kind: PinKind::Helper,
            id: vol.ext_id.clone(),
            reason: match status {
                Some(HelperStatus::NoConsent) => LocalText::new(
                    "計画への記載に同意していません。",
                    "has not consented to be named.",
                ),
                Some(HelperStatus::Unavailable) => LocalText::new(
                    "この想定の時間帯には対応できません。",
                    "is not available at this scenario's time.",
                ),
                Some(HelperStatus::MissingSkill { skill }) => LocalText {
                    ja: format!("必要な技能（{}）がありません。", skill.label_ja()),
                    en: format!("cannot {}.", crate::plan::types::skill_verb(*skill)),
                },
                Some(HelperStatus::TooLate { .. }) => LocalText::new(
                    "水が来る前に本人のもとへ着けません。",
                    "cannot reach the person before the water.",
                ),
                _ => LocalText {
                    ja: format!("徒歩{}分以内に住んでいません。", h.max_travel_min),
                    en: format!("does not live within {} minutes' walk.", h.max_travel_min),
                },
            },
        });
    }
    let fixed = w.fixed.clone();
    w.eligible.sort_by(|a, b| {
        fixed
            .contains(&b.volunteer)
            .cmp(&fixed.contains(&a.volunteer))
            .then(a.cost.cmp(&b.cost))
            .then(a.volunteer.cmp(&b.volunteer))
    });
    // Keep the cheapest candidates (fixed helpers first), and enough drivers among them when
    // one must drive.
    let vehicles = w.vehicles_needed(prep) as usize;
    let keep = params.helpers.candidates.max(2);
    let mut kept_cars = 0;
    let mut kept = 0;
    w.eligible.retain(|e| {
        let take = kept < keep || (e.has_car && kept_cars < vehicles);
        if take {
            kept += 1;
            kept_cars += usize::from(e.has_car);
        }
        take
    });
    let need = w.neighbours() as usize;
    if w.eligible.len() >= need && kept_cars >= vehicles {
        return;
    }
    let reason = if in_reach.is_empty() {
        // How far is the nearest helper at all? One wider search, for the sentence.
        search(tree, limit * 4.0);
        let nearest = tree
            .settled()
            .iter()
            .filter_map(|n| {
                let vs = prep.cache.helper_nodes.get(n)?;
                let t = tree.travel_secs(*n)?;
                vs.iter()
                    .map(|v| t + prep.cache.helper_snap_m[v.index()] / walk + door_leg)
                    .min_by(f64::total_cmp)
            })
            .min_by(f64::total_cmp);
        let straight = prep
            .cache
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
    } else if skill_ok == 0 || (!w.eligible.is_empty() && kept_cars < vehicles) {
        // With no helper left by the skill filter, a skill was needed (the filter only bars
        // with one); otherwise too few of the eligible drive.
        let skill = match skill {
            Some(s) if skill_ok == 0 => s,
            _ => Skill::Car,
        };
        Reason::SkillMissing {
            skill,
            in_reach: avail_ok,
        }
    } else if w.eligible.is_empty() {
        Reason::HelperTooLate {
            earliest_min: earliest_arrival / 60.0,
            latest_min: help_by / 60.0,
        }
    } else {
        Reason::NotEnoughHelpers {
            needed: w.neighbours(),
            eligible: w.eligible.len(),
        }
    };
    w.reasons.push(reason);
}

/// Per covered person needing two or more neighbours: when the last of them can arrive (each
/// comes straight from home, such a person being the first stop of each helper's round).
fn pair_starts(
    prep: &Prep,
    works: &[Work],
    index: &[usize],
    vols: &[VolunteerId],
    problem: &MatchingProblem,
    solution: &MatchingSolution,
) -> BTreeMap<usize, f64> {
    let mut out = BTreeMap::new();
    for (k, hs) in solution.assigned.iter().enumerate() {
        if problem.people[k].need < 2 || hs.is_empty() {
            continue;
        }
        let w = &works[index[k]];
        let start = hs
            .iter()
            .filter_map(|h| w.eligible.iter().find(|e| e.volunteer == vols[*h]))
            .map(|e| prep.warning_secs + e.travel_secs)
            .fold(f64::NEG_INFINITY, f64::max);
        out.insert(k, start);
    }
    out
}

/// Where a helper is once a stop is done (the destination's door, or the person's home after
/// getting them upstairs): the road node and the walk from the door to it, seconds.
fn stop_end(prep: &Prep, w: &Work) -> Option<(NodeId, f64)> {
    let walk = prep.speed(Profile::Walk);
    match w.assessment.need {
        EvacuationNeed::Leave => {
            let d = &w.dest[w.chosen_dest?];
            let (node, m) = prep.shelter_snap(Profile::Walk, d.shelter)?;
            Some((node, m / walk))
        }
        _ => Some((w.home?, w.home_snap_m / walk)),
    }
}

/// A helper's round: the people (matching indices) in visiting order, and per stop when the
/// helper arrives and when the person is safe, seconds after the alert.
type Round = (Vec<usize>, Vec<(f64, f64)>);

/// The best order in which helper `v` can visit `stops` (matching indices), or `None` if no
/// order gets everyone out in time. Every order is tried (`helpers.max_round` at most); the
/// best finishes with the least total time to safety, ties to the first order in index order.
/// Rules: the helper sets off once warned and walks; at each stop they prepare the person and
/// leave by the route's `leave_by` (or get them upstairs before the water), then walk from
/// the destination (or the home) to the next person, leaving every segment before it closes
/// (the next person's helper search gives the latest departure from each node). A person
/// needing two or more neighbours is the first stop of each of their helpers and starts when
/// the last helper arrives (`starts`).
fn best_round(
    prep: &Prep,
    works: &[Work],
    index: &[usize],
    v: VolunteerId,
    stops: &[usize],
    starts: &BTreeMap<usize, f64>,
) -> Option<Round> {
    if stops.len() > prep.params.helpers.max_round as usize
        || stops.iter().filter(|k| starts.contains_key(k)).count() > 1
    {
        return None;
    }
    let climb = prep.params.stay.climb_min * 60.0;
    let timed = |order: &[usize]| -> Option<Vec<(f64, f64)>> {
        let mut times = Vec::with_capacity(order.len());
        let mut free = prep.warning_secs;
        let mut at: Option<(NodeId, f64)> = None;
        for (i, k) in order.iter().enumerate() {
            let w = &works[index[*k]];
            let arrive = if i == 0 {
                free + w.eligible.iter().find(|e| e.volunteer == v)?.travel_secs
            } else {
                if starts.contains_key(k) {
                    return None;
                }
                let (node, to_node) = at?;
                let depart = free + to_node;
                let (secs, latest) = w.reach_from(node)?;
                if depart > latest + EPS {
                    return None;
                }
                depart + secs
            };
            let start = arrive.max(starts.get(k).copied().unwrap_or(f64::NEG_INFINITY));
            if start > w.help_deadline_secs(prep)? + EPS {
                return None;
            }
            let safe = match w.assessment.need {
                EvacuationNeed::Leave => start + w.prep_secs + w.dest[w.chosen_dest?].trip_secs,
                _ => start + climb,
            };
            times.push((arrive, safe));
            free = safe;
            at = if i + 1 < order.len() {
                Some(stop_end(prep, w)?)
            } else {
                None
            };
        }
        Some(times)
    };
    let mut order: Vec<usize> = stops.to_vec();
    order.sort_unstable();
    let mut best: Option<(f64, Round)> = None;
    loop {
        if let Some(times) = timed(&order) {
            let total: f64 = times.iter().map(|t| t.1).sum();
            if best.as_ref().is_none_or(|b| total < b.0 - EPS) {
                best = Some((total, (order.clone(), times)));
            }
        }
        if !next_permutation(&mut order) {
            break;
        }
    }
    best.map(|b| b.1)
}

/// Each helper's people (matching indices, ascending) in an assignment.
fn rounds_of(assigned: &[Vec<usize>]) -> BTreeMap<usize, Vec<usize>> {
    let mut rounds: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (k, hs) in assigned.iter().enumerate() {
        for h in hs {
            rounds.entry(*h).or_default().push(k);
        }
    }
    rounds
}

/// A previous choice still taking `now_secs` is kept when it is at most
/// `helpers.keep_tolerance_min` slower than the `before_secs` it took then.
fn still_good(prep: &Prep, now_secs: f64, before_secs: f64) -> bool {
    now_secs <= before_secs + prep.params.helpers.keep_tolerance_min * 60.0 + EPS
}

/// Advances `v` to the next permutation in lexicographic order; false after the last.
fn next_permutation(v: &mut [usize]) -> bool {
    let Some(i) = (1..v.len()).rev().find(|&i| v[i - 1] < v[i]) else {
        return false;
    };
    let j = (i..v.len())
        .rev()
        .find(|&j| v[j] > v[i - 1])
        .expect("a larger element after the pivot");
    v.swap(i - 1, j);
    v[i..].reverse();
    true
}

/// Every helper whose round in `solution` cannot be done in time, each as pairs (person,
/// helper) of which at least one must go: a smallest part of the round that still cannot be
/// done, plus the other helpers of its people who need two (their arrival sets the start).
/// Empty when every round can be done.
fn round_conflicts(
    prep: &Prep,
    works: &[Work],
    index: &[usize],
    vols: &[VolunteerId],
    problem: &MatchingProblem,
    solution: &MatchingSolution,
) -> Vec<Vec<(usize, usize)>> {
    let starts = pair_starts(prep, works, index, vols, problem, solution);
    let mut out = Vec::new();
    for (h, ks) in rounds_of(&solution.assigned) {
        let feasible = |set: &[usize]| {
            set.len() < 2 || best_round(prep, works, index, vols[h], set, &starts).is_some()
        };
        if feasible(&ks) {
            continue;
        }
        let mut set = ks.clone();
        for k in ks {
            let trial: Vec<usize> = set.iter().copied().filter(|x| *x != k).collect();
            if !feasible(&trial) {
                set = trial;
            }
        }
        let mut arcs: Vec<(usize, usize)> = set.iter().map(|k| (*k, h)).collect();
        for k in &set {
            if starts.contains_key(k) {
                arcs.extend(
                    solution.assigned[*k]
                        .iter()
                        .filter(|h2| **h2 != h)
                        .map(|h2| (*k, *h2)),
                );
            }
        }
        out.push(arcs);
    }
    out
}

/// A matching problem as solved, with the pairs left out of it because a helper's round could
/// not take them (sorted).
struct Solved {
    problem: MatchingProblem,
    solution: MatchingSolution,
    removed: Vec<(usize, usize)>,
}

impl Solved {
    fn new(
        problem: MatchingProblem,
        solution: MatchingSolution,
        removed: &BTreeSet<(usize, usize)>,
    ) -> Self {
        Solved {
            problem,
            solution,
            removed: removed.iter().copied().collect(),
        }
    }
}

/// The matching over rounds that can be done in time. The matching is solved exactly; then
/// every helper whose round cannot be done (no order gets everyone out before the water) loses
/// one pair of a smallest infeasible part of the round: a pinned or kept pair last, else the
/// costliest (the weakest relationship, then the longest walk), the lowest-weight person's on a
/// tie (a person needing two neighbours
/// may lose the other helper instead, whose arrival set the start). Solved again without those pairs until every round can be done. The result
/// is exact over the pairs that remain (`MatchingDump::removed_pairs` lists the others), so an
/// outside solver can check it; which pair goes is a rule, not a search over all splits.
/// Returns the problem as finally solved, its solution and the removed pairs, sorted.
fn solve_rounds(
    prep: &Prep,
    works: &[Work],
    index: &[usize],
    vols: &[VolunteerId],
    problem: &MatchingProblem,
) -> Result<Solved, PlanError> {
    let mut removed: BTreeSet<(usize, usize)> = BTreeSet::new();
    // The best solution at which every round could be done, so far.
    let mut best: Option<(matching::Objective, Solved)> = None;
    loop {
        let sub = MatchingProblem {
            people: problem.people.clone(),
            helpers: problem.helpers.clone(),
            arcs: problem
                .arcs
                .iter()
                .filter(|a| !removed.contains(&(a.person, a.helper)))
                .cloned()
                .collect(),
        };
        let sol = matching::solve(&sub, &prep.params.matching)?;
        let conflicts = round_conflicts(prep, works, index, vols, &sub, &sol);
        if conflicts.is_empty() {
            // A pair removed for a round that has since changed may fit now: put back the
            // pairs of uncovered people whose helper has room and whose round can take them,
            // and solve again, for as long as each such pass ends better than the last.
            let obj = matching::objective(&sub, &sol);
            if let Some(b) = &best
                && !obj.is_better_than(&b.0)
            {
                return Ok(best.expect("checked").1);
            }
            let starts = pair_starts(prep, works, index, vols, &sub, &sol);
            let rounds = rounds_of(&sol.assigned);
            let back: Vec<(usize, usize)> = removed
                .iter()
                .copied()
                .filter(|&(k, h)| {
                    let round = rounds.get(&h).map_or(&[][..], Vec::as_slice);
                    let mut with = round.to_vec();
                    with.push(k);
                    sol.assigned[k].is_empty()
                        && round.len() < problem.helpers[h].capacity as usize
                        && best_round(prep, works, index, vols[h], &with, &starts).is_some()
                })
                .collect();
            if back.is_empty() {
                return Ok(Solved::new(sub, sol, &removed));
            }
            best = Some((obj, Solved::new(sub, sol, &removed)));
            for b in back {
                removed.remove(&b);
            }
            continue;
        }
        for arcs in conflicts {
            let drop = arcs
                .iter()
                .copied()
                .min_by_key(|&(k, h)| {
                    let fixed = works[index[k]].fixed.contains(&vols[h]);
                    let cost = sub
                        .arcs
                        .iter()
                        .filter(|a| a.person == k && a.helper == h)
                        .map(|a| a.cost)
                        .min()
                        .unwrap_or(0);
                    (
                        fixed,
                        std::cmp::Reverse(cost),
                        problem.people[k].weight,
                        k,
                        h,
                    )
                })
                .expect("a conflict names at least two pairs");
            removed.insert(drop);
        }
    }
}

/// Choices a district re-plan keeps for a person outside the district (see [`Planner::replan`]).
#[derive(Clone, Debug, Default)]
struct Held {
    primaries: Vec<VolunteerId>,
    backup: Option<VolunteerId>,
}

/// The helper matching, rounds and backups for `works`. `held` (empty, or one per work) keeps a
/// person's primaries and backup as they are (outweighing everyone else, like a pin);
/// `backups_taken` counts backup places already given to people not in `works`.
fn match_helpers(
    prep: &Prep,
    works: &mut [Work],
    held: &[Option<Held>],
    backups_taken: &BTreeMap<VolunteerId, u32>,
) -> Result<(MatchingDump, Vec<Option<usize>>), PlanError> {
    let held_of = |wi: usize| held.get(wi).and_then(Option::as_ref);
    let map = prep.map;
    let h = &prep.params.helpers;
    let seeks = |w: &Work| w.seeks_helpers() && w.reasons.is_empty();
    let mut vol_set: BTreeSet<VolunteerId> = BTreeSet::new();
    for w in works.iter().filter(|w| seeks(w)) {
        vol_set.extend(w.eligible.iter().map(|e| e.volunteer));
    }
    // Helpers numbered in volunteer id order for a stable dump.
    let vols: Vec<VolunteerId> = vol_set.into_iter().collect();
    let vol_index: BTreeMap<VolunteerId, usize> =
        vols.iter().enumerate().map(|(i, v)| (*v, i)).collect();
    let capacity = |v: VolunteerId| prep.cache.capacity[v.index()].min(h.max_round);
    let mut problem = MatchingProblem {
        people: Vec::new(),
        helpers: vols
            .iter()
            .map(|v| Supply {
                capacity: capacity(*v) as u32,
            })
            .collect(),
        arcs: Vec::new(),
    };
    let in_matching = |w: &Work| seeks(w) && w.neighbours() > 0;
    let leave_scale = 1 + works
        .iter()
        .filter(|w| in_matching(w) && w.assessment.need == EvacuationNeed::Upstairs)
        .map(|w| w.weight(prep, 1))
        .sum::<u64>();
    // A person whose pinned helper can come outweighs everyone unpinned together: a hand-set
    // choice stays unless it cannot be done. A person keeping every previous helper keeps
    // their weight: someone weightier may still need one of those helpers.
    let pin_boost = 1 + works
        .iter()
        .filter(|w| in_matching(w))
        .map(|w| w.weight(prep, leave_scale))
        .sum::<u64>();
    let pinned_here = |w: &Work| {
        prep.pins
            .get(&w.pid)
            .and_then(|p| p.helper)
            .is_some_and(|v| w.fixed.contains(&v))
    };
    for (wi, w) in works.iter_mut().enumerate() {
        if let Some(hd) = held_of(wi) {
            w.fixed = hd.primaries.clone();
        }
    }
    let mut index = Vec::new();
    for (wi, w) in works.iter().enumerate() {
        if !in_matching(w) {
            continue;
        }
        // Enough fixed helpers for the need: only those; fewer: they and the others.
        let only_fixed = w.fixed.len() >= w.neighbours() as usize;
        let k = problem.people.len();
        problem.people.push(Demand {
            need: w.neighbours(),
            weight: w.weight(prep, leave_scale)
                + if pinned_here(w) || held_of(wi).is_some() {
                    pin_boost
                } else {
                    0
                },
            min_tagged: w.vehicles_needed(prep),
        });
        index.push(wi);
        for e in &w.eligible {
            if only_fixed && !w.fixed.contains(&e.volunteer) {
                continue;
            }
            problem.arcs.push(Arc {
                person: k,
                helper: vol_index[&e.volunteer],
                cost: e.cost,
                tagged: e.has_car,
            });
        }
    }
    // Splitting rounds is a rule, so its result depends on the order things happened in.
    // Fix and extend: give everyone covered only their helpers' pairs and let the uncovered
    // use what is left (or take a helper from someone lighter), while a pass improves the
    // objective. This also makes a plan a fixed point of `plan --previous` on its own output.
    let base = problem;
    let mut current: Option<(Solved, matching::Objective)> = None;
    loop {
        let pass = match &current {
            None => base.clone(),
            Some((done, _)) => MatchingProblem {
                people: base.people.clone(),
                helpers: base.helpers.clone(),
                arcs: base
                    .arcs
                    .iter()
                    .filter(|a| {
                        let hs = &done.solution.assigned[a.person];
                        hs.is_empty() || hs.contains(&a.helper)
                    })
                    .cloned()
                    .collect(),
            },
        };
        let solved = solve_rounds(prep, works, &index, &vols, &pass)?;
        let obj = matching::objective(&base, &solved.solution);
        if current.as_ref().is_some_and(|c| !obj.is_better_than(&c.1)) {
            break;
        }
        let done = solved.removed.is_empty();
        current = Some((solved, obj));
        if done {
            break;
        }
    }
    let Solved {
        problem,
        solution,
        removed,
    } = current.expect("at least one pass").0;
    let starts = pair_starts(prep, works, &index, &vols, &problem, &solution);
    // Who each helper escorts, and each round in order with its times.
    let rounds = rounds_of(&solution.assigned);
    let mut escorts: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for (hh, ks) in &rounds {
        let (order, times) = best_round(prep, works, &index, vols[*hh], ks, &starts)
            .expect("solve_rounds leaves only feasible rounds");
        for (place, (k, (arrive, safe))) in order.iter().zip(times).enumerate() {
            works[index[*k]]
                .rounds
                .insert(vols[*hh], (place as u8 + 1, arrive, safe));
            escorts
                .entry(*hh)
                .or_default()
                .push(map.person(works[index[*k]].pid).ext_id.clone());
        }
    }
    let load = |hh: usize| rounds.get(&hh).map_or(0, Vec::len);
    let full = |hh: usize| load(hh) >= capacity(vols[hh]) as usize;
    // Backups: everyone covered (by neighbours or by family alone), one more eligible helper
    // each, within the backup capacity; a helper already full as a primary only when nobody
    // else can, and an earlier run's backup kept while eligible and not much slower. Solved by
    // `matching::assign_backups` on a problem of its own: every eligible pair with its backup
    // cost, and one stand-in helper for family at home as the primary of people helped by
    // family alone.
    let family = vols.len();
    let mut backup_people: Vec<usize> = Vec::new();
    let mut primaries_of: Vec<Vec<usize>> = Vec::new();
    let mut backup_problem = MatchingProblem {
        people: Vec::new(),
        helpers: vols
            .iter()
            .map(|v| Supply {
                capacity: capacity(*v) as u32,
            })
            .chain([Supply { capacity: 0 }])
            .collect(),
        arcs: Vec::new(),
    };
    let backup_caps: Vec<u32> = vols
        .iter()
        .map(|v| {
            u32::from(if h.backup_capacity == 0 {
                capacity(*v)
            } else {
                h.backup_capacity
            })
            .saturating_sub(backups_taken.get(v).copied().unwrap_or(0))
        })
        .chain([0])
        .collect();
    // A held person's backup outweighs every other person's.
    let held_weight = 1 + works.len() as u64;
    let k_of: BTreeMap<usize, usize> = index.iter().enumerate().map(|(k, wi)| (*wi, k)).collect();
    for (wi, w) in works.iter().enumerate() {
        if !seeks(w) {
            continue;
        }
        let primaries: Vec<usize> = match k_of.get(&wi) {
            Some(k) if !solution.assigned[*k].is_empty() => solution.assigned[*k].clone(),
            Some(_) => continue,
            None => Vec::new(),
        };
        let keep = prep
            .previous
            .get(&w.pid)
            .and_then(|c| c.backup)
            .filter(|(b, before)| {
                w.eligible.iter().any(|e| {
                    e.volunteer == *b
                        && !primaries.contains(&vol_index[b])
                        && still_good(prep, e.travel_secs, *before)
                })
            })
            .map(|(b, _)| b);
        let bk = backup_problem.people.len();
        let hd = held_of(wi);
        backup_problem.people.push(Demand {
            need: primaries.len().max(1) as u8,
            weight: if hd.is_some() { held_weight } else { 1 },
            min_tagged: 0,
        });
        backup_people.push(wi);
        if primaries.is_empty() {
            backup_problem.helpers[family].capacity += 1;
            backup_problem.arcs.push(Arc {
                person: bk,
                helper: family,
                cost: 0,
                tagged: false,
            });
        }
        primaries_of.push(if primaries.is_empty() {
            vec![family]
        } else {
            primaries.clone()
        });
        for e in &w.eligible {
            let hh = vol_index[&e.volunteer];
            if primaries.contains(&hh) || hd.is_some_and(|hd| hd.backup != Some(e.volunteer)) {
                continue;
            }
            let mut points = 0;
            if full(hh) {
                points += h.busy_backup_points;
            }
            if keep.is_some_and(|b| b != e.volunteer) {
                points += h.change_points;
            }
            backup_problem.arcs.push(Arc {
                person: bk,
                helper: hh,
                cost: helper_cost(prep, w.pid, e.volunteer, e.travel_secs) + points * h.tier_scale,
                tagged: false,
            });
        }
    }
    // The primaries as a solution of that problem (its totals are not looked at).
    let covered_now = MatchingSolution {
        assigned: primaries_of,
        covered_weight: 0,
        total_cost: 0,
        stats: solution.stats.clone(),
    };
    let backups = matching::assign_backups(
        &backup_problem,
        &covered_now,
        &BackupParams {
            capacity: BackupCapacity::PerHelper(backup_caps),
        },
    )?;
    let mut person_backup = vec![None; works.len()];
    for (bk, wi) in backup_people.iter().enumerate() {
        person_backup[*wi] = backups[bk];
    }
    for (wi, w) in works.iter_mut().enumerate() {
        if !seeks(w) {
            continue;
        }
        let k = k_of.get(&wi).copied();
        let primaries: Vec<VolunteerId> = k.map_or(Vec::new(), |k| {
            solution.assigned[k].iter().map(|hh| vols[*hh]).collect()
        });
        let backup = person_backup[wi];
        if let Some(b) = backup
            && full(b)
        {
            w.warnings.push(Warning::BackupBusy {
                helper: map.volunteer(vols[b]).ext_id.clone(),
                helps: escorts.get(&b).cloned().unwrap_or_default(),
            });
        }
        for c in w.explanation.helpers.iter_mut() {
            let Some(&v) = prep.cache.volunteer_by_id.get(c.id.as_str()) else {
                continue;
            };
            if primaries.contains(&v) {
                c.status = HelperStatus::Primary;
            } else if backup.is_some_and(|b| vols[b] == v) {
                c.status = HelperStatus::Backup {
                    busy_with: if full(vol_index[&v]) {
                        escorts.get(&vol_index[&v]).cloned().unwrap_or_default()
                    } else {
                        Vec::new()
                    },
                };
            } else if let HelperStatus::NotChosen { helps } = &mut c.status {
                *helps = vol_index
                    .get(&v)
                    .and_then(|hh| escorts.get(hh))
                    .cloned()
                    .unwrap_or_default();
            }
        }
        let Some(k) = k else { continue };
        if let Some(p) = prep.pins.get(&w.pid).and_then(|p| p.helper)
            && w.eligible.iter().any(|e| e.volunteer == p)
            && !primaries.contains(&p)
        {
            w.warnings.push(Warning::PinNotFollowed {
                kind: PinKind::Helper,
                id: map.volunteer(p).ext_id.clone(),
                reason: LocalText::new(
                    "その支援者の巡回では、ほかの人と合わせて水が来る前に回りきれません。",
                    "has a round that cannot include this person and still finish before the water.",
                ),
            });
        }
        if primaries.is_empty() {
            // Only helpers who cannot take the person are named busy: their capacity is used
            // up, or their round cannot fit the person in time. With an exact optimum, fewer
            // free eligible helpers than needed remain.
            // When enough helpers are free but too few of them drive, the drivers are the
            // shortage: name the busy drivers and count the free ones.
            let is_free = |e: &EligibleHelper| {
                let hh = vol_index[&e.volunteer];
                !full(hh) && removed.binary_search(&(k, hh)).is_err()
            };
            let vehicles = w.vehicles_needed(prep) as usize;
            let free_all = w.eligible.iter().filter(|e| is_free(e)).count();
            let free_drivers = w
                .eligible
                .iter()
                .filter(|e| e.has_car && is_free(e))
                .count();
            let drivers =
                vehicles > 0 && free_all >= w.neighbours() as usize && free_drivers < vehicles;
            let mut busy = Vec::new();
            for e in w
                .eligible
                .iter()
                .filter(|e| !is_free(e) && (!drivers || e.has_car))
            {
                busy.push(BusyHelper {
                    id: map.volunteer(e.volunteer).ext_id.clone(),
                    helps: escorts
                        .get(&vol_index[&e.volunteer])
                        .cloned()
                        .unwrap_or_default(),
                });
            }
            w.reasons.push(Reason::HelpersAtCapacity {
                helpers: busy,
                free: if drivers { free_drivers } else { free_all },
                drivers,
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
        removed_pairs: removed
            .iter()
            .map(|(k, hh)| {
                [
                    map.person(works[index[*k]].pid).ext_id.clone(),
                    map.volunteer(vols[*hh]).ext_id.clone(),
                ]
            })
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

/// Plans, the uncovered, explanations and the summary from the matched `works`; with `only`,
/// for those people alone (a district re-plan).
fn assemble(
    prep: &Prep,
    works: Vec<Work>,
    destinations: MatchingDump,
    helpers: MatchingDump,
    backups: Vec<Option<usize>>,
    previous: Option<&Previous>,
    only: Option<&BTreeSet<PersonId>>,
) -> PlanRun {
    let (map, graph, params, scenario) = (prep.map, prep.graph, prep.params, prep.scenario);
    let vol_of = |ext: &str| prep.cache.volunteer_by_id[ext];
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
    let (mut main_watcher_eligible, mut main_watcher_primary, mut main_watcher_busy_own) =
        (0, 0, 0);
    // Per helper, the people they escort.
    let mut escorted: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (person, hs) in &assigned {
        for h in hs {
            escorted
                .entry(h.as_str())
                .or_default()
                .push(person.as_str());
        }
    }
    let alert_at = scenario
        .alert_minute()
        .map(|m| format!("{:02}:{:02}", m / 60, m % 60));
    for pid in map.person_ids() {
        if only.is_some_and(|o| !o.contains(&pid)) {
            continue;
        }
        let p = map.person(pid);
        let district = map.district(p.district);
        let Some((w, backup)) = by_work.remove(&pid) else {
            uncovered.push(Uncovered {
                person: p.ext_id.clone(),
                district: district.code.clone(),
                priority: priority_in(prep.zones_at(p.home), p, &params.priority).band,
                reasons: vec![Reason::NoConsent],
            });
            continue;
        };
        let need = w.assessment.need;
        let needs_help = w.assessment.helpers > 0
            && matches!(need, EvacuationNeed::Leave | EvacuationNeed::Upstairs);
        let mut warnings = Vec::new();
        let mut plan_helpers = Vec::new();
        let primaries = assigned.get(&p.ext_id).cloned().unwrap_or_default();
        let mut latest_primary_arrival: Option<f64> = None;
        for (role, id) in primaries
            .iter()
            .map(|h| (HelperRole::Primary, h.clone()))
            .chain(backup.map(|b| (HelperRole::Backup, b)))
        {
            let v = vol_of(&id);
            let vol = map.volunteer(v);
            let Some(e) = w.eligible.iter().find(|e| e.volunteer == v) else {
                continue;
            };
            let age = prep.as_of.year() - vol.birth_year;
            if age >= params.helpers.last_resort_age {
                warnings.push(Warning::HelperOverAge {
                    helper: vol.ext_id.clone(),
                    age,
                });
            }
            let round = w.rounds.get(&v).filter(|_| role == HelperRole::Primary);
            if let Some((_, arrival, _)) = round {
                latest_primary_arrival =
                    Some(latest_primary_arrival.map_or(*arrival, |a: f64| a.max(*arrival)));
            }
            plan_helpers.push(PlanHelper {
                id: vol.ext_id.clone(),
                role,
                name: vol.name.clone(),
                phone: vol.phone.clone(),
                address: vol.address.clone(),
                age,
                home: vol.home,
                travel_secs: e.travel_secs,
                // From the helper's door to the person's, like the evacuation route.
                route: std::iter::once(vol.home)
                    .chain(crate::network::route::path_coords(graph, &e.nodes))
                    .chain(std::iter::once(p.home))
                    .collect(),
                watches_person: prep.contact.contains_key(&(pid, v)),
                order: round.map(|r| r.0),
                arrive_secs: round.map(|r| r.1),
                safe_secs: round.map(|r| r.2),
            });
        }
        let covered =
            !needs_help || (w.reasons.is_empty() && primaries.len() >= w.neighbours() as usize);
        let dest = w.chosen_dest.map(|d| &w.dest[d]);
        let (route, route_length_m, evacuation_secs) = match dest {
            Some(d) => {
                let mut coords = vec![p.home];
                coords.extend(crate::network::route::path_coords(graph, &d.nodes));
                coords.push(map.shelter(d.shelter).location);
                let len = coords
                    .windows(2)
                    .map(|c| c[0].distance_m(c[1]))
                    .sum::<f64>();
                (coords, len, d.trip_secs)
            }
            None => (Vec::new(), 0.0, 0.0),
        };
        // When to leave (or be upstairs by), when the plan has them leave, and the slack.
        let (leave_by_secs, departure_secs) = match need {
            EvacuationNeed::Leave => (
                dest.map(|d| d.leave_by_secs),
                if covered && dest.is_some() {
                    latest_primary_arrival
                        .map(|a| a + w.prep_secs)
                        .or(Some(w.earliest_depart_secs))
                } else {
                    None
                },
            ),
            EvacuationNeed::Upstairs => {
                let climb = params.stay.climb_min * 60.0;
                (
                    w.assessment.water_home_secs.map(|s| s - prep.margin_secs),
                    if covered {
                        Some(latest_primary_arrival.unwrap_or(prep.warning_secs) + climb)
                    } else {
                        None
                    },
                )
            }
            _ => (None, None),
        };
        let slack_secs = leave_by_secs.zip(departure_secs).map(|(l, d)| l - d);
        warnings.extend(w.warnings.iter().cloned());
        if covered && needs_help {
            if backup_missing(&plan_helpers) {
                warnings.push(Warning::NoBackup);
            }
            if p.mobility == Mobility::Wheelchair
                && need == EvacuationNeed::Leave
                && !plan_helpers.iter().any(|h| {
                    h.role == HelperRole::Primary
                        && map.volunteer(vol_of(&h.id)).has_skill(Skill::Wheelchair)
                })
            {
                warnings.push(Warning::NoWheelchairTraining);
            }
            if matches!(w.method, Method::Walk | Method::Wheelchair)
                && route_length_m > params.destinations.max_walk_m
            {
                warnings.push(Warning::LongWalk {
                    length_m: route_length_m,
                    limit_m: params.destinations.max_walk_m,
                });
            }
        }
        if let Some(d) = dest {
            let sh = map.shelter(d.shelter);
            if needs_welfare_shelter(p) && sh.kind != ShelterKind::WelfareShelter {
                warnings.push(Warning::WelfareFallback);
            }
            if sh.capacity == 0 {
                warnings.push(Warning::UnknownCapacity);
            }
            if d.through_landslide {
                warnings.push(Warning::ThroughLandslideZone);
            }
        }
        if let Some(f) = w.assessment.safe_floor
            && p.building.bedroom_floor < f
        {
            warnings.push(Warning::BedroomBelowSafeFloor {
                bedroom_floor: p.building.bedroom_floor,
                safe_floor: f,
            });
        }
        let last = prep.last_contact[pid.index()];
        if last.is_none_or(|d| (prep.as_of - d).whole_days() > params.helpers.stale_contact_days) {
            warnings.push(Warning::StaleContact {
                days: params.helpers.stale_contact_days,
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
        let start_when = match need {
            EvacuationNeed::Leave | EvacuationNeed::Upstairs => LocalText::new(
                "警戒レベル3「高齢者等避難」の発令時",
                "at alert level 3 (older people evacuate)",
            ),
            EvacuationNeed::StayHome => LocalText::new(
                "移動はしません。警戒レベル3の発令時に在宅避難の備えを確認",
                "no move: at alert level 3, check the supplies for staying at home",
            ),
            EvacuationNeed::Facility => LocalText::new(
                "施設の避難確保計画に従う",
                "as the facility's own evacuation plan says",
            ),
        };
        if covered
            && needs_help
            && w.neighbours() > 0
            && let Some(m) = prep.main_watcher[pid.index()]
            && let id = &map.volunteer(m).ext_id
            && w.explanation
                .helpers
                .iter()
                .any(|c| &c.id == id && c.cost.is_some())
        {
            main_watcher_eligible += 1;
            if primaries.contains(id) {
                main_watcher_primary += 1;
            } else {
                // Busy with other people they are the main watcher of, up to capacity.
                let theirs = escorted.get(id.as_str()).map_or(&[][..], Vec::as_slice);
                main_watcher_busy_own += usize::from(
                    theirs.len()
                        >= (prep.cache.capacity[m.index()].min(params.helpers.max_round)) as usize
                        && theirs.iter().all(|q| {
                            map.find_person(q)
                                .and_then(|q| prep.main_watcher[q.index()])
                                == Some(m)
                        }),
                );
            }
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
            family_doctor: p.family_doctor.clone(),
            care_manager: p.care_manager.clone(),
            commissioner: district.commissioner.clone(),
            main_watcher: prep.main_watcher[pid.index()].map(|v| map.volunteer(v).ext_id.clone()),
            family_helper: needs_help && w.family,
            helpers: plan_helpers,
            destination: dest.map(|d| {
                let sh = map.shelter(d.shelter);
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
            preparation_secs: if need == EvacuationNeed::Leave {
                w.prep_secs
            } else {
                0.0
            },
            start_when,
            evacuation_need: need,
            need_reason: w.assessment.reason.clone(),
            needs_help,
            water_arrives_min: w.assessment.water_home_secs.map(|s| s / 60.0),
            leave_by_min: leave_by_secs.map(|s| s / 60.0),
            departure_min: departure_secs.map(|s| s / 60.0),
            slack_min: slack_secs.map(|s| s / 60.0),
            alert_at: alert_at.clone(),
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
            updated: as_of_s.clone(),
            next_review: String::new(),
            scenario: scenario.name.clone(),
            scenario_en: scenario.name_en.clone(),
            hazard: scenario.hazard,
        });
    }
    uncovered.sort_by(|a, b| {
        a.priority
            .cmp(&b.priority)
            .then(a.district.cmp(&b.district))
            .then(a.person.cmp(&b.person))
    });
    let mut summary = summarise(
        map,
        scenario,
        &as_of_s,
        &plans,
        &uncovered,
        helpers.solution.stats.optimal,
    );
    summary.main_watcher_eligible = main_watcher_eligible;
    summary.main_watcher_primary = main_watcher_primary;
    summary.main_watcher_busy_own = main_watcher_busy_own;
    summary.round_splits = helpers.removed_pairs.len();
    summary.helpers_with_rounds = rounds_of(&helpers.solution.assigned)
        .values()
        .filter(|ks| ks.len() >= 2)
        .count();
    count_warnings(prep, &plans, &mut summary);
    if let Some(prev) = previous {
        let (changed, by_reason) = changes(prev, &plans, &explanations);
        summary.changed = Some(changed);
        summary.changed_by_reason = by_reason;
    }
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

/// The summary's counts drawn from the plans' warnings: busy backups, pins followed or not.
fn count_warnings(prep: &Prep, plans: &[Plan], summary: &mut Summary) {
    let map = prep.map;
    summary.backup_busy = 0;
    summary.pins_followed = 0;
    summary.pins_not_followed = 0;
    for p in plans {
        let has = |code: &str| p.warnings.iter().any(|w| w.code() == code);
        summary.backup_busy += usize::from(has("backup_busy"));
    }
    for pin in prep.pins.values() {
        let person = &map.person(pin.person).ext_id;
        let refused = plans.iter().find(|p| &p.person == person).map_or(1, |p| {
            p.warnings
                .iter()
                .filter(|w| w.code() == "pin_not_followed")
                .count()
        });
        let wanted = usize::from(pin.helper.is_some()) + usize::from(pin.destination.is_some());
        summary.pins_not_followed += refused.min(wanted);
        summary.pins_followed += wanted - refused.min(wanted);
    }
}

/// People whose primary helpers or destination differ from `prev`, and why (the first that
/// applies): `need_changed` (the evacuation need is different), `no_longer_covered`,
/// `newly_covered`, `helper_cannot_come` (a previous primary is no longer an eligible helper:
/// withdrawn, unavailable, too late or too far), `destination_unusable` (the previous
/// destination is no longer among the person's candidates), `displaced` (the previous choice
/// could still work, but covering more weight needed the change).
fn changes(
    prev: &Previous,
    plans: &[Plan],
    explanations: &BTreeMap<String, Explanation>,
) -> (usize, BTreeMap<String, usize>) {
    let mut by_reason: BTreeMap<String, usize> = BTreeMap::new();
    let mut changed = 0;
    for p in plans {
        let Some(c) = prev.plans.get(&p.person) else {
            continue;
        };
        let mut now: Vec<&str> = p
            .helpers
            .iter()
            .filter(|h| h.role == HelperRole::Primary)
            .map(|h| h.id.as_str())
            .collect();
        now.sort_unstable();
        let mut before: Vec<&str> = c.primaries.iter().map(|p| p.0.as_str()).collect();
        before.sort_unstable();
        let dest_now = p.destination.as_ref().map(|d| d.id.as_str());
        let dest_before = c.destination.as_ref().map(|d| d.0.as_str());
        if now == before && dest_now == dest_before {
            continue;
        }
        changed += 1;
        let ex = explanations.get(&p.person);
        let eligible = |id: &str| {
            ex.is_some_and(|e| {
                e.helpers.iter().any(|h| {
                    h.id == id
                        && matches!(
                            h.status,
                            HelperStatus::Primary
                                | HelperStatus::Backup { .. }
                                | HelperStatus::NotChosen { .. }
                        )
                })
            })
        };
        let reason = if c.need.is_some_and(|n| n != p.evacuation_need) {
            PlanChange::NeedChanged
        } else if c.covered && !p.covered {
            PlanChange::NoLongerCovered
        } else if !c.covered && p.covered {
            PlanChange::NewlyCovered
        } else if before.iter().any(|id| !eligible(id)) {
            PlanChange::HelperCannotCome
        } else if dest_before != dest_now
            && !ex.is_some_and(|e| {
                e.destinations
                    .iter()
                    .any(|d| Some(d.id.as_str()) == dest_before && d.status.suitable())
            })
        {
            PlanChange::DestinationUnusable
        } else {
            PlanChange::Displaced
        };
        *by_reason.entry(reason.code().to_owned()).or_insert(0) += 1;
    }
    (changed, by_reason)
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
    let empty = || Counts {
        by_need: EvacuationNeed::ALL
            .iter()
            .map(|n| (n.code().to_owned(), 0))
            .collect(),
        ..Counts::default()
    };
    let mut by_district: BTreeMap<String, Counts> = map
        .districts
        .iter()
        .map(|d| (d.code.clone(), empty()))
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
        *c.by_need
            .entry(p.evacuation_need.code().to_owned())
            .or_insert(0) += 1;
        c.need_help += usize::from(p.needs_help);
        c.covered += usize::from(p.needs_help && p.covered);
        c.with_backup += usize::from(p.needs_help && p.covered && p.backup_helper().is_some());
        c.stay_upstairs += usize::from(p.evacuation_need == EvacuationNeed::Upstairs);
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
    let mut total = empty();
    for c in by_district.values() {
        total.people += c.people;
        total.consented += c.consented;
        total.planned += c.planned;
        total.need_help += c.need_help;
        total.covered += c.covered;
        total.with_backup += c.with_backup;
        total.stay_upstairs += c.stay_upstairs;
        total.uncovered += c.uncovered;
        total.high_priority_uncovered += c.high_priority_uncovered;
        for (k, v) in &c.by_reason {
            *total.by_reason.entry(k.clone()).or_insert(0) += v;
        }
        for (k, v) in &c.by_need {
            *total.by_need.entry(k.clone()).or_insert(0) += v;
        }
    }
    Summary {
        scenario: scenario.name.clone(),
        scenario_en: scenario.name_en.clone(),
        as_of: as_of.to_owned(),
        total,
        by_district,
        matching_optimal: optimal,
        ..Summary::default()
    }
}
