//! District disaster drills: the hour after the alert simulated person by person, and Monte
//! Carlo over who answers the call and which roads close. Pure: no I/O, no clock.
//!
//! # How it is built
//!
//! - [`Drill::prepare`] takes the plans of a run (`plan::engine::plan_with_progress`) and
//!   fixes everything that does not depend on the random draws: the edge clocks of the
//!   scenario with its timed events (a road closing, a zone flooding early), the helpers and
//!   their rounds, and every walk a helper or a person may make (**legs**: a path found once
//!   by an earliest-arrival search at the planned time, with each segment's exit time). A
//!   run then only re-checks a leg against the clocks; a search is repeated only when a
//!   delay or an event closes a segment of the planned path before it is left.
//! - [`sim`]: one run is a discrete-event simulation (events ordered by time, then by the
//!   order they were scheduled) of helpers called, answering after a drawn delay or not at
//!   all, the coordinator calling the backup after the confirmation timeout, walks, the
//!   preparation and the escort. Helpers and people joined by a plan (primary or backup)
//!   form **components**; components do not interact, so each is simulated alone.
//! - [`monte`]: runs spread over threads by component; each helper's draws in run `k` come
//!   from a generator seeded by `(seed, k, helper)` (SplitMix64), so results do not depend on
//!   the number of threads or on how people are grouped. Single points of failure are
//!   computed by re-running the affected components without a helper, or with a road closed
//!   from the start, with the same draws (common random numbers).
//!
//! Times are seconds after the alert (t = 0). The planner's safety margin is not applied: a
//! drill asks whether people got through before the water, so a segment may be used until
//! the moment it closes.
//!
//! Key types: [`Drill`], [`sim::Outcome`], [`sim::TimelineEvent`], [`monte::DrillReport`].

pub mod calibrate;
pub mod monte;
pub mod record;
pub mod report;
pub mod sim;

use crate::model::{LonLat, Map, Mobility};
use crate::network::{
    Closures, Conditions, EdgeClock, EdgeId, NodeId, Profile, RoadGraph, RoutingParams, SearchTree,
    close_polygon, close_roads, earliest_arrival_into,
};
use crate::plan::engine::{PlanParams, PlanRun, profile_for, scenario_clocks, scenario_closures};
use crate::plan::{EvacuationNeed, Method, Scenario};
use std::collections::BTreeMap;
use thiserror::Error;

pub use monte::{DrillReport, monte_carlo};
pub use sim::{Outcome, OutcomeKind, TimelineEvent};

/// What stops a drill from being prepared (references in the scenario's `[drill]` table).
#[derive(Debug, Error, PartialEq)]
pub enum DrillError {
    #[error("scenario [drill] event no. {event}: {field} = {id:?} is not in the map ({expected})")]
    UnknownRef {
        event: usize,
        field: &'static str,
        id: String,
        expected: &'static str,
    },
    #[error("scenario field {field} = {value}: expected {expected}")]
    Scenario {
        field: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error(transparent)]
    Network(#[from] crate::network::NetworkError),
}

/// Where a helper is when setting off: their home, the end of a stop (the destination's
/// road node for people who left, the home for people helped upstairs), or a person's door.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Place {
    Home(u32),
    StopEnd(u32),
    Door(u32),
}

/// A walk (or drive) fixed at preparation: door → road node, a path, road node → door.
#[derive(Clone, Debug)]
pub struct Leg {
    pub from: NodeId,
    pub to: NodeId,
    pub profile: Profile,
    /// Seconds from the start door to `from`, and from `to` to the end door.
    pub head: f64,
    pub tail: f64,
    pub path_secs: f64,
    /// Each segment of the planned path with the seconds from leaving `from` to leaving it.
    pub edges: Vec<(EdgeId, f64)>,
}

/// What a person does in the drill.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Task {
    /// Leaves for the destination, with helpers (or alone, or with family).
    Leave,
    /// Is helped upstairs.
    Upstairs,
    /// Nobody moves (在宅避難 or the facility's own plan).
    StayHome,
    /// Needs help but the plan names nobody (or has no destination).
    Uncovered,
}

/// One person of the drill (one plan).
#[derive(Clone, Debug)]
pub struct DrillPerson {
    pub id: String,
    pub district: String,
    pub home: LonLat,
    pub need: EvacuationNeed,
    pub(crate) task: Task,
    pub(crate) prep_secs: f64,
    pub mobility: Mobility,
    /// Escort seconds are multiplied by this: 1 / the district's `drill.walk_factor`.
    pub(crate) pace: f64,
    /// Helper indexes: primaries in plan order, and the backup.
    pub(crate) primaries: Vec<u32>,
    pub(crate) backup: Option<u32>,
    /// A household member at home is the first helper (always present).
    pub(crate) family: bool,
    /// Leaves alone (needs no helper).
    pub(crate) alone: bool,
    /// When water reaches the home (upstairs deadline), seconds; infinity if never.
    pub(crate) water_home_secs: f64,
    /// The escort (home → destination) for people who leave: an index into `Drill::legs`.
    pub(crate) escort: Option<u32>,
    /// The road node helpers reach at the home, and the walk from it to the door, seconds.
    pub(crate) door: Option<(NodeId, f64)>,
    /// Where a helper is after this stop: road node, and the walk from the door to it.
    pub(crate) stop_end: Option<(NodeId, f64)>,
}

/// One helper named in the plans.
#[derive(Clone, Debug)]
pub struct DrillHelper {
    pub id: String,
    /// Index of the volunteer in the map: the helper's random stream.
    pub(crate) stream: u64,
    pub(crate) node: Option<(NodeId, f64)>,
    /// People in round order (person indexes).
    pub(crate) round: Vec<u32>,
    pub(crate) absence: f64,
}

/// Everything of a drill that does not depend on the random draws.
pub struct Drill<'a> {
    pub(crate) graph: &'a RoadGraph,
    pub(crate) routing: RoutingParams,
    pub(crate) conditions: Conditions,
    pub(crate) closures: Closures,
    /// Per profile (`Profile::ALL` order), with the scenario's timed events applied.
    pub(crate) clocks: Vec<EdgeClock>,
    /// The same without the timed events: the network the plans were drafted on.
    pub(crate) planned_clocks: Vec<EdgeClock>,
    pub people: Vec<DrillPerson>,
    pub helpers: Vec<DrillHelper>,
    /// Every leg fixed at preparation: escorts, then helpers' walks.
    pub(crate) legs: Vec<Leg>,
    /// Helpers' walks by (where from, person), indexes into `legs`.
    pub(crate) leg_at: BTreeMap<(Place, u32), u32>,
    /// Components: (person indexes, helper indexes), each ascending; in order of their
    /// lowest person.
    pub(crate) components: Vec<(Vec<u32>, Vec<u32>)>,
    pub(crate) warning_secs: f64,
    pub(crate) timeout_secs: f64,
    pub(crate) climb_secs: f64,
    pub(crate) response_median_secs: f64,
    pub(crate) response_sigma: f64,
    /// Helpers dropping out at a minute: (helper index, seconds).
    pub(crate) helper_gone: Vec<(u32, f64)>,
    /// Longest walk searched when a planned path is cut, seconds.
    pub(crate) leg_bound_secs: f64,
    pub(crate) spof_helpers: usize,
    pub(crate) spof_roads: usize,
    pub(crate) spof_runs: u32,
    pub(crate) at_risk_below: f64,
}

pub(crate) fn profile_index(p: Profile) -> usize {
    Profile::ALL.iter().position(|q| *q == p).unwrap_or(0)
}

impl<'a> Drill<'a> {
    /// Prepares a drill of `run` (the plans drafted for `scenario` on `map`). Fails on an
    /// event naming a road, volunteer or zone the map does not have.
    pub fn prepare(
        map: &Map,
        graph: &'a RoadGraph,
        scenario: &Scenario,
        params: &PlanParams,
        run: &PlanRun,
    ) -> Result<Drill<'a>, DrillError> {
        scenario
            .validate()
            .map_err(|(field, value, expected)| DrillError::Scenario {
                field,
                value,
                expected,
            })?;
        let d = &params.drill;
        let sd = &scenario.drill;
        let night = scenario.night();
        let conditions = scenario.conditions();
        let routing = params.routing;
        let closures = scenario_closures(graph, scenario)?;
        // Legs are planned on the plans' network; the events apply in the runs.
        let planned_clocks = scenario_clocks(map, graph, scenario, params);
        let mut clocks = planned_clocks.clone();
        // Timed events on the network, and zones flooded early (homes inside them too).
        let mut early_zones: Vec<(usize, f64)> = Vec::new();
        let mut gone_ids: Vec<(usize, String, f64)> = Vec::new();
        for (i, e) in sd.events.iter().enumerate() {
            let at = e.at_min * 60.0;
            if let Some(road) = &e.close_road {
                let c =
                    close_roads(graph, [road.as_str()]).map_err(|_| DrillError::UnknownRef {
                        event: i + 1,
                        field: "close_road",
                        id: road.clone(),
                        expected: "a road id of roads.geojson",
                    })?;
                for clock in clocks.iter_mut() {
                    for edge in c.iter() {
                        clock.close_at(edge, at);
                    }
                }
            }
            if let Some(zone_id) = &e.flood_zone {
                let Some(zi) = map.hazards.iter().position(|z| &z.ext_id == zone_id) else {
                    return Err(DrillError::UnknownRef {
                        event: i + 1,
                        field: "flood_zone",
                        id: zone_id.clone(),
                        expected: "a zone id of hazards.geojson",
                    });
                };
                let zone = &map.hazards[zi];
                let edges = close_polygon(graph, &zone.geometry);
                for (pi, profile) in Profile::ALL.iter().enumerate() {
                    // A zone without a depth (a landslide) stops everyone.
                    if zone.depth_rank.is_none() || params.water.stops(zone, *profile) {
                        for edge in edges.iter() {
                            clocks[pi].close_at(edge, at);
                        }
                    }
                }
                early_zones.push((zi, at));
            }
            if let Some(v) = &e.helper_absent {
                if map.find_volunteer(v).is_none() {
                    return Err(DrillError::UnknownRef {
                        event: i + 1,
                        field: "helper_absent",
                        id: v.clone(),
                        expected: "a volunteer id of volunteers.csv",
                    });
                }
                gone_ids.push((i, v.clone(), at));
            }
        }
        let walk_speed = routing.flat_speed_mps(Profile::Walk, &conditions);
        let none = Closures::none(graph);
        // Helpers named in the plans, by id.
        let mut helper_ids: BTreeMap<&str, u32> = BTreeMap::new();
        for p in &run.plans {
            for h in &p.helpers {
                helper_ids.insert(h.id.as_str(), 0);
            }
        }
        for (i, v) in helper_ids.values_mut().enumerate() {
            *v = i as u32;
        }
        let as_of_year = run
            .summary
            .as_of
            .get(..4)
            .and_then(|y| y.parse::<i32>().ok())
            .unwrap_or(2024);
        let base_absence = sd.absence.unwrap_or(d.absence.get(night));
        let mut helpers: Vec<DrillHelper> = helper_ids
            .keys()
            .map(|id| {
                let vid = map.find_volunteer(id);
                let vol = vid.map(|v| map.volunteer(v));
                let node = vol.and_then(|v| {
                    graph
                        .snap_for(v.home, Profile::Walk, &routing, &none)
                        .filter(|s| !s.off_network)
                        .map(|s| (s.node, s.distance_m / walk_speed))
                });
                let absence = match vol {
                    Some(v) if !v.availability.at(scenario.weekend, night) => d.absence_unavailable,
                    Some(v) if as_of_year - v.birth_year >= d.absence_age_from => {
                        (base_absence + d.absence_age_extra).min(1.0)
                    }
                    _ => base_absence,
                };
                DrillHelper {
                    id: (*id).to_owned(),
                    stream: vid.map_or(u64::MAX, |v| v.0 as u64),
                    node,
                    round: Vec::new(),
                    absence,
                }
            })
            .collect();
        let mut people = Vec::with_capacity(run.plans.len());
        let mut legs: Vec<Leg> = Vec::new();
        let mut tree = SearchTree::new();
        // (helper, order, person) to sort rounds.
        let mut rounds: Vec<(u32, u8, u32)> = Vec::new();
        for (pi, plan) in run.plans.iter().enumerate() {
            let person = map.find_person(&plan.person).map(|p| map.person(p));
            let mobility = person.map_or(Mobility::WalksAlone, |p| p.mobility);
            let profile = if plan.method == Method::Car {
                Profile::Car
            } else {
                profile_for(mobility).0
            };
            let mut water_home_secs = plan.water_arrives_min.map_or(f64::INFINITY, |m| m * 60.0);
            for (zi, at) in &early_zones {
                if map.hazards[*zi].geometry.intersects(&plan.home.to_point()) {
                    water_home_secs = water_home_secs.min(*at);
                }
            }
            let primaries: Vec<u32> = plan
                .primary_helpers()
                .map(|h| helper_ids[h.id.as_str()])
                .collect();
            for h in plan.primary_helpers() {
                rounds.push((helper_ids[h.id.as_str()], h.order.unwrap_or(1), pi as u32));
            }
            let backup = plan.backup_helper().map(|h| helper_ids[h.id.as_str()]);
            let task = match plan.evacuation_need {
                EvacuationNeed::StayHome | EvacuationNeed::Facility => Task::StayHome,
                _ if !plan.needs_help && plan.evacuation_need == EvacuationNeed::Upstairs => {
                    Task::StayHome
                }
                _ if plan.needs_help && !plan.covered => Task::Uncovered,
                EvacuationNeed::Leave if plan.destination.is_none() => Task::Uncovered,
                EvacuationNeed::Leave => Task::Leave,
                EvacuationNeed::Upstairs => Task::Upstairs,
            };
            let speed = routing.flat_speed_mps(profile, &conditions);
            let snap = |p: LonLat, prof: Profile| {
                graph
                    .snap_for(p, prof, &routing, &none)
                    .filter(|s| !s.off_network)
            };
            let (mut escort, mut door, mut stop_end) = (None, None, None);
            match task {
                Task::Leave => {
                    let dest = plan.destination.as_ref().map(|d| d.location);
                    let home = snap(plan.home, profile);
                    if let (Some(h), Some(dl)) = (home, dest) {
                        door = Some((h.node, h.distance_m / walk_speed));
                        if let Some(ds) = snap(dl, profile) {
                            escort = Some((
                                h.node,
                                ds.node,
                                h.distance_m / speed,
                                ds.distance_m / speed,
                            ));
                        }
                        stop_end =
                            snap(dl, Profile::Walk).map(|s| (s.node, s.distance_m / walk_speed));
                    }
                }
                Task::Upstairs => {
                    if let Some(h) = snap(plan.home, Profile::Walk) {
                        door = Some((h.node, h.distance_m / walk_speed));
                        stop_end = door;
                    }
                }
                _ => {}
            }
            // The planned departure: the path found then stays the best while it is open.
            let depart = plan.departure_min.map_or(
                params.timing.warning_min * 60.0 + plan.preparation_secs,
                |m| m * 60.0,
            );
            let escort = escort.and_then(|(from, to, head, tail)| {
                let bound = plan.evacuation_secs * 2.0 + 3600.0;
                let leg = plan_leg(
                    graph,
                    &routing,
                    &conditions,
                    &closures,
                    &planned_clocks,
                    profile,
                    from,
                    to,
                    head,
                    tail,
                    depart,
                    bound,
                    &mut tree,
                )?;
                legs.push(leg);
                Some(legs.len() as u32 - 1)
            });
            people.push(DrillPerson {
                id: plan.person.clone(),
                district: plan.district.clone(),
                home: plan.home,
                need: plan.evacuation_need,
                task: if task == Task::Leave && escort.is_none() {
                    Task::Uncovered
                } else {
                    task
                },
                // The parameters' preparation (a calibrated file changes it for the drill),
                // the plan's own for a plan read without one.
                prep_secs: if task == Task::Leave {
                    params.preparation_min.get(plan.mobility) * 60.0
                } else {
                    plan.preparation_secs
                },
                mobility: plan.mobility,
                pace: 1.0 / d.walk_factor.get(&plan.district).copied().unwrap_or(1.0),
                primaries,
                backup,
                family: plan.family_helper,
                alone: !plan.needs_help,
                water_home_secs,
                escort,
                door,
                stop_end,
            });
        }
        rounds.sort();
        for (h, _, p) in rounds {
            helpers[h as usize].round.push(p);
        }
        let mut gone = Vec::new();
        for (_, id, at) in gone_ids {
            if let Some(h) = helper_ids.get(id.as_str()) {
                gone.push((*h, at));
            }
        }
        let warning_secs = params.timing.warning_min * 60.0;
        let leg_bound_secs = params
            .helpers
            .max_travel_min
            .max(params.helpers.round_leg_max_min)
            * 60.0
            * 2.0;
        let mut drill = Drill {
            graph,
            routing,
            conditions,
            closures,
            clocks,
            planned_clocks,
            people,
            helpers,
            legs,
            leg_at: BTreeMap::new(),
            components: Vec::new(),
            warning_secs,
            timeout_secs: sd.confirm_timeout_min.unwrap_or(d.confirm_timeout_min) * 60.0,
            climb_secs: params.stay.climb_min * 60.0,
            response_median_secs: sd
                .response_median_min
                .unwrap_or(d.response_median_min.get(night))
                * 60.0,
            response_sigma: sd.response_sigma.unwrap_or(d.response_sigma),
            helper_gone: gone,
            leg_bound_secs,
            spof_helpers: d.spof_helpers,
            spof_roads: d.spof_roads,
            spof_runs: d.spof_runs,
            at_risk_below: d.at_risk_below,
        };
        drill.components = drill.find_components();
        let walks = drill.plan_helper_legs();
        for (key, leg) in walks {
            drill.legs.push(leg);
            drill.leg_at.insert(key, drill.legs.len() as u32 - 1);
        }
        Ok(drill)
    }

    /// Helpers and people joined by a plan, by union-find.
    fn find_components(&self) -> Vec<(Vec<u32>, Vec<u32>)> {
        let np = self.people.len();
        let mut parent: Vec<usize> = (0..np + self.helpers.len()).collect();
        fn root(parent: &mut [usize], mut x: usize) -> usize {
            while parent[x] != x {
                parent[x] = parent[parent[x]];
                x = parent[x];
            }
            x
        }
        for (pi, p) in self.people.iter().enumerate() {
            for h in p.primaries.iter().chain(p.backup.iter()) {
                let (a, b) = (root(&mut parent, pi), root(&mut parent, np + *h as usize));
                if a != b {
                    parent[a.max(b)] = a.min(b);
                }
            }
        }
        let mut comps: BTreeMap<usize, (Vec<u32>, Vec<u32>)> = BTreeMap::new();
        for x in 0..parent.len() {
            let r = root(&mut parent, x);
            let c = comps.entry(r).or_default();
            if x < np {
                c.0.push(x as u32);
            } else {
                c.1.push((x - np) as u32);
            }
        }
        comps.into_values().filter(|c| !c.0.is_empty()).collect()
    }

    /// Every walk a helper may make to a person: from home, from the end of any stop of their
    /// round, found at the planned time (helpers set off once warned).
    fn plan_helper_legs(&self) -> Vec<((Place, u32), Leg)> {
        use rayon::prelude::*;
        let mut wanted: Vec<(Place, u32)> = Vec::new();
        for (hi, h) in self.helpers.iter().enumerate() {
            let mut targets: Vec<u32> = h.round.clone();
            for (pi, p) in self.people.iter().enumerate() {
                if p.backup == Some(hi as u32) {
                    targets.push(pi as u32);
                }
            }
            for &t in &targets {
                wanted.push((Place::Home(hi as u32), t));
                for &s in &h.round {
                    if s != t {
                        wanted.push((Place::StopEnd(s), t));
                    }
                }
            }
        }
        wanted.sort();
        wanted.dedup();
        let legs: Vec<Option<Leg>> = wanted
            .par_iter()
            .map_init(SearchTree::new, |tree, (from, to)| {
                self.walk_leg(tree, *from, *to, self.warning_secs, &self.planned_clocks)
            })
            .collect();
        wanted
            .into_iter()
            .zip(legs)
            .filter_map(|(k, l)| Some((k, l?)))
            .collect()
    }

    /// A helper's walk from `from` to person `to`'s door, searched for a departure at
    /// `depart` (seconds) on the walkers' clock.
    pub(crate) fn walk_leg(
        &self,
        tree: &mut SearchTree,
        from: Place,
        to: u32,
        depart: f64,
        clocks: &[EdgeClock],
    ) -> Option<Leg> {
        let (start, head) = self.place_node(from)?;
        let (end, tail) = self.people[to as usize].door?;
        plan_leg(
            self.graph,
            &self.routing,
            &self.conditions,
            &self.closures,
            clocks,
            Profile::Walk,
            start,
            end,
            head,
            tail,
            depart,
            self.leg_bound_secs,
            tree,
        )
    }

    /// Leg `i` planned again with `closures` at the time it was first planned (escorts at
    /// the person's planned departure is approximated by the warning time plus preparation:
    /// any departure works, the runs re-check it).
    pub(crate) fn replan(&self, i: u32, closures: &Closures, tree: &mut SearchTree) -> Option<Leg> {
        let l = &self.legs[i as usize];
        plan_leg(
            self.graph,
            &self.routing,
            &self.conditions,
            closures,
            &self.planned_clocks,
            l.profile,
            l.from,
            l.to,
            l.head,
            l.tail,
            self.warning_secs,
            self.leg_bound_secs.max(detour(l.path_secs)),
            tree,
        )
    }

    pub(crate) fn place_node(&self, place: Place) -> Option<(NodeId, f64)> {
        match place {
            Place::Home(h) => self.helpers[h as usize].node,
            Place::StopEnd(p) => self.people[p as usize].stop_end,
            Place::Door(p) => self.people[p as usize].door,
        }
    }

    pub(crate) fn clock(&self, p: Profile) -> &EdgeClock {
        &self.clocks[profile_index(p)]
    }

    /// Number of components (groups of people and helpers joined by plans).
    pub fn component_count(&self) -> usize {
        self.components.len()
    }

    /// The people (indexes into `people`) of component `c`, in the order
    /// [`simulate_component`](Self::simulate_component) reports them.
    pub fn simulate_component_people(&self, c: usize) -> &[u32] {
        &self.components[c].0
    }
}

/// Searches a leg at `depart` (door departure) and records its path with each segment's
/// exit offset; `None` if `to` is not reached within `bound_secs`.
#[allow(clippy::too_many_arguments)]
fn plan_leg(
    graph: &RoadGraph,
    routing: &RoutingParams,
    conditions: &Conditions,
    closures: &Closures,
    clocks: &[EdgeClock],
    profile: Profile,
    from: NodeId,
    to: NodeId,
    head: f64,
    tail: f64,
    depart: f64,
    bound_secs: f64,
    tree: &mut SearchTree,
) -> Option<Leg> {
    let at_node = depart + head;
    earliest_arrival_into(
        tree,
        graph,
        profile,
        routing,
        conditions,
        closures,
        &clocks[profile_index(profile)],
        0.0,
        from,
        at_node,
        at_node + bound_secs,
    );
    let arrive = tree.secs(to)?;
    let nodes = tree.path(graph, to)?;
    let edges = tree.path_edges(graph, to)?;
    let timed = edges
        .iter()
        .zip(nodes.iter().skip(1))
        .map(|(e, n)| (*e, tree.secs(*n).unwrap_or(arrive) - at_node))
        .collect();
    Some(Leg {
        from,
        to,
        profile,
        head,
        tail,
        path_secs: arrive - at_node,
        edges: timed,
    })
}

use geo::Intersects;
use sim::detour_bound_secs as detour;
