//! Routing profiles, speeds and the bounded one-to-many search.
//!
//! The travel time of an edge is `length_m / (speed × condition factor)`, where the speed
//! depends on the [`Profile`] and the edge's class, and the factor on [`Conditions`] and the
//! profile (night and weather multiplied; cars have their own weather factors; by default a
//! wheelchair cannot move at all in heavy snow or on ice, [`RoutingParams::profile_usable`]).
//! An edge the profile may not use, or a closed edge, is skipped.
//!
//! [`one_to_many`] is a binary-heap Dijkstra over dense `Vec<f64>` times, bounded by `max_secs`
//! (nothing beyond it is settled or even queued). It searches [`Direction::Forward`] (from the
//! source) or [`Direction::Backward`] (towards the source, following edges in reverse: "from
//! every helper to this person" for one-way streets). The heap is ordered by `(secs, node id)`
//! and a node's predecessor only changes on a strict improvement, so the settle order and the
//! paths are deterministic. A [`SearchTree`] can be reused with [`one_to_many_into`]: it resets
//! only the nodes the previous search touched.

use super::graph::EdgeData;
use super::hazard::Closures;
use super::timed::EdgeClock;
use super::{EdgeId, NodeId, RoadGraph, Snap};
use crate::model::{LonLat, RoadClass};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// How the person moves, with their helpers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    /// On foot, alone or with a helper who walks at normal speed. No motorways.
    Walk,
    /// On foot with an elderly or disabled person. No motorways.
    SlowWalk,
    /// A wheelchair pushed by a helper. No motorways, no steps (unless tagged `wheelchair=yes`,
    /// i.e. with a ramp), no road tagged `wheelchair=no`.
    Wheelchair,
    /// A stretcher carried by two. No motorways; steps allowed, slowly.
    Stretcher,
    /// A car in evacuation traffic: drivable classes only, one-way streets respected.
    Car,
}

impl Profile {
    pub const ALL: [Profile; 5] = [
        Profile::Walk,
        Profile::SlowWalk,
        Profile::Wheelchair,
        Profile::Stretcher,
        Profile::Car,
    ];
}

/// Speeds of a profile on foot, metres per second.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct FootSpeeds {
    /// On every walkable class except steps.
    pub flat_mps: f64,
    /// On steps; `None` means steps are not usable.
    pub steps_mps: Option<f64>,
}

/// Speeds and condition factors. Every number is a setting; the defaults and their sources:
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RoutingParams {
    /// 1.0 m/s: standard walking evacuation speed (Japanese tsunami evacuation guidelines, as in
    /// `domain.md`). No separate figure exists for steps, so steps also count 1.0 m/s.
    pub walk: FootSpeeds,
    /// 0.5 m/s: walking with elderly, disabled or seriously ill people; 0.4 m/s on steps: the
    /// stairs speed of people who can hardly move alone (same guidelines).
    pub slow_walk: FootSpeeds,
    /// 0.8 m/s, no steps. No official wheelchair speed exists; we take the guidelines' flat speed
    /// of people who can hardly move alone (0.8 m/s), i.e. a wheelchair pushed by a helper on
    /// level ground, which is below typical manual-wheelchair speeds on good pavement and so
    /// errs on the slow side.
    pub wheelchair: FootSpeeds,
    /// 0.5 m/s flat, 0.4 m/s on steps: two people carrying a stretcher move no faster than the
    /// guidelines' walk with a seriously ill person (0.5 m/s), and on stairs at the guidelines'
    /// 0.4 m/s for people who can hardly move alone. Steps are allowed because a stretcher, unlike
    /// a wheelchair, can be carried up and down them.
    pub stretcher: FootSpeeds,
    /// 3.0 m/s: a car in evacuation traffic (about 10 km/h; `domain.md`), every drivable class.
    pub car_mps: f64,
    /// × 0.8 at night (guidelines, `domain.md`).
    pub night_factor: f64,
    /// × 1.0 in rain: no cited value found, so rain does not slow the route (outdoor sites are
    /// excluded in rain elsewhere).
    pub rain_factor: f64,
    /// × 0.80 on snow cover, on foot (`domain.md`).
    pub snow_factor: f64,
    /// × 0.48 in heavy snow, on foot (`domain.md`).
    pub heavy_snow_factor: f64,
    /// × 0.72 on ice, on foot (`domain.md`).
    pub ice_factor: f64,
    /// × 0.70 on snow cover, cars: US FHWA Road Weather Management Program ("Snow and Ice"):
    /// average arterial speeds decline by 30 to 40 % on snowy or slushy pavement; we take 30 %.
    pub car_snow_factor: f64,
    /// × 0.60 in heavy snow, cars: same source, freeway speeds fall by about 40 % in heavy
    /// snow, the upper end of its arterial range too.
    pub car_heavy_snow_factor: f64,
    /// × 0.60 on ice, cars: our assumption, stated. The source gives no separate figure for
    /// ice; we take it as slow as heavy snow.
    pub car_ice_factor: f64,
    /// Whether a wheelchair can be pushed through heavy snow or on ice. `false` (default): it
    /// cannot, so the wheelchair profile is unusable in those conditions
    /// ([`RoutingParams::profile_usable`]) and the planner must move the person another way
    /// (by car). Our choice, stated: small front castors sink in deep snow and slip on ice, and
    /// no guideline gives a wheelchair speed for either; a 0.8 m/s × 0.48 push through heavy
    /// snow would be a figure nobody measured.
    pub wheelchair_in_heavy_snow: bool,
}

impl Default for RoutingParams {
    fn default() -> Self {
        Self {
            walk: FootSpeeds {
                flat_mps: 1.0,
                steps_mps: Some(1.0),
            },
            slow_walk: FootSpeeds {
                flat_mps: 0.5,
                steps_mps: Some(0.4),
            },
            wheelchair: FootSpeeds {
                flat_mps: 0.8,
                steps_mps: None,
            },
            stretcher: FootSpeeds {
                flat_mps: 0.5,
                steps_mps: Some(0.4),
            },
            car_mps: 3.0,
            night_factor: 0.8,
            rain_factor: 1.0,
            snow_factor: 0.80,
            heavy_snow_factor: 0.48,
            ice_factor: 0.72,
            car_snow_factor: 0.70,
            car_heavy_snow_factor: 0.60,
            car_ice_factor: 0.60,
            wheelchair_in_heavy_snow: false,
        }
    }
}

/// Weather that changes travel speed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Weather {
    #[default]
    Clear,
    Rain,
    Snow,
    HeavySnow,
    Ice,
}

/// When the trip happens.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Conditions {
    pub night: bool,
    pub weather: Weather,
}

impl RoutingParams {
    /// Whether `profile` can move at all in `conditions`: false only for a wheelchair in heavy
    /// snow or on ice unless [`RoutingParams::wheelchair_in_heavy_snow`].
    /// The speed of `profile` on the flat in `conditions`, m/s: the door-to-road legs and any
    /// straight-line estimate use it (0 when the profile is unusable there).
    pub fn flat_speed_mps(&self, profile: Profile, conditions: &Conditions) -> f64 {
        let base = match profile {
            Profile::Walk => self.walk.flat_mps,
            Profile::SlowWalk => self.slow_walk.flat_mps,
            Profile::Wheelchair => self.wheelchair.flat_mps,
            Profile::Stretcher => self.stretcher.flat_mps,
            Profile::Car => self.car_mps,
        };
        base * self.factor(profile, conditions)
    }

    pub fn profile_usable(&self, profile: Profile, conditions: &Conditions) -> bool {
        !(profile == Profile::Wheelchair
            && matches!(conditions.weather, Weather::HeavySnow | Weather::Ice)
            && !self.wheelchair_in_heavy_snow)
    }

    /// The speed factor of `conditions` for `profile`: night and weather multiplied, with the
    /// cars' own weather factors for [`Profile::Car`] and the walkers' for every other profile.
    /// 0 when the profile cannot move at all ([`RoutingParams::profile_usable`]), which makes
    /// every edge unusable for it in every search.
    pub fn factor(&self, profile: Profile, conditions: &Conditions) -> f64 {
        if !self.profile_usable(profile, conditions) {
            return 0.0;
        }
        let night = if conditions.night {
            self.night_factor
        } else {
            1.0
        };
        let car = profile == Profile::Car;
        let weather = match conditions.weather {
            Weather::Clear => 1.0,
            Weather::Rain => self.rain_factor,
            Weather::Snow if car => self.car_snow_factor,
            Weather::Snow => self.snow_factor,
            Weather::HeavySnow if car => self.car_heavy_snow_factor,
            Weather::HeavySnow => self.heavy_snow_factor,
            Weather::Ice if car => self.car_ice_factor,
            Weather::Ice => self.ice_factor,
        };
        night * weather
    }

    /// Base speed in m/s of `profile` on `edge` traversed `from -> to` (`along`) or back, before
    /// condition factors; `None` if the profile may not use it that way.
    pub fn speed_mps(&self, profile: Profile, edge: &EdgeData, along: bool) -> Option<f64> {
        let foot = |s: &FootSpeeds| {
            if !edge.class.walkable() {
                None
            } else if edge.class == RoadClass::Steps {
                s.steps_mps
            } else {
                Some(s.flat_mps)
            }
        };
        match profile {
            Profile::Walk => foot(&self.walk),
            Profile::SlowWalk => foot(&self.slow_walk),
            Profile::Stretcher => foot(&self.stretcher),
            Profile::Wheelchair => match edge.wheelchair {
                Some(false) => None,
                // Steps tagged wheelchair=yes have a ramp: count them as flat.
                Some(true) if edge.class == RoadClass::Steps => Some(self.wheelchair.flat_mps),
                _ => foot(&self.wheelchair),
            },
            Profile::Car => edge.car_allowed(along).then_some(self.car_mps),
        }
    }

    /// Seconds to traverse `edge` (`along` = `from -> to`) for `profile` in `conditions`;
    /// `None` if unusable. A speed or factor that is not a positive finite number (a bad
    /// setting) makes the edge unusable rather than infinitely slow.
    pub fn edge_secs(
        &self,
        profile: Profile,
        conditions: &Conditions,
        edge: &EdgeData,
        along: bool,
    ) -> Option<f64> {
        let v = self.speed_mps(profile, edge, along)? * self.factor(profile, conditions);
        (v.is_finite() && v > 0.0).then(|| edge.length_m / v)
    }
}

/// Which way a search follows edges.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Times from the source to every node.
    Forward,
    /// Times from every node to the source (edges followed in reverse).
    Backward,
}

pub(super) const NONE: u32 = u32::MAX;

#[derive(Clone, Copy, Debug)]
pub(super) struct HeapEntry {
    pub(super) secs: f64,
    pub(super) node: u32,
}

impl PartialEq for HeapEntry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for HeapEntry {}
impl PartialOrd for HeapEntry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for HeapEntry {
    /// Reversed, so `BinaryHeap` (a max-heap) pops the smallest `(secs, node)` first.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .secs
            .total_cmp(&self.secs)
            .then(other.node.cmp(&self.node))
    }
}

/// The result of a bounded search, and its reusable workspace.
#[derive(Clone, Debug)]
pub struct SearchTree {
    source: Option<NodeId>,
    direction: Direction,
    max_secs: f64,
    /// Time at the source: 0 for [`one_to_many`], the departure time for
    /// [`earliest_arrival_into`](super::earliest_arrival_into).
    start_secs: f64,
    /// Seconds per node (from the start of the clock); infinite if not settled.
    secs: Vec<f64>,
    /// Edge to the predecessor (towards the source), `NONE` for the source and unreached nodes.
    pred: Vec<u32>,
    settled: Vec<NodeId>,
    heap: BinaryHeap<HeapEntry>,
}

impl Default for SearchTree {
    fn default() -> Self {
        Self::new()
    }
}

impl SearchTree {
    /// An empty workspace; sized on first use.
    pub fn new() -> Self {
        Self {
            source: None,
            direction: Direction::Forward,
            max_secs: 0.0,
            start_secs: 0.0,
            secs: Vec::new(),
            pred: Vec::new(),
            settled: Vec::new(),
            heap: BinaryHeap::new(),
        }
    }

    fn reset(&mut self, node_count: usize) {
        if self.secs.len() != node_count {
            self.secs = vec![f64::INFINITY; node_count];
            self.pred = vec![NONE; node_count];
        } else {
            for n in &self.settled {
                self.secs[n.index()] = f64::INFINITY;
                self.pred[n.index()] = NONE;
            }
        }
        self.settled.clear();
        self.heap.clear();
    }

    /// The source of the last search.
    pub fn source(&self) -> Option<NodeId> {
        self.source
    }

    pub fn direction(&self) -> Direction {
        self.direction
    }

    /// The bound of the last search, seconds (for a timed search, the latest arrival time).
    pub fn max_secs(&self) -> f64 {
        self.max_secs
    }

    /// The time at the source: 0 after [`one_to_many`], the departure time after
    /// [`earliest_arrival_into`](super::earliest_arrival_into).
    pub fn start_secs(&self) -> f64 {
        self.start_secs
    }

    /// Seconds between the source and `node` (in the search's direction), if `node` was
    /// reached within `max_secs`. After a timed search this is the absolute arrival time
    /// (seconds after the alert); [`SearchTree::travel_secs`] is the travel time.
    pub fn secs(&self, node: NodeId) -> Option<f64> {
        self.secs
            .get(node.index())
            .copied()
            .filter(|s| s.is_finite())
    }

    /// Travel seconds between the source and `node`: [`SearchTree::secs`] minus
    /// [`SearchTree::start_secs`].
    pub fn travel_secs(&self, node: NodeId) -> Option<f64> {
        self.secs(node).map(|s| s - self.start_secs)
    }

    /// Nodes reached, in settle order (non-decreasing seconds, ties by node id).
    pub fn settled(&self) -> &[NodeId] {
        &self.settled
    }

    /// Edges of the path between the source and `node`, in travel order (from the source for
    /// Forward, towards the source for Backward); `None` if `node` was not reached.
    pub fn path_edges(&self, graph: &RoadGraph, node: NodeId) -> Option<Vec<EdgeId>> {
        self.secs(node)?;
        let mut edges = Vec::new();
        let mut cur = node;
        while self.pred[cur.index()] != NONE {
            let e = EdgeId(self.pred[cur.index()]);
            edges.push(e);
            cur = graph.edge(e).other(cur);
        }
        if self.direction == Direction::Forward {
            edges.reverse();
        }
        Some(edges)
    }

    /// Every edge on the paths between the source and `nodes` (the part of the tree that
    /// leads to them), sorted and without repeats; unreached nodes add nothing.
    pub fn tree_edges_to(
        &self,
        graph: &RoadGraph,
        nodes: impl IntoIterator<Item = NodeId>,
    ) -> Vec<EdgeId> {
        let mut seen = std::collections::HashSet::new();
        let mut edges = Vec::new();
        for n in nodes {
            if self.secs(n).is_none() {
                continue;
            }
            let mut cur = n;
            while self.pred[cur.index()] != NONE && seen.insert(cur) {
                let e = EdgeId(self.pred[cur.index()]);
                edges.push(e);
                cur = graph.edge(e).other(cur);
            }
        }
        edges.sort_unstable();
        edges.dedup();
        edges
    }

    /// Nodes of the path between the source and `node` in travel order, both ends included;
    /// `None` if `node` was not reached.
    pub fn path(&self, graph: &RoadGraph, node: NodeId) -> Option<Vec<NodeId>> {
        let edges = self.path_edges(graph, node)?;
        let start = match self.direction {
            Direction::Forward => self.source?,
            Direction::Backward => node,
        };
        let mut nodes = Vec::with_capacity(edges.len() + 1);
        nodes.push(start);
        let mut cur = start;
        for e in edges {
            cur = graph.edge(e).other(cur);
            nodes.push(cur);
        }
        Some(nodes)
    }

    /// The path to or from `node` as a full [`Route`] (its `secs` is the travel time);
    /// `None` if not reached.
    pub fn route_to(&self, graph: &RoadGraph, node: NodeId) -> Option<Route> {
        let edges = self.path_edges(graph, node)?;
        let nodes = self.path(graph, node)?;
        Some(Route {
            coords: path_coords(graph, &nodes),
            length_m: path_length_m(graph, &edges),
            secs: self.travel_secs(node)?,
            nodes,
            edges,
        })
    }
}

/// Positions of `nodes`, for drawing a path.
pub fn path_coords(graph: &RoadGraph, nodes: &[NodeId]) -> Vec<LonLat> {
    nodes.iter().map(|n| graph.node(*n).pos).collect()
}

/// Summed length in metres of `edges`.
pub fn path_length_m(graph: &RoadGraph, edges: &[EdgeId]) -> f64 {
    edges.iter().map(|e| graph.edge(*e).length_m).sum()
}

/// A path with its geometry, length and time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Route {
    /// Nodes in travel order, both ends included.
    pub nodes: Vec<NodeId>,
    /// Edges in travel order.
    pub edges: Vec<EdgeId>,
    /// Positions of `nodes`.
    pub coords: Vec<LonLat>,
    /// Length in metres (haversine, summed over edges).
    pub length_m: f64,
    /// Travel time in seconds for the profile and conditions searched.
    pub secs: f64,
}

/// Bounded Dijkstra from (Forward) or to (Backward) `source`. Nodes farther than `max_secs`
/// (seconds; `f64::INFINITY` for no bound) are not reached. The source is always reached at
/// 0 s, even if `max_secs` is negative or NaN. Panics if `source` is not a node of `graph`.
#[allow(clippy::too_many_arguments)]
pub fn one_to_many(
    graph: &RoadGraph,
    profile: Profile,
    params: &RoutingParams,
    conditions: &Conditions,
    closures: &Closures,
    source: NodeId,
    direction: Direction,
    max_secs: f64,
) -> SearchTree {
    let mut tree = SearchTree::new();
    one_to_many_into(
        &mut tree, graph, profile, params, conditions, closures, source, direction, max_secs,
    );
    tree
}

/// [`one_to_many`] into a reused [`SearchTree`] (no allocation after the first search on a
/// graph of the same size).
#[allow(clippy::too_many_arguments)]
pub fn one_to_many_into(
    tree: &mut SearchTree,
    graph: &RoadGraph,
    profile: Profile,
    params: &RoutingParams,
    conditions: &Conditions,
    closures: &Closures,
    source: NodeId,
    direction: Direction,
    max_secs: f64,
) {
    search(
        tree, graph, profile, params, conditions, closures, source, direction, 0.0, max_secs, None,
        None,
    );
}

/// When edges close, for a timed search: edge `e` may be left at time `t` only if
/// `t + margin_secs <= clock.closes_at(e)`.
#[derive(Clone, Copy)]
pub(super) struct Deadlines<'a> {
    pub(super) clock: &'a EdgeClock,
    pub(super) margin_secs: f64,
}

/// Whether an edge left at `exit_secs` is left in time: `exit + margin <= closes`. False if
/// any value is NaN, so a bad margin closes rather than opens.
pub(super) fn in_time(exit_secs: f64, margin_secs: f64, closes_at: f64) -> bool {
    exit_secs + margin_secs <= closes_at
}

/// The one Dijkstra behind [`one_to_many`], [`route`] and
/// [`earliest_arrival_into`](super::earliest_arrival_into): labels start at `start_secs` at
/// the source; with `deadlines`, an edge is relaxed only if it is left in time.
#[allow(clippy::too_many_arguments)]
pub(super) fn search(
    tree: &mut SearchTree,
    graph: &RoadGraph,
    profile: Profile,
    params: &RoutingParams,
    conditions: &Conditions,
    closures: &Closures,
    source: NodeId,
    direction: Direction,
    start_secs: f64,
    max_secs: f64,
    target: Option<NodeId>,
    deadlines: Option<Deadlines<'_>>,
) {
    assert!(
        source.index() < graph.node_count(),
        "source {source:?} not in graph"
    );
    tree.reset(graph.node_count());
    tree.source = Some(source);
    tree.direction = direction;
    tree.max_secs = max_secs;
    tree.start_secs = start_secs;

    let factor = params.factor(profile, conditions);
    let ok = |v: f64| (v.is_finite() && v > 0.0).then_some(v);

    tree.secs[source.index()] = start_secs;
    tree.heap.push(HeapEntry {
        secs: start_secs,
        node: source.0,
    });
    while let Some(HeapEntry { secs: d, node: u }) = tree.heap.pop() {
        if d > tree.secs[u as usize] {
            continue; // stale entry
        }
        tree.settled.push(NodeId(u));
        if target.is_some_and(|t| t.0 == u) {
            // Leave the rest of the heap unsettled; their times are not final.
            for e in tree.heap.drain() {
                if e.secs == tree.secs[e.node as usize] {
                    tree.secs[e.node as usize] = f64::INFINITY;
                    tree.pred[e.node as usize] = NONE;
                }
            }
            break;
        }
        for inc in graph.incidences(NodeId(u)) {
            if closures.is_closed(EdgeId(inc.edge)) {
                continue;
            }
            let edge = graph.edge(EdgeId(inc.edge));
            let along = match direction {
                Direction::Forward => inc.along,
                Direction::Backward => !inc.along,
            };
            let Some(v) = params
                .speed_mps(profile, edge, along)
                .and_then(|s| ok(s * factor))
            else {
                continue;
            };
            let nd = d + edge.length_m / v;
            if let Some(dl) = deadlines
                && !in_time(nd, dl.margin_secs, dl.clock.closes_at(EdgeId(inc.edge)))
            {
                continue; // the edge closes before (or too soon after) we would leave it
            }
            let w = inc.other as usize;
            if nd <= max_secs && nd < tree.secs[w] {
                tree.secs[w] = nd;
                tree.pred[w] = inc.edge;
                tree.heap.push(HeapEntry {
                    secs: nd,
                    node: inc.other,
                });
            }
        }
    }
}

/// The fastest route from `from` to `to` for `profile`, or `None` if `to` cannot be reached.
/// Stops as soon as `to` is settled.
pub fn route(
    graph: &RoadGraph,
    profile: Profile,
    params: &RoutingParams,
    conditions: &Conditions,
    closures: &Closures,
    from: NodeId,
    to: NodeId,
) -> Option<Route> {
    let mut tree = SearchTree::new();
    search(
        &mut tree,
        graph,
        profile,
        params,
        conditions,
        closures,
        from,
        Direction::Forward,
        0.0,
        f64::INFINITY,
        Some(to),
        None,
    );
    tree.route_to(graph, to)
}

impl RoadGraph {
    /// Snaps `p` onto the nearest edge that `profile` can use in at least one direction and
    /// that is not closed (see [`RoadGraph::snap_where`]), so a wheelchair user is not snapped
    /// onto a staircase or a walker onto a motorway.
    pub fn snap_for(
        &self,
        p: LonLat,
        profile: Profile,
        params: &RoutingParams,
        closures: &Closures,
    ) -> Option<Snap> {
        self.snap_where(p, |id, e| {
            !closures.is_closed(id)
                && (params.speed_mps(profile, e, true).is_some()
                    || params.speed_mps(profile, e, false).is_some())
        })
    }
}
