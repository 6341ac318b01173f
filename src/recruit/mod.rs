//! Where to recruit: the places (blocks), times and kinds of helper that would cover the most
//! people still without one, the most urgent first, checked by re-planning. Pure, no I/O.
//!
//! How, per run ([`suggest`], then [`verify`]):
//! 1. The people of the district who need a helper now and are not covered, from a planned
//!    run. The engine's own run up to the helper search ([`crate::plan::engine::seekers`])
//!    says, for each of them that only helpers stand in the way, where a new helper would
//!    have to live to be counted in reach and in time, what they must bring (a car among
//!    the helpers of a person going by car, wheelchair training when required), and how many
//!    neighbours are needed. People stopped earlier (no safe route, no destination) are left
//!    out: a helper would not change their plan.
//! 2. Places: square blocks of `recruit.block_m` (250 m) on the map's local frame
//!    ([`crate::spatial::Frame`]) over the road nodes those people could be reached from; a
//!    block's place is the road node nearest the centroid of its nodes, on the largest
//!    component. Block codes are `E{i}N{j}`: `i`, `j` the block's column and row counted from
//!    the frame's origin (may be negative).
//! 3. Candidates: each block with each kind of helper (`recruit.profiles`), available at the
//!    scenario's time (day or night, weekday or weekend), consenting to be named. A candidate
//!    serves a person when the planner would accept a volunteer living at the block's place
//!    with that profile ([`crate::plan::engine::Seeker::travel_from`], the skill, and room
//!    among the `helpers.candidates` cheapest).
//! 4. Greedy choice on covered weight by the exact matching ([`greedy`], which states its
//!    guarantee): up to `count` helpers, pairs together.
//! 5. [`verify`]: the suggested helpers are added to a copy of the map ([`with_helpers`]) one
//!    more at a time and the whole map is planned again; a suggestion's `newly_covered` is
//!    what that re-plan confirms, never the prediction (kept apart as `predicted`).
//!
//! Predictions leave out two things the re-plan decides: whether a helper's round with two
//! people can be done in time, and existing helpers with room (a person needing two gets two
//! new ones). Both make the re-plan differ from the prediction; it is the re-plan that counts.

pub mod greedy;
pub mod text;

use crate::model::*;
use crate::network::{Closures, NodeId, Profile, RoadGraph, Snap};
use crate::plan::engine::{PlanError, PlanParams, PlanRun, Seeker, plan, seekers};
use crate::plan::matching::Demand;
use crate::plan::params::RecruitProfile;
use crate::plan::{Band, Scenario};
use greedy::{Candidate, Instance};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use time::Date;

/// What stops a recruitment run.
#[derive(Debug, thiserror::Error)]
pub enum RecruitError {
    #[error("no district with code {0:?}")]
    UnknownDistrict(String),
    #[error("helpers.roles.helper.eligible is false: a recruited helper could not be named")]
    HelperRoleNotEligible,
    #[error(transparent)]
    Plan(#[from] PlanError),
}

/// One place to recruit: a block and its representative road node.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Block {
    /// `E{i}N{j}`: column and row of the block on the map's frame.
    pub code: String,
    /// The block's corners (lon/lat), closed ring, counter-clockwise.
    pub ring: Vec<LonLat>,
    /// Where a helper of this block is assumed to live: the representative road node.
    pub place: LonLat,
    /// Road nodes in the block.
    pub nodes: usize,
}

/// One suggested helper.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    /// 1-based, in the order to recruit.
    pub rank: usize,
    pub block: String,
    pub lon: f64,
    pub lat: f64,
    /// Profile code (`walk`, `car`, `wheelchair`).
    pub profile: String,
    pub skills: Vec<Skill>,
    /// `weekday_day`, `weekday_night`, `weekend_day` or `weekend_night`: the scenario's time.
    pub time: String,
    pub capacity: u8,
    /// The rank of the other helper of a pair recruited together.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pair_with: Option<usize>,
    /// People the choice predicted this suggestion would cover (with its pair, on the later
    /// one), person ids.
    pub predicted: Vec<String>,
    /// People the re-plan with suggestions 1..=rank covers and with 1..rank did not, person
    /// ids (filled by [`verify`]).
    pub newly_covered: Vec<String>,
    /// Of those, high priority.
    pub high_priority: usize,
    /// People covered with 1..rank and not with 1..=rank (the matching moved them for more
    /// weight); normally empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub displaced: Vec<String>,
    /// Priority weight of `newly_covered` less that of `displaced`.
    pub gain_weight: i64,
    /// Covered people on the whole map with suggestions 1..=rank, less before any.
    pub cumulative: i64,
}

/// The suggestions for one district (or the whole map).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecruitReport {
    pub scenario: String,
    pub as_of: String,
    /// District code, or `None` for the whole map.
    pub district: Option<String>,
    pub district_name: Option<String>,
    /// `weekday_day`, … : the time every suggested helper must be available.
    pub time: String,
    pub block_m: f64,
    /// People in the district who need a helper now and are not covered.
    pub uncovered: usize,
    /// Of those, people only helpers stand in the way of (the others need something else).
    pub helpable: usize,
    /// Covered people on the whole map before the suggestions, and with all of them.
    pub covered_before: usize,
    pub covered_after: usize,
    /// People predicted newly covered over all suggestions, and the confirmed rise:
    /// `covered_after - covered_before` (may be negative in principle; never claimed more).
    pub predicted_total: usize,
    pub verified_total: i64,
    pub suggestions: Vec<Suggestion>,
    /// Every block considered, with the weight newly covered by its suggestions.
    pub blocks: Vec<BlockGain>,
}

/// A block with the weight its suggestions newly covered (for the map).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BlockGain {
    #[serde(flatten)]
    pub block: Block,
    /// Weight newly covered (re-plan), and people, by this block's suggestions.
    pub gain_weight: i64,
    pub newly_covered: usize,
    /// Ranks of the suggestions in this block.
    pub ranks: Vec<usize>,
}

/// The time code of a scenario: `weekday_day`, `weekday_night`, `weekend_day`, `weekend_night`.
pub fn time_code(s: &Scenario) -> &'static str {
    match (s.weekend, s.night()) {
        (false, false) => "weekday_day",
        (false, true) => "weekday_night",
        (true, false) => "weekend_day",
        (true, true) => "weekend_night",
    }
}

/// Block codes and places for the road nodes `nodes` (plus every node sharing their blocks).
fn blocks_for(
    graph: &RoadGraph,
    params: &PlanParams,
    touched: &BTreeSet<NodeId>,
) -> Vec<(Block, Snap)> {
    let side = params.recruit.block_m;
    let frame = graph.frame();
    let cell = |xy: [f64; 2]| ((xy[0] / side).floor() as i64, (xy[1] / side).floor() as i64);
    let cells: BTreeSet<(i64, i64)> = touched.iter().map(|n| cell(graph.node(*n).xy)).collect();
    let mut members: BTreeMap<(i64, i64), Vec<NodeId>> = BTreeMap::new();
    for n in graph.node_ids() {
        let c = cell(graph.node(n).xy);
        if cells.contains(&c) {
            members.entry(c).or_default().push(n);
        }
    }
    let largest = graph.largest_component();
    let none = Closures::none(graph);
    let mut out = Vec::new();
    for ((i, j), nodes) in members {
        let k = nodes.len() as f64;
        let (cx, cy) = nodes.iter().fold((0.0, 0.0), |(x, y), n| {
            let p = graph.node(*n).xy;
            (x + p[0] / k, y + p[1] / k)
        });
        let d2 = |n: &NodeId| {
            let p = graph.node(*n).xy;
            (p[0] - cx).powi(2) + (p[1] - cy).powi(2)
        };
        let Some(rep) = nodes
            .iter()
            .filter(|n| Some(graph.component(**n)) == largest)
            .min_by(|a, b| d2(a).total_cmp(&d2(b)).then(a.cmp(b)))
        else {
            continue;
        };
        let place = graph.node(*rep).pos;
        // The planner snaps a volunteer's home for walking; so do we.
        let Some(snap) = graph
            .snap_for(place, Profile::Walk, &params.routing, &none)
            .filter(|s| !s.off_network)
        else {
            continue;
        };
        let (x0, y0) = (i as f64 * side, j as f64 * side);
        let ring = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.0, 0.0)]
            .iter()
            .map(|(a, b)| frame.to_lonlat([x0 + a * side, y0 + b * side]))
            .collect();
        out.push((
            Block {
                code: format!("E{i}N{j}"),
                ring,
                place,
                nodes: nodes.len(),
            },
            snap,
        ));
    }
    out
}

/// Suggestions chosen but not yet verified, with what [`verify`] needs.
#[derive(Clone, Debug)]
pub struct Plan {
    pub report: RecruitReport,
    /// The profile of each suggestion, in rank order.
    pub profiles: Vec<RecruitProfile>,
    district: DistrictId,
}

/// People of `district` (all when `None`) who need a helper now and are not covered in `base`.
fn uncovered_in(map: &Map, base: &PlanRun, district: Option<&str>) -> BTreeSet<PersonId> {
    base.plans
        .iter()
        .filter(|p| p.needs_help && !p.covered)
        .filter(|p| district.is_none_or(|d| p.district == d))
        .filter_map(|p| map.find_person(&p.person))
        .collect()
}

/// Chooses up to `count` helpers to recruit for `district` (all districts when `None`), by
/// the planner's rules on the planned run `base` of the same map, scenario and parameters.
/// Call [`verify`] before showing the result: `newly_covered` is empty until then.
#[allow(clippy::too_many_arguments)]
pub fn suggest(
    map: &Map,
    graph: &RoadGraph,
    scenario: &Scenario,
    params: &PlanParams,
    as_of: Date,
    base: &PlanRun,
    district: Option<&str>,
    count: usize,
) -> Result<Plan, RecruitError> {
    let district_id = match district {
        Some(code) => map
            .find_district(code)
            .ok_or_else(|| RecruitError::UnknownDistrict(code.to_owned()))?,
        None => DistrictId(0),
    };
    let role = params.helpers.role(Role::Helper);
    if !role.eligible {
        return Err(RecruitError::HelperRoleNotEligible);
    }
    let people = uncovered_in(map, base, district);
    let seekers: Vec<Seeker> = seekers(map, graph, scenario, params, as_of, &people)?;
    let touched: BTreeSet<NodeId> = seekers.iter().flat_map(|s| s.reach_nodes()).collect();
    let blocks = blocks_for(graph, params, &touched);
    let h = &params.helpers;
    let new_cost =
        |secs: f64| (h.stranger_points + role.points) * h.tier_scale + secs.round() as u64;
    let mut candidates = Vec::new();
    let mut cand_of = Vec::new();
    for (bi, (_, snap)) in blocks.iter().enumerate() {
        for (pi, profile) in params.recruit.profiles.iter().enumerate() {
            let mut serves = Vec::new();
            let mut fits = Vec::new();
            for (si, s) in seekers.iter().enumerate() {
                let Some(secs) = s.travel_from(snap.node, snap.distance_m) else {
                    continue;
                };
                if s.skill.is_some_and(|k| !profile.skills.contains(&k))
                    || s.cost_cutoff.is_some_and(|c| new_cost(secs) >= c)
                {
                    continue;
                }
                serves.push((si, secs.round() as u64));
                if s.mobility == Mobility::Wheelchair && profile.skills.contains(&Skill::Wheelchair)
                    || s.vehicles > 0 && profile.skills.contains(&Skill::Car)
                {
                    fits.push(si);
                }
            }
            if serves.is_empty() {
                continue;
            }
            let capacity = profile
                .capacity
                .min(role.max_capacity.unwrap_or(u8::MAX))
                .min(h.max_round);
            candidates.push(Candidate {
                capacity: capacity as u32,
                car: profile.skills.contains(&Skill::Car),
                serves,
                fits,
            });
            cand_of.push((bi, pi));
        }
    }
    let inst = Instance {
        people: seekers
            .iter()
            .map(|s| Demand {
                need: s.neighbours,
                weight: s.weight,
                min_tagged: s.vehicles,
            })
            .collect(),
        candidates,
    };
    let steps = greedy::greedy(&inst, count, params.recruit.pair_candidates);
    let time = time_code(scenario).to_owned();
    let mut suggestions = Vec::new();
    let mut profiles = Vec::new();
    for step in &steps {
        let first = suggestions.len() + 1;
        for (k, &c) in step.picks.iter().enumerate() {
            let (bi, pi) = cand_of[c];
            let (block, _) = &blocks[bi];
            let profile = &params.recruit.profiles[pi];
            let last = k + 1 == step.picks.len();
            suggestions.push(Suggestion {
                rank: suggestions.len() + 1,
                block: block.code.clone(),
                lon: block.place.lon,
                lat: block.place.lat,
                profile: profile.code.clone(),
                skills: profile.skills.clone(),
                time: time.clone(),
                capacity: inst.candidates[c].capacity as u8,
                pair_with: (step.picks.len() == 2).then_some(if k == 0 {
                    first + 1
                } else {
                    first
                }),
                predicted: if last {
                    step.newly
                        .iter()
                        .map(|i| map.person(seekers[*i].person).ext_id.clone())
                        .collect()
                } else {
                    Vec::new()
                },
                newly_covered: Vec::new(),
                high_priority: 0,
                displaced: Vec::new(),
                gain_weight: 0,
                cumulative: 0,
            });
            profiles.push(profile.clone());
        }
    }
    let covered_before = base
        .plans
        .iter()
        .filter(|p| p.needs_help && p.covered)
        .count();
    let predicted_total = suggestions.iter().map(|s| s.predicted.len()).sum();
    Ok(Plan {
        report: RecruitReport {
            scenario: scenario.name.clone(),
            as_of: as_of.to_string(),
            district: district.map(str::to_owned),
            district_name: district.map(|_| map.district(district_id).name.clone()),
            time,
            block_m: params.recruit.block_m,
            uncovered: people.len(),
            helpable: seekers.len(),
            covered_before,
            covered_after: covered_before,
            predicted_total,
            verified_total: 0,
            suggestions,
            blocks: blocks
                .into_iter()
                .map(|(block, _)| BlockGain {
                    block,
                    gain_weight: 0,
                    newly_covered: 0,
                    ranks: Vec::new(),
                })
                .collect(),
        },
        profiles,
        district: district_id,
    })
}

/// Ids the suggested helpers get in a re-plan: `R001`, … (with a `-n` suffix if the map
/// already uses one).
fn new_id(map: &Map, rank: usize) -> String {
    let base = format!("R{rank:03}");
    let mut id = base.clone();
    let mut n = 1;
    while map.find_volunteer(&id).is_some() {
        n += 1;
        id = format!("{base}-{n}");
    }
    id
}

/// A copy of `map` with suggestions `upto` (the first `upto` of `plan`) as volunteers: home at
/// the block's place, consenting to be named, available at the scenario's time only, with the
/// profile's skills and capacity, aged `recruit.assumed_age`, role helper. They carry no name
/// or phone.
pub fn with_helpers(
    map: &Map,
    plan: &Plan,
    upto: usize,
    scenario: &Scenario,
    params: &PlanParams,
    as_of: Date,
) -> Map {
    let mut m = map.clone();
    for (s, profile) in plan
        .report
        .suggestions
        .iter()
        .zip(&plan.profiles)
        .take(upto)
    {
        let (weekend, night) = (scenario.weekend, scenario.night());
        let id = new_id(&m, s.rank);
        m.volunteers.push(Volunteer {
            ext_id: id,
            district: plan.district,
            home: LonLat::new(s.lon, s.lat),
            name: String::new(),
            phone: String::new(),
            birth_year: as_of.year() - params.recruit.assumed_age,
            roles: vec![Role::Helper],
            capacity: profile.capacity,
            skills: profile.skills.clone(),
            availability: Availability {
                weekday_day: !weekend && !night,
                weekday_night: !weekend && night,
                weekend_day: weekend && !night,
                weekend_night: weekend && night,
            },
            consent_named: true,
            address: String::new(),
        });
    }
    m
}

/// Covered people (needing help now) of a run: id → (priority weight, high priority).
fn covered_of(run: &PlanRun) -> BTreeMap<String, (u64, bool)> {
    run.plans
        .iter()
        .filter(|p| p.needs_help && p.covered)
        .map(|p| {
            (
                p.person.clone(),
                (p.priority.weight, p.priority.band == Band::High),
            )
        })
        .collect()
}

/// Re-plans the whole map with suggestions 1..=k for every k and fills in what each re-plan
/// confirms; `progress(k, n)` after each. Returns the report.
#[allow(clippy::too_many_arguments)]
pub fn verify(
    map: &Map,
    graph: &RoadGraph,
    scenario: &Scenario,
    params: &PlanParams,
    as_of: Date,
    base: &PlanRun,
    mut plan_: Plan,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<RecruitReport, RecruitError> {
    let n = plan_.report.suggestions.len();
    let before = covered_of(base);
    let mut prev = before.clone();
    for k in 1..=n {
        let m = with_helpers(map, &plan_, k, scenario, params, as_of);
        let run = plan(&m, graph, scenario, params, as_of)?;
        let now = covered_of(&run);
        let s = &mut plan_.report.suggestions[k - 1];
        s.newly_covered = now
            .keys()
            .filter(|p| !prev.contains_key(*p))
            .cloned()
            .collect();
        s.displaced = prev
            .keys()
            .filter(|p| !now.contains_key(*p))
            .cloned()
            .collect();
        s.high_priority = s.newly_covered.iter().filter(|p| now[*p].1).count();
        s.gain_weight = s.newly_covered.iter().map(|p| now[p].0 as i64).sum::<i64>()
            - s.displaced.iter().map(|p| prev[p].0 as i64).sum::<i64>();
        s.cumulative = now.len() as i64 - before.len() as i64;
        prev = now;
        progress(k, n);
    }
    let r = &mut plan_.report;
    r.covered_after = prev.len();
    r.verified_total = r.covered_after as i64 - r.covered_before as i64;
    for b in r.blocks.iter_mut() {
        for s in r.suggestions.iter().filter(|s| s.block == b.block.code) {
            b.gain_weight += s.gain_weight;
            b.newly_covered += s.newly_covered.len();
            b.ranks.push(s.rank);
        }
    }
    Ok(plan_.report)
}

/// The blocks as a GeoJSON FeatureCollection (WGS84) for QGIS: one polygon per block with
/// `block`, `gain_weight`, `newly_covered`, `ranks`, and `fill` (a colour by gain: grey for
/// none, then light to dark orange), and one point per suggestion.
pub fn geojson(r: &RecruitReport) -> serde_json::Value {
    use serde_json::json;
    let max = r
        .blocks
        .iter()
        .map(|b| b.gain_weight)
        .max()
        .unwrap_or(0)
        .max(1);
    let ramp = ["#fdd0a2", "#fdae6b", "#fd8d3c", "#e6550d", "#a63603"];
    let mut features: Vec<serde_json::Value> = r
        .blocks
        .iter()
        .map(|b| {
            let fill = if b.gain_weight <= 0 {
                "#d9d9d9"
            } else {
                let i = ((b.gain_weight as f64 / max as f64) * ramp.len() as f64).ceil() as usize;
                ramp[i.clamp(1, ramp.len()) - 1]
            };
            let ring: Vec<[f64; 2]> = b.block.ring.iter().map(|p| [p.lon, p.lat]).collect();
            json!({
                "type": "Feature",
                "id": b.block.code,
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {
                    "block": b.block.code,
                    "gain_weight": b.gain_weight,
                    "newly_covered": b.newly_covered,
                    "ranks": b.ranks,
                    "fill": fill,
                }
            })
        })
        .collect();
    for s in &r.suggestions {
        features.push(json!({
            "type": "Feature",
            "id": format!("R{:03}", s.rank),
            "geometry": {"type": "Point", "coordinates": [s.lon, s.lat]},
            "properties": {
                "rank": s.rank,
                "block": s.block,
                "profile": s.profile,
                "time": s.time,
                "capacity": s.capacity,
                "newly_covered": s.newly_covered.len(),
                "gain_weight": s.gain_weight,
            }
        }));
    }
    json!({"type": "FeatureCollection", "features": features})
}

/// The district (code) with the most people who need a helper now and are not covered in
/// `run`; ties to the lowest code. `None` when nobody is uncovered.
pub fn most_uncovered_district(run: &PlanRun) -> Option<String> {
    let mut n: BTreeMap<&str, usize> = BTreeMap::new();
    for p in run.plans.iter().filter(|p| p.needs_help && !p.covered) {
        *n.entry(p.district.as_str()).or_default() += 1;
    }
    n.iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(d, _)| (*d).to_owned())
}
