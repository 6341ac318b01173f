//! Time-dependent routing: roads that close when the water arrives.
//!
//! Time is seconds after the alert (t = 0). An [`EdgeClock`] gives, for one profile, the time
//! each edge closes (water too deep for that profile reaches it); `f64::INFINITY` means never.
//! An edge may be used if the traveller leaves it (reaches its far node) at `t_exit` with
//! `t_exit + margin_secs <= closes_at(e)`. The static [`Closures`] still apply: a closed edge is
//! unusable at any time.
//!
//! # Why label-setting is exact here
//!
//! Speeds do not depend on time, so an edge is FIFO: leaving its start earlier never makes one
//! leave its end later, and an edge usable when left at `t` is usable when left earlier. So
//! waiting never helps, and both searches are plain Dijkstras on times:
//!
//! - [`earliest_arrival_into`]: forward, labels are absolute arrival times; an edge is relaxed
//!   only if it is left in time. It is the same code as [`one_to_many`](super::one_to_many)
//!   with a start time and the deadline test, writing into a [`SearchTree`].
//! - [`latest_departure_into`]: backward from a target one must reach by `arrive_by_secs`; the
//!   label of a node is the latest time one may leave it. Through edge `e` from `u` into a
//!   settled `v` with travel time `t_e`: `L(u) = min(L(v), closes_at(e) - margin) - t_e`,
//!   maximised; nodes are settled in decreasing `L` (ties by node id). Without closing edges
//!   `L(u) = arrive_by - shortest time`, so it settles nearest-first like Dijkstra.
//!
//! Both reuse their workspace (no allocation after the first search on a graph of the same
//! size) and are bounded. Key types: [`EdgeClock`], [`LatestTree`].

use super::hazard::{Closures, for_edges_meeting};
use super::route::{Deadlines, NONE, Profile, Route, RoutingParams, in_time, search};
use super::route::{path_coords, path_length_m};
use super::{Conditions, Direction, EdgeId, NodeId, RoadGraph, SearchTree};
use geo::MultiPolygon;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// When each edge closes for one profile, seconds after the alert; `f64::INFINITY` = never.
/// Closed-from-the-start edges are `0.0` or `f64::NEG_INFINITY`. Cheap to clone; one per
/// profile.
#[derive(Clone, Debug, PartialEq)]
pub struct EdgeClock {
    closes: Vec<f64>,
}

impl EdgeClock {
    /// Every edge of `graph` open forever.
    pub fn open(graph: &RoadGraph) -> Self {
        Self::with_len(graph.edge_count())
    }

    /// Every edge open forever, for a graph of `edge_count` edges.
    pub fn with_len(edge_count: usize) -> Self {
        Self {
            closes: vec![f64::INFINITY; edge_count],
        }
    }

    /// Number of edges covered (the graph's edge count).
    pub fn len(&self) -> usize {
        self.closes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.closes.is_empty()
    }

    /// When edge `e` closes, seconds after the alert. Edges beyond the clock's length never
    /// close, so an empty clock means "nothing closes" for any graph.
    pub fn closes_at(&self, e: EdgeId) -> f64 {
        self.closes.get(e.index()).copied().unwrap_or(f64::INFINITY)
    }

    /// Closes edge `e` at `secs`, keeping the earlier of the old and the new time (several
    /// zones over one road: the first water closes it). A NaN time is ignored. Panics if `e`
    /// is beyond the clock's length (an id from another graph).
    pub fn close_at(&mut self, e: EdgeId, secs: f64) {
        let len = self.closes.len();
        let slot = self
            .closes
            .get_mut(e.index())
            .unwrap_or_else(|| panic!("edge {} beyond a clock of {len} edges", e.index()));
        if secs < *slot {
            *slot = secs;
        }
    }

    /// Closes at `secs` every edge that intersects (or touches) `area`, given in
    /// `(lon, lat)`: exactly the edges [`close_polygon`](super::close_polygon) closes. Edges
    /// already closing at or before `secs` are not tested again.
    pub fn close_polygon_at(&mut self, graph: &RoadGraph, area: &MultiPolygon<f64>, secs: f64) {
        if secs.is_nan() {
            return;
        }
        for poly in area {
            for_edges_meeting(
                graph,
                poly,
                self,
                |clock, e| clock.closes_at(e) <= secs,
                |clock, e| clock.close_at(e, secs),
            );
        }
    }

    /// Whether some edge closes at all (its close time is below infinity).
    pub fn any_closing(&self) -> bool {
        self.closes.iter().any(|t| *t < f64::INFINITY)
    }
}

/// Forward earliest arrival: leave `source` at `depart_secs` (seconds after the alert) and
/// reach every node as early as possible, using an edge only if it is left at `t_exit` with
/// `t_exit + margin_secs <= clock.closes_at(e)` and it is not in `closures`.
///
/// Afterwards [`SearchTree::secs`] is the absolute arrival time,
/// [`SearchTree::travel_secs`] the travel time, and `path`/`path_edges`/`route_to` work as
/// after [`one_to_many`](super::one_to_many) (`route_to` gives the travel time). Nodes whose
/// arrival exceeds `max_arrival_secs` are not reached; the source is always reached at
/// `depart_secs`. Settle order: non-decreasing arrival, ties by node id. A NaN margin closes
/// every edge. Panics if `source` is not a node of `graph`.
#[allow(clippy::too_many_arguments)]
pub fn earliest_arrival_into(
    tree: &mut SearchTree,
    graph: &RoadGraph,
    profile: Profile,
    params: &RoutingParams,
    conditions: &Conditions,
    closures: &Closures,
    clock: &EdgeClock,
    margin_secs: f64,
    source: NodeId,
    depart_secs: f64,
    max_arrival_secs: f64,
) {
    search(
        tree,
        graph,
        profile,
        params,
        conditions,
        closures,
        source,
        Direction::Forward,
        depart_secs,
        max_arrival_secs,
        None,
        Some(Deadlines { clock, margin_secs }),
    );
}

#[derive(Clone, Copy, Debug)]
struct LatestEntry {
    latest: f64,
    node: u32,
}

impl PartialEq for LatestEntry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for LatestEntry {}
impl PartialOrd for LatestEntry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for LatestEntry {
    /// `BinaryHeap` (a max-heap) pops the latest departure first, ties to the lowest node id.
    fn cmp(&self, other: &Self) -> Ordering {
        self.latest
            .total_cmp(&other.latest)
            .then(other.node.cmp(&self.node))
    }
}

/// The result of [`latest_departure_into`], and its reusable workspace.
#[derive(Clone, Debug, Default)]
pub struct LatestTree {
    target: Option<NodeId>,
    arrive_by_secs: f64,
    /// Latest departure per node; `-inf` if not settled.
    latest: Vec<f64>,
    /// Travel seconds along the tree path to the target.
    travel: Vec<f64>,
    /// Next edge towards the target, `NONE` for the target and unreached nodes.
    next: Vec<u32>,
    settled: Vec<NodeId>,
    /// Nodes given a label (settled or still queued), to reset.
    touched: Vec<NodeId>,
    heap: BinaryHeap<LatestEntry>,
}

impl LatestTree {
    /// An empty workspace; sized on first use.
    pub fn new() -> Self {
        Self::default()
    }

    fn reset(&mut self, node_count: usize) {
        if self.latest.len() != node_count {
            self.latest = vec![f64::NEG_INFINITY; node_count];
            self.travel = vec![f64::INFINITY; node_count];
            self.next = vec![NONE; node_count];
        } else {
            for n in &self.touched {
                self.latest[n.index()] = f64::NEG_INFINITY;
                self.travel[n.index()] = f64::INFINITY;
                self.next[n.index()] = NONE;
            }
        }
        self.touched.clear();
        self.settled.clear();
        self.heap.clear();
    }

    /// The target of the last search.
    pub fn target(&self) -> Option<NodeId> {
        self.target
    }

    /// The arrival deadline of the last search, seconds after the alert.
    pub fn arrive_by_secs(&self) -> f64 {
        self.arrive_by_secs
    }

    /// The latest time one may leave `n` and still reach the target in time (seconds after
    /// the alert), if `n` was settled.
    pub fn latest(&self, n: NodeId) -> Option<f64> {
        self.latest
            .get(n.index())
            .copied()
            .filter(|l| *l > f64::NEG_INFINITY)
    }

    /// Travel seconds along the tree path from `n` to the target, if `n` was settled.
    pub fn travel_secs(&self, n: NodeId) -> Option<f64> {
        self.latest(n)?;
        Some(self.travel[n.index()])
    }

    /// Nodes settled, in decreasing latest departure (ties by node id); the target first.
    pub fn settled(&self) -> &[NodeId] {
        &self.settled
    }

    /// Edges of the tree path from `n` to the target, in travel order; `None` if `n` was not
    /// settled.
    pub fn path_edges(&self, graph: &RoadGraph, n: NodeId) -> Option<Vec<EdgeId>> {
        self.latest(n)?;
        let mut edges = Vec::new();
        let mut cur = n;
        while self.next[cur.index()] != NONE {
            let e = EdgeId(self.next[cur.index()]);
            edges.push(e);
            cur = graph.edge(e).other(cur);
        }
        Some(edges)
    }

    /// Nodes of the tree path from `n` to the target in travel order, both ends included;
    /// `None` if `n` was not settled.
    pub fn path(&self, graph: &RoadGraph, n: NodeId) -> Option<Vec<NodeId>> {
        let edges = self.path_edges(graph, n)?;
        let mut nodes = Vec::with_capacity(edges.len() + 1);
        nodes.push(n);
        let mut cur = n;
        for e in edges {
            cur = graph.edge(e).other(cur);
            nodes.push(cur);
        }
        Some(nodes)
    }

    /// The tree path from `n` to the target as a [`Route`] (`secs` = travel time); `None` if
    /// `n` was not settled.
    pub fn route_from(&self, graph: &RoadGraph, n: NodeId) -> Option<Route> {
        let edges = self.path_edges(graph, n)?;
        let nodes = self.path(graph, n)?;
        Some(Route {
            coords: path_coords(graph, &nodes),
            length_m: path_length_m(graph, &edges),
            secs: self.travel_secs(n)?,
            nodes,
            edges,
        })
    }
}

/// Backward latest departure: one must be at `target` by `arrive_by_secs`. For every node,
/// the latest time one may leave it and still reach `target` in time, moving along edges in
/// their travel direction for `profile` (car one-ways respected towards the target), using
/// an edge only if it is left at `t_exit` with `t_exit + margin_secs <= clock.closes_at(e)`
/// and it is not in `closures`.
///
/// Settles nodes in decreasing latest departure (ties by node id); the target is always
/// settled with `arrive_by_secs`, which should be finite (with infinity, every node whose
/// paths meet no closing edge ties at infinity, and its tree path is then not the shortest).
/// Bounds:
/// - nodes whose latest departure is below `min_depart_secs` are not settled (exact: they
///   would have been settled last);
/// - a path is extended only while its travel time to the target stays within
///   `max_travel_secs`. When this bound does not bind, every label is the exact maximum over
///   all paths. When it binds it prunes: a settled label is always the latest departure of a
///   real, feasible path within the bound (safe), but a node whose latest-departing path
///   uses up the budget may lose a slower-departing, shorter alternative beyond it. Pass
///   `f64::INFINITY` for no bound.
///
/// Panics if `target` is not a node of `graph`.
#[allow(clippy::too_many_arguments)]
pub fn latest_departure_into(
    tree: &mut LatestTree,
    graph: &RoadGraph,
    profile: Profile,
    params: &RoutingParams,
    conditions: &Conditions,
    closures: &Closures,
    clock: &EdgeClock,
    margin_secs: f64,
    target: NodeId,
    arrive_by_secs: f64,
    min_depart_secs: f64,
    max_travel_secs: f64,
) {
    assert!(
        target.index() < graph.node_count(),
        "target {target:?} not in graph"
    );
    tree.reset(graph.node_count());
    tree.target = Some(target);
    tree.arrive_by_secs = arrive_by_secs;

    let factor = params.factor(profile, conditions);
    let ok = |v: f64| (v.is_finite() && v > 0.0).then_some(v);

    tree.latest[target.index()] = arrive_by_secs;
    tree.travel[target.index()] = 0.0;
    tree.touched.push(target);
    tree.heap.push(LatestEntry {
        latest: arrive_by_secs,
        node: target.0,
    });
    while let Some(LatestEntry {
        latest: lv,
        node: v,
    }) = tree.heap.pop()
    {
        if lv < tree.latest[v as usize] {
            continue; // stale entry
        }
        tree.settled.push(NodeId(v));
        let travel_v = tree.travel[v as usize];
        for inc in graph.incidences(NodeId(v)) {
            let e = EdgeId(inc.edge);
            if closures.is_closed(e) {
                continue;
            }
            let edge = graph.edge(e);
            // The traveller goes from `inc.other` into `v`: against the incidence's direction.
            let Some(speed) = params
                .speed_mps(profile, edge, !inc.along)
                .and_then(|s| ok(s * factor))
            else {
                continue;
            };
            let t_e = edge.length_m / speed;
            let closes = clock.closes_at(e);
            // Leave the edge by L(v), and early enough to be off it `margin` before it closes.
            // (`f64::min` ignores a NaN; the `in_time` test below then rejects it.)
            let mut lu = lv.min(closes - margin_secs) - t_e;
            // Rounding: step down until a traveller leaving `u` at `lu` really arrives by L(v)
            // and in time in floating point too, so the forward search agrees (a few ulps of
            // the arrival time; the step doubles, so this ends quickly).
            if lu.is_finite() {
                let mut step = f64::EPSILON * (lu + t_e).abs().max(lu.abs());
                for _ in 0..64 {
                    let a = lu + t_e;
                    if a <= lv && in_time(a, margin_secs, closes) {
                        break;
                    }
                    lu -= step;
                    step *= 2.0;
                }
            }
            let arrive = lu + t_e;
            let travel_u = travel_v + t_e;
            let u = inc.other as usize;
            // `lu >= min_depart` also rejects NaN (a NaN margin closes every edge).
            if lu >= min_depart_secs
                && arrive <= lv
                && in_time(arrive, margin_secs, closes)
                && travel_u <= max_travel_secs
                && lu > tree.latest[u]
            {
                if tree.latest[u] == f64::NEG_INFINITY {
                    tree.touched.push(NodeId(inc.other));
                }
                tree.latest[u] = lu;
                tree.travel[u] = travel_u;
                tree.next[u] = inc.edge;
                tree.heap.push(LatestEntry {
                    latest: lu,
                    node: inc.other,
                });
            }
        }
    }
}
