//! Building the [`RoadGraph`] from roads: vertex merging, edges, CSR adjacency, connected
//! components, and snapping points onto the network.
//!
//! Nodes sit at road vertices. A vertex becomes an existing node when that node lies within
//! [`GraphParams::merge_tolerance_m`] in the planar frame (the nearest such node, ties to the
//! lowest id); otherwise it becomes a new node at the vertex's own position. Vertices are visited
//! in road order then vertex order, so the result depends only on the input. Merging is greedy,
//! not transitive: with tolerance 0.5 m, vertices 0.4 m and 0.8 m east of a node give one merge
//! and one new node. Nodes left without edges (a road whose vertices all merged into one point)
//! are dropped, so every node has at least one edge.
//!
//! Each consecutive vertex pair of a road becomes one edge from the earlier to the later vertex
//! (so the road's `oneway` carries over unchanged); pairs that merged into one node are skipped.
//! Edge length is the haversine distance between the two nodes.

use super::{EdgeId, NetworkError, NodeId};
use crate::model::{LonLat, Oneway, Road, RoadClass, RoadId};
use crate::spatial::Frame;
use rstar::primitives::{GeomWithData, Line};
use rstar::{AABB, RTree};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Settings for building and snapping.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GraphParams {
    /// Vertices of different roads closer than this (planar metres, inclusive) become one node.
    /// 0.5 m: well below the width of a lane, above the rounding noise of OSM and GSI
    /// coordinates (7 decimals ≈ 1 cm). 0 merges only identical points.
    pub merge_tolerance_m: f64,
    /// A point farther than this (metres, haversine) from its snapped node is off-network
    /// ([`Snap::off_network`]). 300 m: a long way for a person needing support to be carried
    /// before any road, so such homes are flagged for a human to check.
    pub max_snap_m: f64,
}

impl Default for GraphParams {
    fn default() -> Self {
        Self {
            merge_tolerance_m: 0.5,
            max_snap_m: 300.0,
        }
    }
}

/// A graph node: a (merged) road vertex.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct NodeData {
    /// Position (the first vertex that created the node).
    pub pos: LonLat,
    /// Position in the graph's planar frame, metres.
    pub xy: [f64; 2],
}

/// A graph edge: one road segment, usable in both directions on foot; cars follow `oneway`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EdgeData {
    /// Start node (the earlier vertex in the road's coordinate order).
    pub from: NodeId,
    /// End node.
    pub to: NodeId,
    /// Haversine length in metres, > 0.
    pub length_m: f64,
    pub class: RoadClass,
    pub bridge: bool,
    pub tunnel: bool,
    /// Car direction relative to `from -> to`.
    pub oneway: Oneway,
    /// OSM `wheelchair` tag of the road.
    pub wheelchair: Option<bool>,
    /// The road this segment belongs to.
    pub road: RoadId,
}

impl EdgeData {
    /// Whether a car may drive this edge `from -> to` (`along`) or `to -> from` (`!along`).
    pub fn car_allowed(&self, along: bool) -> bool {
        self.class.drivable()
            && match self.oneway {
                Oneway::No => true,
                Oneway::Forward => along,
                Oneway::Backward => !along,
            }
    }

    /// The node at the other end from `n` (assumes `n` is an end).
    pub fn other(&self, n: NodeId) -> NodeId {
        if n == self.from { self.to } else { self.from }
    }
}

/// One entry of a node's adjacency: the edge, the node at its other end, and whether leaving
/// this node along the edge goes `from -> to`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Incidence {
    pub edge: u32,
    pub other: u32,
    pub along: bool,
}

/// Index of an undirected connected component, numbered in order of each component's lowest
/// node id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ComponentId(pub u32);

/// Where a point meets the network.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Snap {
    /// The end node of the nearest segment that is nearer to the point's projection on it.
    pub node: NodeId,
    /// Haversine distance in metres from the point to `node`: the part of the trip the graph
    /// does not see.
    pub distance_m: f64,
    /// The nearest segment.
    pub edge: EdgeId,
    /// Planar distance in metres from the point to that segment.
    pub segment_distance_m: f64,
    /// `distance_m > GraphParams::max_snap_m`: the point is too far from any road to trust a
    /// route from it; callers should report it instead of routing silently.
    pub off_network: bool,
}

type SegmentTree = RTree<GeomWithData<Line<[f64; 2]>, u32>>;

/// The road graph. See the [module docs](super) for why it is a CSR and not a `petgraph::Graph`.
#[derive(Clone, Debug)]
pub struct RoadGraph {
    frame: Frame,
    params: GraphParams,
    nodes: Vec<NodeData>,
    edges: Vec<EdgeData>,
    /// CSR: incidences of node `n` are `incidences[offsets[n]..offsets[n + 1]]`, by edge id.
    offsets: Vec<u32>,
    incidences: Vec<Incidence>,
    road_ext_ids: Vec<String>,
    component: Vec<u32>,
    component_sizes: Vec<u32>,
    segments: SegmentTree,
}

fn valid_lonlat(p: LonLat) -> bool {
    p.lon.is_finite() && p.lat.is_finite() && p.lon.abs() <= 180.0 && p.lat.abs() <= 90.0
}

impl RoadGraph {
    /// Builds the graph from `roads` (indexed by [`RoadId`]) in `frame`.
    ///
    /// Errors: a non-finite or out-of-range coordinate (with the road's ext id and vertex
    /// index), an invalid parameter, or more vertices than fit a `u32`. Roads with fewer than
    /// two vertices contribute nothing.
    pub fn build(roads: &[Road], frame: Frame, params: GraphParams) -> Result<Self, NetworkError> {
        if !(params.merge_tolerance_m.is_finite() && params.merge_tolerance_m >= 0.0) {
            return Err(NetworkError::BadParam {
                name: "merge_tolerance_m",
                value: params.merge_tolerance_m,
                expected: "a finite number >= 0",
            });
        }
        if params.max_snap_m.is_nan() || params.max_snap_m < 0.0 {
            return Err(NetworkError::BadParam {
                name: "max_snap_m",
                value: params.max_snap_m,
                expected: "a number >= 0",
            });
        }
        let mut vertex_count = 0usize;
        for road in roads {
            for (vertex, &p) in road.coords.iter().enumerate() {
                if !valid_lonlat(p) {
                    return Err(NetworkError::BadCoordinate {
                        road_ext_id: road.ext_id.clone(),
                        vertex,
                        lon: p.lon,
                        lat: p.lat,
                    });
                }
            }
            vertex_count += road.coords.len();
        }
        let max = u32::MAX as usize - 1;
        if vertex_count > max {
            return Err(NetworkError::TooLarge {
                count: vertex_count,
                max,
            });
        }

        let tol = params.merge_tolerance_m;
        let cell = if tol > 0.0 { tol } else { 1.0 };
        let cell_of = |xy: [f64; 2]| ((xy[0] / cell).floor() as i64, (xy[1] / cell).floor() as i64);
        let mut grid: HashMap<(i64, i64), Vec<u32>> = HashMap::new();
        let mut nodes: Vec<NodeData> = Vec::new();
        let mut edges: Vec<EdgeData> = Vec::new();

        for (ri, road) in roads.iter().enumerate() {
            if road.coords.len() < 2 {
                continue;
            }
            let mut prev: Option<u32> = None;
            for &p in &road.coords {
                let xy = frame.to_xy(p);
                let (cx, cy) = cell_of(xy);
                let mut best: Option<(f64, u32)> = None;
                for dx in -1..=1 {
                    for dy in -1..=1 {
                        let Some(ids) = grid.get(&(cx + dx, cy + dy)) else {
                            continue;
                        };
                        for &id in ids {
                            let q = nodes[id as usize].xy;
                            let d = ((q[0] - xy[0]).powi(2) + (q[1] - xy[1]).powi(2)).sqrt();
                            if d <= tol && best.is_none_or(|(bd, bid)| (d, id) < (bd, bid)) {
                                best = Some((d, id));
                            }
                        }
                    }
                }
                let node = match best {
                    Some((_, id)) => id,
                    None => {
                        let id = nodes.len() as u32;
                        nodes.push(NodeData { pos: p, xy });
                        grid.entry((cx, cy)).or_default().push(id);
                        id
                    }
                };
                if let Some(from) = prev
                    && from != node
                {
                    let length_m = nodes[from as usize]
                        .pos
                        .distance_m(nodes[node as usize].pos);
                    if length_m > 0.0 {
                        edges.push(EdgeData {
                            from: NodeId(from),
                            to: NodeId(node),
                            length_m,
                            class: road.class,
                            bridge: road.bridge,
                            tunnel: road.tunnel,
                            oneway: road.oneway,
                            wheelchair: road.wheelchair,
                            road: RoadId(ri as u32),
                        });
                    }
                }
                prev = Some(node);
            }
        }

        // Drop nodes without edges, keeping the creation order of the others.
        let mut used = vec![false; nodes.len()];
        for e in &edges {
            used[e.from.index()] = true;
            used[e.to.index()] = true;
        }
        let mut renumber = vec![u32::MAX; nodes.len()];
        let mut kept = Vec::with_capacity(nodes.len());
        for (i, n) in nodes.into_iter().enumerate() {
            if used[i] {
                renumber[i] = kept.len() as u32;
                kept.push(n);
            }
        }
        let nodes = kept;
        for e in &mut edges {
            e.from = NodeId(renumber[e.from.index()]);
            e.to = NodeId(renumber[e.to.index()]);
        }

        // CSR adjacency, each node's incidences in edge order.
        let mut offsets = vec![0u32; nodes.len() + 1];
        for e in &edges {
            offsets[e.from.index() + 1] += 1;
            offsets[e.to.index() + 1] += 1;
        }
        for i in 0..nodes.len() {
            offsets[i + 1] += offsets[i];
        }
        let mut fill = offsets.clone();
        let mut incidences = vec![
            Incidence {
                edge: 0,
                other: 0,
                along: false
            };
            edges.len() * 2
        ];
        for (ei, e) in edges.iter().enumerate() {
            for (at, other, along) in [(e.from, e.to, true), (e.to, e.from, false)] {
                let slot = &mut fill[at.index()];
                incidences[*slot as usize] = Incidence {
                    edge: ei as u32,
                    other: other.0,
                    along,
                };
                *slot += 1;
            }
        }

        // Undirected components via petgraph's union-find, labelled by lowest node id.
        let mut uf = petgraph::unionfind::UnionFind::<u32>::new(nodes.len());
        for e in &edges {
            uf.union(e.from.0, e.to.0);
        }
        let mut label_of_root = vec![u32::MAX; nodes.len()];
        let mut component = Vec::with_capacity(nodes.len());
        let mut component_sizes: Vec<u32> = Vec::new();
        for i in 0..nodes.len() as u32 {
            let root = uf.find_mut(i) as usize;
            if label_of_root[root] == u32::MAX {
                label_of_root[root] = component_sizes.len() as u32;
                component_sizes.push(0);
            }
            let c = label_of_root[root];
            component_sizes[c as usize] += 1;
            component.push(c);
        }

        let segments = RTree::bulk_load(
            edges
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    GeomWithData::new(
                        Line::new(nodes[e.from.index()].xy, nodes[e.to.index()].xy),
                        i as u32,
                    )
                })
                .collect(),
        );

        Ok(Self {
            frame,
            params,
            nodes,
            edges,
            offsets,
            incidences,
            road_ext_ids: roads.iter().map(|r| r.ext_id.clone()).collect(),
            component,
            component_sizes,
            segments,
        })
    }

    pub fn frame(&self) -> &Frame {
        &self.frame
    }

    pub fn params(&self) -> &GraphParams {
        &self.params
    }

    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    pub fn edge_count(&self) -> usize {
        self.edges.len()
    }

    /// The node `id`. Panics if `id` is not from this graph.
    pub fn node(&self, id: NodeId) -> &NodeData {
        &self.nodes[id.index()]
    }

    /// The edge `id`. Panics if `id` is not from this graph.
    pub fn edge(&self, id: EdgeId) -> &EdgeData {
        &self.edges[id.index()]
    }

    pub fn node_ids(&self) -> impl Iterator<Item = NodeId> + '_ {
        (0..self.nodes.len() as u32).map(NodeId)
    }

    /// Every edge with its id, in id order.
    pub fn edges(&self) -> impl Iterator<Item = (EdgeId, &EdgeData)> + '_ {
        self.edges
            .iter()
            .enumerate()
            .map(|(i, e)| (EdgeId(i as u32), e))
    }

    /// Edges touching `node` with the node at their other end, in edge id order.
    pub fn neighbours(&self, node: NodeId) -> impl Iterator<Item = (EdgeId, NodeId)> + '_ {
        self.incidences(node)
            .iter()
            .map(|i| (EdgeId(i.edge), NodeId(i.other)))
    }

    pub(crate) fn incidences(&self, node: NodeId) -> &[Incidence] {
        let (a, b) = (self.offsets[node.index()], self.offsets[node.index() + 1]);
        &self.incidences[a as usize..b as usize]
    }

    /// External id of a road the graph was built from. Panics if `road` is out of range.
    pub fn road_ext_id(&self, road: RoadId) -> &str {
        &self.road_ext_ids[road.index()]
    }

    /// Number of roads the graph was built from.
    pub fn road_count(&self) -> usize {
        self.road_ext_ids.len()
    }

    /// The edge as a straight line in `(lon, lat)` degrees.
    pub fn edge_line(&self, id: EdgeId) -> geo::Line<f64> {
        let e = &self.edges[id.index()];
        let (a, b) = (self.nodes[e.from.index()].pos, self.nodes[e.to.index()].pos);
        geo::Line::new((a.lon, a.lat), (b.lon, b.lat))
    }

    /// Edges whose planar bounding box meets the planar box `[lo, hi]` (metres), in no order.
    pub(crate) fn edges_in_box(
        &self,
        lo: [f64; 2],
        hi: [f64; 2],
    ) -> impl Iterator<Item = u32> + '_ {
        self.segments
            .locate_in_envelope_intersecting(&AABB::from_corners(lo, hi))
            .map(|g| g.data)
    }

    /// Undirected connected component of `node` (all edges count, whatever their class).
    pub fn component(&self, node: NodeId) -> ComponentId {
        ComponentId(self.component[node.index()])
    }

    pub fn component_count(&self) -> usize {
        self.component_sizes.len()
    }

    /// Number of nodes in component `c`.
    pub fn component_size(&self, c: ComponentId) -> usize {
        self.component_sizes[c.0 as usize] as usize
    }

    /// The component with the most nodes (ties to the lowest id); `None` for an empty graph.
    pub fn largest_component(&self) -> Option<ComponentId> {
        let mut best: Option<(u32, u32)> = None;
        for (c, &size) in self.component_sizes.iter().enumerate() {
            if best.is_none_or(|(_, bs)| size > bs) {
                best = Some((c as u32, size));
            }
        }
        best.map(|(c, _)| ComponentId(c))
    }

    /// Snaps `p` to the network: the nearest segment (ties to the lowest edge id), then the end
    /// of it nearer to `p`'s projection (ties to the lower node id). `None` only if the graph
    /// has no edges or `p` is not finite. A point beyond [`GraphParams::max_snap_m`] still gets
    /// a snap, flagged [`Snap::off_network`].
    pub fn snap(&self, p: LonLat) -> Option<Snap> {
        self.snap_where(p, |_, _| true)
    }

    /// Like [`RoadGraph::snap`] but only onto edges for which `keep` is true (e.g. usable by a
    /// profile and not closed, or in the largest component). Walks segments outward from `p`,
    /// so a rare `keep` can cost a scan of the whole graph.
    pub fn snap_where(
        &self,
        p: LonLat,
        mut keep: impl FnMut(EdgeId, &EdgeData) -> bool,
    ) -> Option<Snap> {
        if !(p.lon.is_finite() && p.lat.is_finite()) {
            return None;
        }
        let q = self.frame.to_xy(p);
        let mut best: Option<(f64, u32)> = None;
        for (g, d2) in self.segments.nearest_neighbor_iter_with_distance_2(&q) {
            if best.is_some_and(|(bd2, _)| d2 > bd2) {
                break;
            }
            if !keep(EdgeId(g.data), &self.edges[g.data as usize]) {
                continue;
            }
            if best.is_none_or(|(bd2, be)| (d2, g.data) < (bd2, be)) {
                best = Some((d2, g.data));
            }
        }
        let (d2, e) = best?;
        let edge = &self.edges[e as usize];
        let (a, b) = (
            self.nodes[edge.from.index()].xy,
            self.nodes[edge.to.index()].xy,
        );
        let proj = Line::new(a, b).nearest_point(&q);
        let da = (proj[0] - a[0]).powi(2) + (proj[1] - a[1]).powi(2);
        let db = (proj[0] - b[0]).powi(2) + (proj[1] - b[1]).powi(2);
        let node = if da < db || (da == db && edge.from < edge.to) {
            edge.from
        } else {
            edge.to
        };
        let distance_m = p.distance_m(self.nodes[node.index()].pos);
        Some(Snap {
            node,
            distance_m,
            edge: EdgeId(e),
            segment_distance_m: d2.sqrt(),
            off_network: distance_m > self.params.max_snap_m,
        })
    }

    /// The graph as a `petgraph` undirected graph (node weight = our [`NodeId`], edge weight =
    /// our [`EdgeId`]; petgraph indices equal ours), for petgraph's algorithms.
    pub fn to_petgraph(&self) -> petgraph::graph::UnGraph<NodeId, EdgeId> {
        let mut g = petgraph::graph::UnGraph::with_capacity(self.nodes.len(), self.edges.len());
        for id in self.node_ids() {
            g.add_node(id);
        }
        for (id, e) in self.edges() {
            g.add_edge(e.from.0.into(), e.to.0.into(), id);
        }
        g
    }
}
